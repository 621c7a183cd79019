/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The posting chain, after GNU Mailman 3's default-posting-chain, with mailman-pgp's checks for
 * PGP lists in front (they do nothing on plain lists). The rules run in this order:
 *
 *   P1. pgp-encrypted       not encrypted to the list as a whole (nonencrypted_msg_action)
 *   P2. pgp-sender-key      a known sender without a confirmed key (reject)
 *   P3. pgp-inline          inline PGP (inline_pgp_action)
 *   P4. pgp-signature       unsigned, expired, revoked, invalid (their *_action settings)
 *   P5. pgp-duplicate       a replayed signature (duplicate_sig_action)
 *   1. approved             moderator_password in Approved:/Approve: or the first body line
 *   2. emergency            emergency mode holds everything
 *   3. loop                 our List-Id or X-BeenThere, or too many Received: (discard)
 *   4. banned-address       banned_addresses (reject)
 *   5. member-moderation    members, owners, moderators
 *   6. nonmember-moderation everyone else
 *   7. administrivia        commands sent to the posting address
 *   8. implicit-dest        list not named in To:/Cc:
 *   9. max-recipients       too many To:/Cc: addresses
 *  10. max-size             message too large
 *  11. no-subject           empty Subject:
 *  12. suspicious-header    bounce_matching_headers
 *
 * How the answers combine:
 * - DEFER: no opinion; the next rule runs.
 * - HOLD, REJECT, DISCARD from any rule: final. The chain stops and the verdict names that rule
 *   and its reason.
 * - ACCEPT from a PGP rule (the owner chose "accept" for, say, unsigned posts): the PGP
 *   checks are passed, and the ordinary rules still run. A PGP action of "accept" never
 *   skips moderation.
 * - ACCEPT from "approved" (a valid moderator password): final. Nothing after it runs, not even
 *   the loop check: the moderator vouched for the post.
 * - ACCEPT from any other rule (a member in good standing, an owner or moderator, a
 *   non-member on accept_these_nonmembers): "moderation passed", not "deliver now". The chain
 *   goes on, so that the remaining hold rules (administrivia, implicit destination, size...)
 *   still apply to members, as in Mailman 3. The moderation result is remembered.
 * - A post that no rule stopped is accepted; the verdict names the moderation rule that
 *   accepted it (or "accept" if none spoke) and says why.
 * A rule that meets something it cannot evaluate (an invalid pattern in a setting) fails
 * closed: it holds, with the reason saying what is wrong.
 *
 * Every verdict is logged (g_info, one key=value line with the message id); the caller records
 * it in the audit table.
 */
#include "pipeline/pgl-chain.h"

#include "mail/pgl-mail-headers.h"
#include "util/pgl-sanitize.h"

typedef struct {
	const PglRule *rule;
	gboolean accept_is_final;
} ChainLink;

static const ChainLink chain[] = {
	{&pgl_rule_pgp_encrypted, FALSE},
	{&pgl_rule_pgp_sender_key, FALSE},
	{&pgl_rule_pgp_inline, FALSE},
	{&pgl_rule_pgp_signature, FALSE},
	{&pgl_rule_pgp_duplicate, FALSE},
	{&pgl_rule_approved, TRUE},
	{&pgl_rule_emergency, FALSE},
	{&pgl_rule_loop, FALSE},
	{&pgl_rule_banned_address, FALSE},
	{&pgl_rule_member_moderation, FALSE},
	{&pgl_rule_nonmember_moderation, FALSE},
	{&pgl_rule_administrivia, FALSE},
	{&pgl_rule_implicit_dest, FALSE},
	{&pgl_rule_max_recipients, FALSE},
	{&pgl_rule_max_size, FALSE},
	{&pgl_rule_no_subject, FALSE},
	{&pgl_rule_suspicious_header, FALSE},
};

/**
 * pgl_chain_get_rules:
 *
 * Returns: (transfer none): the rules in chain order, %NULL-terminated
 */
const PglRule *const *
pgl_chain_get_rules(void)
{
	static const PglRule *rules[G_N_ELEMENTS(chain) + 1];
	static gsize initialised = 0;

	if (g_once_init_enter(&initialised)) {
		for (gsize i = 0; i < G_N_ELEMENTS(chain); i++)
			rules[i] = chain[i].rule;
		g_once_init_leave(&initialised, 1);
	}
	return rules;
}

static PglVerdict *
finish(PglPosting *posting, PglAction action, const gchar *rule, const gchar *reason)
{
	g_autofree gchar *log_id = pgl_mail_get_log_id(posting->message);
	g_autofree gchar *safe_sender = pgl_sanitize(posting->sender, -1, 100);
	g_autofree gchar *safe_reason = pgl_sanitize(reason, -1, 200);

	g_info("%s: list=%s sender=%s action=%s rule=%s reason=\"%s\"", log_id,
	       posting->list->address, safe_sender, pgl_action_to_string(action), rule,
	       safe_reason);
	return pgl_verdict_new(action, rule, reason);
}

/**
 * pgl_chain_run:
 * @posting: the posting to judge
 *
 * Runs the posting chain (semantics in the file header). Rules only read the posting, except
 * that an accepted Approved: password is removed from the message.
 *
 * Returns: (transfer full): the verdict; its action is never %PGL_ACTION_DEFER
 */
PglVerdict *
pgl_chain_run(PglPosting *posting)
{
	const gchar *accepted_by = NULL;
	g_autofree gchar *accepted_reason = NULL;

	g_return_val_if_fail(posting != NULL && posting->list != NULL, NULL);
	g_return_val_if_fail(GMIME_IS_MESSAGE(posting->message), NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(chain); i++) {
		const PglRule *rule = chain[i].rule;
		g_autofree gchar *reason = NULL;
		PglAction action = rule->check(posting, &reason);

		switch (action) {
		case PGL_ACTION_DEFER:
			g_assert(reason == NULL);
			continue;
		case PGL_ACTION_ACCEPT:
			if (chain[i].accept_is_final)
				return finish(posting, action, rule->name, reason);
			/* moderation passed: remember it, keep checking */
			accepted_by = rule->name;
			g_free(accepted_reason);
			accepted_reason = g_steal_pointer(&reason);
			continue;
		case PGL_ACTION_HOLD:
		case PGL_ACTION_REJECT:
		case PGL_ACTION_DISCARD:
			return finish(posting, action, rule->name,
				      reason != NULL ? reason : "held by a posting rule");
		default:
			g_assert_not_reached();
		}
	}
	if (accepted_reason == NULL)
		accepted_reason = g_strdup("The message passed all of the list's posting rules");
	return finish(posting, PGL_ACTION_ACCEPT, accepted_by != NULL ? accepted_by : "accept",
		      accepted_reason);
}
