/* gate-http-stream.h — a client connection as libsoup sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Called when a read is about to report the end of the stream or an error;
 * returning TRUE makes the read say "nothing yet" instead. */
typedef gboolean (*GateHttpStreamEndFunc) (gpointer user_data);

#define GATE_TYPE_HTTP_STREAM (gate_http_stream_get_type ())
G_DECLARE_FINAL_TYPE (GateHttpStream, gate_http_stream, GATE, HTTP_STREAM, GIOStream)

GIOStream *gate_http_stream_new (GIOStream             *base_stream,
                                 GateHttpStreamEndFunc  on_end,
                                 gpointer               user_data);
void       gate_http_stream_forget_end_func (GateHttpStream *self);

G_END_DECLS
