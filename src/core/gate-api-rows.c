/* gate-api-rows.c — strict decoding of PostgREST RPC answers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A table-returning function answers a JSON array of flat objects, one per
 * row, with the column names as members and PostgreSQL's JSON encodings:
 * text and uuid as strings, timestamptz as ISO 8601 text with an offset,
 * integers as numbers, NULL as null. Anything else is a broken answer.
 */
#include "config.h"

#include <string.h>

#include "gate-api-rows.h"
#include "gate-error.h"
#include "gate-json-text.h"
#include "gate-ticket-code.h"

static gboolean
bad_response (GError    **error,
              const char *format,
              ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad_response (GError    **error,
              const char *format,
              ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (GATE_ERROR, GATE_ERROR_BAD_RESPONSE, format, args));
  va_end (args);
  return FALSE;
}

/* --- bytes to JSON ------------------------------------------------------- */

JsonNode *
gate_api_parse_json (const char  *data,
                     gsize        size,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *problem;

  if (size == 0)
    {
      bad_response (error, "the answer is empty");
      return NULL;
    }
  if (!g_utf8_validate_len (data, size, NULL))
    {
      bad_response (error, "the answer is not UTF-8 text");
      return NULL;
    }
  if ((problem = gate_json_text_problem (data, size, GATE_API_MAX_DEPTH)) != NULL)
    {
      bad_response (error, "the answer is refused: %s", problem);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) size, &local_error))
    {
      bad_response (error, "the answer is not valid JSON (%s)", local_error->message);
      return NULL;
    }

  return json_parser_steal_root (parser);
}

JsonArray *
gate_api_rows_from_body (const char  *data,
                         gsize        size,
                         GError     **error)
{
  g_autoptr(JsonNode) root = gate_api_parse_json (data, size, error);
  JsonArray *rows;

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      bad_response (error, "expected a JSON array of rows, got a %s", json_node_type_name (root));
      return NULL;
    }

  rows = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (rows, i)))
      {
        bad_response (error, "row %u is a %s, not an object", i,
                      json_node_type_name (json_array_get_element (rows, i)));
        return NULL;
      }

  return json_array_ref (rows);
}

/* --- values -------------------------------------------------------------- */

gboolean
gate_api_parse_time (const char *text,
                     gint64     *out_us)
{
  g_autoptr(GDateTime) time = NULL;

  /* No default zone: a time without an offset is refused, not guessed. */
  if (text == NULL || (time = g_date_time_new_from_iso8601 (text, NULL)) == NULL)
    return FALSE;
  *out_us = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
  return TRUE;
}

char *
gate_api_format_time (gint64 time_us)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) time = NULL;

  if (seconds == NULL)
    return NULL;
  time = g_date_time_add (seconds, time_us % G_USEC_PER_SEC);
  return time ? g_date_time_format_iso8601 (time) : NULL;
}

/* Each reader leaves its output alone on a missing or null member (the
 * record's zero value), fails with a message naming the row and member on
 * a wrong type, and fails on a missing member when @required. */
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
  return bad_response (row->error, "row %u: “%s” is not %s", row->index, name, expected);
}

static JsonNode *
row_member (Row        *row,
            const char *name,
            gboolean    required,
            gboolean   *ok)
{
  JsonNode *node = json_object_get_member (row->object, name);

  *ok = TRUE;
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    return node;
  if (required)
    *ok = bad_response (row->error, "row %u: “%s” is missing", row->index, name);
  return NULL;
}

static gboolean
read_string (Row         *row,
             const char  *name,
             gboolean     required,
             char       **out)
{
  gboolean ok;
  JsonNode *node = row_member (row, name, required, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return row_bad (row, name, "a string");
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_uuid (Row         *row,
           const char  *name,
           gboolean     required,
           char       **out)
{
  gboolean ok;
  JsonNode *node = row_member (row, name, required, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_STRING || !g_uuid_string_is_valid (json_node_get_string (node)))
    return row_bad (row, name, "a UUID");
  g_free (*out);
  *out = g_ascii_strdown (json_node_get_string (node), -1);
  return TRUE;
}

static gboolean
read_time (Row        *row,
           const char *name,
           gboolean    required,
           gint64     *out_us)
{
  gboolean ok;
  JsonNode *node = row_member (row, name, required, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_STRING || !gate_api_parse_time (json_node_get_string (node), out_us))
    return row_bad (row, name, "an ISO 8601 time with a UTC offset");
  return TRUE;
}

static gboolean
read_int (Row        *row,
          const char *name,
          gboolean    required,
          gint64      min,
          gint64     *out)
{
  gboolean ok;
  JsonNode *node = row_member (row, name, required, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < min)
    return row_bad (row, name, min == 0 ? "a non-negative integer" : "a positive integer");
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_bool (Row        *row,
           const char *name,
           gboolean    required,
           gboolean   *out)
{
  gboolean ok;
  JsonNode *node = row_member (row, name, required, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return row_bad (row, name, "a boolean");
  *out = json_node_get_boolean (node);
  return TRUE;
}

static Row
row_at (JsonArray  *rows,
        guint       index,
        GError    **error)
{
  return (Row) { json_array_get_object_element (rows, index), index, error };
}

static gboolean
expect_one_row (JsonArray  *rows,
                GError    **error)
{
  if (json_array_get_length (rows) == 1)
    return TRUE;
  return bad_response (error, "%u rows instead of one", json_array_get_length (rows));
}

/* --- records ------------------------------------------------------------- */

/* scan_ticket's row: an online decision, without the code and scan id the
 * caller sent. */
GateScanDecision *
gate_api_rows_to_scan_decision (JsonArray  *rows,
                                GError    **error)
{
  g_autoptr(GateScanDecision) answer = gate_scan_decision_new (GATE_VERDICT_NOT_FOUND, GATE_SCAN_MODE_ONLINE);
  g_autofree char *verdict = NULL;
  Row row;

  if (!expect_one_row (rows, error))
    return NULL;

  row = row_at (rows, 0, error);
  if (!read_string (&row, "verdict", TRUE, &verdict) ||
      !read_uuid (&row, "ticket_id", FALSE, &answer->ticket_id) ||
      !read_string (&row, "guest_name", FALSE, &answer->guest_name) ||
      !read_string (&row, "ticket_type", FALSE, &answer->ticket_type) ||
      !read_time (&row, "scanned_at", FALSE, &answer->scanned_at_us) ||
      !read_string (&row, "scanned_device", FALSE, &answer->scanned_device) ||
      !read_time (&row, "server_time", TRUE, &answer->server_time_us))
    return NULL;

  /* invalid_code and cannot_decide are the kiosk's own verdicts; a server
   * never says them. */
  if (!gate_verdict_from_string (verdict, &answer->verdict) || answer->verdict == GATE_VERDICT_INVALID_CODE ||
      answer->verdict == GATE_VERDICT_CANNOT_DECIDE)
    {
      bad_response (error, "unknown verdict “%s”", verdict);
      return NULL;
    }
  if (answer->verdict == GATE_VERDICT_ADMITTED && answer->ticket_id == NULL)
    {
      bad_response (error, "“admitted” without naming the ticket");
      return NULL;
    }

  return g_steal_pointer (&answer);
}

static gboolean
was_sent (GPtrArray  *sent,
          const char *client_scan_id)
{
  for (guint i = 0; i < sent->len; i++)
    {
      const GateQueuedScan *scan = g_ptr_array_index (sent, i);

      if (g_ascii_strcasecmp (scan->client_scan_id, client_scan_id) == 0)
        return TRUE;
    }
  return FALSE;
}

GPtrArray *
gate_api_rows_to_upload_results (JsonArray  *rows,
                                 GPtrArray  *sent,
                                 GError    **error)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_upload_result_free);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      Row row = row_at (rows, i, error);
      g_autoptr(GateUploadResult) result = gate_upload_result_new ();
      g_autofree char *outcome = NULL;

      if (!read_uuid (&row, "client_scan_id", FALSE, &result->client_scan_id) ||
          !read_string (&row, "outcome", TRUE, &outcome) ||
          !read_bool (&row, "replayed", FALSE, &result->replayed) ||
          !read_string (&row, "winner_device", FALSE, &result->winner_device) ||
          !read_time (&row, "winner_time", FALSE, &result->winner_time_us) ||
          !read_time (&row, "server_time", TRUE, &result->server_time_us))
        return NULL;

      if (!gate_upload_outcome_from_string (outcome, &result->outcome))
        {
          bad_response (error, "row %u: unknown upload outcome “%s”", i, outcome);
          return NULL;
        }

      /* A rejected element whose id the server could not read answers for
       * no scan of ours: nothing to match it to, the scan stays queued. */
      if (result->client_scan_id == NULL)
        {
          if (result->outcome != GATE_UPLOAD_REJECTED)
            {
              bad_response (error, "row %u: outcome “%s” without a client_scan_id", i, outcome);
              return NULL;
            }
          continue;
        }

      /* Taking an answer for a scan we never sent would let a confused
       * server clear the wrong entry from the queue. */
      if (sent != NULL && !was_sent (sent, result->client_scan_id))
        {
          bad_response (error, "row %u answers for scan %s, which was not in the batch", i, result->client_scan_id);
          return NULL;
        }

      g_ptr_array_add (results, g_steal_pointer (&result));
    }

  return g_steal_pointer (&results);
}

GateTicketPage *
gate_api_rows_to_ticket_page (JsonArray   *rows,
                              const char  *event_id,
                              GError     **error)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      Row row = row_at (rows, i, error);
      g_autoptr(GateTicket) ticket = gate_ticket_new ();
      g_autofree char *status = NULL;
      g_autofree char *cursor = NULL;

      if (!read_uuid (&row, "id", TRUE, &ticket->id) ||
          !read_string (&row, "qr_token", TRUE, &ticket->qr_token) ||
          !read_string (&row, "qr_signature", FALSE, &ticket->qr_signature) ||
          !read_string (&row, "ticket_type", FALSE, &ticket->ticket_type) ||
          !read_string (&row, "guest_name", FALSE, &ticket->guest_name) ||
          !read_string (&row, "status", TRUE, &status) ||
          !read_time (&row, "scanned_at", FALSE, &ticket->scanned_at_us) ||
          !read_string (&row, "scanned_device", FALSE, &ticket->scanned_device) ||
          !read_time (&row, "updated_at", FALSE, &ticket->updated_at_us) ||
          !read_string (&row, "next_cursor", TRUE, &cursor))
        return NULL;

      if (ticket->qr_token[0] == '\0')
        {
          bad_response (error, "row %u: “qr_token” is empty", i);
          return NULL;
        }
      if (!gate_ticket_status_from_string (status, &ticket->status))
        {
          bad_response (error, "row %u: unknown ticket status “%s”", i, status);
          return NULL;
        }

      /* The cursor is the same on every row of a page; the last one counts. */
      g_free (page->next_cursor);
      page->next_cursor = g_steal_pointer (&cursor);
      ticket->event_id = g_strdup (event_id);
      g_ptr_array_add (page->tickets, g_steal_pointer (&ticket));
    }

  return g_steal_pointer (&page);
}

/* --- ticket pages without a JSON tree -----------------------------------
 *
 * A million-ticket download is a thousand pages of 400 kB; json-glib builds
 * a node, a hash table and a copy of every string for each of them before
 * gate_api_rows_to_ticket_page() copies the strings again, which was most
 * of a kiosk's time for a full refresh (issue 16). This reads the shape
 * PostgreSQL's json_agg() gives a page — an array of flat objects whose
 * values are strings without escapes, numbers, booleans or null — straight
 * into the page, with the same checks and messages. Anything else (an
 * escaped character, a nested value, a time in another form) is not
 * refused here: the caller falls back to the general path, which decides.
 */

typedef struct
{
  const char *at;
  const char *end;
} Scan;

static void
scan_space (Scan *scan)
{
  while (scan->at < scan->end && (*scan->at == ' ' || *scan->at == '\n' || *scan->at == '\r' || *scan->at == '\t'))
    scan->at++;
}

static gboolean
scan_char (Scan *scan,
           char  c)
{
  scan_space (scan);
  if (scan->at >= scan->end || *scan->at != c)
    return FALSE;
  scan->at++;
  return TRUE;
}

/* A string without escapes or control characters: its bytes. */
static gboolean
scan_string (Scan        *scan,
             const char **start,
             gsize       *length)
{
  const char *p;

  scan_space (scan);
  if (scan->at >= scan->end || *scan->at != '"')
    return FALSE;
  for (p = scan->at + 1; p < scan->end && *p != '"'; p++)
    if (*p == '\\' || (guchar) *p < 0x20)
      return FALSE;
  if (p >= scan->end)
    return FALSE;
  *start = scan->at + 1;
  *length = p - *start;
  scan->at = p + 1;
  return TRUE;
}

typedef enum
{
  VALUE_STRING,
  VALUE_NULL,
  VALUE_OTHER,   /* a number or a boolean */
} ValueKind;

static gboolean
scan_scalar (Scan        *scan,
             ValueKind   *kind,
             const char **start,
             gsize       *length)
{
  const char *p;

  scan_space (scan);
  if (scan->at >= scan->end)
    return FALSE;
  if (*scan->at == '"')
    {
      *kind = VALUE_STRING;
      return scan_string (scan, start, length);
    }
  if (scan->end - scan->at >= 4 && memcmp (scan->at, "null", 4) == 0)
    {
      *kind = VALUE_NULL;
      scan->at += 4;
      return TRUE;
    }
  *kind = VALUE_OTHER;
  for (const char *word = "true"; word != NULL; word = word[0] == 't' ? "false" : NULL)
    if ((gsize) (scan->end - scan->at) >= strlen (word) && memcmp (scan->at, word, strlen (word)) == 0)
      {
        scan->at += strlen (word);
        return TRUE;
      }

  /* A number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
  p = scan->at;
  if (p < scan->end && *p == '-')
    p++;
  if (p < scan->end && *p == '0')
    p++;
  else if (p < scan->end && *p >= '1' && *p <= '9')
    while (p < scan->end && g_ascii_isdigit (*p))
      p++;
  else
    return FALSE;
  if (p < scan->end && *p == '.')
    {
      if (++p >= scan->end || !g_ascii_isdigit (*p))
        return FALSE;
      while (p < scan->end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < scan->end && (*p == 'e' || *p == 'E'))
    {
      if (++p < scan->end && (*p == '+' || *p == '-'))
        p++;
      if (p >= scan->end || !g_ascii_isdigit (*p))
        return FALSE;
      while (p < scan->end && g_ascii_isdigit (*p))
        p++;
    }
  scan->at = p;
  return TRUE;
}

static gboolean
digits (const char *text,
        guint       count,
        gint       *value)
{
  *value = 0;
  for (guint i = 0; i < count; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      *value = *value * 10 + (text[i] - '0');
    }
  return TRUE;
}

/* PostgreSQL's timestamptz in JSON, "2026-12-03T08:59:58.123456+00:00",
 * with 0 to 6 decimals; anything else goes to gate_api_parse_time(). */
static gboolean
fast_time (const char *text,
           gsize       length,
           gint64     *out_us)
{
  static const int days_before_month[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
  gint year, month, day, hour, minute, second, offset_hour, offset_minute;
  gint64 micro = 0;
  gint64 days;
  gsize at = 19;
  guint decimals = 0;

  if (length < 25 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      !digits (text, 4, &year) || !digits (text + 5, 2, &month) || !digits (text + 8, 2, &day) ||
      !digits (text + 11, 2, &hour) || !digits (text + 14, 2, &minute) || !digits (text + 17, 2, &second))
    return FALSE;
  if (text[at] == '.')
    for (at++; at < length && g_ascii_isdigit (text[at]) && decimals < 6; at++, decimals++)
      micro = micro * 10 + (text[at] - '0');
  for (; decimals < 6; decimals++)
    micro *= 10;
  if (length - at != 6 || (text[at] != '+' && text[at] != '-') || text[at + 3] != ':' ||
      !digits (text + at + 1, 2, &offset_hour) || !digits (text + at + 4, 2, &offset_minute))
    return FALSE;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 ||
      offset_hour > 23 || offset_minute > 59)
    return FALSE;

  /* Days since 1970-01-01 in the proleptic Gregorian calendar. */
  days = (gint64) (year - 1970) * 365 + (year - 1969) / 4 - (year - 1901) / 100 + (year - 1601) / 400 +
         days_before_month[month - 1] + day - 1;
  if (month > 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
    days++;
  if (day > (gint) g_date_get_days_in_month ((GDateMonth) month, (GDateYear) year))
    return FALSE;

  *out_us = ((days * 24 + hour) * 3600 + minute * 60 + second -
             (text[at] == '-' ? -1 : 1) * (offset_hour * 3600 + offset_minute * 60)) * G_USEC_PER_SEC + micro;
  return TRUE;
}

/* FALSE: not the simple shape, the caller parses it the general way. A
 * wrong value in the simple shape is a BAD_RESPONSE in @error. */
static gboolean
fast_member (GateTicket  *ticket,
             char       **status,
             char       **cursor,
             guint        index,
             const char  *name,
             gsize        name_length,
             ValueKind    kind,
             const char  *value,
             gsize        length,
             guint       *seen,
             GError     **error)
{
  static const char *const names[] = { "id", "qr_token", "qr_signature", "ticket_type", "guest_name", "status",
                                       "scanned_at", "scanned_device", "updated_at", "next_cursor" };
  char **strings[] = { &ticket->id, &ticket->qr_token, &ticket->qr_signature, &ticket->ticket_type,
                       &ticket->guest_name, status, NULL, &ticket->scanned_device, NULL, cursor };
  guint member;

  for (member = 0; member < G_N_ELEMENTS (names); member++)
    if (strlen (names[member]) == name_length && memcmp (names[member], name, name_length) == 0)
      break;
  if (member == G_N_ELEMENTS (names))
    return TRUE;   /* not ours */

  *seen |= 1u << member;
  if (kind == VALUE_NULL)
    {
      *seen &= ~(1u << member);
      if (strings[member] != NULL)
        g_clear_pointer (strings[member], g_free);
      else
        *(member == 6 ? &ticket->scanned_at_us : &ticket->updated_at_us) = 0;
      return TRUE;
    }
  if (kind != VALUE_STRING)
    {
      const char *expected = member == 0 ? "a UUID" : member == 6 || member == 8 ? "an ISO 8601 time with a UTC offset"
                                                                                 : "a string";

      g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "row %u: “%s” is not %s", index, names[member],
                   expected);
      return TRUE;
    }

  if (member == 6 || member == 8)
    return fast_time (value, length, member == 6 ? &ticket->scanned_at_us : &ticket->updated_at_us);

  g_free (*strings[member]);
  *strings[member] = member == 0 ? g_ascii_strdown (value, length) : g_strndup (value, length);
  if (member == 0 && !g_uuid_string_is_valid (*strings[member]))
    g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "row %u: “id” is not a UUID", index);
  return TRUE;
}

/**
 * gate_api_ticket_page_from_body:
 *
 * A page of tickets_changed_since read straight from the body.
 *
 * Returns: (nullable): the page; %NULL with @error set for a broken page,
 *   %NULL without for a body to parse the general way
 */
GateTicketPage *
gate_api_ticket_page_from_body (const char  *data,
                                gsize        size,
                                const char  *event_id,
                                GError     **error)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
  g_autoptr(GError) bad = NULL;   /* the first broken row, told once the whole body has the shape */
  Scan scan = { data, data + size };
  guint index = 0;

  if (size == 0 || !g_utf8_validate_len (data, size, NULL) || !scan_char (&scan, '['))
    return NULL;
  if (!scan_char (&scan, ']'))
    for (;; index++)
      {
        g_autoptr(GateTicket) ticket = gate_ticket_new ();
        g_autofree char *status = NULL;
        g_autofree char *cursor = NULL;
        g_autoptr(GError) row_bad = NULL;
        guint seen = 0;

        if (!scan_char (&scan, '{'))
          return NULL;
        if (!scan_char (&scan, '}'))
          for (;;)
            {
              const char *name;
              const char *value = NULL;
              gsize name_length;
              gsize length = 0;
              ValueKind kind;

              if (!scan_string (&scan, &name, &name_length) || !scan_char (&scan, ':') ||
                  !scan_scalar (&scan, &kind, &value, &length) ||
                  !fast_member (ticket, &status, &cursor, index, name, name_length, kind, value, length, &seen,
                                row_bad == NULL ? &row_bad : NULL))
                return NULL;
              if (scan_char (&scan, '}'))
                break;
              if (!scan_char (&scan, ','))
                return NULL;
            }

        /* id, qr_token, status and next_cursor are required. */
        if (row_bad == NULL)
          for (guint member = 0; member < 10; member++)
            if ((member == 0 || member == 1 || member == 5 || member == 9) && !(seen & (1u << member)))
              {
                static const char *const required[] = { "id", "qr_token", NULL, NULL, NULL, "status", NULL, NULL,
                                                         NULL, "next_cursor" };

                g_set_error (&row_bad, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "row %u: “%s” is missing", index,
                             required[member]);
                break;
              }
        if (row_bad == NULL && ticket->qr_token[0] == '\0')
          g_set_error (&row_bad, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "row %u: “qr_token” is empty", index);
        if (row_bad == NULL && !gate_ticket_status_from_string (status, &ticket->status))
          g_set_error (&row_bad, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "row %u: unknown ticket status “%s”", index,
                       status);

        if (row_bad != NULL)
          {
            if (bad == NULL)
              bad = g_steal_pointer (&row_bad);
          }
        else
          {
            g_free (page->next_cursor);
            page->next_cursor = g_steal_pointer (&cursor);
            ticket->event_id = g_strdup (event_id);
            g_ptr_array_add (page->tickets, g_steal_pointer (&ticket));
          }

        if (scan_char (&scan, ']'))
          break;
        if (!scan_char (&scan, ','))
          return NULL;
      }

  scan_space (&scan);
  if (scan.at != scan.end)
    return NULL;
  if (bad != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&bad));
      return NULL;
    }
  return g_steal_pointer (&page);
}

/* event_summary and list_events answer the same columns. */
static gboolean
read_event_summary (Row              *row,
                    GateEventSummary *summary)
{
  return read_uuid (row, "event_id", TRUE, &summary->event_id) &&
         read_string (row, "name", TRUE, &summary->name) &&
         read_time (row, "starts_at", FALSE, &summary->starts_at_us) &&
         read_int (row, "ticket_count", FALSE, 0, &summary->ticket_count) &&
         read_int (row, "scanned_count", FALSE, 0, &summary->scanned_count) &&
         read_time (row, "server_time", TRUE, &summary->server_time_us);
}

GateEventSummary *
gate_api_rows_to_event_summary (JsonArray  *rows,
                                GError    **error)
{
  g_autoptr(GateEventSummary) summary = gate_event_summary_new ();
  Row row;

  /* event_summary of an unknown event is an empty table, not an error. */
  if (json_array_get_length (rows) == 0)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND, "the server has no such event");
      return NULL;
    }
  if (!expect_one_row (rows, error))
    return NULL;

  row = row_at (rows, 0, error);
  if (!read_event_summary (&row, summary))
    return NULL;

  return g_steal_pointer (&summary);
}

GPtrArray *
gate_api_rows_to_event_summaries (JsonArray  *rows,
                                  GError    **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_event_summary_free);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      Row row = row_at (rows, i, error);
      g_autoptr(GateEventSummary) summary = gate_event_summary_new ();

      if (!read_event_summary (&row, summary))
        return NULL;
      g_ptr_array_add (events, g_steal_pointer (&summary));
    }

  return g_steal_pointer (&events);
}

gint64
gate_api_rows_to_server_time (JsonArray  *rows,
                              GError    **error)
{
  gint64 server_time_us = 0;
  Row row;

  if (!expect_one_row (rows, error))
    return 0;
  row = row_at (rows, 0, error);
  if (!read_time (&row, "server_time", TRUE, &server_time_us))
    return 0;
  return server_time_us;
}

GPtrArray *
gate_api_rows_to_conflicts (JsonArray  *rows,
                            GError    **error)
{
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      Row row = row_at (rows, i, error);
      g_autoptr(GateConflict) conflict = gate_conflict_new ();

      if (!read_int (&row, "id", TRUE, 1, &conflict->id) ||
          !read_uuid (&row, "event_id", FALSE, &conflict->event_id) ||
          !read_uuid (&row, "ticket_id", TRUE, &conflict->ticket_id) ||
          !read_string (&row, "qr_token", FALSE, &conflict->qr_token) ||
          !read_string (&row, "guest_name", FALSE, &conflict->guest_name) ||
          !read_string (&row, "ticket_type", FALSE, &conflict->ticket_type) ||
          !read_string (&row, "winner_device", FALSE, &conflict->winner_device) ||
          !read_time (&row, "winner_time", FALSE, &conflict->winner_time_us) ||
          !read_uuid (&row, "winner_scan_id", FALSE, &conflict->winner_scan_id) ||
          !read_string (&row, "loser_device", FALSE, &conflict->loser_device) ||
          !read_time (&row, "loser_time", FALSE, &conflict->loser_time_us) ||
          !read_uuid (&row, "loser_scan_id", FALSE, &conflict->loser_scan_id) ||
          !read_time (&row, "detected_at", FALSE, &conflict->detected_at_us) ||
          !read_time (&row, "reviewed_at", FALSE, &conflict->reviewed_at_us) ||
          !read_string (&row, "reviewed_by", FALSE, &conflict->reviewed_by) ||
          !read_string (&row, "review_note", FALSE, &conflict->review_note))
        return NULL;

      g_ptr_array_add (conflicts, g_steal_pointer (&conflict));
    }

  return g_steal_pointer (&conflicts);
}

GPtrArray *
gate_api_rows_to_devices (JsonArray  *rows,
                          GError    **error)
{
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_device_info_free);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      Row row = row_at (rows, i, error);
      g_autoptr(GateDeviceInfo) device = gate_device_info_new ();
      gint64 pending = 0;

      if (!read_string (&row, "id", TRUE, &device->id) ||
          !read_string (&row, "name", FALSE, &device->name) ||
          !read_string (&row, "role", FALSE, &device->role) ||
          !read_time (&row, "last_seen_at", FALSE, &device->last_seen_at_us) ||
          !read_string (&row, "app_version", FALSE, &device->app_version) ||
          !read_int (&row, "pending_scans", FALSE, 0, &pending) ||
          !read_time (&row, "last_refresh_at", FALSE, &device->last_refresh_at_us) ||
          !read_time (&row, "revoked_at", FALSE, &device->revoked_at_us))
        return NULL;

      if (pending > G_MAXINT)
        {
          row_bad (&row, "pending_scans", "a 32-bit count");
          return NULL;
        }
      device->pending_scans = (gint) pending;
      g_ptr_array_add (devices, g_steal_pointer (&device));
    }

  return g_steal_pointer (&devices);
}

/* device_activity: one GateDeviceInfo a device, with only id, admitted and
 * last_seen_at_us (the last scan the server received from it). */
GPtrArray *
gate_api_rows_to_device_activity (JsonArray  *rows,
                                  GError    **error)
{
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_device_info_free);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      Row row = row_at (rows, i, error);
      g_autoptr(GateDeviceInfo) device = gate_device_info_new ();

      if (!read_string (&row, "device_id", TRUE, &device->id) ||
          !read_int (&row, "admitted", TRUE, 0, &device->admitted) ||
          !read_time (&row, "last_scan_at", FALSE, &device->last_seen_at_us))
        return NULL;

      g_ptr_array_add (devices, g_steal_pointer (&device));
    }

  return g_steal_pointer (&devices);
}

/* event_keys: GateEventKey records (g_free), in the server's order. */
GPtrArray *
gate_api_rows_to_event_keys (JsonArray  *rows,
                             GError    **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      Row row = row_at (rows, i, error);
      g_autofree char *encoded = NULL;
      g_autofree guint8 *decoded = NULL;
      gint64 key_id = 0;
      gint64 server_time_us = 0;
      gsize length = 0;
      GateEventKey *key;

      if (!read_int (&row, "key_id", TRUE, 1, &key_id) ||
          !read_string (&row, "public_key", TRUE, &encoded) ||
          !read_time (&row, "server_time", TRUE, &server_time_us))
        return NULL;
      if (key_id > 255)
        {
          row_bad (&row, "key_id", "a key id from 1 to 255");
          return NULL;
        }

      /* g_base64_decode() skips what is not base64: check the text first. */
      for (const char *p = encoded; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=' && *p != '\n')
          {
            row_bad (&row, "public_key", "base64");
            return NULL;
          }
      decoded = g_base64_decode (encoded, &length);
      if (length != GATE_TICKET_CODE_PUBLIC_KEY_SIZE)
        {
          row_bad (&row, "public_key", "a 32-byte Ed25519 public key");
          return NULL;
        }

      key = g_new0 (GateEventKey, 1);
      key->key_id = (guint8) key_id;
      memcpy (key->public_key, decoded, GATE_TICKET_CODE_PUBLIC_KEY_SIZE);
      g_ptr_array_add (keys, key);
    }

  return g_steal_pointer (&keys);
}
