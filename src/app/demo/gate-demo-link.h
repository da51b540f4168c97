/* gate-demo-link.h — a TCP link to the demo server that the demo can cut
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GATE_TYPE_DEMO_LINK (gate_demo_link_get_type ())
G_DECLARE_FINAL_TYPE (GateDemoLink, gate_demo_link, GATE, DEMO_LINK, GObject)

/* Listens on 127.0.0.1 and forwards every connection to @upstream_host:
 * @upstream_port. */
GateDemoLink *gate_demo_link_new      (const char    *upstream_host,
                                       guint16        upstream_port,
                                       GError       **error);
guint16       gate_demo_link_get_port (GateDemoLink  *self);
/* While cut, open connections are closed and new ones refused at once,
 * as when the venue's Wi-Fi drops. */
void          gate_demo_link_set_cut  (GateDemoLink  *self,
                                       gboolean       cut);

G_END_DECLS
