/* gate-sound-player.c — one sound per verdict class
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tones are synthesised by GStreamer rather than shipped as files: a short
 * high chirp to admit, a long low buzz to deny, a mid triangle for "look at
 * the screen" (wrong event, busy). A gate worker tells them apart without
 * looking. A kiosk without audio output simply stays silent.
 */
#include "config.h"

#include <gst/gst.h>

#include "gate-sound-player.h"

struct _GateSoundPlayer
{
  GObject     parent_instance;

  GstElement *playing;
  gboolean    probed;
  gboolean    unavailable;
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

static void
stop_playing (GateSoundPlayer *self)
{
  if (self->playing == NULL)
    return;

  gst_bus_remove_watch (GST_ELEMENT_BUS (self->playing));
  gst_element_set_state (self->playing, GST_STATE_NULL);
  g_clear_pointer (&self->playing, gst_object_unref);
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  GateSoundPlayer *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;

        gst_message_parse_error (message, &error, NULL);
        g_message ("Verdict sounds are off: %s", error->message);
        self->unavailable = TRUE;
      }
      G_GNUC_FALLTHROUGH;
    case GST_MESSAGE_EOS:
      /* Released by the next sound or by dispose: removing the watch here
       * would free it while it runs. */
      gst_element_set_state (self->playing, GST_STATE_NULL);
      return G_SOURCE_CONTINUE;

    default:
      return G_SOURCE_CONTINUE;
    }
}

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

void
gate_sound_player_play (GateSoundPlayer *self,
                        GateVerdict      verdict)
{
  g_autofree char *description = NULL;
  g_autoptr(GError) error = NULL;
  const Tone *tone;
  GstElement *pipeline;

  g_return_if_fail (GATE_IS_SOUND_PLAYER (self));

  if (!self->probed)
    {
      self->probed = TRUE;
      self->unavailable = !probe_output ();
      if (self->unavailable)
        g_message ("Verdict sounds are off: no audio output");
    }

  if (self->unavailable)
    return;

  if (gate_verdict_is_admit (verdict))
    tone = &admit_tone;
  else if (verdict == GATE_VERDICT_WRONG_EVENT || verdict == GATE_VERDICT_BUSY)
    tone = &warning_tone;
  else
    tone = &deny_tone;

  /* A new verdict cuts the previous sound short: the newest one matters. */
  stop_playing (self);

  description = g_strdup_printf ("audiotestsrc wave=%s freq=%u volume=0.4 samplesperbuffer=4410 num-buffers=%u "
                                 "! audio/x-raw,rate=44100 ! audioconvert ! audioresample ! autoaudiosink",
                                 tone->wave, tone->frequency, tone->tenths);
  pipeline = gst_parse_launch (description, &error);
  if (pipeline == NULL)
    {
      g_message ("Verdict sounds are off: %s", error->message);
      self->unavailable = TRUE;
      return;
    }

  self->playing = gst_object_ref_sink (pipeline);
  gst_bus_add_watch (GST_ELEMENT_BUS (self->playing), on_bus_message, self);
  if (gst_element_set_state (self->playing, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_message ("Verdict sounds are off: no audio output");
      self->unavailable = TRUE;
      stop_playing (self);
    }
}

static void
gate_sound_player_dispose (GObject *object)
{
  stop_playing (GATE_SOUND_PLAYER (object));

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
}

GateSoundPlayer *
gate_sound_player_new (void)
{
  return g_object_new (GATE_TYPE_SOUND_PLAYER, NULL);
}
