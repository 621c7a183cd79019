/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "suspicious-header" (cf. Mailman 3 rules/suspicious.py): holds a post with a top-level
 * header field matching a line of bounce_matching_headers, "Header-Name: regex" (regex PCRE,
 * case-insensitive, searched in the decoded value; lines starting with '#' are comments). A line
 * that cannot be used (no colon, invalid regex: possible only if the setting bypassed
 * validation) holds every post and says why: rules fail closed.
 */
#include "pipeline/pgl-rule.h"

#include "mail/pgl-mail-headers.h"
#include "util/pgl-sanitize.h"

#include <string.h>

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	g_auto(GStrv) lines = pgl_list_get_patterns(posting->list, "bounce_matching_headers");

	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *line = lines[i];
		const gchar *colon = strchr(line, ':');
		g_autofree gchar *name = NULL;
		g_autoptr(GRegex) regex = NULL;
		g_autoptr(GPtrArray) values = NULL;
		const gchar *pattern;

		if (line[0] == '#')
			continue;
		if (colon == NULL || colon == line) {
			*reason_out = g_strdup_printf("bounce_matching_headers line %u is not "
						      "\"Header: regex\"; holding every post",
						      i + 1);
			return PGL_ACTION_HOLD;
		}
		name = g_strstrip(g_strndup(line, colon - line));
		pattern = colon + 1;
		while (*pattern == ' ' || *pattern == '\t')
			pattern++;
		regex = g_regex_new(pattern, G_REGEX_CASELESS, 0, NULL);
		if (regex == NULL) {
			*reason_out = g_strdup_printf("bounce_matching_headers line %u is not a "
						      "valid regular expression; holding every "
						      "post",
						      i + 1);
			return PGL_ACTION_HOLD;
		}
		values = pgl_mail_get_header_values(posting->message, name);
		for (guint j = 0; j < values->len; j++) {
			if (g_regex_match(regex, values->pdata[j], 0, NULL)) {
				g_autofree gchar *safe = pgl_sanitize(values->pdata[j], -1, 80);

				/* a PGP list's header fields may come from inside the encryption
				 * (the real Subject): reasons go to logs and the database, so
				 * they name the line, never the value */
				if (posting->pgp != NULL)
					*reason_out = g_strdup_printf(
						"Header %s matched bounce_matching_headers line %u",
						name, i + 1);
				else
					*reason_out = g_strdup_printf("Header \"%s: %s\" matched a "
								      "bounce_matching_headers line",
								      name, safe);
				return PGL_ACTION_HOLD;
			}
		}
	}
	return PGL_ACTION_DEFER;
}

const PglRule pgl_rule_suspicious_header = {"suspicious-header", check};
