/* gate-auth.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tokens are looked up by their SHA-256 (the database stores nothing else)
 * through public.gate_authenticate, and remembered so that a known device
 * costs no extra round trip. Revocation still takes effect at once: every
 * request's transaction starts with public.gate_check_device (see
 * gate_auth_add_guard()), which fails with 28000 for a revoked token, and
 * the caller then forgets the device.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "gate-auth.h"
#include "gate-error.h"

/* Plenty for a venue; when full the cache starts over rather than growing
 * without bound under a flood of distinct tokens. */
#define MAX_CACHED_DEVICES 4096

struct _GateAuth
{
  GObject     parent_instance;

  GateDbPool *pool;
  GHashTable *devices;   /* token hash → GateDevice */
};

G_DEFINE_FINAL_TYPE (GateAuth, gate_auth, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_POOL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The roles a device may act as. The name is spliced into SET ROLE, so
 * only these, whatever the database says. */
static const char * const device_roles[] = { "gate_device", "gate_supervisor", NULL };

static void
gate_device_clear (GateDevice *device)
{
  g_free (device->id);
  g_free (device->db_role);
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
on_authenticated (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateAuth *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GateDevice) device = NULL;
  JsonArray *fields = NULL;
  const char *id = NULL;
  const char *role = NULL;

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
  if (reply->rows->len == 0 || g_ptr_array_index (reply->rows, 0) == NULL)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_UNAUTHORIZED, "invalid or revoked device token");
      return;
    }

  if (json_parser_load_from_data (parser, g_ptr_array_index (reply->rows, 0), -1, NULL) &&
      JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    fields = json_node_get_array (json_parser_get_root (parser));
  if (fields != NULL && json_array_get_length (fields) == 2)
    {
      id = json_array_get_string_element (fields, 0);
      role = json_array_get_string_element (fields, 1);
    }

  if (id == NULL || role == NULL || !g_strv_contains (device_roles, role))
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_FORBIDDEN, "the device has no usable role");
      return;
    }

  device = g_atomic_rc_box_new0 (GateDevice);
  device->id = g_strdup (id);
  device->db_role = g_strdup (role);
  device->token_hash = g_strdup (g_task_get_task_data (task));

  if (g_hash_table_size (self->devices) >= MAX_CACHED_DEVICES)
    g_hash_table_remove_all (self->devices);
  g_hash_table_replace (self->devices, g_strdup (device->token_hash), gate_device_ref (device));

  g_task_return_pointer (task, g_steal_pointer (&device), (GDestroyNotify) gate_device_unref);
}

/**
 * gate_auth_authenticate_async:
 * @token: the bearer token as sent
 *
 * Finds the device @token belongs to. Fails with %GATE_ERROR_UNAUTHORIZED
 * (unknown or revoked), %GATE_ERROR_FORBIDDEN, %GATE_ERROR_UNAVAILABLE or
 * %GATE_ERROR_SERVER. A remembered device is answered without asking the
 * database: the request's guard checks it.
 */
void
gate_auth_authenticate_async (GateAuth            *self,
                              const char          *token,
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
  g_return_if_fail (token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_auth_authenticate_async);

  token_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
  device = g_hash_table_lookup (self->devices, token_hash);
  if (device != NULL)
    {
      g_task_return_pointer (task, gate_device_ref (device), (GDestroyNotify) gate_device_unref);
      return;
    }

  statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);
  lookup = gate_db_statement_new ("SELECT json_build_array(a.device_id, a.db_role)::text "
                                  "FROM public.gate_authenticate($1) AS a");
  gate_db_statement_add (lookup, token_hash);
  g_ptr_array_add (statements, lookup);

  g_task_set_task_data (task, g_steal_pointer (&token_hash), g_free);
  gate_db_pool_run_async (self->pool, statements, 0, cancellable, on_authenticated, g_steal_pointer (&task));
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
 * gate_auth_is_known:
 * @token: the bearer token as sent
 *
 * Returns: whether @token belongs to a device authenticated before and not
 *   found revoked since, so that answering it costs no token lookup
 */
gboolean
gate_auth_is_known (GateAuth   *self,
                    const char *token)
{
  g_autofree char *token_hash = NULL;

  g_return_val_if_fail (GATE_IS_AUTH (self), FALSE);
  g_return_val_if_fail (token != NULL, FALSE);

  token_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
  return g_hash_table_contains (self->devices, token_hash);
}

/**
 * gate_auth_forget:
 *
 * Drops @device from the cache: its token turned out to be revoked.
 */
void
gate_auth_forget (GateAuth   *self,
                  GateDevice *device)
{
  g_return_if_fail (GATE_IS_AUTH (self));

  g_hash_table_remove (self->devices, device->token_hash);
}

/**
 * gate_auth_add_guard:
 * @statements: a transaction being built, after its BEGIN
 *
 * Appends what makes the rest of the transaction run as @device: the check
 * that its token is still valid (SQLSTATE 28000 otherwise) and the switch
 * to its role, so that grants decide what it may call.
 */
void
gate_auth_add_guard (GateDevice *device,
                     GPtrArray  *statements)
{
  GateDbStatement *check = gate_db_statement_new ("SELECT public.gate_check_device($1, $2)");
  g_autofree char *set_role = g_strdup_printf ("SET LOCAL ROLE \"%s\"", device->db_role);

  gate_db_statement_add (check, device->token_hash);
  gate_db_statement_add (check, device->id);
  g_ptr_array_add (statements, check);
  g_ptr_array_add (statements, gate_db_statement_new (set_role));
}

GateAuth *
gate_auth_new (GateDbPool *pool)
{
  g_return_val_if_fail (GATE_IS_DB_POOL (pool), NULL);

  return g_object_new (GATE_TYPE_AUTH, "pool", pool, NULL);
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

  g_clear_object (&self->pool);

  G_OBJECT_CLASS (gate_auth_parent_class)->dispose (object);
}

static void
gate_auth_finalize (GObject *object)
{
  GateAuth *self = GATE_AUTH (object);

  g_clear_pointer (&self->devices, g_hash_table_unref);

  G_OBJECT_CLASS (gate_auth_parent_class)->finalize (object);
}

static void
gate_auth_class_init (GateAuthClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

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
}
