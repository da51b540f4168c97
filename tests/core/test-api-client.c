/* test-api-client.c — GateApiClient against a real gate-server, and through
 * a fault-injecting proxy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "gate-api-client.h"
#include "gate-error.h"
#include "gate-test-harness.h"
#include "gate-test-proxy.h"

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *event;
  char           *device_id;
  char           *token;
  char           *other_id;      /* a second gate */
  char           *other_token;
  char           *supervisor_id;
  char           *supervisor_token;
  char          **tickets;
  guint           next_ticket;
} backend;

static GateApiClient *
client_for (const char *url)
{
  return gate_api_client_new (url, backend.token, backend.device_id);
}

static const char *
fresh_ticket (void)
{
  return backend.tickets[backend.next_ticket++];
}

static GateScanDecision *
scan (GateApiClient *client,
      const char    *token,
      const char    *client_scan_id,
      GError       **error)
{
  g_auto(GateTestAsync) waiter = { 0 };
  GateScanDecision *answer;

  gate_api_client_scan_ticket_async (client, token, backend.event, client_scan_id, "qr", 1500, NULL,
                                     gate_test_async_ready, &waiter);
  answer = gate_api_client_scan_ticket_finish (client, gate_test_async_wait (&waiter, 20000), error);
  return answer;
}

static void
test_scan_admitted_then_already_scanned (void)
{
  g_autoptr(GateApiClient) client = client_for (gate_test_server_get_url (backend.server));
  g_autoptr(GError) error = NULL;
  const char *ticket = fresh_ticket ();
  g_autofree char *first_id = g_uuid_string_random ();
  g_autofree char *second_id = g_uuid_string_random ();
  g_autoptr(GateScanDecision) first = scan (client, ticket, first_id, &error);
  g_autoptr(GateScanDecision) second = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (first->verdict, ==, GATE_VERDICT_ADMITTED);
  g_assert_nonnull (first->guest_name);
  second = scan (client, ticket, second_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (second->verdict, ==, GATE_VERDICT_ALREADY_SCANNED);
  g_assert_cmpstr (second->scanned_device, ==, backend.device_id);
  g_assert_cmpint (second->scanned_at_us, ==, first->scanned_at_us);
}

static void
test_scan_unknown_code_not_found (void)
{
  g_autoptr(GateApiClient) client = client_for (gate_test_server_get_url (backend.server));
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GateScanDecision) answer = scan (client, "GS1-DOES-NOT-EXIST", id, &error);

  g_assert_no_error (error);
  g_assert_cmpint (answer->verdict, ==, GATE_VERDICT_NOT_FOUND);
}

static void
test_bad_token_is_unauthorized (void)
{
  g_autoptr(GateApiClient) client = gate_api_client_new (gate_test_server_get_url (backend.server),
                                                         "gst_wrong", backend.device_id);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GateScanDecision) answer = scan (client, fresh_ticket (), id, &error);

  g_assert_null (answer);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED);
}

static void
test_sync_outcomes_parsed (void)
{
  g_autoptr(GateApiClient) client = client_for (gate_test_server_get_url (backend.server));
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_queued_scan_free);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };
  g_auto(GateTestAsync) second = { 0 };
  GateQueuedScan *known = gate_queued_scan_new ();
  GateQueuedScan *unknown = gate_queued_scan_new ();

  known->client_scan_id = g_uuid_string_random ();
  known->event_id = g_strdup (backend.event);
  known->qr_token = g_strdup (fresh_ticket ());
  known->scanned_at_us = g_get_real_time () - 60 * G_USEC_PER_SEC;
  unknown->client_scan_id = g_uuid_string_random ();
  unknown->event_id = g_strdup (backend.event);
  unknown->qr_token = g_strdup ("GS1-NOT-A-TICKET");
  unknown->scanned_at_us = g_get_real_time ();
  g_ptr_array_add (scans, known);
  g_ptr_array_add (scans, unknown);

  gate_api_client_sync_offline_scans_async (client, scans, NULL, gate_test_async_ready, &waiter);
  results = gate_api_client_sync_offline_scans_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);
  for (guint i = 0; i < results->len; i++)
    {
      GateUploadResult *result = results->pdata[i];

      if (g_str_equal (result->client_scan_id, known->client_scan_id))
        g_assert_cmpint (result->outcome, ==, GATE_UPLOAD_APPLIED);
      else
        g_assert_cmpint (result->outcome, ==, GATE_UPLOAD_NOT_FOUND);
      g_assert_false (result->replayed);
    }

  /* The lost-response case: the same batch again is a replay. */
  gate_api_client_sync_offline_scans_async (client, scans, NULL, gate_test_async_ready, &second);
  again = gate_api_client_sync_offline_scans_finish (client, gate_test_async_wait (&second, 20000), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < again->len; i++)
    g_assert_true (((GateUploadResult *) again->pdata[i])->replayed);

}

static void
test_tickets_page_to_the_end (void)
{
  g_autoptr(GateApiClient) client = client_for (gate_test_server_get_url (backend.server));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;

  for (guint round = 0; round < 100; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GateTicketPage) page = NULL;
      g_auto(GateTestAsync) waiter = { 0 };

      gate_api_client_tickets_changed_since_async (client, backend.event, cursor, 7, NULL, gate_test_async_ready,
                                                   &waiter);
      page = gate_api_client_tickets_changed_since_finish (client, gate_test_async_wait (&waiter, 20000), &error);
      g_assert_no_error (error);

      for (guint i = 0; i < page->tickets->len; i++)
        g_hash_table_add (seen, g_strdup (((GateTicket *) page->tickets->pdata[i])->qr_token));
      if (page->next_cursor != NULL)
        {
          g_free (cursor);
          cursor = g_strdup (page->next_cursor);
        }
      if (page->tickets->len < 7)
        break;
    }

  g_assert_cmpuint (g_hash_table_size (seen), ==, g_strv_length (backend.tickets));
}

static void
test_event_summary_and_clock (void)
{
  g_autoptr(GateApiClient) client = client_for (gate_test_server_get_url (backend.server));
  g_autoptr(GError) error = NULL;
  g_autoptr(GateEventSummary) summary = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  gate_api_client_event_summary_async (client, backend.event, NULL, gate_test_async_ready, &waiter);
  summary = gate_api_client_event_summary_finish (client, gate_test_async_wait (&waiter, 20000), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (summary->name, ==, "API tests");
  g_assert_cmpint (summary->ticket_count, ==, g_strv_length (backend.tickets));
  /* Same machine: the offset is a matter of milliseconds. */
  g_assert_cmpint (ABS (gate_api_client_get_clock_offset_ms (client)), <, 1000);
}

static GPtrArray *
list_events (GateApiClient  *client,
             GError        **error)
{
  g_auto(GateTestAsync) waiter = { 0 };
  GPtrArray *events;

  gate_api_client_list_events_async (client, NULL, gate_test_async_ready, &waiter);
  events = gate_api_client_list_events_finish (client, gate_test_async_wait (&waiter, 20000), error);
  return events;
}

static void
test_list_events_includes_ours (void)
{
  g_autoptr(GateApiClient) client = client_for (gate_test_server_get_url (backend.server));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = list_events (client, &error);
  GateEventSummary *ours = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    {
      GateEventSummary *event = g_ptr_array_index (events, i);

      g_assert_nonnull (event->name);
      g_assert_cmpint (event->server_time_us, >, 0);
      if (g_str_equal (event->event_id, backend.event))
        ours = event;
    }
  g_assert_nonnull (ours);
  g_assert_cmpstr (ours->name, ==, "API tests");
  g_assert_cmpint (ours->ticket_count, ==, g_strv_length (backend.tickets));
}

static void
test_list_events_for_another_device_is_forbidden (void)
{
  g_autoptr(GateApiClient) client = gate_api_client_new (gate_test_server_get_url (backend.server), backend.token,
                                                         backend.other_id);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = list_events (client, &error);

  g_assert_null (events);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_FORBIDDEN);
}

static void
test_heartbeat_accepted (void)
{
  g_autoptr(GateApiClient) client = client_for (gate_test_server_get_url (backend.server));
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  gate_api_client_heartbeat_async (client, PACKAGE_VERSION, 3, g_get_real_time (), NULL, gate_test_async_ready,
                                   &waiter);
  gate_api_client_heartbeat_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_no_error (error);
}

static GateQueuedScan *
queued_scan (const char *qr_token,
             gint64      scanned_at_us)
{
  GateQueuedScan *scan = gate_queued_scan_new ();

  scan->client_scan_id = g_uuid_string_random ();
  scan->event_id = g_strdup (backend.event);
  scan->qr_token = g_strdup (qr_token);
  scan->scanned_at_us = scanned_at_us;
  return scan;
}

static GPtrArray *
upload (GateApiClient  *client,
        GateQueuedScan *scan)
{
  g_autoptr(GPtrArray) scans = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };
  GPtrArray *results;

  g_ptr_array_add (scans, scan);
  gate_api_client_sync_offline_scans_async (client, scans, NULL, gate_test_async_ready, &waiter);
  results = gate_api_client_sync_offline_scans_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  return results;
}

static GPtrArray *
list_conflicts (GateApiClient *client,
                gboolean       include_reviewed,
                GError       **error)
{
  g_auto(GateTestAsync) waiter = { 0 };
  GPtrArray *conflicts;

  gate_api_client_list_conflicts_async (client, backend.event, include_reviewed, NULL, gate_test_async_ready, &waiter);
  conflicts = gate_api_client_list_conflicts_finish (client, gate_test_async_wait (&waiter, 20000), error);
  return conflicts;
}

static GateConflict *
find_conflict (GPtrArray  *conflicts,
               const char *loser_scan_id)
{
  for (guint i = 0; i < conflicts->len; i++)
    {
      GateConflict *conflict = conflicts->pdata[i];

      if (g_strcmp0 (conflict->loser_scan_id, loser_scan_id) == 0)
        return conflict;
    }
  return NULL;
}

static void
test_conflict_listed_and_reviewed (void)
{
  const char *url = gate_test_server_get_url (backend.server);
  g_autoptr(GateApiClient) first = client_for (url);
  g_autoptr(GateApiClient) second = gate_api_client_new (url, backend.other_token, backend.other_id);
  g_autoptr(GateApiClient) supervisor = gate_api_client_new (url, backend.supervisor_token, backend.supervisor_id);
  const char *ticket = fresh_ticket ();
  gint64 now = g_get_real_time ();
  g_autoptr(GateQueuedScan) winner = queued_scan (ticket, now - 60 * G_USEC_PER_SEC);
  g_autoptr(GateQueuedScan) loser = queued_scan (ticket, now - 30 * G_USEC_PER_SEC);
  g_autoptr(GPtrArray) won = upload (first, winner);
  g_autoptr(GPtrArray) lost = upload (second, loser);
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GPtrArray) still_open = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  GateUploadResult *result = lost->pdata[0];
  GateConflict *conflict;
  g_auto(GateTestAsync) waiter = { 0 };
  g_auto(GateTestAsync) review = { 0 };

  g_assert_cmpint (((GateUploadResult *) won->pdata[0])->outcome, ==, GATE_UPLOAD_APPLIED);
  g_assert_cmpint (result->outcome, ==, GATE_UPLOAD_LOST_CONFLICT);
  g_assert_cmpstr (result->winner_device, ==, backend.device_id);
  g_assert_cmpint (ABS (result->winner_time_us - winner->scanned_at_us), <, G_USEC_PER_SEC);

  /* The losing gate sees it among its own conflicts. */
  gate_api_client_conflicts_async (second, backend.event, FALSE, NULL, gate_test_async_ready, &waiter);
  mine = gate_api_client_conflicts_finish (second, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_no_error (error);
  conflict = find_conflict (mine, loser->client_scan_id);
  g_assert_nonnull (conflict);
  g_assert_cmpstr (conflict->winner_device, ==, backend.device_id);
  g_assert_cmpstr (conflict->loser_device, ==, backend.other_id);
  g_assert_cmpstr (conflict->winner_scan_id, ==, winner->client_scan_id);
  g_assert_cmpstr (conflict->qr_token, ==, ticket);
  g_assert_cmpint (conflict->reviewed_at_us, ==, 0);

  /* The supervisor reviews it; it leaves the open list and keeps the note. */
  open = list_conflicts (supervisor, FALSE, &error);
  g_assert_no_error (error);
  conflict = find_conflict (open, loser->client_scan_id);
  g_assert_nonnull (conflict);
  gate_api_client_review_conflict_async (supervisor, conflict->id, "Supervisor Sam", "same guest, let in", NULL,
                                         gate_test_async_ready, &review);
  g_assert_true (gate_api_client_review_conflict_finish (supervisor, gate_test_async_wait (&review, 20000), &error));
  g_assert_no_error (error);

  still_open = list_conflicts (supervisor, FALSE, &error);
  g_assert_no_error (error);
  g_assert_null (find_conflict (still_open, loser->client_scan_id));
  all = list_conflicts (supervisor, TRUE, &error);
  g_assert_no_error (error);
  conflict = find_conflict (all, loser->client_scan_id);
  g_assert_nonnull (conflict);
  g_assert_cmpint (conflict->reviewed_at_us, >, 0);
  g_assert_cmpstr (conflict->reviewed_by, ==, "Supervisor Sam");
  g_assert_cmpstr (conflict->review_note, ==, "same guest, let in");
}

static void
test_gate_may_not_list_all_conflicts (void)
{
  g_autoptr(GateApiClient) client = client_for (gate_test_server_get_url (backend.server));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = list_conflicts (client, TRUE, &error);

  g_assert_null (conflicts);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_FORBIDDEN);
}

static void
test_supervisor_lists_devices (void)
{
  g_autoptr(GateApiClient) client = gate_api_client_new (gate_test_server_get_url (backend.server),
                                                         backend.supervisor_token, backend.supervisor_id);
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };
  gboolean found = FALSE;

  gate_api_client_list_devices_async (client, NULL, NULL, gate_test_async_ready, &waiter);
  devices = gate_api_client_list_devices_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_no_error (error);

  for (guint i = 0; i < devices->len; i++)
    {
      GateDeviceInfo *device = devices->pdata[i];

      if (g_str_equal (device->id, backend.device_id))
        {
          found = TRUE;
          g_assert_cmpstr (device->name, ==, "api-gate");
          g_assert_cmpstr (device->role, ==, "gate");
          g_assert_cmpint (device->revoked_at_us, ==, 0);
        }
    }
  g_assert_true (found);
}

static gboolean
probe (GateApiClient *client,
       const char    *event_id,
       GError       **error)
{
  g_auto(GateTestAsync) waiter = { 0 };
  gboolean ok;

  gate_api_client_probe_async (client, event_id, 1500, NULL, gate_test_async_ready, &waiter);
  ok = gate_api_client_probe_finish (client, gate_test_async_wait (&waiter, 20000), error);
  return ok;
}

static void
test_probe_answers (void)
{
  g_autoptr(GateApiClient) client = client_for (gate_test_server_get_url (backend.server));
  g_autoptr(GError) error = NULL;
  g_autofree char *unknown = g_uuid_string_random ();

  g_assert_true (probe (client, backend.event, &error));
  g_assert_no_error (error);
  /* The server answered: that it does not know the event is not the probe's concern. */
  g_assert_true (probe (client, unknown, &error));
  g_assert_no_error (error);
}

static void
test_probe_with_revoked_credentials_fails (void)
{
  g_autoptr(GateApiClient) client = gate_api_client_new (gate_test_server_get_url (backend.server), "gst_wrong",
                                                         backend.device_id);
  g_autoptr(GError) error = NULL;

  g_assert_false (probe (client, backend.event, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED);
}

static void
test_unknown_event_summary_is_not_found (void)
{
  g_autoptr(GateApiClient) client = client_for (gate_test_server_get_url (backend.server));
  g_autoptr(GateEventSummary) summary = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *unknown = g_uuid_string_random ();
  g_auto(GateTestAsync) waiter = { 0 };

  gate_api_client_event_summary_async (client, unknown, NULL, gate_test_async_ready, &waiter);
  summary = gate_api_client_event_summary_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_null (summary);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND);
}

static void
test_unknown_function_is_not_found (void)
{
  g_autoptr(GateApiClient) client = client_for (gate_test_server_get_url (backend.server));
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  gate_api_client_call_async (client, "no_such_function", args, 0, NULL, gate_test_async_ready, &waiter);
  rows = gate_api_client_call_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_null (rows);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "PGRST202"));
}

/* --- faults --------------------------------------------------------------------------- */

static GError *
scan_through_proxy (GateTestProxyMode mode)
{
  g_autoptr(GError) setup = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &setup);
  g_autoptr(GateApiClient) client = NULL;
  g_autoptr(GateScanDecision) answer = NULL;
  g_autofree char *id = g_uuid_string_random ();
  GError *error = NULL;

  g_assert_no_error (setup);
  gate_test_proxy_set_mode (proxy, mode);
  client = client_for (gate_test_proxy_get_url (proxy));
  answer = scan (client, fresh_ticket (), id, &error);
  g_assert_null (answer);
  g_assert_nonnull (error);
  return error;
}

static void
test_garbage_is_bad_response (void)
{
  g_autoptr(GError) error = scan_through_proxy (GATE_TEST_PROXY_GARBAGE);

  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
}

static void
test_500_is_server_error (void)
{
  g_autoptr(GError) error = scan_through_proxy (GATE_TEST_PROXY_STATUS_500);

  g_assert_error (error, GATE_ERROR, GATE_ERROR_SERVER);
  g_assert_nonnull (strstr (error->message, "injected failure"));
}

static void
test_503_is_unavailable (void)
{
  g_autoptr(GError) error = scan_through_proxy (GATE_TEST_PROXY_STATUS_503);

  g_assert_error (error, GATE_ERROR, GATE_ERROR_UNAVAILABLE);
}

static void
test_hang_is_timeout (void)
{
  gint64 started = g_get_monotonic_time ();
  g_autoptr(GError) error = scan_through_proxy (GATE_TEST_PROXY_HANG);

  g_assert_error (error, GATE_ERROR, GATE_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
}

static void
test_dropped_connection_is_network_error (void)
{
  g_autoptr(GError) error = scan_through_proxy (GATE_TEST_PROXY_REFUSE);

  g_assert_true (gate_error_is_connectivity (error));
}

static void
test_truncated_body_is_an_error (void)
{
  g_autoptr(GError) error = scan_through_proxy (GATE_TEST_PROXY_TRUNCATE);

  g_assert_true (g_error_matches (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE) ||
                 g_error_matches (error, GATE_ERROR, GATE_ERROR_NETWORK));
}

static void
test_nothing_listening_is_network_error (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", gate_test_free_port ());
  g_autoptr(GateApiClient) client = client_for (url);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GateScanDecision) answer = scan (client, "GS1-ANY", id, &error);

  g_assert_null (answer);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_NETWORK);
}

static void
test_cancel_is_cancelled_not_timeout (void)
{
  g_autoptr(GError) setup = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &setup);
  g_autoptr(GateApiClient) client = client_for (gate_test_proxy_get_url (proxy));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GateScanDecision) answer = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_auto(GateTestAsync) waiter = { 0 };

  gate_test_proxy_set_mode (proxy, GATE_TEST_PROXY_HANG);
  gate_api_client_scan_ticket_async (client, fresh_ticket (), backend.event, id, "qr", 10000, cancellable,
                                     gate_test_async_ready, &waiter);
  g_cancellable_cancel (cancellable);
  answer = gate_api_client_scan_ticket_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_plain_http_to_remote_host_is_insecure (void)
{
  g_autoptr(GateApiClient) remote = gate_api_client_new ("http://gate.example.org", "t", "d");
  g_autoptr(GateApiClient) local = gate_api_client_new ("http://127.0.0.1:8080", "t", "d");
  g_autoptr(GateApiClient) tls = gate_api_client_new ("https://abc.supabase.co/rest/v1/", "t", "d");

  g_assert_true (gate_api_client_is_insecure (remote));
  g_assert_false (gate_api_client_is_insecure (local));
  g_assert_false (gate_api_client_is_insecure (tls));
  g_assert_cmpstr (gate_api_client_get_base_url (tls), ==, "https://abc.supabase.co");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "API tests", &error);
  g_assert_no_error (error);
  backend.tickets = gate_test_generate_tickets (backend.pg, backend.event, 40, "General", &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (backend.pg, "api-gate", "gate", &backend.device_id, &backend.token, &error));
  g_assert_true (gate_test_add_device (backend.pg, "api-gate-2", "gate", &backend.other_id, &backend.other_token,
                                       &error));
  g_assert_true (gate_test_add_device (backend.pg, "api-supervisor", "supervisor", &backend.supervisor_id,
                                       &backend.supervisor_token, &error));
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/api/scan/admitted-then-already-scanned", test_scan_admitted_then_already_scanned);
  g_test_add_func ("/api/scan/unknown-code-not-found", test_scan_unknown_code_not_found);
  g_test_add_func ("/api/auth/bad-token-is-unauthorized", test_bad_token_is_unauthorized);
  g_test_add_func ("/api/sync/outcomes-parsed-and-replayed", test_sync_outcomes_parsed);
  g_test_add_func ("/api/refresh/pages-to-the-end", test_tickets_page_to_the_end);
  g_test_add_func ("/api/summary/event-summary-and-clock", test_event_summary_and_clock);
  g_test_add_func ("/api/heartbeat/accepted", test_heartbeat_accepted);
  g_test_add_func ("/api/events/list-includes-ours", test_list_events_includes_ours);
  g_test_add_func ("/api/events/list-for-another-device-is-forbidden",
                   test_list_events_for_another_device_is_forbidden);
  g_test_add_func ("/api/conflicts/listed-and-reviewed", test_conflict_listed_and_reviewed);
  g_test_add_func ("/api/conflicts/gate-may-not-list-all", test_gate_may_not_list_all_conflicts);
  g_test_add_func ("/api/devices/supervisor-lists-devices", test_supervisor_lists_devices);
  g_test_add_func ("/api/probe/answers", test_probe_answers);
  g_test_add_func ("/api/probe/bad-token-fails", test_probe_with_revoked_credentials_fails);
  g_test_add_func ("/api/summary/unknown-event-is-not-found", test_unknown_event_summary_is_not_found);
  g_test_add_func ("/api/errors/unknown-function-is-not-found", test_unknown_function_is_not_found);
  g_test_add_func ("/api/errors/garbage-is-bad-response", test_garbage_is_bad_response);
  g_test_add_func ("/api/errors/500-is-server-error", test_500_is_server_error);
  g_test_add_func ("/api/errors/503-is-unavailable", test_503_is_unavailable);
  g_test_add_func ("/api/errors/hang-is-timeout", test_hang_is_timeout);
  g_test_add_func ("/api/errors/dropped-connection-is-network", test_dropped_connection_is_network_error);
  g_test_add_func ("/api/errors/truncated-body-is-an-error", test_truncated_body_is_an_error);
  g_test_add_func ("/api/errors/nothing-listening-is-network", test_nothing_listening_is_network_error);
  g_test_add_func ("/api/errors/cancel-is-cancelled-not-timeout", test_cancel_is_cancelled_not_timeout);
  g_test_add_func ("/api/config/plain-http-to-remote-host-is-insecure", test_plain_http_to_remote_host_is_insecure);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_strfreev (backend.tickets);
  g_free (backend.event);
  g_free (backend.device_id);
  g_free (backend.token);
  g_free (backend.other_id);
  g_free (backend.other_token);
  g_free (backend.supervisor_id);
  g_free (backend.supervisor_token);
  return result;
}
