/* gate-wedge-buffer.h — tells a keyboard-wedge scanner's burst from typing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A barcode scanner in keyboard-wedge mode "types" its code very fast and
 * ends it with Enter. The buffer sees each key with its event time and
 * decides, without GTK: while the keys could still be such a burst it
 * swallows them; once they cannot (a gap too long, a key that no code
 * contains, an Enter too early) it hands the text back with ::released so it
 * can be typed after all. An Enter ending a burst emits ::scanned instead.
 * Signals are emitted from the calls, or for a timed release from a timeout
 * on the main context that was the thread default when the buffer was made.
 * See docs/input.md.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GATE_WEDGE_DEFAULT_MIN_LENGTH 4    /* characters before the Enter */
#define GATE_WEDGE_DEFAULT_MAX_GAP_MS 35   /* between two keys of a burst */

#define GATE_TYPE_WEDGE_BUFFER (gate_wedge_buffer_get_type ())
G_DECLARE_FINAL_TYPE (GateWedgeBuffer, gate_wedge_buffer, GATE, WEDGE_BUFFER, GObject)

GateWedgeBuffer *gate_wedge_buffer_new            (void);

guint            gate_wedge_buffer_get_min_length (GateWedgeBuffer *self);
void             gate_wedge_buffer_set_min_length (GateWedgeBuffer *self,
                                                   guint            min_length);
guint            gate_wedge_buffer_get_max_gap    (GateWedgeBuffer *self);
void             gate_wedge_buffer_set_max_gap    (GateWedgeBuffer *self,
                                                   guint            max_gap_ms);

gboolean         gate_wedge_buffer_key            (GateWedgeBuffer *self,
                                                   gunichar         character,
                                                   guint32          time_ms);
gboolean         gate_wedge_buffer_enter          (GateWedgeBuffer *self,
                                                   guint32          time_ms);
void             gate_wedge_buffer_interrupt      (GateWedgeBuffer *self);
gboolean         gate_wedge_buffer_is_holding     (GateWedgeBuffer *self);

G_END_DECLS
