/* gate-http-stream.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What libsoup reads a client connection through: the connection itself
 * (plain or TLS), with one difference. libsoup 3.2 never lets go of a
 * kept-alive connection whose client closes it while libsoup waits for the
 * next request (fixed in libsoup 3.3): the end of the stream, read at that
 * moment, leaves the connection with its descriptor behind for good. So
 * before a read reports the end of the stream, or an error, the listener is
 * asked; when it says the connection is between requests, the read reports
 * "nothing yet" instead, and the listener takes the connection back from
 * libsoup and closes it (gate-http-listener.c). Everything else passes
 * through untouched.
 */
#include "config.h"

#include "gate-http-stream.h"

/* --- the input side ----------------------------------------------------------- */

#define GATE_TYPE_HTTP_INPUT (gate_http_input_get_type ())
G_DECLARE_FINAL_TYPE (GateHttpInput, gate_http_input, GATE, HTTP_INPUT, GInputStream)

struct _GateHttpInput
{
  GInputStream           parent_instance;

  GInputStream          *base;
  GateHttpStreamEndFunc  on_end;
  gpointer               user_data;
};

static void gate_http_input_pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GateHttpInput, gate_http_input, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      gate_http_input_pollable_iface_init))

static gssize
gate_http_input_read (GInputStream  *stream,
                      void          *buffer,
                      gsize          count,
                      GCancellable  *cancellable,
                      GError       **error)
{
  GateHttpInput *self = GATE_HTTP_INPUT (stream);

  return g_input_stream_read (self->base, buffer, count, cancellable, error);
}

/* The base stream is closed with the whole connection (gate_http_stream_close). */
static gboolean
gate_http_input_close (GInputStream  *stream,
                       GCancellable  *cancellable,
                       GError       **error)
{
  return TRUE;
}

static gboolean
gate_http_input_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
gate_http_input_is_readable (GPollableInputStream *stream)
{
  GateHttpInput *self = GATE_HTTP_INPUT (stream);

  return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (self->base));
}

static GSource *
gate_http_input_create_source (GPollableInputStream *stream,
                               GCancellable         *cancellable)
{
  GateHttpInput *self = GATE_HTTP_INPUT (stream);
  g_autoptr(GSource) base_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->base),
                                                                          NULL);

  return g_pollable_source_new_full (stream, base_source, cancellable);
}

static gssize
gate_http_input_read_nonblocking (GPollableInputStream  *stream,
                                  void                  *buffer,
                                  gsize                  count,
                                  GError               **error)
{
  GateHttpInput *self = GATE_HTTP_INPUT (stream);
  g_autoptr(GError) local_error = NULL;
  gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->base), buffer, count,
                                                       NULL, &local_error);

  if (n > 0 || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return n;
    }

  /* The end, or an error: the listener's to handle, if it wants to. */
  if (self->on_end != NULL && self->on_end (self->user_data))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "the listener takes over");
      return -1;
    }

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return n;
}

static void
gate_http_input_dispose (GObject *object)
{
  GateHttpInput *self = GATE_HTTP_INPUT (object);

  g_clear_object (&self->base);

  G_OBJECT_CLASS (gate_http_input_parent_class)->dispose (object);
}

static void
gate_http_input_class_init (GateHttpInputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *input_class = G_INPUT_STREAM_CLASS (klass);

  object_class->dispose = gate_http_input_dispose;
  input_class->read_fn = gate_http_input_read;
  input_class->close_fn = gate_http_input_close;
}

static void
gate_http_input_pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = gate_http_input_can_poll;
  iface->is_readable = gate_http_input_is_readable;
  iface->create_source = gate_http_input_create_source;
  iface->read_nonblocking = gate_http_input_read_nonblocking;
}

static void
gate_http_input_init (GateHttpInput *self)
{
}

/* --- the connection ------------------------------------------------------------- */

struct _GateHttpStream
{
  GIOStream      parent_instance;

  GIOStream     *base;
  GateHttpInput *input;
};

G_DEFINE_FINAL_TYPE (GateHttpStream, gate_http_stream, G_TYPE_IO_STREAM)

static GInputStream *
gate_http_stream_get_input_stream (GIOStream *stream)
{
  return G_INPUT_STREAM (GATE_HTTP_STREAM (stream)->input);
}

static GOutputStream *
gate_http_stream_get_output_stream (GIOStream *stream)
{
  return g_io_stream_get_output_stream (GATE_HTTP_STREAM (stream)->base);
}

static gboolean
gate_http_stream_close (GIOStream     *stream,
                        GCancellable  *cancellable,
                        GError       **error)
{
  return g_io_stream_close (GATE_HTTP_STREAM (stream)->base, cancellable, error);
}

/* Closing a socket does not block; GIOStream would do it on a thread, and
 * the socket is the main thread's. */
static void
gate_http_stream_close_async (GIOStream           *stream,
                              int                  io_priority,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, gate_http_stream_close_async);
  if (gate_http_stream_close (stream, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
gate_http_stream_close_finish (GIOStream     *stream,
                               GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
gate_http_stream_dispose (GObject *object)
{
  GateHttpStream *self = GATE_HTTP_STREAM (object);

  g_clear_object (&self->input);
  g_clear_object (&self->base);

  G_OBJECT_CLASS (gate_http_stream_parent_class)->dispose (object);
}

static void
gate_http_stream_class_init (GateHttpStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->dispose = gate_http_stream_dispose;
  stream_class->get_input_stream = gate_http_stream_get_input_stream;
  stream_class->get_output_stream = gate_http_stream_get_output_stream;
  stream_class->close_fn = gate_http_stream_close;
  stream_class->close_async = gate_http_stream_close_async;
  stream_class->close_finish = gate_http_stream_close_finish;
}

static void
gate_http_stream_init (GateHttpStream *self)
{
}

/**
 * gate_http_stream_new:
 * @base_stream: the client connection (a #GSocketConnection, or a
 *   #GTlsConnection over one); its input must be pollable
 * @on_end: (nullable): asked before a read reports the end or an error
 *
 * Returns: (transfer full): the stream to give libsoup
 */
GIOStream *
gate_http_stream_new (GIOStream             *base_stream,
                      GateHttpStreamEndFunc  on_end,
                      gpointer               user_data)
{
  GateHttpStream *self;

  g_return_val_if_fail (G_IS_IO_STREAM (base_stream), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (base_stream)), NULL);

  self = g_object_new (GATE_TYPE_HTTP_STREAM, NULL);
  self->base = g_object_ref (base_stream);
  self->input = g_object_new (GATE_TYPE_HTTP_INPUT, NULL);
  self->input->base = g_object_ref (g_io_stream_get_input_stream (base_stream));
  self->input->on_end = on_end;
  self->input->user_data = user_data;
  return G_IO_STREAM (self);
}

/**
 * gate_http_stream_forget_end_func:
 *
 * From now on reads report everything as it is (the listener's data is
 * going away).
 */
void
gate_http_stream_forget_end_func (GateHttpStream *self)
{
  g_return_if_fail (GATE_IS_HTTP_STREAM (self));

  self->input->on_end = NULL;
  self->input->user_data = NULL;
}
