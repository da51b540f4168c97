/* test-attacks.c — gate-server and the SQL under attack (issue 11): a leaked
 * gate token, hostile bodies, idle connections, a locked row; real
 * gate-server processes against a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>

#include "gate-test-harness.h"

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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

/* --- helpers ------------------------------------------------------------------ */

static guint
post_to (const char  *url,
         const char  *token,
         const char  *function,
         const char  *json,
         char       **body)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);

  return gate_test_rpc (session, url, token, function, json, body);
}

static guint
post (const char  *token,
      const char  *function,
      const char  *json,
      char       **body)
{
  return post_to (backend.url, token, function, json, body);
}

/* Runs @sql as the superuser; returns the first cell, if any. */
static char *
sql_value (const char *sql)
{
  g_autoptr(PGconn) conn = PQconnectdb (gate_test_pg_get_conninfo (backend.pg));
  g_autoptr(PGresult) result = NULL;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_TUPLES_OK && PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  if (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) > 0 && !PQgetisnull (result, 0, 0))
    return g_strdup (PQgetvalue (result, 0, 0));
  return NULL;
}

static char *
code_of (const char *body)
{
  return gate_test_json_member (body, 0, "code");
}

static char **
new_tickets (const char *event,
             guint       count)
{
  g_autoptr(GError) error = NULL;
  char **tokens = gate_test_generate_tickets (backend.pg, event, count, "General", &error);

  g_assert_no_error (error);
  return tokens;
}

static char *
new_ticket (void)
{
  g_auto(GStrv) tokens = new_tickets (backend.event, 1);

  return g_strdup (tokens[0]);
}

static char *
ticket_id_of (const char *token)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM tickets WHERE qr_token = '%s'", token);

  return sql_value (sql);
}

static void
add_device (const char  *name,
            const char  *role,
            char       **id,
            char       **token)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_test_add_device (backend.pg, name, role, id, token, &error));
  g_assert_no_error (error);
}

static GateTestServer *
start_server (const char * const          *args,
              const GateTestServerOptions *options)
{
  g_autoptr(GError) error = NULL;
  GateTestServer *server = gate_test_server_new_with_options (gate_test_pg_get_conninfo (backend.pg), args,
                                                              options, &error);

  g_assert_no_error (error);
  return server;
}

static int
pid_of (GateTestServer *server)
{
  return (int) g_ascii_strtoll (g_subprocess_get_identifier (gate_test_server_get_process (server)), NULL, 10);
}

/* A field of /proc/PID/status, in kB. */
static guint64
proc_status_kb (GateTestServer *server,
                const char     *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid_of (server));
  g_autofree char *text = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  line = strstr (text, field);
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen (field) + 1, NULL, 10);
}

static guint
open_descriptors (GateTestServer *server)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", pid_of (server));
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* A blocking TCP socket to @url's port on 127.0.0.1, with receive and send
 * timeouts of @timeout_s, so that no read here can hang the test. */
static int
connect_raw (const char *url,
             guint       timeout_s)
{
  struct sockaddr_in addr = { 0 };
  struct timeval timeout = { timeout_s, 0 };
  const char *port = strrchr (url, ':');
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  g_assert_cmpint (fd, >=, 0);
  addr.sin_family = AF_INET;
  addr.sin_port = htons ((guint16) g_ascii_strtoull (port + 1, NULL, 10));
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static gboolean
send_all (int         fd,
          const char *data,
          gsize       length)
{
  for (gsize sent = 0; sent < length;)
    {
      ssize_t n = send (fd, data + sent, length - sent, MSG_NOSIGNAL);

      if (n <= 0)
        return FALSE;
      sent += (gsize) n;
    }
  return TRUE;
}

/* Reads until one whole answer (headers and a Content-Length body) has
 * come, the connection ends or the socket's timeout passes. */
static char *
read_answer (int fd)
{
  g_autoptr(GString) in = g_string_new (NULL);
  char buffer[8192];
  ssize_t n;

  while ((n = recv (fd, buffer, sizeof buffer, 0)) > 0)
    {
      const char *end;

      g_string_append_len (in, buffer, n);
      if ((end = strstr (in->str, "\r\n\r\n")) != NULL)
        {
          const char *length = g_strstr_len (in->str, end - in->str, "Content-Length: ");
          gsize body = length ? g_ascii_strtoull (length + strlen ("Content-Length: "), NULL, 10) : 0;

          if (in->len >= (gsize) (end + 4 - in->str) + body)
            break;
        }
    }
  return g_string_free (g_steal_pointer (&in), FALSE);
}

static guint
status_of_answer (const char *answer)
{
  return g_str_has_prefix (answer, "HTTP/1.1 ") ? (guint) g_ascii_strtoull (answer + 9, NULL, 10) : 0;
}

/* True when the peer has closed @fd (a read returns 0 or fails other than
 * by the socket's timeout). */
static gboolean
closed_by_peer (int fd)
{
  char buffer[256];
  ssize_t n = recv (fd, buffer, sizeof buffer, 0);

  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static char *
now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format_iso8601 (now);
}

static char *
health_request (void)
{
  return g_strdup ("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
}

static guint
health_status (const char *url)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 5, NULL);
  g_autofree char *full = g_strconcat (url, "/healthz", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", full);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, NULL);

  return body != NULL ? soup_message_get_status (message) : 0;
}

static gboolean
is_healthy (gpointer user_data)
{
  if (health_status (user_data) == 200)
    return TRUE;
  g_usleep (50 * 1000);
  return FALSE;
}

/* A test-only function in schema public, part of the API like the
 * project's own: granted to gate_device by name, not to PUBLIC. */
static void
create_function (const char *signature,
                 const char *returns,
                 const char *body)
{
  g_autofree char *name = g_strndup (signature, strcspn (signature, "("));
  g_autofree char *sql = g_strdup_printf ("CREATE OR REPLACE FUNCTION public.%s RETURNS %s LANGUAGE sql AS $$ %s $$; "
                                          "REVOKE ALL ON FUNCTION public.%s FROM PUBLIC; "
                                          "GRANT EXECUTE ON FUNCTION public.%s TO gate_device",
                                          signature, returns, body, name, name);
  g_autofree char *ignored = sql_value (sql);
}

typedef struct
{
  const char *pattern;
} Activity;

static gboolean
query_running (gpointer user_data)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%%s%%' "
                                          "AND state = 'active' AND pid <> pg_backend_pid()",
                                          (const char *) user_data);
  g_autofree char *running = sql_value (sql);

  return g_strcmp0 (running, "0") != 0;
}

static gboolean
query_gone (gpointer user_data)
{
  return !query_running (user_data);
}

/* --- 1: every call is the calling device's --------------------------------- */

static void
test_device_id_filled_from_the_token (void)
{
  g_autofree char *ticket = new_ticket ();
  g_autofree char *atomic_ticket = new_ticket ();
  g_autofree char *atomic_id = ticket_id_of (atomic_ticket);
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *scan = g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_client_scan_id\":\"%s\"}",
                                           ticket, backend.event, scan_id);
  g_autofree char *atomic = g_strdup_printf ("{\"p_ticket_id\":\"%s\",\"p_scanned_by\":null}", atomic_id);
  g_autofree char *body = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT string_agg(coalesce(scanned_device, 'nobody'), ',' "
                                          "ORDER BY qr_token = '%s' DESC) FROM tickets WHERE qr_token IN ('%s', '%s')",
                                          ticket, ticket, atomic_ticket);
  g_autofree char *devices = NULL;
  g_autofree char *expected = g_strdup_printf ("%s,%s", backend.gate_id, backend.gate_id);

  /* No p_device_id in either body: the call is the token's device's. */
  g_assert_cmpuint (post (backend.gate_token, "scan_ticket", scan, &body), ==, 200);
  verdict = gate_test_json_member (body, 0, "verdict");
  g_assert_cmpstr (verdict, ==, "admitted");
  g_assert_cmpuint (post (backend.gate_token, "scan_ticket_atomic", atomic, NULL), ==, 200);

  devices = sql_value (sql);
  g_assert_cmpstr (devices, ==, expected);
}

static void
test_original_upload_with_another_device_403 (void)
{
  g_autofree char *ticket = new_ticket ();
  g_autofree char *id = ticket_id_of (ticket);
  g_autofree char *json = g_strdup_printf ("{\"p_ticket_id\":\"%s\",\"p_scanned_by\":null,"
                                           "\"p_scanned_at\":\"2026-01-01T00:00:00Z\",\"p_device_id\":\"someone-else\"}",
                                           id);

  g_assert_cmpuint (post (backend.gate_token, "sync_offline_scan", json, NULL), ==, 403);
}

static void
test_original_upload_cannot_take_over_with_year_one (void)
{
  g_autofree char *ticket = new_ticket ();
  g_autofree char *id = ticket_id_of (ticket);
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *honest = g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_device_id\":\"%s\","
                                             "\"p_client_scan_id\":\"%s\"}", ticket, backend.event, backend.gate_id,
                                             scan_id);
  const char *times[] = { "0001-01-01T00:00:00Z", "-infinity", "1970-01-01T00:00:00Z" };
  g_autofree char *sql = g_strdup_printf ("SELECT scanned_device || ':' || (SELECT count(*) FROM scan_conflicts c "
                                          "WHERE c.ticket_id = t.id) FROM tickets t WHERE t.id = '%s'", id);
  g_autofree char *state = NULL;
  g_autofree char *expected = g_strdup_printf ("%s:0", backend.gate_id);
  g_autofree char *thief_token = NULL;

  add_device ("thief", "gate", NULL, &thief_token);
  g_assert_cmpuint (post (backend.gate_token, "scan_ticket", honest, NULL), ==, 200);

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"p_ticket_id\":\"%s\",\"p_scanned_by\":null,\"p_scanned_at\":\"%s\"}",
                                               id, times[i]);
      g_autofree char *body = NULL;
      g_autofree char *code = NULL;

      g_assert_cmpuint (post (thief_token, "sync_offline_scan", json, &body), ==, 400);
      code = code_of (body);
      g_assert_cmpstr (code, ==, "22008");
    }

  state = sql_value (sql);
  g_assert_cmpstr (state, ==, expected);
}

static void
test_original_upload_unknown_ticket_answers_row (void)
{
  g_autofree char *nobody = gate_test_uuid ();
  g_autofree char *json = g_strdup_printf ("{\"p_ticket_id\":\"%s\",\"p_scanned_by\":null,"
                                           "\"p_scanned_at\":\"2026-01-01T00:00:00Z\"}", nobody);
  g_autofree char *body = NULL;

  g_assert_cmpuint (post (backend.gate_token, "sync_offline_scan", json, &body), ==, 200);
  g_assert_cmpstr (body, ==, "[{\"success\":false,\"conflict_resolved\":false,\"winner_device\":null,"
                             "\"winner_time\":null}]");
}

static void
test_original_upload_refuses_void (void)
{
  g_autofree char *ticket = new_ticket ();
  g_autofree char *id = ticket_id_of (ticket);
  g_autofree char *void_sql = g_strdup_printf ("UPDATE tickets SET status = 'void' WHERE id = '%s'", id);
  g_autofree char *ignored = sql_value (void_sql);
  g_autofree char *now = now_iso8601 ();
  g_autofree char *json = g_strdup_printf ("{\"p_ticket_id\":\"%s\",\"p_scanned_by\":null,\"p_scanned_at\":\"%s\"}",
                                           id, now);
  g_autofree char *body = NULL;
  g_autofree char *success = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT status FROM tickets WHERE id = '%s'", id);
  g_autofree char *status = NULL;

  g_assert_cmpuint (post (backend.gate_token, "sync_offline_scan", json, &body), ==, 200);
  success = gate_test_json_member (body, 0, "success");
  g_assert_cmpstr (success, ==, "false");
  status = sql_value (sql);
  g_assert_cmpstr (status, ==, "void");
}

/* --- 2: hand-made cursors and large answers ------------------------------------- */

static void
test_hand_made_cursor_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (backend.pg, "Cursor attack", &error);
  g_auto(GStrv) tickets = new_tickets (event, 1);
  g_autoptr(GString) cursor = g_string_new ("1000:900000:");
  g_autoptr(GString) json = NULL;
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_no_error (error);
  for (guint i = 0; cursor->len < 589 * 1024; i++)
    g_string_append_printf (cursor, "%s%u", i ? "," : "", 1000 + i);
  json = g_string_new (NULL);
  g_string_printf (json, "{\"p_event_id\":\"%s\",\"p_cursor\":\"%s|||\"}", event, cursor->str);

  g_assert_cmpuint (post (backend.gate_token, "tickets_changed_since", json->str, &body), ==, 400);
  code = code_of (body);
  g_assert_cmpstr (code, ==, "22023");
}

static void
test_answer_over_max_answer_refused (void)
{
  const char *args[] = { "--max-answer", "65536", NULL };
  g_autoptr(GateTestServer) server = start_server (args, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (backend.pg, "Big answer", &error);
  g_auto(GStrv) tickets = new_tickets (event, 1000);
  g_autofree char *all = g_strdup_printf ("{\"p_event_id\":\"%s\"}", event);
  g_autofree char *few = g_strdup_printf ("{\"p_event_id\":\"%s\",\"p_limit\":20}", event);
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (post_to (gate_test_server_get_url (server), backend.gate_token, "tickets_changed_since", all,
                             &body), ==, 500);
  code = code_of (body);
  g_assert_cmpstr (code, ==, "PGRST500");
  g_assert_cmpuint (post_to (gate_test_server_get_url (server), backend.gate_token, "tickets_changed_since", few,
                             NULL), ==, 200);
}

/* The limit is the size of the body as sent: an answer of exactly that
 * many bytes goes out whole, one byte more is refused. */
static void
test_answer_limit_is_the_body_size (void)
{
  g_autoptr(GateTestServer) unlimited = start_server (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (backend.pg, "Exact answer", &error);
  g_auto(GStrv) tickets = new_tickets (event, 40);
  g_autofree char *page = g_strdup_printf ("{\"p_event_id\":\"%s\",\"p_limit\":30}", event);
  g_autofree char *whole = NULL;
  g_autofree char *exact = NULL;
  g_autofree char *limit = NULL;
  g_autofree char *below = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *code = NULL;
  g_autoptr(JsonNode) parsed = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (post_to (gate_test_server_get_url (unlimited), backend.gate_token, "tickets_changed_since", page,
                             &whole), ==, 200);
  parsed = json_from_string (whole, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (parsed)), ==, 30);
  g_assert_cmpuint (strlen (whole), >, 1024);

  limit = g_strdup_printf ("%zu", strlen (whole));
  below = g_strdup_printf ("%zu", strlen (whole) - 1);
  {
    const char *args[] = { "--max-answer", limit, NULL };
    g_autoptr(GateTestServer) server = start_server (args, NULL);

    g_assert_cmpuint (post_to (gate_test_server_get_url (server), backend.gate_token, "tickets_changed_since", page,
                               &exact), ==, 200);
    g_assert_cmpstr (exact, ==, whole);
  }
  {
    const char *args[] = { "--max-answer", below, NULL };
    g_autoptr(GateTestServer) server = start_server (args, NULL);

    g_assert_cmpuint (post_to (gate_test_server_get_url (server), backend.gate_token, "tickets_changed_since", page,
                               &refused), ==, 500);
    code = code_of (refused);
    g_assert_cmpstr (code, ==, "PGRST500");
    g_assert_nonnull (strstr (refused, limit));
  }
}

/* --- 3: descriptors, connections, idle clients ------------------------------------ */

static void
test_fd_exhaustion_does_not_stop_accepting (void)
{
  const char *args[] = { "--pool", "4", NULL };
  GateTestServerOptions options = { .max_open_files = 128 };
  g_autoptr(GateTestServer) server = start_server (args, &options);
  const char *url = gate_test_server_get_url (server);
  g_autoptr(GArray) idle = g_array_new (FALSE, FALSE, sizeof (int));
  guint answered = 0;

  /* More idle connections than the process has descriptors. */
  for (guint i = 0; i < 300; i++)
    {
      int fd = connect_raw (url, 5);

      if (fd >= 0)
        g_array_append_val (idle, fd);
    }
  g_assert_cmpuint (idle->len, >, 128);

  /* A new client is answered (503 while they stay; 200 if their header
   * timeout has passed already), not left hanging. */
  {
    int fd = connect_raw (url, 5);
    g_autofree char *request = health_request ();
    g_autofree char *answer = NULL;

    g_assert_cmpint (fd, >=, 0);
    send_all (fd, request, strlen (request));
    answer = read_answer (fd);
    g_test_message ("while full: %.40s", answer);
    answered += status_of_answer (answer) == 503 || status_of_answer (answer) == 200;
    close (fd);
  }
  g_assert_cmpuint (answered, ==, 1);

  for (guint i = 0; i < idle->len; i++)
    close (g_array_index (idle, int, i));

  /* Once they are gone, the server accepts and answers again. */
  g_assert_true (gate_test_wait_until (NULL, is_healthy, (gpointer) url, 15000));
}

static void
test_connections_capped_with_503 (void)
{
  const char *args[] = { "--max-connections", "4", NULL };
  g_autoptr(GateTestServer) server = start_server (args, NULL);
  const char *url = gate_test_server_get_url (server);
  g_autofree char *request = health_request ();
  g_autofree char *answer = NULL;
  int held[4];
  int extra;

  /* Four kept-alive clients, each answered once. */
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    {
      g_autofree char *first = NULL;

      held[i] = connect_raw (url, 5);
      g_assert_true (send_all (held[i], request, strlen (request)));
      first = read_answer (held[i]);
      g_assert_cmpuint (status_of_answer (first), ==, 200);
    }

  extra = connect_raw (url, 5);
  send_all (extra, request, strlen (request));
  answer = read_answer (extra);
  g_assert_cmpuint (status_of_answer (answer), ==, 503);
  g_assert_nonnull (strstr (answer, "Retry-After: "));
  close (extra);

  close (held[0]);
  g_assert_true (gate_test_wait_until (NULL, is_healthy, (gpointer) url, 10000));
  for (guint i = 1; i < G_N_ELEMENTS (held); i++)
    close (held[i]);
}

static void
test_idle_and_half_sent_connections_closed (void)
{
  const char *args[] = { "--header-timeout", "1", "--idle-timeout", "1", NULL };
  g_autoptr(GateTestServer) server = start_server (args, NULL);
  const char *url = gate_test_server_get_url (server);
  g_autofree char *request = health_request ();
  g_autofree char *answer = NULL;
  int silent = connect_raw (url, 10);
  int half = connect_raw (url, 10);
  int kept = connect_raw (url, 10);
  gint64 started = g_get_monotonic_time ();

  /* Nothing at all; the first half of the headers; one answered request. */
  g_assert_true (send_all (half, "POST /rest/v1/rpc/event_summary HTTP/1.1\r\nHost: x\r\n", 52));
  g_assert_true (send_all (kept, request, strlen (request)));
  answer = read_answer (kept);
  g_assert_cmpuint (status_of_answer (answer), ==, 200);

  /* Each read returns when the server closes, or fails after 10 s. */
  g_assert_true (closed_by_peer (silent));
  g_assert_true (closed_by_peer (half));
  g_assert_true (closed_by_peer (kept));
  g_assert_cmpint (g_get_monotonic_time () - started, <, 8 * G_USEC_PER_SEC);
  close (silent);
  close (half);
  close (kept);
}

typedef struct
{
  GateTestServer *server;
  guint           limit;
} Descriptors;

static gboolean
descriptors_back (gpointer user_data)
{
  Descriptors *descriptors = user_data;

  return open_descriptors (descriptors->server) <= descriptors->limit;
}

static void
test_closed_keepalive_connections_release_descriptors (void)
{
  /* One database connection: healthy means all of them are open. */
  const char *args[] = { "--pool", "1", NULL };
  g_autoptr(GateTestServer) server = start_server (args, NULL);
  g_autofree char *request = health_request ();
  Descriptors descriptors = { server, open_descriptors (server) + 2 };

  /* A client that closes its kept-alive connection after an answer, a
   * hundred times. */
  for (guint i = 0; i < 100; i++)
    {
      int fd = connect_raw (gate_test_server_get_url (server), 5);
      g_autofree char *answer = NULL;

      g_assert_true (send_all (fd, request, strlen (request)));
      answer = read_answer (fd);
      g_assert_cmpuint (status_of_answer (answer), ==, 200);
      close (fd);
    }

  g_assert_true (gate_test_wait_until (NULL, descriptors_back, &descriptors, 5000));
}

/* --- 4: a locked ticket, a flood, a client that leaves ----------------------------- */

typedef struct
{
  const char *url;
  const char *token;
  const char *body;
  gint       *stop;
  guint       answered;
} Flooder;

static gpointer
flood (gpointer user_data)
{
  Flooder *flooder = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);

  while (!g_atomic_int_get (flooder->stop))
    {
      g_autofree char *body = NULL;

      if (gate_test_rpc (session, flooder->url, flooder->token, "scan_ticket", flooder->body, &body) != 0)
        flooder->answered++;
    }
  return NULL;
}

static gboolean
lock_waiters (gpointer user_data)
{
  g_autofree char *waiting = sql_value ("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'");

  return g_ascii_strtoull (waiting ? waiting : "0", NULL, 10) >= GPOINTER_TO_UINT (user_data);
}

static void
test_locked_ticket_flood_does_not_stall_other_scans (void)
{
  g_autofree char *locked = new_ticket ();
  g_autofree char *locked_id = ticket_id_of (locked);
  g_auto(GStrv) others = new_tickets (backend.event, 20);
  g_autofree char *leaked_id = NULL;
  g_autofree char *leaked_token = NULL;
  g_autofree char *kiosk_id = NULL;
  g_autofree char *kiosk_token = NULL;
  g_autoptr(PGconn) holder = PQconnectdb (gate_test_pg_get_conninfo (backend.pg));
  g_autofree char *lock = g_strdup_printf ("BEGIN; SELECT 1 FROM tickets WHERE id = '%s' FOR UPDATE", locked_id);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 5, NULL);
  Flooder flooders[100];
  GThread *threads[100];
  char *bodies[100];
  gint stop = FALSE;
  gint64 slowest = 0;

  add_device ("leaked", "gate", &leaked_id, &leaked_token);
  add_device ("door-2", "gate", &kiosk_id, &kiosk_token);
  PQclear (PQexec (holder, lock));

  /* A hundred clients with one leaked token scan the locked ticket. */
  for (guint i = 0; i < G_N_ELEMENTS (flooders); i++)
    {
      g_autofree char *scan_id = gate_test_uuid ();

      bodies[i] = g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_device_id\":\"%s\","
                                   "\"p_client_scan_id\":\"%s\"}", locked, backend.event, leaked_id, scan_id);
      flooders[i] = (Flooder) { backend.url, leaked_token, bodies[i], &stop, 0 };
      threads[i] = g_thread_new ("flood", flood, &flooders[i]);
    }
  g_assert_true (gate_test_wait_until (NULL, lock_waiters, GUINT_TO_POINTER (2), 10000));

  /* Meanwhile another gate scans other tickets, each answered fast. */
  for (guint i = 0; others[i] != NULL; i++)
    {
      g_autofree char *scan_id = gate_test_uuid ();
      g_autofree char *json = g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_device_id\":\"%s\","
                                               "\"p_client_scan_id\":\"%s\"}", others[i], backend.event, kiosk_id,
                                               scan_id);
      g_autofree char *body = NULL;
      g_autofree char *verdict = NULL;
      gint64 started = g_get_monotonic_time ();

      g_assert_cmpuint (gate_test_rpc (session, backend.url, kiosk_token, "scan_ticket", json, &body), ==, 200);
      slowest = MAX (slowest, g_get_monotonic_time () - started);
      verdict = gate_test_json_member (body, 0, "verdict");
      g_assert_cmpstr (verdict, ==, "admitted");
    }
  g_test_message ("slowest of 20 scans beside the flood: %" G_GINT64_FORMAT " ms", slowest / 1000);
  /* Well under a second (about 0.2 s here, under AddressSanitizer, on two
   * busy cores); before, tens of seconds. */
  g_assert_cmpint (slowest, <, G_USEC_PER_SEC);

  g_atomic_int_set (&stop, TRUE);
  PQclear (PQexec (holder, "ROLLBACK"));
  for (guint i = 0; i < G_N_ELEMENTS (flooders); i++)
    {
      g_thread_join (threads[i]);
      g_free (bodies[i]);
    }
}

static void
test_client_hangup_cancels_its_query (void)
{
  g_autofree char *request = NULL;
  static const char body[] = "{\"p_seconds\":60}";
  int fd = connect_raw (backend.url, 5);

  request = g_strdup_printf ("POST /rest/v1/rpc/attack_slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                             "Content-Length: %zu\r\n\r\n%s", backend.gate_token, strlen (body), body);
  g_assert_true (send_all (fd, request, strlen (request)));
  g_assert_true (gate_test_wait_until (NULL, query_running, (gpointer) "attack_slow", 10000));

  /* Gone before the answer: its query is cancelled, not left to run a minute. */
  close (fd);
  g_assert_true (gate_test_wait_until (NULL, query_gone, (gpointer) "attack_slow", 5000));
}

static void
test_statement_timeout_ends_a_runaway_call (void)
{
  const char *args[] = { "--statement-timeout", "1", NULL };
  g_autoptr(GateTestServer) server = start_server (args, NULL);
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;
  gint64 started = g_get_monotonic_time ();

  g_assert_cmpuint (post_to (gate_test_server_get_url (server), backend.gate_token, "attack_slow",
                             "{\"p_seconds\":30}", &body), ==, 500);
  code = code_of (body);
  g_assert_cmpstr (code, ==, "57014");
  g_assert_cmpint (g_get_monotonic_time () - started, <, 10 * G_USEC_PER_SEC);
}

typedef struct
{
  const char *url;
  const char *token;
  guint       status;
  char       *retry_after;
} SlowCall;

static gpointer
call_slowly (gpointer user_data)
{
  SlowCall *call = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autofree char *url = g_strconcat (call->url, "/rest/v1/rpc/attack_slow", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new_static ("{\"p_seconds\":2}", 15);
  g_autofree char *bearer = g_strconcat ("Bearer ", call->token, NULL);
  g_autoptr(GBytes) answer = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", bearer);
  soup_message_set_request_body_from_bytes (message, "application/json", request);
  answer = soup_session_send_and_read (session, message, NULL, NULL);
  call->status = answer != NULL ? soup_message_get_status (message) : 0;
  call->retry_after = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                              "Retry-After"));
  return NULL;
}

static void
test_full_queue_answers_503_with_retry_after (void)
{
  const char *args[] = { "--pool", "1", "--queue", "2", NULL };
  g_autoptr(GateTestServer) server = start_server (args, NULL);
  const char *url = gate_test_server_get_url (server);
  SlowCall calls[4] = { 0 };
  GThread *threads[4];
  char *tokens[4];
  guint busy = 0;
  guint done = 0;

  /* Four devices, each known to the server already. */
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autofree char *name = g_strdup_printf ("queue-%u", i);
      g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);

      add_device (name, "gate", NULL, &tokens[i]);
      g_assert_cmpuint (post_to (url, tokens[i], "event_summary", json, NULL), ==, 200);
      calls[i] = (SlowCall) { url, tokens[i], 0, NULL };
    }

  /* One runs on the only connection, two wait, the fourth is told to come back. */
  threads[0] = g_thread_new ("slow", call_slowly, &calls[0]);
  g_assert_true (gate_test_wait_until (NULL, query_running, (gpointer) "attack_slow", 10000));
  for (guint i = 1; i < G_N_ELEMENTS (calls); i++)
    threads[i] = g_thread_new ("slow", call_slowly, &calls[i]);
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_thread_join (threads[i]);
      if (calls[i].status == 503)
        {
          busy++;
          g_assert_cmpstr (calls[i].retry_after, ==, "1");
        }
      done += calls[i].status == 200;
      g_free (calls[i].retry_after);
      g_free (tokens[i]);
    }

  g_assert_cmpuint (busy, ==, 1);
  g_assert_cmpuint (done, ==, 3);
}

/* --- 5: nothing of a body before the token ---------------------------------------- */

static void
test_refused_from_the_headers_without_the_body (void)
{
  const char *heads[] = {
    "POST /rest/v1/rpc/event_summary HTTP/1.1\r\nHost: x\r\nContent-Length: 8388608\r\n\r\n",
    "POST /rest/v1/rpc/event_summary HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer gst_bogus\r\n"
    "Content-Length: 8388608\r\n\r\n",
  };

  /* The body is announced but never sent: the answer must not wait for it. */
  for (guint i = 0; i < G_N_ELEMENTS (heads); i++)
    {
      int fd = connect_raw (backend.url, 5);
      g_autofree char *answer = NULL;

      g_assert_true (send_all (fd, heads[i], strlen (heads[i])));
      answer = read_answer (fd);
      g_assert_cmpuint (status_of_answer (answer), ==, 401);
      close (fd);
    }
}

static void
test_junk_body_from_a_blocked_address_costs_nothing (void)
{
  const char *args[] = { "--auth-failures", "1", NULL };
  g_autoptr(GateTestServer) server = start_server (args, NULL);
  const char *url = gate_test_server_get_url (server);
  gsize size = 8 * 1024 * 1024 - 1024;
  g_autofree char *junk = g_malloc (size);
  g_autofree char *head = g_strdup_printf ("POST /rest/v1/rpc/event_summary HTTP/1.1\r\nHost: x\r\n"
                                           "Authorization: Bearer gst_bogus\r\nContent-Length: %zu\r\n\r\n", size);
  guint64 before;
  guint64 after;
  gint64 started;

  g_assert_cmpuint (post_to (url, "gst_first-guess", "event_summary", "{}", NULL), ==, 401);
  before = proc_status_kb (server, "VmHWM:");

  /* A JSON-looking array of numbers: what json-glib would have built up. */
  for (gsize i = 0; i < size; i += 2)
    memcpy (junk + i, i == 0 ? "[1" : i + 2 >= size ? "1]" : ",1", 2);
  for (guint round = 0; round < 3; round++)
    {
      int fd = connect_raw (url, 10);
      g_autofree char *answer = NULL;

      started = g_get_monotonic_time ();
      send_all (fd, head, strlen (head));
      send_all (fd, junk, size);
      answer = read_answer (fd);
      g_assert_cmpuint (status_of_answer (answer), ==, 429);
      g_test_message ("answered in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - started) / 1000);
      close (fd);
    }

  after = proc_status_kb (server, "VmHWM:");
  g_test_message ("peak memory %" G_GUINT64_FORMAT " kB before, %" G_GUINT64_FORMAT " kB after", before, after);
  g_assert_cmpuint (after, <, before + 16 * 1024);
}

/* --- 6: uploads with impossible times ---------------------------------------------- */

static void
test_upload_with_impossible_times_marks_nothing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (backend.pg, "Year one", &error);
  g_auto(GStrv) tickets = new_tickets (event, 50);
  g_autoptr(GString) batch = g_string_new ("[");
  g_autofree char *json = NULL;
  g_autofree char *body = NULL;
  g_autofree char *summary_json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", event);
  g_autofree char *summary = NULL;
  g_autofree char *scanned = NULL;

  g_assert_no_error (error);
  for (guint i = 0; tickets[i] != NULL; i++)
    {
      g_autofree char *scan_id = gate_test_uuid ();

      g_string_append_printf (batch, "%s{\"client_scan_id\":\"%s\",\"qr_token\":\"%s\",\"event_id\":\"%s\","
                              "\"scanned_at\":\"%s\",\"clock_offset_ms\":0}",
                              i ? "," : "", scan_id, tickets[i], event,
                              i % 2 ? "0001-01-01T00:00:00Z" : "294276-12-31T23:59:59Z");
    }
  g_string_append_c (batch, ']');
  json = g_strdup_printf ("{\"p_device_id\":\"%s\",\"p_scans\":%s}", backend.gate_id, batch->str);

  g_assert_cmpuint (post (backend.gate_token, "sync_offline_scans", json, &body), ==, 200);
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *outcome = gate_test_json_member (body, i, "outcome");

      g_assert_cmpstr (outcome, ==, "rejected");
    }
  g_assert_cmpuint (post (backend.gate_token, "event_summary", summary_json, &summary), ==, 200);
  scanned = gate_test_json_member (summary, 0, "scanned_count");
  g_assert_cmpstr (scanned, ==, "0");
}

/* --- 8: roles follow the database -------------------------------------------------- */

static void
test_demoted_supervisor_loses_rights_at_once (void)
{
  g_autofree char *id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);
  g_autofree char *sql = NULL;
  g_autofree char *ignored = NULL;

  add_device ("shift-lead", "supervisor", &id, &token);
  g_assert_cmpuint (post (token, "list_conflicts", json, NULL), ==, 200);

  sql = g_strdup_printf ("UPDATE devices SET role = 'gate' WHERE id = '%s'", id);
  ignored = sql_value (sql);
  g_assert_cmpuint (post (token, "list_conflicts", json, NULL), ==, 403);
  g_assert_cmpuint (post (token, "event_summary", json, NULL), ==, 200);
}

/* --- 9: one odd element, one batch ------------------------------------------------- */

static void
test_offset_beyond_any_number_rejected_alone (void)
{
  g_auto(GStrv) tickets = new_tickets (backend.event, 2);
  g_autofree char *huge = gate_test_uuid ();
  g_autofree char *good = gate_test_uuid ();
  g_autofree char *now = now_iso8601 ();
  g_autofree char *json = g_strdup_printf ("{\"p_device_id\":\"%s\",\"p_scans\":[{\"client_scan_id\":\"%s\","
                                           "\"qr_token\":\"%s\",\"event_id\":\"%s\",\"scanned_at\":\"%s\","
                                           "\"clock_offset_ms\":1e999},"
                                           "{\"client_scan_id\":\"%s\",\"qr_token\":\"%s\",\"event_id\":\"%s\","
                                           "\"scanned_at\":\"%s\",\"clock_offset_ms\":0.5e3}]}",
                                           backend.gate_id, huge, tickets[0], backend.event, now, good, tickets[1],
                                           backend.event, now);
  g_autofree char *body = NULL;
  guint rejected = 0;
  guint applied = 0;

  g_assert_cmpuint (post (backend.gate_token, "sync_offline_scans", json, &body), ==, 200);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *id = gate_test_json_member (body, i, "client_scan_id");
      g_autofree char *outcome = gate_test_json_member (body, i, "outcome");

      rejected += g_strcmp0 (id, huge) == 0 && g_strcmp0 (outcome, "rejected") == 0;
      applied += g_strcmp0 (id, good) == 0 && g_strcmp0 (outcome, "applied") == 0;
    }
  g_assert_cmpuint (rejected, ==, 1);
  g_assert_cmpuint (applied, ==, 1);
}

/* --- 10: error bodies are UTF-8 ---------------------------------------------------- */

static void
test_error_bodies_are_valid_utf8 (void)
{
  int fd = connect_raw (backend.url, 5);
  g_autofree char *request = g_strdup_printf ("POST /rest/v1/rpc/x%%FF%%FE HTTP/1.1\r\nHost: x\r\n"
                                              "Authorization: Bearer %s\r\nContent-Length: 2\r\n\r\n{}",
                                              backend.gate_token);
  g_autofree char *answer = NULL;
  const char *body;

  g_assert_true (send_all (fd, request, strlen (request)));
  answer = read_answer (fd);
  close (fd);

  g_assert_cmpuint (status_of_answer (answer), ==, 404);
  body = strstr (answer, "\r\n\r\n");
  g_assert_nonnull (body);
  g_assert_true (g_utf8_validate (body + 4, -1, NULL));
}

/* --- 11: only the project's functions ---------------------------------------------- */

static void
test_extension_functions_are_not_exposed (void)
{
  g_autofree char *ignored = sql_value ("CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" SCHEMA public; "
                                        "CREATE EXTENSION IF NOT EXISTS dblink SCHEMA public; "
                                        "CREATE OR REPLACE FUNCTION public.not_granted() RETURNS int "
                                        "LANGUAGE sql AS $$ SELECT 1 $$");
  const char *functions[] = { "uuid_generate_v4", "dblink_get_connections", "not_granted" };

  for (guint i = 0; i < G_N_ELEMENTS (functions); i++)
    {
      g_autofree char *body = NULL;
      g_autofree char *code = NULL;

      g_test_message ("%s", functions[i]);
      g_assert_cmpuint (post (backend.gate_token, functions[i], "{}", &body), ==, 404);
      code = code_of (body);
      g_assert_cmpstr (code, ==, "PGRST202");
    }
}

/* --- 12: a pool smaller than asked for is reported --------------------------------- */

static gboolean
file_contains (gpointer user_data)
{
  const char * const *what = user_data;
  g_autofree char *text = NULL;

  return g_file_get_contents (what[0], &text, NULL, NULL) && strstr (text, what[1]) != NULL;
}

typedef struct
{
  PGconn     *conn;
  const char *since;
  guint       at_least;
} Backends;

/* Asked on a connection of the test's own: there may be no slot for a new one. */
static gboolean
server_backends_at_least (gpointer user_data)
{
  Backends *backends = user_data;
  const char *params[] = { backends->since };
  g_autoptr(PGresult) result = PQexecParams (backends->conn,
                                             "SELECT count(*) FROM pg_stat_activity "
                                             "WHERE backend_type = 'client backend' AND backend_start > $1::timestamptz "
                                             "AND pid <> pg_backend_pid()", 1, NULL, params, NULL, NULL, 0);

  return PQresultStatus (result) == PGRES_TUPLES_OK &&
         g_ascii_strtoull (PQgetvalue (result, 0, 0), NULL, 10) >= backends->at_least;
}

static guint
count_in_file (const char *path,
               const char *needle)
{
  g_autofree char *text = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  for (const char *p = text; (p = strstr (p, needle)) != NULL; p++)
    n++;
  return n;
}

static void
test_short_pool_is_logged_once (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gate-attacks-XXXXXX", NULL);
  g_autofree char *log = g_build_filename (dir, "gate-server.log", NULL);
  GateTestServerOptions options = { .stderr_path = log };
  g_autofree char *used = sql_value ("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'");
  g_autofree char *max = sql_value ("SHOW max_connections");
  g_autoptr(GPtrArray) holders = g_ptr_array_new_with_free_func ((GDestroyNotify) PQfinish);
  g_autoptr(GateTestServer) server = NULL;
  const char *args[] = { "--pool", "8", NULL };
  const char *short_line[] = { log, "of 8 connections could be opened" };
  Backends backends = { NULL, NULL, 7 };
  g_autofree char *since = NULL;
  guint free_slots;

  /* Leave room for six of the eight connections gate-server asks for. */
  free_slots = (guint) g_ascii_strtoull (max, NULL, 10) - (guint) g_ascii_strtoull (used, NULL, 10);
  for (guint i = 0; i + 6 < free_slots; i++)
    {
      PGconn *conn = PQconnectdb (gate_test_pg_get_conninfo (backend.pg));

      g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
      g_ptr_array_add (holders, conn);
    }
  {
    g_autoptr(PGresult) now = PQexec (holders->pdata[0], "SELECT clock_timestamp()::text");

    since = g_strdup (PQgetvalue (now, 0, 0));
  }

  server = start_server (args, &options);
  g_assert_true (gate_test_wait_until (NULL, file_contains, short_line, 15000));

  /* It keeps trying, and says nothing more about it: a slot comes free and
   * is taken. */
  g_ptr_array_remove_index (holders, holders->len - 1);
  backends.conn = holders->pdata[0];
  backends.since = since;
  g_assert_true (gate_test_wait_until (NULL, server_backends_at_least, &backends, 15000));
  g_assert_cmpuint (count_in_file (log, "connections could be opened"), ==, 1);

  g_clear_pointer (&server, gate_test_server_free);
  g_ptr_array_set_size (holders, 0);
  g_unlink (log);
  g_rmdir (dir);
}

/* --- 13: CORS ---------------------------------------------------------------------- */

static SoupMessage *
cors_message (const char *url,
              const char *method,
              const char *origin)
{
  g_autofree char *full = g_strconcat (url, "/rest/v1/rpc/event_summary", NULL);
  SoupMessage *message = soup_message_new (method, full);

  soup_message_headers_replace (soup_message_get_request_headers (message), "Origin", origin);
  return message;
}

static void
test_cors_for_configured_origins (void)
{
  const char *args[] = { "--cors-origin", "https://gate.example.org", NULL };
  g_autoptr(GateTestServer) server = start_server (args, NULL);
  const char *url = gate_test_server_get_url (server);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr(SoupMessage) preflight = cors_message (url, "OPTIONS", "https://gate.example.org");
  g_autoptr(SoupMessage) call = cors_message (url, "POST", "https://gate.example.org");
  g_autoptr(SoupMessage) stranger = cors_message (url, "POST", "https://evil.example.com");
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);
  g_autofree char *bearer = g_strconcat ("Bearer ", backend.gate_token, NULL);
  g_autoptr(GBytes) ignored = NULL;
  const char *allowed;
  const char *supabase_headers[] = { "authorization", "apikey", "content-type", "x-client-info", "prefer",
                                     "accept-profile", "content-profile" };

  soup_message_headers_replace (soup_message_get_request_headers (preflight), "Access-Control-Request-Method",
                                "POST");
  soup_message_headers_replace (soup_message_get_request_headers (preflight), "Access-Control-Request-Headers",
                                "authorization,apikey,content-type,x-client-info");
  ignored = soup_session_send_and_read (session, preflight, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (preflight), >=, 200);
  g_assert_cmpuint (soup_message_get_status (preflight), <, 300);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (preflight),
                                                 "Access-Control-Allow-Origin"), ==, "https://gate.example.org");
  g_assert_nonnull (strstr (soup_message_headers_get_one (soup_message_get_response_headers (preflight),
                                                          "Access-Control-Allow-Methods"), "POST"));
  allowed = soup_message_headers_get_one (soup_message_get_response_headers (preflight),
                                          "Access-Control-Allow-Headers");
  g_assert_nonnull (allowed);
  for (guint i = 0; i < G_N_ELEMENTS (supabase_headers); i++)
    {
      g_autofree char *lower = g_ascii_strdown (allowed, -1);

      g_assert_nonnull (strstr (lower, supabase_headers[i]));
    }

  for (guint i = 0; i < 2; i++)
    {
      SoupMessage *message = i == 0 ? call : stranger;
      g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
      g_autoptr(GBytes) answer = NULL;

      soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", bearer);
      soup_message_set_request_body_from_bytes (message, "application/json", body);
      answer = soup_session_send_and_read (session, message, NULL, NULL);
      g_assert_cmpuint (soup_message_get_status (message), ==, 200);
    }
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (call),
                                                 "Access-Control-Allow-Origin"), ==, "https://gate.example.org");
  g_assert_null (soup_message_headers_get_one (soup_message_get_response_headers (stranger),
                                               "Access-Control-Allow-Origin"));
}

static void
test_options_is_not_405 (void)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr(SoupMessage) preflight = cors_message (backend.url, "OPTIONS", "https://gate.example.org");
  g_autoptr(GBytes) ignored = soup_session_send_and_read (session, preflight, NULL, NULL);

  /* Answered, but without a CORS grant for an origin nobody configured. */
  g_assert_cmpuint (soup_message_get_status (preflight), ==, 204);
  g_assert_null (soup_message_headers_get_one (soup_message_get_response_headers (preflight),
                                               "Access-Control-Allow-Origin"));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  g_assert_no_error (error);
  backend.event = gate_test_create_event (backend.pg, "Under attack", &error);
  g_assert_no_error (error);
  add_device ("gate-1", "gate", &backend.gate_id, &backend.gate_token);
  add_device ("boss", "supervisor", &backend.supervisor_id, &backend.supervisor_token);
  create_function ("attack_slow(p_seconds float8)", "TABLE(slept float8)",
                   "SELECT p_seconds FROM pg_sleep(p_seconds)");
  backend.server = start_server (NULL, NULL);
  backend.url = gate_test_server_get_url (backend.server);

  g_test_add_func ("/server/attack/device-id-filled-from-the-token", test_device_id_filled_from_the_token);
  g_test_add_func ("/server/attack/original-upload-with-another-device-403",
                   test_original_upload_with_another_device_403);
  g_test_add_func ("/server/attack/original-upload-cannot-take-over-with-year-one",
                   test_original_upload_cannot_take_over_with_year_one);
  g_test_add_func ("/server/attack/original-upload-unknown-ticket-answers-row",
                   test_original_upload_unknown_ticket_answers_row);
  g_test_add_func ("/server/attack/original-upload-refuses-void", test_original_upload_refuses_void);
  g_test_add_func ("/server/attack/hand-made-cursor-refused", test_hand_made_cursor_refused);
  g_test_add_func ("/server/attack/answer-over-max-answer-refused", test_answer_over_max_answer_refused);
  g_test_add_func ("/server/attack/answer-limit-is-the-body-size", test_answer_limit_is_the_body_size);
  g_test_add_func ("/server/attack/fd-exhaustion-does-not-stop-accepting", test_fd_exhaustion_does_not_stop_accepting);
  g_test_add_func ("/server/attack/connections-capped-with-503", test_connections_capped_with_503);
  g_test_add_func ("/server/attack/idle-and-half-sent-connections-closed", test_idle_and_half_sent_connections_closed);
  g_test_add_func ("/server/attack/closed-keepalive-connections-release-descriptors",
                   test_closed_keepalive_connections_release_descriptors);
  g_test_add_func ("/server/attack/locked-ticket-flood-does-not-stall-other-scans",
                   test_locked_ticket_flood_does_not_stall_other_scans);
  g_test_add_func ("/server/attack/client-hangup-cancels-its-query", test_client_hangup_cancels_its_query);
  g_test_add_func ("/server/attack/statement-timeout-ends-a-runaway-call", test_statement_timeout_ends_a_runaway_call);
  g_test_add_func ("/server/attack/full-queue-answers-503-with-retry-after",
                   test_full_queue_answers_503_with_retry_after);
  g_test_add_func ("/server/attack/refused-from-the-headers-without-the-body",
                   test_refused_from_the_headers_without_the_body);
  g_test_add_func ("/server/attack/junk-body-from-a-blocked-address-costs-nothing",
                   test_junk_body_from_a_blocked_address_costs_nothing);
  g_test_add_func ("/server/attack/upload-with-impossible-times-marks-nothing",
                   test_upload_with_impossible_times_marks_nothing);
  g_test_add_func ("/server/attack/demoted-supervisor-loses-rights-at-once",
                   test_demoted_supervisor_loses_rights_at_once);
  g_test_add_func ("/server/attack/offset-beyond-any-number-rejected-alone",
                   test_offset_beyond_any_number_rejected_alone);
  g_test_add_func ("/server/attack/error-bodies-are-valid-utf8", test_error_bodies_are_valid_utf8);
  g_test_add_func ("/server/attack/extension-functions-are-not-exposed", test_extension_functions_are_not_exposed);
  g_test_add_func ("/server/attack/short-pool-is-logged-once", test_short_pool_is_logged_once);
  g_test_add_func ("/server/attack/cors-for-configured-origins", test_cors_for_configured_origins);
  g_test_add_func ("/server/attack/options-is-not-405", test_options_is_not_405);

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
