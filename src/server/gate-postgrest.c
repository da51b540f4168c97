/* gate-postgrest.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "gate-json-integers.h"
#include "gate-json-members.h"
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

/* Every text of an error body is valid UTF-8, whatever it quotes: a
 * function name from a percent-encoded path (x%FF%FE) or an argument
 * name may carry any bytes. */
static void
add_text (JsonBuilder *builder,
          const char  *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }

  valid = g_utf8_make_valid (text, -1);
  json_builder_add_string_value (builder, valid);
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
  add_text (builder, code);
  json_builder_set_member_name (builder, "message");
  add_text (builder, message);
  json_builder_set_member_name (builder, "details");
  add_text (builder, details);
  json_builder_set_member_name (builder, "hint");
  add_text (builder, hint);
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
 * gate_postgrest_check_head:
 * @method: the request's method
 * @function_name: the path after /rest/v1/rpc/, percent-decoded
 * @authorization: (nullable): the Authorization header
 * @apikey: (nullable): the apikey header
 * @content_length: the declared body length, -1 when not declared
 * @refusal: (out caller-allocates): filled when %NULL is returned
 *
 * What gate-server decides from a request's head alone, before a byte of
 * its body is read: the method (405), the path (404), a token at all
 * (401), and the declared size (413). Whether the token is valid and the
 * function exists is the database's to say.
 *
 * Returns: (transfer full) (nullable): the token, or %NULL and @refusal
 */
char *
gate_postgrest_check_head (const char           *method,
                           const char           *function_name,
                           const char           *authorization,
                           const char           *apikey,
                           goffset               content_length,
                           GatePostgrestRefusal *refusal)
{
  g_autofree char *token = NULL;

  g_return_val_if_fail (method != NULL && function_name != NULL && refusal != NULL, NULL);

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

  /* No function has such a name; and it would end up in the answer. */
  if (!g_utf8_validate (function_name, -1, NULL))
    {
      refuse (refusal, 404, "PGRST202", "Could not find the function in the schema cache",
              "The function name is not valid UTF-8", NULL);
      return NULL;
    }

  token = token_from_headers (authorization, apikey);
  if (token == NULL)
    {
      refuse (refusal, 401, "PGRST301", "no device token", NULL,
              "Send a valid device token as Authorization: Bearer <token>");
      return NULL;
    }

  /* Chunked bodies are cut off while they arrive (see gate-http-server-requests.c). */
  if (content_length > GATE_POSTGREST_MAX_BODY)
    {
      refuse (refusal, 413, "PGRST413", "Request body too large", NULL, NULL);
      return NULL;
    }

  return g_steal_pointer (&token);
}

/**
 * gate_postgrest_parse_body:
 * @body: the whole request body, @length bytes, not NUL-terminated
 * @args: (out) (transfer full): the named arguments
 * @arg_texts: (out) (transfer full) (optional): see #GatePostgrestCall
 * @refusal: (out caller-allocates): filled when %FALSE is returned
 *
 * The body's size (413) and form (400): one JSON object, as
 * gate_postgrest_body_is_acceptable() and gate_json_integers_fit() allow.
 */
gboolean
gate_postgrest_parse_body (const char            *body,
                           gsize                  length,
                           JsonObject           **args,
                           GHashTable           **arg_texts,
                           GatePostgrestRefusal  *refusal)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *reason = NULL;

  g_return_val_if_fail (body != NULL || length == 0, FALSE);
  g_return_val_if_fail (args != NULL && refusal != NULL, FALSE);

  if (length > GATE_POSTGREST_MAX_BODY)
    {
      refuse (refusal, 413, "PGRST413", "Request body too large", NULL, NULL);
      return FALSE;
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
      return FALSE;
    }

  *args = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  if (arg_texts != NULL)
    *arg_texts = gate_json_member_texts (body, length);
  return TRUE;
}

/**
 * gate_postgrest_parse_call:
 *
 * gate_postgrest_check_head() and gate_postgrest_parse_body() in one, for
 * a request whose body is all there.
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
  g_autoptr(GatePostgrestCall) call = g_new0 (GatePostgrestCall, 1);

  g_return_val_if_fail (body != NULL || length == 0, NULL);

  call->token = gate_postgrest_check_head (method, function_name, authorization, apikey, (goffset) length,
                                           refusal);
  if (call->token == NULL ||
      !gate_postgrest_parse_body (body, length, &call->args, &call->arg_texts, refusal))
    return NULL;

  call->function_name = g_strdup (function_name);
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
  g_clear_pointer (&call->arg_texts, g_hash_table_unref);
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
