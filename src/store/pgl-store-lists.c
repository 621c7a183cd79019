/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lists and their settings. A list is a name in a domain, both kept lower case and compared
 * without regard to ASCII case. Only settings that differ from the default have a row (see
 * pgl-list.c), so changing a default in the code changes it for every list that did not set it.
 * A list is read with its settings in one statement, so the caller sees one consistent snapshot
 * even while the CLI is changing the list.
 */
#include "store/pgl-store-private.h"

#include "store/pgl-db.h"

#include <string.h>

/* columns 0-2: the list; 3-4: one setting (NULL if the list has none) */
#define LIST_SELECT                                                                                \
	"SELECT l.id, l.name, d.name, s.name, s.value FROM lists l "                               \
	"JOIN domains d ON d.id = l.domain_id "                                                    \
	"LEFT JOIN list_settings s ON s.list_id = l.id "

/* Reads rows of LIST_SELECT, grouped by list, into PglLists. */
static GPtrArray *
lists_from_rows(sqlite3_stmt *stmt, GError **error)
{
	g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func((GDestroyNotify)pgl_list_free);
	PglList *list = NULL; /* (unowned) the last one in lists */
	PglDbStep step;

	while ((step = pgl_db_step(stmt, error)) == PGL_DB_STEP_ROW) {
		gint64 id = sqlite3_column_int64(stmt, 0);

		if (list == NULL || list->id != id) {
			list = pgl_list_new(id, (const gchar *)sqlite3_column_text(stmt, 1),
					    (const gchar *)sqlite3_column_text(stmt, 2));
			g_ptr_array_add(lists, list);
		}
		if (sqlite3_column_type(stmt, 3) != SQLITE_NULL) {
			g_hash_table_insert(list->settings, pgl_db_column_text(stmt, 3),
					    pgl_db_column_text(stmt, 4));
		}
	}
	if (step == PGL_DB_STEP_ERROR)
		return NULL;
	return g_steal_pointer(&lists);
}

static PglList *
one_list(sqlite3_stmt *stmt, const gchar *what, GError **error)
{
	g_autoptr(GPtrArray) lists = lists_from_rows(stmt, error);

	if (lists == NULL)
		return NULL;
	if (lists->len == 0) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND, "no list %s", what);
		return NULL;
	}
	return g_ptr_array_steal_index(lists, 0);
}

/* Splits "name@domain" at the last '@' into lower-case parts; FALSE if it has no such shape. */
static gboolean
split_list_address(const gchar *address, gchar **name_out, gchar **domain_out)
{
	const gchar *at = strrchr(address, '@');

	if (at == NULL || at == address || at[1] == '\0')
		return FALSE;
	*name_out = g_ascii_strdown(address, at - address);
	*domain_out = g_ascii_strdown(at + 1, -1);
	return TRUE;
}

static gboolean
settings_known(GHashTable *settings)
{
	GHashTableIter iter;
	gpointer name;
	gpointer value;

	if (settings == NULL)
		return TRUE;
	g_hash_table_iter_init(&iter, settings);
	while (g_hash_table_iter_next(&iter, &name, &value)) {
		if (!pgl_list_setting_exists(name) || value == NULL)
			return FALSE;
	}
	return TRUE;
}

static gboolean
is_default(const gchar *name, const gchar *value)
{
	return value == NULL || g_strcmp0(value, pgl_list_setting_default(name)) == 0;
}

/**
 * pgl_store_list_create:
 * @store: a store
 * @name: (not nullable): the list name (local part), already checked with
 *   pgl_list_parse_address(); stored lower case
 * @domain: (not nullable): the domain; added to the domains if new; stored lower case
 * @settings: (nullable): initial settings, name -> value as returned by
 *   pgl_list_setting_validate(); values equal to the default are not stored
 * @error: return location for a #GError
 *
 * Creates a list and its settings in one transaction (or savepoint, inside the caller's).
 *
 * Returns: (transfer full) (nullable): the new list with its settings, or %NULL with @error
 *   set (%PGL_STORE_ERROR_EXISTS if the list exists, %PGL_STORE_ERROR_FAILED)
 */
PglList *
pgl_store_list_create(PglStore *store, const gchar *name, const gchar *domain,
		      GHashTable *settings, GError **error)
{
	g_auto(PglDbTxn) txn = PGL_DB_TXN_INIT;
	g_autoptr(sqlite3_stmt) insert_list = NULL;
	g_autoptr(sqlite3_stmt) insert_setting = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(GError) local_error = NULL;
	g_autofree gchar *lower_name = NULL;
	g_autofree gchar *lower_domain = NULL;
	gint64 domain_id = 0;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(name != NULL && name[0] != '\0', NULL);
	g_return_val_if_fail(domain != NULL && domain[0] != '\0', NULL);
	g_return_val_if_fail(settings_known(settings), NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	lower_name = g_ascii_strdown(name, -1);
	lower_domain = g_ascii_strdown(domain, -1);
	if (!pgl_db_txn_begin(store->db, &txn, error) ||
	    !pgl_store_domain_ensure(store, lower_domain, &domain_id, error) ||
	    !pgl_db_prepare(store->db,
			    "INSERT INTO lists (name, domain_id, created) VALUES (?1, ?2, ?3)",
			    &insert_list, error) ||
	    !pgl_db_bind_text(insert_list, 1, lower_name, error) ||
	    !pgl_db_bind_int64(insert_list, 2, domain_id, error) ||
	    !pgl_db_bind_int64(insert_list, 3, pgl_context_now(store->ctx), error))
		return NULL;
	if (!pgl_db_step_done(insert_list, &local_error)) {
		if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS)) {
			g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS,
				    "list %s@%s already exists", lower_name, lower_domain);
			return NULL;
		}
		g_propagate_error(error, g_steal_pointer(&local_error));
		return NULL;
	}
	list = pgl_list_new(sqlite3_last_insert_rowid(store->db), lower_name, lower_domain);

	if (settings != NULL && g_hash_table_size(settings) > 0) {
		GHashTableIter iter;
		gpointer key;
		gpointer value;

		if (!pgl_db_prepare(store->db,
				    "INSERT INTO list_settings (list_id, name, value) "
				    "VALUES (?1, ?2, ?3)",
				    &insert_setting, error))
			return NULL;
		g_hash_table_iter_init(&iter, settings);
		while (g_hash_table_iter_next(&iter, &key, &value)) {
			if (is_default(key, value))
				continue;
			sqlite3_reset(insert_setting);
			if (!pgl_db_bind_int64(insert_setting, 1, list->id, error) ||
			    !pgl_db_bind_text(insert_setting, 2, key, error) ||
			    !pgl_db_bind_text(insert_setting, 3, value, error) ||
			    !pgl_db_step_done(insert_setting, error))
				return NULL;
			g_hash_table_insert(list->settings, g_strdup(key), g_strdup(value));
		}
	}
	if (!pgl_db_txn_commit(&txn, error))
		return NULL;
	return g_steal_pointer(&list);
}

/**
 * pgl_store_list_lookup:
 * @store: a store
 * @address: (not nullable): "name@domain", in any case
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the list with its settings, or %NULL with @error set
 *   (%PGL_STORE_ERROR_NOT_FOUND if there is no such list or @address is not name@domain,
 *   %PGL_STORE_ERROR_FAILED)
 */
PglList *
pgl_store_list_lookup(PglStore *store, const gchar *address, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autofree gchar *name = NULL;
	g_autofree gchar *domain = NULL;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(address != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!split_list_address(address, &name, &domain)) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
			    "no list %s (not name@domain)", address);
		return NULL;
	}
	if (!pgl_db_prepare(store->db, LIST_SELECT "WHERE l.name = ?1 AND d.name = ?2", &stmt,
			    error) ||
	    !pgl_db_bind_text(stmt, 1, name, error) || !pgl_db_bind_text(stmt, 2, domain, error))
		return NULL;
	return one_list(stmt, address, error);
}

/**
 * pgl_store_list_lookup_by_id:
 * @store: a store
 * @list_id: the row id of the list
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the list with its settings, or %NULL with @error set
 *   (%PGL_STORE_ERROR_NOT_FOUND, %PGL_STORE_ERROR_FAILED)
 */
PglList *
pgl_store_list_lookup_by_id(PglStore *store, gint64 list_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autofree gchar *what = NULL;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db, LIST_SELECT "WHERE l.id = ?1", &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error))
		return NULL;
	what = g_strdup_printf("with id %" G_GINT64_FORMAT, list_id);
	return one_list(stmt, what, error);
}

/**
 * pgl_store_list_all:
 * @store: a store
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PglList) (nullable): every list with its settings,
 *   sorted by address, freeing its elements; or %NULL with @error set (%PGL_STORE_ERROR_FAILED)
 */
GPtrArray *
pgl_store_list_all(PglStore *store, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	/* l.id second: a list's rows stay together even if two addresses compared equal */
	if (!pgl_db_prepare(store->db, LIST_SELECT "ORDER BY l.name || '@' || d.name, l.id", &stmt,
			    error))
		return NULL;
	return lists_from_rows(stmt, error);
}

/**
 * pgl_store_list_remove:
 * @store: a store
 * @address: (not nullable): "name@domain", in any case
 * @error: return location for a #GError
 *
 * Removes the list and everything that belongs to it: settings, members, held messages,
 * pending tokens, recorded Message-IDs, audit entries and bounces. The domain stays.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND,
 *   %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_list_remove(PglStore *store, const gchar *address, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autofree gchar *name = NULL;
	g_autofree gchar *domain = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(address != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!split_list_address(address, &name, &domain)) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
			    "no list %s (not name@domain)", address);
		return FALSE;
	}
	if (!pgl_db_prepare(store->db,
			    "DELETE FROM lists WHERE name = ?1 AND "
			    "domain_id = (SELECT id FROM domains WHERE name = ?2)",
			    &stmt, error) ||
	    !pgl_db_bind_text(stmt, 1, name, error) || !pgl_db_bind_text(stmt, 2, domain, error) ||
	    !pgl_db_step_done(stmt, error))
		return FALSE;
	if (sqlite3_changes64(store->db) == 0) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND, "no list %s",
			    address);
		return FALSE;
	}
	return TRUE;
}

static gboolean
list_exists(PglStore *store, gint64 list_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	if (!pgl_db_prepare(store->db, "SELECT 1 FROM lists WHERE id = ?1", &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error))
		return FALSE;
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_ROW:
		return TRUE;
	case PGL_DB_STEP_DONE:
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
			    "no list with id %" G_GINT64_FORMAT, list_id);
		return FALSE;
	case PGL_DB_STEP_ERROR:
		return FALSE;
	default:
		g_assert_not_reached();
	}
}

/**
 * pgl_store_list_set_setting:
 * @store: a store
 * @list_id: the row id of the list
 * @name: (not nullable): a setting name (pgl_list_setting_exists())
 * @value: (nullable): the value as returned by pgl_list_setting_validate(); %NULL or the
 *   default value resets the setting to its default (removes its row)
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND if there is no
 *   such list, %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_list_set_setting(PglStore *store, gint64 list_id, const gchar *name,
			   const gchar *value, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GError) local_error = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(name != NULL && pgl_list_setting_exists(name), FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (is_default(name, value)) {
		if (!pgl_db_prepare(store->db,
				    "DELETE FROM list_settings WHERE list_id = ?1 AND name = ?2",
				    &stmt, error) ||
		    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
		    !pgl_db_bind_text(stmt, 2, name, error) || !pgl_db_step_done(stmt, error))
			return FALSE;
		/* nothing removed: already the default, or no such list */
		if (sqlite3_changes64(store->db) == 0)
			return list_exists(store, list_id, error);
		return TRUE;
	}
	if (!pgl_db_prepare(store->db,
			    "INSERT INTO list_settings (list_id, name, value) VALUES (?1, ?2, ?3) "
			    "ON CONFLICT (list_id, name) DO UPDATE SET value = excluded.value",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
	    !pgl_db_bind_text(stmt, 2, name, error) || !pgl_db_bind_text(stmt, 3, value, error))
		return FALSE;
	if (!pgl_db_step_done(stmt, &local_error)) {
		pgl_store_propagate_list_error(error, g_steal_pointer(&local_error), list_id);
		return FALSE;
	}
	return TRUE;
}
