/* gate-checkin-list.c — one check-in list of an event (the gate rules)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-checkin-list.h"

struct _GateCheckinList
{
  GObject   parent_instance;

  char     *id;
  char     *event_id;
  char     *name;
  GStrv     ticket_types;
  char     *direction;
  gboolean  allow_reentry;
  gboolean  assigned;
};

G_DEFINE_FINAL_TYPE (GateCheckinList, gate_checkin_list, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_DIRECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GateCheckinList *
gate_checkin_list_new (const char         *id,
                       const char         *event_id,
                       const char         *name,
                       const char * const *ticket_types,
                       const char         *direction,
                       gboolean            allow_reentry,
                       gboolean            assigned)
{
  GateCheckinList *self;
  static const char * const none[] = { NULL };

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (GATE_TYPE_CHECKIN_LIST, NULL);
  self->id = g_strdup (id);
  self->event_id = g_strdup (event_id);
  self->name = g_strdup (name);
  self->ticket_types = g_strdupv ((char **) (ticket_types != NULL ? ticket_types : none));
  /* Anything but the two one-way kinds lets the gate choose. */
  if (g_strcmp0 (direction, "entry") == 0 || g_strcmp0 (direction, "exit") == 0)
    self->direction = g_strdup (direction);
  else
    self->direction = g_strdup ("both");
  self->allow_reentry = allow_reentry;
  self->assigned = assigned;

  return self;
}

GateCheckinList *
gate_checkin_list_new_from_rules (const GateListRules *rules)
{
  g_return_val_if_fail (rules != NULL, NULL);

  return gate_checkin_list_new (rules->id, rules->event_id, rules->name, (const char * const *) rules->ticket_types,
                                rules->direction, rules->allow_reentry, rules->assigned);
}

/**
 * gate_checkin_lists_new_from_rules:
 * @rules: (element-type GateListRules)
 *
 * Returns: (transfer full) (element-type GateCheckinList): one object a list
 */
GPtrArray *
gate_checkin_lists_new_from_rules (GPtrArray *rules)
{
  GPtrArray *lists;

  g_return_val_if_fail (rules != NULL, NULL);

  lists = g_ptr_array_new_full (rules->len, g_object_unref);
  for (guint i = 0; i < rules->len; i++)
    g_ptr_array_add (lists, gate_checkin_list_new_from_rules (g_ptr_array_index (rules, i)));
  return lists;
}

const char *
gate_checkin_list_get_id (GateCheckinList *self)
{
  g_return_val_if_fail (GATE_IS_CHECKIN_LIST (self), NULL);
  return self->id;
}

const char *
gate_checkin_list_get_event_id (GateCheckinList *self)
{
  g_return_val_if_fail (GATE_IS_CHECKIN_LIST (self), NULL);
  return self->event_id;
}

const char *
gate_checkin_list_get_name (GateCheckinList *self)
{
  g_return_val_if_fail (GATE_IS_CHECKIN_LIST (self), NULL);
  return self->name;
}

const char * const *
gate_checkin_list_get_ticket_types (GateCheckinList *self)
{
  g_return_val_if_fail (GATE_IS_CHECKIN_LIST (self), NULL);
  return (const char * const *) self->ticket_types;
}

const char *
gate_checkin_list_get_direction (GateCheckinList *self)
{
  g_return_val_if_fail (GATE_IS_CHECKIN_LIST (self), NULL);
  return self->direction;
}

gboolean
gate_checkin_list_get_allow_reentry (GateCheckinList *self)
{
  g_return_val_if_fail (GATE_IS_CHECKIN_LIST (self), FALSE);
  return self->allow_reentry;
}

gboolean
gate_checkin_list_get_assigned (GateCheckinList *self)
{
  g_return_val_if_fail (GATE_IS_CHECKIN_LIST (self), FALSE);
  return self->assigned;
}

GateCheckinList *
gate_checkin_list_find (GListModel *lists,
                        const char *list_id)
{
  g_return_val_if_fail (G_IS_LIST_MODEL (lists), NULL);

  for (guint i = 0; i < g_list_model_get_n_items (lists); i++)
    {
      g_autoptr(GateCheckinList) list = g_list_model_get_item (lists, i);

      if (list_id != NULL ? g_ascii_strcasecmp (list->id, list_id) == 0 : list->assigned)
        return list;
    }

  return NULL;
}

static void
gate_checkin_list_finalize (GObject *object)
{
  GateCheckinList *self = GATE_CHECKIN_LIST (object);

  g_free (self->id);
  g_free (self->event_id);
  g_free (self->name);
  g_strfreev (self->ticket_types);
  g_free (self->direction);

  G_OBJECT_CLASS (gate_checkin_list_parent_class)->finalize (object);
}

static void
gate_checkin_list_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GateCheckinList *self = GATE_CHECKIN_LIST (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_DIRECTION:
      g_value_set_string (value, self->direction);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_checkin_list_class_init (GateCheckinListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gate_checkin_list_finalize;
  object_class->get_property = gate_checkin_list_get_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* What a picker shows. */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DIRECTION] =
    g_param_spec_string ("direction", NULL, NULL, "both", G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_checkin_list_init (GateCheckinList *self)
{
}
