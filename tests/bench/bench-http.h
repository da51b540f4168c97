/* bench-http.h — a minimal HTTP/1.1 client for the gate-server benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One keep-alive socket per client and no client library, so that the
 * figures measure the server rather than the load generator.
 */
#pragma once

#include <glib.h>

typedef struct
{
  int      fd;
  guint16  port;
  GString *in;
} BenchConnection;

gboolean bench_connection_open  (BenchConnection *connection,
                                 const char      *url);
void     bench_connection_close (BenchConnection *connection);
guint    bench_connection_post  (BenchConnection *connection,
                                 const char      *token,
                                 const char      *function,
                                 const char      *json,
                                 GString         *body);

/* Sorting latencies (gint64 µs) and reading percentiles from them, in ms. */
gint     bench_compare_gint64   (gconstpointer    a,
                                 gconstpointer    b);
double   bench_percentile_ms    (GArray          *sorted,
                                 double           p);
