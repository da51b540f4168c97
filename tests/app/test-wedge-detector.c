/* test-wedge-detector.c — a keyboard-wedge scan anywhere in a window, through
 * real X key events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * xdotool types into the focused window through XTEST, as a scanner or a
 * person would. The detector decides on the X server's event times, so the
 * margins below are about how steadily xdotool itself gets the CPU: a
 * scanner's 1 ms between keys against a 100 ms gap, a person's 300 ms.
 * (xdotool's --delay is from one key's press to the next one's, half of it
 * spent before the release: --delay 600 presses a key every 300 ms.)
 */
#include "config.h"

#include "gate-test-gui.h"
#include "gate-wedge-detector.h"

#define TEST_MAX_GAP_MS 100
#define WAIT_MS         10000

typedef struct
{
  GtkWindow         *window;
  GtkEditable       *entry;
  GateWedgeDetector *detector;
  GPtrArray         *scanned;
  guint              activations;
} Fixture;

static void
on_scanned (GateWedgeDetector *detector,
            const char        *code,
            Fixture           *fixture)
{
  g_ptr_array_add (fixture->scanned, g_strdup (code));
}

static void
on_activate (GtkEntry *entry,
             Fixture  *fixture)
{
  fixture->activations++;
}

static gboolean
entry_has_focus (gpointer user_data)
{
  Fixture *fixture = user_data;
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (fixture->window));

  return gtk_window_is_active (fixture->window) && focus != NULL &&
         gtk_widget_is_ancestor (focus, GTK_WIDGET (fixture->entry));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  GtkWidget *entry = gtk_entry_new ();

  fixture->scanned = g_ptr_array_new_with_free_func (g_free);
  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (fixture->window, "Wedge test");
  gtk_window_set_default_size (fixture->window, 320, 80);
  gtk_window_set_child (fixture->window, entry);
  fixture->entry = GTK_EDITABLE (entry);
  g_signal_connect (entry, "activate", G_CALLBACK (on_activate), fixture);

  fixture->detector = gate_wedge_detector_new (fixture->window);
  gate_wedge_detector_set_max_gap (fixture->detector, TEST_MAX_GAP_MS);
  g_signal_connect (fixture->detector, "scanned", G_CALLBACK (on_scanned), fixture);

  gtk_window_present (fixture->window);
  gtk_widget_grab_focus (entry);
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), WAIT_MS));
  g_assert_true (gate_test_gui_wait_until (entry_has_focus, fixture, WAIT_MS));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->detector);
  gtk_window_destroy (fixture->window);
  g_ptr_array_unref (fixture->scanned);
}

typedef struct
{
  GSubprocess *process;
  gboolean     done;
} Run;

static void
on_xdotool_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_check_finish (G_SUBPROCESS (source), result, &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

static gboolean
run_is_done (gpointer user_data)
{
  Run *run = user_data;

  return run->done;
}

/* Runs xdotool with @first and the rest of the NULL-terminated arguments
 * while the main loop keeps handling the keys it sends. */
static void
xdotool (const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Run run = { NULL, FALSE };
  va_list args;

  g_ptr_array_add (argv, (gpointer) "xdotool");
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  run.process = g_subprocess_newv ((const char *const *) argv->pdata, G_SUBPROCESS_FLAGS_NONE,
                                   &error);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (run.process, NULL, on_xdotool_done, &run);
  g_assert_true (gate_test_gui_wait_until (run_is_done, &run, 60000));
  g_object_unref (run.process);
}

static gboolean
something_scanned (gpointer user_data)
{
  Fixture *fixture = user_data;

  return fixture->scanned->len > 0;
}

typedef struct
{
  GtkEditable *entry;
  const char  *text;
} TextWait;

static gboolean
entry_shows (gpointer user_data)
{
  TextWait *wait = user_data;

  return g_strcmp0 (gtk_editable_get_text (wait->entry), wait->text) == 0;
}

static gboolean
was_activated (gpointer user_data)
{
  Fixture *fixture = user_data;

  return fixture->activations > 0;
}

static void
test_burst_is_scanned_and_not_typed (Fixture       *fixture,
                                     gconstpointer  data)
{
  /* The newline (xdotool types it as Linefeed) is the scanner's Enter, in
   * the same burst: a second xdotool process would start too late to be
   * part of it. */
  xdotool ("type", "--delay", "2", "TICKET-0001\n", NULL);

  g_assert_true (gate_test_gui_wait_until (something_scanned, fixture, WAIT_MS));
  gate_test_gui_flush ();

  g_assert_cmpuint (fixture->scanned->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->scanned, 0), ==, "TICKET-0001");
  g_assert_cmpstr (gtk_editable_get_text (fixture->entry), ==, "");
  g_assert_cmpuint (fixture->activations, ==, 0);
}

static void
test_typing_reaches_the_focused_entry (Fixture       *fixture,
                                       gconstpointer  data)
{
  TextWait hello = { fixture->entry, "hello" };

  xdotool ("type", "--delay", "600", "hello", NULL);

  g_assert_true (gate_test_gui_wait_until (entry_shows, &hello, WAIT_MS));
  g_assert_cmpuint (fixture->scanned->len, ==, 0);
  g_assert_cmpint (gtk_editable_get_position (fixture->entry), ==, 5);

  /* With nothing held, a person's Enter activates the entry. */
  xdotool ("key", "Return", NULL);
  g_assert_true (gate_test_gui_wait_until (was_activated, fixture, WAIT_MS));
  g_assert_cmpuint (fixture->scanned->len, ==, 0);
}

static gboolean
all_selected (gpointer user_data)
{
  Fixture *fixture = user_data;
  int start, end;

  return gtk_editable_get_selection_bounds (fixture->entry, &start, &end) && start == 0 && end == 5;
}

static void
test_shortcuts_are_not_swallowed (Fixture       *fixture,
                                  gconstpointer  data)
{
  gtk_editable_set_text (fixture->entry, "hello");
  gtk_editable_set_position (fixture->entry, 0);

  xdotool ("key", "ctrl+a", NULL);

  g_assert_true (gate_test_gui_wait_until (all_selected, fixture, WAIT_MS));
  g_assert_cmpstr (gtk_editable_get_text (fixture->entry), ==, "hello");
}

static void
test_disabled_detector_lets_bursts_through (Fixture       *fixture,
                                            gconstpointer  data)
{
  TextWait typed = { fixture->entry, "ABCD-1234" };

  gate_wedge_detector_set_enabled (fixture->detector, FALSE);
  xdotool ("type", "--delay", "2", "ABCD-1234\n", NULL);

  g_assert_true (gate_test_gui_wait_until (entry_shows, &typed, WAIT_MS));
  gate_test_gui_flush ();
  g_assert_cmpuint (fixture->scanned->len, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  gate_test_gui_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/wedge-detector/burst-is-scanned-and-not-typed", test_burst_is_scanned_and_not_typed);
  ADD ("/wedge-detector/typing-reaches-the-focused-entry", test_typing_reaches_the_focused_entry);
  ADD ("/wedge-detector/shortcuts-are-not-swallowed", test_shortcuts_are_not_swallowed);
  ADD ("/wedge-detector/disabled-detector-lets-bursts-through",
       test_disabled_detector_lets_bursts_through);

#undef ADD

  return g_test_run ();
}
