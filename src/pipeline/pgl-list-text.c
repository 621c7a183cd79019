/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Text derived from list settings. The placeholders msg_header and msg_footer may use (after
 * Mailman 3's decoration variables): $display_name, $list_name, $list_domain, $list_address,
 * $list_id, $list_request, $list_join, $list_leave, $list_owner, $description. The List-Id
 * (RFC 2919 §3) is "name.domain": the list address with '@' turned into '.', which is unique
 * because the address is.
 */
#include "pipeline/pgl-list-text.h"

#include "core/pgl-template.h"

static void
put(GHashTable *variables, const gchar *name, gchar *value)
{
	g_hash_table_insert(variables, g_strdup(name), value);
}

/**
 * pgl_list_text_variables:
 * @list: a list
 *
 * Returns: (transfer full) (element-type utf8 utf8): placeholder name -> value
 */
GHashTable *
pgl_list_text_variables(const PglList *list)
{
	GHashTable *variables = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	put(variables, "display_name", pgl_list_get_display_name(list));
	put(variables, "list_name", g_strdup(list->name));
	put(variables, "list_domain", g_strdup(list->domain));
	put(variables, "list_address", g_strdup(list->address));
	put(variables, "list_id", pgl_list_text_list_id(list));
	put(variables, "list_request", pgl_list_subaddress(list, "request"));
	put(variables, "list_join", pgl_list_subaddress(list, "join"));
	put(variables, "list_leave", pgl_list_subaddress(list, "leave"));
	put(variables, "list_owner", pgl_list_subaddress(list, "owner"));
	put(variables, "description", g_strdup(pgl_list_get(list, "description")));
	return variables;
}

/**
 * pgl_list_text_subject_prefix:
 * @list: a list
 *
 * Returns: (transfer full): subject_prefix with $display_name replaced ("" if none)
 */
gchar *
pgl_list_text_subject_prefix(const PglList *list)
{
	g_autoptr(GHashTable) variables = pgl_list_text_variables(list);

	return pgl_template_substitute(pgl_list_get(list, "subject_prefix"), variables);
}

/**
 * pgl_list_text_list_id:
 * @list: a list
 *
 * Returns: (transfer full): the RFC 2919 list-id, "name.domain", without angle brackets
 */
gchar *
pgl_list_text_list_id(const PglList *list)
{
	return g_strdup_printf("%s.%s", list->name, list->domain);
}
