/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "banned-address" (cf. Mailman 3 rules/banned_address.py): posts from an address on
 * banned_addresses (an address, or a ^regex, per line) are rejected. Every sender identity of
 * the message is checked, not just the one moderation uses: each From: mailbox, each Sender:
 * mailbox, and the envelope sender, so a banned poster cannot slip through by putting a second
 * address in From:.
 */
#include "pipeline/pgl-rule.h"

#include "core/pgl-address.h"
#include "mail/pgl-mail-headers.h"

#include <string.h>

static gboolean
banned(GStrv patterns, const gchar *address)
{
	for (guint i = 0; patterns[i] != NULL; i++) {
		if (pgl_address_match_pattern(patterns[i], address))
			return TRUE;
	}
	return FALSE;
}

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	static const gchar *const headers[] = {"From", "Sender", NULL};
	g_auto(GStrv) patterns = pgl_list_get_patterns(posting->list, "banned_addresses");
	g_autoptr(GPtrArray) senders = NULL;

	if (patterns[0] == NULL)
		return PGL_ACTION_DEFER;
	senders = pgl_mail_get_addresses(posting->message, headers, NULL);
	if (posting->sender != NULL)
		g_ptr_array_add(senders, g_strdup(posting->sender));
	if (posting->envelope_from != NULL) {
		g_autofree gchar *bare = g_strdup(posting->envelope_from);
		gchar *normal;

		g_strstrip(bare);
		if (bare[0] == '<' && strlen(bare) >= 2) {
			bare[strlen(bare) - 1] = '\0';
			memmove(bare, bare + 1, strlen(bare));
		}
		normal = bare[0] != '\0' ? pgl_address_normalize(bare, NULL) : NULL;
		if (normal != NULL)
			g_ptr_array_add(senders, normal);
	}
	for (guint i = 0; i < senders->len; i++) {
		if (banned(patterns, senders->pdata[i])) {
			*reason_out = g_strdup_printf("The sender address %s is banned from this "
						      "list",
						      (const gchar *)senders->pdata[i]);
			return PGL_ACTION_REJECT;
		}
	}
	return PGL_ACTION_DEFER;
}

const PglRule pgl_rule_banned_address = {"banned-address", check};
