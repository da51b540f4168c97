/* test-auth-limit.c — gate-server limits failed authentications per client
 * address; real gate-server processes against a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test speaks from its own loopback address (Linux routes all of
 * 127.0.0.0/8 to lo), so that one test's block is not another's.
 */
#include "config.h"

#include <libsoup/soup.h>

#include "gate-auth-limiter.h"
#include "gate-test-harness.h"

#define MAX_FAILURES "3"

static struct
{
  GateTestPg     *pg;
  /* Blocks for a minute: longer than any test takes. */
  GateTestServer *server;
  /* Blocks for two seconds, for the test that waits the block out. */
  GateTestServer *brief;
  char           *event;
  char           *gate_token;
} backend;

typedef struct
{
  guint  status;
  char  *code;
  char  *retry_after;
} Answer;

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->code, g_free);
  g_clear_pointer (&answer->retry_after, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

/* POST event_summary to @server with @token, from the local @address. */
static void
call_from (GateTestServer *server,
           const char     *address,
           const char     *token,
           Answer         *answer)
{
  g_autoptr(GInetAddress) local = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) local_address = g_inet_socket_address_new (local, 0);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30,
                                                                  "local-address", local_address, NULL);
  g_autofree char *url = g_strconcat (gate_test_server_get_url (server), "/rest/v1/rpc/event_summary", NULL);
  g_autofree char *json = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new (json, strlen (json));
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", bearer);
  soup_message_set_request_body_from_bytes (message, "application/json", request);
  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);

  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  answer->status = soup_message_get_status (message);
  answer->code = gate_test_json_member (text, 0, "code");
  answer->retry_after = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                                "Retry-After"));
}

static guint
status_from (GateTestServer *server,
             const char     *address,
             const char     *token)
{
  g_auto(Answer) answer = { 0 };

  call_from (server, address, token, &answer);
  return answer.status;
}

/* Uses up @address's failures on @server. */
static void
block (GateTestServer *server,
       const char     *address)
{
  guint max = (guint) g_ascii_strtoull (MAX_FAILURES, NULL, 10);

  for (guint i = 0; i < max; i++)
    g_assert_cmpuint (status_from (server, address, "gst_guessed-token"), ==, 401);
}

/* --- gate-server -------------------------------------------------------------- */

static void
test_failed_attempts_are_limited (void)
{
  g_auto(Answer) answer = { 0 };
  guint retry_after;

  block (backend.server, "127.0.0.3");

  call_from (backend.server, "127.0.0.3", "gst_another-guess", &answer);
  g_assert_cmpuint (answer.status, ==, 429);
  g_assert_cmpstr (answer.code, ==, "PGRST429");
  g_assert_nonnull (answer.retry_after);
  retry_after = (guint) g_ascii_strtoull (answer.retry_after, NULL, 10);
  g_assert_cmpuint (retry_after, >=, 1);
  g_assert_cmpuint (retry_after, <=, 60);
}

static void
test_new_device_passes_a_blocked_address (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  /* A kiosk enrolled after the server read the active tokens, behind the
   * guesser's NAT: told apart by the database's list, not turned away. */
  g_assert_true (gate_test_add_device (backend.pg, "new-gate", "gate", NULL, &token, &error));
  block (backend.server, "127.0.0.4");

  g_assert_cmpuint (status_from (backend.server, "127.0.0.4", token), ==, 200);
  g_assert_cmpuint (status_from (backend.server, "127.0.0.4", "gst_guessed-token"), ==, 429);
}

static void
test_valid_token_passes_a_blocked_address_after_restart (void)
{
  const char *args[] = { "--auth-failures", MAX_FAILURES, "--auth-window", "60", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestServer) restarted = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), args, &error);

  g_assert_no_error (error);

  /* A fresh process has seen no kiosk yet; ten bad tokens from the shared
   * address come first. */
  block (restarted, "127.0.0.11");
  g_assert_cmpuint (status_from (restarted, "127.0.0.11", "gst_another-guess"), ==, 429);

  g_assert_cmpuint (status_from (restarted, "127.0.0.11", backend.gate_token), ==, 200);
}

static void
test_known_token_passes_a_blocked_address (void)
{
  /* Kiosks behind the guesser's NAT or TLS proxy keep working. */
  g_assert_cmpuint (status_from (backend.server, "127.0.0.1", backend.gate_token), ==, 200);
  block (backend.server, "127.0.0.6");

  g_assert_cmpuint (status_from (backend.server, "127.0.0.6", backend.gate_token), ==, 200);
  g_assert_cmpuint (status_from (backend.server, "127.0.0.6", "gst_guessed-token"), ==, 429);
}

static void
test_successes_do_not_reset_the_count (void)
{
  g_assert_cmpuint (status_from (backend.server, "127.0.0.7", "gst_guessed-token"), ==, 401);
  g_assert_cmpuint (status_from (backend.server, "127.0.0.7", "gst_guessed-token"), ==, 401);
  g_assert_cmpuint (status_from (backend.server, "127.0.0.7", backend.gate_token), ==, 200);
  g_assert_cmpuint (status_from (backend.server, "127.0.0.7", "gst_guessed-token"), ==, 401);

  g_assert_cmpuint (status_from (backend.server, "127.0.0.7", "gst_guessed-token"), ==, 429);
}

static void
test_other_address_is_unaffected (void)
{
  block (backend.server, "127.0.0.8");

  g_assert_cmpuint (status_from (backend.server, "127.0.0.9", "gst_guessed-token"), ==, 401);
  g_assert_cmpuint (status_from (backend.server, "127.0.0.8", "gst_guessed-token"), ==, 429);
}

static gboolean
guess_is_answered_401 (gpointer user_data)
{
  if (status_from (backend.brief, user_data, "gst_guessed-token") == 401)
    return TRUE;

  /* Still blocked: a short beat before asking again. */
  g_usleep (50 * 1000);
  return FALSE;
}

static void
test_block_ends_with_the_window (void)
{
  gint64 blocked_at;

  block (backend.brief, "127.0.0.10");
  blocked_at = g_get_monotonic_time ();
  g_assert_cmpuint (status_from (backend.brief, "127.0.0.10", "gst_guessed-token"), ==, 429);

  g_assert_true (gate_test_wait_until (NULL, guess_is_answered_401, (gpointer) "127.0.0.10", 10000));
  g_test_message ("blocked for %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - blocked_at) / 1000);
}

/* --- the limiter alone -------------------------------------------------------- */

static void
test_limiter_memory_is_bounded (void)
{
  g_autoptr(GateAuthLimiter) limiter = gate_auth_limiter_new (3, 60);

  for (guint i = 0; i < GATE_AUTH_LIMITER_MAX_ADDRESSES + 1000; i++)
    {
      g_autofree char *address = g_strdup_printf ("10.%u.%u.%u", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);

      gate_auth_limiter_add_failure (limiter, address);
    }

  g_assert_cmpuint (gate_auth_limiter_get_n_tracked (limiter), ==, GATE_AUTH_LIMITER_MAX_ADDRESSES);
  /* The oldest windows made room; the newest are still counted. */
  g_assert_false (gate_auth_limiter_is_blocked (limiter, "10.0.0.0", NULL));
  for (guint i = 0; i < 2; i++)
    gate_auth_limiter_add_failure (limiter, "10.0.66.231");
  g_assert_true (gate_auth_limiter_is_blocked (limiter, "10.0.66.231", NULL));
}

static void
test_limiter_zero_turns_limiting_off (void)
{
  g_autoptr(GateAuthLimiter) limiter = gate_auth_limiter_new (0, 60);

  for (guint i = 0; i < 100; i++)
    gate_auth_limiter_add_failure (limiter, "192.0.2.1");

  g_assert_false (gate_auth_limiter_is_blocked (limiter, "192.0.2.1", NULL));
  g_assert_cmpuint (gate_auth_limiter_get_n_tracked (limiter), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  const char *long_window[] = { "--auth-failures", MAX_FAILURES, "--auth-window", "60", NULL };
  const char *short_window[] = { "--auth-failures", MAX_FAILURES, "--auth-window", "2", NULL };
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Auth limit", &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (backend.pg, "gate-1", "gate", NULL, &backend.gate_token, &error));
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), long_window, &error);
  g_assert_no_error (error);
  backend.brief = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), short_window, &error);
  g_assert_no_error (error);

  g_test_add_func ("/server/auth/failed-attempts-are-limited", test_failed_attempts_are_limited);
  g_test_add_func ("/server/auth/new-device-passes-a-blocked-address", test_new_device_passes_a_blocked_address);
  g_test_add_func ("/server/auth/valid-token-passes-a-blocked-address-after-restart",
                   test_valid_token_passes_a_blocked_address_after_restart);
  g_test_add_func ("/server/auth/known-token-passes-a-blocked-address", test_known_token_passes_a_blocked_address);
  g_test_add_func ("/server/auth/successes-do-not-reset-the-count", test_successes_do_not_reset_the_count);
  g_test_add_func ("/server/auth/other-address-is-unaffected", test_other_address_is_unaffected);
  g_test_add_func ("/server/auth/block-ends-with-the-window", test_block_ends_with_the_window);
  g_test_add_func ("/server/auth-limiter/memory-is-bounded", test_limiter_memory_is_bounded);
  g_test_add_func ("/server/auth-limiter/zero-turns-limiting-off", test_limiter_zero_turns_limiting_off);

  result = g_test_run ();

  g_clear_pointer (&backend.brief, gate_test_server_free);
  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_free (backend.event);
  g_free (backend.gate_token);
  return result;
}
