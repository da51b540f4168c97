/* gate-choices.h — a combo row whose choices each stand for an id
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The event and check-in list pickers of Preferences: a first choice for
 * "none" (id ""), then one per item; filling the row never counts as the
 * user's pick, and the current setting is selected when it is offered.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef struct
{
  AdwComboRow   *row;
  GtkStringList *labels;
  GPtrArray     *ids;       /* parallel to labels */
  gboolean       filling;
} GateChoices;

void        gate_choices_init       (GateChoices *self,
                                     GtkWidget   *row);
/* Offers nothing, without a pick. */
void        gate_choices_clear      (GateChoices *self);
/* Starts over with @none_label, the choice of id "". */
void        gate_choices_begin      (GateChoices *self,
                                     const char  *none_label);
void        gate_choices_add        (GateChoices *self,
                                     const char  *label,
                                     const char  *id);
/* Selects the choice of @current (ids compare case-insensitively), else
 * "none"; FALSE when @current is set but not offered. */
gboolean    gate_choices_end        (GateChoices *self,
                                     const char  *current);
/* The id the user picked: NULL while the row is being filled, or after
 * gate_choices_dispose() (the row may notify as the window goes). */
const char *gate_choices_get_picked (GateChoices *self);
void        gate_choices_dispose    (GateChoices *self);

G_END_DECLS
