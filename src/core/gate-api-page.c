/* gate-api-page.c — a page of tickets_changed_since read straight from its body
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A million-ticket download is a thousand pages of 400 kB; json-glib builds
 * a node, a hash table and a copy of every string for each of them before
 * gate_api_rows_to_ticket_page() copies the strings again, which was most
 * of a kiosk's time for a full refresh (issue 16). This reads the shape
 * PostgreSQL's JSON gives a page (gate-server's rows of to_json(), or
 * PostgREST's json_agg()) — an array of flat objects whose
 * values are strings without escapes, numbers, booleans or null — straight
 * into the page, with the same checks and messages. Anything else (an
 * escaped character, a nested value, a time in another form) is not
 * refused here: the caller falls back to the general path, which decides.
 */
#include "config.h"

#include <string.h>

#include "gate-api-rows.h"
#include "gate-error.h"

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

/* One member of a flat object: its name and its scalar value. */
typedef struct
{
  const char *name;
  gsize       name_length;
  ValueKind   kind;
  const char *value;
  gsize       length;
} Member;

static gboolean
scan_member (Scan   *scan,
             Member *member)
{
  member->value = NULL;
  member->length = 0;
  return scan_string (scan, &member->name, &member->name_length) && scan_char (scan, ':') &&
         scan_scalar (scan, &member->kind, &member->value, &member->length);
}

/* After an element of an array or object: its end (@close, *@done set) or
 * a ',' before the next one. */
static gboolean
scan_next (Scan     *scan,
           char      close,
           gboolean *done)
{
  *done = scan_char (scan, close);
  return *done || scan_char (scan, ',');
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
fast_member (GateTicket    *ticket,
             char         **status,
             char         **cursor,
             guint          index,
             const Member  *scanned,
             guint         *seen,
             GError       **error)
{
  const char *value = scanned->value;
  gsize length = scanned->length;
  ValueKind kind = scanned->kind;
  static const char *const names[] = { "id", "qr_token", "qr_signature", "ticket_type", "guest_name", "status",
                                       "scanned_at", "scanned_device", "updated_at", "next_cursor" };
  char **strings[] = { &ticket->id, &ticket->qr_token, &ticket->qr_signature, &ticket->ticket_type,
                       &ticket->guest_name, status, NULL, &ticket->scanned_device, NULL, cursor };
  guint member;

  for (member = 0; member < G_N_ELEMENTS (names); member++)
    if (strlen (names[member]) == scanned->name_length &&
        memcmp (names[member], scanned->name, scanned->name_length) == 0)
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
  for (gboolean rows_done = scan_char (&scan, ']'); !rows_done; index++)
    {
      g_autoptr(GateTicket) ticket = gate_ticket_new ();
      g_autofree char *status = NULL;
      g_autofree char *cursor = NULL;
      g_autoptr(GError) row_bad = NULL;
      guint seen = 0;

      if (!scan_char (&scan, '{'))
        return NULL;
      for (gboolean done = scan_char (&scan, '}'); !done;)
        {
          Member member;

          if (!scan_member (&scan, &member) ||
              !fast_member (ticket, &status, &cursor, index, &member, &seen, row_bad == NULL ? &row_bad : NULL) ||
              !scan_next (&scan, '}', &done))
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

      if (!scan_next (&scan, ']', &rows_done))
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

/* --- a page read in two steps -----------------------------------------------
 *
 * A download asks for its next page with the cursor of the one before, so
 * the time a page takes to decode used to stand between two requests. The
 * page's body is now only walked through when it arrives, for its number of
 * rows and its last cursor, and decoded where it is stored, while the next
 * page is on its way (gate-sync-service-download.c).
 */

struct _GateTicketPageBody
{
  GBytes         *bytes;     /* the body, or NULL once decoded */
  char           *event_id;
  GateTicketPage *page;      /* decoded the general way when it came */
  guint           n_rows;
  char           *next_cursor;
};

void
gate_ticket_page_body_free (GateTicketPageBody *body)
{
  if (body == NULL)
    return;
  g_clear_pointer (&body->bytes, g_bytes_unref);
  g_clear_pointer (&body->page, gate_ticket_page_free);
  g_free (body->event_id);
  g_free (body->next_cursor);
  g_free (body);
}

/**
 * gate_ticket_page_body_peek:
 *
 * Walks a page's body in the shape gate_api_ticket_page_from_body() reads,
 * keeping a copy of it, its number of rows and its last row's next_cursor.
 * Nothing else is checked yet: gate_ticket_page_body_decode() does.
 *
 * Returns: (nullable): the body; %NULL for one in another shape
 */
GateTicketPageBody *
gate_ticket_page_body_peek (const char *data,
                            gsize       size,
                            const char *event_id)
{
  GateTicketPageBody *body;
  Scan scan = { data, data + size };
  const char *cursor = NULL;
  gsize cursor_length = 0;
  guint n_rows = 0;

  if (!scan_char (&scan, '['))
    return NULL;
  for (gboolean rows_done = scan_char (&scan, ']'); !rows_done; n_rows++)
    {
      if (!scan_char (&scan, '{'))
        return NULL;
      for (gboolean done = scan_char (&scan, '}'); !done;)
        {
          Member member;

          if (!scan_member (&scan, &member))
            return NULL;
          if (member.name_length == 11 && memcmp (member.name, "next_cursor", 11) == 0)
            {
              cursor = member.kind == VALUE_STRING ? member.value : NULL;
              cursor_length = member.length;
            }
          if (!scan_next (&scan, '}', &done))
            return NULL;
        }
      if (!scan_next (&scan, ']', &rows_done))
        return NULL;
    }
  scan_space (&scan);
  if (scan.at != scan.end || (cursor != NULL && !g_utf8_validate_len (cursor, cursor_length, NULL)))
    return NULL;

  body = g_new0 (GateTicketPageBody, 1);
  body->bytes = g_bytes_new (data, size);
  body->event_id = g_strdup (event_id);
  body->n_rows = n_rows;
  body->next_cursor = cursor != NULL ? g_strndup (cursor, cursor_length) : NULL;
  return body;
}

/* Takes @page: a body already decoded the general way. */
GateTicketPageBody *
gate_ticket_page_body_new_decoded (GateTicketPage *page)
{
  GateTicketPageBody *body = g_new0 (GateTicketPageBody, 1);

  body->page = page;
  body->n_rows = page->tickets->len;
  body->next_cursor = g_strdup (page->next_cursor);
  return body;
}

guint
gate_ticket_page_body_get_n_rows (const GateTicketPageBody *body)
{
  return body->n_rows;
}

/* Returns: (nullable): the cursor after the page; NULL for no rows. */
const char *
gate_ticket_page_body_get_next_cursor (const GateTicketPageBody *body)
{
  return body->next_cursor;
}

/**
 * gate_ticket_page_body_decode:
 *
 * The page, with every check of gate_api_ticket_page_from_body() and of the
 * general path it falls back to; it has the rows and the cursor the peek
 * counted. Once only.
 *
 * Returns: (transfer full) (nullable): the page, or %NULL with @error set
 */
GateTicketPage *
gate_ticket_page_body_decode (GateTicketPageBody  *body,
                              GError             **error)
{
  g_autoptr(GateTicketPage) page = g_steal_pointer (&body->page);
  g_autoptr(GBytes) bytes = g_steal_pointer (&body->bytes);
  gsize size = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &size) : NULL;
  GError *local = NULL;

  if (page == NULL && data != NULL)
    page = gate_api_ticket_page_from_body (data, size, body->event_id, &local);
  if (page == NULL && data != NULL && local == NULL)
    {
      g_autoptr(JsonArray) rows = gate_api_rows_from_body (data, size, &local);

      if (rows != NULL)
        page = gate_api_rows_to_ticket_page (rows, body->event_id, &local);
    }
  if (page == NULL)
    {
      if (local == NULL)
        local = g_error_new_literal (GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "the page was decoded already");
      g_prefix_error (&local, "tickets_changed_since: ");
      g_propagate_error (error, local);
      return NULL;
    }
  if (page->tickets->len != body->n_rows || g_strcmp0 (page->next_cursor, body->next_cursor) != 0)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE,
                   "tickets_changed_since: the page reads differently twice (%u rows, then %u)", body->n_rows,
                   page->tickets->len);
      return NULL;
    }
  return g_steal_pointer (&page);
}
