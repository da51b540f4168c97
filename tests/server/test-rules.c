/* test-rules.c — the gate rules through gate-server (issue 13): the new
 * arguments pass through, the token's device is the one kept to its events,
 * supervisors read the per-gate numbers, operators sign in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>

#include "gate-test-harness.h"

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  const char     *url;
  char           *event;
  char           *other_event;
  char           *list;         /* both ways, re-entry, on event */
  char           *vip_door;     /* entry, VIP only, on event */
  char           *gate_id;      /* assigned to event, list */
  char           *gate_token;
  char           *free_id;
  char           *free_token;   /* a gate of no event: every event */
  char           *supervisor_id;
  char           *supervisor_token;
} backend;

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
gatectl_out (const char *first,
             ...) G_GNUC_NULL_TERMINATED;

static char *
gatectl_out (const char *first,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status = -1;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("GATECTL"));
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return g_strstrip (out);
}

static char *
new_ticket (const char *event,
            const char *type)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tokens = gate_test_generate_tickets (backend.pg, event, 1, type, &error);

  g_assert_no_error (error);
  return g_strdup (tokens[0]);
}

/* scan_ticket through gate-server; @extra are more members ("" for none). */
static char *
scan (const char *token,
      const char *code,
      const char *extra)
{
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *json = g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_client_scan_id\":\"%s\"%s}",
                                           code, backend.event, scan_id, extra);
  g_autofree char *body = NULL;

  g_assert_cmpuint (post (token, "scan_ticket", json, &body), ==, 200);
  return gate_test_json_member (body, 0, "verdict");
}

static void
test_direction_and_list_pass_through (void)
{
  g_autofree char *code = new_ticket (backend.event, "General");
  g_autofree char *list = g_strdup_printf (",\"p_list_id\":\"%s\"", backend.list);
  g_autofree char *exit_at_list = g_strdup_printf (",\"p_list_id\":\"%s\",\"p_direction\":\"exit\"", backend.list);
  g_autofree char *v1 = scan (backend.free_token, code, list);
  g_autofree char *v2 = scan (backend.free_token, code, exit_at_list);
  g_autofree char *v3 = scan (backend.free_token, code, exit_at_list);
  g_autofree char *v4 = scan (backend.free_token, code, list);
  g_autofree char *body = NULL;

  g_assert_cmpstr (v1, ==, "admitted");
  g_assert_cmpstr (v2, ==, "exited");
  g_assert_cmpstr (v3, ==, "not_inside");
  g_assert_cmpstr (v4, ==, "admitted");

  /* A direction that is none: 400, nothing written. */
  {
    g_autofree char *scan_id = gate_test_uuid ();
    g_autofree char *json = g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_client_scan_id\":\"%s\","
                                             "\"p_direction\":\"sideways\"}", code, backend.event, scan_id);

    g_assert_cmpuint (post (backend.free_token, "scan_ticket", json, &body), ==, 400);
  }
}

static void
test_device_list_applies_without_arguments (void)
{
  g_autofree char *general = new_ticket (backend.event, "General");
  g_autofree char *vip = new_ticket (backend.event, "VIP");
  g_autofree char *vip_list = g_strdup_printf (",\"p_list_id\":\"%s\"", backend.vip_door);
  /* The assigned gate's list (both ways, re-entry) is its default. */
  g_autofree char *v1 = scan (backend.gate_token, general, "");
  g_autofree char *v2 = scan (backend.gate_token, general, ",\"p_direction\":\"exit\"");
  g_autofree char *v3 = scan (backend.gate_token, general, "");
  g_autofree char *v4 = scan (backend.gate_token, general, vip_list);
  g_autofree char *v5 = scan (backend.gate_token, vip, vip_list);

  g_assert_cmpstr (v1, ==, "admitted");
  g_assert_cmpstr (v2, ==, "exited");
  g_assert_cmpstr (v3, ==, "admitted");
  g_assert_cmpstr (v4, ==, "not_allowed_here");
  g_assert_cmpstr (v5, ==, "admitted");
}

static void
test_assigned_token_reads_only_its_events (void)
{
  g_autofree char *other = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.other_event);
  g_autofree char *own = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);
  g_autofree char *spoofed = g_strdup_printf ("{\"p_event_id\":\"%s\",\"p_device_id\":\"dev-free\"}",
                                              backend.other_event);
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;
  g_autofree char *listed = NULL;

  g_assert_cmpuint (post (backend.gate_token, "tickets_changed_since", other, &body), ==, 403);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "42501");
  g_assert_cmpuint (post (backend.gate_token, "event_summary", other, NULL), ==, 403);
  /* Naming another device does not help: the token decides. */
  g_assert_cmpuint (post (backend.gate_token, "tickets_changed_since", spoofed, NULL), ==, 403);
  g_assert_cmpuint (post (backend.gate_token, "tickets_changed_since", own, NULL), ==, 200);
  /* A gate of no event still reads every event, as before. */
  g_assert_cmpuint (post (backend.free_token, "tickets_changed_since", other, NULL), ==, 200);

  g_assert_cmpuint (post (backend.gate_token, "list_events", "{}", &listed), ==, 200);
  g_assert_null (strstr (listed, backend.other_event));
  g_assert_nonnull (strstr (listed, backend.event));
}

static void
test_supervisor_reads_stats (void)
{
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);
  g_autofree char *body = NULL;
  g_autofree char *scope = NULL;

  g_assert_cmpuint (post (backend.gate_token, "event_stats", json, NULL), ==, 403);
  g_assert_cmpuint (post (backend.supervisor_token, "event_stats", json, &body), ==, 200);
  scope = gate_test_json_member (body, 0, "scope");
  g_assert_cmpstr (scope, ==, "event");
  /* Server-wide, no arguments at all. */
  g_assert_cmpuint (post (backend.supervisor_token, "event_stats", "{}", NULL), ==, 200);
}

static void
test_operator_signs_in_through_the_server (void)
{
  g_autofree char *out = gatectl_out ("operator", "add", "--db", gate_test_pg_get_conninfo (backend.pg), "--name",
                                      "Eva Server", "--pin", "4321", NULL);
  g_autofree char *operator_id = gate_test_json_member (out, 0, "operator_id");
  g_autofree char *right = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *signed_in = NULL;
  g_autofree char *answered_id = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *names = NULL;
  g_autofree char *code = new_ticket (backend.event, "General");
  g_autofree char *by = g_strdup_printf (",\"p_scanned_by\":\"%s\"", operator_id);
  g_autofree char *verdict = NULL;
  g_autofree char *recorded = NULL;

  g_assert_cmpuint (post (backend.gate_token, "operator_sign_in", "{\"p_name\":\"eva server\",\"p_pin\":\"4321\"}",
                          &right), ==, 200);
  signed_in = gate_test_json_member (right, 0, "signed_in");
  answered_id = gate_test_json_member (right, 0, "operator_id");
  g_assert_cmpstr (signed_in, ==, "true");
  g_assert_cmpstr (answered_id, ==, operator_id);

  /* A wrong PIN is an answer, not an error: no 401 that a kiosk would
   * take for a revoked token. */
  g_assert_cmpuint (post (backend.gate_token, "operator_sign_in", "{\"p_name\":\"Eva Server\",\"p_pin\":\"0000\"}",
                          &wrong), ==, 200);
  refused = gate_test_json_member (wrong, 0, "signed_in");
  g_assert_cmpstr (refused, ==, "false");

  g_assert_cmpuint (post (backend.gate_token, "list_operators", "{}", &names), ==, 200);
  g_assert_nonnull (strstr (names, "Eva Server"));

  verdict = scan (backend.gate_token, code, by);
  g_assert_cmpstr (verdict, ==, "admitted");
  {
    PGconn *conn = PQconnectdb (gate_test_pg_get_conninfo (backend.pg));
    const char *params[] = { code };
    PGresult *result = PQexecParams (conn, "SELECT l.scanned_by FROM scan_logs l JOIN tickets t ON t.id = l.ticket_id "
                                           "WHERE t.qr_token = $1", 1, NULL, params, NULL, NULL, 0);

    recorded = g_strdup (PQgetvalue (result, 0, 0));
    PQclear (result);
    PQfinish (conn);
  }
  g_assert_cmpstr (recorded, ==, operator_id);
}

static void
test_internal_page_function_not_exposed (void)
{
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.other_event);
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  /* 0007's delta lives on as an internal function: no way around the check. */
  g_assert_cmpuint (post (backend.gate_token, "gate_tickets_changed_page", json, &body), ==, 404);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST202");
}

/* The headless client, like a kiosk: gatectl CLIENT-VERB against gate-server
 * with @list in GATE_LIST (NULL: unset) and a throwaway cache. Returns its
 * standard output; its exit status must be 0. */
static char *
gatectl_client (const char  *token,
                const char  *device_id,
                const char  *list,
                const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("gate-rules-XXXXXX", NULL);
  g_autofree char *cache = g_build_filename (dir, "tickets.cache", NULL);
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = -1;

  env = g_environ_unsetenv (env, "GATE_LIST");
  if (list != NULL)
    env = g_environ_setenv (env, "GATE_LIST", list, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", dir, TRUE);

  g_ptr_array_add (argv, (gpointer) g_getenv ("GATECTL"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, (gpointer) "--server");
  g_ptr_array_add (argv, (gpointer) backend.url);
  g_ptr_array_add (argv, (gpointer) "--token");
  g_ptr_array_add (argv, (gpointer) token);
  g_ptr_array_add (argv, (gpointer) "--device-id");
  g_ptr_array_add (argv, (gpointer) device_id);
  g_ptr_array_add (argv, (gpointer) "--event");
  g_ptr_array_add (argv, (gpointer) backend.event);
  g_ptr_array_add (argv, (gpointer) "--cache");
  g_ptr_array_add (argv, (gpointer) cache);
  g_ptr_array_add (argv, (gpointer) "--json");
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, env, 0, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("gatectl %s failed: %s", args[0], err);
  g_remove (cache);
  {
    g_autofree char *wal = g_strconcat (cache, "-wal", NULL);
    g_autofree char *shm = g_strconcat (cache, "-shm", NULL);

    g_remove (wal);
    g_remove (shm);
  }
  g_rmdir (dir);
  return out;
}

static char *
client_verdict (const char *code,
                const char *direction,
                const char *list_env)
{
  const char *args[] = { "scan", code, "--direction", direction, NULL };
  g_autofree char *out = gatectl_client (backend.free_token, backend.free_id, list_env, args);
  g_autofree char *mode = gate_test_json_member (out, 0, "mode");

  g_assert_cmpstr (mode, ==, "online");
  return gate_test_json_member (out, 0, "verdict");
}

static void
test_gatectl_scans_by_list_and_direction (void)
{
  g_autofree char *vip = new_ticket (backend.event, "VIP");
  g_autofree char *general = new_ticket (backend.event, "General");
  g_autofree char *v1 = client_verdict (vip, "entry", backend.vip_door);
  g_autofree char *v2 = client_verdict (general, "entry", backend.vip_door);
  g_autofree char *v3 = client_verdict (vip, "exit", backend.list);
  g_autofree char *v4 = client_verdict (vip, "exit", backend.list);
  g_autofree char *v5 = client_verdict (vip, "entry", backend.list);
  /* --list wins over GATE_LIST. */
  const char *args[] = { "scan", general, "--list", backend.list, NULL };
  g_autofree char *flag_out = gatectl_client (backend.free_token, backend.free_id, backend.vip_door, args);
  g_autofree char *v6 = gate_test_json_member (flag_out, 0, "verdict");

  g_assert_cmpstr (v1, ==, "admitted");
  g_assert_cmpstr (v2, ==, "not_allowed_here");
  g_assert_cmpstr (v3, ==, "exited");
  g_assert_cmpstr (v4, ==, "not_inside");
  g_assert_cmpstr (v5, ==, "admitted");
  g_assert_cmpstr (v6, ==, "admitted");
}

static void
test_gatectl_stats_json (void)
{
  const char *args[] = { "stats", NULL };
  g_autofree char *code = new_ticket (backend.event, "General");
  g_autofree char *admitted = client_verdict (code, "entry", NULL);
  g_autofree char *out = gatectl_client (backend.supervisor_token, backend.supervisor_id, NULL, args);
  g_auto(GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_autofree char *first_scope = gate_test_json_member (lines[0], 0, "scope");
  g_autofree char *inside = gate_test_json_member (lines[0], 0, "inside");

  g_assert_cmpstr (admitted, ==, "admitted");
  g_assert_cmpuint (g_strv_length (lines), >=, 3);
  g_assert_cmpstr (first_scope, ==, "event");
  g_assert_nonnull (inside);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *scope = gate_test_json_member (lines[i], 0, "scope");

      g_assert_true (g_strv_contains ((const char * const[]) { "event", "list", "gate", "arrivals", NULL }, scope));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *gate = NULL;
  g_autofree char *free_gate = NULL;
  g_autofree char *boss = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Rules over HTTP", &error);
  g_assert_no_error (error);
  backend.other_event = gate_test_create_event (backend.pg, "Another night", &error);
  g_assert_no_error (error);

  backend.list = gatectl_out ("list", "create", "--db", gate_test_pg_get_conninfo (backend.pg), "--event",
                              backend.event, "--name", "Festival gate", "--direction", "both", "--reentry", NULL);
  backend.vip_door = gatectl_out ("list", "create", "--db", gate_test_pg_get_conninfo (backend.pg), "--event",
                                  backend.event, "--name", "VIP door", "--types", "VIP", NULL);
  gate = gatectl_out ("device", "add", "--db", gate_test_pg_get_conninfo (backend.pg), "--name", "Gate 1",
                      "--role", "gate", "--list", backend.list, NULL);
  backend.gate_id = gate_test_json_member (gate, 0, "device_id");
  backend.gate_token = gate_test_json_member (gate, 0, "token");
  free_gate = gatectl_out ("device", "add", "--db", gate_test_pg_get_conninfo (backend.pg), "--name", "Gate free",
                           "--role", "gate", NULL);
  backend.free_id = gate_test_json_member (free_gate, 0, "device_id");
  backend.free_token = gate_test_json_member (free_gate, 0, "token");
  boss = gatectl_out ("device", "add", "--db", gate_test_pg_get_conninfo (backend.pg), "--name", "Boss",
                      "--role", "supervisor", NULL);
  backend.supervisor_id = gate_test_json_member (boss, 0, "device_id");
  backend.supervisor_token = gate_test_json_member (boss, 0, "token");

  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);
  backend.url = gate_test_server_get_url (backend.server);

  g_test_add_func ("/server/rules/direction-and-list-pass-through", test_direction_and_list_pass_through);
  g_test_add_func ("/server/rules/device-list-applies-without-arguments", test_device_list_applies_without_arguments);
  g_test_add_func ("/server/rules/assigned-token-reads-only-its-events", test_assigned_token_reads_only_its_events);
  g_test_add_func ("/server/rules/supervisor-reads-stats", test_supervisor_reads_stats);
  g_test_add_func ("/server/rules/operator-signs-in-through-the-server", test_operator_signs_in_through_the_server);
  g_test_add_func ("/server/rules/internal-page-function-not-exposed", test_internal_page_function_not_exposed);
  g_test_add_func ("/server/rules/gatectl-scans-by-list-and-direction", test_gatectl_scans_by_list_and_direction);
  g_test_add_func ("/server/rules/gatectl-stats-json", test_gatectl_stats_json);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_free (backend.event);
  g_free (backend.other_event);
  g_free (backend.list);
  g_free (backend.vip_door);
  g_free (backend.gate_id);
  g_free (backend.gate_token);
  g_free (backend.free_id);
  g_free (backend.free_token);
  g_free (backend.supervisor_id);
  g_free (backend.supervisor_token);
  return result;
}
