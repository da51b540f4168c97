/* test-server.c — gate-server over real HTTP against a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <libpq-fe.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gate-test-harness.h"

/* One backend for the whole program: tests use their own tickets and
 * devices, so they do not see each other's effects. */
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

/* POST @json to <@base_url>/rest/v1/rpc/<@function> with @token as bearer
 * (NULL: no auth header), synchronously on @session. Returns the HTTP
 * status, 0 when the request failed at transport level (then @body holds
 * the transport error). */
static guint
rpc (SoupSession  *session,
     const char   *base_url,
     const char   *token,
     const char   *function,
     const char   *json,
     char        **body)
{
  g_autofree char *url = g_strdup_printf ("%s/rest/v1/rpc/%s", base_url, function);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new (json, strlen (json));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (message);
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", bearer);
    }
  soup_message_set_request_body_from_bytes (message, "application/json", request);

  answer = soup_session_send_and_read (session, message, NULL, &error);
  if (answer == NULL)
    {
      if (body != NULL)
        *body = g_strdup (error->message);
      return 0;
    }

  if (body != NULL)
    *body = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  return soup_message_get_status (message);
}

/* @member of the @index-th object of a JSON array (or of a lone object),
 * as a string; NULL when absent or null. */
static char *
json_member (const char *json,
             guint       index,
             const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *node;
  JsonObject *object;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return NULL;

  node = json_parser_get_root (parser);
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      if (index >= json_array_get_length (json_node_get_array (node)))
        return NULL;
      node = json_array_get_element (json_node_get_array (node), index);
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  object = json_node_get_object (node);
  if (!json_object_has_member (object, member) || json_object_get_null_member (object, member))
    return NULL;

  node = json_object_get_member (object, member);
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return json_to_string (node, FALSE);
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
  g_autofree char *scan_id = g_uuid_string_random ();

  return g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_device_id\":\"%s\","
                          "\"p_client_scan_id\":\"%s\"}",
                          token, backend.event, device_id, scan_id);
}

static guint
post (const char  *token,
      const char  *function,
      const char  *json,
      char       **body)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);

  return rpc (session, backend.url, token, function, json, body);
}

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

/* --- health and auth --------------------------------------------------------- */

static void
test_health_ok (void)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (backend.url, "/healthz", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, NULL);

  g_assert_nonnull (body);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
}

static void
test_auth_missing_token_401 (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);

  g_assert_cmpuint (post (NULL, "event_summary", json, &body), ==, 401);
  code = json_member (body, 0, "code");
  g_assert_nonnull (code);
}

static void
test_auth_unknown_token_401 (void)
{
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);

  g_assert_cmpuint (post ("gst_not-a-real-token", "event_summary", json, NULL), ==, 401);
}

static void
test_auth_revoked_token_401_at_once (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *out = NULL;
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);

  g_assert_true (gate_test_add_device (backend.pg, "to-revoke", "gate", &device_id, &token, &error));
  g_assert_cmpuint (post (token, "event_summary", json, NULL), ==, 200);

  out = gate_test_gatectl (&error, "device", "revoke", "--db", gate_test_pg_get_conninfo (backend.pg),
                           device_id, NULL);
  g_assert_no_error (error);

  /* The very next request, although the token is in the server's cache. */
  g_assert_cmpuint (post (token, "event_summary", json, NULL), ==, 401);
}

static void
test_auth_apikey_header_accepted (void)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (backend.url, "/rest/v1/rpc/event_summary", NULL);
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);
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
  code = json_member (body, 0, "code");
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
  g_autofree char *status = NULL;

  g_assert_cmpuint (post (backend.gate_token, "scan_ticket", json, NULL), ==, 403);

  /* Nothing was scanned in someone else's name. */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT status FROM tickets WHERE qr_token = '%s'", ticket);

    status = sql_value (sql);
    g_assert_cmpstr (status, ==, "valid");
  }
}

/* --- protocol errors ----------------------------------------------------------- */

static void
test_rpc_unknown_function_404 (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "drop_everything", "{}", &body), ==, 404);
  code = json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST202");
}

static void
test_rpc_unknown_argument_404 (void)
{
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\",\"p_evil\":1}", backend.event);
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "event_summary", json, &body), ==, 404);
  code = json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST202");
}

static void
test_rpc_internal_function_not_exposed (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "gate_authenticate", "{\"p_token_hash\":\"x\"}", &body), ==, 404);
  code = json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST202");
}

static void
test_rpc_garbage_json_400 (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "event_summary", "{\"p_event_id\": nope", &body), ==, 400);
  code = json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST102");
}

static void
test_rpc_non_object_json_400 (void)
{
  g_assert_cmpuint (post (backend.gate_token, "event_summary", "[1,2,3]", NULL), ==, 400);
}

static void
test_rpc_deep_json_400_no_crash (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"p_event_id\":");

  for (guint i = 0; i < 200000; i++)
    g_string_append_c (deep, '[');
  g_assert_cmpuint (post (backend.gate_token, "event_summary", deep->str, NULL), ==, 400);
  /* …and the server is still there. */
  test_health_ok ();
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
  test_health_ok ();
}

static void
test_rpc_bad_uuid_400 (void)
{
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpuint (post (backend.gate_token, "event_summary", "{\"p_event_id\":\"not-a-uuid\"}", &body), ==, 400);
  code = json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "22P02");
}

static void
test_rpc_invalid_utf8_400 (void)
{
  g_assert_cmpuint (post (backend.gate_token, "event_summary", "{\"p_event_id\":\"\xff\xfe\"}", NULL), ==, 400);
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

  racer->status = rpc (session, backend.url, racer->token, "scan_ticket", json, &body);
  racer->verdict = racer->status == 200 ? json_member (body, 0, "verdict") : g_strdup (body);
  racer->scanned_device = json_member (body, 0, "scanned_device");
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
      racers[i].ticket = ticket;
      racers[i].device_id = device_ids[i % 8];
      racers[i].token = tokens[i % 8];
      racers[i].mutex = &mutex;
      racers[i].cond = &cond;
      racers[i].go = &go;
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

#define MANY_TICKETS  2000
#define MANY_CLIENTS  16
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

      if (rpc (session, backend.url, client->token, "scan_ticket", json, &body) != 200)
        {
          client->failures++;
          continue;
        }
      verdict = json_member (body, 0, "verdict");
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
      clients[c].index = c;
      clients[c].tickets = tickets;
      clients[c].device_id = device_ids[c];
      clients[c].token = tokens[c];
      clients[c].admits = admits;
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

typedef struct
{
  guint    status;
  gboolean done;
} SlowCall;

static gpointer
call_slow (gpointer user_data)
{
  SlowCall *call = user_data;

  call->status = post (backend.gate_token, "test_slow", "{\"p_seconds\":3}", NULL);
  g_atomic_int_set (&call->done, TRUE);
  return NULL;
}

static gboolean
slow_started (gpointer user_data)
{
  g_autofree char *running = sql_value ("SELECT count(*) FROM pg_stat_activity "
                                        "WHERE query LIKE '%test_slow%' AND state = 'active' "
                                        "AND pid <> pg_backend_pid()");

  return g_strcmp0 (running, "0") != 0;
}

static void
test_slow_query_does_not_block_others (void)
{
  g_autofree char *created = NULL;
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);
  SlowCall call = { 0 };
  GThread *thread;
  gint64 started;

  created = sql_value ("CREATE OR REPLACE FUNCTION public.test_slow(p_seconds float8) RETURNS TABLE(slept float8) "
                       "LANGUAGE sql AS $$ SELECT p_seconds FROM pg_sleep(p_seconds) $$; "
                       "GRANT EXECUTE ON FUNCTION public.test_slow(float8) TO gate_device; "
                       "SELECT 1");
  /* A new function: let the server reload its catalog on first use. */
  thread = g_thread_new ("slow", call_slow, &call);
  g_assert_true (gate_test_wait_until (NULL, slow_started, NULL, 10000));

  started = g_get_monotonic_time ();
  g_assert_cmpuint (post (backend.gate_token, "event_summary", json, NULL), ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
  g_assert_false (g_atomic_int_get (&call.done));

  g_thread_join (thread);
  g_assert_cmpuint (call.status, ==, 200);
}

/* --- process life --------------------------------------------------------------- */

static void
test_sigterm_exits_cleanly (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestServer) server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  int status = -1;

  g_assert_no_error (error);
  g_assert_true (gate_test_server_stop (server, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
}

static gboolean
healthy (gpointer user_data)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 2, NULL);
  g_autofree char *url = g_strconcat (backend.url, "/healthz", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, NULL);

  return body != NULL && soup_message_get_status (message) == 200;
}

static void
test_database_restart_503_then_recovers (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);
  g_autofree char *body = NULL;
  gint64 started;

  g_assert_true (gate_test_pg_stop (backend.pg, &error));
  g_assert_no_error (error);

  started = g_get_monotonic_time ();
  g_assert_cmpuint (post (backend.gate_token, "event_summary", json, &body), ==, 503);
  g_assert_false (healthy (NULL));
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);

  g_assert_true (gate_test_pg_start (backend.pg, &error));
  g_assert_no_error (error);
  g_assert_true (gate_test_wait_until (NULL, healthy, NULL, 20000));
  g_assert_cmpuint (post (backend.gate_token, "event_summary", json, NULL), ==, 200);
}

static gboolean
accept_self_signed (SoupMessage          *message,
                    GTlsCertificate      *certificate,
                    GTlsCertificateFlags  errors,
                    gpointer              user_data)
{
  return TRUE;
}

static void
test_tls_serves_https (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *dir = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *cmd = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *url = NULL;
  int status;

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed");
      return;
    }

  dir = g_dir_make_tmp ("gate-tls-XXXXXX", &error);
  g_assert_no_error (error);
  cert = g_build_filename (dir, "cert.pem", NULL);
  key = g_build_filename (dir, "key.pem", NULL);
  cmd = g_strdup_printf ("%s req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                         "-keyout %s -out %s", openssl, key, cert);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, &error));
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  {
    const char *args[] = { "--tls-cert", cert, "--tls-key", key, NULL };

    server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), args, &error);
  }
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (gate_test_server_get_url (server), "https://"));

  session = soup_session_new ();
  url = g_strconcat (gate_test_server_get_url (server), "/healthz", NULL);
  message = soup_message_new ("GET", url);
  g_signal_connect (message, "accept-certificate", G_CALLBACK (accept_self_signed), NULL);
  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);

  g_unlink (cert);
  g_unlink (key);
  g_rmdir (dir);
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
  g_test_add_func ("/server/rpc/unknown-function-404", test_rpc_unknown_function_404);
  g_test_add_func ("/server/rpc/unknown-argument-404", test_rpc_unknown_argument_404);
  g_test_add_func ("/server/rpc/internal-function-not-exposed", test_rpc_internal_function_not_exposed);
  g_test_add_func ("/server/rpc/garbage-json-400", test_rpc_garbage_json_400);
  g_test_add_func ("/server/rpc/non-object-json-400", test_rpc_non_object_json_400);
  g_test_add_func ("/server/rpc/deep-json-400-no-crash", test_rpc_deep_json_400_no_crash);
  g_test_add_func ("/server/rpc/oversized-body-413", test_rpc_oversized_body_413);
  g_test_add_func ("/server/rpc/bad-uuid-400", test_rpc_bad_uuid_400);
  g_test_add_func ("/server/rpc/invalid-utf8-400", test_rpc_invalid_utf8_400);
  g_test_add_func ("/server/scan/storm-64-clients-one-admit", test_scan_storm_64_clients_one_admit);
  g_test_add_func ("/server/scan/2000-tickets-16-clients-each-admitted-once",
                   test_scan_2000_tickets_16_clients_each_admitted_once);
  g_test_add_func ("/server/pool/slow-query-does-not-block-others", test_slow_query_does_not_block_others);
  g_test_add_func ("/server/process/sigterm-exits-cleanly", test_sigterm_exits_cleanly);
  g_test_add_func ("/server/tls/serves-https", test_tls_serves_https);
  g_test_add_func ("/server/db/restart-503-then-recovers", test_database_restart_503_then_recovers);

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
