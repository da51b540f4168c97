/* gatectl-private.h — what gatectl's two programs share: exit codes, and the
 * client verbs of `gatectl` itself
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit codes of DESIGN.md §7. */
enum
{
  GATECTL_EXIT_OK          = 0,
  GATECTL_EXIT_FAILED      = 1,
  GATECTL_EXIT_USAGE       = 2,
  GATECTL_EXIT_UNREACHABLE = 3,
};

/* Client verbs (run the core like a kiosk): refresh, scan, sync, status,
 * conflicts. */
gboolean gatectl_client_handles (const char *verb);
int      gatectl_client_run     (int    argc,
                                 char **argv);

/* `enroll` (gatectl-enroll.c): trade a setup code for this device's token. */
int      gatectl_enroll_run     (int    argc,
                                 char **argv);

G_END_DECLS
