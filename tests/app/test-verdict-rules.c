/* test-verdict-rules.c — the gate rules' verdicts on the gate's screen
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-test-gui.h"
#include "gate-verdict-view.h"

static GateVerdictView *
show (GateVerdict  verdict,
      const char  *guest_name,
      const char  *ticket_type)
{
  GateVerdictView *view = GATE_VERDICT_VIEW (g_object_ref_sink (gate_verdict_view_new ()));
  GateScanDecision decision = {
    .code = (char *) "GS1-RULES",
    .verdict = verdict,
    .mode = GATE_SCAN_MODE_ONLINE,
    .guest_name = (char *) guest_name,
    .ticket_type = (char *) ticket_type,
  };

  gate_verdict_view_show_decision (view, &decision);
  return view;
}

static void
test_exit_has_its_own_word_and_colour (void)
{
  g_autoptr(GateVerdictView) view = show (GATE_VERDICT_EXITED, "Ana Costa", "Weekend");

  g_assert_cmpstr (gate_verdict_view_get_verdict (view), ==, "exited");
  g_assert_cmpstr (gate_verdict_view_get_headline (view), ==, "Exit");
  g_assert_cmpstr (gate_verdict_view_get_detail (view), ==, "Ana Costa");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (view), "verdict-exit"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (view), "verdict-admit"));
}

static void
test_not_allowed_here_names_the_ticket_type (void)
{
  g_autoptr(GateVerdictView) view = show (GATE_VERDICT_NOT_ALLOWED_HERE, "Sam Berg", "General");

  g_assert_cmpstr (gate_verdict_view_get_headline (view), ==, "Not this door");
  g_assert_cmpstr (gate_verdict_view_get_detail (view), ==, "This door does not take General tickets");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (view), "verdict-warning"));
}

static void
test_not_inside_is_a_denial (void)
{
  g_autoptr(GateVerdictView) view = show (GATE_VERDICT_NOT_INSIDE, NULL, NULL);

  g_assert_cmpstr (gate_verdict_view_get_headline (view), ==, "Not inside");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (view), "verdict-deny"));
}

int
main (int    argc,
      char **argv)
{
  gate_test_gui_init (&argc, &argv);

  g_test_add_func ("/verdict-view/rules/exit-has-its-own-word-and-colour", test_exit_has_its_own_word_and_colour);
  g_test_add_func ("/verdict-view/rules/not-allowed-here-names-the-ticket-type",
                   test_not_allowed_here_names_the_ticket_type);
  g_test_add_func ("/verdict-view/rules/not-inside-is-a-denial", test_not_inside_is_a_denial);
  return g_test_run ();
}
