/* gate-cache-panel.h — what this gate's offline cache holds, and how fresh
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the figures of its session: every figure is re-read from the
 * session's cache (asynchronously) when the cache says something changed
 * ("status-changed"), when the connection comes or goes, and after each
 * completed sync; only the "2 min ago" texts are re-rendered once a minute
 * while the panel is shown. See docs/app.md.
 */
#pragma once

#include <adwaita.h>

#include "gate-session.h"

G_BEGIN_DECLS

/* How far back the arrivals chart looks, and the width of its bars. */
#define GATE_CACHE_PANEL_ARRIVALS_SPAN_US      (2 * G_TIME_SPAN_HOUR)
#define GATE_CACHE_PANEL_ARRIVALS_BUCKET_MIN   5

#define GATE_TYPE_CACHE_PANEL (gate_cache_panel_get_type ())
G_DECLARE_FINAL_TYPE (GateCachePanel, gate_cache_panel, GATE, CACHE_PANEL, AdwBin)

GtkWidget   *gate_cache_panel_new         (GateSession    *session);
GateSession *gate_cache_panel_get_session (GateCachePanel *self);
void         gate_cache_panel_set_session (GateCachePanel *self,
                                           GateSession    *session);

G_END_DECLS
