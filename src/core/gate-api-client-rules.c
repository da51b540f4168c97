/* gate-api-client-rules.c — the client's calls for the gate rules
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Check-in lists and presence for the offline cache (list_checkin_lists,
 * stays_changed_since), and what the kiosk asks at the door: its lists,
 * operator_sign_in and how many are
 * inside. Typed like the other calls (gate-api-client-rpc.c).
 */
#include "config.h"

#include "gate-api-client-private.h"
#include "gate-api-client-rules.h"
#include "gate-api-rows.h"
#include "gate-api-rows-rules.h"
#include "gate-error.h"

/* --- the gate rules offline: lists and presence (docs/gate-rules.md) ------- */

static gpointer
decode_list_rules (JsonArray       *rows,
                   gpointer         data,
                   GDestroyNotify  *free_func,
                   GError         **error)
{
  *free_func = (GDestroyNotify) g_ptr_array_unref;
  return gate_api_rows_to_list_rules (rows, error);
}

/* list_checkin_lists for this client's device and @event_id. */
void
gate_api_client_list_rules_async (GateApiClient       *self,
                                  const char          *event_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  _gate_api_args_set_string (args, "p_event_id", event_id);
  _gate_api_typed_call (self, "list_checkin_lists", args, 0, decode_list_rules, NULL, NULL,
                        gate_api_client_list_rules_async, cancellable, callback, user_data);
}

/**
 * gate_api_client_list_rules_finish:
 *
 * Returns: (transfer full) (element-type GateListRules): the event's lists
 */
GPtrArray *
gate_api_client_list_rules_finish (GateApiClient  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_list_rules_async, error);
}

static gpointer
decode_presence_page (JsonArray       *rows,
                      gpointer         data,
                      GDestroyNotify  *free_func,
                      GError         **error)
{
  *free_func = (GDestroyNotify) gate_presence_page_free;
  return gate_api_rows_to_presence_page (rows, error);
}

/* stays_changed_since: one page of @event_id's presence changes after @cursor. */
void
gate_api_client_stays_changed_since_async (GateApiClient       *self,
                                           const char          *event_id,
                                           const char          *cursor,
                                           guint                limit,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  JsonObject *args;

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  args = _gate_api_page_args (event_id, cursor, limit);
  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  _gate_api_typed_call (self, "stays_changed_since", args, 0, decode_presence_page, NULL, NULL,
                        gate_api_client_stays_changed_since_async, cancellable, callback, user_data);
}

GatePresencePage *
gate_api_client_stays_changed_since_finish (GateApiClient  *self,
                                            GAsyncResult   *result,
                                            GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_stays_changed_since_async, error);
}

/* --- the gate rules -------------------------------------------------------------------- */

static gpointer
decode_checkin_lists (JsonArray       *rows,
                      gpointer         data,
                      GDestroyNotify  *free_func,
                      GError         **error)
{
  *free_func = (GDestroyNotify) g_ptr_array_unref;
  return gate_api_rows_to_checkin_lists (rows, error);
}

void
gate_api_client_list_checkin_lists_async (GateApiClient       *self,
                                          const char          *event_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));

  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  if (event_id != NULL)
    _gate_api_args_set_string (args, "p_event_id", event_id);
  _gate_api_typed_call (self, "list_checkin_lists", args, 0, decode_checkin_lists, NULL, NULL,
                        gate_api_client_list_checkin_lists_async, cancellable, callback, user_data);
}

/**
 * gate_api_client_list_checkin_lists_finish:
 *
 * Returns: (transfer full) (element-type GateCheckinList)
 */
GPtrArray *
gate_api_client_list_checkin_lists_finish (GateApiClient  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return _gate_api_typed_finish (self, result, gate_api_client_list_checkin_lists_async, error);
}

typedef struct
{
  char   *operator_id;  /* NULL: not signed in */
  char   *name;
  gint64  locked_until_us;
} SignIn;

static void
sign_in_free (SignIn *sign_in)
{
  g_free (sign_in->operator_id);
  g_free (sign_in->name);
  g_free (sign_in);
}

static gpointer
decode_sign_in (JsonArray       *rows,
                gpointer         data,
                GDestroyNotify  *free_func,
                GError         **error)
{
  SignIn *sign_in = g_new0 (SignIn, 1);

  *free_func = (GDestroyNotify) sign_in_free;
  if (!gate_api_rows_to_sign_in (rows, &sign_in->operator_id, &sign_in->name, &sign_in->locked_until_us, error))
    {
      sign_in_free (sign_in);
      return NULL;
    }
  return sign_in;
}

void
gate_api_client_operator_sign_in_async (GateApiClient       *self,
                                        const char          *name,
                                        const char          *pin,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));
  g_return_if_fail (name != NULL && pin != NULL);

  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  _gate_api_args_set_string (args, "p_name", name);
  _gate_api_args_set_string (args, "p_pin", pin);
  _gate_api_typed_call (self, "operator_sign_in", args, 0, decode_sign_in, NULL, NULL,
                        gate_api_client_operator_sign_in_async, cancellable, callback, user_data);
}

gboolean
gate_api_client_operator_sign_in_finish (GateApiClient  *self,
                                         GAsyncResult   *result,
                                         char          **operator_id,
                                         char          **name,
                                         gint64         *locked_until_us,
                                         GError        **error)
{
  SignIn *sign_in = _gate_api_typed_finish (self, result, gate_api_client_operator_sign_in_async, error);
  gboolean signed_in;

  *operator_id = NULL;
  *name = NULL;
  *locked_until_us = 0;
  if (sign_in == NULL)
    return FALSE;

  signed_in = sign_in->operator_id != NULL;
  *operator_id = g_steal_pointer (&sign_in->operator_id);
  *name = g_steal_pointer (&sign_in->name);
  *locked_until_us = sign_in->locked_until_us;
  sign_in_free (sign_in);
  return signed_in;
}

static gpointer
decode_event_inside (JsonArray       *rows,
                     gpointer         data,
                     GDestroyNotify  *free_func,
                     GError         **error)
{
  gint64 inside = gate_api_rows_to_event_inside (rows, data, error);

  *free_func = g_free;
  return inside < 0 ? NULL : g_memdup2 (&inside, sizeof inside);
}

void
gate_api_client_event_inside_async (GateApiClient       *self,
                                    const char          *event_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  JsonObject *args = json_object_new ();

  g_return_if_fail (GATE_IS_API_CLIENT (self));
  g_return_if_fail (event_id != NULL);

  _gate_api_args_set_string (args, "p_device_id", self->device_id);
  _gate_api_args_set_string (args, "p_event_id", event_id);
  _gate_api_typed_call (self, "event_inside", args, 0, decode_event_inside, g_strdup (event_id), g_free,
                        gate_api_client_event_inside_async, cancellable, callback, user_data);
}

gint64
gate_api_client_event_inside_finish (GateApiClient  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_autofree gint64 *inside = _gate_api_typed_finish (self, result, gate_api_client_event_inside_async, error);

  return inside != NULL ? *inside : -1;
}
