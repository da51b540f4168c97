/* gate-log.c — gate-server's log lines, as text or JSON, and request ids
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every line goes to stderr (stdout carries only "listening on URL"). As
 * text, a line is GLib's message; as JSON (--log-format json), one object a
 * line with "time", "level", "message" and, for a request, its fields
 * (request_id, method, path, status, duration_ms, device_id, client), so a
 * log shipper indexes them without parsing sentences.
 *
 * A request gets a line when it failed (status 400 or more) or was slow (a
 * second or more); a venue's thousands of good scans a minute do not fill
 * a disk. Lines are limited to GATE_LOG_REQUESTS_PER_S a second, so that a
 * flood of bad requests cannot either; how many were left out is said
 * once the second is over. Tokens are never logged: the request line has
 * the device's id, never a header.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "gate-log.h"

#define SLOW_REQUEST_US  G_USEC_PER_SEC
#define MAX_LOGGED_PATH  96

/* Custom fields of gate-server's request lines: GATE_<NAME> → "<name>". */
#define FIELD_PREFIX "GATE_"

static GateLogFormat log_format = GATE_LOG_TEXT;

static struct
{
  gint64 second;        /* the monotonic second being counted */
  guint  written;
  guint  left_out;
} request_budget;

/**
 * gate_log_parse_format:
 *
 * Returns: whether @name is "text" or "json"
 */
gboolean
gate_log_parse_format (const char    *name,
                       GateLogFormat *format)
{
  if (g_strcmp0 (name, "text") == 0)
    *format = GATE_LOG_TEXT;
  else if (g_strcmp0 (name, "json") == 0)
    *format = GATE_LOG_JSON;
  else
    return FALSE;
  return TRUE;
}

static const char *
level_name (GLogLevelFlags log_level)
{
  if (log_level & G_LOG_LEVEL_ERROR)
    return "error";
  if (log_level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (log_level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (log_level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    return "info";
  return "debug";
}

static char *
field_text (const GLogField *field)
{
  if (field->length < 0)
    return g_utf8_make_valid (field->value, -1);
  return g_utf8_make_valid (field->value, field->length);
}

/**
 * gate_log_format_fields:
 *
 * Returns: (transfer full): one log line, without its newline
 */
char *
gate_log_format_fields (GateLogFormat    format,
                        GLogLevelFlags   log_level,
                        const GLogField *fields,
                        gsize            n_fields)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *time = NULL;

  if (format == GATE_LOG_TEXT)
    return g_log_writer_format_fields (log_level, fields, n_fields, FALSE);

  now = g_date_time_new_now_utc ();
  time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, time);
  json_builder_set_member_name (builder, "level");
  json_builder_add_string_value (builder, level_name (log_level));

  for (gsize i = 0; i < n_fields; i++)
    {
      g_autofree char *value = NULL;
      g_autofree char *name = NULL;

      if (g_str_equal (fields[i].key, "MESSAGE"))
        name = g_strdup ("message");
      else if (g_str_has_prefix (fields[i].key, FIELD_PREFIX))
        name = g_ascii_strdown (fields[i].key + strlen (FIELD_PREFIX), -1);
      else
        continue;

      value = field_text (&fields[i]);
      /* A field a request line does not have (no device yet). */
      if (*value == '\0' && !g_str_equal (name, "message"))
        continue;
      json_builder_set_member_name (builder, name);
      /* Numbers stay numbers, for a log shipper's queries. */
      if ((g_str_equal (name, "status") || g_str_equal (name, "duration_ms")) && *value != '\0' &&
          strspn (value, "0123456789.") == strlen (value))
        json_builder_add_double_value (builder, g_ascii_strtod (value, NULL));
      else
        json_builder_add_string_value (builder, value);
    }

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static GLogWriterOutput
write_to_stderr (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  g_autofree char *line = NULL;

  if (g_log_writer_default_would_drop (log_level, NULL))
    return G_LOG_WRITER_HANDLED;

  line = gate_log_format_fields (log_format, log_level, fields, n_fields);
  fprintf (stderr, "%s\n", line);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

/**
 * gate_log_install:
 *
 * Sends every log line of the process to stderr in @format; call again to
 * change the format (GLib takes a writer only once).
 */
void
gate_log_install (GateLogFormat format)
{
  static gboolean installed;

  log_format = format;
  if (!installed)
    g_log_set_writer_func (write_to_stderr, NULL, NULL);
  installed = TRUE;
}

/**
 * gate_log_request_id_is_sane:
 *
 * Whether a client's X-Request-Id may be used as it is: 1 to 64 letters,
 * digits and "-_.:" (UUIDs, hex, most tracing ids), nothing a log or a
 * header could be confused by.
 */
gboolean
gate_log_request_id_is_sane (const char *id)
{
  gsize length;

  if (id == NULL)
    return FALSE;

  length = strlen (id);
  if (length == 0 || length > GATE_REQUEST_ID_MAX)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (id[i]) && strchr ("-_.:", id[i]) == NULL)
      return FALSE;
  return TRUE;
}

/**
 * gate_log_new_request_id:
 *
 * Returns: (transfer full): an id no other request of this or another
 *   gate-server has: a random 64-bit prefix per process and a counter,
 *   cheaper than a random UUID per request
 */
char *
gate_log_new_request_id (void)
{
  static guint64 prefix;
  static guint64 counter;

  if (prefix == 0)
    prefix = ((guint64) g_random_int () << 32) | g_random_int () | 1;
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x", prefix, ++counter);
}

/**
 * gate_log_request_wanted:
 *
 * Whether a request gets a log line: it failed, or it was slow.
 */
gboolean
gate_log_request_wanted (guint  status,
                         gint64 duration_us)
{
  return status >= 400 || duration_us >= SLOW_REQUEST_US;
}

/* The path as a log may show it: printable, and not too long. */
static char *
loggable_path (const char *path)
{
  g_autofree char *valid = g_utf8_make_valid (path ? path : "", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0' && out->len < MAX_LOGGED_PATH; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isprint (c))
        g_string_append_unichar (out, c);
      else
        g_string_append_printf (out, "\\u%04x", c);
    }
  if (strlen (valid) > out->len)
    g_string_append (out, "…");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * gate_log_request:
 *
 * Writes one line for @request, unless this second's budget of request
 * lines is spent.
 */
void
gate_log_request (const GateLogRequest *request)
{
  gint64 second = g_get_monotonic_time () / G_USEC_PER_SEC;
  g_autofree char *path = loggable_path (request->path);
  g_autofree char *status = g_strdup_printf ("%u", request->status);
  g_autofree char *duration = request->duration_us >= 0
    ? g_strdup_printf ("%.1f", request->duration_us / 1000.0) : g_strdup ("");
  g_autoptr(GString) message = NULL;

  if (second != request_budget.second)
    {
      if (request_budget.left_out > 0)
        g_message ("%u more failed or slow requests in that second were not logged", request_budget.left_out);
      request_budget.second = second;
      request_budget.written = 0;
      request_budget.left_out = 0;
    }
  if (request_budget.written >= GATE_LOG_REQUESTS_PER_S)
    {
      request_budget.left_out++;
      return;
    }
  request_budget.written++;

  message = g_string_new (NULL);
  g_string_append_printf (message, "request %s: %s %s → %u", request->request_id, request->method, path,
                          request->status);
  if (*duration != '\0')
    g_string_append_printf (message, " in %s ms", duration);
  if (request->device_id != NULL)
    g_string_append_printf (message, ", device %s", request->device_id);
  if (request->client != NULL)
    g_string_append_printf (message, ", from %s", request->client);

  /* A message, not a warning, also for a 5xx: under G_DEBUG=fatal-warnings
   * a warning would stop the server. */
  {
    const GLogField fields[] = {
      { "MESSAGE", message->str, -1 },
      { "GATE_REQUEST_ID", request->request_id ? request->request_id : "", -1 },
      { "GATE_METHOD", request->method, -1 },
      { "GATE_PATH", path, -1 },
      { "GATE_STATUS", status, -1 },
      { "GATE_DURATION_MS", duration, -1 },
      { "GATE_DEVICE_ID", request->device_id ? request->device_id : "", -1 },
      { "GATE_CLIENT", request->client ? request->client : "", -1 },
    };

    g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS (fields));
  }
}
