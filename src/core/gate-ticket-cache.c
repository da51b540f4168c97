/* gate-ticket-cache.c — the kiosk's offline cache on SQLite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The invariants of DESIGN.md §5 live here:
 *  - check-and-mark is one BEGIN IMMEDIATE transaction, so threads and
 *    processes sharing the file admit a ticket once;
 *  - WAL + synchronous=FULL, and a decision returns only after COMMIT;
 *  - a page of a refresh is one transaction with its cursor, and never
 *    turns a ticket this device admitted back to valid before the server
 *    has answered for that scan;
 *  - a queued scan leaves the queue only with the server's answer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "gate-core-resources.h"
#include "gate-error.h"
#include "gate-ticket-cache.h"

#define MIGRATIONS_RESOURCE "/io/github/gatescanner/GateScanner/migrations/sqlite"
#define TICKET_COLUMNS \
  "id, event_id, qr_token, qr_signature, ticket_type, guest_name, status, scanned_at, " \
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
};

G_DEFINE_FINAL_TYPE (GateTicketCache, gate_ticket_cache, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_PATH,
  N_PROPS
};

enum
{
  TICKET_CHANGED,
  STATUS_CHANGED,
  CONFLICTS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
gate_offline_decision_free (GateOfflineDecision *decision)
{
  if (decision == NULL)
    return;

  g_clear_pointer (&decision->ticket, gate_ticket_free);
  g_free (decision->client_scan_id);
  g_free (decision);
}

void
gate_cache_status_free (GateCacheStatus *status)
{
  if (status == NULL)
    return;

  g_free (status->event_id);
  g_free (status->event_name);
  g_free (status);
}

/* --- errors and statements ------------------------------------------------ */

static gboolean
fail (GateTicketCache  *self,
      int               rc,
      const char       *what,
      GError          **error)
{
  int code = (rc == SQLITE_FULL || rc == SQLITE_IOERR_WRITE || (rc & 0xff) == SQLITE_FULL)
               ? GATE_ERROR_DISK_FULL : GATE_ERROR_STORAGE;

  g_set_error (error, GATE_ERROR, code, "%s: %s", what,
               self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

static sqlite3_stmt *
prepare (GateTicketCache  *self,
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
      fail (self, rc, "preparing a cache query", error);
      return NULL;
    }

  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *value)
{
  if (value != NULL)
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static void
bind_time (sqlite3_stmt *stmt,
           int           index,
           gint64        value_us)
{
  if (value_us != 0)
    sqlite3_bind_int64 (stmt, index, value_us);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Run a prepared statement that returns no rows. */
static gboolean
step_done (GateTicketCache  *self,
           sqlite3_stmt     *stmt,
           const char       *what,
           GError          **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return fail (self, rc, what, error);
  return TRUE;
}

static gboolean
exec (GateTicketCache  *self,
      const char       *sql,
      GError          **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return fail (self, rc, sql, error);
  return TRUE;
}

static gboolean
begin (GateTicketCache  *self,
       GError          **error)
{
  /* IMMEDIATE takes the write lock up front: two processes cannot both
   * read "valid" and then both mark the ticket. */
  return exec (self, "BEGIN IMMEDIATE", error);
}

static gboolean
commit (GateTicketCache  *self,
        GError          **error)
{
  if (!exec (self, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
rollback (GateTicketCache *self)
{
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

static GateTicket *
ticket_from_row (sqlite3_stmt *stmt)
{
  GateTicket *ticket = gate_ticket_new ();
  const char *status = (const char *) sqlite3_column_text (stmt, 6);

  ticket->id = column_dup (stmt, 0);
  ticket->event_id = column_dup (stmt, 1);
  ticket->qr_token = column_dup (stmt, 2);
  ticket->qr_signature = column_dup (stmt, 3);
  ticket->ticket_type = column_dup (stmt, 4);
  ticket->guest_name = column_dup (stmt, 5);
  if (!gate_ticket_status_from_string (status, &ticket->status))
    ticket->status = GATE_TICKET_STATUS_VALID;
  ticket->scanned_at_us = sqlite3_column_int64 (stmt, 7);
  ticket->scanned_device = column_dup (stmt, 8);
  ticket->updated_at_us = sqlite3_column_int64 (stmt, 9);
  return ticket;
}

/* --- signals on the owner's context ---------------------------------------- */

typedef struct
{
  GateTicketCache *self;
  guint            signal;
  GateTicket      *ticket;
} Emission;

static gboolean
emit_on_owner (gpointer user_data)
{
  Emission *emission = user_data;

  if (emission->signal == STATUS_CHANGED)
    g_atomic_int_set (&emission->self->status_pending, FALSE);
  else if (emission->signal == CONFLICTS_CHANGED)
    g_atomic_int_set (&emission->self->conflicts_pending, FALSE);

  if (emission->ticket != NULL)
    g_signal_emit (emission->self, signals[emission->signal], 0, emission->ticket);
  else
    g_signal_emit (emission->self, signals[emission->signal], 0);

  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer user_data)
{
  Emission *emission = user_data;

  g_object_unref (emission->self);
  g_clear_pointer (&emission->ticket, gate_ticket_free);
  g_free (emission);
}

/* Never called with the lock held; bursts of status/conflict changes are
 * coalesced into one emission per main-loop iteration. */
static void
notify_later (GateTicketCache  *self,
              guint             signal,
              const GateTicket *ticket)
{
  g_autoptr(GSource) idle = NULL;
  Emission *emission;

  if (signal == STATUS_CHANGED && !g_atomic_int_compare_and_exchange (&self->status_pending, FALSE, TRUE))
    return;
  if (signal == CONFLICTS_CHANGED && !g_atomic_int_compare_and_exchange (&self->conflicts_pending, FALSE, TRUE))
    return;

  emission = g_new0 (Emission, 1);
  emission->self = g_object_ref (self);
  emission->signal = signal;
  emission->ticket = ticket ? gate_ticket_copy (ticket) : NULL;

  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, emit_on_owner, emission, emission_free);
  g_source_attach (idle, self->owner);
}

/* --- opening ----------------------------------------------------------------- */

static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, GATE_ERROR, saved_errno == ENOSPC ? GATE_ERROR_DISK_FULL : GATE_ERROR_STORAGE,
                   "cannot create the cache %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  /* Attendee names live here: nobody else may read it, whatever the umask
   * or an older file said. SQLite gives -wal and -shm the same mode. */
  if (fchmod (fd, 0600) != 0)
    g_debug ("cannot tighten the mode of %s: %s", path, g_strerror (errno));
  close (fd);
  return TRUE;
}

static int
compare_names (const void *a,
               const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static gboolean
migrate (GateTicketCache  *self,
         GError          **error)
{
  static gsize registered = 0;
  g_auto(GStrv) names = NULL;
  sqlite3_stmt *stmt;
  gint version;
  guint count;

  /* A static library: register explicitly, a constructor could be dropped. */
  if (g_once_init_enter (&registered))
    {
      gate_core_register_resource ();
      g_once_init_leave (&registered, 1);
    }

  names = g_resources_enumerate_children (MIGRATIONS_RESOURCE, 0, error);

  if (names == NULL)
    return FALSE;

  count = g_strv_length (names);
  qsort (names, count, sizeof (char *), compare_names);

  stmt = prepare (self, "PRAGMA user_version", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_step (stmt);
  version = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);

  if (version > (gint) count)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_STORAGE,
                   "the cache %s was written by a newer Gate Scanner (schema %d, this one knows %u); "
                   "update the app or remove the file",
                   self->path, version, count);
      return FALSE;
    }

  for (guint i = version; i < count; i++)
    {
      g_autofree char *resource = g_build_path ("/", MIGRATIONS_RESOURCE, names[i], NULL);
      g_autoptr(GBytes) sql = g_resources_lookup_data (resource, 0, error);
      g_autofree char *text = NULL;
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %u", i + 1);

      if (sql == NULL)
        return FALSE;
      text = g_strndup (g_bytes_get_data (sql, NULL), g_bytes_get_size (sql));

      if (!begin (self, error))
        return FALSE;
      if (!exec (self, text, error) || !exec (self, bump, error))
        {
          rollback (self);
          return FALSE;
        }
      if (!commit (self, error))
        return FALSE;
    }

  return TRUE;
}

GateTicketCache *
gate_ticket_cache_new (const char  *path,
                       GError     **error)
{
  g_autoptr(GateTicketCache) self = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (GATE_TYPE_TICKET_CACHE, "path", path, NULL);

  if (!create_private_file (path, error))
    return NULL;

  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      fail (self, rc, "cannot open the cache", error);
      return NULL;
    }

  sqlite3_busy_timeout (self->db, 10000);

  if (!exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA synchronous = FULL", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", error) ||
      !migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
gate_ticket_cache_get_path (GateTicketCache *self)
{
  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  return self->path;
}

/* --- lookups ------------------------------------------------------------------- */

GateTicket *
gate_ticket_cache_lookup (GateTicketCache  *self,
                          const char       *qr_token,
                          gboolean         *pending_local,
                          GError          **error)
{
  sqlite3_stmt *stmt;
  GateTicket *ticket = NULL;
  int rc;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

  g_mutex_lock (&self->mutex);
  stmt = prepare (self, "SELECT " TICKET_COLUMNS " FROM tickets WHERE qr_token = ?", error);
  if (stmt != NULL)
    {
      bind_text (stmt, 1, qr_token);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          ticket = ticket_from_row (stmt);
          if (pending_local != NULL)
            *pending_local = sqlite3_column_type (stmt, 10) != SQLITE_NULL;
        }
      else if (rc != SQLITE_DONE)
        fail (self, rc, "looking up a ticket", error);
      else if (pending_local != NULL)
        *pending_local = FALSE;
      sqlite3_reset (stmt);
    }
  g_mutex_unlock (&self->mutex);

  return ticket;
}

GPtrArray *
gate_ticket_cache_search (GateTicketCache  *self,
                          const char       *event_id,
                          const char       *text,
                          guint             limit,
                          GError          **error)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_ticket_free);
  g_autoptr(GString) pattern = g_string_new ("%");
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

  if (text == NULL || g_utf8_strlen (text, -1) < 3)
    return g_steal_pointer (&found);

  /* LIKE wildcards typed by a person are searched for literally. */
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');

  g_mutex_lock (&self->mutex);
  stmt = prepare (self,
                  "SELECT " TICKET_COLUMNS " FROM tickets WHERE event_id = ?1 "
                  "AND (guest_name LIKE ?2 ESCAPE '\\' OR qr_token LIKE ?2 ESCAPE '\\') "
                  "ORDER BY guest_name, qr_token LIMIT ?3",
                  error);
  if (stmt == NULL)
    {
      g_mutex_unlock (&self->mutex);
      return NULL;
    }
  bind_text (stmt, 1, event_id);
  bind_text (stmt, 2, pattern->str);
  sqlite3_bind_int (stmt, 3, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (found, ticket_from_row (stmt));
  sqlite3_reset (stmt);
  g_mutex_unlock (&self->mutex);

  if (rc != SQLITE_DONE)
    {
      fail (self, rc, "searching tickets", error);
      return NULL;
    }

  return g_steal_pointer (&found);
}

/* --- deciding offline ---------------------------------------------------------- */

static GateOfflineDecision *
decision_new (GateVerdict       verdict,
              GateTicket       *ticket,
              const char       *client_scan_id)
{
  GateOfflineDecision *decision = g_new0 (GateOfflineDecision, 1);

  decision->verdict = verdict;
  decision->ticket = ticket;
  decision->client_scan_id = g_strdup (client_scan_id);
  return decision;
}

GateOfflineDecision *
gate_ticket_cache_admit_offline (GateTicketCache       *self,
                                 const GateQueuedScan  *scan,
                                 GError               **error)
{
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GateOfflineDecision) decision = NULL;
  const char *device_id;
  sqlite3_stmt *stmt;
  gboolean already_queued = FALSE;
  gboolean pending_local = FALSE;
  int rc;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  g_return_val_if_fail (scan != NULL && scan->client_scan_id != NULL && scan->qr_token != NULL, NULL);

  device_id = scan->device_id ? scan->device_id : "";

  g_mutex_lock (&self->mutex);

  if (!begin (self, error))
    goto out;

  /* The same scan decided again (a retry after a crash or a timeout). */
  stmt = prepare (self, "SELECT 1 FROM scan_queue WHERE client_scan_id = ?", error);
  if (stmt == NULL)
    goto failed;
  bind_text (stmt, 1, scan->client_scan_id);
  already_queued = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);

  stmt = prepare (self, "SELECT " TICKET_COLUMNS " FROM tickets WHERE qr_token = ?", error);
  if (stmt == NULL)
    goto failed;
  bind_text (stmt, 1, scan->qr_token);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      ticket = ticket_from_row (stmt);
      pending_local = sqlite3_column_type (stmt, 10) != SQLITE_NULL;
    }
  else if (rc != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      fail (self, rc, "looking up a ticket", error);
      goto failed;
    }
  sqlite3_reset (stmt);

  if (already_queued && ticket != NULL)
    decision = decision_new (GATE_VERDICT_ADMITTED, g_steal_pointer (&ticket), scan->client_scan_id);
  else if (ticket == NULL)
    decision = decision_new (GATE_VERDICT_NOT_FOUND, NULL, scan->client_scan_id);
  else if (g_strcmp0 (ticket->event_id, scan->event_id) != 0)
    decision = decision_new (GATE_VERDICT_WRONG_EVENT, g_steal_pointer (&ticket), scan->client_scan_id);
  else if (ticket->status == GATE_TICKET_STATUS_VOID)
    decision = decision_new (GATE_VERDICT_VOID, g_steal_pointer (&ticket), scan->client_scan_id);
  else if (ticket->status == GATE_TICKET_STATUS_SCANNED || pending_local)
    decision = decision_new (GATE_VERDICT_ALREADY_SCANNED, g_steal_pointer (&ticket), scan->client_scan_id);

  if (decision != NULL)
    {
      /* Nothing to record: the transaction only read. */
      rollback (self);
      goto out;
    }

  stmt = prepare (self,
                  "UPDATE tickets SET status = 'scanned', scanned_at = ?2, scanned_device = ?3, "
                  "local_scan_id = ?4 WHERE id = ?1",
                  error);
  if (stmt == NULL)
    goto failed;
  bind_text (stmt, 1, ticket->id);
  sqlite3_bind_int64 (stmt, 2, scan->scanned_at_us + scan->clock_offset_ms * 1000);
  bind_text (stmt, 3, device_id);
  bind_text (stmt, 4, scan->client_scan_id);
  if (!step_done (self, stmt, "marking the ticket scanned", error))
    goto failed;

  stmt = prepare (self,
                  "INSERT INTO scan_queue (client_scan_id, event_id, qr_token, ticket_id, device_id, scanned_at, "
                  "clock_offset_ms, scanned_by, scan_method) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  error);
  if (stmt == NULL)
    goto failed;
  bind_text (stmt, 1, scan->client_scan_id);
  bind_text (stmt, 2, scan->event_id);
  bind_text (stmt, 3, scan->qr_token);
  bind_text (stmt, 4, ticket->id);
  bind_text (stmt, 5, device_id);
  sqlite3_bind_int64 (stmt, 6, scan->scanned_at_us);
  sqlite3_bind_int64 (stmt, 7, scan->clock_offset_ms);
  bind_text (stmt, 8, scan->scanned_by);
  bind_text (stmt, 9, scan->scan_method ? scan->scan_method : "qr");
  if (!step_done (self, stmt, "queueing the scan", error))
    goto failed;

  /* Durable before shown: the verdict exists only once this commit has
   * reached the disk (synchronous=FULL). */
  if (!commit (self, error))
    goto out;

  ticket->status = GATE_TICKET_STATUS_SCANNED;
  ticket->scanned_at_us = scan->scanned_at_us + scan->clock_offset_ms * 1000;
  g_free (ticket->scanned_device);
  ticket->scanned_device = g_strdup (device_id);
  decision = decision_new (GATE_VERDICT_ADMITTED, g_steal_pointer (&ticket), scan->client_scan_id);
  g_mutex_unlock (&self->mutex);

  notify_later (self, TICKET_CHANGED, decision->ticket);
  notify_later (self, STATUS_CHANGED, NULL);
  return g_steal_pointer (&decision);

failed:
  rollback (self);
out:
  g_mutex_unlock (&self->mutex);
  return g_steal_pointer (&decision);
}

gboolean
gate_ticket_cache_record_online (GateTicketCache       *self,
                                 const char            *qr_token,
                                 const char            *client_scan_id,
                                 const GateScanAnswer  *answer,
                                 GError               **error)
{
  g_autoptr(GateTicket) ticket = NULL;
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);

  if (answer->verdict != GATE_VERDICT_ADMITTED && answer->verdict != GATE_VERDICT_ALREADY_SCANNED &&
      answer->verdict != GATE_VERDICT_VOID)
    return TRUE;

  g_mutex_lock (&self->mutex);
  stmt = prepare (self,
                  "UPDATE tickets SET status = ?2, scanned_at = coalesce(?3, scanned_at), "
                  "scanned_device = coalesce(?4, scanned_device) WHERE qr_token = ?1 "
                  "RETURNING " TICKET_COLUMNS,
                  error);
  if (stmt != NULL)
    {
      int rc;

      bind_text (stmt, 1, qr_token);
      bind_text (stmt, 2, answer->verdict == GATE_VERDICT_VOID ? "void" : "scanned");
      bind_time (stmt, 3, answer->scanned_at_us);
      bind_text (stmt, 4, answer->scanned_device);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        ticket = ticket_from_row (stmt);
      while (rc == SQLITE_ROW)
        rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      ok = rc == SQLITE_DONE || fail (self, rc, "recording an online verdict", error);
    }
  g_mutex_unlock (&self->mutex);

  if (ticket != NULL)
    {
      notify_later (self, TICKET_CHANGED, ticket);
      notify_later (self, STATUS_CHANGED, NULL);
    }
  return ok;
}

/* --- refresh ---------------------------------------------------------------------- */

static gboolean
ensure_event_row (GateTicketCache  *self,
                  const char       *event_id,
                  GError          **error)
{
  sqlite3_stmt *stmt = prepare (self, "INSERT OR IGNORE INTO events (id) VALUES (?)", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, event_id);
  return step_done (self, stmt, "recording the event", error);
}

gboolean
gate_ticket_cache_apply_page (GateTicketCache       *self,
                              const char            *event_id,
                              const GateTicketPage  *page,
                              GError               **error)
{
  sqlite3_stmt *stmt;
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (event_id != NULL && page != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  if (!begin (self, error))
    goto failed_unlocked;

  if (!ensure_event_row (self, event_id, error))
    goto failed;

  /* An unconfirmed local admit wins over the server's "valid": the server
   * has not seen our scan yet (defect 1 of the original). */
  stmt = prepare (self,
                  "INSERT INTO tickets (id, event_id, qr_token, qr_signature, ticket_type, guest_name, status, "
                  "scanned_at, scanned_device, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                  "ON CONFLICT (id) DO UPDATE SET "
                  "  event_id = excluded.event_id, qr_token = excluded.qr_token, "
                  "  qr_signature = excluded.qr_signature, ticket_type = excluded.ticket_type, "
                  "  guest_name = excluded.guest_name, updated_at = excluded.updated_at, "
                  "  status = CASE WHEN tickets.local_scan_id IS NOT NULL AND excluded.status = 'valid' "
                  "                THEN tickets.status ELSE excluded.status END, "
                  "  scanned_at = CASE WHEN tickets.local_scan_id IS NOT NULL AND excluded.status = 'valid' "
                  "                    THEN tickets.scanned_at ELSE excluded.scanned_at END, "
                  "  scanned_device = CASE WHEN tickets.local_scan_id IS NOT NULL AND excluded.status = 'valid' "
                  "                        THEN tickets.scanned_device ELSE excluded.scanned_device END",
                  error);
  if (stmt == NULL)
    goto failed;

  for (guint i = 0; i < page->tickets->len; i++)
    {
      const GateTicket *ticket = g_ptr_array_index (page->tickets, i);

      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      bind_text (stmt, 1, ticket->id);
      bind_text (stmt, 2, event_id);
      bind_text (stmt, 3, ticket->qr_token);
      bind_text (stmt, 4, ticket->qr_signature);
      bind_text (stmt, 5, ticket->ticket_type);
      bind_text (stmt, 6, ticket->guest_name);
      bind_text (stmt, 7, gate_ticket_status_to_string (ticket->status));
      bind_time (stmt, 8, ticket->scanned_at_us);
      bind_text (stmt, 9, ticket->scanned_device);
      bind_time (stmt, 10, ticket->updated_at_us);
      if (!step_done (self, stmt, "storing a ticket", error))
        goto failed;
    }

  /* The cursor goes with its page: a crash resumes after the last whole page. */
  stmt = prepare (self, "UPDATE events SET cursor = coalesce(?2, cursor), last_refresh_at = ?3 WHERE id = ?1",
                  error);
  if (stmt == NULL)
    goto failed;
  bind_text (stmt, 1, event_id);
  bind_text (stmt, 2, page->next_cursor);
  sqlite3_bind_int64 (stmt, 3, now);
  if (!step_done (self, stmt, "saving the refresh cursor", error))
    goto failed;

  if (!commit (self, error))
    goto failed_unlocked;
  g_mutex_unlock (&self->mutex);

  notify_later (self, STATUS_CHANGED, NULL);
  return TRUE;

failed:
  rollback (self);
failed_unlocked:
  g_mutex_unlock (&self->mutex);
  return FALSE;
}

char *
gate_ticket_cache_dup_cursor (GateTicketCache *self,
                              const char      *event_id)
{
  sqlite3_stmt *stmt;
  char *cursor = NULL;

  g_mutex_lock (&self->mutex);
  stmt = prepare (self, "SELECT cursor FROM events WHERE id = ?", NULL);
  if (stmt != NULL)
    {
      bind_text (stmt, 1, event_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        cursor = column_dup (stmt, 0);
      sqlite3_reset (stmt);
    }
  g_mutex_unlock (&self->mutex);
  return cursor;
}

gboolean
gate_ticket_cache_reset_cursor (GateTicketCache  *self,
                                const char       *event_id,
                                GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_mutex_lock (&self->mutex);
  stmt = prepare (self, "UPDATE events SET cursor = NULL WHERE id = ?", error);
  if (stmt != NULL)
    {
      bind_text (stmt, 1, event_id);
      ok = step_done (self, stmt, "resetting the refresh cursor", error);
    }
  g_mutex_unlock (&self->mutex);
  return ok;
}

/* --- the upload queue ---------------------------------------------------------------- */

GPtrArray *
gate_ticket_cache_pending_scans (GateTicketCache  *self,
                                 guint             limit,
                                 GError          **error)
{
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_queued_scan_free);
  sqlite3_stmt *stmt;
  int rc = SQLITE_DONE;

  g_mutex_lock (&self->mutex);
  stmt = prepare (self,
                  "SELECT client_scan_id, event_id, qr_token, ticket_id, scanned_at, clock_offset_ms, "
                  "scanned_by, scan_method, attempts, last_error, device_id FROM scan_queue "
                  "WHERE state = 'pending' ORDER BY scanned_at, client_scan_id LIMIT ?",
                  error);
  if (stmt != NULL)
    {
      sqlite3_bind_int (stmt, 1, limit);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          GateQueuedScan *scan = gate_queued_scan_new ();

          scan->client_scan_id = column_dup (stmt, 0);
          scan->event_id = column_dup (stmt, 1);
          scan->qr_token = column_dup (stmt, 2);
          scan->ticket_id = column_dup (stmt, 3);
          scan->scanned_at_us = sqlite3_column_int64 (stmt, 4);
          scan->clock_offset_ms = sqlite3_column_int64 (stmt, 5);
          scan->scanned_by = column_dup (stmt, 6);
          scan->scan_method = column_dup (stmt, 7);
          scan->attempts = sqlite3_column_int (stmt, 8);
          scan->last_error = column_dup (stmt, 9);
          scan->device_id = column_dup (stmt, 10);
          g_ptr_array_add (scans, scan);
        }
      sqlite3_reset (stmt);
    }
  g_mutex_unlock (&self->mutex);

  if (stmt == NULL)
    return NULL;
  if (rc != SQLITE_DONE)
    {
      fail (self, rc, "reading the upload queue", error);
      return NULL;
    }
  return g_steal_pointer (&scans);
}

gint64
gate_ticket_cache_pending_count (GateTicketCache *self)
{
  sqlite3_stmt *stmt;
  gint64 count = 0;

  g_mutex_lock (&self->mutex);
  stmt = prepare (self, "SELECT count(*) FROM scan_queue WHERE state = 'pending'", NULL);
  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  g_mutex_unlock (&self->mutex);
  return count;
}

static gboolean
record_local_conflict (GateTicketCache        *self,
                       const GateUploadResult *result,
                       GError                **error)
{
  sqlite3_stmt *stmt;
  gboolean won = result->outcome == GATE_UPLOAD_WON_CONFLICT;

  stmt = prepare (self,
                  "INSERT INTO conflicts (event_id, ticket_id, qr_token, guest_name, ticket_type, "
                  "winner_device, winner_time, winner_scan_id, loser_device, loser_time, loser_scan_id, detected_at) "
                  "SELECT q.event_id, q.ticket_id, q.qr_token, t.guest_name, t.ticket_type, "
                  "  CASE WHEN ?2 THEN q.device_id ELSE ?3 END, "
                  "  CASE WHEN ?2 THEN q.scanned_at + q.clock_offset_ms * 1000 ELSE ?4 END, "
                  "  CASE WHEN ?2 THEN q.client_scan_id END, "
                  "  CASE WHEN ?2 THEN NULL ELSE q.device_id END, "
                  "  CASE WHEN ?2 THEN NULL ELSE q.scanned_at + q.clock_offset_ms * 1000 END, "
                  "  CASE WHEN ?2 THEN NULL ELSE q.client_scan_id END, ?5 "
                  "FROM scan_queue q LEFT JOIN tickets t ON t.id = q.ticket_id WHERE q.client_scan_id = ?1",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, result->client_scan_id);
  sqlite3_bind_int (stmt, 2, won);
  bind_text (stmt, 3, result->winner_device);
  bind_time (stmt, 4, result->winner_time_us);
  sqlite3_bind_int64 (stmt, 5, result->server_time_us ? result->server_time_us : g_get_real_time ());
  return step_done (self, stmt, "recording a conflict", error);
}

gboolean
gate_ticket_cache_apply_upload_results (GateTicketCache  *self,
                                        GPtrArray        *results,
                                        GError          **error)
{
  gboolean conflicts = FALSE;
  gint64 now = g_get_real_time ();
  sqlite3_stmt *stmt;

  g_mutex_lock (&self->mutex);
  if (!begin (self, error))
    goto failed_unlocked;

  for (guint i = 0; i < results->len; i++)
    {
      const GateUploadResult *result = g_ptr_array_index (results, i);
      gboolean first_answer;

      stmt = prepare (self,
                      "UPDATE scan_queue SET state = 'answered', outcome = ?2, replayed = ?3, answered_at = ?4 "
                      "WHERE client_scan_id = ?1 AND state = 'pending'",
                      error);
      if (stmt == NULL)
        goto failed;
      bind_text (stmt, 1, result->client_scan_id);
      bind_text (stmt, 2, gate_upload_outcome_to_string (result->outcome));
      sqlite3_bind_int (stmt, 3, result->replayed);
      sqlite3_bind_int64 (stmt, 4, now);
      if (!step_done (self, stmt, "recording an upload answer", error))
        goto failed;
      first_answer = sqlite3_changes (self->db) > 0;
      if (!first_answer)
        continue;

      /* The server has decided: the ticket now follows the server. */
      stmt = prepare (self,
                      "UPDATE tickets SET local_scan_id = NULL, "
                      "  status = CASE ?2 WHEN 'void' THEN 'void' ELSE status END, "
                      "  scanned_device = CASE WHEN ?2 = 'lost_conflict' THEN ?3 ELSE scanned_device END, "
                      "  scanned_at = CASE WHEN ?2 = 'lost_conflict' THEN ?4 ELSE scanned_at END "
                      "WHERE local_scan_id = ?1",
                      error);
      if (stmt == NULL)
        goto failed;
      bind_text (stmt, 1, result->client_scan_id);
      bind_text (stmt, 2, gate_upload_outcome_to_string (result->outcome));
      bind_text (stmt, 3, result->winner_device);
      bind_time (stmt, 4, result->winner_time_us);
      if (!step_done (self, stmt, "confirming a ticket", error))
        goto failed;

      if (result->outcome == GATE_UPLOAD_WON_CONFLICT || result->outcome == GATE_UPLOAD_LOST_CONFLICT)
        {
          if (!record_local_conflict (self, result, error))
            goto failed;
          conflicts = TRUE;
        }
    }

  stmt = prepare (self,
                  "UPDATE events SET last_upload_at = ?1 WHERE id IN "
                  "(SELECT DISTINCT event_id FROM scan_queue WHERE answered_at = ?1)",
                  error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, now);
  if (!step_done (self, stmt, "recording the upload time", error))
    goto failed;

  if (!commit (self, error))
    goto failed_unlocked;
  g_mutex_unlock (&self->mutex);

  notify_later (self, STATUS_CHANGED, NULL);
  if (conflicts)
    notify_later (self, CONFLICTS_CHANGED, NULL);
  return TRUE;

failed:
  rollback (self);
failed_unlocked:
  g_mutex_unlock (&self->mutex);
  return FALSE;
}

gboolean
gate_ticket_cache_record_upload_failure (GateTicketCache  *self,
                                         GPtrArray        *client_scan_ids,
                                         const char       *message,
                                         GError          **error)
{
  sqlite3_stmt *stmt;

  g_mutex_lock (&self->mutex);
  if (!begin (self, error))
    goto failed_unlocked;

  for (guint i = 0; i < client_scan_ids->len; i++)
    {
      stmt = prepare (self,
                      "UPDATE scan_queue SET attempts = attempts + 1, last_error = ?2 "
                      "WHERE client_scan_id = ?1 AND state = 'pending'",
                      error);
      if (stmt == NULL)
        goto failed;
      bind_text (stmt, 1, g_ptr_array_index (client_scan_ids, i));
      bind_text (stmt, 2, message);
      if (!step_done (self, stmt, "recording an upload failure", error))
        goto failed;
    }

  if (!commit (self, error))
    goto failed_unlocked;
  g_mutex_unlock (&self->mutex);
  notify_later (self, STATUS_CHANGED, NULL);
  return TRUE;

failed:
  rollback (self);
failed_unlocked:
  g_mutex_unlock (&self->mutex);
  return FALSE;
}

/* --- conflicts ---------------------------------------------------------------------- */

GPtrArray *
gate_ticket_cache_list_conflicts (GateTicketCache  *self,
                                  const char       *event_id,
                                  gboolean          include_reviewed,
                                  GError          **error)
{
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);
  sqlite3_stmt *stmt;
  int rc = SQLITE_DONE;

  g_mutex_lock (&self->mutex);
  stmt = prepare (self,
                  "SELECT coalesce(server_id, 0), event_id, ticket_id, qr_token, guest_name, ticket_type, "
                  "winner_device, winner_time, winner_scan_id, loser_device, loser_time, loser_scan_id, "
                  "detected_at, reviewed_at, reviewed_by, review_note FROM conflicts "
                  "WHERE (?1 IS NULL OR event_id = ?1) AND (?2 OR reviewed_at IS NULL) "
                  "ORDER BY detected_at DESC, id DESC",
                  error);
  if (stmt != NULL)
    {
      bind_text (stmt, 1, event_id);
      sqlite3_bind_int (stmt, 2, include_reviewed);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          GateConflict *conflict = gate_conflict_new ();

          conflict->id = sqlite3_column_int64 (stmt, 0);
          conflict->event_id = column_dup (stmt, 1);
          conflict->ticket_id = column_dup (stmt, 2);
          conflict->qr_token = column_dup (stmt, 3);
          conflict->guest_name = column_dup (stmt, 4);
          conflict->ticket_type = column_dup (stmt, 5);
          conflict->winner_device = column_dup (stmt, 6);
          conflict->winner_time_us = sqlite3_column_int64 (stmt, 7);
          conflict->winner_scan_id = column_dup (stmt, 8);
          conflict->loser_device = column_dup (stmt, 9);
          conflict->loser_time_us = sqlite3_column_int64 (stmt, 10);
          conflict->loser_scan_id = column_dup (stmt, 11);
          conflict->detected_at_us = sqlite3_column_int64 (stmt, 12);
          conflict->reviewed_at_us = sqlite3_column_int64 (stmt, 13);
          conflict->reviewed_by = column_dup (stmt, 14);
          conflict->review_note = column_dup (stmt, 15);
          g_ptr_array_add (conflicts, conflict);
        }
      sqlite3_reset (stmt);
    }
  g_mutex_unlock (&self->mutex);

  if (stmt == NULL)
    return NULL;
  if (rc != SQLITE_DONE)
    {
      fail (self, rc, "listing conflicts", error);
      return NULL;
    }
  return g_steal_pointer (&conflicts);
}

gboolean
gate_ticket_cache_store_conflicts (GateTicketCache  *self,
                                   GPtrArray        *conflicts,
                                   GError          **error)
{
  sqlite3_stmt *stmt;

  g_mutex_lock (&self->mutex);
  if (!begin (self, error))
    goto failed_unlocked;

  for (guint i = 0; i < conflicts->len; i++)
    {
      const GateConflict *conflict = g_ptr_array_index (conflicts, i);

      /* The server's row replaces what we noted locally for the same scans. */
      stmt = prepare (self,
                      "DELETE FROM conflicts WHERE server_id IS NULL "
                      "AND (winner_scan_id IN (?1, ?2) OR loser_scan_id IN (?1, ?2))",
                      error);
      if (stmt == NULL)
        goto failed;
      bind_text (stmt, 1, conflict->winner_scan_id);
      bind_text (stmt, 2, conflict->loser_scan_id);
      if (!step_done (self, stmt, "merging conflicts", error))
        goto failed;

      stmt = prepare (self,
                      "INSERT INTO conflicts (server_id, event_id, ticket_id, qr_token, guest_name, ticket_type, "
                      "winner_device, winner_time, winner_scan_id, loser_device, loser_time, loser_scan_id, "
                      "detected_at, reviewed_at, reviewed_by, review_note) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
                      "ON CONFLICT (server_id) DO UPDATE SET reviewed_at = excluded.reviewed_at, "
                      "reviewed_by = excluded.reviewed_by, review_note = excluded.review_note",
                      error);
      if (stmt == NULL)
        goto failed;
      sqlite3_bind_int64 (stmt, 1, conflict->id);
      bind_text (stmt, 2, conflict->event_id);
      bind_text (stmt, 3, conflict->ticket_id);
      bind_text (stmt, 4, conflict->qr_token);
      bind_text (stmt, 5, conflict->guest_name);
      bind_text (stmt, 6, conflict->ticket_type);
      bind_text (stmt, 7, conflict->winner_device);
      bind_time (stmt, 8, conflict->winner_time_us);
      bind_text (stmt, 9, conflict->winner_scan_id);
      bind_text (stmt, 10, conflict->loser_device);
      bind_time (stmt, 11, conflict->loser_time_us);
      bind_text (stmt, 12, conflict->loser_scan_id);
      bind_time (stmt, 13, conflict->detected_at_us);
      bind_time (stmt, 14, conflict->reviewed_at_us);
      bind_text (stmt, 15, conflict->reviewed_by);
      bind_text (stmt, 16, conflict->review_note);
      if (!step_done (self, stmt, "storing a conflict", error))
        goto failed;
    }

  if (!commit (self, error))
    goto failed_unlocked;
  g_mutex_unlock (&self->mutex);
  notify_later (self, CONFLICTS_CHANGED, NULL);
  return TRUE;

failed:
  rollback (self);
failed_unlocked:
  g_mutex_unlock (&self->mutex);
  return FALSE;
}

/* --- metadata ------------------------------------------------------------------------ */

gboolean
gate_ticket_cache_set_event (GateTicketCache         *self,
                             const GateEventSummary  *summary,
                             GError                 **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_mutex_lock (&self->mutex);
  stmt = prepare (self,
                  "INSERT INTO events (id, name, starts_at, ticket_count, scanned_count) VALUES (?1, ?2, ?3, ?4, ?5) "
                  "ON CONFLICT (id) DO UPDATE SET name = excluded.name, starts_at = excluded.starts_at, "
                  "ticket_count = excluded.ticket_count, scanned_count = excluded.scanned_count",
                  error);
  if (stmt != NULL)
    {
      bind_text (stmt, 1, summary->event_id);
      bind_text (stmt, 2, summary->name);
      bind_time (stmt, 3, summary->starts_at_us);
      sqlite3_bind_int64 (stmt, 4, summary->ticket_count);
      sqlite3_bind_int64 (stmt, 5, summary->scanned_count);
      ok = step_done (self, stmt, "storing the event", error);
    }
  g_mutex_unlock (&self->mutex);

  if (ok)
    notify_later (self, STATUS_CHANGED, NULL);
  return ok;
}

gboolean
gate_ticket_cache_set_clock_offset (GateTicketCache  *self,
                                    gint64            offset_ms,
                                    GError          **error)
{
  g_autofree char *value = g_strdup_printf ("%" G_GINT64_FORMAT, offset_ms);
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_mutex_lock (&self->mutex);
  stmt = prepare (self, "INSERT OR REPLACE INTO settings (key, value) VALUES ('clock_offset_ms', ?)", error);
  if (stmt != NULL)
    {
      bind_text (stmt, 1, value);
      ok = step_done (self, stmt, "storing the clock offset", error);
    }
  g_mutex_unlock (&self->mutex);
  return ok;
}

gint64
gate_ticket_cache_get_clock_offset (GateTicketCache *self)
{
  sqlite3_stmt *stmt;
  gint64 offset = 0;

  g_mutex_lock (&self->mutex);
  stmt = prepare (self, "SELECT value FROM settings WHERE key = 'clock_offset_ms'", NULL);
  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    offset = g_ascii_strtoll ((const char *) sqlite3_column_text (stmt, 0), NULL, 10);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  g_mutex_unlock (&self->mutex);
  return offset;
}

GateCacheStatus *
gate_ticket_cache_get_status (GateTicketCache  *self,
                              const char       *event_id,
                              GError          **error)
{
  g_autoptr(GateCacheStatus) status = g_new0 (GateCacheStatus, 1);
  sqlite3_stmt *stmt;
  int rc;

  status->clock_offset_ms = gate_ticket_cache_get_clock_offset (self);

  g_mutex_lock (&self->mutex);
  stmt = prepare (self,
                  "SELECT e.name, e.last_refresh_at, e.last_upload_at, "
                  "  (SELECT count(*) FROM tickets t WHERE t.event_id = ?1), "
                  "  (SELECT count(*) FROM tickets t WHERE t.event_id = ?1 AND t.status = 'scanned'), "
                  "  (SELECT count(*) FROM scan_queue q WHERE q.event_id = ?1 AND q.state = 'pending') "
                  "FROM (SELECT ?1 AS id) AS wanted LEFT JOIN events e ON e.id = wanted.id",
                  error);
  if (stmt == NULL)
    {
      g_mutex_unlock (&self->mutex);
      return NULL;
    }
  bind_text (stmt, 1, event_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      status->event_id = g_strdup (event_id);
      status->event_name = column_dup (stmt, 0);
      status->last_refresh_at_us = sqlite3_column_int64 (stmt, 1);
      status->last_upload_at_us = sqlite3_column_int64 (stmt, 2);
      status->tickets_cached = sqlite3_column_int64 (stmt, 3);
      status->checked_in = sqlite3_column_int64 (stmt, 4);
      status->pending_uploads = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_reset (stmt);
  g_mutex_unlock (&self->mutex);

  if (rc != SQLITE_ROW)
    {
      fail (self, rc, "reading the cache status", error);
      return NULL;
    }
  return g_steal_pointer (&status);
}

/* --- retention ------------------------------------------------------------------------- */

gboolean
gate_ticket_cache_purge (GateTicketCache  *self,
                         gint64            now_us,
                         GError          **error)
{
  gint64 horizon = now_us - GATE_CACHE_RETENTION_US;
  sqlite3_stmt *stmt;

  g_mutex_lock (&self->mutex);
  if (!begin (self, error))
    goto failed_unlocked;

  stmt = prepare (self, "DELETE FROM scan_queue WHERE state = 'answered' AND answered_at < ?", error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!step_done (self, stmt, "purging uploaded scans", error))
    goto failed;

  /* Attendee names go 24 h after the last refresh, but never while a scan
   * of that event still waits for the server. */
  stmt = prepare (self,
                  "DELETE FROM tickets WHERE event_id IN (SELECT e.id FROM events e "
                  "WHERE coalesce(e.last_refresh_at, 0) < ?1 "
                  "AND NOT EXISTS (SELECT 1 FROM scan_queue q WHERE q.event_id = e.id AND q.state = 'pending'))",
                  error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!step_done (self, stmt, "purging attendee data", error))
    goto failed;

  stmt = prepare (self,
                  "UPDATE events SET cursor = NULL WHERE coalesce(last_refresh_at, 0) < ?1 "
                  "AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.event_id = events.id)",
                  error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!step_done (self, stmt, "resetting purged events", error))
    goto failed;

  stmt = prepare (self, "DELETE FROM conflicts WHERE reviewed_at IS NOT NULL AND reviewed_at < ?", error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!step_done (self, stmt, "purging reviewed conflicts", error))
    goto failed;

  if (!commit (self, error))
    goto failed_unlocked;
  g_mutex_unlock (&self->mutex);
  notify_later (self, STATUS_CHANGED, NULL);
  notify_later (self, CONFLICTS_CHANGED, NULL);
  return TRUE;

failed:
  rollback (self);
failed_unlocked:
  g_mutex_unlock (&self->mutex);
  return FALSE;
}

gboolean
gate_ticket_cache_wipe (GateTicketCache  *self,
                        GError          **error)
{
  gboolean ok;

  g_mutex_lock (&self->mutex);
  ok = begin (self, error) &&
       exec (self, "DELETE FROM tickets; DELETE FROM scan_queue; DELETE FROM conflicts; "
                   "DELETE FROM events; DELETE FROM settings;", error) &&
       commit (self, error);
  if (!ok)
    rollback (self);
  g_mutex_unlock (&self->mutex);

  if (ok)
    {
      notify_later (self, STATUS_CHANGED, NULL);
      notify_later (self, CONFLICTS_CHANGED, NULL);
    }
  return ok;
}

/* --- object ------------------------------------------------------------------------------ */

static void
gate_ticket_cache_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GateTicketCache *self = GATE_TICKET_CACHE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_ticket_cache_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GateTicketCache *self = GATE_TICKET_CACHE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_ticket_cache_finalize (GObject *object)
{
  GateTicketCache *self = GATE_TICKET_CACHE (object);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_clear_pointer (&self->owner, g_main_context_unref);
  g_mutex_clear (&self->mutex);
  g_free (self->path);

  G_OBJECT_CLASS (gate_ticket_cache_parent_class)->finalize (object);
}

static void
gate_ticket_cache_class_init (GateTicketCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gate_ticket_cache_finalize;
  object_class->get_property = gate_ticket_cache_get_property;
  object_class->set_property = gate_ticket_cache_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateTicketCache::ticket-changed:
   * @ticket: (type GateTicket): the ticket as it is now
   */
  signals[TICKET_CHANGED] =
    g_signal_new ("ticket-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, GATE_TYPE_TICKET | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * GateTicketCache::status-changed:
   *
   * Counts, queue or refresh/upload times changed: re-read the status.
   */
  signals[STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  signals[CONFLICTS_CHANGED] =
    g_signal_new ("conflicts-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
finalize_statement (gpointer data)
{
  sqlite3_finalize (data);
}

static void
gate_ticket_cache_init (GateTicketCache *self)
{
  g_mutex_init (&self->mutex);
  self->statements = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, finalize_statement);
  self->owner = g_main_context_ref_thread_default ();
}
