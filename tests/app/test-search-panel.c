/* test-search-panel.c — manual entry: a search over a real cache file, a
 * ticket confirmed on its sheet before it is checked, Ctrl+F
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "gate-search-panel-private.h"
#include "gate-search-result.h"
#include "gate-test-gui.h"
#include "gate-ticket-cache.h"

#define EVENT   "6f1c2c8e-0000-4000-8000-0000000000e1"
#define WAIT_MS 10000

typedef struct
{
  char            *dir;
  GateSession     *session;
  GateTicketCache *cache;          /* the session's */
  GtkWindow       *window;
  GateSearchPanel *panel;
  GPtrArray       *chosen;
} Fixture;

static GateTicket *
make_ticket (guint       n,
             const char *name,
             const char *type,
             const char *status)
{
  GateTicket *ticket = gate_ticket_new ();

  ticket->id = g_strdup_printf ("00000000-0000-4000-8000-%012u", n);
  ticket->event_id = g_strdup (EVENT);
  ticket->qr_token = g_strdup_printf ("GS1-SEARCH%06u", n);
  ticket->ticket_type = g_strdup (type);
  ticket->guest_name = g_strdup (name);
  gate_ticket_status_from_string (status, &ticket->status);
  ticket->updated_at_us = g_get_real_time ();
  return ticket;
}

static void
on_code_chosen (GateSearchPanel *panel,
                const char      *code,
                Fixture         *fixture)
{
  g_ptr_array_add (fixture->chosen, g_strdup (code));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_device_info_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GateDeviceInfo *north;

  fixture->dir = g_dir_make_tmp ("gate-search-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "cache.db", NULL);
  /* A kiosk without a server: search is offline by nature. */
  fixture->session = gate_test_gui_open_session (NULL, NULL, "gate-1", EVENT, path);
  fixture->cache = gate_session_get_cache (fixture->session);

  g_ptr_array_add (page->tickets, make_ticket (1, "Ada Lovelace", "VIP", "valid"));
  g_ptr_array_add (page->tickets, make_ticket (2, "Adam Smith", "General", "void"));
  g_ptr_array_add (page->tickets, make_ticket (3, "Grace Hopper", "General", "valid"));
  g_ptr_array_add (page->tickets, make_ticket (4, "Katherine Johnson", "Backstage", "valid"));
  /* A second Grace Hopper, her ticket used at another gate. */
  g_ptr_array_add (page->tickets, make_ticket (5, "Grace Hopper", "VIP", "scanned"));
  ((GateTicket *) page->tickets->pdata[4])->scanned_at_us = g_get_real_time () - 10 * G_USEC_PER_SEC * 60;
  ((GateTicket *) page->tickets->pdata[4])->scanned_device = g_strdup ("north-7");
  page->next_cursor = g_strdup ("1");
  g_assert_true (gate_ticket_cache_apply_page (fixture->cache, EVENT, page, &error));
  g_assert_no_error (error);
  north = gate_device_info_new ();
  north->id = g_strdup ("north-7");
  north->name = g_strdup ("North Gate");
  g_ptr_array_add (devices, north);
  g_assert_true (gate_ticket_cache_store_device_names (fixture->cache, devices, &error));
  g_assert_no_error (error);

  fixture->chosen = g_ptr_array_new_with_free_func (g_free);
  fixture->panel = GATE_SEARCH_PANEL (gate_search_panel_new ());
  gate_search_panel_set_session (fixture->panel, fixture->session);
  g_signal_connect (fixture->panel, "code-chosen", G_CALLBACK (on_code_chosen), fixture);

  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 480, 420);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->panel));
  gtk_window_present (fixture->window);
  gtk_widget_grab_focus (GTK_WIDGET (fixture->panel));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), WAIT_MS));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  gtk_window_destroy (fixture->window);
  g_clear_object (&fixture->session);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (fixture->dir, name, NULL);

      g_unlink (file);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_ptr_array_unref (fixture->chosen);
}

typedef struct
{
  GateSearchPanel *panel;
  const char      *page;
} PageWait;

static gboolean
page_is (gpointer user_data)
{
  PageWait *wait = user_data;

  return g_strcmp0 (gate_search_panel_get_page (wait->panel), wait->page) == 0;
}

/* Types @text as a whole and waits for the panel to show @page. */
static void
search_for (Fixture    *fixture,
            const char *text,
            const char *page)
{
  PageWait wait = { fixture->panel, page };

  gtk_editable_set_text (gate_search_panel_get_entry (fixture->panel), text);
  g_assert_true (gate_test_gui_wait_until (page_is, &wait, WAIT_MS));
}

static GtkWidget *
find_label (GtkWidget  *widget,
            const char *prefix)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), prefix))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, prefix);

      if (found != NULL)
        return found;
    }

  return NULL;
}

typedef struct
{
  GtkWidget  *root;
  const char *prefix;
} LabelWait;

static gboolean
label_shown (gpointer user_data)
{
  LabelWait *wait = user_data;

  return find_label (wait->root, wait->prefix) != NULL;
}

static GtkWidget *
find_action_button (GtkWidget  *widget,
                    const char *action)
{
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_action_button (child, action);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
label_has_class (Fixture    *fixture,
                 const char *prefix,
                 const char *css_class)
{
  GtkWidget *label = find_label (GTK_WIDGET (fixture->window), prefix);

  return label != NULL && gtk_widget_has_css_class (label, css_class);
}

static guint
n_results (Fixture *fixture)
{
  return g_list_model_get_n_items (gate_search_panel_get_results (fixture->panel));
}

static const GateTicket *
result_ticket (Fixture *fixture,
               guint    position)
{
  GListModel *results = gate_search_panel_get_results (fixture->panel);
  g_autoptr(GateSearchResult) item = g_list_model_get_item (results, position);

  g_assert_nonnull (item);
  return gate_search_result_get_ticket (item);
}

static void
test_name_finds_rows (Fixture       *fixture,
                      gconstpointer  data)
{
  LabelWait row = { GTK_WIDGET (fixture->window), "Adam Smith" };
  GListModel *results = gate_search_panel_get_results (fixture->panel);

  search_for (fixture, "Ada", "results");

  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 2);
  g_assert_cmpstr (result_ticket (fixture, 0)->guest_name, ==, "Ada Lovelace");
  g_assert_cmpstr (result_ticket (fixture, 1)->guest_name, ==, "Adam Smith");

  g_assert_true (gate_test_gui_wait_until (label_shown, &row, WAIT_MS));
  /* Coloured like the verdicts: only a valid ticket is green. */
  g_assert_true (label_has_class (fixture, "Void", "error"));
  g_assert_true (label_has_class (fixture, "Valid", "success"));
  g_assert_nonnull (find_label (GTK_WIDGET (fixture->window), "…000002"));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), WAIT_MS));
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (fixture->window), "search"));
}

static void
test_code_finds_rows (Fixture       *fixture,
                      gconstpointer  data)
{
  search_for (fixture, "SEARCH000003", "results");

  g_assert_cmpuint (n_results (fixture), ==, 1);
  g_assert_cmpstr (result_ticket (fixture, 0)->guest_name, ==, "Grace Hopper");
}

static void
test_short_text_hints_without_a_query (Fixture       *fixture,
                                       gconstpointer  data)
{
  search_for (fixture, "Ada", "results");
  g_assert_cmpuint (gate_search_panel_get_searches_started (fixture->panel), ==, 1);

  search_for (fixture, "Ad", "hint");

  g_assert_cmpuint (n_results (fixture), ==, 0);
  g_assert_cmpuint (gate_search_panel_get_searches_started (fixture->panel), ==, 1);
}

static void
test_no_match_says_so (Fixture       *fixture,
                       gconstpointer  data)
{
  LabelWait message = { GTK_WIDGET (fixture->window), "No ticket matches" };

  search_for (fixture, "Zebedee", "no-match");

  g_assert_cmpuint (n_results (fixture), ==, 0);
  g_assert_true (gate_test_gui_wait_until (label_shown, &message, WAIT_MS));
}

/* The position in the results of the ticket with @code. */
static guint
result_position (Fixture    *fixture,
                 const char *code)
{
  for (guint i = 0; i < n_results (fixture); i++)
    if (g_strcmp0 (result_ticket (fixture, i)->qr_token, code) == 0)
      return i;

  g_assert_not_reached ();
}

static void
open_sheet (Fixture    *fixture,
            const char *code)
{
  GtkWidget *list_view = GTK_WIDGET (gate_search_panel_get_list_view (fixture->panel));
  PageWait wait = { fixture->panel, "ticket" };

  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", result_position (fixture, code)));
  g_assert_true (gate_test_gui_wait_until (page_is, &wait, WAIT_MS));
}

static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The text of the sheet's label named @name, as shown. */
static const char *
sheet_text (Fixture    *fixture,
            const char *name)
{
  GtkWidget *label = find_named (GTK_WIDGET (gate_search_panel_get_sheet (fixture->panel)), name);

  g_assert_true (GTK_IS_LABEL (label));
  g_assert_true (gtk_widget_get_mapped (label));
  return gtk_label_get_text (GTK_LABEL (label));
}

static void
click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* One tap shows the ticket; only Admit on its sheet checks it. */
static void
test_activating_a_row_opens_its_ticket (Fixture       *fixture,
                                        gconstpointer  data)
{
  GtkWidget *sheet = GTK_WIDGET (gate_search_panel_get_sheet (fixture->panel));

  search_for (fixture, "Hopper", "results");
  open_sheet (fixture, "GS1-SEARCH000003");

  g_assert_cmpuint (fixture->chosen->len, ==, 0);
  g_assert_cmpstr (sheet_text (fixture, "guest"), ==, "Grace Hopper");
  g_assert_cmpstr (sheet_text (fixture, "code"), ==, "GS1-SEARCH000003");

  click (find_named (sheet, "admit-button"));

  g_assert_cmpuint (fixture->chosen->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->chosen, 0), ==, "GS1-SEARCH000003");
  g_assert_cmpstr (gate_search_panel_get_page (fixture->panel), ==, "results");
}

/* Two guests of one name: the sheet tells them apart by type, whole code,
 * status and last scan, the gate by its name. */
static void
test_duplicate_names_told_apart_on_the_sheet (Fixture       *fixture,
                                              gconstpointer  data)
{
  GateTicketSheet *sheet = gate_search_panel_get_sheet (fixture->panel);
  g_autofree char *admit = NULL;
  g_autofree char *check = NULL;

  search_for (fixture, "Grace", "results");
  g_assert_cmpuint (n_results (fixture), ==, 2);

  open_sheet (fixture, "GS1-SEARCH000003");
  g_assert_cmpstr (sheet_text (fixture, "ticket-type"), ==, "General");
  g_assert_cmpstr (sheet_text (fixture, "status"), ==, "Valid");
  g_assert_cmpstr (sheet_text (fixture, "last-scan"), ==, "Not scanned yet");
  g_object_get (sheet, "admit-label", &admit, NULL);
  g_assert_cmpstr (admit, ==, "_Admit");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sheet), "sheet.dismiss", NULL));

  open_sheet (fixture, "GS1-SEARCH000005");
  g_assert_cmpstr (sheet_text (fixture, "guest"), ==, "Grace Hopper");
  g_assert_cmpstr (sheet_text (fixture, "ticket-type"), ==, "VIP");
  g_assert_cmpstr (sheet_text (fixture, "code"), ==, "GS1-SEARCH000005");
  g_assert_true (g_str_has_prefix (sheet_text (fixture, "status"), "Already scanned at "));
  g_assert_true (g_str_has_prefix (sheet_text (fixture, "last-scan"), "Last scanned at "));
  g_assert_true (g_str_has_suffix (sheet_text (fixture, "last-scan"), " at North Gate"));
  g_object_get (sheet, "admit-label", &check, NULL);
  g_assert_cmpstr (check, ==, "_Check Ticket");

  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), WAIT_MS));
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (fixture->window), "search-ticket"));
  g_assert_cmpuint (fixture->chosen->len, ==, 0);
}

static void
test_back_chooses_nothing (Fixture       *fixture,
                           gconstpointer  data)
{
  GtkWidget *sheet = GTK_WIDGET (gate_search_panel_get_sheet (fixture->panel));

  search_for (fixture, "Katherine", "results");
  open_sheet (fixture, "GS1-SEARCH000004");
  click (find_named (sheet, "back-button"));

  g_assert_cmpstr (gate_search_panel_get_page (fixture->panel), ==, "results");
  g_assert_cmpuint (fixture->chosen->len, ==, 0);
}

typedef struct
{
  GSubprocess *process;
  gboolean     done;
} Run;

static void
on_xdotool_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_check_finish (G_SUBPROCESS (source), result, &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

static gboolean
run_is_done (gpointer user_data)
{
  return ((Run *) user_data)->done;
}

/* Presses @keys on the X display, as a keyboard does, while the main loop
 * handles them. */
static void
press_keys (const char *keys)
{
  g_autoptr(GError) error = NULL;
  Run run = { NULL, FALSE };

  run.process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "xdotool", "key", "--clearmodifiers", keys,
                                  NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (run.process, NULL, on_xdotool_done, &run);
  g_assert_true (gate_test_gui_wait_until (run_is_done, &run, WAIT_MS));
  g_object_unref (run.process);
}

static gboolean
entry_has_focus (gpointer user_data)
{
  Fixture *fixture = user_data;
  GtkWidget *entry = GTK_WIDGET (gate_search_panel_get_entry (fixture->panel));
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (fixture->window));

  return focus != NULL && (focus == entry || gtk_widget_is_ancestor (focus, entry));
}

/* Ctrl+F from a result row goes back to the field, its text selected for
 * the next guest's name. */
static void
test_ctrl_f_focuses_the_field (Fixture       *fixture,
                               gconstpointer  data)
{
  GtkWidget *list_view = GTK_WIDGET (gate_search_panel_get_list_view (fixture->panel));

  search_for (fixture, "Grace", "results");
  g_assert_true (gtk_widget_grab_focus (list_view));
  g_assert_false (entry_has_focus (fixture));

  press_keys ("ctrl+f");

  g_assert_true (gate_test_gui_wait_until (entry_has_focus, fixture, WAIT_MS));
}

static void
test_typed_code_is_checked (Fixture       *fixture,
                            gconstpointer  data)
{
  GtkEditable *entry = gate_search_panel_get_entry (fixture->panel);
  GtkWidget *check = find_action_button (GTK_WIDGET (fixture->panel), "search.check-code");

  g_assert_nonnull (check);
  g_assert_false (gtk_widget_get_sensitive (check));

  /* Not a code at all (codes are ASCII): nothing to check. */
  gtk_editable_set_text (entry, "Zoë");
  g_assert_false (gtk_widget_get_sensitive (check));
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpuint (fixture->chosen->len, ==, 0);

  /* A code typed in full, with the blanks around it a person adds. */
  gtk_editable_set_text (entry, " GS1-NOT-CACHED-77 ");
  g_assert_true (gtk_widget_get_sensitive (check));
  g_signal_emit (check, g_signal_lookup ("clicked", GTK_TYPE_BUTTON), 0);
  g_signal_emit_by_name (entry, "activate");

  g_assert_cmpuint (fixture->chosen->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->chosen, 0), ==, "GS1-NOT-CACHED-77");
  g_assert_cmpstr (g_ptr_array_index (fixture->chosen, 1), ==, "GS1-NOT-CACHED-77");
}

static void
test_row_follows_an_offline_admit (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
  g_autoptr(GateScanDecision) decision = NULL;
  g_autoptr(GError) error = NULL;
  LabelWait valid = { GTK_WIDGET (fixture->window), "Valid" };
  LabelWait scanned = { GTK_WIDGET (fixture->window), "Already scanned at " };

  search_for (fixture, "Katherine", "results");
  g_assert_true (gate_test_gui_wait_until (label_shown, &valid, WAIT_MS));

  scan->client_scan_id = g_uuid_string_random ();
  scan->event_id = g_strdup (EVENT);
  scan->qr_token = g_strdup ("GS1-SEARCH000004");
  scan->device_id = g_strdup ("gate-1");
  scan->scanned_at_us = g_get_real_time ();
  scan->scan_method = g_strdup ("manual");
  decision = gate_ticket_cache_admit_offline (fixture->cache, scan, &error);
  g_assert_no_error (error);
  g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_ADMITTED);

  g_assert_true (gate_test_gui_wait_until (label_shown, &scanned, WAIT_MS));
  g_assert_true (label_has_class (fixture, "Already scanned at ", "error"));
  g_assert_null (find_label (GTK_WIDGET (fixture->window), "Valid"));
  g_assert_cmpint (result_ticket (fixture, 0)->status, ==, GATE_TICKET_STATUS_SCANNED);
}

int
main (int    argc,
      char **argv)
{
  gate_test_gui_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/search-panel/name-finds-rows", test_name_finds_rows);
  ADD ("/search-panel/code-finds-rows", test_code_finds_rows);
  ADD ("/search-panel/short-text-hints-without-a-query", test_short_text_hints_without_a_query);
  ADD ("/search-panel/no-match-says-so", test_no_match_says_so);
  ADD ("/search-panel/activating-a-row-opens-its-ticket", test_activating_a_row_opens_its_ticket);
  ADD ("/search-panel/duplicate-names-told-apart-on-the-sheet", test_duplicate_names_told_apart_on_the_sheet);
  ADD ("/search-panel/back-chooses-nothing", test_back_chooses_nothing);
  ADD ("/search-panel/ctrl-f-focuses-the-field", test_ctrl_f_focuses_the_field);
  ADD ("/search-panel/typed-code-is-checked", test_typed_code_is_checked);
  ADD ("/search-panel/row-follows-an-offline-admit", test_row_follows_an_offline_admit);

#undef ADD

  return g_test_run ();
}
