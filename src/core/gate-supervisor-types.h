/* gate-supervisor-types.h — plain records of a supervisor's server-wide views
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What event_stats and the operator functions answer (DESIGN.md §10,
 * docs/backend-contract.md), decoded by gate-api-rows-supervisor.c. Times
 * are microseconds since the Unix epoch, as in gate-types.h.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Which figure an event_stats row is; nicks are the wire names. */
typedef enum
{
  GATE_STATS_SCOPE_EVENT,     /*< nick=event >*/
  GATE_STATS_SCOPE_LIST,      /*< nick=list >*/
  GATE_STATS_SCOPE_GATE,      /*< nick=gate >*/
  GATE_STATS_SCOPE_ARRIVALS,  /*< nick=arrivals >*/
} GateStatsScope;

/* One row of event_stats. A list row without list_id counts the scans no
 * list judged; a gate or arrivals row names the device (device_name NULL
 * when the device is gone). Arrivals rows have bucket_us (the start of
 * their 5 minutes) and entries only. */
typedef struct
{
  GateStatsScope  scope;
  char           *event_id;
  char           *list_id;
  char           *list_name;
  char           *device_id;
  char           *device_name;
  gint64          bucket_us;
  gint64          entries;
  gint64          exits;
  gint64          inside;
} GateStatsRow;

#define GATE_TYPE_STATS_ROW (gate_stats_row_get_type ())
GType         gate_stats_row_get_type (void) G_GNUC_CONST;
GateStatsRow *gate_stats_row_new      (void);
GateStatsRow *gate_stats_row_copy     (const GateStatsRow *row);
void          gate_stats_row_free     (GateStatsRow       *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateStatsRow, gate_stats_row_free)

/* An operator who may sign in at a kiosk (list_operators, add_operator). */
typedef struct
{
  char *id;
  char *name;
} GateOperator;

#define GATE_TYPE_OPERATOR (gate_operator_get_type ())
GType         gate_operator_get_type  (void) G_GNUC_CONST;
GateOperator *gate_operator_new       (const char         *id,
                                       const char         *name);
GateOperator *gate_operator_copy      (const GateOperator *op);
void          gate_operator_free      (GateOperator       *op);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateOperator, gate_operator_free)

G_END_DECLS
