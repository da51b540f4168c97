/* gate-preferences-window-lists.c — the event's check-in lists
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The gate rules (docs/gate-rules.md): a supervisor picks which of the
 * event's check-in lists this gate scans by, or none (every ticket, as an
 * entry). The pick is the "list-id" setting, which the running gate's
 * session follows at once. Like every setting, it is behind the supervisor
 * PIN in kiosk mode: a locked kiosk offers no way to Preferences.
 *
 * The lists come from the gate's offline cache first, so the picker works
 * without the network; the server's answer then refreshes them.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-checkin-list.h"
#include "gate-error-sentence.h"
#include "gate-preferences-window-private.h"
#include "gate-ticket-cache-rules.h"

static void
show_list_status (GatePreferencesWindow *self,
                  const char            *text)
{
  _gate_preferences_window_show_error_label (self->list_status, text);
}

static const char *
describe_direction (const char *direction)
{
  if (g_strcmp0 (direction, "entry") == 0)
    return _("entry only");
  if (g_strcmp0 (direction, "exit") == 0)
    return _("exit only");
  return _("entry and exit");
}

/* "VIP door — entry only, VIP, Backstage". */
static char *
describe_list (GateCheckinList *list)
{
  const char * const *types = gate_checkin_list_get_ticket_types (list);
  g_autofree char *joined = types[0] != NULL ? g_strjoinv (", ", (char **) types) : NULL;
  const char *direction = describe_direction (gate_checkin_list_get_direction (list));

  if (joined == NULL)
    /* Translators: a check-in list, its direction, e.g. "Festival gate — entry and exit, every ticket" */
    return g_strdup_printf (_("%s — %s, every ticket"), gate_checkin_list_get_name (list), direction);
  /* Translators: a check-in list, its direction and ticket types, e.g. "VIP door — entry only, VIP" */
  return g_strdup_printf (_("%s — %s, %s"), gate_checkin_list_get_name (list), direction, joined);
}

static void
fill_lists (GatePreferencesWindow *self,
            GPtrArray             *lists)
{
  g_autofree char *current = g_settings_get_string (self->settings, "list-id");

  gate_choices_begin (&self->lists, _("No list — every ticket, entry"));
  for (guint i = 0; i < lists->len; i++)
    {
      GateCheckinList *list = g_ptr_array_index (lists, i);
      g_autofree char *label = describe_list (list);

      gate_choices_add (&self->lists, label, gate_checkin_list_get_id (list));
    }

  if (!gate_choices_end (&self->lists, current))
    show_list_status (self, _("The check-in list this gate was set to is not on this event. Choose one."));
  else if (lists->len == 0)
    show_list_status (self, _("This event has no check-in lists: the gate takes every ticket as an entry."));
  else
    show_list_status (self, NULL);
}

static void
on_lists_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GatePreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lists = gate_api_client_list_checkin_lists_finish (GATE_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (lists == NULL)
    {
      g_autofree char *sentence = gate_error_sentence (error, GATE_ACTIVITY_CONNECTING, 0);

      /* The cache's lists stay choosable. */
      show_list_status (self, self->lists_from_cache
                              ? _("The server can't be reached: these are the lists as of the last refresh.")
                              : sentence);
      return;
    }
  self->lists_from_cache = FALSE;
  fill_lists (self, lists);
}

static void
on_lists_token_loaded (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GatePreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(char) token = gate_token_store_load_finish (GATE_TOKEN_STORE (source), result, &error);
  g_autofree char *server = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *event_id = NULL;
  g_autoptr(GateApiClient) client = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (error != NULL || token == NULL)
    {
      if (!self->lists_from_cache)
        show_list_status (self, error != NULL ? error->message
                                              : _("Store the device token to choose the check-in list."));
      return;
    }

  server = g_settings_get_string (self->settings, "server-url");
  device_id = g_settings_get_string (self->settings, "device-id");
  event_id = g_settings_get_string (self->settings, "event-id");
  client = _gate_preferences_window_client_for (self, server, device_id, token);
  gate_api_client_list_checkin_lists_async (client, event_id, self->lists_cancellable, on_lists_listed, self);
}

/* The server's lists replace the cache's when it answers. */
static void
ask_server_for_lists (GatePreferencesWindow *self)
{
  g_autofree char *server = g_settings_get_string (self->settings, "server-url");
  g_autofree char *device_id = g_settings_get_string (self->settings, "device-id");

  gate_token_store_load_async (self->token_store, server, device_id, self->lists_cancellable, on_lists_token_loaded,
                               self);
}

static void
on_cached_lists_read (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GatePreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GPtrArray) lists = NULL;
  gboolean known = FALSE;

  rules = gate_ticket_cache_dup_checkin_lists_finish (GATE_TICKET_CACHE (source), result, &known, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (rules == NULL)
    g_warning ("Could not read the check-in lists from the cache: %s", error->message);
  else if (known)
    {
      lists = gate_checkin_lists_new_from_rules (rules);
      fill_lists (self, lists);
      self->lists_from_cache = TRUE;
    }
  ask_server_for_lists (self);
}

void
_gate_preferences_window_reload_lists (GatePreferencesWindow *self)
{
  g_autofree char *server = g_settings_get_string (self->settings, "server-url");
  g_autofree char *device_id = g_settings_get_string (self->settings, "device-id");
  g_autofree char *event_id = g_settings_get_string (self->settings, "event-id");
  GCancellable *cancellable = _gate_preferences_window_restart (&self->lists_cancellable);

  /* Another event's lists must not stay choosable. */
  gate_choices_clear (&self->lists);
  if (*server == '\0' || *device_id == '\0' || *event_id == '\0')
    {
      show_list_status (self, _("Choose the event first."));
      return;
    }

  show_list_status (self, _("Loading the check-in lists…"));
  self->lists_from_cache = FALSE;
  if (self->cache != NULL)
    gate_ticket_cache_dup_checkin_lists_async (self->cache, event_id, cancellable, on_cached_lists_read, self);
  else
    ask_server_for_lists (self);
}

void
_gate_preferences_window_on_list_selected (GatePreferencesWindow *self)
{
  const char *list_id = gate_choices_get_picked (&self->lists);

  if (list_id == NULL)
    return;
  g_settings_set_string (self->settings, "list-id", list_id);
  show_list_status (self, NULL);
}

void
_gate_preferences_window_init_lists (GatePreferencesWindow *self)
{
  gate_choices_init (&self->lists, self->list_row);
}

/**
 * gate_preferences_window_set_cache:
 * @cache: (nullable): the gate's offline cache
 *
 * Where the check-in lists are read first, so they can be picked offline.
 */
void
gate_preferences_window_set_cache (GatePreferencesWindow *self,
                                   GateTicketCache       *cache)
{
  g_return_if_fail (GATE_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (cache == NULL || GATE_IS_TICKET_CACHE (cache));

  if (g_set_object (&self->cache, cache))
    _gate_preferences_window_reload_lists (self);
}

void
_gate_preferences_window_dispose_lists (GatePreferencesWindow *self)
{
  g_clear_object (&self->cache);
  if (self->lists_cancellable != NULL)
    g_cancellable_cancel (self->lists_cancellable);
  g_clear_object (&self->lists_cancellable);
  gate_choices_dispose (&self->lists);
}
