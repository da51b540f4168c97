/* gate-proxy.c — where the core's HTTP sessions find their proxy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * By default a session asks GIO's default proxy resolver, which follows the
 * desktop's proxy settings: right for the kiosk. Finding that resolver loads
 * GIO's proxy modules (libproxy and the GNOME one, which start GSettings),
 * a few milliseconds that a command line tool pays at every run. A command
 * line tool follows the environment instead, as curl and git do:
 * http_proxy, https_proxy and no_proxy (or their upper-case spellings),
 * and no proxy at all when none is set.
 */
#include "config.h"

#include "gate-proxy.h"

static gboolean from_environment;

static const char *
environment (const char *name,
             const char *upper)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    value = g_getenv (upper);
  return value != NULL && *value != '\0' ? value : NULL;
}

static gpointer
build_resolver (gpointer data)
{
  const char *http = environment ("http_proxy", "HTTP_PROXY");
  const char *https = environment ("https_proxy", "HTTPS_PROXY");
  const char *no_proxy = environment ("no_proxy", "NO_PROXY");
  g_auto(GStrv) ignore = no_proxy != NULL ? g_strsplit (no_proxy, ",", -1) : NULL;
  GSimpleProxyResolver *resolver;

  if (http == NULL && https == NULL)
    return NULL;

  for (guint i = 0; ignore != NULL && ignore[i] != NULL; i++)
    g_strstrip (ignore[i]);
  resolver = G_SIMPLE_PROXY_RESOLVER (g_simple_proxy_resolver_new (NULL, ignore));
  if (http != NULL)
    g_simple_proxy_resolver_set_uri_proxy (resolver, "http", http);
  if (https != NULL)
    g_simple_proxy_resolver_set_uri_proxy (resolver, "https", https);
  return resolver;
}

/**
 * gate_proxy_use_environment:
 *
 * From now on, every session of this process takes its proxy from the
 * environment (http_proxy, https_proxy, no_proxy), not from GIO's default
 * resolver. For command line tools; call it before any session is made.
 */
void
gate_proxy_use_environment (void)
{
  from_environment = TRUE;
}

/**
 * gate_proxy_apply:
 * @session: a session just made
 *
 * Gives @session its proxy resolver, when gate_proxy_use_environment() was
 * called; otherwise leaves it with GIO's default.
 */
void
gate_proxy_apply (SoupSession *session)
{
  static GOnce once = G_ONCE_INIT;

  g_return_if_fail (SOUP_IS_SESSION (session));

  if (!from_environment)
    return;
  /* NULL, when the environment names no proxy: then no proxy at all, and
   * no module is loaded to find one. */
  soup_session_set_proxy_resolver (session, g_once (&once, build_resolver, NULL));
}
