/* gate-http-server.c — PostgREST-compatible RPC over HTTP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * POST /rest/v1/rpc/<function> with a JSON object of named arguments runs
 * the function as the authenticated device's role and answers as PostgREST
 * does (rows as a JSON array, its error bodies and status codes), so that
 * the same client works against Supabase. The server holds no business
 * rules: grants and the SQL functions decide.
 *
 * A request is a chain of asynchronous steps on the main context — check
 * the body, authenticate, find the function, run it in one transaction —
 * while its message stays paused; nothing here blocks.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gate-auth.h"
#include "gate-error.h"
#include "gate-http-server.h"
#include "gate-postgrest.h"
#include "gate-rpc-catalog.h"

#define RPC_PREFIX "/rest/v1/rpc/"
/* GSocket's default backlog of 10 overflows when a venue's kiosks all
 * reconnect at once, and the overflowing connections get reset. */
#define LISTEN_BACKLOG 1024

struct _GateHttpServer
{
  GObject          parent_instance;

  GateDbPool      *pool;
  GTlsCertificate *tls_certificate;
  SoupServer      *server;
  GateAuth        *auth;
  GateAuthLimiter *auth_limiter;
  GateRpcCatalog  *catalog;

  guint            n_in_flight;
  gboolean         draining;
  GTask           *drain_task;
  guint            drain_timeout_id;
};

G_DEFINE_FINAL_TYPE (GateHttpServer, gate_http_server, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_POOL,
  PROP_TLS_CERTIFICATE,
  PROP_AUTH_LIMITER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  GateHttpServer    *self;
  SoupServerMessage *message;
  char              *function_name;
  char              *address;
  JsonObject        *args;
  GateDevice        *device;
  GateRpcFunction   *function;
} Request;

static void drain_check (GateHttpServer *self);

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

  set_error (message, 500, "XX000", error->message, NULL, NULL);
}

/* A request counts as running until its answer has been written, so that
 * draining waits for the bytes, not just for the database. */
static void
on_message_finished (SoupServerMessage *message,
                     GateHttpServer    *self)
{
  self->n_in_flight--;
  drain_check (self);
}

static Request *
request_new (GateHttpServer    *self,
             SoupServerMessage *message,
             const char        *function_name,
             JsonObject        *args)
{
  Request *request = g_new0 (Request, 1);

  request->self = g_object_ref (self);
  request->message = g_object_ref (message);
  request->function_name = g_strdup (function_name);
  request->address = g_strdup (soup_server_message_get_remote_host (message));
  request->args = json_object_ref (args);

  self->n_in_flight++;
  g_signal_connect_data (message, "finished", G_CALLBACK (on_message_finished), g_object_ref (self),
                         (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  soup_server_message_pause (message);
  return request;
}

/* Sends whatever answer has been set and ends the request. */
static void
request_finish (Request *request)
{
  GateHttpServer *self = request->self;

  soup_server_message_unpause (request->message);

  g_clear_object (&request->message);
  g_clear_pointer (&request->args, json_object_unref);
  g_clear_pointer (&request->device, gate_device_unref);
  g_clear_pointer (&request->function, gate_rpc_function_unref);
  g_free (request->function_name);
  g_free (request->address);
  g_free (request);
  g_object_unref (self);
}

/* --- the steps of a call ------------------------------------------------------ */

static void
on_called (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Request *request = user_data;
  GateHttpServer *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, &error);
  const char *json;

  if (reply == NULL)
    set_gerror (request->message, error);
  else if (reply->sqlstate != NULL && g_str_equal (reply->sqlstate, "28000"))
    {
      /* gate_check_device: revoked since we remembered the token. */
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
  else
    {
      json = reply->rows->len > 0 ? g_ptr_array_index (reply->rows, 0) : NULL;
      set_json (request->message, 200, json ? json : "null");
    }

  request_finish (request);
}

static void
call (Request *request)
{
  g_autoptr(GPtrArray) statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);
  guint call_index;

  /* One transaction, one round trip: guard, role, call. */
  g_ptr_array_add (statements, gate_db_statement_new ("BEGIN"));
  gate_auth_add_guard (request->device, statements);
  call_index = statements->len;
  g_ptr_array_add (statements, gate_rpc_function_build_call (request->function, request->args));
  g_ptr_array_add (statements, gate_db_statement_new ("COMMIT"));

  gate_db_pool_run_async (request->self->pool, statements, call_index, NULL, on_called, request);
}

static void
on_looked_up (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Request *request = user_data;
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

      request_finish (request);
      return;
    }

  call (request);
}

static void
on_authenticated (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;

  request->device = gate_auth_authenticate_finish (GATE_AUTH (source), result, &error);
  if (request->device == NULL)
    {
      if (g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED))
        gate_auth_limiter_add_failure (request->self->auth_limiter, request->address);
      set_gerror (request->message, error);
      request_finish (request);
      return;
    }

  if (!gate_postgrest_args_speak_for (request->args, request->device->id))
    {
      set_error (request->message, 403, "42501", "p_device_id is not the authenticated device", NULL,
                 "A device may only act under its own id");
      request_finish (request);
      return;
    }

  gate_rpc_catalog_lookup_async (request->self->catalog, request->function_name, request->args, NULL,
                                 on_looked_up, request);
}

/* --- handlers ----------------------------------------------------------------- */

static void
handle_rpc (GateHttpServer    *self,
            SoupServerMessage *message,
            const char        *function_name)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (message));
  g_autoptr(GatePostgrestCall) call = NULL;
  GatePostgrestRefusal refusal;
  const char *data;
  gsize length;
  guint retry_after_s = 0;
  Request *request;

  data = g_bytes_get_data (body, &length);
  call = gate_postgrest_parse_call (soup_server_message_get_method (message), function_name,
                                    soup_message_headers_get_one (headers, "Authorization"),
                                    soup_message_headers_get_one (headers, "apikey"), data, length, &refusal);
  if (call == NULL)
    {
      if (refusal.status == SOUP_STATUS_METHOD_NOT_ALLOWED)
        soup_message_headers_replace (soup_server_message_get_response_headers (message), "Allow", "POST");
      set_error (message, refusal.status, refusal.code, refusal.message, refusal.details, refusal.hint);
      return;
    }

  /* An address that keeps failing may only use tokens we already know:
   * its guesses cost no database work, and kiosks behind the same NAT or
   * TLS proxy as the guesser keep working. */
  if (gate_auth_limiter_is_blocked (self->auth_limiter, soup_server_message_get_remote_host (message),
                                    &retry_after_s) &&
      !gate_auth_is_known (self->auth, call->token))
    {
      g_autofree char *retry_after = g_strdup_printf ("%u", retry_after_s);

      soup_message_headers_replace (soup_server_message_get_response_headers (message), "Retry-After",
                                    retry_after);
      set_error (message, 429, "PGRST429", "Too many failed authentication attempts from this address",
                 NULL, "Retry after the number of seconds in Retry-After");
      return;
    }

  request = request_new (self, message, call->function_name, call->args);
  gate_auth_authenticate_async (self->auth, call->token, NULL, on_authenticated, request);
}

static void
on_health_checked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, NULL);

  if (reply != NULL && reply->sqlstate == NULL)
    set_json (request->message, 200, "{\"status\":\"ok\"}");
  else
    set_json (request->message, 503, "{\"status\":\"database unavailable\"}");

  request_finish (request);
}

static void
handle_health (GateHttpServer    *self,
               SoupServerMessage *message)
{
  g_autoptr(GPtrArray) statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);
  g_autoptr(JsonObject) no_args = json_object_new ();

  /* Through the pool, so the answer also means a connection is free. */
  g_ptr_array_add (statements, gate_db_statement_new ("SELECT 1"));
  gate_db_pool_run_async (self->pool, statements, 0, NULL, on_health_checked,
                          request_new (self, message, "", no_args));
}

static void
handle (SoupServer        *server,
        SoupServerMessage *message,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  GateHttpServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

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
  else if (g_str_has_prefix (path, RPC_PREFIX))
    handle_rpc (self, message, path + strlen (RPC_PREFIX));
  else
    set_error (message, 404, "PGRST125", "Invalid path specified in request URL", NULL, NULL);
}

static void
on_got_chunk (SoupServerMessage *message,
              GBytes            *chunk,
              gpointer           user_data)
{
  static const char answer[] =
    "HTTP/1.1 413 Payload Too Large\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Connection: close\r\n"
    "Content-Length: 84\r\n\r\n"
    "{\"code\":\"PGRST413\",\"message\":\"Request body too large\",\"details\":null,\"hint\":null}";
  SoupMessageBody *body = soup_server_message_get_request_body (message);
  g_autoptr(GIOStream) stream = NULL;

  if (body->length <= GATE_POSTGREST_MAX_BODY)
    return;

  /* A chunked body has no length to refuse up front: take the connection
   * over, answer, and close it rather than read (and keep) any more. */
  stream = soup_server_message_steal_connection (message);
  if (stream == NULL)
    return;

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), answer, strlen (answer), NULL, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

static void
handle_early (SoupServer        *server,
              SoupServerMessage *message,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);

  /* Refused before a byte of the body is read. */
  if (soup_message_headers_get_content_length (headers) > GATE_POSTGREST_MAX_BODY)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (message), "Connection", "close");
      set_error (message, 413, "PGRST413", "Request body too large", NULL, NULL);
      return;
    }

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
    g_signal_connect (message, "got-chunk", G_CALLBACK (on_got_chunk), NULL);
}

/* --- public API ------------------------------------------------------------ */

/**
 * gate_http_server_new:
 * @tls_certificate: (nullable): serve HTTPS with it
 * @auth_limiter: (nullable): limits failed authentications per address;
 *   %NULL: the defaults of gate-auth-limiter.h
 */
GateHttpServer *
gate_http_server_new (GateDbPool      *pool,
                      GTlsCertificate *tls_certificate,
                      GateAuthLimiter *auth_limiter)
{
  g_return_val_if_fail (GATE_IS_DB_POOL (pool), NULL);
  g_return_val_if_fail (tls_certificate == NULL || G_IS_TLS_CERTIFICATE (tls_certificate), NULL);
  g_return_val_if_fail (auth_limiter == NULL || GATE_IS_AUTH_LIMITER (auth_limiter), NULL);

  return g_object_new (GATE_TYPE_HTTP_SERVER, "pool", pool, "tls-certificate", tls_certificate,
                       "auth-limiter", auth_limiter, NULL);
}

/**
 * gate_http_server_listen:
 * @address: "HOST:PORT"; port 0 picks a free one
 *
 * Returns: (transfer full): the URL it listens on, e.g.
 *   "http://127.0.0.1:8080" (https with a TLS certificate)
 */
char *
gate_http_server_listen (GateHttpServer  *self,
                         const char      *address,
                         GError         **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketAddressEnumerator) enumerator = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *host = NULL;
  gboolean ipv6;

  g_return_val_if_fail (GATE_IS_HTTP_SERVER (self), NULL);

  connectable = g_network_address_parse (address, 8080, error);
  if (connectable == NULL)
    return NULL;

  enumerator = g_socket_connectable_enumerate (connectable);
  socket_address = g_socket_address_enumerator_next (enumerator, NULL, error);
  if (socket_address == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s: no such address", address);
      return NULL;
    }

  socket = g_socket_new (g_socket_address_get_family (socket_address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, socket_address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;

  if (!soup_server_listen_socket (self->server, socket, self->tls_certificate ? SOUP_SERVER_LISTEN_HTTPS : 0,
                                  error))
    return NULL;

  /* The real port when 0 was asked for. */
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return NULL;

  host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (bound)));
  ipv6 = strchr (host, ':') != NULL;
  return g_strdup_printf ("%s://%s%s%s:%u", self->tls_certificate ? "https" : "http", ipv6 ? "[" : "", host,
                          ipv6 ? "]" : "", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

static void
drain_done (GateHttpServer *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->drain_task);

  g_clear_handle_id (&self->drain_timeout_id, g_source_remove);
  if (task != NULL)
    g_task_return_boolean (task, self->n_in_flight == 0);
}

static void
drain_check (GateHttpServer *self)
{
  if (self->draining && self->n_in_flight == 0)
    drain_done (self);
}

static gboolean
on_drain_timeout (gpointer user_data)
{
  GateHttpServer *self = user_data;

  self->drain_timeout_id = 0;
  g_message ("%u requests still running after the grace period, cutting them off", self->n_in_flight);
  drain_done (self);
  return G_SOURCE_REMOVE;
}

/**
 * gate_http_server_drain_async:
 * @timeout_ms: how long running requests may take to finish
 *
 * Starts shutting down: new requests are answered 503 with
 * "Connection: close" (and /healthz turns 503, so that a load balancer
 * moves on), running ones finish. Completes when none is left or
 * @timeout_ms has passed; then call gate_http_server_disconnect().
 */
void
gate_http_server_drain_async (GateHttpServer      *self,
                              guint                timeout_ms,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GATE_IS_HTTP_SERVER (self));
  g_return_if_fail (self->drain_task == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_http_server_drain_async);

  self->draining = TRUE;
  self->drain_task = g_steal_pointer (&task);
  self->drain_timeout_id = g_timeout_add (timeout_ms, on_drain_timeout, self);
  drain_check (self);
}

/**
 * gate_http_server_drain_finish:
 *
 * Returns: whether every running request finished in time
 */
gboolean
gate_http_server_drain_finish (GateHttpServer  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gate_http_server_disconnect:
 *
 * Closes the listening sockets and every connection.
 */
void
gate_http_server_disconnect (GateHttpServer *self)
{
  g_return_if_fail (GATE_IS_HTTP_SERVER (self));

  if (self->server != NULL)
    soup_server_disconnect (self->server);
}

/* --- object ------------------------------------------------------------------ */

static void
gate_http_server_constructed (GObject *object)
{
  GateHttpServer *self = GATE_HTTP_SERVER (object);

  G_OBJECT_CLASS (gate_http_server_parent_class)->constructed (object);

  self->auth = gate_auth_new (self->pool);
  if (self->auth_limiter == NULL)
    self->auth_limiter = gate_auth_limiter_new (GATE_AUTH_LIMITER_DEFAULT_MAX_FAILURES,
                                                GATE_AUTH_LIMITER_DEFAULT_WINDOW_S);
  self->catalog = gate_rpc_catalog_new (self->pool);
  self->server = soup_server_new ("server-header", "gate-server/" PACKAGE_VERSION,
                                  "tls-certificate", self->tls_certificate, NULL);
  soup_server_add_early_handler (self->server, NULL, handle_early, self, NULL);
  soup_server_add_handler (self->server, NULL, handle, self, NULL);
}

static void
gate_http_server_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GateHttpServer *self = GATE_HTTP_SERVER (object);

  switch (prop_id)
    {
    case PROP_POOL:
      g_value_set_object (value, self->pool);
      break;

    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, self->tls_certificate);
      break;

    case PROP_AUTH_LIMITER:
      g_value_set_object (value, self->auth_limiter);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_http_server_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GateHttpServer *self = GATE_HTTP_SERVER (object);

  switch (prop_id)
    {
    case PROP_POOL:
      self->pool = g_value_dup_object (value);
      break;

    case PROP_TLS_CERTIFICATE:
      self->tls_certificate = g_value_dup_object (value);
      break;

    case PROP_AUTH_LIMITER:
      self->auth_limiter = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_http_server_dispose (GObject *object)
{
  GateHttpServer *self = GATE_HTTP_SERVER (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_handle_id (&self->drain_timeout_id, g_source_remove);
  g_clear_object (&self->drain_task);
  g_clear_object (&self->catalog);
  g_clear_object (&self->auth);
  g_clear_object (&self->auth_limiter);
  g_clear_object (&self->pool);
  g_clear_object (&self->tls_certificate);

  G_OBJECT_CLASS (gate_http_server_parent_class)->dispose (object);
}

static void
gate_http_server_class_init (GateHttpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gate_http_server_constructed;
  object_class->get_property = gate_http_server_get_property;
  object_class->set_property = gate_http_server_set_property;
  object_class->dispose = gate_http_server_dispose;

  /**
   * GateHttpServer:pool:
   *
   * The database connections every request runs on.
   */
  properties[PROP_POOL] =
    g_param_spec_object ("pool", NULL, NULL, GATE_TYPE_DB_POOL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GateHttpServer:tls-certificate:
   *
   * When set, the server speaks HTTPS only.
   */
  properties[PROP_TLS_CERTIFICATE] =
    g_param_spec_object ("tls-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GateHttpServer:auth-limiter:
   *
   * Counts failed authentications per client address and blocks the
   * addresses that keep failing (429).
   */
  properties[PROP_AUTH_LIMITER] =
    g_param_spec_object ("auth-limiter", NULL, NULL, GATE_TYPE_AUTH_LIMITER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_http_server_init (GateHttpServer *self)
{
}
