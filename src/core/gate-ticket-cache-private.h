/* gate-ticket-cache-private.h — what the files of GateTicketCache share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GateTicketCache is one class in several files, one concern each:
 *
 *   gate-ticket-cache.c            the object, its signals on the owner's context
 *   gate-ticket-cache-open.c       creating the file, migrations, opening
 *   gate-ticket-cache-sql.c        statements, transactions, errors
 *   gate-ticket-cache-decide.c     lookups, offline decisions, online verdicts
 *   gate-ticket-cache-refresh.c    delta pages and their cursor
 *   gate-ticket-cache-queue.c      the upload queue and its answers
 *   gate-ticket-cache-conflicts.c  conflicts noted, downloaded, reviewed
 *   gate-ticket-cache-status.c     event, clock offset, status, arrivals
 *   gate-ticket-cache-search.c     manual search
 *   gate-ticket-cache-devices.c    the venue's device names
 *   gate-ticket-cache-retention.c  purge and wipe
 *   gate-ticket-cache-async.c      the _async/_finish pairs for the UI
 *   gate-ticket-cache-keys.c       event keys, signed codes not yet cached
 *   gate-ticket-cache-rules.c      check-in lists, presence, judging by them
 *
 * One connection behind one mutex: a public function takes the lock, calls
 * *_locked helpers, unlocks and only then queues its signals.
 */
#pragma once

#include <sqlite3.h>

#include "gate-ticket-cache.h"

G_BEGIN_DECLS

/* Ids are stored as 16 bytes (gate_uuid()); the server's qr_signature is
 * not kept (migrations/sqlite/0003), so it reads as NULL. */
#define GATE_CACHE_TICKET_COLUMNS \
  "gate_uuid_text(id), gate_uuid_text(event_id), qr_token, NULL, ticket_type, guest_name, status, scanned_at, " \
  "scanned_device, updated_at, local_scan_id"

struct _GateTicketCache
{
  GObject       parent_instance;

  char         *path;
  sqlite3      *db;
  GMutex        mutex;
  GHashTable   *statements;    /* const char *sql → sqlite3_stmt* */
  GMainContext *owner;
  gint          status_pending;
  gint          conflicts_pending;

  /* device id → name, read at open and replaced by each sync; behind a
   * lock of its own so the main context never waits for a transaction. */
  GMutex        names_mutex;
  GHashTable   *device_names;

  gboolean      replaceable;   /* in a synchronous=NORMAL transaction */
  gboolean      bulk;          /* a large page cache for a bulk download */

  gboolean      offset_known;
  gint64        clock_offset_ms;
  gint64        persisted_offset_ms;
};

typedef enum
{
  GATE_CACHE_TICKET_CHANGED,
  GATE_CACHE_STATUS_CHANGED,
  GATE_CACHE_CONFLICTS_CHANGED,
  GATE_CACHE_N_SIGNALS
} GateCacheSignal;

void          _gate_ticket_cache_initable_iface_init (GInitableIface  *iface);

/* gate-ticket-cache-sql.c: every helper reports SQLite failures as
 * GATE_ERROR_STORAGE, or GATE_ERROR_DISK_FULL for SQLITE_FULL. */
gboolean      _gate_cache_fail                 (GateTicketCache  *self,
                                                int               rc,
                                                const char       *what,
                                                GError          **error);
gboolean      _gate_cache_register_functions   (GateTicketCache  *self,
                                                GError          **error);
sqlite3_stmt *_gate_cache_prepare              (GateTicketCache  *self,
                                                const char       *sql,
                                                GError          **error);
void          _gate_cache_bind_text            (sqlite3_stmt     *stmt,
                                                int               index,
                                                const char       *value);
void          _gate_cache_bind_text_static     (sqlite3_stmt     *stmt,
                                                int               index,
                                                const char       *value);
void          _gate_cache_bind_uuid            (sqlite3_stmt     *stmt,
                                                int               index,
                                                const char       *value);
void          _gate_cache_bind_time            (sqlite3_stmt     *stmt,
                                                int               index,
                                                gint64            value_us);
void          _gate_cache_replace_str          (char            **field,
                                                const char       *value);
char         *_gate_cache_column_dup           (sqlite3_stmt     *stmt,
                                                int               column);
gboolean      _gate_cache_step_done            (GateTicketCache  *self,
                                                sqlite3_stmt     *stmt,
                                                const char       *what,
                                                GError          **error);
gboolean      _gate_cache_exec                 (GateTicketCache  *self,
                                                const char       *sql,
                                                const char       *what,
                                                GError          **error);
gboolean      _gate_cache_begin                (GateTicketCache  *self,
                                                GError          **error);
gboolean      _gate_cache_begin_replaceable    (GateTicketCache  *self,
                                                GError          **error);
void          _gate_cache_rollback             (GateTicketCache  *self);
gboolean      _gate_cache_commit               (GateTicketCache  *self,
                                                GError          **error);
GateTicket   *_gate_cache_ticket_from_row      (sqlite3_stmt     *stmt);
GateTicket   *_gate_cache_read_ticket          (GateTicketCache  *self,
                                                const char       *qr_token,
                                                gboolean         *pending_local,
                                                GError          **error);

/* gate-ticket-cache-refresh.c: with the lock held. */
gboolean      _gate_cache_ensure_code_index_locked (GateTicketCache  *self,
                                                    GError          **error);

/* gate-ticket-cache-devices.c: with the lock held. */
gboolean      _gate_cache_load_device_names    (GateTicketCache  *self,
                                                GError          **error);
void          _gate_cache_forget_device_names  (GateTicketCache  *self);

/* gate-ticket-cache-keys.c */
gboolean      _gate_cache_check_signed_locked  (GateTicketCache         *self,
                                                const GateQueuedScan    *scan,
                                                GateVerdict             *verdict,
                                                GateCannotDecideReason  *reason,
                                                char                   **detail,
                                                GateTicket             **ticket,
                                                GError                 **error);

/* gate-ticket-cache-rules.c: with the lock held, inside a decision's
 * transaction. */
GateVerdict   _gate_cache_judge_locked         (GateTicketCache         *self,
                                                const GateQueuedScan    *scan,
                                                GateTicket              *ticket,
                                                gboolean                 pending_local,
                                                char                   **list_id,
                                                GError                 **error);
gboolean      _gate_cache_move_locked          (GateTicketCache         *self,
                                                const GateTicket        *ticket,
                                                GateVerdict              verdict,
                                                gint64                   at_us,
                                                const char              *device_id,
                                                GError                 **error);

/* gate-ticket-cache.c: never called with the lock held. */
void          _gate_cache_notify_later         (GateTicketCache  *self,
                                                GateCacheSignal   signal,
                                                const GateTicket *ticket);
void          _gate_cache_notify_tickets_later (GateTicketCache  *self,
                                                GPtrArray        *tickets);

G_END_DECLS
