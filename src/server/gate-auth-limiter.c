/* gate-auth-limiter.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Counts failed authentications per client address in a fixed window that
 * opens with the address's first failure. Once an address has failed
 * max-failures times, it is blocked until its window closes: gate-server
 * then answers 429 without asking the database, so guessing tokens costs
 * the guesser time and the database nothing.
 *
 * Memory stays bounded under a flood of distinct addresses: entries live
 * in a queue in the order their windows opened, closed windows are dropped
 * from its head on every call, and when GATE_AUTH_LIMITER_MAX_ADDRESSES
 * addresses are tracked the oldest window is forgotten to make room.
 */
#include "config.h"

#include "gate-auth-limiter.h"

typedef struct
{
  char   *address;
  gint64  window_start_us;
  guint   failures;
  GList   link;       /* in GateAuthLimiter.order; data is the entry */
} Entry;

struct _GateAuthLimiter
{
  GObject     parent_instance;

  guint       max_failures;
  guint       window_s;
  GHashTable *entries;   /* address → Entry (owned) */
  GQueue      order;     /* Entry links, oldest window first */
};

G_DEFINE_FINAL_TYPE (GateAuthLimiter, gate_auth_limiter, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_MAX_FAILURES,
  PROP_WINDOW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
entry_free (Entry *entry)
{
  g_free (entry->address);
  g_free (entry);
}

static gint64
window_end_us (GateAuthLimiter *self,
               Entry           *entry)
{
  return entry->window_start_us + (gint64) self->window_s * G_USEC_PER_SEC;
}

static void
remove_entry (GateAuthLimiter *self,
              Entry           *entry)
{
  g_queue_unlink (&self->order, &entry->link);
  /* Frees the entry, and with it the key. */
  g_hash_table_remove (self->entries, entry->address);
}

/* Windows open in queue order, so the closed ones are all at the head. */
static void
expire (GateAuthLimiter *self,
        gint64           now_us)
{
  Entry *oldest;

  while ((oldest = g_queue_peek_head (&self->order)) != NULL && window_end_us (self, oldest) <= now_us)
    remove_entry (self, oldest);
}

/**
 * gate_auth_limiter_is_blocked:
 * @address: the client's IP address as text
 * @retry_after_s: (out) (optional): whole seconds until the window closes
 *
 * Returns: whether @address has used up its failures in the current window
 */
gboolean
gate_auth_limiter_is_blocked (GateAuthLimiter *self,
                              const char      *address,
                              guint           *retry_after_s)
{
  gint64 now_us = g_get_monotonic_time ();
  Entry *entry;

  g_return_val_if_fail (GATE_IS_AUTH_LIMITER (self), FALSE);

  if (self->max_failures == 0 || address == NULL)
    return FALSE;

  expire (self, now_us);
  entry = g_hash_table_lookup (self->entries, address);
  if (entry == NULL || entry->failures < self->max_failures)
    return FALSE;

  if (retry_after_s != NULL)
    *retry_after_s = (guint) ((window_end_us (self, entry) - now_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  return TRUE;
}

/**
 * gate_auth_limiter_add_failure:
 * @address: the client's IP address as text
 *
 * Counts a failed authentication from @address, opening a window if it
 * has none. Successes are never counted: they neither reset an address
 * nor affect any other.
 */
void
gate_auth_limiter_add_failure (GateAuthLimiter *self,
                               const char      *address)
{
  gint64 now_us = g_get_monotonic_time ();
  Entry *entry;

  g_return_if_fail (GATE_IS_AUTH_LIMITER (self));

  if (self->max_failures == 0 || address == NULL)
    return;

  expire (self, now_us);
  entry = g_hash_table_lookup (self->entries, address);
  if (entry == NULL)
    {
      if (g_hash_table_size (self->entries) >= GATE_AUTH_LIMITER_MAX_ADDRESSES)
        remove_entry (self, g_queue_peek_head (&self->order));

      entry = g_new0 (Entry, 1);
      entry->address = g_strdup (address);
      entry->window_start_us = now_us;
      entry->link.data = entry;
      g_queue_push_tail_link (&self->order, &entry->link);
      g_hash_table_insert (self->entries, entry->address, entry);
    }

  if (entry->failures < G_MAXUINT)
    entry->failures++;
}

/**
 * gate_auth_limiter_get_n_tracked:
 *
 * Returns: how many addresses have an open window (for tests and logs)
 */
guint
gate_auth_limiter_get_n_tracked (GateAuthLimiter *self)
{
  g_return_val_if_fail (GATE_IS_AUTH_LIMITER (self), 0);

  expire (self, g_get_monotonic_time ());
  return g_hash_table_size (self->entries);
}

/**
 * gate_auth_limiter_new:
 * @max_failures: failures an address may have in a window; 0 turns limiting off
 * @window_s: the window's length in seconds, at least 1
 */
GateAuthLimiter *
gate_auth_limiter_new (guint max_failures,
                       guint window_s)
{
  return g_object_new (GATE_TYPE_AUTH_LIMITER, "max-failures", max_failures, "window", window_s, NULL);
}

static void
gate_auth_limiter_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GateAuthLimiter *self = GATE_AUTH_LIMITER (object);

  switch (prop_id)
    {
    case PROP_MAX_FAILURES:
      g_value_set_uint (value, self->max_failures);
      break;

    case PROP_WINDOW:
      g_value_set_uint (value, self->window_s);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_auth_limiter_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GateAuthLimiter *self = GATE_AUTH_LIMITER (object);

  switch (prop_id)
    {
    case PROP_MAX_FAILURES:
      self->max_failures = g_value_get_uint (value);
      break;

    case PROP_WINDOW:
      self->window_s = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_auth_limiter_finalize (GObject *object)
{
  GateAuthLimiter *self = GATE_AUTH_LIMITER (object);

  /* The queue's links live inside the entries the table frees. */
  g_queue_init (&self->order);
  g_clear_pointer (&self->entries, g_hash_table_unref);

  G_OBJECT_CLASS (gate_auth_limiter_parent_class)->finalize (object);
}

static void
gate_auth_limiter_class_init (GateAuthLimiterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = gate_auth_limiter_get_property;
  object_class->set_property = gate_auth_limiter_set_property;
  object_class->finalize = gate_auth_limiter_finalize;

  /**
   * GateAuthLimiter:max-failures:
   *
   * Failed authentications an address may have in one window before it
   * is blocked for the rest of it; 0 turns limiting off.
   */
  properties[PROP_MAX_FAILURES] =
    g_param_spec_uint ("max-failures", NULL, NULL, 0, G_MAXUINT, GATE_AUTH_LIMITER_DEFAULT_MAX_FAILURES,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GateAuthLimiter:window:
   *
   * Seconds from an address's first failure until its count starts over.
   */
  properties[PROP_WINDOW] =
    g_param_spec_uint ("window", NULL, NULL, 1, 24 * 60 * 60, GATE_AUTH_LIMITER_DEFAULT_WINDOW_S,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_auth_limiter_init (GateAuthLimiter *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
  g_queue_init (&self->order);
}
