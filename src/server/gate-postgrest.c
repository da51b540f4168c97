/* gate-postgrest.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "gate-json-integers.h"
#include "gate-json-text.h"
#include "gate-postgrest.h"

/* PostgREST's table ("HTTP Status Codes" in its error reference), most
 * specific first; anything not listed is a client error, 400. */
static const struct
{
  const char *prefix;
  guint       status;
} status_table[] = {
  { "08", 503 },    /* connection exception */
  { "09", 500 },    /* triggered action exception */
  { "0L", 403 },    /* invalid grantor */
  { "0P", 403 },    /* invalid role specification */
  { "23503", 409 }, /* foreign key violation */
  { "23505", 409 }, /* unique violation */
  { "25006", 405 }, /* read-only SQL transaction */
  { "25", 500 },    /* invalid transaction state */
  { "28", 403 },    /* invalid authorization specification */
  { "2D", 500 },    /* invalid transaction termination */
  { "38", 500 },    /* external routine exception */
  { "39", 500 },    /* external routine invocation exception */
  { "3B", 500 },    /* savepoint exception */
  { "40", 500 },    /* transaction rollback: serialization, deadlock */
  { "53400", 500 }, /* configuration limit exceeded */
  { "53", 503 },    /* insufficient resources */
  { "54", 500 },    /* program limit exceeded */
  { "55", 500 },    /* object not in prerequisite state: lock not available */
  { "57", 500 },    /* operator intervention: query canceled */
  { "58", 500 },    /* system error */
  { "F0", 500 },    /* configuration file error */
  { "HV", 500 },    /* foreign data wrapper error */
  { "P0001", 400 }, /* RAISE EXCEPTION without a code */
  { "P0", 500 },    /* other PL/pgSQL errors */
  { "XX", 500 },    /* internal error */
  { "42883", 404 }, /* undefined function */
  { "42P01", 404 }, /* undefined table */
  { "42P17", 500 }, /* infinite recursion */
  { "42501", 403 }, /* insufficient privilege (we always run as a device) */
};

guint
gate_postgrest_status_for_sqlstate (const char *sqlstate)
{
  g_return_val_if_fail (sqlstate != NULL, 500);

  /* RAISE … USING ERRCODE = 'PT404' picks the status itself. */
  if (strlen (sqlstate) == 5 && sqlstate[0] == 'P' && sqlstate[1] == 'T' &&
      g_ascii_isdigit (sqlstate[2]) && g_ascii_isdigit (sqlstate[3]) && g_ascii_isdigit (sqlstate[4]))
    {
      guint status = (guint) g_ascii_strtoull (sqlstate + 2, NULL, 10);

      if (status >= 100 && status <= 599)
        return status;
    }

  for (guint i = 0; i < G_N_ELEMENTS (status_table); i++)
    if (g_str_has_prefix (sqlstate, status_table[i].prefix))
      return status_table[i].status;

  return 400;
}

char *
gate_postgrest_error_body (const char *code,
                           const char *message,
                           const char *details,
                           const char *hint)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_set_member_name (builder, "details");
  if (details != NULL)
    json_builder_add_string_value (builder, details);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "hint");
  if (hint != NULL)
    json_builder_add_string_value (builder, hint);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* Before json-glib sees the text: it recurses per nesting level, cuts
 * strings at \u0000, and takes (and leaks on) more than JSON; see
 * gate-json-text.h. */
gboolean
gate_postgrest_body_is_acceptable (const char  *data,
                                   gsize        length,
                                   const char **reason)
{
  if (!g_utf8_validate_len (data, length, NULL))
    {
      *reason = "the body is not valid UTF-8 text";
      return FALSE;
    }

  *reason = gate_json_text_problem (data, length, GATE_POSTGREST_MAX_DEPTH);
  return *reason == NULL;
}

/* Bearer first; apikey (what Supabase clients always send) when there is
 * no bearer token. */
static char *
token_from_headers (const char *authorization,
                    const char *apikey)
{
  g_autofree char *token = NULL;

  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0)
    token = g_strstrip (g_strdup (authorization + 7));

  if ((token == NULL || *token == '\0') && apikey != NULL)
    {
      g_free (token);
      token = g_strstrip (g_strdup (apikey));
    }

  return token != NULL && *token != '\0' ? g_steal_pointer (&token) : NULL;
}

static void
refuse (GatePostgrestRefusal *refusal,
        guint                 status,
        const char           *code,
        const char           *message,
        const char           *details,
        const char           *hint)
{
  *refusal = (GatePostgrestRefusal) { status, code, message, details, hint };
}

/**
 * gate_postgrest_parse_call:
 * @method: the request's method
 * @function_name: the path after /rest/v1/rpc/
 * @authorization: (nullable): the Authorization header
 * @apikey: (nullable): the apikey header
 * @body: the whole request body, @length bytes, not NUL-terminated
 * @refusal: (out caller-allocates): filled when %NULL is returned
 *
 * Everything gate-server decides about an RPC request before the database:
 * the method (405), the path (404), a token at all (401), the body's size
 * (413) and form (400). Whether the token is valid and the function exists
 * is the database's to say.
 *
 * Returns: (transfer full) (nullable): the call, or %NULL and @refusal
 */
GatePostgrestCall *
gate_postgrest_parse_call (const char           *method,
                           const char           *function_name,
                           const char           *authorization,
                           const char           *apikey,
                           const char           *body,
                           gsize                 length,
                           GatePostgrestRefusal *refusal)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GatePostgrestCall) call = g_new0 (GatePostgrestCall, 1);
  const char *reason = NULL;

  g_return_val_if_fail (method != NULL && function_name != NULL && refusal != NULL, NULL);
  g_return_val_if_fail (body != NULL || length == 0, NULL);

  if (!g_str_equal (method, "POST"))
    {
      refuse (refusal, 405, "PGRST101", "Functions are called with POST", NULL, NULL);
      return NULL;
    }

  if (*function_name == '\0' || strchr (function_name, '/') != NULL)
    {
      refuse (refusal, 404, "PGRST125", "Invalid path specified in request URL", NULL, NULL);
      return NULL;
    }

  call->token = token_from_headers (authorization, apikey);
  if (call->token == NULL)
    {
      refuse (refusal, 401, "PGRST301", "no device token", NULL,
              "Send a valid device token as Authorization: Bearer <token>");
      return NULL;
    }

  /* Chunked bodies are cut off while they arrive (see gate-http-server.c). */
  if (length > GATE_POSTGREST_MAX_BODY)
    {
      refuse (refusal, 413, "PGRST413", "Request body too large", NULL, NULL);
      return NULL;
    }

  /* As PostgREST, an empty body calls the function without arguments. */
  if (length == 0)
    body = "{}", length = 2;

  if (!gate_postgrest_body_is_acceptable (body, length, &reason) ||
      !gate_json_integers_fit (body, length, &reason) ||
      !json_parser_load_from_data (parser, body, (gssize) length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      refuse (refusal, 400, "PGRST102", "Empty or invalid json",
              reason ? reason : "the body must be a JSON object of named arguments", NULL);
      return NULL;
    }

  call->function_name = g_strdup (function_name);
  call->args = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  return g_steal_pointer (&call);
}

void
gate_postgrest_call_free (GatePostgrestCall *call)
{
  if (call == NULL)
    return;

  g_free (call->function_name);
  g_free (call->token);
  g_clear_pointer (&call->args, json_object_unref);
  g_free (call);
}

/**
 * gate_postgrest_args_speak_for:
 * @args: a call's named arguments
 * @device_id: the authenticated device
 *
 * Returns: whether the call may run for @device_id: a member p_device_id,
 *   if any, must be that id as a string. A device speaks only for itself,
 *   whatever its grants.
 */
gboolean
gate_postgrest_args_speak_for (JsonObject *args,
                               const char *device_id)
{
  JsonNode *claimed = json_object_get_member (args, "p_device_id");

  return claimed == NULL ||
         (JSON_NODE_HOLDS_VALUE (claimed) && json_node_get_value_type (claimed) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (claimed), device_id));
}
