/* gate-secret.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "gate-secret.h"

void
gate_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  /* memset before free is a dead store a compiler may drop. */
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

void
gate_secret_clear (char **secret)
{
  gate_secret_free (g_steal_pointer (secret));
}
