/* gate-ticket-cache-devices.c — the venue's device names
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Verdicts, conflicts and the CSV name gates ("North Gate"), not device ids.
 * The sync service stores what device_names answered; the names live in the
 * settings table (one "device_name:<id>" row each, so no schema change) and,
 * for lookups from the main context, in memory behind a lock of their own.
 */
#include "config.h"

#include "gate-error.h"
#include "gate-ticket-cache-private.h"

#define NAME_KEY_PREFIX "device_name:"

gboolean
_gate_cache_load_device_names (GateTicketCache  *self,
                               GError          **error)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gate_cache_prepare (self, "SELECT substr(key, length('" NAME_KEY_PREFIX "') + 1), value FROM settings "
                                    "WHERE key GLOB '" NAME_KEY_PREFIX "*'", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_replace (names, _gate_cache_column_dup (stmt, 0), _gate_cache_column_dup (stmt, 1));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _gate_cache_fail (self, rc, "reading device names", error);

  g_mutex_lock (&self->names_mutex);
  g_hash_table_unref (self->device_names);
  self->device_names = g_steal_pointer (&names);
  g_mutex_unlock (&self->names_mutex);
  return TRUE;
}

void
_gate_cache_forget_device_names (GateTicketCache *self)
{
  g_mutex_lock (&self->names_mutex);
  g_hash_table_remove_all (self->device_names);
  g_mutex_unlock (&self->names_mutex);
}

/* Whether @devices names exactly the devices the cache knows, as it knows them. */
static gboolean
same_names (GateTicketCache *self,
            GPtrArray       *devices)
{
  guint named = 0;
  gboolean same = TRUE;

  g_mutex_lock (&self->names_mutex);
  for (guint i = 0; same && i < devices->len; i++)
    {
      const GateDeviceInfo *device = g_ptr_array_index (devices, i);

      if (device->id == NULL || device->name == NULL || *device->name == '\0')
        continue;
      named++;
      same = g_strcmp0 (g_hash_table_lookup (self->device_names, device->id), device->name) == 0;
    }
  same = same && named == g_hash_table_size (self->device_names);
  g_mutex_unlock (&self->names_mutex);

  return same;
}

/**
 * gate_ticket_cache_store_device_names:
 * @devices: (element-type GateDeviceInfo): every device, as device_names
 *   answered; devices without a name are left out
 *
 * Replaces the names the cache knows, in one transaction; writes nothing
 * when they are the same.
 */
gboolean
gate_ticket_cache_store_device_names (GateTicketCache  *self,
                                      GPtrArray        *devices,
                                      GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean ok;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (devices != NULL, FALSE);

  /* Every sync brings the names; they rarely change. A durable write is an
   * fsync, and a scan that waits for the cache meanwhile waits for it too. */
  if (same_names (self, devices))
    return TRUE;

  g_mutex_lock (&self->mutex);
  ok = _gate_cache_begin (self, error) &&
       _gate_cache_exec (self, "DELETE FROM settings WHERE key GLOB '" NAME_KEY_PREFIX "*'",
                         "storing device names", error);
  for (guint i = 0; ok && i < devices->len; i++)
    {
      const GateDeviceInfo *device = g_ptr_array_index (devices, i);
      g_autofree char *key = NULL;

      if (device->id == NULL || device->name == NULL || *device->name == '\0')
        continue;
      stmt = _gate_cache_prepare (self, "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)", error);
      ok = stmt != NULL;
      if (ok)
        {
          key = g_strconcat (NAME_KEY_PREFIX, device->id, NULL);
          _gate_cache_bind_text (stmt, 1, key);
          _gate_cache_bind_text (stmt, 2, device->name);
          ok = _gate_cache_step_done (self, stmt, "storing device names", error);
        }
    }
  if (ok)
    ok = _gate_cache_commit (self, error) && _gate_cache_load_device_names (self, error);
  else
    _gate_cache_rollback (self);
  g_mutex_unlock (&self->mutex);

  return ok;
}

/**
 * gate_ticket_cache_dup_device_name:
 * @device_id: (nullable)
 *
 * Reads memory only: safe on the main context.
 *
 * Returns: (transfer full) (nullable): the device's name, NULL when the
 *   cache has not heard it
 */
char *
gate_ticket_cache_dup_device_name (GateTicketCache *self,
                                   const char      *device_id)
{
  char *name;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

  if (device_id == NULL)
    return NULL;

  g_mutex_lock (&self->names_mutex);
  name = g_strdup (g_hash_table_lookup (self->device_names, device_id));
  g_mutex_unlock (&self->names_mutex);
  return name;
}
