/* gate-api-client.h — the RPC client (gate-server or Supabase/PostgREST)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Properties: "base-url" (server root; "/rest/v1" and a trailing "/" are
 * dropped), "token" (write-only bearer), "apikey" (defaults to the token;
 * Supabase wants its anon key here), "device-id", "timeout-ms" (default
 * per-call limit) and "clock-offset-ms" (read-only, server − device, notified
 * on the main context of the thread that created the client).
 *
 * Every call runs on the calling thread's default main context. Errors are
 * GATE_ERROR codes (see docs/api-client.md); a caller's cancellation stays
 * G_IO_ERROR_CANCELLED.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "gate-supervisor-types.h"
#include "gate-types.h"

G_BEGIN_DECLS

#define GATE_API_DEFAULT_TIMEOUT_MS 10000
#define GATE_API_SCAN_TIMEOUT_MS    1500
#define GATE_API_MAX_RESPONSE       (32 * 1024 * 1024)
#define GATE_API_MAX_UPLOAD_BATCH   1000

#define GATE_TYPE_API_CLIENT (gate_api_client_get_type ())
G_DECLARE_FINAL_TYPE (GateApiClient, gate_api_client, GATE, API_CLIENT, GObject)

GateApiClient    *gate_api_client_new                  (const char           *base_url,
                                                        const char           *token,
                                                        const char           *device_id);
const char       *gate_api_client_get_base_url         (GateApiClient        *self);
const char       *gate_api_client_get_device_id        (GateApiClient        *self);
gint64            gate_api_client_get_clock_offset_ms  (GateApiClient        *self);
gboolean          gate_api_client_is_insecure          (GateApiClient        *self);

/* Generic PostgREST RPC: the rows of @function called with @args. */
void              gate_api_client_call_async           (GateApiClient        *self,
                                                        const char           *function,
                                                        JsonObject           *args,
                                                        guint                 timeout_ms,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
JsonArray        *gate_api_client_call_finish          (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

void              gate_api_client_scan_ticket_async    (GateApiClient        *self,
                                                        const char           *qr_token,
                                                        const char           *event_id,
                                                        const char           *client_scan_id,
                                                        const char           *scan_method,
                                                        guint                 timeout_ms,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
/* As gate_api_client_scan_ticket_async(), by the gate rules: @direction
 * "entry" or "exit" (NULL: entry), @list_id the check-in list (NULL: the
 * device's own), @scanned_by the signed-in operator (NULL: none). Finish
 * with gate_api_client_scan_ticket_finish(). */
void              gate_api_client_scan_ticket_by_rules_async (GateApiClient  *self,
                                                        const char           *qr_token,
                                                        const char           *event_id,
                                                        const char           *client_scan_id,
                                                        const char           *scan_method,
                                                        const char           *direction,
                                                        const char           *list_id,
                                                        const char           *scanned_by,
                                                        guint                 timeout_ms,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GateScanDecision *gate_api_client_scan_ticket_finish   (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* @scans (element-type GateQueuedScan, at most GATE_API_MAX_UPLOAD_BATCH)
 * is referenced and must not change until the call completes. The result
 * (element-type GateUploadResult) answers only for scans of @scans; a scan
 * without an answer stays queued. */
void              gate_api_client_sync_offline_scans_async  (GateApiClient   *self,
                                                        GPtrArray            *scans,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray        *gate_api_client_sync_offline_scans_finish (GateApiClient   *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* One page of the delta download; @cursor NULL starts from the beginning.
 * An empty page means no more changes. */
void              gate_api_client_tickets_changed_since_async  (GateApiClient *self,
                                                        const char           *event_id,
                                                        const char           *cursor,
                                                        guint                 limit,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GateTicketPage   *gate_api_client_tickets_changed_since_finish (GateApiClient *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
/* The same page, counted when it comes and decoded later (gate-api-rows.h). */
void              gate_api_client_ticket_page_body_async  (GateApiClient      *self,
                                                        const char           *event_id,
                                                        const char           *cursor,
                                                        guint                 limit,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GateTicketPageBody *gate_api_client_ticket_page_body_finish (GateApiClient    *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

void              gate_api_client_event_summary_async  (GateApiClient        *self,
                                                        const char           *event_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GateEventSummary *gate_api_client_event_summary_finish (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* event_keys: the public keys that signed codes of @event_id are checked
 * with (element-type GateEventKey, freed with g_free). A server from before
 * signed tickets fails with GATE_ERROR_NOT_FOUND. */
void              gate_api_client_event_keys_async     (GateApiClient        *self,
                                                        const char           *event_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray        *gate_api_client_event_keys_finish    (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* list_events for this client's device: the events it may scan, those on
 * now or next first (element-type GateEventSummary). */
void              gate_api_client_list_events_async    (GateApiClient        *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray        *gate_api_client_list_events_finish   (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

void              gate_api_client_heartbeat_async      (GateApiClient        *self,
                                                        const char           *app_version,
                                                        gint                  pending_scans,
                                                        gint64                last_refresh_at_us,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean          gate_api_client_heartbeat_finish     (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* A cheap authenticated round trip (event_summary): TRUE when the server
 * answered with well-formed rows, whether or not it knows @event_id. */
void              gate_api_client_probe_async          (GateApiClient        *self,
                                                        const char           *event_id,
                                                        guint                 timeout_ms,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean          gate_api_client_probe_finish         (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* device_conflicts for a gate device, list_conflicts (reviewed ones too)
 * for a supervisor. */
void              gate_api_client_conflicts_async      (GateApiClient        *self,
                                                        const char           *event_id,
                                                        gboolean              supervisor,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray        *gate_api_client_conflicts_finish     (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* list_conflicts (supervisor role). */
void              gate_api_client_list_conflicts_async (GateApiClient        *self,
                                                        const char           *event_id,
                                                        gboolean              include_reviewed,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray        *gate_api_client_list_conflicts_finish (GateApiClient       *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

void              gate_api_client_review_conflict_async  (GateApiClient      *self,
                                                        gint64                conflict_id,
                                                        const char           *reviewed_by,
                                                        const char           *note,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean          gate_api_client_review_conflict_finish (GateApiClient      *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

void              gate_api_client_list_devices_async   (GateApiClient        *self,
                                                        const char           *event_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray        *gate_api_client_list_devices_finish  (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* device_names: every device's id and name, for wording verdicts and
 * conflicts (element-type GateDeviceInfo, only id and name set). */
void              gate_api_client_device_names_async   (GateApiClient        *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray        *gate_api_client_device_names_finish  (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* device_activity (supervisor role): per device, guests admitted for
 * @event_id and its last scan (element-type GateDeviceInfo: id, admitted,
 * last_seen_at_us). */
void              gate_api_client_device_activity_async  (GateApiClient      *self,
                                                        const char           *event_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray        *gate_api_client_device_activity_finish (GateApiClient      *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* event_stats (supervisor role): entries, exits and inside-now per event,
 * list and gate, and arrivals per gate per 5 minutes since @since_us (0:
 * the server's default, 24 hours); every event when @event_id is NULL
 * (element-type GateStatsRow). */
void              gate_api_client_event_stats_async    (GateApiClient        *self,
                                                        const char           *event_id,
                                                        gint64                since_us,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray        *gate_api_client_event_stats_finish   (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
/* list_operators for this client's device (element-type GateOperator). */
void              gate_api_client_list_operators_async (GateApiClient        *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray        *gate_api_client_list_operators_finish (GateApiClient       *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
/* add_operator and remove_operator (supervisor role). */
void              gate_api_client_add_operator_async   (GateApiClient        *self,
                                                        const char           *name,
                                                        const char           *pin,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GateOperator     *gate_api_client_add_operator_finish  (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
void              gate_api_client_remove_operator_async (GateApiClient       *self,
                                                        const char           *operator_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean          gate_api_client_remove_operator_finish (GateApiClient      *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
/* The gate rules (DESIGN.md §10). list_checkin_lists of @event_id (NULL:
 * every event of this device), element-type GateCheckinList. */
void              gate_api_client_list_checkin_lists_async  (GateApiClient   *self,
                                                        const char           *event_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray        *gate_api_client_list_checkin_lists_finish (GateApiClient   *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* operator_sign_in. TRUE with the operator's id and name when @pin was
 * right; FALSE without an error when it was not (or the name is unknown),
 * with @locked_until_us set when the operator is locked out for now. */
void              gate_api_client_operator_sign_in_async  (GateApiClient     *self,
                                                        const char           *name,
                                                        const char           *pin,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean          gate_api_client_operator_sign_in_finish (GateApiClient     *self,
                                                        GAsyncResult         *result,
                                                        char                **operator_id,
                                                        char                **name,
                                                        gint64               *locked_until_us,
                                                        GError              **error);

/* How many of @event_id's guests are inside now (event_inside, 0022: a
 * gate asks about its own events); -1 on error. A server from before it
 * answers GATE_ERROR_NOT_FOUND. */
void              gate_api_client_event_inside_async   (GateApiClient        *self,
                                                        const char           *event_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gint64            gate_api_client_event_inside_finish  (GateApiClient        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);


G_END_DECLS
