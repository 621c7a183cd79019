/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "approved" (cf. Mailman 3 rules/approved.py): a post carrying the list's
 * moderator_password is pre-approved and skips every later rule. The password may come in an
 * Approved:, Approve:, X-Approved: or X-Approve: header field, or, when there is no such field,
 * as the first non-blank line "Approved: password" of the first text/plain body part (for mail
 * clients that cannot add header fields). Text parts under multipart/signed or
 * multipart/encrypted are not searched: removing the line from them would change signed bytes.
 *
 * On a match the password is removed from the message before anything else sees it: all those
 * header fields, or the body line (plus the blank line after it), and any "Approved: password"
 * text in the other text parts (the HTML alternative of the same body, typically). This is the
 * only rule that edits the message. A wrong password is logged (without the password) and the
 * rule defers, as in Mailman: the post is then treated as if it carried none. An empty
 * moderator_password disables the rule.
 */
#include "pipeline/pgl-rule.h"

#include "mail/pgl-mail-body.h"
#include "mail/pgl-mail-headers.h"

#include <string.h>

static const gchar *const password_headers[] = {"Approved", "Approve", "X-Approved",
						"X-Approve", NULL};

static void
log_bad_password(PglPosting *posting, const gchar *where)
{
	g_autofree gchar *log_id = pgl_mail_get_log_id(posting->message);

	g_message("%s: list=%s rule=approved result=wrong-password where=%s", log_id,
		  posting->list->address, where);
}

/* Finds the first non-blank line; returns its start and end (end excludes the newline). */
static gboolean
first_line(const gchar *text, const gchar **start_out, const gchar **end_out)
{
	const gchar *p = text;

	while (*p != '\0') {
		const gchar *end = strchr(p, '\n');
		const gchar *q;

		if (end == NULL)
			end = p + strlen(p);
		for (q = p; q < end && g_ascii_isspace(*q); q++)
			;
		if (q < end) {
			*start_out = p;
			*end_out = end;
			return TRUE;
		}
		p = *end == '\n' ? end + 1 : end;
	}
	return FALSE;
}

static void
scrub_other_parts(PglPosting *posting, GMimeTextPart *done, const gchar *password)
{
	g_autoptr(GPtrArray) parts =
		pgl_mail_find_text_parts(posting->message, PGL_MAIL_TEXT_SKIP_PROTECTED);
	g_autofree gchar *escaped = g_regex_escape_string(password, -1);
	g_autofree gchar *pattern = g_strdup_printf("(?:x-)?approved?\\s*:\\s*%s", escaped);
	g_autoptr(GRegex) regex = g_regex_new(pattern, G_REGEX_CASELESS, 0, NULL);

	if (regex == NULL)
		return;
	for (guint i = 0; i < parts->len; i++) {
		GMimeTextPart *part = parts->pdata[i];
		g_autofree gchar *text = NULL;
		g_autofree gchar *cleaned = NULL;

		if (part == done)
			continue;
		text = pgl_mail_part_get_text(part);
		if (text == NULL || strstr(text, password) == NULL)
			continue;
		cleaned = g_regex_replace_literal(regex, text, -1, 0, "", 0, NULL);
		if (cleaned != NULL && strcmp(cleaned, text) != 0)
			pgl_mail_part_set_text(part, cleaned);
	}
}

/* The value of an "Approved: pw" first line of @text, or %NULL; the line's bounds go to
 * @start_out and @end_out. */
static gchar *
approved_line(const gchar *text, const gchar **start_out, const gchar **end_out)
{
	static const gchar *const prefixes[] = {"x-approved", "x-approve", "approved", "approve",
						NULL};
	g_autofree gchar *line = NULL;
	const gchar *value = NULL;

	if (text == NULL || !first_line(text, start_out, end_out))
		return NULL;
	line = g_strstrip(g_strndup(*start_out, *end_out - *start_out));
	for (guint i = 0; prefixes[i] != NULL && value == NULL; i++) {
		gsize n = strlen(prefixes[i]);
		const gchar *p = line + n;

		if (g_ascii_strncasecmp(line, prefixes[i], n) != 0)
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ':')
			value = p + 1;
	}
	return value != NULL ? g_strstrip(g_strdup(value)) : NULL;
}

/* The moderator password as the first line of a signed or encrypted part cannot be removed
 * without breaking the signature; delivered, it would tell every member the password. */
static PglAction
check_protected_body(PglPosting *posting, gchar **reason_out)
{
	GMimeTextPart *first = pgl_mail_find_text_part(posting->message, "plain",
						       PGL_MAIL_TEXT_NONE);
	GMimeTextPart *unprotected = pgl_mail_find_text_part(posting->message, "plain",
							     PGL_MAIL_TEXT_SKIP_PROTECTED);
	g_autofree gchar *text = NULL;
	g_autofree gchar *password = NULL;
	const gchar *start = NULL;
	const gchar *end = NULL;

	if (first == NULL || first == unprotected)
		return PGL_ACTION_DEFER;
	text = pgl_mail_part_get_text(first);
	password = approved_line(text, &start, &end);
	if (password == NULL ||
	    !pgl_list_check_password(posting->list, "moderator_password", password))
		return PGL_ACTION_DEFER;
	*reason_out = g_strdup("The moderator password is in the signed part of the message, where "
			       "it cannot be removed without breaking the signature; the post is "
			       "held so that the password does not reach the list");
	return PGL_ACTION_HOLD;
}

static PglAction
check_body(PglPosting *posting, gchar **reason_out)
{
	GMimeTextPart *part = pgl_mail_find_text_part(posting->message, "plain",
						      PGL_MAIL_TEXT_SKIP_PROTECTED);
	g_autofree gchar *text = NULL;
	g_autofree gchar *password = NULL;
	const gchar *start = NULL;
	const gchar *end = NULL;
	GString *rest;

	if (part == NULL)
		return check_protected_body(posting, reason_out);
	text = pgl_mail_part_get_text(part);
	password = approved_line(text, &start, &end);
	if (password == NULL)
		return check_protected_body(posting, reason_out);
	if (!pgl_list_check_password(posting->list, "moderator_password", password)) {
		log_bad_password(posting, "body");
		return PGL_ACTION_DEFER;
	}
	/* Remove the line, and the blank line that usually separates it from the text. */
	rest = g_string_new_len(text, start - text);
	if (*end == '\n')
		end++;
	if (*end == '\n')
		end++;
	g_string_append(rest, end);
	pgl_mail_part_set_text(part, rest->str);
	g_string_free(rest, TRUE);
	scrub_other_parts(posting, part, password);
	*reason_out = g_strdup("Approved by a moderator (moderator password in the message body)");
	return PGL_ACTION_ACCEPT;
}

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	const gchar *value = NULL;
	g_autofree gchar *password = NULL;

	if (pgl_list_get(posting->list, "moderator_password")[0] == '\0')
		return PGL_ACTION_DEFER;
	for (guint i = 0; password_headers[i] != NULL && value == NULL; i++)
		value = pgl_mail_get_header(posting->message, password_headers[i]);
	if (value == NULL)
		return check_body(posting, reason_out);

	password = g_strstrip(g_strdup(value));
	if (!pgl_list_check_password(posting->list, "moderator_password", password)) {
		log_bad_password(posting, "header");
		return PGL_ACTION_DEFER;
	}
	for (guint i = 0; password_headers[i] != NULL; i++)
		pgl_mail_remove_headers(posting->message, password_headers[i]);
	*reason_out = g_strdup("Approved by a moderator (moderator password in the header)");
	return PGL_ACTION_ACCEPT;
}

const PglRule pgl_rule_approved = {"approved", check};
