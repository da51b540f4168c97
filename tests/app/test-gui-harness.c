/* test-gui-harness.c — the GUI test set-up itself works: a real X display,
 * the app's resources, screenshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "gate-test-gui.h"

static void
test_resources_registered (void)
{
  g_autoptr(GBytes) css = NULL;
  g_autoptr(GError) error = NULL;

  css = g_resources_lookup_data ("/io/github/gatescanner/GateScanner/style.css", 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (css);
}

static void
test_window_is_drawn_and_photographed (void)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *label = gtk_label_new ("Gate Scanner");
  g_autofree char *screen = NULL;
  g_autofree char *shot = NULL;

  adw_window_set_content (ADW_WINDOW (window), label);
  gtk_window_set_default_size (GTK_WINDOW (window), 320, 200);
  gtk_window_present (GTK_WINDOW (window));

  g_assert_true (gate_test_gui_wait_drawn (window, 10000));
  screen = gate_test_gui_screenshot ("harness-screen");
  shot = gate_test_gui_snapshot_widget (window, "harness-window");
  g_assert_true (g_file_test (shot, G_FILE_TEST_IS_REGULAR));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  gate_test_gui_init (&argc, &argv);

  g_test_add_func ("/gui-harness/resources-registered", test_resources_registered);
  g_test_add_func ("/gui-harness/window-is-drawn-and-photographed", test_window_is_drawn_and_photographed);

  return g_test_run ();
}
