/* gate-ticket-cache.c — the kiosk's offline cache on SQLite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The invariants of DESIGN.md §5 live in the files of this class:
 *  - check-and-mark is one BEGIN IMMEDIATE transaction, so threads and
 *    processes sharing the file admit a ticket once;
 *  - WAL + synchronous=FULL, and a decision returns only after COMMIT;
 *  - a page of a refresh is one transaction with its cursor, and never
 *    turns a ticket this device admitted back to valid before the server
 *    has answered for that scan;
 *  - a queued scan leaves the queue only with the server's answer.
 *
 * One connection behind one mutex: SQLite serialises writers anyway, and a
 * single connection lets every statement stay prepared. Public functions
 * take the lock, call a *_locked helper and emit signals after unlocking.
 *
 * See gate-ticket-cache-private.h for the files of this class.
 */
#include "config.h"

#include "gate-error.h"
#include "gate-ticket-cache-private.h"

G_DEFINE_FINAL_TYPE_WITH_CODE (GateTicketCache, gate_ticket_cache, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, _gate_ticket_cache_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE, NULL))

enum
{
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static guint signals[GATE_CACHE_N_SIGNALS];

/* --- signals on the owner's context ------------------------------------------- */

typedef struct
{
  GWeakRef         cache;
  GateCacheSignal  signal;
  GateTicket      *ticket;
} Emission;

static gboolean
emit_on_owner (gpointer user_data)
{
  Emission *emission = user_data;
  g_autoptr(GateTicketCache) self = g_weak_ref_get (&emission->cache);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  /* Cleared before emitting: a change made by a handler or another thread
   * from now on schedules its own emission. */
  if (emission->signal == GATE_CACHE_STATUS_CHANGED)
    g_atomic_int_set (&self->status_pending, FALSE);
  else if (emission->signal == GATE_CACHE_CONFLICTS_CHANGED)
    g_atomic_int_set (&self->conflicts_pending, FALSE);

  if (emission->ticket != NULL)
    g_signal_emit (self, signals[emission->signal], 0, emission->ticket);
  else
    g_signal_emit (self, signals[emission->signal], 0);

  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer user_data)
{
  Emission *emission = user_data;

  g_weak_ref_clear (&emission->cache);
  g_clear_pointer (&emission->ticket, gate_ticket_free);
  g_free (emission);
}

/* Never called with the lock held. Bursts of status and conflict changes
 * coalesce into one emission per main-loop iteration. A weak reference: a
 * cache released before its owner's loop ran closes its file at once. */
void
_gate_cache_notify_later (GateTicketCache  *self,
                          GateCacheSignal   signal,
                          const GateTicket *ticket)
{
  g_autoptr(GSource) idle = NULL;
  Emission *emission;

  if (signal == GATE_CACHE_STATUS_CHANGED &&
      !g_atomic_int_compare_and_exchange (&self->status_pending, FALSE, TRUE))
    return;
  if (signal == GATE_CACHE_CONFLICTS_CHANGED &&
      !g_atomic_int_compare_and_exchange (&self->conflicts_pending, FALSE, TRUE))
    return;

  emission = g_new0 (Emission, 1);
  g_weak_ref_init (&emission->cache, self);
  emission->signal = signal;
  emission->ticket = ticket != NULL ? gate_ticket_copy (ticket) : NULL;

  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_static_name (idle, "[gate] cache signal");
  g_source_set_callback (idle, emit_on_owner, emission, emission_free);
  g_source_attach (idle, self->owner);
}

void
_gate_cache_notify_tickets_later (GateTicketCache *self,
                                  GPtrArray       *tickets)
{
  for (guint i = 0; i < tickets->len; i++)
    _gate_cache_notify_later (self, GATE_CACHE_TICKET_CHANGED, g_ptr_array_index (tickets, i));
}

/* --- object --------------------------------------------------------------------- */

static void
gate_ticket_cache_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GateTicketCache *self = GATE_TICKET_CACHE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_ticket_cache_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GateTicketCache *self = GATE_TICKET_CACHE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_ticket_cache_finalize (GObject *object)
{
  GateTicketCache *self = GATE_TICKET_CACHE (object);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->db, sqlite3_close_v2);
  g_clear_pointer (&self->owner, g_main_context_unref);
  g_mutex_clear (&self->mutex);
  g_clear_pointer (&self->device_names, g_hash_table_unref);
  g_mutex_clear (&self->names_mutex);
  g_free (self->path);

  G_OBJECT_CLASS (gate_ticket_cache_parent_class)->finalize (object);
}

static void
gate_ticket_cache_class_init (GateTicketCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gate_ticket_cache_finalize;
  object_class->get_property = gate_ticket_cache_get_property;
  object_class->set_property = gate_ticket_cache_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateTicketCache::ticket-changed:
   * @ticket: (type GateTicket): the ticket as it is now
   *
   * A decision or a server answer changed one ticket. Refresh pages do not
   * emit it per ticket (a page is a thousand): they emit status-changed.
   */
  signals[GATE_CACHE_TICKET_CHANGED] =
    g_signal_new ("ticket-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, GATE_TYPE_TICKET | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * GateTicketCache::status-changed:
   *
   * Counts, the queue or refresh/upload times changed: re-read the status.
   * At most one per main-loop iteration.
   */
  signals[GATE_CACHE_STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * GateTicketCache::conflicts-changed:
   *
   * A conflict was noted, downloaded, reviewed or purged. At most one per
   * main-loop iteration.
   */
  signals[GATE_CACHE_CONFLICTS_CHANGED] =
    g_signal_new ("conflicts-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
finalize_statement (gpointer data)
{
  sqlite3_finalize (data);
}

static void
gate_ticket_cache_init (GateTicketCache *self)
{
  g_mutex_init (&self->mutex);
  g_mutex_init (&self->names_mutex);
  self->device_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->statements = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, finalize_statement);
  self->owner = g_main_context_ref_thread_default ();
}
