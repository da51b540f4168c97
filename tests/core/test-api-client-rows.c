/* test-api-client-rows.c — decoding PostgREST rows into the shared records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The encodings PostgreSQL and PostgREST really produce must decode to the
 * exact values; near misses must be refused with a message naming the row
 * and member.
 */
#include "config.h"

#include <string.h>

#include "gate-api-rows.h"
#include "gate-error.h"
#include "gate-ticket-code.h"

#define TICKET_ID "6f1c2b7e-3a52-4f0e-9d41-7c8e5b2a9f10"
#define EVENT_ID  "0b6f3e2a-1c4d-4e5f-8a9b-0c1d2e3f4a5b"
/* 2026-11-25T10:00:00Z */
#define TEN_AM_US G_GINT64_CONSTANT (1795600800000000)

static JsonArray *
rows_from (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonArray *rows = gate_api_rows_from_body (json, strlen (json), &error);

  g_assert_no_error (error);
  return rows;
}

static void
test_times_in_postgresql_encodings (void)
{
  static const struct
  {
    const char *text;
    gint64      us;
  } cases[] = {
    { "2026-11-25T10:00:00+00:00", TEN_AM_US },
    { "2026-11-25T10:00:00.123456+00:00", TEN_AM_US + 123456 },
    { "2026-11-25T10:00:00.1+00:00", TEN_AM_US + 100000 },
    { "2026-11-25T10:00:00.123456789+00:00", TEN_AM_US + 123456 },
    { "2026-11-25T15:30:00.5+05:30", TEN_AM_US + 500000 },
    { "2026-11-25T05:00:00-05:00", TEN_AM_US },
    { "2026-11-25T10:00:00Z", TEN_AM_US },
    { "2026-11-25T10:00:00+00", TEN_AM_US },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 us = 0;

      g_test_message ("%s", cases[i].text);
      g_assert_true (gate_api_parse_time (cases[i].text, &us));
      g_assert_cmpint (us, ==, cases[i].us);
    }
}

static void
test_times_without_zone_or_date_are_refused (void)
{
  const char *bad[] = { "2026-11-25T10:00:00", "2026-11-25", "10:00:00+00:00", "infinity", "", "yesterday" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gint64 us = 42;

      g_assert_false (gate_api_parse_time (bad[i], &us));
      g_assert_cmpint (us, ==, 42);
    }
}

static void
test_formatted_time_round_trips (void)
{
  const gint64 times[] = { TEN_AM_US, TEN_AM_US + 1, TEN_AM_US + 999999, 0, -1500000 };

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *text = gate_api_format_time (times[i]);
      gint64 us = 0;

      g_assert_true (gate_api_parse_time (text, &us));
      g_assert_cmpint (us, ==, times[i]);
    }
}

static void
test_ticket_page_with_nulls (void)
{
  g_autoptr(JsonArray) rows = rows_from (
    "[{\"id\":\"6F1C2B7E-3A52-4F0E-9D41-7C8E5B2A9F10\",\"qr_token\":\"GS1-A\",\"qr_signature\":null,"
    "\"ticket_type\":null,\"guest_name\":null,\"status\":\"valid\",\"scanned_at\":null,\"scanned_device\":null,"
    "\"updated_at\":\"2026-11-25T10:00:00.25+00:00\",\"next_cursor\":\"a|b|1|x\"},"
    "{\"id\":\"7f1c2b7e-3a52-4f0e-9d41-7c8e5b2a9f10\",\"qr_token\":\"GS1-B\",\"qr_signature\":\"sig\","
    "\"ticket_type\":\"VIP\",\"guest_name\":\"Bob\",\"status\":\"scanned\","
    "\"scanned_at\":\"2026-11-25T10:00:00+00:00\",\"scanned_device\":\"gate-1\","
    "\"updated_at\":\"2026-11-25T10:00:01+00:00\",\"next_cursor\":\"a|b|2|y\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketPage) page = gate_api_rows_to_ticket_page (rows, EVENT_ID, &error);
  GateTicket *first;
  GateTicket *second;

  g_assert_no_error (error);
  g_assert_cmpuint (page->tickets->len, ==, 2);
  g_assert_cmpstr (page->next_cursor, ==, "a|b|2|y");

  first = page->tickets->pdata[0];
  g_assert_cmpstr (first->id, ==, TICKET_ID);
  g_assert_cmpstr (first->event_id, ==, EVENT_ID);
  g_assert_null (first->guest_name);
  g_assert_null (first->qr_signature);
  g_assert_cmpint (first->status, ==, GATE_TICKET_STATUS_VALID);
  g_assert_cmpint (first->scanned_at_us, ==, 0);
  g_assert_cmpint (first->updated_at_us, ==, TEN_AM_US + 250000);

  second = page->tickets->pdata[1];
  g_assert_cmpint (second->status, ==, GATE_TICKET_STATUS_SCANNED);
  g_assert_cmpint (second->scanned_at_us, ==, TEN_AM_US);
  g_assert_cmpstr (second->scanned_device, ==, "gate-1");
}

static void
test_empty_page_has_no_cursor (void)
{
  g_autoptr(JsonArray) rows = rows_from ("[]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketPage) page = gate_api_rows_to_ticket_page (rows, EVENT_ID, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (page->tickets->len, ==, 0);
  g_assert_null (page->next_cursor);
}

static void
test_unknown_ticket_status_is_refused (void)
{
  g_autoptr(JsonArray) rows = rows_from (
    "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-A\",\"status\":\"refunded\",\"next_cursor\":\"c\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketPage) page = gate_api_rows_to_ticket_page (rows, EVENT_ID, &error);

  g_assert_null (page);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "refunded"));
}

static void
test_empty_event_summary_is_not_found (void)
{
  g_autoptr(JsonArray) rows = rows_from ("[]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateEventSummary) summary = gate_api_rows_to_event_summary (rows, &error);

  g_assert_null (summary);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND);
}

static void
test_event_summary_counts (void)
{
  g_autoptr(JsonArray) rows = rows_from (
    "[{\"event_id\":\"" EVENT_ID "\",\"name\":\"Gala\",\"starts_at\":null,\"ticket_count\":1000000,"
    "\"scanned_count\":12,\"server_time\":\"2026-11-25T10:00:00+00:00\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateEventSummary) summary = gate_api_rows_to_event_summary (rows, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (summary->name, ==, "Gala");
  g_assert_cmpint (summary->ticket_count, ==, 1000000);
  g_assert_cmpint (summary->scanned_count, ==, 12);
  g_assert_cmpint (summary->starts_at_us, ==, 0);
  g_assert_cmpint (summary->server_time_us, ==, TEN_AM_US);
}

static void
test_event_list_in_server_order (void)
{
  g_autoptr(JsonArray) rows = rows_from (
    "[{\"event_id\":\"" EVENT_ID "\",\"name\":\"Gala\",\"starts_at\":\"2026-11-25 10:00:00+00\","
    "\"ticket_count\":3,\"scanned_count\":1,\"server_time\":\"2026-11-25T10:00:00+00:00\"},"
    "{\"event_id\":\"" TICKET_ID "\",\"name\":\"Matinee\",\"starts_at\":null,"
    "\"ticket_count\":0,\"scanned_count\":0,\"server_time\":\"2026-11-25T10:00:00+00:00\"}]");
  g_autoptr(JsonArray) none = rows_from ("[]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = gate_api_rows_to_event_summaries (rows, &error);
  g_autoptr(GPtrArray) no_events = NULL;
  GateEventSummary *first;
  GateEventSummary *second;

  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 2);
  first = g_ptr_array_index (events, 0);
  second = g_ptr_array_index (events, 1);
  g_assert_cmpstr (first->name, ==, "Gala");
  g_assert_cmpint (first->starts_at_us, ==, TEN_AM_US);
  g_assert_cmpint (first->scanned_count, ==, 1);
  g_assert_cmpstr (second->event_id, ==, TICKET_ID);
  g_assert_cmpint (second->starts_at_us, ==, 0);

  /* No events is an answer, not an error. */
  no_events = gate_api_rows_to_event_summaries (none, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (no_events->len, ==, 0);
}

static void
test_event_list_with_one_bad_row_is_refused (void)
{
  g_autoptr(JsonArray) rows = rows_from (
    "[{\"event_id\":\"" EVENT_ID "\",\"name\":\"Gala\",\"server_time\":\"2026-11-25T10:00:00+00:00\"},"
    "{\"event_id\":\"not-a-uuid\",\"name\":\"Matinee\",\"server_time\":\"2026-11-25T10:00:00+00:00\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = gate_api_rows_to_event_summaries (rows, &error);

  g_assert_null (events);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "event_id"));
}

static void
test_fractional_count_is_refused (void)
{
  g_autoptr(JsonArray) rows = rows_from (
    "[{\"event_id\":\"" EVENT_ID "\",\"name\":\"Gala\",\"ticket_count\":10.5,"
    "\"server_time\":\"2026-11-25T10:00:00+00:00\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateEventSummary) summary = gate_api_rows_to_event_summary (rows, &error);

  g_assert_null (summary);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "ticket_count"));
}

static void
test_rejected_upload_without_id_is_skipped (void)
{
  g_autoptr(JsonArray) rows = rows_from (
    "[{\"client_scan_id\":null,\"outcome\":\"rejected\",\"replayed\":false,"
    "\"server_time\":\"2026-11-25T10:00:00+00:00\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = gate_api_rows_to_upload_results (rows, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 0);
}

static void
test_applied_upload_without_id_is_refused (void)
{
  g_autoptr(JsonArray) rows = rows_from (
    "[{\"client_scan_id\":null,\"outcome\":\"applied\",\"replayed\":false,"
    "\"server_time\":\"2026-11-25T10:00:00+00:00\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = gate_api_rows_to_upload_results (rows, NULL, &error);

  g_assert_null (results);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
}

static void
test_admitted_without_ticket_is_refused (void)
{
  g_autoptr(JsonArray) rows = rows_from (
    "[{\"verdict\":\"admitted\",\"ticket_id\":null,\"server_time\":\"2026-11-25T10:00:00+00:00\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateScanDecision) answer = gate_api_rows_to_scan_decision (rows, &error);

  g_assert_null (answer);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
}

static void
test_busy_verdict_decodes (void)
{
  g_autoptr(JsonArray) rows = rows_from (
    "[{\"verdict\":\"busy\",\"ticket_id\":\"" TICKET_ID "\",\"guest_name\":null,\"ticket_type\":null,"
    "\"scanned_at\":null,\"scanned_device\":null,\"server_time\":\"2026-11-25T10:00:00+00:00\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateScanDecision) answer = gate_api_rows_to_scan_decision (rows, &error);

  g_assert_no_error (error);
  g_assert_cmpint (answer->verdict, ==, GATE_VERDICT_BUSY);
  g_assert_cmpint (answer->server_time_us, ==, TEN_AM_US);
}

static void
test_server_invented_verdict_is_refused (void)
{
  /* invalid_code is the kiosk's own verdict, never the server's. */
  g_autoptr(JsonArray) rows = rows_from (
    "[{\"verdict\":\"invalid_code\",\"server_time\":\"2026-11-25T10:00:00+00:00\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateScanDecision) answer = gate_api_rows_to_scan_decision (rows, &error);

  g_assert_null (answer);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
}

static void
test_conflict_id_must_be_positive (void)
{
  g_autoptr(JsonArray) rows = rows_from ("[{\"id\":0,\"ticket_id\":\"" TICKET_ID "\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = gate_api_rows_to_conflicts (rows, &error);

  g_assert_null (conflicts);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "“id”"));
}

static void
test_device_pending_count_must_fit (void)
{
  g_autoptr(JsonArray) rows = rows_from ("[{\"id\":\"gate-1\",\"pending_scans\":4294967296}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = gate_api_rows_to_devices (rows, &error);

  g_assert_null (devices);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
}

/* 32 bytes 0x00…0x1f in base64, as encode(…, 'base64') prints them. */
#define KEY_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static void
test_event_keys_decode (void)
{
  g_autoptr(JsonArray) rows = rows_from ("[{\"key_id\":1,\"public_key\":\"" KEY_B64 "\","
                                         "\"created_at\":\"2026-11-25T10:00:00+00:00\","
                                         "\"server_time\":\"2026-11-25T10:00:00+00:00\"},"
                                         "{\"key_id\":255,\"public_key\":\"" KEY_B64 "\","
                                         "\"server_time\":\"2026-11-25T10:00:00+00:00\"}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = gate_api_rows_to_event_keys (rows, &error);
  const GateEventKey *first;

  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 2);
  first = g_ptr_array_index (keys, 0);
  g_assert_cmpuint (first->key_id, ==, 1);
  for (guint i = 0; i < GATE_TICKET_CODE_PUBLIC_KEY_SIZE; i++)
    g_assert_cmpuint (first->public_key[i], ==, i);
  g_assert_cmpuint (((const GateEventKey *) g_ptr_array_index (keys, 1))->key_id, ==, 255);
}

static void
test_malformed_event_keys_are_refused (void)
{
  const char *const bodies[] = {
    /* 31 bytes */
    "[{\"key_id\":1,\"public_key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\",\"server_time\":\"2026-11-25T10:00:00Z\"}]",
    /* not base64 (g_base64_decode would skip the stars) */
    "[{\"key_id\":1,\"public_key\":\"**" KEY_B64 "\",\"server_time\":\"2026-11-25T10:00:00Z\"}]",
    "[{\"key_id\":0,\"public_key\":\"" KEY_B64 "\",\"server_time\":\"2026-11-25T10:00:00Z\"}]",
    "[{\"key_id\":256,\"public_key\":\"" KEY_B64 "\",\"server_time\":\"2026-11-25T10:00:00Z\"}]",
    "[{\"key_id\":1,\"public_key\":null,\"server_time\":\"2026-11-25T10:00:00Z\"}]",
    "[{\"key_id\":1,\"public_key\":\"" KEY_B64 "\"}]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(JsonArray) rows = rows_from (bodies[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) keys = gate_api_rows_to_event_keys (rows, &error);

      g_assert_null (keys);
      g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
    }
}

static char *
nested (guint depth)
{
  GString *json = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (json, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (json, ']');
  return g_string_free (json, FALSE);
}

static void
test_nesting_limit_is_exact (void)
{
  g_autofree char *deepest = nested (GATE_API_MAX_DEPTH);
  g_autofree char *too_deep = nested (GATE_API_MAX_DEPTH + 1);
  g_autoptr(JsonNode) accepted = NULL;
  g_autoptr(JsonNode) refused = NULL;
  g_autoptr(GError) error = NULL;

  accepted = gate_api_parse_json (deepest, strlen (deepest), &error);
  g_assert_no_error (error);
  g_assert_nonnull (accepted);
  refused = gate_api_parse_json (too_deep, strlen (too_deep), &error);
  g_assert_null (refused);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
}

static void
test_brackets_inside_strings_do_not_nest (void)
{
  g_autoptr(GString) json = g_string_new ("[{\"guest_name\":\"");
  g_autoptr(JsonArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 1000; i++)
    g_string_append (json, "[{\\\"");
  g_string_append (json, "\"}]");

  rows = gate_api_rows_from_body (json->str, json->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (rows), ==, 1);
}

static void
test_nul_escape_is_refused (void)
{
  /* json-glib would cut the token to "GS1-A" without a word. */
  static const char body[] = "[{\"qr_token\":\"GS1-A\\u0000B\"}]";
  static const char escaped_backslash[] = "[{\"guest_name\":\"C:\\\\u0000\"}]";
  g_autoptr(JsonArray) rows = NULL;
  g_autoptr(JsonArray) fine = NULL;
  g_autoptr(GError) error = NULL;

  rows = gate_api_rows_from_body (body, strlen (body), &error);
  g_assert_null (rows);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "u0000"));

  /* A backslash followed by the letters u0000 is just text. */
  g_clear_error (&error);
  fine = gate_api_rows_from_body (escaped_backslash, strlen (escaped_backslash), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (fine, 0), "guest_name"), ==,
                   "C:\\u0000");
}

static void
assert_refused (const char *body,
                gsize       size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = gate_api_rows_from_body (body, size, &error);

  g_assert_null (rows);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
}

/* json-glib reads 'single-quoted' strings, comments, a second value and
 * malformed escapes; a '"' inside a comment must not hide nesting or
 * \u0000 from the raw scan, nothing may follow the rows, and escapes are
 * JSON's, surrogates in pairs. */
static void
test_json_glib_extensions_are_refused (void)
{
  g_autoptr(GString) deep = g_string_new ("['\"', ");
  static const char *const bodies[] = {
    "[{'\"':\"GS1-A\\u0000B\"}]",
    "[{\"qr_token\":\"GS1-A\"} /* \" */]",
    "[{\"qr_token\":'GS1-A'}]",
    /* json-glib took a second value and leaked it. */
    "[][{\"qr_token\":\"GS1-A\"}]",
    "2[]",
    "null {}",
    /* json-glib: no root and no error; the kiosk crashed on it. */
    "\n",
    /* json-glib leaked the string. */
    "[{\"guest_name\":\"\\ud800\\ud800\"}]",
    "[{\"guest_name\":\"\\x41\"}]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_test_message ("%s", bodies[i]);
      assert_refused (bodies[i], strlen (bodies[i]));
    }

  /* A kiosk crash (stack overflow in json-glib) before the fix. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  assert_refused (deep->str, deep->len);
}

/* The direct reading of a page gives what the JSON tree gives: the same
 * tickets, or the same refusal, or it hands the body on. */
static const char *const page_bodies[] = {
  "[]",
  " [ ] ",
  "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-A\",\"qr_signature\":null,\"ticket_type\":\"VIP\","
  "\"guest_name\":\"Lucía Pérez\",\"status\":\"scanned\",\"scanned_at\":\"2026-11-25T10:00:00.5+00:00\","
  "\"scanned_device\":\"gate-1\",\"updated_at\":\"2026-11-25T15:30:00.123456+05:30\",\"next_cursor\":\"1|2|3|x\"}]",
  "[{\"id\":\"6F1C2B7E-3A52-4F0E-9D41-7C8E5B2A9F10\",\"qr_token\":\"GS1-B\",\"status\":\"valid\","
  "\"updated_at\":\"2024-02-29T23:59:59-00:30\",\"extra\":12.5e-3,\"flag\":true,\"next_cursor\":\"c\"},\n"
  " {\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-C\",\"status\":\"void\",\"scanned_at\":null,"
  "\"updated_at\":\"1999-12-31T00:00:00+00:00\",\"next_cursor\":\"d\"}]",
  /* Handed on: an escaped character, a nested value, a time of another form. */
  "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-\\\"Q\\\"\",\"status\":\"valid\",\"next_cursor\":\"c\"}]",
  "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-D\",\"status\":\"valid\",\"x\":[1],\"next_cursor\":\"c\"}]",
  "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-E\",\"status\":\"valid\",\"updated_at\":\"2026-11-25T10:00:00Z\","
  "\"next_cursor\":\"c\"}]",
  /* Refused. */
  "[{\"id\":\"not-a-uuid\",\"qr_token\":\"GS1-F\",\"status\":\"valid\",\"next_cursor\":\"c\"}]",
  "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-G\",\"status\":\"lost\",\"next_cursor\":\"c\"}]",
  "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"\",\"status\":\"valid\",\"next_cursor\":\"c\"}]",
  "[{\"id\":\"" TICKET_ID "\",\"qr_token\":42,\"status\":\"valid\",\"next_cursor\":\"c\"}]",
  "[{\"id\":\"" TICKET_ID "\",\"status\":\"valid\",\"next_cursor\":\"c\"}]",
  "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-H\",\"status\":\"valid\",\"next_cursor\":null}]",
  "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-I\",\"status\":\"valid\",\"updated_at\":\"2026-02-30T10:00:00+00:00\","
  "\"next_cursor\":\"c\"}]",
  "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-J\",\"status\":\"valid\",\"next_cursor\":\"c\"},]",
  "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-K\",\"status\":\"valid\",\"n\":nul,\"next_cursor\":\"c\"}]",
  "[1]",
  "{}",
  "[{\"id\":\"" TICKET_ID "\"}] x",
};

static void
test_ticket_page_read_directly_as_from_rows (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (page_bodies); i++)
    {
      const char *body = page_bodies[i];
      g_autoptr(GError) direct_error = NULL;
      g_autoptr(GError) rows_error = NULL;
      g_autoptr(GateTicketPage) direct = gate_api_ticket_page_from_body (body, strlen (body), EVENT_ID, &direct_error);
      g_autoptr(JsonArray) rows = gate_api_rows_from_body (body, strlen (body), &rows_error);
      g_autoptr(GateTicketPage) general = rows ? gate_api_rows_to_ticket_page (rows, EVENT_ID, &rows_error) : NULL;

      g_test_message ("%u: %s → %s / %s", i, body, direct ? "read" : direct_error ? direct_error->message : "handed on",
                      general ? "read" : rows_error->message);
      if (direct == NULL && direct_error == NULL)
        continue;
      if (direct == NULL)
        {
          g_assert_null (general);
          g_assert_cmpstr (direct_error->message, ==, rows_error->message);
          continue;
        }

      g_assert_nonnull (general);
      g_assert_cmpstr (direct->next_cursor, ==, general->next_cursor);
      g_assert_cmpuint (direct->tickets->len, ==, general->tickets->len);
      for (guint t = 0; t < direct->tickets->len; t++)
        {
          const GateTicket *a = g_ptr_array_index (direct->tickets, t);
          const GateTicket *b = g_ptr_array_index (general->tickets, t);

          g_assert_cmpstr (a->id, ==, b->id);
          g_assert_cmpstr (a->event_id, ==, b->event_id);
          g_assert_cmpstr (a->qr_token, ==, b->qr_token);
          g_assert_cmpstr (a->qr_signature, ==, b->qr_signature);
          g_assert_cmpstr (a->ticket_type, ==, b->ticket_type);
          g_assert_cmpstr (a->guest_name, ==, b->guest_name);
          g_assert_cmpint (a->status, ==, b->status);
          g_assert_cmpint (a->scanned_at_us, ==, b->scanned_at_us);
          g_assert_cmpstr (a->scanned_device, ==, b->scanned_device);
          g_assert_cmpint (a->updated_at_us, ==, b->updated_at_us);
        }
    }
}

/* What is read directly is read for sure: PostgreSQL's usual page. */
static void
test_ticket_page_of_postgresql_is_read_directly (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketPage) page = gate_api_ticket_page_from_body (page_bodies[2], strlen (page_bodies[2]), EVENT_ID,
                                                                   &error);

  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpint (((GateTicket *) g_ptr_array_index (page->tickets, 0))->scanned_at_us, ==, TEN_AM_US + 500000);
  g_assert_cmpint (((GateTicket *) g_ptr_array_index (page->tickets, 0))->updated_at_us, ==, TEN_AM_US + 123456);
}

/* A page counted when it comes and decoded later is the page read at once:
 * the same rows and cursor, or the same refusal; a page in another shape
 * is handed on (the API client decodes it the general way). */
static void
test_ticket_page_body_counts_then_decodes_alike (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (page_bodies); i++)
    {
      const char *text = page_bodies[i];
      g_autoptr(GError) direct_error = NULL;
      g_autoptr(GError) later_error = NULL;
      g_autoptr(GateTicketPage) direct = gate_api_ticket_page_from_body (text, strlen (text), EVENT_ID, &direct_error);
      g_autoptr(GateTicketPageBody) body = gate_ticket_page_body_peek (text, strlen (text), EVENT_ID);
      g_autoptr(GateTicketPage) later = NULL;
      g_autoptr(GateTicketPage) again = NULL;

      g_test_message ("%u: %s → %s", i, text, body ? "counted" : "handed on");
      if (body == NULL)
        {
          /* Only what the direct reading hands on, or a body that is not
           * a page of objects at all. */
          g_assert_null (direct);
          continue;
        }

      later = gate_ticket_page_body_decode (body, &later_error);
      if (direct != NULL)
        {
          g_assert_no_error (later_error);
          g_assert_cmpuint (gate_ticket_page_body_get_n_rows (body), ==, direct->tickets->len);
          g_assert_cmpstr (gate_ticket_page_body_get_next_cursor (body), ==, direct->next_cursor);
          g_assert_cmpuint (later->tickets->len, ==, direct->tickets->len);
          g_assert_cmpstr (later->next_cursor, ==, direct->next_cursor);
          for (guint t = 0; t < direct->tickets->len; t++)
            g_assert_cmpstr (((GateTicket *) g_ptr_array_index (later->tickets, t))->qr_token, ==,
                             ((GateTicket *) g_ptr_array_index (direct->tickets, t))->qr_token);
        }
      else if (direct_error != NULL)
        {
          g_assert_null (later);
          g_assert_error (later_error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
          g_assert_nonnull (strstr (later_error->message, direct_error->message));
        }
      else
        {
          /* Handed on by the direct reading: decoded the general way. */
          g_autoptr(GError) rows_error = NULL;
          g_autoptr(JsonArray) rows = gate_api_rows_from_body (text, strlen (text), &rows_error);
          g_autoptr(GateTicketPage) general = rows ? gate_api_rows_to_ticket_page (rows, EVENT_ID, &rows_error) : NULL;

          g_assert_cmpint (later != NULL, ==, general != NULL);
          if (general != NULL)
            g_assert_cmpuint (later->tickets->len, ==, general->tickets->len);
        }

      /* Once only. */
      {
        g_autoptr(GError) error = NULL;

        again = gate_ticket_page_body_decode (body, &error);
        g_assert_null (again);
        g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
      }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/api/rows/times-in-postgresql-encodings", test_times_in_postgresql_encodings);
  g_test_add_func ("/api/rows/times-without-zone-or-date-are-refused", test_times_without_zone_or_date_are_refused);
  g_test_add_func ("/api/rows/formatted-time-round-trips", test_formatted_time_round_trips);
  g_test_add_func ("/api/rows/ticket-page-body-counts-then-decodes-alike",
                   test_ticket_page_body_counts_then_decodes_alike);
  g_test_add_func ("/api/rows/ticket-page-with-nulls", test_ticket_page_with_nulls);
  g_test_add_func ("/api/rows/empty-page-has-no-cursor", test_empty_page_has_no_cursor);
  g_test_add_func ("/api/rows/unknown-ticket-status-is-refused", test_unknown_ticket_status_is_refused);
  g_test_add_func ("/api/rows/empty-event-summary-is-not-found", test_empty_event_summary_is_not_found);
  g_test_add_func ("/api/rows/event-summary-counts", test_event_summary_counts);
  g_test_add_func ("/api/rows/fractional-count-is-refused", test_fractional_count_is_refused);
  g_test_add_func ("/api/rows/event-list-in-server-order", test_event_list_in_server_order);
  g_test_add_func ("/api/rows/event-list-with-one-bad-row-is-refused", test_event_list_with_one_bad_row_is_refused);
  g_test_add_func ("/api/rows/rejected-upload-without-id-is-skipped", test_rejected_upload_without_id_is_skipped);
  g_test_add_func ("/api/rows/applied-upload-without-id-is-refused", test_applied_upload_without_id_is_refused);
  g_test_add_func ("/api/rows/admitted-without-ticket-is-refused", test_admitted_without_ticket_is_refused);
  g_test_add_func ("/api/rows/busy-verdict-decodes", test_busy_verdict_decodes);
  g_test_add_func ("/api/rows/server-invented-verdict-is-refused", test_server_invented_verdict_is_refused);
  g_test_add_func ("/api/rows/conflict-id-must-be-positive", test_conflict_id_must_be_positive);
  g_test_add_func ("/api/rows/device-pending-count-must-fit", test_device_pending_count_must_fit);
  g_test_add_func ("/api/rows/event-keys-decode", test_event_keys_decode);
  g_test_add_func ("/api/rows/malformed-event-keys-are-refused", test_malformed_event_keys_are_refused);
  g_test_add_func ("/api/rows/nesting-limit-is-exact", test_nesting_limit_is_exact);
  g_test_add_func ("/api/rows/brackets-inside-strings-do-not-nest", test_brackets_inside_strings_do_not_nest);
  g_test_add_func ("/api/rows/nul-escape-is-refused", test_nul_escape_is_refused);
  g_test_add_func ("/api/rows/json-glib-extensions-are-refused", test_json_glib_extensions_are_refused);
  g_test_add_func ("/api/rows/ticket-page-read-directly-as-from-rows", test_ticket_page_read_directly_as_from_rows);
  g_test_add_func ("/api/rows/ticket-page-of-postgresql-is-read-directly",
                   test_ticket_page_of_postgresql_is_read_directly);

  return g_test_run ();
}
