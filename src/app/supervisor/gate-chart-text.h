/* gate-chart-text.h — the text both charts draw: small tabular figures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One look for the axis labels of the cache panel's arrivals chart and the
 * Gates page's per-gate chart.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* @text in @widget's font, smaller, with tabular digits so times and
 * counts line up. */
PangoLayout *gate_chart_small_layout (GtkWidget     *widget,
                                      const char    *text);
/* Draws @layout with its top left corner at (@x, @y). */
void         gate_chart_append_text  (GtkSnapshot   *snapshot,
                                      PangoLayout   *layout,
                                      float          x,
                                      float          y,
                                      const GdkRGBA *color);

G_END_DECLS
