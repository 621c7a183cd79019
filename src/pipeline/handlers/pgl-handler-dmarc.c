/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handler "dmarc" (cf. Mailman 3 handlers/dmarc.py, RFC 7489 §3.1 alignment): when
 * dmarc_mitigate_action is munge_from, From: becomes "Poster via List" <list address>, so that a
 * receiver checking the poster's domain's DMARC policy against our relay does not refuse the
 * post. The poster stays reachable: their From: mailboxes join Reply-To:, or Cc: when replies
 * are meant to go to the list (reply_goes_to_list point_to_list), without duplicates. A post
 * with no From: mailbox is left alone.
 */
#include "mail/pgl-mail-headers.h"
#include "pipeline/pgl-handler.h"

static gboolean
process(PglPosting *posting, GError **error)
{
	InternetAddressList *from;
	InternetAddressList *target;
	g_autoptr(InternetAddressList) original = internet_address_list_new();
	g_autoptr(InternetAddress) munged = NULL;
	g_autofree gchar *list_name = NULL;
	g_autofree gchar *display = NULL;
	InternetAddressMailbox *first = NULL;
	const gchar *poster_name;
	gint count;

	if (!g_str_equal(pgl_list_get(posting->list, "dmarc_mitigate_action"), "munge_from"))
		return TRUE;
	from = g_mime_message_get_from(posting->message);
	count = from != NULL ? internet_address_list_length(from) : 0;
	for (gint i = 0; i < count; i++) {
		InternetAddress *ia = internet_address_list_get_address(from, i);

		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		if (first == NULL)
			first = INTERNET_ADDRESS_MAILBOX(ia);
		internet_address_list_add(original, ia);
	}
	if (first == NULL)
		return TRUE;

	poster_name = internet_address_get_name(INTERNET_ADDRESS(first));
	if (poster_name == NULL || poster_name[0] == '\0')
		poster_name = internet_address_mailbox_get_addr(first);
	list_name = pgl_list_get_display_name(posting->list);
	display = g_strdup_printf("%s via %s", poster_name, list_name);

	target = g_str_equal(pgl_list_get(posting->list, "reply_goes_to_list"), "point_to_list")
			 ? g_mime_message_get_cc(posting->message)
			 : g_mime_message_get_reply_to(posting->message);
	count = internet_address_list_length(original);
	for (gint i = 0; i < count; i++) {
		InternetAddress *ia = internet_address_list_get_address(original, i);

		if (!pgl_mail_address_list_contains(target, internet_address_mailbox_get_addr(
						 INTERNET_ADDRESS_MAILBOX(ia))))
			internet_address_list_add(target, ia);
	}
	munged = internet_address_mailbox_new(display, posting->list->address);
	internet_address_list_clear(from);
	internet_address_list_add(from, munged);
	return TRUE;
}

const PglHandler pgl_handler_dmarc = {"dmarc", process};
