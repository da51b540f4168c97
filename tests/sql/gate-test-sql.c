/* gate-test-sql.c — what the SQL tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-test-sql.h"

PGresult *
gate_test_sql_run (PGconn      *conn,
                   const char  *sql,
                   int          n_params,
                   const char **params)
{
  PGresult *result = PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);

  if (PQresultStatus (result) != PGRES_TUPLES_OK && PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  return result;
}

GateTestPg *
gate_test_sql_start (int    *argc,
                     char ***argv)
{
  g_autoptr(GError) error = NULL;
  GateTestPg *pg;

  g_test_init (argc, argv, NULL);
  pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (pg, &error));
  g_assert_no_error (error);
  return pg;
}
