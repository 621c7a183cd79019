/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Detached signatures (RFC 4880 §11.4) over bytes given by the caller. For PGP/MIME (RFC 3156
 * §5) the caller passes the MIME part exactly as it will be sent, with CRLF line ends; the
 * signature is of type 0x00 (binary document) over those bytes, hash SHA-256 (micalg
 * "pgp-sha256"). The signing key is the signer's most recent usable signing subkey, or its
 * primary key, whose secret part must be in the keyring and unlocked.
 */
#include "pgp/pgl-pgp-private.h"
#include "pgp/pgl-pgp-sign.h"

/**
 * pgl_pgp_signing_key:
 * @keyring: a keyring
 * @signer_fingerprint: the signer's primary key (or a subkey) fingerprint
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the key to sign with, or %NULL with
 *   %PGL_PGP_ERROR_NO_KEY (not in the keyring, or no secret part) or %PGL_PGP_ERROR_NOT_USABLE
 *   (no usable signing key: expired, revoked, no signing capability)
 */
rnp_key_handle_t
pgl_pgp_signing_key(PglPgpKeyring *keyring, const gchar *signer_fingerprint, GError **error)
{
	g_auto(rnp_key_handle_t) primary = NULL;
	g_autofree gchar *fpr = NULL;
	rnp_key_handle_t key;
	bool have_secret = false;

	primary = pgl_pgp_keyring_locate(keyring, signer_fingerprint, error);
	if (primary == NULL)
		return NULL;
	fpr = pgl_pgp_key_get_fingerprint(primary);
	if (rnp_key_have_secret(primary, &have_secret) != RNP_SUCCESS || !have_secret) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY,
			    "no secret key for %s in the keyring", fpr);
		return NULL;
	}
	key = pgl_pgp_key_pick(pgl_pgp_keyring_get_ffi(keyring), primary, "sign", TRUE,
			       g_get_real_time() / G_USEC_PER_SEC);
	if (key == NULL) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_USABLE,
			    "key %s has no usable secret signing key", fpr);
		return NULL;
	}
	return key;
}

/**
 * pgl_pgp_sign_detached:
 * @keyring: a keyring holding the signer's secret key (pgl_pgp_keyring_add_secret())
 * @signer_fingerprint: fingerprint of the signer's primary key
 * @data: the exact bytes to sign
 * @armor: %TRUE for an ASCII-armored signature ("-----BEGIN PGP SIGNATURE-----", what
 *   PGP/MIME carries), %FALSE for a binary one
 * @error: return location for a #GError
 *
 * Makes a detached signature over @data with hash %PGL_PGP_SIGN_HASH.
 *
 * Returns: (transfer full) (nullable): the signature, or %NULL with @error set:
 *   %PGL_PGP_ERROR_NO_KEY, %PGL_PGP_ERROR_NOT_USABLE (see above), %PGL_PGP_ERROR_SIGN (RNP
 *   failed to sign)
 */
GBytes *
pgl_pgp_sign_detached(PglPgpKeyring *keyring, const gchar *signer_fingerprint, GBytes *data,
		      gboolean armor, GError **error)
{
	g_auto(rnp_key_handle_t) key = NULL;
	g_auto(rnp_input_t) input = NULL;
	g_auto(rnp_output_t) output = NULL;
	g_auto(rnp_op_sign_t) op = NULL;
	rnp_result_t result;
	uint8_t *buf = NULL;
	size_t len = 0;

	g_return_val_if_fail(keyring != NULL, NULL);
	g_return_val_if_fail(signer_fingerprint != NULL, NULL);
	g_return_val_if_fail(data != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	key = pgl_pgp_signing_key(keyring, signer_fingerprint, error);
	if (key == NULL)
		return NULL;
	result = pgl_pgp_input_from_bytes(&input, data);
	if (result == RNP_SUCCESS)
		result = rnp_output_to_memory(&output, 0);
	if (result == RNP_SUCCESS)
		result = rnp_op_sign_detached_create(&op, pgl_pgp_keyring_get_ffi(keyring), input,
						     output);
	if (result == RNP_SUCCESS)
		result = rnp_op_sign_set_armor(op, armor);
	if (result == RNP_SUCCESS)
		result = rnp_op_sign_set_hash(op, PGL_PGP_SIGN_HASH);
	if (result == RNP_SUCCESS)
		result = rnp_op_sign_add_signature(op, key, NULL);
	if (result == RNP_SUCCESS)
		result = rnp_op_sign_execute(op);
	g_clear_pointer(&op, rnp_op_sign_destroy);
	if (result == RNP_SUCCESS)
		result = rnp_output_memory_get_buf(output, &buf, &len, false);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_SIGN, result, "cannot sign with key %s",
				      signer_fingerprint);
		return NULL;
	}
	return g_bytes_new(buf, len);
}
