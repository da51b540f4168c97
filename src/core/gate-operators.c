/* gate-operators.c — who is signed in at this gate
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-error.h"
#include "gate-operators.h"

struct _GateOperators
{
  GObject        parent_instance;

  GateApiClient *client;         /* (nullable) */
  char          *operator_id;
  char          *operator_name;
  gint64         locked_until_us;
};

G_DEFINE_FINAL_TYPE (GateOperators, gate_operators, G_TYPE_OBJECT)
G_DEFINE_QUARK (gate-sign-in-error-quark, gate_sign_in_error)

enum
{
  PROP_0,
  PROP_OPERATOR_ID,
  PROP_OPERATOR_NAME,
  PROP_LOCKED_UNTIL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GateOperators *
gate_operators_new (GateApiClient *client)
{
  GateOperators *self;

  g_return_val_if_fail (client == NULL || GATE_IS_API_CLIENT (client), NULL);

  self = g_object_new (GATE_TYPE_OPERATORS, NULL);
  g_set_object (&self->client, client);
  return self;
}

static gboolean
no_server (GTask *task)
{
  g_task_return_new_error (task, GATE_SIGN_IN_ERROR, GATE_SIGN_IN_ERROR_NO_SERVER,
                           "this gate has no server to sign in with");
  return FALSE;
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(GPtrArray) operators = gate_api_client_list_operators_finish (GATE_API_CLIENT (source), result, &error);
  g_autoptr(GStrvBuilder) names = NULL;

  if (operators == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Only the names are shown at the door; the ids stay with the server. */
  names = g_strv_builder_new ();
  for (guint i = 0; i < operators->len; i++)
    g_strv_builder_add (names, ((GateOperator *) operators->pdata[i])->name);
  g_task_return_pointer (task, g_strv_builder_end (names), (GDestroyNotify) g_strfreev);
}

void
gate_operators_list_async (GateOperators       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GATE_IS_OPERATORS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_operators_list_async);
  if (self->client == NULL)
    {
      no_server (task);
      return;
    }
  gate_api_client_list_operators_async (self->client, cancellable, on_listed, g_steal_pointer (&task));
}

GStrv
gate_operators_list_finish (GateOperators  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
set_operator (GateOperators *self,
              const char    *operator_id,
              const char    *operator_name)
{
  if (g_strcmp0 (self->operator_id, operator_id) != 0)
    {
      g_free (self->operator_id);
      self->operator_id = g_strdup (operator_id);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPERATOR_ID]);
    }
  if (g_strcmp0 (self->operator_name, operator_name) != 0)
    {
      g_free (self->operator_name);
      self->operator_name = g_strdup (operator_name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPERATOR_NAME]);
    }
}

static void
set_locked_until (GateOperators *self,
                  gint64         locked_until_us)
{
  if (self->locked_until_us == locked_until_us)
    return;
  self->locked_until_us = locked_until_us;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCKED_UNTIL]);
}

static void
on_signed_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateOperators *self = g_task_get_source_object (task);
  g_autofree char *operator_id = NULL;
  g_autofree char *name = NULL;
  GError *error = NULL;
  gint64 locked_until_us = 0;

  if (gate_api_client_operator_sign_in_finish (GATE_API_CLIENT (source), result, &operator_id, &name,
                                               &locked_until_us, &error))
    {
      set_locked_until (self, 0);
      set_operator (self, operator_id, name);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The server answers an unknown name like a wrong PIN, on purpose. */
  set_locked_until (self, locked_until_us);
  if (locked_until_us != 0)
    g_task_return_new_error (task, GATE_SIGN_IN_ERROR, GATE_SIGN_IN_ERROR_LOCKED,
                             "too many wrong PINs for this operator");
  else
    g_task_return_new_error (task, GATE_SIGN_IN_ERROR, GATE_SIGN_IN_ERROR_WRONG_PIN,
                             "the name and PIN do not match");
}

void
gate_operators_sign_in_async (GateOperators       *self,
                              const char          *name,
                              const char          *pin,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GATE_IS_OPERATORS (self));
  g_return_if_fail (name != NULL && pin != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_operators_sign_in_async);
  if (self->client == NULL)
    {
      no_server (task);
      return;
    }
  gate_api_client_operator_sign_in_async (self->client, name, pin, cancellable, on_signed_in,
                                          g_steal_pointer (&task));
}

gboolean
gate_operators_sign_in_finish (GateOperators  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
gate_operators_sign_out (GateOperators *self)
{
  g_return_if_fail (GATE_IS_OPERATORS (self));

  set_operator (self, NULL, NULL);
}

const char *
gate_operators_get_operator_id (GateOperators *self)
{
  g_return_val_if_fail (GATE_IS_OPERATORS (self), NULL);
  return self->operator_id;
}

const char *
gate_operators_get_operator_name (GateOperators *self)
{
  g_return_val_if_fail (GATE_IS_OPERATORS (self), NULL);
  return self->operator_name;
}

gint64
gate_operators_get_locked_until (GateOperators *self)
{
  g_return_val_if_fail (GATE_IS_OPERATORS (self), 0);
  return self->locked_until_us;
}

static void
gate_operators_dispose (GObject *object)
{
  GateOperators *self = GATE_OPERATORS (object);

  g_clear_object (&self->client);

  G_OBJECT_CLASS (gate_operators_parent_class)->dispose (object);
}

static void
gate_operators_finalize (GObject *object)
{
  GateOperators *self = GATE_OPERATORS (object);

  g_free (self->operator_id);
  g_free (self->operator_name);

  G_OBJECT_CLASS (gate_operators_parent_class)->finalize (object);
}

static void
gate_operators_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GateOperators *self = GATE_OPERATORS (object);

  switch (prop_id)
    {
    case PROP_OPERATOR_ID:
      g_value_set_string (value, self->operator_id);
      break;

    case PROP_OPERATOR_NAME:
      g_value_set_string (value, self->operator_name);
      break;

    case PROP_LOCKED_UNTIL:
      g_value_set_int64 (value, self->locked_until_us);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_operators_class_init (GateOperatorsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_operators_dispose;
  object_class->finalize = gate_operators_finalize;
  object_class->get_property = gate_operators_get_property;

  properties[PROP_OPERATOR_ID] =
    g_param_spec_string ("operator-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_OPERATOR_NAME] =
    g_param_spec_string ("operator-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LOCKED_UNTIL] =
    g_param_spec_int64 ("locked-until", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_operators_init (GateOperators *self)
{
}
