/* gate-operators.h — who is signed in at this gate
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Gate staff sign in with their name and PIN (operator_sign_in, DESIGN.md
 * §10); the signed-in operator's id is what every scan records as
 * scanned_by (bind "operator-id" to the engine's). Sign-in needs the
 * server: PIN hashes never leave it, so a stolen kiosk holds nothing to
 * guess PINs against. Whoever is signed in stays signed in when the
 * network goes, and offline scans carry them too (docs/gate-rules.md).
 */
#pragma once

#include "gate-api-client.h"

G_BEGIN_DECLS

#define GATE_SIGN_IN_ERROR (gate_sign_in_error_quark ())

/**
 * GateSignInError:
 * @GATE_SIGN_IN_ERROR_WRONG_PIN: the name and PIN do not match
 * @GATE_SIGN_IN_ERROR_LOCKED: too many wrong PINs; try again later
 * @GATE_SIGN_IN_ERROR_NO_SERVER: this gate has no server to ask
 */
typedef enum
{
  GATE_SIGN_IN_ERROR_WRONG_PIN,
  GATE_SIGN_IN_ERROR_LOCKED,
  GATE_SIGN_IN_ERROR_NO_SERVER,
} GateSignInError;

GQuark gate_sign_in_error_quark (void);

#define GATE_TYPE_OPERATORS (gate_operators_get_type ())
G_DECLARE_FINAL_TYPE (GateOperators, gate_operators, GATE, OPERATORS, GObject)

/* @client: (nullable): without one, nobody can sign in. */
GateOperators *gate_operators_new                (GateApiClient        *client);
/* The names to choose from (NULL-terminated). */
void           gate_operators_list_async         (GateOperators        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GStrv          gate_operators_list_finish        (GateOperators        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* Signs @name in when @pin is theirs: "operator-id" and "operator-name"
 * change. Fails with GATE_SIGN_IN_ERROR (LOCKED: see "locked-until") or a
 * GATE_ERROR of the call. */
void           gate_operators_sign_in_async      (GateOperators        *self,
                                                  const char           *name,
                                                  const char           *pin,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean       gate_operators_sign_in_finish     (GateOperators        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void           gate_operators_sign_out           (GateOperators        *self);
/* (nullable): the signed-in operator. */
const char    *gate_operators_get_operator_id    (GateOperators        *self);
const char    *gate_operators_get_operator_name  (GateOperators        *self);
/* When the last refused sign-in's operator may try again (µs since the
 * epoch, server clock); 0 when not locked. */
gint64         gate_operators_get_locked_until   (GateOperators        *self);

G_END_DECLS
