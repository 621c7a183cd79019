/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handler "precedence" (cf. Mailman's CookHeaders): adds "Precedence: list" so that vacation
 * responders (RFC 3834 §2 asks them to honour it) do not answer the whole list. A Precedence:
 * the poster set (bulk, junk) is kept, as Mailman does.
 */
#include "pipeline/pgl-handler.h"

static gboolean
process(PglPosting *posting, GError **error)
{
	if (g_mime_object_get_header(GMIME_OBJECT(posting->message), "Precedence") == NULL)
		g_mime_object_append_header(GMIME_OBJECT(posting->message), "Precedence", "list",
					    NULL);
	return TRUE;
}

const PglHandler pgl_handler_precedence = {"precedence", process};
