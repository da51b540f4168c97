/* test-application.c — GateApplication on a first run: the setup-code
 * page, its "Try the Demo" running the server-less demo, and setting the
 * gate up again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-application.h"
#include "gate-gate-view.h"
#include "gate-test-gui.h"
#include "gate-verdict-view.h"
#include "gate-window.h"

#define DEADLINE_MS 30000

static GateWindow *
active_window (GateApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  return window != NULL ? GATE_WINDOW (window) : NULL;
}

typedef struct
{
  GateApplication *application;
  const char      *page;
} PageWait;

static gboolean
page_is (gpointer user_data)
{
  PageWait *wait = user_data;
  GateWindow *window = active_window (wait->application);

  return window != NULL && g_strcmp0 (gate_window_get_page (window), wait->page) == 0;
}

static gboolean
verdict_shown (gpointer user_data)
{
  GateWindow *window = active_window (user_data);
  GtkWidget *view;

  if (window == NULL)
    return FALSE;
  view = gate_gate_view_get_verdict_view (GATE_GATE_VIEW (gate_window_get_gate_view (window)));
  return gate_verdict_view_get_verdict (GATE_VERDICT_VIEW (view)) != NULL;
}

static void
test_first_run_asks_for_a_setup_code_and_offers_the_demo (void)
{
  g_autoptr(GateApplication) application = gate_application_new ();
  g_autoptr(GError) error = NULL;
  PageWait wait = { application, "enrol" };
  GateWindow *window;

  /* The test's own bus and an empty memory backend: a first run. */
  g_assert_true (g_application_register (G_APPLICATION (application), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (application));
  g_assert_true (gate_test_gui_wait_until (page_is, &wait, DEADLINE_MS));
  window = active_window (application);
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (window), DEADLINE_MS));
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (window), "enrol-first-run"));

  /* "Try the Demo": the server-less demo's camera shows a ticket and the
   * gate decides it. */
  g_action_group_activate_action (G_ACTION_GROUP (application), "demo", NULL);
  wait.page = "main";
  g_assert_true (gate_test_gui_wait_until (page_is, &wait, DEADLINE_MS));
  g_assert_true (gate_test_gui_wait_until (verdict_shown, application, DEADLINE_MS));

  /* A supervisor sets the gate up again: the setup-code page, on the
   * camera, instead of the scanning gate. */
  g_action_group_activate_action (G_ACTION_GROUP (application), "set-up-again", NULL);
  wait.page = "enrol";
  g_assert_true (gate_test_gui_wait_until (page_is, &wait, DEADLINE_MS));

  gtk_window_destroy (GTK_WINDOW (active_window (application)));
  gate_test_gui_flush ();
}

int
main (int    argc,
      char **argv)
{
  gate_test_gui_init (&argc, &argv);
  gst_init (NULL, NULL);

  g_test_add_func ("/application/first-run-asks-for-a-setup-code-offers-the-demo-and-sets-up-again",
                   test_first_run_asks_for_a_setup_code_and_offers_the_demo);

  return g_test_run ();
}
