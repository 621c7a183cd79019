/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Encryption to N recipients with one session key, optionally signed inside (the combined
 * signed-and-encrypted form of RFC 3156 §6.2: one-pass signature, literal data, signature, all
 * inside the encrypted packet).
 *
 * Choices, for GnuPG 2.2 and other RFC 4880 readers: AES-256 in Symmetrically Encrypted
 * Integrity Protected Data packets with MDC (RFC 4880 §5.13), never AEAD (rnp_op_encrypt_set_aead
 * "None"; GnuPG 2.2 cannot read RNP's AEAD packets); no compression (mail is small, often already
 * compressed, and an uncompressed message cannot expand at the reader); signature hash SHA-256.
 * Each recipient's newest usable encryption subkey is used; an expired, revoked or
 * encryption-incapable recipient key is an error, never silently skipped (RNP itself does not
 * check: rnp_op_encrypt_add_recipient() takes any key).
 *
 * Hidden recipients: RNP 0.16.3 has no option for it, so the binary output's leading PKESK
 * packets get their key IDs zeroed afterwards (pgl-pgp-packet.c), then the result is armored.
 */
#include "pgp/pgl-pgp-encrypt.h"
#include "pgp/pgl-pgp-packet.h"
#include "pgp/pgl-pgp-private.h"
#include "pgp/pgl-pgp-sign.h"

static gboolean
add_recipients(PglPgpKeyring *keyring, rnp_op_encrypt_t op,
	       const gchar *const *recipient_fingerprints, GError **error)
{
	rnp_ffi_t ffi = pgl_pgp_keyring_get_ffi(keyring);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	for (gsize i = 0; recipient_fingerprints[i] != NULL; i++) {
		g_auto(rnp_key_handle_t) primary = NULL;
		g_auto(rnp_key_handle_t) key = NULL;
		rnp_result_t result;

		primary = pgl_pgp_keyring_locate(keyring, recipient_fingerprints[i], error);
		if (primary == NULL)
			return FALSE;
		key = pgl_pgp_key_pick(ffi, primary, "encrypt", FALSE, now);
		if (key == NULL) {
			g_autofree gchar *fpr = pgl_pgp_key_get_fingerprint(primary);

			g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_USABLE,
				    "key %s has no usable encryption key (expired, revoked, or "
				    "none)",
				    fpr);
			return FALSE;
		}
		result = rnp_op_encrypt_add_recipient(op, key);
		if (result != RNP_SUCCESS) {
			pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_ENCRYPT, result,
					      "cannot encrypt to %s", recipient_fingerprints[i]);
			return FALSE;
		}
	}
	return TRUE;
}

static GBytes *
armor_message(GBytes *binary, GError **error)
{
	g_auto(rnp_input_t) input = NULL;
	g_auto(rnp_output_t) output = NULL;
	rnp_result_t result;
	uint8_t *buf = NULL;
	size_t len = 0;

	result = pgl_pgp_input_from_bytes(&input, binary);
	if (result == RNP_SUCCESS)
		result = rnp_output_to_memory(&output, 0);
	if (result == RNP_SUCCESS)
		result = rnp_enarmor(input, output, "message");
	if (result == RNP_SUCCESS)
		result = rnp_output_memory_get_buf(output, &buf, &len, false);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_ENCRYPT, result,
				      "cannot armor the encrypted message");
		return NULL;
	}
	return g_bytes_new(buf, len);
}

/**
 * pgl_pgp_encrypt:
 * @keyring: a keyring holding the recipients' public keys (and the signer's secret key)
 * @signer_fingerprint: (nullable): the list key to sign with (inside the encryption), %NULL
 *   for an unsigned message (e.g. storing a message encrypted to the list key)
 * @recipient_fingerprints: (array zero-terminated=1): fingerprints of the recipients' primary
 *   keys; at least one
 * @plaintext: the data to encrypt (for PGP/MIME: the MIME entity, RFC 3156 §4)
 * @flags: armor and hidden recipients
 * @error: return location for a #GError
 *
 * Encrypts @plaintext to every recipient with one session key, and signs it first if
 * @signer_fingerprint is given.
 *
 * Returns: (transfer full) (nullable): the encrypted message, or %NULL with @error set:
 *   %PGL_PGP_ERROR_NO_KEY (a recipient or the signer is not in @keyring, or the signer's
 *   secret key is missing), %PGL_PGP_ERROR_NOT_USABLE (a recipient key cannot encrypt now, or
 *   the signer cannot sign), %PGL_PGP_ERROR_ENCRYPT (RNP failed)
 */
GBytes *
pgl_pgp_encrypt(PglPgpKeyring *keyring, const gchar *signer_fingerprint,
		const gchar *const *recipient_fingerprints, GBytes *plaintext,
		PglPgpEncryptFlags flags, GError **error)
{
	g_auto(rnp_key_handle_t) signer = NULL;
	g_auto(rnp_input_t) input = NULL;
	g_auto(rnp_output_t) output = NULL;
	g_auto(rnp_op_encrypt_t) op = NULL;
	g_autoptr(GBytes) binary = NULL;
	g_autoptr(GBytes) hidden = NULL;
	gboolean hide = (flags & PGL_PGP_ENCRYPT_HIDE_RECIPIENTS) != 0;
	gboolean armor = (flags & PGL_PGP_ENCRYPT_ARMOR) != 0;
	rnp_result_t result;
	uint8_t *buf = NULL;
	size_t len = 0;
	guint hidden_count = 0;

	g_return_val_if_fail(keyring != NULL, NULL);
	g_return_val_if_fail(recipient_fingerprints != NULL, NULL);
	g_return_val_if_fail(recipient_fingerprints[0] != NULL, NULL);
	g_return_val_if_fail(plaintext != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (signer_fingerprint != NULL) {
		signer = pgl_pgp_signing_key(keyring, signer_fingerprint, error);
		if (signer == NULL)
			return NULL;
	}
	result = pgl_pgp_input_from_bytes(&input, plaintext);
	if (result == RNP_SUCCESS)
		result = rnp_output_to_memory(&output, 0);
	if (result == RNP_SUCCESS)
		result = rnp_op_encrypt_create(&op, pgl_pgp_keyring_get_ffi(keyring), input,
					       output);
	if (result == RNP_SUCCESS)
		result = rnp_op_encrypt_set_armor(op, armor && !hide);
	if (result == RNP_SUCCESS)
		result = rnp_op_encrypt_set_cipher(op, RNP_ALGNAME_AES_256);
	if (result == RNP_SUCCESS)
		result = rnp_op_encrypt_set_aead(op, "None");
	if (result == RNP_SUCCESS)
		result = rnp_op_encrypt_set_compression(op, "Uncompressed", 0);
	if (result == RNP_SUCCESS)
		result = rnp_op_encrypt_set_file_name(op, "");
	if (result == RNP_SUCCESS)
		result = rnp_op_encrypt_set_file_mtime(op, 0);
	if (result == RNP_SUCCESS && signer != NULL)
		result = rnp_op_encrypt_set_hash(op, PGL_PGP_SIGN_HASH);
	if (result == RNP_SUCCESS && signer != NULL)
		result = rnp_op_encrypt_add_signature(op, signer, NULL);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_ENCRYPT, result,
				      "cannot set up encryption");
		return NULL;
	}
	if (!add_recipients(keyring, op, recipient_fingerprints, error))
		return NULL;
	result = rnp_op_encrypt_execute(op);
	g_clear_pointer(&op, rnp_op_encrypt_destroy);
	if (result == RNP_SUCCESS)
		result = rnp_output_memory_get_buf(output, &buf, &len, false);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_ENCRYPT, result, "encryption failed");
		return NULL;
	}
	binary = g_bytes_new(buf, len);
	if (!hide)
		return g_steal_pointer(&binary);

	hidden = pgl_pgp_packet_hide_recipients(binary, &hidden_count, error);
	if (hidden == NULL) {
		g_prefix_error(error, "cannot hide the recipients: ");
		return NULL;
	}
	if (hidden_count == 0) {
		g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_ENCRYPT,
				    "cannot hide the recipients: no session key packet found");
		return NULL;
	}
	if (!armor)
		return g_steal_pointer(&hidden);
	return armor_message(hidden, error);
}
