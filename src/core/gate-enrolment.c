/* gate-enrolment.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A kiosk with nothing configured trades a setup code, read from the
 * setup QR, for its device token: POST <server>/rest/v1/rpc/enroll_device
 * {"p_code": …} without a bearer token (docs/enrolment.md). The setup
 * text is built here too, so that gatectl and the kiosk agree on it.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gate-enrolment.h"
#include "gate-error.h"
#include "gate-proxy.h"
#include "gate-secret.h"

#define ENROL_TIMEOUT_S      15
/* A real answer is a few hundred bytes. */
#define ENROL_MAX_ANSWER     (64 * 1024)

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

G_DEFINE_QUARK (gate-enrolment-error-quark, gate_enrolment_error)

void
gate_enrolment_free (GateEnrolment *enrolment)
{
  if (enrolment == NULL)
    return;

  g_free (enrolment->device_id);
  gate_secret_clear (&enrolment->token);
  g_free (enrolment->event_id);
  g_free (enrolment->list_id);
  g_free (enrolment->server);
  g_free (enrolment);
}

/**
 * gate_setup_code_new:
 *
 * Returns: (transfer full): 16 characters of RFC 4648 base32 from the
 *   kernel's random source: 80 bits, upper case only
 */
char *
gate_setup_code_new (void)
{
  guint8 bytes[GATE_SETUP_CODE_LENGTH * 5 / 8];
  GString *code = g_string_sized_new (GATE_SETUP_CODE_LENGTH);
  guint buffer = 0;
  int bits = 0;
  gsize done = 0;

  while (done < sizeof bytes)
    {
      ssize_t n = getrandom (bytes + done, sizeof bytes - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("getrandom failed: %s", g_strerror (errno));
      done += (gsize) n;
    }

  for (gsize i = 0; i < sizeof bytes; i++)
    {
      buffer = (buffer << 8) | bytes[i];
      bits += 8;
      while (bits >= 5)
        {
          g_string_append_c (code, base32_alphabet[(buffer >> (bits - 5)) & 31]);
          bits -= 5;
        }
    }

  return g_string_free (code, FALSE);
}

/* The scheme and host of @server are case-insensitive: a server without a
 * path is written in upper case, so that the text is one a QR encodes in
 * its compact alphanumeric mode and that survives case folding. A path is
 * kept as given (a reverse proxy may care about its case). */
char *
gate_setup_uri_build (const char *server,
                      const char *code)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *written = NULL;

  g_return_val_if_fail (server != NULL && code != NULL, NULL);

  uri = g_uri_parse (server, G_URI_FLAGS_NONE, NULL);
  if (uri != NULL && g_uri_get_userinfo (uri) == NULL && g_uri_get_query (uri) == NULL &&
      g_uri_get_fragment (uri) == NULL &&
      (g_str_equal (g_uri_get_path (uri), "") || g_str_equal (g_uri_get_path (uri), "/")))
    {
      g_autofree char *plain = g_strdup (server);

      if (g_str_has_suffix (plain, "/"))
        plain[strlen (plain) - 1] = '\0';
      written = g_ascii_strup (plain, -1);
    }
  else
    written = g_strdup (server);

  return g_strconcat (GATE_SETUP_URI_PREFIX, code, ":", written, NULL);
}

gboolean
gate_setup_uri_looks_like (const char *text)
{
  return text != NULL && g_ascii_strncasecmp (text, GATE_SETUP_URI_PREFIX, strlen (GATE_SETUP_URI_PREFIX)) == 0;
}

/**
 * gate_setup_uri_parse:
 * @server: (out): the server URL, its scheme and host in lower case
 * @code: (out): the setup code, in upper case without dashes
 *
 * Fails with %GATE_ENROLMENT_ERROR_INVALID_URI.
 */
gboolean
gate_setup_uri_parse (const char  *text,
                      char       **server,
                      char       **code,
                      GError     **error)
{
  g_autoptr(GString) clean = g_string_new (NULL);
  g_autoptr(GUri) uri = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *rebuilt = NULL;
  g_autofree char *server_text = NULL;
  const char *rest;
  const char *colon;

  g_return_val_if_fail (server != NULL && code != NULL, FALSE);

  if (!gate_setup_uri_looks_like (text) || strlen (text) > 2100 || !g_utf8_validate (text, -1, NULL))
    goto invalid;

  rest = text + strlen (GATE_SETUP_URI_PREFIX);
  if ((colon = strchr (rest, ':')) == NULL)
    goto invalid;

  for (const char *p = rest; p < colon; p++)
    {
      char c = g_ascii_toupper (*p);

      if (c == '-' || c == ' ')
        continue;
      if (strchr (base32_alphabet, c) == NULL || c == '\0')
        goto invalid;
      g_string_append_c (clean, c);
    }
  if (clean->len != GATE_SETUP_CODE_LENGTH)
    goto invalid;

  server_text = g_strstrip (g_strdup (colon + 1));
  uri = g_uri_parse (server_text, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    goto invalid;
  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (!g_str_equal (scheme, "http") && !g_str_equal (scheme, "https"))
    goto invalid;
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  rebuilt = g_uri_join (G_URI_FLAGS_NONE, scheme, NULL, host, g_uri_get_port (uri), g_uri_get_path (uri), NULL,
                        NULL);
  if (g_str_has_suffix (rebuilt, "/"))
    rebuilt[strlen (rebuilt) - 1] = '\0';

  *server = g_steal_pointer (&rebuilt);
  *code = g_strdup (clean->str);
  return TRUE;

invalid:
  g_set_error_literal (error, GATE_ENROLMENT_ERROR, GATE_ENROLMENT_ERROR_INVALID_URI, "not a setup code");
  return FALSE;
}

static char *
dup_member (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

/**
 * gate_enrolment_from_json:
 *
 * Reads enroll_device's answer: an object with device_id, token and
 * server (strings) and event_id, list_id (strings or null).
 *
 * Returns: (transfer full) (nullable): the enrolment, or %NULL with
 *   %GATE_ERROR_BAD_RESPONSE
 */
GateEnrolment *
gate_enrolment_from_json (const char  *json,
                          gsize        length,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GateEnrolment) enrolment = g_new0 (GateEnrolment, 1);
  JsonNode *root;
  JsonObject *object;

  if (json == NULL || length > ENROL_MAX_ANSWER || !json_parser_load_from_data (parser, json, (gssize) length, NULL) ||
      (root = json_parser_get_root (parser)) == NULL)
    goto bad;

  /* PostgREST answers a jsonb function with the value itself. */
  if (JSON_NODE_HOLDS_ARRAY (root) && json_array_get_length (json_node_get_array (root)) == 1)
    root = json_array_get_element (json_node_get_array (root), 0);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    goto bad;

  object = json_node_get_object (root);
  enrolment->device_id = dup_member (object, "device_id");
  enrolment->token = dup_member (object, "token");
  enrolment->server = dup_member (object, "server");
  enrolment->event_id = dup_member (object, "event_id");
  enrolment->list_id = dup_member (object, "list_id");
  if (enrolment->device_id == NULL || *enrolment->device_id == '\0' || enrolment->token == NULL ||
      *enrolment->token == '\0' || enrolment->server == NULL)
    goto bad;

  return g_steal_pointer (&enrolment);

bad:
  g_set_error_literal (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "the server's enrolment answer is malformed");
  return NULL;
}

/* --- the call ---------------------------------------------------------------------- */

static GError *
error_for_answer (guint   status,
                  GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *message = NULL;
  gsize length;
  const char *data = g_bytes_get_data (body, &length);
  int code;

  if (length <= ENROL_MAX_ANSWER && json_parser_load_from_data (parser, data, (gssize) length, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    message = dup_member (json_node_get_object (json_parser_get_root (parser)), "message");
  if (message == NULL)
    message = g_strdup_printf ("the server answered %u", status);

  switch (status)
    {
    case 400: code = GATE_ENROLMENT_ERROR_UNKNOWN_CODE; break;
    case 409: code = GATE_ENROLMENT_ERROR_USED; break;
    case 410: code = GATE_ENROLMENT_ERROR_EXPIRED; break;
    case 429: code = GATE_ENROLMENT_ERROR_RATE_LIMITED; break;
    case 404:
      return g_error_new (GATE_ERROR, GATE_ERROR_NOT_FOUND, "the server cannot enroll devices (%s)", message);
    case 503:
      return g_error_new (GATE_ERROR, GATE_ERROR_UNAVAILABLE, "%s", message);
    default:
      return g_error_new (GATE_ERROR, status >= 500 ? GATE_ERROR_SERVER : GATE_ERROR_BAD_REQUEST, "%s", message);
    }

  return g_error_new_literal (GATE_ENROLMENT_ERROR, code, message);
}

static void
on_enrol_answer (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *message = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(GateEnrolment) enrolment = NULL;
  guint status;

  if (body == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_TIMEOUT, "the server did not answer in time");
      else
        g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_NETWORK, "cannot reach the server: %s",
                                 error->message);
      return;
    }

  status = soup_message_get_status (message);
  if (status != 200)
    {
      g_task_return_error (task, error_for_answer (status, body));
      return;
    }

  enrolment = gate_enrolment_from_json (g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  if (enrolment == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&enrolment), (GDestroyNotify) gate_enrolment_free);
}

/**
 * gate_enrol_async:
 * @server: the server's root URL, from the setup code
 * @apikey: (nullable): Supabase's anon key, sent as apikey; gate-server
 *   needs none
 * @code: the setup code
 *
 * Asks @server to enroll this device by @code, without a bearer token.
 * Fails with a #GateEnrolmentError for what the server refused, or a
 * #GateError (network, timeout, unavailable, bad response).
 */
void
gate_enrol_async (const char          *server,
                  const char          *apikey,
                  const char          *code,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *root_url = NULL;
  g_autofree char *url = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GBytes) body = NULL;
  SoupMessage *message;
  gsize length;

  g_return_if_fail (server != NULL && code != NULL);

  g_task_set_source_tag (task, gate_enrol_async);

  root_url = g_strdup (server);
  if (g_str_has_suffix (root_url, "/"))
    root_url[strlen (root_url) - 1] = '\0';
  if (g_str_has_suffix (root_url, "/rest/v1"))
    root_url[strlen (root_url) - strlen ("/rest/v1")] = '\0';
  url = g_strconcat (root_url, "/rest/v1/rpc/enroll_device", NULL);

  message = soup_message_new ("POST", url);
  if (message == NULL)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_CONFIG, "the server address “%s” is not a valid URL",
                               server);
      return;
    }
  g_task_set_task_data (task, message, g_object_unref);
  /* A redirect would carry the code to wherever it points. */
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  if (apikey != NULL && *apikey != '\0')
    soup_message_headers_replace (soup_message_get_request_headers (message), "apikey", apikey);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "p_code");
  json_builder_add_string_value (builder, code);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  length = strlen (json);
  body = g_bytes_new_take (g_steal_pointer (&json), length);
  soup_message_set_request_body_from_bytes (message, "application/json", body);

  session = soup_session_new_with_options ("user-agent", "gate-scanner/" PACKAGE_VERSION,
                                           "timeout", ENROL_TIMEOUT_S, NULL);
  gate_proxy_apply (session);
  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, cancellable, on_enrol_answer,
                                    g_steal_pointer (&task));
}

GateEnrolment *
gate_enrol_finish (GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
