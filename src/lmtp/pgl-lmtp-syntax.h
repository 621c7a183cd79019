/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Module-internal (not installed, not for other folders; tests/lmtp uses it): the pure parsers
 * of the LMTP server. MAIL FROM / RCPT TO arguments (RFC 5321 §4.1.2, §4.1.1.2-3), mailbox
 * syntax and length limits (§4.5.3.1), the SIZE (RFC 1870) and BODY (RFC 6152) parameters, and
 * the log sanitiser. No I/O and no state, so they can be fed anything.
 */
#pragma once

#include <glib.h>

#include "core/pgl-limits.h"

G_BEGIN_DECLS

/** PGL_LMTP_LOCAL_PART_MAX: RFC 5321 §4.5.3.1.1 */
#define PGL_LMTP_LOCAL_PART_MAX PGL_LIMIT_LOCAL_PART_MAX
/** PGL_LMTP_DOMAIN_MAX: RFC 5321 §4.5.3.1.2 */
#define PGL_LMTP_DOMAIN_MAX PGL_LIMIT_DOMAIN_MAX
/** PGL_LMTP_ADDRESS_MAX: a path is at most 256 octets with its angle brackets (§4.5.3.1.3) */
#define PGL_LMTP_ADDRESS_MAX PGL_LIMIT_ADDRESS_MAX
/** PGL_LMTP_LOG_TEXT_MAX: bytes of peer text kept in a log line */
#define PGL_LMTP_LOG_TEXT_MAX 200

/**
 * PglLmtpParseResult:
 * @PGL_LMTP_PARSE_OK: parsed; the out parameters are set
 * @PGL_LMTP_PARSE_BAD_SYNTAX: the argument is not "FROM:<path>" / "TO:<path>" (501 5.5.4)
 * @PGL_LMTP_PARSE_BAD_ADDRESS: the path holds no acceptable mailbox (501 5.1.7 for the sender,
 *   501 5.1.3 for a recipient)
 * @PGL_LMTP_PARSE_BAD_PARAM: a known parameter is malformed, repeated or has a bad value
 *   (501 5.5.4)
 * @PGL_LMTP_PARSE_UNKNOWN_PARAM: a parameter we do not support (555 5.5.4, RFC 5321 §4.1.1.11)
 *
 * Outcome of pgl_lmtp_parse_mail() and pgl_lmtp_parse_rcpt().
 */
typedef enum {
	PGL_LMTP_PARSE_OK,
	PGL_LMTP_PARSE_BAD_SYNTAX,
	PGL_LMTP_PARSE_BAD_ADDRESS,
	PGL_LMTP_PARSE_BAD_PARAM,
	PGL_LMTP_PARSE_UNKNOWN_PARAM,
} PglLmtpParseResult;

/**
 * PglLmtpBody:
 * @PGL_LMTP_BODY_UNSPECIFIED: no BODY= parameter
 * @PGL_LMTP_BODY_7BIT: BODY=7BIT
 * @PGL_LMTP_BODY_8BITMIME: BODY=8BITMIME
 *
 * The BODY parameter of MAIL FROM (RFC 6152). Informational: the data phase is 8-bit clean anyway.
 */
typedef enum {
	PGL_LMTP_BODY_UNSPECIFIED,
	PGL_LMTP_BODY_7BIT,
	PGL_LMTP_BODY_8BITMIME,
} PglLmtpBody;

/**
 * PglLmtpMailParams:
 * @has_size: whether SIZE= was given
 * @size: the declared size, saturated at %G_MAXUINT64; only ever compared, never allocated
 * @body: the BODY= parameter
 *
 * The MAIL FROM parameters we support.
 */
typedef struct {
	gboolean has_size;
	guint64 size;
	PglLmtpBody body;
} PglLmtpMailParams;

gboolean pgl_lmtp_address_is_valid(const gchar *address, gboolean allow_quoted);
PglLmtpParseResult pgl_lmtp_parse_mail(const gchar *args, gchar **sender_out,
				       PglLmtpMailParams *params_out);
PglLmtpParseResult pgl_lmtp_parse_rcpt(const gchar *args, gchar **recipient_out);
gchar *pgl_lmtp_sanitize(const gchar *text, gssize len);

G_END_DECLS
