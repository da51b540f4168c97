/* gate-conflict-item.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-conflict-item.h"
#include "gate-time-format.h"

/* What a row shows for a value the conflict does not have (yet). */
#define NONE_TEXT "—"

struct _GateConflictItem
{
  GObject       parent_instance;

  GateConflict *conflict;
  GHashTable   *device_names;   /* (nullable): device id → name, supervisor mode */
};

G_DEFINE_FINAL_TYPE (GateConflictItem, gate_conflict_item, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CONFLICT_ID,
  PROP_TICKET_CODE,
  PROP_GUEST_NAME,
  PROP_TICKET_TYPE,
  PROP_WINNER_DEVICE,
  PROP_WINNER_TIME,
  PROP_LOSER_DEVICE,
  PROP_LOSER_TIME,
  PROP_DETECTED_AT,
  PROP_ON_SERVER,
  PROP_REVIEWED,
  PROP_PENDING_REVIEW,
  PROP_REVIEWED_BY,
  PROP_NOTE,
  PROP_REVIEW_SUMMARY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A time as supervisors' lists show it; NONE_TEXT for none. */
static char *
timestamp_or_none (gint64 time_us)
{
  char *text = gate_time_format (time_us, GATE_TIME_STYLE_TIMESTAMP);

  return text != NULL ? text : g_strdup (NONE_TEXT);
}

static const char *
text_or_none (const char *text)
{
  return text != NULL && *text != '\0' ? text : NONE_TEXT;
}

static char *
review_summary (const GateConflict *conflict)
{
  g_autofree char *when = NULL;

  if (conflict->reviewed_at_us == 0)
    return g_strdup ("");

  when = timestamp_or_none (conflict->reviewed_at_us);
  if (conflict->review_note != NULL && *conflict->review_note != '\0')
    /* Translators: reviewer, time, then the note the reviewer wrote. */
    return g_strdup_printf (_("Reviewed by %s at %s: %s"), text_or_none (conflict->reviewed_by), when,
                            conflict->review_note);
  /* Translators: reviewer, then time. */
  return g_strdup_printf (_("Reviewed by %s at %s"), text_or_none (conflict->reviewed_by), when);
}

static void
gate_conflict_item_finalize (GObject *object)
{
  GateConflictItem *self = GATE_CONFLICT_ITEM (object);

  g_clear_pointer (&self->conflict, gate_conflict_free);
  g_clear_pointer (&self->device_names, g_hash_table_unref);

  G_OBJECT_CLASS (gate_conflict_item_parent_class)->finalize (object);
}

/* People know gates by name ("North gate 2"), not by device id: the
 * supervisor's fresh device list first, else the name the cache learned. */
static const char *
device_name (GateConflictItem *self,
             const char       *device_id,
             const char       *cached_name)
{
  const char *name = NULL;

  if (self->device_names != NULL && device_id != NULL)
    name = g_hash_table_lookup (self->device_names, device_id);

  return name != NULL ? name : cached_name;
}

const char *
gate_conflict_item_get_winner_name (GateConflictItem *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICT_ITEM (self), NULL);

  return device_name (self, self->conflict->winner_device, self->conflict->winner_device_name);
}

const char *
gate_conflict_item_get_loser_name (GateConflictItem *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICT_ITEM (self), NULL);

  return device_name (self, self->conflict->loser_device, self->conflict->loser_device_name);
}

const char *
gate_conflict_item_get_winner_label (GateConflictItem *self)
{
  const char *name = gate_conflict_item_get_winner_name (self);

  return name != NULL ? name : text_or_none (self->conflict->winner_device);
}

const char *
gate_conflict_item_get_loser_label (GateConflictItem *self)
{
  const char *name = gate_conflict_item_get_loser_name (self);

  return name != NULL ? name : text_or_none (self->conflict->loser_device);
}

/* "North Gate, by Ana" when an operator was signed in at the scan. */
static char *
with_operator (const char *gate,
               const char *operator_name)
{
  if (operator_name == NULL || *operator_name == '\0')
    return g_strdup (gate);
  /* TRANSLATORS: a gate's name, then the operator signed in there. */
  return g_strdup_printf (_("%s, by %s"), gate, operator_name);
}

void
gate_conflict_item_set_device_names (GateConflictItem *self,
                                     GHashTable       *device_names)
{
  g_return_if_fail (GATE_IS_CONFLICT_ITEM (self));

  if (self->device_names == device_names)
    return;

  g_clear_pointer (&self->device_names, g_hash_table_unref);
  self->device_names = device_names != NULL ? g_hash_table_ref (device_names) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINNER_DEVICE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOSER_DEVICE]);
}

static void
gate_conflict_item_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  GateConflictItem *self = GATE_CONFLICT_ITEM (object);
  const GateConflict *conflict = self->conflict;

  switch (prop_id)
    {
    case PROP_CONFLICT_ID:
      g_value_set_int64 (value, conflict->id);
      break;

    case PROP_TICKET_CODE:
      g_value_set_string (value, gate_conflict_item_get_ticket_code (self));
      break;

    case PROP_GUEST_NAME:
      g_value_set_string (value, text_or_none (conflict->guest_name));
      break;

    case PROP_TICKET_TYPE:
      g_value_set_string (value, text_or_none (conflict->ticket_type));
      break;

    case PROP_WINNER_DEVICE:
      g_value_take_string (value, with_operator (gate_conflict_item_get_winner_label (self),
                                                 conflict->winner_operator));
      break;

    case PROP_WINNER_TIME:
      g_value_take_string (value, timestamp_or_none (conflict->winner_time_us));
      break;

    case PROP_LOSER_DEVICE:
      g_value_take_string (value, with_operator (gate_conflict_item_get_loser_label (self), conflict->loser_operator));
      break;

    case PROP_LOSER_TIME:
      g_value_take_string (value, timestamp_or_none (conflict->loser_time_us));
      break;

    case PROP_DETECTED_AT:
      g_value_take_string (value, timestamp_or_none (conflict->detected_at_us));
      break;

    case PROP_ON_SERVER:
      g_value_set_boolean (value, conflict->id > 0);
      break;

    case PROP_REVIEWED:
      g_value_set_boolean (value, conflict->reviewed_at_us != 0);
      break;

    case PROP_PENDING_REVIEW:
      g_value_set_boolean (value, conflict->reviewed_at_us == 0);
      break;

    case PROP_REVIEWED_BY:
      g_value_set_string (value, conflict->reviewed_by);
      break;

    case PROP_NOTE:
      g_value_set_string (value, conflict->review_note);
      break;

    case PROP_REVIEW_SUMMARY:
      g_value_take_string (value, review_summary (conflict));
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

static GParamSpec *
flag_property (const char *name)
{
  return g_param_spec_boolean (name, NULL, NULL, FALSE,
                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static void
gate_conflict_item_class_init (GateConflictItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gate_conflict_item_finalize;
  object_class->get_property = gate_conflict_item_get_property;

  /* The server's id; 0 while only this gate knows the conflict. */
  properties[PROP_CONFLICT_ID] =
    g_param_spec_int64 ("conflict-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The QR token, or the start of the ticket id when the token is unknown. */
  properties[PROP_TICKET_CODE] = text_property ("ticket-code");
  properties[PROP_GUEST_NAME] = text_property ("guest-name");
  properties[PROP_TICKET_TYPE] = text_property ("ticket-type");
  properties[PROP_WINNER_DEVICE] = text_property ("winner-device");
  properties[PROP_WINNER_TIME] = text_property ("winner-time");
  properties[PROP_LOSER_DEVICE] = text_property ("loser-device");
  properties[PROP_LOSER_TIME] = text_property ("loser-time");
  properties[PROP_DETECTED_AT] = text_property ("detected-at");
  /* Only a conflict the server has numbered can be reviewed. */
  properties[PROP_ON_SERVER] = flag_property ("on-server");
  properties[PROP_REVIEWED] = flag_property ("reviewed");
  /* !reviewed, for rows that show a button until then. */
  properties[PROP_PENDING_REVIEW] = flag_property ("pending-review");
  properties[PROP_REVIEWED_BY] = text_property ("reviewed-by");
  properties[PROP_NOTE] = text_property ("note");
  /* "Reviewed by … at …: note", or empty. */
  properties[PROP_REVIEW_SUMMARY] = text_property ("review-summary");

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_conflict_item_init (GateConflictItem *self)
{
}

GateConflictItem *
gate_conflict_item_new (const GateConflict *conflict)
{
  GateConflictItem *self;

  g_return_val_if_fail (conflict != NULL, NULL);

  self = g_object_new (GATE_TYPE_CONFLICT_ITEM, NULL);
  self->conflict = gate_conflict_copy (conflict);
  return self;
}

const GateConflict *
gate_conflict_item_get_conflict (GateConflictItem *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICT_ITEM (self), NULL);

  return self->conflict;
}

gint64
gate_conflict_item_get_conflict_id (GateConflictItem *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICT_ITEM (self), 0);

  return self->conflict->id;
}

const char *
gate_conflict_item_get_ticket_code (GateConflictItem *self)
{
  const GateConflict *conflict;

  g_return_val_if_fail (GATE_IS_CONFLICT_ITEM (self), NULL);

  conflict = self->conflict;
  if (conflict->qr_token != NULL && *conflict->qr_token != '\0')
    return conflict->qr_token;
  return text_or_none (conflict->ticket_id);
}

gboolean
gate_conflict_item_get_reviewed (GateConflictItem *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICT_ITEM (self), FALSE);

  return self->conflict->reviewed_at_us != 0;
}

/**
 * gate_conflict_item_set_review:
 * @reviewed_at_us: when; 0 for now
 *
 * Records a review the server accepted, so the row shows it at once.
 */
void
gate_conflict_item_set_review (GateConflictItem *self,
                               const char       *reviewed_by,
                               const char       *note,
                               gint64            reviewed_at_us)
{
  GateConflict *conflict;
  gboolean was_reviewed;

  g_return_if_fail (GATE_IS_CONFLICT_ITEM (self));

  conflict = self->conflict;
  was_reviewed = conflict->reviewed_at_us != 0;

  /* Like review_conflict: a second review keeps the first time. */
  if (!was_reviewed)
    conflict->reviewed_at_us = reviewed_at_us != 0 ? reviewed_at_us : g_get_real_time ();
  g_free (conflict->reviewed_by);
  conflict->reviewed_by = g_strdup (reviewed_by);
  g_free (conflict->review_note);
  conflict->review_note = g_strdup (note);

  g_object_freeze_notify (G_OBJECT (self));
  if (!was_reviewed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVIEWED]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_REVIEW]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVIEWED_BY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVIEW_SUMMARY]);
  g_object_thaw_notify (G_OBJECT (self));
}

int
gate_conflict_item_compare (gconstpointer a,
                            gconstpointer b,
                            gpointer      user_data)
{
  const GateConflict *first = GATE_CONFLICT_ITEM ((gpointer) a)->conflict;
  const GateConflict *second = GATE_CONFLICT_ITEM ((gpointer) b)->conflict;
  gboolean first_reviewed = first->reviewed_at_us != 0;
  gboolean second_reviewed = second->reviewed_at_us != 0;

  if (first_reviewed != second_reviewed)
    return first_reviewed ? 1 : -1;
  if (first->detected_at_us != second->detected_at_us)
    return first->detected_at_us > second->detected_at_us ? -1 : 1;
  /* Same instant: the higher server id was written later. */
  if (first->id != second->id)
    return first->id > second->id ? -1 : 1;
  return 0;
}
