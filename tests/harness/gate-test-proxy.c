/* gate-test-proxy.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include <libsoup/soup.h>

#include "gate-test-proxy.h"

struct _GateTestProxy
{
  GThread           *thread;
  GMainContext      *context;
  GMainLoop         *loop;
  SoupServer        *server;
  SoupSession       *session;
  char              *upstream;
  char              *url;
  GPtrArray         *hanging;   /* paused messages answered at shutdown */

  GMutex             mutex;
  GCond              ready_cond;
  gboolean           ready;
  GError            *start_error;
  GateTestProxyMode  mode;
  guint              switch_at;     /* received count that triggers the switch; 0: none */
  GateTestProxyMode  switch_mode;
  guint              delay_ms;
  guint              received;
  guint              forwarded;
};

typedef struct
{
  GateTestProxy     *proxy;
  SoupServerMessage *message;
  GateTestProxyMode  mode;
  guint              status;
  char              *content_type;
  GBytes            *body;
} Exchange;

static void
exchange_free (Exchange *exchange)
{
  g_clear_object (&exchange->message);
  g_clear_pointer (&exchange->body, g_bytes_unref);
  g_free (exchange->content_type);
  g_free (exchange);
}

static void
close_connection (SoupServerMessage *message)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (message);

  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

/* An abortive close: SO_LINGER with a zero timeout makes close() send RST
 * instead of FIN, so the client reads "connection reset by peer", as when
 * a NAT box or a crashing proxy drops the connection. */
static void
reset_connection (SoupServerMessage *message)
{
  GSocket *socket = soup_server_message_get_socket (message);
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };
  g_autoptr(GIOStream) stream = NULL;

  g_assert_nonnull (socket);
  g_assert_no_errno (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger));
  stream = soup_server_message_steal_connection (message);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

static void
send_truncated (SoupServerMessage *message,
                guint              status,
                GBytes            *body)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (message);
  g_autofree char *head = NULL;
  gsize size = body ? g_bytes_get_size (body) : 0;
  GOutputStream *out;

  if (stream == NULL)
    return;

  head = g_strdup_printf ("HTTP/1.1 %u OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                          status, size);
  out = g_io_stream_get_output_stream (stream);
  g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
  if (size > 1)
    g_output_stream_write_all (out, g_bytes_get_data (body, NULL), size / 2, NULL, NULL, NULL);
  g_output_stream_flush (out, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

static void
answer (Exchange *exchange)
{
  SoupServerMessage *message = exchange->message;

  switch (exchange->mode)
    {
    case GATE_TEST_PROXY_LOSE_RESPONSE:
      close_connection (message);
      break;

    case GATE_TEST_PROXY_TRUNCATE:
      send_truncated (message, exchange->status, exchange->body);
      break;

    case GATE_TEST_PROXY_RESET:
      reset_connection (message);
      break;

    case GATE_TEST_PROXY_PASS:
    case GATE_TEST_PROXY_DELAY:
    default:
      soup_server_message_set_status (message, exchange->status, NULL);
      if (exchange->body != NULL)
        {
          gsize size;
          const char *data = g_bytes_get_data (exchange->body, &size);

          soup_server_message_set_response (message,
                                            exchange->content_type ? exchange->content_type
                                                                   : "application/json",
                                            SOUP_MEMORY_COPY, data, size);
        }
      soup_server_message_unpause (message);
      break;
    }

  exchange_free (exchange);
}

static gboolean
on_delay_elapsed (gpointer user_data)
{
  answer (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_upstream_answered (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Exchange *exchange = user_data;
  SoupMessage *upstream_message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  guint delay_ms;

  exchange->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (exchange->body == NULL)
    {
      /* The upstream is down: behave like a gateway that cannot reach it. */
      exchange->status = SOUP_STATUS_BAD_GATEWAY;
      exchange->body = g_bytes_new_static ("", 0);
    }
  else
    {
      exchange->status = soup_message_get_status (upstream_message);
      exchange->content_type = g_strdup (soup_message_headers_get_content_type (
        soup_message_get_response_headers (upstream_message), NULL));
    }

  g_mutex_lock (&exchange->proxy->mutex);
  exchange->proxy->forwarded++;
  delay_ms = exchange->proxy->delay_ms;
  g_mutex_unlock (&exchange->proxy->mutex);

  if (exchange->mode == GATE_TEST_PROXY_DELAY && delay_ms > 0)
    {
      g_autoptr(GSource) timer = g_timeout_source_new (delay_ms);

      g_source_set_callback (timer, on_delay_elapsed, exchange, NULL);
      g_source_attach (timer, exchange->proxy->context);
      return;
    }

  answer (exchange);
}

static void
copy_header (const char *name,
             const char *value,
             gpointer    user_data)
{
  SoupMessageHeaders *headers = user_data;

  if (g_ascii_strcasecmp (name, "Host") == 0 ||
      g_ascii_strcasecmp (name, "Content-Length") == 0 ||
      g_ascii_strcasecmp (name, "Connection") == 0)
    return;

  soup_message_headers_append (headers, name, value);
}

static void
forward (GateTestProxy     *proxy,
         SoupServerMessage *message,
         GateTestProxyMode  mode)
{
  Exchange *exchange = g_new0 (Exchange, 1);
  g_autoptr(SoupMessage) upstream_message = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *target = NULL;
  SoupMessageBody *body = soup_server_message_get_request_body (message);
  g_autoptr(GBytes) request_body = soup_message_body_flatten (body);

  exchange->proxy = proxy;
  exchange->message = g_object_ref (message);
  exchange->mode = mode;

  target = g_strconcat (proxy->upstream, g_uri_get_path (soup_server_message_get_uri (message)), NULL);
  upstream_message = soup_message_new (soup_server_message_get_method (message), target);
  soup_message_headers_foreach (soup_server_message_get_request_headers (message), copy_header,
                                soup_message_get_request_headers (upstream_message));
  if (g_bytes_get_size (request_body) > 0)
    soup_message_set_request_body_from_bytes (upstream_message,
                                              soup_message_headers_get_content_type (
                                                soup_server_message_get_request_headers (message), NULL),
                                              request_body);

  soup_server_message_pause (message);
  soup_session_send_and_read_async (proxy->session, upstream_message, G_PRIORITY_DEFAULT, NULL,
                                    on_upstream_answered, exchange);
}

static void
respond_static (SoupServerMessage *message,
                guint              status,
                const char        *body)
{
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, body, strlen (body));
}

static void
handle (SoupServer        *server,
        SoupServerMessage *message,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  GateTestProxy *proxy = user_data;
  GateTestProxyMode mode;

  g_mutex_lock (&proxy->mutex);
  if (proxy->switch_at != 0 && proxy->received >= proxy->switch_at)
    {
      proxy->mode = proxy->switch_mode;
      proxy->switch_at = 0;
    }
  proxy->received++;
  mode = proxy->mode;
  g_mutex_unlock (&proxy->mutex);

  switch (mode)
    {
    case GATE_TEST_PROXY_REFUSE:
      close_connection (message);
      break;

    case GATE_TEST_PROXY_STATUS_500:
      respond_static (message, 500,
                      "{\"code\":\"XX000\",\"message\":\"injected failure\",\"details\":null,\"hint\":null}");
      break;

    case GATE_TEST_PROXY_STATUS_503:
      respond_static (message, 503, "{\"code\":\"PGRST000\",\"message\":\"injected outage\"}");
      break;

    case GATE_TEST_PROXY_GARBAGE:
      respond_static (message, 200, "<html>captive portal</html>");
      break;

    case GATE_TEST_PROXY_HANG:
      soup_server_message_pause (message);
      g_ptr_array_add (proxy->hanging, g_object_ref (message));
      break;

    case GATE_TEST_PROXY_PASS:
    case GATE_TEST_PROXY_DELAY:
    case GATE_TEST_PROXY_LOSE_RESPONSE:
    case GATE_TEST_PROXY_TRUNCATE:
    case GATE_TEST_PROXY_RESET:
    default:
      forward (proxy, message, mode);
      break;
    }
}

static gpointer
proxy_thread (gpointer user_data)
{
  GateTestProxy *proxy = user_data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (proxy->context);

  proxy->server = soup_server_new (NULL, NULL);
  proxy->session = soup_session_new_with_options ("max-conns", 64, "max-conns-per-host", 64, NULL);
  soup_server_add_handler (proxy->server, NULL, handle, proxy, NULL);

  if (soup_server_listen_local (proxy->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      uris = soup_server_get_uris (proxy->server);
      proxy->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    }

  g_mutex_lock (&proxy->mutex);
  proxy->start_error = g_steal_pointer (&error);
  proxy->ready = TRUE;
  g_cond_signal (&proxy->ready_cond);
  g_mutex_unlock (&proxy->mutex);

  if (proxy->url != NULL)
    g_main_loop_run (proxy->loop);

  for (guint i = 0; i < proxy->hanging->len; i++)
    close_connection (g_ptr_array_index (proxy->hanging, i));
  g_ptr_array_set_size (proxy->hanging, 0);

  soup_server_disconnect (proxy->server);
  g_clear_object (&proxy->server);
  soup_session_abort (proxy->session);
  g_clear_object (&proxy->session);

  /* Let aborted exchanges finish their callbacks before the context goes. */
  while (g_main_context_pending (proxy->context))
    g_main_context_iteration (proxy->context, FALSE);

  g_main_context_pop_thread_default (proxy->context);
  return NULL;
}

GateTestProxy *
gate_test_proxy_new (const char  *upstream_url,
                     GError     **error)
{
  GateTestProxy *proxy = g_new0 (GateTestProxy, 1);

  g_mutex_init (&proxy->mutex);
  g_cond_init (&proxy->ready_cond);
  proxy->upstream = g_strdup (upstream_url);
  if (g_str_has_suffix (proxy->upstream, "/"))
    proxy->upstream[strlen (proxy->upstream) - 1] = '\0';
  proxy->context = g_main_context_new ();
  proxy->loop = g_main_loop_new (proxy->context, FALSE);
  proxy->hanging = g_ptr_array_new_with_free_func (g_object_unref);
  proxy->mode = GATE_TEST_PROXY_PASS;

  proxy->thread = g_thread_new ("gate-test-proxy", proxy_thread, proxy);

  g_mutex_lock (&proxy->mutex);
  while (!proxy->ready)
    g_cond_wait (&proxy->ready_cond, &proxy->mutex);
  g_mutex_unlock (&proxy->mutex);

  if (proxy->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&proxy->start_error));
      gate_test_proxy_free (proxy);
      return NULL;
    }

  return proxy;
}

const char *
gate_test_proxy_get_url (GateTestProxy *proxy)
{
  return proxy->url;
}

void
gate_test_proxy_set_mode (GateTestProxy     *proxy,
                          GateTestProxyMode  mode)
{
  g_mutex_lock (&proxy->mutex);
  proxy->mode = mode;
  g_mutex_unlock (&proxy->mutex);
}

void
gate_test_proxy_switch_after (GateTestProxy     *proxy,
                              guint              requests,
                              GateTestProxyMode  mode)
{
  g_mutex_lock (&proxy->mutex);
  proxy->switch_at = proxy->received + requests;
  proxy->switch_mode = mode;
  g_mutex_unlock (&proxy->mutex);
}

void
gate_test_proxy_set_delay (GateTestProxy *proxy,
                           guint          delay_ms)
{
  g_mutex_lock (&proxy->mutex);
  proxy->delay_ms = delay_ms;
  g_mutex_unlock (&proxy->mutex);
}

guint
gate_test_proxy_get_received (GateTestProxy *proxy)
{
  guint value;

  g_mutex_lock (&proxy->mutex);
  value = proxy->received;
  g_mutex_unlock (&proxy->mutex);
  return value;
}

guint
gate_test_proxy_get_forwarded (GateTestProxy *proxy)
{
  guint value;

  g_mutex_lock (&proxy->mutex);
  value = proxy->forwarded;
  g_mutex_unlock (&proxy->mutex);
  return value;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
gate_test_proxy_free (GateTestProxy *proxy)
{
  if (proxy == NULL)
    return;

  if (proxy->thread != NULL)
    {
      g_main_context_invoke (proxy->context, quit_loop, proxy->loop);
      g_thread_join (proxy->thread);
    }

  g_clear_pointer (&proxy->hanging, g_ptr_array_unref);
  g_clear_pointer (&proxy->loop, g_main_loop_unref);
  g_clear_pointer (&proxy->context, g_main_context_unref);
  g_clear_error (&proxy->start_error);
  g_mutex_clear (&proxy->mutex);
  g_cond_clear (&proxy->ready_cond);
  g_free (proxy->upstream);
  g_free (proxy->url);
  g_free (proxy);
}
