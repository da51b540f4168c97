/* test-cache.c — GateTicketCache keeps the offline invariants
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "gate-error.h"
#include "gate-test-harness.h"
#include "gate-ticket-cache.h"
/* Only for counting the work of the cache's own statements (issue 16). */
#include "gate-ticket-cache-private.h"

#define EVENT "6f1c2c8e-0000-4000-8000-000000000001"
#define OTHER_EVENT "6f1c2c8e-0000-4000-8000-000000000002"

typedef struct
{
  char            *dir;
  char            *path;
  GateTicketCache *cache;
} Fixture;

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_unlink (file);
    }
  g_rmdir (path);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("gate-cache-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "cache.db", NULL);
  fixture->cache = gate_ticket_cache_new (fixture->path, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->cache);
  remove_dir (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static GateTicket *
make_ticket (guint       n,
             const char *event,
             const char *status)
{
  GateTicket *ticket = gate_ticket_new ();

  ticket->id = g_strdup_printf ("00000000-0000-4000-8000-%012u", n);
  ticket->event_id = g_strdup (event);
  ticket->qr_token = g_strdup_printf ("GS1-TEST%06u", n);
  ticket->ticket_type = g_strdup ("General");
  ticket->guest_name = g_strdup_printf ("Guest %u", n);
  gate_ticket_status_from_string (status, &ticket->status);
  ticket->updated_at_us = g_get_real_time ();
  return ticket;
}

static void
load_tickets (GateTicketCache *cache,
              guint            first,
              guint            count,
              const char      *status,
              const char      *cursor)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = first; i < first + count; i++)
    g_ptr_array_add (page->tickets, make_ticket (i, EVENT, status));
  page->next_cursor = g_strdup (cursor);
  g_assert_true (gate_ticket_cache_apply_page (cache, EVENT, page, &error));
  g_assert_no_error (error);
}

static GateQueuedScan *
make_scan (const char *token,
           const char *device)
{
  GateQueuedScan *scan = gate_queued_scan_new ();

  scan->client_scan_id = g_uuid_string_random ();
  scan->event_id = g_strdup (EVENT);
  scan->qr_token = g_strdup (token);
  scan->device_id = g_strdup (device);
  scan->scanned_at_us = g_get_real_time ();
  scan->scan_method = g_strdup ("qr");
  return scan;
}

static GateVerdict
admit (GateTicketCache *cache,
       const char      *token)
{
  g_autoptr(GateQueuedScan) scan = make_scan (token, "gate-1");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateScanDecision) decision = gate_ticket_cache_admit_offline (cache, scan, &error);

  g_assert_no_error (error);
  return decision->verdict;
}

static char *
helper_path (void)
{
  return g_test_build_filename (G_TEST_BUILT, "core", "cache-admit-helper", NULL);
}

static gint64
query_int (const char *path,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static GateQueuedScan *
first_pending (GateTicketCache *cache)
{
  g_autoptr(GPtrArray) pending = gate_ticket_cache_pending_scans (cache, 500, NULL);

  g_assert_nonnull (pending);
  g_assert_cmpuint (pending->len, >, 0);
  return gate_queued_scan_copy (pending->pdata[0]);
}

static GateUploadResult *
result_for (const char        *client_scan_id,
            GateUploadOutcome  outcome,
            const char        *winner)
{
  GateUploadResult *result = gate_upload_result_new ();

  result->client_scan_id = g_strdup (client_scan_id);
  result->outcome = outcome;
  result->winner_device = g_strdup (winner);
  result->winner_time_us = g_get_real_time () - G_USEC_PER_SEC;
  result->server_time_us = g_get_real_time ();
  return result;
}

static void
answer_upload (GateTicketCache   *cache,
               const char        *client_scan_id,
               GateUploadOutcome  outcome,
               const char        *winner)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_upload_result_free);
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (results, result_for (client_scan_id, outcome, winner));
  g_assert_true (gate_ticket_cache_apply_upload_results (cache, results, &error));
  g_assert_no_error (error);
}

static GateConflict *
server_conflict (gint64      id,
                 const char *winner_scan_id,
                 const char *loser_scan_id)
{
  GateConflict *conflict = gate_conflict_new ();

  conflict->id = id;
  conflict->event_id = g_strdup (EVENT);
  conflict->ticket_id = g_strdup ("00000000-0000-4000-8000-000000000001");
  conflict->qr_token = g_strdup ("GS1-TEST000001");
  conflict->guest_name = g_strdup ("Guest 1");
  conflict->winner_device = g_strdup ("south-2");
  conflict->winner_time_us = g_get_real_time () - 2 * G_USEC_PER_SEC;
  conflict->winner_scan_id = g_strdup (winner_scan_id);
  conflict->loser_device = g_strdup ("gate-1");
  conflict->loser_time_us = g_get_real_time () - G_USEC_PER_SEC;
  conflict->loser_scan_id = g_strdup (loser_scan_id);
  conflict->detected_at_us = g_get_real_time ();
  return conflict;
}

static gboolean
uint_is_positive (gpointer user_data)
{
  return *(guint *) user_data > 0;
}

/* --- opening ------------------------------------------------------------------ */

static void
test_open_creates_file_0600 (Fixture       *fixture,
                             gconstpointer  data)
{
  struct stat st;
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_open_creates_missing_folder_0700 (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("gate-cache-XXXXXX", NULL);
  g_autofree char *data = g_build_filename (home, "share", NULL);
  g_autofree char *folder = g_build_filename (data, "gate-scanner", NULL);
  g_autofree char *path = g_build_filename (folder, "tickets.cache", NULL);
  g_autoptr(GateTicketCache) cache = NULL;
  struct stat st;

  /* A clean account: not even the data folder exists yet. */
  cache = gate_ticket_cache_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (folder, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_clear_object (&cache);
  remove_dir (folder);
  g_rmdir (data);
  g_rmdir (home);
}

static void
test_open_tightens_existing_mode (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("gate-cache-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "loose.db", NULL);
  g_autoptr(GateTicketCache) cache = NULL;
  struct stat st;

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  g_chmod (path, 0644);
  cache = gate_ticket_cache_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_clear_object (&cache);
  g_unlink (path);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
}

static void
test_open_uses_wal_and_full_sync (Fixture       *fixture,
                                  gconstpointer  data)
{
  sqlite3 *db;
  sqlite3_stmt *stmt;

  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
test_open_refuses_newer_schema (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) again = NULL;
  sqlite3 *db;

  g_clear_object (&fixture->cache);
  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  again = gate_ticket_cache_new (fixture->path, &error);
  g_assert_null (again);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "newer"));
}

static void
test_open_reopens_without_reapplying (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) again = NULL;
  g_autoptr(GateTicket) ticket = NULL;

  load_tickets (fixture->cache, 1, 3, "valid", "c1");
  g_clear_object (&fixture->cache);

  again = gate_ticket_cache_new (fixture->path, &error);
  g_assert_no_error (error);
  ticket = gate_ticket_cache_lookup (again, "GS1-TEST000002", NULL, &error);
  g_assert_nonnull (ticket);
  g_assert_cmpstr (ticket->guest_name, ==, "Guest 2");
}

static void
test_open_applies_schema_once (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GateTicketCache) again = NULL;
  g_autoptr(GError) error = NULL;
  guint version = gate_ticket_cache_get_schema_version ();

  g_assert_cmpuint (version, >=, 2);
  g_assert_cmpint (query_int (fixture->path, "PRAGMA user_version"), ==, version);
  load_tickets (fixture->cache, 1, 3, "valid", "c1");
  g_clear_object (&fixture->cache);

  /* A second open finds everything applied and touches nothing. */
  again = gate_ticket_cache_new (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (fixture->path, "PRAGMA user_version"), ==, version);
  g_assert_cmpint (query_int (fixture->path, "SELECT count(*) FROM tickets"), ==, 3);
}

static void
test_open_upgrades_older_schema (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gate-cache-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "old.db", NULL);
  g_autofree char *first = g_build_filename (g_getenv ("GATE_SOURCE_ROOT"), "migrations", "sqlite",
                                             "0001_init.sql", NULL);
  g_autofree char *sql = NULL;
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  /* A cache written by the first release: schema 1 and one ticket. */
  g_assert_true (g_file_get_contents (first, &sql, NULL, &error));
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO tickets (id, event_id, qr_token, guest_name, status) "
                                 "VALUES ('t1', '" EVENT "', 'GS1-OLD', 'Old Guest', 'valid'); "
                                 "PRAGMA user_version = 1;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  cache = gate_ticket_cache_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (path, "PRAGMA user_version"), ==, gate_ticket_cache_get_schema_version ());
  ticket = gate_ticket_cache_lookup (cache, "GS1-OLD", NULL, &error);
  g_assert_cmpstr (ticket->guest_name, ==, "Old Guest");

  g_clear_object (&cache);
  remove_dir (dir);
}

/* A cache of schema 2 (0001 and 0002, as shipped before 0003) with tickets
 * in every state moves to the compact table with nothing lost. */
static void
test_open_compacts_schema_2 (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gate-cache-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "two.db", NULL);
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GateTicket) plain = NULL;
  g_autoptr(GateTicket) odd = NULL;
  g_autoptr(GateCacheStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  gboolean pending = FALSE;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  for (guint i = 1; i <= 2; i++)
    {
      g_autofree char *name = g_strdup_printf (i == 1 ? "0001_init.sql" : "0002_online_scans.sql");
      g_autofree char *file = g_build_filename (g_getenv ("GATE_SOURCE_ROOT"), "migrations", "sqlite", name, NULL);
      g_autofree char *sql = NULL;

      g_assert_true (g_file_get_contents (file, &sql, NULL, &error));
      g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    }
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO events (id, name, cursor) VALUES ('" EVENT "', 'Old night', 'c|||'); "
                                 "INSERT INTO tickets (id, event_id, qr_token, qr_signature, ticket_type, guest_name, "
                                 "  status, scanned_at, scanned_device, updated_at, local_scan_id) VALUES "
                                 "('00000000-0000-4000-8000-00000000000a', '" EVENT "', 'GS1-A', 'ab12', 'VIP', "
                                 "  'Ana', 'valid', NULL, NULL, 10, NULL), "
                                 "('00000000-0000-4000-8000-00000000000b', '" EVENT "', 'GS1-B', NULL, 'General', "
                                 "  'Bea', 'scanned', 20, 'gate-9', 21, 'scan-b'), "
                                 "('Not-A-UUID', '" EVENT "', 'GS1-C', NULL, NULL, 'Cai', 'void', NULL, NULL, 30, "
                                 "  NULL), "
                                 "('00000000-0000-4000-8000-00000000000d', '" OTHER_EVENT "', 'GS1-D', NULL, NULL, "
                                 "  'Dan', 'scanned', 40, 'gate-2', 41, NULL); "
                                 "INSERT INTO scan_queue (client_scan_id, event_id, qr_token, ticket_id, device_id, "
                                 "  scanned_at, clock_offset_ms, scan_method) VALUES ('scan-b', '" EVENT "', "
                                 "  'GS1-B', '00000000-0000-4000-8000-00000000000b', 'gate-1', 20, 0, 'qr'); "
                                 "PRAGMA user_version = 2;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  cache = gate_ticket_cache_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (path, "PRAGMA user_version"), ==, gate_ticket_cache_get_schema_version ());

  /* Ids read back as they were written; UUIDs are stored as 16 bytes. */
  plain = gate_ticket_cache_lookup (cache, "GS1-B", &pending, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plain->id, ==, "00000000-0000-4000-8000-00000000000b");
  g_assert_cmpstr (plain->event_id, ==, EVENT);
  g_assert_cmpint (plain->status, ==, GATE_TICKET_STATUS_SCANNED);
  g_assert_cmpint (plain->scanned_at_us, ==, 20);
  g_assert_cmpstr (plain->scanned_device, ==, "gate-9");
  g_assert_true (pending);
  odd = gate_ticket_cache_lookup (cache, "GS1-C", NULL, &error);
  g_assert_cmpstr (odd->id, ==, "Not-A-UUID");
  g_assert_cmpint (odd->status, ==, GATE_TICKET_STATUS_VOID);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM tickets WHERE typeof(id) = 'blob' "
                                    "AND length(id) = 16 AND typeof(event_id) = 'blob'"), ==, 3);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM sqlite_schema WHERE name = 'tickets_event_status'"), ==,
                   0);

  /* The pending local admit still wins over the server's "valid". */
  g_assert_cmpint (admit (cache, "GS1-B"), ==, GATE_VERDICT_ALREADY_SCANNED);

  /* The counts were taken over, per event. */
  status = gate_ticket_cache_get_status (cache, EVENT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status->tickets_cached, ==, 3);
  g_assert_cmpint (status->checked_in, ==, 1);
  g_assert_cmpint (status->pending_uploads, ==, 1);
  g_clear_pointer (&status, gate_cache_status_free);
  status = gate_ticket_cache_get_status (cache, OTHER_EVENT, &error);
  g_assert_cmpint (status->tickets_cached, ==, 1);
  g_assert_cmpint (status->checked_in, ==, 1);

  g_clear_object (&cache);
  remove_dir (dir);
}

static void
test_open_concurrent_processes_migrate_once (void)
{
  g_autofree char *helper = helper_path ();
  g_autofree char *dir = g_dir_make_tmp ("gate-cache-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "fresh.db", NULL);
  GSubprocess *children[4];

  /* Four kiosk processes start at once on a file none of them created. */
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      g_autoptr(GError) error = NULL;

      children[i] = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                                      helper, path, EVENT, "GS1-NOSUCH", "gate-1", NULL);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_true (g_subprocess_communicate_utf8 (children[i], NULL, NULL, &out, &err, NULL));
      g_test_message ("child %u: %s%s", i, out, err);
      g_assert_true (g_subprocess_get_successful (children[i]));
      /* Each decided, from a cache that was never filled. */
      g_assert_true (g_str_has_prefix (out, "cannot_decide "));
      g_object_unref (children[i]);
    }

  g_assert_cmpint (query_int (path, "PRAGMA user_version"), ==, gate_ticket_cache_get_schema_version ());
  remove_dir (dir);
}

static void
test_open_tightens_wal_and_shm (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gate-cache-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  const char *suffixes[] = { "", "-wal", "-shm" };
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GError) error = NULL;

  /* Left behind world-readable by some earlier program. */
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_assert_true (g_file_set_contents (file, "", 0, NULL));
      g_assert_cmpint (g_chmod (file, 0644), ==, 0);
    }

  cache = gate_ticket_cache_new (path, &error);
  g_assert_no_error (error);
  load_tickets (cache, 1, 1, "valid", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      struct stat st;

      g_assert_cmpint (g_stat (file, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    }

  g_clear_object (&cache);
  remove_dir (dir);
}

static void
test_open_refuses_foreign_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gate-cache-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "notes.txt", NULL);
  const char *text = "this is somebody's shopping list, not a cache; it must survive\n";
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  cache = gate_ticket_cache_new (path, &error);

  g_assert_null (cache);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_STORAGE);
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, text);
  remove_dir (dir);
}

/* --- admitting offline ---------------------------------------------------------- */

static void
test_admit_once_per_ticket (Fixture       *fixture,
                            gconstpointer  data)
{
  load_tickets (fixture->cache, 1, 1, "valid", NULL);

  g_assert_cmpint (admit (fixture->cache, "GS1-TEST000001"), ==, GATE_VERDICT_ADMITTED);
  g_assert_cmpint (admit (fixture->cache, "GS1-TEST000001"), ==, GATE_VERDICT_ALREADY_SCANNED);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 1);
}

static void
test_admit_idempotent_on_client_scan_id (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(GateQueuedScan) scan = make_scan ("GS1-TEST000001", "gate-1");
  g_autoptr(GateScanDecision) first = NULL;
  g_autoptr(GateScanDecision) again = NULL;
  g_autoptr(GError) error = NULL;

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  first = gate_ticket_cache_admit_offline (fixture->cache, scan, &error);
  again = gate_ticket_cache_admit_offline (fixture->cache, scan, &error);

  g_assert_cmpint (first->verdict, ==, GATE_VERDICT_ADMITTED);
  g_assert_cmpint (again->verdict, ==, GATE_VERDICT_ADMITTED);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 1);
}

static void
test_admit_already_scanned_names_device (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(GateQueuedScan) first = make_scan ("GS1-TEST000001", "north-1");
  g_autoptr(GateQueuedScan) second = make_scan ("GS1-TEST000001", "north-1");
  g_autoptr(GateScanDecision) a = NULL;
  g_autoptr(GateScanDecision) b = NULL;

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  a = gate_ticket_cache_admit_offline (fixture->cache, first, NULL);
  b = gate_ticket_cache_admit_offline (fixture->cache, second, NULL);

  g_assert_cmpint (b->verdict, ==, GATE_VERDICT_ALREADY_SCANNED);
  g_assert_cmpstr (b->scanned_device, ==, "north-1");
  g_assert_cmpint (b->scanned_at_us, ==, first->scanned_at_us);
}

static void
test_admit_void (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GateQueuedScan) scan = make_scan ("GS1-TEST000001", "gate-1");
  g_autoptr(GateScanDecision) decision = NULL;
  g_autoptr(GError) error = NULL;

  load_tickets (fixture->cache, 1, 1, "void", NULL);
  decision = gate_ticket_cache_admit_offline (fixture->cache, scan, &error);

  g_assert_no_error (error);
  g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_VOID);
  g_assert_cmpstr (decision->guest_name, ==, "Guest 1");
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 0);
}

static void
test_admit_not_found (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GateQueuedScan) scan = make_scan ("GS1-NOSUCHTOKEN", "gate-1");
  g_autoptr(GateScanDecision) decision = NULL;
  g_autoptr(GError) error = NULL;

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  decision = gate_ticket_cache_admit_offline (fixture->cache, scan, &error);

  g_assert_no_error (error);
  g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_NOT_FOUND);
  g_assert_null (decision->ticket_id);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 0);
}

static void
test_admit_wrong_event (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GateTicketPage) other = gate_ticket_page_new ();
  g_autoptr(GateQueuedScan) scan = make_scan ("GS1-TEST000002", "gate-1");
  g_autoptr(GateScanDecision) decision = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicket) ticket = NULL;

  g_ptr_array_add (other->tickets, make_ticket (2, OTHER_EVENT, "valid"));
  g_assert_true (gate_ticket_cache_apply_page (fixture->cache, OTHER_EVENT, other, &error));
  decision = gate_ticket_cache_admit_offline (fixture->cache, scan, &error);

  g_assert_no_error (error);
  g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_WRONG_EVENT);
  g_assert_cmpstr (decision->event_id, ==, OTHER_EVENT);
  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000002", NULL, NULL);
  g_assert_cmpint (ticket->status, ==, GATE_TICKET_STATUS_VALID);
}

static void
test_admit_replays_online_admit (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GateQueuedScan) scan = make_scan ("GS1-TEST000001", "gate-1");
  g_autoptr(GateQueuedScan) other = make_scan ("GS1-TEST000001", "gate-1");
  g_autoptr(GateScanDecision) answer = gate_scan_decision_new (GATE_VERDICT_ADMITTED, GATE_SCAN_MODE_ONLINE);
  g_autoptr(GateScanDecision) again = NULL;
  g_autoptr(GError) error = NULL;

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  answer->code = g_strdup (scan->qr_token);
  answer->client_scan_id = g_strdup (scan->client_scan_id);
  answer->scanned_at_us = g_get_real_time ();
  answer->scanned_device = g_strdup ("gate-1");
  answer->server_time_us = answer->scanned_at_us;
  g_assert_true (gate_ticket_cache_record_online (fixture->cache, answer, &error));

  /* The answer was lost on the way: the engine decides the same scan offline. */
  again = gate_ticket_cache_admit_offline (fixture->cache, scan, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again->verdict, ==, GATE_VERDICT_ADMITTED);
  g_assert_true (again->replayed);
  g_assert_cmpint (again->scanned_at_us, ==, answer->scanned_at_us);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 0);

  /* Any other scan of that ticket is a second entry. */
  g_clear_pointer (&again, gate_scan_decision_free);
  again = gate_ticket_cache_admit_offline (fixture->cache, other, &error);
  g_assert_cmpint (again->verdict, ==, GATE_VERDICT_ALREADY_SCANNED);
}

typedef struct
{
  GateTicketCache *cache;
  gint            *admitted;
} Racer;

static gpointer
race (gpointer user_data)
{
  Racer *racer = user_data;

  if (admit (racer->cache, "GS1-TEST000001") == GATE_VERDICT_ADMITTED)
    g_atomic_int_inc (racer->admitted);
  return NULL;
}

static void
test_admit_concurrent_threads_admit_once (Fixture       *fixture,
                                          gconstpointer  data)
{
  GThread *threads[16];
  Racer racer = { fixture->cache, NULL };
  gint admitted = 0;

  racer.admitted = &admitted;
  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("racer", race, &racer);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (admitted, ==, 1);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 1);
}

static void
test_admit_two_processes_admit_once (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autofree char *helper = helper_path ();
  GSubprocess *children[6];
  guint admitted = 0;

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *device = g_strdup_printf ("gate-%u", i);

      children[i] = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, helper, fixture->path, EVENT,
                                      "GS1-TEST000001", device, NULL);
      g_assert_no_error (error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      g_autofree char *out = NULL;

      g_assert_true (g_subprocess_communicate_utf8 (children[i], NULL, NULL, &out, NULL, NULL));
      g_assert_true (g_subprocess_get_successful (children[i]));
      if (g_str_has_prefix (out, "admitted "))
        admitted++;
      else
        g_assert_true (g_str_has_prefix (out, "already_scanned "));
      g_object_unref (children[i]);
    }

  g_assert_cmpuint (admitted, ==, 1);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 1);
}

static void
test_admit_survives_kill_9 (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *helper = helper_path ();

  load_tickets (fixture->cache, 1, 20, "valid", NULL);
  g_clear_object (&fixture->cache);

  for (guint i = 1; i <= 20; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *token = g_strdup_printf ("GS1-TEST%06u", i);
      g_autoptr(GSubprocess) child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, helper,
                                                       fixture->path, EVENT, token, "gate-1", "--hold", NULL);
      g_autoptr(GDataInputStream) lines = NULL;
      g_autofree char *line = NULL;

      g_assert_no_error (error);
      lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
      line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (line, "admitted "));

      /* The verdict was shown; the power goes. */
      g_subprocess_send_signal (child, SIGKILL);
      g_subprocess_wait (child, NULL, NULL);
    }

  fixture->cache = gate_ticket_cache_new (fixture->path, NULL);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 20);
}

static void
test_admit_disk_full_is_error_and_loses_nothing (void)
{
  g_autofree char *helper = helper_path ();
  g_autofree char *unshare = g_find_program_in_path ("unshare");
  g_autofree char *dir = g_dir_make_tmp ("gate-full-XXXXXX", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache.db", NULL);
  g_autofree char *script = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  guint loaded = 0, admitted = 0;
  gint64 pending = -1;
  int code = -2;
  char failed[32] = "";
  int status;

  if (unshare == NULL)
    {
      g_test_skip ("unshare is not installed");
      g_rmdir (dir);
      return;
    }

  /* A real 512 KiB filesystem in a private mount namespace: the kernel,
   * not a mock, says ENOSPC. */
  script = g_strdup_printf ("mount -t tmpfs -o size=512k tmpfs '%s' && exec '%s' --fill '%s'", dir, helper, cache);
  {
    const char *argv[] = { unshare, "-rm", "sh", "-c", script, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, &err, &status, &error));
  }
  g_rmdir (dir);

  if (!g_spawn_check_wait_status (status, NULL) && strstr (err, "mount") != NULL)
    {
      g_test_skip ("no private tmpfs mounts on this machine");
      return;
    }

  g_test_message ("%s", out);
  g_assert_cmpint (sscanf (out, "loaded=%u admitted=%u error=%d pending=%" G_GINT64_FORMAT " failed=%31s", &loaded,
                           &admitted, &code, &pending, failed), ==, 5);
  g_assert_cmpuint (loaded, >, 0);
  g_assert_cmpuint (admitted, <, loaded);           /* the disk did fill up */
  g_assert_cmpint (code, ==, GATE_ERROR_DISK_FULL);  /* a clear error, no verdict */
  g_assert_cmpint (pending, ==, admitted);           /* every shown admit still queued */
  g_assert_cmpstr (failed, ==, "valid,clean");       /* the refused one left no trace */
}

static void
test_admit_kill_9_mid_stream_loses_no_shown_admit (Fixture       *fixture,
                                                   gconstpointer  data)
{
  g_autofree char *helper = helper_path ();
  g_autoptr(GPtrArray) shown = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new ();
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GHashTable) queued = g_hash_table_new (g_str_hash, g_str_equal);

  load_tickets (fixture->cache, 1, 200, "valid", NULL);
  g_clear_object (&fixture->cache);

  /* Each round kills the gate after an arbitrary number of shown admits,
   * most likely in the middle of the next one. */
  for (guint round = 0; round < 5; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *first = g_strdup_printf ("%u", round * 40 + 1);
      g_autoptr(GSubprocess) child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, helper, "--stream",
                                                       fixture->path, EVENT, "GS1-TEST", first, "39", NULL);
      g_autoptr(GDataInputStream) lines = NULL;
      guint wanted = g_rand_int_range (rand, 1, 30);

      g_assert_no_error (error);
      lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
      for (guint i = 0; i < wanted; i++)
        {
          g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

          g_assert_no_error (error);
          g_assert_nonnull (line);
          g_assert_true (g_str_has_prefix (line, "admitted "));
          g_ptr_array_add (shown, g_strdup (line + strlen ("admitted ")));
        }
      g_subprocess_send_signal (child, SIGKILL);
      g_subprocess_wait (child, NULL, NULL);
    }

  fixture->cache = gate_ticket_cache_new (fixture->path, NULL);
  pending = gate_ticket_cache_pending_scans (fixture->cache, 500, NULL);
  for (guint i = 0; i < pending->len; i++)
    g_hash_table_add (queued, ((GateQueuedScan *) pending->pdata[i])->client_scan_id);
  for (guint i = 0; i < shown->len; i++)
    g_assert_true (g_hash_table_contains (queued, shown->pdata[i]));
}

/* --- refresh ------------------------------------------------------------------------- */

static void
test_refresh_keeps_pending_local_scan (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(GateTicket) ticket = NULL;
  gboolean pending = FALSE;

  load_tickets (fixture->cache, 1, 1, "valid", "c1");
  g_assert_cmpint (admit (fixture->cache, "GS1-TEST000001"), ==, GATE_VERDICT_ADMITTED);

  /* The server has not seen the scan yet and still says "valid". */
  load_tickets (fixture->cache, 1, 1, "valid", "c2");

  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000001", &pending, NULL);
  g_assert_cmpint (ticket->status, ==, GATE_TICKET_STATUS_SCANNED);
  g_assert_true (pending);
  g_assert_cmpint (admit (fixture->cache, "GS1-TEST000001"), ==, GATE_VERDICT_ALREADY_SCANNED);
}

static void
test_refresh_cursor_saved_with_page (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autofree char *cursor = NULL;
  g_autoptr(GateTicketCache) again = NULL;

  load_tickets (fixture->cache, 1, 5, "valid", "page-1");
  load_tickets (fixture->cache, 6, 5, "valid", "page-2");
  g_clear_object (&fixture->cache);

  again = gate_ticket_cache_new (fixture->path, NULL);
  cursor = gate_ticket_cache_dup_cursor (again, EVENT);
  g_assert_cmpstr (cursor, ==, "page-2");
}

static void
test_refresh_takes_server_state (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GateTicket) ticket = NULL;

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  load_tickets (fixture->cache, 1, 1, "void", NULL);
  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000001", NULL, NULL);
  g_assert_cmpint (ticket->status, ==, GATE_TICKET_STATUS_VOID);
}

static void
test_refresh_stale_page_keeps_online_verdict (Fixture       *fixture,
                                              gconstpointer  data)
{
  g_autoptr(GateTicketPage) stale = gate_ticket_page_new ();
  g_autoptr(GateScanDecision) answer = gate_scan_decision_new (GATE_VERDICT_ADMITTED, GATE_SCAN_MODE_ONLINE);
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GError) error = NULL;
  GateTicket *old;

  /* A page read from the server just before the ticket was scanned online … */
  old = make_ticket (1, EVENT, "valid");
  old->updated_at_us = g_get_real_time () - G_USEC_PER_SEC;
  g_ptr_array_add (stale->tickets, old);
  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  answer->code = g_strdup ("GS1-TEST000001");
  answer->client_scan_id = g_uuid_string_random ();
  answer->scanned_at_us = g_get_real_time ();
  answer->scanned_device = g_strdup ("gate-1");
  answer->server_time_us = answer->scanned_at_us;
  g_assert_true (gate_ticket_cache_record_online (fixture->cache, answer, &error));

  /* … arrives after the online admit and must not make it valid again. */
  g_assert_true (gate_ticket_cache_apply_page (fixture->cache, EVENT, stale, &error));
  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000001", NULL, &error);
  g_assert_cmpint (ticket->status, ==, GATE_TICKET_STATUS_SCANNED);
  g_assert_cmpint (admit (fixture->cache, "GS1-TEST000001"), ==, GATE_VERDICT_ALREADY_SCANNED);
}

static void
test_refresh_rekeys_reissued_code (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GError) error = NULL;
  gboolean pending = FALSE;
  GateTicket *reissued;

  load_tickets (fixture->cache, 1, 1, "valid", "c1");
  g_assert_cmpint (admit (fixture->cache, "GS1-TEST000001"), ==, GATE_VERDICT_ADMITTED);

  /* The back office deleted the ticket and issued the same code anew. */
  reissued = make_ticket (1, EVENT, "valid");
  g_free (reissued->id);
  reissued->id = g_strdup ("00000000-0000-4000-8000-00000000beef");
  g_ptr_array_add (page->tickets, reissued);
  page->next_cursor = g_strdup ("c2");
  g_assert_true (gate_ticket_cache_apply_page (fixture->cache, EVENT, page, &error));
  g_assert_no_error (error);

  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000001", &pending, &error);
  g_assert_cmpstr (ticket->id, ==, reissued->id);
  g_assert_cmpint (ticket->status, ==, GATE_TICKET_STATUS_SCANNED);   /* our admit still stands */
  g_assert_true (pending);
}

static void
test_refresh_full_resync_upserts_in_place (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autoptr(GateCacheStatus) before = NULL;
  g_autoptr(GateCacheStatus) after = NULL;
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  gboolean pending = FALSE;

  load_tickets (fixture->cache, 1, 3, "valid", "c1");
  load_tickets (fixture->cache, 4, 3, "valid", "c2");
  g_assert_cmpint (admit (fixture->cache, "GS1-TEST000002"), ==, GATE_VERDICT_ADMITTED);
  before = gate_ticket_cache_get_status (fixture->cache, EVENT, &error);

  g_assert_true (gate_ticket_cache_reset_cursor (fixture->cache, EVENT, &error));
  cursor = gate_ticket_cache_dup_cursor (fixture->cache, EVENT);
  g_assert_null (cursor);

  /* Until the download is back, every ticket is still there to decide on. */
  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000006", NULL, &error);
  g_assert_nonnull (ticket);
  g_clear_pointer (&ticket, gate_ticket_free);

  load_tickets (fixture->cache, 1, 3, "valid", "c1");
  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000002", &pending, &error);
  g_assert_cmpint (ticket->status, ==, GATE_TICKET_STATUS_SCANNED);
  g_assert_true (pending);

  after = gate_ticket_cache_get_status (fixture->cache, EVENT, &error);
  g_assert_cmpint (after->tickets_cached, ==, 6);
  g_assert_cmpint (after->last_full_refresh_at_us, >, before->last_full_refresh_at_us);
}

static void
test_refresh_bad_page_changes_nothing (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  GateTicket *broken;

  load_tickets (fixture->cache, 1, 1, "valid", "c1");
  g_ptr_array_add (page->tickets, make_ticket (1, EVENT, "void"));
  broken = make_ticket (2, EVENT, "valid");
  g_clear_pointer (&broken->id, g_free);
  g_ptr_array_add (page->tickets, broken);
  page->next_cursor = g_strdup ("c2");

  g_assert_false (gate_ticket_cache_apply_page (fixture->cache, EVENT, page, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);

  /* Not even the good first row of the page, and the cursor stays put. */
  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000001", NULL, NULL);
  g_assert_cmpint (ticket->status, ==, GATE_TICKET_STATUS_VALID);
  cursor = gate_ticket_cache_dup_cursor (fixture->cache, EVENT);
  g_assert_cmpstr (cursor, ==, "c1");
}

/* --- uploads ---------------------------------------------------------------------------- */

static void
test_upload_leaves_queue_only_when_answered (Fixture       *fixture,
                                             gconstpointer  data)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_upload_result_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicket) ticket = NULL;
  gboolean local = TRUE;

  load_tickets (fixture->cache, 1, 3, "valid", NULL);
  admit (fixture->cache, "GS1-TEST000001");
  admit (fixture->cache, "GS1-TEST000002");
  admit (fixture->cache, "GS1-TEST000003");

  pending = gate_ticket_cache_pending_scans (fixture->cache, 500, &error);
  g_assert_cmpuint (pending->len, ==, 3);

  /* The server answered for one of them only. */
  g_ptr_array_add (results, result_for (((GateQueuedScan *) pending->pdata[0])->client_scan_id,
                                        GATE_UPLOAD_APPLIED, "gate-1"));
  g_assert_true (gate_ticket_cache_apply_upload_results (fixture->cache, results, &error));
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 2);

  ticket = gate_ticket_cache_lookup (fixture->cache, ((GateQueuedScan *) pending->pdata[0])->qr_token, &local, NULL);
  g_assert_cmpint (ticket->status, ==, GATE_TICKET_STATUS_SCANNED);
  g_assert_false (local);
}

static void
test_upload_failure_keeps_scan (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GError) error = NULL;

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  admit (fixture->cache, "GS1-TEST000001");
  pending = gate_ticket_cache_pending_scans (fixture->cache, 500, &error);
  g_ptr_array_add (ids, ((GateQueuedScan *) pending->pdata[0])->client_scan_id);

  for (guint i = 0; i < 5; i++)
    g_assert_true (gate_ticket_cache_record_upload_failure (fixture->cache, ids, "server unreachable", &error));

  again = gate_ticket_cache_pending_scans (fixture->cache, 500, &error);
  g_assert_cmpuint (again->len, ==, 1);
  g_assert_cmpuint (((GateQueuedScan *) again->pdata[0])->attempts, ==, 5);
  g_assert_cmpstr (((GateQueuedScan *) again->pdata[0])->last_error, ==, "server unreachable");
}

static void
test_upload_lost_conflict_recorded (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_upload_result_free);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GError) error = NULL;
  GateConflict *conflict;

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  admit (fixture->cache, "GS1-TEST000001");
  pending = gate_ticket_cache_pending_scans (fixture->cache, 500, &error);
  g_ptr_array_add (results, result_for (((GateQueuedScan *) pending->pdata[0])->client_scan_id,
                                        GATE_UPLOAD_LOST_CONFLICT, "south-2"));
  g_assert_true (gate_ticket_cache_apply_upload_results (fixture->cache, results, &error));

  conflicts = gate_ticket_cache_list_conflicts (fixture->cache, EVENT, FALSE, &error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  conflict = conflicts->pdata[0];
  g_assert_cmpstr (conflict->winner_device, ==, "south-2");
  g_assert_cmpstr (conflict->loser_device, ==, "gate-1");
  g_assert_cmpstr (conflict->guest_name, ==, "Guest 1");

  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000001", NULL, NULL);
  g_assert_cmpstr (ticket->scanned_device, ==, "south-2");
}

/* --- retention ------------------------------------------------------------------------- */

static void
test_retention_purges_after_24h (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicket) ticket = NULL;
  gint64 tomorrow = g_get_real_time () + 25 * G_TIME_SPAN_HOUR;

  load_tickets (fixture->cache, 1, 2, "valid", "c1");
  g_assert_true (gate_ticket_cache_purge (fixture->cache, g_get_real_time (), &error));
  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000001", NULL, NULL);
  g_assert_nonnull (ticket);
  g_clear_pointer (&ticket, gate_ticket_free);

  g_assert_true (gate_ticket_cache_purge (fixture->cache, tomorrow, &error));
  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000001", NULL, NULL);
  g_assert_null (ticket);
}

static void
test_retention_keeps_pii_while_scans_pending (Fixture       *fixture,
                                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicket) ticket = NULL;
  gint64 tomorrow = g_get_real_time () + 25 * G_TIME_SPAN_HOUR;

  load_tickets (fixture->cache, 1, 2, "valid", "c1");
  admit (fixture->cache, "GS1-TEST000001");
  g_assert_true (gate_ticket_cache_purge (fixture->cache, tomorrow, &error));

  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000002", NULL, NULL);
  g_assert_nonnull (ticket);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 1);
}

/* --- signals and search ------------------------------------------------------------------ */

typedef struct
{
  GThread *thread;
  gboolean fired;
} Observed;

static void
on_ticket_changed (GateTicketCache *cache,
                   GateTicket      *ticket,
                   Observed        *observed)
{
  observed->thread = g_thread_self ();
  observed->fired = TRUE;
}

static gpointer
admit_in_thread (gpointer user_data)
{
  admit (user_data, "GS1-TEST000001");
  return NULL;
}

static void
test_signals_emitted_on_owner_context (Fixture       *fixture,
                                       gconstpointer  data)
{
  Observed observed = { 0 };
  GThread *worker;

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  g_signal_connect (fixture->cache, "ticket-changed", G_CALLBACK (on_ticket_changed), &observed);

  worker = g_thread_new ("worker", admit_in_thread, fixture->cache);
  g_thread_join (worker);
  g_assert_false (observed.fired);

  g_assert_true (gate_test_wait_for_flag (NULL, &observed.fired, 5000));
  g_assert_true (observed.thread == g_thread_self ());
}

static void
test_search_by_name_and_code (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GPtrArray) by_name = NULL;
  g_autoptr(GPtrArray) by_code = NULL;
  g_autoptr(GPtrArray) too_short = NULL;
  g_autoptr(GPtrArray) wildcard = NULL;

  load_tickets (fixture->cache, 1, 30, "valid", NULL);
  by_name = gate_ticket_cache_search (fixture->cache, EVENT, "Guest 2", 50, NULL);
  by_code = gate_ticket_cache_search (fixture->cache, EVENT, "TEST000017", 50, NULL);
  too_short = gate_ticket_cache_search (fixture->cache, EVENT, "Gu", 50, NULL);
  wildcard = gate_ticket_cache_search (fixture->cache, EVENT, "%%%", 50, NULL);

  g_assert_cmpuint (by_name->len, ==, 11);   /* Guest 2, Guest 20 … Guest 29 */
  g_assert_cmpuint (by_code->len, ==, 1);
  g_assert_cmpuint (too_short->len, ==, 0);
  g_assert_cmpuint (wildcard->len, ==, 0);
}

static void
test_upload_refused_outcomes_leave_queue_and_are_kept (Fixture       *fixture,
                                                       gconstpointer  data)
{
  const GateUploadOutcome outcomes[] = { GATE_UPLOAD_NOT_FOUND, GATE_UPLOAD_VOID, GATE_UPLOAD_REJECTED };
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GateTicket) voided = NULL;

  load_tickets (fixture->cache, 1, 3, "valid", NULL);
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *token = g_strdup_printf ("GS1-TEST%06u", i);

      admit (fixture->cache, token);
    }
  pending = gate_ticket_cache_pending_scans (fixture->cache, 500, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    answer_upload (fixture->cache, ((GateQueuedScan *) pending->pdata[i])->client_scan_id, outcomes[i], NULL);

  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 0);
  /* The supervisor can still see what the server refused, and why. */
  g_assert_cmpint (query_int (fixture->path, "SELECT count(*) FROM scan_queue WHERE state = 'answered' AND "
                                             "outcome IN ('not_found', 'void', 'rejected')"), ==, 3);
  voided = gate_ticket_cache_lookup (fixture->cache, ((GateQueuedScan *) pending->pdata[1])->qr_token, NULL, NULL);
  g_assert_cmpint (voided->status, ==, GATE_TICKET_STATUS_VOID);
}

static void
test_upload_repeated_answer_changes_nothing (Fixture       *fixture,
                                             gconstpointer  data)
{
  g_autoptr(GateQueuedScan) scan = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  admit (fixture->cache, "GS1-TEST000001");
  scan = first_pending (fixture->cache);

  /* The same answer twice (a retried batch): one conflict, not two. */
  answer_upload (fixture->cache, scan->client_scan_id, GATE_UPLOAD_LOST_CONFLICT, "south-2");
  answer_upload (fixture->cache, scan->client_scan_id, GATE_UPLOAD_LOST_CONFLICT, "south-2");

  conflicts = gate_ticket_cache_list_conflicts (fixture->cache, EVENT, TRUE, NULL);
  g_assert_cmpuint (conflicts->len, ==, 1);
}

static void
test_upload_pending_oldest_first (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GPtrArray) pending = NULL;
  gint64 now = g_get_real_time ();

  load_tickets (fixture->cache, 1, 3, "valid", NULL);
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *token = g_strdup_printf ("GS1-TEST%06u", i);
      g_autoptr(GateQueuedScan) scan = make_scan (token, "gate-1");
      g_autoptr(GateScanDecision) decision = NULL;

      /* Scanned in the order 3, 2, 1. */
      scan->scanned_at_us = now - i * G_USEC_PER_SEC;
      decision = gate_ticket_cache_admit_offline (fixture->cache, scan, NULL);
      g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_ADMITTED);
    }

  pending = gate_ticket_cache_pending_scans (fixture->cache, 2, NULL);
  g_assert_cmpuint (pending->len, ==, 2);
  g_assert_cmpstr (((GateQueuedScan *) pending->pdata[0])->qr_token, ==, "GS1-TEST000003");
  g_assert_cmpstr (((GateQueuedScan *) pending->pdata[1])->qr_token, ==, "GS1-TEST000002");
}

/* --- conflicts ------------------------------------------------------------------------- */

static void
test_conflicts_server_row_replaces_local_note (Fixture       *fixture,
                                               gconstpointer  data)
{
  g_autoptr(GateQueuedScan) scan = NULL;
  g_autoptr(GPtrArray) remote = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *winner_scan = g_uuid_string_random ();

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  admit (fixture->cache, "GS1-TEST000001");
  scan = first_pending (fixture->cache);
  answer_upload (fixture->cache, scan->client_scan_id, GATE_UPLOAD_LOST_CONFLICT, "south-2");

  g_ptr_array_add (remote, server_conflict (41, winner_scan, scan->client_scan_id));
  g_assert_true (gate_ticket_cache_store_conflicts (fixture->cache, remote, &error));

  conflicts = gate_ticket_cache_list_conflicts (fixture->cache, EVENT, TRUE, &error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  g_assert_cmpint (((GateConflict *) conflicts->pdata[0])->id, ==, 41);
  g_assert_cmpstr (((GateConflict *) conflicts->pdata[0])->winner_scan_id, ==, winner_scan);
}

static void
test_conflicts_reviewed_leave_open_list (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(GPtrArray) remote = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  GateConflict *reviewed;

  g_ptr_array_add (remote, server_conflict (7, "a", "b"));
  g_ptr_array_add (remote, server_conflict (8, "c", "d"));
  g_assert_true (gate_ticket_cache_store_conflicts (fixture->cache, remote, &error));

  g_assert_true (gate_ticket_cache_mark_conflict_reviewed (fixture->cache, 7, "supervisor", "same family", 0,
                                                           &error));
  g_assert_false (gate_ticket_cache_mark_conflict_reviewed (fixture->cache, 99, "supervisor", NULL, 0, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND);

  open = gate_ticket_cache_list_conflicts (fixture->cache, EVENT, FALSE, NULL);
  all = gate_ticket_cache_list_conflicts (fixture->cache, EVENT, TRUE, NULL);
  g_assert_cmpuint (open->len, ==, 1);
  g_assert_cmpint (((GateConflict *) open->pdata[0])->id, ==, 8);
  g_assert_cmpuint (all->len, ==, 2);
  reviewed = ((GateConflict *) all->pdata[0])->id == 7 ? all->pdata[0] : all->pdata[1];
  g_assert_cmpstr (reviewed->review_note, ==, "same family");
  g_assert_cmpint (reviewed->reviewed_at_us, >, 0);
}

/* --- retention (continued) ------------------------------------------------------------- */

static void
test_retention_purges_answered_scans_after_24h (Fixture       *fixture,
                                                gconstpointer  data)
{
  g_autoptr(GateQueuedScan) scan = NULL;
  g_autoptr(GError) error = NULL;

  load_tickets (fixture->cache, 1, 2, "valid", NULL);
  admit (fixture->cache, "GS1-TEST000001");
  admit (fixture->cache, "GS1-TEST000002");
  scan = first_pending (fixture->cache);
  answer_upload (fixture->cache, scan->client_scan_id, GATE_UPLOAD_APPLIED, NULL);

  g_assert_true (gate_ticket_cache_purge (fixture->cache, g_get_real_time () + 23 * G_TIME_SPAN_HOUR, &error));
  g_assert_cmpint (query_int (fixture->path, "SELECT count(*) FROM scan_queue"), ==, 2);

  g_assert_true (gate_ticket_cache_purge (fixture->cache, g_get_real_time () + 25 * G_TIME_SPAN_HOUR, &error));
  g_assert_cmpint (query_int (fixture->path, "SELECT count(*) FROM scan_queue"), ==, 1);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 1);   /* never the unanswered one */
}

static void
test_retention_keeps_conflicts_until_reviewed (Fixture       *fixture,
                                               gconstpointer  data)
{
  g_autoptr(GPtrArray) remote = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);
  g_autoptr(GPtrArray) left = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time ();

  g_ptr_array_add (remote, server_conflict (1, "a", "b"));
  g_ptr_array_add (remote, server_conflict (2, "c", "d"));
  g_assert_true (gate_ticket_cache_store_conflicts (fixture->cache, remote, &error));
  g_assert_true (gate_ticket_cache_mark_conflict_reviewed (fixture->cache, 2, "supervisor", NULL, now, &error));

  /* A week later: the reviewed one is gone, the open one still waits. */
  g_assert_true (gate_ticket_cache_purge (fixture->cache, now + 7 * G_TIME_SPAN_DAY, &error));
  left = gate_ticket_cache_list_conflicts (fixture->cache, NULL, TRUE, &error);
  g_assert_cmpuint (left->len, ==, 1);
  g_assert_cmpint (((GateConflict *) left->pdata[0])->id, ==, 1);
}

/* --- status and arrivals ----------------------------------------------------------------- */

static void
test_status_counts_for_the_panel (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GateEventSummary) summary = gate_event_summary_new ();
  g_autoptr(GateEventSummary) stored = NULL;
  g_autoptr(GateCacheStatus) status = NULL;
  g_autoptr(GateQueuedScan) scan = NULL;
  g_autoptr(GError) error = NULL;

  summary->event_id = g_strdup (EVENT);
  summary->name = g_strdup ("Summer Festival");
  summary->starts_at_us = (gint64) 1750000000 * G_USEC_PER_SEC;
  summary->ticket_count = 5;
  g_assert_true (gate_ticket_cache_set_event (fixture->cache, summary, &error));
  load_tickets (fixture->cache, 1, 5, "valid", NULL);
  admit (fixture->cache, "GS1-TEST000001");
  admit (fixture->cache, "GS1-TEST000002");
  scan = first_pending (fixture->cache);
  answer_upload (fixture->cache, scan->client_scan_id, GATE_UPLOAD_APPLIED, NULL);
  g_assert_true (gate_ticket_cache_set_clock_offset (fixture->cache, -1500, &error));

  status = gate_ticket_cache_get_status (fixture->cache, EVENT, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (status->event_name, ==, "Summer Festival");
  g_assert_cmpint (status->event_starts_at_us, ==, summary->starts_at_us);
  g_assert_cmpint (status->tickets_cached, ==, 5);
  g_assert_cmpint (status->checked_in, ==, 2);
  g_assert_cmpint (status->pending_uploads, ==, 1);
  g_assert_cmpint (status->last_refresh_at_us, >, 0);
  g_assert_cmpint (status->last_upload_at_us, >=, status->last_refresh_at_us);
  g_assert_cmpint (status->clock_offset_ms, ==, -1500);

  stored = gate_ticket_cache_get_event (fixture->cache, EVENT, &error);
  g_assert_cmpint (stored->ticket_count, ==, 5);
}

typedef struct
{
  GateCacheStatus *status;
  GPtrArray       *found;
  GPtrArray       *conflicts;
  GArray          *arrivals;
  guint            done;
} Answers;

static void
on_status (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Answers *answers = user_data;
  g_autoptr(GError) error = NULL;

  answers->status = gate_ticket_cache_get_status_finish (GATE_TICKET_CACHE (source), result, &error);
  g_assert_no_error (error);
  answers->done++;
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Answers *answers = user_data;
  g_autoptr(GError) error = NULL;

  answers->found = gate_ticket_cache_search_finish (GATE_TICKET_CACHE (source), result, &error);
  g_assert_no_error (error);
  answers->done++;
}

static void
on_conflicts (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Answers *answers = user_data;
  g_autoptr(GError) error = NULL;

  answers->conflicts = gate_ticket_cache_list_conflicts_finish (GATE_TICKET_CACHE (source), result, &error);
  g_assert_no_error (error);
  answers->done++;
}

static void
on_arrivals (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Answers *answers = user_data;
  g_autoptr(GError) error = NULL;

  answers->arrivals = gate_ticket_cache_arrivals_finish (GATE_TICKET_CACHE (source), result, &error);
  g_assert_no_error (error);
  answers->done++;
}

static gboolean
all_four_done (gpointer user_data)
{
  return ((Answers *) user_data)->done == 4;
}

/* The counts the status reads (kept by triggers) and those of the rows. */
static void
assert_counts_true (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateCacheStatus) status = gate_ticket_cache_get_status (fixture->cache, EVENT, &error);

  g_assert_no_error (error);
  g_assert_cmpint (status->tickets_cached, ==, query_int (fixture->path, "SELECT count(*) FROM tickets"));
  g_assert_cmpint (status->checked_in, ==,
                   query_int (fixture->path, "SELECT count(*) FROM tickets WHERE status = 'scanned'"));
}

static void
test_status_counts_follow_every_change (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
  g_autoptr(GateQueuedScan) queued = NULL;
  g_autoptr(GError) error = NULL;
  GateTicket *reissued;

  load_tickets (fixture->cache, 1, 20, "valid", "c1");
  load_tickets (fixture->cache, 21, 5, "scanned", "c2");
  assert_counts_true (fixture);

  /* An offline admit, and the server's answer that voids it. */
  g_assert_cmpint (admit (fixture->cache, "GS1-TEST000001"), ==, GATE_VERDICT_ADMITTED);
  g_assert_cmpint (admit (fixture->cache, "GS1-TEST000002"), ==, GATE_VERDICT_ADMITTED);
  assert_counts_true (fixture);
  queued = first_pending (fixture->cache);
  answer_upload (fixture->cache, queued->client_scan_id, GATE_UPLOAD_VOID, NULL);
  assert_counts_true (fixture);

  /* The server takes scans back, and re-issues a scanned code under a new
   * id (the old row is replaced, and counted out). */
  load_tickets (fixture->cache, 21, 2, "valid", "c3");
  assert_counts_true (fixture);
  reissued = make_ticket (23, EVENT, "valid");
  g_free (reissued->id);
  reissued->id = g_strdup ("00000000-0000-4000-8000-00000000beef");
  g_ptr_array_add (page->tickets, reissued);
  g_ptr_array_add (page->tickets, make_ticket (24, EVENT, "valid"));
  page->next_cursor = g_strdup ("c4");
  g_assert_true (gate_ticket_cache_apply_page (fixture->cache, EVENT, page, &error));
  g_assert_no_error (error);
  assert_counts_true (fixture);

  /* Retention, then a wipe. */
  g_assert_true (gate_ticket_cache_purge (fixture->cache, g_get_real_time () + 2 * GATE_CACHE_RETENTION_US,
                                          &error));
  g_assert_no_error (error);
  assert_counts_true (fixture);
  g_assert_true (gate_ticket_cache_wipe (fixture->cache, &error));
  assert_counts_true (fixture);
  load_tickets (fixture->cache, 100, 3, "scanned", "c5");
  assert_counts_true (fixture);
}

/* The virtual machine steps of every statement the cache runs: its work,
 * counted rather than timed. */
static int
count_steps (unsigned int  type,
             void         *user_data,
             void         *p,
             void         *x)
{
  *(gint64 *) user_data += sqlite3_stmt_status (p, SQLITE_STMTSTATUS_VM_STEP, TRUE);
  return 0;
}

/* What a refresh with nothing new does to the cache: an empty page with
 * the same cursor, the same summary, the conflicts (none), retention with
 * nothing to purge, and the status read that follows. */
static gint64
steps_of_nothing_new (Fixture *fixture)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
  g_autoptr(GateEventSummary) summary = gate_event_summary_new ();
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new ();
  g_autoptr(GateCacheStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  gint64 steps = 0;

  summary->event_id = g_strdup (EVENT);
  summary->name = g_strdup ("Night");
  page->next_cursor = g_strdup ("same|||");
  /* Once untraced, so that what was never done before is not counted. */
  for (guint round = 0; round < 2; round++)
    {
      if (round == 1)
        {
          /* Counters add up from the statement's earlier runs. */
          for (sqlite3_stmt *stmt = sqlite3_next_stmt (fixture->cache->db, NULL); stmt != NULL;
               stmt = sqlite3_next_stmt (fixture->cache->db, stmt))
            sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_VM_STEP, TRUE);
          sqlite3_trace_v2 (fixture->cache->db, SQLITE_TRACE_PROFILE, count_steps, &steps);
        }
      g_assert_true (gate_ticket_cache_apply_page (fixture->cache, EVENT, page, &error));
      g_assert_true (gate_ticket_cache_set_event (fixture->cache, summary, &error));
      g_assert_true (gate_ticket_cache_store_conflicts (fixture->cache, conflicts, &error));
      g_assert_true (gate_ticket_cache_purge (fixture->cache, g_get_real_time (), &error));
      g_clear_pointer (&status, gate_cache_status_free);
      status = gate_ticket_cache_get_status (fixture->cache, EVENT, &error);
      g_assert_no_error (error);
    }
  sqlite3_trace_v2 (fixture->cache->db, 0, NULL, NULL);
  return steps;
}

static void
test_refresh_nothing_new_costs_the_same_at_any_size (Fixture       *fixture,
                                                     gconstpointer  data)
{
  gint64 small;
  gint64 large;

  load_tickets (fixture->cache, 1, 100, "valid", "c1");
  load_tickets (fixture->cache, 101, 10, "scanned", "c2");
  small = steps_of_nothing_new (fixture);

  for (guint first = 1000; first < 6000; first += 1000)
    load_tickets (fixture->cache, first, 1000, first % 2000 ? "valid" : "scanned", "c3");
  large = steps_of_nothing_new (fixture);

  g_test_message ("nothing new: %" G_GINT64_FORMAT " steps at 110 tickets, %" G_GINT64_FORMAT " at 5,110",
                  small, large);
  g_assert_cmpint (small, >, 0);
  g_assert_cmpint (large, ==, small);
}

static void
test_status_async_queries_answer_on_main_loop (Fixture       *fixture,
                                               gconstpointer  data)
{
  Answers answers = { 0 };

  load_tickets (fixture->cache, 1, 12, "valid", NULL);
  admit (fixture->cache, "GS1-TEST000011");

  gate_ticket_cache_get_status_async (fixture->cache, EVENT, NULL, on_status, &answers);
  gate_ticket_cache_search_async (fixture->cache, EVENT, "Guest 1", 50, NULL, on_found, &answers);
  gate_ticket_cache_list_conflicts_async (fixture->cache, EVENT, TRUE, NULL, on_conflicts, &answers);
  gate_ticket_cache_arrivals_async (fixture->cache, EVENT, 5, 0, NULL, on_arrivals, &answers);
  g_assert_true (gate_test_wait_until (NULL, all_four_done, &answers, 10000));

  g_assert_cmpint (answers.status->checked_in, ==, 1);
  g_assert_cmpuint (answers.found->len, ==, 4);   /* Guest 1, 10, 11, 12 */
  g_assert_cmpuint (answers.conflicts->len, ==, 0);
  g_assert_cmpuint (answers.arrivals->len, ==, 1);

  gate_cache_status_free (answers.status);
  g_ptr_array_unref (answers.found);
  g_ptr_array_unref (answers.conflicts);
  g_array_unref (answers.arrivals);
}

static void
test_arrivals_buckets_with_gaps (Fixture       *fixture,
                                 gconstpointer  data)
{
  /* 10:00–10:15 in 15-minute buckets: 2 at 10:01 and 10:14, none from 10:15,
   * 1 at 10:31. */
  gint64 ten = (gint64) 1750000000 / 900 * 900 * G_USEC_PER_SEC;
  const gint64 times[] = { ten + G_TIME_SPAN_MINUTE, ten + 14 * G_TIME_SPAN_MINUTE, ten + 31 * G_TIME_SPAN_MINUTE };
  g_autoptr(GArray) buckets = NULL;
  g_autoptr(GArray) later = NULL;
  g_autoptr(GError) error = NULL;

  load_tickets (fixture->cache, 1, 4, "valid", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *token = g_strdup_printf ("GS1-TEST%06u", i + 1);
      g_autoptr(GateQueuedScan) scan = make_scan (token, "gate-1");
      g_autoptr(GateScanDecision) decision = NULL;

      scan->scanned_at_us = times[i];
      decision = gate_ticket_cache_admit_offline (fixture->cache, scan, &error);
      g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_ADMITTED);
    }

  buckets = gate_ticket_cache_arrivals (fixture->cache, EVENT, 15, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (buckets->len, ==, 3);
  g_assert_cmpint (g_array_index (buckets, GateArrivalBucket, 0).start_us, ==, ten);
  g_assert_cmpuint (g_array_index (buckets, GateArrivalBucket, 0).count, ==, 2);
  g_assert_cmpuint (g_array_index (buckets, GateArrivalBucket, 1).count, ==, 0);
  g_assert_cmpuint (g_array_index (buckets, GateArrivalBucket, 2).count, ==, 1);
  g_assert_cmpint (g_array_index (buckets, GateArrivalBucket, 2).start_us, ==, ten + 30 * G_TIME_SPAN_MINUTE);

  later = gate_ticket_cache_arrivals (fixture->cache, EVENT, 15, ten + 15 * G_TIME_SPAN_MINUTE, &error);
  g_assert_cmpuint (later->len, ==, 1);
}

/* --- signals (continued) --------------------------------------------------------------- */

static gpointer
churn_in_thread (gpointer user_data)
{
  GateTicketCache *cache = user_data;

  for (guint i = 2; i <= 11; i++)
    {
      g_autofree char *token = g_strdup_printf ("GS1-TEST%06u", i);

      admit (cache, token);
    }
  return NULL;
}

static void
on_status_changed (GateTicketCache *cache,
                   guint           *count)
{
  (*count)++;
}

static void
test_signals_status_changes_coalesce (Fixture       *fixture,
                                      gconstpointer  data)
{
  guint changes = 0;
  GThread *worker;

  load_tickets (fixture->cache, 1, 12, "valid", NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_signal_connect (fixture->cache, "status-changed", G_CALLBACK (on_status_changed), &changes);

  /* Ten admits from a worker before the main loop runs: one emission. */
  worker = g_thread_new ("worker", churn_in_thread, fixture->cache);
  g_thread_join (worker);
  g_assert_true (gate_test_wait_until (NULL, uint_is_positive, &changes, 5000));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (changes, ==, 1);
}

typedef struct
{
  GMainContext *context;
  gboolean      fired;
} Seen;

static void
on_ticket_changed_seen (GateTicketCache *cache,
                        GateTicket      *ticket,
                        Seen            *seen)
{
  seen->context = g_main_context_get_thread_default ();
  seen->fired = TRUE;
}

typedef struct
{
  GateTicketCache *cache;
  GError          *error;
  gboolean         done;
} Opened;

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Opened *opened = user_data;

  opened->cache = gate_ticket_cache_open_finish (result, &opened->error);
  opened->done = TRUE;
}

static void
test_signals_open_async_emits_on_callers_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autofree char *dir = g_dir_make_tmp ("gate-cache-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  Opened opened = { 0 };
  Seen seen = { 0 };
  GThread *worker;

  g_main_context_push_thread_default (context);
  gate_ticket_cache_open_async (path, NULL, on_opened, &opened);
  g_assert_true (gate_test_wait_for_flag (context, &opened.done, 10000));
  g_assert_no_error (opened.error);

  /* Opened on a worker thread and changed from another: the signal still
   * comes on the context that asked for the cache. */
  load_tickets (opened.cache, 1, 1, "valid", NULL);
  g_signal_connect (opened.cache, "ticket-changed", G_CALLBACK (on_ticket_changed_seen), &seen);
  worker = g_thread_new ("worker", admit_in_thread, opened.cache);
  g_thread_join (worker);
  g_assert_true (gate_test_wait_for_flag (context, &seen.fired, 5000));
  g_assert_true (seen.context == context);
  g_main_context_pop_thread_default (context);

  g_clear_object (&opened.cache);
  remove_dir (dir);
}

static void
test_signals_released_cache_emits_nothing (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autoptr(GateTicketCache) again = NULL;
  Seen seen = { 0 };

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  g_signal_connect (fixture->cache, "ticket-changed", G_CALLBACK (on_ticket_changed_seen), &seen);
  admit (fixture->cache, "GS1-TEST000001");

  /* Released with an emission still queued: the queued signal does not
   * keep the cache (and its open file) alive, and never fires. */
  g_clear_object (&fixture->cache);
  again = gate_ticket_cache_new (fixture->path, NULL);
  g_assert_cmpint (gate_ticket_cache_pending_count (again), ==, 1);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (seen.fired);
}

/* --- wipe and clock ---------------------------------------------------------------------- */

static void
test_wipe_forgets_attendees_keeps_pending_scans (Fixture       *fixture,
                                                 gconstpointer  data)
{
  g_autoptr(GPtrArray) remote = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autofree char *cursor = NULL;
  g_autoptr(GError) error = NULL;

  load_tickets (fixture->cache, 1, 2, "valid", "c1");
  admit (fixture->cache, "GS1-TEST000001");
  g_ptr_array_add (remote, server_conflict (3, "a", "b"));
  g_assert_true (gate_ticket_cache_store_conflicts (fixture->cache, remote, &error));
  g_assert_true (gate_ticket_cache_set_clock_offset (fixture->cache, 900, &error));

  g_assert_true (gate_ticket_cache_wipe (fixture->cache, &error));

  ticket = gate_ticket_cache_lookup (fixture->cache, "GS1-TEST000002", NULL, &error);
  g_assert_null (ticket);
  g_assert_no_error (error);
  /* The guest went in on that scan: the server must still hear of it. */
  pending = gate_ticket_cache_pending_scans (fixture->cache, 10, &error);
  g_assert_cmpuint (pending->len, ==, 1);
  g_assert_cmpstr (((GateQueuedScan *) pending->pdata[0])->qr_token, ==, "GS1-TEST000001");
  conflicts = gate_ticket_cache_list_conflicts (fixture->cache, NULL, TRUE, &error);
  g_assert_cmpuint (conflicts->len, ==, 0);
  cursor = gate_ticket_cache_dup_cursor (fixture->cache, EVENT);
  g_assert_null (cursor);
  g_assert_cmpint (gate_ticket_cache_get_clock_offset (fixture->cache), ==, 0);
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  gsize needle_length = strlen (needle);

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;

  /* Binary pages: NUL bytes do not end the search. */
  for (gsize i = 0; i + needle_length <= length; i++)
    if (memcmp (contents + i, needle, needle_length) == 0)
      return TRUE;
  return FALSE;
}

static void
test_wipe_leaves_no_attendee_on_disk (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  g_autoptr(GError) error = NULL;

  load_tickets (fixture->cache, 1, 50, "valid", "c1");
  g_assert_true (file_contains (fixture->path, "Guest 42") || file_contains (wal, "Guest 42"));

  /* A stolen kiosk's disk must not give the names back once it was told. */
  g_assert_true (gate_ticket_cache_wipe (fixture->cache, &error));
  g_assert_no_error (error);

  g_assert_false (file_contains (fixture->path, "Guest 42"));
  g_assert_false (file_contains (wal, "Guest 42"));
}

static void
test_clock_offset_survives_reopen (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(GateTicketCache) again = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_ticket_cache_set_clock_offset (fixture->cache, 4200, &error));
  g_assert_true (gate_ticket_cache_set_clock_offset (fixture->cache, 4210, &error));
  g_assert_cmpint (gate_ticket_cache_get_clock_offset (fixture->cache), ==, 4210);
  g_clear_object (&fixture->cache);

  /* Jitter below the threshold is not worth an fsync; the offset is. */
  again = gate_ticket_cache_new (fixture->path, &error);
  g_assert_cmpint (ABS (gate_ticket_cache_get_clock_offset (again) - 4210), <, 50);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cache/open/creates-file-0600", test_open_creates_file_0600);
  g_test_add_func ("/cache/open/creates-missing-folder-0700", test_open_creates_missing_folder_0700);
  g_test_add_func ("/cache/open/tightens-existing-mode", test_open_tightens_existing_mode);
  g_test_add_func ("/cache/open/tightens-wal-and-shm", test_open_tightens_wal_and_shm);
  ADD ("/cache/open/uses-wal", test_open_uses_wal_and_full_sync);
  ADD ("/cache/open/applies-schema-once", test_open_applies_schema_once);
  g_test_add_func ("/cache/open/upgrades-older-schema", test_open_upgrades_older_schema);
  g_test_add_func ("/cache/open/concurrent-processes-migrate-once", test_open_concurrent_processes_migrate_once);
  g_test_add_func ("/cache/open/compacts-schema-2", test_open_compacts_schema_2);
  ADD ("/cache/open/refuses-newer-schema", test_open_refuses_newer_schema);
  g_test_add_func ("/cache/open/refuses-foreign-file", test_open_refuses_foreign_file);
  ADD ("/cache/open/reopens-without-reapplying", test_open_reopens_without_reapplying);
  ADD ("/cache/admit/once-per-ticket", test_admit_once_per_ticket);
  ADD ("/cache/admit/idempotent-on-client-scan-id", test_admit_idempotent_on_client_scan_id);
  ADD ("/cache/admit/replays-online-admit", test_admit_replays_online_admit);
  ADD ("/cache/admit/already-scanned-names-device", test_admit_already_scanned_names_device);
  ADD ("/cache/admit/void", test_admit_void);
  ADD ("/cache/admit/not-found", test_admit_not_found);
  ADD ("/cache/admit/wrong-event", test_admit_wrong_event);
  ADD ("/cache/admit/concurrent-threads-admit-once", test_admit_concurrent_threads_admit_once);
  ADD ("/cache/admit/two-processes-admit-once", test_admit_two_processes_admit_once);
  ADD ("/cache/admit/survives-kill-9", test_admit_survives_kill_9);
  ADD ("/cache/admit/kill-9-mid-stream-loses-no-shown-admit", test_admit_kill_9_mid_stream_loses_no_shown_admit);
  g_test_add_func ("/cache/admit/disk-full-is-error-and-loses-nothing", test_admit_disk_full_is_error_and_loses_nothing);
  ADD ("/cache/refresh/keeps-pending-local-scan", test_refresh_keeps_pending_local_scan);
  ADD ("/cache/refresh/stale-page-keeps-online-verdict", test_refresh_stale_page_keeps_online_verdict);
  ADD ("/cache/refresh/cursor-saved-with-page", test_refresh_cursor_saved_with_page);
  ADD ("/cache/refresh/takes-server-state", test_refresh_takes_server_state);
  ADD ("/cache/refresh/rekeys-reissued-code", test_refresh_rekeys_reissued_code);
  ADD ("/cache/refresh/full-resync-upserts-in-place", test_refresh_full_resync_upserts_in_place);
  ADD ("/cache/refresh/bad-page-changes-nothing", test_refresh_bad_page_changes_nothing);
  ADD ("/cache/upload/leaves-queue-only-when-answered", test_upload_leaves_queue_only_when_answered);
  ADD ("/cache/upload/failure-keeps-scan", test_upload_failure_keeps_scan);
  ADD ("/cache/upload/refused-outcomes-leave-queue-and-are-kept", test_upload_refused_outcomes_leave_queue_and_are_kept);
  ADD ("/cache/upload/repeated-answer-changes-nothing", test_upload_repeated_answer_changes_nothing);
  ADD ("/cache/upload/pending-oldest-first", test_upload_pending_oldest_first);
  ADD ("/cache/conflicts/lost-conflict-recorded", test_upload_lost_conflict_recorded);
  ADD ("/cache/conflicts/server-row-replaces-local-note", test_conflicts_server_row_replaces_local_note);
  ADD ("/cache/conflicts/reviewed-leave-open-list", test_conflicts_reviewed_leave_open_list);
  ADD ("/cache/retention/purges-after-24h", test_retention_purges_after_24h);
  ADD ("/cache/retention/keeps-pii-while-scans-pending", test_retention_keeps_pii_while_scans_pending);
  ADD ("/cache/retention/purges-answered-scans-after-24h", test_retention_purges_answered_scans_after_24h);
  ADD ("/cache/retention/keeps-conflicts-until-reviewed", test_retention_keeps_conflicts_until_reviewed);
  ADD ("/cache/status/counts-for-the-panel", test_status_counts_for_the_panel);
  ADD ("/cache/status/counts-follow-every-change", test_status_counts_follow_every_change);
  ADD ("/cache/refresh/nothing-new-costs-the-same-at-any-size", test_refresh_nothing_new_costs_the_same_at_any_size);
  ADD ("/cache/status/async-queries-answer-on-main-loop", test_status_async_queries_answer_on_main_loop);
  ADD ("/cache/arrivals/buckets-with-gaps", test_arrivals_buckets_with_gaps);
  ADD ("/cache/signals/emitted-on-owner-context", test_signals_emitted_on_owner_context);
  ADD ("/cache/signals/status-changes-coalesce", test_signals_status_changes_coalesce);
  g_test_add_func ("/cache/signals/open-async-emits-on-callers-context", test_signals_open_async_emits_on_callers_context);
  ADD ("/cache/signals/released-cache-emits-nothing", test_signals_released_cache_emits_nothing);
  ADD ("/cache/search/by-name-and-code", test_search_by_name_and_code);
  ADD ("/cache/wipe/forgets-attendees-keeps-pending-scans", test_wipe_forgets_attendees_keeps_pending_scans);
  ADD ("/cache/wipe/leaves-no-attendee-on-disk", test_wipe_leaves_no_attendee_on_disk);
  ADD ("/cache/clock/offset-survives-reopen", test_clock_offset_survives_reopen);
#undef ADD

  return g_test_run ();
}
