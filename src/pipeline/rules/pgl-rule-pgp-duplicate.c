/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "pgp-duplicate" (PGP lists; replay protection): a post that carries a signature the
 * list has already seen on another post (same replay digest: the signature's hashed part and
 * the signed content, however re-armored or re-wrapped) gets duplicate_sig_action. Someone who
 * captured a member's post cannot make the list send it again.
 */
#include "pipeline/pgl-rule.h"

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	PglAction action;

	if (posting->pgp == NULL || !posting->pgp->replayed)
		return PGL_ACTION_DEFER;
	action = pgl_list_get_action(posting->list, "duplicate_sig_action");
	if (action != PGL_ACTION_DEFER)
		*reason_out = g_strdup("The message carries a signature the list has already seen "
				       "(a replayed post)");
	return action;
}

const PglRule pgl_rule_pgp_duplicate = {"pgp-duplicate", check};
