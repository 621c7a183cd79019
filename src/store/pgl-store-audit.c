/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The audit trail and the bounce log. Every moderation and rule decision gets an audit row
 * (STYLE.md §7, cf. pglmj log_oper): what was done to which message, why, and by whom (a
 * moderator's address, "cli", or the rule). Bounces are recorded one row each, with the DSN
 * when there is one, for the bounce runner's scoring. Both go with their list when it is
 * removed.
 *
 * XXX: removing a list also removes its audit trail (ON DELETE CASCADE, as for everything of a
 * list); keeping it would need list_id SET NULL plus the list's address copied into the row.
 */
#include "store/pgl-store-private.h"

#include "store/pgl-db.h"

/**
 * pgl_audit_entry_free:
 * @entry: (nullable) (transfer full): an audit entry
 */
void
pgl_audit_entry_free(PglAuditEntry *entry)
{
	if (entry == NULL)
		return;
	g_free(entry->message_id);
	g_free(entry->action);
	g_free(entry->reason);
	g_free(entry->actor);
	g_free(entry);
}

/**
 * pgl_store_audit_add:
 * @store: a store
 * @list_id: the row id of the list
 * @message_id: (nullable): the Message-ID of the message acted on
 * @action: (not nullable): what was done ("accept", "hold", "reject", "discard", "approve"...)
 * @reason: (nullable): why (the rule that matched, a moderator's comment)
 * @actor: (nullable): who decided (a moderator's address, "cli", a rule name)
 * @now: the time of the decision
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND if there is no
 *   such list, %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_audit_add(PglStore *store, gint64 list_id, const gchar *message_id,
		    const gchar *action, const gchar *reason, const gchar *actor, gint64 now,
		    GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GError) local_error = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(action != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db,
			    "INSERT INTO audit (time, list_id, message_id, action, reason, actor) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, now, error) ||
	    !pgl_db_bind_int64(stmt, 2, list_id, error) ||
	    !pgl_db_bind_text(stmt, 3, message_id, error) ||
	    !pgl_db_bind_text(stmt, 4, action, error) ||
	    !pgl_db_bind_text(stmt, 5, reason, error) || !pgl_db_bind_text(stmt, 6, actor, error))
		return FALSE;
	if (!pgl_db_step_done(stmt, &local_error)) {
		pgl_store_propagate_list_error(error, g_steal_pointer(&local_error), list_id);
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_store_audit_list:
 * @store: a store
 * @list_id: the row id of the list
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PglAuditEntry) (nullable): the list's audit entries
 *   in the order they were added, freeing its elements (empty if none); or %NULL with @error
 *   set (%PGL_STORE_ERROR_FAILED)
 */
GPtrArray *
pgl_store_audit_list(PglStore *store, gint64 list_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GPtrArray) entries =
		g_ptr_array_new_with_free_func((GDestroyNotify)pgl_audit_entry_free);
	PglDbStep step;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db,
			    "SELECT id, time, list_id, message_id, action, reason, actor "
			    "FROM audit WHERE list_id = ?1 ORDER BY id",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error))
		return NULL;
	while ((step = pgl_db_step(stmt, error)) == PGL_DB_STEP_ROW) {
		PglAuditEntry *entry = g_new0(PglAuditEntry, 1);

		entry->id = sqlite3_column_int64(stmt, 0);
		entry->time = sqlite3_column_int64(stmt, 1);
		entry->list_id = sqlite3_column_int64(stmt, 2);
		entry->message_id = pgl_db_column_text(stmt, 3);
		entry->action = pgl_db_column_text(stmt, 4);
		entry->reason = pgl_db_column_text(stmt, 5);
		entry->actor = pgl_db_column_text(stmt, 6);
		g_ptr_array_add(entries, entry);
	}
	if (step == PGL_DB_STEP_ERROR)
		return NULL;
	return g_steal_pointer(&entries);
}

/**
 * pgl_store_bounce_add:
 * @store: a store
 * @list_id: the row id of the list
 * @address: (nullable): the member's address the bounce is for, %NULL if it could not be told
 * @reason: (nullable): the diagnostic (DSN Status/Diagnostic-Code, or what the parser saw)
 * @message: (nullable): the bounce as received
 * @now: when it was received
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND if there is no
 *   such list, %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_bounce_add(PglStore *store, gint64 list_id, const gchar *address, const gchar *reason,
		     GBytes *message, gint64 now, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GError) local_error = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db,
			    "INSERT INTO bounces (list_id, address, received, reason, message) "
			    "VALUES (?1, ?2, ?3, ?4, ?5)",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
	    !pgl_db_bind_text(stmt, 2, address, error) ||
	    !pgl_db_bind_int64(stmt, 3, now, error) ||
	    !pgl_db_bind_text(stmt, 4, reason, error) ||
	    !pgl_db_bind_bytes(stmt, 5, message, error))
		return FALSE;
	if (!pgl_db_step_done(stmt, &local_error)) {
		pgl_store_propagate_list_error(error, g_steal_pointer(&local_error), list_id);
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_store_bounce_count:
 * @store: a store
 * @list_id: the row id of the list
 * @address: (nullable): count only bounces for this address; %NULL: all of the list's
 * @error: return location for a #GError
 *
 * Returns: the number of bounces recorded; 0 with @error set on failure
 *   (%PGL_STORE_ERROR_FAILED)
 */
guint
pgl_store_bounce_count(PglStore *store, gint64 list_id, const gchar *address, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint64 count;

	g_return_val_if_fail(store != NULL, 0);
	g_return_val_if_fail(error == NULL || *error == NULL, 0);

	if (address == NULL) {
		if (!pgl_db_prepare(store->db, "SELECT count(*) FROM bounces WHERE list_id = ?1",
				    &stmt, error))
			return 0;
	} else {
		if (!pgl_db_prepare(store->db,
				    "SELECT count(*) FROM bounces "
				    "WHERE list_id = ?1 AND address = ?2",
				    &stmt, error) ||
		    !pgl_db_bind_text(stmt, 2, address, error))
			return 0;
	}
	if (!pgl_db_bind_int64(stmt, 1, list_id, error))
		return 0;
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_ROW:
		break;
	case PGL_DB_STEP_DONE:
		g_set_error_literal(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
				    "count(*) returned nothing");
		return 0;
	case PGL_DB_STEP_ERROR:
		return 0;
	default:
		g_assert_not_reached();
	}
	count = sqlite3_column_int64(stmt, 0);
	return count > G_MAXUINT ? G_MAXUINT : (guint)count;
}
