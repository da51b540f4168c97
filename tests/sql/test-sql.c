/* test-sql.c — the SQL contract, checked with libpq against a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libpq-fe.h>

#include "gate-test-harness.h"

static GateTestPg *pg;
static char *event_id;
static char *other_event_id;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static PGconn *
connect_as (const char *role)
{
  PGconn *conn = PQconnectdb (gate_test_pg_get_conninfo (pg));

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  if (role != NULL)
    {
      g_autofree char *sql = g_strdup_printf ("SET ROLE %s", role);
      g_autoptr(PGresult) result = PQexec (conn, sql);

      g_assert_cmpint (PQresultStatus (result), ==, PGRES_COMMAND_OK);
    }
  return conn;
}

/* Run @sql with text @params; fail the test on an SQL error. */
static PGresult *
run (PGconn      *conn,
     const char  *sql,
     int          n_params,
     const char **params)
{
  PGresult *result = PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);

  if (PQresultStatus (result) != PGRES_TUPLES_OK && PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  return result;
}

static char *
sql_value (const char *sql)
{
  g_autoptr(PGconn) conn = connect_as (NULL);
  g_autoptr(PGresult) result = run (conn, sql, 0, NULL);

  return PQntuples (result) > 0 ? g_strdup (PQgetvalue (result, 0, 0)) : NULL;
}

static char **
new_tickets (guint count)
{
  g_autoptr(GError) error = NULL;
  char **tokens = gate_test_generate_tickets (pg, event_id, count, "General", &error);

  g_assert_no_error (error);
  return tokens;
}

static PGresult *
scan (PGconn     *conn,
      const char *token,
      const char *event,
      const char *device,
      const char *scan_id)
{
  const char *params[] = { token, event, device, scan_id };

  return run (conn, "SELECT verdict, ticket_id, scanned_at, scanned_device, server_time "
                    "FROM scan_ticket($1, $2, $3, $4)", 4, params);
}

/* --- migrations and privileges ------------------------------------------------ */

static void
test_migrate_rerun_is_noop (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = gate_test_gatectl (&error, "migrate", "--db", gate_test_pg_get_conninfo (pg), NULL);
  g_autofree char *count = sql_value ("SELECT count(*) FROM schema_migrations");

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "up to date");
  g_assert_cmpstr (count, ==, "4");
}

static void
test_roles_have_no_table_privileges (void)
{
  g_autofree char *count = sql_value (
    "SELECT count(*) FROM information_schema.role_table_grants "
    "WHERE grantee IN ('gate_device', 'gate_supervisor', 'gate_authenticator', 'PUBLIC') "
    "AND table_schema = 'public'");
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autoptr(PGresult) result = PQexec (conn, "SELECT * FROM tickets");

  g_assert_cmpstr (count, ==, "0");
  g_assert_cmpstr (PQresultErrorField (result, PG_DIAG_SQLSTATE), ==, "42501");
}

static void
test_public_cannot_execute_functions (void)
{
  g_autofree char *count = sql_value (
    "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = 'public' AND has_function_privilege('public', p.oid, 'EXECUTE')");
  g_autofree char *insecure = sql_value (
    "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = 'public' AND p.prosecdef "
    "AND NOT coalesce(p.proconfig @> ARRAY['search_path=\"\"'], false)");

  g_assert_cmpstr (count, ==, "0");
  g_assert_cmpstr (insecure, ==, "0");
}

static void
test_device_cannot_call_supervisor_functions (void)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autoptr(PGresult) result = PQexec (conn, "SELECT * FROM list_devices(NULL)");

  g_assert_cmpstr (PQresultErrorField (result, PG_DIAG_SQLSTATE), ==, "42501");
}

static void
test_supervisor_can_do_what_a_device_can (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) conn = connect_as ("gate_supervisor");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autoptr(PGresult) result = scan (conn, tickets[0], event_id, "boss", scan_id);

  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "admitted");
}

/* --- scan_ticket ----------------------------------------------------------------- */

static void
test_scan_idempotent_on_client_scan_id (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *first_id = gate_test_uuid ();
  g_autofree char *other_id = gate_test_uuid ();
  g_autoptr(PGresult) first = scan (conn, tickets[0], event_id, "gate-a", first_id);
  g_autoptr(PGresult) other = scan (conn, tickets[0], event_id, "gate-b", other_id);
  g_autoptr(PGresult) repeat = scan (conn, tickets[0], event_id, "gate-a", first_id);
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE client_scan_id = '%s'", first_id);
  g_autofree char *rows = sql_value (sql);

  g_assert_cmpstr (PQgetvalue (first, 0, 0), ==, "admitted");
  g_assert_cmpstr (PQgetvalue (other, 0, 0), ==, "already_scanned");
  g_assert_cmpstr (PQgetvalue (other, 0, 3), ==, "gate-a");
  /* The repeat is the original admit, not "already scanned" against itself. */
  g_assert_cmpstr (PQgetvalue (repeat, 0, 0), ==, "admitted");
  g_assert_cmpstr (PQgetvalue (repeat, 0, 2), ==, PQgetvalue (first, 0, 2));
  g_assert_cmpstr (rows, ==, "1");
}

static void
test_scan_wrong_event (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autoptr(PGresult) result = scan (conn, tickets[0], other_event_id, "gate-a", scan_id);

  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "wrong_event");
  g_assert_false (PQgetisnull (result, 0, 1));
}

static void
test_scan_void_ticket (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *sql = g_strdup_printf ("UPDATE tickets SET status = 'void' WHERE qr_token = '%s'", tickets[0]);
  g_autoptr(PGresult) result = NULL;
  g_autofree char *ignored = sql_value (sql);

  result = scan (conn, tickets[0], event_id, "gate-a", scan_id);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "void");
}

static void
test_scan_not_found_writes_nothing (void)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autoptr(PGresult) result = scan (conn, "GS1-NO-SUCH-TICKET", event_id, "gate-a", scan_id);
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE client_scan_id = '%s'", scan_id);
  g_autofree char *rows = sql_value (sql);

  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "not_found");
  g_assert_cmpstr (rows, ==, "0");
}

typedef struct
{
  const char *token;
  char        device[16];
  char       *verdict;
  char       *winner;
} Racer;

static gpointer
race (gpointer user_data)
{
  Racer *racer = user_data;
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autoptr(PGresult) result = scan (conn, racer->token, event_id, racer->device, scan_id);

  racer->verdict = g_strdup (PQgetvalue (result, 0, 0));
  racer->winner = g_strdup (PQgetvalue (result, 0, 3));
  return NULL;
}

static void
test_scan_64_concurrent_one_admit (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  Racer racers[64] = { 0 };
  GThread *threads[64];
  const char *winner = NULL;
  guint admitted = 0;
  guint already = 0;

  for (guint i = 0; i < 64; i++)
    {
      racers[i].token = tickets[0];
      g_snprintf (racers[i].device, sizeof racers[i].device, "gate-%02u", i);
      threads[i] = g_thread_new ("racer", race, &racers[i]);
    }
  for (guint i = 0; i < 64; i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < 64; i++)
    {
      if (g_str_equal (racers[i].verdict, "admitted"))
        {
          admitted++;
          winner = racers[i].device;
        }
      else if (g_str_equal (racers[i].verdict, "already_scanned"))
        already++;
    }
  g_assert_cmpuint (admitted, ==, 1);
  g_assert_cmpuint (already, ==, 63);
  for (guint i = 0; i < 64; i++)
    {
      g_assert_cmpstr (racers[i].winner, ==, winner);
      g_free (racers[i].verdict);
      g_free (racers[i].winner);
    }
}

static void
test_scan_waits_for_lock_then_answers (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) holder = connect_as (NULL);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autoptr(PGresult) result = NULL;
  const char *params[] = { tickets[0] };
  gint64 started;

  /* Another transaction holds the row past the 2 s lock timeout. */
  PQclear (run (holder, "BEGIN", 0, NULL));
  PQclear (run (holder, "SELECT 1 FROM tickets WHERE qr_token = $1 FOR UPDATE", 1, params));

  started = g_get_monotonic_time ();
  result = scan (conn, tickets[0], event_id, "gate-a", scan_id);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "busy");
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 1500 * 1000);

  PQclear (run (holder, "ROLLBACK", 0, NULL));
}

/* --- sync_offline_scans ---------------------------------------------------------- */

static char *
scan_element (const char *scan_id,
              const char *token,
              const char *event,
              const char *scanned_at,
              gint64      offset_ms)
{
  return g_strdup_printf ("{\"client_scan_id\":\"%s\",\"qr_token\":\"%s\",\"event_id\":\"%s\","
                          "\"scanned_at\":\"%s\",\"clock_offset_ms\":%" G_GINT64_FORMAT ","
                          "\"scanned_by\":null,\"scan_method\":\"qr\"}",
                          scan_id, token, event, scanned_at, offset_ms);
}

static PGresult *
sync_batch (const char *device,
            const char *batch)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { device, batch };

  return run (conn, "SELECT client_scan_id, outcome, replayed, winner_device, winner_time "
                    "FROM sync_offline_scans($1, $2::jsonb)", 2, params);
}

static const char *
outcome_of (PGresult   *result,
            const char *scan_id)
{
  for (int i = 0; i < PQntuples (result); i++)
    if (g_strcmp0 (PQgetvalue (result, i, 0), scan_id) == 0)
      return PQgetvalue (result, i, 1);
  return NULL;
}

static void
test_sync_applied_then_replayed (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *id = gate_test_uuid ();
  g_autofree char *element = scan_element (id, tickets[0], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *batch = g_strdup_printf ("[%s]", element);
  g_autoptr(PGresult) first = sync_batch ("gate-a", batch);
  g_autoptr(PGresult) again = sync_batch ("gate-a", batch);
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE client_scan_id = '%s'", id);
  g_autofree char *rows = sql_value (sql);

  g_assert_cmpstr (outcome_of (first, id), ==, "applied");
  g_assert_cmpstr (PQgetvalue (first, 0, 2), ==, "f");
  g_assert_cmpstr (outcome_of (again, id), ==, "applied");
  g_assert_cmpstr (PQgetvalue (again, 0, 2), ==, "t");
  g_assert_cmpstr (rows, ==, "1");
}

static void
test_sync_online_admit_replays_as_applied (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *id = gate_test_uuid ();
  g_autoptr(PGresult) online = scan (conn, tickets[0], event_id, "gate-a", id);
  g_autofree char *element = scan_element (id, tickets[0], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *batch = g_strdup_printf ("[%s]", element);
  g_autoptr(PGresult) upload = NULL;
  g_autofree char *conflicts = NULL;

  /* The kiosk timed out, decided offline with the same id, and uploads. */
  g_assert_cmpstr (PQgetvalue (online, 0, 0), ==, "admitted");
  upload = sync_batch ("gate-a", batch);
  g_assert_cmpstr (outcome_of (upload, id), ==, "applied");
  g_assert_cmpstr (PQgetvalue (upload, 0, 2), ==, "t");

  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM scan_conflicts c JOIN tickets t "
                                            "ON t.id = c.ticket_id WHERE t.qr_token = '%s'", tickets[0]);
    conflicts = sql_value (sql);
  }
  g_assert_cmpstr (conflicts, ==, "0");
}

static char *
conflict_count (const char *token)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM scan_conflicts c JOIN tickets t "
                                          "ON t.id = c.ticket_id WHERE t.qr_token = '%s'", token);

  return sql_value (sql);
}

static void
test_sync_later_scan_loses (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *a = gate_test_uuid ();
  g_autofree char *b = gate_test_uuid ();
  g_autofree char *ea = scan_element (a, tickets[0], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *eb = scan_element (b, tickets[0], event_id, "2026-11-25T10:05:00Z", 0);
  g_autofree char *ba = g_strdup_printf ("[%s]", ea);
  g_autofree char *bb = g_strdup_printf ("[%s]", eb);
  g_autoptr(PGresult) ra = sync_batch ("gate-a", ba);
  g_autoptr(PGresult) rb = sync_batch ("gate-b", bb);
  g_autofree char *conflicts = conflict_count (tickets[0]);
  g_autofree char *logs = NULL;

  g_assert_cmpstr (outcome_of (ra, a), ==, "applied");
  g_assert_cmpstr (outcome_of (rb, b), ==, "lost_conflict");
  g_assert_cmpstr (PQgetvalue (rb, 0, 3), ==, "gate-a");
  g_assert_cmpstr (conflicts, ==, "1");

  /* Nothing deleted: both scans are logged, one successful. */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) || '/' || count(*) FILTER (WHERE scan_success) "
                                            "FROM scan_logs l JOIN tickets t ON t.id = l.ticket_id "
                                            "WHERE t.qr_token = '%s'", tickets[0]);
    logs = sql_value (sql);
  }
  g_assert_cmpstr (logs, ==, "2/1");
}

static void
test_sync_earlier_scan_wins (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *a = gate_test_uuid ();
  g_autofree char *b = gate_test_uuid ();
  g_autofree char *ea = scan_element (a, tickets[0], event_id, "2026-11-25T10:05:00Z", 0);
  g_autofree char *eb = scan_element (b, tickets[0], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *ba = g_strdup_printf ("[%s]", ea);
  g_autofree char *bb = g_strdup_printf ("[%s]", eb);
  g_autoptr(PGresult) ra = sync_batch ("gate-a", ba);
  g_autoptr(PGresult) rb = sync_batch ("gate-b", bb);
  g_autofree char *conflicts = conflict_count (tickets[0]);
  g_autofree char *sql = g_strdup_printf ("SELECT scanned_device FROM tickets WHERE qr_token = '%s'", tickets[0]);
  g_autofree char *device = sql_value (sql);

  g_assert_cmpstr (outcome_of (ra, a), ==, "applied");
  g_assert_cmpstr (outcome_of (rb, b), ==, "won_conflict");
  g_assert_cmpstr (device, ==, "gate-b");
  g_assert_cmpstr (conflicts, ==, "1");
}

static void
test_sync_corrected_time_decides (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *a = gate_test_uuid ();
  g_autofree char *b = gate_test_uuid ();
  /* gate-a's clock is 10 min fast (offset −10 min): it really scanned at
   * 09:55. gate-b's clock is right and says 09:58. gate-a was first. */
  g_autofree char *eb = scan_element (b, tickets[0], event_id, "2026-11-25T09:58:00Z", 0);
  g_autofree char *ea = scan_element (a, tickets[0], event_id, "2026-11-25T10:05:00Z", -600000);
  g_autofree char *bb = g_strdup_printf ("[%s]", eb);
  g_autofree char *ba = g_strdup_printf ("[%s]", ea);
  g_autoptr(PGresult) rb = sync_batch ("gate-b", bb);
  g_autoptr(PGresult) ra = sync_batch ("gate-a", ba);

  g_assert_cmpstr (outcome_of (rb, b), ==, "applied");
  g_assert_cmpstr (outcome_of (ra, a), ==, "won_conflict");
}

static void
test_sync_tie_keeps_recorded_scan (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *a = gate_test_uuid ();
  g_autofree char *b = gate_test_uuid ();
  g_autofree char *ea = scan_element (a, tickets[0], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *eb = scan_element (b, tickets[0], event_id, "2026-11-25T09:59:00Z", 60000);
  g_autofree char *ba = g_strdup_printf ("[%s]", ea);
  g_autofree char *bb = g_strdup_printf ("[%s]", eb);
  g_autoptr(PGresult) ra = sync_batch ("gate-a", ba);
  g_autoptr(PGresult) rb = sync_batch ("gate-b", bb);

  g_assert_cmpstr (outcome_of (ra, a), ==, "applied");
  g_assert_cmpstr (outcome_of (rb, b), ==, "lost_conflict");
}

static void
test_sync_not_found_void_and_rejected_alone (void)
{
  g_auto(GStrv) tickets = new_tickets (2);
  g_autofree char *good = gate_test_uuid ();
  g_autofree char *unknown = gate_test_uuid ();
  g_autofree char *voided = gate_test_uuid ();
  g_autofree char *bad_time = gate_test_uuid ();
  g_autofree char *e1 = scan_element (good, tickets[0], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *e2 = scan_element (unknown, "GS1-UNKNOWN", event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *e3 = scan_element (voided, tickets[1], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *e4 = scan_element (bad_time, tickets[0], event_id, "yesterday-ish", 0);
  g_autofree char *batch = g_strdup_printf ("[%s,%s,%s,%s,42,{\"client_scan_id\":\"nope\"},\"text\"]",
                                            e1, e2, e3, e4);
  g_autofree char *sql = g_strdup_printf ("UPDATE tickets SET status = 'void' WHERE qr_token = '%s'", tickets[1]);
  g_autofree char *ignored = sql_value (sql);
  g_autoptr(PGresult) result = sync_batch ("gate-a", batch);
  guint rejected = 0;

  g_assert_cmpint (PQntuples (result), ==, 7);
  g_assert_cmpstr (outcome_of (result, good), ==, "applied");
  g_assert_cmpstr (outcome_of (result, unknown), ==, "not_found");
  g_assert_cmpstr (outcome_of (result, voided), ==, "void");
  g_assert_cmpstr (outcome_of (result, bad_time), ==, "rejected");
  for (int i = 0; i < PQntuples (result); i++)
    if (g_str_equal (PQgetvalue (result, i, 1), "rejected"))
      rejected++;
  g_assert_cmpuint (rejected, ==, 4);
}

static void
test_sync_more_than_1000_refused (void)
{
  g_autoptr(GString) batch = g_string_new ("[");
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autoptr(PGresult) result = NULL;
  const char *params[2] = { "gate-a", NULL };

  for (guint i = 0; i < 1001; i++)
    g_string_append (batch, i ? ",{}" : "{}");
  g_string_append_c (batch, ']');
  params[1] = batch->str;

  result = PQexecParams (conn, "SELECT * FROM sync_offline_scans($1, $2::jsonb)", 2, NULL, params, NULL, NULL, 0);
  g_assert_cmpint (PQresultStatus (result), ==, PGRES_FATAL_ERROR);
}

/* --- tickets_changed_since ---------------------------------------------------------- */

static GHashTable *
download_all (const char  *event,
              char       **cursor,
              int          limit)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *limit_str = g_strdup_printf ("%d", limit);

  for (guint round = 0; round < 10000; round++)
    {
      const char *params[] = { event, *cursor, limit_str };
      g_autoptr(PGresult) page = run (conn, "SELECT qr_token, status, next_cursor "
                                            "FROM tickets_changed_since($1, $2, $3::int)", 3, params);
      int n = PQntuples (page);

      for (int i = 0; i < n; i++)
        g_hash_table_replace (seen, g_strdup (PQgetvalue (page, i, 0)), g_strdup (PQgetvalue (page, i, 1)));
      if (n > 0)
        {
          g_free (*cursor);
          *cursor = g_strdup (PQgetvalue (page, n - 1, 2));
        }
      if (n < limit)
        break;
    }

  return seen;
}

static void
test_delta_pages_past_1000 (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Paging", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 2500, "General", &error);
  g_autofree char *cursor = NULL;
  g_autoptr(GHashTable) seen = NULL;

  g_assert_no_error (error);
  seen = download_all (event, &cursor, 1000);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 2500);
  g_assert_nonnull (cursor);
}

static void
test_delta_limit_clamped_to_1000 (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Clamp", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 1200, "General", &error);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { event };
  g_autoptr(PGresult) page = run (conn, "SELECT * FROM tickets_changed_since($1, NULL, 5000)", 1, params);

  g_assert_cmpint (PQntuples (page), ==, 1000);
}

static void
test_delta_misses_no_out_of_order_commit (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Out of order", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 3, "General", &error);
  g_autoptr(PGconn) slow = connect_as (NULL);
  g_autoptr(PGconn) fast = connect_as (NULL);
  g_autofree char *cursor = NULL;
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) second = NULL;
  const char *a[] = { tickets[0] };
  const char *b[] = { tickets[1] };

  first = download_all (event, &cursor, 1000);
  g_assert_cmpuint (g_hash_table_size (first), ==, 3);

  /* T1 starts first and changes A, but commits last. */
  PQclear (run (slow, "BEGIN", 0, NULL));
  PQclear (run (slow, "UPDATE tickets SET status = 'void' WHERE qr_token = $1", 1, a));
  /* T2 changes B and commits. */
  PQclear (run (fast, "UPDATE tickets SET status = 'void' WHERE qr_token = $1", 1, b));

  second = download_all (event, &cursor, 1000);
  g_assert_cmpstr (g_hash_table_lookup (second, tickets[1]), ==, "void");
  g_assert_false (g_hash_table_contains (second, tickets[0]));

  PQclear (run (slow, "COMMIT", 0, NULL));

  g_clear_pointer (&second, g_hash_table_unref);
  second = download_all (event, &cursor, 1000);
  g_assert_cmpstr (g_hash_table_lookup (second, tickets[0]), ==, "void");
}

static void
test_delta_misses_no_commit_during_paging (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Paging race", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 50, "General", &error);
  g_autoptr(PGconn) client = connect_as ("gate_device");
  g_autoptr(PGconn) slow = connect_as (NULL);
  g_autofree char *cursor = NULL;
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GHashTable) later = NULL;
  const char *params[3];
  const char *early[] = { tickets[0] };

  all = download_all (event, &cursor, 1000);

  /* A writer begins, the client reads one page of ten, the writer commits
   * a change to a row whose key is behind the page position. */
  PQclear (run (slow, "BEGIN", 0, NULL));
  PQclear (run (slow, "UPDATE tickets SET guest_name = 'Changed Late' WHERE qr_token = $1", 1, early));
  {
    g_autoptr(GString) bulk = g_string_new (NULL);

    for (guint i = 10; i < 40; i++)
      g_string_append_printf (bulk, "%s'%s'", i > 10 ? "," : "", tickets[i]);
    {
      g_autofree char *sql = g_strdup_printf ("UPDATE tickets SET guest_name = 'Bulk' WHERE qr_token IN (%s)",
                                              bulk->str);
      g_autofree char *ignored = sql_value (sql);
    }
  }
  params[0] = event;
  params[1] = cursor;
  params[2] = "10";
  {
    g_autoptr(PGresult) page = run (client, "SELECT next_cursor FROM tickets_changed_since($1, $2, $3::int)",
                                    3, params);

    g_assert_cmpint (PQntuples (page), ==, 10);
    g_free (cursor);
    cursor = g_strdup (PQgetvalue (page, 9, 0));
  }
  PQclear (run (slow, "COMMIT", 0, NULL));

  later = download_all (event, &cursor, 10);
  g_assert_true (g_hash_table_contains (later, tickets[0]));
}

static void
test_delta_garbage_cursor_is_an_error (void)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { event_id, "definitely|not|a|cursor" };
  g_autoptr(PGresult) result = PQexecParams (conn, "SELECT * FROM tickets_changed_since($1, $2)", 2, NULL,
                                             params, NULL, NULL, 0);

  g_assert_cmpint (PQresultStatus (result), ==, PGRES_FATAL_ERROR);
  g_assert_true (g_str_has_prefix (PQresultErrorField (result, PG_DIAG_SQLSTATE), "22"));
}

/* --- the original functions ----------------------------------------------------------- */

static char *
ticket_id_of (const char *token)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM tickets WHERE qr_token = '%s'", token);

  return sql_value (sql);
}

static void
test_original_scan_ticket_atomic (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *id = ticket_id_of (tickets[0]);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { id };
  g_autoptr(PGresult) first = run (conn, "SELECT success, already_scanned, error_message "
                                         "FROM scan_ticket_atomic($1, NULL, 'old-gate')", 1, params);
  g_autoptr(PGresult) second = run (conn, "SELECT success, already_scanned, error_message "
                                          "FROM scan_ticket_atomic($1, NULL, 'old-gate')", 1, params);

  g_assert_cmpstr (PQgetvalue (first, 0, 0), ==, "t");
  g_assert_cmpstr (PQgetvalue (second, 0, 0), ==, "f");
  g_assert_cmpstr (PQgetvalue (second, 0, 1), ==, "t");
}

static void
test_original_nowait_answers_being_processed (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *id = ticket_id_of (tickets[0]);
  g_autoptr(PGconn) holder = connect_as (NULL);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { id };
  g_autoptr(PGresult) result = NULL;
  gint64 started;

  PQclear (run (holder, "BEGIN", 0, NULL));
  PQclear (run (holder, "SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE", 1, params));

  started = g_get_monotonic_time ();
  result = run (conn, "SELECT success, already_scanned, error_message "
                      "FROM scan_ticket_atomic($1, NULL, 'old-gate')", 1, params);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "f");
  g_assert_nonnull (strstr (PQgetvalue (result, 0, 2), "another scanner"));

  PQclear (run (holder, "ROLLBACK", 0, NULL));
}

static void
test_original_sync_offline_scan_first_wins (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *id = ticket_id_of (tickets[0]);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *late[] = { id, "2026-11-25T10:05:00Z", "old-a" };
  const char *early[] = { id, "2026-11-25T10:00:00Z", "old-b" };
  g_autoptr(PGresult) first = run (conn, "SELECT success, conflict_resolved, winner_device "
                                         "FROM sync_offline_scan($1, NULL, $2::timestamptz, $3)", 3, late);
  g_autoptr(PGresult) second = run (conn, "SELECT success, conflict_resolved, winner_device "
                                          "FROM sync_offline_scan($1, NULL, $2::timestamptz, $3)", 3, early);
  g_autofree char *conflicts = conflict_count (tickets[0]);

  g_assert_cmpstr (PQgetvalue (first, 0, 0), ==, "t");
  g_assert_cmpstr (PQgetvalue (first, 0, 1), ==, "f");
  g_assert_cmpstr (PQgetvalue (second, 0, 0), ==, "t");
  g_assert_cmpstr (PQgetvalue (second, 0, 1), ==, "t");
  g_assert_cmpstr (PQgetvalue (second, 0, 2), ==, "old-b");
  g_assert_cmpstr (conflicts, ==, "1");
}

/* --- conflicts and devices -------------------------------------------------------------- */

static void
test_conflicts_visible_to_both_devices_and_reviewable (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *a = gate_test_uuid ();
  g_autofree char *b = gate_test_uuid ();
  g_autofree char *ea = scan_element (a, tickets[0], event_id, "2026-11-25T11:00:00Z", 0);
  g_autofree char *eb = scan_element (b, tickets[0], event_id, "2026-11-25T11:01:00Z", 0);
  g_autofree char *ba = g_strdup_printf ("[%s]", ea);
  g_autofree char *bb = g_strdup_printf ("[%s]", eb);
  g_autoptr(PGresult) ra = sync_batch ("conflict-a", ba);
  g_autoptr(PGresult) rb = sync_batch ("conflict-b", bb);
  g_autoptr(PGconn) device = connect_as ("gate_device");
  g_autoptr(PGconn) boss = connect_as ("gate_supervisor");
  const char *pa[] = { "conflict-a", event_id };
  const char *pb[] = { "conflict-b", event_id };
  g_autoptr(PGresult) seen_a = run (device, "SELECT id FROM device_conflicts($1, $2)", 2, pa);
  g_autoptr(PGresult) seen_b = run (device, "SELECT id FROM device_conflicts($1, $2)", 2, pb);
  const char *review[] = { PQgetvalue (seen_a, 0, 0), "supervisor", "same person, left and re-entered" };
  g_autoptr(PGresult) reviewed = NULL;
  g_autoptr(PGresult) open_list = NULL;
  const char *list[] = { event_id, NULL };

  g_assert_cmpint (PQntuples (seen_a), ==, 1);
  g_assert_cmpint (PQntuples (seen_b), ==, 1);
  g_assert_cmpstr (PQgetvalue (seen_a, 0, 0), ==, PQgetvalue (seen_b, 0, 0));

  reviewed = run (boss, "SELECT id, reviewed_at FROM review_conflict($1::bigint, $2, $3)", 3, review);
  g_assert_false (PQgetisnull (reviewed, 0, 1));

  list[1] = review[0];
  open_list = run (boss, "SELECT id FROM list_conflicts($1) WHERE id = $2::bigint", 2, list);
  g_assert_cmpint (PQntuples (open_list), ==, 0);
}

static void
test_heartbeat_records_device (void)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { "beating-gate", "0.1.0", "7" };
  g_autoptr(PGresult) result = run (conn, "SELECT server_time FROM device_heartbeat($1, $2, $3::int, now())",
                                    3, params);
  g_autofree char *pending = sql_value ("SELECT pending_scans FROM devices WHERE id = 'beating-gate'");

  g_assert_cmpint (PQntuples (result), ==, 1);
  g_assert_cmpstr (pending, ==, "7");
}

/* --- gatectl admin ------------------------------------------------------------------------ */

static void
test_gatectl_token_stored_hashed (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *stored = NULL;

  g_assert_true (gate_test_add_device (pg, "hash-check", "gate", &device_id, &token, &error));
  g_assert_true (g_str_has_prefix (token, "gst_"));
  g_assert_cmpuint (strlen (token), >=, 4 + 22);  /* ≥ 128 bits of base64 */

  sql = g_strdup_printf ("SELECT token_hash FROM devices WHERE id = '%s'", device_id);
  stored = sql_value (sql);
  g_assert_cmpstr (stored, !=, token);
  {
    g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);

    g_assert_cmpstr (stored, ==, expected);
  }
}

static int
gatectl_status (const char *first, ...) G_GNUC_NULL_TERMINATED;

static int
gatectl_status (const char *first,
                ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list args;
  int status = -1;

  g_ptr_array_add (argv, (gpointer) g_getenv ("GATECTL"));
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL));
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_gatectl_exit_codes (void)
{
  const char *db = gate_test_pg_get_conninfo (pg);

  g_assert_cmpint (gatectl_status ("event", "create", "--name", "no db", NULL), ==, 2);
  g_assert_cmpint (gatectl_status ("device", "add", "--db", db, "--name", "x", "--role", "admin", NULL), ==, 2);
  g_assert_cmpint (gatectl_status ("device", "revoke", "--db", db, "dev-doesnotexist", NULL), ==, 1);
  g_assert_cmpint (gatectl_status ("tickets", "generate", "--db", db, "--event",
                                   "00000000-0000-0000-0000-000000000000", "--count", "1", NULL), ==, 1);
  g_assert_cmpint (gatectl_status ("frobnicate", NULL), ==, 2);
  g_assert_cmpint (gatectl_status ("event", "create", "--db", "host=127.0.0.1 port=1 connect_timeout=2",
                                   "--name", "unreachable", NULL), ==, 1);
}

static void
test_gatectl_tokens_upper_case_and_unique (void)
{
  g_auto(GStrv) tickets = new_tickets (200);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; tickets[i] != NULL; i++)
    {
      g_assert_true (g_str_has_prefix (tickets[i], "GS1-"));
      for (const char *p = tickets[i]; *p; p++)
        g_assert_true (g_ascii_isupper (*p) || g_ascii_isdigit (*p) || *p == '-');
      g_assert_true (g_hash_table_add (seen, tickets[i]));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (pg, &error));
  g_assert_no_error (error);
  event_id = gate_test_create_event (pg, "SQL tests", &error);
  other_event_id = gate_test_create_event (pg, "Another night", &error);
  g_assert_no_error (error);

  g_test_add_func ("/sql/migrate/rerun-is-noop", test_migrate_rerun_is_noop);
  g_test_add_func ("/sql/grants/roles-have-no-table-privileges", test_roles_have_no_table_privileges);
  g_test_add_func ("/sql/grants/public-cannot-execute-functions", test_public_cannot_execute_functions);
  g_test_add_func ("/sql/grants/device-cannot-call-supervisor-functions", test_device_cannot_call_supervisor_functions);
  g_test_add_func ("/sql/grants/supervisor-can-do-what-a-device-can", test_supervisor_can_do_what_a_device_can);
  g_test_add_func ("/sql/scan/idempotent-on-client-scan-id", test_scan_idempotent_on_client_scan_id);
  g_test_add_func ("/sql/scan/wrong-event", test_scan_wrong_event);
  g_test_add_func ("/sql/scan/void-ticket", test_scan_void_ticket);
  g_test_add_func ("/sql/scan/not-found-writes-nothing", test_scan_not_found_writes_nothing);
  g_test_add_func ("/sql/scan/64-concurrent-one-admit", test_scan_64_concurrent_one_admit);
  g_test_add_func ("/sql/scan/waits-for-lock-then-busy", test_scan_waits_for_lock_then_answers);
  g_test_add_func ("/sql/sync/applied-then-replayed", test_sync_applied_then_replayed);
  g_test_add_func ("/sql/sync/online-admit-replays-as-applied", test_sync_online_admit_replays_as_applied);
  g_test_add_func ("/sql/sync/later-scan-loses", test_sync_later_scan_loses);
  g_test_add_func ("/sql/sync/earlier-scan-wins", test_sync_earlier_scan_wins);
  g_test_add_func ("/sql/sync/corrected-time-decides", test_sync_corrected_time_decides);
  g_test_add_func ("/sql/sync/tie-keeps-recorded-scan", test_sync_tie_keeps_recorded_scan);
  g_test_add_func ("/sql/sync/not-found-void-rejected-alone", test_sync_not_found_void_and_rejected_alone);
  g_test_add_func ("/sql/sync/more-than-1000-refused", test_sync_more_than_1000_refused);
  g_test_add_func ("/sql/delta/pages-past-1000", test_delta_pages_past_1000);
  g_test_add_func ("/sql/delta/limit-clamped-to-1000", test_delta_limit_clamped_to_1000);
  g_test_add_func ("/sql/delta/misses-no-out-of-order-commit", test_delta_misses_no_out_of_order_commit);
  g_test_add_func ("/sql/delta/misses-no-commit-during-paging", test_delta_misses_no_commit_during_paging);
  g_test_add_func ("/sql/delta/garbage-cursor-is-an-error", test_delta_garbage_cursor_is_an_error);
  g_test_add_func ("/sql/original/scan-ticket-atomic", test_original_scan_ticket_atomic);
  g_test_add_func ("/sql/original/nowait-answers-being-processed", test_original_nowait_answers_being_processed);
  g_test_add_func ("/sql/original/sync-offline-scan-first-wins", test_original_sync_offline_scan_first_wins);
  g_test_add_func ("/sql/conflicts/visible-to-both-devices-and-reviewable",
                   test_conflicts_visible_to_both_devices_and_reviewable);
  g_test_add_func ("/sql/devices/heartbeat-records-device", test_heartbeat_records_device);
  g_test_add_func ("/sql/gatectl/token-stored-hashed", test_gatectl_token_stored_hashed);
  g_test_add_func ("/sql/gatectl/exit-codes", test_gatectl_exit_codes);
  g_test_add_func ("/sql/gatectl/tokens-upper-case-and-unique", test_gatectl_tokens_upper_case_and_unique);

  result = g_test_run ();

  g_clear_pointer (&pg, gate_test_pg_free);
  g_free (event_id);
  g_free (other_event_id);
  return result;
}
