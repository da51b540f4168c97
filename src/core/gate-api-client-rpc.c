/* gate-api-client-rpc.c — the backend's RPC functions, typed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each wrapper builds the named arguments of one function (DESIGN.md §3),
 * calls it through gate_api_client_call_async() and decodes the rows into
 * the core's records (gate-api-rows.c), or fails with BAD_RESPONSE.
 */
#include "config.h"

#include "gate-api-client-private.h"
#include "gate-api-rows.h"
#include "gate-api-rows-rules.h"
#include "gate-api-client-rules.h"
#include "gate-api-rows-supervisor.h"
#include "gate-error.h"

typedef GateApiDecoder Decoder;

typedef struct
{
  gpointer       data;
  GDestroyNotify data_free;
  char          *function;
} Typed;

static void
typed_free (Typed *typed)
{
  if (typed->data_free != NULL)
    g_clear_pointer (&typed->data, typed->data_free);
  g_free (typed->function);
  g_free (typed);
}

static void
on_typed_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GDestroyNotify free_func = NULL;
  gpointer value = _gate_api_client_call_decoded_finish (GATE_API_CLIENT (source), result, &free_func, &error);

  if (value == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, value, free_func);
}

/* Takes @args. */
static void
typed_call_full (GateApiClient       *self,
                 const char          *function,
                 JsonObject          *args,
                 guint                timeout_ms,
                 GateApiBodyDecoder   decode_body,
                 Decoder              decode,
                 gpointer             data,
                 GDestroyNotify       data_free,
                 gpointer             source_tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Typed *typed = g_new0 (Typed, 1);

  typed->data = data;
  typed->data_free = data_free;
  typed->function = g_strdup (function);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, typed, (GDestroyNotify) typed_free);
  _gate_api_client_call_decoded_async (self, function, args, timeout_ms, decode_body, decode, data, cancellable,
                                       on_typed_done, task);
  json_object_unref (args);
}

/* Takes @args. */
void
_gate_api_typed_call (GateApiClient       *self,
                      const char          *function, JsonObject          *args, guint                timeout_ms,
                      Decoder              decode, gpointer             data, GDestroyNotify       data_free,
                      gpointer             source_tag, GCancellable        *cancellable, GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  typed_call_full (self, function, args, timeout_ms, NULL, decode, data, data_free, source_tag, cancellable, callback,
                   user_data);
}

gpointer
_gate_api_typed_finish (GateApiClient  *self,
                        GAsyncResult   *result,
                        gpointer        source_tag,
                        GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
_gate_api_args_set_string (JsonObject *args,
                           const char *name,
                           const char *value)
{
  if (value != NULL)
    json_object_set_string_member (args, name, value);
  else
    json_object_set_null_member (args, name);
}

void
_gate_api_args_set_time (JsonObject *args,
                         const char *name,
                         gint64      time_us)
{
  g_autofree char *text = time_us != 0 ? gate_api_format_time (time_us) : NULL;

  _gate_api_args_set_string (args, name, text);
}

/* @data: what was sent, for the code and scan id the row does not repeat. */
static gpointer
decode_scan_decision (JsonArray       *rows,
                      gpointer         data,
                      GDestroyNotify  *free_func,
                      GError         **error)
{
  const GateScanDecision *sent = data;
  GateScanDecision *decision = gate_api_rows_to_scan_decision (rows, error);

  *free_func = (GDestroyNotify) gate_scan_decision_free;
  if (decision != NULL)
    {
      decision->code = g_strdup (sent->code);
      decision->client_scan_id = g_strdup (sent->client_scan_id);
    }
  return decision;
}

/**
 * gate_api_client_scan_ticket_async:
 * @timeout_ms: 0 for GATE_API_SCAN_TIMEOUT_MS
 *
 * The online decision for one scan; @client_scan_id makes a retry (or the
 * later upload of the same scan) a replay on the server.
 */
void
gate_api_client_scan_ticket_async (GateApiClient       *self,
                                   const char          *qr_token,
                                   const char          *event_id,
                                   const char          *client_scan_id,
                                   const char          *scan_method,
                                   guint                timeout_ms,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  gate_api_client_scan_ticket_by_rules_async (self, qr_token, event_id, client_scan_id, scan_method, NULL, NULL,
                                              NULL, timeout_ms, cancellable, callback, user_data);
}

/**
 * gate_api_client_scan_ticket_by_rules_async:
 *
 * The arguments left NULL are not sent, so the call is exactly the one of
 * before the gate rules (and works against a server without them).
 */
void
gate_api_client_scan_ticket_by_rules_async (GateApiClient       *self,
                                            const char          *qr_token,
                                            const char          *event_id,
                                            const char          *client_scan_id,
                                            const char          *scan_method,
                                            const char          *direction,
                                            const char          *list_id,
                                            const char          *scanned_by,
                                            guint                timeout_ms,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  JsonObject *args = json_object_new ();
  GateScanDecision *sent;

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  sent = gate_scan_decision_new (GATE_VERDICT_NOT_FOUND, GATE_SCAN_MODE_ONLINE);
  sent->code = g_strdup (qr_token);
  sent->client_scan_id = g_strdup (client_scan_id);
  _gate_api_args_set_string (args, "p_qr_token", qr_token);
  _gate_api_args_set_string (args, "p_event_id", event_id);
  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  _gate_api_args_set_string (args, "p_client_scan_id", client_scan_id);
  _gate_api_args_set_string (args, "p_scan_method", scan_method != NULL ? scan_method : "qr");
  if (direction != NULL)
    _gate_api_args_set_string (args, "p_direction", direction);
  if (list_id != NULL)
    _gate_api_args_set_string (args, "p_list_id", list_id);
  if (scanned_by != NULL)
    _gate_api_args_set_string (args, "p_scanned_by", scanned_by);
  _gate_api_typed_call (self, "scan_ticket", args, timeout_ms != 0 ? timeout_ms : GATE_API_SCAN_TIMEOUT_MS,
                        decode_scan_decision, sent, (GDestroyNotify) gate_scan_decision_free,
                        gate_api_client_scan_ticket_async, cancellable, callback, user_data);
}

/**
 * gate_api_client_scan_ticket_finish:
 *
 * Returns: (transfer full): the server's decision, mode online, with the
 *   code and client_scan_id that were sent
 */
GateScanDecision *
gate_api_client_scan_ticket_finish (GateApiClient  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_scan_ticket_async, error);
}

static gpointer
decode_upload_results (JsonArray       *rows,
                       gpointer         data,
                       GDestroyNotify  *free_func,
                       GError         **error)
{
  *free_func = (GDestroyNotify) g_ptr_array_unref;
  return gate_api_rows_to_upload_results (rows, data, error);
}

void
gate_api_client_sync_offline_scans_async (GateApiClient       *self,
                                          GPtrArray           *scans,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  JsonObject *args;
  JsonArray *items;

  g_return_if_fail (GATE_IS_API_CLIENT (self));
  g_return_if_fail (scans != NULL);

  if (scans->len > GATE_API_MAX_UPLOAD_BATCH)
    {
      g_task_report_new_error (self, callback, user_data, gate_api_client_sync_offline_scans_async, GATE_ERROR,
                               GATE_ERROR_BAD_REQUEST, "sync_offline_scans: %u scans in one batch, at most %u",
                               scans->len, GATE_API_MAX_UPLOAD_BATCH);
      return;
    }

  args = json_object_new ();
  items = json_array_sized_new (scans->len);
  for (guint i = 0; i < scans->len; i++)
    {
      const GateQueuedScan *scan = g_ptr_array_index (scans, i);
      JsonObject *item = json_object_new ();

      _gate_api_args_set_string (item, "client_scan_id", scan->client_scan_id);
      _gate_api_args_set_string (item, "qr_token", scan->qr_token);
      _gate_api_args_set_string (item, "event_id", scan->event_id);
      _gate_api_args_set_time (item, "scanned_at", scan->scanned_at_us);
      json_object_set_int_member (item, "clock_offset_ms", scan->clock_offset_ms);
      _gate_api_args_set_string (item, "scanned_by", scan->scanned_by);
      _gate_api_args_set_string (item, "scan_method", scan->scan_method != NULL ? scan->scan_method : "qr");
      /* An entry by no list is sent as before the gate rules. */
      if (scan->direction != NULL && g_strcmp0 (scan->direction, "entry") != 0)
        _gate_api_args_set_string (item, "direction", scan->direction);
      if (scan->list_id != NULL)
        _gate_api_args_set_string (item, "list_id", scan->list_id);
      json_array_add_object_element (items, item);
    }

  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  json_object_set_array_member (args, "p_scans", items);
  _gate_api_typed_call (self, "sync_offline_scans", args, 0, decode_upload_results, g_ptr_array_ref (scans),
                        (GDestroyNotify) g_ptr_array_unref, gate_api_client_sync_offline_scans_async, cancellable,
                        callback, user_data);
}

/**
 * gate_api_client_sync_offline_scans_finish:
 *
 * Returns: (transfer full) (element-type GateUploadResult): one result per
 *   answered scan of the batch
 */
GPtrArray *
gate_api_client_sync_offline_scans_finish (GateApiClient  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_sync_offline_scans_async, error);
}

/* The arguments of tickets_changed_since and stays_changed_since. */
JsonObject *
_gate_api_page_args (const char *event_id,
                     const char *cursor,
                     guint       limit)
{
  JsonObject *args = json_object_new ();

  _gate_api_args_set_string (args, "p_event_id", event_id);
  _gate_api_args_set_string (args, "p_cursor", cursor);
  json_object_set_int_member (args, "p_limit", limit != 0 ? limit : 1000);
  return args;
}

static gpointer
read_ticket_page (const char      *body,
                  gsize            size,
                  gpointer         data,
                  GDestroyNotify  *free_func,
                  GError         **error)
{
  *free_func = (GDestroyNotify) gate_ticket_page_free;
  return gate_api_ticket_page_from_body (body, size, data, error);
}

static gpointer
decode_ticket_page (JsonArray       *rows,
                    gpointer         data,
                    GDestroyNotify  *free_func,
                    GError         **error)
{
  *free_func = (GDestroyNotify) gate_ticket_page_free;
  return gate_api_rows_to_ticket_page (rows, data, error);
}

void
gate_api_client_tickets_changed_since_async (GateApiClient       *self,
                                             const char          *event_id,
                                             const char          *cursor,
                                             guint                limit,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  g_return_if_fail (GATE_IS_API_CLIENT (self));

  typed_call_full (self, "tickets_changed_since", _gate_api_page_args (event_id, cursor, limit), 0, read_ticket_page,
                   decode_ticket_page, g_strdup (event_id), g_free, gate_api_client_tickets_changed_since_async,
                   cancellable, callback, user_data);
}

GateTicketPage *
gate_api_client_tickets_changed_since_finish (GateApiClient  *self,
                                              GAsyncResult   *result,
                                              GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_tickets_changed_since_async, error);
}

static gpointer
peek_ticket_page_body (const char      *body,
                       gsize            size,
                       gpointer         data,
                       GDestroyNotify  *free_func,
                       GError         **error)
{
  *free_func = (GDestroyNotify) gate_ticket_page_body_free;
  return gate_ticket_page_body_peek (body, size, data);
}

static gpointer
decode_ticket_page_body (JsonArray       *rows,
                         gpointer         data,
                         GDestroyNotify  *free_func,
                         GError         **error)
{
  GateTicketPage *page = gate_api_rows_to_ticket_page (rows, data, error);

  *free_func = (GDestroyNotify) gate_ticket_page_body_free;
  return page != NULL ? gate_ticket_page_body_new_decoded (page) : NULL;
}

/**
 * gate_api_client_ticket_page_body_async:
 *
 * As gate_api_client_tickets_changed_since_async(), but the answer is only
 * counted (its rows and its last cursor) before it is handed over, and
 * decoded with gate_ticket_page_body_decode() where the caller wants: a
 * download asks for the next page at once and decodes this one while it
 * comes.
 */
void
gate_api_client_ticket_page_body_async (GateApiClient       *self,
                                        const char          *event_id,
                                        const char          *cursor,
                                        guint                limit,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (GATE_IS_API_CLIENT (self));

  typed_call_full (self, "tickets_changed_since", _gate_api_page_args (event_id, cursor, limit), 0,
                   peek_ticket_page_body, decode_ticket_page_body, g_strdup (event_id), g_free,
                   gate_api_client_ticket_page_body_async, cancellable, callback, user_data);
}

GateTicketPageBody *
gate_api_client_ticket_page_body_finish (GateApiClient  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_ticket_page_body_async, error);
}

static gpointer
decode_event_summary (JsonArray       *rows,
                      gpointer         data,
                      GDestroyNotify  *free_func,
                      GError         **error)
{
  *free_func = (GDestroyNotify) gate_event_summary_free;
  return gate_api_rows_to_event_summary (rows, error);
}

void
gate_api_client_event_summary_async (GateApiClient       *self,
                                     const char          *event_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_event_id", event_id);
  _gate_api_typed_call (self, "event_summary", args, 0, decode_event_summary, NULL, NULL,
                        gate_api_client_event_summary_async, cancellable, callback, user_data);
}

GateEventSummary *
gate_api_client_event_summary_finish (GateApiClient  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_event_summary_async, error);
}

static gpointer
decode_event_keys (JsonArray       *rows,
                   gpointer         data,
                   GDestroyNotify  *free_func,
                   GError         **error)
{
  *free_func = (GDestroyNotify) g_ptr_array_unref;
  return gate_api_rows_to_event_keys (rows, error);
}

void
gate_api_client_event_keys_async (GateApiClient       *self,
                                  const char          *event_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_event_id", event_id);
  _gate_api_typed_call (self, "event_keys", args, 0, decode_event_keys, NULL, NULL, gate_api_client_event_keys_async,
                        cancellable, callback, user_data);
}

GPtrArray *
gate_api_client_event_keys_finish (GateApiClient  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_event_keys_async, error);
}

static gpointer
decode_event_summaries (JsonArray       *rows,
                        gpointer         data,
                        GDestroyNotify  *free_func,
                        GError         **error)
{
  *free_func = (GDestroyNotify) g_ptr_array_unref;
  return gate_api_rows_to_event_summaries (rows, error);
}

void
gate_api_client_list_events_async (GateApiClient       *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  _gate_api_typed_call (self, "list_events", args, 0, decode_event_summaries, NULL, NULL,
                        gate_api_client_list_events_async, cancellable, callback, user_data);
}

/**
 * gate_api_client_list_events_finish:
 *
 * Returns: (transfer full) (element-type GateEventSummary)
 */
GPtrArray *
gate_api_client_list_events_finish (GateApiClient  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_list_events_async, error);
}

/* For functions whose only use to us is that they answered: the rows back,
 * once they are the one row with a server time. */
gpointer
_gate_api_decode_acknowledgement (JsonArray       *rows,
                                  gpointer         data,
                                  GDestroyNotify  *free_func,
                                  GError         **error)
{
  *free_func = (GDestroyNotify) json_array_unref;
  if (gate_api_rows_to_server_time (rows, error) == 0)
    return NULL;
  return json_array_ref (rows);
}

gboolean
_gate_api_acknowledgement_finish (GateApiClient  *self,
                                  GAsyncResult   *result,
                                  gpointer        source_tag,
                                  GError        **error)
{
  g_autoptr(JsonArray) rows = _gate_api_typed_finish (self, result, source_tag, error);

  return rows != NULL;
}

void
gate_api_client_heartbeat_async (GateApiClient       *self,
                                 const char          *app_version,
                                 gint                 pending_scans,
                                 gint64               last_refresh_at_us,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  _gate_api_args_set_string (args, "p_app_version", app_version);
  json_object_set_int_member (args, "p_pending_scans", pending_scans);
  _gate_api_args_set_time (args, "p_last_refresh_at", last_refresh_at_us);
  _gate_api_typed_call (self, "device_heartbeat", args, 0, _gate_api_decode_acknowledgement, NULL, NULL,
                        gate_api_client_heartbeat_async, cancellable, callback, user_data);
}

gboolean
gate_api_client_heartbeat_finish (GateApiClient  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  return _gate_api_acknowledgement_finish (self, result, gate_api_client_heartbeat_async, error);
}

static gpointer
decode_any_rows (JsonArray       *rows,
                 gpointer         data,
                 GDestroyNotify  *free_func,
                 GError         **error)
{
  *free_func = (GDestroyNotify) json_array_unref;
  return json_array_ref (rows);
}

void
gate_api_client_probe_async (GateApiClient       *self,
                             const char          *event_id,
                             guint                timeout_ms,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  /* Read-only, unlike the heartbeat, and it still needs a valid token. */
  _gate_api_args_set_string (args, "p_event_id", event_id);
  _gate_api_typed_call (self, "event_summary", args, timeout_ms, decode_any_rows, NULL, NULL,
                        gate_api_client_probe_async, cancellable, callback, user_data);
}

gboolean
gate_api_client_probe_finish (GateApiClient  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  return _gate_api_acknowledgement_finish (self, result, gate_api_client_probe_async, error);
}

static gpointer
decode_conflicts (JsonArray       *rows,
                  gpointer         data,
                  GDestroyNotify  *free_func,
                  GError         **error)
{
  g_autoptr(GPtrArray) conflicts = gate_api_rows_to_conflicts (rows, error);

  *free_func = (GDestroyNotify) g_ptr_array_unref;
  if (conflicts == NULL || !gate_api_rows_add_conflict_operators (rows, conflicts, error))
    return NULL;
  return g_steal_pointer (&conflicts);
}

void
gate_api_client_list_conflicts_async (GateApiClient       *self,
                                      const char          *event_id,
                                      gboolean             include_reviewed,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_event_id", event_id);
  json_object_set_boolean_member (args, "p_include_reviewed", include_reviewed);
  _gate_api_typed_call (self, "list_conflicts", args, 0, decode_conflicts, NULL, NULL,
                        gate_api_client_list_conflicts_async, cancellable, callback, user_data);
}

/**
 * gate_api_client_list_conflicts_finish:
 *
 * Returns: (transfer full) (element-type GateConflict)
 */
GPtrArray *
gate_api_client_list_conflicts_finish (GateApiClient  *self,
                                       GAsyncResult   *result,
                                       GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_list_conflicts_async, error);
}

static void
on_conflicts_listed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *conflicts = gate_api_client_list_conflicts_finish (GATE_API_CLIENT (source), result, &error);

  if (conflicts == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, conflicts, (GDestroyNotify) g_ptr_array_unref);
}

void
gate_api_client_conflicts_async (GateApiClient       *self,
                                 const char          *event_id,
                                 gboolean             supervisor,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  JsonObject *args;

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  if (supervisor)
    {
      GTask *task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, gate_api_client_conflicts_async);
      gate_api_client_list_conflicts_async (self, event_id, TRUE, cancellable, on_conflicts_listed, task);
      return;
    }

  args = json_object_new ();
  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  _gate_api_args_set_string (args, "p_event_id", event_id);
  _gate_api_typed_call (self, "device_conflicts", args, 0, decode_conflicts, NULL, NULL,
                        gate_api_client_conflicts_async, cancellable, callback, user_data);
}

/**
 * gate_api_client_conflicts_finish:
 *
 * Returns: (transfer full) (element-type GateConflict)
 */
GPtrArray *
gate_api_client_conflicts_finish (GateApiClient  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_conflicts_async, error);
}

void
gate_api_client_review_conflict_async (GateApiClient       *self,
                                       gint64               conflict_id,
                                       const char          *reviewed_by,
                                       const char          *note,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  json_object_set_int_member (args, "p_conflict_id", conflict_id);
  _gate_api_args_set_string (args, "p_reviewed_by", reviewed_by);
  _gate_api_args_set_string (args, "p_note", note);
  _gate_api_typed_call (self, "review_conflict", args, 0, _gate_api_decode_acknowledgement, NULL, NULL,
                        gate_api_client_review_conflict_async, cancellable, callback, user_data);
}

gboolean
gate_api_client_review_conflict_finish (GateApiClient  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  return _gate_api_acknowledgement_finish (self, result, gate_api_client_review_conflict_async, error);
}

static gpointer
decode_devices (JsonArray       *rows,
                gpointer         data,
                GDestroyNotify  *free_func,
                GError         **error)
{
  *free_func = (GDestroyNotify) g_ptr_array_unref;
  return gate_api_rows_to_devices (rows, error);
}

void
gate_api_client_list_devices_async (GateApiClient       *self,
                                    const char          *event_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_event_id", event_id);
  _gate_api_typed_call (self, "list_devices", args, 0, decode_devices, NULL, NULL, gate_api_client_list_devices_async,
                        cancellable, callback, user_data);
}

/**
 * gate_api_client_list_devices_finish:
 *
 * Returns: (transfer full) (element-type GateDeviceInfo)
 */
GPtrArray *
gate_api_client_list_devices_finish (GateApiClient  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_list_devices_async, error);
}

/* device_names for this client's device: every device's id and name
 * (element-type GateDeviceInfo, other fields unset). */
void
gate_api_client_device_names_async (GateApiClient       *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  _gate_api_typed_call (self, "device_names", args, 0, decode_devices, NULL, NULL, gate_api_client_device_names_async,
                        cancellable, callback, user_data);
}

/**
 * gate_api_client_device_names_finish:
 *
 * Returns: (transfer full) (element-type GateDeviceInfo)
 */
GPtrArray *
gate_api_client_device_names_finish (GateApiClient  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_device_names_async, error);
}

static gpointer
decode_device_activity (JsonArray       *rows,
                        gpointer         data,
                        GDestroyNotify  *free_func,
                        GError         **error)
{
  *free_func = (GDestroyNotify) g_ptr_array_unref;
  return gate_api_rows_to_device_activity (rows, error);
}

void
gate_api_client_device_activity_async (GateApiClient       *self,
                                       const char          *event_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_event_id", event_id);
  _gate_api_typed_call (self, "device_activity", args, 0, decode_device_activity, NULL, NULL,
                        gate_api_client_device_activity_async, cancellable, callback, user_data);
}

/**
 * gate_api_client_device_activity_finish:
 *
 * Returns: (transfer full) (element-type GateDeviceInfo): id, admitted and
 *   last_seen_at_us (the device's last scan of the event) of each device
 *   that scanned for the event
 */
GPtrArray *
gate_api_client_device_activity_finish (GateApiClient  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_device_activity_async, error);
}
