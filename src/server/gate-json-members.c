/* gate-json-members.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * json-glib reads every number into a double or a gint64, and writing it
 * back gives another text: 1e999 becomes inf (not JSON at all, so
 * PostgreSQL refused a whole batch of scans for one odd member) and 0.1
 * becomes 0.10000000000000001. gate-server passes numbers, objects and
 * arrays to PostgreSQL as the client wrote them instead, as PostgREST
 * does; this scan finds that text. Strings still come decoded from
 * json-glib, which knows their escapes.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "gate-json-members.h"

static gsize
skip_space (const char *data,
            gsize       length,
            gsize       i)
{
  while (i < length && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
    i++;
  return i;
}

/* @data[i] opens a string; returns the index after its closing quote. */
static gsize
skip_string (const char *data,
             gsize       length,
             gsize       i)
{
  for (i++; i < length; i++)
    {
      if (data[i] == '\\')
        i++;
      else if (data[i] == '"')
        return i + 1;
    }
  return length;
}

/* @data[i] starts a value; returns the index after it. */
static gsize
skip_value (const char *data,
            gsize       length,
            gsize       i)
{
  guint depth = 0;

  if (i < length && data[i] == '"')
    return skip_string (data, length, i);

  if (i < length && data[i] != '{' && data[i] != '[')
    {
      /* A number, true, false or null: up to the next delimiter. */
      while (i < length && data[i] != ',' && data[i] != '}' && data[i] != ']' &&
             data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
        i++;
      return i;
    }

  while (i < length)
    {
      char c = data[i];

      if (c == '"')
        {
          i = skip_string (data, length, i);
          continue;
        }
      if (c == '{' || c == '[')
        depth++;
      else if ((c == '}' || c == ']') && --depth == 0)
        return i + 1;
      i++;
    }
  return length;
}

static char *
decode_name (const char *data,
             gsize       length)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *array = NULL;
  JsonNode *root;

  if (memchr (data, '\\', length) == NULL)
    return g_strndup (data + 1, length - 2);

  /* Escapes: json-glib decodes them as it did for the object itself. */
  parser = json_parser_new ();
  array = g_strdup_printf ("[%.*s]", (int) length, data);
  if (!json_parser_load_from_data (parser, array, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_ARRAY (root) || json_array_get_length (json_node_get_array (root)) != 1)
    return NULL;
  return g_strdup (json_array_get_string_element (json_node_get_array (root), 0));
}

/**
 * gate_json_member_texts:
 * @data: a JSON object that passed gate_postgrest_body_is_acceptable() and
 *   that json-glib parsed
 *
 * Returns: (transfer full): member name → the member's value exactly as
 *   written, for the members whose value is a number, an object or an
 *   array. A repeated name keeps its last value, as json-glib does.
 */
GHashTable *
gate_json_member_texts (const char *data,
                        gsize       length)
{
  g_autoptr(GHashTable) texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gsize i = skip_space (data, length, 0);

  if (i >= length || data[i] != '{')
    return g_steal_pointer (&texts);

  for (i = skip_space (data, length, i + 1); i < length && data[i] == '"';)
    {
      gsize name_start = i;
      gsize name_end = skip_string (data, length, i);
      gsize value_start;
      gsize value_end;
      g_autofree char *name = NULL;

      i = skip_space (data, length, name_end);
      if (name_end - name_start < 2 || i >= length || data[i] != ':')
        break;
      value_start = skip_space (data, length, i + 1);
      value_end = skip_value (data, length, value_start);

      name = decode_name (data + name_start, name_end - name_start);
      if (name != NULL && value_start < value_end)
        {
          char first = data[value_start];

          if (first == '{' || first == '[' || first == '-' || g_ascii_isdigit (first))
            g_hash_table_replace (texts, g_steal_pointer (&name),
                                  g_strndup (data + value_start, value_end - value_start));
          else
            g_hash_table_remove (texts, name);
        }

      i = skip_space (data, length, value_end);
      if (i < length && data[i] == ',')
        i = skip_space (data, length, i + 1);
    }

  return g_steal_pointer (&texts);
}
