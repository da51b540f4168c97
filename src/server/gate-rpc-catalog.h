/* gate-rpc-catalog.h — the callable functions of schema public
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like PostgREST's schema cache: read from pg_proc, so the server needs no
 * list of functions and follows migrations without a restart.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "gate-db-pool.h"
#include "gate-rpc-function.h"

G_BEGIN_DECLS

#define GATE_TYPE_RPC_CATALOG (gate_rpc_catalog_get_type ())
G_DECLARE_FINAL_TYPE (GateRpcCatalog, gate_rpc_catalog, GATE, RPC_CATALOG, GObject)

GateRpcCatalog  *gate_rpc_catalog_new           (GateDbPool           *pool);
void             gate_rpc_catalog_lookup_async  (GateRpcCatalog       *self,
                                                 const char           *name,
                                                 JsonObject           *args,
                                                 const char * const   *supplied,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GateRpcFunction *gate_rpc_catalog_lookup_finish (GateRpcCatalog       *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
char            *gate_rpc_catalog_describe      (GateRpcCatalog       *self,
                                                 const char           *name);
void             gate_rpc_catalog_invalidate    (GateRpcCatalog       *self);

G_END_DECLS
