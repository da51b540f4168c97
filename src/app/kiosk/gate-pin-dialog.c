/* gate-pin-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Checking a PIN costs a deliberately slow hash, so it runs on a worker
 * thread and the keypad stays responsive. The count of wrong PINs lives in
 * the process, not in the dialog: a lockout has to survive a new dialog.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gate-kiosk-pin.h"
#include "gate-pin-dialog.h"

#define SHAKE_MS 450

struct _GatePinDialog
{
  AdwMessageDialog  parent_instance;

  GtkWidget        *entry;
  GtkWidget        *status;
  GtkWidget        *keypad;

  char             *stored_hash;
  GCancellable     *cancellable;
  gboolean          checking;
  guint             lockout_tick;
  guint             shake_timeout;
};

G_DEFINE_FINAL_TYPE (GatePinDialog, gate_pin_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  PROP_0,
  PROP_STORED_HASH,
  N_PROPS
};

enum {
  UNLOCKED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Shared by every dialog of the process, main thread only. */
static guint  failures;
static gint64 locked_until_us;

static gint64
lockout_remaining_seconds (void)
{
  gint64 remaining_us = locked_until_us - g_get_monotonic_time ();

  return remaining_us > 0 ? (remaining_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC : 0;
}

static void
update_sensitivity (GatePinDialog *self)
{
  gboolean usable = !self->checking && lockout_remaining_seconds () == 0;

  /* Not insensitive: a focused text that loses its sensitivity keeps a
   * blinking cursor without focus. Read-only is enough to refuse input. */
  gtk_editable_set_editable (GTK_EDITABLE (self->entry), usable);
  gtk_widget_set_sensitive (self->keypad, usable);
}

static gboolean
on_lockout_tick (gpointer user_data)
{
  GatePinDialog *self = user_data;
  gint64 remaining = lockout_remaining_seconds ();

  if (remaining == 0)
    {
      gtk_label_set_text (GTK_LABEL (self->status), "");
      self->lockout_tick = 0;
      update_sensitivity (self);
      gtk_widget_grab_focus (self->entry);
      return G_SOURCE_REMOVE;
    }

  {
    g_autofree char *text = g_strdup_printf (ngettext ("Too many wrong PINs. Try again in %d second.",
                                                       "Too many wrong PINs. Try again in %d seconds.",
                                                       (int) remaining),
                                             (int) remaining);

    gtk_label_set_text (GTK_LABEL (self->status), text);
  }
  return G_SOURCE_CONTINUE;
}

static void
show_lockout (GatePinDialog *self)
{
  update_sensitivity (self);
  if (lockout_remaining_seconds () == 0 || self->lockout_tick != 0)
    return;
  on_lockout_tick (self);
  self->lockout_tick = g_timeout_add_seconds (1, on_lockout_tick, self);
}

static gboolean
on_shake_done (gpointer user_data)
{
  GatePinDialog *self = user_data;

  gtk_widget_remove_css_class (self->entry, "pin-shake");
  self->shake_timeout = 0;
  return G_SOURCE_REMOVE;
}

static void
reject (GatePinDialog *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  gtk_widget_add_css_class (self->entry, "error");
  gtk_widget_add_css_class (self->entry, "pin-shake");
  g_clear_handle_id (&self->shake_timeout, g_source_remove);
  self->shake_timeout = g_timeout_add (SHAKE_MS, on_shake_done, self);

  failures++;
  if (failures >= GATE_PIN_DIALOG_MAX_FAILURES)
    {
      failures = 0;
      locked_until_us = g_get_monotonic_time () + GATE_PIN_DIALOG_LOCKOUT_SECONDS * G_USEC_PER_SEC;
      show_lockout (self);
      return;
    }

  gtk_label_set_text (GTK_LABEL (self->status), _("Wrong PIN"));
  gtk_widget_grab_focus (self->entry);
}

static void
verify_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  char **hash_and_pin = task_data;

  g_task_return_boolean (task, gate_kiosk_pin_verify (hash_and_pin[0], hash_and_pin[1]));
}

static void
wipe_strv (char **strv)
{
  for (char **s = strv; *s != NULL; s++)
    explicit_bzero (*s, strlen (*s));
  g_strfreev (strv);
}

static void
on_verified (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GatePinDialog *self;
  g_autoptr(GError) error = NULL;
  gboolean verified = g_task_propagate_boolean (G_TASK (result), &error);

  /* Cancelled by dispose: user_data may be gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = GATE_PIN_DIALOG (user_data);
  self->checking = FALSE;
  update_sensitivity (self);

  if (!verified)
    {
      reject (self);
      return;
    }

  failures = 0;
  g_signal_emit (self, signals[UNLOCKED], 0);
  /* Not gtk_window_close(): that would answer the close response, "cancel". */
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_unlock_clicked (GatePinDialog *self)
{
  const char *pin = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_autoptr(GTask) task = NULL;
  char **hash_and_pin;

  if (self->checking || lockout_remaining_seconds () > 0 || *pin == '\0')
    return;

  /* A PIN that could never have been set is wrong without hashing it. */
  if (!gate_kiosk_pin_is_acceptable (pin))
    {
      reject (self);
      return;
    }

  hash_and_pin = g_new0 (char *, 3);
  hash_and_pin[0] = g_strdup (self->stored_hash);
  hash_and_pin[1] = g_strdup (pin);
  self->checking = TRUE;
  update_sensitivity (self);
  gtk_label_set_text (GTK_LABEL (self->status), "");

  /* The task does not keep the dialog alive: a window destroyed while a
   * check runs is finalized at once, as GTK expects, and cancels the check. */
  task = g_task_new (NULL, self->cancellable, on_verified, self);
  g_task_set_source_tag (task, on_unlock_clicked);
  g_task_set_task_data (task, hash_and_pin, (GDestroyNotify) wipe_strv);
  g_task_run_in_thread (task, verify_in_thread);
}

static void
on_entry_activate (GatePinDialog *self)
{
  on_unlock_clicked (self);
}

static void
on_entry_changed (GatePinDialog *self)
{
  if (*gtk_editable_get_text (GTK_EDITABLE (self->entry)) != '\0')
    gtk_widget_remove_css_class (self->entry, "error");
}

static void
on_digit_clicked (GatePinDialog *self,
                  GtkButton     *button)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_autofree char *longer = NULL;

  if (strlen (text) >= GATE_KIOSK_PIN_MAX_DIGITS)
    return;
  longer = g_strconcat (text, gtk_button_get_label (button), NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), longer);
  gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
}

static void
on_backspace_clicked (GatePinDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_autofree char *shorter = NULL;

  if (*text == '\0')
    return;
  shorter = g_strndup (text, strlen (text) - 1);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), shorter);
  gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
}

static void
gate_pin_dialog_dispose (GObject *object)
{
  GatePinDialog *self = GATE_PIN_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->lockout_tick, g_source_remove);
  g_clear_handle_id (&self->shake_timeout, g_source_remove);

  /* GTK 4.8's GtkPasswordEntry does not disconnect from its inner text's
   * focus notifications: if the window drops the focus only after the
   * template is gone, the entry's handler runs on freed memory. */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_PIN_DIALOG);

  G_OBJECT_CLASS (gate_pin_dialog_parent_class)->dispose (object);
}

static void
gate_pin_dialog_finalize (GObject *object)
{
  GatePinDialog *self = GATE_PIN_DIALOG (object);

  g_free (self->stored_hash);

  G_OBJECT_CLASS (gate_pin_dialog_parent_class)->finalize (object);
}

static void
gate_pin_dialog_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GatePinDialog *self = GATE_PIN_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORED_HASH:
      g_value_set_string (value, self->stored_hash);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_pin_dialog_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GatePinDialog *self = GATE_PIN_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORED_HASH:
      self->stored_hash = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_pin_dialog_constructed (GObject *object)
{
  GatePinDialog *self = GATE_PIN_DIALOG (object);

  G_OBJECT_CLASS (gate_pin_dialog_parent_class)->constructed (object);

  show_lockout (self);
}

static void
gate_pin_dialog_class_init (GatePinDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_pin_dialog_dispose;
  object_class->finalize = gate_pin_dialog_finalize;
  object_class->get_property = gate_pin_dialog_get_property;
  object_class->set_property = gate_pin_dialog_set_property;
  object_class->constructed = gate_pin_dialog_constructed;

  properties[PROP_STORED_HASH] =
    g_param_spec_string ("stored-hash", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GatePinDialog::unlocked:
   *
   * The PIN verified; the dialog closes right after.
   */
  signals[UNLOCKED] =
    g_signal_new ("unlocked",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/gatescanner/GateScanner/gate-pin-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, GatePinDialog, entry);
  gtk_widget_class_bind_template_child (widget_class, GatePinDialog, status);
  gtk_widget_class_bind_template_child (widget_class, GatePinDialog, keypad);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_digit_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_backspace_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_unlock_clicked);
}

static void
gate_pin_dialog_init (GatePinDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

/**
 * gate_pin_dialog_new:
 * @parent: (nullable): the window the dialog is modal for
 * @stored_hash: the "kiosk-pin-hash" setting
 *
 * Returns: (transfer none): a new dialog; present it
 */
GtkWidget *
gate_pin_dialog_new (GtkWindow  *parent,
                     const char *stored_hash)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (stored_hash != NULL, NULL);

  return g_object_new (GATE_TYPE_PIN_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       "stored-hash", stored_hash,
                       NULL);
}
