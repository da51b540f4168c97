/* gate-occupancy.h — how many guests of the gate's event are inside now
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two sources, the best one wins (docs/gate-rules.md):
 *
 *   "server"  event_inside through @client, every "interval-seconds" and on
 *             gate_occupancy_refresh(): every gate's entries and exits.
 *             event_stats is a supervisor's function; a gate token is
 *             refused, and then the server is not asked again.
 *   "cache"   the "inside-count" property of @cache, when its class has
 *             one (GateSession's: the offline cache's presence, counted
 *             off the main thread): used while the server has no fresh
 *             answer, offline included.
 *
 * "inside" is -1 while neither knows; "source" says which one it is.
 */
#pragma once

#include "gate-api-client.h"

G_BEGIN_DECLS

#define GATE_OCCUPANCY_DEFAULT_INTERVAL_SECONDS 30

#define GATE_TYPE_OCCUPANCY (gate_occupancy_get_type ())
G_DECLARE_FINAL_TYPE (GateOccupancy, gate_occupancy, GATE, OCCUPANCY, GObject)

/* @client, @cache: (nullable). Polls from the first main-loop iteration. */
GateOccupancy *gate_occupancy_new         (GateApiClient *client,
                                           GObject       *cache,
                                           const char    *event_id,
                                           guint          interval_seconds);
/* Asks the server soon (a scan just changed the figure): now, or when 2 s
 * have passed since the last question, so a busy gate asks at most every
 * 2 s. */
void           gate_occupancy_refresh     (GateOccupancy *self);
/* "online": whether the gate reaches the server. Offline the server's last
 * figure is dropped at once for the cache's, and no question is sent. */
void           gate_occupancy_set_online  (GateOccupancy *self,
                                           gboolean       online);
gint64         gate_occupancy_get_inside  (GateOccupancy *self);
/* "server", "cache" or NULL. */
const char    *gate_occupancy_get_source  (GateOccupancy *self);

G_END_DECLS
