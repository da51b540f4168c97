/* test-camera.c — GateCamera runs a real GStreamer pipeline from test sources
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No display is needed: the preview is checked through the paintable's
 * intrinsic size and its textures, never by realizing a widget. Frames come
 * from videotestsrc + qroverlay or from an appsrc that the tests feed with
 * frames drawn by libqrencode.
 */
#include "config.h"

#include <string.h>

#include <gst/app/gstappsrc.h>
#include <gtk/gtk.h>

#include "gate-camera.h"
#include "gate-frame-paintable.h"
#include "gate-test-harness.h"
#include "qr-frame.h"

#define DEADLINE_MS 15000

#define FRAME_WIDTH  640
#define FRAME_HEIGHT 480
#define FRAME_DURATION (GST_SECOND / 30)

/* Non-live and timestamped: the camera paces it to real time. */
#define APPSRC_SOURCE \
  "appsrc name=src format=time caps=video/x-raw,format=GRAY8,width=640,height=480,framerate=30/1"

typedef struct
{
  GateCamera  *camera;
  GPtrArray   *codes;
  GArray      *frame_times;
  GstElement  *appsrc;
  GstClockTime next_pts;
} Fixture;

static void
on_code_detected (GateCamera *camera,
                  const char *code,
                  gint64      frame_time_us,
                  Fixture    *fixture)
{
  g_ptr_array_add (fixture->codes, g_strdup (code));
  g_array_append_val (fixture->frame_times, frame_time_us);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->camera = gate_camera_new ("none", "zbar");
  fixture->codes = g_ptr_array_new_with_free_func (g_free);
  fixture->frame_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_signal_connect (fixture->camera, "code-detected", G_CALLBACK (on_code_detected), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gst_clear_object (&fixture->appsrc);
  g_clear_object (&fixture->camera);
  g_ptr_array_unref (fixture->codes);
  g_array_unref (fixture->frame_times);
}

/* --- conditions ------------------------------------------------------------- */

typedef struct
{
  GateCamera      *camera;
  GateCameraState  state;
} StateWait;

static gboolean
camera_in_state (gpointer user_data)
{
  StateWait *wait = user_data;

  return gate_camera_get_state (wait->camera) == wait->state;
}

static void
assert_reaches_state (GateCamera      *camera,
                      GateCameraState  state)
{
  StateWait wait = { camera, state };

  if (!gate_test_wait_until (NULL, camera_in_state, &wait, DEADLINE_MS))
    g_error ("camera stayed in state %d (%s), expected %d", gate_camera_get_state (camera),
             gate_camera_get_error_message (camera), state);
}

typedef struct
{
  Fixture    *fixture;
  const char *code;
} CodeWait;

static gboolean
code_was_detected (gpointer user_data)
{
  CodeWait *wait = user_data;

  for (guint i = 0; i < wait->fixture->codes->len; i++)
    if (strcmp (g_ptr_array_index (wait->fixture->codes, i), wait->code) == 0)
      return TRUE;

  return FALSE;
}

static void
assert_detects (Fixture    *fixture,
                const char *code)
{
  CodeWait wait = { fixture, code };

  if (!gate_test_wait_until (NULL, code_was_detected, &wait, DEADLINE_MS))
    g_error ("“%s” not detected within %d ms (%u other codes)", code, DEADLINE_MS,
             fixture->codes->len);
}

typedef struct
{
  GdkPaintable *paintable;
  int           width;
  int           height;
} SizeWait;

static gboolean
paintable_has_size (gpointer user_data)
{
  SizeWait *wait = user_data;

  return gdk_paintable_get_intrinsic_width (wait->paintable) == wait->width &&
         gdk_paintable_get_intrinsic_height (wait->paintable) == wait->height;
}

typedef struct
{
  gint  count;
  gint  target;
} Counter;

static gboolean
counter_reached (gpointer user_data)
{
  Counter *counter = user_data;

  return g_atomic_int_get (&counter->count) >= counter->target;
}

/* What went through the decoder, from its streaming thread. */
typedef struct
{
  GMutex       lock;
  GstClockTime first_pts;
  GstClockTime last_pts;
} DecoderWatch;

static void
decoder_watch_free (gpointer data)
{
  DecoderWatch *watch = data;

  g_mutex_clear (&watch->lock);
  g_free (watch);
}

static GstPadProbeReturn
watch_buffer (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  DecoderWatch *watch = user_data;
  GstClockTime pts = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));

  g_mutex_lock (&watch->lock);
  if (!GST_CLOCK_TIME_IS_VALID (watch->first_pts))
    watch->first_pts = pts;
  watch->last_pts = pts;
  g_mutex_unlock (&watch->lock);
  g_main_context_wakeup (NULL);

  return GST_PAD_PROBE_OK;
}

typedef struct
{
  DecoderWatch *watch;
  GstClockTime  pts;
} PtsWait;

static gboolean
decoder_reached_pts (gpointer user_data)
{
  PtsWait *wait = user_data;
  gboolean reached;

  g_mutex_lock (&wait->watch->lock);
  reached = GST_CLOCK_TIME_IS_VALID (wait->watch->last_pts) && wait->watch->last_pts >= wait->pts;
  g_mutex_unlock (&wait->watch->lock);
  return reached;
}

/* Any thread: the object is gone. */
static void
set_gone (gpointer  data,
          GObject  *where_the_object_was)
{
  Counter *counter = data;

  g_atomic_int_inc (&counter->count);
  g_main_context_wakeup (NULL);
}

/* --- feeding an appsrc ---------------------------------------------------------- */

static void
start_with_appsrc (Fixture    *fixture,
                   const char *decoder)
{
  gate_camera_set_source (fixture->camera, APPSRC_SOURCE);
  gate_camera_set_decoder (fixture->camera, decoder);
  gate_camera_start (fixture->camera);
  g_assert_cmpint (gate_camera_get_state (fixture->camera), ==, GATE_CAMERA_STATE_STARTING);

  fixture->appsrc = gate_camera_dup_source_element (fixture->camera, "src");
  g_assert_nonnull (fixture->appsrc);
  fixture->next_pts = 0;
}

static void
push_frames (Fixture *fixture,
             GBytes  *frame,
             guint    count)
{
  for (guint i = 0; i < count; i++)
    {
      GstBuffer *buffer = gst_buffer_new_wrapped_bytes (frame);

      GST_BUFFER_PTS (buffer) = fixture->next_pts;
      GST_BUFFER_DURATION (buffer) = FRAME_DURATION;
      fixture->next_pts += FRAME_DURATION;
      g_assert_cmpint (gst_app_src_push_buffer (GST_APP_SRC (fixture->appsrc), buffer), ==,
                       GST_FLOW_OK);
    }
}

static GstElement *
dup_pipeline_element (GateCamera *camera,
                      const char *name)
{
  g_autoptr(GstElement) source = gate_camera_dup_source_element (camera, NULL);
  g_autoptr(GstObject) pipeline = gst_object_get_parent (GST_OBJECT (source));

  return gst_bin_get_by_name (GST_BIN (pipeline), name);
}

/* The pipeline is torn down in the background after the test, so the
 * watch belongs to the probe, not to the test's stack. */
static DecoderWatch *
watch_decoder (GateCamera *camera)
{
  g_autoptr(GstElement) decoder = dup_pipeline_element (camera, "decoder");
  g_autoptr(GstPad) decoder_src = gst_element_get_static_pad (decoder, "src");
  DecoderWatch *watch = g_new0 (DecoderWatch, 1);

  g_mutex_init (&watch->lock);
  watch->first_pts = GST_CLOCK_TIME_NONE;
  watch->last_pts = GST_CLOCK_TIME_NONE;
  gst_pad_add_probe (decoder_src, GST_PAD_PROBE_TYPE_BUFFER, watch_buffer, watch,
                     decoder_watch_free);
  return watch;
}

/* Decoders post their reports before passing a frame on: once the decoder
 * is past @pts, every report up to it is queued on the bus. */
static void
wait_until_decoded (DecoderWatch *watch,
                    GstClockTime  pts)
{
  PtsWait wait = { watch, pts };

  g_assert_true (gate_test_wait_until (NULL, decoder_reached_pts, &wait, DEADLINE_MS));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* --- tests ------------------------------------------------------------------------ */

static void
test_none_is_no_camera (Fixture       *fixture,
                        gconstpointer  data)
{
  gate_camera_set_source (fixture->camera, "none");
  gate_camera_start (fixture->camera);

  g_assert_cmpint (gate_camera_get_state (fixture->camera), ==, GATE_CAMERA_STATE_NO_CAMERA);
  g_assert_nonnull (gate_camera_get_error_message (fixture->camera));
  g_assert_null (gate_camera_dup_source_element (fixture->camera, NULL));
}

static void
test_auto_without_device_is_no_camera (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(GDir) dev = g_dir_open ("/dev", 0, NULL);
  const char *name;

  while (dev != NULL && (name = g_dir_read_name (dev)) != NULL)
    {
      if (g_str_has_prefix (name, "video"))
        {
          g_test_skip ("this machine has a video device");
          return;
        }
    }
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("sandboxed: the camera portal decides");
      return;
    }

  gate_camera_set_source (fixture->camera, "auto");
  gate_camera_start (fixture->camera);
  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_NO_CAMERA);
  g_assert_nonnull (gate_camera_get_error_message (fixture->camera));
}

static void
test_decodes_qroverlay (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *decoder = data;

  gate_camera_set_source (fixture->camera,
                          "videotestsrc is-live=true "
                          "! video/x-raw,width=640,height=480,framerate=30/1 "
                          "! qroverlay data=ABC123 pixel-size=4");
  gate_camera_set_decoder (fixture->camera, decoder);
  gate_camera_start (fixture->camera);

  assert_detects (fixture, "ABC123");
  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_RUNNING);
}

static void
test_decodes_exact_payload (Fixture       *fixture,
                            gconstpointer  data)
{
  const char *decoder = data;
  const char *token = "tKt-9fQ3a_ZqLm0x.e7Wb";
  g_autoptr(GBytes) frame = gate_qr_gray_frame (FRAME_WIDTH, FRAME_HEIGHT, token, 5);
  gint64 started_us = g_get_monotonic_time ();

  start_with_appsrc (fixture, decoder);
  push_frames (fixture, frame, 15);

  assert_detects (fixture, token);
  g_assert_cmpuint (fixture->codes->len, ==, 1);
  /* The capture time of the first frame, on the monotonic clock. */
  g_assert_cmpint (g_array_index (fixture->frame_times, gint64, 0), >=, started_us);
  g_assert_cmpint (g_array_index (fixture->frame_times, gint64, 0), <=, g_get_monotonic_time ());
}

static void
test_held_code_reported_once (Fixture       *fixture,
                              gconstpointer  data)
{
  const char *token = "Held-In-View-42";
  g_autoptr(GBytes) with_code = gate_qr_gray_frame (FRAME_WIDTH, FRAME_HEIGHT, token, 5);
  g_autoptr(GBytes) without_code = gate_qr_gray_frame (FRAME_WIDTH, FRAME_HEIGHT, NULL, 0);
  DecoderWatch *watch;

  /* zxing reports the code in every frame it reads, so this checks the
   * camera's own rule rather than a decoder's cache. Its leaky queue may
   * skip frames on a busy machine, but never the newest one. */
  start_with_appsrc (fixture, "zxing");
  watch = watch_decoder (fixture->camera);

  push_frames (fixture, with_code, 45);     /* 1.5 s in view */
  push_frames (fixture, without_code, 40);  /* 1.33 s away: longer than GATE_CAMERA_REAPPEAR_US */
  push_frames (fixture, with_code, 10);
  wait_until_decoded (watch, fixture->next_pts - FRAME_DURATION);

  g_assert_cmpuint (fixture->codes->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->codes, 0), ==, token);
  g_assert_cmpstr (g_ptr_array_index (fixture->codes, 1), ==, token);
  g_assert_cmpint (g_array_index (fixture->frame_times, gint64, 1) -
                     g_array_index (fixture->frame_times, gint64, 0), >=,
                   GATE_CAMERA_REAPPEAR_US);
}

static void
test_noise_yields_no_code (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *decoder_name = data;
  g_autoptr(GBytes) qr = gate_qr_gray_frame (FRAME_WIDTH, FRAME_HEIGHT, "AFTER-NOISE", 5);
  DecoderWatch *watch;
  GstClockTime first_qr_pts;

  start_with_appsrc (fixture, decoder_name);
  watch = watch_decoder (fixture->camera);

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GBytes) noise = gate_qr_noise_frame (FRAME_WIDTH, FRAME_HEIGHT, 1000 + i);

      push_frames (fixture, noise, 1);
    }
  first_qr_pts = fixture->next_pts;
  push_frames (fixture, qr, 10);

  /* The decoder read garbage, survived it, and still reads codes. */
  assert_detects (fixture, "AFTER-NOISE");
  g_mutex_lock (&watch->lock);
  g_assert_cmpuint (watch->first_pts, <, first_qr_pts);
  g_mutex_unlock (&watch->lock);
  g_assert_cmpuint (fixture->codes->len, ==, 1);
  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_RUNNING);
}

static void
test_preview_has_source_size (Fixture       *fixture,
                              gconstpointer  data)
{
  GdkPaintable *paintable = gate_camera_get_paintable (fixture->camera);
  SizeWait wait = { paintable, 1280, 720 };
  GdkTexture *texture;

  g_assert_cmpint (gdk_paintable_get_intrinsic_width (paintable), ==, 0);

  gate_camera_set_source (fixture->camera,
                          "videotestsrc is-live=true "
                          "! capsfilter caps=video/x-raw,width=1280,height=720,framerate=30/1");
  gate_camera_start (fixture->camera);

  g_assert_true (gate_test_wait_until (NULL, paintable_has_size, &wait, DEADLINE_MS));
  g_assert_cmpint (gate_camera_get_state (fixture->camera), ==, GATE_CAMERA_STATE_RUNNING);
  g_assert_cmpfloat_with_epsilon (gdk_paintable_get_intrinsic_aspect_ratio (paintable),
                                  1280.0 / 720.0, 1e-9);

  texture = gate_frame_paintable_get_texture (GATE_FRAME_PAINTABLE (paintable));
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 1280);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 720);
}

/* What GtkPicture will draw: the current frame, as a texture, scaled to
 * the widget's allocation. Needs no display. */
static void
test_preview_snapshot_draws_frame (Fixture       *fixture,
                                   gconstpointer  data)
{
  GdkPaintable *paintable = gate_camera_get_paintable (fixture->camera);
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkPaintable) image = NULL;
  graphene_rect_t bounds;

  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, 400, 300);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_null (node);

  gate_camera_set_source (fixture->camera,
                          "videotestsrc is-live=true "
                          "! capsfilter caps=video/x-raw,width=320,height=240,framerate=30/1");
  gate_camera_start (fixture->camera);
  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_RUNNING);

  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, 400, 300);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  g_assert_cmpint (gsk_render_node_get_node_type (node), ==, GSK_TEXTURE_NODE);
  g_assert_true (gsk_texture_node_get_texture (node) ==
                 gate_frame_paintable_get_texture (GATE_FRAME_PAINTABLE (paintable)));
  gsk_render_node_get_bounds (node, &bounds);
  g_assert_cmpfloat (bounds.size.width, ==, 400);
  g_assert_cmpfloat (bounds.size.height, ==, 300);

  /* A frozen image stays the same frame while the camera moves on. */
  image = gdk_paintable_get_current_image (paintable);
  g_assert_true (GDK_IS_TEXTURE (image));
  g_assert_cmpuint (gdk_paintable_get_flags (image), ==,
                    GDK_PAINTABLE_STATIC_SIZE | GDK_PAINTABLE_STATIC_CONTENTS);
}

static void
test_preview_keeps_receiving_frames (Fixture       *fixture,
                                     gconstpointer  data)
{
  GateFramePaintable *paintable =
    GATE_FRAME_PAINTABLE (gate_camera_get_paintable (fixture->camera));
  Counter invalidations = { 0, 10 };
  guint64 first_count;
  gulong handler;

  handler = g_signal_connect_swapped (paintable, "invalidate-contents",
                                      G_CALLBACK (g_atomic_int_inc), &invalidations.count);

  gate_camera_set_source (fixture->camera,
                          "videotestsrc is-live=true "
                          "! capsfilter caps=video/x-raw,width=320,height=240,framerate=30/1");
  gate_camera_start (fixture->camera);
  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_RUNNING);
  first_count = gate_frame_paintable_get_frame_count (paintable);

  g_assert_true (gate_test_wait_until (NULL, counter_reached, &invalidations, DEADLINE_MS));
  g_assert_cmpuint (gate_frame_paintable_get_frame_count (paintable), >, first_count);
  g_signal_handler_disconnect (paintable, handler);
}

static void
test_bad_description_is_error (Fixture       *fixture,
                               gconstpointer  data)
{
  const char *description = data;

  gate_camera_set_source (fixture->camera, description);
  gate_camera_start (fixture->camera);

  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_ERROR);
  g_assert_nonnull (gate_camera_get_error_message (fixture->camera));
  g_assert_cmpstr (gate_camera_get_error_message (fixture->camera), !=, "");
  g_assert_null (gate_camera_dup_source_element (fixture->camera, NULL));
}

static void
test_unknown_decoder_is_error (Fixture       *fixture,
                               gconstpointer  data)
{
  gate_camera_set_source (fixture->camera, "videotestsrc is-live=true");
  gate_camera_set_decoder (fixture->camera, "quagga");
  gate_camera_start (fixture->camera);

  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_ERROR);
  g_assert_nonnull (strstr (gate_camera_get_error_message (fixture->camera), "quagga"));
}

static void
test_runtime_source_error_is_error (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GBytes) frame = gate_qr_gray_frame (FRAME_WIDTH, FRAME_HEIGHT, NULL, 0);
  g_autoptr(GstCaps) audio = gst_caps_from_string ("audio/x-raw,format=S16LE,rate=8000,channels=1");

  start_with_appsrc (fixture, "zbar");
  push_frames (fixture, frame, 3);
  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_RUNNING);

  /* The source switches to something no camera branch can take: the
   * stream fails inside the running pipeline, as a driver error would. */
  gst_app_src_set_caps (GST_APP_SRC (fixture->appsrc), audio);
  push_frames (fixture, frame, 1);

  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_ERROR);
  g_assert_nonnull (gate_camera_get_error_message (fixture->camera));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (gate_camera_get_paintable (fixture->camera)),
                   ==, 0);
}

static void
test_source_end_is_error (Fixture       *fixture,
                          gconstpointer  data)
{
  gate_camera_set_source (fixture->camera,
                          "videotestsrc num-buffers=3 ! capsfilter caps=video/x-raw,width=320,height=240");
  gate_camera_start (fixture->camera);

  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_ERROR);
  g_assert_nonnull (gate_camera_get_error_message (fixture->camera));
}

static void
test_retry_after_fix_runs (Fixture       *fixture,
                           gconstpointer  data)
{
  gate_camera_set_source (fixture->camera, "v4l2src device=/nonexistent/video0");
  gate_camera_start (fixture->camera);
  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_ERROR);

  gate_camera_set_source (fixture->camera,
                          "videotestsrc is-live=true "
                          "! capsfilter caps=video/x-raw,width=320,height=240,framerate=30/1");
  gate_camera_retry (fixture->camera);
  g_assert_null (gate_camera_get_error_message (fixture->camera));
  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_RUNNING);
}

static void
test_stop_tears_down_pipeline (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GstElement) source = NULL;
  GstObject *pipeline;
  Counter gone = { 0, 1 };

  gate_camera_set_source (fixture->camera,
                          "videotestsrc is-live=true "
                          "! capsfilter caps=video/x-raw,width=320,height=240,framerate=30/1");
  gate_camera_start (fixture->camera);
  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_RUNNING);

  source = gate_camera_dup_source_element (fixture->camera, NULL);
  pipeline = gst_object_get_parent (GST_OBJECT (source));
  g_object_weak_ref (G_OBJECT (pipeline), set_gone, &gone);
  gst_object_unref (pipeline);
  gst_clear_object (&source);

  gate_camera_stop (fixture->camera);
  g_assert_cmpint (gate_camera_get_state (fixture->camera), ==, GATE_CAMERA_STATE_STOPPED);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (gate_camera_get_paintable (fixture->camera)),
                   ==, 0);

  /* Freed means it went to NULL first (GStreamer aborts the test
   * otherwise) and so its streaming threads were joined. */
  g_assert_true (gate_test_wait_until (NULL, counter_reached, &gone, DEADLINE_MS));
}

static void
test_start_while_running_is_noop (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GstElement) before = NULL;
  g_autoptr(GstElement) after = NULL;

  gate_camera_set_source (fixture->camera,
                          "videotestsrc is-live=true "
                          "! capsfilter caps=video/x-raw,width=320,height=240,framerate=30/1");
  gate_camera_start (fixture->camera);
  assert_reaches_state (fixture->camera, GATE_CAMERA_STATE_RUNNING);
  before = gate_camera_dup_source_element (fixture->camera, NULL);

  gate_camera_start (fixture->camera);
  after = gate_camera_dup_source_element (fixture->camera, NULL);

  g_assert_true (before == after);
  g_assert_cmpint (gate_camera_get_state (fixture->camera), ==, GATE_CAMERA_STATE_RUNNING);
}

/* --- the decoder setting "auto" ------------------------------------------------------ */

static gboolean
nothing_installed (const char *name)
{
  return FALSE;
}

static gboolean
everything_installed (const char *name)
{
  return TRUE;
}

static void
test_auto_resolves_by_what_is_installed (void)
{
  g_assert_cmpstr (gate_camera_decoder_for ("auto", everything_installed), ==, "zxing");
  g_assert_cmpstr (gate_camera_decoder_for ("auto", nothing_installed), ==, "zbar");
  /* A decoder asked for by name is that one, installed or not. */
  g_assert_cmpstr (gate_camera_decoder_for ("zbar", everything_installed), ==, "zbar");
  g_assert_cmpstr (gate_camera_decoder_for ("zxing", nothing_installed), ==, "zxing");
}

static char *
decoder_factory_name (GateCamera *camera)
{
  g_autoptr(GstElement) decoder = dup_pipeline_element (camera, "decoder");

  return g_strdup (GST_OBJECT_NAME (gst_element_get_factory (decoder)));
}

/* @data: the decoder "auto" must choose with the registry as it is. */
static void
test_auto_decodes_with (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *factory = NULL;

  gate_camera_set_source (fixture->camera,
                          "videotestsrc is-live=true "
                          "! video/x-raw,width=640,height=480,framerate=30/1 "
                          "! qroverlay data=ABC123 pixel-size=4");
  gate_camera_set_decoder (fixture->camera, "auto");
  gate_camera_start (fixture->camera);

  assert_detects (fixture, "ABC123");
  factory = decoder_factory_name (fixture->camera);
  g_assert_cmpstr (factory, ==, data);
}

/* Takes zxing out of this process's registry, as on a system without it;
 * so it runs last. */
static void
test_auto_without_zxing_element_uses_zbar (Fixture       *fixture,
                                           gconstpointer  data)
{
  GstPluginFeature *zxing = gst_registry_lookup_feature (gst_registry_get (), "zxing");

  if (zxing != NULL)
    {
      gst_registry_remove_feature (gst_registry_get (), zxing);
      gst_object_unref (zxing);
    }
  g_assert_false (gate_camera_element_available ("zxing"));
  g_assert_true (gate_camera_element_available ("zbar"));

  test_auto_decodes_with (fixture, "zbar");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  /* gtk_init() would want a display; snapshots only need the node types. */
  g_type_ensure (GSK_TYPE_TEXTURE_NODE);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("/camera/source/none-is-no-camera", test_none_is_no_camera, NULL);
  ADD ("/camera/source/auto-without-device-is-no-camera", test_auto_without_device_is_no_camera,
       NULL);
  ADD ("/camera/zbar/decodes-qroverlay", test_decodes_qroverlay, "zbar");
  ADD ("/camera/zxing/decodes-qroverlay", test_decodes_qroverlay, "zxing");
  ADD ("/camera/zbar/decodes-exact-payload", test_decodes_exact_payload, "zbar");
  ADD ("/camera/zxing/decodes-exact-payload", test_decodes_exact_payload, "zxing");
  ADD ("/camera/codes/held-code-reported-once", test_held_code_reported_once, NULL);
  ADD ("/camera/zbar/noise-yields-no-code", test_noise_yields_no_code, "zbar");
  ADD ("/camera/zxing/noise-yields-no-code", test_noise_yields_no_code, "zxing");
  ADD ("/camera/preview/has-source-size", test_preview_has_source_size, NULL);
  ADD ("/camera/preview/snapshot-draws-frame", test_preview_snapshot_draws_frame, NULL);
  ADD ("/camera/preview/keeps-receiving-frames", test_preview_keeps_receiving_frames, NULL);
  ADD ("/camera/error/unknown-element", test_bad_description_is_error,
       "videotestsrc ! nosuchelement");
  ADD ("/camera/error/syntax", test_bad_description_is_error, "videotestsrc ! ! (");
  ADD ("/camera/error/no-video-output", test_bad_description_is_error, "fakesink");
  ADD ("/camera/error/missing-device", test_bad_description_is_error,
       "v4l2src device=/nonexistent/video0");
  ADD ("/camera/error/unknown-decoder", test_unknown_decoder_is_error, NULL);
  ADD ("/camera/error/runtime-source-error", test_runtime_source_error_is_error, NULL);
  ADD ("/camera/error/source-ends", test_source_end_is_error, NULL);
  ADD ("/camera/state/retry-after-fix-runs", test_retry_after_fix_runs, NULL);
  ADD ("/camera/state/stop-tears-down-pipeline", test_stop_tears_down_pipeline, NULL);
  ADD ("/camera/state/start-while-running-is-noop", test_start_while_running_is_noop, NULL);
  g_test_add_func ("/camera/auto/resolves-by-what-is-installed", test_auto_resolves_by_what_is_installed);
  ADD ("/camera/auto/uses-zxing-when-installed", test_auto_decodes_with, "zxing");
  /* Last: it changes the registry. */
  ADD ("/camera/auto/without-zxing-element-uses-zbar", test_auto_without_zxing_element_uses_zbar, NULL);

#undef ADD

  return g_test_run ();
}
