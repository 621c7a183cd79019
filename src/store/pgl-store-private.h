/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the files of src/store/ share and nothing else sees: the layout of #PglStore and the
 * schema migration entry point.
 */
#pragma once

#include <sqlite3.h>

#include "store/pgl-store.h"

G_BEGIN_DECLS

struct _PglStore {
	PglContext *ctx; /* (owned) */
	sqlite3 *db;	 /* (owned) */
	guint schema_version;
};

gboolean pgl_store_schema_migrate(sqlite3 *db, guint *version_out, GError **error);
gboolean pgl_store_domain_ensure(PglStore *store, const gchar *domain, gint64 *domain_id_out,
				 GError **error);
void pgl_store_propagate_list_error(GError **error, GError *local_error, gint64 list_id);
gboolean pgl_store_seen_for_other(PglStore *store, const gchar *sql, gint64 list_id,
				  const gchar *key, const gchar *origin, gboolean *seen_out,
				  GError **error);

G_END_DECLS
