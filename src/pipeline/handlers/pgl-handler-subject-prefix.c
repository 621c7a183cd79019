/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handler "subject-prefix" (cf. Mailman 3 handlers/subject_prefix.py): puts the list's
 * subject_prefix (with $display_name replaced) before the subject, once:
 * - a subject that already contains the prefix anywhere is left alone ("[P] Re: x" and
 *   "Re: [P] x" both stay as they are), compared case-insensitively without the prefix's
 *   surrounding blanks;
 * - otherwise a leading chain of reply markers (Re:, Aw:, Sv:, Vs:, possibly "Re[2]:") becomes
 *   a single "Re: " after the prefix: "Re: Re: x" -> "[P] Re: x";
 * - an empty subject becomes "[P] (no subject)".
 * The subject is handled decoded (RFC 2047) and written back as UTF-8, encoded by GMime as
 * needed, so encoded-word subjects and non-ASCII prefixes both work. An empty prefix disables
 * the handler.
 */
#include "pipeline/pgl-handler.h"

#include "mail/pgl-mail-headers.h"
#include "pipeline/pgl-list-text.h"

#include <string.h>

static gboolean
contains_caseless(const gchar *haystack, const gchar *needle)
{
	g_autofree gchar *folded_haystack = g_utf8_casefold(haystack, -1);
	g_autofree gchar *folded_needle = g_utf8_casefold(needle, -1);

	return strstr(folded_haystack, folded_needle) != NULL;
}

static gboolean
process(PglPosting *posting, GError **error)
{
	g_autofree gchar *prefix = pgl_list_text_subject_prefix(posting->list);
	g_autofree gchar *core = NULL;
	g_autofree gchar *subject = NULL;
	g_autoptr(GRegex) reply = NULL;
	g_autoptr(GMatchInfo) match = NULL;
	g_autofree gchar *result = NULL;
	const gchar *rest;
	gboolean is_reply = FALSE;

	core = g_strstrip(g_strdup(prefix));
	if (core[0] == '\0')
		return TRUE;
	subject = pgl_mail_get_subject(posting->message);
	if (subject == NULL)
		subject = g_strdup("");
	g_strstrip(subject);
	if (contains_caseless(subject, core))
		return TRUE;

	reply = g_regex_new("^(?:(?:re|aw|sv|vs)(?:\\[\\d+\\])?\\s*:\\s*)+", G_REGEX_CASELESS, 0,
			    NULL);
	g_assert(reply != NULL);
	rest = subject;
	if (g_regex_match(reply, subject, 0, &match)) {
		gint end = 0;

		g_match_info_fetch_pos(match, 0, NULL, &end);
		rest = subject + end;
		is_reply = TRUE;
	}
	if (rest[0] == '\0')
		rest = "(no subject)";
	/* the prefix keeps its own trailing blank ("[P] "); add one if it has none */
	result = g_strdup_printf("%s%s%s%s", prefix, g_str_has_suffix(prefix, " ") ? "" : " ",
				 is_reply ? "Re: " : "", rest);
	g_mime_message_set_subject(posting->message, result, "utf-8");
	return TRUE;
}

const PglHandler pgl_handler_subject_prefix = {"subject-prefix", process};
