/* Marked, but not listed. */
static const char *
greeting (void)
{
  return _("Hello");
}
