/* gate-server.c — placeholder until the backend issue lands the server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

int
main (int   argc,
      char *argv[])
{
  fprintf (stderr, "gate-server: not built yet\n");
  return 2;
}
