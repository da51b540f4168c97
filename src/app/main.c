/* main.c — gate-scanner
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gst/gst.h>
#include <locale.h>

#include "gate-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GateApplication) application = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gst_init (NULL, NULL);

  application = gate_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
