/* gatectl-admin-main.c — the admin verbs of gatectl, in a program of their own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `gatectl VERB …` runs this program for an admin verb, with the same
 * arguments (gatectl-admin-private.h says why).
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "gatectl-admin-private.h"

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");

  if (argc >= 2 && gatectl_admin_handles (argv[1]))
    return gatectl_admin_run (argc - 1, argv + 1);
  if (argc >= 2 && gatectl_rules_handles (argv[1]))
    return gatectl_rules_run (argc - 1, argv + 1);

  fprintf (stderr, "gatectl-admin: runs the admin verbs of gatectl; see gatectl --help\n");
  return GATECTL_EXIT_USAGE;
}
