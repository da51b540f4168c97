/* test-signed-cache.c — the cache's offline decision about signed codes it has never seen
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The cache alone, without a server: keys as a refresh stores them, codes
 * as gatectl signs them (docs/signed-tickets.md, "Offline decision").
 */
#include "config.h"

#include <glib/gstdio.h>

#include "gate-ticket-cache.h"
#include "gate-ticket-code.h"

#define EVENT "6f1c2c8e-0000-4000-8000-00000000e001"
#define RACERS 8

typedef struct
{
  char            *dir;
  char            *path;
  GateTicketCache *cache;
  guint8           seed[GATE_TICKET_CODE_SEED_SIZE];
  GateEventKey     key;
} Fixture;

static void
store_keys (GateTicketCache    *cache,
            const char         *event_id,
            const GateEventKey *key)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  if (key != NULL)
    g_ptr_array_add (keys, g_memdup2 (key, sizeof *key));
  g_assert_true (gate_ticket_cache_set_event_keys (cache, event_id, keys, &error));
  g_assert_no_error (error);
}

/* A first refresh: one unsigned ticket, so the event counts as downloaded. */
static void
refresh_once (GateTicketCache *cache)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
  g_autoptr(GError) error = NULL;
  GateTicket *ticket = gate_ticket_new ();

  ticket->id = g_strdup ("00000000-0000-4000-8000-00000000e0e0");
  ticket->qr_token = g_strdup ("GS1-SIGNEDCACHE");
  ticket->status = GATE_TICKET_STATUS_VALID;
  ticket->updated_at_us = g_get_real_time ();
  g_ptr_array_add (page->tickets, ticket);
  page->next_cursor = g_strdup ("cursor-1");
  g_assert_true (gate_ticket_cache_apply_page (cache, EVENT, page, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("gate-signed-cache-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "cache.db", NULL);
  fixture->cache = gate_ticket_cache_new (fixture->path, &error);
  g_assert_no_error (error);

  fixture->key.key_id = 1;
  gate_ticket_code_new_key (fixture->seed, fixture->key.public_key);
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

static char *
sign (Fixture    *fixture,
      const char *ticket_id)
{
  g_autoptr(GError) error = NULL;
  char *code = gate_ticket_code_sign (fixture->key.key_id, EVENT, ticket_id, "General", fixture->seed, &error);

  g_assert_no_error (error);
  return code;
}

static GateScanDecision *
decide (GateTicketCache *cache,
        const char      *event_id,
        const char      *code)
{
  g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
  g_autoptr(GError) error = NULL;
  GateScanDecision *decision;

  scan->client_scan_id = g_uuid_string_random ();
  scan->event_id = g_strdup (event_id);
  scan->qr_token = g_strdup (code);
  scan->device_id = g_strdup ("gate-1");
  scan->scan_method = g_strdup ("qr");
  scan->scanned_at_us = g_get_real_time ();
  decision = gate_ticket_cache_admit_offline (cache, scan, &error);
  g_assert_no_error (error);
  g_assert_nonnull (decision);
  return decision;
}

static void
test_never_refreshed_cannot_decide (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autofree char *ticket_id = g_uuid_string_random ();
  g_autofree char *code = sign (fixture, ticket_id);
  g_autoptr(GateScanDecision) decision = decide (fixture->cache, EVENT, code);

  /* No keys yet: "unknown" would be a guess either way. */
  g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_CANNOT_DECIDE);
  g_assert_cmpint (decision->reason, ==, GATE_CANNOT_DECIDE_CACHE_EMPTY);
}

static void
test_retired_key_no_longer_admits (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autofree char *first_id = g_uuid_string_random ();
  g_autofree char *second_id = g_uuid_string_random ();
  g_autofree char *first = sign (fixture, first_id);
  g_autofree char *second = sign (fixture, second_id);
  g_autoptr(GateScanDecision) admitted = NULL;
  g_autoptr(GateScanDecision) after_retire = NULL;

  refresh_once (fixture->cache);
  store_keys (fixture->cache, EVENT, &fixture->key);
  admitted = decide (fixture->cache, EVENT, first);
  g_assert_cmpint (admitted->verdict, ==, GATE_VERDICT_ADMITTED);
  g_assert_cmpint (admitted->source, ==, GATE_DECISION_SOURCE_SIGNATURE);
  g_assert_cmpstr (admitted->ticket_id, ==, first_id);
  g_assert_cmpstr (admitted->ticket_type, ==, "General");

  /* The next refresh no longer lists the key (retired: its seed leaked). */
  store_keys (fixture->cache, EVENT, NULL);
  after_retire = decide (fixture->cache, EVENT, second);
  g_assert_cmpint (after_retire->verdict, ==, GATE_VERDICT_CANNOT_DECIDE);
}

/* The ticket was re-issued under a new code: the old one is not its code
 * any more, as online — and a void ticket is void under any code. */
static void
test_reissued_ticket_old_code (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *ticket_id = g_uuid_string_random ();
  g_autofree char *old_code = sign (fixture, ticket_id);
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
  g_autoptr(GateScanDecision) superseded = NULL;
  g_autoptr(GateScanDecision) voided = NULL;
  g_autoptr(GError) error = NULL;
  GateTicket *ticket = gate_ticket_new ();

  refresh_once (fixture->cache);
  store_keys (fixture->cache, EVENT, &fixture->key);
  ticket->id = g_strdup (ticket_id);
  ticket->qr_token = g_strdup ("GS1-REISSUED");
  ticket->status = GATE_TICKET_STATUS_VALID;
  ticket->updated_at_us = g_get_real_time ();
  g_ptr_array_add (page->tickets, ticket);
  page->next_cursor = g_strdup ("cursor-2");
  g_assert_true (gate_ticket_cache_apply_page (fixture->cache, EVENT, page, &error));

  superseded = decide (fixture->cache, EVENT, old_code);
  g_assert_cmpint (superseded->verdict, ==, GATE_VERDICT_NOT_FOUND);

  ticket->status = GATE_TICKET_STATUS_VOID;
  ticket->updated_at_us = g_get_real_time () + 1;
  g_free (page->next_cursor);
  page->next_cursor = g_strdup ("cursor-3");
  g_assert_true (gate_ticket_cache_apply_page (fixture->cache, EVENT, page, &error));
  voided = decide (fixture->cache, EVENT, old_code);
  g_assert_cmpint (voided->verdict, ==, GATE_VERDICT_VOID);
}

static void
test_event_id_spelling_does_not_matter (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *upper_event = g_ascii_strup (EVENT, -1);
  g_autofree char *ticket_id = g_uuid_string_random ();
  g_autofree char *code = sign (fixture, ticket_id);
  g_autoptr(GateScanDecision) decision = NULL;

  refresh_once (fixture->cache);
  store_keys (fixture->cache, upper_event, &fixture->key);
  decision = decide (fixture->cache, upper_event, code);
  g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_ADMITTED);
  g_assert_cmpint (decision->source, ==, GATE_DECISION_SOURCE_SIGNATURE);
}

typedef struct
{
  GateTicketCache *cache;
  const char      *code;
  GateVerdict      verdict;
} Racer;

static gpointer
race (gpointer user_data)
{
  Racer *racer = user_data;
  g_autoptr(GateScanDecision) decision = decide (racer->cache, EVENT, racer->code);

  racer->verdict = decision->verdict;
  return NULL;
}

static void
test_concurrent_scans_admit_once (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *ticket_id = g_uuid_string_random ();
  g_autofree char *code = sign (fixture, ticket_id);
  GThread *threads[RACERS];
  Racer racers[RACERS];
  guint admitted = 0;

  refresh_once (fixture->cache);
  store_keys (fixture->cache, EVENT, &fixture->key);
  for (guint i = 0; i < RACERS; i++)
    {
      racers[i] = (Racer) { fixture->cache, code, GATE_VERDICT_BUSY };
      threads[i] = g_thread_new ("racer", race, &racers[i]);
    }
  for (guint i = 0; i < RACERS; i++)
    {
      g_thread_join (threads[i]);
      admitted += racers[i].verdict == GATE_VERDICT_ADMITTED;
      g_assert_true (racers[i].verdict == GATE_VERDICT_ADMITTED ||
                     racers[i].verdict == GATE_VERDICT_ALREADY_SCANNED);
    }
  g_assert_cmpuint (admitted, ==, 1);
  g_assert_cmpuint (gate_ticket_cache_pending_count (fixture->cache), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add ("/signed-cache/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("never-refreshed-cannot-decide", test_never_refreshed_cannot_decide);
  ADD ("retired-key-no-longer-admits", test_retired_key_no_longer_admits);
  ADD ("reissued-ticket-old-code", test_reissued_ticket_old_code);
  ADD ("event-id-spelling-does-not-matter", test_event_id_spelling_does_not_matter);
  ADD ("concurrent-scans-admit-once", test_concurrent_scans_admit_once);
#undef ADD

  return g_test_run ();
}
