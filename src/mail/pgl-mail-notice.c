/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Notices pgplist sends on its own behalf (held, rejected, moderator requests...). Each is an
 * automatic response in the sense of RFC 3834: "Auto-Submitted: auto-replied" (§5) so that
 * well-behaved responders do not answer it, plus "X-pgplist-Notice: yes" so that our own rules
 * can recognise a notice that comes back. The text is UTF-8 text/plain (RFC 2046 §4.1.3, RFC
 * 3676 not used); the message that caused the notice can ride along as message/rfc822 (RFC 2046
 * §5.2.1), untouched.
 */
#include "mail/pgl-mail-notice.h"

#include "mail/pgl-mail-body.h"
#include "mail/pgl-mail-headers.h"

static void
add_addresses(GMimeMessage *message, GMimeAddressType type, const gchar *text)
{
	g_autoptr(InternetAddressList) parsed = internet_address_list_parse(NULL, text);

	if (parsed != NULL)
		internet_address_list_append(g_mime_message_get_addresses(message, type), parsed);
}

/**
 * pgl_mail_build_notice:
 * @from: the From: field, "addr" or "Name <addr>" (normally the list's -owner or -bounces
 *   address)
 * @to: the To: field, same syntax
 * @subject: the subject, UTF-8 (encoded as RFC 2047 words where needed)
 * @body_text: the text, UTF-8, LF line endings (typically a rendered template)
 * @original: (nullable): the message the notice is about, attached as message/rfc822
 * @hostname: the host name for the Message-ID
 *
 * Builds a complete notice with Date:, Message-ID:, MIME-Version:, Auto-Submitted: auto-replied
 * and X-pgplist-Notice: yes. Values go in as given: callers sanitise text that came from the
 * network (pgl_sanitize()) before putting it in @subject or @body_text.
 *
 * Returns: (transfer full): the notice
 */
GMimeMessage *
pgl_mail_build_notice(const gchar *from, const gchar *to, const gchar *subject,
		      const gchar *body_text, GMimeMessage *original, const gchar *hostname)
{
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GMimeTextPart) text = NULL;
	g_autoptr(GDateTime) now = NULL;
	g_autofree gchar *message_id = NULL;

	g_return_val_if_fail(from != NULL && to != NULL && subject != NULL, NULL);
	g_return_val_if_fail(body_text != NULL && g_utf8_validate(body_text, -1, NULL), NULL);
	g_return_val_if_fail(original == NULL || GMIME_IS_MESSAGE(original), NULL);
	g_return_val_if_fail(hostname != NULL, NULL);

	message = g_mime_message_new(TRUE);
	add_addresses(message, GMIME_ADDRESS_TYPE_FROM, from);
	add_addresses(message, GMIME_ADDRESS_TYPE_TO, to);
	g_mime_message_set_subject(message, subject, "utf-8");
	now = g_date_time_new_now_local();
	g_mime_message_set_date(message, now);
	message_id = pgl_mail_make_message_id(hostname);
	g_mime_message_set_message_id(message, message_id);
	g_mime_object_set_header(GMIME_OBJECT(message), "Auto-Submitted", "auto-replied", NULL);
	g_mime_object_set_header(GMIME_OBJECT(message), "X-pgplist-Notice", "yes", NULL);

	text = g_mime_text_part_new_with_subtype("plain");
	pgl_mail_part_set_text(text, body_text);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(text), "charset", "utf-8");
	if (original == NULL) {
		g_mime_message_set_mime_part(message, GMIME_OBJECT(text));
	} else {
		g_autoptr(GMimeMultipart) mixed = g_mime_multipart_new_with_subtype("mixed");
		g_autoptr(GMimeMessagePart) attached =
			g_mime_message_part_new_with_message("rfc822", original);

		g_mime_object_set_disposition(GMIME_OBJECT(text), "inline");
		g_mime_object_set_disposition(GMIME_OBJECT(attached), "inline");
		g_mime_multipart_add(mixed, GMIME_OBJECT(text));
		g_mime_multipart_add(mixed, GMIME_OBJECT(attached));
		g_mime_message_set_mime_part(message, GMIME_OBJECT(mixed));
	}
	return g_steal_pointer(&message);
}
