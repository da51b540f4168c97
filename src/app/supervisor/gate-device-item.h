/* gate-device-item.h — one device (list_devices) as a list model item
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Wraps a GateDeviceInfo with read-only properties for the supervisor's
 * device list: texts ready to show next to the raw values.
 */
#pragma once

#include <glib-object.h>

#include "gate-types.h"

G_BEGIN_DECLS

#define GATE_TYPE_DEVICE_ITEM (gate_device_item_get_type ())
G_DECLARE_FINAL_TYPE (GateDeviceItem, gate_device_item, GATE, DEVICE_ITEM, GObject)

GateDeviceItem       *gate_device_item_new      (const GateDeviceInfo *info);
const GateDeviceInfo *gate_device_item_get_info (GateDeviceItem       *self);

G_END_DECLS
