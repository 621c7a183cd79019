/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OpenPGP keys and the replay record of signatures (issue 3, DESIGN.md §6).
 *
 * - list_keys: one key pair per PGP list; a list is a PGP list exactly when it has a row here.
 *   The secret key leaves this file only through pgl_store_list_key_get() with @with_secret,
 *   copied into memory that is wiped when the #GBytes goes (SQLite's own page cache is out of
 *   our reach); it is never put into an error message. The database runs with secure_delete
 *   (pgl-store.c), so a replaced or removed secret key is overwritten in the database file, not
 *   left in free pages.
 * - address_keys: one public key per address, shared by every list the address is on (as in
 *   mailman-pgp), with whether the address has confirmed it.
 * - signature_digests: the replay digest (pgl-pgp-signature.h) of each signature on an accepted
 *   post, per list, so the duplicate rule can refuse a post seen before.
 *
 * The blobs are opaque here: this folder does not link the OpenPGP engine, so callers check
 * keys (pgl_pgp_key_validate(), pgl_pgp_key_inspect()) before they store them. Fingerprints
 * are stored as given (the engine's upper-case hex).
 */
#include "store/pgl-store-private.h"

#include "store/pgl-db.h"

#include <string.h>

/* A copy of secret bytes in one block that is wiped before it is freed. */
typedef struct {
	gsize size;
	guint8 data[];
} WipedBlock;

static void
wiped_block_free(gpointer data)
{
	WipedBlock *block = data;

	explicit_bzero(block->data, block->size);
	g_free(block);
}

static GBytes *
wiped_bytes_from_column(sqlite3_stmt *stmt, gint column)
{
	gconstpointer data = sqlite3_column_blob(stmt, column);
	gint size = sqlite3_column_bytes(stmt, column);
	WipedBlock *block;

	if (size < 0)
		size = 0;
	block = g_malloc(sizeof *block + (gsize)size);
	block->size = (gsize)size;
	if (size > 0)
		memcpy(block->data, data, (gsize)size);
	return g_bytes_new_with_free_func(block->data, block->size, wiped_block_free, block);
}

/**
 * pgl_list_key_free:
 * @key: (nullable) (transfer full): a list key
 *
 * Frees @key; the secret key's copy is wiped (when no other reference to it is left).
 */
void
pgl_list_key_free(PglListKey *key)
{
	if (key == NULL)
		return;
	g_free(key->fingerprint);
	g_clear_pointer(&key->public_key, g_bytes_unref);
	g_clear_pointer(&key->secret_key, g_bytes_unref);
	g_free(key);
}

/**
 * pgl_address_key_free:
 * @key: (nullable) (transfer full): an address key
 */
void
pgl_address_key_free(PglAddressKey *key)
{
	if (key == NULL)
		return;
	g_free(key->address);
	g_free(key->fingerprint);
	g_clear_pointer(&key->public_key, g_bytes_unref);
	g_free(key);
}

/**
 * pgl_store_list_key_get:
 * @store: a store
 * @list_id: the row id of the list
 * @with_secret: also read the secret key; %FALSE leaves it in the database (and the result's
 *   @secret_key %NULL): only what signs or decrypts for the list, or `key export --secret`,
 *   asks for it
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the list's key pair, or %NULL with @error set
 *   (%PGL_STORE_ERROR_NOT_FOUND if the list has no key pair, i.e. it is not a PGP list, or
 *   there is no such list; %PGL_STORE_ERROR_FAILED)
 */
PglListKey *
pgl_store_list_key_get(PglStore *store, gint64 list_id, gboolean with_secret, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(PglListKey) key = NULL;
	/* without the secret column SQLite does not even read its pages */
	const gchar *sql = with_secret ? "SELECT fingerprint, public_key, created, secret_key "
					 "FROM list_keys WHERE list_id = ?1"
				       : "SELECT fingerprint, public_key, created "
					 "FROM list_keys WHERE list_id = ?1";

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db, sql, &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error))
		return NULL;
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_ROW:
		break;
	case PGL_DB_STEP_DONE:
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
			    "list with id %" G_GINT64_FORMAT " has no key pair", list_id);
		return NULL;
	case PGL_DB_STEP_ERROR:
		return NULL;
	default:
		g_assert_not_reached();
	}
	key = g_new0(PglListKey, 1);
	key->list_id = list_id;
	key->fingerprint = pgl_db_column_text(stmt, 0);
	key->public_key = pgl_db_column_bytes(stmt, 1);
	key->created = sqlite3_column_int64(stmt, 2);
	if (with_secret)
		key->secret_key = wiped_bytes_from_column(stmt, 3);
	return g_steal_pointer(&key);
}

/**
 * pgl_store_list_key_set:
 * @store: a store
 * @list_id: the row id of the list
 * @fingerprint: (not nullable): the primary key's fingerprint
 * @public_key: (not nullable): the public key, as the engine exported it
 * @secret_key: (not nullable): the secret key (protected by the [pgp] passphrase or not)
 * @replace: replace a key pair the list already has; %FALSE refuses to
 * @error: return location for a #GError
 *
 * Stores the list's key pair, which makes it a PGP list. Its creation time is
 * pgl_context_now(). The check for an existing key pair and the write are one statement, so
 * two administrators generating keys at once cannot both succeed without @replace.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_EXISTS if the list has a
 *   key pair and @replace is %FALSE, %PGL_STORE_ERROR_NOT_FOUND if there is no such list,
 *   %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_list_key_set(PglStore *store, gint64 list_id, const gchar *fingerprint,
		       GBytes *public_key, GBytes *secret_key, gboolean replace, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GError) local_error = NULL;
	const gchar *sql =
		replace ? "INSERT INTO list_keys (list_id, fingerprint, public_key, secret_key, "
			  "created) VALUES (?1, ?2, ?3, ?4, ?5) "
			  "ON CONFLICT (list_id) DO UPDATE SET fingerprint = excluded.fingerprint, "
			  "public_key = excluded.public_key, secret_key = excluded.secret_key, "
			  "created = excluded.created"
			: "INSERT INTO list_keys (list_id, fingerprint, public_key, secret_key, "
			  "created) VALUES (?1, ?2, ?3, ?4, ?5)";

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(fingerprint != NULL && fingerprint[0] != '\0', FALSE);
	g_return_val_if_fail(public_key != NULL, FALSE);
	g_return_val_if_fail(secret_key != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db, sql, &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
	    !pgl_db_bind_text(stmt, 2, fingerprint, error) ||
	    !pgl_db_bind_bytes(stmt, 3, public_key, error) ||
	    !pgl_db_bind_bytes(stmt, 4, secret_key, error) ||
	    !pgl_db_bind_int64(stmt, 5, pgl_context_now(store->ctx), error))
		return FALSE;
	if (!pgl_db_step_done(stmt, &local_error)) {
		if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS)) {
			g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS,
				    "list with id %" G_GINT64_FORMAT " already has a key pair",
				    list_id);
			return FALSE;
		}
		pgl_store_propagate_list_error(error, g_steal_pointer(&local_error), list_id);
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_store_list_key_remove:
 * @store: a store
 * @list_id: the row id of the list
 * @error: return location for a #GError
 *
 * Removes the list's key pair: it is a plain list again. The secret key is gone for good.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND if the list
 *   has no key pair, %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_list_key_remove(PglStore *store, gint64 list_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db, "DELETE FROM list_keys WHERE list_id = ?1", &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) || !pgl_db_step_done(stmt, error))
		return FALSE;
	if (sqlite3_changes64(store->db) == 0) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
			    "list with id %" G_GINT64_FORMAT " has no key pair", list_id);
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_store_address_key_get:
 * @store: a store
 * @address: (not nullable): a normalised address
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the address's key, or %NULL with @error set
 *   (%PGL_STORE_ERROR_NOT_FOUND if it has none, %PGL_STORE_ERROR_FAILED)
 */
PglAddressKey *
pgl_store_address_key_get(PglStore *store, const gchar *address, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	PglAddressKey *key;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(address != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db,
			    "SELECT fingerprint, public_key, confirmed, updated FROM address_keys "
			    "WHERE address = ?1",
			    &stmt, error) ||
	    !pgl_db_bind_text(stmt, 1, address, error))
		return NULL;
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_ROW:
		break;
	case PGL_DB_STEP_DONE:
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND, "no key for %s",
			    address);
		return NULL;
	case PGL_DB_STEP_ERROR:
		return NULL;
	default:
		g_assert_not_reached();
	}
	key = g_new0(PglAddressKey, 1);
	key->address = g_strdup(address);
	key->fingerprint = pgl_db_column_text(stmt, 0);
	key->public_key = pgl_db_column_bytes(stmt, 1);
	key->confirmed = sqlite3_column_int64(stmt, 2) != 0;
	key->updated = sqlite3_column_int64(stmt, 3);
	return key;
}

/**
 * pgl_store_address_key_set:
 * @store: a store
 * @address: (not nullable): a normalised address
 * @fingerprint: (not nullable): the primary key's fingerprint
 * @public_key: (not nullable): the public key, already validated (pgl_pgp_key_validate()'s
 *   re-export, never the blob as received)
 * @confirmed: whether the address has confirmed this key
 * @error: return location for a #GError
 *
 * Sets (or replaces) the key of @address, with @confirmed as given: whether a replaced key's
 * confirmation carries over is the caller's decision. Its update time is pgl_context_now().
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_address_key_set(PglStore *store, const gchar *address, const gchar *fingerprint,
			  GBytes *public_key, gboolean confirmed, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(address != NULL && address[0] != '\0', FALSE);
	g_return_val_if_fail(fingerprint != NULL && fingerprint[0] != '\0', FALSE);
	g_return_val_if_fail(public_key != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	return pgl_db_prepare(store->db,
			      "INSERT INTO address_keys (address, fingerprint, public_key, "
			      "confirmed, updated) VALUES (?1, ?2, ?3, ?4, ?5) "
			      "ON CONFLICT (address) DO UPDATE SET "
			      "fingerprint = excluded.fingerprint, "
			      "public_key = excluded.public_key, confirmed = excluded.confirmed, "
			      "updated = excluded.updated",
			      &stmt, error) &&
	       pgl_db_bind_text(stmt, 1, address, error) &&
	       pgl_db_bind_text(stmt, 2, fingerprint, error) &&
	       pgl_db_bind_bytes(stmt, 3, public_key, error) &&
	       pgl_db_bind_int64(stmt, 4, confirmed ? 1 : 0, error) &&
	       pgl_db_bind_int64(stmt, 5, pgl_context_now(store->ctx), error) &&
	       pgl_db_step_done(stmt, error);
}

/**
 * pgl_store_address_key_confirm:
 * @store: a store
 * @address: (not nullable): a normalised address
 * @fingerprint: (not nullable): the key that was confirmed
 * @error: return location for a #GError
 *
 * Marks the key of @address confirmed, but only if it is still the key with @fingerprint: a
 * confirmation made for one key never confirms another that replaced it meanwhile.
 *
 * Returns: %TRUE on success (also if it was confirmed already), %FALSE with @error set
 *   (%PGL_STORE_ERROR_NOT_FOUND if @address has no key or another one,
 *   %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_address_key_confirm(PglStore *store, const gchar *address, const gchar *fingerprint,
			      GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(address != NULL, FALSE);
	g_return_val_if_fail(fingerprint != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db,
			    "UPDATE address_keys SET confirmed = 1, updated = ?3 "
			    "WHERE address = ?1 AND fingerprint = ?2",
			    &stmt, error) ||
	    !pgl_db_bind_text(stmt, 1, address, error) ||
	    !pgl_db_bind_text(stmt, 2, fingerprint, error) ||
	    !pgl_db_bind_int64(stmt, 3, pgl_context_now(store->ctx), error) ||
	    !pgl_db_step_done(stmt, error))
		return FALSE;
	if (sqlite3_changes64(store->db) == 0) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
			    "%s has no key %s", address, fingerprint);
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_store_address_key_remove:
 * @store: a store
 * @address: (not nullable): a normalised address
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND if @address
 *   has no key, %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_address_key_remove(PglStore *store, const gchar *address, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(address != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db, "DELETE FROM address_keys WHERE address = ?1", &stmt,
			    error) ||
	    !pgl_db_bind_text(stmt, 1, address, error) || !pgl_db_step_done(stmt, error))
		return FALSE;
	if (sqlite3_changes64(store->db) == 0) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND, "no key for %s",
			    address);
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_store_signature_digest_add:
 * @store: a store
 * @list_id: the row id of the list the post was accepted by
 * @digest: (not nullable): the signature's replay digest (pgl-pgp-signature.h)
 * @fingerprint: (not nullable): the signer's primary key
 * @time: the signature's creation time; pgl_store_signature_digest_expire() goes by it
 * @origin: (nullable): the spool id of the post that carries the signature
 * @error: return location for a #GError
 *
 * Records a signature as seen on the list, atomically: of two deliveries of one signed post at
 * once, exactly one succeeds. Recording it again for the same @origin (a stage repeated after
 * a crash) succeeds and changes nothing.
 *
 * Returns: %TRUE if the digest is new for the list (or was recorded for @origin), %FALSE with
 *   @error set (%PGL_STORE_ERROR_EXISTS if the list has seen it with another post: a replay;
 *   %PGL_STORE_ERROR_NOT_FOUND if there is no such list; %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_signature_digest_add(PglStore *store, gint64 list_id, const gchar *digest,
			       const gchar *fingerprint, gint64 time, const gchar *origin,
			       GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GError) local_error = NULL;
	gboolean seen = FALSE;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(digest != NULL && digest[0] != '\0', FALSE);
	g_return_val_if_fail(fingerprint != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db,
			    "INSERT INTO signature_digests (list_id, digest, fingerprint, time, "
			    "origin) VALUES (?1, ?2, ?3, ?4, ?5) "
			    "ON CONFLICT (list_id, digest) DO NOTHING",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
	    !pgl_db_bind_text(stmt, 2, digest, error) ||
	    !pgl_db_bind_text(stmt, 3, fingerprint, error) ||
	    !pgl_db_bind_int64(stmt, 4, time, error) ||
	    !pgl_db_bind_text(stmt, 5, origin, error))
		return FALSE;
	if (!pgl_db_step_done(stmt, &local_error)) {
		pgl_store_propagate_list_error(error, g_steal_pointer(&local_error), list_id);
		return FALSE;
	}
	if (sqlite3_changes(store->db) > 0)
		return TRUE;
	if (!pgl_store_signature_digest_seen(store, list_id, digest, origin, &seen, error))
		return FALSE;
	if (seen) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS,
			    "signature %s was seen before on list %" G_GINT64_FORMAT, digest,
			    list_id);
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_store_signature_digest_seen:
 * @store: a store
 * @list_id: the row id of the list
 * @digest: (not nullable): a signature's replay digest
 * @origin: (nullable): the spool id of the post being checked; a record made for this same
 *   post does not count
 * @seen_out: (out): set to %TRUE if the list has recorded @digest for another post
 * @error: return location for a #GError
 *
 * Returns: %TRUE, or %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_signature_digest_seen(PglStore *store, gint64 list_id, const gchar *digest,
				const gchar *origin, gboolean *seen_out, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(digest != NULL, FALSE);
	g_return_val_if_fail(seen_out != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	return pgl_store_seen_for_other(
		store,
		"SELECT 1 FROM signature_digests WHERE list_id = ?1 AND digest = ?2 "
		"AND (origin IS NULL OR ?3 IS NULL OR origin != ?3)",
		list_id, digest, origin, seen_out, error);
}

/**
 * pgl_store_signature_digest_expire:
 * @store: a store
 * @older_than: a time; digests of signatures made before it are removed
 * @error: return location for a #GError
 *
 * Call it with now minus the signature freshness window ([pgp] signature_window): a signature
 * older than that is refused as too old, so its digest is no longer needed to spot a replay.
 *
 * Returns: the number removed; 0 with @error set on failure (%PGL_STORE_ERROR_FAILED)
 */
guint
pgl_store_signature_digest_expire(PglStore *store, gint64 older_than, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	sqlite3_int64 changes;

	g_return_val_if_fail(store != NULL, 0);
	g_return_val_if_fail(error == NULL || *error == NULL, 0);

	if (!pgl_db_prepare(store->db, "DELETE FROM signature_digests WHERE time < ?1", &stmt,
			    error) ||
	    !pgl_db_bind_int64(stmt, 1, older_than, error) || !pgl_db_step_done(stmt, error))
		return 0;
	changes = sqlite3_changes64(store->db);
	return changes > G_MAXUINT ? G_MAXUINT : (guint)changes;
}

/**
 * pgl_store_key_generation:
 * @store: a store
 * @generation_out: (out): a number that changes whenever any list key or address key is
 *   added, changed or removed (by any process)
 * @error: return location for a #GError
 *
 * Lets a process that keeps keys loaded know, with one read, whether they are still current.
 *
 * Returns: %TRUE, or %FALSE with @error set (%PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_key_generation(PglStore *store, gint64 *generation_out, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(generation_out != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db, "SELECT value FROM key_generation WHERE id = 1", &stmt,
			    error))
		return FALSE;
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_ROW:
		*generation_out = sqlite3_column_int64(stmt, 0);
		return TRUE;
	case PGL_DB_STEP_DONE:
		g_set_error_literal(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
				    "the key generation row is missing");
		return FALSE;
	case PGL_DB_STEP_ERROR:
	default:
		return FALSE;
	}
}
