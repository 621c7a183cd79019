/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the relay has accepted, per outgoing message: src/delivery records each recipient the
 * MTA answered 2xx for, under the spool id of the original outgoing message (its "origin"), so
 * that a retry after a crash or a 4xx for some recipients never sends a second copy to those
 * who already have one. Rows are not tied to a list (an origin outlives nothing but its spool
 * file); pgl_store_delivered_expire() drops them once no retry can still be pending.
 */
#include "store/pgl-store-private.h"

#include "store/pgl-db.h"

/**
 * pgl_store_delivered_add:
 * @store: a store
 * @origin: (not nullable): the spool id of the original outgoing message
 * @addresses: (array length=n_addresses): recipients the relay accepted
 * @n_addresses: the number of @addresses
 * @now: the time of delivery
 * @error: return location for a #GError
 *
 * Records @addresses as delivered for @origin, all or none (one transaction, or a savepoint in
 * the caller's). Recording one twice is not an error.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_delivered_add(PglStore *store, const gchar *origin, const gchar *const *addresses,
			guint n_addresses, gint64 now, GError **error)
{
	g_auto(PglDbTxn) txn = PGL_DB_TXN_INIT;
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(origin != NULL, FALSE);
	g_return_val_if_fail(addresses != NULL || n_addresses == 0, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (n_addresses == 0)
		return TRUE;
	if (!pgl_db_txn_begin(store->db, &txn, error) ||
	    !pgl_db_prepare(store->db,
			    "INSERT INTO delivered (origin, address, time) VALUES (?1, ?2, ?3) "
			    "ON CONFLICT (origin, address) DO NOTHING",
			    &stmt, error) ||
	    !pgl_db_bind_text(stmt, 1, origin, error) || !pgl_db_bind_int64(stmt, 3, now, error))
		return FALSE;
	for (guint i = 0; i < n_addresses; i++) {
		g_return_val_if_fail(addresses[i] != NULL, FALSE);
		sqlite3_reset(stmt);
		if (!pgl_db_bind_text(stmt, 2, addresses[i], error) ||
		    !pgl_db_step_done(stmt, error))
			return FALSE;
	}
	return pgl_db_txn_commit(&txn, error);
}

/**
 * pgl_store_delivered_filter:
 * @store: a store
 * @origin: (not nullable): the spool id of the original outgoing message
 * @recipients: (array length=n_recipients): the recipients of a delivery attempt
 * @n_recipients: the number of @recipients
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type utf8) (nullable): copies of the @recipients not yet
 *   recorded as delivered for @origin, in their order, freeing its elements; or %NULL with
 *   @error set (%PGL_STORE_ERROR_FAILED)
 */
GPtrArray *
pgl_store_delivered_filter(PglStore *store, const gchar *origin,
			   const gchar *const *recipients, guint n_recipients, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GHashTable) done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func(g_free);
	PglDbStep step;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(origin != NULL, NULL);
	g_return_val_if_fail(recipients != NULL || n_recipients == 0, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	/* one query for the origin, not one per recipient: a list can have 10,000 */
	if (!pgl_db_prepare(store->db, "SELECT address FROM delivered WHERE origin = ?1", &stmt,
			    error) ||
	    !pgl_db_bind_text(stmt, 1, origin, error))
		return NULL;
	while ((step = pgl_db_step(stmt, error)) == PGL_DB_STEP_ROW)
		g_hash_table_add(done, pgl_db_column_text(stmt, 0));
	if (step == PGL_DB_STEP_ERROR)
		return NULL;
	for (guint i = 0; i < n_recipients; i++) {
		if (!g_hash_table_contains(done, recipients[i]))
			g_ptr_array_add(pending, g_strdup(recipients[i]));
	}
	return g_steal_pointer(&pending);
}

/**
 * pgl_store_delivered_expire:
 * @store: a store
 * @older_than: a time; records of deliveries before it are removed
 * @error: return location for a #GError
 *
 * Call it with a time before which no retry can still be pending (now minus the retry
 * give-up time, with a margin).
 *
 * Returns: the number removed; 0 with @error set on failure (%PGL_STORE_ERROR_FAILED)
 */
guint
pgl_store_delivered_expire(PglStore *store, gint64 older_than, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	sqlite3_int64 changes;

	g_return_val_if_fail(store != NULL, 0);
	g_return_val_if_fail(error == NULL || *error == NULL, 0);

	if (!pgl_db_prepare(store->db, "DELETE FROM delivered WHERE time < ?1", &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, older_than, error) || !pgl_db_step_done(stmt, error))
		return 0;
	changes = sqlite3_changes64(store->db);
	return changes > G_MAXUINT ? G_MAXUINT : (guint)changes;
}
