/* gate-api-rows-rules.c — strict decoding of list_checkin_lists and
 * stays_changed_since (docs/gate-rules.md "Offline")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As gate-api-rows.c, with its row readers: what the server sends is
 * untrusted; a row that is not what the contract says fails the whole
 * answer with BAD_RESPONSE, naming the row and member, so the cache never
 * stores half a list.
 */
#include "config.h"

#include <string.h>

#include "gate-api-rows.h"
#include "gate-api-rows-private.h"
#include "gate-api-rows-rules.h"
#include "gate-error.h"

#define MAX_LIST_TYPES 100

static gboolean
read_types (GateApiRow *row,
            GStrv      *out)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gboolean ok;
  JsonNode *node = gate_api_row_member (row, "ticket_types", FALSE, &ok);
  JsonArray *types;

  if (!ok)
    return FALSE;
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return gate_api_row_bad (row, "ticket_types", "an array");
      types = json_node_get_array (node);
      if (json_array_get_length (types) > MAX_LIST_TYPES)
        return gate_api_row_bad (row, "ticket_types", "an array of at most 100 types");
      for (guint i = 0; i < json_array_get_length (types); i++)
        {
          JsonNode *type = json_array_get_element (types, i);

          if (json_node_get_value_type (type) != G_TYPE_STRING)
            return gate_api_row_bad (row, "ticket_types", "an array of strings");
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
      GateApiRow row = gate_api_row_at (rows, i, error);

      if (!gate_api_row_read_uuid (&row, "list_id", TRUE, &list->id) ||
          !gate_api_row_read_uuid (&row, "event_id", TRUE, &list->event_id) ||
          !gate_api_row_read_string (&row, "name", TRUE, &list->name) ||
          !read_types (&row, &list->ticket_types) ||
          !gate_api_row_read_string (&row, "direction", TRUE, &list->direction) ||
          !gate_api_row_read_bool (&row, "allow_reentry", TRUE, &list->allow_reentry) ||
          !gate_api_row_read_bool (&row, "assigned", TRUE, &list->assigned))
        return NULL;
      if (strcmp (list->direction, "entry") != 0 && strcmp (list->direction, "exit") != 0 &&
          strcmp (list->direction, "both") != 0)
        {
          gate_api_row_bad (&row, "direction", "entry, exit or both");
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
      GateApiRow row = gate_api_row_at (rows, i, error);

      if (!gate_api_row_read_uuid (&row, "ticket_id", TRUE, &presence->ticket_id) ||
          !gate_api_row_read_bool (&row, "inside", TRUE, &presence->inside) ||
          !gate_api_row_read_time (&row, "entered_at", FALSE, &presence->entered_at_us) ||
          !gate_api_row_read_string (&row, "entry_device", FALSE, &presence->entry_device) ||
          !gate_api_row_read_time (&row, "exited_at", FALSE, &presence->exited_at_us) ||
          !gate_api_row_read_string (&row, "exit_device", FALSE, &presence->exit_device) ||
          !gate_api_row_read_string (&row, "next_cursor", TRUE, &cursor) ||
          !gate_api_row_read_time (&row, "server_time", FALSE, &page->server_time_us))
        return NULL;
      if (presence->inside && presence->entered_at_us == 0)
        {
          gate_api_row_bad (&row, "entered_at", "set for a ticket inside");
          return NULL;
        }
      if (page->next_cursor == NULL)
        page->next_cursor = g_steal_pointer (&cursor);
      else if (strcmp (page->next_cursor, cursor) != 0)
        {
          gate_api_row_bad (&row, "next_cursor", "the cursor of the other rows");
          return NULL;
        }
      g_ptr_array_add (page->presences, g_steal_pointer (&presence));
    }

  return g_steal_pointer (&page);
}
