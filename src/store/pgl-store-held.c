/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Held messages: posts waiting for a moderator, kept whole as a blob until approved, rejected
 * or discarded. Ids are never reused (AUTOINCREMENT), so a moderator acting on an old id cannot
 * hit a newer post. Listings leave the blob out; only pgl_store_held_get() reads it. For a PGP
 * list the caller stores the message as ciphertext (DESIGN.md §6): this file does not look
 * inside.
 */
#include "store/pgl-store-private.h"

#include "store/pgl-db.h"

/**
 * pgl_held_message_free:
 * @held: (nullable) (transfer full): a held message
 */
void
pgl_held_message_free(PglHeldMessage *held)
{
	if (held == NULL)
		return;
	g_free(held->sender);
	g_free(held->subject);
	g_free(held->reason);
	g_free(held->message_id);
	g_clear_pointer(&held->message, g_bytes_unref);
	g_free(held);
}

/* columns 0-7, plus 8 = message if with_message */
#define HELD_COLUMNS "id, list_id, sender, subject, reason, message_id, received, sealed"

static PglHeldMessage *
held_from_row(sqlite3_stmt *stmt, gboolean with_message)
{
	PglHeldMessage *held = g_new0(PglHeldMessage, 1);

	held->id = sqlite3_column_int64(stmt, 0);
	held->list_id = sqlite3_column_int64(stmt, 1);
	held->sender = pgl_db_column_text(stmt, 2);
	held->subject = pgl_db_column_text(stmt, 3);
	held->reason = pgl_db_column_text(stmt, 4);
	held->message_id = pgl_db_column_text(stmt, 5);
	held->received = sqlite3_column_int64(stmt, 6);
	held->sealed = sqlite3_column_int64(stmt, 7) != 0;
	if (with_message)
		held->message = pgl_db_column_bytes(stmt, 8);
	return held;
}

/**
 * pgl_store_held_add:
 * @store: a store
 * @list_id: the row id of the list
 * @spool_id: (nullable): the spool id of the message being held; holding the same spool id
 *   again (a stage repeated after a crash) returns the first hold instead of a second one
 * @sender: (not nullable): the poster's address
 * @subject: (nullable): the Subject, decoded, for moderators' listings
 * @reason: (not nullable): why the post is held, for moderators and the audit trail
 * @message_id: (nullable): the Message-ID
 * @message: (not nullable): the message (ciphertext for a PGP list)
 * @sealed: @message is encrypted to the list key
 * @error: return location for a #GError
 *
 * Holds a post. Its received time is pgl_context_now().
 *
 * Returns: the id of the held message (> 0), or 0 with @error set
 *   (%PGL_STORE_ERROR_NOT_FOUND if there is no such list, %PGL_STORE_ERROR_FAILED)
 */
gint64
pgl_store_held_add(PglStore *store, gint64 list_id, const gchar *spool_id, const gchar *sender,
		   const gchar *subject, const gchar *reason, const gchar *message_id,
		   GBytes *message, gboolean sealed, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(sqlite3_stmt) lookup = NULL;
	g_autoptr(GError) local_error = NULL;

	g_return_val_if_fail(store != NULL, 0);
	g_return_val_if_fail(sender != NULL, 0);
	g_return_val_if_fail(reason != NULL, 0);
	g_return_val_if_fail(message != NULL, 0);
	g_return_val_if_fail(error == NULL || *error == NULL, 0);

	if (!pgl_db_prepare(store->db,
			    "INSERT INTO held_messages (list_id, sender, subject, reason, "
			    "message_id, received, message, spool_id, sealed) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
			    "ON CONFLICT (spool_id) DO NOTHING",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
	    !pgl_db_bind_text(stmt, 2, sender, error) ||
	    !pgl_db_bind_text(stmt, 3, subject, error) ||
	    !pgl_db_bind_text(stmt, 4, reason, error) ||
	    !pgl_db_bind_text(stmt, 5, message_id, error) ||
	    !pgl_db_bind_int64(stmt, 6, pgl_context_now(store->ctx), error) ||
	    !pgl_db_bind_bytes(stmt, 7, message, error) ||
	    !pgl_db_bind_text(stmt, 8, spool_id, error) ||
	    !pgl_db_bind_int64(stmt, 9, sealed ? 1 : 0, error))
		return 0;
	if (!pgl_db_step_done(stmt, &local_error)) {
		pgl_store_propagate_list_error(error, g_steal_pointer(&local_error), list_id);
		return 0;
	}
	if (sqlite3_changes(store->db) > 0 || spool_id == NULL)
		return sqlite3_last_insert_rowid(store->db);
	/* held before: the same hold */
	if (!pgl_db_prepare(store->db, "SELECT id FROM held_messages WHERE spool_id = ?1", &lookup,
			    error) ||
	    !pgl_db_bind_text(lookup, 1, spool_id, error))
		return 0;
	if (pgl_db_step(lookup, error) != PGL_DB_STEP_ROW) {
		if (error != NULL && *error == NULL)
			g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
				    "held message of spool entry %s vanished", spool_id);
		return 0;
	}
	return sqlite3_column_int64(lookup, 0);
}

/**
 * pgl_store_held_get:
 * @store: a store
 * @list_id: the row id of the list the moderator acts for
 * @id: the id of the held message
 * @error: return location for a #GError
 *
 * A held message of another list counts as absent: a moderator of one list cannot reach
 * another's by guessing ids.
 *
 * Returns: (transfer full) (nullable): the held message with its @message, or %NULL with
 *   @error set (%PGL_STORE_ERROR_NOT_FOUND, %PGL_STORE_ERROR_FAILED)
 */
PglHeldMessage *
pgl_store_held_get(PglStore *store, gint64 list_id, gint64 id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db,
			    "SELECT " HELD_COLUMNS ", message FROM held_messages "
			    "WHERE id = ?1 AND list_id = ?2",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, id, error) || !pgl_db_bind_int64(stmt, 2, list_id, error))
		return NULL;
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_ROW:
		return held_from_row(stmt, TRUE);
	case PGL_DB_STEP_DONE:
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
			    "no held message %" G_GINT64_FORMAT " on this list", id);
		return NULL;
	case PGL_DB_STEP_ERROR:
		return NULL;
	default:
		g_assert_not_reached();
	}
}

/**
 * pgl_store_held_list:
 * @store: a store
 * @list_id: the row id of the list
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PglHeldMessage) (nullable): the list's held
 *   messages, oldest (lowest id) first, without their @message, freeing its elements (empty if
 *   none); or %NULL with @error set (%PGL_STORE_ERROR_FAILED)
 */
GPtrArray *
pgl_store_held_list(PglStore *store, gint64 list_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GPtrArray) held =
		g_ptr_array_new_with_free_func((GDestroyNotify)pgl_held_message_free);
	PglDbStep step;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db,
			    "SELECT " HELD_COLUMNS " FROM held_messages WHERE list_id = ?1 "
			    "ORDER BY id",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error))
		return NULL;
	while ((step = pgl_db_step(stmt, error)) == PGL_DB_STEP_ROW)
		g_ptr_array_add(held, held_from_row(stmt, FALSE));
	if (step == PGL_DB_STEP_ERROR)
		return NULL;
	return g_steal_pointer(&held);
}

/**
 * pgl_store_held_remove:
 * @store: a store
 * @id: the id of the held message
 * @error: return location for a #GError
 *
 * Removes a held message once it has been dealt with. Two moderators acting on one message at
 * once: the second gets NOT_FOUND.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND,
 *   %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_held_remove(PglStore *store, gint64 id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db, "DELETE FROM held_messages WHERE id = ?1", &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, id, error) || !pgl_db_step_done(stmt, error))
		return FALSE;
	if (sqlite3_changes64(store->db) == 0) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
			    "no held message %" G_GINT64_FORMAT, id);
		return FALSE;
	}
	return TRUE;
}
