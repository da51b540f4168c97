/* test-sql-rules.c — the gate rules (issue 13) against a real PostgreSQL:
 * check-in lists and their verdicts, the presence invariant under storms,
 * devices kept to their events, operators, per-gate numbers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libpq-fe.h>

#include "gate-test-harness.h"
#include "gate-test-sql.h"

#define STORM 64

static GateTestPg *pg;
static char *event_id;
static char *other_event_id;

/* --- helpers --------------------------------------------------------------------- */

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

/* The SQLSTATE @sql fails with, as @role; NULL when it succeeds. */
static char *
sqlstate_of (const char  *role,
             const char  *sql,
             int          n_params,
             const char **params)
{
  g_autoptr(PGconn) conn = connect_as (role);
  g_autoptr(PGresult) result = PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);

  return g_strdup (PQresultErrorField (result, PG_DIAG_SQLSTATE));
}

/* The first value of @sql's answer as superuser; NULL when none or null. */
static char *
sql_value (const char  *sql,
           int          n_params,
           const char **params)
{
  g_autoptr(PGconn) conn = connect_as (NULL);
  g_autoptr(PGresult) result = gate_test_sql_run (conn, sql, n_params, params);

  return PQntuples (result) > 0 && !PQgetisnull (result, 0, 0) ? g_strdup (PQgetvalue (result, 0, 0)) : NULL;
}

static int
gatectl_run (char       **out,
             char       **err,
             const char  *first,
             ...) G_GNUC_NULL_TERMINATED;

static int
gatectl_run (char       **out,
             char       **err,
             const char  *first,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSpawnFlags flags = 0;
  va_list args;
  int status = -1;

  g_ptr_array_add (argv, (gpointer) g_getenv ("GATECTL"));
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  if (out == NULL)
    flags |= G_SPAWN_STDOUT_TO_DEV_NULL;
  if (err == NULL)
    flags |= G_SPAWN_STDERR_TO_DEV_NULL;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, flags, NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* `gatectl list create` on the test event; returns the list's id. */
static char *
new_list (const char *event,
          const char *name,
          const char *types,
          const char *direction,
          gboolean    reentry)
{
  g_autofree char *out = NULL;
  g_autofree char *random = g_uuid_string_random ();
  g_autofree char *unique = g_strdup_printf ("%s %s", name, random);
  int status;

  if (types != NULL)
    status = gatectl_run (&out, NULL, "list", "create", "--db", gate_test_pg_get_conninfo (pg), "--event", event,
                          "--name", unique, "--types", types, "--direction", direction,
                          reentry ? "--reentry" : NULL, NULL);
  else
    status = gatectl_run (&out, NULL, "list", "create", "--db", gate_test_pg_get_conninfo (pg), "--event", event,
                          "--name", unique, "--direction", direction, reentry ? "--reentry" : NULL, NULL);
  g_assert_cmpint (status, ==, 0);
  g_strstrip (out);
  g_assert_true (g_uuid_string_is_valid (out));
  return g_steal_pointer (&out);
}

/* `gatectl device add … --event E [--list L]`; returns the device id. */
static char *
new_device (const char *event,
            const char *list)
{
  g_autofree char *out = NULL;
  char *device;

  if (list != NULL)
    g_assert_cmpint (gatectl_run (&out, NULL, "device", "add", "--db", gate_test_pg_get_conninfo (pg),
                                  "--name", "Door", "--role", "gate", "--list", list, NULL), ==, 0);
  else
    g_assert_cmpint (gatectl_run (&out, NULL, "device", "add", "--db", gate_test_pg_get_conninfo (pg),
                                  "--name", "Door", "--role", "gate", "--event", event, NULL), ==, 0);
  device = gate_test_json_member (out, 0, "device_id");
  g_assert_nonnull (device);
  return device;
}

static char **
new_tickets (const char *event,
             guint       count,
             const char *type)
{
  g_autoptr(GError) error = NULL;
  char **tokens = gate_test_generate_tickets (pg, event, count, type, &error);
  g_autofree char *list = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *ignored = NULL;

  g_assert_no_error (error);
  /* Sold a day ago, so that uploads may carry times of the last hours. */
  list = g_strjoinv ("','", tokens);
  sql = g_strdup_printf ("UPDATE tickets SET created_at = now() - interval '1 day' WHERE qr_token IN ('%s')", list);
  ignored = sql_value (sql, 0, NULL);
  return tokens;
}

#define SCAN_SQL \
  "SELECT verdict, ticket_id, guest_name, scanned_at, scanned_device FROM scan_ticket(" \
  "p_qr_token => $1, p_event_id => $2::uuid, p_device_id => $3, p_client_scan_id => gen_random_uuid(), " \
  "p_scanned_by => $4::uuid, p_direction => $5, p_list_id => $6::uuid)"

/* scan_ticket as a gate device; @list NULL: the default. */
static PGresult *
scan_at (const char *token,
         const char *event,
         const char *device,
         const char *direction,
         const char *list,
         const char *operator_id)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { token, event, device, operator_id, direction, list };

  return gate_test_sql_run (conn, SCAN_SQL, 6, params);
}

/* The verdict of one scan at @list (NULL: none), as a device of no list. */
static char *
verdict_at (const char *token,
            const char *direction,
            const char *list)
{
  g_autoptr(PGresult) result = scan_at (token, event_id, "gate-rules", direction, list, NULL);

  return g_strdup (PQgetvalue (result, 0, 0));
}

#define assert_verdict(token, direction, list, expected) \
  G_STMT_START { \
    g_autofree char *verdict_ = verdict_at ((token), (direction), (list)); \
    g_assert_cmpstr (verdict_, ==, (expected)); \
  } G_STMT_END

static char *
count_of (const char *sql,
          const char *token)
{
  const char *params[] = { token };

  return sql_value (sql, 1, params);
}

static char *
open_stays (const char *token)
{
  return count_of ("SELECT count(*) FROM ticket_stays s JOIN tickets t ON t.id = s.ticket_id "
                   "WHERE t.qr_token = $1 AND s.exited_at IS NULL", token);
}

static char *
all_stays (const char *token)
{
  return count_of ("SELECT count(*) FROM ticket_stays s JOIN tickets t ON t.id = s.ticket_id "
                   "WHERE t.qr_token = $1", token);
}

static char *
scan_element (const char *token,
              const char *direction,
              const char *list,
              const char *scanned_at,
              const char *operator_id)
{
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *list_member = list ? g_strdup_printf (",\"list_id\":\"%s\"", list) : g_strdup ("");
  g_autofree char *by = operator_id ? g_strdup_printf ("\"%s\"", operator_id) : g_strdup ("null");

  return g_strdup_printf ("{\"client_scan_id\":\"%s\",\"qr_token\":\"%s\",\"event_id\":\"%s\","
                          "\"scanned_at\":\"%s\",\"clock_offset_ms\":0,\"scanned_by\":%s,\"scan_method\":\"qr\","
                          "\"direction\":\"%s\"%s}",
                          scan_id, token, event_id, scanned_at, by, direction, list_member);
}

static PGresult *
upload (const char *device,
        const char *batch)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { device, batch };

  return gate_test_sql_run (conn, "SELECT client_scan_id, outcome, replayed, winner_device, winner_time "
                                  "FROM sync_offline_scans($1, $2::jsonb)", 2, params);
}

/* A time @minutes ago, ISO 8601, from the database's clock. */
static char *
minutes_ago (int minutes)
{
  g_autofree char *sql = g_strdup_printf ("SELECT to_char((now() - interval '%d minutes') AT TIME ZONE 'UTC', "
                                          "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", minutes);

  return sql_value (sql, 0, NULL);
}

/* An admit locks its ticket and nothing every other gate needs: not the
 * event's row, not the list's row (a KEY SHARE lock there made every scan of
 * the event share one multixact). Held open, the admit must let a writer
 * lock both rows at once. */
static void
test_admit_locks_no_shared_row (void)
{
  g_autofree char *list = new_list (event_id, "Main door", NULL, "both", TRUE);
  g_autofree char *device = new_device (event_id, list);
  g_auto(GStrv) tokens = new_tickets (event_id, 1, "General");
  g_autoptr(PGconn) gate = connect_as ("gate_device");
  g_autoptr(PGconn) writer = connect_as (NULL);
  const char *scan_params[] = { tokens[0], event_id, device, NULL, "entry", NULL };
  const char *event_params[] = { event_id };
  const char *list_params[] = { list };
  g_autoptr(PGresult) begun = gate_test_sql_run (gate, "BEGIN", 0, NULL);
  g_autoptr(PGresult) scanned = gate_test_sql_run (gate, SCAN_SQL, 6, scan_params);
  g_autoptr(PGresult) timeout = gate_test_sql_run (writer, "SET lock_timeout = '1s'", 0, NULL);
  g_autoptr(PGresult) event_row = NULL;
  g_autoptr(PGresult) list_row = NULL;
  g_autoptr(PGresult) done = NULL;

  g_assert_cmpstr (PQgetvalue (scanned, 0, 0), ==, "admitted");
  event_row = PQexecParams (writer, "SELECT 1 FROM events WHERE id = $1::uuid FOR UPDATE NOWAIT",
                            1, NULL, event_params, NULL, NULL, 0);
  g_assert_cmpstr (PQresultErrorMessage (event_row), ==, "");
  g_assert_cmpint (PQntuples (event_row), ==, 1);
  list_row = PQexecParams (writer, "SELECT 1 FROM checkin_lists WHERE id = $1::uuid FOR UPDATE NOWAIT",
                           1, NULL, list_params, NULL, NULL, 0);
  g_assert_cmpstr (PQresultErrorMessage (list_row), ==, "");
  g_assert_cmpint (PQntuples (list_row), ==, 1);
  done = gate_test_sql_run (gate, "COMMIT", 0, NULL);
}

/* --- verdicts of every list kind ----------------------------------------------------- */

static void
test_no_list_is_todays_behaviour_plus_exit (void)
{
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");

  assert_verdict (tickets[0], "entry", NULL, "admitted");
  assert_verdict (tickets[0], "entry", NULL, "already_scanned");
  assert_verdict (tickets[0], "exit", NULL, "exited");
  assert_verdict (tickets[0], "exit", NULL, "not_inside");
  /* Without a list nobody comes back in: today's one admission. */
  assert_verdict (tickets[0], "entry", NULL, "already_scanned");
}

static void
test_entry_list_for_some_types (void)
{
  g_autofree char *vip_door = new_list (event_id, "VIP door", "VIP,Backstage", "entry", FALSE);
  g_auto(GStrv) vip = new_tickets (event_id, 2, "VIP");
  g_auto(GStrv) general = new_tickets (event_id, 1, "General");
  g_auto(GStrv) elsewhere = new_tickets (other_event_id, 1, "VIP");
  const char *void_params[] = { vip[1] };
  g_autofree char *ignored = sql_value ("UPDATE tickets SET status = 'void' WHERE qr_token = $1", 1, void_params);

  assert_verdict (general[0], "entry", vip_door, "not_allowed_here");
  assert_verdict (vip[0], "entry", vip_door, "admitted");
  assert_verdict (vip[0], "entry", vip_door, "already_scanned");
  /* An entry door records no exits. */
  assert_verdict (vip[0], "exit", vip_door, "not_allowed_here");
  assert_verdict (vip[1], "entry", vip_door, "void");
  assert_verdict (elsewhere[0], "entry", vip_door, "wrong_event");
  assert_verdict ("GS1-NO-SUCH-TICKET", "entry", vip_door, "not_found");
  /* Turned away at the VIP door, a General ticket still gets in elsewhere. */
  assert_verdict (general[0], "entry", NULL, "admitted");
}

static void
test_exit_only_list (void)
{
  g_autofree char *exit_door = new_list (event_id, "Exit", NULL, "exit", FALSE);
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");

  assert_verdict (tickets[0], "exit", exit_door, "not_inside");
  assert_verdict (tickets[0], "entry", exit_door, "not_allowed_here");
  assert_verdict (tickets[0], "entry", NULL, "admitted");
  assert_verdict (tickets[0], "exit", exit_door, "exited");
  assert_verdict (tickets[0], "exit", exit_door, "not_inside");
}

static void
test_both_ways_with_reentry (void)
{
  g_autofree char *gate = new_list (event_id, "Festival gate", NULL, "both", TRUE);
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "Weekend");
  g_autofree char *stays = NULL;
  g_autofree char *logged = NULL;

  assert_verdict (tickets[0], "exit", gate, "not_inside");
  assert_verdict (tickets[0], "entry", gate, "admitted");
  assert_verdict (tickets[0], "entry", gate, "already_scanned");
  assert_verdict (tickets[0], "exit", gate, "exited");
  assert_verdict (tickets[0], "exit", gate, "not_inside");
  assert_verdict (tickets[0], "entry", gate, "admitted");
  assert_verdict (tickets[0], "entry", gate, "already_scanned");

  stays = all_stays (tickets[0]);
  g_assert_cmpstr (stays, ==, "2");
  /* The admission is the ticket's one successful scan; the re-entry is
   * logged as what it was. */
  logged = count_of ("SELECT string_agg(l.outcome || ':' || l.scan_success, ',' ORDER BY l.id) FROM scan_logs l "
                     "JOIN tickets t ON t.id = l.ticket_id WHERE t.qr_token = $1", tickets[0]);
  g_assert_cmpstr (logged, ==, "not_inside:false,admitted:true,already_scanned:false,exited:false,"
                               "not_inside:false,reentered:false,already_scanned:false");
}

static void
test_both_ways_without_reentry (void)
{
  g_autofree char *gate = new_list (event_id, "Gate", NULL, "both", FALSE);
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");

  assert_verdict (tickets[0], "entry", gate, "admitted");
  assert_verdict (tickets[0], "exit", gate, "exited");
  assert_verdict (tickets[0], "entry", gate, "already_scanned");
}

static void
test_device_list_is_the_default (void)
{
  g_autofree char *vip_door = new_list (event_id, "VIP door", "VIP", "entry", FALSE);
  g_autofree char *device = new_device (NULL, vip_door);
  g_auto(GStrv) general = new_tickets (event_id, 1, "General");
  g_autoptr(PGresult) result = scan_at (general[0], event_id, device, "entry", NULL, NULL);
  g_autofree char *list_logged = count_of ("SELECT l.list_id FROM scan_logs l JOIN tickets t ON t.id = l.ticket_id "
                                           "WHERE t.qr_token = $1", general[0]);

  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "not_allowed_here");
  g_assert_cmpstr (list_logged, ==, vip_door);
}

static void
test_list_of_another_event_refused (void)
{
  g_autofree char *elsewhere = new_list (other_event_id, "Main", NULL, "entry", FALSE);
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");
  const char *params[] = { tickets[0], event_id, "gate-rules", NULL, "entry", elsewhere };
  g_autofree char *state = sqlstate_of ("gate_device", SCAN_SQL, 6, params);
  g_autofree char *bad_direction = NULL;
  const char *sideways[] = { tickets[0], event_id, "gate-rules", NULL, "sideways", NULL };

  g_assert_cmpstr (state, ==, "22023");
  bad_direction = sqlstate_of ("gate_device", SCAN_SQL, 6, sideways);
  g_assert_cmpstr (bad_direction, ==, "22023");
}

static void
test_repeat_of_an_exit_is_a_replay (void)
{
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { tickets[0], event_id, "gate-rules", scan_id };
  const char *sql = "SELECT verdict, scanned_at FROM scan_ticket($1, $2::uuid, $3, $4::uuid, p_direction => 'exit')";
  g_autoptr(PGresult) first = NULL;
  g_autoptr(PGresult) again = NULL;

  assert_verdict (tickets[0], "entry", NULL, "admitted");
  first = gate_test_sql_run (conn, sql, 4, params);
  again = gate_test_sql_run (conn, sql, 4, params);

  g_assert_cmpstr (PQgetvalue (first, 0, 0), ==, "exited");
  g_assert_cmpstr (PQgetvalue (again, 0, 0), ==, "exited");
  g_assert_cmpstr (PQgetvalue (again, 0, 1), ==, PQgetvalue (first, 0, 1));
}

/* --- the presence invariant ------------------------------------------------------------- */

static void
test_database_refuses_a_second_open_entry (void)
{
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *second = NULL;
  g_autofree char *overlapping = NULL;
  const char *params[] = { tickets[0], scan_id };
  g_autofree char *ignored = NULL;

  assert_verdict (tickets[0], "entry", NULL, "admitted");
  ignored = sql_value ("INSERT INTO scan_logs (ticket_id, client_scan_id, scanned_at, corrected_at, scan_success, "
                       "outcome) SELECT id, $2::uuid, now(), now(), false, 'forged' FROM tickets WHERE qr_token = $1",
                       2, params);

  /* Even the owner, bypassing every function and lock, cannot make a
   * second open entry nor a stay that overlaps one. */
  second = sqlstate_of (NULL, "INSERT INTO ticket_stays (ticket_id, event_id, entered_at, entry_scan_id) "
                              "SELECT id, event_id, now(), $2::uuid FROM tickets WHERE qr_token = $1", 2, params);
  overlapping = sqlstate_of (NULL, "INSERT INTO ticket_stays (ticket_id, event_id, entered_at, entry_scan_id, "
                                   "exited_at, exit_scan_id) SELECT id, event_id, now() - interval '1 hour', $2::uuid, "
                                   "now() + interval '1 hour', $2::uuid FROM tickets WHERE qr_token = $1", 2, params);
  /* Both the exclusion constraint (23P01) and the one-open index (23505)
   * refuse it; whichever is checked first answers. */
  g_assert_true (g_strcmp0 (second, "23P01") == 0 || g_strcmp0 (second, "23505") == 0);
  g_assert_cmpstr (overlapping, ==, "23P01");
}

typedef struct
{
  const char *sql;
  const char *params[6];
  int         n_params;
  GPtrArray  *answers;   /* first column of every row */
} Racer;

static gpointer
race (gpointer user_data)
{
  Racer *racer = user_data;
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autoptr(PGresult) result = gate_test_sql_run (conn, racer->sql, racer->n_params, racer->params);

  racer->answers = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (racer->answers, g_strdup (PQgetvalue (result, i, 1)));
  return NULL;
}

/* Runs the racers at once; returns how many answered @what. */
static guint
storm (Racer      *racers,
       const char *what)
{
  GThread *threads[STORM];
  guint count = 0;

  for (guint i = 0; i < STORM; i++)
    threads[i] = g_thread_new ("racer", race, &racers[i]);
  for (guint i = 0; i < STORM; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < STORM; i++)
    {
      for (guint j = 0; j < racers[i].answers->len; j++)
        if (g_str_equal (g_ptr_array_index (racers[i].answers, j), what))
          count++;
      g_ptr_array_unref (racers[i].answers);
    }
  return count;
}

#define STORM_SCAN_SQL \
  "SELECT 0, verdict FROM scan_ticket(p_qr_token => $1, p_event_id => $2::uuid, p_device_id => $3, " \
  "p_client_scan_id => gen_random_uuid(), p_list_id => $4::uuid)"

static void
entry_storm (const char *token,
             const char *list,
             guint       expect_admitted)
{
  Racer racers[STORM] = { 0 };
  char devices[STORM][16];

  for (guint i = 0; i < STORM; i++)
    {
      g_snprintf (devices[i], sizeof devices[i], "storm-%02u", i);
      racers[i] = (Racer) { STORM_SCAN_SQL, { token, event_id, devices[i], list }, 4, NULL };
    }
  g_assert_cmpuint (storm (racers, "admitted"), ==, expect_admitted);
}

static void
test_storm_of_entries_admits_one (void)
{
  g_autofree char *gate = new_list (event_id, "Storm gate", NULL, "both", TRUE);
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");
  g_autofree char *open = NULL;
  g_autofree char *stays = NULL;

  entry_storm (tickets[0], gate, 1);
  open = open_stays (tickets[0]);
  stays = all_stays (tickets[0]);
  g_assert_cmpstr (open, ==, "1");
  g_assert_cmpstr (stays, ==, "1");
}

static void
test_storm_of_reentries_after_an_exit_admits_one (void)
{
  g_autofree char *gate = new_list (event_id, "Storm gate", NULL, "both", TRUE);
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");
  g_autofree char *open = NULL;
  g_autofree char *stays = NULL;

  assert_verdict (tickets[0], "entry", gate, "admitted");
  assert_verdict (tickets[0], "exit", gate, "exited");
  entry_storm (tickets[0], gate, 1);
  open = open_stays (tickets[0]);
  stays = all_stays (tickets[0]);
  g_assert_cmpstr (open, ==, "1");
  g_assert_cmpstr (stays, ==, "2");
}

/* 64 kiosks, cut off, each let @token in at @list at its own time in the
 * last hour, upload at once; returns how many were applied. */
static guint
offline_entry_storm (const char *token,
                     const char *list)
{
  Racer racers[STORM] = { 0 };
  char devices[STORM][16];
  char *batches[STORM];
  guint applied;

  for (guint i = 0; i < STORM; i++)
    {
      g_autofree char *at = minutes_ago (STORM - (int) i);
      g_autofree char *element = scan_element (token, "entry", list, at, NULL);

      g_snprintf (devices[i], sizeof devices[i], "offline-%02u", i);
      batches[i] = g_strdup_printf ("[%s]", element);
      racers[i] = (Racer) { "SELECT client_scan_id, outcome FROM sync_offline_scans($1, $2::jsonb)",
                            { devices[i], batches[i] }, 2, NULL };
    }
  applied = storm (racers, "applied");
  for (guint i = 0; i < STORM; i++)
    g_free (batches[i]);
  return applied;
}

static void
test_storm_of_offline_entries_keeps_one_open (void)
{
  g_autofree char *gate = new_list (event_id, "Offline gate", NULL, "both", TRUE);
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");
  guint applied = offline_entry_storm (tickets[0], gate);
  g_autofree char *open = NULL;
  g_autofree char *stays = NULL;
  g_autofree char *admissions = NULL;
  g_autofree char *conflicts = NULL;

  open = open_stays (tickets[0]);
  stays = all_stays (tickets[0]);
  admissions = count_of ("SELECT count(*) FROM scan_logs l JOIN tickets t ON t.id = l.ticket_id "
                         "WHERE t.qr_token = $1 AND l.scan_success", tickets[0]);
  conflicts = count_of ("SELECT count(*) FROM scan_conflicts c JOIN tickets t ON t.id = c.ticket_id "
                        "WHERE t.qr_token = $1", tickets[0]);
  g_assert_cmpuint (applied, >=, 1);
  g_assert_cmpstr (open, ==, "1");
  g_assert_cmpstr (stays, ==, "1");
  g_assert_cmpstr (admissions, ==, "1");
  /* Every entry but one is a conflict the supervisor sees. */
  g_assert_cmpstr (conflicts, ==, "63");
}

static void
test_storm_of_offline_reentries_after_an_exit_keeps_one_open (void)
{
  g_autofree char *gate = new_list (event_id, "Offline gate", NULL, "both", TRUE);
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");
  g_autofree char *in = minutes_ago (120);
  g_autofree char *out = minutes_ago (100);
  g_autofree char *first_in = scan_element (tickets[0], "entry", gate, in, NULL);
  g_autofree char *first_out = scan_element (tickets[0], "exit", gate, out, NULL);
  g_autofree char *first = g_strdup_printf ("[%s,%s]", first_out, first_in);
  g_autoptr(PGresult) before = upload ("offline-first", first);
  guint applied = offline_entry_storm (tickets[0], gate);
  g_autofree char *open = NULL;
  g_autofree char *stays = NULL;

  g_assert_cmpstr (PQgetvalue (before, 0, 1), ==, "applied");
  g_assert_cmpstr (PQgetvalue (before, 1, 1), ==, "exited");

  open = open_stays (tickets[0]);
  stays = all_stays (tickets[0]);
  g_assert_cmpuint (applied, >=, 1);
  g_assert_cmpstr (open, ==, "1");
  g_assert_cmpstr (stays, ==, "2");
}

static void
test_upload_replays_in_corrected_time_order (void)
{
  g_autofree char *gate = new_list (event_id, "Festival gate", NULL, "both", TRUE);
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");
  g_autofree char *t1 = minutes_ago (50);
  g_autofree char *t2 = minutes_ago (40);
  g_autofree char *t3 = minutes_ago (30);
  g_autofree char *in1 = scan_element (tickets[0], "entry", gate, t1, NULL);
  g_autofree char *out1 = scan_element (tickets[0], "exit", gate, t2, NULL);
  g_autofree char *in2 = scan_element (tickets[0], "entry", gate, t3, NULL);
  /* Sent backwards; replayed as they happened. */
  g_autofree char *batch = g_strdup_printf ("[%s,%s,%s]", in2, out1, in1);
  g_autoptr(PGresult) result = upload ("offline-order", batch);
  g_autofree char *outcomes = NULL;
  g_autofree char *open = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);

  for (int i = 0; i < PQntuples (result); i++)
    g_string_append_printf (seen, "%s%s", i ? "," : "", PQgetvalue (result, i, 1));
  g_assert_cmpstr (seen->str, ==, "applied,exited,applied");
  open = open_stays (tickets[0]);
  outcomes = all_stays (tickets[0]);
  g_assert_cmpstr (open, ==, "1");
  g_assert_cmpstr (outcomes, ==, "2");
}

/* Gate A, offline, lets a guest in; gate B, online, sees them leave before
 * A's entry arrives and answers not_inside. When the entry is uploaded, that
 * exit closes its stay: the guest is not inside, and may come back in. */
static void
test_late_entry_meets_the_exit_refused_before_it (void)
{
  g_autofree char *gate = new_list (event_id, "Festival gate", NULL, "both", TRUE);
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");
  g_autofree char *t1 = minutes_ago (30);
  g_autofree char *in1 = scan_element (tickets[0], "entry", gate, t1, NULL);
  g_autofree char *batch = g_strdup_printf ("[%s]", in1);
  g_autoptr(PGresult) uploaded = NULL;
  g_autofree char *open = NULL;
  g_autofree char *stays = NULL;
  g_autofree char *exit_device = NULL;

  assert_verdict (tickets[0], "exit", gate, "not_inside");
  uploaded = upload ("offline-late", batch);
  g_assert_cmpstr (PQgetvalue (uploaded, 0, 1), ==, "applied");

  open = open_stays (tickets[0]);
  stays = all_stays (tickets[0]);
  exit_device = count_of ("SELECT s.exit_device FROM ticket_stays s JOIN tickets t ON t.id = s.ticket_id "
                          "WHERE t.qr_token = $1", tickets[0]);
  g_assert_cmpstr (open, ==, "0");
  g_assert_cmpstr (stays, ==, "1");
  g_assert_cmpstr (exit_device, ==, "gate-rules");
  assert_verdict (tickets[0], "entry", gate, "admitted");
}

static void
test_two_offline_entries_without_exit_are_a_conflict (void)
{
  g_autofree char *gate = new_list (event_id, "Festival gate", NULL, "both", TRUE);
  g_auto(GStrv) tickets = new_tickets (event_id, 1, "General");
  g_autofree char *t1 = minutes_ago (20);
  g_autofree char *t2 = minutes_ago (10);
  g_autofree char *in1 = scan_element (tickets[0], "entry", gate, t1, NULL);
  g_autofree char *in2 = scan_element (tickets[0], "entry", gate, t2, NULL);
  g_autofree char *b1 = g_strdup_printf ("[%s]", in1);
  g_autofree char *b2 = g_strdup_printf ("[%s]", in2);
  g_autoptr(PGresult) r1 = upload ("offline-a", b1);
  g_autoptr(PGresult) r2 = upload ("offline-b", b2);
  g_autofree char *conflicts = count_of ("SELECT count(*) FROM scan_conflicts c JOIN tickets t ON t.id = c.ticket_id "
                                         "WHERE t.qr_token = $1 AND c.winner_device = 'offline-a' "
                                         "AND c.loser_device = 'offline-b'", tickets[0]);

  g_assert_cmpstr (PQgetvalue (r1, 0, 1), ==, "applied");
  g_assert_cmpstr (PQgetvalue (r2, 0, 1), ==, "lost_conflict");
  g_assert_cmpstr (PQgetvalue (r2, 0, 3), ==, "offline-a");
  g_assert_cmpstr (conflicts, ==, "1");
}

static void
test_upload_verdicts_of_lists (void)
{
  g_autofree char *vip_door = new_list (event_id, "VIP door", "VIP", "entry", FALSE);
  g_autofree char *exit_door = new_list (event_id, "Exit", NULL, "exit", FALSE);
  g_auto(GStrv) general = new_tickets (event_id, 1, "General");
  g_autofree char *at = minutes_ago (5);
  g_autofree char *refused = scan_element (general[0], "entry", vip_door, at, NULL);
  g_autofree char *out = scan_element (general[0], "exit", exit_door, at, NULL);
  g_autofree char *batch = g_strdup_printf ("[%s,%s]", refused, out);
  g_autoptr(PGresult) result = upload ("offline-lists", batch);
  g_autoptr(GString) seen = g_string_new (NULL);

  for (int i = 0; i < PQntuples (result); i++)
    g_string_append_printf (seen, "%s%s", i ? "," : "", PQgetvalue (result, i, 1));
  /* Same time: scan id order; either way, one of each. */
  g_assert_true (g_str_equal (seen->str, "not_allowed_here,not_inside") ||
                 g_str_equal (seen->str, "not_inside,not_allowed_here"));
}

/* --- devices keep to their events --------------------------------------------------------- */

static void
test_assigned_device_reads_only_its_events (void)
{
  g_autofree char *device = new_device (event_id, NULL);
  g_auto(GStrv) elsewhere = new_tickets (other_event_id, 1, "General");
  const char *other[] = { other_event_id, device };
  const char *own[] = { event_id, device };
  g_autofree char *delta = sqlstate_of ("gate_device", "SELECT * FROM tickets_changed_since($1::uuid, "
                                        "p_device_id => $2)", 2, other);
  g_autofree char *summary = sqlstate_of ("gate_device", "SELECT * FROM event_summary($1::uuid, $2)", 2, other);
  g_autofree char *conflicts = sqlstate_of ("gate_device", "SELECT * FROM device_conflicts($2, $1::uuid)", 2, other);
  g_autofree char *lists = sqlstate_of ("gate_device", "SELECT * FROM list_checkin_lists($2, $1::uuid)", 2, other);
  g_autofree char *keys = sqlstate_of ("gate_device", "SELECT * FROM event_keys($1::uuid, $2)", 2, other);
  g_autofree char *own_keys = sqlstate_of ("gate_device", "SELECT * FROM event_keys($1::uuid, $2)", 2, own);
  g_autofree char *inside = sqlstate_of ("gate_device", "SELECT * FROM event_inside($1::uuid, $2)", 2, other);
  g_autofree char *own_inside = sqlstate_of ("gate_device", "SELECT * FROM event_inside($1::uuid, $2)", 2, own);
  g_autofree char *own_delta = sqlstate_of ("gate_device", "SELECT * FROM tickets_changed_since($1::uuid, "
                                            "p_device_id => $2)", 2, own);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *list_params[] = { device };
  g_autoptr(PGresult) listed = gate_test_sql_run (conn, "SELECT event_id FROM list_events($1)", 1, list_params);

  g_assert_cmpstr (delta, ==, "42501");
  g_assert_cmpstr (summary, ==, "42501");
  g_assert_cmpstr (conflicts, ==, "42501");
  g_assert_cmpstr (lists, ==, "42501");
  g_assert_cmpstr (keys, ==, "42501");
  g_assert_null (own_keys);
  g_assert_cmpstr (inside, ==, "42501");
  g_assert_null (own_inside);
  g_assert_null (own_delta);
  g_assert_cmpint (PQntuples (listed), ==, 1);
  g_assert_cmpstr (PQgetvalue (listed, 0, 0), ==, event_id);
}

static void
test_assigned_device_scans_only_its_events (void)
{
  g_autofree char *device = new_device (event_id, NULL);
  g_auto(GStrv) elsewhere = new_tickets (other_event_id, 2, "General");
  const char *params[] = { elsewhere[0], other_event_id, device, NULL, "entry", NULL };
  g_autofree char *scan_there = sqlstate_of ("gate_device", SCAN_SQL, 6, params);
  g_autoptr(PGresult) wrong = scan_at (elsewhere[0], event_id, device, "entry", NULL, NULL);
  g_autofree char *at = minutes_ago (5);
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *element = g_strdup_printf ("[{\"client_scan_id\":\"%s\",\"qr_token\":\"%s\",\"event_id\":\"%s\","
                                              "\"scanned_at\":\"%s\"}]", scan_id, elsewhere[1],
                                              other_event_id, at);
  g_autoptr(PGresult) uploaded = upload (device, element);
  g_autofree char *status = count_of ("SELECT status FROM tickets WHERE qr_token = $1", elsewhere[1]);

  g_assert_cmpstr (scan_there, ==, "42501");
  /* Its own event's gate learns nothing of another event's guest. */
  g_assert_cmpstr (PQgetvalue (wrong, 0, 0), ==, "wrong_event");
  g_assert_true (PQgetisnull (wrong, 0, 2));
  g_assert_cmpstr (PQgetvalue (uploaded, 0, 1), ==, "rejected");
  g_assert_cmpstr (status, ==, "valid");
}

static void
test_assigned_device_original_scan_finds_no_other_event (void)
{
  g_autofree char *device = new_device (event_id, NULL);
  g_auto(GStrv) elsewhere = new_tickets (other_event_id, 1, "General");
  g_autofree char *ticket = count_of ("SELECT id FROM tickets WHERE qr_token = $1", elsewhere[0]);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { ticket, device };
  g_autoptr(PGresult) atomic = gate_test_sql_run (conn, "SELECT success, error_message FROM scan_ticket_atomic($1::uuid, NULL, $2)",
                                                  2, params);
  g_autoptr(PGresult) synced = gate_test_sql_run (conn, "SELECT success FROM sync_offline_scan($1::uuid, NULL, now(), $2)",
                                                  2, params);
  g_autofree char *status = count_of ("SELECT status FROM tickets WHERE qr_token = $1", elsewhere[0]);

  g_assert_cmpstr (PQgetvalue (atomic, 0, 0), ==, "f");
  g_assert_cmpstr (PQgetvalue (atomic, 0, 1), ==, "Ticket not found");
  g_assert_cmpstr (PQgetvalue (synced, 0, 0), ==, "f");
  g_assert_cmpstr (status, ==, "valid");
}

/* --- operators ----------------------------------------------------------------------------- */

static char *
new_operator (const char *name)
{
  g_autofree char *out = NULL;
  g_autofree char *random = g_uuid_string_random ();
  g_autofree char *unique = g_strdup_printf ("%s %s", name, random);

  g_assert_cmpint (gatectl_run (&out, NULL, "operator", "add", "--db", gate_test_pg_get_conninfo (pg),
                                "--name", unique, "--pin", "2468", NULL), ==, 0);
  return gate_test_json_member (out, 0, "operator_id");
}

static void
test_operator_recorded_on_every_scan_path (void)
{
  g_autofree char *operator_id = new_operator ("Ana");
  g_autofree char *gate = new_list (event_id, "Gate", NULL, "both", TRUE);
  g_auto(GStrv) tickets = new_tickets (event_id, 4, "General");
  g_autoptr(PGresult) online = scan_at (tickets[0], event_id, "gate-op", "entry", gate, operator_id);
  g_autoptr(PGresult) online_exit = scan_at (tickets[0], event_id, "gate-op", "exit", gate, operator_id);
  g_autofree char *at = minutes_ago (5);
  g_autofree char *element = scan_element (tickets[1], "entry", gate, at, operator_id);
  g_autofree char *batch = g_strdup_printf ("[%s]", element);
  g_autoptr(PGresult) uploaded = upload ("gate-op", batch);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *t2 = count_of ("SELECT id FROM tickets WHERE qr_token = $1", tickets[2]);
  g_autofree char *t3 = count_of ("SELECT id FROM tickets WHERE qr_token = $1", tickets[3]);
  const char *atomic_params[] = { t2, operator_id };
  const char *sync_params[] = { t3, operator_id };
  g_autoptr(PGresult) atomic = gate_test_sql_run (conn, "SELECT success FROM scan_ticket_atomic($1::uuid, $2::uuid, 'gate-op')",
                                                  2, atomic_params);
  g_autoptr(PGresult) synced = gate_test_sql_run (conn, "SELECT success FROM sync_offline_scan($1::uuid, $2::uuid, "
                                                        "now() - interval '1 minute', 'gate-op')", 2, sync_params);

  g_assert_cmpstr (PQgetvalue (online, 0, 0), ==, "admitted");
  g_assert_cmpstr (PQgetvalue (online_exit, 0, 0), ==, "exited");
  g_assert_cmpstr (PQgetvalue (uploaded, 0, 1), ==, "applied");
  g_assert_cmpstr (PQgetvalue (atomic, 0, 0), ==, "t");
  g_assert_cmpstr (PQgetvalue (synced, 0, 0), ==, "t");

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *logged = count_of ("SELECT string_agg(DISTINCT coalesce(l.scanned_by::text, 'none'), ',') "
                                          "FROM scan_logs l JOIN tickets t ON t.id = l.ticket_id "
                                          "WHERE t.qr_token = $1", tickets[i]);
      g_autofree char *entered = count_of ("SELECT s.entered_by FROM ticket_stays s JOIN tickets t "
                                           "ON t.id = s.ticket_id WHERE t.qr_token = $1", tickets[i]);
      g_autofree char *scanned = count_of ("SELECT scanned_by FROM tickets WHERE qr_token = $1", tickets[i]);

      g_assert_cmpstr (logged, ==, operator_id);
      g_assert_cmpstr (entered, ==, operator_id);
      g_assert_cmpstr (scanned, ==, operator_id);
    }
  {
    g_autofree char *exited = count_of ("SELECT s.exited_by FROM ticket_stays s JOIN tickets t "
                                        "ON t.id = s.ticket_id WHERE t.qr_token = $1", tickets[0]);

    g_assert_cmpstr (exited, ==, operator_id);
  }
}

static PGresult *
sign_in (const char *name,
         const char *pin)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { name, pin };

  return gate_test_sql_run (conn, "SELECT operator_id, signed_in, locked_until FROM operator_sign_in('kiosk', $1, $2)",
                            2, params);
}

static void
test_operator_sign_in_and_lockout (void)
{
  g_autofree char *out = NULL;
  g_autofree char *operator_id = NULL;
  g_autofree char *stored = NULL;
  const char *name = "Bruno Lockout";

  g_assert_cmpint (gatectl_run (&out, NULL, "operator", "add", "--db", gate_test_pg_get_conninfo (pg),
                                "--name", name, "--pin", "13579", NULL), ==, 0);
  operator_id = gate_test_json_member (out, 0, "operator_id");
  stored = count_of ("SELECT pin_hash FROM operators WHERE id = $1::uuid", operator_id);
  g_assert_true (g_str_has_prefix (stored, "$2a$"));
  g_assert_null (strstr (stored, "13579"));

  {
    g_autoptr(PGresult) right = sign_in ("bruno lockout", "13579");

    g_assert_cmpstr (PQgetvalue (right, 0, 0), ==, operator_id);
    g_assert_cmpstr (PQgetvalue (right, 0, 1), ==, "t");
  }
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(PGresult) wrong = sign_in (name, "00000");

      g_assert_cmpstr (PQgetvalue (wrong, 0, 1), ==, "f");
      g_assert_true (PQgetisnull (wrong, 0, 0));
      g_assert_cmpint (PQgetisnull (wrong, 0, 2), ==, i < 4);
    }
  {
    /* Locked: the right PIN does not sign in either, for now. */
    g_autoptr(PGresult) locked = sign_in (name, "13579");

    g_assert_cmpstr (PQgetvalue (locked, 0, 1), ==, "f");
    g_assert_false (PQgetisnull (locked, 0, 2));
  }
}

static void
test_removed_operator_cannot_sign_in (void)
{
  g_autofree char *out = NULL;
  g_autofree char *operator_id = NULL;
  g_autofree char *removed = NULL;
  g_autoptr(PGresult) after = NULL;
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autoptr(PGresult) listed = NULL;

  g_assert_cmpint (gatectl_run (&out, NULL, "operator", "add", "--db", gate_test_pg_get_conninfo (pg),
                                "--name", "Carla Gone", "--pin", "1111", NULL), ==, 0);
  operator_id = gate_test_json_member (out, 0, "operator_id");
  g_assert_cmpint (gatectl_run (&removed, NULL, "operator", "remove", "--db", gate_test_pg_get_conninfo (pg),
                                operator_id, NULL), ==, 0);
  after = sign_in ("Carla Gone", "1111");
  listed = gate_test_sql_run (conn, "SELECT count(*) FROM list_operators('kiosk') WHERE name = 'Carla Gone'", 0, NULL);

  g_assert_cmpstr (PQgetvalue (after, 0, 1), ==, "f");
  g_assert_cmpstr (PQgetvalue (listed, 0, 0), ==, "0");
  /* Short PINs and letters are refused. */
  g_assert_cmpint (gatectl_run (NULL, NULL, "operator", "add", "--db", gate_test_pg_get_conninfo (pg),
                                "--name", "Dora", "--pin", "12", NULL), ==, 1);
  g_assert_cmpint (gatectl_run (NULL, NULL, "operator", "add", "--db", gate_test_pg_get_conninfo (pg),
                                "--name", "Dora", "--pin", "12ab", NULL), ==, 1);
}

/* --- per-gate numbers --------------------------------------------------------------------- */

static void
test_stats_per_list_gate_and_five_minutes (void)
{
  g_autofree char *event = gate_test_create_event (pg, "Stats night", NULL);
  g_autofree char *in_door = new_list (event, "Main entrance", NULL, "both", TRUE);
  g_autofree char *out_door = new_list (event, "Exit", NULL, "exit", FALSE);
  g_auto(GStrv) tickets = new_tickets (event, 3, "General");
  g_autoptr(PGconn) boss = connect_as ("gate_supervisor");
  const char *params[] = { event };
  g_autoptr(PGresult) stats = NULL;
  g_autofree char *device_call = NULL;
  gboolean saw_list = FALSE;
  gboolean saw_exit_list = FALSE;
  gboolean saw_gate = FALSE;
  gint64 arrivals = 0;

  for (guint i = 0; i < 3; i++)
    PQclear (scan_at (tickets[i], event, "stats-in", "entry", in_door, NULL));
  PQclear (scan_at (tickets[0], event, "stats-out", "exit", out_door, NULL));

  stats = gate_test_sql_run (boss, "SELECT scope, list_id, device_id, entries, exits, inside, bucket FROM event_stats($1::uuid)",
                             1, params);
  for (int i = 0; i < PQntuples (stats); i++)
    {
      const char *scope = PQgetvalue (stats, i, 0);

      if (g_str_equal (scope, "event"))
        {
          g_assert_cmpstr (PQgetvalue (stats, i, 3), ==, "3");
          g_assert_cmpstr (PQgetvalue (stats, i, 4), ==, "1");
          g_assert_cmpstr (PQgetvalue (stats, i, 5), ==, "2");
        }
      else if (g_str_equal (scope, "list") && g_strcmp0 (PQgetvalue (stats, i, 1), in_door) == 0)
        {
          saw_list = TRUE;
          g_assert_cmpstr (PQgetvalue (stats, i, 3), ==, "3");
          g_assert_cmpstr (PQgetvalue (stats, i, 5), ==, "2");
        }
      else if (g_str_equal (scope, "list") && g_strcmp0 (PQgetvalue (stats, i, 1), out_door) == 0)
        {
          saw_exit_list = TRUE;
          g_assert_cmpstr (PQgetvalue (stats, i, 4), ==, "1");
        }
      else if (g_str_equal (scope, "gate") && g_str_equal (PQgetvalue (stats, i, 2), "stats-in"))
        {
          saw_gate = TRUE;
          g_assert_cmpstr (PQgetvalue (stats, i, 3), ==, "3");
          g_assert_cmpstr (PQgetvalue (stats, i, 5), ==, "2");
        }
      else if (g_str_equal (scope, "arrivals"))
        {
          g_assert_cmpstr (PQgetvalue (stats, i, 2), ==, "stats-in");
          g_assert_false (PQgetisnull (stats, i, 6));
          arrivals += g_ascii_strtoll (PQgetvalue (stats, i, 3), NULL, 10);
        }
    }
  g_assert_true (saw_list);
  g_assert_true (saw_exit_list);
  g_assert_true (saw_gate);
  g_assert_cmpint (arrivals, ==, 3);

  device_call = sqlstate_of ("gate_device", "SELECT * FROM event_stats($1::uuid)", 1, params);
  g_assert_cmpstr (device_call, ==, "42501");
}

/* --- gatectl ------------------------------------------------------------------------------- */

static void
test_gatectl_list_and_assign (void)
{
  g_autofree char *list = new_list (event_id, "Side door", "VIP", "both", TRUE);
  g_autofree char *device = new_device (event_id, NULL);
  g_autofree char *out = NULL;
  g_autofree char *list_id = NULL;
  g_autofree char *stored = count_of ("SELECT ticket_types::text || direction || allow_reentry FROM checkin_lists "
                                      "WHERE id = $1::uuid", list);

  g_assert_cmpstr (stored, ==, "{VIP}bothtrue");
  g_assert_cmpint (gatectl_run (&out, NULL, "device", "assign", "--db", gate_test_pg_get_conninfo (pg), device,
                                "--list", list, NULL), ==, 0);
  list_id = gate_test_json_member (out, 0, "list_id");
  g_assert_cmpstr (list_id, ==, list);

  g_assert_cmpint (gatectl_run (NULL, NULL, "list", "create", "--db", gate_test_pg_get_conninfo (pg), "--event",
                                event_id, "--name", "Bad", "--direction", "sideways", NULL), ==, 2);
  g_assert_cmpint (gatectl_run (NULL, NULL, "list", "create", "--db", gate_test_pg_get_conninfo (pg), "--event",
                                "00000000-0000-0000-0000-000000000000", "--name", "Orphan", NULL), ==, 1);
  g_assert_cmpint (gatectl_run (NULL, NULL, "device", "assign", "--db", gate_test_pg_get_conninfo (pg), "dev-none",
                                "--event", event_id, NULL), ==, 1);
  /* An unknown list leaves no half-made device behind. */
  g_assert_cmpint (gatectl_run (NULL, NULL, "device", "add", "--db", gate_test_pg_get_conninfo (pg), "--name",
                                "Half", "--role", "gate", "--list", "00000000-0000-0000-0000-000000000000", NULL), ==, 1);
  {
    g_autofree char *half = sql_value ("SELECT count(*) FROM devices WHERE name = 'Half'", 0, NULL);

    g_assert_cmpstr (half, ==, "0");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  pg = gate_test_sql_start (&argc, &argv);
  event_id = gate_test_create_event (pg, "Rules night", &error);
  g_assert_no_error (error);
  other_event_id = gate_test_create_event (pg, "Another night", &error);
  g_assert_no_error (error);

  g_test_add_func ("/sql/rules/no-list-is-todays-behaviour-plus-exit", test_no_list_is_todays_behaviour_plus_exit);
  g_test_add_func ("/sql/rules/entry-list-for-some-types", test_entry_list_for_some_types);
  g_test_add_func ("/sql/rules/exit-only-list", test_exit_only_list);
  g_test_add_func ("/sql/rules/both-ways-with-reentry", test_both_ways_with_reentry);
  g_test_add_func ("/sql/rules/both-ways-without-reentry", test_both_ways_without_reentry);
  g_test_add_func ("/sql/rules/device-list-is-the-default", test_device_list_is_the_default);
  g_test_add_func ("/sql/rules/list-of-another-event-refused", test_list_of_another_event_refused);
  g_test_add_func ("/sql/rules/repeat-of-an-exit-is-a-replay", test_repeat_of_an_exit_is_a_replay);
  g_test_add_func ("/sql/presence/database-refuses-a-second-open-entry", test_database_refuses_a_second_open_entry);
  g_test_add_func ("/sql/presence/admit-locks-no-shared-row", test_admit_locks_no_shared_row);
  g_test_add_func ("/sql/presence/storm-of-entries-admits-one", test_storm_of_entries_admits_one);
  g_test_add_func ("/sql/presence/storm-of-reentries-after-an-exit-admits-one",
                   test_storm_of_reentries_after_an_exit_admits_one);
  g_test_add_func ("/sql/presence/storm-of-offline-entries-keeps-one-open",
                   test_storm_of_offline_entries_keeps_one_open);
  g_test_add_func ("/sql/presence/storm-of-offline-reentries-after-an-exit-keeps-one-open",
                   test_storm_of_offline_reentries_after_an_exit_keeps_one_open);
  g_test_add_func ("/sql/presence/upload-replays-in-corrected-time-order", test_upload_replays_in_corrected_time_order);
  g_test_add_func ("/sql/presence/late-entry-meets-the-exit-refused-before-it",
                   test_late_entry_meets_the_exit_refused_before_it);
  g_test_add_func ("/sql/presence/two-offline-entries-without-exit-are-a-conflict",
                   test_two_offline_entries_without_exit_are_a_conflict);
  g_test_add_func ("/sql/rules/upload-verdicts-of-lists", test_upload_verdicts_of_lists);
  g_test_add_func ("/sql/scope/assigned-device-reads-only-its-events", test_assigned_device_reads_only_its_events);
  g_test_add_func ("/sql/scope/assigned-device-scans-only-its-events", test_assigned_device_scans_only_its_events);
  g_test_add_func ("/sql/scope/assigned-device-original-scan-finds-no-other-event",
                   test_assigned_device_original_scan_finds_no_other_event);
  g_test_add_func ("/sql/operators/recorded-on-every-scan-path", test_operator_recorded_on_every_scan_path);
  g_test_add_func ("/sql/operators/sign-in-and-lockout", test_operator_sign_in_and_lockout);
  g_test_add_func ("/sql/operators/removed-cannot-sign-in", test_removed_operator_cannot_sign_in);
  g_test_add_func ("/sql/stats/per-list-gate-and-five-minutes", test_stats_per_list_gate_and_five_minutes);
  g_test_add_func ("/sql/gatectl/list-create-and-device-assign", test_gatectl_list_and_assign);

  result = g_test_run ();

  g_clear_pointer (&pg, gate_test_pg_free);
  g_free (event_id);
  g_free (other_event_id);
  return result;
}
