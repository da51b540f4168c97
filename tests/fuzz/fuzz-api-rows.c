/* fuzz-api-rows.c — libFuzzer target: PostgREST answers to the core's records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything a server sends goes through gate-api-rows.c before the kiosk
 * believes it. The first byte of an input picks the decoder, modulo the
 * enum below ('H' is the scan answer … 'P' a bare time, so that seeds read
 * as text), the rest is the HTTP body. Beyond "no crash, no leak", a decoder either returns a
 * record that keeps the promises of docs/api-client.md (required members
 * present, known enumerations, UUIDs lower-case, answers only for scans
 * that were sent) or fails with GATE_ERROR_BAD_RESPONSE — never both,
 * never neither.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "gate-api-rows.h"
#include "gate-error.h"
#include "fuzz-log.h"

#define EVENT_ID "0b6f3e2a-1c4d-4e5f-8a9b-0c1d2e3f4a5b"

int LLVMFuzzerInitialize   (int            *argc,
                            char         ***argv);
int LLVMFuzzerTestOneInput (const uint8_t  *data,
                            size_t          size);

typedef enum
{
  DECODE_SCAN_ANSWER,
  DECODE_UPLOAD_RESULTS,
  DECODE_TICKET_PAGE,
  DECODE_EVENT_SUMMARY,
  DECODE_EVENT_SUMMARIES,
  DECODE_SERVER_TIME,
  DECODE_CONFLICTS,
  DECODE_DEVICES,
  DECODE_TIME,
  N_DECODERS
} Decoder;

/* The batch every sync_offline_scans answer is checked against, as the
 * client does; seeds name these ids. */
static const char *const sent_ids[] = {
  "11111111-1111-4111-8111-111111111111",
  "22222222-2222-4222-8222-222222222222",
};

static GPtrArray *
sent_batch (void)
{
  GPtrArray *sent = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_queued_scan_free);

  for (guint i = 0; i < G_N_ELEMENTS (sent_ids); i++)
    {
      GateQueuedScan *scan = gate_queued_scan_new ();

      scan->client_scan_id = g_strdup (sent_ids[i]);
      scan->event_id = g_strdup (EVENT_ID);
      scan->qr_token = g_strdup ("GS1-ABCDEFGHIJKLMNOPQRSTUVWXYZ");
      g_ptr_array_add (sent, scan);
    }
  return sent;
}

static void
assert_lower_uuid (const char *text)
{
  g_autofree char *lower = NULL;

  g_assert_nonnull (text);
  g_assert_true (g_uuid_string_is_valid (text));
  lower = g_ascii_strdown (text, -1);
  g_assert_cmpstr (text, ==, lower);
}

static void
assert_was_sent (const char *client_scan_id)
{
  for (guint i = 0; i < G_N_ELEMENTS (sent_ids); i++)
    if (g_str_equal (client_scan_id, sent_ids[i]))
      return;
  g_error ("an upload result for scan %s, which was not sent", client_scan_id);
}

/* Either a record or a BAD_RESPONSE, and the record keeps its promises. */
static void
decode (Decoder     decoder,
        JsonArray  *rows)
{
  g_autoptr(GError) error = NULL;
  gboolean decoded = FALSE;

  switch (decoder)
    {
    case DECODE_SCAN_ANSWER:
      {
        g_autoptr(GateScanDecision) answer = gate_api_rows_to_scan_decision (rows, &error);

        if ((decoded = answer != NULL))
          {
            g_assert_true (answer->verdict != GATE_VERDICT_INVALID_CODE);
            g_assert_true (answer->verdict != GATE_VERDICT_ADMITTED || answer->ticket_id != NULL);
            if (answer->ticket_id != NULL)
              assert_lower_uuid (answer->ticket_id);
          }
        break;
      }

    case DECODE_UPLOAD_RESULTS:
      {
        g_autoptr(GPtrArray) sent = sent_batch ();
        g_autoptr(GPtrArray) results = gate_api_rows_to_upload_results (rows, sent, &error);

        if ((decoded = results != NULL))
          for (guint i = 0; i < results->len; i++)
            {
              const GateUploadResult *result = g_ptr_array_index (results, i);

              assert_lower_uuid (result->client_scan_id);
              assert_was_sent (result->client_scan_id);
              g_assert_nonnull (gate_upload_outcome_to_string (result->outcome));
            }
        break;
      }

    case DECODE_TICKET_PAGE:
      {
        g_autoptr(GateTicketPage) page = gate_api_rows_to_ticket_page (rows, EVENT_ID, &error);

        if ((decoded = page != NULL))
          {
            /* An empty page is the end of the download; any other carries
             * the cursor to continue from. */
            g_assert_true ((page->tickets->len == 0) == (page->next_cursor == NULL));
            for (guint i = 0; i < page->tickets->len; i++)
              {
                const GateTicket *ticket = g_ptr_array_index (page->tickets, i);

                assert_lower_uuid (ticket->id);
                g_assert_true (ticket->qr_token != NULL && ticket->qr_token[0] != '\0');
                g_assert_cmpstr (ticket->event_id, ==, EVENT_ID);
                g_assert_nonnull (gate_ticket_status_to_string (ticket->status));
              }
          }
        break;
      }

    case DECODE_EVENT_SUMMARY:
      {
        g_autoptr(GateEventSummary) summary = gate_api_rows_to_event_summary (rows, &error);

        if ((decoded = summary != NULL))
          {
            assert_lower_uuid (summary->event_id);
            g_assert_nonnull (summary->name);
            g_assert_cmpint (summary->ticket_count, >=, 0);
            g_assert_cmpint (summary->scanned_count, >=, 0);
          }
        else if (json_array_get_length (rows) == 0)
          {
            /* The one answer that is not malformed: no such event. */
            g_assert_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND);
            return;
          }
        break;
      }

    case DECODE_EVENT_SUMMARIES:
      {
        g_autoptr(GPtrArray) events = gate_api_rows_to_event_summaries (rows, &error);

        if ((decoded = events != NULL))
          for (guint i = 0; i < events->len; i++)
            {
              const GateEventSummary *summary = g_ptr_array_index (events, i);

              assert_lower_uuid (summary->event_id);
              g_assert_nonnull (summary->name);
            }
        break;
      }

    case DECODE_SERVER_TIME:
      gate_api_rows_to_server_time (rows, &error);
      decoded = error == NULL;
      break;

    case DECODE_CONFLICTS:
      {
        g_autoptr(GPtrArray) conflicts = gate_api_rows_to_conflicts (rows, &error);

        if ((decoded = conflicts != NULL))
          for (guint i = 0; i < conflicts->len; i++)
            {
              const GateConflict *conflict = g_ptr_array_index (conflicts, i);

              g_assert_cmpint (conflict->id, >, 0);
              assert_lower_uuid (conflict->ticket_id);
            }
        break;
      }

    case DECODE_DEVICES:
      {
        g_autoptr(GPtrArray) devices = gate_api_rows_to_devices (rows, &error);

        if ((decoded = devices != NULL))
          for (guint i = 0; i < devices->len; i++)
            {
              const GateDeviceInfo *device = g_ptr_array_index (devices, i);

              g_assert_nonnull (device->id);
              g_assert_cmpint (device->pending_scans, >=, 0);
            }
        break;
      }

    case DECODE_TIME:
    case N_DECODERS:
    default:
      g_assert_not_reached ();
    }

  if (decoded)
    g_assert_no_error (error);
  else
    g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
}

/* A time the client accepted and sends back (offline scans carry them)
 * must come out as the same instant. */
static void
decode_time (const char *text,
             gsize       size)
{
  g_autofree char *copy = g_strndup (text, size);
  g_autofree char *formatted = NULL;
  gint64 us = 0;
  gint64 again = 0;

  if (!gate_api_parse_time (copy, &us))
    return;

  formatted = gate_api_format_time (us);
  if (formatted == NULL)
    return;
  g_assert_true (gate_api_parse_time (formatted, &again));
  g_assert_cmpint (again, ==, us);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  gate_fuzz_abort_on_warnings ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  const char *body = (const char *) data + 1;
  Decoder decoder;

  if (size == 0)
    return 0;

  decoder = data[0] % N_DECODERS;
  if (decoder == DECODE_TIME)
    {
      decode_time (body, size - 1);
      return 0;
    }

  /* A page counted first and decoded later: the rows it counted, or a
   * BAD_RESPONSE. */
  if (decoder == DECODE_TICKET_PAGE)
    {
      g_autoptr(GateTicketPageBody) counted = gate_ticket_page_body_peek (body, size - 1, EVENT_ID);

      if (counted != NULL)
        {
          g_autoptr(GError) later_error = NULL;
          g_autoptr(GateTicketPage) later = gate_ticket_page_body_decode (counted, &later_error);

          if (later != NULL)
            g_assert_cmpuint (later->tickets->len, ==, gate_ticket_page_body_get_n_rows (counted));
          else
            g_assert_error (later_error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
        }
    }

  rows = gate_api_rows_from_body (body, size - 1, &error);
  if (rows == NULL)
    {
      g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
      return 0;
    }
  g_assert_no_error (error);

  decode (decoder, rows);
  return 0;
}
