/* gate-json-integers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * json-glib 1.6 reads every integer literal into a gint64 and does not
 * fail when it does not fit: 9223372036854775808 becomes
 * -9223372036854775808 and longer ones -1. gate-server would then pass a
 * number the client never sent. PostgREST hands such a number to
 * PostgreSQL, which refuses it; gate-server refuses it before parsing.
 */
#include "config.h"

#include "gate-json-integers.h"

/* Longer than any gint64 in decimal, with its sign. */
#define MAX_INTEGER_LENGTH 20

static gboolean
is_number_char (char c)
{
  return g_ascii_isdigit (c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/**
 * gate_json_integers_fit:
 * @data: a JSON text (see gate_postgrest_body_is_acceptable())
 * @reason: (out): why not, for the error's details
 *
 * Returns: whether every integer literal outside strings fits in a gint64.
 *   Numbers with a fraction or an exponent are doubles and always pass.
 */
gboolean
gate_json_integers_fit (const char  *data,
                        gsize        length,
                        const char **reason)
{
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  gsize i = 0;

  while (i < length)
    {
      char c = data[i];
      gboolean integer = TRUE;
      gsize start;

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          i++;
          continue;
        }

      if (c == '"')
        {
          in_string = TRUE;
          i++;
          continue;
        }

      if (c != '-' && !g_ascii_isdigit (c))
        {
          i++;
          continue;
        }

      start = i;
      for (i++; i < length && is_number_char (data[i]); i++)
        if (data[i] == '.' || data[i] == 'e' || data[i] == 'E')
          integer = FALSE;

      if (integer)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *literal = NULL;
          gint64 ignored;

          if (i - start > MAX_INTEGER_LENGTH)
            {
              *reason = "an integer does not fit in 64 bits";
              return FALSE;
            }

          literal = g_strndup (data + start, i - start);
          /* A malformed literal is the parser's to refuse, not ours. */
          if (!g_ascii_string_to_signed (literal, 10, G_MININT64, G_MAXINT64, &ignored, &error) &&
              g_error_matches (error, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
            {
              *reason = "an integer does not fit in 64 bits";
              return FALSE;
            }
        }
    }

  return TRUE;
}
