/* gate-api-client.c — the RPC client (gate-server or Supabase/PostgREST)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * POST <base>/rest/v1/rpc/<function> with named arguments, exactly as
 * PostgREST expects, so one client serves gate-server and Supabase. The
 * body is read in chunks up to a limit and validated before anyone sees
 * it: a captive portal's HTML, a truncated body or a mistyped field becomes
 * GATE_ERROR_BAD_RESPONSE, never a half-applied page.
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "gate-api-client.h"
#include "gate-api-rows.h"
#include "gate-error.h"

#define READ_CHUNK          (64 * 1024)
/* An error body is read for its message only. */
#define MAX_ERROR_BODY      (64 * 1024)
#define MAX_ERROR_MESSAGE   400
#define CLOCK_SAMPLES       16
/* Older samples describe a clock that may have drifted since. */
#define CLOCK_SAMPLE_MAX_AGE_US (10 * 60 * G_USEC_PER_SEC)
/* More than this between two samples' (wall − monotonic) means the device
 * clock was stepped in between: the older sample no longer applies. */
#define CLOCK_STEP_US       (G_USEC_PER_SEC / 2)

typedef struct
{
  gint64 rtt_us;
  gint64 offset_ms;
  gint64 taken_us;           /* monotonic */
  gint64 wall_minus_mono_us;
} ClockSample;

struct _GateApiClient
{
  GObject       parent_instance;

  SoupSession  *session;
  GMainContext *context;
  char         *base_url;
  char         *token;
  char         *apikey;
  char         *device_id;
  guint         timeout_ms;

  /* The offset of the fastest recent round trip is the best estimate of
   * server − device time: its midpoint is the least uncertain. Calls may
   * complete on other threads' contexts, hence the lock. */
  GMutex        clock_lock;
  ClockSample   samples[CLOCK_SAMPLES];
  guint         n_samples;
  guint         next_sample;
  gint64        clock_offset_ms;
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
  char         *function;
  SoupMessage  *message;
  GInputStream *stream;
  GByteArray   *body;
  gsize         limit;
  guint         status;
  GCancellable *cancellable;   /* ours: cancelled by the timeout, the caller, or when we give up */
  GCancellable *caller;
  gulong        caller_id;
  GSource      *timeout;
  gboolean      timed_out;
  gint64        sent_wall_us;
  gint64        sent_mono_us;
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

/* --- clock --------------------------------------------------------------- */

static gboolean
notify_clock_offset (gpointer user_data)
{
  g_object_notify_by_pspec (G_OBJECT (user_data), properties[PROP_CLOCK_OFFSET_MS]);
  return G_SOURCE_REMOVE;
}

static void
track_clock (GateApiClient *self,
             JsonArray     *rows,
             Call          *call,
             gint64         received_mono_us)
{
  JsonObject *row;
  JsonNode *node;
  gint64 server_us;
  ClockSample sample;
  const ClockSample *best = NULL;
  gboolean changed;

  if (json_array_get_length (rows) == 0)
    return;
  row = json_array_get_object_element (rows, 0);
  node = json_object_get_member (row, "server_time");
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING ||
      !gate_api_parse_time (json_node_get_string (node), &server_us))
    return;

  /* The round trip is measured on the monotonic clock, so a wall clock
   * stepped mid-call cannot produce a negative or huge one. */
  sample.rtt_us = received_mono_us - call->sent_mono_us;
  sample.offset_ms = (server_us - (call->sent_wall_us + sample.rtt_us / 2)) / 1000;
  sample.taken_us = received_mono_us;
  sample.wall_minus_mono_us = call->sent_wall_us - call->sent_mono_us;

  g_mutex_lock (&self->clock_lock);
  self->samples[self->next_sample] = sample;
  self->next_sample = (self->next_sample + 1) % CLOCK_SAMPLES;
  self->n_samples = MIN (self->n_samples + 1, CLOCK_SAMPLES);

  for (guint i = 0; i < self->n_samples; i++)
    {
      const ClockSample *candidate = &self->samples[i];

      if (received_mono_us - candidate->taken_us > CLOCK_SAMPLE_MAX_AGE_US ||
          ABS (candidate->wall_minus_mono_us - sample.wall_minus_mono_us) > CLOCK_STEP_US)
        continue;
      if (best == NULL || candidate->rtt_us < best->rtt_us)
        best = candidate;
    }

  /* The newest sample always qualifies, so best is set. */
  changed = best->offset_ms != self->clock_offset_ms;
  self->clock_offset_ms = best->offset_ms;
  g_mutex_unlock (&self->clock_lock);

  if (changed)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, notify_clock_offset, g_object_ref (self),
                                g_object_unref);
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

static void
read_more (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (call->stream, READ_CHUNK, G_PRIORITY_DEFAULT, call->cancellable, on_body_read,
                                   task);
}

static void
body_complete (GTask *task)
{
  GateApiClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  gint64 received_mono_us = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = NULL;

  g_input_stream_close (call->stream, NULL, NULL);

  if (!SOUP_STATUS_IS_SUCCESSFUL (call->status))
    {
      call_return_error (task, http_error (self, call));
      return;
    }

  rows = gate_api_rows_from_body ((const char *) call->body->data, call->body->len, &error);
  if (rows == NULL)
    {
      call_return_error (task, g_error_new (GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "%s: %s", call->function,
                                            error->message));
      return;
    }

  call_stop_timer (call);
  track_clock (self, rows, call, received_mono_us);
  g_debug ("%s: %u rows, %u bytes in %" G_GINT64_FORMAT " ms", call->function, json_array_get_length (rows),
           call->body->len, (received_mono_us - call->sent_mono_us) / 1000);
  g_task_return_pointer (task, g_steal_pointer (&rows), (GDestroyNotify) json_array_unref);
}

static void
on_body_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  gsize size;
  gconstpointer data;

  if (chunk == NULL)
    {
      call_return_error (task, transport_error (call, error, "the connection broke while reading the answer"));
      return;
    }

  data = g_bytes_get_data (chunk, &size);
  if (size == 0)
    {
      body_complete (task);
      return;
    }

  if (call->body->len + size > call->limit)
    {
      /* An error body is only wanted for its message: its start will do. */
      if (!SOUP_STATUS_IS_SUCCESSFUL (call->status))
        {
          g_byte_array_append (call->body, data, call->limit - call->body->len);
          call_return_error (task, http_error (g_task_get_source_object (task), call));
          return;
        }
      call_return_error (task, g_error_new (GATE_ERROR, GATE_ERROR_BAD_RESPONSE,
                                            "%s: the answer is larger than %" G_GSIZE_FORMAT " bytes",
                                            call->function, call->limit));
      return;
    }

  g_byte_array_append (call->body, data, size);
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

  call->body = g_byte_array_new ();
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

/* --- typed calls --------------------------------------------------------- */

/* Turns valid rows into the caller's record, or fails with BAD_RESPONSE. */
typedef gpointer (*Decoder) (JsonArray       *rows,
                             gpointer         data,
                             GDestroyNotify  *free_func,
                             GError         **error);

typedef struct
{
  Decoder        decode;
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
  Typed *typed = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = gate_api_client_call_finish (GATE_API_CLIENT (source), result, &error);
  GDestroyNotify free_func = NULL;
  gpointer value;

  if (rows == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  value = typed->decode (rows, typed->data, &free_func, &error);
  if (value == NULL)
    {
      g_debug ("%s: %s", typed->function, error->message);
      if (error->domain == GATE_ERROR && error->code == GATE_ERROR_BAD_RESPONSE)
        g_prefix_error (&error, "%s: ", typed->function);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, value, free_func);
}

/* Takes @args. */
static void
typed_call (GateApiClient       *self,
            const char          *function,
            JsonObject          *args,
            guint                timeout_ms,
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

  typed->decode = decode;
  typed->data = data;
  typed->data_free = data_free;
  typed->function = g_strdup (function);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, typed, (GDestroyNotify) typed_free);
  gate_api_client_call_async (self, function, args, timeout_ms, cancellable, on_typed_done, task);
  json_object_unref (args);
}

static gpointer
typed_finish (GateApiClient  *self,
              GAsyncResult   *result,
              gpointer        source_tag,
              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
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

static void
args_set_time (JsonObject *args,
               const char *name,
               gint64      time_us)
{
  g_autofree char *text = time_us != 0 ? gate_api_format_time (time_us) : NULL;

  args_set_string (args, name, text);
}

static gpointer
decode_scan_answer (JsonArray       *rows,
                    gpointer         data,
                    GDestroyNotify  *free_func,
                    GError         **error)
{
  *free_func = (GDestroyNotify) gate_scan_answer_free;
  return gate_api_rows_to_scan_answer (rows, error);
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
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  args_set_string (args, "p_qr_token", qr_token);
  args_set_string (args, "p_event_id", event_id);
  args_set_string (args, "p_device_id", self->device_id);
  args_set_string (args, "p_client_scan_id", client_scan_id);
  args_set_string (args, "p_scan_method", scan_method != NULL ? scan_method : "qr");
  typed_call (self, "scan_ticket", args, timeout_ms != 0 ? timeout_ms : GATE_API_SCAN_TIMEOUT_MS,
              decode_scan_answer, NULL, NULL, gate_api_client_scan_ticket_async, cancellable, callback, user_data);
}

GateScanAnswer *
gate_api_client_scan_ticket_finish (GateApiClient  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return typed_finish (self, result, gate_api_client_scan_ticket_async, error);
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

      args_set_string (item, "client_scan_id", scan->client_scan_id);
      args_set_string (item, "qr_token", scan->qr_token);
      args_set_string (item, "event_id", scan->event_id);
      args_set_time (item, "scanned_at", scan->scanned_at_us);
      json_object_set_int_member (item, "clock_offset_ms", scan->clock_offset_ms);
      args_set_string (item, "scanned_by", scan->scanned_by);
      args_set_string (item, "scan_method", scan->scan_method != NULL ? scan->scan_method : "qr");
      json_array_add_object_element (items, item);
    }

  args_set_string (args, "p_device_id", self->device_id);
  json_object_set_array_member (args, "p_scans", items);
  typed_call (self, "sync_offline_scans", args, 0, decode_upload_results, g_ptr_array_ref (scans),
              (GDestroyNotify) g_ptr_array_unref, gate_api_client_sync_offline_scans_async, cancellable, callback,
              user_data);
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
  return typed_finish (self, result, gate_api_client_sync_offline_scans_async, error);
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
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  args_set_string (args, "p_event_id", event_id);
  args_set_string (args, "p_cursor", cursor);
  json_object_set_int_member (args, "p_limit", limit != 0 ? limit : 1000);
  typed_call (self, "tickets_changed_since", args, 0, decode_ticket_page, g_strdup (event_id), g_free,
              gate_api_client_tickets_changed_since_async, cancellable, callback, user_data);
}

GateTicketPage *
gate_api_client_tickets_changed_since_finish (GateApiClient  *self,
                                              GAsyncResult   *result,
                                              GError        **error)
{
  return typed_finish (self, result, gate_api_client_tickets_changed_since_async, error);
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

  args_set_string (args, "p_event_id", event_id);
  typed_call (self, "event_summary", args, 0, decode_event_summary, NULL, NULL, gate_api_client_event_summary_async,
              cancellable, callback, user_data);
}

GateEventSummary *
gate_api_client_event_summary_finish (GateApiClient  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return typed_finish (self, result, gate_api_client_event_summary_async, error);
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

  args_set_string (args, "p_device_id", self->device_id);
  typed_call (self, "list_events", args, 0, decode_event_summaries, NULL, NULL, gate_api_client_list_events_async,
              cancellable, callback, user_data);
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
  return typed_finish (self, result, gate_api_client_list_events_async, error);
}

/* For functions whose only use to us is that they answered: the rows back,
 * once they are the one row with a server time. */
static gpointer
decode_acknowledgement (JsonArray       *rows,
                        gpointer         data,
                        GDestroyNotify  *free_func,
                        GError         **error)
{
  *free_func = (GDestroyNotify) json_array_unref;
  if (gate_api_rows_to_server_time (rows, error) == 0)
    return NULL;
  return json_array_ref (rows);
}

static gboolean
acknowledgement_finish (GateApiClient  *self,
                        GAsyncResult   *result,
                        gpointer        source_tag,
                        GError        **error)
{
  g_autoptr(JsonArray) rows = typed_finish (self, result, source_tag, error);

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

  args_set_string (args, "p_device_id", self->device_id);
  args_set_string (args, "p_app_version", app_version);
  json_object_set_int_member (args, "p_pending_scans", pending_scans);
  args_set_time (args, "p_last_refresh_at", last_refresh_at_us);
  typed_call (self, "device_heartbeat", args, 0, decode_acknowledgement, NULL, NULL, gate_api_client_heartbeat_async,
              cancellable, callback, user_data);
}

gboolean
gate_api_client_heartbeat_finish (GateApiClient  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  return acknowledgement_finish (self, result, gate_api_client_heartbeat_async, error);
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
  args_set_string (args, "p_event_id", event_id);
  typed_call (self, "event_summary", args, timeout_ms, decode_any_rows, NULL, NULL, gate_api_client_probe_async,
              cancellable, callback, user_data);
}

gboolean
gate_api_client_probe_finish (GateApiClient  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  return acknowledgement_finish (self, result, gate_api_client_probe_async, error);
}

static gpointer
decode_conflicts (JsonArray       *rows,
                  gpointer         data,
                  GDestroyNotify  *free_func,
                  GError         **error)
{
  *free_func = (GDestroyNotify) g_ptr_array_unref;
  return gate_api_rows_to_conflicts (rows, error);
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

  args_set_string (args, "p_event_id", event_id);
  json_object_set_boolean_member (args, "p_include_reviewed", include_reviewed);
  typed_call (self, "list_conflicts", args, 0, decode_conflicts, NULL, NULL, gate_api_client_list_conflicts_async,
              cancellable, callback, user_data);
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
  return typed_finish (self, result, gate_api_client_list_conflicts_async, error);
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
  args_set_string (args, "p_device_id", self->device_id);
  args_set_string (args, "p_event_id", event_id);
  typed_call (self, "device_conflicts", args, 0, decode_conflicts, NULL, NULL, gate_api_client_conflicts_async,
              cancellable, callback, user_data);
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
  return typed_finish (self, result, gate_api_client_conflicts_async, error);
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
  args_set_string (args, "p_reviewed_by", reviewed_by);
  args_set_string (args, "p_note", note);
  typed_call (self, "review_conflict", args, 0, decode_acknowledgement, NULL, NULL,
              gate_api_client_review_conflict_async, cancellable, callback, user_data);
}

gboolean
gate_api_client_review_conflict_finish (GateApiClient  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  return acknowledgement_finish (self, result, gate_api_client_review_conflict_async, error);
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

  args_set_string (args, "p_event_id", event_id);
  typed_call (self, "list_devices", args, 0, decode_devices, NULL, NULL, gate_api_client_list_devices_async,
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
  return typed_finish (self, result, gate_api_client_list_devices_async, error);
}

/* --- object -------------------------------------------------------------- */

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
  g_return_val_if_fail (GATE_IS_API_CLIENT (self), NULL);
  return self->base_url;
}

const char *
gate_api_client_get_device_id (GateApiClient *self)
{
  g_return_val_if_fail (GATE_IS_API_CLIENT (self), NULL);
  return self->device_id;
}

gint64
gate_api_client_get_clock_offset_ms (GateApiClient *self)
{
  gint64 offset;

  g_return_val_if_fail (GATE_IS_API_CLIENT (self), 0);

  g_mutex_lock (&self->clock_lock);
  offset = self->clock_offset_ms;
  g_mutex_unlock (&self->clock_lock);
  return offset;
}

/**
 * gate_api_client_is_insecure:
 *
 * Whether tokens and attendee data would cross a network unencrypted:
 * plain http:// to anything but this machine.
 */
gboolean
gate_api_client_is_insecure (GateApiClient *self)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *host;

  g_return_val_if_fail (GATE_IS_API_CLIENT (self), FALSE);

  if (self->base_url == NULL || (uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL)) == NULL ||
      g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0)
    return FALSE;

  host = g_uri_get_host (uri);
  if (host == NULL || g_ascii_strcasecmp (host, "localhost") == 0)
    return FALSE;
  address = g_inet_address_new_from_string (host);
  return address == NULL || !g_inet_address_get_is_loopback (address);
}

static void
set_base_url (GateApiClient *self,
              const char    *base_url)
{
  gsize length;

  g_free (self->base_url);
  self->base_url = g_strdup (base_url);
  if (self->base_url == NULL)
    return;

  /* "https://x.supabase.co/" and "…/rest/v1" both mean the server root. */
  length = strlen (self->base_url);
  while (length > 0 && self->base_url[length - 1] == '/')
    self->base_url[--length] = '\0';
  if (g_str_has_suffix (self->base_url, "/rest/v1"))
    self->base_url[length - strlen ("/rest/v1")] = '\0';
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
      set_base_url (self, g_value_get_string (value));
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
      if (self->timeout_ms != g_value_get_uint (value))
        {
          self->timeout_ms = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
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
      g_value_set_int64 (value, gate_api_client_get_clock_offset_ms (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_api_client_constructed (GObject *object)
{
  GateApiClient *self = GATE_API_CLIENT (object);

  G_OBJECT_CLASS (gate_api_client_parent_class)->constructed (object);

  /* Loud but not a warning: a lab setup over plain HTTP is legitimate. Only
   * the host is named; a URL may carry user information. */
  if (gate_api_client_is_insecure (self))
    {
      g_autoptr(GUri) uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);

      g_message ("INSECURE: the server %s is reached over plain HTTP; tokens and attendee data cross the network "
                 "unencrypted. Use https://.", g_uri_get_host (uri));
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
  if (self->apikey != NULL)
    memset (self->apikey, 0, strlen (self->apikey));
  g_free (self->apikey);
  g_free (self->device_id);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->clock_lock);

  G_OBJECT_CLASS (gate_api_client_parent_class)->finalize (object);
}

static void
gate_api_client_class_init (GateApiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = gate_api_client_set_property;
  object_class->get_property = gate_api_client_get_property;
  object_class->constructed = gate_api_client_constructed;
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
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->clock_lock);
  /* Keep-alive to one server; a handful of connections covers a scan
   * racing a refresh page and an upload. */
  self->session = soup_session_new_with_options ("user-agent", "gate-scanner/" PACKAGE_VERSION,
                                                 "max-conns-per-host", 4, NULL);
}
