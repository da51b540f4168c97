/* test-sql-pages.c — tickets_changed_since as one SQL statement (migration
 * 0024) against a real PostgreSQL: its pages equal 0008's, row for row and
 * cursor for cursor, its errors are 0008's, and a page comes off the index
 * in order without a sort; ticket ids follow the order tickets are made
 * in (0025)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "gate-test-harness.h"
#include "gate-test-sql.h"

static GateTestPg *pg;

static PGconn *
connect_admin (void)
{
  PGconn *conn = PQconnectdb (gate_test_pg_get_conninfo (pg));

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  return conn;
}

static void
exec_sql (PGconn     *conn,
          const char *sql)
{
  PQclear (gate_test_sql_run (conn, sql, 0, NULL));
}

/* Every cell of @a equals the same cell of @b, in the same order. */
static void
assert_same_rows (PGresult *a,
                  PGresult *b)
{
  g_assert_cmpint (PQnfields (a), ==, PQnfields (b));
  g_assert_cmpint (PQntuples (a), ==, PQntuples (b));
  for (int row = 0; row < PQntuples (a); row++)
    for (int col = 0; col < PQnfields (a); col++)
      {
        g_assert_cmpstr (PQfname (a, col), ==, PQfname (b, col));
        g_assert_cmpint (PQgetisnull (a, row, col), ==, PQgetisnull (b, row, col));
        g_assert_cmpstr (PQgetvalue (a, row, col), ==, PQgetvalue (b, row, col));
      }
}

#define NEW_PAGE "SELECT * FROM public.tickets_changed_since($1::uuid, $2, $3::int)"
#define OLD_PAGE "SELECT * FROM public.gate_tickets_changed_page($1::uuid, $2, $3::int)"

/* Walks a whole round from @cursor with pages of @limit, asking 0024's
 * function and 0008's for every page in one snapshot, and checks they
 * answer the same. Returns the number of rows of the round. */
static guint
walk_both (PGconn     *conn,
           const char *event,
           const char *cursor,
           int         limit)
{
  g_autofree char *limit_str = g_strdup_printf ("%d", limit);
  g_autofree char *position = g_strdup (cursor);
  guint rows = 0;

  for (guint page = 0; page < 10000; page++)
    {
      const char *params[] = { event, position, limit_str };
      g_autoptr(PGresult) fresh = NULL;
      g_autoptr(PGresult) old = NULL;
      int n;

      /* The cursor holds the snapshot's xmin: both see the same one. */
      exec_sql (conn, "BEGIN ISOLATION LEVEL REPEATABLE READ");
      fresh = gate_test_sql_run (conn, NEW_PAGE, 3, params);
      old = gate_test_sql_run (conn, OLD_PAGE, 3, params);
      exec_sql (conn, "COMMIT");
      assert_same_rows (fresh, old);

      n = PQntuples (fresh);
      rows += n;
      if (n > 0)
        {
          g_free (position);
          position = g_strdup (PQgetvalue (fresh, n - 1, PQfnumber (fresh, "next_cursor")));
        }
      if (n < limit)
        return rows;
    }
  g_assert_not_reached ();
}

/* An event with rows of many writers: a bulk insert, scans, a void, a
 * rename to something JSON must escape, a NULL guest, and a writer that
 * has not committed yet. Every page of every round, from every kind of
 * cursor and at several page sizes, is 0008's page. */
static void
test_pages_equal_0008s (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Pages", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 2600, "General", &error);
  g_autoptr(PGconn) conn = connect_admin ();
  g_autoptr(PGconn) slow = connect_admin ();
  g_autofree char *mid_cursor = NULL;
  g_autofree char *snapshot_cursor = NULL;
  const char *limits[] = { "1", "7", "1000", "5000", "0", "-3" };
  const char *a[] = { tickets[5] };
  const char *b[] = { tickets[6] };
  const char *c[] = { tickets[7] };

  g_assert_no_error (error);
  {
    g_autofree char *snapshot = NULL;
    g_autoptr(PGresult) result = gate_test_sql_run (conn, "SELECT pg_current_snapshot()::text", 0, NULL);

    snapshot = g_strdup (PQgetvalue (result, 0, 0));
    snapshot_cursor = g_strdup_printf ("%s|||", snapshot);
  }
  PQclear (gate_test_sql_run (conn, "UPDATE tickets SET status = 'scanned', scanned_at = now(), scanned_device = 'gate-1' "
                                    "WHERE qr_token = $1", 1, a));
  PQclear (gate_test_sql_run (conn, "UPDATE tickets SET status = 'void' WHERE qr_token = $1", 1, b));
  PQclear (gate_test_sql_run (conn, "UPDATE tickets SET guest_name = E'Zoë \"Q\" \\\\ O''Brien\\n' WHERE qr_token = $1", 1, c));
  exec_sql (conn, "UPDATE tickets SET guest_name = NULL, qr_signature = NULL "
                  "WHERE qr_token IN (SELECT qr_token FROM tickets ORDER BY id LIMIT 3)");
  exec_sql (slow, "BEGIN");
  PQclear (gate_test_sql_run (slow, "UPDATE tickets SET ticket_type = 'VIP' WHERE qr_token = $1", 1, a));

  /* From nothing, at every page size (clamped ones included). */
  g_assert_cmpuint (walk_both (conn, event, NULL, 1000), ==, 2600);
  g_assert_cmpuint (walk_both (conn, event, "", 7), ==, 2600);
  g_assert_cmpuint (walk_both (conn, event, NULL, 5000), ==, 1000);
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      const char *params[] = { event, NULL, limits[i] };

      exec_sql (conn, "BEGIN ISOLATION LEVEL REPEATABLE READ");
      {
        g_autoptr(PGresult) fresh = gate_test_sql_run (conn, NEW_PAGE, 3, params);
        g_autoptr(PGresult) old = gate_test_sql_run (conn, OLD_PAGE, 3, params);

        assert_same_rows (fresh, old);
      }
      exec_sql (conn, "COMMIT");
    }

  /* From the middle of a round, and from 0003's snapshot cursor. */
  {
    const char *params[] = { event, NULL, "1000" };
    g_autoptr(PGresult) first = gate_test_sql_run (conn, NEW_PAGE, 3, params);

    mid_cursor = g_strdup (PQgetvalue (first, 999, PQfnumber (first, "next_cursor")));
  }
  g_assert_cmpuint (walk_both (conn, event, mid_cursor, 1000), ==, 1600);
  g_assert_cmpuint (walk_both (conn, event, snapshot_cursor, 1000), >=, 4);

  /* The late writer commits: the next round brings it, the same way. */
  exec_sql (slow, "COMMIT");
  g_assert_cmpuint (walk_both (conn, event, mid_cursor, 7), >=, 1600);
  g_assert_cmpuint (walk_both (conn, event, "1|||", 7), ==, 2600);
}

static char *
sqlstate_of (PGconn      *conn,
             const char  *sql,
             const char **params)
{
  g_autoptr(PGresult) result = PQexecParams (conn, sql, 3, NULL, params, NULL, NULL, 0);

  if (PQresultStatus (result) != PGRES_FATAL_ERROR)
    return g_strdup ("ok");
  return g_strdup (PQresultErrorField (result, PG_DIAG_SQLSTATE));
}

/* What 0008 refused, 0024 refuses with the same SQLSTATE. */
static void
test_errors_equal_0008s (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Refusals", &error);
  g_autoptr(PGconn) conn = connect_admin ();
  g_autofree char *too_long = g_strnfill (9000, '1');
  const char *cases[][3] = {
    { NULL, NULL, "10" },
    { event, "definitely|not|a|cursor", "10" },
    { event, "1|2|3", "10" },
    { event, "1|2|3|not-a-uuid", "10" },
    { event, "abc|||", "10" },
    { event, too_long, "10" },
    { event, "1|||", "10" },
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *fresh = sqlstate_of (conn, NEW_PAGE, cases[i]);
      g_autofree char *old = sqlstate_of (conn, OLD_PAGE, cases[i]);

      g_test_message ("case %u: %s, %s", i, fresh, old);
      g_assert_cmpstr (fresh, ==, old);
    }
  /* And they are refusals, but the last. */
  {
    g_autofree char *first = sqlstate_of (conn, NEW_PAGE, cases[0]);
    g_autofree char *last = sqlstate_of (conn, NEW_PAGE, cases[G_N_ELEMENTS (cases) - 1]);

    g_assert_cmpstr (first, ==, "22004");
    g_assert_cmpstr (last, ==, "ok");
  }
}

static void
collect_notice (void           *user_data,
                const PGresult *result)
{
  g_string_append (user_data, PQresultErrorMessage (result));
}

/* A page is the index range in the index's order: no Sort, no Seq Scan,
 * and no materialised copy of the page (0008 sorted it twice). */
static void
test_page_comes_off_the_index_unsorted (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Unsorted", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 1500, "General", &error);
  g_autoptr(PGconn) conn = connect_admin ();
  g_autoptr(GString) log = g_string_new (NULL);
  const char *params[] = { event, NULL, "1000" };
  g_autoptr(PGresult) page = NULL;
  const char *plan;

  g_assert_no_error (error);
  exec_sql (conn, "ANALYZE tickets");
  exec_sql (conn, "LOAD 'auto_explain'");
  exec_sql (conn, "SET auto_explain.log_min_duration = 0");
  exec_sql (conn, "SET auto_explain.log_nested_statements = on");
  exec_sql (conn, "SET client_min_messages = log");
  PQsetNoticeReceiver (conn, collect_notice, log);
  page = gate_test_sql_run (conn, NEW_PAGE, 3, params);
  g_assert_cmpint (PQntuples (page), ==, 1000);

  /* The page's own statement: the one that reads tickets. */
  plan = strstr (log->str, "Index Scan using tickets_event_change_idx");
  g_test_message ("%s", log->str);
  g_assert_nonnull (plan);
  g_assert_null (strstr (log->str, "Sort"));
  g_assert_null (strstr (log->str, "Seq Scan"));
  g_assert_null (strstr (log->str, "CTE Scan on candidates"));
}

static int
count_of (PGconn      *conn,
          const char  *sql,
          const char  *event)
{
  const char *params[] = { event };
  g_autoptr(PGresult) result = gate_test_sql_run (conn, sql, 1, params);

  return atoi (PQgetvalue (result, 0, 0));
}

/* Ids are made in order (0025, and gatectl's own), so a page of an import
 * is a few neighbouring heap pages instead of one heap page a ticket. */
static void
test_ids_follow_the_order_tickets_are_made (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *by_sql = gate_test_create_event (pg, "Made by SQL", &error);
  g_autofree char *by_gatectl = gate_test_create_event (pg, "Made by gatectl", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, by_gatectl, 2000, "General", &error);
  g_autoptr(PGconn) conn = connect_admin ();
  const char *params[] = { by_sql };
  int heap_pages;
  int table_pages;

  g_assert_no_error (error);
  PQclear (gate_test_sql_run (conn, "INSERT INTO public.tickets (event_id, qr_token) "
                                    "SELECT $1::uuid, 'ORDER-' || $1 || '-' || i FROM generate_series(1, 20000) AS i",
                              1, params));

  /* Version 7. */
  g_assert_cmpint (count_of (conn, "SELECT count(*) FROM public.tickets WHERE event_id = $1::uuid "
                                   "AND substr(id::text, 15, 1) <> '7'", by_sql), ==, 0);
  g_assert_cmpint (count_of (conn, "SELECT count(*) FROM public.tickets WHERE event_id = $1::uuid "
                                   "AND substr(id::text, 15, 1) <> '7'", by_gatectl), ==, 0);

  /* In the order they were made: to the millisecond by SQL (its codes
   * count them), to the id by gatectl (it printed its codes in order, and
   * its counter orders one millisecond's ids). */
  g_assert_cmpint (count_of (conn, "SELECT count(*) FROM (SELECT substr(id::text, 1, 13) < lag(substr(id::text, 1, 13)) "
                                   "OVER (ORDER BY split_part(qr_token, '-', 7)::int) AS back FROM public.tickets "
                                   "WHERE event_id = $1::uuid) AS t WHERE back", by_sql),
                   ==, 0);
  {
    g_autofree char *codes = g_strjoinv (",", tickets);
    const char *code_params[] = { by_gatectl, codes };
    g_autoptr(PGresult) back = gate_test_sql_run (conn, "SELECT count(*) FROM (SELECT t.id < lag(t.id) OVER (ORDER BY c.n) "
                                                        "AS back FROM unnest(string_to_array($2, ',')) WITH ORDINALITY "
                                                        "AS c(code, n) JOIN public.tickets t ON t.qr_token = c.code "
                                                        "AND t.event_id = $1::uuid) AS o WHERE back",
                                                  2, code_params);

    g_assert_cmpint (atoi (PQgetvalue (back, 0, 0)), ==, 0);
  }

  /* The first page of the 20,000: a thousand rows, a few dozen heap pages
   * of the event's some 700 (random ids: some 650 of them). */
  table_pages = count_of (conn, "SELECT count(DISTINCT (ctid::text::point)[0]) FROM public.tickets "
                                "WHERE event_id = $1::uuid", by_sql);
  heap_pages = count_of (conn, "SELECT count(DISTINCT (ctid::text::point)[0]) FROM public.tickets "
                               "WHERE id IN (SELECT id FROM public.tickets_changed_since($1::uuid, NULL, 1000))",
                         by_sql);
  g_test_message ("the first page lies on %d heap pages of %d", heap_pages, table_pages);
  g_assert_cmpint (table_pages, >, 200);
  g_assert_cmpint (heap_pages, <=, table_pages / 10);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  pg = gate_test_sql_start (&argc, &argv);

  g_test_add_func ("/sql/pages/equal-to-0008s", test_pages_equal_0008s);
  g_test_add_func ("/sql/pages/errors-equal-to-0008s", test_errors_equal_0008s);
  g_test_add_func ("/sql/pages/come-off-the-index-unsorted", test_page_comes_off_the_index_unsorted);
  g_test_add_func ("/sql/pages/ids-follow-the-order-tickets-are-made", test_ids_follow_the_order_tickets_are_made);

  result = g_test_run ();

  g_clear_pointer (&pg, gate_test_pg_free);
  return result;
}
