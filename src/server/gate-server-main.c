/* gate-server-main.c — the self-hosted RPC gateway
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * stdout carries exactly one line, "listening on URL", for whoever started
 * us (scripts, the test harness) and may stop reading after it; every log
 * line goes to stderr.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <sys/resource.h>

#include <glib-unix.h>

#include "gate-db-pool.h"
#include "gate-http-server.h"
#include "gate-log.h"

#define DEFAULT_LISTEN   "127.0.0.1:8080"
/* How long running requests may take to finish on SIGTERM; below systemd's
 * default stop timeout of 90 s, above any sane scan. */
#define DRAIN_TIMEOUT_MS 10000
/* Descriptors kept for everything but client connections: the standard
 * streams, the listening sockets, TLS, reconnects and cancel requests, on
 * top of two for each database connection. */
#define FD_RESERVE       64

typedef struct
{
  GMainLoop      *loop;
  GateHttpServer *server;
  GateDbPool     *pool;
  gboolean        stopping;
} Server;

static void
on_drained (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Server *server = user_data;

  gate_http_server_drain_finish (GATE_HTTP_SERVER (source), result, NULL);
  g_main_loop_quit (server->loop);
}

static gboolean
on_stop_signal (gpointer user_data)
{
  Server *server = user_data;

  /* A second signal means "now". */
  if (server->stopping)
    {
      g_main_loop_quit (server->loop);
      return G_SOURCE_CONTINUE;
    }

  g_message ("stopping: finishing running requests");
  server->stopping = TRUE;
  gate_http_server_drain_async (server->server, DRAIN_TIMEOUT_MS, NULL, on_drained, server);
  return G_SOURCE_CONTINUE;
}

/* A process gets 1,024 descriptors by default (systemd, most shells) but
 * may raise that to the hard limit itself: a few hundred idle connections
 * should not be what stops the gates. Returns the limit now in force. */
static guint
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return 1024;

  if (limit.rlim_cur < limit.rlim_max)
    {
      rlim_t wanted = limit.rlim_max;

      limit.rlim_cur = wanted;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        getrlimit (RLIMIT_NOFILE, &limit);
    }

  return limit.rlim_cur > G_MAXUINT ? G_MAXUINT : (guint) limit.rlim_cur;
}

static void
on_pool_available (GateDbPool *pool)
{
  if (gate_db_pool_get_available (pool))
    g_message ("database connected");
  else
    g_message ("database unavailable, reconnecting in the background");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *db = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  g_auto(GStrv) cors_origins = NULL;
  g_autofree char *metrics_listen = NULL;
  g_autofree char *log_format_name = NULL;
  g_autofree char *metrics_url = NULL;
  GateLogFormat log_format = GATE_LOG_TEXT;
  gboolean prepared_statements = FALSE;
  gboolean no_prepared_statements = FALSE;
  gint pool_size = GATE_DB_POOL_DEFAULT_SIZE;
  gint auth_failures = GATE_AUTH_LIMITER_DEFAULT_MAX_FAILURES;
  gint auth_window = GATE_AUTH_LIMITER_DEFAULT_WINDOW_S;
  gint max_connections = GATE_HTTP_DEFAULT_MAX_CONNECTIONS;
  gint header_timeout = GATE_HTTP_DEFAULT_HEADER_TIMEOUT_S;
  gint idle_timeout = GATE_HTTP_DEFAULT_IDLE_TIMEOUT_S;
  gint request_timeout = GATE_HTTP_DEFAULT_REQUEST_TIMEOUT_S;
  gint statement_timeout = GATE_DEFAULT_STATEMENT_TIMEOUT_MS / 1000;
  gint lock_timeout = GATE_DEFAULT_LOCK_TIMEOUT_MS / 1000;
  gint device_concurrency = 0;
  gint queue = GATE_DB_POOL_DEFAULT_MAX_WAITING;
  gint64 max_answer = GATE_HTTP_DEFAULT_MAX_ANSWER;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db, "PostgreSQL connection string (required)", "CONNINFO" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "Address to listen on (default " DEFAULT_LISTEN ")",
      "HOST:PORT" },
    { "pool", 0, 0, G_OPTION_ARG_INT, &pool_size, "Database connections (default 8)", "N" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, "TLS certificate chain (PEM)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, "TLS private key (PEM)", "FILE" },
    { "auth-failures", 0, 0, G_OPTION_ARG_INT, &auth_failures,
      "Failed authentications per client address and window before it gets 429 (default 10, 0: no limit)",
      "N" },
    { "auth-window", 0, 0, G_OPTION_ARG_INT, &auth_window,
      "Seconds from an address's first failed authentication until its count starts over (default 60)",
      "SECONDS" },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections,
      "Client connections open at once; more get 503 (default 1024)", "N" },
    { "header-timeout", 0, 0, G_OPTION_ARG_INT, &header_timeout,
      "Seconds a client has to send a request's headers (default 10)", "SECONDS" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
      "Seconds a kept-alive connection may stay without a request (default 75)", "SECONDS" },
    { "request-timeout", 0, 0, G_OPTION_ARG_INT, &request_timeout,
      "Seconds from a request's headers to the end of its answer (default 30)", "SECONDS" },
    { "statement-timeout", 0, 0, G_OPTION_ARG_INT, &statement_timeout,
      "Seconds a call may run in the database, and wait for a connection (default 10)", "SECONDS" },
    { "lock-timeout", 0, 0, G_OPTION_ARG_INT, &lock_timeout,
      "Seconds a call may wait for a lock, unless its function says otherwise (default 3)", "SECONDS" },
    { "device-concurrency", 0, 0, G_OPTION_ARG_INT, &device_concurrency,
      "Database connections one device (or client address) may use at once (default: a quarter of --pool)",
      "N" },
    { "queue", 0, 0, G_OPTION_ARG_INT, &queue,
      "Calls that may wait for a database connection; more get 503 (default 1024)", "N" },
    { "max-answer", 0, 0, G_OPTION_ARG_INT64, &max_answer,
      "Largest answer in bytes gate-server sends; larger ones get 500 (default 33554432)", "BYTES" },
    { "cors-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &cors_origins,
      "Origin a web page may call from (repeat for several; * for any)", "ORIGIN" },
    { "metrics-listen", 0, 0, G_OPTION_ARG_STRING, &metrics_listen,
      "Address of /metrics (default " GATE_HTTP_DEFAULT_METRICS_LISTEN "; none: no metrics)", "HOST:PORT" },
    { "prepared-statements", 0, 0, G_OPTION_ARG_NONE, &prepared_statements,
      "Keep statements prepared on each database connection, unless it goes through a transaction pooler (the default)",
      NULL },
    { "no-prepared-statements", 0, 0, G_OPTION_ARG_NONE, &no_prepared_statements,
      "Parse and plan every statement at every call", NULL },
    { "log-format", 0, 0, G_OPTION_ARG_STRING, &log_format_name,
      "Log lines as text (default) or json, one object a line", "text|json" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— Gate Scanner RPC gateway");
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GateDbPool) pool = NULL;
  g_autoptr(GateAuthLimiter) auth_limiter = NULL;
  g_autoptr(GateHttpServer) http = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *url = NULL;
  GateHttpServerConfig config;
  GateDbPoolLimits limits = { 0 };
  Server server = { 0 };
  guint fd_limit;

  setlocale (LC_ALL, "");
  gate_log_install (GATE_LOG_TEXT);

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Serves the Gate Scanner RPC functions of a PostgreSQL database "
                                         "over HTTP, as PostgREST does.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "gate-server: %s\n", error->message);
      return 2;
    }

  if (db == NULL || argc > 1 || pool_size < 1 || pool_size > GATE_DB_POOL_MAX_SIZE ||
      (tls_cert == NULL) != (tls_key == NULL) || auth_failures < 0 || auth_window < 1 ||
      auth_window > 24 * 60 * 60 || max_connections < 1 || header_timeout < 1 || idle_timeout < 1 ||
      request_timeout < 1 || statement_timeout < 1 || statement_timeout > 24 * 60 * 60 || lock_timeout < 1 ||
      lock_timeout > 24 * 60 * 60 || device_concurrency < 0 || queue < 1 || max_answer < 1024 ||
      (prepared_statements && no_prepared_statements) ||
      (log_format_name != NULL && !gate_log_parse_format (log_format_name, &log_format)))
    {
      fprintf (stderr, "Usage: gate-server --db CONNINFO [--listen HOST:PORT] [--pool N (1-%d)] "
                       "[--tls-cert FILE --tls-key FILE] [--auth-failures N] [--auth-window SECONDS (1-86400)] "
                       "[--max-connections N] [--header-timeout SECONDS] [--idle-timeout SECONDS] "
                       "[--request-timeout SECONDS] [--statement-timeout SECONDS] [--lock-timeout SECONDS] "
                       "[--device-concurrency N] [--queue N] [--max-answer BYTES (at least 1024)] "
                       "[--cors-origin ORIGIN]… [--metrics-listen HOST:PORT|none] [--log-format text|json] "
                       "[--prepared-statements|--no-prepared-statements]\n",
               GATE_DB_POOL_MAX_SIZE);
      return 2;
    }

  gate_log_install (log_format);

  if (tls_cert != NULL)
    {
      certificate = g_tls_certificate_new_from_files (tls_cert, tls_key, &error);
      if (certificate == NULL)
        {
          fprintf (stderr, "gate-server: cannot load the TLS certificate: %s\n", error->message);
          return 2;
        }
    }

  /* Connections beyond what the descriptors allow would make accept()
   * fail; better to answer them 503. */
  fd_limit = raise_fd_limit ();
  if ((guint) max_connections + FD_RESERVE + 2 * (guint) pool_size > fd_limit)
    {
      guint fitting = fd_limit > FD_RESERVE + 2 * (guint) pool_size + 1 ? fd_limit - FD_RESERVE - 2 * (guint) pool_size : 1;

      g_message ("only %u file descriptors (ulimit -n): serving at most %u connections instead of %d",
                 fd_limit, fitting, max_connections);
      max_connections = (gint) fitting;
    }

  gate_http_server_config_init (&config);
  config.http.max_connections = (guint) max_connections;
  config.http.header_timeout_s = (guint) header_timeout;
  config.http.idle_timeout_s = (guint) idle_timeout;
  config.http.request_timeout_s = (guint) request_timeout;
  config.call.statement_timeout_ms = (guint) statement_timeout * 1000;
  config.call.lock_timeout_ms = (guint) lock_timeout * 1000;
  config.max_answer = (gsize) max_answer;
  config.cors_origins = (const char * const *) cors_origins;

  loop = g_main_loop_new (NULL, FALSE);
  pool = gate_db_pool_new (db, pool_size);
  limits.max_waiting = (guint) queue;
  limits.lane_running = (guint) device_concurrency;
  limits.max_wait_ms = (guint) statement_timeout * 1000;
  gate_db_pool_set_limits (pool, &limits);
  gate_db_pool_set_prepare (pool, !no_prepared_statements);
  auth_limiter = gate_auth_limiter_new ((guint) auth_failures, (guint) auth_window);
  http = gate_http_server_new (pool, certificate, auth_limiter, &config);

  url = gate_http_server_listen (http, listen ? listen : DEFAULT_LISTEN, &error);
  if (url == NULL)
    {
      fprintf (stderr, "gate-server: cannot listen on %s: %s\n", listen ? listen : DEFAULT_LISTEN,
               error->message);
      return 1;
    }

  /* A second gate-server on the host finds the default port taken: it
   * runs without metrics rather than not at all. An address asked for
   * must work. */
  if (g_strcmp0 (metrics_listen, "none") != 0)
    {
      metrics_url = gate_http_server_listen_metrics (http, metrics_listen ? metrics_listen
                                                                          : GATE_HTTP_DEFAULT_METRICS_LISTEN,
                                                     &error);
      if (metrics_url == NULL && metrics_listen != NULL)
        {
          fprintf (stderr, "gate-server: cannot listen on %s for metrics: %s\n", metrics_listen, error->message);
          return 1;
        }
      if (metrics_url == NULL)
        g_message ("no metrics: cannot listen on %s (%s); choose another address with --metrics-listen",
                   GATE_HTTP_DEFAULT_METRICS_LISTEN, error->message);
      else
        g_message ("metrics on %s/metrics", metrics_url);
      g_clear_error (&error);
    }

  /* Connections come up in the background; until then requests get 503. */
  g_signal_connect (pool, "notify::available", G_CALLBACK (on_pool_available), NULL);
  gate_db_pool_start (pool);

  printf ("listening on %s\n", url);
  fflush (stdout);

  server.loop = loop;
  server.server = http;
  server.pool = pool;
  /* The handlers stay installed until exit: removing them would restore
   * the default action, and a repeated SIGTERM during teardown would kill
   * us with a failure status. */
  g_unix_signal_add (SIGTERM, on_stop_signal, &server);
  g_unix_signal_add (SIGINT, on_stop_signal, &server);
  g_main_loop_run (loop);

  g_signal_handlers_disconnect_by_func (pool, on_pool_available, NULL);
  gate_http_server_disconnect (http);
  gate_db_pool_close (pool);
  g_message ("stopped");
  return 0;
}
