/* test-window.c — the main window: verdicts over the camera, camera states,
 * the status strip, kiosk mode
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real window on a real X display, a real cache file, a real GStreamer
 * pipeline showing a QR code; no server, so every decision is offline.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gate-camera.h"
#include "gate-gate-view.h"
#include "gate-kiosk-pin.h"
#include "gate-pin-dialog.h"
#include "gate-search-panel.h"
#include "gate-session.h"
#include "gate-status-strip.h"
#include "gate-test-gui.h"
#include "gate-test-harness.h"
#include "gate-test-tickets.h"
#include "gate-ticket-code.h"
#include "gate-verdict-view.h"
#include "gate-window.h"

#define DEADLINE_MS 20000
#define TICKETS 12

typedef struct
{
  char        *dir;
  char        *cache_path;
  char        *event_id;
  GateWindow  *window;
  GateSession *session;
  GateCamera  *camera;
} Fixture;

static char *
ticket_code (guint i)
{
  return g_strdup_printf ("GS1-WINDOWTEST%04u", i);
}

static void
seed_cache (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GateEventSummary) summary = gate_event_summary_new ();

  for (guint i = 0; i < TICKETS; i++)
    g_ptr_array_add (codes, ticket_code (i));
  gate_test_seed_cache (fixture->cache_path, fixture->event_id, (const char * const *) codes->pdata, codes->len);

  cache = gate_ticket_cache_new (fixture->cache_path, &error);
  g_assert_no_error (error);
  summary->event_id = g_strdup (fixture->event_id);
  summary->name = g_strdup ("Window Test Night");
  summary->ticket_count = TICKETS;
  summary->server_time_us = g_get_real_time ();
  g_assert_true (gate_ticket_cache_set_event (cache, summary, &error));
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *opened = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_session_open_finish (GATE_SESSION (source), result, &error));
  g_assert_no_error (error);
  *opened = TRUE;
}

/* A session over the seeded cache and a window with a camera on @source. */
static void
open_window (Fixture    *fixture,
             const char *source)
{
  g_autofree char *device_id = g_uuid_string_random ();
  gboolean opened = FALSE;

  fixture->session = gate_session_new (NULL, NULL, NULL, device_id, fixture->event_id, fixture->cache_path);
  gate_session_open_async (fixture->session, NULL, on_opened, &opened);
  g_assert_true (gate_test_wait_for_flag (NULL, &opened, DEADLINE_MS));

  fixture->window = g_object_ref_sink (gate_window_new (NULL));
  fixture->camera = gate_camera_new (source, "zbar");
  gate_window_set_session (fixture->window, fixture->session, fixture->camera);
  gate_camera_start (fixture->camera);
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), DEADLINE_MS));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("test-window-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->cache_path = g_build_filename (fixture->dir, "kiosk.cache", NULL);
  fixture->event_id = g_uuid_string_random ();
  seed_cache (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->camera != NULL)
    gate_camera_stop (fixture->camera);
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  g_clear_object (&fixture->camera);
  g_clear_object (&fixture->session);
  gate_test_gui_flush ();

  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->cache_path);
  g_free (fixture->event_id);
}

typedef struct
{
  GateGateView *view;
  const char   *screen;
} ScreenWait;

static gboolean
screen_is (gpointer user_data)
{
  ScreenWait *wait = user_data;

  return g_strcmp0 (gate_gate_view_get_screen (wait->view), wait->screen) == 0;
}

static GateGateView *
gate_view_of (Fixture *fixture)
{
  return GATE_GATE_VIEW (gtk_widget_get_template_child (GTK_WIDGET (fixture->window), GATE_TYPE_WINDOW,
                                                        "gate_view"));
}

static void
wait_for_screen (Fixture    *fixture,
                 const char *screen)
{
  ScreenWait wait = { gate_view_of (fixture), screen };

  if (!gate_test_gui_wait_until (screen_is, &wait, DEADLINE_MS))
    g_error ("the gate shows “%s”, not “%s”", gate_gate_view_get_screen (wait.view), screen);
}

static char *
qr_source (const char *code)
{
  return g_strdup_printf ("videotestsrc is-live=true pattern=black "
                          "! video/x-raw,width=640,height=480,framerate=30/1 "
                          "! qroverlay case-sensitive=true pixel-size=4 data=%s", code);
}

static void
test_camera_code_shows_verdict_then_camera_returns (Fixture       *fixture,
                                                    gconstpointer  data)
{
  g_autofree char *code = ticket_code (0);
  g_autofree char *source = qr_source (code);
  GateVerdictView *verdict;

  open_window (fixture, source);
  gate_gate_view_set_hold_ms (gate_view_of (fixture), 1500);

  wait_for_screen (fixture, "verdict");
  verdict = GATE_VERDICT_VIEW (gate_gate_view_get_verdict_view (gate_view_of (fixture)));
  g_assert_cmpstr (gate_verdict_view_get_verdict (verdict), ==, "admitted");
  g_assert_cmpstr (gate_verdict_view_get_headline (verdict), ==, "Admit");
  g_assert_nonnull (strstr (gate_verdict_view_get_detail (verdict), "Guest 0"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (verdict), "verdict-admit"));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (verdict), DEADLINE_MS));
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (fixture->window), "verdict"));

  wait_for_screen (fixture, "preview");
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (gate_view_of (fixture)), DEADLINE_MS));
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (fixture->window), "kiosk"));
}

static void
test_offline_verdict_carries_cache_age_badge (Fixture       *fixture,
                                              gconstpointer  data)
{
  g_autofree char *code = ticket_code (1);
  g_autofree char *source = qr_source (code);
  GateVerdictView *verdict;

  open_window (fixture, source);
  wait_for_screen (fixture, "verdict");

  verdict = GATE_VERDICT_VIEW (gate_gate_view_get_verdict_view (gate_view_of (fixture)));
  g_assert_true (g_str_has_prefix (gate_verdict_view_get_badge (verdict), "Offline — cache"));
}

/* A ticket sold after this gate's last refresh, its signed code drawn by
 * qroverlay as it is by default: upper-cased. */
static void
test_signature_admit_shows_its_badge (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ticket_id = g_uuid_string_random ();
  g_autofree char *code = NULL;
  g_autofree char *source = NULL;
  guint8 seed[GATE_TICKET_CODE_SEED_SIZE];
  GateEventKey *key = g_new0 (GateEventKey, 1);
  GateVerdictView *verdict;

  key->key_id = 1;
  gate_ticket_code_new_key (seed, key->public_key);
  g_ptr_array_add (keys, key);
  cache = gate_ticket_cache_new (fixture->cache_path, &error);
  g_assert_no_error (error);
  g_assert_true (gate_ticket_cache_set_event_keys (cache, fixture->event_id, keys, &error));
  g_clear_object (&cache);

  code = gate_ticket_code_sign (1, fixture->event_id, ticket_id, "VIP", seed, &error);
  g_assert_no_error (error);
  source = g_strdup_printf ("videotestsrc is-live=true pattern=black "
                            "! video/x-raw,width=640,height=480,framerate=30/1 "
                            "! qroverlay pixel-size=4 data=%s", code);

  open_window (fixture, source);
  wait_for_screen (fixture, "verdict");

  verdict = GATE_VERDICT_VIEW (gate_gate_view_get_verdict_view (gate_view_of (fixture)));
  g_assert_cmpstr (gate_verdict_view_get_verdict (verdict), ==, "admitted");
  g_assert_cmpstr (gate_verdict_view_get_signature_badge (verdict), ==, "Verified offline by signature");
  g_assert_true (g_str_has_prefix (gate_verdict_view_get_badge (verdict), "Offline — cache"));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (verdict), DEADLINE_MS));
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (fixture->window), "verdict-signature"));
}

typedef struct
{
  GateVerdictView *verdict;
  const char      *expected;
} VerdictWait;

static gboolean
verdict_is (gpointer user_data)
{
  VerdictWait *wait = user_data;

  return g_strcmp0 (gate_verdict_view_get_verdict (wait->verdict), wait->expected) == 0;
}

static void
test_second_scan_shows_when_it_was_used (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autofree char *code = ticket_code (2);
  GateScanEngine *engine;
  VerdictWait wait;

  open_window (fixture, "none");
  engine = gate_session_get_engine (fixture->session);
  g_object_set (engine, "debounce-ms", 0, NULL);
  wait.verdict = GATE_VERDICT_VIEW (gate_gate_view_get_verdict_view (gate_view_of (fixture)));

  g_assert_true (gate_scan_engine_submit (engine, code, "manual"));
  wait.expected = "admitted";
  g_assert_true (gate_test_gui_wait_until (verdict_is, &wait, DEADLINE_MS));

  g_assert_true (gate_scan_engine_submit (engine, code, "manual"));
  wait.expected = "already_scanned";
  g_assert_true (gate_test_gui_wait_until (verdict_is, &wait, DEADLINE_MS));

  g_assert_cmpstr (gate_verdict_view_get_headline (wait.verdict), ==, "Already used");
  /* The guest on the ticket, then when (and that it was here). */
  g_assert_nonnull (strstr (gate_verdict_view_get_detail (wait.verdict), "\nScanned here at "));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (wait.verdict), "verdict-deny"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (wait.verdict), "verdict-admit"));
}

typedef struct
{
  GateStatusStrip *strip;
  const char      *needle;
} StripWait;

static gboolean
strip_says (gpointer user_data)
{
  StripWait *wait = user_data;
  g_autofree char *text = gate_status_strip_dup_text (wait->strip);

  return strstr (text, wait->needle) != NULL;
}

static GateStatusStrip *
strip_of (Fixture *fixture)
{
  return GATE_STATUS_STRIP (gtk_widget_get_template_child (GTK_WIDGET (fixture->window), GATE_TYPE_WINDOW,
                                                           "status_strip"));
}

static void
test_status_strip_counts_an_admit_live (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *code = ticket_code (3);
  StripWait wait;

  open_window (fixture, "none");
  wait.strip = strip_of (fixture);

  wait.needle = "0 / 12 in";
  g_assert_true (gate_test_gui_wait_until (strip_says, &wait, DEADLINE_MS));
  wait.needle = "Offline";
  g_assert_true (strip_says (&wait));

  g_assert_true (gate_scan_engine_submit (gate_session_get_engine (fixture->session), code, "manual"));

  wait.needle = "1 / 12 in";
  g_assert_true (gate_test_gui_wait_until (strip_says, &wait, DEADLINE_MS));
  wait.needle = "1 scan to upload";
  g_assert_true (strip_says (&wait));
}

static void
test_no_camera_shows_its_status_page (Fixture       *fixture,
                                      gconstpointer  data)
{
  open_window (fixture, "none");

  wait_for_screen (fixture, "no-camera");
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (gate_view_of (fixture)), DEADLINE_MS));
  g_free (gate_test_gui_screenshot ("no-camera"));
}

static void
test_broken_pipeline_shows_error_page (Fixture       *fixture,
                                       gconstpointer  data)
{
  open_window (fixture, "videotestsrc ! nosuchelement");

  wait_for_screen (fixture, "error");
}

static void
test_kiosk_refuses_to_close (Fixture       *fixture,
                             gconstpointer  data)
{
  open_window (fixture, "none");

  gate_window_set_kiosk (fixture->window, TRUE);
  gtk_window_close (GTK_WINDOW (fixture->window));
  gate_test_gui_flush ();

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (fixture->window)));
  g_assert_true (gate_window_get_kiosk (fixture->window));
  g_free (gate_test_gui_screenshot ("kiosk-locked"));
}

static gboolean
view_is_cache (gpointer user_data)
{
  return g_strcmp0 (adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (user_data)), "cache") == 0;
}

static GtkWidget *
find_pin_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (GATE_IS_PIN_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_WIDGET (window);
    }
  return NULL;
}

static gboolean
pin_dialog_shown (gpointer user_data)
{
  return find_pin_dialog () != NULL;
}

static gboolean
entry_cleared (gpointer user_data)
{
  return *gtk_editable_get_text (GTK_EDITABLE (user_data)) == '\0';
}

static gboolean
kiosk_left (gpointer user_data)
{
  return !gate_window_get_kiosk (GATE_WINDOW (user_data));
}

static void
test_kiosk_unlocks_with_supervisor_pin (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *hash = gate_kiosk_pin_hash ("2468");
  GtkWidget *dialog;
  GtkWidget *entry;

  open_window (fixture, "none");
  gate_window_set_pin_hash (fixture->window, hash);
  gate_window_set_kiosk (fixture->window, TRUE);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.unlock", NULL));
  g_assert_true (gate_test_gui_wait_until (pin_dialog_shown, NULL, DEADLINE_MS));
  dialog = find_pin_dialog ();
  entry = GTK_WIDGET (gtk_widget_get_template_child (dialog, GATE_TYPE_PIN_DIALOG, "entry"));

  /* A wrong PIN is checked, cleared, and keeps the kiosk locked... */
  gtk_editable_set_text (GTK_EDITABLE (entry), "1111");
  g_signal_emit_by_name (entry, "activate");
  g_assert_true (gate_test_gui_wait_until (entry_cleared, entry, DEADLINE_MS));
  g_assert_true (gate_window_get_kiosk (fixture->window));

  /* ...the supervisor's opens it. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "2468");
  g_signal_emit_by_name (entry, "activate");
  g_assert_true (gate_test_gui_wait_until (kiosk_left, fixture->window, DEADLINE_MS));
}

static void
test_chosen_search_result_is_decided (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autofree char *code = ticket_code (4);
  GObject *search;
  VerdictWait wait;

  open_window (fixture, "none");
  search = gtk_widget_get_template_child (GTK_WIDGET (fixture->window), GATE_TYPE_WINDOW, "search_panel");
  wait.verdict = GATE_VERDICT_VIEW (gate_gate_view_get_verdict_view (gate_view_of (fixture)));
  wait.expected = "admitted";

  g_signal_emit_by_name (search, "code-chosen", code);

  g_assert_true (gate_test_gui_wait_until (verdict_is, &wait, DEADLINE_MS));
  g_assert_nonnull (strstr (gate_verdict_view_get_detail (wait.verdict), "Guest 4"));
  wait_for_screen (fixture, "verdict");
}

/* Real X input, as a touchscreen or a keyboard gives it. */
static void
xdotool (const char *command)
{
  g_autofree char *line = g_strdup_printf ("xdotool search --sync --name \"^Gate Scanner$\" %s", command);
  g_autoptr(GError) error = NULL;
  int status = 0;

  /* Synchronous is fine: xdotool talks to the X server, not to us. */
  g_assert_true (g_spawn_command_line_sync (line, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static gboolean
window_active (gpointer user_data)
{
  return gtk_window_is_active (GTK_WINDOW (user_data));
}

static void
test_tap_on_verdict_gives_camera_back (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autofree char *code = ticket_code (5);

  open_window (fixture, "none");
  /* Long enough that only the tap can end it within the deadline. */
  gate_gate_view_set_hold_ms (gate_view_of (fixture), 60000);
  g_assert_true (gate_scan_engine_submit (gate_session_get_engine (fixture->session), code, "manual"));
  wait_for_screen (fixture, "verdict");
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (gate_view_of (fixture)), DEADLINE_MS));

  xdotool ("mousemove --window %1 500 350 click 1");

  wait_for_screen (fixture, "no-camera");
}

static void
test_alt_number_goes_to_a_page (Fixture       *fixture,
                                gconstpointer  data)
{
  GObject *views;

  open_window (fixture, "none");
  g_assert_true (gate_test_gui_wait_until (window_active, fixture->window, DEADLINE_MS));
  views = gtk_widget_get_template_child (GTK_WIDGET (fixture->window), GATE_TYPE_WINDOW, "views");

  xdotool ("windowfocus --sync %1 key alt+3");

  g_assert_true (gate_test_gui_wait_until (view_is_cache, views, DEADLINE_MS));
}

static void
test_unconfigured_shows_welcome (void)
{
  GateWindow *window = g_object_ref_sink (gate_window_new (NULL));

  gate_window_show_welcome (window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (window), DEADLINE_MS));

  g_assert_cmpstr (gate_window_get_page (window), ==, "welcome");
  g_free (gate_test_gui_screenshot ("welcome"));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

int
main (int    argc,
      char **argv)
{
  gate_test_gui_init (&argc, &argv);
  gst_init (NULL, NULL);

#define ADD(path, func) \
  g_test_add ("/window/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("camera-code-shows-verdict-then-camera-returns", test_camera_code_shows_verdict_then_camera_returns);
  ADD ("offline-verdict-carries-cache-age-badge", test_offline_verdict_carries_cache_age_badge);
  ADD ("signature-admit-shows-its-badge", test_signature_admit_shows_its_badge);
  ADD ("second-scan-shows-when-it-was-used", test_second_scan_shows_when_it_was_used);
  ADD ("status-strip-counts-an-admit-live", test_status_strip_counts_an_admit_live);
  ADD ("no-camera-shows-its-status-page", test_no_camera_shows_its_status_page);
  ADD ("broken-pipeline-shows-error-page", test_broken_pipeline_shows_error_page);
  ADD ("kiosk-refuses-to-close", test_kiosk_refuses_to_close);
  ADD ("kiosk-unlocks-with-supervisor-pin", test_kiosk_unlocks_with_supervisor_pin);
  ADD ("chosen-search-result-is-decided", test_chosen_search_result_is_decided);
  ADD ("tap-on-verdict-gives-camera-back", test_tap_on_verdict_gives_camera_back);
  ADD ("alt-number-goes-to-a-page", test_alt_number_goes_to_a_page);
  g_test_add_func ("/window/unconfigured-shows-welcome", test_unconfigured_shows_welcome);

  return g_test_run ();
}
