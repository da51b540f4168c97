/* gate-http-server.h — PostgREST-compatible RPC over HTTP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "gate-auth.h"
#include "gate-auth-limiter.h"
#include "gate-db-pool.h"
#include "gate-http-listener.h"
#include "gate-metrics.h"

G_BEGIN_DECLS

/* Everything gate-server's options set beyond the pool and TLS; see
 * docs/gate-server.md. */
typedef struct
{
  GateHttpLimits      http;
  guint               unauthenticated_timeout_s;  /* to read what a refused request still sends */
  GateCallLimits      call;
  gsize               max_answer;                 /* bytes; larger answers are refused (500) */
  const char * const *cors_origins;               /* (nullable) origins, or "*" for any */
} GateHttpServerConfig;

#define GATE_HTTP_DEFAULT_UNAUTHENTICATED_TIMEOUT_S 5
#define GATE_HTTP_DEFAULT_MAX_ANSWER                (32 * 1024 * 1024)
/* /metrics: loopback unless --metrics-listen says otherwise. */
#define GATE_HTTP_DEFAULT_METRICS_LISTEN            "127.0.0.1:9480"
#define GATE_HTTP_DEFAULT_METRICS_PORT              9480
#define GATE_HTTP_METRICS_MAX_CONNECTIONS           16
/* What a refused request without a declared length may still send. */
#define GATE_HTTP_REFUSED_BODY_LIMIT                (64 * 1024)

void            gate_http_server_config_init     (GateHttpServerConfig *config);

#define GATE_TYPE_HTTP_SERVER (gate_http_server_get_type ())
G_DECLARE_FINAL_TYPE (GateHttpServer, gate_http_server, GATE, HTTP_SERVER, GObject)

GateHttpServer *gate_http_server_new             (GateDbPool                 *pool,
                                                  GTlsCertificate            *tls_certificate,
                                                  GateAuthLimiter            *auth_limiter,
                                                  const GateHttpServerConfig *config);
char           *gate_http_server_listen          (GateHttpServer       *self,
                                                  const char           *address,
                                                  GError              **error);
char           *gate_http_server_listen_metrics  (GateHttpServer       *self,
                                                  const char           *address,
                                                  GError              **error);
GateMetrics    *gate_http_server_get_metrics     (GateHttpServer       *self);
void            gate_http_server_drain_async     (GateHttpServer       *self,
                                                  guint                 timeout_ms,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean        gate_http_server_drain_finish    (GateHttpServer       *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void            gate_http_server_disconnect      (GateHttpServer       *self);

G_END_DECLS
