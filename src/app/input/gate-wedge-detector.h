/* gate-wedge-detector.h — keyboard-wedge scans anywhere in a window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Watches every key pressed in a window before any widget sees it. A
 * scanner's burst ending in Enter becomes ::scanned and is never typed into
 * a field; anything else reaches the focused widget as typed. The burst
 * rules are GateWedgeBuffer's. See docs/input.md.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GATE_TYPE_WEDGE_DETECTOR (gate_wedge_detector_get_type ())
G_DECLARE_FINAL_TYPE (GateWedgeDetector, gate_wedge_detector, GATE, WEDGE_DETECTOR, GObject)

GateWedgeDetector *gate_wedge_detector_new            (GtkWindow         *window);
GtkWindow         *gate_wedge_detector_get_window     (GateWedgeDetector *self);
gboolean           gate_wedge_detector_get_enabled    (GateWedgeDetector *self);
void               gate_wedge_detector_set_enabled    (GateWedgeDetector *self,
                                                       gboolean           enabled);
guint              gate_wedge_detector_get_min_length (GateWedgeDetector *self);
void               gate_wedge_detector_set_min_length (GateWedgeDetector *self,
                                                       guint              min_length);
guint              gate_wedge_detector_get_max_gap    (GateWedgeDetector *self);
void               gate_wedge_detector_set_max_gap    (GateWedgeDetector *self,
                                                       guint              max_gap_ms);

G_END_DECLS
