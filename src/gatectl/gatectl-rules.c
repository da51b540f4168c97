/* gatectl-rules.c — admin verbs of the gate rules: check-in lists, device
 * assignment, operators (issue 13)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * They run as the schema owner, like the other admin verbs; operators are
 * made through public.add_operator so that PINs are hashed in one place.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "gatectl-admin-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static PGresult *
query (PGconn      *conn,
       const char  *sql,
       int          n_params,
       const char **params,
       const char  *what)
{
  PGresult *result = PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);
  ExecStatusType status = PQresultStatus (result);

  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return result;

  fprintf (stderr, "gatectl: %s failed: %s", what, PQresultErrorMessage (result));
  PQclear (result);
  return NULL;
}

static gboolean
run_ok (PGconn      *conn,
        const char  *sql,
        int          n_params,
        const char **params,
        const char  *what)
{
  g_autoptr(PGresult) result = query (conn, sql, n_params, params, what);

  return result != NULL;
}

/* --list, --event: what a device is assigned to. The list's event is
 * always one of them, so the device's list is one it may scan. */
gboolean
gatectl_rules_assign (PGconn             *conn,
                      const char         *device_id,
                      const char * const *events,
                      const char         *list_id,
                      gboolean            clear)
{
  const char *params[2] = { device_id, NULL };

  if (clear &&
      (!run_ok (conn, "DELETE FROM public.device_events WHERE device_id = $1", 1, params, "clearing the events") ||
       !run_ok (conn, "UPDATE public.devices SET list_id = NULL WHERE id = $1", 1, params, "clearing the list")))
    return FALSE;

  for (guint i = 0; events != NULL && events[i] != NULL; i++)
    {
      params[1] = events[i];
      if (!run_ok (conn, "INSERT INTO public.device_events (device_id, event_id) VALUES ($1, $2::uuid) "
                         "ON CONFLICT DO NOTHING", 2, params, "assigning the event"))
        return FALSE;
    }

  if (list_id != NULL)
    {
      g_autoptr(PGresult) result = NULL;

      params[1] = list_id;
      result = query (conn,
                      "WITH list AS (SELECT id, event_id FROM public.checkin_lists WHERE id = $2::uuid), "
                      "     event AS (INSERT INTO public.device_events (device_id, event_id) "
                      "               SELECT $1, event_id FROM list ON CONFLICT DO NOTHING) "
                      "UPDATE public.devices d SET list_id = l.id FROM list l WHERE d.id = $1 RETURNING d.id",
                      2, params, "assigning the list");
      if (result == NULL)
        return FALSE;
      if (PQntuples (result) != 1)
        {
          fprintf (stderr, "gatectl: no check-in list %s or no device %s\n", list_id, device_id);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
parse_options (GOptionContext  *context,
               int             *argc,
               char          ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

/* A JSON string literal of @text (NULL: null). */
static char *
json_string (const char *text)
{
  GString *out;

  if (text == NULL)
    return g_strdup ("null");
  out = g_string_new ("\"");
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* --- list create ------------------------------------------------------------ */

static int
run_list (int    argc,
          char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *event = NULL;
  g_autofree char *name = NULL;
  g_autofree char *types = NULL;
  g_autofree char *direction = NULL;
  gboolean reentry = FALSE;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db, "PostgreSQL connection string", "CONNINFO" },
    { "event", 0, 0, G_OPTION_ARG_STRING, &event, "Event id", "ID" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Name of the list (a door: \"VIP entrance\")", "NAME" },
    { "types", 0, 0, G_OPTION_ARG_STRING, &types, "Ticket types it admits, comma-separated (default: all)",
      "A,B" },
    { "direction", 0, 0, G_OPTION_ARG_STRING, &direction, "entry, exit or both (default entry)", "DIR" },
    { "reentry", 0, 0, G_OPTION_ARG_NONE, &reentry, "Let a ticket in again after an exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("create — create a check-in list, print its id");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) type_list = NULL;
  g_autoptr(GString) array = g_string_new ("{");
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) result = NULL;
  const char *params[5];
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv))
    return GATECTL_EXIT_USAGE;

  if (argc != 2 || strcmp (argv[1], "create") != 0 || event == NULL || name == NULL || *name == '\0' ||
      (direction != NULL && strcmp (direction, "entry") != 0 && strcmp (direction, "exit") != 0 &&
       strcmp (direction, "both") != 0))
    {
      fprintf (stderr, "Usage: gatectl list create --db CONNINFO --event ID --name NAME [--types A,B]\n"
                       "       [--direction entry|exit|both] [--reentry]\n");
      return GATECTL_EXIT_USAGE;
    }

  if (types != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (types, ",", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        {
          g_strstrip (parts[i]);
          if (*parts[i] != '\0')
            g_strv_builder_add (builder, parts[i]);
        }
    }
  type_list = g_strv_builder_end (builder);
  /* An array literal with every element quoted: a type may hold commas
   * no more, but quotes and backslashes it may. */
  for (guint i = 0; type_list[i] != NULL; i++)
    {
      g_string_append (array, i > 0 ? ",\"" : "\"");
      for (const char *p = type_list[i]; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (array, '\\');
          g_string_append_c (array, *p);
        }
      g_string_append_c (array, '"');
    }
  g_string_append_c (array, '}');

  if ((status = gatectl_connect_db (db, &conn)) != GATECTL_EXIT_OK)
    return status;

  params[0] = event;
  params[1] = name;
  params[2] = array->str;
  params[3] = direction != NULL ? direction : "entry";
  params[4] = reentry ? "true" : "false";
  result = query (conn,
                  "INSERT INTO public.checkin_lists (event_id, name, ticket_types, direction, allow_reentry) "
                  "VALUES ($1::uuid, $2, $3::text[], $4, $5::boolean) RETURNING id",
                  5, params, "creating the list");
  if (result == NULL)
    return GATECTL_EXIT_FAILED;

  printf ("%s\n", PQgetvalue (result, 0, 0));
  return GATECTL_EXIT_OK;
}

/* --- device assign ------------------------------------------------------------ */

int
gatectl_rules_run_device_assign (int    argc,
                                 char **argv)
{
  g_autofree char *db = NULL;
  g_auto(GStrv) events = NULL;
  g_autofree char *list = NULL;
  gboolean clear = FALSE;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db, "PostgreSQL connection string", "CONNINFO" },
    { "event", 0, 0, G_OPTION_ARG_STRING_ARRAY, &events, "An event it may scan (repeatable)", "ID" },
    { "list", 0, 0, G_OPTION_ARG_STRING, &list, "Its check-in list (and that list's event)", "ID" },
    { "clear", 0, 0, G_OPTION_ARG_NONE, &clear, "Drop its events and list first (none: every event)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("assign ID — the events and list of a device");
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) result = NULL;
  const char *params[1];
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv))
    return GATECTL_EXIT_USAGE;

  if (argc != 3 || strcmp (argv[1], "assign") != 0 || (events == NULL && list == NULL && !clear))
    {
      fprintf (stderr, "Usage: gatectl device assign --db CONNINFO ID [--event ID]… [--list ID] [--clear]\n");
      return GATECTL_EXIT_USAGE;
    }

  if ((status = gatectl_connect_db (db, &conn)) != GATECTL_EXIT_OK)
    return status;

  params[0] = argv[2];
  if (!run_ok (conn, "BEGIN", 0, NULL, "starting a transaction"))
    return GATECTL_EXIT_FAILED;
  result = query (conn, "SELECT 1 FROM public.devices WHERE id = $1 FOR UPDATE", 1, params, "finding the device");
  if (result == NULL)
    return GATECTL_EXIT_FAILED;
  if (PQntuples (result) != 1)
    {
      fprintf (stderr, "gatectl: no device with id %s\n", argv[2]);
      return GATECTL_EXIT_FAILED;
    }
  g_clear_pointer (&result, PQclear);

  if (!gatectl_rules_assign (conn, argv[2], (const char * const *) events, list, clear))
    return GATECTL_EXIT_FAILED;

  result = query (conn,
                  "SELECT coalesce((SELECT json_agg(e.event_id ORDER BY e.event_id) FROM public.device_events e "
                  "                  WHERE e.device_id = d.id), '[]'::json)::text, d.list_id "
                  "FROM public.devices d WHERE d.id = $1",
                  1, params, "reading the assignment");
  if (result == NULL || !run_ok (conn, "COMMIT", 0, NULL, "committing"))
    return GATECTL_EXIT_FAILED;

  {
    g_autofree char *device = json_string (argv[2]);
    g_autofree char *list_id = json_string (PQgetisnull (result, 0, 1) ? NULL : PQgetvalue (result, 0, 1));

    printf ("{\"device_id\":%s,\"events\":%s,\"list_id\":%s}\n", device, PQgetvalue (result, 0, 0), list_id);
  }
  return GATECTL_EXIT_OK;
}

/* --- operator add / remove -------------------------------------------------------- */

/* The PIN from --pin, or the first line of standard input with --pin-stdin
 * (kept out of `ps`). */
static char *
read_pin (const char *pin,
          gboolean    from_stdin)
{
  char line[128];
  size_t length;

  if (!from_stdin)
    return g_strdup (pin);
  if (fgets (line, sizeof line, stdin) == NULL)
    return NULL;
  length = strcspn (line, "\r\n");
  line[length] = '\0';
  return g_strdup (line);
}

static int
run_operator (int    argc,
              char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *name = NULL;
  g_autofree char *pin_arg = NULL;
  gboolean pin_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db, "PostgreSQL connection string", "CONNINFO" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "The operator's name, as the kiosk lists it (add)", "NAME" },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &pin_arg, "The sign-in PIN, 4 to 12 digits (add)", "PIN" },
    { "pin-stdin", 0, 0, G_OPTION_ARG_NONE, &pin_stdin, "Read the PIN from standard input (add)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("add|remove [ID] — gate staff who sign in at kiosks");
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) result = NULL;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv))
    return GATECTL_EXIT_USAGE;

  if (argc == 2 && strcmp (argv[1], "add") == 0 && name != NULL && (pin_arg != NULL) != pin_stdin)
    {
      g_autofree char *pin = read_pin (pin_arg, pin_stdin);
      g_autofree char *id = NULL;
      g_autofree char *shown = NULL;
      const char *params[2] = { name, pin };

      if (pin == NULL)
        {
          fprintf (stderr, "gatectl: no PIN on standard input\n");
          return GATECTL_EXIT_USAGE;
        }
      if ((status = gatectl_connect_db (db, &conn)) != GATECTL_EXIT_OK)
        return status;
      result = query (conn, "SELECT operator_id, name FROM public.add_operator($1, $2)", 2, params,
                      "adding the operator");
      if (result == NULL)
        return GATECTL_EXIT_FAILED;
      id = json_string (PQgetvalue (result, 0, 0));
      shown = json_string (PQgetvalue (result, 0, 1));
      printf ("{\"operator_id\":%s,\"name\":%s}\n", id, shown);
      return GATECTL_EXIT_OK;
    }

  if (argc == 3 && strcmp (argv[1], "remove") == 0)
    {
      const char *params[1] = { argv[2] };

      if ((status = gatectl_connect_db (db, &conn)) != GATECTL_EXIT_OK)
        return status;
      result = query (conn, "SELECT operator_id FROM public.remove_operator($1::uuid)", 1, params,
                      "removing the operator");
      if (result == NULL)
        return GATECTL_EXIT_FAILED;
      printf ("removed %s\n", argv[2]);
      return GATECTL_EXIT_OK;
    }

  fprintf (stderr, "Usage: gatectl operator add --db CONNINFO --name NAME (--pin PIN | --pin-stdin)\n"
                   "       gatectl operator remove --db CONNINFO ID\n");
  return GATECTL_EXIT_USAGE;
}

/* --- dispatch ---------------------------------------------------------------------- */

static const struct
{
  const char *verb;
  int       (*run) (int argc, char **argv);
} rules_verbs[] = {
  { "list", run_list },
  { "operator", run_operator },
};

gboolean
gatectl_rules_handles (const char *verb)
{
  for (guint i = 0; i < G_N_ELEMENTS (rules_verbs); i++)
    if (strcmp (rules_verbs[i].verb, verb) == 0)
      return TRUE;
  return FALSE;
}

int
gatectl_rules_run (int    argc,
                   char **argv)
{
  for (guint i = 0; i < G_N_ELEMENTS (rules_verbs); i++)
    if (strcmp (rules_verbs[i].verb, argv[0]) == 0)
      return rules_verbs[i].run (argc, argv);
  return GATECTL_EXIT_USAGE;
}
