/* gate-conflicts-page-load.c — loading conflicts and devices
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session's GateConflictBook decides where they come from; the page
 * turns the answers into list items. Everything is loaded with reviewed
 * conflicts included, so the "Show reviewed" switch and a fresh review
 * only re-filter. A load replaces the store's contents in one splice.
 *
 * Each load has its own GCancellable, cancelled by the next load, so an
 * older answer that arrives late never overwrites a newer one.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-conflicts-page-private.h"
#include "gate-device-item.h"
#include "gate-error-sentence.h"

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
        _gate_conflicts_page_set_notice (self, g_strdup (message));
      _gate_conflicts_page_set_error_message (self, g_steal_pointer (&message));
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
        _gate_conflicts_page_set_notice (self, NULL);
      _gate_conflicts_page_set_error_message (self, NULL);
    }

  /* Last, so whoever waits for the end of loading finds the list filled. */
  _gate_conflicts_page_set_loading (self, FALSE, self->loading_devices);
  _gate_conflicts_page_update_view (self);
}

static void
on_conflicts_listed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;

  conflicts = gate_conflict_book_list_finish (GATE_CONFLICT_BOOK (source), result, &error);
  if (g_cancellable_is_cancelled (load->cancellable))
    return;
  apply_conflicts (load->self, conflicts, error);
}

static void
apply_devices (GateConflictsPage *self,
               GPtrArray         *devices,
               const GError      *error)
{
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
  _gate_conflicts_page_set_loading (self, self->loading_conflicts, FALSE);
}

static void
on_devices_listed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;

  devices = gate_conflict_book_list_devices_finish (GATE_CONFLICT_BOOK (source), result, &error);
  if (g_cancellable_is_cancelled (load->cancellable))
    return;
  apply_devices (load->self, devices, error);
}

void
_gate_conflicts_page_start_load (GateConflictsPage *self)
{
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  if (self->book == NULL)
    {
      /* Nothing to list from yet: a session whose cache is not open. */
      g_list_store_remove_all (self->conflicts);
      _gate_conflicts_page_set_loading (self, FALSE, FALSE);
      _gate_conflicts_page_set_error_message (self, NULL);
      self->loaded_once = TRUE;
      _gate_conflicts_page_update_view (self);
      return;
    }

  if (gate_conflict_book_get_supervisor (self->book))
    {
      _gate_conflicts_page_set_loading (self, TRUE, TRUE);
      _gate_conflicts_page_update_view (self);
      gate_conflict_book_list_async (self->book, self->load_cancellable, on_conflicts_listed, load_new (self));
      gate_conflict_book_list_devices_async (self->book, self->load_cancellable, on_devices_listed,
                                             load_new (self));
      return;
    }

  _gate_conflicts_page_set_loading (self, TRUE, FALSE);
  _gate_conflicts_page_update_view (self);
  gate_conflict_book_list_async (self->book, self->load_cancellable, on_conflicts_listed, load_new (self));
}
