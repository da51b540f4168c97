/* test-i18n.c — the app speaks Spanish in a Spanish locale
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real es_ES.UTF-8 locale (built with localedef into the build dir, as
 * the machine may have none) and the catalog the build compiled from
 * po/es.po: the templates and the C strings both come out in Spanish.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "gate-camera.h"
#include "gate-gate-view.h"
#include "gate-test-gui.h"
#include "gate-verdict-view.h"
#include "gate-window.h"

static void
test_welcome_page_is_spanish (void)
{
  GateWindow *window = g_object_ref_sink (gate_window_new (NULL));
  GObject *welcome;

  gate_window_show_welcome (window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (window), 10000));

  welcome = gtk_widget_get_template_child (GTK_WIDGET (window), GATE_TYPE_WINDOW, "welcome_page");
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (welcome)), ==,
                   "Le damos la bienvenida a Gate Scanner");
  g_free (gate_test_gui_screenshot ("welcome-es"));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

static void
test_verdict_is_spanish (void)
{
  GateVerdictView *view = GATE_VERDICT_VIEW (g_object_ref_sink (gate_verdict_view_new ()));
  GateScanDecision decision = {
    .code = (char *) "GS1-EJEMPLO",
    .verdict = GATE_VERDICT_ALREADY_SCANNED,
    .mode = GATE_SCAN_MODE_OFFLINE,
    .cache_age_us = 5 * 60 * G_USEC_PER_SEC,
  };

  gate_verdict_view_show_decision (view, &decision);

  g_assert_cmpstr (gate_verdict_view_get_headline (view), ==, "Ya usada");
  g_assert_cmpstr (gate_verdict_view_get_badge (view), ==, "Sin conexión — caché de hace 5 min");

  g_object_unref (view);
}

static void
test_signature_badge_is_spanish (void)
{
  GateVerdictView *view = GATE_VERDICT_VIEW (g_object_ref_sink (gate_verdict_view_new ()));
  GateScanDecision decision = {
    .code = (char *) "GSS:EJEMPLO",
    .verdict = GATE_VERDICT_ADMITTED,
    .mode = GATE_SCAN_MODE_OFFLINE,
    .source = GATE_DECISION_SOURCE_SIGNATURE,
    .ticket_type = (char *) "VIP",
    .cache_age_us = 5 * 60 * G_USEC_PER_SEC,
  };
  GateScanDecision from_cache = decision;

  gate_verdict_view_show_decision (view, &decision);
  g_assert_cmpstr (gate_verdict_view_get_signature_badge (view), ==, "Verificada sin conexión por firma");
  g_assert_cmpstr (gate_verdict_view_get_badge (view), ==, "Sin conexión — caché de hace 5 min");

  /* The next verdict, from the cache, has no such badge. */
  from_cache.source = GATE_DECISION_SOURCE_CACHE;
  gate_verdict_view_show_decision (view, &from_cache);
  g_assert_null (gate_verdict_view_get_signature_badge (view));

  g_object_unref (view);
}

/* The camera's sentences are the gate worker's too, not a log line. */
static void
test_camera_sentence_is_spanish (void)
{
  g_autoptr(GateCamera) camera = gate_camera_new ("none", NULL);

  gate_camera_start (camera);

  g_assert_cmpint (gate_camera_get_state (camera), ==, GATE_CAMERA_STATE_NO_CAMERA);
  g_assert_cmpstr (gate_camera_get_error_message (camera), ==,
                   "Este acceso está configurado sin cámara: lea las entradas con el lector de códigos de barras o "
                   "teclee el código.");
}

int
main (int    argc,
      char **argv)
{
  /* Before g_test_init(), which gtk_init() would otherwise precede. */
  gboolean spanish = gate_test_gui_use_spanish ();

  gate_test_gui_init (&argc, &argv);
  if (!spanish)
    {
      g_printerr ("Bail out! no es_ES.UTF-8 locale could be made (is the locales package installed?)\n");
      return 99;
    }

  g_test_add_func ("/i18n/welcome-page-is-spanish", test_welcome_page_is_spanish);
  g_test_add_func ("/i18n/verdict-is-spanish", test_verdict_is_spanish);
  g_test_add_func ("/i18n/signature-badge-is-spanish", test_signature_badge_is_spanish);
  g_test_add_func ("/i18n/camera-sentence-is-spanish", test_camera_sentence_is_spanish);

  return g_test_run ();
}
