/* gate-camera-codes.c — which decoded codes are news
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * zxing reports a code in every frame it sees it in (zbar without its
 * cache does too): a code is news only when it comes (back) into view,
 * i.e. it was not seen for GATE_CAMERA_REAPPEAR_US of frame time.
 * Debouncing re-scans of a ticket is the scan engine's business, not ours.
 */
#include "config.h"

#include "gate-camera-private.h"

/* Codes remembered before the ones gone from view are forgotten. */
#define SIGHTINGS_KEPT 64

/* The capture time of the frame at @running_time, on g_get_monotonic_time()'s
 * clock, whatever clock the pipeline runs on. */
gint64
_gate_camera_frame_time_us (GateCameraSession *session,
                            GstClockTime       running_time)
{
  g_autoptr(GstClock) clock = gst_element_get_clock (session->pipeline);
  gint64 now_us = g_get_monotonic_time ();
  GstClockTime captured;
  GstClockTime now;

  if (clock == NULL || !GST_CLOCK_TIME_IS_VALID (running_time))
    return now_us;

  captured = gst_element_get_base_time (session->pipeline) + running_time;
  now = gst_clock_get_time (clock);
  if (now < captured)
    return now_us;

  return now_us - (gint64) ((now - captured) / GST_USECOND);
}

static gboolean
forget_if_gone (gpointer key,
                gpointer value,
                gpointer user_data)
{
  const gint64 *last_seen_us = value;
  const gint64 *now_us = user_data;

  return *now_us - *last_seen_us >= GATE_CAMERA_REAPPEAR_US;
}

gboolean
_gate_camera_is_new_sighting (GateCamera *self,
                              const char *code,
                              gint64      seen_us)
{
  gint64 *last_seen_us = g_hash_table_lookup (self->last_seen, code);
  gboolean is_new;

  if (last_seen_us != NULL)
    {
      is_new = seen_us - *last_seen_us >= GATE_CAMERA_REAPPEAR_US;
      *last_seen_us = MAX (*last_seen_us, seen_us);
      return is_new;
    }

  if (g_hash_table_size (self->last_seen) >= SIGHTINGS_KEPT)
    g_hash_table_foreach_remove (self->last_seen, forget_if_gone, &seen_us);

  last_seen_us = g_new (gint64, 1);
  *last_seen_us = seen_us;
  g_hash_table_insert (self->last_seen, g_strdup (code), last_seen_us);
  return TRUE;
}
