/* gate-ticket-cache.h — the kiosk's offline cache on SQLite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Synchronous and thread-safe: the scan engine and the sync service call it
 * from GTask worker threads; what the UI needs also comes as _async/_finish.
 * Signals are always emitted on the main context that was the thread default
 * when the cache was created (or gate_ticket_cache_open_async() was called).
 *
 * Errors are GATE_ERROR_STORAGE, or GATE_ERROR_DISK_FULL when SQLite could
 * not write because the disk (or the cache's quota) is full.
 */
#pragma once

#include <gio/gio.h>

#include "gate-types.h"

G_BEGIN_DECLS

/* Figures for the status panel. Times are µs since the epoch, 0 = never. */
typedef struct
{
  char   *event_id;
  char   *event_name;             /* (nullable): before the first event_summary */
  gint64  event_starts_at_us;
  gint64  tickets_cached;
  gint64  checked_in;             /* cached tickets marked scanned */
  gint64  pending_uploads;        /* this event's scans still waiting for the server */
  gint64  last_refresh_at_us;     /* last page of tickets stored */
  gint64  last_full_refresh_at_us;/* last download that started from an empty cursor */
  gint64  last_upload_at_us;      /* last time the server answered for a scan */
  gint64  clock_offset_ms;
} GateCacheStatus;

void gate_cache_status_free (GateCacheStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateCacheStatus, gate_cache_status_free)

/* Admissions in one bucket of the arrivals chart. */
typedef struct
{
  gint64 start_us;
  guint  count;
} GateArrivalBucket;

#define GATE_CACHE_RETENTION_US   (24 * G_TIME_SPAN_HOUR)
#define GATE_CACHE_SEARCH_MIN     3    /* characters a search needs */

#define GATE_TYPE_TICKET_CACHE (gate_ticket_cache_get_type ())
G_DECLARE_FINAL_TYPE (GateTicketCache, gate_ticket_cache, GATE, TICKET_CACHE, GObject)

/* Opening: creates the file 0600 and brings its schema up to date. */
GateTicketCache     *gate_ticket_cache_new                   (const char              *path,
                                                              GError                 **error);
void                 gate_ticket_cache_open_async            (const char              *path,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
GateTicketCache     *gate_ticket_cache_open_finish           (GAsyncResult            *result,
                                                              GError                 **error);
const char          *gate_ticket_cache_get_path              (GateTicketCache         *self);
guint                gate_ticket_cache_get_schema_version    (void);

/* Deciding. */
GateTicket          *gate_ticket_cache_lookup                (GateTicketCache         *self,
                                                              const char              *qr_token,
                                                              gboolean                *pending_local,
                                                              GError                 **error);
GateScanDecision    *gate_ticket_cache_admit_offline         (GateTicketCache         *self,
                                                              const GateQueuedScan    *scan,
                                                              GError                 **error);
gboolean             gate_ticket_cache_record_online         (GateTicketCache         *self,
                                                              const GateScanDecision  *decision,
                                                              GError                 **error);

/* Manual entry. */
GPtrArray           *gate_ticket_cache_search                (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              const char              *text,
                                                              guint                    limit,
                                                              GError                 **error);
void                 gate_ticket_cache_search_async          (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              const char              *text,
                                                              guint                    limit,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
GPtrArray           *gate_ticket_cache_search_finish         (GateTicketCache         *self,
                                                              GAsyncResult            *result,
                                                              GError                 **error);

/* Refresh: one page and its cursor per transaction. */
gboolean             gate_ticket_cache_apply_page            (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              const GateTicketPage    *page,
                                                              GError                 **error);
char                *gate_ticket_cache_dup_cursor            (GateTicketCache         *self,
                                                              const char              *event_id);
gboolean             gate_ticket_cache_reset_cursor          (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              GError                 **error);

/* Signed tickets: the event's public keys, replaced at each refresh
 * (element-type GateEventKey). */
gboolean             gate_ticket_cache_set_event_keys        (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              GPtrArray               *keys,
                                                              GError                 **error);

/* The upload queue. */
GPtrArray           *gate_ticket_cache_pending_scans         (GateTicketCache         *self,
                                                              guint                    limit,
                                                              GError                 **error);
gint64               gate_ticket_cache_pending_count         (GateTicketCache         *self);
gboolean             gate_ticket_cache_apply_upload_results  (GateTicketCache         *self,
                                                              GPtrArray               *results,
                                                              GError                 **error);
gboolean             gate_ticket_cache_record_upload_failure (GateTicketCache         *self,
                                                              GPtrArray               *client_scan_ids,
                                                              const char              *message,
                                                              GError                 **error);

/* Conflicts. */
GPtrArray           *gate_ticket_cache_list_conflicts        (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              gboolean                 include_reviewed,
                                                              GError                 **error);
void                 gate_ticket_cache_list_conflicts_async  (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              gboolean                 include_reviewed,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
GPtrArray           *gate_ticket_cache_list_conflicts_finish (GateTicketCache         *self,
                                                              GAsyncResult            *result,
                                                              GError                 **error);
gboolean             gate_ticket_cache_store_conflicts       (GateTicketCache         *self,
                                                              GPtrArray               *conflicts,
                                                              GError                 **error);
gboolean             gate_ticket_cache_mark_conflict_reviewed (GateTicketCache        *self,
                                                              gint64                   server_id,
                                                              const char              *reviewed_by,
                                                              const char              *note,
                                                              gint64                   reviewed_at_us,
                                                              GError                 **error);

/* Event metadata, clock and status. */
gboolean             gate_ticket_cache_set_event             (GateTicketCache         *self,
                                                              const GateEventSummary  *summary,
                                                              GError                 **error);
GateEventSummary    *gate_ticket_cache_get_event             (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              GError                 **error);
gboolean             gate_ticket_cache_set_clock_offset      (GateTicketCache         *self,
                                                              gint64                   offset_ms,
                                                              GError                 **error);
gint64               gate_ticket_cache_get_clock_offset      (GateTicketCache         *self);
GateCacheStatus     *gate_ticket_cache_get_status            (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              GError                 **error);
void                 gate_ticket_cache_get_status_async      (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
GateCacheStatus     *gate_ticket_cache_get_status_finish     (GateTicketCache         *self,
                                                              GAsyncResult            *result,
                                                              GError                 **error);
GArray              *gate_ticket_cache_arrivals              (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              guint                    bucket_minutes,
                                                              gint64                   since_us,
                                                              GError                 **error);
void                 gate_ticket_cache_arrivals_async        (GateTicketCache         *self,
                                                              const char              *event_id,
                                                              guint                    bucket_minutes,
                                                              gint64                   since_us,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
GArray              *gate_ticket_cache_arrivals_finish       (GateTicketCache         *self,
                                                              GAsyncResult            *result,
                                                              GError                 **error);

/* The venue's devices by name (device_names), kept across restarts so a
 * verdict names the gate offline too. Looking a name up reads memory only. */
gboolean             gate_ticket_cache_store_device_names    (GateTicketCache         *self,
                                                              GPtrArray               *devices,
                                                              GError                 **error);
char                *gate_ticket_cache_dup_device_name       (GateTicketCache         *self,
                                                              const char              *device_id);

/* Retention. */
gboolean             gate_ticket_cache_purge                 (GateTicketCache         *self,
                                                              gint64                   now_us,
                                                              GError                 **error);
gboolean             gate_ticket_cache_wipe                  (GateTicketCache         *self,
                                                              GError                 **error);

G_END_DECLS
