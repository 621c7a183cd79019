/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Body text of a message: finding the text/plain part a human wrote (the first one, depth
 * first, that is not an attachment and not inside an attached message/rfc822), reading it as
 * UTF-8 whatever its charset and transfer encoding (RFC 2045 §6, RFC 2046 §4.1.2), and
 * replacing it with new UTF-8 text in a transfer encoding that stays within RFC 5322 §2.1.1's
 * 998-octet lines. Parts under multipart/signed or multipart/encrypted (RFC 1847) can be skipped:
 * their bytes are covered by a signature or are ciphertext, and must not change.
 */
#include "mail/pgl-mail-body.h"

#include <string.h>

/**
 * pgl_mail_is_protected:
 * @object: a MIME object
 *
 * Returns: %TRUE for multipart/signed and multipart/encrypted (RFC 1847)
 */
gboolean
pgl_mail_is_protected(GMimeObject *object)
{
	GMimeContentType *type;

	g_return_val_if_fail(GMIME_IS_OBJECT(object), FALSE);
	if (GMIME_IS_MULTIPART_SIGNED(object) || GMIME_IS_MULTIPART_ENCRYPTED(object))
		return TRUE;
	type = g_mime_object_get_content_type(object);
	return type != NULL && (g_mime_content_type_is_type(type, "multipart", "signed") ||
				g_mime_content_type_is_type(type, "multipart", "encrypted"));
}

static gboolean
is_body_text(GMimeObject *object, const gchar *subtype)
{
	GMimeContentType *type;

	if (!GMIME_IS_TEXT_PART(object))
		return FALSE;
	type = g_mime_object_get_content_type(object);
	if (type == NULL ||
	    !g_mime_content_type_is_type(type, "text", subtype != NULL ? subtype : "*"))
		return FALSE;
	return !g_mime_part_is_attachment(GMIME_PART(object));
}

static void
walk(GMimeObject *object, const gchar *subtype, PglMailTextFlags flags, GPtrArray *out,
     gboolean first_only)
{
	if (object == NULL || (first_only && out->len > 0))
		return;
	if (GMIME_IS_MULTIPART(object)) {
		GMimeMultipart *multipart = GMIME_MULTIPART(object);
		gint count;

		if ((flags & PGL_MAIL_TEXT_SKIP_PROTECTED) != 0 && pgl_mail_is_protected(object))
			return;
		count = g_mime_multipart_get_count(multipart);
		for (gint i = 0; i < count; i++) {
			walk(g_mime_multipart_get_part(multipart, i), subtype, flags, out,
			     first_only);
		}
		return;
	}
	/* message/rfc822 parts are someone else's message: not descended into */
	if (is_body_text(object, subtype))
		g_ptr_array_add(out, object);
}

/**
 * pgl_mail_find_text_part:
 * @message: a message
 * @subtype: (nullable): "plain", "html"..., or %NULL for any text subtype
 * @flags: #PglMailTextFlags
 *
 * Returns: (transfer none) (nullable): the first non-attachment text/@subtype part, depth
 *   first, not inside an attached message
 */
GMimeTextPart *
pgl_mail_find_text_part(GMimeMessage *message, const gchar *subtype, PglMailTextFlags flags)
{
	g_autoptr(GPtrArray) found = g_ptr_array_new();

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), NULL);
	walk(g_mime_message_get_mime_part(message), subtype, flags, found, TRUE);
	return found->len > 0 ? found->pdata[0] : NULL;
}

/**
 * pgl_mail_find_text_parts:
 * @message: a message
 * @flags: #PglMailTextFlags
 *
 * Returns: (transfer container) (element-type GMimeTextPart): every non-attachment text/\* part,
 *   depth first, not inside an attached message (possibly empty)
 */
GPtrArray *
pgl_mail_find_text_parts(GMimeMessage *message, PglMailTextFlags flags)
{
	GPtrArray *found = g_ptr_array_new();

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), found);
	walk(g_mime_message_get_mime_part(message), NULL, flags, found, FALSE);
	return found;
}

static GByteArray *
decoded_content(GMimeTextPart *part)
{
	GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(part));
	g_autoptr(GMimeStream) stream = NULL;
	GByteArray *array;

	if (content == NULL)
		return NULL;
	array = g_byte_array_new();
	stream = g_mime_stream_mem_new_with_byte_array(array);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	g_mime_data_wrapper_write_to_stream(content, stream);
	return array;
}

static gboolean
charset_is_utf8_compatible(const gchar *charset)
{
	return charset == NULL || g_ascii_strcasecmp(charset, "us-ascii") == 0 ||
	       g_ascii_strcasecmp(charset, "ascii") == 0 ||
	       g_ascii_strcasecmp(charset, "utf-8") == 0 ||
	       g_ascii_strcasecmp(charset, "utf8") == 0;
}

/**
 * pgl_mail_part_get_text:
 * @part: a text part
 *
 * Decodes the transfer encoding and converts from the part's charset. Content whose charset
 * label iconv does not know is taken as UTF-8 if it is valid UTF-8, else as ISO-8859-1; whatever
 * is still invalid becomes U+FFFD.
 *
 * Returns: (transfer full) (nullable): the text as valid UTF-8, or %NULL if the part has no
 *   content
 */
gchar *
pgl_mail_part_get_text(GMimeTextPart *part)
{
	g_autoptr(GByteArray) bytes = NULL;
	g_autofree gchar *converted = NULL;
	const gchar *charset;
	const gchar *data;
	gssize length;

	g_return_val_if_fail(GMIME_IS_TEXT_PART(part), NULL);
	bytes = decoded_content(part);
	if (bytes == NULL)
		return NULL;
	if (bytes->len == 0)
		return g_strdup("");
	data = (const gchar *)bytes->data;
	length = (gssize)bytes->len;
	charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
	if (charset_is_utf8_compatible(charset))
		return g_utf8_make_valid(data, length);
	/* GMime maps charset aliases (ks_c_5601-1987, x-sjis...) to names iconv knows. */
	converted = g_convert(data, length, "UTF-8", g_mime_charset_iconv_name(charset), NULL,
			      NULL, NULL);
	if (converted != NULL)
		return g_utf8_make_valid(converted, -1);
	/* An unknown or wrong charset label: UTF-8 if it is, else Latin-1, which maps every byte
	 * (what most such mail turns out to be). */
	if (g_utf8_validate(data, length, NULL))
		return g_strndup(data, length);
	converted = g_convert(data, length, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
	return converted != NULL ? g_utf8_make_valid(converted, -1)
				 : g_utf8_make_valid(data, length);
}

/**
 * pgl_mail_part_is_utf8_compatible:
 * @part: a text part
 *
 * Returns: %TRUE if the part can be read and rewritten as UTF-8 without any conversion: charset
 *   absent, US-ASCII or UTF-8, a transfer encoding we can decode and re-encode losslessly
 *   (7bit, 8bit, quoted-printable, base64), and content that really is valid UTF-8
 */
gboolean
pgl_mail_part_is_utf8_compatible(GMimeTextPart *part)
{
	g_autoptr(GByteArray) bytes = NULL;

	g_return_val_if_fail(GMIME_IS_TEXT_PART(part), FALSE);
	if (!charset_is_utf8_compatible(
		    g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset")))
		return FALSE;
	switch (g_mime_part_get_content_encoding(GMIME_PART(part))) {
	case GMIME_CONTENT_ENCODING_DEFAULT:
	case GMIME_CONTENT_ENCODING_7BIT:
	case GMIME_CONTENT_ENCODING_8BIT:
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
	case GMIME_CONTENT_ENCODING_BASE64:
		break;
	case GMIME_CONTENT_ENCODING_BINARY:
	case GMIME_CONTENT_ENCODING_UUENCODE:
	default:
		return FALSE;
	}
	bytes = decoded_content(part);
	if (bytes == NULL)
		return TRUE;
	return g_utf8_validate((const gchar *)bytes->data, (gssize)bytes->len, NULL);
}

static gboolean
needs_encoding(const gchar *text, gboolean *ascii_out)
{
	gsize line = 0;
	gboolean ascii = TRUE;
	gboolean long_line = FALSE;

	for (const guchar *p = (const guchar *)text; *p != '\0'; p++) {
		if (*p >= 0x80)
			ascii = FALSE;
		if (*p == '\n')
			line = 0;
		else if (++line > 998)
			long_line = TRUE;
	}
	*ascii_out = ascii;
	return long_line;
}

/**
 * pgl_mail_part_set_text:
 * @part: a text part
 * @text: the new content, valid UTF-8, LF line endings
 *
 * Replaces the content of @part. The charset parameter becomes utf-8 unless the text is ASCII
 * and the old charset was US-ASCII or UTF-8 already; other parameters (format=flowed...) are
 * kept. The transfer encoding stays base64 or quoted-printable if it was; otherwise it stays
 * 7bit/8bit where the text allows and becomes quoted-printable where it does not (8-bit text
 * in a 7bit part, lines over 998 octets).
 */
void
pgl_mail_part_set_text(GMimeTextPart *part, const gchar *text)
{
	GMimeContentEncoding old_encoding;
	GMimeContentEncoding encoding;
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeDataWrapper) wrapper = NULL;
	const gchar *charset;
	gboolean ascii = TRUE;
	gboolean long_lines;

	g_return_if_fail(GMIME_IS_TEXT_PART(part));
	g_return_if_fail(text != NULL && g_utf8_validate(text, -1, NULL));
	old_encoding = g_mime_part_get_content_encoding(GMIME_PART(part));
	long_lines = needs_encoding(text, &ascii);
	stream = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	wrapper = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(GMIME_PART(part), wrapper);

	charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
	if (!ascii || !charset_is_utf8_compatible(charset))
		g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");

	switch (old_encoding) {
	case GMIME_CONTENT_ENCODING_BASE64:
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
		encoding = old_encoding;
		break;
	case GMIME_CONTENT_ENCODING_8BIT:
	case GMIME_CONTENT_ENCODING_BINARY:
		encoding = long_lines ? GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
		     : ascii	  ? GMIME_CONTENT_ENCODING_7BIT
				  : GMIME_CONTENT_ENCODING_8BIT;
		break;
	case GMIME_CONTENT_ENCODING_DEFAULT:
	case GMIME_CONTENT_ENCODING_7BIT:
	case GMIME_CONTENT_ENCODING_UUENCODE:
	default:
		encoding = (ascii && !long_lines) ? GMIME_CONTENT_ENCODING_7BIT
						  : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
		break;
	}
	g_mime_part_set_content_encoding(GMIME_PART(part), encoding);
}

/**
 * pgl_mail_part_new_verbatim:
 * @headers_of: the object whose header fields the part takes, with their raw values
 * @body: the content, exactly as it is to be written (already in the transfer encoding the
 *   fields declare)
 * @body_len: its length
 *
 * A part GMime writes back byte for byte: it neither decodes nor re-encodes the content nor
 * refolds the header fields. Used wherever a signed entity must keep its exact bytes.
 *
 * Returns: (transfer full): the part
 */
GMimeObject *
pgl_mail_part_new_verbatim(GMimeObject *headers_of, const guint8 *body, gsize body_len)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list(headers_of);
	g_autoptr(GMimePart) part = g_mime_part_new();
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeDataWrapper) wrapper = NULL;
	GMimeHeaderList *copy = g_mime_object_get_header_list(GMIME_OBJECT(part));
	gint count = g_mime_header_list_get_count(headers);

	g_mime_header_list_clear(copy);
	for (gint i = 0; i < count; i++) {
		GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);
		GMimeHeader *added;

		g_mime_object_append_header(GMIME_OBJECT(part), g_mime_header_get_raw_name(header),
					    g_mime_header_get_value(header), NULL);
		added = g_mime_header_list_get_header_at(copy,
							 g_mime_header_list_get_count(copy) - 1);
		if (g_mime_header_get_raw_value(header) != NULL)
			g_mime_header_set_raw_value(added, g_mime_header_get_raw_value(header));
	}
	stream = g_mime_stream_mem_new_with_buffer((const gchar *)body, body_len);
	wrapper = g_mime_data_wrapper_new_with_stream(stream,
						      g_mime_part_get_content_encoding(part));
	g_mime_part_set_content(part, wrapper);
	return GMIME_OBJECT(g_steal_pointer(&part));
}
