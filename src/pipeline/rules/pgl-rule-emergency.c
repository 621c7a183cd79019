/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "emergency" (cf. Mailman 3 rules/emergency.py): while the list's emergency setting is
 * on, every post not pre-approved by the moderator password is held, members' included.
 */
#include "pipeline/pgl-rule.h"

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	if (!pgl_list_get_bool(posting->list, "emergency"))
		return PGL_ACTION_DEFER;
	*reason_out = g_strdup("The list is in emergency hold: every post is held for the "
			       "moderators");
	return PGL_ACTION_HOLD;
}

const PglRule pgl_rule_emergency = {"emergency", check};
