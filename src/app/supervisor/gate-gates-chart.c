/* gate-gates-chart.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lines rather than bars: with several gates, bars side by side in 5-minute
 * slots grow too thin to read on a kiosk, while lines keep each gate's
 * rhythm visible. The axes and labels take the widget's foreground colour,
 * dimmed, so they follow light, dark and high-contrast styles.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-chart-text.h"
#include "gate-gates-chart.h"
#include "gate-supervisor-types.h"
#include "gate-time-format.h"

#define MIN_WIDTH       200
#define NATURAL_WIDTH   560
#define MIN_HEIGHT      120
#define NATURAL_HEIGHT  200
#define PAD             4.0
#define LINE_WIDTH      2.5
#define MIN_SPAN        (60 * G_TIME_SPAN_MINUTE)
#define BUCKET_US       (GATE_GATES_CHART_BUCKET_MINUTES * G_TIME_SPAN_MINUTE)

/* GNOME's palette (blue 3, orange 3, green 4, purple 3, red 3, yellow 5,
 * brown 3, dark teal): distinct hues of middle lightness. */
static const char * const palette[] = {
  "#3584e4", "#ff7800", "#2ec27e", "#9141ac", "#e01b24", "#e5a50a", "#986a44", "#1c71d8",
};

typedef struct
{
  char   *device_id;
  char   *name;
  guint  *counts;   /* n_buckets */
} Series;

struct _GateGatesChart
{
  GtkWidget  parent_instance;

  GPtrArray *series;      /* Series, by name */
  gint64     start_us;    /* of the first bucket */
  guint      n_buckets;
  guint      total;
  guint      busiest;     /* the highest count of any gate in any bucket */
  char      *summary;
};

G_DEFINE_FINAL_TYPE (GateGatesChart, gate_gates_chart, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_N_SERIES,
  PROP_TOTAL,
  PROP_SUMMARY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
series_free (Series *series)
{
  g_free (series->device_id);
  g_free (series->name);
  g_free (series->counts);
  g_free (series);
}

static Series *
series_for (GateGatesChart     *self,
            const GateStatsRow *row)
{
  Series *series;

  for (guint i = 0; i < self->series->len; i++)
    {
      series = g_ptr_array_index (self->series, i);
      if (g_strcmp0 (series->device_id, row->device_id) == 0)
        return series;
    }

  series = g_new0 (Series, 1);
  series->device_id = g_strdup (row->device_id);
  series->name = g_strdup (row->device_name != NULL ? row->device_name
                           : row->device_id != NULL ? row->device_id : _("Unknown gate"));
  series->counts = g_new0 (guint, self->n_buckets);
  g_ptr_array_add (self->series, series);
  return series;
}

static gint
compare_series (gconstpointer a,
                gconstpointer b)
{
  const Series *left = *(const Series * const *) a;
  const Series *right = *(const Series * const *) b;

  return g_utf8_collate (left->name, right->name);
}

static char *
describe (GateGatesChart *self)
{
  g_autofree char *from = NULL;

  if (self->total == 0)
    return g_strdup (_("No arrivals yet"));

  from = gate_time_format (self->start_us, GATE_TIME_STYLE_CLOCK);
  return g_strdup_printf (ngettext ("%u arrival since %s", "%u arrivals since %s", self->total), self->total, from);
}

/* --- drawing ---------------------------------------------------------------------- */

typedef struct
{
  double left, top, right, bottom;
} Plot;

static double
x_of (GateGatesChart *self,
      const Plot     *plot,
      guint           bucket)
{
  if (self->n_buckets < 2)
    return (plot->left + plot->right) / 2;
  return plot->left + (plot->right - plot->left) * bucket / (self->n_buckets - 1);
}

static double
y_of (GateGatesChart *self,
      const Plot     *plot,
      guint           count)
{
  return plot->bottom - (plot->bottom - plot->top) * count / MAX (self->busiest, 1);
}

/* Every half hour along the bottom, as long as the labels do not touch. */
static void
draw_clock_labels (GateGatesChart *self,
                   GtkSnapshot    *snapshot,
                   const Plot     *plot,
                   double          y,
                   const GdkRGBA  *dim)
{
  double free_from = 0;

  for (guint i = 0; i < self->n_buckets; i++)
    {
      gint64 at = self->start_us + (gint64) i * BUCKET_US;
      g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (at / G_USEC_PER_SEC);
      g_autofree char *text = NULL;
      g_autoptr(PangoLayout) layout = NULL;
      int width;
      double x;

      if (i != 0 && g_date_time_get_minute (local) % 30 != 0)
        continue;
      text = gate_time_format (at, GATE_TIME_STYLE_CLOCK);
      layout = gate_chart_small_layout (GTK_WIDGET (self), text);
      pango_layout_get_pixel_size (layout, &width, NULL);
      x = CLAMP (x_of (self, plot, i) - width / 2.0, 0, gtk_widget_get_width (GTK_WIDGET (self)) - width);
      if (x < free_from)
        continue;
      gate_chart_append_text (snapshot, layout, x, y, dim);
      free_from = x + width + 3 * PAD;
    }
}

static void
draw_series (GateGatesChart *self,
             cairo_t        *cr,
             const Plot     *plot,
             guint           index)
{
  const Series *series = g_ptr_array_index (self->series, index);
  GdkRGBA color;

  gate_gates_chart_get_series_color (self, index, &color);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_set_line_width (cr, LINE_WIDTH);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < self->n_buckets; i++)
    cairo_line_to (cr, x_of (self, plot, i), y_of (self, plot, series->counts[i]));
  cairo_stroke (cr);

  /* A dot where the gate let people in, so one busy bucket is seen too. */
  for (guint i = 0; i < self->n_buckets; i++)
    if (series->counts[i] > 0)
      {
        cairo_arc (cr, x_of (self, plot, i), y_of (self, plot, series->counts[i]), LINE_WIDTH * 1.2, 0, 2 * G_PI);
        cairo_fill (cr);
      }
}

static void
gate_gates_chart_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  GateGatesChart *self = GATE_GATES_CHART (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autofree char *top_text = g_strdup_printf ("%u", self->busiest);
  g_autoptr(PangoLayout) top_layout = gate_chart_small_layout (GTK_WIDGET (self), top_text);
  GdkRGBA foreground, dim, grid;
  int top_width, text_height;
  Plot plot;
  cairo_t *cr;

  gtk_style_context_get_color (style, &foreground);
  dim = foreground;
  dim.alpha *= 0.6f;
  grid = foreground;
  grid.alpha *= 0.15f;

  if (self->total == 0)
    {
      g_autoptr(PangoLayout) empty = gtk_widget_create_pango_layout (widget, self->summary);
      int empty_width, empty_height;

      pango_layout_get_pixel_size (empty, &empty_width, &empty_height);
      gate_chart_append_text (snapshot, empty, (width - empty_width) / 2.0, (height - empty_height) / 2.0, &dim);
      return;
    }

  pango_layout_get_pixel_size (top_layout, &top_width, &text_height);
  plot.left = top_width + 2 * PAD;
  plot.right = width - PAD - LINE_WIDTH;
  plot.top = text_height / 2.0 + LINE_WIDTH;
  plot.bottom = height - text_height - PAD;
  if (plot.right - plot.left < 2 || plot.bottom - plot.top < 2)
    return;

  gate_chart_append_text (snapshot, top_layout, PAD, plot.top - text_height / 2.0, &dim);
  gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (plot.left, plot.top, plot.right - plot.left, 1));
  gtk_snapshot_append_color (snapshot, &dim, &GRAPHENE_RECT_INIT (plot.left, plot.bottom, plot.right - plot.left, 1));
  draw_clock_labels (self, snapshot, &plot, plot.bottom + PAD / 2, &dim);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  for (guint i = 0; i < self->series->len; i++)
    draw_series (self, cr, &plot, i);
  cairo_destroy (cr);
}

static void
gate_gates_chart_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? MIN_WIDTH : MIN_HEIGHT;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? NATURAL_WIDTH : NATURAL_HEIGHT;
}

/* --- API ------------------------------------------------------------------------- */

GtkWidget *
gate_gates_chart_new (void)
{
  return g_object_new (GATE_TYPE_GATES_CHART, NULL);
}

void
gate_gates_chart_set_arrivals (GateGatesChart *self,
                               GPtrArray      *arrivals,
                               gint64          now_us)
{
  gint64 last;

  g_return_if_fail (GATE_IS_GATES_CHART (self));

  g_ptr_array_set_size (self->series, 0);
  last = now_us - now_us % BUCKET_US;
  self->start_us = last - MIN_SPAN + BUCKET_US;
  for (guint i = 0; arrivals != NULL && i < arrivals->len; i++)
    {
      const GateStatsRow *row = g_ptr_array_index (arrivals, i);

      if (row->scope == GATE_STATS_SCOPE_ARRIVALS && row->bucket_us > 0)
        {
          self->start_us = MIN (self->start_us, row->bucket_us - row->bucket_us % BUCKET_US);
          last = MAX (last, row->bucket_us - row->bucket_us % BUCKET_US);
        }
    }
  self->n_buckets = (guint) ((last - self->start_us) / BUCKET_US) + 1;

  self->total = 0;
  self->busiest = 0;
  for (guint i = 0; arrivals != NULL && i < arrivals->len; i++)
    {
      const GateStatsRow *row = g_ptr_array_index (arrivals, i);
      Series *series;
      guint bucket;

      if (row->scope != GATE_STATS_SCOPE_ARRIVALS || row->bucket_us <= 0 || row->entries <= 0)
        continue;
      series = series_for (self, row);
      bucket = (guint) ((row->bucket_us - row->bucket_us % BUCKET_US - self->start_us) / BUCKET_US);
      series->counts[bucket] += (guint) MIN (row->entries, G_MAXUINT / 2);
      self->busiest = MAX (self->busiest, series->counts[bucket]);
      self->total += (guint) MIN (row->entries, G_MAXUINT / 2);
    }
  g_ptr_array_sort (self->series, compare_series);

  g_free (self->summary);
  self->summary = describe (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->summary, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SERIES]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
  g_object_thaw_notify (G_OBJECT (self));
}

guint
gate_gates_chart_get_n_series (GateGatesChart *self)
{
  g_return_val_if_fail (GATE_IS_GATES_CHART (self), 0);
  return self->series->len;
}

guint
gate_gates_chart_get_n_buckets (GateGatesChart *self)
{
  g_return_val_if_fail (GATE_IS_GATES_CHART (self), 0);
  return self->n_buckets;
}

guint
gate_gates_chart_get_total (GateGatesChart *self)
{
  g_return_val_if_fail (GATE_IS_GATES_CHART (self), 0);
  return self->total;
}

const char *
gate_gates_chart_get_summary (GateGatesChart *self)
{
  g_return_val_if_fail (GATE_IS_GATES_CHART (self), NULL);
  return self->summary;
}

const char *
gate_gates_chart_get_series_name (GateGatesChart *self,
                                  guint           index)
{
  g_return_val_if_fail (GATE_IS_GATES_CHART (self), NULL);
  g_return_val_if_fail (index < self->series->len, NULL);

  return ((Series *) g_ptr_array_index (self->series, index))->name;
}

void
gate_gates_chart_get_series_color (GateGatesChart *self,
                                   guint           index,
                                   GdkRGBA        *color)
{
  g_return_if_fail (GATE_IS_GATES_CHART (self));

  gdk_rgba_parse (color, palette[index % G_N_ELEMENTS (palette)]);
}

/* --- object ------------------------------------------------------------------------ */

static void
gate_gates_chart_finalize (GObject *object)
{
  GateGatesChart *self = GATE_GATES_CHART (object);

  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_clear_pointer (&self->summary, g_free);

  G_OBJECT_CLASS (gate_gates_chart_parent_class)->finalize (object);
}

static void
gate_gates_chart_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GateGatesChart *self = GATE_GATES_CHART (object);

  switch (prop_id)
    {
    case PROP_N_SERIES:
      g_value_set_uint (value, self->series->len);
      break;
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
gate_gates_chart_class_init (GateGatesChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gate_gates_chart_finalize;
  object_class->get_property = gate_gates_chart_get_property;
  widget_class->snapshot = gate_gates_chart_snapshot;
  widget_class->measure = gate_gates_chart_measure;

  properties[PROP_N_SERIES] =
    g_param_spec_uint ("n-series", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_TOTAL] =
    g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "gates-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gate_gates_chart_init (GateGatesChart *self)
{
  self->series = g_ptr_array_new_with_free_func ((GDestroyNotify) series_free);
  self->summary = describe (self);
}
