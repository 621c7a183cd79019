/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Thin helpers over the SQLite C API, private to src/store/: cleanup functions for g_autoptr,
 * prepare/bind/step wrappers that turn SQLite result codes into GErrors of PGL_STORE_ERROR
 * (keeping sqlite3_errmsg()'s text), and scoped transactions that roll back unless committed.
 * Nothing outside src/store/ includes this file or sqlite3.h.
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3, sqlite3_close_v2)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

void pgl_db_set_error(sqlite3 *db, GError **error, const gchar *what);
gboolean pgl_db_exec(sqlite3 *db, const gchar *sql, GError **error);
gboolean pgl_db_prepare(sqlite3 *db, const gchar *sql, sqlite3_stmt **stmt_out, GError **error);

gboolean pgl_db_bind_int64(sqlite3_stmt *stmt, gint column, gint64 value, GError **error);
gboolean pgl_db_bind_text(sqlite3_stmt *stmt, gint column, const gchar *value, GError **error);
gboolean pgl_db_bind_bytes(sqlite3_stmt *stmt, gint column, GBytes *value, GError **error);

/**
 * PglDbStep:
 * @PGL_DB_STEP_ERROR: the statement failed; the #GError is set
 * @PGL_DB_STEP_ROW: a result row is ready to be read with sqlite3_column_*()
 * @PGL_DB_STEP_DONE: the statement has finished
 */
typedef enum {
	PGL_DB_STEP_ERROR,
	PGL_DB_STEP_ROW,
	PGL_DB_STEP_DONE,
} PglDbStep;

PglDbStep pgl_db_step(sqlite3_stmt *stmt, GError **error);
gboolean pgl_db_step_done(sqlite3_stmt *stmt, GError **error);

gchar *pgl_db_column_text(sqlite3_stmt *stmt, gint column);
GBytes *pgl_db_column_bytes(sqlite3_stmt *stmt, gint column);

/**
 * PglDbTxn:
 *
 * A scoped transaction: declare it with `g_auto(PglDbTxn) txn = PGL_DB_TXN_INIT;`, start it
 * with pgl_db_txn_begin(), and it is rolled back when it goes out of scope unless
 * pgl_db_txn_commit() succeeded. Outside a transaction it is BEGIN IMMEDIATE (the write lock is
 * taken up front, so the busy timeout applies and no deadlock can arise from upgrading a read
 * lock); inside one the caller opened with pgl_store_begin() it is a SAVEPOINT, so a failed
 * operation undoes only its own changes.
 */
typedef struct {
	sqlite3 *db;	    /* (unowned) */
	gboolean savepoint; /* nested in a transaction of the caller */
	gboolean active;    /* begun and neither committed nor rolled back */
} PglDbTxn;

#define PGL_DB_TXN_INIT {NULL, FALSE, FALSE}

gboolean pgl_db_txn_begin(sqlite3 *db, PglDbTxn *txn, GError **error);
gboolean pgl_db_txn_commit(PglDbTxn *txn, GError **error);
void pgl_db_txn_clear(PglDbTxn *txn);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PglDbTxn, pgl_db_txn_clear)

G_END_DECLS
