/* test-conflict-book.c — where conflicts come from, and how a review lands,
 * against a real PostgreSQL and gate-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Conflicts are made as at a venue: one gate admits a ticket online, another
 * that refreshed before admits it offline and uploads later, losing
 * first-scan-wins. Every test has its own event.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "gate-conflict-book.h"
#include "gate-error.h"
#include "gate-scan-engine.h"
#include "gate-sync-service.h"
#include "gate-test-harness.h"

#define WAIT_MS 20000

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *dir;
  guint           serial;
} backend;

typedef struct
{
  char  *id;
  char **tickets;
  guint  next_ticket;
} Event;

typedef struct
{
  char             *name;
  char             *device_id;
  char             *token;
  GateApiClient    *client;
  GateTicketCache  *cache;
  GateConnectivity *connectivity;
  GateSyncService  *sync;
} Gate;

/* --- set-up -------------------------------------------------------------------- */

static Event *
event_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("Conflict book %u", ++backend.serial);
  Event *event = g_new0 (Event, 1);

  event->id = gate_test_create_event (backend.pg, name, &error);
  g_assert_no_error (error);
  event->tickets = gate_test_generate_tickets (backend.pg, event->id, 4, "General", &error);
  g_assert_no_error (error);
  return event;
}

static void
event_free (Event *event)
{
  g_strfreev (event->tickets);
  g_free (event->id);
  g_free (event);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Event, event_free)

static Gate *
gate_new (Event      *event,
          const char *name,
          const char *role)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  Gate *gate = g_new0 (Gate, 1);

  gate->name = g_strdup_printf ("%s-%u", name, ++backend.serial);
  g_assert_true (gate_test_add_device (backend.pg, gate->name, role, &gate->device_id, &gate->token, &error));
  gate->client = gate_api_client_new (gate_test_server_get_url (backend.server), gate->token, gate->device_id);
  path = g_build_filename (backend.dir, gate->device_id, NULL);
  gate->cache = gate_ticket_cache_new (path, &error);
  g_assert_no_error (error);
  gate->connectivity = gate_connectivity_new ();
  gate->sync = gate_sync_service_new (gate->cache, gate->client, gate->connectivity, event->id);
  return gate;
}

static void
gate_free (Gate *gate)
{
  g_clear_object (&gate->sync);
  g_clear_object (&gate->connectivity);
  g_clear_object (&gate->cache);
  g_clear_object (&gate->client);
  g_free (gate->name);
  g_free (gate->device_id);
  g_free (gate->token);
  g_free (gate);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Gate, gate_free)

static void
sync_gate (Gate *gate)
{
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  gate_sync_service_sync_async (gate->sync, FALSE, NULL, gate_test_async_ready, &waiter);
  g_assert_true (gate_sync_service_sync_finish (gate->sync, gate_test_async_wait (&waiter, WAIT_MS), &error));
  g_assert_no_error (error);
}

/* @online admits a ticket at the server; @offline, refreshed before, admits
 * it again from its cache and uploads: it loses the conflict. */
static const char *
make_conflict (Event *event,
               Gate  *online,
               Gate  *offline)
{
  const char *ticket = event->tickets[event->next_ticket++];
  g_autofree char *online_id = g_uuid_string_random ();
  g_autoptr(GateScanDecision) answer = NULL;
  g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
  g_autoptr(GateScanDecision) decision = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  sync_gate (offline);

  gate_api_client_scan_ticket_async (online->client, ticket, event->id, online_id, "qr", 5000, NULL, gate_test_async_ready,
                                     &waiter);
  answer = gate_api_client_scan_ticket_finish (online->client, gate_test_async_wait (&waiter, WAIT_MS), &error);
  g_assert_no_error (error);
  g_assert_cmpint (answer->verdict, ==, GATE_VERDICT_ADMITTED);

  scan->client_scan_id = g_uuid_string_random ();
  scan->event_id = g_strdup (event->id);
  scan->qr_token = g_strdup (ticket);
  scan->device_id = g_strdup (offline->device_id);
  scan->scanned_at_us = g_get_real_time ();
  scan->scan_method = g_strdup ("qr");
  decision = gate_ticket_cache_admit_offline (offline->cache, scan, &error);
  g_assert_no_error (error);
  g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_ADMITTED);

  sync_gate (offline);
  return ticket;
}

static GPtrArray *
list (GateConflictBook  *book,
      GError           **error)
{
  g_auto(GateTestAsync) waiter = { 0 };

  gate_conflict_book_list_async (book, NULL, gate_test_async_ready, &waiter);
  return gate_conflict_book_list_finish (book, gate_test_async_wait (&waiter, WAIT_MS), error);
}

static gboolean
review (GateConflictBook  *book,
        gint64             conflict_id,
        const char        *reviewed_by,
        const char        *note,
        GError           **error)
{
  g_auto(GateTestAsync) waiter = { 0 };

  gate_conflict_book_review_async (book, conflict_id, reviewed_by, note, NULL, gate_test_async_ready, &waiter);
  return gate_conflict_book_review_finish (book, gate_test_async_wait (&waiter, WAIT_MS), error);
}

static const GateConflict *
find_conflict (GPtrArray  *conflicts,
               const char *ticket)
{
  for (guint i = 0; conflicts != NULL && i < conflicts->len; i++)
    {
      const GateConflict *conflict = g_ptr_array_index (conflicts, i);

      if (g_strcmp0 (conflict->qr_token, ticket) == 0)
        return conflict;
    }
  return NULL;
}

static char *
server_review (gint64 conflict_id)
{
  g_autofree char *psql = g_find_program_in_path ("psql");
  g_autofree char *sql = g_strdup_printf ("SELECT reviewed_by || '|' || coalesce(review_note, '') "
                                          "FROM scan_conflicts WHERE id = %" G_GINT64_FORMAT
                                          " AND reviewed_at IS NOT NULL",
                                          conflict_id);
  const char *argv[] = { psql, "-At", "-d", gate_test_pg_get_conninfo (backend.pg), "-c", sql, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int status = 0;

  g_assert_nonnull (psql);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_strchomp (g_steal_pointer (&out));
}

typedef struct
{
  guint   count;
  gint64  conflict_id;
  char   *reviewed_by;
  char   *note;
  gint64  reviewed_at_us;
  gint64  cache_reviewed_at_us;   /* what the cache said when the signal came */
  GateTicketCache *cache;
} Reviewed;

static void
on_reviewed (GateConflictBook *book,
             gint64            conflict_id,
             const char       *reviewed_by,
             const char       *note,
             gint64            reviewed_at_us,
             Reviewed         *seen)
{
  seen->count++;
  seen->conflict_id = conflict_id;
  g_free (seen->reviewed_by);
  seen->reviewed_by = g_strdup (reviewed_by);
  g_free (seen->note);
  seen->note = g_strdup (note);
  seen->reviewed_at_us = reviewed_at_us;

  if (seen->cache != NULL)
    {
      g_autoptr(GPtrArray) cached = gate_ticket_cache_list_conflicts (seen->cache, NULL, TRUE, NULL);

      for (guint i = 0; cached != NULL && i < cached->len; i++)
        if (((GateConflict *) cached->pdata[i])->id == conflict_id)
          seen->cache_reviewed_at_us = ((GateConflict *) cached->pdata[i])->reviewed_at_us;
    }
}

static void
reviewed_clear (Reviewed *seen)
{
  g_free (seen->reviewed_by);
  g_free (seen->note);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reviewed, reviewed_clear)

/* --- tests ------------------------------------------------------------------------ */

static void
test_gate_lists_its_conflicts_from_its_cache (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  const char *ticket = make_conflict (event, north, south);
  g_autofree char *dead_url = g_strdup_printf ("http://127.0.0.1:%u", gate_test_free_port ());
  g_autoptr(GateApiClient) dead = gate_api_client_new (dead_url, south->token, south->device_id);
  g_autoptr(GateConflictBook) book = gate_conflict_book_new (south->cache, dead, event->id);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  const GateConflict *conflict;

  /* No server is needed: the sync stored them, the cache answers. */
  conflicts = list (book, &error);
  g_assert_no_error (error);
  conflict = find_conflict (conflicts, ticket);
  g_assert_nonnull (conflict);
  g_assert_cmpint (conflict->id, >, 0);
  g_assert_cmpstr (conflict->winner_device, ==, north->device_id);
  g_assert_cmpstr (conflict->loser_device, ==, south->device_id);
  g_assert_cmpint (conflict->reviewed_at_us, ==, 0);
}

static void
test_gate_without_cache_lists_nothing (void)
{
  g_autoptr(GateConflictBook) book = gate_conflict_book_new (NULL, NULL, NULL);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;

  conflicts = list (book, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 0);
}

static void
test_supervisor_lists_every_conflict_from_the_server (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  g_autoptr(Gate) east = gate_new (event, "east", "gate");
  g_autoptr(Gate) laptop = gate_new (event, "laptop", "supervisor");
  const char *first = make_conflict (event, north, south);
  const char *second = make_conflict (event, south, east);
  g_autoptr(GateConflictBook) book = gate_conflict_book_new (laptop->cache, laptop->client, event->id);
  g_autoptr(GPtrArray) from_cache = NULL;
  g_autoptr(GPtrArray) from_server = NULL;
  g_autoptr(GError) error = NULL;

  /* Not the laptop's own conflicts: its cache has none. */
  from_cache = list (book, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (from_cache->len, ==, 0);

  gate_conflict_book_set_supervisor (book, TRUE);
  from_server = list (book, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (from_server->len, ==, 2);
  g_assert_nonnull (find_conflict (from_server, first));
  g_assert_nonnull (find_conflict (from_server, second));
}

static void
test_supervisor_without_server_says_so (void)
{
  g_autoptr(GateConflictBook) book = gate_conflict_book_new (NULL, NULL, NULL);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  gate_conflict_book_set_supervisor (book, TRUE);
  conflicts = list (book, &error);
  g_assert_null (conflicts);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_CONFIG);
  g_clear_error (&error);

  gate_conflict_book_list_devices_async (book, NULL, gate_test_async_ready, &waiter);
  devices = gate_conflict_book_list_devices_finish (book, gate_test_async_wait (&waiter, WAIT_MS), &error);
  g_assert_null (devices);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_CONFIG);
}

static void
test_supervisor_lists_every_device (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) laptop = gate_new (event, "laptop", "supervisor");
  g_autoptr(GateConflictBook) book = gate_conflict_book_new (NULL, laptop->client, event->id);
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };
  gboolean found = FALSE;

  /* North has never scanned: a supervisor still sees it. */
  gate_conflict_book_set_supervisor (book, TRUE);
  gate_conflict_book_list_devices_async (book, NULL, gate_test_async_ready, &waiter);
  devices = gate_conflict_book_list_devices_finish (book, gate_test_async_wait (&waiter, WAIT_MS), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < devices->len; i++)
    found |= g_strcmp0 (((GateDeviceInfo *) devices->pdata[i])->name, north->name) == 0;
  g_assert_true (found);
}

static void
test_gate_review_reaches_server_then_cache (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  /* A supervisor's laptop that scans at a side door too, with its own cache. */
  g_autoptr(Gate) desk = gate_new (event, "desk", "supervisor");
  const char *ticket = make_conflict (event, north, desk);
  g_autoptr(GateConflictBook) book = gate_conflict_book_new (desk->cache, desk->client, event->id);
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *on_server = NULL;
  g_autofree char *expected = NULL;
  g_auto(Reviewed) seen = { .cache = desk->cache };
  const GateConflict *conflict;
  gint64 id;

  before = list (book, &error);
  g_assert_no_error (error);
  id = find_conflict (before, ticket)->id;
  g_signal_connect (book, "reviewed", G_CALLBACK (on_reviewed), &seen);

  /* No reviewer given: the device reviews as itself. */
  g_assert_true (review (book, id, NULL, "refunded at the box office", &error));
  g_assert_no_error (error);

  on_server = server_review (id);
  expected = g_strdup_printf ("%s|refunded at the box office", desk->device_id);
  g_assert_cmpstr (on_server, ==, expected);

  /* Signalled once, as the server accepted, before the cache noted it. */
  g_assert_cmpuint (seen.count, ==, 1);
  g_assert_cmpint (seen.conflict_id, ==, id);
  g_assert_cmpstr (seen.reviewed_by, ==, desk->device_id);
  g_assert_cmpstr (seen.note, ==, "refunded at the box office");
  g_assert_cmpint (seen.reviewed_at_us, >, 0);
  g_assert_cmpint (seen.cache_reviewed_at_us, ==, 0);

  after = list (book, &error);
  g_assert_no_error (error);
  conflict = find_conflict (after, ticket);
  g_assert_cmpint (conflict->reviewed_at_us, ==, seen.reviewed_at_us);
  g_assert_cmpstr (conflict->reviewed_by, ==, desk->device_id);
  g_assert_cmpstr (conflict->review_note, ==, "refunded at the box office");
}

static void
test_supervisor_review_leaves_cache_alone (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) desk = gate_new (event, "desk", "supervisor");
  const char *ticket = make_conflict (event, north, desk);
  g_autoptr(GateConflictBook) book = gate_conflict_book_new (desk->cache, desk->client, event->id);
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) cached = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *on_server = NULL;
  gint64 id;

  /* Server-wide, the desk's cache is not where the review belongs. */
  gate_conflict_book_set_supervisor (book, TRUE);
  listed = list (book, &error);
  g_assert_no_error (error);
  id = find_conflict (listed, ticket)->id;

  g_assert_true (review (book, id, "Supervisor Sam", NULL, &error));
  g_assert_no_error (error);
  on_server = server_review (id);
  g_assert_cmpstr (on_server, ==, "Supervisor Sam|");

  cached = gate_ticket_cache_list_conflicts (desk->cache, event->id, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (find_conflict (cached, ticket)->reviewed_at_us, ==, 0);
}

static void
test_refused_review_changes_nothing (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  const char *ticket = make_conflict (event, north, south);
  g_autoptr(GateConflictBook) book = gate_conflict_book_new (south->cache, south->client, event->id);
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *on_server = NULL;
  g_auto(Reviewed) seen = { 0 };
  gint64 id;

  before = list (book, &error);
  g_assert_no_error (error);
  id = find_conflict (before, ticket)->id;
  g_signal_connect (book, "reviewed", G_CALLBACK (on_reviewed), &seen);

  /* review_conflict is a supervisor's: a gate token is refused. */
  g_assert_false (review (book, id, "south gate", "let in", &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_FORBIDDEN);
  g_clear_error (&error);

  g_assert_cmpuint (seen.count, ==, 0);
  on_server = server_review (id);
  g_assert_cmpstr (on_server, ==, "");
  after = list (book, &error);
  g_assert_no_error (error);
  g_assert_cmpint (find_conflict (after, ticket)->reviewed_at_us, ==, 0);
}

static void
test_unnumbered_conflict_is_not_found (void)
{
  g_autoptr(GateApiClient) client = gate_api_client_new (gate_test_server_get_url (backend.server), "gst_x",
                                                         "dev-x");
  g_autoptr(GateConflictBook) book = gate_conflict_book_new (NULL, client, NULL);
  g_autoptr(GError) error = NULL;

  /* Noted by the gate between an upload and a download: no server id yet. */
  g_assert_false (review (book, 0, NULL, NULL, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND);
}

/* For ::changed of a book and "conflicts-changed" of a cache alike. */
static void
count_emission (gpointer  emitter,
                guint    *count)
{
  (*count)++;
}

static gboolean
counted (gpointer user_data)
{
  return *(guint *) user_data > 0;
}

static void
test_changed_follows_the_source (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  g_autoptr(GateConflictBook) book = gate_conflict_book_new (south->cache, south->client, event->id);
  guint changes = 0;
  guint cache_changes = 0;

  g_signal_connect (book, "changed", G_CALLBACK (count_emission), &changes);

  /* A gate hears of the conflicts its sync stored. */
  make_conflict (event, north, south);
  g_assert_true (gate_test_wait_until (NULL, counted, &changes, WAIT_MS));

  /* Switching where the list comes from changes it. */
  changes = 0;
  gate_conflict_book_set_supervisor (book, TRUE);
  g_assert_cmpuint (changes, ==, 1);

  /* A supervisor's list is the server's: the cache's news is not its. The
   * book heard the cache before this counter did. */
  changes = 0;
  g_signal_connect (south->cache, "conflicts-changed", G_CALLBACK (count_emission), &cache_changes);
  make_conflict (event, north, south);
  g_assert_true (gate_test_wait_until (NULL, counted, &cache_changes, WAIT_MS));
  g_assert_cmpuint (changes, ==, 0);
  g_signal_handlers_disconnect_by_data (south->cache, &cache_changes);
}

/* --- gates by name and admissions per gate (issue 10) ------------------------------
 *
 * A gate learns the venue's device names with its sync (device_names) and
 * keeps them in its cache: an "Already used" decision, and both sides of a
 * conflict, then carry the gate's name, not its id. A supervisor's device
 * list counts each gate's admissions (device_activity). */

static GateScanDecision *
scan (GateScanEngine *engine,
      const char     *code,
      gboolean        offline)
{
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };
  GateScanDecision *decision;

  gate_scan_engine_scan_async (engine, code, "qr", offline, NULL, gate_test_async_ready, &waiter);
  decision = gate_scan_engine_scan_finish (engine, gate_test_async_wait (&waiter, WAIT_MS), &error);
  g_assert_no_error (error);
  return decision;
}

static void
test_sync_stores_names_across_restarts (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "North Gate", "gate");
  g_autoptr(Gate) south = gate_new (event, "South Gate", "gate");
  g_autoptr(GateTicketCache) reopened = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = gate_ticket_cache_dup_device_name (north->cache, south->device_id);
  g_autofree char *after = NULL;
  g_autofree char *own = NULL;
  g_autofree char *reread = NULL;

  g_assert_null (before);
  sync_gate (north);
  after = gate_ticket_cache_dup_device_name (north->cache, south->device_id);
  own = gate_ticket_cache_dup_device_name (north->cache, north->device_id);
  g_assert_cmpstr (after, ==, south->name);
  g_assert_cmpstr (own, ==, north->name);

  /* Offline after a restart, the names are still there. */
  reopened = gate_ticket_cache_new (gate_ticket_cache_get_path (north->cache), &error);
  g_assert_no_error (error);
  reread = gate_ticket_cache_dup_device_name (reopened, south->device_id);
  g_assert_cmpstr (reread, ==, south->name);
}

static void
test_wipe_forgets_names (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) gate = gate_new (event, "Wiped Gate", "gate");
  g_autoptr(GError) error = NULL;
  g_autofree char *known = NULL;
  g_autofree char *forgotten = NULL;

  sync_gate (gate);
  known = gate_ticket_cache_dup_device_name (gate->cache, gate->device_id);
  g_assert_cmpstr (known, ==, gate->name);
  g_assert_true (gate_ticket_cache_wipe (gate->cache, &error));
  g_assert_no_error (error);
  forgotten = gate_ticket_cache_dup_device_name (gate->cache, gate->device_id);
  g_assert_null (forgotten);
}

static void
test_already_used_names_the_gate (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "North Gate", "gate");
  g_autoptr(Gate) south = gate_new (event, "South Gate", "gate");
  g_autoptr(GateScanEngine) north_engine = gate_scan_engine_new (north->cache, north->client, north->connectivity,
                                                                 event->id, north->device_id);
  g_autoptr(GateScanEngine) south_engine = gate_scan_engine_new (south->cache, south->client, south->connectivity,
                                                                 event->id, south->device_id);
  g_autoptr(GateScanDecision) first = NULL;
  g_autoptr(GateScanDecision) online = NULL;
  g_autoptr(GateScanDecision) offline = NULL;
  const char *ticket = event->tickets[0];

  sync_gate (south);
  first = scan (north_engine, ticket, FALSE);
  g_assert_cmpint (first->verdict, ==, GATE_VERDICT_ADMITTED);

  online = scan (south_engine, ticket, FALSE);
  g_assert_cmpint (online->verdict, ==, GATE_VERDICT_ALREADY_SCANNED);
  g_assert_cmpint (online->mode, ==, GATE_SCAN_MODE_ONLINE);
  g_assert_cmpstr (online->scanned_device, ==, north->device_id);
  g_assert_cmpstr (online->scanned_device_name, ==, north->name);

  /* Offline, from the cache, after a refresh told it who scanned. */
  sync_gate (south);
  offline = scan (south_engine, ticket, TRUE);
  g_assert_cmpint (offline->verdict, ==, GATE_VERDICT_ALREADY_SCANNED);
  g_assert_cmpint (offline->mode, ==, GATE_SCAN_MODE_OFFLINE);
  g_assert_cmpstr (offline->scanned_device_name, ==, north->name);
}

static void
test_conflict_names_both_gates (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) online = gate_new (event, "Main Door", "gate");
  g_autoptr(Gate) offline = gate_new (event, "Side Door", "gate");
  g_autoptr(GateConflictBook) book = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  const GateConflict *conflict;
  const char *ticket = make_conflict (event, online, offline);

  book = gate_conflict_book_new (offline->cache, offline->client, event->id);
  conflicts = list (book, &error);
  g_assert_no_error (error);
  conflict = find_conflict (conflicts, ticket);
  g_assert_nonnull (conflict);
  g_assert_cmpstr (conflict->winner_device, ==, online->device_id);
  g_assert_cmpstr (conflict->winner_device_name, ==, online->name);
  g_assert_cmpstr (conflict->loser_device_name, ==, offline->name);
}

static void
test_supervisor_devices_count_admissions (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) busy = gate_new (event, "Busy Gate", "gate");
  g_autoptr(Gate) quiet = gate_new (event, "Quiet Gate", "gate");
  g_autoptr(Gate) boss = gate_new (event, "Supervisor", "supervisor");
  g_autoptr(GateScanEngine) engine = gate_scan_engine_new (busy->cache, busy->client, busy->connectivity, event->id,
                                                           busy->device_id);
  g_autoptr(GateConflictBook) book = gate_conflict_book_new (boss->cache, boss->client, event->id);
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GError) error = NULL;
  gint64 busy_count = -2, quiet_count = -2;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GateScanDecision) decision = scan (engine, event->tickets[i], FALSE);

      g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_ADMITTED);
    }

  gate_conflict_book_set_supervisor (book, TRUE);
  gate_conflict_book_list_devices_async (book, NULL, gate_test_async_ready, &waiter);
  devices = gate_conflict_book_list_devices_finish (book, gate_test_async_wait (&waiter, WAIT_MS), &error);
  g_assert_no_error (error);

  for (guint i = 0; i < devices->len; i++)
    {
      const GateDeviceInfo *device = g_ptr_array_index (devices, i);

      if (g_strcmp0 (device->id, busy->device_id) == 0)
        {
          busy_count = device->admitted;
          /* Online scans are a sign of life: no heartbeat was sent. */
          g_assert_cmpint (device->last_seen_at_us, >, 0);
        }
      if (g_strcmp0 (device->id, quiet->device_id) == 0)
        quiet_count = device->admitted;
    }
  g_assert_cmpint (busy_count, ==, 3);
  g_assert_cmpint (quiet_count, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.dir = g_dir_make_tmp ("gate-conflict-book-XXXXXX", &error);
  g_assert_no_error (error);
  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/conflict-book/gate-lists-its-conflicts-from-its-cache",
                   test_gate_lists_its_conflicts_from_its_cache);
  g_test_add_func ("/conflict-book/gate-without-cache-lists-nothing", test_gate_without_cache_lists_nothing);
  g_test_add_func ("/conflict-book/supervisor-lists-every-conflict-from-the-server",
                   test_supervisor_lists_every_conflict_from_the_server);
  g_test_add_func ("/conflict-book/supervisor-without-server-says-so", test_supervisor_without_server_says_so);
  g_test_add_func ("/conflict-book/supervisor-lists-every-device", test_supervisor_lists_every_device);
  g_test_add_func ("/conflict-book/gate-review-reaches-server-then-cache",
                   test_gate_review_reaches_server_then_cache);
  g_test_add_func ("/conflict-book/supervisor-review-leaves-cache-alone", test_supervisor_review_leaves_cache_alone);
  g_test_add_func ("/conflict-book/refused-review-changes-nothing", test_refused_review_changes_nothing);
  g_test_add_func ("/conflict-book/unnumbered-conflict-is-not-found", test_unnumbered_conflict_is_not_found);
  g_test_add_func ("/conflict-book/changed-follows-the-source", test_changed_follows_the_source);
  g_test_add_func ("/device-names/sync-stores-names-across-restarts", test_sync_stores_names_across_restarts);
  g_test_add_func ("/device-names/wipe-forgets-names", test_wipe_forgets_names);
  g_test_add_func ("/device-names/already-used-names-the-gate", test_already_used_names_the_gate);
  g_test_add_func ("/device-names/conflict-names-both-gates", test_conflict_names_both_gates);
  g_test_add_func ("/device-names/supervisor-devices-count-admissions", test_supervisor_devices_count_admissions);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  if (backend.dir != NULL)
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
  return result;
}
