/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opening the store, transactions, and domains. One #PglStore is one SQLite connection, used by
 * one thread at a time (SQLITE_OPEN_NOMUTEX); each daemon thread and CLI command opens its own.
 *
 * The database is set up for several processes at once (daemon plus CLI): WAL, so readers never
 * wait for the writer; a busy timeout from the configuration for writers, which always take the
 * lock up front (BEGIN IMMEDIATE); foreign keys on, so deleting a list takes its rows along.
 * synchronous=FULL: with WAL that is one fsync of the log per commit, and it makes a commit
 * durable across a power cut, not only across a crash of the process. pgplist tells the world
 * about what it commits (a held message is acknowledged, a confirmation token is mailed out, a
 * Message-ID is recorded against replays), so losing the last commits is not harmless; bulk
 * changes go in one transaction and pay the fsync once.
 *
 * The file holds held mail, tokens and lists' secret keys: it is created mode 0600 (SQLite
 * gives its -wal and -shm files the mode of the database file), and secure_delete is on, so
 * what is deleted or replaced (a secret key, a held post) is overwritten with zeros in the
 * database file rather than left behind in free pages. Debian's SQLite has it on by default; it
 * is set here so that this does not depend on how SQLite was built. XXX: an old page can still
 * sit in the -wal file until the log is reused.
 */
#include "store/pgl-store-private.h"

#include "store/pgl-db.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

G_DEFINE_QUARK(pgl-store-error-quark, pgl_store_error)

static gboolean
create_private(const gchar *path, GError **error)
{
	/* SQLite would create the file 0644 less the umask; create it first, owner-only. An
	 * existing file keeps its mode: that is the administrator's choice.
	 *
	 * Never open and close an existing database file here: on Linux, closing any descriptor
	 * of a file drops every POSIX lock the process holds on it, including those of this
	 * process's open SQLite connections (SQLite's documented way to corrupt a database: another
	 * process would then checkpoint and delete the WAL under our feet). O_EXCL opens only a
	 * file we have just created, which no connection can hold yet. */
	gint fd = g_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0) {
		gint saved_errno = errno;

		if (saved_errno == EEXIST)
			return TRUE;
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
			    "cannot create database %s: %s", path, g_strerror(saved_errno));
		return FALSE;
	}
	g_close(fd, NULL);
	return TRUE;
}

static gboolean
set_wal(sqlite3 *db, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	const gchar *mode;

	if (!pgl_db_prepare(db, "PRAGMA journal_mode = WAL", &stmt, error))
		return FALSE;
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_ROW:
		break;
	case PGL_DB_STEP_DONE:
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
			    "PRAGMA journal_mode returned nothing");
		return FALSE;
	case PGL_DB_STEP_ERROR:
		return FALSE;
	default:
		g_assert_not_reached();
	}
	/* SQLite answers with the mode in force, which stays the old one if WAL is impossible
	 * (e.g. a file system without shared memory) */
	mode = (const gchar *)sqlite3_column_text(stmt, 0);
	if (g_ascii_strcasecmp(mode != NULL ? mode : "", "wal") != 0) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
			    "cannot switch the database to WAL mode (still %s)",
			    mode != NULL ? mode : "unknown");
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_store_open:
 * @ctx: the context; the database is pgl_context_get_db_path(), the busy timeout the
 *   configuration's db_busy_timeout_ms
 * @error: return location for a #GError
 *
 * Opens the database, creating it (mode 0600) if it does not exist, and migrates its schema
 * to %PGL_STORE_SCHEMA_VERSION.
 *
 * Returns: (transfer full) (nullable): the store, or %NULL with @error set
 *   (%PGL_STORE_ERROR_SCHEMA if the database is newer than this code or cannot be migrated,
 *   %PGL_STORE_ERROR_FAILED if it cannot be created, opened or configured)
 */
PglStore *
pgl_store_open(PglContext *ctx, GError **error)
{
	g_autoptr(PglStore) store = NULL;
	const gchar *path;
	gint rc;

	g_return_val_if_fail(ctx != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	path = pgl_context_get_db_path(ctx);
	store = g_new0(PglStore, 1);
	store->ctx = pgl_context_ref(ctx);
	if (!create_private(path, error))
		return NULL;
	/* NOMUTEX: a store is used by one thread at a time */
	rc = sqlite3_open_v2(path, &store->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
			    "cannot open database %s: %s", path,
			    store->db != NULL ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
		return NULL;
	}
	sqlite3_extended_result_codes(store->db, 1);
	sqlite3_busy_timeout(store->db, (gint)pgl_context_get_config(ctx)->db_busy_timeout_ms);
	/* refuse SQL that could corrupt the file, and functions with side effects in the schema */
	sqlite3_db_config(store->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(store->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if (!pgl_db_exec(store->db, "PRAGMA foreign_keys = ON", error) ||
	    !pgl_db_exec(store->db, "PRAGMA secure_delete = ON", error) ||
	    !set_wal(store->db, error) ||
	    !pgl_db_exec(store->db, "PRAGMA synchronous = FULL", error) ||
	    !pgl_store_schema_migrate(store->db, &store->schema_version, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	return g_steal_pointer(&store);
}

/**
 * pgl_store_free:
 * @store: (nullable) (transfer full): a store
 *
 * Closes the connection; a transaction still open is rolled back.
 */
void
pgl_store_free(PglStore *store)
{
	if (store == NULL)
		return;
	g_clear_pointer(&store->db, sqlite3_close_v2);
	g_clear_pointer(&store->ctx, pgl_context_unref);
	g_free(store);
}

/**
 * pgl_store_begin:
 * @store: a store, not in a transaction
 * @error: return location for a #GError
 *
 * Starts a write transaction (BEGIN IMMEDIATE: the write lock is taken now, waiting up to the
 * busy timeout). Store calls made inside it join it; end it with pgl_store_commit() or
 * pgl_store_rollback(). Transactions do not nest.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED: locked past the
 *   busy timeout, or already in a transaction)
 */
gboolean
pgl_store_begin(PglStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	return pgl_db_exec(store->db, "BEGIN IMMEDIATE", error);
}

/**
 * pgl_store_commit:
 * @store: a store in a transaction
 * @error: return location for a #GError
 *
 * Commits the transaction begun by pgl_store_begin(). If this fails the transaction is still
 * open: call pgl_store_rollback().
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_commit(PglStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	return pgl_db_exec(store->db, "COMMIT", error);
}

/**
 * pgl_store_rollback:
 * @store: a store
 *
 * Rolls back the transaction begun by pgl_store_begin(), if one is open (SQLite may already
 * have rolled it back after an I/O error); otherwise does nothing. Never fails in a way the
 * caller could act on, so it reports nothing.
 */
void
pgl_store_rollback(PglStore *store)
{
	g_return_if_fail(store != NULL);

	if (sqlite3_get_autocommit(store->db) == 0)
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

/**
 * pgl_store_schema_version:
 * @store: a store
 *
 * Returns: the schema version of the database as opened (after migration), which is
 *   %PGL_STORE_SCHEMA_VERSION
 */
guint
pgl_store_schema_version(PglStore *store)
{
	g_return_val_if_fail(store != NULL, 0);

	return store->schema_version;
}

/**
 * pgl_store_domain_ensure:
 * @store: a store
 * @domain: (not nullable): a domain name, lower case
 * @domain_id_out: (out): the row id of the domain
 * @error: return location for a #GError
 *
 * Adds @domain unless it is there already. Private to src/store/.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_domain_ensure(PglStore *store, const gchar *domain, gint64 *domain_id_out,
			GError **error)
{
	g_autoptr(sqlite3_stmt) insert = NULL;
	g_autoptr(sqlite3_stmt) select = NULL;

	if (!pgl_db_prepare(store->db,
			    "INSERT INTO domains (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
			    &insert, error) ||
	    !pgl_db_bind_text(insert, 1, domain, error) || !pgl_db_step_done(insert, error))
		return FALSE;
	if (domain_id_out == NULL)
		return TRUE;
	if (!pgl_db_prepare(store->db, "SELECT id FROM domains WHERE name = ?1", &select, error) ||
	    !pgl_db_bind_text(select, 1, domain, error))
		return FALSE;
	switch (pgl_db_step(select, error)) {
	case PGL_DB_STEP_ROW:
		*domain_id_out = sqlite3_column_int64(select, 0);
		return TRUE;
	case PGL_DB_STEP_DONE:
		/* cannot happen: inserted above, in the same transaction or connection */
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
			    "domain %s vanished after insertion", domain);
		return FALSE;
	case PGL_DB_STEP_ERROR:
		return FALSE;
	default:
		g_assert_not_reached();
	}
}

/**
 * pgl_store_domain_add:
 * @store: a store
 * @domain: (not nullable): a domain name; stored lower case
 * @error: return location for a #GError
 *
 * Adds a domain lists can be created in. Adding one that exists is not an error.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_domain_add(PglStore *store, const gchar *domain, GError **error)
{
	g_autofree gchar *lower = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(domain != NULL && domain[0] != '\0', FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	lower = g_ascii_strdown(domain, -1);
	return pgl_store_domain_ensure(store, lower, NULL, error);
}

/**
 * pgl_store_domain_list:
 * @store: a store
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the domains, sorted, or %NULL with @error set
 *   (%PGL_STORE_ERROR_FAILED)
 */
GStrv
pgl_store_domain_list(PglStore *store, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	PglDbStep step;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db, "SELECT name FROM domains ORDER BY name", &stmt, error))
		return NULL;
	while ((step = pgl_db_step(stmt, error)) == PGL_DB_STEP_ROW)
		g_ptr_array_add(names, pgl_db_column_text(stmt, 0));
	if (step == PGL_DB_STEP_ERROR)
		return NULL;
	g_ptr_array_add(names, NULL);
	g_ptr_array_set_free_func(names, NULL);
	return (GStrv)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

/**
 * pgl_store_propagate_list_error:
 * @error: return location for a #GError
 * @local_error: (transfer full): the error of a statement that wrote a row belonging to a list
 * @list_id: the list the row was for
 *
 * Like g_propagate_error(), but words the NOT_FOUND that a FOREIGN KEY failure maps to as what
 * it means: the list is not there. Private to src/store/.
 */
void
pgl_store_propagate_list_error(GError **error, GError *local_error, gint64 list_id)
{
	if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND)) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
			    "no list with id %" G_GINT64_FORMAT, list_id);
		g_error_free(local_error);
		return;
	}
	g_propagate_error(error, local_error);
}

/**
 * pgl_store_seen_for_other:
 * @store: a store
 * @sql: a query for rows of one list and one key (?1 list id, ?2 the key) that names the
 *   column "origin"; it must end in "AND (origin IS NULL OR ?3 IS NULL OR origin != ?3)"
 * @list_id: the list
 * @key: the digest, Message-ID...
 * @origin: (nullable): the spool id of the message being looked at; a row recorded for it does
 *   not count
 * @seen_out: (out): whether such a row exists
 * @error: return location for a #GError
 *
 * The look-up behind the replay and duplicate records, whose rows remember the message that
 * brought them so that a stage repeated after a crash is not a repeat of itself. Private to
 * src/store/.
 *
 * Returns: %TRUE, or %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_seen_for_other(PglStore *store, const gchar *sql, gint64 list_id, const gchar *key,
			 const gchar *origin, gboolean *seen_out, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	*seen_out = FALSE;
	if (!pgl_db_prepare(store->db, sql, &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) || !pgl_db_bind_text(stmt, 2, key, error) ||
	    !pgl_db_bind_text(stmt, 3, origin, error))
		return FALSE;
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_ROW:
		*seen_out = TRUE;
		return TRUE;
	case PGL_DB_STEP_DONE:
		return TRUE;
	case PGL_DB_STEP_ERROR:
	default:
		return FALSE;
	}
}
