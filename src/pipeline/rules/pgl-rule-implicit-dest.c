/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "implicit-dest" (cf. Mailman 3 rules/implicit_dest.py): when
 * require_explicit_destination is on, a post that does not name the list in To:, Cc:,
 * Resent-To: or Resent-Cc: is held: it reached us by Bcc, which is how much spam arrives. The
 * list's posting address counts, and so does any entry of acceptable_aliases (an address or a
 * ^regex per line).
 */
#include "pipeline/pgl-rule.h"

#include "core/pgl-address.h"
#include "mail/pgl-mail-headers.h"

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	static const gchar *const headers[] = {"To", "Cc", "Resent-To", "Resent-Cc", NULL};
	g_autoptr(GPtrArray) recipients = NULL;
	g_auto(GStrv) aliases = NULL;

	if (!pgl_list_get_bool(posting->list, "require_explicit_destination"))
		return PGL_ACTION_DEFER;
	recipients = pgl_mail_get_addresses(posting->message, headers, NULL);
	aliases = pgl_list_get_patterns(posting->list, "acceptable_aliases");
	for (guint i = 0; i < recipients->len; i++) {
		const gchar *recipient = recipients->pdata[i];

		if (g_ascii_strcasecmp(recipient, posting->list->address) == 0)
			return PGL_ACTION_DEFER;
		for (guint j = 0; aliases[j] != NULL; j++) {
			if (pgl_address_match_pattern(aliases[j], recipient))
				return PGL_ACTION_DEFER;
		}
	}
	*reason_out = g_strdup_printf("Message has implicit destination: the list address %s is "
				      "not in To: or Cc:",
				      posting->list->address);
	return PGL_ACTION_HOLD;
}

const PglRule pgl_rule_implicit_dest = {"implicit-dest", check};
