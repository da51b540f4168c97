/* test-enrolment.c — the setup text and enroll_device's answer, as the
 * kiosk reads them (docs/enrolment.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "gate-enrolment.h"
#include "gate-error.h"

static void
test_code_is_base32_of_80_bits (void)
{
  g_autofree char *first = gate_setup_code_new ();
  g_autofree char *second = gate_setup_code_new ();

  g_assert_cmpuint (strlen (first), ==, GATE_SETUP_CODE_LENGTH);
  g_assert_cmpuint (strspn (first, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), ==, GATE_SETUP_CODE_LENGTH);
  g_assert_cmpstr (first, !=, second);
}

static void
test_uri_without_path_is_upper_case (void)
{
  g_autofree char *uri = gate_setup_uri_build ("https://gates.example.org/", "K7QF2M4XW3N5P6RA");

  g_assert_cmpstr (uri, ==, "GATESETUP:K7QF2M4XW3N5P6RA:HTTPS://GATES.EXAMPLE.ORG");
}

static void
test_uri_survives_case_folding (void)
{
  g_autofree char *uri = gate_setup_uri_build ("http://127.0.0.1:8080", "K7QF2M4XW3N5P6RA");
  g_autofree char *lower = g_ascii_strdown (uri, -1);
  g_autofree char *server = NULL;
  g_autofree char *code = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gate_setup_uri_parse (lower, &server, &code, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (server, ==, "http://127.0.0.1:8080");
  g_assert_cmpstr (code, ==, "K7QF2M4XW3N5P6RA");
}

static void
test_uri_keeps_a_path_as_given (void)
{
  g_autofree char *uri = gate_setup_uri_build ("https://example.org/Gate", "K7QF2M4XW3N5P6RA");
  g_autofree char *server = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpstr (uri, ==, "GATESETUP:K7QF2M4XW3N5P6RA:https://example.org/Gate");
  g_assert_true (gate_setup_uri_parse (uri, &server, &code, NULL));
  g_assert_cmpstr (server, ==, "https://example.org/Gate");
}

static void
test_other_texts_are_not_setup_codes (void)
{
  const char *texts[] = {
    "GS1-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "GATESETUP:",
    "GATESETUP:K7QF2M4XW3N5P6RA",
    "GATESETUP:K7QF2M4XW3N5P6R:HTTP://A",
    "GATESETUP:K7QF2M4XW3N5P6R1:HTTP://A",
    "GATESETUP:K7QF2M4XW3N5P6RA:FTP://A",
    "GATESETUP:K7QF2M4XW3N5P6RA:not a url",
    "GATESETUP:K7QF2M4XW3N5P6RA:HTTP://",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *server = NULL;
      g_autofree char *code = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_false (gate_setup_uri_parse (texts[i], &server, &code, &error));
      g_assert_error (error, GATE_ENROLMENT_ERROR, GATE_ENROLMENT_ERROR_INVALID_URI);
      g_assert_null (server);
    }
}

static void
test_answer_needs_device_token_and_server (void)
{
  const char *good = "{\"device_id\":\"dev-1\",\"token\":\"gst_x\",\"event_id\":null,\"list_id\":null,"
                     "\"server\":\"http://s\"}";
  const char *bad[] = { "{}", "[]", "null", "{\"device_id\":\"dev-1\",\"server\":\"http://s\"}",
                        "{\"device_id\":1,\"token\":\"gst_x\",\"server\":\"http://s\"}", "{" };
  g_autoptr(GateEnrolment) enrolment = gate_enrolment_from_json (good, strlen (good), NULL);

  g_assert_nonnull (enrolment);
  g_assert_cmpstr (enrolment->device_id, ==, "dev-1");
  g_assert_cmpstr (enrolment->token, ==, "gst_x");
  g_assert_null (enrolment->event_id);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (gate_enrolment_from_json (bad[i], strlen (bad[i]), &error));
      g_assert_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/enrolment/code-is-base32-of-80-bits", test_code_is_base32_of_80_bits);
  g_test_add_func ("/enrolment/uri-without-path-is-upper-case", test_uri_without_path_is_upper_case);
  g_test_add_func ("/enrolment/uri-survives-case-folding", test_uri_survives_case_folding);
  g_test_add_func ("/enrolment/uri-keeps-a-path-as-given", test_uri_keeps_a_path_as_given);
  g_test_add_func ("/enrolment/other-texts-are-not-setup-codes", test_other_texts_are_not_setup_codes);
  g_test_add_func ("/enrolment/answer-needs-device-token-and-server", test_answer_needs_device_token_and_server);

  return g_test_run ();
}
