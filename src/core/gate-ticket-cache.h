/* gate-ticket-cache.h — the kiosk's offline cache on SQLite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Synchronous and thread-safe: the scan engine and the sync service call it
 * from GTask worker threads. Signals are always emitted on the main context
 * that was the thread default when the cache was created.
 */
#pragma once

#include <gio/gio.h>

#include "gate-types.h"

G_BEGIN_DECLS

/* What an offline decision said. */
typedef struct
{
  GateVerdict  verdict;
  GateTicket  *ticket;          /* (nullable): NULL for not_found */
  char        *client_scan_id;
} GateOfflineDecision;

void gate_offline_decision_free (GateOfflineDecision *decision);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateOfflineDecision, gate_offline_decision_free)

/* Figures for the status panel. */
typedef struct
{
  char   *event_id;
  char   *event_name;
  gint64  tickets_cached;
  gint64  checked_in;
  gint64  pending_uploads;
  gint64  last_refresh_at_us;
  gint64  last_upload_at_us;
  gint64  clock_offset_ms;
} GateCacheStatus;

void gate_cache_status_free (GateCacheStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateCacheStatus, gate_cache_status_free)

#define GATE_CACHE_SCHEMA_VERSION 1
#define GATE_CACHE_RETENTION_US   (24 * G_TIME_SPAN_HOUR)

#define GATE_TYPE_TICKET_CACHE (gate_ticket_cache_get_type ())
G_DECLARE_FINAL_TYPE (GateTicketCache, gate_ticket_cache, GATE, TICKET_CACHE, GObject)

GateTicketCache     *gate_ticket_cache_new                (const char           *path,
                                                           GError              **error);
const char          *gate_ticket_cache_get_path           (GateTicketCache      *self);

GateTicket          *gate_ticket_cache_lookup             (GateTicketCache      *self,
                                                           const char           *qr_token,
                                                           gboolean             *pending_local,
                                                           GError              **error);
GateOfflineDecision *gate_ticket_cache_admit_offline      (GateTicketCache      *self,
                                                           const GateQueuedScan *scan,
                                                           GError              **error);
gboolean             gate_ticket_cache_record_online      (GateTicketCache      *self,
                                                           const char           *qr_token,
                                                           const GateScanAnswer *answer,
                                                           GError              **error);
GPtrArray           *gate_ticket_cache_search             (GateTicketCache      *self,
                                                           const char           *event_id,
                                                           const char           *text,
                                                           guint                 limit,
                                                           GError              **error);

gboolean             gate_ticket_cache_apply_page         (GateTicketCache      *self,
                                                           const char           *event_id,
                                                           const GateTicketPage *page,
                                                           GError              **error);
char                *gate_ticket_cache_dup_cursor         (GateTicketCache      *self,
                                                           const char           *event_id);
gboolean             gate_ticket_cache_reset_cursor       (GateTicketCache      *self,
                                                           const char           *event_id,
                                                           GError              **error);

GPtrArray           *gate_ticket_cache_pending_scans      (GateTicketCache      *self,
                                                           guint                 limit,
                                                           GError              **error);
gint64               gate_ticket_cache_pending_count      (GateTicketCache      *self);
gboolean             gate_ticket_cache_apply_upload_results (GateTicketCache    *self,
                                                           GPtrArray            *results,
                                                           GError              **error);
gboolean             gate_ticket_cache_record_upload_failure (GateTicketCache   *self,
                                                           GPtrArray            *client_scan_ids,
                                                           const char           *message,
                                                           GError              **error);

GPtrArray           *gate_ticket_cache_list_conflicts     (GateTicketCache      *self,
                                                           const char           *event_id,
                                                           gboolean              include_reviewed,
                                                           GError              **error);
gboolean             gate_ticket_cache_store_conflicts    (GateTicketCache      *self,
                                                           GPtrArray            *conflicts,
                                                           GError              **error);

gboolean             gate_ticket_cache_set_event          (GateTicketCache      *self,
                                                           const GateEventSummary *summary,
                                                           GError              **error);
gboolean             gate_ticket_cache_set_clock_offset   (GateTicketCache      *self,
                                                           gint64                offset_ms,
                                                           GError              **error);
gint64               gate_ticket_cache_get_clock_offset   (GateTicketCache      *self);
GateCacheStatus     *gate_ticket_cache_get_status         (GateTicketCache      *self,
                                                           const char           *event_id,
                                                           GError              **error);

gboolean             gate_ticket_cache_purge              (GateTicketCache      *self,
                                                           gint64                now_us,
                                                           GError              **error);
gboolean             gate_ticket_cache_wipe               (GateTicketCache      *self,
                                                           GError              **error);

G_END_DECLS
