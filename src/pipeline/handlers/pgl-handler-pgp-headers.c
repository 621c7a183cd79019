/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handler "pgp-headers" (PGP lists): replaces whatever OpenPGP key announcements the poster's
 * copy carried (Autocrypt:, Autocrypt-Gossip:, OpenPGP:; they spoke for the poster's own
 * client, not for the list) with the list's: an Autocrypt: header (Autocrypt Level 1 §2.1)
 * carrying the list's minimal key, and an OpenPGP: header naming the list key's fingerprint
 * and that the list wants mail signed and encrypted (draft-josefsson-openpgp-mailnews-header).
 * The incoming runner prepared the values; plain lists are left alone.
 */
#include "pipeline/pgl-handler.h"

#include "mail/pgl-mail-headers.h"

static gboolean
process(PglPosting *posting, GError **error)
{
	g_autofree gchar *openpgp = NULL;

	if (posting->pgp == NULL)
		return TRUE;
	pgl_mail_remove_headers(posting->message, "Autocrypt");
	pgl_mail_remove_headers(posting->message, "Autocrypt-Gossip");
	pgl_mail_remove_headers(posting->message, "OpenPGP");
	if (posting->pgp->autocrypt != NULL) {
		GMimeHeaderList *headers = g_mime_object_get_header_list(
			GMIME_OBJECT(posting->message));
		g_auto(GStrv) words = g_strsplit(posting->pgp->autocrypt, " ", -1);
		g_autoptr(GString) raw = g_string_new(NULL);
		GMimeHeader *header;

		/* written as it is, folded at its spaces: GMime would treat the long base64 word
		 * as text and encode it (RFC 2047), which no Autocrypt reader undoes */
		for (guint i = 0; words[i] != NULL; i++)
			g_string_append_printf(raw, "%s%s", i == 0 ? " " : "\n ", words[i]);
		g_string_append_c(raw, '\n');
		g_mime_object_append_header(GMIME_OBJECT(posting->message), "Autocrypt",
					    "-", NULL);
		header = g_mime_header_list_get_header_at(
			headers, g_mime_header_list_get_count(headers) - 1);
		g_mime_header_set_raw_value(header, raw->str);
	}
	if (posting->pgp->list_fingerprint != NULL) {
		openpgp = g_strdup_printf("id=%s; preference=signencrypt",
					  posting->pgp->list_fingerprint);
		g_mime_object_append_header(GMIME_OBJECT(posting->message), "OpenPGP", openpgp,
					    NULL);
	}
	return TRUE;
}

const PglHandler pgl_handler_pgp_headers = {"pgp-headers", process};
