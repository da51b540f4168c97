/* bench-sync.c — refresh and upload through gate-server, as a kiosk does them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DESIGN.md §8: full refresh of 100,000 tickets < 5 s with peak RSS < 150 MB;
 * delta refresh of 100 changed tickets < 100 ms; upload of 10,000 offline
 * scans < 5 s. Each step runs `gatectl` as its own process, so time and peak
 * RSS are the kiosk's own (process start included).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>

#include "gate-test-harness.h"
#include "gate-ticket-cache.h"

#define TICKETS 100000
#define CHANGES 100
#define UPLOADS 10000

typedef struct
{
  double seconds;
  long   max_rss_kb;
  int    status;
} Measure;

static Measure
run_gatectl (char **envp,
             const char *verb)
{
  Measure measure = { 0 };
  const char *gatectl = g_getenv ("GATECTL");
  struct rusage usage;
  gint64 started = g_get_monotonic_time ();
  pid_t pid = fork ();

  if (pid == 0)
    {
      int devnull = open ("/dev/null", O_WRONLY);

      dup2 (devnull, STDOUT_FILENO);
      execle (gatectl, gatectl, verb, (char *) NULL, envp);
      _exit (127);
    }

  wait4 (pid, &measure.status, 0, &usage);
  measure.seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  measure.max_rss_kb = usage.ru_maxrss;
  return measure;
}

static void
sql (GateTestPg *pg,
     const char *query)
{
  PGconn *conn = PQconnectdb (gate_test_pg_get_conninfo (pg));
  PGresult *result = PQexec (conn, query);

  if (PQresultStatus (result) != PGRES_COMMAND_OK && PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", query, PQresultErrorMessage (result));
  PQclear (result);
  PQfinish (conn);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestPg) pg = gate_test_pg_new (GATE_TEST_PG_DURABLE, &error);
  g_autoptr(GateTestServer) server = NULL;
  g_autofree char *event = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *dir = g_build_filename (g_get_current_dir (), "bench-sync-data", NULL);
  g_autofree char *cache_path = g_build_filename (dir, "kiosk.cache", NULL);
  g_auto(GStrv) tickets = NULL;
  g_auto(GStrv) envp = NULL;
  Measure full;
  Measure delta;
  Measure upload;
  gboolean ok = TRUE;

  if (pg == NULL || !gate_test_pg_migrate (pg, &error) ||
      !(event = gate_test_create_event (pg, "Sync benchmark", &error)) ||
      !(tickets = gate_test_generate_tickets (pg, event, TICKETS, "General", &error)) ||
      !gate_test_add_device (pg, "bench-kiosk", "gate", &device_id, &token, &error) ||
      !(server = gate_test_server_new (gate_test_pg_get_conninfo (pg), NULL, &error)))
    {
      fprintf (stderr, "bench-sync: %s\n", error->message);
      return 1;
    }

  g_mkdir_with_parents (dir, 0700);
  g_unlink (cache_path);
  envp = g_get_environ ();
  envp = g_environ_setenv (envp, "GATE_SERVER", gate_test_server_get_url (server), TRUE);
  envp = g_environ_setenv (envp, "GATE_TOKEN", token, TRUE);
  envp = g_environ_setenv (envp, "GATE_DEVICE_ID", device_id, TRUE);
  envp = g_environ_setenv (envp, "GATE_EVENT", event, TRUE);
  envp = g_environ_setenv (envp, "GATE_CACHE", cache_path, TRUE);

  full = run_gatectl (envp, "refresh");
  ok &= full.status == 0 && full.seconds < 5 && full.max_rss_kb < 150 * 1024;
  printf ("full refresh of %d tickets: %.2f s, peak RSS %.1f MB — %s (target < 5 s, < 150 MB)\n", TICKETS,
          full.seconds, full.max_rss_kb / 1024.0, full.status == 0 && full.seconds < 5 &&
          full.max_rss_kb < 150 * 1024 ? "PASS" : "FAIL");

  sql (pg, "UPDATE tickets SET guest_name = guest_name || ' (changed)' "
           "WHERE id IN (SELECT id FROM tickets ORDER BY id LIMIT 100)");
  delta = run_gatectl (envp, "refresh");
  ok &= delta.status == 0 && delta.seconds < 0.1;
  printf ("delta refresh of %d changed tickets: %.0f ms (whole gatectl process) — %s (target < 100 ms)\n", CHANGES,
          delta.seconds * 1000, delta.status == 0 && delta.seconds < 0.1 ? "PASS" : "FAIL");

  {
    g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (cache_path, &error);

    for (guint i = 0; cache != NULL && i < UPLOADS; i++)
      {
        g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
        g_autoptr(GateScanDecision) decision = NULL;

        scan->client_scan_id = g_uuid_string_random ();
        scan->event_id = g_strdup (event);
        scan->qr_token = g_strdup (tickets[i * 7 % TICKETS]);
        scan->device_id = g_strdup (device_id);
        scan->scanned_at_us = g_get_real_time ();
        scan->scan_method = g_strdup ("qr");
        decision = gate_ticket_cache_admit_offline (cache, scan, NULL);
      }
    if (cache == NULL || gate_ticket_cache_pending_count (cache) != UPLOADS)
      {
        fprintf (stderr, "bench-sync: could not queue %d scans\n", UPLOADS);
        return 1;
      }
  }

  upload = run_gatectl (envp, "sync");
  ok &= upload.status == 0 && upload.seconds < 5;
  printf ("upload of %d offline scans (plus the refresh after it): %.2f s — %s (target < 5 s)\n", UPLOADS,
          upload.seconds, upload.status == 0 && upload.seconds < 5 ? "PASS" : "FAIL");

  {
    g_autofree char *wal = g_strconcat (cache_path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (cache_path, "-shm", NULL);

    g_unlink (cache_path);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (dir);
  }
  return ok ? 0 : 1;
}
