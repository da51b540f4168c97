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
 *
 * One connection behind one mutex: SQLite serialises writers anyway, and a
 * single connection lets every statement stay prepared. Public functions
 * take the lock, call a *_locked helper and emit signals after unlocking.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "gate-error.h"
#include "gate-ticket-cache.h"

#define MIGRATIONS_RESOURCE "/io/github/gatescanner/GateScanner/migrations/sqlite"
#define BUSY_TIMEOUT_MS     10000
#define UPLOAD_BATCH_MAX    500
/* The offset is re-measured on every server answer; jitter below this is
 * network noise and not worth an fsync. */
#define OFFSET_PERSIST_MS   50

#define TICKET_COLUMNS \
  "id, event_id, qr_token, qr_signature, ticket_type, guest_name, status, scanned_at, " \
  "scanned_device, updated_at, local_scan_id"

/* Upsert, never delete-then-insert (defect 1 of the original). A row older
 * than what we have is skipped; an unconfirmed local admit wins over the
 * server's "valid", which has not seen our scan yet. */
static const char UPSERT_TICKET_SQL[] =
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
  "                        THEN tickets.scanned_device ELSE excluded.scanned_device END "
  "WHERE excluded.updated_at IS NULL OR tickets.updated_at IS NULL "
  "   OR excluded.updated_at >= tickets.updated_at";

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

  gboolean      offset_known;
  gint64        clock_offset_ms;
  gint64        persisted_offset_ms;
};

static void gate_ticket_cache_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GateTicketCache, gate_ticket_cache, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, gate_ticket_cache_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE, NULL))

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
  /* SQLite reports ENOSPC (and a full quota) as SQLITE_FULL: the gate says
   * "disk full" rather than a generic storage failure. */
  int code = (rc & 0xff) == SQLITE_FULL ? GATE_ERROR_DISK_FULL : GATE_ERROR_STORAGE;

  g_set_error (error, GATE_ERROR, code, "%s: %s", what,
               self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
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

static void
replace_str (char       **field,
             const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Run a prepared statement to its end, ignoring any rows. */
static gboolean
step_done (GateTicketCache  *self,
           sqlite3_stmt     *stmt,
           const char       *what,
           GError          **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return fail (self, rc, what, error);
  return TRUE;
}

static gboolean
exec (GateTicketCache  *self,
      const char       *sql,
      const char       *what,
      GError          **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return fail (self, rc, what, error);
  return TRUE;
}

static gboolean
begin (GateTicketCache  *self,
       GError          **error)
{
  /* IMMEDIATE takes the write lock up front: two processes cannot both
   * read "valid" and then both mark the ticket. */
  return exec (self, "BEGIN IMMEDIATE", "starting a cache transaction", error);
}

static void
rollback (GateTicketCache *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

static gboolean
commit (GateTicketCache  *self,
        GError          **error)
{
  if (!exec (self, "COMMIT", "committing to the cache", error))
    {
      rollback (self);
      return FALSE;
    }
  return TRUE;
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

/* The ticket for @qr_token; *found is FALSE (and no error) if there is none. */
static GateTicket *
read_ticket (GateTicketCache  *self,
             const char       *qr_token,
             gboolean         *pending_local,
             GError          **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT " TICKET_COLUMNS " FROM tickets WHERE qr_token = ?", error);
  GateTicket *ticket = NULL;
  int rc;

  if (pending_local != NULL)
    *pending_local = FALSE;
  if (stmt == NULL)
    return NULL;

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
  sqlite3_reset (stmt);
  return ticket;
}

/* --- signals on the owner's context ---------------------------------------- */

typedef struct
{
  GWeakRef    cache;
  guint       signal;
  GateTicket *ticket;
} Emission;

static gboolean
emit_on_owner (gpointer user_data)
{
  Emission *emission = user_data;
  g_autoptr(GateTicketCache) self = g_weak_ref_get (&emission->cache);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  /* Cleared before emitting: a change made by a handler or another thread
   * from now on schedules its own emission. */
  if (emission->signal == STATUS_CHANGED)
    g_atomic_int_set (&self->status_pending, FALSE);
  else if (emission->signal == CONFLICTS_CHANGED)
    g_atomic_int_set (&self->conflicts_pending, FALSE);

  if (emission->ticket != NULL)
    g_signal_emit (self, signals[emission->signal], 0, emission->ticket);
  else
    g_signal_emit (self, signals[emission->signal], 0);

  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer user_data)
{
  Emission *emission = user_data;

  g_weak_ref_clear (&emission->cache);
  g_clear_pointer (&emission->ticket, gate_ticket_free);
  g_free (emission);
}

/* Never called with the lock held. Bursts of status and conflict changes
 * coalesce into one emission per main-loop iteration. A weak reference: a
 * cache released before its owner's loop ran closes its file at once. */
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
  g_weak_ref_init (&emission->cache, self);
  emission->signal = signal;
  emission->ticket = ticket != NULL ? gate_ticket_copy (ticket) : NULL;

  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_static_name (idle, "[gate] cache signal");
  g_source_set_callback (idle, emit_on_owner, emission, emission_free);
  g_source_attach (idle, self->owner);
}

static void
notify_tickets_later (GateTicketCache *self,
                      GPtrArray       *tickets)
{
  for (guint i = 0; i < tickets->len; i++)
    notify_later (self, TICKET_CHANGED, g_ptr_array_index (tickets, i));
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
   * or an older file said. */
  if (fchmod (fd, 0600) != 0)
    {
      int saved_errno = errno;

      close (fd);
      g_set_error (error, GATE_ERROR, GATE_ERROR_STORAGE, "cannot make the cache %s private: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* SQLite gives -wal and -shm the database's mode when it creates them, but
 * files left by an older build or another tool may be looser. */
static gboolean
tighten_companion (const char  *path,
                   const char  *suffix,
                   GError     **error)
{
  g_autofree char *companion = g_strconcat (path, suffix, NULL);
  struct stat st;

  if (stat (companion, &st) != 0 || (st.st_mode & 0077) == 0)
    return TRUE;

  if (chmod (companion, 0600) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, GATE_ERROR, GATE_ERROR_STORAGE, "cannot make %s private: %s", companion,
                   g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static gint
migration_number (const char *name)
{
  char *end = NULL;
  guint64 number = g_ascii_strtoull (name, &end, 10);

  if (end == name || *end != '_' || !g_str_has_suffix (name, ".sql") || number == 0 || number > G_MAXINT)
    return -1;
  return (gint) number;
}

static gint
compare_migrations (gconstpointer a,
                    gconstpointer b)
{
  return migration_number (*(char * const *) a) - migration_number (*(char * const *) b);
}

/* The migration files, in order, checked to be numbered 1, 2, 3, … */
static GPtrArray *
list_migrations (GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) children = NULL;

  children = g_resources_enumerate_children (MIGRATIONS_RESOURCE, 0, error);
  if (children == NULL)
    return NULL;

  for (guint i = 0; children[i] != NULL; i++)
    {
      if (migration_number (children[i]) < 0)
        {
          g_set_error (error, GATE_ERROR, GATE_ERROR_STORAGE, "malformed cache migration name %s", children[i]);
          return NULL;
        }
      g_ptr_array_add (names, g_strdup (children[i]));
    }
  g_ptr_array_sort (names, compare_migrations);

  for (guint i = 0; i < names->len; i++)
    if (migration_number (g_ptr_array_index (names, i)) != (gint) i + 1)
      {
        g_set_error (error, GATE_ERROR, GATE_ERROR_STORAGE, "cache migration %u is missing", i + 1);
        return NULL;
      }

  return g_steal_pointer (&names);
}

guint
gate_ticket_cache_get_schema_version (void)
{
  g_autoptr(GPtrArray) names = list_migrations (NULL);

  return names != NULL ? names->len : 0;
}

static gboolean
read_user_version (GateTicketCache  *self,
                   gint             *version,
                   GError          **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    return fail (self, rc, "reading the cache schema version", error);
  return TRUE;
}

/* Applies one migration unless another process already did: the version is
 * read again under the write lock. */
static gboolean
apply_migration (GateTicketCache  *self,
                 const char       *name,
                 gint              number,
                 GError          **error)
{
  g_autofree char *resource = g_build_path ("/", MIGRATIONS_RESOURCE, name, NULL);
  g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", number);
  g_autofree char *what = g_strdup_printf ("applying cache migration %s", name);
  g_autoptr(GBytes) sql = NULL;
  g_autofree char *text = NULL;
  gint version;

  sql = g_resources_lookup_data (resource, 0, error);
  if (sql == NULL)
    return FALSE;
  text = g_strndup (g_bytes_get_data (sql, NULL), g_bytes_get_size (sql));

  if (!begin (self, error))
    return FALSE;
  if (!read_user_version (self, &version, error))
    goto failed;
  if (version >= number)
    {
      rollback (self);
      return TRUE;
    }
  if (!exec (self, text, what, error) || !exec (self, bump, what, error))
    goto failed;
  return commit (self, error);

failed:
  rollback (self);
  return FALSE;
}

static gboolean
migrate (GateTicketCache  *self,
         GError          **error)
{
  g_autoptr(GPtrArray) names = list_migrations (error);
  gint version;

  if (names == NULL || !read_user_version (self, &version, error))
    return FALSE;

  if (version > (gint) names->len)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_STORAGE,
                   "the cache %s was written by a newer Gate Scanner (schema %d, this one knows %u); "
                   "update the app or remove the file",
                   self->path, version, names->len);
      return FALSE;
    }

  for (guint i = version; i < names->len; i++)
    if (!apply_migration (self, g_ptr_array_index (names, i), i + 1, error))
      return FALSE;

  return TRUE;
}

static gboolean
gate_ticket_cache_initable_init (GInitable     *initable,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  GateTicketCache *self = GATE_TICKET_CACHE (initable);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->mutex);
  int rc;

  if (self->path == NULL)
    {
      g_set_error_literal (error, GATE_ERROR, GATE_ERROR_CONFIG, "no cache file given");
      return FALSE;
    }

  if (!create_private_file (self->path, error))
    return FALSE;

  /* NOMUTEX: our own mutex already serialises every use of the connection. */
  rc = sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_STORAGE, "cannot open the cache %s: %s", self->path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      g_clear_pointer (&self->db, sqlite3_close_v2);
      return FALSE;
    }

  sqlite3_extended_result_codes (self->db, TRUE);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  /* Durable before shown: with synchronous=FULL every COMMIT has reached
   * the disk when it returns. */
  if (!exec (self, "PRAGMA journal_mode = WAL", "switching the cache to WAL", error) ||
      !exec (self, "PRAGMA synchronous = FULL", "making the cache durable", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", "configuring the cache", error) ||
      /* Deleted rows are overwritten with zeros, not left in free pages:
       * purged and wiped attendee data must not stay readable on disk. */
      !exec (self, "PRAGMA secure_delete = ON", "configuring the cache", error) ||
      !migrate (self, error))
    return FALSE;

  return tighten_companion (self->path, "-wal", error) && tighten_companion (self->path, "-shm", error);
}

static void
gate_ticket_cache_initable_iface_init (GInitableIface *iface)
{
  iface->init = gate_ticket_cache_initable_init;
}

/**
 * gate_ticket_cache_new:
 * @path: the cache file; created 0600 if missing
 *
 * Opens the cache and brings its schema up to date. Signals will be emitted
 * on the calling thread's default main context. Blocks: see
 * gate_ticket_cache_open_async() for the main thread.
 */
GateTicketCache *
gate_ticket_cache_new (const char  *path,
                       GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_initable_new (GATE_TYPE_TICKET_CACHE, NULL, error, "path", path, NULL);
}

/**
 * gate_ticket_cache_open_async:
 *
 * Opens the cache in a worker thread. Signals are emitted on the main
 * context that is the thread default now, not on the worker's.
 */
void
gate_ticket_cache_open_async (const char          *path,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (path != NULL);

  g_async_initable_new_async (GATE_TYPE_TICKET_CACHE, G_PRIORITY_DEFAULT, cancellable, callback, user_data,
                              "path", path, NULL);
}

GateTicketCache *
gate_ticket_cache_open_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);
  GObject *cache = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);

  return cache != NULL ? GATE_TICKET_CACHE (cache) : NULL;
}

const char *
gate_ticket_cache_get_path (GateTicketCache *self)
{
  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  return self->path;
}

/* --- lookups ------------------------------------------------------------------- */

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
  ticket = read_ticket (self, qr_token, pending_local, error);
  g_mutex_unlock (&self->mutex);

  return ticket;
}

static GPtrArray *
search_locked (GateTicketCache  *self,
               const char       *event_id,
               const char       *pattern,
               guint             limit,
               GError          **error)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_ticket_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = prepare (self,
                  "SELECT " TICKET_COLUMNS " FROM tickets WHERE event_id = ?1 "
                  "AND (guest_name LIKE ?2 ESCAPE '\\' OR qr_token LIKE ?2 ESCAPE '\\') "
                  "ORDER BY guest_name, qr_token LIMIT ?3",
                  error);
  if (stmt == NULL)
    return NULL;

  bind_text (stmt, 1, event_id);
  bind_text (stmt, 2, pattern);
  sqlite3_bind_int64 (stmt, 3, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (found, ticket_from_row (stmt));
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      fail (self, rc, "searching tickets", error);
      return NULL;
    }
  return g_steal_pointer (&found);
}

/**
 * gate_ticket_cache_search:
 * @text: part of a guest name or a code, at least %GATE_CACHE_SEARCH_MIN
 *   characters; shorter text finds nothing
 *
 * Returns: (transfer container) (element-type GateTicket): at most @limit
 *   tickets of @event_id, by guest name
 */
GPtrArray *
gate_ticket_cache_search (GateTicketCache  *self,
                          const char       *event_id,
                          const char       *text,
                          guint             limit,
                          GError          **error)
{
  g_autoptr(GString) pattern = g_string_new ("%");
  GPtrArray *found;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  g_return_val_if_fail (event_id != NULL, NULL);

  if (text == NULL || !g_utf8_validate (text, -1, NULL) || g_utf8_strlen (text, -1) < GATE_CACHE_SEARCH_MIN)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) gate_ticket_free);

  /* LIKE wildcards typed by a person are searched for literally. */
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');

  g_mutex_lock (&self->mutex);
  found = search_locked (self, event_id, pattern->str, limit, error);
  g_mutex_unlock (&self->mutex);

  return found;
}

/* --- deciding offline ---------------------------------------------------------- */

static GateOfflineDecision *
decision_new (GateVerdict  verdict,
              GateTicket  *ticket,
              const char  *client_scan_id,
              gboolean     replayed)
{
  GateOfflineDecision *decision = g_new0 (GateOfflineDecision, 1);

  decision->verdict = verdict;
  decision->ticket = ticket;
  decision->client_scan_id = g_strdup (client_scan_id);
  decision->replayed = replayed;
  return decision;
}

/* An admit this device already made under @client_scan_id, offline (still
 * queued or answered) or online: the same scan decided again gets the same
 * answer. Returns NULL without error if the id is new. */
static GateOfflineDecision *
replay_admit (GateTicketCache       *self,
              const GateQueuedScan  *scan,
              GError               **error)
{
  g_autoptr(GateTicket) ticket = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = prepare (self,
                  "SELECT qr_token, ticket_id, event_id, device_id, scanned_at + clock_offset_ms * 1000 "
                  "FROM scan_queue WHERE client_scan_id = ?1 "
                  "UNION ALL SELECT qr_token, ticket_id, event_id, scanned_device, scanned_at "
                  "FROM online_scans WHERE client_scan_id = ?1 LIMIT 1",
                  error);
  if (stmt == NULL)
    return NULL;

  bind_text (stmt, 1, scan->client_scan_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      ticket = gate_ticket_new ();
      ticket->qr_token = column_dup (stmt, 0);
      ticket->id = column_dup (stmt, 1);
      ticket->event_id = column_dup (stmt, 2);
      ticket->scanned_device = column_dup (stmt, 3);
      ticket->scanned_at_us = sqlite3_column_int64 (stmt, 4);
      ticket->status = GATE_TICKET_STATUS_SCANNED;
    }
  sqlite3_reset (stmt);

  if (rc == SQLITE_DONE)
    return NULL;
  if (rc != SQLITE_ROW)
    {
      fail (self, rc, "looking up a scan", error);
      return NULL;
    }

  /* Names and types from the cache if it still has them; when and where
   * from the original decision, whatever happened since. */
  {
    g_autoptr(GError) local_error = NULL;
    g_autoptr(GateTicket) cached = read_ticket (self, ticket->qr_token, NULL, &local_error);

    if (local_error != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&local_error));
        return NULL;
      }
    if (cached != NULL)
      {
        replace_str (&ticket->qr_signature, cached->qr_signature);
        replace_str (&ticket->ticket_type, cached->ticket_type);
        replace_str (&ticket->guest_name, cached->guest_name);
        ticket->updated_at_us = cached->updated_at_us;
      }
  }

  return decision_new (GATE_VERDICT_ADMITTED, g_steal_pointer (&ticket), scan->client_scan_id, TRUE);
}

/* Runs inside the BEGIN IMMEDIATE transaction. *marked tells whether it
 * wrote (an admit) or only read. */
static GateOfflineDecision *
decide_locked (GateTicketCache       *self,
               const GateQueuedScan  *scan,
               gboolean              *marked,
               GError               **error)
{
  g_autoptr(GateTicket) ticket = NULL;
  g_autoptr(GError) local_error = NULL;
  GateOfflineDecision *replay;
  const char *device_id = scan->device_id != NULL ? scan->device_id : "";
  gint64 corrected_us = scan->scanned_at_us + scan->clock_offset_ms * 1000;
  gboolean pending_local = FALSE;
  sqlite3_stmt *stmt;

  *marked = FALSE;

  replay = replay_admit (self, scan, &local_error);
  if (replay != NULL)
    return replay;
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  ticket = read_ticket (self, scan->qr_token, &pending_local, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (ticket == NULL)
    return decision_new (GATE_VERDICT_NOT_FOUND, NULL, scan->client_scan_id, FALSE);
  if (g_strcmp0 (ticket->event_id, scan->event_id) != 0)
    return decision_new (GATE_VERDICT_WRONG_EVENT, g_steal_pointer (&ticket), scan->client_scan_id, FALSE);
  if (ticket->status == GATE_TICKET_STATUS_VOID)
    return decision_new (GATE_VERDICT_VOID, g_steal_pointer (&ticket), scan->client_scan_id, FALSE);
  if (ticket->status == GATE_TICKET_STATUS_SCANNED || pending_local)
    return decision_new (GATE_VERDICT_ALREADY_SCANNED, g_steal_pointer (&ticket), scan->client_scan_id, FALSE);

  stmt = prepare (self,
                  "UPDATE tickets SET status = 'scanned', scanned_at = ?2, scanned_device = ?3, local_scan_id = ?4 "
                  "WHERE id = ?1",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, ticket->id);
  sqlite3_bind_int64 (stmt, 2, corrected_us);
  bind_text (stmt, 3, device_id);
  bind_text (stmt, 4, scan->client_scan_id);
  if (!step_done (self, stmt, "marking the ticket scanned", error))
    return NULL;

  stmt = prepare (self,
                  "INSERT INTO scan_queue (client_scan_id, event_id, qr_token, ticket_id, device_id, scanned_at, "
                  "clock_offset_ms, scanned_by, scan_method) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, scan->client_scan_id);
  bind_text (stmt, 2, scan->event_id);
  bind_text (stmt, 3, scan->qr_token);
  bind_text (stmt, 4, ticket->id);
  bind_text (stmt, 5, device_id);
  sqlite3_bind_int64 (stmt, 6, scan->scanned_at_us);
  sqlite3_bind_int64 (stmt, 7, scan->clock_offset_ms);
  bind_text (stmt, 8, scan->scanned_by);
  bind_text (stmt, 9, scan->scan_method != NULL ? scan->scan_method : "qr");
  if (!step_done (self, stmt, "queueing the scan", error))
    return NULL;

  ticket->status = GATE_TICKET_STATUS_SCANNED;
  ticket->scanned_at_us = corrected_us;
  replace_str (&ticket->scanned_device, device_id);
  *marked = TRUE;
  return decision_new (GATE_VERDICT_ADMITTED, g_steal_pointer (&ticket), scan->client_scan_id, FALSE);
}

/**
 * gate_ticket_cache_admit_offline:
 * @scan: the scan; client_scan_id, event_id and qr_token are required,
 *   scanned_at_us is the device clock and clock_offset_ms the last measured
 *   server − device offset
 *
 * Decides a scan from the cache alone. Checking the ticket, marking it and
 * queueing the scan for upload are one transaction, committed to disk before
 * this returns. The same client_scan_id decided again (offline or after an
 * online admit) gets the same admitted answer with replayed set, and queues
 * nothing.
 *
 * Returns: (nullable): the decision, or NULL with GATE_ERROR_DISK_FULL or
 *   GATE_ERROR_STORAGE when it could not be recorded — never an admit then
 */
GateOfflineDecision *
gate_ticket_cache_admit_offline (GateTicketCache       *self,
                                 const GateQueuedScan  *scan,
                                 GError               **error)
{
  g_autoptr(GateOfflineDecision) decision = NULL;
  gboolean marked = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  g_return_val_if_fail (scan != NULL && scan->client_scan_id != NULL && scan->qr_token != NULL, NULL);

  g_mutex_lock (&self->mutex);
  if (begin (self, error))
    {
      decision = decide_locked (self, scan, &marked, error);
      if (decision == NULL)
        rollback (self);
      else if (!marked)
        {
          /* Nothing to record: the transaction only read. */
          rollback (self);
          ok = TRUE;
        }
      else
        ok = commit (self, error);
    }
  g_mutex_unlock (&self->mutex);

  if (!ok)
    return NULL;

  if (marked)
    {
      notify_later (self, TICKET_CHANGED, decision->ticket);
      notify_later (self, STATUS_CHANGED, NULL);
    }
  return g_steal_pointer (&decision);
}

static GateTicket *
record_online_locked (GateTicketCache       *self,
                      const char            *qr_token,
                      const char            *client_scan_id,
                      const GateScanAnswer  *answer,
                      GError               **error)
{
  g_autoptr(GateTicket) ticket = NULL;
  sqlite3_stmt *stmt;
  int rc;

  /* updated_at takes the server's time of the verdict: a refresh page that
   * was read before this scan must not turn the ticket back to valid. */
  stmt = prepare (self,
                  "UPDATE tickets SET status = ?2, scanned_at = coalesce(?3, scanned_at), "
                  "  scanned_device = coalesce(?4, scanned_device), "
                  "  updated_at = max(coalesce(updated_at, 0), coalesce(?5, 0)) "
                  "WHERE qr_token = ?1 RETURNING " TICKET_COLUMNS,
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, qr_token);
  bind_text (stmt, 2, answer->verdict == GATE_VERDICT_VOID ? "void" : "scanned");
  bind_time (stmt, 3, answer->scanned_at_us);
  bind_text (stmt, 4, answer->scanned_device);
  bind_time (stmt, 5, answer->server_time_us);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    ticket = ticket_from_row (stmt);
  while (rc == SQLITE_ROW)
    rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      fail (self, rc, "recording an online verdict", error);
      return NULL;
    }

  if (answer->verdict == GATE_VERDICT_ADMITTED && client_scan_id != NULL)
    {
      stmt = prepare (self,
                      "INSERT OR IGNORE INTO online_scans (client_scan_id, event_id, qr_token, ticket_id, scanned_at, "
                      "scanned_device, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                      error);
      if (stmt == NULL)
        return NULL;
      bind_text (stmt, 1, client_scan_id);
      bind_text (stmt, 2, ticket != NULL ? ticket->event_id : NULL);
      bind_text (stmt, 3, qr_token);
      bind_text (stmt, 4, answer->ticket_id != NULL ? answer->ticket_id : ticket != NULL ? ticket->id : NULL);
      bind_time (stmt, 5, answer->scanned_at_us);
      bind_text (stmt, 6, answer->scanned_device);
      sqlite3_bind_int64 (stmt, 7, g_get_real_time ());
      if (!step_done (self, stmt, "remembering an online scan", error))
        return NULL;
    }

  /* A ticket we do not cache yet still counts as "no change" for signals. */
  if (ticket == NULL)
    ticket = gate_ticket_new ();
  return g_steal_pointer (&ticket);
}

/**
 * gate_ticket_cache_record_online:
 * @client_scan_id: (nullable): the scan's id; remembered for an admit
 * @answer: what scan_ticket answered
 *
 * Teaches the cache an online verdict early (before the next refresh), so
 * that a later offline decision is right: admitted and already_scanned mark
 * the ticket scanned with the server's time and device, void marks it void.
 * Other verdicts change nothing.
 */
gboolean
gate_ticket_cache_record_online (GateTicketCache       *self,
                                 const char            *qr_token,
                                 const char            *client_scan_id,
                                 const GateScanAnswer  *answer,
                                 GError               **error)
{
  g_autoptr(GateTicket) ticket = NULL;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (qr_token != NULL && answer != NULL, FALSE);

  if (answer->verdict != GATE_VERDICT_ADMITTED && answer->verdict != GATE_VERDICT_ALREADY_SCANNED &&
      answer->verdict != GATE_VERDICT_VOID)
    return TRUE;

  g_mutex_lock (&self->mutex);
  if (begin (self, error))
    {
      ticket = record_online_locked (self, qr_token, client_scan_id, answer, error);
      if (ticket == NULL)
        rollback (self);
      else if (!commit (self, error))
        g_clear_pointer (&ticket, gate_ticket_free);
    }
  g_mutex_unlock (&self->mutex);

  if (ticket == NULL)
    return FALSE;

  if (ticket->id != NULL)
    {
      notify_later (self, TICKET_CHANGED, ticket);
      notify_later (self, STATUS_CHANGED, NULL);
    }
  return TRUE;
}

/* --- refresh ---------------------------------------------------------------------- */

/* The same code re-issued by the server under a new ticket id: the old row
 * takes the new id (keeping any unconfirmed local scan) so the page applies
 * instead of failing on the unique code forever. */
static gboolean
rekey_reissued (GateTicketCache   *self,
                const GateTicket  *ticket,
                GError           **error)
{
  sqlite3_stmt *stmt = prepare (self, "UPDATE OR REPLACE tickets SET id = ?1 WHERE qr_token = ?2 AND id <> ?1",
                                error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, ticket->id);
  bind_text (stmt, 2, ticket->qr_token);
  return step_done (self, stmt, "re-keying a re-issued ticket", error);
}

static gboolean
apply_page_locked (GateTicketCache       *self,
                   const char            *event_id,
                   const GateTicketPage  *page,
                   GError               **error)
{
  gint64 now = g_get_real_time ();
  sqlite3_stmt *stmt;
  gboolean from_scratch;
  int rc;

  stmt = prepare (self, "INSERT OR IGNORE INTO events (id) VALUES (?)", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, event_id);
  if (!step_done (self, stmt, "recording the event", error))
    return FALSE;

  stmt = prepare (self, "SELECT cursor IS NULL FROM events WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, event_id);
  rc = sqlite3_step (stmt);
  from_scratch = rc == SQLITE_ROW && sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return fail (self, rc, "reading the refresh cursor", error);

  stmt = prepare (self, UPSERT_TICKET_SQL, error);
  if (stmt == NULL)
    return FALSE;

  for (guint i = 0; i < page->tickets->len; i++)
    {
      const GateTicket *ticket = g_ptr_array_index (page->tickets, i);

      if (ticket->id == NULL || ticket->qr_token == NULL)
        {
          g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "a refreshed ticket has no id or code");
          return FALSE;
        }

      for (guint attempt = 0; ; attempt++)
        {
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
          rc = sqlite3_step (stmt);
          sqlite3_reset (stmt);

          if (rc == SQLITE_DONE)
            break;
          if (rc != SQLITE_CONSTRAINT_UNIQUE || attempt > 0)
            return fail (self, rc, "storing a ticket", error);
          if (!rekey_reissued (self, ticket, error))
            return FALSE;
        }
    }

  /* The cursor goes with its page: a crash resumes after the last whole page. */
  stmt = prepare (self,
                  "UPDATE events SET cursor = coalesce(?2, cursor), last_refresh_at = ?3, "
                  "  last_full_refresh_at = CASE WHEN ?4 THEN ?3 ELSE last_full_refresh_at END "
                  "WHERE id = ?1",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, event_id);
  bind_text (stmt, 2, page->next_cursor);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_int (stmt, 4, from_scratch);
  return step_done (self, stmt, "saving the refresh cursor", error);
}

/**
 * gate_ticket_cache_apply_page:
 * @page: one page of tickets_changed_since for @event_id
 *
 * Stores the page and its next_cursor in one transaction: after a crash the
 * download resumes after the last whole page. A ticket this device admitted
 * offline keeps its scan until the server has answered for it.
 */
gboolean
gate_ticket_cache_apply_page (GateTicketCache       *self,
                              const char            *event_id,
                              const GateTicketPage  *page,
                              GError               **error)
{
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (event_id != NULL && page != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  if (begin (self, error))
    {
      if (apply_page_locked (self, event_id, page, error))
        ok = commit (self, error);
      else
        rollback (self);
    }
  g_mutex_unlock (&self->mutex);

  if (ok)
    notify_later (self, STATUS_CHANGED, NULL);
  return ok;
}

/* Returns: (nullable): where the next delta download starts; NULL for a
 * download from scratch. */
char *
gate_ticket_cache_dup_cursor (GateTicketCache *self,
                              const char      *event_id)
{
  sqlite3_stmt *stmt;
  char *cursor = NULL;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

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

/* A full resync: the next download starts from scratch and upserts over the
 * cached tickets, which stay usable meanwhile. */
gboolean
gate_ticket_cache_reset_cursor (GateTicketCache  *self,
                                const char       *event_id,
                                GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);

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

/**
 * gate_ticket_cache_pending_scans:
 * @limit: at most this many, and never more than 500
 *
 * Returns: (transfer container) (element-type GateQueuedScan): the oldest
 *   scans the server has not answered for yet
 */
GPtrArray *
gate_ticket_cache_pending_scans (GateTicketCache  *self,
                                 guint             limit,
                                 GError          **error)
{
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_queued_scan_free);
  sqlite3_stmt *stmt;
  int rc = SQLITE_DONE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

  g_mutex_lock (&self->mutex);
  stmt = prepare (self,
                  "SELECT client_scan_id, event_id, qr_token, ticket_id, scanned_at, clock_offset_ms, "
                  "scanned_by, scan_method, attempts, last_error, device_id FROM scan_queue "
                  "WHERE state = 'pending' ORDER BY scanned_at, rowid LIMIT ?",
                  error);
  if (stmt != NULL)
    {
      sqlite3_bind_int (stmt, 1, MIN (limit, UPLOAD_BATCH_MAX));
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
      if (rc != SQLITE_DONE)
        fail (self, rc, "reading the upload queue", error);
    }
  g_mutex_unlock (&self->mutex);

  if (stmt == NULL || rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&scans);
}

gint64
gate_ticket_cache_pending_count (GateTicketCache *self)
{
  sqlite3_stmt *stmt;
  gint64 count = 0;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), 0);

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
record_local_conflict (GateTicketCache         *self,
                       const GateUploadResult  *result,
                       gint64                   now,
                       GError                 **error)
{
  sqlite3_stmt *stmt;

  /* Our side of the conflict; the server's row (with both sides and its id)
   * replaces it when the conflicts are next downloaded. */
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
                  "FROM scan_queue q LEFT JOIN tickets t ON t.qr_token = q.qr_token WHERE q.client_scan_id = ?1",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, result->client_scan_id);
  sqlite3_bind_int (stmt, 2, result->outcome == GATE_UPLOAD_WON_CONFLICT);
  bind_text (stmt, 3, result->winner_device);
  bind_time (stmt, 4, result->winner_time_us);
  sqlite3_bind_int64 (stmt, 5, result->server_time_us != 0 ? result->server_time_us : now);
  return step_done (self, stmt, "recording a conflict", error);
}

static gboolean
apply_upload_results_locked (GateTicketCache  *self,
                             GPtrArray        *results,
                             GPtrArray        *changed,
                             gboolean         *conflicts,
                             GError          **error)
{
  gint64 now = g_get_real_time ();
  sqlite3_stmt *stmt;

  for (guint i = 0; i < results->len; i++)
    {
      const GateUploadResult *result = g_ptr_array_index (results, i);
      const char *outcome = gate_upload_outcome_to_string (result->outcome);
      int rc;

      /* Only the first answer counts: a result for a scan already answered
       * (a duplicate in the batch, a late retry) changes nothing. */
      stmt = prepare (self,
                      "UPDATE scan_queue SET state = 'answered', outcome = ?2, replayed = ?3, answered_at = ?4 "
                      "WHERE client_scan_id = ?1 AND state = 'pending'",
                      error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, result->client_scan_id);
      bind_text (stmt, 2, outcome);
      sqlite3_bind_int (stmt, 3, result->replayed);
      sqlite3_bind_int64 (stmt, 4, now);
      if (!step_done (self, stmt, "recording an upload answer", error))
        return FALSE;
      if (sqlite3_changes (self->db) == 0)
        continue;

      /* The server has decided: from now on a refresh may overwrite the
       * ticket. A lost conflict shows the winner's gate and time at once. */
      stmt = prepare (self,
                      "UPDATE tickets SET local_scan_id = NULL, "
                      "  status = CASE ?2 WHEN 'void' THEN 'void' ELSE status END, "
                      "  scanned_device = CASE ?2 WHEN 'lost_conflict' THEN coalesce(?3, scanned_device) "
                      "                   ELSE scanned_device END, "
                      "  scanned_at = CASE ?2 WHEN 'lost_conflict' THEN coalesce(?4, scanned_at) ELSE scanned_at END "
                      "WHERE local_scan_id = ?1 RETURNING " TICKET_COLUMNS,
                      error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, result->client_scan_id);
      bind_text (stmt, 2, outcome);
      bind_text (stmt, 3, result->winner_device);
      bind_time (stmt, 4, result->winner_time_us);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        if (result->outcome == GATE_UPLOAD_LOST_CONFLICT || result->outcome == GATE_UPLOAD_VOID)
          g_ptr_array_add (changed, ticket_from_row (stmt));
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return fail (self, rc, "confirming a ticket", error);

      if (result->outcome == GATE_UPLOAD_WON_CONFLICT || result->outcome == GATE_UPLOAD_LOST_CONFLICT)
        {
          if (!record_local_conflict (self, result, now, error))
            return FALSE;
          *conflicts = TRUE;
        }
    }

  stmt = prepare (self,
                  "UPDATE events SET last_upload_at = ?1 WHERE id IN "
                  "(SELECT event_id FROM scan_queue WHERE state = 'answered' AND answered_at = ?1)",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  return step_done (self, stmt, "recording the upload time", error);
}

/**
 * gate_ticket_cache_apply_upload_results:
 * @results: (element-type GateUploadResult): the server's answers
 *
 * In one transaction, every answered scan leaves the queue with its outcome
 * kept; conflicts are noted locally. Scans without an answer stay queued.
 */
gboolean
gate_ticket_cache_apply_upload_results (GateTicketCache  *self,
                                        GPtrArray        *results,
                                        GError          **error)
{
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_ticket_free);
  gboolean conflicts = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (results != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  if (begin (self, error))
    {
      if (apply_upload_results_locked (self, results, changed, &conflicts, error))
        ok = commit (self, error);
      else
        rollback (self);
    }
  g_mutex_unlock (&self->mutex);

  if (!ok)
    return FALSE;

  notify_tickets_later (self, changed);
  notify_later (self, STATUS_CHANGED, NULL);
  if (conflicts)
    notify_later (self, CONFLICTS_CHANGED, NULL);
  return TRUE;
}

/**
 * gate_ticket_cache_record_upload_failure:
 * @client_scan_ids: (element-type utf8): the scans of the failed batch
 *
 * Counts a failed attempt; the scans stay queued for the next one, however
 * many fail (defect 3 of the original).
 */
gboolean
gate_ticket_cache_record_upload_failure (GateTicketCache  *self,
                                         GPtrArray        *client_scan_ids,
                                         const char       *message,
                                         GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (client_scan_ids != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  if (begin (self, error))
    {
      ok = TRUE;
      for (guint i = 0; ok && i < client_scan_ids->len; i++)
        {
          stmt = prepare (self,
                          "UPDATE scan_queue SET attempts = attempts + 1, last_error = ?2 "
                          "WHERE client_scan_id = ?1 AND state = 'pending'",
                          error);
          ok = stmt != NULL;
          if (ok)
            {
              bind_text (stmt, 1, g_ptr_array_index (client_scan_ids, i));
              bind_text (stmt, 2, message);
              ok = step_done (self, stmt, "recording an upload failure", error);
            }
        }
      if (ok)
        ok = commit (self, error);
      else
        rollback (self);
    }
  g_mutex_unlock (&self->mutex);

  if (ok)
    notify_later (self, STATUS_CHANGED, NULL);
  return ok;
}

/* --- conflicts ---------------------------------------------------------------------- */

static GPtrArray *
list_conflicts_locked (GateTicketCache  *self,
                       const char       *event_id,
                       gboolean          include_reviewed,
                       GError          **error)
{
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = prepare (self,
                  "SELECT coalesce(server_id, 0), event_id, ticket_id, qr_token, guest_name, ticket_type, "
                  "winner_device, winner_time, winner_scan_id, loser_device, loser_time, loser_scan_id, "
                  "detected_at, reviewed_at, reviewed_by, review_note FROM conflicts "
                  "WHERE (?1 IS NULL OR event_id = ?1) AND (?2 OR reviewed_at IS NULL) "
                  "ORDER BY detected_at DESC, id DESC",
                  error);
  if (stmt == NULL)
    return NULL;

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

  if (rc != SQLITE_DONE)
    {
      fail (self, rc, "listing conflicts", error);
      return NULL;
    }
  return g_steal_pointer (&conflicts);
}

/**
 * gate_ticket_cache_list_conflicts:
 * @event_id: (nullable): one event, or all
 *
 * Returns: (transfer container) (element-type GateConflict): newest first;
 *   a conflict only known locally has id 0
 */
GPtrArray *
gate_ticket_cache_list_conflicts (GateTicketCache  *self,
                                  const char       *event_id,
                                  gboolean          include_reviewed,
                                  GError          **error)
{
  GPtrArray *conflicts;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

  g_mutex_lock (&self->mutex);
  conflicts = list_conflicts_locked (self, event_id, include_reviewed, error);
  g_mutex_unlock (&self->mutex);
  return conflicts;
}

static gboolean
store_conflicts_locked (GateTicketCache  *self,
                        GPtrArray        *conflicts,
                        GError          **error)
{
  sqlite3_stmt *stmt;

  for (guint i = 0; i < conflicts->len; i++)
    {
      const GateConflict *conflict = g_ptr_array_index (conflicts, i);

      if (conflict->id <= 0)
        {
          g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "a conflict from the server has no id");
          return FALSE;
        }

      /* The server's row replaces what we noted locally for the same scans. */
      stmt = prepare (self,
                      "DELETE FROM conflicts WHERE server_id IS NULL "
                      "AND (winner_scan_id IN (?1, ?2) OR loser_scan_id IN (?1, ?2))",
                      error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, conflict->winner_scan_id);
      bind_text (stmt, 2, conflict->loser_scan_id);
      if (!step_done (self, stmt, "merging conflicts", error))
        return FALSE;

      stmt = prepare (self,
                      "INSERT INTO conflicts (server_id, event_id, ticket_id, qr_token, guest_name, ticket_type, "
                      "winner_device, winner_time, winner_scan_id, loser_device, loser_time, loser_scan_id, "
                      "detected_at, reviewed_at, reviewed_by, review_note) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
                      "ON CONFLICT (server_id) DO UPDATE SET "
                      "  reviewed_at = coalesce(excluded.reviewed_at, conflicts.reviewed_at), "
                      "  reviewed_by = coalesce(excluded.reviewed_by, conflicts.reviewed_by), "
                      "  review_note = coalesce(excluded.review_note, conflicts.review_note)",
                      error);
      if (stmt == NULL)
        return FALSE;
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
        return FALSE;
    }

  return TRUE;
}

/**
 * gate_ticket_cache_store_conflicts:
 * @conflicts: (element-type GateConflict): conflicts from the server, each
 *   with its server id
 *
 * Upserts by server id; a local note of the same scans is replaced. A review
 * known locally is never undone by an older server answer.
 */
gboolean
gate_ticket_cache_store_conflicts (GateTicketCache  *self,
                                   GPtrArray        *conflicts,
                                   GError          **error)
{
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (conflicts != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  if (begin (self, error))
    {
      if (store_conflicts_locked (self, conflicts, error))
        ok = commit (self, error);
      else
        rollback (self);
    }
  g_mutex_unlock (&self->mutex);

  if (ok)
    notify_later (self, CONFLICTS_CHANGED, NULL);
  return ok;
}

/**
 * gate_ticket_cache_mark_conflict_reviewed:
 * @server_id: the conflict's id on the server
 * @reviewed_at_us: when; 0 for now
 *
 * Notes a review the server accepted (review_conflict). Unknown ids are an
 * error: the list shown to the supervisor came from this cache.
 */
gboolean
gate_ticket_cache_mark_conflict_reviewed (GateTicketCache  *self,
                                          gint64            server_id,
                                          const char       *reviewed_by,
                                          const char       *note,
                                          gint64            reviewed_at_us,
                                          GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;
  gboolean found = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);

  g_mutex_lock (&self->mutex);
  stmt = prepare (self,
                  "UPDATE conflicts SET reviewed_at = ?2, reviewed_by = ?3, review_note = ?4 WHERE server_id = ?1",
                  error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, server_id);
      sqlite3_bind_int64 (stmt, 2, reviewed_at_us != 0 ? reviewed_at_us : g_get_real_time ());
      bind_text (stmt, 3, reviewed_by);
      bind_text (stmt, 4, note);
      ok = step_done (self, stmt, "marking a conflict reviewed", error);
      found = ok && sqlite3_changes (self->db) > 0;
    }
  g_mutex_unlock (&self->mutex);

  if (ok && !found)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND, "no conflict %" G_GINT64_FORMAT " in the cache",
                   server_id);
      return FALSE;
    }
  if (ok)
    notify_later (self, CONFLICTS_CHANGED, NULL);
  return ok;
}

/* --- metadata ------------------------------------------------------------------------ */

gboolean
gate_ticket_cache_set_event (GateTicketCache         *self,
                             const GateEventSummary  *summary,
                             GError                 **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (summary != NULL && summary->event_id != NULL, FALSE);

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

/**
 * gate_ticket_cache_get_event:
 *
 * Returns: (nullable): the event as event_summary last described it; NULL
 *   without error if the cache has never heard of it
 */
GateEventSummary *
gate_ticket_cache_get_event (GateTicketCache  *self,
                             const char       *event_id,
                             GError          **error)
{
  g_autoptr(GateEventSummary) summary = NULL;
  sqlite3_stmt *stmt;
  int rc = SQLITE_DONE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  g_return_val_if_fail (event_id != NULL, NULL);

  g_mutex_lock (&self->mutex);
  stmt = prepare (self, "SELECT name, starts_at, ticket_count, scanned_count FROM events WHERE id = ?", error);
  if (stmt != NULL)
    {
      bind_text (stmt, 1, event_id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          summary = gate_event_summary_new ();
          summary->event_id = g_strdup (event_id);
          summary->name = column_dup (stmt, 0);
          summary->starts_at_us = sqlite3_column_int64 (stmt, 1);
          summary->ticket_count = sqlite3_column_int64 (stmt, 2);
          summary->scanned_count = sqlite3_column_int64 (stmt, 3);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        fail (self, rc, "reading the event", error);
    }
  g_mutex_unlock (&self->mutex);

  return g_steal_pointer (&summary);
}

static gint64
clock_offset_locked (GateTicketCache *self)
{
  sqlite3_stmt *stmt;

  if (self->offset_known)
    return self->clock_offset_ms;

  stmt = prepare (self, "SELECT value FROM settings WHERE key = 'clock_offset_ms'", NULL);
  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      self->clock_offset_ms = g_ascii_strtoll ((const char *) sqlite3_column_text (stmt, 0), NULL, 10);
      self->persisted_offset_ms = self->clock_offset_ms;
      self->offset_known = TRUE;
    }
  sqlite3_reset (stmt);
  return self->clock_offset_ms;
}

/**
 * gate_ticket_cache_set_clock_offset:
 * @offset_ms: server − device, as just measured
 *
 * The new value is used at once; it reaches the disk when it differs from
 * the stored one by more than network jitter, so that the many calls (one
 * per server answer) cost no fsync.
 */
gboolean
gate_ticket_cache_set_clock_offset (GateTicketCache  *self,
                                    gint64            offset_ms,
                                    GError          **error)
{
  g_autofree char *value = g_strdup_printf ("%" G_GINT64_FORMAT, offset_ms);
  sqlite3_stmt *stmt;
  gboolean ok = TRUE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);

  g_mutex_lock (&self->mutex);
  clock_offset_locked (self);
  if (!self->offset_known || ABS (offset_ms - self->persisted_offset_ms) >= OFFSET_PERSIST_MS)
    {
      stmt = prepare (self, "INSERT OR REPLACE INTO settings (key, value) VALUES ('clock_offset_ms', ?)", error);
      ok = stmt != NULL;
      if (ok)
        {
          bind_text (stmt, 1, value);
          ok = step_done (self, stmt, "storing the clock offset", error);
        }
      if (ok)
        self->persisted_offset_ms = offset_ms;
    }
  if (ok)
    {
      self->clock_offset_ms = offset_ms;
      self->offset_known = TRUE;
    }
  g_mutex_unlock (&self->mutex);
  return ok;
}

gint64
gate_ticket_cache_get_clock_offset (GateTicketCache *self)
{
  gint64 offset;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), 0);

  g_mutex_lock (&self->mutex);
  offset = clock_offset_locked (self);
  g_mutex_unlock (&self->mutex);
  return offset;
}

gint64
gate_ticket_cache_get_last_refresh (GateTicketCache *self,
                                    const char      *event_id)
{
  sqlite3_stmt *stmt;
  gint64 last_refresh = 0;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), 0);

  g_mutex_lock (&self->mutex);
  stmt = prepare (self, "SELECT last_refresh_at FROM events WHERE id = ?", NULL);
  if (stmt != NULL)
    {
      bind_text (stmt, 1, event_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        last_refresh = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
  g_mutex_unlock (&self->mutex);
  return last_refresh;
}

static GateCacheStatus *
status_locked (GateTicketCache  *self,
               const char       *event_id,
               GError          **error)
{
  g_autoptr(GateCacheStatus) status = g_new0 (GateCacheStatus, 1);
  sqlite3_stmt *stmt;
  int rc;

  stmt = prepare (self,
                  "SELECT e.name, e.starts_at, e.last_refresh_at, e.last_full_refresh_at, e.last_upload_at, "
                  "  (SELECT count(*) FROM tickets t WHERE t.event_id = ?1), "
                  "  (SELECT count(*) FROM tickets t WHERE t.event_id = ?1 AND t.status = 'scanned'), "
                  "  (SELECT count(*) FROM scan_queue q WHERE q.state = 'pending' AND q.event_id = ?1) "
                  "FROM (SELECT ?1 AS id) AS wanted LEFT JOIN events e ON e.id = wanted.id",
                  error);
  if (stmt == NULL)
    return NULL;

  bind_text (stmt, 1, event_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      status->event_id = g_strdup (event_id);
      status->event_name = column_dup (stmt, 0);
      status->event_starts_at_us = sqlite3_column_int64 (stmt, 1);
      status->last_refresh_at_us = sqlite3_column_int64 (stmt, 2);
      status->last_full_refresh_at_us = sqlite3_column_int64 (stmt, 3);
      status->last_upload_at_us = sqlite3_column_int64 (stmt, 4);
      status->tickets_cached = sqlite3_column_int64 (stmt, 5);
      status->checked_in = sqlite3_column_int64 (stmt, 6);
      status->pending_uploads = sqlite3_column_int64 (stmt, 7);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW)
    {
      fail (self, rc, "reading the cache status", error);
      return NULL;
    }

  status->clock_offset_ms = clock_offset_locked (self);
  return g_steal_pointer (&status);
}

/* Returns: the figures of the status panel for @event_id (zeros and no
 * name for an event the cache does not know). */
GateCacheStatus *
gate_ticket_cache_get_status (GateTicketCache  *self,
                              const char       *event_id,
                              GError          **error)
{
  GateCacheStatus *status;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  g_return_val_if_fail (event_id != NULL, NULL);

  g_mutex_lock (&self->mutex);
  status = status_locked (self, event_id, error);
  g_mutex_unlock (&self->mutex);
  return status;
}

static GArray *
arrivals_locked (GateTicketCache  *self,
                 const char       *event_id,
                 gint64            width_us,
                 gint64            since_us,
                 GError          **error)
{
  g_autoptr(GArray) buckets = g_array_new (FALSE, TRUE, sizeof (GateArrivalBucket));
  sqlite3_stmt *stmt;
  int rc;

  /* Every scan the cache knows of, ours and other gates' (from refreshes),
   * in epoch-aligned buckets so charts of two kiosks line up. */
  stmt = prepare (self,
                  "SELECT scanned_at / ?2, count(*) FROM tickets "
                  "WHERE event_id = ?1 AND status = 'scanned' AND scanned_at >= ?3 "
                  "GROUP BY 1 ORDER BY 1",
                  error);
  if (stmt == NULL)
    return NULL;

  bind_text (stmt, 1, event_id);
  sqlite3_bind_int64 (stmt, 2, width_us);
  sqlite3_bind_int64 (stmt, 3, since_us);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 start = sqlite3_column_int64 (stmt, 0) * width_us;
      GateArrivalBucket bucket = { start, (guint) sqlite3_column_int64 (stmt, 1) };

      /* Empty buckets in between are drawn as zeros, not skipped. */
      if (buckets->len > 0)
        {
          gint64 next = g_array_index (buckets, GateArrivalBucket, buckets->len - 1).start_us + width_us;

          for (; next < start; next += width_us)
            {
              GateArrivalBucket empty = { next, 0 };

              g_array_append_val (buckets, empty);
            }
        }
      g_array_append_val (buckets, bucket);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      fail (self, rc, "counting arrivals", error);
      return NULL;
    }
  return g_steal_pointer (&buckets);
}

/**
 * gate_ticket_cache_arrivals:
 * @bucket_minutes: width of a bucket (≥ 1)
 * @since_us: only scans from then on; 0 for all
 *
 * Returns: (transfer full) (element-type GateArrivalBucket): contiguous
 *   buckets from the first scan to the last, empty ones included
 */
GArray *
gate_ticket_cache_arrivals (GateTicketCache  *self,
                            const char       *event_id,
                            guint             bucket_minutes,
                            gint64            since_us,
                            GError          **error)
{
  GArray *buckets;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  g_return_val_if_fail (event_id != NULL && bucket_minutes > 0, NULL);

  g_mutex_lock (&self->mutex);
  buckets = arrivals_locked (self, event_id, bucket_minutes * G_TIME_SPAN_MINUTE, since_us, error);
  g_mutex_unlock (&self->mutex);
  return buckets;
}

/* --- retention ------------------------------------------------------------------------- */

static gboolean
purge_locked (GateTicketCache  *self,
              gint64            now_us,
              gboolean         *purged_tickets,
              gboolean         *purged_conflicts,
              GError          **error)
{
  gint64 horizon = now_us - GATE_CACHE_RETENTION_US;
  sqlite3_stmt *stmt;

  stmt = prepare (self, "DELETE FROM scan_queue WHERE state = 'answered' AND answered_at < ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!step_done (self, stmt, "purging uploaded scans", error))
    return FALSE;

  stmt = prepare (self, "DELETE FROM online_scans WHERE recorded_at < ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!step_done (self, stmt, "purging online scans", error))
    return FALSE;

  /* Attendee names go 24 h after the last refresh, but never while a scan
   * of that event still waits for the server. */
  stmt = prepare (self,
                  "DELETE FROM tickets WHERE event_id IN (SELECT e.id FROM events e "
                  "WHERE coalesce(e.last_refresh_at, 0) < ?1 "
                  "AND NOT EXISTS (SELECT 1 FROM scan_queue q WHERE q.state = 'pending' AND q.event_id = e.id))",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!step_done (self, stmt, "purging attendee data", error))
    return FALSE;
  *purged_tickets = sqlite3_changes (self->db) > 0;

  /* Without its tickets the event must be downloaded from scratch. */
  stmt = prepare (self,
                  "UPDATE events SET cursor = NULL WHERE coalesce(last_refresh_at, 0) < ?1 "
                  "AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.event_id = events.id)",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!step_done (self, stmt, "resetting purged events", error))
    return FALSE;

  /* Conflicts stay until a supervisor has reviewed them, then a day more. */
  stmt = prepare (self, "DELETE FROM conflicts WHERE reviewed_at IS NOT NULL AND reviewed_at < ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!step_done (self, stmt, "purging reviewed conflicts", error))
    return FALSE;
  *purged_conflicts = sqlite3_changes (self->db) > 0;

  return TRUE;
}

/**
 * gate_ticket_cache_purge:
 * @now_us: the current time (a parameter so retention can be tested)
 *
 * Retention (DESIGN.md §5.7): answered scans after 24 h; the tickets
 * (attendee names) of an event 24 h after its last refresh unless some of
 * its scans still wait for upload; reviewed conflicts 24 h after review.
 */
gboolean
gate_ticket_cache_purge (GateTicketCache  *self,
                         gint64            now_us,
                         GError          **error)
{
  gboolean purged_tickets = FALSE;
  gboolean purged_conflicts = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);

  g_mutex_lock (&self->mutex);
  if (begin (self, error))
    {
      if (purge_locked (self, now_us, &purged_tickets, &purged_conflicts, error))
        ok = commit (self, error);
      else
        rollback (self);
    }
  g_mutex_unlock (&self->mutex);

  if (ok && purged_tickets)
    notify_later (self, STATUS_CHANGED, NULL);
  if (ok && purged_conflicts)
    notify_later (self, CONFLICTS_CHANGED, NULL);
  return ok;
}

/**
 * gate_ticket_cache_wipe:
 *
 * Forgets everything, queued scans included: for a device whose token the
 * server has revoked.
 */
gboolean
gate_ticket_cache_wipe (GateTicketCache  *self,
                        GError          **error)
{
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);

  g_mutex_lock (&self->mutex);
  if (begin (self, error))
    {
      if (exec (self,
                "DELETE FROM tickets; DELETE FROM scan_queue; DELETE FROM online_scans; DELETE FROM conflicts; "
                "DELETE FROM events; DELETE FROM settings;",
                "wiping the cache", error))
        ok = commit (self, error);
      else
        rollback (self);
    }
  /* The WAL still holds the old pages, names and all, until a checkpoint
   * copies the zeroed ones into the file; then it is cut to nothing. Best
   * effort: another process reading the cache may hold the WAL, and the
   * wipe itself is done either way. */
  if (ok)
    exec (self, "PRAGMA wal_checkpoint(TRUNCATE)", "checkpointing the wiped cache", NULL);
  if (ok)
    {
      self->offset_known = FALSE;
      self->clock_offset_ms = 0;
      self->persisted_offset_ms = 0;
    }
  g_mutex_unlock (&self->mutex);

  if (ok)
    {
      notify_later (self, STATUS_CHANGED, NULL);
      notify_later (self, CONFLICTS_CHANGED, NULL);
    }
  return ok;
}

/* --- asynchronous variants for the UI ----------------------------------------------------- */

typedef struct
{
  char    *event_id;
  char    *text;
  guint    limit;
  gboolean include_reviewed;
  guint    bucket_minutes;
  gint64   since_us;
} Query;

static void
query_free (gpointer data)
{
  Query *query = data;

  g_free (query->event_id);
  g_free (query->text);
  g_free (query);
}

static GTask *
query_task_new (GateTicketCache     *self,
                gpointer             source_tag,
                const char          *event_id,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                Query              **query)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_return_on_cancel (task, TRUE);
  *query = g_new0 (Query, 1);
  (*query)->event_id = g_strdup (event_id);
  g_task_set_task_data (task, *query, query_free);
  return task;
}

static void
search_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  Query *query = task_data;
  GError *error = NULL;
  GPtrArray *found = gate_ticket_cache_search (source_object, query->event_id, query->text, query->limit, &error);

  if (found == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, found, (GDestroyNotify) g_ptr_array_unref);
}

void
gate_ticket_cache_search_async (GateTicketCache     *self,
                                const char          *event_id,
                                const char          *text,
                                guint                limit,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Query *query;

  g_return_if_fail (GATE_IS_TICKET_CACHE (self));
  g_return_if_fail (event_id != NULL);

  task = query_task_new (self, gate_ticket_cache_search_async, event_id, cancellable, callback, user_data, &query);
  query->text = g_strdup (text);
  query->limit = limit;
  g_task_run_in_thread (task, search_in_thread);
}

GPtrArray *
gate_ticket_cache_search_finish (GateTicketCache  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_ticket_cache_search_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
list_conflicts_in_thread (GTask        *task,
                          gpointer      source_object,
                          gpointer      task_data,
                          GCancellable *cancellable)
{
  Query *query = task_data;
  GError *error = NULL;
  GPtrArray *conflicts = gate_ticket_cache_list_conflicts (source_object, query->event_id, query->include_reviewed,
                                                           &error);

  if (conflicts == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, conflicts, (GDestroyNotify) g_ptr_array_unref);
}

void
gate_ticket_cache_list_conflicts_async (GateTicketCache     *self,
                                        const char          *event_id,
                                        gboolean             include_reviewed,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Query *query;

  g_return_if_fail (GATE_IS_TICKET_CACHE (self));

  task = query_task_new (self, gate_ticket_cache_list_conflicts_async, event_id, cancellable, callback, user_data,
                         &query);
  query->include_reviewed = include_reviewed;
  g_task_run_in_thread (task, list_conflicts_in_thread);
}

GPtrArray *
gate_ticket_cache_list_conflicts_finish (GateTicketCache  *self,
                                         GAsyncResult     *result,
                                         GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_ticket_cache_list_conflicts_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
status_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  Query *query = task_data;
  GError *error = NULL;
  GateCacheStatus *status = gate_ticket_cache_get_status (source_object, query->event_id, &error);

  if (status == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, status, (GDestroyNotify) gate_cache_status_free);
}

void
gate_ticket_cache_get_status_async (GateTicketCache     *self,
                                    const char          *event_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Query *query;

  g_return_if_fail (GATE_IS_TICKET_CACHE (self));
  g_return_if_fail (event_id != NULL);

  task = query_task_new (self, gate_ticket_cache_get_status_async, event_id, cancellable, callback, user_data,
                         &query);
  g_task_run_in_thread (task, status_in_thread);
}

GateCacheStatus *
gate_ticket_cache_get_status_finish (GateTicketCache  *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_ticket_cache_get_status_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
arrivals_in_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  Query *query = task_data;
  GError *error = NULL;
  GArray *buckets = gate_ticket_cache_arrivals (source_object, query->event_id, query->bucket_minutes,
                                                query->since_us, &error);

  if (buckets == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, buckets, (GDestroyNotify) g_array_unref);
}

void
gate_ticket_cache_arrivals_async (GateTicketCache     *self,
                                  const char          *event_id,
                                  guint                bucket_minutes,
                                  gint64               since_us,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Query *query;

  g_return_if_fail (GATE_IS_TICKET_CACHE (self));
  g_return_if_fail (event_id != NULL && bucket_minutes > 0);

  task = query_task_new (self, gate_ticket_cache_arrivals_async, event_id, cancellable, callback, user_data,
                         &query);
  query->bucket_minutes = bucket_minutes;
  query->since_us = since_us;
  g_task_run_in_thread (task, arrivals_in_thread);
}

GArray *
gate_ticket_cache_arrivals_finish (GateTicketCache  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_ticket_cache_arrivals_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
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
  g_clear_pointer (&self->db, sqlite3_close_v2);
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
   *
   * A decision or a server answer changed one ticket. Refresh pages do not
   * emit it per ticket (a page is a thousand): they emit status-changed.
   */
  signals[TICKET_CHANGED] =
    g_signal_new ("ticket-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, GATE_TYPE_TICKET | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * GateTicketCache::status-changed:
   *
   * Counts, the queue or refresh/upload times changed: re-read the status.
   * At most one per main-loop iteration.
   */
  signals[STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * GateTicketCache::conflicts-changed:
   *
   * A conflict was noted, downloaded, reviewed or purged. At most one per
   * main-loop iteration.
   */
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
