/* test-operations.c — what an operator watches: /metrics, request ids, logs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gate-log.h"
#include "gate-metrics.h"
#include "gate-test-harness.h"

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  const char     *url;
  char           *metrics_url;
  char           *log_path;
  char           *event;
  char           *gate_id;
  char           *gate_token;
} backend;

/* --- helpers ------------------------------------------------------------------ */

static guint
post (const char  *token,
      const char  *function,
      const char  *json,
      char       **body)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);

  return gate_test_rpc (session, backend.url, token, function, json, body);
}

/* GET @url; the status, and the body in @body. */
static guint
get (const char  *url,
     const char  *request_id,
     char       **body,
     char       **answered_id)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) bytes = NULL;

  if (request_id != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (message), GATE_REQUEST_ID_HEADER, request_id);
  bytes = soup_session_send_and_read (session, message, NULL, NULL);
  if (body != NULL)
    *body = bytes ? g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)) : NULL;
  if (answered_id != NULL)
    *answered_id = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                           GATE_REQUEST_ID_HEADER));
  return bytes ? soup_message_get_status (message) : 0;
}

static char *
scrape (void)
{
  g_autofree char *url = g_strconcat (backend.metrics_url, "/metrics", NULL);
  char *body = NULL;

  g_assert_cmpuint (get (url, NULL, &body, NULL), ==, 200);
  return body;
}

/* The value of the sample @series ("name{labels}" exactly as written), or
 * -1 when the scrape has no such line. */
static double
sample (const char *scraped,
        const char *series)
{
  g_auto(GStrv) lines = g_strsplit (scraped, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], series) && lines[i][strlen (series)] == ' ')
      return g_ascii_strtod (lines[i] + strlen (series) + 1, NULL);
  return -1;
}

static gboolean
healthy (gpointer user_data)
{
  g_autofree char *url = g_strconcat (backend.url, "/healthz", NULL);

  return get (url, NULL, NULL, NULL) == 200;
}

static char *
scan_json (const char *ticket)
{
  g_autofree char *scan_id = gate_test_uuid ();

  return g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_client_scan_id\":\"%s\"}",
                          ticket, backend.event, scan_id);
}

/* --- /metrics -------------------------------------------------------------------- */

static void
test_metrics_counters_move_with_calls (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tickets = gate_test_generate_tickets (backend.pg, backend.event, 5, "General", &error);
  g_autofree char *before = scrape ();
  g_autofree char *after = NULL;
  double admitted_before = MAX (sample (before, "gate_server_calls_total{function=\"scan_ticket\",status=\"200\"}"), 0);
  double count_before = MAX (sample (before, "gate_server_call_duration_seconds_count{function=\"scan_ticket\"}"), 0);
  double failures_before = sample (before, "gate_server_auth_failures_total");

  g_assert_no_error (error);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *json = scan_json (tickets[i]);
      g_autofree char *body = NULL;

      g_assert_cmpuint (post (backend.gate_token, "scan_ticket", json, &body), ==, 200);
    }
  g_assert_cmpuint (post ("gst_not-a-token", "scan_ticket", "{}", NULL), ==, 401);

  after = scrape ();
  g_assert_cmpfloat (sample (after, "gate_server_calls_total{function=\"scan_ticket\",status=\"200\"}"), ==,
                     admitted_before + 5);
  g_assert_cmpfloat (sample (after, "gate_server_call_duration_seconds_count{function=\"scan_ticket\"}"), ==,
                     count_before + 5);
  g_assert_cmpfloat (sample (after, "gate_server_call_duration_seconds_bucket{function=\"scan_ticket\",le=\"+Inf\"}"),
                     ==, count_before + 5);
  g_assert_cmpfloat (sample (after, "gate_server_auth_failures_total"), ==, failures_before + 1);
  g_assert_cmpfloat (sample (after, "gate_server_pool_size"), ==, 8);
  g_assert_cmpfloat (sample (after, "gate_server_pool_connections"), ==, 8);
  g_assert_cmpfloat (sample (after, "gate_server_database_up"), ==, 1);
  g_assert_cmpfloat (sample (after, "gate_server_pool_queue"), >=, 0);
  g_assert_cmpfloat (sample (after, "gate_server_pool_reconnects_total"), ==, 0);
}

static void
test_metrics_unknown_functions_stay_other (void)
{
  g_autofree char *before = scrape ();
  g_autofree char *after = NULL;
  double other_before = MAX (sample (before, "gate_server_calls_total{function=\"other\",status=\"404\"}"), 0);
  g_auto(GStrv) before_lines = g_strsplit (before, "\n", -1);
  g_auto(GStrv) after_lines = NULL;

  /* A flood of made-up names, authenticated and not. */
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *name = g_strdup_printf ("made_up_%u", i);

      g_assert_cmpuint (post (backend.gate_token, name, "{}", NULL), ==, 404);
    }

  after = scrape ();
  after_lines = g_strsplit (after, "\n", -1);
  g_assert_null (strstr (after, "made_up_"));
  g_assert_cmpfloat (sample (after, "gate_server_calls_total{function=\"other\",status=\"404\"}"), ==,
                     other_before + 300);
  /* Counting did not add a single series. */
  g_assert_cmpuint (g_strv_length (after_lines), <=, g_strv_length (before_lines) + 2);
}

static void
test_metrics_not_on_api_port (void)
{
  g_autofree char *url = g_strconcat (backend.url, "/metrics", NULL);

  g_assert_cmpuint (get (url, NULL, NULL, NULL), ==, 404);
}

static void
test_metrics_only_get (void)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autofree char *url = g_strconcat (backend.metrics_url, "/metrics", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = soup_session_send_and_read (session, message, NULL, NULL);
  g_autofree char *other = g_strconcat (backend.metrics_url, "/rest/v1/rpc/scan_ticket", NULL);

  g_assert_nonnull (bytes);
  g_assert_cmpuint (soup_message_get_status (message), ==, 405);
  g_assert_cmpuint (get (other, NULL, NULL, NULL), ==, 404);
}

static void
test_metrics_labels_bounded (void)
{
  g_autoptr(GateMetrics) metrics = gate_metrics_new ();
  GateMetricsGauges gauges = { 0 };
  g_autofree char *text = NULL;

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *name = g_strdup_printf ("function_%u", i);

      gate_metrics_record_call (metrics, name, 200 + i % 400, 1000);
    }
  gate_metrics_record_call (metrics, "quote\"d\\name\n", 200, 1000);

  /* GATE_METRICS_MAX_FUNCTIONS names and "other", whatever came. */
  g_assert_cmpuint (gate_metrics_get_n_functions (metrics), ==, GATE_METRICS_MAX_FUNCTIONS + 1);
  text = gate_metrics_render (metrics, &gauges);
  g_assert_null (strstr (text, "function_999"));
  g_assert_nonnull (strstr (text, "status=\"4xx\""));
  g_assert_cmpstr (gate_metrics_status_label (418), ==, "4xx");
  g_assert_cmpstr (gate_metrics_status_label (503), ==, "503");
  g_assert_cmpstr (gate_metrics_status_label (0), ==, "1xx");
}

/* --- request ids ----------------------------------------------------------------- */

static void
test_request_id_echoed_when_sane (void)
{
  g_autofree char *url = g_strconcat (backend.url, "/healthz", NULL);
  g_autofree char *answered = NULL;

  g_assert_cmpuint (get (url, "b7f0c2de-1a2b-4c3d-8e9f-0123456789ab", NULL, &answered), ==, 200);
  g_assert_cmpstr (answered, ==, "b7f0c2de-1a2b-4c3d-8e9f-0123456789ab");
}

static void
test_request_id_replaced_when_odd (void)
{
  g_autofree char *url = g_strconcat (backend.url, "/healthz", NULL);
  g_autofree char *long_id = g_strnfill (GATE_REQUEST_ID_MAX + 1, 'a');
  const char *odd[] = { "has space", "quote\"", "semi;colon", long_id };

  for (guint i = 0; i < G_N_ELEMENTS (odd); i++)
    {
      g_autofree char *answered = NULL;

      g_assert_cmpuint (get (url, odd[i], NULL, &answered), ==, 200);
      g_assert_nonnull (answered);
      g_assert_cmpstr (answered, !=, odd[i]);
      g_assert_true (gate_log_request_id_is_sane (answered));
    }
}

static void
test_request_id_made_when_absent (void)
{
  g_autofree char *url = g_strconcat (backend.url, "/healthz", NULL);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  g_assert_cmpuint (get (url, NULL, NULL, &first), ==, 200);
  g_assert_cmpuint (get (url, NULL, NULL, &second), ==, 200);
  g_assert_true (gate_log_request_id_is_sane (first));
  g_assert_cmpstr (first, !=, second);
}

/* --- JSON logs --------------------------------------------------------------------- */

typedef struct
{
  const char *request_id;
  JsonObject *found;
} LogSearch;

/* Every line of the log is a JSON object; finds the one of a request. */
static gboolean
log_has_request (gpointer user_data)
{
  LogSearch *search = user_data;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (backend.log_path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      object = json_node_get_object (json_parser_get_root (parser));
      g_assert_true (json_object_has_member (object, "time"));
      g_assert_true (json_object_has_member (object, "level"));
      g_assert_true (json_object_has_member (object, "message"));
      if (g_strcmp0 (json_object_get_string_member_with_default (object, "request_id", NULL),
                     search->request_id) == 0)
        {
          search->found = json_object_ref (object);
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_log_json_line_for_refused_request_without_token (void)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autofree char *url = g_strconcat (backend.url, "/rest/v1/rpc/scan_ticket", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *log = NULL;
  const char *leaked = "gst_leaked-secret-token-value";
  LogSearch search = { "log-test-0001", NULL };

  soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", "Bearer gst_leaked-secret-token-value");
  soup_message_headers_replace (soup_message_get_request_headers (message), GATE_REQUEST_ID_HEADER,
                                search.request_id);
  bytes = soup_session_send_and_read (session, message, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (message), ==, 401);

  g_assert_true (gate_test_wait_until (NULL, log_has_request, &search, 10000));
  g_assert_cmpint (json_object_get_int_member (search.found, "status"), ==, 401);
  g_assert_cmpstr (json_object_get_string_member (search.found, "method"), ==, "POST");
  g_assert_cmpstr (json_object_get_string_member (search.found, "path"), ==, "/rest/v1/rpc/scan_ticket");
  json_object_unref (search.found);

  g_assert_true (g_file_get_contents (backend.log_path, &log, NULL, NULL));
  g_assert_null (strstr (log, leaked));
}

static void
test_log_format_text_and_json (void)
{
  const GLogField fields[] = {
    { "MESSAGE", "line \"one\"\n", -1 },
    { "GATE_STATUS", "503", -1 },
    { "GATE_DEVICE_ID", "\xff bad utf-8", -1 },
    { "PRIORITY", "5", -1 },
  };
  g_autofree char *json = gate_log_format_fields (GATE_LOG_JSON, G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS (fields));
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  g_assert_null (strchr (json, '\n'));
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "line \"one\"\n");
  g_assert_cmpint (json_object_get_int_member (object, "status"), ==, 503);
  g_assert_true (g_utf8_validate (json_object_get_string_member (object, "device_id"), -1, NULL));
  g_assert_false (json_object_has_member (object, "priority"));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *metrics_port = NULL;
  GateTestServerOptions options = { 0 };
  const char *args[] = { "--log-format", "json", "--metrics-listen", NULL, NULL };
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Operations tests", &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (backend.pg, "gate-ops", "gate", &backend.gate_id, &backend.gate_token,
                                       &error));

  dir = g_dir_make_tmp ("gate-operations-XXXXXX", &error);
  g_assert_no_error (error);
  backend.log_path = g_build_filename (dir, "gate-server.log", NULL);
  metrics_port = g_strdup_printf ("127.0.0.1:%u", gate_test_free_port ());
  args[3] = metrics_port;
  options.stderr_path = backend.log_path;
  backend.server = gate_test_server_new_with_options (gate_test_pg_get_conninfo (backend.pg), args, &options,
                                                      &error);
  g_assert_no_error (error);
  backend.url = gate_test_server_get_url (backend.server);
  backend.metrics_url = g_strconcat ("http://", metrics_port, NULL);
  g_assert_true (gate_test_wait_until (NULL, healthy, NULL, 10000));

  g_test_add_func ("/operations/log/json-line-for-refused-request-without-token",
                   test_log_json_line_for_refused_request_without_token);
  g_test_add_func ("/operations/metrics/counters-move-with-calls", test_metrics_counters_move_with_calls);
  g_test_add_func ("/operations/metrics/unknown-functions-stay-other", test_metrics_unknown_functions_stay_other);
  g_test_add_func ("/operations/metrics/not-on-api-port", test_metrics_not_on_api_port);
  g_test_add_func ("/operations/metrics/only-get", test_metrics_only_get);
  g_test_add_func ("/operations/metrics/labels-bounded", test_metrics_labels_bounded);
  g_test_add_func ("/operations/request-id/echoed-when-sane", test_request_id_echoed_when_sane);
  g_test_add_func ("/operations/request-id/replaced-when-odd", test_request_id_replaced_when_odd);
  g_test_add_func ("/operations/request-id/made-when-absent", test_request_id_made_when_absent);
  g_test_add_func ("/operations/log/format-text-and-json", test_log_format_text_and_json);

  result = g_test_run ();

  gate_test_server_free (backend.server);
  gate_test_pg_free (backend.pg);
  g_unlink (backend.log_path);
  g_rmdir (dir);
  return result;
}
