/* gatectl.c — admin verbs and headless client for Gate Scanner
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The client verbs run here; an admin verb runs gatectl-admin in this
 * process's place (gatectl-admin-private.h says why).
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gate-proxy.h"
#include "gatectl-private.h"

/* The verbs of gatectl-admin. */
static const char * const admin_verbs[] = { "migrate", "event", "tickets", "ticket", "device", "list", "operator" };

/* gatectl-admin beside this program (a build tree, or both in one
 * directory), else where it is installed. */
static char *
admin_program (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self != NULL ? g_path_get_dirname (self) : NULL;
  g_autofree char *beside = dir != NULL ? g_build_filename (dir, "gatectl-admin", NULL) : NULL;

  if (beside != NULL && g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&beside);
  return g_strdup (GATECTL_ADMIN_PATH);
}

static int
run_admin (char *argv[])
{
  g_autofree char *program = admin_program ();

  argv[0] = program;
  execv (program, argv);
  fprintf (stderr, "gatectl: cannot run %s: %s\n", program, g_strerror (errno));
  return GATECTL_EXIT_FAILED;
}

static void
print_usage (FILE *stream)
{
  fprintf (stream,
           "Usage: gatectl VERB [OPTIONS…]\n"
           "\n"
           "Admin verbs (need --db CONNINFO):\n"
           "  migrate                          apply pending schema migrations\n"
           "  event create --name N            create an event, print its id\n"
           "  tickets generate --event ID --count N [--type T]\n"
           "                                   create tickets, print one token a line\n"
           "  ticket void CODE | ticket unvoid CODE\n"
           "                                   refund or cancel a ticket, or undo it (kiosks\n"
           "                                   learn it with their next refresh)\n"
           "  device add --name N --role gate|supervisor\n"
           "                                   register a device, print its id and token\n"
           "  device add --name N --role R [--event ID] [--list ID] --server URL --setup-code\n"
           "             [--setup-ttl SECONDS] [--qr FILE.png]\n"
           "                                   register a device, print a single-use setup code\n"
           "                                   (and its QR) that the kiosk trades for its token\n"
           "  device revoke ID                 revoke a device's token\n"
           "  device add … [--event ID]… [--list ID] | device assign ID [--event ID]… [--list ID] [--clear]\n"
           "                                   keep a device to events and a check-in list\n"
           "  list create --event ID --name N [--types A,B] [--direction entry|exit|both] [--reentry]\n"
           "                                   create a check-in list (a door's rules), print its id\n"
           "  operator add --name N (--pin P | --pin-stdin) | operator remove ID\n"
           "                                   gate staff who sign in at kiosks\n"
           "\n"
           "Client verbs (run the offline engine like a kiosk):\n"
           "  scan CODE [--offline]            decide a code, online first\n"
           "  refresh [--full]                 download ticket changes\n"
           "  sync [--full]                    upload pending scans, then refresh\n"
           "  status                           what the cache holds\n"
           "  conflicts                        conflicts this device took part in\n"
           "  stats [--all-events]             entries, exits, inside per list and gate (supervisor)\n"
           "  scan takes --direction entry|exit; --list ID (GATE_LIST) picks the check-in list\n"
           "  enroll --server URL --code CODE | --uri GATESETUP:… [--token-file F]\n"
           "                                   trade a setup code for this device's token\n"
           "  with --server URL --token T (or --token-file F) --device-id D --event ID [--cache FILE] [--json],\n"
           "  or GATE_SERVER, GATE_TOKEN, GATE_TOKEN_FILE, GATE_DEVICE_ID, GATE_EVENT, GATE_CACHE;\n"
           "  the cache is $XDG_DATA_HOME/gate-scanner/tickets.cache unless given\n"
           "\n"
           "Run \"gatectl VERB --help\" for the options of a verb.\n");
}

int
main (int   argc,
      char *argv[])
{
  const char *verb;

  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      print_usage (stderr);
      return GATECTL_EXIT_USAGE;
    }

  verb = argv[1];
  /* A command line tool follows http_proxy and the like, not the desktop's
   * settings (and loads no proxy module to find them). */
  gate_proxy_use_environment ();

  if (strcmp (verb, "--help") == 0 || strcmp (verb, "-h") == 0 || strcmp (verb, "help") == 0)
    {
      print_usage (stdout);
      return GATECTL_EXIT_OK;
    }

  if (strcmp (verb, "--version") == 0)
    {
      printf ("gatectl %s\n", PACKAGE_VERSION);
      return GATECTL_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (admin_verbs); i++)
    if (strcmp (verb, admin_verbs[i]) == 0)
      return run_admin (argv);

  if (strcmp (verb, "enroll") == 0)
    return gatectl_enroll_run (argc - 1, argv + 1);

  if (gatectl_client_handles (verb))
    return gatectl_client_run (argc - 1, argv + 1);

  fprintf (stderr, "gatectl: unknown verb “%s”\n\n", verb);
  print_usage (stderr);
  return GATECTL_EXIT_USAGE;
}
