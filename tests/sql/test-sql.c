/* test-sql.c — the SQL contract, checked with libpq against a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include <libpq-fe.h>

#include "gate-test-harness.h"
#include "gate-test-sql.h"

static GateTestPg *pg;
static char *event_id;
static char *other_event_id;

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

static char *
sql_value_in (const char *conninfo,
              const char *sql)
{
  g_autoptr(PGconn) conn = PQconnectdb (conninfo);
  g_autoptr(PGresult) result = NULL;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = gate_test_sql_run (conn, sql, 0, NULL);
  return PQntuples (result) > 0 && !PQgetisnull (result, 0, 0) ? g_strdup (PQgetvalue (result, 0, 0)) : NULL;
}

/* The first value of @sql's answer as superuser; NULL when none or null. */
static char *
sql_value (const char *sql)
{
  return sql_value_in (gate_test_pg_get_conninfo (pg), sql);
}

/* A new, empty database in the test cluster; returns its conninfo. */
static char *
new_database (const char *name)
{
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", name);
  g_autofree char *ignored = sql_value (sql);

  /* libpq takes the last of repeated keywords. */
  return g_strdup_printf ("%s dbname=%s", gate_test_pg_get_conninfo (pg), name);
}

/* Run the built gatectl; returns its exit status, its output in @out and
 * @err when wanted. */
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

static gboolean
backend_is_blocked (gpointer user_data)
{
  g_autofree char *sql = g_strdup_printf ("SELECT cardinality(pg_blocking_pids(%d)) > 0",
                                          GPOINTER_TO_INT (user_data));
  g_autofree char *blocked = sql_value (sql);

  return g_strcmp0 (blocked, "t") == 0;
}

static gboolean
keep_polling (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Wait until the backend @pid waits for a lock another session holds. */
static void
wait_until_blocked (int pid)
{
  g_autoptr(GSource) tick = g_timeout_source_new (10);
  gboolean blocked;

  g_source_set_callback (tick, keep_polling, NULL, NULL);
  g_source_attach (tick, NULL);
  blocked = gate_test_wait_until (NULL, backend_is_blocked, GINT_TO_POINTER (pid), 10000);
  g_source_destroy (tick);
  g_assert_true (blocked);
}

/* One statement run on its own thread, to be blocked by another session. */
typedef struct
{
  PGconn     *conn;
  const char *sql;
  int         n_params;
  const char *params[4];
  PGresult   *result;
} Call;

static gpointer
call_in_thread (gpointer user_data)
{
  Call *call = user_data;

  call->result = gate_test_sql_run (call->conn, call->sql, call->n_params, call->params);
  return NULL;
}

/* Tickets sold well before the fixed scan times the tests use: a scan may
 * not predate its ticket. */
#define TICKETS_SOLD_AT "2026-11-01T00:00:00Z"

static char **
new_tickets (guint count)
{
  g_autoptr(GError) error = NULL;
  char **tokens = gate_test_generate_tickets (pg, event_id, count, "General", &error);
  g_autofree char *list = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *ignored = NULL;

  g_assert_no_error (error);
  list = g_strjoinv ("','", tokens);
  sql = g_strdup_printf ("UPDATE tickets SET created_at = '" TICKETS_SOLD_AT "' WHERE qr_token IN ('%s')", list);
  ignored = sql_value (sql);
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

  return gate_test_sql_run (conn, "SELECT verdict, ticket_id, scanned_at, scanned_device, server_time "
                                  "FROM scan_ticket($1, $2, $3, $4)", 4, params);
}

/* --- migrations and privileges ------------------------------------------------ */

static const char *
source_migrations (void)
{
  static char *dir;

  if (dir == NULL)
    dir = g_build_filename (g_getenv ("GATE_SOURCE_ROOT"), "migrations", "postgres", NULL);
  return dir;
}

/* How many migration files the source tree has: every one is applied. */
static char *
source_migration_count (void)
{
  g_autoptr(GDir) dir = g_dir_open (source_migrations (), 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  for (const char *name = g_dir_read_name (dir); name != NULL; name = g_dir_read_name (dir))
    if (g_str_has_suffix (name, ".sql"))
      count++;
  return g_strdup_printf ("%u", count);
}

static void
test_migrate_rerun_is_noop (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = gate_test_gatectl (&error, "migrate", "--db", gate_test_pg_get_conninfo (pg), NULL);
  g_autofree char *count = sql_value ("SELECT count(*) FROM schema_migrations");
  g_autofree char *expected = source_migration_count ();

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "up to date");
  g_assert_cmpstr (count, ==, expected);
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* A scratch copy of the migrations; returns the sorted file names. */
static GPtrArray *
copy_migrations (const char *dest)
{
  g_autoptr(GDir) dir = g_dir_open (source_migrations (), 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *from = g_build_filename (source_migrations (), name, NULL);
      g_autofree char *to = g_build_filename (dest, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (!g_str_has_suffix (name, ".sql"))
        continue;
      g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
      g_assert_true (g_file_set_contents (to, contents, length, NULL));
      g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  return names;
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_remove (file);
    }
  g_rmdir (path);
}

static void
test_migrate_directory_matches_built_in (void)
{
  g_autofree char *db = new_database ("from_directory");
  g_autofree char *scratch = g_dir_make_tmp ("gate-sql-XXXXXX", NULL);
  g_autoptr(GPtrArray) names = copy_migrations (scratch);
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree char *out = NULL;
  g_autofree char *again = NULL;

  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (expected, "applied %s\n", (char *) g_ptr_array_index (names, i));

  g_assert_cmpint (gatectl_run (&out, NULL, "migrate", "--db", db, "--migrations", source_migrations (), NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, expected->str);

  /* The built-in files are the source files: same names, same checksums. */
  g_assert_cmpint (gatectl_run (&again, NULL, "migrate", "--db", db, NULL), ==, 0);
  g_assert_cmpstr (again, ==, "up to date\n");

  remove_dir (scratch);
}

static void
test_migrate_edited_applied_file_refused (void)
{
  g_autofree char *db = new_database ("edited_file");
  g_autofree char *scratch = g_dir_make_tmp ("gate-sql-XXXXXX", NULL);
  g_autoptr(GPtrArray) names = copy_migrations (scratch);
  const char *last = g_ptr_array_index (names, names->len - 1);
  g_autofree char *path = g_build_filename (scratch, last, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *edited = NULL;
  g_autofree char *err = NULL;
  g_autofree char *recorded = NULL;

  g_assert_cmpint (gatectl_run (NULL, NULL, "migrate", "--db", db, "--migrations", scratch, NULL), ==, 0);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  edited = g_strconcat (contents, "\n-- edited after it was applied\n", NULL);
  g_assert_true (g_file_set_contents (path, edited, -1, NULL));

  g_assert_cmpint (gatectl_run (NULL, &err, "migrate", "--db", db, "--migrations", scratch, NULL), ==, 1);
  g_assert_nonnull (strstr (err, last));
  recorded = sql_value_in (db, "SELECT count(*) FROM schema_migrations");
  g_assert_cmpuint (g_ascii_strtoull (recorded, NULL, 10), ==, names->len);

  remove_dir (scratch);
}

static void
test_migrate_failed_file_rolls_back (void)
{
  g_autofree char *db = new_database ("failed_file");
  g_autofree char *scratch = g_dir_make_tmp ("gate-sql-XXXXXX", NULL);
  g_autoptr(GPtrArray) names = copy_migrations (scratch);
  g_autofree char *broken = g_build_filename (scratch, "9999_broken.sql", NULL);
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  g_autofree char *table = NULL;
  g_autofree char *recorded = NULL;

  g_assert_true (g_file_set_contents (broken, "CREATE TABLE public.half_done (x int);\nSELECT 1 / 0;\n", -1, NULL));
  g_assert_cmpint (gatectl_run (NULL, &err, "migrate", "--db", db, "--migrations", scratch, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "9999_broken.sql"));
  g_assert_nonnull (strstr (err, "division by zero"));

  /* The good files stay applied; nothing of the broken one remains. */
  table = sql_value_in (db, "SELECT coalesce(to_regclass('public.half_done')::text, 'none')");
  g_assert_cmpstr (table, ==, "none");
  recorded = sql_value_in (db, "SELECT string_agg(name, ',' ORDER BY name) FROM schema_migrations "
                               "WHERE name LIKE '9999%'");
  g_assert_null (recorded);

  g_assert_true (g_file_set_contents (broken, "CREATE TABLE public.half_done (x int);\n", -1, NULL));
  g_assert_cmpint (gatectl_run (&out, NULL, "migrate", "--db", db, "--migrations", scratch, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "applied 9999_broken.sql\n");

  remove_dir (scratch);
}

static void
test_migrate_concurrent_runs_apply_once (void)
{
  g_autofree char *db = new_database ("concurrent_runs");
  const char *argv[] = { g_getenv ("GATECTL"), "migrate", "--db", db, NULL };
  g_autoptr(GSubprocess) one = NULL;
  g_autoptr(GSubprocess) two = NULL;
  g_autofree char *out_one = NULL;
  g_autofree char *out_two = NULL;
  g_autofree char *recorded = NULL;
  g_autoptr(GError) error = NULL;

  one = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  two = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (one, NULL, NULL, &out_one, NULL, &error));
  g_assert_true (g_subprocess_communicate_utf8 (two, NULL, NULL, &out_two, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (g_subprocess_get_successful (one));
  g_assert_true (g_subprocess_get_successful (two));
  /* One run applied everything, the other found nothing to do. */
  g_assert_true ((g_str_equal (out_one, "up to date\n") && g_str_has_prefix (out_two, "applied ")) ||
                 (g_str_equal (out_two, "up to date\n") && g_str_has_prefix (out_one, "applied ")));
  recorded = sql_value_in (db, "SELECT count(*) = count(DISTINCT name) FROM schema_migrations");
  g_assert_cmpstr (recorded, ==, "t");
}

static void
test_row_level_security_on_every_table (void)
{
  g_autofree char *open_tables = sql_value (
    "SELECT string_agg(c.relname, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity");

  g_assert_null (open_tables);
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

static void
test_devices_cannot_authenticate (void)
{
  g_autoptr(PGconn) device = connect_as ("gate_device");
  g_autoptr(PGconn) boss = connect_as ("gate_supervisor");
  g_autoptr(PGresult) as_device = PQexec (device, "SELECT * FROM gate_authenticate('x')");
  g_autoptr(PGresult) as_boss = PQexec (boss, "SELECT gate_check_device('x', 'y')");

  g_assert_cmpstr (PQresultErrorField (as_device, PG_DIAG_SQLSTATE), ==, "42501");
  g_assert_cmpstr (PQresultErrorField (as_boss, PG_DIAG_SQLSTATE), ==, "42501");
}

/* --- authentication (gate-server's two functions) ------------------------------ */

static char *
token_hash (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

static void
test_authenticate_maps_role (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *gate_id = NULL;
  g_autofree char *gate_token = NULL;
  g_autofree char *boss_id = NULL;
  g_autofree char *boss_token = NULL;
  g_autofree char *gate_hash = NULL;
  g_autofree char *boss_hash = NULL;
  g_autofree char *unknown_hash = token_hash ("gst_not-a-token");
  g_autoptr(PGconn) conn = connect_as ("gate_authenticator");
  g_autoptr(PGresult) gate = NULL;
  g_autoptr(PGresult) boss = NULL;
  g_autoptr(PGresult) unknown = NULL;
  const char *params[1];

  g_assert_true (gate_test_add_device (pg, "Door 3", "gate", &gate_id, &gate_token, &error));
  g_assert_true (gate_test_add_device (pg, "Head of security", "supervisor", &boss_id, &boss_token, &error));
  gate_hash = token_hash (gate_token);
  boss_hash = token_hash (boss_token);

  params[0] = gate_hash;
  gate = gate_test_sql_run (conn, "SELECT device_id, db_role FROM gate_authenticate($1)", 1, params);
  params[0] = boss_hash;
  boss = gate_test_sql_run (conn, "SELECT device_id, db_role FROM gate_authenticate($1)", 1, params);
  params[0] = unknown_hash;
  unknown = gate_test_sql_run (conn, "SELECT device_id, db_role FROM gate_authenticate($1)", 1, params);

  g_assert_cmpint (PQntuples (gate), ==, 1);
  g_assert_cmpstr (PQgetvalue (gate, 0, 0), ==, gate_id);
  g_assert_cmpstr (PQgetvalue (gate, 0, 1), ==, "gate_device");
  g_assert_cmpint (PQntuples (boss), ==, 1);
  g_assert_cmpstr (PQgetvalue (boss, 0, 0), ==, boss_id);
  g_assert_cmpstr (PQgetvalue (boss, 0, 1), ==, "gate_supervisor");
  g_assert_cmpint (PQntuples (unknown), ==, 0);
}

static void
test_revoked_device_authenticates_nothing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *out = NULL;
  g_autofree char *first_revoked_at = NULL;
  g_autofree char *second_revoked_at = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(PGconn) conn = connect_as ("gate_authenticator");
  g_autoptr(PGresult) found = NULL;
  g_autoptr(PGresult) checked = NULL;
  const char *params[2];

  g_assert_true (gate_test_add_device (pg, "Door 4", "gate", &device_id, &token, &error));
  hash = token_hash (token);
  params[0] = hash;
  params[1] = device_id;

  g_assert_cmpint (gatectl_run (&out, NULL, "device", "revoke", "--db", gate_test_pg_get_conninfo (pg),
                                device_id, NULL), ==, 0);
  g_assert_nonnull (strstr (out, device_id));

  found = gate_test_sql_run (conn, "SELECT device_id FROM gate_authenticate($1)", 1, params);
  g_assert_cmpint (PQntuples (found), ==, 0);
  checked = PQexecParams (conn, "SELECT gate_check_device($1, $2)", 2, NULL, params, NULL, NULL, 0);
  g_assert_cmpstr (PQresultErrorField (checked, PG_DIAG_SQLSTATE), ==, "28000");

  /* Revoking again is not an error and keeps the first time. */
  sql = g_strdup_printf ("SELECT revoked_at FROM devices WHERE id = '%s'", device_id);
  first_revoked_at = sql_value (sql);
  g_assert_nonnull (first_revoked_at);
  g_assert_cmpint (gatectl_run (NULL, NULL, "device", "revoke", "--db", gate_test_pg_get_conninfo (pg),
                                device_id, NULL), ==, 0);
  second_revoked_at = sql_value (sql);
  g_assert_cmpstr (second_revoked_at, ==, first_revoked_at);
}

static void
test_check_device_needs_the_right_device (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(PGconn) conn = connect_as ("gate_authenticator");
  g_autoptr(PGresult) right = NULL;
  g_autoptr(PGresult) wrong = NULL;
  const char *params[2];

  g_assert_true (gate_test_add_device (pg, "Door 5", "gate", &device_id, &token, &error));
  hash = token_hash (token);
  params[0] = hash;
  params[1] = device_id;
  right = PQexecParams (conn, "SELECT gate_check_device($1, $2)", 2, NULL, params, NULL, NULL, 0);
  params[1] = "dev-000000000000";
  wrong = PQexecParams (conn, "SELECT gate_check_device($1, $2)", 2, NULL, params, NULL, NULL, 0);

  g_assert_cmpint (PQresultStatus (right), ==, PGRES_TUPLES_OK);
  g_assert_cmpstr (PQresultErrorField (wrong, PG_DIAG_SQLSTATE), ==, "28000");
}

static void
test_device_role_follows_the_devices_row (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *update = NULL;
  g_autofree char *ignored = NULL;
  g_autoptr(PGconn) conn = connect_as ("gate_authenticator");
  g_autoptr(PGresult) as_supervisor = NULL;
  g_autoptr(PGresult) demoted = NULL;
  g_autoptr(PGresult) revoked = NULL;
  const char *params[2];

  g_assert_true (gate_test_add_device (pg, "Shift lead", "supervisor", &device_id, &token, &error));
  hash = token_hash (token);
  params[0] = hash;
  params[1] = device_id;

  as_supervisor = gate_test_sql_run (conn, "SELECT gate_device_role($1, $2)", 2, params);
  g_assert_cmpstr (PQgetvalue (as_supervisor, 0, 0), ==, "gate_supervisor");

  /* Demoted: the very next read says so; nothing is remembered. */
  update = g_strdup_printf ("UPDATE devices SET role = 'gate' WHERE id = '%s'", device_id);
  ignored = sql_value (update);
  demoted = gate_test_sql_run (conn, "SELECT gate_device_role($1, $2)", 2, params);
  g_assert_cmpstr (PQgetvalue (demoted, 0, 0), ==, "gate_device");

  g_assert_cmpint (gatectl_run (NULL, NULL, "device", "revoke", "--db", gate_test_pg_get_conninfo (pg),
                                device_id, NULL), ==, 0);
  revoked = PQexecParams (conn, "SELECT gate_device_role($1, $2)", 2, NULL, params, NULL, NULL, 0);
  g_assert_cmpstr (PQresultErrorField (revoked, PG_DIAG_SQLSTATE), ==, "28000");
}

static void
test_active_token_hashes_leave_out_revoked (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *kept_id = NULL;
  g_autofree char *kept_token = NULL;
  g_autofree char *gone_id = NULL;
  g_autofree char *gone_token = NULL;
  g_autoptr(PGconn) conn = connect_as ("gate_authenticator");
  g_autoptr(PGconn) device = connect_as ("gate_device");
  g_autoptr(PGresult) hashes = NULL;
  g_autoptr(PGresult) as_device = NULL;
  gboolean kept = FALSE;
  gboolean gone = FALSE;
  g_autofree char *kept_hash = NULL;
  g_autofree char *gone_hash = NULL;

  g_assert_true (gate_test_add_device (pg, "Door 8", "gate", &kept_id, &kept_token, &error));
  g_assert_true (gate_test_add_device (pg, "Door 9", "gate", &gone_id, &gone_token, &error));
  g_assert_cmpint (gatectl_run (NULL, NULL, "device", "revoke", "--db", gate_test_pg_get_conninfo (pg),
                                gone_id, NULL), ==, 0);
  kept_hash = token_hash (kept_token);
  gone_hash = token_hash (gone_token);

  hashes = gate_test_sql_run (conn, "SELECT * FROM gate_active_token_hashes()", 0, NULL);
  for (int i = 0; i < PQntuples (hashes); i++)
    {
      kept |= g_str_equal (PQgetvalue (hashes, i, 0), kept_hash);
      gone |= g_str_equal (PQgetvalue (hashes, i, 0), gone_hash);
    }
  g_assert_true (kept);
  g_assert_false (gone);

  /* A device cannot list everyone's token hashes. */
  as_device = PQexec (device, "SELECT * FROM gate_active_token_hashes()");
  g_assert_cmpstr (PQresultErrorField (as_device, PG_DIAG_SQLSTATE), ==, "42501");
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
  PQclear (gate_test_sql_run (holder, "BEGIN", 0, NULL));
  PQclear (gate_test_sql_run (holder, "SELECT 1 FROM tickets WHERE qr_token = $1 FOR UPDATE", 1, params));

  started = g_get_monotonic_time ();
  result = scan (conn, tickets[0], event_id, "gate-a", scan_id);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "busy");
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 1500 * 1000);

  PQclear (gate_test_sql_run (holder, "ROLLBACK", 0, NULL));
}

static void
test_scan_repeat_while_first_in_flight (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) first = connect_as ("gate_device");
  g_autoptr(PGconn) second = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE client_scan_id = '%s'", scan_id);
  g_autofree char *rows = NULL;
  g_autoptr(PGresult) original = NULL;
  g_autoptr(PGresult) repeat = NULL;
  Call call = {
    second, "SELECT verdict, ticket_id, scanned_at, scanned_device FROM scan_ticket($1, $2, $3, $4)",
    4, { tickets[0], event_id, "gate-a", scan_id }, NULL
  };
  GThread *thread;

  /* The first call has decided but not committed when the kiosk, having
   * lost the answer, sends the same scan again. */
  PQclear (gate_test_sql_run (first, "BEGIN", 0, NULL));
  original = scan (first, tickets[0], event_id, "gate-a", scan_id);
  thread = g_thread_new ("repeat", call_in_thread, &call);
  wait_until_blocked (PQbackendPID (second));
  PQclear (gate_test_sql_run (first, "COMMIT", 0, NULL));
  g_thread_join (thread);
  repeat = call.result;
  rows = sql_value (sql);

  g_assert_cmpstr (PQgetvalue (original, 0, 0), ==, "admitted");
  g_assert_cmpstr (PQgetvalue (repeat, 0, 0), ==, "admitted");
  g_assert_cmpstr (PQgetvalue (repeat, 0, 2), ==, PQgetvalue (original, 0, 2));
  g_assert_cmpstr (rows, ==, "1");
}

static void
test_scan_denials_are_logged_once (void)
{
  g_auto(GStrv) tickets = new_tickets (2);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *admit = gate_test_uuid ();
  g_autofree char *again = gate_test_uuid ();
  g_autofree char *elsewhere = gate_test_uuid ();
  g_autofree char *voided = gate_test_uuid ();
  g_autofree char *void_sql = g_strdup_printf ("UPDATE tickets SET status = 'void' WHERE qr_token = '%s'",
                                               tickets[1]);
  g_autofree char *ignored = sql_value (void_sql);
  g_autofree char *log_sql = g_strdup_printf ("SELECT string_agg(outcome || ':' || scan_success, ',' ORDER BY id) "
                                              "FROM scan_logs WHERE client_scan_id IN ('%s', '%s', '%s', '%s')",
                                              admit, again, elsewhere, voided);
  g_autofree char *logged = NULL;
  g_autoptr(PGresult) r1 = scan (conn, tickets[0], event_id, "gate-a", admit);
  g_autoptr(PGresult) r2 = scan (conn, tickets[0], event_id, "gate-b", again);
  g_autoptr(PGresult) r3 = scan (conn, tickets[0], other_event_id, "gate-c", elsewhere);
  g_autoptr(PGresult) r4 = scan (conn, tickets[1], event_id, "gate-a", voided);
  g_autoptr(PGresult) r3_again = scan (conn, tickets[0], other_event_id, "gate-c", elsewhere);
  g_autoptr(PGresult) r2_again = scan (conn, tickets[0], event_id, "gate-b", again);

  g_assert_cmpstr (PQgetvalue (r1, 0, 0), ==, "admitted");
  g_assert_cmpstr (PQgetvalue (r2, 0, 0), ==, "already_scanned");
  g_assert_cmpstr (PQgetvalue (r3, 0, 0), ==, "wrong_event");
  g_assert_cmpstr (PQgetvalue (r4, 0, 0), ==, "void");
  g_assert_cmpstr (PQgetvalue (r3_again, 0, 0), ==, "wrong_event");
  g_assert_cmpstr (PQgetvalue (r2_again, 0, 0), ==, "already_scanned");
  g_assert_cmpstr (PQgetvalue (r2_again, 0, 3), ==, "gate-a");

  logged = sql_value (log_sql);
  g_assert_cmpstr (logged, ==, "admitted:true,already_scanned:false,wrong_event:false,void:false");
}

static void
test_scan_oversized_method_is_an_error (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *method = g_strnfill (33, 'm');
  const char *params[] = { tickets[0], event_id, "gate-a", scan_id, method };
  g_autoptr(PGresult) result = PQexecParams (conn, "SELECT * FROM scan_ticket($1, $2, $3, $4, NULL, $5)",
                                             5, NULL, params, NULL, NULL, 0);
  g_autofree char *sql = g_strdup_printf ("SELECT status FROM tickets WHERE qr_token = '%s'", tickets[0]);
  g_autofree char *status = sql_value (sql);

  g_assert_cmpstr (PQresultErrorField (result, PG_DIAG_SQLSTATE), ==, "22001");
  g_assert_cmpstr (status, ==, "valid");
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

  return gate_test_sql_run (conn, "SELECT client_scan_id, outcome, replayed, winner_device, winner_time "
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
  g_auto(GStrv) tickets = new_tickets (3);
  g_autofree char *good = gate_test_uuid ();
  g_autofree char *unknown = gate_test_uuid ();
  g_autofree char *voided = gate_test_uuid ();
  g_autofree char *bad_time = gate_test_uuid ();
  g_autofree char *elsewhere = gate_test_uuid ();
  g_autofree char *forever = gate_test_uuid ();
  g_autofree char *e1 = scan_element (good, tickets[0], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *e2 = scan_element (unknown, "GS1-UNKNOWN", event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *e3 = scan_element (voided, tickets[1], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *e4 = scan_element (bad_time, tickets[0], event_id, "yesterday-ish", 0);
  g_autofree char *e5 = scan_element (elsewhere, tickets[2], other_event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *e6 = scan_element (forever, tickets[2], event_id, "-infinity", 0);
  g_autofree char *batch = g_strdup_printf ("[%s,%s,%s,%s,%s,%s,42,{\"client_scan_id\":\"nope\"},\"text\"]",
                                            e1, e2, e3, e4, e5, e6);
  g_autofree char *sql = g_strdup_printf ("UPDATE tickets SET status = 'void' WHERE qr_token = '%s'", tickets[1]);
  g_autofree char *ignored = sql_value (sql);
  g_autoptr(PGresult) result = sync_batch ("gate-a", batch);
  guint rejected = 0;

  g_assert_cmpint (PQntuples (result), ==, 9);
  g_assert_cmpstr (outcome_of (result, good), ==, "applied");
  g_assert_cmpstr (outcome_of (result, unknown), ==, "not_found");
  g_assert_cmpstr (outcome_of (result, voided), ==, "void");
  g_assert_cmpstr (outcome_of (result, bad_time), ==, "rejected");
  g_assert_cmpstr (outcome_of (result, elsewhere), ==, "not_found");
  g_assert_cmpstr (outcome_of (result, forever), ==, "rejected");
  for (int i = 0; i < PQntuples (result); i++)
    if (g_str_equal (PQgetvalue (result, i, 1), "rejected"))
      rejected++;
  g_assert_cmpuint (rejected, ==, 5);

  /* A rejected scan leaves no trace: its corrected upload is not a replay. */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE client_scan_id IN ('%s', '%s')",
                                            bad_time, forever);
    g_autofree char *rows = sql_value (sql);

    g_assert_cmpstr (rows, ==, "0");
  }
}

static int
compare_strings (const char * const *a,
                 const char * const *b)
{
  return strcmp (*a, *b);
}

/* A time as "YYYY-MM-DDTHH:MM:SSZ", @seconds from now. */
static char *
time_from_now (gint64 seconds)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_seconds (now, (gdouble) seconds);

  return g_date_time_format (then, "%Y-%m-%dT%H:%M:%SZ");
}

static void
test_sync_times_outside_the_ticket_window_rejected (void)
{
  g_auto(GStrv) tickets = new_tickets (5);
  g_autofree char *year_one = gate_test_uuid ();
  g_autofree char *far_future = gate_test_uuid ();
  g_autofree char *next_hour = gate_test_uuid ();
  g_autofree char *before_sale = gate_test_uuid ();
  g_autofree char *good = gate_test_uuid ();
  g_autofree char *in_an_hour = time_from_now (3600);
  g_autofree char *a_minute_ago = time_from_now (-60);
  g_autofree char *e1 = scan_element (year_one, tickets[0], event_id, "0001-01-01T00:00:00Z", 0);
  g_autofree char *e2 = scan_element (far_future, tickets[1], event_id, "294276-12-31T23:59:59Z", 0);
  g_autofree char *e3 = scan_element (next_hour, tickets[2], event_id, in_an_hour, 0);
  /* Corrected to a day before the tickets went on sale. */
  g_autofree char *e4 = scan_element (before_sale, tickets[3], event_id, TICKETS_SOLD_AT, -86400000);
  g_autofree char *e5 = scan_element (good, tickets[4], event_id, a_minute_ago, 0);
  g_autofree char *batch = g_strdup_printf ("[%s,%s,%s,%s,%s]", e1, e2, e3, e4, e5);
  g_autoptr(PGresult) result = sync_batch ("gate-a", batch);
  g_autofree char *list = g_strjoinv ("','", tickets);
  g_autofree char *sql = g_strdup_printf ("SELECT string_agg(status, ',' ORDER BY status) FROM tickets "
                                          "WHERE qr_token IN ('%s')", list);
  g_autofree char *statuses = sql_value (sql);
  g_autofree char *logged_sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE client_scan_id IN "
                                                 "('%s', '%s', '%s', '%s')",
                                                 year_one, far_future, next_hour, before_sale);
  g_autofree char *logged = sql_value (logged_sql);

  g_assert_cmpstr (outcome_of (result, year_one), ==, "rejected");
  g_assert_cmpstr (outcome_of (result, far_future), ==, "rejected");
  g_assert_cmpstr (outcome_of (result, next_hour), ==, "rejected");
  g_assert_cmpstr (outcome_of (result, before_sale), ==, "rejected");
  g_assert_cmpstr (outcome_of (result, good), ==, "applied");
  g_assert_cmpstr (statuses, ==, "scanned,valid,valid,valid,valid");
  g_assert_cmpstr (logged, ==, "0");
}

static void
test_sync_early_time_cannot_take_over_an_admission (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *honest = gate_test_uuid ();
  g_autofree char *attack = gate_test_uuid ();
  g_autofree char *eh = scan_element (honest, tickets[0], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *ea = scan_element (attack, tickets[0], event_id, "0001-01-01T00:00:00Z", 0);
  g_autofree char *bh = g_strdup_printf ("[%s]", eh);
  g_autofree char *ba = g_strdup_printf ("[%s]", ea);
  g_autoptr(PGresult) rh = sync_batch ("gate-a", bh);
  g_autoptr(PGresult) ra = sync_batch ("leaked-token", ba);
  g_autofree char *sql = g_strdup_printf ("SELECT scanned_device FROM tickets WHERE qr_token = '%s'", tickets[0]);
  g_autofree char *device = sql_value (sql);
  g_autofree char *conflicts = conflict_count (tickets[0]);

  g_assert_cmpstr (outcome_of (rh, honest), ==, "applied");
  g_assert_cmpstr (outcome_of (ra, attack), ==, "rejected");
  g_assert_cmpstr (device, ==, "gate-a");
  g_assert_cmpstr (conflicts, ==, "0");
}

static void
test_sync_offset_beyond_bigint_rejected_alone (void)
{
  g_auto(GStrv) tickets = new_tickets (2);
  g_autofree char *huge = gate_test_uuid ();
  g_autofree char *good = gate_test_uuid ();
  g_autofree char *eh = g_strdup_printf ("{\"client_scan_id\":\"%s\",\"qr_token\":\"%s\",\"event_id\":\"%s\","
                                         "\"scanned_at\":\"2026-11-25T10:00:00Z\",\"clock_offset_ms\":1e999}",
                                         huge, tickets[0], event_id);
  g_autofree char *eg = scan_element (good, tickets[1], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *batch = g_strdup_printf ("[%s,%s]", eh, eg);
  g_autoptr(PGresult) result = sync_batch ("gate-a", batch);

  g_assert_cmpint (PQntuples (result), ==, 2);
  g_assert_cmpstr (outcome_of (result, huge), ==, "rejected");
  g_assert_cmpstr (outcome_of (result, good), ==, "applied");
}

/* @count new tickets, in the order a batch processes them. */
static char **
new_tickets_sorted (guint count)
{
  char **tickets = new_tickets (count);

  qsort (tickets, count, sizeof (char *), (int (*) (const void *, const void *)) compare_strings);
  return tickets;
}

static void
test_sync_scan_id_of_another_scan_rejected (void)
{
  g_auto(GStrv) tickets = new_tickets_sorted (3);
  g_autofree char *id = gate_test_uuid ();
  g_autofree char *e0 = scan_element (id, tickets[0], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *e1 = scan_element (id, tickets[1], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *e2 = scan_element (id, tickets[2], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *same_batch = g_strdup_printf ("[%s,%s]", e0, e1);
  g_autofree char *later_batch = g_strdup_printf ("[%s]", e2);
  g_autofree char *repeat_batch = g_strdup_printf ("[%s]", e0);
  g_autoptr(PGresult) first = sync_batch ("gate-a", same_batch);
  g_autoptr(PGresult) later = sync_batch ("gate-a", later_batch);
  g_autoptr(PGresult) repeat = sync_batch ("gate-a", repeat_batch);
  g_autofree char *list = g_strjoinv ("','", tickets);
  g_autofree char *sql = g_strdup_printf ("SELECT string_agg(status, ',' ORDER BY qr_token <> '%s', status) "
                                          "FROM tickets WHERE qr_token IN ('%s')", tickets[0], list);
  g_autofree char *statuses = sql_value (sql);
  guint applied = 0;
  guint rejected = 0;

  /* The batch is processed in token order: the first ticket's scan is the
   * scan; the same id on another ticket is not a replay of it. */
  g_assert_cmpint (PQntuples (first), ==, 2);
  for (int i = 0; i < PQntuples (first); i++)
    {
      applied += g_str_equal (PQgetvalue (first, i, 1), "applied") && g_str_equal (PQgetvalue (first, i, 2), "f");
      rejected += g_str_equal (PQgetvalue (first, i, 1), "rejected");
    }
  g_assert_cmpuint (applied, ==, 1);
  g_assert_cmpuint (rejected, ==, 1);
  g_assert_cmpstr (outcome_of (later, id), ==, "rejected");

  /* The real scan repeated is still a replay. */
  g_assert_cmpstr (outcome_of (repeat, id), ==, "applied");
  g_assert_cmpstr (PQgetvalue (repeat, 0, 2), ==, "t");

  /* Only the ticket of the real scan was admitted. */
  g_assert_cmpstr (statuses, ==, "scanned,valid,valid");
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

static void
test_sync_concurrent_retry_is_a_replay (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) first = connect_as ("gate_device");
  g_autoptr(PGconn) second = connect_as ("gate_device");
  g_autofree char *id = gate_test_uuid ();
  g_autofree char *element = scan_element (id, tickets[0], event_id, "2026-11-25T10:00:00Z", 0);
  g_autofree char *batch = g_strdup_printf ("[%s]", element);
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE client_scan_id = '%s'", id);
  g_autofree char *rows = NULL;
  g_autoptr(PGresult) original = NULL;
  g_autoptr(PGresult) retry = NULL;
  const char *params[] = { "gate-a", batch };
  Call call = {
    second, "SELECT client_scan_id, outcome, replayed FROM sync_offline_scans($1, $2::jsonb)",
    2, { "gate-a", batch }, NULL
  };
  GThread *thread;

  /* The upload's answer was lost; the kiosk retries while the first call
   * still runs. */
  PQclear (gate_test_sql_run (first, "BEGIN", 0, NULL));
  original = gate_test_sql_run (first, "SELECT client_scan_id, outcome, replayed FROM sync_offline_scans($1, $2::jsonb)",
                                2, params);
  thread = g_thread_new ("retry", call_in_thread, &call);
  wait_until_blocked (PQbackendPID (second));
  PQclear (gate_test_sql_run (first, "COMMIT", 0, NULL));
  g_thread_join (thread);
  retry = call.result;
  rows = sql_value (sql);

  g_assert_cmpstr (PQgetvalue (original, 0, 1), ==, "applied");
  g_assert_cmpstr (PQgetvalue (original, 0, 2), ==, "f");
  g_assert_cmpstr (PQgetvalue (retry, 0, 1), ==, "applied");
  g_assert_cmpstr (PQgetvalue (retry, 0, 2), ==, "t");
  g_assert_cmpstr (rows, ==, "1");
}

static void
test_sync_earlier_offline_scan_beats_online_admit (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *online_id = gate_test_uuid ();
  g_autofree char *offline_id = gate_test_uuid ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) hour_ago = g_date_time_add_hours (now, -1);
  g_autofree char *when = g_date_time_format (hour_ago, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *element = scan_element (offline_id, tickets[0], event_id, when, 0);
  g_autofree char *batch = g_strdup_printf ("[%s]", element);
  g_autoptr(PGresult) online = scan (conn, tickets[0], event_id, "gate-a", online_id);
  g_autoptr(PGresult) upload = sync_batch ("gate-b", batch);
  g_autofree char *device_sql = g_strdup_printf ("SELECT scanned_device FROM tickets WHERE qr_token = '%s'",
                                                 tickets[0]);
  g_autofree char *device = sql_value (device_sql);
  g_autofree char *log_sql = g_strdup_printf ("SELECT string_agg(l.device_id || ':' || l.scan_success, ',' "
                                              "ORDER BY l.id) "
                                              "FROM scan_logs l JOIN tickets t ON t.id = l.ticket_id "
                                              "WHERE t.qr_token = '%s'", tickets[0]);
  g_autofree char *logged = sql_value (log_sql);
  g_autofree char *conflict_sql = g_strdup_printf ("SELECT winner_device || ':' || winner_scan_id || ',' || "
                                                   "loser_device || ':' || loser_scan_id "
                                                   "FROM scan_conflicts c JOIN tickets t ON t.id = c.ticket_id "
                                                   "WHERE t.qr_token = '%s'", tickets[0]);
  g_autofree char *conflict = sql_value (conflict_sql);
  g_autofree char *expected = g_strdup_printf ("gate-b:%s,gate-a:%s", offline_id, online_id);

  /* Online admits take part in first-scan-wins with their server time. */
  g_assert_cmpstr (PQgetvalue (online, 0, 0), ==, "admitted");
  g_assert_cmpstr (outcome_of (upload, offline_id), ==, "won_conflict");
  g_assert_cmpstr (device, ==, "gate-b");
  g_assert_cmpstr (logged, ==, "gate-a:false,gate-b:true");
  g_assert_cmpstr (conflict, ==, expected);
}

static void
test_sync_needs_a_device (void)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autoptr(PGresult) result = PQexec (conn, "SELECT * FROM sync_offline_scans(NULL, '[]')");

  g_assert_cmpstr (PQresultErrorField (result, PG_DIAG_SQLSTATE), ==, "22004");
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
      g_autoptr(PGresult) page = gate_test_sql_run (conn, "SELECT qr_token, status, next_cursor "
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
  g_autoptr(PGresult) page = gate_test_sql_run (conn, "SELECT * FROM tickets_changed_since($1, NULL, 5000)", 1, params);

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
  PQclear (gate_test_sql_run (slow, "BEGIN", 0, NULL));
  PQclear (gate_test_sql_run (slow, "UPDATE tickets SET status = 'void' WHERE qr_token = $1", 1, a));
  /* T2 changes B and commits. */
  PQclear (gate_test_sql_run (fast, "UPDATE tickets SET status = 'void' WHERE qr_token = $1", 1, b));

  second = download_all (event, &cursor, 1000);
  g_assert_cmpstr (g_hash_table_lookup (second, tickets[1]), ==, "void");
  g_assert_false (g_hash_table_contains (second, tickets[0]));

  PQclear (gate_test_sql_run (slow, "COMMIT", 0, NULL));

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
  PQclear (gate_test_sql_run (slow, "BEGIN", 0, NULL));
  PQclear (gate_test_sql_run (slow, "UPDATE tickets SET guest_name = 'Changed Late' WHERE qr_token = $1", 1, early));
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
    g_autoptr(PGresult) page = gate_test_sql_run (client, "SELECT next_cursor FROM tickets_changed_since($1, $2, $3::int)",
                                                  3, params);

    g_assert_cmpint (PQntuples (page), ==, 10);
    g_free (cursor);
    cursor = g_strdup (PQgetvalue (page, 9, 0));
  }
  PQclear (gate_test_sql_run (slow, "COMMIT", 0, NULL));

  later = download_all (event, &cursor, 10);
  g_assert_true (g_hash_table_contains (later, tickets[0]));
}

/* A cursor of 0003's form, holding a snapshot with @n_xip running
 * transactions: what a kiosk kept from before this migration, or what an
 * attacker makes up. */
static char *
snapshot_cursor (guint n_xip)
{
  g_autoptr(GString) cursor = g_string_new ("1000:900000:");

  for (guint i = 0; i < n_xip; i++)
    g_string_append_printf (cursor, "%s%u", i ? "," : "", 1000 + i);
  g_string_append (cursor, "|||");
  return g_string_free (g_steal_pointer (&cursor), FALSE);
}

static void
test_delta_cursor_is_bounded (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Hand-made cursor", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 20, "General", &error);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  /* About 589 KB, as in the report: refused, not echoed. */
  g_autofree char *huge = snapshot_cursor (100000);
  g_autofree char *long_but_allowed = snapshot_cursor (1000);
  const char *huge_params[] = { event, huge };
  const char *long_params[] = { event, long_but_allowed };
  g_autoptr(PGresult) refused = PQexecParams (conn, "SELECT * FROM tickets_changed_since($1, $2)", 2, NULL,
                                              huge_params, NULL, NULL, 0);
  g_autoptr(PGresult) page = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (strlen (huge), >, 500000);
  g_assert_cmpstr (PQresultErrorField (refused, PG_DIAG_SQLSTATE), ==, "22023");

  /* Under the limit it is read, but every row's cursor is small again. */
  g_assert_cmpuint (strlen (long_but_allowed), <, 8192);
  page = gate_test_sql_run (conn, "SELECT next_cursor FROM tickets_changed_since($1, $2)", 2, long_params);
  g_assert_cmpint (PQntuples (page), ==, 20);
  for (int i = 0; i < PQntuples (page); i++)
    g_assert_cmpint (PQgetlength (page, i, 0), <=, 3 * 20 + 36 + 3);
}

static void
test_delta_old_cursor_still_works (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Old cursor", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 3, "General", &error);
  g_autofree char *old_cursor = NULL;
  g_autofree char *cursor = NULL;
  g_autoptr(GHashTable) changed = NULL;
  const char *b[] = { tickets[1] };
  g_autoptr(PGconn) writer = connect_as (NULL);

  g_assert_no_error (error);
  /* A kiosk refreshed before the migration and kept 0003's cursor. */
  {
    g_autofree char *snapshot = sql_value ("SELECT pg_current_snapshot()::text");

    old_cursor = g_strdup_printf ("%s|||", snapshot);
  }
  PQclear (gate_test_sql_run (writer, "UPDATE tickets SET status = 'void' WHERE qr_token = $1", 1, b));

  cursor = g_strdup (old_cursor);
  changed = download_all (event, &cursor, 1000);
  g_assert_cmpstr (g_hash_table_lookup (changed, tickets[1]), ==, "void");
  g_assert_false (g_str_equal (cursor, old_cursor));
  g_assert_null (strchr (cursor, ':'));
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
  g_autoptr(PGresult) first = gate_test_sql_run (conn, "SELECT success, already_scanned, error_message "
                                                       "FROM scan_ticket_atomic($1, NULL, 'old-gate')", 1, params);
  g_autoptr(PGresult) second = gate_test_sql_run (conn, "SELECT success, already_scanned, error_message "
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

  PQclear (gate_test_sql_run (holder, "BEGIN", 0, NULL));
  PQclear (gate_test_sql_run (holder, "SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE", 1, params));

  started = g_get_monotonic_time ();
  result = gate_test_sql_run (conn, "SELECT success, already_scanned, error_message "
                                    "FROM scan_ticket_atomic($1, NULL, 'old-gate')", 1, params);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "f");
  g_assert_nonnull (strstr (PQgetvalue (result, 0, 2), "another scanner"));

  PQclear (gate_test_sql_run (holder, "ROLLBACK", 0, NULL));
}

static void
test_original_sync_offline_scan_first_wins (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *id = ticket_id_of (tickets[0]);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *late[] = { id, "2026-11-25T10:05:00Z", "old-a" };
  const char *early[] = { id, "2026-11-25T10:00:00Z", "old-b" };
  g_autoptr(PGresult) first = gate_test_sql_run (conn, "SELECT success, conflict_resolved, winner_device "
                                                       "FROM sync_offline_scan($1, NULL, $2::timestamptz, $3)", 3, late);
  g_autoptr(PGresult) second = gate_test_sql_run (conn, "SELECT success, conflict_resolved, winner_device "
                                                        "FROM sync_offline_scan($1, NULL, $2::timestamptz, $3)", 3, early);
  g_autofree char *conflicts = conflict_count (tickets[0]);

  g_assert_cmpstr (PQgetvalue (first, 0, 0), ==, "t");
  g_assert_cmpstr (PQgetvalue (first, 0, 1), ==, "f");
  g_assert_cmpstr (PQgetvalue (second, 0, 0), ==, "t");
  g_assert_cmpstr (PQgetvalue (second, 0, 1), ==, "t");
  g_assert_cmpstr (PQgetvalue (second, 0, 2), ==, "old-b");
  g_assert_cmpstr (conflicts, ==, "1");
}

static void
test_original_sync_offline_scan_unknown_ticket (void)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *nobody = gate_test_uuid ();
  const char *params[] = { nobody, "2026-11-25T10:00:00Z", "old-a" };
  g_autoptr(PGresult) result = gate_test_sql_run (conn, "SELECT success, conflict_resolved, winner_device, winner_time "
                                                        "FROM sync_offline_scan($1, NULL, $2::timestamptz, $3)", 3, params);

  /* The original's answer, not an error. */
  g_assert_cmpint (PQntuples (result), ==, 1);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "f");
  g_assert_cmpstr (PQgetvalue (result, 0, 1), ==, "f");
  g_assert_true (PQgetisnull (result, 0, 2));
  g_assert_true (PQgetisnull (result, 0, 3));
}

static void
test_original_sync_offline_scan_refuses_void (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *id = ticket_id_of (tickets[0]);
  g_autofree char *void_sql = g_strdup_printf ("UPDATE tickets SET status = 'void' WHERE id = '%s'", id);
  g_autofree char *ignored = sql_value (void_sql);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { id, "2026-11-25T10:00:00Z", "old-a" };
  g_autoptr(PGresult) result = gate_test_sql_run (conn, "SELECT success, conflict_resolved "
                                                        "FROM sync_offline_scan($1, NULL, $2::timestamptz, $3)", 3, params);
  g_autofree char *sql = g_strdup_printf ("SELECT status || ':' || (SELECT count(*) FROM scan_logs l "
                                          "WHERE l.ticket_id = t.id AND l.scan_success) FROM tickets t "
                                          "WHERE t.id = '%s'", id);
  g_autofree char *state = sql_value (sql);

  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "f");
  g_assert_cmpstr (state, ==, "void:0");
}

static void
test_original_sync_offline_scan_times_bounded (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autofree char *id = ticket_id_of (tickets[0]);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *in_a_day = time_from_now (86400);
  const char *honest[] = { id, "2026-11-25T10:00:00Z", "old-a" };
  const char *year_one[] = { id, "0001-01-01T00:00:00Z", "leaked" };
  const char *minus_infinity[] = { id, "-infinity", "leaked" };
  const char *tomorrow[] = { id, in_a_day, "leaked" };
  const char * const *attacks[] = { year_one, minus_infinity, tomorrow };
  g_autoptr(PGresult) first = gate_test_sql_run (conn, "SELECT success FROM sync_offline_scan($1, NULL, $2::timestamptz, $3)",
                                                 3, honest);
  g_autofree char *sql = g_strdup_printf ("SELECT scanned_device FROM tickets WHERE id = '%s'", id);
  g_autofree char *device = NULL;

  g_assert_cmpstr (PQgetvalue (first, 0, 0), ==, "t");
  for (guint i = 0; i < G_N_ELEMENTS (attacks); i++)
    {
      g_autoptr(PGresult) refused = PQexecParams (conn, "SELECT * FROM sync_offline_scan($1, NULL, $2::timestamptz, $3)",
                                                  3, NULL, (const char * const *) attacks[i], NULL, NULL, 0);

      g_assert_cmpstr (PQresultErrorField (refused, PG_DIAG_SQLSTATE), ==, "22008");
    }

  device = sql_value (sql);
  g_assert_cmpstr (device, ==, "old-a");
  g_assert_cmpstr (conflict_count (tickets[0]), ==, "0");
}

static void
test_original_calls_without_device_take_the_jwt_device (void)
{
  g_auto(GStrv) tickets = new_tickets (2);
  g_autofree char *online = ticket_id_of (tickets[0]);
  g_autofree char *offline = ticket_id_of (tickets[1]);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *claims[] = { "{\"role\":\"gate_device\",\"device_id\":\"jwt-gate\"}" };
  const char *atomic[] = { online };
  const char *upload[] = { offline, "2026-11-25T10:00:00Z" };
  g_autofree char *sql = g_strdup_printf ("SELECT string_agg(scanned_device, ',' ORDER BY qr_token <> '%s') "
                                          "FROM tickets WHERE id IN ('%s', '%s')", tickets[0], online, offline);
  g_autofree char *devices = NULL;

  PQclear (gate_test_sql_run (conn, "SELECT set_config('request.jwt.claims', $1, false)", 1, claims));
  PQclear (gate_test_sql_run (conn, "SELECT * FROM scan_ticket_atomic($1, NULL)", 1, atomic));
  PQclear (gate_test_sql_run (conn, "SELECT * FROM sync_offline_scan($1, NULL, $2::timestamptz)", 2, upload));

  devices = sql_value (sql);
  g_assert_cmpstr (devices, ==, "jwt-gate,jwt-gate");
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
  g_autoptr(PGresult) seen_a = gate_test_sql_run (device, "SELECT id FROM device_conflicts($1, $2)", 2, pa);
  g_autoptr(PGresult) seen_b = gate_test_sql_run (device, "SELECT id FROM device_conflicts($1, $2)", 2, pb);
  const char *review[] = { PQgetvalue (seen_a, 0, 0), "supervisor", "same person, left and re-entered" };
  g_autoptr(PGresult) reviewed = NULL;
  g_autoptr(PGresult) open_list = NULL;
  const char *list[] = { event_id, NULL };

  g_assert_cmpint (PQntuples (seen_a), ==, 1);
  g_assert_cmpint (PQntuples (seen_b), ==, 1);
  g_assert_cmpstr (PQgetvalue (seen_a, 0, 0), ==, PQgetvalue (seen_b, 0, 0));

  reviewed = gate_test_sql_run (boss, "SELECT id, reviewed_at FROM review_conflict($1::bigint, $2, $3)", 3, review);
  g_assert_false (PQgetisnull (reviewed, 0, 1));

  list[1] = review[0];
  open_list = gate_test_sql_run (boss, "SELECT id FROM list_conflicts($1) WHERE id = $2::bigint", 2, list);
  g_assert_cmpint (PQntuples (open_list), ==, 0);
}

static void
test_heartbeat_records_device (void)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { "beating-gate", "0.1.0", "7" };
  g_autoptr(PGresult) result = gate_test_sql_run (conn, "SELECT server_time FROM device_heartbeat($1, $2, $3::int, now())",
                                                  3, params);
  g_autofree char *pending = sql_value ("SELECT pending_scans FROM devices WHERE id = 'beating-gate'");

  g_assert_cmpint (PQntuples (result), ==, 1);
  g_assert_cmpstr (pending, ==, "7");
}

static void
test_review_unknown_conflict_is_an_error (void)
{
  g_autoptr(PGconn) boss = connect_as ("gate_supervisor");
  g_autoptr(PGresult) result = PQexec (boss, "SELECT * FROM review_conflict(-1, 'supervisor')");

  g_assert_cmpstr (PQresultErrorField (result, PG_DIAG_SQLSTATE), ==, "P0002");
  g_assert_nonnull (strstr (PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY), "-1"));
}

static void
test_list_devices_filters_by_event (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Device listing", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 1, "General", &error);
  g_autoptr(PGconn) device = connect_as ("gate_device");
  g_autoptr(PGconn) boss = connect_as ("gate_supervisor");
  g_autofree char *scan_id = gate_test_uuid ();
  const char *beat_a[] = { "lister-a", "0.1.0", "0" };
  const char *beat_b[] = { "lister-b", "0.1.0", "0" };
  const char *by_event[] = { event };
  g_autoptr(PGresult) scanned = NULL;
  g_autoptr(PGresult) filtered = NULL;
  g_autoptr(PGresult) everyone = NULL;
  gboolean a_listed = FALSE;
  gboolean b_listed = FALSE;

  g_assert_no_error (error);
  PQclear (gate_test_sql_run (device, "SELECT * FROM device_heartbeat($1, $2, $3::int, NULL)", 3, beat_a));
  PQclear (gate_test_sql_run (device, "SELECT * FROM device_heartbeat($1, $2, $3::int, NULL)", 3, beat_b));
  scanned = scan (device, tickets[0], event, "lister-a", scan_id);

  filtered = gate_test_sql_run (boss, "SELECT id FROM list_devices($1)", 1, by_event);
  g_assert_cmpint (PQntuples (filtered), ==, 1);
  g_assert_cmpstr (PQgetvalue (filtered, 0, 0), ==, "lister-a");

  everyone = gate_test_sql_run (boss, "SELECT id, server_time FROM list_devices()", 0, NULL);
  for (int i = 0; i < PQntuples (everyone); i++)
    {
      a_listed |= g_str_equal (PQgetvalue (everyone, i, 0), "lister-a");
      b_listed |= g_str_equal (PQgetvalue (everyone, i, 0), "lister-b");
      g_assert_false (PQgetisnull (everyone, i, 1));
    }
  g_assert_true (a_listed && b_listed);
}

static void
test_event_summary_counts (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Summary night", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 5, "General", &error);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *params[] = { event };
  g_autoptr(PGresult) summary = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *scan_id = gate_test_uuid ();

      PQclear (scan (conn, tickets[i], event, "gate-a", scan_id));
    }

  summary = gate_test_sql_run (conn, "SELECT event_id, name, ticket_count, scanned_count, server_time "
                                     "FROM event_summary($1)", 1, params);
  g_assert_cmpint (PQntuples (summary), ==, 1);
  g_assert_cmpstr (PQgetvalue (summary, 0, 0), ==, event);
  g_assert_cmpstr (PQgetvalue (summary, 0, 1), ==, "Summary night");
  g_assert_cmpstr (PQgetvalue (summary, 0, 2), ==, "5");
  g_assert_cmpstr (PQgetvalue (summary, 0, 3), ==, "2");
  g_assert_false (PQgetisnull (summary, 0, 4));
}

/* The counts event_summary answers, and those of the tickets themselves. */
static void
assert_summary_counts_true (const char *event)
{
  g_autofree char *sql = g_strdup_printf ("SELECT format('%%s/%%s', ticket_count, scanned_count) "
                                          "FROM event_summary('%s')", event);
  g_autofree char *truth_sql = g_strdup_printf ("SELECT format('%%s/%%s', count(*), "
                                                "count(*) FILTER (WHERE status = 'scanned')) "
                                                "FROM tickets WHERE event_id = '%s'", event);
  g_autofree char *summary = sql_value (sql);
  g_autofree char *truth = sql_value (truth_sql);

  g_assert_cmpstr (summary, ==, truth);
}

/* 0008: the counts are kept as tickets change, not counted at each call. */
static void
test_event_summary_counts_follow_changes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Counted night", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 6, "General", &error);
  g_auto(GStrv) more = NULL;
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *sql = NULL;
  g_autofree char *ignored = NULL;

  g_assert_no_error (error);
  assert_summary_counts_true (event);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *scan_id = gate_test_uuid ();

      PQclear (scan (conn, tickets[i], event, "gate-a", scan_id));
    }
  assert_summary_counts_true (event);

  /* A scanned ticket voided, a valid one deleted, a scanned one moved to
   * another event, a change that is not a status change, more tickets. */
  sql = g_strdup_printf ("UPDATE tickets SET status = 'void' WHERE qr_token = '%s'", tickets[0]);
  ignored = sql_value (sql);
  g_free (sql);
  sql = g_strdup_printf ("DELETE FROM tickets WHERE qr_token = '%s'", tickets[5]);
  g_free (ignored);
  ignored = sql_value (sql);
  g_free (sql);
  sql = g_strdup_printf ("UPDATE tickets SET event_id = '%s' WHERE qr_token = '%s'", other_event_id, tickets[1]);
  g_free (ignored);
  ignored = sql_value (sql);
  g_free (sql);
  sql = g_strdup_printf ("UPDATE tickets SET guest_name = 'Renamed' WHERE event_id = '%s'", event);
  g_free (ignored);
  ignored = sql_value (sql);
  more = gate_test_generate_tickets (pg, event, 4, "VIP", &error);
  g_assert_no_error (error);

  assert_summary_counts_true (event);
  assert_summary_counts_true (other_event_id);
}

/* With nothing new, tickets_changed_since reads an index range of no rows:
 * its plan, as auto_explain logs it from inside the function. */
static void
collect_notice (void           *user_data,
                const PGresult *result)
{
  g_string_append (user_data, PQresultErrorMessage (result));
}

/* Entries read from tickets_event_change_idx so far, as the statistics
 * have them after this backend's last transaction. */
static gint64
index_entries_read (PGconn *conn)
{
  g_autoptr(PGresult) result = NULL;

  PQclear (gate_test_sql_run (conn, "SELECT pg_stat_clear_snapshot()", 0, NULL));
  result = gate_test_sql_run (conn, "SELECT idx_tup_read FROM pg_stat_user_indexes WHERE indexrelname = 'tickets_event_change_idx'",
                              0, NULL);
  return g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
}

static void
test_delta_nothing_new_reads_no_rows (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (pg, "Nothing new", &error);
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, 1500, "General", &error);
  g_autofree char *cursor = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(PGconn) conn = connect_as (NULL);
  g_autoptr(PGresult) page = NULL;
  const char *params[2];
  g_autofree char *plan = NULL;
  gint64 read_before;
  gint64 read_after;

  g_assert_no_error (error);
  seen = download_all (event, &cursor, 1000);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 1500);

  PQclear (gate_test_sql_run (conn, "ANALYZE tickets", 0, NULL));
  PQclear (gate_test_sql_run (conn, "LOAD 'auto_explain'", 0, NULL));
  PQclear (gate_test_sql_run (conn, "SET auto_explain.log_min_duration = 0", 0, NULL));
  PQclear (gate_test_sql_run (conn, "SET auto_explain.log_nested_statements = on", 0, NULL));
  PQclear (gate_test_sql_run (conn, "SET auto_explain.log_analyze = on", 0, NULL));
  PQclear (gate_test_sql_run (conn, "SET auto_explain.log_timing = off", 0, NULL));
  PQclear (gate_test_sql_run (conn, "SET client_min_messages = log", 0, NULL));
  PQsetNoticeReceiver (conn, collect_notice, log);

  params[0] = event;
  params[1] = cursor;
  PQclear (gate_test_sql_run (conn, "SELECT pg_stat_force_next_flush()", 0, NULL));
  read_before = index_entries_read (conn);
  g_string_truncate (log, 0);
  page = gate_test_sql_run (conn, "SELECT * FROM tickets_changed_since($1, $2)", 2, params);
  plan = g_strdup (log->str);
  g_assert_cmpint (PQntuples (page), ==, 0);
  g_test_message ("%s", plan);
  g_assert_nonnull (strstr (plan, "Index Scan using tickets_event_change_idx"));
  g_assert_null (strstr (plan, "Seq Scan"));

  /* The range holds no entry: none is read (0007's read all 1,500). */
  read_after = index_entries_read (conn);
  g_assert_cmpint (read_after - read_before, ==, 0);
}

/* --- list_events ------------------------------------------------------------------------ */

static char *
insert_event (const char *name,
              const char *starts_in)
{
  g_autofree char *sql = g_strdup_printf ("INSERT INTO events (name, starts_at, signing_key) "
                                          "VALUES ('%s', now() + interval '%s', 'k') RETURNING id",
                                          name, starts_in);

  return sql_value (sql);
}

static void
test_list_events_as_device (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *old = insert_event ("List old", "-10 days");
  g_autofree char *recent = insert_event ("List recent", "-2 hours");
  g_autofree char *soon = insert_event ("List soon", "1 hour");
  g_autofree char *later = insert_event ("List later", "3 days");
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, soon, 3, "General", &error);
  g_autoptr(PGconn) device = connect_as ("gate_device");
  g_autoptr(PGconn) boss = connect_as ("gate_supervisor");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  const char *params[] = { "gate-a" };
  const char *as_boss[] = { "boss" };
  g_autoptr(PGresult) listed = NULL;
  g_autoptr(PGresult) listed_by_boss = NULL;

  g_assert_no_error (error);
  PQclear (scan (device, tickets[0], soon, "gate-a", scan_id));

  listed = gate_test_sql_run (device, "SELECT event_id, name, starts_at, ticket_count, scanned_count, server_time "
                                      "FROM list_events($1)", 1, params);
  for (int i = 0; i < PQntuples (listed); i++)
    {
      const char *id = PQgetvalue (listed, i, 0);

      if (g_str_equal (id, soon))
        {
          g_assert_cmpstr (PQgetvalue (listed, i, 1), ==, "List soon");
          g_assert_cmpstr (PQgetvalue (listed, i, 3), ==, "3");
          g_assert_cmpstr (PQgetvalue (listed, i, 4), ==, "1");
          g_assert_false (PQgetisnull (listed, i, 5));
        }
      if (g_str_equal (id, old) || g_str_equal (id, recent) || g_str_equal (id, soon) || g_str_equal (id, later))
        g_ptr_array_add (order, (gpointer) PQgetvalue (listed, i, 1));
    }

  /* What is on now or next comes first, soonest first; the past after. */
  g_assert_cmpuint (order->len, ==, 4);
  g_assert_cmpstr (order->pdata[0], ==, "List recent");
  g_assert_cmpstr (order->pdata[1], ==, "List soon");
  g_assert_cmpstr (order->pdata[2], ==, "List later");
  g_assert_cmpstr (order->pdata[3], ==, "List old");

  listed_by_boss = gate_test_sql_run (boss, "SELECT event_id FROM list_events($1)", 1, as_boss);
  g_assert_cmpint (PQntuples (listed_by_boss), ==, PQntuples (listed));
}

static void
test_list_events_unknown_device (void)
{
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  const char *claims[] = { "{\"role\":\"gate_device\",\"device_id\":\"jwt-gate\"}" };
  g_autoptr(PGresult) missing = PQexec (conn, "SELECT * FROM list_events(NULL)");
  g_autoptr(PGresult) impostor = NULL;
  g_autoptr(PGresult) genuine = NULL;

  g_assert_cmpstr (PQresultErrorField (missing, PG_DIAG_SQLSTATE), ==, "22004");

  PQclear (gate_test_sql_run (conn, "SELECT set_config('request.jwt.claims', $1, false)", 1, claims));
  impostor = PQexec (conn, "SELECT * FROM list_events('someone-else')");
  genuine = PQexec (conn, "SELECT * FROM list_events('jwt-gate')");
  g_assert_cmpstr (PQresultErrorField (impostor, PG_DIAG_SQLSTATE), ==, "42501");
  g_assert_cmpint (PQresultStatus (genuine), ==, PGRES_TUPLES_OK);
}

static void
test_list_events_revoked_device (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autoptr(PGresult) before = NULL;
  g_autoptr(PGresult) after = NULL;
  const char *params[1];

  g_assert_true (gate_test_add_device (pg, "Door 9", "gate", &device_id, &token, &error));
  params[0] = device_id;
  before = PQexecParams (conn, "SELECT * FROM list_events($1)", 1, NULL, params, NULL, NULL, 0);
  g_assert_cmpint (PQresultStatus (before), ==, PGRES_TUPLES_OK);

  g_assert_cmpint (gatectl_run (NULL, NULL, "device", "revoke", "--db", gate_test_pg_get_conninfo (pg),
                                device_id, NULL), ==, 0);
  after = PQexecParams (conn, "SELECT * FROM list_events($1)", 1, NULL, params, NULL, NULL, 0);
  g_assert_cmpstr (PQresultErrorField (after, PG_DIAG_SQLSTATE), ==, "42501");
}

/* --- behind PostgREST (Supabase) ------------------------------------------------------- */

static void
test_jwt_device_id_must_match (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  const char *claims[] = { "{\"role\":\"gate_device\",\"device_id\":\"jwt-gate\"}" };
  const char *as_other[] = { tickets[0], event_id, "someone-else", scan_id };
  g_autoptr(PGresult) impostor = NULL;
  g_autoptr(PGresult) impostor_upload = NULL;
  g_autoptr(PGresult) impostor_beat = NULL;
  g_autoptr(PGresult) genuine = NULL;
  g_autofree char *logs = NULL;

  /* What PostgREST sets for each request from the JWT. */
  PQclear (gate_test_sql_run (conn, "SELECT set_config('request.jwt.claims', $1, false)", 1, claims));

  impostor = PQexecParams (conn, "SELECT * FROM scan_ticket($1, $2, $3, $4)", 4, NULL, as_other, NULL, NULL, 0);
  impostor_upload = PQexec (conn, "SELECT * FROM sync_offline_scans('someone-else', '[]')");
  impostor_beat = PQexec (conn, "SELECT * FROM device_heartbeat('someone-else', '1', 0, NULL)");
  g_assert_cmpstr (PQresultErrorField (impostor, PG_DIAG_SQLSTATE), ==, "42501");
  g_assert_cmpstr (PQresultErrorField (impostor_upload, PG_DIAG_SQLSTATE), ==, "42501");
  g_assert_cmpstr (PQresultErrorField (impostor_beat, PG_DIAG_SQLSTATE), ==, "42501");
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE client_scan_id = '%s'", scan_id);

    logs = sql_value (sql);
  }
  g_assert_cmpstr (logs, ==, "0");

  genuine = scan (conn, tickets[0], event_id, "jwt-gate", scan_id);
  g_assert_cmpstr (PQgetvalue (genuine, 0, 0), ==, "admitted");
}

static void
test_jwt_without_device_id_is_not_checked (void)
{
  g_auto(GStrv) tickets = new_tickets (1);
  g_autoptr(PGconn) conn = connect_as ("gate_device");
  g_autofree char *scan_id = gate_test_uuid ();
  g_autoptr(PGresult) result = NULL;

  PQclear (gate_test_sql_run (conn, "SELECT set_config('request.jwt.claims', '{\"role\":\"gate_device\"}', false)", 0, NULL));
  result = scan (conn, tickets[0], event_id, "any-gate", scan_id);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "admitted");
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

static void
test_gatectl_device_add_prints_json_once (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *token = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *leaks = NULL;
  g_autoptr(GRegex) shape = g_regex_new ("^\\{\"device_id\":\"(dev-[0-9a-f]{12})\","
                                         "\"token\":\"(gst_[A-Za-z0-9_-]{43})\"\\}\n$",
                                         0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_assert_cmpint (gatectl_run (&out, &err, "device", "add", "--db", gate_test_pg_get_conninfo (pg),
                                "--name", "Door \"7\"", "--role", "supervisor", NULL), ==, 0);
  g_assert_true (g_regex_match (shape, out, 0, &match));
  g_assert_cmpstr (err, ==, "");
  token = g_match_info_fetch (match, 2);

  /* The token is nowhere in the database, in no column. */
  sql = g_strdup_printf ("SELECT count(*) FROM devices d WHERE strpos(row_to_json(d)::text, '%s') > 0", token);
  leaks = sql_value (sql);
  g_assert_cmpstr (leaks, ==, "0");
}

static void
test_gatectl_event_create_prints_uuid (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *stored = NULL;
  const char *db = gate_test_pg_get_conninfo (pg);

  g_assert_cmpint (gatectl_run (&out, NULL, "event", "create", "--db", db, "--name", "Doors at eight",
                                "--starts-at", "2026-12-31T20:00:00+01:00", NULL), ==, 0);
  g_strchomp (out);
  g_assert_true (g_uuid_string_is_valid (out));

  sql = g_strdup_printf ("SELECT name || '@' || (starts_at AT TIME ZONE 'UTC') FROM events WHERE id = '%s'", out);
  stored = sql_value (sql);
  g_assert_cmpstr (stored, ==, "Doors at eight@2026-12-31 19:00:00");

  g_assert_cmpint (gatectl_run (NULL, &err, "event", "create", "--db", db, "--name", "Bad time",
                                "--starts-at", "half past never", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "half past never"));
}

static void
test_gatectl_exit_codes (void)
{
  const char *db = gate_test_pg_get_conninfo (pg);

  g_assert_cmpint (gatectl_run (NULL, NULL, "event", "create", "--name", "no db", NULL), ==, 2);
  g_assert_cmpint (gatectl_run (NULL, NULL, "device", "add", "--db", db, "--name", "x", "--role", "admin", NULL),
                   ==, 2);
  g_assert_cmpint (gatectl_run (NULL, NULL, "device", "revoke", "--db", db, "dev-doesnotexist", NULL), ==, 1);
  g_assert_cmpint (gatectl_run (NULL, NULL, "tickets", "generate", "--db", db, "--event",
                                   "00000000-0000-0000-0000-000000000000", "--count", "1", NULL), ==, 1);
  g_assert_cmpint (gatectl_run (NULL, NULL, "frobnicate", NULL), ==, 2);
  g_assert_cmpint (gatectl_run (NULL, NULL, "event", "create", "--db", "host=127.0.0.1 port=1 connect_timeout=2",
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

  pg = gate_test_sql_start (&argc, &argv);
  event_id = gate_test_create_event (pg, "SQL tests", &error);
  other_event_id = gate_test_create_event (pg, "Another night", &error);
  g_assert_no_error (error);

  g_test_add_func ("/sql/migrate/rerun-is-noop", test_migrate_rerun_is_noop);
  g_test_add_func ("/sql/migrate/directory-matches-built-in", test_migrate_directory_matches_built_in);
  g_test_add_func ("/sql/migrate/edited-applied-file-refused", test_migrate_edited_applied_file_refused);
  g_test_add_func ("/sql/migrate/failed-file-rolls-back", test_migrate_failed_file_rolls_back);
  g_test_add_func ("/sql/migrate/concurrent-runs-apply-once", test_migrate_concurrent_runs_apply_once);
  g_test_add_func ("/sql/grants/row-level-security-on-every-table", test_row_level_security_on_every_table);
  g_test_add_func ("/sql/grants/roles-have-no-table-privileges", test_roles_have_no_table_privileges);
  g_test_add_func ("/sql/grants/public-cannot-execute-functions", test_public_cannot_execute_functions);
  g_test_add_func ("/sql/grants/device-cannot-call-supervisor-functions",
                   test_device_cannot_call_supervisor_functions);
  g_test_add_func ("/sql/grants/supervisor-can-do-what-a-device-can", test_supervisor_can_do_what_a_device_can);
  g_test_add_func ("/sql/grants/devices-cannot-authenticate", test_devices_cannot_authenticate);
  g_test_add_func ("/sql/auth/authenticate-maps-role", test_authenticate_maps_role);
  g_test_add_func ("/sql/auth/revoked-device-authenticates-nothing", test_revoked_device_authenticates_nothing);
  g_test_add_func ("/sql/auth/check-device-needs-the-right-device", test_check_device_needs_the_right_device);
  g_test_add_func ("/sql/auth/device-role-follows-the-devices-row", test_device_role_follows_the_devices_row);
  g_test_add_func ("/sql/auth/active-token-hashes-leave-out-revoked", test_active_token_hashes_leave_out_revoked);
  g_test_add_func ("/sql/scan/idempotent-on-client-scan-id", test_scan_idempotent_on_client_scan_id);
  g_test_add_func ("/sql/scan/wrong-event", test_scan_wrong_event);
  g_test_add_func ("/sql/scan/void-ticket", test_scan_void_ticket);
  g_test_add_func ("/sql/scan/not-found-writes-nothing", test_scan_not_found_writes_nothing);
  g_test_add_func ("/sql/scan/64-concurrent-one-admit", test_scan_64_concurrent_one_admit);
  g_test_add_func ("/sql/scan/waits-for-lock-then-busy", test_scan_waits_for_lock_then_answers);
  g_test_add_func ("/sql/scan/repeat-while-first-in-flight", test_scan_repeat_while_first_in_flight);
  g_test_add_func ("/sql/scan/denials-are-logged-once", test_scan_denials_are_logged_once);
  g_test_add_func ("/sql/scan/oversized-method-is-an-error", test_scan_oversized_method_is_an_error);
  g_test_add_func ("/sql/sync/applied-then-replayed", test_sync_applied_then_replayed);
  g_test_add_func ("/sql/sync/online-admit-replays-as-applied", test_sync_online_admit_replays_as_applied);
  g_test_add_func ("/sql/sync/later-scan-loses", test_sync_later_scan_loses);
  g_test_add_func ("/sql/sync/earlier-scan-wins", test_sync_earlier_scan_wins);
  g_test_add_func ("/sql/sync/corrected-time-decides", test_sync_corrected_time_decides);
  g_test_add_func ("/sql/sync/tie-keeps-recorded-scan", test_sync_tie_keeps_recorded_scan);
  g_test_add_func ("/sql/sync/not-found-void-rejected-alone", test_sync_not_found_void_and_rejected_alone);
  g_test_add_func ("/sql/sync/more-than-1000-refused", test_sync_more_than_1000_refused);
  g_test_add_func ("/sql/sync/times-outside-the-ticket-window-rejected",
                   test_sync_times_outside_the_ticket_window_rejected);
  g_test_add_func ("/sql/sync/early-time-cannot-take-over-an-admission",
                   test_sync_early_time_cannot_take_over_an_admission);
  g_test_add_func ("/sql/sync/offset-beyond-bigint-rejected-alone", test_sync_offset_beyond_bigint_rejected_alone);
  g_test_add_func ("/sql/sync/scan-id-of-another-scan-rejected", test_sync_scan_id_of_another_scan_rejected);
  g_test_add_func ("/sql/sync/concurrent-retry-is-a-replay", test_sync_concurrent_retry_is_a_replay);
  g_test_add_func ("/sql/sync/earlier-offline-scan-beats-online-admit",
                   test_sync_earlier_offline_scan_beats_online_admit);
  g_test_add_func ("/sql/sync/needs-a-device", test_sync_needs_a_device);
  g_test_add_func ("/sql/delta/pages-past-1000", test_delta_pages_past_1000);
  g_test_add_func ("/sql/delta/limit-clamped-to-1000", test_delta_limit_clamped_to_1000);
  g_test_add_func ("/sql/delta/misses-no-out-of-order-commit", test_delta_misses_no_out_of_order_commit);
  g_test_add_func ("/sql/delta/misses-no-commit-during-paging", test_delta_misses_no_commit_during_paging);
  g_test_add_func ("/sql/delta/garbage-cursor-is-an-error", test_delta_garbage_cursor_is_an_error);
  g_test_add_func ("/sql/delta/cursor-is-bounded", test_delta_cursor_is_bounded);
  g_test_add_func ("/sql/delta/old-cursor-still-works", test_delta_old_cursor_still_works);
  g_test_add_func ("/sql/original/scan-ticket-atomic", test_original_scan_ticket_atomic);
  g_test_add_func ("/sql/original/nowait-answers-being-processed", test_original_nowait_answers_being_processed);
  g_test_add_func ("/sql/original/sync-offline-scan-first-wins", test_original_sync_offline_scan_first_wins);
  g_test_add_func ("/sql/original/sync-offline-scan-unknown-ticket", test_original_sync_offline_scan_unknown_ticket);
  g_test_add_func ("/sql/original/sync-offline-scan-refuses-void", test_original_sync_offline_scan_refuses_void);
  g_test_add_func ("/sql/original/sync-offline-scan-times-bounded", test_original_sync_offline_scan_times_bounded);
  g_test_add_func ("/sql/original/calls-without-device-take-the-jwt-device",
                   test_original_calls_without_device_take_the_jwt_device);
  g_test_add_func ("/sql/conflicts/visible-to-both-devices-and-reviewable",
                   test_conflicts_visible_to_both_devices_and_reviewable);
  g_test_add_func ("/sql/conflicts/review-unknown-is-an-error", test_review_unknown_conflict_is_an_error);
  g_test_add_func ("/sql/devices/heartbeat-records-device", test_heartbeat_records_device);
  g_test_add_func ("/sql/devices/list-filters-by-event", test_list_devices_filters_by_event);
  g_test_add_func ("/sql/events/summary-counts", test_event_summary_counts);
  g_test_add_func ("/sql/events/summary-counts-follow-changes", test_event_summary_counts_follow_changes);
  g_test_add_func ("/sql/delta/nothing-new-reads-no-rows", test_delta_nothing_new_reads_no_rows);
  g_test_add_func ("/sql/events/list-as-device", test_list_events_as_device);
  g_test_add_func ("/sql/events/list-unknown-device", test_list_events_unknown_device);
  g_test_add_func ("/sql/events/list-revoked-device", test_list_events_revoked_device);
  g_test_add_func ("/sql/gatectl/token-stored-hashed", test_gatectl_token_stored_hashed);
  g_test_add_func ("/sql/supabase/jwt-device-id-must-match", test_jwt_device_id_must_match);
  g_test_add_func ("/sql/supabase/jwt-without-device-id-is-not-checked", test_jwt_without_device_id_is_not_checked);
  g_test_add_func ("/sql/gatectl/device-add-prints-json-once", test_gatectl_device_add_prints_json_once);
  g_test_add_func ("/sql/gatectl/event-create-prints-uuid", test_gatectl_event_create_prints_uuid);
  g_test_add_func ("/sql/gatectl/exit-codes", test_gatectl_exit_codes);
  g_test_add_func ("/sql/gatectl/tokens-upper-case-and-unique", test_gatectl_tokens_upper_case_and_unique);

  result = g_test_run ();

  g_clear_pointer (&pg, gate_test_pg_free);
  g_free (event_id);
  g_free (other_event_id);
  return result;
}
