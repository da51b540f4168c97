/* gate-json-text.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "gate-json-text.h"

#define BAD_ESCAPE      "it is not valid JSON (a malformed escape in a string)"
#define LONE_SURROGATE  "it is not valid JSON (a lone UTF-16 surrogate in a string)"

static gboolean
read_hex4 (const char *data,
           gsize       size,
           gsize       at,
           guint      *unit)
{
  if (at + 4 > size)
    return FALSE;

  *unit = 0;
  for (gsize i = at; i < at + 4; i++)
    {
      if (!g_ascii_isxdigit (data[i]))
        return FALSE;
      *unit = *unit * 16 + (guint) g_ascii_xdigit_value (data[i]);
    }
  return TRUE;
}

/* @data[*i] is the backslash of an escape; leaves *i on its last byte. */
static const char *
escape_problem (const char *data,
                gsize       size,
                gsize      *i)
{
  guint unit;
  guint low;

  if (*i + 1 >= size)
    return BAD_ESCAPE;
  if (data[*i + 1] != 'u')
    {
      if (data[*i + 1] == '\0' || strchr ("\"\\/bfnrt", data[*i + 1]) == NULL)
        return BAD_ESCAPE;
      *i += 1;
      return NULL;
    }

  if (!read_hex4 (data, size, *i + 2, &unit))
    return BAD_ESCAPE;
  *i += 5;

  /* json-glib would cut the string here, and PostgreSQL text cannot hold it. */
  if (unit == 0)
    return "a string contains \\u0000";
  if (unit >= 0xdc00 && unit <= 0xdfff)
    return LONE_SURROGATE;
  if (unit < 0xd800 || unit > 0xdbff)
    return NULL;

  /* A high surrogate must be followed by a low one; json-glib leaks the
   * string when it is not. */
  if (*i + 2 >= size || data[*i + 1] != '\\' || data[*i + 2] != 'u' ||
      !read_hex4 (data, size, *i + 3, &low) || low < 0xdc00 || low > 0xdfff)
    return LONE_SURROGATE;
  *i += 6;
  return NULL;
}

/**
 * gate_json_text_problem:
 * @data: @size bytes of valid UTF-8 without NUL bytes (the caller checked)
 * @max_depth: the deepest nesting allowed
 *
 * One pass over the raw text: exactly one array or object with only JSON
 * whitespace around it, no `'` or `/` outside strings (json-glib's
 * single-quoted strings and comments, inside which a '"' would throw this
 * scan out of step), escapes as JSON defines them with surrogates in pairs,
 * no \u0000, and nesting within @max_depth.
 *
 * Returns: (nullable): %NULL when json-glib may parse it, else why not, as a
 *   phrase ("it nests too deeply") that the caller puts in its message
 */
const char *
gate_json_text_problem (const char *data,
                        gsize       size,
                        guint       max_depth)
{
  gboolean in_string = FALSE;
  gboolean closed = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < size; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            {
              const char *problem = escape_problem (data, size, &i);

              if (problem != NULL)
                return problem;
            }
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        continue;
      /* json-glib takes a second value without a word and leaks it. */
      if (closed || (depth == 0 && c != '[' && c != '{'))
        return "it is not valid JSON (not one array or object)";

      if (c == '"')
        in_string = TRUE;
      else if (c == '\'' || c == '/')
        return "it is not valid JSON (a single quote or a slash outside a string)";
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return "it nests too deeply";
        }
      else if (c == ']' || c == '}')
        closed = --depth == 0;
    }

  /* Whitespace alone parses as success without a root. */
  return closed ? NULL : "it is not valid JSON (not one array or object)";
}
