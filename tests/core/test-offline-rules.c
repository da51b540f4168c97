/* test-offline-rules.c — the gate rules decided offline (issue 13, point 2):
 * kiosks (gatectl's client verbs) refresh from a real gate-server and
 * PostgreSQL, decide every verdict of every list kind with the network
 * out of the picture (--offline), upload, and the server's outcome is
 * checked in its tables
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "gate-api-client.h"
#include "gate-api-rows.h"
#include "gate-api-rows-rules.h"
#include "gate-checkin-list.h"
#include "gate-error.h"
#include "gate-rules-refresh.h"
#include "gate-session.h"
#include "gate-test-harness.h"
#include "gate-test-proxy.h"
#include "gate-ticket-cache-rules.h"

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *event;
  char           *dir;
} backend;

typedef struct
{
  char *device_id;
  char *token;
  char *cache;
  char *list;
} Kiosk;

static Kiosk *
kiosk_new (const char *list)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = gate_test_uuid ();
  Kiosk *kiosk = g_new0 (Kiosk, 1);

  g_assert_true (gate_test_add_device (backend.pg, name, "gate", &kiosk->device_id, &kiosk->token, &error));
  kiosk->cache = g_strdup_printf ("%s/%s.cache", backend.dir, kiosk->device_id);
  kiosk->list = g_strdup (list);
  return kiosk;
}

static void
kiosk_free (Kiosk *kiosk)
{
  g_free (kiosk->device_id);
  g_free (kiosk->token);
  g_free (kiosk->cache);
  g_free (kiosk->list);
  g_free (kiosk);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Kiosk, kiosk_free)

/* gatectl VERB [ARGS…] --json as @kiosk; asserts it ran (exit 0) and
 * returns its stdout. */
static char *
gatectl (Kiosk      *kiosk,
         const char *verb,
         ...) G_GNUC_NULL_TERMINATED;

static char *
gatectl (Kiosk      *kiosk,
         const char *verb,
         ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("GATECTL"));
  g_ptr_array_add (argv, (gpointer) verb);
  g_ptr_array_add (argv, "--json");
  va_start (args, verb);
  for (const char *arg = va_arg (args, const char *); arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_setenv (launcher, "GATE_SERVER", gate_test_server_get_url (backend.server), TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_TOKEN", kiosk->token, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_DEVICE_ID", kiosk->device_id, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_EVENT", backend.event, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_CACHE", kiosk->cache, TRUE);
  if (kiosk->list != NULL)
    g_subprocess_launcher_setenv (launcher, "GATE_LIST", kiosk->list, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "GATE_LIST");

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("gatectl %s: %s", verb, err);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  return out;
}

/* An offline scan's verdict; @direction NULL for the default (entry). */
static char *
scan_offline (Kiosk      *kiosk,
              const char *code,
              const char *direction)
{
  g_autofree char *out = gatectl (kiosk, "scan", code, "--offline", direction ? "--direction" : NULL, direction,
                                  NULL);
  g_autofree char *mode = gate_test_json_member (out, 0, "mode");

  g_assert_cmpstr (mode, ==, "offline");
  return gate_test_json_member (out, 0, "verdict");
}

static char *
scan_online (Kiosk      *kiosk,
             const char *code,
             const char *direction)
{
  g_autofree char *out = gatectl (kiosk, "scan", code, direction ? "--direction" : NULL, direction, NULL);
  g_autofree char *mode = gate_test_json_member (out, 0, "mode");

  g_assert_cmpstr (mode, ==, "online");
  return gate_test_json_member (out, 0, "verdict");
}

static void
refresh (Kiosk *kiosk)
{
  g_free (gatectl (kiosk, "refresh", NULL));
}

static gint64
pending (Kiosk *kiosk)
{
  g_autofree char *out = gatectl (kiosk, "status", NULL);
  g_autofree char *count = gate_test_json_member (out, 0, "pending_uploads");

  return g_ascii_strtoll (count, NULL, 10);
}

static void
sync_all (Kiosk *kiosk)
{
  g_free (gatectl (kiosk, "sync", NULL));
  g_assert_cmpint (pending (kiosk), ==, 0);
}

static char *
sql (const char *query)
{
  g_autofree char *psql = g_find_program_in_path ("psql");
  g_autoptr(GError) error = NULL;
  const char *argv[] = { psql, "-At", "-d", gate_test_pg_get_conninfo (backend.pg), "-c", query, NULL };
  char *out = NULL;
  int status = -1;

  g_assert_nonnull (psql);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_strstrip (out);
}

/* The server's outcomes of @code's scans by @kiosk, in order, comma-separated. */
static char *
server_outcomes (Kiosk      *kiosk,
                 const char *code)
{
  g_autofree char *query = g_strdup_printf ("SELECT string_agg(outcome || ':' || direction, ',' ORDER BY corrected_at, id) "
                                            "FROM public.scan_logs WHERE qr_token = '%s' AND device_id = '%s'",
                                            code, kiosk->device_id);

  return sql (query);
}

static char *
server_inside (const char *code)
{
  g_autofree char *query = g_strdup_printf ("SELECT coalesce((SELECT p.inside::text FROM public.ticket_presence p "
                                            "JOIN public.tickets t ON t.id = p.ticket_id WHERE t.qr_token = '%s'), "
                                            "'none')",
                                            code);

  return sql (query);
}

static char *
new_list (const char *name,
          const char *direction,
          gboolean    reentry,
          const char *types)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *suffix = g_uuid_string_random ();
  g_autofree char *unique = g_strdup_printf ("%s %s", name, suffix);
  const char *db = gate_test_pg_get_conninfo (backend.pg);
  char *id;

  if (types != NULL)
    id = gate_test_gatectl (&error, "list", "create", "--db", db, "--event", backend.event, "--name", unique,
                            "--direction", direction, "--types", types, NULL);
  else if (reentry)
    id = gate_test_gatectl (&error, "list", "create", "--db", db, "--event", backend.event, "--name", unique,
                            "--direction", direction, "--reentry", NULL);
  else
    id = gate_test_gatectl (&error, "list", "create", "--db", db, "--event", backend.event, "--name", unique,
                            "--direction", direction, NULL);

  g_assert_no_error (error);
  return g_strstrip (id);
}

static char *
new_ticket (const char *type)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tokens = gate_test_generate_tickets (backend.pg, backend.event, 1, type, &error);

  g_assert_no_error (error);
  return g_strdup (tokens[0]);
}

#define assert_verdict(expr, expected) \
  G_STMT_START { g_autofree char *verdict_ = (expr); g_assert_cmpstr (verdict_, ==, (expected)); } G_STMT_END

static void
test_entry_only_list (void)
{
  g_autofree char *list = new_list ("Entrance", "entry", FALSE, NULL);
  g_autoptr(Kiosk) kiosk = kiosk_new (list);
  g_autofree char *code = new_ticket ("General");
  g_autofree char *outcomes = NULL;

  refresh (kiosk);
  assert_verdict (scan_offline (kiosk, code, "exit"), "not_allowed_here");
  assert_verdict (scan_offline (kiosk, code, NULL), "admitted");
  assert_verdict (scan_offline (kiosk, code, NULL), "already_scanned");
  assert_verdict (scan_offline (kiosk, code, "exit"), "not_allowed_here");
  g_assert_cmpint (pending (kiosk), ==, 1);

  sync_all (kiosk);
  outcomes = server_outcomes (kiosk, code);
  g_assert_cmpstr (outcomes, ==, "applied:entry");
  assert_verdict (server_inside (code), "true");
}

static void
test_exit_only_list (void)
{
  g_autofree char *list = new_list ("Way out", "exit", FALSE, NULL);
  g_autoptr(Kiosk) door = kiosk_new (NULL);
  g_autoptr(Kiosk) kiosk = kiosk_new (list);
  g_autofree char *inside = new_ticket ("General");
  g_autofree char *never = new_ticket ("General");
  g_autofree char *outcomes = NULL;

  /* Let in online elsewhere, before this kiosk's refresh. */
  assert_verdict (scan_online (door, inside, NULL), "admitted");
  refresh (kiosk);

  assert_verdict (scan_offline (kiosk, never, "exit"), "not_inside");
  assert_verdict (scan_offline (kiosk, inside, NULL), "not_allowed_here");
  assert_verdict (scan_offline (kiosk, inside, "exit"), "exited");
  assert_verdict (scan_offline (kiosk, inside, "exit"), "not_inside");
  g_assert_cmpint (pending (kiosk), ==, 1);

  sync_all (kiosk);
  outcomes = server_outcomes (kiosk, inside);
  g_assert_cmpstr (outcomes, ==, "exited:exit");
  assert_verdict (server_inside (inside), "false");
  assert_verdict (server_inside (never), "none");
}

static void
test_both_ways_with_reentry (void)
{
  g_autofree char *list = new_list ("Festival gate", "both", TRUE, NULL);
  g_autoptr(Kiosk) kiosk = kiosk_new (list);
  g_autofree char *code = new_ticket ("General");
  g_autofree char *outcomes = NULL;

  refresh (kiosk);
  assert_verdict (scan_offline (kiosk, code, "exit"), "not_inside");
  assert_verdict (scan_offline (kiosk, code, NULL), "admitted");
  assert_verdict (scan_offline (kiosk, code, NULL), "already_scanned");
  assert_verdict (scan_offline (kiosk, code, "exit"), "exited");
  assert_verdict (scan_offline (kiosk, code, NULL), "admitted");
  g_assert_cmpint (pending (kiosk), ==, 3);

  sync_all (kiosk);
  outcomes = server_outcomes (kiosk, code);
  g_assert_cmpstr (outcomes, ==, "applied:entry,exited:exit,reentered:entry");
  assert_verdict (server_inside (code), "true");
}

static void
test_both_ways_without_reentry (void)
{
  g_autofree char *list = new_list ("One-way festival", "both", FALSE, NULL);
  g_autoptr(Kiosk) kiosk = kiosk_new (list);
  g_autofree char *code = new_ticket ("General");
  g_autofree char *outcomes = NULL;

  refresh (kiosk);
  assert_verdict (scan_offline (kiosk, code, NULL), "admitted");
  assert_verdict (scan_offline (kiosk, code, "exit"), "exited");
  assert_verdict (scan_offline (kiosk, code, NULL), "already_scanned");
  assert_verdict (scan_offline (kiosk, code, "exit"), "not_inside");

  sync_all (kiosk);
  outcomes = server_outcomes (kiosk, code);
  g_assert_cmpstr (outcomes, ==, "applied:entry,exited:exit");
  assert_verdict (server_inside (code), "false");
}

static void
test_type_restricted_list (void)
{
  g_autofree char *list = new_list ("VIP door", "entry", FALSE, "VIP,Artist");
  g_autoptr(Kiosk) kiosk = kiosk_new (list);
  g_autofree char *general = new_ticket ("General");
  g_autofree char *vip = new_ticket ("VIP");
  g_autofree char *outcomes = NULL;

  refresh (kiosk);
  assert_verdict (scan_offline (kiosk, general, NULL), "not_allowed_here");
  assert_verdict (scan_offline (kiosk, vip, NULL), "admitted");
  g_assert_cmpint (pending (kiosk), ==, 1);

  sync_all (kiosk);
  outcomes = server_outcomes (kiosk, vip);
  g_assert_cmpstr (outcomes, ==, "applied:entry");
  assert_verdict (server_outcomes (kiosk, general), "");
}

static void
test_void_wins_over_every_rule (void)
{
  g_autofree char *list = new_list ("Void check", "both", FALSE, "General");
  g_autoptr(Kiosk) kiosk = kiosk_new (list);
  g_autofree char *code = new_ticket ("General");
  g_autofree char *query = g_strdup_printf ("UPDATE public.tickets SET status = 'void' WHERE qr_token = '%s'", code);

  g_free (sql (query));
  refresh (kiosk);
  assert_verdict (scan_offline (kiosk, code, NULL), "void");
  assert_verdict (scan_offline (kiosk, code, "exit"), "void");
  g_assert_cmpint (pending (kiosk), ==, 0);
}

/* Exits and re-entries made at other gates reach this kiosk's cache by the
 * presence delta, not only admissions. */
static void
test_refresh_brings_other_gates_exits (void)
{
  g_autofree char *list = new_list ("Shared gate", "both", TRUE, NULL);
  g_autoptr(Kiosk) other = kiosk_new (list);
  g_autoptr(Kiosk) kiosk = kiosk_new (list);
  g_autofree char *code = new_ticket ("General");

  refresh (kiosk);
  assert_verdict (scan_online (other, code, NULL), "admitted");
  refresh (kiosk);
  assert_verdict (scan_offline (kiosk, code, NULL), "already_scanned");

  assert_verdict (scan_online (other, code, "exit"), "exited");
  refresh (kiosk);
  assert_verdict (scan_offline (kiosk, code, "exit"), "not_inside");
  assert_verdict (scan_offline (kiosk, code, NULL), "admitted");
  sync_all (kiosk);
  assert_verdict (server_outcomes (kiosk, code), "reentered:entry");
}

/* An offline exit the server has not heard of stays, whatever a refresh
 * brings (DESIGN.md §5.3 for presence). */
static void
test_refresh_keeps_pending_exit (void)
{
  g_autofree char *list = new_list ("Pending gate", "both", TRUE, NULL);
  g_autoptr(Kiosk) other = kiosk_new (list);
  g_autoptr(Kiosk) kiosk = kiosk_new (list);
  g_autofree char *code = new_ticket ("General");
  g_autofree char *touch = NULL;

  assert_verdict (scan_online (other, code, NULL), "admitted");
  refresh (kiosk);
  assert_verdict (scan_offline (kiosk, code, "exit"), "exited");

  /* The server writes the ticket's presence again (still inside there). */
  touch = g_strdup_printf ("SELECT public.gate_write_presence(id) FROM public.tickets WHERE qr_token = '%s'", code);
  g_free (sql (touch));
  refresh (kiosk);
  assert_verdict (scan_offline (kiosk, code, "exit"), "not_inside");
  g_assert_cmpint (pending (kiosk), ==, 1);

  sync_all (kiosk);
  assert_verdict (server_inside (code), "false");
}

/* The link dies in the middle of the rules step: the lists came, the
 * presence page is garbage. The step fails with a clear error, keeps the
 * cursor and the pending exit, and the next refresh goes on. */
static void
test_aborted_presence_refresh_loses_nothing (void)
{
  g_autofree char *list = new_list ("Flaky gate", "both", TRUE, NULL);
  g_autoptr(Kiosk) door = kiosk_new (list);
  g_autoptr(Kiosk) kiosk = kiosk_new (list);
  g_autofree char *left = new_ticket ("General");
  g_autofree char *arrives = new_ticket ("General");
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), NULL);
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GateApiClient) client = NULL;
  g_autoptr(GatePresence) presence = NULL;
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) async = { 0 };
  g_autofree char *cursor_before = NULL;
  g_autofree char *cursor_after = NULL;

  assert_verdict (scan_online (door, left, NULL), "admitted");
  refresh (kiosk);
  assert_verdict (scan_offline (kiosk, left, "exit"), "exited");
  assert_verdict (scan_online (door, arrives, NULL), "admitted");

  cache = gate_ticket_cache_new (kiosk->cache, &error);
  g_assert_no_error (error);
  client = gate_api_client_new (gate_test_proxy_get_url (proxy), kiosk->token, kiosk->device_id);
  cursor_before = gate_ticket_cache_dup_presence_cursor (cache, backend.event);
  g_assert_nonnull (cursor_before);

  gate_test_proxy_switch_after (proxy, 1, GATE_TEST_PROXY_GARBAGE);
  gate_rules_refresh_async (client, cache, backend.event, NULL, gate_test_async_ready, &async);
  g_assert_false (gate_rules_refresh_finish (gate_test_async_wait (&async, 30000), NULL, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_clear_error (&error);

  cursor_after = gate_ticket_cache_dup_presence_cursor (cache, backend.event);
  g_assert_cmpstr (cursor_after, ==, cursor_before);
  g_assert_cmpint (gate_ticket_cache_pending_count (cache), ==, 1);
  ticket = gate_ticket_cache_lookup (cache, arrives, NULL, &error);
  g_assert_no_error (error);
  presence = gate_ticket_cache_dup_presence (cache, ticket->id, &error);
  g_assert_no_error (error);
  g_assert_null (presence);

  gate_test_proxy_set_mode (proxy, GATE_TEST_PROXY_PASS);
  gate_rules_refresh_async (client, cache, backend.event, NULL, gate_test_async_ready, &async);
  g_assert_true (gate_rules_refresh_finish (gate_test_async_wait (&async, 30000), NULL, &error));
  g_assert_no_error (error);
  presence = gate_ticket_cache_dup_presence (cache, ticket->id, &error);
  g_assert_nonnull (presence);
  g_assert_true (presence->inside);
  g_clear_pointer (&ticket, gate_ticket_free);
  g_clear_pointer (&presence, gate_presence_free);
  ticket = gate_ticket_cache_lookup (cache, left, NULL, &error);
  presence = gate_ticket_cache_dup_presence (cache, ticket->id, &error);
  g_assert_nonnull (presence);
  g_assert_false (presence->inside);

  g_clear_object (&cache);
  sync_all (kiosk);
  assert_verdict (server_outcomes (kiosk, left), "exited:exit");
}

/* Two kiosks, both offline, both let the same guest in: the second upload
 * is a conflict the supervisor sees. */
static void
test_two_offline_entries_become_a_conflict (void)
{
  g_autofree char *list = new_list ("Twin gates", "both", TRUE, NULL);
  g_autoptr(Kiosk) north = kiosk_new (list);
  g_autoptr(Kiosk) south = kiosk_new (list);
  g_autofree char *code = new_ticket ("General");
  g_autofree char *conflicts = NULL;
  g_autofree char *query = g_strdup_printf ("SELECT count(*) FROM public.scan_conflicts c JOIN public.tickets t "
                                            "ON t.id = c.ticket_id WHERE t.qr_token = '%s' AND c.winner_device = '%s' "
                                            "AND c.loser_device = '%s'",
                                            code, north->device_id, south->device_id);
  g_autofree char *count = NULL;

  refresh (north);
  refresh (south);
  assert_verdict (scan_offline (north, code, NULL), "admitted");
  assert_verdict (scan_offline (south, code, NULL), "admitted");

  sync_all (north);
  sync_all (south);
  assert_verdict (server_outcomes (north, code), "applied:entry");
  assert_verdict (server_outcomes (south, code), "lost_conflict:entry");
  count = sql (query);
  g_assert_cmpstr (count, ==, "1");

  /* The conflict path the supervisor reads, as the losing kiosk sees it. */
  conflicts = gatectl (south, "conflicts", NULL);
  {
    g_autofree char *result = gate_test_json_member (conflicts, 0, "result");
    g_autofree char *winner = gate_test_json_member (conflicts, 0, "winner_device");
    g_autofree char *loser = gate_test_json_member (conflicts, 0, "loser_device");

    g_assert_cmpstr (result, ==, "lost");
    g_assert_cmpstr (winner, ==, north->device_id);
    g_assert_cmpstr (loser, ==, south->device_id);
  }
}

/* A list the cache does not have is no guess. */
static void
test_unknown_list_cannot_decide (void)
{
  g_autofree char *unknown = gate_test_uuid ();
  g_autoptr(Kiosk) kiosk = kiosk_new (NULL);
  g_autofree char *code = new_ticket ("General");
  g_autofree char *out = NULL;
  g_autofree char *reason = NULL;

  refresh (kiosk);
  kiosk->list = g_strdup (unknown);
  out = gatectl (kiosk, "scan", code, "--offline", NULL);
  reason = gate_test_json_member (out, 0, "reason");
  assert_verdict (gate_test_json_member (out, 0, "verdict"), "cannot_decide");
  g_assert_cmpstr (reason, ==, "cache_empty");
  g_assert_cmpint (pending (kiosk), ==, 0);
}

/* Malformed list rows fail the whole answer, naming what is wrong; a list
 * of another event stores nothing and keeps the lists the cache had. */
static void
test_malformed_list_rows_lose_nothing (void)
{
  static const char * const bad[] = {
    "[{\"list_id\":\"nope\",\"event_id\":\"6f1c7c1e-4f43-4c2a-9a8e-0d4c3b2a1f00\",\"name\":\"A\","
    "\"ticket_types\":[],\"direction\":\"entry\",\"allow_reentry\":false,\"assigned\":false}]",
    "[{\"list_id\":\"6f1c7c1e-4f43-4c2a-9a8e-0d4c3b2a1f01\",\"event_id\":\"6f1c7c1e-4f43-4c2a-9a8e-0d4c3b2a1f00\","
    "\"name\":\"A\",\"ticket_types\":[1],\"direction\":\"entry\",\"allow_reentry\":false,\"assigned\":false}]",
    "[{\"list_id\":\"6f1c7c1e-4f43-4c2a-9a8e-0d4c3b2a1f01\",\"event_id\":\"6f1c7c1e-4f43-4c2a-9a8e-0d4c3b2a1f00\","
    "\"name\":\"A\",\"ticket_types\":[],\"direction\":\"sideways\",\"allow_reentry\":false,\"assigned\":false}]",
    "[{\"list_id\":\"6f1c7c1e-4f43-4c2a-9a8e-0d4c3b2a1f01\",\"event_id\":\"6f1c7c1e-4f43-4c2a-9a8e-0d4c3b2a1f00\","
    "\"name\":\"A\",\"direction\":\"entry\",\"allow_reentry\":\"yes\",\"assigned\":false}]",
    "[{\"ticket_id\":\"6f1c7c1e-4f43-4c2a-9a8e-0d4c3b2a1f01\",\"inside\":true,\"next_cursor\":\"5||\"}]",
  };
  g_autofree char *list = new_list ("Kept", "entry", FALSE, NULL);
  g_autoptr(Kiosk) kiosk = kiosk_new (list);
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GPtrArray) lists = NULL;
  g_autoptr(GPtrArray) foreign = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_list_rules_free);
  g_autoptr(GError) error = NULL;
  GateListRules *stranger = gate_list_rules_new ();

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonArray) rows = gate_api_rows_from_body (bad[i], strlen (bad[i]), &error);
      g_autoptr(GPtrArray) decoded = NULL;
      g_autoptr(GatePresencePage) page = NULL;

      g_assert_no_error (error);
      if (i < G_N_ELEMENTS (bad) - 1)
        g_assert_null ((decoded = gate_api_rows_to_list_rules (rows, &error)));
      else
        g_assert_null ((page = gate_api_rows_to_presence_page (rows, &error)));
      g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
      g_assert_nonnull (strstr (error->message, "row 0"));
      g_clear_error (&error);
    }

  refresh (kiosk);
  cache = gate_ticket_cache_new (kiosk->cache, &error);
  g_assert_no_error (error);
  stranger->id = gate_test_uuid ();
  stranger->event_id = gate_test_uuid ();
  stranger->name = g_strdup ("Elsewhere");
  stranger->direction = g_strdup ("entry");
  stranger->ticket_types = g_new0 (char *, 1);
  g_ptr_array_add (foreign, stranger);
  g_assert_false (gate_ticket_cache_set_checkin_lists (cache, backend.event, foreign, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);

  lists = gate_ticket_cache_dup_checkin_lists (cache, backend.event, NULL);
  g_assert_nonnull (lists);
  g_assert_true (lists->len >= 1);
  {
    gboolean kept = FALSE;

    for (guint i = 0; i < lists->len; i++)
      kept |= g_strcmp0 (((GateListRules *) lists->pdata[i])->id, list) == 0;
    g_assert_true (kept);
  }
}

/* --- the session: what the kiosk reads from the cache ------------------------- */

static void
on_session_opened (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_session_open_finish (GATE_SESSION (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* @kiosk's cache as a kiosk without a server opens it: every scan offline. */
static GateSession *
open_offline_session (Kiosk *kiosk)
{
  GateSession *session = gate_session_new (NULL, NULL, NULL, kiosk->device_id, backend.event, kiosk->cache);
  gboolean opened = FALSE;

  gate_session_open_async (session, NULL, on_session_opened, &opened);
  g_assert_true (gate_test_wait_for_flag (NULL, &opened, 10000));
  return session;
}

static char *
engine_list (GateSession *session)
{
  char *list_id = NULL;

  g_object_get (gate_session_get_engine (session), "list-id", &list_id, NULL);
  return list_id;
}

typedef struct
{
  GateSession *session;
  gint64       expected;
} CountWait;

static gboolean
inside_count_is (gpointer user_data)
{
  CountWait *wait = user_data;

  return gate_session_get_inside_count (wait->session) == wait->expected;
}

static void
on_decided (GateScanEngine         *engine,
            const GateScanDecision *decision,
            GateVerdict            *verdict)
{
  *verdict = decision->verdict;
}

static gboolean
was_decided (gpointer user_data)
{
  return *(GateVerdict *) user_data != GATE_VERDICT_CANNOT_DECIDE;
}

/* GateSession:inside-count is the cache's figure, offline: what the refresh
 * brought, then lowered by an offline exit at once. */
static void
test_session_inside_count_follows_offline_exit (void)
{
  g_autofree char *list = new_list ("Counted gate", "both", TRUE, NULL);
  g_autoptr(Kiosk) kiosk = kiosk_new (list);
  g_autofree char *code = new_ticket ("General");
  g_autofree char *query = g_strdup_printf ("SELECT count(*) FROM public.ticket_presence p JOIN public.tickets t "
                                            "ON t.id = p.ticket_id WHERE t.event_id = '%s' AND p.inside",
                                            backend.event);
  g_autofree char *server_count = NULL;
  g_autoptr(GateSession) session = NULL;
  GateVerdict verdict = GATE_VERDICT_CANNOT_DECIDE;
  CountWait wait = { NULL, 0 };

  assert_verdict (scan_online (kiosk, code, NULL), "admitted");
  refresh (kiosk);
  server_count = sql (query);

  session = open_offline_session (kiosk);
  wait.session = session;
  wait.expected = g_ascii_strtoll (server_count, NULL, 10);
  g_assert_cmpint (wait.expected, >, 0);
  g_assert_true (gate_test_wait_until (NULL, inside_count_is, &wait, 10000));

  gate_session_set_list_id (session, list);
  g_object_set (gate_session_get_engine (session), "direction", "exit", NULL);
  g_signal_connect (gate_session_get_engine (session), "decided", G_CALLBACK (on_decided), &verdict);
  gate_scan_engine_submit (gate_session_get_engine (session), code, "qr");
  g_assert_true (gate_test_wait_until (NULL, was_decided, &verdict, 10000));
  g_assert_cmpstr (gate_verdict_to_string (verdict), ==, "exited");
  wait.expected--;
  g_assert_true (gate_test_wait_until (NULL, inside_count_is, &wait, 10000));
  g_signal_handlers_disconnect_by_data (gate_session_get_engine (session), &verdict);
}

/* A list of another event is ignored once the cache knows the event's
 * lists; before, it is kept (a wrong list then refuses, never admits). */
static void
test_session_ignores_another_events_list (void)
{
  g_autofree char *list = new_list ("Known gate", "entry", FALSE, NULL);
  g_autofree char *elsewhere = gate_test_uuid ();
  g_autoptr(Kiosk) kiosk = kiosk_new (NULL);
  g_autoptr(GateSession) session = NULL;
  g_autofree char *applied = NULL;

  /* Never refreshed: the cache cannot tell. */
  session = open_offline_session (kiosk);
  g_assert_false (gate_session_get_lists_known (session));
  gate_session_set_list_id (session, elsewhere);
  applied = engine_list (session);
  g_assert_cmpstr (applied, ==, elsewhere);
  g_clear_object (&session);

  refresh (kiosk);
  session = open_offline_session (kiosk);
  g_assert_true (gate_session_get_lists_known (session));
  g_assert_nonnull (gate_checkin_list_find (gate_session_get_checkin_lists (session), list));
  gate_session_set_list_id (session, elsewhere);
  g_clear_pointer (&applied, g_free);
  applied = engine_list (session);
  g_assert_null (applied);
  g_assert_cmpstr (gate_session_get_list_id (session), ==, elsewhere);

  gate_session_set_list_id (session, list);
  applied = engine_list (session);
  g_assert_cmpstr (applied, ==, list);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.dir = g_dir_make_tmp ("gate-offline-rules-XXXXXX", &error);
  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Offline rules", &error);
  g_assert_no_error (error);
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/offline-rules/entry-only", test_entry_only_list);
  g_test_add_func ("/offline-rules/exit-only", test_exit_only_list);
  g_test_add_func ("/offline-rules/both-ways/reentry", test_both_ways_with_reentry);
  g_test_add_func ("/offline-rules/both-ways/no-reentry", test_both_ways_without_reentry);
  g_test_add_func ("/offline-rules/type-restricted", test_type_restricted_list);
  g_test_add_func ("/offline-rules/void-wins", test_void_wins_over_every_rule);
  g_test_add_func ("/offline-rules/refresh/brings-other-gates-exits", test_refresh_brings_other_gates_exits);
  g_test_add_func ("/offline-rules/refresh/keeps-pending-exit", test_refresh_keeps_pending_exit);
  g_test_add_func ("/offline-rules/refresh/aborted-presence-page-loses-nothing",
                   test_aborted_presence_refresh_loses_nothing);
  g_test_add_func ("/offline-rules/conflict/two-offline-entries", test_two_offline_entries_become_a_conflict);
  g_test_add_func ("/offline-rules/cannot-decide/unknown-list", test_unknown_list_cannot_decide);
  g_test_add_func ("/offline-rules/malformed-list-rows", test_malformed_list_rows_lose_nothing);
  g_test_add_func ("/offline-rules/session/inside-count-follows-offline-exit",
                   test_session_inside_count_follows_offline_exit);
  g_test_add_func ("/offline-rules/session/ignores-another-events-list", test_session_ignores_another_events_list);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_free (backend.event);
  {
    g_autoptr(GDir) dir = g_dir_open (backend.dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (backend.dir, name, NULL);

        g_unlink (path);
      }
    g_rmdir (backend.dir);
  }
  g_free (backend.dir);
  return result;
}
