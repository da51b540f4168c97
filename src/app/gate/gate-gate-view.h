/* gate-gate-view.h — the gate: live camera, verdicts over it, camera states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "gate-camera.h"
#include "gate-operators.h"
#include "gate-scan-engine.h"
#include "gate-session.h"

G_BEGIN_DECLS

#define GATE_TYPE_GATE_VIEW (gate_gate_view_get_type ())
G_DECLARE_FINAL_TYPE (GateGateView, gate_gate_view, GATE, GATE_VIEW, GtkWidget)

GateCamera *gate_gate_view_get_camera     (GateGateView           *self);
void        gate_gate_view_set_camera     (GateGateView           *self,
                                           GateCamera             *camera);
guint       gate_gate_view_get_hold_ms    (GateGateView           *self);
void        gate_gate_view_set_hold_ms    (GateGateView           *self,
                                           guint                   hold_ms);
/* Shows @decision for hold-ms, then the camera again. */
void        gate_gate_view_show_decision  (GateGateView           *self,
                                           const GateScanDecision *decision);
/* "Checking…" until the next gate_gate_view_show_decision(). */
void        gate_gate_view_show_checking  (GateGateView           *self);
/* Gives the camera back before the hold is over (a tap on the verdict). */
void        gate_gate_view_dismiss_verdict (GateGateView          *self);
/* "verdict" while a verdict shows, "checking" while one is awaited, else the camera state's page name:
 * "preview", "starting", "no-camera", "denied", "error". */
const char *gate_gate_view_get_screen     (GateGateView           *self);
GtkWidget  *gate_gate_view_get_verdict_view (GateGateView         *self);

/* The gate rules: follows @session's engine (its list, direction and
 * operator) from now on. */
void           gate_gate_view_set_session          (GateGateView *self,
                                                    GateSession  *session);
/* Who is signed in; NULL before gate_gate_view_set_session(). */
GateOperators *gate_gate_view_get_operators        (GateGateView *self);
/* "entry" or "exit": the direction of the next scan. */
gboolean       gate_gate_view_get_offline          (GateGateView *self);
void           gate_gate_view_set_offline          (GateGateView *self,
                                                    gboolean      offline);
const char    *gate_gate_view_get_direction        (GateGateView *self);
void           gate_gate_view_set_direction        (GateGateView *self,
                                                    const char   *direction);
/* The list's direction ("entry", "exit", "both"), NULL without a list. */
const char    *gate_gate_view_get_list_direction   (GateGateView *self);
gboolean       gate_gate_view_get_require_operator (GateGateView *self);
void           gate_gate_view_set_require_operator (GateGateView *self,
                                                    gboolean      require_operator);
/* Sign-in is required and nobody is signed in: no scan is taken. */
gboolean       gate_gate_view_get_needs_sign_in    (GateGateView *self);

G_END_DECLS
