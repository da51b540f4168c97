/* gate-test-sql.h — what the SQL tests share: libpq with autoptr, and a
 * statement that must succeed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "gate-test-harness.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

/* g_test_init(), then a PostgreSQL of the test's own with every
 * migration applied; fails the test if it cannot be had. */
GateTestPg *gate_test_sql_start (int    *argc,
                                 char ***argv);

/* Runs @sql with its text @params on @conn; fails the test, naming the
 * statement and PostgreSQL's message, unless it succeeds. */
PGresult *gate_test_sql_run (PGconn      *conn,
                             const char  *sql,
                             int          n_params,
                             const char **params);

G_END_DECLS
