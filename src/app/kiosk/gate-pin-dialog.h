/* gate-pin-dialog.h — asks for the supervisor PIN
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A message dialog with a PIN entry and a keypad big enough for fingers.
 * Signal "unlocked" is emitted, and the dialog closes, only when the PIN
 * verifies against "stored-hash" (construct-only, gate_kiosk_pin_hash()
 * format). Five wrong PINs in a row lock every PIN dialog of the process for
 * 30 seconds, so closing and reopening the dialog does not reset the count.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define GATE_PIN_DIALOG_MAX_FAILURES   5
#define GATE_PIN_DIALOG_LOCKOUT_SECONDS 30

#define GATE_TYPE_PIN_DIALOG (gate_pin_dialog_get_type ())
G_DECLARE_FINAL_TYPE (GatePinDialog, gate_pin_dialog, GATE, PIN_DIALOG, AdwMessageDialog)

GtkWidget *gate_pin_dialog_new (GtkWindow  *parent,
                                const char *stored_hash);

G_END_DECLS
