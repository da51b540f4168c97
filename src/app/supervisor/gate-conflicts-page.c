/* gate-conflicts-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   GListStore (GateConflictItem, all loaded) → filter (show reviewed?)
 *     → sort (unreviewed first, newest first) → GtkNoSelection → GtkListView
 *
 * Everything is loaded with reviewed conflicts included, so the "Show
 * reviewed" switch and a fresh review only re-filter; nothing is fetched
 * again for them. A load replaces the store's contents in one splice.
 *
 * Each load has its own GCancellable, cancelled by the next load, so an
 * older answer that arrives late never overwrites a newer one. Reviews and
 * exports share the page's cancellable; dispose cancels both.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gate-conflict-csv.h"
#include "gate-conflicts-page.h"
#include "gate-device-item.h"
#include "gate-error.h"
#include "gate-error-sentence.h"
#include "gate-time-format.h"

#define RESOURCE_PATH "/io/github/gatescanner/GateScanner/"

struct _GateConflictsPage
{
  AdwBin                parent_instance;

  GateTicketCache      *cache;
  GateApiClient        *api_client;
  char                 *event_id;
  gboolean              supervisor;
  char                 *reviewed_by;
  gboolean              show_reviewed;

  GListStore           *conflicts;
  GtkCustomFilter      *reviewed_filter;
  GtkCustomSorter      *sorter;
  GtkSortListModel     *visible;
  GListStore           *devices;
  GHashTable           *device_names;   /* (nullable): id → name, from list_devices */

  gboolean              loading_conflicts;
  gboolean              loading_devices;
  gboolean              loaded_once;
  char                 *error_message;
  char                 *notice;

  GCancellable         *load_cancellable;
  GCancellable         *cancellable;
  guint                 reload_idle;
  gulong                conflicts_changed_id;
  GtkFileChooserNative *chooser;

  GtkRevealer          *notice_revealer;
  GtkLabel             *notice_label;
  GtkStack             *conflicts_stack;
  AdwStatusPage        *error_status;
  GtkListView          *conflicts_view;
  GtkLabel             *devices_message;
  GtkWidget            *devices_scroller;
  GtkListView          *devices_view;
};

G_DEFINE_FINAL_TYPE (GateConflictsPage, gate_conflicts_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_CACHE,
  PROP_API_CLIENT,
  PROP_EVENT_ID,
  PROP_SUPERVISOR,
  PROP_REVIEWED_BY,
  PROP_SHOW_REVIEWED,
  PROP_LOADING,
  PROP_ERROR_MESSAGE,
  PROP_NOTICE,
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

static void
update_view (GateConflictsPage *self)
{
  const char *page;

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

static void
set_notice (GateConflictsPage *self,
            char              *notice)
{
  g_free (self->notice);
  self->notice = notice;

  if (notice != NULL)
    gtk_label_set_text (self->notice_label, notice);
  gtk_revealer_set_reveal_child (self->notice_revealer, notice != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTICE]);
}

static void
set_error_message (GateConflictsPage *self,
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

static void
set_loading (GateConflictsPage *self,
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
static void
refilter (GateConflictsPage *self)
{
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

/* --- loading ------------------------------------------------------------------- */

typedef struct
{
  GateConflictsPage *self;
  GCancellable      *cancellable;
} Load;

static Load *
load_new (GateConflictsPage *self)
{
  Load *load = g_new0 (Load, 1);

  load->self = g_object_ref (self);
  load->cancellable = g_object_ref (self->load_cancellable);
  return load;
}

static void
load_free (Load *load)
{
  g_object_unref (load->self);
  g_object_unref (load->cancellable);
  g_free (load);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Load, load_free)

static void
apply_conflicts (GateConflictsPage *self,
                 GPtrArray         *conflicts,
                 const GError      *error)
{
  self->loaded_once = TRUE;

  if (conflicts == NULL)
    {
      g_autofree char *message = gate_error_sentence (error, GATE_ACTIVITY_REVIEWING, 0);

      g_debug ("Loading conflicts failed: %s", error->message);
      /* A list already shown stays, marked as possibly out of date. */
      if (g_list_model_get_n_items (G_LIST_MODEL (self->conflicts)) > 0)
        set_notice (self, g_strdup (message));
      set_error_message (self, g_steal_pointer (&message));
    }
  else
    {
      g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < conflicts->len; i++)
        {
          GateConflictItem *item = gate_conflict_item_new (g_ptr_array_index (conflicts, i));

          gate_conflict_item_set_device_names (item, self->device_names);
          g_ptr_array_add (items, item);
        }
      g_list_store_splice (self->conflicts, 0, g_list_model_get_n_items (G_LIST_MODEL (self->conflicts)),
                           items->pdata, items->len);
      /* The list is current again: the warning that it might not be goes. */
      if (self->notice != NULL && g_strcmp0 (self->notice, self->error_message) == 0)
        set_notice (self, NULL);
      set_error_message (self, NULL);
    }

  /* Last, so whoever waits for the end of loading finds the list filled. */
  set_loading (self, FALSE, self->loading_devices);
  update_view (self);
}

static void
on_cache_conflicts_listed (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;

  conflicts = gate_ticket_cache_list_conflicts_finish (GATE_TICKET_CACHE (source), result, &error);
  if (g_cancellable_is_cancelled (load->cancellable))
    return;
  apply_conflicts (load->self, conflicts, error);
}

static void
on_server_conflicts_listed (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;

  conflicts = gate_api_client_list_conflicts_finish (GATE_API_CLIENT (source), result, &error);
  if (g_cancellable_is_cancelled (load->cancellable))
    return;
  apply_conflicts (load->self, conflicts, error);
}

static void
on_devices_listed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  GateConflictsPage *self = load->self;

  devices = gate_api_client_list_devices_finish (GATE_API_CLIENT (source), result, &error);
  if (g_cancellable_is_cancelled (load->cancellable))
    return;

  if (devices == NULL)
    {
      g_autofree char *message = gate_error_sentence (error, GATE_ACTIVITY_REVIEWING, 0);

      g_debug ("Loading devices failed: %s", error->message);
      gtk_label_set_text (self->devices_message, message);
      gtk_widget_set_visible (GTK_WIDGET (self->devices_message), TRUE);
    }
  else
    {
      g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

      g_clear_pointer (&self->device_names, g_hash_table_unref);
      self->device_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      for (guint i = 0; i < devices->len; i++)
        {
          const GateDeviceInfo *info = g_ptr_array_index (devices, i);

          g_ptr_array_add (items, gate_device_item_new (info));
          if (info->id != NULL && info->name != NULL)
            g_hash_table_replace (self->device_names, g_strdup (info->id), g_strdup (info->name));
        }
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->conflicts)); i++)
        {
          g_autoptr(GateConflictItem) item = g_list_model_get_item (G_LIST_MODEL (self->conflicts), i);

          gate_conflict_item_set_device_names (item, self->device_names);
        }
      g_list_store_splice (self->devices, 0, g_list_model_get_n_items (G_LIST_MODEL (self->devices)),
                           items->pdata, items->len);
      gtk_label_set_text (self->devices_message, _("No device has reported to the server yet."));
      gtk_widget_set_visible (GTK_WIDGET (self->devices_message), devices->len == 0);
    }

  gtk_widget_set_visible (self->devices_scroller, g_list_model_get_n_items (G_LIST_MODEL (self->devices)) > 0);
  set_loading (self, self->loading_conflicts, FALSE);
}

static void
start_load (GateConflictsPage *self)
{
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  if (self->supervisor)
    {
      if (self->api_client == NULL)
        {
          g_autoptr(GError) error = g_error_new_literal (GATE_ERROR, GATE_ERROR_CONFIG, "no API client");

          apply_conflicts (self, NULL, error);
          return;
        }

      set_loading (self, TRUE, TRUE);
      update_view (self);
      gate_api_client_list_conflicts_async (self->api_client, self->event_id, TRUE, self->load_cancellable,
                                            on_server_conflicts_listed, load_new (self));
      /* Devices are the venue's hardware, not the event's: a kiosk that
       * has not scanned yet is exactly the one a supervisor looks for. */
      gate_api_client_list_devices_async (self->api_client, NULL, self->load_cancellable, on_devices_listed,
                                          load_new (self));
      return;
    }

  if (self->cache == NULL)
    {
      /* Nothing to list from yet: a gate before its cache is open. */
      g_list_store_remove_all (self->conflicts);
      set_loading (self, FALSE, FALSE);
      set_error_message (self, NULL);
      self->loaded_once = TRUE;
      update_view (self);
      return;
    }

  set_loading (self, TRUE, FALSE);
  update_view (self);
  gate_ticket_cache_list_conflicts_async (self->cache, self->event_id, TRUE, self->load_cancellable,
                                          on_cache_conflicts_listed, load_new (self));
}

static gboolean
reload_idle_cb (gpointer user_data)
{
  GateConflictsPage *self = user_data;

  self->reload_idle = 0;
  start_load (self);
  return G_SOURCE_REMOVE;
}

/* Several property changes in a row (construction, a new client) make one load. */
static void
queue_reload (GateConflictsPage *self)
{
  if (self->reload_idle == 0)
    self->reload_idle = g_idle_add_full (G_PRIORITY_DEFAULT, reload_idle_cb, self, NULL);
}

static void
on_cache_conflicts_changed (GateConflictsPage *self)
{
  if (!self->supervisor)
    queue_reload (self);
}

void
gate_conflicts_page_reload (GateConflictsPage *self)
{
  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));

  g_clear_handle_id (&self->reload_idle, g_source_remove);
  start_load (self);
}

/* --- reviewing ---------------------------------------------------------------- */

typedef struct
{
  GateConflictItem *item;
  GateTicketCache  *cache;      /* (nullable): gate mode */
  char             *reviewed_by;
  char             *note;
  gint64            reviewed_at_us;
} Review;

static void
review_free (Review *review)
{
  g_clear_object (&review->item);
  g_clear_object (&review->cache);
  g_free (review->reviewed_by);
  g_free (review->note);
  g_free (review);
}

static void
mark_in_cache_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  Review *review = task_data;
  GError *error = NULL;

  if (gate_ticket_cache_mark_conflict_reviewed (review->cache, gate_conflict_item_get_conflict_id (review->item),
                                                review->reviewed_by, review->note, review->reviewed_at_us, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_server_reviewed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateConflictsPage *self = g_task_get_source_object (task);
  Review *review = g_task_get_task_data (task);
  GError *error = NULL;

  if (!gate_api_client_review_conflict_finish (GATE_API_CLIENT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  review->reviewed_at_us = g_get_real_time ();
  gate_conflict_item_set_review (review->item, review->reviewed_by, review->note, review->reviewed_at_us);
  /* A caller without a cancellable may outlive the page's widgets. */
  if (self->reviewed_filter != NULL)
    {
      refilter (self);
      update_view (self);
    }

  /* The cache only records what the server accepted: a review that failed
   * there must not look done at the gate. */
  if (review->cache != NULL)
    g_task_run_in_thread (task, mark_in_cache_thread);
  else
    g_task_return_boolean (task, TRUE);
}

void
gate_conflicts_page_review_async (GateConflictsPage   *self,
                                  GateConflictItem    *item,
                                  const char          *note,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Review *review;
  const char *reviewed_by;

  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));
  g_return_if_fail (GATE_IS_CONFLICT_ITEM (item));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_conflicts_page_review_async);

  if (self->api_client == NULL)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_CONFIG, "no API client");
      return;
    }
  if (gate_conflict_item_get_conflict_id (item) <= 0)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_NOT_FOUND,
                               "the server does not know this conflict yet");
      return;
    }

  reviewed_by = self->reviewed_by;
  if (reviewed_by == NULL || *reviewed_by == '\0')
    reviewed_by = gate_api_client_get_device_id (self->api_client);

  review = g_new0 (Review, 1);
  review->item = g_object_ref (item);
  review->cache = !self->supervisor && self->cache != NULL ? g_object_ref (self->cache) : NULL;
  review->reviewed_by = g_strdup (reviewed_by);
  review->note = note != NULL && *note != '\0' ? g_strdup (note) : NULL;
  g_task_set_task_data (task, review, (GDestroyNotify) review_free);

  gate_api_client_review_conflict_async (self->api_client, gate_conflict_item_get_conflict_id (item),
                                         review->reviewed_by, review->note, cancellable, on_server_reviewed,
                                         g_steal_pointer (&task));
}

gboolean
gate_conflicts_page_review_finish (GateConflictsPage  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_reviewed_from_dialog (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GateConflictsPage *self = GATE_CONFLICTS_PAGE (source);
  g_autoptr(GError) error = NULL;

  if (gate_conflicts_page_review_finish (self, result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_debug ("Reviewing a conflict failed: %s", error->message);
  if (g_error_matches (error, GATE_ERROR, GATE_ERROR_NOT_FOUND))
    set_notice (self, g_strdup (_("The server does not know this conflict yet. Try again after the next sync.")));
  else
    set_notice (self, gate_error_sentence (error, GATE_ACTIVITY_REVIEWING, 0));
}

typedef struct
{
  GateConflictsPage *self;
  GateConflictItem  *item;
  GtkEditable       *note;
} ReviewDialog;

static void
review_dialog_free (gpointer  data,
                    GClosure *closure)
{
  ReviewDialog *dialog = data;

  g_object_unref (dialog->self);
  g_object_unref (dialog->item);
  g_free (dialog);
}

static void
on_review_response (AdwMessageDialog *message_dialog,
                    const char       *response,
                    ReviewDialog     *dialog)
{
  if (g_strcmp0 (response, "review") != 0)
    return;

  gate_conflicts_page_review_async (dialog->self, dialog->item, gtk_editable_get_text (dialog->note),
                                    dialog->self->cancellable, on_reviewed_from_dialog, NULL);
}

static void
open_review_dialog (GateConflictsPage *self,
                    GateConflictItem  *item)
{
  const GateConflict *conflict = gate_conflict_item_get_conflict (item);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *body = NULL;
  ReviewDialog *dialog;
  GtkWidget *message_dialog;
  GtkWidget *entry;

  /* Translators: ticket code, the gate whose scan counts, the gate that admitted it again. */
  body = g_strdup_printf (_("Ticket %s was admitted by %s and again by %s. Note what you found, for example "
                            "whether it was the same guest."),
                          gate_conflict_item_get_ticket_code (item),
                          conflict->winner_device != NULL ? conflict->winner_device : "—",
                          conflict->loser_device != NULL ? conflict->loser_device : "—");

  message_dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                           _("Mark Conflict Reviewed?"), body);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (message_dialog), TRUE);

  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Note (optional)"));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  if (conflict->review_note != NULL)
    gtk_editable_set_text (GTK_EDITABLE (entry), conflict->review_note);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (message_dialog), entry);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (message_dialog),
                                    "cancel", _("_Cancel"),
                                    "review", _("_Mark Reviewed"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (message_dialog), "review",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (message_dialog), "review");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (message_dialog), "cancel");

  dialog = g_new0 (ReviewDialog, 1);
  dialog->self = g_object_ref (self);
  dialog->item = g_object_ref (item);
  dialog->note = GTK_EDITABLE (entry);
  g_signal_connect_data (message_dialog, "response", G_CALLBACK (on_review_response), dialog,
                         review_dialog_free, 0);

  gtk_window_present (GTK_WINDOW (message_dialog));
}

/* The row template's button; the builder passes the row's GtkListItem. */
static void
on_review_clicked (GtkButton   *button,
                   GtkListItem *list_item)
{
  GtkWidget *page = gtk_widget_get_ancestor (GTK_WIDGET (button), GATE_TYPE_CONFLICTS_PAGE);
  gpointer item = gtk_list_item_get_item (list_item);

  g_return_if_fail (page != NULL && GATE_IS_CONFLICT_ITEM (item));

  open_review_dialog (GATE_CONFLICTS_PAGE (page), item);
}

/* --- export ------------------------------------------------------------------- */

static void
on_contents_replaced (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* g_ptr_array_sort hands over pointers to the elements. */
static int
compare_item_pointers (gconstpointer a,
                       gconstpointer b,
                       gpointer      user_data)
{
  return gate_conflict_item_compare (*(gpointer *) a, *(gpointer *) b, user_data);
}

void
gate_conflicts_page_export_csv_async (GateConflictsPage   *self,
                                      GFile               *file,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new ();
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GBytes) bytes = NULL;
  guint n_items;
  char *csv;

  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_conflicts_page_export_csv_async);

  /* In the list's order, but with reviewed conflicts whatever the switch says:
   * the file is the record of the event. */
  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->conflicts));
  for (guint i = 0; i < n_items; i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->conflicts), i));
  g_ptr_array_sort_with_data (items, compare_item_pointers, NULL);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (conflicts, (gpointer) gate_conflict_item_get_conflict (g_ptr_array_index (items, i)));

  csv = gate_conflicts_to_csv (conflicts);
  bytes = g_bytes_new_take (csv, strlen (csv));

  /* Private: the file holds guest names. */
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE,
                                       G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                       cancellable, on_contents_replaced, g_steal_pointer (&task));
}

gboolean
gate_conflicts_page_export_csv_finish (GateConflictsPage  *self,
                                       GAsyncResult       *result,
                                       GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GateConflictsPage *self = GATE_CONFLICTS_PAGE (source);
  g_autoptr(GError) error = NULL;

  if (gate_conflicts_page_export_csv_finish (self, result, &error))
    {
      /* The bin's own child: AdwBin unparents it, not dispose_template. */
      adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (adw_bin_get_child (ADW_BIN (self))),
                                   adw_toast_new (_("Conflicts exported")));
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Translators: the file system's own message follows. */
  set_notice (self, g_strdup_printf (_("The file could not be saved: %s"), error->message));
}

static void
on_chooser_response (GtkNativeDialog   *chooser,
                     int                response,
                     GateConflictsPage *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->chooser);

  if (file != NULL)
    gate_conflicts_page_export_csv_async (self, file, self->cancellable, on_exported, NULL);
}

static char *
suggested_file_name (GateConflictsPage *self)
{
  g_autofree char *date = gate_time_format (g_get_real_time (), GATE_TIME_STYLE_DATE_ISO);

  return g_strdup_printf ("conflicts-%s-%s.csv", self->event_id != NULL ? self->event_id : "all", date);
}

static void
on_export_clicked (GateConflictsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *name = suggested_file_name (self);

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (_("Export Conflicts"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* --- template callbacks ------------------------------------------------------- */

static void
on_reload_clicked (GateConflictsPage *self)
{
  set_notice (self, NULL);
  gate_conflicts_page_reload (self);
}

static void
on_notice_dismissed (GateConflictsPage *self)
{
  set_notice (self, NULL);
}

/* --- GObject ------------------------------------------------------------------ */

static void
gate_conflicts_page_dispose (GObject *object)
{
  GateConflictsPage *self = GATE_CONFLICTS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_handle_id (&self->reload_idle, g_source_remove);
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  if (self->cache != NULL)
    g_clear_signal_handler (&self->conflicts_changed_id, self->cache);

  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_CONFLICTS_PAGE);

  g_clear_object (&self->cache);
  g_clear_object (&self->api_client);
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
  g_free (self->event_id);
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
    case PROP_CACHE:
      g_value_set_object (value, self->cache);
      break;

    case PROP_API_CLIENT:
      g_value_set_object (value, self->api_client);
      break;

    case PROP_EVENT_ID:
      g_value_set_string (value, self->event_id);
      break;

    case PROP_SUPERVISOR:
      g_value_set_boolean (value, self->supervisor);
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
    case PROP_CACHE:
      gate_conflicts_page_set_cache (self, g_value_get_object (value));
      break;

    case PROP_API_CLIENT:
      gate_conflicts_page_set_api_client (self, g_value_get_object (value));
      break;

    case PROP_EVENT_ID:
      gate_conflicts_page_set_event_id (self, g_value_get_string (value));
      break;

    case PROP_SUPERVISOR:
      gate_conflicts_page_set_supervisor (self, g_value_get_boolean (value));
      break;

    case PROP_REVIEWED_BY:
      gate_conflicts_page_set_reviewed_by (self, g_value_get_string (value));
      break;

    case PROP_SHOW_REVIEWED:
      gate_conflicts_page_set_show_reviewed (self, g_value_get_boolean (value));
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

  /* Gate mode's source, and where its reviews are noted too. */
  properties[PROP_CACHE] =
    g_param_spec_object ("cache", NULL, NULL, GATE_TYPE_TICKET_CACHE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Reviews always go to the server; supervisor mode also lists from it. */
  properties[PROP_API_CLIENT] =
    g_param_spec_object ("api-client", NULL, NULL, GATE_TYPE_API_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* NULL: every event (supervisor mode) or every cached event (gate mode). */
  properties[PROP_EVENT_ID] =
    g_param_spec_string ("event-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SUPERVISOR] =
    g_param_spec_boolean ("supervisor", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
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

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The row templates look these types up by name. */
  g_type_ensure (GATE_TYPE_CONFLICT_ITEM);
  g_type_ensure (GATE_TYPE_DEVICE_ITEM);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "gate-conflicts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, notice_label);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, conflicts_stack);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, error_status);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, conflicts_view);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, devices_message);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, devices_scroller);
  gtk_widget_class_bind_template_child (widget_class, GateConflictsPage, devices_view);
  gtk_widget_class_bind_template_callback (widget_class, on_reload_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_export_clicked);
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

  self->reviewed_filter = gtk_custom_filter_new (filter_reviewed, self, NULL);
  self->sorter = gtk_custom_sorter_new (gate_conflict_item_compare, NULL, NULL);
  filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->conflicts)),
                                        GTK_FILTER (g_object_ref (self->reviewed_filter)));
  self->visible = gtk_sort_list_model_new (G_LIST_MODEL (filtered), GTK_SORTER (g_object_ref (self->sorter)));
  g_signal_connect_object (self->visible, "items-changed", G_CALLBACK (update_view), self, G_CONNECT_SWAPPED);

  gtk_builder_cscope_add_callback (GTK_BUILDER_CSCOPE (row_scope), on_review_clicked);
  conflict_factory = gtk_builder_list_item_factory_new_from_resource (row_scope,
                                                                      RESOURCE_PATH "gate-conflict-row.ui");
  conflict_selection = GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->visible))));
  gtk_list_view_set_factory (self->conflicts_view, conflict_factory);
  gtk_list_view_set_model (self->conflicts_view, conflict_selection);

  device_factory = gtk_builder_list_item_factory_new_from_resource (NULL, RESOURCE_PATH "gate-device-row.ui");
  device_selection = GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->devices))));
  gtk_list_view_set_factory (self->devices_view, device_factory);
  gtk_list_view_set_model (self->devices_view, device_selection);

  queue_reload (self);
}

/* --- public ------------------------------------------------------------------- */

GtkWidget *
gate_conflicts_page_new (GateTicketCache *cache,
                         GateApiClient   *api_client,
                         const char      *event_id,
                         gboolean         supervisor)
{
  return g_object_new (GATE_TYPE_CONFLICTS_PAGE,
                       "cache", cache,
                       "api-client", api_client,
                       "event-id", event_id,
                       "supervisor", supervisor,
                       NULL);
}

GateTicketCache *
gate_conflicts_page_get_cache (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), NULL);

  return self->cache;
}

void
gate_conflicts_page_set_cache (GateConflictsPage *self,
                               GateTicketCache   *cache)
{
  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));
  g_return_if_fail (cache == NULL || GATE_IS_TICKET_CACHE (cache));

  if (self->cache == cache)
    return;

  if (self->cache != NULL)
    g_clear_signal_handler (&self->conflicts_changed_id, self->cache);
  g_set_object (&self->cache, cache);
  if (cache != NULL)
    self->conflicts_changed_id = g_signal_connect_object (cache, "conflicts-changed",
                                                          G_CALLBACK (on_cache_conflicts_changed), self,
                                                          G_CONNECT_SWAPPED);

  queue_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE]);
}

GateApiClient *
gate_conflicts_page_get_api_client (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), NULL);

  return self->api_client;
}

void
gate_conflicts_page_set_api_client (GateConflictsPage *self,
                                    GateApiClient     *api_client)
{
  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));
  g_return_if_fail (api_client == NULL || GATE_IS_API_CLIENT (api_client));

  if (!g_set_object (&self->api_client, api_client))
    return;

  if (self->supervisor)
    queue_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_API_CLIENT]);
}

const char *
gate_conflicts_page_get_event_id (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), NULL);

  return self->event_id;
}

void
gate_conflicts_page_set_event_id (GateConflictsPage *self,
                                  const char        *event_id)
{
  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));

  if (!replace_string (&self->event_id, event_id))
    return;

  queue_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EVENT_ID]);
}

gboolean
gate_conflicts_page_get_supervisor (GateConflictsPage *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICTS_PAGE (self), FALSE);

  return self->supervisor;
}

void
gate_conflicts_page_set_supervisor (GateConflictsPage *self,
                                    gboolean           supervisor)
{
  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));

  supervisor = !!supervisor;
  if (self->supervisor == supervisor)
    return;

  self->supervisor = supervisor;
  g_list_store_remove_all (self->devices);
  queue_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUPERVISOR]);
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
  update_view (self);
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
