/* gate-http-server.h — PostgREST-compatible RPC over HTTP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "gate-auth-limiter.h"
#include "gate-db-pool.h"

G_BEGIN_DECLS

#define GATE_TYPE_HTTP_SERVER (gate_http_server_get_type ())
G_DECLARE_FINAL_TYPE (GateHttpServer, gate_http_server, GATE, HTTP_SERVER, GObject)

GateHttpServer *gate_http_server_new             (GateDbPool           *pool,
                                                  GTlsCertificate      *tls_certificate,
                                                  GateAuthLimiter      *auth_limiter);
char           *gate_http_server_listen          (GateHttpServer       *self,
                                                  const char           *address,
                                                  GError              **error);
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
