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

#define EVENT "6f1c2c8e-0000-4000-8000-000000000001"
#define OTHER_EVENT "6f1c2c8e-0000-4000-8000-000000000002"

typedef struct
{
  char            *dir;
  char            *path;
  GateTicketCache *cache;
} Fixture;

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
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_clear_object (&fixture->cache);
  dir = g_dir_open (fixture->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (fixture->dir, name, NULL);

      g_unlink (file);
    }
  g_rmdir (fixture->dir);
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
  g_autoptr(GateOfflineDecision) decision = gate_ticket_cache_admit_offline (cache, scan, &error);

  g_assert_no_error (error);
  return decision->verdict;
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
  g_autoptr(GateOfflineDecision) first = NULL;
  g_autoptr(GateOfflineDecision) again = NULL;
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
  g_autoptr(GateOfflineDecision) a = NULL;
  g_autoptr(GateOfflineDecision) b = NULL;

  load_tickets (fixture->cache, 1, 1, "valid", NULL);
  a = gate_ticket_cache_admit_offline (fixture->cache, first, NULL);
  b = gate_ticket_cache_admit_offline (fixture->cache, second, NULL);

  g_assert_cmpint (b->verdict, ==, GATE_VERDICT_ALREADY_SCANNED);
  g_assert_cmpstr (b->ticket->scanned_device, ==, "north-1");
  g_assert_cmpint (b->ticket->scanned_at_us, ==, first->scanned_at_us);
}

static void
test_admit_void_not_found_wrong_event (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(GateTicketPage) other = gate_ticket_page_new ();
  g_autoptr(GError) error = NULL;

  load_tickets (fixture->cache, 1, 1, "void", NULL);
  g_ptr_array_add (other->tickets, make_ticket (2, OTHER_EVENT, "valid"));
  g_assert_true (gate_ticket_cache_apply_page (fixture->cache, OTHER_EVENT, other, &error));

  g_assert_cmpint (admit (fixture->cache, "GS1-TEST000001"), ==, GATE_VERDICT_VOID);
  g_assert_cmpint (admit (fixture->cache, "GS1-NOSUCHTOKEN"), ==, GATE_VERDICT_NOT_FOUND);
  g_assert_cmpint (admit (fixture->cache, "GS1-TEST000002"), ==, GATE_VERDICT_WRONG_EVENT);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 0);
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

static char *
helper_path (void)
{
  return g_test_build_filename (G_TEST_BUILT, "core", "cache-admit-helper", NULL);
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

/* --- uploads ---------------------------------------------------------------------------- */

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cache/open/creates-file-0600", test_open_creates_file_0600);
  g_test_add_func ("/cache/open/tightens-existing-mode", test_open_tightens_existing_mode);
  ADD ("/cache/open/uses-wal", test_open_uses_wal_and_full_sync);
  ADD ("/cache/open/refuses-newer-schema", test_open_refuses_newer_schema);
  ADD ("/cache/open/reopens-without-reapplying", test_open_reopens_without_reapplying);
  ADD ("/cache/admit/once-per-ticket", test_admit_once_per_ticket);
  ADD ("/cache/admit/idempotent-on-client-scan-id", test_admit_idempotent_on_client_scan_id);
  ADD ("/cache/admit/already-scanned-names-device", test_admit_already_scanned_names_device);
  ADD ("/cache/admit/void-not-found-wrong-event", test_admit_void_not_found_wrong_event);
  ADD ("/cache/admit/concurrent-threads-admit-once", test_admit_concurrent_threads_admit_once);
  ADD ("/cache/admit/two-processes-admit-once", test_admit_two_processes_admit_once);
  ADD ("/cache/admit/survives-kill-9", test_admit_survives_kill_9);
  g_test_add_func ("/cache/admit/disk-full-is-error-and-loses-nothing", test_admit_disk_full_is_error_and_loses_nothing);
  ADD ("/cache/refresh/keeps-pending-local-scan", test_refresh_keeps_pending_local_scan);
  ADD ("/cache/refresh/cursor-saved-with-page", test_refresh_cursor_saved_with_page);
  ADD ("/cache/refresh/takes-server-state", test_refresh_takes_server_state);
  ADD ("/cache/upload/leaves-queue-only-when-answered", test_upload_leaves_queue_only_when_answered);
  ADD ("/cache/upload/failure-keeps-scan", test_upload_failure_keeps_scan);
  ADD ("/cache/upload/lost-conflict-recorded", test_upload_lost_conflict_recorded);
  ADD ("/cache/retention/purges-after-24h", test_retention_purges_after_24h);
  ADD ("/cache/retention/keeps-pii-while-scans-pending", test_retention_keeps_pii_while_scans_pending);
  ADD ("/cache/signals/emitted-on-owner-context", test_signals_emitted_on_owner_context);
  ADD ("/cache/search/by-name-and-code", test_search_by_name_and_code);
#undef ADD

  return g_test_run ();
}
