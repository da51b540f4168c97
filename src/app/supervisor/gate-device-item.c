/* gate-device-item.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-device-item.h"
#include "gate-time-format.h"

struct _GateDeviceItem
{
  GObject         parent_instance;

  GateDeviceInfo *info;
};

G_DEFINE_FINAL_TYPE (GateDeviceItem, gate_device_item, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_DEVICE_ID,
  PROP_NAME,
  PROP_ROLE,
  PROP_APP_VERSION,
  PROP_LAST_SEEN,
  PROP_LAST_REFRESH,
  PROP_PENDING_SCANS,
  PROP_REVOKED,
  PROP_DETAILS,
  PROP_ADMITTED,
  PROP_ADMITTED_TEXT,
  PROP_COUNTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
role_text (const char *role)
{
  if (g_strcmp0 (role, "supervisor") == 0)
    return _("Supervisor");
  if (g_strcmp0 (role, "gate") == 0)
    return _("Gate");
  return role != NULL ? role : "";
}

static char *
last_seen_text (const GateDeviceInfo *info)
{
  char *text = gate_time_format (info->last_seen_at_us, GATE_TIME_STYLE_TIMESTAMP);

  return text != NULL ? text : g_strdup (_("never"));
}

static char *
last_refresh_text (const GateDeviceInfo *info)
{
  char *text = gate_time_format (info->last_refresh_at_us, GATE_TIME_STYLE_TIMESTAMP);

  return text != NULL ? text : g_strdup ("—");
}

/* One line a supervisor scans down the list: who, when, what is stuck. */
static char *
details_text (const GateDeviceInfo *info)
{
  g_autofree char *seen = last_seen_text (info);
  g_autofree char *pending = NULL;

  pending = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d scan waiting to upload",
                                          "%d scans waiting to upload", info->pending_scans),
                             info->pending_scans);
  /* Translators: role, time last seen, then the pending-scans text. */
  return g_strdup_printf (_("%s · last seen %s · %s"), role_text (info->role), seen, pending);
}

/* "128 admitted" for the event; NULL while the server could not count. */
static char *
admitted_text (const GateDeviceInfo *info)
{
  if (info->admitted < 0)
    return NULL;

  g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, info->admitted);

  /* Translators: %s is how many guests a gate let in for the event. */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s admitted", "%s admitted", (gulong) info->admitted),
                          count);
}

static void
gate_device_item_finalize (GObject *object)
{
  GateDeviceItem *self = GATE_DEVICE_ITEM (object);

  g_clear_pointer (&self->info, gate_device_info_free);

  G_OBJECT_CLASS (gate_device_item_parent_class)->finalize (object);
}

static void
gate_device_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GateDeviceItem *self = GATE_DEVICE_ITEM (object);
  const GateDeviceInfo *info = self->info;

  switch (prop_id)
    {
    case PROP_DEVICE_ID:
      g_value_set_string (value, info->id);
      break;

    case PROP_NAME:
      g_value_set_string (value, info->name != NULL && *info->name != '\0' ? info->name : info->id);
      break;

    case PROP_ROLE:
      g_value_set_string (value, role_text (info->role));
      break;

    case PROP_APP_VERSION:
      g_value_set_string (value, info->app_version);
      break;

    case PROP_LAST_SEEN:
      g_value_take_string (value, last_seen_text (info));
      break;

    case PROP_LAST_REFRESH:
      g_value_take_string (value, last_refresh_text (info));
      break;

    case PROP_PENDING_SCANS:
      g_value_set_int (value, info->pending_scans);
      break;

    case PROP_REVOKED:
      g_value_set_boolean (value, info->revoked_at_us != 0);
      break;

    case PROP_DETAILS:
      g_value_take_string (value, details_text (info));
      break;

    case PROP_ADMITTED:
      g_value_set_int64 (value, info->admitted);
      break;

    case PROP_ADMITTED_TEXT:
      g_value_take_string (value, admitted_text (info));
      break;

    case PROP_COUNTED:
      g_value_set_boolean (value, info->admitted >= 0);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
text_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static void
gate_device_item_class_init (GateDeviceItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gate_device_item_finalize;
  object_class->get_property = gate_device_item_get_property;

  properties[PROP_DEVICE_ID] = text_property ("device-id");
  /* The device's name, or its id when it has none. */
  properties[PROP_NAME] = text_property ("name");
  /* Translated: "Gate" or "Supervisor". */
  properties[PROP_ROLE] = text_property ("role");
  properties[PROP_APP_VERSION] = text_property ("app-version");
  properties[PROP_LAST_SEEN] = text_property ("last-seen");
  properties[PROP_LAST_REFRESH] = text_property ("last-refresh");
  properties[PROP_PENDING_SCANS] =
    g_param_spec_int ("pending-scans", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_REVOKED] =
    g_param_spec_boolean ("revoked", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Role, last seen and pending scans in one line. */
  properties[PROP_DETAILS] = text_property ("details");
  /* Guests it let in for the session's event; -1 when not counted. */
  properties[PROP_ADMITTED] =
    g_param_spec_int64 ("admitted", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* "128 admitted", NULL when not counted. */
  properties[PROP_ADMITTED_TEXT] = text_property ("admitted-text");
  properties[PROP_COUNTED] =
    g_param_spec_boolean ("counted", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_device_item_init (GateDeviceItem *self)
{
}

GateDeviceItem *
gate_device_item_new (const GateDeviceInfo *info)
{
  GateDeviceItem *self;

  g_return_val_if_fail (info != NULL, NULL);

  self = g_object_new (GATE_TYPE_DEVICE_ITEM, NULL);
  self->info = gate_device_info_copy (info);
  return self;
}

const GateDeviceInfo *
gate_device_item_get_info (GateDeviceItem *self)
{
  g_return_val_if_fail (GATE_IS_DEVICE_ITEM (self), NULL);

  return self->info;
}
