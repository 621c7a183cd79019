/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The posting pipeline (cf. Mailman 3's default-posting-pipeline): the handlers an accepted
 * post goes through, in this order, before delivery:
 *
 *   cleanse         remove approval passwords and receipt requests
 *   subject-prefix  "[List] " before the subject, once
 *   reply-to        Reply-To: policy (reply_goes_to_list, first_strip_reply_to)
 *   dmarc           From: rewritten to the list (dmarc_mitigate_action munge_from)
 *   rfc-2369        List-Id (RFC 2919), List-Help/-Post/-Subscribe/-Unsubscribe/-Owner
 *   x-beenthere     our loop stamp
 *   precedence      Precedence: list
 *   pgp-headers     PGP lists: the list's Autocrypt: and OpenPGP: headers
 *   decorate        msg_header/msg_footer, never touching signed or encrypted bytes
 *
 * dmarc runs after reply-to because it adds the poster to the Reply-To: the policy produced;
 * decorate runs last because it may restructure the body. On a PGP list, all of this happens to
 * the decrypted post; delivery then encrypts the result per recipient, so the prefix and footer
 * travel inside the encryption, and the Subject outside is "[...]". The first handler that fails stops
 * the pipeline; the message is then half-rewritten and must not be delivered.
 */
#include "pipeline/pgl-pipeline.h"

#include "mail/pgl-mail-headers.h"

G_DEFINE_QUARK(pgl-pipeline-error-quark, pgl_pipeline_error)

static const PglHandler *const handlers[] = {
	&pgl_handler_cleanse,	  &pgl_handler_subject_prefix, &pgl_handler_reply_to,
	&pgl_handler_dmarc,	  &pgl_handler_rfc2369,	       &pgl_handler_x_beenthere,
	&pgl_handler_precedence, &pgl_handler_pgp_headers,     &pgl_handler_decorate,
	NULL,
};

/**
 * pgl_pipeline_get_handlers:
 *
 * Returns: (transfer none): the handlers in pipeline order, %NULL-terminated
 */
const PglHandler *const *
pgl_pipeline_get_handlers(void)
{
	return handlers;
}

/**
 * pgl_pipeline_run:
 * @posting: an accepted posting; its message is rewritten in place
 * @error: return location for a #GError (%PGL_PIPELINE_ERROR_HANDLER)
 *
 * Runs every handler in order (see the file header).
 *
 * Returns: %TRUE if every handler succeeded
 */
gboolean
pgl_pipeline_run(PglPosting *posting, GError **error)
{
	g_return_val_if_fail(posting != NULL && GMIME_IS_MESSAGE(posting->message), FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	for (guint i = 0; handlers[i] != NULL; i++) {
		if (!handlers[i]->process(posting, error)) {
			g_prefix_error(error, "handler %s: ", handlers[i]->name);
			return FALSE;
		}
	}
	{
		g_autofree gchar *log_id = pgl_mail_get_log_id(posting->message);

		g_debug("%s: list=%s pipeline=done", log_id, posting->list->address);
	}
	return TRUE;
}
