/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handler "x-beenthere" (cf. Mailman's CookHeaders): stamps the post with X-BeenThere: and the
 * list's posting address, the mark the loop rule looks for when a copy comes back. Stamps of
 * other lists the post went through are kept: each list recognises only its own.
 */
#include "pipeline/pgl-handler.h"

static gboolean
process(PglPosting *posting, GError **error)
{
	g_mime_object_append_header(GMIME_OBJECT(posting->message), "X-BeenThere",
				    posting->list->address, NULL);
	return TRUE;
}

const PglHandler pgl_handler_x_beenthere = {"x-beenthere", process};
