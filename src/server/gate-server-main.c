/* gate-server-main.c — the self-hosted RPC gateway
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include <glib-unix.h>

#include "gate-db-pool.h"
#include "gate-http-server.h"

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *db = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  gint pool_size = 8;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db, "PostgreSQL connection string (required)", "CONNINFO" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "Address to listen on (default 127.0.0.1:8080)", "HOST:PORT" },
    { "pool", 0, 0, G_OPTION_ARG_INT, &pool_size, "Database connections (default 8)", "N" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, "TLS certificate (PEM)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, "TLS private key (PEM)", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— Gate Scanner RPC gateway");
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GateDbPool) pool = NULL;
  g_autoptr(GateHttpServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *url = NULL;

  setlocale (LC_ALL, "");

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "gate-server: %s\n", error->message);
      return 2;
    }

  if (db == NULL || pool_size < 1 || pool_size > 256 || (tls_cert == NULL) != (tls_key == NULL))
    {
      fprintf (stderr, "Usage: gate-server --db CONNINFO [--listen HOST:PORT] [--pool N (1-256)] "
                       "[--tls-cert FILE --tls-key FILE]\n");
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
  server = gate_http_server_new (pool, certificate);

  url = gate_http_server_listen (server, listen ? listen : "127.0.0.1:8080", &error);
  if (url == NULL)
    {
      fprintf (stderr, "gate-server: cannot listen on %s: %s\n", listen ? listen : "127.0.0.1:8080",
               error->message);
      return 1;
    }

  /* Connections come up in the background; until then requests get 503. */
  gate_db_pool_start (pool);

  printf ("listening on %s\n", url);
  fflush (stdout);

  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_main_loop_run (loop);

  g_message ("shutting down");
  gate_http_server_stop (server);
  gate_db_pool_close (pool);
  return 0;
}
