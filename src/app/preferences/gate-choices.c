/* gate-choices.c — a combo row whose choices each stand for an id
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-choices.h"

void
gate_choices_init (GateChoices *self,
                   GtkWidget   *row)
{
  self->row = ADW_COMBO_ROW (row);
  self->labels = gtk_string_list_new (NULL);
  self->ids = g_ptr_array_new_with_free_func (g_free);
  self->filling = FALSE;
  adw_combo_row_set_model (self->row, G_LIST_MODEL (self->labels));
}

void
gate_choices_clear (GateChoices *self)
{
  if (self->labels == NULL)
    return;
  self->filling = TRUE;
  gtk_string_list_splice (self->labels, 0, g_list_model_get_n_items (G_LIST_MODEL (self->labels)), NULL);
  g_ptr_array_set_size (self->ids, 0);
  self->filling = FALSE;
}

void
gate_choices_begin (GateChoices *self,
                    const char  *none_label)
{
  gate_choices_clear (self);
  self->filling = TRUE;
  gate_choices_add (self, none_label, "");
}

void
gate_choices_add (GateChoices *self,
                  const char  *label,
                  const char  *id)
{
  g_return_if_fail (self->filling);

  gtk_string_list_append (self->labels, label);
  g_ptr_array_add (self->ids, g_strdup (id));
}

gboolean
gate_choices_end (GateChoices *self,
                  const char  *current)
{
  guint selected = 0;

  g_return_val_if_fail (self->filling, FALSE);

  for (guint i = 1; current != NULL && *current != '\0' && i < self->ids->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (self->ids, i), current) == 0)
      {
        selected = i;
        break;
      }
  adw_combo_row_set_selected (self->row, selected);
  self->filling = FALSE;

  return current == NULL || *current == '\0' || selected != 0;
}

const char *
gate_choices_get_picked (GateChoices *self)
{
  guint selected;

  if (self->filling || self->ids == NULL)
    return NULL;
  selected = adw_combo_row_get_selected (self->row);
  return selected < self->ids->len ? g_ptr_array_index (self->ids, selected) : NULL;
}

void
gate_choices_dispose (GateChoices *self)
{
  g_clear_object (&self->labels);
  g_clear_pointer (&self->ids, g_ptr_array_unref);
}
