/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "pgp-signature" (PGP lists; cf. mailman-pgp's "signature" rule): a post counts as signed
 * only by a signature over its whole content, made by the key bound to its From: address and
 * confirmed. Otherwise the list's action for what went wrong applies: unsigned_msg_action,
 * expired_sig_action (key or signature expired, or signed outside the freshness window),
 * revoked_sig_action (key or signing subkey revoked), invalid_sig_action (bad signature,
 * unknown or someone else's key).
 */
#include "pipeline/pgl-rule.h"

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	const gchar *setting;
	const gchar *what;
	PglAction action;

	if (posting->pgp == NULL)
		return PGL_ACTION_DEFER;
	switch (posting->pgp->signature) {
	case PGL_POSTING_SIGNATURE_GOOD:
		return PGL_ACTION_DEFER;
	case PGL_POSTING_SIGNATURE_UNSIGNED:
		setting = "unsigned_msg_action";
		what = "The message is not signed as a whole";
		break;
	case PGL_POSTING_SIGNATURE_EXPIRED:
		setting = "expired_sig_action";
		what = "The signature is expired or too old";
		break;
	case PGL_POSTING_SIGNATURE_REVOKED:
		setting = "revoked_sig_action";
		what = "The message is signed by a revoked key";
		break;
	case PGL_POSTING_SIGNATURE_INVALID:
	default:
		setting = "invalid_sig_action";
		what = "The signature is not valid";
		break;
	}
	action = pgl_list_get_action(posting->list, setting);
	if (action != PGL_ACTION_DEFER)
		*reason_out = g_strdup_printf("%s (%s)", what,
					      posting->pgp->detail ? posting->pgp->detail : "-");
	return action;
}

const PglRule pgl_rule_pgp_signature = {"pgp-signature", check};
