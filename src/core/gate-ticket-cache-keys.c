/* gate-ticket-cache-keys.c — event keys, and signed codes the cache has never seen
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/signed-tickets.md: a signed code is an ordinary ticket to the cache
 * once a refresh has brought it (its qr_token is the code). Before that,
 * offline, the code's own signature vouches for it: the ticket it names is
 * added to the cache as valid, inside the deciding transaction, and decided
 * from then on like any other — marked, queued, uploaded once, and
 * already_scanned the second time.
 */
#include "config.h"

#include <string.h>

#include "gate-error.h"
#include "gate-ticket-cache-private.h"
#include "gate-ticket-code.h"

static gboolean
store_keys_locked (GateTicketCache  *self,
                   const char       *event_id,
                   GPtrArray        *keys,
                   GError          **error)
{
  sqlite3_stmt *stmt;

  stmt = _gate_cache_prepare (self, "DELETE FROM event_keys WHERE event_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, event_id);
  if (!_gate_cache_step_done (self, stmt, "replacing the event's keys", error))
    return FALSE;

  for (guint i = 0; i < keys->len; i++)
    {
      const GateEventKey *key = g_ptr_array_index (keys, i);

      stmt = _gate_cache_prepare (self,
                                  "INSERT OR REPLACE INTO event_keys (event_id, key_id, public_key) VALUES (?, ?, ?)",
                                  error);
      if (stmt == NULL)
        return FALSE;
      _gate_cache_bind_text (stmt, 1, event_id);
      sqlite3_bind_int (stmt, 2, key->key_id);
      sqlite3_bind_blob (stmt, 3, key->public_key, sizeof key->public_key, SQLITE_STATIC);
      if (!_gate_cache_step_done (self, stmt, "storing an event key", error))
        return FALSE;
    }
  return TRUE;
}

/**
 * gate_ticket_cache_set_event_keys:
 * @keys: (element-type GateEventKey): the server's keys for @event_id
 *
 * Replaces the public keys of @event_id with @keys, in one transaction: a
 * key the server no longer lists (retired) no longer admits anything here.
 */
gboolean
gate_ticket_cache_set_event_keys (GateTicketCache  *self,
                                  const char       *event_id,
                                  GPtrArray        *keys,
                                  GError          **error)
{
  g_autofree char *canonical_id = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (event_id != NULL && keys != NULL, FALSE);

  /* Codes carry the event's uuid as bytes: keys are filed under its
   * lower-case text, whatever spelling the configuration uses. */
  canonical_id = g_ascii_strdown (event_id, -1);
  g_mutex_lock (&self->mutex);
  if (_gate_cache_begin (self, error))
    {
      if (store_keys_locked (self, canonical_id, keys, error))
        ok = _gate_cache_commit (self, error);
      else
        _gate_cache_rollback (self);
    }
  g_mutex_unlock (&self->mutex);
  return ok;
}

/* Reads key @key_id of @event_id into @public_key; FALSE when unknown. */
static gboolean
read_key_locked (GateTicketCache  *self,
                 const char       *event_id,
                 guint8            key_id,
                 guint8           *public_key,
                 GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean found = FALSE;
  int rc;

  stmt = _gate_cache_prepare (self, "SELECT public_key FROM event_keys WHERE event_id = ? AND key_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, event_id);
  sqlite3_bind_int (stmt, 2, key_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_bytes (stmt, 0) == GATE_TICKET_CODE_PUBLIC_KEY_SIZE)
    {
      memcpy (public_key, sqlite3_column_blob (stmt, 0), GATE_TICKET_CODE_PUBLIC_KEY_SIZE);
      found = TRUE;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _gate_cache_fail (self, rc, "reading an event key", error);
  return found;
}

/* The cached ticket with this id, whatever its code; NULL if none. */
static GateTicket *
read_ticket_by_id_locked (GateTicketCache  *self,
                          const char       *ticket_id,
                          GError          **error)
{
  GateTicket *ticket = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gate_cache_prepare (self, "SELECT " GATE_CACHE_TICKET_COLUMNS " FROM tickets WHERE id = gate_uuid(?)", error);
  if (stmt == NULL)
    return NULL;
  _gate_cache_bind_text (stmt, 1, ticket_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    ticket = _gate_cache_ticket_from_row (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _gate_cache_fail (self, rc, "looking up a ticket", error);
  return ticket;
}

static GateTicket *
ticket_from_code (const GateTicketCode *code,
                  const char           *qr_token)
{
  GateTicket *ticket = gate_ticket_new ();

  ticket->id = g_strdup (code->ticket_id);
  ticket->event_id = g_strdup (code->event_id);
  ticket->qr_token = g_strdup (qr_token);
  ticket->ticket_type = code->ticket_type[0] != '\0' ? g_strdup (code->ticket_type) : NULL;
  ticket->status = GATE_TICKET_STATUS_VALID;
  return ticket;
}

/*
 * _gate_cache_check_signed_locked:
 * @scan: a scan whose code has the signed prefix and is not in the cache
 * @verdict: (out): ADMITTED when @ticket was added to the cache as valid,
 *   for the caller to mark; otherwise the decision
 * @ticket: (out) (transfer full) (nullable): the ticket the verdict is about
 *
 * Runs inside the deciding transaction. Returns FALSE only on a storage
 * error.
 */
gboolean
_gate_cache_check_signed_locked (GateTicketCache         *self,
                                 const GateQueuedScan    *scan,
                                 GateVerdict             *verdict,
                                 GateCannotDecideReason  *reason,
                                 char                   **detail,
                                 GateTicket             **ticket,
                                 GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GateTicket) known = NULL;
  guint8 public_key[GATE_TICKET_CODE_PUBLIC_KEY_SIZE];
  GateTicketCode code;
  sqlite3_stmt *stmt;

  *ticket = NULL;
  *reason = GATE_CANNOT_DECIDE_NONE;
  *detail = NULL;

  if (!gate_ticket_code_parse (scan->qr_token, &code, NULL))
    {
      *verdict = GATE_VERDICT_INVALID_CODE;
      return TRUE;
    }

  /* Said on the strength of the payload: a deny either way, and a gate
   * rarely holds another event's keys. */
  if (scan->event_id == NULL || g_ascii_strcasecmp (code.event_id, scan->event_id) != 0)
    {
      *verdict = GATE_VERDICT_WRONG_EVENT;
      *ticket = ticket_from_code (&code, scan->qr_token);
      return TRUE;
    }

  if (!read_key_locked (self, code.event_id, code.key_id, public_key, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* A key newer than our last refresh, or a forgery: only a refresh can
       * tell, and guessing either way is wrong. */
      *verdict = GATE_VERDICT_CANNOT_DECIDE;
      *reason = GATE_CANNOT_DECIDE_CACHE_EMPTY;
      *detail = g_strdup_printf ("the code is signed with key %u of this event, which this device has not "
                                 "downloaded", code.key_id);
      return TRUE;
    }

  if (!gate_ticket_code_verify (&code, public_key))
    {
      *verdict = GATE_VERDICT_INVALID_CODE;
      return TRUE;
    }

  /* The ticket is known under another code: that one is its code now (a
   * re-issue), and this one is not_found as online — unless the ticket is
   * void, which wins over any signature. */
  known = read_ticket_by_id_locked (self, code.ticket_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (known != NULL)
    {
      *verdict = known->status == GATE_TICKET_STATUS_VOID ? GATE_VERDICT_VOID : GATE_VERDICT_NOT_FOUND;
      *ticket = known->status == GATE_TICKET_STATUS_VOID ? g_steal_pointer (&known) : NULL;
      return TRUE;
    }

  /* No updated_at: the server's first delta row for it always applies, and
   * keeps this device's scan while the server has not answered for it. */
  stmt = _gate_cache_prepare (self,
                              "INSERT INTO tickets (id, event_id, qr_token, ticket_type, status) "
                              "VALUES (gate_uuid(?1), gate_uuid(?2), ?3, ?4, 'valid')",
                              error);
  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, code.ticket_id);
  _gate_cache_bind_text (stmt, 2, scan->event_id);
  _gate_cache_bind_text (stmt, 3, scan->qr_token);
  _gate_cache_bind_text (stmt, 4, code.ticket_type[0] != '\0' ? code.ticket_type : NULL);
  if (!_gate_cache_step_done (self, stmt, "adding a signed ticket", error))
    return FALSE;

  *verdict = GATE_VERDICT_ADMITTED;
  *ticket = ticket_from_code (&code, scan->qr_token);
  _gate_cache_replace_str (&(*ticket)->event_id, scan->event_id);
  return TRUE;
}
