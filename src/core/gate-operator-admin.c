/* gate-operator-admin.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The PIN is handed to the API client and forgotten: it is never kept,
 * logged or put in an error message.
 */
#include "config.h"

#include <string.h>

#include "gate-error.h"
#include "gate-operator-admin.h"

struct _GateOperatorAdmin
{
  GObject         parent_instance;

  GateApiClient  *client;
  GPtrArray      *operators;  /* GateOperator, sorted by name */
  guint           loading;
};

G_DEFINE_FINAL_TYPE (GateOperatorAdmin, gate_operator_admin, G_TYPE_OBJECT)
G_DEFINE_QUARK (gate-operator-error-quark, gate_operator_error)

enum
{
  PROP_0,
  PROP_CLIENT,
  PROP_LOADING,
  N_PROPS
};

enum
{
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

gboolean
gate_operator_check (const char  *name,
                     const char  *pin,
                     GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (name != NULL ? name : ""));
  glong length = g_utf8_validate (trimmed, -1, NULL) ? g_utf8_strlen (trimmed, -1) : 0;
  gsize digits = pin != NULL ? strspn (pin, "0123456789") : 0;

  if (length < 1 || length > GATE_OPERATOR_NAME_MAX)
    {
      g_set_error (error, GATE_OPERATOR_ERROR, GATE_OPERATOR_ERROR_INVALID_NAME,
                   "an operator needs a name of 1 to %d characters", GATE_OPERATOR_NAME_MAX);
      return FALSE;
    }
  if (pin == NULL || pin[digits] != '\0' || digits < GATE_OPERATOR_PIN_MIN || digits > GATE_OPERATOR_PIN_MAX)
    {
      g_set_error (error, GATE_OPERATOR_ERROR, GATE_OPERATOR_ERROR_INVALID_PIN, "a PIN is %d to %d digits",
                   GATE_OPERATOR_PIN_MIN, GATE_OPERATOR_PIN_MAX);
      return FALSE;
    }
  return TRUE;
}

/* The server's refusals arrive as GATE_ERROR_BAD_REQUEST or NOT_FOUND whose
 * message carries the SQLSTATE ("add_operator: HTTP 409 23505: …"); those
 * the caller can act on become GATE_OPERATOR_ERROR codes, with the server's
 * words kept. */
static GError *
operator_error (GError *error)
{
  static const struct
  {
    const char        *sqlstate;
    GateOperatorError  code;
  } known[] = {
    { " 23505:", GATE_OPERATOR_ERROR_NAME_IN_USE },
    { " P0002:", GATE_OPERATOR_ERROR_UNKNOWN },
    { " 22023:", GATE_OPERATOR_ERROR_INVALID_PIN },
  };

  if (error->domain != GATE_ERROR ||
      (error->code != GATE_ERROR_BAD_REQUEST && error->code != GATE_ERROR_NOT_FOUND))
    return error;

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      const char *at = strstr (error->message, known[i].sqlstate);
      GateOperatorError code = known[i].code;
      g_autofree char *words = NULL;

      if (at == NULL)
        continue;
      words = g_strstrip (g_strdup (at + strlen (known[i].sqlstate)));
      /* One SQLSTATE for both bad values: the server's words tell which. */
      if (code == GATE_OPERATOR_ERROR_INVALID_PIN && strstr (words, "name") != NULL)
        code = GATE_OPERATOR_ERROR_INVALID_NAME;
      g_error_free (error);
      return g_error_new_literal (GATE_OPERATOR_ERROR, code, words);
    }
  return error;
}

static gint
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  const GateOperator *left = *(const GateOperator * const *) a;
  const GateOperator *right = *(const GateOperator * const *) b;
  g_autofree char *left_key = g_utf8_casefold (left->name, -1);
  g_autofree char *right_key = g_utf8_casefold (right->name, -1);
  int order = strcmp (left_key, right_key);

  return order != 0 ? order : strcmp (left->id, right->id);
}

static void
set_loading (GateOperatorAdmin *self,
             gboolean           more)
{
  gboolean was = self->loading > 0;

  if (more)
    self->loading++;
  else
    self->loading--;
  if (was != (self->loading > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateOperatorAdmin *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GPtrArray) operators = gate_api_client_list_operators_finish (GATE_API_CLIENT (source), result, &error);

  set_loading (self, FALSE);
  if (operators == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_ptr_array_sort (operators, compare_by_name);
  g_clear_pointer (&self->operators, g_ptr_array_unref);
  self->operators = g_steal_pointer (&operators);
  g_signal_emit (self, signals[CHANGED], 0);
  g_task_return_boolean (task, TRUE);
}

void
gate_operator_admin_reload_async (GateOperatorAdmin   *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (GATE_IS_OPERATOR_ADMIN (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_operator_admin_reload_async);
  set_loading (self, TRUE);
  gate_api_client_list_operators_async (self->client, cancellable, on_listed, task);
}

gboolean
gate_operator_admin_reload_finish (GateOperatorAdmin  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_added (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateOperatorAdmin *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GateOperator) added = gate_api_client_add_operator_finish (GATE_API_CLIENT (source), result, &error);

  set_loading (self, FALSE);
  if (added == NULL)
    {
      g_task_return_error (task, operator_error (error));
      return;
    }
  g_ptr_array_add (self->operators, gate_operator_copy (added));
  g_ptr_array_sort (self->operators, compare_by_name);
  g_signal_emit (self, signals[CHANGED], 0);
  g_task_return_pointer (task, g_steal_pointer (&added), (GDestroyNotify) gate_operator_free);
}

void
gate_operator_admin_add_async (GateOperatorAdmin   *self,
                               const char          *name,
                               const char          *pin,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  GError *error = NULL;
  g_autofree char *trimmed = NULL;

  g_return_if_fail (GATE_IS_OPERATOR_ADMIN (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_operator_admin_add_async);
  if (!gate_operator_check (name, pin, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  trimmed = g_strstrip (g_strdup (name));
  set_loading (self, TRUE);
  gate_api_client_add_operator_async (self->client, trimmed, pin, cancellable, on_added, task);
}

GateOperator *
gate_operator_admin_add_finish (GateOperatorAdmin  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateOperatorAdmin *self = g_task_get_source_object (task);
  const char *operator_id = g_task_get_task_data (task);
  GError *error = NULL;

  set_loading (self, FALSE);
  if (!gate_api_client_remove_operator_finish (GATE_API_CLIENT (source), result, &error))
    {
      g_task_return_error (task, operator_error (error));
      return;
    }
  for (guint i = 0; i < self->operators->len; i++)
    if (g_strcmp0 (((GateOperator *) g_ptr_array_index (self->operators, i))->id, operator_id) == 0)
      {
        g_ptr_array_remove_index (self->operators, i);
        g_signal_emit (self, signals[CHANGED], 0);
        break;
      }
  g_task_return_boolean (task, TRUE);
}

void
gate_operator_admin_remove_async (GateOperatorAdmin   *self,
                                  const char          *operator_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (GATE_IS_OPERATOR_ADMIN (self));
  g_return_if_fail (operator_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_operator_admin_remove_async);
  g_task_set_task_data (task, g_strdup (operator_id), g_free);
  set_loading (self, TRUE);
  gate_api_client_remove_operator_async (self->client, operator_id, cancellable, on_removed, task);
}

gboolean
gate_operator_admin_remove_finish (GateOperatorAdmin  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

GateOperatorAdmin *
gate_operator_admin_new (GateApiClient *client)
{
  g_return_val_if_fail (GATE_IS_API_CLIENT (client), NULL);
  return g_object_new (GATE_TYPE_OPERATOR_ADMIN, "client", client, NULL);
}

GateApiClient *
gate_operator_admin_get_client (GateOperatorAdmin *self)
{
  g_return_val_if_fail (GATE_IS_OPERATOR_ADMIN (self), NULL);
  return self->client;
}

gboolean
gate_operator_admin_get_loading (GateOperatorAdmin *self)
{
  g_return_val_if_fail (GATE_IS_OPERATOR_ADMIN (self), FALSE);
  return self->loading > 0;
}

GPtrArray *
gate_operator_admin_get_operators (GateOperatorAdmin *self)
{
  g_return_val_if_fail (GATE_IS_OPERATOR_ADMIN (self), NULL);
  return self->operators;
}

const GateOperator *
gate_operator_admin_find (GateOperatorAdmin *self,
                          const char        *operator_id)
{
  g_return_val_if_fail (GATE_IS_OPERATOR_ADMIN (self), NULL);

  for (guint i = 0; i < self->operators->len; i++)
    {
      const GateOperator *op = g_ptr_array_index (self->operators, i);

      if (g_strcmp0 (op->id, operator_id) == 0)
        return op;
    }
  return NULL;
}

static void
gate_operator_admin_dispose (GObject *object)
{
  GateOperatorAdmin *self = GATE_OPERATOR_ADMIN (object);

  g_clear_object (&self->client);
  G_OBJECT_CLASS (gate_operator_admin_parent_class)->dispose (object);
}

static void
gate_operator_admin_finalize (GObject *object)
{
  GateOperatorAdmin *self = GATE_OPERATOR_ADMIN (object);

  g_clear_pointer (&self->operators, g_ptr_array_unref);
  G_OBJECT_CLASS (gate_operator_admin_parent_class)->finalize (object);
}

static void
gate_operator_admin_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GateOperatorAdmin *self = GATE_OPERATOR_ADMIN (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading > 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_operator_admin_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  GateOperatorAdmin *self = GATE_OPERATOR_ADMIN (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_operator_admin_class_init (GateOperatorAdminClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_operator_admin_dispose;
  object_class->finalize = gate_operator_admin_finalize;
  object_class->get_property = gate_operator_admin_get_property;
  object_class->set_property = gate_operator_admin_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, GATE_TYPE_API_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
gate_operator_admin_init (GateOperatorAdmin *self)
{
  self->operators = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_operator_free);
}
