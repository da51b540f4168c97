/* Listed, but one label's text is not marked. */
static void
show (GtkLabel *label, GtkLabel *other)
{
  gtk_label_set_text (label, "Scan a ticket");
  gtk_label_set_text (other, _("Fine"));
  gtk_label_set_text (other, "—");
}
