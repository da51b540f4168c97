/* gatectl-keys.c — events' signing keys: made on first use, `event keys`
 * to list, rotate and retire them (docs/signed-tickets.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <libpq-fe.h>

#include "gate-ticket-code.h"
#include "gatectl-admin-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

void
gatectl_signing_key_clear (GatectlSigningKey *key)
{
  explicit_bzero (key, sizeof *key);
}

static gboolean
hex_to_bytes (const char *hex,
              guint8     *out,
              gsize       length)
{
  if (strlen (hex) != length * 2)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      int high = g_ascii_xdigit_value (hex[2 * i]);
      int low = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (high < 0 || low < 0)
        return FALSE;
      out[i] = (guint8) (high << 4 | low);
    }
  return TRUE;
}

static char *
bytes_to_hex (const guint8 *bytes,
              gsize         length)
{
  GString *hex = g_string_sized_new (length * 2);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}

/* A new key pair for @event under the next free key id (ids are never
 * reused, retired ones included). Runs in the caller's transaction, which
 * holds the event's row lock. */
static gboolean
create_signing_key (PGconn            *conn,
                    const char        *event,
                    GatectlSigningKey *key)
{
  guint8 public_key[GATE_TICKET_CODE_PUBLIC_KEY_SIZE];
  g_autofree char *public_hex = NULL;
  g_autofree char *seed_hex = NULL;
  g_autoptr(PGresult) next = NULL;
  g_autoptr(PGresult) stored = NULL;
  const char *params[4];
  int key_id;

  params[0] = event;
  next = PQexecParams (conn,
                       "SELECT coalesce(max(key_id), 0) + 1 FROM public.event_signing_keys WHERE event_id = $1::uuid",
                       1, NULL, params, NULL, NULL, 0);
  if (!gatectl_check_result (next, "choosing a key id"))
    return FALSE;
  key_id = atoi (PQgetvalue (next, 0, 0));
  if (key_id > 255)
    {
      fprintf (stderr, "gatectl: event %s has used all 255 key ids\n", event);
      return FALSE;
    }

  key->key_id = (guint8) key_id;
  gate_ticket_code_new_key (key->seed, public_key);
  public_hex = bytes_to_hex (public_key, sizeof public_key);
  seed_hex = bytes_to_hex (key->seed, sizeof key->seed);

  params[1] = PQgetvalue (next, 0, 0);
  params[2] = public_hex;
  params[3] = seed_hex;
  stored = PQexecParams (conn,
                         "WITH k AS (INSERT INTO public.event_signing_keys (event_id, key_id, public_key) "
                         "           VALUES ($1::uuid, $2::smallint, decode($3, 'hex')) RETURNING event_id, key_id) "
                         "INSERT INTO public.event_signing_seeds (event_id, key_id, seed) "
                         "SELECT event_id, key_id, decode($4, 'hex') FROM k",
                         4, NULL, params, NULL, NULL, 0);
  explicit_bzero (seed_hex, strlen (seed_hex));
  return gatectl_check_result (stored, "storing the signing key");
}

/* The key that signs new codes of @event: its newest key in use, created
 * on first use (or always, with @rotate). Takes the event's row lock in the
 * caller's transaction, so two runs never create two keys at once. */
gboolean
gatectl_signing_key_for_event (PGconn            *conn,
                               const char        *event,
                               gboolean           rotate,
                               GatectlSigningKey *key)
{
  g_autoptr(PGresult) locked = NULL;
  g_autoptr(PGresult) newest = NULL;
  const char *params[1] = { event };

  locked = PQexecParams (conn, "SELECT 1 FROM public.events WHERE id = $1::uuid FOR UPDATE",
                         1, NULL, params, NULL, NULL, 0);
  if (!gatectl_check_result (locked, "locking the event"))
    return FALSE;
  if (PQntuples (locked) != 1)
    {
      fprintf (stderr, "gatectl: no event with id %s\n", event);
      return FALSE;
    }

  if (!rotate)
    {
      newest = PQexecParams (conn,
                             "SELECT k.key_id, encode(s.seed, 'hex') FROM public.event_signing_keys k "
                             "JOIN public.event_signing_seeds s USING (event_id, key_id) "
                             "WHERE k.event_id = $1::uuid AND k.retired_at IS NULL "
                             "ORDER BY k.key_id DESC LIMIT 1",
                             1, NULL, params, NULL, NULL, 0);
      if (!gatectl_check_result (newest, "reading the signing key"))
        return FALSE;
      if (PQntuples (newest) == 1)
        {
          key->key_id = (guint8) atoi (PQgetvalue (newest, 0, 0));
          if (!hex_to_bytes (PQgetvalue (newest, 0, 1), key->seed, sizeof key->seed))
            {
              fprintf (stderr, "gatectl: the stored signing key of event %s is malformed\n", event);
              return FALSE;
            }
          return TRUE;
        }
    }

  return create_signing_key (conn, event, key);
}

/* event keys: the event's signing keys as JSON lines (public halves only);
 * --rotate adds a key that signs new codes from now on (older codes stay
 * valid), --retire stops sending a key to gates, so its codes are no longer
 * admitted offline by signature (online they still are). */
int
gatectl_keys_run (int    argc,
                  char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *event = NULL;
  gboolean rotate = FALSE;
  gint retire = 0;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db, "PostgreSQL connection string", "CONNINFO" },
    { "event", 0, 0, G_OPTION_ARG_STRING, &event, "Event id", "ID" },
    { "rotate", 0, 0, G_OPTION_ARG_NONE, &rotate, "Create a new key that signs new codes", NULL },
    { "retire", 0, 0, G_OPTION_ARG_INT, &retire, "Stop trusting codes of this key offline", "KEY_ID" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("keys — list, rotate or retire an event's signing keys");
  g_auto(GatectlSigningKey) key = { 0 };
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autofree char *retire_text = NULL;
  const char *params[2];
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!gatectl_parse_options (context, &argc, &argv))
    return GATECTL_EXIT_USAGE;

  if (argc != 2 || event == NULL || !g_uuid_string_is_valid (event) || (rotate && retire != 0) || retire < 0 ||
      retire > 255)
    {
      fprintf (stderr, "Usage: gatectl event keys --db CONNINFO --event ID [--rotate | --retire KEY_ID]\n");
      return GATECTL_EXIT_USAGE;
    }

  if ((status = gatectl_connect_db (db, &conn)) != GATECTL_EXIT_OK)
    return status;

  params[0] = event;
  if (!gatectl_exec_ok (conn, "BEGIN", "starting a transaction"))
    return GATECTL_EXIT_FAILED;
  if (rotate && !gatectl_signing_key_for_event (conn, event, TRUE, &key))
    return GATECTL_EXIT_FAILED;
  if (retire != 0)
    {
      g_autoptr(PGresult) retired = NULL;

      retire_text = g_strdup_printf ("%d", retire);
      params[1] = retire_text;
      retired = PQexecParams (conn,
                              "UPDATE public.event_signing_keys SET retired_at = coalesce(retired_at, now()) "
                              "WHERE event_id = $1::uuid AND key_id = $2::smallint RETURNING key_id",
                              2, NULL, params, NULL, NULL, 0);
      if (!gatectl_check_result (retired, "retiring the key"))
        return GATECTL_EXIT_FAILED;
      if (PQntuples (retired) != 1)
        {
          fprintf (stderr, "gatectl: event %s has no key %d\n", event, retire);
          return GATECTL_EXIT_FAILED;
        }
    }

  result = PQexecParams (conn,
                         "SELECT json_build_object('key_id', key_id, 'public_key', encode(public_key, 'base64'), "
                         "  'created_at', created_at, 'retired_at', retired_at)::text "
                         "FROM public.event_signing_keys WHERE event_id = $1::uuid ORDER BY key_id",
                         1, NULL, params, NULL, NULL, 0);
  if (!gatectl_check_result (result, "listing the keys") || !gatectl_exec_ok (conn, "COMMIT", "committing the keys"))
    return GATECTL_EXIT_FAILED;

  for (int i = 0; i < PQntuples (result); i++)
    printf ("%s\n", PQgetvalue (result, i, 0));
  return GATECTL_EXIT_OK;
}
