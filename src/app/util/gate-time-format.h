/* gate-time-format.h — every time the app shows or writes, in one place
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Times are the core's: microseconds since the Unix epoch, UTC, 0 meaning
 * "none". Shown times are in the device's time zone; the styles differ in
 * how much of the moment a reader needs. See docs/contributing.md.
 */
#pragma once

#include <glib-object.h>

#include "gate-app-enums.h"

G_BEGIN_DECLS

/**
 * GateTimeStyle:
 * @GATE_TIME_STYLE_CLOCK: "14:05", for times within a day in view (chart
 *   labels, a search result)
 * @GATE_TIME_STYLE_CLOCK_OR_DATE: "14:05" today, else the locale's date and
 *   the clock ("25/11/26 14:05"): when a ticket was used
 * @GATE_TIME_STYLE_DATE_CLOCK: the locale's date and the clock, always
 * @GATE_TIME_STYLE_MOMENT: "Wed 25 Nov, 14:05:10" (the order is translated):
 *   under an age such as "5 min ago"
 * @GATE_TIME_STYLE_TIMESTAMP: "2026-11-25 14:05:10", sortable at a glance:
 *   supervisors' lists
 * @GATE_TIME_STYLE_DATE_ISO: "2026-11-25", for file names
 * @GATE_TIME_STYLE_ISO8601_UTC: "2026-11-25T13:05:10.250Z", for files other
 *   programs read
 * @GATE_TIME_STYLE_ISO8601_LOCAL: "2026-11-25T14:05:10.250+01:00", the local
 *   time with its offset from UTC: for files people read and programs too
 */
typedef enum
{
  GATE_TIME_STYLE_CLOCK,
  GATE_TIME_STYLE_CLOCK_OR_DATE,
  GATE_TIME_STYLE_DATE_CLOCK,
  GATE_TIME_STYLE_MOMENT,
  GATE_TIME_STYLE_TIMESTAMP,
  GATE_TIME_STYLE_DATE_ISO,
  GATE_TIME_STYLE_ISO8601_UTC,
  GATE_TIME_STYLE_ISO8601_LOCAL,
} GateTimeStyle;

/* (nullable): @time_us in @style; NULL for 0 ("none") or a time GLib
 * cannot represent. */
char *gate_time_format     (gint64        time_us,
                            GateTimeStyle style);
/* How long before @now_us: "just now", "5 min ago", "3 hours ago",
 * "2 days ago"; "never" for 0. */
char *gate_time_format_age (gint64        time_us,
                            gint64        now_us);

G_END_DECLS
