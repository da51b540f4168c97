/* gate-ticket-cache-search.c — manual search
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-error.h"
#include "gate-ticket-cache-private.h"

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

  stmt = _gate_cache_prepare (self,
                              "SELECT " GATE_CACHE_TICKET_COLUMNS " FROM tickets WHERE event_id = gate_uuid(?1) "
                              "AND (guest_name LIKE ?2 ESCAPE '\\' OR qr_token LIKE ?2 ESCAPE '\\') "
                              "ORDER BY guest_name, qr_token LIMIT ?3",
                              error);
  if (stmt == NULL)
    return NULL;

  _gate_cache_bind_text (stmt, 1, event_id);
  _gate_cache_bind_text (stmt, 2, pattern);
  sqlite3_bind_int64 (stmt, 3, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (found, _gate_cache_ticket_from_row (stmt));
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      _gate_cache_fail (self, rc, "searching tickets", error);
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
