/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PGP list's keys at work (see the header). One #PglListCrypto serves one message in one
 * thread: it is cheap to make (the list key is a few hundred bytes; cv25519 work is well under a
 * millisecond) and holds only the keys that message needs.
 *
 * Sealing encrypts to the list's key only, unsigned, binary: nothing reads a sealed message but
 * pgl_list_crypto_unseal() of the same list. A list whose key was replaced (key import) can no
 * longer unseal what was sealed to the old key: the caller reports that message, it is never
 * passed on in clear.
 */
#define G_LOG_DOMAIN "pgl-keys"

#include "keys/pgl-list-crypto.h"

#include "keys/pgl-keys.h"

struct _PglListCrypto {
	PglContext *ctx;	 /* (owned) */
	PglPgpKeyring *keyring;	 /* (owned) the list key pair and the addresses' public keys */
	gchar *fingerprint;	 /* (owned) the list key, upper-case hex */
	GBytes *public_key;	 /* (owned) as stored */
};

/**
 * pgl_list_crypto_open:
 * @ctx: the context ([pgp] key_passphrase_file, limits)
 * @store: a store
 * @list: a stored list
 * @crypto_out: (out) (transfer full): the list's keys; %NULL for a list without a key pair (a
 *   plain list)
 * @error: return location for a #GError
 *
 * Returns: %TRUE (with *@crypto_out %NULL for a plain list), or %FALSE with @error set
 *   (%PGL_STORE_ERROR_*, %PGL_KEYS_ERROR_PASSPHRASE, %PGL_PGP_ERROR_BAD_PASSPHRASE and others
 *   of pgl_pgp_keyring_add_secret(): a stored key that no longer loads)
 */
gboolean
pgl_list_crypto_open(PglContext *ctx, PglStore *store, const PglList *list,
		     PglListCrypto **crypto_out, GError **error)
{
	g_autoptr(PglListCrypto) crypto = NULL;
	g_autoptr(PglListKey) key = NULL;
	g_autoptr(GBytes) passphrase = NULL;
	g_autoptr(GError) local_error = NULL;
	g_autofree gchar *loaded = NULL;

	g_return_val_if_fail(crypto_out != NULL, FALSE);
	*crypto_out = NULL;
	key = pgl_store_list_key_get(store, list->id, TRUE, &local_error);
	if (key == NULL) {
		if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&local_error));
		return FALSE;
	}
	if (!pgl_keys_read_passphrase(ctx, &passphrase, error))
		return FALSE;
	crypto = g_new0(PglListCrypto, 1);
	crypto->ctx = pgl_context_ref(ctx);
	crypto->keyring = pgl_pgp_keyring_new(error);
	if (crypto->keyring == NULL)
		return FALSE;
	loaded = pgl_pgp_keyring_add_secret(
		crypto->keyring, key->secret_key,
		passphrase != NULL ? g_bytes_get_data(passphrase, NULL) : NULL, error);
	if (loaded == NULL) {
		g_prefix_error(error, "key of list %s: ", list->address);
		return FALSE;
	}
	crypto->fingerprint = g_strdup(key->fingerprint);
	crypto->public_key = g_bytes_ref(key->public_key);
	*crypto_out = g_steal_pointer(&crypto);
	return TRUE;
}

void
pgl_list_crypto_free(PglListCrypto *crypto)
{
	if (crypto == NULL)
		return;
	g_clear_pointer(&crypto->keyring, pgl_pgp_keyring_unref);
	g_clear_pointer(&crypto->public_key, g_bytes_unref);
	g_clear_pointer(&crypto->ctx, pgl_context_unref);
	g_free(crypto->fingerprint);
	g_free(crypto);
}

/**
 * pgl_list_crypto_get_fingerprint:
 *
 * Returns: (transfer none): the list key's fingerprint
 */
const gchar *
pgl_list_crypto_get_fingerprint(PglListCrypto *crypto)
{
	return crypto->fingerprint;
}

/**
 * pgl_list_crypto_get_keyring:
 *
 * Returns: (transfer none): the keyring with the list's key pair and the address keys loaded
 */
PglPgpKeyring *
pgl_list_crypto_get_keyring(PglListCrypto *crypto)
{
	return crypto->keyring;
}

/**
 * pgl_list_crypto_get_public_key:
 *
 * Returns: (transfer none): the list's public key as stored (armored or binary)
 */
GBytes *
pgl_list_crypto_get_public_key(PglListCrypto *crypto)
{
	return crypto->public_key;
}

/**
 * pgl_list_crypto_load_address:
 * @crypto: the list's keys
 * @store: a store
 * @address: a normalised address
 * @state_out: (out): what the list can do with the address's key
 * @fingerprint_out: (out) (optional) (transfer full): its fingerprint, %NULL if it has none
 * @error: return location for a #GError
 *
 * Adds the address's public key, if it has one, to the keyring (confirmed or not, so that a
 * signature by an unconfirmed key can be told from one by an unknown key).
 *
 * Returns: %TRUE, or %FALSE with @error set (%PGL_STORE_ERROR_*; a stored key the engine no
 *   longer reads is %PGL_ADDRESS_KEY_UNUSABLE, not an error)
 */
gboolean
pgl_list_crypto_load_address(PglListCrypto *crypto, PglStore *store, const gchar *address,
			     PglAddressKeyState *state_out, gchar **fingerprint_out,
			     GError **error)
{
	g_autoptr(PglAddressKey) key = NULL;
	g_autoptr(GError) local_error = NULL;

	*state_out = PGL_ADDRESS_KEY_NONE;
	if (fingerprint_out != NULL)
		*fingerprint_out = NULL;
	key = pgl_store_address_key_get(store, address, &local_error);
	if (key == NULL) {
		if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&local_error));
		return FALSE;
	}
	if (fingerprint_out != NULL)
		*fingerprint_out = g_strdup(key->fingerprint);
	if (!pgl_pgp_keyring_contains(crypto->keyring, key->fingerprint) &&
	    !pgl_pgp_keyring_add_public(crypto->keyring, key->public_key, &local_error)) {
		g_warning("address key %s of %s does not load: %s", key->fingerprint, address,
			  local_error->message);
		*state_out = PGL_ADDRESS_KEY_UNUSABLE;
		return TRUE;
	}
	if (!key->confirmed)
		*state_out = PGL_ADDRESS_KEY_UNCONFIRMED;
	else if (!pgl_pgp_keyring_can_encrypt(crypto->keyring, key->fingerprint))
		*state_out = PGL_ADDRESS_KEY_UNUSABLE;
	else
		*state_out = PGL_ADDRESS_KEY_USABLE;
	return TRUE;
}

/**
 * pgl_list_crypto_seal:
 * @crypto: the list's keys
 * @plaintext: a message
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): @plaintext encrypted to the list key, or %NULL with
 *   @error set as pgl_pgp_encrypt() does
 */
GBytes *
pgl_list_crypto_seal(PglListCrypto *crypto, GBytes *plaintext, GError **error)
{
	const gchar *recipients[] = {crypto->fingerprint, NULL};

	return pgl_pgp_encrypt(crypto->keyring, NULL, recipients, plaintext,
			       PGL_PGP_ENCRYPT_NONE, error);
}

/**
 * pgl_list_crypto_unseal:
 * @crypto: the list's keys
 * @sealed: what pgl_list_crypto_seal() made
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the plaintext, in memory wiped when freed, or %NULL
 *   with @error set as pgl_pgp_decrypt() does (%PGL_PGP_ERROR_NO_KEY: sealed to another key)
 */
GBytes *
pgl_list_crypto_unseal(PglListCrypto *crypto, GBytes *sealed, GError **error)
{
	const PglConfig *config = pgl_context_get_config(crypto->ctx);
	g_autoptr(PglPgpDecrypted) decrypted = NULL;

	/* what was sealed was a message within [limits], plus what the list added to it */
	decrypted = pgl_pgp_decrypt(crypto->keyring, sealed, NULL,
				    (gsize)config->message_max + 1024 * 1024, error);
	if (decrypted == NULL)
		return NULL;
	return g_bytes_ref(decrypted->plaintext);
}
