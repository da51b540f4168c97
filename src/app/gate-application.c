/* gate-application.c — gate-scanner's application object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Resolves the configuration (GateConfig: command line, then GATE_*
 * variables, then settings — DESIGN.md §7), opens the session, starts the camera and the
 * sync loop, and sends every decision to the window, the verdict log and
 * the speaker.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-application.h"
#include "gate-camera.h"
#include "gate-config.h"
#include "gate-demo.h"
#include "gate-enrol-page.h"
#include "gate-error.h"
#include "gate-error-sentence.h"
#include "gate-preferences-window.h"
#include "gate-secret.h"
#include "gate-session.h"
#include "gate-sound-player.h"
#include "gate-token-store.h"
#include "gate-verdict-log.h"
#include "gate-window.h"

struct _GateApplication
{
  AdwApplication   parent_instance;

  GSettings       *settings;
  char            *source_option;
  char            *decoder_option;
  char            *verdict_log_path;
  gboolean         demo;
  gboolean         kiosk;

  GateTokenStore  *token_store;
  gboolean         connection_changed;
  GateVerdictLog  *verdict_log;
  GateSoundPlayer *sounds;
  GateDemo        *demo_driver;
  GateSession     *session;
  GateCamera      *camera;
  GCancellable    *cancellable;
};

G_DEFINE_FINAL_TYPE (GateApplication, gate_application, ADW_TYPE_APPLICATION)

static void
on_token_stored (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateConfig *config = g_task_get_task_data (task);
  GError *error = NULL;
  char *token;

  /* NULL without an error: nothing stored for this server and device. */
  token = gate_token_store_load_finish (GATE_TOKEN_STORE (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The store holds what Preferences saved: a setting, in GateConfig's terms. */
  gate_config_set (config, GATE_CONFIG_KEY_TOKEN, GATE_CONFIG_SOURCE_SETTINGS, token);
  gate_secret_free (token);
  g_task_return_boolean (task, TRUE);
}

static void
on_config_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateApplication *self = g_task_get_source_object (task);
  GateConfig *config = GATE_CONFIG (source);
  const char *server_url = gate_config_get (config, GATE_CONFIG_KEY_SERVER);
  const char *device_id = gate_config_get (config, GATE_CONFIG_KEY_DEVICE_ID);
  GError *error = NULL;

  if (!gate_config_load_finish (config, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (gate_config_get (config, GATE_CONFIG_KEY_TOKEN) == NULL && server_url != NULL && device_id != NULL)
    {
      gate_token_store_load_async (self->token_store, server_url, device_id, self->cancellable, on_token_stored,
                                   g_steal_pointer (&task));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/* The whole configuration (GateConfig: GATE_* variables over the settings),
 * the device token included: from GATE_TOKEN, from the file GATE_TOKEN_FILE
 * names, or from the token store for this server and device — read off the
 * main thread. */
static void
config_load_async (GateApplication     *self,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, callback, user_data);
  GateConfig *config = gate_config_new (self->settings);

  g_task_set_task_data (task, config, g_object_unref);
  gate_config_load_async (config, self->cancellable, on_config_read, g_steal_pointer (&task));
}

static GateConfig *
config_load_finish (GateApplication  *self,
                    GAsyncResult     *result,
                    GError          **error)
{
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;

  return g_object_ref (g_task_get_task_data (G_TASK (result)));
}

static gboolean
config_is_complete (GateConfig *config)
{
  return gate_config_get (config, GATE_CONFIG_KEY_DEVICE_ID) != NULL &&
         gate_config_get (config, GATE_CONFIG_KEY_EVENT) != NULL;
}

/* A locked kiosk offers no way to settings or out of the app. */
static void
on_kiosk_changed (GateApplication *self,
                  GParamSpec      *pspec,
                  GateWindow      *window)
{
  static const char *locked_actions[] = { "preferences", "quit", "demo" };
  gboolean kiosk = gate_window_get_kiosk (window);

  for (guint i = 0; i < G_N_ELEMENTS (locked_actions); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), locked_actions[i]);

      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), !kiosk);
    }
}

static GateWindow *
get_window (GateApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (gate_window_new (ADW_APPLICATION (self)));
      g_settings_bind (self->settings, "kiosk-pin-hash", window, "pin-hash", G_SETTINGS_BIND_GET);
      /* The window shows, logs and sounds each decision, in that order. */
      gate_window_set_feedback (GATE_WINDOW (window), self->verdict_log, self->sounds);
      g_settings_bind (self->settings, "sounds", window, "sounds", G_SETTINGS_BIND_GET);
      /* A supervisor's laptop window opens as it was left. */
      g_settings_bind (self->settings, "window-width", window, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-height", window, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-maximized", window, "maximized", G_SETTINGS_BIND_DEFAULT);
      g_signal_connect_object (window, "notify::kiosk", G_CALLBACK (on_kiosk_changed), self, G_CONNECT_SWAPPED);
    }

  return GATE_WINDOW (window);
}

static char *
camera_source (GateApplication *self)
{
  if (self->demo_driver != NULL)
    return gate_demo_dup_camera_source (self->demo_driver);
  if (self->source_option != NULL)
    return g_strdup (self->source_option);

  return g_settings_get_string (self->settings, "camera-source");
}

static char *
camera_decoder (GateApplication *self)
{
  if (self->decoder_option != NULL)
    return g_strdup (self->decoder_option);

  return g_settings_get_string (self->settings, "decoder");
}

static gboolean
list_id_from_setting (GValue   *value,
                      GVariant *variant,
                      gpointer  user_data)
{
  const char *list_id = g_variant_get_string (variant, NULL);

  g_value_set_string (value, *list_id != '\0' ? list_id : NULL);
  return TRUE;
}

/* The check-in list picked in Preferences applies at once, unless GATE_LIST
 * or --list set it for this run (Preferences shows that). */
static void
follow_list_setting (GateApplication *self,
                     GateSession     *session)
{
  GateConfig *config = gate_session_get_config (session);

  if (config != NULL && gate_config_get_source (config, GATE_CONFIG_KEY_LIST) > GATE_CONFIG_SOURCE_SETTINGS)
    return;
  /* The session checks it is a list of the event (a setting left from
   * another event, or the demo's, is ignored). */
  g_settings_bind_with_mapping (self->settings, "list-id", session, "list-id", G_SETTINGS_BIND_GET,
                                list_id_from_setting, NULL, NULL, NULL);
}

static void
on_session_opened (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GateApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *source_description = NULL;
  g_autofree char *decoder = NULL;
  GateSession *session = GATE_SESSION (source);
  GateScanEngine *engine;
  GateWindow *window;

  if (!gate_session_open_finish (session, result, &error))
    {
      g_autofree char *sentence = NULL;
      g_autofree char *description = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* What happened in plain words and what to do first; the exact
       * failure after it, for whoever fixes it. */
      sentence = gate_error_sentence (error, GATE_ACTIVITY_READING_CACHE, 0);
      description = g_strdup_printf ("%s\n\n%s", sentence, error->message);
      gate_window_show_error (get_window (self),
                              g_error_matches (error, GATE_ERROR, GATE_ERROR_CONFIG)
                              ? _("The Configuration Is Incomplete")
                              : _("The Ticket Cache Could Not Be Opened"),
                              description);
      return;
    }

  engine = gate_session_get_engine (session);
  g_settings_bind (self->settings, "debounce-ms", engine, "debounce-ms", G_SETTINGS_BIND_GET);
  follow_list_setting (self, session);

  source_description = camera_source (self);
  decoder = camera_decoder (self);
  self->camera = gate_camera_new (source_description, decoder);

  window = get_window (self);
  gate_window_set_session (window, session, self->camera);
  g_settings_bind (self->settings, "device-name", window, "device-name", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "verdict-hold-ms", gate_window_get_gate_view (window), "hold-ms",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "require-operator-sign-in", gate_window_get_gate_view (window), "require-operator",
                   G_SETTINGS_BIND_GET);
  gate_window_set_demo (window, self->demo_driver != NULL && gate_demo_get_can_cut (self->demo_driver));
  if (self->demo_driver != NULL)
    gate_demo_attach (self->demo_driver, session, self->camera);

  gate_camera_start (self->camera);
  gate_session_start_sync (session, g_settings_get_uint (self->settings, "refresh-interval-seconds"));
}

static void
open_session (GateApplication *self,
              GateSession     *session)
{
  g_set_object (&self->session, session);
  gate_session_open_async (self->session, self->cancellable, on_session_opened, g_object_ref (self));
}

static void
on_demo_prepared (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GateApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateSession) session = NULL;

  if (!gate_demo_prepare_finish (GATE_DEMO (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gate_window_show_error (get_window (self), _("The Demo Could Not Start"), error->message);
      return;
    }

  session = gate_session_new (gate_demo_get_server_url (self->demo_driver), gate_demo_get_token (self->demo_driver),
                              NULL, gate_demo_get_device_id (self->demo_driver),
                              gate_demo_get_event_id (self->demo_driver), gate_demo_get_cache_path (self->demo_driver));
  open_session (self, session);
}

static void
start_demo (GateApplication *self,
            GateConfig      *config)
{
  g_clear_object (&self->demo_driver);
  self->demo_driver = gate_demo_new (gate_config_get (config, GATE_CONFIG_KEY_SERVER),
                                     gate_config_get (config, GATE_CONFIG_KEY_TOKEN),
                                     gate_config_get (config, GATE_CONFIG_KEY_DEVICE_ID),
                                     gate_config_get (config, GATE_CONFIG_KEY_EVENT),
                                     gate_config_get (config, GATE_CONFIG_KEY_CACHE),
                                     gate_config_get (config, GATE_CONFIG_KEY_DEMO_TICKETS));
  gate_demo_prepare_async (self->demo_driver, self->cancellable, on_demo_prepared, g_object_ref (self));
}

static void start (GateApplication *self);

/* Enrolled: the token is stored and the settings say where to connect, so
 * the configuration is read again and the session opens. */
static void
on_enrolled (GateApplication *self)
{
  start (self);
}

/* First run: the live camera waits for a setup QR (docs/enrolment.md). */
static void
start_enrolment (GateApplication *self,
                 GateWindow      *window)
{
  g_autofree char *source_description = camera_source (self);
  g_autofree char *decoder = camera_decoder (self);
  g_autoptr(GateCamera) camera = gate_camera_new (source_description, decoder);
  GtkWidget *page = gate_enrol_page_new (camera, self->settings, self->token_store);

  g_signal_connect_object (page, "enrolled", G_CALLBACK (on_enrolled), self, G_CONNECT_SWAPPED);
  /* The page starts the camera when it is shown. */
  gate_window_show_enrol_page (window, page);
}

static void
on_config_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GateApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateConfig) config = config_load_finish (self, result, &error);
  g_autoptr(GateSession) session = NULL;
  GateWindow *window;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  window = get_window (self);
  if (config == NULL)
    {
      gate_window_show_error (window, self->demo ? _("The Demo Could Not Start") : _("No Device Token"),
                              error->message);
      return;
    }

  if (self->demo)
    {
      start_demo (self, config);
      return;
    }

  if (gate_config_get (config, GATE_CONFIG_KEY_DEVICE_ID) == NULL)
    {
      start_enrolment (self, window);
      return;
    }

  if (!config_is_complete (config))
    {
      gate_window_show_welcome (window);
      return;
    }

  if (gate_config_get (config, GATE_CONFIG_KEY_SERVER) != NULL && !gate_config_has_server (config))
    {
      gate_window_show_error (window, _("No Device Token"),
                              _("Enter the token your venue's IT gave this device in Preferences"));
      return;
    }

  session = gate_session_new_for_config (config);
  open_session (self, session);
}

static void
start (GateApplication *self)
{
  config_load_async (self, on_config_loaded, g_object_ref (self));
}

static void
gate_application_activate (GApplication *application)
{
  GateApplication *self = GATE_APPLICATION (application);
  gboolean first = gtk_application_get_active_window (GTK_APPLICATION (self)) == NULL;
  GateWindow *window = get_window (self);

  gtk_window_present (GTK_WINDOW (window));

  if (first)
    {
      if (self->kiosk || g_settings_get_boolean (self->settings, "kiosk-mode"))
        gate_window_set_kiosk (window, TRUE);
      start (self);
    }
}

static int
gate_application_handle_local_options (GApplication *application,
                                       GVariantDict *options)
{
  GateApplication *self = GATE_APPLICATION (application);
  g_autoptr(GError) error = NULL;

  g_variant_dict_lookup (options, "source", "s", &self->source_option);
  g_variant_dict_lookup (options, "decoder", "s", &self->decoder_option);
  g_variant_dict_lookup (options, "verdict-log", "^ay", &self->verdict_log_path);
  self->demo = g_variant_dict_contains (options, "demo");
  self->kiosk = g_variant_dict_contains (options, "kiosk");

  if (self->decoder_option != NULL &&
      g_strcmp0 (self->decoder_option, "zbar") != 0 &&
      g_strcmp0 (self->decoder_option, "zxing") != 0)
    {
      g_printerr (_("Unknown decoder “%s”: use zbar or zxing\n"), self->decoder_option);
      return 2;
    }

  if (self->verdict_log_path != NULL)
    {
      self->verdict_log = gate_verdict_log_new (self->verdict_log_path, &error);
      if (self->verdict_log == NULL)
        {
          g_printerr (_("Cannot write the verdict log: %s\n"), error->message);
          return 2;
        }
    }

  return G_APPLICATION_CLASS (gate_application_parent_class)->handle_local_options (application, options);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GateApplication *self = user_data;
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "application-name", _("Gate Scanner"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Gate Scanner developers"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "comments", _("Offline-first ticket scanning for venue gates"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
on_connection_changed (GateApplication *self,
                       const char      *key)
{
  static const char *connection_keys[] = { "server-url", "apikey", "device-id", "event-id" };

  for (guint i = 0; i < G_N_ELEMENTS (connection_keys); i++)
    if (g_strcmp0 (key, connection_keys[i]) == 0)
      self->connection_changed = TRUE;
}

/* Everything again, on a fresh window: after a failure the worker asked to
 * try again, or with the connection Preferences changed. */
static void start_enrolment (GateApplication *self,
                             GateWindow      *window);

static void
restart_full (GateApplication *self,
              gboolean         enrol)
{
  GateWindow *window = get_window (self);
  gboolean kiosk = gate_window_get_kiosk (window);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->camera != NULL)
    gate_camera_stop (self->camera);
  g_clear_object (&self->camera);
  g_clear_object (&self->session);

  /* Held so that the moment without a window does not end the app. */
  g_application_hold (G_APPLICATION (self));
  gtk_window_destroy (GTK_WINDOW (window));
  window = get_window (self);
  gtk_window_present (GTK_WINDOW (window));
  gate_window_set_kiosk (window, kiosk);
  g_application_release (G_APPLICATION (self));
  if (enrol)
    start_enrolment (self, window);
  else
    start (self);
}

static void
restart (GateApplication *self)
{
  restart_full (self, FALSE);
}

/* Scanning goes on with the old connection while the preferences are open;
 * a new one takes over when they close, on a fresh window. */
static void
on_preferences_closed (GateApplication *self)
{
  GateWindow *window = get_window (self);

  g_signal_handlers_disconnect_by_func (self->settings, on_connection_changed, self);

  if (g_strcmp0 (gate_window_get_page (window), "main") == 0 && !self->connection_changed)
    return;
  if (self->demo)
    return;

  restart (self);
}

static void
retry_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GateApplication *self = user_data;

  /* Only a gate that is not scanning has anything to try again. */
  if (g_strcmp0 (gate_window_get_page (get_window (self)), "main") == 0)
    return;

  restart (self);
}

/* A supervisor sets this gate up again from a new setup code: the menu
 * that offers it is hidden in kiosk mode, so a locked kiosk needs the
 * supervisor PIN first. The enrol page comes up on a fresh window; the old
 * token and settings stay until a new code is accepted, which replaces
 * them (docs/enrolment.md). */
static void
set_up_again_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GateApplication *self = user_data;

  if (gate_window_get_kiosk (get_window (self)))
    return;

  self->demo = FALSE;
  g_clear_object (&self->demo_driver);
  restart_full (self, TRUE);
}

/* The kiosk-mode switch in Preferences takes effect at once, both ways. */
static void
on_kiosk_setting_changed (GateApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (GATE_IS_WINDOW (window))
    gate_window_set_kiosk (GATE_WINDOW (window), self->kiosk || g_settings_get_boolean (self->settings, "kiosk-mode"));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GateApplication *self = user_data;
  GtkWidget *preferences;

  preferences = gate_preferences_window_new (self->settings, self->token_store);
  if (self->session != NULL)
    {
      gate_preferences_window_set_config (GATE_PREFERENCES_WINDOW (preferences),
                                          gate_session_get_config (self->session));
      gate_preferences_window_set_cache (GATE_PREFERENCES_WINDOW (preferences), gate_session_get_cache (self->session));
    }
  gtk_window_set_transient_for (GTK_WINDOW (preferences), GTK_WINDOW (get_window (self)));
  gtk_window_set_modal (GTK_WINDOW (preferences), TRUE);

  self->connection_changed = FALSE;
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_connection_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (preferences, "destroy", G_CALLBACK (on_preferences_closed), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
demo_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GateApplication *self = user_data;

  if (self->session != NULL)
    return;

  self->demo = TRUE;
  start (self);
}

static void
demo_offline_action (GSimpleAction *action,
                     GVariant      *state,
                     gpointer       user_data)
{
  GateApplication *self = user_data;
  gboolean offline = g_variant_get_boolean (state);

  if (self->demo_driver == NULL)
    return;

  gate_demo_set_offline (self->demo_driver, offline);
  g_simple_action_set_state (action, state);
  gate_window_add_toast (get_window (self),
                         offline ? _("Demo network cut: scans are decided from the cache")
                                 : _("Demo network back: offline scans are uploading"));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GateApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window != NULL)
    gtk_window_close (window);
  else
    g_application_quit (G_APPLICATION (self));
}

static void
gate_application_startup (GApplication *application)
{
  GateApplication *self = GATE_APPLICATION (application);
  static const GActionEntry actions[] = {
    { "about", about_action },
    { "preferences", preferences_action },
    { "demo", demo_action },
    { "demo-offline", NULL, NULL, "false", demo_offline_action },
    { "quit", quit_action },
    { "retry", retry_action },
    { "set-up-again", set_up_again_action },
  };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (gate_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
}

static void
gate_application_shutdown (GApplication *application)
{
  GateApplication *self = GATE_APPLICATION (application);

  g_cancellable_cancel (self->cancellable);
  if (self->camera != NULL)
    gate_camera_stop (self->camera);

  G_APPLICATION_CLASS (gate_application_parent_class)->shutdown (application);
}

static void
gate_application_dispose (GObject *object)
{
  GateApplication *self = GATE_APPLICATION (object);

  g_clear_object (&self->camera);
  g_clear_object (&self->session);
  g_clear_object (&self->demo_driver);
  g_clear_object (&self->verdict_log);
  g_clear_object (&self->sounds);
  g_clear_object (&self->token_store);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gate_application_parent_class)->dispose (object);
}

static void
gate_application_finalize (GObject *object)
{
  GateApplication *self = GATE_APPLICATION (object);

  g_free (self->source_option);
  g_free (self->decoder_option);
  g_free (self->verdict_log_path);

  G_OBJECT_CLASS (gate_application_parent_class)->finalize (object);
}

static void
gate_application_class_init (GateApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = gate_application_dispose;
  object_class->finalize = gate_application_finalize;
  application_class->activate = gate_application_activate;
  application_class->startup = gate_application_startup;
  application_class->shutdown = gate_application_shutdown;
  application_class->handle_local_options = gate_application_handle_local_options;
}

static void
gate_application_init (GateApplication *self)
{
  static const GOptionEntry options[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Scan the demo event with a simulated camera"), NULL },
    { "source", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Camera: auto, none, or a GStreamer source description"), N_("SOURCE") },
    { "decoder", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("QR decoder: zbar or zxing"), N_("DECODER") },
    { "kiosk", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Run fullscreen and locked for gate staff"), NULL },
    { "verdict-log", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Append one JSON line per decision to FILE"), N_("FILE") },
    { NULL }
  };

  self->settings = g_settings_new (APP_ID);
  g_signal_connect_object (self->settings, "changed::kiosk-mode", G_CALLBACK (on_kiosk_setting_changed), self,
                           G_CONNECT_SWAPPED);
  self->sounds = gate_sound_player_new ();
  self->token_store = gate_token_store_new ();
  self->cancellable = g_cancellable_new ();

  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

GateApplication *
gate_application_new (void)
{
  return g_object_new (GATE_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/gatescanner/GateScanner",
                       NULL);
}

