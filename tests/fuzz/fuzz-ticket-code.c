/* fuzz-ticket-code.c — libFuzzer target: the signed ticket code parser and verifier
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each input is a scanned payload (up to its first NUL). The parser must
 * refuse it with GATE_ERROR_INVALID_CODE or accept it; what it accepts is in
 * canonical form (printing the parsed code gives back the input byte for
 * byte, so one ticket has exactly one spelling), has a known version, uuids
 * in lower case and a printable type. The verifier runs on every accepted
 * code against the key the seed corpus was signed with: it must accept only
 * codes that key really signed, so an accepted input must be one of the
 * codes signed here at start-up — the fuzzer cannot forge Ed25519.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "gate-error.h"
#include "gate-ticket-code.h"
#include "fuzz-log.h"

#define EVENT "6f1c2c8e-0000-4000-8000-00000000f001"

int LLVMFuzzerInitialize    (int            *argc,
                             char         ***argv);
int LLVMFuzzerTestOneInput  (const uint8_t  *data,
                             size_t          size);

/* A fixed seed: the corpus's codes (tests/fuzz/corpus/fuzz-ticket-code/)
 * were signed with it, so the fuzzer starts from codes that verify. */
static const guint8 fixed_seed[GATE_TICKET_CODE_SEED_SIZE] = {
  0x47, 0x61, 0x74, 0x65, 0x20, 0x53, 0x63, 0x61, 0x6e, 0x6e, 0x65, 0x72, 0x20, 0x66, 0x75, 0x7a,
  0x7a, 0x20, 0x73, 0x65, 0x65, 0x64, 0x2c, 0x20, 0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, 0x6b, 0x65,
};

static guint8 public_key[GATE_TICKET_CODE_PUBLIC_KEY_SIZE];
static GHashTable *genuine;   /* the codes signed here: the only ones that may verify */

static const char *const types[] = { "General", "VIP", "", "Tribuna señorial" };

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  gate_fuzz_abort_on_warnings ();
  gate_ticket_code_public_key (fixed_seed, public_key);
  genuine = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 64; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *ticket = g_strdup_printf ("00000000-0000-4000-8000-%012u", i);
      char *code = gate_ticket_code_sign (1 + i % 3, EVENT, ticket, types[i % G_N_ELEMENTS (types)], fixed_seed,
                                          &error);

      if (code == NULL)
        g_error ("signing the genuine codes: %s", error->message);
      g_hash_table_add (genuine, code);
    }
  return 0;
}

static gboolean
is_lower_uuid (const char *text)
{
  if (!g_uuid_string_is_valid (text))
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *code = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autofree char *printed = NULL;
  GateTicketCode parsed;
  gboolean verified;

  if (!gate_ticket_code_parse (code, &parsed, &error))
    {
      g_assert_error (error, GATE_ERROR, GATE_ERROR_INVALID_CODE);
      return 0;
    }
  g_assert_no_error (error);

  g_assert_true (gate_ticket_code_has_prefix (code));
  g_assert_cmpuint (parsed.version, ==, GATE_TICKET_CODE_VERSION);
  g_assert_true (is_lower_uuid (parsed.event_id));
  g_assert_true (is_lower_uuid (parsed.ticket_id));
  g_assert_true (g_utf8_validate (parsed.ticket_type, -1, NULL));
  g_assert_cmpuint (strlen (parsed.ticket_type), <=, GATE_TICKET_CODE_MAX_TYPE);
  g_assert_cmpuint (parsed.signed_length, ==, GATE_TICKET_CODE_HEADER_SIZE + strlen (parsed.ticket_type));

  printed = gate_ticket_code_to_string (&parsed);
  if (strcmp (printed, code) != 0)
    g_error ("“%s” parsed, but prints as “%s”: two spellings of one ticket", code, printed);

  verified = gate_ticket_code_verify (&parsed, public_key);
  if (verified != g_hash_table_contains (genuine, code))
    g_error ("“%s” %s", code, verified ? "verified without being signed here" : "was signed here and did not verify");

  return 0;
}
