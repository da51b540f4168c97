/* cache-admit-helper.c — admits one code in a cache file from its own process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: cache-admit-helper CACHE EVENT TOKEN DEVICE [--hold]
 * Prints the verdict and the client_scan_id; with --hold it then waits to be
 * killed, so a test can kill -9 it right after the verdict was shown.
 *
 * Usage: cache-admit-helper --stream CACHE EVENT PREFIX FIRST COUNT
 * Admits COUNT codes PREFIX<FIRST> … (six digits) one after the other, printing each
 * verdict as soon as it is shown, then waits to be killed: a test kills it at
 * an arbitrary moment, usually in the middle of the next admit.
 *
 * Usage: cache-admit-helper --stdin CACHE EVENT DEVICE
 * Admits the codes read from stdin, one a line, as a gate does, printing
 * "VERDICT CLIENT_SCAN_ID CODE" as soon as each is shown; at the end of
 * its input it waits to be killed. The durability harness kills it at
 * random moments and compares what was shown with the queue.
 *
 * Usage: cache-admit-helper --fill CACHE
 * On a small filesystem: loads tickets, then admits them one by one until
 * the disk is full, and reports what the cache holds afterwards.
 *
 * Usage: cache-admit-helper --hold-open CACHE
 * Opens the cache, prints "open" and waits to be killed: another process
 * using the file meanwhile finds its -wal and -shm companions in place, as
 * next to a running kiosk.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gate-error.h"
#include "gate-ticket-cache.h"

#define FILL_EVENT "6f1c2c8e-0000-4000-8000-0000000000f1"

static int
fill (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (path, &error);
  g_autoptr(GateTicket) failed_ticket = NULL;
  guint loaded = 0;
  guint admitted = 0;
  gboolean pending = TRUE;
  int code = -1;

  if (cache == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }

  for (guint page_no = 0; page_no < 5; page_no++)
    {
      g_autoptr(GateTicketPage) page = gate_ticket_page_new ();

      for (guint i = 0; i < 20; i++)
        {
          GateTicket *ticket = gate_ticket_new ();
          guint n = page_no * 20 + i;

          ticket->id = g_strdup_printf ("00000000-0000-4000-8000-%012u", n);
          ticket->qr_token = g_strdup_printf ("GS1-FILL%06u", n);
          ticket->guest_name = g_strdup_printf ("Guest with a rather long name number %u", n);
          ticket->status = GATE_TICKET_STATUS_VALID;
          g_ptr_array_add (page->tickets, ticket);
        }
      if (!gate_ticket_cache_apply_page (cache, FILL_EVENT, page, NULL))
        break;
      loaded += 20;
    }

  for (guint n = 0; n < loaded; n++)
    {
      g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
      g_autoptr(GateScanDecision) decision = NULL;

      scan->client_scan_id = g_uuid_string_random ();
      scan->event_id = g_strdup (FILL_EVENT);
      scan->qr_token = g_strdup_printf ("GS1-FILL%06u", n);
      scan->device_id = g_strdup ("gate-full");
      scan->scanned_at_us = g_get_real_time ();
      scan->scan_method = g_strdup ("qr");
      decision = gate_ticket_cache_admit_offline (cache, scan, &error);
      if (decision == NULL)
        {
          code = error->domain == GATE_ERROR ? error->code : -1;
          failed_ticket = gate_ticket_cache_lookup (cache, scan->qr_token, &pending, NULL);
          break;
        }
      if (decision->verdict != GATE_VERDICT_ADMITTED)
        return 1;
      admitted++;
    }

  printf ("loaded=%u admitted=%u error=%d pending=%" G_GINT64_FORMAT " failed=%s,%s\n", loaded, admitted, code,
          gate_ticket_cache_pending_count (cache),
          failed_ticket ? gate_ticket_status_to_string (failed_ticket->status) : "gone",
          pending ? "pending" : "clean");
  return 0;
}

static int
hold_open (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (path, &error);

  if (cache == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }

  printf ("open\n");
  fflush (stdout);
  for (;;)
    pause ();
}

static int
stream (const char *path,
        const char *event_id,
        const char *prefix,
        guint       first,
        guint       count)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (path, &error);

  if (cache == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }

  for (guint n = first; n < first + count; n++)
    {
      g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
      g_autoptr(GateScanDecision) decision = NULL;

      scan->client_scan_id = g_uuid_string_random ();
      scan->event_id = g_strdup (event_id);
      scan->qr_token = g_strdup_printf ("%s%06u", prefix, n);
      scan->device_id = g_strdup ("gate-stream");
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
    }

  for (;;)
    pause ();
}

static int
scan_stdin (const char *path,
            const char *event_id,
            const char *device_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (path, &error);
  char code[600];

  if (cache == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }

  while (fgets (code, sizeof code, stdin) != NULL)
    {
      g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
      g_autoptr(GateScanDecision) decision = NULL;

      code[strcspn (code, "\n")] = '\0';
      scan->client_scan_id = g_uuid_string_random ();
      scan->event_id = g_strdup (event_id);
      scan->qr_token = g_strdup (code);
      scan->device_id = g_strdup (device_id);
      scan->scanned_at_us = g_get_real_time ();
      scan->scan_method = g_strdup ("qr");
      decision = gate_ticket_cache_admit_offline (cache, scan, &error);
      if (decision == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      printf ("%s %s %s\n", gate_verdict_to_string (decision->verdict), decision->client_scan_id, code);
      fflush (stdout);
    }

  for (;;)
    pause ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
  g_autoptr(GateScanDecision) decision = NULL;

  if (argc == 3 && strcmp (argv[1], "--fill") == 0)
    return fill (argv[2]);
  if (argc == 3 && strcmp (argv[1], "--hold-open") == 0)
    return hold_open (argv[2]);
  if (argc == 5 && strcmp (argv[1], "--stdin") == 0)
    return scan_stdin (argv[2], argv[3], argv[4]);
  if (argc == 7 && strcmp (argv[1], "--stream") == 0)
    return stream (argv[2], argv[3], argv[4], (guint) g_ascii_strtoull (argv[5], NULL, 10),
                   (guint) g_ascii_strtoull (argv[6], NULL, 10));

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
