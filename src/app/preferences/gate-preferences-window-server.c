/* gate-preferences-window-server.c — asking the server: the connection test
 * and the event list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Talking to the server always runs with a token fetched for that one call.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gate-api-client.h"
#include "gate-error-sentence.h"
#include "gate-kiosk-pin.h"
#include "gate-preferences-window-private.h"
#include "gate-time-format.h"

#define TEST_TIMEOUT_MS 5000
#define NIL_UUID        "00000000-0000-0000-0000-000000000000"

/* --- connection test ------------------------------------------------------------------ */

typedef struct
{
  GatePreferencesWindow *self;
  char                  *server;
  char                  *device_id;
} TestCall;

static void
test_call_free (TestCall *call)
{
  g_free (call->server);
  g_free (call->device_id);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestCall, test_call_free)

static void
finish_test (GatePreferencesWindow *self,
             const char            *sentence)
{
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->test_row), sentence);
  gtk_widget_set_sensitive (self->test_button, TRUE);
}

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TestCall) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *sentence = NULL;

  if (!gate_api_client_probe_finish (GATE_API_CLIENT (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      sentence = gate_error_sentence (error, GATE_ACTIVITY_CONNECTING, 0);
    }
  else
    {
      sentence = g_strdup_printf (_("Connected as %s"), call->device_id);
    }
  finish_test (call->self, sentence);
}

static void
probe_with (TestCall   *call,
            const char *token)
{
  GatePreferencesWindow *self = call->self;
  g_autoptr(GateApiClient) client = _gate_preferences_window_client_for (self, call->server, call->device_id, token);
  g_autofree char *event_id = g_settings_get_string (self->settings, "event-id");

  /* Any event will do: the probe needs an answer, not the event. */
  gate_api_client_probe_async (client, *event_id != '\0' ? event_id : NIL_UUID, TEST_TIMEOUT_MS,
                               self->cancellable, on_probed, call);
}

static void
on_test_token_loaded (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  TestCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(char) token = gate_token_store_load_finish (GATE_TOKEN_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      test_call_free (call);
      return;
    }
  if (error != NULL || token == NULL)
    {
      finish_test (call->self, error != NULL ? error->message
                                             : _("No token is stored for this server and device. Enter the "
                                                 "device token first."));
      test_call_free (call);
      return;
    }
  probe_with (call, token);
}

void
_gate_preferences_window_on_test_clicked (GatePreferencesWindow *self)
{
  g_autofree char *server = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  const char *device_id = gtk_editable_get_text (GTK_EDITABLE (self->device_id_row));
  g_autofree char *problem = _gate_preferences_window_explain_bad_server_url (server);
  g_autoptr(char) typed_token = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->token_row))));
  TestCall *call;

  if (problem != NULL)
    {
      finish_test (self, problem);
      return;
    }
  if (*device_id == '\0')
    {
      finish_test (self, _("Enter the device ID first."));
      return;
    }

  call = g_new0 (TestCall, 1);
  call->self = self;
  call->server = g_steal_pointer (&server);
  call->device_id = g_strdup (device_id);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->test_row), _("Testing…"));
  gtk_widget_set_sensitive (self->test_button, FALSE);

  /* A token typed but not yet applied is the one being tried out. */
  if (*typed_token != '\0')
    probe_with (call, typed_token);
  else
    gate_token_store_load_async (self->token_store, call->server, call->device_id, self->cancellable,
                                 on_test_token_loaded, call);
}

/* --- events ------------------------------------------------------------------------------ */

static void
show_event_status (GatePreferencesWindow *self,
                   const char            *text)
{
  _gate_preferences_window_show_error_label (self->event_status, text);
}

static char *
describe_event (const GateEventSummary *event)
{
  g_autofree char *when = gate_time_format (event->starts_at_us, GATE_TIME_STYLE_DATE_CLOCK);

  if (when == NULL)
    return g_strdup (event->name);
  return g_strdup_printf ("%s — %s", event->name, when);
}

static void
fill_events (GatePreferencesWindow *self,
             GPtrArray             *events)
{
  g_autofree char *current = g_settings_get_string (self->settings, "event-id");
  gboolean offered;

  /* Never an event chosen for the gate by default: that is a decision. */
  gate_choices_begin (&self->events, _("No event selected"));
  for (guint i = 0; i < events->len; i++)
    {
      GateEventSummary *event = g_ptr_array_index (events, i);
      g_autofree char *label = describe_event (event);

      gate_choices_add (&self->events, label, event->event_id);
    }
  offered = gate_choices_end (&self->events, current);

  if (events->len == 0)
    show_event_status (self, _("The server has no events yet."));
  else if (!offered)
    show_event_status (self, _("The event this gate was set to is not on this server. Choose one."));
  else
    show_event_status (self, NULL);
}

static void
on_events_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GatePreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = gate_api_client_list_events_finish (GATE_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_widget_set_sensitive (self->reload_button, TRUE);
  if (events == NULL)
    {
      g_autofree char *sentence = gate_error_sentence (error, GATE_ACTIVITY_CONNECTING, 0);

      show_event_status (self, sentence);
      return;
    }
  fill_events (self, events);
}

static void
on_events_token_loaded (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GatePreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(char) token = gate_token_store_load_finish (GATE_TOKEN_STORE (source), result, &error);
  g_autofree char *server = NULL;
  g_autofree char *device_id = NULL;
  g_autoptr(GateApiClient) client = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (error != NULL || token == NULL)
    {
      gtk_widget_set_sensitive (self->reload_button, TRUE);
      show_event_status (self, error != NULL ? error->message
                                             : _("Store the device token to choose the event from the server."));
      return;
    }

  server = g_settings_get_string (self->settings, "server-url");
  device_id = g_settings_get_string (self->settings, "device-id");
  client = _gate_preferences_window_client_for (self, server, device_id, token);
  gate_api_client_list_events_async (client, self->events_cancellable, on_events_listed, self);
}

void
_gate_preferences_window_reload_events (GatePreferencesWindow *self)
{
  g_autofree char *server = g_settings_get_string (self->settings, "server-url");
  g_autofree char *device_id = g_settings_get_string (self->settings, "device-id");
  GCancellable *cancellable = _gate_preferences_window_restart (&self->events_cancellable);

  /* The events of another server or device must not stay choosable. */
  gate_choices_clear (&self->events);
  if (*server == '\0' || *device_id == '\0')
    {
      show_event_status (self, _("Set the server address and the device ID to choose the event."));
      return;
    }

  gtk_widget_set_sensitive (self->reload_button, FALSE);
  show_event_status (self, _("Loading the events…"));
  gate_token_store_load_async (self->token_store, server, device_id, cancellable, on_events_token_loaded, self);
}

void
_gate_preferences_window_on_reload_clicked (GatePreferencesWindow *self)
{
  _gate_preferences_window_reload_events (self);
  _gate_preferences_window_reload_lists (self);
}

void
_gate_preferences_window_on_event_selected (GatePreferencesWindow *self)
{
  const char *event_id = gate_choices_get_picked (&self->events);

  if (event_id == NULL)
    return;
  g_settings_set_string (self->settings, "event-id", event_id);
  /* Another event has other lists. */
  _gate_preferences_window_reload_lists (self);
}

