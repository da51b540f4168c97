/* gate-cache-panel.h — what this gate's offline cache holds, and how fresh
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every figure is re-read from the cache (asynchronously) when the cache
 * says something changed ("status-changed", "ticket-changed"), when the
 * connection comes or goes, and after each completed sync; only the "2 min
 * ago" texts are re-rendered once a minute while the panel is shown. See
 * docs/app.md.
 */
#pragma once

#include <adwaita.h>

#include "gate-connectivity.h"
#include "gate-sync-service.h"
#include "gate-ticket-cache.h"

G_BEGIN_DECLS

/* How far back the arrivals chart looks, and the width of its bars. */
#define GATE_CACHE_PANEL_ARRIVALS_SPAN_US      (2 * G_TIME_SPAN_HOUR)
#define GATE_CACHE_PANEL_ARRIVALS_BUCKET_MIN   5

#define GATE_TYPE_CACHE_PANEL (gate_cache_panel_get_type ())
G_DECLARE_FINAL_TYPE (GateCachePanel, gate_cache_panel, GATE, CACHE_PANEL, AdwBin)

GtkWidget        *gate_cache_panel_new              (GateTicketCache  *cache,
                                                     GateSyncService  *sync_service,
                                                     GateConnectivity *connectivity,
                                                     const char       *event_id);
GateTicketCache  *gate_cache_panel_get_cache        (GateCachePanel   *self);
void              gate_cache_panel_set_cache        (GateCachePanel   *self,
                                                     GateTicketCache  *cache);
GateSyncService  *gate_cache_panel_get_sync_service (GateCachePanel   *self);
void              gate_cache_panel_set_sync_service (GateCachePanel   *self,
                                                     GateSyncService  *sync_service);
GateConnectivity *gate_cache_panel_get_connectivity (GateCachePanel   *self);
void              gate_cache_panel_set_connectivity (GateCachePanel   *self,
                                                     GateConnectivity *connectivity);
const char       *gate_cache_panel_get_event_id     (GateCachePanel   *self);
void              gate_cache_panel_set_event_id     (GateCachePanel   *self,
                                                     const char       *event_id);

G_END_DECLS
