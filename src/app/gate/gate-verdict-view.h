/* gate-verdict-view.h — the verdict screen: colour, icon and word
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "gate-scan-engine.h"

G_BEGIN_DECLS

#define GATE_TYPE_VERDICT_VIEW (gate_verdict_view_get_type ())
G_DECLARE_FINAL_TYPE (GateVerdictView, gate_verdict_view, GATE, VERDICT_VIEW, GtkWidget)

GtkWidget  *gate_verdict_view_new           (void);
/* This gate's device id: its own earlier admits read "Scanned here". */
void        gate_verdict_view_set_device_id (GateVerdictView        *self,
                                             const char             *device_id);
/* The gate's check-in list, named by "not allowed here" (nullable). */
void        gate_verdict_view_set_list_name (GateVerdictView        *self,
                                             const char             *list_name);
void        gate_verdict_view_show_decision (GateVerdictView        *self,
                                             const GateScanDecision *decision);
/* The wire name of the verdict shown ("admitted", …), NULL before any. */
const char *gate_verdict_view_get_verdict   (GateVerdictView        *self);
const char *gate_verdict_view_get_headline  (GateVerdictView        *self);
const char *gate_verdict_view_get_detail    (GateVerdictView        *self);
const char *gate_verdict_view_get_badge     (GateVerdictView        *self);
/* "Verified offline by signature" on a signature admit, else NULL. */
const char *gate_verdict_view_get_signature_badge (GateVerdictView   *self);
/* "Scan 12 · 16:38:05": which verdict this is on this screen, and when. */
const char *gate_verdict_view_get_stamp     (GateVerdictView        *self);
/* How much the verdict is shrunk to fit its space: 1.0 when it is not. */
double      gate_verdict_view_get_scale     (GateVerdictView        *self);
/* Names the other event of the wrong_event verdict on screen, if it is
 * still the one for @event_id. */
void        gate_verdict_view_name_event    (GateVerdictView        *self,
                                             const char             *event_id,
                                             const char             *event_name);

G_END_DECLS
