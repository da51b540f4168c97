/* gate-sync-service.h — uploads, delta refresh, heartbeat, retention
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "gate-api-client.h"
#include "gate-connectivity.h"
#include "gate-ticket-cache.h"

G_BEGIN_DECLS

#define GATE_SYNC_UPLOAD_BATCH   500
#define GATE_SYNC_PAGE           1000

#define GATE_TYPE_SYNC_SERVICE (gate_sync_service_get_type ())
G_DECLARE_FINAL_TYPE (GateSyncService, gate_sync_service, GATE, SYNC_SERVICE, GObject)

GateSyncService *gate_sync_service_new          (GateTicketCache    *cache,
                                                 GateApiClient      *client,
                                                 GateConnectivity   *connectivity,
                                                 const char         *event_id);
/* Upload first, then download (like pretixSCAN): pending scans in batches,
 * delta pages until the end, the event summary, this device's conflicts, a
 * heartbeat, then retention. @full restarts the delta download from scratch
 * (without deleting anything). Concurrent calls share one run. */
void             gate_sync_service_sync_async   (GateSyncService    *self,
                                                 gboolean            full,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
/* Download only: delta pages, summary, conflicts, heartbeat, retention.
 * Finish with gate_sync_service_sync_finish(). */
void             gate_sync_service_refresh_async (GateSyncService   *self,
                                                 gboolean            full,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
gboolean         gate_sync_service_sync_finish  (GateSyncService    *self,
                                                 GAsyncResult       *result,
                                                 GError            **error);
/* Sync every @interval_seconds, and after a failure retry with exponential
 * backoff and jitter (1 s doubling to 5 min) until it succeeds. */
void             gate_sync_service_start        (GateSyncService    *self,
                                                 guint               interval_seconds);
void             gate_sync_service_stop         (GateSyncService    *self);

G_END_DECLS
