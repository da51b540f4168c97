/* test-app.c — the real gate-scanner binary, on a real X display, against a
 * real gate-server, decides the code its camera sees
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The camera is a GStreamer test source showing a QR code (qroverlay, in
 * case-sensitive mode so the exact token is encoded). What the app decided
 * is read from its --verdict-log, as DESIGN.md §7 promises automation.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "gate-test-gui.h"
#include "gate-test-harness.h"
#include "gate-token-store.h"

#define DEADLINE_MS 30000

typedef struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *event_id;
  char          **tickets;
  char           *device_id;
  char           *token_file;
  char           *work_dir;
  guint           next_ticket;
} Backend;

static Backend backend;

typedef struct
{
  GSubprocess *process;
  char        *log_path;
  char        *cache_path;
  char        *stderr_path;
} App;

static void
backend_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  g_assert_no_error (error);

  backend.event_id = gate_test_create_event (backend.pg, "Opening Night", &error);
  g_assert_no_error (error);
  g_strstrip (backend.event_id);
  backend.tickets = gate_test_generate_tickets (backend.pg, backend.event_id, 20, "General", &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (backend.pg, "Gate A", "gate", &backend.device_id, &token, &error));

  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

  backend.work_dir = g_dir_make_tmp ("test-app-XXXXXX", &error);
  g_assert_no_error (error);
  backend.token_file = g_build_filename (backend.work_dir, "device.token", NULL);
  g_assert_true (g_file_set_contents_full (backend.token_file, token, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, &error));
}

static const char *
next_ticket (void)
{
  return backend.tickets[backend.next_ticket++];
}

static char *
qr_source (const char *code)
{
  return g_strdup_printf ("videotestsrc is-live=true pattern=black ! video/x-raw,width=640,height=480,framerate=30/1 "
                          "! qroverlay case-sensitive=true pixel-size=4 data=%s", code);
}

/* Who the started app is, when not the backend's gate. */
typedef struct
{
  const char *device_id;    /* NULL: backend.device_id */
  const char *token_file;   /* NULL: backend.token_file */
  const char *home;         /* (nullable): an empty HOME, no XDG_* and no GATE_CACHE */
} Provisioning;

/* Starts gate-scanner with the GATE_* variables a provisioning script
 * would set, over @cache_path or a fresh cache; the token from
 * GATE_TOKEN_FILE unless @stored_token, then from the token store. */
static App *
app_start_full (const char         *server_url,
                const char         *cache_path,
                gboolean            stored_token,
                const Provisioning *provisioning,
                const char * const *extra_args)
{
  static const Provisioning backend_gate = { NULL, NULL, NULL };
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  static guint serial;
  App *app = g_new0 (App, 1);
  g_autofree char *log_name = g_strdup_printf ("verdicts-%u.jsonl", ++serial);
  g_autofree char *cache_name = g_strdup_printf ("kiosk-%u.cache", serial);
  g_autofree char *stderr_name = g_strdup_printf ("stderr-%u.txt", serial);

  if (provisioning == NULL)
    provisioning = &backend_gate;

  app->log_path = g_build_filename (backend.work_dir, log_name, NULL);
  if (provisioning->home != NULL)
    app->cache_path = g_build_filename (provisioning->home, ".local", "share", "gate-scanner", "tickets.cache", NULL);
  else if (cache_path != NULL)
    app->cache_path = g_strdup (cache_path);
  else
    app->cache_path = g_build_filename (backend.work_dir, cache_name, NULL);
  app->stderr_path = g_build_filename (backend.work_dir, stderr_name, NULL);

  g_subprocess_launcher_setenv (launcher, "GATE_SERVER", server_url, TRUE);
  if (stored_token)
    g_subprocess_launcher_unsetenv (launcher, "GATE_TOKEN_FILE");
  else
    g_subprocess_launcher_setenv (launcher, "GATE_TOKEN_FILE",
                                  provisioning->token_file ? provisioning->token_file : backend.token_file, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_DEVICE_ID",
                                provisioning->device_id ? provisioning->device_id : backend.device_id, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_EVENT", backend.event_id, TRUE);
  if (provisioning->home != NULL)
    {
      /* A clean account: the cache goes where the app decides. */
      g_subprocess_launcher_setenv (launcher, "HOME", provisioning->home, TRUE);
      g_subprocess_launcher_unsetenv (launcher, "GATE_CACHE");
      g_subprocess_launcher_unsetenv (launcher, "XDG_DATA_HOME");
      g_subprocess_launcher_unsetenv (launcher, "XDG_CONFIG_HOME");
      g_subprocess_launcher_unsetenv (launcher, "XDG_CACHE_HOME");
    }
  else
    g_subprocess_launcher_setenv (launcher, "GATE_CACHE", app->cache_path, TRUE);
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stderr_file_path (launcher, app->stderr_path);

  g_ptr_array_add (argv, (gpointer) g_getenv ("GATE_SCANNER_BIN"));
  g_ptr_array_add (argv, "--verdict-log");
  g_ptr_array_add (argv, app->log_path);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  app->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  return app;
}

static App *
app_start (const char         *server_url,
           const char         *cache_path,
           const char * const *extra_args)
{
  return app_start_full (server_url, cache_path, FALSE, NULL, extra_args);
}

static void
app_stop (App *app)
{
  g_autoptr(GError) error = NULL;

  if (g_subprocess_get_identifier (app->process) != NULL)
    {
      g_subprocess_send_signal (app->process, SIGTERM);
      g_subprocess_wait (app->process, NULL, &error);
      g_assert_no_error (error);
    }

  g_object_unref (app->process);
  g_free (app->log_path);
  g_free (app->cache_path);
  g_free (app->stderr_path);
  g_free (app);
}

typedef struct
{
  App        *app;
  const char *code;
  JsonObject *line;
} LogWait;

static gboolean
logged_or_exited (gpointer user_data)
{
  LogWait *wait = user_data;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (g_subprocess_get_identifier (wait->app->process) == NULL)
    return TRUE;
  if (!g_file_get_contents (wait->app->log_path, &contents, NULL, NULL))
    return FALSE;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;

      if (*lines[i] == '\0')
        continue;
      node = json_from_string (lines[i], NULL);
      g_assert_nonnull (node);
      if (g_strcmp0 (json_object_get_string_member (json_node_get_object (node), "code"), wait->code) == 0)
        {
          wait->line = json_object_ref (json_node_get_object (node));
          return TRUE;
        }
    }

  return FALSE;
}

/* The log is written by another process; the wait re-checks it often. */
static JsonObject *
wait_for_verdict (App        *app,
                  const char *code)
{
  LogWait wait = { app, code, NULL };

  gate_test_gui_wait_until (logged_or_exited, &wait, DEADLINE_MS);

  if (wait.line == NULL)
    {
      g_autofree char *err = NULL;

      g_file_get_contents (app->stderr_path, &err, NULL, NULL);
      g_test_message ("gate-scanner stderr:\n%s", err != NULL ? err : "");
      g_free (gate_test_gui_screenshot ("app-no-verdict"));
    }
  g_assert_nonnull (wait.line);
  return wait.line;
}

static void
test_decides_camera_code_online (void)
{
  const char *code = next_ticket ();
  g_autofree char *source = qr_source (code);
  const char *args[] = { "--source", source, NULL };
  App *app = app_start (gate_test_server_get_url (backend.server), NULL, args);
  g_autoptr(JsonObject) line = wait_for_verdict (app, code);
  g_autofree char *shot = gate_test_gui_screenshot ("app-verdict-online");

  g_assert_cmpstr (json_object_get_string_member (line, "verdict"), ==, "admitted");
  g_assert_cmpstr (json_object_get_string_member (line, "mode"), ==, "online");
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (line, "client_scan_id")));
  g_assert_cmpfloat (json_object_get_double_member (line, "latency_ms"), >, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (line, "latency_ms"), <, 1500.0);

  app_stop (app);
}

static void
test_decides_offline_when_server_unreachable (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dead_url = g_strdup_printf ("http://127.0.0.1:%u", gate_test_free_port ());
  g_autofree char *out = NULL;
  const char *code = next_ticket ();
  g_autofree char *source = qr_source (code);
  const char *args[] = { "--source", source, NULL };
  App *app;
  g_autoptr(JsonObject) line = NULL;
  g_autofree char *cache = g_build_filename (backend.work_dir, "prefilled.cache", NULL);
  g_autofree char *token = NULL;

  /* The kiosk refreshed while the server was up... */
  g_assert_true (g_file_get_contents (backend.token_file, &token, NULL, NULL));
  out = gate_test_gatectl (&error, "refresh", "--server", gate_test_server_get_url (backend.server),
                           "--token", token, "--device-id", backend.device_id, "--event", backend.event_id,
                           "--cache", cache, NULL);
  g_assert_no_error (error);

  /* ...and is now cut off: it decides from that cache. */
  app = app_start (dead_url, cache, args);
  line = wait_for_verdict (app, code);

  g_assert_cmpstr (json_object_get_string_member (line, "verdict"), ==, "admitted");
  g_assert_cmpstr (json_object_get_string_member (line, "mode"), ==, "offline");

  app_stop (app);
}

static void
on_token_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_token_store_save_finish (GATE_TOKEN_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* Set up once in Preferences, the token is found again at every start
 * without anything in the environment. */
static void
test_uses_token_from_token_store (void)
{
  g_autoptr(GateTokenStore) store = gate_token_store_new ();
  g_autofree char *token = NULL;
  const char *code = next_ticket ();
  g_autofree char *source = qr_source (code);
  const char *args[] = { "--source", source, NULL };
  const char *server_url = gate_test_server_get_url (backend.server);
  gboolean saved = FALSE;
  g_autoptr(JsonObject) line = NULL;
  App *app;

  g_assert_true (g_file_get_contents (backend.token_file, &token, NULL, NULL));
  gate_token_store_save_async (store, server_url, backend.device_id, token, NULL, on_token_saved, &saved);
  g_assert_true (gate_test_wait_for_flag (NULL, &saved, DEADLINE_MS));

  app = app_start_full (server_url, NULL, TRUE, NULL, args);
  line = wait_for_verdict (app, code);

  g_assert_cmpstr (json_object_get_string_member (line, "verdict"), ==, "admitted");
  g_assert_cmpstr (json_object_get_string_member (line, "mode"), ==, "online");

  app_stop (app);
}

/* A clean account: no GATE_CACHE, an empty HOME. The cache goes into
 * $XDG_DATA_HOME/gate-scanner/, made private on first use, and the gate
 * scans. */
static void
test_clean_account_scans (void)
{
  g_autofree char *home = g_dir_make_tmp ("test-app-home-XXXXXX", NULL);
  g_autofree char *folder = g_build_filename (home, ".local", "share", "gate-scanner", NULL);
  const Provisioning clean = { NULL, NULL, home };
  const char *code = next_ticket ();
  g_autofree char *source = qr_source (code);
  const char *args[] = { "--source", source, NULL };
  App *app = app_start_full (gate_test_server_get_url (backend.server), NULL, FALSE, &clean, args);
  g_autoptr(JsonObject) line = wait_for_verdict (app, code);
  g_autofree char *rm = g_find_program_in_path ("rm");
  struct stat st;

  g_assert_cmpstr (json_object_get_string_member (line, "verdict"), ==, "admitted");
  g_assert_cmpint (g_stat (folder, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (app->cache_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  app_stop (app);
  {
    const char *argv[] = { rm, "-rf", home, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL));
  }
}

/* A gate whose token was revoked: the scan ends on screen and in the log as
 * cannot_decide, with its reason. */
static void
test_revoked_gate_logs_cannot_decide (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token_file = g_build_filename (backend.work_dir, "revoked.token", NULL);
  g_autofree char *revoked = NULL;
  const char *code = next_ticket ();
  g_autofree char *source = qr_source (code);
  const char *args[] = { "--source", source, NULL };
  Provisioning gate;
  g_autoptr(JsonObject) line = NULL;
  App *app;

  g_assert_true (gate_test_add_device (backend.pg, "Gate R", "gate", &device_id, &token, &error));
  g_assert_true (g_file_set_contents_full (token_file, token, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error));
  revoked = gate_test_gatectl (&error, "device", "revoke", "--db", gate_test_pg_get_conninfo (backend.pg), device_id,
                               NULL);
  g_assert_no_error (error);

  gate = (Provisioning) { device_id, token_file, NULL };
  app = app_start_full (gate_test_server_get_url (backend.server), NULL, FALSE, &gate, args);
  line = wait_for_verdict (app, code);
  g_free (gate_test_gui_screenshot ("app-verdict-cannot-decide"));

  g_assert_cmpstr (json_object_get_string_member (line, "verdict"), ==, "cannot_decide");
  g_assert_cmpstr (json_object_get_string_member (line, "reason"), ==, "unauthorized");

  app_stop (app);
}

static void
test_unknown_decoder_is_a_usage_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                              g_getenv ("GATE_SCANNER_BIN"), "--decoder", "quagga", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
}

static void
test_unwritable_verdict_log_is_a_usage_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                              g_getenv ("GATE_SCANNER_BIN"), "--verdict-log", "/nonexistent/dir/verdicts.jsonl",
                              NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
  g_assert_nonnull (strstr (err, "verdict log"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_autofree char *config_home = g_dir_make_tmp ("test-app-config-XXXXXX", NULL);

  /* The token store's private file lives here, for this process and the
   * apps it starts; set before anything reads the user config dir. */
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  gate_test_gui_init (&argc, &argv);
  backend_start ();

  g_test_add_func ("/app/decides-camera-code-online", test_decides_camera_code_online);
  g_test_add_func ("/app/decides-offline-when-server-unreachable", test_decides_offline_when_server_unreachable);
  g_test_add_func ("/app/uses-token-from-token-store", test_uses_token_from_token_store);
  g_test_add_func ("/app/clean-account-scans", test_clean_account_scans);
  g_test_add_func ("/app/revoked-gate-logs-cannot-decide", test_revoked_gate_logs_cannot_decide);
  g_test_add_func ("/app/unknown-decoder-is-a-usage-error", test_unknown_decoder_is_a_usage_error);
  g_test_add_func ("/app/unwritable-verdict-log-is-a-usage-error", test_unwritable_verdict_log_is_a_usage_error);

  status = g_test_run ();

  gate_test_server_free (backend.server);
  gate_test_pg_free (backend.pg);
  {
    const char *rm[] = { "rm", "-rf", config_home, backend.work_dir, NULL };

    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  return status;
}
