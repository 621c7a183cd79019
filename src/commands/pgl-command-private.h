/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internals shared by the files of src/commands (not for other folders).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gchar *pgl_command_trimmed_copy(const gchar *line, gsize length);

G_END_DECLS
