/* gate-http-server-requests.c — one request, from its headers to its answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A request is a chain of asynchronous steps on the main context, and the
 * order matters under attack. From the headers alone (the early handler,
 * before a byte of the body is read): the method, the path, a token at
 * all, the declared size, the failed-attempt limit, and then the token
 * itself, while the message stays paused. Only an authenticated request
 * has its body read (up to 8 MiB) and parsed; a refused one is answered,
 * and whatever body it still sends is read and dropped, within a small
 * size and a short time. Then: find the function, run it in one
 * transaction on the device's lane of the pool, answer. Nothing here
 * blocks, and a client that hangs up while it waits cancels its work.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gate-enroll.h"
#include "gate-error.h"
#include "gate-http-server-private.h"
#include "gate-log.h"
#include "gate-postgrest.h"
#include "gate-rpc-catalog.h"

#define RPC_PREFIX "/rest/v1/rpc/"
/* What supabase-js and other PostgREST clients send from a web page. */
#define CORS_ALLOW_HEADERS "Authorization, apikey, Content-Type, X-Client-Info, Prefer, Accept, " \
                           "Accept-Profile, Content-Profile, Range"
#define CORS_ALLOW_METHODS "GET, POST, OPTIONS"
#define CORS_EXPOSE_HEADERS "Content-Range, Retry-After, WWW-Authenticate, X-Request-Id"
#define CORS_MAX_AGE_S "86400"

/* One request, from its headers to its answer. The message holds a
 * reference (its "gate-request" data) for as long as it lives; each
 * asynchronous step holds one, and while the message is paused, the
 * request holds the message. */
typedef struct
{
  guint               ref_count;
  GateHttpServer     *self;
  SoupServerMessage  *message;       /* not a reference, unless paused */
  gboolean            paused;
  gboolean            counted;       /* in self->n_in_flight */
  gboolean            recorded;      /* in the metrics and, if worth it, the log */
  gint64              started;       /* monotonic µs, at its headers */
  GCancellable       *cancellable;   /* cancelled when the client goes away */
  char               *function_name;
  char               *address;
  char               *token;
  GateDevice         *device;
  JsonObject         *args;
  GHashTable         *arg_texts;
  GateRpcFunction    *function;
  gsize               body_bytes;
  gsize               body_limit;
  gboolean            enrolment;     /* enroll_device, served without a token */
} Request;


static const char * const supplied_arguments[] = { "p_device_id", NULL };

/* --- requests ------------------------------------------------------------------ */

static void
request_uncount (Request *request)
{
  if (request->counted)
    {
      request->counted = FALSE;
      request->self->n_in_flight--;
      _gate_http_server_drain_check (request->self);
    }
}

static Request *
request_ref (Request *request)
{
  request->ref_count++;
  return request;
}

static void
request_unref (Request *request)
{
  if (--request->ref_count > 0)
    return;

  request_uncount (request);
  g_clear_object (&request->cancellable);
  g_clear_pointer (&request->args, json_object_unref);
  g_clear_pointer (&request->arg_texts, g_hash_table_unref);
  g_clear_pointer (&request->device, gate_device_unref);
  g_clear_pointer (&request->function, gate_rpc_function_unref);
  g_free (request->function_name);
  g_free (request->address);
  g_free (request->token);
  g_object_unref (request->self);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_unref)

/* Counts @message's answer in the metrics, and logs it when it failed or
 * was slow; once per message. @request is its Request, if it has one (RPC
 * and /healthz). A function is a label only when the catalog found it:
 * names clients make up are "other". */
static void
record_answer (GateHttpServer    *self,
               SoupServerMessage *message,
               Request           *request,
               guint              status)
{
  gint64 duration_us = -1;
  GateLogRequest line;

  if (request != NULL)
    {
      if (request->recorded)
        return;
      request->recorded = TRUE;
      duration_us = g_get_monotonic_time () - request->started;
      /* /healthz has a Request too, but is not a call. */
      if (*request->function_name != '\0')
        gate_metrics_record_call (self->metrics,
                                  request->function ? gate_rpc_function_get_name (request->function) : NULL,
                                  status, duration_us);
    }

  gate_metrics_record_response (self->metrics, status);
  if (status == SOUP_STATUS_UNAUTHORIZED)
    gate_metrics_add_auth_failure (self->metrics);

  if (!gate_log_request_wanted (status, duration_us))
    return;

  line = (GateLogRequest) {
    .request_id = soup_message_headers_get_one (soup_server_message_get_response_headers (message),
                                                GATE_REQUEST_ID_HEADER),
    .method = soup_server_message_get_method (message),
    .path = g_uri_get_path (soup_server_message_get_uri (message)),
    .status = status,
    .duration_us = duration_us,
    .device_id = request && request->device ? request->device->id : NULL,
    .client = soup_server_message_get_remote_host (message),
  };
  gate_log_request (&line);
}

/* A request counts as running until its answer has been written, so that
 * draining waits for the bytes, not just for the database. */
void
_gate_http_server_on_request_done (SoupServer        *server,
                                   SoupServerMessage *message,
                                   GateHttpServer    *self)
{
  Request *request = g_object_get_data (G_OBJECT (message), "gate-request");

  record_answer (self, message, request, soup_server_message_get_status (message));
  if (request != NULL)
    request_uncount (request);
}

/* The client left before its answer was written: counted as 499, the
 * status proxies log for it. */
void
_gate_http_server_on_request_aborted (SoupServer        *server,
                                      SoupServerMessage *message,
                                      GateHttpServer    *self)
{
  Request *request = g_object_get_data (G_OBJECT (message), "gate-request");

  record_answer (self, message, request, 499);
  if (request != NULL)
    request_uncount (request);
}

static Request *
request_new (GateHttpServer    *self,
             SoupServerMessage *message,
             const char        *function_name)
{
  Request *request = g_new0 (Request, 1);

  request->ref_count = 1;
  request->self = g_object_ref (self);
  request->message = message;
  request->cancellable = g_cancellable_new ();
  request->function_name = g_strdup (function_name);
  request->address = g_strdup (soup_server_message_get_remote_host (message));
  request->body_limit = GATE_POSTGREST_MAX_BODY;
  request->counted = TRUE;
  request->started = g_get_monotonic_time ();
  self->n_in_flight++;

  g_object_set_data_full (G_OBJECT (message), "gate-request", request_ref (request),
                          (GDestroyNotify) request_unref);
  return request;
}

static Request *
request_for (SoupServerMessage *message)
{
  return g_object_get_data (G_OBJECT (message), "gate-request");
}

/* The message waits for us; meanwhile we watch for its client leaving. */
static void
request_pause (Request *request)
{
  g_return_if_fail (!request->paused);

  request->paused = TRUE;
  g_object_ref (request->message);
  soup_server_message_pause (request->message);
  if (request->self->listener != NULL)
    gate_http_listener_watch_hangup (request->self->listener, request->message, request->cancellable);
}

/* Lets libsoup go on with whatever answer or reading is due. */
static void
request_resume (Request *request)
{
  SoupServerMessage *message = request->message;

  if (!request->paused)
    return;

  request->paused = FALSE;
  if (request->self->listener != NULL)
    gate_http_listener_unwatch_hangup (request->self->listener, message);
  soup_server_message_unpause (message);
  g_object_unref (message);
}

/* --- answers ---------------------------------------------------------------- */

static void
set_json (SoupServerMessage *message,
          guint              status,
          const char        *json)
{
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json; charset=utf-8", SOUP_MEMORY_COPY, json,
                                    strlen (json));
}

static void
set_error (SoupServerMessage *message,
           guint              status,
           const char        *code,
           const char        *text,
           const char        *details,
           const char        *hint)
{
  g_autofree char *body = gate_postgrest_error_body (code, text, details, hint);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (soup_server_message_get_response_headers (message), "WWW-Authenticate",
                                  "Bearer");
  set_json (message, status, body);
}

static void
set_retry_after (SoupServerMessage *message,
                 guint              seconds)
{
  g_autofree char *value = g_strdup_printf ("%u", MAX (seconds, 1));

  soup_message_headers_replace (soup_server_message_get_response_headers (message), "Retry-After", value);
}

/* For failures that are not SQL errors; see docs/gate-server.md. */
static void
set_gerror (SoupServerMessage *message,
            const GError      *error)
{
  if (error->domain == GATE_ERROR)
    switch (error->code)
      {
      case GATE_ERROR_UNAUTHORIZED:
        set_error (message, 401, "PGRST301", error->message, NULL,
                   "Send a valid device token as Authorization: Bearer <token>");
        return;

      case GATE_ERROR_FORBIDDEN:
        set_error (message, 403, "42501", error->message, NULL, NULL);
        return;

      case GATE_ERROR_NOT_FOUND:
        set_error (message, 404, "PGRST202", error->message, NULL, NULL);
        return;

      case GATE_ERROR_UNAVAILABLE:
        set_error (message, 503, "PGRST001", "Database connection error. Retrying the connection.",
                   error->message, NULL);
        return;

      default:
        break;
      }

  /* The pool is full, or this client's share of it. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      set_retry_after (message, 1);
      set_error (message, 503, "PGRST003", "Too many requests are waiting for the database", error->message,
                 "Retry after the number of seconds in Retry-After");
      return;
    }

  set_error (message, 500, "XX000", error->message, NULL, NULL);
}

/* Sends the answer set on @request's message at once, before its body is
 * read; whatever body it still sends is read and dropped, never kept or
 * parsed: as much as it announced (a chunked one: 64 KiB), within the
 * unauthenticated timeout; then the connection closes. */
static void
request_answer_now (Request *request)
{
  GateHttpServer *self = request->self;
  SoupServerMessage *message = request->message;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  gsize drain_limit = GATE_HTTP_REFUSED_BODY_LIMIT;
  gboolean was_paused = request->paused;

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    drain_limit = (gsize) soup_message_headers_get_content_length (headers);

  request->paused = FALSE;
  gate_http_listener_unwatch_hangup (self->listener, message);
  gate_http_listener_set_deadline (self->listener, message, self->config.unauthenticated_timeout_s);
  /* The message is done with: libsoup will not finish it. */
  record_answer (self, message, request, soup_server_message_get_status (message));
  request_uncount (request);
  gate_http_listener_answer_now (self->listener, message, drain_limit);
  if (was_paused)
    g_object_unref (message);
}

static void
request_refuse (Request    *request,
                guint       status,
                const char *code,
                const char *text,
                const char *details,
                const char *hint)
{
  set_error (request->message, status, code, text, details, hint);
  request_answer_now (request);
}

static void
request_refuse_gerror (Request      *request,
                       const GError *error)
{
  set_gerror (request->message, error);
  request_answer_now (request);
}

/* --- CORS ---------------------------------------------------------------------- */

static gboolean
origin_allowed (GateHttpServer *self,
                const char     *origin)
{
  if (origin == NULL || self->cors_origins == NULL)
    return FALSE;

  for (guint i = 0; self->cors_origins[i] != NULL; i++)
    if (g_str_equal (self->cors_origins[i], "*") || g_ascii_strcasecmp (self->cors_origins[i], origin) == 0)
      return TRUE;
  return FALSE;
}

/* A web page may read the answer (any answer, errors included) when its
 * origin is one of --cors-origin. */
static gboolean
add_cors_headers (GateHttpServer    *self,
                  SoupServerMessage *message)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (message);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (message);
  const char *origin = soup_message_headers_get_one (request, "Origin");

  if (self->cors_origins != NULL)
    soup_message_headers_append (response, "Vary", "Origin");
  if (!origin_allowed (self, origin))
    return FALSE;

  soup_message_headers_replace (response, "Access-Control-Allow-Origin", origin);
  soup_message_headers_replace (response, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
  return TRUE;
}

/* OPTIONS: a browser's preflight, answered without a token. */
static void
answer_options (GateHttpServer    *self,
                SoupServerMessage *message,
                gboolean           cors)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (message);

  soup_message_headers_replace (response, "Allow", CORS_ALLOW_METHODS);
  if (cors)
    {
      soup_message_headers_replace (response, "Access-Control-Allow-Methods", CORS_ALLOW_METHODS);
      soup_message_headers_replace (response, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
      soup_message_headers_replace (response, "Access-Control-Max-Age", CORS_MAX_AGE_S);
    }
  soup_message_body_set_accumulate (soup_server_message_get_request_body (message), FALSE);
  soup_server_message_set_status (message, SOUP_STATUS_NO_CONTENT, NULL);
}

/* --- the steps of a call ------------------------------------------------------ */

static void
on_called (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  GateHttpServer *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, &error);
  g_autoptr(GString) body = NULL;

  if (reply == NULL)
    set_gerror (request->message, error);
  else if (reply->sqlstate != NULL && g_str_equal (reply->sqlstate, "28000"))
    {
      /* gate_device_role: revoked since we remembered the token. */
      gate_auth_forget (self->auth, request->device);
      gate_auth_limiter_add_failure (self->auth_limiter, request->address);
      set_error (request->message, 401, "PGRST301", "invalid or revoked device token", NULL, NULL);
    }
  else if (reply->sqlstate != NULL)
    {
      /* The function went away under our catalog. */
      if (g_str_equal (reply->sqlstate, "42883"))
        gate_rpc_catalog_invalidate (self->catalog);
      set_error (request->message, gate_postgrest_status_for_sqlstate (reply->sqlstate), reply->sqlstate,
                 reply->message ? reply->message : "database error", reply->detail, reply->hint);
    }
  else if (gate_rpc_function_get_result_kind (request->function) == GATE_RPC_RESULT_VOID)
    soup_server_message_set_status (request->message, SOUP_STATUS_NO_CONTENT, NULL);
  else if (reply->withheld >= 0 ||
           (body = gate_rpc_function_answer (request->function, reply->rows))->len > self->config.max_answer)
    {
      g_autofree char *details = reply->withheld >= 0
        ? g_strdup_printf ("The answer has %" G_GINT64_FORMAT " bytes; gate-server sends at most %" G_GSIZE_FORMAT
                           " (--max-answer)", reply->withheld, self->config.max_answer)
        : g_strdup_printf ("The answer has %" G_GSIZE_FORMAT " bytes; gate-server sends at most %" G_GSIZE_FORMAT
                           " (--max-answer)", body->len, self->config.max_answer);

      set_error (request->message, 500, "PGRST500", "The answer is too large to send", details,
                 "Ask for less, e.g. a smaller page");
    }
  else
    {
      gsize length = body->len;

      soup_server_message_set_status (request->message, 200, NULL);
      soup_server_message_set_response (request->message, "application/json; charset=utf-8", SOUP_MEMORY_TAKE,
                                        g_string_free (g_steal_pointer (&body), FALSE), length);
    }

  request_resume (request);
}

static void
call (Request *request)
{
  GateHttpServer *self = request->self;
  g_autoptr(GPtrArray) statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);
  g_autofree char *lane = g_strconcat ("device:", request->device->id, NULL);
  guint call_index;

  /* A device speaks for itself, whether it names itself or not. */
  if (gate_rpc_function_has_argument (request->function, "p_device_id"))
    {
      json_object_set_string_member (request->args, "p_device_id", request->device->id);
      g_hash_table_remove (request->arg_texts, "p_device_id");
    }

  /* One transaction, one round trip: guard, call. */
  g_ptr_array_add (statements, gate_db_statement_new ("BEGIN"));
  gate_auth_add_guard (request->device, &self->config.call, statements);
  call_index = statements->len;
  g_ptr_array_add (statements, gate_rpc_function_build_call (request->function, request->args, request->arg_texts,
                                                             self->config.max_answer));
  g_ptr_array_add (statements, gate_db_statement_new ("COMMIT"));

  gate_db_pool_run_async (self->pool, statements, call_index, lane, request->cancellable, on_called,
                          request_ref (request));
}

static void
on_looked_up (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;

  request->function = gate_rpc_catalog_lookup_finish (GATE_RPC_CATALOG (source), result, &error);
  if (request->function == NULL)
    {
      if (g_error_matches (error, GATE_ERROR, GATE_ERROR_NOT_FOUND))
        {
          g_autofree char *known = gate_rpc_catalog_describe (request->self->catalog, request->function_name);
          g_autofree char *details = g_strdup_printf ("Searched for the function public.%s with the given "
                                                      "argument names, but no matches were found in the "
                                                      "schema cache.", request->function_name);
          g_autofree char *hint = known ? g_strdup_printf ("It takes %s", known) : NULL;

          set_error (request->message, 404, "PGRST202", error->message, details, hint);
        }
      else
        set_gerror (request->message, error);

      request_resume (request);
      return;
    }

  call (request);
}

/* The body is read: parse it, then find the function. */
static void
handle_rpc (Request *request)
{
  SoupServerMessage *message = request->message;
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (message));
  GatePostgrestRefusal refusal;
  const char *data;
  gsize length;

  data = g_bytes_get_data (body, &length);
  if (!gate_postgrest_parse_body (data, length, &request->args, &request->arg_texts, &refusal))
    {
      set_error (message, refusal.status, refusal.code, refusal.message, refusal.details, refusal.hint);
      return;
    }

  if (!gate_postgrest_args_speak_for (request->args, request->device->id))
    {
      set_error (message, 403, "42501", "p_device_id is not the authenticated device", NULL,
                 "A device may only act under its own id");
      return;
    }

  request_pause (request);
  gate_rpc_catalog_lookup_async (request->self->catalog, request->function_name, request->args,
                                 supplied_arguments, request->cancellable, on_looked_up, request_ref (request));
}

/* --- authentication, from the headers ------------------------------------------- */

static void
on_authenticated (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;

  request->device = gate_auth_authenticate_finish (GATE_AUTH (source), result, &error);
  if (request->device == NULL)
    {
      if (g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED))
        gate_auth_limiter_add_failure (request->self->auth_limiter, request->address);
      request_refuse_gerror (request, error);
      return;
    }

  /* Authenticated: now, and only now, its body is read. */
  if (request->self->listener != NULL)
    gate_http_listener_set_deadline (request->self->listener, request->message,
                                     request->self->config.http.request_timeout_s);
  request_resume (request);
}

static void
authenticate (Request *request)
{
  g_autofree char *lane = g_strconcat ("address:", request->address ? request->address : "", NULL);

  gate_auth_authenticate_async (request->self->auth, request->token, lane, request->cancellable,
                                on_authenticated, request_ref (request));
}

static void
on_active_checked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  guint retry_after_s = 1;
  gboolean active = gate_auth_check_active_finish (GATE_AUTH (source), result, &error);

  if (error != NULL)
    {
      request_refuse_gerror (request, error);
      return;
    }

  /* A token the database lists goes on, whoever failed before from its
   * address: kiosks behind a guesser's NAT keep working. */
  if (active)
    {
      authenticate (request);
      return;
    }

  gate_auth_limiter_is_blocked (request->self->auth_limiter, request->address, &retry_after_s);
  set_retry_after (request->message, retry_after_s);
  request_refuse (request, 429, "PGRST429", "Too many failed authentication attempts from this address", NULL,
                  "Retry after the number of seconds in Retry-After");
}

/* Counts the body as it comes and cuts it off at 8 MiB (an enrolment's at
 * 4 KiB): a chunked one has no length to refuse up front. Only
 * authenticated requests and enrolments get here. */
static void
on_got_chunk (SoupServerMessage *message,
              GBytes            *chunk,
              Request           *request)
{
  static const char answer[] =
    "HTTP/1.1 413 Payload Too Large\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Connection: close\r\n"
    "Content-Length: 84\r\n\r\n"
    "{\"code\":\"PGRST413\",\"message\":\"Request body too large\",\"details\":null,\"hint\":null}";
  g_autoptr(GIOStream) stream = NULL;

  request->body_bytes += g_bytes_get_size (chunk);
  if (request->body_bytes <= request->body_limit)
    return;

  /* Take the connection over, answer, and close it rather than read (and
   * keep) any more. */
  stream = soup_server_message_steal_connection (message);
  if (stream == NULL)
    return;

  record_answer (request->self, message, request, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
  request_uncount (request);
  g_output_stream_write_all (g_io_stream_get_output_stream (stream), answer, strlen (answer), NULL, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

/* --- enrolment, the one call without a token (gate-enroll.c) ------------------- */

static void
on_enrolled (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, &error);
  const char *json;

  if (reply == NULL)
    set_gerror (request->message, error);
  else if (reply->sqlstate != NULL)
    {
      guint status = gate_postgrest_status_for_sqlstate (reply->sqlstate);

      /* Unknown, used or expired: a guess, as far as the limiter knows. */
      if (status >= 400 && status < 500)
        gate_auth_limiter_add_failure (request->self->auth_limiter, request->address);
      set_error (request->message, status, reply->sqlstate, reply->message ? reply->message : "database error",
                 reply->detail, reply->hint);
    }
  else if (reply->rows->len != 1 || (json = g_ptr_array_index (reply->rows, 0)) == NULL)
    set_error (request->message, 500, "XX000", "enroll_device gave no answer", NULL, NULL);
  else
    set_json (request->message, 200, json);

  request_resume (request);
}

/* The body is read. */
static void
handle_enroll (Request *request)
{
  GateHttpServer *self = request->self;
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (request->message));
  g_autoptr(GPtrArray) statements = NULL;
  g_autofree char *lane = g_strconcat ("address:", request->address ? request->address : "", NULL);
  GatePostgrestRefusal refusal;
  guint result_index;
  const char *data;
  gsize length;

  data = g_bytes_get_data (body, &length);
  statements = gate_enroll_build_call (data, length, &self->config.call, &result_index, &refusal);
  if (statements == NULL)
    {
      gate_auth_limiter_add_failure (self->auth_limiter, request->address);
      set_error (request->message, refusal.status, refusal.code, refusal.message, refusal.details, refusal.hint);
      return;
    }

  request_pause (request);
  gate_db_pool_run_async (self->pool, statements, result_index, lane, request->cancellable, on_enrolled,
                          request_ref (request));
}

/* From the headers: whatever Authorization or apikey it carries is not
 * looked up (Supabase's anon key); an address the limiter blocks is
 * answered at once, without asking the database. */
static void
handle_enroll_early (Request *request,
                     goffset  content_length)
{
  GateHttpServer *self = request->self;
  GatePostgrestRefusal refusal;
  guint retry_after_s = 1;

  if (!gate_enroll_check_head (soup_server_message_get_method (request->message), content_length, &refusal))
    {
      if (refusal.status == SOUP_STATUS_METHOD_NOT_ALLOWED)
        soup_message_headers_replace (soup_server_message_get_response_headers (request->message), "Allow", "POST");
      request_refuse (request, refusal.status, refusal.code, refusal.message, refusal.details, refusal.hint);
      return;
    }

  if (gate_auth_limiter_is_blocked (self->auth_limiter, request->address, &retry_after_s))
    {
      set_retry_after (request->message, retry_after_s);
      request_refuse (request, 429, "PGRST429", "Too many failed attempts from this address", NULL,
                      "Retry after the number of seconds in Retry-After");
      return;
    }

  request->enrolment = TRUE;
  /* Read within the request's deadline, as an authenticated body is. */
  request->body_limit = GATE_ENROLL_MAX_BODY;
}

static void
handle_rpc_early (GateHttpServer    *self,
                  SoupServerMessage *message,
                  const char        *function_name)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  Request *request = request_new (self, message, function_name);
  GatePostgrestRefusal refusal;
  goffset content_length = -1;

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    content_length = soup_message_headers_get_content_length (headers);
  else if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
    g_signal_connect (message, "got-chunk", G_CALLBACK (on_got_chunk), request);

  if (gate_enroll_is_enrolment (function_name))
    {
      handle_enroll_early (request, content_length);
      request_unref (request);
      return;
    }

  request->token = gate_postgrest_check_head (soup_server_message_get_method (message), function_name,
                                              soup_message_headers_get_one (headers, "Authorization"),
                                              soup_message_headers_get_one (headers, "apikey"),
                                              content_length, &refusal);
  if (request->token == NULL)
    {
      if (refusal.status == SOUP_STATUS_METHOD_NOT_ALLOWED)
        soup_message_headers_replace (soup_server_message_get_response_headers (message), "Allow", "POST");
      request_refuse (request, refusal.status, refusal.code, refusal.message, refusal.details, refusal.hint);
      request_unref (request);
      return;
    }

  /* A token authenticated before goes on at once, whatever its address:
   * the request's own transaction checks that it is still valid. */
  if ((request->device = gate_auth_lookup_known (self->auth, request->token)) != NULL)
    {
      request_unref (request);
      return;
    }

  /* Nothing more is read until the token is known to be good. */
  request_pause (request);

  /* An address that keeps failing may only use tokens the database lists:
   * its guesses cost no lookup each, and a kiosk behind the same NAT or
   * TLS proxy as the guesser is not turned away. */
  if (gate_auth_limiter_is_blocked (self->auth_limiter, request->address, NULL))
    gate_auth_check_active_async (self->auth, request->token, request->cancellable, on_active_checked,
                                  request_ref (request));
  else
    authenticate (request);

  request_unref (request);
}

/* --- handlers ----------------------------------------------------------------- */

static void
on_health_checked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, NULL);

  if (reply != NULL && reply->sqlstate == NULL)
    set_json (request->message, 200, "{\"status\":\"ok\"}");
  else
    set_json (request->message, 503, "{\"status\":\"database unavailable\"}");

  request_resume (request);
}

static void
handle_health (GateHttpServer    *self,
               SoupServerMessage *message)
{
  g_autoptr(GPtrArray) statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);
  g_autoptr(Request) request = request_new (self, message, "");

  /* Through the pool, so the answer also means a connection is free; in a
   * lane of its own, so that a flood of health checks waits for itself. */
  g_ptr_array_add (statements, gate_db_statement_new ("SELECT 1"));
  request_pause (request);
  gate_db_pool_run_async (self->pool, statements, 0, "healthz", request->cancellable, on_health_checked,
                          request_ref (request));
}

void
_gate_http_server_handle (SoupServer        *server,
                          SoupServerMessage *message,
                          const char        *path,
                          GHashTable        *query,
                          gpointer           user_data)
{
  GateHttpServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);
  Request *request;

  soup_message_headers_replace (headers, "Cache-Control", "no-store");

  if (self->draining)
    {
      soup_message_headers_replace (headers, "Connection", "close");
      if (g_str_equal (path, "/healthz"))
        set_json (message, 503, "{\"status\":\"shutting down\"}");
      else
        set_error (message, 503, "PGRST001", "The server is shutting down", NULL, "Retry in a moment");
    }
  else if (g_str_equal (path, "/healthz"))
    handle_health (self, message);
  else if ((request = request_for (message)) != NULL && request->device != NULL)
    handle_rpc (request);
  else if (request != NULL && request->enrolment)
    handle_enroll (request);
  else if (g_str_has_prefix (path, RPC_PREFIX))
    set_error (message, 500, "XX000", "The request was not authenticated", NULL, NULL);
  else
    set_error (message, 404, "PGRST125", "Invalid path specified in request URL", NULL, NULL);
}

/* A client's (or its proxy's) id when it sent a sane one, else a new
 * one; echoed in the answer and named in the log line, if any. */
static void
set_request_id (SoupServerMessage *message)
{
  const char *incoming = soup_message_headers_get_one (soup_server_message_get_request_headers (message),
                                                       GATE_REQUEST_ID_HEADER);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (message);

  if (gate_log_request_id_is_sane (incoming))
    soup_message_headers_replace (response, GATE_REQUEST_ID_HEADER, incoming);
  else
    {
      g_autofree char *id = gate_log_new_request_id ();

      soup_message_headers_replace (response, GATE_REQUEST_ID_HEADER, id);
    }
}

/* Everything decided from the headers, before the body is read. */
void
_gate_http_server_handle_early (SoupServer        *server,
                                SoupServerMessage *message,
                                const char        *path,
                                GHashTable        *query,
                                gpointer           user_data)
{
  GateHttpServer *self = user_data;
  gboolean cors = add_cors_headers (self, message);

  set_request_id (message);
  soup_message_headers_replace (soup_server_message_get_response_headers (message), "Cache-Control", "no-store");
  /* From the headers to the end of the answer. */
  if (self->listener != NULL)
    gate_http_listener_set_deadline (self->listener, message, self->config.http.request_timeout_s);

  if (g_str_equal (soup_server_message_get_method (message), SOUP_METHOD_OPTIONS))
    answer_options (self, message, cors);
  else if (self->draining)
    return;
  else if (g_str_has_prefix (path, RPC_PREFIX))
    handle_rpc_early (self, message, path + strlen (RPC_PREFIX));
}

