/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Notices: the mail pgplist itself writes (held, rejected, moderator requests). Each is rendered
 * from a template, comes From: the list's -owner address and leaves with the -bounces address as
 * envelope sender, so that a notice that bounces comes back to us and never to a person.
 *
 * pgl_notice_may_answer() decides whether a message may be answered at all (RFC 3834 §2):
 * never mail from the null sender, from automatic senders (Auto-Submitted other than "no",
 * Precedence bulk/junk/list, mailer daemons), or from list machinery, ours included. That is
 * what keeps two list servers from answering each other forever.
 *
 * On a PGP list every notice is made for one recipient and kept sealed (encrypted to the list
 * key) until delivery, which signs it with the list key and encrypts it to the recipient's key
 * when the list has a confirmed, usable one, and signs it alone otherwise. The original message
 * is attached only to the notices that will be encrypted: a PGP list's post never travels in
 * clear, not even back to its author.
 */
#include "app/pgl-notice.h"

#include "app/pgl-router.h"
#include "core/pgl-address.h"
#include "core/pgl-template.h"
#include "delivery/pgl-delivery.h"
#include "keys/pgl-list-crypto.h"
#include "mail/pgl-mail-headers.h"
#include "mail/pgl-mail-notice.h"
#include "mail/pgl-mail.h"

#include <string.h>

/**
 * pgl_notice_variables:
 *
 * Returns: (transfer full): the template variables every list notice can use
 */
GHashTable *
pgl_notice_variables(const PglList *list)
{
	GHashTable *variables = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);

	g_hash_table_insert(variables, "display_name", pgl_list_get_display_name(list));
	g_hash_table_insert(variables, "list_address", g_strdup(list->address));
	g_hash_table_insert(variables, "owner_address", pgl_list_subaddress(list, "owner"));
	g_hash_table_insert(variables, "request_address", pgl_list_subaddress(list, "request"));
	g_hash_table_insert(variables, "list_join", pgl_list_subaddress(list, "join"));
	g_hash_table_insert(variables, "list_leave", pgl_list_subaddress(list, "leave"));
	return variables;
}

/**
 * pgl_notice_enqueue_message:
 * @list: the list the message is about
 * @id: (nullable): the spool id; one derived from the message that caused the notice makes a
 *   stage that is repeated after a crash replace its notice instead of sending it twice
 * @recipients: %NULL-terminated envelope recipients
 * @message: the finished message
 *
 * Queues @message for delivery from the list's -bounces address.
 */
gboolean
pgl_notice_enqueue_message(PglContext *ctx, PglSpool *spool, const PglList *list,
			   const gchar *id, const gchar *const *recipients, GBytes *message,
			   GError **error)
{
	g_autoptr(PglSpoolEntry) entry = pgl_spool_entry_new(NULL, message);
	g_autofree gchar *bounces = pgl_list_subaddress(list, "bounces");

	entry->id = g_strdup(id);

	pgl_spool_entry_set_int(entry, PGL_OUT_LIST_ID, list->id);
	pgl_spool_entry_set(entry, PGL_OUT_SENDER, bounces);
	for (guint i = 0; recipients[i] != NULL; i++)
		g_ptr_array_add(entry->recipients, g_strdup(recipients[i]));
	if (entry->recipients->len == 0)
		return TRUE;
	return pgl_spool_enqueue(spool, PGL_QUEUE_OUT, entry, error);
}

/* One sealed notice per recipient (see the file comment). */
static gboolean
send_sealed(PglContext *ctx, PglStore *store, PglSpool *spool, const PglList *list,
	    PglListCrypto *crypto, const gchar *id, const gchar *const *recipients,
	    const gchar *subject, const gchar *body, GMimeMessage *original, GError **error)
{
	g_autofree gchar *owner = pgl_list_subaddress(list, "owner");
	g_autofree gchar *bounces = pgl_list_subaddress(list, "bounces");
	guint n = g_strv_length((gchar **)recipients);

	for (guint i = 0; i < n; i++) {
		g_autoptr(GMimeMessage) notice = NULL;
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(GBytes) sealed = NULL;
		g_autoptr(PglSpoolEntry) entry = NULL;
		PglAddressKeyState state;
		gboolean attach;

		if (!pgl_list_crypto_load_address(crypto, store, recipients[i], &state, NULL,
						  error))
			return FALSE;
		attach = original != NULL && state == PGL_ADDRESS_KEY_USABLE;
		notice = pgl_mail_build_notice(owner, recipients[i], subject, body,
					       attach ? original : NULL,
					       pgl_context_get_hostname(ctx));
		bytes = pgl_mail_to_bytes(notice);
		sealed = pgl_list_crypto_seal(crypto, bytes, error);
		if (sealed == NULL)
			return FALSE;
		entry = pgl_spool_entry_new(NULL, sealed);
		if (id != NULL)
			entry->id = n == 1 ? g_strdup(id) : g_strdup_printf("%s-%u", id, i + 1);
		pgl_spool_entry_set_int(entry, PGL_OUT_LIST_ID, list->id);
		pgl_spool_entry_set(entry, PGL_OUT_SENDER, bounces);
		pgl_spool_entry_set(entry, PGL_OUT_PGP, PGL_OUT_PGP_NOTICE);
		if (attach)
			pgl_spool_entry_set(entry, PGL_OUT_PGP_PRIVATE, "true");
		g_ptr_array_add(entry->recipients, g_strdup(recipients[i]));
		if (!pgl_spool_enqueue(spool, PGL_QUEUE_OUT, entry, error))
			return FALSE;
	}
	return TRUE;
}

/**
 * pgl_notice_send:
 * @store: a store (a PGP list's keys, the recipients' keys)
 * @list_crypto: (nullable): the list's keys, if the caller has them open; %NULL: looked up
 *   (a plain list has none)
 * @id: (nullable): the spool id, see pgl_notice_enqueue_message()
 * @recipients: %NULL-terminated addresses
 * @subject: the notice's subject
 * @template_name: the template of its body
 * @variables: template variables (see pgl_notice_variables())
 * @original: (nullable): attached as message/rfc822 (on a PGP list: only for recipients the
 *   notice will be encrypted to)
 *
 * Renders a notice and queues it for delivery.
 */
gboolean
pgl_notice_send(PglContext *ctx, PglStore *store, PglSpool *spool, const PglList *list,
		PglListCrypto *list_crypto, const gchar *id, const gchar *const *recipients,
		const gchar *subject, const gchar *template_name, GHashTable *variables,
		GMimeMessage *original, GError **error)
{
	g_autofree gchar *body = pgl_template_render(ctx, template_name, variables, error);
	g_autofree gchar *owner = pgl_list_subaddress(list, "owner");
	g_autofree gchar *to = NULL;
	g_autoptr(GMimeMessage) notice = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(PglListCrypto) opened = NULL;
	PglListCrypto *crypto = list_crypto;

	if (body == NULL)
		return FALSE;
	if (!g_utf8_validate(body, -1, NULL)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "notice template %s is not UTF-8", template_name);
		return FALSE;
	}
	if (crypto == NULL) {
		if (!pgl_list_crypto_open(ctx, store, list, &opened, error))
			return FALSE;
		crypto = opened;
	}
	if (crypto != NULL)
		return send_sealed(ctx, store, spool, list, crypto, id, recipients, subject, body,
				   original, error);
	to = g_strjoinv(", ", (gchar **)recipients);
	notice = pgl_mail_build_notice(owner, to, subject, body, original,
				       pgl_context_get_hostname(ctx));
	bytes = pgl_mail_to_bytes(notice);
	return pgl_notice_enqueue_message(ctx, spool, list, id, recipients, bytes, error);
}

/**
 * pgl_notice_may_answer:
 * @message: (nullable): the parsed message, if it could be parsed
 * @envelope_from: (nullable): the envelope sender ("" or %NULL: the null sender)
 * @sender: (nullable): the address an answer would go to
 *
 * Returns: %TRUE if an automatic answer to @sender is allowed (RFC 3834)
 */
gboolean
pgl_notice_may_answer(GMimeMessage *message, const gchar *envelope_from, const gchar *sender)
{
	g_autofree gchar *local = NULL;
	g_autofree gchar *domain = NULL;
	g_autofree gchar *list_address = NULL;
	PglDestination destination;

	if (envelope_from == NULL || envelope_from[0] == '\0' || sender == NULL)
		return FALSE;
	if (pgl_router_parse(sender, &list_address, &destination, NULL) &&
	    destination != PGL_DEST_POST)
		return FALSE; /* list machinery, ours or another list server's */
	if (pgl_address_split(sender, &local, &domain) &&
	    (g_ascii_strcasecmp(local, "mailer-daemon") == 0 ||
	     g_ascii_strcasecmp(local, "postmaster") == 0))
		return FALSE;
	if (message != NULL) {
		const gchar *auto_submitted = pgl_mail_get_header(message, "Auto-Submitted");
		const gchar *precedence = pgl_mail_get_header(message, "Precedence");

		if (auto_submitted != NULL && g_ascii_strncasecmp(auto_submitted, "no", 2) != 0)
			return FALSE;
		if (precedence != NULL && (g_ascii_strcasecmp(precedence, "bulk") == 0 ||
					   g_ascii_strcasecmp(precedence, "junk") == 0 ||
					   g_ascii_strcasecmp(precedence, "list") == 0))
			return FALSE;
		if (pgl_mail_get_header(message, "X-pgplist-Notice") != NULL)
			return FALSE;
	}
	return TRUE;
}
