/* test-pooler.c — gate-server behind PgBouncer, and several gate-servers on
 * one database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PgBouncer (Debian's pgbouncer, 1.18 in bookworm) in transaction pooling,
 * as Supabase's pooler runs: every transaction may land on another server
 * connection, so nothing a call sets may outlive its transaction. Its pool
 * is smaller than gate-server's, so calls of different devices, roles and
 * outcomes share server connections all the time.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>

#include "gate-test-harness.h"

#define POOLER_SERVER_CONNECTIONS "2"

static struct
{
  GateTestPg     *pg;
  char           *dir;
  GSubprocess    *pgbouncer;
  char           *pooled_conninfo;
  char           *event;
  char           *gate_id;
  char           *gate_token;
  char           *supervisor_id;
  char           *supervisor_token;
} backend;

/* --- PgBouncer ------------------------------------------------------------------- */

/* PgBouncer refuses to run as root: as postgres then, like the database.
 * It dies with the test, however the test ends. */
static void
drop_to_postgres (gpointer user_data)
{
  struct passwd *pw = user_data;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (pw != NULL && getuid () == 0)
    {
      if (setgid (pw->pw_gid) != 0 || setuid (pw->pw_uid) != 0)
        _exit (127);
    }
}

static void
start_pgbouncer (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *pgbouncer = g_find_program_in_path ("pgbouncer");
  g_autofree char *ini = NULL;
  g_autofree char *users = NULL;
  g_autofree char *config = NULL;
  guint16 port = gate_test_free_port ();
  struct passwd *pw = getuid () == 0 ? getpwnam ("postgres") : NULL;

  if (pgbouncer == NULL && g_file_test ("/usr/sbin/pgbouncer", G_FILE_TEST_IS_EXECUTABLE))
    pgbouncer = g_strdup ("/usr/sbin/pgbouncer");
  g_assert_nonnull (pgbouncer);

  backend.dir = g_dir_make_tmp ("gate-pooler-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (backend.dir, 0755), ==, 0);
  users = g_build_filename (backend.dir, "users.txt", NULL);
  g_assert_true (g_file_set_contents (users, "\"postgres\" \"\"\n", -1, &error));
  ini = g_build_filename (backend.dir, "pgbouncer.ini", NULL);
  config = g_strdup_printf ("[databases]\n"
                            "gate = host=127.0.0.1 port=%u dbname=postgres user=postgres\n"
                            "[pgbouncer]\n"
                            "listen_addr = 127.0.0.1\n"
                            "listen_port = %u\n"
                            "unix_socket_dir =\n"
                            "auth_type = trust\n"
                            "auth_file = %s\n"
                            "pool_mode = transaction\n"
                            "default_pool_size = " POOLER_SERVER_CONNECTIONS "\n"
                            "max_db_connections = " POOLER_SERVER_CONNECTIONS "\n"
                            "max_client_conn = 200\n"
                            "server_reset_query =\n",
                            gate_test_pg_get_port (backend.pg), port, users);
  g_assert_true (g_file_set_contents (ini, config, -1, &error));
  g_assert_cmpint (g_chmod (users, 0644), ==, 0);
  g_assert_cmpint (g_chmod (ini, 0644), ==, 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_cwd (launcher, backend.dir);
  g_subprocess_launcher_set_child_setup (launcher, drop_to_postgres, pw, NULL);
  backend.pgbouncer = g_subprocess_launcher_spawn (launcher, &error, pgbouncer, ini, NULL);
  g_assert_no_error (error);

  backend.pooled_conninfo = g_strdup_printf ("host=127.0.0.1 port=%u dbname=gate user=postgres connect_timeout=10",
                                             port);
}

static gboolean
pooler_answers (gpointer user_data)
{
  PGconn *conn = PQconnectdb (backend.pooled_conninfo);
  gboolean ok = PQstatus (conn) == CONNECTION_OK;

  PQfinish (conn);
  return ok;
}

/* --- helpers ------------------------------------------------------------------------ */

static char *
sql_value (const char *sql)
{
  PGconn *conn = PQconnectdb (gate_test_pg_get_conninfo (backend.pg));
  PGresult *result = PQexec (conn, sql);
  char *value = NULL;

  if (PQresultStatus (result) != PGRES_TUPLES_OK && PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  if (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) > 0)
    value = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  PQfinish (conn);
  return value;
}

static gboolean
healthy (gpointer user_data)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 5, NULL);
  g_autofree char *url = g_strconcat (gate_test_server_get_url (user_data), "/healthz", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, NULL);

  return body != NULL && soup_message_get_status (message) == 200;
}

/* A gate-server with @options (up to 3) after its metrics' address, which
 * @metrics_url receives if given. */
static GateTestServer *
start_server_watched (const char  *conninfo,
                      const char  *options[3],
                      char       **metrics_url)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = metrics_url ? g_strdup_printf ("127.0.0.1:%u", gate_test_free_port ())
                                        : g_strdup ("none");
  const char *args[] = { "--metrics-listen", listen, options[0], options[1], options[2], NULL };
  GateTestServer *server = gate_test_server_new (conninfo, args, &error);

  g_assert_no_error (error);
  g_assert_true (gate_test_wait_until (NULL, healthy, server, 20000));
  if (metrics_url)
    *metrics_url = g_strdup_printf ("http://%s/metrics", listen);
  return server;
}

static GateTestServer *
start_server_with (const char *conninfo,
                   const char *option)
{
  const char *options[3] = { option, NULL, NULL };

  return start_server_watched (conninfo, options, NULL);
}

/* gate_server_pool_prepared_statements as /metrics says it now. */
static int
prepared_gauge (const char *metrics_url)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", metrics_url);
  g_autoptr(GBytes) bytes = soup_session_send_and_read (session, message, NULL, NULL);
  g_autofree char *text = bytes ? g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)) : NULL;
  const char *line = text ? strstr (text, "\ngate_server_pool_prepared_statements ") : NULL;

  g_assert_nonnull (line);
  return atoi (line + strlen ("\ngate_server_pool_prepared_statements "));
}

static char *
scan_json (const char *ticket)
{
  g_autofree char *scan_id = gate_test_uuid ();

  return g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_client_scan_id\":\"%s\"}",
                          ticket, backend.event, scan_id);
}

static GateTestServer *
start_server (const char *conninfo)
{
  return start_server_with (conninfo, NULL);
}

/* --- transaction pooling ---------------------------------------------------------------- */

typedef enum
{
  CALLER_GATE_SCANS,          /* unique tickets: each admitted */
  CALLER_GATE_ASKS,           /* its role, timeouts: its own, and review_conflict: 403 */
  CALLER_SUPERVISOR_ASKS,     /* its role and timeouts: its own */
  CALLER_FAILS,               /* a bad uuid: 400, whose rollback must not leak */
} CallerKind;

typedef struct
{
  CallerKind   kind;
  const char  *url;
  char       **tickets;
  guint        n_calls;
  guint        wrong;
  char        *first_wrong;
} Caller;

#define CALLS_EACH 40

static void
caller_check (Caller     *caller,
              gboolean    ok,
              guint       status,
              const char *body)
{
  if (ok)
    return;
  caller->wrong++;
  if (caller->first_wrong == NULL)
    caller->first_wrong = g_strdup_printf ("%u %s", status, body ? body : "(no body)");
}

static gpointer
call_repeatedly (gpointer user_data)
{
  Caller *caller = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);

  for (guint i = 0; i < CALLS_EACH; i++)
    {
      g_autofree char *body = NULL;
      g_autofree char *json = NULL;
      g_autofree char *role = NULL;
      g_autofree char *timeout = NULL;
      guint status;

      switch (caller->kind)
        {
        case CALLER_GATE_SCANS:
          json = scan_json (caller->tickets[i]);
          status = gate_test_rpc (session, caller->url, backend.gate_token, "scan_ticket", json, &body);
          caller_check (caller, status == 200 && strstr (body, "\"admitted\"") != NULL, status, body);
          break;

        case CALLER_GATE_ASKS:
          status = gate_test_rpc (session, caller->url, backend.gate_token, "test_session_state", "{}", &body);
          role = status == 200 ? gate_test_json_member (body, 0, "role") : NULL;
          timeout = status == 200 ? gate_test_json_member (body, 0, "statement_timeout") : NULL;
          caller_check (caller, g_strcmp0 (role, "gate_device") == 0 && g_strcmp0 (timeout, "10s") == 0, status,
                        body);
          g_clear_pointer (&body, g_free);
          status = gate_test_rpc (session, caller->url, backend.gate_token, "review_conflict",
                                  "{\"p_conflict_id\":1,\"p_reviewed_by\":\"x\"}", &body);
          caller_check (caller, status == 403, status, body);
          break;

        case CALLER_SUPERVISOR_ASKS:
          status = gate_test_rpc (session, caller->url, backend.supervisor_token, "test_session_state", "{}", &body);
          role = status == 200 ? gate_test_json_member (body, 0, "role") : NULL;
          caller_check (caller, g_strcmp0 (role, "gate_supervisor") == 0, status, body);
          break;

        case CALLER_FAILS:
        default:
          status = gate_test_rpc (session, caller->url, backend.gate_token, "scan_ticket",
                                  "{\"p_qr_token\":\"x\",\"p_event_id\":\"not-a-uuid\","
                                  "\"p_client_scan_id\":\"also-not\"}", &body);
          caller_check (caller, status == 400, status, body);
          break;
        }
      caller->n_calls++;
    }
  return NULL;
}

static void
test_pooler_transaction_pooling_leaks_nothing (void)
{
  g_autoptr(GError) error = NULL;
  const char *defaults[3] = { NULL };
  g_autofree char *metrics_url = NULL;
  g_autoptr(GateTestServer) server = start_server_watched (backend.pooled_conninfo, defaults, &metrics_url);
  g_auto(GStrv) tickets_a = gate_test_generate_tickets (backend.pg, backend.event, CALLS_EACH, "General", &error);
  g_auto(GStrv) tickets_b = gate_test_generate_tickets (backend.pg, backend.event, CALLS_EACH, "General", &error);
  const CallerKind kinds[] = { CALLER_GATE_SCANS, CALLER_GATE_SCANS, CALLER_GATE_ASKS, CALLER_GATE_ASKS,
                               CALLER_SUPERVISOR_ASKS, CALLER_SUPERVISOR_ASKS, CALLER_FAILS, CALLER_FAILS };
  Caller callers[G_N_ELEMENTS (kinds)] = { 0 };
  GThread *threads[G_N_ELEMENTS (kinds)];
  g_autofree char *server_connections = NULL;
  guint n_scans = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      callers[i].kind = kinds[i];
      callers[i].url = gate_test_server_get_url (server);
      callers[i].tickets = i == 0 ? tickets_a : tickets_b;
      threads[i] = g_thread_new ("caller", call_repeatedly, &callers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_thread_join (threads[i]);
      if (callers[i].wrong > 0)
        g_test_message ("caller %u: %u wrong answers, the first: %s", i, callers[i].wrong, callers[i].first_wrong);
      g_assert_cmpuint (callers[i].wrong, ==, 0);
      g_assert_cmpuint (callers[i].n_calls, ==, CALLS_EACH);
      n_scans += kinds[i] == CALLER_GATE_SCANS ? CALLS_EACH : 0;
      g_free (callers[i].first_wrong);
    }

  /* gate-server's 8 connections really shared PgBouncer's 2. */
  server_connections = sql_value ("SELECT count(*) FROM pg_stat_activity WHERE datname = 'postgres' "
                                  "AND application_name = '' AND backend_type = 'client backend' "
                                  "AND pid <> pg_backend_pid() AND client_port IS NOT NULL");
  g_assert_cmpint (atoi (server_connections), <=, atoi (POOLER_SERVER_CONNECTIONS));
  g_assert_cmpuint (n_scans, ==, 2 * CALLS_EACH);

  /* Statements are prepared by default, but not through a transaction
   * pooler: gate-server noticed it before preparing any. */
  g_assert_cmpint (prepared_gauge (metrics_url), ==, 0);

  /* And the server connections are left as they were found, with no
   * prepared statement either. */
  for (guint i = 0; i < 4; i++)
    {
      PGconn *conn = PQconnectdb (backend.pooled_conninfo);
      PGresult *result = PQexec (conn, "SELECT current_user, current_setting('statement_timeout'), "
                                       "current_setting('lock_timeout'), "
                                       "(SELECT count(*) FROM pg_prepared_statements)");

      g_assert_cmpint (PQresultStatus (result), ==, PGRES_TUPLES_OK);
      g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "postgres");
      g_assert_cmpstr (PQgetvalue (result, 0, 1), ==, "0");
      g_assert_cmpstr (PQgetvalue (result, 0, 2), ==, "0");
      g_assert_cmpstr (PQgetvalue (result, 0, 3), ==, "0");
      PQclear (result);
      PQfinish (conn);
    }
}

/* --- prepared statements, straight to PostgreSQL -------------------------------------- */

static void
test_prepared_statements_direct (void)
{
  const char *defaults[3] = { NULL };
  g_autofree char *metrics_url = NULL;
  g_autoptr(GateTestServer) server = start_server_watched (gate_test_pg_get_conninfo (backend.pg), defaults,
                                                           &metrics_url);
  const CallerKind kinds[] = { CALLER_GATE_SCANS, CALLER_GATE_ASKS, CALLER_SUPERVISOR_ASKS, CALLER_FAILS };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tickets = gate_test_generate_tickets (backend.pg, backend.event, CALLS_EACH, "General", &error);
  Caller callers[G_N_ELEMENTS (kinds)] = { 0 };
  GThread *threads[G_N_ELEMENTS (kinds)];
  g_autofree char *ignored = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);

  g_assert_no_error (error);
  /* Failures in between leave the connections' prepared statements
   * consistent: the calls after them still work. */
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      callers[i].kind = kinds[i];
      callers[i].url = gate_test_server_get_url (server);
      callers[i].tickets = tickets;
      threads[i] = g_thread_new ("caller", call_repeatedly, &callers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_thread_join (threads[i]);
      if (callers[i].wrong > 0)
        g_test_message ("caller %u: %u wrong answers, the first: %s", i, callers[i].wrong, callers[i].first_wrong);
      g_assert_cmpuint (callers[i].wrong, ==, 0);
      g_free (callers[i].first_wrong);
    }

  /* A function replaced under the prepared statements: the next call
   * fails once at most and the one after it works. */
  ignored = sql_value ("CREATE OR REPLACE FUNCTION public.test_session_state() "
                       "RETURNS TABLE (role text, statement_timeout text, lock_timeout text) "
                       "LANGUAGE sql AS $$ SELECT current_user::text || '', current_setting('statement_timeout'), "
                       "current_setting('lock_timeout') $$");
  (void) gate_test_rpc (session, gate_test_server_get_url (server), backend.gate_token, "test_session_state", "{}",
                        &body);
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (gate_test_rpc (session, gate_test_server_get_url (server), backend.gate_token,
                                   "test_session_state", "{}", &body), ==, 200);

  /* Straight to PostgreSQL, by default: prepared, all along. */
  g_assert_cmpint (prepared_gauge (metrics_url), ==, 1);
}

static void
test_prepared_statements_can_be_turned_off (void)
{
  const char *options[3] = { "--no-prepared-statements", NULL, NULL };
  g_autofree char *metrics_url = NULL;
  g_autoptr(GateTestServer) server = start_server_watched (gate_test_pg_get_conninfo (backend.pg), options,
                                                           &metrics_url);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autofree char *body = NULL;

  g_assert_cmpuint (gate_test_rpc (session, gate_test_server_get_url (server), backend.gate_token,
                                   "test_session_state", "{}", &body), ==, 200);
  g_assert_cmpint (prepared_gauge (metrics_url), ==, 0);
}

/* What a pooler the first question missed would do: a connection's
 * prepared statements vanish between two calls. The call that meets the
 * loss still succeeds, run again unprepared, and preparing stops. */
static void
test_prepared_statements_lost_midway (void)
{
  const char *options[3] = { "--pool", "1", NULL };
  g_autofree char *metrics_url = NULL;
  g_autoptr(GateTestServer) server = start_server_watched (gate_test_pg_get_conninfo (backend.pg), options,
                                                           &metrics_url);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  const char *url = gate_test_server_get_url (server);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tickets = gate_test_generate_tickets (backend.pg, backend.event, 2, "General", &error);

  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *body = NULL;

      g_assert_cmpuint (gate_test_rpc (session, url, backend.gate_token, "test_session_state", "{}", &body), ==, 200);
    }
  g_assert_cmpint (prepared_gauge (metrics_url), ==, 1);

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *body = NULL;
      g_autofree char *json = scan_json (tickets[i]);

      /* Its own COMMIT, prepared, is gone before it runs. */
      if (i == 1)
        {
          g_assert_cmpuint (gate_test_rpc (session, url, backend.gate_token, "test_forget_statements", "{}", &body),
                            ==, 200);
          g_clear_pointer (&body, g_free);
        }
      g_assert_cmpuint (gate_test_rpc (session, url, backend.gate_token, "scan_ticket", json, &body), ==, 200);
      g_assert_nonnull (strstr (body, "\"admitted\""));
    }
  g_assert_cmpint (prepared_gauge (metrics_url), ==, 0);
}

/* --- several gate-servers, one database ---------------------------------------------------- */

typedef struct
{
  const char *url;
  const char *token;
  const char *body;
  GMutex     *mutex;
  GCond      *cond;
  gboolean   *go;
  char       *verdict;
} Stormer;

static gpointer
storm (gpointer user_data)
{
  Stormer *stormer = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autofree char *body = NULL;

  g_mutex_lock (stormer->mutex);
  while (!*stormer->go)
    g_cond_wait (stormer->cond, stormer->mutex);
  g_mutex_unlock (stormer->mutex);

  if (gate_test_rpc (session, stormer->url, stormer->token, "scan_ticket", stormer->body, &body) == 200)
    stormer->verdict = gate_test_json_member (body, 0, "verdict");
  if (stormer->verdict == NULL)
    stormer->verdict = g_strdup_printf ("error: %s", body ? body : "");
  return NULL;
}

#define STORMERS 48
#define STORMS   4

static void
test_instances_one_ticket_storm_admits_once (void)
{
  g_autoptr(GError) error = NULL;
  GateTestServer *servers[3];
  char *device_ids[3];
  char *tokens[3];

  servers[0] = start_server (gate_test_pg_get_conninfo (backend.pg));
  servers[1] = start_server (gate_test_pg_get_conninfo (backend.pg));
  servers[2] = start_server (backend.pooled_conninfo);
  for (guint s = 0; s < 3; s++)
    {
      g_autofree char *name = g_strdup_printf ("storm-%u", s);

      g_assert_true (gate_test_add_device (backend.pg, name, "gate", &device_ids[s], &tokens[s], &error));
    }

  for (guint round = 0; round < STORMS; round++)
    {
      g_auto(GStrv) ticket = gate_test_generate_tickets (backend.pg, backend.event, 1, "General", &error);
      Stormer stormers[STORMERS] = { 0 };
      GThread *threads[STORMERS];
      char *bodies[STORMERS];
      GMutex mutex;
      GCond cond;
      gboolean go = FALSE;
      guint admitted = 0;
      guint already = 0;

      g_assert_no_error (error);
      g_mutex_init (&mutex);
      g_cond_init (&cond);
      for (guint i = 0; i < STORMERS; i++)
        {
          bodies[i] = scan_json (ticket[0]);
          stormers[i] = (Stormer) { gate_test_server_get_url (servers[i % 3]), tokens[i % 3], bodies[i], &mutex,
                                    &cond, &go, NULL };
          threads[i] = g_thread_new ("stormer", storm, &stormers[i]);
        }
      g_mutex_lock (&mutex);
      go = TRUE;
      g_cond_broadcast (&cond);
      g_mutex_unlock (&mutex);

      for (guint i = 0; i < STORMERS; i++)
        {
          g_thread_join (threads[i]);
          admitted += g_strcmp0 (stormers[i].verdict, "admitted") == 0;
          already += g_strcmp0 (stormers[i].verdict, "already_scanned") == 0;
          if (g_strcmp0 (stormers[i].verdict, "admitted") != 0 &&
              g_strcmp0 (stormers[i].verdict, "already_scanned") != 0)
            g_test_message ("stormer %u through server %u: %s", i, i % 3, stormers[i].verdict);
          g_free (stormers[i].verdict);
          g_free (bodies[i]);
        }
      g_mutex_clear (&mutex);
      g_cond_clear (&cond);

      g_assert_cmpuint (admitted, ==, 1);
      g_assert_cmpuint (already, ==, STORMERS - 1);
    }

  for (guint s = 0; s < 3; s++)
    {
      gate_test_server_free (servers[s]);
      g_free (device_ids[s]);
      g_free (tokens[s]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ignored = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  if (g_find_program_in_path ("pgbouncer") == NULL &&
      !g_file_test ("/usr/sbin/pgbouncer", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("pgbouncer is not installed (tools/deps installs it)");
      return g_test_run ();
    }

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Pooler tests", &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (backend.pg, "gate-pooled", "gate", &backend.gate_id, &backend.gate_token,
                                       &error));
  g_assert_true (gate_test_add_device (backend.pg, "boss-pooled", "supervisor", &backend.supervisor_id,
                                       &backend.supervisor_token, &error));
  /* What a transaction has set, as the call sees it: the role gate-server
   * switched to and the timeouts it set, which must be this call's own. */
  ignored = sql_value ("CREATE FUNCTION public.test_session_state() "
                       "RETURNS TABLE (role text, statement_timeout text, lock_timeout text) "
                       "LANGUAGE sql AS $$ SELECT current_user::text, current_setting('statement_timeout'), "
                       "current_setting('lock_timeout') $$; "
                       "REVOKE ALL ON FUNCTION public.test_session_state() FROM PUBLIC; "
                       "GRANT EXECUTE ON FUNCTION public.test_session_state() TO gate_device; "
                       "CREATE FUNCTION public.test_forget_statements() RETURNS int "
                       "LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DEALLOCATE ALL'; RETURN 1; END $$; "
                       "REVOKE ALL ON FUNCTION public.test_forget_statements() FROM PUBLIC; "
                       "GRANT EXECUTE ON FUNCTION public.test_forget_statements() TO gate_device");

  start_pgbouncer ();
  g_assert_true (gate_test_wait_until (NULL, pooler_answers, NULL, 10000));

  g_test_add_func ("/pooler/transaction-pooling-leaks-nothing", test_pooler_transaction_pooling_leaks_nothing);
  g_test_add_func ("/instances/one-ticket-storm-admits-once", test_instances_one_ticket_storm_admits_once);
  g_test_add_func ("/instances/prepared-statements-direct", test_prepared_statements_direct);
  g_test_add_func ("/instances/prepared-statements-can-be-turned-off", test_prepared_statements_can_be_turned_off);
  g_test_add_func ("/instances/prepared-statements-lost-midway", test_prepared_statements_lost_midway);

  result = g_test_run ();

  g_subprocess_send_signal (backend.pgbouncer, SIGTERM);
  g_subprocess_wait (backend.pgbouncer, NULL, NULL);
  g_clear_object (&backend.pgbouncer);
  gate_test_pg_free (backend.pg);
  return result;
}
