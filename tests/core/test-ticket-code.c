/* test-ticket-code.c — signed ticket codes: the format and its strictness
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "gate-error.h"
#include "gate-ticket-code.h"

#define EVENT  "6f1c2c8e-0000-4000-8000-000000000001"
#define TICKET "0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3"

typedef struct
{
  guint8 seed[GATE_TICKET_CODE_SEED_SIZE];
  guint8 public_key[GATE_TICKET_CODE_PUBLIC_KEY_SIZE];
  char  *code;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  gate_ticket_code_new_key (fixture->seed, fixture->public_key);
  fixture->code = gate_ticket_code_sign (3, EVENT, TICKET, "General", fixture->seed, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_free (fixture->code);
}

/* Parsed and verified, or NULL-terminated reason why not. */
static gboolean
parses_and_verifies (const char   *code,
                     const guint8 *public_key)
{
  GateTicketCode parsed;

  return gate_ticket_code_parse (code, &parsed, NULL) && gate_ticket_code_verify (&parsed, public_key);
}

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *again = NULL;
  GateTicketCode parsed;

  g_assert_true (g_str_has_prefix (fixture->code, "GSS:"));
  /* 35 + 7 + 64 bytes in base32: 170 characters after the prefix. */
  g_assert_cmpuint (strlen (fixture->code), ==, 4 + 170);

  g_assert_true (gate_ticket_code_parse (fixture->code, &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (parsed.version, ==, 1);
  g_assert_cmpuint (parsed.key_id, ==, 3);
  g_assert_cmpstr (parsed.event_id, ==, EVENT);
  g_assert_cmpstr (parsed.ticket_id, ==, TICKET);
  g_assert_cmpstr (parsed.ticket_type, ==, "General");
  g_assert_true (gate_ticket_code_verify (&parsed, fixture->public_key));

  again = gate_ticket_code_to_string (&parsed);
  g_assert_cmpstr (again, ==, fixture->code);
}

static void
test_uppercase_survives (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *upper = g_ascii_strup (fixture->code, -1);
  g_autofree char *lower = g_ascii_strdown (fixture->code, -1);

  /* What qroverlay and other case-folding QR encoders do to it. */
  g_assert_cmpstr (upper, ==, fixture->code);
  g_assert_true (parses_and_verifies (upper, fixture->public_key));
  /* Upper case is the one spelling: a second would pass "already scanned". */
  g_assert_false (parses_and_verifies (lower, fixture->public_key));
}

static void
test_every_bit_flip_rejected (Fixture       *fixture,
                              gconstpointer  data)
{
  gsize length = strlen (fixture->code);
  guint accepted = 0;

  for (gsize i = 0; i < length; i++)
    for (guint bit = 0; bit < 8; bit++)
      {
        g_autofree char *flipped = g_strdup (fixture->code);

        flipped[i] ^= (char) (1u << bit);
        if (flipped[i] == '\0')
          continue;
        if (parses_and_verifies (flipped, fixture->public_key))
          {
            g_test_message ("accepted with bit %u of character %" G_GSIZE_FORMAT " flipped: %s", bit, i, flipped);
            accepted++;
          }
      }
  g_assert_cmpuint (accepted, ==, 0);
}

static void
test_every_payload_bit_flip_rejected (Fixture       *fixture,
                                      gconstpointer  data)
{
  GateTicketCode parsed;
  guint accepted = 0;

  g_assert_true (gate_ticket_code_parse (fixture->code, &parsed, NULL));

  /* Re-encoded canonically, so that each flip reaches the verifier. */
  for (gsize i = 0; i < parsed.signed_length + GATE_TICKET_CODE_SIGNATURE_SIZE; i++)
    for (guint bit = 0; bit < 8; bit++)
      {
        GateTicketCode tampered = parsed;
        g_autofree char *text = NULL;
        guint8 *byte = i < parsed.signed_length ? &tampered.signed_bytes[i]
                                                : &tampered.signature[i - parsed.signed_length];

        *byte ^= (guint8) (1u << bit);
        text = gate_ticket_code_to_string (&tampered);
        if (parses_and_verifies (text, fixture->public_key))
          accepted++;
      }
  g_assert_cmpuint (accepted, ==, 0);
}

static void
test_other_key_rejected (Fixture       *fixture,
                         gconstpointer  data)
{
  guint8 seed[GATE_TICKET_CODE_SEED_SIZE];
  guint8 public_key[GATE_TICKET_CODE_PUBLIC_KEY_SIZE];

  gate_ticket_code_new_key (seed, public_key);
  g_assert_false (parses_and_verifies (fixture->code, public_key));
}

static void
test_public_key_from_seed (Fixture       *fixture,
                           gconstpointer  data)
{
  guint8 public_key[GATE_TICKET_CODE_PUBLIC_KEY_SIZE];

  gate_ticket_code_public_key (fixture->seed, public_key);
  g_assert_cmpmem (public_key, sizeof public_key, fixture->public_key, sizeof fixture->public_key);
}

static void
test_malformed_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *truncated = g_strndup (fixture->code, strlen (fixture->code) - 1);
  g_autofree char *longer = g_strconcat (fixture->code, "A", NULL);
  g_autofree char *padded = g_strconcat (fixture->code, "======", NULL);
  g_autofree char *spaced = g_strdup (fixture->code);
  g_autofree char *version2 = NULL;
  g_autofree char *too_long = NULL;
  g_autoptr(GString) huge = g_string_new ("GSS:");
  GateTicketCode parsed;
  const char *bad[6];

  spaced[20] = ' ';
  g_assert_true (gate_ticket_code_parse (fixture->code, &parsed, NULL));
  parsed.signed_bytes[0] = 2;
  version2 = gate_ticket_code_to_string (&parsed);
  for (guint i = 0; i < 400; i++)
    g_string_append_c (huge, 'A');

  bad[0] = truncated;
  bad[1] = longer;
  bad[2] = padded;
  bad[3] = spaced;
  bad[4] = version2;
  bad[5] = huge->str;
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (gate_ticket_code_parse (bad[i], &parsed, &error));
      g_assert_error (error, GATE_ERROR, GATE_ERROR_INVALID_CODE);
    }

  for (const char *const *p = (const char *const[]) { "", "GSS:", "GS1-ABCDEF", "gss:AAAA", NULL }; *p; p++)
    g_assert_false (gate_ticket_code_parse (*p, &parsed, NULL));

  too_long = g_strnfill (GATE_TICKET_CODE_MAX_TYPE + 1, 'X');
  g_assert_null (gate_ticket_code_sign (1, EVENT, TICKET, too_long, fixture->seed, NULL));
  g_assert_null (gate_ticket_code_sign (1, EVENT, TICKET, "VIP\n", fixture->seed, NULL));
  g_assert_null (gate_ticket_code_sign (1, "not-a-uuid", TICKET, "VIP", fixture->seed, NULL));
}

static void
test_type_edges (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *longest_type = g_strnfill (GATE_TICKET_CODE_MAX_TYPE, 'X');
  g_autofree char *empty = gate_ticket_code_sign (1, EVENT, TICKET, "", fixture->seed, NULL);
  g_autofree char *longest = gate_ticket_code_sign (1, EVENT, TICKET, longest_type, fixture->seed, NULL);
  g_autofree char *accented = gate_ticket_code_sign (1, EVENT, TICKET, "Tribuna señorial", fixture->seed, NULL);
  GateTicketCode parsed;

  g_assert_true (parses_and_verifies (empty, fixture->public_key));
  g_assert_true (parses_and_verifies (longest, fixture->public_key));
  g_assert_true (gate_ticket_code_parse (accented, &parsed, NULL));
  g_assert_cmpstr (parsed.ticket_type, ==, "Tribuna señorial");
  g_assert_cmpuint (strlen (longest), <=, 4 + (GATE_TICKET_CODE_MAX_BYTES * 8 + 4) / 5);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/ticket-code/round-trip", test_round_trip);
  ADD ("/ticket-code/uppercase-survives", test_uppercase_survives);
  ADD ("/ticket-code/every-character-bit-flip-rejected", test_every_bit_flip_rejected);
  ADD ("/ticket-code/every-payload-bit-flip-rejected", test_every_payload_bit_flip_rejected);
  ADD ("/ticket-code/other-key-rejected", test_other_key_rejected);
  ADD ("/ticket-code/public-key-from-seed", test_public_key_from_seed);
  ADD ("/ticket-code/malformed-refused", test_malformed_refused);
  ADD ("/ticket-code/type-edges", test_type_edges);
#undef ADD

  return g_test_run ();
}
