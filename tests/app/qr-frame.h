/* qr-frame.h — QR codes drawn into raw video frames, for tests and benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * qroverlay uppercases what it encodes; these draw the exact payload with
 * libqrencode so case-sensitive tokens can be checked end to end.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Draw @text as a QR code (ECC level M, 8-bit mode, a 4-module white quiet
 * zone) of @module_px pixels a module, centred at (@center_x, @center_y),
 * into the 8-bit luma @plane. Returns the symbol's side in pixels
 * including the quiet zone. */
int         gate_qr_draw        (guint8     *plane,
                                 int         width,
                                 int         height,
                                 int         stride,
                                 const char *text,
                                 int         module_px,
                                 int         center_x,
                                 int         center_y);

/* A GRAY8 frame of @width×@height (stride = @width) showing @text in the
 * middle on a mid-grey background; NULL @text: the background only. */
GBytes     *gate_qr_gray_frame  (int         width,
                                 int         height,
                                 const char *text,
                                 int         module_px);

/* A GRAY8 frame of uniform random noise from @seed. */
GBytes     *gate_qr_noise_frame (int         width,
                                 int         height,
                                 guint32     seed);

G_END_DECLS
