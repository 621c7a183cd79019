/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PglPgpKeyring: one RNP context ("ffi") with no keyring files, filled from blobs with
 * rnp_import_keys(). Public keys are imported without their secret parts even when a blob holds
 * them; secret keys only through pgl_pgp_keyring_add_secret(), which unlocks them at once so
 * that no passphrase has to be kept or asked for later (the context has no password provider).
 *
 * Keys are always addressed by the fingerprint of their primary key (RFC 4880 §12.2: 40 hex
 * digits for version 4); a subkey's fingerprint is accepted and resolves to its primary.
 */
#include "pgp/pgl-pgp-keyring.h"
#include "pgp/pgl-pgp-private.h"

#include <json-glib/json-glib.h>
#include <string.h>

struct _PglPgpKeyring {
	rnp_ffi_t ffi; /* (owned) */
};

/**
 * pgl_pgp_keyring_new:
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): an empty keyring, or %NULL with @error set
 *   (%PGL_PGP_ERROR_FAILED if RNP could not be set up)
 */
PglPgpKeyring *
pgl_pgp_keyring_new(GError **error)
{
	rnp_ffi_t ffi = pgl_pgp_ffi_new(error);
	PglPgpKeyring *keyring;

	if (ffi == NULL)
		return NULL;
	keyring = g_atomic_rc_box_new0(PglPgpKeyring);
	keyring->ffi = ffi;
	return keyring;
}

/**
 * pgl_pgp_keyring_ref:
 * @keyring: a keyring
 *
 * Returns: (transfer full): @keyring
 */
PglPgpKeyring *
pgl_pgp_keyring_ref(PglPgpKeyring *keyring)
{
	g_return_val_if_fail(keyring != NULL, NULL);
	return g_atomic_rc_box_acquire(keyring);
}

static void
keyring_clear(gpointer data)
{
	PglPgpKeyring *keyring = data;

	/* RNP wipes the secret key material it holds when the context goes */
	g_clear_pointer(&keyring->ffi, rnp_ffi_destroy);
}

/**
 * pgl_pgp_keyring_unref:
 * @keyring: (nullable) (transfer full): a keyring
 *
 * Drops a reference; the last one frees the keyring and the keys in it.
 */
void
pgl_pgp_keyring_unref(PglPgpKeyring *keyring)
{
	if (keyring != NULL)
		g_atomic_rc_box_release_full(keyring, keyring_clear);
}

/**
 * pgl_pgp_keyring_get_ffi:
 * @keyring: a keyring
 *
 * Returns: (transfer none): the RNP context behind @keyring
 */
rnp_ffi_t
pgl_pgp_keyring_get_ffi(PglPgpKeyring *keyring)
{
	return keyring->ffi;
}

/**
 * pgl_pgp_fingerprint_normalize:
 * @fingerprint: a fingerprint in hex, any case, spaces allowed (as gpg prints them)
 *
 * Returns: (transfer full) (nullable): the fingerprint as 40 (version 4) or 64 (version 5)
 *   upper-case hex digits, or %NULL if @fingerprint is not one
 */
gchar *
pgl_pgp_fingerprint_normalize(const gchar *fingerprint)
{
	g_autoptr(GString) out = g_string_new(NULL);

	g_return_val_if_fail(fingerprint != NULL, NULL);
	for (const gchar *p = fingerprint; *p != '\0'; p++) {
		if (*p == ' ')
			continue;
		if (!g_ascii_isxdigit(*p) || out->len >= 64)
			return NULL;
		g_string_append_c(out, g_ascii_toupper(*p));
	}
	if (out->len != 40 && out->len != 64)
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/**
 * pgl_pgp_key_get_fingerprint:
 * @key: an RNP key handle
 *
 * Returns: (transfer full) (nullable): the key's fingerprint in upper-case hex
 */
gchar *
pgl_pgp_key_get_fingerprint(rnp_key_handle_t key)
{
	g_auto(PglRnpBuffer) fpr = NULL;

	if (rnp_key_get_fprint(key, &fpr) != RNP_SUCCESS || fpr == NULL)
		return NULL;
	return g_ascii_strup(fpr, -1);
}

/**
 * pgl_pgp_keyring_locate:
 * @keyring: a keyring
 * @fingerprint: fingerprint of a primary key or of one of its subkeys
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the handle of the primary key, or %NULL with
 *   %PGL_PGP_ERROR_NO_KEY (also for a malformed fingerprint)
 */
rnp_key_handle_t
pgl_pgp_keyring_locate(PglPgpKeyring *keyring, const gchar *fingerprint, GError **error)
{
	g_autofree gchar *normal = pgl_pgp_fingerprint_normalize(fingerprint);
	g_auto(rnp_key_handle_t) key = NULL;
	g_auto(PglRnpBuffer) primary_fpr = NULL;
	bool is_sub = false;

	if (normal == NULL) {
		g_autofree gchar *clean = g_strescape(fingerprint, NULL);

		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY,
			    "not a key fingerprint: \"%.80s\"", clean);
		return NULL;
	}
	if (rnp_locate_key(keyring->ffi, "fingerprint", normal, &key) != RNP_SUCCESS ||
	    key == NULL) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY, "no key %s in the keyring",
			    normal);
		return NULL;
	}
	if (rnp_key_is_sub(key, &is_sub) != RNP_SUCCESS || !is_sub)
		return g_steal_pointer(&key);
	if (rnp_key_get_primary_fprint(key, &primary_fpr) == RNP_SUCCESS && primary_fpr != NULL) {
		g_auto(rnp_key_handle_t) primary = NULL;

		if (rnp_locate_key(keyring->ffi, "fingerprint", primary_fpr, &primary) ==
			    RNP_SUCCESS &&
		    primary != NULL)
			return g_steal_pointer(&primary);
	}
	g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY,
		    "the primary key of subkey %s is not in the keyring", normal);
	return NULL;
}

static void
key_handle_free(gpointer key)
{
	rnp_key_handle_destroy(key);
}

/* The fingerprints listed in the JSON results of rnp_import_keys():
 * {"keys": [{"public": "new", "secret": "none", "fingerprint": "..."}, ...]} */
static GPtrArray *
import_results_fingerprints(const char *results, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GPtrArray) fingerprints = g_ptr_array_new_with_free_func(g_free);
	JsonNode *root;
	JsonObject *object;
	JsonArray *keys;

	if (results == NULL || !json_parser_load_from_data(parser, results, -1, NULL) ||
	    (root = json_parser_get_root(parser)) == NULL || !JSON_NODE_HOLDS_OBJECT(root) ||
	    (object = json_node_get_object(root)) == NULL ||
	    !json_object_has_member(object, "keys") ||
	    (keys = json_object_get_array_member(object, "keys")) == NULL) {
		g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_FAILED,
				    "unexpected key import results from RNP");
		return NULL;
	}
	for (guint i = 0; i < json_array_get_length(keys); i++) {
		JsonNode *node = json_array_get_element(keys, i);
		const gchar *fpr;

		if (!JSON_NODE_HOLDS_OBJECT(node))
			continue;
		fpr = json_object_get_string_member_with_default(json_node_get_object(node),
								 "fingerprint", NULL);
		if (fpr != NULL)
			g_ptr_array_add(fingerprints, g_ascii_strup(fpr, -1));
	}
	return g_steal_pointer(&fingerprints);
}

/**
 * pgl_pgp_import_blob:
 * @ffi: an RNP context
 * @blob: armored or binary keys
 * @flags: RNP_LOAD_SAVE_* flags
 * @primaries_out: (out) (transfer full): handles of the distinct primary keys imported (or
 *   updated), in order
 * @error: return location for a #GError
 *
 * Imports @blob into @ffi (all or nothing: RNP is not told to skip bad packets).
 *
 * Returns: %TRUE on success; %FALSE with %PGL_PGP_ERROR_GARBAGE if @blob is too big, is not
 *   keys, or holds no primary key
 */
gboolean
pgl_pgp_import_blob(rnp_ffi_t ffi, GBytes *blob, guint32 flags, GPtrArray **primaries_out,
		    GError **error)
{
	g_auto(rnp_input_t) input = NULL;
	g_auto(PglRnpBuffer) results = NULL;
	g_autoptr(GPtrArray) fingerprints = NULL;
	g_autoptr(GPtrArray) primaries = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	rnp_result_t result;

	if (g_bytes_get_size(blob) > PGL_PGP_KEY_BLOB_MAX) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
			    "key data of %" G_GSIZE_FORMAT " bytes is over the limit of %d",
			    g_bytes_get_size(blob), PGL_PGP_KEY_BLOB_MAX);
		return FALSE;
	}
	if (g_bytes_get_size(blob) == 0) {
		g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
				    "no key data (empty)");
		return FALSE;
	}
	result = pgl_pgp_input_from_bytes(&input, blob);
	if (result == RNP_SUCCESS)
		result = rnp_import_keys(ffi, input, flags, &results);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_GARBAGE, result,
				      "not an OpenPGP key");
		return FALSE;
	}
	fingerprints = import_results_fingerprints(results, error);
	if (fingerprints == NULL)
		return FALSE;
	primaries = g_ptr_array_new_with_free_func(key_handle_free);
	for (guint i = 0; i < fingerprints->len; i++) {
		g_auto(rnp_key_handle_t) key = NULL;
		g_autofree gchar *fpr = g_strdup(fingerprints->pdata[i]);
		bool is_primary = false;

		if (rnp_locate_key(ffi, "fingerprint", fpr, &key) != RNP_SUCCESS || key == NULL ||
		    rnp_key_is_primary(key, &is_primary) != RNP_SUCCESS)
			continue;
		if (!is_primary) {
			/* a subkey: count its primary (from the blob or already in the keyring) */
			g_auto(PglRnpBuffer) primary_fpr = NULL;

			if (rnp_key_get_primary_fprint(key, &primary_fpr) != RNP_SUCCESS ||
			    primary_fpr == NULL)
				continue;
			g_clear_pointer(&key, rnp_key_handle_destroy);
			if (rnp_locate_key(ffi, "fingerprint", primary_fpr, &key) != RNP_SUCCESS ||
			    key == NULL)
				continue;
			g_free(fpr);
			fpr = g_ascii_strup(primary_fpr, -1);
		}
		if (g_hash_table_contains(seen, fpr))
			continue;
		g_hash_table_add(seen, g_steal_pointer(&fpr));
		g_ptr_array_add(primaries, g_steal_pointer(&key));
	}
	if (primaries->len == 0) {
		g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
				    "no OpenPGP primary key in the data");
		return FALSE;
	}
	*primaries_out = g_steal_pointer(&primaries);
	return TRUE;
}

/**
 * pgl_pgp_keyring_add_public:
 * @keyring: a keyring
 * @blob: one or more public keys (transferable public keys, RFC 4880 §11.1), armored or binary;
 *   secret parts in it are ignored
 * @error: return location for a #GError
 *
 * Adds the public keys of @blob to @keyring (merging with keys already there). Autocrypt key
 * data must be base64-decoded first.
 *
 * Returns: %TRUE on success; %FALSE with %PGL_PGP_ERROR_GARBAGE if @blob holds no key or cannot
 *   be parsed (nothing is added then)
 */
gboolean
pgl_pgp_keyring_add_public(PglPgpKeyring *keyring, GBytes *blob, GError **error)
{
	g_autoptr(GPtrArray) primaries = NULL;

	g_return_val_if_fail(keyring != NULL, FALSE);
	g_return_val_if_fail(blob != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	return pgl_pgp_import_blob(keyring->ffi, blob, RNP_LOAD_SAVE_PUBLIC_KEYS, &primaries,
				   error);
}

static gboolean
unlock_key(rnp_key_handle_t key, const gchar *passphrase, GError **error)
{
	g_auto(PglRnpBuffer) protection = NULL;
	g_autofree gchar *fpr = pgl_pgp_key_get_fingerprint(key);
	bool have_secret = false;
	bool is_protected = false;
	rnp_result_t result;

	if (rnp_key_have_secret(key, &have_secret) != RNP_SUCCESS || !have_secret)
		return TRUE;
	/* GnuPG's stubs (--export-secret-subkeys, smartcards) carry no secret to unlock */
	if (rnp_key_get_protection_type(key, &protection) == RNP_SUCCESS && protection != NULL &&
	    g_str_has_prefix(protection, "GPG-"))
		return TRUE;
	if (rnp_key_is_protected(key, &is_protected) != RNP_SUCCESS || !is_protected)
		return TRUE;
	if (passphrase == NULL) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_BAD_PASSPHRASE,
			    "secret key %s is protected and no passphrase was given", fpr);
		return FALSE;
	}
	result = rnp_key_unlock(key, passphrase);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_BAD_PASSPHRASE, result,
				      "cannot unlock secret key %s", fpr);
		return FALSE;
	}
	return TRUE;
}

static gboolean
unlock_key_and_subkeys(rnp_key_handle_t primary, const gchar *passphrase, GError **error)
{
	size_t n_subkeys = 0;

	if (!unlock_key(primary, passphrase, error))
		return FALSE;
	if (rnp_key_get_subkey_count(primary, &n_subkeys) != RNP_SUCCESS)
		return TRUE;
	for (size_t i = 0; i < n_subkeys; i++) {
		g_auto(rnp_key_handle_t) subkey = NULL;

		if (rnp_key_get_subkey_at(primary, i, &subkey) != RNP_SUCCESS)
			continue;
		if (!unlock_key(subkey, passphrase, error))
			return FALSE;
	}
	return TRUE;
}

/**
 * pgl_pgp_keyring_add_secret:
 * @keyring: a keyring
 * @blob: exactly one transferable secret key (RFC 4880 §11.2), armored or binary
 * @passphrase: (nullable): the passphrase protecting it, %NULL if it is not protected
 * @error: return location for a #GError
 *
 * Adds a secret key (with its public key and subkeys) to @keyring and unlocks it, so the
 * keyring can sign and decrypt with it without asking for the passphrase again. The passphrase
 * is not kept.
 *
 * Returns: (transfer full) (nullable): the fingerprint of its primary key, or %NULL with @error
 *   set: %PGL_PGP_ERROR_GARBAGE (not keys), %PGL_PGP_ERROR_MULTIPLE_KEYS (more than one primary
 *   key), %PGL_PGP_ERROR_NO_KEY (no secret part), %PGL_PGP_ERROR_BAD_PASSPHRASE (protected and
 *   @passphrase wrong or missing; the secret parts are removed from @keyring again)
 */
gchar *
pgl_pgp_keyring_add_secret(PglPgpKeyring *keyring, GBytes *blob, const gchar *passphrase,
			   GError **error)
{
	g_autoptr(GPtrArray) primaries = NULL;
	rnp_key_handle_t primary;
	g_autofree gchar *fpr = NULL;
	bool have_secret = false;

	g_return_val_if_fail(keyring != NULL, NULL);
	g_return_val_if_fail(blob != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_pgp_import_blob(keyring->ffi, blob,
				 RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS, &primaries,
				 error))
		return NULL;
	if (primaries->len != 1) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_MULTIPLE_KEYS,
			    "expected one secret key, found %u primary keys", primaries->len);
		return NULL;
	}
	primary = primaries->pdata[0];
	fpr = pgl_pgp_key_get_fingerprint(primary);
	if (rnp_key_have_secret(primary, &have_secret) != RNP_SUCCESS || !have_secret) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY,
			    "key %s has no secret part", fpr);
		return NULL;
	}
	if (!unlock_key_and_subkeys(primary, passphrase, error)) {
		/* do not leave a locked, unusable secret key behind */
		rnp_key_remove(primary, RNP_KEY_REMOVE_SECRET | RNP_KEY_REMOVE_SUBKEYS);
		return NULL;
	}
	return g_steal_pointer(&fpr);
}

/**
 * pgl_pgp_keyring_contains:
 * @keyring: a keyring
 * @fingerprint: fingerprint of a primary key or subkey
 *
 * Returns: %TRUE if @keyring holds that key
 */
gboolean
pgl_pgp_keyring_contains(PglPgpKeyring *keyring, const gchar *fingerprint)
{
	g_auto(rnp_key_handle_t) key = NULL;

	g_return_val_if_fail(keyring != NULL, FALSE);
	g_return_val_if_fail(fingerprint != NULL, FALSE);
	key = pgl_pgp_keyring_locate(keyring, fingerprint, NULL);
	return key != NULL;
}

/**
 * pgl_pgp_keyring_has_secret:
 * @keyring: a keyring
 * @fingerprint: fingerprint of a primary key or subkey
 *
 * Returns: %TRUE if @keyring holds the secret part of that key's primary key
 */
gboolean
pgl_pgp_keyring_has_secret(PglPgpKeyring *keyring, const gchar *fingerprint)
{
	g_auto(rnp_key_handle_t) key = NULL;
	bool have_secret = false;

	g_return_val_if_fail(keyring != NULL, FALSE);
	g_return_val_if_fail(fingerprint != NULL, FALSE);
	key = pgl_pgp_keyring_locate(keyring, fingerprint, NULL);
	return key != NULL && rnp_key_have_secret(key, &have_secret) == RNP_SUCCESS && have_secret;
}

/**
 * pgl_pgp_keyring_can_encrypt:
 * @keyring: a keyring
 * @fingerprint: fingerprint of a primary key
 *
 * Returns: %TRUE if @keyring holds that key and it can be encrypted to now: it or one of its
 *   subkeys is an encryption key that is valid, not expired and not revoked, with a primary key
 *   that is neither (what pgl_pgp_encrypt() will accept)
 */
gboolean
pgl_pgp_keyring_can_encrypt(PglPgpKeyring *keyring, const gchar *fingerprint)
{
	g_auto(rnp_key_handle_t) primary = NULL;
	g_auto(rnp_key_handle_t) key = NULL;

	g_return_val_if_fail(keyring != NULL, FALSE);
	g_return_val_if_fail(fingerprint != NULL, FALSE);
	primary = pgl_pgp_keyring_locate(keyring, fingerprint, NULL);
	if (primary == NULL)
		return FALSE;
	key = pgl_pgp_key_pick(keyring->ffi, primary, "encrypt", FALSE,
			       g_get_real_time() / G_USEC_PER_SEC);
	return key != NULL;
}

/**
 * pgl_pgp_keyring_get_n_keys:
 * @keyring: a keyring
 *
 * Returns: the number of primary keys in @keyring
 */
guint
pgl_pgp_keyring_get_n_keys(PglPgpKeyring *keyring)
{
	g_auto(rnp_identifier_iterator_t) iterator = NULL;
	const char *fpr = NULL;
	guint count = 0;

	g_return_val_if_fail(keyring != NULL, 0);
	if (rnp_identifier_iterator_create(keyring->ffi, &iterator, "fingerprint") != RNP_SUCCESS)
		return 0;
	while (rnp_identifier_iterator_next(iterator, &fpr) == RNP_SUCCESS && fpr != NULL) {
		g_auto(rnp_key_handle_t) key = NULL;
		bool is_primary = false;

		if (rnp_locate_key(keyring->ffi, "fingerprint", fpr, &key) == RNP_SUCCESS &&
		    key != NULL && rnp_key_is_primary(key, &is_primary) == RNP_SUCCESS &&
		    is_primary)
			count++;
	}
	return count;
}

/**
 * pgl_pgp_keyring_export_public:
 * @keyring: a keyring
 * @fingerprint: fingerprint of the key
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the public key with its user IDs and subkeys, armored;
 *   %NULL with %PGL_PGP_ERROR_NO_KEY if @keyring does not hold it
 */
GBytes *
pgl_pgp_keyring_export_public(PglPgpKeyring *keyring, const gchar *fingerprint, GError **error)
{
	g_auto(rnp_key_handle_t) key = NULL;
	g_auto(rnp_output_t) output = NULL;
	rnp_result_t result;
	uint8_t *buf = NULL;
	size_t len = 0;

	g_return_val_if_fail(keyring != NULL, NULL);
	g_return_val_if_fail(fingerprint != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	key = pgl_pgp_keyring_locate(keyring, fingerprint, error);
	if (key == NULL)
		return NULL;
	result = rnp_output_to_memory(&output, 0);
	if (result == RNP_SUCCESS)
		result = rnp_key_export(key, output,
					RNP_KEY_EXPORT_ARMORED | RNP_KEY_EXPORT_PUBLIC |
						RNP_KEY_EXPORT_SUBKEYS);
	if (result == RNP_SUCCESS)
		result = rnp_output_memory_get_buf(output, &buf, &len, false);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result, "cannot export key %s",
				      fingerprint);
		return NULL;
	}
	return g_bytes_new(buf, len);
}

/**
 * pgl_pgp_keyring_export_autocrypt:
 * @keyring: a keyring
 * @fingerprint: a primary key in @keyring
 * @address: the user ID's address to keep (the Autocrypt addr=)
 * @error: return location for a #GError
 *
 * Exports the minimal key of the Autocrypt specification (Level 1, §2.1.1): the primary key,
 * the user ID for @address with its self-signature, and the encryption subkey, binary.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL with @error set (%PGL_PGP_ERROR_NO_KEY,
 *   %PGL_PGP_ERROR_NOT_USABLE: no usable encryption subkey, %PGL_PGP_ERROR_FAILED: no user ID
 *   with that address)
 */
GBytes *
pgl_pgp_keyring_export_autocrypt(PglPgpKeyring *keyring, const gchar *fingerprint,
				 const gchar *address, GError **error)
{
	g_auto(rnp_key_handle_t) key = NULL;
	g_auto(rnp_key_handle_t) subkey = NULL;
	g_auto(rnp_output_t) output = NULL;
	g_autofree gchar *uid = NULL;
	rnp_result_t result;
	uint8_t *buf = NULL;
	size_t len = 0;
	size_t n_uids = 0;

	g_return_val_if_fail(keyring != NULL, NULL);
	g_return_val_if_fail(fingerprint != NULL && address != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	key = pgl_pgp_keyring_locate(keyring, fingerprint, error);
	if (key == NULL)
		return NULL;
	subkey = pgl_pgp_key_pick(keyring->ffi, key, "encrypt", FALSE,
				  g_get_real_time() / G_USEC_PER_SEC);
	if (subkey == NULL) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_USABLE,
			    "key %s has no usable encryption key", fingerprint);
		return NULL;
	}
	/* the user ID that names @address: RNP wants it verbatim */
	if (rnp_key_get_uid_count(key, &n_uids) == RNP_SUCCESS) {
		for (size_t i = 0; i < n_uids && uid == NULL; i++) {
			g_auto(PglRnpBuffer) text = NULL;
			g_autofree gchar *lower = NULL;

			if (rnp_key_get_uid_at(key, i, &text) != RNP_SUCCESS)
				continue;
			lower = g_ascii_strdown(text, -1);
			if (strstr(lower, address) != NULL)
				uid = g_strdup(text);
		}
	}
	if (uid == NULL) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_FAILED,
			    "key %s has no user ID for %s", fingerprint, address);
		return NULL;
	}
	result = rnp_output_to_memory(&output, 0);
	if (result == RNP_SUCCESS)
		result = rnp_key_export_autocrypt(key, subkey, uid, output, 0);
	if (result == RNP_SUCCESS)
		result = rnp_output_memory_get_buf(output, &buf, &len, false);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot export key %s for Autocrypt", fingerprint);
		return NULL;
	}
	return g_bytes_new(buf, len);
}
