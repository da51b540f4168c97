/* gate-session.c — one configured kiosk: its cache, server, engine and sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-error.h"
#include "gate-secret.h"
#include "gate-session.h"

struct _GateSession
{
  GObject           parent_instance;

  char             *server_url;
  char             *token;
  char             *apikey;
  char             *device_id;
  char             *event_id;
  char             *cache_path;
  GateConfig       *config;

  GateTicketCache  *cache;
  GateApiClient    *client;
  GateConnectivity *connectivity;
  GateScanEngine   *engine;
  GateSyncService  *sync_service;
  GCancellable     *cancellable;
  gboolean          supervisor;
};

G_DEFINE_FINAL_TYPE (GateSession, gate_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SUPERVISOR,
  PROP_CACHE,
  PROP_CONFIG,
  PROP_SIGNED_OUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
gate_session_dispose (GObject *object)
{
  GateSession *self = GATE_SESSION (object);

  g_cancellable_cancel (self->cancellable);
  if (self->sync_service != NULL)
    gate_sync_service_stop (self->sync_service);

  g_clear_object (&self->sync_service);
  g_clear_object (&self->engine);
  g_clear_object (&self->client);
  g_clear_object (&self->connectivity);
  g_clear_object (&self->cache);
  g_clear_object (&self->config);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gate_session_parent_class)->dispose (object);
}

static void
gate_session_finalize (GObject *object)
{
  GateSession *self = GATE_SESSION (object);

  gate_secret_clear (&self->token);
  gate_secret_clear (&self->apikey);
  g_free (self->server_url);
  g_free (self->device_id);
  g_free (self->event_id);
  g_free (self->cache_path);

  G_OBJECT_CLASS (gate_session_parent_class)->finalize (object);
}

static void
gate_session_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  GateSession *self = GATE_SESSION (object);

  switch (prop_id)
    {
    case PROP_SUPERVISOR:
      g_value_set_boolean (value, self->supervisor);
      break;

    case PROP_CACHE:
      g_value_set_object (value, self->cache);
      break;

    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;

    case PROP_SIGNED_OUT:
      g_value_set_boolean (value, gate_connectivity_get_signed_out (self->connectivity));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_session_class_init (GateSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_session_dispose;
  object_class->finalize = gate_session_finalize;
  object_class->get_property = gate_session_get_property;

  /**
   * GateSession:supervisor:
   *
   * Whether the token is a supervisor's: known once the server has answered
   * list_devices, which only supervisors may call.
   */
  properties[PROP_SUPERVISOR] =
    g_param_spec_boolean ("supervisor", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_CACHE] =
    g_param_spec_object ("cache", NULL, NULL, GATE_TYPE_TICKET_CACHE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, GATE_TYPE_CONFIG,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GateSession:signed-out:
   *
   * The server refused this device's token (401 from a scan, an upload, a
   * refresh, a heartbeat or the probe). It stays TRUE for this session.
   */
  properties[PROP_SIGNED_OUT] =
    g_param_spec_boolean ("signed-out", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
on_signed_out (GateSession *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_OUT]);
}

static void
gate_session_init (GateSession *self)
{
  self->cancellable = g_cancellable_new ();
  self->connectivity = gate_connectivity_new ();
  g_signal_connect_object (self->connectivity, "notify::signed-out", G_CALLBACK (on_signed_out), self,
                           G_CONNECT_SWAPPED);
}

static char *
dup_nonempty (const char *value)
{
  return value != NULL && *value != '\0' ? g_strdup (value) : NULL;
}

GateSession *
gate_session_new (const char *server_url,
                  const char *token,
                  const char *apikey,
                  const char *device_id,
                  const char *event_id,
                  const char *cache_path)
{
  GateSession *self = g_object_new (GATE_TYPE_SESSION, NULL);

  g_return_val_if_fail (cache_path != NULL, NULL);

  self->server_url = dup_nonempty (server_url);
  self->token = dup_nonempty (token);
  self->apikey = dup_nonempty (apikey);
  self->device_id = dup_nonempty (device_id);
  self->event_id = dup_nonempty (event_id);
  self->cache_path = g_strdup (cache_path);

  return self;
}

GateSession *
gate_session_new_for_config (GateConfig *config)
{
  GateSession *self;

  g_return_val_if_fail (GATE_IS_CONFIG (config), NULL);

  self = gate_session_new (gate_config_get (config, GATE_CONFIG_KEY_SERVER),
                           gate_config_get (config, GATE_CONFIG_KEY_TOKEN),
                           gate_config_get (config, GATE_CONFIG_KEY_APIKEY),
                           gate_config_get (config, GATE_CONFIG_KEY_DEVICE_ID),
                           gate_config_get (config, GATE_CONFIG_KEY_EVENT),
                           gate_config_get (config, GATE_CONFIG_KEY_CACHE));
  self->config = g_object_ref (config);
  return self;
}

/* The one place a configured client is made. */
static GateApiClient *
client_new (GateSession *self)
{
  return g_object_new (GATE_TYPE_API_CLIENT,
                       "base-url", self->server_url,
                       "token", self->token,
                       "apikey", self->apikey,
                       "device-id", self->device_id,
                       NULL);
}

static void
on_devices_listed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GateSession) self = user_data;
  g_autoptr(GPtrArray) devices = NULL;

  /* Refused for a gate token; any failure simply leaves gate mode. */
  devices = gate_api_client_list_devices_finish (GATE_API_CLIENT (source), result, NULL);
  if (devices == NULL || self->supervisor)
    return;

  self->supervisor = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUPERVISOR]);
}

static void
on_cache_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateSession *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->cache = gate_ticket_cache_open_finish (result, &error);
  if (self->cache == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (self->server_url != NULL && self->token != NULL)
    {
      self->client = client_new (self);
      self->sync_service = gate_sync_service_new (self->cache, self->client, self->connectivity,
                                                  self->event_id);
    }
  else
    {
      /* No server to reach: say so from the start rather than "online". */
      gate_connectivity_report_failure (self->connectivity);
    }

  self->engine = gate_scan_engine_new (self->cache, self->client, self->connectivity,
                                       self->event_id, self->device_id);
  /* The check-in list a kiosk was set up for (GATE_LIST, --list). */
  if (self->config != NULL)
    g_object_set (self->engine, "list-id", gate_config_get (self->config, GATE_CONFIG_KEY_LIST), NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE]);
  g_task_return_boolean (task, TRUE);
}

void
gate_session_open_async (GateSession         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GATE_IS_SESSION (self));
  g_return_if_fail (self->cache == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_session_open_async);

  if (self->device_id == NULL || self->event_id == NULL || !g_uuid_string_is_valid (self->event_id))
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_CONFIG,
                               _("Set this device's ID and the event to scan in Preferences"));
      return;
    }

  gate_ticket_cache_open_async (self->cache_path, cancellable, on_cache_opened, g_steal_pointer (&task));
}

gboolean
gate_session_open_finish (GateSession   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
gate_session_start_sync (GateSession *self,
                         guint        interval_seconds)
{
  g_return_if_fail (GATE_IS_SESSION (self));

  if (self->sync_service == NULL)
    return;

  gate_sync_service_start (self->sync_service, interval_seconds);
  gate_session_check_role (self);
}

/**
 * gate_session_check_role:
 * @self: an opened session
 *
 * Asks the server whether the token is a supervisor's (list_devices answers
 * only supervisors); GateSession:supervisor turns TRUE when it is. Nothing
 * happens without a server. gate_session_start_sync() does this itself.
 */
void
gate_session_check_role (GateSession *self)
{
  g_return_if_fail (GATE_IS_SESSION (self));

  if (self->client == NULL)
    return;

  gate_api_client_list_devices_async (self->client, self->event_id, self->cancellable, on_devices_listed,
                                      g_object_ref (self));
}

GateConfig *
gate_session_get_config (GateSession *self)
{
  g_return_val_if_fail (GATE_IS_SESSION (self), NULL);

  return self->config;
}

const char *
gate_session_get_event_id (GateSession *self)
{
  return self->event_id;
}

const char *
gate_session_get_device_id (GateSession *self)
{
  return self->device_id;
}

gboolean
gate_session_get_signed_out (GateSession *self)
{
  g_return_val_if_fail (GATE_IS_SESSION (self), FALSE);

  return gate_connectivity_get_signed_out (self->connectivity);
}

gboolean
gate_session_get_supervisor (GateSession *self)
{
  return self->supervisor;
}

GateTicketCache *
gate_session_get_cache (GateSession *self)
{
  return self->cache;
}

GateApiClient *
gate_session_get_client (GateSession *self)
{
  return self->client;
}

GateConnectivity *
gate_session_get_connectivity (GateSession *self)
{
  return self->connectivity;
}

GateScanEngine *
gate_session_get_engine (GateSession *self)
{
  return self->engine;
}

GateSyncService *
gate_session_get_sync_service (GateSession *self)
{
  return self->sync_service;
}
