/* gate-rpc-function.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Arguments are passed by name, as text parameters cast to the declared
 * type, so PostgreSQL's own input functions judge every value and a bad
 * one is a SQL error (22P02 …) rather than something we interpret.
 */
#include "config.h"

#include "gate-error.h"
#include "gate-rpc-function.h"

struct _GateRpcFunction
{
  char              *name;
  GStrv              arg_names;
  GStrv              arg_types;
  guint              n_args;
  guint              n_required;
  GateRpcResultKind  result_kind;
  /* OUT or TABLE parameters: PostgREST answers rows as objects named by
   * them, also for a single column, where PostgreSQL itself would give
   * plain values. */
  gboolean           named_columns;
};

static void
gate_rpc_function_clear (GateRpcFunction *function)
{
  g_free (function->name);
  g_strfreev (function->arg_names);
  g_strfreev (function->arg_types);
}

GateRpcFunction *
gate_rpc_function_ref (GateRpcFunction *function)
{
  return g_atomic_rc_box_acquire (function);
}

void
gate_rpc_function_unref (GateRpcFunction *function)
{
  g_atomic_rc_box_release_full (function, (GDestroyNotify) gate_rpc_function_clear);
}

static GStrv
strv_from_member (JsonObject *row,
                  const char *member)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node = json_object_get_member (row, member);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return g_strv_builder_end (builder);

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *value = JSON_NODE_HOLDS_VALUE (element) ? json_node_get_string (element) : NULL;

      g_strv_builder_add (builder, value ? value : "");
    }

  return g_strv_builder_end (builder);
}

/**
 * gate_rpc_function_new_from_json:
 * @row: one object of the catalog query: name, args (the input ones),
 *   types, n_defaults, set, returns, named_columns
 *
 * Returns: (transfer full): the function, or %NULL with %GATE_ERROR_NOT_FOUND
 *   when it cannot be called by name (an unnamed argument).
 */
GateRpcFunction *
gate_rpc_function_new_from_json (JsonObject  *row,
                                 GError     **error)
{
  g_autoptr(GateRpcFunction) function = g_atomic_rc_box_new0 (GateRpcFunction);
  const char *returns = json_object_get_string_member_with_default (row, "returns", "");
  guint n_defaults = (guint) MAX (json_object_get_int_member_with_default (row, "n_defaults", 0), 0);

  function->name = g_strdup (json_object_get_string_member_with_default (row, "name", ""));
  function->arg_names = strv_from_member (row, "args");
  function->arg_types = strv_from_member (row, "types");
  function->n_args = g_strv_length (function->arg_types);
  function->n_required = function->n_args - MIN (n_defaults, function->n_args);
  function->named_columns = json_object_get_boolean_member_with_default (row, "named_columns", FALSE);

  if (json_object_get_boolean_member_with_default (row, "set", FALSE))
    function->result_kind = GATE_RPC_RESULT_SET;
  else if (g_str_equal (returns, "void"))
    function->result_kind = GATE_RPC_RESULT_VOID;
  else
    function->result_kind = GATE_RPC_RESULT_SINGLE;

  if (*function->name == '\0' || g_strv_length (function->arg_names) != function->n_args)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND,
                   "function %s has unnamed arguments and cannot be called by name", function->name);
      return NULL;
    }

  for (guint i = 0; i < function->n_args; i++)
    if (*function->arg_names[i] == '\0')
      {
        g_set_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND,
                     "function %s has unnamed arguments and cannot be called by name", function->name);
        return NULL;
      }

  return g_steal_pointer (&function);
}

const char *
gate_rpc_function_get_name (const GateRpcFunction *function)
{
  return function->name;
}

GateRpcResultKind
gate_rpc_function_get_result_kind (const GateRpcFunction *function)
{
  return function->result_kind;
}

/**
 * gate_rpc_function_describe_arguments:
 *
 * Returns: (transfer full): the argument names, comma-separated, optional
 *   ones with " := default".
 */
char *
gate_rpc_function_describe_arguments (const GateRpcFunction *function)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < function->n_args; i++)
    g_string_append_printf (text, "%s%s%s", i > 0 ? ", " : "", function->arg_names[i],
                            i >= function->n_required ? " := default" : "");

  return g_string_free (g_steal_pointer (&text), FALSE);
}

gboolean
gate_rpc_function_has_argument (const GateRpcFunction *function,
                                const char            *name)
{
  return g_strv_contains ((const char * const *) function->arg_names, name);
}

/* PostgREST's rule: the members of the body are exactly a set of argument
 * names that covers every argument without a default. Arguments named in
 * @supplied the server fills in itself (p_device_id), so they count as
 * present whenever the function has them. */
gboolean
gate_rpc_function_accepts (const GateRpcFunction *function,
                           JsonObject            *args,
                           const char * const    *supplied)
{
  g_autoptr(GList) members = json_object_get_members (args);

  for (const GList *l = members; l != NULL; l = l->next)
    if (!gate_rpc_function_has_argument (function, l->data))
      return FALSE;

  for (guint i = 0; i < function->n_required; i++)
    if (!json_object_has_member (args, function->arg_names[i]) &&
        (supplied == NULL || !g_strv_contains (supplied, function->arg_names[i])))
      return FALSE;

  return TRUE;
}

static char *
quote_ident (const char *name)
{
  GString *quoted = g_string_new ("\"");

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (quoted, '"');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}

static void append_json (GString  *out,
                         JsonNode *node);

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), text);
  g_autofree char *quoted = json_to_string (node, FALSE);

  g_string_append (out, quoted);
}

/* json-glib 1.6 writes doubles by appending ".0" to g_ascii_dtostr() when
 * there is no '.', so 1e308 becomes "1e+308.0", which PostgreSQL rightly
 * refuses as JSON: one odd number would fail a whole batch of scans. Only
 * doubles need this; strings, integers, booleans and null are written as
 * json-glib does. The depth is bounded by the nesting check on the body. */
static void
append_json (GString  *out,
             JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      g_string_append_c (out, '{');
      for (const GList *l = members; l != NULL; l = l->next)
        {
          if (l != members)
            g_string_append_c (out, ',');
          append_json_string (out, l->data);
          g_string_append_c (out, ':');
          append_json (out, json_object_get_member (object, l->data));
        }
      g_string_append_c (out, '}');
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      g_string_append_c (out, '[');
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          append_json (out, json_array_get_element (array, i));
        }
      g_string_append_c (out, ']');
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append (out, g_ascii_formatd (number, sizeof number, "%.17g", json_node_get_double (node)));
    }
  else
    {
      g_autofree char *text = json_to_string (node, FALSE);

      g_string_append (out, text);
    }
}

/* Strings go in raw; numbers, booleans, objects and arrays as their JSON
 * text, which is what the input functions of numeric, boolean, json and
 * jsonb read: as the client wrote it when @raw is known, so that no
 * number changes on the way (1e999 stays a number PostgreSQL can judge). */
static char *
param_from_json (JsonNode   *node,
                 const char *raw)
{
  GString *text;

  if (JSON_NODE_HOLDS_NULL (node))
    return NULL;

  if (raw != NULL && !JSON_NODE_HOLDS_VALUE (node))
    return g_strdup (raw);
  if (raw != NULL && json_node_get_value_type (node) != G_TYPE_STRING &&
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return g_strdup (raw);

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));

  text = g_string_new (NULL);
  append_json (text, node);
  return g_string_free (text, FALSE);
}

/**
 * gate_rpc_function_build_call:
 * @args: arguments @function accepts (see gate_rpc_function_accepts())
 * @arg_texts: (nullable): member → its value as written (see
 *   #GatePostgrestCall); others are written back from @args
 * @max_answer: the largest answer in bytes that the database may send
 *   back; 0 for no limit
 *
 * Returns: (transfer full): one statement whose rows hold the JSON text
 *   of the answer in their first column: one row for a single value, one
 *   row an element for a set (gate_rpc_function_answer() puts them
 *   together). With @max_answer, an answer that is larger is not sent
 *   back: a single value comes back as one row, its first column NULL and
 *   its size in the second; the rows of a set are counted as they come
 *   and not kept (#GateDbStatement.max_rows_size). Either way its size is
 *   in #GateDbReply.withheld.
 */
GateDbStatement *
gate_rpc_function_build_call (const GateRpcFunction *function,
                              JsonObject            *args,
                              GHashTable            *arg_texts,
                              gsize                  max_answer)
{
  g_autoptr(GString) call = g_string_new (NULL);
  g_autofree char *name = quote_ident (function->name);
  g_autofree char *answer = NULL;
  GateDbStatement *statement = gate_db_statement_new (NULL);
  guint n_params = 0;

  g_string_append_printf (call, "public.%s(", name);
  for (guint i = 0; i < function->n_args; i++)
    {
      g_autofree char *arg = NULL;
      g_autofree char *value = NULL;
      const char *member = function->arg_names[i];

      if (!json_object_has_member (args, member))
        continue;

      arg = quote_ident (member);
      value = param_from_json (json_object_get_member (args, member),
                               arg_texts ? g_hash_table_lookup (arg_texts, member) : NULL);
      gate_db_statement_add (statement, value);
      n_params++;
      g_string_append_printf (call, "%s%s => $%u::%s", n_params > 1 ? ", " : "", arg, n_params,
                              function->arg_types[i]);
    }
  g_string_append_c (call, ')');

  /* SELECT * names the columns after the OUT parameters. */
  if (function->named_columns && function->result_kind != GATE_RPC_RESULT_VOID)
    {
      g_string_prepend (call, "(SELECT * FROM ");
      g_string_append_c (call, ')');
    }

  switch (function->result_kind)
    {
    case GATE_RPC_RESULT_SET:
      /* One row an element, each made JSON by itself, and gate-server puts
       * the array together: json_agg() built the whole answer as one value
       * and its cast to text copied it twice more, half of what a page of
       * a thousand tickets cost the database. The rows are read one at a
       * time and counted as the array will be sent; past @max_answer none
       * is kept (the database still makes them, but gate-server never
       * holds more than that). */
      statement->sql = g_strdup_printf ("SELECT to_json(r)::text FROM %s AS r", call->str);
      statement->max_rows_size = max_answer;
      return statement;

    case GATE_RPC_RESULT_VOID:
      /* Nothing to send back, nothing to limit. */
      statement->sql = g_strdup_printf ("SELECT NULL::text FROM %s AS r", call->str);
      return statement;

    case GATE_RPC_RESULT_SINGLE:
    default:
      if (function->named_columns)
        answer = g_strdup_printf ("SELECT to_json(r)::text FROM %s AS r", call->str);
      else
        answer = g_strdup_printf ("SELECT to_json(%s)::text", call->str);
      break;
    }

  if (max_answer == 0)
    statement->sql = g_steal_pointer (&answer);
  else
    statement->sql = g_strdup_printf ("SELECT CASE WHEN octet_length(a) <= %" G_GSIZE_FORMAT " THEN a END, "
                                      "octet_length(a) FROM (%s) AS answer(a)", max_answer, answer);
  return statement;
}

/**
 * gate_rpc_function_answer:
 * @rows: (element-type utf8): the first column of the rows of the
 *   statement gate_rpc_function_build_call() made (#GateDbReply.rows)
 *
 * Returns: (transfer full) (nullable): the body to send: for a set, its
 *   elements as one JSON array (a NULL element is `null`); for a single
 *   value, that value (`null` when there is none); NULL for a function
 *   that returns nothing.
 */
GString *
gate_rpc_function_answer (const GateRpcFunction *function,
                          GPtrArray             *rows)
{
  GString *body;
  gsize size = 2;

  switch (function->result_kind)
    {
    case GATE_RPC_RESULT_VOID:
      return NULL;

    case GATE_RPC_RESULT_SINGLE:
      return g_string_new (rows->len > 0 && g_ptr_array_index (rows, 0) != NULL ? g_ptr_array_index (rows, 0)
                                                                                  : "null");

    case GATE_RPC_RESULT_SET:
    default:
      break;
    }

  for (guint i = 0; i < rows->len; i++)
    size += (g_ptr_array_index (rows, i) ? strlen (g_ptr_array_index (rows, i)) : 4) + 1;
  body = g_string_sized_new (size);
  g_string_append_c (body, '[');
  for (guint i = 0; i < rows->len; i++)
    {
      const char *element = g_ptr_array_index (rows, i);

      if (i > 0)
        g_string_append_c (body, ',');
      g_string_append (body, element ? element : "null");
    }
  g_string_append_c (body, ']');
  return body;
}
