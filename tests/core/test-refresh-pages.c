/* test-refresh-pages.c — a download of many pages, pipelined, against a real
 * PostgreSQL and gate-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GateSyncService asks for the next page while it stores the one before
 * (issue 16). These tests hold it to DESIGN.md §5.3 all the same: pages are
 * stored whole, in order, each with its cursor; a bad page ends the refresh
 * with a clear error and leaves the cache at the last good page, and the
 * next refresh resumes there. Every test has its own event of 3,500 tickets
 * (four pages) and its own gate, talking through a proxy the test controls.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "gate-error.h"
#include "gate-sync-service.h"
#include "gate-test-harness.h"
#include "gate-test-proxy.h"
#include "gate-test-tickets.h"

#define WAIT_MS  60000
#define TICKETS  3500
/* Well over SQLite's checkpoint threshold (1,000 frames of 4 KB) in one
 * commit. */
#define WAL_TICKETS 40000
#define EVENT       "6f1c2c8e-0000-4000-8000-00000000a1e1"

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *dir;
  guint           serial;
} backend;

typedef struct
{
  char             *event;
  char            **tickets;
  char             *device_id;
  char             *token;
  char             *cache_path;
  GateTestProxy    *proxy;
  GateApiClient    *client;
  GateTicketCache  *cache;
  GateConnectivity *connectivity;
  GateSyncService  *sync;
} Gate;

static void
gate_free (Gate *gate)
{
  g_clear_object (&gate->sync);
  g_clear_object (&gate->connectivity);
  g_clear_object (&gate->cache);
  g_clear_object (&gate->client);
  g_clear_pointer (&gate->proxy, gate_test_proxy_free);
  g_strfreev (gate->tickets);
  g_free (gate->event);
  g_free (gate->device_id);
  g_free (gate->token);
  g_free (gate->cache_path);
  g_free (gate);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Gate, gate_free)

static Gate *
gate_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("pages-%u", ++backend.serial);
  Gate *gate = g_new0 (Gate, 1);

  gate->event = gate_test_create_event (backend.pg, name, &error);
  g_assert_no_error (error);
  gate->tickets = gate_test_generate_tickets (backend.pg, gate->event, TICKETS, "General", &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (backend.pg, name, "gate", &gate->device_id, &gate->token, &error));
  gate->proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &error);
  g_assert_no_error (error);
  gate->client = gate_api_client_new (gate_test_proxy_get_url (gate->proxy), gate->token, gate->device_id);
  gate->cache_path = g_strdup_printf ("%s/%s.cache", backend.dir, name);
  gate->cache = gate_ticket_cache_new (gate->cache_path, &error);
  g_assert_no_error (error);
  gate->connectivity = gate_connectivity_new ();
  gate->sync = gate_sync_service_new (gate->cache, gate->client, gate->connectivity, gate->event);
  return gate;
}

static gboolean
refresh (Gate    *gate,
         GError **error)
{
  g_auto(GateTestAsync) waiter = { 0 };

  gate_sync_service_refresh_async (gate->sync, FALSE, NULL, gate_test_async_ready, &waiter);
  return gate_sync_service_sync_finish (gate->sync, gate_test_async_wait (&waiter, WAIT_MS), error);
}

static gint64
tickets_cached (Gate *gate)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateCacheStatus) status = gate_ticket_cache_get_status (gate->cache, gate->event, &error);

  g_assert_no_error (error);
  return status->tickets_cached;
}

static gboolean
cached (Gate       *gate,
        const char *code)
{
  g_autoptr(GateTicket) ticket = gate_ticket_cache_lookup (gate->cache, code, NULL, NULL);

  return ticket != NULL;
}

static guint
count_cached (Gate *gate)
{
  guint found = 0;

  for (guint i = 0; gate->tickets[i] != NULL; i++)
    found += cached (gate, gate->tickets[i]);
  return found;
}

/* Through a connection of its own, as another process would see it. */
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

static gboolean
has_code_index (const char *path)
{
  return query_int (path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'tickets_code'") == 1;
}

/* Whatever the status says whenever it changes: each value is a whole
 * number of pages, each more than the last. */
typedef struct
{
  Gate   *gate;
  GArray *seen;   /* gint64 */
  guint   without_index;
} Watch;

static void
on_status_changed (GateTicketCache *cache,
                   gpointer         user_data)
{
  Watch *watch = user_data;
  gint64 count = tickets_cached (watch->gate);

  g_array_append_val (watch->seen, count);
  if (count < TICKETS && !has_code_index (watch->gate->cache_path))
    watch->without_index++;
}

static void
test_pages_stored_whole_and_in_order (void)
{
  g_autoptr(Gate) gate = gate_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (gint64));
  Watch watch = { gate, seen, 0 };
  g_autofree char *cursor = NULL;
  gulong handler;

  /* Slow answers: the next page is in flight while the last one is stored,
   * and the status is read between pages. */
  gate_test_proxy_set_delay (gate->proxy, 100);
  gate_test_proxy_set_mode (gate->proxy, GATE_TEST_PROXY_DELAY);
  handler = g_signal_connect (gate->cache, "status-changed", G_CALLBACK (on_status_changed), &watch);
  g_assert_true (refresh (gate, &error));
  g_assert_no_error (error);
  g_signal_handler_disconnect (gate->cache, handler);

  g_assert_cmpint (tickets_cached (gate), ==, TICKETS);
  g_assert_cmpuint (seen->len, >, 0);
  for (guint i = 0; i < seen->len; i++)
    {
      gint64 count = g_array_index (seen, gint64, i);

      g_test_message ("status %u: %" G_GINT64_FORMAT " tickets", i, count);
      g_assert_true (count % 1000 == 0 || count == TICKETS);
      if (i > 0)
        g_assert_cmpint (count, >=, g_array_index (seen, gint64, i - 1));
    }
  g_assert_cmpuint (count_cached (gate), ==, TICKETS);

  /* A first download fills the cache without its code index and builds it
   * with its last page. */
  g_assert_cmpuint (watch.without_index, >, 0);
  g_assert_true (has_code_index (gate->cache_path));

  /* The cursor of the last page went with it: nothing is new. */
  cursor = gate_ticket_cache_dup_cursor (gate->cache, gate->event);
  g_assert_nonnull (cursor);
  g_assert_true (g_str_has_suffix (cursor, "|||"));
}

static void
test_malformed_page_keeps_the_last_good_page (void)
{
  g_autoptr(Gate) gate = gate_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;

  /* Pages one and two arrive; the third answer is not JSON. */
  gate_test_proxy_switch_after (gate->proxy, 2, GATE_TEST_PROXY_GARBAGE);
  g_assert_false (refresh (gate, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "tickets_changed_since"));
  g_assert_nonnull (strstr (error->message, "not valid JSON"));

  /* Both good pages, whole, and nothing after them. */
  g_assert_cmpint (tickets_cached (gate), ==, 2000);
  cursor = gate_ticket_cache_dup_cursor (gate->cache, gate->event);
  g_assert_nonnull (cursor);
  g_assert_false (g_str_has_suffix (cursor, "|||"));

  /* Cut short, the first download left no code index; the cache opened
   * again (the gate restarted) has it, and finds the codes it has. */
  g_assert_false (has_code_index (gate->cache_path));
  g_clear_error (&error);
  {
    g_autoptr(GateTicketCache) reopened = gate_ticket_cache_new (gate->cache_path, &error);

    g_assert_no_error (error);
    g_assert_true (has_code_index (gate->cache_path));
  }
  g_assert_cmpuint (count_cached (gate), ==, 2000);

  /* The link is good again: the refresh goes on from page three. */
  gate_test_proxy_set_mode (gate->proxy, GATE_TEST_PROXY_PASS);
  g_assert_true (refresh (gate, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tickets_cached (gate), ==, TICKETS);
  g_assert_cmpuint (count_cached (gate), ==, TICKETS);
}

static void
test_broken_link_mid_download_keeps_the_last_good_page (void)
{
  g_autoptr(Gate) gate = gate_new ();
  g_autoptr(GError) error = NULL;

  /* Page one arrives; the second answer is cut in half. */
  gate_test_proxy_switch_after (gate->proxy, 1, GATE_TEST_PROXY_TRUNCATE);
  g_assert_false (refresh (gate, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_cmpint (tickets_cached (gate), ==, 1000);

  g_clear_error (&error);
  gate_test_proxy_set_mode (gate->proxy, GATE_TEST_PROXY_PASS);
  g_assert_true (refresh (gate, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tickets_cached (gate), ==, TICKETS);
}

/* A first download killed midway, when the server had re-issued a code
 * under a new id: two rows share it, and the index is built all the same,
 * keeping the newest row — or the one with a scan not uploaded yet. */
static void
test_reopened_cache_builds_code_index_over_reissued_codes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (backend.dir, "reissued.cache", NULL);
  sqlite3 *db = NULL;

  {
    g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (path, &error);

    g_assert_no_error (error);
  }
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "DROP INDEX tickets_code;"
                                 "INSERT INTO tickets (id, event_id, qr_token, status, local_scan_id) VALUES "
                                 "  ('a1', 'e', 'CODE-1', 'scanned', 'scan-1'), ('b1', 'e', 'CODE-1', 'valid', NULL),"
                                 "  ('a2', 'e', 'CODE-2', 'valid', NULL), ('b2', 'e', 'CODE-2', 'void', NULL),"
                                 "  ('c3', 'e', 'CODE-3', 'valid', NULL);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_false (has_code_index (path));

  {
    g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (path, &error);
    g_autoptr(GateTicket) pending = NULL;
    g_autoptr(GateTicket) newest = NULL;
    g_autoptr(GateCacheStatus) status = NULL;
    gboolean pending_local = FALSE;

    g_assert_no_error (error);
    g_assert_true (has_code_index (path));
    g_assert_cmpint (query_int (path, "SELECT count(*) FROM tickets"), ==, 3);

    pending = gate_ticket_cache_lookup (cache, "CODE-1", &pending_local, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (pending->id, ==, "a1");
    g_assert_true (pending_local);
    newest = gate_ticket_cache_lookup (cache, "CODE-2", NULL, &error);
    g_assert_cmpstr (newest->id, ==, "b2");
    g_assert_cmpint (newest->status, ==, GATE_TICKET_STATUS_VOID);
    status = gate_ticket_cache_get_status (cache, "e", &error);
    g_assert_no_error (error);
    g_assert_cmpint (status->tickets_cached, ==, 3);
  }
}

/* A process that makes the commit that passes SQLite's checkpoint
 * threshold (1,000 frames) and exits with the cache open, as `gatectl
 * refresh` does when the last page it stores is large. SQLite's own
 * checkpoint copied the WAL and left it for a next write that never came;
 * the next process, which cannot tell what was copied, copied it all again
 * at every commit, and the WAL grew (7 MB after seven deltas at a million
 * tickets). The cache checkpoints with TRUNCATE instead: the WAL is empty
 * when the process ends. */
static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

/* @count codes GS1-WAL<first> … */
static GateTicketPage *
page_of_codes (guint first,
               guint count)
{
  g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);

  for (guint n = first; n < first + count; n++)
    g_ptr_array_add (codes, g_strdup_printf ("GS1-WAL%08u", n));
  return gate_test_ticket_page_new (EVENT, (const char * const *) codes->pdata, codes->len);
}

/* The process of the test below: `test-refresh-pages --wal-child PATH`. */
static int
wal_child (const char *path)
{
  g_autoptr(GError) error = NULL;
  GateTicketCache *cache = gate_ticket_cache_new (path, &error);
  g_autoptr(GateTicketPage) first = page_of_codes (0, 10);
  g_autoptr(GateTicketPage) second = page_of_codes (10, WAL_TICKETS);

  /* The first page builds the code index (and checkpoints after it); the
   * second is one commit of well over 1,000 frames, the last. Then the
   * process ends with the cache open. */
  if (cache == NULL || !gate_ticket_cache_apply_page (cache, EVENT, first, &error) ||
      !gate_ticket_cache_apply_page (cache, EVENT, second, &error))
    {
      fprintf (stderr, "wal child: %s\n", error->message);
      _exit (1);
    }
  _exit (0);
}

static void
test_wal_emptied_past_threshold (void)
{
  g_autofree char *path = g_strdup_printf ("%s/wal-threshold.cache", backend.dir);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self, "--wal-child", path,
                                                   NULL);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (child, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_test_message ("WAL after the process: %" G_GINT64_FORMAT " bytes", file_size (wal));
  g_assert_cmpint (file_size (wal), ==, 0);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM tickets"), ==, 10 + WAL_TICKETS);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  if (argc == 3 && g_str_equal (argv[1], "--wal-child"))
    return wal_child (argv[2]);

  g_test_init (&argc, &argv, NULL);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);
  backend.dir = g_dir_make_tmp ("gate-refresh-pages-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/refresh/pages/stored-whole-and-in-order", test_pages_stored_whole_and_in_order);
  g_test_add_func ("/refresh/pages/malformed-page-keeps-the-last-good-page",
                   test_malformed_page_keeps_the_last_good_page);
  g_test_add_func ("/refresh/pages/reopened-cache-builds-code-index-over-reissued-codes",
                   test_reopened_cache_builds_code_index_over_reissued_codes);
  g_test_add_func ("/refresh/pages/broken-link-mid-download-keeps-the-last-good-page",
                   test_broken_link_mid_download_keeps_the_last_good_page);
  g_test_add_func ("/refresh/pages/wal-emptied-past-threshold", test_wal_emptied_past_threshold);

  status = g_test_run ();

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
    g_free (backend.dir);
  }
  return status;
}
