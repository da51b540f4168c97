/* gate-rpc-catalog.h — the callable functions of schema public
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like PostgREST's schema cache: loaded from pg_proc, so the server needs no
 * list of functions and follows migrations without a restart.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char     *name;
  GStrv     arg_names;
  GStrv     arg_types;
  guint     n_args;
  guint     n_defaults;   /* the last n_defaults arguments are optional */
  gboolean  returns_set;
  char     *returns;
} GateRpcFunction;

typedef struct _GateRpcCatalog GateRpcCatalog;

/* The query whose single text cell feeds gate_rpc_catalog_new_from_json(). */
extern const char *gate_rpc_catalog_query;

GateRpcCatalog        *gate_rpc_catalog_new_from_json (const char      *json,
                                                       GError         **error);
/* The overload of @name that takes exactly the members of @args (all its
 * required arguments present, no unknown ones), or NULL. */
const GateRpcFunction *gate_rpc_catalog_resolve       (GateRpcCatalog  *catalog,
                                                       const char      *name,
                                                       JsonObject      *args);
gboolean               gate_rpc_catalog_has           (GateRpcCatalog  *catalog,
                                                       const char      *name);
void                   gate_rpc_catalog_free          (GateRpcCatalog  *catalog);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateRpcCatalog, gate_rpc_catalog_free)

G_END_DECLS
