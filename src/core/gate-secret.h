/* gate-secret.h — the one way a credential leaves memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Overwrites @secret (a device token, an API key, a token file's contents)
 * with zeros that the compiler may not optimise away, then frees it. */
void gate_secret_free  (char  *secret);
/* gate_secret_free (*secret), and *secret = NULL. */
void gate_secret_clear (char **secret);

G_END_DECLS
