/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "pgp-inline" (PGP lists; cf. mailman-pgp's "inline_pgp" rule): a post in inline PGP
 * (armored blocks in text parts) rather than PGP/MIME gets inline_pgp_action; by default
 * (defer) it is judged like any other.
 */
#include "pipeline/pgl-rule.h"

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	PglAction action;

	if (posting->pgp == NULL || !posting->pgp->inline_pgp)
		return PGL_ACTION_DEFER;
	action = pgl_list_get_action(posting->list, "inline_pgp_action");
	if (action != PGL_ACTION_DEFER)
		*reason_out = g_strdup("The message uses inline PGP; the list asks for PGP/MIME "
				       "(RFC 3156)");
	return action;
}

const PglRule pgl_rule_pgp_inline = {"pgp-inline", check};
