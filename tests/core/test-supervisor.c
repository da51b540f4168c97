/* test-supervisor.c — a supervisor's per-gate numbers and operators, against
 * a real gate-server and PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "gate-api-client.h"
#include "gate-error.h"
#include "gate-gate-stats.h"
#include "gate-operator-admin.h"
#include "gate-test-harness.h"

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *event;
  char           *list;
  char           *north_id;
  char           *north_token;
  char           *south_id;
  char           *south_token;
  char           *boss_id;
  char           *boss_token;
  char          **tickets;
  guint           next_ticket;
} backend;

static const char *
fresh_ticket (void)
{
  return backend.tickets[backend.next_ticket++];
}

static GateApiClient *
client_of (const char *token,
           const char *device_id)
{
  return gate_api_client_new (gate_test_server_get_url (backend.server), token, device_id);
}

static GateApiClient *
boss (void)
{
  return client_of (backend.boss_token, backend.boss_id);
}

static GateVerdict
scan (GateApiClient *gate,
      const char    *code,
      const char    *direction,
      const char    *operator_id)
{
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *scan_id = g_uuid_string_random ();
  g_autoptr(GateScanDecision) decision = NULL;

  gate_api_client_scan_ticket_by_rules_async (gate, code, backend.event, scan_id, "qr", direction, NULL,
                                              operator_id, 5000, NULL, gate_test_async_ready, &waiter);
  decision = gate_api_client_scan_ticket_finish (gate, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_no_error (error);
  return decision->verdict;
}

static void
refresh (GateGateStats *stats)
{
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GError) error = NULL;

  gate_gate_stats_refresh_async (stats, NULL, gate_test_async_ready, &waiter);
  g_assert_true (gate_gate_stats_refresh_finish (stats, gate_test_async_wait (&waiter, 20000), &error));
  g_assert_no_error (error);
}

static const GateStatsRow *
row_for_gate (GPtrArray  *rows,
              const char *device_id)
{
  for (guint i = 0; i < rows->len; i++)
    {
      const GateStatsRow *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (row->device_id, device_id) == 0)
        return row;
    }
  return NULL;
}

static gint64
arrivals_of (GPtrArray  *rows,
             const char *device_id)
{
  gint64 sum = 0;

  for (guint i = 0; i < rows->len; i++)
    {
      const GateStatsRow *row = g_ptr_array_index (rows, i);

      g_assert_cmpint (row->bucket_us % (5 * 60 * G_USEC_PER_SEC), ==, 0);
      if (g_strcmp0 (row->device_id, device_id) == 0)
        sum += row->entries;
    }
  return sum;
}

/* Three in at North, one in at South, and one of North's guests out
 * through South: each figure lands on its own gate. */
static void
test_stats_count_entries_and_exits_per_gate (void)
{
  g_autoptr(GateApiClient) north = client_of (backend.north_token, backend.north_id);
  g_autoptr(GateApiClient) south = client_of (backend.south_token, backend.south_id);
  g_autoptr(GateApiClient) supervisor = boss ();
  g_autoptr(GateGateStats) stats = gate_gate_stats_new (supervisor);
  g_autoptr(GPtrArray) gates = NULL;
  g_autoptr(GPtrArray) lists = NULL;
  g_autoptr(GPtrArray) arrivals = NULL;
  const char *leaving = fresh_ticket ();
  const GateStatsRow *row;
  gint64 entries, exits, inside;

  g_assert_cmpint (scan (north, leaving, "entry", NULL), ==, GATE_VERDICT_ADMITTED);
  g_assert_cmpint (scan (north, fresh_ticket (), "entry", NULL), ==, GATE_VERDICT_ADMITTED);
  g_assert_cmpint (scan (north, fresh_ticket (), "entry", NULL), ==, GATE_VERDICT_ADMITTED);
  g_assert_cmpint (scan (south, fresh_ticket (), "entry", NULL), ==, GATE_VERDICT_ADMITTED);
  g_assert_cmpint (scan (south, leaving, "exit", NULL), ==, GATE_VERDICT_EXITED);

  gate_gate_stats_set_event_id (stats, backend.event);
  refresh (stats);

  gate_gate_stats_get_totals (stats, &entries, &exits, &inside);
  g_assert_cmpint (entries, ==, 4);
  g_assert_cmpint (exits, ==, 1);
  g_assert_cmpint (inside, ==, 3);
  g_assert_cmpint (gate_gate_stats_get_updated_at (stats), >, 0);

  gates = gate_gate_stats_get_rows (stats, GATE_STATS_SCOPE_GATE);
  row = row_for_gate (gates, backend.north_id);
  g_assert_nonnull (row);
  g_assert_cmpstr (row->device_name, ==, "North Gate");
  g_assert_cmpint (row->entries, ==, 3);
  g_assert_cmpint (row->exits, ==, 0);
  g_assert_cmpint (row->inside, ==, 2);
  row = row_for_gate (gates, backend.south_id);
  g_assert_nonnull (row);
  g_assert_cmpint (row->entries, ==, 1);
  g_assert_cmpint (row->exits, ==, 1);
  g_assert_cmpint (row->inside, ==, 1);

  lists = gate_gate_stats_get_rows (stats, GATE_STATS_SCOPE_LIST);
  g_assert_cmpuint (lists->len, ==, 1);
  row = g_ptr_array_index (lists, 0);
  g_assert_cmpstr (row->list_id, ==, backend.list);
  g_assert_cmpstr (row->list_name, ==, "Festival gate");
  g_assert_cmpint (row->entries, ==, 4);
  g_assert_cmpint (row->inside, ==, 3);

  arrivals = gate_gate_stats_get_rows (stats, GATE_STATS_SCOPE_ARRIVALS);
  g_assert_cmpint (arrivals_of (arrivals, backend.north_id), ==, 3);
  g_assert_cmpint (arrivals_of (arrivals, backend.south_id), ==, 1);
}

typedef struct
{
  GateGateStats *stats;
  gint64         entries;
} EntriesAtLeast;

static gboolean
not_loading (gpointer user_data)
{
  return !gate_gate_stats_get_loading (user_data);
}

static gboolean
entries_reached (gpointer user_data)
{
  EntriesAtLeast *wanted = user_data;
  gint64 entries;

  gate_gate_stats_get_totals (wanted->stats, &entries, NULL, NULL);
  return entries >= wanted->entries;
}

/* Live, the numbers follow a scan made after the page opened, by
 * themselves; a gate's token may not read them. */
static void
test_stats_live_follow_new_scans (void)
{
  g_autoptr(GateApiClient) north = client_of (backend.north_token, backend.north_id);
  g_autoptr(GateApiClient) supervisor = boss ();
  g_autoptr(GateGateStats) stats = gate_gate_stats_new (supervisor);
  EntriesAtLeast wanted = { stats, 0 };
  gint64 before;

  gate_gate_stats_set_event_id (stats, backend.event);
  refresh (stats);
  gate_gate_stats_get_totals (stats, &before, NULL, NULL);

  gate_gate_stats_set_interval_ms (stats, 100);
  gate_gate_stats_set_live (stats, TRUE);
  g_assert_cmpint (scan (north, fresh_ticket (), "entry", NULL), ==, GATE_VERDICT_ADMITTED);
  wanted.entries = before + 1;
  g_assert_true (gate_test_wait_until (NULL, entries_reached, &wanted, 20000));

  /* Hidden: whatever was being asked is dropped. */
  gate_gate_stats_set_live (stats, FALSE);
  g_assert_true (gate_test_wait_until (NULL, not_loading, stats, 5000));
}

static void
test_stats_refused_to_a_gate (void)
{
  g_autoptr(GateApiClient) north = client_of (backend.north_token, backend.north_id);
  g_autoptr(GateGateStats) stats = gate_gate_stats_new (north);
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GError) error = NULL;

  gate_gate_stats_refresh_async (stats, NULL, gate_test_async_ready, &waiter);
  g_assert_false (gate_gate_stats_refresh_finish (stats, gate_test_async_wait (&waiter, 20000), &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_FORBIDDEN);
  g_assert_nonnull (gate_gate_stats_get_error_message (stats));
}

static GateOperator *
add_operator (GateOperatorAdmin *admin,
              const char        *name,
              const char        *pin,
              GError           **error)
{
  g_auto(GateTestAsync) waiter = { 0 };

  gate_operator_admin_add_async (admin, name, pin, NULL, gate_test_async_ready, &waiter);
  return gate_operator_admin_add_finish (admin, gate_test_async_wait (&waiter, 20000), error);
}

static gboolean
listed (GateOperatorAdmin *admin,
        const char        *operator_id)
{
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GError) error = NULL;

  gate_operator_admin_reload_async (admin, NULL, gate_test_async_ready, &waiter);
  g_assert_true (gate_operator_admin_reload_finish (admin, gate_test_async_wait (&waiter, 20000), &error));
  g_assert_no_error (error);
  return gate_operator_admin_find (admin, operator_id) != NULL;
}

static void
test_operator_added_listed_and_removed (void)
{
  g_autoptr(GateApiClient) supervisor = boss ();
  g_autoptr(GateOperatorAdmin) admin = gate_operator_admin_new (supervisor);
  g_autoptr(GateOperatorAdmin) fresh = gate_operator_admin_new (supervisor);
  g_autoptr(GError) error = NULL;
  g_autoptr(GateOperator) ana = add_operator (admin, "  Ana Admin ", "1234", &error);
  g_auto(GateTestAsync) waiter = { 0 };

  g_assert_no_error (error);
  g_assert_cmpstr (ana->name, ==, "Ana Admin");
  g_assert_true (g_uuid_string_is_valid (ana->id));
  g_assert_nonnull (gate_operator_admin_find (admin, ana->id));
  g_assert_true (listed (fresh, ana->id));

  gate_operator_admin_remove_async (admin, ana->id, NULL, gate_test_async_ready, &waiter);
  g_assert_true (gate_operator_admin_remove_finish (admin, gate_test_async_wait (&waiter, 20000), &error));
  g_assert_no_error (error);
  g_assert_null (gate_operator_admin_find (admin, ana->id));
  g_assert_false (listed (fresh, ana->id));
}

static void
test_operator_bad_pin_refused (void)
{
  g_autoptr(GateApiClient) supervisor = boss ();
  g_autoptr(GateOperatorAdmin) admin = gate_operator_admin_new (supervisor);
  g_autoptr(GError) error = NULL;
  g_autoptr(GateOperator) none = add_operator (admin, "Short Pin", "12a4", &error);
  g_autoptr(GateOperator) also_none = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  g_assert_null (none);
  g_assert_error (error, GATE_OPERATOR_ERROR, GATE_OPERATOR_ERROR_INVALID_PIN);
  g_clear_error (&error);

  /* A client that does not check is refused by the server, in its words. */
  gate_api_client_add_operator_async (supervisor, "Short Pin", "12", NULL, gate_test_async_ready, &waiter);
  also_none = gate_api_client_add_operator_finish (supervisor, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_null (also_none);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_REQUEST);
  g_assert_nonnull (strstr (error->message, "a PIN is 4 to 12 digits"));
}

static void
test_operator_name_in_use_refused (void)
{
  g_autoptr(GateApiClient) supervisor = boss ();
  g_autoptr(GateOperatorAdmin) admin = gate_operator_admin_new (supervisor);
  g_autoptr(GError) error = NULL;
  g_autoptr(GateOperator) first = add_operator (admin, "Bo Twice", "4321", &error);
  g_autoptr(GateOperator) second = NULL;

  g_assert_no_error (error);
  second = add_operator (admin, "bo twice", "9876", &error);
  g_assert_null (second);
  g_assert_error (error, GATE_OPERATOR_ERROR, GATE_OPERATOR_ERROR_NAME_IN_USE);
  g_assert_cmpuint (gate_operator_admin_get_operators (admin)->len, >=, 1);
}

static void
test_operator_added_only_by_a_supervisor (void)
{
  g_autoptr(GateApiClient) north = client_of (backend.north_token, backend.north_id);
  g_autoptr(GateOperatorAdmin) admin = gate_operator_admin_new (north);
  g_autoptr(GError) error = NULL;
  g_autoptr(GateOperator) none = add_operator (admin, "Gate Made", "1234", &error);

  g_assert_null (none);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_FORBIDDEN);
}

static void
upload (GateApiClient *gate,
        const char    *code,
        gint64         scanned_at_us,
        const char    *operator_id,
        char         **client_scan_id)
{
  g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
  g_autoptr(GPtrArray) scans = g_ptr_array_new ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  scan->client_scan_id = g_uuid_string_random ();
  scan->event_id = g_strdup (backend.event);
  scan->qr_token = g_strdup (code);
  scan->scanned_at_us = scanned_at_us;
  scan->scanned_by = g_strdup (operator_id);
  g_ptr_array_add (scans, scan);
  gate_api_client_sync_offline_scans_async (gate, scans, NULL, gate_test_async_ready, &waiter);
  results = gate_api_client_sync_offline_scans_finish (gate, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  *client_scan_id = g_strdup (scan->client_scan_id);
}

/* Two offline entries of one ticket at two gates: the conflict names who
 * was signed in at each. */
static void
test_conflict_names_both_operators (void)
{
  g_autoptr(GateApiClient) north = client_of (backend.north_token, backend.north_id);
  g_autoptr(GateApiClient) south = client_of (backend.south_token, backend.south_id);
  g_autoptr(GateApiClient) supervisor = boss ();
  g_autoptr(GateOperatorAdmin) admin = gate_operator_admin_new (supervisor);
  g_autoptr(GError) error = NULL;
  g_autoptr(GateOperator) cleo = add_operator (admin, "Cleo North", "1111", &error);
  g_autoptr(GateOperator) dan = add_operator (admin, "Dan South", "2222", &error);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *second_id = NULL;
  const char *code = fresh_ticket ();
  gint64 now = g_get_real_time ();
  g_auto(GateTestAsync) waiter = { 0 };
  const GateConflict *conflict = NULL;

  g_assert_no_error (error);
  upload (north, code, now - 60 * G_USEC_PER_SEC, cleo->id, &first_id);
  upload (south, code, now - 30 * G_USEC_PER_SEC, dan->id, &second_id);

  gate_api_client_list_conflicts_async (supervisor, backend.event, TRUE, NULL, gate_test_async_ready, &waiter);
  conflicts = gate_api_client_list_conflicts_finish (supervisor, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < conflicts->len; i++)
    if (g_strcmp0 (((GateConflict *) conflicts->pdata[i])->loser_scan_id, second_id) == 0)
      conflict = conflicts->pdata[i];
  g_assert_nonnull (conflict);
  g_assert_cmpstr (conflict->winner_scan_id, ==, first_id);
  g_assert_cmpstr (conflict->winner_operator, ==, "Cleo North");
  g_assert_cmpstr (conflict->loser_operator, ==, "Dan South");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *north = NULL;
  g_autofree char *south = NULL;
  g_autofree char *supervisor = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Supervisor numbers", &error);
  g_assert_no_error (error);
  backend.tickets = gate_test_generate_tickets (backend.pg, backend.event, 30, "General", &error);
  g_assert_no_error (error);
  backend.list = gate_test_gatectl (&error, "list", "create", "--db", gate_test_pg_get_conninfo (backend.pg),
                                    "--event", backend.event, "--name", "Festival gate", "--direction", "both",
                                    "--reentry", NULL);
  g_assert_no_error (error);
  g_strstrip (backend.list);
  north = gate_test_gatectl (&error, "device", "add", "--db", gate_test_pg_get_conninfo (backend.pg), "--name",
                             "North Gate", "--role", "gate", "--list", backend.list, NULL);
  g_assert_no_error (error);
  south = gate_test_gatectl (&error, "device", "add", "--db", gate_test_pg_get_conninfo (backend.pg), "--name",
                             "South Gate", "--role", "gate", "--list", backend.list, NULL);
  g_assert_no_error (error);
  supervisor = gate_test_gatectl (&error, "device", "add", "--db", gate_test_pg_get_conninfo (backend.pg), "--name",
                                  "Boss", "--role", "supervisor", NULL);
  g_assert_no_error (error);
  backend.north_id = gate_test_json_member (north, 0, "device_id");
  backend.north_token = gate_test_json_member (north, 0, "token");
  backend.south_id = gate_test_json_member (south, 0, "device_id");
  backend.south_token = gate_test_json_member (south, 0, "token");
  backend.boss_id = gate_test_json_member (supervisor, 0, "device_id");
  backend.boss_token = gate_test_json_member (supervisor, 0, "token");
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/supervisor/stats/count-entries-and-exits-per-gate", test_stats_count_entries_and_exits_per_gate);
  g_test_add_func ("/supervisor/stats/live-follow-new-scans", test_stats_live_follow_new_scans);
  g_test_add_func ("/supervisor/stats/refused-to-a-gate", test_stats_refused_to_a_gate);
  g_test_add_func ("/supervisor/operators/added-listed-and-removed", test_operator_added_listed_and_removed);
  g_test_add_func ("/supervisor/operators/bad-pin-refused", test_operator_bad_pin_refused);
  g_test_add_func ("/supervisor/operators/name-in-use-refused", test_operator_name_in_use_refused);
  g_test_add_func ("/supervisor/operators/added-only-by-a-supervisor", test_operator_added_only_by_a_supervisor);
  g_test_add_func ("/supervisor/conflicts/name-both-operators", test_conflict_names_both_operators);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_strfreev (backend.tickets);
  g_free (backend.event);
  g_free (backend.list);
  g_free (backend.north_id);
  g_free (backend.north_token);
  g_free (backend.south_id);
  g_free (backend.south_token);
  g_free (backend.boss_id);
  g_free (backend.boss_token);
  return result;
}
