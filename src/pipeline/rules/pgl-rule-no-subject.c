/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "no-subject" (cf. Mailman 3 rules/no_subject.py): holds a post whose Subject: is missing
 * or empty once blanks and the list's own subject prefix are removed ("[List] " alone is empty).
 */
#include "pipeline/pgl-rule.h"

#include "mail/pgl-mail-headers.h"
#include "pipeline/pgl-list-text.h"

#include <string.h>

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	g_autofree gchar *subject = pgl_mail_get_subject(posting->message);
	g_autofree gchar *prefix = pgl_list_text_subject_prefix(posting->list);

	if (subject != NULL) {
		g_strstrip(subject);
		g_strstrip(prefix);
		if (prefix[0] != '\0' && g_str_has_prefix(subject, prefix)) {
			gsize cut = strlen(prefix);

			memmove(subject, subject + cut, strlen(subject) - cut + 1);
			g_strstrip(subject);
		}
		if (subject[0] != '\0')
			return PGL_ACTION_DEFER;
	}
	*reason_out = g_strdup("Message has no subject");
	return PGL_ACTION_HOLD;
}

const PglRule pgl_rule_no_subject = {"no-subject", check};
