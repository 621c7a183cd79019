/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <gmime/gmime.h>

#include "core/pgl-context.h"
#include "core/pgl-list.h"
#include "keys/pgl-list-crypto.h"
#include "queue/pgl-spool.h"
#include "store/pgl-store.h"

G_BEGIN_DECLS

gboolean pgl_notice_send(PglContext *ctx, PglStore *store, PglSpool *spool, const PglList *list,
			 PglListCrypto *list_crypto, const gchar *id,
			 const gchar *const *recipients, const gchar *subject,
			 const gchar *template_name, GHashTable *variables, GMimeMessage *original,
			 GError **error);
GHashTable *pgl_notice_variables(const PglList *list);
gboolean pgl_notice_may_answer(GMimeMessage *message, const gchar *envelope_from,
			       const gchar *sender);
gboolean pgl_notice_enqueue_message(PglContext *ctx, PglSpool *spool, const PglList *list,
				    const gchar *id, const gchar *const *recipients, GBytes *message,
				    GError **error);

G_END_DECLS
