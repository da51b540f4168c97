/* gate-config.c — where a kiosk's configuration comes from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every key keeps one value per source; the strongest source with a value
 * is the effective one. Loading re-reads the environment, the settings and
 * the defaults, so nothing is cached across loads but what the caller set.
 */
#include "config.h"

#include <string.h>

#include "gate-config.h"
#include "gate-secret.h"

#define N_KEYS    (GATE_CONFIG_KEY_DEMO_PEER_DEVICE_ID + 1)
#define N_SOURCES (GATE_CONFIG_SOURCE_COMMAND_LINE + 1)

static const struct
{
  const char *variable;
  const char *setting;   /* (nullable) */
  gboolean    secret;    /* wiped from memory when dropped */
} keys[N_KEYS] = {
  [GATE_CONFIG_KEY_SERVER]               = { "GATE_SERVER", "server-url", FALSE },
  [GATE_CONFIG_KEY_TOKEN]                = { "GATE_TOKEN", NULL, TRUE },
  [GATE_CONFIG_KEY_TOKEN_FILE]           = { "GATE_TOKEN_FILE", NULL, FALSE },
  [GATE_CONFIG_KEY_APIKEY]               = { "GATE_APIKEY", "apikey", TRUE },
  [GATE_CONFIG_KEY_DEVICE_ID]            = { "GATE_DEVICE_ID", "device-id", FALSE },
  [GATE_CONFIG_KEY_EVENT]                = { "GATE_EVENT", "event-id", FALSE },
  [GATE_CONFIG_KEY_CACHE]                = { "GATE_CACHE", NULL, FALSE },
  [GATE_CONFIG_KEY_LIST]                 = { "GATE_LIST", "list-id", FALSE },
  /* A connection string may carry a password. */
  [GATE_CONFIG_KEY_DB]                   = { "GATE_DB", NULL, TRUE },
  [GATE_CONFIG_KEY_LOCALEDIR]            = { "GATE_LOCALEDIR", NULL, FALSE },
  [GATE_CONFIG_KEY_DEMO_TICKETS]         = { "GATE_DEMO_TICKETS", NULL, FALSE },
  [GATE_CONFIG_KEY_DEMO_OTHER_TICKETS]   = { "GATE_DEMO_OTHER_TICKETS", NULL, FALSE },
  [GATE_CONFIG_KEY_DEMO_PEER_TOKEN_FILE] = { "GATE_DEMO_PEER_TOKEN_FILE", NULL, FALSE },
  [GATE_CONFIG_KEY_DEMO_PEER_DEVICE_ID]  = { "GATE_DEMO_PEER_DEVICE_ID", NULL, FALSE },
};

struct _GateConfig
{
  GObject           parent_instance;

  GSettings        *settings;
  char             *values[N_KEYS][N_SOURCES];

  /* The token read from the token file named by the strongest source that
   * names a token at all, kept apart from the names themselves. */
  char             *file_token;
  GateConfigSource  file_token_source;
};

G_DEFINE_FINAL_TYPE (GateConfig, gate_config, G_TYPE_OBJECT)

static void
drop_value (GateConfigKey   key,
            char          **value)
{
  if (keys[key].secret)
    gate_secret_clear (value);
  else
    g_clear_pointer (value, g_free);
}

void
gate_config_set (GateConfig       *self,
                 GateConfigKey     key,
                 GateConfigSource  source,
                 const char       *value)
{
  g_return_if_fail (GATE_IS_CONFIG (self));
  g_return_if_fail (key < N_KEYS);
  g_return_if_fail (source > GATE_CONFIG_SOURCE_NONE && source < N_SOURCES);

  drop_value (key, &self->values[key][source]);

  /* Provisioning scripts often capture values with their newline. */
  if (value != NULL)
    {
      char *stripped = g_strstrip (g_strdup (value));

      if (*stripped != '\0')
        self->values[key][source] = stripped;
      else
        g_free (stripped);
    }
}

/* --- loading ----------------------------------------------------------------- */

static char *
default_cache_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "gate-scanner", GATE_CONFIG_CACHE_NAME, NULL);
}

static void
read_layers (GateConfig *self)
{
  g_autofree char *cache = default_cache_path ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (self->settings != NULL)
    g_object_get (self->settings, "settings-schema", &schema, NULL);

  for (guint key = 0; key < N_KEYS; key++)
    {
      gate_config_set (self, key, GATE_CONFIG_SOURCE_ENVIRONMENT, g_getenv (keys[key].variable));

      if (schema != NULL && keys[key].setting != NULL && g_settings_schema_has_key (schema, keys[key].setting))
        {
          char *value = g_settings_get_string (self->settings, keys[key].setting);

          gate_config_set (self, key, GATE_CONFIG_SOURCE_SETTINGS, value);
          if (keys[key].secret)
            gate_secret_free (value);
          else
            g_free (value);
        }
    }

  gate_config_set (self, GATE_CONFIG_KEY_CACHE, GATE_CONFIG_SOURCE_DEFAULT, cache);
  gate_secret_clear (&self->file_token);
  self->file_token_source = GATE_CONFIG_SOURCE_NONE;
}

/* The token file to read: the one named by the strongest source that names
 * a token or a token file, unless that source names the token itself. */
static const char *
token_file_to_read (GateConfig       *self,
                    GateConfigSource *source)
{
  for (GateConfigSource s = GATE_CONFIG_SOURCE_COMMAND_LINE; s > GATE_CONFIG_SOURCE_NONE; s--)
    {
      if (self->values[GATE_CONFIG_KEY_TOKEN][s] != NULL)
        return NULL;
      if (self->values[GATE_CONFIG_KEY_TOKEN_FILE][s] != NULL)
        {
          *source = s;
          return self->values[GATE_CONFIG_KEY_TOKEN_FILE][s];
        }
    }

  return NULL;
}

/* Returns: (transfer full): the token in @path, NULL for an empty file */
static char *
read_token_file (const char  *path,
                 GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  char *token;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  token = g_strdup (g_strstrip (contents));
  explicit_bzero (contents, length);
  if (*token == '\0')
    g_clear_pointer (&token, g_free);
  return token;
}

static void
take_file_token (GateConfig       *self,
                 char             *token,
                 GateConfigSource  source)
{
  gate_secret_clear (&self->file_token);
  self->file_token = token;
  self->file_token_source = token != NULL ? source : GATE_CONFIG_SOURCE_NONE;
}

gboolean
gate_config_load (GateConfig    *self,
                  GCancellable  *cancellable,
                  GError       **error)
{
  GateConfigSource source = GATE_CONFIG_SOURCE_NONE;
  const char *path;
  GError *local_error = NULL;
  char *token;

  g_return_val_if_fail (GATE_IS_CONFIG (self), FALSE);

  read_layers (self);
  path = token_file_to_read (self, &source);
  if (path == NULL)
    return TRUE;

  token = read_token_file (path, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  take_file_token (self, token, source);
  return TRUE;
}

static void
read_token_file_in_thread (GTask        *task,
                           gpointer      source_object,
                           gpointer      task_data,
                           GCancellable *cancellable)
{
  GError *error = NULL;
  char *token = read_token_file (task_data, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, (GDestroyNotify) gate_secret_free);
}

static void
on_token_file_read (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateConfig *self = GATE_CONFIG (source);
  GError *error = NULL;
  char *token = g_task_propagate_pointer (G_TASK (result), &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  take_file_token (self, token, GPOINTER_TO_INT (g_task_get_task_data (task)));
  g_task_return_boolean (task, TRUE);
}

/**
 * gate_config_load_async:
 *
 * gate_config_load() with the token file read in a worker thread; the
 * environment and the settings are read at once, on the calling thread.
 */
void
gate_config_load_async (GateConfig          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) reading = NULL;
  GateConfigSource source = GATE_CONFIG_SOURCE_NONE;
  const char *path;

  g_return_if_fail (GATE_IS_CONFIG (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_config_load_async);

  read_layers (self);
  path = token_file_to_read (self, &source);
  if (path == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_task_set_task_data (task, GINT_TO_POINTER (source), NULL);
  reading = g_task_new (self, cancellable, on_token_file_read, g_steal_pointer (&task));
  g_task_set_task_data (reading, g_strdup (path), g_free);
  g_task_run_in_thread (reading, read_token_file_in_thread);
}

gboolean
gate_config_load_finish (GateConfig    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_config_load_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- values -------------------------------------------------------------------- */

static const char *
effective (GateConfig       *self,
           GateConfigKey     key,
           GateConfigSource *source)
{
  for (GateConfigSource s = GATE_CONFIG_SOURCE_COMMAND_LINE; s > GATE_CONFIG_SOURCE_NONE; s--)
    {
      const char *value = self->values[key][s];

      if (value == NULL && key == GATE_CONFIG_KEY_TOKEN && s == self->file_token_source)
        value = self->file_token;
      if (value != NULL)
        {
          *source = s;
          return value;
        }
    }

  *source = GATE_CONFIG_SOURCE_NONE;
  return NULL;
}

const char *
gate_config_get (GateConfig    *self,
                 GateConfigKey  key)
{
  GateConfigSource source;

  g_return_val_if_fail (GATE_IS_CONFIG (self), NULL);
  g_return_val_if_fail (key < N_KEYS, NULL);

  return effective (self, key, &source);
}

GateConfigSource
gate_config_get_source (GateConfig    *self,
                        GateConfigKey  key)
{
  GateConfigSource source;

  g_return_val_if_fail (GATE_IS_CONFIG (self), GATE_CONFIG_SOURCE_NONE);
  g_return_val_if_fail (key < N_KEYS, GATE_CONFIG_SOURCE_NONE);

  effective (self, key, &source);
  return source;
}

gboolean
gate_config_has_server (GateConfig *self)
{
  g_return_val_if_fail (GATE_IS_CONFIG (self), FALSE);

  return gate_config_get (self, GATE_CONFIG_KEY_SERVER) != NULL &&
         gate_config_get (self, GATE_CONFIG_KEY_TOKEN) != NULL;
}

const char *
gate_config_key_get_variable (GateConfigKey key)
{
  g_return_val_if_fail (key < N_KEYS, NULL);

  return keys[key].variable;
}

const char *
gate_config_key_get_setting (GateConfigKey key)
{
  g_return_val_if_fail (key < N_KEYS, NULL);

  return keys[key].setting;
}

const char *
gate_config_get_environment (GateConfigKey key)
{
  const char *value;

  g_return_val_if_fail (key < N_KEYS, NULL);

  value = g_getenv (keys[key].variable);
  return value != NULL && *value != '\0' ? value : NULL;
}

/* --- object -------------------------------------------------------------------- */

/**
 * gate_config_new:
 *
 * An empty configuration: set the command line's values, then load.
 */
GateConfig *
gate_config_new (GSettings *settings)
{
  GateConfig *self;

  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (GATE_TYPE_CONFIG, NULL);
  self->settings = settings != NULL ? g_object_ref (settings) : NULL;
  return self;
}

static void
gate_config_finalize (GObject *object)
{
  GateConfig *self = GATE_CONFIG (object);

  for (guint key = 0; key < N_KEYS; key++)
    for (guint source = 0; source < N_SOURCES; source++)
      drop_value (key, &self->values[key][source]);
  gate_secret_clear (&self->file_token);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (gate_config_parent_class)->finalize (object);
}

static void
gate_config_class_init (GateConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gate_config_finalize;
}

static void
gate_config_init (GateConfig *self)
{
}
