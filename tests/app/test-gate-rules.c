/* test-gate-rules.c — the kiosk's gate rules: check-in lists, entry and
 * exit, occupancy, operator sign-in (issue 13)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real window on a real X display, a real PostgreSQL and gate-server:
 * what the gate shows is checked against what the server recorded. Run
 * twice, in English and with --spanish in Spanish; the 800×480 screenshots
 * of each are under screenshots/.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gate-application.h"
#include "gate-checkin-list.h"
#include "gate-config.h"
#include "gate-demo.h"
#include "gate-gate-view.h"
#include "gate-preferences-window.h"
#include "gate-secret.h"
#include "gate-session.h"
#include "gate-sign-in-page.h"
#include "gate-status-strip.h"
#include "gate-test-gui.h"
#include "gate-test-harness.h"
#include "gate-token-store.h"
#include "gate-verdict-view.h"
#include "gate-window.h"

#define DEADLINE_MS 20000
#define PIN         "4321"

static gboolean spanish;

/* One database and server for the program; each test makes its own event. */
static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
} backend;

typedef struct
{
  char        *dir;
  char        *event_id;
  char       **codes;       /* General tickets */
  char        *device_id;
  char        *token;
  GateWindow  *window;
  GateSession *session;
  GateTestServer *own_server;  /* a server of this test's own, to stop */
} Fixture;

/* --- the server ------------------------------------------------------------------ */

static char *
server_sql (const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *psql = g_find_program_in_path ("psql");
  g_autofree char *out = NULL;
  const char *argv[] = { psql, "-Atq", "-d", gate_test_pg_get_conninfo (backend.pg), "-c", sql, NULL };
  int status = 0;

  g_assert_nonnull (psql);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_strstrip (g_steal_pointer (&out));
}

static char *
create_list_in (const char *event_id,
                const char *name,
                const char *types,
                const char *direction)
{
  g_autoptr(GError) error = NULL;
  char *out;

  if (types != NULL)
    out = gate_test_gatectl (&error, "list", "create", "--db", gate_test_pg_get_conninfo (backend.pg), "--event",
                             event_id, "--name", name, "--direction", direction, "--types", types, NULL);
  else
    out = gate_test_gatectl (&error, "list", "create", "--db", gate_test_pg_get_conninfo (backend.pg), "--event",
                             event_id, "--name", name, "--direction", direction, NULL);
  g_assert_no_error (error);
  g_strstrip (out);
  g_assert_true (g_uuid_string_is_valid (out));
  return out;
}

static char *
create_list (Fixture    *fixture,
             const char *name,
             const char *types,
             const char *direction)
{
  return create_list_in (fixture->event_id, name, types, direction);
}

/* The operator's id. */
static char *
add_operator (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = gate_test_gatectl (&error, "operator", "add", "--db", gate_test_pg_get_conninfo (backend.pg),
                                            "--name", name, "--pin", PIN, NULL);
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM operators WHERE name = '%s' AND removed_at IS NULL", name);

  g_assert_no_error (error);
  return server_sql (sql);
}

/* --- the window -------------------------------------------------------------------- */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("test-gate-rules-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->event_id = gate_test_create_event (backend.pg, "Rules night", &error);
  g_assert_no_error (error);
  g_strstrip (fixture->event_id);
  fixture->codes = gate_test_generate_tickets (backend.pg, fixture->event_id, 3, "General", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *cache = g_build_filename (fixture->dir, "kiosk.cache", NULL);

  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  g_clear_object (&fixture->session);
  gate_test_gui_flush ();
  g_clear_pointer (&fixture->own_server, gate_test_server_free);

  g_remove (cache);
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->event_id);
  g_free (fixture->device_id);
  gate_secret_clear (&fixture->token);
  g_strfreev (fixture->codes);
}

static gboolean
is_online (gpointer user_data)
{
  return gate_connectivity_get_online (gate_session_get_connectivity (user_data));
}

/* A kiosk of 800×480 for the device of @role, scanning @list_id (NULL: none),
 * on @server_url. */
static void
open_kiosk_on (Fixture    *fixture,
               const char *server_url,
               const char *role,
               const char *list_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cache = g_build_filename (fixture->dir, "kiosk.cache", NULL);
  GateScanEngine *engine;

  g_assert_true (gate_test_add_device (backend.pg, "Rules gate", role, &fixture->device_id, &fixture->token, &error));
  g_assert_no_error (error);
  fixture->session = gate_test_gui_open_session (server_url, fixture->token, fixture->device_id, fixture->event_id,
                                                 cache);
  engine = gate_session_get_engine (fixture->session);
  /* What the app does with the "list-id" setting. */
  g_object_set (engine, "debounce-ms", 0, NULL);
  gate_session_set_list_id (fixture->session, list_id);

  fixture->window = g_object_ref_sink (gate_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 800, 480);
  gate_window_set_session (fixture->window, fixture->session, NULL);
  gate_window_set_kiosk (fixture->window, TRUE);
  gate_session_start_sync (fixture->session, 3600);
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), DEADLINE_MS));
  g_assert_true (gate_test_gui_wait_until (is_online, fixture->session, DEADLINE_MS));
}

static void
open_kiosk (Fixture    *fixture,
            const char *role,
            const char *list_id)
{
  open_kiosk_on (fixture, gate_test_server_get_url (backend.server), role, list_id);
}

/* A kiosk on a gate-server of the test's own, which the test may stop. */
static void
open_kiosk_on_own_server (Fixture    *fixture,
                          const char *list_id)
{
  g_autoptr(GError) error = NULL;

  fixture->own_server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);
  open_kiosk_on (fixture, gate_test_server_get_url (fixture->own_server), "gate", list_id);
}

static void
stop_own_server (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_test_server_stop (fixture->own_server, NULL, &error));
  g_assert_no_error (error);
}

typedef struct
{
  GateSession *session;
  const char  *list_id;
} ListWait;

/* The session's cache has the event's lists, and @list_id among them. */
static gboolean
cache_has_list (gpointer user_data)
{
  ListWait *wait = user_data;

  return gate_session_get_lists_known (wait->session) &&
         gate_checkin_list_find (gate_session_get_checkin_lists (wait->session), wait->list_id) != NULL;
}

static GtkWidget *
window_child (Fixture    *fixture,
              const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (fixture->window), GATE_TYPE_WINDOW, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static GateGateView *
gate_view_of (Fixture *fixture)
{
  return GATE_GATE_VIEW (window_child (fixture, "gate_view"));
}

static GtkWidget *
gate_view_child (Fixture    *fixture,
                 const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (gate_view_of (fixture)), GATE_TYPE_GATE_VIEW, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static GateVerdictView *
verdict_of (Fixture *fixture)
{
  return GATE_VERDICT_VIEW (gate_gate_view_get_verdict_view (gate_view_of (fixture)));
}

typedef struct
{
  Fixture    *fixture;
  const char *expected;
} Wait;

static gboolean
list_direction_is (gpointer user_data)
{
  Wait *wait = user_data;

  return g_strcmp0 (gate_gate_view_get_list_direction (gate_view_of (wait->fixture)), wait->expected) == 0;
}

static gboolean
verdict_is (gpointer user_data)
{
  Wait *wait = user_data;

  return g_strcmp0 (gate_gate_view_get_screen (gate_view_of (wait->fixture)), "verdict") == 0 &&
         g_strcmp0 (gate_verdict_view_get_verdict (verdict_of (wait->fixture)), wait->expected) == 0;
}

static gboolean
strip_says (gpointer user_data)
{
  Wait *wait = user_data;
  g_autofree char *text = gate_status_strip_dup_text (GATE_STATUS_STRIP (window_child (wait->fixture,
                                                                                        "status_strip")));

  return strstr (text, wait->expected) != NULL;
}

/* Scans @code as a worker picking it in Search, and waits for @verdict. */
static void
scan (Fixture    *fixture,
      const char *code,
      const char *verdict)
{
  Wait wait = { fixture, verdict };

  gate_gate_view_dismiss_verdict (gate_view_of (fixture));
  g_signal_emit_by_name (window_child (fixture, "search_panel"), "code-chosen", code);
  if (!gate_test_gui_wait_until (verdict_is, &wait, DEADLINE_MS))
    g_error ("“%s” ended in “%s” (%s), not “%s”", code, gate_verdict_view_get_verdict (verdict_of (fixture)),
             gate_verdict_view_get_detail (verdict_of (fixture)), verdict);
}

static void
screenshot (Fixture    *fixture,
            const char *name)
{
  g_autofree char *file = g_strdup_printf ("gate-rules-%s-800x480%s", name, spanish ? "-es" : "");

  g_assert_true (gate_test_gui_wait_still (GTK_WIDGET (fixture->window), DEADLINE_MS));
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (fixture->window), file));
}

/* --- tests ------------------------------------------------------------------------- */

/* A both-way gate: the switch decides the direction of the next scan, and
 * the server records an exit. */
static void
test_switch_turns_the_next_scan_into_an_exit (Fixture       *fixture,
                                              gconstpointer  data)
{
  g_autofree char *list_id = create_list (fixture, "Festival gate", NULL, "both");
  g_autofree char *sql = NULL;
  g_autofree char *exits = NULL;
  g_autofree char *inside = NULL;
  Wait wait = { fixture, "both" };
  g_autofree char *engine_direction = NULL;

  open_kiosk (fixture, "gate", list_id);
  g_assert_true (gate_test_gui_wait_until (list_direction_is, &wait, DEADLINE_MS));
  g_assert_true (gtk_widget_get_mapped (gate_view_child (fixture, "direction_switch")));
  g_assert_true (gtk_widget_get_mapped (gate_view_child (fixture, "direction_band")));
  g_assert_cmpstr (gate_gate_view_get_direction (gate_view_of (fixture)), ==, "entry");

  scan (fixture, fixture->codes[0], "admitted");
  gate_gate_view_dismiss_verdict (gate_view_of (fixture));
  screenshot (fixture, "entry");

  /* The worker turns the gate round with the Exit key. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (gate_view_child (fixture, "exit_button")), TRUE);
  g_assert_cmpstr (gate_gate_view_get_direction (gate_view_of (fixture)), ==, "exit");
  g_object_get (gate_session_get_engine (fixture->session), "direction", &engine_direction, NULL);
  g_assert_cmpstr (engine_direction, ==, "exit");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gate_view_child (fixture, "direction_band"))), ==,
                   C_("direction band", "EXIT"));
  screenshot (fixture, "exit");

  scan (fixture, fixture->codes[0], "exited");
  screenshot (fixture, "exited");
  /* Someone who never came in cannot go out. */
  scan (fixture, fixture->codes[1], "not_inside");

  sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE qr_token = '%s' AND direction = 'exit' "
                         "AND outcome = 'exited' AND list_id = '%s' AND device_id = '%s'",
                         fixture->codes[0], list_id, fixture->device_id);
  exits = server_sql (sql);
  g_assert_cmpstr (exits, ==, "1");
  g_free (sql);
  sql = g_strdup_printf ("SELECT count(*) FROM ticket_stays s JOIN tickets t ON t.id = s.ticket_id "
                         "WHERE t.qr_token = '%s' AND s.exited_at IS NULL", fixture->codes[0]);
  inside = server_sql (sql);
  g_assert_cmpstr (inside, ==, "0");

  /* And back: the next scan is an entry again (re-entry is not allowed). */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (gate_view_child (fixture, "entry_button")), TRUE);
  scan (fixture, fixture->codes[2], "admitted");
}

/* An exit-only door fixes the direction and says it; the switch is gone. */
static void
test_one_way_list_fixes_the_direction (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autofree char *list_id = create_list (fixture, "South exit", NULL, "exit");
  Wait wait = { fixture, "exit" };

  open_kiosk (fixture, "gate", list_id);
  g_assert_true (gate_test_gui_wait_until (list_direction_is, &wait, DEADLINE_MS));
  g_assert_cmpstr (gate_gate_view_get_direction (gate_view_of (fixture)), ==, "exit");
  g_assert_false (gtk_widget_get_visible (gate_view_child (fixture, "direction_switch")));
  g_assert_true (gtk_widget_get_mapped (gate_view_child (fixture, "fixed_direction_label")));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gate_view_child (fixture, "fixed_direction_label"))), ==,
                   _("Exit only"));

  /* Nothing turns it into an entry. */
  gate_gate_view_set_direction (gate_view_of (fixture), "entry");
  g_assert_cmpstr (gate_gate_view_get_direction (gate_view_of (fixture)), ==, "exit");
  scan (fixture, fixture->codes[0], "not_inside");

  /* Back to no list: an entry gate again, without the bar. */
  gate_session_set_list_id (fixture->session, NULL);
  wait.expected = NULL;
  g_assert_true (gate_test_gui_wait_until (list_direction_is, &wait, DEADLINE_MS));
  g_assert_cmpstr (gate_gate_view_get_direction (gate_view_of (fixture)), ==, "entry");
  g_assert_false (gtk_widget_get_visible (gate_view_child (fixture, "direction_bar")));
  scan (fixture, fixture->codes[0], "admitted");
}

/* "Not this door" names the door and the ticket's type. */
static void
test_not_allowed_here_names_list_and_type (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autofree char *list_id = create_list (fixture, "VIP door", "VIP", "entry");
  g_autofree char *expected = g_strdup_printf (_("%s — %s ticket"), "VIP door", "General");
  Wait wait = { fixture, "entry" };

  open_kiosk (fixture, "gate", list_id);
  g_assert_true (gate_test_gui_wait_until (list_direction_is, &wait, DEADLINE_MS));
  scan (fixture, fixture->codes[0], "not_allowed_here");
  g_assert_cmpstr (gate_verdict_view_get_detail (verdict_of (fixture)), ==, expected);
  screenshot (fixture, "not-allowed-here");
}

/* "N inside" on the strip follows an admit and an exit. */
static void
test_occupancy_follows_admits_and_exits (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autofree char *list_id = create_list (fixture, "Festival gate", NULL, "both");
  g_autofree char *none = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d inside", "%d inside", 0), 0);
  g_autofree char *one = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d inside", "%d inside", 1), 1);
  Wait wait = { fixture, none };

  /* A gate's own token: event_inside (0022) answers gates of the event. */
  open_kiosk (fixture, "gate", list_id);
  g_assert_true (gate_test_gui_wait_until (strip_says, &wait, DEADLINE_MS));

  scan (fixture, fixture->codes[0], "admitted");
  wait.expected = one;
  g_assert_true (gate_test_gui_wait_until (strip_says, &wait, DEADLINE_MS));
  gate_gate_view_dismiss_verdict (gate_view_of (fixture));
  screenshot (fixture, "occupancy");

  gate_gate_view_set_direction (gate_view_of (fixture), "exit");
  scan (fixture, fixture->codes[0], "exited");
  wait.expected = none;
  g_assert_true (gate_test_gui_wait_until (strip_says, &wait, DEADLINE_MS));
}

static GtkLabel *
inside_label_of (Fixture *fixture)
{
  GObject *label = gtk_widget_get_template_child (window_child (fixture, "status_strip"), GATE_TYPE_STATUS_STRIP,
                                                  "inside_label");

  g_assert_nonnull (label);
  return GTK_LABEL (label);
}

/* The strip's occupancy reads exactly @expected (strip_says would take
 * "≈ 2 inside" for "2 inside"). */
static gboolean
inside_label_is (gpointer user_data)
{
  Wait *wait = user_data;

  return g_strcmp0 (gtk_label_get_label (inside_label_of (wait->fixture)), wait->expected) == 0;
}

static gboolean
is_offline (gpointer user_data)
{
  return !is_online (user_data);
}

/* With the server gone the strip still says how many are inside: the
 * cache's count, marked as such, and this gate's offline exits lower it. */
static void
test_offline_occupancy_is_the_caches (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autofree char *list_id = create_list (fixture, "Festival gate", NULL, "both");
  g_autofree char *two = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d inside", "%d inside", 2), 2);
  g_autofree char *about_two = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "≈ %d inside", "≈ %d inside", 2), 2);
  g_autofree char *about_one = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "≈ %d inside", "≈ %d inside", 1), 1);
  ListWait lists = { NULL, list_id };
  Wait wait = { fixture, two };

  open_kiosk_on_own_server (fixture, list_id);
  lists.session = fixture->session;
  g_assert_true (gate_test_gui_wait_until (cache_has_list, &lists, DEADLINE_MS));
  scan (fixture, fixture->codes[0], "admitted");
  scan (fixture, fixture->codes[1], "admitted");
  g_assert_true (gate_test_gui_wait_until (inside_label_is, &wait, DEADLINE_MS));
  g_assert_null (gtk_widget_get_tooltip_text (GTK_WIDGET (inside_label_of (fixture))));

  /* The network goes; the next scan finds out. */
  stop_own_server (fixture);
  gate_gate_view_set_direction (gate_view_of (fixture), "exit");
  scan (fixture, fixture->codes[2], "not_inside");
  g_assert_true (gate_test_gui_wait_until (is_offline, fixture->session, DEADLINE_MS));
  wait.expected = about_two;
  g_assert_true (gate_test_gui_wait_until (inside_label_is, &wait, DEADLINE_MS));
  g_assert_nonnull (gtk_widget_get_tooltip_text (GTK_WIDGET (inside_label_of (fixture))));
  gate_gate_view_dismiss_verdict (gate_view_of (fixture));
  screenshot (fixture, "offline-occupancy");

  scan (fixture, fixture->codes[0], "exited");
  wait.expected = about_one;
  g_assert_true (gate_test_gui_wait_until (inside_label_is, &wait, DEADLINE_MS));
  g_assert_cmpint (gate_session_get_inside_count (fixture->session), ==, 1);
}

static gboolean
engine_has_no_list (gpointer user_data)
{
  g_autofree char *list_id = NULL;

  g_object_get (gate_session_get_engine (user_data), "list-id", &list_id, NULL);
  return gate_session_get_lists_known (user_data) && list_id == NULL;
}

/* A list of another event (a setting left from last week's event, or from
 * before a demo) is ignored: the gate scans by no list, not by a list the
 * server would refuse. */
static void
test_list_of_another_event_is_ignored (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other_event = gate_test_create_event (backend.pg, "Last week", &error);
  g_autofree char *stale = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *logged = NULL;
  Wait wait = { fixture, NULL };

  g_assert_no_error (error);
  g_strstrip (other_event);
  stale = create_list_in (other_event, "Old VIP door", "VIP", "entry");

  open_kiosk (fixture, "gate", stale);
  g_assert_true (gate_test_gui_wait_until (engine_has_no_list, fixture->session, DEADLINE_MS));
  /* Kept as set (Preferences says it is not this event's), not used. */
  g_assert_cmpstr (gate_session_get_list_id (fixture->session), ==, stale);
  g_assert_true (gate_test_gui_wait_until (list_direction_is, &wait, DEADLINE_MS));
  g_assert_false (gtk_widget_get_visible (gate_view_child (fixture, "direction_bar")));

  /* A General ticket gets in: with the old VIP list it would not. */
  scan (fixture, fixture->codes[0], "admitted");
  sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE qr_token = '%s' AND scan_success "
                         "AND list_id IS NULL", fixture->codes[0]);
  logged = server_sql (sql);
  g_assert_cmpstr (logged, ==, "1");
}

static void
on_flag_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (GATE_IS_DEMO (source))
    g_assert_true (gate_demo_prepare_finish (GATE_DEMO (source), result, &error));
  else
    g_assert_true (gate_session_open_finish (GATE_SESSION (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
on_demo_decided (GateScanEngine         *engine,
                 const GateScanDecision *decision,
                 GateVerdict            *verdict)
{
  *verdict = decision->verdict;
}

static gboolean
flag_is_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

static gboolean
verdict_known (gpointer user_data)
{
  return *(GateVerdict *) user_data != GATE_VERDICT_CANNOT_DECIDE;
}

/* --demo with a "list-id" setting left from a real event: the demo's event
 * has no such list, so the demo scans by none and admits its tickets
 * (before, every demo scan was "can't check": a list the cache never had). */
static void
test_demo_ignores_another_events_list (void)
{
  g_autoptr(GateDemo) demo = gate_demo_new (NULL, NULL, NULL, NULL, NULL, NULL);
  g_autoptr(GateSession) session = NULL;
  g_autofree char *stale = g_uuid_string_random ();
  GateVerdict verdict = GATE_VERDICT_CANNOT_DECIDE;
  gboolean done = FALSE;

  gate_demo_prepare_async (demo, NULL, on_flag_done, &done);
  g_assert_true (gate_test_gui_wait_until (flag_is_set, &done, DEADLINE_MS));
  session = gate_session_new (NULL, NULL, NULL, gate_demo_get_device_id (demo), gate_demo_get_event_id (demo),
                              gate_demo_get_cache_path (demo));
  done = FALSE;
  gate_session_open_async (session, NULL, on_flag_done, &done);
  g_assert_true (gate_test_gui_wait_until (flag_is_set, &done, DEADLINE_MS));

  /* What the app's binding of the setting does once the session is open. */
  gate_session_set_list_id (session, stale);
  g_assert_true (gate_test_gui_wait_until (engine_has_no_list, session, DEADLINE_MS));

  g_object_set (gate_session_get_engine (session), "debounce-ms", 0, NULL);
  g_signal_connect (gate_session_get_engine (session), "decided", G_CALLBACK (on_demo_decided), &verdict);
  gate_scan_engine_submit (gate_session_get_engine (session), "GS1-DEMO000001", "qr");
  g_assert_true (gate_test_gui_wait_until (verdict_known, &verdict, DEADLINE_MS));
  g_assert_cmpstr (gate_verdict_to_string (verdict), ==, "admitted");
  g_signal_handlers_disconnect_by_data (gate_session_get_engine (session), &verdict);
}

static guint
n_list_rows (GtkWidget *preferences)
{
  GObject *row = gtk_widget_get_template_child (preferences, GATE_TYPE_PREFERENCES_WINDOW, "list_row");

  return g_list_model_get_n_items (adw_combo_row_get_model (ADW_COMBO_ROW (row)));
}

static gboolean
picker_offers_two (gpointer user_data)
{
  return n_list_rows (user_data) == 2;
}

/* The mapped label under @widget that reads @text. */
static GtkWidget *
find_label (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The kiosk's list and the Preferences picker come from the cache: a kiosk
 * restarted without the network still shows its list, and a supervisor can
 * still pick one. */
static void
test_lists_come_from_the_cache_offline (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *list_id = create_list (fixture, "Festival gate", NULL, "both");
  g_autofree char *cache = g_build_filename (fixture->dir, "kiosk.cache", NULL);
  g_autofree char *url = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GateTokenStore) store = gate_token_store_new ();
  g_autofree char *label = NULL;
  ListWait lists = { NULL, list_id };
  Wait wait = { fixture, "both" };
  GtkWidget *preferences;
  GObject *row;

  open_kiosk_on_own_server (fixture, list_id);
  url = g_strdup (gate_test_server_get_url (fixture->own_server));
  lists.session = fixture->session;
  g_assert_true (gate_test_gui_wait_until (cache_has_list, &lists, DEADLINE_MS));
  stop_own_server (fixture);

  /* The kiosk restarts with the server gone. */
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  g_clear_object (&fixture->session);
  gate_test_gui_flush ();
  fixture->session = gate_test_gui_open_session (url, fixture->token, fixture->device_id, fixture->event_id, cache);
  gate_session_set_list_id (fixture->session, list_id);
  fixture->window = g_object_ref_sink (gate_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 800, 480);
  gate_window_set_session (fixture->window, fixture->session, NULL);
  gate_session_start_sync (fixture->session, 3600);
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), DEADLINE_MS));
  g_assert_true (gate_test_gui_wait_until (is_offline, fixture->session, DEADLINE_MS));

  g_assert_true (gate_test_gui_wait_until (list_direction_is, &wait, DEADLINE_MS));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gate_view_child (fixture, "list_label"))), ==, "Festival gate");
  g_assert_true (gtk_widget_get_mapped (gate_view_child (fixture, "direction_switch")));
  /* Offline is said over the camera, and the Entry and Exit keys stay in
   * sight: the badge is below them, not over them. */
  g_assert_true (gate_test_gui_wait_laid_out (gate_view_child (fixture, "direction_switch"), DEADLINE_MS));
  g_assert_true (gate_test_gui_wait_laid_out (gate_view_child (fixture, "direction_band"), DEADLINE_MS));
  g_assert_true (gate_test_gui_wait_laid_out (gate_view_child (fixture, "offline_badge"), DEADLINE_MS));
  gate_test_gui_flush ();
  {
    graphene_rect_t keys, badge;

    g_assert_true (gtk_widget_compute_bounds (gate_view_child (fixture, "direction_switch"),
                                              GTK_WIDGET (fixture->window), &keys));
    g_assert_true (gtk_widget_compute_bounds (gate_view_child (fixture, "offline_badge"),
                                              GTK_WIDGET (fixture->window), &badge));
    g_assert_cmpfloat (badge.origin.y, >=, keys.origin.y + keys.size.height);
  }
  /* No camera here: what to do instead is read above the ENTRY band. */
  {
    GtkWidget *page = gtk_stack_get_visible_child (GTK_STACK (gate_view_child (fixture, "screens")));
    GtkWidget *hint = NULL;
    graphene_rect_t words, band;

    g_assert_true (ADW_IS_STATUS_PAGE (page));
    hint = find_label (page, adw_status_page_get_description (ADW_STATUS_PAGE (page)));
    g_assert_nonnull (hint);
    g_assert_true (gtk_widget_compute_bounds (hint, GTK_WIDGET (fixture->window), &words));
    g_assert_true (gtk_widget_compute_bounds (gate_view_child (fixture, "direction_band"),
                                              GTK_WIDGET (fixture->window), &band));
    g_assert_cmpfloat (words.origin.y + words.size.height, <=, band.origin.y);
  }
  screenshot (fixture, "offline-list");

  /* Preferences offers the cache's lists, with the server still gone. */
  g_settings_set_string (settings, "server-url", url);
  g_settings_set_string (settings, "device-id", fixture->device_id);
  g_settings_set_string (settings, "event-id", fixture->event_id);
  g_settings_set_string (settings, "list-id", list_id);
  preferences = gate_preferences_window_new (settings, store);
  gate_preferences_window_set_cache (GATE_PREFERENCES_WINDOW (preferences), gate_session_get_cache (fixture->session));
  gtk_window_present (GTK_WINDOW (preferences));
  g_assert_true (gate_test_gui_wait_until (picker_offers_two, preferences, DEADLINE_MS));
  row = gtk_widget_get_template_child (preferences, GATE_TYPE_PREFERENCES_WINDOW, "list_row");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row)), ==, 1);
  label = g_strdup (gtk_string_object_get_string (GTK_STRING_OBJECT (adw_combo_row_get_selected_item (ADW_COMBO_ROW (row)))));
  g_assert_nonnull (strstr (label, "Festival gate"));

  gtk_window_destroy (GTK_WINDOW (preferences));
  g_settings_reset (settings, "server-url");
  g_settings_reset (settings, "device-id");
  g_settings_reset (settings, "event-id");
  g_settings_reset (settings, "list-id");
}

static gboolean
needs_sign_in_is (gpointer user_data)
{
  Wait *wait = user_data;

  return gate_gate_view_get_needs_sign_in (gate_view_of (wait->fixture)) == (wait->expected != NULL);
}

static GateSignInPage *
sign_in_page_of (Fixture *fixture)
{
  return GATE_SIGN_IN_PAGE (gate_view_child (fixture, "sign_in_page"));
}

static GtkWidget *
sign_in_child (Fixture    *fixture,
               const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (sign_in_page_of (fixture)), GATE_TYPE_SIGN_IN_PAGE,
                                                  name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static gboolean
names_offer (gpointer user_data)
{
  Wait *wait = user_data;
  g_auto(GStrv) names = gate_sign_in_page_dup_names (sign_in_page_of (wait->fixture));

  return names != NULL && g_strv_contains ((const char * const *) names, wait->expected);
}

/* The worker taps their name and types their PIN on the pad. */
static void
sign_in (Fixture    *fixture,
         const char *name,
         const char *pin)
{
  g_auto(GStrv) names = gate_sign_in_page_dup_names (sign_in_page_of (fixture));
  GtkListBox *list = GTK_LIST_BOX (sign_in_child (fixture, "names_list"));
  GtkWidget *keypad = sign_in_child (fixture, "keypad");

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      gtk_list_box_select_row (list, gtk_list_box_get_row_at_index (list, i));
  g_assert_true (gtk_widget_is_sensitive (keypad));
  for (const char *digit = pin; *digit != '\0'; digit++)
    for (GtkWidget *key = gtk_widget_get_first_child (keypad); key != NULL; key = gtk_widget_get_next_sibling (key))
      if (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (key)), (char[]) { *digit, '\0' }) == 0)
        g_signal_emit_by_name (key, "clicked");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (sign_in_child (fixture, "pin_entry"))), ==, pin);
  g_assert_true (gtk_widget_is_sensitive (sign_in_child (fixture, "sign_in_button")));
  g_signal_emit_by_name (sign_in_child (fixture, "sign_in_button"), "clicked");
}

/* With sign-in required, nothing is scanned before an operator signs in;
 * then every scan records them. */
static void
test_signed_in_operator_is_on_every_scan (Fixture       *fixture,
                                          gconstpointer  data)
{
  g_autofree char *operator_id = add_operator ("Ana Rules");
  g_autofree char *sql = NULL;
  g_autofree char *scanned_by = NULL;
  g_autofree char *logged = NULL;
  Wait wait = { fixture, "Ana Rules" };

  open_kiosk (fixture, "gate", NULL);
  gate_gate_view_set_require_operator (gate_view_of (fixture), TRUE);
  g_assert_cmpstr (gate_gate_view_get_screen (gate_view_of (fixture)), ==, "sign-in");
  g_assert_true (gate_test_gui_wait_until (names_offer, &wait, DEADLINE_MS));
  screenshot (fixture, "sign-in");

  /* A code before sign-in is not taken. */
  g_signal_emit_by_name (window_child (fixture, "search_panel"), "code-chosen", fixture->codes[1]);
  gate_test_gui_flush ();
  g_assert_cmpstr (gate_gate_view_get_screen (gate_view_of (fixture)), ==, "sign-in");

  sign_in (fixture, "Ana Rules", PIN);
  wait.expected = NULL;
  g_assert_true (gate_test_gui_wait_until (needs_sign_in_is, &wait, DEADLINE_MS));
  wait.expected = "Ana Rules";
  g_assert_true (gate_test_gui_wait_until (strip_says, &wait, DEADLINE_MS));

  scan (fixture, fixture->codes[0], "admitted");
  gate_gate_view_dismiss_verdict (gate_view_of (fixture));
  screenshot (fixture, "signed-in");
  sql = g_strdup_printf ("SELECT scanned_by FROM scan_logs WHERE qr_token = '%s'", fixture->codes[0]);
  scanned_by = server_sql (sql);
  g_assert_cmpstr (scanned_by, ==, operator_id);
  g_free (sql);
  sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE qr_token = '%s'", fixture->codes[1]);
  logged = server_sql (sql);
  g_assert_cmpstr (logged, ==, "0");

  /* Sign Out on the strip ends the shift: the sign-in page is back. */
  g_signal_emit_by_name (gtk_widget_get_template_child (window_child (fixture, "status_strip"), GATE_TYPE_STATUS_STRIP,
                                                       "sign_out_button"),
                         "clicked");
  wait.expected = "yes";
  g_assert_true (gate_test_gui_wait_until (needs_sign_in_is, &wait, DEADLINE_MS));
  g_assert_cmpstr (gate_gate_view_get_screen (gate_view_of (fixture)), ==, "sign-in");
}

static gboolean
sign_in_answered (gpointer user_data)
{
  Fixture *fixture = user_data;
  const char *status = gate_sign_in_page_get_status (sign_in_page_of (fixture));

  return status != NULL && g_strcmp0 (status, _("Signing in…")) != 0;
}

/* A wrong PIN says so and signs nobody in; the fifth locks the name, even
 * against the right PIN, and the page says until when. */
static void
test_wrong_pin_is_refused_then_locked (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autofree char *operator_id = add_operator ("Bo Rules");
  g_autofree char *locked = NULL;
  Wait wait = { fixture, "Bo Rules" };

  open_kiosk (fixture, "gate", NULL);
  gate_gate_view_set_require_operator (gate_view_of (fixture), TRUE);
  g_assert_true (gate_test_gui_wait_until (names_offer, &wait, DEADLINE_MS));

  for (guint attempt = 1; attempt <= 4; attempt++)
    {
      sign_in (fixture, "Bo Rules", "1111");
      g_assert_true (gate_test_gui_wait_until (sign_in_answered, fixture, DEADLINE_MS));
      g_assert_cmpstr (gate_sign_in_page_get_status (sign_in_page_of (fixture)), ==, _("Wrong PIN. Try again."));
      g_assert_true (gate_gate_view_get_needs_sign_in (gate_view_of (fixture)));
      g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (sign_in_child (fixture, "pin_entry"))), ==, "");
      if (attempt == 1)
        screenshot (fixture, "wrong-pin");
    }

  sign_in (fixture, "Bo Rules", "1111");
  g_assert_true (gate_test_gui_wait_until (sign_in_answered, fixture, DEADLINE_MS));
  locked = g_strdup (gate_sign_in_page_get_status (sign_in_page_of (fixture)));
  g_test_message ("after five wrong PINs: %s", locked);
  g_assert_cmpstr (locked, !=, _("Wrong PIN. Try again."));
  screenshot (fixture, "locked");

  /* Locked means locked: the right PIN gets the same answer for now. */
  sign_in (fixture, "Bo Rules", PIN);
  g_assert_true (gate_test_gui_wait_until (sign_in_answered, fixture, DEADLINE_MS));
  g_assert_cmpstr (gate_sign_in_page_get_status (sign_in_page_of (fixture)), ==, locked);
  g_assert_true (gate_gate_view_get_needs_sign_in (gate_view_of (fixture)));
  g_assert_null (gate_operators_get_operator_id (gate_gate_view_get_operators (gate_view_of (fixture))));
}

/* In kiosk mode the list (like every setting) is behind the supervisor PIN:
 * Preferences cannot be opened; and a list set by GATE_LIST cannot be
 * changed in Preferences at all. */
static void
test_list_picker_is_locked (void)
{
  g_autoptr(GateApplication) application = gate_application_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GateConfig) config = gate_config_new (settings);
  g_autoptr(GateTokenStore) store = gate_token_store_new ();
  GtkWidget *preferences;
  GtkWidget *window;
  GAction *action;
  g_autofree char *list_id = g_uuid_string_random ();

  g_application_set_application_id (G_APPLICATION (application), APP_ID ".GateRulesTest");
  g_application_set_flags (G_APPLICATION (application), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (application), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (application));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (application)));
  g_assert_nonnull (window);

  action = g_action_map_lookup_action (G_ACTION_MAP (application), "preferences");
  gate_window_set_kiosk (GATE_WINDOW (window), TRUE);
  g_assert_false (g_action_get_enabled (action));
  gate_window_set_kiosk (GATE_WINDOW (window), FALSE);
  g_assert_true (g_action_get_enabled (action));

  g_setenv ("GATE_LIST", list_id, TRUE);
  g_assert_true (gate_config_load (config, NULL, &error));
  g_assert_no_error (error);
  preferences = gate_preferences_window_new (settings, store);
  gate_preferences_window_set_config (GATE_PREFERENCES_WINDOW (preferences), config);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (gtk_widget_get_template_child (preferences,
                                                                                      GATE_TYPE_PREFERENCES_WINDOW,
                                                                                      "list_row"))));
  g_unsetenv ("GATE_LIST");

  gtk_window_destroy (GTK_WINDOW (preferences));
  gtk_window_destroy (GTK_WINDOW (window));
  gate_test_gui_flush ();
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  if (argc > 1 && g_strcmp0 (argv[argc - 1], "--spanish") == 0)
    {
      spanish = TRUE;
      argv[--argc] = NULL;
      if (!gate_test_gui_use_spanish ())
        {
          g_printerr ("Bail out! no es_ES.UTF-8 locale could be made (is the locales package installed?)\n");
          return 99;
        }
    }
  gate_test_gui_init (&argc, &argv);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

#define ADD(path, func) \
  g_test_add ("/gate-rules/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("switch-turns-the-next-scan-into-an-exit", test_switch_turns_the_next_scan_into_an_exit);
  ADD ("one-way-list-fixes-the-direction", test_one_way_list_fixes_the_direction);
  ADD ("not-allowed-here-names-list-and-type", test_not_allowed_here_names_list_and_type);
  ADD ("occupancy-follows-admits-and-exits", test_occupancy_follows_admits_and_exits);
  ADD ("offline-occupancy-is-the-caches", test_offline_occupancy_is_the_caches);
  ADD ("list-of-another-event-is-ignored", test_list_of_another_event_is_ignored);
  ADD ("lists-come-from-the-cache-offline", test_lists_come_from_the_cache_offline);
  ADD ("signed-in-operator-is-on-every-scan", test_signed_in_operator_is_on_every_scan);
  ADD ("wrong-pin-is-refused-then-locked", test_wrong_pin_is_refused_then_locked);
  g_test_add_func ("/gate-rules/list-picker-is-locked", test_list_picker_is_locked);
  g_test_add_func ("/gate-rules/demo-ignores-another-events-list", test_demo_ignores_another_events_list);

  status = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  return status;
}
