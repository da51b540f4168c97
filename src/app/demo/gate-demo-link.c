/* gate-demo-link.c — a TCP link to the demo server that the demo can cut
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The demo's "network loss" is real from the app's point of view: its
 * requests fail the way they do when the Wi-Fi dies, and the engine, the
 * connectivity tracker and the sync loop react as they would at a gate.
 */
#include "config.h"

#include "gate-demo-link.h"

struct _GateDemoLink
{
  GObject         parent_instance;

  GSocketService *service;
  GSocketClient  *client;
  char           *upstream_host;
  guint16         upstream_port;
  guint16         port;
  gboolean        cut;
  GPtrArray      *hops;         /* (element-type Hop): connections being forwarded */
};

G_DEFINE_FINAL_TYPE (GateDemoLink, gate_demo_link, G_TYPE_OBJECT)

/* One forwarded connection; the link owns it until its splice ends. */
typedef struct
{
  GateDemoLink      *link;
  GSocketConnection *downstream;
  GSocketConnection *upstream;
  GCancellable      *cancellable;
} Hop;

static void
hop_free (Hop *hop)
{
  g_clear_object (&hop->downstream);
  g_clear_object (&hop->upstream);
  g_clear_object (&hop->cancellable);
  g_free (hop);
}

static void
on_spliced (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Hop *hop = user_data;
  GateDemoLink *link = hop->link;

  /* A closed or cut connection ends the splice either way. */
  g_io_stream_splice_finish (result, NULL);
  g_ptr_array_remove_fast (link->hops, hop);
  g_object_unref (link);
}

static void
on_upstream_connected (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Hop *hop = user_data;
  GateDemoLink *link = hop->link;

  hop->upstream = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, NULL);
  if (hop->upstream == NULL || g_cancellable_is_cancelled (hop->cancellable))
    {
      g_io_stream_close (G_IO_STREAM (hop->downstream), NULL, NULL);
      g_ptr_array_remove_fast (link->hops, hop);
      g_object_unref (link);
      return;
    }

  g_io_stream_splice_async (G_IO_STREAM (hop->downstream), G_IO_STREAM (hop->upstream),
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, hop->cancellable, on_spliced, hop);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  GateDemoLink *self = user_data;
  Hop *hop;

  if (self->cut)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }

  hop = g_new0 (Hop, 1);
  hop->link = g_object_ref (self);
  hop->downstream = g_object_ref (connection);
  hop->cancellable = g_cancellable_new ();
  g_ptr_array_add (self->hops, hop);

  g_socket_client_connect_to_host_async (self->client, self->upstream_host, self->upstream_port,
                                         hop->cancellable, on_upstream_connected, hop);
  return TRUE;
}

static void
cut_all (GateDemoLink *self)
{
  for (guint i = 0; i < self->hops->len; i++)
    {
      Hop *hop = g_ptr_array_index (self->hops, i);

      g_cancellable_cancel (hop->cancellable);
    }
}

void
gate_demo_link_set_cut (GateDemoLink *self,
                        gboolean      cut)
{
  g_return_if_fail (GATE_IS_DEMO_LINK (self));

  self->cut = !!cut;
  if (self->cut)
    cut_all (self);
}

guint16
gate_demo_link_get_port (GateDemoLink *self)
{
  g_return_val_if_fail (GATE_IS_DEMO_LINK (self), 0);

  return self->port;
}

static void
gate_demo_link_dispose (GObject *object)
{
  GateDemoLink *self = GATE_DEMO_LINK (object);

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }
  g_clear_object (&self->service);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (gate_demo_link_parent_class)->dispose (object);
}

static void
gate_demo_link_finalize (GObject *object)
{
  GateDemoLink *self = GATE_DEMO_LINK (object);

  g_ptr_array_unref (self->hops);
  g_free (self->upstream_host);

  G_OBJECT_CLASS (gate_demo_link_parent_class)->finalize (object);
}

static void
gate_demo_link_class_init (GateDemoLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_demo_link_dispose;
  object_class->finalize = gate_demo_link_finalize;
}

static void
gate_demo_link_init (GateDemoLink *self)
{
  self->hops = g_ptr_array_new_with_free_func ((GDestroyNotify) hop_free);
  self->client = g_socket_client_new ();
}

GateDemoLink *
gate_demo_link_new (const char  *upstream_host,
                    guint16      upstream_port,
                    GError     **error)
{
  g_autoptr(GateDemoLink) self = g_object_new (GATE_TYPE_DEMO_LINK, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  self->upstream_host = g_strdup (upstream_host);
  self->upstream_port = upstream_port;
  self->service = g_socket_service_new ();

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &bound, error))
    return NULL;

  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);

  return g_steal_pointer (&self);
}
