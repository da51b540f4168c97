/* gatectl-admin.c — admin verbs talking to PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Placeholder until the backend issue lands the real verbs.
 */
#include "config.h"

#include <stdio.h>

#include "gatectl-private.h"

gboolean
gatectl_admin_handles (const char *verb)
{
  return FALSE;
}

int
gatectl_admin_run (int    argc,
                   char **argv)
{
  return GATECTL_EXIT_USAGE;
}
