/* test-engine.c — the scan engine and connectivity tracking, offline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "gate-scan-engine.h"
#include "gate-test-harness.h"

#define EVENT       "6f1c2c8e-0000-4000-8000-0000000000e1"
#define OTHER_EVENT "6f1c2c8e-0000-4000-8000-0000000000e2"

typedef struct
{
  char            *dir;
  GateTicketCache *cache;
  GateScanEngine  *engine;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();

  fixture->dir = g_dir_make_tmp ("gate-engine-XXXXXX", &error);
  path = g_build_filename (fixture->dir, "cache.db", NULL);
  fixture->cache = gate_ticket_cache_new (path, &error);
  g_assert_no_error (error);

  for (guint i = 1; i <= 3; i++)
    {
      GateTicket *ticket = gate_ticket_new ();

      ticket->id = g_strdup_printf ("00000000-0000-4000-8000-%012u", i);
      ticket->qr_token = g_strdup_printf ("GS1-ENGINE%u", i);
      ticket->guest_name = g_strdup_printf ("Guest %u", i);
      ticket->status = GATE_TICKET_STATUS_VALID;
      g_ptr_array_add (page->tickets, ticket);
    }
  g_assert_true (gate_ticket_cache_apply_page (fixture->cache, EVENT, page, &error));

  /* No server: every decision is the cache's. */
  fixture->engine = gate_scan_engine_new (fixture->cache, NULL, NULL, EVENT, "gate-test");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_clear_object (&fixture->engine);
  g_clear_object (&fixture->cache);
  dir = g_dir_open (fixture->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (fixture->dir, name, NULL);

      g_unlink (file);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
}

static GateScanDecision *
decide (GateScanEngine *engine,
        const char     *code)
{
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GError) error = NULL;
  GateScanDecision *decision;

  gate_scan_engine_scan_async (engine, code, "qr", FALSE, NULL, gate_test_async_ready, &waiter);
  decision = gate_scan_engine_scan_finish (engine, gate_test_async_wait (&waiter, 10000), &error);
  g_assert_no_error (error);
  return decision;
}

static void
test_offline_admits_once (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GateScanDecision) first = decide (fixture->engine, "GS1-ENGINE1");
  g_autoptr(GateScanDecision) second = decide (fixture->engine, "GS1-ENGINE1");

  g_assert_cmpint (first->verdict, ==, GATE_VERDICT_ADMITTED);
  g_assert_cmpint (first->mode, ==, GATE_SCAN_MODE_OFFLINE);
  g_assert_cmpstr (first->guest_name, ==, "Guest 1");
  g_assert_cmpint (second->verdict, ==, GATE_VERDICT_ALREADY_SCANNED);
  g_assert_cmpstr (second->scanned_device, ==, "gate-test");
  g_assert_cmpint (first->latency_us, >, 0);
}

static void
test_invalid_codes_touch_nothing (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *long_code = g_strnfill (513, 'A');
  const char *codes[] = { "", "GS1-\x7f", "tab\there", "caf\xc3\xa9", long_code };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autoptr(GateScanDecision) decision = decide (fixture->engine, codes[i]);

      g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_INVALID_CODE);
    }
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 0);
  g_assert_true (gate_scan_code_is_valid ("GS1-ABCDEFG234567"));
}

static void
test_never_filled_cache_cannot_decide (Fixture       *fixture,
                                       gconstpointer  data)
{
  /* A gate for an event whose tickets never reached this cache. */
  g_autoptr(GateScanEngine) engine = gate_scan_engine_new (fixture->cache, NULL, NULL, OTHER_EVENT, "gate-test");
  g_autoptr(GateScanDecision) unknown = decide (engine, "GS1-NOT-IN-ANY-CACHE");
  g_autoptr(GateScanDecision) known = decide (engine, "GS1-ENGINE1");
  g_autoptr(GateScanDecision) refreshed = decide (fixture->engine, "GS1-NOT-IN-ANY-CACHE");

  /* "Unknown" would be a guess that turns a valid guest away … */
  g_assert_cmpint (unknown->verdict, ==, GATE_VERDICT_CANNOT_DECIDE);
  g_assert_cmpint (unknown->reason, ==, GATE_CANNOT_DECIDE_CACHE_EMPTY);
  g_assert_cmpint (unknown->mode, ==, GATE_SCAN_MODE_OFFLINE);
  g_assert_cmpstr (unknown->code, ==, "GS1-NOT-IN-ANY-CACHE");
  /* … but a code the cache does know still decides, … */
  g_assert_cmpint (known->verdict, ==, GATE_VERDICT_WRONG_EVENT);
  g_assert_cmpstr (known->event_id, ==, EVENT);
  /* … and for an event that was downloaded, unknown is not_found. */
  g_assert_cmpint (refreshed->verdict, ==, GATE_VERDICT_NOT_FOUND);
  g_assert_cmpint (refreshed->reason, ==, GATE_CANNOT_DECIDE_NONE);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 0);
}

typedef struct
{
  guint             decided;
  GateScanDecision *last;
} Counter;

static void
on_decided (GateScanEngine   *engine,
            GateScanDecision *decision,
            Counter          *counter)
{
  counter->decided++;
  g_clear_pointer (&counter->last, gate_scan_decision_free);
  counter->last = gate_scan_decision_copy (decision);
}

static gboolean
decided_once (gpointer user_data)
{
  return ((Counter *) user_data)->decided >= 1;
}

static void
test_submit_failure_ends_in_decided (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GateScanEngine) engine = gate_scan_engine_new (fixture->cache, NULL, NULL, OTHER_EVENT, "gate-test");
  Counter counter = { 0 };

  g_signal_connect (engine, "decided", G_CALLBACK (on_decided), &counter);

  /* Every submitted code ends on screen, the undecidable ones too. */
  g_assert_true (gate_scan_engine_submit (engine, "GS1-NOT-IN-ANY-CACHE", "wedge"));
  g_assert_true (gate_test_wait_until (NULL, decided_once, &counter, 10000));
  g_assert_cmpint (counter.last->verdict, ==, GATE_VERDICT_CANNOT_DECIDE);
  g_assert_cmpint (counter.last->reason, ==, GATE_CANNOT_DECIDE_CACHE_EMPTY);
  g_assert_cmpstr (gate_cannot_decide_reason_to_string (counter.last->reason), ==, "cache_empty");
  g_assert_cmpstr (gate_verdict_to_string (counter.last->verdict), ==, "cannot_decide");
  g_clear_pointer (&counter.last, gate_scan_decision_free);
}

static gboolean
decided_twice (gpointer user_data)
{
  return ((Counter *) user_data)->decided >= 2;
}

static void
test_submit_debounces_same_code (Fixture       *fixture,
                                 gconstpointer  data)
{
  Counter counter = { 0 };

  g_signal_connect (fixture->engine, "decided", G_CALLBACK (on_decided), &counter);

  /* A camera sees the same code in frame after frame. */
  g_assert_true (gate_scan_engine_submit (fixture->engine, "GS1-ENGINE2", "qr"));
  for (guint i = 0; i < 30; i++)
    g_assert_false (gate_scan_engine_submit (fixture->engine, "GS1-ENGINE2", "qr"));
  g_assert_true (gate_scan_engine_submit (fixture->engine, "GS1-ENGINE3", "qr"));

  g_assert_true (gate_test_wait_until (NULL, decided_twice, &counter, 10000));
  g_assert_cmpuint (counter.decided, ==, 2);
  g_clear_pointer (&counter.last, gate_scan_decision_free);
  g_assert_cmpint (gate_ticket_cache_pending_count (fixture->cache), ==, 2);
}

static void
test_slow_answers_go_offline (void)
{
  g_autoptr(GateConnectivity) connectivity = gate_connectivity_new ();

  g_assert_true (gate_connectivity_get_online (connectivity));
  gate_connectivity_report_latency (connectivity, 1500 * 1000);
  gate_connectivity_report_latency (connectivity, 1500 * 1000);
  g_assert_true (gate_connectivity_get_online (connectivity));
  gate_connectivity_report_latency (connectivity, 1500 * 1000);
  g_assert_false (gate_connectivity_get_online (connectivity));

  gate_connectivity_report_latency (connectivity, 20 * 1000);
  g_assert_true (gate_connectivity_get_online (connectivity));
}

static void
test_failure_goes_offline_success_comes_back (void)
{
  g_autoptr(GateConnectivity) connectivity = gate_connectivity_new ();

  gate_connectivity_report_failure (connectivity);
  g_assert_false (gate_connectivity_get_online (connectivity));
  gate_connectivity_report_success (connectivity);
  g_assert_true (gate_connectivity_get_online (connectivity));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/offline/admits-once", Fixture, NULL, fixture_set_up, test_offline_admits_once,
              fixture_tear_down);
  g_test_add ("/engine/codes/invalid-codes-touch-nothing", Fixture, NULL, fixture_set_up,
              test_invalid_codes_touch_nothing, fixture_tear_down);
  g_test_add ("/engine/submit/debounces-same-code", Fixture, NULL, fixture_set_up, test_submit_debounces_same_code,
              fixture_tear_down);
  g_test_add ("/engine/offline/never-filled-cache-cannot-decide", Fixture, NULL, fixture_set_up,
              test_never_filled_cache_cannot_decide, fixture_tear_down);
  g_test_add ("/engine/submit/failure-ends-in-decided", Fixture, NULL, fixture_set_up,
              test_submit_failure_ends_in_decided, fixture_tear_down);
  g_test_add_func ("/connectivity/slow-answers-go-offline", test_slow_answers_go_offline);
  g_test_add_func ("/connectivity/failure-offline-success-back", test_failure_goes_offline_success_comes_back);

  return g_test_run ();
}
