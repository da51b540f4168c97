/* gate-http-listener-answer.c — answering a request without reading its body
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gate_http_listener_answer_now(): the answer goes out at once, on the
 * connection taken back from libsoup, and whatever body the client still
 * sends is read and dropped, within a limit, before the connection closes.
 */
#include "config.h"

#include <string.h>

#include "gate-http-listener.h"

typedef struct
{
  GIOStream *stream;
  GBytes    *answer;
  gsize      drain_left;
  char       buffer[4096];
} Farewell;

static void
farewell_free (Farewell *farewell)
{
  g_clear_object (&farewell->stream);
  g_clear_pointer (&farewell->answer, g_bytes_unref);
  g_free (farewell);
}

static void
on_farewell_closed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  farewell_free (user_data);
}

static void
on_farewell_drained (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Farewell *farewell = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  /* The rest of the body is read and dropped, so that closing does not
   * reset the connection before the client has read the answer; the
   * connection's deadline ends a client that keeps sending. */
  if (n > 0 && (gsize) n < farewell->drain_left)
    {
      farewell->drain_left -= (gsize) n;
      g_input_stream_read_async (g_io_stream_get_input_stream (farewell->stream), farewell->buffer,
                                 MIN (sizeof farewell->buffer, farewell->drain_left), G_PRIORITY_DEFAULT, NULL,
                                 on_farewell_drained, farewell);
      return;
    }

  g_io_stream_close_async (farewell->stream, G_PRIORITY_DEFAULT, NULL, on_farewell_closed, farewell);
}

static void
on_farewell_written (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Farewell *farewell = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL) || farewell->drain_left == 0)
    {
      g_io_stream_close_async (farewell->stream, G_PRIORITY_DEFAULT, NULL, on_farewell_closed, farewell);
      return;
    }

  g_input_stream_read_async (g_io_stream_get_input_stream (farewell->stream), farewell->buffer,
                             MIN (sizeof farewell->buffer, farewell->drain_left), G_PRIORITY_DEFAULT, NULL,
                             on_farewell_drained, farewell);
}

static void
append_header (const char *name,
               const char *value,
               gpointer    user_data)
{
  GString *head = user_data;

  if (g_ascii_strcasecmp (name, "Content-Length") != 0 && g_ascii_strcasecmp (name, "Connection") != 0)
    g_string_append_printf (head, "%s: %s\r\n", name, value);
}

/**
 * gate_http_listener_answer_now:
 * @message: a request whose headers were read, and not (all of) its body;
 *   its status, headers and body are the answer
 * @drain_limit: how much of the body to read and drop after the answer
 *
 * Sends @message's answer at once and closes the connection: libsoup would
 * first read the whole body that the request announced, and the client
 * might never send it. The body is never kept or parsed.
 */
void
gate_http_listener_answer_now (GateHttpListener  *self,
                               SoupServerMessage *message,
                               gsize              drain_limit)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_response_body (message));
  g_autoptr(GString) text = NULL;
  guint status = soup_server_message_get_status (message);
  Farewell *farewell;
  gsize length;
  const char *data = g_bytes_get_data (body, &length);

  g_return_if_fail (GATE_IS_HTTP_LISTENER (self));

  text = g_string_new (NULL);
  g_string_append_printf (text, "HTTP/1.1 %u %s\r\n", status, soup_status_get_phrase (status));
  soup_message_headers_foreach (soup_server_message_get_response_headers (message), append_header, text);
  g_string_append_printf (text, "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n", length);
  g_string_append_len (text, data, (gssize) length);

  farewell = g_new0 (Farewell, 1);
  farewell->stream = soup_server_message_steal_connection (message);
  if (farewell->stream == NULL)
    {
      farewell_free (farewell);
      return;
    }
  farewell->drain_left = drain_limit;
  farewell->answer = g_string_free_to_bytes (g_steal_pointer (&text));
  g_output_stream_write_all_async (g_io_stream_get_output_stream (farewell->stream),
                                   g_bytes_get_data (farewell->answer, NULL), g_bytes_get_size (farewell->answer),
                                   G_PRIORITY_DEFAULT, NULL, on_farewell_written, farewell);
}
