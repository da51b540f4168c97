/* gate-conflict-item.h — one conflict as a list model item
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Wraps a GateConflict with read-only properties that list rows bind to:
 * texts ready to show (times in local time) next to the raw values. The
 * only change an item sees is its review (gate_conflict_item_set_review),
 * which notifies everything that depends on it.
 */
#pragma once

#include <glib-object.h>

#include "gate-types.h"

G_BEGIN_DECLS

#define GATE_TYPE_CONFLICT_ITEM (gate_conflict_item_get_type ())
G_DECLARE_FINAL_TYPE (GateConflictItem, gate_conflict_item, GATE, CONFLICT_ITEM, GObject)

GateConflictItem   *gate_conflict_item_new             (const GateConflict *conflict);
const GateConflict *gate_conflict_item_get_conflict    (GateConflictItem   *self);
gint64              gate_conflict_item_get_conflict_id (GateConflictItem   *self);
const char         *gate_conflict_item_get_ticket_code (GateConflictItem   *self);
gboolean            gate_conflict_item_get_reviewed    (GateConflictItem   *self);
/* Shows devices by name where @device_names (id → name) knows them. */
void                gate_conflict_item_set_device_names (GateConflictItem *self,
                                                         GHashTable       *device_names);
/* The gates' names, NULL when unknown: from the supervisor's device list,
 * else as the cache learned them. */
const char         *gate_conflict_item_get_winner_name (GateConflictItem *self);
const char         *gate_conflict_item_get_loser_name  (GateConflictItem *self);
/* The gates as people know them: by name, the id when no name is known. */
const char         *gate_conflict_item_get_winner_label (GateConflictItem *self);
const char         *gate_conflict_item_get_loser_label  (GateConflictItem *self);
void                gate_conflict_item_set_review      (GateConflictItem   *self,
                                                        const char         *reviewed_by,
                                                        const char         *note,
                                                        gint64              reviewed_at_us);

/* Unreviewed first, then newest detected first: a GCompareDataFunc. */
int                 gate_conflict_item_compare         (gconstpointer       a,
                                                        gconstpointer       b,
                                                        gpointer            user_data);

G_END_DECLS
