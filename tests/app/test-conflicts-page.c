/* test-conflicts-page.c — conflict review against a real PostgreSQL and
 * gate-server, with real conflicts made by two gates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A conflict is made the way it happens at a venue: one gate admits a
 * ticket online, another that refreshed before admits it offline and
 * uploads later, losing first-scan-wins. Every test has its own event, so
 * a supervisor's server-wide list holds only that test's conflicts.
 */
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "gate-cache-panel.h"
#include "gate-conflicts-page.h"
#include "gate-device-item.h"
#include "gate-error.h"
#include "gate-gate-view.h"
#include "gate-search-panel-private.h"
#include "gate-sync-service.h"
#include "gate-test-gui.h"
#include "gate-test-harness.h"
#include "gate-verdict-view.h"
#include "gate-window.h"

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
  char           **tickets;
  guint            next_ticket;
  char            *id;
} Event;

/* A device as the app runs one: a session, whose parts the tests use. */
typedef struct
{
  char             *name;
  char             *device_id;
  char             *token;
  GateSession      *session;
  GateApiClient    *client;    /* the session's */
  GateTicketCache  *cache;     /* the session's */
  GateSyncService  *sync;      /* the session's */
} Gate;

/* --- set-up ------------------------------------------------------------------- */

static Event *
event_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("Conflicts page %u", ++backend.serial);
  Event *event = g_new0 (Event, 1);

  event->id = gate_test_create_event (backend.pg, name, &error);
  g_assert_no_error (error);
  event->tickets = gate_test_generate_tickets (backend.pg, event->id, 6, "General", &error);
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

/* A device registered as @role, talking to @server_url. A supervisor's
 * session is returned once it knows it is one, as the app's would be
 * before anyone opens the Conflicts page. */
static Gate *
gate_new_on (Event      *event,
             const char *name,
             const char *role,
             const char *server_url)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  Gate *gate = g_new0 (Gate, 1);

  gate->name = g_strdup_printf ("%s-%u", name, ++backend.serial);
  g_assert_true (gate_test_add_device (backend.pg, gate->name, role, &gate->device_id, &gate->token, &error));
  g_assert_no_error (error);
  path = g_build_filename (backend.dir, gate->device_id, NULL);
  gate->session = gate_test_gui_open_session (server_url, gate->token, gate->device_id, event->id, path);
  gate->client = gate_session_get_client (gate->session);
  gate->cache = gate_session_get_cache (gate->session);
  gate->sync = gate_session_get_sync_service (gate->session);
  /* As the app does once the session is open: the sync starts, and the
   * session asks the server whether the token is a supervisor's. */
  if (g_strcmp0 (role, "supervisor") == 0)
    {
      gate_session_start_sync (gate->session, 3600);
      g_assert_true (gate_test_gui_wait_supervisor (gate->session, WAIT_MS));
    }
  return gate;
}

static Gate *
gate_new (Event      *event,
          const char *name,
          const char *role)
{
  return gate_new_on (event, name, role, gate_test_server_get_url (backend.server));
}

static void
gate_free (Gate *gate)
{
  g_clear_object (&gate->session);
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

/* @online admits a ticket at the server; @offline, whose cache was refreshed
 * before, admits it again offline and uploads: it loses the conflict. */
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

static GtkWidget *
show_page (GateConflictsPage *page)
{
  GtkWidget *window = adw_window_new ();

  adw_window_set_content (ADW_WINDOW (window), GTK_WIDGET (page));
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gate_test_gui_wait_drawn (window, WAIT_MS));
  return window;
}

/* --- looking at the page ------------------------------------------------------ */

typedef struct
{
  GateConflictsPage *page;
  const char        *ticket;
} Lookup;

static GateConflictItem *
find_item (GListModel *model,
           const char *ticket)
{
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GateConflictItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gate_conflict_item_get_ticket_code (item), ticket) == 0)
        return item;
    }
  return NULL;
}

static gboolean
ticket_listed (gpointer user_data)
{
  Lookup *lookup = user_data;

  return find_item (gate_conflicts_page_get_visible_conflicts (lookup->page), lookup->ticket) != NULL;
}

static GateConflictItem *
wait_for_ticket (GateConflictsPage *page,
                 const char        *ticket)
{
  Lookup lookup = { page, ticket };

  g_assert_true (gate_test_gui_wait_until (ticket_listed, &lookup, WAIT_MS));
  return find_item (gate_conflicts_page_get_visible_conflicts (page), ticket);
}

static gboolean
done_loading (gpointer user_data)
{
  return !gate_conflicts_page_get_loading (user_data);
}

static GtkWidget *
find_descendant (GtkWidget  *widget,
                 GType       type,
                 const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) &&
          (name == NULL || g_strcmp0 (gtk_widget_get_name (child), name) == 0))
        return child;
      found = find_descendant (child, type, name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static const char *
shown_page (GateConflictsPage *page)
{
  GtkWidget *stack = find_descendant (GTK_WIDGET (page), GTK_TYPE_STACK, "conflicts-stack");

  g_assert_nonnull (stack);
  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

static gboolean
stack_shows_list (gpointer user_data)
{
  return g_strcmp0 (shown_page (user_data), "list") == 0;
}

static gboolean
review_button_shown (gpointer user_data)
{
  GtkWidget *button = find_descendant (user_data, GTK_TYPE_BUTTON, "review-button");

  return button != NULL && gtk_widget_get_mapped (button);
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer user_data)
{
  return find_message_dialog () != NULL;
}

/* Clicks the row's "Mark Reviewed…" button, types @note and confirms. */
static void
review_through_dialog (GtkWidget  *window,
                       const char *note)
{
  GtkWidget *button;
  AdwMessageDialog *dialog;

  g_assert_true (gate_test_gui_wait_until (review_button_shown, window, WAIT_MS));
  button = find_descendant (window, GTK_TYPE_BUTTON, "review-button");
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");

  g_assert_true (gate_test_gui_wait_until (dialog_shown, NULL, WAIT_MS));
  dialog = find_message_dialog ();
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog)), note);
  adw_message_dialog_response (dialog, "review");
}

static gboolean
item_reviewed (gpointer user_data)
{
  return gate_conflict_item_get_reviewed (user_data);
}

static char *
server_sql (const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *psql = g_find_program_in_path ("psql");
  g_autofree char *out = NULL;
  const char *argv[] = { psql, "-At", "-d", gate_test_pg_get_conninfo (backend.pg), "-c", sql, NULL };
  int status = 0;

  g_assert_nonnull (psql);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_strchomp (g_steal_pointer (&out));
}

static char *
server_review (gint64 conflict_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT reviewed_by || '|' || coalesce(review_note, '') "
                                          "FROM scan_conflicts WHERE id = %" G_GINT64_FORMAT
                                          " AND reviewed_at IS NOT NULL",
                                          conflict_id);

  return server_sql (sql);
}

/* --- tests --------------------------------------------------------------------- */

static void
test_gate_mode_lists_conflict_from_cache (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  const char *ticket = make_conflict (event, north, south);
  GateConflictsPage *page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (south->session));
  GtkWidget *window = show_page (page);
  GateConflictItem *item = wait_for_ticket (page, ticket);
  g_autofree char *winner = NULL;
  g_autofree char *loser = NULL;
  g_autofree char *guest = NULL;
  g_autofree char *detected = NULL;
  g_autofree char *shot = NULL;
  gint64 id = 0;
  gboolean reviewed = TRUE;

  g_object_get (item,
                "conflict-id", &id,
                "winner-device", &winner,
                "loser-device", &loser,
                "guest-name", &guest,
                "detected-at", &detected,
                "reviewed", &reviewed,
                NULL);
  g_assert_cmpint (id, >, 0);
  /* The gate learned both names with its sync: people read names. */
  g_assert_cmpstr (winner, ==, north->name);
  g_assert_cmpstr (loser, ==, south->name);
  g_assert_cmpstr (guest, !=, "—");
  g_assert_cmpstr (detected, !=, "—");
  g_assert_false (reviewed);
  g_assert_false (gate_conflicts_page_get_supervisor (page));

  g_assert_true (gate_test_gui_wait_until (stack_shows_list, page, WAIT_MS));
  g_assert_true (gate_test_gui_wait_until (review_button_shown, window, WAIT_MS));
  g_assert_true (gate_test_gui_wait_drawn (window, WAIT_MS));
  shot = gate_test_gui_snapshot_widget (GTK_WIDGET (page), "conflicts");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_empty_state_explains_conflicts (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  GateConflictsPage *page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (south->session));
  GtkWidget *window = show_page (page);
  GtkWidget *status;

  g_assert_true (gate_test_gui_wait_until (done_loading, page, WAIT_MS));
  gate_test_gui_flush ();
  g_assert_cmpstr (shown_page (page), ==, "empty");
  status = find_descendant (GTK_WIDGET (page), ADW_TYPE_STATUS_PAGE, NULL);
  g_assert_nonnull (status);
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (status)), "two gates"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_new_conflict_appears_live (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  GateConflictsPage *page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (south->session));
  GtkWidget *window = show_page (page);
  const char *ticket;

  g_assert_true (gate_test_gui_wait_until (done_loading, page, WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (gate_conflicts_page_get_conflicts (page)), ==, 0);

  /* The page is told by the cache's "conflicts-changed" that the sync
   * stored a conflict; nothing else asks it to load again. */
  ticket = make_conflict (event, north, south);
  wait_for_ticket (page, ticket);
  g_assert_true (gate_test_gui_wait_until (stack_shows_list, page, WAIT_MS));

  gtk_window_destroy (GTK_WINDOW (window));
}

typedef struct
{
  gboolean  done;
  GError   *error;
} Opening;

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Opening *opening = user_data;

  gate_session_open_finish (GATE_SESSION (source), result, &opening->error);
  opening->done = TRUE;
}

static gboolean
has_opened (gpointer user_data)
{
  return ((Opening *) user_data)->done;
}

static void
test_lists_once_the_session_opens (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  const char *ticket = make_conflict (event, north, south);
  g_autofree char *path = g_build_filename (backend.dir, south->device_id, NULL);
  g_autoptr(GateSession) session = NULL;
  GateConflictsPage *page = NULL;
  GtkWidget *window = NULL;
  Opening opening = { FALSE, NULL };

  /* The gate's cache file, opened by a second session only after the page
   * has it: the window gets its session once it is open, but a page must
   * not depend on that. */
  session = gate_test_gui_new_session (NULL, NULL, south->device_id, event->id, path);
  page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (session));
  window = show_page (page);
  g_assert_true (gate_test_gui_wait_until (done_loading, page, WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (gate_conflicts_page_get_conflicts (page)), ==, 0);

  gate_session_open_async (session, NULL, on_opened, &opening);
  g_assert_true (gate_test_gui_wait_until (has_opened, &opening, WAIT_MS));
  g_assert_no_error (opening.error);
  wait_for_ticket (page, ticket);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_mark_reviewed_with_note_reaches_server (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  g_autoptr(Gate) laptop = gate_new (event, "laptop", "supervisor");
  const char *ticket = make_conflict (event, north, south);
  GateConflictsPage *page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (laptop->session));
  GtkWidget *window = NULL;
  g_autoptr(GateConflictItem) item = NULL;
  g_autofree char *on_server = NULL;
  g_autofree char *summary = NULL;

  gate_conflicts_page_set_reviewed_by (page, "Supervisor Sam");
  window = show_page (page);
  item = g_object_ref (wait_for_ticket (page, ticket));

  review_through_dialog (window, "same guest, wristband checked");
  g_assert_true (gate_test_gui_wait_until (item_reviewed, item, WAIT_MS));

  on_server = server_review (gate_conflict_item_get_conflict_id (item));
  g_assert_cmpstr (on_server, ==, "Supervisor Sam|same guest, wristband checked");
  g_object_get (item, "review-summary", &summary, NULL);
  g_assert_nonnull (strstr (summary, "same guest, wristband checked"));
  g_assert_null (gate_conflicts_page_get_notice (page));

  /* Reviewed conflicts leave the list until asked for. */
  g_assert_null (find_item (gate_conflicts_page_get_visible_conflicts (page), ticket));
  gate_conflicts_page_set_show_reviewed (page, TRUE);
  g_assert_true (find_item (gate_conflicts_page_get_visible_conflicts (page), ticket) == item);

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
has_notice (gpointer user_data)
{
  return gate_conflicts_page_get_notice (user_data) != NULL;
}

static void
test_gate_token_review_refused_with_reason (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  const char *ticket = make_conflict (event, north, south);
  GateConflictsPage *page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (south->session));
  GtkWidget *window = show_page (page);
  g_autoptr(GateConflictItem) item = g_object_ref (wait_for_ticket (page, ticket));
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GError) error = NULL;

  review_through_dialog (window, "let in");
  g_assert_true (gate_test_gui_wait_until (has_notice, page, WAIT_MS));
  g_assert_nonnull (strstr (gate_conflicts_page_get_notice (page), "supervisor"));

  /* Nothing looks done that the server did not accept. */
  g_assert_false (gate_conflict_item_get_reviewed (item));
  open = gate_ticket_cache_list_conflicts (south->cache, event->id, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (open->len, ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

typedef struct
{
  GateConflictsPage *page;
  const char        *name;
  gboolean           revoked;
} DeviceLookup;

static gboolean
device_listed (gpointer user_data)
{
  DeviceLookup *lookup = user_data;
  GListModel *devices = gate_conflicts_page_get_devices (lookup->page);
  guint n = g_list_model_get_n_items (devices);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GateDeviceItem) device = g_list_model_get_item (devices, i);
      g_autofree char *name = NULL;
      gboolean revoked = FALSE;

      g_object_get (device, "name", &name, "revoked", &revoked, NULL);
      if (g_strcmp0 (name, lookup->name) == 0 && revoked == lookup->revoked)
        return TRUE;
    }
  return FALSE;
}

static void
test_supervisor_lists_conflicts_and_devices_server_wide (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  g_autoptr(Gate) east = gate_new (event, "east", "gate");
  g_autoptr(Gate) laptop = gate_new (event, "laptop", "supervisor");
  const char *first = make_conflict (event, north, south);
  const char *second = make_conflict (event, south, east);
  GateConflictsPage *page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (laptop->session));
  GtkWidget *window = show_page (page);
  DeviceLookup north_listed = { page, north->name, FALSE };
  DeviceLookup east_revoked = { page, east->name, TRUE };
  g_autoptr(GError) error = NULL;
  g_autofree char *revoked = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *winner = NULL;

  /* Neither conflict is the laptop's own: it sees them from the server. */
  wait_for_ticket (page, first);
  wait_for_ticket (page, second);
  g_assert_cmpuint (g_list_model_get_n_items (gate_conflicts_page_get_conflicts (page)), ==, 2);
  g_assert_true (gate_test_gui_wait_until (device_listed, &north_listed, WAIT_MS));
  g_assert_true (gate_test_gui_wait_until (done_loading, page, WAIT_MS));
  g_assert_null (gate_conflicts_page_get_error_message (page));

  /* With the device list in, gates show by name rather than by id. */
  g_object_get (find_item (gate_conflicts_page_get_conflicts (page), second), "winner-device", &winner, NULL);
  g_assert_cmpstr (winner, ==, south->name);

  revoked = gate_test_gatectl (&error, "device", "revoke", east->device_id, "--db",
                               gate_test_pg_get_conninfo (backend.pg), NULL);
  g_assert_no_error (error);
  gate_conflicts_page_reload (page);
  g_assert_true (gate_test_gui_wait_until (device_listed, &east_revoked, WAIT_MS));

  g_assert_true (gate_test_gui_wait_until (done_loading, page, WAIT_MS));
  g_assert_true (gate_test_gui_wait_drawn (window, WAIT_MS));
  shot = gate_test_gui_snapshot_widget (GTK_WIDGET (page), "conflicts-supervisor");

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
has_error_message (gpointer user_data)
{
  return gate_conflicts_page_get_error_message (user_data) != NULL;
}

/* The laptop's own gate-server, so that stopping it leaves the others' alone. */
static GateTestServer *
private_server (void)
{
  g_autoptr(GError) error = NULL;
  GateTestServer *server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);

  g_assert_no_error (error);
  return server;
}

static void
stop_server (GateTestServer *server)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (gate_test_server_stop (server, &status, &error));
  g_assert_no_error (error);
}

static void
test_dead_server_shows_error (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(GateTestServer) server = private_server ();
  g_autoptr(Gate) laptop = gate_new_on (event, "laptop", "supervisor", gate_test_server_get_url (server));
  GateConflictsPage *page = NULL;
  GtkWidget *window = NULL;
  g_autofree char *shot = NULL;

  /* The server died after the laptop learnt it is a supervisor's. */
  stop_server (server);
  page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (laptop->session));
  window = show_page (page);

  g_assert_true (gate_test_gui_wait_until (has_error_message, page, WAIT_MS));
  g_assert_true (gate_test_gui_wait_until (done_loading, page, WAIT_MS));
  g_assert_nonnull (strstr (gate_conflicts_page_get_error_message (page), "cannot be reached"));
  gate_test_gui_flush ();
  g_assert_cmpstr (shown_page (page), ==, "error");

  /* Reloading against a server that is still dead changes nothing else. */
  gate_conflicts_page_reload (page);
  g_assert_true (gate_test_gui_wait_until (done_loading, page, WAIT_MS));
  g_assert_nonnull (gate_conflicts_page_get_error_message (page));
  g_assert_true (gate_test_gui_wait_drawn (window, WAIT_MS));
  shot = gate_test_gui_snapshot_widget (GTK_WIDGET (page), "conflicts-dead-server");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_failed_reload_keeps_list (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  g_autoptr(GateTestServer) server = private_server ();
  g_autoptr(Gate) laptop = gate_new_on (event, "laptop", "supervisor", gate_test_server_get_url (server));
  const char *ticket = make_conflict (event, north, south);
  GateConflictsPage *page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (laptop->session));
  GtkWidget *window = show_page (page);

  wait_for_ticket (page, ticket);
  g_assert_true (gate_test_gui_wait_until (done_loading, page, WAIT_MS));

  stop_server (server);
  gate_conflicts_page_reload (page);
  g_assert_true (gate_test_gui_wait_until (has_notice, page, WAIT_MS));
  g_assert_true (gate_test_gui_wait_until (done_loading, page, WAIT_MS));

  /* What was loaded stays on screen, with the reason it may be stale. */
  g_assert_nonnull (strstr (gate_conflicts_page_get_notice (page), "cannot be reached"));
  g_assert_nonnull (gate_conflicts_page_get_error_message (page));
  g_assert_nonnull (find_item (gate_conflicts_page_get_visible_conflicts (page), ticket));
  gate_test_gui_flush ();
  g_assert_cmpstr (shown_page (page), ==, "list");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_revoked_token_shows_error (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) laptop = gate_new (event, "laptop", "supervisor");
  g_autoptr(GError) error = NULL;
  g_autofree char *revoked = NULL;
  GateConflictsPage *page = NULL;
  GtkWidget *window;

  revoked = gate_test_gatectl (&error, "device", "revoke", laptop->device_id, "--db",
                               gate_test_pg_get_conninfo (backend.pg), NULL);
  g_assert_no_error (error);
  page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (laptop->session));
  window = show_page (page);

  g_assert_true (gate_test_gui_wait_until (has_error_message, page, WAIT_MS));
  g_assert_nonnull (strstr (gate_conflicts_page_get_error_message (page), "token"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_export_csv_writes_all_rows (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "north", "gate");
  g_autoptr(Gate) south = gate_new (event, "south", "gate");
  g_autoptr(Gate) laptop = gate_new (event, "laptop", "supervisor");
  const char *first = make_conflict (event, north, south);
  const char *second = make_conflict (event, north, south);
  GateConflictsPage *page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (laptop->session));
  GtkWidget *window = show_page (page);
  g_autofree char *path = g_build_filename (backend.dir, "export.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *expected_end = NULL;
  g_auto(GateTestAsync) reviewed = { 0 };
  g_auto(GateTestAsync) exported = { 0 };
  GStatBuf st;

  wait_for_ticket (page, first);
  gate_conflicts_page_set_reviewed_by (page, "Supervisor Sam");
  gate_conflicts_page_review_async (page, wait_for_ticket (page, second), "dup, note with \"quotes\", commas",
                                    NULL, gate_test_async_ready, &reviewed);
  g_assert_true (gate_conflicts_page_review_finish (page, gate_test_async_wait (&reviewed, WAIT_MS), &error));
  g_assert_no_error (error);
  /* The reviewed one is no longer shown, but the file keeps every conflict. */
  g_assert_cmpuint (g_list_model_get_n_items (gate_conflicts_page_get_visible_conflicts (page)), ==, 1);

  g_assert_true (g_file_set_contents (path, "old contents", -1, &error));
  gate_conflicts_page_export_csv_async (page, file, NULL, gate_test_async_ready, &exported);
  g_assert_true (gate_conflicts_page_export_csv_finish (page, gate_test_async_wait (&exported, WAIT_MS), &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (path, &csv, NULL, &error));
  lines = g_strsplit (csv, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);  /* header, two rows, and "" after the last CRLF */
  g_assert_true (g_str_has_prefix (lines[0], "conflict_id,event_id,ticket_id,qr_token,"));
  /* Unreviewed first, so the reviewed conflict comes last. */
  g_assert_nonnull (strstr (lines[1], first));
  g_assert_nonnull (strstr (lines[2], second));
  /* No operator was signed in at either gate: the last two fields are empty. */
  expected_end = g_strdup_printf (",Supervisor Sam,\"dup, note with \"\"quotes\"\", commas\",%s,%s,,", north->name,
                                  south->name);
  g_assert_true (g_str_has_suffix (lines[2], expected_end));
  g_assert_cmpstr (lines[3], ==, "");

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* === gates by name, admissions, the devices list, touch targets (issue 10) ====== */

/* --- a ticket's guest, set as the box office would ------------------------- */

static void
name_guest (const char *ticket,
            const char *guest)
{
  g_autofree char *psql = g_find_program_in_path ("psql");
  g_autofree char *sql = g_strdup_printf ("UPDATE tickets SET guest_name = '%s' WHERE qr_token = '%s'", guest,
                                          ticket);
  const char *argv[] = { psql, "-Atq", "-d", gate_test_pg_get_conninfo (backend.pg), "-c", sql, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_nonnull (psql);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static GateScanDecision *
scan (Gate       *gate,
      const char *code)
{
  GateScanEngine *engine = gate_session_get_engine (gate->session);
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };
  GateScanDecision *decision;

  gate_scan_engine_scan_async (engine, code, "qr", FALSE, NULL, gate_test_async_ready, &waiter);
  decision = gate_scan_engine_scan_finish (engine, gate_test_async_wait (&waiter, WAIT_MS), &error);
  g_assert_no_error (error);
  return decision;
}

/* --- touch targets ------------------------------------------------------------ */

typedef struct
{
  int   width;
  int   height;
  char *what;
} Smallest;

static void
smallest_clear (Smallest *smallest)
{
  g_free (smallest->what);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Smallest, smallest_clear)

/* @widget, as laid out, is a target a finger hits: 44 × 44 px at least. */
static void
assert_touch_target (GtkWidget  *widget,
                     const char *what,
                     Smallest   *smallest)
{
  int width, height;

  g_assert_nonnull (widget);
  g_assert_true (gtk_widget_get_mapped (widget));
  /* A widget mapped in the last frame may get its size in the next one:
   * measure it once it has one (a widget still 0 × 0 at the deadline fails
   * below). */
  gate_test_gui_wait_laid_out (widget, WAIT_MS);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_test_message ("touch target %s: %d × %d px", what, width, height);
  if (width < 44 || height < 44)
    g_error ("%s is %d × %d px, smaller than a finger (44 × 44)", what, width, height);

  if (smallest->what == NULL || MIN (width, height) < MIN (smallest->width, smallest->height))
    {
      smallest->width = width;
      smallest->height = height;
      g_free (smallest->what);
      smallest->what = g_strdup (what);
    }
}

static GtkWidget *
find_button_labelled (GtkWidget  *widget,
                      const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && gtk_widget_get_mapped (child) &&
          g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return child;
      found = find_button_labelled (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Every mapped widget of @type under @widget. */
static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *found)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) && gtk_widget_get_mapped (child))
        g_ptr_array_add (found, child);
      collect (child, type, found);
    }
}

/* A device row shows "2 admitted". */
static gboolean
admitted_shown (gpointer user_data)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect (user_data, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_widget_get_name (labels->pdata[i]), "admitted") == 0 &&
        g_strcmp0 (gtk_label_get_text (labels->pdata[i]), "2 admitted") == 0)
      return TRUE;
  return FALSE;
}

/* Every row the list view shows has its place: a row made after the
 * results page came up may be mapped a frame before it is allocated (seen
 * as 0 × 0 px in 2 runs of 3). */
static gboolean
rows_laid_out (gpointer user_data)
{
  GtkWidget *list = user_data;

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    if (gtk_widget_get_mapped (row) && (gtk_widget_get_width (row) == 0 || gtk_widget_get_height (row) == 0))
      return FALSE;
  return TRUE;
}

static gboolean
search_shows_results (gpointer user_data)
{
  return g_strcmp0 (gate_search_panel_get_page (user_data), "results") == 0;
}

/* --- tests -------------------------------------------------------------------- */

/* "Already used" names the gate that let the guest in, and the guest:
 * online from the server's answer, offline from the cache. */
static void
test_already_used_names_gate_and_guest (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "North Gate", "gate");
  g_autoptr(Gate) south = gate_new (event, "South Gate", "gate");
  g_autoptr(GateScanDecision) first = NULL;
  g_autoptr(GateScanDecision) again = NULL;
  const char *ticket = event->tickets[0];
  GtkWidget *view = gate_verdict_view_new ();
  GtkWidget *window = gtk_window_new ();
  g_autofree char *expected_end = g_strdup_printf (" at %s", north->name);
  g_auto(GStrv) lines = NULL;

  name_guest (ticket, "Ada Lovelace");
  sync_gate (south);   /* learns the venue's device names */
  first = scan (north, ticket);
  g_assert_cmpint (first->verdict, ==, GATE_VERDICT_ADMITTED);
  again = scan (south, ticket);
  g_assert_cmpint (again->verdict, ==, GATE_VERDICT_ALREADY_SCANNED);

  gate_verdict_view_set_device_id (GATE_VERDICT_VIEW (view), south->device_id);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 480);
  gtk_window_present (GTK_WINDOW (window));
  gate_verdict_view_show_decision (GATE_VERDICT_VIEW (view), again);
  g_assert_true (gate_test_gui_wait_drawn (window, WAIT_MS));

  lines = g_strsplit (gate_verdict_view_get_detail (GATE_VERDICT_VIEW (view)), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_cmpstr (lines[0], ==, "Ada Lovelace");
  g_assert_true (g_str_has_prefix (lines[1], "Scanned at "));
  g_assert_true (g_str_has_suffix (lines[1], expected_end));
  g_assert_null (strstr (lines[1], north->device_id));
  g_free (gate_test_gui_snapshot_widget (window, "already-used-named"));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A supervisor's device list: a section of its own that fills the page,
 * each gate with how many guests it let in. */
static void
test_devices_show_admissions_and_fill_the_page (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) busy = gate_new (event, "Busy Gate", "gate");
  g_autoptr(Gate) boss = gate_new (event, "Supervisor", "supervisor");
  GateConflictsPage *page = NULL;
  GtkWidget *window;
  GtkWidget *scroller;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GateScanDecision) decision = scan (busy, event->tickets[i]);

      g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_ADMITTED);
    }

  page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (boss->session));
  window = show_page (page);
  gtk_window_set_default_size (GTK_WINDOW (window), 1024, 600);
  g_assert_true (gate_test_gui_wait_until (done_loading, page, WAIT_MS));
  gate_conflicts_page_set_section (page, "devices");
  g_assert_cmpstr (gate_conflicts_page_get_section (page), ==, "devices");
  gate_test_gui_flush ();

  /* The busy gate's row says how many it let in. */
  g_assert_true (gate_test_gui_wait_until (admitted_shown, page, WAIT_MS));

  /* The list takes the page's height, not a 180 px strip under the conflicts. */
  scroller = find_descendant (GTK_WIDGET (page), GTK_TYPE_SCROLLED_WINDOW, "devices-list");
  g_assert_true (gtk_widget_get_mapped (scroller));
  g_test_message ("devices list %d px of a %d px page", gtk_widget_get_height (scroller),
                  gtk_widget_get_height (GTK_WIDGET (page)));
  g_assert_cmpint (gtk_widget_get_height (scroller), >=, gtk_widget_get_height (GTK_WIDGET (page)) * 3 / 4);
  g_free (gate_test_gui_snapshot_widget (window, "devices-supervisor"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
shows_verdict (gpointer user_data)
{
  return g_strcmp0 (gate_gate_view_get_screen (user_data), "verdict") == 0;
}

static gboolean
view_is (gpointer user_data)
{
  gpointer *wait = user_data;

  return g_strcmp0 (adw_view_stack_get_visible_child_name (wait[0]), wait[1]) == 0;
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
search_entry_focused (gpointer user_data)
{
  GtkWidget *window = user_data;
  GObject *panel = gtk_widget_get_template_child (window, GATE_TYPE_WINDOW, "search_panel");
  GtkWidget *entry = GTK_WIDGET (gate_search_panel_get_entry (GATE_SEARCH_PANEL (panel)));
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));

  return focus != NULL && (focus == entry || gtk_widget_is_ancestor (focus, entry));
}

/* The demo's camera decides every few seconds: a supervisor reading
 * Conflicts stays there; the verdict waits on the Gate page. Ctrl+F from
 * anywhere lands in the search field. */
static void
test_window_keeps_supervisor_on_conflicts (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) boss = gate_new (event, "Supervisor", "supervisor");
  GateWindow *window = g_object_ref_sink (gate_window_new (NULL));
  GObject *views;
  GtkWidget *gate_view;
  gpointer on_conflicts[2] = { NULL, (gpointer) "conflicts" };
  gpointer on_search[2] = { NULL, (gpointer) "search" };

  gate_window_set_session (window, boss->session, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1024, 600);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (window), WAIT_MS));
  views = gtk_widget_get_template_child (GTK_WIDGET (window), GATE_TYPE_WINDOW, "views");
  on_conflicts[0] = on_search[0] = views;
  gate_view = gate_window_get_gate_view (window);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "conflicts"));
  g_assert_true (gate_test_gui_wait_until (view_is, on_conflicts, WAIT_MS));

  g_assert_true (gate_scan_engine_submit (gate_session_get_engine (boss->session), event->tickets[0], "qr"));
  g_assert_true (gate_test_gui_wait_until (shows_verdict, gate_view, WAIT_MS));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (views)), ==, "conflicts");

  press_keys ("ctrl+f");
  g_assert_true (gate_test_gui_wait_until (view_is, on_search, WAIT_MS));
  g_assert_true (gate_test_gui_wait_until (search_entry_focused, window, WAIT_MS));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

static gboolean
item_on_server (gpointer user_data)
{
  gboolean on_server = FALSE;

  g_object_get (user_data, "on-server", &on_server, NULL);
  return on_server;
}

static gboolean
has_mapped_button (gpointer user_data)
{
  gpointer *wait = user_data;

  return find_descendant (wait[0], GTK_TYPE_BUTTON, wait[1]) != NULL &&
         gtk_widget_get_mapped (find_descendant (wait[0], GTK_TYPE_BUTTON, wait[1]));
}

/* Everything a finger presses on the supervisor pages and in search, laid
 * out on a 1024 × 600 kiosk screen. */
static void
test_touch_targets (void)
{
  g_autoptr(Event) event = event_new ();
  g_autoptr(Gate) north = gate_new (event, "North Gate", "gate");
  g_autoptr(Gate) south = gate_new (event, "South Gate", "gate");
  g_autoptr(Gate) boss = gate_new (event, "Supervisor", "supervisor");
  g_auto(Smallest) smallest = { 0 };
  const char *ticket = make_conflict (event, north, south);
  GateConflictsPage *page = GATE_CONFLICTS_PAGE (gate_conflicts_page_new (boss->session));
  GtkWidget *window = show_page (page);
  GtkWidget *cache_panel;
  GtkWidget *search_window;
  GateSearchPanel *search;
  g_autoptr(GPtrArray) switcher_buttons = g_ptr_array_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  gpointer review_wait[2] = { page, (gpointer) "review-button" };
  GtkWidget *switcher;

  gtk_window_set_default_size (GTK_WINDOW (window), 1024, 600);
  g_assert_true (gate_test_gui_wait_until (item_on_server, wait_for_ticket (page, ticket), WAIT_MS));
  g_assert_true (gate_test_gui_wait_until (has_mapped_button, review_wait, WAIT_MS));
  gate_test_gui_flush ();

  switcher = find_descendant (GTK_WIDGET (page), GTK_TYPE_STACK_SWITCHER, NULL);
  collect (switcher, GTK_TYPE_TOGGLE_BUTTON, switcher_buttons);
  g_assert_cmpuint (switcher_buttons->len, ==, 2);
  assert_touch_target (switcher_buttons->pdata[0], "Conflicts tab", &smallest);
  assert_touch_target (switcher_buttons->pdata[1], "Devices tab", &smallest);
  assert_touch_target (find_button_labelled (GTK_WIDGET (page), "_Reload"), "Reload", &smallest);
  assert_touch_target (find_button_labelled (GTK_WIDGET (page), "_Export CSV…"), "Export CSV", &smallest);
  assert_touch_target (find_descendant (GTK_WIDGET (page), GTK_TYPE_BUTTON, "review-button"), "Mark Reviewed",
                       &smallest);
  g_free (gate_test_gui_snapshot_widget (window, "conflicts-touch"));
  gtk_window_destroy (GTK_WINDOW (window));

  /* The cache panel's buttons. */
  cache_panel = gate_cache_panel_new (boss->session);
  window = adw_window_new ();
  adw_window_set_content (ADW_WINDOW (window), cache_panel);
  gtk_window_set_default_size (GTK_WINDOW (window), 1024, 600);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gate_test_gui_wait_drawn (window, WAIT_MS));
  assert_touch_target (GTK_WIDGET (gtk_widget_get_template_child (cache_panel, GATE_TYPE_CACHE_PANEL,
                                                                  "refresh_button")), "Refresh Now", &smallest);
  assert_touch_target (GTK_WIDGET (gtk_widget_get_template_child (cache_panel, GATE_TYPE_CACHE_PANEL,
                                                                  "upload_button")), "Upload Now", &smallest);
  gtk_window_destroy (GTK_WINDOW (window));

  /* Search: the field, Check This Code, the results, the sheet. */
  sync_gate (north);
  search = GATE_SEARCH_PANEL (gate_search_panel_new ());
  gate_search_panel_set_session (search, north->session);
  search_window = adw_window_new ();
  adw_window_set_content (ADW_WINDOW (search_window), GTK_WIDGET (search));
  gtk_window_set_default_size (GTK_WINDOW (search_window), 1024, 600);
  gtk_window_present (GTK_WINDOW (search_window));
  g_assert_true (gate_test_gui_wait_drawn (search_window, WAIT_MS));
  gtk_editable_set_text (gate_search_panel_get_entry (search), "GS1-");
  g_assert_true (gate_test_gui_wait_until (search_shows_results, search, WAIT_MS));
  /* The rows are measured as laid out. */
  gate_test_gui_wait_until (rows_laid_out, gate_search_panel_get_list_view (search), WAIT_MS);
  gate_test_gui_flush ();
  assert_touch_target (GTK_WIDGET (gate_search_panel_get_entry (search)), "search field", &smallest);
  assert_touch_target (find_button_labelled (GTK_WIDGET (search), "Check This Code"), "Check This Code", &smallest);
  collect (GTK_WIDGET (gate_search_panel_get_list_view (search)), GTK_TYPE_WIDGET, rows);
  for (guint i = 0; i < rows->len; i++)
    if (gtk_widget_get_parent (rows->pdata[i]) == GTK_WIDGET (gate_search_panel_get_list_view (search)))
      assert_touch_target (rows->pdata[i], "search result", &smallest);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gate_search_panel_get_list_view (search)),
                                             "list.activate-item", "u", 0));
  g_assert_true (gate_test_gui_wait_laid_out (find_descendant (GTK_WIDGET (search), GTK_TYPE_BUTTON, "admit-button"),
                                              WAIT_MS));
  assert_touch_target (find_descendant (GTK_WIDGET (search), GTK_TYPE_BUTTON, "admit-button"), "Admit", &smallest);
  assert_touch_target (find_descendant (GTK_WIDGET (search), GTK_TYPE_BUTTON, "back-button"), "Back to Results",
                       &smallest);
  g_free (gate_test_gui_snapshot_widget (search_window, "search-ticket-touch"));
  gtk_window_destroy (GTK_WINDOW (search_window));

  g_test_message ("smallest touch target: %s, %d × %d px", smallest.what, smallest.width, smallest.height);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int result;

  gate_test_gui_init (&argc, &argv);

  backend.dir = g_dir_make_tmp ("gate-conflicts-page-XXXXXX", &error);
  g_assert_no_error (error);
  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/conflicts-page/gate-mode-lists-conflict-from-cache", test_gate_mode_lists_conflict_from_cache);
  g_test_add_func ("/conflicts-page/empty-state-explains-conflicts", test_empty_state_explains_conflicts);
  g_test_add_func ("/conflicts-page/new-conflict-appears-live", test_new_conflict_appears_live);
  g_test_add_func ("/conflicts-page/lists-once-the-session-opens", test_lists_once_the_session_opens);
  g_test_add_func ("/conflicts-page/mark-reviewed-with-note-reaches-server",
                   test_mark_reviewed_with_note_reaches_server);
  g_test_add_func ("/conflicts-page/gate-token-review-refused-with-reason",
                   test_gate_token_review_refused_with_reason);
  g_test_add_func ("/conflicts-page/supervisor-lists-conflicts-and-devices-server-wide",
                   test_supervisor_lists_conflicts_and_devices_server_wide);
  g_test_add_func ("/conflicts-page/dead-server-shows-error", test_dead_server_shows_error);
  g_test_add_func ("/conflicts-page/failed-reload-keeps-list", test_failed_reload_keeps_list);
  g_test_add_func ("/conflicts-page/revoked-token-shows-error", test_revoked_token_shows_error);
  g_test_add_func ("/conflicts-page/export-csv-writes-all-rows", test_export_csv_writes_all_rows);
  g_test_add_func ("/conflicts-page/already-used-names-gate-and-guest", test_already_used_names_gate_and_guest);
  g_test_add_func ("/conflicts-page/devices-show-admissions-and-fill-the-page",
                   test_devices_show_admissions_and_fill_the_page);
  g_test_add_func ("/conflicts-page/window-keeps-supervisor-on-conflicts", test_window_keeps_supervisor_on_conflicts);
  g_test_add_func ("/conflicts-page/touch-targets", test_touch_targets);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  if (backend.dir != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (backend.dir);
      g_autoptr(GFileEnumerator) files = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                                    G_FILE_QUERY_INFO_NONE, NULL, NULL);
      GFile *child;

      while (files != NULL && g_file_enumerator_iterate (files, NULL, &child, NULL, NULL) && child != NULL)
        g_file_delete (child, NULL, NULL);
      g_rmdir (backend.dir);
      g_free (backend.dir);
    }
  return result;
}
