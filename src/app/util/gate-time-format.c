/* gate-time-format.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-time-format.h"

/* Whole seconds and the microseconds into the second, also before 1970
 * (C division truncates towards zero; the fraction must not be negative). */
static void
split_seconds (gint64  time_us,
               gint64 *seconds,
               gint64 *fraction_us)
{
  *seconds = time_us / G_USEC_PER_SEC;
  *fraction_us = time_us % G_USEC_PER_SEC;
  if (*fraction_us < 0)
    {
      *fraction_us += G_USEC_PER_SEC;
      (*seconds)--;
    }
}

static gboolean
is_today (GDateTime *local)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_get_year (local) == g_date_time_get_year (now) &&
         g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now);
}

char *
gate_time_format (gint64        time_us,
                  GateTimeStyle style)
{
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *seconds_text = NULL;
  gint64 seconds, fraction_us;

  if (time_us == 0)
    return NULL;

  split_seconds (time_us, &seconds, &fraction_us);
  utc = g_date_time_new_from_unix_utc (seconds);
  if (utc == NULL)
    return NULL;
  local = g_date_time_to_local (utc);

  switch (style)
    {
    case GATE_TIME_STYLE_CLOCK:
      return g_date_time_format (local, "%H:%M");

    case GATE_TIME_STYLE_CLOCK_OR_DATE:
      if (is_today (local))
        return g_date_time_format (local, "%H:%M");
      return g_date_time_format (local, "%x %H:%M");

    case GATE_TIME_STYLE_DATE_CLOCK:
      return g_date_time_format (local, "%x %H:%M");

    case GATE_TIME_STYLE_MOMENT:
      /* Translators: a date and time as in "Wed 25 Nov, 14:05:10"; see
       * g_date_time_format() for the codes. */
      return g_date_time_format (local, _("%a %e %b, %H:%M:%S"));

    case GATE_TIME_STYLE_TIMESTAMP:
      return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");

    case GATE_TIME_STYLE_DATE_ISO:
      return g_date_time_format (local, "%Y-%m-%d");

    case GATE_TIME_STYLE_ISO8601_UTC:
      seconds_text = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");
      return g_strdup_printf ("%s.%03dZ", seconds_text, (int) (fraction_us / 1000));

    case GATE_TIME_STYLE_ISO8601_LOCAL:
      {
        g_autofree char *offset = g_date_time_format (local, "%:z");

        seconds_text = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
        return g_strdup_printf ("%s.%03d%s", seconds_text, (int) (fraction_us / 1000), offset);
      }

    default:
      g_return_val_if_reached (NULL);
    }
}

char *
gate_time_format_age (gint64 time_us,
                      gint64 now_us)
{
  gint64 minutes, hours, days;

  if (time_us == 0)
    return g_strdup (_("never"));

  /* A device clock set back makes a time "in the future": it is recent. */
  minutes = MAX (now_us - time_us, 0) / G_TIME_SPAN_MINUTE;
  hours = minutes / 60;
  days = hours / 24;

  if (minutes < 1)
    return g_strdup (_("just now"));
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (NULL, "%d min ago", "%d min ago", (gulong) minutes), (int) minutes);
  if (hours < 48)
    return g_strdup_printf (g_dngettext (NULL, "%d hour ago", "%d hours ago", (gulong) hours), (int) hours);
  return g_strdup_printf (g_dngettext (NULL, "%d day ago", "%d days ago", (gulong) MIN (days, G_MAXINT)),
                          (int) MIN (days, G_MAXINT));
}
