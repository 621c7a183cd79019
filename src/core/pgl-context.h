/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "core/pgl-config.h"

G_BEGIN_DECLS

typedef struct _PglContext PglContext;

PglContext *pgl_context_new(PglConfig *config, GError **error);
PglContext *pgl_context_ref(PglContext *ctx);
void pgl_context_unref(PglContext *ctx);
const PglConfig *pgl_context_get_config(PglContext *ctx);
const gchar *pgl_context_get_var_dir(PglContext *ctx);
const gchar *pgl_context_get_db_path(PglContext *ctx);
const gchar *pgl_context_get_queue_dir(PglContext *ctx);
const gchar *pgl_context_get_hostname(PglContext *ctx);
gint64 pgl_context_now(PglContext *ctx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglContext, pgl_context_unref)

G_END_DECLS
