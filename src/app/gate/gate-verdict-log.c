/* gate-verdict-log.c — --verdict-log: one JSON line per decision
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests and provisioning scripts read this file while the app runs, so each
 * line is written whole and flushed before the next; writes are async so a
 * slow disk never delays the verdict on screen.
 */
#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "gate-verdict-log.h"

struct _GateVerdictLog
{
  GObject        parent_instance;

  GOutputStream *stream;
  GQueue         lines;
  GBytes        *in_flight;     /* the line being written, NULL when idle */
};

G_DEFINE_FINAL_TYPE (GateVerdictLog, gate_verdict_log, G_TYPE_OBJECT)

static void write_next (GateVerdictLog *self);

static void
gate_verdict_log_finalize (GObject *object)
{
  GateVerdictLog *self = GATE_VERDICT_LOG (object);

  g_queue_clear_full (&self->lines, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->in_flight, g_bytes_unref);
  g_clear_object (&self->stream);

  G_OBJECT_CLASS (gate_verdict_log_parent_class)->finalize (object);
}

static void
gate_verdict_log_class_init (GateVerdictLogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gate_verdict_log_finalize;
}

static void
gate_verdict_log_init (GateVerdictLog *self)
{
  g_queue_init (&self->lines);
}

GateVerdictLog *
gate_verdict_log_new (const char  *path,
                      GError     **error)
{
  g_autoptr(GateVerdictLog) self = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) stream = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_commandline_arg (path);
  stream = g_file_append_to (file, G_FILE_CREATE_PRIVATE, NULL, error);
  if (stream == NULL)
    return NULL;

  self = g_object_new (GATE_TYPE_VERDICT_LOG, NULL);
  self->stream = G_OUTPUT_STREAM (g_steal_pointer (&stream));

  return g_steal_pointer (&self);
}

static char *
format_line (const GateScanDecision *decision,
             const char             *operator_id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "verdict");
  json_builder_add_string_value (builder, gate_verdict_to_string (decision->verdict));
  if (decision->verdict == GATE_VERDICT_CANNOT_DECIDE)
    {
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, gate_cannot_decide_reason_to_string (decision->reason));
    }
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, decision->code);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, gate_scan_mode_to_string (decision->mode));
  json_builder_set_member_name (builder, "latency_ms");
  json_builder_add_double_value (builder, decision->latency_us / 1000.0);
  json_builder_set_member_name (builder, "client_scan_id");
  json_builder_add_string_value (builder, decision->client_scan_id);
  json_builder_set_member_name (builder, "ticket_id");
  if (decision->ticket_id != NULL)
    json_builder_add_string_value (builder, decision->ticket_id);
  else
    json_builder_add_null_value (builder);
  if (decision->mode == GATE_SCAN_MODE_OFFLINE)
    {
      json_builder_set_member_name (builder, "cache_age_s");
      json_builder_add_int_value (builder, decision->cache_age_us / G_USEC_PER_SEC);
    }
  if (operator_id != NULL)
    {
      json_builder_set_member_name (builder, "operator");
      json_builder_add_string_value (builder, operator_id);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
on_flushed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GateVerdictLog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_flush_finish (G_OUTPUT_STREAM (source), result, &error))
    g_warning ("Could not write the verdict log: %s", error->message);

  g_clear_pointer (&self->in_flight, g_bytes_unref);
  write_next (self);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GateVerdictLog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_warning ("Could not write the verdict log: %s", error->message);
      g_clear_pointer (&self->in_flight, g_bytes_unref);
      write_next (self);
      return;
    }

  g_output_stream_flush_async (self->stream, G_PRIORITY_DEFAULT, NULL, on_flushed, g_object_ref (self));
}

static void
write_next (GateVerdictLog *self)
{
  gsize size;
  gconstpointer data;

  if (self->in_flight != NULL || g_queue_is_empty (&self->lines))
    return;

  self->in_flight = g_queue_pop_head (&self->lines);
  data = g_bytes_get_data (self->in_flight, &size);
  g_output_stream_write_all_async (self->stream, data, size, G_PRIORITY_DEFAULT, NULL, on_written,
                                   g_object_ref (self));
}

void
gate_verdict_log_append (GateVerdictLog         *self,
                         const GateScanDecision *decision,
                         const char             *operator_id)
{
  g_autofree char *json = NULL;
  char *line;

  g_return_if_fail (GATE_IS_VERDICT_LOG (self));
  g_return_if_fail (decision != NULL);

  json = format_line (decision, operator_id);
  line = g_strconcat (json, "\n", NULL);
  g_queue_push_tail (&self->lines, g_bytes_new_take (line, strlen (line)));
  write_next (self);
}
