/* bench-http.h — a minimal HTTP/1.1 client for the server benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int      fd;
  char     host[64];
  guint16  port;
  GString *in;
} Connection;

/* Connects to the port of @url on 127.0.0.1. */
gboolean bench_connection_open  (Connection *connection,
                                 const char *url);
void     bench_connection_close (Connection *connection);
/* One request, one response; returns the status (0: the connection
 * failed), the body in @body. */
guint    bench_connection_post  (Connection *connection,
                                 const char *token,
                                 const char *function,
                                 const char *json,
                                 GString    *body);

/* For g_array_sort() of gint64 latencies. */
gint     bench_compare_gint64   (gconstpointer a,
                                 gconstpointer b);
/* The @p-th percentile of @sorted (gint64 µs), in ms. */
double   bench_percentile_ms    (GArray       *sorted,
                                 double        p);

G_END_DECLS
