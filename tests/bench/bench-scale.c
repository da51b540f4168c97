/* bench-scale.c — a kiosk for a million-ticket event (issue 16)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two events, of 100,000 and 1,000,000 tickets, made in a throwaway
 * PostgreSQL with generate_series; one gate-server in front of it; `gatectl
 * refresh` as the kiosk, each run its own process (start-up included, as a
 * kiosk's timer would not have it, so the figures are an upper bound). For
 * each size: full refresh (best of 2) and its peak RSS, delta refresh of 100 changed
 * tickets (best of 3), a refresh with nothing changed (best of 3), the cache
 * file and its bytes a ticket, lookup p99 and a status read on the built
 * cache; then where the time goes: the server's functions timed through
 * libpq, the cache's status and purge in this process. Printed side by side
 * with the ratio of the large to the small.
 *
 * GATE_BENCH_SCALE_SIZES=10000,100000 picks other sizes (the targets are
 * those of 100,000 and 1,000,000 and are only judged at those).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>

#include "gate-test-harness.h"
#include "gate-ticket-cache.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

#define CHANGES   100
#define ROUNDS    3
#define FULL_ROUNDS 2
#define LOOKUPS   50000
#define SAMPLE    10000

typedef struct
{
  guint   tickets;
  char   *event;
  char   *cache_path;
  double  full_s;
  double  full_slower_s;
  double  full_rss_mb;
  double  full_cpu_s;
  double  delta_ms;
  double  delta_rss_mb;
  double  delta_cpu_ms;
  double  nothing_ms;
  double  status_cmd_ms;
  double  file_mb;
  double  bytes_per_ticket;
  double  lookup_p50_us;
  double  lookup_p99_us;
  double  status_us;
  double  purge_ms;
  double  pg_empty_ms;
  double  pg_delta_ms;
  double  pg_summary_ms;
  double  pg_pages_s;
  double  pg_empty_entries;
  char   *pg_empty_plan;
  gboolean failed;
} Size;

typedef struct
{
  double seconds;
  double cpu_seconds;   /* the kiosk's own, user and system */
  double max_rss_mb;
  int    status;
} Measure;

static Measure
run_gatectl (char       **envp,
             const char  *verb,
             const char  *option)
{
  Measure measure = { 0 };
  const char *gatectl = g_getenv ("GATECTL");
  const char *perf = g_getenv ("GATE_BENCH_SCALE_PERF");
  struct rusage usage;
  gint64 started = g_get_monotonic_time ();
  pid_t pid = fork ();

  if (pid == 0)
    {
      int devnull = open ("/dev/null", O_WRONLY);

      const char *argv[] = { gatectl, verb, option, NULL };
      const char *perf_argv[] = { "/usr/bin/perf", "record", "-g", "-o", perf, "--", gatectl, verb, option, NULL };

      dup2 (devnull, STDOUT_FILENO);
      /* GATE_BENCH_SCALE_PERF=FILE: the full refresh of the large event
       * under perf record, for where its time goes. */
      if (perf != NULL && option != NULL && strcmp (option, "--full") == 0)
        execve (perf_argv[0], (char **) perf_argv, envp);
      else
        execve (gatectl, (char **) argv, envp);
      _exit (127);
    }

  wait4 (pid, &measure.status, 0, &usage);
  measure.seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  measure.max_rss_mb = usage.ru_maxrss / 1024.0;
  measure.cpu_seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                        (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / (double) G_USEC_PER_SEC;
  return measure;
}

static PGresult *
query (PGconn      *conn,
       const char  *sql,
       int          n_params,
       const char **params)
{
  PGresult *result = PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);

  if (PQresultStatus (result) != PGRES_COMMAND_OK && PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  return result;
}

/* Best of ROUNDS, in ms, of one call of @sql. */
static double
time_query (PGconn      *conn,
            const char  *sql,
            int          n_params,
            const char **params)
{
  double best = G_MAXDOUBLE;

  for (guint round = 0; round < ROUNDS; round++)
    {
      gint64 started = g_get_monotonic_time ();

      PQclear (query (conn, sql, n_params, params));
      best = MIN (best, (g_get_monotonic_time () - started) / 1000.0);
    }
  return best;
}

static void
make_tickets (PGconn     *conn,
              const char *event,
              guint       count)
{
  g_autofree char *count_str = g_strdup_printf ("%u", count);
  const char *params[] = { event, count_str };

  /* Codes and signatures of the sizes gatectl makes: "GS1-" and 26
   * characters, a 64-character hex HMAC. */
  PQclear (query (conn,
                  "INSERT INTO public.tickets (event_id, qr_token, qr_signature, ticket_type, guest_name) "
                  "SELECT $1::uuid, 'GS1-' || upper(substr(md5($1::text || i), 1, 26)), "
                  "       md5('s' || i || $1::text) || md5('t' || i || $1::text), "
                  "       (ARRAY['General', 'VIP', 'Season pass'])[1 + i % 3], "
                  "       (ARRAY['Ana', 'Luis', 'Marta', 'Jorge', 'Lucía', 'Pablo', 'Elena', 'Hugo'])[1 + i % 8] "
                  "       || ' ' || (ARRAY['García', 'López', 'Martín', 'Sánchez', 'Pérez', 'Gómez', 'Ruiz', "
                  "                        'Díaz'])[1 + (i / 8) % 8] "
                  "  FROM generate_series(1, $2::int) AS i",
                  2, params));
  PQclear (query (conn, "ANALYZE public.tickets", 0, NULL));
}

static void
change_tickets (PGconn     *conn,
                const char *event,
                guint       round)
{
  g_autofree char *offset = g_strdup_printf ("%u", round * 1000);
  const char *params[] = { event, offset };

  PQclear (query (conn,
                  "UPDATE public.tickets SET guest_name = guest_name || '.' WHERE id IN "
                  "(SELECT id FROM public.tickets WHERE event_id = $1::uuid ORDER BY id OFFSET $2::int LIMIT 100)",
                  2, params));
}

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

static double
file_size (const char *path,
           const char *suffix)
{
  g_autofree char *name = g_strconcat (path, suffix, NULL);
  struct stat st;

  return stat (name, &st) == 0 ? (double) st.st_size : 0;
}

static void
remove_cache (const char *path)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (path, suffixes[i], NULL);

      g_unlink (name);
    }
}

/* Lookups of random codes of the event, and a status read, in this process. */
static void
measure_cache (PGconn *conn,
               Size   *size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (size->cache_path, &error);
  g_autoptr(GArray) lookups = g_array_sized_new (FALSE, FALSE, sizeof (gint64), LOOKUPS);
  g_autoptr(GRand) rand = g_rand_new_with_seed (16);
  g_autoptr(PGresult) codes = NULL;
  g_autofree char *sample = g_strdup_printf ("%u", SAMPLE);
  const char *params[] = { size->event, sample };
  double best = G_MAXDOUBLE;

  if (cache == NULL)
    g_error ("opening the cache: %s", error->message);

  codes = query (conn, "SELECT qr_token FROM public.tickets WHERE event_id = $1::uuid ORDER BY random() LIMIT $2::int",
                 2, params);
  for (guint i = 0; i < LOOKUPS; i++)
    {
      const char *code = PQgetvalue (codes, g_rand_int_range (rand, 0, PQntuples (codes)), 0);
      gint64 started = g_get_monotonic_time ();
      g_autoptr(GateTicket) ticket = gate_ticket_cache_lookup (cache, code, NULL, NULL);
      gint64 elapsed = g_get_monotonic_time () - started;

      if (ticket == NULL)
        {
          size->failed = TRUE;
          g_printerr ("bench-scale: %s is not in the cache\n", code);
          break;
        }
      g_array_append_val (lookups, elapsed);
    }
  g_array_sort (lookups, compare_gint64);
  size->lookup_p50_us = percentile (lookups, 50);
  size->lookup_p99_us = percentile (lookups, 99);

  for (guint round = 0; round < ROUNDS; round++)
    {
      gint64 started = g_get_monotonic_time ();
      g_autoptr(GateCacheStatus) status = gate_ticket_cache_get_status (cache, size->event, NULL);

      best = MIN (best, (double) (g_get_monotonic_time () - started));
      if (status == NULL || status->tickets_cached != size->tickets)
        {
          size->failed = TRUE;
          g_printerr ("bench-scale: the status counts %" G_GINT64_FORMAT " tickets, not %u\n",
                      status ? status->tickets_cached : -1, size->tickets);
        }
    }
  size->status_us = best;

  best = G_MAXDOUBLE;
  for (guint round = 0; round < ROUNDS; round++)
    {
      gint64 started = g_get_monotonic_time ();

      if (!gate_ticket_cache_purge (cache, g_get_real_time (), &error))
        g_error ("purge: %s", error->message);
      best = MIN (best, (g_get_monotonic_time () - started) / 1000.0);
    }
  size->purge_ms = best;
}

static void
collect_notice (void           *user_data,
                const PGresult *result)
{
  g_string_append (user_data, PQresultErrorMessage (result));
}

static void
ignore_notice (void           *user_data,
               const PGresult *result)
{
}

static gint64
index_entries_read (PGconn *conn)
{
  g_autoptr(PGresult) result = NULL;

  PQclear (query (conn, "SELECT pg_stat_clear_snapshot()", 0, NULL));
  result = query (conn, "SELECT idx_tup_read FROM pg_stat_user_indexes "
                        "WHERE indexrelname = 'tickets_event_change_idx'", 0, NULL);
  return g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
}

/* The kiosk's "anything new?" with nothing new: the plan inside the
 * function (auto_explain) and the index entries it read. */
static void
explain_nothing_new (PGconn      *conn,
                     const char **params,
                     Size        *size)
{
  g_autoptr(GString) log = g_string_new (NULL);
  gint64 before;
  const char *start;

  PQclear (query (conn, "LOAD 'auto_explain'", 0, NULL));
  PQclear (query (conn, "SET auto_explain.log_min_duration = 0", 0, NULL));
  PQclear (query (conn, "SET auto_explain.log_nested_statements = on", 0, NULL));
  PQclear (query (conn, "SET auto_explain.log_analyze = on", 0, NULL));
  PQclear (query (conn, "SET auto_explain.log_buffers = on", 0, NULL));
  PQclear (query (conn, "SELECT pg_stat_force_next_flush()", 0, NULL));
  before = index_entries_read (conn);
  PQclear (query (conn, "SET client_min_messages = log", 0, NULL));
  PQsetNoticeReceiver (conn, collect_notice, log);
  PQclear (query (conn, "SELECT * FROM public.tickets_changed_since($1::uuid, $2, 1000)", 2, params));
  PQsetNoticeReceiver (conn, ignore_notice, NULL);
  PQclear (query (conn, "SET client_min_messages = notice", 0, NULL));
  PQclear (query (conn, "SET auto_explain.log_min_duration = -1", 0, NULL));
  size->pg_empty_entries = (double) (index_entries_read (conn) - before);
  /* The page's query alone, from its candidates on. */
  start = strstr (log->str, "CTE candidates");
  size->pg_empty_plan = g_strndup (start ? start : log->str,
                                   start && strstr (start, "CTE page") ? (gsize) (strstr (start, "CTE page") - start)
                                                                       : strlen (start ? start : log->str));
}

/* The server's side alone: the functions a refresh calls, through libpq. */
static void
measure_server (PGconn *conn,
                Size   *size)
{
  g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (size->cache_path, NULL);
  g_autofree char *cursor = cache ? gate_ticket_cache_dup_cursor (cache, size->event) : NULL;
  const char *params[] = { size->event, cursor };
  g_autofree char *last = NULL;
  gint64 started;
  guint rows = 0;

  size->pg_empty_ms = time_query (conn, "SELECT * FROM public.tickets_changed_since($1::uuid, $2, 1000)", 2, params);
  explain_nothing_new (conn, params, size);
  size->pg_summary_ms = time_query (conn, "SELECT * FROM public.event_summary($1::uuid)", 1, params);

  /* Every page of a full download, as the kiosk asks for them. */
  started = g_get_monotonic_time ();
  for (;;)
    {
      const char *page_params[] = { size->event, last };
      g_autoptr(PGresult) page = query (conn, "SELECT * FROM public.tickets_changed_since($1::uuid, $2, 1000)",
                                        2, page_params);
      int n = PQntuples (page);

      rows += n;
      if (n > 0)
        {
          g_free (last);
          last = g_strdup (PQgetvalue (page, n - 1, PQfnumber (page, "next_cursor")));
        }
      if (n < 1000)
        break;
    }
  size->pg_pages_s = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  if (rows < size->tickets)
    {
      size->failed = TRUE;
      g_printerr ("bench-scale: the server gave %u of %u tickets\n", rows, size->tickets);
    }

  /* 100 changes, the server's part of a delta. */
  change_tickets (conn, size->event, ROUNDS + 1);
  {
    double best = G_MAXDOUBLE;

    for (guint round = 0; round < ROUNDS; round++)
      {
        gint64 t0 = g_get_monotonic_time ();
        g_autoptr(PGresult) page = query (conn, "SELECT * FROM public.tickets_changed_since($1::uuid, $2, 1000)",
                                          2, params);

        best = MIN (best, (g_get_monotonic_time () - t0) / 1000.0);
        if (PQntuples (page) < CHANGES)
          {
            size->failed = TRUE;
            g_printerr ("bench-scale: a delta of %d changes gave %d rows\n", CHANGES, PQntuples (page));
          }
      }
    size->pg_delta_ms = best;
  }
}

static void
measure_size (PGconn     *conn,
              char      **envp_base,
              const char *dir,
              Size       *size)
{
  g_auto(GStrv) envp = g_strdupv (envp_base);
  Measure full;

  size->cache_path = g_strdup_printf ("%s/kiosk-%u.cache", dir, size->tickets);
  envp = g_environ_setenv (envp, "GATE_EVENT", size->event, TRUE);
  envp = g_environ_setenv (envp, "GATE_CACHE", size->cache_path, TRUE);

  /* Best of FULL_ROUNDS into a new cache each time, as the deltas are best
   * of ROUNDS: the machine's other load moves one run by seconds. The
   * slower run is printed too, and the peak RSS is the larger. */
  size->full_s = G_MAXDOUBLE;
  for (guint round = 0; round < FULL_ROUNDS; round++)
    {
      remove_cache (size->cache_path);
      full = run_gatectl (envp, "refresh", "--full");
      size->failed |= full.status != 0;
      size->full_slower_s = MAX (size->full_slower_s, full.seconds);
      size->full_rss_mb = MAX (size->full_rss_mb, full.max_rss_mb);
      if (full.seconds < size->full_s)
        {
          size->full_s = full.seconds;
          size->full_cpu_s = full.cpu_seconds;
        }
    }
  size->file_mb = (file_size (size->cache_path, "") + file_size (size->cache_path, "-wal")) / (1024.0 * 1024.0);
  size->bytes_per_ticket = size->file_mb * 1024.0 * 1024.0 / size->tickets;

  size->delta_ms = G_MAXDOUBLE;
  for (guint round = 0; round < ROUNDS; round++)
    {
      Measure delta;

      change_tickets (conn, size->event, round);
      delta = run_gatectl (envp, "refresh", NULL);
      size->failed |= delta.status != 0;
      if (delta.seconds * 1000 < size->delta_ms)
        size->delta_cpu_ms = delta.cpu_seconds * 1000;
      size->delta_ms = MIN (size->delta_ms, delta.seconds * 1000);
      size->delta_rss_mb = MAX (size->delta_rss_mb, delta.max_rss_mb);
    }

  size->nothing_ms = G_MAXDOUBLE;
  for (guint round = 0; round < ROUNDS; round++)
    {
      Measure nothing = run_gatectl (envp, "refresh", NULL);

      size->failed |= nothing.status != 0;
      size->nothing_ms = MIN (size->nothing_ms, nothing.seconds * 1000);
    }

  /* The fixed part of a refresh without the network: start, open the
   * cache (schema check, code index check), read the status, exit. */
  size->status_cmd_ms = G_MAXDOUBLE;
  for (guint round = 0; round < ROUNDS; round++)
    {
      Measure status = run_gatectl (envp, "status", NULL);

      size->failed |= status.status != 0;
      size->status_cmd_ms = MIN (size->status_cmd_ms, status.seconds * 1000);
    }

  measure_cache (conn, size);
  measure_server (conn, size);
}

static void
row (const char *what,
     int         decimals,
     double      small,
     double      large)
{
  g_autofree char *a = g_strdup_printf ("%.*f", decimals, small);
  g_autofree char *b = g_strdup_printf ("%.*f", decimals, large);

  printf ("%-48s %12s %12s %8.2f×\n", what, a, b, small > 0 ? large / small : 0.0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestPg) pg = gate_test_pg_new (GATE_TEST_PG_DURABLE, &error);
  g_autoptr(GateTestServer) server = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *dir = g_build_filename (g_get_current_dir (), "bench-scale-data", NULL);
  double load[3] = { 0 };
  g_auto(GStrv) envp = NULL;
  g_auto(GStrv) sizes = g_strsplit (g_getenv ("GATE_BENCH_SCALE_SIZES") ? g_getenv ("GATE_BENCH_SCALE_SIZES")
                                                                         : "100000,1000000", ",", 2);
  Size size[2] = { 0 };
  PGconn *conn;
  gboolean ok = TRUE;
  gboolean judged;

  if (pg == NULL || !gate_test_pg_migrate (pg, &error) ||
      !gate_test_add_device (pg, "scale-kiosk", "gate", &device_id, &token, &error))
    {
      fprintf (stderr, "bench-scale: %s\n", error->message);
      return 1;
    }
  conn = PQconnectdb (gate_test_pg_get_conninfo (pg));
  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("connecting: %s", PQerrorMessage (conn));

  for (guint i = 0; i < 2; i++)
    {
      gint64 started = g_get_monotonic_time ();

      size[i].tickets = sizes[i] ? (guint) g_ascii_strtoull (sizes[i], NULL, 10) : (i == 0 ? 100000 : 1000000);
      size[i].event = gate_test_create_event (pg, i == 0 ? "Scale, small" : "Scale, large", &error);
      if (size[i].event == NULL)
        {
          fprintf (stderr, "bench-scale: %s\n", error->message);
          return 1;
        }
      make_tickets (conn, size[i].event, size[i].tickets);
      fprintf (stderr, "bench-scale: an event of %u tickets made in %.1f s\n", size[i].tickets,
               (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
    }

  server = gate_test_server_new (gate_test_pg_get_conninfo (pg), NULL, &error);
  if (server == NULL)
    {
      fprintf (stderr, "bench-scale: %s\n", error->message);
      return 1;
    }

  g_mkdir_with_parents (dir, 0700);
  envp = g_get_environ ();
  envp = g_environ_setenv (envp, "GATE_SERVER", gate_test_server_get_url (server), TRUE);
  envp = g_environ_setenv (envp, "GATE_TOKEN", token, TRUE);
  envp = g_environ_setenv (envp, "GATE_DEVICE_ID", device_id, TRUE);

  for (guint i = 0; i < 2; i++)
    measure_size (conn, envp, dir, &size[i]);
  PQfinish (conn);

  /* Other work on the machine stretches every wall-clock figure. */
  if (getloadavg (load, 3) == 3)
    printf ("load average at the end: %.2f %.2f %.2f (%ld cores)\n", load[0], load[1], load[2],
            sysconf (_SC_NPROCESSORS_ONLN));
  printf ("%-48s %12u %12u %9s\n", "tickets in the event", size[0].tickets, size[1].tickets, "ratio");
  row ("full refresh, best of 2 (s)", 2, size[0].full_s, size[1].full_s);
  row ("  the slower of the 2 (s)", 2, size[0].full_slower_s, size[1].full_slower_s);
  row ("  gatectl's own CPU, user + system (s)", 2, size[0].full_cpu_s, size[1].full_cpu_s);
  row ("  peak RSS (MB)", 1, size[0].full_rss_mb, size[1].full_rss_mb);
  row ("  server: every page through libpq (s)", 2, size[0].pg_pages_s, size[1].pg_pages_s);
  row ("delta refresh, 100 changed, best of 3 (ms)", 1, size[0].delta_ms, size[1].delta_ms);
  row ("  gatectl's own CPU in the best one (ms)", 1, size[0].delta_cpu_ms, size[1].delta_cpu_ms);
  row ("  peak RSS (MB)", 1, size[0].delta_rss_mb, size[1].delta_rss_mb);
  row ("  server: tickets_changed_since, 100 new (ms)", 2, size[0].pg_delta_ms, size[1].pg_delta_ms);
  row ("nothing-changed refresh, best of 3 (ms)", 1, size[0].nothing_ms, size[1].nothing_ms);
  row ("  gatectl status: start, open, status (ms)", 1, size[0].status_cmd_ms, size[1].status_cmd_ms);
  row ("  server: tickets_changed_since, none new (ms)", 2, size[0].pg_empty_ms, size[1].pg_empty_ms);
  row ("  server: its index entries read", 0, size[0].pg_empty_entries, size[1].pg_empty_entries);
  row ("  server: event_summary (ms)", 2, size[0].pg_summary_ms, size[1].pg_summary_ms);
  row ("  cache: status read (µs)", 0, size[0].status_us, size[1].status_us);
  row ("  cache: purge (ms)", 2, size[0].purge_ms, size[1].purge_ms);
  row ("cache file (MB)", 1, size[0].file_mb, size[1].file_mb);
  row ("  bytes a ticket", 0, size[0].bytes_per_ticket, size[1].bytes_per_ticket);
  row ("lookup p50 (µs)", 0, size[0].lookup_p50_us, size[1].lookup_p50_us);
  row ("lookup p99 (µs)", 0, size[0].lookup_p99_us, size[1].lookup_p99_us);

  printf ("\nserver: tickets_changed_since with nothing new at %u tickets, the page's range:\n%s\n", size[1].tickets,
          size[1].pg_empty_plan);

  judged = size[0].tickets == 100000 && size[1].tickets == 1000000;
  ok = !size[0].failed && !size[1].failed;
  printf ("every refresh succeeded and the caches hold every ticket — %s\n", ok ? "PASS" : "FAIL");
  if (judged)
    {
      gboolean delta_ok = size[1].delta_ms < 60 && size[0].delta_ms < 60 &&
                          size[1].delta_ms <= 1.5 * size[0].delta_ms;
      gboolean full_ok = size[1].full_s < 10 && size[1].full_rss_mb < 150;
      gboolean file_ok = size[1].bytes_per_ticket <= 200;
      gboolean lookup_ok = size[1].lookup_p99_us < 100;

      printf ("delta refresh: %.1f ms and %.1f ms, %.2f× — %s (target both < 60 ms, within 1.5×)\n",
              size[0].delta_ms, size[1].delta_ms, size[1].delta_ms / size[0].delta_ms, delta_ok ? "PASS" : "FAIL");
      printf ("full refresh of 1,000,000, best of 2: %.2f s, %.1f MB — %s (target < 10 s, < 150 MB)\n", size[1].full_s,
              size[1].full_rss_mb, full_ok ? "PASS" : "FAIL");
      printf ("cache: %.0f bytes a ticket — %s (target ≤ 200)\n", size[1].bytes_per_ticket, file_ok ? "PASS" : "FAIL");
      printf ("lookup p99 at 1,000,000: %.0f µs — %s (target < 100 µs)\n", size[1].lookup_p99_us,
              lookup_ok ? "PASS" : "FAIL");
      ok &= delta_ok && full_ok && file_ok && lookup_ok;
    }

  for (guint i = 0; i < 2; i++)
    {
      remove_cache (size[i].cache_path);
      g_free (size[i].cache_path);
      g_free (size[i].event);
      g_free (size[i].pg_empty_plan);
    }
  g_rmdir (dir);
  return ok ? 0 : 1;
}
