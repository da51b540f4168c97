/* test-enroll.c — a device enrolled by its setup code through a real
 * gate-server and a real PostgreSQL (issue 14, docs/enrolment.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests that count failures speak from their own loopback address (Linux
 * routes all of 127.0.0.0/8 to lo), so that one test's block is not
 * another's.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>

#include "gate-enrolment.h"
#include "gate-test-harness.h"

#define MAX_FAILURES "3"

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *log_path;
  char           *event;
  char           *tmpdir;
} backend;

typedef struct
{
  guint  status;
  char  *body;
  char  *retry_after;
} Answer;

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->body, g_free);
  g_clear_pointer (&answer->retry_after, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

/* POST enroll_device with @json from the local @address, with @header:
 * @value as the only auth-ish header (NULL: none). */
static void
enrol_from (const char *address,
            const char *json,
            const char *header,
            const char *value,
            Answer     *answer)
{
  g_autoptr(GInetAddress) local = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) local_address = g_inet_socket_address_new (local, 0);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30,
                                                                  "local-address", local_address, NULL);
  g_autofree char *url = g_strconcat (gate_test_server_get_url (backend.server), "/rest/v1/rpc/enroll_device", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new (json, strlen (json));
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  if (header != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (message), header, value);
  soup_message_set_request_body_from_bytes (message, "application/json", request);
  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);

  answer->status = soup_message_get_status (message);
  answer->body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  answer->retry_after = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                                "Retry-After"));
}

static void
enrol_code_from (const char *address,
                 const char *code,
                 Answer     *answer)
{
  g_autofree char *json = g_strdup_printf ("{\"p_code\":\"%s\"}", code);

  enrol_from (address, json, NULL, NULL, answer);
}

/* `gatectl device add … --setup-code`; returns its JSON line. */
static char *
add_with_code (const char *name,
               const char *extra_arg)
{
  g_autoptr(GError) error = NULL;
  char *out = gate_test_gatectl (&error, "device", "add", "--db", gate_test_pg_get_conninfo (backend.pg),
                                 "--name", name, "--role", "gate", "--event", backend.event,
                                 "--server", gate_test_server_get_url (backend.server), "--setup-code",
                                 extra_arg, NULL);

  g_assert_no_error (error);
  g_assert_nonnull (out);
  return out;
}

static void
exec_sql (const char *sql,
          const char *param)
{
  g_autoptr(PGconn) conn = PQconnectdb (gate_test_pg_get_conninfo (backend.pg));
  g_autoptr(PGresult) result = PQexecParams (conn, sql, 1, NULL, &param, NULL, NULL, 0);

  g_assert_cmpint (PQresultStatus (result), ==, PGRES_COMMAND_OK);
  g_assert_cmpstr (PQcmdTuples (result), ==, "1");
}

static void
assert_scans_with (const char *device_id,
                   const char *token)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tickets = gate_test_generate_tickets (backend.pg, backend.event, 1, NULL, &error);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autofree char *scan_id = gate_test_uuid ();
  g_autofree char *json = NULL;
  g_autofree char *body = NULL;
  g_autofree char *verdict = NULL;

  g_assert_no_error (error);
  json = g_strdup_printf ("{\"p_qr_token\":\"%s\",\"p_event_id\":\"%s\",\"p_device_id\":\"%s\","
                          "\"p_client_scan_id\":\"%s\"}", tickets[0], backend.event, device_id, scan_id);
  g_assert_cmpuint (gate_test_rpc (session, gate_test_server_get_url (backend.server), token, "scan_ticket", json,
                                   &body), ==, 200);
  verdict = gate_test_json_member (body, 0, "verdict");
  g_assert_cmpstr (verdict, ==, "admitted");
}

/* --- the code ----------------------------------------------------------------- */

static void
test_device_add_prints_a_code_and_no_token (void)
{
  g_autofree char *out = add_with_code ("kiosk-print", NULL);
  g_autofree char *token = gate_test_json_member (out, 0, "token");
  g_autofree char *code = gate_test_json_member (out, 0, "setup_code");
  g_autofree char *uri = gate_test_json_member (out, 0, "setup_uri");
  g_autofree char *expires = gate_test_json_member (out, 0, "expires_at");
  g_autofree char *device_id = gate_test_json_member (out, 0, "device_id");
  g_autofree char *server = NULL;
  g_autofree char *parsed_code = NULL;
  g_autofree char *upper = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;

  g_assert_null (token);
  g_assert_nonnull (device_id);
  g_assert_cmpuint (strlen (code), ==, GATE_SETUP_CODE_LENGTH);
  g_assert_true (g_str_has_prefix (uri, GATE_SETUP_URI_PREFIX));

  /* A reader that folds case loses nothing. */
  upper = g_ascii_strup (uri, -1);
  g_assert_cmpstr (upper, ==, uri);
  g_assert_true (gate_setup_uri_parse (uri, &server, &parsed_code, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (server, ==, gate_test_server_get_url (backend.server));
  g_assert_cmpstr (parsed_code, ==, code);

  /* Fifteen minutes by default. */
  expiry = g_date_time_new_from_iso8601 (expires, NULL);
  g_assert_nonnull (expiry);
  g_assert_cmpint (g_date_time_difference (expiry, now), >, 14 * 60 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (g_date_time_difference (expiry, now), <=, 15 * 60 * G_TIME_SPAN_SECOND);
}

static void
test_code_works_once (void)
{
  g_autofree char *out = add_with_code ("kiosk-once", NULL);
  g_autofree char *code = gate_test_json_member (out, 0, "setup_code");
  g_autofree char *device_id = gate_test_json_member (out, 0, "device_id");
  g_auto(Answer) first = { 0 };
  g_auto(Answer) second = { 0 };
  g_autofree char *enrolled_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *event = NULL;
  g_autofree char *server = NULL;
  g_autofree char *message = NULL;

  enrol_code_from ("127.0.0.11", code, &first);
  g_assert_cmpuint (first.status, ==, 200);
  enrolled_id = gate_test_json_member (first.body, 0, "device_id");
  token = gate_test_json_member (first.body, 0, "token");
  event = gate_test_json_member (first.body, 0, "event_id");
  server = gate_test_json_member (first.body, 0, "server");
  g_assert_cmpstr (enrolled_id, ==, device_id);
  g_assert_true (g_str_has_prefix (token, "gst_"));
  g_assert_cmpstr (event, ==, backend.event);
  g_assert_cmpstr (server, ==, gate_test_server_get_url (backend.server));

  enrol_code_from ("127.0.0.11", code, &second);
  g_assert_cmpuint (second.status, ==, 409);
  message = gate_test_json_member (second.body, 0, "message");
  g_assert_cmpstr (message, ==, "setup code already used");
  g_assert_null (strstr (second.body, "gst_"));
}

static void
test_token_scans_after_enrolment (void)
{
  g_autofree char *out = add_with_code ("kiosk-scan", NULL);
  g_autofree char *code = gate_test_json_member (out, 0, "setup_code");
  g_auto(Answer) answer = { 0 };
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;

  enrol_code_from ("127.0.0.12", code, &answer);
  g_assert_cmpuint (answer.status, ==, 200);
  device_id = gate_test_json_member (answer.body, 0, "device_id");
  token = gate_test_json_member (answer.body, 0, "token");
  assert_scans_with (device_id, token);
}

static void
test_expired_code_is_refused (void)
{
  g_autofree char *out = add_with_code ("kiosk-late", NULL);
  g_autofree char *code = gate_test_json_member (out, 0, "setup_code");
  g_autofree char *device_id = gate_test_json_member (out, 0, "device_id");
  g_auto(Answer) answer = { 0 };
  g_autofree char *message = NULL;

  /* As if fifteen minutes had passed. */
  exec_sql ("UPDATE public.device_setup_codes SET created_at = now() - interval '1 hour', "
            "expires_at = now() - interval '1 second' WHERE device_id = $1", device_id);

  enrol_code_from ("127.0.0.13", code, &answer);
  g_assert_cmpuint (answer.status, ==, 410);
  message = gate_test_json_member (answer.body, 0, "message");
  g_assert_cmpstr (message, ==, "setup code expired");
}

static void
test_revoked_device_cannot_enrol (void)
{
  g_autofree char *out = add_with_code ("kiosk-revoked", NULL);
  g_autofree char *code = gate_test_json_member (out, 0, "setup_code");
  g_autofree char *device_id = gate_test_json_member (out, 0, "device_id");
  g_autoptr(GError) error = NULL;
  g_autofree char *revoked = gate_test_gatectl (&error, "device", "revoke", "--db",
                                                gate_test_pg_get_conninfo (backend.pg), device_id, NULL);
  g_auto(Answer) answer = { 0 };

  g_assert_no_error (error);
  enrol_code_from ("127.0.0.14", code, &answer);
  g_assert_cmpuint (answer.status, ==, 410);
}

static void
test_wrong_code_is_refused (void)
{
  g_auto(Answer) answer = { 0 };
  g_autofree char *message = NULL;

  enrol_code_from ("127.0.0.15", "AAAAAAAAAAAAAAAA", &answer);
  g_assert_cmpuint (answer.status, ==, 400);
  message = gate_test_json_member (answer.body, 0, "message");
  g_assert_cmpstr (message, ==, "unknown setup code");
}

static void
test_code_is_read_in_any_case_and_with_dashes (void)
{
  g_autofree char *out = add_with_code ("kiosk-typed", NULL);
  g_autofree char *code = gate_test_json_member (out, 0, "setup_code");
  g_autofree char *lower = g_ascii_strdown (code, -1);
  g_autofree char *typed = g_strdup_printf ("%.4s-%.4s %.4s-%s", lower, lower + 4, lower + 8, lower + 12);
  g_auto(Answer) answer = { 0 };

  enrol_code_from ("127.0.0.16", typed, &answer);
  g_assert_cmpuint (answer.status, ==, 200);
}

/* --- the defences ------------------------------------------------------------- */

static void
test_flood_of_guesses_is_limited (void)
{
  g_autofree char *out = add_with_code ("kiosk-flood", NULL);
  g_autofree char *code = gate_test_json_member (out, 0, "setup_code");
  guint max = (guint) g_ascii_strtoull (MAX_FAILURES, NULL, 10);
  g_auto(Answer) blocked = { 0 };
  g_auto(Answer) real = { 0 };
  g_auto(Answer) elsewhere = { 0 };

  for (guint i = 0; i < max; i++)
    {
      g_auto(Answer) guess = { 0 };
      g_autofree char *guessed = g_strdup_printf ("GUESS%011u", i);

      enrol_code_from ("127.0.0.17", guessed, &guess);
      g_assert_cmpuint (guess.status, ==, 400);
    }

  /* Blocked: answered without asking the database, whatever the code. */
  enrol_code_from ("127.0.0.17", "GUESSGUESSGUESS9", &blocked);
  g_assert_cmpuint (blocked.status, ==, 429);
  g_assert_nonnull (blocked.retry_after);
  g_assert_cmpuint (g_ascii_strtoull (blocked.retry_after, NULL, 10), >=, 1);
  enrol_code_from ("127.0.0.17", code, &real);
  g_assert_cmpuint (real.status, ==, 429);

  /* The code itself was not spent: another address enrolls with it. */
  enrol_code_from ("127.0.0.18", code, &elsewhere);
  g_assert_cmpuint (elsewhere.status, ==, 200);
}

static void
test_malformed_bodies_are_refused_and_counted (void)
{
  g_auto(Answer) array = { 0 };
  g_auto(Answer) number = { 0 };
  g_auto(Answer) extra = { 0 };
  g_auto(Answer) blocked = { 0 };

  enrol_from ("127.0.0.19", "[\"p_code\"]", NULL, NULL, &array);
  g_assert_cmpuint (array.status, ==, 400);
  enrol_from ("127.0.0.19", "{\"p_code\":12345}", NULL, NULL, &number);
  g_assert_cmpuint (number.status, ==, 400);
  enrol_from ("127.0.0.19", "{\"p_code\":\"A\",\"p_device_id\":\"dev-x\"}", NULL, NULL, &extra);
  g_assert_cmpuint (extra.status, ==, 404);
  enrol_from ("127.0.0.19", "{\"p_code\":\"A\"}", NULL, NULL, &blocked);
  g_assert_cmpuint (blocked.status, ==, 429);
}

static void
test_large_body_is_refused_from_its_head (void)
{
  g_autofree char *padding = g_strnfill (5000, ' ');
  g_autofree char *json = g_strconcat ("{\"p_code\":\"AAAAAAAAAAAAAAAA\"", padding, "}", NULL);
  g_auto(Answer) answer = { 0 };

  enrol_from ("127.0.0.20", json, NULL, NULL, &answer);
  g_assert_cmpuint (answer.status, ==, 413);
}

static void
test_apikey_and_bearer_are_not_looked_up (void)
{
  g_autofree char *out = add_with_code ("kiosk-anon", NULL);
  g_autofree char *code = gate_test_json_member (out, 0, "setup_code");
  g_autofree char *json = g_strdup_printf ("{\"p_code\":\"%s\"}", code);
  g_auto(Answer) with_apikey = { 0 };
  g_auto(Answer) with_bearer = { 0 };

  /* Supabase's anon key: not a device token, and no failed login. */
  enrol_from ("127.0.0.21", "{\"p_code\":\"AAAAAAAAAAAAAAAA\"}", "Authorization", "Bearer not-a-device-token",
              &with_bearer);
  g_assert_cmpuint (with_bearer.status, ==, 400);
  enrol_from ("127.0.0.21", json, "apikey", "eyJhbGciOiJIUzI1NiJ9.anon", &with_apikey);
  g_assert_cmpuint (with_apikey.status, ==, 200);
}

static void
test_other_functions_still_need_a_token (void)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);
  g_autofree char *body = NULL;

  g_assert_cmpuint (gate_test_rpc (session, gate_test_server_get_url (backend.server), NULL, "event_summary", json,
                                   &body), ==, 401);
}

static void
test_token_is_not_logged (void)
{
  g_autofree char *out = add_with_code ("kiosk-log", NULL);
  g_autofree char *code = gate_test_json_member (out, 0, "setup_code");
  g_auto(Answer) answer = { 0 };
  g_autofree char *token = NULL;
  g_autofree char *log = NULL;

  enrol_code_from ("127.0.0.22", code, &answer);
  g_assert_cmpuint (answer.status, ==, 200);
  token = gate_test_json_member (answer.body, 0, "token");
  g_assert_true (g_file_get_contents (backend.log_path, &log, NULL, NULL));
  g_assert_null (strstr (log, token));
  g_assert_null (strstr (log, code));
}

/* --- gatectl ------------------------------------------------------------------ */

static void
test_gatectl_enroll_writes_a_private_token_file (void)
{
  g_autofree char *out = add_with_code ("kiosk-gatectl", NULL);
  g_autofree char *uri = gate_test_json_member (out, 0, "setup_uri");
  g_autofree char *device_id = gate_test_json_member (out, 0, "device_id");
  g_autofree char *lower = g_ascii_strdown (uri, -1);
  g_autofree char *token_file = g_build_filename (backend.tmpdir, "token", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *enrolled = NULL;
  g_autofree char *printed_token = NULL;
  g_autofree char *enrolled_id = NULL;
  g_autofree char *token = NULL;
  GStatBuf st;

  /* Folded to lower case on the way, as some readers do. */
  enrolled = gate_test_gatectl (&error, "enroll", "--uri", lower, "--token-file", token_file, NULL);
  g_assert_no_error (error);
  printed_token = gate_test_json_member (enrolled, 0, "token");
  enrolled_id = gate_test_json_member (enrolled, 0, "device_id");
  g_assert_null (printed_token);
  g_assert_cmpstr (enrolled_id, ==, device_id);

  g_assert_cmpint (g_stat (token_file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (token_file, &token, NULL, NULL));
  g_strchomp (token);
  assert_scans_with (device_id, token);
}

static void
test_gatectl_writes_the_qr_as_png (void)
{
  g_autofree char *png = g_build_filename (backend.tmpdir, "setup.png", NULL);
  g_autofree char *qr_arg = g_strconcat ("--qr=", png, NULL);
  g_autofree char *out = add_with_code ("kiosk-png", qr_arg);
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (png, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 8);
  g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
}

int
main (int   argc,
      char *argv[])
{
  const char *args[] = { "--auth-failures", MAX_FAILURES, "--auth-window", "60", NULL };
  GateTestServerOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.tmpdir = g_dir_make_tmp ("gate-enroll-XXXXXX", &error);
  g_assert_no_error (error);
  backend.log_path = g_build_filename (backend.tmpdir, "gate-server.log", NULL);
  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Enrolment", &error);
  g_assert_no_error (error);
  options.stderr_path = backend.log_path;
  backend.server = gate_test_server_new_with_options (gate_test_pg_get_conninfo (backend.pg), args, &options, &error);
  g_assert_no_error (error);

  g_test_add_func ("/server/enroll/device-add-prints-a-code-and-no-token", test_device_add_prints_a_code_and_no_token);
  g_test_add_func ("/server/enroll/code-works-once", test_code_works_once);
  g_test_add_func ("/server/enroll/token-scans-after-enrolment", test_token_scans_after_enrolment);
  g_test_add_func ("/server/enroll/expired-code-is-refused", test_expired_code_is_refused);
  g_test_add_func ("/server/enroll/revoked-device-cannot-enrol", test_revoked_device_cannot_enrol);
  g_test_add_func ("/server/enroll/wrong-code-is-refused", test_wrong_code_is_refused);
  g_test_add_func ("/server/enroll/code-is-read-in-any-case-and-with-dashes",
                   test_code_is_read_in_any_case_and_with_dashes);
  g_test_add_func ("/server/enroll/flood-of-guesses-is-limited", test_flood_of_guesses_is_limited);
  g_test_add_func ("/server/enroll/malformed-bodies-are-refused-and-counted",
                   test_malformed_bodies_are_refused_and_counted);
  g_test_add_func ("/server/enroll/large-body-is-refused-from-its-head", test_large_body_is_refused_from_its_head);
  g_test_add_func ("/server/enroll/apikey-and-bearer-are-not-looked-up", test_apikey_and_bearer_are_not_looked_up);
  g_test_add_func ("/server/enroll/other-functions-still-need-a-token", test_other_functions_still_need_a_token);
  g_test_add_func ("/server/enroll/token-is-not-logged", test_token_is_not_logged);
  g_test_add_func ("/server/enroll/gatectl-enroll-writes-a-private-token-file",
                   test_gatectl_enroll_writes_a_private_token_file);
  g_test_add_func ("/server/enroll/gatectl-writes-the-qr-as-png", test_gatectl_writes_the_qr_as_png);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  {
    const char *names[] = { "gate-server.log", "token", "setup.png" };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (backend.tmpdir, names[i], NULL);

        g_unlink (path);
      }
    g_rmdir (backend.tmpdir);
  }
  g_free (backend.event);
  g_free (backend.log_path);
  g_free (backend.tmpdir);
  return result;
}
