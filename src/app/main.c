/* main.c — gate-scanner
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gst/gst.h>
#include <locale.h>

#include "gate-application.h"
#include "gate-config.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GateApplication) application = NULL;
  const char *localedir = gate_config_get_environment (GATE_CONFIG_KEY_LOCALEDIR);

  setlocale (LC_ALL, "");
  /* Uninstalled runs (tools/demo, tests) use the build tree's catalogs. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gst_init (NULL, NULL);

  application = gate_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
