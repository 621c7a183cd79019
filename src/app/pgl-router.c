/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Which list and which of its addresses a recipient is. Each list answers at its posting
 * address and at sub-addresses NAME-SUFFIX@DOMAIN; -bounces takes a VERP extension
 * (NAME-bounces+user=host@DOMAIN) and -confirm a token (NAME-confirm+TOKEN@DOMAIN), after the
 * '+' that Postfix's recipient_delimiter also uses. Pure string work; whether the list exists
 * is the caller's question.
 */
#include "app/pgl-router.h"

#include "core/pgl-address.h"

#include <string.h>

static const struct {
	const gchar *suffix;
	PglDestination destination;
	gboolean extension; /* may carry +extension */
} suffixes[] = {
	{"-request", PGL_DEST_REQUEST, FALSE}, {"-owner", PGL_DEST_OWNER, FALSE},
	{"-bounces", PGL_DEST_BOUNCES, TRUE},  {"-join", PGL_DEST_JOIN, FALSE},
	{"-leave", PGL_DEST_LEAVE, FALSE},     {"-confirm", PGL_DEST_CONFIRM, TRUE},
};

/**
 * pgl_router_parse:
 * @recipient: an envelope recipient
 * @list_address_out: (out) (transfer full): the list's posting address
 * @destination_out: (out): which of the list's addresses @recipient is
 * @extension_out: (out) (transfer full) (optional): the +extension, or %NULL
 *
 * Returns: %FALSE if @recipient cannot be an address of any list
 */
gboolean
pgl_router_parse(const gchar *recipient, gchar **list_address_out,
		 PglDestination *destination_out, gchar **extension_out)
{
	g_autofree gchar *address = pgl_address_normalize(recipient, NULL);
	g_autofree gchar *local = NULL;
	g_autofree gchar *domain = NULL;
	g_autofree gchar *extension = NULL;
	gchar *plus;

	if (address == NULL || !pgl_address_split(address, &local, &domain))
		return FALSE;
	plus = strchr(local, '+');
	if (plus != NULL) {
		extension = g_strdup(plus + 1);
		*plus = '\0';
	}
	for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		gsize local_len = strlen(local);
		gsize suffix_len = strlen(suffixes[i].suffix);

		if (local_len <= suffix_len || !g_str_has_suffix(local, suffixes[i].suffix))
			continue;
		if (extension != NULL && !suffixes[i].extension)
			return FALSE;
		if (suffixes[i].destination == PGL_DEST_CONFIRM &&
		    (extension == NULL || extension[0] == '\0'))
			return FALSE;
		local[local_len - suffix_len] = '\0';
		*list_address_out = g_strdup_printf("%s@%s", local, domain);
		*destination_out = suffixes[i].destination;
		if (extension_out != NULL)
			*extension_out = g_steal_pointer(&extension);
		return TRUE;
	}
	if (extension != NULL)
		return FALSE;
	*list_address_out = g_steal_pointer(&address);
	*destination_out = PGL_DEST_POST;
	if (extension_out != NULL)
		*extension_out = NULL;
	return TRUE;
}

const gchar *
pgl_destination_to_string(PglDestination destination)
{
	switch (destination) {
	case PGL_DEST_POST:
		return "post";
	case PGL_DEST_REQUEST:
		return "request";
	case PGL_DEST_OWNER:
		return "owner";
	case PGL_DEST_BOUNCES:
		return "bounces";
	case PGL_DEST_JOIN:
		return "join";
	case PGL_DEST_LEAVE:
		return "leave";
	case PGL_DEST_CONFIRM:
		return "confirm";
	default:
		g_assert_not_reached();
	}
}

/**
 * pgl_destination_is_command:
 *
 * Returns: %TRUE for the addresses whose mail goes to the command queue
 */
gboolean
pgl_destination_is_command(PglDestination destination)
{
	return destination == PGL_DEST_REQUEST || destination == PGL_DEST_JOIN ||
	       destination == PGL_DEST_LEAVE || destination == PGL_DEST_CONFIRM;
}
