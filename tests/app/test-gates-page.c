/* test-gates-page.c — a supervisor's Gates page against a real PostgreSQL and
 * gate-server: per-gate numbers after real scans, live; operators added and
 * removed through the page; the conflicts' CSV naming the operators
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run twice, in English and with --spanish in Spanish; screenshots at
 * 800×480 and 1280×800 land in screenshots/gates-*.png.
 */
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "gate-conflicts-page.h"
#include "gate-gates-chart.h"
#include "gate-gates-page.h"
#include "gate-operator-dialog.h"
#include "gate-test-gui.h"
#include "gate-test-harness.h"

#define WAIT_MS 20000

static gboolean spanish;

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *dir;
  char           *event;
  char           *list;
  char           *north_id;
  char           *north_token;
  char           *south_id;
  char           *south_token;
  char           *boss_id;
  char           *boss_token;
  char          **tickets;
  guint           next_ticket;
  GateSession    *boss;
} backend;

/* --- set-up -------------------------------------------------------------------- */

static GateApiClient *
client_of (const char *token,
           const char *device_id)
{
  return gate_api_client_new (gate_test_server_get_url (backend.server), token, device_id);
}

static void
scan (const char *token,
      const char *device_id,
      const char *code,
      const char *direction,
      GateVerdict expected)
{
  g_autoptr(GateApiClient) gate = client_of (token, device_id);
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *scan_id = g_uuid_string_random ();
  g_autoptr(GateScanDecision) decision = NULL;

  gate_api_client_scan_ticket_by_rules_async (gate, code, backend.event, scan_id, "qr", direction, NULL, NULL, 5000,
                                              NULL, gate_test_async_ready, &waiter);
  decision = gate_api_client_scan_ticket_finish (gate, gate_test_async_wait (&waiter, WAIT_MS), &error);
  g_assert_no_error (error);
  g_assert_cmpint (decision->verdict, ==, expected);
}

static const char *
fresh_ticket (void)
{
  return backend.tickets[backend.next_ticket++];
}

static GtkWidget *
show (GtkWidget *child,
      int        width,
      int        height)
{
  GtkWidget *window = adw_window_new ();

  adw_window_set_content (ADW_WINDOW (window), child);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gate_test_gui_wait_drawn (window, WAIT_MS));
  return window;
}

static GtkWidget *
find_widget (GtkWidget *widget,
             gboolean (*matches) (GtkWidget *, gconstpointer),
             gconstpointer what)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (gtk_widget_get_mapped (child) && matches (child, what))
        return child;
      if ((found = find_widget (child, matches, what)) != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_chart (GtkWidget    *widget,
          gconstpointer unused)
{
  return GATE_IS_GATES_CHART (widget);
}

static gboolean
is_button_labelled (GtkWidget    *widget,
                    gconstpointer label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
is_button_tipped (GtkWidget    *widget,
                  gconstpointer tooltip)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

/* --- the numbers ------------------------------------------------------------------ */

typedef struct
{
  GateGatesPage *page;
  gint64         entries;
  gint64         exits;
} Figures;

static gboolean
shows_figures (gpointer user_data)
{
  Figures *wanted = user_data;
  gint64 entries, exits;

  g_object_get (wanted->page, "entries", &entries, "exits", &exits, NULL);
  return entries == wanted->entries && exits == wanted->exits;
}

static void
snapshot_at (GtkWidget  *window,
             int         width,
             int         height,
             const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s-%dx%d%s", name, width, height, spanish ? "-es" : "");

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gate_test_gui_flush ();
  g_assert_true (gate_test_gui_wait_still (window, WAIT_MS));
  g_assert_cmpint (gtk_widget_get_width (window), <=, width);
  g_free (gate_test_gui_snapshot_widget (window, file));
}

/* Two in at North, one in at South, one of North's out through South:
 * the cards, the rows and the chart say so. */
static void
test_shows_numbers_after_scans (void)
{
  GateGatesPage *page = GATE_GATES_PAGE (gate_gates_page_new (backend.boss));
  GtkWidget *window = NULL;
  const char *leaving = fresh_ticket ();
  Figures wanted = { page, 3, 1 };
  GateGatesChart *chart;
  gint64 inside;

  scan (backend.north_token, backend.north_id, leaving, "entry", GATE_VERDICT_ADMITTED);
  scan (backend.north_token, backend.north_id, fresh_ticket (), "entry", GATE_VERDICT_ADMITTED);
  scan (backend.south_token, backend.south_id, fresh_ticket (), "entry", GATE_VERDICT_ADMITTED);
  scan (backend.south_token, backend.south_id, leaving, "exit", GATE_VERDICT_EXITED);

  window = show (GTK_WIDGET (page), 1280, 800);
  g_assert_true (gate_gates_page_get_supervisor (page));
  g_assert_true (gate_gate_stats_get_live (gate_gates_page_get_stats (page)));
  g_assert_true (gate_test_gui_wait_until (shows_figures, &wanted, WAIT_MS));
  g_object_get (page, "inside", &inside, NULL);
  g_assert_cmpint (inside, ==, 2);

  chart = GATE_GATES_CHART (find_widget (GTK_WIDGET (page), is_chart, NULL));
  g_assert_nonnull (chart);
  g_assert_cmpuint (gate_gates_chart_get_total (chart), ==, 3);
  g_assert_cmpuint (gate_gates_chart_get_n_series (chart), ==, 2);
  g_assert_cmpstr (gate_gates_chart_get_series_name (chart, 0), ==, "North Gate");
  g_assert_cmpstr (gate_gates_chart_get_series_name (chart, 1), ==, "South Gate");
  g_assert_cmpuint (gate_gates_chart_get_n_buckets (chart), >=, 12);

  snapshot_at (window, 1280, 800, "gates");
  snapshot_at (window, 800, 480, "gates");
  snapshot_at (window, 600, 1024, "gates");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  snapshot_at (window, 800, 480, "gates-dark");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
stats_not_live (gpointer user_data)
{
  return !gate_gate_stats_get_live (user_data) && !gate_gate_stats_get_loading (user_data);
}

/* Shown, the numbers follow a new scan by themselves; hidden, the page
 * stops asking. */
static void
test_live_while_shown_only (void)
{
  GateGatesPage *page = GATE_GATES_PAGE (gate_gates_page_new (backend.boss));
  GtkWidget *window = show (GTK_WIDGET (page), 1280, 800);
  GateGateStats *stats = gate_gates_page_get_stats (page);
  Figures wanted = { page, 0, 0 };

  gate_gate_stats_set_interval_ms (stats, 100);
  g_assert_true (gate_test_gui_wait_until ((gboolean (*) (gpointer)) gate_gate_stats_get_updated_at, stats,
                                           WAIT_MS));
  g_object_get (page, "entries", &wanted.entries, "exits", &wanted.exits, NULL);
  wanted.entries++;
  scan (backend.north_token, backend.north_id, fresh_ticket (), "entry", GATE_VERDICT_ADMITTED);
  g_assert_true (gate_test_gui_wait_until (shows_figures, &wanted, WAIT_MS));

  gtk_widget_set_visible (GTK_WIDGET (page), FALSE);
  g_assert_true (gate_test_gui_wait_until (stats_not_live, stats, WAIT_MS));
  gtk_widget_set_visible (GTK_WIDGET (page), TRUE);
  g_assert_true (gate_gate_stats_get_live (stats));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A gate's token gets a page that says what it is for, and never asks. */
static void
test_gate_token_sees_supervisors_only (void)
{
  g_autofree char *path = g_build_filename (backend.dir, "gate-cache", NULL);
  g_autoptr(GateSession) session = gate_test_gui_open_session (gate_test_server_get_url (backend.server),
                                                               backend.north_token, backend.north_id,
                                                               backend.event, path);
  GateGatesPage *page = GATE_GATES_PAGE (gate_gates_page_new (session));
  GtkWidget *window = show (GTK_WIDGET (page), 800, 480);

  g_assert_false (gate_gates_page_get_supervisor (page));
  g_assert_false (gate_gate_stats_get_live (gate_gates_page_get_stats (page)));
  g_assert_cmpint (gate_gate_stats_get_updated_at (gate_gates_page_get_stats (page)), ==, 0);
  g_free (gate_test_gui_snapshot_widget (window, spanish ? "gates-not-supervisor-es" : "gates-not-supervisor"));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* --- operators -------------------------------------------------------------------- */

static GtkWindow *
toplevel_of_type (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer type)
{
  return toplevel_of_type (GPOINTER_TO_SIZE (type)) != NULL;
}

static gboolean
dialog_gone (gpointer type)
{
  return toplevel_of_type (GPOINTER_TO_SIZE (type)) == NULL;
}

static gboolean
dialog_has_error (gpointer dialog)
{
  return gate_operator_dialog_get_error_message (dialog) != NULL && !gate_operator_dialog_get_busy (dialog);
}

typedef struct
{
  GateOperatorAdmin *admin;
  const char        *name;
  gboolean           wanted;
} Listed;

static const GateOperator *
named (GateOperatorAdmin *admin,
       const char        *name)
{
  GPtrArray *operators = gate_operator_admin_get_operators (admin);

  for (guint i = 0; i < operators->len; i++)
    if (g_strcmp0 (((GateOperator *) operators->pdata[i])->name, name) == 0)
      return operators->pdata[i];
  return NULL;
}

static gboolean
listed_as_wanted (gpointer user_data)
{
  Listed *listed = user_data;

  return (named (listed->admin, listed->name) != NULL) == listed->wanted;
}

static gboolean
on_server (const char *name)
{
  g_autoptr(GateApiClient) client = client_of (backend.boss_token, backend.boss_id);
  g_autoptr(GateOperatorAdmin) admin = gate_operator_admin_new (client);
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GError) error = NULL;

  gate_operator_admin_reload_async (admin, NULL, gate_test_async_ready, &waiter);
  g_assert_true (gate_operator_admin_reload_finish (admin, gate_test_async_wait (&waiter, WAIT_MS), &error));
  return named (admin, name) != NULL;
}

/* Add Operator…, a bad PIN refused in words while the dialog stays, a good
 * one stored; then the row's remove button and its confirmation. */
static void
test_operator_added_and_removed_through_the_page (void)
{
  GateGatesPage *page = GATE_GATES_PAGE (gate_gates_page_new (backend.boss));
  GtkWidget *window = show (GTK_WIDGET (page), 1280, 800);
  GateOperatorAdmin *admin = gate_gates_page_get_operators (page);
  Listed listed = { admin, "Eva Gate", TRUE };
  g_autofree char *remove_tip = NULL;
  GtkWidget *add, *remove;
  GtkWindow *dialog;
  AdwMessageDialog *confirm;

  add = find_widget (GTK_WIDGET (page), is_button_labelled, _("_Add Operator…"));
  g_assert_nonnull (add);
  gtk_widget_activate (add);
  g_assert_true (gate_test_gui_wait_until (dialog_shown, GSIZE_TO_POINTER (GATE_TYPE_OPERATOR_DIALOG), WAIT_MS));
  dialog = toplevel_of_type (GATE_TYPE_OPERATOR_DIALOG);

  g_object_set (dialog, "operator-name", "Eva Gate", "pin", "12", NULL);
  gtk_widget_activate (find_widget (GTK_WIDGET (dialog), is_button_labelled, _("_Add")));
  g_assert_true (gate_test_gui_wait_until (dialog_has_error, dialog, WAIT_MS));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_false (on_server ("Eva Gate"));
  g_assert_true (gate_test_gui_wait_still (GTK_WIDGET (dialog), WAIT_MS));
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (dialog), spanish ? "operator-dialog-es" : "operator-dialog"));

  g_object_set (dialog, "pin", "2468", NULL);
  gtk_widget_activate (find_widget (GTK_WIDGET (dialog), is_button_labelled, _("_Add")));
  g_assert_true (gate_test_gui_wait_until (dialog_gone, GSIZE_TO_POINTER (GATE_TYPE_OPERATOR_DIALOG), WAIT_MS));
  g_assert_true (gate_test_gui_wait_until (listed_as_wanted, &listed, WAIT_MS));
  g_assert_true (on_server ("Eva Gate"));

  remove_tip = g_strdup_printf (_("Remove %s"), "Eva Gate");
  gate_test_gui_flush ();
  remove = find_widget (GTK_WIDGET (page), is_button_tipped, remove_tip);
  g_assert_nonnull (remove);
  gtk_widget_activate (remove);
  g_assert_true (gate_test_gui_wait_until (dialog_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), WAIT_MS));
  confirm = ADW_MESSAGE_DIALOG (toplevel_of_type (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (confirm, "remove");
  listed.wanted = FALSE;
  g_assert_true (gate_test_gui_wait_until (listed_as_wanted, &listed, WAIT_MS));
  g_assert_false (on_server ("Eva Gate"));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* --- conflicts ------------------------------------------------------------------- */

static void
upload (const char *token,
        const char *device_id,
        const char *code,
        gint64      scanned_at_us,
        const char *operator_id)
{
  g_autoptr(GateApiClient) gate = client_of (token, device_id);
  g_autoptr(GateQueuedScan) queued = gate_queued_scan_new ();
  g_autoptr(GPtrArray) scans = g_ptr_array_new ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  queued->client_scan_id = g_uuid_string_random ();
  queued->event_id = g_strdup (backend.event);
  queued->qr_token = g_strdup (code);
  queued->scanned_at_us = scanned_at_us;
  queued->scanned_by = g_strdup (operator_id);
  g_ptr_array_add (scans, queued);
  gate_api_client_sync_offline_scans_async (gate, scans, NULL, gate_test_async_ready, &waiter);
  results = gate_api_client_sync_offline_scans_finish (gate, gate_test_async_wait (&waiter, WAIT_MS), &error);
  g_assert_no_error (error);
}

static GateOperator *
add_operator (const char *name,
              const char *pin)
{
  g_autoptr(GateApiClient) client = client_of (backend.boss_token, backend.boss_id);
  g_auto(GateTestAsync) waiter = { 0 };
  g_autoptr(GError) error = NULL;
  GateOperator *op;

  gate_api_client_add_operator_async (client, name, pin, NULL, gate_test_async_ready, &waiter);
  op = gate_api_client_add_operator_finish (client, gate_test_async_wait (&waiter, WAIT_MS), &error);
  g_assert_no_error (error);
  return op;
}

static gboolean
has_conflicts (gpointer page)
{
  return g_list_model_get_n_items (gate_conflicts_page_get_conflicts (page)) > 0 &&
         !gate_conflicts_page_get_loading (page);
}

/* Two offline entries at two gates with an operator signed in at each: the
 * exported file names both. */
static void
test_csv_names_the_operators (void)
{
  g_autoptr(GateOperator) cleo = add_operator ("Cleo North", "1111");
  g_autoptr(GateOperator) dan = add_operator ("Dan South", "2222");
  const char *code = fresh_ticket ();
  gint64 now = g_get_real_time ();
  GateConflictsPage *page = NULL;
  GtkWidget *window = NULL;
  g_autofree char *path = g_build_filename (backend.dir, "operators.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_auto(GateTestAsync) exported = { 0 };
  g_auto(GStrv) lines = NULL;

  upload (backend.north_token, backend.north_id, code, now - 60 * G_USEC_PER_SEC, cleo->id);
  upload (backend.south_token, backend.south_id, code, now - 30 * G_USEC_PER_SEC, dan->id);

  page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (backend.boss));
  window = show (GTK_WIDGET (page), 1280, 800);
  g_assert_true (gate_test_gui_wait_until (has_conflicts, page, WAIT_MS));
  gate_conflicts_page_export_csv_async (page, file, NULL, gate_test_async_ready, &exported);
  g_assert_true (gate_conflicts_page_export_csv_finish (page, gate_test_async_wait (&exported, WAIT_MS), &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &csv, NULL, &error));
  lines = g_strsplit (csv, "\r\n", -1);
  g_assert_true (g_str_has_suffix (lines[0], ",winner_gate,loser_gate,winner_operator,loser_operator"));
  g_assert_nonnull (lines[1]);
  g_assert_nonnull (strstr (lines[1], code));
  g_assert_true (g_str_has_suffix (lines[1], ",North Gate,South Gate,Cleo North,Dan South"));

  /* The rows came after the first frame: a frame with them, then the picture. */
  g_assert_true (gate_test_gui_wait_drawn (window, WAIT_MS));
  g_free (gate_test_gui_snapshot_widget (window, spanish ? "gates-conflicts-es" : "gates-conflicts"));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *north = NULL;
  g_autofree char *south = NULL;
  g_autofree char *boss = NULL;
  g_autofree char *cache = NULL;
  const char *conninfo;
  int result;

  /* --spanish: the same tests in a Spanish locale. */
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
  conninfo = gate_test_pg_get_conninfo (backend.pg);
  backend.dir = g_dir_make_tmp ("gates-page-XXXXXX", &error);
  g_assert_no_error (error);
  backend.event = gate_test_create_event (backend.pg, "Gates page", &error);
  g_assert_no_error (error);
  backend.tickets = gate_test_generate_tickets (backend.pg, backend.event, 20, "General", &error);
  g_assert_no_error (error);
  backend.list = gate_test_gatectl (&error, "list", "create", "--db", conninfo, "--event", backend.event, "--name",
                                    "Festival gate", "--direction", "both", "--reentry", NULL);
  g_assert_no_error (error);
  g_strstrip (backend.list);
  north = gate_test_gatectl (&error, "device", "add", "--db", conninfo, "--name", "North Gate", "--role", "gate",
                             "--list", backend.list, NULL);
  g_assert_no_error (error);
  south = gate_test_gatectl (&error, "device", "add", "--db", conninfo, "--name", "South Gate", "--role", "gate",
                             "--list", backend.list, NULL);
  g_assert_no_error (error);
  boss = gate_test_gatectl (&error, "device", "add", "--db", conninfo, "--name", "Boss", "--role", "supervisor",
                            NULL);
  g_assert_no_error (error);
  backend.north_id = gate_test_json_member (north, 0, "device_id");
  backend.north_token = gate_test_json_member (north, 0, "token");
  backend.south_id = gate_test_json_member (south, 0, "device_id");
  backend.south_token = gate_test_json_member (south, 0, "token");
  backend.boss_id = gate_test_json_member (boss, 0, "device_id");
  backend.boss_token = gate_test_json_member (boss, 0, "token");
  backend.server = gate_test_server_new (conninfo, NULL, &error);
  g_assert_no_error (error);

  /* The supervisor's laptop, as the app opens it: the session knows it is
   * a supervisor's before anyone opens the page. */
  cache = g_build_filename (backend.dir, "boss-cache", NULL);
  backend.boss = gate_test_gui_open_session (gate_test_server_get_url (backend.server), backend.boss_token,
                                             backend.boss_id, backend.event, cache);
  gate_session_start_sync (backend.boss, 3600);
  g_assert_true (gate_test_gui_wait_supervisor (backend.boss, WAIT_MS));

  g_test_add_func ("/gates-page/shows-numbers-after-scans", test_shows_numbers_after_scans);
  g_test_add_func ("/gates-page/live-while-shown-only", test_live_while_shown_only);
  g_test_add_func ("/gates-page/gate-token-sees-supervisors-only", test_gate_token_sees_supervisors_only);
  g_test_add_func ("/gates-page/operator-added-and-removed-through-the-page",
                   test_operator_added_and_removed_through_the_page);
  g_test_add_func ("/gates-page/csv-names-the-operators", test_csv_names_the_operators);

  result = g_test_run ();

  g_clear_object (&backend.boss);
  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_strfreev (backend.tickets);
  g_free (backend.event);
  g_free (backend.list);
  g_free (backend.north_id);
  g_free (backend.north_token);
  g_free (backend.south_id);
  g_free (backend.south_token);
  g_free (backend.boss_id);
  g_free (backend.boss_token);
  g_free (backend.dir);
  return result;
}
