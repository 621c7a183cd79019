/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Signature verification. RNP's rnp_op_verify_execute() fails as a whole when no signature is
 * good (SIGNATURE_INVALID, KEY_NOT_FOUND...), but still records every signature it saw: those
 * results are what we report, one #PglPgpSignature each, with the verdict decided in
 * pgl-pgp-signature.c. Only when RNP found no signature at all is the call an error.
 *
 * Inline verification writes the signed content into a wiped buffer (it may be plaintext that
 * came out of a decryption) and refuses encrypted input: that is pgl_pgp_decrypt()'s job, and a
 * keyring holding the list's secret key would otherwise decrypt here silently.
 */
#include "pgp/pgl-pgp-private.h"
#include "pgp/pgl-pgp-verify.h"

/* RNP results after which the recorded signatures are meaningful */
static gboolean
verification_ran(rnp_result_t result)
{
	switch (result) {
	case RNP_SUCCESS:
	case RNP_ERROR_SIGNATURE_INVALID:
	case RNP_ERROR_SIGNATURE_EXPIRED:
	case RNP_ERROR_SIGNATURE_UNKNOWN:
	case RNP_ERROR_KEY_NOT_FOUND:
		return TRUE;
	default:
		return FALSE;
	}
}

/**
 * pgl_pgp_verify_detached:
 * @keyring: the public keys to verify against
 * @data: the signed bytes, exactly (for PGP/MIME: the first body part with its headers, CRLF
 *   line ends, RFC 3156 §5)
 * @signature: one or more detached signatures, armored or binary
 * @params: (nullable): the time and freshness window to judge by
 * @error: return location for a #GError
 *
 * Verifies detached signatures over @data.
 *
 * Returns: (transfer full) (element-type PglPgpSignature) (nullable): one result per
 *   signature (at least one), each with its verdict; %NULL with @error set:
 *   %PGL_PGP_ERROR_GARBAGE (@signature is not OpenPGP signature data),
 *   %PGL_PGP_ERROR_NO_SIGNATURE (no signature in it)
 */
GPtrArray *
pgl_pgp_verify_detached(PglPgpKeyring *keyring, GBytes *data, GBytes *signature,
			const PglPgpVerifyParams *params, GError **error)
{
	g_auto(rnp_input_t) data_input = NULL;
	g_auto(rnp_input_t) signature_input = NULL;
	g_auto(rnp_op_verify_t) op = NULL;
	g_autoptr(GPtrArray) signatures = NULL;
	g_autoptr(GPtrArray) hashed_parts = NULL;
	rnp_result_t result;

	g_return_val_if_fail(keyring != NULL, NULL);
	g_return_val_if_fail(data != NULL, NULL);
	g_return_val_if_fail(signature != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (g_bytes_get_size(signature) == 0 ||
	    g_bytes_get_size(signature) > PGL_PGP_KEY_BLOB_MAX) {
		g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
				    "signature empty or too big");
		return NULL;
	}
	result = pgl_pgp_input_from_bytes(&data_input, data);
	if (result == RNP_SUCCESS)
		result = pgl_pgp_input_from_bytes(&signature_input, signature);
	if (result == RNP_SUCCESS)
		result = rnp_op_verify_detached_create(&op, pgl_pgp_keyring_get_ffi(keyring),
						       data_input, signature_input);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot set up verification");
		return NULL;
	}
	result = rnp_op_verify_execute(op);
	signatures = pgl_pgp_signatures_collect(keyring, op, params, &hashed_parts);
	if (signatures->len == 0 || !verification_ran(result)) {
		if (result == RNP_SUCCESS || result == RNP_ERROR_NO_SIGNATURES_FOUND)
			g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_SIGNATURE,
					    "no signature found");
		else
			pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_GARBAGE, result,
					      "not a valid detached signature");
		return NULL;
	}
	pgl_pgp_signatures_finish(signatures, hashed_parts, data);
	return g_steal_pointer(&signatures);
}

/**
 * pgl_pgp_verify_inline:
 * @keyring: the public keys to verify against
 * @message: a signed OpenPGP message (one-pass signatures or old-style signature packets,
 *   compressed or not) or a cleartext-signed text ("-----BEGIN PGP SIGNED MESSAGE-----"),
 *   armored or binary
 * @params: (nullable): the time and freshness window to judge by
 * @max_content: the largest signed content accepted (decompression can expand it), in bytes;
 *   0 for no limit
 * @content_out: (out) (transfer full) (optional): the signed content (for a cleartext
 *   signature: the text without dash-escaping, as verified), in memory that is wiped when freed
 * @error: return location for a #GError
 *
 * Verifies the signatures embedded in @message and extracts what they sign.
 *
 * Returns: (transfer full) (element-type PglPgpSignature) (nullable): one result per signature
 *   (at least one); %NULL with @error set: %PGL_PGP_ERROR_GARBAGE (not a valid OpenPGP
 *   message, or an encrypted one), %PGL_PGP_ERROR_NO_SIGNATURE (not signed),
 *   %PGL_PGP_ERROR_LIMIT (content over @max_content)
 */
GPtrArray *
pgl_pgp_verify_inline(PglPgpKeyring *keyring, GBytes *message, const PglPgpVerifyParams *params,
		      gsize max_content, GBytes **content_out, GError **error)
{
	g_autoptr(PglPgpSecretBuffer) buffer = pgl_pgp_secret_buffer_new(max_content);
	g_autoptr(GBytes) content = NULL;
	g_auto(rnp_input_t) input = NULL;
	g_auto(rnp_output_t) output = NULL;
	g_auto(rnp_op_verify_t) op = NULL;
	g_auto(PglRnpBuffer) mode = NULL;
	g_autoptr(GPtrArray) signatures = NULL;
	g_autoptr(GPtrArray) hashed_parts = NULL;
	rnp_result_t result;
	gboolean encrypted;

	g_return_val_if_fail(keyring != NULL, NULL);
	g_return_val_if_fail(message != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	result = pgl_pgp_input_from_bytes(&input, message);
	if (result == RNP_SUCCESS)
		result = pgl_pgp_secret_buffer_output(buffer, &output);
	if (result == RNP_SUCCESS)
		result = rnp_op_verify_create(&op, pgl_pgp_keyring_get_ffi(keyring), input, output);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot set up verification");
		return NULL;
	}
	result = rnp_op_verify_execute(op);
	encrypted = rnp_op_verify_get_protection_info(op, &mode, NULL, NULL) == RNP_SUCCESS &&
		    mode != NULL && !g_str_equal(mode, "none");
	signatures = pgl_pgp_signatures_collect(keyring, op, params, &hashed_parts);
	g_clear_pointer(&op, rnp_op_verify_destroy);
	g_clear_pointer(&output, rnp_output_destroy);
	if (pgl_pgp_secret_buffer_overflowed(buffer)) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_LIMIT,
			    "signed content is over the limit of %" G_GSIZE_FORMAT " bytes",
			    max_content);
		return NULL;
	}
	if (encrypted) {
		g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
				    "the message is encrypted; decrypt it instead");
		return NULL;
	}
	if (signatures->len == 0 || !verification_ran(result)) {
		if (result == RNP_SUCCESS || result == RNP_ERROR_NO_SIGNATURES_FOUND)
			g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_SIGNATURE,
					    "the message is not signed");
		else
			pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_GARBAGE, result,
					      "not a valid signed message");
		return NULL;
	}
	content = pgl_pgp_secret_buffer_free_to_bytes(g_steal_pointer(&buffer));
	pgl_pgp_signatures_finish(signatures, hashed_parts, content);
	if (content_out != NULL)
		*content_out = g_steal_pointer(&content);
	return g_steal_pointer(&signatures);
}
