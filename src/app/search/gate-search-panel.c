/* gate-search-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The entry's search-changed (already debounced by GtkSearchEntry) starts a
 * cache search in a worker thread and cancels the one before, so only the
 * answer for the text on screen is ever shown. Shown rows follow the cache's
 * ticket-changed: a ticket admitted at this gate while its row is on screen
 * says so at once.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-error-sentence.h"
#include "gate-scan-engine.h"
#include "gate-search-panel-private.h"
#include "gate-session-follow.h"
#include "gate-search-result.h"
#include "gate-ticket-sheet.h"

/* More rows than this are not read at a gate: the worker types more. */
#define SEARCH_LIMIT 50

struct _GateSearchPanel
{
  AdwBin           parent_instance;

  GateSession     *session;
  GateTicketCache *cache;          /* the session's, once it is open */
  GListStore      *results;        /* (element-type GateSearchResult) */
  GCancellable    *search_cancellable;
  guint            searches_started;

  /* template */
  GtkSearchEntry  *entry;
  GtkStack        *stack;
  GtkListView     *list_view;
  AdwStatusPage   *hint_page;
  AdwStatusPage   *error_page;
  GateTicketSheet *sheet;
};

G_DEFINE_FINAL_TYPE (GateSearchPanel, gate_search_panel, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum
{
  CODE_CHOSEN,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The entry's text without the blanks a person types around a code. */
static char *
dup_query (GateSearchPanel *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry))));
}

static void
cancel_search (GateSearchPanel *self)
{
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
}

static void
show_results (GateSearchPanel *self,
              GPtrArray       *tickets)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; tickets != NULL && i < tickets->len; i++)
    g_ptr_array_add (items, gate_search_result_new (g_ptr_array_index (tickets, i)));

  g_list_store_splice (self->results, 0, g_list_model_get_n_items (G_LIST_MODEL (self->results)),
                       items->pdata, items->len);
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GPtrArray) tickets = NULL;
  g_autoptr(GError) error = NULL;
  GateSearchPanel *self;

  tickets = gate_ticket_cache_search_finish (GATE_TICKET_CACHE (source), result, &error);
  /* Cancelled: a newer search replaced this one, or the panel is gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = GATE_SEARCH_PANEL (user_data);
  g_clear_object (&self->search_cancellable);

  if (tickets == NULL)
    {
      g_autofree char *sentence = gate_error_sentence (error, GATE_ACTIVITY_READING_CACHE, 0);

      show_results (self, NULL);
      adw_status_page_set_description (self->error_page, sentence);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }

  show_results (self, tickets);
  gtk_stack_set_visible_child_name (self->stack, tickets->len > 0 ? "results" : "no-match");
}

static void
search (GateSearchPanel *self)
{
  g_autofree char *query = dup_query (self);
  const char *event_id = self->session != NULL ? gate_session_get_event_id (self->session) : NULL;

  cancel_search (self);

  if (self->cache == NULL || event_id == NULL ||
      g_utf8_strlen (query, -1) < GATE_CACHE_SEARCH_MIN)
    {
      show_results (self, NULL);
      gtk_stack_set_visible_child_name (self->stack, "hint");
      return;
    }

  /* The rows on screen stay until the answer replaces them: no flicker
   * while the worker types on. */
  self->search_cancellable = g_cancellable_new ();
  self->searches_started++;
  gate_ticket_cache_search_async (self->cache, event_id, query, SEARCH_LIMIT,
                                  self->search_cancellable, on_found, self);
}

static void
on_search_changed (GateSearchPanel *self)
{
  search (self);
}

static void
on_entry_changed (GateSearchPanel *self)
{
  g_autofree char *query = dup_query (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "search.check-code",
                                 gate_scan_code_is_valid (query));
}

static void
check_code (GateSearchPanel *self)
{
  g_autofree char *query = dup_query (self);

  if (gate_scan_code_is_valid (query))
    g_signal_emit (self, signals[CODE_CHOSEN], 0, query);
}

static void
on_entry_activate (GateSearchPanel *self)
{
  check_code (self);
}

static void
check_code_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  check_code (GATE_SEARCH_PANEL (widget));
}

/* A tap opens the ticket, not the gate: two guests of one name, or a
 * finger that slipped, must not admit the wrong ticket. */
static void
on_result_activated (GateSearchPanel *self,
                     guint            position)
{
  g_autoptr(GateSearchResult) item = g_list_model_get_item (G_LIST_MODEL (self->results), position);
  g_autofree char *gate_name = NULL;

  if (item == NULL)
    return;

  if (self->cache != NULL)
    gate_name = gate_ticket_cache_dup_device_name (self->cache, gate_search_result_get_ticket (item)->scanned_device);
  gate_ticket_sheet_set_result (self->sheet, item, gate_name);
  gtk_stack_set_visible_child_name (self->stack, "ticket");
  gtk_widget_grab_focus (GTK_WIDGET (self->sheet));
}

static void
on_sheet_confirmed (GateSearchPanel *self,
                    const char      *code)
{
  g_autofree char *chosen = g_strdup (code);

  gtk_stack_set_visible_child_name (self->stack, "results");
  g_signal_emit (self, signals[CODE_CHOSEN], 0, chosen);
}

static void
on_sheet_dismissed (GateSearchPanel *self)
{
  gtk_stack_set_visible_child_name (self->stack, "results");
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
focus_entry_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  GateSearchPanel *self = GATE_SEARCH_PANEL (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
  gtk_editable_select_region (GTK_EDITABLE (self->entry), 0, -1);
}

static void
on_ticket_changed (GateTicketCache  *cache,
                   const GateTicket *ticket,
                   GateSearchPanel  *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->results));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(GateSearchResult) item = g_list_model_get_item (G_LIST_MODEL (self->results), i);

      if (g_strcmp0 (gate_search_result_get_ticket (item)->id, ticket->id) == 0)
        gate_search_result_set_ticket (item, ticket);
    }
}

GtkWidget *
gate_search_panel_new (void)
{
  return g_object_new (GATE_TYPE_SEARCH_PANEL, NULL);
}

static void
follow_cache (GateSearchPanel *self)
{
  GateTicketCache *cache = self->session != NULL ? gate_session_get_cache (self->session) : NULL;

  if (self->cache == cache)
    return;

  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_set_object (&self->cache, cache);
  if (cache != NULL)
    g_signal_connect_object (cache, "ticket-changed", G_CALLBACK (on_ticket_changed), self, 0);
}

/* The session's cache opens after the session is made: search it then. */
static void
on_session_cache (GateSearchPanel *self)
{
  follow_cache (self);
  search (self);
}

GateSession *
gate_search_panel_get_session (GateSearchPanel *self)
{
  g_return_val_if_fail (GATE_IS_SEARCH_PANEL (self), NULL);

  return self->session;
}

void
gate_search_panel_set_session (GateSearchPanel *self,
                               GateSession     *session)
{
  g_return_if_fail (GATE_IS_SEARCH_PANEL (self));
  g_return_if_fail (session == NULL || GATE_IS_SESSION (session));

  if (!gate_session_follow (self, &self->session, session, G_CALLBACK (on_session_cache)))
    return;

  follow_cache (self);
  search (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

/**
 * gate_search_panel_reset:
 *
 * Empties the entry and the results, for the next guest.
 */
void
gate_search_panel_reset (GateSearchPanel *self)
{
  g_return_if_fail (GATE_IS_SEARCH_PANEL (self));

  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  search (self);
}

GtkEditable *
gate_search_panel_get_entry (GateSearchPanel *self)
{
  return GTK_EDITABLE (self->entry);
}

GtkListView *
gate_search_panel_get_list_view (GateSearchPanel *self)
{
  return self->list_view;
}

GListModel *
gate_search_panel_get_results (GateSearchPanel *self)
{
  return G_LIST_MODEL (self->results);
}

const char *
gate_search_panel_get_page (GateSearchPanel *self)
{
  return gtk_stack_get_visible_child_name (self->stack);
}

GateTicketSheet *
gate_search_panel_get_sheet (GateSearchPanel *self)
{
  return self->sheet;
}

guint
gate_search_panel_get_searches_started (GateSearchPanel *self)
{
  return self->searches_started;
}

static gboolean
gate_search_panel_grab_focus (GtkWidget *widget)
{
  GateSearchPanel *self = GATE_SEARCH_PANEL (widget);

  return gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
gate_search_panel_dispose (GObject *object)
{
  GateSearchPanel *self = GATE_SEARCH_PANEL (object);

  cancel_search (self);
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_clear_object (&self->cache);
  gate_session_follow (self, &self->session, NULL, G_CALLBACK (on_session_cache));

  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_SEARCH_PANEL);

  G_OBJECT_CLASS (gate_search_panel_parent_class)->dispose (object);
}

static void
gate_search_panel_finalize (GObject *object)
{
  GateSearchPanel *self = GATE_SEARCH_PANEL (object);

  g_clear_object (&self->results);

  G_OBJECT_CLASS (gate_search_panel_parent_class)->finalize (object);
}

static void
gate_search_panel_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GateSearchPanel *self = GATE_SEARCH_PANEL (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_search_panel_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GateSearchPanel *self = GATE_SEARCH_PANEL (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      gate_search_panel_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_search_panel_class_init (GateSearchPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_search_panel_dispose;
  object_class->finalize = gate_search_panel_finalize;
  object_class->get_property = gate_search_panel_get_property;
  object_class->set_property = gate_search_panel_set_property;

  widget_class->grab_focus = gate_search_panel_grab_focus;

  /**
   * GateSearchPanel:session:
   *
   * The kiosk whose cached tickets of its event are searched; until its
   * cache is open (or without one), the panel only hints.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, GATE_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateSearchPanel::code-chosen:
   * @self: the panel
   * @code: a ticket's code: a search result's, or one typed in full
   *
   * The gate worker chose a ticket to check.
   */
  signals[CODE_CHOSEN] =
    g_signal_new ("code-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  /* Checks the entry's text as a code, exactly as typed (less blanks
   * around it): for a code too damaged to scan but still readable. */
  gtk_widget_class_install_action (widget_class, "search.check-code", NULL, check_code_activated);
  /* Ctrl+F, as in every GNOME app, from anywhere in the panel (the window
   * sends it here from its other pages). */
  gtk_widget_class_install_action (widget_class, "search.focus", NULL, focus_entry_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "search.focus", NULL);

  g_type_ensure (GATE_TYPE_SEARCH_RESULT);
  g_type_ensure (GATE_TYPE_TICKET_SHEET);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/gatescanner/GateScanner/gate-search-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, GateSearchPanel, entry);
  gtk_widget_class_bind_template_child (widget_class, GateSearchPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, GateSearchPanel, list_view);
  gtk_widget_class_bind_template_child (widget_class, GateSearchPanel, hint_page);
  gtk_widget_class_bind_template_child (widget_class, GateSearchPanel, error_page);
  gtk_widget_class_bind_template_child (widget_class, GateSearchPanel, sheet);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_result_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_sheet_confirmed);
  gtk_widget_class_bind_template_callback (widget_class, on_sheet_dismissed);
}

static void
gate_search_panel_init (GateSearchPanel *self)
{
  g_autofree char *hint = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->results = g_list_store_new (GATE_TYPE_SEARCH_RESULT);
  gtk_list_view_set_model (self->list_view,
                           GTK_SELECTION_MODEL (gtk_no_selection_new (
                             G_LIST_MODEL (g_object_ref (self->results)))));

  hint = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Type at least %d character of a guest’s name or code",
                                       "Type at least %d characters of a guest’s name or code",
                                       GATE_CACHE_SEARCH_MIN),
                          GATE_CACHE_SEARCH_MIN);
  adw_status_page_set_description (self->hint_page, hint);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "search.check-code", FALSE);
  gtk_stack_set_visible_child_name (self->stack, "hint");
}
