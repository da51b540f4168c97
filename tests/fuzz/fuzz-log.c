/* fuzz-log.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A failed g_return_if_fail() is a bug the fuzzer found. G_DEBUG's fatal
 * modes stop with SIGTRAP, which libFuzzer does not catch, so the input
 * would be lost; abort() is caught and the input kept as an artifact.
 */
#include "config.h"

#include <stdlib.h>

#include "fuzz-log.h"

static GLogWriterOutput
write_then_abort (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  GLogWriterOutput written = g_log_writer_default (level, fields, n_fields, user_data);

  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
  return written;
}

void
gate_fuzz_abort_on_warnings (void)
{
  g_log_set_writer_func (write_then_abort, NULL, NULL);
}
