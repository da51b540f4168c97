/* gate-connectivity.c — is the server usable right now?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One failed or timed-out call sends the next scans straight to the offline
 * path, so a dead Wi-Fi costs one timeout, not one per guest. The sync
 * service's background probe reports success to come back online. A
 * network monitor that says "no network" goes offline at once.
 *
 * "Signed out" is the other way a server becomes unusable: it refused the
 * token. That is no network weather to wait out: it lasts until the kiosk is
 * configured again (a new session), and scans and uploads stop asking.
 */
#include "config.h"

#include "gate-connectivity.h"

#define SLOW_ANSWER_US   (1000 * 1000)
#define SLOW_ANSWERS_MAX 3

struct _GateConnectivity
{
  GObject          parent_instance;

  GNetworkMonitor *monitor;
  gulong           monitor_id;
  gboolean         online;
  gboolean         signed_out;
  guint            slow_answers;
};

G_DEFINE_FINAL_TYPE (GateConnectivity, gate_connectivity, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ONLINE,
  PROP_SIGNED_OUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_online (GateConnectivity *self,
            gboolean          online)
{
  if (self->online == online)
    return;

  self->online = online;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}

static void
on_network_changed (GNetworkMonitor  *monitor,
                    gboolean          available,
                    GateConnectivity *self)
{
  /* "Available" proves nothing about our server; only its loss is news. */
  if (!available)
    set_online (self, FALSE);
}

GateConnectivity *
gate_connectivity_new (void)
{
  return g_object_new (GATE_TYPE_CONNECTIVITY, NULL);
}

gboolean
gate_connectivity_get_online (GateConnectivity *self)
{
  g_return_val_if_fail (GATE_IS_CONNECTIVITY (self), FALSE);
  return self->online;
}

void
gate_connectivity_report_success (GateConnectivity *self)
{
  self->slow_answers = 0;
  set_online (self, TRUE);
}

void
gate_connectivity_report_latency (GateConnectivity *self,
                                  gint64            latency_us)
{
  if (latency_us < SLOW_ANSWER_US)
    {
      gate_connectivity_report_success (self);
      return;
    }

  /* A guest waiting a second at the gate is already too long; three in a
   * row and the next ones are decided offline while the probe watches. */
  if (++self->slow_answers >= SLOW_ANSWERS_MAX)
    set_online (self, FALSE);
}

void
gate_connectivity_report_failure (GateConnectivity *self)
{
  set_online (self, FALSE);
}

void
gate_connectivity_report_signed_out (GateConnectivity *self)
{
  g_return_if_fail (GATE_IS_CONNECTIVITY (self));

  if (self->signed_out)
    return;

  self->signed_out = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_OUT]);
}

gboolean
gate_connectivity_get_signed_out (GateConnectivity *self)
{
  g_return_val_if_fail (GATE_IS_CONNECTIVITY (self), FALSE);
  return self->signed_out;
}

static void
gate_connectivity_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GateConnectivity *self = GATE_CONNECTIVITY (object);

  switch (prop_id)
    {
    case PROP_ONLINE:
      g_value_set_boolean (value, self->online);
      break;

    case PROP_SIGNED_OUT:
      g_value_set_boolean (value, self->signed_out);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_connectivity_dispose (GObject *object)
{
  GateConnectivity *self = GATE_CONNECTIVITY (object);

  g_clear_signal_handler (&self->monitor_id, self->monitor);
  self->monitor = NULL;

  G_OBJECT_CLASS (gate_connectivity_parent_class)->dispose (object);
}

static void
gate_connectivity_class_init (GateConnectivityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = gate_connectivity_get_property;
  object_class->dispose = gate_connectivity_dispose;

  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SIGNED_OUT] =
    g_param_spec_boolean ("signed-out", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_connectivity_init (GateConnectivity *self)
{
  /* Optimistic: the first scan tries the server and learns. */
  self->online = TRUE;
  self->monitor = g_network_monitor_get_default ();
  self->monitor_id = g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
}
