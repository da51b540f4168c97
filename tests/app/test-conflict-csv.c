/* test-conflict-csv.c — the conflicts CSV export: RFC 4180, local times
 * with their offset, gates by name and the formula-injection guard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Output is read back with a small RFC 4180 reader, so the tests check what
 * a spreadsheet would see, not how the bytes happen to be laid out.
 */
#include "config.h"

#include "gate-conflict-csv.h"
#include "gate-types.h"

#define COLUMNS 20

/* 2026-11-25T10:00:00.250Z */
#define WINNER_TIME_US (G_GINT64_CONSTANT (1795600800) * G_USEC_PER_SEC + 250000)

static GateConflict *
conflict_new (void)
{
  GateConflict *conflict = gate_conflict_new ();

  conflict->id = 42;
  conflict->event_id = g_strdup ("8c0e5e1e-4c8a-4a57-9e43-1f6f0f3e2a10");
  conflict->ticket_id = g_strdup ("0b3f2c44-95a8-4d0c-8d71-3f1f8c9a7e21");
  conflict->qr_token = g_strdup ("GS1-ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  conflict->guest_name = g_strdup ("Ana Pérez");
  conflict->ticket_type = g_strdup ("VIP");
  conflict->winner_device = g_strdup ("north-1");
  conflict->winner_time_us = WINNER_TIME_US;
  conflict->winner_scan_id = g_strdup ("11111111-1111-4111-8111-111111111111");
  conflict->loser_device = g_strdup ("south-2");
  conflict->winner_device_name = g_strdup ("North Gate");
  conflict->loser_device_name = g_strdup ("South Gate");
  conflict->winner_operator = g_strdup ("Cleo North");
  conflict->loser_time_us = WINNER_TIME_US + 30 * G_USEC_PER_SEC;
  conflict->loser_scan_id = g_strdup ("22222222-2222-4222-8222-222222222222");
  conflict->detected_at_us = WINNER_TIME_US + 90 * G_USEC_PER_SEC;
  return conflict;
}

/* RFC 4180: records end in CRLF; quoted fields may hold anything, "" is a quote. */
static GPtrArray *
read_csv (const char *csv)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  const char *p = csv;

  while (*p != '\0')
    {
      if (*p == '"')
        {
          g_assert_cmpuint (field->len, ==, 0);
          for (p++; !(*p == '"' && p[1] != '"'); p++)
            {
              g_assert_cmpint (*p, !=, '\0');
              if (*p == '"')
                p++;
              g_string_append_c (field, *p);
            }
          p++;
          g_assert_true (*p == ',' || *p == '\r');
          continue;
        }
      if (*p == ',' || *p == '\r')
        {
          g_ptr_array_add (row, g_strdup (field->str));
          g_string_truncate (field, 0);
          if (*p == '\r')
            {
              g_assert_cmpint (p[1], ==, '\n');
              g_ptr_array_add (rows, row);
              row = g_ptr_array_new_with_free_func (g_free);
              p++;
            }
          p++;
          continue;
        }
      /* A bare line feed outside quotes would split a record in two. */
      g_assert_cmpint (*p, !=, '\n');
      g_string_append_c (field, *p++);
    }

  /* Every record, the last too, ends with CRLF. */
  g_assert_cmpuint (row->len, ==, 0);
  g_assert_cmpuint (field->len, ==, 0);
  g_ptr_array_unref (row);
  g_string_free (field, TRUE);
  return rows;
}

static const char *
cell (GPtrArray *rows,
      guint      row,
      guint      column)
{
  GPtrArray *fields = g_ptr_array_index (rows, row);

  g_assert_cmpuint (fields->len, ==, COLUMNS);
  return g_ptr_array_index (fields, column);
}

static GPtrArray *
export_one (GateConflict *conflict)
{
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);
  g_autofree char *csv = NULL;

  g_ptr_array_add (conflicts, conflict);
  csv = gate_conflicts_to_csv (conflicts);
  g_assert_true (g_utf8_validate (csv, -1, NULL));
  return read_csv (csv);
}

static void
test_header_and_one_row_per_conflict (void)
{
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);
  g_autofree char *csv = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  const char * const header[COLUMNS] = {
    "conflict_id", "event_id", "ticket_id", "qr_token", "guest_name", "ticket_type",
    "winner_device", "winner_time", "winner_scan_id", "loser_device", "loser_time", "loser_scan_id",
    "detected_at", "reviewed_at", "reviewed_by", "review_note", "winner_gate", "loser_gate",
    "winner_operator", "loser_operator",
  };

  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (conflicts, conflict_new ());
  csv = gate_conflicts_to_csv (conflicts);
  rows = read_csv (csv);

  g_assert_cmpuint (rows->len, ==, 4);
  for (guint column = 0; column < COLUMNS; column++)
    g_assert_cmpstr (cell (rows, 0, column), ==, header[column]);
  g_assert_cmpstr (cell (rows, 1, 0), ==, "42");
  g_assert_cmpstr (cell (rows, 1, 3), ==, "GS1-ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  g_assert_cmpstr (cell (rows, 1, 4), ==, "Ana Pérez");
  g_assert_cmpstr (cell (rows, 1, 6), ==, "north-1");
  g_assert_cmpstr (cell (rows, 1, 9), ==, "south-2");
  g_assert_cmpstr (cell (rows, 1, 16), ==, "North Gate");
  g_assert_cmpstr (cell (rows, 1, 17), ==, "South Gate");
  g_assert_cmpstr (cell (rows, 1, 18), ==, "Cleo North");
  g_assert_cmpstr (cell (rows, 1, 19), ==, "");
}

static void
test_empty_list_is_header_only (void)
{
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new ();
  g_autofree char *csv = gate_conflicts_to_csv (conflicts);
  g_autoptr(GPtrArray) rows = read_csv (csv);

  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (cell (rows, 0, 0), ==, "conflict_id");
}

/* A supervisor reads the file in the venue's time; a program still gets
 * the exact moment from the offset. main() runs the tests in Madrid. */
static void
test_times_are_local_with_offset (void)
{
  GateConflict *conflict = conflict_new ();
  g_autoptr(GPtrArray) rows = NULL;

  conflict->reviewed_at_us = WINNER_TIME_US + G_TIME_SPAN_HOUR + 7000;
  rows = export_one (conflict);

  g_assert_cmpstr (cell (rows, 1, 7), ==, "2026-11-25T11:00:00.250+01:00");
  g_assert_cmpstr (cell (rows, 1, 10), ==, "2026-11-25T11:00:30.250+01:00");
  g_assert_cmpstr (cell (rows, 1, 12), ==, "2026-11-25T11:01:30.250+01:00");
  g_assert_cmpstr (cell (rows, 1, 13), ==, "2026-11-25T12:00:00.257+01:00");
}

static void
test_unset_values_are_empty_fields (void)
{
  GateConflict *conflict = conflict_new ();
  g_autoptr(GPtrArray) rows = NULL;

  /* A conflict this gate noted itself before the server numbered it, and
   * won: the loser is not known yet. */
  conflict->id = 0;
  g_clear_pointer (&conflict->loser_device, g_free);
  conflict->loser_time_us = 0;
  g_clear_pointer (&conflict->loser_scan_id, g_free);
  g_clear_pointer (&conflict->guest_name, g_free);
  rows = export_one (conflict);

  g_assert_cmpstr (cell (rows, 1, 0), ==, "");
  g_assert_cmpstr (cell (rows, 1, 4), ==, "");
  g_assert_cmpstr (cell (rows, 1, 9), ==, "");
  g_assert_cmpstr (cell (rows, 1, 10), ==, "");
  g_assert_cmpstr (cell (rows, 1, 11), ==, "");
  g_assert_cmpstr (cell (rows, 1, 13), ==, "");
  g_assert_cmpstr (cell (rows, 1, 14), ==, "");
}

static void
test_commas_quotes_and_line_breaks_are_quoted (void)
{
  GateConflict *conflict = conflict_new ();
  g_autoptr(GPtrArray) rows = NULL;

  g_free (conflict->guest_name);
  conflict->guest_name = g_strdup ("O'Brien, \"Bob\"");
  conflict->reviewed_at_us = WINNER_TIME_US;
  conflict->reviewed_by = g_strdup ("Sam");
  conflict->review_note = g_strdup ("same person,\r\nlet in\nsecond line");
  rows = export_one (conflict);

  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (cell (rows, 1, 4), ==, "O'Brien, \"Bob\"");
  g_assert_cmpstr (cell (rows, 1, 15), ==, "same person,\r\nlet in\nsecond line");
}

static void
test_formula_cells_get_an_apostrophe (void)
{
  const char * const dangerous[] = {
    "=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd",
  };

  for (guint i = 0; i < G_N_ELEMENTS (dangerous); i++)
    {
      GateConflict *conflict = conflict_new ();
      g_autoptr(GPtrArray) rows = NULL;
      g_autofree char *guarded = g_strconcat ("'", dangerous[i], NULL);

      g_free (conflict->guest_name);
      conflict->guest_name = g_strdup (dangerous[i]);
      g_free (conflict->winner_device);
      conflict->winner_device = g_strdup (dangerous[i]);
      conflict->review_note = g_strdup (dangerous[i]);
      rows = export_one (conflict);

      g_assert_cmpstr (cell (rows, 1, 4), ==, guarded);
      g_assert_cmpstr (cell (rows, 1, 6), ==, guarded);
      g_assert_cmpstr (cell (rows, 1, 15), ==, guarded);
    }
}

static void
test_harmless_cells_are_unchanged (void)
{
  GateConflict *conflict = conflict_new ();
  g_autoptr(GPtrArray) rows = NULL;

  g_free (conflict->guest_name);
  conflict->guest_name = g_strdup ("Zoë 'Z' = fine");
  rows = export_one (conflict);

  g_assert_cmpstr (cell (rows, 1, 4), ==, "Zoë 'Z' = fine");
}

static void
test_file_name_after_event_and_date (void)
{
  /* 2026-11-25T23:30:00Z is already the 26th in Madrid. */
  gint64 late_us = G_GINT64_CONSTANT (1795649400) * G_USEC_PER_SEC;
  g_autofree char *named = gate_conflicts_csv_file_name ("Summer Night: Live / Día 2", "8c0e5e1e", late_us);
  g_autofree char *unnamed = gate_conflicts_csv_file_name (NULL, "8c0e5e1e-4c8a", late_us);
  g_autofree char *blank = gate_conflicts_csv_file_name ("***", NULL, late_us);

  g_assert_cmpstr (named, ==, "conflicts-summer-night-live-día-2-2026-11-26.csv");
  g_assert_cmpstr (unnamed, ==, "conflicts-8c0e5e1e-4c8a-2026-11-26.csv");
  g_assert_cmpstr (blank, ==, "conflicts-all-2026-11-26.csv");
}

int
main (int    argc,
      char **argv)
{
  g_setenv ("TZ", "Europe/Madrid", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/conflict-csv/header-and-one-row-per-conflict", test_header_and_one_row_per_conflict);
  g_test_add_func ("/conflict-csv/empty-list-is-header-only", test_empty_list_is_header_only);
  g_test_add_func ("/conflict-csv/times-are-local-with-offset", test_times_are_local_with_offset);
  g_test_add_func ("/conflict-csv/file-name-after-event-and-date", test_file_name_after_event_and_date);
  g_test_add_func ("/conflict-csv/unset-values-are-empty-fields", test_unset_values_are_empty_fields);
  g_test_add_func ("/conflict-csv/commas-quotes-and-line-breaks-are-quoted",
                   test_commas_quotes_and_line_breaks_are_quoted);
  g_test_add_func ("/conflict-csv/formula-cells-get-an-apostrophe", test_formula_cells_get_an_apostrophe);
  g_test_add_func ("/conflict-csv/harmless-cells-are-unchanged", test_harmless_cells_are_unchanged);

  return g_test_run ();
}
