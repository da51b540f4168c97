/* gate-supervisor-types.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-supervisor-types.h"

G_DEFINE_BOXED_TYPE (GateStatsRow, gate_stats_row, gate_stats_row_copy, gate_stats_row_free)

GateStatsRow *
gate_stats_row_new (void)
{
  return g_new0 (GateStatsRow, 1);
}

GateStatsRow *
gate_stats_row_copy (const GateStatsRow *row)
{
  GateStatsRow *copy = g_memdup2 (row, sizeof *row);

  copy->event_id = g_strdup (row->event_id);
  copy->list_id = g_strdup (row->list_id);
  copy->list_name = g_strdup (row->list_name);
  copy->device_id = g_strdup (row->device_id);
  copy->device_name = g_strdup (row->device_name);
  return copy;
}

void
gate_stats_row_free (GateStatsRow *row)
{
  if (row == NULL)
    return;

  g_free (row->event_id);
  g_free (row->list_id);
  g_free (row->list_name);
  g_free (row->device_id);
  g_free (row->device_name);
  g_free (row);
}

G_DEFINE_BOXED_TYPE (GateOperator, gate_operator, gate_operator_copy, gate_operator_free)

GateOperator *
gate_operator_new (const char *id,
                   const char *name)
{
  GateOperator *op = g_new0 (GateOperator, 1);

  op->id = g_strdup (id);
  op->name = g_strdup (name);
  return op;
}

GateOperator *
gate_operator_copy (const GateOperator *op)
{
  return gate_operator_new (op->id, op->name);
}

void
gate_operator_free (GateOperator *op)
{
  if (op == NULL)
    return;

  g_free (op->id);
  g_free (op->name);
  g_free (op);
}
