/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "max-recipients" (cf. Mailman 3 rules/max_recipients.py): holds a post with
 * max_num_recipients or more mailboxes in To: and Cc: together (groups flattened, malformed
 * addresses counted too), a sign of spam or of a cross-posting storm. 0 disables the rule.
 */
#include "pipeline/pgl-rule.h"

#include "mail/pgl-mail-headers.h"

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	guint max = pgl_list_get_uint(posting->list, "max_num_recipients");
	g_autoptr(GPtrArray) recipients = NULL;
	guint count = 0;

	if (max == 0)
		return PGL_ACTION_DEFER;
	recipients = pgl_mail_get_recipients(posting->message, &count);
	if (count < max)
		return PGL_ACTION_DEFER;
	*reason_out = g_strdup_printf("Message has too many recipients: %u in To: and Cc:, the "
				      "list holds posts with %u or more",
				      count, max);
	return PGL_ACTION_HOLD;
}

const PglRule pgl_rule_max_recipients = {"max-recipients", check};
