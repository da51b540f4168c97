/* test-sql-devices.c — devices by name, their admissions and their last
 * sign of life (0014), against a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libpq-fe.h>

#include "gate-test-harness.h"
#include "gate-test-sql.h"

static GateTestPg *pg;
static char *event_id;

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

/* The first value of @sql's answer, as superuser; NULL when none or null. */
static char *
sql_value (const char  *sql,
           const char  *param)
{
  g_autoptr(PGconn) conn = connect_as (NULL);
  g_autoptr(PGresult) result = gate_test_sql_run (conn, sql, param != NULL ? 1 : 0, &param);

  return PQntuples (result) > 0 && !PQgetisnull (result, 0, 0) ? g_strdup (PQgetvalue (result, 0, 0)) : NULL;
}

static char *
add_device (const char *name,
            const char *role)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  char *id = NULL;

  g_assert_true (gate_test_add_device (pg, name, role, &id, &token, &error));
  g_assert_no_error (error);
  return id;
}

static char **
new_tickets (guint count)
{
  g_autoptr(GError) error = NULL;
  char **tokens = gate_test_generate_tickets (pg, event_id, count, "General", &error);

  g_assert_no_error (error);
  return tokens;
}

static char *
scan_online (const char *token,
             const char *device)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  const char *params[] = { token, event_id, device, scan_id };
  g_autoptr(PGresult) result = gate_test_sql_run (conn, "SELECT verdict FROM scan_ticket($1, $2, $3, $4)", 4, params);

  return g_strdup (PQgetvalue (result, 0, 0));
}

/* An offline scan made a minute ago, uploaded now. */
static char *
upload (const char *token,
        const char *device)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) minute_ago = g_date_time_add_minutes (now, -1);
  g_autofree char *scanned_at = g_date_time_format_iso8601 (minute_ago);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *batch = g_strdup_printf ("[{\"client_scan_id\":\"%s\",\"qr_token\":\"%s\",\"event_id\":\"%s\","
                                            "\"scanned_at\":\"%s\",\"clock_offset_ms\":0}]",
                                            scan_id, token, event_id, scanned_at);
  const char *params[] = { device, batch };
  g_autoptr(PGresult) result = gate_test_sql_run (conn, "SELECT outcome FROM sync_offline_scans($1, $2::jsonb)", 2, params);

  return g_strdup (PQgetvalue (result, 0, 0));
}

static void
test_names_for_every_device (void)
{
  g_autofree char *north = add_device ("North Gate", "gate");
  g_autofree char *boss = add_device ("Box Office", "supervisor");
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { north };
  g_autoptr(PGresult) result = gate_test_sql_run (conn, "SELECT id, name, server_time FROM device_names($1)", 1, params);
  gboolean saw_north = FALSE, saw_boss = FALSE;

  for (int i = 0; i < PQntuples (result); i++)
    {
      if (g_strcmp0 (PQgetvalue (result, i, 0), north) == 0)
        saw_north = g_strcmp0 (PQgetvalue (result, i, 1), "North Gate") == 0;
      if (g_strcmp0 (PQgetvalue (result, i, 0), boss) == 0)
        saw_boss = g_strcmp0 (PQgetvalue (result, i, 1), "Box Office") == 0;
      g_assert_false (PQgetisnull (result, i, 2));
    }
  g_assert_true (saw_north);
  g_assert_true (saw_boss);
  /* Names only: nothing about roles or tokens. */
  g_assert_cmpint (PQnfields (result), ==, 3);
}

static void
test_names_refused_to_a_revoked_device (void)
{
  g_autofree char *gone = add_device ("Old Gate", "gate");
  g_autofree char *ignored = sql_value ("UPDATE devices SET revoked_at = now() WHERE id = $1", gone);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { gone };
  g_autoptr(PGresult) result = PQexecParams (conn, "SELECT * FROM device_names($1)", 1, NULL, params, NULL, NULL,
                                             0);

  g_assert_cmpstr (PQresultErrorField (result, PG_DIAG_SQLSTATE), ==, "42501");
}

static void
test_activity_counts_admissions_per_gate (void)
{
  g_auto(GStrv) tickets = new_tickets (4);
  g_autofree char *east = add_device ("East Gate", "gate");
  g_autofree char *west = add_device ("West Gate", "gate");
  g_autoptr(PGconn) boss = connect_as ("gate_supervisor");
  const char *params[] = { event_id };
  g_autoptr(PGresult) result = NULL;
  g_autofree char *v1 = scan_online (tickets[0], east);
  g_autofree char *v2 = scan_online (tickets[1], east);
  g_autofree char *v3 = scan_online (tickets[0], west);   /* already used: no admission */
  g_autofree char *o1 = upload (tickets[2], west);
  gint64 east_count = -1, west_count = -1;

  g_assert_cmpstr (v1, ==, "admitted");
  g_assert_cmpstr (v2, ==, "admitted");
  g_assert_cmpstr (v3, ==, "already_scanned");
  g_assert_cmpstr (o1, ==, "applied");

  result = gate_test_sql_run (boss, "SELECT device_id, admitted, last_scan_at FROM device_activity($1)", 1, params);
  for (int i = 0; i < PQntuples (result); i++)
    {
      if (g_strcmp0 (PQgetvalue (result, i, 0), east) == 0)
        east_count = g_ascii_strtoll (PQgetvalue (result, i, 1), NULL, 10);
      if (g_strcmp0 (PQgetvalue (result, i, 0), west) == 0)
        west_count = g_ascii_strtoll (PQgetvalue (result, i, 1), NULL, 10);
      g_assert_false (PQgetisnull (result, i, 2));
    }
  g_assert_cmpint (east_count, ==, 2);
  g_assert_cmpint (west_count, ==, 1);
}

static void
test_activity_is_for_supervisors (void)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { event_id };
  g_autoptr(PGresult) result = PQexecParams (conn, "SELECT * FROM device_activity($1)", 1, NULL, params, NULL,
                                             NULL, 0);

  g_assert_cmpstr (PQresultErrorField (result, PG_DIAG_SQLSTATE), ==, "42501");
}

static void
test_online_scan_touches_last_seen (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *gate = add_device ("Side Door", "gate");
  g_autofree char *before = sql_value ("SELECT last_seen_at FROM devices WHERE id = $1", gate);
  g_autofree char *verdict = NULL;
  g_autofree char *after = NULL;

  g_assert_null (before);
  verdict = scan_online (tickets[0], gate);
  g_assert_cmpstr (verdict, ==, "admitted");
  after = sql_value ("SELECT last_seen_at > now() - interval '1 minute' FROM devices WHERE id = $1", gate);
  g_assert_cmpstr (after, ==, "t");
}

static void
test_upload_touches_last_seen (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *gate = add_device ("Loading Bay", "gate");
  g_autofree char *stale = sql_value ("UPDATE devices SET last_seen_at = now() - interval '1 hour' WHERE id = $1 "
                                      "RETURNING id", gate);
  g_autofree char *outcome = upload (tickets[0], gate);
  g_autofree char *fresh = sql_value ("SELECT last_seen_at > now() - interval '1 minute' FROM devices WHERE id = $1",
                                      gate);

  g_assert_cmpstr (outcome, ==, "applied");
  g_assert_cmpstr (fresh, ==, "t");
}

/* A device row held by another transaction (a heartbeat in flight) must
 * not hold a scan up: the scan answers, the heartbeat wins the row. */
static void
test_scan_does_not_wait_for_a_held_device_row (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *gate = add_device ("Busy Gate", "gate");
  g_autoptr(PGconn) holder = connect_as (NULL);
  const char *params[] = { gate };
  g_autoptr(PGresult) begin = gate_test_sql_run (holder, "BEGIN", 0, NULL);
  g_autoptr(PGresult) lock = gate_test_sql_run (holder, "SELECT 1 FROM devices WHERE id = $1 FOR UPDATE", 1, params);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  const char *scan_params[] = { tickets[0], event_id, gate, scan_id };
  g_autoptr(PGresult) timeout = gate_test_sql_run (conn, "SET statement_timeout = '3s'", 0, NULL);
  g_autoptr(PGresult) result = gate_test_sql_run (conn, "SELECT verdict FROM scan_ticket($1, $2, $3, $4)", 4, scan_params);
  g_autoptr(PGresult) commit = gate_test_sql_run (holder, "COMMIT", 0, NULL);

  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "admitted");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  pg = gate_test_sql_start (&argc, &argv);
  event_id = gate_test_create_event (pg, "Device tests", &error);
  g_assert_no_error (error);

  g_test_add_func ("/sql/devices/names-for-every-device", test_names_for_every_device);
  g_test_add_func ("/sql/devices/names-refused-to-a-revoked-device", test_names_refused_to_a_revoked_device);
  g_test_add_func ("/sql/devices/activity-counts-admissions-per-gate", test_activity_counts_admissions_per_gate);
  g_test_add_func ("/sql/devices/activity-is-for-supervisors", test_activity_is_for_supervisors);
  g_test_add_func ("/sql/devices/online-scan-touches-last-seen", test_online_scan_touches_last_seen);
  g_test_add_func ("/sql/devices/upload-touches-last-seen", test_upload_touches_last_seen);
  g_test_add_func ("/sql/devices/scan-does-not-wait-for-a-held-device-row",
                   test_scan_does_not_wait_for_a_held_device_row);

  result = g_test_run ();

  g_clear_pointer (&pg, gate_test_pg_free);
  g_free (event_id);
  return result;
}
