/* test-preferences-config.c — Preferences on a gate configured from outside:
 * GATE_* variables and the command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Provisioning scripts set a kiosk up with GATE_* variables; the app's own
 * settings are then empty. Preferences shows what is in effect and where
 * each value comes from, and locks what it could not change anyway.
 */
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "gate-config.h"
#include "gate-preferences-window.h"
#include "gate-test-gui.h"
#include "gate-token-store.h"

#define EVENT  "6f1c2c8e-0000-4000-8000-0000000000c1"
#define SECRET "tok-NEVER-ON-SCREEN-1234"

typedef struct
{
  GSettings      *settings;
  GateTokenStore *store;
  GateConfig     *config;
  GtkWidget      *window;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSettingsBackend) memory = g_memory_settings_backend_new ();

  fixture->settings = g_settings_new_with_backend (APP_ID, memory);
  fixture->store = gate_token_store_new ();
  fixture->config = gate_config_new (fixture->settings);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  gate_test_gui_flush ();
  g_clear_object (&fixture->config);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->settings);
  g_unsetenv ("GATE_SERVER");
  g_unsetenv ("GATE_DEVICE_ID");
  g_unsetenv ("GATE_TOKEN");
}

static void
open_window (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_config_load (fixture->config, NULL, &error));
  g_assert_no_error (error);
  fixture->window = g_object_ref_sink (gate_preferences_window_new (fixture->settings, fixture->store));
  gate_preferences_window_set_config (GATE_PREFERENCES_WINDOW (fixture->window), fixture->config);
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_assert_true (gate_test_gui_wait_drawn (fixture->window, 10000));
}

static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
template_child (Fixture    *fixture,
                const char *name)
{
  GObject *found = gtk_widget_get_template_child (fixture->window, GATE_TYPE_PREFERENCES_WINDOW, name);

  g_assert_nonnull (found);
  return GTK_WIDGET (found);
}

/* The row of the "In Effect" group for @nick (a GateConfigKey's nick). */
static GtkWidget *
effective_row (Fixture    *fixture,
               const char *nick)
{
  g_autofree char *name = g_strdup_printf ("effective-%s", nick);
  GtkWidget *row = find_named (template_child (fixture, "effective_group"), name);

  g_assert_true (ADW_IS_ACTION_ROW (row));
  g_assert_true (gtk_widget_get_mapped (row));
  return row;
}

static const char *
value_of (Fixture    *fixture,
          const char *nick)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (effective_row (fixture, nick)));
}

static const char *
source_of (Fixture    *fixture,
           const char *nick)
{
  GtkWidget *label = find_named (effective_row (fixture, nick), "source");

  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_text (GTK_LABEL (label));
}

static gboolean
text_anywhere (GtkWidget  *widget,
               const char *text)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL)
    return TRUE;
  if (GTK_IS_EDITABLE (widget) && strstr (gtk_editable_get_text (GTK_EDITABLE (widget)), text) != NULL)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (text_anywhere (child, text))
      return TRUE;

  return FALSE;
}

/* A kiosk provisioned by variables, its event given on the command line. */
static void
test_outside_values_shown_with_their_source (Fixture       *fixture,
                                             gconstpointer  data)
{
  g_autofree char *cache_dir = g_build_filename (g_get_user_data_dir (), "gate-scanner", NULL);
  GtkWidget *server_row;

  g_setenv ("GATE_SERVER", "https://gates.example.org", TRUE);
  g_setenv ("GATE_DEVICE_ID", "dev-north-1", TRUE);
  g_setenv ("GATE_TOKEN", SECRET, TRUE);
  gate_config_set (fixture->config, GATE_CONFIG_KEY_EVENT, GATE_CONFIG_SOURCE_COMMAND_LINE, EVENT);
  open_window (fixture);

  g_assert_cmpstr (value_of (fixture, "server"), ==, "https://gates.example.org");
  g_assert_cmpstr (source_of (fixture, "server"), ==, "Set by GATE_SERVER");
  g_assert_cmpstr (value_of (fixture, "device-id"), ==, "dev-north-1");
  g_assert_cmpstr (source_of (fixture, "device-id"), ==, "Set by GATE_DEVICE_ID");
  g_assert_cmpstr (value_of (fixture, "event"), ==, EVENT);
  g_assert_cmpstr (source_of (fixture, "event"), ==, "Set on the command line (--event)");
  g_assert_cmpstr (value_of (fixture, "token"), ==, "Set (hidden)");
  g_assert_cmpstr (source_of (fixture, "token"), ==, "Set by GATE_TOKEN");
  g_assert_cmpstr (value_of (fixture, "apikey"), ==, "Not set");
  g_assert_true (g_str_has_prefix (value_of (fixture, "cache"), cache_dir));
  g_assert_cmpstr (source_of (fixture, "cache"), ==, "Default");

  /* What the variables set cannot be typed over here, and says why. */
  server_row = template_child (fixture, "server_row");
  g_assert_false (gtk_widget_is_sensitive (server_row));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (server_row), ==, "Set by GATE_SERVER");
  g_assert_false (gtk_widget_is_sensitive (template_child (fixture, "device_id_row")));
  g_assert_false (gtk_widget_is_sensitive (template_child (fixture, "event_row")));
  g_assert_false (gtk_widget_is_sensitive (template_child (fixture, "token_row")));
  /* The rest stays the settings' to change. */
  g_assert_true (gtk_widget_is_sensitive (template_child (fixture, "apikey_row")));
  g_assert_true (gtk_widget_is_sensitive (template_child (fixture, "device_name_row")));

  /* The token is never shown, not even where it came from. */
  g_assert_false (text_anywhere (fixture->window, SECRET));
  g_free (gate_test_gui_snapshot_widget (fixture->window, "preferences-in-effect"));
}

static void
test_settings_values_stay_editable (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_settings_set_string (fixture->settings, "server-url", "https://settings.example.org");
  g_settings_set_string (fixture->settings, "device-id", "dev-from-settings");
  open_window (fixture);

  g_assert_cmpstr (value_of (fixture, "server"), ==, "https://settings.example.org");
  g_assert_cmpstr (source_of (fixture, "server"), ==, "From these preferences");
  g_assert_cmpstr (source_of (fixture, "event"), ==, "Not set");
  g_assert_true (gtk_widget_is_sensitive (template_child (fixture, "server_row")));
  g_assert_true (gtk_widget_is_sensitive (template_child (fixture, "device_id_row")));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = g_dir_make_tmp ("gate-preferences-config-XXXXXX", NULL);
  g_autofree char *data = g_build_filename (home, "data", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);

  /* A newcomer's account: no GATE_* variables, an empty home. */
  g_unsetenv ("GATE_SERVER");
  g_unsetenv ("GATE_TOKEN");
  g_unsetenv ("GATE_TOKEN_FILE");
  g_unsetenv ("GATE_DEVICE_ID");
  g_unsetenv ("GATE_EVENT");
  g_unsetenv ("GATE_CACHE");
  g_unsetenv ("GATE_APIKEY");
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  gate_test_gui_init (&argc, &argv);

  g_test_add ("/preferences-config/outside-values-shown-with-their-source", Fixture, NULL, fixture_set_up,
              test_outside_values_shown_with_their_source, fixture_tear_down);
  g_test_add ("/preferences-config/settings-values-stay-editable", Fixture, NULL, fixture_set_up,
              test_settings_values_stay_editable, fixture_tear_down);

  return g_test_run ();
}
