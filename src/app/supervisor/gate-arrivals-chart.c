/* gate-arrivals-chart.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drawn with GtkSnapshot from the widget's own style: the bars in the
 * theme's accent colour, grid lines and labels in its foreground colour at
 * lower opacity, so the chart follows light, dark and high-contrast styles
 * without any colour of its own.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-arrivals-chart.h"
#include "gate-chart-text.h"
#include "gate-time-format.h"
#include "gate-ticket-cache.h"

#define MIN_WIDTH       120
#define NATURAL_WIDTH   360
#define MIN_HEIGHT      96
#define NATURAL_HEIGHT  160
#define LABEL_SPACING   4
#define MAX_BAR_GAP     2.0f

struct _GateArrivalsChart
{
  GtkWidget  parent_instance;

  GArray    *buckets;   /* GateArrivalBucket */
  gint64     width_us;  /* of one bucket */
  guint      total;
  char      *summary;
};

G_DEFINE_FINAL_TYPE (GateArrivalsChart, gate_arrivals_chart, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_TOTAL,
  PROP_SUMMARY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
is_on_the_hour (gint64 time_us)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);

  return g_date_time_get_minute (local) == 0 && g_date_time_get_second (local) == 0;
}

static const GateArrivalBucket *
bucket_at (GateArrivalsChart *self,
           guint              index)
{
  return &g_array_index (self->buckets, GateArrivalBucket, index);
}

static guint
busiest_count (GateArrivalsChart *self)
{
  guint most = 0;

  for (guint i = 0; i < self->buckets->len; i++)
    most = MAX (most, bucket_at (self, i)->count);
  return most;
}

static char *
describe (GateArrivalsChart *self)
{
  const GateArrivalBucket *busiest = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *busiest_from = NULL;
  g_autofree char *busiest_to = NULL;

  if (self->total == 0)
    return g_strdup (_("No arrivals yet"));

  for (guint i = 0; i < self->buckets->len; i++)
    if (busiest == NULL || bucket_at (self, i)->count > busiest->count)
      busiest = bucket_at (self, i);

  from = gate_time_format (bucket_at (self, 0)->start_us, GATE_TIME_STYLE_CLOCK);
  to = gate_time_format (bucket_at (self, self->buckets->len - 1)->start_us + self->width_us, GATE_TIME_STYLE_CLOCK);
  busiest_from = gate_time_format (busiest->start_us, GATE_TIME_STYLE_CLOCK);
  busiest_to = gate_time_format (busiest->start_us + self->width_us, GATE_TIME_STYLE_CLOCK);

  /* Translators: "12 arrivals from 13:00 to 15:00, most between 14:05 and
   * 14:10"; the last two times are the busiest bar of the chart. */
  return g_strdup_printf (g_dngettext (NULL,
                                       "%u arrival from %s to %s, most between %s and %s",
                                       "%u arrivals from %s to %s, most between %s and %s",
                                       self->total),
                          self->total, from, to, busiest_from, busiest_to);
}

static void
update_accessible (GateArrivalsChart *self)
{
  guint minutes = (guint) (self->width_us / G_TIME_SPAN_MINUTE);
  g_autofree char *label = g_strdup_printf (g_dngettext (NULL, "Arrivals per %u minute",
                                                         "Arrivals per %u minutes", minutes),
                                            minutes);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->summary,
                                  -1);
}

/* --- drawing ----------------------------------------------------------------- */

static void
snapshot_empty (GateArrivalsChart *self,
                GtkSnapshot       *snapshot,
                const GdkRGBA     *dim)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), _("No arrivals yet"));
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  int text_width, text_height;

  pango_layout_get_pixel_size (layout, &text_width, &text_height);
  gate_chart_append_text (snapshot, layout, (width - text_width) / 2.0f, (height - text_height) / 2.0f, dim);
}

/* The hours along the bottom, each under the bar that starts it; a label
 * that would overlap the one before is left out. A chart spanning no full
 * hour names its first bar instead, so the time is never unknown. */
static void
snapshot_time_labels (GateArrivalsChart *self,
                      GtkSnapshot       *snapshot,
                      float              plot_x,
                      float              slot,
                      float              y,
                      const GdkRGBA     *dim)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  float free_from = plot_x;
  gboolean labelled = FALSE;

  for (guint i = 0; i < self->buckets->len; i++)
    {
      gint64 start_us = bucket_at (self, i)->start_us;
      g_autofree char *text = NULL;
      g_autoptr(PangoLayout) layout = NULL;
      int text_width;
      float x;

      if (!is_on_the_hour (start_us))
        continue;

      text = gate_time_format (start_us, GATE_TIME_STYLE_CLOCK);
      layout = gate_chart_small_layout (GTK_WIDGET (self), text);
      pango_layout_get_pixel_size (layout, &text_width, NULL);
      x = MIN (MAX (plot_x + i * slot - text_width / 2.0f, plot_x), (float) (width - text_width));
      if (x < free_from)
        continue;

      gate_chart_append_text (snapshot, layout, x, y, dim);
      free_from = x + text_width + LABEL_SPACING * 2;
      labelled = TRUE;
    }

  if (!labelled)
    {
      g_autofree char *text = gate_time_format (bucket_at (self, 0)->start_us, GATE_TIME_STYLE_CLOCK);
      g_autoptr(PangoLayout) layout = gate_chart_small_layout (GTK_WIDGET (self), text);

      gate_chart_append_text (snapshot, layout, plot_x, y, dim);
    }
}

static void
gate_arrivals_chart_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  GateArrivalsChart *self = GATE_ARRIVALS_CHART (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autofree char *most_text = NULL;
  g_autoptr(PangoLayout) most_layout = NULL;
  GdkRGBA foreground, accent, dim, grid;
  int most_width, label_height;
  float plot_x, plot_top, plot_bottom, plot_height, slot, gap;
  guint most;

  gtk_style_context_get_color (style, &foreground);
  if (!gtk_style_context_lookup_color (style, "accent_bg_color", &accent))
    accent = foreground;
  dim = foreground;
  dim.alpha *= 0.55f;
  grid = foreground;
  grid.alpha *= 0.15f;

  if (self->total == 0)
    {
      snapshot_empty (self, snapshot, &dim);
      return;
    }

  /* The y axis is labelled once, with the tallest bar's count at its top. */
  most = busiest_count (self);
  most_text = g_strdup_printf ("%u", most);
  most_layout = gate_chart_small_layout (GTK_WIDGET (self), most_text);
  pango_layout_get_pixel_size (most_layout, &most_width, &label_height);

  plot_x = most_width + LABEL_SPACING * 2;
  plot_top = label_height / 2.0f;
  plot_bottom = height - label_height - LABEL_SPACING;
  plot_height = plot_bottom - plot_top;
  if (plot_height <= 1 || width <= plot_x)
    return;

  gate_chart_append_text (snapshot, most_layout, LABEL_SPACING, 0, &dim);
  gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (plot_x, plot_top, width - plot_x, 1));
  gtk_snapshot_append_color (snapshot, &dim, &GRAPHENE_RECT_INIT (plot_x, plot_bottom, width - plot_x, 1));

  slot = (width - plot_x) / self->buckets->len;
  gap = MIN (MAX_BAR_GAP, slot * 0.2f);
  for (guint i = 0; i < self->buckets->len; i++)
    {
      guint count = bucket_at (self, i)->count;
      float bar_height = plot_height * count / most;

      if (count == 0)
        continue;

      gtk_snapshot_append_color (snapshot, &accent,
                                 &GRAPHENE_RECT_INIT (plot_x + i * slot + gap / 2, plot_bottom - bar_height,
                                                      MAX (slot - gap, 1.0f), bar_height));
    }

  snapshot_time_labels (self, snapshot, plot_x, slot, plot_bottom + LABEL_SPACING, &dim);
}

static void
gate_arrivals_chart_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MIN_WIDTH;
      *natural = NATURAL_WIDTH;
    }
  else
    {
      *minimum = MIN_HEIGHT;
      *natural = NATURAL_HEIGHT;
    }
}

/* --- API ------------------------------------------------------------------------ */

GtkWidget *
gate_arrivals_chart_new (void)
{
  return g_object_new (GATE_TYPE_ARRIVALS_CHART, NULL);
}

/**
 * gate_arrivals_chart_set_buckets:
 * @buckets: (nullable) (element-type GateArrivalBucket): contiguous buckets,
 *   oldest first, as gate_ticket_cache_arrivals() returns them; copied
 *
 * Shows @buckets; NULL or an empty array shows "No arrivals yet".
 */
void
gate_arrivals_chart_set_buckets (GateArrivalsChart *self,
                                 GArray            *buckets)
{
  guint total = 0;

  g_return_if_fail (GATE_IS_ARRIVALS_CHART (self));
  g_return_if_fail (buckets == NULL || g_array_get_element_size (buckets) == sizeof (GateArrivalBucket));

  g_array_set_size (self->buckets, 0);
  if (buckets != NULL)
    g_array_append_vals (self->buckets, buckets->data, buckets->len);

  if (self->buckets->len >= 2 && bucket_at (self, 1)->start_us > bucket_at (self, 0)->start_us)
    self->width_us = bucket_at (self, 1)->start_us - bucket_at (self, 0)->start_us;
  else
    self->width_us = GATE_ARRIVALS_CHART_DEFAULT_BUCKET_MINUTES * G_TIME_SPAN_MINUTE;

  for (guint i = 0; i < self->buckets->len; i++)
    total += bucket_at (self, i)->count;

  g_free (self->summary);
  self->total = total;
  self->summary = describe (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Returns: the admissions the chart shows, all bars together. */
guint
gate_arrivals_chart_get_total (GateArrivalsChart *self)
{
  g_return_val_if_fail (GATE_IS_ARRIVALS_CHART (self), 0);

  return self->total;
}

/* Returns: the sentence screen readers get for the chart. */
const char *
gate_arrivals_chart_get_summary (GateArrivalsChart *self)
{
  g_return_val_if_fail (GATE_IS_ARRIVALS_CHART (self), NULL);

  return self->summary;
}

/* --- object ---------------------------------------------------------------------- */

static void
gate_arrivals_chart_finalize (GObject *object)
{
  GateArrivalsChart *self = GATE_ARRIVALS_CHART (object);

  g_clear_pointer (&self->buckets, g_array_unref);
  g_clear_pointer (&self->summary, g_free);

  G_OBJECT_CLASS (gate_arrivals_chart_parent_class)->finalize (object);
}

static void
gate_arrivals_chart_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GateArrivalsChart *self = GATE_ARRIVALS_CHART (object);

  switch (prop_id)
    {
    case PROP_TOTAL:
      g_value_set_uint (value, self->total);
      break;

    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_arrivals_chart_class_init (GateArrivalsChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gate_arrivals_chart_finalize;
  object_class->get_property = gate_arrivals_chart_get_property;

  widget_class->snapshot = gate_arrivals_chart_snapshot;
  widget_class->measure = gate_arrivals_chart_measure;

  /**
   * GateArrivalsChart:total:
   *
   * The admissions shown, all buckets together.
   */
  properties[PROP_TOTAL] =
    g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateArrivalsChart:summary:
   *
   * One sentence saying what the chart shows, as screen readers get it.
   */
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "arrivals-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gate_arrivals_chart_init (GateArrivalsChart *self)
{
  self->buckets = g_array_new (FALSE, TRUE, sizeof (GateArrivalBucket));
  self->width_us = GATE_ARRIVALS_CHART_DEFAULT_BUCKET_MINUTES * G_TIME_SPAN_MINUTE;
  self->summary = describe (self);
  update_accessible (self);
}
