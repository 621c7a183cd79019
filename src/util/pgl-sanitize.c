/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Text from the network (addresses, subjects, protocol lines) is made safe for log lines and
 * notices here: control characters and invalid UTF-8 become '?', and the result is truncated
 * (with "...") so a peer can neither forge log lines nor flood them (cf. Postfix printable(),
 * Dovecot str_sanitize()).
 */
#include "util/pgl-sanitize.h"

#include <string.h>

/**
 * pgl_sanitize:
 * @text: (nullable): untrusted text, any bytes
 * @len: its length, or -1 if NUL-terminated
 * @max_out: maximum number of bytes of @text kept (at least 4)
 *
 * Returns: (transfer full): printable UTF-8 text; "(null)" for %NULL
 */
gchar *
pgl_sanitize(const gchar *text, gssize len, gsize max_out)
{
	GString *out;
	const gchar *p;
	const gchar *end;

	if (text == NULL)
		return g_strdup("(null)");
	if (len < 0)
		len = (gssize)strlen(text);
	if (max_out < 4)
		max_out = 4;
	out = g_string_sized_new(MIN((gsize)len, max_out) + 4);
	p = text;
	end = text + len;
	while (p < end) {
		gunichar ch = g_utf8_get_char_validated(p, end - p);
		gsize n;

		if (ch == (gunichar)-1 || ch == (gunichar)-2) {
			ch = '?';
			n = 1;
		} else {
			n = g_utf8_next_char(p) - p;
			if (g_unichar_iscntrl(ch) || ch == 0x2028 || ch == 0x2029)
				ch = '?';
		}
		if (out->len + n > max_out) {
			g_string_append(out, "...");
			break;
		}
		g_string_append_unichar(out, ch);
		p += n;
	}
	return g_string_free(out, FALSE);
}
