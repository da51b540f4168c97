/* test-offline-flow.c — gatectl's client verbs, as kiosks, against a real
 * PostgreSQL and gate-server, with faults injected between them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gate-error.h"
#include "gate-session.h"
#include "gate-test-harness.h"
#include "gate-test-proxy.h"

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *event;
  char          **tickets;
  guint           next_ticket;
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

/* Run gatectl VERB as @kiosk against @server (NULL: the real one). Returns
 * the exit status; *@out gets stdout. */
static int
gatectl (Kiosk       *kiosk,
         const char  *server,
         char       **out,
         const char  *verb,
         const char  *arg,
         const char  *flag)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  const char *argv[8] = { g_getenv ("GATECTL"), verb, "--json", NULL, NULL, NULL };
  guint argc = 3;

  if (arg != NULL)
    argv[argc++] = arg;
  if (flag != NULL)
    argv[argc++] = flag;

  g_subprocess_launcher_setenv (launcher, "GATE_SERVER", server ? server : gate_test_server_get_url (backend.server),
                                TRUE);
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
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  return g_subprocess_get_exit_status (process);
}

static char *
member (const char *json,
        const char *name)
{
  return gate_test_json_member (json, 0, name);
}

static const char *
fresh_ticket (void)
{
  return backend.tickets[backend.next_ticket++];
}

static void
refresh (Kiosk *kiosk)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (gatectl (kiosk, NULL, &out, "refresh", NULL, NULL), ==, 0);
}

static char *
scan (Kiosk      *kiosk,
      const char *server,
      const char *token,
      gboolean    offline,
      const char *field)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (gatectl (kiosk, server, &out, "scan", token, offline ? "--offline" : NULL), ==, 0);
  return member (out, field);
}

static gint64
pending (Kiosk *kiosk)
{
  g_autofree char *out = NULL;
  g_autofree char *count = NULL;

  g_assert_cmpint (gatectl (kiosk, NULL, &out, "status", NULL, NULL), ==, 0);
  count = member (out, "pending_uploads");
  return g_ascii_strtoll (count, NULL, 10);
}

static gint64
server_scan_rows (const char *client_scan_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM scan_logs WHERE client_scan_id = '%s'",
                                          client_scan_id);
  g_autofree char *psql = g_find_program_in_path ("psql");
  g_autofree char *out = NULL;
  const char *argv[] = { psql, "-At", "-d", gate_test_pg_get_conninfo (backend.pg), "-c", sql, NULL };

  g_assert_nonnull (psql);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, NULL, NULL, &error));
  return g_ascii_strtoll (out, NULL, 10);
}

/* --- tests ---------------------------------------------------------------------- */

static void
test_refresh_keeps_unuploaded_offline_admit (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("keep");
  const char *ticket = fresh_ticket ();
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  refresh (kiosk);
  first = scan (kiosk, NULL, ticket, TRUE, "verdict");
  g_assert_cmpstr (first, ==, "admitted");

  /* The server still says "valid": the refresh must not believe it. */
  refresh (kiosk);
  second = scan (kiosk, NULL, ticket, TRUE, "verdict");
  g_assert_cmpstr (second, ==, "already_scanned");
  g_assert_cmpint (pending (kiosk), ==, 1);
}

typedef struct
{
  Kiosk      *kiosk;
  const char *ticket;
  char       *verdict;
} Racer;

static gpointer
race (gpointer user_data)
{
  Racer *racer = user_data;

  racer->verdict = scan (racer->kiosk, NULL, racer->ticket, TRUE, "verdict");
  return NULL;
}

static void
test_processes_sharing_a_cache_admit_once (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("shared");
  const char *ticket = fresh_ticket ();
  Racer racers[4] = { 0 };
  GThread *threads[4];
  guint admitted = 0;

  refresh (kiosk);
  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    {
      racers[i].kiosk = kiosk;
      racers[i].ticket = ticket;
      threads[i] = g_thread_new ("racer", race, &racers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    {
      g_thread_join (threads[i]);
      if (g_strcmp0 (racers[i].verdict, "admitted") == 0)
        admitted++;
      else
        g_assert_cmpstr (racers[i].verdict, ==, "already_scanned");
      g_free (racers[i].verdict);
    }
  g_assert_cmpuint (admitted, ==, 1);
}

static void
test_online_timeout_falls_back_offline_and_upload_replays (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("slow-link");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &error);
  const char *ticket = fresh_ticket ();
  g_autofree char *out = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *scan_id = NULL;
  g_autofree char *conflicts = NULL;

  g_assert_no_error (error);
  refresh (kiosk);

  /* The server gets the scan and admits it; the answer comes too late. */
  gate_test_proxy_set_mode (proxy, GATE_TEST_PROXY_DELAY);
  gate_test_proxy_set_delay (proxy, 4000);
  g_assert_cmpint (gatectl (kiosk, gate_test_proxy_get_url (proxy), &out, "scan", ticket, NULL), ==, 0);
  verdict = member (out, "verdict");
  mode = member (out, "mode");
  scan_id = member (out, "client_scan_id");
  g_assert_cmpstr (verdict, ==, "admitted");
  g_assert_cmpstr (mode, ==, "offline");
  g_assert_cmpint (server_scan_rows (scan_id), ==, 1);

  /* The upload of the same client_scan_id is a replay, not a conflict. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (gatectl (kiosk, NULL, &out, "sync", NULL, NULL), ==, 0);
  g_assert_cmpint (pending (kiosk), ==, 0);
  g_assert_cmpint (server_scan_rows (scan_id), ==, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (gatectl (kiosk, NULL, &out, "conflicts", NULL, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
}

static void
test_lost_upload_response_replays_exactly_once (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("lossy");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &error);
  const char *ticket = fresh_ticket ();
  g_autofree char *scan_id = NULL;
  g_autofree char *out = NULL;

  refresh (kiosk);
  scan_id = scan (kiosk, NULL, ticket, TRUE, "client_scan_id");

  /* The server commits the batch, the answer is lost: the scan stays queued. */
  gate_test_proxy_set_mode (proxy, GATE_TEST_PROXY_LOSE_RESPONSE);
  g_assert_cmpint (gatectl (kiosk, gate_test_proxy_get_url (proxy), &out, "sync", NULL, NULL), ==, 3);
  g_assert_cmpint (server_scan_rows (scan_id), ==, 1);
  g_assert_cmpint (pending (kiosk), ==, 1);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (gatectl (kiosk, NULL, &out, "sync", NULL, NULL), ==, 0);
  g_assert_cmpint (pending (kiosk), ==, 0);
  g_assert_cmpint (server_scan_rows (scan_id), ==, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (gatectl (kiosk, NULL, &out, "conflicts", NULL, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
}

static void
test_bad_server_answers_lose_nothing (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("hostile");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &error);
  const GateTestProxyMode faults[] = {
    GATE_TEST_PROXY_GARBAGE, GATE_TEST_PROXY_STATUS_500, GATE_TEST_PROXY_STATUS_503, GATE_TEST_PROXY_TRUNCATE,
    GATE_TEST_PROXY_REFUSE, GATE_TEST_PROXY_RESET,
  };
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *out = NULL;

  refresh (kiosk);
  first = scan (kiosk, NULL, fresh_ticket (), TRUE, "client_scan_id");
  second = scan (kiosk, NULL, fresh_ticket (), TRUE, "client_scan_id");

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autofree char *fault_out = NULL;

      gate_test_proxy_set_mode (proxy, faults[i]);
      g_assert_cmpint (gatectl (kiosk, gate_test_proxy_get_url (proxy), &fault_out, "sync", NULL, NULL), !=, 0);
      g_assert_cmpint (pending (kiosk), ==, 2);
    }

  g_assert_cmpint (gatectl (kiosk, NULL, &out, "sync", NULL, NULL), ==, 0);
  g_assert_cmpint (pending (kiosk), ==, 0);
  g_assert_cmpint (server_scan_rows (first), ==, 1);
  g_assert_cmpint (server_scan_rows (second), ==, 1);
}

static void
test_two_devices_conflict_visible_on_both (void)
{
  g_autoptr(Kiosk) north = kiosk_new ("north");
  g_autoptr(Kiosk) south = kiosk_new ("south");
  const char *ticket = fresh_ticket ();
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *out_north = NULL;
  g_autofree char *out_south = NULL;
  g_autofree char *result_north = NULL;
  g_autofree char *result_south = NULL;

  refresh (north);
  refresh (south);
  /* Both gates are cut off and admit the same ticket. */
  a = scan (north, NULL, ticket, TRUE, "verdict");
  b = scan (south, NULL, ticket, TRUE, "verdict");
  g_assert_cmpstr (a, ==, "admitted");
  g_assert_cmpstr (b, ==, "admitted");

  g_assert_cmpint (gatectl (north, NULL, NULL, "sync", NULL, NULL), ==, 0);
  g_assert_cmpint (gatectl (south, NULL, NULL, "sync", NULL, NULL), ==, 0);

  g_assert_cmpint (gatectl (north, NULL, &out_north, "conflicts", NULL, NULL), ==, 0);
  g_assert_cmpint (gatectl (south, NULL, &out_south, "conflicts", NULL, NULL), ==, 0);
  result_north = member (out_north, "result");
  result_south = member (out_south, "result");
  /* North scanned first (earlier clock reading), so north won. */
  g_assert_cmpstr (result_north, ==, "won");
  g_assert_cmpstr (result_south, ==, "lost");
}

static void
test_unreachable_server_scan_decides_offline (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("cut-off");
  g_autofree char *dead = g_strdup_printf ("http://127.0.0.1:%u", gate_test_free_port ());
  g_autofree char *out = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *verdict = NULL;

  refresh (kiosk);
  g_assert_cmpint (gatectl (kiosk, dead, &out, "scan", fresh_ticket (), NULL), ==, 0);
  mode = member (out, "mode");
  verdict = member (out, "verdict");
  g_assert_cmpstr (mode, ==, "offline");
  g_assert_cmpstr (verdict, ==, "admitted");

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (gatectl (kiosk, dead, &out, "sync", NULL, NULL), ==, 3);
  g_assert_cmpint (pending (kiosk), ==, 1);
}

/* --- what cannot be decided ------------------------------------------------ */

/* The verdict and reason gatectl scan printed, or fails the test. */
static void
assert_cannot_decide (const char *json,
                      const char *reason)
{
  g_autofree char *verdict = member (json, "verdict");
  g_autofree char *said = member (json, "reason");

  g_assert_cmpstr (verdict, ==, "cannot_decide");
  g_assert_cmpstr (said, ==, reason);
}

static void
test_never_filled_cache_cannot_decide (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("never-filled");
  const char *ticket = fresh_ticket ();
  g_autofree char *out = NULL;
  g_autofree char *after_refresh = NULL;

  /* Offline before the first refresh: "unknown" would turn a guest away. */
  g_assert_cmpint (gatectl (kiosk, NULL, &out, "scan", ticket, "--offline"), ==, 0);
  assert_cannot_decide (out, "cache_empty");
  g_assert_cmpint (pending (kiosk), ==, 0);

  refresh (kiosk);
  after_refresh = scan (kiosk, NULL, ticket, TRUE, "verdict");
  g_assert_cmpstr (after_refresh, ==, "admitted");
}

static void
test_revoked_token_scan_cannot_decide (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("revoked-scan");
  g_autoptr(GError) error = NULL;
  g_autofree char *revoked = NULL;
  g_autofree char *out = NULL;
  g_autofree char *mode = NULL;

  refresh (kiosk);
  revoked = gate_test_gatectl (&error, "device", "revoke", "--db", gate_test_pg_get_conninfo (backend.pg),
                               kiosk->device_id, NULL);
  g_assert_no_error (error);

  /* Online, the server refuses the token: no offline admit behind its back. */
  g_assert_cmpint (gatectl (kiosk, NULL, &out, "scan", fresh_ticket (), NULL), ==, 0);
  assert_cannot_decide (out, "unauthorized");
  mode = member (out, "mode");
  g_assert_cmpstr (mode, ==, "online");
  g_assert_cmpint (pending (kiosk), ==, 0);
}

static void
test_server_error_on_empty_cache_cannot_decide (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("server-error");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &error);
  g_autofree char *out = NULL;

  g_assert_no_error (error);
  gate_test_proxy_set_mode (proxy, GATE_TEST_PROXY_STATUS_500);

  /* The server failed and the cache cannot stand in for it. */
  g_assert_cmpint (gatectl (kiosk, gate_test_proxy_get_url (proxy), &out, "scan", fresh_ticket (), NULL), ==, 0);
  assert_cannot_decide (out, "server_error");
  g_assert_cmpint (pending (kiosk), ==, 0);
}

/* In a private mount namespace: the cache on a small tmpfs, refreshed, kept
 * open by a second process as a running kiosk keeps it, then the disk
 * filled; a scan, then the same scan once there is room again. */
static const char disk_full_script[] =
  "set -eu\n"
  "mount -t tmpfs -o size=4m tmpfs \"$1\"\n"
  "\"$GATECTL\" refresh --json >/dev/null\n"
  "coproc keeper { exec \"$2\" --hold-open \"$GATE_CACHE\"; }\n"
  "read -r ready <&\"${keeper[0]}\"\n"
  "dd if=/dev/zero of=\"$1/filler\" bs=4096 2>/dev/null || true\n"
  "\"$GATECTL\" scan \"$3\" --offline --json\n"
  "rm -f \"$1/filler\"\n"
  "\"$GATECTL\" scan \"$3\" --offline --json\n"
  "kill \"$keeper_PID\"\n";

static void
test_disk_full_scan_cannot_decide (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("disk-full");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *unshare = g_find_program_in_path ("unshare");
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "core", "cache-admit-helper", NULL);
  g_autofree char *dir = g_dir_make_tmp ("gate-full-XXXXXX", NULL);
  g_autofree char *cache = g_build_filename (dir, "kiosk.cache", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *verdict = NULL;
  const char *ticket = fresh_ticket ();

  if (unshare == NULL)
    {
      g_test_skip ("unshare is not installed");
      g_rmdir (dir);
      return;
    }

  g_subprocess_launcher_setenv (launcher, "GATE_SERVER", gate_test_server_get_url (backend.server), TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_TOKEN", kiosk->token, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_DEVICE_ID", kiosk->device_id, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_EVENT", backend.event, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_CACHE", cache, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, unshare, "-rm", "bash", "-c", disk_full_script, "bash",
                                         dir, helper, ticket, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_rmdir (dir);

  if (!g_subprocess_get_successful (process) && strstr (err, "mount") != NULL)
    {
      g_test_skip ("no private tmpfs mounts on this machine");
      return;
    }
  g_test_message ("%s%s", out, err);
  g_assert_true (g_subprocess_get_successful (process));

  /* The disk is full: no admit without its record, and the gate says so … */
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 2);
  assert_cannot_decide (lines[0], "storage");
  /* … and the refused scan left no trace: with room again, it admits. */
  verdict = member (lines[1], "verdict");
  g_assert_cmpstr (verdict, ==, "admitted");
}

/* --- voiding tickets ---------------------------------------------------------- */

/* gatectl ticket VERB CODE --db …; returns its JSON member @field. */
static char *
ticket_admin (const char *verb,
              const char *code,
              const char *field)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = gate_test_gatectl (&error, "ticket", verb, "--db", gate_test_pg_get_conninfo (backend.pg),
                                            code, NULL);

  g_assert_no_error (error);
  return member (out, field);
}

static void
test_void_and_unvoid_reach_kiosks_by_delta (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("void");
  const char *ticket = fresh_ticket ();
  g_autofree char *voided = NULL;
  g_autofree char *again = NULL;
  g_autofree char *unvoided = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *admitted = NULL;

  refresh (kiosk);

  /* Refunded: the kiosk learns it with its next delta, offline it denies. */
  voided = ticket_admin ("void", ticket, "status");
  g_assert_cmpstr (voided, ==, "void");
  refresh (kiosk);
  verdict = scan (kiosk, NULL, ticket, TRUE, "verdict");
  g_assert_cmpstr (verdict, ==, "void");

  /* Voiding twice changes nothing. */
  again = ticket_admin ("void", ticket, "changed");
  g_assert_cmpstr (again, ==, "false");

  /* The refund undone: valid again, through the same delta. */
  unvoided = ticket_admin ("unvoid", ticket, "status");
  g_assert_cmpstr (unvoided, ==, "valid");
  refresh (kiosk);
  admitted = scan (kiosk, NULL, ticket, TRUE, "verdict");
  g_assert_cmpstr (admitted, ==, "admitted");
}

static void
test_void_of_unknown_code_is_a_clear_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *usage = NULL;

  out = gate_test_gatectl (&error, "ticket", "void", "--db", gate_test_pg_get_conninfo (backend.pg),
                           "GS1-NO-SUCH-TICKET", NULL);
  g_assert_null (out);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "no ticket has the code GS1-NO-SUCH-TICKET"));
  g_clear_error (&error);

  usage = gate_test_gatectl (&error, "ticket", "void", "--db", gate_test_pg_get_conninfo (backend.pg), NULL);
  g_assert_null (usage);
  g_assert_nonnull (strstr (error->message, "Usage: gatectl ticket void"));
}

/* --- signed out --------------------------------------------------------------- */

static GateScanDecision *
session_scan (GateSession *session,
              const char  *code,
              gboolean     offline)
{
  GateScanEngine *engine = gate_session_get_engine (session);
  g_auto(GateTestAsync) async = { 0 };
  g_autoptr(GError) error = NULL;
  GateScanDecision *decision;

  gate_scan_engine_scan_async (engine, code, "qr", offline, NULL, gate_test_async_ready, &async);
  decision = gate_scan_engine_scan_finish (engine, gate_test_async_wait (&async, 20000), &error);
  g_assert_no_error (error);
  return decision;
}

static gboolean
session_sync (GateSession  *session,
              GError      **error)
{
  GateSyncService *sync = gate_session_get_sync_service (session);
  g_auto(GateTestAsync) async = { 0 };

  gate_sync_service_sync_async (sync, FALSE, NULL, gate_test_async_ready, &async);
  return gate_sync_service_sync_finish (sync, gate_test_async_wait (&async, 20000), error);
}

static gboolean
attendees_wiped (gpointer user_data)
{
  g_autoptr(GateCacheStatus) status = gate_ticket_cache_get_status (user_data, backend.event, NULL);

  return status != NULL && status->tickets_cached == 0;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_revoked_gate_is_signed_out_keeps_its_queue (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("signed-out");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &error);
  g_autoptr(GateSession) session = NULL;
  g_autoptr(GateScanDecision) admitted = NULL;
  g_autoptr(GateScanDecision) refused = NULL;
  g_autoptr(GateScanDecision) again = NULL;
  g_auto(GateTestAsync) async = { 0 };
  g_autofree char *revoked = NULL;
  guint notified = 0;
  guint requests;

  g_assert_no_error (error);
  session = gate_session_new (gate_test_proxy_get_url (proxy), kiosk->token, NULL, kiosk->device_id, backend.event,
                              kiosk->cache);
  g_signal_connect (session, "notify::signed-out", G_CALLBACK (count_notify), &notified);
  gate_session_open_async (session, NULL, gate_test_async_ready, &async);
  g_assert_true (gate_session_open_finish (session, gate_test_async_wait (&async, 20000), &error));
  g_assert_no_error (error);
  g_assert_true (session_sync (session, &error));

  /* A guest goes in while the gate is cut off: one scan waits for upload. */
  admitted = session_scan (session, fresh_ticket (), TRUE);
  g_assert_cmpint (admitted->verdict, ==, GATE_VERDICT_ADMITTED);

  revoked = gate_test_gatectl (&error, "device", "revoke", "--db", gate_test_pg_get_conninfo (backend.pg),
                               kiosk->device_id, NULL);
  g_assert_no_error (error);

  /* The next scan hears the 401: cannot decide, and the gate is signed out
   * at once, for the status strip to say so. */
  g_assert_false (gate_session_get_signed_out (session));
  refused = session_scan (session, fresh_ticket (), FALSE);
  g_assert_cmpint (refused->verdict, ==, GATE_VERDICT_CANNOT_DECIDE);
  g_assert_cmpint (refused->reason, ==, GATE_CANNOT_DECIDE_UNAUTHORIZED);
  g_assert_true (gate_session_get_signed_out (session));
  g_assert_cmpuint (notified, ==, 1);

  /* The attendee data goes, the queued scan stays … */
  g_assert_true (gate_test_wait_until (NULL, attendees_wiped, gate_session_get_cache (session), 20000));
  g_assert_cmpint (gate_ticket_cache_pending_count (gate_session_get_cache (session)), ==, 1);

  /* … and neither scans nor uploads ask the server again. */
  requests = gate_test_proxy_get_received (proxy);
  again = session_scan (session, fresh_ticket (), FALSE);
  g_assert_cmpint (again->verdict, ==, GATE_VERDICT_CANNOT_DECIDE);
  g_assert_cmpint (again->reason, ==, GATE_CANNOT_DECIDE_UNAUTHORIZED);
  g_assert_false (session_sync (session, &error));
  g_assert_error (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (gate_test_proxy_get_received (proxy), ==, requests);
  g_assert_cmpint (gate_ticket_cache_pending_count (gate_session_get_cache (session)), ==, 1);
}

static void
test_garbage_code_is_invalid (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("garbage");
  g_autofree char *long_code = g_strnfill (600, 'A');
  g_autofree char *control = NULL;
  g_autofree char *too_long = NULL;

  refresh (kiosk);
  control = scan (kiosk, NULL, "GS1-\x01\x02", FALSE, "verdict");
  too_long = scan (kiosk, NULL, long_code, FALSE, "verdict");
  g_assert_cmpstr (control, ==, "invalid_code");
  g_assert_cmpstr (too_long, ==, "invalid_code");
  g_assert_cmpint (pending (kiosk), ==, 0);
}

static void
test_token_file_replaces_token (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("token-file");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token_file = g_strdup_printf ("%s/%s.token", backend.dir, kiosk->device_id);
  g_autofree char *contents = g_strconcat (kiosk->token, "\n", NULL);
  g_autofree char *out = NULL;
  g_autofree char *cached = NULL;

  g_assert_true (g_file_set_contents_full (token_file, contents, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error));
  g_subprocess_launcher_unsetenv (launcher, "GATE_TOKEN");
  g_subprocess_launcher_setenv (launcher, "GATE_TOKEN_FILE", token_file, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_SERVER", gate_test_server_get_url (backend.server), TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_DEVICE_ID", kiosk->device_id, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_EVENT", backend.event, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_CACHE", kiosk->cache, TRUE);

  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("GATECTL"), "refresh", "--json", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  cached = member (out, "tickets_cached");
  g_assert_cmpint (g_ascii_strtoll (cached, NULL, 10), ==, g_strv_length (backend.tickets));
}

/* gatectl VERB [CODE] with flags and @home only: no GATE_* and no XDG_*. */
static int
gatectl_in_empty_home (const char  *home,
                       Kiosk       *kiosk,
                       char       **out,
                       const char  *verb,
                       const char  *code)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_auto(GStrv) environment = g_get_environ ();
  const char *argv[] = { g_getenv ("GATECTL"), verb, "--json", "--server", gate_test_server_get_url (backend.server),
                         "--token", kiosk->token, "--device-id", kiosk->device_id, "--event", backend.event, code,
                         NULL };
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  for (guint i = 0; environment[i] != NULL; )
    {
      g_auto(GStrv) pair = g_strsplit (environment[i], "=", 2);

      if (g_str_has_prefix (pair[0], "GATE_") || g_str_has_prefix (pair[0], "XDG_"))
        environment = g_environ_unsetenv (environment, pair[0]);
      else
        i++;
    }
  environment = g_environ_setenv (environment, "HOME", home, TRUE);
  g_subprocess_launcher_set_environ (launcher, environment);

  /* A NULL @code ends the arguments one early. */
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, out, &err, &error));
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("gatectl %s: %s", verb, err);
  return g_subprocess_get_exit_status (process);
}

static void
test_clean_account_cache_in_user_data_dir (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("clean-account");
  g_autofree char *home = g_dir_make_tmp ("gate-home-XXXXXX", NULL);
  g_autofree char *folder = g_build_filename (home, ".local", "share", "gate-scanner", NULL);
  g_autofree char *cache = g_build_filename (folder, "tickets.cache", NULL);
  g_autofree char *refreshed = NULL;
  g_autofree char *scanned = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *rm = g_find_program_in_path ("rm");
  struct stat st;

  /* Nothing but flags: the cache goes where a clean account keeps data. */
  g_assert_cmpint (gatectl_in_empty_home (home, kiosk, &refreshed, "refresh", NULL), ==, 0);
  g_assert_cmpint (g_stat (folder, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (cache, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_cmpint (gatectl_in_empty_home (home, kiosk, &scanned, "scan", fresh_ticket ()), ==, 0);
  verdict = member (scanned, "verdict");
  g_assert_cmpstr (verdict, ==, "admitted");

  {
    const char *argv[] = { rm, "-rf", home, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL));
  }
}

static void
test_missing_configuration_is_usage_error (void)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);

  g_subprocess_launcher_unsetenv (launcher, "GATE_CACHE");
  g_subprocess_launcher_unsetenv (launcher, "GATE_EVENT");
  process = g_subprocess_launcher_spawn (launcher, NULL, g_getenv ("GATECTL"), "status", NULL);
  g_assert_true (g_subprocess_wait (process, NULL, NULL));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
}

static gint64
tickets_cached (Kiosk *kiosk)
{
  g_autofree char *out = NULL;
  g_autofree char *count = NULL;

  g_assert_cmpint (gatectl (kiosk, NULL, &out, "status", NULL, NULL), ==, 0);
  count = member (out, "tickets_cached");
  return g_ascii_strtoll (count, NULL, 10);
}

static gboolean
proxy_saw (gpointer user_data)
{
  gpointer *pair = user_data;

  return gate_test_proxy_get_received (pair[0]) >= GPOINTER_TO_UINT (pair[1]);
}

static gboolean
first_page_stored (gpointer user_data)
{
  return tickets_cached (user_data) >= 1000;
}

static void
test_refresh_killed_midway_resumes (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("interrupted");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &error);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) refresh_process = NULL;
  gpointer pair[2];
  gint64 after_crash;

  g_assert_no_error (error);
  /* The first page arrives, then the link hangs; the kiosk is killed. */
  gate_test_proxy_switch_after (proxy, 1, GATE_TEST_PROXY_HANG);
  g_subprocess_launcher_setenv (launcher, "GATE_SERVER", gate_test_proxy_get_url (proxy), TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_TOKEN", kiosk->token, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_DEVICE_ID", kiosk->device_id, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_EVENT", backend.event, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_CACHE", kiosk->cache, TRUE);
  refresh_process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("GATECTL"), "refresh", NULL);
  g_assert_no_error (error);

  pair[0] = proxy;
  pair[1] = GUINT_TO_POINTER (2);
  g_assert_true (gate_test_wait_until (NULL, proxy_saw, pair, 20000));
  /* The second page is asked for while the first is stored: kill it once
   * that one is in. */
  g_assert_true (gate_test_wait_until (NULL, first_page_stored, kiosk, 20000));
  g_subprocess_force_exit (refresh_process);
  g_subprocess_wait (refresh_process, NULL, NULL);

  /* Usable: the whole first page, nothing half-written. */
  after_crash = tickets_cached (kiosk);
  g_assert_cmpint (after_crash, ==, 1000);

  refresh (kiosk);
  g_assert_cmpint (tickets_cached (kiosk), ==, g_strv_length (backend.tickets));
}

static void
queue_offline_scans (Kiosk       *kiosk,
                     guint        count,
                     gint64       scanned_at_us,
                     gint64       clock_offset_ms,
                     const char **tokens)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (kiosk->cache, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
      g_autoptr(GateScanDecision) decision = NULL;

      scan->client_scan_id = g_uuid_string_random ();
      scan->event_id = g_strdup (backend.event);
      scan->qr_token = g_strdup (tokens ? tokens[i] : fresh_ticket ());
      scan->device_id = g_strdup (kiosk->device_id);
      scan->scanned_at_us = scanned_at_us ? scanned_at_us : g_get_real_time ();
      scan->clock_offset_ms = clock_offset_ms;
      scan->scan_method = g_strdup ("qr");
      decision = gate_ticket_cache_admit_offline (cache, scan, &error);
      g_assert_no_error (error);
      g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_ADMITTED);
    }
}

static gint64
server_rows_for_device (const char *device_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) || '/' || count(DISTINCT client_scan_id) "
                                          "FROM scan_logs WHERE device_id = '%s'", device_id);
  g_autofree char *psql = g_find_program_in_path ("psql");
  g_autofree char *out = NULL;
  const char *argv[] = { psql, "-At", "-d", gate_test_pg_get_conninfo (backend.pg), "-c", sql, NULL };
  g_auto(GStrv) parts = NULL;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, NULL, NULL, &error));
  parts = g_strsplit (g_strstrip (out), "/", 2);
  /* Every row a distinct scan: nothing arrived twice. */
  g_assert_cmpstr (parts[0], ==, parts[1]);
  return g_ascii_strtoll (parts[0], NULL, 10);
}

static void
test_server_gone_mid_upload_every_scan_once (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("mid-upload");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &error);

  refresh (kiosk);
  queue_offline_scans (kiosk, 1200, 0, 0, NULL);
  g_assert_cmpint (pending (kiosk), ==, 1200);

  /* The first batch of 500 gets through, then the server is gone. */
  gate_test_proxy_switch_after (proxy, 1, GATE_TEST_PROXY_REFUSE);
  g_assert_cmpint (gatectl (kiosk, gate_test_proxy_get_url (proxy), NULL, "sync", NULL, NULL), ==, 3);
  g_assert_cmpint (pending (kiosk), ==, 700);
  g_assert_cmpint (server_rows_for_device (kiosk->device_id), ==, 500);

  /* It is back. */
  g_assert_cmpint (gatectl (kiosk, NULL, NULL, "sync", NULL, NULL), ==, 0);
  g_assert_cmpint (pending (kiosk), ==, 0);
  g_assert_cmpint (server_rows_for_device (kiosk->device_id), ==, 1200);
}

static void
test_skewed_clocks_corrected_times_decide (void)
{
  g_autoptr(Kiosk) fast = kiosk_new ("fast-clock");
  g_autoptr(Kiosk) right = kiosk_new ("right-clock");
  const char *ticket[] = { fresh_ticket () };
  gint64 now = g_get_real_time ();
  g_autofree char *out_fast = NULL;
  g_autofree char *out_right = NULL;
  g_autofree char *fast_result = NULL;
  g_autofree char *right_result = NULL;

  refresh (fast);
  refresh (right);
  /* The fast kiosk's clock is 10 minutes ahead (its measured offset says
   * so); it really scanned 2 minutes before the other one. */
  queue_offline_scans (right, 1, now, 0, ticket);
  queue_offline_scans (fast, 1, now - 2 * G_TIME_SPAN_MINUTE + 10 * G_TIME_SPAN_MINUTE, -600000, ticket);

  /* The right-clock kiosk uploads first and is recorded first … */
  g_assert_cmpint (gatectl (right, NULL, NULL, "sync", NULL, NULL), ==, 0);
  g_assert_cmpint (gatectl (fast, NULL, NULL, "sync", NULL, NULL), ==, 0);

  /* … but the corrected times say the fast-clock kiosk was first. */
  g_assert_cmpint (gatectl (fast, NULL, &out_fast, "conflicts", NULL, NULL), ==, 0);
  g_assert_cmpint (gatectl (right, NULL, &out_right, "conflicts", NULL, NULL), ==, 0);
  fast_result = member (out_fast, "result");
  right_result = member (out_right, "result");
  g_assert_cmpstr (fast_result, ==, "won");
  g_assert_cmpstr (right_result, ==, "lost");
}

static void
test_online_scan_after_unuploaded_offline_admit_is_denied (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("same-gate");
  const char *ticket = fresh_ticket ();
  g_autofree char *offline = NULL;
  g_autofree char *online = NULL;

  refresh (kiosk);
  offline = scan (kiosk, NULL, ticket, TRUE, "verdict");
  g_assert_cmpstr (offline, ==, "admitted");

  /* The link is back but the scan is not uploaded yet: the server would say
   * "admitted" again; the gate must not let the guest in twice. */
  online = scan (kiosk, NULL, ticket, FALSE, "verdict");
  g_assert_cmpstr (online, ==, "already_scanned");
}

static gboolean
is_online (gpointer user_data)
{
  return gate_connectivity_get_online (user_data);
}

static gboolean
is_offline (gpointer user_data)
{
  return !gate_connectivity_get_online (user_data);
}

static void
test_probe_brings_kiosk_back_online (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("probe");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &error);
  g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (kiosk->cache, &error);
  g_autoptr(GateApiClient) client = NULL;
  g_autoptr(GateConnectivity) connectivity = gate_connectivity_new ();
  g_autoptr(GateSyncService) sync = NULL;

  g_assert_no_error (error);
  client = gate_api_client_new (gate_test_proxy_get_url (proxy), kiosk->token, kiosk->device_id);
  sync = gate_sync_service_new (cache, client, connectivity, backend.event);

  /* The Wi-Fi is gone: the first sync fails and the kiosk goes offline. */
  gate_test_proxy_set_mode (proxy, GATE_TEST_PROXY_REFUSE);
  gate_sync_service_start (sync, 300);
  g_assert_true (gate_test_wait_until (NULL, is_offline, connectivity, 20000));

  /* It comes back: nobody scans, yet the background probe notices. */
  gate_test_proxy_set_mode (proxy, GATE_TEST_PROXY_PASS);
  g_assert_true (gate_test_wait_until (NULL, is_online, connectivity, 20000));
  gate_sync_service_stop (sync);
}

/* --- faults on the online scan ------------------------------------------------ */

static gint64
server_successful_rows_for_ticket (const char *qr_token)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM scan_logs l JOIN tickets t ON t.id = l.ticket_id "
                                          "WHERE t.qr_token = '%s' AND l.scan_success", qr_token);
  g_autofree char *psql = g_find_program_in_path ("psql");
  g_autofree char *out = NULL;
  const char *argv[] = { psql, "-At", "-d", gate_test_pg_get_conninfo (backend.pg), "-c", sql, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, NULL, NULL, &error));
  return g_ascii_strtoll (out, NULL, 10);
}

/* The end of every fault case: the scan decided offline under @scan_id is
 * uploaded exactly once, as the admit it was shown as, and the kiosk still
 * says the guest is in. */
static void
assert_uploaded_once_verdict_unchanged (Kiosk      *kiosk,
                                        const char *ticket,
                                        const char *scan_id)
{
  g_autofree char *conflicts = NULL;
  g_autofree char *again = NULL;

  g_assert_cmpint (gatectl (kiosk, NULL, NULL, "sync", NULL, NULL), ==, 0);
  g_assert_cmpint (pending (kiosk), ==, 0);
  g_assert_cmpint (server_scan_rows (scan_id), ==, 1);
  g_assert_cmpint (server_successful_rows_for_ticket (ticket), ==, 1);
  g_assert_cmpint (gatectl (kiosk, NULL, &conflicts, "conflicts", NULL, NULL), ==, 0);
  g_assert_cmpstr (conflicts, ==, "");

  again = scan (kiosk, NULL, ticket, FALSE, "verdict");
  g_assert_cmpstr (again, ==, "already_scanned");
}

/* Scans @ticket online through a proxy failing with @mode; the kiosk must
 * decide offline, admit, and keep the scan's id. Returns that id. */
static char *
scan_through_fault (Kiosk             *kiosk,
                    const char        *ticket,
                    GateTestProxyMode  mode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestProxy) proxy = gate_test_proxy_new (gate_test_server_get_url (backend.server), &error);
  g_autofree char *out = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *scan_mode = NULL;

  g_assert_no_error (error);
  refresh (kiosk);
  gate_test_proxy_set_mode (proxy, mode);
  g_assert_cmpint (gatectl (kiosk, gate_test_proxy_get_url (proxy), &out, "scan", ticket, NULL), ==, 0);
  verdict = member (out, "verdict");
  scan_mode = member (out, "mode");
  g_assert_cmpstr (verdict, ==, "admitted");
  g_assert_cmpstr (scan_mode, ==, "offline");
  g_assert_cmpuint (gate_test_proxy_get_received (proxy), ==, 1);
  return member (out, "client_scan_id");
}

/* One fault on the online scan: what the proxy does, and how many records of
 * the scan the server has before the upload (1 when it committed the online
 * scan and only its answer was lost). */
typedef struct
{
  const char        *path;
  const char        *kiosk;
  GateTestProxyMode  mode;
  gint64             server_rows_before_upload;
} Fault;

static const Fault faults[] = {
  /* The server never heard of it: the upload applies it. */
  { "/flow/fault/dropped-connection-uploads-once", "dropped", GATE_TEST_PROXY_REFUSE, 0 },
  /* The server admitted it online; the upload is a replay of that. */
  { "/flow/fault/lost-scan-response-uploads-once", "lost-answer", GATE_TEST_PROXY_LOSE_RESPONSE, 1 },
  { "/flow/fault/connection-reset-uploads-once", "reset", GATE_TEST_PROXY_RESET, 1 },
  { "/flow/fault/truncated-answer-uploads-once", "truncated", GATE_TEST_PROXY_TRUNCATE, 1 },
  { "/flow/fault/status-500-uploads-once", "status-500", GATE_TEST_PROXY_STATUS_500, 0 },
  { "/flow/fault/status-503-uploads-once", "status-503", GATE_TEST_PROXY_STATUS_503, 0 },
  { "/flow/fault/captive-portal-uploads-once", "captive", GATE_TEST_PROXY_GARBAGE, 0 },
};

static void
test_fault_uploads_once (gconstpointer data)
{
  const Fault *fault = data;
  g_autoptr(Kiosk) kiosk = kiosk_new (fault->kiosk);
  const char *ticket = fresh_ticket ();
  g_autofree char *scan_id = scan_through_fault (kiosk, ticket, fault->mode);

  g_assert_cmpint (server_scan_rows (scan_id), ==, fault->server_rows_before_upload);
  assert_uploaded_once_verdict_unchanged (kiosk, ticket, scan_id);
}

static gboolean
server_is_healthy (gpointer user_data)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 2, NULL);
  g_autofree char *url = g_strconcat (gate_test_server_get_url (backend.server), "/healthz", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, NULL);

  if (body != NULL && soup_message_get_status (message) == 200)
    return TRUE;

  /* gate-server reconnects with a backoff of up to 2 s: ask again soon. */
  g_usleep (50 * 1000);
  return FALSE;
}

static void
test_fault_database_restart_uploads_once (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("db-restart");
  g_autoptr(GError) error = NULL;
  const char *ticket = fresh_ticket ();
  g_autofree char *out = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *scan_id = NULL;

  refresh (kiosk);

  /* PostgreSQL goes down under gate-server, which answers 503. */
  g_assert_true (gate_test_pg_stop (backend.pg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gatectl (kiosk, NULL, &out, "scan", ticket, NULL), ==, 0);
  verdict = member (out, "verdict");
  mode = member (out, "mode");
  scan_id = member (out, "client_scan_id");
  g_assert_cmpstr (verdict, ==, "admitted");
  g_assert_cmpstr (mode, ==, "offline");
  g_assert_cmpint (gatectl (kiosk, NULL, NULL, "sync", NULL, NULL), !=, 0);
  g_assert_cmpint (pending (kiosk), ==, 1);

  g_assert_true (gate_test_pg_start (backend.pg, &error));
  g_assert_no_error (error);
  g_assert_true (gate_test_wait_until (NULL, server_is_healthy, NULL, 20000));
  g_assert_cmpint (server_scan_rows (scan_id), ==, 0);
  assert_uploaded_once_verdict_unchanged (kiosk, ticket, scan_id);
}

static void
test_revoked_token_wipes_cache (void)
{
  g_autoptr(Kiosk) kiosk = kiosk_new ("stolen");
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_autofree char *verdict = NULL;

  refresh (kiosk);
  g_assert_cmpint (tickets_cached (kiosk), >, 0);
  verdict = scan (kiosk, NULL, fresh_ticket (), TRUE, "verdict");
  g_assert_cmpstr (verdict, ==, "admitted");

  out = gate_test_gatectl (&error, "device", "revoke", "--db", gate_test_pg_get_conninfo (backend.pg),
                           kiosk->device_id, NULL);
  g_assert_no_error (error);

  /* Its next contact with the server wipes the attendee data, but not the
   * scan a guest went in on. */
  g_assert_cmpint (gatectl (kiosk, NULL, NULL, "sync", NULL, NULL), ==, 1);
  g_assert_cmpint (tickets_cached (kiosk), ==, 0);
  g_assert_cmpint (pending (kiosk), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.dir = g_dir_make_tmp ("gate-flow-XXXXXX", &error);
  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Offline flow", &error);
  backend.tickets = gate_test_generate_tickets (backend.pg, backend.event, 1500, "General", &error);
  g_assert_no_error (error);
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/flow/refresh/keeps-unuploaded-offline-admit", test_refresh_keeps_unuploaded_offline_admit);
  g_test_add_func ("/flow/offline/processes-sharing-a-cache-admit-once", test_processes_sharing_a_cache_admit_once);
  g_test_add_func ("/flow/online/timeout-falls-back-offline-and-upload-replays",
                   test_online_timeout_falls_back_offline_and_upload_replays);
  g_test_add_func ("/flow/upload/lost-response-replays-exactly-once", test_lost_upload_response_replays_exactly_once);
  g_test_add_func ("/flow/upload/bad-server-answers-lose-nothing", test_bad_server_answers_lose_nothing);
  g_test_add_func ("/flow/conflicts/two-devices-visible-on-both", test_two_devices_conflict_visible_on_both);
  g_test_add_func ("/flow/offline/unreachable-server-decides-offline", test_unreachable_server_scan_decides_offline);
  g_test_add_func ("/flow/scan/garbage-code-is-invalid", test_garbage_code_is_invalid);
  g_test_add_func ("/flow/cannot-decide/never-filled-cache", test_never_filled_cache_cannot_decide);
  g_test_add_func ("/flow/cannot-decide/revoked-token", test_revoked_token_scan_cannot_decide);
  g_test_add_func ("/flow/cannot-decide/server-error-on-empty-cache", test_server_error_on_empty_cache_cannot_decide);
  g_test_add_func ("/flow/cannot-decide/disk-full", test_disk_full_scan_cannot_decide);
  g_test_add_func ("/flow/admin/void-and-unvoid-reach-kiosks-by-delta", test_void_and_unvoid_reach_kiosks_by_delta);
  g_test_add_func ("/flow/admin/void-of-unknown-code-is-a-clear-error", test_void_of_unknown_code_is_a_clear_error);
  g_test_add_func ("/flow/signed-out/revoked-gate-keeps-its-queue-and-stops-asking",
                   test_revoked_gate_is_signed_out_keeps_its_queue);
  g_test_add_func ("/flow/config/missing-configuration-is-usage-error", test_missing_configuration_is_usage_error);
  g_test_add_func ("/flow/config/clean-account-cache-in-user-data-dir", test_clean_account_cache_in_user_data_dir);
  g_test_add_func ("/flow/config/token-file-replaces-token", test_token_file_replaces_token);
  g_test_add_func ("/flow/refresh/killed-midway-resumes", test_refresh_killed_midway_resumes);
  g_test_add_func ("/flow/upload/server-gone-mid-upload-every-scan-once", test_server_gone_mid_upload_every_scan_once);
  g_test_add_func ("/flow/conflicts/skewed-clocks-corrected-times-decide", test_skewed_clocks_corrected_times_decide);
  g_test_add_func ("/flow/security/revoked-token-wipes-cache", test_revoked_token_wipes_cache);
  g_test_add_func ("/flow/connectivity/probe-brings-kiosk-back-online", test_probe_brings_kiosk_back_online);
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    g_test_add_data_func (faults[i].path, &faults[i], test_fault_uploads_once);
  g_test_add_func ("/flow/fault/database-restart-uploads-once", test_fault_database_restart_uploads_once);
  g_test_add_func ("/flow/offline/online-scan-after-unuploaded-admit-is-denied",
                   test_online_scan_after_unuploaded_offline_admit_is_denied);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_strfreev (backend.tickets);
  g_free (backend.event);
  {
    g_autoptr(GDir) dir = g_dir_open (backend.dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (backend.dir, name, NULL);

        g_unlink (path);
      }
    g_rmdir (backend.dir);
  }
  g_free (backend.dir);
  return result;
}
