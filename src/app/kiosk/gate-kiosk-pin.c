/* gate-kiosk-pin.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Settings are readable by anyone at the keyboard of a kiosk (dconf, or the
 * Flatpak's keyfile), so the hash has to make guessing cost something: the
 * PIN space is small, the iteration count is what slows an offline search.
 * One PBKDF2 block is exactly one SHA-256 output, so T1 is the whole hash.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "gate-kiosk-pin.h"

#define SCHEME         "sha256-iter"
#define ITERATIONS     100000
#define MAX_ITERATIONS 10000000
#define SALT_SIZE      16
#define HASH_SIZE      32

gboolean
gate_kiosk_pin_is_acceptable (const char *pin)
{
  gsize length;

  if (pin == NULL)
    return FALSE;

  length = strlen (pin);
  if (length < GATE_KIOSK_PIN_MIN_DIGITS || length > GATE_KIOSK_PIN_MAX_DIGITS)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isdigit (pin[i]))
      return FALSE;
  return TRUE;
}

static void
pbkdf2_sha256 (const char   *pin,
               const guint8 *salt,
               gsize         salt_size,
               guint         iterations,
               guint8        out[HASH_SIZE])
{
  static const guint8 block_index[4] = { 0, 0, 0, 1 };
  g_autoptr(GHmac) keyed = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) pin, strlen (pin));
  guint8 u[HASH_SIZE];
  gsize u_size = sizeof u;
  g_autoptr(GHmac) first = g_hmac_copy (keyed);

  g_hmac_update (first, salt, salt_size);
  g_hmac_update (first, block_index, sizeof block_index);
  g_hmac_get_digest (first, u, &u_size);
  memcpy (out, u, HASH_SIZE);

  for (guint i = 1; i < iterations; i++)
    {
      g_autoptr(GHmac) round = g_hmac_copy (keyed);

      u_size = sizeof u;
      g_hmac_update (round, u, sizeof u);
      g_hmac_get_digest (round, u, &u_size);
      for (guint j = 0; j < HASH_SIZE; j++)
        out[j] ^= u[j];
    }

  memset (u, 0, sizeof u);
}

static char *
to_hex (const guint8 *bytes,
        gsize         size)
{
  GString *hex = g_string_sized_new (size * 2);

  for (gsize i = 0; i < size; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}

static gboolean
from_hex (const char *hex,
          guint8     *bytes,
          gsize       size)
{
  if (strlen (hex) != size * 2)
    return FALSE;
  for (gsize i = 0; i < size; i++)
    {
      int high = g_ascii_xdigit_value (hex[2 * i]);
      int low = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (high < 0 || low < 0)
        return FALSE;
      bytes[i] = (guint8) (high << 4 | low);
    }
  return TRUE;
}

/**
 * gate_kiosk_pin_hash:
 * @pin: an acceptable PIN (see gate_kiosk_pin_is_acceptable())
 *
 * Returns: (transfer full): the string to store in "kiosk-pin-hash"
 */
char *
gate_kiosk_pin_hash (const char *pin)
{
  guint8 salt[SALT_SIZE];
  guint8 hash[HASH_SIZE];
  g_autofree char *salt_hex = NULL;
  g_autofree char *hash_hex = NULL;

  g_return_val_if_fail (gate_kiosk_pin_is_acceptable (pin), NULL);

  /* getrandom() blocks only until the kernel's pool is first seeded, and a
   * salt of 16 bytes is always returned whole. */
  if (getrandom (salt, sizeof salt, 0) != (ssize_t) sizeof salt)
    g_error ("getrandom() failed: %s", g_strerror (errno));

  pbkdf2_sha256 (pin, salt, sizeof salt, ITERATIONS, hash);
  salt_hex = to_hex (salt, sizeof salt);
  hash_hex = to_hex (hash, sizeof hash);
  memset (hash, 0, sizeof hash);
  return g_strdup_printf (SCHEME "$%u$%s$%s", ITERATIONS, salt_hex, hash_hex);
}

/**
 * gate_kiosk_pin_verify:
 * @stored: (nullable): a value of gate_kiosk_pin_hash()
 * @pin: (nullable): what was typed
 *
 * Returns: whether @pin is the PIN @stored was made from. A malformed or
 *   empty @stored never verifies.
 */
gboolean
gate_kiosk_pin_verify (const char *stored,
                       const char *pin)
{
  g_auto(GStrv) parts = NULL;
  guint8 salt[SALT_SIZE];
  guint8 expected[HASH_SIZE];
  guint8 actual[HASH_SIZE];
  guint64 iterations;
  char *end = NULL;
  guint8 difference = 0;

  if (stored == NULL || pin == NULL || !gate_kiosk_pin_is_acceptable (pin))
    return FALSE;

  parts = g_strsplit (stored, "$", -1);
  if (g_strv_length (parts) != 4 || !g_str_equal (parts[0], SCHEME))
    return FALSE;
  iterations = g_ascii_strtoull (parts[1], &end, 10);
  if (end == parts[1] || *end != '\0' || iterations < 1 || iterations > MAX_ITERATIONS)
    return FALSE;
  if (!from_hex (parts[2], salt, sizeof salt) || !from_hex (parts[3], expected, sizeof expected))
    return FALSE;

  pbkdf2_sha256 (pin, salt, sizeof salt, (guint) iterations, actual);

  /* Every byte is compared whatever the first difference, so the time taken
   * says nothing about how much of a guess was right. */
  for (gsize i = 0; i < HASH_SIZE; i++)
    difference |= actual[i] ^ expected[i];
  memset (actual, 0, sizeof actual);
  return difference == 0;
}
