/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"

G_BEGIN_DECLS

gboolean pgl_daemon_run(PglContext *ctx, GError **error);

G_END_DECLS
