/* gate-ticket-code.h — signed ticket codes: a compact payload an Ed25519 key vouches for
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/signed-tickets.md describes the format byte by byte. A signed code
 * is "GSS:" and the RFC 4648 base32 (upper case, no padding) of
 *
 *   version (1) · key id (1) · event uuid (16) · ticket uuid (16) ·
 *   type length (1) · type (0–48 bytes of UTF-8) · Ed25519 signature (64)
 *
 * the signature covering every byte before it. Only upper-case letters,
 * digits and ':' — QR alphanumeric mode, and nothing a case-folding encoder
 * can change.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GATE_TICKET_CODE_PREFIX          "GSS:"
#define GATE_TICKET_CODE_VERSION         1
#define GATE_TICKET_CODE_MAX_TYPE        48
#define GATE_TICKET_CODE_PUBLIC_KEY_SIZE 32
#define GATE_TICKET_CODE_SEED_SIZE       32
#define GATE_TICKET_CODE_SIGNATURE_SIZE  64
/* version, key id, two uuids, the type's length byte */
#define GATE_TICKET_CODE_HEADER_SIZE     35
#define GATE_TICKET_CODE_MAX_BYTES \
  (GATE_TICKET_CODE_HEADER_SIZE + GATE_TICKET_CODE_MAX_TYPE + GATE_TICKET_CODE_SIGNATURE_SIZE)

/* A parsed code: what it claims, not yet what it proves. */
typedef struct
{
  guint8 version;
  guint8 key_id;
  char   event_id[37];    /* lower-case uuid text */
  char   ticket_id[37];
  char   ticket_type[GATE_TICKET_CODE_MAX_TYPE + 1];
  guint8 signed_bytes[GATE_TICKET_CODE_HEADER_SIZE + GATE_TICKET_CODE_MAX_TYPE];
  gsize  signed_length;
  guint8 signature[GATE_TICKET_CODE_SIGNATURE_SIZE];
} GateTicketCode;

/* One public key of an event, as event_keys() sends it. */
typedef struct
{
  guint8 key_id;
  guint8 public_key[GATE_TICKET_CODE_PUBLIC_KEY_SIZE];
} GateEventKey;

/* Whether @code is meant as a signed code (its prefix): such a code is
 * judged by gate_ticket_code_parse(), never looked up as anything else. */
gboolean gate_ticket_code_has_prefix (const char           *code);

/* Strict: the prefix, the alphabet, the exact length, zero padding bits, a
 * known version, a type of printable UTF-8. One ticket has one spelling.
 * Fails with GATE_ERROR_INVALID_CODE. */
gboolean gate_ticket_code_parse      (const char           *code,
                                      GateTicketCode       *out,
                                      GError              **error);

/* Whether @public_key signed @code. */
gboolean gate_ticket_code_verify     (const GateTicketCode *code,
                                      const guint8         *public_key);

/* The printable code of @code (its signature included). */
char    *gate_ticket_code_to_string  (const GateTicketCode *code);

/* A new key pair: the 32-byte seed is the private key (store it, never
 * send it), the public key goes to devices. */
void     gate_ticket_code_new_key    (guint8               *seed,
                                      guint8               *public_key);

/* The public key of a stored seed. */
void     gate_ticket_code_public_key (const guint8         *seed,
                                      guint8               *public_key);

/* Signs a new code. Fails with G_IO_ERROR_INVALID_ARGUMENT on a malformed
 * uuid or a type that is too long or not printable UTF-8. */
char    *gate_ticket_code_sign       (guint8                key_id,
                                      const char           *event_id,
                                      const char           *ticket_id,
                                      const char           *ticket_type,
                                      const guint8         *seed,
                                      GError              **error);

/* RFC 4648 base32, upper case, no padding (also the alphabet of unsigned
 * GS1- tokens). */
char    *gate_base32_encode          (const guint8         *bytes,
                                      gsize                 length);

G_END_DECLS
