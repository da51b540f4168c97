/* gate-operator-admin.h — a supervisor manages who may sign in at the kiosks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lists the active operators (list_operators), adds one with a name and PIN
 * (add_operator: the server keeps only a bcrypt hash) and removes one
 * (remove_operator: scans keep naming who made them). The list is kept
 * here, sorted by name as the server sorts it; "changed" is emitted when
 * it changes. Not to be confused with gate-operators.h, an operator signing
 * in at a kiosk.
 */
#pragma once

#include <gio/gio.h>

#include "gate-api-client.h"
#include "gate-supervisor-types.h"

G_BEGIN_DECLS

#define GATE_OPERATOR_ERROR (gate_operator_error_quark ())

/**
 * GateOperatorError:
 * @GATE_OPERATOR_ERROR_INVALID_NAME: a name is 1 to 100 characters (spaces around it do not count)
 * @GATE_OPERATOR_ERROR_INVALID_PIN: a PIN is 4 to 12 digits
 * @GATE_OPERATOR_ERROR_NAME_IN_USE: an active operator already has this name (case does not count)
 * @GATE_OPERATOR_ERROR_UNKNOWN: the server does not know this operator
 *
 * Checked here before anything is sent, and answered by the server (22023,
 * 23505, P0002) for any client that did not check.
 */
typedef enum
{
  GATE_OPERATOR_ERROR_INVALID_NAME,
  GATE_OPERATOR_ERROR_INVALID_PIN,
  GATE_OPERATOR_ERROR_NAME_IN_USE,
  GATE_OPERATOR_ERROR_UNKNOWN,
} GateOperatorError;

GQuark             gate_operator_error_quark        (void);

#define GATE_OPERATOR_NAME_MAX  100
#define GATE_OPERATOR_PIN_MIN   4
#define GATE_OPERATOR_PIN_MAX   12

/* The server's rules, checked locally; the name as it will be stored is
 * @name without the spaces around it. */
gboolean           gate_operator_check              (const char          *name,
                                                     const char          *pin,
                                                     GError             **error);

#define GATE_TYPE_OPERATOR_ADMIN (gate_operator_admin_get_type ())
G_DECLARE_FINAL_TYPE (GateOperatorAdmin, gate_operator_admin, GATE, OPERATOR_ADMIN, GObject)

GateOperatorAdmin *gate_operator_admin_new          (GateApiClient       *client);
GateApiClient     *gate_operator_admin_get_client   (GateOperatorAdmin   *self);
gboolean           gate_operator_admin_get_loading  (GateOperatorAdmin   *self);
/* (element-type GateOperator) (transfer none): the list as last known. */
GPtrArray         *gate_operator_admin_get_operators (GateOperatorAdmin  *self);
const GateOperator *gate_operator_admin_find        (GateOperatorAdmin   *self,
                                                     const char          *operator_id);

void               gate_operator_admin_reload_async (GateOperatorAdmin   *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean           gate_operator_admin_reload_finish (GateOperatorAdmin  *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
void               gate_operator_admin_add_async    (GateOperatorAdmin   *self,
                                                     const char          *name,
                                                     const char          *pin,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
/* Returns: (transfer full): the operator as the server stored it. */
GateOperator      *gate_operator_admin_add_finish   (GateOperatorAdmin   *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
void               gate_operator_admin_remove_async (GateOperatorAdmin   *self,
                                                     const char          *operator_id,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean           gate_operator_admin_remove_finish (GateOperatorAdmin  *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

G_END_DECLS
