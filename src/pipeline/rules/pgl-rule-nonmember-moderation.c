/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "nonmember-moderation" (cf. Mailman 3 rules/moderation.py, NonmemberModeration): decides
 * for senders who are not owner, moderator or member. In order: a sender we cannot identify
 * (no valid From:, Sender: or envelope address) is held; then accept_these_nonmembers,
 * hold_these_nonmembers, reject_these_nonmembers, discard_these_nonmembers (address or ^regex
 * per line; the first list that matches decides); then the moderation_action of the sender's
 * nonmember row, if it has one; then default_nonmember_action. "accept" means "passes
 * moderation": the remaining checks still run (pgl-chain.c).
 */
#include "pipeline/pgl-rule.h"

#include "core/pgl-address.h"

typedef struct {
	const gchar *setting;
	PglAction action;
} PatternList;

static const PatternList pattern_lists[] = {
	{"accept_these_nonmembers", PGL_ACTION_ACCEPT},
	{"hold_these_nonmembers", PGL_ACTION_HOLD},
	{"reject_these_nonmembers", PGL_ACTION_REJECT},
	{"discard_these_nonmembers", PGL_ACTION_DISCARD},
};

static gchar *
reason_for(PglAction action, const gchar *why)
{
	switch (action) {
	case PGL_ACTION_ACCEPT:
		return g_strdup_printf("Post by a non-member allowed to post (%s)", why);
	case PGL_ACTION_HOLD:
		return g_strdup_printf("Post by non-member to a members-only list (%s)", why);
	case PGL_ACTION_REJECT:
		return g_strdup_printf("Posts by non-members are not accepted on this list (%s)",
				       why);
	case PGL_ACTION_DISCARD:
		return g_strdup_printf("Posts by this non-member are discarded (%s)", why);
	case PGL_ACTION_DEFER:
	default:
		return g_strdup(why);
	}
}

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	const PglMember *nonmember;
	PglAction action;

	if (pgl_posting_sender_has_role(posting, PGL_ROLE_OWNER) ||
	    pgl_posting_sender_has_role(posting, PGL_ROLE_MODERATOR) ||
	    pgl_posting_sender_has_role(posting, PGL_ROLE_MEMBER))
		return PGL_ACTION_DEFER;
	if (posting->sender == NULL) {
		*reason_out = g_strdup("The message has no valid sender address");
		return PGL_ACTION_HOLD;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(pattern_lists); i++) {
		g_auto(GStrv) patterns = pgl_list_get_patterns(posting->list,
							       pattern_lists[i].setting);

		for (guint j = 0; patterns[j] != NULL; j++) {
			if (pgl_address_match_pattern(patterns[j], posting->sender)) {
				const gchar *setting = pattern_lists[i].setting;
				g_autofree gchar *why =
					g_strdup_printf("sender matches %s", setting);

				*reason_out = reason_for(pattern_lists[i].action, why);
				return pattern_lists[i].action;
			}
		}
	}
	nonmember = pgl_posting_sender_row(posting, PGL_ROLE_NONMEMBER);
	if (nonmember != NULL && nonmember->moderation_action != PGL_ACTION_DEFER) {
		action = nonmember->moderation_action;
		*reason_out = reason_for(action, "moderation setting for this sender");
		return action;
	}
	action = pgl_list_get_action(posting->list, "default_nonmember_action");
	if (action == PGL_ACTION_DEFER) {
		/* validated never to be "defer": fail closed */
		*reason_out = g_strdup("The list's default non-member action is not usable");
		return PGL_ACTION_HOLD;
	}
	*reason_out = reason_for(action, "the list's default for non-members");
	return action;
}

const PglRule pgl_rule_nonmember_moderation = {"nonmember-moderation", check};
