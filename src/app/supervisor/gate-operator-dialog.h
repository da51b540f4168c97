/* gate-operator-dialog.h — a supervisor adds an operator: name and PIN
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Submitting goes through the GateOperatorAdmin it was given; on success
 * "added" is emitted and the dialog closes, on a refusal it stays open with
 * "error-message" saying why (a bad PIN, a name in use, no connection).
 * "operator-name" and "pin" are the two fields' text.
 */
#pragma once

#include <adwaita.h>

#include "gate-operator-admin.h"

G_BEGIN_DECLS

#define GATE_TYPE_OPERATOR_DIALOG (gate_operator_dialog_get_type ())
G_DECLARE_FINAL_TYPE (GateOperatorDialog, gate_operator_dialog, GATE, OPERATOR_DIALOG, AdwWindow)

GtkWidget  *gate_operator_dialog_new               (GtkWindow          *parent,
                                                    GateOperatorAdmin  *admin);
/* What the Add button and Enter in either field do. */
void        gate_operator_dialog_submit            (GateOperatorDialog *self);
gboolean    gate_operator_dialog_get_busy          (GateOperatorDialog *self);
const char *gate_operator_dialog_get_error_message (GateOperatorDialog *self);

/* The sentence a supervisor reads for a failure to add or remove. */
char       *gate_operator_error_sentence           (const GError       *error);

G_END_DECLS
