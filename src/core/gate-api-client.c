/* gate-api-client.c — the RPC client (gate-server or Supabase/PostgREST)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * POST <base>/rest/v1/rpc/<function> with named arguments, exactly as
 * PostgREST expects, so one client serves gate-server and Supabase. Every
 * answer is validated before anyone sees it: a captive portal's HTML, a
 * truncated body or a mistyped field becomes GATE_ERROR_BAD_RESPONSE, never
 * a half-applied page.
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "gate-api-client.h"
#include "gate-error.h"

#define CLOCK_SAMPLES 16

struct _GateApiClient
{
  GObject      parent_instance;

  SoupSession *session;
  char        *base_url;
  char        *token;
  char        *apikey;
  char        *device_id;
  guint        timeout_ms;

  /* Recent (round trip, offset) samples; the offset of the fastest round
   * trip is the best estimate of server − device time. */
  gint64       rtt_us[CLOCK_SAMPLES];
  gint64       offset_ms[CLOCK_SAMPLES];
  guint        n_samples;
  guint        next_sample;
  gint64       clock_offset_ms;
};

G_DEFINE_FINAL_TYPE (GateApiClient, gate_api_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BASE_URL,
  PROP_TOKEN,
  PROP_APIKEY,
  PROP_DEVICE_ID,
  PROP_TIMEOUT_MS,
  PROP_CLOCK_OFFSET_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  SoupMessage  *message;
  GCancellable *cancellable;   /* ours: cancelled by the timeout or the caller */
  GCancellable *caller;
  gulong        caller_id;
  GSource      *timeout;
  gboolean      timed_out;
  gint64        sent_at_us;
  char         *function;
} Call;

static void
call_free (Call *call)
{
  if (call->caller_id != 0)
    g_cancellable_disconnect (call->caller, call->caller_id);
  if (call->timeout != NULL)
    {
      g_source_destroy (call->timeout);
      g_source_unref (call->timeout);
    }
  g_clear_object (&call->caller);
  g_clear_object (&call->cancellable);
  g_clear_object (&call->message);
  g_free (call->function);
  g_free (call);
}

/* --- clock --------------------------------------------------------------------- */

static gboolean
parse_time (const char *text,
            gint64     *out_us)
{
  g_autoptr(GDateTime) time = NULL;

  if (text == NULL)
    return FALSE;
  time = g_date_time_new_from_iso8601 (text, NULL);
  if (time == NULL)
    return FALSE;
  *out_us = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
  return TRUE;
}

static void
track_clock (GateApiClient *self,
             JsonArray     *rows,
             gint64         sent_at_us,
             gint64         received_at_us)
{
  JsonObject *row;
  gint64 server_us;
  gint64 best_rtt = G_MAXINT64;
  gint64 best_offset = 0;

  if (json_array_get_length (rows) == 0)
    return;
  row = json_array_get_object_element (rows, 0);
  if (row == NULL || !json_object_has_member (row, "server_time") ||
      !parse_time (json_object_get_string_member_with_default (row, "server_time", NULL), &server_us))
    return;

  self->rtt_us[self->next_sample] = received_at_us - sent_at_us;
  self->offset_ms[self->next_sample] = (server_us - (sent_at_us + received_at_us) / 2) / 1000;
  self->next_sample = (self->next_sample + 1) % CLOCK_SAMPLES;
  self->n_samples = MIN (self->n_samples + 1, CLOCK_SAMPLES);

  for (guint i = 0; i < self->n_samples; i++)
    if (self->rtt_us[i] < best_rtt)
      {
        best_rtt = self->rtt_us[i];
        best_offset = self->offset_ms[i];
      }

  if (best_offset != self->clock_offset_ms)
    {
      self->clock_offset_ms = best_offset;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_OFFSET_MS]);
    }
}

/* --- the generic call ------------------------------------------------------------- */

static int
error_code_for_status (guint status)
{
  switch (status)
    {
    case 401:
      return GATE_ERROR_UNAUTHORIZED;
    case 403:
      return GATE_ERROR_FORBIDDEN;
    case 404:
      return GATE_ERROR_NOT_FOUND;
    case 400:
    case 405:
    case 409:
    case 413:
      return GATE_ERROR_BAD_REQUEST;
    case 502:
    case 503:
    case 504:
      return GATE_ERROR_UNAVAILABLE;
    default:
      return status >= 500 ? GATE_ERROR_SERVER : GATE_ERROR_BAD_REQUEST;
    }
}

static void
set_http_error (GError     **error,
                const char  *function,
                guint        status,
                GBytes      *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *message = NULL;
  const char *code = NULL;
  gsize size = 0;
  const char *data = body ? g_bytes_get_data (body, &size) : NULL;

  if (data != NULL && size > 0 && size < 65536 && json_parser_load_from_data (parser, data, size, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));

      message = json_object_get_string_member_with_default (object, "message", NULL);
      code = json_object_get_string_member_with_default (object, "code", NULL);
    }

  g_set_error (error, GATE_ERROR, error_code_for_status (status), "%s: HTTP %u%s%s%s%s", function, status,
               code ? " " : "", code ? code : "", message ? ": " : "", message ? message : "");
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateApiClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = NULL;
  gint64 received_at_us = g_get_real_time ();
  guint status;
  const char *data;
  gsize size;
  JsonNode *root;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    {
      if (call->timed_out)
        g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_TIMEOUT, "%s: no answer within the time limit",
                                 call->function);
      else if (call->caller != NULL && g_cancellable_is_cancelled (call->caller))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s: cancelled", call->function);
      else
        g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_NETWORK, "%s: %s", call->function, error->message);
      return;
    }

  status = soup_message_get_status (call->message);
  if (status < 200 || status > 299)
    {
      set_http_error (&error, call->function, status, body);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_bytes_get_data (body, &size);
  if (size > GATE_API_MAX_RESPONSE)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "%s: answer too large (%" G_GSIZE_FORMAT
                               " bytes)", call->function, size);
      return;
    }

  parser = json_parser_new ();
  if (size == 0 || !g_utf8_validate_len (data, size, NULL) || !json_parser_load_from_data (parser, data, size, NULL))
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_BAD_RESPONSE,
                               "%s: the server's answer is not valid JSON", call->function);
      return;
    }

  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_BAD_RESPONSE,
                               "%s: expected a JSON array of rows", call->function);
      return;
    }

  for (guint i = 0; i < json_array_get_length (json_node_get_array (root)); i++)
    if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (json_node_get_array (root), i)))
      {
        g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_BAD_RESPONSE,
                                 "%s: row %u is not an object", call->function, i);
        return;
      }

  track_clock (self, json_node_get_array (root), call->sent_at_us, received_at_us);
  g_task_return_pointer (task, json_array_ref (json_node_get_array (root)), (GDestroyNotify) json_array_unref);
}

static gboolean
on_timeout (gpointer user_data)
{
  Call *call = user_data;

  call->timed_out = TRUE;
  g_cancellable_cancel (call->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller,
                     gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

void
gate_api_client_call_async (GateApiClient       *self,
                            const char          *function,
                            JsonObject          *args,
                            guint                timeout_ms,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *url = NULL;
  g_autofree char *json = NULL;
  g_autofree char *bearer = NULL;
  g_autoptr(GBytes) body = NULL;
  SoupMessageHeaders *headers;
  Call *call;

  g_return_if_fail (GATE_IS_API_CLIENT (self));
  g_return_if_fail (function != NULL && args != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_api_client_call_async);

  if (self->base_url == NULL || self->token == NULL)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_CONFIG, "no server or token configured");
      return;
    }

  url = g_strdup_printf ("%s/rest/v1/rpc/%s", self->base_url, function);
  call = g_new0 (Call, 1);
  call->function = g_strdup (function);
  call->message = soup_message_new ("POST", url);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  if (call->message == NULL)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_CONFIG, "the server address “%s” is not a valid URL",
                               self->base_url);
      return;
    }

  headers = soup_message_get_request_headers (call->message);
  bearer = g_strconcat ("Bearer ", self->token, NULL);
  soup_message_headers_replace (headers, "Authorization", bearer);
  soup_message_headers_replace (headers, "apikey", self->apikey ? self->apikey : self->token);
  soup_message_headers_replace (headers, "Accept", "application/json");

  json_node_set_object (node, args);
  json = json_to_string (node, FALSE);
  body = g_bytes_new (json, strlen (json));
  soup_message_set_request_body_from_bytes (call->message, "application/json", body);

  call->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      call->caller = g_object_ref (cancellable);
      call->caller_id = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                               g_object_ref (call->cancellable), g_object_unref);
    }
  call->timeout = g_timeout_source_new (timeout_ms ? timeout_ms : self->timeout_ms);
  g_source_set_callback (call->timeout, on_timeout, call, NULL);
  g_source_attach (call->timeout, g_main_context_get_thread_default ());

  call->sent_at_us = g_get_real_time ();
  soup_session_send_and_read_async (self->session, call->message, G_PRIORITY_DEFAULT, call->cancellable, on_sent,
                                    g_steal_pointer (&task));
}

JsonArray *
gate_api_client_call_finish (GateApiClient  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- validating rows -------------------------------------------------------------- */

static gboolean
bad_member (GError     **error,
            const char  *name,
            const char  *expected)
{
  g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "the server's answer has no valid “%s” (%s expected)",
               name, expected);
  return FALSE;
}

static gboolean
read_string (JsonObject  *row,
             const char  *name,
             gboolean     required,
             char       **out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (row, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return !required || bad_member (error, name, "a string");
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return bad_member (error, name, "a string");
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_uuid (JsonObject  *row,
           const char  *name,
           gboolean     required,
           char       **out,
           GError     **error)
{
  g_autofree char *value = NULL;

  if (!read_string (row, name, required, &value, error))
    return FALSE;
  if (value != NULL && !g_uuid_string_is_valid (value))
    return bad_member (error, name, "a UUID");
  *out = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
read_time (JsonObject  *row,
           const char  *name,
           gboolean     required,
           gint64      *out_us,
           GError     **error)
{
  g_autofree char *value = NULL;

  if (!read_string (row, name, required, &value, error))
    return FALSE;
  *out_us = 0;
  if (value != NULL && !parse_time (value, out_us))
    return bad_member (error, name, "an ISO 8601 time");
  return TRUE;
}

static gboolean
read_int (JsonObject  *row,
          const char  *name,
          gint64      *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (row, name);

  *out = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return bad_member (error, name, "an integer");
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_bool (JsonObject  *row,
           const char  *name,
           gboolean    *out,
           GError     **error)
{
  JsonNode *node = json_object_get_member (row, name);

  *out = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return bad_member (error, name, "a boolean");
  *out = json_node_get_boolean (node);
  return TRUE;
}

typedef gpointer (*RowsParser) (JsonArray       *rows,
                                GDestroyNotify  *free_func,
                                GError         **error);

static gpointer
parse_scan_answer (JsonArray       *rows,
                   GDestroyNotify  *free_func,
                   GError         **error)
{
  g_autoptr(GateScanAnswer) answer = gate_scan_answer_new ();
  g_autofree char *verdict = NULL;
  JsonObject *row;

  *free_func = (GDestroyNotify) gate_scan_answer_free;
  if (json_array_get_length (rows) != 1)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "scan_ticket answered %u rows instead of one",
                   json_array_get_length (rows));
      return NULL;
    }

  row = json_array_get_object_element (rows, 0);
  if (!read_string (row, "verdict", TRUE, &verdict, error) ||
      !read_uuid (row, "ticket_id", FALSE, &answer->ticket_id, error) ||
      !read_string (row, "guest_name", FALSE, &answer->guest_name, error) ||
      !read_string (row, "ticket_type", FALSE, &answer->ticket_type, error) ||
      !read_time (row, "scanned_at", FALSE, &answer->scanned_at_us, error) ||
      !read_string (row, "scanned_device", FALSE, &answer->scanned_device, error) ||
      !read_time (row, "server_time", TRUE, &answer->server_time_us, error))
    return NULL;

  if (!gate_verdict_from_string (verdict, &answer->verdict) || answer->verdict == GATE_VERDICT_INVALID_CODE)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "unknown verdict “%s”", verdict);
      return NULL;
    }

  return g_steal_pointer (&answer);
}

static gpointer
parse_upload_results (JsonArray       *rows,
                      GDestroyNotify  *free_func,
                      GError         **error)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_upload_result_free);

  *free_func = (GDestroyNotify) g_ptr_array_unref;
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      g_autoptr(GateUploadResult) result = gate_upload_result_new ();
      g_autofree char *outcome = NULL;

      if (!read_uuid (row, "client_scan_id", FALSE, &result->client_scan_id, error) ||
          !read_string (row, "outcome", TRUE, &outcome, error) ||
          !read_bool (row, "replayed", &result->replayed, error) ||
          !read_string (row, "winner_device", FALSE, &result->winner_device, error) ||
          !read_time (row, "winner_time", FALSE, &result->winner_time_us, error) ||
          !read_time (row, "server_time", TRUE, &result->server_time_us, error))
        return NULL;

      if (!gate_upload_outcome_from_string (outcome, &result->outcome))
        {
          g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "unknown upload outcome “%s”", outcome);
          return NULL;
        }

      /* A rejected element whose id the server could not read answers for
       * no scan of ours: there is nothing to match it to. */
      if (result->client_scan_id != NULL)
        g_ptr_array_add (results, g_steal_pointer (&result));
    }

  return g_steal_pointer (&results);
}

static gpointer
parse_ticket_page (JsonArray       *rows,
                   GDestroyNotify  *free_func,
                   GError         **error)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();

  *free_func = (GDestroyNotify) gate_ticket_page_free;
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      g_autoptr(GateTicket) ticket = gate_ticket_new ();
      g_autofree char *status = NULL;
      g_autofree char *cursor = NULL;

      if (!read_uuid (row, "id", TRUE, &ticket->id, error) ||
          !read_string (row, "qr_token", TRUE, &ticket->qr_token, error) ||
          !read_string (row, "qr_signature", FALSE, &ticket->qr_signature, error) ||
          !read_string (row, "ticket_type", FALSE, &ticket->ticket_type, error) ||
          !read_string (row, "guest_name", FALSE, &ticket->guest_name, error) ||
          !read_string (row, "status", TRUE, &status, error) ||
          !read_time (row, "scanned_at", FALSE, &ticket->scanned_at_us, error) ||
          !read_string (row, "scanned_device", FALSE, &ticket->scanned_device, error) ||
          !read_time (row, "updated_at", FALSE, &ticket->updated_at_us, error) ||
          !read_string (row, "next_cursor", TRUE, &cursor, error))
        return NULL;

      if (!gate_ticket_status_from_string (status, &ticket->status))
        {
          g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "unknown ticket status “%s”", status);
          return NULL;
        }

      g_free (page->next_cursor);
      page->next_cursor = g_steal_pointer (&cursor);
      g_ptr_array_add (page->tickets, g_steal_pointer (&ticket));
    }

  return g_steal_pointer (&page);
}

static gpointer
parse_event_summary (JsonArray       *rows,
                     GDestroyNotify  *free_func,
                     GError         **error)
{
  g_autoptr(GateEventSummary) summary = gate_event_summary_new ();
  JsonObject *row;

  *free_func = (GDestroyNotify) gate_event_summary_free;
  if (json_array_get_length (rows) != 1)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND, "no such event on the server");
      return NULL;
    }

  row = json_array_get_object_element (rows, 0);
  if (!read_uuid (row, "event_id", TRUE, &summary->event_id, error) ||
      !read_string (row, "name", TRUE, &summary->name, error) ||
      !read_time (row, "starts_at", FALSE, &summary->starts_at_us, error) ||
      !read_int (row, "ticket_count", &summary->ticket_count, error) ||
      !read_int (row, "scanned_count", &summary->scanned_count, error) ||
      !read_time (row, "server_time", TRUE, &summary->server_time_us, error))
    return NULL;

  return g_steal_pointer (&summary);
}

static gpointer
parse_acknowledgement (JsonArray       *rows,
                       GDestroyNotify  *free_func,
                       GError         **error)
{
  *free_func = (GDestroyNotify) json_array_unref;
  if (json_array_get_length (rows) != 1)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "expected one row, got %u",
                   json_array_get_length (rows));
      return NULL;
    }
  return json_array_ref (rows);
}

static gpointer
parse_conflicts (JsonArray       *rows,
                 GDestroyNotify  *free_func,
                 GError         **error)
{
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);

  *free_func = (GDestroyNotify) g_ptr_array_unref;
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      g_autoptr(GateConflict) conflict = gate_conflict_new ();

      if (!read_int (row, "id", &conflict->id, error) ||
          !read_uuid (row, "event_id", FALSE, &conflict->event_id, error) ||
          !read_uuid (row, "ticket_id", TRUE, &conflict->ticket_id, error) ||
          !read_string (row, "qr_token", FALSE, &conflict->qr_token, error) ||
          !read_string (row, "guest_name", FALSE, &conflict->guest_name, error) ||
          !read_string (row, "ticket_type", FALSE, &conflict->ticket_type, error) ||
          !read_string (row, "winner_device", FALSE, &conflict->winner_device, error) ||
          !read_time (row, "winner_time", FALSE, &conflict->winner_time_us, error) ||
          !read_uuid (row, "winner_scan_id", FALSE, &conflict->winner_scan_id, error) ||
          !read_string (row, "loser_device", FALSE, &conflict->loser_device, error) ||
          !read_time (row, "loser_time", FALSE, &conflict->loser_time_us, error) ||
          !read_uuid (row, "loser_scan_id", FALSE, &conflict->loser_scan_id, error) ||
          !read_time (row, "detected_at", FALSE, &conflict->detected_at_us, error) ||
          !read_time (row, "reviewed_at", FALSE, &conflict->reviewed_at_us, error) ||
          !read_string (row, "reviewed_by", FALSE, &conflict->reviewed_by, error) ||
          !read_string (row, "review_note", FALSE, &conflict->review_note, error))
        return NULL;

      if (conflict->id <= 0)
        {
          bad_member (error, "id", "a positive integer");
          return NULL;
        }
      g_ptr_array_add (conflicts, g_steal_pointer (&conflict));
    }

  return g_steal_pointer (&conflicts);
}

static gpointer
parse_devices (JsonArray       *rows,
               GDestroyNotify  *free_func,
               GError         **error)
{
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_device_info_free);

  *free_func = (GDestroyNotify) g_ptr_array_unref;
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      g_autoptr(GateDeviceInfo) device = gate_device_info_new ();
      gint64 pending = 0;

      if (!read_string (row, "id", TRUE, &device->id, error) ||
          !read_string (row, "name", FALSE, &device->name, error) ||
          !read_string (row, "role", FALSE, &device->role, error) ||
          !read_time (row, "last_seen_at", FALSE, &device->last_seen_at_us, error) ||
          !read_string (row, "app_version", FALSE, &device->app_version, error) ||
          !read_int (row, "pending_scans", &pending, error) ||
          !read_time (row, "last_refresh_at", FALSE, &device->last_refresh_at_us, error) ||
          !read_time (row, "revoked_at", FALSE, &device->revoked_at_us, error))
        return NULL;

      device->pending_scans = (gint) CLAMP (pending, 0, G_MAXINT);
      g_ptr_array_add (devices, g_steal_pointer (&device));
    }

  return g_steal_pointer (&devices);
}

/* --- typed calls ---------------------------------------------------------------------- */

static void
on_typed_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RowsParser parse = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = gate_api_client_call_finish (GATE_API_CLIENT (source), result, &error);
  GDestroyNotify free_func = NULL;
  gpointer value;

  if (rows == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  value = parse (rows, &free_func, &error);
  if (value == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, value, free_func);
}

static void
typed_call (GateApiClient       *self,
            const char          *function,
            JsonObject          *args,
            guint                timeout_ms,
            RowsParser           parse,
            gpointer             source_tag,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, parse, NULL);
  gate_api_client_call_async (self, function, args, timeout_ms, cancellable, on_typed_done, task);
  json_object_unref (args);
}

static JsonObject *
args_new (void)
{
  return json_object_new ();
}

static void
args_set_string (JsonObject *args,
                 const char *name,
                 const char *value)
{
  if (value != NULL)
    json_object_set_string_member (args, name, value);
  else
    json_object_set_null_member (args, name);
}

static char *
format_time (gint64 time_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) precise = g_date_time_add (time, time_us % G_USEC_PER_SEC);

  return g_date_time_format_iso8601 (precise);
}

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
  JsonObject *args = args_new ();

  args_set_string (args, "p_qr_token", qr_token);
  args_set_string (args, "p_event_id", event_id);
  args_set_string (args, "p_device_id", self->device_id);
  args_set_string (args, "p_client_scan_id", client_scan_id);
  args_set_string (args, "p_scan_method", scan_method ? scan_method : "qr");
  typed_call (self, "scan_ticket", args, timeout_ms ? timeout_ms : GATE_API_SCAN_TIMEOUT_MS, parse_scan_answer,
              gate_api_client_scan_ticket_async, cancellable, callback, user_data);
}

GateScanAnswer *
gate_api_client_scan_ticket_finish (GateApiClient  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gate_api_client_sync_offline_scans_async (GateApiClient       *self,
                                          GPtrArray           *scans,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  JsonObject *args = args_new ();
  JsonArray *items = json_array_new ();

  for (guint i = 0; i < scans->len; i++)
    {
      const GateQueuedScan *scan = g_ptr_array_index (scans, i);
      JsonObject *item = json_object_new ();
      g_autofree char *scanned_at = format_time (scan->scanned_at_us);

      args_set_string (item, "client_scan_id", scan->client_scan_id);
      args_set_string (item, "qr_token", scan->qr_token);
      args_set_string (item, "event_id", scan->event_id);
      args_set_string (item, "scanned_at", scanned_at);
      json_object_set_int_member (item, "clock_offset_ms", scan->clock_offset_ms);
      args_set_string (item, "scanned_by", scan->scanned_by);
      args_set_string (item, "scan_method", scan->scan_method ? scan->scan_method : "qr");
      json_array_add_object_element (items, item);
    }

  args_set_string (args, "p_device_id", self->device_id);
  json_object_set_array_member (args, "p_scans", items);
  typed_call (self, "sync_offline_scans", args, 0, parse_upload_results, gate_api_client_sync_offline_scans_async,
              cancellable, callback, user_data);
}

GPtrArray *
gate_api_client_sync_offline_scans_finish (GateApiClient  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
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
  JsonObject *args = args_new ();

  args_set_string (args, "p_event_id", event_id);
  args_set_string (args, "p_cursor", cursor);
  json_object_set_int_member (args, "p_limit", limit ? limit : 1000);
  typed_call (self, "tickets_changed_since", args, 0, parse_ticket_page,
              gate_api_client_tickets_changed_since_async, cancellable, callback, user_data);
}

GateTicketPage *
gate_api_client_tickets_changed_since_finish (GateApiClient  *self,
                                              GAsyncResult   *result,
                                              GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gate_api_client_event_summary_async (GateApiClient       *self,
                                     const char          *event_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  JsonObject *args = args_new ();

  args_set_string (args, "p_event_id", event_id);
  typed_call (self, "event_summary", args, 0, parse_event_summary, gate_api_client_event_summary_async,
              cancellable, callback, user_data);
}

GateEventSummary *
gate_api_client_event_summary_finish (GateApiClient  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
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
  JsonObject *args = args_new ();
  g_autofree char *refreshed = last_refresh_at_us ? format_time (last_refresh_at_us) : NULL;

  args_set_string (args, "p_device_id", self->device_id);
  args_set_string (args, "p_app_version", app_version);
  json_object_set_int_member (args, "p_pending_scans", pending_scans);
  args_set_string (args, "p_last_refresh_at", refreshed);
  typed_call (self, "device_heartbeat", args, 0, parse_acknowledgement, gate_api_client_heartbeat_async,
              cancellable, callback, user_data);
}

gboolean
gate_api_client_heartbeat_finish (GateApiClient  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_autoptr(JsonArray) rows = g_task_propagate_pointer (G_TASK (result), error);

  return rows != NULL;
}

void
gate_api_client_conflicts_async (GateApiClient       *self,
                                 const char          *event_id,
                                 gboolean             supervisor,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  JsonObject *args = args_new ();

  args_set_string (args, "p_event_id", event_id);
  if (supervisor)
    json_object_set_boolean_member (args, "p_include_reviewed", TRUE);
  else
    args_set_string (args, "p_device_id", self->device_id);
  typed_call (self, supervisor ? "list_conflicts" : "device_conflicts", args, 0, parse_conflicts,
              gate_api_client_conflicts_async, cancellable, callback, user_data);
}

GPtrArray *
gate_api_client_conflicts_finish (GateApiClient  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
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
  JsonObject *args = args_new ();

  json_object_set_int_member (args, "p_conflict_id", conflict_id);
  args_set_string (args, "p_reviewed_by", reviewed_by);
  args_set_string (args, "p_note", note);
  typed_call (self, "review_conflict", args, 0, parse_acknowledgement, gate_api_client_review_conflict_async,
              cancellable, callback, user_data);
}

gboolean
gate_api_client_review_conflict_finish (GateApiClient  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  g_autoptr(JsonArray) rows = g_task_propagate_pointer (G_TASK (result), error);

  return rows != NULL;
}

void
gate_api_client_list_devices_async (GateApiClient       *self,
                                    const char          *event_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  JsonObject *args = args_new ();

  args_set_string (args, "p_event_id", event_id);
  typed_call (self, "list_devices", args, 0, parse_devices, gate_api_client_list_devices_async, cancellable,
              callback, user_data);
}

GPtrArray *
gate_api_client_list_devices_finish (GateApiClient  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- object ------------------------------------------------------------------------------ */

GateApiClient *
gate_api_client_new (const char *base_url,
                     const char *token,
                     const char *device_id)
{
  return g_object_new (GATE_TYPE_API_CLIENT, "base-url", base_url, "token", token, "device-id", device_id, NULL);
}

const char *
gate_api_client_get_base_url (GateApiClient *self)
{
  return self->base_url;
}

const char *
gate_api_client_get_device_id (GateApiClient *self)
{
  return self->device_id;
}

gint64
gate_api_client_get_clock_offset_ms (GateApiClient *self)
{
  return self->clock_offset_ms;
}

gboolean
gate_api_client_is_insecure (GateApiClient *self)
{
  g_autoptr(GUri) uri = self->base_url ? g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host;

  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") == 0)
    return FALSE;

  host = g_uri_get_host (uri);
  return !(g_strcmp0 (host, "localhost") == 0 || g_str_has_prefix (host ? host : "", "127.") ||
           g_strcmp0 (host, "::1") == 0);
}

static void
gate_api_client_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GateApiClient *self = GATE_API_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_free (self->base_url);
      self->base_url = g_value_dup_string (value);
      /* "https://x.supabase.co/" and "…/rest/v1" both mean the server root. */
      if (self->base_url != NULL)
        {
          if (g_str_has_suffix (self->base_url, "/"))
            self->base_url[strlen (self->base_url) - 1] = '\0';
          if (g_str_has_suffix (self->base_url, "/rest/v1"))
            self->base_url[strlen (self->base_url) - strlen ("/rest/v1")] = '\0';
        }
      if (gate_api_client_is_insecure (self))
        g_message ("the server %s is reached over plain HTTP: tokens and attendee data cross the network "
                   "unencrypted; use https://", self->base_url);
      break;

    case PROP_TOKEN:
      g_free (self->token);
      self->token = g_value_dup_string (value);
      break;

    case PROP_APIKEY:
      g_free (self->apikey);
      self->apikey = g_value_dup_string (value);
      break;

    case PROP_DEVICE_ID:
      g_free (self->device_id);
      self->device_id = g_value_dup_string (value);
      break;

    case PROP_TIMEOUT_MS:
      self->timeout_ms = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_api_client_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GateApiClient *self = GATE_API_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    case PROP_DEVICE_ID:
      g_value_set_string (value, self->device_id);
      break;

    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, self->timeout_ms);
      break;

    case PROP_CLOCK_OFFSET_MS:
      g_value_set_int64 (value, self->clock_offset_ms);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_api_client_dispose (GObject *object)
{
  GateApiClient *self = GATE_API_CLIENT (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (gate_api_client_parent_class)->dispose (object);
}

static void
gate_api_client_finalize (GObject *object)
{
  GateApiClient *self = GATE_API_CLIENT (object);

  g_free (self->base_url);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  g_free (self->apikey);
  g_free (self->device_id);

  G_OBJECT_CLASS (gate_api_client_parent_class)->finalize (object);
}

static void
gate_api_client_class_init (GateApiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = gate_api_client_set_property;
  object_class->get_property = gate_api_client_get_property;
  object_class->dispose = gate_api_client_dispose;
  object_class->finalize = gate_api_client_finalize;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Write-only: the token is never read back out of the object. */
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_APIKEY] =
    g_param_spec_string ("apikey", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEVICE_ID] =
    g_param_spec_string ("device-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT_MS] =
    g_param_spec_uint ("timeout-ms", NULL, NULL, 100, 600000, GATE_API_DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CLOCK_OFFSET_MS] =
    g_param_spec_int64 ("clock-offset-ms", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_api_client_init (GateApiClient *self)
{
  self->timeout_ms = GATE_API_DEFAULT_TIMEOUT_MS;
  self->session = soup_session_new_with_options ("user-agent", "gate-scanner/" PACKAGE_VERSION,
                                                 "max-conns-per-host", 4, NULL);
}
