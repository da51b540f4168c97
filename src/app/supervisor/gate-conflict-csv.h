/* gate-conflict-csv.h — conflicts as a spreadsheet-safe CSV file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * RFC 4180: a header row, CRLF line ends, fields with a comma, quote or line
 * break in double quotes (quotes doubled). Times are ISO 8601 local times
 * with milliseconds and their offset from UTC; an unset time or text is an empty field. A text field that
 * a spreadsheet would run as a formula (starting with = + - @, a tab or a
 * carriage return) gets a leading apostrophe. Columns: docs/conflict-review.md.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @conflicts (element-type GateConflict). Returns the whole file, UTF-8. */
char *gate_conflicts_to_csv (GPtrArray *conflicts);

/* The file a supervisor is offered: "conflicts-summer-night-2026-11-25.csv",
 * after the event's name (@event_name; else @event_id; else "all") and
 * @now_us's local date. Safe as a file name on every system. */
char *gate_conflicts_csv_file_name (const char *event_name,
                                    const char *event_id,
                                    gint64      now_us);

G_END_DECLS
