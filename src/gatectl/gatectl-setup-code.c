/* gatectl-setup-code.c — `device add … --setup-code`: a setup code and its QR
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * IT adds a device with a setup code instead of a token; the kiosk reads
 * the code off a QR and fetches its own token (docs/enrolment.md). Only
 * the code's SHA-256 is stored, and the token is made at enrolment, so
 * nothing that could act as the device ever passes through IT's terminal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>
#ifdef GATECTL_HAVE_QR
#include <png.h>
#include <qrencode.h>
#endif

#include "gate-enrolment.h"
#include "gate-error.h"
#include "gatectl-admin-private.h"

#define PNG_MODULE_PX  8
#define QUIET_MODULES  4
#define MIN_TTL_S      1
#define MAX_TTL_S      (7 * 24 * 3600)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static char *
json_quote (const char *text)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), text);

  return json_to_string (node, FALSE);
}

#ifdef GATECTL_HAVE_QR
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QRcode, QRcode_free)

static gboolean
module_dark (const QRcode *qr,
             int           x,
             int           y)
{
  if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
    return FALSE;
  return qr->data[y * qr->width + x] & 1;
}

/* Two rows of modules a line, in half blocks, dark on light whatever the
 * terminal's colours (ANSI black on white when it is a terminal). */
static void
draw_qr (FILE         *stream,
         const QRcode *qr)
{
  gboolean colour = isatty (fileno (stream));
  int quiet = 2;

  for (int y = -quiet; y < qr->width + quiet; y += 2)
    {
      if (colour)
        fputs ("\033[30;47m", stream);
      for (int x = -quiet; x < qr->width + quiet; x++)
        {
          gboolean top = module_dark (qr, x, y);
          gboolean bottom = module_dark (qr, x, y + 1);

          fputs (top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ", stream);
        }
      fputs (colour ? "\033[0m\n" : "\n", stream);
    }
}

static gboolean
write_png (const char    *path,
           const QRcode  *qr,
           GError       **error)
{
  int size = (qr->width + 2 * QUIET_MODULES) * PNG_MODULE_PX;
  g_autofree png_byte *row = g_malloc (size);
  png_structp png = NULL;
  png_infop info = NULL;
  FILE *file;

  file = fopen (path, "wb");
  if (file == NULL)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }

  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  info = png != NULL ? png_create_info_struct (png) : NULL;
  if (png == NULL || info == NULL || setjmp (png_jmpbuf (png)))
    {
      png_destroy_write_struct (&png, &info);
      fclose (file);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s as PNG", path);
      return FALSE;
    }

  png_init_io (png, file);
  png_set_IHDR (png, info, size, size, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  for (int y = 0; y < size; y++)
    {
      for (int x = 0; x < size; x++)
        row[x] = module_dark (qr, x / PNG_MODULE_PX - QUIET_MODULES, y / PNG_MODULE_PX - QUIET_MODULES) ? 0 : 255;
      png_write_row (png, row);
    }
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);

  if (fclose (file) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Draws the QR of @uri on stderr, and into @qr_png when given. */
static int
show_qr (const char *uri,
         const char *expires_at,
         const char *qr_png)
{
  g_autoptr(QRcode) qr = QRcode_encodeString (uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  g_autoptr(GError) error = NULL;

  if (qr == NULL)
    {
      fprintf (stderr, "gatectl: cannot draw the setup QR: %s\n", g_strerror (errno));
      return qr_png != NULL ? GATECTL_EXIT_FAILED : GATECTL_EXIT_OK;
    }
  fprintf (stderr, "Show this to the kiosk's camera (valid until %s):\n", expires_at);
  draw_qr (stderr, qr);
  if (qr_png != NULL && !write_png (qr_png, qr, &error))
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_FAILED;
    }
  return GATECTL_EXIT_OK;
}
#else
static int
show_qr (const char *uri,
         const char *expires_at,
         const char *qr_png)
{
  fprintf (stderr, "gatectl: built without libqrencode and libpng: no QR drawn; the setup text is %s\n", uri);
  return qr_png != NULL ? GATECTL_EXIT_FAILED : GATECTL_EXIT_OK;
}
#endif

static char *
new_device_id (void)
{
  g_autofree char *code = gate_setup_code_new ();

  /* 60 random bits, the same size as `device add` without a code. */
  return g_strconcat ("dev-", g_ascii_strdown (code, 12), NULL);
}

/**
 * gatectl_enroll_add_device:
 *
 * `gatectl device add … --setup-code`: the devices row without a token,
 * and a setup code for it, in one transaction. Prints
 * {"device_id","setup_code","setup_uri","expires_at"} on stdout, the QR
 * on stderr, and the QR as a PNG to @qr_png when given.
 */
int
gatectl_enroll_add_device (gpointer    conn,
                           const char *name,
                           const char *role,
                           const char * const *events,
                           const char *list_id,
                           const char *server,
                           int         ttl_s,
                           const char *qr_png)
{
  const char *event_id = events != NULL ? events[0] : NULL;
  g_autofree char *device_id = new_device_id ();
  g_autofree char *code = gate_setup_code_new ();
  g_autofree char *uri = NULL;
  g_autofree char *ttl = NULL;
  g_autofree char *device_json = NULL;
  g_autofree char *code_json = NULL;
  g_autofree char *uri_json = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GUri) parsed = NULL;
  const char *params[8];

  if (server == NULL || (parsed = g_uri_parse (server, G_URI_FLAGS_NONE, NULL)) == NULL ||
      (g_strcmp0 (g_uri_get_scheme (parsed), "http") != 0 && g_strcmp0 (g_uri_get_scheme (parsed), "https") != 0))
    {
      fprintf (stderr, "gatectl: --setup-code needs --server URL, the http(s) address kiosks reach the server at\n");
      return GATECTL_EXIT_USAGE;
    }
  if (ttl_s < MIN_TTL_S || ttl_s > MAX_TTL_S)
    {
      fprintf (stderr, "gatectl: --setup-ttl must be between %d and %d seconds\n", MIN_TTL_S, MAX_TTL_S);
      return GATECTL_EXIT_USAGE;
    }

  uri = gate_setup_uri_build (server, code);
  ttl = g_strdup_printf ("%d", ttl_s);
  params[0] = device_id;
  params[1] = name;
  params[2] = role;
  params[3] = code;
  params[4] = event_id;
  params[5] = list_id;
  params[6] = server;
  params[7] = ttl;
  /* The device, its setup code and its assignment exist together or not
   * at all. */
  if (!gatectl_exec_ok (conn, "BEGIN", "starting a transaction"))
    return GATECTL_EXIT_FAILED;
  result = PQexecParams (conn,
                         "WITH device AS ("
                         "  INSERT INTO public.devices (id, name, role) VALUES ($1, $2, $3) RETURNING id) "
                         "INSERT INTO public.device_setup_codes (code_hash, device_id, event_id, list_id, server, "
                         "                                       expires_at) "
                         "SELECT public.gate_setup_code_hash($4), device.id, $5::uuid, $6::uuid, $7, "
                         "       now() + make_interval(secs => $8::int) FROM device "
                         "RETURNING to_json(expires_at)#>>'{}'",
                         8, NULL, params, NULL, NULL, 0);
  if (PQresultStatus (result) != PGRES_TUPLES_OK || PQntuples (result) != 1)
    {
      fprintf (stderr, "gatectl: adding the device failed: %s", PQresultErrorMessage (result));
      return GATECTL_EXIT_FAILED;
    }
  if (!gatectl_rules_assign (conn, device_id, events, list_id, FALSE) ||
      !gatectl_exec_ok (conn, "COMMIT", "committing the device"))
    return GATECTL_EXIT_FAILED;

  device_json = json_quote (device_id);
  code_json = json_quote (code);
  uri_json = json_quote (uri);
  printf ("{\"device_id\":%s,\"setup_code\":%s,\"setup_uri\":%s,\"expires_at\":\"%s\"}\n", device_json, code_json,
          uri_json, PQgetvalue (result, 0, 0));
  fflush (stdout);

  return show_qr (uri, PQgetvalue (result, 0, 0), qr_png);
}
