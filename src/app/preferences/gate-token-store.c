/* gate-token-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every operation runs on a worker thread (the Secret Service and fsync can
 * both take their time) and comes back to the main context, where the
 * backend it found is recorded. The token file is written the way a crash
 * cannot leave half of it behind: a new private file (O_EXCL, O_NOFOLLOW, so
 * no one can have prepared it), fsync, rename over the old one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "gate-token-store.h"

#define SECRETS_BUS_NAME  "org.freedesktop.secrets"
#define TOKEN_GROUP       "device-token"
#define MAX_TOKEN_FILE    (64 * 1024)

struct _GateTokenStore
{
  GObject           parent_instance;

  GateTokenBackend  backend;
  char             *file_path;
};

G_DEFINE_TYPE (GateTokenStore, gate_token_store, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BACKEND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const SecretSchema token_schema = {
  "io.github.gatescanner.GateScanner.Token",
  SECRET_SCHEMA_NONE,
  {
    { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "device-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
  0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

typedef enum
{
  OPERATION_SAVE,
  OPERATION_LOAD,
  OPERATION_CLEAR,
} Operation;

typedef struct
{
  Operation         operation;
  GateTokenBackend  backend;     /* known before, or found by the worker */
  char             *file_path;
  char             *server;
  char             *device_id;
  char             *token;       /* wiped when freed */
} Job;

static void
wipe_string (char *secret)
{
  if (secret != NULL)
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
    }
}

static void
job_free (Job *job)
{
  g_free (job->file_path);
  g_free (job->server);
  g_free (job->device_id);
  wipe_string (job->token);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Job, job_free)

/* --- which backend ------------------------------------------------------------- */

/* Without a configured session bus GLib would try to autolaunch one through
 * X11, which a kiosk must not do just to learn there is no keyring. */
static gboolean
session_bus_configured (void)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autofree char *runtime_bus = NULL;

  if (address != NULL && *address != '\0')
    return TRUE;
  runtime_bus = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);
  return g_file_test (runtime_bus, G_FILE_TEST_EXISTS);
}

static gboolean
bus_name_answers (GDBusConnection *bus,
                  GCancellable    *cancellable)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) activatable = NULL;
  g_autoptr(GVariant) names = NULL;
  gboolean has_owner = FALSE;

  owned = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", SECRETS_BUS_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 2000, cancellable, NULL);
  if (owned != NULL)
    g_variant_get (owned, "(b)", &has_owner);
  if (has_owner)
    return TRUE;

  /* A keyring that starts on demand answers too. */
  activatable = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "ListActivatableNames", NULL,
                                             G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, 2000, cancellable,
                                             NULL);
  if (activatable == NULL)
    return FALSE;
  names = g_variant_get_child_value (activatable, 0);
  for (gsize i = 0; i < g_variant_n_children (names); i++)
    {
      g_autoptr(GVariant) name = g_variant_get_child_value (names, i);

      if (g_str_equal (g_variant_get_string (name, NULL), SECRETS_BUS_NAME))
        return TRUE;
    }
  return FALSE;
}

static GateTokenBackend
find_backend (GCancellable *cancellable)
{
  g_autoptr(GDBusConnection) bus = NULL;

  if (!session_bus_configured ())
    return GATE_TOKEN_BACKEND_FILE;
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, NULL);
  if (bus == NULL || !bus_name_answers (bus, cancellable))
    return GATE_TOKEN_BACKEND_FILE;
  return GATE_TOKEN_BACKEND_SECRET;
}

/* --- the private file ------------------------------------------------------------ */

static gboolean set_io_error (GError     **error,
                              int          saved_errno,
                              const char  *format,
                              ...) G_GNUC_PRINTF (3, 4);

static gboolean
set_io_error (GError     **error,
              int          saved_errno,
              const char  *format,
              ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", what, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
write_all (int          fd,
           const char  *data,
           gsize        size)
{
  while (size > 0)
    {
      ssize_t written = write (fd, data, size);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        return FALSE;
      data += written;
      size -= (gsize) written;
    }
  return TRUE;
}

/* The rename is durable only once the directory itself is synced. */
static void
sync_directory (const char *directory)
{
  int fd = open (directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

static gboolean
file_save (Job     *job,
           GError **error)
{
  g_autofree char *directory = g_path_get_dirname (job->file_path);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *temp_path = NULL;
  char *data;
  gsize size;
  int fd = -1;
  int saved_errno;

  if (g_mkdir_with_parents (directory, 0700) != 0)
    return set_io_error (error, errno, _("Could not create the folder %s"), directory);

  for (guint attempt = 0; fd < 0 && attempt < 16; attempt++)
    {
      g_free (temp_path);
      temp_path = g_strdup_printf ("%s.%08x", job->file_path, g_random_int ());
      fd = open (temp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0 && errno != EEXIST)
        break;
    }
  if (fd < 0)
    return set_io_error (error, errno, _("Could not create the token file %s"), job->file_path);

  g_key_file_set_string (key_file, TOKEN_GROUP, "server", job->server);
  g_key_file_set_string (key_file, TOKEN_GROUP, "device-id", job->device_id);
  g_key_file_set_string (key_file, TOKEN_GROUP, "token", job->token);
  data = g_key_file_to_data (key_file, &size, NULL);

  /* A umask can only take permissions away, but say exactly what we mean. */
  if (fchmod (fd, 0600) != 0 || !write_all (fd, data, size) || fsync (fd) != 0)
    {
      saved_errno = errno;
      explicit_bzero (data, size);
      g_free (data);
      close (fd);
      g_unlink (temp_path);
      return set_io_error (error, saved_errno, _("Could not write the token file %s"), job->file_path);
    }
  explicit_bzero (data, size);
  g_free (data);

  if (close (fd) != 0 || g_rename (temp_path, job->file_path) != 0)
    {
      saved_errno = errno;
      g_unlink (temp_path);
      return set_io_error (error, saved_errno, _("Could not write the token file %s"), job->file_path);
    }
  sync_directory (directory);
  return TRUE;
}

/* Returns TRUE with *@token NULL when there is no file or it holds the
 * token of another server or device. */
static gboolean
file_load (Job     *job,
           char   **token,
           GError **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *server = NULL;
  g_autofree char *device_id = NULL;
  struct stat st;
  char *data;
  gssize length;
  int fd;

  *token = NULL;
  fd = open (job->file_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return TRUE;
  if (fd < 0)
    return set_io_error (error, errno, _("Could not open the token file %s"), job->file_path);

  if (fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      close (fd);
      return set_io_error (error, saved_errno, _("Could not open the token file %s"), job->file_path);
    }
  if (!S_ISREG (st.st_mode) || st.st_uid != getuid () || (st.st_mode & 0077) != 0 || st.st_size > MAX_TOKEN_FILE)
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("The token file %s is not private: other users could read it (permissions %04o). "
                     "Its token was not used. Store the token again in the preferences, or make the file "
                     "yours and private with “chmod 600”."),
                   job->file_path, (guint) (st.st_mode & 07777));
      return FALSE;
    }

  data = g_malloc0 (MAX_TOKEN_FILE + 1);
  length = 0;
  while (length < MAX_TOKEN_FILE)
    {
      ssize_t got = read (fd, data + length, MAX_TOKEN_FILE - length);

      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        break;
      length += got;
    }
  close (fd);

  if (!g_key_file_load_from_data (key_file, data, length, G_KEY_FILE_NONE, NULL))
    {
      explicit_bzero (data, MAX_TOKEN_FILE);
      g_free (data);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The token file %s is damaged"), job->file_path);
      return FALSE;
    }
  explicit_bzero (data, MAX_TOKEN_FILE);
  g_free (data);

  server = g_key_file_get_string (key_file, TOKEN_GROUP, "server", NULL);
  device_id = g_key_file_get_string (key_file, TOKEN_GROUP, "device-id", NULL);
  if (g_strcmp0 (server, job->server) == 0 && g_strcmp0 (device_id, job->device_id) == 0)
    *token = g_key_file_get_string (key_file, TOKEN_GROUP, "token", NULL);
  return TRUE;
}

static gboolean
file_clear (Job     *job,
            GError **error)
{
  g_autofree char *directory = g_path_get_dirname (job->file_path);

  if (g_unlink (job->file_path) != 0 && errno != ENOENT)
    return set_io_error (error, errno, _("Could not remove the token file %s"), job->file_path);
  sync_directory (directory);
  return TRUE;
}

/* --- the worker ------------------------------------------------------------------- */

static gboolean
secret_save (Job           *job,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *label = g_strdup_printf (_("Gate Scanner device token for %s"), job->server);

  if (!secret_password_store_sync (&token_schema, SECRET_COLLECTION_DEFAULT, label, job->token, cancellable, error,
                                   "server", job->server, "device-id", job->device_id, NULL))
    return FALSE;
  /* A copy left in a file from before the keyring was there goes. */
  return file_clear (job, error);
}

static gboolean
secret_load (Job           *job,
             char         **token,
             GCancellable  *cancellable,
             GError       **error)
{
  char *found = secret_password_lookup_sync (&token_schema, cancellable, error,
                                             "server", job->server, "device-id", job->device_id, NULL);

  if (found != NULL)
    {
      *token = g_strdup (found);
      secret_password_free (found);
      return TRUE;
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  return file_load (job, token, error);
}

static gboolean
secret_clear (Job           *job,
              GCancellable  *cancellable,
              GError       **error)
{
  GError *local_error = NULL;

  secret_password_clear_sync (&token_schema, cancellable, &local_error,
                              "server", job->server, "device-id", job->device_id, NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return file_clear (job, error);
}

static void
run_job (GTask        *task,
         gpointer      source_object,
         gpointer      task_data,
         GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  char *token = NULL;
  gboolean ok = FALSE;
  gboolean secret;

  if (job->backend == GATE_TOKEN_BACKEND_UNKNOWN)
    job->backend = find_backend (cancellable);
  secret = job->backend == GATE_TOKEN_BACKEND_SECRET;

  switch (job->operation)
    {
    case OPERATION_SAVE:
      ok = secret ? secret_save (job, cancellable, &error) : file_save (job, &error);
      break;
    case OPERATION_LOAD:
      ok = secret ? secret_load (job, &token, cancellable, &error) : file_load (job, &token, &error);
      break;
    case OPERATION_CLEAR:
      ok = secret ? secret_clear (job, cancellable, &error) : file_clear (job, &error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, (GDestroyNotify) wipe_string);
}

static void
on_job_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GateTokenStore *self = GATE_TOKEN_STORE (source);
  g_autoptr(GTask) task = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;
  char *token = g_task_propagate_pointer (G_TASK (result), &error);

  if (self->backend != job->backend)
    {
      self->backend = job->backend;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKEND]);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, (GDestroyNotify) wipe_string);
}

static void
start_job (GateTokenStore      *self,
           Operation            operation,
           const char          *server,
           const char          *device_id,
           const char          *token,
           gpointer             source_tag,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) worker = g_task_new (self, cancellable, on_job_done, task);
  Job *job = g_new0 (Job, 1);

  g_task_set_source_tag (task, source_tag);
  job->operation = operation;
  job->backend = self->backend;
  job->file_path = g_strdup (self->file_path);
  job->server = g_strdup (server);
  job->device_id = g_strdup (device_id);
  job->token = g_strdup (token);
  g_task_set_task_data (worker, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (worker, run_job);
}

/* --- GObject -------------------------------------------------------------------- */

static void
gate_token_store_finalize (GObject *object)
{
  GateTokenStore *self = GATE_TOKEN_STORE (object);

  g_free (self->file_path);

  G_OBJECT_CLASS (gate_token_store_parent_class)->finalize (object);
}

static void
gate_token_store_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GateTokenStore *self = GATE_TOKEN_STORE (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      g_value_set_enum (value, self->backend);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_token_store_class_init (GateTokenStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gate_token_store_finalize;
  object_class->get_property = gate_token_store_get_property;

  properties[PROP_BACKEND] =
    g_param_spec_enum ("backend", NULL, NULL,
                       GATE_TYPE_TOKEN_BACKEND, GATE_TOKEN_BACKEND_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_token_store_init (GateTokenStore *self)
{
  self->file_path = g_build_filename (g_get_user_config_dir (), "gate-scanner", "device-token", NULL);
}

GateTokenStore *
gate_token_store_new (void)
{
  return g_object_new (GATE_TYPE_TOKEN_STORE, NULL);
}

GateTokenBackend
gate_token_store_get_backend (GateTokenStore *self)
{
  g_return_val_if_fail (GATE_IS_TOKEN_STORE (self), GATE_TOKEN_BACKEND_UNKNOWN);

  return self->backend;
}

/* Where the file backend keeps the token (used or not). */
const char *
gate_token_store_get_file_path (GateTokenStore *self)
{
  g_return_val_if_fail (GATE_IS_TOKEN_STORE (self), NULL);

  return self->file_path;
}

void
gate_token_store_save_async (GateTokenStore      *self,
                             const char          *server,
                             const char          *device_id,
                             const char          *token,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (GATE_IS_TOKEN_STORE (self));
  g_return_if_fail (server != NULL && device_id != NULL);
  g_return_if_fail (token != NULL && *token != '\0');

  start_job (self, OPERATION_SAVE, server, device_id, token, gate_token_store_save_async, cancellable, callback,
             user_data);
}

static gboolean
done_finish (GateTokenStore  *self,
             GAsyncResult    *result,
             gpointer         source_tag,
             GError         **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
gate_token_store_save_finish (GateTokenStore  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  return done_finish (self, result, gate_token_store_save_async, error);
}

void
gate_token_store_load_async (GateTokenStore      *self,
                             const char          *server,
                             const char          *device_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (GATE_IS_TOKEN_STORE (self));
  g_return_if_fail (server != NULL && device_id != NULL);

  start_job (self, OPERATION_LOAD, server, device_id, NULL, gate_token_store_load_async, cancellable, callback,
             user_data);
}

/**
 * gate_token_store_load_finish:
 *
 * Returns: (transfer full) (nullable): the token; wipe it (explicit_bzero)
 *   before freeing it
 */
char *
gate_token_store_load_finish (GateTokenStore  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_token_store_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gate_token_store_clear_async (GateTokenStore      *self,
                              const char          *server,
                              const char          *device_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (GATE_IS_TOKEN_STORE (self));
  g_return_if_fail (server != NULL && device_id != NULL);

  start_job (self, OPERATION_CLEAR, server, device_id, NULL, gate_token_store_clear_async, cancellable, callback,
             user_data);
}

gboolean
gate_token_store_clear_finish (GateTokenStore  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  return done_finish (self, result, gate_token_store_clear_async, error);
}
