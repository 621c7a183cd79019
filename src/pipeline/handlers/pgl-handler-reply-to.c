/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handler "reply-to" (cf. Mailman 3 handlers/cook_headers.py): applies the list's Reply-To:
 * policy (RFC 5322 §3.6.2). first_strip_reply_to removes the poster's Reply-To: first.
 * reply_goes_to_list: no_munging leaves Reply-To: alone; point_to_list puts the list address
 * first; explicit_header puts reply_to_address first (ignored if it is not a valid address). The
 * poster's own Reply-To: addresses, if not stripped, follow, without duplicates.
 */
#include "mail/pgl-mail-headers.h"
#include "pipeline/pgl-handler.h"

#include "core/pgl-address.h"

static gboolean
process(PglPosting *posting, GError **error)
{
	const gchar *policy = pgl_list_get(posting->list, "reply_goes_to_list");
	gboolean strip = pgl_list_get_bool(posting->list, "first_strip_reply_to");
	InternetAddressList *reply_to = g_mime_message_get_reply_to(posting->message);
	g_autoptr(InternetAddressList) result = internet_address_list_new();
	g_autoptr(InternetAddress) munged = NULL;
	gint count;

	if (g_str_equal(policy, "no_munging") && !strip)
		return TRUE;
	if (g_str_equal(policy, "point_to_list")) {
		g_autofree gchar *display_name = pgl_list_get_display_name(posting->list);

		munged = internet_address_mailbox_new(display_name, posting->list->address);
	} else if (g_str_equal(policy, "explicit_header")) {
		const gchar *text = pgl_list_get(posting->list, "reply_to_address");
		g_autofree gchar *address = NULL;
		g_autofree gchar *name = NULL;

		if (pgl_address_parse_line(text, &address, &name, NULL))
			munged = internet_address_mailbox_new(name, address);
	}
	if (munged != NULL)
		internet_address_list_add(result, munged);
	count = reply_to != NULL ? internet_address_list_length(reply_to) : 0;
	for (gint i = 0; i < count && !strip; i++) {
		InternetAddress *ia = internet_address_list_get_address(reply_to, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(ia) &&
		    pgl_mail_address_list_contains(result,
				internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia))))
			continue;
		internet_address_list_add(result, ia);
	}
	while (g_mime_object_remove_header(GMIME_OBJECT(posting->message), "Reply-To"))
		;
	if (internet_address_list_length(result) > 0)
		internet_address_list_append(g_mime_message_get_reply_to(posting->message), result);
	return TRUE;
}

const PglHandler pgl_handler_reply_to = {"reply-to", process};
