/* test-durability.c — offline admits under kill -9, then uploaded to a real
 * gate-server and PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A gate (cache-admit-helper --stdin, the cache's offline admit in its own
 * process) scans a few codes — fresh ones, repeats, unknown ones — and is
 * killed with SIGKILL at a random moment: before it opened the cache, in
 * the middle of an admit, between two. Over ITERATIONS rounds on one cache
 * file, every verdict line it printed (what the guest saw) is compared
 * with the upload queue, and after one sync with the server's scan_logs:
 *
 *   - no shown admit is missing from the queue or from the server;
 *   - no ticket is admitted twice, no scan arrives twice;
 *   - every admitted ticket has exactly one successful server record.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "gate-test-harness.h"
#include "gate-ticket-cache.h"

#define ITERATIONS      1000
#define TICKETS         1500
#define MAX_CODES       6
/* Starting the gate and opening the cache takes a few milliseconds, a
 * durable admit a fraction of one: a kill this soon after the start or
 * after a shown verdict lands in the startup or in the next admit. */
#define MAX_STARTUP_KILL_US (8 * 1000)
#define MAX_ADMIT_KILL_US   (1500)

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *event;
  char          **tickets;
  char           *dir;
  char           *device_id;
  char           *token;
  char           *cache;
} backend;

static int
gatectl (const char *verb)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  g_subprocess_launcher_setenv (launcher, "GATE_SERVER", gate_test_server_get_url (backend.server), TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_TOKEN", backend.token, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_DEVICE_ID", backend.device_id, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_EVENT", backend.event, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_CACHE", backend.cache, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("GATECTL"), verb, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error));
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("gatectl %s: %s", verb, err);
  return g_subprocess_get_exit_status (process);
}

/* The codes one round scans: mostly tickets of the event, picked at random
 * so that many repeat, and now and then one the event does not know. */
static char *
pick_codes (GRand *rand)
{
  GString *codes = g_string_new (NULL);
  guint n = g_rand_int_range (rand, 1, MAX_CODES + 1);

  for (guint i = 0; i < n; i++)
    {
      if (g_rand_int_range (rand, 0, 20) == 0)
        g_string_append_printf (codes, "GS1-NOT-SOLD-%u\n", g_rand_int (rand));
      else
        g_string_append_printf (codes, "%s\n", backend.tickets[g_rand_int_range (rand, 0, TICKETS)]);
    }

  return g_string_free (codes, FALSE);
}

typedef struct
{
  GHashTable *admitted_ids;     /* client_scan_id → code, shown "admitted" */
  GHashTable *admitted_codes;   /* code, shown "admitted" */
  GHashTable *denied_codes;     /* code, shown "already_scanned" */
  guint       lines;
  guint       killed_before_any;
  guint       killed_midway;
  guint       killed_after_all;
} Shown;

/* One round: start the gate, hand it @codes, wait for @shown_before_kill
 * verdicts, kill it @delay_us later; returns everything it printed. */
static char *
run_round (const char *codes,
           guint       shown_before_kill,
           gulong      delay_us)
{
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "core", "cache-admit-helper", NULL);
  g_autoptr(GSubprocess) gate = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) printed = g_byte_array_new ();
  GOutputStream *input;
  GInputStream *output;
  guint8 buffer[4096];
  gssize n;

  gate = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, helper,
                           "--stdin", backend.cache, backend.event, backend.device_id, NULL);
  g_assert_no_error (error);
  input = g_subprocess_get_stdin_pipe (gate);
  g_assert_true (g_output_stream_write_all (input, codes, strlen (codes), NULL, NULL, &error));
  g_assert_true (g_output_stream_close (input, NULL, &error));

  output = g_subprocess_get_stdout_pipe (gate);
  while (shown_before_kill > 0 && (n = g_input_stream_read (output, buffer, 1, NULL, &error)) > 0)
    {
      g_byte_array_append (printed, buffer, n);
      shown_before_kill -= buffer[0] == '\n';
    }
  g_assert_no_error (error);

  /* The random moment of the power cut is the point of the test. */
  g_usleep (delay_us);
  g_subprocess_send_signal (gate, SIGKILL);
  g_assert_true (g_subprocess_wait (gate, NULL, &error));

  /* What it wrote before dying is still in the pipe. */
  while ((n = g_input_stream_read (output, buffer, sizeof buffer, NULL, &error)) > 0)
    g_byte_array_append (printed, buffer, n);
  g_assert_no_error (error);
  g_byte_array_append (printed, (const guint8 *) "", 1);
  return g_strdup ((const char *) printed->data);
}

static void
note_shown (Shown      *shown,
            const char *printed,
            guint       codes_sent)
{
  g_auto(GStrv) lines = g_strsplit (printed, "\n", -1);
  guint whole = 0;

  /* The last element is what followed the last newline: nothing, or a
   * line the kill cut short, which nobody saw. */
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", 3);

      g_assert_cmpuint (g_strv_length (fields), ==, 3);
      whole++;
      if (g_str_equal (fields[0], "admitted"))
        {
          /* Shown twice for one ticket would be a double entry. */
          g_assert_false (g_hash_table_contains (shown->admitted_codes, fields[2]));
          g_hash_table_add (shown->admitted_codes, g_strdup (fields[2]));
          g_hash_table_insert (shown->admitted_ids, g_strdup (fields[1]), g_strdup (fields[2]));
        }
      else if (g_str_equal (fields[0], "already_scanned"))
        g_hash_table_add (shown->denied_codes, g_strdup (fields[2]));
      else
        g_assert_cmpstr (fields[0], ==, "not_found");
    }

  shown->lines += whole;
  if (whole == 0)
    shown->killed_before_any++;
  else if (whole < codes_sent)
    shown->killed_midway++;
  else
    shown->killed_after_all++;
}

/* The whole queue, past the upload batch limit of the cache's API. Fails
 * if a ticket is queued twice. */
static void
read_queue (GHashTable *queued_ids,
            GHashTable *queued_codes)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (backend.cache, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT client_scan_id, qr_token FROM scan_queue WHERE state = 'pending'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *code = (const char *) sqlite3_column_text (stmt, 1);

      g_assert_false (g_hash_table_contains (queued_codes, code));
      g_hash_table_add (queued_codes, g_strdup (code));
      g_hash_table_add (queued_ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static char *
sql_value (PGconn     *conn,
           const char *sql,
           const char *param)
{
  const char *params[] = { param };
  PGresult *result = PQexecParams (conn, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
  char *value;

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  value = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  return value;
}

static void
test_kill_9_at_random_moments_loses_and_duplicates_nothing (void)
{
  guint32 seed = g_test_rand_int ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GHashTable) queued_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) queued_codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) id_array = g_string_new ("{");
  g_autofree char *rows = NULL;
  g_autofree char *distinct_ids = NULL;
  g_autofree char *distinct_tickets = NULL;
  g_autofree char *successful = NULL;
  g_autofree char *shown_on_server = NULL;
  Shown shown = {
    .admitted_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
    .admitted_codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .denied_codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
  };
  GHashTableIter iter;
  gpointer id, code;
  gint64 started = g_get_monotonic_time ();
  gint64 scanned;
  guint queued;
  PGconn *conn;

  g_test_message ("seed %" G_GUINT32_FORMAT " (from the test's --seed)", seed);
  g_assert_cmpint (gatectl ("refresh"), ==, 0);

  for (guint round = 0; round < ITERATIONS; round++)
    {
      g_autofree char *codes = pick_codes (rand);
      g_autofree char *printed = NULL;
      guint sent = 0;

      for (const char *c = codes; *c != '\0'; c++)
        sent += *c == '\n';
      /* A quarter of the gates die while starting, the rest in or after
       * one of their admits. */
      if (g_rand_int_range (rand, 0, 4) == 0)
        printed = run_round (codes, 0, g_rand_int_range (rand, 0, MAX_STARTUP_KILL_US));
      else
        printed = run_round (codes, g_rand_int_range (rand, 0, sent), g_rand_int_range (rand, 0, MAX_ADMIT_KILL_US));
      note_shown (&shown, printed, sent);
    }
  scanned = g_get_monotonic_time ();

  /* The queue after the last crash, as the next start finds it, against
   * what the guests saw. */
  cache = gate_ticket_cache_new (backend.cache, &error);
  g_assert_no_error (error);
  g_clear_object (&cache);
  read_queue (queued_ids, queued_codes);
  queued = g_hash_table_size (queued_ids);

  g_hash_table_iter_init (&iter, shown.admitted_ids);
  while (g_hash_table_iter_next (&iter, &id, &code))
    {
      g_assert_true (g_hash_table_contains (queued_ids, id));
      g_string_append_printf (id_array, "%s%s", id_array->len > 1 ? "," : "", (const char *) id);
    }
  g_string_append_c (id_array, '}');
  /* A ticket shown "already scanned" was admitted before, shown or not. */
  g_hash_table_iter_init (&iter, shown.denied_codes);
  while (g_hash_table_iter_next (&iter, &code, NULL))
    g_assert_true (g_hash_table_contains (queued_codes, code));

  g_assert_cmpint (gatectl ("sync"), ==, 0);
  cache = gate_ticket_cache_new (backend.cache, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gate_ticket_cache_pending_count (cache), ==, 0);

  conn = PQconnectdb (gate_test_pg_get_conninfo (backend.pg));
  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  rows = sql_value (conn, "SELECT count(*) FROM public.scan_logs WHERE device_id = $1", backend.device_id);
  distinct_ids = sql_value (conn, "SELECT count(DISTINCT client_scan_id) FROM public.scan_logs WHERE device_id = $1",
                            backend.device_id);
  distinct_tickets = sql_value (conn, "SELECT count(DISTINCT ticket_id) FROM public.scan_logs WHERE device_id = $1",
                                backend.device_id);
  successful = sql_value (conn, "SELECT count(*) FROM public.scan_logs WHERE device_id = $1 AND scan_success",
                          backend.device_id);
  shown_on_server = sql_value (conn, "SELECT count(*) FROM public.scan_logs "
                                     "WHERE scan_success AND client_scan_id = ANY ($1::uuid[])", id_array->str);
  PQfinish (conn);

  g_test_message ("%u rounds in %.1f s (%u shown verdicts: %u admitted, %u already scanned; "
                  "killed before any verdict %u, midway %u, after all %u); %u queued, "
                  "%u of them admitted but killed before shown; sync %.1f s",
                  ITERATIONS, (scanned - started) / (double) G_USEC_PER_SEC, shown.lines,
                  g_hash_table_size (shown.admitted_ids), g_hash_table_size (shown.denied_codes),
                  shown.killed_before_any, shown.killed_midway, shown.killed_after_all, queued,
                  queued - g_hash_table_size (shown.admitted_ids),
                  (g_get_monotonic_time () - scanned) / (double) G_USEC_PER_SEC);

  /* Every queued scan arrived exactly once, one successful record each. */
  g_assert_cmpint (g_ascii_strtoll (rows, NULL, 10), ==, queued);
  g_assert_cmpint (g_ascii_strtoll (distinct_ids, NULL, 10), ==, queued);
  g_assert_cmpint (g_ascii_strtoll (distinct_tickets, NULL, 10), ==, queued);
  g_assert_cmpint (g_ascii_strtoll (successful, NULL, 10), ==, queued);
  g_assert_cmpint (g_ascii_strtoll (shown_on_server, NULL, 10), ==, g_hash_table_size (shown.admitted_ids));
  g_assert_cmpuint (shown.killed_midway, >, 0);

  g_hash_table_unref (shown.admitted_ids);
  g_hash_table_unref (shown.admitted_codes);
  g_hash_table_unref (shown.denied_codes);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.dir = g_dir_make_tmp ("gate-durability-XXXXXX", &error);
  g_assert_no_error (error);
  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Durability", &error);
  g_assert_no_error (error);
  backend.tickets = gate_test_generate_tickets (backend.pg, backend.event, TICKETS, "General", &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (backend.pg, "crashy-gate", "gate", &backend.device_id, &backend.token,
                                       &error));
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);
  backend.cache = g_build_filename (backend.dir, "gate.cache", NULL);

  g_test_add_func ("/durability/offline/kill-9-at-random-moments-loses-and-duplicates-nothing",
                   test_kill_9_at_random_moments_loses_and_duplicates_nothing);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  {
    g_autoptr(GDir) dir = g_dir_open (backend.dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (backend.dir, name, NULL);

        g_unlink (path);
      }
    g_rmdir (backend.dir);
  }
  g_strfreev (backend.tickets);
  g_free (backend.event);
  g_free (backend.dir);
  g_free (backend.device_id);
  g_free (backend.token);
  g_free (backend.cache);
  return result;
}
