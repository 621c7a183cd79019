/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PglDestination:
 * @PGL_DEST_POST: the posting address, list@domain
 * @PGL_DEST_REQUEST: list-request@domain, email commands
 * @PGL_DEST_OWNER: list-owner@domain, forwarded to the owners
 * @PGL_DEST_BOUNCES: list-bounces[+verp]@domain
 * @PGL_DEST_JOIN: list-join@domain
 * @PGL_DEST_LEAVE: list-leave@domain
 * @PGL_DEST_CONFIRM: list-confirm+TOKEN@domain
 */
typedef enum {
	PGL_DEST_POST,
	PGL_DEST_REQUEST,
	PGL_DEST_OWNER,
	PGL_DEST_BOUNCES,
	PGL_DEST_JOIN,
	PGL_DEST_LEAVE,
	PGL_DEST_CONFIRM,
} PglDestination;

gboolean pgl_router_parse(const gchar *recipient, gchar **list_address_out,
			  PglDestination *destination_out, gchar **extension_out);
const gchar *pgl_destination_to_string(PglDestination destination);
gboolean pgl_destination_is_command(PglDestination destination);

G_END_DECLS
