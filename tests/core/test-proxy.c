/* test-proxy.c — a command line tool's calls follow http_proxy and no_proxy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gatectl calls gate_proxy_use_environment(): its sessions take their proxy
 * from the environment, as curl and git do, instead of loading GIO's proxy
 * modules at every run. The environment is read once a process, so each
 * test runs in a subprocess of its own.
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "gate-api-client.h"
#include "gate-proxy.h"
#include "gate-test-harness.h"

#define TOKEN        "gst_proxy-test-token"
#define DEVICE_ID    "dev-proxy"
/* No such host (RFC 2606): reached through the proxy, or not at all. */
#define FAR_HOST     "gate-server.proxy-test.invalid"

typedef struct
{
  SoupServer *server;
  char       *url;
  GPtrArray  *hosts;   /* the host each request named */
} Server;

/* One of each a (sub)process; they live as long as it. */
static Server proxy;
static Server direct;

static const char * const proxy_variables[] = {
  "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
};

static void
on_request (SoupServer        *soup_server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Server *server = user_data;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%f+00:00");
  g_autofree char *body = g_strdup_printf ("[{\"device_id\":\"%s\",\"server_time\":\"%s\"}]", DEVICE_ID, time);

  g_ptr_array_add (server->hosts, g_strdup (g_uri_get_host (soup_server_message_get_uri (message))));
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json; charset=utf-8", SOUP_MEMORY_COPY, body,
                                    strlen (body));
}

static void
server_start (Server *server)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  server->hosts = g_ptr_array_new_with_free_func (g_free);
  server->server = soup_server_new ("server-header", "proxy-test", NULL);
  soup_server_add_handler (server->server, NULL, on_request, server, NULL);
  soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server->server);
  server->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static void
heartbeat (const char *base_url)
{
  g_autoptr(GateApiClient) client = gate_api_client_new (base_url, TOKEN, DEVICE_ID);
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GError) error = NULL;

  gate_api_client_heartbeat_async (client, "test", 0, 0, NULL, gate_test_async_ready, &waiter);
  g_assert_true (gate_api_client_heartbeat_finish (client, gate_test_async_wait (&waiter, 20000), &error));
  g_assert_no_error (error);
}

/* Whether a GIO proxy module (glib-networking's libproxy or GNOME one) has
 * been loaded into this process. */
static gboolean
proxy_module_loaded (void)
{
  g_autofree char *maps = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  return strstr (maps, "libgiolibproxy") != NULL || strstr (maps, "libgiognomeproxy") != NULL;
}

/* Run in a subprocess each: the environment is read once a process. */
static void
test_calls_go_through_http_proxy (void)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  server_start (&proxy);
  server_start (&direct);
  g_setenv ("http_proxy", proxy.url, TRUE);
  g_unsetenv ("HTTP_PROXY");
  g_setenv ("no_proxy", "localhost, 127.0.0.1", TRUE);
  gate_proxy_use_environment ();

  /* The proxy is asked for the far server by name. */
  heartbeat ("http://" FAR_HOST);
  g_assert_cmpuint (proxy.hosts->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (proxy.hosts, 0), ==, FAR_HOST);
  g_assert_cmpuint (direct.hosts->len, ==, 0);

  /* A host of no_proxy is called directly. */
  heartbeat (direct.url);
  g_assert_cmpuint (direct.hosts->len, ==, 1);
  g_assert_cmpuint (proxy.hosts->len, ==, 1);
}

/* With no proxy in the environment: no proxy, and no module loaded to
 * find one (GIO's default resolver loads libproxy's and GNOME's). */
static void
test_no_proxy_loads_no_module (void)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  server_start (&direct);
  for (guint i = 0; i < G_N_ELEMENTS (proxy_variables); i++)
    g_unsetenv (proxy_variables[i]);
  gate_proxy_use_environment ();

  heartbeat (direct.url);
  g_assert_cmpuint (direct.hosts->len, ==, 1);
  g_assert_false (proxy_module_loaded ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proxy/calls-go-through-http-proxy", test_calls_go_through_http_proxy);
  g_test_add_func ("/proxy/no-proxy-loads-no-module", test_no_proxy_loads_no_module);

  return g_test_run ();
}
