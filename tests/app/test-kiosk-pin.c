/* test-kiosk-pin.c — the kiosk PIN: what is accepted, how it is kept
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "gate-kiosk-pin.h"

static void
test_only_4_to_8_digits_are_acceptable (void)
{
  g_assert_true (gate_kiosk_pin_is_acceptable ("0000"));
  g_assert_true (gate_kiosk_pin_is_acceptable ("12345678"));
  g_assert_false (gate_kiosk_pin_is_acceptable (NULL));
  g_assert_false (gate_kiosk_pin_is_acceptable (""));
  g_assert_false (gate_kiosk_pin_is_acceptable ("123"));
  g_assert_false (gate_kiosk_pin_is_acceptable ("123456789"));
  g_assert_false (gate_kiosk_pin_is_acceptable ("12a4"));
  g_assert_false (gate_kiosk_pin_is_acceptable (" 1234"));
  g_assert_false (gate_kiosk_pin_is_acceptable ("１２３４"));
}

static void
test_hash_has_the_documented_form (void)
{
  g_autofree char *stored = gate_kiosk_pin_hash ("2468");
  g_auto(GStrv) parts = g_strsplit (stored, "$", -1);

  g_assert_cmpuint (g_strv_length (parts), ==, 4);
  g_assert_cmpstr (parts[0], ==, "sha256-iter");
  g_assert_cmpuint (g_ascii_strtoull (parts[1], NULL, 10), >=, 10000);
  g_assert_cmpuint (strlen (parts[2]), ==, 32);
  g_assert_cmpuint (strlen (parts[3]), ==, 64);
  g_assert_null (strstr (stored, "2468"));
}

static void
test_hash_verifies_its_pin_only (void)
{
  g_autofree char *stored = gate_kiosk_pin_hash ("4711");

  g_assert_true (gate_kiosk_pin_verify (stored, "4711"));
  g_assert_false (gate_kiosk_pin_verify (stored, "4712"));
  g_assert_false (gate_kiosk_pin_verify (stored, "47110"));
  g_assert_false (gate_kiosk_pin_verify (stored, ""));
  g_assert_false (gate_kiosk_pin_verify (stored, NULL));
}

static void
test_same_pin_gets_a_new_salt (void)
{
  g_autofree char *first = gate_kiosk_pin_hash ("1234");
  g_autofree char *second = gate_kiosk_pin_hash ("1234");

  g_assert_cmpstr (first, !=, second);
  g_assert_true (gate_kiosk_pin_verify (first, "1234"));
  g_assert_true (gate_kiosk_pin_verify (second, "1234"));
}

/* An independent implementation agrees: Python's
 * hashlib.pbkdf2_hmac ("sha256", b"1234", bytes (range (16)), 1000). */
static void
test_hash_is_pbkdf2_hmac_sha256 (void)
{
  const char *stored = "sha256-iter$1000$000102030405060708090a0b0c0d0e0f$"
                       "2240ea2a22754a3c4610356ef8e4d7acf25af2ac3d2d11866de97a8b7812c52c";

  g_assert_true (gate_kiosk_pin_verify (stored, "1234"));
}

static void
test_malformed_stored_values_never_verify (void)
{
  g_autofree char *stored = gate_kiosk_pin_hash ("9999");
  g_autofree char *other_scheme = g_strdup (stored);
  g_autofree char *zero_rounds = NULL;
  g_auto(GStrv) parts = g_strsplit (stored, "$", -1);

  other_scheme[0] = 'm';
  zero_rounds = g_strdup_printf ("%s$0$%s$%s", parts[0], parts[2], parts[3]);
  g_assert_false (gate_kiosk_pin_verify ("", "9999"));
  g_assert_false (gate_kiosk_pin_verify (NULL, "9999"));
  g_assert_false (gate_kiosk_pin_verify (other_scheme, "9999"));
  g_assert_false (gate_kiosk_pin_verify (zero_rounds, "9999"));
  g_assert_false (gate_kiosk_pin_verify ("sha256-iter$1000$zz$00", "9999"));
  g_assert_false (gate_kiosk_pin_verify ("sha256-iter$1000", "9999"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kiosk-pin/only-4-to-8-digits-are-acceptable", test_only_4_to_8_digits_are_acceptable);
  g_test_add_func ("/kiosk-pin/hash-has-the-documented-form", test_hash_has_the_documented_form);
  g_test_add_func ("/kiosk-pin/hash-verifies-its-pin-only", test_hash_verifies_its_pin_only);
  g_test_add_func ("/kiosk-pin/same-pin-gets-a-new-salt", test_same_pin_gets_a_new_salt);
  g_test_add_func ("/kiosk-pin/hash-is-pbkdf2-hmac-sha256", test_hash_is_pbkdf2_hmac_sha256);
  g_test_add_func ("/kiosk-pin/malformed-stored-values-never-verify", test_malformed_stored_values_never_verify);

  return g_test_run ();
}
