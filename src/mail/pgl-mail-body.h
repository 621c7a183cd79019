/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading and replacing the text of text/plain body parts (RFC 2045 §6 transfer encodings,
 * RFC 2046 §4.1 charsets), and walking the MIME tree.
 */
#pragma once

#include <glib.h>

#include "mail/pgl-mail-autoptr.h"

G_BEGIN_DECLS

/**
 * PglMailTextFlags:
 * @PGL_MAIL_TEXT_NONE: search the whole MIME tree
 * @PGL_MAIL_TEXT_SKIP_PROTECTED: do not descend into multipart/signed or multipart/encrypted
 *   parts (RFC 1847): their content must not be changed, so a caller that may rewrite the part
 *   it finds asks for this
 */
typedef enum {
	PGL_MAIL_TEXT_NONE = 0,
	PGL_MAIL_TEXT_SKIP_PROTECTED = 1 << 0,
} PglMailTextFlags;

GMimeTextPart *pgl_mail_find_text_part(GMimeMessage *message, const gchar *subtype,
				       PglMailTextFlags flags);
GPtrArray *pgl_mail_find_text_parts(GMimeMessage *message, PglMailTextFlags flags);
gchar *pgl_mail_part_get_text(GMimeTextPart *part);
gboolean pgl_mail_part_is_utf8_compatible(GMimeTextPart *part);
void pgl_mail_part_set_text(GMimeTextPart *part, const gchar *text);
gboolean pgl_mail_is_protected(GMimeObject *object);
GMimeObject *pgl_mail_part_new_verbatim(GMimeObject *headers_of, const guint8 *body,
					gsize body_len);

G_END_DECLS
