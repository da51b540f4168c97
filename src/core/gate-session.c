/* gate-session.c — one configured kiosk: its cache, server, engine and sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-checkin-list.h"
#include "gate-error.h"
#include "gate-secret.h"
#include "gate-session.h"
#include "gate-ticket-cache-rules.h"

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

  /* The gate rules, read from the cache (docs/gate-rules.md "The kiosk"). */
  char             *list_id;        /* what the kiosk was set to */
  GListStore       *lists;          /* the event's, as the cache has them */
  gboolean          lists_known;
  gboolean          synced;         /* a sync run completed: lists are the server's */
  gboolean          reading_lists;
  gboolean          read_lists_again;
  gint64            inside_count;   /* -1 until counted */
  gboolean          counting;
  gboolean          count_again;
};

G_DEFINE_FINAL_TYPE (GateSession, gate_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SUPERVISOR,
  PROP_CACHE,
  PROP_CONFIG,
  PROP_SIGNED_OUT,
  PROP_LIST_ID,
  PROP_CHECKIN_LISTS,
  PROP_LISTS_KNOWN,
  PROP_INSIDE_COUNT,
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
  g_clear_object (&self->lists);
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
  g_free (self->list_id);

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

    case PROP_LIST_ID:
      g_value_set_string (value, self->list_id);
      break;

    case PROP_CHECKIN_LISTS:
      g_value_set_object (value, self->lists);
      break;

    case PROP_LISTS_KNOWN:
      g_value_set_boolean (value, self->lists_known);
      break;

    case PROP_INSIDE_COUNT:
      g_value_set_int64 (value, self->inside_count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_session_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  GateSession *self = GATE_SESSION (object);

  switch (prop_id)
    {
    case PROP_LIST_ID:
      gate_session_set_list_id (self, g_value_get_string (value));
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
  object_class->set_property = gate_session_set_property;

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

  /**
   * GateSession:list-id:
   *
   * The check-in list the kiosk was set to (GATE_LIST, --list, the
   * "list-id" setting), NULL for none. The engine scans by it unless it
   * is not one of the event's lists: a list of another event (a setting
   * left from an earlier event, a demo) is ignored once the cache's lists
   * are current — a sync run of this session refreshed them, or the
   * session has no server — and the gate scans by no list.
   */
  properties[PROP_LIST_ID] =
    g_param_spec_string ("list-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateSession:checkin-lists:
   *
   * The event's check-in lists (GateCheckinList) as the cache has them,
   * read when the session opens and again after each sync run: there
   * offline too.
   */
  properties[PROP_CHECKIN_LISTS] =
    g_param_spec_object ("checkin-lists", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GateSession:lists-known:
   *
   * Whether :checkin-lists is what the server said: the cache has lists of
   * the event or was refreshed. Before, an empty model means "not known".
   */
  properties[PROP_LISTS_KNOWN] =
    g_param_spec_boolean ("lists-known", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateSession:inside-count:
   *
   * How many of the event's guests are inside as this cache knows it: the
   * last refresh of presence plus this gate's own entries and exits since.
   * Counted in a worker thread when the session opens and after each sync
   * run, and moved by one with each admit and exit of this gate, so
   * reading it is free and a decision costs no count; -1 until the first
   * count.
   */
  properties[PROP_INSIDE_COUNT] =
    g_param_spec_int64 ("inside-count", NULL, NULL, -1, G_MAXINT64, -1,
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
  self->lists = g_list_store_new (GATE_TYPE_CHECKIN_LIST);
  self->inside_count = -1;
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

/* --- the gate rules from the cache ---------------------------------------------- */

/* Whether a list missing from the cache's lists is not a list of the
 * event: the cache knows the lists, and they are as current as they will
 * get (a sync run refreshed them in this session, or there is no server).
 * Before, a list may be newer than the cache: kept, it refuses (the
 * server's answer, or cannot_decide offline) rather than letting a General
 * ticket through a VIP door. */
static gboolean
lists_settled (GateSession *self)
{
  return self->lists_known && (self->sync_service == NULL || self->synced);
}

/* The engine scans by the list the kiosk was set to, unless it is not one
 * of the event's lists. */
static void
apply_list (GateSession *self)
{
  const char *list_id = self->list_id;

  if (self->engine == NULL)
    return;
  if (list_id != NULL && lists_settled (self) &&
      gate_checkin_list_find (G_LIST_MODEL (self->lists), list_id) == NULL)
    {
      g_debug ("Check-in list %s is not a list of event %s: scanning by no list", list_id, self->event_id);
      list_id = NULL;
    }
  g_object_set (self->engine, "list-id", list_id, NULL);
}

static gboolean
same_lists (GListModel *model,
            GPtrArray  *lists)
{
  if (g_list_model_get_n_items (model) != lists->len)
    return FALSE;
  for (guint i = 0; i < lists->len; i++)
    {
      g_autoptr(GateCheckinList) had = g_list_model_get_item (model, i);
      GateCheckinList *now = g_ptr_array_index (lists, i);
      const char * const *had_types = gate_checkin_list_get_ticket_types (had);
      const char * const *now_types = gate_checkin_list_get_ticket_types (now);

      if (g_strcmp0 (gate_checkin_list_get_id (had), gate_checkin_list_get_id (now)) != 0 ||
          g_strcmp0 (gate_checkin_list_get_name (had), gate_checkin_list_get_name (now)) != 0 ||
          g_strcmp0 (gate_checkin_list_get_direction (had), gate_checkin_list_get_direction (now)) != 0 ||
          gate_checkin_list_get_allow_reentry (had) != gate_checkin_list_get_allow_reentry (now) ||
          gate_checkin_list_get_assigned (had) != gate_checkin_list_get_assigned (now) ||
          !g_strv_equal ((const char * const *) had_types, (const char * const *) now_types))
        return FALSE;
    }
  return TRUE;
}

static void read_lists (GateSession *self);

/* What a read of the cache's lists found: FALSE when it failed. */
static gboolean
take_lists (GateSession  *self,
            GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GPtrArray) lists = NULL;
  gboolean known = FALSE;

  rules = gate_ticket_cache_dup_checkin_lists_finish (self->cache, result, &known, &error);
  if (rules == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read the check-in lists from the cache: %s", error->message);
      return FALSE;
    }

  lists = gate_checkin_lists_new_from_rules (rules);
  if (!same_lists (G_LIST_MODEL (self->lists), lists))
    g_list_store_splice (self->lists, 0, g_list_model_get_n_items (G_LIST_MODEL (self->lists)), lists->pdata,
                         lists->len);
  if (self->lists_known != known)
    {
      self->lists_known = known;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTS_KNOWN]);
    }
  apply_list (self);
  return TRUE;
}

static void
on_lists_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GateSession) self = user_data;

  self->reading_lists = FALSE;
  if (take_lists (self, result) && self->read_lists_again)
    read_lists (self);
}

static void
read_lists (GateSession *self)
{
  self->read_lists_again = self->reading_lists;
  if (self->reading_lists || self->cache == NULL)
    return;
  self->reading_lists = TRUE;
  gate_ticket_cache_dup_checkin_lists_async (self->cache, self->event_id, self->cancellable, on_lists_read,
                                             g_object_ref (self));
}

static void count_inside (GateSession *self);

static void
on_synced (GateSession *self)
{
  self->synced = TRUE;
  read_lists (self);
  count_inside (self);
}

static void
set_inside_count (GateSession *self,
                  gint64       inside)
{
  if (self->inside_count == inside)
    return;
  self->inside_count = inside;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INSIDE_COUNT]);
}

/* An admit lets in someone who was not inside (else already_scanned) and
 * an exit lets out someone who was: the count moves by one, with no
 * counting. A decided-again scan (replayed) moved it the first time. */
static void
on_decided (GateSession            *self,
            const GateScanDecision *decision)
{
  gint64 delta;

  if (decision->replayed)
    return;
  if (decision->verdict == GATE_VERDICT_ADMITTED)
    delta = 1;
  else if (decision->verdict == GATE_VERDICT_EXITED)
    delta = -1;
  else
    return;

  /* A count under way may have read the cache before this decision. */
  self->count_again |= self->counting;
  if (self->inside_count >= 0)
    set_inside_count (self, MAX (0, self->inside_count + delta));
}

static void
on_inside_counted (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GateSession) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 inside = gate_ticket_cache_count_inside_finish (GATE_TICKET_CACHE (source), result, &error);

  self->counting = FALSE;
  if (error != NULL)
    return;
  if (self->count_again)
    count_inside (self);
  else
    set_inside_count (self, inside);
}

/* The whole count (a scan of the cache's index of those inside, which
 * holds the cache's lock): when the session opens and after each sync
 * run. At most one at a time; a decision while it runs makes one more. */
static void
count_inside (GateSession *self)
{
  self->count_again = self->counting;
  if (self->counting || self->cache == NULL)
    return;
  self->counting = TRUE;
  gate_ticket_cache_count_inside_async (self->cache, self->event_id, self->cancellable, on_inside_counted,
                                        g_object_ref (self));
}

static void
on_first_count (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateSession *self = g_task_get_source_object (task);

  on_inside_counted (source, result, g_object_ref (self));
  if (g_task_return_error_if_cancelled (task))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE]);
  g_task_return_boolean (task, TRUE);
}

static void
on_first_lists_read (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateSession *self = g_task_get_source_object (task);

  self->reading_lists = FALSE;
  take_lists (self, result);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (self->read_lists_again)
    read_lists (self);

  /* The first count too: a window shows the figure with its first frame,
   * not a moment later. */
  self->counting = TRUE;
  gate_ticket_cache_count_inside_async (self->cache, self->event_id, g_task_get_cancellable (task),
                                        on_first_count, g_object_ref (task));
}

static void
on_cache_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateSession *self = g_task_get_source_object (task);
  GCancellable *cancellable;
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
    gate_session_set_list_id (self, gate_config_get (self->config, GATE_CONFIG_KEY_LIST));
  apply_list (self);

  /* This gate's entries and exits move the count at once; a sync run may
   * bring other gates' (presence pages) and new lists. */
  g_signal_connect_object (self->engine, "decided", G_CALLBACK (on_decided), self, G_CONNECT_SWAPPED);
  if (self->sync_service != NULL)
    g_signal_connect_object (self->sync_service, "synced", G_CALLBACK (on_synced), self, G_CONNECT_SWAPPED);
  /* Opened means the engine's list is settled: a gatectl scan right after
   * must not race the first read. */
  self->reading_lists = TRUE;
  cancellable = g_task_get_cancellable (task);
  gate_ticket_cache_dup_checkin_lists_async (self->cache, self->event_id, cancellable, on_first_lists_read,
                                             g_steal_pointer (&task));
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

const char *
gate_session_get_list_id (GateSession *self)
{
  g_return_val_if_fail (GATE_IS_SESSION (self), NULL);

  return self->list_id;
}

void
gate_session_set_list_id (GateSession *self,
                          const char  *list_id)
{
  g_return_if_fail (GATE_IS_SESSION (self));

  if (list_id != NULL && *list_id == '\0')
    list_id = NULL;
  if (g_strcmp0 (self->list_id, list_id) == 0)
    return;
  g_free (self->list_id);
  self->list_id = g_strdup (list_id);
  apply_list (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIST_ID]);
}

GListModel *
gate_session_get_checkin_lists (GateSession *self)
{
  g_return_val_if_fail (GATE_IS_SESSION (self), NULL);

  return G_LIST_MODEL (self->lists);
}

gboolean
gate_session_get_lists_known (GateSession *self)
{
  g_return_val_if_fail (GATE_IS_SESSION (self), FALSE);

  return self->lists_known;
}

gint64
gate_session_get_inside_count (GateSession *self)
{
  g_return_val_if_fail (GATE_IS_SESSION (self), -1);

  return self->inside_count;
}
