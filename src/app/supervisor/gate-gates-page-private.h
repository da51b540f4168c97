/* gate-gates-page-private.h — what gate-gates-page.c and its operators part share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "gate-gates-chart.h"
#include "gate-gates-page.h"

G_BEGIN_DECLS

struct _GateGatesPage
{
  AdwBin             parent_instance;

  GateSession       *session;
  GateGateStats     *stats;
  GateOperatorAdmin *operators;
  GCancellable      *cancellable;
  gboolean           operators_loaded;

  /* template */
  GtkStack          *states;
  GtkLabel          *updated_label;
  GtkLabel          *error_label;
  GateGatesChart    *chart;
  GtkFlowBox        *legend;
  GtkListBox        *gates_list;
  GtkListBox        *lists_list;
  GtkLabel          *operators_error_label;
  GtkListBox        *operators_list;
};

/* gate-gates-page-operators.c */
void _gate_gates_page_operators_changed    (GateGatesPage *self);
void _gate_gates_page_load_operators       (GateGatesPage *self);
void _gate_gates_page_set_operators_error  (GateGatesPage *self,
                                            const GError  *error);
void _gate_gates_page_on_add_operator_clicked (GateGatesPage *self);

G_END_DECLS
