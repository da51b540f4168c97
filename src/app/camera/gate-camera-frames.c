/* gate-camera-frames.c — preview frames, from the streaming thread to the paintable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The appsink's streaming thread keeps only the newest sample and queues
 * one delivery to the main context at a time. There the buffer is mapped
 * and wrapped (not copied) into a GdkMemoryTexture that keeps the mapping
 * alive, and the paintable swaps it in.
 */
#include "config.h"

#include <gst/video/video.h>

#include "gate-camera-private.h"

static void
unmap_frame (gpointer data)
{
  GstVideoFrame *frame = data;

  gst_video_frame_unmap (frame);
  g_free (frame);
}

static GdkTexture *
texture_from_sample (GstSample *sample)
{
  GstCaps *caps = gst_sample_get_caps (sample);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  g_autoptr(GBytes) bytes = NULL;
  GstVideoFrame *frame;
  GstVideoInfo info;
  gsize stride;

  if (caps == NULL || buffer == NULL || !gst_video_info_from_caps (&info, caps))
    return NULL;

  frame = g_new0 (GstVideoFrame, 1);
  if (!gst_video_frame_map (frame, &info, buffer, GST_MAP_READ))
    {
      g_free (frame);
      return NULL;
    }

  /* The mapping (and with it the buffer) lives as long as the texture. */
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  bytes = g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (frame, 0),
                                      stride * GST_VIDEO_FRAME_HEIGHT (frame), unmap_frame, frame);

  return gdk_memory_texture_new (GST_VIDEO_FRAME_WIDTH (frame), GST_VIDEO_FRAME_HEIGHT (frame),
                                 GDK_MEMORY_B8G8R8A8_PREMULTIPLIED, bytes, stride);
}

/* Main context. */
static gboolean
deliver_frame (gpointer user_data)
{
  GateCameraSession *session = user_data;
  g_autoptr(GstSample) sample = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GateCamera *self = session->camera;

  g_mutex_lock (&session->lock);
  sample = g_steal_pointer (&session->pending_sample);
  session->delivery_queued = FALSE;
  g_mutex_unlock (&session->lock);

  if (self == NULL || sample == NULL)
    return G_SOURCE_REMOVE;

  texture = texture_from_sample (sample);
  if (texture == NULL)
    return G_SOURCE_REMOVE;

  gate_frame_paintable_set_texture (self->paintable, texture);

  /* Running means the gate worker sees a picture, not merely that the
   * pipeline reached PLAYING (a live source gets there with no frame). */
  if (self->state == GATE_CAMERA_STATE_STARTING)
    _gate_camera_set_state (self, GATE_CAMERA_STATE_RUNNING, NULL);

  return G_SOURCE_REMOVE;
}

/* Streaming thread. */
GstFlowReturn
_gate_camera_on_new_sample (GstAppSink *sink,
                            gpointer    user_data)
{
  GateCameraSession *session = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  g_autoptr(GstSample) replaced = NULL;
  gboolean queue_delivery;

  if (sample == NULL)
    return GST_FLOW_EOS;

  g_mutex_lock (&session->lock);
  replaced = g_steal_pointer (&session->pending_sample);
  session->pending_sample = sample;
  queue_delivery = !session->delivery_queued;
  session->delivery_queued = TRUE;
  g_mutex_unlock (&session->lock);

  if (queue_delivery)
    g_main_context_invoke_full (session->context, G_PRIORITY_DEFAULT, deliver_frame,
                                _gate_camera_session_ref (session), (GDestroyNotify) _gate_camera_session_unref);

  return GST_FLOW_OK;
}
