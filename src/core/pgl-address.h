/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PGL_ADDRESS_ERROR (pgl_address_error_quark())
GQuark pgl_address_error_quark(void);

/**
 * PglAddressError:
 * @PGL_ADDRESS_ERROR_INVALID: not a usable local@domain address
 */
typedef enum {
	PGL_ADDRESS_ERROR_INVALID,
} PglAddressError;

gchar *pgl_address_normalize(const gchar *address, GError **error);
gboolean pgl_address_parse_line(const gchar *line, gchar **address_out, gchar **display_name_out,
				GError **error);
gboolean pgl_address_split(const gchar *address, gchar **local_out, gchar **domain_out);
gboolean pgl_address_match_pattern(const gchar *pattern, const gchar *address);

G_END_DECLS
