/* gate-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The device token is write-only here: typing one and applying saves it,
 * the field empties at once, and all the window ever learns back from the
 * store is whether a token exists. Talking to the server (the connection
 * test, the event list) always runs with a token fetched for that one call.
 *
 * Asking the server (the connection test, the event list) is in
 * gate-preferences-window-server.c (see gate-preferences-window-private.h).
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gate-api-client.h"
#include "gate-error-sentence.h"
#include "gate-kiosk-pin.h"
#include "gate-preferences-window-private.h"
#include "gate-time-format.h"

/* The device ID is written as it is typed: ask the server once typing pauses. */
#define SETTLE_MS       400

G_DEFINE_FINAL_TYPE (GatePreferencesWindow, gate_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_TOKEN_STORE,
  PROP_CONFIG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void refresh_token_status (GatePreferencesWindow *self);

/* --- sentences ------------------------------------------------------------------ */

/* NULL when @text is a usable server address. */
char *
_gate_preferences_window_explain_bad_server_url (const char *text)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (text == NULL || *text == '\0')
    return g_strdup (_("Enter the server address, such as https://tickets.example.org."));

  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return g_strdup_printf (_("“%s” is not a web address. It starts with https:// (or http:// on a local "
                              "network), followed by the server’s name."), text);

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    return g_strdup (_("The server address must start with https:// (or http:// on a local network)."));

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL || g_uri_get_userinfo (uri) != NULL)
    return g_strdup (_("The server address is only the server’s name and path, without a user name, “?” or "
                       "“#” part."));

  return NULL;
}

void
_gate_preferences_window_show_error_label (GtkWidget  *label,
                                           const char *text)
{
  gtk_label_set_text (GTK_LABEL (label), text != NULL ? text : "");
  gtk_widget_set_visible (label, text != NULL);
}

static void
toast (GatePreferencesWindow *self,
       const char            *title)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (title));
}

void
_gate_preferences_window_wipe_token (char *token)
{
  if (token != NULL)
    {
      explicit_bzero (token, strlen (token));
      g_free (token);
    }
}


/* Replaces *@cancellable with a fresh one, cancelling what it guarded. */
GCancellable *
_gate_preferences_window_restart (GCancellable **cancellable)
{
  if (*cancellable != NULL)
    g_cancellable_cancel (*cancellable);
  g_clear_object (cancellable);
  *cancellable = g_cancellable_new ();
  return *cancellable;
}

GateApiClient *
_gate_preferences_window_client_for (GatePreferencesWindow *self,
                                     const char            *server,
                                     const char            *device_id,
                                     const char            *token)
{
  GateApiClient *client = gate_api_client_new (server, token, device_id);
  g_autofree char *apikey = g_settings_get_string (self->settings, "apikey");

  /* An empty apikey means "the token", as the client's default. */
  if (*apikey != '\0')
    g_object_set (client, "apikey", apikey, NULL);
  return client;
}

/* --- server address --------------------------------------------------------------- */

static void
on_server_apply (GatePreferencesWindow *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  g_autofree char *problem = _gate_preferences_window_explain_bad_server_url (text);
  gsize length;

  _gate_preferences_window_show_error_label (self->server_error, problem);
  if (problem != NULL)
    {
      gtk_widget_add_css_class (self->server_row, "error");
      return;
    }

  gtk_widget_remove_css_class (self->server_row, "error");
  length = strlen (text);
  while (length > 0 && text[length - 1] == '/')
    text[--length] = '\0';
  g_settings_set_string (self->settings, "server-url", text);
}

static void
on_server_changed (GatePreferencesWindow *self)
{
  gtk_widget_remove_css_class (self->server_row, "error");
}

/* --- the token ----------------------------------------------------------------------- */

static void
on_token_looked_up (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GatePreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(char) token = gate_token_store_load_finish (GATE_TOKEN_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (error != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->token_status_row), error->message);
  else if (token == NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->token_status_row), _("No token"));
  else if (gate_token_store_get_backend (self->token_store) == GATE_TOKEN_BACKEND_SECRET)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->token_status_row), _("A token is stored (in the keyring)"));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->token_status_row),
                                 _("A token is stored (in a private file)"));

  gtk_widget_set_sensitive (self->forget_token_button, token != NULL);
}

static void
refresh_token_status (GatePreferencesWindow *self)
{
  g_autofree char *server = g_settings_get_string (self->settings, "server-url");
  g_autofree char *device_id = g_settings_get_string (self->settings, "device-id");

  gate_token_store_load_async (self->token_store, server, device_id, _gate_preferences_window_restart (&self->token_cancellable),
                               on_token_looked_up, self);
}

static void
on_token_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GatePreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gate_token_store_save_finish (GATE_TOKEN_STORE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->token_status_row), error->message);
      return;
    }

  toast (self, _("Token saved"));
  refresh_token_status (self);
  _gate_preferences_window_reload_events (self);
  _gate_preferences_window_reload_lists (self);
}

static void
on_token_apply (GatePreferencesWindow *self)
{
  g_autofree char *server = g_settings_get_string (self->settings, "server-url");
  g_autofree char *device_id = g_settings_get_string (self->settings, "device-id");
  g_autoptr(char) token = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->token_row))));

  /* Out of sight at once, whatever happens next. */
  gtk_editable_set_text (GTK_EDITABLE (self->token_row), "");

  if (*token == '\0')
    return;
  if (*server == '\0' || *device_id == '\0')
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->token_status_row),
                                   _("Apply the server address and enter the device ID first: a token "
                                     "belongs to one server and device."));
      return;
    }

  gate_token_store_save_async (self->token_store, server, device_id, token, self->cancellable, on_token_saved,
                               self);
}

static void
on_token_forgotten (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GatePreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gate_token_store_clear_finish (GATE_TOKEN_STORE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->token_status_row), error->message);
      return;
    }
  refresh_token_status (self);
}

static void
on_forget_token_clicked (GatePreferencesWindow *self)
{
  g_autofree char *server = g_settings_get_string (self->settings, "server-url");
  g_autofree char *device_id = g_settings_get_string (self->settings, "device-id");

  gtk_widget_set_sensitive (self->forget_token_button, FALSE);
  gate_token_store_clear_async (self->token_store, server, device_id, self->cancellable, on_token_forgotten, self);
}

/* --- kiosk PIN ---------------------------------------------------------------------------- */

static void
update_pin_status (GatePreferencesWindow *self)
{
  g_autofree char *hash = g_settings_get_string (self->settings, "kiosk-pin-hash");

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->pin_status_row),
                               *hash != '\0' ? _("A PIN is set")
                                             : _("No PIN is set: anyone can leave kiosk mode"));
}

static void
hash_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  g_task_return_pointer (task, gate_kiosk_pin_hash (task_data), g_free);
}

static void
on_pin_hashed (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GatePreferencesWindow *self;
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = g_task_propagate_pointer (G_TASK (result), &error);

  if (hash == NULL)
    return;  /* cancelled by dispose: user_data may be gone */

  self = GATE_PREFERENCES_WINDOW (user_data);
  self->hashing_pin = FALSE;
  g_settings_set_string (self->settings, "kiosk-pin-hash", hash);
  toast (self, _("Supervisor PIN saved"));
}

static void
on_pin_apply (GatePreferencesWindow *self)
{
  g_autoptr(char) pin = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->pin_row)));
  g_autoptr(GTask) task = NULL;

  gtk_editable_set_text (GTK_EDITABLE (self->pin_row), "");
  if (self->hashing_pin)
    return;
  if (!gate_kiosk_pin_is_acceptable (pin))
    {
      _gate_preferences_window_show_error_label (self->pin_error, _("A PIN is 4 to 8 digits, and nothing else. It was not changed."));
      gtk_widget_add_css_class (self->pin_row, "error");
      return;
    }

  _gate_preferences_window_show_error_label (self->pin_error, NULL);
  gtk_widget_remove_css_class (self->pin_row, "error");
  self->hashing_pin = TRUE;

  /* The hash is slow on purpose; the window stays responsive meanwhile. */
  /* Like every call here, it does not keep the window alive; dispose
   * cancels it. */
  task = g_task_new (NULL, self->cancellable, on_pin_hashed, self);
  g_task_set_source_tag (task, on_pin_apply);
  g_task_set_task_data (task, g_steal_pointer (&pin), (GDestroyNotify) _gate_preferences_window_wipe_token);
  g_task_run_in_thread (task, hash_in_thread);
}

static void
on_pin_changed (GatePreferencesWindow *self)
{
  if (*gtk_editable_get_text (GTK_EDITABLE (self->pin_row)) != '\0')
    gtk_widget_remove_css_class (self->pin_row, "error");
}

/* --- settings ------------------------------------------------------------------------------ */

static gboolean
ms_to_seconds (GValue   *value,
               GVariant *variant,
               gpointer  user_data)
{
  g_value_set_double (value, g_variant_get_uint32 (variant) / 1000.0);
  return TRUE;
}

static GVariant *
seconds_to_ms (const GValue       *value,
               const GVariantType *expected_type,
               gpointer            user_data)
{
  /* Rounded: 2.5 s typed must be 2500 ms, not 2499. The spin button keeps
   * the value within the key's range, so it is never negative. */
  return g_variant_new_uint32 ((guint32) (g_value_get_double (value) * 1000.0 + 0.5));
}

/* In the order of the decoder row's list (data/ui/gate-preferences-window.ui). */
static const char * const decoders[] = { "zbar", "zxing", "auto" };

static gboolean
decoder_to_position (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  const char *decoder = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (decoders); i++)
    if (g_str_equal (decoder, decoders[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
position_to_decoder (const GValue       *value,
                     const GVariantType *expected_type,
                     gpointer            user_data)
{
  guint position = g_value_get_uint (value);

  if (position >= G_N_ELEMENTS (decoders))
    return NULL;
  return g_variant_new_string (decoders[position]);
}

static gboolean
on_connection_settled (gpointer user_data)
{
  GatePreferencesWindow *self = user_data;

  self->settle_timeout = 0;
  refresh_token_status (self);
  _gate_preferences_window_reload_events (self);
  return G_SOURCE_REMOVE;
}

static void
on_connection_setting_changed (GatePreferencesWindow *self)
{
  g_clear_handle_id (&self->settle_timeout, g_source_remove);
  self->settle_timeout = g_timeout_add (SETTLE_MS, on_connection_settled, self);
}

static void
bind_settings (GatePreferencesWindow *self)
{
  g_autofree char *server = g_settings_get_string (self->settings, "server-url");

  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
  g_settings_bind (self->settings, "apikey", self->apikey_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "device-id", self->device_id_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "device-name", self->device_name_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "sounds", self->sounds_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "kiosk-mode", self->kiosk_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "require-operator-sign-in", self->operator_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "decoder", self->decoder_row, "selected", G_SETTINGS_BIND_DEFAULT,
                                decoder_to_position, position_to_decoder, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "verdict-hold-ms", self->verdict_hold_spin, "value",
                                G_SETTINGS_BIND_DEFAULT, ms_to_seconds, seconds_to_ms, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "debounce-ms", self->debounce_spin, "value",
                                G_SETTINGS_BIND_DEFAULT, ms_to_seconds, seconds_to_ms, NULL, NULL);

  g_signal_connect_object (self->settings, "changed::server-url", G_CALLBACK (on_connection_setting_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::device-id", G_CALLBACK (on_connection_setting_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::kiosk-pin-hash", G_CALLBACK (update_pin_status),
                           self, G_CONNECT_SWAPPED);
}

/* --- what is in effect ---------------------------------------------------------------- */

static GtkWidget *
editor_row_for (GatePreferencesWindow *self,
                GateConfigKey          key)
{
  switch (key)
    {
    case GATE_CONFIG_KEY_SERVER:
      return self->server_row;
    case GATE_CONFIG_KEY_APIKEY:
      return self->apikey_row;
    case GATE_CONFIG_KEY_DEVICE_ID:
      return self->device_id_row;
    case GATE_CONFIG_KEY_EVENT:
      return self->event_row;
    case GATE_CONFIG_KEY_LIST:
      return self->list_row;
    case GATE_CONFIG_KEY_TOKEN:
    case GATE_CONFIG_KEY_TOKEN_FILE:
      return self->token_row;
    default:
      return NULL;
    }
}

/* Where a value comes from, as the venue's IT reads it. */
static char *
describe_source (GateConfigKey    key,
                 GateConfigSource source)
{
  switch (source)
    {
    case GATE_CONFIG_SOURCE_COMMAND_LINE:
      /* Translators: %s is a command-line option, e.g. --server */
      return g_strdup_printf (_("Set on the command line (--%s)"),
                              gate_enum_to_nick (GATE_TYPE_CONFIG_KEY, key));
    case GATE_CONFIG_SOURCE_ENVIRONMENT:
      /* Translators: %s is an environment variable, e.g. GATE_SERVER */
      return g_strdup_printf (_("Set by %s"), gate_config_key_get_variable (key));
    case GATE_CONFIG_SOURCE_SETTINGS:
      return g_strdup (_("From these preferences"));
    case GATE_CONFIG_SOURCE_DEFAULT:
      return g_strdup (_("Default"));
    case GATE_CONFIG_SOURCE_NONE:
    default:
      return g_strdup (_("Not set"));
    }
}

static gboolean
set_outside (GateConfigSource source)
{
  return source == GATE_CONFIG_SOURCE_ENVIRONMENT || source == GATE_CONFIG_SOURCE_COMMAND_LINE;
}

static void
show_effective_values (GatePreferencesWindow *self)
{
  const struct
  {
    GateConfigKey key;
    const char   *title;
    gboolean      secret;
  } values[] = {
    { GATE_CONFIG_KEY_SERVER, N_("Server address"), FALSE },
    { GATE_CONFIG_KEY_DEVICE_ID, N_("Device ID"), FALSE },
    { GATE_CONFIG_KEY_EVENT, N_("Event"), FALSE },
    { GATE_CONFIG_KEY_LIST, N_("Check-in list"), FALSE },
    { GATE_CONFIG_KEY_TOKEN, N_("Device token"), TRUE },
    { GATE_CONFIG_KEY_APIKEY, N_("API key"), TRUE },
    { GATE_CONFIG_KEY_CACHE, N_("Ticket cache"), FALSE },
  };
  gboolean any_outside = FALSE;

  for (guint i = 0; i < self->effective_rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self->effective_group),
                                  g_ptr_array_index (self->effective_rows, i));
  g_ptr_array_set_size (self->effective_rows, 0);

  for (GateConfigKey key = GATE_CONFIG_KEY_SERVER; key <= GATE_CONFIG_KEY_DB; key++)
    {
      GtkWidget *editor = editor_row_for (self, key);

      if (editor != NULL)
        {
          gtk_widget_set_sensitive (editor, TRUE);
          gtk_widget_set_tooltip_text (editor, NULL);
        }
    }

  gtk_widget_set_visible (self->effective_group, self->config != NULL);
  if (self->config == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      GateConfigSource source = gate_config_get_source (self->config, values[i].key);
      const char *value = gate_config_get (self->config, values[i].key);
      g_autofree char *where = describe_source (values[i].key, source);
      g_autofree char *name = g_strdup_printf ("effective-%s", gate_enum_to_nick (GATE_TYPE_CONFIG_KEY,
                                                                                  values[i].key));
      GtkWidget *editor = editor_row_for (self, values[i].key);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *source_label = gtk_label_new (where);

      gtk_widget_set_name (row, name);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(values[i].title));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (value == NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Not set"));
      else if (values[i].secret)
        /* A secret is never shown, not even here. */
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Set (hidden)"));
      else
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);

      gtk_widget_set_name (source_label, "source");
      gtk_label_set_wrap (GTK_LABEL (source_label), FALSE);
      gtk_label_set_xalign (GTK_LABEL (source_label), 1);
      gtk_widget_add_css_class (source_label, set_outside (source) ? "accent" : "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), source_label);
      if (set_outside (source))
        {
          GtkWidget *lock = gtk_image_new_from_icon_name ("changes-prevent-symbolic");

          gtk_accessible_update_property (GTK_ACCESSIBLE (lock), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          _("Cannot be changed here"), -1);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), lock);
          any_outside = TRUE;

          /* Typing here would change a setting that is not in effect. */
          if (editor != NULL)
            {
              gtk_widget_set_sensitive (editor, FALSE);
              gtk_widget_set_tooltip_text (editor, where);
            }
        }

      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->effective_group), row);
      g_ptr_array_add (self->effective_rows, row);
    }

  /* A token set outside also locks forgetting the stored one. */
  if (any_outside && set_outside (gate_config_get_source (self->config, GATE_CONFIG_KEY_TOKEN)))
    gtk_widget_set_sensitive (self->forget_token_button, FALSE);
}

void
gate_preferences_window_set_config (GatePreferencesWindow *self,
                                    GateConfig            *config)
{
  g_return_if_fail (GATE_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (config == NULL || GATE_IS_CONFIG (config));

  if (!g_set_object (&self->config, config))
    return;

  show_effective_values (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIG]);
}

GateConfig *
gate_preferences_window_get_config (GatePreferencesWindow *self)
{
  g_return_val_if_fail (GATE_IS_PREFERENCES_WINDOW (self), NULL);

  return self->config;
}

/* --- GObject ------------------------------------------------------------------------------- */

static void
gate_preferences_window_constructed (GObject *object)
{
  GatePreferencesWindow *self = GATE_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (gate_preferences_window_parent_class)->constructed (object);

  g_assert (self->settings != NULL && self->token_store != NULL);

  bind_settings (self);
  update_pin_status (self);
  refresh_token_status (self);
  _gate_preferences_window_reload_events (self);
  _gate_preferences_window_reload_lists (self);
}

static void
gate_preferences_window_dispose (GObject *object)
{
  GatePreferencesWindow *self = GATE_PREFERENCES_WINDOW (object);

  g_clear_handle_id (&self->settle_timeout, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  if (self->token_cancellable != NULL)
    g_cancellable_cancel (self->token_cancellable);
  if (self->events_cancellable != NULL)
    g_cancellable_cancel (self->events_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->token_cancellable);
  g_clear_object (&self->events_cancellable);
  _gate_preferences_window_dispose_lists (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_PREFERENCES_WINDOW);

  gate_choices_dispose (&self->events);
  g_clear_object (&self->settings);
  g_clear_object (&self->token_store);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (gate_preferences_window_parent_class)->dispose (object);
}

static void
gate_preferences_window_finalize (GObject *object)
{
  GatePreferencesWindow *self = GATE_PREFERENCES_WINDOW (object);

  g_ptr_array_unref (self->effective_rows);

  G_OBJECT_CLASS (gate_preferences_window_parent_class)->finalize (object);
}

static void
gate_preferences_window_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  GatePreferencesWindow *self = GATE_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_TOKEN_STORE:
      g_value_set_object (value, self->token_store);
      break;
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_preferences_window_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  GatePreferencesWindow *self = GATE_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_TOKEN_STORE:
      self->token_store = g_value_dup_object (value);
      break;
    case PROP_CONFIG:
      gate_preferences_window_set_config (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_preferences_window_class_init (GatePreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = gate_preferences_window_constructed;
  object_class->dispose = gate_preferences_window_dispose;
  object_class->finalize = gate_preferences_window_finalize;
  object_class->get_property = gate_preferences_window_get_property;
  object_class->set_property = gate_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_TOKEN_STORE] =
    g_param_spec_object ("token-store", NULL, NULL,
                         GATE_TYPE_TOKEN_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);
  /* What the gate runs with; see gate_preferences_window_set_config(). */
  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, GATE_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gatescanner/GateScanner/gate-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, apikey_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, device_id_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, server_error);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, token_status_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, forget_token_button);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, token_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, test_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, test_button);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, reload_button);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, event_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, event_status);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, list_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, list_status);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, operator_switch);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, device_name_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, decoder_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, sounds_switch);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, verdict_hold_spin);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, debounce_spin);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, kiosk_switch);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, pin_status_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, pin_row);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, pin_error);
  gtk_widget_class_bind_template_child (widget_class, GatePreferencesWindow, effective_group);
  gtk_widget_class_bind_template_callback (widget_class, on_server_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_server_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_token_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_forget_token_clicked);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_test_clicked",
                                                G_CALLBACK (_gate_preferences_window_on_test_clicked));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_reload_clicked",
                                                G_CALLBACK (_gate_preferences_window_on_reload_clicked));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_event_selected",
                                                G_CALLBACK (_gate_preferences_window_on_event_selected));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_list_selected",
                                                G_CALLBACK (_gate_preferences_window_on_list_selected));
  gtk_widget_class_bind_template_callback (widget_class, on_pin_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_pin_changed);
}

static void
gate_preferences_window_init (GatePreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->effective_rows = g_ptr_array_new ();
  gate_choices_init (&self->events, self->event_row);
  _gate_preferences_window_init_lists (self);
}

/**
 * gate_preferences_window_new:
 * @settings: a GSettings of io.github.gatescanner.GateScanner
 * @token_store: where the device token is kept
 *
 * Returns: (transfer none): a new window; present it
 */
GtkWidget *
gate_preferences_window_new (GSettings      *settings,
                             GateTokenStore *token_store)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (GATE_IS_TOKEN_STORE (token_store), NULL);

  return g_object_new (GATE_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       "token-store", token_store,
                       NULL);
}
