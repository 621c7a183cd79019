/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The boundary between SQLite and the rest of pgplist. Every SQLite result code that is not
 * success becomes a GError in PGL_STORE_ERROR here and nowhere else: a UNIQUE or PRIMARY KEY
 * violation is EXISTS, a FOREIGN KEY violation (a row that refers to a list that is not there)
 * is NOT_FOUND, anything else is FAILED; the message keeps sqlite3_errmsg()'s text. Values only
 * ever reach SQL through the bind helpers below, never by formatting them into the text.
 */
#include "store/pgl-db.h"

#include "store/pgl-store.h"

/**
 * pgl_db_set_error:
 * @db: the connection whose last call failed
 * @error: return location for a #GError
 * @what: (not nullable): what was being done, for the message
 *
 * Sets @error from the connection's last result code and message (see the file comment for
 * the mapping of codes).
 */
void
pgl_db_set_error(sqlite3 *db, GError **error, const gchar *what)
{
	gint code = PGL_STORE_ERROR_FAILED;

	switch (sqlite3_errcode(db)) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
		code = PGL_STORE_ERROR_BUSY;
		break;
	default:
		break;
	}
	switch (sqlite3_extended_errcode(db)) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		code = PGL_STORE_ERROR_EXISTS;
		break;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		code = PGL_STORE_ERROR_NOT_FOUND;
		break;
	default:
		break;
	}
	g_set_error(error, PGL_STORE_ERROR, code, "%s: %s", what, sqlite3_errmsg(db));
}

/**
 * pgl_db_exec:
 * @db: a connection
 * @sql: (not nullable): one or more statements without parameters (pragmas, DDL, transaction
 *   control); never text built from input
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED mostly)
 */
gboolean
pgl_db_exec(sqlite3 *db, const gchar *sql, GError **error)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		pgl_db_set_error(db, error, "database");
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_db_prepare:
 * @db: a connection
 * @sql: (not nullable): one statement, values as `?N` parameters
 * @stmt_out: (out) (transfer full): the prepared statement; free it with sqlite3_finalize()
 *   (g_autoptr(sqlite3_stmt) does)
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_db_prepare(sqlite3 *db, const gchar *sql, sqlite3_stmt **stmt_out, GError **error)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		pgl_db_set_error(db, error, "cannot prepare statement");
		sqlite3_finalize(stmt);
		return FALSE;
	}
	*stmt_out = stmt;
	return TRUE;
}

static gboolean
bind_result(sqlite3_stmt *stmt, gint rc, GError **error)
{
	if (rc != SQLITE_OK) {
		pgl_db_set_error(sqlite3_db_handle(stmt), error, "cannot bind parameter");
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_db_bind_int64:
 * @stmt: a prepared statement
 * @column: the parameter number, from 1
 * @value: the value
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_db_bind_int64(sqlite3_stmt *stmt, gint column, gint64 value, GError **error)
{
	return bind_result(stmt, sqlite3_bind_int64(stmt, column, value), error);
}

/**
 * pgl_db_bind_text:
 * @stmt: a prepared statement
 * @column: the parameter number, from 1
 * @value: (nullable): UTF-8 text (copied), or %NULL for SQL NULL
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_db_bind_text(sqlite3_stmt *stmt, gint column, const gchar *value, GError **error)
{
	if (value == NULL)
		return bind_result(stmt, sqlite3_bind_null(stmt, column), error);
	return bind_result(stmt, sqlite3_bind_text(stmt, column, value, -1, SQLITE_TRANSIENT),
			   error);
}

/**
 * pgl_db_bind_bytes:
 * @stmt: a prepared statement
 * @column: the parameter number, from 1
 * @value: (nullable): the blob, or %NULL for SQL NULL. It is not copied (messages can be tens
 *   of megabytes): the caller keeps @value alive until the statement has been stepped.
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED, e.g. a blob over
 *   SQLite's length limit)
 */
gboolean
pgl_db_bind_bytes(sqlite3_stmt *stmt, gint column, GBytes *value, GError **error)
{
	gsize size = 0;
	gconstpointer data;

	if (value == NULL)
		return bind_result(stmt, sqlite3_bind_null(stmt, column), error);
	data = g_bytes_get_data(value, &size);
	/* an empty GBytes may have a NULL pointer, which sqlite3_bind_blob() would store as NULL */
	if (size == 0)
		return bind_result(stmt, sqlite3_bind_zeroblob(stmt, column, 0), error);
	return bind_result(stmt, sqlite3_bind_blob64(stmt, column, data, size, SQLITE_STATIC),
			   error);
}

/**
 * pgl_db_step:
 * @stmt: a prepared statement with its parameters bound
 * @error: return location for a #GError
 *
 * Returns: %PGL_DB_STEP_ROW or %PGL_DB_STEP_DONE, or %PGL_DB_STEP_ERROR with @error set
 *   (%PGL_STORE_ERROR_EXISTS or %PGL_STORE_ERROR_NOT_FOUND for constraint violations,
 *   %PGL_STORE_ERROR_FAILED otherwise, e.g. when the busy timeout ran out)
 */
PglDbStep
pgl_db_step(sqlite3_stmt *stmt, GError **error)
{
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		return PGL_DB_STEP_ROW;
	case SQLITE_DONE:
		return PGL_DB_STEP_DONE;
	default:
		pgl_db_set_error(sqlite3_db_handle(stmt), error, "database");
		return PGL_DB_STEP_ERROR;
	}
}

/**
 * pgl_db_step_done:
 * @stmt: a prepared statement that returns no rows (INSERT, UPDATE, DELETE)
 * @error: return location for a #GError
 *
 * Returns: %TRUE once the statement has run, %FALSE with @error set as for pgl_db_step()
 */
gboolean
pgl_db_step_done(sqlite3_stmt *stmt, GError **error)
{
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_DONE:
		return TRUE;
	case PGL_DB_STEP_ROW:
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
			    "database: statement unexpectedly returned a row");
		return FALSE;
	case PGL_DB_STEP_ERROR:
		return FALSE;
	default:
		g_assert_not_reached();
	}
}

/**
 * pgl_db_column_text:
 * @stmt: a statement positioned on a row
 * @column: the column number, from 0
 *
 * Returns: (transfer full) (nullable): a copy of the text, or %NULL for SQL NULL
 */
gchar *
pgl_db_column_text(sqlite3_stmt *stmt, gint column)
{
	return g_strdup((const gchar *)sqlite3_column_text(stmt, column));
}

/**
 * pgl_db_column_bytes:
 * @stmt: a statement positioned on a row
 * @column: the column number, from 0
 *
 * Returns: (transfer full) (nullable): a copy of the blob, or %NULL for SQL NULL
 */
GBytes *
pgl_db_column_bytes(sqlite3_stmt *stmt, gint column)
{
	gconstpointer data;
	gint size;

	if (sqlite3_column_type(stmt, column) == SQLITE_NULL)
		return NULL;
	/* sqlite3_column_bytes() after sqlite3_column_blob(), as the SQLite docs advise */
	data = sqlite3_column_blob(stmt, column);
	size = sqlite3_column_bytes(stmt, column);
	return g_bytes_new(data, (gsize)size);
}

/**
 * pgl_db_txn_begin:
 * @db: a connection
 * @txn: a #PglDbTxn initialised with %PGL_DB_TXN_INIT
 * @error: return location for a #GError
 *
 * Starts a transaction, or a savepoint inside the caller's transaction (see #PglDbTxn).
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED, e.g. the write
 *   lock was not obtained within the busy timeout)
 */
gboolean
pgl_db_txn_begin(sqlite3 *db, PglDbTxn *txn, GError **error)
{
	g_return_val_if_fail(!txn->active, FALSE);

	txn->db = db;
	txn->savepoint = sqlite3_get_autocommit(db) == 0;
	if (!pgl_db_exec(db, txn->savepoint ? "SAVEPOINT pgl_txn" : "BEGIN IMMEDIATE", error))
		return FALSE;
	txn->active = TRUE;
	return TRUE;
}

/**
 * pgl_db_txn_commit:
 * @txn: a begun #PglDbTxn
 * @error: return location for a #GError
 *
 * Commits the transaction (releases the savepoint). On failure the transaction stays open and
 * is rolled back when @txn is cleared.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_db_txn_commit(PglDbTxn *txn, GError **error)
{
	g_return_val_if_fail(txn->active, FALSE);

	if (!pgl_db_exec(txn->db, txn->savepoint ? "RELEASE pgl_txn" : "COMMIT", error))
		return FALSE;
	txn->active = FALSE;
	return TRUE;
}

/**
 * pgl_db_txn_clear:
 * @txn: a #PglDbTxn
 *
 * Rolls back the transaction (to the savepoint) if it is still active. SQLite itself rolls
 * back a whole transaction after some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM...); then
 * there is nothing left to undo here. Errors are ignored: rolling back is already the failure
 * path, and the error that led here has been reported.
 */
void
pgl_db_txn_clear(PglDbTxn *txn)
{
	if (!txn->active)
		return;
	txn->active = FALSE;
	if (sqlite3_get_autocommit(txn->db) != 0)
		return;
	if (txn->savepoint) {
		sqlite3_exec(txn->db, "ROLLBACK TO pgl_txn", NULL, NULL, NULL);
		sqlite3_exec(txn->db, "RELEASE pgl_txn", NULL, NULL, NULL);
	} else {
		sqlite3_exec(txn->db, "ROLLBACK", NULL, NULL, NULL);
	}
}
