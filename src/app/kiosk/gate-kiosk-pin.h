/* gate-kiosk-pin.h — the supervisor PIN that locks a kiosk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The PIN itself is never stored: settings keep
 * "sha256-iter$<iterations>$<salt-hex>$<hash-hex>", PBKDF2-HMAC-SHA256 of the
 * PIN over a 16-byte random salt. A PIN is 4 to 8 digits, typed on a
 * touchscreen keypad.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GATE_KIOSK_PIN_MIN_DIGITS 4
#define GATE_KIOSK_PIN_MAX_DIGITS 8

gboolean  gate_kiosk_pin_is_acceptable (const char *pin);
char     *gate_kiosk_pin_hash          (const char *pin);
gboolean  gate_kiosk_pin_verify        (const char *stored,
                                        const char *pin);

G_END_DECLS
