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
 * A request, from its headers to its answer, is in
 * gate-http-server-requests.c (see gate-http-server-private.h); this file
 * holds the object, its listeners, /metrics and draining.
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

/* GSocket's default backlog of 10 overflows when a venue's kiosks all
 * reconnect at once, and the overflowing connections get reset. */
#define LISTEN_BACKLOG 1024

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

/* --- public API ------------------------------------------------------------ */

/**
 * gate_http_server_config_init:
 * @config: (out caller-allocates): the defaults of docs/gate-server.md
 */
void
gate_http_server_config_init (GateHttpServerConfig *config)
{
  *config = (GateHttpServerConfig) {
    .http = {
      .max_connections = GATE_HTTP_DEFAULT_MAX_CONNECTIONS,
      .header_timeout_s = GATE_HTTP_DEFAULT_HEADER_TIMEOUT_S,
      .idle_timeout_s = GATE_HTTP_DEFAULT_IDLE_TIMEOUT_S,
      .request_timeout_s = GATE_HTTP_DEFAULT_REQUEST_TIMEOUT_S,
    },
    .unauthenticated_timeout_s = GATE_HTTP_DEFAULT_UNAUTHENTICATED_TIMEOUT_S,
    .call = { GATE_DEFAULT_STATEMENT_TIMEOUT_MS, GATE_DEFAULT_LOCK_TIMEOUT_MS },
    .max_answer = GATE_HTTP_DEFAULT_MAX_ANSWER,
    .cors_origins = NULL,
  };
}

/**
 * gate_http_server_new:
 * @tls_certificate: (nullable): serve HTTPS with it
 * @auth_limiter: (nullable): limits failed authentications per address;
 *   %NULL: the defaults of gate-auth-limiter.h
 * @config: (nullable): %NULL for the defaults
 */
GateHttpServer *
gate_http_server_new (GateDbPool                 *pool,
                      GTlsCertificate            *tls_certificate,
                      GateAuthLimiter            *auth_limiter,
                      const GateHttpServerConfig *config)
{
  GateHttpServer *self;

  g_return_val_if_fail (GATE_IS_DB_POOL (pool), NULL);
  g_return_val_if_fail (tls_certificate == NULL || G_IS_TLS_CERTIFICATE (tls_certificate), NULL);
  g_return_val_if_fail (auth_limiter == NULL || GATE_IS_AUTH_LIMITER (auth_limiter), NULL);

  self = g_object_new (GATE_TYPE_HTTP_SERVER, "pool", pool, "tls-certificate", tls_certificate,
                       "auth-limiter", auth_limiter, NULL);
  if (config != NULL)
    {
      self->config = *config;
      self->cors_origins = g_strdupv ((GStrv) config->cors_origins);
      self->config.cors_origins = NULL;
    }
  return self;
}

/* A TCP socket bound to @address ("HOST:PORT") and listening. */
static GSocket *
listening_socket_new (const char  *address,
                      guint16      default_port,
                      GError     **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketAddressEnumerator) enumerator = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) socket = NULL;

  connectable = g_network_address_parse (address, default_port, error);
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
  return g_steal_pointer (&socket);
}

/* "http://HOST:PORT" of a listening socket: the real port when 0 was
 * asked for. */
static char *
socket_url (GSocket     *socket,
            gboolean     tls,
            GError     **error)
{
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address (socket, error);
  g_autofree char *host = NULL;
  gboolean ipv6;

  if (bound == NULL)
    return NULL;

  host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (bound)));
  ipv6 = strchr (host, ':') != NULL;
  return g_strdup_printf ("%s://%s%s%s:%u", tls ? "https" : "http", ipv6 ? "[" : "", host, ipv6 ? "]" : "",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
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
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (GATE_IS_HTTP_SERVER (self), NULL);
  g_return_val_if_fail (self->listener == NULL, NULL);

  socket = listening_socket_new (address, 8080, error);
  if (socket == NULL)
    return NULL;

  self->listener = gate_http_listener_new (self->server, self->tls_certificate, &self->config.http);
  if (!gate_http_listener_listen (self->listener, socket, error))
    {
      g_clear_object (&self->listener);
      return NULL;
    }

  return socket_url (socket, self->tls_certificate != NULL, error);
}

/* --- /metrics, on a listener of its own -------------------------------------------- */

static void
handle_metrics (SoupServer        *server,
                SoupServerMessage *message,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  GateHttpServer *self = user_data;
  const char *method = soup_server_message_get_method (message);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);
  GateMetricsGauges gauges = { 0 };
  char *text;

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  if (!g_str_equal (path, "/metrics"))
    {
      soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (message, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC,
                                        "Only /metrics here\n", strlen ("Only /metrics here\n"));
      return;
    }
  if (!g_str_equal (method, SOUP_METHOD_GET) && !g_str_equal (method, SOUP_METHOD_HEAD))
    {
      soup_message_headers_replace (headers, "Allow", "GET, HEAD");
      soup_server_message_set_status (message, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  gate_db_pool_get_stats (self->pool, &gauges.pool);
  gauges.database_available = gate_db_pool_get_available (self->pool);
  if (self->listener != NULL)
    {
      gauges.connections_open = gate_http_listener_get_n_connections (self->listener);
      gauges.connections_refused = gate_http_listener_get_n_refused (self->listener);
    }

  text = gate_metrics_render (self->metrics, &gauges);
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "text/plain; version=0.0.4; charset=utf-8", SOUP_MEMORY_TAKE, text,
                                    strlen (text));
}

/**
 * gate_http_server_listen_metrics:
 * @address: "HOST:PORT"; port 0 picks a free one
 *
 * Serves GET /metrics (Prometheus's text format) on a listener of its own,
 * plain HTTP, never on the API's port: it shows how busy the server is,
 * which is nobody's business but the operator's. A handful of
 * connections, short deadlines.
 *
 * Returns: (transfer full): the URL it listens on
 */
char *
gate_http_server_listen_metrics (GateHttpServer  *self,
                                 const char      *address,
                                 GError         **error)
{
  const GateHttpLimits limits = {
    .max_connections = GATE_HTTP_METRICS_MAX_CONNECTIONS,
    .header_timeout_s = GATE_HTTP_DEFAULT_HEADER_TIMEOUT_S,
    .idle_timeout_s = GATE_HTTP_DEFAULT_IDLE_TIMEOUT_S,
    .request_timeout_s = GATE_HTTP_DEFAULT_HEADER_TIMEOUT_S,
  };
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (GATE_IS_HTTP_SERVER (self), NULL);
  g_return_val_if_fail (self->metrics_listener == NULL, NULL);

  socket = listening_socket_new (address, GATE_HTTP_DEFAULT_METRICS_PORT, error);
  if (socket == NULL)
    return NULL;

  self->metrics_server = soup_server_new ("server-header", "gate-server/" PACKAGE_VERSION, NULL);
  soup_server_add_handler (self->metrics_server, NULL, handle_metrics, self, NULL);
  self->metrics_listener = gate_http_listener_new (self->metrics_server, NULL, &limits);
  if (!gate_http_listener_listen (self->metrics_listener, socket, error))
    {
      g_clear_object (&self->metrics_listener);
      g_clear_object (&self->metrics_server);
      return NULL;
    }

  return socket_url (socket, FALSE, error);
}

/**
 * gate_http_server_get_metrics:
 *
 * Returns: (transfer none): what the server counts
 */
GateMetrics *
gate_http_server_get_metrics (GateHttpServer *self)
{
  g_return_val_if_fail (GATE_IS_HTTP_SERVER (self), NULL);

  return self->metrics;
}

static void
drain_done (GateHttpServer *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->drain_task);

  g_clear_handle_id (&self->drain_timeout_id, g_source_remove);
  if (task != NULL)
    g_task_return_boolean (task, self->n_in_flight == 0);
}

void
_gate_http_server_drain_check (GateHttpServer *self)
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
  _gate_http_server_drain_check (self);
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

  if (self->listener != NULL)
    gate_http_listener_close (self->listener);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  if (self->metrics_listener != NULL)
    gate_http_listener_close (self->metrics_listener);
  if (self->metrics_server != NULL)
    soup_server_disconnect (self->metrics_server);
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
  self->metrics = gate_metrics_new ();
  self->server = soup_server_new ("server-header", "gate-server/" PACKAGE_VERSION,
                                  "tls-certificate", self->tls_certificate, NULL);
  soup_server_add_early_handler (self->server, NULL, _gate_http_server_handle_early, self, NULL);
  soup_server_add_handler (self->server, NULL, _gate_http_server_handle, self, NULL);
  g_signal_connect_object (self->server, "request-finished", G_CALLBACK (_gate_http_server_on_request_done), self, 0);
  g_signal_connect_object (self->server, "request-aborted", G_CALLBACK (_gate_http_server_on_request_aborted), self, 0);
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

  if (self->listener != NULL)
    gate_http_listener_close (self->listener);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  if (self->metrics_listener != NULL)
    gate_http_listener_close (self->metrics_listener);
  if (self->metrics_server != NULL)
    soup_server_disconnect (self->metrics_server);
  g_clear_object (&self->listener);
  g_clear_object (&self->server);
  g_clear_object (&self->metrics_listener);
  g_clear_object (&self->metrics_server);
  g_clear_handle_id (&self->drain_timeout_id, g_source_remove);
  g_clear_object (&self->drain_task);
  g_clear_object (&self->catalog);
  g_clear_object (&self->metrics);
  g_clear_object (&self->auth);
  g_clear_object (&self->auth_limiter);
  g_clear_object (&self->pool);
  g_clear_object (&self->tls_certificate);
  g_clear_pointer (&self->cors_origins, g_strfreev);

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
  gate_http_server_config_init (&self->config);
}
