/* gate-verdict-log.h — --verdict-log: one JSON line per decision
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "gate-scan-engine.h"

G_BEGIN_DECLS

#define GATE_TYPE_VERDICT_LOG (gate_verdict_log_get_type ())
G_DECLARE_FINAL_TYPE (GateVerdictLog, gate_verdict_log, GATE, VERDICT_LOG, GObject)

/* Opens @path for appending (created 0600: the lines name tickets). */
GateVerdictLog *gate_verdict_log_new    (const char             *path,
                                         GError                **error);
/* Queues the line for @decision — verdict, code, mode, latency_ms,
 * client_scan_id, ticket_id, cache_age_s (offline), and operator (the
 * signed-in operator's id, @operator_id, when there is one) — written in
 * order, without blocking the main thread. */
void            gate_verdict_log_append (GateVerdictLog         *self,
                                         const GateScanDecision *decision,
                                         const char             *operator_id);

G_END_DECLS
