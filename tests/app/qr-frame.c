/* qr-frame.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <qrencode.h>

#include "qr-frame.h"

#define QUIET_ZONE_MODULES 4

int
gate_qr_draw (guint8     *plane,
              int         width,
              int         height,
              int         stride,
              const char *text,
              int         module_px,
              int         center_x,
              int         center_y)
{
  QRcode *code = QRcode_encodeString8bit (text, 0, QR_ECLEVEL_M);
  int side_modules;
  int side_px;
  int left;
  int top;

  g_assert_nonnull (code);

  side_modules = code->width + 2 * QUIET_ZONE_MODULES;
  side_px = side_modules * module_px;
  left = center_x - side_px / 2;
  top = center_y - side_px / 2;

  for (int y = 0; y < side_px; y++)
    {
      int row = top + y;
      int my = y / module_px - QUIET_ZONE_MODULES;

      if (row < 0 || row >= height)
        continue;

      for (int x = 0; x < side_px; x++)
        {
          int column = left + x;
          int mx = x / module_px - QUIET_ZONE_MODULES;
          gboolean dark = mx >= 0 && my >= 0 && mx < code->width && my < code->width &&
                          (code->data[my * code->width + mx] & 1);

          if (column >= 0 && column < width)
            plane[(gsize) row * stride + column] = dark ? 16 : 235;
        }
    }

  QRcode_free (code);
  return side_px;
}

GBytes *
gate_qr_gray_frame (int         width,
                    int         height,
                    const char *text,
                    int         module_px)
{
  guint8 *pixels = g_malloc ((gsize) width * height);

  memset (pixels, 128, (gsize) width * height);
  if (text != NULL)
    gate_qr_draw (pixels, width, height, width, text, module_px, width / 2, height / 2);

  return g_bytes_new_take (pixels, (gsize) width * height);
}

GBytes *
gate_qr_noise_frame (int     width,
                     int     height,
                     guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *pixels = g_malloc ((gsize) width * height);

  for (gsize i = 0; i < (gsize) width * height; i++)
    pixels[i] = (guint8) g_rand_int_range (rand, 0, 256);

  return g_bytes_new_take (pixels, (gsize) width * height);
}
