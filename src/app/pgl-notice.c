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
 */
#include "app/pgl-notice.h"

#include "app/pgl-router.h"
#include "core/pgl-address.h"
#include "core/pgl-template.h"
#include "delivery/pgl-delivery.h"
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

/**
 * pgl_notice_send:
 * @id: (nullable): the spool id, see pgl_notice_enqueue_message()
 * @recipients: %NULL-terminated addresses
 * @subject: the notice's subject
 * @template_name: the template of its body
 * @variables: template variables (see pgl_notice_variables())
 * @original: (nullable): attached as message/rfc822
 *
 * Renders a notice and queues it for delivery.
 */
gboolean
pgl_notice_send(PglContext *ctx, PglSpool *spool, const PglList *list, const gchar *id,
		const gchar *const *recipients, const gchar *subject, const gchar *template_name,
		GHashTable *variables, GMimeMessage *original, GError **error)
{
	g_autofree gchar *body = pgl_template_render(ctx, template_name, variables, error);
	g_autofree gchar *owner = pgl_list_subaddress(list, "owner");
	g_autofree gchar *to = NULL;
	g_autoptr(GMimeMessage) notice = NULL;
	g_autoptr(GBytes) bytes = NULL;

	if (body == NULL)
		return FALSE;
	if (!g_utf8_validate(body, -1, NULL)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "notice template %s is not UTF-8", template_name);
		return FALSE;
	}
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
