/* bench-rules.c — scan_ticket by the gate rules through gate-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Issue 13: with check-in lists, scan_ticket through gate-server stays at
 * ≥ 2,000 scans/s with p95 < 25 ms (2 cores, PostgreSQL with fsync on).
 * 32 gates, each assigned to a both-way list with re-entry (so every scan
 * resolves the device's list), let unique guests in, out and in again:
 * entries, exits and re-entries in equal measure, each checked against
 * the verdict it must get. Then 64 gates storm one ticket at that list,
 * first in, then after an exit: exactly one admitted each time. First of
 * all, the same rules decided offline from a cache (bench-rules-offline.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench-http.h"
#include "gate-test-harness.h"

#define CLIENTS          32
#define STORM_CLIENTS    64
#define DURATION_SECONDS 8
#define TICKETS          20000

gboolean bench_offline_rules (void);

typedef struct
{
  char *id;
  char *token;
} Device;

/* A gate device on @list through gatectl, as venue IT would add it. */
static Device
add_device (GateTestPg *pg,
            const char *name,
            const char *list)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = gate_test_gatectl (&error, "device", "add", "--db", gate_test_pg_get_conninfo (pg),
                                            "--name", name, "--role", "gate", "--list", list, NULL);
  Device device;

  g_assert_no_error (error);
  device.id = gate_test_json_member (out, 0, "device_id");
  device.token = gate_test_json_member (out, 0, "token");
  return device;
}

static char *
scan_body (const char *code,
           const char *event,
           const char *direction)
{
  g_autofree char *scan_id = g_uuid_string_random ();

  return g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_client_scan_id\":\"%s\","
                          "\"p_direction\":\"%s\"}", code, event, scan_id, direction);
}

/* --- in, out, in again: 32 gates ------------------------------------------------ */

typedef struct
{
  const char  *url;
  const char  *event;
  Device       device;
  char       **tickets;
  gint        *next_ticket;
  gint64       deadline;
  GArray      *latencies;   /* gint64 µs */
  guint        scans[3];    /* entries, exits, re-entries answered right */
  guint        failures;
} Worker;

static const struct
{
  const char *direction;
  const char *verdict;
} round_trip[] = {
  { "entry", "admitted" },
  { "exit", "exited" },
  { "entry", "admitted" },
};

static gpointer
work (gpointer user_data)
{
  Worker *worker = user_data;
  BenchConnection connection;
  g_autoptr(GString) body = g_string_new (NULL);

  if (!bench_connection_open (&connection, worker->url))
    {
      worker->failures++;
      return NULL;
    }

  while (g_get_monotonic_time () < worker->deadline)
    {
      gint index = g_atomic_int_add (worker->next_ticket, 1);

      if (index >= TICKETS)
        break;

      for (guint step = 0; step < G_N_ELEMENTS (round_trip); step++)
        {
          g_autofree char *json = scan_body (worker->tickets[index], worker->event, round_trip[step].direction);
          g_autofree char *verdict = NULL;
          gint64 started = g_get_monotonic_time ();
          guint status = bench_connection_post (&connection, worker->device.token, "scan_ticket", json, body);
          gint64 elapsed = g_get_monotonic_time () - started;

          verdict = status == 200 ? gate_test_json_member (body->str, 0, "verdict") : NULL;
          if (g_strcmp0 (verdict, round_trip[step].verdict) == 0)
            worker->scans[step]++;
          else
            worker->failures++;
          g_array_append_val (worker->latencies, elapsed);
        }
    }

  bench_connection_close (&connection);
  return NULL;
}

static gboolean
bench_round_trips (GateTestPg *pg,
                   const char *url,
                   const char *event,
                   const char *list)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tickets = gate_test_generate_tickets (pg, event, TICKETS, "Weekend", &error);
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  Worker workers[CLIENTS] = { 0 };
  GThread *threads[CLIENTS];
  guint scans[3] = { 0 };
  guint failures = 0;
  gint next_ticket = 0;
  gint64 started;
  double seconds;
  double rate;
  double p50, p95, p99;
  gboolean pass;

  g_assert_no_error (error);
  for (guint i = 0; i < CLIENTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("Festival gate %u", i);

      workers[i].device = add_device (pg, name, list);
    }

  started = g_get_monotonic_time ();
  for (guint i = 0; i < CLIENTS; i++)
    {
      workers[i].url = url;
      workers[i].event = event;
      workers[i].tickets = tickets;
      workers[i].next_ticket = &next_ticket;
      workers[i].deadline = started + DURATION_SECONDS * G_USEC_PER_SEC;
      workers[i].latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
      threads[i] = g_thread_new ("worker", work, &workers[i]);
    }
  for (guint i = 0; i < CLIENTS; i++)
    g_thread_join (threads[i]);
  seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

  for (guint i = 0; i < CLIENTS; i++)
    {
      g_array_append_vals (all, workers[i].latencies->data, workers[i].latencies->len);
      for (guint step = 0; step < 3; step++)
        scans[step] += workers[i].scans[step];
      failures += workers[i].failures;
      g_array_unref (workers[i].latencies);
      g_free (workers[i].device.id);
      g_free (workers[i].device.token);
    }
  g_array_sort (all, bench_compare_gint64);

  rate = all->len / seconds;
  p50 = bench_percentile_ms (all, 50);
  p95 = bench_percentile_ms (all, 95);
  p99 = bench_percentile_ms (all, 99);
  pass = rate >= 2000 && p95 < 25 && failures == 0;
  printf ("in, out, in again at a both-way re-entry list, %d gates: %u scans in %.1f s = %.0f scans/s; "
          "latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms; %u admitted, %u exited, %u re-admitted, %u wrong or "
          "failed — %s (target ≥ 2000/s, p95 < 25 ms)\n",
          CLIENTS, all->len, seconds, rate, p50, p95, p99, scans[0], scans[1], scans[2], failures,
          pass ? "PASS" : "FAIL");
  return pass;
}

/* --- one ticket, 64 gates --------------------------------------------------------- */

typedef struct
{
  const char *url;
  const char *token;
  char       *body;
  GMutex     *mutex;
  GCond      *cond;
  gboolean   *go;
  char       *verdict;
} Stormer;

static gpointer
storm (gpointer user_data)
{
  Stormer *stormer = user_data;
  BenchConnection connection;
  g_autoptr(GString) body = g_string_new (NULL);
  gboolean connected = bench_connection_open (&connection, stormer->url);

  g_mutex_lock (stormer->mutex);
  while (!*stormer->go)
    g_cond_wait (stormer->cond, stormer->mutex);
  g_mutex_unlock (stormer->mutex);

  if (connected && bench_connection_post (&connection, stormer->token, "scan_ticket", stormer->body, body) == 200)
    stormer->verdict = gate_test_json_member (body->str, 0, "verdict");
  else
    stormer->verdict = g_strdup ("error");

  if (connected)
    bench_connection_close (&connection);
  return NULL;
}

/* 64 gates let the ticket @code in at once; returns how many admitted. */
static guint
storm_one (const char *url,
           const char *event,
           Device     *devices,
           const char *code,
           guint      *already)
{
  Stormer stormers[STORM_CLIENTS] = { 0 };
  GThread *threads[STORM_CLIENTS];
  GMutex mutex;
  GCond cond;
  gboolean go = FALSE;
  guint admitted = 0;

  *already = 0;
  g_mutex_init (&mutex);
  g_cond_init (&cond);
  for (guint i = 0; i < STORM_CLIENTS; i++)
    {
      stormers[i] = (Stormer) { url, devices[i].token, scan_body (code, event, "entry"), &mutex, &cond, &go, NULL };
      threads[i] = g_thread_new ("stormer", storm, &stormers[i]);
    }

  g_mutex_lock (&mutex);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&mutex);

  for (guint i = 0; i < STORM_CLIENTS; i++)
    {
      g_thread_join (threads[i]);
      if (g_str_equal (stormers[i].verdict, "admitted"))
        admitted++;
      else if (g_str_equal (stormers[i].verdict, "already_scanned"))
        (*already)++;
      g_free (stormers[i].verdict);
      g_free (stormers[i].body);
    }
  g_mutex_clear (&mutex);
  g_cond_clear (&cond);
  return admitted;
}

static gboolean
bench_storms (GateTestPg *pg,
              const char *url,
              const char *event,
              const char *list)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ticket = gate_test_generate_tickets (pg, event, 1, "Storm", &error);
  Device devices[STORM_CLIENTS];
  guint first_already;
  guint again_already;
  guint first;
  guint again;
  gboolean exited;
  gboolean pass;

  g_assert_no_error (error);
  for (guint i = 0; i < STORM_CLIENTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("Storm gate %u", i);

      devices[i] = add_device (pg, name, list);
    }

  first = storm_one (url, event, devices, ticket[0], &first_already);
  {
    BenchConnection connection;
    g_autoptr(GString) body = g_string_new (NULL);
    g_autofree char *json = scan_body (ticket[0], event, "exit");
    g_autofree char *verdict = NULL;

    g_assert_true (bench_connection_open (&connection, url));
    if (bench_connection_post (&connection, devices[0].token, "scan_ticket", json, body) == 200)
      verdict = gate_test_json_member (body->str, 0, "verdict");
    bench_connection_close (&connection);
    exited = g_strcmp0 (verdict, "exited") == 0;
  }
  again = storm_one (url, event, devices, ticket[0], &again_already);

  pass = first == 1 && first_already == STORM_CLIENTS - 1 && exited && again == 1 &&
         again_already == STORM_CLIENTS - 1;
  printf ("one ticket, %d gates at a re-entry list: in %u admitted / %u already_scanned, out %s, in again %u "
          "admitted / %u already_scanned — %s (target 1 / 63 each time)\n",
          STORM_CLIENTS, first, first_already, exited ? "exited" : "FAILED", again, again_already,
          pass ? "PASS" : "FAIL");

  for (guint i = 0; i < STORM_CLIENTS; i++)
    {
      g_free (devices[i].id);
      g_free (devices[i].token);
    }
  return pass;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestPg) pg = NULL;
  g_autoptr(GateTestServer) server = NULL;
  /* e.g. GATE_BENCH_SERVER_ARGS="--pool 16", as for bench-gateway */
  const char *extra = g_getenv ("GATE_BENCH_SERVER_ARGS");
  g_auto(GStrv) extra_args = extra ? g_strsplit (extra, " ", -1) : NULL;
  g_autofree char *event = NULL;
  g_autofree char *list = NULL;
  gboolean ok = bench_offline_rules ();

  pg = gate_test_pg_new (GATE_TEST_PG_DURABLE, &error);
  if (pg == NULL || !gate_test_pg_migrate (pg, &error))
    {
      fprintf (stderr, "bench-rules: %s\n", error->message);
      return 1;
    }

  event = gate_test_create_event (pg, "Festival", &error);
  if (event != NULL)
    list = gate_test_gatectl (&error, "list", "create", "--db", gate_test_pg_get_conninfo (pg), "--event", event,
                              "--name", "Festival gate", "--direction", "both", "--reentry", NULL);
  if (list != NULL)
    server = gate_test_server_new (gate_test_pg_get_conninfo (pg), (const char * const *) extra_args, &error);
  if (server == NULL)
    {
      fprintf (stderr, "bench-rules: %s\n", error->message);
      return 1;
    }
  g_strstrip (list);

  ok &= bench_storms (pg, gate_test_server_get_url (server), event, list);
  ok &= bench_round_trips (pg, gate_test_server_get_url (server), event, list);
  return ok ? 0 : 1;
}
