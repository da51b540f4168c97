/* gate-test-harness.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gate-test-harness.h"

#define SERVER_START_TIMEOUT_MS 15000
#define RECHECK_MS              10

/* --- waiting ----------------------------------------------------------- */

static gboolean
on_deadline (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_recheck (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
gate_test_wait_until (GMainContext      *context,
                      GateTestCondition  condition,
                      gpointer           user_data,
                      guint              timeout_ms)
{
  g_autoptr(GSource) deadline = NULL;
  g_autoptr(GSource) recheck = NULL;
  gboolean expired = FALSE;
  gboolean met;

  deadline = g_timeout_source_new (timeout_ms);
  g_source_set_callback (deadline, on_deadline, &expired, NULL);
  g_source_attach (deadline, context);

  /* Conditions on state outside this loop (another process, PostgreSQL, a
   * file) change without waking it: look again every few milliseconds. */
  recheck = g_timeout_source_new (RECHECK_MS);
  g_source_set_callback (recheck, on_recheck, NULL, NULL);
  g_source_attach (recheck, context);

  while (!(met = condition (user_data)) && !expired)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (recheck);
  g_source_destroy (deadline);
  return met;
}

static gboolean
flag_is_set (gpointer user_data)
{
  const gboolean *flag = user_data;

  return *flag;
}

gboolean
gate_test_wait_for_flag (GMainContext   *context,
                         const gboolean *flag,
                         guint           timeout_ms)
{
  return gate_test_wait_until (context, flag_is_set, (gpointer) flag, timeout_ms);
}

void
gate_test_async_ready (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GateTestAsync *async = user_data;

  g_assert_null (async->result);
  async->result = g_object_ref (result);
}

static gboolean
async_arrived (gpointer user_data)
{
  return ((GateTestAsync *) user_data)->result != NULL;
}

GAsyncResult *
gate_test_async_wait (GateTestAsync *async,
                      guint          timeout_ms)
{
  g_assert_true (gate_test_wait_until (g_main_context_get_thread_default (), async_arrived, async, timeout_ms));

  g_clear_object (&async->taken);
  async->taken = g_steal_pointer (&async->result);
  return async->taken;
}

void
gate_test_async_clear (GateTestAsync *async)
{
  g_clear_object (&async->result);
  g_clear_object (&async->taken);
}

guint16
gate_test_free_port (void)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  guint16 port = 0;
  int fd;

  fd = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint (fd, >=, 0);

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = 0;

  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0 &&
      getsockname (fd, (struct sockaddr *) &addr, &len) == 0)
    port = ntohs (addr.sin_port);

  close (fd);
  g_assert_cmpuint (port, !=, 0);
  return port;
}

/* --- running commands -------------------------------------------------- */

static gboolean
running_as_root (void)
{
  return geteuid () == 0;
}

/* Run @argv (as the postgres user when we are root) in @cwd; fail with its
 * stderr when it exits non-zero. */
static gboolean
run_checked (const char * const  *argv,
             const char          *cwd,
             gboolean             as_postgres,
             char               **stdout_text,
             GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) full = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (as_postgres && running_as_root ())
    {
      g_ptr_array_add (full, (gpointer) "runuser");
      g_ptr_array_add (full, (gpointer) "-u");
      g_ptr_array_add (full, (gpointer) "postgres");
      g_ptr_array_add (full, (gpointer) "--");
    }
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (full, (gpointer) argv[i]);
  g_ptr_array_add (full, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  /* The server must not inherit the sanitizer runtime's settings meant for us. */
  g_subprocess_launcher_unsetenv (launcher, "LD_PRELOAD");

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) full->pdata, error);
  if (process == NULL)
    return FALSE;

  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, error))
    return FALSE;

  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s failed: %s%s", argv[0], err ? err : "", out ? out : "");
      return FALSE;
    }

  if (stdout_text != NULL)
    *stdout_text = g_strdup (g_strstrip (out));
  return TRUE;
}

/* --- PostgreSQL -------------------------------------------------------- */

struct _GateTestPg
{
  char            *dir;
  char            *datadir;
  char            *bindir;
  char            *conninfo;
  guint16          port;
  GateTestPgFlags  flags;
  gboolean         running;
};

static char *
find_pg_bindir (void)
{
  const char *env = g_getenv ("GATE_PG_BINDIR");
  static const char *candidates[] = {
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
  };

  if (env != NULL && *env != '\0')
    return g_strdup (env);

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *initdb = g_build_filename (candidates[i], "initdb", NULL);

      if (g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE))
        return g_strdup (candidates[i]);
    }

  return NULL;
}

static gboolean
give_to_postgres (const char  *path,
                  GError     **error)
{
  struct passwd *pw;

  if (!running_as_root ())
    return TRUE;

  pw = getpwnam ("postgres");
  if (pw == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "running as root but there is no “postgres” user to run initdb");
      return FALSE;
    }

  if (chown (path, pw->pw_uid, pw->pw_gid) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "chown %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/* pg_ctl detaches the server from us, so a test that aborts would leave it
 * running. A small watcher stops it and removes its files once the test
 * process is gone; it holds none of the test runner's pipes. */
static void
start_reaper (GateTestPg *pg)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) reaper = NULL;
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  g_autofree char *pg_ctl = g_build_filename (pg->bindir, "pg_ctl", NULL);
  g_autofree char *script = NULL;

  if (g_getenv ("GATE_TEST_KEEP") != NULL)
    return;

  script = g_strdup_printf ("while kill -0 \"$0\" 2>/dev/null; do sleep 1; done; "
                            "if [ -d '%s' ]; then "
                            "%s '%s' -D '%s' -m immediate stop; rm -rf '%s'; fi",
                            pg->datadir,
                            running_as_root () ? "cd / && runuser -u postgres --" : "",
                            pg_ctl, pg->datadir, pg->dir);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_cwd (launcher, "/");
  reaper = g_subprocess_launcher_spawn (launcher, NULL, "setsid", "sh", "-c", script, pid, NULL);
}

GateTestPg *
gate_test_pg_new (GateTestPgFlags   flags,
                  GError          **error)
{
  g_autoptr(GateTestPg) pg = g_new0 (GateTestPg, 1);
  g_autofree char *initdb = NULL;

  pg->flags = flags;
  pg->bindir = find_pg_bindir ();
  if (pg->bindir == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "PostgreSQL server binaries not found (install postgresql or set GATE_PG_BINDIR)");
      return NULL;
    }

  pg->dir = g_dir_make_tmp ("gate-pg-XXXXXX", error);
  if (pg->dir == NULL)
    return NULL;
  if (!give_to_postgres (pg->dir, error))
    return NULL;

  pg->datadir = g_build_filename (pg->dir, "data", NULL);
  initdb = g_build_filename (pg->bindir, "initdb", NULL);

  {
    const char *argv[] = {
      initdb, "-D", pg->datadir, "-U", "postgres", "-A", "trust",
      "-E", "UTF8", "--locale=C", "--no-sync", NULL
    };

    if (!run_checked (argv, pg->dir, TRUE, NULL, error))
      return NULL;
  }

  if (!gate_test_pg_start (pg, error))
    return NULL;

  start_reaper (pg);
  return g_steal_pointer (&pg);
}

gboolean
gate_test_pg_start (GateTestPg  *pg,
                    GError     **error)
{
  g_autofree char *pg_ctl = g_build_filename (pg->bindir, "pg_ctl", NULL);
  g_autofree char *logfile = g_build_filename (pg->dir, "postgres.log", NULL);
  g_autofree char *options = NULL;

  g_return_val_if_fail (!pg->running, FALSE);

  /* Keep the port across restarts so clients can reconnect to it. */
  if (pg->port == 0)
    pg->port = gate_test_free_port ();

  options = g_strdup_printf ("-p %u -c listen_addresses=127.0.0.1 "
                             "-c unix_socket_directories=%s "
                             "-c max_connections=300 "
                             "-c shared_buffers=64MB "
                             "%s",
                             pg->port, pg->dir,
                             (pg->flags & GATE_TEST_PG_DURABLE) ? ""
                               : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off");

  {
    const char *argv[] = { pg_ctl, "-D", pg->datadir, "-l", logfile, "-o", options,
                           "-w", "-t", "30", "start", NULL };

    if (!run_checked (argv, pg->dir, TRUE, NULL, error))
      return FALSE;
  }

  g_free (pg->conninfo);
  pg->conninfo = g_strdup_printf ("host=127.0.0.1 port=%u user=postgres dbname=postgres "
                                  "connect_timeout=10",
                                  pg->port);
  pg->running = TRUE;
  return TRUE;
}

gboolean
gate_test_pg_stop (GateTestPg  *pg,
                   GError     **error)
{
  g_autofree char *pg_ctl = g_build_filename (pg->bindir, "pg_ctl", NULL);
  const char *argv[] = { pg_ctl, "-D", pg->datadir, "-m", "fast", "-w", "stop", NULL };

  if (!pg->running)
    return TRUE;

  if (!run_checked (argv, pg->dir, TRUE, NULL, error))
    return FALSE;

  pg->running = FALSE;
  return TRUE;
}

const char *
gate_test_pg_get_conninfo (GateTestPg *pg)
{
  return pg->conninfo;
}

guint16
gate_test_pg_get_port (GateTestPg *pg)
{
  return pg->port;
}

gboolean
gate_test_pg_migrate (GateTestPg  *pg,
                      GError     **error)
{
  g_autofree char *out = gate_test_gatectl (error, "migrate", "--db", pg->conninfo, NULL);

  return out != NULL;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                              G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL &&
         (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }

  g_rmdir (path);
}

void
gate_test_pg_free (GateTestPg *pg)
{
  if (pg == NULL)
    return;

  if (pg->running)
    {
      g_autofree char *pg_ctl = g_build_filename (pg->bindir, "pg_ctl", NULL);
      const char *argv[] = { pg_ctl, "-D", pg->datadir, "-m", "immediate", "-w", "stop", NULL };
      g_autoptr(GError) error = NULL;

      if (!run_checked (argv, pg->dir, TRUE, NULL, &error))
        g_printerr ("# could not stop test PostgreSQL: %s\n", error->message);
    }

  if (pg->dir != NULL && g_getenv ("GATE_TEST_KEEP") == NULL)
    remove_tree (pg->dir);

  g_free (pg->dir);
  g_free (pg->datadir);
  g_free (pg->bindir);
  g_free (pg->conninfo);
  g_free (pg);
}

/* --- gatectl ----------------------------------------------------------- */

static const char *
required_env (const char  *name,
              GError     **error)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is not set; run the tests through meson test", name);
      return NULL;
    }

  return value;
}

char *
gate_test_gatectl (GError     **error,
                   const char  *first_arg,
                   ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *gatectl;
  const char *arg;
  char *out = NULL;
  va_list args;

  if (!(gatectl = required_env ("GATECTL", error)))
    return NULL;

  g_ptr_array_add (argv, (gpointer) gatectl);
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  if (!run_checked ((const char * const *) argv->pdata, NULL, FALSE, &out, error))
    return NULL;

  return out;
}

char *
gate_test_create_event (GateTestPg  *pg,
                        const char  *name,
                        GError     **error)
{
  return gate_test_gatectl (error, "event", "create", "--db", pg->conninfo, "--name", name, NULL);
}

char **
gate_test_generate_tickets (GateTestPg  *pg,
                            const char  *event_id,
                            guint        count,
                            const char  *ticket_type,
                            GError     **error)
{
  g_autofree char *count_str = g_strdup_printf ("%u", count);
  g_autofree char *out = NULL;
  char **tokens;

  out = gate_test_gatectl (error, "tickets", "generate", "--db", pg->conninfo,
                           "--event", event_id, "--count", count_str,
                           "--type", ticket_type ? ticket_type : "General", NULL);
  if (out == NULL)
    return NULL;

  tokens = g_strsplit (out, "\n", -1);
  if (g_strv_length (tokens) != count)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "gatectl printed %u tokens, expected %u", g_strv_length (tokens), count);
      g_strfreev (tokens);
      return NULL;
    }

  return tokens;
}

gboolean
gate_test_add_device (GateTestPg  *pg,
                      const char  *name,
                      const char  *role,
                      char       **device_id,
                      char       **token,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  JsonObject *object;

  out = gate_test_gatectl (error, "device", "add", "--db", pg->conninfo,
                           "--name", name, "--role", role, NULL);
  if (out == NULL)
    return FALSE;

  if (!json_parser_load_from_data (parser, out, -1, error))
    return FALSE;

  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      !(object = json_node_get_object (json_parser_get_root (parser))) ||
      !json_object_has_member (object, "device_id") ||
      !json_object_has_member (object, "token"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "gatectl device add printed no device_id/token: %s", out);
      return FALSE;
    }

  if (device_id != NULL)
    *device_id = g_strdup (json_object_get_string_member (object, "device_id"));
  if (token != NULL)
    *token = g_strdup (json_object_get_string_member (object, "token"));
  return TRUE;
}

/* --- gate-server ------------------------------------------------------- */

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

struct _GateTestServer
{
  GSubprocess *process;
  char        *url;
};

typedef struct
{
  char     *line;
  GError   *error;
  gboolean  done;
} ReadLine;

static gboolean
server_is_healthy (gpointer user_data)
{
  GateTestServer *server = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 2, NULL);
  g_autofree char *url = g_strconcat (server->url, "/healthz", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;

  g_signal_connect (message, "accept-certificate", G_CALLBACK (gate_test_accept_any_certificate), NULL);
  body = soup_session_send_and_read (session, message, NULL, NULL);
  if (body != NULL && soup_message_get_status (message) == 200)
    return TRUE;

  /* Not yet: give the loop a short beat before asking again. */
  g_usleep (50 * 1000);
  return FALSE;
}

static void
on_line_read (GObject      *stream,
              GAsyncResult *result,
              gpointer      user_data)
{
  ReadLine *state = user_data;

  state->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (stream),
                                                           result, NULL, &state->error);
  state->done = TRUE;
}

static void
limit_open_files (gpointer user_data)
{
  struct rlimit limit = { GPOINTER_TO_UINT (user_data), GPOINTER_TO_UINT (user_data) };

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  setrlimit (RLIMIT_NOFILE, &limit);
}

GateTestServer *
gate_test_server_new (const char          *conninfo,
                      const char * const  *extra_args,
                      GError             **error)
{
  return gate_test_server_new_with_options (conninfo, extra_args, NULL, error);
}

/**
 * gate_test_server_new_with_options:
 * @options: (nullable): as gate_test_server_new() when %NULL
 */
GateTestServer *
gate_test_server_new_with_options (const char                  *conninfo,
                                   const char * const          *extra_args,
                                   const GateTestServerOptions *options,
                                   GError                     **error)
{
  g_autoptr(GateTestServer) server = g_new0 (GateTestServer, 1);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  const char *binary;
  ReadLine state = { 0 };

  if (!(binary = required_env ("GATE_SERVER_BIN", error)))
    return NULL;

  g_ptr_array_add (argv, (gpointer) binary);
  g_ptr_array_add (argv, (gpointer) "--db");
  g_ptr_array_add (argv, (gpointer) conninfo);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  /* stderr stays ours, so a failing test shows the server's log. The
   * server dies with the test: an aborted test must not leave it holding
   * the test runner's pipes. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  if (options != NULL && options->max_open_files > 0)
    g_subprocess_launcher_set_child_setup (launcher, limit_open_files, GUINT_TO_POINTER (options->max_open_files),
                                           NULL);
  else
    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  if (options != NULL && options->stderr_path != NULL)
    g_subprocess_launcher_set_stderr_file_path (launcher, options->stderr_path);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
  if (server->process == NULL)
    return NULL;

  /* gate-server announces "listening on URL" as its first stdout line. */
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  g_main_context_push_thread_default (context);
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, cancellable,
                                       on_line_read, &state);
  if (!gate_test_wait_for_flag (context, &state.done, SERVER_START_TIMEOUT_MS))
    {
      g_cancellable_cancel (cancellable);
      gate_test_wait_for_flag (context, &state.done, 1000);
    }
  g_main_context_pop_thread_default (context);

  if (state.error != NULL)
    {
      g_propagate_prefixed_error (error, state.error, "gate-server did not start: ");
      return NULL;
    }
  if (state.line == NULL || !g_str_has_prefix (state.line, "listening on "))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "gate-server did not announce its address (got “%s”)",
                   state.line ? state.line : "end of output");
      g_free (state.line);
      return NULL;
    }

  server->url = g_strdup (state.line + strlen ("listening on "));
  g_free (state.line);

  /* Listening is not ready: the database pool connects in the background. */
  if ((options == NULL || !options->no_health_wait) &&
      !gate_test_wait_until (NULL, server_is_healthy, server, SERVER_START_TIMEOUT_MS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "gate-server at %s never became healthy", server->url);
      return NULL;
    }

  return g_steal_pointer (&server);
}

const char *
gate_test_server_get_url (GateTestServer *server)
{
  return server->url;
}

GSubprocess *
gate_test_server_get_process (GateTestServer *server)
{
  return server->process;
}

gboolean
gate_test_server_stop (GateTestServer  *server,
                       int             *exit_status,
                       GError         **error)
{
  if (server->process == NULL)
    return TRUE;

  g_subprocess_send_signal (server->process, SIGTERM);
  if (!g_subprocess_wait (server->process, NULL, error))
    return FALSE;

  if (exit_status != NULL)
    *exit_status = g_subprocess_get_if_exited (server->process)
                     ? g_subprocess_get_exit_status (server->process)
                     : 128 + g_subprocess_get_term_sig (server->process);
  g_clear_object (&server->process);
  return TRUE;
}

void
gate_test_server_free (GateTestServer *server)
{
  if (server == NULL)
    return;

  if (server->process != NULL)
    {
      g_subprocess_force_exit (server->process);
      g_subprocess_wait (server->process, NULL, NULL);
      g_clear_object (&server->process);
    }

  g_free (server->url);
  g_free (server);
}

/* --- HTTP ---------------------------------------------------------------- */

guint
gate_test_rpc (gpointer     session,
               const char  *base_url,
               const char  *token,
               const char  *function,
               const char  *json,
               char       **body)
{
  g_autofree char *url = g_strdup_printf ("%s/rest/v1/rpc/%s", base_url, function);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new (json, strlen (json));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (message);
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", bearer);
    }
  soup_message_set_request_body_from_bytes (message, "application/json", request);

  answer = soup_session_send_and_read (SOUP_SESSION (session), message, NULL, &error);
  if (answer == NULL)
    {
      if (body != NULL)
        *body = g_strdup (error->message);
      return 0;
    }

  if (body != NULL)
    *body = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  return soup_message_get_status (message);
}

char *
gate_test_json_member (const char *json,
                       guint       index,
                       const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *node;
  JsonObject *object;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return NULL;

  node = json_parser_get_root (parser);
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      if (index >= json_array_get_length (array))
        return NULL;
      node = json_array_get_element (array, index);
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  object = json_node_get_object (node);
  if (!json_object_has_member (object, member) || json_object_get_null_member (object, member))
    return NULL;

  node = json_object_get_member (object, member);
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return json_to_string (node, FALSE);
}

gboolean
gate_test_accept_any_certificate (gpointer             message,
                                  GTlsCertificate     *certificate,
                                  GTlsCertificateFlags errors,
                                  gpointer             user_data)
{
  return TRUE;
}

char *
gate_test_uuid (void)
{
  return g_uuid_string_random ();
}
