/* gate-window.h — the kiosk's and the supervisor's main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "gate-camera.h"
#include "gate-session.h"
#include "gate-sound-player.h"
#include "gate-verdict-log.h"

G_BEGIN_DECLS

#define GATE_TYPE_WINDOW (gate_window_get_type ())
G_DECLARE_FINAL_TYPE (GateWindow, gate_window, GATE, WINDOW, AdwApplicationWindow)

GateWindow  *gate_window_new              (AdwApplication *application);
/* Shows the gate for @session, scanning what @camera sees (nullable). */
void         gate_window_set_session      (GateWindow     *self,
                                           GateSession    *session,
                                           GateCamera     *camera);
/* Where a decision goes after the screen: the verdict log, then the tone
 * (each nullable). */
void         gate_window_set_feedback     (GateWindow      *self,
                                           GateVerdictLog  *verdict_log,
                                           GateSoundPlayer *sounds);
/* Whether decisions are sounded: the "sounds" property. */
void         gate_window_set_sounds       (GateWindow     *self,
                                           gboolean        sounds);
/* The GateGateView: the camera and the verdicts. */
GtkWidget   *gate_window_get_gate_view    (GateWindow     *self);
/* First run: explains what is needed and offers the demo. */
void         gate_window_show_welcome     (GateWindow     *self);
void         gate_window_show_enrol_page  (GateWindow     *self,
                                           GtkWidget      *page);
void         gate_window_show_error       (GateWindow     *self,
                                           const char     *title,
                                           const char     *description);
void         gate_window_set_kiosk        (GateWindow     *self,
                                           gboolean        kiosk);
gboolean     gate_window_get_kiosk        (GateWindow     *self);
void         gate_window_set_pin_hash     (GateWindow     *self,
                                           const char     *pin_hash);
/* Who reviews conflicts from this device. */
void         gate_window_set_device_name  (GateWindow     *self,
                                           const char     *device_name);
/* Shows the switch that cuts the demo's network. */
void         gate_window_set_demo         (GateWindow     *self,
                                           gboolean        demo);
void         gate_window_add_toast        (GateWindow     *self,
                                           const char     *message);
/* Which page is up: "loading", "welcome", "error" or "main". */
const char  *gate_window_get_page         (GateWindow     *self);

G_END_DECLS
