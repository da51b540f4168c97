/* test-harness.c — the test harness itself brings up a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libpq-fe.h>
#include <libsoup/soup.h>

#include "gate-test-harness.h"
#include "gate-test-proxy.h"

static char *
query_one (const char *conninfo,
           const char *sql)
{
  PGconn *conn = PQconnectdb (conninfo);
  PGresult *result;
  char *value = NULL;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1)
    value = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  PQfinish (conn);
  return value;
}

static gboolean
return_later (gpointer user_data)
{
  g_task_return_int (user_data, GPOINTER_TO_INT (g_task_get_task_data (user_data)));
  return G_SOURCE_REMOVE;
}

static void
start_call (int                 value,
            GAsyncReadyCallback callback,
            gpointer            user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_task_data (task, GINT_TO_POINTER (value), NULL);
  g_timeout_add_full (G_PRIORITY_DEFAULT, 20, return_later, task, g_object_unref);
}

static void
test_async_wait_hands_out_each_result (void)
{
  g_auto(GateTestAsync) async = { 0 };

  /* One waiter, two calls in turn: each wait sees its own call's result. */
  start_call (7, gate_test_async_ready, &async);
  g_assert_cmpint (g_task_propagate_int (G_TASK (gate_test_async_wait (&async, 5000)), NULL), ==, 7);
  start_call (11, gate_test_async_ready, &async);
  g_assert_cmpint (g_task_propagate_int (G_TASK (gate_test_async_wait (&async, 5000)), NULL), ==, 11);
}

static void
test_pg_starts_and_answers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestPg) pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_autofree char *answer = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (pg);

  answer = query_one (gate_test_pg_get_conninfo (pg), "SELECT 6 * 7");
  g_assert_cmpstr (answer, ==, "42");
}

static void
test_pg_restarts_on_same_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestPg) pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  PGconn *conn;
  guint16 port;

  g_assert_no_error (error);
  port = gate_test_pg_get_port (pg);

  before = query_one (gate_test_pg_get_conninfo (pg), "CREATE TABLE kept (x int); SELECT 1");
  g_assert_true (gate_test_pg_stop (pg, &error));
  g_assert_no_error (error);

  conn = PQconnectdb (gate_test_pg_get_conninfo (pg));
  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_BAD);
  PQfinish (conn);

  g_assert_true (gate_test_pg_start (pg, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gate_test_pg_get_port (pg), ==, port);

  after = query_one (gate_test_pg_get_conninfo (pg), "SELECT count(*) FROM kept");
  g_assert_cmpstr (after, ==, "0");
}

/* --- proxy: an upstream that counts what reached it -------------------- */

typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  char         *url;
  gint          hits;
  GMutex        mutex;
  GCond         cond;
} Upstream;

static void
upstream_handle (SoupServer        *server,
                 SoupServerMessage *message,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  Upstream *upstream = user_data;
  static const char body[] = "[{\"answer\":42}]";

  g_atomic_int_inc (&upstream->hits);
  soup_server_message_set_status (message, 200, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC,
                                    body, strlen (body));
}

static gpointer
upstream_thread (gpointer user_data)
{
  Upstream *upstream = user_data;
  g_autoptr(SoupServer) server = NULL;
  GSList *uris;

  g_main_context_push_thread_default (upstream->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, upstream_handle, upstream, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, NULL));
  uris = soup_server_get_uris (server);

  g_mutex_lock (&upstream->mutex);
  upstream->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_cond_signal (&upstream->cond);
  g_mutex_unlock (&upstream->mutex);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (upstream->loop);
  soup_server_disconnect (server);
  g_main_context_pop_thread_default (upstream->context);
  return NULL;
}

static Upstream *
upstream_start (void)
{
  Upstream *upstream = g_new0 (Upstream, 1);

  g_mutex_init (&upstream->mutex);
  g_cond_init (&upstream->cond);
  upstream->context = g_main_context_new ();
  upstream->loop = g_main_loop_new (upstream->context, FALSE);
  upstream->thread = g_thread_new ("upstream", upstream_thread, upstream);

  g_mutex_lock (&upstream->mutex);
  while (upstream->url == NULL)
    g_cond_wait (&upstream->cond, &upstream->mutex);
  g_mutex_unlock (&upstream->mutex);
  return upstream;
}

static gboolean
quit_upstream (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
upstream_stop (Upstream *upstream)
{
  g_main_context_invoke (upstream->context, quit_upstream, upstream->loop);
  g_thread_join (upstream->thread);
  g_main_loop_unref (upstream->loop);
  g_main_context_unref (upstream->context);
  g_mutex_clear (&upstream->mutex);
  g_cond_clear (&upstream->cond);
  g_free (upstream->url);
  g_free (upstream);
}

/* Send one POST through the proxy; returns the status (0 on transport error). */
static guint
post_through (GateTestProxy  *proxy,
              GBytes        **body_out,
              GError        **error)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 5, NULL);
  g_autofree char *url = g_strconcat (gate_test_proxy_get_url (proxy), "/rest/v1/rpc/x", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new_static ("{}", 2);
  GBytes *body;

  soup_message_set_request_body_from_bytes (message, "application/json", request);
  body = soup_session_send_and_read (session, message, NULL, error);
  if (body == NULL)
    return 0;

  if (body_out != NULL)
    *body_out = body;
  else
    g_bytes_unref (body);
  return soup_message_get_status (message);
}

static void
test_proxy_passes_through (void)
{
  Upstream *upstream = upstream_start ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (upstream->url, &error);
  g_autoptr(GBytes) body = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (post_through (proxy, &body, &error), ==, 200);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "[{\"answer\":42}]", 15);
  g_assert_cmpint (g_atomic_int_get (&upstream->hits), ==, 1);
  g_assert_cmpuint (gate_test_proxy_get_forwarded (proxy), ==, 1);

  g_clear_pointer (&proxy, gate_test_proxy_free);
  upstream_stop (upstream);
}

static void
test_proxy_loses_response_after_forwarding (void)
{
  Upstream *upstream = upstream_start ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (upstream->url, &error);

  g_assert_no_error (error);
  gate_test_proxy_set_mode (proxy, GATE_TEST_PROXY_LOSE_RESPONSE);
  g_assert_cmpuint (post_through (proxy, NULL, &error), ==, 0);
  g_assert_nonnull (error);
  /* The server did the work; only the answer was lost. */
  g_assert_cmpint (g_atomic_int_get (&upstream->hits), ==, 1);

  g_clear_pointer (&proxy, gate_test_proxy_free);
  upstream_stop (upstream);
}

static void
test_proxy_injects_503_without_forwarding (void)
{
  Upstream *upstream = upstream_start ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (upstream->url, &error);

  g_assert_no_error (error);
  gate_test_proxy_set_mode (proxy, GATE_TEST_PROXY_STATUS_503);
  g_assert_cmpuint (post_through (proxy, NULL, &error), ==, 503);
  g_assert_cmpint (g_atomic_int_get (&upstream->hits), ==, 0);
  g_assert_cmpuint (gate_test_proxy_get_received (proxy), ==, 1);

  g_clear_pointer (&proxy, gate_test_proxy_free);
  upstream_stop (upstream);
}

static void
test_proxy_truncates_body (void)
{
  Upstream *upstream = upstream_start ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (upstream->url, &error);
  g_autoptr(GBytes) body = NULL;
  guint status;

  g_assert_no_error (error);
  gate_test_proxy_set_mode (proxy, GATE_TEST_PROXY_TRUNCATE);
  status = post_through (proxy, &body, &error);
  /* Either the client notices the short body, or it gets less than was sent. */
  if (status != 0)
    g_assert_cmpuint (g_bytes_get_size (body), <, 15);
  else
    g_assert_nonnull (error);
  g_assert_cmpint (g_atomic_int_get (&upstream->hits), ==, 1);

  g_clear_pointer (&proxy, gate_test_proxy_free);
  upstream_stop (upstream);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/harness/async/wait-hands-out-each-result", test_async_wait_hands_out_each_result);
  g_test_add_func ("/harness/pg/starts-and-answers", test_pg_starts_and_answers);
  g_test_add_func ("/harness/pg/restarts-on-same-port", test_pg_restarts_on_same_port);

  g_test_add_func ("/harness/proxy/passes-through", test_proxy_passes_through);
  g_test_add_func ("/harness/proxy/loses-response-after-forwarding", test_proxy_loses_response_after_forwarding);
  g_test_add_func ("/harness/proxy/injects-503-without-forwarding", test_proxy_injects_503_without_forwarding);
  g_test_add_func ("/harness/proxy/truncates-body", test_proxy_truncates_body);

  return g_test_run ();
}
