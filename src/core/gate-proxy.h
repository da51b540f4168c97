/* gate-proxy.h — where the core's HTTP sessions find their proxy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

void gate_proxy_use_environment (void);
void gate_proxy_apply           (SoupSession *session);

G_END_DECLS
