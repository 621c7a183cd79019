/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fuzz target: the LMTP argument parsers (MAIL FROM / RCPT TO paths and parameters) and the
 * address checks the daemon applies to whatever the LMTP layer accepted (core address syntax,
 * list routing). Every byte here comes straight from a network peer.
 */
#include "pgl-fuzz.h"

#include "app/pgl-router.h"
#include "core/pgl-address.h"
#include "lmtp/pgl-lmtp-syntax.h"

#include <glib.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	g_autofree gchar *sender = NULL;
	g_autofree gchar *recipient = NULL;
	g_autofree gchar *sanitized = pgl_lmtp_sanitize((const gchar *)data, (gssize)size);
	PglLmtpMailParams params;

	if (pgl_lmtp_parse_mail(text, &sender, &params) == PGL_LMTP_PARSE_OK)
		g_assert(sender != NULL);
	if (pgl_lmtp_parse_rcpt(text, &recipient) == PGL_LMTP_PARSE_OK) {
		g_autofree gchar *list_address = NULL;
		g_autofree gchar *extension = NULL;
		g_autofree gchar *normal = pgl_address_normalize(recipient, NULL);
		PglDestination destination;

		if (pgl_router_parse(recipient, &list_address, &destination, &extension))
			g_assert(normal != NULL);
	}
	{
		g_autofree gchar *address = NULL;
		g_autofree gchar *name = NULL;

		if (pgl_address_parse_line(text, &address, &name, NULL))
			g_assert(g_utf8_validate(address, -1, NULL));
	}
	g_assert(g_utf8_validate(sanitized, -1, NULL));
	return 0;
}
