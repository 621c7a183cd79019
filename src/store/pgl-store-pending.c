/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pending confirmations and duplicate suppression.
 *
 * A pending row is an action waiting for someone to prove they control an address (or for a
 * moderator): the token mailed out is its key. Tokens are 160 bits from the kernel's CSPRNG
 * (getrandom()), written as 40 lower-case hex digits: unguessable, and safe in a
 * local-part (NAME-confirm+TOKEN@domain) and a subject line. Error messages never repeat a
 * token, since they may be logged. An expired token is as good as absent, whether or not
 * pgl_store_pending_expire() has removed it yet (pgl_store_pending_lookup() also returns expired
 * rows, with their expiry, for callers that want to say "expired" rather than "unknown").
 *
 * message_ids records each (list, Message-ID) once, with the time it was first seen, so a
 * post that comes back (a loop, a resend, a replayed PGP post) is recognised.
 */
#include "store/pgl-store-private.h"

#include "store/pgl-db.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#define TOKEN_BYTES 20

static gboolean
random_bytes(guint8 *buffer, gsize size, GError **error)
{
	gsize done = 0;

	while (done < size) {
		gssize got = getrandom(buffer + done, size - done, 0);

		if (got < 0) {
			gint saved_errno = errno;

			if (saved_errno == EINTR)
				continue;
			g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
				    "cannot read random bytes: %s", g_strerror(saved_errno));
			return FALSE;
		}
		done += (gsize)got;
	}
	return TRUE;
}

static gchar *
new_token(GError **error)
{
	static const gchar hex[] = "0123456789abcdef";
	guint8 raw[TOKEN_BYTES];
	gchar *token;

	if (!random_bytes(raw, sizeof raw, error))
		return NULL;
	token = g_malloc(2 * sizeof raw + 1);
	for (gsize i = 0; i < sizeof raw; i++) {
		token[2 * i] = hex[raw[i] >> 4];
		token[2 * i + 1] = hex[raw[i] & 0x0f];
	}
	token[2 * sizeof raw] = '\0';
	explicit_bzero(raw, sizeof raw);
	return token;
}

/**
 * pgl_store_pending_add:
 * @store: a store
 * @list_id: the row id of the list
 * @type: (not nullable): what is pending (the workflow's name, e.g. "subscribe")
 * @payload: (not nullable): the workflow's state, typically JSON
 * @expires: when the token stops being valid (seconds since the epoch)
 * @error: return location for a #GError
 *
 * Records a pending action under a fresh random token.
 *
 * Returns: (transfer full) (nullable): the token, 40 hex digits, or %NULL with @error set
 *   (%PGL_STORE_ERROR_NOT_FOUND if there is no such list, %PGL_STORE_ERROR_FAILED)
 */
gchar *
pgl_store_pending_add(PglStore *store, gint64 list_id, const gchar *type, const gchar *payload,
		      gint64 expires, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GError) local_error = NULL;
	g_autofree gchar *token = NULL;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(type != NULL, NULL);
	g_return_val_if_fail(payload != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	token = new_token(error);
	if (token == NULL)
		return NULL;
	if (!pgl_db_prepare(store->db,
			    "INSERT INTO pending (token, list_id, type, payload, created, expires) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			    &stmt, error) ||
	    !pgl_db_bind_text(stmt, 1, token, error) ||
	    !pgl_db_bind_int64(stmt, 2, list_id, error) ||
	    !pgl_db_bind_text(stmt, 3, type, error) ||
	    !pgl_db_bind_text(stmt, 4, payload, error) ||
	    !pgl_db_bind_int64(stmt, 5, pgl_context_now(store->ctx), error) ||
	    !pgl_db_bind_int64(stmt, 6, expires, error))
		return NULL;
	if (!pgl_db_step_done(stmt, &local_error)) {
		pgl_store_propagate_list_error(error, g_steal_pointer(&local_error), list_id);
		return NULL;
	}
	return g_steal_pointer(&token);
}

/**
 * pgl_store_pending_get:
 * @store: a store
 * @token: (not nullable): a token as received (untrusted: any text)
 * @now: the current time
 * @list_id_out: (out) (optional): the list the action is for
 * @type_out: (out) (optional) (transfer full): what is pending
 * @payload_out: (out) (optional) (transfer full): the workflow's state
 * @error: return location for a #GError
 *
 * Looks a token up without consuming it; remove it with pgl_store_pending_remove() once the
 * action is done (which fails for the second of two concurrent confirmations).
 *
 * Returns: %TRUE if the token exists and expires after @now, %FALSE with @error set
 *   (%PGL_STORE_ERROR_NOT_FOUND if absent or expired, %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_pending_get(PglStore *store, const gchar *token, gint64 now, gint64 *list_id_out,
		      gchar **type_out, gchar **payload_out, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(token != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db,
			    "SELECT list_id, type, payload FROM pending "
			    "WHERE token = ?1 AND expires > ?2",
			    &stmt, error) ||
	    !pgl_db_bind_text(stmt, 1, token, error) || !pgl_db_bind_int64(stmt, 2, now, error))
		return FALSE;
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_ROW:
		break;
	case PGL_DB_STEP_DONE:
		g_set_error_literal(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
				    "unknown or expired confirmation token");
		return FALSE;
	case PGL_DB_STEP_ERROR:
		return FALSE;
	default:
		g_assert_not_reached();
	}
	if (list_id_out != NULL)
		*list_id_out = sqlite3_column_int64(stmt, 0);
	if (type_out != NULL)
		*type_out = pgl_db_column_text(stmt, 1);
	if (payload_out != NULL)
		*payload_out = pgl_db_column_text(stmt, 2);
	return TRUE;
}

/**
 * pgl_store_pending_remove:
 * @store: a store
 * @token: (not nullable): a token
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND if there is no
 *   such token, e.g. it was used meanwhile; %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_pending_remove(PglStore *store, const gchar *token, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(token != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db, "DELETE FROM pending WHERE token = ?1", &stmt, error) ||
	    !pgl_db_bind_text(stmt, 1, token, error) || !pgl_db_step_done(stmt, error))
		return FALSE;
	if (sqlite3_changes64(store->db) == 0) {
		g_set_error_literal(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
				    "unknown confirmation token");
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_pending_free:
 * @pending: (nullable) (transfer full): a pending action
 */
void
pgl_pending_free(PglPending *pending)
{
	if (pending == NULL)
		return;
	g_free(pending->token);
	g_free(pending->type);
	g_free(pending->payload);
	g_free(pending);
}

/* columns 0-5 */
#define PENDING_COLUMNS "token, list_id, type, payload, created, expires"

static PglPending *
pending_from_row(sqlite3_stmt *stmt)
{
	PglPending *pending = g_new0(PglPending, 1);

	pending->token = pgl_db_column_text(stmt, 0);
	pending->list_id = sqlite3_column_int64(stmt, 1);
	pending->type = pgl_db_column_text(stmt, 2);
	pending->payload = pgl_db_column_text(stmt, 3);
	pending->created = sqlite3_column_int64(stmt, 4);
	pending->expires = sqlite3_column_int64(stmt, 5);
	return pending;
}

/**
 * pgl_store_pending_lookup:
 * @store: a store
 * @token: (not nullable): a token as received (untrusted: any text)
 * @error: return location for a #GError
 *
 * Looks a token up without consuming it, and unlike pgl_store_pending_get() whether or not it
 * has expired: the caller compares #PglPending.expires with the time, so that it can tell
 * someone their token has expired rather than that it never existed. Whoever acts on an
 * expired row must treat it as absent (see the file header).
 *
 * Returns: (transfer full) (nullable): the pending action, or %NULL with @error set
 *   (%PGL_STORE_ERROR_NOT_FOUND if there is no such token, e.g. it was used or removed by
 *   pgl_store_pending_expire(); %PGL_STORE_ERROR_FAILED)
 */
PglPending *
pgl_store_pending_lookup(PglStore *store, const gchar *token, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(token != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db, "SELECT " PENDING_COLUMNS " FROM pending WHERE token = ?1",
			    &stmt, error) ||
	    !pgl_db_bind_text(stmt, 1, token, error))
		return NULL;
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_ROW:
		break;
	case PGL_DB_STEP_DONE:
		g_set_error_literal(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
				    "unknown confirmation token");
		return NULL;
	case PGL_DB_STEP_ERROR:
		return NULL;
	default:
		g_assert_not_reached();
	}
	return pending_from_row(stmt);
}

/**
 * pgl_store_pending_take_expired:
 * @store: a store
 * @type: (not nullable): the kind of pending action to take (exact match)
 * @now: the current time
 * @max: at most this many are taken (> 0); call again while it returns @max
 * @error: return location for a #GError
 *
 * Removes the pending actions of @type whose token has expired (expires at or before @now),
 * earliest expiry first, and returns them, so that the caller can tell the people who were
 * waiting. Call it inside pgl_store_begin() and commit once they have been told (or rather,
 * once the notices are durable): if that fails, roll back and the rows come back for the next
 * try. pgl_store_pending_expire() is the same without the rows and for every type.
 *
 * Returns: (transfer full) (element-type PglPending): the removed rows, possibly none; or %NULL
 *   with @error set (%PGL_STORE_ERROR_FAILED, %PGL_STORE_ERROR_BUSY)
 */
GPtrArray *
pgl_store_pending_take_expired(PglStore *store, const gchar *type, gint64 now, guint max,
			       GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GPtrArray) taken =
		g_ptr_array_new_with_free_func((GDestroyNotify)pgl_pending_free);
	PglDbStep step;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(type != NULL, NULL);
	g_return_val_if_fail(max > 0, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	/* One statement, so the rows returned are exactly the rows deleted. */
	if (!pgl_db_prepare(store->db,
			    "DELETE FROM pending WHERE token IN "
			    "(SELECT token FROM pending WHERE type = ?1 AND expires <= ?2 "
			    "ORDER BY expires, token LIMIT ?3) "
			    "RETURNING " PENDING_COLUMNS,
			    &stmt, error) ||
	    !pgl_db_bind_text(stmt, 1, type, error) || !pgl_db_bind_int64(stmt, 2, now, error) ||
	    !pgl_db_bind_int64(stmt, 3, max, error))
		return NULL;
	while ((step = pgl_db_step(stmt, error)) == PGL_DB_STEP_ROW)
		g_ptr_array_add(taken, pending_from_row(stmt));
	if (step == PGL_DB_STEP_ERROR)
		return NULL;
	return g_steal_pointer(&taken);
}

/* Runs a DELETE whose ?1 is a time; returns the number of rows removed. */
static guint
delete_before(PglStore *store, const gchar *sql, gint64 time, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	sqlite3_int64 changes;

	if (!pgl_db_prepare(store->db, sql, &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, time, error) || !pgl_db_step_done(stmt, error))
		return 0;
	changes = sqlite3_changes64(store->db);
	return changes > G_MAXUINT ? G_MAXUINT : (guint)changes;
}

/**
 * pgl_store_pending_expire:
 * @store: a store
 * @now: the current time
 * @error: return location for a #GError
 *
 * Removes every pending action whose token has expired (expires at or before @now), of every
 * type, without a word to anyone; pgl_store_pending_take_expired() returns the rows of one type
 * so that the people waiting can be told (pgl_workflow_expire() does that for workflows).
 *
 * Returns: the number removed; 0 with @error set on failure (%PGL_STORE_ERROR_FAILED)
 */
guint
pgl_store_pending_expire(PglStore *store, gint64 now, GError **error)
{
	g_return_val_if_fail(store != NULL, 0);
	g_return_val_if_fail(error == NULL || *error == NULL, 0);

	return delete_before(store, "DELETE FROM pending WHERE expires <= ?1", now, error);
}

/**
 * pgl_store_message_id_check:
 * @store: a store
 * @list_id: the row id of the list
 * @message_id: (not nullable): the Message-ID, as the caller normalises it (compared exactly)
 * @now: the current time, recorded as when it was first seen
 * @origin: (nullable): the spool id of the message that carries it
 * @seen_out: (out): %TRUE if the list had seen @message_id before, on another message than
 *   @origin
 * @error: return location for a #GError
 *
 * Records @message_id for the list, atomically: of two deliveries of one message at once,
 * exactly one finds it new. A repeat does not refresh the time it was first seen, and a repeat
 * for the same @origin (a stage repeated after a crash) is not "seen".
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND if there is no
 *   such list, %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_message_id_check(PglStore *store, gint64 list_id, const gchar *message_id,
			   gint64 now, const gchar *origin, gboolean *seen_out, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GError) local_error = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(message_id != NULL, FALSE);
	g_return_val_if_fail(seen_out != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db,
			    "INSERT INTO message_ids (list_id, message_id, seen, origin) "
			    "VALUES (?1, ?2, ?3, ?4) "
			    "ON CONFLICT (list_id, message_id) DO NOTHING",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
	    !pgl_db_bind_text(stmt, 2, message_id, error) ||
	    !pgl_db_bind_int64(stmt, 3, now, error) || !pgl_db_bind_text(stmt, 4, origin, error))
		return FALSE;
	if (!pgl_db_step_done(stmt, &local_error)) {
		pgl_store_propagate_list_error(error, g_steal_pointer(&local_error), list_id);
		return FALSE;
	}
	if (sqlite3_changes64(store->db) > 0) {
		*seen_out = FALSE;
		return TRUE;
	}
	return pgl_store_message_id_seen(store, list_id, message_id, origin, seen_out, error);
}

/**
 * pgl_store_message_id_seen:
 * @store: a store
 * @list_id: the row id of the list
 * @message_id: (not nullable): the Message-ID
 * @origin: (nullable): the spool id of the message being looked at; a record made for it does
 *   not count
 * @seen_out: (out): %TRUE if the list has recorded @message_id for another message
 * @error: return location for a #GError
 *
 * Looks without recording (see pgl_store_message_id_check()).
 *
 * Returns: %TRUE, or %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_message_id_seen(PglStore *store, gint64 list_id, const gchar *message_id,
			  const gchar *origin, gboolean *seen_out, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(message_id != NULL, FALSE);
	g_return_val_if_fail(seen_out != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	return pgl_store_seen_for_other(
		store,
		"SELECT 1 FROM message_ids WHERE list_id = ?1 AND message_id = ?2 "
		"AND (origin IS NULL OR ?3 IS NULL OR origin != ?3)",
		list_id, message_id, origin, seen_out, error);
}

/**
 * pgl_store_message_id_expire:
 * @store: a store
 * @older_than: a time; records first seen before it are removed
 * @error: return location for a #GError
 *
 * Returns: the number removed; 0 with @error set on failure (%PGL_STORE_ERROR_FAILED)
 */
guint
pgl_store_message_id_expire(PglStore *store, gint64 older_than, GError **error)
{
	g_return_val_if_fail(store != NULL, 0);
	g_return_val_if_fail(error == NULL || *error == NULL, 0);

	return delete_before(store, "DELETE FROM message_ids WHERE seen < ?1", older_than, error);
}
