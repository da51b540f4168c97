/* gate-status-strip.h — the gate's one-line status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "gate-operators.h"
#include "gate-session.h"

G_BEGIN_DECLS

#define GATE_TYPE_STATUS_STRIP (gate_status_strip_get_type ())
G_DECLARE_FINAL_TYPE (GateStatusStrip, gate_status_strip, GATE, STATUS_STRIP, GtkWidget)

GateSession *gate_status_strip_get_session (GateStatusStrip *self);
/* Shows the figures of @session's cache and its connection. */
void         gate_status_strip_set_session (GateStatusStrip *self,
                                            GateSession     *session);
/* Shows who is signed in at this gate, with a Sign Out button. */
void         gate_status_strip_set_operators (GateStatusStrip *self,
                                              GateOperators   *operators);
/* The texts shown, for tests and for the accessible description. */
char        *gate_status_strip_dup_text    (GateStatusStrip *self);

G_END_DECLS
