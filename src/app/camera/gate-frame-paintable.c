/* gate-frame-paintable.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This machine's GStreamer has no gtk4paintablesink, so the camera hands
 * us GdkMemoryTextures and we only swap them: the texture knows how to
 * draw itself, GtkPicture does the letterboxing from our intrinsic size.
 */
#include "config.h"

#include "gate-frame-paintable.h"

struct _GateFramePaintable
{
  GObject     parent_instance;

  GdkTexture *texture;
  guint64     frame_count;
};

static void gate_frame_paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GateFramePaintable, gate_frame_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      gate_frame_paintable_iface_init))

static void
gate_frame_paintable_snapshot (GdkPaintable *paintable,
                               GdkSnapshot  *snapshot,
                               double        width,
                               double        height)
{
  GateFramePaintable *self = GATE_FRAME_PAINTABLE (paintable);

  if (self->texture != NULL)
    gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);
}

static GdkPaintable *
gate_frame_paintable_get_current_image (GdkPaintable *paintable)
{
  GateFramePaintable *self = GATE_FRAME_PAINTABLE (paintable);

  /* A texture never changes, so it is its own frozen image. */
  if (self->texture != NULL)
    return GDK_PAINTABLE (g_object_ref (self->texture));

  return gdk_paintable_new_empty (0, 0);
}

static int
gate_frame_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  GateFramePaintable *self = GATE_FRAME_PAINTABLE (paintable);

  return self->texture != NULL ? gdk_texture_get_width (self->texture) : 0;
}

static int
gate_frame_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  GateFramePaintable *self = GATE_FRAME_PAINTABLE (paintable);

  return self->texture != NULL ? gdk_texture_get_height (self->texture) : 0;
}

static double
gate_frame_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  GateFramePaintable *self = GATE_FRAME_PAINTABLE (paintable);

  if (self->texture == NULL)
    return 0.0;

  return (double) gdk_texture_get_width (self->texture) / gdk_texture_get_height (self->texture);
}

static void
gate_frame_paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = gate_frame_paintable_snapshot;
  iface->get_current_image = gate_frame_paintable_get_current_image;
  iface->get_intrinsic_width = gate_frame_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = gate_frame_paintable_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = gate_frame_paintable_get_intrinsic_aspect_ratio;
}

static void
gate_frame_paintable_dispose (GObject *object)
{
  GateFramePaintable *self = GATE_FRAME_PAINTABLE (object);

  g_clear_object (&self->texture);

  G_OBJECT_CLASS (gate_frame_paintable_parent_class)->dispose (object);
}

static void
gate_frame_paintable_class_init (GateFramePaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_frame_paintable_dispose;
}

static void
gate_frame_paintable_init (GateFramePaintable *self)
{
}

GateFramePaintable *
gate_frame_paintable_new (void)
{
  return g_object_new (GATE_TYPE_FRAME_PAINTABLE, NULL);
}

/* Show @texture from now on; NULL shows nothing (intrinsic size 0×0). */
void
gate_frame_paintable_set_texture (GateFramePaintable *self,
                                  GdkTexture         *texture)
{
  gboolean size_changed;

  g_return_if_fail (GATE_IS_FRAME_PAINTABLE (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  if (self->texture == texture)
    return;

  size_changed = (self->texture == NULL) != (texture == NULL) ||
                 (texture != NULL &&
                  (gdk_texture_get_width (self->texture) != gdk_texture_get_width (texture) ||
                   gdk_texture_get_height (self->texture) != gdk_texture_get_height (texture)));

  g_set_object (&self->texture, texture);
  if (texture != NULL)
    self->frame_count++;

  if (size_changed)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
}

/* Returns: (transfer none) (nullable): the frame shown now. */
GdkTexture *
gate_frame_paintable_get_texture (GateFramePaintable *self)
{
  g_return_val_if_fail (GATE_IS_FRAME_PAINTABLE (self), NULL);

  return self->texture;
}

/* How many frames have been shown since creation: for the "first frame"
 * and frame-rate figures. */
guint64
gate_frame_paintable_get_frame_count (GateFramePaintable *self)
{
  g_return_val_if_fail (GATE_IS_FRAME_PAINTABLE (self), 0);

  return self->frame_count;
}
