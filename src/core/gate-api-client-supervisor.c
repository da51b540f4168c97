/* gate-api-client-supervisor.c — the client's calls of a supervisor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Server-wide views and operator management: event_stats, list_operators,
 * add_operator and remove_operator. Typed like the other calls
 * (gate-api-client-rpc.c).
 */
#include "config.h"

#include "gate-api-client-private.h"
#include "gate-api-rows-supervisor.h"
#include "gate-error.h"

/* --- a supervisor's server-wide views ------------------------------------- */

static gpointer
decode_stats (JsonArray       *rows,
              gpointer         data,
              GDestroyNotify  *free_func,
              GError         **error)
{
  *free_func = (GDestroyNotify) g_ptr_array_unref;
  return gate_api_rows_to_stats (rows, error);
}

void
gate_api_client_event_stats_async (GateApiClient       *self,
                                   const char          *event_id,
                                   gint64               since_us,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_event_id", event_id);
  if (since_us != 0)
    _gate_api_args_set_time (args, "p_since", since_us);
  _gate_api_typed_call (self, "event_stats", args, 0, decode_stats, NULL, NULL, gate_api_client_event_stats_async,
                        cancellable, callback, user_data);
}

/**
 * gate_api_client_event_stats_finish:
 *
 * Returns: (transfer full) (element-type GateStatsRow)
 */
GPtrArray *
gate_api_client_event_stats_finish (GateApiClient  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_event_stats_async, error);
}

static gpointer
decode_operators (JsonArray       *rows,
                  gpointer         data,
                  GDestroyNotify  *free_func,
                  GError         **error)
{
  *free_func = (GDestroyNotify) g_ptr_array_unref;
  return gate_api_rows_to_operators (rows, error);
}

void
gate_api_client_list_operators_async (GateApiClient       *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  _gate_api_typed_call (self, "list_operators", args, 0, decode_operators, NULL, NULL,
                        gate_api_client_list_operators_async, cancellable, callback, user_data);
}

/**
 * gate_api_client_list_operators_finish:
 *
 * Returns: (transfer full) (element-type GateOperator)
 */
GPtrArray *
gate_api_client_list_operators_finish (GateApiClient  *self,
                                       GAsyncResult   *result,
                                       GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_list_operators_async, error);
}

static gpointer
decode_operator (JsonArray       *rows,
                 gpointer         data,
                 GDestroyNotify  *free_func,
                 GError         **error)
{
  *free_func = (GDestroyNotify) gate_operator_free;
  return gate_api_rows_to_operator (rows, error);
}

/* The PIN travels in the request body only; it is never logged. */
void
gate_api_client_add_operator_async (GateApiClient       *self,
                                    const char          *name,
                                    const char          *pin,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_name", name);
  _gate_api_args_set_string (args, "p_pin", pin);
  _gate_api_typed_call (self, "add_operator", args, 0, decode_operator, NULL, NULL, gate_api_client_add_operator_async,
                        cancellable, callback, user_data);
}

GateOperator *
gate_api_client_add_operator_finish (GateApiClient  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_add_operator_async, error);
}

void
gate_api_client_remove_operator_async (GateApiClient       *self,
                                       const char          *operator_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_operator_id", operator_id);
  _gate_api_typed_call (self, "remove_operator", args, 0, _gate_api_decode_acknowledgement, NULL, NULL,
                        gate_api_client_remove_operator_async, cancellable, callback, user_data);
}

gboolean
gate_api_client_remove_operator_finish (GateApiClient  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  return _gate_api_acknowledgement_finish (self, result, gate_api_client_remove_operator_async, error);
}
