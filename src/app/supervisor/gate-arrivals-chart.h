/* gate-arrivals-chart.h — a bar chart of admissions per time bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Draws the buckets it is given (GateArrivalBucket, contiguous, oldest
 * first) as bars in the theme's accent colour, with the hours along the
 * bottom. The bucket width is read from the buckets themselves (5 minutes
 * when there is only one). Screen readers get a one-sentence summary, also
 * available as the "summary" property.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GATE_ARRIVALS_CHART_DEFAULT_BUCKET_MINUTES 5

#define GATE_TYPE_ARRIVALS_CHART (gate_arrivals_chart_get_type ())
G_DECLARE_FINAL_TYPE (GateArrivalsChart, gate_arrivals_chart, GATE, ARRIVALS_CHART, GtkWidget)

GtkWidget  *gate_arrivals_chart_new         (void);
void        gate_arrivals_chart_set_buckets (GateArrivalsChart *self,
                                             GArray            *buckets);
guint       gate_arrivals_chart_get_total   (GateArrivalsChart *self);
const char *gate_arrivals_chart_get_summary (GateArrivalsChart *self);

G_END_DECLS
