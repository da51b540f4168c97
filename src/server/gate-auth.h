/* gate-auth.h — device tokens to devices and database roles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "gate-db-pool.h"

G_BEGIN_DECLS

/* An authenticated device. The token itself is never kept, only its hash. */
typedef struct
{
  char *id;
  char *db_role;
  char *token_hash;
} GateDevice;

GateDevice *gate_device_ref   (GateDevice *device);
void        gate_device_unref (GateDevice *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateDevice, gate_device_unref)

#define GATE_TYPE_AUTH (gate_auth_get_type ())
G_DECLARE_FINAL_TYPE (GateAuth, gate_auth, GATE, AUTH, GObject)

GateAuth   *gate_auth_new                 (GateDbPool           *pool);
void        gate_auth_authenticate_async  (GateAuth             *self,
                                           const char           *token,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GateDevice *gate_auth_authenticate_finish (GateAuth             *self,
                                           GAsyncResult         *result,
                                           GError              **error);
gboolean    gate_auth_is_known            (GateAuth             *self,
                                           const char           *token);
void        gate_auth_forget              (GateAuth             *self,
                                           GateDevice           *device);
void        gate_auth_add_guard           (GateDevice           *device,
                                           GPtrArray            *statements);

G_END_DECLS
