/* gate-enrolment.h — a device enrolled by its setup code
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* "GATESETUP:<CODE>:<SERVER>" (docs/enrolment.md): the scheme word is
 * matched in any case, the code is 16 characters of RFC 4648 base32, and
 * the server's scheme and host are case-insensitive, so the whole text
 * survives readers and encoders that fold case. */
#define GATE_SETUP_URI_PREFIX   "GATESETUP:"
#define GATE_SETUP_CODE_LENGTH  16

#define GATE_ENROLMENT_ERROR (gate_enrolment_error_quark ())

/**
 * GateEnrolmentError:
 * @GATE_ENROLMENT_ERROR_INVALID_URI: the text is not a setup code
 * @GATE_ENROLMENT_ERROR_UNKNOWN_CODE: the server knows no such code (400)
 * @GATE_ENROLMENT_ERROR_USED: the code was used already (409)
 * @GATE_ENROLMENT_ERROR_EXPIRED: the code expired, or its device was revoked (410)
 * @GATE_ENROLMENT_ERROR_RATE_LIMITED: too many failed attempts from here (429)
 */
typedef enum
{
  GATE_ENROLMENT_ERROR_INVALID_URI,
  GATE_ENROLMENT_ERROR_UNKNOWN_CODE,
  GATE_ENROLMENT_ERROR_USED,
  GATE_ENROLMENT_ERROR_EXPIRED,
  GATE_ENROLMENT_ERROR_RATE_LIMITED,
} GateEnrolmentError;

GQuark gate_enrolment_error_quark (void);

/* What enroll_device answers. The token is wiped when freed. */
typedef struct
{
  char *device_id;
  char *token;
  char *event_id;   /* nullable */
  char *list_id;    /* nullable */
  char *server;
} GateEnrolment;

void           gate_enrolment_free        (GateEnrolment        *enrolment);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateEnrolment, gate_enrolment_free)

char          *gate_setup_code_new        (void);
char          *gate_setup_uri_build       (const char           *server,
                                           const char           *code);
gboolean       gate_setup_uri_looks_like  (const char           *text);
gboolean       gate_setup_uri_parse       (const char           *text,
                                           char                **server,
                                           char                **code,
                                           GError              **error);
GateEnrolment *gate_enrolment_from_json   (const char           *json,
                                           gsize                 length,
                                           GError              **error);

void           gate_enrol_async           (const char           *server,
                                           const char           *apikey,
                                           const char           *code,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GateEnrolment *gate_enrol_finish          (GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
