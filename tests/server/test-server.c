/* test-server.c — gate-server over real HTTP against a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>

#include "gate-test-harness.h"

/* One backend for the whole program: tests use their own tickets, devices
 * and functions, so they do not see each other's effects. The tests that
 * stop PostgreSQL run last. */
static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  const char     *url;
  char           *event;
  char           *gate_id;
  char           *gate_token;
  char           *supervisor_id;
  char           *supervisor_token;
} backend;

/* --- helpers ------------------------------------------------------------------ */

static guint
post (const char  *token,
      const char  *function,
      const char  *json,
      char       **body)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);

  return gate_test_rpc (session, backend.url, token, function, json, body);
}

static char *
event_json (void)
{
  return g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);
}

static char *
new_ticket (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tokens = gate_test_generate_tickets (backend.pg, backend.event, 1, "General", &error);

  g_assert_no_error (error);
  return g_strdup (tokens[0]);
}

static char *
scan_json (const char *token,
           const char *device_id)
{
  g_autofree char *scan_id = gate_test_uuid ();

  return g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_device_id\":\"%s\","
                          "\"p_client_scan_id\":\"%s\"}",
                          token, backend.event, device_id, scan_id);
}

/* Runs @sql as the superuser; returns the first cell, if any. */
static char *
sql_value (const char *sql)
{
  PGconn *conn = PQconnectdb (gate_test_pg_get_conninfo (backend.pg));
  PGresult *result;
  char *value = NULL;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_TUPLES_OK && PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  if (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) > 0)
    value = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  PQfinish (conn);
  return value;
}

/* A test-only function in schema public, callable by gate devices. */
static void
create_function (const char *signature,
                 const char *returns,
                 const char *body)
{
  g_autofree char *name = g_strndup (signature, strcspn (signature, "("));
  /* Made part of the API as migrations/postgres does it: granted to the
   * device role by name, not to PUBLIC. */
  g_autofree char *sql = g_strdup_printf ("CREATE OR REPLACE FUNCTION public.%s RETURNS %s LANGUAGE sql AS $$ %s $$; "
                                          "REVOKE ALL ON FUNCTION public.%s FROM PUBLIC; "
                                          "GRANT EXECUTE ON FUNCTION public.%s TO gate_device",
                                          signature, returns, body, name, name);
  g_autofree char *ignored = sql_value (sql);
}

/* Test-only functions, there before the server reads its catalog. */
static void
create_test_functions (void)
{
  g_autofree char *ignored = NULL;

  create_function ("test_add(p_a int, p_b int DEFAULT 1)", "int", "SELECT p_a + p_b");
  create_function ("test_nothing(p_x text)", "void", "SELECT");
  create_function ("test_is_null(p_x text)", "boolean", "SELECT p_x IS NULL");
  create_function ("test_next(p_n int, OUT next int)", "int", "SELECT p_n + 1");
  create_function ("test_slow(p_seconds float8)", "TABLE(slept float8)", "SELECT p_seconds FROM pg_sleep(p_seconds)");
  ignored = sql_value ("CREATE FUNCTION public.test_raise() RETURNS int LANGUAGE plpgsql AS $$ BEGIN "
                       "RAISE EXCEPTION 'no way' USING DETAIL = 'because', HINT = 'try later'; END $$; "
                       "REVOKE ALL ON FUNCTION public.test_raise() FROM PUBLIC; "
                       "GRANT EXECUTE ON FUNCTION public.test_raise() TO gate_device");
}

static guint
get_status (const char *url,
            const char *path)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 5, NULL);
  g_autofree char *full = g_strconcat (url, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", full);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, NULL);

  return body != NULL ? soup_message_get_status (message) : 0;
}

static gboolean
healthy (gpointer user_data)
{
  return get_status (user_data ? user_data : backend.url, "/healthz") == 200;
}

/* Sends @request as raw bytes and returns what comes back until the server
 * closes the connection or @timeout_s passes; for malformed HTTP that no
 * client library would send. */
static char *
raw_exchange (const char *request,
              gsize       length,
              guint       timeout_s)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) answer = g_string_new (NULL);
  GSocket *socket;
  char buffer[4096];
  gssize n;

  g_socket_client_set_timeout (client, timeout_s);
  connection = g_socket_client_connect_to_uri (client, backend.url, 80, NULL, &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (connection);

  /* The server may stop reading and answer early: a failed send is fine. */
  for (gsize sent = 0; sent < length; sent += n)
    if ((n = g_socket_send_with_blocking (socket, request + sent, length - sent, TRUE, NULL, NULL)) <= 0)
      break;
  while ((n = g_socket_receive_with_blocking (socket, buffer, sizeof buffer, TRUE, NULL, NULL)) > 0)
    g_string_append_len (answer, buffer, n);

  return g_string_free (g_steal_pointer (&answer), FALSE);
}

/* --- health ----------------------------------------------------------------- */

static void
test_health_ok (void)
{
  g_assert_cmpuint (get_status (backend.url, "/healthz"), ==, 200);
}

/* --- auth ------------------------------------------------------------------- */

static void
test_auth_missing_token_401 (void)
{
  g_autofree char *json = event_json ();
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (NULL, "event_summary", json, &body), ==, 401);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST301");
}

static void
test_auth_unknown_token_401 (void)
{
  g_autofree char *json = event_json ();
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post ("gst_not-a-real-token", "event_summary", json, &body), ==, 401);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST301");
}

static void
test_auth_revoked_token_401_at_once (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *out = NULL;
  g_autofree char *json = event_json ();

  g_assert_true (gate_test_add_device (backend.pg, "to-revoke", "gate", &device_id, &token, &error));
  g_assert_cmpuint (post (token, "event_summary", json, NULL), ==, 200);

  out = gate_test_gatectl (&error, "device", "revoke", "--db", gate_test_pg_get_conninfo (backend.pg),
                           device_id, NULL);
  g_assert_no_error (error);

  /* The very next request, although the server has the token cached. */
  g_assert_cmpuint (post (token, "event_summary", json, NULL), ==, 401);
  g_assert_cmpuint (post (token, "event_summary", json, NULL), ==, 401);
}

static void
test_auth_apikey_header_accepted (void)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (backend.url, "/rest/v1/rpc/event_summary", NULL);
  g_autofree char *json = event_json ();
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new (json, strlen (json));
  g_autoptr(GBytes) body = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (message), "apikey", backend.gate_token);
  soup_message_set_request_body_from_bytes (message, "application/json", request);
  body = soup_session_send_and_read (session, message, NULL, NULL);

  g_assert_nonnull (body);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
}

static void
test_auth_gate_cannot_review_conflicts_403 (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "review_conflict",
                          "{\"p_conflict_id\":1,\"p_reviewed_by\":\"mallory\"}", &body), ==, 403);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "42501");
}

static void
test_auth_supervisor_lists_conflicts (void)
{
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\",\"p_include_reviewed\":true}", backend.event);
  g_autofree char *body = NULL;

  g_assert_cmpuint (post (backend.supervisor_token, "list_conflicts", json, &body), ==, 200);
  g_assert_true (g_str_has_prefix (body, "["));
}

static void
test_auth_spoofed_device_id_403 (void)
{
  g_autofree char *ticket = new_ticket ();
  g_autofree char *json = scan_json (ticket, backend.supervisor_id);
  g_autofree char *sql = g_strdup_printf ("SELECT status FROM tickets WHERE qr_token = '%s'", ticket);
  g_autofree char *status = NULL;

  g_assert_cmpuint (post (backend.gate_token, "scan_ticket", json, NULL), ==, 403);

  /* Nothing was scanned in someone else's name. */
  status = sql_value (sql);
  g_assert_cmpstr (status, ==, "valid");
}

/* --- calls ------------------------------------------------------------------ */

static void
test_rpc_table_function_answers_array (void)
{
  g_autofree char *json = event_json ();
  g_autofree char *body = NULL;
  g_autofree char *name = NULL;

  g_assert_cmpuint (post (backend.gate_token, "event_summary", json, &body), ==, 200);
  g_assert_true (g_str_has_prefix (body, "["));
  name = gate_test_json_member (body, 0, "name");
  g_assert_cmpstr (name, ==, "Server tests");
}

static void
test_rpc_scan_admits_then_already_scanned (void)
{
  g_autofree char *ticket = new_ticket ();
  g_autofree char *first = scan_json (ticket, backend.gate_id);
  g_autofree char *second = scan_json (ticket, backend.gate_id);
  g_autofree char *body = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *again = NULL;
  g_autofree char *scanned_device = NULL;

  g_assert_cmpuint (post (backend.gate_token, "scan_ticket", first, &body), ==, 200);
  verdict = gate_test_json_member (body, 0, "verdict");
  g_assert_cmpstr (verdict, ==, "admitted");
  g_clear_pointer (&body, g_free);

  g_assert_cmpuint (post (backend.gate_token, "scan_ticket", second, &body), ==, 200);
  again = gate_test_json_member (body, 0, "verdict");
  scanned_device = gate_test_json_member (body, 0, "scanned_device");
  g_assert_cmpstr (again, ==, "already_scanned");
  g_assert_cmpstr (scanned_device, ==, backend.gate_id);
}

static void
test_rpc_json_array_argument (void)
{
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *json = g_strdup_printf ("{\"p_device_id\":\"%s\",\"p_scans\":[{\"client_scan_id\":\"%s\","
                                           "\"qr_token\":\"NO-SUCH-TICKET\",\"event_id\":\"%s\","
                                           "\"scanned_at\":\"2026-01-01T20:00:00Z\",\"clock_offset_ms\":0}]}",
                                           backend.gate_id, scan_id, backend.event);
  g_autofree char *body = NULL;
  g_autofree char *outcome = NULL;
  g_autofree char *echoed = NULL;

  g_assert_cmpuint (post (backend.gate_token, "sync_offline_scans", json, &body), ==, 200);
  outcome = gate_test_json_member (body, 0, "outcome");
  echoed = gate_test_json_member (body, 0, "client_scan_id");
  g_assert_cmpstr (outcome, ==, "not_found");
  g_assert_cmpstr (echoed, ==, scan_id);
}

static void
test_rpc_scalar_function_answers_value (void)
{
  g_autofree char *body = NULL;

  g_assert_cmpuint (post (backend.gate_token, "test_add", "{\"p_a\":40,\"p_b\":2}", &body), ==, 200);
  g_assert_cmpstr (body, ==, "42");
  g_clear_pointer (&body, g_free);

  /* Defaults may be left out. */
  g_assert_cmpuint (post (backend.gate_token, "test_add", "{\"p_a\":41}", &body), ==, 200);
  g_assert_cmpstr (body, ==, "42");
}

static void
test_rpc_out_parameters_answer_objects (void)
{
  g_autofree char *body = NULL;

  /* As PostgREST: named after the column, even when there is only one. */
  g_assert_cmpuint (post (backend.gate_token, "test_slow", "{\"p_seconds\":0}", &body), ==, 200);
  g_assert_cmpstr (body, ==, "[{\"slept\":0}]");
  g_clear_pointer (&body, g_free);

  g_assert_cmpuint (post (backend.gate_token, "test_next", "{\"p_n\":41}", &body), ==, 200);
  g_assert_cmpstr (body, ==, "{\"next\":42}");
}

static void
test_rpc_void_function_answers_204 (void)
{
  g_autofree char *body = NULL;

  g_assert_cmpuint (post (backend.gate_token, "test_nothing", "{\"p_x\":\"y\"}", &body), ==, 204);
  g_assert_true (body == NULL || *body == '\0');
}

static void
test_rpc_json_null_is_sql_null (void)
{
  g_autofree char *body = NULL;

  g_assert_cmpuint (post (backend.gate_token, "test_is_null", "{\"p_x\":null}", &body), ==, 200);
  g_assert_cmpstr (body, ==, "true");
  g_clear_pointer (&body, g_free);

  g_assert_cmpuint (post (backend.gate_token, "test_is_null", "{\"p_x\":\"null\"}", &body), ==, 200);
  g_assert_cmpstr (body, ==, "false");
}

static void
test_rpc_empty_body_means_no_arguments (void)
{
  g_autofree char *body = NULL;

  /* list_devices' only argument has a default. */
  g_assert_cmpuint (post (backend.supervisor_token, "list_devices", "", &body), ==, 200);
  g_assert_true (g_str_has_prefix (body, "["));
}

static gboolean
fresh_function_callable (gpointer user_data)
{
  g_autofree char *body = NULL;

  return post (backend.gate_token, "test_fresh", "{}", &body) == 200 && g_strcmp0 (body, "\"fresh\"") == 0;
}

static guint
post_typed (const char *content_type,
            const char *json)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autofree char *url = g_strconcat (backend.url, "/rest/v1/rpc/event_summary", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new (json, strlen (json));
  g_autofree char *bearer = g_strconcat ("Bearer ", backend.gate_token, NULL);
  g_autoptr(GBytes) body = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", bearer);
  soup_message_set_request_body_from_bytes (message, content_type, request);
  body = soup_session_send_and_read (session, message, NULL, NULL);
  return body != NULL ? soup_message_get_status (message) : 0;
}

static void
test_rpc_any_content_type_read_as_json (void)
{
  g_autofree char *json = event_json ();

  /* curl -d sends form encoding: the body is still what counts. */
  g_assert_cmpuint (post_typed ("application/x-www-form-urlencoded", json), ==, 200);
  g_assert_cmpuint (post_typed ("text/plain", "p_event_id=1"), ==, 400);
}

static void
test_rpc_new_function_found_without_restart (void)
{
  /* The server read its catalog at start; this function is newer. It
   * rereads at most once a second, so give it a few. */
  create_function ("test_fresh()", "text", "SELECT 'fresh'");
  g_assert_true (gate_test_wait_until (NULL, fresh_function_callable, NULL, 5000));
}

/* --- protocol errors ----------------------------------------------------------- */

static void
test_rpc_unknown_function_404 (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "drop_everything", "{}", &body), ==, 404);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST202");
}

static void
test_rpc_unknown_argument_404 (void)
{
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\",\"p_evil\":1}", backend.event);
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;
  g_autofree char *hint = NULL;

  g_assert_cmpuint (post (backend.gate_token, "event_summary", json, &body), ==, 404);
  code = gate_test_json_member (body, 0, "code");
  hint = gate_test_json_member (body, 0, "hint");
  g_assert_cmpstr (code, ==, "PGRST202");
  g_assert_nonnull (strstr (hint, "p_event_id"));
}

static void
test_rpc_missing_argument_404 (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "event_summary", "{}", &body), ==, 404);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST202");
}

static void
test_rpc_internal_function_not_exposed (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "gate_authenticate", "{\"p_token_hash\":\"x\"}", &body), ==, 404);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST202");
}

static void
test_rpc_wrong_method_405 (void)
{
  g_assert_cmpuint (get_status (backend.url, "/rest/v1/rpc/event_summary"), ==, 405);
}

static void
test_rpc_unknown_path_404 (void)
{
  g_assert_cmpuint (get_status (backend.url, "/rest/v1/tickets"), ==, 404);
}

static void
test_rpc_garbage_json_400 (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "event_summary", "{\"p_event_id\": nope", &body), ==, 400);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST102");
}

static void
test_rpc_non_object_json_400 (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "event_summary", "[1,2,3]", &body), ==, 400);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST102");
}

static void
test_rpc_deep_json_400 (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"p_event_id\":");

  for (guint i = 0; i < 200000; i++)
    g_string_append_c (deep, '[');
  g_assert_cmpuint (post (backend.gate_token, "event_summary", deep->str, NULL), ==, 400);
  g_assert_true (healthy (NULL));
}

/* json-glib reads more than JSON; what it alone would take must not get
 * past the raw checks (this crashed gate-server, or leaked, before). */
static void
test_rpc_json_glib_extensions_400 (void)
{
  g_autoptr(GString) hidden = g_string_new ("{\"p_event_id\":['\"', ");
  static const char *const bodies[] = {
    "{\"p_event_id\":'x'}",
    "{\"p_event_id\":null /* comment */}",
    "{}{\"p_event_id\":null}",
    " \n",
    "{\"p_event_id\":\"\\ud800\\u0041\"}",
  };

  for (guint i = 0; i < 300000; i++)
    g_string_append_c (hidden, '[');
  g_assert_cmpuint (post (backend.gate_token, "event_summary", hidden->str, NULL), ==, 400);

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autofree char *body = NULL;
      g_autofree char *code = NULL;

      g_test_message ("%s", bodies[i]);
      g_assert_cmpuint (post (backend.gate_token, "event_summary", bodies[i], &body), ==, 400);
      code = gate_test_json_member (body, 0, "code");
      g_assert_cmpstr (code, ==, "PGRST102");
    }

  g_assert_true (healthy (NULL));
}

static void
test_rpc_invalid_utf8_400 (void)
{
  g_assert_cmpuint (post (backend.gate_token, "event_summary", "{\"p_event_id\":\"\xff\xfe\"}", NULL), ==, 400);
}

static void
test_rpc_nul_bytes_400 (void)
{
  static const char json[] = "{\"p_event_id\":\"a\0b\"}";
  g_autofree char *request = g_strdup_printf ("POST /rest/v1/rpc/event_summary HTTP/1.1\r\nHost: x\r\n"
                                              "Authorization: Bearer %s\r\nConnection: close\r\n"
                                              "Content-Length: %zu\r\n\r\n",
                                              backend.gate_token, sizeof json - 1);
  g_autoptr(GString) bytes = g_string_new (request);
  g_autofree char *answer = NULL;

  g_string_append_len (bytes, json, sizeof json - 1);
  answer = raw_exchange (bytes->str, bytes->len, 10);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 400"));
  g_assert_nonnull (strstr (answer, "PGRST102"));

  /* …and the escaped form, which json-glib would cut the string at. */
  g_assert_cmpuint (post (backend.gate_token, "event_summary", "{\"p_event_id\":\"a\\u0000b\"}", NULL), ==, 400);
}

static void
test_rpc_oversized_body_413 (void)
{
  gsize size = 9 * 1024 * 1024;
  g_autofree char *big = g_malloc (size + 1);

  memset (big, ' ', size);
  big[0] = '{';
  big[size - 1] = '}';
  big[size] = '\0';
  g_assert_cmpuint (post (backend.gate_token, "event_summary", big, NULL), ==, 413);
  g_assert_true (healthy (NULL));
}

static void
test_rpc_oversized_chunked_body_413 (void)
{
  g_autofree char *head = g_strdup_printf ("POST /rest/v1/rpc/event_summary HTTP/1.1\r\nHost: x\r\n"
                                           "Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n",
                                           backend.gate_token);
  g_autoptr(GString) request = g_string_new (head);
  g_autofree char *chunk = g_malloc (64 * 1024);
  g_autofree char *answer = NULL;

  /* 9 MiB of whitespace in 64 KiB chunks: no length to refuse up front. */
  memset (chunk, ' ', 64 * 1024);
  for (guint i = 0; i < 9 * 16; i++)
    {
      g_string_append_printf (request, "%x\r\n", 64 * 1024);
      g_string_append_len (request, chunk, 64 * 1024);
      g_string_append (request, "\r\n");
    }
  g_string_append (request, "0\r\n\r\n");

  answer = raw_exchange (request->str, request->len, 30);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 413"));
  g_assert_true (healthy (NULL));
}

static void
test_rpc_huge_headers_refused (void)
{
  g_autoptr(GString) request = g_string_new ("POST /rest/v1/rpc/event_summary HTTP/1.1\r\nHost: x\r\n");
  g_autofree char *answer = NULL;

  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (request, "X-Padding-%u: %0100u\r\n", i, i);
  g_string_append (request, "Content-Length: 2\r\n\r\n{}");

  answer = raw_exchange (request->str, request->len, 30);
  g_assert_false (g_str_has_prefix (answer, "HTTP/1.1 200"));
  g_assert_true (healthy (NULL));
}

static void
test_rpc_bad_uuid_400 (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "event_summary", "{\"p_event_id\":\"not-a-uuid\"}", &body), ==, 400);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "22P02");
}

static void
test_rpc_raised_exception_400_with_details (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;
  g_autofree char *details = NULL;
  g_autofree char *hint = NULL;

  g_assert_cmpuint (post (backend.gate_token, "test_raise", "{}", &body), ==, 400);
  code = gate_test_json_member (body, 0, "code");
  message = gate_test_json_member (body, 0, "message");
  details = gate_test_json_member (body, 0, "details");
  hint = gate_test_json_member (body, 0, "hint");
  g_assert_cmpstr (code, ==, "P0001");
  g_assert_cmpstr (message, ==, "no way");
  g_assert_cmpstr (details, ==, "because");
  g_assert_cmpstr (hint, ==, "try later");
}

/* --- concurrency ------------------------------------------------------------------ */

typedef struct
{
  const char *ticket;
  const char *device_id;
  const char *token;
  GMutex     *mutex;
  GCond      *cond;
  gboolean   *go;
  char       *verdict;
  char       *scanned_device;
  guint       status;
} Racer;

static gpointer
race (gpointer user_data)
{
  Racer *racer = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autofree char *json = scan_json (racer->ticket, racer->device_id);
  g_autofree char *body = NULL;

  g_mutex_lock (racer->mutex);
  while (!*racer->go)
    g_cond_wait (racer->cond, racer->mutex);
  g_mutex_unlock (racer->mutex);

  racer->status = gate_test_rpc (session, backend.url, racer->token, "scan_ticket", json, &body);
  racer->verdict = racer->status == 200 ? gate_test_json_member (body, 0, "verdict") : g_strdup (body);
  racer->scanned_device = gate_test_json_member (body, 0, "scanned_device");
  return NULL;
}

static void
test_scan_storm_64_clients_one_admit (void)
{
  g_autofree char *ticket = new_ticket ();
  char *device_ids[8];
  char *tokens[8];
  Racer racers[64] = { 0 };
  GThread *threads[64];
  GMutex mutex;
  GCond cond;
  gboolean go = FALSE;
  const char *winner = NULL;
  guint admitted = 0;
  guint already = 0;

  g_mutex_init (&mutex);
  g_cond_init (&cond);

  for (guint d = 0; d < G_N_ELEMENTS (device_ids); d++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("storm-%u", d);

      g_assert_true (gate_test_add_device (backend.pg, name, "gate", &device_ids[d], &tokens[d], &error));
    }

  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    {
      racers[i] = (Racer) { ticket, device_ids[i % 8], tokens[i % 8], &mutex, &cond, &go, NULL, NULL, 0 };
      threads[i] = g_thread_new ("racer", race, &racers[i]);
    }

  g_mutex_lock (&mutex);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&mutex);

  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    {
      if (racers[i].status != 200)
        g_test_message ("racer %u: status %u: %s", i, racers[i].status, racers[i].verdict);
      g_assert_cmpuint (racers[i].status, ==, 200);
      if (g_strcmp0 (racers[i].verdict, "admitted") == 0)
        {
          admitted++;
          winner = racers[i].device_id;
        }
      else if (g_strcmp0 (racers[i].verdict, "already_scanned") == 0)
        already++;
    }

  g_assert_cmpuint (admitted, ==, 1);
  g_assert_cmpuint (already, ==, 63);
  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    g_assert_cmpstr (racers[i].scanned_device, ==, winner);

  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    {
      g_free (racers[i].verdict);
      g_free (racers[i].scanned_device);
    }
  for (guint d = 0; d < G_N_ELEMENTS (device_ids); d++)
    {
      g_free (device_ids[d]);
      g_free (tokens[d]);
    }
  g_mutex_clear (&mutex);
  g_cond_clear (&cond);
}

#define MANY_TICKETS     2000
#define MANY_CLIENTS     16
#define SCANS_PER_TICKET 3

typedef struct
{
  guint        index;
  char       **tickets;
  const char  *device_id;
  const char  *token;
  gint        *admits;     /* per ticket, atomically */
  guint        failures;
} Client;

static gpointer
scan_many (gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (client->index);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));

  /* Each ticket goes to SCANS_PER_TICKET clients, each in its own order. */
  for (guint t = 0; t < MANY_TICKETS; t++)
    if ((t + client->index) % MANY_CLIENTS < SCANS_PER_TICKET)
      g_array_append_val (order, t);
  for (guint i = order->len; i > 1; i--)
    {
      guint j = g_rand_int_range (rand, 0, i);
      guint tmp = g_array_index (order, guint, i - 1);

      g_array_index (order, guint, i - 1) = g_array_index (order, guint, j);
      g_array_index (order, guint, j) = tmp;
    }

  for (guint i = 0; i < order->len; i++)
    {
      guint t = g_array_index (order, guint, i);
      g_autofree char *json = scan_json (client->tickets[t], client->device_id);
      g_autofree char *body = NULL;
      g_autofree char *verdict = NULL;

      guint status = gate_test_rpc (session, backend.url, client->token, "scan_ticket", json, &body);

      if (status != 200)
        {
          if (client->failures == 0)
            g_test_message ("client %u: %u %s", client->index, status, body);
          client->failures++;
          continue;
        }
      verdict = gate_test_json_member (body, 0, "verdict");
      if (g_strcmp0 (verdict, "admitted") == 0)
        g_atomic_int_inc (&client->admits[t]);
      else if (g_strcmp0 (verdict, "already_scanned") != 0)
        client->failures++;
    }

  return NULL;
}

static void
test_scan_2000_tickets_16_clients_each_admitted_once (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tickets = gate_test_generate_tickets (backend.pg, backend.event, MANY_TICKETS, "Bulk", &error);
  g_autofree gint *admits = g_new0 (gint, MANY_TICKETS);
  g_autofree char *successes = NULL;
  g_autofree char *multi = NULL;
  Client clients[MANY_CLIENTS] = { 0 };
  GThread *threads[MANY_CLIENTS];
  char *device_ids[MANY_CLIENTS];
  char *tokens[MANY_CLIENTS];

  g_assert_no_error (error);

  for (guint c = 0; c < MANY_CLIENTS; c++)
    {
      g_autofree char *name = g_strdup_printf ("bulk-%u", c);

      g_assert_true (gate_test_add_device (backend.pg, name, "gate", &device_ids[c], &tokens[c], &error));
      clients[c] = (Client) { c, tickets, device_ids[c], tokens[c], admits, 0 };
    }

  for (guint c = 0; c < MANY_CLIENTS; c++)
    threads[c] = g_thread_new ("client", scan_many, &clients[c]);
  for (guint c = 0; c < MANY_CLIENTS; c++)
    g_thread_join (threads[c]);

  for (guint c = 0; c < MANY_CLIENTS; c++)
    {
      g_assert_cmpuint (clients[c].failures, ==, 0);
      g_free (device_ids[c]);
      g_free (tokens[c]);
    }
  for (guint t = 0; t < MANY_TICKETS; t++)
    g_assert_cmpint (admits[t], ==, 1);

  successes = sql_value ("SELECT count(*) FROM scan_logs l JOIN tickets t ON t.id = l.ticket_id "
                         "WHERE l.scan_success AND t.ticket_type = 'Bulk'");
  g_assert_cmpstr (successes, ==, "2000");
  multi = sql_value ("SELECT count(*) FROM (SELECT l.ticket_id FROM scan_logs l WHERE l.scan_success "
                     "GROUP BY l.ticket_id HAVING count(*) > 1) AS dup");
  g_assert_cmpstr (multi, ==, "0");
}

/* --- the pool --------------------------------------------------------------------- */

typedef struct
{
  const char *url;
  guint       status;
  gint        done;
} SlowCall;

static gpointer
call_slow (gpointer user_data)
{
  SlowCall *call = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);

  call->status = gate_test_rpc (session, call->url, backend.gate_token, "test_slow", "{\"p_seconds\":2}", NULL);
  g_atomic_int_set (&call->done, TRUE);
  return NULL;
}

static gboolean
slow_running (gpointer user_data)
{
  g_autofree char *running = sql_value ("SELECT count(*) FROM pg_stat_activity "
                                        "WHERE query LIKE '%test_slow%' AND state = 'active' "
                                        "AND pid <> pg_backend_pid()");

  return g_strcmp0 (running, "0") != 0;
}

static gboolean
slow_finished (gpointer user_data)
{
  return !slow_running (NULL);
}

static gboolean
slow_done (gpointer user_data)
{
  SlowCall *call = user_data;

  return g_atomic_int_get (&call->done);
}

static void
test_pool_slow_query_does_not_block_others (void)
{
  g_autofree char *json = event_json ();
  SlowCall call = { backend.url, 0, FALSE };
  GThread *thread;
  gint64 started;

  thread = g_thread_new ("slow", call_slow, &call);
  g_assert_true (gate_test_wait_until (NULL, slow_running, NULL, 10000));

  started = g_get_monotonic_time ();
  g_assert_cmpuint (post (backend.gate_token, "event_summary", json, NULL), ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
  g_assert_false (g_atomic_int_get (&call.done));

  g_thread_join (thread);
  g_assert_cmpuint (call.status, ==, 200);
}

static void
test_pool_client_hangs_up_during_query (void)
{
  g_autofree char *request = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = event_json ();
  static const char body[] = "{\"p_seconds\":1}";

  request = g_strdup_printf ("POST /rest/v1/rpc/test_slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                             "Content-Length: %zu\r\n\r\n%s", backend.gate_token, strlen (body), body);
  connection = g_socket_client_connect_to_uri (client, backend.url, 80, NULL, &error);
  g_assert_no_error (error);
  g_socket_send (g_socket_connection_get_socket (connection), request, strlen (request), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_wait_until (NULL, slow_running, NULL, 10000));

  /* Gone before the answer: the server must drop it without harm. */
  g_io_stream_close (G_IO_STREAM (connection), NULL, &error);
  g_assert_no_error (error);

  /* The query is cancelled (or ends), then its connection serves others again. */
  g_assert_true (gate_test_wait_until (NULL, slow_finished, NULL, 10000));
  g_assert_cmpuint (post (backend.gate_token, "event_summary", json, NULL), ==, 200);
  g_assert_true (healthy (NULL));
}

/* --- process life --------------------------------------------------------------- */

static void
test_process_sigterm_exits_cleanly (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestServer) server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  int status = -1;

  g_assert_no_error (error);
  g_assert_true (gate_test_wait_until (NULL, healthy, (gpointer) gate_test_server_get_url (server), 10000));
  g_assert_true (gate_test_server_stop (server, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
}

static void
test_process_sigterm_finishes_running_request (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestServer) server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  SlowCall call = { NULL, 0, FALSE };
  GThread *thread;
  int status = -1;

  g_assert_no_error (error);
  call.url = gate_test_server_get_url (server);
  g_assert_true (gate_test_wait_until (NULL, healthy, (gpointer) call.url, 10000));

  thread = g_thread_new ("slow", call_slow, &call);
  g_assert_true (gate_test_wait_until (NULL, slow_running, NULL, 10000));

  g_subprocess_send_signal (gate_test_server_get_process (server), SIGTERM);
  g_assert_true (gate_test_wait_until (NULL, slow_done, &call, 20000));
  g_thread_join (thread);
  g_assert_cmpuint (call.status, ==, 200);

  g_assert_true (gate_test_server_stop (server, &status, &error));
  g_assert_cmpint (status, ==, 0);
}

static void
test_tls_serves_https (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *dir = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *url = NULL;
  int status;

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed: cannot make a self-signed certificate");
      return;
    }

  dir = g_dir_make_tmp ("gate-tls-XXXXXX", &error);
  g_assert_no_error (error);
  cert = g_build_filename (dir, "cert.pem", NULL);
  key = g_build_filename (dir, "key.pem", NULL);
  {
    const char *argv[] = { openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                           "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  {
    const char *args[] = { "--tls-cert", cert, "--tls-key", key, NULL };

    server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), args, &error);
  }
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (gate_test_server_get_url (server), "https://127.0.0.1:"));

  session = soup_session_new ();
  url = g_strconcat (gate_test_server_get_url (server), "/rest/v1/rpc/event_summary", NULL);
  message = soup_message_new ("POST", url);
  g_signal_connect (message, "accept-certificate", G_CALLBACK (gate_test_accept_any_certificate), NULL);
  soup_message_headers_replace (soup_message_get_request_headers (message), "apikey", backend.gate_token);
  {
    g_autofree char *json = event_json ();
    g_autoptr(GBytes) request = g_bytes_new (json, strlen (json));

    soup_message_set_request_body_from_bytes (message, "application/json", request);
  }
  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);

  g_unlink (cert);
  g_unlink (key);
  g_rmdir (dir);
}

/* --- the database going away (last: they stop PostgreSQL) -------------------------- */

static void
test_db_restart_503_then_recovers (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = event_json ();
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;
  gint64 started;

  g_assert_true (gate_test_pg_stop (backend.pg, &error));
  g_assert_no_error (error);

  started = g_get_monotonic_time ();
  g_assert_cmpuint (post (backend.gate_token, "event_summary", json, &body), ==, 503);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST001");
  g_assert_cmpuint (get_status (backend.url, "/healthz"), ==, 503);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 2 * G_USEC_PER_SEC);

  g_assert_true (gate_test_pg_start (backend.pg, &error));
  g_assert_no_error (error);
  g_assert_true (gate_test_wait_until (NULL, healthy, NULL, 20000));
  g_assert_cmpuint (post (backend.gate_token, "event_summary", json, NULL), ==, 200);
}

typedef struct
{
  char     *line;
  gboolean  done;
} FirstLine;

static void
on_first_line (GObject      *stream,
               GAsyncResult *result,
               gpointer      user_data)
{
  FirstLine *first = user_data;

  first->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (stream), result, NULL, NULL);
  first->done = TRUE;
}

static void
die_with_test (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
test_db_down_at_start_then_connects (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  FirstLine first = { NULL, FALSE };
  g_autofree char *url = NULL;

  g_assert_true (gate_test_pg_stop (backend.pg, &error));
  g_assert_no_error (error);

  /* Started by hand: the harness waits for health, which cannot come yet. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_test, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("GATE_SERVER_BIN"),
                                         "--db", gate_test_pg_get_conninfo (backend.pg),
                                         "--listen", "127.0.0.1:0", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, on_first_line, &first);
  g_assert_true (gate_test_wait_for_flag (NULL, &first.done, 10000));
  g_assert_true (g_str_has_prefix (first.line, "listening on http://127.0.0.1:"));
  url = g_strdup (first.line + strlen ("listening on "));
  g_free (first.line);

  /* It listens anyway, answers 503, and connects once the database is up. */
  g_assert_cmpuint (get_status (url, "/healthz"), ==, 503);

  g_assert_true (gate_test_pg_start (backend.pg, &error));
  g_assert_no_error (error);
  g_assert_true (gate_test_wait_until (NULL, healthy, url, 20000));

  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  g_assert_no_error (error);
  backend.event = gate_test_create_event (backend.pg, "Server tests", &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (backend.pg, "gate-1", "gate", &backend.gate_id, &backend.gate_token, &error));
  g_assert_true (gate_test_add_device (backend.pg, "boss", "supervisor", &backend.supervisor_id,
                                       &backend.supervisor_token, &error));
  create_test_functions ();
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);
  backend.url = gate_test_server_get_url (backend.server);
  g_assert_true (gate_test_wait_until (NULL, healthy, NULL, 10000));

  g_test_add_func ("/server/health/ok", test_health_ok);

  g_test_add_func ("/server/auth/missing-token-401", test_auth_missing_token_401);
  g_test_add_func ("/server/auth/unknown-token-401", test_auth_unknown_token_401);
  g_test_add_func ("/server/auth/revoked-token-401-at-once", test_auth_revoked_token_401_at_once);
  g_test_add_func ("/server/auth/apikey-header-accepted", test_auth_apikey_header_accepted);
  g_test_add_func ("/server/auth/gate-cannot-review-conflicts-403", test_auth_gate_cannot_review_conflicts_403);
  g_test_add_func ("/server/auth/supervisor-lists-conflicts", test_auth_supervisor_lists_conflicts);
  g_test_add_func ("/server/auth/spoofed-device-id-403", test_auth_spoofed_device_id_403);

  g_test_add_func ("/server/rpc/table-function-answers-array", test_rpc_table_function_answers_array);
  g_test_add_func ("/server/rpc/scan-admits-then-already-scanned", test_rpc_scan_admits_then_already_scanned);
  g_test_add_func ("/server/rpc/json-array-argument", test_rpc_json_array_argument);
  g_test_add_func ("/server/rpc/scalar-function-answers-value", test_rpc_scalar_function_answers_value);
  g_test_add_func ("/server/rpc/out-parameters-answer-objects", test_rpc_out_parameters_answer_objects);
  g_test_add_func ("/server/rpc/void-function-answers-204", test_rpc_void_function_answers_204);
  g_test_add_func ("/server/rpc/json-null-is-sql-null", test_rpc_json_null_is_sql_null);
  g_test_add_func ("/server/rpc/empty-body-means-no-arguments", test_rpc_empty_body_means_no_arguments);
  g_test_add_func ("/server/rpc/any-content-type-read-as-json", test_rpc_any_content_type_read_as_json);
  g_test_add_func ("/server/rpc/new-function-found-without-restart", test_rpc_new_function_found_without_restart);
  g_test_add_func ("/server/rpc/unknown-function-404", test_rpc_unknown_function_404);
  g_test_add_func ("/server/rpc/unknown-argument-404", test_rpc_unknown_argument_404);
  g_test_add_func ("/server/rpc/missing-argument-404", test_rpc_missing_argument_404);
  g_test_add_func ("/server/rpc/internal-function-not-exposed", test_rpc_internal_function_not_exposed);
  g_test_add_func ("/server/rpc/wrong-method-405", test_rpc_wrong_method_405);
  g_test_add_func ("/server/rpc/unknown-path-404", test_rpc_unknown_path_404);
  g_test_add_func ("/server/rpc/garbage-json-400", test_rpc_garbage_json_400);
  g_test_add_func ("/server/rpc/non-object-json-400", test_rpc_non_object_json_400);
  g_test_add_func ("/server/rpc/deep-json-400", test_rpc_deep_json_400);
  g_test_add_func ("/server/rpc/json-glib-extensions-400", test_rpc_json_glib_extensions_400);
  g_test_add_func ("/server/rpc/invalid-utf8-400", test_rpc_invalid_utf8_400);
  g_test_add_func ("/server/rpc/nul-bytes-400", test_rpc_nul_bytes_400);
  g_test_add_func ("/server/rpc/oversized-body-413", test_rpc_oversized_body_413);
  g_test_add_func ("/server/rpc/oversized-chunked-body-413", test_rpc_oversized_chunked_body_413);
  g_test_add_func ("/server/rpc/huge-headers-refused", test_rpc_huge_headers_refused);
  g_test_add_func ("/server/rpc/bad-uuid-400", test_rpc_bad_uuid_400);
  g_test_add_func ("/server/rpc/raised-exception-400-with-details", test_rpc_raised_exception_400_with_details);

  g_test_add_func ("/server/scan/storm-64-clients-one-admit", test_scan_storm_64_clients_one_admit);
  g_test_add_func ("/server/scan/2000-tickets-16-clients-each-admitted-once",
                   test_scan_2000_tickets_16_clients_each_admitted_once);

  g_test_add_func ("/server/pool/slow-query-does-not-block-others", test_pool_slow_query_does_not_block_others);
  g_test_add_func ("/server/pool/client-hangs-up-during-query", test_pool_client_hangs_up_during_query);

  g_test_add_func ("/server/process/sigterm-exits-cleanly", test_process_sigterm_exits_cleanly);
  g_test_add_func ("/server/process/sigterm-finishes-running-request",
                   test_process_sigterm_finishes_running_request);
  g_test_add_func ("/server/tls/serves-https", test_tls_serves_https);

  g_test_add_func ("/server/db/restart-503-then-recovers", test_db_restart_503_then_recovers);
  g_test_add_func ("/server/db/down-at-start-then-connects", test_db_down_at_start_then_connects);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_free (backend.event);
  g_free (backend.gate_id);
  g_free (backend.gate_token);
  g_free (backend.supervisor_id);
  g_free (backend.supervisor_token);
  return result;
}
