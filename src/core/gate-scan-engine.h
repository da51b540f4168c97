/* gate-scan-engine.h — a scanned code in, a verdict out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "gate-api-client.h"
#include "gate-connectivity.h"
#include "gate-ticket-cache.h"

G_BEGIN_DECLS

#define GATE_MAX_CODE_LENGTH 512

/* Whether @code could be a ticket at all: at most 512 bytes of printable
 * ASCII. Anything else is `invalid_code` without a lookup. */
gboolean          gate_scan_code_is_valid     (const char *code);

#define GATE_TYPE_SCAN_ENGINE (gate_scan_engine_get_type ())
G_DECLARE_FINAL_TYPE (GateScanEngine, gate_scan_engine, GATE, SCAN_ENGINE, GObject)

GateScanEngine   *gate_scan_engine_new         (GateTicketCache    *cache,
                                                GateApiClient      *client,
                                                GateConnectivity   *connectivity,
                                                const char         *event_id,
                                                const char         *device_id);
void              gate_scan_engine_scan_async  (GateScanEngine     *self,
                                                const char         *code,
                                                const char         *scan_method,
                                                gboolean            force_offline,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
GateScanDecision *gate_scan_engine_scan_finish (GateScanEngine     *self,
                                                GAsyncResult       *result,
                                                GError            **error);
/* For streams of codes (camera, wedge): ignores a code seen within the
 * debounce window, else decides it and emits ::decided. Returns whether the
 * code was taken. */
gboolean          gate_scan_engine_submit      (GateScanEngine     *self,
                                                const char         *code,
                                                const char         *scan_method);

G_END_DECLS
