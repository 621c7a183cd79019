/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"

G_BEGIN_DECLS

gchar *pgl_template_render(PglContext *ctx, const gchar *name, GHashTable *variables,
			   GError **error);
gchar *pgl_template_substitute(const gchar *text, GHashTable *variables);

G_END_DECLS
