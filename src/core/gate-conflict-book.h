/* gate-conflict-book.h — the conflicts a device may see, and their review
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Where conflicts come from is decided here, not by whoever shows them: a
 * supervisor's token lists every conflict of the event from the server
 * (list_conflicts); any other device lists its own, from its cache (the
 * sync service stores device_conflicts there after each sync). A review
 * goes to the server (review_conflict); only once the server accepted it
 * does a gate also note it in its cache, on a worker thread. See
 * docs/conflict-review.md.
 */
#pragma once

#include <gio/gio.h>

#include "gate-api-client.h"
#include "gate-ticket-cache.h"

G_BEGIN_DECLS

#define GATE_TYPE_CONFLICT_BOOK (gate_conflict_book_get_type ())
G_DECLARE_FINAL_TYPE (GateConflictBook, gate_conflict_book, GATE, CONFLICT_BOOK, GObject)

GateConflictBook *gate_conflict_book_new                (GateTicketCache      *cache,
                                                         GateApiClient        *api_client,
                                                         const char           *event_id);
GateTicketCache  *gate_conflict_book_get_cache          (GateConflictBook     *self);
GateApiClient    *gate_conflict_book_get_api_client     (GateConflictBook     *self);
const char       *gate_conflict_book_get_event_id       (GateConflictBook     *self);
/* Whether the token is a supervisor's: then conflicts come from the server. */
gboolean          gate_conflict_book_get_supervisor     (GateConflictBook     *self);
void              gate_conflict_book_set_supervisor     (GateConflictBook     *self,
                                                         gboolean              supervisor);

/* Every conflict the device may see, reviewed ones too (element-type
 * GateConflict): from the server for a supervisor, else from the cache;
 * both devices named as far as the cache has heard their names. */
void              gate_conflict_book_list_async         (GateConflictBook     *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
GPtrArray        *gate_conflict_book_list_finish        (GateConflictBook     *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

/* Every device of the venue (element-type GateDeviceInfo), not only the
 * event's: a kiosk that has not scanned yet is the one a supervisor looks
 * for. With an event, each device's admissions for it (device_activity;
 * admitted stays -1 where the server cannot count). Supervisors only; the
 * server refuses anyone else (FORBIDDEN). */
void              gate_conflict_book_list_devices_async (GateConflictBook     *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
GPtrArray        *gate_conflict_book_list_devices_finish (GateConflictBook    *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

/* Marks conflict @conflict_id (the server's id) reviewed by @reviewed_by
 * (the client's device id when NULL or empty), with @note (nullable).
 * ::reviewed is emitted as soon as the server accepted; for a gate, the
 * review is then noted in the cache too, and the operation completes after
 * that. Fails with GATE_ERROR_NOT_FOUND for a conflict the server has not
 * numbered yet, GATE_ERROR_CONFIG without a server. */
void              gate_conflict_book_review_async       (GateConflictBook     *self,
                                                         gint64                conflict_id,
                                                         const char           *reviewed_by,
                                                         const char           *note,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean          gate_conflict_book_review_finish      (GateConflictBook     *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

G_END_DECLS
