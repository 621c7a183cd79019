/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "member-moderation" (cf. Mailman 3 rules/moderation.py, MemberModeration): decides for
 * senders who are an owner, moderator or member of the list. Owners and moderators pass
 * moderation. A member's own moderation_action applies, or default_member_action when the member
 * has none (PGL_ACTION_DEFER in the row). "accept" means "passes moderation": the chain goes on
 * with the remaining checks (pgl-chain.c). Senders with none of these roles are left to
 * nonmember-moderation.
 */
#include "pipeline/pgl-rule.h"

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	const PglMember *member;
	PglAction action;

	if (pgl_posting_sender_has_role(posting, PGL_ROLE_OWNER)) {
		*reason_out = g_strdup("Post by a list owner");
		return PGL_ACTION_ACCEPT;
	}
	if (pgl_posting_sender_has_role(posting, PGL_ROLE_MODERATOR)) {
		*reason_out = g_strdup("Post by a list moderator");
		return PGL_ACTION_ACCEPT;
	}
	member = pgl_posting_sender_row(posting, PGL_ROLE_MEMBER);
	if (member == NULL)
		return PGL_ACTION_DEFER;
	action = member->moderation_action;
	if (action == PGL_ACTION_DEFER)
		action = pgl_list_get_action(posting->list, "default_member_action");

	switch (action) {
	case PGL_ACTION_ACCEPT:
		*reason_out = g_strdup("Post by a list member");
		return PGL_ACTION_ACCEPT;
	case PGL_ACTION_HOLD:
		*reason_out = g_strdup("Posts by this member are moderated: the message is held "
				       "for approval");
		return PGL_ACTION_HOLD;
	case PGL_ACTION_REJECT:
		*reason_out = g_strdup("Posts by this member are not accepted on this list");
		return PGL_ACTION_REJECT;
	case PGL_ACTION_DISCARD:
		*reason_out = g_strdup("Posts by this member are discarded by the list's "
				       "moderation settings");
		return PGL_ACTION_DISCARD;
	case PGL_ACTION_DEFER:
	default:
		/* the list default is validated never to be "defer": fail closed */
		*reason_out = g_strdup("The list's default member action is not usable");
		return PGL_ACTION_HOLD;
	}
}

const PglRule pgl_rule_member_moderation = {"member-moderation", check};
