/* test-config.c — GateConfig: command line, then GATE_*, then settings, then
 * the default, each value with its source
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The settings are the app's own schema on the memory backend (meson's
 * test environment).
 */
#include "config.h"

#include <glib/gstdio.h>

#include "gate-config.h"
#include "gate-test-harness.h"

typedef struct
{
  GSettings *settings;
  char      *dir;
} Fixture;

static const GateConfigKey variables[] = {
  GATE_CONFIG_KEY_SERVER, GATE_CONFIG_KEY_TOKEN, GATE_CONFIG_KEY_TOKEN_FILE, GATE_CONFIG_KEY_APIKEY,
  GATE_CONFIG_KEY_DEVICE_ID, GATE_CONFIG_KEY_EVENT, GATE_CONFIG_KEY_CACHE,
};

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    g_unsetenv (gate_config_key_get_variable (variables[i]));

  fixture->settings = g_settings_new (APP_ID);
  fixture->dir = g_dir_make_tmp ("gate-config-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    g_unsetenv (gate_config_key_get_variable (variables[i]));
  g_settings_reset (fixture->settings, "server-url");
  g_settings_reset (fixture->settings, "device-id");

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_clear_object (&fixture->settings);
}

static char *
write_token_file (Fixture    *fixture,
                  const char *name,
                  const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->dir, name, NULL);

  g_assert_true (g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error));
  g_assert_no_error (error);
  return path;
}

static void
load (GateConfig *config)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_config_load (config, NULL, &error));
  g_assert_no_error (error);
}

static void
test_command_line_over_environment_over_settings (Fixture       *fixture,
                                                  gconstpointer  data)
{
  g_autoptr(GateConfig) config = gate_config_new (fixture->settings);

  g_settings_set_string (fixture->settings, "server-url", "https://from-settings.example");
  g_settings_set_string (fixture->settings, "device-id", "gate-settings");
  g_setenv ("GATE_SERVER", "https://from-env.example", TRUE);
  gate_config_set (config, GATE_CONFIG_KEY_SERVER, GATE_CONFIG_SOURCE_COMMAND_LINE, "https://from-flag.example");
  load (config);

  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_SERVER), ==, "https://from-flag.example");
  g_assert_cmpint (gate_config_get_source (config, GATE_CONFIG_KEY_SERVER), ==, GATE_CONFIG_SOURCE_COMMAND_LINE);
  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_DEVICE_ID), ==, "gate-settings");
  g_assert_cmpint (gate_config_get_source (config, GATE_CONFIG_KEY_DEVICE_ID), ==, GATE_CONFIG_SOURCE_SETTINGS);

  /* Without the flag, the variable wins over the setting. */
  gate_config_set (config, GATE_CONFIG_KEY_SERVER, GATE_CONFIG_SOURCE_COMMAND_LINE, NULL);
  load (config);
  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_SERVER), ==, "https://from-env.example");
  g_assert_cmpint (gate_config_get_source (config, GATE_CONFIG_KEY_SERVER), ==, GATE_CONFIG_SOURCE_ENVIRONMENT);

  /* A load reads the environment again: an unset variable is gone. */
  g_unsetenv ("GATE_SERVER");
  load (config);
  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_SERVER), ==, "https://from-settings.example");
  g_assert_cmpint (gate_config_get_source (config, GATE_CONFIG_KEY_SERVER), ==, GATE_CONFIG_SOURCE_SETTINGS);
}

static void
test_cache_defaults_to_the_user_data_dir (Fixture       *fixture,
                                          gconstpointer  data)
{
  g_autoptr(GateConfig) config = gate_config_new (NULL);
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "gate-scanner", "tickets.cache", NULL);

  load (config);
  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_CACHE), ==, expected);
  g_assert_cmpint (gate_config_get_source (config, GATE_CONFIG_KEY_CACHE), ==, GATE_CONFIG_SOURCE_DEFAULT);

  g_setenv ("GATE_CACHE", "/srv/gate/kiosk.cache", TRUE);
  load (config);
  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_CACHE), ==, "/srv/gate/kiosk.cache");
  g_assert_cmpint (gate_config_get_source (config, GATE_CONFIG_KEY_CACHE), ==, GATE_CONFIG_SOURCE_ENVIRONMENT);
}

static void
test_blank_values_count_as_unset (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GateConfig) config = gate_config_new (fixture->settings);

  /* Provisioning scripts capture values with their newline, or empty. */
  g_setenv ("GATE_DEVICE_ID", "gate-7\n", TRUE);
  g_setenv ("GATE_EVENT", "   ", TRUE);
  load (config);

  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_DEVICE_ID), ==, "gate-7");
  g_assert_null (gate_config_get (config, GATE_CONFIG_KEY_EVENT));
  g_assert_cmpint (gate_config_get_source (config, GATE_CONFIG_KEY_EVENT), ==, GATE_CONFIG_SOURCE_NONE);
  g_assert_false (gate_config_has_server (config));
}

static void
test_token_file_of_the_strongest_source (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autofree char *file = write_token_file (fixture, "flag.token", "gst_from_file\n");
  g_autoptr(GateConfig) config = gate_config_new (NULL);

  g_setenv ("GATE_SERVER", "http://127.0.0.1:8080", TRUE);
  g_setenv ("GATE_TOKEN", "gst_from_env", TRUE);
  gate_config_set (config, GATE_CONFIG_KEY_TOKEN_FILE, GATE_CONFIG_SOURCE_COMMAND_LINE, file);
  load (config);

  /* --token-file beats GATE_TOKEN, and the token says where it came from. */
  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_TOKEN), ==, "gst_from_file");
  g_assert_cmpint (gate_config_get_source (config, GATE_CONFIG_KEY_TOKEN), ==, GATE_CONFIG_SOURCE_COMMAND_LINE);
  g_assert_true (gate_config_has_server (config));

  /* GATE_TOKEN beats GATE_TOKEN_FILE: the file is not even read. */
  gate_config_set (config, GATE_CONFIG_KEY_TOKEN_FILE, GATE_CONFIG_SOURCE_COMMAND_LINE, NULL);
  g_setenv ("GATE_TOKEN_FILE", "/nonexistent/gate.token", TRUE);
  load (config);
  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_TOKEN), ==, "gst_from_env");
  g_assert_cmpint (gate_config_get_source (config, GATE_CONFIG_KEY_TOKEN), ==, GATE_CONFIG_SOURCE_ENVIRONMENT);
}

static void
test_missing_token_file_is_an_error (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GateConfig) config = gate_config_new (NULL);
  g_autoptr(GError) error = NULL;

  g_setenv ("GATE_TOKEN_FILE", "/nonexistent/gate.token", TRUE);
  g_assert_false (gate_config_load (config, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_null (gate_config_get (config, GATE_CONFIG_KEY_TOKEN));
}

static void
test_load_async_reads_the_token_file (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autofree char *file = write_token_file (fixture, "env.token", "  gst_async  \n");
  g_autoptr(GateConfig) config = gate_config_new (fixture->settings);
  g_auto(GateTestAsync) async = { 0 };
  g_autoptr(GError) error = NULL;

  g_setenv ("GATE_TOKEN_FILE", file, TRUE);
  gate_config_load_async (config, NULL, gate_test_async_ready, &async);
  g_assert_true (gate_config_load_finish (config, gate_test_async_wait (&async, 10000), &error));
  g_assert_no_error (error);

  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_TOKEN), ==, "gst_async");
  g_assert_cmpint (gate_config_get_source (config, GATE_CONFIG_KEY_TOKEN), ==, GATE_CONFIG_SOURCE_ENVIRONMENT);
}

static void
test_a_set_token_counts_for_its_source (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autoptr(GateConfig) config = gate_config_new (fixture->settings);

  /* The app's token store hands its token over as a setting … */
  load (config);
  gate_config_set (config, GATE_CONFIG_KEY_TOKEN, GATE_CONFIG_SOURCE_SETTINGS, "gst_from_keyring");
  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_TOKEN), ==, "gst_from_keyring");
  g_assert_cmpint (gate_config_get_source (config, GATE_CONFIG_KEY_TOKEN), ==, GATE_CONFIG_SOURCE_SETTINGS);

  /* … which a GATE_TOKEN still overrides. */
  g_setenv ("GATE_TOKEN", "gst_from_env", TRUE);
  load (config);
  g_assert_cmpstr (gate_config_get (config, GATE_CONFIG_KEY_TOKEN), ==, "gst_from_env");
}

static void
test_keys_name_their_variable_and_setting (void)
{
  g_assert_cmpstr (gate_config_key_get_variable (GATE_CONFIG_KEY_SERVER), ==, "GATE_SERVER");
  g_assert_cmpstr (gate_config_key_get_setting (GATE_CONFIG_KEY_SERVER), ==, "server-url");
  g_assert_cmpstr (gate_config_key_get_variable (GATE_CONFIG_KEY_EVENT), ==, "GATE_EVENT");
  g_assert_cmpstr (gate_config_key_get_setting (GATE_CONFIG_KEY_EVENT), ==, "event-id");
  g_assert_null (gate_config_key_get_setting (GATE_CONFIG_KEY_TOKEN));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/config/precedence/command-line-over-environment-over-settings",
       test_command_line_over_environment_over_settings);
  ADD ("/config/cache/defaults-to-the-user-data-dir", test_cache_defaults_to_the_user_data_dir);
  ADD ("/config/values/blank-values-count-as-unset", test_blank_values_count_as_unset);
  ADD ("/config/token/file-of-the-strongest-source", test_token_file_of_the_strongest_source);
  ADD ("/config/token/missing-token-file-is-an-error", test_missing_token_file_is_an_error);
  ADD ("/config/token/load-async-reads-the-token-file", test_load_async_reads_the_token_file);
  ADD ("/config/token/a-set-token-counts-for-its-source", test_a_set_token_counts_for_its_source);
#undef ADD
  g_test_add_func ("/config/keys/name-their-variable-and-setting", test_keys_name_their_variable_and_setting);

  return g_test_run ();
}
