/* gate-test-proxy.h — a fault-injecting HTTP proxy for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sits between a client and a real gate-server on 127.0.0.1 and misbehaves
 * on demand: drops connections, delays answers past a client's timeout,
 * loses the response after the server committed, resets the connection,
 * truncates bodies, answers 500/503 or garbage. It runs on its own thread so a test may block (for
 * example on a gatectl subprocess) while the proxy keeps serving.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  GATE_TEST_PROXY_PASS,           /* forward faithfully */
  GATE_TEST_PROXY_REFUSE,         /* close the connection without forwarding */
  GATE_TEST_PROXY_DELAY,          /* forward at once, answer after the delay */
  GATE_TEST_PROXY_LOSE_RESPONSE,  /* forward, then close without answering */
  GATE_TEST_PROXY_TRUNCATE,       /* forward, then send half the body and close */
  GATE_TEST_PROXY_STATUS_500,     /* answer 500 with a PostgREST body, no forward */
  GATE_TEST_PROXY_STATUS_503,     /* answer 503, no forward */
  GATE_TEST_PROXY_GARBAGE,        /* answer 200 with a non-JSON body, no forward */
  GATE_TEST_PROXY_HANG,           /* never answer, no forward */
  GATE_TEST_PROXY_RESET,          /* forward, then reset the connection (RST) */
} GateTestProxyMode;

typedef struct _GateTestProxy GateTestProxy;

GateTestProxy *gate_test_proxy_new            (const char        *upstream_url,
                                               GError           **error);
const char    *gate_test_proxy_get_url        (GateTestProxy     *proxy);
void           gate_test_proxy_set_mode       (GateTestProxy     *proxy,
                                               GateTestProxyMode  mode);
/* Behave as now for @requests more requests, then switch to @mode: "the
 * first page arrives, then the link dies". */
void           gate_test_proxy_switch_after   (GateTestProxy     *proxy,
                                               guint              requests,
                                               GateTestProxyMode  mode);
void           gate_test_proxy_set_delay      (GateTestProxy     *proxy,
                                               guint              delay_ms);
/* Requests that reached the proxy / that it forwarded to the server. */
guint          gate_test_proxy_get_received   (GateTestProxy     *proxy);
guint          gate_test_proxy_get_forwarded  (GateTestProxy     *proxy);
void           gate_test_proxy_free           (GateTestProxy     *proxy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateTestProxy, gate_test_proxy_free)

G_END_DECLS
