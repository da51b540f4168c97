/* Neither marked nor listed: a sentence the camera shows, and a toast. */
static void
fail (GError **error, AdwToastOverlay *toasts, AdwMessageDialog *dialog)
{
  g_message ("Camera stopped. Nobody reads this but the log.");
  g_set_error (error, CAMERA_ERROR, 0, "The camera stopped working: %s", "EOF");
  adw_toast_overlay_add_toast (toasts, adw_toast_new (g_strdup_printf ("Saved %d files", 3)));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "review", _("_Mark Reviewed"), NULL);
  g_object_set (dialog, "css-name", "dialog", NULL);
}
