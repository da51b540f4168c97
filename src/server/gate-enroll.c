/* gate-enroll.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A kiosk that enrolls has no device token yet, so public.enroll_device is
 * served to requests without one (whatever Authorization or apikey they
 * carry is not looked up: Supabase's anon key semantics). Everything else
 * of the hardened server still holds, and tighter: the body is refused
 * above 4 KiB from its declared length, it must be exactly {"p_code":
 * "<text>"}, and the call runs as gate_authenticator with the same
 * statement and lock timeouts as any call. gate-http-server counts every
 * refused enrolment against the client's address in the failed-
 * authentication limiter and answers 429 without asking the database
 * once the address is blocked.
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "gate-enroll.h"

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

gboolean
gate_enroll_is_enrolment (const char *function_name)
{
  return function_name != NULL && strcmp (function_name, GATE_ENROLL_FUNCTION) == 0;
}

/**
 * gate_enroll_check_head:
 * @content_length: as declared, -1 when none was (chunked or no body)
 *
 * Returns: whether the head of an enrolment may be followed by reading its
 *   body; %FALSE with @refusal set otherwise
 */
gboolean
gate_enroll_check_head (const char           *method,
                        goffset               content_length,
                        GatePostgrestRefusal *refusal)
{
  g_return_val_if_fail (method != NULL && refusal != NULL, FALSE);

  if (strcmp (method, SOUP_METHOD_POST) != 0)
    {
      refuse (refusal, 405, "PGRST101", "Functions are called with POST", NULL, NULL);
      return FALSE;
    }

  if (content_length > GATE_ENROLL_MAX_BODY)
    {
      refuse (refusal, 413, "PGRST413", "Request body too large",
              "An enrolment's body is at most 4096 bytes", NULL);
      return FALSE;
    }

  return TRUE;
}

/**
 * gate_enroll_build_call:
 * @limits: the statement and lock timeouts of every call
 * @result_index: (out): the statement whose row is the answer
 *
 * Returns: (transfer full) (nullable): the transaction that enrolls, or
 *   %NULL with @refusal set when the body is not {"p_code": "<text>"}
 */
GPtrArray *
gate_enroll_build_call (const char           *body,
                        gsize                 length,
                        const GateCallLimits *limits,
                        guint                *result_index,
                        GatePostgrestRefusal *refusal)
{
  g_autoptr(JsonObject) args = NULL;
  g_autoptr(GPtrArray) statements = NULL;
  g_autofree char *statement_timeout = NULL;
  g_autofree char *lock_timeout = NULL;
  GateDbStatement *statement;
  JsonNode *code;

  g_return_val_if_fail (limits != NULL && result_index != NULL && refusal != NULL, NULL);

  if (length > GATE_ENROLL_MAX_BODY)
    {
      refuse (refusal, 413, "PGRST413", "Request body too large",
              "An enrolment's body is at most 4096 bytes", NULL);
      return NULL;
    }

  if (!gate_postgrest_parse_body (body, length, &args, NULL, refusal))
    return NULL;

  if (json_object_get_size (args) != 1 || (code = json_object_get_member (args, "p_code")) == NULL)
    {
      refuse (refusal, 404, "PGRST202", "Could not find the function public.enroll_device with the given arguments",
              NULL, "It takes p_code");
      return NULL;
    }

  if (!JSON_NODE_HOLDS_VALUE (code) || json_node_get_value_type (code) != G_TYPE_STRING)
    {
      refuse (refusal, 400, "22023", "p_code must be a string", NULL, "Send the setup code as it was printed");
      return NULL;
    }

  statement_timeout = g_strdup_printf ("%u", limits->statement_timeout_ms);
  lock_timeout = g_strdup_printf ("%u", limits->lock_timeout_ms);

  statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);
  g_ptr_array_add (statements, gate_db_statement_new ("BEGIN"));
  statement = gate_db_statement_new ("SELECT pg_catalog.set_config('role', 'gate_authenticator', true), "
                                     "pg_catalog.set_config('statement_timeout', $1, true), "
                                     "pg_catalog.set_config('lock_timeout', $2, true)");
  gate_db_statement_add (statement, statement_timeout);
  gate_db_statement_add (statement, lock_timeout);
  g_ptr_array_add (statements, statement);
  *result_index = statements->len;
  statement = gate_db_statement_new ("SELECT public.enroll_device($1)::text");
  gate_db_statement_add (statement, json_node_get_string (code));
  g_ptr_array_add (statements, statement);
  g_ptr_array_add (statements, gate_db_statement_new ("COMMIT"));

  return g_steal_pointer (&statements);
}
