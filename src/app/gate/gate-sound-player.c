/* gate-sound-player.c — one sound per verdict class
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tones are synthesised by GStreamer rather than shipped as files: a short
 * high chirp to admit, a long low buzz to deny, a mid triangle for "look at
 * the screen" (wrong event, busy), and for "can't check this ticket" a low
 * soft hum, the longest of all: not a yes, not a no. A gate worker tells
 * them apart without looking. A kiosk without audio output simply stays silent.
 *
 * Opening an audio device blocks (and the first one probes every output),
 * so tones play on a thread of their own, never on the main thread that
 * shows the verdict. A newer verdict cuts the tone in progress short.
 */
#include "config.h"

#include <gst/gst.h>

#include "gate-sound-player.h"

#define POLL_NS (20 * GST_MSECOND)

struct _GateSoundPlayer
{
  GObject      parent_instance;

  GThreadPool *player;     /* one thread: tones never overlap */
  gboolean     probed;     /* player thread only */
  gboolean     unavailable;
  gint         stopping;
};

G_DEFINE_FINAL_TYPE (GateSoundPlayer, gate_sound_player, G_TYPE_OBJECT)

typedef struct
{
  const char *wave;
  guint       frequency;
  guint       tenths;    /* duration in tenths of a second */
} Tone;

static const Tone admit_tone = { "sine", 1320, 2 };
static const Tone deny_tone = { "square", 220, 6 };
static const Tone warning_tone = { "triangle", 660, 4 };
static const Tone undecided_tone = { "sine", 330, 9 };

/* autoaudiosink falls back to a fakesink when no output works, silently
 * but after every audio library has complained: ask once which sink it
 * picked, and stay quiet for good if it was none. */
static gboolean
probe_output (void)
{
  g_autoptr(GstElement) sink = gst_element_factory_make ("autoaudiosink", NULL);
  g_autoptr(GObject) child = NULL;
  gboolean usable = FALSE;

  if (sink == NULL)
    return FALSE;

  gst_object_ref_sink (sink);
  if (gst_element_set_state (sink, GST_STATE_READY) != GST_STATE_CHANGE_FAILURE)
    {
      child = gst_child_proxy_get_child_by_index (GST_CHILD_PROXY (sink), 0);
      usable = child != NULL && GST_IS_ELEMENT (child) &&
               g_strcmp0 (GST_OBJECT_NAME (gst_element_get_factory (GST_ELEMENT (child))), "fakesink") != 0;
    }
  gst_element_set_state (sink, GST_STATE_NULL);

  return usable;
}

/* Until the tone ends, fails, or a newer one (or dispose) wants the device. */
static void
wait_for_tone (GateSoundPlayer *self,
               GstElement      *pipeline)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (pipeline);

  while (g_thread_pool_unprocessed (self->player) == 0 && !g_atomic_int_get (&self->stopping))
    {
      g_autoptr(GstMessage) message = gst_bus_timed_pop_filtered (bus, POLL_NS, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

      if (message == NULL)
        continue;

      if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
        {
          g_autoptr(GError) error = NULL;

          gst_message_parse_error (message, &error, NULL);
          g_message ("Verdict sounds are off: %s", error->message);
          g_atomic_int_set (&self->unavailable, TRUE);
        }
      return;
    }
}

static void
play_tone (gpointer data,
           gpointer user_data)
{
  const Tone *tone = data;
  GateSoundPlayer *self = user_data;
  g_autofree char *description = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = NULL;

  if (!self->probed)
    {
      self->probed = TRUE;
      if (!probe_output ())
        {
          g_message ("Verdict sounds are off: no audio output");
          g_atomic_int_set (&self->unavailable, TRUE);
        }
    }

  /* A newer tone is queued: this one would be cut off at once anyway. */
  if (g_atomic_int_get (&self->unavailable) || g_thread_pool_unprocessed (self->player) > 0)
    return;

  description = g_strdup_printf ("audiotestsrc wave=%s freq=%u volume=0.4 samplesperbuffer=4410 num-buffers=%u "
                                 "! audio/x-raw,rate=44100 ! audioconvert ! audioresample ! autoaudiosink",
                                 tone->wave, tone->frequency, tone->tenths);
  pipeline = gst_parse_launch (description, &error);
  if (pipeline == NULL)
    {
      g_message ("Verdict sounds are off: %s", error->message);
      g_atomic_int_set (&self->unavailable, TRUE);
      return;
    }
  gst_object_ref_sink (pipeline);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_message ("Verdict sounds are off: no audio output");
      g_atomic_int_set (&self->unavailable, TRUE);
    }
  else
    wait_for_tone (self, pipeline);

  gst_element_set_state (pipeline, GST_STATE_NULL);
}

static const Tone *
tone_for (GateVerdict verdict)
{
  if (verdict == GATE_VERDICT_CANNOT_DECIDE)
    return &undecided_tone;
  if (gate_verdict_is_admit (verdict) || verdict == GATE_VERDICT_EXITED)
    return &admit_tone;
  if (verdict == GATE_VERDICT_WRONG_EVENT || verdict == GATE_VERDICT_BUSY ||
      verdict == GATE_VERDICT_NOT_ALLOWED_HERE)
    return &warning_tone;
  return &deny_tone;
}

char *
gate_sound_player_describe_tone (GateVerdict verdict)
{
  const Tone *tone = tone_for (verdict);

  return g_strdup_printf ("%s %u Hz %u ms", tone->wave, tone->frequency, tone->tenths * 100);
}

void
gate_sound_player_play (GateSoundPlayer *self,
                        GateVerdict      verdict)
{
  const Tone *tone;

  g_return_if_fail (GATE_IS_SOUND_PLAYER (self));

  if (g_atomic_int_get (&self->unavailable))
    return;

  tone = tone_for (verdict);
  g_thread_pool_push (self->player, (gpointer) tone, NULL);
}

static void
gate_sound_player_dispose (GObject *object)
{
  GateSoundPlayer *self = GATE_SOUND_PLAYER (object);

  if (self->player != NULL)
    {
      /* Drops queued tones and waits for the one playing to notice. */
      g_atomic_int_set (&self->stopping, TRUE);
      g_thread_pool_free (g_steal_pointer (&self->player), TRUE, TRUE);
    }

  G_OBJECT_CLASS (gate_sound_player_parent_class)->dispose (object);
}

static void
gate_sound_player_class_init (GateSoundPlayerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gate_sound_player_dispose;
}

static void
gate_sound_player_init (GateSoundPlayer *self)
{
  /* The pool holds no reference: dispose frees it, waiting for its thread. */
  self->player = g_thread_pool_new (play_tone, self, 1, FALSE, NULL);
}

GateSoundPlayer *
gate_sound_player_new (void)
{
  return g_object_new (GATE_TYPE_SOUND_PLAYER, NULL);
}
