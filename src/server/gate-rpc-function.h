/* gate-rpc-function.h — one callable function of schema public
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "gate-db-pool.h"

G_BEGIN_DECLS

typedef enum
{
  GATE_RPC_RESULT_SET,     /* RETURNS TABLE / SETOF: a JSON array */
  GATE_RPC_RESULT_SINGLE,  /* a scalar or one composite: that JSON value */
  GATE_RPC_RESULT_VOID,    /* no content, as PostgREST answers 204 */
} GateRpcResultKind;

typedef struct _GateRpcFunction GateRpcFunction;

GateRpcFunction   *gate_rpc_function_new_from_json (JsonObject            *row,
                                                    GError               **error);
GateRpcFunction   *gate_rpc_function_ref           (GateRpcFunction       *function);
void               gate_rpc_function_unref         (GateRpcFunction       *function);
const char        *gate_rpc_function_get_name      (const GateRpcFunction *function);
GateRpcResultKind  gate_rpc_function_get_result_kind (const GateRpcFunction *function);
char              *gate_rpc_function_describe_arguments (const GateRpcFunction *function);
gboolean           gate_rpc_function_has_argument  (const GateRpcFunction *function,
                                                    const char            *name);
gboolean           gate_rpc_function_accepts       (const GateRpcFunction *function,
                                                    JsonObject            *args,
                                                    const char * const    *supplied);
GateDbStatement   *gate_rpc_function_build_call    (const GateRpcFunction *function,
                                                    JsonObject            *args,
                                                    GHashTable            *arg_texts,
                                                    gsize                  max_answer);
GString           *gate_rpc_function_answer        (const GateRpcFunction *function,
                                                    GPtrArray             *rows);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateRpcFunction, gate_rpc_function_unref)

G_END_DECLS
