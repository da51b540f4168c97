/* gatectl-enroll.c — `enroll`: trade a setup code for this device's token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a kiosk does with the QR of `device add … --setup-code`
 * (gatectl-setup-code.c, docs/enrolment.md): the kiosk fetches its own
 * token, so nothing that could act as the device passes through IT's
 * terminal.
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

#include "gate-enrolment.h"
#include "gate-error.h"
#include "gatectl-private.h"

typedef struct
{
  GMainLoop     *loop;
  GateEnrolment *enrolment;
  GError        *error;
} Enrolling;

static void
on_enrolled (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Enrolling *enrolling = user_data;

  enrolling->enrolment = gate_enrol_finish (result, &enrolling->error);
  g_main_loop_quit (enrolling->loop);
}

static gboolean
write_token_file (const char  *path,
                  const char  *token,
                  GError     **error)
{
  g_autofree char *line = g_strconcat (token, "\n", NULL);
  g_autofree char *temp = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, 0600);
  gsize done = 0;

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  while (done < strlen (line))
    {
      ssize_t n = write (fd, line + done, strlen (line) - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      done += (gsize) n;
    }
  memset (line, 0, strlen (line));
  if (done < strlen (token) + 1 || fsync (fd) != 0 || close (fd) != 0 || g_rename (temp, path) != 0)
    {
      int saved = errno;

      g_unlink (temp);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static char *
json_or_null (const char *text)
{
  g_autoptr(JsonNode) node = json_node_alloc ();

  if (text != NULL)
    json_node_init_string (node, text);
  else
    json_node_init_null (node);
  return json_to_string (node, FALSE);
}

/* `gatectl enroll --server URL --code CODE | --uri TEXT [--apikey K]
 * [--token-file F]`: what a kiosk does with a setup QR. Prints
 * {"device_id","event_id","list_id","server"} and the token, unless it
 * went to --token-file (0600). */
int
gatectl_enroll_run (int    argc,
                    char **argv)
{
  g_autofree char *server = NULL;
  g_autofree char *code = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *apikey = NULL;
  g_autofree char *token_file = NULL;
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, "Server URL", "URL" },
    { "code", 0, 0, G_OPTION_ARG_STRING, &code, "Setup code", "CODE" },
    { "uri", 0, 0, G_OPTION_ARG_STRING, &uri, "Setup text as the QR holds it (GATESETUP:…)", "TEXT" },
    { "apikey", 0, 0, G_OPTION_ARG_STRING, &apikey, "Supabase's anon key", "KEY" },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &token_file, "Write the token to F (0600), not stdout", "F" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— enroll this device with a setup code");
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GateEnrolment) enrolment = NULL;
  g_autofree char *device_json = NULL;
  g_autofree char *event_json = NULL;
  g_autofree char *list_json = NULL;
  g_autofree char *server_json = NULL;
  g_autofree char *token_json = NULL;
  Enrolling enrolling = { loop, NULL, NULL };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_USAGE;
    }

  if (uri != NULL)
    {
      g_clear_pointer (&server, g_free);
      g_clear_pointer (&code, g_free);
      if (!gate_setup_uri_parse (uri, &server, &code, &error))
        {
          fprintf (stderr, "gatectl: %s\n", error->message);
          return GATECTL_EXIT_USAGE;
        }
    }
  if (server == NULL || code == NULL)
    {
      fprintf (stderr, "Usage: gatectl enroll --server URL --code CODE [--token-file F]\n"
                       "       gatectl enroll --uri GATESETUP:… [--token-file F]\n");
      return GATECTL_EXIT_USAGE;
    }

  gate_enrol_async (server, apikey, code, NULL, on_enrolled, &enrolling);
  g_main_loop_run (loop);
  enrolment = enrolling.enrolment;
  if (enrolment == NULL)
    {
      g_autoptr(GError) failure = enrolling.error;
      gboolean unreachable = failure->domain == GATE_ERROR &&
                             (failure->code == GATE_ERROR_NETWORK || failure->code == GATE_ERROR_TIMEOUT ||
                              failure->code == GATE_ERROR_UNAVAILABLE);

      fprintf (stderr, "gatectl: enrolment failed: %s\n", failure->message);
      return unreachable ? GATECTL_EXIT_UNREACHABLE : GATECTL_EXIT_FAILED;
    }

  if (token_file != NULL && !write_token_file (token_file, enrolment->token, &error))
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_FAILED;
    }

  device_json = json_or_null (enrolment->device_id);
  event_json = json_or_null (enrolment->event_id);
  list_json = json_or_null (enrolment->list_id);
  server_json = json_or_null (enrolment->server);
  if (token_file == NULL)
    token_json = json_or_null (enrolment->token);
  printf ("{\"device_id\":%s,\"event_id\":%s,\"list_id\":%s,\"server\":%s%s%s}\n", device_json, event_json,
          list_json, server_json, token_json ? ",\"token\":" : "", token_json ? token_json : "");
  if (token_json != NULL)
    memset (token_json, 0, strlen (token_json));
  return GATECTL_EXIT_OK;
}
