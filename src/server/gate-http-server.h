/* gate-http-server.h — PostgREST-compatible RPC over HTTP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "gate-db-pool.h"

G_BEGIN_DECLS

#define GATE_HTTP_MAX_BODY (8 * 1024 * 1024)

#define GATE_TYPE_HTTP_SERVER (gate_http_server_get_type ())
G_DECLARE_FINAL_TYPE (GateHttpServer, gate_http_server, GATE, HTTP_SERVER, GObject)

GateHttpServer *gate_http_server_new    (GateDbPool       *pool,
                                         GTlsCertificate  *certificate);
/* Returns the URL it listens on, e.g. "http://127.0.0.1:8080". */
char           *gate_http_server_listen (GateHttpServer   *self,
                                         const char       *address,
                                         GError          **error);
void            gate_http_server_stop   (GateHttpServer   *self);

G_END_DECLS
