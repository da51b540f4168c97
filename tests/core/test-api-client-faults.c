/* test-api-client-faults.c — GateApiClient against a hostile HTTP server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer on 127.0.0.1 inside the test answers what a broken proxy,
 * a captive portal or a confused server might: garbage, truncated or
 * mistyped JSON, nesting bombs, endless bodies, error statuses, redirects,
 * silence, skewed clocks. It injects faults; it does not play the backend
 * (test-api-client.c talks to the real one).
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "gate-api-client.h"
#include "gate-error.h"
#include "gate-test-harness.h"

#define TOKEN     "gst_secret_token_0123456789"
#define DEVICE_ID "gate-faults"
#define TICKET_ID "6f1c2b7e-3a52-4f0e-9d41-7c8e5b2a9f10"
#define EVENT_ID  "0b6f3e2a-1c4d-4e5f-8a9b-0c1d2e3f4a5b"

/* Everything logged by the process, to prove the token is never in it. */
static GString *log_text;

static GLogFunc default_handler;

/* libsoup and GIO log through g_log(), which the test framework routes
 * around the structured writer. */
static void
capture_legacy_log (const char     *domain,
                    GLogLevelFlags  level,
                    const char     *message,
                    gpointer        user_data)
{
  g_string_append_printf (log_text, "%s\n", message);
  if (!(level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)))
    default_handler (domain, level, message, user_data);
}

static GLogWriterOutput
capture_log (GLogLevelFlags   level,
             const GLogField *fields,
             gsize            n_fields,
             gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      g_string_append_printf (log_text, "%s\n", (const char *) fields[i].value);
  /* Debug output is captured for the checks, not printed. */
  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* --- the hostile server ---------------------------------------------------- */

typedef struct _Hostile Hostile;
typedef void (*Answer) (Hostile           *hostile,
                        SoupServerMessage *message);

struct _Hostile
{
  SoupServer *server;
  char       *url;
  Answer      answer;
  gconstpointer data;
  guint       requests;
  guint       strays;        /* requests outside /rest/v1/rpc/ */
  char       *path;
  char       *authorization;
  char       *apikey;
  char       *content_type;
  char       *accept;
  char       *body;
  gsize       streamed;      /* bytes of an endless body handed to libsoup */
  GSList     *paused;        /* (element-type SoupServerMessage) never answered */
};

static void
on_request (SoupServer        *server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Hostile *hostile = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  SoupMessageBody *body = soup_server_message_get_request_body (message);

  if (!g_str_has_prefix (path, "/rest/v1/rpc/"))
    {
      hostile->strays++;
      soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  hostile->requests++;
  g_free (hostile->path);
  hostile->path = g_strdup (path);
  g_free (hostile->authorization);
  hostile->authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
  g_free (hostile->apikey);
  hostile->apikey = g_strdup (soup_message_headers_get_one (headers, "apikey"));
  g_free (hostile->content_type);
  hostile->content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));
  g_free (hostile->accept);
  hostile->accept = g_strdup (soup_message_headers_get_one (headers, "Accept"));
  g_free (hostile->body);
  hostile->body = g_strndup (body->data, body->length);

  hostile->answer (hostile, message);
}

static Hostile *
hostile_new (Answer        answer,
             gconstpointer data)
{
  Hostile *hostile = g_new0 (Hostile, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  hostile->answer = answer;
  hostile->data = data;
  hostile->server = soup_server_new ("server-header", "hostile", NULL);
  soup_server_add_handler (hostile->server, NULL, on_request, hostile, NULL);
  soup_server_listen_local (hostile->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (hostile->server);
  hostile->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return hostile;
}

static void
hostile_free (Hostile *hostile)
{
  /* A message paused forever is finished so the server can let it go. */
  for (GSList *l = hostile->paused; l != NULL; l = l->next)
    {
      soup_server_message_set_status (l->data, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (l->data);
      g_object_unref (l->data);
    }
  g_slist_free (hostile->paused);
  soup_server_disconnect (hostile->server);
  g_object_unref (hostile->server);
  g_free (hostile->url);
  g_free (hostile->path);
  g_free (hostile->authorization);
  g_free (hostile->apikey);
  g_free (hostile->content_type);
  g_free (hostile->accept);
  g_free (hostile->body);
  g_free (hostile);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Hostile, hostile_free)

static void
respond (SoupServerMessage *message,
         guint              status,
         const char        *body)
{
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json; charset=utf-8", SOUP_MEMORY_COPY, body,
                                    strlen (body));
}

/* The body in hostile->data, with status 200. */
static void
answer_body (Hostile           *hostile,
             SoupServerMessage *message)
{
  respond (message, SOUP_STATUS_OK, hostile->data);
}

static char *
time_text (gint64 time_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);

  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%S.%f+00:00");
}

/* A well-formed heartbeat row with the server clock ahead by hostile->data ms. */
static void
answer_skewed_heartbeat (Hostile           *hostile,
                         SoupServerMessage *message)
{
  gint64 skew_ms = *(const gint64 *) hostile->data;
  g_autofree char *now = time_text (g_get_real_time () + skew_ms * 1000);
  g_autofree char *body = g_strdup_printf ("[{\"device_id\":\"%s\",\"server_time\":\"%s\"}]", DEVICE_ID, now);

  respond (message, SOUP_STATUS_OK, body);
}

static void
answer_nothing (Hostile           *hostile,
                SoupServerMessage *message)
{
  soup_server_message_pause (message);
  hostile->paused = g_slist_prepend (hostile->paused, g_object_ref (message));
}

typedef struct
{
  guint       status;
  const char *body;
} Canned;

static void
answer_canned (Hostile           *hostile,
               SoupServerMessage *message)
{
  const Canned *canned = hostile->data;

  respond (message, canned->status, canned->body);
}

/* --- the client side ------------------------------------------------------- */

static gboolean
has_requests (gpointer user_data)
{
  return ((Hostile *) user_data)->requests > 0;
}

static GateApiClient *
client_for (Hostile *hostile)
{
  return gate_api_client_new (hostile->url, TOKEN, DEVICE_ID);
}

static GateScanDecision *
scan (GateApiClient *client,
      guint          timeout_ms,
      GCancellable  *cancellable,
      GError       **error)
{
  g_auto(GateTestAsync) waiter = { 0 };
  GateScanDecision *answer;

  gate_api_client_scan_ticket_async (client, "GS1-FAULTS", EVENT_ID, "4d1e6b9a-2f3c-4a5b-8c7d-9e0f1a2b3c4d", "qr",
                                     timeout_ms, cancellable, gate_test_async_ready, &waiter);
  answer = gate_api_client_scan_ticket_finish (client, gate_test_async_wait (&waiter, 20000), error);
  return answer;
}

static gboolean
heartbeat (GateApiClient *client,
           GError       **error)
{
  g_auto(GateTestAsync) waiter = { 0 };
  gboolean ok;

  gate_api_client_heartbeat_async (client, "test", 0, 0, NULL, gate_test_async_ready, &waiter);
  ok = gate_api_client_heartbeat_finish (client, gate_test_async_wait (&waiter, 20000), error);
  return ok;
}

/* Scans against a server answering @body with 200; returns the error. */
static GError *
scan_error_for_body (const char *body)
{
  g_autoptr(Hostile) hostile = hostile_new (answer_body, body);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GateScanDecision) answer = NULL;
  GError *error = NULL;

  answer = scan (client, 5000, NULL, &error);
  g_assert_null (answer);
  g_assert_nonnull (error);
  g_assert_cmpuint (hostile->requests, ==, 1);
  return error;
}

#define SCAN_ROW(verdict, ticket, scanned_at, server_time)                                                       \
  "[{\"verdict\":" verdict ",\"ticket_id\":" ticket ",\"guest_name\":\"Ada\",\"ticket_type\":\"General\","       \
  "\"scanned_at\":" scanned_at ",\"scanned_device\":\"gate-1\",\"server_time\":" server_time "}]"

#define GOOD_TIME "\"2026-11-25T10:00:00.123456+00:00\""

/* --- request shape ------------------------------------------------------------ */

static void
test_headers_are_supabase_style (void)
{
  gint64 skew = 0;
  g_autoptr(Hostile) hostile = hostile_new (answer_skewed_heartbeat, &skew);
  g_autofree char *base = g_strconcat (hostile->url, "/rest/v1/", NULL);
  g_autoptr(GateApiClient) client = g_object_new (GATE_TYPE_API_CLIENT, "base-url", base, "token", "user-jwt",
                                                  "apikey", "anon-key", "device-id", DEVICE_ID, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) sent = NULL;
  JsonObject *args;

  g_assert_true (heartbeat (client, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (hostile->path, ==, "/rest/v1/rpc/device_heartbeat");
  g_assert_cmpstr (hostile->authorization, ==, "Bearer user-jwt");
  g_assert_cmpstr (hostile->apikey, ==, "anon-key");
  g_assert_cmpstr (hostile->content_type, ==, "application/json");
  g_assert_cmpstr (hostile->accept, ==, "application/json");

  sent = json_from_string (hostile->body, &error);
  g_assert_no_error (error);
  args = json_node_get_object (sent);
  g_assert_cmpstr (json_object_get_string_member (args, "p_device_id"), ==, DEVICE_ID);
  g_assert_cmpint (json_object_get_int_member (args, "p_pending_scans"), ==, 0);
  g_assert_true (json_object_get_null_member (args, "p_last_refresh_at"));
}

static void
test_apikey_defaults_to_the_token (void)
{
  gint64 skew = 0;
  g_autoptr(Hostile) hostile = hostile_new (answer_skewed_heartbeat, &skew);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GError) error = NULL;

  g_assert_true (heartbeat (client, &error));
  g_assert_cmpstr (hostile->authorization, ==, "Bearer " TOKEN);
  g_assert_cmpstr (hostile->apikey, ==, TOKEN);
}

static void
test_upload_sends_the_batch_as_json (void)
{
  static const char answer[] =
    "[{\"client_scan_id\":\"4D1E6B9A-2F3C-4A5B-8C7D-9E0F1A2B3C4D\",\"outcome\":\"lost_conflict\","
    "\"replayed\":false,\"winner_device\":\"gate-2\",\"winner_time\":\"2026-11-25T09:59:58.5+00:00\","
    "\"server_time\":" GOOD_TIME "}]";
  g_autoptr(Hostile) hostile = hostile_new (answer_body, answer);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_queued_scan_free);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) sent = NULL;
  GateQueuedScan *queued = gate_queued_scan_new ();
  GateUploadResult *result;
  JsonObject *item;
  g_auto(GateTestAsync) waiter = { 0 };

  queued->client_scan_id = g_strdup ("4d1e6b9a-2f3c-4a5b-8c7d-9e0f1a2b3c4d");
  queued->event_id = g_strdup (EVENT_ID);
  queued->qr_token = g_strdup ("GS1-UPLOAD");
  queued->scanned_at_us = G_GINT64_CONSTANT (1795600800250000); /* 2026-11-25T10:00:00.25Z */
  queued->clock_offset_ms = -1500;
  queued->scan_method = g_strdup ("wedge");
  g_ptr_array_add (scans, queued);

  gate_api_client_sync_offline_scans_async (client, scans, NULL, gate_test_async_ready, &waiter);
  results = gate_api_client_sync_offline_scans_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_no_error (error);

  g_assert_cmpuint (results->len, ==, 1);
  result = results->pdata[0];
  g_assert_cmpstr (result->client_scan_id, ==, queued->client_scan_id);
  g_assert_cmpint (result->outcome, ==, GATE_UPLOAD_LOST_CONFLICT);
  g_assert_cmpstr (result->winner_device, ==, "gate-2");
  g_assert_cmpint (result->winner_time_us, ==, G_GINT64_CONSTANT (1795600798500000));

  sent = json_from_string (hostile->body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hostile->path, ==, "/rest/v1/rpc/sync_offline_scans");
  item = json_array_get_object_element (json_object_get_array_member (json_node_get_object (sent), "p_scans"), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "client_scan_id"), ==, queued->client_scan_id);
  g_assert_cmpstr (json_object_get_string_member (item, "qr_token"), ==, "GS1-UPLOAD");
  g_assert_cmpstr (json_object_get_string_member (item, "event_id"), ==, EVENT_ID);
  g_assert_cmpstr (json_object_get_string_member (item, "scanned_at"), ==, "2026-11-25T10:00:00.250000Z");
  g_assert_cmpint (json_object_get_int_member (item, "clock_offset_ms"), ==, -1500);
  g_assert_cmpstr (json_object_get_string_member (item, "scan_method"), ==, "wedge");
  g_assert_true (json_object_get_null_member (item, "scanned_by"));
}

static void
test_oversized_batch_is_refused_unsent (void)
{
  g_autoptr(Hostile) hostile = hostile_new (answer_body, "[]");
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_queued_scan_free);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  for (guint i = 0; i <= GATE_API_MAX_UPLOAD_BATCH; i++)
    {
      GateQueuedScan *queued = gate_queued_scan_new ();

      queued->client_scan_id = g_uuid_string_random ();
      queued->qr_token = g_strdup ("GS1-MANY");
      g_ptr_array_add (scans, queued);
    }

  gate_api_client_sync_offline_scans_async (client, scans, NULL, gate_test_async_ready, &waiter);
  results = gate_api_client_sync_offline_scans_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_null (results);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_REQUEST);
  g_assert_cmpuint (hostile->requests, ==, 0);
}

/* --- bodies that are not the rows we asked for --------------------------------- */

/* A body that is not the rows scan_ticket promised, and what the error says. */
typedef struct
{
  const char *path;
  const char *body;
  const char *says;   /* (nullable): a part of the message */
} BadBody;

static const BadBody bad_bodies[] = {
  { "/api/errors/garbage-body-is-bad-response", "<html><body>Welcome to Venue Wi-Fi</body></html>",
    "not valid JSON" },
  { "/api/errors/truncated-json-is-bad-response", "[{\"verdict\":\"admitted\",\"ticket_id\":\"6f1c2b7e-3a52", NULL },
  { "/api/errors/empty-body-is-bad-response", "", NULL },
  { "/api/errors/object-instead-of-rows-is-bad-response", "{\"verdict\":\"admitted\"}", "array" },
  { "/api/errors/row-that-is-not-an-object-is-bad-response", "[\"admitted\"]", NULL },
  { "/api/errors/mistyped-member-is-bad-response", SCAN_ROW ("1", "\"" TICKET_ID "\"", GOOD_TIME, GOOD_TIME),
    "verdict" },
  { "/api/errors/unknown-verdict-is-bad-response",
    SCAN_ROW ("\"welcome\"", "\"" TICKET_ID "\"", GOOD_TIME, GOOD_TIME), "welcome" },
  { "/api/errors/kiosk-verdict-from-the-server-is-bad-response",
    SCAN_ROW ("\"invalid_code\"", "null", GOOD_TIME, GOOD_TIME), "invalid_code" },
  { "/api/errors/malformed-uuid-is-bad-response", SCAN_ROW ("\"admitted\"", "\"ticket-42\"", GOOD_TIME, GOOD_TIME),
    "ticket_id" },
  { "/api/errors/time-without-offset-is-bad-response",
    SCAN_ROW ("\"admitted\"", "\"" TICKET_ID "\"", GOOD_TIME, "\"2026-11-25T10:00:00\""), "server_time" },
  { "/api/errors/missing-server-time-is-bad-response",
    "[{\"verdict\":\"not_found\",\"ticket_id\":null,\"guest_name\":null}]", "server_time" },
  { "/api/errors/two-answers-to-one-scan-is-bad-response", "[{\"verdict\":\"admitted\"},{\"verdict\":\"admitted\"}]",
    NULL },
  { "/api/errors/invalid-utf8-is-bad-response",
    "[{\"verdict\":\"admitted\",\"guest_name\":\"\xff\xfe\",\"server_time\":" GOOD_TIME "}]", NULL },
};

static void
test_body_is_bad_response (gconstpointer data)
{
  const BadBody *bad = data;
  g_autoptr(GError) error = scan_error_for_body (bad->body);

  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  if (bad->says != NULL)
    g_assert_nonnull (strstr (error->message, bad->says));
}

static void
test_nesting_bomb_is_bad_response (void)
{
  /* Deep enough to overflow json-glib's recursive parser on any stack. */
  gsize depth = 512 * 1024;
  g_autofree char *bomb = g_malloc (2 * depth + 1);
  g_autoptr(GError) error = NULL;

  memset (bomb, '[', depth);
  memset (bomb + depth, ']', depth);
  bomb[2 * depth] = '\0';
  error = scan_error_for_body (bomb);

  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "nests"));
}

static void
test_upload_answer_for_an_unsent_scan_is_bad_response (void)
{
  static const char answer[] =
    "[{\"client_scan_id\":\"11111111-2222-4333-8444-555555555555\",\"outcome\":\"applied\","
    "\"replayed\":false,\"winner_device\":null,\"winner_time\":null,\"server_time\":" GOOD_TIME "}]";
  g_autoptr(Hostile) hostile = hostile_new (answer_body, answer);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_queued_scan_free);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  GateQueuedScan *queued = gate_queued_scan_new ();
  g_auto(GateTestAsync) waiter = { 0 };

  queued->client_scan_id = g_strdup ("4d1e6b9a-2f3c-4a5b-8c7d-9e0f1a2b3c4d");
  queued->event_id = g_strdup (EVENT_ID);
  queued->qr_token = g_strdup ("GS1-UPLOAD");
  queued->scanned_at_us = g_get_real_time ();
  g_ptr_array_add (scans, queued);

  gate_api_client_sync_offline_scans_async (client, scans, NULL, gate_test_async_ready, &waiter);
  results = gate_api_client_sync_offline_scans_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_null (results);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "not in the batch"));
}

static void
test_mistyped_ticket_row_fails_the_whole_page (void)
{
  /* The second row's status is a number: no page, not a page of one. */
  static const char answer[] =
    "[{\"id\":\"" TICKET_ID "\",\"qr_token\":\"GS1-A\",\"qr_signature\":null,\"ticket_type\":\"General\","
    "\"guest_name\":\"Ada\",\"status\":\"valid\",\"scanned_at\":null,\"scanned_device\":null,"
    "\"updated_at\":" GOOD_TIME ",\"next_cursor\":\"c1\"},"
    "{\"id\":\"7f1c2b7e-3a52-4f0e-9d41-7c8e5b2a9f10\",\"qr_token\":\"GS1-B\",\"qr_signature\":null,"
    "\"ticket_type\":\"General\",\"guest_name\":\"Bob\",\"status\":2,\"scanned_at\":null,"
    "\"scanned_device\":null,\"updated_at\":" GOOD_TIME ",\"next_cursor\":\"c1\"}]";
  g_autoptr(Hostile) hostile = hostile_new (answer_body, answer);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GateTicketPage) page = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  gate_api_client_tickets_changed_since_async (client, EVENT_ID, NULL, 0, NULL, gate_test_async_ready, &waiter);
  page = gate_api_client_tickets_changed_since_finish (client, gate_test_async_wait (&waiter, 20000), &error);
  g_assert_null (page);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "row 1"));
}

/* --- size limits ------------------------------------------------------------- */

static void
answer_announced_huge (Hostile           *hostile,
                       SoupServerMessage *message)
{
  gsize size = GATE_API_MAX_RESPONSE + 1;
  char *body = g_malloc (size);

  memset (body, ' ', size);
  body[0] = '[';
  body[size - 1] = ']';
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_TAKE, body, size);
}

static void
test_announced_huge_body_is_bad_response (void)
{
  g_autoptr(Hostile) hostile = hostile_new (answer_announced_huge, NULL);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GError) error = NULL;

  g_assert_null (scan (client, 10000, NULL, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "more than the limit"));
}

static void
stream_more (SoupServerMessage *message,
             gpointer           user_data)
{
  Hostile *hostile = user_data;
  static char chunk[256 * 1024];

  if (chunk[0] == '\0')
    memset (chunk, ' ', sizeof chunk);
  hostile->streamed += sizeof chunk;
  soup_message_body_append (soup_server_message_get_response_body (message), SOUP_MEMORY_STATIC, chunk,
                            sizeof chunk);
}

/* "[" then whitespace forever, chunked: no length to refuse up front. */
static void
answer_endless (Hostile           *hostile,
                SoupServerMessage *message)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, "application/json", NULL);
  soup_message_body_append (soup_server_message_get_response_body (message), SOUP_MEMORY_STATIC, "[", 1);
  g_signal_connect (message, "wrote-chunk", G_CALLBACK (stream_more), hostile);
}

static void
test_endless_body_stops_at_the_limit (void)
{
  g_autoptr(Hostile) hostile = hostile_new (answer_endless, NULL);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GError) error = NULL;

  g_assert_null (scan (client, 20000, NULL, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "larger than"));
  /* It read up to the limit and no further than a few chunks past it. */
  g_assert_cmpuint (hostile->streamed, >=, GATE_API_MAX_RESPONSE);
  g_assert_cmpuint (hostile->streamed, <, 2 * GATE_API_MAX_RESPONSE);
}

/* --- HTTP errors --------------------------------------------------------------- */

static void
test_statuses_map_to_gate_errors (void)
{
  static const struct
  {
    guint status;
    int   code;
  } cases[] = {
    { 400, GATE_ERROR_BAD_REQUEST },
    { 401, GATE_ERROR_UNAUTHORIZED },
    { 403, GATE_ERROR_FORBIDDEN },
    { 404, GATE_ERROR_NOT_FOUND },
    { 413, GATE_ERROR_BAD_REQUEST },
    { 500, GATE_ERROR_SERVER },
    { 502, GATE_ERROR_UNAVAILABLE },
    { 503, GATE_ERROR_UNAVAILABLE },
    { 504, GATE_ERROR_TIMEOUT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"code\":\"XX%03u\",\"message\":\"injected status %u\","
                                               "\"details\":null,\"hint\":null}", cases[i].status, cases[i].status);
      Canned canned = { cases[i].status, body };
      g_autoptr(Hostile) hostile = hostile_new (answer_canned, &canned);
      g_autoptr(GateApiClient) client = client_for (hostile);
      g_autoptr(GError) error = NULL;
      g_autofree char *expected = g_strdup_printf ("injected status %u", cases[i].status);

      g_test_message ("HTTP %u", cases[i].status);
      g_assert_null (scan (client, 5000, NULL, &error));
      g_assert_error (error, GATE_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, expected));
    }
}

/* An error status with a body, and what the error keeps of it. */
typedef struct
{
  const char *path;
  Canned      canned;
  int         code;
  const char *says[3];   /* parts of the message */
  const char *hides;     /* (nullable): never in the message */
} ErrorAnswer;

static const ErrorAnswer error_answers[] = {
  { "/api/errors/500-keeps-the-postgrest-message",
    { 500, "{\"code\":\"57014\",\"message\":\"canceling statement due to statement timeout\","
           "\"details\":null,\"hint\":null}" },
    GATE_ERROR_SERVER, { "scan_ticket", "57014", "canceling statement due to statement timeout" }, NULL },
  { "/api/errors/503-without-body-is-unavailable", { 503, "" }, GATE_ERROR_UNAVAILABLE, { "HTTP 503" }, NULL },
  { "/api/errors/error-body-that-is-not-json-keeps-the-status",
    { 502, "<html><h1>502 Bad Gateway</h1></html>" }, GATE_ERROR_UNAVAILABLE, { "HTTP 502" }, NULL },
  { "/api/errors/echoed-token-is-redacted",
    { 401, "{\"code\":\"PGRST301\",\"message\":\"token " TOKEN " is unknown\",\"details\":null,\"hint\":null}" },
    GATE_ERROR_UNAUTHORIZED, { "[redacted]" }, TOKEN },
};

static void
test_error_answer_keeps_its_message (gconstpointer data)
{
  const ErrorAnswer *answer = data;
  g_autoptr(Hostile) hostile = hostile_new (answer_canned, &answer->canned);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GError) error = NULL;

  g_assert_null (scan (client, 5000, NULL, &error));
  g_assert_error (error, GATE_ERROR, answer->code);
  for (guint i = 0; i < G_N_ELEMENTS (answer->says) && answer->says[i] != NULL; i++)
    g_assert_nonnull (strstr (error->message, answer->says[i]));
  if (answer->hides != NULL)
    g_assert_null (strstr (error->message, answer->hides));
}

static void
answer_redirect (Hostile           *hostile,
                 SoupServerMessage *message)
{
  g_autofree char *elsewhere = g_strconcat (hostile->url, "/portal/login", NULL);

  soup_server_message_set_redirect (message, SOUP_STATUS_FOUND, elsewhere);
}

static void
test_redirect_is_not_followed (void)
{
  g_autoptr(Hostile) hostile = hostile_new (answer_redirect, NULL);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GError) error = NULL;

  g_assert_null (scan (client, 5000, NULL, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "redirect"));
  /* The bearer token never went to the redirect's target. */
  g_assert_cmpuint (hostile->strays, ==, 0);
}

/* --- no answer --------------------------------------------------------------- */

static void
test_silent_server_is_timeout_within_the_deadline (void)
{
  g_autoptr(Hostile) hostile = hostile_new (answer_nothing, NULL);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();
  gint64 elapsed_ms;

  g_assert_null (scan (client, 300, NULL, &error));
  elapsed_ms = (g_get_monotonic_time () - started) / 1000;

  g_assert_error (error, GATE_ERROR, GATE_ERROR_TIMEOUT);
  g_assert_true (gate_error_is_connectivity (error));
  g_assert_cmpint (elapsed_ms, >=, 300);
  g_assert_cmpint (elapsed_ms, <, 300 + 2000);
  g_assert_cmpuint (hostile->requests, ==, 1);
}

static void
test_cancel_is_cancelled_not_timeout (void)
{
  g_autoptr(Hostile) hostile = hostile_new (answer_nothing, NULL);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GateScanDecision) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GateTestAsync) waiter = { 0 };

  gate_api_client_scan_ticket_async (client, "GS1-FAULTS", EVENT_ID, "4d1e6b9a-2f3c-4a5b-8c7d-9e0f1a2b3c4d", "qr",
                                     10000, cancellable, gate_test_async_ready, &waiter);
  g_assert_true (gate_test_wait_until (NULL, has_requests, hostile, 5000));
  g_cancellable_cancel (cancellable);
  answer = gate_api_client_scan_ticket_finish (client, gate_test_async_wait (&waiter, 20000), &error);

  g_assert_null (answer);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_connection_refused_is_network (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", gate_test_free_port ());
  g_autoptr(GateApiClient) client = gate_api_client_new (url, TOKEN, DEVICE_ID);
  g_autoptr(GError) error = NULL;

  g_assert_null (scan (client, 5000, NULL, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_NETWORK);
}

static void
test_untrusted_certificate_is_network_and_unsent (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *dir = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(Hostile) hostile = NULL;
  g_autoptr(GateApiClient) client = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;
  int status;

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed: cannot make a self-signed certificate");
      return;
    }

  dir = g_dir_make_tmp ("gate-api-tls-XXXXXX", &error);
  g_assert_no_error (error);
  cert = g_build_filename (dir, "cert.pem", NULL);
  key = g_build_filename (dir, "key.pem", NULL);
  {
    const char *argv[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  g_unlink (cert);
  g_unlink (key);
  g_rmdir (dir);

  /* The same hostile server, now behind a certificate nobody vouches for. */
  hostile = hostile_new (answer_body, "[]");
  soup_server_disconnect (hostile->server);
  g_object_set (hostile->server, "tls-certificate", certificate, NULL);
  soup_server_listen_local (hostile->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (hostile->server);
  url = g_strdup_printf ("https://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  client = gate_api_client_new (url, TOKEN, DEVICE_ID);

  /* The refusal comes with the handshake, which under valgrind on a loaded
   * machine may take seconds: a limit that only a hang reaches. */
  g_assert_null (scan (client, 15000, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, GATE_ERROR, GATE_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "certificate"));
  g_assert_cmpuint (hostile->requests, ==, 0);
}

/* --- clock --------------------------------------------------------------------- */

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_skewed_server_time_sets_the_offset (void)
{
  gint64 skew = 5 * 60 * 1000;
  g_autoptr(Hostile) hostile = hostile_new (answer_skewed_heartbeat, &skew);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GError) error = NULL;
  guint notified = 0;
  gint64 offset;

  g_signal_connect (client, "notify::clock-offset-ms", G_CALLBACK (count_notify), &notified);
  g_assert_true (heartbeat (client, &error));
  g_assert_no_error (error);

  g_object_get (client, "clock-offset-ms", &offset, NULL);
  g_assert_cmpint (offset, >, skew - 2000);
  g_assert_cmpint (offset, <, skew + 2000);
  g_assert_cmpuint (notified, ==, 1);
}

/* Skewed like answer_skewed_heartbeat, but only after a delay on the server:
 * a long round trip whose midpoint is uncertain. */
static gboolean
finish_slowly (gpointer user_data)
{
  SoupServerMessage *message = user_data;
  gint64 skew_ms = 10 * 60 * 1000;
  g_autofree char *now = time_text (g_get_real_time () + skew_ms * 1000);
  g_autofree char *body = g_strdup_printf ("[{\"device_id\":\"%s\",\"server_time\":\"%s\"}]", DEVICE_ID, now);

  respond (message, SOUP_STATUS_OK, body);
  soup_server_message_unpause (message);
  return G_SOURCE_REMOVE;
}

static void
answer_fast_then_slow (Hostile           *hostile,
                       SoupServerMessage *message)
{
  if (hostile->requests == 1)
    {
      answer_skewed_heartbeat (hostile, message);
      return;
    }

  soup_server_message_pause (message);
  g_timeout_add_full (G_PRIORITY_DEFAULT, 700, finish_slowly, g_object_ref (message), g_object_unref);
}

static void
test_clock_trusts_the_fastest_round_trip (void)
{
  gint64 skew = 5 * 60 * 1000;
  g_autoptr(Hostile) hostile = hostile_new (answer_fast_then_slow, &skew);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GError) error = NULL;

  g_assert_true (heartbeat (client, &error));
  g_assert_true (heartbeat (client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hostile->requests, ==, 2);

  /* The slow answer said +10 min; the fast one's +5 min still stands. */
  g_assert_cmpint (gate_api_client_get_clock_offset_ms (client), >, skew - 2000);
  g_assert_cmpint (gate_api_client_get_clock_offset_ms (client), <, skew + 2000);
}

static void
test_refused_answer_teaches_the_clock_nothing (void)
{
  static const char bad[] = "[{\"server_time\":\"2030-01-01T00:00:00+00:00\"},\"stray\"]";
  g_autoptr(Hostile) hostile = hostile_new (answer_body, bad);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GError) error = NULL;
  guint notified = 0;

  g_signal_connect (client, "notify::clock-offset-ms", G_CALLBACK (count_notify), &notified);
  g_assert_false (heartbeat (client, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_assert_cmpuint (hostile->requests, ==, 1);

  g_assert_cmpint (gate_api_client_get_clock_offset_ms (client), ==, 0);
  g_assert_cmpuint (notified, ==, 0);
}

/* --- logging ------------------------------------------------------------------- */

static void
test_token_never_logged (void)
{
  static const Canned canned = { 401, "{\"code\":\"PGRST301\",\"message\":\"bad token " TOKEN "\"}" };
  g_autoptr(Hostile) hostile = hostile_new (answer_canned, &canned);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GateApiClient) remote = gate_api_client_new ("http://gate.example.org", TOKEN, DEVICE_ID);
  g_autoptr(GError) error = NULL;

  g_string_truncate (log_text, 0);
  g_assert_null (scan (client, 5000, NULL, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED);

  /* Something was logged (the failed call and nothing else would do)… */
  g_assert_true (gate_api_client_is_insecure (remote));
  g_assert_nonnull (strstr (log_text->str, "scan_ticket"));
  /* …and none of it is the credential. */
  g_assert_null (strstr (log_text->str, TOKEN));
}

static void
test_insecure_server_is_announced (void)
{
  g_autoptr(GateApiClient) remote = NULL;

  g_string_truncate (log_text, 0);
  remote = gate_api_client_new ("http://gate:" TOKEN "@10.1.2.3:8080", TOKEN, DEVICE_ID);
  g_assert_true (gate_api_client_is_insecure (remote));
  g_assert_nonnull (strstr (log_text->str, "INSECURE"));
  g_assert_nonnull (strstr (log_text->str, "10.1.2.3"));
  g_assert_null (strstr (log_text->str, TOKEN));
}

static void
test_loopback_and_tls_are_not_insecure (void)
{
  const char *secure[] = { "http://127.0.0.1:8080", "http://[::1]:8080", "http://localhost:8080",
                           "https://abc.supabase.co/rest/v1/" };

  for (guint i = 0; i < G_N_ELEMENTS (secure); i++)
    {
      g_autoptr(GateApiClient) client = gate_api_client_new (secure[i], TOKEN, DEVICE_ID);

      g_assert_false (gate_api_client_is_insecure (client));
    }
}

static void
test_base_url_is_the_server_root (void)
{
  g_autoptr(GateApiClient) supabase = gate_api_client_new ("https://abc.supabase.co/rest/v1/", TOKEN, DEVICE_ID);
  g_autoptr(GateApiClient) plain = gate_api_client_new ("http://127.0.0.1:8080//", TOKEN, DEVICE_ID);

  g_assert_cmpstr (gate_api_client_get_base_url (supabase), ==, "https://abc.supabase.co");
  g_assert_cmpstr (gate_api_client_get_base_url (plain), ==, "http://127.0.0.1:8080");
}

/* Completed calls hold nothing: the last reference really is the last. */
static void
assert_released (GateApiClient *client)
{
  GateApiClient *watched = client;

  g_object_add_weak_pointer (G_OBJECT (client), (gpointer *) &watched);
  g_object_unref (client);
  g_assert_null (watched);
}

static void
test_missing_token_is_config_error_unsent (void)
{
  g_autoptr(Hostile) hostile = hostile_new (answer_body, "[]");
  GateApiClient *client = gate_api_client_new (hostile->url, NULL, DEVICE_ID);
  g_autoptr(GError) error = NULL;

  g_assert_null (scan (client, 5000, NULL, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_CONFIG);
  g_assert_cmpuint (hostile->requests, ==, 0);
  assert_released (client);
}

static void
test_client_released_after_calls (void)
{
  gint64 skew = 0;
  g_autoptr(Hostile) hostile = hostile_new (answer_skewed_heartbeat, &skew);
  GateApiClient *client = client_for (hostile);
  g_autoptr(GError) error = NULL;

  g_assert_true (heartbeat (client, &error));
  g_assert_no_error (error);
  hostile->answer = answer_body;
  hostile->data = "garbage";
  g_assert_false (heartbeat (client, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  assert_released (client);
}

/* --- keep-alive ------------------------------------------------------------------ */

static void
test_client_recovers_after_a_refused_body (void)
{
  gint64 skew = 0;
  g_autoptr(Hostile) hostile = hostile_new (answer_endless, NULL);
  g_autoptr(GateApiClient) client = client_for (hostile);
  g_autoptr(GError) error = NULL;

  g_assert_null (scan (client, 20000, NULL, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
  g_clear_error (&error);

  /* The abandoned connection is not reused for the next call. */
  hostile->answer = answer_skewed_heartbeat;
  hostile->data = &skew;
  g_assert_true (heartbeat (client, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  /* Every level reaches the writer, libsoup's and GLib's debug output too. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_log, NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  default_handler = g_log_set_default_handler (capture_legacy_log, NULL);

  g_test_add_func ("/api/request/headers-are-supabase-style", test_headers_are_supabase_style);
  g_test_add_func ("/api/request/apikey-defaults-to-the-token", test_apikey_defaults_to_the_token);
  g_test_add_func ("/api/request/upload-sends-the-batch-as-json", test_upload_sends_the_batch_as_json);
  g_test_add_func ("/api/request/oversized-batch-is-refused-unsent", test_oversized_batch_is_refused_unsent);
  g_test_add_func ("/api/request/missing-token-is-config-error-unsent", test_missing_token_is_config_error_unsent);
  g_test_add_func ("/api/request/client-released-after-calls", test_client_released_after_calls);
  for (guint i = 0; i < G_N_ELEMENTS (bad_bodies); i++)
    g_test_add_data_func (bad_bodies[i].path, &bad_bodies[i], test_body_is_bad_response);
  g_test_add_func ("/api/errors/nesting-bomb-is-bad-response", test_nesting_bomb_is_bad_response);
  g_test_add_func ("/api/errors/upload-answer-for-an-unsent-scan-is-bad-response",
                   test_upload_answer_for_an_unsent_scan_is_bad_response);
  g_test_add_func ("/api/errors/mistyped-ticket-row-fails-the-whole-page",
                   test_mistyped_ticket_row_fails_the_whole_page);
  g_test_add_func ("/api/errors/announced-huge-body-is-bad-response", test_announced_huge_body_is_bad_response);
  g_test_add_func ("/api/errors/endless-body-stops-at-the-limit", test_endless_body_stops_at_the_limit);
  g_test_add_func ("/api/errors/client-recovers-after-a-refused-body", test_client_recovers_after_a_refused_body);
  g_test_add_func ("/api/errors/statuses-map-to-gate-errors", test_statuses_map_to_gate_errors);
  for (guint i = 0; i < G_N_ELEMENTS (error_answers); i++)
    g_test_add_data_func (error_answers[i].path, &error_answers[i], test_error_answer_keeps_its_message);
  g_test_add_func ("/api/errors/redirect-is-not-followed", test_redirect_is_not_followed);
  g_test_add_func ("/api/errors/silent-server-is-timeout-within-the-deadline",
                   test_silent_server_is_timeout_within_the_deadline);
  g_test_add_func ("/api/errors/cancel-is-cancelled-not-timeout", test_cancel_is_cancelled_not_timeout);
  g_test_add_func ("/api/errors/connection-refused-is-network", test_connection_refused_is_network);
  g_test_add_func ("/api/security/untrusted-certificate-is-network-and-unsent",
                   test_untrusted_certificate_is_network_and_unsent);
  g_test_add_func ("/api/clock/skewed-server-time-sets-the-offset", test_skewed_server_time_sets_the_offset);
  g_test_add_func ("/api/clock/trusts-the-fastest-round-trip", test_clock_trusts_the_fastest_round_trip);
  g_test_add_func ("/api/clock/refused-answer-teaches-the-clock-nothing", test_refused_answer_teaches_the_clock_nothing);
  g_test_add_func ("/api/security/token-never-logged", test_token_never_logged);
  g_test_add_func ("/api/security/insecure-server-is-announced", test_insecure_server_is_announced);
  g_test_add_func ("/api/security/loopback-and-tls-are-not-insecure", test_loopback_and_tls_are_not_insecure);
  g_test_add_func ("/api/config/base-url-is-the-server-root", test_base_url_is_the_server_root);

  return g_test_run ();
}
