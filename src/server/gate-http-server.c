/* gate-http-server.c — PostgREST-compatible RPC over HTTP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * POST /rest/v1/rpc/<function> with a JSON object of named arguments runs
 * the function as the authenticated device's role and answers its rows as a
 * JSON array, with PostgREST's error bodies and status codes, so that the
 * same client works against Supabase. The server holds no business rules:
 * grants and the SQL functions decide.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gate-http-server.h"
#include "gate-rpc-catalog.h"

#define RPC_PREFIX      "/rest/v1/rpc/"
#define MAX_JSON_DEPTH  64
#define MAX_AUTH_CACHE  4096
#define CATALOG_MIN_AGE_US G_USEC_PER_SEC

struct _GateHttpServer
{
  GObject          parent_instance;

  SoupServer      *server;
  GateDbPool      *pool;
  GTlsCertificate *certificate;
  GateRpcCatalog  *catalog;
  gboolean         catalog_loading;
  gint64           catalog_loaded_at;
  GPtrArray       *catalog_waiters;   /* Request* */
  GHashTable      *auth_cache;        /* token hash → AuthEntry */
  gulong           reconnected_id;
};

G_DEFINE_FINAL_TYPE (GateHttpServer, gate_http_server, G_TYPE_OBJECT)

typedef struct
{
  char *device_id;
  char *db_role;
} AuthEntry;

typedef struct
{
  GateHttpServer    *self;
  SoupServerMessage *message;
  char              *function;
  JsonNode          *args;
  char              *token_hash;
  AuthEntry         *auth;
  gboolean           catalog_reloaded;
} Request;

static void step_resolve (Request *request);
static void load_catalog (GateHttpServer *self);

static void
auth_entry_free (AuthEntry *entry)
{
  g_free (entry->device_id);
  g_free (entry->db_role);
  g_free (entry);
}

static AuthEntry *
auth_entry_copy (const AuthEntry *entry)
{
  AuthEntry *copy = g_new0 (AuthEntry, 1);

  copy->device_id = g_strdup (entry->device_id);
  copy->db_role = g_strdup (entry->db_role);
  return copy;
}

static void
request_free (Request *request)
{
  g_clear_object (&request->self);
  g_clear_object (&request->message);
  g_clear_pointer (&request->args, json_node_unref);
  g_clear_pointer (&request->auth, auth_entry_free);
  g_free (request->function);
  g_free (request->token_hash);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

/* --- answers --------------------------------------------------------------- */

static void
set_json (SoupServerMessage *message,
          guint              status,
          const char        *json)
{
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json; charset=utf-8",
                                    SOUP_MEMORY_COPY, json, strlen (json));
}

static void
set_error (SoupServerMessage *message,
           guint              status,
           const char        *code,
           const char        *text,
           const char        *details,
           const char        *hint)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, text);
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
  json = json_to_string (root, FALSE);
  set_json (message, status, json);
}

static void
finish (Request *request)
{
  soup_server_message_unpause (request->message);
  request_free (request);
}

/* PostgREST's SQLSTATE → HTTP status mapping. */
static guint
status_for_sqlstate (const char *sqlstate)
{
  if (g_str_has_prefix (sqlstate, "PT") && strlen (sqlstate) == 5)
    {
      guint64 custom = g_ascii_strtoull (sqlstate + 2, NULL, 10);

      if (custom >= 400 && custom <= 599)
        return custom;
    }

  if (g_str_equal (sqlstate, "23503") || g_str_equal (sqlstate, "23505"))
    return 409;
  if (g_str_equal (sqlstate, "25006"))
    return 405;
  if (g_str_equal (sqlstate, "P0001"))
    return 400;
  if (g_str_equal (sqlstate, "42883") || g_str_equal (sqlstate, "42P01"))
    return 404;
  if (g_str_equal (sqlstate, "42501"))
    return 403;
  if (g_str_has_prefix (sqlstate, "08") || g_str_has_prefix (sqlstate, "53"))
    return 503;
  if (g_str_has_prefix (sqlstate, "0L") || g_str_has_prefix (sqlstate, "0P") ||
      g_str_has_prefix (sqlstate, "28"))
    return 403;
  if (g_str_has_prefix (sqlstate, "09") || g_str_has_prefix (sqlstate, "25") ||
      g_str_has_prefix (sqlstate, "2D") || g_str_has_prefix (sqlstate, "38") ||
      g_str_has_prefix (sqlstate, "39") || g_str_has_prefix (sqlstate, "3B") ||
      g_str_has_prefix (sqlstate, "40") || g_str_has_prefix (sqlstate, "54") ||
      g_str_has_prefix (sqlstate, "55") || g_str_has_prefix (sqlstate, "57") ||
      g_str_has_prefix (sqlstate, "58") || g_str_has_prefix (sqlstate, "F0") ||
      g_str_has_prefix (sqlstate, "HV") || g_str_has_prefix (sqlstate, "P0") ||
      g_str_has_prefix (sqlstate, "XX"))
    return 500;

  return 400;
}

static void
answer_unavailable (Request      *request,
                    const GError *error)
{
  set_error (request->message, 503, "PGRST000", "Database connection error. Retrying the connection.",
             error ? error->message : NULL, NULL);
  finish (request);
}

/* --- input checks ------------------------------------------------------------ */

/* json-glib parses recursively: refuse deep nesting before it can exhaust
 * the stack. */
static gboolean
json_depth_ok (const char *data,
               gsize       length)
{
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_JSON_DEPTH)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }

  return TRUE;
}

static char *
bearer_token (SoupServerMessage *message)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *apikey = soup_message_headers_get_one (headers, "apikey");

  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0)
    {
      g_autofree char *token = g_strstrip (g_strdup (authorization + 7));

      if (*token != '\0')
        return g_steal_pointer (&token);
    }

  if (apikey != NULL && *apikey != '\0')
    return g_strstrip (g_strdup (apikey));

  return NULL;
}

/* --- calling the function --------------------------------------------------- */

static char *
param_from_json (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return NULL;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));

  /* Numbers, booleans, objects and arrays as JSON text: PostgreSQL's input
   * functions for numeric, boolean and json(b) read exactly that. */
  return json_to_string (node, FALSE);
}

static char *
quote_ident (const char *name)
{
  GString *quoted = g_string_new ("\"");

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (quoted, '"');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}

static GateDbStatement *
build_call (const GateRpcFunction *function,
            JsonObject            *args)
{
  g_autoptr(GString) call = g_string_new (NULL);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autofree char *name = quote_ident (function->name);
  GateDbStatement *statement;
  guint n_params = 0;

  g_string_append_printf (call, "public.%s(", name);
  statement = gate_db_statement_new ("");

  for (guint i = 0; i < function->n_args; i++)
    {
      g_autofree char *arg = NULL;
      g_autofree char *value = NULL;

      if (!json_object_has_member (args, function->arg_names[i]))
        continue;

      arg = quote_ident (function->arg_names[i]);
      value = param_from_json (json_object_get_member (args, function->arg_names[i]));
      gate_db_statement_add (statement, value);
      n_params++;
      g_string_append_printf (call, "%s%s => $%u::%s", n_params > 1 ? ", " : "", arg, n_params,
                              function->arg_types[i]);
    }
  g_string_append_c (call, ')');

  if (function->returns_set)
    g_string_printf (sql, "SELECT coalesce(json_agg(r), '[]'::json)::text FROM %s AS r", call->str);
  else if (g_str_equal (function->returns, "void"))
    g_string_printf (sql, "SELECT 'null' FROM %s AS r", call->str);
  else
    g_string_printf (sql, "SELECT to_json(%s)::text", call->str);

  g_free (statement->sql);
  statement->sql = g_strdup (sql->str);
  return statement;
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Request) owned = user_data;
  Request *request = owned;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, &error);

  if (reply == NULL)
    {
      answer_unavailable (g_steal_pointer (&owned), error);
      return;
    }

  if (reply->sqlstate != NULL)
    {
      if (g_str_equal (reply->sqlstate, "28000"))
        {
          /* Revoked since we cached it. */
          g_hash_table_remove (request->self->auth_cache, request->token_hash);
          set_error (request->message, 401, "PGRST301", "Invalid or revoked device token", NULL, NULL);
        }
      else
        {
          if (g_str_equal (reply->sqlstate, "42883"))
            g_clear_pointer (&request->self->catalog, gate_rpc_catalog_free);
          set_error (request->message, status_for_sqlstate (reply->sqlstate), reply->sqlstate,
                     reply->message ? reply->message : "database error", reply->detail, reply->hint);
        }
      finish (g_steal_pointer (&owned));
      return;
    }

  set_json (request->message, 200,
            reply->rows->len > 0 && g_ptr_array_index (reply->rows, 0) != NULL
              ? g_ptr_array_index (reply->rows, 0) : "null");
  finish (g_steal_pointer (&owned));
}

static void
step_call (Request *request)
{
  JsonObject *args = json_node_get_object (request->args);
  const GateRpcFunction *function;
  g_autoptr(GPtrArray) statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);
  GateDbStatement *check;
  g_autofree char *set_role = NULL;

  if (json_object_has_member (args, "p_device_id"))
    {
      JsonNode *claimed = json_object_get_member (args, "p_device_id");

      if (!JSON_NODE_HOLDS_VALUE (claimed) ||
          json_node_get_value_type (claimed) != G_TYPE_STRING ||
          !g_str_equal (json_node_get_string (claimed), request->auth->device_id))
        {
          set_error (request->message, 403, "42501",
                     "p_device_id does not match the authenticated device", NULL, NULL);
          finish (request);
          return;
        }
    }

  /* Resolved again: the catalog may have been reloaded meanwhile. */
  function = request->self->catalog
               ? gate_rpc_catalog_resolve (request->self->catalog, request->function, args)
               : NULL;
  if (function == NULL)
    {
      step_resolve (request);
      return;
    }

  check = gate_db_statement_new ("SELECT public.gate_check_device($1, $2)");
  gate_db_statement_add (check, request->token_hash);
  gate_db_statement_add (check, request->auth->device_id);
  set_role = g_strdup_printf ("SET LOCAL ROLE %s", request->auth->db_role);

  g_ptr_array_add (statements, gate_db_statement_new ("BEGIN"));
  g_ptr_array_add (statements, check);
  g_ptr_array_add (statements, gate_db_statement_new (set_role));
  g_ptr_array_add (statements, build_call (function, args));
  g_ptr_array_add (statements, gate_db_statement_new ("COMMIT"));

  gate_db_pool_run_async (request->self->pool, statements, 3, NULL, on_call_done, request);
}

static void
on_authenticated (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Request) owned = user_data;
  Request *request = owned;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *row;
  JsonObject *object;
  AuthEntry entry;

  if (reply == NULL)
    {
      answer_unavailable (g_steal_pointer (&owned), error);
      return;
    }

  if (reply->sqlstate != NULL)
    {
      g_message ("authentication query failed: %s", reply->message);
      set_error (request->message, 500, reply->sqlstate, "authentication failed", NULL, NULL);
      finish (g_steal_pointer (&owned));
      return;
    }

  row = reply->rows->len > 0 ? g_ptr_array_index (reply->rows, 0) : NULL;
  if (row == NULL || !json_parser_load_from_data (parser, row, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      set_error (request->message, 401, "PGRST301", "Invalid or revoked device token", NULL, NULL);
      finish (g_steal_pointer (&owned));
      return;
    }

  object = json_node_get_object (json_parser_get_root (parser));
  entry.device_id = (char *) json_object_get_string_member_with_default (object, "device_id", "");
  entry.db_role = (char *) json_object_get_string_member_with_default (object, "db_role", "");

  /* The role is spliced into SET ROLE: only the two known ones. */
  if (!g_str_equal (entry.db_role, "gate_device") && !g_str_equal (entry.db_role, "gate_supervisor"))
    {
      set_error (request->message, 403, "42501", "device has no usable role", NULL, NULL);
      finish (g_steal_pointer (&owned));
      return;
    }

  if (g_hash_table_size (request->self->auth_cache) >= MAX_AUTH_CACHE)
    g_hash_table_remove_all (request->self->auth_cache);
  g_hash_table_replace (request->self->auth_cache, g_strdup (request->token_hash), auth_entry_copy (&entry));
  request->auth = auth_entry_copy (&entry);

  step_call (g_steal_pointer (&owned));
}

static void
step_auth (Request *request)
{
  AuthEntry *cached = g_hash_table_lookup (request->self->auth_cache, request->token_hash);
  g_autoptr(GPtrArray) statements = NULL;
  GateDbStatement *lookup;

  if (request->auth != NULL)
    {
      step_call (request);
      return;
    }

  if (cached != NULL)
    {
      request->auth = auth_entry_copy (cached);
      step_call (request);
      return;
    }

  statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);
  lookup = gate_db_statement_new ("SELECT json_build_object('device_id', a.device_id, 'db_role', a.db_role)::text "
                                  "FROM public.gate_authenticate($1) AS a");
  gate_db_statement_add (lookup, request->token_hash);
  g_ptr_array_add (statements, lookup);
  gate_db_pool_run_async (request->self->pool, statements, 0, NULL, on_authenticated, request);
}

static void
step_resolve (Request *request)
{
  GateHttpServer *self = request->self;
  JsonObject *args = json_node_get_object (request->args);

  if (self->catalog == NULL)
    {
      g_ptr_array_add (self->catalog_waiters, request);
      if (!self->catalog_loading)
        load_catalog (self);
      return;
    }

  if (gate_rpc_catalog_resolve (self->catalog, request->function, args) == NULL)
    {
      /* A migration may have added it since the catalog was read: look
       * again, but at most once a second whatever clients ask for. */
      if (!request->catalog_reloaded &&
          g_get_monotonic_time () - self->catalog_loaded_at > CATALOG_MIN_AGE_US)
        {
          request->catalog_reloaded = TRUE;
          g_clear_pointer (&self->catalog, gate_rpc_catalog_free);
          step_resolve (request);
          return;
        }

      g_autofree char *text = g_strdup_printf ("Could not find the function public.%s with the given "
                                               "arguments in the schema cache", request->function);

      set_error (request->message, 404, "PGRST202", text,
                 gate_rpc_catalog_has (self->catalog, request->function)
                   ? "The function exists but takes other arguments" : "No function with this name",
                 NULL);
      finish (request);
      return;
    }

  step_auth (request);
}

static void
on_catalog_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GateHttpServer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, &error);
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->catalog_waiters);

  self->catalog_loading = FALSE;
  self->catalog_waiters = g_ptr_array_new ();

  if (reply != NULL && reply->sqlstate == NULL && reply->rows->len == 1)
    {
      self->catalog = gate_rpc_catalog_new_from_json (g_ptr_array_index (reply->rows, 0), &error);
      self->catalog_loaded_at = g_get_monotonic_time ();
      if (self->catalog == NULL)
        g_message ("cannot read the function catalog: %s", error->message);
    }
  else if (reply != NULL && reply->sqlstate != NULL)
    g_message ("cannot load the function catalog: %s", reply->message);

  for (guint i = 0; i < waiters->len; i++)
    {
      Request *request = g_ptr_array_index (waiters, i);

      if (self->catalog != NULL)
        step_resolve (request);
      else
        answer_unavailable (request, error);
    }
}

static void
load_catalog (GateHttpServer *self)
{
  g_autoptr(GPtrArray) statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);

  self->catalog_loading = TRUE;
  g_ptr_array_add (statements, gate_db_statement_new (gate_rpc_catalog_query));
  gate_db_pool_run_async (self->pool, statements, 0, NULL, on_catalog_loaded, g_object_ref (self));
}

/* --- handlers --------------------------------------------------------------- */

static void
on_health_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  SoupServerMessage *message = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateDbReply) reply = gate_db_pool_run_finish (GATE_DB_POOL (source), result, &error);

  if (reply != NULL && reply->sqlstate == NULL)
    set_json (message, 200, "{\"status\":\"ok\"}");
  else
    set_json (message, 503, "{\"status\":\"database unavailable\"}");

  soup_server_message_unpause (message);
  g_object_unref (message);
}

static void
handle_health (GateHttpServer    *self,
               SoupServerMessage *message)
{
  g_autoptr(GPtrArray) statements = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_db_statement_free);

  if (!gate_db_pool_is_available (self->pool))
    {
      set_json (message, 503, "{\"status\":\"database unavailable\"}");
      return;
    }

  g_ptr_array_add (statements, gate_db_statement_new ("SELECT 1"));
  soup_server_message_pause (message);
  gate_db_pool_run_async (self->pool, statements, 0, NULL, on_health_done, g_object_ref (message));
}

static void
handle_rpc (GateHttpServer    *self,
            SoupServerMessage *message,
            const char        *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) body = NULL;
  g_autofree char *token = NULL;
  const char *function = path + strlen (RPC_PREFIX);
  const char *data;
  gsize length;
  Request *request;

  if (!g_str_equal (soup_server_message_get_method (message), "POST"))
    {
      set_error (message, 405, "PGRST101", "Only POST is supported for RPC", NULL, NULL);
      return;
    }

  if (*function == '\0' || strchr (function, '/') != NULL)
    {
      set_error (message, 404, "PGRST202", "No function named in the path", NULL, NULL);
      return;
    }

  token = bearer_token (message);
  if (token == NULL)
    {
      set_error (message, 401, "PGRST301", "No device token: send Authorization: Bearer <token>", NULL, NULL);
      return;
    }

  body = soup_message_body_flatten (soup_server_message_get_request_body (message));
  data = g_bytes_get_data (body, &length);

  if (length > GATE_HTTP_MAX_BODY)
    {
      set_error (message, 413, "PGRST413", "Request body too large", NULL, NULL);
      return;
    }

  if (length == 0)
    data = "{}", length = 2;

  if (!g_utf8_validate_len (data, length, NULL) || !json_depth_ok (data, length) ||
      !json_parser_load_from_data (parser, data, length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      set_error (message, 400, "PGRST102", "Empty or invalid json: a JSON object of named arguments is expected",
                 NULL, NULL);
      return;
    }

  request = g_new0 (Request, 1);
  request->self = g_object_ref (self);
  request->message = g_object_ref (message);
  request->function = g_strdup (function);
  request->args = json_node_ref (json_parser_get_root (parser));
  request->token_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);

  if (!gate_db_pool_is_available (self->pool))
    {
      set_error (message, 503, "PGRST000", "Database connection error. Retrying the connection.", NULL, NULL);
      request_free (request);
      return;
    }

  soup_server_message_pause (message);
  step_resolve (request);
}

static void
handle (SoupServer        *server,
        SoupServerMessage *message,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  GateHttpServer *self = user_data;

  soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                "Cache-Control", "no-store");

  if (g_str_equal (path, "/healthz"))
    handle_health (self, message);
  else if (g_str_has_prefix (path, RPC_PREFIX))
    handle_rpc (self, message, path);
  else
    set_error (message, 404, "PGRST125", "Not found", NULL, NULL);
}

static void
on_got_chunk (SoupServerMessage *message,
              GBytes            *chunk,
              gpointer           user_data)
{
  SoupMessageBody *body = soup_server_message_get_request_body (message);

  /* A chunked body has no Content-Length to refuse up front. */
  if (body->length > GATE_HTTP_MAX_BODY)
    {
      g_autoptr(GIOStream) stream = soup_server_message_steal_connection (message);

      if (stream != NULL)
        {
          static const char json[] =
            "{\"code\":\"PGRST413\",\"message\":\"Request body too large\",\"details\":null,\"hint\":null}";
          g_autofree char *reply = g_strdup_printf ("HTTP/1.1 413 Payload Too Large\r\n"
                                                    "Content-Type: application/json; charset=utf-8\r\n"
                                                    "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
                                                    strlen (json), json);

          g_output_stream_write_all (g_io_stream_get_output_stream (stream), reply, strlen (reply),
                                     NULL, NULL, NULL);
          g_io_stream_close (stream, NULL, NULL);
        }
    }
}

static void
handle_early (SoupServer        *server,
              SoupServerMessage *message,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  goffset length = soup_message_headers_get_content_length (headers);

  if (length > GATE_HTTP_MAX_BODY)
    {
      set_error (message, 413, "PGRST413", "Request body too large", NULL, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (message), "Connection", "close");
      return;
    }

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
    g_signal_connect (message, "got-chunk", G_CALLBACK (on_got_chunk), NULL);
}

/* --- object ------------------------------------------------------------------ */

static void
on_reconnected (GateHttpServer *self)
{
  /* Migrations may have run while the database was away. */
  g_clear_pointer (&self->catalog, gate_rpc_catalog_free);
}

GateHttpServer *
gate_http_server_new (GateDbPool      *pool,
                      GTlsCertificate *certificate)
{
  GateHttpServer *self = g_object_new (GATE_TYPE_HTTP_SERVER, NULL);

  self->pool = g_object_ref (pool);
  self->reconnected_id = g_signal_connect_swapped (pool, "reconnected", G_CALLBACK (on_reconnected), self);
  if (certificate != NULL)
    self->certificate = g_object_ref (certificate);

  self->server = soup_server_new ("server-header", "gate-server/" PACKAGE_VERSION,
                                  "tls-certificate", certificate, NULL);
  soup_server_add_early_handler (self->server, NULL, handle_early, self, NULL);
  soup_server_add_handler (self->server, NULL, handle, self, NULL);
  return self;
}

/* GSocket's default backlog of 10 overflows when a gate's worth of kiosks
 * reconnect at once, and overflowing connections get reset. */
#define LISTEN_BACKLOG 1024

char *
gate_http_server_listen (GateHttpServer  *self,
                         const char      *address,
                         GError         **error)
{
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketAddressEnumerator) enumerator = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *host = NULL;
  gboolean ipv6;

  connectable = g_network_address_parse (address, 8080, error);
  if (connectable == NULL)
    return NULL;

  enumerator = g_socket_connectable_enumerate (connectable);
  socket_address = g_socket_address_enumerator_next (enumerator, NULL, error);
  if (socket_address == NULL)
    return NULL;

  socket = g_socket_new (g_socket_address_get_family (socket_address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, socket_address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;

  if (!soup_server_listen_socket (self->server, socket,
                                  self->certificate ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return NULL;

  /* The real port when :0 was asked for. */
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return NULL;

  host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (bound)));
  ipv6 = strchr (host, ':') != NULL;
  return g_strdup_printf ("%s://%s%s%s:%u", self->certificate ? "https" : "http", ipv6 ? "[" : "", host,
                          ipv6 ? "]" : "", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

void
gate_http_server_stop (GateHttpServer *self)
{
  if (self->server != NULL)
    soup_server_disconnect (self->server);
}

static void
gate_http_server_dispose (GObject *object)
{
  GateHttpServer *self = GATE_HTTP_SERVER (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_signal_handler (&self->reconnected_id, self->pool);
  g_clear_object (&self->pool);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (gate_http_server_parent_class)->dispose (object);
}

static void
gate_http_server_finalize (GObject *object)
{
  GateHttpServer *self = GATE_HTTP_SERVER (object);

  g_clear_pointer (&self->catalog, gate_rpc_catalog_free);
  g_clear_pointer (&self->catalog_waiters, g_ptr_array_unref);
  g_clear_pointer (&self->auth_cache, g_hash_table_unref);

  G_OBJECT_CLASS (gate_http_server_parent_class)->finalize (object);
}

static void
gate_http_server_class_init (GateHttpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_http_server_dispose;
  object_class->finalize = gate_http_server_finalize;
}

static void
gate_http_server_init (GateHttpServer *self)
{
  self->catalog_waiters = g_ptr_array_new ();
  self->auth_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) auth_entry_free);
}
