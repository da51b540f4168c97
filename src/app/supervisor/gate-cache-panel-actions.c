/* gate-cache-panel-actions.c — "Refresh now" and "Upload now"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Refresh now" downloads only, "Upload now" uploads and then downloads,
 * both through the session's sync service. While one runs its button shows
 * a spinner and both buttons are insensitive. A failure becomes a sentence
 * the panel shows and offers to the window.
 */
#include "config.h"

#include "gate-cache-panel-private.h"
#include "gate-error-sentence.h"

void
_gate_cache_panel_show_action (GateCachePanel *self)
{
  gboolean idle = self->sync_service != NULL && self->action == GATE_CACHE_PANEL_ACTION_NONE;

  /* One run at a time: the service would join a second request to the run
   * in progress, and an upload joined to a refresh would upload nothing. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->refresh_button), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->upload_button), idle);
  gtk_widget_set_visible (GTK_WIDGET (self->refresh_spinner), self->action == GATE_CACHE_PANEL_ACTION_REFRESH);
  gtk_spinner_set_spinning (self->refresh_spinner, self->action == GATE_CACHE_PANEL_ACTION_REFRESH);
  gtk_widget_set_visible (GTK_WIDGET (self->upload_spinner), self->action == GATE_CACHE_PANEL_ACTION_UPLOAD);
  gtk_spinner_set_spinning (self->upload_spinner, self->action == GATE_CACHE_PANEL_ACTION_UPLOAD);
}

/* --- refresh and upload ---------------------------------------------------------------- */

/* One press of a button, so that an answer for an abandoned press (the
 * service was replaced, the panel disposed) is told apart from the current. */
typedef struct
{
  GateCachePanel *panel;
  GCancellable   *cancellable;
} ActionCall;

static void
action_call_free (ActionCall *call)
{
  g_object_unref (call->panel);
  g_object_unref (call->cancellable);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ActionCall, action_call_free)

static void
on_action_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ActionCall) call = user_data;
  GateCachePanel *self = call->panel;
  g_autoptr(GError) error = NULL;
  GateCachePanelAction action = self->action;

  gate_sync_service_sync_finish (GATE_SYNC_SERVICE (source), result, &error);
  if (call->cancellable != self->action_cancellable)
    return;

  self->action = GATE_CACHE_PANEL_ACTION_NONE;
  g_clear_object (&self->action_cancellable);
  _gate_cache_panel_show_action (self);

  /* Cancelled here means the service was stopped (the app is closing or
   * being set up again): nothing the gate worker needs to hear about. */
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = gate_error_sentence (error,
                                                      action == GATE_CACHE_PANEL_ACTION_UPLOAD ? GATE_ACTIVITY_UPLOADING
                                                                              : GATE_ACTIVITY_REFRESHING,
                                                      self->status != NULL ? self->status->pending_uploads : 0);

      _gate_cache_panel_show_message (self, message);
    }
  else if (error == NULL)
    _gate_cache_panel_hide_message (self);

  _gate_cache_panel_queue_read (self);
}

static void
start_action (GateCachePanel *self,
              GateCachePanelAction  action)
{
  ActionCall *call;

  if (self->sync_service == NULL || self->action != GATE_CACHE_PANEL_ACTION_NONE)
    return;

  self->action = action;
  self->action_cancellable = g_cancellable_new ();
  _gate_cache_panel_show_action (self);

  call = g_new0 (ActionCall, 1);
  call->panel = g_object_ref (self);
  call->cancellable = g_object_ref (self->action_cancellable);
  if (action == GATE_CACHE_PANEL_ACTION_REFRESH)
    gate_sync_service_refresh_async (self->sync_service, FALSE, self->action_cancellable, on_action_done, call);
  else
    gate_sync_service_sync_async (self->sync_service, FALSE, self->action_cancellable, on_action_done, call);
}

void
_gate_cache_panel_on_refresh_clicked (GateCachePanel *self)
{
  start_action (self, GATE_CACHE_PANEL_ACTION_REFRESH);
}

void
_gate_cache_panel_on_upload_clicked (GateCachePanel *self)
{
  start_action (self, GATE_CACHE_PANEL_ACTION_UPLOAD);
}

/* A new service, or none: a run of the old one no longer concerns us. */
void
_gate_cache_panel_abandon_action (GateCachePanel *self)
{
  g_cancellable_cancel (self->action_cancellable);
  g_clear_object (&self->action_cancellable);
  self->action = GATE_CACHE_PANEL_ACTION_NONE;
}
