/* test-device-names.c — gates by name and admissions per gate, from a real
 * PostgreSQL and gate-server through the core (no GTK)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A gate learns the venue's device names with its sync (device_names) and
 * keeps them in its cache: an "Already used" decision, and both sides of a
 * conflict, then carry the gate's name, not its id. A supervisor's device
 * list counts each gate's admissions (device_activity).
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
  g_autofree char *name = g_strdup_printf ("Device names %u", ++backend.serial);
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

  backend.dir = g_dir_make_tmp ("gate-device-names-XXXXXX", &error);
  g_assert_no_error (error);
  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/device-names/sync-stores-names-across-restarts", test_sync_stores_names_across_restarts);
  g_test_add_func ("/device-names/wipe-forgets-names", test_wipe_forgets_names);
  g_test_add_func ("/device-names/already-used-names-the-gate", test_already_used_names_the_gate);
  g_test_add_func ("/device-names/conflict-names-both-gates", test_conflict_names_both_gates);
  g_test_add_func ("/device-names/supervisor-devices-count-admissions", test_supervisor_devices_count_admissions);

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
  }
  g_rmdir (backend.dir);
  g_free (backend.dir);
  return result;
}
