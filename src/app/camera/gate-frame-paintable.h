/* gate-frame-paintable.h — the camera preview as a GdkPaintable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the latest camera frame; put it in a GtkPicture. The camera swaps
 * frames in on the main thread.
 */
#pragma once

#include <gdk/gdk.h>

G_BEGIN_DECLS

#define GATE_TYPE_FRAME_PAINTABLE (gate_frame_paintable_get_type ())
G_DECLARE_FINAL_TYPE (GateFramePaintable, gate_frame_paintable, GATE, FRAME_PAINTABLE, GObject)

GateFramePaintable *gate_frame_paintable_new         (void);
void                gate_frame_paintable_set_texture (GateFramePaintable *self,
                                                      GdkTexture         *texture);
GdkTexture         *gate_frame_paintable_get_texture (GateFramePaintable *self);
guint64             gate_frame_paintable_get_frame_count (GateFramePaintable *self);

G_END_DECLS
