/* test-harness.c — the test harness itself brings up a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libpq-fe.h>

#include "gate-test-harness.h"

static char *
query_one (const char *conninfo,
           const char *sql)
{
  PGconn *conn = PQconnectdb (conninfo);
  PGresult *result;
  char *value = NULL;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1)
    value = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  PQfinish (conn);
  return value;
}

static void
test_pg_starts_and_answers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestPg) pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_autofree char *answer = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (pg);

  answer = query_one (gate_test_pg_get_conninfo (pg), "SELECT 6 * 7");
  g_assert_cmpstr (answer, ==, "42");
}

static void
test_pg_restarts_on_same_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestPg) pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  PGconn *conn;
  guint16 port;

  g_assert_no_error (error);
  port = gate_test_pg_get_port (pg);

  before = query_one (gate_test_pg_get_conninfo (pg), "CREATE TABLE kept (x int); SELECT 1");
  g_assert_true (gate_test_pg_stop (pg, &error));
  g_assert_no_error (error);

  conn = PQconnectdb (gate_test_pg_get_conninfo (pg));
  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_BAD);
  PQfinish (conn);

  g_assert_true (gate_test_pg_start (pg, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gate_test_pg_get_port (pg), ==, port);

  after = query_one (gate_test_pg_get_conninfo (pg), "SELECT count(*) FROM kept");
  g_assert_cmpstr (after, ==, "0");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/harness/pg/starts-and-answers", test_pg_starts_and_answers);
  g_test_add_func ("/harness/pg/restarts-on-same-port", test_pg_restarts_on_same_port);

  return g_test_run ();
}
