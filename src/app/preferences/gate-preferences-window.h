/* gate-preferences-window.h — the scanner's preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Connection (server address, API key, device ID, the device token, a
 * connection test), the event (picked from the server's list_events),
 * scanning (device name, decoder, sounds, verdict and repeat-scan times)
 * and kiosk mode with its supervisor PIN. Everything is written to
 * "settings" (io.github.gatescanner.GateScanner) as it changes, except the
 * server address, the token and the PIN, which take effect when applied.
 * The token goes to "token-store" and is never read back into the window.
 */
#pragma once

#include <adwaita.h>

#include "gate-config.h"
#include "gate-ticket-cache.h"
#include "gate-token-store.h"

G_BEGIN_DECLS

#define GATE_TYPE_PREFERENCES_WINDOW (gate_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (GatePreferencesWindow, gate_preferences_window, GATE, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *gate_preferences_window_new (GSettings      *settings,
                                        GateTokenStore *token_store);
/* The configuration the gate runs with (nullable): shows each value and
 * where it comes from, and locks the fields that GATE_* variables or the
 * command line override. */
void        gate_preferences_window_set_config (GatePreferencesWindow *self,
                                                GateConfig            *config);
GateConfig *gate_preferences_window_get_config (GatePreferencesWindow *self);
/* The gate's offline cache (nullable): the check-in lists are read from it
 * first, so they can be picked offline (gate-preferences-window-lists.c). */
void        gate_preferences_window_set_cache  (GatePreferencesWindow *self,
                                                GateTicketCache       *cache);

G_END_DECLS
