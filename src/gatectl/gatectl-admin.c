/* gatectl-admin.c — admin verbs that talk to PostgreSQL directly
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <gio/gio.h>
#include <libpq-fe.h>

#include "gate-config.h"
#include "gate-ticket-code.h"
#include "gatectl-admin-private.h"

#define MIGRATIONS_RESOURCE "/io/github/gatescanner/GateScanner/migrations/postgres"
#define COPY_BATCH          5000

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static const char *first_names[] = {
  "Ada", "Alan", "Amara", "Ana", "Ben", "Carla", "Chen", "Dario", "Elena", "Fatima", "Finn",
  "Grace", "Hugo", "Ines", "Jonas", "Kemal", "Lena", "Luca", "Maya", "Nadia", "Omar", "Priya",
  "Rosa", "Sam", "Sofia", "Tariq", "Uma", "Victor", "Wen", "Yara", "Zoe",
};

static const char *last_names[] = {
  "Almeida", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Haddad", "Ivanova",
  "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi",
  "Schmidt", "Tanaka", "Urquhart", "Varga", "Weber", "Xu", "Yilmaz", "Zhou",
};

static void
fill_random (guint8 *buffer,
             gsize   length)
{
  gsize done = 0;

  /* The kernel CSPRNG: tokens must not be guessable. */
  while (done < length)
    {
      ssize_t n = getrandom (buffer + done, length - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("getrandom failed: %s", g_strerror (errno));
      done += n;
    }
}

static char *
random_hex (gsize n_bytes)
{
  g_autofree guint8 *bytes = g_malloc (n_bytes);
  GString *hex = g_string_sized_new (n_bytes * 2);

  fill_random (bytes, n_bytes);
  for (gsize i = 0; i < n_bytes; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}

/* GS1- and 16 random bytes in RFC 4648 base32: upper case only, so the
 * token survives QR encoders that fold case. */
static char *
new_ticket_token (void)
{
  guint8 bytes[16];
  g_autofree char *body = NULL;

  fill_random (bytes, sizeof bytes);
  body = gate_base32_encode (bytes, sizeof bytes);
  return g_strconcat ("GS1-", body, NULL);
}

/* A version 7 id (RFC 9562), as migrations/postgres/0025 makes them: the
 * milliseconds since the epoch, then a counter in the 12 bits after the
 * version (the first of a millisecond starts it at random in the lower
 * half), then 62 random bits. Ids made one after the other are in order,
 * so the tickets of an import lie in the order their event is paged in. */
static char *
new_ticket_id (void)
{
  static guint64 last_ms;
  static guint counter;
  guint64 ms = (guint64) (g_get_real_time () / 1000);
  guint8 bytes[16];

  fill_random (bytes, sizeof bytes);
  if (ms > last_ms)
    {
      last_ms = ms;
      counter = ((bytes[6] << 8) | bytes[7]) & 0x7ff;
    }
  else if (++counter > 0xfff)
    {
      /* 4,096 in one millisecond: borrow the next one. */
      last_ms++;
      counter = 0;
    }
  for (guint i = 0; i < 6; i++)
    bytes[i] = (guint8) (last_ms >> (40 - 8 * i));
  bytes[6] = 0x70 | (guint8) (counter >> 8);
  bytes[7] = (guint8) counter;
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                          bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
}

static char *
new_device_token (void)
{
  guint8 bytes[32];
  g_autofree char *b64 = NULL;

  fill_random (bytes, sizeof bytes);
  b64 = g_base64_encode (bytes, sizeof bytes);
  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  g_strdelimit (b64, "=", '\0');
  return g_strconcat ("gst_", b64, NULL);
}

/* Returns an exit code: a missing --db is a usage error, an unreachable
 * database a failure. */
static int
connect_db (const char  *conninfo,
            PGconn     **out)
{
  g_autoptr(PGconn) conn = NULL;

  if (conninfo == NULL)
    conninfo = gate_config_get_environment (GATE_CONFIG_KEY_DB);
  if (conninfo == NULL || *conninfo == '\0')
    {
      fprintf (stderr, "gatectl: no database given (use --db CONNINFO or GATE_DB)\n");
      return GATECTL_EXIT_USAGE;
    }

  conn = PQconnectdb (conninfo);
  if (PQstatus (conn) != CONNECTION_OK)
    {
      fprintf (stderr, "gatectl: cannot connect to the database: %s", PQerrorMessage (conn));
      return GATECTL_EXIT_FAILED;
    }

  *out = g_steal_pointer (&conn);
  return GATECTL_EXIT_OK;
}

int
gatectl_connect_db (const char  *conninfo,
                    PGconn     **out)
{
  return connect_db (conninfo, out);
}

static gboolean
check_result (PGresult   *result,
              const char *what)
{
  ExecStatusType status = PQresultStatus (result);

  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN)
    return TRUE;

  fprintf (stderr, "gatectl: %s failed: %s", what, PQresultErrorMessage (result));
  return FALSE;
}

static gboolean
exec_ok (PGconn     *conn,
         const char *sql,
         const char *what)
{
  g_autoptr(PGresult) result = PQexec (conn, sql);

  return check_result (result, what);
}

gboolean
gatectl_exec_ok (PGconn     *conn,
                 const char *sql,
                 const char *what)
{
  return exec_ok (conn, sql, what);
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

gboolean
gatectl_parse_options (GOptionContext  *context,
                       int             *argc,
                       char          ***argv)
{
  return parse_options (context, argc, argv);
}

gboolean
gatectl_check_result (PGresult   *result,
                      const char *what)
{
  return check_result (result, what);
}

/* --- migrate ------------------------------------------------------------ */

typedef struct
{
  char   *name;
  GBytes *sql;
} Migration;

static void
migration_free (Migration *migration)
{
  g_free (migration->name);
  g_bytes_unref (migration->sql);
  g_free (migration);
}

static gint
compare_migrations (gconstpointer a,
                    gconstpointer b)
{
  const Migration *ma = *(const Migration **) a;
  const Migration *mb = *(const Migration **) b;

  return strcmp (ma->name, mb->name);
}

static GPtrArray *
load_migrations (const char  *directory,
                 GError     **error)
{
  g_autoptr(GPtrArray) migrations = g_ptr_array_new_with_free_func ((GDestroyNotify) migration_free);

  if (directory != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (directory, 0, error);
      const char *name;

      if (dir == NULL)
        return NULL;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = NULL;
          char *contents;
          gsize length;
          Migration *migration;

          if (!g_str_has_suffix (name, ".sql"))
            continue;

          path = g_build_filename (directory, name, NULL);
          if (!g_file_get_contents (path, &contents, &length, error))
            return NULL;

          migration = g_new0 (Migration, 1);
          migration->name = g_strdup (name);
          migration->sql = g_bytes_new_take (contents, length);
          g_ptr_array_add (migrations, migration);
        }
    }
  else
    {
      g_auto(GStrv) names = g_resources_enumerate_children (MIGRATIONS_RESOURCE, 0, error);

      if (names == NULL)
        return NULL;

      for (guint i = 0; names[i] != NULL; i++)
        {
          g_autofree char *path = g_build_path ("/", MIGRATIONS_RESOURCE, names[i], NULL);
          Migration *migration = g_new0 (Migration, 1);

          migration->name = g_strdup (names[i]);
          migration->sql = g_resources_lookup_data (path, 0, error);
          if (migration->sql == NULL)
            {
              migration_free (migration);
              return NULL;
            }
          g_ptr_array_add (migrations, migration);
        }
    }

  g_ptr_array_sort (migrations, compare_migrations);
  return g_steal_pointer (&migrations);
}

static int
run_migrate (int    argc,
             char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *directory = NULL;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db, "PostgreSQL connection string", "CONNINFO" },
    { "migrations", 0, 0, G_OPTION_ARG_FILENAME, &directory,
      "Apply the .sql files of DIR instead of the built-in ones", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— apply pending schema migrations");
  g_autoptr(GPtrArray) migrations = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PGconn) conn = NULL;
  guint applied = 0;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv))
    return GATECTL_EXIT_USAGE;

  migrations = load_migrations (directory, &error);
  if (migrations == NULL)
    {
      fprintf (stderr, "gatectl: cannot read migrations: %s\n", error->message);
      return GATECTL_EXIT_USAGE;
    }

  if ((status = connect_db (db, &conn)) != GATECTL_EXIT_OK)
    return status;

  /* Two migrate runs at once must not apply a file twice. */
  if (!exec_ok (conn, "SET client_min_messages = warning", "setting up") ||
      !exec_ok (conn, "SELECT pg_advisory_lock(7461626)", "taking the migration lock") ||
      !exec_ok (conn,
                "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
                "  name text PRIMARY KEY,"
                "  checksum text NOT NULL,"
                "  applied_at timestamptz NOT NULL DEFAULT now())",
                "creating schema_migrations") ||
      !exec_ok (conn, "REVOKE ALL ON public.schema_migrations FROM PUBLIC", "securing schema_migrations") ||
      !exec_ok (conn, "ALTER TABLE public.schema_migrations ENABLE ROW LEVEL SECURITY",
                "securing schema_migrations"))
    return GATECTL_EXIT_FAILED;

  for (guint i = 0; i < migrations->len; i++)
    {
      Migration *migration = g_ptr_array_index (migrations, i);
      gsize length;
      const char *sql = g_bytes_get_data (migration->sql, &length);
      g_autofree char *checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, migration->sql);
      g_autofree char *text = g_strndup (sql, length);
      const char *params[2] = { migration->name, checksum };
      g_autoptr(PGresult) known = NULL;
      g_autoptr(PGresult) result = NULL;

      known = PQexecParams (conn, "SELECT checksum FROM public.schema_migrations WHERE name = $1",
                            1, NULL, params, NULL, NULL, 0);
      if (!check_result (known, "reading schema_migrations"))
        return GATECTL_EXIT_FAILED;

      if (PQntuples (known) == 1)
        {
          if (strcmp (PQgetvalue (known, 0, 0), checksum) != 0)
            {
              fprintf (stderr,
                       "gatectl: migration %s was changed after it was applied; "
                       "add a new migration instead of editing an applied one\n",
                       migration->name);
              return GATECTL_EXIT_FAILED;
            }
          continue;
        }

      if (!exec_ok (conn, "BEGIN", "starting a transaction"))
        return GATECTL_EXIT_FAILED;

      result = PQexec (conn, text);
      if (!check_result (result, migration->name))
        {
          exec_ok (conn, "ROLLBACK", "rolling back");
          return GATECTL_EXIT_FAILED;
        }
      g_clear_pointer (&result, PQclear);

      result = PQexecParams (conn, "INSERT INTO public.schema_migrations (name, checksum) VALUES ($1, $2)",
                             2, NULL, params, NULL, NULL, 0);
      if (!check_result (result, "recording the migration") ||
          !exec_ok (conn, "COMMIT", "committing the migration"))
        {
          exec_ok (conn, "ROLLBACK", "rolling back");
          return GATECTL_EXIT_FAILED;
        }

      printf ("applied %s\n", migration->name);
      applied++;
    }

  if (applied == 0)
    printf ("up to date\n");

  return GATECTL_EXIT_OK;
}

/* --- event create -------------------------------------------------------- */

static int
run_event (int    argc,
           char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *name = NULL;
  g_autofree char *starts_at = NULL;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db, "PostgreSQL connection string", "CONNINFO" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Name of the event", "NAME" },
    { "starts-at", 0, 0, G_OPTION_ARG_STRING, &starts_at, "When doors open (ISO 8601)", "TIME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("create — create an event and print its id");
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autofree char *key = NULL;
  int status;
  const char *params[3];

  if (argc >= 2 && strcmp (argv[1], "keys") == 0)
    return gatectl_keys_run (argc, argv);

  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv))
    return GATECTL_EXIT_USAGE;

  if (argc != 2 || strcmp (argv[1], "create") != 0 || name == NULL || *name == '\0')
    {
      fprintf (stderr, "Usage: gatectl event create --db CONNINFO --name NAME [--starts-at TIME]\n"
                       "       gatectl event keys --db CONNINFO --event ID [--rotate | --retire KEY_ID]\n");
      return GATECTL_EXIT_USAGE;
    }

  if ((status = connect_db (db, &conn)) != GATECTL_EXIT_OK)
    return status;

  key = random_hex (32);
  params[0] = name;
  params[1] = starts_at;
  params[2] = key;
  result = PQexecParams (conn,
                         "INSERT INTO public.events (name, starts_at, signing_key) "
                         "VALUES ($1, $2::timestamptz, $3) RETURNING id",
                         3, NULL, params, NULL, NULL, 0);
  if (!check_result (result, "creating the event"))
    return GATECTL_EXIT_FAILED;

  printf ("%s\n", PQgetvalue (result, 0, 0));
  return GATECTL_EXIT_OK;
}

/* --- tickets generate ---------------------------------------------------- */

/* COPY's text format: escape what would end a field or a row. */
static void
append_copy_field (GString    *row,
                   const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\\' || *p == '\t' || *p == '\n' || *p == '\r')
        g_string_append_c (row, '\\');
      g_string_append_c (row, *p);
    }
}

static int
run_tickets (int    argc,
             char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *event = NULL;
  g_autofree char *type = NULL;
  gint count = 0;
  gboolean signed_codes = FALSE;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db, "PostgreSQL connection string", "CONNINFO" },
    { "event", 0, 0, G_OPTION_ARG_STRING, &event, "Event id", "ID" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "How many tickets", "N" },
    { "type", 0, 0, G_OPTION_ARG_STRING, &type, "Ticket type (default General)", "TYPE" },
    { "signed", 0, 0, G_OPTION_ARG_NONE, &signed_codes,
      "Signed codes that gates can check offline (creates the event's key pair on first use)", NULL },
    { NULL }
  };
  g_auto(GatectlSigningKey) signing_key = { 0 };
  g_autoptr(GOptionContext) context = g_option_context_new ("generate — create tickets, print one token a line");
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GString) out = NULL;
  const char *params[1];
  int status;
  const char *key;
  gint done = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv))
    return GATECTL_EXIT_USAGE;

  if (argc != 2 || strcmp (argv[1], "generate") != 0 || event == NULL || count <= 0 || count > 10000000)
    {
      fprintf (stderr, "Usage: gatectl tickets generate --db CONNINFO --event ID --count N [--type T] [--signed]\n"
                       "       (N from 1 to 10,000,000)\n");
      return GATECTL_EXIT_USAGE;
    }

  if ((status = connect_db (db, &conn)) != GATECTL_EXIT_OK)
    return status;

  params[0] = event;
  result = PQexecParams (conn, "SELECT signing_key FROM public.events WHERE id = $1::uuid",
                         1, NULL, params, NULL, NULL, 0);
  if (!check_result (result, "looking up the event"))
    return GATECTL_EXIT_FAILED;
  if (PQntuples (result) != 1)
    {
      fprintf (stderr, "gatectl: no event with id %s\n", event);
      return GATECTL_EXIT_FAILED;
    }
  key = PQgetvalue (result, 0, 0);

  if (!exec_ok (conn, "BEGIN", "starting a transaction"))
    return GATECTL_EXIT_FAILED;
  if (signed_codes && !gatectl_signing_key_for_event (conn, event, FALSE, &signing_key))
    return GATECTL_EXIT_FAILED;

  out = g_string_new (NULL);
  while (done < count)
    {
      g_autoptr(GString) rows = g_string_new (NULL);
      g_autoptr(PGresult) copy = NULL;
      g_autoptr(PGresult) end = NULL;
      gint batch = MIN (COPY_BATCH, count - done);

      copy = PQexec (conn, "COPY public.tickets (id, event_id, qr_token, qr_signature, ticket_type, guest_name) "
                           "FROM STDIN");
      if (!check_result (copy, "copying tickets"))
        return GATECTL_EXIT_FAILED;

      for (gint i = 0; i < batch; i++)
        {
          g_autofree char *ticket_id = new_ticket_id ();
          g_autofree char *token = NULL;
          g_autofree char *signature = NULL;
          g_autoptr(GError) error = NULL;
          guint32 pick[2];

          /* A signed ticket's code is its qr_token: online scans, uploads
           * and refreshes find it like any other. */
          if (signed_codes)
            token = gate_ticket_code_sign (signing_key.key_id, event, ticket_id, type ? type : "General",
                                           signing_key.seed, &error);
          else
            token = new_ticket_token ();
          if (token == NULL)
            {
              fprintf (stderr, "gatectl: %s\n", error->message);
              return GATECTL_EXIT_USAGE;
            }
          signature = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) key, strlen (key), token, -1);

          fill_random ((guint8 *) pick, sizeof pick);
          g_string_append_printf (rows, "%s\t%s\t%s\t%s\t", ticket_id, event, token, signature);
          append_copy_field (rows, type ? type : "General");
          g_string_append_c (rows, '\t');
          append_copy_field (rows, first_names[pick[0] % G_N_ELEMENTS (first_names)]);
          g_string_append_c (rows, ' ');
          append_copy_field (rows, last_names[pick[1] % G_N_ELEMENTS (last_names)]);
          g_string_append_c (rows, '\n');
          g_string_append_printf (out, "%s\n", token);
        }

      if (PQputCopyData (conn, rows->str, rows->len) != 1 || PQputCopyEnd (conn, NULL) != 1)
        {
          fprintf (stderr, "gatectl: copying tickets failed: %s", PQerrorMessage (conn));
          return GATECTL_EXIT_FAILED;
        }
      end = PQgetResult (conn);
      if (!check_result (end, "copying tickets"))
        return GATECTL_EXIT_FAILED;
      for (PGresult *extra; (extra = PQgetResult (conn)) != NULL;)
        PQclear (extra);

      done += batch;
    }

  if (!exec_ok (conn, "COMMIT", "committing the tickets"))
    return GATECTL_EXIT_FAILED;

  /* Open gate sessions replan now, not at autovacuum's next round: a plan
   * made for a nearly empty table reads the whole event to find one code
   * (docs/troubleshooting.md). The tickets are in either way. */
  g_clear_pointer (&result, PQclear);
  result = PQexec (conn, "ANALYZE public.tickets");
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    fprintf (stderr, "gatectl: warning: the tickets are saved, but refreshing the planner's statistics "
                     "failed (autovacuum will do it): %s", PQresultErrorMessage (result));

  fwrite (out->str, 1, out->len, stdout);
  return GATECTL_EXIT_OK;
}

/* --- ticket void / unvoid -------------------------------------------------- */

/* Refunded or cancelled, and back. The update fires tickets_stamp_change,
 * which moves the ticket into every kiosk's next delta download; unvoiding
 * gives back the status the scans say (scanned once used, else valid). An
 * already void (or already valid) ticket is left as it is, its updated_at
 * included. */
static const char VOID_TICKET_SQL[] =
  "WITH wanted AS (SELECT id, status FROM public.tickets WHERE qr_token = $1 FOR UPDATE), "
  "changed AS (UPDATE public.tickets t SET status = CASE WHEN $2 THEN 'void' "
  "                                                  WHEN t.is_used THEN 'scanned' ELSE 'valid' END "
  "            FROM wanted w WHERE t.id = w.id AND (w.status = 'void') <> $2 "
  "            RETURNING t.id, t.event_id, t.status) "
  "SELECT w.id, coalesce(c.event_id, (SELECT event_id FROM public.tickets WHERE id = w.id)), "
  "       coalesce(c.status, w.status), c.id IS NOT NULL "
  "FROM wanted w LEFT JOIN changed c ON c.id = w.id";

static int
run_ticket (int    argc,
            char **argv)
{
  g_autofree char *db = NULL;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db, "PostgreSQL connection string", "CONNINFO" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("void|unvoid CODE — refund or cancel a ticket, or undo it");
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) result = NULL;
  gboolean make_void;
  const char *params[2];
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv))
    return GATECTL_EXIT_USAGE;

  if (argc != 3 || (strcmp (argv[1], "void") != 0 && strcmp (argv[1], "unvoid") != 0) || *argv[2] == '\0')
    {
      fprintf (stderr, "Usage: gatectl ticket void --db CONNINFO CODE\n"
                       "       gatectl ticket unvoid --db CONNINFO CODE\n");
      return GATECTL_EXIT_USAGE;
    }
  make_void = strcmp (argv[1], "void") == 0;

  if ((status = connect_db (db, &conn)) != GATECTL_EXIT_OK)
    return status;

  params[0] = argv[2];
  params[1] = make_void ? "true" : "false";
  result = PQexecParams (conn, VOID_TICKET_SQL, 2, NULL, params, NULL, NULL, 0);
  if (!check_result (result, make_void ? "voiding the ticket" : "unvoiding the ticket"))
    return GATECTL_EXIT_FAILED;
  if (PQntuples (result) != 1)
    {
      fprintf (stderr, "gatectl: no ticket has the code %s\n", argv[2]);
      return GATECTL_EXIT_FAILED;
    }

  printf ("{\"ticket_id\":\"%s\",\"event_id\":\"%s\",\"status\":\"%s\",\"changed\":%s}\n",
          PQgetvalue (result, 0, 0), PQgetvalue (result, 0, 1), PQgetvalue (result, 0, 2),
          strcmp (PQgetvalue (result, 0, 3), "t") == 0 ? "true" : "false");
  return GATECTL_EXIT_OK;
}

/* --- device add / revoke -------------------------------------------------- */

static int
run_device (int    argc,
            char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *name = NULL;
  g_autofree char *role = NULL;
  g_auto(GStrv) events = NULL;
  g_autofree char *list = NULL;
  g_autofree char *server = NULL;
  g_autofree char *qr_png = NULL;
  gboolean setup_code = FALSE;
  int setup_ttl = 15 * 60;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db, "PostgreSQL connection string", "CONNINFO" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Name of the device (add)", "NAME" },
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, "gate or supervisor (add)", "ROLE" },
    { "event", 0, 0, G_OPTION_ARG_STRING_ARRAY, &events, "An event it may scan, repeatable (add)", "ID" },
    { "list", 0, 0, G_OPTION_ARG_STRING, &list, "Its check-in list (add)", "ID" },
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, "Server URL the kiosk uses (add --setup-code)", "URL" },
    { "setup-code", 0, 0, G_OPTION_ARG_NONE, &setup_code, "Print a setup code instead of a token (add)", NULL },
    { "setup-ttl", 0, 0, G_OPTION_ARG_INT, &setup_ttl, "Lifetime of the setup code (default 900)", "SECONDS" },
    { "qr", 0, 0, G_OPTION_ARG_FILENAME, &qr_png, "Also write the setup QR as a PNG", "FILE.png" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("add|revoke [ID] — manage devices");
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) result = NULL;
  int status;

  if (argc >= 2 && strcmp (argv[1], "assign") == 0)
    return gatectl_rules_run_device_assign (argc, argv);

  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv))
    return GATECTL_EXIT_USAGE;

  if (argc == 2 && strcmp (argv[1], "add") == 0)
    {
      g_autofree char *suffix = NULL;
      g_autofree char *device_id = NULL;
      g_autofree char *token = NULL;
      g_autofree char *hash = NULL;
      const char *params[4];

      if (name == NULL || *name == '\0' || role == NULL ||
          (strcmp (role, "gate") != 0 && strcmp (role, "supervisor") != 0))
        {
          fprintf (stderr, "Usage: gatectl device add --db CONNINFO --name NAME --role gate|supervisor\n");
          return GATECTL_EXIT_USAGE;
        }

      if ((status = connect_db (db, &conn)) != GATECTL_EXIT_OK)
        return status;

      if (setup_code)
        return gatectl_enroll_add_device (conn, name, role, (const char * const *) events, list, server, setup_ttl,
                                          qr_png);

      suffix = random_hex (6);
      device_id = g_strconcat ("dev-", suffix, NULL);
      token = new_device_token ();
      /* Only the hash is stored: a database dump does not leak usable tokens. */
      hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);

      params[0] = device_id;
      params[1] = name;
      params[2] = role;
      params[3] = hash;
      /* The device and its assignment exist together or not at all. */
      if (!exec_ok (conn, "BEGIN", "starting a transaction"))
        return GATECTL_EXIT_FAILED;
      result = PQexecParams (conn,
                             "INSERT INTO public.devices (id, name, role, token_hash) VALUES ($1, $2, $3, $4)",
                             4, NULL, params, NULL, NULL, 0);
      if (!check_result (result, "adding the device") ||
          !gatectl_rules_assign (conn, device_id, (const char * const *) events, list, FALSE) ||
          !exec_ok (conn, "COMMIT", "committing the device"))
        return GATECTL_EXIT_FAILED;

      printf ("{\"device_id\":\"%s\",\"token\":\"%s\"}\n", device_id, token);
      return GATECTL_EXIT_OK;
    }

  if (argc == 3 && strcmp (argv[1], "revoke") == 0)
    {
      const char *params[1] = { argv[2] };

      if ((status = connect_db (db, &conn)) != GATECTL_EXIT_OK)
        return status;

      result = PQexecParams (conn,
                             "UPDATE public.devices SET revoked_at = coalesce(revoked_at, now()) "
                             "WHERE id = $1 RETURNING revoked_at",
                             1, NULL, params, NULL, NULL, 0);
      if (!check_result (result, "revoking the device"))
        return GATECTL_EXIT_FAILED;
      if (PQntuples (result) != 1)
        {
          fprintf (stderr, "gatectl: no device with id %s\n", argv[2]);
          return GATECTL_EXIT_FAILED;
        }

      printf ("revoked %s\n", argv[2]);
      return GATECTL_EXIT_OK;
    }

  fprintf (stderr, "Usage: gatectl device add --db CONNINFO --name NAME --role gate|supervisor [--event ID]… "
                   "[--list ID]\n"
                   "       gatectl device assign --db CONNINFO ID [--event ID]… [--list ID] [--clear]\n"
                   "       gatectl device revoke --db CONNINFO ID\n");
  return GATECTL_EXIT_USAGE;
}

/* --- dispatch -------------------------------------------------------------- */

/* gatectl.c hands these verbs, and rules_verbs, to this program: a verb
 * added here goes in its admin_verbs too. */
static const struct
{
  const char *verb;
  int       (*run) (int argc, char **argv);
} admin_verbs[] = {
  { "migrate", run_migrate },
  { "event", run_event },
  { "tickets", run_tickets },
  { "ticket", run_ticket },
  { "device", run_device },
};

gboolean
gatectl_admin_handles (const char *verb)
{
  for (guint i = 0; i < G_N_ELEMENTS (admin_verbs); i++)
    if (strcmp (admin_verbs[i].verb, verb) == 0)
      return TRUE;

  return FALSE;
}

int
gatectl_admin_run (int    argc,
                   char **argv)
{
  for (guint i = 0; i < G_N_ELEMENTS (admin_verbs); i++)
    if (strcmp (admin_verbs[i].verb, argv[0]) == 0)
      return admin_verbs[i].run (argc, argv);

  return GATECTL_EXIT_USAGE;
}
