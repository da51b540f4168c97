/* gate-conflicts-page-review.c — "Mark Reviewed…": the dialog and the review
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The review itself is the GateConflictBook's (the server, then a gate's
 * cache); the page asks for a note, hands it over, and shows the outcome:
 * the row changes on the book's ::reviewed, a failure is a notice above
 * the list.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-conflicts-page-private.h"
#include "gate-error.h"
#include "gate-error-sentence.h"

/* The server accepted a review: every row of that conflict shows it. */
void
_gate_conflicts_page_on_reviewed (GateConflictsPage *self,
                                  gint64             conflict_id,
                                  const char        *reviewed_by,
                                  const char        *note,
                                  gint64             reviewed_at_us)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->conflicts));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(GateConflictItem) item = g_list_model_get_item (G_LIST_MODEL (self->conflicts), i);

      if (gate_conflict_item_get_conflict_id (item) == conflict_id)
        gate_conflict_item_set_review (item, reviewed_by, note, reviewed_at_us);
    }

  _gate_conflicts_page_refilter (self);
  _gate_conflicts_page_update_view (self);
}

static void
on_book_reviewed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (gate_conflict_book_review_finish (GATE_CONFLICT_BOOK (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
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

  g_return_if_fail (GATE_IS_CONFLICTS_PAGE (self));
  g_return_if_fail (GATE_IS_CONFLICT_ITEM (item));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_conflicts_page_review_async);

  if (self->book == NULL)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_CONFIG, "no session to review with");
      return;
    }

  gate_conflict_book_review_async (self->book, gate_conflict_item_get_conflict_id (item), self->reviewed_by, note,
                                   cancellable, on_book_reviewed, g_steal_pointer (&task));
}

gboolean
gate_conflicts_page_review_finish (GateConflictsPage  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- the dialog ------------------------------------------------------------------ */

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
    _gate_conflicts_page_set_notice (self, g_strdup (_("The server does not know this conflict yet. Try again "
                                                       "after the next sync.")));
  else
    _gate_conflicts_page_set_notice (self, gate_error_sentence (error, GATE_ACTIVITY_REVIEWING, 0));
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
                          gate_conflict_item_get_winner_label (item),
                          gate_conflict_item_get_loser_label (item));

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
void
_gate_conflicts_page_on_review_clicked (GtkButton   *button,
                                        GtkListItem *list_item)
{
  GtkWidget *page = gtk_widget_get_ancestor (GTK_WIDGET (button), GATE_TYPE_CONFLICTS_PAGE);
  gpointer item = gtk_list_item_get_item (list_item);

  g_return_if_fail (page != NULL && GATE_IS_CONFLICT_ITEM (item));

  open_review_dialog (GATE_CONFLICTS_PAGE (page), item);
}
