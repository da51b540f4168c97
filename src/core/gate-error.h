/* gate-error.h — the core's error domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "gate-core-enums.h"

G_BEGIN_DECLS

#define GATE_ERROR (gate_error_quark ())

/**
 * GateError:
 * @GATE_ERROR_UNAUTHORIZED: the server does not know or has revoked our token (401)
 * @GATE_ERROR_FORBIDDEN: the token is valid but may not do this (403)
 * @GATE_ERROR_NOT_FOUND: no such RPC function or argument (404, PGRST202)
 * @GATE_ERROR_SERVER: the server failed while answering (5xx other than 503, SQL errors)
 * @GATE_ERROR_UNAVAILABLE: the server or its database is down (503)
 * @GATE_ERROR_NETWORK: the server could not be reached at all
 * @GATE_ERROR_TIMEOUT: the server did not answer in time
 * @GATE_ERROR_BAD_RESPONSE: the answer was malformed, truncated, mistyped or too large
 * @GATE_ERROR_BAD_REQUEST: the server rejected our request as malformed (400, 413)
 * @GATE_ERROR_STORAGE: the local cache could not be read or written
 * @GATE_ERROR_DISK_FULL: the local cache could not be written because the disk is full
 * @GATE_ERROR_CONFIG: the configuration is missing or invalid
 * @GATE_ERROR_INVALID_CODE: a scanned payload is unreadable or malformed
 *
 * Codes a caller can act on: UNAUTHORIZED wipes credentials, NETWORK,
 * TIMEOUT and UNAVAILABLE switch to offline mode, the rest are reported.
 */
typedef enum
{
  GATE_ERROR_UNAUTHORIZED,
  GATE_ERROR_FORBIDDEN,
  GATE_ERROR_NOT_FOUND,
  GATE_ERROR_SERVER,
  GATE_ERROR_UNAVAILABLE,
  GATE_ERROR_NETWORK,
  GATE_ERROR_TIMEOUT,
  GATE_ERROR_BAD_RESPONSE,
  GATE_ERROR_BAD_REQUEST,
  GATE_ERROR_STORAGE,
  GATE_ERROR_DISK_FULL,
  GATE_ERROR_CONFIG,
  GATE_ERROR_INVALID_CODE,
} GateError;

GQuark   gate_error_quark            (void);
gboolean gate_error_is_connectivity  (const GError *error);

G_END_DECLS
