/* bench-server-scan.c — scan_ticket through gate-server under load
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DESIGN.md §8: 32 clients scanning unique tickets (≥ 2,000 scans/s, p95 <
 * 25 ms on 2 cores) and 64 clients storming one ticket (exactly 1 admitted,
 * 63 already_scanned, no error, no busy). PostgreSQL runs with fsync on.
 *
 * Then the same 32 clients while a hundred more, all with one leaked gate
 * token, scan a ticket whose row another session holds locked (issue 11):
 * the gates must keep being answered, every scan well under a second.
 *
 * The clients speak minimal HTTP/1.1 over one keep-alive socket each, so
 * the figures measure the server rather than a client library.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "bench-http.h"
#include "gate-test-harness.h"

#define CLIENTS          32
#define STORM_CLIENTS    64
#define FLOOD_CLIENTS    100
#define DURATION_SECONDS 8
#define TICKETS          40000

static char *
verdict_of (const char *json)
{
  return gate_test_json_member (json, 0, "verdict");
}

/* --- unique tickets, 32 clients --------------------------------------------- */

typedef struct
{
  const char  *url;
  const char  *event;
  const char  *device_id;
  const char  *token;
  char       **tickets;
  gint        *next_ticket;
  gint64       deadline;
  GArray      *latencies;   /* gint64 µs */
  guint        admitted;
  guint        failures;
} Worker;

static gpointer
work (gpointer user_data)
{
  Worker *worker = user_data;
  Connection connection;
  g_autoptr(GString) body = g_string_new (NULL);

  if (!bench_connection_open (&connection, worker->url))
    {
      worker->failures++;
      return NULL;
    }

  while (g_get_monotonic_time () < worker->deadline)
    {
      gint index = g_atomic_int_add (worker->next_ticket, 1);
      g_autofree char *scan_id = NULL;
      g_autofree char *json = NULL;
      g_autofree char *verdict = NULL;
      gint64 started;
      gint64 elapsed;
      guint status;

      if (index >= TICKETS)
        break;

      scan_id = g_uuid_string_random ();
      json = g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_device_id\":\"%s\","
                              "\"p_client_scan_id\":\"%s\"}",
                              worker->tickets[index], worker->event, worker->device_id, scan_id);
      started = g_get_monotonic_time ();
      status = bench_connection_post (&connection, worker->token, "scan_ticket", json, body);
      elapsed = g_get_monotonic_time () - started;

      verdict = status == 200 ? verdict_of (body->str) : NULL;
      if (g_strcmp0 (verdict, "admitted") == 0)
        worker->admitted++;
      else
        worker->failures++;
      g_array_append_val (worker->latencies, elapsed);
    }

  bench_connection_close (&connection);
  return NULL;
}

typedef struct
{
  guint   scans;
  double  seconds;
  double  rate;
  double  p50;
  double  p95;
  double  p99;
  guint   admitted;
  guint   failures;
} Figures;

/* CLIENTS devices scan unique tickets for DURATION_SECONDS. */
static void
run_unique (GateTestPg *pg,
            const char *url,
            const char *event,
            const char *label,
            Figures    *figures)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, TICKETS, "Bench", &error);
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  Worker workers[CLIENTS] = { 0 };
  GThread *threads[CLIENTS];
  char *device_ids[CLIENTS];
  char *tokens[CLIENTS];
  gint next_ticket = 0;
  gint64 started;

  g_assert_no_error (error);
  *figures = (Figures) { 0 };

  for (guint i = 0; i < CLIENTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%u", label, i);

      g_assert_true (gate_test_add_device (pg, name, "gate", &device_ids[i], &tokens[i], &error));
    }

  started = g_get_monotonic_time ();
  for (guint i = 0; i < CLIENTS; i++)
    {
      workers[i].url = url;
      workers[i].event = event;
      workers[i].device_id = device_ids[i];
      workers[i].token = tokens[i];
      workers[i].tickets = tickets;
      workers[i].next_ticket = &next_ticket;
      workers[i].deadline = started + DURATION_SECONDS * G_USEC_PER_SEC;
      workers[i].latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
      threads[i] = g_thread_new ("worker", work, &workers[i]);
    }
  for (guint i = 0; i < CLIENTS; i++)
    g_thread_join (threads[i]);
  figures->seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

  for (guint i = 0; i < CLIENTS; i++)
    {
      g_array_append_vals (all, workers[i].latencies->data, workers[i].latencies->len);
      figures->admitted += workers[i].admitted;
      figures->failures += workers[i].failures;
      g_array_unref (workers[i].latencies);
      g_free (device_ids[i]);
      g_free (tokens[i]);
    }
  g_array_sort (all, bench_compare_gint64);

  figures->scans = all->len;
  figures->rate = all->len / figures->seconds;
  figures->p50 = bench_percentile_ms (all, 50);
  figures->p95 = bench_percentile_ms (all, 95);
  figures->p99 = bench_percentile_ms (all, 99);
}

static gboolean
bench_unique (GateTestPg *pg,
              const char *url,
              const char *event)
{
  Figures f;
  gboolean pass;

  run_unique (pg, url, event, "bench", &f);
  pass = f.rate >= 2000 && f.p95 < 25 && f.failures == 0;
  printf ("unique tickets, %d clients: %u scans in %.1f s = %.0f scans/s; "
          "latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms; %u admitted, %u errors — %s "
          "(target ≥ 2000/s, p95 < 25 ms)\n",
          CLIENTS, f.scans, f.seconds, f.rate, f.p50, f.p95, f.p99, f.admitted, f.failures,
          pass ? "PASS" : "FAIL");
  return pass;
}

/* --- the same, beside a flood on a locked ticket ------------------------------- */

typedef struct
{
  const char *url;
  const char *token;
  const char *body;
  gint       *stop;
  guint       answers;
} Flooder;

static gpointer
flood (gpointer user_data)
{
  Flooder *flooder = user_data;
  g_autoptr(GString) body = g_string_new (NULL);

  while (!g_atomic_int_get (flooder->stop))
    {
      Connection connection;

      /* A 503 closes the connection: open another and go on. */
      if (!bench_connection_open (&connection, flooder->url))
        continue;
      while (!g_atomic_int_get (flooder->stop) &&
             bench_connection_post (&connection, flooder->token, "scan_ticket", flooder->body, body) != 0)
        flooder->answers++;
      bench_connection_close (&connection);
    }
  return NULL;
}

static gboolean
bench_flood (GateTestPg *pg,
             const char *url,
             const char *event)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) locked = gate_test_generate_tickets (pg, event, 1, "Locked", &error);
  g_autofree char *psql = g_find_program_in_path ("psql");
  g_autofree char *lock = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GSubprocess) holder = NULL;
  Flooder flooders[FLOOD_CLIENTS] = { 0 };
  GThread *threads[FLOOD_CLIENTS];
  char *bodies[FLOOD_CLIENTS];
  guint flood_answers = 0;
  gint stop = FALSE;
  Figures f;
  gboolean pass;

  if (psql == NULL)
    {
      printf ("beside a flood: skipped (no psql to hold a row lock)\n");
      return TRUE;
    }

  g_assert_true (gate_test_add_device (pg, "leaked", "gate", &device_id, &token, &error));
  /* Another session holds the ticket's row for the whole run. */
  lock = g_strdup_printf ("BEGIN; SELECT 1 FROM tickets WHERE qr_token = '%s' FOR UPDATE; SELECT pg_sleep(60);",
                          locked[0]);
  holder = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                             psql, "-q", "-d", gate_test_pg_get_conninfo (pg), "-c", lock, NULL);
  g_assert_no_error (error);

  for (guint i = 0; i < FLOOD_CLIENTS; i++)
    {
      g_autofree char *scan_id = g_uuid_string_random ();

      bodies[i] = g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_device_id\":\"%s\","
                                   "\"p_client_scan_id\":\"%s\"}", locked[0], event, device_id, scan_id);
      flooders[i] = (Flooder) { url, token, bodies[i], &stop, 0 };
      threads[i] = g_thread_new ("flood", flood, &flooders[i]);
    }

  run_unique (pg, url, event, "beside", &f);

  g_atomic_int_set (&stop, TRUE);
  g_subprocess_force_exit (holder);
  g_subprocess_wait (holder, NULL, NULL);
  for (guint i = 0; i < FLOOD_CLIENTS; i++)
    {
      g_thread_join (threads[i]);
      flood_answers += flooders[i].answers;
      g_free (bodies[i]);
    }

  pass = f.failures == 0 && f.p99 < 1000;
  printf ("unique tickets, %d clients, beside %d clients of one token on a locked ticket: %u scans in %.1f s = "
          "%.0f scans/s; latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms; %u errors; the flood got %u answers — %s "
          "(target: no error, p99 < 1 s)\n",
          CLIENTS, FLOOD_CLIENTS, f.scans, f.seconds, f.rate, f.p50, f.p95, f.p99, f.failures, flood_answers,
          pass ? "PASS" : "FAIL");
  return pass;
}

/* --- one ticket, 64 clients ---------------------------------------------------- */

typedef struct
{
  const char *url;
  const char *body;
  const char *token;
  GMutex     *mutex;
  GCond      *cond;
  gboolean   *go;
  char       *verdict;
} Stormer;

static gpointer
storm (gpointer user_data)
{
  Stormer *stormer = user_data;
  Connection connection;
  g_autoptr(GString) body = g_string_new (NULL);
  gboolean connected = bench_connection_open (&connection, stormer->url);

  g_mutex_lock (stormer->mutex);
  while (!*stormer->go)
    g_cond_wait (stormer->cond, stormer->mutex);
  g_mutex_unlock (stormer->mutex);

  if (connected && bench_connection_post (&connection, stormer->token, "scan_ticket", stormer->body, body) == 200)
    stormer->verdict = verdict_of (body->str);
  else
    stormer->verdict = g_strdup ("error");

  if (connected)
    bench_connection_close (&connection);
  return NULL;
}

static gboolean
bench_storm (GateTestPg *pg,
             const char *url,
             const char *event)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ticket = gate_test_generate_tickets (pg, event, 1, "Storm", &error);
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Stormer stormers[STORM_CLIENTS] = { 0 };
  GThread *threads[STORM_CLIENTS];
  char *bodies[STORM_CLIENTS];
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  GMutex mutex;
  GCond cond;
  gboolean go = FALSE;
  gint64 started;
  guint admitted;
  guint already;
  gboolean pass;

  g_assert_true (gate_test_add_device (pg, "storm", "gate", &device_id, &token, &error));
  g_mutex_init (&mutex);
  g_cond_init (&cond);

  for (guint i = 0; i < STORM_CLIENTS; i++)
    {
      g_autofree char *scan_id = g_uuid_string_random ();

      bodies[i] = g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_device_id\":\"%s\","
                                   "\"p_client_scan_id\":\"%s\"}", ticket[0], event, device_id, scan_id);
      stormers[i].url = url;
      stormers[i].body = bodies[i];
      stormers[i].token = token;
      stormers[i].mutex = &mutex;
      stormers[i].cond = &cond;
      stormers[i].go = &go;
      threads[i] = g_thread_new ("stormer", storm, &stormers[i]);
    }

  started = g_get_monotonic_time ();
  g_mutex_lock (&mutex);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&mutex);

  for (guint i = 0; i < STORM_CLIENTS; i++)
    {
      guint count;

      g_thread_join (threads[i]);
      count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, stormers[i].verdict));
      g_hash_table_replace (counts, stormers[i].verdict, GUINT_TO_POINTER (count + 1));
      g_free (bodies[i]);
    }

  admitted = GPOINTER_TO_UINT (g_hash_table_lookup (counts, "admitted"));
  already = GPOINTER_TO_UINT (g_hash_table_lookup (counts, "already_scanned"));
  pass = admitted == 1 && already == STORM_CLIENTS - 1;

  printf ("one ticket, %d clients: %u admitted, %u already_scanned, %u other, all answered in %.1f ms — %s "
          "(target exactly 1 / 63 / 0)\n",
          STORM_CLIENTS, admitted, already, STORM_CLIENTS - admitted - already,
          (g_get_monotonic_time () - started) / 1000.0, pass ? "PASS" : "FAIL");

  g_mutex_clear (&mutex);
  g_cond_clear (&cond);
  return pass;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestPg) pg = NULL;
  g_autoptr(GateTestServer) server = NULL;
  g_autofree char *event = NULL;
  gboolean ok = TRUE;

  pg = gate_test_pg_new (GATE_TEST_PG_DURABLE, &error);
  if (pg == NULL || !gate_test_pg_migrate (pg, &error))
    {
      fprintf (stderr, "bench-server-scan: %s\n", error->message);
      return 1;
    }

  event = gate_test_create_event (pg, "Benchmark", &error);
  server = gate_test_server_new (gate_test_pg_get_conninfo (pg), NULL, &error);
  if (event == NULL || server == NULL)
    {
      fprintf (stderr, "bench-server-scan: %s\n", error->message);
      return 1;
    }

  ok &= bench_storm (pg, gate_test_server_get_url (server), event);
  ok &= bench_unique (pg, gate_test_server_get_url (server), event);
  ok &= bench_flood (pg, gate_test_server_get_url (server), event);
  return ok ? 0 : 1;
}
