/* gate-camera-finder.h — which camera "auto" means on this machine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In a Flatpak sandbox the camera portal decides (and may ask the user);
 * elsewhere the first V4L2 capture device is used.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void  gate_camera_find_async  (GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
char *gate_camera_find_finish (GAsyncResult         *result,
                               int                  *pipewire_fd,
                               GError              **error);

G_END_DECLS
