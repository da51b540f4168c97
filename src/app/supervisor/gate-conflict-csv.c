/* gate-conflict-csv.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "gate-conflict-csv.h"
#include "gate-time-format.h"
#include "gate-types.h"

/* Bytes of the event's name in a file name: enough to tell events apart. */
#define FILE_NAME_PART_MAX 60

/* Column names stay English and fixed: scripts that read the export key on them. */
static const char * const columns[] = {
  "conflict_id", "event_id", "ticket_id", "qr_token", "guest_name", "ticket_type",
  "winner_device", "winner_time", "winner_scan_id",
  "loser_device", "loser_time", "loser_scan_id",
  "detected_at", "reviewed_at", "reviewed_by", "review_note",
  /* Added last, so scripts reading the columns above by position still work. */
  "winner_gate", "loser_gate",
  /* Who was signed in at each scan (0017), after everything older. */
  "winner_operator", "loser_operator",
};

static void
append_field (GString    *csv,
              const char *value)
{
  gboolean guard;

  if (value == NULL || *value == '\0')
    return;

  /* Guest names and notes are typed by people outside our control; a cell
   * starting like a formula would run when a supervisor opens the file. */
  guard = strchr ("=+-@\t\r", value[0]) != NULL;

  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      if (guard)
        g_string_append_c (csv, '\'');
      g_string_append (csv, value);
      return;
    }

  g_string_append_c (csv, '"');
  if (guard)
    g_string_append_c (csv, '\'');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (csv, '"');
      g_string_append_c (csv, *p);
    }
  g_string_append_c (csv, '"');
}

static void
append_time (GString *csv,
             gint64   time_us)
{
  g_autofree char *text = gate_time_format (time_us, GATE_TIME_STYLE_ISO8601_LOCAL);

  if (text != NULL)
    g_string_append (csv, text);
}

static void
append_row_end (GString *csv)
{
  g_string_append (csv, "\r\n");
}

char *
gate_conflicts_to_csv (GPtrArray *conflicts)
{
  GString *csv = g_string_new (NULL);

  g_return_val_if_fail (conflicts != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      if (i > 0)
        g_string_append_c (csv, ',');
      g_string_append (csv, columns[i]);
    }
  append_row_end (csv);

  for (guint i = 0; i < conflicts->len; i++)
    {
      const GateConflict *conflict = g_ptr_array_index (conflicts, i);

      if (conflict->id > 0)
        g_string_append_printf (csv, "%" G_GINT64_FORMAT, conflict->id);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->event_id);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->ticket_id);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->qr_token);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->guest_name);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->ticket_type);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->winner_device);
      g_string_append_c (csv, ',');
      append_time (csv, conflict->winner_time_us);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->winner_scan_id);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->loser_device);
      g_string_append_c (csv, ',');
      append_time (csv, conflict->loser_time_us);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->loser_scan_id);
      g_string_append_c (csv, ',');
      append_time (csv, conflict->detected_at_us);
      g_string_append_c (csv, ',');
      append_time (csv, conflict->reviewed_at_us);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->reviewed_by);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->review_note);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->winner_device_name);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->loser_device_name);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->winner_operator);
      g_string_append_c (csv, ',');
      append_field (csv, conflict->loser_operator);
      append_row_end (csv);
    }

  return g_string_free (csv, FALSE);
}

/* Lower-case letters and digits of @name, any run of anything else one
 * hyphen: no separators, quotes or spaces for a file system or a shell to
 * trip over. */
static char *
file_name_part (const char *name)
{
  g_autofree char *lower = NULL;
  GString *part;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    return NULL;

  lower = g_utf8_strdown (name, -1);
  part = g_string_new (NULL);
  for (const char *p = lower; *p != '\0' && part->len < FILE_NAME_PART_MAX; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c))
        g_string_append_unichar (part, c);
      else if (part->len > 0 && part->str[part->len - 1] != '-')
        g_string_append_c (part, '-');
    }
  while (part->len > 0 && part->str[part->len - 1] == '-')
    g_string_truncate (part, part->len - 1);

  if (part->len == 0)
    {
      g_string_free (part, TRUE);
      return NULL;
    }
  return g_string_free (part, FALSE);
}

char *
gate_conflicts_csv_file_name (const char *event_name,
                              const char *event_id,
                              gint64      now_us)
{
  g_autofree char *date = gate_time_format (now_us, GATE_TIME_STYLE_DATE_ISO);
  g_autofree char *part = file_name_part (event_name);

  if (part == NULL)
    part = file_name_part (event_id);
  return g_strdup_printf ("conflicts-%s-%s.csv", part != NULL ? part : "all", date);
}
