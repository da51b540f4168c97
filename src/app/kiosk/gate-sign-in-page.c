/* gate-sign-in-page.c — an operator signs in at the gate: name, then PIN
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The names come from the server (list_operators), the PIN goes to it
 * (operator_sign_in): a gate offline says so here and offers to try again,
 * rather than a list that can never work. A wrong PIN clears the pad and
 * says so; five in a row lock the name for a while, and the page says
 * until when.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gate-error-sentence.h"
#include "gate-sign-in-page.h"
#include "gate-time-format.h"

#define MAX_PIN_DIGITS 12

struct _GateSignInPage
{
  GtkWidget      parent_instance;

  GtkLabel      *title_label;
  GtkLabel      *status_label;
  GtkWidget     *retry_button;
  GtkListBox    *names_list;
  GtkEditable   *pin_entry;
  GtkWidget     *keypad;
  GtkWidget     *sign_in_button;

  GateOperators *operators;
  GCancellable  *cancellable;   /* the names or the sign-in in flight */
  GStrv          names;
  char          *status;
};

G_DEFINE_FINAL_TYPE (GateSignInPage, gate_sign_in_page, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_OPERATORS,
  PROP_NAMES,
  PROP_STATUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_status (GateSignInPage *self,
            const char     *status,
            gboolean        can_retry)
{
  gtk_label_set_label (self->status_label, status != NULL ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);
  gtk_widget_set_visible (self->retry_button, can_retry);
  if (g_strcmp0 (self->status, status) == 0)
    return;
  g_free (self->status);
  self->status = g_strdup (status);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static const char *
chosen_name (GateSignInPage *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->names_list);

  if (row == NULL || self->names == NULL)
    return NULL;
  return self->names[gtk_list_box_row_get_index (row)];
}

static void
update_pad (GateSignInPage *self)
{
  const char *name = chosen_name (self);
  gboolean idle = self->cancellable == NULL;
  g_autofree char *title = NULL;

  if (name != NULL)
    /* Translators: %s is the operator's name */
    title = g_strdup_printf (_("PIN for %s"), name);
  gtk_label_set_label (self->title_label, title != NULL ? title : _("Who Is Scanning? Choose Your Name"));
  /* The entry itself stays sensitive: a focused text made insensitive
   * keeps blinking its cursor for nobody (and GTK warns). */
  gtk_widget_set_sensitive (self->keypad, name != NULL && idle);
  gtk_widget_set_sensitive (self->sign_in_button,
                            name != NULL && idle && *gtk_editable_get_text (self->pin_entry) != '\0');
}

static void
fill_names (GateSignInPage *self,
            GStrv           names)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->names_list))) != NULL)
    gtk_list_box_remove (self->names_list, child);
  g_strfreev (self->names);
  self->names = names;

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      GtkWidget *label = gtk_label_new (names[i]);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (label, "operator-name");
      gtk_list_box_append (self->names_list, label);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAMES]);
  update_pad (self);
}

/* What to tell the worker when the server could not be asked. */
static char *
explain_failure (const GError *error)
{
  g_autofree char *sentence = gate_error_sentence (error, GATE_ACTIVITY_CONNECTING, 0);

  return g_strdup_printf (_("Signing in needs the ticket server, and this gate cannot reach it. %s"), sentence);
}

static void
on_names_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GStrv names = gate_operators_list_finish (GATE_OPERATORS (source), result, &error);
  GateSignInPage *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = GATE_SIGN_IN_PAGE (user_data);
  g_clear_object (&self->cancellable);
  if (names == NULL)
    {
      g_autofree char *status = explain_failure (error);

      fill_names (self, NULL);
      set_status (self, status, TRUE);
      return;
    }

  fill_names (self, names);
  if (names[0] == NULL)
    set_status (self, _("No operators are set up for this venue. Ask a supervisor to add you."), TRUE);
  else
    set_status (self, NULL, FALSE);
}

void
gate_sign_in_page_reload (GateSignInPage *self)
{
  g_return_if_fail (GATE_IS_SIGN_IN_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->operators == NULL)
    return;

  self->cancellable = g_cancellable_new ();
  set_status (self, _("Loading the names…"), FALSE);
  /* The page lives as long as the call: dispose cancels it first. */
  gate_operators_list_async (self->operators, self->cancellable, on_names_listed, self);
  update_pad (self);
}

static void
on_retry_clicked (GateSignInPage *self)
{
  gate_sign_in_page_reload (self);
}

static void
on_name_selected (GateSignInPage *self)
{
  /* The list unselects as the page goes, its entry gone already. */
  if (self->pin_entry == NULL)
    return;
  gtk_editable_set_text (self->pin_entry, "");
  if (self->cancellable == NULL)
    set_status (self, NULL, FALSE);
  update_pad (self);
  if (chosen_name (self) != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
}

static void
on_pin_changed (GateSignInPage *self)
{
  update_pad (self);
}

static void
on_digit_clicked (GateSignInPage *self,
                  GtkButton      *button)
{
  g_autofree char *pin = NULL;
  const char *text = gtk_editable_get_text (self->pin_entry);

  if (strlen (text) >= MAX_PIN_DIGITS)
    return;
  pin = g_strconcat (text, gtk_button_get_label (button), NULL);
  gtk_editable_set_text (self->pin_entry, pin);
  gtk_editable_set_position (self->pin_entry, -1);
}

static void
on_backspace_clicked (GateSignInPage *self)
{
  gtk_editable_delete_text (self->pin_entry, MAX (0, (int) strlen (gtk_editable_get_text (self->pin_entry)) - 1), -1);
}

static void
on_signed_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GateOperators *operators = GATE_OPERATORS (source);
  gboolean signed_in = gate_operators_sign_in_finish (operators, result, &error);
  GateSignInPage *self;
  g_autofree char *status = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = GATE_SIGN_IN_PAGE (user_data);
  g_clear_object (&self->cancellable);
  gtk_editable_set_text (self->pin_entry, "");
  if (signed_in)
    {
      /* The next operator starts from the names again. */
      gtk_list_box_unselect_all (self->names_list);
      set_status (self, NULL, FALSE);
      update_pad (self);
      return;
    }

  if (g_error_matches (error, GATE_SIGN_IN_ERROR, GATE_SIGN_IN_ERROR_WRONG_PIN))
    status = g_strdup (_("Wrong PIN. Try again."));
  else if (g_error_matches (error, GATE_SIGN_IN_ERROR, GATE_SIGN_IN_ERROR_LOCKED))
    {
      g_autofree char *when = gate_time_format (gate_operators_get_locked_until (operators), GATE_TIME_STYLE_CLOCK);

      /* Translators: %s is a time of day, e.g. 14:05 */
      status = g_strdup_printf (_("Too many wrong PINs. This name is locked until %s, or ask a supervisor."), when);
    }
  else
    status = explain_failure (error);
  set_status (self, status, FALSE);
  update_pad (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
}

static void
on_sign_in_clicked (GateSignInPage *self)
{
  const char *name = chosen_name (self);
  const char *pin = gtk_editable_get_text (self->pin_entry);

  if (name == NULL || *pin == '\0' || self->cancellable != NULL || self->operators == NULL)
    return;

  self->cancellable = g_cancellable_new ();
  set_status (self, _("Signing in…"), FALSE);
  update_pad (self);
  gate_operators_sign_in_async (self->operators, name, pin, self->cancellable, on_signed_in, self);
}

GtkWidget *
gate_sign_in_page_new (void)
{
  return g_object_new (GATE_TYPE_SIGN_IN_PAGE, NULL);
}

GateOperators *
gate_sign_in_page_get_operators (GateSignInPage *self)
{
  g_return_val_if_fail (GATE_IS_SIGN_IN_PAGE (self), NULL);

  return self->operators;
}

void
gate_sign_in_page_set_operators (GateSignInPage *self,
                                 GateOperators  *operators)
{
  g_return_if_fail (GATE_IS_SIGN_IN_PAGE (self));
  g_return_if_fail (operators == NULL || GATE_IS_OPERATORS (operators));

  if (!g_set_object (&self->operators, operators))
    return;

  gate_sign_in_page_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPERATORS]);
}

GStrv
gate_sign_in_page_dup_names (GateSignInPage *self)
{
  g_return_val_if_fail (GATE_IS_SIGN_IN_PAGE (self), NULL);

  return g_strdupv (self->names);
}

const char *
gate_sign_in_page_get_status (GateSignInPage *self)
{
  g_return_val_if_fail (GATE_IS_SIGN_IN_PAGE (self), NULL);

  return self->status;
}

static void
gate_sign_in_page_dispose (GObject *object)
{
  GateSignInPage *self = GATE_SIGN_IN_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->operators);
  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_SIGN_IN_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (gate_sign_in_page_parent_class)->dispose (object);
}

static void
gate_sign_in_page_finalize (GObject *object)
{
  GateSignInPage *self = GATE_SIGN_IN_PAGE (object);

  g_strfreev (self->names);
  g_free (self->status);

  G_OBJECT_CLASS (gate_sign_in_page_parent_class)->finalize (object);
}

static void
gate_sign_in_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GateSignInPage *self = GATE_SIGN_IN_PAGE (object);

  switch (prop_id)
    {
    case PROP_OPERATORS:
      g_value_set_object (value, self->operators);
      break;

    case PROP_NAMES:
      g_value_set_boxed (value, self->names);
      break;

    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_sign_in_page_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GateSignInPage *self = GATE_SIGN_IN_PAGE (object);

  switch (prop_id)
    {
    case PROP_OPERATORS:
      gate_sign_in_page_set_operators (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_sign_in_page_class_init (GateSignInPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_sign_in_page_dispose;
  object_class->finalize = gate_sign_in_page_finalize;
  object_class->get_property = gate_sign_in_page_get_property;
  object_class->set_property = gate_sign_in_page_set_property;

  properties[PROP_OPERATORS] =
    g_param_spec_object ("operators", NULL, NULL, GATE_TYPE_OPERATORS,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_NAMES] =
    g_param_spec_boxed ("names", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gatescanner/GateScanner/gate-sign-in-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GateSignInPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, GateSignInPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, GateSignInPage, retry_button);
  gtk_widget_class_bind_template_child (widget_class, GateSignInPage, names_list);
  gtk_widget_class_bind_template_child (widget_class, GateSignInPage, pin_entry);
  gtk_widget_class_bind_template_child (widget_class, GateSignInPage, keypad);
  gtk_widget_class_bind_template_child (widget_class, GateSignInPage, sign_in_button);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_name_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_pin_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_digit_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_backspace_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_in_clicked);
  gtk_widget_class_set_css_name (widget_class, "signinpage");
}

static void
gate_sign_in_page_init (GateSignInPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_pad (self);
}
