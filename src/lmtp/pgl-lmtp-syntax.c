/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Syntax of the LMTP envelope commands: the argument of MAIL FROM and RCPT TO (RFC 5321 §4.1.2),
 * mailbox syntax with the length limits of §4.5.3.1, the SIZE (RFC 1870) and BODY (RFC 6152)
 * parameters, and a log sanitiser. Everything here is pure and works on NUL-terminated text that
 * the session has already checked to be printable ASCII. We are strict in what we pass on: a
 * recipient is a dot-atom local part at a host name or address literal, with no quoting and no
 * 8-bit bytes (we do not offer SMTPUTF8), so the daemon can use it as a key without re-parsing.
 * The sender may have a quoted local part, since it only ends up in bounces.
 */
#include "lmtp/pgl-lmtp-syntax.h"

#include "util/pgl-sanitize.h"

#include <string.h>

/* RFC 5322 §3.2.3 atext */
static gboolean
is_atext(guchar c)
{
	return g_ascii_isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 5321 §4.1.2 Domain (sub-domains of letters, digits and inner hyphens, at most 63 bytes
 * each) or address-literal (any dtext between brackets; we do not look inside). */
static gboolean
domain_is_valid(const gchar *domain, gsize len)
{
	gsize label_len = 0;

	if (len == 0 || len > PGL_LMTP_DOMAIN_MAX)
		return FALSE;
	if (domain[0] == '[') {
		if (len < 3 || domain[len - 1] != ']')
			return FALSE;
		for (gsize i = 1; i < len - 1; i++) {
			guchar c = (guchar)domain[i];

			/* dtext: %d33-90 / %d94-126 (no '[', '\\', ']') */
			if (c < 33 || c > 126 || c == '[' || c == '\\' || c == ']')
				return FALSE;
		}
		return TRUE;
	}
	for (gsize i = 0; i <= len; i++) {
		guchar c = i < len ? (guchar)domain[i] : '.';

		if (c == '.') {
			if (label_len == 0 || domain[i - 1] == '-')
				return FALSE;
			label_len = 0;
		} else if (g_ascii_isalnum(c) || c == '-') {
			if (label_len == 0 && c == '-')
				return FALSE;
			if (++label_len > 63)
				return FALSE;
		} else {
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * pgl_lmtp_address_is_valid:
 * @address: (not nullable): a bare mailbox, without angle brackets
 * @allow_quoted: whether a quoted-string local part is acceptable
 *
 * Checks RFC 5321 Mailbox syntax: a dot-atom (or, if @allow_quoted, a quoted-string) local part of
 * at most %PGL_LMTP_LOCAL_PART_MAX bytes, "@", and a domain or address literal of at most
 * %PGL_LMTP_DOMAIN_MAX bytes; the whole at most %PGL_LMTP_ADDRESS_MAX bytes. Only printable
 * ASCII is accepted.
 *
 * Returns: %TRUE if @address is acceptable
 */
gboolean
pgl_lmtp_address_is_valid(const gchar *address, gboolean allow_quoted)
{
	const gchar *p = address;
	gsize len;

	g_return_val_if_fail(address != NULL, FALSE);

	len = strlen(address);
	if (len == 0 || len > PGL_LMTP_ADDRESS_MAX)
		return FALSE;

	if (*p == '"') {
		if (!allow_quoted)
			return FALSE;
		for (p++; *p != '"'; p++) {
			guchar c = (guchar)*p;

			if (c == '\\') {
				/* quoted-pairSMTP: backslash followed by %d32-126 */
				c = (guchar)*++p;
			}
			if (c < 32 || c > 126)
				return FALSE; /* includes the terminating NUL: unbalanced quote */
		}
		p++;
	} else {
		gboolean need_atext = TRUE; /* at the start or after a dot */

		for (; *p != '\0' && *p != '@'; p++) {
			if (*p == '.') {
				if (need_atext)
					return FALSE;
				need_atext = TRUE;
			} else if (is_atext((guchar)*p)) {
				need_atext = FALSE;
			} else {
				return FALSE;
			}
		}
		if (need_atext)
			return FALSE; /* empty local part or trailing dot */
	}
	if ((gsize)(p - address) > PGL_LMTP_LOCAL_PART_MAX || *p != '@')
		return FALSE;
	p++;
	return domain_is_valid(p, len - (gsize)(p - address));
}

/* Skips an obsolete source route "@a,@b:" (RFC 5321 §4.1.2 A-d-l), which §C says to accept and
 * ignore. Returns the position after the colon, or NULL if the route is malformed. */
static const gchar *
skip_source_route(const gchar *p)
{
	while (*p == '@') {
		const gchar *end = p + 1 + strcspn(p + 1, ",:>");

		if (!domain_is_valid(p + 1, (gsize)(end - p - 1)))
			return NULL;
		if (*end == ':')
			return end + 1;
		if (*end != ',')
			return NULL;
		p = end + 1;
	}
	return NULL;
}

/* Parses "<keyword><spaces><path>[ params]" where path is "<" [A-d-l ":"] mailbox ">" or "<>".
 * We are lenient on spaces (many clients write "MAIL FROM: <a@b>"). On success *address_out is
 * the bare mailbox ("" for "<>") and *params_out points into @args at the parameters. */
static PglLmtpParseResult
parse_path(const gchar *args, const gchar *keyword, gboolean is_sender, gchar **address_out,
	   const gchar **params_out)
{
	const gchar *p = args;
	const gchar *start;
	gboolean quoted = FALSE;
	gboolean routed = FALSE;
	g_autofree gchar *address = NULL;
	gsize keyword_len = strlen(keyword);

	while (*p == ' ')
		p++;
	if (g_ascii_strncasecmp(p, keyword, keyword_len) != 0)
		return PGL_LMTP_PARSE_BAD_SYNTAX;
	p += keyword_len;
	while (*p == ' ')
		p++;
	if (*p != '<')
		return PGL_LMTP_PARSE_BAD_SYNTAX;
	p++;
	if (*p == '@') {
		p = skip_source_route(p);
		if (p == NULL)
			return PGL_LMTP_PARSE_BAD_ADDRESS;
		routed = TRUE;
	}

	/* the closing bracket is the first '>' outside a quoted string */
	for (start = p; *p != '\0'; p++) {
		if (quoted) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				quoted = FALSE;
		} else if (*p == '"') {
			quoted = TRUE;
		} else if (*p == '>') {
			break;
		}
	}
	if (*p != '>')
		return PGL_LMTP_PARSE_BAD_SYNTAX;
	address = g_strndup(start, (gsize)(p - start));
	p++;
	if (*p != '\0' && *p != ' ')
		return PGL_LMTP_PARSE_BAD_SYNTAX;
	while (*p == ' ')
		p++;

	if (address[0] == '\0') {
		/* the null reverse-path is fine for MAIL (bounces), never for RCPT or after a
		 * source route */
		if (!is_sender || routed)
			return PGL_LMTP_PARSE_BAD_ADDRESS;
	} else if (!pgl_lmtp_address_is_valid(address, is_sender)) {
		return PGL_LMTP_PARSE_BAD_ADDRESS;
	}
	*address_out = g_steal_pointer(&address);
	*params_out = p;
	return PGL_LMTP_PARSE_OK;
}

/* RFC 5321 §4.1.2: esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"),
 * esmtp-value = 1*(%d33-60 / %d62-126). Splits @param in place at '='. */
static gboolean
split_param(gchar *param, const gchar **value_out)
{
	gchar *eq = strchr(param, '=');

	if (!g_ascii_isalnum(param[0]))
		return FALSE;
	for (const gchar *k = param; *k != '\0' && k != eq; k++) {
		if (!g_ascii_isalnum(*k) && *k != '-')
			return FALSE;
	}
	*value_out = NULL;
	if (eq == NULL)
		return TRUE;
	*eq = '\0';
	if (eq[1] == '\0')
		return FALSE;
	for (const gchar *v = eq + 1; *v != '\0'; v++) {
		guchar c = (guchar)*v;

		if (c < 33 || c > 126 || c == '=')
			return FALSE;
	}
	*value_out = eq + 1;
	return TRUE;
}

/* SIZE=1*20DIGIT (RFC 1870 §3); larger values saturate, they are only compared. */
static gboolean
parse_size(const gchar *value, guint64 *size_out)
{
	guint64 size = 0;

	if (value == NULL || *value == '\0')
		return FALSE;
	for (const gchar *v = value; *v != '\0'; v++) {
		guint digit;

		if (!g_ascii_isdigit(*v))
			return FALSE;
		digit = (guint)(*v - '0');
		if (size > (G_MAXUINT64 - digit) / 10)
			size = G_MAXUINT64;
		else
			size = size * 10 + digit;
	}
	*size_out = size;
	return TRUE;
}

/**
 * pgl_lmtp_parse_mail:
 * @args: (not nullable): the text after "MAIL ", e.g. "FROM:<a@b.example> SIZE=100"
 * @sender_out: (out) (transfer full): the reverse path without brackets, "" for "<>"
 * @params_out: (out caller-allocates): the SIZE and BODY parameters
 *
 * Parses the argument of MAIL (RFC 5321 §4.1.1.2) with the SIZE and BODY=7BIT|8BITMIME
 * parameters. The out parameters are set only on %PGL_LMTP_PARSE_OK.
 *
 * Returns: %PGL_LMTP_PARSE_OK or what is wrong
 */
PglLmtpParseResult
pgl_lmtp_parse_mail(const gchar *args, gchar **sender_out, PglLmtpMailParams *params_out)
{
	g_autofree gchar *sender = NULL;
	g_auto(GStrv) params = NULL;
	const gchar *params_text = NULL;
	PglLmtpMailParams result = {FALSE, 0, PGL_LMTP_BODY_UNSPECIFIED};
	PglLmtpParseResult rc;

	g_return_val_if_fail(args != NULL, PGL_LMTP_PARSE_BAD_SYNTAX);
	g_return_val_if_fail(sender_out != NULL, PGL_LMTP_PARSE_BAD_SYNTAX);
	g_return_val_if_fail(params_out != NULL, PGL_LMTP_PARSE_BAD_SYNTAX);

	rc = parse_path(args, "FROM:", TRUE, &sender, &params_text);
	if (rc != PGL_LMTP_PARSE_OK)
		return rc;

	params = g_strsplit(params_text, " ", -1);
	for (guint i = 0; params[i] != NULL; i++) {
		const gchar *value = NULL;

		if (params[i][0] == '\0')
			continue; /* several spaces */
		if (!split_param(params[i], &value))
			return PGL_LMTP_PARSE_BAD_PARAM;
		if (g_ascii_strcasecmp(params[i], "SIZE") == 0) {
			if (result.has_size || !parse_size(value, &result.size))
				return PGL_LMTP_PARSE_BAD_PARAM;
			result.has_size = TRUE;
		} else if (g_ascii_strcasecmp(params[i], "BODY") == 0) {
			if (result.body != PGL_LMTP_BODY_UNSPECIFIED || value == NULL)
				return PGL_LMTP_PARSE_BAD_PARAM;
			if (g_ascii_strcasecmp(value, "7BIT") == 0)
				result.body = PGL_LMTP_BODY_7BIT;
			else if (g_ascii_strcasecmp(value, "8BITMIME") == 0)
				result.body = PGL_LMTP_BODY_8BITMIME;
			else
				return PGL_LMTP_PARSE_BAD_PARAM;
		} else {
			return PGL_LMTP_PARSE_UNKNOWN_PARAM;
		}
	}

	*sender_out = g_steal_pointer(&sender);
	*params_out = result;
	return PGL_LMTP_PARSE_OK;
}

/**
 * pgl_lmtp_parse_rcpt:
 * @args: (not nullable): the text after "RCPT ", e.g. "TO:<a@b.example>"
 * @recipient_out: (out) (transfer full): the bare recipient address
 *
 * Parses the argument of RCPT (RFC 5321 §4.1.1.3). We support no RCPT parameters, and no quoted
 * local parts (see pgl_lmtp_address_is_valid()). @recipient_out is set only on
 * %PGL_LMTP_PARSE_OK.
 *
 * Returns: %PGL_LMTP_PARSE_OK or what is wrong
 */
PglLmtpParseResult
pgl_lmtp_parse_rcpt(const gchar *args, gchar **recipient_out)
{
	g_autofree gchar *recipient = NULL;
	g_autofree gchar *param = NULL;
	const gchar *params_text = NULL;
	const gchar *value = NULL;
	PglLmtpParseResult rc;

	g_return_val_if_fail(args != NULL, PGL_LMTP_PARSE_BAD_SYNTAX);
	g_return_val_if_fail(recipient_out != NULL, PGL_LMTP_PARSE_BAD_SYNTAX);

	rc = parse_path(args, "TO:", FALSE, &recipient, &params_text);
	if (rc != PGL_LMTP_PARSE_OK)
		return rc;
	if (*params_text != '\0') {
		/* report the first parameter: malformed or merely unsupported */
		param = g_strndup(params_text, strcspn(params_text, " "));
		return split_param(param, &value) ? PGL_LMTP_PARSE_UNKNOWN_PARAM
						  : PGL_LMTP_PARSE_BAD_PARAM;
	}
	*recipient_out = g_steal_pointer(&recipient);
	return PGL_LMTP_PARSE_OK;
}

/**
 * pgl_lmtp_sanitize:
 * @text: (nullable): untrusted bytes from a peer
 * @len: length of @text, or -1 if NUL-terminated
 *
 * Makes peer text safe for a log line: pgl_sanitize() cut at %PGL_LMTP_LOG_TEXT_MAX bytes.
 *
 * Returns: (transfer full): printable text; "(null)" for %NULL
 */
gchar *
pgl_lmtp_sanitize(const gchar *text, gssize len)
{
	return pgl_sanitize(text, len, PGL_LMTP_LOG_TEXT_MAX);
}
