/* gate-gates-page-operators.c — the Operators group of the Gates page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lists the operators once the page is first shown to a supervisor, adds
 * them through GateOperatorDialog and removes them after a confirmation
 * that says what removing does (and does not) do.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-gates-page-private.h"
#include "gate-operator-dialog.h"

#define OPERATOR_ID_KEY "gate-operator-id"

static void
on_remove_clicked (GtkButton     *button,
                   GateGatesPage *self)
{
  gate_gates_page_remove_operator (self, g_object_get_data (G_OBJECT (button), OPERATOR_ID_KEY));
}

static GtkWidget *
operator_row (GateGatesPage      *self,
              const GateOperator *op)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *label = g_strdup_printf (_("Remove %s"), op->name);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), op->name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_add_css_class (remove, "touch-target");
  g_object_set_data_full (G_OBJECT (remove), OPERATOR_ID_KEY, g_strdup (op->id), g_free);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (on_remove_clicked), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  return row;
}

void
_gate_gates_page_operators_changed (GateGatesPage *self)
{
  GPtrArray *operators = gate_operator_admin_get_operators (self->operators);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->operators_list))) != NULL)
    gtk_list_box_remove (self->operators_list, child);

  for (guint i = 0; i < operators->len; i++)
    gtk_list_box_append (self->operators_list, operator_row (self, g_ptr_array_index (operators, i)));

  if (operators->len == 0)
    {
      GtkWidget *empty = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (empty), _("No operators yet"));
      gtk_widget_add_css_class (empty, "dim-label");
      gtk_list_box_append (self->operators_list, empty);
    }
}

void
_gate_gates_page_set_operators_error (GateGatesPage *self,
                                      const GError  *error)
{
  g_autofree char *sentence = error != NULL ? gate_operator_error_sentence (error) : NULL;

  gtk_label_set_label (self->operators_error_label, sentence != NULL ? sentence : "");
  gtk_widget_set_visible (GTK_WIDGET (self->operators_error_label), sentence != NULL);
}

static void
on_operators_loaded (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GateGatesPage *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gate_operator_admin_reload_finish (GATE_OPERATOR_ADMIN (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->operators_loaded = FALSE;
    }
  _gate_gates_page_set_operators_error (self, error);
}

void
_gate_gates_page_load_operators (GateGatesPage *self)
{
  if (self->operators == NULL)
    return;
  self->operators_loaded = TRUE;
  gate_operator_admin_reload_async (self->operators, self->cancellable, on_operators_loaded, self);
}

GtkWidget *
gate_gates_page_add_operator (GateGatesPage *self)
{
  GtkRoot *root;
  GtkWidget *dialog;

  g_return_val_if_fail (GATE_IS_GATES_PAGE (self), NULL);
  g_return_val_if_fail (self->operators != NULL, NULL);

  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = gate_operator_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->operators);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

void
_gate_gates_page_on_add_operator_clicked (GateGatesPage *self)
{
  if (self->operators != NULL)
    gate_gates_page_add_operator (self);
}

static void
on_operator_removed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GateGatesPage *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gate_operator_admin_remove_finish (GATE_OPERATOR_ADMIN (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  _gate_gates_page_set_operators_error (self, error);
}

static void
on_remove_response (AdwMessageDialog *dialog,
                    const char       *response,
                    GateGatesPage    *self)
{
  const char *operator_id = g_object_get_data (G_OBJECT (dialog), OPERATOR_ID_KEY);

  if (g_strcmp0 (response, "remove") != 0 || self->operators == NULL)
    return;
  gate_operator_admin_remove_async (self->operators, operator_id, self->cancellable, on_operator_removed, self);
}

GtkWidget *
gate_gates_page_remove_operator (GateGatesPage *self,
                                 const char    *operator_id)
{
  const GateOperator *op;
  GtkRoot *root;
  GtkWidget *dialog;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (GATE_IS_GATES_PAGE (self), NULL);

  if (self->operators == NULL || (op = gate_operator_admin_find (self->operators, operator_id)) == NULL)
    return NULL;

  root = gtk_widget_get_root (GTK_WIDGET (self));
  heading = g_strdup_printf (_("Remove %s?"), op->name);
  body = g_strdup_printf (_("%s can no longer sign in at a gate. Scans already made keep their name."), op->name);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), OPERATOR_ID_KEY, g_strdup (operator_id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}
