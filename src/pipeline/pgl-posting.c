/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Postings and verdicts: plain data with constructors, so that the incoming runner and the
 * tests build them the same way. The sender is computed once here (pgl_mail_sender()), and
 * every rule uses that one answer to "who posted this".
 */
#include "pipeline/pgl-posting.h"

#include "mail/pgl-mail-headers.h"

/**
 * pgl_posting_new:
 * @ctx: the context
 * @list: the list posted to
 * @message: the parsed message
 * @raw_size: its size as received, in bytes
 * @envelope_from: (nullable): the envelope sender
 * @sender_roles: (nullable) (element-type PglMember): the sender's rows on @list, resolved by
 *   the caller from pgl_mail_sender() of the same message (every role)
 *
 * All arguments are borrowed and must outlive the posting.
 *
 * Returns: (transfer full): the posting, with its sender computed
 */
PglPosting *
pgl_posting_new(PglContext *ctx, const PglList *list, GMimeMessage *message, gsize raw_size,
		const gchar *envelope_from, GPtrArray *sender_roles)
{
	PglPosting *posting;

	g_return_val_if_fail(ctx != NULL && list != NULL, NULL);
	g_return_val_if_fail(GMIME_IS_MESSAGE(message), NULL);
	posting = g_new0(PglPosting, 1);
	posting->ctx = ctx;
	posting->list = list;
	posting->message = message;
	posting->raw_size = raw_size;
	posting->envelope_from = envelope_from;
	posting->sender = pgl_mail_sender(message, envelope_from);
	posting->sender_roles = sender_roles;
	return posting;
}

/**
 * pgl_posting_free:
 * @posting: (nullable): a posting
 *
 * Frees @posting and its sender; the borrowed members are left alone.
 */
void
pgl_posting_free(PglPosting *posting)
{
	if (posting == NULL)
		return;
	g_free(posting->sender);
	g_clear_pointer(&posting->pgp, pgl_posting_pgp_free);
	g_free(posting);
}

void
pgl_posting_pgp_free(PglPostingPgp *pgp)
{
	if (pgp == NULL)
		return;
	g_free(pgp->detail);
	g_free(pgp->autocrypt);
	g_free(pgp->list_fingerprint);
	g_free(pgp);
}

/**
 * pgl_posting_signature_to_string:
 *
 * Returns: (transfer none): "good", "unsigned", "expired", "revoked" or "invalid"
 */
const gchar *
pgl_posting_signature_to_string(PglPostingSignature signature)
{
	switch (signature) {
	case PGL_POSTING_SIGNATURE_GOOD:
		return "good";
	case PGL_POSTING_SIGNATURE_UNSIGNED:
		return "unsigned";
	case PGL_POSTING_SIGNATURE_EXPIRED:
		return "expired";
	case PGL_POSTING_SIGNATURE_REVOKED:
		return "revoked";
	case PGL_POSTING_SIGNATURE_INVALID:
		return "invalid";
	default:
		g_return_val_if_reached("invalid");
	}
}

/**
 * pgl_posting_sender_row:
 * @posting: a posting
 * @role: a role
 *
 * Returns: (transfer none) (nullable): the sender's row with @role on the list, if any
 */
const PglMember *
pgl_posting_sender_row(const PglPosting *posting, PglRole role)
{
	g_return_val_if_fail(posting != NULL, NULL);
	if (posting->sender_roles == NULL)
		return NULL;
	for (guint i = 0; i < posting->sender_roles->len; i++) {
		const PglMember *member = posting->sender_roles->pdata[i];

		if (member != NULL && member->role == role)
			return member;
	}
	return NULL;
}

/**
 * pgl_posting_sender_has_role:
 *
 * Returns: %TRUE if the sender has a row with @role on the list
 */
gboolean
pgl_posting_sender_has_role(const PglPosting *posting, PglRole role)
{
	return pgl_posting_sender_row(posting, role) != NULL;
}

/**
 * pgl_verdict_new:
 *
 * Returns: (transfer full): a verdict with copies of @rule and @reason
 */
PglVerdict *
pgl_verdict_new(PglAction action, const gchar *rule, const gchar *reason)
{
	PglVerdict *verdict = g_new0(PglVerdict, 1);

	verdict->action = action;
	verdict->rule = g_strdup(rule);
	verdict->reason = g_strdup(reason);
	return verdict;
}

/**
 * pgl_verdict_free:
 * @verdict: (nullable): a verdict
 */
void
pgl_verdict_free(PglVerdict *verdict)
{
	if (verdict == NULL)
		return;
	g_free(verdict->rule);
	g_free(verdict->reason);
	g_free(verdict);
}
