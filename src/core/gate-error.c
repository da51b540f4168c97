/* gate-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-error.h"

G_DEFINE_QUARK (gate-error-quark, gate_error)

/**
 * gate_error_is_connectivity:
 * @error: (nullable): an error
 *
 * Whether @error means "the server cannot be used right now", so that the
 * caller should fall back to offline operation and retry later.
 */
gboolean
gate_error_is_connectivity (const GError *error)
{
  if (error == NULL || error->domain != GATE_ERROR)
    return FALSE;

  return error->code == GATE_ERROR_NETWORK ||
         error->code == GATE_ERROR_TIMEOUT ||
         error->code == GATE_ERROR_UNAVAILABLE;
}
