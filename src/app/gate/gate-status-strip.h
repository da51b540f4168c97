/* gate-status-strip.h — the gate's one-line status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "gate-connectivity.h"
#include "gate-ticket-cache.h"

G_BEGIN_DECLS

#define GATE_TYPE_STATUS_STRIP (gate_status_strip_get_type ())
G_DECLARE_FINAL_TYPE (GateStatusStrip, gate_status_strip, GATE, STATUS_STRIP, GtkWidget)

void        gate_status_strip_set_source  (GateStatusStrip  *self,
                                           GateTicketCache  *cache,
                                           GateConnectivity *connectivity,
                                           const char       *event_id);
/* The texts shown, for tests and for the accessible description. */
char       *gate_status_strip_dup_text    (GateStatusStrip  *self);

G_END_DECLS
