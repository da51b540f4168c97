/* test-injection.c — hostile values in every argument of every RPC function,
 * through a real gate-server into a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gate-server passes every value as a bind parameter cast to the declared
 * type ($n::uuid), and the functions use no dynamic SQL, so a value can
 * never become SQL. These tests hold that up from the outside: for each
 * public function of migrations/postgres (the RPC surface) and each of its
 * arguments, each hostile value below replaces that one argument while the
 * others stay valid. Every answer must be a documented one — 200, or the
 * client error that argument's type calls for, never a 5xx and never a SQL
 * syntax or "undefined" error (42xxx), which would mean the value reached
 * the SQL text — and tickets, scan_logs and scan_conflicts must be exactly
 * as before.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>

#include "gate-test-harness.h"

typedef enum
{
  ARG_TEXT,         /* any string is data */
  ARG_UUID,
  ARG_INT,
  ARG_BOOL,
  ARG_TIMESTAMPTZ,
  ARG_JSONB,
  ARG_DEVICE,       /* p_device_id: gate-server insists on the caller's id */
} ArgKind;

typedef struct
{
  const char *name;
  ArgKind     kind;
} Arg;

typedef struct
{
  const char *name;
  gboolean    supervisor;
  Arg         args[10];
  /* The SQLSTATE of the documented 500 for a well-formed call that finds
   * nothing (PostgREST maps P0002 to 500); see backend-contract.md. */
  const char *not_found_5xx;
} Function;

/* The RPC surface: every function of migrations/postgres that gate-server
 * exposes (the gate_* helpers and the trigger function are not callable). */
static const Function functions[] = {
  { "scan_ticket", FALSE,
    { { "p_qr_token", ARG_TEXT }, { "p_event_id", ARG_UUID }, { "p_device_id", ARG_DEVICE },
      { "p_client_scan_id", ARG_UUID }, { "p_scanned_by", ARG_UUID }, { "p_scan_method", ARG_TEXT },
      { "p_direction", ARG_TEXT }, { "p_list_id", ARG_UUID } } },
  { "sync_offline_scans", FALSE,
    { { "p_device_id", ARG_DEVICE }, { "p_scans", ARG_JSONB } } },
  { "scan_ticket_atomic", FALSE,
    { { "p_ticket_id", ARG_UUID }, { "p_scanned_by", ARG_UUID }, { "p_device_id", ARG_DEVICE },
      { "p_scan_method", ARG_TEXT } } },
  { "sync_offline_scan", FALSE,
    { { "p_ticket_id", ARG_UUID }, { "p_scanned_by", ARG_UUID }, { "p_scanned_at", ARG_TIMESTAMPTZ },
      { "p_device_id", ARG_DEVICE } } },
  { "tickets_changed_since", FALSE,
    { { "p_event_id", ARG_UUID }, { "p_cursor", ARG_TEXT }, { "p_limit", ARG_INT }, { "p_device_id", ARG_DEVICE } } },
  { "event_summary", FALSE,
    { { "p_event_id", ARG_UUID }, { "p_device_id", ARG_DEVICE } } },
  { "list_checkin_lists", FALSE,
    { { "p_device_id", ARG_DEVICE }, { "p_event_id", ARG_UUID } } },
  { "stays_changed_since", FALSE,
    { { "p_device_id", ARG_DEVICE }, { "p_event_id", ARG_UUID }, { "p_cursor", ARG_TEXT }, { "p_limit", ARG_INT } } },
  { "list_operators", FALSE,
    { { "p_device_id", ARG_DEVICE } } },
  { "operator_sign_in", FALSE,
    { { "p_device_id", ARG_DEVICE }, { "p_name", ARG_TEXT }, { "p_pin", ARG_TEXT } } },
  { "remove_operator", TRUE,
    { { "p_operator_id", ARG_UUID } },
    /* An unknown operator id (backend-contract.md). */
    "P0002" },
  { "event_stats", TRUE,
    { { "p_event_id", ARG_UUID }, { "p_since", ARG_TIMESTAMPTZ } } },
  { "device_heartbeat", FALSE,
    { { "p_device_id", ARG_DEVICE }, { "p_app_version", ARG_TEXT }, { "p_pending_scans", ARG_INT },
      { "p_last_refresh_at", ARG_TIMESTAMPTZ } } },
  { "device_conflicts", FALSE,
    { { "p_device_id", ARG_DEVICE }, { "p_event_id", ARG_UUID } } },
  { "list_events", FALSE,
    { { "p_device_id", ARG_DEVICE } } },
  { "list_conflicts", TRUE,
    { { "p_event_id", ARG_UUID }, { "p_include_reviewed", ARG_BOOL } } },
  { "review_conflict", TRUE,
    { { "p_conflict_id", ARG_INT }, { "p_reviewed_by", ARG_TEXT }, { "p_note", ARG_TEXT } },
    /* An unknown conflict id (backend-contract.md). */
    "P0002" },
  { "list_devices", TRUE,
    { { "p_event_id", ARG_UUID } } },
};

/* Hostile strings, as JSON string literals. */
static const char * const hostile_strings[] = {
  "\"'; DROP TABLE tickets; --\"",
  "\"\\\") OR 1=1 --\"",
  "\"' OR '1'='1\"",
  "\"x'); DELETE FROM public.scan_logs; --\"",
  "\"$$; DROP TABLE public.tickets; $$\"",
  "\"1; SET ROLE postgres; --\"",
  "\"00000000-0000-0000-0000-000000000000' OR 'a'='a\"",
  /* Unicode quotes that a careless normaliser might turn into ' */
  "\"\u2018 OR \u20191\u2019=\u20191 \u02bc; DROP TABLE scan_logs; --\"",
  "\"\uff07; DROP TABLE tickets; --\"",
  /* Control characters without NUL */
  "\"\\u0001\\u0002\\u001b[31m\\u007f\\r\\n\\t'\"",
  "\"%s%n%x%p\"",
  "\"\\\\'; SELECT pg_sleep(10); --\"",
};

/* Values of the wrong JSON type. */
static const char * const mistyped_values[] = {
  "1", "-1", "1e308", "true", "null", "[]", "{}",
  "{\"a\":\"'; DROP TABLE tickets; --\"}",
  "[\"'; DROP TABLE tickets; --\"]",
};

static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  const char     *url;
  char           *event;
  char           *gate_id;
  char           *gate_token;
  char           *supervisor_id;
  char           *supervisor_token;
  char           *conflict_id;
  char           *list_id;      /* a check-in list of event */
  char           *huge_string;   /* 1 MiB of quotes, as a JSON string */
} backend;

/* --- helpers ------------------------------------------------------------------ */

static char *
sql_value (const char *sql)
{
  PGconn *conn = PQconnectdb (gate_test_pg_get_conninfo (backend.pg));
  PGresult *result;
  char *value = NULL;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  if (PQntuples (result) > 0)
    value = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  PQfinish (conn);
  return value;
}

#define ALL_SCANS        "true"
#define SUCCESSFUL_SCANS "l.scan_success"

/* Row counts and contents of what an attack would want to change, with
 * the scans of scan_logs that @scans selects. Fails
 * (in the query) if a table is gone. A conflict's reviewer and note are
 * left out: review_conflict stores whatever text it is given, hostile or
 * not, and that is its job. */
static char *
data_checksum (const char *scans)
{
  g_autofree char *sql = NULL;

  sql = g_strdup_printf ("SELECT (SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) "
                    "        FROM public.tickets t) || '/' || "
                    "       (SELECT count(*) || ':' || md5(coalesce(string_agg(l::text, '|' ORDER BY l.client_scan_id), '')) "
                    "        FROM public.scan_logs l WHERE %s) || '/' || "
                    "       (SELECT count(*) || ':' || md5(coalesce(string_agg((c.id, c.ticket_id, c.winner_device, "
                    "                c.winner_time, c.winner_scan_id, c.loser_device, c.loser_time, c.loser_scan_id)::text, "
                    "                '|' ORDER BY c.id), '')) "
                    "        FROM public.scan_conflicts c)", scans);
  return sql_value (sql);
}

/* A valid value for @arg that changes nothing: no such ticket, an event
 * without tickets of its own, the caller's id. */
static char *
valid_value (const Function *function,
             const Arg      *arg)
{
  const char *device = function->supervisor ? backend.supervisor_id : backend.gate_id;

  if (g_str_equal (arg->name, "p_event_id"))
    return g_strdup_printf ("\"%s\"", backend.event);
  if (g_str_equal (arg->name, "p_conflict_id"))
    return g_strdup (backend.conflict_id);
  if (g_str_equal (arg->name, "p_list_id"))
    return g_strdup_printf ("\"%s\"", backend.list_id);
  if (g_str_equal (arg->name, "p_direction"))
    return g_strdup ("\"entry\"");

  switch (arg->kind)
    {
    case ARG_TEXT:
      return g_strdup (g_str_equal (arg->name, "p_qr_token") ? "\"GS1-NO-SUCH-TICKET\""
                                                             : g_str_equal (arg->name, "p_cursor") ? "null"
                                                                                                   : "\"qr\"");
    case ARG_UUID:
      {
        g_autofree char *uuid = gate_test_uuid ();

        return g_strdup_printf ("\"%s\"", uuid);
      }
    case ARG_INT:
      return g_strdup ("10");
    case ARG_BOOL:
      return g_strdup ("true");
    case ARG_TIMESTAMPTZ:
      return g_strdup ("\"2026-01-01T12:00:00Z\"");
    case ARG_JSONB:
      return g_strdup ("[]");
    case ARG_DEVICE:
    default:
      return g_strdup_printf ("\"%s\"", device);
    }
}

static char *
body_with (const Function *function,
           guint           hostile_arg,
           const char     *hostile_value)
{
  g_autoptr(GString) body = g_string_new ("{");

  for (guint i = 0; i < G_N_ELEMENTS (function->args) && function->args[i].name != NULL; i++)
    {
      g_autofree char *value = i == hostile_arg ? g_strdup (hostile_value) : valid_value (function, &function->args[i]);

      g_string_append_printf (body, "%s\"%s\":%s", i > 0 ? "," : "", function->args[i].name, value);
    }
  g_string_append_c (body, '}');
  return g_string_free (g_steal_pointer (&body), FALSE);
}

/* The answer a hostile @value in an argument of @kind may get. */
static void
assert_answer (const Function *function,
               const Arg      *arg,
               gboolean        is_string,
               guint           status,
               const char     *body)
{
  g_autofree char *code = status >= 400 ? gate_test_json_member (body, 0, "code") : NULL;

  if (g_test_verbose () || status >= 500)
    g_test_message ("%s(%s): %u %s", function->name, arg->name, status, code ? code : "");

  if (status == 500 && function->not_found_5xx != NULL && g_strcmp0 (code, function->not_found_5xx) == 0)
    return;

  /* Never the server's fault, never a value that reached the SQL text. */
  g_assert_cmpuint (status, <, 500);
  g_assert_true (status == 200 || status == 204 || status == 400 || status == 403);
  if (status == 403)
    g_assert_cmpstr (code, ==, "42501");
  if (status == 400)
    {
      g_assert_nonnull (code);
      g_assert_false (g_str_has_prefix (code, "42"));
      g_assert_true (g_str_has_prefix (code, "22") || g_str_equal (code, "P0001") || g_str_equal (code, "23502"));
    }

  if (arg->kind == ARG_DEVICE)
    {
      /* A device speaks only for itself, whatever the value. */
      g_assert_cmpuint (status, ==, 403);
      return;
    }

  if (!is_string)
    return;

  switch (arg->kind)
    {
    case ARG_UUID:
    case ARG_INT:
    case ARG_BOOL:
    case ARG_JSONB:
      /* Not a value of the type: invalid_text_representation. */
      g_assert_cmpuint (status, ==, 400);
      g_assert_cmpstr (code, ==, "22P02");
      break;

    case ARG_TIMESTAMPTZ:
      g_assert_cmpuint (status, ==, 400);
      g_assert_true (g_str_has_prefix (code, "22"));
      break;

    case ARG_TEXT:
    case ARG_DEVICE:
    default:
      /* Data: answered, or refused by the function's own checks. */
      g_assert_true (status == 200 || (status == 400 && (g_str_has_prefix (code, "22") ||
                                                         g_str_equal (code, "P0001"))));
      break;
    }
}

static void
attack (SoupSession    *session,
        const Function *function,
        guint           index,
        const char     *value,
        gboolean        is_string)
{
  g_autofree char *json = body_with (function, index, value);
  g_autofree char *body = NULL;
  guint status;

  status = gate_test_rpc (session, backend.url, function->supervisor ? backend.supervisor_token : backend.gate_token,
                          function->name, json, &body);
  assert_answer (function, &function->args[index], is_string, status, body);
}

/* --- tests -------------------------------------------------------------------- */

static void
test_every_argument_refuses_injection (gconstpointer data)
{
  const Function *function = data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *before = data_checksum (ALL_SCANS);
  g_autofree char *after = NULL;
  g_autofree char *baseline = body_with (function, G_MAXUINT, NULL);
  g_autofree char *baseline_answer = NULL;
  g_autofree char *baseline_code = NULL;
  guint requests = 0;
  guint status;

  /* The valid call itself works, so refusals below are the values' doing. */
  status = gate_test_rpc (session, backend.url, function->supervisor ? backend.supervisor_token : backend.gate_token,
                          function->name, baseline, &baseline_answer);
  baseline_code = gate_test_json_member (baseline_answer, 0, "code");
  if (status != 200)
    {
      g_assert_cmpuint (status, ==, 500);
      g_assert_cmpstr (baseline_code, ==, function->not_found_5xx);
    }

  for (guint i = 0; i < G_N_ELEMENTS (function->args) && function->args[i].name != NULL; i++)
    {
      for (guint v = 0; v < G_N_ELEMENTS (hostile_strings); v++, requests++)
        attack (session, function, i, hostile_strings[v], TRUE);
      attack (session, function, i, backend.huge_string, TRUE);
      for (guint v = 0; v < G_N_ELEMENTS (mistyped_values); v++, requests++)
        attack (session, function, i, mistyped_values[v], FALSE);
      requests++;
    }

  after = data_checksum (ALL_SCANS);
  g_assert_cmpstr (after, ==, before);
  g_test_message ("%s: %u hostile calls, data unchanged", function->name, requests);
}

/* The members of sync_offline_scans' p_scans are arguments too: each
 * hostile value in each member of a scan is rejected or answered, and the
 * rest of the batch goes on. An unknown ticket's scan is logged as
 * unsuccessful (nothing is ever dropped), so only successful scans must
 * stay as they were. */
static void
test_offline_scan_members_refuse_injection (void)
{
  static const char * const members[] = {
    "client_scan_id", "qr_token", "event_id", "scanned_at", "clock_offset_ms", "scanned_by", "scan_method",
  };
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *before = data_checksum (SUCCESSFUL_SCANS);
  g_autofree char *after = NULL;
  g_autoptr(GPtrArray) values = g_ptr_array_new ();

  for (guint v = 0; v < G_N_ELEMENTS (hostile_strings); v++)
    g_ptr_array_add (values, (gpointer) hostile_strings[v]);
  for (guint v = 0; v < G_N_ELEMENTS (mistyped_values); v++)
    g_ptr_array_add (values, (gpointer) mistyped_values[v]);
  g_ptr_array_add (values, backend.huge_string);

  for (guint m = 0; m < G_N_ELEMENTS (members); m++)
    for (guint v = 0; v < values->len; v++)
      {
        g_autofree char *scan_id = gate_test_uuid ();
        g_autoptr(GString) scan = g_string_new (NULL);
        g_autofree char *json = NULL;
        g_autofree char *body = NULL;
        g_autofree char *outcome = NULL;
        guint status;
        const char *valid[] = {
          NULL, "\"GS1-NO-SUCH-TICKET\"", NULL, "\"2026-01-01T12:00:00Z\"", "0", "null", "\"qr\"",
        };

        g_string_append_c (scan, '{');
        for (guint i = 0; i < G_N_ELEMENTS (members); i++)
          {
            g_autofree char *own = NULL;
            const char *value = valid[i];

            if (i == m)
              value = values->pdata[v];
            else if (i == 0)
              value = own = g_strdup_printf ("\"%s\"", scan_id);
            else if (i == 2)
              value = own = g_strdup_printf ("\"%s\"", backend.event);
            g_string_append_printf (scan, "%s\"%s\":%s", i > 0 ? "," : "", members[i], value);
          }
        g_string_append_c (scan, '}');
        json = g_strdup_printf ("{\"p_device_id\":\"%s\",\"p_scans\":[%s]}", backend.gate_id, scan->str);

        status = gate_test_rpc (session, backend.url, backend.gate_token, "sync_offline_scans", json, &body);
        if (status != 200)
          g_test_message ("%s = %.60s: %u %s", members[m], (const char *) values->pdata[v], status, body);
        g_assert_cmpuint (status, ==, 200);
        outcome = gate_test_json_member (body, 0, "outcome");
        /* Never applied: the ticket does not exist, or the scan is malformed. */
        g_assert_true (g_strcmp0 (outcome, "not_found") == 0 || g_strcmp0 (outcome, "rejected") == 0);
      }

  after = data_checksum (SUCCESSFUL_SCANS);
  g_assert_cmpstr (after, ==, before);
}

static void
test_hostile_argument_name_is_not_found (void)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *before = data_checksum (ALL_SCANS);
  g_autofree char *after = NULL;
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  /* Argument names come from the catalog, never from the request. */
  g_assert_cmpuint (gate_test_rpc (session, backend.url, backend.gate_token, "event_summary",
                                   "{\"p_event_id => NULL); DROP TABLE public.tickets; --\":\"x\"}", &body), ==, 404);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "PGRST202");
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (gate_test_rpc (session, backend.url, backend.gate_token,
                                   "event_summary(NULL); DROP TABLE public.tickets; --", "{}", &body), ==, 404);

  after = data_checksum (ALL_SCANS);
  g_assert_cmpstr (after, ==, before);
}

/* json-glib would read these as other numbers (2^63 as -2^63, longer
 * ones as -1): gate-server must refuse them, not pass a number nobody
 * sent. Digits inside strings are text and pass. */
static void
test_integer_beyond_64_bits_is_refused (void)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *before = data_checksum (ALL_SCANS);
  g_autofree char *after = NULL;
  const char *numbers[] = { "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890" };
  g_autofree char *largest = g_strdup_printf ("{\"p_event_id\":\"%s\",\"p_limit\":9223372036854775807}",
                                              backend.event);
  g_autofree char *body = NULL;
  g_autofree char *code = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autofree char *top = g_strdup_printf ("{\"p_device_id\":\"%s\",\"p_app_version\":\"1\","
                                              "\"p_pending_scans\":%s,\"p_last_refresh_at\":null}",
                                              backend.gate_id, numbers[i]);
      g_autofree char *nested = g_strdup_printf ("{\"p_device_id\":\"%s\",\"p_scans\":[{\"clock_offset_ms\":%s}]}",
                                                 backend.gate_id, numbers[i]);
      g_autofree char *quoted = g_strdup_printf ("{\"p_device_id\":\"%s\",\"p_app_version\":\"%s\","
                                                 "\"p_pending_scans\":0,\"p_last_refresh_at\":null}",
                                                 backend.gate_id, numbers[i]);
      g_autofree char *refused = NULL;
      g_autofree char *refused_code = NULL;

      g_assert_cmpuint (gate_test_rpc (session, backend.url, backend.gate_token, "device_heartbeat", top, &refused),
                        ==, 400);
      refused_code = gate_test_json_member (refused, 0, "code");
      g_assert_cmpstr (refused_code, ==, "PGRST102");
      g_assert_cmpuint (gate_test_rpc (session, backend.url, backend.gate_token, "sync_offline_scans", nested, NULL),
                        ==, 400);
      g_assert_cmpuint (gate_test_rpc (session, backend.url, backend.gate_token, "device_heartbeat", quoted, NULL),
                        ==, 200);
    }

  /* The largest that fits is PostgreSQL's to judge: too big for an int. */
  g_assert_cmpuint (gate_test_rpc (session, backend.url, backend.gate_token, "tickets_changed_since", largest, &body),
                    ==, 400);
  code = gate_test_json_member (body, 0, "code");
  g_assert_cmpstr (code, ==, "22003");
  after = data_checksum (ALL_SCANS);
  g_assert_cmpstr (after, ==, before);
}

static void
test_hostile_qr_code_through_a_kiosk (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autofree char *dir = g_dir_make_tmp ("gate-injection-XXXXXX", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_autofree char *before = data_checksum (ALL_SCANS);
  g_autofree char *after = NULL;
  const char *codes[] = {
    "'; DROP TABLE tickets; --", "\") OR 1=1 --", "' OR '1'='1", "x'); DELETE FROM public.scan_logs; --",
    "GS1-%s%n%x", "$$; DROP TABLE public.tickets; $$",
  };

  g_subprocess_launcher_setenv (launcher, "GATE_SERVER", backend.url, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_TOKEN", backend.gate_token, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_DEVICE_ID", backend.gate_id, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_EVENT", backend.event, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_CACHE", cache, TRUE);

  /* As a camera would read them: online scan_ticket with the code as p_qr_token. */
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;
      g_autofree char *verdict = NULL;
      g_autofree char *mode = NULL;

      process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("GATECTL"), "scan", codes[i], "--json", NULL);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
      verdict = gate_test_json_member (out, 0, "verdict");
      mode = gate_test_json_member (out, 0, "mode");
      g_assert_cmpstr (verdict, ==, "not_found");
      g_assert_cmpstr (mode, ==, "online");
    }

  after = data_checksum (ALL_SCANS);
  g_assert_cmpstr (after, ==, before);
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        g_remove (path);
      }
    g_rmdir (dir);
  }
}

/* --- setup -------------------------------------------------------------------- */

/* Two gates admit one ticket offline: a real conflict for review_conflict. */
static void
make_conflict (void)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tickets = gate_test_generate_tickets (backend.pg, backend.event, 1, "General", &error);
  g_autofree char *other_id = NULL;
  g_autofree char *other_token = NULL;
  const char *ids[] = { backend.gate_id, NULL };
  const char *tokens[] = { backend.gate_token, NULL };

  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (backend.pg, "gate-2", "gate", &other_id, &other_token, &error));
  ids[1] = other_id;
  tokens[1] = other_token;
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *scan_id = gate_test_uuid ();
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      /* A minute ago and a second later: after the ticket was made. */
      g_autoptr(GDateTime) then = g_date_time_add_seconds (now, -60.0 + i);
      g_autofree char *when = g_date_time_format (then, "%Y-%m-%dT%H:%M:%SZ");
      g_autofree char *json = g_strdup_printf ("{\"p_device_id\":\"%s\",\"p_scans\":[{\"client_scan_id\":\"%s\","
                                               "\"qr_token\":\"%s\",\"event_id\":\"%s\","
                                               "\"scanned_at\":\"%s\",\"clock_offset_ms\":0,"
                                               "\"scan_method\":\"qr\"}]}",
                                               ids[i], scan_id, tickets[0], backend.event, when);

      g_assert_cmpuint (gate_test_rpc (session, backend.url, tokens[i], "sync_offline_scans", json, NULL), ==, 200);
    }

  backend.conflict_id = sql_value ("SELECT max(id)::text FROM public.scan_conflicts");
  g_assert_nonnull (backend.conflict_id);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *quotes = g_strnfill (1024 * 1024, '\'');
  int result;

  g_test_init (&argc, &argv, NULL);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Injection", &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_add_device (backend.pg, "gate-1", "gate", &backend.gate_id, &backend.gate_token, &error));
  g_assert_true (gate_test_add_device (backend.pg, "boss", "supervisor", &backend.supervisor_id,
                                       &backend.supervisor_token, &error));
  g_assert_no_error (error);
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);
  backend.url = gate_test_server_get_url (backend.server);
  backend.list_id = gate_test_gatectl (&error, "list", "create", "--db", gate_test_pg_get_conninfo (backend.pg),
                                       "--event", backend.event, "--name", "Injection door", NULL);
  g_assert_no_error (error);
  g_strstrip (backend.list_id);
  backend.huge_string = g_strdup_printf ("\"%s\"", quotes);
  make_conflict ();
  {
    g_auto(GStrv) tickets = gate_test_generate_tickets (backend.pg, backend.event, 20, "General", &error);

    g_assert_no_error (error);
  }

  for (guint i = 0; i < G_N_ELEMENTS (functions); i++)
    {
      g_autofree char *path = g_strdup_printf ("/server/injection/%s", functions[i].name);

      g_test_add_data_func (path, &functions[i], test_every_argument_refuses_injection);
    }
  g_test_add_func ("/server/injection/offline-scan-members", test_offline_scan_members_refuse_injection);
  g_test_add_func ("/server/injection/argument-and-function-names", test_hostile_argument_name_is_not_found);
  g_test_add_func ("/server/injection/qr-code-through-a-kiosk", test_hostile_qr_code_through_a_kiosk);
  g_test_add_func ("/server/injection/integer-beyond-64-bits-is-refused", test_integer_beyond_64_bits_is_refused);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_free (backend.event);
  g_free (backend.gate_id);
  g_free (backend.gate_token);
  g_free (backend.supervisor_id);
  g_free (backend.supervisor_token);
  g_free (backend.conflict_id);
  g_free (backend.list_id);
  g_free (backend.huge_string);
  return result;
}
