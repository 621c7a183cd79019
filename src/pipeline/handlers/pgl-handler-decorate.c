/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handler "decorate" (cf. Mailman 3 handlers/decorate.py): adds the list's msg_header before and
 * msg_footer after the body, with the placeholders of pgl-list-text.c replaced. How depends on
 * the body, and the rule that matters most is: never change a byte that a signature covers.
 *
 * - A single text/plain body, not an attachment, whose charset is absent, US-ASCII or UTF-8,
 *   whose transfer encoding we can decode and re-encode (7bit, 8bit, quoted-printable, base64)
 *   and whose content is valid UTF-8: the texts are added in place; the part keeps its
 *   parameters (format=flowed...) and, where possible, its transfer encoding. Inline PGP
 *   (RFC 4880 §7 cleartext signatures, armored messages) survives this: text outside the armor
 *   is not signed.
 * - A multipart/mixed body: a text/plain part with the header is inserted first and one with
 *   the footer appended last; the existing parts are not touched.
 * - Anything else (multipart/signed, multipart/encrypted, multipart/alternative, HTML, other
 *   charsets, binary content, message/rfc822...): the body is wrapped in a new multipart/mixed,
 *   header part, original body, footer part (RFC 2046 §5.1.3). A multipart/signed or
 *   multipart/encrypted body (RFC 1847) goes in as the exact bytes that were received
 *   (pgl_mail_get_raw_body()), with its own Content-* header fields copied verbatim, so that
 *   no re-serialisation by GMime can change the signed content; other bodies go in as GMime
 *   objects.
 * An empty header and footer leave the message alone.
 *
 * XXX: a multipart/signed nested below the top level (inside a multipart/mixed we append to, or
 * a wrapped multipart/alternative) is written back by GMime, which reproduces well-formed MIME
 * exactly but normalises malformed multiparts; only the top-level body's raw bytes are kept.
 */
#include "pipeline/pgl-handler.h"

#include "core/pgl-template.h"
#include "mail/pgl-mail-body.h"
#include "mail/pgl-mail.h"
#include "pipeline/pgl-list-text.h"

#include <string.h>

static GMimeObject *
make_text_part(const gchar *text)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");
	g_autofree gchar *line_ended =
		g_str_has_suffix(text, "\n") ? g_strdup(text) : g_strconcat(text, "\n", NULL);

	pgl_mail_part_set_text(part, line_ended);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_object_set_disposition(GMIME_OBJECT(part), "inline");
	return GMIME_OBJECT(part);
}

/* The body as received, in a part GMime writes back verbatim: its header fields are copied
 * with their raw values and its content is the raw bytes, in the encoding the part declares,
 * so GMime neither decodes nor re-encodes it. */
static GMimeObject *
verbatim_copy(GMimeObject *top)
{
	GBytes *raw = pgl_mail_get_raw_body(top);
	gsize size = 0;
	const guint8 *data;

	if (raw == NULL)
		return g_object_ref(top);
	data = g_bytes_get_data(raw, &size);
	return pgl_mail_part_new_verbatim(top, data, size);
}

static gchar *
join_texts(const gchar *header, const gchar *body, const gchar *footer)
{
	GString *out = g_string_new(NULL);

	if (header[0] != '\0') {
		g_string_append(out, header);
		if (!g_str_has_suffix(header, "\n"))
			g_string_append_c(out, '\n');
	}
	g_string_append(out, body);
	if (body[0] != '\0' && !g_str_has_suffix(body, "\n"))
		g_string_append_c(out, '\n');
	if (footer[0] != '\0') {
		g_string_append(out, footer);
		if (!g_str_has_suffix(footer, "\n"))
			g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

static gboolean
can_append_in_place(GMimeObject *top)
{
	GMimeContentType *type;

	if (!GMIME_IS_TEXT_PART(top))
		return FALSE;
	type = g_mime_object_get_content_type(top);
	return type != NULL && g_mime_content_type_is_type(type, "text", "plain") &&
	       !g_mime_part_is_attachment(GMIME_PART(top)) &&
	       pgl_mail_part_is_utf8_compatible(GMIME_TEXT_PART(top));
}

static gboolean
is_plain_mixed(GMimeObject *top)
{
	GMimeContentType *type;

	if (!GMIME_IS_MULTIPART(top) || pgl_mail_is_protected(top))
		return FALSE;
	type = g_mime_object_get_content_type(top);
	return type != NULL && g_mime_content_type_is_type(type, "multipart", "mixed");
}

static gboolean
process(PglPosting *posting, GError **error)
{
	g_autoptr(GHashTable) variables = pgl_list_text_variables(posting->list);
	g_autofree gchar *header =
		pgl_template_substitute(pgl_list_get(posting->list, "msg_header"), variables);
	g_autofree gchar *footer =
		pgl_template_substitute(pgl_list_get(posting->list, "msg_footer"), variables);
	GMimeObject *top;
	g_autoptr(GMimeMultipart) mixed = NULL;
	g_autoptr(GMimeObject) inner = NULL;

	if (g_strstrip(header)[0] == '\0' && g_strstrip(footer)[0] == '\0')
		return TRUE;
	top = g_mime_message_get_mime_part(posting->message);
	if (top == NULL) {
		g_autofree gchar *text = join_texts(header, "", footer);
		g_autoptr(GMimeObject) part = make_text_part(text);

		g_mime_message_set_mime_part(posting->message, part);
		return TRUE;
	}
	if (can_append_in_place(top)) {
		g_autofree gchar *body = pgl_mail_part_get_text(GMIME_TEXT_PART(top));
		g_autofree gchar *text = join_texts(header, body != NULL ? body : "", footer);

		pgl_mail_part_set_text(GMIME_TEXT_PART(top), text);
		return TRUE;
	}
	if (is_plain_mixed(top)) {
		if (header[0] != '\0') {
			g_autoptr(GMimeObject) part = make_text_part(header);

			g_mime_multipart_insert(GMIME_MULTIPART(top), 0, part);
		}
		if (footer[0] != '\0') {
			g_autoptr(GMimeObject) part = make_text_part(footer);

			g_mime_multipart_add(GMIME_MULTIPART(top), part);
		}
		return TRUE;
	}
	inner = pgl_mail_is_protected(top) ? verbatim_copy(top) : g_object_ref(top);
	mixed = g_mime_multipart_new_with_subtype("mixed");
	if (header[0] != '\0') {
		g_autoptr(GMimeObject) part = make_text_part(header);

		g_mime_multipart_add(mixed, part);
	}
	g_mime_multipart_add(mixed, inner);
	if (footer[0] != '\0') {
		g_autoptr(GMimeObject) part = make_text_part(footer);

		g_mime_multipart_add(mixed, part);
	}
	g_mime_message_set_mime_part(posting->message, GMIME_OBJECT(mixed));
	return TRUE;
}

const PglHandler pgl_handler_decorate = {"decorate", process};
