/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handler "rfc-2369" (cf. Mailman 3 handlers/rfc_2369.py): the list header fields. Any List-*
 * fields the post already carries (from another list, or forged) are removed first. Then:
 * - List-Id: "Display Name" <name.domain> (RFC 2919), always: the loop rule looks for it, and
 *   Mailman adds it regardless of include_rfc2369_headers too;
 * - when include_rfc2369_headers is on (RFC 2369 §3): List-Help <mailto:name-request@domain
 *   ?subject=help>, List-Post <mailto:name@domain> (or NO when allow_list_posts is off, §3.4),
 *   List-Subscribe <mailto:name-join@domain>, List-Unsubscribe <mailto:name-leave@domain>,
 *   List-Owner <mailto:name-owner@domain>. List-Archive is not added (no archive yet).
 */
#include "pipeline/pgl-handler.h"

#include "mail/pgl-mail-headers.h"
#include "pipeline/pgl-list-text.h"

#include <string.h>

static const gchar *const list_headers[] = {
	"List-Id",	    "List-Help",  "List-Post",	  "List-Subscribe",
	"List-Unsubscribe", "List-Owner", "List-Archive", NULL,
};

static gchar *
quoted_phrase(const gchar *text)
{
	GString *out = g_string_new("\"");

	for (const gchar *p = text; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_c(out, '\\');
		if (*p != '\r' && *p != '\n')
			g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
	return g_string_free(out, FALSE);
}

static void
add_mailto(GMimeObject *object, const gchar *name, const PglList *list, const gchar *suffix,
	   const gchar *query)
{
	g_autofree gchar *address = pgl_list_subaddress(list, suffix);
	g_autofree gchar *value = g_strdup_printf("<mailto:%s%s>", address, query);

	g_mime_object_append_header(object, name, value, NULL);
}

static gboolean
process(PglPosting *posting, GError **error)
{
	GMimeObject *object = GMIME_OBJECT(posting->message);
	const PglList *list = posting->list;
	g_autofree gchar *display_name = pgl_list_get_display_name(list);
	g_autofree gchar *phrase = quoted_phrase(display_name);
	g_autofree gchar *list_id = pgl_list_text_list_id(list);
	g_autofree gchar *list_id_value = g_strdup_printf("%s <%s>", phrase, list_id);

	for (guint i = 0; list_headers[i] != NULL; i++)
		pgl_mail_remove_headers(posting->message, list_headers[i]);
	g_mime_object_append_header(object, "List-Id", list_id_value, "utf-8");
	if (!pgl_list_get_bool(list, "include_rfc2369_headers"))
		return TRUE;
	add_mailto(object, "List-Help", list, "request", "?subject=help");
	if (pgl_list_get_bool(list, "allow_list_posts")) {
		g_autofree gchar *value = g_strdup_printf("<mailto:%s>", list->address);

		g_mime_object_append_header(object, "List-Post", value, NULL);
	} else {
		g_mime_object_append_header(object, "List-Post", "NO", NULL);
	}
	add_mailto(object, "List-Subscribe", list, "join", "");
	add_mailto(object, "List-Unsubscribe", list, "leave", "");
	add_mailto(object, "List-Owner", list, "owner", "");
	return TRUE;
}

const PglHandler pgl_handler_rfc2369 = {"rfc-2369", process};
