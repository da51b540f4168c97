/* test-sql-plans.c — the scan path keeps cheap plans when an event's
 * tickets arrive in bulk while gates are already scanning
 *
 * PL/pgSQL keeps a plan per statement and session. A plan made while the
 * tickets table was nearly empty, and never revisited, read every ticket
 * of the event through tickets_event_change_idx to find one code: 16 ms a
 * scan at 20,000 tickets instead of 0.3 ms, which held gate-server to a
 * seventh of its rate. `gatectl tickets generate` now refreshes the
 * planner's statistics after its COPY, which also drops the stale plans of
 * every open session.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libpq-fe.h>

#include "gate-test-harness.h"
#include "gate-test-sql.h"

static GateTestPg *pg;

/* Scans @code on @conn (a gate's session) and returns how many ticket rows
 * that scan fetched through an index. */
static gint64
scan_and_count_fetches (PGconn     *conn,
                        const char *code,
                        const char *event,
                        const char *device)
{
  const char *params[] = { code, event, device };
  g_autoptr(PGresult) begin = gate_test_sql_run (conn, "BEGIN", 0, NULL);
  g_autoptr(PGresult) verdict = gate_test_sql_run (conn,
                                                   "SELECT verdict FROM scan_ticket(p_qr_token => $1, p_event_id => $2::uuid, "
                                                   "p_device_id => $3, p_client_scan_id => gen_random_uuid())",
                                                   3, params);
  /* The transaction's own counts, before they are flushed to the
   * cumulative statistics. */
  g_autoptr(PGresult) fetched = gate_test_sql_run (conn,
                                                   "SELECT idx_tup_fetch FROM pg_stat_xact_user_tables "
                                                   "WHERE relid = 'public.tickets'::regclass", 0, NULL);
  g_autoptr(PGresult) commit = gate_test_sql_run (conn, "COMMIT", 0, NULL);

  g_assert_cmpint (PQntuples (verdict), ==, 1);
  g_assert_cmpstr (PQgetvalue (verdict, 0, 0), ==, "admitted");
  g_assert_cmpint (PQntuples (fetched), ==, 1);
  return g_ascii_strtoll (PQgetvalue (fetched, 0, 0), NULL, 10);
}

static void
test_scan_reads_one_ticket_after_bulk_import (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Bulk import night", &error);
  g_autofree char *device = NULL;
  g_autofree char *token = NULL;
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) bulk = NULL;
  g_autoptr(PGconn) gate = NULL;
  g_autoptr(PGresult) role = NULL;
  gint64 fetches;

  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (pg, "Bulk gate", "gate", &device, &token, &error));

  /* A gate scans the first few tickets on one session, long enough for
   * PL/pgSQL to settle on its plans while the table is small. */
  first = gate_test_generate_tickets (pg, event, 8, "General", &error);
  g_assert_no_error (error);
  gate = PQconnectdb (gate_test_pg_get_conninfo (pg));
  g_assert_cmpint (PQstatus (gate), ==, CONNECTION_OK);
  role = gate_test_sql_run (gate, "SET ROLE gate_device", 0, NULL);
  for (guint i = 0; first[i] != NULL; i++)
    scan_and_count_fetches (gate, first[i], event, device);

  /* The box office loads the rest while the gate keeps its session. */
  bulk = gate_test_generate_tickets (pg, event, 20000, "General", &error);
  g_assert_no_error (error);

  /* The next scan looks up its one ticket (and locks it): a handful of
   * rows, not the event's 20,000. */
  fetches = scan_and_count_fetches (gate, bulk[12345], event, device);
  g_test_message ("ticket rows fetched by one scan after the import: %" G_GINT64_FORMAT, fetches);
  g_assert_cmpint (fetches, <, 100);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  pg = gate_test_sql_start (&argc, &argv);

  g_test_add_func ("/sql/plans/scan-reads-one-ticket-after-bulk-import",
                   test_scan_reads_one_ticket_after_bulk_import);

  result = g_test_run ();

  g_clear_pointer (&pg, gate_test_pg_free);
  return result;
}
