/* gate-search-result.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-search-result.h"
#include "gate-time-format.h"

/* Enough of the code's end to tell two tickets of one guest apart, short
 * enough to read aloud at the gate. */
#define CODE_TAIL_CHARS 6

struct _GateSearchResult
{
  GObject     parent_instance;

  GateTicket *ticket;
  char       *code_tail;
  char       *status_text;
};

G_DEFINE_FINAL_TYPE (GateSearchResult, gate_search_result, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_TICKET,
  PROP_GUEST_NAME,
  PROP_TICKET_TYPE,
  PROP_CODE,
  PROP_CODE_TAIL,
  PROP_STATUS_TEXT,
  PROP_STATUS_CLASSES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
code_tail_for (const char *code)
{
  glong length;

  if (code == NULL)
    return g_strdup ("");

  length = g_utf8_strlen (code, -1);
  if (length <= CODE_TAIL_CHARS)
    return g_strdup (code);

  return g_strconcat ("…", g_utf8_offset_to_pointer (code, length - CODE_TAIL_CHARS), NULL);
}

/* The colours of the verdict screen: only a valid ticket is green. */
static const char *const valid_classes[] = { "success", NULL };
static const char *const denied_classes[] = { "error", NULL };

static const char *const *
status_classes_for (const GateTicket *ticket)
{
  return ticket->status == GATE_TICKET_STATUS_VALID ? valid_classes : denied_classes;
}

static char *
status_text_for (const GateTicket *ticket)
{
  g_autofree char *clock = NULL;

  switch (ticket->status)
    {
    case GATE_TICKET_STATUS_VALID:
      return g_strdup (_("Valid"));

    case GATE_TICKET_STATUS_VOID:
      return g_strdup (_("Void"));

    case GATE_TICKET_STATUS_SCANNED:
      if (ticket->scanned_at_us <= 0)
        return g_strdup (_("Already scanned"));
      clock = gate_time_format (ticket->scanned_at_us, GATE_TIME_STYLE_CLOCK);
      /* Translators: %s is the time of day the ticket was scanned, e.g. 19:42 */
      return g_strdup_printf (_("Already scanned at %s"), clock);

    default:
      g_assert_not_reached ();
    }
}

GateSearchResult *
gate_search_result_new (const GateTicket *ticket)
{
  g_return_val_if_fail (ticket != NULL, NULL);

  return g_object_new (GATE_TYPE_SEARCH_RESULT, "ticket", ticket, NULL);
}

const GateTicket *
gate_search_result_get_ticket (GateSearchResult *self)
{
  g_return_val_if_fail (GATE_IS_SEARCH_RESULT (self), NULL);

  return self->ticket;
}

void
gate_search_result_set_ticket (GateSearchResult *self,
                               const GateTicket *ticket)
{
  g_return_if_fail (GATE_IS_SEARCH_RESULT (self));
  g_return_if_fail (ticket != NULL);

  g_clear_pointer (&self->ticket, gate_ticket_free);
  self->ticket = gate_ticket_copy (ticket);
  g_free (self->code_tail);
  self->code_tail = code_tail_for (ticket->qr_token);
  g_free (self->status_text);
  self->status_text = status_text_for (ticket);

  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = PROP_TICKET; i < N_PROPS; i++)
    g_object_notify_by_pspec (G_OBJECT (self), properties[i]);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
gate_search_result_get_code (GateSearchResult *self)
{
  g_return_val_if_fail (GATE_IS_SEARCH_RESULT (self), NULL);

  return self->ticket != NULL ? self->ticket->qr_token : NULL;
}

const char *
gate_search_result_get_code_tail (GateSearchResult *self)
{
  g_return_val_if_fail (GATE_IS_SEARCH_RESULT (self), NULL);

  return self->code_tail;
}

const char *
gate_search_result_get_status_text (GateSearchResult *self)
{
  g_return_val_if_fail (GATE_IS_SEARCH_RESULT (self), NULL);

  return self->status_text;
}

static void
gate_search_result_finalize (GObject *object)
{
  GateSearchResult *self = GATE_SEARCH_RESULT (object);

  g_clear_pointer (&self->ticket, gate_ticket_free);
  g_free (self->code_tail);
  g_free (self->status_text);

  G_OBJECT_CLASS (gate_search_result_parent_class)->finalize (object);
}

static void
gate_search_result_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  GateSearchResult *self = GATE_SEARCH_RESULT (object);

  switch (prop_id)
    {
    case PROP_TICKET:
      g_value_set_boxed (value, self->ticket);
      break;

    case PROP_GUEST_NAME:
      g_value_set_string (value, self->ticket != NULL ? self->ticket->guest_name : NULL);
      break;

    case PROP_TICKET_TYPE:
      g_value_set_string (value, self->ticket != NULL ? self->ticket->ticket_type : NULL);
      break;

    case PROP_CODE:
      g_value_set_string (value, gate_search_result_get_code (self));
      break;

    case PROP_CODE_TAIL:
      g_value_set_string (value, self->code_tail);
      break;

    case PROP_STATUS_TEXT:
      g_value_set_string (value, self->status_text);
      break;

    case PROP_STATUS_CLASSES:
      g_value_set_boxed (value, self->ticket != NULL ? status_classes_for (self->ticket) : NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_search_result_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  GateSearchResult *self = GATE_SEARCH_RESULT (object);

  switch (prop_id)
    {
    case PROP_TICKET:
      gate_search_result_set_ticket (self, g_value_get_boxed (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_search_result_class_init (GateSearchResultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gate_search_result_finalize;
  object_class->get_property = gate_search_result_get_property;
  object_class->set_property = gate_search_result_set_property;

  properties[PROP_TICKET] =
    g_param_spec_boxed ("ticket", NULL, NULL, GATE_TYPE_TICKET,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_GUEST_NAME] =
    g_param_spec_string ("guest-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_TICKET_TYPE] =
    g_param_spec_string ("ticket-type", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_CODE] =
    g_param_spec_string ("code", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateSearchResult:code-tail:
   *
   * The code's last characters, after an ellipsis when it is longer.
   */
  properties[PROP_CODE_TAIL] =
    g_param_spec_string ("code-tail", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateSearchResult:status-text:
   *
   * "Valid", "Already scanned at 19:42" (local time) or "Void".
   */
  properties[PROP_STATUS_TEXT] =
    g_param_spec_string ("status-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateSearchResult:status-classes:
   *
   * Style classes for the status label: `success` for a valid ticket,
   * `error` for one that would be denied.
   */
  properties[PROP_STATUS_CLASSES] =
    g_param_spec_boxed ("status-classes", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_search_result_init (GateSearchResult *self)
{
}
