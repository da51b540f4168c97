/* gate-checkin-list.h — one check-in list of an event (the gate rules)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What list_checkin_lists answers for a list (DESIGN.md §10): its name,
 * the ticket types it takes (every type when none), its direction
 * ("entry", "exit" or "both"), whether re-entry is allowed, and whether it
 * is this device's own list. Read-only, so a GListModel of them can fill a
 * picker and a gate can follow one.
 */
#pragma once

#include <gio/gio.h>

#include "gate-types.h"

G_BEGIN_DECLS

#define GATE_TYPE_CHECKIN_LIST (gate_checkin_list_get_type ())
G_DECLARE_FINAL_TYPE (GateCheckinList, gate_checkin_list, GATE, CHECKIN_LIST, GObject)

GateCheckinList    *gate_checkin_list_new               (const char         *id,
                                                         const char         *event_id,
                                                         const char         *name,
                                                         const char * const *ticket_types,
                                                         const char         *direction,
                                                         gboolean            allow_reentry,
                                                         gboolean            assigned);
/* The object of a list as the cache and list_checkin_lists decode it. */
GateCheckinList    *gate_checkin_list_new_from_rules    (const GateListRules *rules);
/* (element-type GateCheckinList) of @rules (element-type GateListRules). */
GPtrArray          *gate_checkin_lists_new_from_rules   (GPtrArray          *rules);
const char         *gate_checkin_list_get_id            (GateCheckinList    *self);
const char         *gate_checkin_list_get_event_id      (GateCheckinList    *self);
const char         *gate_checkin_list_get_name          (GateCheckinList    *self);
/* (array zero-terminated=1): empty when the list takes every type. */
const char * const *gate_checkin_list_get_ticket_types  (GateCheckinList    *self);
const char         *gate_checkin_list_get_direction     (GateCheckinList    *self);
gboolean            gate_checkin_list_get_allow_reentry (GateCheckinList    *self);
gboolean            gate_checkin_list_get_assigned      (GateCheckinList    *self);

/* In @lists (element-type GateCheckinList), the one with @list_id, or with
 * @list_id NULL the device's own (assigned) one; NULL when there is none. */
GateCheckinList    *gate_checkin_list_find              (GListModel         *lists,
                                                         const char         *list_id);

G_END_DECLS
