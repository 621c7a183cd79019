/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "pgp-encrypted" (PGP lists; cf. mailman-pgp's "encryption" rule): a post whose content is
 * not encrypted to the list as a whole (not encrypted at all, or inline PGP blocks with clear
 * text around them) gets nonencrypted_msg_action.
 */
#include "pipeline/pgl-rule.h"

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	PglAction action;

	if (posting->pgp == NULL || posting->pgp->encrypted)
		return PGL_ACTION_DEFER;
	action = pgl_list_get_action(posting->list, "nonencrypted_msg_action");
	if (action == PGL_ACTION_DEFER)
		return action;
	*reason_out = g_strdup_printf("The message was not encrypted to the list's key as a "
				      "whole (%s)",
				      posting->pgp->detail ? posting->pgp->detail : "not encrypted");
	return action;
}

const PglRule pgl_rule_pgp_encrypted = {"pgp-encrypted", check};
