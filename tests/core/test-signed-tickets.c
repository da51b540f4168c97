/* test-signed-tickets.c — signed ticket codes through gatectl, as kiosks,
 * against a real PostgreSQL and gate-server (DESIGN.md §10, docs/signed-tickets.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "gate-test-harness.h"
#include "gate-ticket-code.h"

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *event;
  char           *other_event;
  char           *dir;
} backend;

typedef struct
{
  char *device_id;
  char *token;
  char *cache;
} Kiosk;

static Kiosk *
kiosk_new (const char *name)
{
  g_autoptr(GError) error = NULL;
  Kiosk *kiosk = g_new0 (Kiosk, 1);

  g_assert_true (gate_test_add_device (backend.pg, name, "gate", &kiosk->device_id, &kiosk->token, &error));
  g_assert_no_error (error);
  kiosk->cache = g_strdup_printf ("%s/%s.cache", backend.dir, kiosk->device_id);
  return kiosk;
}

static void
kiosk_free (Kiosk *kiosk)
{
  g_free (kiosk->device_id);
  g_free (kiosk->token);
  g_free (kiosk->cache);
  g_free (kiosk);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Kiosk, kiosk_free)

/* gatectl VERB --json [ARG] [FLAG] as @kiosk; its stdout. */
static char *
gatectl (Kiosk      *kiosk,
         const char *verb,
         const char *arg,
         const char *flag)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  const char *argv[6] = { g_getenv ("GATECTL"), verb, "--json", arg, arg != NULL ? flag : NULL, NULL };

  g_subprocess_launcher_setenv (launcher, "GATE_SERVER", gate_test_server_get_url (backend.server), TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_TOKEN", kiosk->token, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_DEVICE_ID", kiosk->device_id, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_EVENT", backend.event, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_CACHE", kiosk->cache, TRUE);

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error));
  g_assert_no_error (error);
  if (stderr_text != NULL && *stderr_text != '\0')
    g_test_message ("gatectl %s: %s", verb, stderr_text);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  return g_steal_pointer (&stdout_text);
}

static void
refresh (Kiosk *kiosk)
{
  g_autofree char *out = gatectl (kiosk, "refresh", NULL, NULL);
}

static void
sync_now (Kiosk *kiosk)
{
  g_autofree char *out = gatectl (kiosk, "sync", NULL, NULL);
}

/* The JSON line of `gatectl scan CODE --json [--offline]`. */
static char *
scan (Kiosk      *kiosk,
      const char *code,
      gboolean    offline)
{
  return gatectl (kiosk, "scan", code, offline ? "--offline" : NULL);
}

static char *
member (const char *json,
        const char *name)
{
  return gate_test_json_member (json, 0, name);
}

static gint64
pending (Kiosk *kiosk)
{
  g_autofree char *out = gatectl (kiosk, "status", NULL, NULL);
  g_autofree char *count = member (out, "pending_uploads");

  return g_ascii_strtoll (count, NULL, 10);
}

/* @count new signed tickets of @event, as a box office sells them. */
static char **
sell_signed (const char *event,
             guint       count,
             const char *type)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *count_text = g_strdup_printf ("%u", count);
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);

  out = gate_test_gatectl (&error, "tickets", "generate", "--db", gate_test_pg_get_conninfo (backend.pg), "--event",
                           event, "--count", count_text, "--type", type, "--signed", NULL);
  g_assert_no_error (error);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      {
        g_assert_true (g_str_has_prefix (lines[i], GATE_TICKET_CODE_PREFIX));
        g_ptr_array_add (codes, g_strdup (lines[i]));
      }
  g_assert_cmpuint (codes->len, ==, count);
  g_ptr_array_add (codes, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&codes), FALSE);
}

static char *
sell_one_signed (void)
{
  g_auto(GStrv) codes = sell_signed (backend.event, 1, "General");

  return g_strdup (codes[0]);
}

/* One value of a query run by the owner (psql -At). */
static char *
psql_value (const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *psql = g_find_program_in_path ("psql");
  g_autofree char *out = NULL;
  int status = 0;
  const char *argv[] = { psql, "-At", "-v", "ON_ERROR_STOP=1", "-d", gate_test_pg_get_conninfo (backend.pg), "-c",
                         sql, NULL };

  g_assert_nonnull (psql);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                               &status, &error));
  if (!g_spawn_check_wait_status (status, NULL))
    return NULL;
  return g_strstrip (g_steal_pointer (&out));
}

/* @code with one base32 character after the prefix changed, at @offset
 * from its end (a tampered print). */
static char *
tamper (const char *code,
        gsize       offset_from_end)
{
  char *copy = g_strdup (code);
  char *c = copy + strlen (copy) - offset_from_end;

  *c = *c == 'A' ? 'B' : 'A';
  return copy;
}

/* --- tests ---------------------------------------------------------------------- */

static void
test_sold_after_refresh_admitted_by_signature_uploaded_once (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("sold-after");
  g_autofree char *code = NULL;
  g_autofree char *first = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *source = NULL;
  g_autofree char *ticket_id = NULL;
  g_autofree char *type = NULL;
  g_autofree char *scan_id = NULL;
  g_autofree char *second = NULL;
  g_autofree char *second_verdict = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *rows_after = NULL;
  g_autofree char *status = NULL;
  g_autofree char *online = NULL;
  g_autofree char *online_verdict = NULL;
  GateTicketCode parsed;

  refresh (kiosk);
  code = sell_one_signed ();
  g_assert_true (gate_ticket_code_parse (code, &parsed, NULL));

  first = scan (kiosk, code, TRUE);
  verdict = member (first, "verdict");
  source = member (first, "source");
  ticket_id = member (first, "ticket_id");
  type = member (first, "ticket_type");
  scan_id = member (first, "client_scan_id");
  g_assert_cmpstr (verdict, ==, "admitted");
  g_assert_cmpstr (source, ==, "signature");
  g_assert_cmpstr (ticket_id, ==, parsed.ticket_id);
  g_assert_cmpstr (type, ==, "General");

  /* Recorded: the same code again at this gate is a second entry. */
  second = scan (kiosk, code, TRUE);
  second_verdict = member (second, "verdict");
  g_assert_cmpstr (second_verdict, ==, "already_scanned");
  g_assert_cmpint (pending (kiosk), ==, 1);

  /* Uploaded exactly once: the server knows the ticket it was sold as. */
  sync_now (kiosk);
  sync_now (kiosk);
  g_assert_cmpint (pending (kiosk), ==, 0);
  sql = g_strdup_printf ("SELECT count(*) FROM public.scan_logs WHERE client_scan_id = '%s' AND scan_success",
                         scan_id);
  rows = psql_value (sql);
  g_assert_cmpstr (rows, ==, "1");
  g_free (sql);
  sql = g_strdup_printf ("SELECT count(*) FROM public.scan_logs WHERE ticket_id = '%s'", parsed.ticket_id);
  rows_after = psql_value (sql);
  g_assert_cmpstr (rows_after, ==, "1");
  g_free (sql);
  sql = g_strdup_printf ("SELECT status FROM public.tickets WHERE id = '%s'", parsed.ticket_id);
  status = psql_value (sql);
  g_assert_cmpstr (status, ==, "scanned");

  /* And online, every gate now hears it was used. */
  online = scan (kiosk, code, FALSE);
  online_verdict = member (online, "verdict");
  g_assert_cmpstr (online_verdict, ==, "already_scanned");
}

static void
test_refresh_after_signature_admit_keeps_it (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("keep-signed");
  g_autofree char *code = NULL;
  g_autofree char *first = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *again = NULL;
  g_autofree char *again_verdict = NULL;
  g_autofree char *again_source = NULL;

  refresh (kiosk);
  code = sell_one_signed ();
  first = scan (kiosk, code, TRUE);
  verdict = member (first, "verdict");
  g_assert_cmpstr (verdict, ==, "admitted");

  /* The server still calls it valid: the delta must not undo the admit. */
  refresh (kiosk);
  again = scan (kiosk, code, TRUE);
  again_verdict = member (again, "verdict");
  again_source = member (again, "source");
  g_assert_cmpstr (again_verdict, ==, "already_scanned");
  g_assert_cmpstr (again_source, ==, "cache");
  g_assert_cmpint (pending (kiosk), ==, 1);
}

static void
test_tampered_never_admitted (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("tampered");
  g_autofree char *code = NULL;
  gsize length;

  refresh (kiosk);
  code = sell_one_signed ();
  length = strlen (code);

  /* In the signature, in the type, in the ticket id, in the event id. */
  for (gsize offset = 1; offset < length - strlen (GATE_TICKET_CODE_PREFIX); offset += 7)
    {
      g_autofree char *forged = tamper (code, offset);
      g_autofree char *out = scan (kiosk, forged, TRUE);
      g_autofree char *verdict = member (out, "verdict");

      g_assert_cmpstr (verdict, !=, "admitted");
    }
  {
    g_autofree char *forged = tamper (code, 5);
    g_autofree char *out = scan (kiosk, forged, TRUE);
    g_autofree char *verdict = member (out, "verdict");

    g_assert_cmpstr (verdict, ==, "invalid_code");
  }
  g_assert_cmpint (pending (kiosk), ==, 0);

  /* The genuine code still gets in afterwards. */
  {
    g_autofree char *out = scan (kiosk, code, TRUE);
    g_autofree char *verdict = member (out, "verdict");

    g_assert_cmpstr (verdict, ==, "admitted");
  }
}

static void
test_other_event_is_wrong_event (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("other-event");
  g_auto(GStrv) codes = NULL;
  g_autofree char *offline = NULL;
  g_autofree char *offline_verdict = NULL;
  g_autofree char *online = NULL;
  g_autofree char *online_verdict = NULL;

  refresh (kiosk);
  codes = sell_signed (backend.other_event, 1, "VIP");

  offline = scan (kiosk, codes[0], TRUE);
  offline_verdict = member (offline, "verdict");
  g_assert_cmpstr (offline_verdict, ==, "wrong_event");
  online = scan (kiosk, codes[0], FALSE);
  online_verdict = member (online, "verdict");
  g_assert_cmpstr (online_verdict, ==, "wrong_event");
  g_assert_cmpint (pending (kiosk), ==, 0);
}

static void
test_void_from_delta_wins_over_signature (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("void-wins");
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *voided = NULL;
  g_autofree char *out = NULL;
  g_autofree char *verdict = NULL;

  refresh (kiosk);
  code = sell_one_signed ();
  voided = gate_test_gatectl (&error, "ticket", "void", "--db", gate_test_pg_get_conninfo (backend.pg), code, NULL);
  g_assert_no_error (error);

  refresh (kiosk);
  out = scan (kiosk, code, TRUE);
  verdict = member (out, "verdict");
  g_assert_cmpstr (verdict, ==, "void");
  g_assert_cmpint (pending (kiosk), ==, 0);
}

static void
test_unsigned_codes_unchanged (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("unsigned");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) before = NULL;
  g_auto(GStrv) after = NULL;
  g_autofree char *known = NULL;
  g_autofree char *known_verdict = NULL;
  g_autofree char *known_source = NULL;
  g_autofree char *unknown = NULL;
  g_autofree char *unknown_verdict = NULL;

  before = gate_test_generate_tickets (backend.pg, backend.event, 1, "General", &error);
  g_assert_no_error (error);
  refresh (kiosk);
  after = gate_test_generate_tickets (backend.pg, backend.event, 1, "General", &error);
  g_assert_no_error (error);

  known = scan (kiosk, before[0], TRUE);
  known_verdict = member (known, "verdict");
  known_source = member (known, "source");
  g_assert_cmpstr (known_verdict, ==, "admitted");
  g_assert_cmpstr (known_source, ==, "cache");

  /* Nothing vouches for an unsigned code the cache has not seen. */
  unknown = scan (kiosk, after[0], TRUE);
  unknown_verdict = member (unknown, "verdict");
  g_assert_cmpstr (unknown_verdict, ==, "not_found");
}

static void
test_online_scan_of_signed_code (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("online");
  g_autofree char *code = NULL;
  g_autofree char *out = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *source = NULL;

  refresh (kiosk);
  code = sell_one_signed ();
  out = scan (kiosk, code, FALSE);
  verdict = member (out, "verdict");
  mode = member (out, "mode");
  source = member (out, "source");
  g_assert_cmpstr (verdict, ==, "admitted");
  g_assert_cmpstr (mode, ==, "online");
  g_assert_cmpstr (source, ==, "server");
}

static void
test_rotated_key_needs_a_refresh (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("rotate");
  g_autoptr(GError) error = NULL;
  g_autofree char *old_code = NULL;
  g_autofree char *keys = NULL;
  g_autofree char *new_code = NULL;
  g_autofree char *newer_code = NULL;
  g_autofree char *unknown_key = NULL;
  g_autofree char *unknown_verdict = NULL;
  g_autofree char *unknown_reason = NULL;
  g_autofree char *old_out = NULL;
  g_autofree char *old_verdict = NULL;
  g_autofree char *newer_out = NULL;
  g_autofree char *newer_verdict = NULL;
  g_autofree char *newer_source = NULL;
  GateTicketCode old_parsed;
  GateTicketCode new_parsed;

  refresh (kiosk);
  old_code = sell_one_signed ();
  keys = gate_test_gatectl (&error, "event", "keys", "--db", gate_test_pg_get_conninfo (backend.pg), "--event",
                            backend.event, "--rotate", NULL);
  g_assert_no_error (error);
  new_code = sell_one_signed ();
  g_assert_true (gate_ticket_code_parse (old_code, &old_parsed, NULL));
  g_assert_true (gate_ticket_code_parse (new_code, &new_parsed, NULL));
  g_assert_cmpuint (new_parsed.key_id, ==, old_parsed.key_id + 1);

  /* A key newer than this gate's refresh: it cannot tell, so it says so. */
  unknown_key = scan (kiosk, new_code, TRUE);
  unknown_verdict = member (unknown_key, "verdict");
  unknown_reason = member (unknown_key, "reason");
  g_assert_cmpstr (unknown_verdict, ==, "cannot_decide");
  g_assert_cmpstr (unknown_reason, ==, "cache_empty");

  /* Codes of the previous key stay good. */
  old_out = scan (kiosk, old_code, TRUE);
  old_verdict = member (old_out, "verdict");
  g_assert_cmpstr (old_verdict, ==, "admitted");

  refresh (kiosk);
  newer_code = sell_one_signed ();
  newer_out = scan (kiosk, newer_code, TRUE);
  newer_verdict = member (newer_out, "verdict");
  newer_source = member (newer_out, "source");
  g_assert_cmpstr (newer_verdict, ==, "admitted");
  g_assert_cmpstr (newer_source, ==, "signature");
}

static void
test_private_keys_stay_with_the_issuer (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("keys");
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *args = g_strdup_printf ("{\"p_event_id\":\"%s\"}", backend.event);
  g_autofree char *body = NULL;
  g_autofree char *public_key = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *seeds_as_device = NULL;
  g_autofree char *keys_as_device = NULL;
  g_autofree char *sql = NULL;
  guint status;

  g_free (sell_one_signed ());

  /* Gates get the public halves through event_keys(). */
  status = gate_test_rpc (session, gate_test_server_get_url (backend.server), kiosk->token, "event_keys", args, &body);
  g_assert_cmpuint (status, ==, 200);
  public_key = gate_test_json_member (body, 0, "public_key");
  g_assert_nonnull (public_key);
  g_assert_null (strstr (body, "seed"));
  sql = g_strdup_printf ("SELECT encode(public_key, 'base64') FROM public.event_signing_keys "
                         "WHERE event_id = '%s' ORDER BY key_id LIMIT 1", backend.event);
  stored = psql_value (sql);
  g_assert_cmpstr (public_key, ==, stored);

  /* The private halves are readable by no gate role, not even by SQL. */
  seeds_as_device = psql_value ("SET ROLE gate_device; SELECT count(*) FROM public.event_signing_seeds");
  g_assert_null (seeds_as_device);
  keys_as_device = psql_value ("SET ROLE gate_supervisor; SELECT count(*) FROM public.event_signing_seeds");
  g_assert_null (keys_as_device);
}

static void
test_event_keys_of_unsigned_event_is_empty (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("no-keys");
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *event = gate_test_create_event (backend.pg, "Unsigned", &error);
  g_autofree char *args = NULL;
  g_autofree char *body = NULL;

  g_assert_no_error (error);
  g_strstrip (event);
  args = g_strdup_printf ("{\"p_event_id\":\"%s\"}", event);
  g_assert_cmpuint (gate_test_rpc (session, gate_test_server_get_url (backend.server), kiosk->token, "event_keys",
                                   args, &body),
                    ==, 200);
  g_assert_cmpstr (g_strstrip (body), ==, "[]");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.dir = g_dir_make_tmp ("gate-signed-XXXXXX", &error);
  g_assert_no_error (error);
  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Signed tickets", &error);
  g_assert_no_error (error);
  backend.other_event = gate_test_create_event (backend.pg, "Another night", &error);
  g_assert_no_error (error);
  g_strstrip (backend.event);
  g_strstrip (backend.other_event);
  /* The event's key pair exists before any kiosk refreshes. */
  g_strfreev (sell_signed (backend.event, 1, "General"));
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/signed/offline/sold-after-refresh-admitted-and-uploaded-once",
                   test_sold_after_refresh_admitted_by_signature_uploaded_once);
  g_test_add_func ("/signed/offline/refresh-keeps-signature-admit", test_refresh_after_signature_admit_keeps_it);
  g_test_add_func ("/signed/offline/tampered-never-admitted", test_tampered_never_admitted);
  g_test_add_func ("/signed/offline/other-event-is-wrong-event", test_other_event_is_wrong_event);
  g_test_add_func ("/signed/offline/void-from-delta-wins", test_void_from_delta_wins_over_signature);
  g_test_add_func ("/signed/offline/unsigned-codes-unchanged", test_unsigned_codes_unchanged);
  g_test_add_func ("/signed/online/admitted-by-the-server", test_online_scan_of_signed_code);
  g_test_add_func ("/signed/keys/rotated-key-needs-a-refresh", test_rotated_key_needs_a_refresh);
  g_test_add_func ("/signed/keys/private-keys-stay-with-the-issuer", test_private_keys_stay_with_the_issuer);
  g_test_add_func ("/signed/keys/unsigned-event-has-none", test_event_keys_of_unsigned_event_is_empty);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_free (backend.event);
  g_free (backend.other_event);
  {
    g_autoptr(GDir) dir = g_dir_open (backend.dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *file = g_build_filename (backend.dir, name, NULL);

        g_unlink (file);
      }
    g_rmdir (backend.dir);
  }
  g_free (backend.dir);
  return result;
}
