/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The interface of a posting rule (cf. GNU Mailman 3's IRule), one implementation per file in
 * rules/. A rule looks at a posting and either decides (accept, hold, reject, discard, with a
 * reason) or defers to the next rule. Rules are pure: no I/O, no store; what they need from the
 * store the caller put in the #PglPosting. The order and meaning of the decisions is the chain's
 * (pgl-chain.c).
 */
#pragma once

#include "pipeline/pgl-posting.h"

G_BEGIN_DECLS

/**
 * PglRule:
 * @name: the rule's name, as logged and shown in verdicts ("max-size")
 * @check: looks at the posting; returns %PGL_ACTION_DEFER for "no decision", or an action
 *   with *@reason_out set to a newly allocated human-readable reason
 */
typedef struct {
	const gchar *name;
	PglAction (*check)(PglPosting *posting, gchar **reason_out);
} PglRule;

extern const PglRule pgl_rule_pgp_encrypted;
extern const PglRule pgl_rule_pgp_sender_key;
extern const PglRule pgl_rule_pgp_inline;
extern const PglRule pgl_rule_pgp_signature;
extern const PglRule pgl_rule_pgp_duplicate;
extern const PglRule pgl_rule_approved;
extern const PglRule pgl_rule_emergency;
extern const PglRule pgl_rule_loop;
extern const PglRule pgl_rule_banned_address;
extern const PglRule pgl_rule_member_moderation;
extern const PglRule pgl_rule_nonmember_moderation;
extern const PglRule pgl_rule_administrivia;
extern const PglRule pgl_rule_implicit_dest;
extern const PglRule pgl_rule_max_recipients;
extern const PglRule pgl_rule_max_size;
extern const PglRule pgl_rule_no_subject;
extern const PglRule pgl_rule_suspicious_header;

G_END_DECLS
