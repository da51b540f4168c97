/* gate-conflicts-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   GListStore (GateConflictItem, all loaded) → filter (show reviewed?)
 *     → sort (unreviewed first, newest first) → GtkNoSelection → GtkListView
 *
 * The page knows the core through one object, its session: once the
 * session's cache is open it makes a GateConflictBook of the session's
 * cache, client and event, which follows the session's "supervisor" and
 * says when the list would change. Loading, reviewing and exporting live
 * in files of their own (see gate-conflicts-page-private.h). Reviews and
 * exports share the page's cancellable; dispose cancels it and the load.
 */
#include "config.h"

#include "gate-conflicts-page-private.h"
#include "gate-device-item.h"
#include "gate-session-follow.h"

G_DEFINE_FINAL_TYPE (GateConflictsPage, gate_conflicts_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_SESSION,
  PROP_SUPERVISOR,
  PROP_REVIEWED_BY,
  PROP_SHOW_REVIEWED,
  PROP_LOADING,
  PROP_ERROR_MESSAGE,
  PROP_NOTICE,
  PROP_SECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
replace_string (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* --- what is shown ------------------------------------------------------------ */

void
_gate_conflicts_page_update_view (GateConflictsPage *self)
{
  const char *page;

  /* A review finishing after dispose finds no widgets left. */
  if (self->conflicts_stack == NULL)
    return;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->conflicts)) == 0 && self->error_message != NULL)
    {
      adw_status_page_set_description (self->error_status, self->error_message);
      page = "error";
    }
  else if (!self->loaded_once && self->loading_conflicts)
    page = "loading";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->visible)) == 0)
    page = "empty";
  else
    page = "list";

  gtk_stack_set_visible_child_name (self->conflicts_stack, page);
}

void
_gate_conflicts_page_set_notice (GateConflictsPage *self,
                                 char              *notice)
{
  g_free (self->notice);
  self->notice = notice;

  if (notice != NULL)
    gtk_label_set_text (self->notice_label, notice);
  gtk_revealer_set_reveal_child (self->notice_revealer, notice != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTICE]);
}

void
_gate_conflicts_page_set_error_message (GateConflictsPage *self,
                                        char              *message)
{
  if (g_strcmp0 (self->error_message, message) == 0)
    {
      g_free (message);
      return;
    }

  g_free (self->error_message);
  self->error_message = message;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
}

void
_gate_conflicts_page_set_loading (GateConflictsPage *self,
                                  gboolean           conflicts,
                                  gboolean           devices)
{
  gboolean was_loading = self->loading_conflicts || self->loading_devices;

  self->loading_conflicts = conflicts;
  self->loading_devices = devices;
  if (was_loading != (conflicts || devices))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* Reviews change what the filter and the order say about an item. */
void
_gate_conflicts_page_refilter (GateConflictsPage *self)
{
  if (self->reviewed_filter == NULL)
    return;

  gtk_filter_changed (GTK_FILTER (self->reviewed_filter), GTK_FILTER_CHANGE_DIFFERENT);
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
}

static gboolean
filter_reviewed (gpointer item,
                 gpointer user_data)
{
  GateConflictsPage *self = user_data;

  return self->show_reviewed || !gate_conflict_item_get_reviewed (GATE_CONFLICT_ITEM (item));
}

/* --- loading when it matters ----------------------------------------------------- */

static gboolean
reload_idle_cb (gpointer user_data)
{
  GateConflictsPage *self = user_data;

  self->reload_idle = 0;
  _gate_conflicts_page_start_load (self);
  return G_SOURCE_REMOVE;
}

/* Several changes in a row (a new session, its cache opening, the server
 * saying it is a supervisor's) make one load. */
static void
queue_reload (GateConflictsPage *self)
{
  if (self->reload_idle == 0)
    self->reload_idle = g_idle_add_full (G_PRIORITY_DEFAULT, reload_idle_cb, self, NULL);
}

void
gate_conflicts_page_reload (GateConflictsPage *self)
{
  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));

  g_clear_handle_id (&self->reload_idle, g_source_remove);
  _gate_conflicts_page_start_load (self);
}

static void
on_section_changed (GateConflictsPage *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECTION]);
}

const char *
gate_conflicts_page_get_section (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), NULL);

  return gtk_stack_get_visible_child_name (self->sections);
}

/* Devices are a supervisor's list: a gate stays on its conflicts. */
void
gate_conflicts_page_set_section (GateConflictsPage *self,
                                 const char        *section)
{
  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));
  g_return_if_fail (g_strcmp0 (section, "conflicts") == 0 || g_strcmp0 (section, "devices") == 0);

  if (g_strcmp0 (section, "devices") == 0 && !gate_conflicts_page_get_supervisor (self))
    return;
  gtk_stack_set_visible_child_name (self->sections, section);
}

/* --- the session --------------------------------------------------------------- */

static void
on_book_supervisor_changed (GateConflictsPage *self)
{
  /* Devices are a supervisor's view; a gate's list has none. */
  g_list_store_remove_all (self->devices);
  if (!gate_conflicts_page_get_supervisor (self))
    gtk_stack_set_visible_child_name (self->sections, "conflicts");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUPERVISOR]);
}

static void
drop_book (GateConflictsPage *self)
{
  gboolean was_supervisor = gate_conflicts_page_get_supervisor (self);

  if (self->book == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->book, self);
  g_clear_object (&self->book);
  if (was_supervisor)
    on_book_supervisor_changed (self);
}

/* The session's cache opens after the session is made: the book comes then. */
static void
make_book (GateConflictsPage *self)
{
  GateTicketCache *cache = self->session != NULL ? gate_session_get_cache (self->session) : NULL;

  drop_book (self);

  if (cache != NULL)
    {
      self->book = gate_conflict_book_new (cache, gate_session_get_client (self->session),
                                           gate_session_get_event_id (self->session));
      g_signal_connect_swapped (self->book, "changed", G_CALLBACK (queue_reload), self);
      g_signal_connect_swapped (self->book, "reviewed", G_CALLBACK (_gate_conflicts_page_on_reviewed), self);
      g_signal_connect_swapped (self->book, "notify::supervisor", G_CALLBACK (on_book_supervisor_changed), self);
      /* A supervisor's token turns the list server-wide, once the server says so. */
      g_object_bind_property (self->session, "supervisor", self->book, "supervisor", G_BINDING_SYNC_CREATE);
    }

  queue_reload (self);
}

GateSession *
gate_conflicts_page_get_session (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), NULL);

  return self->session;
}

void
gate_conflicts_page_set_session (GateConflictsPage *self,
                                 GateSession       *session)
{
  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));
  g_return_if_fail (session == NULL || GATE_IS_SESSION (session));

  if (!gate_session_follow (self, &self->session, session, G_CALLBACK (make_book)))
    return;

  make_book (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

/* --- template callbacks ------------------------------------------------------- */

static void
on_reload_clicked (GateConflictsPage *self)
{
  _gate_conflicts_page_set_notice (self, NULL);
  gate_conflicts_page_reload (self);
}

static void
on_notice_dismissed (GateConflictsPage *self)
{
  _gate_conflicts_page_set_notice (self, NULL);
}

/* --- GObject ------------------------------------------------------------------ */

static void
gate_conflicts_page_dispose (GObject *object)
{
  GateConflictsPage *self = GATE_CONFLICTS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_handle_id (&self->reload_idle, g_source_remove);
  _gate_conflicts_page_close_chooser (self);
  if (self->book != NULL)
    g_signal_handlers_disconnect_by_data (self->book, self);
  g_clear_object (&self->book);
  gate_session_follow (self, &self->session, NULL, G_CALLBACK (make_book));

  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_CONFLICTS_PAGE);

  g_clear_object (&self->visible);
  g_clear_object (&self->reviewed_filter);
  g_clear_object (&self->sorter);
  g_clear_object (&self->conflicts);
  g_clear_object (&self->devices);

  G_OBJECT_CLASS (gate_conflicts_page_parent_class)->dispose (object);
}

static void
gate_conflicts_page_finalize (GObject *object)
{
  GateConflictsPage *self = GATE_CONFLICTS_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->load_cancellable);
  g_free (self->reviewed_by);
  g_free (self->error_message);
  g_free (self->notice);
  g_clear_pointer (&self->device_names, g_hash_table_unref);

  G_OBJECT_CLASS (gate_conflicts_page_parent_class)->finalize (object);
}

static void
gate_conflicts_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GateConflictsPage *self = GATE_CONFLICTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_SUPERVISOR:
      g_value_set_boolean (value, gate_conflicts_page_get_supervisor (self));
      break;

    case PROP_REVIEWED_BY:
      g_value_set_string (value, self->reviewed_by);
      break;

    case PROP_SHOW_REVIEWED:
      g_value_set_boolean (value, self->show_reviewed);
      break;

    case PROP_LOADING:
      g_value_set_boolean (value, gate_conflicts_page_get_loading (self));
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    case PROP_NOTICE:
      g_value_set_string (value, self->notice);
      break;

    case PROP_SECTION:
      g_value_set_string (value, gate_conflicts_page_get_section (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_conflicts_page_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  GateConflictsPage *self = GATE_CONFLICTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      gate_conflicts_page_set_session (self, g_value_get_object (value));
      break;

    case PROP_REVIEWED_BY:
      gate_conflicts_page_set_reviewed_by (self, g_value_get_string (value));
      break;

    case PROP_SHOW_REVIEWED:
      gate_conflicts_page_set_show_reviewed (self, g_value_get_boolean (value));
      break;

    case PROP_SECTION:
      gate_conflicts_page_set_section (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_conflicts_page_class_init (GateConflictsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_conflicts_page_dispose;
  object_class->finalize = gate_conflicts_page_finalize;
  object_class->get_property = gate_conflicts_page_get_property;
  object_class->set_property = gate_conflicts_page_set_property;

  /* The configured kiosk whose conflicts are shown and reviewed. */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, GATE_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The session's token is a supervisor's: the list is server-wide. */
  properties[PROP_SUPERVISOR] =
    g_param_spec_boolean ("supervisor", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Who reviews, as the server records it: the device's name. */
  properties[PROP_REVIEWED_BY] =
    g_param_spec_string ("reviewed-by", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SHOW_REVIEWED] =
    g_param_spec_boolean ("show-reviewed", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_NOTICE] =
    g_param_spec_string ("notice", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /* "conflicts" or, for a supervisor, "devices": the list the page shows. */
  properties[PROP_SECTION] =
    g_param_spec_string ("section", NULL, NULL, "conflicts",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The row templates look these types up by name. */
  g_type_ensure (GATE_TYPE_CONFLICT_ITEM);
  g_type_ensure (GATE_TYPE_DEVICE_ITEM);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               GATE_CONFLICTS_PAGE_RESOURCE_PATH "gate-conflicts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, notice_label);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, conflicts_stack);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, error_status);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, conflicts_view);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, sections);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, devices_message);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, devices_scroller);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, devices_view);
  gtk_widget_class_bind_template_callback (widget_class, on_reload_clicked);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_export_clicked",
                                                G_CALLBACK (_gate_conflicts_page_on_export_clicked));
  gtk_widget_class_bind_template_callback (widget_class, on_notice_dismissed);
}

static void
gate_conflicts_page_init (GateConflictsPage *self)
{
  g_autoptr(GtkBuilderScope) row_scope = gtk_builder_cscope_new ();
  g_autoptr(GtkListItemFactory) conflict_factory = NULL;
  g_autoptr(GtkListItemFactory) device_factory = NULL;
  g_autoptr(GtkSelectionModel) conflict_selection = NULL;
  g_autoptr(GtkSelectionModel) device_selection = NULL;
  GtkFilterListModel *filtered;

  self->cancellable = g_cancellable_new ();
  self->load_cancellable = g_cancellable_new ();
  self->conflicts = g_list_store_new (GATE_TYPE_CONFLICT_ITEM);
  self->devices = g_list_store_new (GATE_TYPE_DEVICE_ITEM);

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->sections, "notify::visible-child-name", G_CALLBACK (on_section_changed), self,
                           G_CONNECT_SWAPPED);

  self->reviewed_filter = gtk_custom_filter_new (filter_reviewed, self, NULL);
  self->sorter = gtk_custom_sorter_new (gate_conflict_item_compare, NULL, NULL);
  filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->conflicts)),
                                        GTK_FILTER (g_object_ref (self->reviewed_filter)));
  self->visible = gtk_sort_list_model_new (G_LIST_MODEL (filtered), GTK_SORTER (g_object_ref (self->sorter)));
  g_signal_connect_object (self->visible, "items-changed", G_CALLBACK (_gate_conflicts_page_update_view), self,
                           G_CONNECT_SWAPPED);

  gtk_builder_cscope_add_callback_symbol (GTK_BUILDER_CSCOPE (row_scope), "on_review_clicked",
                                          G_CALLBACK (_gate_conflicts_page_on_review_clicked));
  conflict_factory = gtk_builder_list_item_factory_new_from_resource (
    row_scope, GATE_CONFLICTS_PAGE_RESOURCE_PATH "gate-conflict-row.ui");
  conflict_selection = GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->visible))));
  gtk_list_view_set_factory (self->conflicts_view, conflict_factory);
  gtk_list_view_set_model (self->conflicts_view, conflict_selection);

  device_factory = gtk_builder_list_item_factory_new_from_resource (
    NULL, GATE_CONFLICTS_PAGE_RESOURCE_PATH "gate-device-row.ui");
  device_selection = GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->devices))));
  gtk_list_view_set_factory (self->devices_view, device_factory);
  gtk_list_view_set_model (self->devices_view, device_selection);

  queue_reload (self);
}

/* --- public ------------------------------------------------------------------- */

/**
 * gate_conflicts_page_new:
 * @session: (nullable): the kiosk whose conflicts are shown
 */
GtkWidget *
gate_conflicts_page_new (GateSession *session)
{
  return g_object_new (GATE_TYPE_CONFLICTS_PAGE, "session", session, NULL);
}

gboolean
gate_conflicts_page_get_supervisor (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), FALSE);

  return self->book != NULL && gate_conflict_book_get_supervisor (self->book);
}

const char *
gate_conflicts_page_get_reviewed_by (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), NULL);

  return self->reviewed_by;
}

void
gate_conflicts_page_set_reviewed_by (GateConflictsPage *self,
                                     const char        *reviewed_by)
{
  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));

  if (replace_string (&self->reviewed_by, reviewed_by))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVIEWED_BY]);
}

gboolean
gate_conflicts_page_get_show_reviewed (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), FALSE);

  return self->show_reviewed;
}

void
gate_conflicts_page_set_show_reviewed (GateConflictsPage *self,
                                       gboolean           show_reviewed)
{
  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));

  show_reviewed = !!show_reviewed;
  if (self->show_reviewed == show_reviewed)
    return;

  self->show_reviewed = show_reviewed;
  gtk_filter_changed (GTK_FILTER (self->reviewed_filter),
                      show_reviewed ? GTK_FILTER_CHANGE_LESS_STRICT : GTK_FILTER_CHANGE_MORE_STRICT);
  _gate_conflicts_page_update_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_REVIEWED]);
}

gboolean
gate_conflicts_page_get_loading (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), FALSE);

  return self->loading_conflicts || self->loading_devices;
}

const char *
gate_conflicts_page_get_error_message (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), NULL);

  return self->error_message;
}

const char *
gate_conflicts_page_get_notice (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), NULL);

  return self->notice;
}

GListModel *
gate_conflicts_page_get_conflicts (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), NULL);

  return G_LIST_MODEL (self->conflicts);
}

GListModel *
gate_conflicts_page_get_visible_conflicts (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), NULL);

  return G_LIST_MODEL (self->visible);
}

GListModel *
gate_conflicts_page_get_devices (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), NULL);

  return G_LIST_MODEL (self->devices);
}
