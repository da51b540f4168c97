/* test-sql-presence.c — the presence delta for offline kiosks (migration
 * 0016) against a real PostgreSQL: ticket_presence follows every stay,
 * stays_changed_since pages it by cursor, a refresh with nothing new gets
 * nothing, and a device keeps to its events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libpq-fe.h>

#include "gate-test-harness.h"
#include "gate-test-sql.h"

static GateTestPg *pg;
static char *event_id;
static char *other_event_id;

static PGconn *
connect_as_device (void)
{
  PGconn *conn = PQconnectdb (gate_test_pg_get_conninfo (pg));
  g_autoptr(PGresult) result = NULL;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, "SET ROLE gate_device");
  g_assert_cmpint (PQresultStatus (result), ==, PGRES_COMMAND_OK);
  return conn;
}

static char *
new_device (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = gate_test_uuid ();
  g_autofree char *token = NULL;
  char *id = NULL;

  g_assert_true (gate_test_add_device (pg, name, "gate", &id, &token, &error));
  return id;
}

static void
scan (const char *device,
      const char *code,
      const char *direction)
{
  g_autoptr(PGconn) conn = connect_as_device ();
  const char *params[] = { code, event_id, device, direction };
  g_autoptr(PGresult) result = gate_test_sql_run (conn,
                                                  "SELECT verdict FROM scan_ticket(p_qr_token => $1, p_event_id => $2::uuid, "
                                                  "p_device_id => $3, p_client_scan_id => gen_random_uuid(), p_direction => $4)",
                                                  4, params);

  g_assert_cmpint (PQntuples (result), ==, 1);
}

static char *
ticket_id_of (const char *code)
{
  g_autoptr(PGconn) admin = PQconnectdb (gate_test_pg_get_conninfo (pg));
  const char *params[] = { code };
  g_autoptr(PGresult) result = gate_test_sql_run (admin, "SELECT id FROM public.tickets WHERE qr_token = $1", 1, params);

  g_assert_cmpint (PQntuples (result), ==, 1);
  return g_strdup (PQgetvalue (result, 0, 0));
}

/* One page: ticket id → "inside/exited?" in @seen; returns the rows and
 * sets *@cursor when there were any. */
static int
page (const char  *device,
      const char  *event,
      char       **cursor,
      int          limit,
      GHashTable  *seen)
{
  g_autoptr(PGconn) conn = connect_as_device ();
  g_autofree char *limit_text = g_strdup_printf ("%d", limit);
  const char *params[] = { device, event, *cursor, limit_text };
  g_autoptr(PGresult) result = gate_test_sql_run (conn,
                                                  "SELECT s.ticket_id, s.inside, s.exited_at IS NOT NULL, s.next_cursor "
                                                  "FROM stays_changed_since($1, $2::uuid, $3, $4::int) s",
                                                  4, params);
  int rows = PQntuples (result);

  for (int i = 0; i < rows; i++)
    g_hash_table_insert (seen, g_strdup (PQgetvalue (result, i, 0)),
                         g_strdup_printf ("%s%s", strcmp (PQgetvalue (result, i, 1), "t") == 0 ? "inside" : "out",
                                          strcmp (PQgetvalue (result, i, 2), "t") == 0 ? "+exit" : ""));
  if (rows > 0)
    {
      g_free (*cursor);
      *cursor = g_strdup (PQgetvalue (result, rows - 1, 3));
    }
  return rows;
}

static void
test_pages_every_change_then_nothing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device = new_device ();
  g_auto(GStrv) codes = gate_test_generate_tickets (pg, event_id, 5, "General", &error);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *cursor = NULL;
  int rows;
  guint pages = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < 5; i++)
    scan (device, codes[i], "entry");

  /* Pages of two: 2, 2, 1, and every ticket once, inside. */
  do
    {
      rows = page (device, event_id, &cursor, 2, seen);
      pages++;
    }
  while (rows == 2);
  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *id = ticket_id_of (codes[i]);

      g_assert_cmpstr (g_hash_table_lookup (seen, id), ==, "inside");
    }

  /* Nothing changed: nothing comes. */
  g_hash_table_remove_all (seen);
  g_assert_cmpint (page (device, event_id, &cursor, 2, seen), ==, 0);

  /* One exit: exactly that ticket comes, outside. */
  scan (device, codes[3], "exit");
  g_assert_cmpint (page (device, event_id, &cursor, 2, seen), ==, 1);
  {
    g_autofree char *id = ticket_id_of (codes[3]);

    g_assert_cmpstr (g_hash_table_lookup (seen, id), ==, "out+exit");
  }
}

static char *
sqlstate_of_cursor (const char *device,
                    const char *event,
                    const char *cursor)
{
  g_autoptr(PGconn) conn = connect_as_device ();
  const char *params[] = { device, event, cursor };
  g_autoptr(PGresult) result = PQexecParams (conn, "SELECT * FROM stays_changed_since($1, $2::uuid, $3)", 3, NULL,
                                             params, NULL, NULL, 0);

  return g_strdup (PQresultErrorField (result, PG_DIAG_SQLSTATE));
}

static void
test_malformed_cursor_refused (void)
{
  static const char * const cursors[] = {
    "x||", "1|2", "1|2|not-a-uuid", "99999999999999999999999||", "1|x|00000000-0000-0000-0000-000000000000",
  };
  g_autofree char *device = new_device ();

  for (guint i = 0; i < G_N_ELEMENTS (cursors); i++)
    {
      g_autofree char *state = sqlstate_of_cursor (device, event_id, cursors[i]);

      g_test_message ("cursor %s", cursors[i]);
      g_assert_cmpstr (state, ==, "22023");
    }
}

static void
test_assigned_device_reads_only_its_events (void)
{
  g_autofree char *device = new_device ();
  g_autofree char *sql = g_strdup_printf ("INSERT INTO public.device_events (device_id, event_id) VALUES ('%s', '%s')",
                                          device, event_id);
  g_autoptr(PGconn) admin = PQconnectdb (gate_test_pg_get_conninfo (pg));
  g_autoptr(PGresult) assigned = gate_test_sql_run (admin, sql, 0, NULL);
  g_autofree char *refused = NULL;
  g_autofree char *allowed = NULL;

  refused = sqlstate_of_cursor (device, other_event_id, NULL);
  allowed = sqlstate_of_cursor (device, event_id, NULL);
  g_assert_cmpstr (refused, ==, "42501");
  g_assert_null (allowed);
}

/* Every ticket's presence row is the summary of its stays, also after an
 * upload that moved an admission's entry earlier (won_conflict). */
static void
test_summary_matches_stays_after_a_won_conflict (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *online = new_device ();
  g_autofree char *offline = new_device ();
  g_auto(GStrv) codes = gate_test_generate_tickets (pg, event_id, 1, "General", &error);
  g_autoptr(PGconn) admin = PQconnectdb (gate_test_pg_get_conninfo (pg));
  g_autoptr(PGconn) device = connect_as_device ();
  g_autoptr(PGresult) backdated = NULL;
  g_autoptr(PGresult) upload = NULL;
  g_autoptr(PGresult) entry = NULL;
  g_autoptr(PGresult) mismatches = NULL;

  g_assert_no_error (error);
  {
    const char *params[] = { codes[0] };

    backdated = gate_test_sql_run (admin, "UPDATE public.tickets SET created_at = now() - interval '1 day' WHERE qr_token = $1", 1,
                                   params);
  }
  scan (online, codes[0], "entry");
  {
    const char *params[] = { offline, codes[0], event_id };

    upload = gate_test_sql_run (device,
                                "SELECT outcome FROM sync_offline_scans($1, jsonb_build_array(jsonb_build_object("
                                "'client_scan_id', gen_random_uuid(), 'qr_token', $2::text, 'event_id', $3::text, "
                                "'scanned_at', now() - interval '1 hour', 'clock_offset_ms', 0)))",
                                3, params);
  }
  g_assert_cmpstr (PQgetvalue (upload, 0, 0), ==, "won_conflict");

  {
    const char *params[] = { codes[0] };

    entry = gate_test_sql_run (admin,
                               "SELECT p.entry_device, p.inside FROM public.ticket_presence p JOIN public.tickets t "
                               "ON t.id = p.ticket_id WHERE t.qr_token = $1",
                               1, params);
  }
  g_assert_cmpstr (PQgetvalue (entry, 0, 0), ==, offline);
  g_assert_cmpstr (PQgetvalue (entry, 0, 1), ==, "t");

  mismatches = gate_test_sql_run (admin,
                                  "SELECT count(*) FROM public.ticket_presence p "
                                  "LEFT JOIN LATERAL (SELECT s.* FROM public.ticket_stays s WHERE s.ticket_id = p.ticket_id "
                                  "  ORDER BY s.entered_at DESC LIMIT 1) l ON true "
                                  "LEFT JOIN LATERAL (SELECT s.* FROM public.ticket_stays s WHERE s.ticket_id = p.ticket_id "
                                  "  AND s.exited_at IS NOT NULL ORDER BY s.exited_at DESC LIMIT 1) x ON true "
                                  "WHERE p.inside IS DISTINCT FROM (l.id IS NOT NULL AND l.exited_at IS NULL) "
                                  "   OR p.entered_at IS DISTINCT FROM l.entered_at OR p.entry_device IS DISTINCT FROM l.entry_device "
                                  "   OR p.exited_at IS DISTINCT FROM x.exited_at OR p.exit_device IS DISTINCT FROM x.exit_device",
                                  0, NULL);
  g_assert_cmpstr (PQgetvalue (mismatches, 0, 0), ==, "0");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  pg = gate_test_sql_start (&argc, &argv);
  event_id = gate_test_create_event (pg, "Presence night", &error);
  g_assert_no_error (error);
  other_event_id = gate_test_create_event (pg, "Another night", &error);
  g_assert_no_error (error);

  g_test_add_func ("/sql/presence-delta/pages-every-change-then-nothing", test_pages_every_change_then_nothing);
  g_test_add_func ("/sql/presence-delta/malformed-cursor-refused", test_malformed_cursor_refused);
  g_test_add_func ("/sql/presence-delta/assigned-device-reads-only-its-events",
                   test_assigned_device_reads_only_its_events);

  g_test_add_func ("/sql/presence-delta/summary-matches-stays-after-a-won-conflict",
                   test_summary_matches_stays_after_a_won_conflict);

  result = g_test_run ();

  g_clear_pointer (&pg, gate_test_pg_free);
  g_free (event_id);
  g_free (other_event_id);
  return result;
}
