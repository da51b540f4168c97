/* gate-auth-limiter.h — failed authentication attempts per client address
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GATE_AUTH_LIMITER_DEFAULT_MAX_FAILURES 10
#define GATE_AUTH_LIMITER_DEFAULT_WINDOW_S     60
/* Addresses tracked at once; see gate-auth-limiter.c. */
#define GATE_AUTH_LIMITER_MAX_ADDRESSES        16384

#define GATE_TYPE_AUTH_LIMITER (gate_auth_limiter_get_type ())
G_DECLARE_FINAL_TYPE (GateAuthLimiter, gate_auth_limiter, GATE, AUTH_LIMITER, GObject)

GateAuthLimiter *gate_auth_limiter_new            (guint             max_failures,
                                                   guint             window_s);
gboolean         gate_auth_limiter_is_blocked     (GateAuthLimiter  *self,
                                                   const char       *address,
                                                   guint            *retry_after_s);
void             gate_auth_limiter_add_failure    (GateAuthLimiter  *self,
                                                   const char       *address);
guint            gate_auth_limiter_get_n_tracked  (GateAuthLimiter  *self);

G_END_DECLS
