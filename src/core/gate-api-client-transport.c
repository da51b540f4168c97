/* gate-api-client-transport.c — one HTTP exchange of GateApiClient
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * POST <base>/rest/v1/rpc/<function>: the body read in chunks up to a limit
 * and validated as PostgREST rows, one timer for the whole exchange, HTTP
 * and transport failures turned into GATE_ERROR codes with the server's
 * message (credentials redacted).
 *
 * The body is parsed, and decoded by the caller's decoder if it gave one,
 * in a worker thread: a page of a thousand tickets is some 400 kB of JSON,
 * and a million-ticket download is a thousand of them (issue 16), which on
 * the main context would stall the gate's window and the next request.
 */
#include "config.h"

#include <string.h>

#include "gate-api-client-private.h"
#include "gate-api-rows.h"
#include "gate-error.h"

#define READ_CHUNK          (64 * 1024)
/* An error body is read for its message only. */
#define MAX_ERROR_BODY      (64 * 1024)
#define MAX_ERROR_MESSAGE   400

typedef struct
{
  char         *function;
  SoupMessage  *message;
  GInputStream *stream;
  GByteArray   *body;
  gsize         announced;     /* its Content-Length, or 0 */
  gsize         limit;
  guint         status;
  GCancellable *cancellable;   /* ours: cancelled by the timeout, the caller, or when we give up */
  GCancellable *caller;
  gulong        caller_id;
  GSource      *timeout;
  gboolean      timed_out;
  gint64        sent_wall_us;
  gint64        sent_mono_us;
  gint64        received_mono_us;
  GateApiBodyDecoder decode_body;  /* tried first in the worker, or NULL */
  GateApiDecoder decode;       /* run in the worker on the rows, or NULL for the rows themselves */
  gpointer       decode_data;
  GDestroyNotify value_free;   /* for what the worker returned */
} Call;

static void
call_stop_timer (Call *call)
{
  if (call->timeout != NULL)
    {
      g_source_destroy (call->timeout);
      g_clear_pointer (&call->timeout, g_source_unref);
    }
}

static void
call_free (Call *call)
{
  call_stop_timer (call);
  if (call->caller_id != 0)
    g_cancellable_disconnect (call->caller, call->caller_id);
  g_clear_object (&call->caller);
  /* Closing a body stream that was not read to its end makes libsoup drain
   * it; a cancelled message drops the connection instead. */
  if (call->stream != NULL && !g_input_stream_is_closed (call->stream) && call->cancellable != NULL)
    g_cancellable_cancel (call->cancellable);
  g_clear_object (&call->stream);
  g_clear_object (&call->cancellable);
  g_clear_object (&call->message);
  g_clear_pointer (&call->body, g_byte_array_unref);
  g_free (call->function);
  g_free (call);
}

/* --- errors -------------------------------------------------------------- */

static int
error_code_for_status (guint status)
{
  if (status >= 300 && status < 400)
    return GATE_ERROR_BAD_RESPONSE;

  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      return GATE_ERROR_UNAUTHORIZED;
    case SOUP_STATUS_FORBIDDEN:
      return GATE_ERROR_FORBIDDEN;
    case SOUP_STATUS_NOT_FOUND:
      return GATE_ERROR_NOT_FOUND;
    case SOUP_STATUS_REQUEST_TIMEOUT:
    case SOUP_STATUS_GATEWAY_TIMEOUT:
      return GATE_ERROR_TIMEOUT;
    /* Rate limited or a proxy without its backend: try again later. */
    case 429:
    case SOUP_STATUS_BAD_GATEWAY:
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
      return GATE_ERROR_UNAVAILABLE;
    default:
      return status >= 500 ? GATE_ERROR_SERVER : GATE_ERROR_BAD_REQUEST;
    }
}

/* Servers echo what they got; a credential must not ride along into a
 * GError that ends up in a log or on screen. */
static void
redact (GString    *text,
        const char *secret)
{
  if (secret != NULL && strlen (secret) >= 4)
    g_string_replace (text, secret, "[redacted]", 0);
}

static char *
describe_server_message (GateApiClient *self,
                         const char    *message)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char *end;

  /* Keep it one short printable line, cut on a character boundary. */
  g_utf8_validate (message, -1, &end);
  for (const char *p = message; p < end && text->len < MAX_ERROR_MESSAGE; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_c (text, ' ');
      else
        g_string_append_unichar (text, c);
    }

  redact (text, self->token);
  redact (text, self->apikey);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GError *
http_error (GateApiClient *self,
            Call          *call)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  g_autofree char *code = NULL;

  if (call->status >= 300 && call->status < 400)
    return g_error_new (GATE_ERROR, GATE_ERROR_BAD_RESPONSE,
                        "%s: the server redirected the request (HTTP %u): a captive portal or a wrong server address?",
                        call->function, call->status);

  if (call->body != NULL && call->body->len > 0)
    root = gate_api_parse_json ((const char *) call->body->data, call->body->len, NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);
      const char *text = json_object_get_string_member_with_default (object, "message", NULL);
      const char *sqlstate = json_object_get_string_member_with_default (object, "code", NULL);

      if (text != NULL)
        message = describe_server_message (self, text);
      if (sqlstate != NULL)
        code = describe_server_message (self, sqlstate);
    }

  return g_error_new (GATE_ERROR, error_code_for_status (call->status), "%s: HTTP %u%s%s%s%s", call->function,
                      call->status, code ? " " : "", code ? code : "", message ? ": " : "", message ? message : "");
}

/* What went wrong below HTTP, in the caller's terms. */
static GError *
transport_error (Call       *call,
                 GError     *error,
                 const char *stage)
{
  if (call->timed_out)
    return g_error_new (GATE_ERROR, GATE_ERROR_TIMEOUT, "%s: no answer within the time limit", call->function);
  if (call->caller != NULL && g_cancellable_is_cancelled (call->caller))
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s: cancelled", call->function);
  if (g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_PARSING) ||
      g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_ENCODING))
    return g_error_new (GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "%s: the answer is not valid HTTP (%s)",
                        call->function, error->message);
  return g_error_new (GATE_ERROR, GATE_ERROR_NETWORK, "%s: %s: %s", call->function, stage, error->message);
}

/* --- the generic call ---------------------------------------------------- */

static void
call_return_error (GTask  *task,
                   GError *error)
{
  Call *call = g_task_get_task_data (task);

  call_stop_timer (call);
  g_debug ("%s: %s", call->function, error->message);
  g_task_return_error (task, error);
}

static void
on_body_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data);

/* The body is read straight into its array, which grows only between
 * reads: no chunk is allocated and copied, and with a Content-Length the
 * array has its whole size from the start. */
static void
read_more (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  guint length = call->body->len;
  gsize room = call->announced > length ? call->announced - length + 1 : READ_CHUNK;

  room = MIN (room, call->limit + 1 - length);

  g_byte_array_set_size (call->body, length + room);
  call->body->len = length;
  g_input_stream_read_async (call->stream, call->body->data + length, room, G_PRIORITY_DEFAULT, call->cancellable,
                             on_body_read, task);
}

/* In a worker thread: bytes to rows, rows to the caller's record. The
 * worker has a task of its own (@decoding) and only borrows the call's
 * (@task_data), which on_decoded() holds: the call's task, its message and
 * its client are released on the client's context, never by the worker. */
static void
decode_in_thread (GTask        *decoding,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GTask *task = task_data;
  GateApiClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = NULL;
  GDestroyNotify free_func = NULL;
  gpointer value;

  if (call->decode_body != NULL)
    {
      value = call->decode_body ((const char *) call->body->data, call->body->len, call->decode_data, &free_func,
                                 &error);
      if (value != NULL)
        {
          g_debug ("%s: %u bytes read directly in %" G_GINT64_FORMAT " ms", call->function, call->body->len,
                   (call->received_mono_us - call->sent_mono_us) / 1000);
          call->value_free = free_func;
          g_task_return_pointer (decoding, value, free_func);
          return;
        }
      if (error != NULL)
        {
          g_debug ("%s: %s", call->function, error->message);
          g_prefix_error (&error, "%s: ", call->function);
          g_task_return_error (decoding, g_steal_pointer (&error));
          return;
        }
    }

  rows = gate_api_rows_from_body ((const char *) call->body->data, call->body->len, &error);
  if (rows == NULL)
    {
      g_debug ("%s: %s", call->function, error->message);
      g_task_return_new_error (decoding, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "%s: %s", call->function, error->message);
      return;
    }

  /* Thread-safe: the offset is notified on the client's own context. */
  _gate_api_client_track_clock (self, rows, call->sent_wall_us, call->sent_mono_us, call->received_mono_us);
  g_debug ("%s: %u rows, %u bytes in %" G_GINT64_FORMAT " ms", call->function, json_array_get_length (rows),
           call->body->len, (call->received_mono_us - call->sent_mono_us) / 1000);

  if (call->decode == NULL)
    {
      call->value_free = (GDestroyNotify) json_array_unref;
      g_task_return_pointer (decoding, g_steal_pointer (&rows), call->value_free);
      return;
    }

  value = call->decode (rows, call->decode_data, &free_func, &error);
  if (value == NULL)
    {
      g_debug ("%s: %s", call->function, error->message);
      if (error->domain == GATE_ERROR && error->code == GATE_ERROR_BAD_RESPONSE)
        g_prefix_error (&error, "%s: ", call->function);
      g_task_return_error (decoding, g_steal_pointer (&error));
      return;
    }
  call->value_free = free_func;
  g_task_return_pointer (decoding, value, free_func);
}

/* Back on the client's context: the worker's answer becomes the call's. */
static void
on_decoded (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;
  gpointer value = g_task_propagate_pointer (G_TASK (result), &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, value, call->value_free);
}

static void
body_complete (GTask *task)
{
  GateApiClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GTask) decoding = NULL;

  call->received_mono_us = g_get_monotonic_time ();
  g_input_stream_close (call->stream, NULL, NULL);

  if (!SOUP_STATUS_IS_SUCCESSFUL (call->status))
    {
      call_return_error (task, http_error (self, call));
      return;
    }

  /* The exchange is over: the time limit was the server's, not ours. */
  call_stop_timer (call);
  decoding = g_task_new (NULL, NULL, on_decoded, g_object_ref (task));
  g_task_set_source_tag (decoding, decode_in_thread);
  g_task_set_task_data (decoding, task, NULL);
  g_task_run_in_thread (decoding, decode_in_thread);
}

static void
on_body_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gssize size = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (size < 0)
    {
      call_return_error (task, transport_error (call, error, "the connection broke while reading the answer"));
      return;
    }
  if (size == 0)
    {
      body_complete (task);
      return;
    }

  if (call->body->len + (gsize) size > call->limit)
    {
      /* An error body is only wanted for its message: its start will do. */
      if (!SOUP_STATUS_IS_SUCCESSFUL (call->status))
        {
          call->body->len = call->limit;
          call_return_error (task, http_error (g_task_get_source_object (task), call));
          return;
        }
      call_return_error (task, g_error_new (GATE_ERROR, GATE_ERROR_BAD_RESPONSE,
                                            "%s: the answer is larger than %" G_GSIZE_FORMAT " bytes",
                                            call->function, call->limit));
      return;
    }

  call->body->len += size;
  read_more (g_steal_pointer (&task));
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;

  call->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (call->stream == NULL)
    {
      call_return_error (task, transport_error (call, error, "cannot reach the server"));
      return;
    }

  call->status = soup_message_get_status (call->message);
  if (call->status >= 300 && call->status < 400)
    {
      call_return_error (task, http_error (g_task_get_source_object (task), call));
      return;
    }

  call->limit = SOUP_STATUS_IS_SUCCESSFUL (call->status) ? GATE_API_MAX_RESPONSE : MAX_ERROR_BODY;
  headers = soup_message_get_response_headers (call->message);
  if (SOUP_STATUS_IS_SUCCESSFUL (call->status) &&
      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > (goffset) call->limit)
    {
      call_return_error (task, g_error_new (GATE_ERROR, GATE_ERROR_BAD_RESPONSE,
                                            "%s: the answer announces %" G_GOFFSET_FORMAT
                                            " bytes, more than the limit of %" G_GSIZE_FORMAT,
                                            call->function, soup_message_headers_get_content_length (headers),
                                            call->limit));
      return;
    }

  /* Room for what the answer announces, and one byte to see it end. */
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    call->announced = MIN ((gsize) soup_message_headers_get_content_length (headers), call->limit);
  call->body = g_byte_array_sized_new ((guint) call->announced + 1);
  read_more (g_steal_pointer (&task));
}

static gboolean
on_timeout (gpointer user_data)
{
  Call *call = user_data;

  call->timed_out = TRUE;
  g_clear_pointer (&call->timeout, g_source_unref);
  g_cancellable_cancel (call->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller,
                     gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

static gboolean
is_function_name (const char *function)
{
  if (function[0] == '\0')
    return FALSE;
  for (const char *p = function; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/* libsoup sends a POST on a new connection unless it is marked idempotent:
 * a refresh's eight calls paid eight TCP (and TLS) handshakes (issue 16).
 * A call on a kept-alive connection that the server has just closed is
 * sent again, so only calls that may arrive twice are marked: scans and
 * uploads carry their client_scan_id, the others read or overwrite
 * (DESIGN.md §3, §5). Calls that add, remove or review go on a connection
 * of their own, as before. */
static gboolean
is_safe_to_resend (const char *function)
{
  static const char * const safe[] = {
    "tickets_changed_since", "stays_changed_since", "list_checkin_lists", "event_keys", "event_summary",
    "device_conflicts", "device_names", "device_heartbeat", "scan_ticket", "sync_offline_scans",
    "event_inside", "list_events", "list_conflicts", "list_devices", "device_activity", "event_stats",
    "list_operators", NULL,
  };

  return g_strv_contains (safe, function);
}

/**
 * _gate_api_client_call_decoded_async:
 * @decode_body: (nullable): reads the body into the caller's record, in a
 *   worker thread, before any JSON tree is made; may pass it on to @decode
 * @decode: (nullable): turns the rows into the caller's record, in a worker
 *   thread; %NULL completes with the rows
 * @decode_data: for @decode; must stay unchanged until the call completes
 *
 * gate_api_client_call_async() with the decoding off the caller's thread.
 */
void
_gate_api_client_call_decoded_async (GateApiClient       *self,
                                     const char          *function,
                                     JsonObject          *args,
                                     guint                timeout_ms,
                                     GateApiBodyDecoder   decode_body,
                                     GateApiDecoder       decode,
                                     gpointer             decode_data,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *url = NULL;
  g_autofree char *json = NULL;
  g_autofree char *bearer = NULL;
  g_autoptr(GBytes) body = NULL;
  SoupMessageHeaders *headers;
  Call *call;
  gsize length;

  g_return_if_fail (GATE_IS_API_CLIENT (self));
  g_return_if_fail (function != NULL && args != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_api_client_call_async);

  call = g_new0 (Call, 1);
  call->function = g_strdup (function);
  call->decode_body = decode_body;
  call->decode = decode;
  call->decode_data = decode_data;
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  if (self->base_url == NULL || self->token == NULL || self->token[0] == '\0')
    {
      call_return_error (task,
                         g_error_new (GATE_ERROR, GATE_ERROR_CONFIG, "%s: no server or token configured", function));
      return;
    }
  if (!is_function_name (function))
    {
      call_return_error (task,
                         g_error_new (GATE_ERROR, GATE_ERROR_BAD_REQUEST, "“%s” is not an RPC function name",
                                      function));
      return;
    }

  url = g_strdup_printf ("%s/rest/v1/rpc/%s", self->base_url, function);
  call->message = soup_message_new ("POST", url);
  if (call->message == NULL)
    {
      call_return_error (task,
                         g_error_new (GATE_ERROR, GATE_ERROR_CONFIG, "the server address “%s” is not a valid URL",
                                      self->base_url));
      return;
    }
  /* A redirect would carry the bearer token to wherever it points. */
  soup_message_add_flags (call->message, SOUP_MESSAGE_NO_REDIRECT);
  if (is_safe_to_resend (function))
    soup_message_add_flags (call->message, SOUP_MESSAGE_IDEMPOTENT);

  headers = soup_message_get_request_headers (call->message);
  bearer = g_strconcat ("Bearer ", self->token, NULL);
  soup_message_headers_replace (headers, "Authorization", bearer);
  soup_message_headers_replace (headers, "apikey", self->apikey != NULL ? self->apikey : self->token);
  soup_message_headers_replace (headers, "Accept", "application/json");

  node = json_node_init_object (json_node_alloc (), args);
  json = json_to_string (node, FALSE);
  length = strlen (json);
  body = g_bytes_new_take (g_steal_pointer (&json), length);
  soup_message_set_request_body_from_bytes (call->message, "application/json", body);

  call->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      call->caller = g_object_ref (cancellable);
      call->caller_id = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                               g_object_ref (call->cancellable), g_object_unref);
    }
  call->timeout = g_timeout_source_new (timeout_ms != 0 ? timeout_ms : self->timeout_ms);
  g_source_set_callback (call->timeout, on_timeout, call, NULL);
  g_source_attach (call->timeout, g_main_context_get_thread_default ());

  call->sent_wall_us = g_get_real_time ();
  call->sent_mono_us = g_get_monotonic_time ();
  soup_session_send_async (self->session, call->message, G_PRIORITY_DEFAULT, call->cancellable, on_sent,
                           g_steal_pointer (&task));
}

/**
 * gate_api_client_call_async:
 * @function: an RPC function name ([A-Za-z0-9_]+)
 * @args: the named arguments (not consumed)
 * @timeout_ms: limit for the whole exchange; 0 for the "timeout-ms" default
 *
 * Calls @function and completes with its rows: a JSON array of objects,
 * checked for size, encoding and shape but not for particular members.
 */
void
gate_api_client_call_async (GateApiClient       *self,
                            const char          *function,
                            JsonObject          *args,
                            guint                timeout_ms,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  _gate_api_client_call_decoded_async (self, function, args, timeout_ms, NULL, NULL, NULL, cancellable, callback,
                                       user_data);
}

/* Returns: (transfer full): the decoder's record, freed with *@free_func,
 * or %NULL with @error set */
gpointer
_gate_api_client_call_decoded_finish (GateApiClient   *self,
                                      GAsyncResult    *result,
                                      GDestroyNotify  *free_func,
                                      GError         **error)
{
  Call *call;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  call = g_task_get_task_data (G_TASK (result));
  *free_func = call->value_free;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gate_api_client_call_finish:
 *
 * Returns: (transfer full): the rows, or %NULL with @error set
 */
JsonArray *
gate_api_client_call_finish (GateApiClient  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
