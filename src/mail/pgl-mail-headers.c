/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Header fields of a parsed message. Addresses are read with GMime's RFC 5322 §3.4 address
 * parser (groups are flattened) and then held to pgplist's own address syntax
 * (pgl_address_normalize(), RFC 5321 mailboxes): an address GMime accepts but we do not is
 * counted but never returned. Decoded text (RFC 2047 encoded words, 8-bit headers in a guessed
 * charset) is always valid UTF-8 when it leaves this file. Only the top-level header block is
 * read; header fields of attached messages and body parts are not the message's.
 */
#include "mail/pgl-mail-headers.h"

#include "core/pgl-address.h"
#include "util/pgl-sanitize.h"

#include <string.h>

static void
collect_mailboxes(InternetAddressList *list, GPtrArray *out, guint *n_mailboxes, guint depth)
{
	gint count = list != NULL ? internet_address_list_length(list) : 0;

	for (gint i = 0; i < count; i++) {
		InternetAddress *address = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
			InternetAddressMailbox *mailbox = INTERNET_ADDRESS_MAILBOX(address);
			const gchar *addr = internet_address_mailbox_get_addr(mailbox);
			g_autofree gchar *normal = NULL;

			(*n_mailboxes)++;
			if (addr != NULL)
				normal = pgl_address_normalize(addr, NULL);
			if (normal != NULL && out != NULL)
				g_ptr_array_add(out, g_steal_pointer(&normal));
		} else if (INTERNET_ADDRESS_IS_GROUP(address) && depth < 2) {
			/* RFC 5322 groups do not nest; GMime's parser does not make them nest. */
			InternetAddressGroup *group = INTERNET_ADDRESS_GROUP(address);

			collect_mailboxes(internet_address_group_get_members(group), out,
					  n_mailboxes, depth + 1);
		}
	}
}

static gboolean
name_in(const gchar *const *names, const gchar *name)
{
	for (guint i = 0; names[i] != NULL; i++) {
		if (g_ascii_strcasecmp(names[i], name) == 0)
			return TRUE;
	}
	return FALSE;
}

static gchar *
first_valid(InternetAddressList *list, guint *n_mailboxes_out)
{
	g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
	guint n_mailboxes = 0;

	collect_mailboxes(list, found, &n_mailboxes, 0);
	if (n_mailboxes_out != NULL)
		*n_mailboxes_out = n_mailboxes;
	return found->len > 0 ? g_strdup(found->pdata[0]) : NULL;
}

/**
 * pgl_mail_sender:
 * @message: a message
 * @envelope_from: (nullable): the envelope sender (SMTP MAIL FROM), with or without <>
 *
 * Who posted @message, as the posting rules see it: the From: mailbox if From: has exactly one;
 * if it has several, the Sender: mailbox (RFC 5322 §3.6.2 requires one then), else the first
 * From: mailbox; if none of them is a valid address, the envelope sender.
 *
 * Returns: (transfer full) (nullable): the normalised sender address, or %NULL if no valid one
 */
gchar *
pgl_mail_sender(GMimeMessage *message, const gchar *envelope_from)
{
	guint n_from = 0;
	g_autofree gchar *from = NULL;

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), NULL);
	from = first_valid(g_mime_message_get_from(message), &n_from);
	if (n_from > 1) {
		g_autofree gchar *sender = first_valid(g_mime_message_get_sender(message), NULL);

		if (sender != NULL)
			return g_steal_pointer(&sender);
	}
	if (from != NULL)
		return g_steal_pointer(&from);
	if (envelope_from != NULL) {
		g_autofree gchar *bare = g_strstrip(g_strdup(envelope_from));
		gsize len = strlen(bare);

		if (len >= 2 && bare[0] == '<' && bare[len - 1] == '>') {
			bare[len - 1] = '\0';
			memmove(bare, bare + 1, len - 1);
		}
		if (bare[0] != '\0')
			return pgl_address_normalize(bare, NULL);
	}
	return NULL;
}

/**
 * pgl_mail_get_subject:
 * @message: a message
 *
 * Returns: (transfer full) (nullable): the Subject: decoded (RFC 2047) to valid UTF-8, without
 *   line folding, or %NULL if there is no Subject: field
 */
gchar *
pgl_mail_get_subject(GMimeMessage *message)
{
	const gchar *subject;

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), NULL);
	subject = g_mime_message_get_subject(message);
	if (subject == NULL)
		return NULL;
	return g_utf8_make_valid(subject, -1);
}

/**
 * pgl_mail_get_header:
 * @message: a message
 * @name: a header field name, any case
 *
 * Returns: (transfer none) (nullable): the decoded value of the first @name field of the
 *   top-level header (not necessarily valid UTF-8), or %NULL
 */
const gchar *
pgl_mail_get_header(GMimeMessage *message, const gchar *name)
{
	g_return_val_if_fail(GMIME_IS_MESSAGE(message), NULL);
	return g_mime_object_get_header(GMIME_OBJECT(message), name);
}

/**
 * pgl_mail_get_header_values:
 * @message: a message
 * @name: a header field name, any case
 *
 * Returns: (transfer full) (element-type utf8): the decoded values of every @name field of the
 *   top-level header, in order, as valid UTF-8 (possibly empty array)
 */
GPtrArray *
pgl_mail_get_header_values(GMimeMessage *message, const gchar *name)
{
	GMimeHeaderList *headers;
	GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
	gint count;

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), values);
	headers = g_mime_object_get_header_list(GMIME_OBJECT(message));
	count = g_mime_header_list_get_count(headers);
	for (gint i = 0; i < count; i++) {
		GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);
		const gchar *value;

		if (g_ascii_strcasecmp(g_mime_header_get_name(header), name) != 0)
			continue;
		value = g_mime_header_get_value(header);
		g_ptr_array_add(values, g_utf8_make_valid(value != NULL ? value : "", -1));
	}
	return values;
}

/**
 * pgl_mail_count_headers:
 * @message: a message
 * @name: a header field name, any case (e.g. "Received" for a hop count)
 *
 * Returns: how many @name fields the top-level header has
 */
guint
pgl_mail_count_headers(GMimeMessage *message, const gchar *name)
{
	GMimeHeaderList *headers;
	guint n = 0;
	gint count;

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), 0);
	headers = g_mime_object_get_header_list(GMIME_OBJECT(message));
	count = g_mime_header_list_get_count(headers);
	for (gint i = 0; i < count; i++) {
		if (g_ascii_strcasecmp(
			    g_mime_header_get_name(g_mime_header_list_get_header_at(headers, i)),
			    name) == 0)
			n++;
	}
	return n;
}

/**
 * pgl_mail_remove_headers:
 * @message: a message
 * @name: a header field name, any case
 *
 * Removes every @name field from the top-level header (GMime's own remove takes only the
 * first).
 *
 * Returns: how many were removed
 */
guint
pgl_mail_remove_headers(GMimeMessage *message, const gchar *name)
{
	guint n = 0;

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), 0);
	while (g_mime_object_remove_header(GMIME_OBJECT(message), name))
		n++;
	return n;
}

/**
 * pgl_mail_get_addresses:
 * @message: a message
 * @header_names: %NULL-terminated header field names, e.g. {"To", "Cc", NULL}
 * @n_mailboxes_out: (out) (optional): number of mailboxes found, valid or not
 *
 * Collects the mailboxes of every field named in @header_names (all occurrences, groups
 * flattened).
 *
 * Returns: (transfer full) (element-type utf8): the valid addresses, normalised, in order,
 *   duplicates kept
 */
GPtrArray *
pgl_mail_get_addresses(GMimeMessage *message, const gchar *const *header_names,
		       guint *n_mailboxes_out)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GMimeHeaderList *headers;
	guint n_mailboxes = 0;
	gint count;

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), out);
	headers = g_mime_object_get_header_list(GMIME_OBJECT(message));
	count = g_mime_header_list_get_count(headers);
	for (gint i = 0; i < count; i++) {
		GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);
		const gchar *raw_value = g_mime_header_get_raw_value(header);
		g_autoptr(InternetAddressList) list = NULL;

		if (raw_value == NULL ||
		    !name_in(header_names, g_mime_header_get_name(header)))
			continue;
		list = internet_address_list_parse(NULL, raw_value);
		collect_mailboxes(list, out, &n_mailboxes, 0);
	}
	if (n_mailboxes_out != NULL)
		*n_mailboxes_out = n_mailboxes;
	return out;
}

/**
 * pgl_mail_get_recipients:
 * @message: a message
 * @n_mailboxes_out: (out) (optional): number of To:/Cc: mailboxes, valid or not
 *
 * Returns: (transfer full) (element-type utf8): the valid To: and Cc: addresses, normalised
 */
GPtrArray *
pgl_mail_get_recipients(GMimeMessage *message, guint *n_mailboxes_out)
{
	static const gchar *const names[] = {"To", "Cc", NULL};

	return pgl_mail_get_addresses(message, names, n_mailboxes_out);
}

/**
 * pgl_mail_make_message_id:
 * @hostname: the domain part to use (our host name or the list's domain)
 *
 * A new Message-ID (RFC 5322 §3.6.4): the current time and 122 random bits from a version 4
 * UUID, so two calls never collide in practice.
 *
 * Returns: (transfer full): "id-left@hostname", without angle brackets (as
 *   g_mime_message_set_message_id() wants it)
 */
gchar *
pgl_mail_make_message_id(const gchar *hostname)
{
	g_autofree gchar *uuid = g_uuid_string_random();
	GString *left = g_string_new("pgplist.");

	g_return_val_if_fail(hostname != NULL && hostname[0] != '\0', NULL);
	g_string_append_printf(left, "%" G_GINT64_FORMAT ".", g_get_real_time() / G_USEC_PER_SEC);
	for (const gchar *p = uuid; *p != '\0'; p++) {
		if (*p != '-')
			g_string_append_c(left, *p);
	}
	g_string_append_printf(left, "@%s", hostname);
	return g_string_free(left, FALSE);
}

/**
 * pgl_mail_get_log_id:
 * @message: a message
 *
 * Returns: (transfer full): the Message-ID, sanitised and shortened for log lines, or "-"
 */
gchar *
pgl_mail_get_log_id(GMimeMessage *message)
{
	const gchar *id;

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), g_strdup("-"));
	id = g_mime_message_get_message_id(message);
	if (id == NULL || id[0] == '\0')
		return g_strdup("-");
	return pgl_sanitize(id, -1, 100);
}

/**
 * pgl_mail_address_list_contains:
 * @list: an address list of a header field
 * @address: an address
 *
 * Returns: %TRUE if a mailbox of @list is @address (ASCII case ignored)
 */
gboolean
pgl_mail_address_list_contains(InternetAddressList *list, const gchar *address)
{
	gint count = internet_address_list_length(list);

	for (gint i = 0; i < count; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(ia) &&
		    g_ascii_strcasecmp(
			    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)),
			    address) == 0)
			return TRUE;
	}
	return FALSE;
}
