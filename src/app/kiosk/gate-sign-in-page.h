/* gate-sign-in-page.h — an operator signs in at the gate: name, then PIN
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "gate-operators.h"

G_BEGIN_DECLS

#define GATE_TYPE_SIGN_IN_PAGE (gate_sign_in_page_get_type ())
G_DECLARE_FINAL_TYPE (GateSignInPage, gate_sign_in_page, GATE, SIGN_IN_PAGE, GtkWidget)

GtkWidget     *gate_sign_in_page_new           (void);
GateOperators *gate_sign_in_page_get_operators (GateSignInPage *self);
/* Whom the page signs in; it asks for their names at once. */
void           gate_sign_in_page_set_operators (GateSignInPage *self,
                                                GateOperators  *operators);
/* Asks the server for the names again (after a failure, or going online). */
void           gate_sign_in_page_reload        (GateSignInPage *self);
/* The names on offer, as listed ("names" property). */
GStrv          gate_sign_in_page_dup_names     (GateSignInPage *self);
/* What the page says went wrong, NULL when nothing ("status" property). */
const char    *gate_sign_in_page_get_status    (GateSignInPage *self);

G_END_DECLS
