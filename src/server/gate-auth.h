/* gate-auth.h — device tokens to devices
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "gate-db-pool.h"

G_BEGIN_DECLS

/* An authenticated device. The token itself is never kept, only its hash.
 * Its role is not kept either: every request reads it anew (see
 * gate_auth_add_guard()). */
typedef struct
{
  char *id;
  char *token_hash;
} GateDevice;

GateDevice *gate_device_ref   (GateDevice *device);
void        gate_device_unref (GateDevice *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateDevice, gate_device_unref)

/* Set in the transaction of every call (SET LOCAL, so that a connection
 * pooler in transaction mode may stand between gate-server and the
 * database). */
typedef struct
{
  guint statement_timeout_ms;
  guint lock_timeout_ms;
} GateCallLimits;

#define GATE_DEFAULT_STATEMENT_TIMEOUT_MS 10000
#define GATE_DEFAULT_LOCK_TIMEOUT_MS      3000
/* At most one reload of the active tokens a second, whatever is asked. */
#define GATE_AUTH_ACTIVE_RELOAD_MS        1000

#define GATE_TYPE_AUTH (gate_auth_get_type ())
G_DECLARE_FINAL_TYPE (GateAuth, gate_auth, GATE, AUTH, GObject)

GateAuth   *gate_auth_new                 (GateDbPool           *pool);
void        gate_auth_authenticate_async  (GateAuth             *self,
                                           const char           *token,
                                           const char           *lane,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GateDevice *gate_auth_authenticate_finish (GateAuth             *self,
                                           GAsyncResult         *result,
                                           GError              **error);
GateDevice *gate_auth_lookup_known        (GateAuth             *self,
                                           const char           *token);
void        gate_auth_check_active_async  (GateAuth             *self,
                                           const char           *token,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean    gate_auth_check_active_finish (GateAuth             *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void        gate_auth_forget              (GateAuth             *self,
                                           GateDevice           *device);
void        gate_auth_add_guard           (GateDevice           *device,
                                           const GateCallLimits *limits,
                                           GPtrArray            *statements);

G_END_DECLS
