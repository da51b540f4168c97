/* gate-http-server-private.h — what GateHttpServer's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GateHttpServer is one object in two files, one concern each:
 *
 *   gate-http-server.c           the object: listening, /metrics, draining
 *   gate-http-server-requests.c  one request, from its headers to its answer
 */
#pragma once

#include <libsoup/soup.h>

#include "gate-http-server.h"
#include "gate-rpc-catalog.h"

G_BEGIN_DECLS

struct _GateHttpServer
{
  GObject               parent_instance;

  GateDbPool           *pool;
  GTlsCertificate      *tls_certificate;
  GateAuthLimiter      *auth_limiter;
  GateHttpServerConfig  config;
  GStrv                 cors_origins;
  SoupServer           *server;
  GateHttpListener     *listener;
  GateAuth             *auth;
  GateRpcCatalog       *catalog;
  GateMetrics          *metrics;
  SoupServer           *metrics_server;
  GateHttpListener     *metrics_listener;

  guint                 n_in_flight;
  gboolean              draining;
  GTask                *drain_task;
  guint                 drain_timeout_id;
};

void _gate_http_server_handle_early       (SoupServer        *server,
                                           SoupServerMessage *message,
                                           const char        *path,
                                           GHashTable        *query,
                                           gpointer           user_data);
void _gate_http_server_handle             (SoupServer        *server,
                                           SoupServerMessage *message,
                                           const char        *path,
                                           GHashTable        *query,
                                           gpointer           user_data);
void _gate_http_server_on_request_done    (SoupServer        *server,
                                           SoupServerMessage *message,
                                           GateHttpServer    *self);
void _gate_http_server_on_request_aborted (SoupServer        *server,
                                           SoupServerMessage *message,
                                           GateHttpServer    *self);
void _gate_http_server_drain_check        (GateHttpServer    *self);

G_END_DECLS
