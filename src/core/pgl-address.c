/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Email addresses as pgplist stores and compares them: a bare local@domain (RFC 5321 §4.1.2
 * "Mailbox", dot-atom local parts only), at most 64/255/254 octets (§4.5.3.1), lower-cased so
 * that one person is one row. Quoted local parts and address literals are refused: nobody
 * subscribes with them, and they are a favourite of parser confusion attacks.
 */
#include "core/pgl-address.h"

#include "core/pgl-limits.h"

#include <string.h>

G_DEFINE_QUARK(pgl-address-error-quark, pgl_address_error)

static gboolean
atext(gchar c)
{
	/* RFC 5322 §3.2.3 atext */
	return g_ascii_isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static gboolean
dot_atom(const gchar *text, gsize len)
{
	gboolean last_dot = TRUE;

	if (len == 0)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (text[i] == '.') {
			if (last_dot)
				return FALSE;
			last_dot = TRUE;
		} else if (atext(text[i])) {
			last_dot = FALSE;
		} else {
			return FALSE;
		}
	}
	return !last_dot;
}

static gboolean
domain_ok(const gchar *domain, gsize len)
{
	gsize label = 0;

	if (len == 0 || len > PGL_LIMIT_DOMAIN_MAX || domain[0] == '.' || domain[len - 1] == '.' ||
	    domain[0] == '-')
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (domain[i] == '.') {
			if (label == 0 || domain[i - 1] == '-')
				return FALSE;
			label = 0;
		} else if (g_ascii_isalnum(domain[i]) || domain[i] == '-' || domain[i] == '_') {
			if (label == 0 && domain[i] == '-')
				return FALSE;
			if (++label > 63)
				return FALSE;
		} else {
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * pgl_address_normalize:
 * @address: an address as typed or received, without angle brackets or display name
 * @error: return location for a #GError (%PGL_ADDRESS_ERROR_INVALID)
 *
 * Returns: (transfer full) (nullable): the address, lower-cased, or %NULL if it is not valid
 */
gchar *
pgl_address_normalize(const gchar *address, GError **error)
{
	const gchar *at;
	gsize len;

	g_return_val_if_fail(address != NULL, NULL);
	len = strlen(address);
	at = strrchr(address, '@');
	if (len > PGL_LIMIT_ADDRESS_MAX || at == NULL || at == address ||
	    (gsize)(at - address) > PGL_LIMIT_LOCAL_PART_MAX || !dot_atom(address, at - address) ||
	    !domain_ok(at + 1, len - (at - address) - 1) || strchr(at + 1, '.') == NULL) {
		g_set_error_literal(error, PGL_ADDRESS_ERROR, PGL_ADDRESS_ERROR_INVALID,
				    "not a valid email address (want local@domain.tld)");
		return NULL;
	}
	return g_ascii_strdown(address, -1);
}

/**
 * pgl_address_parse_line:
 * @line: "addr", "<addr>", "Name <addr>" or "\"Name\" <addr>"
 * @address_out: (out) (transfer full): the normalised address
 * @display_name_out: (out) (transfer full) (optional): the display name, or %NULL
 * @error: return location for a #GError (%PGL_ADDRESS_ERROR_INVALID)
 *
 * Returns: %TRUE if @line holds one valid address
 */
gboolean
pgl_address_parse_line(const gchar *line, gchar **address_out, gchar **display_name_out,
		       GError **error)
{
	g_autofree gchar *copy = g_strstrip(g_strdup(line));
	g_autofree gchar *name = NULL;
	gchar *open = strrchr(copy, '<');
	const gchar *bare = copy;

	if (open != NULL) {
		gchar *close = strchr(open, '>');

		if (close == NULL || close[1] != '\0') {
			g_set_error(error, PGL_ADDRESS_ERROR, PGL_ADDRESS_ERROR_INVALID,
				    "unbalanced <> in \"%s\"", copy);
			return FALSE;
		}
		*close = '\0';
		*open = '\0';
		bare = open + 1;
		name = g_strstrip(g_strdup(copy));
		if (name[0] == '"') {
			gsize n = strlen(name);

			if (n < 2 || name[n - 1] != '"') {
				g_set_error(error, PGL_ADDRESS_ERROR, PGL_ADDRESS_ERROR_INVALID,
					    "unbalanced quotes in \"%s\"", line);
				return FALSE;
			}
			memmove(name, name + 1, n - 2);
			name[n - 2] = '\0';
		}
		if (name[0] == '\0')
			g_clear_pointer(&name, g_free);
		else if (!g_utf8_validate(name, -1, NULL)) {
			g_set_error_literal(error, PGL_ADDRESS_ERROR, PGL_ADDRESS_ERROR_INVALID,
					    "display name is not UTF-8");
			return FALSE;
		}
	}
	*address_out = pgl_address_normalize(bare, error);
	if (*address_out == NULL)
		return FALSE;
	if (display_name_out != NULL)
		*display_name_out = g_steal_pointer(&name);
	return TRUE;
}

/**
 * pgl_address_split:
 * @address: a normalised address
 * @local_out: (out) (transfer full): the local part
 * @domain_out: (out) (transfer full): the domain
 *
 * Returns: %FALSE if @address has no '@'
 */
gboolean
pgl_address_split(const gchar *address, gchar **local_out, gchar **domain_out)
{
	const gchar *at = strrchr(address, '@');

	if (at == NULL)
		return FALSE;
	*local_out = g_strndup(address, at - address);
	*domain_out = g_strdup(at + 1);
	return TRUE;
}

/**
 * pgl_address_match_pattern:
 * @pattern: an address (compared case-insensitively), or a regular expression if it starts
 *   with '^' (as in Mailman's accept/hold/reject/discard_these_nonmembers)
 * @address: a normalised address
 *
 * An invalid regular expression matches nothing and is logged: the caller's rule then takes its
 * default, which for moderation is to hold.
 *
 * Returns: %TRUE if @address matches
 */
gboolean
pgl_address_match_pattern(const gchar *pattern, const gchar *address)
{
	g_autoptr(GRegex) regex = NULL;
	g_autoptr(GError) error = NULL;

	if (pattern[0] != '^')
		return g_ascii_strcasecmp(pattern, address) == 0;
	regex = g_regex_new(pattern, G_REGEX_CASELESS, 0, &error);
	if (regex == NULL) {
		g_warning("invalid address pattern ignored: %s", error->message);
		return FALSE;
	}
	return g_regex_match(regex, address, 0, NULL);
}
