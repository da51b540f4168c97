/* gate-sound-player.h — one sound per verdict class
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "gate-verdict.h"

G_BEGIN_DECLS

#define GATE_TYPE_SOUND_PLAYER (gate_sound_player_get_type ())
G_DECLARE_FINAL_TYPE (GateSoundPlayer, gate_sound_player, GATE, SOUND_PLAYER, GObject)

GateSoundPlayer *gate_sound_player_new  (void);
void             gate_sound_player_play (GateSoundPlayer *self,
                                         GateVerdict      verdict);
/* The tone @verdict sounds, e.g. "sine 1320 Hz 200 ms": verdict classes
 * that must be told apart by ear have different ones. */
char            *gate_sound_player_describe_tone (GateVerdict verdict);

G_END_DECLS
