/* gate-ticket-code.c — signed ticket codes (docs/signed-tickets.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything a code holds is public; the verifier has no secret to leak
 * through timing, and libsodium's signing is constant-time for the issuer's
 * seed. What matters here is strictness: a parser that accepted two
 * spellings of one ticket would let a second spelling past "already
 * scanned" in a cache keyed by the code.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <sodium.h>

#include "gate-error.h"
#include "gate-ticket-code.h"

#define PREFIX_LENGTH (sizeof GATE_TICKET_CODE_PREFIX - 1)

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static void
ensure_sodium (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      /* Fails only without a usable random source; nothing can sign or
       * verify safely then. */
      if (sodium_init () < 0)
        g_error ("libsodium could not be initialized");
      g_once_init_leave (&initialized, 1);
    }
}

char *
gate_base32_encode (const guint8 *bytes,
                    gsize         length)
{
  GString *text = g_string_sized_new ((length * 8 + 4) / 5 + 1);
  guint buffer = 0;
  int bits = 0;

  for (gsize i = 0; i < length; i++)
    {
      buffer = (buffer << 8) | bytes[i];
      bits += 8;
      while (bits >= 5)
        {
          g_string_append_c (text, base32_alphabet[(buffer >> (bits - 5)) & 31]);
          bits -= 5;
        }
    }
  if (bits > 0)
    g_string_append_c (text, base32_alphabet[(buffer << (5 - bits)) & 31]);

  return g_string_free (text, FALSE);
}

static int
base32_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= '2' && c <= '7')
    return c - '2' + 26;
  return -1;
}

/* Canonical only: every character in the alphabet, fewer than five bits
 * left over and those zero. Returns the number of bytes, or -1. */
static gssize
base32_decode (const char *text,
               gsize       length,
               guint8     *out,
               gsize       out_size)
{
  guint buffer = 0;
  int bits = 0;
  gsize n = 0;

  for (gsize i = 0; i < length; i++)
    {
      int value = base32_value (text[i]);

      if (value < 0)
        return -1;
      buffer = ((buffer << 5) | (guint) value) & 0xffff;
      bits += 5;
      if (bits >= 8)
        {
          if (n == out_size)
            return -1;
          out[n++] = (buffer >> (bits - 8)) & 0xff;
          bits -= 8;
        }
    }

  if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0)
    return -1;
  return (gssize) n;
}

static gboolean
uuid_to_bytes (const char *text,
               guint8     *out)
{
  gsize n = 0;

  if (text == NULL || !g_uuid_string_is_valid (text))
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '-')
        continue;
      if (n % 2 == 0)
        out[n / 2] = g_ascii_xdigit_value (*p) << 4;
      else
        out[n / 2] |= g_ascii_xdigit_value (*p);
      n++;
    }
  return n == 32;
}

static void
uuid_from_bytes (const guint8 *bytes,
                 char         *out)
{
  g_snprintf (out, 37,
              "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
              bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
              bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
}

/* Printable UTF-8 of at most GATE_TICKET_CODE_MAX_TYPE bytes: a type ends
 * up on the gate's screen and in JSON lines. */
static gboolean
type_is_printable (const char *type,
                   gsize       length)
{
  const char *end;

  if (length > GATE_TICKET_CODE_MAX_TYPE || !g_utf8_validate (type, length, &end) || end != type + length)
    return FALSE;
  for (const char *p = type; p < type + length; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0 || g_unichar_iscntrl (c))
        return FALSE;
    }
  return TRUE;
}

gboolean
gate_ticket_code_has_prefix (const char *code)
{
  return code != NULL && strncmp (code, GATE_TICKET_CODE_PREFIX, PREFIX_LENGTH) == 0;
}

gboolean
gate_ticket_code_parse (const char      *code,
                        GateTicketCode  *out,
                        GError         **error)
{
  guint8 bytes[GATE_TICKET_CODE_MAX_BYTES];
  gsize body_length;
  gssize n;
  gsize type_length;

  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (!gate_ticket_code_has_prefix (code))
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_INVALID_CODE, "not a signed ticket code");
      return FALSE;
    }

  body_length = strlen (code + PREFIX_LENGTH);
  /* The longest code is 235 characters: refuse more before decoding. */
  if (body_length > (GATE_TICKET_CODE_MAX_BYTES * 8 + 4) / 5)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_INVALID_CODE, "the signed code is too long");
      return FALSE;
    }

  n = base32_decode (code + PREFIX_LENGTH, body_length, bytes, sizeof bytes);
  if (n < 0)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_INVALID_CODE, "the signed code is not canonical base32");
      return FALSE;
    }
  if ((gsize) n < GATE_TICKET_CODE_HEADER_SIZE + GATE_TICKET_CODE_SIGNATURE_SIZE)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_INVALID_CODE, "the signed code is too short");
      return FALSE;
    }
  if (bytes[0] != GATE_TICKET_CODE_VERSION)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_INVALID_CODE, "unknown signed code version %u", bytes[0]);
      return FALSE;
    }

  type_length = bytes[GATE_TICKET_CODE_HEADER_SIZE - 1];
  if ((gsize) n != GATE_TICKET_CODE_HEADER_SIZE + type_length + GATE_TICKET_CODE_SIGNATURE_SIZE)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_INVALID_CODE, "the signed code has the wrong length");
      return FALSE;
    }
  if (!type_is_printable ((const char *) bytes + GATE_TICKET_CODE_HEADER_SIZE, type_length))
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_INVALID_CODE, "the signed code's ticket type is not printable");
      return FALSE;
    }

  out->version = bytes[0];
  out->key_id = bytes[1];
  uuid_from_bytes (bytes + 2, out->event_id);
  uuid_from_bytes (bytes + 18, out->ticket_id);
  memcpy (out->ticket_type, bytes + GATE_TICKET_CODE_HEADER_SIZE, type_length);
  out->ticket_type[type_length] = '\0';
  out->signed_length = GATE_TICKET_CODE_HEADER_SIZE + type_length;
  memcpy (out->signed_bytes, bytes, out->signed_length);
  memcpy (out->signature, bytes + out->signed_length, GATE_TICKET_CODE_SIGNATURE_SIZE);
  return TRUE;
}

gboolean
gate_ticket_code_verify (const GateTicketCode *code,
                         const guint8         *public_key)
{
  g_return_val_if_fail (code != NULL && public_key != NULL, FALSE);
  g_return_val_if_fail (code->signed_length <= sizeof code->signed_bytes, FALSE);

  ensure_sodium ();
  return crypto_sign_verify_detached (code->signature, code->signed_bytes, code->signed_length, public_key) == 0;
}

char *
gate_ticket_code_to_string (const GateTicketCode *code)
{
  guint8 bytes[GATE_TICKET_CODE_MAX_BYTES];
  g_autofree char *body = NULL;

  g_return_val_if_fail (code != NULL && code->signed_length <= sizeof code->signed_bytes, NULL);

  memcpy (bytes, code->signed_bytes, code->signed_length);
  memcpy (bytes + code->signed_length, code->signature, GATE_TICKET_CODE_SIGNATURE_SIZE);
  body = gate_base32_encode (bytes, code->signed_length + GATE_TICKET_CODE_SIGNATURE_SIZE);
  return g_strconcat (GATE_TICKET_CODE_PREFIX, body, NULL);
}

void
gate_ticket_code_new_key (guint8 *seed,
                          guint8 *public_key)
{
  ensure_sodium ();
  randombytes_buf (seed, GATE_TICKET_CODE_SEED_SIZE);
  gate_ticket_code_public_key (seed, public_key);
}

void
gate_ticket_code_public_key (const guint8 *seed,
                             guint8       *public_key)
{
  guint8 secret_key[crypto_sign_SECRETKEYBYTES];

  ensure_sodium ();
  crypto_sign_seed_keypair (public_key, secret_key, seed);
  sodium_memzero (secret_key, sizeof secret_key);
}

char *
gate_ticket_code_sign (guint8         key_id,
                       const char    *event_id,
                       const char    *ticket_id,
                       const char    *ticket_type,
                       const guint8  *seed,
                       GError       **error)
{
  GateTicketCode code = { 0 };
  guint8 public_key[crypto_sign_PUBLICKEYBYTES];
  guint8 secret_key[crypto_sign_SECRETKEYBYTES];
  gsize type_length = ticket_type != NULL ? strlen (ticket_type) : 0;

  g_return_val_if_fail (seed != NULL, NULL);

  if (!uuid_to_bytes (event_id, code.signed_bytes + 2) || !uuid_to_bytes (ticket_id, code.signed_bytes + 18))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "a signed code needs the uuids of its event and ticket");
      return NULL;
    }
  if (!type_is_printable (ticket_type != NULL ? ticket_type : "", type_length))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "a ticket type in a signed code is printable text of at most %d bytes", GATE_TICKET_CODE_MAX_TYPE);
      return NULL;
    }

  code.signed_bytes[0] = GATE_TICKET_CODE_VERSION;
  code.signed_bytes[1] = key_id;
  code.signed_bytes[GATE_TICKET_CODE_HEADER_SIZE - 1] = (guint8) type_length;
  if (type_length > 0)
    memcpy (code.signed_bytes + GATE_TICKET_CODE_HEADER_SIZE, ticket_type, type_length);
  code.signed_length = GATE_TICKET_CODE_HEADER_SIZE + type_length;

  ensure_sodium ();
  crypto_sign_seed_keypair (public_key, secret_key, seed);
  crypto_sign_detached (code.signature, NULL, code.signed_bytes, code.signed_length, secret_key);
  sodium_memzero (secret_key, sizeof secret_key);

  return gate_ticket_code_to_string (&code);
}
