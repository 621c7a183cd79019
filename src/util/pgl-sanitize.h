/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PGL_SANITIZE_DEFAULT_MAX 200

gchar *pgl_sanitize(const gchar *text, gssize len, gsize max_out);

G_END_DECLS
