/* gate-api-rows-rules.c — strict decoding of list_checkin_lists and
 * stays_changed_since (docs/gate-rules.md "Offline")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As gate-api-rows.c: what the server sends is untrusted; a row that is not
 * what the contract says fails the whole answer with BAD_RESPONSE, naming
 * the row and member, so the cache never stores half a list.
 */
#include "config.h"

#include <string.h>

#include "gate-api-rows.h"
#include "gate-api-rows-rules.h"
#include "gate-error.h"

#define MAX_LIST_TYPES 100

typedef struct
{
  JsonObject *object;
  guint       index;
  GError    **error;
} Row;

static gboolean
row_bad (Row        *row,
         const char *name,
         const char *expected)
{
  g_set_error (row->error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "row %u: “%s” is %s", row->index, name, expected);
  return FALSE;
}

/* NULL for a missing or null member, which fails when @required. */
static JsonNode *
member (Row        *row,
        const char *name,
        gboolean    required,
        gboolean   *ok)
{
  JsonNode *node = json_object_get_member (row->object, name);

  *ok = TRUE;
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    return node;
  if (required)
    *ok = row_bad (row, name, "missing");
  return NULL;
}

static gboolean
read_text (Row         *row,
           const char  *name,
           gboolean     required,
           gboolean     uuid,
           char       **out)
{
  gboolean ok;
  JsonNode *node = member (row, name, required, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return row_bad (row, name, "not a string");
  if (uuid && !g_uuid_string_is_valid (json_node_get_string (node)))
    return row_bad (row, name, "not a UUID");
  *out = uuid ? g_ascii_strdown (json_node_get_string (node), -1) : g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_flag (Row        *row,
           const char *name,
           gboolean   *out)
{
  gboolean ok;
  JsonNode *node = member (row, name, TRUE, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return row_bad (row, name, "not true or false");
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
read_instant (Row        *row,
              const char *name,
              gint64     *out_us)
{
  gboolean ok;
  JsonNode *node = member (row, name, FALSE, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_STRING || !gate_api_parse_time (json_node_get_string (node), out_us))
    return row_bad (row, name, "not an ISO 8601 time with a UTC offset");
  return TRUE;
}

static gboolean
read_types (Row    *row,
            GStrv  *out)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gboolean ok;
  JsonNode *node = member (row, "ticket_types", FALSE, &ok);
  JsonArray *types;

  if (!ok)
    return FALSE;
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return row_bad (row, "ticket_types", "not an array");
      types = json_node_get_array (node);
      if (json_array_get_length (types) > MAX_LIST_TYPES)
        return row_bad (row, "ticket_types", "longer than 100 types");
      for (guint i = 0; i < json_array_get_length (types); i++)
        {
          JsonNode *type = json_array_get_element (types, i);

          if (json_node_get_value_type (type) != G_TYPE_STRING)
            return row_bad (row, "ticket_types", "not an array of strings");
          g_strv_builder_add (builder, json_node_get_string (type));
        }
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/**
 * gate_api_rows_to_list_rules:
 *
 * Returns: (transfer full) (element-type GateListRules): the lists, or
 *   NULL with BAD_RESPONSE
 */
GPtrArray *
gate_api_rows_to_list_rules (JsonArray  *rows,
                                GError    **error)
{
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_list_rules_free);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      g_autoptr(GateListRules) list = gate_list_rules_new ();
      Row row = { json_array_get_object_element (rows, i), i, error };

      if (!read_text (&row, "list_id", TRUE, TRUE, &list->id) ||
          !read_text (&row, "event_id", TRUE, TRUE, &list->event_id) ||
          !read_text (&row, "name", TRUE, FALSE, &list->name) ||
          !read_types (&row, &list->ticket_types) ||
          !read_text (&row, "direction", TRUE, FALSE, &list->direction) ||
          !read_flag (&row, "allow_reentry", &list->allow_reentry) ||
          !read_flag (&row, "assigned", &list->assigned))
        return NULL;
      if (strcmp (list->direction, "entry") != 0 && strcmp (list->direction, "exit") != 0 &&
          strcmp (list->direction, "both") != 0)
        {
          row_bad (&row, "direction", "not entry, exit or both");
          return NULL;
        }
      g_ptr_array_add (lists, g_steal_pointer (&list));
    }

  return g_steal_pointer (&lists);
}

/**
 * gate_api_rows_to_presence_page:
 *
 * Returns: (transfer full): the page, or NULL with BAD_RESPONSE; every row
 *   carries the same next_cursor
 */
GatePresencePage *
gate_api_rows_to_presence_page (JsonArray  *rows,
                                GError    **error)
{
  g_autoptr(GatePresencePage) page = gate_presence_page_new ();

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      g_autoptr(GatePresence) presence = gate_presence_new ();
      g_autofree char *cursor = NULL;
      Row row = { json_array_get_object_element (rows, i), i, error };

      if (!read_text (&row, "ticket_id", TRUE, TRUE, &presence->ticket_id) ||
          !read_flag (&row, "inside", &presence->inside) ||
          !read_instant (&row, "entered_at", &presence->entered_at_us) ||
          !read_text (&row, "entry_device", FALSE, FALSE, &presence->entry_device) ||
          !read_instant (&row, "exited_at", &presence->exited_at_us) ||
          !read_text (&row, "exit_device", FALSE, FALSE, &presence->exit_device) ||
          !read_text (&row, "next_cursor", TRUE, FALSE, &cursor) ||
          !read_instant (&row, "server_time", &page->server_time_us))
        return NULL;
      if (presence->inside && presence->entered_at_us == 0)
        {
          row_bad (&row, "entered_at", "missing for a ticket inside");
          return NULL;
        }
      if (page->next_cursor == NULL)
        page->next_cursor = g_steal_pointer (&cursor);
      else if (strcmp (page->next_cursor, cursor) != 0)
        {
          row_bad (&row, "next_cursor", "not the cursor of the other rows");
          return NULL;
        }
      g_ptr_array_add (page->presences, g_steal_pointer (&presence));
    }

  return g_steal_pointer (&page);
}
