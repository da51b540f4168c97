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

#include <glib-unix.h>

#include "gate-db-pool.h"
#include "gate-http-server.h"

#define DEFAULT_LISTEN   "127.0.0.1:8080"
/* How long running requests may take to finish on SIGTERM; below systemd's
 * default stop timeout of 90 s, above any sane scan. */
#define DRAIN_TIMEOUT_MS 10000

typedef struct
{
  GMainLoop      *loop;
  GateHttpServer *server;
  GateDbPool     *pool;
  gboolean        stopping;
} Server;

static GLogWriterOutput
write_to_stderr (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  g_autofree char *line = NULL;

  if (g_log_writer_default_would_drop (log_level, NULL))
    return G_LOG_WRITER_HANDLED;

  line = g_log_writer_format_fields (log_level, fields, n_fields, FALSE);
  fprintf (stderr, "%s\n", line);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

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
  gint pool_size = GATE_DB_POOL_DEFAULT_SIZE;
  gint auth_failures = GATE_AUTH_LIMITER_DEFAULT_MAX_FAILURES;
  gint auth_window = GATE_AUTH_LIMITER_DEFAULT_WINDOW_S;
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
  Server server = { 0 };

  setlocale (LC_ALL, "");
  g_log_set_writer_func (write_to_stderr, NULL, NULL);

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
      auth_window > 24 * 60 * 60)
    {
      fprintf (stderr, "Usage: gate-server --db CONNINFO [--listen HOST:PORT] [--pool N (1-%d)] "
                       "[--tls-cert FILE --tls-key FILE] [--auth-failures N] [--auth-window SECONDS (1-86400)]\n",
               GATE_DB_POOL_MAX_SIZE);
      return 2;
    }

  if (tls_cert != NULL)
    {
      certificate = g_tls_certificate_new_from_files (tls_cert, tls_key, &error);
      if (certificate == NULL)
        {
          fprintf (stderr, "gate-server: cannot load the TLS certificate: %s\n", error->message);
          return 2;
        }
    }

  loop = g_main_loop_new (NULL, FALSE);
  pool = gate_db_pool_new (db, pool_size);
  auth_limiter = gate_auth_limiter_new ((guint) auth_failures, (guint) auth_window);
  http = gate_http_server_new (pool, certificate, auth_limiter);

  url = gate_http_server_listen (http, listen ? listen : DEFAULT_LISTEN, &error);
  if (url == NULL)
    {
      fprintf (stderr, "gate-server: cannot listen on %s: %s\n", listen ? listen : DEFAULT_LISTEN,
               error->message);
      return 1;
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
