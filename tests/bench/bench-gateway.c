/* bench-gateway.c — gate-server against PostgreSQL's own rate, in one run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DESIGN.md §8 (second wave): the same scan_ticket load, 32 clients on
 * unique tickets, first straight into PostgreSQL (pgbench, one statement a
 * scan), then through gate-server (HTTP, one request a scan), then
 * straight again. The gateway's rate over the mean of the two direct runs
 * must be at least 0.80, with p99 under 25 ms. Running the direct load
 * before and after the gateway's evens out a machine whose load changes
 * during the run (it is shared); the load average is printed beside the
 * figures.
 *
 * Both sides scan tickets of one event and one type made the same way,
 * GWD-<client>-<n> directly and GWH-<client>-<n> through gate-server, each
 * client its own series, so no scan ever meets another's ticket.
 *
 * pgbench logs every transaction (--log), so the direct runs' p95 and p99
 * are printed beside the gateway's: what the database alone answers in,
 * under the same load, bounds what any gateway can.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>

#include "bench-http.h"
#include "gate-test-harness.h"

#define CLIENTS           32
#define SECONDS           8
/* Each direct run scans half of a client's series: enough for 5,000
 * scans/s a run, twice what this machine did. */
#define TICKETS_A_CLIENT  2500
#define TARGET_RATIO      0.80
#define TARGET_P99_MS     25.0

/* CPU time (user + system) of process @pid so far, in µs; with
 * @children, also that of its children it has waited for. */
static gint64
process_cpu_us (const char *pid,
                gboolean    children)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || (after_name = strrchr (stat, ')')) == NULL)
    return 0;
  /* Fields after the name: state is the 3rd field, utime the 14th. */
  fields = g_strsplit (after_name + 2, " ", -1);
  if (g_strv_length (fields) < 15)
    return 0;
  return (g_ascii_strtoll (fields[11], NULL, 10) + g_ascii_strtoll (fields[12], NULL, 10) +
          (children ? g_ascii_strtoll (fields[13], NULL, 10) + g_ascii_strtoll (fields[14], NULL, 10) : 0)) *
         G_USEC_PER_SEC / sysconf (_SC_CLK_TCK);
}

/* The parent of process @pid. */
static char *
parent_of (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || (after_name = strrchr (stat, ')')) == NULL)
    return NULL;
  fields = g_strsplit (after_name + 2, " ", 3);
  return g_strv_length (fields) >= 2 ? g_strdup (fields[1]) : NULL;
}

/* All the CPU time the PostgreSQL cluster has used so far: the postmaster,
 * every process it runs now, and those it ran and reaped (pgbench's
 * backends, gone after each run). Both sides are measured the same way. */
static gint64
cluster_cpu_us (const char *postmaster)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  gint64 total = process_cpu_us (postmaster, TRUE);
  const char *name;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *parent = NULL;

      if (!g_ascii_isdigit (name[0]))
        continue;
      parent = parent_of (name);
      if (g_strcmp0 (parent, postmaster) == 0)
        total += process_cpu_us (name, FALSE);
    }
  return total;
}

static char *
postmaster_pid (GateTestPg *pg)
{
  PGconn *conn = PQconnectdb (gate_test_pg_get_conninfo (pg));
  PGresult *result = PQexec (conn, "SELECT pg_catalog.pg_read_file('postmaster.pid', 0, 20)");
  char *pid = NULL;

  if (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1)
    pid = g_strndup (PQgetvalue (result, 0, 0), strcspn (PQgetvalue (result, 0, 0), "\n"));
  PQclear (result);
  PQfinish (conn);
  return pid;
}

static void
print_load (const char *when)
{
  g_autofree char *loadavg = NULL;

  if (g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
    printf ("  load average %s: %s", when, loadavg);
}

static gboolean
make_tickets (GateTestPg  *pg,
              const char  *event,
              const char  *prefix,
              GError     **error)
{
  PGconn *conn = PQconnectdb (gate_test_pg_get_conninfo (pg));
  g_autofree char *clients = g_strdup_printf ("%d", CLIENTS - 1);
  g_autofree char *count = g_strdup_printf ("%d", TICKETS_A_CLIENT);
  const char *params[] = { event, prefix, clients, count };
  PGresult *result;
  gboolean ok;

  result = PQexecParams (conn,
                         "INSERT INTO public.tickets (event_id, qr_token, ticket_type, guest_name) "
                         "SELECT $1::uuid, $2 || '-' || c || '-' || n, 'Bench', 'Guest ' || n "
                         "FROM generate_series(0, $3::int) AS c, generate_series(1, $4::int) AS n",
                         4, NULL, params, NULL, NULL, 0);
  ok = PQresultStatus (result) == PGRES_COMMAND_OK;
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "making tickets: %s", PQerrorMessage (conn));
  PQclear (result);
  result = PQexec (conn, "VACUUM ANALYZE public.tickets");
  PQclear (result);
  PQfinish (conn);
  return ok;
}

/* --- straight into PostgreSQL --------------------------------------------------- */

typedef struct
{
  double rate;
  double latency_ms;
  double scans;
  double cluster_us;   /* PostgreSQL's CPU a scan */
  double p95;          /* from pgbench's log of every transaction */
  double p99;
} Direct;

/* pgbench --log writes a line a transaction, its latency in µs third; one
 * file a thread, named after @prefix. Reads and removes them. */
static void
read_latencies (const char *dir,
                const char *prefix,
                Direct     *direct)
{
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;

      if (!g_str_has_prefix (name, prefix))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (g_file_get_contents (path, &text, NULL, NULL))
        {
          lines = g_strsplit (text, "\n", -1);
          for (guint i = 0; lines[i] != NULL; i++)
            {
              g_auto(GStrv) fields = g_strsplit (lines[i], " ", 4);
              gint64 us;

              if (g_strv_length (fields) < 4)
                continue;
              us = g_ascii_strtoll (fields[2], NULL, 10);
              g_array_append_val (latencies, us);
            }
        }
      g_unlink (path);
    }

  g_array_sort (latencies, bench_compare_gint64);
  direct->p95 = latencies->len > 0 ? bench_percentile_ms (latencies, 95) : 0;
  direct->p99 = latencies->len > 0 ? bench_percentile_ms (latencies, 99) : 0;
}

static double
number_after (const char *text,
              const char *label)
{
  const char *at = strstr (text, label);

  return at ? g_ascii_strtod (at + strlen (label), NULL) : 0;
}

static gboolean
run_direct (GateTestPg  *pg,
            const char  *event,
            const char  *script,
            Direct      *direct,
            GError     **error)
{
  g_autofree char *port = g_strdup_printf ("%u", gate_test_pg_get_port (pg));
  g_autofree char *clients = g_strdup_printf ("%d", CLIENTS);
  g_autofree char *seconds = g_strdup_printf ("%d", SECONDS);
  g_autofree char *event_var = g_strdup_printf ("event='%s'", event);
  g_autofree char *dir = g_path_get_dirname (script);
  g_autofree char *log_prefix = g_build_filename (dir, "pgbench_log", NULL);
  g_autoptr(GSubprocess) pgbench = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  pgbench = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error,
                              "pgbench", "-n", "-h", "127.0.0.1", "-p", port, "-U", "postgres",
                              "-c", clients, "-j", "2", "-T", seconds, "-D", "k=0", "-D", event_var,
                              "-l", "--log-prefix", log_prefix, "-f", script, "postgres", NULL);
  if (pgbench == NULL || !g_subprocess_communicate_utf8 (pgbench, NULL, NULL, &out, &err, error))
    return FALSE;
  if (!g_subprocess_get_successful (pgbench))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "pgbench failed: %s", err);
      return FALSE;
    }

  direct->rate = number_after (out, "tps = ");
  direct->latency_ms = number_after (out, "latency average = ");
  direct->scans = number_after (out, "number of transactions actually processed: ");
  read_latencies (dir, "pgbench_log", direct);
  return direct->rate > 0;
}

/* --- through gate-server ----------------------------------------------------------- */

typedef struct
{
  const char *url;
  const char *event;
  char       *token;
  guint       client;
  gint64      deadline;
  GArray     *latencies;   /* gint64 µs */
  guint       admitted;
  guint       failures;
} Client;

static gpointer
scan_through_gateway (gpointer user_data)
{
  Client *client = user_data;
  BenchConnection connection;
  g_autoptr(GString) body = g_string_new (NULL);

  if (!bench_connection_open (&connection, client->url))
    {
      client->failures++;
      return NULL;
    }

  for (guint n = 1; n <= TICKETS_A_CLIENT && g_get_monotonic_time () < client->deadline; n++)
    {
      g_autofree char *scan_id = g_uuid_string_random ();
      g_autofree char *json = g_strdup_printf ("{\"p_qr_token\":\"GWH-%u-%u\",\"p_event_id\":\"%s\","
                                               "\"p_client_scan_id\":\"%s\"}",
                                               client->client, n, client->event, scan_id);
      gint64 started = g_get_monotonic_time ();
      guint status = bench_connection_post (&connection, client->token, "scan_ticket", json, body);
      gint64 elapsed = g_get_monotonic_time () - started;

      if (status == 200 && strstr (body->str, "\"verdict\":\"admitted\"") != NULL)
        client->admitted++;
      else
        client->failures++;
      g_array_append_val (client->latencies, elapsed);
    }

  bench_connection_close (&connection);
  return NULL;
}

typedef struct
{
  guint  scans;
  double rate;
  double p50;
  double p95;
  double p99;
  guint  failures;
} Gateway;

static void
run_gateway (const char *url,
             const char *event,
             char      **tokens,
             Gateway    *gateway)
{
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  Client clients[CLIENTS] = { 0 };
  GThread *threads[CLIENTS];
  gint64 started = g_get_monotonic_time ();
  double seconds;

  *gateway = (Gateway) { 0 };
  for (guint i = 0; i < CLIENTS; i++)
    {
      clients[i] = (Client) { url, event, tokens[i], i, started + SECONDS * G_USEC_PER_SEC,
                              g_array_new (FALSE, FALSE, sizeof (gint64)), 0, 0 };
      threads[i] = g_thread_new ("client", scan_through_gateway, &clients[i]);
    }
  for (guint i = 0; i < CLIENTS; i++)
    {
      g_thread_join (threads[i]);
      g_array_append_vals (all, clients[i].latencies->data, clients[i].latencies->len);
      gateway->failures += clients[i].failures;
      g_array_unref (clients[i].latencies);
    }
  seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

  g_array_sort (all, bench_compare_gint64);
  gateway->scans = all->len;
  gateway->rate = all->len / seconds;
  gateway->p50 = bench_percentile_ms (all, 50);
  gateway->p95 = bench_percentile_ms (all, 95);
  gateway->p99 = bench_percentile_ms (all, 99);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestPg) pg = NULL;
  g_autoptr(GateTestServer) server = NULL;
  g_autofree char *event = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *script = NULL;
  char *tokens[CLIENTS] = { NULL };
  const char *extra = g_getenv ("GATE_BENCH_SERVER_ARGS");
  g_auto(GStrv) extra_args = extra ? g_strsplit (extra, " ", -1) : NULL;
  g_autofree char *postmaster = NULL;
  Direct before = { 0 };
  Direct after = { 0 };
  Gateway gateway;
  gint64 server_before, server_after, cluster_before, cluster_after;
  double direct_rate;
  double ratio;
  gboolean pass;

  if (g_find_program_in_path ("pgbench") == NULL)
    {
      fprintf (stderr, "bench-gateway: pgbench is not installed (postgresql-client-15)\n");
      return 1;
    }

  pg = gate_test_pg_new (GATE_TEST_PG_DURABLE, &error);
  if (pg == NULL || !gate_test_pg_migrate (pg, &error) ||
      (event = gate_test_create_event (pg, "Gateway benchmark", &error)) == NULL ||
      !make_tickets (pg, event, "GWD", &error) || !make_tickets (pg, event, "GWH", &error))
    goto failed;

  for (guint i = 0; i < CLIENTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("gateway-%u", i);
      g_autofree char *device_id = NULL;

      if (!gate_test_add_device (pg, name, "gate", &device_id, &tokens[i], &error))
        goto failed;
    }

  /* One statement a scan, as a client library would send it. */
  dir = g_dir_make_tmp ("bench-gateway-XXXXXX", &error);
  if (dir == NULL)
    goto failed;
  script = g_build_filename (dir, "scan.sql", NULL);
  if (!g_file_set_contents (script,
                            "\\set k :k + 1\n"
                            "SELECT verdict FROM public.scan_ticket('GWD-' || :client_id || '-' || :k, :event, "
                            "'gateway-direct-' || :client_id, gen_random_uuid());\n",
                            -1, &error))
    goto failed;

  server = gate_test_server_new (gate_test_pg_get_conninfo (pg), (const char * const *) extra_args, &error);
  if (server == NULL)
    goto failed;

  printf ("scan_ticket, %d clients, unique tickets, %d s a phase, PostgreSQL with fsync on\n", CLIENTS, SECONDS);
  print_load ("before");
  postmaster = postmaster_pid (pg);
  if (postmaster == NULL)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read the postmaster's pid");
      goto failed;
    }

  cluster_before = cluster_cpu_us (postmaster);
  if (!run_direct (pg, event, script, &before, &error))
    goto failed;
  cluster_after = cluster_cpu_us (postmaster);
  before.cluster_us = (cluster_after - cluster_before) / MAX (before.scans, 1);
  printf ("  direct (pgbench):        %.0f scans/s, latency average %.2f ms, p95 %.2f ms, p99 %.2f ms; "
          "PostgreSQL CPU %.0f µs a scan\n", before.rate, before.latency_ms, before.p95, before.p99, before.cluster_us);

  server_before = process_cpu_us (g_subprocess_get_identifier (gate_test_server_get_process (server)), FALSE);
  cluster_before = cluster_cpu_us (postmaster);
  run_gateway (gate_test_server_get_url (server), event, tokens, &gateway);
  cluster_after = cluster_cpu_us (postmaster);
  server_after = process_cpu_us (g_subprocess_get_identifier (gate_test_server_get_process (server)), FALSE);
  printf ("  through gate-server:     %.0f scans/s, latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, %u errors; "
          "PostgreSQL CPU %.0f µs a scan, gate-server CPU %.0f µs a scan\n",
          gateway.rate, gateway.p50, gateway.p95, gateway.p99, gateway.failures,
          (cluster_after - cluster_before) / (double) MAX (gateway.scans, 1),
          (server_after - server_before) / (double) MAX (gateway.scans, 1));

  /* The second direct run scans the next tickets of each client's series. */
  if (!g_file_set_contents (script,
                            "\\set k :k + 1\n"
                            "SELECT verdict FROM public.scan_ticket('GWD-' || :client_id || '-' || (:k + 1250), "
                            ":event, 'gateway-direct-' || :client_id, gen_random_uuid());\n",
                            -1, &error))
    goto failed;
  cluster_before = cluster_cpu_us (postmaster);
  if (!run_direct (pg, event, script, &after, &error))
    goto failed;
  cluster_after = cluster_cpu_us (postmaster);
  after.cluster_us = (cluster_after - cluster_before) / MAX (after.scans, 1);
  printf ("  direct again (pgbench):  %.0f scans/s, latency average %.2f ms, p95 %.2f ms, p99 %.2f ms; "
          "PostgreSQL CPU %.0f µs a scan\n", after.rate, after.latency_ms, after.p95, after.p99, after.cluster_us);
  print_load ("after");

  direct_rate = (before.rate + after.rate) / 2;
  ratio = gateway.rate / direct_rate;
  pass = ratio >= TARGET_RATIO && gateway.p99 < TARGET_P99_MS && gateway.failures == 0;
  printf ("gateway %.0f scans/s ÷ direct %.0f scans/s = %.2f; p99 %.2f ms (direct: %.2f and %.2f ms) — %s "
          "(target ≥ %.2f, p99 < %.0f ms, no error)\n",
          gateway.rate, direct_rate, ratio, gateway.p99, before.p99, after.p99, pass ? "PASS" : "FAIL", TARGET_RATIO,
          TARGET_P99_MS);

  for (guint i = 0; i < CLIENTS; i++)
    g_free (tokens[i]);
  if (script != NULL)
    g_unlink (script);
  if (dir != NULL)
    g_rmdir (dir);
  return pass ? 0 : 1;

failed:
  fprintf (stderr, "bench-gateway: %s\n", error ? error->message : "failed");
  for (guint i = 0; i < CLIENTS; i++)
    g_free (tokens[i]);
  return 1;
}
