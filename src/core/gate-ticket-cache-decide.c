/* gate-ticket-cache-decide.c — lookups, offline decisions, online verdicts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DESIGN.md §5.1 and §5.2: check-and-mark is one BEGIN IMMEDIATE
 * transaction, and a decision is returned only after COMMIT.
 */
#include "config.h"

#include "gate-error.h"
#include "gate-ticket-cache-private.h"
#include "gate-ticket-cache-rules.h"
#include "gate-ticket-code.h"

/**
 * gate_ticket_cache_lookup:
 * @pending_local: (out) (optional): whether this device admitted the ticket
 *   offline and the server has not answered for that scan yet
 *
 * Returns: (nullable): the cached ticket, NULL with no error if unknown
 */
GateTicket *
gate_ticket_cache_lookup (GateTicketCache  *self,
                          const char       *qr_token,
                          gboolean         *pending_local,
                          GError          **error)
{
  GateTicket *ticket;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  g_return_val_if_fail (qr_token != NULL, NULL);

  g_mutex_lock (&self->mutex);
  ticket = _gate_cache_read_ticket (self, qr_token, pending_local, error);
  g_mutex_unlock (&self->mutex);

  return ticket;
}

/* The decision about @scan from what the cache knows of @ticket (nullable). */
static GateScanDecision *
decision_new (GateVerdict           verdict,
              const GateQueuedScan *scan,
              const GateTicket     *ticket)
{
  GateScanDecision *decision = gate_scan_decision_new (verdict, GATE_SCAN_MODE_OFFLINE);

  decision->code = g_strdup (scan->qr_token);
  decision->client_scan_id = g_strdup (scan->client_scan_id);
  if (ticket != NULL)
    {
      decision->ticket_id = g_strdup (ticket->id);
      decision->event_id = g_strdup (ticket->event_id);
      decision->guest_name = g_strdup (ticket->guest_name);
      decision->ticket_type = g_strdup (ticket->ticket_type);
      decision->scanned_at_us = ticket->scanned_at_us;
      decision->scanned_device = g_strdup (ticket->scanned_device);
    }
  return decision;
}

/* An admit (or, offline, an exit) this device already made under
 * @client_scan_id, offline (still queued or answered) or online: the same
 * scan decided again gets the same answer. Returns NULL without error if
 * the id is new. */
static GateScanDecision *
replay_admit (GateTicketCache       *self,
              const GateQueuedScan  *scan,
              GError               **error)
{
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GateTicket) cached = NULL;
  g_autoptr(GError) local_error = NULL;
  GateScanDecision *decision;
  gboolean exit = FALSE;
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gate_cache_prepare (self,
                              "SELECT qr_token, ticket_id, event_id, device_id, scanned_at + clock_offset_ms * 1000, "
                              "direction = 'exit' FROM scan_queue WHERE client_scan_id = ?1 "
                              "UNION ALL SELECT qr_token, ticket_id, event_id, scanned_device, scanned_at, 0 "
                              "FROM online_scans WHERE client_scan_id = ?1 LIMIT 1",
                              error);
  if (stmt == NULL)
    return NULL;

  _gate_cache_bind_text (stmt, 1, scan->client_scan_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      ticket = gate_ticket_new ();
      ticket->qr_token = _gate_cache_column_dup (stmt, 0);
      ticket->id = _gate_cache_column_dup (stmt, 1);
      ticket->event_id = _gate_cache_column_dup (stmt, 2);
      ticket->scanned_device = _gate_cache_column_dup (stmt, 3);
      ticket->scanned_at_us = sqlite3_column_int64 (stmt, 4);
      exit = sqlite3_column_int (stmt, 5);
    }
  sqlite3_reset (stmt);

  if (rc == SQLITE_DONE)
    return NULL;
  if (rc != SQLITE_ROW)
    {
      _gate_cache_fail (self, rc, "looking up a scan", error);
      return NULL;
    }

  /* Names and types from the cache if it still has them; when and where
   * from the original decision, whatever happened since. */
  cached = _gate_cache_read_ticket (self, ticket->qr_token, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (cached != NULL)
    {
      _gate_cache_replace_str (&ticket->ticket_type, cached->ticket_type);
      _gate_cache_replace_str (&ticket->guest_name, cached->guest_name);
    }

  decision = decision_new (exit ? GATE_VERDICT_EXITED : GATE_VERDICT_ADMITTED, scan, ticket);
  decision->replayed = TRUE;
  return decision;
}

/* When a page of @event_id's tickets was last stored (µs; 0: never). */
static gint64
last_refresh_locked (GateTicketCache *self,
                     const char      *event_id)
{
  sqlite3_stmt *stmt = _gate_cache_prepare (self, "SELECT last_refresh_at FROM events WHERE id = ?", NULL);
  gint64 last_refresh_us = 0;

  if (stmt == NULL)
    return 0;
  _gate_cache_bind_text (stmt, 1, event_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    last_refresh_us = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  return last_refresh_us;
}

/* Runs inside the BEGIN IMMEDIATE transaction. *marked is the ticket it
 * marked scanned (an admit), NULL when it only read; *last_refresh_us when
 * the event's tickets were last downloaded. */
static GateScanDecision *
decide_locked (GateTicketCache       *self,
               const GateQueuedScan  *scan,
               gint64                *last_refresh_us,
               GateTicket           **marked,
               GError               **error)
{
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GError) local_error = NULL;
  GateScanDecision *replay;
  const char *device_id = scan->device_id != NULL ? scan->device_id : "";
  gint64 corrected_us = scan->scanned_at_us + scan->clock_offset_ms * 1000;
  gboolean pending_local = FALSE;
  gboolean by_signature = FALSE;
  g_autofree char *list_id = NULL;
  GateScanDecision *admit;
  GateVerdict verdict;
  sqlite3_stmt *stmt;

  *marked = NULL;
  *last_refresh_us = last_refresh_locked (self, scan->event_id);

  replay = replay_admit (self, scan, &local_error);
  if (replay != NULL)
    return replay;
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  ticket = _gate_cache_read_ticket (self, scan->qr_token, &pending_local, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  /* A signed code the cache has never seen: its signature decides, and an
   * admitted one is now a valid ticket of the cache, marked below. */
  if (ticket == NULL && gate_ticket_code_has_prefix (scan->qr_token))
    {
      GateVerdict verdict;
      GateCannotDecideReason reason;
      g_autofree char *detail = NULL;
      GateScanDecision *decision;

      if (!_gate_cache_check_signed_locked (self, scan, &verdict, &reason, &detail, &ticket, error))
        return NULL;
      if (verdict != GATE_VERDICT_ADMITTED)
        {
          decision = decision_new (verdict, scan, ticket);
          decision->reason = reason;
          decision->detail = g_steal_pointer (&detail);
          return decision;
        }
      by_signature = TRUE;
    }

  /* A code this cache does not know is "not found" only if the event's
   * tickets were ever downloaded; before that, "unknown" would be a guess
   * that turns a valid guest away. */
  if (ticket == NULL && *last_refresh_us == 0)
    {
      GateScanDecision *decision = decision_new (GATE_VERDICT_CANNOT_DECIDE, scan, NULL);

      decision->reason = GATE_CANNOT_DECIDE_CACHE_EMPTY;
      decision->detail = g_strdup ("the tickets of this event were never downloaded to this device");
      return decision;
    }
  if (ticket == NULL)
    return decision_new (GATE_VERDICT_NOT_FOUND, scan, NULL);
  if (g_strcmp0 (ticket->event_id, scan->event_id) != 0)
    return decision_new (GATE_VERDICT_WRONG_EVENT, scan, ticket);
  if (ticket->status == GATE_TICKET_STATUS_VOID)
    return decision_new (GATE_VERDICT_VOID, scan, ticket);
  /* The gate rules: the list, the direction, who is inside. */
  verdict = _gate_cache_judge_locked (self, scan, ticket, pending_local, &list_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (verdict == GATE_VERDICT_CANNOT_DECIDE)
    {
      GateScanDecision *decision = decision_new (GATE_VERDICT_CANNOT_DECIDE, scan, NULL);

      decision->reason = GATE_CANNOT_DECIDE_CACHE_EMPTY;
      decision->detail = g_strdup ("the check-in list of this gate was never downloaded to this device");
      return decision;
    }
  if (verdict != GATE_VERDICT_ADMITTED && verdict != GATE_VERDICT_EXITED)
    return decision_new (verdict, scan, ticket);

  /* An admission marks the ticket; any move keeps the refresh off it until
   * the server has answered for this scan. */
  stmt = _gate_cache_prepare (self,
                              "UPDATE tickets SET status = 'scanned', "
                              "scanned_at = CASE WHEN status = 'valid' THEN ?2 ELSE scanned_at END, "
                              "scanned_device = CASE WHEN status = 'valid' THEN ?3 ELSE scanned_device END, "
                              "local_scan_id = ?4 WHERE id = gate_uuid(?1)",
                              error);
  if (stmt == NULL)
    return NULL;
  _gate_cache_bind_text (stmt, 1, ticket->id);
  sqlite3_bind_int64 (stmt, 2, corrected_us);
  _gate_cache_bind_text (stmt, 3, device_id);
  _gate_cache_bind_text (stmt, 4, scan->client_scan_id);
  if (!_gate_cache_step_done (self, stmt, "marking the ticket scanned", error))
    return NULL;
  if (!_gate_cache_move_locked (self, ticket, verdict, corrected_us, device_id, error))
    return NULL;

  stmt = _gate_cache_prepare (self,
                              "INSERT INTO scan_queue (client_scan_id, event_id, qr_token, ticket_id, device_id, "
                              "scanned_at, clock_offset_ms, scanned_by, scan_method, direction, list_id) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                              error);
  if (stmt == NULL)
    return NULL;
  _gate_cache_bind_text (stmt, 1, scan->client_scan_id);
  _gate_cache_bind_text (stmt, 2, scan->event_id);
  _gate_cache_bind_text (stmt, 3, scan->qr_token);
  _gate_cache_bind_text (stmt, 4, ticket->id);
  _gate_cache_bind_text (stmt, 5, device_id);
  sqlite3_bind_int64 (stmt, 6, scan->scanned_at_us);
  sqlite3_bind_int64 (stmt, 7, scan->clock_offset_ms);
  _gate_cache_bind_text (stmt, 8, scan->scanned_by);
  _gate_cache_bind_text (stmt, 9, scan->scan_method != NULL ? scan->scan_method : "qr");
  _gate_cache_bind_text (stmt, 10, verdict == GATE_VERDICT_EXITED ? "exit" : "entry");
  _gate_cache_bind_text (stmt, 11, list_id);
  if (!_gate_cache_step_done (self, stmt, "queueing the scan", error))
    return NULL;

  ticket->status = GATE_TICKET_STATUS_SCANNED;
  ticket->scanned_at_us = corrected_us;
  _gate_cache_replace_str (&ticket->scanned_device, device_id);
  *marked = g_steal_pointer (&ticket);
  admit = decision_new (verdict, scan, *marked);
  if (by_signature)
    admit->source = GATE_DECISION_SOURCE_SIGNATURE;
  return admit;
}

/**
 * gate_ticket_cache_admit_offline:
 * @scan: the scan; client_scan_id, event_id and qr_token are required,
 *   scanned_at_us is the device clock and clock_offset_ms the last measured
 *   server − device offset
 *
 * Decides a scan from the cache alone, by the gate rules when the scan
 * has a direction or a list (docs/gate-rules.md "Offline"). Checking the
 * ticket, marking it, recording who is inside and queueing the scan for
 * upload are one transaction, committed to disk before this returns; an
 * admitted or exited scan is queued, a refusal is not. The same client_scan_id decided again (offline or after an
 * online admit) gets the same admitted answer with replayed set, and queues
 * nothing. A code the cache does not know, for an event whose tickets were
 * never downloaded, is cannot_decide (cache_empty), not not_found.
 *
 * Returns: (transfer full) (nullable): the decision, mode offline, or NULL
 *   with GATE_ERROR_DISK_FULL or GATE_ERROR_STORAGE when it could not be
 *   recorded — never an admit then
 */
GateScanDecision *
gate_ticket_cache_admit_offline (GateTicketCache       *self,
                                 const GateQueuedScan  *scan,
                                 GError               **error)
{
  g_autoptr(GateScanDecision) decision = NULL;
  g_autoptr(GateTicket) marked = NULL;
  gint64 last_refresh_us = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  g_return_val_if_fail (scan != NULL && scan->client_scan_id != NULL && scan->qr_token != NULL, NULL);

  g_mutex_lock (&self->mutex);
  if (_gate_cache_begin (self, error))
    {
      decision = decide_locked (self, scan, &last_refresh_us, &marked, error);
      if (decision != NULL && last_refresh_us > 0)
        decision->cache_age_us = MAX (0, g_get_real_time () - last_refresh_us);

      if (decision == NULL)
        _gate_cache_rollback (self);
      else if (marked == NULL)
        {
          /* Nothing to record: the transaction only read. */
          _gate_cache_rollback (self);
          ok = TRUE;
        }
      else
        ok = _gate_cache_commit (self, error);
    }
  g_mutex_unlock (&self->mutex);

  if (!ok)
    return NULL;

  if (marked != NULL)
    {
      _gate_cache_notify_later (self, GATE_CACHE_TICKET_CHANGED, marked);
      _gate_cache_notify_later (self, GATE_CACHE_STATUS_CHANGED, NULL);
    }
  return g_steal_pointer (&decision);
}

/* The server let @decision's ticket out: the cache has it outside at once,
 * its admission untouched. */
static GateTicket *
record_online_exit_locked (GateTicketCache         *self,
                           const GateScanDecision  *decision,
                           GError                 **error)
{
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GError) local_error = NULL;

  ticket = _gate_cache_read_ticket (self, decision->code, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (ticket == NULL)
    return gate_ticket_new ();
  if (!_gate_cache_move_locked (self, ticket, GATE_VERDICT_EXITED, decision->scanned_at_us, decision->scanned_device,
                                error))
    return NULL;
  return g_steal_pointer (&ticket);
}

static GateTicket *
record_online_locked (GateTicketCache         *self,
                      const GateScanDecision  *decision,
                      GError                 **error)
{
  g_autoptr(GateTicket) ticket = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (decision->verdict == GATE_VERDICT_EXITED)
    return record_online_exit_locked (self, decision, error);

  /* updated_at takes the server's time of the verdict: a refresh page that
   * was read before this scan must not turn the ticket back to valid. */
  stmt = _gate_cache_prepare (self,
                              "UPDATE tickets SET status = ?2, scanned_at = coalesce(?3, scanned_at), "
                              "  scanned_device = coalesce(?4, scanned_device), "
                              "  updated_at = max(coalesce(updated_at, 0), coalesce(?5, 0)) "
                              "WHERE qr_token = ?1 RETURNING " GATE_CACHE_TICKET_COLUMNS,
                              error);
  if (stmt == NULL)
    return NULL;
  _gate_cache_bind_text (stmt, 1, decision->code);
  _gate_cache_bind_text (stmt, 2, decision->verdict == GATE_VERDICT_VOID ? "void" : "scanned");
  _gate_cache_bind_time (stmt, 3, decision->scanned_at_us);
  _gate_cache_bind_text (stmt, 4, decision->scanned_device);
  _gate_cache_bind_time (stmt, 5, decision->server_time_us);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    ticket = _gate_cache_ticket_from_row (stmt);
  while (rc == SQLITE_ROW)
    rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _gate_cache_fail (self, rc, "recording an online verdict", error);
      return NULL;
    }

  if (decision->verdict == GATE_VERDICT_ADMITTED && decision->client_scan_id != NULL)
    {
      stmt = _gate_cache_prepare (self,
                                  "INSERT OR IGNORE INTO online_scans (client_scan_id, event_id, qr_token, ticket_id, "
                                  "scanned_at, scanned_device, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                  error);
      if (stmt == NULL)
        return NULL;
      _gate_cache_bind_text (stmt, 1, decision->client_scan_id);
      _gate_cache_bind_text (stmt, 2, ticket != NULL ? ticket->event_id : NULL);
      _gate_cache_bind_text (stmt, 3, decision->code);
      _gate_cache_bind_text (stmt, 4, decision->ticket_id != NULL ? decision->ticket_id
                                      : ticket != NULL ? ticket->id : NULL);
      _gate_cache_bind_time (stmt, 5, decision->scanned_at_us);
      _gate_cache_bind_text (stmt, 6, decision->scanned_device);
      sqlite3_bind_int64 (stmt, 7, g_get_real_time ());
      if (!_gate_cache_step_done (self, stmt, "remembering an online scan", error))
        return NULL;
    }

  /* Who is inside changes with an admission too (an entry or re-entry). */
  if (decision->verdict == GATE_VERDICT_ADMITTED && ticket != NULL &&
      !_gate_cache_move_locked (self, ticket, GATE_VERDICT_ADMITTED, decision->scanned_at_us,
                                decision->scanned_device, error))
    return NULL;

  /* A ticket we do not cache yet still counts as "no change" for signals. */
  if (ticket == NULL)
    ticket = gate_ticket_new ();
  return g_steal_pointer (&ticket);
}

/**
 * gate_ticket_cache_record_online:
 * @decision: the server's decision (scan_ticket), with its code and, for an
 *   admit, its client_scan_id, which is remembered
 *
 * Teaches the cache an online verdict early (before the next refresh), so
 * that a later offline decision is right: admitted and already_scanned mark
 * the ticket scanned with the server's time and device, void marks it void;
 * admitted and exited also record who is inside. Other verdicts change
 * nothing.
 */
gboolean
gate_ticket_cache_record_online (GateTicketCache         *self,
                                 const GateScanDecision  *decision,
                                 GError                 **error)
{
  g_autoptr(GateTicket) ticket = NULL;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (decision != NULL && decision->code != NULL, FALSE);

  if (decision->verdict != GATE_VERDICT_ADMITTED && decision->verdict != GATE_VERDICT_ALREADY_SCANNED &&
      decision->verdict != GATE_VERDICT_VOID && decision->verdict != GATE_VERDICT_EXITED)
    return TRUE;

  g_mutex_lock (&self->mutex);
  if (_gate_cache_begin (self, error))
    {
      ticket = record_online_locked (self, decision, error);
      if (ticket == NULL)
        _gate_cache_rollback (self);
      else if (!_gate_cache_commit (self, error))
        g_clear_pointer (&ticket, gate_ticket_free);
    }
  g_mutex_unlock (&self->mutex);

  if (ticket == NULL)
    return FALSE;

  if (ticket->id != NULL)
    {
      _gate_cache_notify_later (self, GATE_CACHE_TICKET_CHANGED, ticket);
      _gate_cache_notify_later (self, GATE_CACHE_STATUS_CHANGED, NULL);
    }
  return TRUE;
}
