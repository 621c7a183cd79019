/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"
#include "core/pgl-list.h"
#include "queue/pgl-spool.h"
#include "store/pgl-store.h"

G_BEGIN_DECLS

gboolean pgl_moderation_decide(PglContext *ctx, PglStore *store, PglSpool *spool,
			       const PglList *list, gint64 held_id, PglAction action,
			       const gchar *reason, const gchar *actor, GError **error);

G_END_DECLS
