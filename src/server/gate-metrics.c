/* gate-metrics.c — what gate-server counts, in Prometheus's text format
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Counters live in the main context (everything in gate-server does) and
 * are rendered on request by the metrics listener. Every label set is
 * bounded whatever clients send: a function label is only ever the name of
 * a function of the API that a request actually called (the catalog found
 * it), at most GATE_METRICS_MAX_FUNCTIONS of them; any other name is
 * "other". Status labels are the codes gate-server answers with, and any
 * other code (a function may raise PTxyz) is its class, "4xx" or "5xx".
 * A flood of made-up function names or odd statuses cannot grow the
 * scrape, nor gate-server's memory.
 */
#include "config.h"

#include <string.h>

#include "gate-metrics.h"

/* Upper bounds of the latency histogram, in seconds: a scan takes a few
 * milliseconds, the kiosk gives up at 1.5 s, calls end at the statement
 * timeout (10 s). */
static const double latency_buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                                          1.5, 2.5, 5.0, 10.0 };
#define N_BUCKETS G_N_ELEMENTS (latency_buckets)

/* The statuses gate-server answers with (docs/gate-server.md). */
static const guint known_statuses[] = { 200, 204, 400, 401, 403, 404, 405, 409, 413, 429, 500, 503 };
static const char * const known_status_labels[] = { "200", "204", "400", "401", "403", "404", "405", "409",
                                                    "413", "429", "500", "503" };
static const char * const class_labels[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
#define N_STATUS_LABELS (G_N_ELEMENTS (known_statuses) + G_N_ELEMENTS (class_labels))

typedef struct
{
  guint64 by_status[N_STATUS_LABELS];
  guint64 buckets[N_BUCKETS];   /* cumulative on output only */
  guint64 count;
  gint64  sum_us;
} FunctionStats;

struct _GateMetrics
{
  GObject     parent_instance;

  GHashTable *functions;        /* name → FunctionStats; at most MAX + "other" */
  guint64     responses[N_STATUS_LABELS];
  guint64     auth_failures;
  gint64      started_at;       /* real time, µs */
};

G_DEFINE_FINAL_TYPE (GateMetrics, gate_metrics, G_TYPE_OBJECT)

static guint
status_index (guint status)
{
  for (guint i = 0; i < G_N_ELEMENTS (known_statuses); i++)
    if (known_statuses[i] == status)
      return i;

  return G_N_ELEMENTS (known_statuses) + CLAMP (status / 100, 1, 5) - 1;
}

static const char *
status_label_at (guint index)
{
  if (index < G_N_ELEMENTS (known_statuses))
    return known_status_labels[index];
  return class_labels[index - G_N_ELEMENTS (known_statuses)];
}

/**
 * gate_metrics_status_label:
 *
 * Returns: the label @status counts under: itself when gate-server answers
 *   with it, else its class ("4xx")
 */
const char *
gate_metrics_status_label (guint status)
{
  return status_label_at (status_index (status));
}

static FunctionStats *
function_stats (GateMetrics *self,
                const char  *function)
{
  FunctionStats *stats;

  if (function == NULL || *function == '\0')
    function = GATE_METRICS_OTHER;

  stats = g_hash_table_lookup (self->functions, function);
  if (stats != NULL)
    return stats;

  /* "other" is always there and does not count against the limit. */
  if (g_hash_table_size (self->functions) > GATE_METRICS_MAX_FUNCTIONS)
    return g_hash_table_lookup (self->functions, GATE_METRICS_OTHER);

  stats = g_new0 (FunctionStats, 1);
  g_hash_table_insert (self->functions, g_strdup (function), stats);
  return stats;
}

/**
 * gate_metrics_new:
 */
GateMetrics *
gate_metrics_new (void)
{
  return g_object_new (GATE_TYPE_METRICS, NULL);
}

/**
 * gate_metrics_record_call:
 * @function: (nullable): a function of the API that was called; %NULL for
 *   a request that named none (unknown, refused before it was looked up)
 * @status: the HTTP status answered
 * @duration_us: from the request's headers to its answer
 */
void
gate_metrics_record_call (GateMetrics *self,
                          const char  *function,
                          guint        status,
                          gint64       duration_us)
{
  FunctionStats *stats;
  double seconds = duration_us / (double) G_USEC_PER_SEC;

  g_return_if_fail (GATE_IS_METRICS (self));

  stats = function_stats (self, function);
  stats->by_status[status_index (status)]++;
  stats->count++;
  stats->sum_us += MAX (duration_us, 0);
  for (guint i = 0; i < N_BUCKETS; i++)
    if (seconds <= latency_buckets[i])
      {
        stats->buckets[i]++;
        break;
      }
}

/**
 * gate_metrics_record_response:
 *
 * Counts one answer on the API's port, of any path.
 */
void
gate_metrics_record_response (GateMetrics *self,
                              guint        status)
{
  g_return_if_fail (GATE_IS_METRICS (self));

  self->responses[status_index (status)]++;
}

/**
 * gate_metrics_add_auth_failure:
 *
 * Counts a request refused for its token: none, unknown or revoked.
 */
void
gate_metrics_add_auth_failure (GateMetrics *self)
{
  g_return_if_fail (GATE_IS_METRICS (self));

  self->auth_failures++;
}

/**
 * gate_metrics_get_n_functions:
 *
 * Returns: how many function labels there are, "other" included
 */
guint
gate_metrics_get_n_functions (GateMetrics *self)
{
  g_return_val_if_fail (GATE_IS_METRICS (self), 0);

  return g_hash_table_size (self->functions);
}

/* Label values are function names from the catalog: identifiers, but
 * quoted ones may hold anything. */
static void
append_label_value (GString    *out,
                    const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '"')
        g_string_append (out, "\\\"");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

static void
append_header (GString    *out,
               const char *name,
               const char *type,
               const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
append_double (GString *out,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_dtostr (buffer, sizeof buffer, value));
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * gate_metrics_render:
 *
 * Returns: (transfer full): the exposition, text format 0.0.4
 */
char *
gate_metrics_render (GateMetrics             *self,
                     const GateMetricsGauges *gauges)
{
  g_autoptr(GString) out = g_string_sized_new (4096);
  g_autofree const char **names = NULL;
  guint n_names;

  g_return_val_if_fail (GATE_IS_METRICS (self), NULL);

  /* Sorted, so that scrapes are stable and diffable. */
  names = (const char **) g_hash_table_get_keys_as_array (self->functions, &n_names);
  qsort (names, n_names, sizeof (char *), compare_names);

  append_header (out, "gate_server_calls_total", "counter",
                 "RPC requests answered, by function (\"other\": not a function of the API) and HTTP status.");
  for (guint i = 0; i < n_names; i++)
    {
      FunctionStats *stats = g_hash_table_lookup (self->functions, names[i]);

      for (guint s = 0; s < N_STATUS_LABELS; s++)
        if (stats->by_status[s] > 0)
          {
            g_string_append (out, "gate_server_calls_total{function=\"");
            append_label_value (out, names[i]);
            g_string_append_printf (out, "\",status=\"%s\"} %" G_GUINT64_FORMAT "\n", status_label_at (s),
                                    stats->by_status[s]);
          }
    }

  append_header (out, "gate_server_call_duration_seconds", "histogram",
                 "Time from an RPC request's headers to its answer, by function.");
  for (guint i = 0; i < n_names; i++)
    {
      FunctionStats *stats = g_hash_table_lookup (self->functions, names[i]);
      guint64 cumulative = 0;

      for (guint b = 0; b < N_BUCKETS; b++)
        {
          cumulative += stats->buckets[b];
          g_string_append (out, "gate_server_call_duration_seconds_bucket{function=\"");
          append_label_value (out, names[i]);
          g_string_append (out, "\",le=\"");
          append_double (out, latency_buckets[b]);
          g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", cumulative);
        }
      g_string_append (out, "gate_server_call_duration_seconds_bucket{function=\"");
      append_label_value (out, names[i]);
      g_string_append_printf (out, "\",le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", stats->count);
      g_string_append (out, "gate_server_call_duration_seconds_sum{function=\"");
      append_label_value (out, names[i]);
      g_string_append (out, "\"} ");
      append_double (out, stats->sum_us / (double) G_USEC_PER_SEC);
      g_string_append (out, "\ngate_server_call_duration_seconds_count{function=\"");
      append_label_value (out, names[i]);
      g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", stats->count);
    }

  append_header (out, "gate_server_http_responses_total", "counter",
                 "Answers on the API port (RPC, /healthz, anything else), by HTTP status.");
  for (guint s = 0; s < N_STATUS_LABELS; s++)
    if (self->responses[s] > 0)
      g_string_append_printf (out, "gate_server_http_responses_total{status=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              status_label_at (s), self->responses[s]);

  append_header (out, "gate_server_auth_failures_total", "counter",
                 "Requests refused for their token (none, unknown or revoked).");
  g_string_append_printf (out, "gate_server_auth_failures_total %" G_GUINT64_FORMAT "\n", self->auth_failures);

  append_header (out, "gate_server_http_connections", "gauge", "Client connections open on the API port.");
  g_string_append_printf (out, "gate_server_http_connections %u\n", gauges->connections_open);
  append_header (out, "gate_server_http_connections_refused_total", "counter",
                 "Connections refused with 503 beyond --max-connections.");
  g_string_append_printf (out, "gate_server_http_connections_refused_total %" G_GUINT64_FORMAT "\n",
                          gauges->connections_refused);

  append_header (out, "gate_server_pool_size", "gauge", "Database connections asked for (--pool).");
  g_string_append_printf (out, "gate_server_pool_size %u\n", gauges->pool.size);
  append_header (out, "gate_server_pool_connections", "gauge", "Database connections open.");
  g_string_append_printf (out, "gate_server_pool_connections %u\n", gauges->pool.open);
  append_header (out, "gate_server_pool_busy", "gauge", "Database connections running a call.");
  g_string_append_printf (out, "gate_server_pool_busy %u\n", gauges->pool.busy);
  append_header (out, "gate_server_pool_queue", "gauge", "Calls waiting for a database connection.");
  g_string_append_printf (out, "gate_server_pool_queue %u\n", gauges->pool.waiting);
  append_header (out, "gate_server_pool_connections_lost_total", "counter", "Open database connections that broke.");
  g_string_append_printf (out, "gate_server_pool_connections_lost_total %" G_GUINT64_FORMAT "\n", gauges->pool.lost);
  append_header (out, "gate_server_pool_reconnects_total", "counter",
                 "Database connections opened again after one broke.");
  g_string_append_printf (out, "gate_server_pool_reconnects_total %" G_GUINT64_FORMAT "\n", gauges->pool.reconnects);
  append_header (out, "gate_server_pool_prepared_statements", "gauge",
                 "1 while calls run as statements kept prepared; 0 off, or behind a transaction pooler.");
  g_string_append_printf (out, "gate_server_pool_prepared_statements %d\n", gauges->pool.prepared ? 1 : 0);
  append_header (out, "gate_server_database_up", "gauge", "1 while at least one database connection is open.");
  g_string_append_printf (out, "gate_server_database_up %d\n", gauges->database_available ? 1 : 0);

  append_header (out, "gate_server_start_time_seconds", "gauge", "When the process started, in Unix time.");
  g_string_append (out, "gate_server_start_time_seconds ");
  append_double (out, self->started_at / (double) G_USEC_PER_SEC);
  g_string_append_c (out, '\n');

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
gate_metrics_finalize (GObject *object)
{
  GateMetrics *self = GATE_METRICS (object);

  g_clear_pointer (&self->functions, g_hash_table_unref);

  G_OBJECT_CLASS (gate_metrics_parent_class)->finalize (object);
}

static void
gate_metrics_class_init (GateMetricsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gate_metrics_finalize;
}

static void
gate_metrics_init (GateMetrics *self)
{
  self->functions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->functions, g_strdup (GATE_METRICS_OTHER), g_new0 (FunctionStats, 1));
  self->started_at = g_get_real_time ();
}
