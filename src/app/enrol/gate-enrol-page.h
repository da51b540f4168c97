/* gate-enrol-page.h — first run: the kiosk enrolls from a setup QR
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "gate-camera.h"
#include "gate-token-store.h"

G_BEGIN_DECLS

#define GATE_TYPE_ENROL_PAGE (gate_enrol_page_get_type ())
G_DECLARE_FINAL_TYPE (GateEnrolPage, gate_enrol_page, GATE, ENROL_PAGE, AdwBin)

GtkWidget  *gate_enrol_page_new               (GateCamera     *camera,
                                               GSettings      *settings,
                                               GateTokenStore *token_store);
const char *gate_enrol_page_get_state         (GateEnrolPage  *self);
const char *gate_enrol_page_get_message       (GateEnrolPage  *self);
const char *gate_enrol_page_get_camera_screen (GateEnrolPage  *self);
void        gate_enrol_page_submit            (GateEnrolPage  *self,
                                               const char     *text);

G_END_DECLS
