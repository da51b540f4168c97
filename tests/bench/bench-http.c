/* bench-http.c — a minimal HTTP/1.1 client for the server benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One keep-alive socket per client and nothing else, so that the figures
 * measure the server rather than a client library.
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench-http.h"

gboolean
bench_connection_open (Connection *connection,
                       const char *url)
{
  struct sockaddr_in addr = { 0 };
  int one = 1;
  const char *port = strrchr (url, ':');

  connection->port = (guint16) g_ascii_strtoull (port + 1, NULL, 10);
  connection->fd = socket (AF_INET, SOCK_STREAM, 0);
  addr.sin_family = AF_INET;
  addr.sin_port = htons (connection->port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (connection->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  connection->in = g_string_new (NULL);
  return connect (connection->fd, (struct sockaddr *) &addr, sizeof addr) == 0;
}

void
bench_connection_close (Connection *connection)
{
  close (connection->fd);
  g_string_free (connection->in, TRUE);
}

guint
bench_connection_post (Connection *connection,
                       const char *token,
                       const char *function,
                       const char *json,
                       GString    *body)
{
  g_autofree char *request = g_strdup_printf ("POST /rest/v1/rpc/%s HTTP/1.1\r\n"
                                              "Host: 127.0.0.1:%u\r\n"
                                              "Authorization: Bearer %s\r\n"
                                              "Content-Type: application/json\r\n"
                                              "Content-Length: %zu\r\n\r\n%s",
                                              function, connection->port, token, strlen (json), json);
  gsize sent = 0;
  gsize length = strlen (request);
  char *headers_end;
  gsize content_length;
  guint status;

  while (sent < length)
    {
      ssize_t n = send (connection->fd, request + sent, length - sent, MSG_NOSIGNAL);

      if (n <= 0)
        return 0;
      sent += n;
    }

  g_string_truncate (connection->in, 0);
  while ((headers_end = strstr (connection->in->str, "\r\n\r\n")) == NULL)
    {
      char buffer[8192];
      ssize_t n = recv (connection->fd, buffer, sizeof buffer, 0);

      if (n <= 0)
        return 0;
      g_string_append_len (connection->in, buffer, n);
    }

  status = (guint) g_ascii_strtoull (connection->in->str + strlen ("HTTP/1.1 "), NULL, 10);
  {
    const char *cl = g_strstr_len (connection->in->str, headers_end - connection->in->str, "Content-Length:");

    content_length = cl ? g_ascii_strtoull (cl + strlen ("Content-Length:"), NULL, 10) : 0;
  }

  {
    gsize header_length = headers_end + 4 - connection->in->str;

    while (connection->in->len < header_length + content_length)
      {
        char buffer[8192];
        ssize_t n = recv (connection->fd, buffer, sizeof buffer, 0);

        if (n <= 0)
          return 0;
        g_string_append_len (connection->in, buffer, n);
      }

    g_string_assign (body, "");
    g_string_append_len (body, connection->in->str + header_length, content_length);
  }

  return status;
}

gint
bench_compare_gint64 (gconstpointer a,
                      gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

double
bench_percentile_ms (GArray *sorted,
                     double  p)
{
  guint index;

  if (sorted->len == 0)
    return 0;
  index = MIN ((guint) (p / 100.0 * sorted->len), sorted->len - 1);
  return g_array_index (sorted, gint64, index) / 1000.0;
}

