/* gate-http-listener.h — accepting connections for a SoupServer, under attack
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  guint max_connections;    /* open at once; beyond them new ones get 503 */
  guint header_timeout_s;   /* from a connection's start, or a request's first byte, to its last header */
  guint idle_timeout_s;     /* a kept-alive connection without a request */
  guint request_timeout_s;  /* from the headers to the last byte of the answer */
} GateHttpLimits;

#define GATE_HTTP_DEFAULT_MAX_CONNECTIONS   1024
#define GATE_HTTP_DEFAULT_HEADER_TIMEOUT_S  10
#define GATE_HTTP_DEFAULT_IDLE_TIMEOUT_S    75
#define GATE_HTTP_DEFAULT_REQUEST_TIMEOUT_S 30

#define GATE_TYPE_HTTP_LISTENER (gate_http_listener_get_type ())
G_DECLARE_FINAL_TYPE (GateHttpListener, gate_http_listener, GATE, HTTP_LISTENER, GObject)

GateHttpListener *gate_http_listener_new             (SoupServer            *server,
                                                      GTlsCertificate       *tls_certificate,
                                                      const GateHttpLimits  *limits);
gboolean          gate_http_listener_listen          (GateHttpListener      *self,
                                                      GSocket               *socket,
                                                      GError               **error);
void              gate_http_listener_close           (GateHttpListener      *self);
guint             gate_http_listener_get_n_connections (GateHttpListener    *self);
guint64           gate_http_listener_get_n_refused   (GateHttpListener      *self);
void              gate_http_listener_set_deadline    (GateHttpListener      *self,
                                                      SoupServerMessage     *message,
                                                      guint                  seconds);
void              gate_http_listener_watch_hangup    (GateHttpListener      *self,
                                                      SoupServerMessage     *message,
                                                      GCancellable          *cancellable);
void              gate_http_listener_unwatch_hangup  (GateHttpListener      *self,
                                                      SoupServerMessage     *message);
void              gate_http_listener_answer_now      (GateHttpListener      *self,
                                                      SoupServerMessage     *message,
                                                      gsize                  drain_limit);

G_END_DECLS
