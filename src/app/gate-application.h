/* gate-application.h — gate-scanner's application object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define GATE_TYPE_APPLICATION (gate_application_get_type ())
G_DECLARE_FINAL_TYPE (GateApplication, gate_application, GATE, APPLICATION, AdwApplication)

GateApplication *gate_application_new (void);

G_END_DECLS
