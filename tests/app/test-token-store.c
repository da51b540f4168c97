/* test-token-store.c — the device token in its private file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs as on a kiosk without a keyring: no session bus, XDG_CONFIG_HOME in
 * a scratch directory. Every log line of the process passes a writer that
 * fails the test if it carries the token.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "gate-test-harness.h"
#include "gate-token-store.h"

#define SERVER    "https://gate.example.org"
#define DEVICE_ID "dev-token-test"
#define TOKEN     "gst_Sup3rSecretT0kenThatMustNeverBeLogged"

static char *scratch;
static guint log_lines;

static GLogWriterOutput
refuse_token_in_logs (GLogLevelFlags   log_level,
                      const GLogField *fields,
                      gsize            n_fields,
                      gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    {
      g_autofree char *value = fields[i].length < 0 ? g_strdup (fields[i].value)
                                                    : g_strndup (fields[i].value, fields[i].length);

      if (strstr (value, TOKEN) != NULL)
        {
          /* Not through g_log: that would come straight back here. */
          g_printerr ("a log line carries the token (field %s)\n", fields[i].key);
          abort ();
        }
    }
  log_lines++;

  /* Every line to stderr: stdout is the test's TAP stream. */
  {
    g_autofree char *line = g_log_writer_format_fields (log_level, fields, n_fields, FALSE);

    fprintf (stderr, "%s\n", line);
  }
  return G_LOG_WRITER_HANDLED;
}

static gboolean
save (GateTokenStore  *store,
      const char      *server,
      const char      *token,
      GError         **error)
{
  g_auto(GateTestAsync) waiter = { 0 };
  gboolean ok;

  gate_token_store_save_async (store, server, DEVICE_ID, token, NULL, gate_test_async_ready, &waiter);
  ok = gate_token_store_save_finish (store, gate_test_async_wait (&waiter, 10000), error);
  return ok;
}

static char *
load (GateTokenStore  *store,
      const char      *server,
      GError         **error)
{
  g_auto(GateTestAsync) waiter = { 0 };
  char *token;

  gate_token_store_load_async (store, server, DEVICE_ID, NULL, gate_test_async_ready, &waiter);
  token = gate_token_store_load_finish (store, gate_test_async_wait (&waiter, 10000), error);
  return token;
}

static gboolean
clear (GateTokenStore  *store,
       GError         **error)
{
  g_auto(GateTestAsync) waiter = { 0 };
  gboolean ok;

  gate_token_store_clear_async (store, SERVER, DEVICE_ID, NULL, gate_test_async_ready, &waiter);
  ok = gate_token_store_clear_finish (store, gate_test_async_wait (&waiter, 10000), error);
  return ok;
}

static void
test_file_created_private (void)
{
  g_autoptr(GateTokenStore) store = gate_token_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_build_filename (scratch, "gate-scanner", "device-token", NULL);
  g_autofree char *directory = g_path_get_dirname (expected);
  g_autofree char *contents = NULL;
  struct stat st;

  g_assert_true (save (store, SERVER, TOKEN, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gate_token_store_get_backend (store), ==, GATE_TOKEN_BACKEND_FILE);
  g_assert_cmpstr (gate_token_store_get_file_path (store), ==, expected);

  g_assert_cmpint (g_lstat (expected, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_cmpint (g_stat (directory, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);

  /* Nothing but the file itself is left behind by the write. */
  {
    g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
    guint entries = 0;

    while (g_dir_read_name (dir) != NULL)
      entries++;
    g_assert_cmpuint (entries, ==, 1);
  }
  g_assert_true (g_file_get_contents (expected, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, SERVER));
}

static void
test_round_trip (void)
{
  g_autoptr(GateTokenStore) store = gate_token_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  g_assert_true (save (store, SERVER, TOKEN, &error));
  first = load (store, SERVER, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, TOKEN);

  /* Saving again replaces the token. */
  g_assert_true (save (store, SERVER, "gst_another", &error));
  second = load (store, SERVER, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second, ==, "gst_another");
}

static void
test_other_server_has_no_token (void)
{
  g_autoptr(GateTokenStore) store = gate_token_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  g_assert_true (save (store, SERVER, TOKEN, &error));
  token = load (store, "https://elsewhere.example.org", &error);
  g_assert_no_error (error);
  g_assert_null (token);
}

static void
test_refuses_readable_file (void)
{
  g_autoptr(GateTokenStore) store = gate_token_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  const char *path = gate_token_store_get_file_path (store);

  g_assert_true (save (store, SERVER, TOKEN, &error));
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);

  token = load (store, SERVER, &error);
  g_assert_null (token);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "0644"));
  g_assert_null (strstr (error->message, TOKEN));
}

static void
test_refuses_symlink (void)
{
  g_autoptr(GateTokenStore) store = gate_token_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_build_filename (scratch, "elsewhere", NULL);
  g_autofree char *token = NULL;
  const char *path = gate_token_store_get_file_path (store);

  g_assert_true (save (store, SERVER, TOKEN, &error));
  g_assert_cmpint (g_rename (path, target), ==, 0);
  g_assert_cmpint (symlink (target, path), ==, 0);

  token = load (store, SERVER, &error);
  g_assert_null (token);
  g_assert_nonnull (error);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_unlink (target), ==, 0);
}

static void
test_clear_removes_file (void)
{
  g_autoptr(GateTokenStore) store = gate_token_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  g_assert_true (save (store, SERVER, TOKEN, &error));
  g_assert_true (clear (store, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (gate_token_store_get_file_path (store), G_FILE_TEST_EXISTS));

  token = load (store, SERVER, &error);
  g_assert_no_error (error);
  g_assert_null (token);

  /* Nothing to clear is not an error. */
  g_assert_true (clear (store, &error));
  g_assert_no_error (error);
}

static void
test_token_never_logged (void)
{
  g_autoptr(GateTokenStore) store = gate_token_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  guint lines_before = log_lines;

  g_assert_true (save (store, SERVER, TOKEN, &error));
  token = load (store, SERVER, &error);
  g_assert_cmpstr (token, ==, TOKEN);
  g_assert_true (clear (store, &error));

  /* The writer is really in the path: this line reached it. */
  g_debug ("token store test: save, load and clear done");
  g_assert_cmpuint (log_lines, >, lines_before);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    for (const char *name = g_dir_read_name (dir); name != NULL; name = g_dir_read_name (dir))
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        remove_tree (child);
      }
  g_remove (path);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *runtime = NULL;
  int result;

  scratch = g_dir_make_tmp ("gate-token-store-XXXXXX", &error);
  g_assert_no_error (error);
  runtime = g_build_filename (scratch, "runtime", NULL);
  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);
  g_setenv ("XDG_CONFIG_HOME", scratch, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  g_log_set_writer_func (refuse_token_in_logs, NULL, NULL);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/token-store/file-created-private", test_file_created_private);
  g_test_add_func ("/token-store/round-trip", test_round_trip);
  g_test_add_func ("/token-store/other-server-has-no-token", test_other_server_has_no_token);
  g_test_add_func ("/token-store/refuses-readable-file", test_refuses_readable_file);
  g_test_add_func ("/token-store/refuses-symlink", test_refuses_symlink);
  g_test_add_func ("/token-store/clear-removes-file", test_clear_removes_file);
  g_test_add_func ("/token-store/token-never-logged", test_token_never_logged);

  result = g_test_run ();

  remove_tree (scratch);
  g_free (scratch);
  return result;
}
