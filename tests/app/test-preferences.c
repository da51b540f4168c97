/* test-preferences.c — the preferences window against a real gate-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real PostgreSQL, gatectl and gate-server; the token store on its private
 * file (the test session bus has no Secret Service); each test with its own
 * in-memory settings.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "gate-kiosk-pin.h"
#include "gate-pin-dialog.h"
#include "gate-preferences-window.h"
#include "gate-test-gui.h"
#include "gate-test-harness.h"
#include "gate-token-store.h"

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *device_id;
  char           *token;
  char           *first_event;
  char           *second_event;
} backend;

typedef struct
{
  GSettings      *settings;
  GateTokenStore *store;
  GtkWidget      *window;
} Fixture;

static GtkWidget *
child (GtkWidget  *widget,
       GType       type,
       const char *name)
{
  GObject *found = gtk_widget_get_template_child (widget, type, name);

  g_assert_nonnull (found);
  return GTK_WIDGET (found);
}

static GtkWidget *
pref (Fixture    *fixture,
      const char *name)
{
  return child (fixture->window, GATE_TYPE_PREFERENCES_WINDOW, name);
}

static const char *
subtitle_of (Fixture    *fixture,
             const char *row)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (pref (fixture, row)));
}

static void
store_token (GateTokenStore *store,
             const char     *server,
             const char     *token)
{
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  gate_token_store_save_async (store, server, backend.device_id, token, NULL, gate_test_async_ready, &waiter);
  g_assert_true (gate_token_store_save_finish (store, gate_test_async_wait (&waiter, 10000), &error));
  g_assert_no_error (error);
}

/* Settings of a scanner set up for the test server, without a token. */
static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSettingsBackend) memory = g_memory_settings_backend_new ();

  fixture->settings = g_settings_new_with_backend (APP_ID, memory);
  fixture->store = gate_token_store_new ();
  g_unlink (gate_token_store_get_file_path (fixture->store));
  g_settings_set_string (fixture->settings, "server-url", gate_test_server_get_url (backend.server));
  g_settings_set_string (fixture->settings, "device-id", backend.device_id);
}

static void
open_window (Fixture *fixture)
{
  fixture->window = gate_preferences_window_new (fixture->settings, fixture->store);
  g_object_ref_sink (fixture->window);
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_assert_true (gate_test_gui_wait_drawn (fixture->window, 10000));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  gate_test_gui_flush ();
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->settings);
}

typedef struct
{
  Fixture    *fixture;
  const char *row;
  const char *text;
} SubtitleWait;

static gboolean
subtitle_is (gpointer user_data)
{
  SubtitleWait *wait = user_data;

  return g_strcmp0 (subtitle_of (wait->fixture, wait->row), wait->text) == 0;
}

static void
wait_for_subtitle (Fixture    *fixture,
                   const char *row,
                   const char *text)
{
  SubtitleWait wait = { fixture, row, text };

  if (!gate_test_gui_wait_until (subtitle_is, &wait, 15000))
    g_error ("%s says “%s”, not “%s”", row, subtitle_of (fixture, row), text);
}

static void
assert_setting (Fixture    *fixture,
                const char *key,
                const char *expected)
{
  g_autofree char *value = g_settings_get_string (fixture->settings, key);

  g_assert_cmpstr (value, ==, expected);
}

static void
apply (GtkWidget  *row,
       const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

/* --- the event list ------------------------------------------------------------- */

static gboolean
events_listed (gpointer user_data)
{
  Fixture *fixture = user_data;
  GListModel *model = adw_combo_row_get_model (ADW_COMBO_ROW (pref (fixture, "event_row")));

  return g_list_model_get_n_items (model) >= 3;
}

static guint
event_position (Fixture    *fixture,
                const char *name)
{
  GListModel *model = adw_combo_row_get_model (ADW_COMBO_ROW (pref (fixture, "event_row")));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), name))
      return i;
  g_error ("event “%s” is not listed", name);
}

static void
test_event_list_from_server (Fixture       *fixture,
                             gconstpointer  data)
{
  GtkWidget *event_row;
  g_autofree char *snapshot = NULL;

  store_token (fixture->store, gate_test_server_get_url (backend.server), backend.token);
  g_settings_set_string (fixture->settings, "event-id", backend.first_event);
  open_window (fixture);
  event_row = pref (fixture, "event_row");

  g_assert_true (gate_test_gui_wait_until (events_listed, fixture, 15000));
  /* The configured event is the one shown. */
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (event_row)), ==,
                    event_position (fixture, "Preferences night"));

  /* "None" is a choice too, and the only one not made for the gate. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (event_row), 0);
  assert_setting (fixture, "event-id", "");

  adw_combo_row_set_selected (ADW_COMBO_ROW (event_row), event_position (fixture, "Preferences encore"));
  assert_setting (fixture, "event-id", backend.second_event);

  g_assert_true (gate_test_gui_wait_drawn (fixture->window, 10000));
  snapshot = gate_test_gui_screenshot ("preferences");
  g_assert_true (g_file_test (snapshot, G_FILE_TEST_IS_REGULAR));
}

/* --- touch targets --------------------------------------------------------------- */

static GtkWidget *
find_mapped (GtkWidget *widget,
             GType      type)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type) && gtk_widget_get_mapped (c))
        return c;
      found = find_mapped (c, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
picker_open (gpointer user_data)
{
  GtkWidget *popover = find_mapped (user_data, GTK_TYPE_POPOVER);
  GtkWidget *list = popover != NULL ? find_mapped (popover, GTK_TYPE_LIST_VIEW) : NULL;

  return list != NULL && gtk_widget_get_first_child (list) != NULL &&
         gtk_widget_get_height (gtk_widget_get_first_child (list)) > 0;
}

/* Measured once laid out: a widget mapped in the last frame may get its size
 * in the next one (one still 0 × 0 at the deadline fails). */
static void
assert_finger_sized (GtkWidget  *widget,
                     const char *what)
{
  gate_test_gui_wait_laid_out (widget, 10000);
  g_test_message ("touch target %s: %d × %d px", what, gtk_widget_get_width (widget),
                  gtk_widget_get_height (widget));
  if (gtk_widget_get_width (widget) < 44 || gtk_widget_get_height (widget) < 44)
    g_error ("%s is %d × %d px, smaller than a finger (44 × 44)", what, gtk_widget_get_width (widget),
             gtk_widget_get_height (widget));
}

/* The event picker is used at a kiosk too: every row of its list, and the
 * buttons around it, take a fingertip. */
static void
test_event_picker_rows_are_touch_targets (Fixture       *fixture,
                                          gconstpointer  data)
{
  GtkWidget *event_row;
  GtkWidget *list;
  guint rows = 0;

  store_token (fixture->store, gate_test_server_get_url (backend.server), backend.token);
  open_window (fixture);
  event_row = pref (fixture, "event_row");
  g_assert_true (gate_test_gui_wait_until (events_listed, fixture, 15000));

  assert_finger_sized (pref (fixture, "reload_button"), "Reload events");
  assert_finger_sized (pref (fixture, "test_button"), "Test Connection");
  assert_finger_sized (pref (fixture, "forget_token_button"), "Forget token");

  g_assert_true (gtk_widget_activate (event_row));
  g_assert_true (gate_test_gui_wait_until (picker_open, event_row, 10000));
  list = find_mapped (find_mapped (event_row, GTK_TYPE_POPOVER), GTK_TYPE_LIST_VIEW);
  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    if (gtk_widget_get_mapped (row))
      {
        assert_finger_sized (row, "event picker row");
        rows++;
      }
  g_assert_cmpuint (rows, >=, 3);
  g_free (gate_test_gui_screenshot ("preferences-event-picker"));

  /* Closed before the window goes, as a person would: GTK 4.8 asks a popover
   * torn down open for the pointer on a surface already gone. */
  gtk_popover_popdown (GTK_POPOVER (find_mapped (event_row, GTK_TYPE_POPOVER)));
  gate_test_gui_flush ();
}

/* --- the token ------------------------------------------------------------------------ */

static void
assert_text_nowhere (GtkWidget  *widget,
                     const char *secret)
{
  if (GTK_IS_LABEL (widget))
    g_assert_null (strstr (gtk_label_get_text (GTK_LABEL (widget)), secret));
  if (GTK_IS_EDITABLE (widget))
    g_assert_null (strstr (gtk_editable_get_text (GTK_EDITABLE (widget)), secret));

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    assert_text_nowhere (c, secret);
}

static void
assert_not_in_settings (GSettings  *settings,
                        const char *secret)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (settings, keys[i]);
      g_autofree char *text = g_variant_print (value, FALSE);

      g_assert_null (strstr (text, secret));
    }
}

static void
test_token_saved_never_shown (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *expected = g_strdup_printf ("Connected as %s", backend.device_id);
  GtkWidget *token_row;
  struct stat st;

  open_window (fixture);
  token_row = pref (fixture, "token_row");
  wait_for_subtitle (fixture, "token_status_row", "No token");

  apply (token_row, backend.token);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (token_row)), ==, "");
  wait_for_subtitle (fixture, "token_status_row", "A token is stored (in a private file)");

  g_assert_cmpint (gate_token_store_get_backend (fixture->store), ==, GATE_TOKEN_BACKEND_FILE);
  g_assert_cmpint (g_stat (gate_token_store_get_file_path (fixture->store), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  assert_text_nowhere (fixture->window, backend.token);
  assert_not_in_settings (fixture->settings, backend.token);

  /* The stored token is the one that works. */
  gtk_widget_activate (pref (fixture, "test_button"));
  wait_for_subtitle (fixture, "test_row", expected);
  assert_text_nowhere (fixture->window, backend.token);

  gtk_widget_activate (pref (fixture, "forget_token_button"));
  wait_for_subtitle (fixture, "token_status_row", "No token");
  g_assert_false (g_file_test (gate_token_store_get_file_path (fixture->store), G_FILE_TEST_EXISTS));
}

/* --- the server address ---------------------------------------------------------------- */

static void
test_bad_url_explained (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *before = g_settings_get_string (fixture->settings, "server-url");
  g_autofree char *after = NULL;
  GtkWidget *server_row;
  GtkWidget *server_error;

  open_window (fixture);
  server_row = pref (fixture, "server_row");
  server_error = pref (fixture, "server_error");
  g_assert_false (gtk_widget_get_visible (server_error));

  apply (server_row, "ftp://tickets.example.org");
  g_assert_true (gtk_widget_get_visible (server_error));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (server_error)), ==,
                   "The server address must start with https:// (or http:// on a local network).");
  g_assert_true (gtk_widget_has_css_class (server_row, "error"));

  apply (server_row, "tickets dot example");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (server_error)), "is not a web address"));

  apply (server_row, "");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (server_error)), "Enter the server address"));

  /* Nothing wrong was written. */
  after = g_settings_get_string (fixture->settings, "server-url");
  g_assert_cmpstr (after, ==, before);

  apply (server_row, "https://tickets.example.org/");
  g_assert_false (gtk_widget_get_visible (server_error));
  g_assert_false (gtk_widget_has_css_class (server_row, "error"));
  g_clear_pointer (&after, g_free);
  after = g_settings_get_string (fixture->settings, "server-url");
  g_assert_cmpstr (after, ==, "https://tickets.example.org");
}

static void
test_test_connection_dead_server (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *dead = g_strdup_printf ("http://127.0.0.1:%u", gate_test_free_port ());

  open_window (fixture);
  gtk_editable_set_text (GTK_EDITABLE (pref (fixture, "server_row")), dead);
  gtk_editable_set_text (GTK_EDITABLE (pref (fixture, "token_row")), "gst_typed-but-not-applied");

  gtk_widget_activate (pref (fixture, "test_button"));
  wait_for_subtitle (fixture, "test_row", "Cannot reach the server. Check the address and the network connection.");
  g_assert_true (gtk_widget_get_sensitive (pref (fixture, "test_button")));
}

/* --- scanning ------------------------------------------------------------------------------ */

static void
test_scanning_settings_bound (Fixture       *fixture,
                              gconstpointer  data)
{
  GtkWidget *decoder_row;
  g_autofree char *decoder = NULL;

  g_settings_set_enum (fixture->settings, "decoder", 1);
  g_settings_set_uint (fixture->settings, "verdict-hold-ms", 4000);
  open_window (fixture);
  decoder_row = pref (fixture, "decoder_row");

  /* Settings to widgets... */
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (decoder_row)), ==, 1);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (pref (fixture, "verdict_hold_spin"))), ==, 4.0);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (pref (fixture, "debounce_spin"))), ==, 3.0);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (pref (fixture, "sounds_switch"))));

  /* ...and back, in the settings' units. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (decoder_row), 0);
  decoder = g_settings_get_string (fixture->settings, "decoder");
  g_assert_cmpstr (decoder, ==, "zbar");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (pref (fixture, "verdict_hold_spin")), 2.5);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "verdict-hold-ms"), ==, 2500);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (pref (fixture, "verdict_hold_spin")), 60.0);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "verdict-hold-ms"), ==, 10000);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (pref (fixture, "debounce_spin")), 0.0);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "debounce-ms"), ==, 0);
  gtk_switch_set_active (GTK_SWITCH (pref (fixture, "sounds_switch")), FALSE);
  g_assert_false (g_settings_get_boolean (fixture->settings, "sounds"));
  gtk_editable_set_text (GTK_EDITABLE (pref (fixture, "device_name_row")), "North gate 2");
  assert_setting (fixture, "device-name", "North gate 2");
  gtk_switch_set_active (GTK_SWITCH (pref (fixture, "kiosk_switch")), TRUE);
  g_assert_true (g_settings_get_boolean (fixture->settings, "kiosk-mode"));
}

/* --- the kiosk PIN ------------------------------------------------------------------------ */

static gboolean
pin_hash_set (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autofree char *hash = g_settings_get_string (fixture->settings, "kiosk-pin-hash");

  return *hash != '\0';
}

typedef struct
{
  GtkWidget  *label;
  const char *prefix;
} LabelWait;

static gboolean
label_starts_with (gpointer user_data)
{
  LabelWait *wait = user_data;

  return g_str_has_prefix (gtk_label_get_text (GTK_LABEL (wait->label)), wait->prefix);
}

static void
on_unlocked (GtkWidget *dialog,
             gboolean  *unlocked)
{
  *unlocked = TRUE;
}

static void
enter_pin (GtkWidget  *dialog,
           const char *pin)
{
  GtkWidget *entry = child (dialog, GATE_TYPE_PIN_DIALOG, "entry");

  gtk_editable_set_text (GTK_EDITABLE (entry), pin);
  g_signal_emit_by_name (entry, "activate");
}

static void
test_pin_set_and_verified (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *hash = NULL;
  GtkWidget *pin_row;
  GtkWidget *dialog;
  LabelWait wrong;
  gboolean unlocked = FALSE;

  open_window (fixture);
  pin_row = pref (fixture, "pin_row");
  g_assert_cmpstr (subtitle_of (fixture, "pin_status_row"), ==, "No PIN is set: anyone can leave kiosk mode");

  apply (pin_row, "12ab");
  g_assert_true (gtk_widget_get_visible (pref (fixture, "pin_error")));
  g_assert_false (pin_hash_set (fixture));
  apply (pin_row, "123");
  g_assert_false (pin_hash_set (fixture));

  apply (pin_row, "2468");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (pin_row)), ==, "");
  g_assert_true (gate_test_gui_wait_until (pin_hash_set, fixture, 10000));
  g_assert_false (gtk_widget_get_visible (pref (fixture, "pin_error")));
  g_assert_cmpstr (subtitle_of (fixture, "pin_status_row"), ==, "A PIN is set");
  hash = g_settings_get_string (fixture->settings, "kiosk-pin-hash");
  g_assert_null (strstr (hash, "2468"));
  g_assert_true (gate_kiosk_pin_verify (hash, "2468"));

  /* The dialog that guards the kiosk takes that PIN and no other. */
  dialog = gate_pin_dialog_new (GTK_WINDOW (fixture->window), hash);
  g_signal_connect (dialog, "unlocked", G_CALLBACK (on_unlocked), &unlocked);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (gate_test_gui_wait_drawn (dialog, 10000));

  enter_pin (dialog, "1357");
  wrong = (LabelWait) { child (dialog, GATE_TYPE_PIN_DIALOG, "status"), "Wrong PIN" };
  g_assert_true (gate_test_gui_wait_until (label_starts_with, &wrong, 10000));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (dialog, GATE_TYPE_PIN_DIALOG, "entry"))), ==, "");
  g_assert_false (unlocked);
  g_assert_true (gate_test_gui_wait_drawn (dialog, 10000));
  g_free (gate_test_gui_snapshot_widget (dialog, "pin-dialog"));

  enter_pin (dialog, "2468");
  g_assert_true (gate_test_wait_for_flag (NULL, &unlocked, 10000));
}

/* Last: the lockout holds for every dialog of the process for 30 s. */
static void
test_pin_dialog_locks_after_five_wrong (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *hash = gate_kiosk_pin_hash ("8642");
  GtkWidget *dialog;
  GtkWidget *again;
  LabelWait locked;
  LabelWait locked_again;

  open_window (fixture);
  dialog = gate_pin_dialog_new (GTK_WINDOW (fixture->window), hash);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (gate_test_gui_wait_drawn (dialog, 10000));
  locked = (LabelWait) { child (dialog, GATE_TYPE_PIN_DIALOG, "status"), "Too many wrong PINs" };

  for (guint i = 0; i < GATE_PIN_DIALOG_MAX_FAILURES; i++)
    {
      GtkWidget *entry = child (dialog, GATE_TYPE_PIN_DIALOG, "entry");

      g_assert_true (gate_test_gui_wait_until ((gboolean (*) (gpointer)) gtk_editable_get_editable, entry, 10000));
      enter_pin (dialog, "0000");
    }
  g_assert_true (gate_test_gui_wait_until (label_starts_with, &locked, 10000));
  g_assert_false (gtk_widget_get_sensitive (child (dialog, GATE_TYPE_PIN_DIALOG, "keypad")));

  /* The right PIN does nothing while locked. */
  enter_pin (dialog, "8642");
  g_assert_true (label_starts_with (&locked));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* A new dialog does not reset the count. */
  again = gate_pin_dialog_new (GTK_WINDOW (fixture->window), hash);
  gtk_window_present (GTK_WINDOW (again));
  locked_again = (LabelWait) { child (again, GATE_TYPE_PIN_DIALOG, "status"), "Too many wrong PINs" };
  g_assert_true (label_starts_with (&locked_again));
  g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (child (again, GATE_TYPE_PIN_DIALOG, "entry"))));
  gtk_window_destroy (GTK_WINDOW (again));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = g_dir_make_tmp ("gate-preferences-XXXXXX", NULL);
  g_autofree char *schemas = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "data", NULL);
  int result;

  g_assert_nonnull (config);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schemas, TRUE);
  gate_test_gui_init (&argc, &argv);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.first_event = gate_test_create_event (backend.pg, "Preferences night", &error);
  g_assert_no_error (error);
  backend.second_event = gate_test_create_event (backend.pg, "Preferences encore", &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (backend.pg, "prefs-gate", "gate", &backend.device_id, &backend.token,
                                       &error));
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

  g_test_add ("/preferences/event-list-from-server", Fixture, NULL,
              fixture_set_up, test_event_list_from_server, fixture_tear_down);
  g_test_add ("/preferences/event-picker-rows-are-touch-targets", Fixture, NULL,
              fixture_set_up, test_event_picker_rows_are_touch_targets, fixture_tear_down);
  g_test_add ("/preferences/token-saved-never-shown", Fixture, NULL,
              fixture_set_up, test_token_saved_never_shown, fixture_tear_down);
  g_test_add ("/preferences/bad-url-explained", Fixture, NULL,
              fixture_set_up, test_bad_url_explained, fixture_tear_down);
  g_test_add ("/preferences/test-connection-dead-server", Fixture, NULL,
              fixture_set_up, test_test_connection_dead_server, fixture_tear_down);
  g_test_add ("/preferences/scanning-settings-bound", Fixture, NULL,
              fixture_set_up, test_scanning_settings_bound, fixture_tear_down);
  g_test_add ("/preferences/pin-set-and-verified", Fixture, NULL,
              fixture_set_up, test_pin_set_and_verified, fixture_tear_down);
  g_test_add ("/preferences/pin-dialog-locks-after-five-wrong", Fixture, NULL,
              fixture_set_up, test_pin_dialog_locks_after_five_wrong, fixture_tear_down);

  result = g_test_run ();

  /* Leave no token behind in /tmp. */
  {
    g_autofree char *directory = g_build_filename (config, "gate-scanner", NULL);
    g_autofree char *token_file = g_build_filename (directory, "device-token", NULL);

    g_unlink (token_file);
    g_rmdir (directory);
    g_rmdir (config);
  }

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_free (backend.device_id);
  g_free (backend.token);
  g_free (backend.first_event);
  g_free (backend.second_event);
  return result;
}
