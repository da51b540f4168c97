/* gate-ticket-cache-open.c — creating the file, applying migrations, opening
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gate-error.h"
#include "gate-ticket-cache-private.h"

#define MIGRATIONS_RESOURCE "/io/github/gatescanner/GateScanner/migrations/sqlite"
#define BUSY_TIMEOUT_MS     10000
/* SQLite's own threshold for its automatic checkpoint. */
#define CHECKPOINT_FRAMES   1000

/* SQLite's automatic checkpoint (PASSIVE, past 1,000 frames) copies the
 * WAL into the database and leaves the WAL to be started over by this
 * connection's next write. `gatectl refresh` writes once and exits without
 * one: the next process rebuilt the WAL's index from the file, which does
 * not say what was copied, and copied all of it again at every commit
 * while the file only grew (7 MB after seven deltas at a million tickets,
 * each run a few ms slower). So the cache checkpoints with TRUNCATE at the
 * same threshold: the WAL is copied once and left empty on disk. A commit
 * never waits for it: with a reader or a writer of another process in the
 * way, it copies what it can as SQLite's own would, and a later commit
 * empties the WAL. */
static int
on_wal_commit (void       *user_data,
               sqlite3    *db,
               const char *name,
               int         frames)
{
  if (frames >= CHECKPOINT_FRAMES)
    {
      sqlite3_busy_timeout (db, 0);
      sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
      sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
    }
  return SQLITE_OK;
}

static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  g_autofree char *folder = g_path_get_dirname (path);
  int fd;

  /* A clean account has no $XDG_DATA_HOME/gate-scanner yet: the folder is
   * made on first use, private like the file (an existing one is left as
   * it is). */
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, GATE_ERROR, saved_errno == ENOSPC ? GATE_ERROR_DISK_FULL : GATE_ERROR_STORAGE,
                   "cannot create the folder %s for the cache: %s", folder, g_strerror (saved_errno));
      return FALSE;
    }

  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

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

  *version = 0;
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    return _gate_cache_fail (self, rc, "reading the cache schema version", error);
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

  if (!_gate_cache_begin (self, error))
    return FALSE;
  if (!read_user_version (self, &version, error))
    goto failed;
  if (version >= number)
    {
      _gate_cache_rollback (self);
      return TRUE;
    }
  if (!_gate_cache_exec (self, text, what, error) || !_gate_cache_exec (self, bump, what, error))
    goto failed;
  return _gate_cache_commit (self, error);

failed:
  _gate_cache_rollback (self);
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

/* SQLite counts every allocation of the process under one global mutex,
 * for sqlite3_memory_used(), which nothing here reads: storing a page of a
 * thousand tickets took and released it tens of thousands of times. It can
 * only be turned off before SQLite starts; if something in the process
 * started it first, the counting stays, which costs time, not correctness. */
static void
configure_sqlite_once (void)
{
  static gsize configured;

  if (g_once_init_enter (&configured))
    {
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
      g_once_init_leave (&configured, 1);
    }
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

  configure_sqlite_once ();
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
  sqlite3_wal_hook (self->db, on_wal_commit, NULL);

  /* Durable before shown: with synchronous=FULL every COMMIT has reached
   * the disk when it returns. */
  if (!_gate_cache_exec (self, "PRAGMA journal_mode = WAL", "switching the cache to WAL", error) ||
      !_gate_cache_exec (self, "PRAGMA synchronous = FULL", "making the cache durable", error) ||
      /* A checkpointed WAL shrinks back to this instead of keeping the
       * size of the largest transaction it ever held. */
      !_gate_cache_exec (self, "PRAGMA journal_size_limit = 4194304", "configuring the cache", error) ||
      !_gate_cache_exec (self, "PRAGMA foreign_keys = ON", "configuring the cache", error) ||
      /* Deleted rows are overwritten with zeros, not left in free pages:
       * purged and wiped attendee data must not stay readable on disk. */
      !_gate_cache_exec (self, "PRAGMA secure_delete = ON", "configuring the cache", error) ||
      /* ticket_counts' triggers must also see the rows that UPDATE OR
       * REPLACE removes (migrations/sqlite/0003). */
      !_gate_cache_exec (self, "PRAGMA recursive_triggers = ON", "configuring the cache", error) ||
      !_gate_cache_register_functions (self, error) ||
      !migrate (self, error) ||
      !_gate_cache_ensure_code_index_locked (self, error) ||
      !_gate_cache_load_device_names (self, error))
    return FALSE;

  return tighten_companion (self->path, "-wal", error) && tighten_companion (self->path, "-shm", error);
}

void
_gate_ticket_cache_initable_iface_init (GInitableIface *iface)
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
