/* gate-cache-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The panel keeps no figures of its own: it shows the last GateCacheStatus
 * it read. A change signal queues one re-read (an idle, so that signals
 * arriving together cost one read). "status-changed" is enough: the cache
 * emits it with every "ticket-changed" too. A re-read cancels the one still in flight, so an old answer never
 * overwrites a newer one. The minute tick only turns the times already read
 * into "5 min ago" again.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-arrivals-chart.h"
#include "gate-cache-panel.h"
#include "gate-cache-panel-private.h"
#include "gate-error-sentence.h"
#include "gate-time-format.h"

#define ARRIVALS_BUCKET_US  (GATE_CACHE_PANEL_ARRIVALS_BUCKET_MIN * G_TIME_SPAN_MINUTE)
#define AGE_TICK_SECONDS    60
/* Offsets below this are measurement noise, not a clock to fix. */
#define CLOCK_IN_STEP_MS    50

typedef enum
{
  ACTION_NONE,
  ACTION_REFRESH,
  ACTION_UPLOAD,
} Action;

struct _GateCachePanel
{
  AdwBin             parent_instance;

  GateTicketCache   *cache;
  GateSyncService   *sync_service;
  GateConnectivity  *connectivity;
  char              *event_id;

  GateCacheStatus   *status;            /* (nullable): the figures last read */
  GCancellable      *read_cancellable;  /* the re-read in flight */
  guint              read_idle_id;
  gint64             arrivals_since_us; /* of the re-read in flight */
  guint              age_tick_id;

  Action             action;
  GCancellable      *action_cancellable;

  gulong             status_changed_id;
  gulong             synced_id;
  gulong             online_id;

  /* template */
  GtkRevealer       *message_revealer;
  GtkLabel          *message_label;
  AdwActionRow      *event_row;
  GtkLabel          *event_label;
  GtkLabel          *tickets_label;
  GtkLabel          *checked_in_label;
  GtkLabel          *pending_label;
  GtkLabel          *server_label;
  AdwActionRow      *last_refresh_row;
  GtkLabel          *last_refresh_label;
  AdwActionRow      *last_full_refresh_row;
  GtkLabel          *last_full_refresh_label;
  AdwActionRow      *last_upload_row;
  GtkLabel          *last_upload_label;
  GtkLabel          *clock_label;
  GtkButton         *refresh_button;
  GtkSpinner        *refresh_spinner;
  GtkButton         *upload_button;
  GtkSpinner        *upload_spinner;
  GateArrivalsChart *chart;
};

G_DEFINE_FINAL_TYPE (GateCachePanel, gate_cache_panel, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_CACHE,
  PROP_SYNC_SERVICE,
  PROP_CONNECTIVITY,
  PROP_EVENT_ID,
  N_PROPS
};

enum
{
  MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* --- texts ---------------------------------------------------------------------- */

static char *
format_count (gint64 count)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, count);
}

static char *
format_clock_offset (gint64 offset_ms)
{
  g_autofree char *seconds = g_strdup_printf ("%.1f", ABS (offset_ms) / 1000.0);

  if (ABS (offset_ms) < CLOCK_IN_STEP_MS)
    /* Translators: the device's clock agrees with the server's. */
    return g_strdup_printf (_("%s s (in step with the server)"), seconds);
  if (offset_ms > 0)
    return g_strdup_printf (_("+%s s (server ahead)"), seconds);
  return g_strdup_printf (_("−%s s (server behind)"), seconds);
}

/* --- showing -------------------------------------------------------------------- */

static void
show_message (GateCachePanel *self,
              const char     *message)
{
  gtk_label_set_label (self->message_label, message);
  gtk_revealer_set_reveal_child (self->message_revealer, TRUE);
  g_signal_emit (self, signals[MESSAGE], 0, message);
}

static void
hide_message (GateCachePanel *self)
{
  gtk_revealer_set_reveal_child (self->message_revealer, FALSE);
}

static void
on_dismiss_clicked (GateCachePanel *self)
{
  hide_message (self);
}

static void
show_age (AdwActionRow *row,
          GtkLabel     *label,
          gint64        time_us,
          gint64        now_us)
{
  g_autofree char *age = gate_time_format_age (time_us, now_us);
  g_autofree char *moment = gate_time_format (time_us, GATE_TIME_STYLE_MOMENT);

  gtk_label_set_label (label, age);
  adw_action_row_set_subtitle (row, moment != NULL ? moment : "");
}

static void
show_ages (GateCachePanel *self)
{
  gint64 now_us = g_get_real_time ();

  if (self->status == NULL)
    return;

  show_age (self->last_refresh_row, self->last_refresh_label, self->status->last_refresh_at_us, now_us);
  show_age (self->last_full_refresh_row, self->last_full_refresh_label, self->status->last_full_refresh_at_us,
            now_us);
  show_age (self->last_upload_row, self->last_upload_label, self->status->last_upload_at_us, now_us);
}

static void
show_server (GateCachePanel *self)
{
  gboolean online;

  if (self->connectivity == NULL)
    {
      gtk_label_set_label (self->server_label, _("Unknown"));
      gtk_widget_remove_css_class (GTK_WIDGET (self->server_label), "warning");
      return;
    }

  online = gate_connectivity_get_online (self->connectivity);
  gtk_label_set_label (self->server_label,
                       online ? _("Reachable") : _("Unreachable — scans are decided from the cache"));
  if (online)
    gtk_widget_remove_css_class (GTK_WIDGET (self->server_label), "warning");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->server_label), "warning");
}

static void
show_figures (GateCachePanel *self)
{
  GateCacheStatus *status = self->status;
  g_autofree char *tickets = NULL;
  g_autofree char *checked_in = NULL;
  g_autofree char *pending = NULL;
  g_autofree char *clock = NULL;
  g_autofree char *starts = NULL;

  if (status == NULL)
    {
      GtkLabel *labels[] = { self->event_label, self->tickets_label, self->checked_in_label, self->pending_label,
                             self->last_refresh_label, self->last_full_refresh_label, self->last_upload_label,
                             self->clock_label };

      AdwActionRow *rows[] = { self->event_row, self->last_refresh_row, self->last_full_refresh_row,
                               self->last_upload_row };

      for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
        gtk_label_set_label (labels[i], "—");
      for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
        adw_action_row_set_subtitle (rows[i], "");
      return;
    }

  if (status->event_name != NULL)
    {
      gtk_label_set_label (self->event_label, status->event_name);
      if (status->event_starts_at_us != 0)
        {
          g_autofree char *moment = gate_time_format (status->event_starts_at_us, GATE_TIME_STYLE_MOMENT);

          /* Translators: %s is a date and time. */
          starts = g_strdup_printf (_("Starts %s"), moment);
        }
    }
  else
    {
      gtk_label_set_label (self->event_label, _("Not downloaded yet"));
      starts = g_strdup (status->event_id);
    }
  adw_action_row_set_subtitle (self->event_row, starts != NULL ? starts : "");

  tickets = format_count (status->tickets_cached);
  checked_in = format_count (status->checked_in);
  pending = format_count (status->pending_uploads);
  gtk_label_set_label (self->tickets_label, tickets);
  gtk_label_set_label (self->checked_in_label, checked_in);
  gtk_label_set_label (self->pending_label, pending);

  /* Before any server answer there is no measurement: 0 would look like a
   * clock known to be right. */
  if (status->last_refresh_at_us == 0 && status->last_upload_at_us == 0 && status->clock_offset_ms == 0)
    gtk_label_set_label (self->clock_label, _("Not measured yet"));
  else
    {
      clock = format_clock_offset (status->clock_offset_ms);
      gtk_label_set_label (self->clock_label, clock);
    }

  show_ages (self);
}

static void
show_action (GateCachePanel *self)
{
  gboolean idle = self->sync_service != NULL && self->action == ACTION_NONE;

  /* One run at a time: the service would join a second request to the run
   * in progress, and an upload joined to a refresh would upload nothing. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->refresh_button), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->upload_button), idle);
  gtk_widget_set_visible (GTK_WIDGET (self->refresh_spinner), self->action == ACTION_REFRESH);
  gtk_spinner_set_spinning (self->refresh_spinner, self->action == ACTION_REFRESH);
  gtk_widget_set_visible (GTK_WIDGET (self->upload_spinner), self->action == ACTION_UPLOAD);
  gtk_spinner_set_spinning (self->upload_spinner, self->action == ACTION_UPLOAD);
}

/* --- reading ---------------------------------------------------------------------- */

/* The chart always spans the whole window up to now, so its time axis does
 * not jump when the first or last scans fall out of it. Scans a little
 * "after now" are real (times corrected to a server clock ahead of ours)
 * and extend it; a clock off by more than the window is broken, and its
 * scans are left out rather than stretching the chart over days. */
static GArray *
fill_window (GArray *buckets,
             gint64  since_us,
             gint64  now_us)
{
  gint64 now_bucket_us = now_us - now_us % ARRIVALS_BUCKET_US;
  gint64 until_us = now_bucket_us;
  GArray *window;
  guint n;

  if (buckets->len > 0)
    until_us = CLAMP (g_array_index (buckets, GateArrivalBucket, buckets->len - 1).start_us, now_bucket_us,
                      now_bucket_us + GATE_CACHE_PANEL_ARRIVALS_SPAN_US);

  n = (guint) ((until_us - since_us) / ARRIVALS_BUCKET_US) + 1;
  window = g_array_sized_new (FALSE, TRUE, sizeof (GateArrivalBucket), n);
  for (guint i = 0; i < n; i++)
    {
      GateArrivalBucket empty = { since_us + i * ARRIVALS_BUCKET_US, 0 };

      g_array_append_val (window, empty);
    }

  for (guint i = 0; i < buckets->len; i++)
    {
      const GateArrivalBucket *bucket = &g_array_index (buckets, GateArrivalBucket, i);
      gint64 index = (bucket->start_us - since_us) / ARRIVALS_BUCKET_US;

      if (index >= 0 && index < n)
        g_array_index (window, GateArrivalBucket, index).count += bucket->count;
    }

  return window;
}

static void
on_status_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GateCachePanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateCacheStatus) status = NULL;
  g_autofree char *message = NULL;

  status = gate_ticket_cache_get_status_finish (GATE_TICKET_CACHE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (status == NULL)
    {
      message = gate_error_sentence (error, GATE_ACTIVITY_READING_CACHE, 0);
      show_message (self, message);
      return;
    }

  g_clear_pointer (&self->status, gate_cache_status_free);
  self->status = g_steal_pointer (&status);
  show_figures (self);
}

static void
on_arrivals_read (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GateCachePanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) buckets = NULL;
  g_autoptr(GArray) window = NULL;

  buckets = gate_ticket_cache_arrivals_finish (GATE_TICKET_CACHE (source), result, &error);
  /* A failed read is reported once, by the status read beside it. */
  if (buckets == NULL)
    return;

  window = fill_window (buckets, self->arrivals_since_us, g_get_real_time ());
  gate_arrivals_chart_set_buckets (self->chart, window);
}

static gboolean
read_now (gpointer user_data)
{
  GateCachePanel *self = user_data;
  gint64 since_us;

  self->read_idle_id = 0;
  g_cancellable_cancel (self->read_cancellable);
  g_clear_object (&self->read_cancellable);

  if (self->cache == NULL || self->event_id == NULL)
    {
      g_clear_pointer (&self->status, gate_cache_status_free);
      show_figures (self);
      gate_arrivals_chart_set_buckets (self->chart, NULL);
      return G_SOURCE_REMOVE;
    }

  since_us = g_get_real_time () - GATE_CACHE_PANEL_ARRIVALS_SPAN_US;
  self->arrivals_since_us = since_us - since_us % ARRIVALS_BUCKET_US;
  self->read_cancellable = g_cancellable_new ();
  gate_ticket_cache_get_status_async (self->cache, self->event_id, self->read_cancellable, on_status_read,
                                      g_object_ref (self));
  gate_ticket_cache_arrivals_async (self->cache, self->event_id, GATE_CACHE_PANEL_ARRIVALS_BUCKET_MIN,
                                    self->arrivals_since_us, self->read_cancellable, on_arrivals_read,
                                    g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
queue_read (GateCachePanel *self)
{
  if (self->read_idle_id == 0)
    self->read_idle_id = g_idle_add (read_now, self);
}

static void
on_online_changed (GateCachePanel *self)
{
  show_server (self);
  queue_read (self);
}

static gboolean
on_age_tick (gpointer user_data)
{
  show_ages (user_data);
  return G_SOURCE_CONTINUE;
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
  Action action = self->action;

  gate_sync_service_sync_finish (GATE_SYNC_SERVICE (source), result, &error);
  if (call->cancellable != self->action_cancellable)
    return;

  self->action = ACTION_NONE;
  g_clear_object (&self->action_cancellable);
  show_action (self);

  /* Cancelled here means the service was stopped (the app is closing or
   * being set up again): nothing the gate worker needs to hear about. */
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = gate_error_sentence (error,
                                                      action == ACTION_UPLOAD ? GATE_ACTIVITY_UPLOADING
                                                                              : GATE_ACTIVITY_REFRESHING,
                                                      self->status != NULL ? self->status->pending_uploads : 0);

      show_message (self, message);
    }
  else if (error == NULL)
    hide_message (self);

  queue_read (self);
}

static void
start_action (GateCachePanel *self,
              Action          action)
{
  ActionCall *call;

  if (self->sync_service == NULL || self->action != ACTION_NONE)
    return;

  self->action = action;
  self->action_cancellable = g_cancellable_new ();
  show_action (self);

  call = g_new0 (ActionCall, 1);
  call->panel = g_object_ref (self);
  call->cancellable = g_object_ref (self->action_cancellable);
  if (action == ACTION_REFRESH)
    gate_sync_service_refresh_async (self->sync_service, FALSE, self->action_cancellable, on_action_done, call);
  else
    gate_sync_service_sync_async (self->sync_service, FALSE, self->action_cancellable, on_action_done, call);
}

static void
on_refresh_clicked (GateCachePanel *self)
{
  start_action (self, ACTION_REFRESH);
}

static void
on_upload_clicked (GateCachePanel *self)
{
  start_action (self, ACTION_UPLOAD);
}

/* A new service, or none: a run of the old one no longer concerns us. */
static void
abandon_action (GateCachePanel *self)
{
  g_cancellable_cancel (self->action_cancellable);
  g_clear_object (&self->action_cancellable);
  self->action = ACTION_NONE;
}

/* --- API ------------------------------------------------------------------------------ */

/**
 * gate_cache_panel_new:
 * @cache: (nullable): the cache to show
 * @sync_service: (nullable): for "Refresh now" and "Upload now"; without it
 *   both buttons are insensitive
 * @connectivity: (nullable): for the server's reachability
 * @event_id: (nullable): the event whose figures are shown
 */
GtkWidget *
gate_cache_panel_new (GateTicketCache  *cache,
                      GateSyncService  *sync_service,
                      GateConnectivity *connectivity,
                      const char       *event_id)
{
  return g_object_new (GATE_TYPE_CACHE_PANEL,
                       "cache", cache,
                       "sync-service", sync_service,
                       "connectivity", connectivity,
                       "event-id", event_id,
                       NULL);
}

GateTicketCache *
gate_cache_panel_get_cache (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  return self->cache;
}

void
gate_cache_panel_set_cache (GateCachePanel  *self,
                            GateTicketCache *cache)
{
  g_return_if_fail (GATE_IS_CACHE_PANEL (self));
  g_return_if_fail (cache == NULL || GATE_IS_TICKET_CACHE (cache));

  if (self->cache == cache)
    return;

  if (self->cache != NULL)
    g_clear_signal_handler (&self->status_changed_id, self->cache);
  g_set_object (&self->cache, cache);
  if (cache != NULL)
    self->status_changed_id = g_signal_connect_swapped (cache, "status-changed", G_CALLBACK (queue_read), self);

  queue_read (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE]);
}

GateSyncService *
gate_cache_panel_get_sync_service (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  return self->sync_service;
}

void
gate_cache_panel_set_sync_service (GateCachePanel  *self,
                                   GateSyncService *sync_service)
{
  g_return_if_fail (GATE_IS_CACHE_PANEL (self));
  g_return_if_fail (sync_service == NULL || GATE_IS_SYNC_SERVICE (sync_service));

  if (self->sync_service == sync_service)
    return;

  abandon_action (self);
  if (self->sync_service != NULL)
    g_clear_signal_handler (&self->synced_id, self->sync_service);
  g_set_object (&self->sync_service, sync_service);
  if (sync_service != NULL)
    self->synced_id = g_signal_connect_swapped (sync_service, "synced", G_CALLBACK (queue_read), self);

  show_action (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_SERVICE]);
}

GateConnectivity *
gate_cache_panel_get_connectivity (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  return self->connectivity;
}

void
gate_cache_panel_set_connectivity (GateCachePanel   *self,
                                   GateConnectivity *connectivity)
{
  g_return_if_fail (GATE_IS_CACHE_PANEL (self));
  g_return_if_fail (connectivity == NULL || GATE_IS_CONNECTIVITY (connectivity));

  if (self->connectivity == connectivity)
    return;

  if (self->connectivity != NULL)
    g_clear_signal_handler (&self->online_id, self->connectivity);
  g_set_object (&self->connectivity, connectivity);
  if (connectivity != NULL)
    self->online_id = g_signal_connect_swapped (connectivity, "notify::online", G_CALLBACK (on_online_changed),
                                                self);

  show_server (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTIVITY]);
}

const char *
gate_cache_panel_get_event_id (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  return self->event_id;
}

void
gate_cache_panel_set_event_id (GateCachePanel *self,
                               const char     *event_id)
{
  g_return_if_fail (GATE_IS_CACHE_PANEL (self));

  if (g_strcmp0 (self->event_id, event_id) == 0)
    return;

  g_free (self->event_id);
  self->event_id = g_strdup (event_id);

  queue_read (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EVENT_ID]);
}

/* --- private API, for the tests ---------------------------------------------------------- */

const char *
gate_cache_panel_get_figure_text (GateCachePanel       *self,
                                  GateCachePanelFigure  figure)
{
  GtkLabel *label = NULL;

  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  switch (figure)
    {
    case GATE_CACHE_PANEL_FIGURE_EVENT:
      label = self->event_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_TICKETS_CACHED:
      label = self->tickets_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_CHECKED_IN:
      label = self->checked_in_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_PENDING_UPLOADS:
      label = self->pending_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_SERVER:
      label = self->server_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_LAST_REFRESH:
      label = self->last_refresh_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_LAST_FULL_REFRESH:
      label = self->last_full_refresh_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_LAST_UPLOAD:
      label = self->last_upload_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_CLOCK_OFFSET:
      label = self->clock_label;
      break;

    default:
      g_return_val_if_reached (NULL);
    }

  return gtk_label_get_label (label);
}

const char *
gate_cache_panel_get_message (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->message_revealer) ||
      !gtk_revealer_get_child_revealed (self->message_revealer))
    return NULL;
  return gtk_label_get_label (self->message_label);
}

GtkButton *
gate_cache_panel_get_refresh_button (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  return self->refresh_button;
}

GtkButton *
gate_cache_panel_get_upload_button (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  return self->upload_button;
}

GateArrivalsChart *
gate_cache_panel_get_chart (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  return self->chart;
}

/* --- object ------------------------------------------------------------------------------- */

static void
gate_cache_panel_map (GtkWidget *widget)
{
  GateCachePanel *self = GATE_CACHE_PANEL (widget);

  GTK_WIDGET_CLASS (gate_cache_panel_parent_class)->map (widget);

  show_ages (self);
  if (self->age_tick_id == 0)
    self->age_tick_id = g_timeout_add_seconds (AGE_TICK_SECONDS, on_age_tick, self);
}

static void
gate_cache_panel_unmap (GtkWidget *widget)
{
  GateCachePanel *self = GATE_CACHE_PANEL (widget);

  g_clear_handle_id (&self->age_tick_id, g_source_remove);

  GTK_WIDGET_CLASS (gate_cache_panel_parent_class)->unmap (widget);
}

static void
gate_cache_panel_dispose (GObject *object)
{
  GateCachePanel *self = GATE_CACHE_PANEL (object);

  g_clear_handle_id (&self->read_idle_id, g_source_remove);
  g_clear_handle_id (&self->age_tick_id, g_source_remove);
  g_cancellable_cancel (self->read_cancellable);
  g_clear_object (&self->read_cancellable);
  abandon_action (self);

  if (self->cache != NULL)
    {
      g_clear_signal_handler (&self->status_changed_id, self->cache);
    }
  if (self->sync_service != NULL)
    g_clear_signal_handler (&self->synced_id, self->sync_service);
  if (self->connectivity != NULL)
    g_clear_signal_handler (&self->online_id, self->connectivity);
  g_clear_object (&self->cache);
  g_clear_object (&self->sync_service);
  g_clear_object (&self->connectivity);

  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_CACHE_PANEL);

  G_OBJECT_CLASS (gate_cache_panel_parent_class)->dispose (object);
}

static void
gate_cache_panel_finalize (GObject *object)
{
  GateCachePanel *self = GATE_CACHE_PANEL (object);

  g_clear_pointer (&self->status, gate_cache_status_free);
  g_clear_pointer (&self->event_id, g_free);

  G_OBJECT_CLASS (gate_cache_panel_parent_class)->finalize (object);
}

static void
gate_cache_panel_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GateCachePanel *self = GATE_CACHE_PANEL (object);

  switch (prop_id)
    {
    case PROP_CACHE:
      g_value_set_object (value, self->cache);
      break;

    case PROP_SYNC_SERVICE:
      g_value_set_object (value, self->sync_service);
      break;

    case PROP_CONNECTIVITY:
      g_value_set_object (value, self->connectivity);
      break;

    case PROP_EVENT_ID:
      g_value_set_string (value, self->event_id);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_cache_panel_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GateCachePanel *self = GATE_CACHE_PANEL (object);

  switch (prop_id)
    {
    case PROP_CACHE:
      gate_cache_panel_set_cache (self, g_value_get_object (value));
      break;

    case PROP_SYNC_SERVICE:
      gate_cache_panel_set_sync_service (self, g_value_get_object (value));
      break;

    case PROP_CONNECTIVITY:
      gate_cache_panel_set_connectivity (self, g_value_get_object (value));
      break;

    case PROP_EVENT_ID:
      gate_cache_panel_set_event_id (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_cache_panel_class_init (GateCachePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_cache_panel_dispose;
  object_class->finalize = gate_cache_panel_finalize;
  object_class->get_property = gate_cache_panel_get_property;
  object_class->set_property = gate_cache_panel_set_property;

  widget_class->map = gate_cache_panel_map;
  widget_class->unmap = gate_cache_panel_unmap;

  properties[PROP_CACHE] =
    g_param_spec_object ("cache", NULL, NULL, GATE_TYPE_TICKET_CACHE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateCachePanel:sync-service:
   *
   * Runs "Refresh now" and "Upload now"; NULL leaves both buttons
   * insensitive (a kiosk without a server).
   */
  properties[PROP_SYNC_SERVICE] =
    g_param_spec_object ("sync-service", NULL, NULL, GATE_TYPE_SYNC_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_CONNECTIVITY] =
    g_param_spec_object ("connectivity", NULL, NULL, GATE_TYPE_CONNECTIVITY,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_EVENT_ID] =
    g_param_spec_string ("event-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateCachePanel::message:
   * @self: the panel
   * @message: a sentence for the gate worker
   *
   * A refresh, an upload or a read of the cache failed. The panel shows
   * @message itself; the window may also show it as a toast.
   */
  signals[MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (GATE_TYPE_ARRIVALS_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gatescanner/GateScanner/gate-cache-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, message_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, event_row);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, event_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, tickets_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, checked_in_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, pending_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, server_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_refresh_row);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_refresh_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_full_refresh_row);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_full_refresh_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_upload_row);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_upload_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, clock_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, refresh_spinner);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, upload_button);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, upload_spinner);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, chart);
  gtk_widget_class_bind_template_callback (widget_class, on_dismiss_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_refresh_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_upload_clicked);
}

static void
gate_cache_panel_init (GateCachePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  show_figures (self);
  show_server (self);
  show_action (self);
}
