/* test-postgrest.c — gate-server's protocol rules, without a database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "gate-json-members.h"
#include "gate-postgrest.h"
#include "gate-rpc-function.h"

static void
test_status_follows_postgrest_table (void)
{
  static const struct
  {
    const char *sqlstate;
    guint       status;
  } cases[] = {
    { "23505", 409 }, { "23503", 409 }, { "23502", 400 }, { "P0001", 400 }, { "P0002", 500 },
    { "42883", 404 }, { "42P01", 404 }, { "42501", 403 }, { "42P17", 500 }, { "42601", 400 },
    { "57014", 500 }, { "55P03", 500 }, { "40001", 500 }, { "40P01", 500 }, { "22P02", 400 },
    { "22007", 400 }, { "08006", 503 }, { "53300", 503 }, { "53400", 500 }, { "25006", 405 },
    { "25P02", 500 }, { "28000", 403 }, { "0P000", 403 }, { "XX000", 500 }, { "PT418", 418 },
    { "PT999", 400 }, { "PTabc", 400 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].sqlstate);
      g_assert_cmpuint (gate_postgrest_status_for_sqlstate (cases[i].sqlstate), ==, cases[i].status);
    }
}

static void
test_error_body_has_four_members (void)
{
  g_autofree char *body = gate_postgrest_error_body ("22P02", "invalid input \"x\"", NULL, "a hint");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_object_get_size (object), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, "22P02");
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "invalid input \"x\"");
  g_assert_true (json_object_get_null_member (object, "details"));
  g_assert_cmpstr (json_object_get_string_member (object, "hint"), ==, "a hint");
}

static gboolean
acceptable (const char *text,
            gsize       length)
{
  const char *reason = NULL;
  gboolean ok = gate_postgrest_body_is_acceptable (text, length, &reason);

  g_assert_true (ok == (reason == NULL));
  return ok;
}

static void
test_body_checks (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) deep_in_string = g_string_new ("{\"a\":\"");

  g_assert_true (acceptable ("{\"a\":[1,{\"b\":null}]}", strlen ("{\"a\":[1,{\"b\":null}]}")));
  g_assert_false (acceptable ("{\"a\":\"\xff\"}", 8));
  g_assert_false (acceptable ("{\"a\":\"\0\"}", 8));
  g_assert_false (acceptable ("{\"a\":\"x\\u0000y\"}", strlen ("{\"a\":\"x\\u0000y\"}")));
  /* An escaped backslash followed by "u0000" is plain text. */
  g_assert_true (acceptable ("{\"a\":\"x\\\\u0000y\"}", strlen ("{\"a\":\"x\\\\u0000y\"}")));

  for (guint i = 0; i < GATE_POSTGREST_MAX_DEPTH; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < GATE_POSTGREST_MAX_DEPTH; i++)
    g_string_append_c (deep, ']');
  g_assert_true (acceptable (deep->str, deep->len));
  g_string_prepend_c (deep, '[');
  g_string_append_c (deep, ']');
  g_assert_false (acceptable (deep->str, deep->len));

  /* Brackets inside strings are not nesting. */
  for (guint i = 0; i < 1000; i++)
    g_string_append_c (deep_in_string, '[');
  g_string_append (deep_in_string, "\"}");
  g_assert_true (acceptable (deep_in_string->str, deep_in_string->len));
}

/* json-glib reads 'single-quoted' strings, comments, a second value and
 * malformed escapes; a '"' inside a comment must not turn the nesting and
 * \u0000 checks off for the rest, nothing may follow the object, and
 * escapes are JSON's, surrogates in pairs. */
static void
test_body_json_glib_extensions_refused (void)
{
  g_autoptr(GString) deep = g_string_new ("['\"', ");
  static const char *const bodies[] = {
    "{'\"':\"\\u0000\"}",
    "{\"a\":1 /* \" */}",
    "{\"a\":'x'}",
    "{\"a\":1} // \"",
    /* json-glib took a second value and leaked it. */
    "{}{}",
    "{\"a\":1}[1]",
    "2{\"a\":1}",
    "\"x\"[]",
    "}{",
    /* json-glib: no root and no error. */
    " \n",
    /* json-glib took the first two as text and leaked the rest. */
    "{\"a\":\"\\q\"}",
    "{\"a\":\"\\uZZZZ\"}",
    "{\"a\":\"\\ude00\"}",
    "{\"a\":\"\\ud800x\"}",
    "{\"a\":\"\\ud800\\u0041\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_test_message ("%s", bodies[i]);
      g_assert_false (acceptable (bodies[i], strlen (bodies[i])));
    }

  /* A gate-server crash (stack overflow in json-glib) before the fix. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_assert_false (acceptable (deep->str, deep->len));

  /* Inside a proper string both are text; whitespace around is fine. */
  g_assert_true (acceptable ("{\"a\":\"it's a/b\"}", strlen ("{\"a\":\"it's a/b\"}")));
  g_assert_true (acceptable (" \r\n{\"a\":[1, {}]}\n\t", strlen (" \r\n{\"a\":[1, {}]}\n\t")));
  g_assert_true (acceptable ("{\"a\":\"\\ud83d\\ude00 \\u00e9\\n\\/\\\"\"}",
                             strlen ("{\"a\":\"\\ud83d\\ude00 \\u00e9\\n\\/\\\"\"}")));
}

static GatePostgrestCall *
parse (const char           *method,
       const char           *path,
       const char           *authorization,
       const char           *apikey,
       const char           *body,
       GatePostgrestRefusal *refusal)
{
  *refusal = (GatePostgrestRefusal) { 0 };
  return gate_postgrest_parse_call (method, path, authorization, apikey, body, body ? strlen (body) : 0, refusal);
}

static void
test_call_refusals_in_order (void)
{
  static const struct
  {
    const char *method;
    const char *path;
    const char *authorization;
    const char *body;
    guint       status;
    const char *code;
  } cases[] = {
    { "GET", "scan_ticket", NULL, "nonsense", 405, "PGRST101" },
    { "POST", "", "Bearer gst_x", "{}", 404, "PGRST125" },
    { "POST", "a/b", NULL, "{}", 404, "PGRST125" },
    { "POST", "scan_ticket", NULL, "nonsense", 401, "PGRST301" },
    { "POST", "scan_ticket", "Bearer   ", "{}", 401, "PGRST301" },
    { "POST", "scan_ticket", "Basic gst_x", "{}", 401, "PGRST301" },
    { "POST", "scan_ticket", "Bearer gst_x", "[]", 400, "PGRST102" },
    { "POST", "scan_ticket", "Bearer gst_x", "{\"a\":", 400, "PGRST102" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GatePostgrestRefusal refusal;
      g_autoptr(GatePostgrestCall) call =
        parse (cases[i].method, cases[i].path, cases[i].authorization, NULL, cases[i].body, &refusal);

      g_test_message ("%s /%s %s", cases[i].method, cases[i].path, cases[i].body);
      g_assert_null (call);
      g_assert_cmpuint (refusal.status, ==, cases[i].status);
      g_assert_cmpstr (refusal.code, ==, cases[i].code);
      g_assert_nonnull (refusal.message);
    }
}

static void
test_call_body_size_limit (void)
{
  g_autofree char *big = g_malloc0 (GATE_POSTGREST_MAX_BODY + 1);
  GatePostgrestRefusal refusal;
  g_autoptr(GatePostgrestCall) call =
    gate_postgrest_parse_call ("POST", "f", "Bearer t", NULL, big, GATE_POSTGREST_MAX_BODY + 1, &refusal);

  g_assert_null (call);
  g_assert_cmpuint (refusal.status, ==, 413);
  g_assert_cmpstr (refusal.code, ==, "PGRST413");
}

static void
test_call_token_and_arguments (void)
{
  GatePostgrestRefusal refusal;
  g_autoptr(GatePostgrestCall) bearer =
    parse ("POST", "scan_ticket", "bearer  gst_one ", "gst_two", "{\"p_device_id\":\"gate-1\"}", &refusal);
  g_autoptr(GatePostgrestCall) apikey = parse ("POST", "event_summary", NULL, " gst_two", NULL, &refusal);
  g_autoptr(GatePostgrestCall) number = parse ("POST", "f", "Bearer t", NULL, "{\"p_device_id\":1}", &refusal);

  g_assert_cmpstr (bearer->token, ==, "gst_one");
  g_assert_cmpstr (bearer->function_name, ==, "scan_ticket");
  g_assert_true (gate_postgrest_args_speak_for (bearer->args, "gate-1"));
  g_assert_false (gate_postgrest_args_speak_for (bearer->args, "gate-2"));

  /* No body: no arguments, and nobody claimed. */
  g_assert_cmpstr (apikey->token, ==, "gst_two");
  g_assert_cmpuint (json_object_get_size (apikey->args), ==, 0);
  g_assert_true (gate_postgrest_args_speak_for (apikey->args, "gate-1"));

  g_assert_false (gate_postgrest_args_speak_for (number->args, "1"));
}

static GateRpcFunction *
function_from (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  GateRpcFunction *function;

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  function = gate_rpc_function_new_from_json (json_node_get_object (json_parser_get_root (parser)), &error);
  g_assert_no_error (error);
  return function;
}

static JsonObject *
args_from (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static const char scan_function[] =
  "{\"name\":\"scan\",\"args\":[\"p_token\",\"p_at\",\"p_method\"],"
  "\"types\":[\"text\",\"timestamp with time zone\",\"text\"],\"n_defaults\":1,\"set\":true,"
  "\"returns\":\"record\"}";

static void
test_function_accepts_exact_names (void)
{
  g_autoptr(GateRpcFunction) function = function_from (scan_function);
  g_autoptr(JsonObject) all = args_from ("{\"p_token\":\"a\",\"p_at\":null,\"p_method\":\"qr\"}");
  g_autoptr(JsonObject) required = args_from ("{\"p_at\":\"2026-01-01\",\"p_token\":\"a\"}");
  g_autoptr(JsonObject) missing = args_from ("{\"p_token\":\"a\"}");
  g_autoptr(JsonObject) unknown = args_from ("{\"p_token\":\"a\",\"p_at\":null,\"p_evil\":1}");

  g_assert_true (gate_rpc_function_accepts (function, all, NULL));
  g_assert_true (gate_rpc_function_accepts (function, required, NULL));
  g_assert_false (gate_rpc_function_accepts (function, missing, NULL));
  g_assert_false (gate_rpc_function_accepts (function, unknown, NULL));
}

static void
test_function_builds_named_call (void)
{
  g_autoptr(GateRpcFunction) function = function_from (scan_function);
  g_autoptr(JsonObject) args = args_from ("{\"p_at\":null,\"p_token\":\"it's\"}");
  g_autoptr(GateDbStatement) statement = gate_rpc_function_build_call (function, args, NULL, 0);

  /* Declaration order, named, typed, values only as parameters. */
  g_assert_cmpstr (statement->sql, ==,
                   "SELECT to_json(r)::text FROM "
                   "public.\"scan\"(\"p_token\" => $1::text, \"p_at\" => $2::timestamp with time zone) AS r");
  g_assert_cmpuint (statement->params->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (statement->params, 0), ==, "it's");
  g_assert_null (g_ptr_array_index (statement->params, 1));
}

static void
test_function_passes_json_values_as_text (void)
{
  g_autoptr(GateRpcFunction) function =
    function_from ("{\"name\":\"f\",\"args\":[\"n\",\"b\",\"j\"],\"types\":[\"integer\",\"boolean\",\"jsonb\"],"
                   "\"n_defaults\":0,\"set\":false,\"returns\":\"integer\"}");
  g_autoptr(JsonObject) args = args_from ("{\"j\":[{\"x\":1}],\"b\":true,\"n\":42}");
  g_autoptr(GateDbStatement) statement = gate_rpc_function_build_call (function, args, NULL, 0);

  g_assert_cmpstr (statement->sql, ==, "SELECT to_json(public.\"f\"(\"n\" => $1::integer, \"b\" => $2::boolean, "
                                       "\"j\" => $3::jsonb))::text");
  g_assert_cmpstr (g_ptr_array_index (statement->params, 0), ==, "42");
  g_assert_cmpstr (g_ptr_array_index (statement->params, 1), ==, "true");
  g_assert_cmpstr (g_ptr_array_index (statement->params, 2), ==, "[{\"x\":1}]");
}

static void
test_function_names_out_columns (void)
{
  g_autoptr(GateRpcFunction) table =
    function_from ("{\"name\":\"t\",\"args\":[],\"types\":[],\"n_defaults\":0,\"set\":true,"
                   "\"returns\":\"integer\",\"named_columns\":true}");
  g_autoptr(GateRpcFunction) out =
    function_from ("{\"name\":\"o\",\"args\":[],\"types\":[],\"n_defaults\":0,\"set\":false,"
                   "\"returns\":\"integer\",\"named_columns\":true}");
  g_autoptr(JsonObject) args = args_from ("{}");
  g_autoptr(GateDbStatement) from_table = gate_rpc_function_build_call (table, args, NULL, 0);
  g_autoptr(GateDbStatement) from_out = gate_rpc_function_build_call (out, args, NULL, 0);

  /* Objects named after the columns, even for a single one. */
  g_assert_cmpstr (from_table->sql, ==,
                   "SELECT to_json(r)::text FROM (SELECT * FROM public.\"t\"()) AS r");
  g_assert_cmpstr (from_out->sql, ==, "SELECT to_json(r)::text FROM (SELECT * FROM public.\"o\"()) AS r");
}

static void
test_function_quotes_identifiers (void)
{
  g_autoptr(GateRpcFunction) function =
    function_from ("{\"name\":\"we\\\"ird\",\"args\":[\"a\\\"b\"],\"types\":[\"text\"],"
                   "\"n_defaults\":0,\"set\":false,\"returns\":\"void\"}");
  g_autoptr(JsonObject) args = args_from ("{\"a\\\"b\":\"x\"}");
  g_autoptr(GateDbStatement) statement = gate_rpc_function_build_call (function, args, NULL, 0);

  g_assert_cmpint (gate_rpc_function_get_result_kind (function), ==, GATE_RPC_RESULT_VOID);
  g_assert_cmpstr (statement->sql, ==, "SELECT NULL::text FROM public.\"we\"\"ird\"(\"a\"\"b\" => $1::text) AS r");
}

static void
test_function_without_argument_names_refused (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GateRpcFunction) function = NULL;

  g_assert_true (json_parser_load_from_data (parser, "{\"name\":\"f\",\"args\":null,\"types\":[\"text\"],"
                                                     "\"n_defaults\":0,\"set\":false,\"returns\":\"text\"}",
                                             -1, NULL));
  function = gate_rpc_function_new_from_json (json_node_get_object (json_parser_get_root (parser)), &error);
  g_assert_null (function);
  g_assert_nonnull (error);
}

static void
test_error_body_is_valid_utf8 (void)
{
  /* A function name from a percent-encoded path, bytes as they came. */
  g_autofree char *body = gate_postgrest_error_body ("PGRST202", "Could not find public.x\xff\xfe()", "\xc3", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (g_utf8_validate (body, -1, NULL));
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
}

static void
test_head_decides_before_the_body (void)
{
  static const struct
  {
    const char *method;
    const char *path;
    const char *authorization;
    goffset     length;
    guint       status;
    const char *code;
  } cases[] = {
    { "GET", "scan_ticket", "Bearer gst_x", 2, 405, "PGRST101" },
    { "POST", "x\xff\xfe", "Bearer gst_x", 2, 404, "PGRST202" },
    { "POST", "scan_ticket", NULL, GATE_POSTGREST_MAX_BODY, 401, "PGRST301" },
    { "POST", "scan_ticket", "Bearer gst_x", GATE_POSTGREST_MAX_BODY + 1, 413, "PGRST413" },
  };
  GatePostgrestRefusal refusal;
  g_autofree char *token = gate_postgrest_check_head ("POST", "scan_ticket", "Bearer gst_x", NULL, -1, &refusal);

  g_assert_cmpstr (token, ==, "gst_x");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *none = gate_postgrest_check_head (cases[i].method, cases[i].path, cases[i].authorization, NULL,
                                                         cases[i].length, &refusal);

      g_assert_null (none);
      g_assert_cmpuint (refusal.status, ==, cases[i].status);
      g_assert_cmpstr (refusal.code, ==, cases[i].code);
    }
}

static void
test_member_texts_as_written (void)
{
  static const char body[] = " { \"n\" : 1e999 , \"s\":\"x,}\\\"\", \"o\":{\"a\":[1, \"]\"]},\"b\":true,"
                             "\"p\\u005fx\":0.10,\"z\":null, \"n\":-2.50 } ";
  g_autoptr(GHashTable) texts = gate_json_member_texts (body, strlen (body));

  /* The last of a repeated name, as json-glib keeps it. */
  g_assert_cmpstr (g_hash_table_lookup (texts, "n"), ==, "-2.50");
  g_assert_cmpstr (g_hash_table_lookup (texts, "o"), ==, "{\"a\":[1, \"]\"]}");
  g_assert_cmpstr (g_hash_table_lookup (texts, "p_x"), ==, "0.10");
  /* Strings, booleans and null come from json-glib. */
  g_assert_false (g_hash_table_contains (texts, "s"));
  g_assert_false (g_hash_table_contains (texts, "b"));
  g_assert_false (g_hash_table_contains (texts, "z"));
}

static void
test_function_passes_numbers_as_written (void)
{
  g_autoptr(GateRpcFunction) function =
    function_from ("{\"name\":\"f\",\"args\":[\"n\",\"j\"],\"types\":[\"numeric\",\"jsonb\"],"
                   "\"n_defaults\":0,\"set\":false,\"returns\":\"integer\"}");
  static const char body[] = "{\"n\":0.1,\"j\":[{\"offset\":1e999}]}";
  GatePostgrestRefusal refusal;
  g_autoptr(GatePostgrestCall) call = gate_postgrest_parse_call ("POST", "f", "Bearer t", NULL, body,
                                                                 strlen (body), &refusal);
  g_autoptr(GateDbStatement) statement = NULL;

  g_assert_nonnull (call);
  statement = gate_rpc_function_build_call (function, call->args, call->arg_texts, 0);
  g_assert_cmpstr (g_ptr_array_index (statement->params, 0), ==, "0.1");
  g_assert_cmpstr (g_ptr_array_index (statement->params, 1), ==, "[{\"offset\":1e999}]");
}

static void
test_function_accepts_supplied_device_id (void)
{
  g_autoptr(GateRpcFunction) with_device =
    function_from ("{\"name\":\"s\",\"args\":[\"p_token\",\"p_device_id\"],\"types\":[\"text\",\"text\"],"
                   "\"n_defaults\":0,\"set\":true,\"returns\":\"record\"}");
  g_autoptr(GateRpcFunction) without =
    function_from ("{\"name\":\"e\",\"args\":[\"p_token\"],\"types\":[\"text\"],"
                   "\"n_defaults\":0,\"set\":true,\"returns\":\"record\"}");
  g_autoptr(JsonObject) args = args_from ("{\"p_token\":\"a\"}");
  const char *supplied[] = { "p_device_id", NULL };

  g_assert_false (gate_rpc_function_accepts (with_device, args, NULL));
  g_assert_true (gate_rpc_function_accepts (with_device, args, supplied));
  /* Supplied only where the function has it. */
  g_assert_true (gate_rpc_function_accepts (without, args, supplied));
  g_assert_true (gate_rpc_function_has_argument (with_device, "p_device_id"));
  g_assert_false (gate_rpc_function_has_argument (without, "p_device_id"));
}

static void
test_function_limits_the_answer (void)
{
  g_autoptr(GateRpcFunction) function = function_from (scan_function);
  g_autoptr(JsonObject) args = args_from ("{\"p_token\":\"a\",\"p_at\":null}");
  g_autoptr(GateDbStatement) statement = gate_rpc_function_build_call (function, args, NULL, 1024);

  /* A set is read row by row and counted: gate-server never holds more
   * than the limit of it. */
  g_assert_cmpstr (statement->sql, ==,
                   "SELECT to_json(r)::text FROM "
                   "public.\"scan\"(\"p_token\" => $1::text, \"p_at\" => $2::timestamp with time zone) AS r");
  g_assert_cmpuint (statement->max_rows_size, ==, 1024);
}

static void
test_function_of_one_row_is_measured_alike (void)
{
  g_autoptr(GateRpcFunction) function =
    function_from ("{\"name\":\"one\",\"args\":[],\"types\":[],\"n_defaults\":0,\"set\":true,"
                   "\"returns\":\"record\",\"rows\":1}");
  g_autoptr(JsonObject) args = args_from ("{}");
  g_autoptr(GateDbStatement) statement = gate_rpc_function_build_call (function, args, NULL, 1024);

  /* Declared ROWS 1: the same statement, its row counted alike. */
  g_assert_cmpstr (statement->sql, ==, "SELECT to_json(r)::text FROM public.\"one\"() AS r");
  g_assert_cmpuint (statement->max_rows_size, ==, 1024);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/postgrest/status-follows-postgrest-table", test_status_follows_postgrest_table);
  g_test_add_func ("/server/postgrest/error-body-has-four-members", test_error_body_has_four_members);
  g_test_add_func ("/server/postgrest/body-checks", test_body_checks);
  g_test_add_func ("/server/postgrest/body-json-glib-extensions-refused", test_body_json_glib_extensions_refused);
  g_test_add_func ("/server/postgrest/call-refusals-in-order", test_call_refusals_in_order);
  g_test_add_func ("/server/postgrest/call-body-size-limit", test_call_body_size_limit);
  g_test_add_func ("/server/postgrest/call-token-and-arguments", test_call_token_and_arguments);
  g_test_add_func ("/server/function/accepts-exact-names", test_function_accepts_exact_names);
  g_test_add_func ("/server/function/builds-named-call", test_function_builds_named_call);
  g_test_add_func ("/server/function/passes-json-values-as-text", test_function_passes_json_values_as_text);
  g_test_add_func ("/server/function/names-out-columns", test_function_names_out_columns);
  g_test_add_func ("/server/function/quotes-identifiers", test_function_quotes_identifiers);
  g_test_add_func ("/server/postgrest/error-body-is-valid-utf8", test_error_body_is_valid_utf8);
  g_test_add_func ("/server/postgrest/head-decides-before-the-body", test_head_decides_before_the_body);
  g_test_add_func ("/server/postgrest/member-texts-as-written", test_member_texts_as_written);
  g_test_add_func ("/server/function/passes-numbers-as-written", test_function_passes_numbers_as_written);
  g_test_add_func ("/server/function/accepts-supplied-device-id", test_function_accepts_supplied_device_id);
  g_test_add_func ("/server/function/limits-the-answer", test_function_limits_the_answer);
  g_test_add_func ("/server/function/of-one-row-is-measured-alike", test_function_of_one_row_is_measured_alike);
  g_test_add_func ("/server/function/without-argument-names-refused",
                   test_function_without_argument_names_refused);

  return g_test_run ();
}
