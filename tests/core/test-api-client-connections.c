/* test-api-client-connections.c — which calls share a kept-alive connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A refresh makes eight calls; each used to open a connection of its own
 * (libsoup does so for a POST unless told the request may be sent twice),
 * which is a TCP and, on a real server, a TLS handshake per call. The
 * calls that may arrive twice share one connection; one that adds
 * something still gets a connection of its own.
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "gate-api-client.h"
#include "gate-error.h"
#include "gate-test-harness.h"

#define TOKEN     "gst_connections-test-token"
#define DEVICE_ID "dev-connections"

typedef struct
{
  SoupServer *server;
  char       *url;
  GArray     *ports;    /* the client's port of every request, in order */
} Server;

static void
on_request (SoupServer        *soup_server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Server *server = user_data;
  GSocketAddress *remote = soup_server_message_get_remote_address (message);
  guint16 port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote));
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%f+00:00");
  g_autofree char *body = g_strdup_printf ("[{\"device_id\":\"%s\",\"server_time\":\"%s\"}]", DEVICE_ID, time);

  g_array_append_val (server->ports, port);
  /* A heartbeat's row; what else is asked gets a refusal, which is enough
   * to see on which connection it came. */
  if (g_str_equal (path, "/rest/v1/rpc/device_heartbeat"))
    {
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "application/json; charset=utf-8", SOUP_MEMORY_COPY, body,
                                        strlen (body));
    }
  else
    {
      static const char refusal[] = "{\"code\":\"42501\",\"message\":\"not here\",\"details\":null,\"hint\":null}";

      soup_server_message_set_status (message, SOUP_STATUS_FORBIDDEN, NULL);
      soup_server_message_set_response (message, "application/json; charset=utf-8", SOUP_MEMORY_STATIC, refusal,
                                        strlen (refusal));
    }
}

static Server *
server_new (void)
{
  Server *server = g_new0 (Server, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  server->ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  server->server = soup_server_new ("server-header", "connections", NULL);
  soup_server_add_handler (server->server, NULL, on_request, server, NULL);
  soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server->server);
  server->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return server;
}

static void
server_free (Server *server)
{
  soup_server_disconnect (server->server);
  g_object_unref (server->server);
  g_array_unref (server->ports);
  g_free (server->url);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_free)

static guint16
port_of_request (Server *server,
                 guint   index)
{
  g_assert_cmpuint (index, <, server->ports->len);
  return g_array_index (server->ports, guint16, index);
}

static void
heartbeat (GateApiClient *client)
{
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GError) error = NULL;

  gate_api_client_heartbeat_async (client, "test", 0, 0, NULL, gate_test_async_ready, &waiter);
  g_assert_true (gate_api_client_heartbeat_finish (client, gate_test_async_wait (&waiter, 20000), &error));
  g_assert_no_error (error);
}

static void
test_calls_share_one_connection (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(GateApiClient) client = gate_api_client_new (server->url, TOKEN, DEVICE_ID);

  for (guint i = 0; i < 4; i++)
    heartbeat (client);

  g_assert_cmpuint (server->ports->len, ==, 4);
  for (guint i = 1; i < 4; i++)
    g_assert_cmpuint (port_of_request (server, i), ==, port_of_request (server, 0));
}

/* Sent twice, it would add the operator twice: it never goes on a
 * connection that the server may have closed meanwhile. */
static void
test_adding_an_operator_gets_its_own_connection (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(GateApiClient) client = gate_api_client_new (server->url, TOKEN, DEVICE_ID);
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GateOperator) added = NULL;

  heartbeat (client);
  gate_api_client_add_operator_async (client, "Ana", "4321", NULL, gate_test_async_ready, &waiter);
  added = gate_api_client_add_operator_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_null (added);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_FORBIDDEN);

  g_assert_cmpuint (server->ports->len, ==, 2);
  g_assert_cmpuint (port_of_request (server, 1), !=, port_of_request (server, 0));

  /* The next heartbeat opens nothing new: either kept-alive one will do. */
  heartbeat (client);
  g_assert_true (port_of_request (server, 2) == port_of_request (server, 0) ||
                 port_of_request (server, 2) == port_of_request (server, 1));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/api/connections/calls-share-one-connection", test_calls_share_one_connection);
  g_test_add_func ("/api/connections/adding-an-operator-gets-its-own-connection",
                   test_adding_an_operator_gets_its_own_connection);

  return g_test_run ();
}
