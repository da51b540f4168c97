/* gate-connectivity.h — is the server usable right now?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GATE_TYPE_CONNECTIVITY (gate_connectivity_get_type ())
G_DECLARE_FINAL_TYPE (GateConnectivity, gate_connectivity, GATE, CONNECTIVITY, GObject)

GateConnectivity *gate_connectivity_new            (void);
gboolean          gate_connectivity_get_online     (GateConnectivity *self);
void              gate_connectivity_report_success (GateConnectivity *self);
void              gate_connectivity_report_failure (GateConnectivity *self);
/* A call that succeeded but took @latency_us: repeated slow answers mean a
 * link too poor to keep a queue moving, and count as offline. */
void              gate_connectivity_report_latency (GateConnectivity *self,
                                                    gint64            latency_us);
/* The server refused this device's token (401): the device was signed out,
 * for as long as this configuration lasts. Nothing else clears it. */
void              gate_connectivity_report_signed_out (GateConnectivity *self);
gboolean          gate_connectivity_get_signed_out    (GateConnectivity *self);

G_END_DECLS
