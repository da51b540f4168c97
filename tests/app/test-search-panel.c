/* test-search-panel.c — manual entry: a search over a real cache file
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
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

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
  page->next_cursor = g_strdup ("1");
  g_assert_true (gate_ticket_cache_apply_page (fixture->cache, EVENT, page, &error));
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

static void
test_activating_a_row_chooses_its_code (Fixture       *fixture,
                                        gconstpointer  data)
{
  GtkWidget *list_view;

  search_for (fixture, "Hopper", "results");

  list_view = GTK_WIDGET (gate_search_panel_get_list_view (fixture->panel));
  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", 0));

  g_assert_cmpuint (fixture->chosen->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->chosen, 0), ==, "GS1-SEARCH000003");
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
  ADD ("/search-panel/activating-a-row-chooses-its-code", test_activating_a_row_chooses_its_code);
  ADD ("/search-panel/typed-code-is-checked", test_typed_code_is_checked);
  ADD ("/search-panel/row-follows-an-offline-admit", test_row_follows_an_offline_admit);

#undef ADD

  return g_test_run ();
}
