/* test-demo.c — `--demo` shows every verdict, and its network switch makes
 * a real offline scan and a real conflict
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The demo's camera is a real GStreamer pipeline whose QR code changes; the
 * decisions come from the real engine. The server-backed case runs a real
 * PostgreSQL and gate-server, as tools/demo does.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "gate-demo.h"
#include "gate-test-gui.h"
#include "gate-test-harness.h"

#define DEADLINE_MS 60000
#define CODE_MS     1500

typedef struct
{
  GateDemo    *demo;
  GateSession *session;
  GateCamera  *camera;
  GHashTable  *verdicts;     /* wire name → last GateScanDecision */
  gboolean     prepared;
  gboolean     opened;
} Fixture;

static void
on_prepared (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_demo_prepare_finish (GATE_DEMO (source), result, &error));
  g_assert_no_error (error);
  fixture->prepared = TRUE;
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_session_open_finish (GATE_SESSION (source), result, &error));
  g_assert_no_error (error);
  fixture->opened = TRUE;
}

static void
on_decided (GateScanEngine         *engine,
            const GateScanDecision *decision,
            Fixture                *fixture)
{
  g_test_message ("decided %s: %s (%s)", decision->code, gate_verdict_to_string (decision->verdict),
                  gate_scan_mode_to_string (decision->mode));
  g_hash_table_replace (fixture->verdicts, g_strdup (gate_verdict_to_string (decision->verdict)),
                        gate_scan_decision_copy (decision));
}

static void
on_code_detected (GateCamera *camera,
                  const char *code,
                  gint64      frame_time_us,
                  Fixture    *fixture)
{
  gate_scan_engine_submit (gate_session_get_engine (fixture->session), code, "qr");
}

/* Prepares @demo and runs it as the app does: session, camera, codes. */
static void
start_demo (Fixture  *fixture,
            GateDemo *demo)
{
  g_autofree char *source = NULL;

  fixture->demo = demo;
  fixture->verdicts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) gate_scan_decision_free);
  gate_demo_set_code_ms (demo, CODE_MS);
  gate_demo_prepare_async (demo, NULL, on_prepared, fixture);
  g_assert_true (gate_test_wait_for_flag (NULL, &fixture->prepared, DEADLINE_MS));

  fixture->session = gate_session_new (gate_demo_get_server_url (demo), gate_demo_get_token (demo), NULL,
                                       gate_demo_get_device_id (demo), gate_demo_get_event_id (demo),
                                       gate_demo_get_cache_path (demo));
  gate_session_open_async (fixture->session, NULL, on_opened, fixture);
  g_assert_true (gate_test_wait_for_flag (NULL, &fixture->opened, DEADLINE_MS));

  /* The demo repeats a code two codes later: well past this debounce. */
  g_object_set (gate_session_get_engine (fixture->session), "debounce-ms", 500, NULL);
  g_signal_connect (gate_session_get_engine (fixture->session), "decided", G_CALLBACK (on_decided), fixture);

  source = gate_demo_dup_camera_source (demo);
  fixture->camera = gate_camera_new (source, "zbar");
  g_signal_connect (fixture->camera, "code-detected", G_CALLBACK (on_code_detected), fixture);
  gate_demo_attach (demo, fixture->session, fixture->camera);
  gate_camera_start (fixture->camera);
}

static void
stop_demo (Fixture *fixture)
{
  gate_camera_stop (fixture->camera);
  g_clear_object (&fixture->camera);
  g_clear_object (&fixture->demo);
  g_clear_object (&fixture->session);
  g_clear_pointer (&fixture->verdicts, g_hash_table_unref);
  gate_test_gui_flush ();
}

static gboolean
saw_every_verdict (gpointer user_data)
{
  Fixture *fixture = user_data;
  static const char *expected[] = { "admitted", "not_found", "already_scanned", "invalid_code", "wrong_event" };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (!g_hash_table_contains (fixture->verdicts, expected[i]))
      return FALSE;
  return TRUE;
}

static void
test_standalone_demo_shows_every_verdict (void)
{
  Fixture fixture = { 0 };

  start_demo (&fixture, gate_demo_new (NULL, NULL, NULL, NULL, NULL, NULL));

  g_assert_true (gate_test_gui_wait_until (saw_every_verdict, &fixture, DEADLINE_MS));
  g_assert_false (gate_demo_get_can_cut (fixture.demo));

  stop_demo (&fixture);
}

typedef struct
{
  Fixture    *fixture;
  const char *code;
  GateVerdict verdict;
  GateScanMode mode;
} DecisionWait;

static gboolean
decided_as (gpointer user_data)
{
  DecisionWait *wait = user_data;
  GHashTableIter iter;
  GateScanDecision *decision;

  g_hash_table_iter_init (&iter, wait->fixture->verdicts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &decision))
    if (g_strcmp0 (decision->code, wait->code) == 0 && decision->verdict == wait->verdict &&
        decision->mode == wait->mode)
      return TRUE;
  return FALSE;
}

typedef struct
{
  GateTicketCache *cache;
  const char      *event_id;
} ConflictWait;

static gboolean
has_conflict (gpointer user_data)
{
  ConflictWait *wait = user_data;
  g_autoptr(GPtrArray) conflicts = gate_ticket_cache_list_conflicts (wait->cache, wait->event_id, TRUE, NULL);

  return conflicts != NULL && conflicts->len > 0;
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_sync_service_sync_finish (GATE_SYNC_SERVICE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static char *
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_cut_network_scans_offline_and_makes_a_conflict (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestPg) pg = NULL;
  g_autoptr(GateTestServer) server = NULL;
  g_autofree char *event_id = NULL;
  g_auto(GStrv) tickets = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *peer_id = NULL;
  g_autofree char *peer_token = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *tickets_file = NULL;
  g_autofree char *peer_token_file = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *joined = NULL;
  Fixture fixture = { 0 };
  gboolean refreshed = FALSE;
  DecisionWait wait;
  ConflictWait conflict;
  const char *conflict_code;

  pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (pg, &error));
  event_id = g_strstrip (gate_test_create_event (pg, "Demo Night", &error));
  tickets = gate_test_generate_tickets (pg, event_id, 20, "General", &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (pg, "Demo gate 1", "gate", &device_id, &token, &error));
  g_assert_true (gate_test_add_device (pg, "Demo gate 2", "gate", &peer_id, &peer_token, &error));
  server = gate_test_server_new (gate_test_pg_get_conninfo (pg), NULL, &error);
  g_assert_no_error (error);

  dir = g_dir_make_tmp ("test-demo-XXXXXX", &error);
  g_assert_no_error (error);
  joined = g_strjoinv ("\n", tickets);
  tickets_file = write_file (dir, "tickets.txt", joined);
  peer_token_file = write_file (dir, "gate-2.token", peer_token);
  cache = g_build_filename (dir, "kiosk.cache", NULL);
  g_setenv ("GATE_DEMO_PEER_TOKEN_FILE", peer_token_file, TRUE);
  g_setenv ("GATE_DEMO_PEER_DEVICE_ID", peer_id, TRUE);

  start_demo (&fixture, gate_demo_new (gate_test_server_get_url (server), token, device_id, event_id, cache,
                                       tickets_file));
  g_assert_true (gate_demo_get_can_cut (fixture.demo));

  /* Through the link, the first ticket is admitted online. */
  wait = (DecisionWait) { &fixture, tickets[0], GATE_VERDICT_ADMITTED, GATE_SCAN_MODE_ONLINE };
  g_assert_true (gate_test_gui_wait_until (decided_as, &wait, DEADLINE_MS));

  /* With the cache filled, cut: the second gate admits the next ticket
   * online meanwhile, and this kiosk, cut off, admits it too — from its
   * cache. */
  gate_sync_service_refresh_async (gate_session_get_sync_service (fixture.session), TRUE, NULL,
                                   on_refreshed, &refreshed);
  g_assert_true (gate_test_wait_for_flag (NULL, &refreshed, DEADLINE_MS));
  gate_demo_set_offline (fixture.demo, TRUE);
  conflict_code = gate_demo_get_peer_code (fixture.demo);
  g_assert_nonnull (conflict_code);
  wait = (DecisionWait) { &fixture, conflict_code, GATE_VERDICT_ADMITTED, GATE_SCAN_MODE_OFFLINE };
  g_assert_true (gate_test_gui_wait_until (decided_as, &wait, DEADLINE_MS));

  /* Back online, the upload finds that the other gate was first. */
  gate_demo_set_offline (fixture.demo, FALSE);
  conflict = (ConflictWait) { gate_session_get_cache (fixture.session), event_id };
  g_assert_true (gate_test_gui_wait_until (has_conflict, &conflict, DEADLINE_MS));

  stop_demo (&fixture);
  g_unsetenv ("GATE_DEMO_PEER_TOKEN_FILE");
  g_unsetenv ("GATE_DEMO_PEER_DEVICE_ID");
}

int
main (int    argc,
      char **argv)
{
  gate_test_gui_init (&argc, &argv);
  gst_init (NULL, NULL);

  g_test_add_func ("/demo/standalone-shows-every-verdict", test_standalone_demo_shows_every_verdict);
  g_test_add_func ("/demo/cut-network-scans-offline-and-makes-a-conflict",
                   test_cut_network_scans_offline_and_makes_a_conflict);

  return g_test_run ();
}
