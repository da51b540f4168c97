/* gate-rpc-catalog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Read lazily through the pool and dropped whenever it may be stale: after
 * the database came back, after a call failed with 42883, and on a lookup
 * that misses (at most once a second, whatever clients ask for), so a
 * migration applied while the server runs is picked up by itself.
 */
#include "config.h"

#include "gate-error.h"
#include "gate-rpc-catalog.h"

#define RELOAD_MIN_INTERVAL_US G_USEC_PER_SEC

struct _GateRpcCatalog
{
  GObject      parent_instance;

  GateDbPool  *pool;
  gulong       available_id;
  GHashTable  *functions;   /* (nullable) name → GPtrArray of GateRpcFunction (overloads) */
  gint64       loaded_at;
  gboolean     loading;
  GQueue       waiting;     /* GTask* of lookups waiting for a load */
};

G_DEFINE_FINAL_TYPE (GateRpcCatalog, gate_rpc_catalog, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_POOL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  char       *name;
  JsonObject *args;
  GStrv       supplied;
} Lookup;

/* The RPC surface is the project's API, nothing else in schema public:
 * functions that EXECUTE is granted on to gate_device or gate_supervisor
 * by name (migrations/postgres does so for each of its API functions) and
 * not to PUBLIC, and that no extension installed. An extension's function
 * (uuid_generate_v4, dblink_*) is executable by PUBLIC unless revoked, so
 * grants alone would expose it; the internal helpers (gate_*) and trigger
 * functions never are. Which of the API functions a device may call is
 * then the grants' to decide (42501 → 403). */
static const char catalog_query[] =
  "SELECT coalesce(json_agg(json_build_object("
  "  'name', p.proname,"
  "  'args', CASE WHEN p.proargmodes IS NULL THEN (p.proargnames)[1:p.pronargs]"
  "          ELSE ARRAY(SELECT a.name FROM unnest(p.proargnames, p.proargmodes) WITH ORDINALITY AS a(name, mode, o)"
  "                      WHERE a.mode IN ('i', 'b', 'v') ORDER BY a.o) END,"
  "  'named_columns', coalesce(p.proargmodes && ARRAY['o', 'b', 't']::pg_catalog.\"char\"[], false),"
  "  'types', ARRAY(SELECT format_type(u.t, NULL)"
  "                  FROM unnest(p.proargtypes) WITH ORDINALITY AS u(t, o) ORDER BY u.o),"
  "  'n_defaults', p.pronargdefaults,"
  "  'set', p.proretset,"
  "  'returns', format_type(p.prorettype, NULL))), '[]')::text"
  "  FROM pg_catalog.pg_proc p"
  "  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
  " WHERE n.nspname = 'public'"
  "   AND p.prokind = 'f'"
  "   AND p.proname NOT LIKE 'gate\\_%'"
  "   AND p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype"
  "   AND EXISTS (SELECT 1 FROM pg_catalog.aclexplode(p.proacl) AS a"
  "                 JOIN pg_catalog.pg_roles r ON r.oid = a.grantee"
  "                WHERE a.privilege_type = 'EXECUTE' AND r.rolname IN ('gate_device', 'gate_supervisor'))"
  "   AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(p.proacl) AS a"
  "                    WHERE a.privilege_type = 'EXECUTE' AND a.grantee = 0)"
  "   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
  "                    WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid"
  "                      AND d.deptype = 'e')";

static void load (GateRpcCatalog *self);

static void
lookup_free (Lookup *lookup)
{
  g_free (lookup->name);
  json_object_unref (lookup->args);
  g_strfreev (lookup->supplied);
  g_free (lookup);
}

static GHashTable *
functions_from_json (const char  *json,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) functions = NULL;
  JsonArray *rows;

  if (!json_parser_load_from_data (parser, json, -1, error))
    return NULL;

  if (!JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_SERVER, "the function catalog is not an array");
      return NULL;
    }

  functions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  rows = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonNode *row = json_array_get_element (rows, i);
      GateRpcFunction *function;
      GPtrArray *overloads;

      /* Functions that cannot be called by name are left out. */
      if (!JSON_NODE_HOLDS_OBJECT (row) ||
          (function = gate_rpc_function_new_from_json (json_node_get_object (row), NULL)) == NULL)
        continue;

      overloads = g_hash_table_lookup (functions, gate_rpc_function_get_name (function));
      if (overloads == NULL)
        {
          overloads = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_rpc_function_unref);
          g_hash_table_insert (functions, g_strdup (gate_rpc_function_get_name (function)), overloads);
        }
      g_ptr_array_add (overloads, function);
    }

  return g_steal_pointer (&functions);
}

static GateRpcFunction *
resolve (GateRpcCatalog     *self,
         const char         *name,
         JsonObject         *args,
         const char * const *supplied)
{
  GPtrArray *overloads = g_hash_table_lookup (self->functions, name);

  for (guint i = 0; overloads != NULL && i < overloads->len; i++)
    {
      GateRpcFunction *function = g_ptr_array_index (overloads, i);

      if (gate_rpc_function_accepts (function, args, supplied))
        return function;
    }

  return NULL;
}

/* Answers @task from the loaded catalog; or, when @may_reload and the
 * catalog is old enough, leaves it for a reload and returns FALSE. */
static gboolean
answer (GateRpcCatalog *self,
        GTask          *task,
        gboolean        may_reload)
{
  Lookup *lookup = g_task_get_task_data (task);
  GateRpcFunction *function = resolve (self, lookup->name, lookup->args,
                                       (const char * const *) lookup->supplied);
  g_autoptr(GList) members = NULL;
  g_autoptr(GString) signature = NULL;

  if (function != NULL)
    {
      g_task_return_pointer (task, gate_rpc_function_ref (function), (GDestroyNotify) gate_rpc_function_unref);
      return TRUE;
    }

  if (may_reload && g_get_monotonic_time () - self->loaded_at >= RELOAD_MIN_INTERVAL_US)
    return FALSE;

  /* PostgREST's wording, so that clients and operators recognise it. */
  members = json_object_get_members (lookup->args);
  members = g_list_sort (members, (GCompareFunc) g_strcmp0);
  signature = g_string_new (NULL);
  for (const GList *l = members; l != NULL; l = l->next)
    g_string_append_printf (signature, "%s%s", l == members ? "" : ", ", (const char *) l->data);

  g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_NOT_FOUND,
                           "Could not find the function public.%s(%s) in the schema cache",
                           lookup->name, signature->str);
  return TRUE;
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GateRpcCatalog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, &error);
  g_autoptr(GHashTable) functions = NULL;
  GTask *task;

  self->loading = FALSE;

  if (reply != NULL && reply->sqlstate != NULL)
    g_set_error (&error, GATE_ERROR, GATE_ERROR_SERVER, "cannot read the function catalog: %s [%s]",
                 reply->message, reply->sqlstate);
  else if (reply != NULL && (reply->rows->len != 1 || g_ptr_array_index (reply->rows, 0) == NULL))
    g_set_error (&error, GATE_ERROR, GATE_ERROR_SERVER, "cannot read the function catalog: no answer");
  else if (reply != NULL)
    functions = functions_from_json (g_ptr_array_index (reply->rows, 0), &error);

  if (functions == NULL)
    {
      if (!g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAVAILABLE))
        g_message ("%s", error->message);

      while ((task = g_queue_pop_head (&self->waiting)) != NULL)
        {
          g_task_return_error (task, g_error_copy (error));
          g_object_unref (task);
        }
      return;
    }

  g_clear_pointer (&self->functions, g_hash_table_unref);
  self->functions = g_steal_pointer (&functions);
  self->loaded_at = g_get_monotonic_time ();

  /* This is as fresh as it gets: a miss now is final. */
  while ((task = g_queue_pop_head (&self->waiting)) != NULL)
    {
      answer (self, task, FALSE);
      g_object_unref (task);
    }
}

static void
load (GateRpcCatalog *self)
{
  g_autoptr(GPtrArray) statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);

  if (self->loading)
    return;

  self->loading = TRUE;
  g_ptr_array_add (statements, gate_db_statement_new (catalog_query));
  gate_db_pool_run_async (self->pool, statements, 0, "gate-server", NULL, on_loaded, g_object_ref (self));
}

/**
 * gate_rpc_catalog_lookup_async:
 * @name: the function named in the URL
 * @args: the JSON object of named arguments
 * @supplied: (nullable): argument names the server fills in itself when
 *   the function has them (p_device_id)
 *
 * Finds the overload of @name in schema public that takes exactly the
 * members of @args: every argument without a default present (or
 * supplied), no unknown one. Fails with %GATE_ERROR_NOT_FOUND (PostgREST's PGRST202),
 * %GATE_ERROR_UNAVAILABLE or %GATE_ERROR_SERVER.
 */
void
gate_rpc_catalog_lookup_async (GateRpcCatalog      *self,
                               const char          *name,
                               JsonObject          *args,
                               const char * const  *supplied,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Lookup *lookup;

  g_return_if_fail (GATE_IS_RPC_CATALOG (self));
  g_return_if_fail (name != NULL && args != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_rpc_catalog_lookup_async);

  lookup = g_new0 (Lookup, 1);
  lookup->name = g_strdup (name);
  lookup->args = json_object_ref (args);
  lookup->supplied = g_strdupv ((GStrv) supplied);
  g_task_set_task_data (task, lookup, (GDestroyNotify) lookup_free);

  if (self->functions != NULL && answer (self, task, TRUE))
    return;

  if (self->functions != NULL)
    g_clear_pointer (&self->functions, g_hash_table_unref);

  g_queue_push_tail (&self->waiting, g_steal_pointer (&task));
  load (self);
}

/**
 * gate_rpc_catalog_lookup_finish:
 *
 * Returns: (transfer full): the function to call
 */
GateRpcFunction *
gate_rpc_catalog_lookup_finish (GateRpcCatalog  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gate_rpc_catalog_describe:
 *
 * Returns: (transfer full) (nullable): the argument lists @name can be
 *   called with, e.g. "(p_event_id)", for PostgREST's hint; %NULL when no
 *   function has that name.
 */
char *
gate_rpc_catalog_describe (GateRpcCatalog *self,
                           const char     *name)
{
  GPtrArray *overloads;
  g_autoptr(GString) text = NULL;

  g_return_val_if_fail (GATE_IS_RPC_CATALOG (self), NULL);

  overloads = self->functions ? g_hash_table_lookup (self->functions, name) : NULL;
  if (overloads == NULL)
    return NULL;

  text = g_string_new (NULL);
  for (guint i = 0; i < overloads->len; i++)
    {
      GateRpcFunction *function = g_ptr_array_index (overloads, i);
      g_autofree char *arguments = gate_rpc_function_describe_arguments (function);

      g_string_append_printf (text, "%s(%s)", i > 0 ? " or " : "", arguments);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * gate_rpc_catalog_invalidate:
 *
 * Forgets the catalog; the next lookup reads it again.
 */
void
gate_rpc_catalog_invalidate (GateRpcCatalog *self)
{
  g_return_if_fail (GATE_IS_RPC_CATALOG (self));

  g_clear_pointer (&self->functions, g_hash_table_unref);
}

static void
on_pool_available (GateRpcCatalog *self)
{
  /* Migrations may have run while the database was away. */
  if (gate_db_pool_get_available (self->pool))
    gate_rpc_catalog_invalidate (self);
}

GateRpcCatalog *
gate_rpc_catalog_new (GateDbPool *pool)
{
  g_return_val_if_fail (GATE_IS_DB_POOL (pool), NULL);

  return g_object_new (GATE_TYPE_RPC_CATALOG, "pool", pool, NULL);
}

static void
gate_rpc_catalog_constructed (GObject *object)
{
  GateRpcCatalog *self = GATE_RPC_CATALOG (object);

  G_OBJECT_CLASS (gate_rpc_catalog_parent_class)->constructed (object);

  self->available_id = g_signal_connect_object (self->pool, "notify::available",
                                                G_CALLBACK (on_pool_available), self, G_CONNECT_SWAPPED);
}

static void
gate_rpc_catalog_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GateRpcCatalog *self = GATE_RPC_CATALOG (object);

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
gate_rpc_catalog_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GateRpcCatalog *self = GATE_RPC_CATALOG (object);

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
gate_rpc_catalog_dispose (GObject *object)
{
  GateRpcCatalog *self = GATE_RPC_CATALOG (object);

  g_clear_signal_handler (&self->available_id, self->pool);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (gate_rpc_catalog_parent_class)->dispose (object);
}

static void
gate_rpc_catalog_finalize (GObject *object)
{
  GateRpcCatalog *self = GATE_RPC_CATALOG (object);

  g_clear_pointer (&self->functions, g_hash_table_unref);

  G_OBJECT_CLASS (gate_rpc_catalog_parent_class)->finalize (object);
}

static void
gate_rpc_catalog_class_init (GateRpcCatalogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gate_rpc_catalog_constructed;
  object_class->get_property = gate_rpc_catalog_get_property;
  object_class->set_property = gate_rpc_catalog_set_property;
  object_class->dispose = gate_rpc_catalog_dispose;
  object_class->finalize = gate_rpc_catalog_finalize;

  /**
   * GateRpcCatalog:pool:
   *
   * Where the catalog is read from.
   */
  properties[PROP_POOL] =
    g_param_spec_object ("pool", NULL, NULL, GATE_TYPE_DB_POOL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_rpc_catalog_init (GateRpcCatalog *self)
{
  g_queue_init (&self->waiting);
}
