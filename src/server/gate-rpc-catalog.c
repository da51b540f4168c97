/* gate-rpc-catalog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-rpc-catalog.h"

struct _GateRpcCatalog
{
  GHashTable *by_name;   /* name → GPtrArray of GateRpcFunction (overloads) */
};

/* Internal helpers (gate_*) and trigger functions are not part of the RPC
 * surface; grants decide about the rest. */
const char *gate_rpc_catalog_query =
  "SELECT coalesce(json_agg(json_build_object("
  "  'name', p.proname,"
  "  'args', (p.proargnames)[1:p.pronargs],"
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
  "   AND p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype";

static void
function_free (GateRpcFunction *function)
{
  g_free (function->name);
  g_strfreev (function->arg_names);
  g_strfreev (function->arg_types);
  g_free (function->returns);
  g_free (function);
}

static GStrv
strv_from_array (JsonArray *array)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      const char *value = json_node_get_string (json_array_get_element (array, i));

      g_strv_builder_add (builder, value ? value : "");
    }

  return g_strv_builder_end (builder);
}

GateRpcCatalog *
gate_rpc_catalog_new_from_json (const char  *json,
                                GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GateRpcCatalog) catalog = g_new0 (GateRpcCatalog, 1);
  JsonArray *rows;

  catalog->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_ptr_array_unref);

  if (!json_parser_load_from_data (parser, json, -1, error))
    return NULL;

  if (!JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "function catalog is not an array");
      return NULL;
    }

  rows = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      JsonNode *args = json_object_get_member (row, "args");
      GateRpcFunction *function;
      GPtrArray *overloads;

      function = g_new0 (GateRpcFunction, 1);
      function->name = g_strdup (json_object_get_string_member (row, "name"));
      function->arg_names = strv_from_array (JSON_NODE_HOLDS_ARRAY (args) ? json_node_get_array (args) : NULL);
      function->arg_types = strv_from_array (json_object_get_array_member (row, "types"));
      function->n_args = g_strv_length (function->arg_types);
      function->n_defaults = json_object_get_int_member (row, "n_defaults");
      function->returns_set = json_object_get_boolean_member (row, "set");
      function->returns = g_strdup (json_object_get_string_member (row, "returns"));

      /* Without a name for every argument it cannot be called by name. */
      if (g_strv_length (function->arg_names) != function->n_args)
        {
          function_free (function);
          continue;
        }

      overloads = g_hash_table_lookup (catalog->by_name, function->name);
      if (overloads == NULL)
        {
          overloads = g_ptr_array_new_with_free_func ((GDestroyNotify) function_free);
          g_hash_table_insert (catalog->by_name, g_strdup (function->name), overloads);
        }
      g_ptr_array_add (overloads, function);
    }

  return g_steal_pointer (&catalog);
}

gboolean
gate_rpc_catalog_has (GateRpcCatalog *catalog,
                      const char     *name)
{
  return g_hash_table_contains (catalog->by_name, name);
}

static gboolean
function_accepts (const GateRpcFunction *function,
                  JsonObject            *args)
{
  g_autoptr(GList) members = json_object_get_members (args);
  guint n_required = function->n_args - MIN (function->n_defaults, function->n_args);

  for (const GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains ((const char * const *) function->arg_names, l->data))
      return FALSE;

  for (guint i = 0; i < n_required; i++)
    if (!json_object_has_member (args, function->arg_names[i]))
      return FALSE;

  return TRUE;
}

const GateRpcFunction *
gate_rpc_catalog_resolve (GateRpcCatalog *catalog,
                          const char     *name,
                          JsonObject     *args)
{
  GPtrArray *overloads = g_hash_table_lookup (catalog->by_name, name);

  for (guint i = 0; overloads != NULL && i < overloads->len; i++)
    {
      const GateRpcFunction *function = g_ptr_array_index (overloads, i);

      if (function_accepts (function, args))
        return function;
    }

  return NULL;
}

void
gate_rpc_catalog_free (GateRpcCatalog *catalog)
{
  if (catalog == NULL)
    return;

  g_clear_pointer (&catalog->by_name, g_hash_table_unref);
  g_free (catalog);
}
