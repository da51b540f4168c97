/* gate-http-listener.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libsoup 3.2's own listener gives up for good on the first failed
 * accept(): once the process ran out of file descriptors (a few hundred
 * idle connections at systemd's default limit) gate-server stayed alive
 * but never accepted again. It also keeps any connection as long as the
 * client likes. So gate-server accepts connections itself and hands each to
 * its SoupServer (soup_server_accept_iostream()), which then speaks HTTP
 * on it as before:
 *
 *   - an accept() that fails (EMFILE, ENFILE, ENOBUFS …) pauses accepting
 *     for a moment and tries again; nothing ever stops it for good;
 *   - at most max_connections are open; beyond that a new connection gets
 *     a 503 with Retry-After and is closed;
 *   - every connection has a deadline: its first request's headers within
 *     header_timeout_s, a request's headers within header_timeout_s of its
 *     first byte, the rest of the request and the whole answer within
 *     request_timeout_s, and a kept-alive connection without a request
 *     lives idle_timeout_s. At its deadline the socket is shut down, which
 *     libsoup sees as the client leaving (or, between requests, closed).
 *   - while a request waits for the database, nobody reads its socket; the
 *     listener watches it (once it has waited 100 ms) and cancels the
 *     request's GCancellable when the client goes away, so that its query
 *     is dropped or cancelled.
 *
 * Deadlines and waits are checked by one timer for all connections, four
 * times a second: moving a deadline is then only a store, not a wake-up.
 *
 * Connections are found from a message by its remote address: the very
 * GSocketAddress object handed to soup_server_accept_iostream().
 *
 * libsoup 3.2 never lets go of a kept-alive connection whose client closes
 * it while libsoup waits for the next request (fixed in 3.3): every such
 * connection kept its descriptor for good. libsoup reads each connection
 * through a GateHttpStream, which asks the listener before it reports the
 * end of the stream; between requests, the listener says "not yet", takes
 * the connection back (soup_server_message_steal_connection() on the last
 * answered message) and closes it — and so at the idle deadline.
 *
 * SoupServer keeps connections alive between requests only while it has a
 * listener of its own, so it gets one that can never accept anything: one
 * end of a socket pair.
 *
 * Answering a request without reading its body
 * (gate_http_listener_answer_now()) is in gate-http-listener-answer.c.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "gate-http-listener.h"
#include "gate-http-stream.h"

/* How long to wait before accepting again after accept() failed. */
#define ACCEPT_RETRY_MS        100
/* Connections accepted per wake-up, so that a flood cannot starve the loop. */
#define ACCEPT_BATCH           32
/* Refused connections whose 503 is still on its way. */
#define MAX_REFUSING           16
#define REFUSING_LINGER_MS     1000
/* How often a paused request's socket is checked once it has unread data. */
#define HANGUP_POLL_MS         100
/* Deadlines and waiting requests are looked at this often, by one timer
 * for all connections: a request moves its connection's deadline three or
 * four times, and a timer each time would cost every request a wake-up. */
#define TICK_MS                250
/* A request that waits this long has its socket watched: most are answered
 * sooner, and adding a watch for each would cost every request. */
#define HANGUP_WATCH_DELAY_US  (100 * 1000)

static const char busy_answer[] =
  "HTTP/1.1 503 Service Unavailable\r\n"
  "Content-Type: application/json; charset=utf-8\r\n"
  "Retry-After: 1\r\n"
  "Connection: close\r\n"
  "Content-Length: 100\r\n"
  "\r\n"
  "{\"code\":\"PGRST003\",\"message\":\"Too many open connections\",\"details\":null,\"hint\":\"Retry in a moment\"}";

typedef enum
{
  PHASE_HEADERS,
  PHASE_HANDLING,
  PHASE_IDLE,
  PHASE_SET,       /* a deadline the server chose (from the headers on) */
} Phase;

typedef struct
{
  GateHttpListener *self;
  GSocket          *socket;
  GSocketAddress   *remote;
  GSocketAddress   *local;
  GIOStream        *stream;        /* weak: the GateHttpStream libsoup reads */
  GIOStream        *handshaking;   /* the TLS stream until its handshake is done */
  GCancellable     *handshake;
  GCancellable     *in_flight;     /* the paused request's, while it waits */
  SoupServerMessage *finished;     /* between requests: the last one, to take the stream back with */
  guint             retire_id;
  Phase             phase;
  gboolean          started;       /* its first request has begun */
  gint64            deadline;      /* monotonic µs; the tick acts on it */
  gint64            waiting_since; /* of the paused request, while there is one */
  guint             hangup_id;
  guint             hangup_poll_id;
} Connection;

typedef struct
{
  GateHttpListener *self;
  int               fd;
  guint             watch_id;
  guint             timeout_id;
} Refusal;

struct _GateHttpListener
{
  GObject          parent_instance;

  SoupServer      *server;
  GTlsCertificate *tls_certificate;
  GateHttpLimits   limits;
  GSocket         *socket;
  GSource         *accept_source;
  guint            accept_retry_id;
  GSocket         *anchor;
  GSocket         *anchor_peer;
  GHashTable      *connections;    /* GSocketAddress* → Connection (owned) */
  GHashTable      *refusals;       /* Refusal* set */
  guint            tick_id;
  gboolean         accept_failing;
  guint64          n_refused;
  gulong           handler_ids[4];
};

G_DEFINE_FINAL_TYPE (GateHttpListener, gate_http_listener, G_TYPE_OBJECT)

static void start_accepting (GateHttpListener *self);
static void on_stream_gone  (gpointer          user_data,
                             GObject          *where_the_object_was);

/* --- connections -------------------------------------------------------------- */

static void
connection_clear_hangup (Connection *connection)
{
  g_clear_handle_id (&connection->hangup_id, g_source_remove);
  g_clear_handle_id (&connection->hangup_poll_id, g_source_remove);
  g_clear_object (&connection->in_flight);
}

static void
connection_free (Connection *connection)
{

  g_clear_handle_id (&connection->retire_id, g_source_remove);
  g_clear_object (&connection->finished);
  if (connection->in_flight != NULL)
    g_cancellable_cancel (connection->in_flight);
  connection_clear_hangup (connection);
  if (connection->handshaking != NULL)
    {
      /* Its callback finds no connection any more. */
      g_object_set_data (G_OBJECT (connection->handshaking), "gate-connection", NULL);
      g_cancellable_cancel (connection->handshake);
      g_clear_object (&connection->handshaking);
    }
  g_clear_object (&connection->handshake);
  if (connection->stream != NULL)
    {
      gate_http_stream_forget_end_func (GATE_HTTP_STREAM (connection->stream));
      g_object_weak_unref (G_OBJECT (connection->stream), on_stream_gone, connection);
    }
  g_clear_object (&connection->remote);
  g_clear_object (&connection->local);
  /* The last reference: this closes the descriptor. */
  g_clear_object (&connection->socket);
  g_free (connection);
}

/* Ends the connection as if the client had left: whoever reads or writes
 * it next (libsoup) fails and lets it go. */
static void
connection_cut (Connection *connection)
{
  g_socket_shutdown (connection->socket, TRUE, TRUE, NULL);
  if (connection->in_flight != NULL)
    g_cancellable_cancel (connection->in_flight);
  if (connection->handshake != NULL)
    g_cancellable_cancel (connection->handshake);
}

/* Between requests: takes the connection back from libsoup, which is
 * waiting for the next request, and closes it. */
static void
connection_retire (Connection *connection)
{
  g_autoptr(SoupServerMessage) finished = g_steal_pointer (&connection->finished);
  /* Our own reference to the stream libsoup reads: while it is held, libsoup
   * letting go of the stream as it hands the connection over cannot end the
   * connection (on_stream_gone) in the middle of this. Dropped last, below,
   * and the connection is not touched after that. */
  g_autoptr(GIOStream) ours = connection->stream != NULL ? g_object_ref (connection->stream) : NULL;
  g_autoptr(GIOStream) stream = NULL;

  g_clear_handle_id (&connection->retire_id, g_source_remove);
  stream = soup_server_message_steal_connection (finished);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
  else if (ours != NULL)
    g_io_stream_close (ours, NULL, NULL);
  g_clear_object (&stream);
  g_clear_object (&finished);
  g_clear_object (&ours);
}

static gboolean
on_retire (gpointer user_data)
{
  Connection *connection = user_data;

  connection->retire_id = 0;
  if (connection->finished != NULL)
    connection_retire (connection);
  return G_SOURCE_REMOVE;
}

/* A read on the connection is about to report its end (or an error). */
static gboolean
on_stream_end (gpointer user_data)
{
  Connection *connection = user_data;

  if (connection->phase != PHASE_IDLE || connection->finished == NULL)
    return FALSE;

  /* Not from inside libsoup's read: right after it, before anything else. */
  if (connection->retire_id == 0)
    connection->retire_id = g_idle_add_full (G_PRIORITY_HIGH, on_retire, connection, NULL);
  return TRUE;
}

static void
connection_set_deadline (Connection *connection,
                         Phase       phase,
                         guint       seconds)
{
  connection->phase = phase;
  connection->deadline = g_get_monotonic_time () + (gint64) MAX (seconds, 1) * G_USEC_PER_SEC;
}

static gboolean on_hangup_readable (gint fd, GIOCondition condition, gpointer user_data);

/* Every TICK_MS while there are connections: ends those past their
 * deadline, and starts watching the sockets of requests that have waited a
 * while for the database. */
static gboolean
on_tick (gpointer user_data)
{
  GateHttpListener *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GPtrArray) due = g_ptr_array_new ();
  GHashTableIter iter;
  Connection *connection;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &connection))
    {
      if (now >= connection->deadline)
        g_ptr_array_add (due, connection);
      else if (connection->in_flight != NULL && connection->hangup_id == 0 && connection->hangup_poll_id == 0 &&
               now - connection->waiting_since >= HANGUP_WATCH_DELAY_US)
        connection->hangup_id = g_unix_fd_add (g_socket_get_fd (connection->socket), G_IO_IN | G_IO_HUP | G_IO_ERR,
                                               on_hangup_readable, connection);
    }

  /* Acting may free a connection: not while walking the table. */
  for (guint i = 0; i < due->len; i++)
    {
      connection = due->pdata[i];
      connection->deadline = G_MAXINT64;
      if (connection->phase == PHASE_IDLE && connection->finished != NULL)
        connection_retire (connection);
      else
        connection_cut (connection);
    }

  if (g_hash_table_size (self->connections) > 0)
    return G_SOURCE_CONTINUE;

  self->tick_id = 0;
  return G_SOURCE_REMOVE;
}

/* libsoup, or the listener between requests, has let go of the
 * connection's stream: it is closed. */
static void
on_stream_gone (gpointer  user_data,
                GObject  *where_the_object_was)
{
  Connection *connection = user_data;

  connection->stream = NULL;
  g_hash_table_remove (connection->self->connections, connection->remote);
}

static Connection *
connection_for (GateHttpListener  *self,
                SoupServerMessage *message)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (message);

  return remote != NULL ? g_hash_table_lookup (self->connections, remote) : NULL;
}

static void
hand_over (Connection *connection,
           GIOStream  *base)
{
  GateHttpListener *self = connection->self;
  g_autoptr(GIOStream) stream = gate_http_stream_new (base, on_stream_end, connection);

  connection->stream = stream;
  g_object_weak_ref (G_OBJECT (stream), on_stream_gone, connection);
  soup_server_accept_iostream (self->server, stream, connection->local, connection->remote, NULL);
}

static void
on_handshake_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GateHttpListener) self = user_data;
  GTlsConnection *tls = G_TLS_CONNECTION (source);
  Connection *connection = g_object_get_data (G_OBJECT (tls), "gate-connection");
  gboolean done = g_tls_connection_handshake_finish (tls, result, NULL);

  /* Freed meanwhile (the listener went away). */
  if (connection == NULL)
    return;

  g_object_set_data (G_OBJECT (tls), "gate-connection", NULL);
  g_clear_object (&connection->handshake);

  /* Not a TLS client, or cut off by its deadline: nothing to answer. */
  if (!done)
    {
      g_clear_object (&connection->handshaking);
      g_hash_table_remove (self->connections, connection->remote);
      return;
    }

  {
    g_autoptr(GIOStream) stream = g_steal_pointer (&connection->handshaking);

    hand_over (connection, stream);
  }
}

static void
connection_start (GateHttpListener *self,
                  GSocket          *socket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) base = NULL;
  Connection *connection;
  GSocketAddress *remote = g_socket_get_remote_address (socket, NULL);
  GSocketAddress *local = g_socket_get_local_address (socket, NULL);

  /* Gone before we could ask: nothing to do. */
  if (remote == NULL || local == NULL)
    {
      g_clear_object (&remote);
      g_clear_object (&local);
      g_socket_close (socket, NULL);
      return;
    }

  connection = g_new0 (Connection, 1);
  connection->self = self;
  connection->socket = g_object_ref (socket);
  connection->remote = remote;
  connection->local = local;
  g_hash_table_insert (self->connections, connection->remote, connection);
  connection_set_deadline (connection, PHASE_HEADERS, self->limits.header_timeout_s);
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add (TICK_MS, on_tick, self);

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  base = g_socket_connection_factory_create_connection (socket);

  if (self->tls_certificate == NULL)
    {
      hand_over (connection, G_IO_STREAM (base));
      return;
    }

  connection->handshaking = G_IO_STREAM (g_tls_server_connection_new (G_IO_STREAM (base), self->tls_certificate,
                                                                      &error));
  if (connection->handshaking == NULL)
    {
      g_message ("cannot start TLS: %s", error->message);
      g_hash_table_remove (self->connections, connection->remote);
      return;
    }

  g_object_set (connection->handshaking, "require-close-notify", FALSE, NULL);
  g_object_set_data (G_OBJECT (connection->handshaking), "gate-connection", connection);
  connection->handshake = g_cancellable_new ();
  g_tls_connection_handshake_async (G_TLS_CONNECTION (connection->handshaking), G_PRIORITY_DEFAULT,
                                    connection->handshake, on_handshake_done, g_object_ref (self));
}

/* --- refusing and accepting ----------------------------------------------------- */

static void
refusal_free (Refusal *refusal)
{
  g_clear_handle_id (&refusal->watch_id, g_source_remove);
  g_clear_handle_id (&refusal->timeout_id, g_source_remove);
  close (refusal->fd);
  g_free (refusal);
}

static gboolean
on_refusal_readable (gint         fd,
                     GIOCondition condition,
                     gpointer     user_data)
{
  Refusal *refusal = user_data;
  char buffer[4096];
  ssize_t n;

  /* Whatever the client still sends is read and dropped, so that closing
   * does not reset the connection before it has read the 503. */
  while ((n = recv (fd, buffer, sizeof buffer, MSG_DONTWAIT)) > 0)
    ;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;

  refusal->watch_id = 0;
  g_hash_table_remove (refusal->self->refusals, refusal);
  return G_SOURCE_REMOVE;
}

static gboolean
on_refusal_timeout (gpointer user_data)
{
  Refusal *refusal = user_data;

  refusal->timeout_id = 0;
  g_hash_table_remove (refusal->self->refusals, refusal);
  return G_SOURCE_REMOVE;
}

/* Beyond max_connections: a 503 and good-bye. */
static void
refuse (GateHttpListener *self,
        GSocket          *socket)
{
  Refusal *refusal;
  int fd;

  self->n_refused++;

  /* A TLS client cannot read a plain answer; it just sees the end. */
  if (self->tls_certificate != NULL)
    {
      g_socket_close (socket, NULL);
      return;
    }

  (void) !send (g_socket_get_fd (socket), busy_answer, strlen (busy_answer), MSG_DONTWAIT | MSG_NOSIGNAL);
  shutdown (g_socket_get_fd (socket), SHUT_WR);

  /* Lingering costs a descriptor: only for a few at a time. */
  fd = g_hash_table_size (self->refusals) < MAX_REFUSING ? dup (g_socket_get_fd (socket)) : -1;
  g_socket_close (socket, NULL);
  if (fd < 0)
    return;

  refusal = g_new0 (Refusal, 1);
  refusal->self = self;
  refusal->fd = fd;
  refusal->watch_id = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_refusal_readable, refusal);
  refusal->timeout_id = g_timeout_add (REFUSING_LINGER_MS, on_refusal_timeout, refusal);
  g_hash_table_add (self->refusals, refusal);
}

static gboolean
on_accept_retry (gpointer user_data)
{
  GateHttpListener *self = user_data;

  self->accept_retry_id = 0;
  start_accepting (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_acceptable (GSocket      *listening,
               GIOCondition  condition,
               gpointer      user_data)
{
  GateHttpListener *self = user_data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_accept (listening, NULL, &error);

      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
            continue;

          /* Out of descriptors or memory: the clients wait in the backlog
           * and are served as soon as some connection closes. */
          if (!self->accept_failing)
            g_message ("cannot accept connections (%s, %u open); trying again every %u ms",
                       error->message, g_hash_table_size (self->connections), ACCEPT_RETRY_MS);
          self->accept_failing = TRUE;
          g_clear_pointer (&self->accept_source, g_source_destroy);
          self->accept_retry_id = g_timeout_add (ACCEPT_RETRY_MS, on_accept_retry, self);
          return G_SOURCE_REMOVE;
        }

      if (self->accept_failing)
        {
          self->accept_failing = FALSE;
          g_message ("accepting connections again");
        }

      if (g_hash_table_size (self->connections) >= self->limits.max_connections)
        refuse (self, socket);
      else
        connection_start (self, socket);
    }

  return G_SOURCE_CONTINUE;
}

static void
start_accepting (GateHttpListener *self)
{
  GSource *source;

  if (self->socket == NULL || self->accept_source != NULL)
    return;

  source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) on_acceptable, self, NULL);
  g_source_attach (source, NULL);
  self->accept_source = source;
  g_source_unref (source);
}

/* --- what libsoup tells about requests ----------------------------------------- */

static void
on_request_started (SoupServer        *server,
                    SoupServerMessage *message,
                    GateHttpListener  *self)
{
  Connection *connection = connection_for (self, message);

  if (connection == NULL)
    return;

  /* The first request starts with the connection, whose deadline runs
   * already; later ones start with their first byte. */
  if (connection->started)
    connection_set_deadline (connection, PHASE_HEADERS, self->limits.header_timeout_s);
  connection->started = TRUE;
  connection->phase = PHASE_HEADERS;
  g_clear_object (&connection->finished);
}

static void
on_request_read (SoupServer        *server,
                 SoupServerMessage *message,
                 GateHttpListener  *self)
{
  Connection *connection = connection_for (self, message);

  if (connection != NULL)
    connection_set_deadline (connection, PHASE_HANDLING, self->limits.request_timeout_s);
}

static void
on_request_done (SoupServer        *server,
                 SoupServerMessage *message,
                 GateHttpListener  *self)
{
  Connection *connection = connection_for (self, message);

  if (connection == NULL)
    return;

  connection_clear_hangup (connection);
  connection_set_deadline (connection, PHASE_IDLE, self->limits.idle_timeout_s);

  /* Kept for taking the connection back between requests; its bodies are
   * not needed for that. */
  g_clear_object (&connection->finished);
  connection->finished = g_object_ref (message);
  soup_message_body_truncate (soup_server_message_get_request_body (message));
  soup_message_body_truncate (soup_server_message_get_response_body (message));
}

/* --- noticing a client that left --------------------------------------------------- */

static gboolean
peer_has_left (int fd)
{
  struct tcp_info info = { 0 };
  socklen_t length = sizeof info;
  char byte;
  ssize_t n = recv (fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
    return TRUE;

  /* Unread data (a pipelined request, a TLS alert) hides the end of the
   * stream from recv(); the kernel's state does not. */
  return getsockopt (fd, IPPROTO_TCP, TCP_INFO, &info, &length) == 0 &&
         (info.tcpi_state == TCP_CLOSE_WAIT || info.tcpi_state == TCP_CLOSE ||
          info.tcpi_state == TCP_LAST_ACK);
}

static gboolean
on_hangup_poll (gpointer user_data)
{
  Connection *connection = user_data;

  if (!peer_has_left (g_socket_get_fd (connection->socket)))
    return G_SOURCE_CONTINUE;

  connection->hangup_poll_id = 0;
  if (connection->in_flight != NULL)
    g_cancellable_cancel (connection->in_flight);
  return G_SOURCE_REMOVE;
}

static gboolean
on_hangup_readable (gint         fd,
                    GIOCondition condition,
                    gpointer     user_data)
{
  Connection *connection = user_data;

  connection->hangup_id = 0;
  if ((condition & (G_IO_HUP | G_IO_ERR)) || peer_has_left (fd))
    {
      if (connection->in_flight != NULL)
        g_cancellable_cancel (connection->in_flight);
      return G_SOURCE_REMOVE;
    }

  /* Readable, but not the end: look again now and then instead of
   * waking up for the same unread bytes all the time. */
  connection->hangup_poll_id = g_timeout_add (HANGUP_POLL_MS, on_hangup_poll, connection);
  return G_SOURCE_REMOVE;
}

/* --- public API ------------------------------------------------------------------ */

/**
 * gate_http_listener_new:
 * @server: serves the HTTP on the connections accepted here
 * @tls_certificate: (nullable): speak TLS with it on every connection
 */
GateHttpListener *
gate_http_listener_new (SoupServer           *server,
                        GTlsCertificate      *tls_certificate,
                        const GateHttpLimits *limits)
{
  GateHttpListener *self;

  g_return_val_if_fail (SOUP_IS_SERVER (server), NULL);
  g_return_val_if_fail (limits != NULL && limits->max_connections > 0, NULL);

  self = g_object_new (GATE_TYPE_HTTP_LISTENER, NULL);
  self->server = g_object_ref (server);
  self->tls_certificate = tls_certificate ? g_object_ref (tls_certificate) : NULL;
  self->limits = *limits;

  self->handler_ids[0] = g_signal_connect (server, "request-started", G_CALLBACK (on_request_started), self);
  self->handler_ids[1] = g_signal_connect (server, "request-read", G_CALLBACK (on_request_read), self);
  self->handler_ids[2] = g_signal_connect (server, "request-finished", G_CALLBACK (on_request_done), self);
  self->handler_ids[3] = g_signal_connect (server, "request-aborted", G_CALLBACK (on_request_done), self);
  return self;
}

/* See the top of this file: one end of a socket pair whose other end is
 * kept and never written to, so it never becomes readable. Nothing on
 * disk, no name anyone could connect to. */
static gboolean
new_anchor (GateHttpListener  *self,
            GError           **error)
{
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "socketpair: %s",
                   g_strerror (saved_errno));
      return FALSE;
    }

  self->anchor = g_socket_new_from_fd (fds[0], error);
  self->anchor_peer = g_socket_new_from_fd (fds[1], error);
  if (self->anchor == NULL || self->anchor_peer == NULL)
    {
      if (self->anchor == NULL)
        close (fds[0]);
      if (self->anchor_peer == NULL)
        close (fds[1]);
      return FALSE;
    }
  return TRUE;
}

/**
 * gate_http_listener_listen:
 * @socket: bound and listening
 *
 * Starts accepting connections on @socket.
 */
gboolean
gate_http_listener_listen (GateHttpListener  *self,
                           GSocket           *socket,
                           GError           **error)
{
  g_return_val_if_fail (GATE_IS_HTTP_LISTENER (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  g_return_val_if_fail (self->socket == NULL, FALSE);

  if (!new_anchor (self, error) || !soup_server_listen_socket (self->server, self->anchor, 0, error))
    return FALSE;

  g_socket_set_blocking (socket, FALSE);
  self->socket = g_object_ref (socket);
  start_accepting (self);
  return TRUE;
}

/**
 * gate_http_listener_close:
 *
 * Stops accepting; open connections stay (soup_server_disconnect() ends
 * them).
 */
void
gate_http_listener_close (GateHttpListener *self)
{
  g_return_if_fail (GATE_IS_HTTP_LISTENER (self));

  g_clear_pointer (&self->accept_source, g_source_destroy);
  g_clear_handle_id (&self->accept_retry_id, g_source_remove);
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
}

/**
 * gate_http_listener_get_n_connections:
 *
 * Returns: how many connections are open (refused ones not counted)
 */
guint
gate_http_listener_get_n_connections (GateHttpListener *self)
{
  g_return_val_if_fail (GATE_IS_HTTP_LISTENER (self), 0);

  return g_hash_table_size (self->connections);
}

/**
 * gate_http_listener_get_n_refused:
 *
 * Returns: how many connections were refused (beyond max_connections)
 *   since the start
 */
guint64
gate_http_listener_get_n_refused (GateHttpListener *self)
{
  g_return_val_if_fail (GATE_IS_HTTP_LISTENER (self), 0);

  return self->n_refused;
}

/**
 * gate_http_listener_set_deadline:
 *
 * Gives @message's connection @seconds from now for whatever it still
 * has to do in this request. The server calls it when a request's headers
 * are in (its early handler), with request_timeout_s or less; until then
 * the header deadline runs.
 */
void
gate_http_listener_set_deadline (GateHttpListener  *self,
                                 SoupServerMessage *message,
                                 guint              seconds)
{
  Connection *connection;

  g_return_if_fail (GATE_IS_HTTP_LISTENER (self));

  if ((connection = connection_for (self, message)) != NULL)
    connection_set_deadline (connection, PHASE_SET, seconds);
}

/**
 * gate_http_listener_watch_hangup:
 * @cancellable: cancelled when the client goes away
 *
 * While @message is paused nobody reads its connection; until
 * gate_http_listener_unwatch_hangup() (or the end of the request), the
 * listener notices when the client closes it or resets it.
 */
void
gate_http_listener_watch_hangup (GateHttpListener  *self,
                                 SoupServerMessage *message,
                                 GCancellable      *cancellable)
{
  Connection *connection;

  g_return_if_fail (GATE_IS_HTTP_LISTENER (self));
  g_return_if_fail (G_IS_CANCELLABLE (cancellable));

  if ((connection = connection_for (self, message)) == NULL)
    return;

  connection_clear_hangup (connection);
  connection->in_flight = g_object_ref (cancellable);
  connection->waiting_since = g_get_monotonic_time ();
}

void
gate_http_listener_unwatch_hangup (GateHttpListener  *self,
                                   SoupServerMessage *message)
{
  Connection *connection;

  g_return_if_fail (GATE_IS_HTTP_LISTENER (self));

  if ((connection = connection_for (self, message)) != NULL)
    connection_clear_hangup (connection);
}

/* --- object ---------------------------------------------------------------------- */

static void
gate_http_listener_dispose (GObject *object)
{
  GateHttpListener *self = GATE_HTTP_LISTENER (object);

  gate_http_listener_close (self);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  for (guint i = 0; i < G_N_ELEMENTS (self->handler_ids); i++)
    g_clear_signal_handler (&self->handler_ids[i], self->server);
  g_hash_table_remove_all (self->connections);
  g_hash_table_remove_all (self->refusals);
  g_clear_object (&self->anchor);
  g_clear_object (&self->anchor_peer);
  g_clear_object (&self->server);
  g_clear_object (&self->tls_certificate);

  G_OBJECT_CLASS (gate_http_listener_parent_class)->dispose (object);
}

static void
gate_http_listener_finalize (GObject *object)
{
  GateHttpListener *self = GATE_HTTP_LISTENER (object);

  g_hash_table_unref (self->connections);
  g_hash_table_unref (self->refusals);

  G_OBJECT_CLASS (gate_http_listener_parent_class)->finalize (object);
}

static void
gate_http_listener_class_init (GateHttpListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_http_listener_dispose;
  object_class->finalize = gate_http_listener_finalize;
}

static void
gate_http_listener_init (GateHttpListener *self)
{
  self->connections = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) connection_free);
  self->refusals = g_hash_table_new_full (g_direct_hash, g_direct_equal, (GDestroyNotify) refusal_free, NULL);
}
