/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "pgp-sender-key" (PGP lists): a post from someone the list knows (a member, owner,
 * moderator or non-member row) whose address has no key, or a key not yet confirmed, is
 * rejected: nothing they send can count as signed by them, and telling them why is the helpful
 * answer. Strangers without a key fall through to the signature rule (invalid: unknown key).
 */
#include "pipeline/pgl-rule.h"

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	if (posting->pgp == NULL || posting->sender_roles == NULL ||
	    posting->sender_roles->len == 0)
		return PGL_ACTION_DEFER;
	if (!posting->pgp->sender_has_key) {
		*reason_out = g_strdup_printf("The list has no OpenPGP key for %s: set and confirm "
					      "your key before you post",
					      posting->sender);
		return PGL_ACTION_REJECT;
	}
	if (!posting->pgp->sender_key_confirmed) {
		*reason_out = g_strdup_printf("The OpenPGP key of %s is not confirmed yet: confirm "
					      "it before you post",
					      posting->sender);
		return PGL_ACTION_REJECT;
	}
	return PGL_ACTION_DEFER;
}

const PglRule pgl_rule_pgp_sender_key = {"pgp-sender-key", check};
