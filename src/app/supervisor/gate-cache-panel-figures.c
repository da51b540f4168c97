/* gate-cache-panel-figures.c — reading the cache's figures and showing them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The panel keeps no figures of its own: it shows the last GateCacheStatus
 * it read. A change signal queues one re-read (an idle, so that signals
 * arriving together cost one read). "status-changed" is enough: the cache
 * emits it with every "ticket-changed" too. A re-read cancels the one still
 * in flight, so an old answer never overwrites a newer one. The minute tick
 * only turns the times already read into "5 min ago" again.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-cache-panel-private.h"
#include "gate-error-sentence.h"
#include "gate-time-format.h"

#define ARRIVALS_BUCKET_US  (GATE_CACHE_PANEL_ARRIVALS_BUCKET_MIN * G_TIME_SPAN_MINUTE)
/* Offsets below this are measurement noise, not a clock to fix. */
#define CLOCK_IN_STEP_MS    50

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

void
_gate_cache_panel_show_ages (GateCachePanel *self)
{
  gint64 now_us = g_get_real_time ();

  if (self->status == NULL)
    return;

  show_age (self->last_refresh_row, self->last_refresh_label, self->status->last_refresh_at_us, now_us);
  show_age (self->last_full_refresh_row, self->last_full_refresh_label, self->status->last_full_refresh_at_us,
            now_us);
  show_age (self->last_upload_row, self->last_upload_label, self->status->last_upload_at_us, now_us);
}

void
_gate_cache_panel_show_server (GateCachePanel *self)
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

void
_gate_cache_panel_show_figures (GateCachePanel *self)
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

  _gate_cache_panel_show_ages (self);
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
      _gate_cache_panel_show_message (self, message);
      return;
    }

  g_clear_pointer (&self->status, gate_cache_status_free);
  self->status = g_steal_pointer (&status);
  _gate_cache_panel_show_figures (self);
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
  const char *event_id = self->session != NULL ? gate_session_get_event_id (self->session) : NULL;
  gint64 since_us;

  self->read_idle_id = 0;
  g_cancellable_cancel (self->read_cancellable);
  g_clear_object (&self->read_cancellable);

  if (self->cache == NULL || event_id == NULL)
    {
      g_clear_pointer (&self->status, gate_cache_status_free);
      _gate_cache_panel_show_figures (self);
      gate_arrivals_chart_set_buckets (self->chart, NULL);
      return G_SOURCE_REMOVE;
    }

  since_us = g_get_real_time () - GATE_CACHE_PANEL_ARRIVALS_SPAN_US;
  self->arrivals_since_us = since_us - since_us % ARRIVALS_BUCKET_US;
  self->read_cancellable = g_cancellable_new ();
  gate_ticket_cache_get_status_async (self->cache, event_id, self->read_cancellable, on_status_read,
                                      g_object_ref (self));
  gate_ticket_cache_arrivals_async (self->cache, event_id, GATE_CACHE_PANEL_ARRIVALS_BUCKET_MIN,
                                    self->arrivals_since_us, self->read_cancellable, on_arrivals_read,
                                    g_object_ref (self));
  return G_SOURCE_REMOVE;
}

void
_gate_cache_panel_queue_read (GateCachePanel *self)
{
  if (self->read_idle_id == 0)
    self->read_idle_id = g_idle_add (read_now, self);
}

gboolean
_gate_cache_panel_on_age_tick (gpointer user_data)
{
  _gate_cache_panel_show_ages (user_data);
  return G_SOURCE_CONTINUE;
}

/* Dispose, or a new session: nothing read for the old one may arrive. */
void
_gate_cache_panel_stop_reading (GateCachePanel *self)
{
  g_clear_handle_id (&self->read_idle_id, g_source_remove);
  g_cancellable_cancel (self->read_cancellable);
  g_clear_object (&self->read_cancellable);
}
