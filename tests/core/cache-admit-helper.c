/* cache-admit-helper.c — admits one code in a cache file from its own process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: cache-admit-helper CACHE EVENT TOKEN DEVICE [--hold]
 * Prints the verdict and the client_scan_id; with --hold it then waits to be
 * killed, so a test can kill -9 it right after the verdict was shown.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gate-ticket-cache.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
  g_autoptr(GateOfflineDecision) decision = NULL;

  if (argc < 5)
    return 2;

  cache = gate_ticket_cache_new (argv[1], &error);
  if (cache == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }

  scan->client_scan_id = g_uuid_string_random ();
  scan->event_id = g_strdup (argv[2]);
  scan->qr_token = g_strdup (argv[3]);
  scan->device_id = g_strdup (argv[4]);
  scan->scanned_at_us = g_get_real_time ();
  scan->scan_method = g_strdup ("qr");

  decision = gate_ticket_cache_admit_offline (cache, scan, &error);
  if (decision == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }

  printf ("%s %s\n", gate_verdict_to_string (decision->verdict), decision->client_scan_id);
  fflush (stdout);

  if (argc > 5 && strcmp (argv[5], "--hold") == 0)
    for (;;)
      pause ();

  return 0;
}
