/* gate-gates-page.h — a supervisor's per-gate numbers and operators
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Server-wide and live for the session's event (every event when it has
 * none): entries, exits and inside now for the event, each check-in list
 * and each gate, and a chart of arrivals per 5 minutes per gate; below,
 * the operators who may sign in at the gates, added and removed here.
 * The numbers refresh every few seconds while the page is on screen and
 * stop when it is not. A gate's token sees a page saying this is a
 * supervisor's. See docs/gate-rules.md.
 */
#pragma once

#include <adwaita.h>

#include "gate-gate-stats.h"
#include "gate-operator-admin.h"
#include "gate-session.h"

G_BEGIN_DECLS

#define GATE_TYPE_GATES_PAGE (gate_gates_page_get_type ())
G_DECLARE_FINAL_TYPE (GateGatesPage, gate_gates_page, GATE, GATES_PAGE, AdwBin)

GtkWidget         *gate_gates_page_new            (GateSession   *session);
GateSession       *gate_gates_page_get_session    (GateGatesPage *self);
void               gate_gates_page_set_session    (GateGatesPage *self,
                                                   GateSession   *session);
gboolean           gate_gates_page_get_supervisor (GateGatesPage *self);
/* (nullable): the numbers shown, NULL without a server. */
GateGateStats     *gate_gates_page_get_stats      (GateGatesPage *self);
/* (nullable): the operators shown, NULL without a server. */
GateOperatorAdmin *gate_gates_page_get_operators  (GateGatesPage *self);
/* Opens the Add Operator dialog (the button's action). */
GtkWidget         *gate_gates_page_add_operator   (GateGatesPage *self);
/* Asks to remove @operator_id, with a confirmation dialog (returned). */
GtkWidget         *gate_gates_page_remove_operator (GateGatesPage *self,
                                                   const char    *operator_id);

G_END_DECLS
