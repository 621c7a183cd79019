/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parsing and serialising whole messages (RFC 5322, MIME RFC 2045-2049) with GMime, under the
 * limits of the configuration. Everything in src/mail is a pure function of its arguments: no
 * I/O, no global state, so every parser here can be fuzzed.
 *
 * The caller must have called g_mime_init() once (main() and each test program do) before any
 * function of this folder; GMime keeps process-wide charset and type tables that are filled there.
 */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"
#include "mail/pgl-mail-autoptr.h"

G_BEGIN_DECLS

#define PGL_MAIL_ERROR (pgl_mail_error_quark())
GQuark pgl_mail_error_quark(void);

/**
 * PglMailError:
 * @PGL_MAIL_ERROR_PARSE: not a message at all: empty input, NUL bytes in the header block, or
 *   GMime could not build a message from it
 * @PGL_MAIL_ERROR_LIMIT: bigger than a configured limit: message size ([limits] message_max),
 *   one header block ([limits] header_max), MIME nesting ([limits] mime_depth_max) or number
 *   of MIME parts ([limits] mime_parts_max)
 * @PGL_MAIL_ERROR_AMBIGUOUS: GMime reported a critical issue that means other software (the
 *   subscribers' mail clients, a signature checker) may read the message differently from us:
 *   we refuse to act on what we cannot be sure others see the same way
 *
 * Errors of the mail folder. A message that fails with any of them should be refused (LMTP)
 * or moved to the bad queue with the error message as the reason.
 */
typedef enum {
	PGL_MAIL_ERROR_PARSE,
	PGL_MAIL_ERROR_LIMIT,
	PGL_MAIL_ERROR_AMBIGUOUS,
} PglMailError;

gboolean pgl_mail_parse(PglContext *ctx, GBytes *raw, GMimeMessage **message_out, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;
GBytes *pgl_mail_to_bytes(GMimeMessage *message);
GBytes *pgl_mail_object_to_bytes(GMimeObject *object);
GBytes *pgl_mail_get_raw_body(GMimeObject *mime_part);

G_END_DECLS
