/* gate-gates-chart.h — arrivals per 5 minutes, one line per gate
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Given event_stats' arrivals rows (GateStatsRow, scope arrivals), draws
 * one line per gate over the buckets from the first arrival (or an hour
 * ago, whichever is earlier) to now, each gate in its own colour of the
 * GNOME palette, mid tones that read on light and dark backgrounds alike.
 * The page draws the legend from gate_gates_chart_get_series_*(). Screen
 * readers get the "summary" sentence.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GATE_GATES_CHART_BUCKET_MINUTES 5

#define GATE_TYPE_GATES_CHART (gate_gates_chart_get_type ())
G_DECLARE_FINAL_TYPE (GateGatesChart, gate_gates_chart, GATE, GATES_CHART, GtkWidget)

GtkWidget  *gate_gates_chart_new               (void);
/* @arrivals (element-type GateStatsRow) (nullable): copied from; @now_us
 * ends the time axis. */
void        gate_gates_chart_set_arrivals      (GateGatesChart *self,
                                                GPtrArray      *arrivals,
                                                gint64          now_us);
guint       gate_gates_chart_get_n_series      (GateGatesChart *self);
guint       gate_gates_chart_get_n_buckets     (GateGatesChart *self);
/* All arrivals drawn, every gate together. */
guint       gate_gates_chart_get_total         (GateGatesChart *self);
const char *gate_gates_chart_get_summary       (GateGatesChart *self);
/* The gate's name (its id when it has none) and its line's colour. */
const char *gate_gates_chart_get_series_name   (GateGatesChart *self,
                                                guint           index);
void        gate_gates_chart_get_series_color  (GateGatesChart *self,
                                                guint           index,
                                                GdkRGBA        *color);

G_END_DECLS
