/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "loop" (cf. Mailman 3 rules/loop.py, Postfix hopcount_limit): a post that has already
 * been through this list is discarded, silently, since answering a loop feeds it. "Already been
 * through" means it carries our own stamp: a List-Id: field naming our list-id (RFC 2919 §3,
 * "<name.domain>", compared case-insensitively), or an X-BeenThere: field with our posting
 * address. A post with more Received: fields (RFC 5321 §4.4 trace) than [limits] max_received
 * is discarded too: it is looping somewhere, maybe not through us.
 */
#include "pipeline/pgl-rule.h"

#include "mail/pgl-mail-headers.h"
#include "pipeline/pgl-list-text.h"

#include <string.h>

static gboolean
list_id_matches(const gchar *value, const gchar *list_id)
{
	const gchar *open = strrchr(value, '<');
	const gchar *close = open != NULL ? strchr(open, '>') : NULL;
	g_autofree gchar *id = NULL;

	if (open == NULL || close == NULL)
		return FALSE;
	id = g_strstrip(g_strndup(open + 1, close - open - 1));
	return g_ascii_strcasecmp(id, list_id) == 0;
}

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	const PglConfig *config = pgl_context_get_config(posting->ctx);
	g_autofree gchar *list_id = pgl_list_text_list_id(posting->list);
	g_autoptr(GPtrArray) list_ids = pgl_mail_get_header_values(posting->message, "List-Id");
	g_autoptr(GPtrArray) been_there =
		pgl_mail_get_header_values(posting->message, "X-BeenThere");
	guint received;

	for (guint i = 0; i < list_ids->len; i++) {
		if (list_id_matches(list_ids->pdata[i], list_id)) {
			*reason_out = g_strdup_printf("The message already carries this list's "
						      "List-Id <%s>: it is looping",
						      list_id);
			return PGL_ACTION_DISCARD;
		}
	}
	for (guint i = 0; i < been_there->len; i++) {
		g_autofree gchar *value = g_strstrip(g_strdup(been_there->pdata[i]));

		if (g_ascii_strcasecmp(value, posting->list->address) == 0) {
			*reason_out = g_strdup("Message has already been posted to this list "
					       "(X-BeenThere)");
			return PGL_ACTION_DISCARD;
		}
	}
	received = pgl_mail_count_headers(posting->message, "Received");
	if (received > config->max_received) {
		*reason_out = g_strdup_printf("The message has %u Received: headers, more than the "
					      "%u allowed: it is probably looping",
					      received, config->max_received);
		return PGL_ACTION_DISCARD;
	}
	return PGL_ACTION_DEFER;
}

const PglRule pgl_rule_loop = {"loop", check};
