/* gate-auth.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tokens are looked up by their SHA-256 (the database stores nothing else)
 * through public.gate_authenticate, and the device id remembered so that a
 * known device costs no extra round trip. Nothing else is remembered:
 * every request's transaction starts with public.gate_device_role (see
 * gate_auth_add_guard()), which fails with 28000 for a revoked token and
 * otherwise switches to the role the devices row says now, so revocation
 * and a change of role both take effect at the next request.
 *
 * For the failed-attempt limiter it also keeps the set of hashes that may
 * authenticate (public.gate_active_token_hashes), read from the database
 * when it becomes reachable and again, at most once a second, when a token
 * from an address that keeps failing is not in it: a kiosk behind the
 * same NAT as a guesser is told apart from the guesser by the database's
 * own list, also right after a restart, and guesses cost the database one
 * small query a second at most.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "gate-auth.h"
#include "gate-error.h"

/* Plenty for a venue; when full the cache starts over rather than growing
 * without bound under a flood of distinct tokens. */
#define MAX_CACHED_DEVICES 4096
#define SERVER_LANE        "gate-server"

struct _GateAuth
{
  GObject     parent_instance;

  GateDbPool *pool;
  gulong      available_id;
  GHashTable *devices;        /* token hash → GateDevice */
  GHashTable *active;         /* token hashes that may authenticate (set) */
  gint64      load_started;   /* of the load under way, or of the last one */
  gboolean    loading;
  guint       load_timer_id;
  GQueue      checks;         /* GTask* waiting for a load that started after them */
};

G_DEFINE_FINAL_TYPE (GateAuth, gate_auth, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_POOL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  char   *token_hash;
  gint64  asked_at;
} Check;

static void load_active (GateAuth *self);

static void
gate_device_clear (GateDevice *device)
{
  g_free (device->id);
  g_free (device->token_hash);
}

GateDevice *
gate_device_ref (GateDevice *device)
{
  return g_atomic_rc_box_acquire (device);
}

void
gate_device_unref (GateDevice *device)
{
  g_atomic_rc_box_release_full (device, (GDestroyNotify) gate_device_clear);
}

static void
check_free (Check *check)
{
  g_free (check->token_hash);
  g_free (check);
}

static char *
hash_token (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

/* --- authentication ------------------------------------------------------------- */

static void
on_authenticated (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateAuth *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, &error);
  g_autoptr(GateDevice) device = NULL;
  const char *id;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (reply->sqlstate != NULL)
    {
      g_message ("authentication failed in the database: %s [%s]", reply->message, reply->sqlstate);
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_SERVER, "authentication failed in the database");
      return;
    }

  /* No row: unknown or revoked. */
  if (reply->rows->len == 0 || (id = g_ptr_array_index (reply->rows, 0)) == NULL || *id == '\0')
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_UNAUTHORIZED, "invalid or revoked device token");
      return;
    }

  device = g_atomic_rc_box_new0 (GateDevice);
  device->id = g_strdup (id);
  device->token_hash = g_strdup (g_task_get_task_data (task));

  if (g_hash_table_size (self->devices) >= MAX_CACHED_DEVICES)
    g_hash_table_remove_all (self->devices);
  g_hash_table_replace (self->devices, g_strdup (device->token_hash), gate_device_ref (device));
  g_hash_table_add (self->active, g_strdup (device->token_hash));

  g_task_return_pointer (task, g_steal_pointer (&device), (GDestroyNotify) gate_device_unref);
}

/**
 * gate_auth_authenticate_async:
 * @token: the bearer token as sent
 * @lane: whose pool lane a lookup waits in (the client's address)
 *
 * Finds the device @token belongs to. Fails with %GATE_ERROR_UNAUTHORIZED
 * (unknown or revoked), %GATE_ERROR_UNAVAILABLE, %GATE_ERROR_SERVER or
 * one of the pool's errors. A remembered device is answered without
 * asking the database: the request's guard checks it.
 */
void
gate_auth_authenticate_async (GateAuth            *self,
                              const char          *token,
                              const char          *lane,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) statements = NULL;
  g_autofree char *token_hash = NULL;
  GateDbStatement *lookup;
  GateDevice *device;

  g_return_if_fail (GATE_IS_AUTH (self));
  g_return_if_fail (token != NULL && lane != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_auth_authenticate_async);

  token_hash = hash_token (token);
  device = g_hash_table_lookup (self->devices, token_hash);
  if (device != NULL)
    {
      g_task_return_pointer (task, gate_device_ref (device), (GDestroyNotify) gate_device_unref);
      return;
    }

  statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);
  lookup = gate_db_statement_new ("SELECT a.device_id FROM public.gate_authenticate($1) AS a");
  gate_db_statement_add (lookup, token_hash);
  g_ptr_array_add (statements, lookup);

  g_task_set_task_data (task, g_steal_pointer (&token_hash), g_free);
  gate_db_pool_run_async (self->pool, statements, 0, lane, cancellable, on_authenticated, g_steal_pointer (&task));
}

/**
 * gate_auth_authenticate_finish:
 *
 * Returns: (transfer full): the device
 */
GateDevice *
gate_auth_authenticate_finish (GateAuth      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gate_auth_lookup_known:
 * @token: the bearer token as sent
 *
 * The device of a token authenticated before, at once: what
 * gate_auth_authenticate_async() would answer without asking the
 * database. The request's guard checks it still holds.
 *
 * Returns: (transfer full) (nullable): the device, or %NULL when the token
 *   must be looked up
 */
GateDevice *
gate_auth_lookup_known (GateAuth   *self,
                        const char *token)
{
  g_autofree char *token_hash = NULL;
  GateDevice *device;

  g_return_val_if_fail (GATE_IS_AUTH (self), NULL);
  g_return_val_if_fail (token != NULL, NULL);

  token_hash = hash_token (token);
  device = g_hash_table_lookup (self->devices, token_hash);
  return device != NULL ? gate_device_ref (device) : NULL;
}

/* --- the tokens that may authenticate ------------------------------------------ */

static gboolean
on_load_timer (gpointer user_data)
{
  GateAuth *self = user_data;

  self->load_timer_id = 0;
  load_active (self);
  return G_SOURCE_REMOVE;
}

/* Starts a load as soon as the once-a-second budget allows. */
static void
schedule_load (GateAuth *self)
{
  gint64 due = self->load_started + GATE_AUTH_ACTIVE_RELOAD_MS * 1000;
  gint64 now = g_get_monotonic_time ();

  if (self->loading || self->load_timer_id != 0)
    return;

  if (self->load_started == 0 || now >= due)
    load_active (self);
  else
    self->load_timer_id = g_timeout_add ((guint) ((due - now + 999) / 1000), on_load_timer, self);
}

static GHashTable *
hashes_from_json (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *array;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL) ||
      !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    return NULL;

  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *hash = json_array_get_string_element (array, i);

      if (hash != NULL)
        g_hash_table_add (hashes, g_strdup (hash));
    }
  return g_steal_pointer (&hashes);
}

static void
on_active_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GateAuth) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, &error);
  g_autoptr(GHashTable) hashes = NULL;
  guint n = self->checks.length;

  self->loading = FALSE;

  if (reply != NULL && reply->sqlstate == NULL && reply->rows->len == 1)
    hashes = hashes_from_json (g_ptr_array_index (reply->rows, 0));
  if (hashes != NULL)
    {
      g_clear_pointer (&self->active, g_hash_table_unref);
      self->active = g_steal_pointer (&hashes);
    }
  else if (error == NULL || !g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAVAILABLE))
    g_message ("cannot read the active device tokens: %s",
               error ? error->message : reply && reply->message ? reply->message : "no answer");

  /* Answer those that asked before this load began; the others wait for
   * the next one. */
  for (guint i = 0; i < n; i++)
    {
      GTask *task = g_queue_pop_head (&self->checks);
      Check *check = g_task_get_task_data (task);

      if (check->asked_at > self->load_started)
        g_queue_push_tail (&self->checks, task);
      else
        {
          if (error != NULL)
            g_task_return_error (task, g_error_copy (error));
          else
            g_task_return_boolean (task, g_hash_table_contains (self->active, check->token_hash));
          g_object_unref (task);
        }
    }

  if (!g_queue_is_empty (&self->checks))
    schedule_load (self);
}

static void
load_active (GateAuth *self)
{
  g_autoptr(GPtrArray) statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);

  self->loading = TRUE;
  self->load_started = g_get_monotonic_time ();
  g_ptr_array_add (statements, gate_db_statement_new ("SELECT coalesce(json_agg(h), '[]')::text "
                                                      "FROM public.gate_active_token_hashes() AS h"));
  gate_db_pool_run_async (self->pool, statements, 0, SERVER_LANE, NULL, on_active_loaded, g_object_ref (self));
}

/**
 * gate_auth_check_active_async:
 * @token: the bearer token as sent
 *
 * Whether @token may authenticate, by the database's list of active
 * tokens rather than by what this process happened to see. A token not in
 * the list as last read waits for the next read (at most a second away),
 * so that a device added since is not turned away.
 */
void
gate_auth_check_active_async (GateAuth            *self,
                              const char          *token,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Check *check;

  g_return_if_fail (GATE_IS_AUTH (self));
  g_return_if_fail (token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_auth_check_active_async);

  check = g_new0 (Check, 1);
  check->token_hash = hash_token (token);
  check->asked_at = g_get_monotonic_time ();
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);

  if (g_hash_table_contains (self->active, check->token_hash))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_queue_push_tail (&self->checks, g_steal_pointer (&task));
  schedule_load (self);
}

gboolean
gate_auth_check_active_finish (GateAuth      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gate_auth_forget:
 *
 * Drops @device: its token turned out to be revoked.
 */
void
gate_auth_forget (GateAuth   *self,
                  GateDevice *device)
{
  g_return_if_fail (GATE_IS_AUTH (self));

  g_hash_table_remove (self->active, device->token_hash);
  g_hash_table_remove (self->devices, device->token_hash);
}

/**
 * gate_auth_add_guard:
 * @statements: a transaction being built, after its BEGIN
 *
 * Appends what makes the rest of the transaction run as @device: the check
 * that its token is still valid (SQLSTATE 28000 otherwise) and the switch
 * to the role its devices row gives it now, so that grants decide what it
 * may call; and the transaction's statement and lock timeouts.
 */
void
gate_auth_add_guard (GateDevice           *device,
                     const GateCallLimits *limits,
                     GPtrArray            *statements)
{
  GateDbStatement *guard = gate_db_statement_new (
    "SELECT pg_catalog.set_config('role', public.gate_device_role($1, $2), true), "
    "pg_catalog.set_config('statement_timeout', $3, true), "
    "pg_catalog.set_config('lock_timeout', $4, true)");
  g_autofree char *statement_timeout = g_strdup_printf ("%u", limits->statement_timeout_ms);
  g_autofree char *lock_timeout = g_strdup_printf ("%u", limits->lock_timeout_ms);

  gate_db_statement_add (guard, device->token_hash);
  gate_db_statement_add (guard, device->id);
  gate_db_statement_add (guard, statement_timeout);
  gate_db_statement_add (guard, lock_timeout);
  g_ptr_array_add (statements, guard);
}

/* --- object ------------------------------------------------------------------- */

static void
on_pool_available (GateAuth *self)
{
  /* Warm from the start, so that the first requests after a restart are
   * told apart too. */
  if (gate_db_pool_get_available (self->pool) && !self->loading)
    load_active (self);
}

GateAuth *
gate_auth_new (GateDbPool *pool)
{
  g_return_val_if_fail (GATE_IS_DB_POOL (pool), NULL);

  return g_object_new (GATE_TYPE_AUTH, "pool", pool, NULL);
}

static void
gate_auth_constructed (GObject *object)
{
  GateAuth *self = GATE_AUTH (object);

  G_OBJECT_CLASS (gate_auth_parent_class)->constructed (object);

  self->available_id = g_signal_connect_object (self->pool, "notify::available",
                                                G_CALLBACK (on_pool_available), self, G_CONNECT_SWAPPED);
  on_pool_available (self);
}

static void
gate_auth_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  GateAuth *self = GATE_AUTH (object);

  switch (prop_id)
    {
    case PROP_POOL:
      g_value_set_object (value, self->pool);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_auth_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  GateAuth *self = GATE_AUTH (object);

  switch (prop_id)
    {
    case PROP_POOL:
      self->pool = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_auth_dispose (GObject *object)
{
  GateAuth *self = GATE_AUTH (object);
  GTask *task;

  g_clear_handle_id (&self->load_timer_id, g_source_remove);
  while ((task = g_queue_pop_head (&self->checks)) != NULL)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_UNAVAILABLE, "the server is shutting down");
      g_object_unref (task);
    }
  g_clear_signal_handler (&self->available_id, self->pool);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (gate_auth_parent_class)->dispose (object);
}

static void
gate_auth_finalize (GObject *object)
{
  GateAuth *self = GATE_AUTH (object);

  g_clear_pointer (&self->devices, g_hash_table_unref);
  g_clear_pointer (&self->active, g_hash_table_unref);

  G_OBJECT_CLASS (gate_auth_parent_class)->finalize (object);
}

static void
gate_auth_class_init (GateAuthClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gate_auth_constructed;
  object_class->get_property = gate_auth_get_property;
  object_class->set_property = gate_auth_set_property;
  object_class->dispose = gate_auth_dispose;
  object_class->finalize = gate_auth_finalize;

  /**
   * GateAuth:pool:
   *
   * Where tokens are looked up.
   */
  properties[PROP_POOL] =
    g_param_spec_object ("pool", NULL, NULL, GATE_TYPE_DB_POOL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_auth_init (GateAuth *self)
{
  self->devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) gate_device_unref);
  self->active = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->checks);
}
