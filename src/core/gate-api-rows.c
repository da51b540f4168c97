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
#include "gate-api-rows-private.h"
#include "gate-api-rows-rules.h"
#include "gate-checkin-list.h"
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

/* The row readers (gate-api-rows-private.h), shared by every decoder of
 * the core. */

gboolean
gate_api_row_bad (GateApiRow        *row,
                  const char *name,
                  const char *expected)
{
  return bad_response (row->error, "row %u: “%s” is not %s", row->index, name, expected);
}

JsonNode *
gate_api_row_member (GateApiRow        *row,
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

gboolean
gate_api_row_read_string (GateApiRow         *row,
                          const char  *name,
                          gboolean     required,
                          char       **out)
{
  gboolean ok;
  JsonNode *node = gate_api_row_member (row, name, required, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return gate_api_row_bad (row, name, "a string");
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

gboolean
gate_api_row_read_uuid (GateApiRow         *row,
                        const char  *name,
                        gboolean     required,
                        char       **out)
{
  gboolean ok;
  JsonNode *node = gate_api_row_member (row, name, required, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_STRING || !g_uuid_string_is_valid (json_node_get_string (node)))
    return gate_api_row_bad (row, name, "a UUID");
  g_free (*out);
  *out = g_ascii_strdown (json_node_get_string (node), -1);
  return TRUE;
}

gboolean
gate_api_row_read_time (GateApiRow        *row,
                        const char *name,
                        gboolean    required,
                        gint64     *out_us)
{
  gboolean ok;
  JsonNode *node = gate_api_row_member (row, name, required, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_STRING || !gate_api_parse_time (json_node_get_string (node), out_us))
    return gate_api_row_bad (row, name, "an ISO 8601 time with a UTC offset");
  return TRUE;
}

gboolean
gate_api_row_read_int (GateApiRow        *row,
                       const char *name,
                       gboolean    required,
                       gint64      min,
                       gint64     *out)
{
  gboolean ok;
  JsonNode *node = gate_api_row_member (row, name, required, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < min)
    return gate_api_row_bad (row, name, min == 0 ? "a non-negative integer" : "a positive integer");
  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
gate_api_row_read_bool (GateApiRow        *row,
                        const char *name,
                        gboolean    required,
                        gboolean   *out)
{
  gboolean ok;
  JsonNode *node = gate_api_row_member (row, name, required, &ok);

  if (node == NULL)
    return ok;
  if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return gate_api_row_bad (row, name, "a boolean");
  *out = json_node_get_boolean (node);
  return TRUE;
}

GateApiRow
gate_api_row_at (JsonArray  *rows,
                 guint       index,
                 GError    **error)
{
  return (GateApiRow) { json_array_get_object_element (rows, index), index, error };
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
  GateApiRow row;

  if (!expect_one_row (rows, error))
    return NULL;

  row = gate_api_row_at (rows, 0, error);
  if (!gate_api_row_read_string (&row, "verdict", TRUE, &verdict) ||
      !gate_api_row_read_uuid (&row, "ticket_id", FALSE, &answer->ticket_id) ||
      !gate_api_row_read_string (&row, "guest_name", FALSE, &answer->guest_name) ||
      !gate_api_row_read_string (&row, "ticket_type", FALSE, &answer->ticket_type) ||
      !gate_api_row_read_time (&row, "scanned_at", FALSE, &answer->scanned_at_us) ||
      !gate_api_row_read_string (&row, "scanned_device", FALSE, &answer->scanned_device) ||
      !gate_api_row_read_time (&row, "server_time", TRUE, &answer->server_time_us))
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
      GateApiRow row = gate_api_row_at (rows, i, error);
      g_autoptr(GateUploadResult) result = gate_upload_result_new ();
      g_autofree char *outcome = NULL;

      if (!gate_api_row_read_uuid (&row, "client_scan_id", FALSE, &result->client_scan_id) ||
          !gate_api_row_read_string (&row, "outcome", TRUE, &outcome) ||
          !gate_api_row_read_bool (&row, "replayed", FALSE, &result->replayed) ||
          !gate_api_row_read_string (&row, "winner_device", FALSE, &result->winner_device) ||
          !gate_api_row_read_time (&row, "winner_time", FALSE, &result->winner_time_us) ||
          !gate_api_row_read_time (&row, "server_time", TRUE, &result->server_time_us))
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
      GateApiRow row = gate_api_row_at (rows, i, error);
      g_autoptr(GateTicket) ticket = gate_ticket_new ();
      g_autofree char *status = NULL;
      g_autofree char *cursor = NULL;

      if (!gate_api_row_read_uuid (&row, "id", TRUE, &ticket->id) ||
          !gate_api_row_read_string (&row, "qr_token", TRUE, &ticket->qr_token) ||
          !gate_api_row_read_string (&row, "qr_signature", FALSE, &ticket->qr_signature) ||
          !gate_api_row_read_string (&row, "ticket_type", FALSE, &ticket->ticket_type) ||
          !gate_api_row_read_string (&row, "guest_name", FALSE, &ticket->guest_name) ||
          !gate_api_row_read_string (&row, "status", TRUE, &status) ||
          !gate_api_row_read_time (&row, "scanned_at", FALSE, &ticket->scanned_at_us) ||
          !gate_api_row_read_string (&row, "scanned_device", FALSE, &ticket->scanned_device) ||
          !gate_api_row_read_time (&row, "updated_at", FALSE, &ticket->updated_at_us) ||
          !gate_api_row_read_string (&row, "next_cursor", TRUE, &cursor))
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

/* event_summary and list_events answer the same columns. */
static gboolean
read_event_summary (GateApiRow              *row,
                    GateEventSummary *summary)
{
  return gate_api_row_read_uuid (row, "event_id", TRUE, &summary->event_id) &&
         gate_api_row_read_string (row, "name", TRUE, &summary->name) &&
         gate_api_row_read_time (row, "starts_at", FALSE, &summary->starts_at_us) &&
         gate_api_row_read_int (row, "ticket_count", FALSE, 0, &summary->ticket_count) &&
         gate_api_row_read_int (row, "scanned_count", FALSE, 0, &summary->scanned_count) &&
         gate_api_row_read_time (row, "server_time", TRUE, &summary->server_time_us);
}

GateEventSummary *
gate_api_rows_to_event_summary (JsonArray  *rows,
                                GError    **error)
{
  g_autoptr(GateEventSummary) summary = gate_event_summary_new ();
  GateApiRow row;

  /* event_summary of an unknown event is an empty table, not an error. */
  if (json_array_get_length (rows) == 0)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND, "the server has no such event");
      return NULL;
    }
  if (!expect_one_row (rows, error))
    return NULL;

  row = gate_api_row_at (rows, 0, error);
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
      GateApiRow row = gate_api_row_at (rows, i, error);
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
  GateApiRow row;

  if (!expect_one_row (rows, error))
    return 0;
  row = gate_api_row_at (rows, 0, error);
  if (!gate_api_row_read_time (&row, "server_time", TRUE, &server_time_us))
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
      GateApiRow row = gate_api_row_at (rows, i, error);
      g_autoptr(GateConflict) conflict = gate_conflict_new ();

      if (!gate_api_row_read_int (&row, "id", TRUE, 1, &conflict->id) ||
          !gate_api_row_read_uuid (&row, "event_id", FALSE, &conflict->event_id) ||
          !gate_api_row_read_uuid (&row, "ticket_id", TRUE, &conflict->ticket_id) ||
          !gate_api_row_read_string (&row, "qr_token", FALSE, &conflict->qr_token) ||
          !gate_api_row_read_string (&row, "guest_name", FALSE, &conflict->guest_name) ||
          !gate_api_row_read_string (&row, "ticket_type", FALSE, &conflict->ticket_type) ||
          !gate_api_row_read_string (&row, "winner_device", FALSE, &conflict->winner_device) ||
          !gate_api_row_read_time (&row, "winner_time", FALSE, &conflict->winner_time_us) ||
          !gate_api_row_read_uuid (&row, "winner_scan_id", FALSE, &conflict->winner_scan_id) ||
          !gate_api_row_read_string (&row, "loser_device", FALSE, &conflict->loser_device) ||
          !gate_api_row_read_time (&row, "loser_time", FALSE, &conflict->loser_time_us) ||
          !gate_api_row_read_uuid (&row, "loser_scan_id", FALSE, &conflict->loser_scan_id) ||
          !gate_api_row_read_time (&row, "detected_at", FALSE, &conflict->detected_at_us) ||
          !gate_api_row_read_time (&row, "reviewed_at", FALSE, &conflict->reviewed_at_us) ||
          !gate_api_row_read_string (&row, "reviewed_by", FALSE, &conflict->reviewed_by) ||
          !gate_api_row_read_string (&row, "review_note", FALSE, &conflict->review_note))
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
      GateApiRow row = gate_api_row_at (rows, i, error);
      g_autoptr(GateDeviceInfo) device = gate_device_info_new ();
      gint64 pending = 0;

      if (!gate_api_row_read_string (&row, "id", TRUE, &device->id) ||
          !gate_api_row_read_string (&row, "name", FALSE, &device->name) ||
          !gate_api_row_read_string (&row, "role", FALSE, &device->role) ||
          !gate_api_row_read_time (&row, "last_seen_at", FALSE, &device->last_seen_at_us) ||
          !gate_api_row_read_string (&row, "app_version", FALSE, &device->app_version) ||
          !gate_api_row_read_int (&row, "pending_scans", FALSE, 0, &pending) ||
          !gate_api_row_read_time (&row, "last_refresh_at", FALSE, &device->last_refresh_at_us) ||
          !gate_api_row_read_time (&row, "revoked_at", FALSE, &device->revoked_at_us))
        return NULL;

      if (pending > G_MAXINT)
        {
          gate_api_row_bad (&row, "pending_scans", "a 32-bit count");
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
      GateApiRow row = gate_api_row_at (rows, i, error);
      g_autoptr(GateDeviceInfo) device = gate_device_info_new ();

      if (!gate_api_row_read_string (&row, "device_id", TRUE, &device->id) ||
          !gate_api_row_read_int (&row, "admitted", TRUE, 0, &device->admitted) ||
          !gate_api_row_read_time (&row, "last_scan_at", FALSE, &device->last_seen_at_us))
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
      GateApiRow row = gate_api_row_at (rows, i, error);
      g_autofree char *encoded = NULL;
      g_autofree guint8 *decoded = NULL;
      gint64 key_id = 0;
      gint64 server_time_us = 0;
      gsize length = 0;
      GateEventKey *key;

      if (!gate_api_row_read_int (&row, "key_id", TRUE, 1, &key_id) ||
          !gate_api_row_read_string (&row, "public_key", TRUE, &encoded) ||
          !gate_api_row_read_time (&row, "server_time", TRUE, &server_time_us))
        return NULL;
      if (key_id > 255)
        {
          gate_api_row_bad (&row, "key_id", "a key id from 1 to 255");
          return NULL;
        }

      /* g_base64_decode() skips what is not base64: check the text first. */
      for (const char *p = encoded; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=' && *p != '\n')
          {
            gate_api_row_bad (&row, "public_key", "base64");
            return NULL;
          }
      decoded = g_base64_decode (encoded, &length);
      if (length != GATE_TICKET_CODE_PUBLIC_KEY_SIZE)
        {
          gate_api_row_bad (&row, "public_key", "a 32-byte Ed25519 public key");
          return NULL;
        }

      key = g_new0 (GateEventKey, 1);
      key->key_id = (guint8) key_id;
      memcpy (key->public_key, decoded, GATE_TICKET_CODE_PUBLIC_KEY_SIZE);
      g_ptr_array_add (keys, key);
    }

  return g_steal_pointer (&keys);
}

/* --- the gate rules ------------------------------------------------------------------ */

GPtrArray *
gate_api_rows_to_checkin_lists (JsonArray  *rows,
                                GError    **error)
{
  /* The rows the offline cache stores (gate-api-rows-rules.c), checked
   * once, as the objects a picker and a gate follow. */
  g_autoptr(GPtrArray) rules = gate_api_rows_to_list_rules (rows, error);

  return rules != NULL ? gate_checkin_lists_new_from_rules (rules) : NULL;
}

gboolean
gate_api_rows_to_sign_in (JsonArray   *rows,
                          char       **operator_id,
                          char       **name,
                          gint64      *locked_until_us,
                          GError     **error)
{
  g_autofree char *id = NULL;
  g_autofree char *signed_in_name = NULL;
  gboolean signed_in = FALSE;
  GateApiRow row;

  *locked_until_us = 0;
  if (!expect_one_row (rows, error))
    return FALSE;
  row = gate_api_row_at (rows, 0, error);
  if (!gate_api_row_read_bool (&row, "signed_in", TRUE, &signed_in) || !gate_api_row_read_uuid (&row, "operator_id", signed_in, &id) ||
      !gate_api_row_read_string (&row, "name", signed_in, &signed_in_name) ||
      !gate_api_row_read_time (&row, "locked_until", FALSE, locked_until_us))
    return FALSE;

  *operator_id = signed_in ? g_steal_pointer (&id) : NULL;
  *name = signed_in ? g_steal_pointer (&signed_in_name) : NULL;
  return TRUE;
}

gint64
gate_api_rows_to_event_inside (JsonArray   *rows,
                               const char  *event_id,
                               GError     **error)
{
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      GateApiRow row = gate_api_row_at (rows, i, error);
      g_autofree char *scope = NULL;
      g_autofree char *row_event = NULL;
      gint64 inside = 0;

      if (!gate_api_row_read_string (&row, "scope", TRUE, &scope) || !gate_api_row_read_uuid (&row, "event_id", TRUE, &row_event))
        return -1;
      if (!g_str_equal (scope, "event") || g_ascii_strcasecmp (row_event, event_id) != 0)
        continue;
      if (!gate_api_row_read_int (&row, "inside", TRUE, 0, &inside))
        return -1;
      return inside;
    }

  g_set_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND, "the server has no such event");
  return -1;
}
