/* gate-ticket-cache-sql.c — statements, transactions and errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-error.h"
#include "gate-ticket-cache-private.h"

/* --- UUIDs as 16 bytes ----------------------------------------------------
 *
 * Ticket and event ids are PostgreSQL UUIDs, 36 characters as text. The
 * cache keeps a canonical (lowercase) one as its 16 bytes — in the table
 * and in its index that is 40 bytes a ticket less — and anything else as
 * the text it was, so that every id reads back exactly as it was written.
 */

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Whether @text is a canonical UUID; its bytes into @bytes if so. */
static gboolean
parse_uuid (const char *text,
            int         length,
            guint8      bytes[16])
{
  guint n = 0;

  if (length != 36)
    return FALSE;
  for (int i = 0; i < 36; i++)
    {
      int high;
      int low;

      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (text[i] != '-')
            return FALSE;
          continue;
        }
      high = hex_value (text[i]);
      low = hex_value (text[++i]);
      if (high < 0 || low < 0 || i == 8 || i == 13 || i == 18 || i == 23)
        return FALSE;
      bytes[n++] = (guint8) (high << 4 | low);
    }
  return n == 16;
}

/* gate_uuid(x): a canonical UUID's 16 bytes; any other value unchanged. */
static void
sql_gate_uuid (sqlite3_context  *context,
               int               argc,
               sqlite3_value   **argv)
{
  guint8 bytes[16];

  if (sqlite3_value_type (argv[0]) == SQLITE_TEXT &&
      parse_uuid ((const char *) sqlite3_value_text (argv[0]), sqlite3_value_bytes (argv[0]), bytes))
    sqlite3_result_blob (context, bytes, sizeof bytes, SQLITE_TRANSIENT);
  else
    sqlite3_result_value (context, argv[0]);
}

/* gate_uuid_text(x): the text of what gate_uuid() stored. */
static void
sql_gate_uuid_text (sqlite3_context  *context,
                    int               argc,
                    sqlite3_value   **argv)
{
  static const char digits[] = "0123456789abcdef";
  const guint8 *bytes;
  char text[37];
  guint at = 0;

  if (sqlite3_value_type (argv[0]) != SQLITE_BLOB || sqlite3_value_bytes (argv[0]) != 16)
    {
      sqlite3_result_value (context, argv[0]);
      return;
    }

  bytes = sqlite3_value_blob (argv[0]);
  for (guint i = 0; i < 16; i++)
    {
      if (i == 4 || i == 6 || i == 8 || i == 10)
        text[at++] = '-';
      text[at++] = digits[bytes[i] >> 4];
      text[at++] = digits[bytes[i] & 0xf];
    }
  text[at] = '\0';
  sqlite3_result_text (context, text, 36, SQLITE_TRANSIENT);
}

/* On the connection before any migration: 0003 and the queries use them. */
gboolean
_gate_cache_register_functions (GateTicketCache  *self,
                                GError          **error)
{
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc;

  rc = sqlite3_create_function_v2 (self->db, "gate_uuid", 1, flags, NULL, sql_gate_uuid, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2 (self->db, "gate_uuid_text", 1, flags, NULL, sql_gate_uuid_text, NULL, NULL,
                                     NULL);
  if (rc != SQLITE_OK)
    return _gate_cache_fail (self, rc, "registering the cache's functions", error);
  return TRUE;
}

gboolean
_gate_cache_fail (GateTicketCache  *self,
                  int               rc,
                  const char       *what,
                  GError          **error)
{
  /* SQLite reports ENOSPC (and a full quota) as SQLITE_FULL: the gate says
   * "disk full" rather than a generic storage failure. */
  int code = (rc & 0xff) == SQLITE_FULL ? GATE_ERROR_DISK_FULL : GATE_ERROR_STORAGE;

  g_set_error (error, GATE_ERROR, code, "%s: %s", what,
               self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

sqlite3_stmt *
_gate_cache_prepare (GateTicketCache  *self,
                     const char       *sql,
                     GError          **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      _gate_cache_fail (self, rc, "preparing a cache query", error);
      return NULL;
    }

  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

static void
bind_text (sqlite3_stmt      *stmt,
           int                index,
           const char        *value,
           sqlite3_destructor_type keep)
{
  if (value != NULL)
    sqlite3_bind_text (stmt, index, value, -1, keep);
  else
    sqlite3_bind_null (stmt, index);
}

void
_gate_cache_bind_text (sqlite3_stmt *stmt,
                       int           index,
                       const char   *value)
{
  bind_text (stmt, index, value, SQLITE_TRANSIENT);
}

/* Without a copy: @value outlives the statement's step, and the caller
 * clears the bindings after it. */
void
_gate_cache_bind_text_static (sqlite3_stmt *stmt,
                              int           index,
                              const char   *value)
{
  bind_text (stmt, index, value, SQLITE_STATIC);
}

/* As gate_uuid(?) would store @value, without the function call: a
 * canonical UUID as its 16 bytes, anything else as text. */
void
_gate_cache_bind_uuid (sqlite3_stmt *stmt,
                       int           index,
                       const char   *value)
{
  guint8 bytes[16];

  if (value != NULL && parse_uuid (value, strlen (value), bytes))
    sqlite3_bind_blob (stmt, index, bytes, sizeof bytes, SQLITE_TRANSIENT);
  else
    _gate_cache_bind_text (stmt, index, value);
}

void
_gate_cache_bind_time (sqlite3_stmt *stmt,
                       int           index,
                       gint64        value_us)
{
  if (value_us != 0)
    sqlite3_bind_int64 (stmt, index, value_us);
  else
    sqlite3_bind_null (stmt, index);
}

void
_gate_cache_replace_str (char       **field,
                         const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

char *
_gate_cache_column_dup (sqlite3_stmt *stmt,
                        int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Run a prepared statement to its end, ignoring any rows. */
gboolean
_gate_cache_step_done (GateTicketCache  *self,
                       sqlite3_stmt     *stmt,
                       const char       *what,
                       GError          **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _gate_cache_fail (self, rc, what, error);
  return TRUE;
}

gboolean
_gate_cache_exec (GateTicketCache  *self,
                  const char       *sql,
                  const char       *what,
                  GError          **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return _gate_cache_fail (self, rc, what, error);
  return TRUE;
}

gboolean
_gate_cache_begin (GateTicketCache  *self,
                   GError          **error)
{
  /* IMMEDIATE takes the write lock up front: two processes cannot both
   * read "valid" and then both mark the ticket. */
  return _gate_cache_exec (self, "BEGIN IMMEDIATE", "starting a cache transaction", error);
}

/* For what the server can send again — refresh pages with their cursor,
 * the event summary, downloaded conflicts, retention: in WAL mode a
 * synchronous=NORMAL commit is as atomic as a FULL one, but does not wait
 * for the disk. A power cut may take the last of them back, never a part of
 * one, and never an earlier FULL commit (an admit): the WAL is replayed up
 * to a commit, in order, and every FULL commit syncs all that came before
 * it. A lost page is downloaded again from the cursor that went with it. */
gboolean
_gate_cache_begin_replaceable (GateTicketCache  *self,
                               GError          **error)
{
  if (!_gate_cache_exec (self, "PRAGMA synchronous = NORMAL", "relaxing the cache's commit", error))
    return FALSE;
  self->replaceable = TRUE;
  if (_gate_cache_begin (self, error))
    return TRUE;
  _gate_cache_rollback (self);
  return FALSE;
}

static void
end_replaceable (GateTicketCache *self)
{
  if (!self->replaceable)
    return;
  self->replaceable = FALSE;
  /* Cannot fail outside a transaction short of running out of memory;
   * then the next open starts FULL again anyway. */
  sqlite3_exec (self->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
}

void
_gate_cache_rollback (GateTicketCache *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  end_replaceable (self);
}

gboolean
_gate_cache_commit (GateTicketCache  *self,
                    GError          **error)
{
  if (!_gate_cache_exec (self, "COMMIT", "committing to the cache", error))
    {
      _gate_cache_rollback (self);
      return FALSE;
    }
  end_replaceable (self);
  return TRUE;
}

GateTicket *
_gate_cache_ticket_from_row (sqlite3_stmt *stmt)
{
  GateTicket *ticket = gate_ticket_new ();
  const char *status = (const char *) sqlite3_column_text (stmt, 6);

  ticket->id = _gate_cache_column_dup (stmt, 0);
  ticket->event_id = _gate_cache_column_dup (stmt, 1);
  ticket->qr_token = _gate_cache_column_dup (stmt, 2);
  ticket->qr_signature = _gate_cache_column_dup (stmt, 3);
  ticket->ticket_type = _gate_cache_column_dup (stmt, 4);
  ticket->guest_name = _gate_cache_column_dup (stmt, 5);
  if (!gate_ticket_status_from_string (status, &ticket->status))
    ticket->status = GATE_TICKET_STATUS_VALID;
  ticket->scanned_at_us = sqlite3_column_int64 (stmt, 7);
  ticket->scanned_device = _gate_cache_column_dup (stmt, 8);
  ticket->updated_at_us = sqlite3_column_int64 (stmt, 9);
  return ticket;
}

/* The ticket for @qr_token; *found is FALSE (and no error) if there is none. */
GateTicket *
_gate_cache_read_ticket (GateTicketCache  *self,
                         const char       *qr_token,
                         gboolean         *pending_local,
                         GError          **error)
{
  sqlite3_stmt *stmt;
  GateTicket *ticket = NULL;
  int rc;

  if (pending_local != NULL)
    *pending_local = FALSE;

  stmt = _gate_cache_prepare (self, "SELECT " GATE_CACHE_TICKET_COLUMNS " FROM tickets WHERE qr_token = ?", error);
  if (stmt == NULL)
    return NULL;

  _gate_cache_bind_text (stmt, 1, qr_token);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      ticket = _gate_cache_ticket_from_row (stmt);
      if (pending_local != NULL)
        *pending_local = sqlite3_column_type (stmt, 10) != SQLITE_NULL;
    }
  else if (rc != SQLITE_DONE)
    _gate_cache_fail (self, rc, "looking up a ticket", error);
  sqlite3_reset (stmt);
  return ticket;
}
