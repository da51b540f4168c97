/* gate-camera-finder.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each step that can block (opening device nodes, synchronous D-Bus calls
 * to the portal) runs in a GTask thread; the permission request itself is
 * libportal's own async call on the caller's main context.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <linux/videodev2.h>
#include <libportal/portal.h>

#include "gate-camera-finder.h"
#include "gate-camera.h"

typedef struct
{
  char *description;
  int   pipewire_fd;
} FoundCamera;

static void
found_camera_free (FoundCamera *found)
{
  if (found->pipewire_fd >= 0)
    close (found->pipewire_fd);
  g_free (found->description);
  g_free (found);
}

static void
return_found (GTask      *task,
              const char *description,
              int         pipewire_fd)
{
  FoundCamera *found = g_new0 (FoundCamera, 1);

  found->description = g_strdup (description);
  found->pipewire_fd = pipewire_fd;
  g_task_return_pointer (task, found, (GDestroyNotify) found_camera_free);
}

static void
return_no_camera (GTask *task)
{
  g_task_return_new_error (task, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_NO_CAMERA,
                           _("No camera is connected."));
}

/* --- V4L2 ------------------------------------------------------------------ */

static gboolean
is_capture_device (const char *path)
{
  struct v4l2_capability cap = { 0 };
  guint32 caps;
  int fd;
  int rc;

  fd = open (path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      g_debug ("camera: cannot open %s: %s", path, g_strerror (errno));
      return FALSE;
    }

  do
    rc = ioctl (fd, VIDIOC_QUERYCAP, &cap);
  while (rc < 0 && errno == EINTR);
  close (fd);

  if (rc < 0)
    return FALSE;

  /* UVC cameras also expose a metadata node (video1, video3…) that
   * v4l2src cannot stream from. */
  caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  return (caps & V4L2_CAP_VIDEO_CAPTURE) != 0 && (caps & V4L2_CAP_STREAMING) != 0;
}

static int
compare_video_nodes (gconstpointer a,
                     gconstpointer b)
{
  const char *name_a = *(const char * const *) a;
  const char *name_b = *(const char * const *) b;

  return (int) (g_ascii_strtoull (name_a + strlen ("video"), NULL, 10) -
                g_ascii_strtoull (name_b + strlen ("video"), NULL, 10));
}

static char *
find_v4l2_device (void)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  dir = g_dir_open ("/dev", 0, NULL);
  if (dir == NULL)
    return NULL;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "video") && g_ascii_isdigit (name[strlen ("video")]))
      g_ptr_array_add (nodes, g_strdup (name));

  g_ptr_array_sort (nodes, compare_video_nodes);

  for (guint i = 0; i < nodes->len; i++)
    {
      g_autofree char *path = g_build_filename ("/dev", g_ptr_array_index (nodes, i), NULL);

      if (is_capture_device (path))
        return g_steal_pointer (&path);
    }

  return NULL;
}

static void
find_v4l2_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  g_autofree char *device = find_v4l2_device ();
  g_autofree char *description = NULL;

  if (device == NULL)
    {
      g_debug ("camera: no V4L2 capture device");
      return_no_camera (task);
      return;
    }

  description = g_strdup_printf ("v4l2src device=\"%s\"", device);
  return_found (task, description, -1);
}

/* --- the camera portal ------------------------------------------------------ */

static void
camera_present_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  g_task_return_boolean (task, xdp_portal_is_camera_present (task_data));
}

static void
open_remote_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  int fd = xdp_portal_open_pipewire_remote_for_camera (task_data);
  g_autofree char *description = NULL;

  if (fd < 0)
    {
      g_task_return_new_error (task, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_STREAM,
                               _("The camera portal did not hand over the camera."));
      return;
    }

  /* pipewiresrc duplicates the descriptor; ours is closed with the result. */
  description = g_strdup_printf ("pipewiresrc fd=%d", fd);
  return_found (task, description, fd);
}

static void
on_remote_opened (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  GError *error = NULL;
  FoundCamera *found;

  found = g_task_propagate_pointer (G_TASK (result), &error);
  if (found == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }

  g_task_return_pointer (outer, found, (GDestroyNotify) found_camera_free);
}

static void
on_camera_access (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  g_autoptr(GTask) step = NULL;
  g_autoptr(GError) error = NULL;

  if (!xdp_portal_access_camera_finish (XDP_PORTAL (object), result, &error))
    {
      if (g_cancellable_is_cancelled (g_task_get_cancellable (outer)))
        {
          g_task_return_error (outer, g_steal_pointer (&error));
          return;
        }

      /* The portal answers "cancelled" when the user says no, "failed" when
       * the permission store already says no: both mean denied here. */
      g_debug ("camera: portal denied access: %s", error->message);
      g_task_return_new_error (outer, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_PERMISSION_DENIED,
                               _("Camera access was denied. Allow it in Settings → Apps."));
      return;
    }

  step = g_task_new (NULL, g_task_get_cancellable (outer), on_remote_opened,
                     g_object_ref (outer));
  g_task_set_task_data (step, g_object_ref (object), g_object_unref);
  g_task_run_in_thread (step, open_remote_thread);
}

static void
on_camera_present (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  g_autoptr(GError) error = NULL;
  XdpPortal *portal = g_task_get_task_data (outer);

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (error != NULL)
        g_task_return_error (outer, g_steal_pointer (&error));
      else
        return_no_camera (outer);
      return;
    }

  xdp_portal_access_camera (portal, NULL, XDP_CAMERA_FLAG_NONE, g_task_get_cancellable (outer),
                            on_camera_access, g_steal_pointer (&outer));
}

static void
find_with_portal (GTask *outer)
{
  XdpPortal *portal = xdp_portal_new ();
  g_autoptr(GTask) step = NULL;

  g_task_set_task_data (outer, portal, g_object_unref);

  step = g_task_new (NULL, g_task_get_cancellable (outer), on_camera_present, g_object_ref (outer));
  g_task_set_task_data (step, g_object_ref (portal), g_object_unref);
  g_task_run_in_thread (step, camera_present_thread);
}

/* --- public ----------------------------------------------------------------- */

/* Find the camera that source "auto" stands for. Fails with
 * GATE_CAMERA_ERROR_NO_CAMERA or GATE_CAMERA_ERROR_PERMISSION_DENIED. */
void
gate_camera_find_async (GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_camera_find_async);

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    find_with_portal (task);
  else
    g_task_run_in_thread (task, find_v4l2_thread);
}

/* Returns: (transfer full): a gst-launch description of the camera source.
 * When it reads from a portal's PipeWire remote, *@pipewire_fd is that
 * remote's descriptor, which the caller closes once the pipeline is gone;
 * otherwise -1. */
char *
gate_camera_find_finish (GAsyncResult  *result,
                         int           *pipewire_fd,
                         GError       **error)
{
  FoundCamera *found;
  char *description;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (pipewire_fd != NULL, NULL);

  *pipewire_fd = -1;
  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    return NULL;

  description = g_steal_pointer (&found->description);
  *pipewire_fd = found->pipewire_fd;
  found->pipewire_fd = -1;
  found_camera_free (found);
  return description;
}
