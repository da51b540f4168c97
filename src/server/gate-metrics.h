/* gate-metrics.h — what gate-server counts, in Prometheus's text format
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "gate-db-pool.h"

G_BEGIN_DECLS

/* Functions that get a label of their own; any beyond, and any name that is
 * not a function of the API, count as "other". */
#define GATE_METRICS_MAX_FUNCTIONS 64
#define GATE_METRICS_OTHER         "other"

/* What is read at the moment of a scrape rather than counted. */
typedef struct
{
  GateDbPoolStats pool;
  gboolean        database_available;
  guint           connections_open;
  guint64         connections_refused;
} GateMetricsGauges;

#define GATE_TYPE_METRICS (gate_metrics_get_type ())
G_DECLARE_FINAL_TYPE (GateMetrics, gate_metrics, GATE, METRICS, GObject)

GateMetrics *gate_metrics_new              (void);
void         gate_metrics_record_call      (GateMetrics             *self,
                                            const char              *function,
                                            guint                    status,
                                            gint64                   duration_us);
void         gate_metrics_record_response  (GateMetrics             *self,
                                            guint                    status);
void         gate_metrics_add_auth_failure (GateMetrics             *self);
guint        gate_metrics_get_n_functions  (GateMetrics             *self);
char        *gate_metrics_render           (GateMetrics             *self,
                                            const GateMetricsGauges *gauges);
const char  *gate_metrics_status_label     (guint                    status);

G_END_DECLS
