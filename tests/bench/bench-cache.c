/* bench-cache.c — cache lookup at 1,000,000 tickets and durable offline admits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DESIGN.md §8: lookup p99 < 100 µs with 1,000,000 cached tickets; offline
 * admit including its durable commit p99 < 15 ms. The cache lives on the
 * real disk (the build tree), not on a tmpfs.
 */
#include "config.h"

#include <stdio.h>

#include <glib/gstdio.h>

#include "gate-ticket-cache.h"

#define EVENT    "6f1c2c8e-0000-4000-8000-0000000000b1"
#define TICKETS  1000000
#define PAGE     10000   /* big pages: building the cache is not what is measured */
#define LOOKUPS  200000
#define ADMITS   2000

static gint
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *sorted,
            double  p)
{
  return g_array_index (sorted, gint64, MIN ((guint) (p / 100.0 * sorted->len), sorted->len - 1));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GArray) lookups = g_array_sized_new (FALSE, FALSE, sizeof (gint64), LOOKUPS);
  g_autoptr(GArray) admits = g_array_sized_new (FALSE, FALSE, sizeof (gint64), ADMITS);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree char *dir = g_build_filename (g_get_current_dir (), "bench-cache-data", NULL);
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  gint64 started;
  double build_s;
  gboolean lookup_ok;
  gboolean admit_ok;

  g_mkdir_with_parents (dir, 0700);
  g_unlink (path);
  cache = gate_ticket_cache_new (path, &error);
  if (cache == NULL)
    {
      fprintf (stderr, "bench-cache: %s\n", error->message);
      return 1;
    }

  started = g_get_monotonic_time ();
  for (guint first = 0; first < TICKETS; first += PAGE)
    {
      g_autoptr(GateTicketPage) page = gate_ticket_page_new ();

      for (guint i = first; i < first + PAGE; i++)
        {
          GateTicket *ticket = gate_ticket_new ();

          ticket->id = g_strdup_printf ("00000000-0000-4000-8000-%012u", i);
          ticket->qr_token = g_strdup_printf ("GS1-BENCH%016u", i);
          ticket->ticket_type = g_strdup ("General");
          ticket->guest_name = g_strdup_printf ("Guest %u", i);
          ticket->status = GATE_TICKET_STATUS_VALID;
          g_ptr_array_add (page->tickets, ticket);
        }
      page->next_cursor = g_strdup_printf ("cursor-%u", first);
      if (!gate_ticket_cache_apply_page (cache, EVENT, page, &error))
        {
          fprintf (stderr, "bench-cache: %s\n", error->message);
          return 1;
        }
    }
  build_s = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

  for (guint i = 0; i < LOOKUPS; i++)
    {
      g_autofree char *token = g_strdup_printf ("GS1-BENCH%016u", g_rand_int_range (rand, 0, TICKETS));
      g_autoptr(GateTicket) ticket = NULL;
      gint64 t0 = g_get_monotonic_time ();
      gint64 elapsed;

      ticket = gate_ticket_cache_lookup (cache, token, NULL, NULL);
      elapsed = g_get_monotonic_time () - t0;
      if (ticket == NULL)
        {
          fprintf (stderr, "bench-cache: %s missing\n", token);
          return 1;
        }
      g_array_append_val (lookups, elapsed);
    }

  for (guint i = 0; i < ADMITS; i++)
    {
      g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
      g_autoptr(GateScanDecision) decision = NULL;
      gint64 t0;
      gint64 elapsed;

      scan->client_scan_id = g_uuid_string_random ();
      scan->event_id = g_strdup (EVENT);
      scan->qr_token = g_strdup_printf ("GS1-BENCH%016u", i * 397);
      scan->device_id = g_strdup ("bench-gate");
      scan->scanned_at_us = g_get_real_time ();
      scan->scan_method = g_strdup ("qr");

      t0 = g_get_monotonic_time ();
      decision = gate_ticket_cache_admit_offline (cache, scan, &error);
      elapsed = g_get_monotonic_time () - t0;
      if (decision == NULL || decision->verdict != GATE_VERDICT_ADMITTED)
        {
          fprintf (stderr, "bench-cache: admit failed: %s\n", error ? error->message : "not admitted");
          return 1;
        }
      g_array_append_val (admits, elapsed);
    }

  g_array_sort (lookups, compare_gint64);
  g_array_sort (admits, compare_gint64);
  lookup_ok = percentile (lookups, 99) < 100;
  admit_ok = percentile (admits, 99) < 15000;

  printf ("cache of %d tickets built in %.1f s (%d pages of %d)\n", TICKETS, build_s, TICKETS / PAGE, PAGE);
  printf ("lookup: p50 %.0f µs, p99 %.0f µs, max %.0f µs over %d lookups — %s (target p99 < 100 µs)\n",
          percentile (lookups, 50), percentile (lookups, 99), percentile (lookups, 100), LOOKUPS,
          lookup_ok ? "PASS" : "FAIL");
  printf ("offline admit incl. durable commit: p50 %.2f ms, p99 %.2f ms over %d admits — %s "
          "(target p99 < 15 ms)\n",
          percentile (admits, 50) / 1000.0, percentile (admits, 99) / 1000.0, ADMITS,
          admit_ok ? "PASS" : "FAIL");

  g_clear_object (&cache);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (dir);
  }
  return lookup_ok && admit_ok ? 0 : 1;
}
