/* gate-api-rows-supervisor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each record is described by a table of its members (name, kind, whether
 * required, where it goes), read by one loop: adding a column is one line.
 */
#include "config.h"

#include "gate-api-rows.h"
#include "gate-api-rows-supervisor.h"
#include "gate-core-enums.h"
#include "gate-error.h"
#include "gate-types.h"

typedef enum
{
  MEMBER_TEXT,
  MEMBER_UUID,
  MEMBER_TIME,
  MEMBER_COUNT,
} MemberKind;

typedef struct
{
  const char *name;
  MemberKind  kind;
  gboolean    required;
  gsize       offset;     /* in the record: char * for text and uuid, gint64 otherwise */
} Member;

static const char *
kind_wanted (MemberKind kind)
{
  switch (kind)
    {
    case MEMBER_TEXT:
      return "a string";
    case MEMBER_UUID:
      return "a UUID";
    case MEMBER_TIME:
      return "an ISO 8601 time with a UTC offset";
    case MEMBER_COUNT:
    default:
      return "a non-negative integer";
    }
}

static gboolean
store_member (JsonNode     *node,
              const Member *member,
              gpointer      record)
{
  gpointer where = G_STRUCT_MEMBER_P (record, member->offset);
  GType type = json_node_get_value_type (node);

  switch (member->kind)
    {
    case MEMBER_UUID:
      if (type != G_TYPE_STRING || !g_uuid_string_is_valid (json_node_get_string (node)))
        return FALSE;
      G_GNUC_FALLTHROUGH;
    case MEMBER_TEXT:
      if (type != G_TYPE_STRING || !g_utf8_validate (json_node_get_string (node), -1, NULL))
        return FALSE;
      g_free (*(char **) where);
      *(char **) where = g_strdup (json_node_get_string (node));
      return TRUE;
    case MEMBER_TIME:
      return type == G_TYPE_STRING && gate_api_parse_time (json_node_get_string (node), where);
    case MEMBER_COUNT:
    default:
      if (type != G_TYPE_INT64 || json_node_get_int (node) < 0)
        return FALSE;
      *(gint64 *) where = json_node_get_int (node);
      return TRUE;
    }
}

/* Reads @members of row @index into @record; a missing or null member that
 * is not required leaves the record's value alone. */
static gboolean
read_members (JsonArray     *rows,
              guint          index,
              const Member  *members,
              gsize          n_members,
              gpointer       record,
              GError       **error)
{
  JsonNode *element = json_array_get_element (rows, index);
  JsonObject *object;

  if (element == NULL || !JSON_NODE_HOLDS_OBJECT (element))
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "row %u is not an object", index);
      return FALSE;
    }
  object = json_node_get_object (element);

  for (gsize i = 0; i < n_members; i++)
    {
      JsonNode *node = json_object_get_member (object, members[i].name);

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        {
          if (!members[i].required)
            continue;
          g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "row %u: “%s” is missing", index,
                       members[i].name);
          return FALSE;
        }
      if (!JSON_NODE_HOLDS_VALUE (node) || !store_member (node, &members[i], record))
        {
          g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "row %u: “%s” is not %s", index,
                       members[i].name, kind_wanted (members[i].kind));
          return FALSE;
        }
    }
  return TRUE;
}

#define STATS(field) G_STRUCT_OFFSET (GateStatsRow, field)

static const Member stats_members[] = {
  { "event_id", MEMBER_UUID, TRUE, STATS (event_id) },
  { "list_id", MEMBER_UUID, FALSE, STATS (list_id) },
  { "list_name", MEMBER_TEXT, FALSE, STATS (list_name) },
  { "device_id", MEMBER_TEXT, FALSE, STATS (device_id) },
  { "device_name", MEMBER_TEXT, FALSE, STATS (device_name) },
  { "bucket", MEMBER_TIME, FALSE, STATS (bucket_us) },
  { "entries", MEMBER_COUNT, TRUE, STATS (entries) },
  { "exits", MEMBER_COUNT, FALSE, STATS (exits) },
  { "inside", MEMBER_COUNT, FALSE, STATS (inside) },
};

static const Member scope_member[] = {
  { "scope", MEMBER_TEXT, TRUE, 0 },
};

GPtrArray *
gate_api_rows_to_stats (JsonArray  *rows,
                        GError    **error)
{
  g_autoptr(GPtrArray) stats = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_stats_row_free);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      g_autoptr(GateStatsRow) row = gate_stats_row_new ();
      g_autofree char *scope = NULL;
      int value;

      if (!read_members (rows, i, scope_member, G_N_ELEMENTS (scope_member), &scope, error) ||
          !read_members (rows, i, stats_members, G_N_ELEMENTS (stats_members), row, error))
        return NULL;
      if (!gate_enum_from_nick (GATE_TYPE_STATS_SCOPE, scope, &value))
        {
          g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "row %u: unknown scope “%s”", i, scope);
          return NULL;
        }
      row->scope = value;
      if ((row->scope == GATE_STATS_SCOPE_ARRIVALS) != (row->bucket_us != 0))
        {
          g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "row %u: a bucket belongs to arrivals only", i);
          return NULL;
        }
      g_ptr_array_add (stats, g_steal_pointer (&row));
    }
  return g_steal_pointer (&stats);
}

#define OPERATOR(field) G_STRUCT_OFFSET (GateOperator, field)

static const Member operator_members[] = {
  { "operator_id", MEMBER_UUID, TRUE, OPERATOR (id) },
  { "name", MEMBER_TEXT, TRUE, OPERATOR (name) },
};

GPtrArray *
gate_api_rows_to_operators (JsonArray  *rows,
                            GError    **error)
{
  g_autoptr(GPtrArray) operators = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_operator_free);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      g_autoptr(GateOperator) op = gate_operator_new (NULL, NULL);

      if (!read_members (rows, i, operator_members, G_N_ELEMENTS (operator_members), op, error))
        return NULL;
      g_ptr_array_add (operators, g_steal_pointer (&op));
    }
  return g_steal_pointer (&operators);
}

GateOperator *
gate_api_rows_to_operator (JsonArray  *rows,
                           GError    **error)
{
  g_autoptr(GPtrArray) operators = NULL;

  if (json_array_get_length (rows) != 1)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "%u rows instead of one",
                   json_array_get_length (rows));
      return NULL;
    }
  operators = gate_api_rows_to_operators (rows, error);
  return operators != NULL ? g_ptr_array_steal_index (operators, 0) : NULL;
}

#define CONFLICT(field) G_STRUCT_OFFSET (GateConflict, field)

static const Member conflict_operator_members[] = {
  { "winner_operator", MEMBER_TEXT, FALSE, CONFLICT (winner_operator) },
  { "loser_operator", MEMBER_TEXT, FALSE, CONFLICT (loser_operator) },
};

gboolean
gate_api_rows_add_conflict_operators (JsonArray  *rows,
                                      GPtrArray  *conflicts,
                                      GError    **error)
{
  g_return_val_if_fail (conflicts->len == json_array_get_length (rows), FALSE);

  for (guint i = 0; i < conflicts->len; i++)
    if (!read_members (rows, i, conflict_operator_members, G_N_ELEMENTS (conflict_operator_members),
                       g_ptr_array_index (conflicts, i), error))
      return FALSE;
  return TRUE;
}
