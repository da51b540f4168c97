/* gate-gate-stats.h — a supervisor's live per-gate numbers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Holds the last answer of event_stats for one event (or every event):
 * entries, exits and inside-now per event, per list and per gate, and
 * arrivals per gate per 5 minutes over the last "window-minutes". While
 * "live" is TRUE it asks again "interval-ms" after each answer (never two
 * requests at once) and stops, cancelling, when "live" goes FALSE: a page
 * sets it while it is shown. "updated" is emitted after every answer that
 * was kept; a failure keeps the last numbers and sets "error-message".
 */
#pragma once

#include <gio/gio.h>

#include "gate-api-client.h"
#include "gate-supervisor-types.h"

G_BEGIN_DECLS

#define GATE_GATE_STATS_DEFAULT_INTERVAL_MS  5000
#define GATE_GATE_STATS_DEFAULT_WINDOW_MIN   180

#define GATE_TYPE_GATE_STATS (gate_gate_stats_get_type ())
G_DECLARE_FINAL_TYPE (GateGateStats, gate_gate_stats, GATE, GATE_STATS, GObject)

GateGateStats *gate_gate_stats_new               (GateApiClient        *client);
GateApiClient *gate_gate_stats_get_client        (GateGateStats        *self);
const char    *gate_gate_stats_get_event_id      (GateGateStats        *self);
/* NULL: every event the server has. Forgets the numbers of the old one. */
void           gate_gate_stats_set_event_id      (GateGateStats        *self,
                                                  const char           *event_id);
gboolean       gate_gate_stats_get_live          (GateGateStats        *self);
void           gate_gate_stats_set_live          (GateGateStats        *self,
                                                  gboolean              live);
guint          gate_gate_stats_get_interval_ms   (GateGateStats        *self);
void           gate_gate_stats_set_interval_ms   (GateGateStats        *self,
                                                  guint                 interval_ms);
guint          gate_gate_stats_get_window_minutes (GateGateStats       *self);
void           gate_gate_stats_set_window_minutes (GateGateStats       *self,
                                                  guint                 minutes);
gboolean       gate_gate_stats_get_loading       (GateGateStats        *self);
/* When the numbers shown arrived, on the server's clock; 0 before the
 * first answer. */
gint64         gate_gate_stats_get_updated_at    (GateGateStats        *self);
/* The last failure's message, NULL after a good answer. */
const char    *gate_gate_stats_get_error_message (GateGateStats        *self);

/* Asks now; finishes TRUE once the numbers are updated. */
void           gate_gate_stats_refresh_async     (GateGateStats        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean       gate_gate_stats_refresh_finish    (GateGateStats        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* Copies of the rows of @scope, in the server's order (transfer full,
 * element-type GateStatsRow). */
GPtrArray     *gate_gate_stats_get_rows          (GateGateStats        *self,
                                                  GateStatsScope        scope);
/* Summed over the events' rows. */
void           gate_gate_stats_get_totals        (GateGateStats        *self,
                                                  gint64               *entries,
                                                  gint64               *exits,
                                                  gint64               *inside);

G_END_DECLS
