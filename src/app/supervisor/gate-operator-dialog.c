/* gate-operator-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gate-error.h"
#include "gate-error-sentence.h"
#include "gate-operator-dialog.h"

struct _GateOperatorDialog
{
  AdwWindow          parent_instance;

  GateOperatorAdmin *admin;
  GCancellable      *cancellable;
  char              *operator_name;
  char              *pin;
  char              *error_message;
  gboolean           busy;

  GtkWidget         *error_label;
  GtkWidget         *name_row;
  GtkWidget         *pin_row;
};

G_DEFINE_FINAL_TYPE (GateOperatorDialog, gate_operator_dialog, ADW_TYPE_WINDOW)

enum
{
  PROP_0,
  PROP_ADMIN,
  PROP_OPERATOR_NAME,
  PROP_PIN,
  PROP_BUSY,
  PROP_ERROR_MESSAGE,
  N_PROPS
};

enum
{
  ADDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

char *
gate_operator_error_sentence (const GError *error)
{
  if (error->domain == GATE_OPERATOR_ERROR)
    switch ((GateOperatorError) error->code)
      {
      case GATE_OPERATOR_ERROR_INVALID_NAME:
        return g_strdup (_("Type the operator’s name (up to 100 characters)."));
      case GATE_OPERATOR_ERROR_INVALID_PIN:
        return g_strdup (_("A PIN is 4 to 12 digits, nothing else."));
      case GATE_OPERATOR_ERROR_NAME_IN_USE:
        return g_strdup (_("An operator with this name already exists. Add a surname or an initial."));
      case GATE_OPERATOR_ERROR_UNKNOWN:
        return g_strdup (_("This operator was already removed."));
      default:
        break;
      }
  if (g_error_matches (error, GATE_ERROR, GATE_ERROR_FORBIDDEN))
    return g_strdup (_("Only a supervisor’s device may manage operators."));
  return gate_error_sentence (error, GATE_ACTIVITY_REVIEWING, 0);
}

static void
set_error_message (GateOperatorDialog *self,
                   const char         *message)
{
  if (g_strcmp0 (self->error_message, message) == 0)
    return;
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  gtk_widget_set_visible (self->error_label, message != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
}

static void
set_busy (GateOperatorDialog *self,
          gboolean            busy)
{
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
on_added (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GateOperatorDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateOperator) added = gate_operator_admin_add_finish (GATE_OPERATOR_ADMIN (source), result, &error);
  g_autofree char *sentence = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (added == NULL)
    {
      sentence = gate_operator_error_sentence (error);
      set_error_message (self, sentence);
      gtk_widget_grab_focus (g_error_matches (error, GATE_OPERATOR_ERROR, GATE_OPERATOR_ERROR_INVALID_PIN)
                             ? self->pin_row : self->name_row);
      return;
    }
  g_signal_emit (self, signals[ADDED], 0, added);
  gtk_window_close (GTK_WINDOW (self));
}

void
gate_operator_dialog_submit (GateOperatorDialog *self)
{
  g_return_if_fail (GATE_IS_OPERATOR_DIALOG (self));

  if (self->busy)
    return;
  set_busy (self, TRUE);
  set_error_message (self, NULL);
  gate_operator_admin_add_async (self->admin, self->operator_name, self->pin, self->cancellable, on_added,
                                 g_object_ref (self));
}

GtkWidget *
gate_operator_dialog_new (GtkWindow         *parent,
                          GateOperatorAdmin *admin)
{
  g_return_val_if_fail (GATE_IS_OPERATOR_ADMIN (admin), NULL);

  return g_object_new (GATE_TYPE_OPERATOR_DIALOG, "transient-for", parent, "admin", admin, NULL);
}

gboolean
gate_operator_dialog_get_busy (GateOperatorDialog *self)
{
  g_return_val_if_fail (GATE_IS_OPERATOR_DIALOG (self), FALSE);
  return self->busy;
}

const char *
gate_operator_dialog_get_error_message (GateOperatorDialog *self)
{
  g_return_val_if_fail (GATE_IS_OPERATOR_DIALOG (self), NULL);
  return self->error_message;
}

static void
replace_text (char       **field,
              const char  *text)
{
  g_free (*field);
  *field = g_strdup (text);
}

static void
gate_operator_dialog_dispose (GObject *object)
{
  GateOperatorDialog *self = GATE_OPERATOR_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->admin);

  G_OBJECT_CLASS (gate_operator_dialog_parent_class)->dispose (object);
}

static void
gate_operator_dialog_finalize (GObject *object)
{
  GateOperatorDialog *self = GATE_OPERATOR_DIALOG (object);

  g_free (self->operator_name);
  /* The PIN leaves no copy behind in freed memory. */
  if (self->pin != NULL)
    memset (self->pin, 0, strlen (self->pin));
  g_free (self->pin);
  g_free (self->error_message);

  G_OBJECT_CLASS (gate_operator_dialog_parent_class)->finalize (object);
}

static void
gate_operator_dialog_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  GateOperatorDialog *self = GATE_OPERATOR_DIALOG (object);

  switch (prop_id)
    {
    case PROP_ADMIN:
      g_value_set_object (value, self->admin);
      break;
    case PROP_OPERATOR_NAME:
      g_value_set_string (value, self->operator_name);
      break;
    case PROP_PIN:
      g_value_set_string (value, self->pin);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_operator_dialog_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  GateOperatorDialog *self = GATE_OPERATOR_DIALOG (object);

  switch (prop_id)
    {
    case PROP_ADMIN:
      self->admin = g_value_dup_object (value);
      break;
    case PROP_OPERATOR_NAME:
      if (g_strcmp0 (self->operator_name, g_value_get_string (value)) != 0)
        {
          replace_text (&self->operator_name, g_value_get_string (value) ? g_value_get_string (value) : "");
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_PIN:
      if (g_strcmp0 (self->pin, g_value_get_string (value)) != 0)
        {
          replace_text (&self->pin, g_value_get_string (value) ? g_value_get_string (value) : "");
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_operator_dialog_class_init (GateOperatorDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_operator_dialog_dispose;
  object_class->finalize = gate_operator_dialog_finalize;
  object_class->get_property = gate_operator_dialog_get_property;
  object_class->set_property = gate_operator_dialog_set_property;

  properties[PROP_ADMIN] =
    g_param_spec_object ("admin", NULL, NULL, GATE_TYPE_OPERATOR_ADMIN,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OPERATOR_NAME] =
    g_param_spec_string ("operator-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PIN] =
    g_param_spec_string ("pin", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateOperatorDialog::added:
   * @operator: (type GateOperator): as the server stored it
   */
  signals[ADDED] =
    g_signal_new ("added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  GATE_TYPE_OPERATOR | G_SIGNAL_TYPE_STATIC_SCOPE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/gatescanner/GateScanner/gate-operator-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, GateOperatorDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, GateOperatorDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, GateOperatorDialog, pin_row);
  gtk_widget_class_bind_template_callback (widget_class, gate_operator_dialog_submit);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
gate_operator_dialog_init (GateOperatorDialog *self)
{
  self->cancellable = g_cancellable_new ();
  /* The fields bind to these: an editable's text is never NULL. */
  self->operator_name = g_strdup ("");
  self->pin = g_strdup ("");
  gtk_widget_init_template (GTK_WIDGET (self));
}
