/* fuzz-server-request.c — libFuzzer target: gate-server's request handling
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each input is a raw HTTP request as a kiosk or an attacker would send it
 * to gate-server. libsoup's own parser splits the request line and headers,
 * exactly as SoupServer does; the path is routed as gate-http-server-requests.c
 * routes it; then everything gate-server decides before the database runs:
 * gate_postgrest_check_head() on the head alone, as the early handler does
 * before a byte of the body is read, then gate_postgrest_parse_call()
 * (method, path, token, body size and form, the members' texts as
 * written), gate_postgrest_args_speak_for() (p_device_id), and the
 * argument mapping against an in-memory catalog shaped like the real one
 * (what gate_rpc_catalog_lookup_async() resolves with p_device_id
 * supplied, then gate_rpc_function_build_call() with an answer limit).
 *
 * Invariants: a refusal is one of the documented statuses with a PostgREST
 * error body that is a valid UTF-8 JSON object of four members; the head
 * alone refuses what the whole request is refused for, unless the refusal
 * is the body's; an accepted call has a non-empty trimmed token, a
 * function name without '/', a body that passed the raw checks, and a
 * member text only for members it has; and the SQL of a call depends only
 * on which arguments were named, never on their values — the values travel
 * as parameters, so no body can change the statement.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <libsoup/soup.h>

#include "gate-postgrest.h"
#include "gate-rpc-function.h"
#include "fuzz-log.h"

#define RPC_PREFIX "/rest/v1/rpc/"
#define DEVICE_ID  "gate-fuzz"
#define MAX_ANSWER (32 * 1024 * 1024)

static const char * const supplied[] = { "p_device_id", NULL };

int LLVMFuzzerInitialize    (int            *argc,
                             char         ***argv);
int LLVMFuzzerTestOneInput  (const uint8_t  *data,
                             size_t          size);

/* Rows as the catalog query of gate-rpc-catalog.c returns them for the
 * functions of migrations/postgres, plus an overload. */
static const char catalog_json[] =
  "["
  "{\"name\":\"scan_ticket\",\"args\":[\"p_qr_token\",\"p_event_id\",\"p_device_id\",\"p_client_scan_id\","
  "\"p_scanned_by\",\"p_scan_method\"],\"types\":[\"text\",\"uuid\",\"text\",\"uuid\",\"uuid\",\"text\"],"
  "\"n_defaults\":2,\"set\":true,\"returns\":\"record\",\"named_columns\":true},"
  "{\"name\":\"sync_offline_scans\",\"args\":[\"p_device_id\",\"p_scans\"],\"types\":[\"text\",\"jsonb\"],"
  "\"n_defaults\":0,\"set\":true,\"returns\":\"record\",\"named_columns\":true},"
  "{\"name\":\"tickets_changed_since\",\"args\":[\"p_event_id\",\"p_cursor\",\"p_limit\"],"
  "\"types\":[\"uuid\",\"text\",\"integer\"],\"n_defaults\":2,\"set\":true,\"returns\":\"record\","
  "\"named_columns\":true},"
  "{\"name\":\"event_summary\",\"args\":[\"p_event_id\"],\"types\":[\"uuid\"],\"n_defaults\":0,"
  "\"set\":true,\"returns\":\"record\",\"named_columns\":true},"
  "{\"name\":\"device_heartbeat\",\"args\":[\"p_device_id\",\"p_app_version\",\"p_pending_scans\","
  "\"p_last_refresh_at\"],\"types\":[\"text\",\"text\",\"integer\",\"timestamp with time zone\"],"
  "\"n_defaults\":0,\"set\":false,\"returns\":\"timestamp with time zone\",\"named_columns\":false},"
  "{\"name\":\"review_conflict\",\"args\":[\"p_conflict_id\",\"p_reviewed_by\",\"p_note\"],"
  "\"types\":[\"bigint\",\"text\",\"text\"],\"n_defaults\":1,\"set\":false,\"returns\":\"void\"},"
  "{\"name\":\"list_conflicts\",\"args\":[\"p_event_id\",\"p_include_reviewed\"],"
  "\"types\":[\"uuid\",\"boolean\"],\"n_defaults\":1,\"set\":true,\"returns\":\"record\","
  "\"named_columns\":true},"
  "{\"name\":\"list_conflicts\",\"args\":[],\"types\":[],\"n_defaults\":0,\"set\":true,"
  "\"returns\":\"record\",\"named_columns\":true}"
  "]";

static GPtrArray *catalog;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *rows;

  gate_fuzz_abort_on_warnings ();
  if (!json_parser_load_from_data (parser, catalog_json, -1, &error))
    g_error ("the catalog: %s", error->message);

  catalog = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_rpc_function_unref);
  rows = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      GateRpcFunction *function = gate_rpc_function_new_from_json (json_array_get_object_element (rows, i), &error);

      if (function == NULL)
        g_error ("the catalog: %s", error->message);
      g_ptr_array_add (catalog, function);
    }
  return 0;
}

static void
check_refusal (const GatePostgrestRefusal *refusal)
{
  static const guint statuses[] = { 400, 401, 404, 405, 413 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *body = NULL;
  gboolean known = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    known |= refusal->status == statuses[i];
  g_assert_true (known);
  g_assert_nonnull (refusal->code);
  g_assert_nonnull (refusal->message);

  body = gate_postgrest_error_body (refusal->code, refusal->message, refusal->details, refusal->hint);
  g_assert_true (g_utf8_validate (body, -1, NULL));
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  g_assert_cmpuint (json_object_get_size (json_node_get_object (json_parser_get_root (parser))), ==, 4);
}

/* The same member names, every value null. */
static JsonObject *
names_only (JsonObject *args)
{
  g_autoptr(GList) members = json_object_get_members (args);
  JsonObject *nulls = json_object_new ();

  for (const GList *l = members; l != NULL; l = l->next)
    json_object_set_null_member (nulls, l->data);
  return nulls;
}

static void
check_call (const GatePostgrestCall *call,
            const char              *body,
            gsize                    length)
{
  const char *reason = NULL;
  g_autoptr(JsonObject) nulls = NULL;
  gsize token_length = strlen (call->token);

  g_assert_cmpuint (token_length, >, 0);
  g_assert_false (g_ascii_isspace (call->token[0]) || g_ascii_isspace (call->token[token_length - 1]));
  g_assert_true (call->function_name[0] != '\0' && strchr (call->function_name, '/') == NULL);
  g_assert_nonnull (call->args);
  if (length > 0)
    g_assert_true (gate_postgrest_body_is_acceptable (body, length, &reason));

  /* Without a claim there is nothing to contradict. */
  g_assert_true (gate_postgrest_args_speak_for (call->args, DEVICE_ID) ||
                 json_object_has_member (call->args, "p_device_id"));

  /* Texts only for members there are. */
  {
    GHashTableIter iter;
    const char *member;

    g_hash_table_iter_init (&iter, call->arg_texts);
    while (g_hash_table_iter_next (&iter, (gpointer *) &member, NULL))
      g_assert_true (json_object_has_member (call->args, member));
  }

  /* The overload the catalog would resolve, and the statement it runs. */
  nulls = names_only (call->args);
  for (guint i = 0; i < catalog->len; i++)
    {
      GateRpcFunction *function = g_ptr_array_index (catalog, i);
      g_autoptr(GateDbStatement) statement = NULL;
      g_autoptr(GateDbStatement) shape = NULL;

      if (!g_str_equal (gate_rpc_function_get_name (function), call->function_name) ||
          !gate_rpc_function_accepts (function, call->args, supplied))
        continue;

      statement = gate_rpc_function_build_call (function, call->args, call->arg_texts, MAX_ANSWER);
      shape = gate_rpc_function_build_call (function, nulls, NULL, MAX_ANSWER);
      g_assert_cmpstr (statement->sql, ==, shape->sql);
      g_assert_cmpuint (statement->params->len, ==, json_object_get_size (call->args));
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(GUri) base = g_uri_parse ("http://127.0.0.1:8080/", SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GatePostgrestCall) call = NULL;
  g_autofree char *head = NULL;
  g_autofree char *method = NULL;
  g_autofree char *target = NULL;
  const char *end;
  const char *path;
  const char *body;
  gsize head_length;
  gsize body_length;
  GatePostgrestRefusal refusal;
  SoupHTTPVersion version;
  gboolean head_refused;

  /* Until the blank line the server is still reading headers. */
  end = g_strstr_len ((const char *) data, (gssize) size, "\r\n\r\n");
  if (end == NULL)
    return 0;
  head_length = (gsize) (end - (const char *) data) + 4;
  head = g_strndup ((const char *) data, head_length);
  body = (const char *) data + head_length;
  body_length = size - head_length;

  /* What SoupServer answers with 400 or 501 never reaches gate-server. */
  if (soup_headers_parse_request (head, (int) head_length, headers, &method, &target, &version) != SOUP_STATUS_OK)
    return 0;
  uri = g_uri_parse_relative (base, target, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL)
    return 0;

  path = g_uri_get_path (uri);
  if (!g_str_has_prefix (path, RPC_PREFIX))
    return 0;

  /* What the early handler decides before reading the body. */
  {
    GatePostgrestRefusal head_refusal;
    g_autofree char *token = gate_postgrest_check_head (method, path + strlen (RPC_PREFIX),
                                                        soup_message_headers_get_one (headers, "Authorization"),
                                                        soup_message_headers_get_one (headers, "apikey"),
                                                        soup_message_headers_get_content_length (headers),
                                                        &head_refusal);

    if (token == NULL)
      check_refusal (&head_refusal);
    head_refused = token == NULL && head_refusal.status != 413;
  }

  call = gate_postgrest_parse_call (method, path + strlen (RPC_PREFIX),
                                    soup_message_headers_get_one (headers, "Authorization"),
                                    soup_message_headers_get_one (headers, "apikey"),
                                    body, body_length, &refusal);
  /* Refused from the head, refused whatever the body. */
  if (head_refused)
    g_assert_null (call);
  if (call == NULL)
    check_refusal (&refusal);
  else
    check_call (call, body, body_length);

  return 0;
}
