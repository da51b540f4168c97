/* gate-conflicts-page-export.c — "Export CSV…": the file chooser and the file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every loaded conflict, reviewed ones too, whatever the switch says: the
 * file is the record of the event. The file is written with GIO's own
 * async replace, private to the user (it holds guest names).
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gate-conflict-csv.h"
#include "gate-conflicts-page-private.h"
#include "gate-time-format.h"

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
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GBytes) bytes = NULL;
  guint n_items;
  char *csv;

  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_conflicts_page_export_csv_async);

  /* In the list's order, but with reviewed conflicts whatever the switch says. */
  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->conflicts));
  for (guint i = 0; i < n_items; i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->conflicts), i));
  g_ptr_array_sort_with_data (items, compare_item_pointers, NULL);
  /* The gates by the names the page shows. */
  for (guint i = 0; i < items->len; i++)
    {
      GateConflictItem *item = g_ptr_array_index (items, i);
      GateConflict *conflict = gate_conflict_copy (gate_conflict_item_get_conflict (item));

      g_free (conflict->winner_device_name);
      conflict->winner_device_name = g_strdup (gate_conflict_item_get_winner_name (item));
      g_free (conflict->loser_device_name);
      conflict->loser_device_name = g_strdup (gate_conflict_item_get_loser_name (item));
      g_ptr_array_add (conflicts, conflict);
    }

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

/* --- the file chooser -------------------------------------------------------------- */

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
  _gate_conflicts_page_set_notice (self, g_strdup_printf (_("The file could not be saved: %s"), error->message));
}

static void
on_chooser_response (GtkNativeDialog   *chooser,
                     int                response,
                     GateConflictsPage *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  _gate_conflicts_page_close_chooser (self);

  if (file != NULL)
    gate_conflicts_page_export_csv_async (self, file, self->cancellable, on_exported, NULL);
}

static void
open_chooser (GateConflictsPage *self,
              const char        *event_name)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  const char *event_id = self->session != NULL ? gate_session_get_event_id (self->session) : NULL;
  g_autofree char *name = gate_conflicts_csv_file_name (event_name, event_id, g_get_real_time ());

  self->chooser = gtk_file_chooser_native_new (_("Export Conflicts"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_event_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GateCacheStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  GateConflictsPage *self;

  status = gate_ticket_cache_get_status_finish (GATE_TICKET_CACHE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = GATE_CONFLICTS_PAGE (user_data);
  self->naming_export = FALSE;
  /* Without the name the file is named after the event's id: no reason to
   * refuse the export. */
  open_chooser (self, status != NULL ? status->event_name : NULL);
}

/* The file is offered under the event's name, which the cache knows since
 * the last sync: read off the main thread, then the chooser opens. */
void
_gate_conflicts_page_on_export_clicked (GateConflictsPage *self)
{
  GateTicketCache *cache = self->session != NULL ? gate_session_get_cache (self->session) : NULL;
  const char *event_id = self->session != NULL ? gate_session_get_event_id (self->session) : NULL;

  if (self->chooser != NULL || self->naming_export)
    return;

  if (cache == NULL || event_id == NULL)
    {
      open_chooser (self, NULL);
      return;
    }

  self->naming_export = TRUE;
  gate_ticket_cache_get_status_async (cache, event_id, self->cancellable, on_event_read, self);
}

void
_gate_conflicts_page_close_chooser (GateConflictsPage *self)
{
  if (self->chooser == NULL)
    return;

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
}
