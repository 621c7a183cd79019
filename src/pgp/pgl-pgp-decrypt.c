/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decryption with the keyring's secret keys, verifying the signatures found inside.
 *
 * Before RNP sees the message we read its session key packets (pgl-pgp-packet.c):
 * - no PKESK at all: not encrypted (%PGL_PGP_ERROR_NOT_ENCRYPTED), or encrypted to a
 *   passphrase only, which a list cannot open (%PGL_PGP_ERROR_DECRYPT);
 * - a PKESK names one of our secret encryption keys: RNP decrypts as usual;
 * - otherwise, for wildcard ("hidden recipient", key ID zero) PKESKs, which RNP 0.16.3 skips:
 *   for each of our secret encryption keys of a matching algorithm, write its key ID into every
 *   wildcard PKESK and let RNP try. RNP tries the named key on each PKESK in turn; on a PKESK
 *   that was not for us the session key fails to unwrap (ECDH: AES key wrap check; RSA: PKCS#1
 *   padding and checksum), and RNP goes on to the next. Cost: one public-key operation per
 *   hidden PKESK, which is why senders should hide recipients only in small chunks; a message
 *   with more than HIDDEN_RECIPIENTS_MAX of them is refused rather than tried.
 *
 * Decryption refuses data without integrity protection (Symmetrically Encrypted Data without
 * MDC, RFC 4880 §5.7: malleable, the EFAIL attacks). Signatures inside are reported whatever
 * their verdict (RNP_VERIFY_IGNORE_SIGS_ON_DECRYPT), so an unknown or bad signature never hides
 * the content from the rules that judge it. The plaintext goes straight into wiped memory.
 */
#include "pgp/pgl-pgp-decrypt.h"
#include "pgp/pgl-pgp-packet.h"
#include "pgp/pgl-pgp-private.h"

#include <string.h>

/* Most wildcard PKESKs we try our key on: each try is a public-key operation (~0.2 ms for
 * cv25519), so a message made of hidden session key packets would otherwise buy seconds of CPU
 * for every kilobyte. (pgl-limits.h) */
#define HIDDEN_RECIPIENTS_MAX PGL_LIMIT_PGP_HIDDEN_RECIPIENTS

/* Packet tags of encrypted data (RFC 4880 §5.7, §5.13; AEAD from the 4880bis drafts) */
#define TAG_SED	  9
#define TAG_SEIPD 18
#define TAG_AEAD  20

typedef struct {
	guint8 key_id[PGL_PGP_KEY_ID_SIZE];
	guint8 algorithm; /* PKESK algorithm number; 0 if unknown (matches any) */
} Candidate;

static guint8
pkesk_algorithm(rnp_key_handle_t key)
{
	g_auto(PglRnpBuffer) algorithm = NULL;

	if (rnp_key_get_alg(key, &algorithm) != RNP_SUCCESS || algorithm == NULL)
		return 0;
	if (g_str_equal(algorithm, RNP_ALGNAME_RSA))
		return 1;
	if (g_str_equal(algorithm, RNP_ALGNAME_ELGAMAL))
		return 16;
	if (g_str_equal(algorithm, RNP_ALGNAME_ECDH))
		return 18;
	return 0;
}

static gboolean
parse_key_id(const gchar *hex, guint8 key_id[PGL_PGP_KEY_ID_SIZE])
{
	if (strlen(hex) != 2 * PGL_PGP_KEY_ID_SIZE)
		return FALSE;
	for (guint i = 0; i < PGL_PGP_KEY_ID_SIZE; i++) {
		gint high = g_ascii_xdigit_value(hex[2 * i]);
		gint low = g_ascii_xdigit_value(hex[2 * i + 1]);

		if (high < 0 || low < 0)
			return FALSE;
		key_id[i] = (guint8)(high << 4 | low);
	}
	return TRUE;
}

/* Our keys that could open a PKESK: secret part present, encryption usage. Validity is not
 * required: an expired list subkey must still open the mail sent to it before it expired. */
static GArray *
decryption_candidates(PglPgpKeyring *keyring)
{
	rnp_ffi_t ffi = pgl_pgp_keyring_get_ffi(keyring);
	g_autoptr(GArray) candidates = g_array_new(FALSE, TRUE, sizeof(Candidate));
	g_auto(rnp_identifier_iterator_t) iterator = NULL;
	const char *key_id = NULL;

	if (rnp_identifier_iterator_create(ffi, &iterator, "keyid") != RNP_SUCCESS)
		return g_steal_pointer(&candidates);
	while (rnp_identifier_iterator_next(iterator, &key_id) == RNP_SUCCESS && key_id != NULL) {
		g_auto(rnp_key_handle_t) key = NULL;
		bool allowed = false;
		Candidate candidate = {0};

		if (rnp_locate_key(ffi, "keyid", key_id, &key) != RNP_SUCCESS || key == NULL)
			continue;
		if (!pgl_pgp_key_has_usable_secret(key) ||
		    rnp_key_allows_usage(key, "encrypt", &allowed) != RNP_SUCCESS || !allowed)
			continue;
		if (!parse_key_id(key_id, candidate.key_id))
			continue;
		candidate.algorithm = pkesk_algorithm(key);
		g_array_append_val(candidates, candidate);
	}
	return g_steal_pointer(&candidates);
}

static PglPgpError
decrypt_error_code(rnp_result_t result)
{
	switch (result) {
	case RNP_ERROR_KEY_NOT_FOUND:
	case RNP_ERROR_NO_SUITABLE_KEY:
		return PGL_PGP_ERROR_NO_KEY;
	case RNP_ERROR_BAD_PASSWORD:
		return PGL_PGP_ERROR_BAD_PASSPHRASE;
	case RNP_ERROR_BAD_FORMAT:
	case RNP_ERROR_NOT_ENOUGH_DATA:
	case RNP_ERROR_UNKNOWN_TAG:
	case RNP_ERROR_PACKET_NOT_CONSUMED:
	case RNP_ERROR_EOF:
	case RNP_ERROR_READ:
		return PGL_PGP_ERROR_GARBAGE;
	default:
		return PGL_PGP_ERROR_DECRYPT;
	}
}

/* One decryption attempt of the binary message @binary; *wrong_key_out says whether it failed
 * because RNP could not get at the session key (so another key might do). */
static PglPgpDecrypted *
try_decrypt(PglPgpKeyring *keyring, GBytes *binary, const PglPgpVerifyParams *params,
	    gsize max_plaintext, gboolean *wrong_key_out, GError **error)
{
	g_autoptr(PglPgpSecretBuffer) buffer = pgl_pgp_secret_buffer_new(max_plaintext);
	g_autoptr(PglPgpDecrypted) decrypted = g_new0(PglPgpDecrypted, 1);
	g_autoptr(GPtrArray) hashed_parts = NULL;
	g_auto(rnp_input_t) input = NULL;
	g_auto(rnp_output_t) output = NULL;
	g_auto(rnp_op_verify_t) op = NULL;
	g_auto(PglRnpBuffer) mode = NULL;
	g_auto(PglRnpBuffer) cipher = NULL;
	rnp_recipient_handle_t recipient = NULL;
	rnp_result_t result;
	bool valid = false;

	result = pgl_pgp_input_from_bytes(&input, binary);
	if (result == RNP_SUCCESS)
		result = pgl_pgp_secret_buffer_output(buffer, &output);
	if (result == RNP_SUCCESS)
		result = rnp_op_verify_create(&op, pgl_pgp_keyring_get_ffi(keyring), input, output);
	if (result == RNP_SUCCESS)
		result = rnp_op_verify_set_flags(op, RNP_VERIFY_IGNORE_SIGS_ON_DECRYPT);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot set up decryption");
		return NULL;
	}
	result = rnp_op_verify_execute(op);
	if (rnp_op_verify_get_protection_info(op, &mode, &cipher, &valid) != RNP_SUCCESS)
		valid = false;
	if (rnp_op_verify_get_used_recipient(op, &recipient) == RNP_SUCCESS && recipient != NULL) {
		g_auto(PglRnpBuffer) key_id = NULL;

		if (rnp_recipient_get_keyid(recipient, &key_id) == RNP_SUCCESS && key_id != NULL)
			decrypted->recipient_key_id = g_ascii_strup(key_id, -1);
	}
	decrypted->signatures = pgl_pgp_signatures_collect(keyring, op, params, &hashed_parts);
	g_clear_pointer(&op, rnp_op_verify_destroy);
	g_clear_pointer(&output, rnp_output_destroy);

	if (pgl_pgp_secret_buffer_overflowed(buffer)) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_LIMIT,
			    "decrypted content is over the limit of %" G_GSIZE_FORMAT " bytes",
			    max_plaintext);
		return NULL;
	}
	if (result != RNP_SUCCESS) {
		PglPgpError code = decrypt_error_code(result);

		*wrong_key_out = code == PGL_PGP_ERROR_NO_KEY || code == PGL_PGP_ERROR_DECRYPT;
		pgl_pgp_set_rnp_error(error, code, result, "cannot decrypt");
		return NULL;
	}
	if (mode == NULL || g_str_equal(mode, "none")) {
		g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_ENCRYPTED,
				    "the message is not encrypted");
		return NULL;
	}
	if (!valid) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_DECRYPT,
			    "the message has no valid integrity protection (%s)", mode);
		return NULL;
	}
	decrypted->mode = g_strdup(mode);
	decrypted->cipher = g_strdup(cipher != NULL ? cipher : "unknown");
	decrypted->plaintext = pgl_pgp_secret_buffer_free_to_bytes(g_steal_pointer(&buffer));
	pgl_pgp_signatures_finish(decrypted->signatures, hashed_parts, decrypted->plaintext);
	return g_steal_pointer(&decrypted);
}

static gboolean
is_candidate(GArray *candidates, const PglPgpPkesk *pkesk)
{
	for (guint i = 0; i < candidates->len; i++) {
		const Candidate *candidate = &g_array_index(candidates, Candidate, i);

		if (memcmp(candidate->key_id, pkesk->key_id, PGL_PGP_KEY_ID_SIZE) == 0)
			return TRUE;
	}
	return FALSE;
}

static gchar *
describe_recipients(GArray *pkesks)
{
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < pkesks->len && i < 8; i++) {
		const PglPgpPkesk *pkesk = &g_array_index(pkesks, PglPgpPkesk, i);

		if (text->len > 0)
			g_string_append_c(text, ' ');
		for (guint j = 0; j < PGL_PGP_KEY_ID_SIZE; j++)
			g_string_append_printf(text, "%02X", pkesk->key_id[j]);
	}
	if (pkesks->len > 8)
		g_string_append(text, " ...");
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/* Tries each candidate key on the wildcard PKESKs of @binary. */
static PglPgpDecrypted *
decrypt_hidden(PglPgpKeyring *keyring, GBytes *binary, GArray *pkesks, GArray *candidates,
	       const PglPgpVerifyParams *params, gsize max_plaintext, GError **error)
{
	for (guint i = 0; i < candidates->len; i++) {
		const Candidate *candidate = &g_array_index(candidates, Candidate, i);
		g_autoptr(GBytes) filled = NULL;
		g_autoptr(GError) local_error = NULL;
		PglPgpDecrypted *decrypted;
		gboolean wrong_key = FALSE;
		guint count = 0;

		filled = pgl_pgp_packet_fill_wildcards(binary, candidate->key_id,
						       candidate->algorithm, &count, error);
		if (filled == NULL)
			return NULL;
		if (count == 0)
			continue;
		decrypted = try_decrypt(keyring, filled, params, max_plaintext, &wrong_key,
					&local_error);
		if (decrypted != NULL) {
			decrypted->hidden_recipient = TRUE;
			return decrypted;
		}
		/* a size limit or missing integrity protection: another key will not help */
		if (!wrong_key) {
			g_propagate_error(error, g_steal_pointer(&local_error));
			return NULL;
		}
	}
	g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY,
		    "none of our keys opens the %u session key packets (recipients hidden)",
		    pkesks->len);
	return NULL;
}

/**
 * pgl_pgp_decrypt:
 * @keyring: a keyring holding the list's secret key (pgl_pgp_keyring_add_secret()) and the
 *   public keys to check signatures against
 * @ciphertext: an OpenPGP message, armored or binary (for PGP/MIME: the second body part of a
 *   multipart/encrypted, RFC 3156 §4)
 * @params: (nullable): the time and freshness window to judge signatures by
 * @max_plaintext: the largest plaintext accepted, in bytes (decompression can expand a small
 *   message enormously); 0 for no limit
 * @error: return location for a #GError
 *
 * Decrypts @ciphertext, including messages whose recipients are hidden, and checks the
 * signatures inside it.
 *
 * Returns: (transfer full) (nullable): the plaintext (in wiped memory) and the signature
 *   results, or %NULL with @error set: %PGL_PGP_ERROR_GARBAGE (not OpenPGP data, malformed),
 *   %PGL_PGP_ERROR_NOT_ENCRYPTED, %PGL_PGP_ERROR_NO_KEY (not encrypted to any of our keys;
 *   the message lists the recipients' key IDs), %PGL_PGP_ERROR_DECRYPT (corrupt, encrypted to
 *   a passphrase, or without integrity protection), %PGL_PGP_ERROR_LIMIT (plaintext over
 *   @max_plaintext, or more than 2000 hidden recipients and none named)
 */
PglPgpDecrypted *
pgl_pgp_decrypt(PglPgpKeyring *keyring, GBytes *ciphertext, const PglPgpVerifyParams *params,
		gsize max_plaintext, GError **error)
{
	g_autoptr(GBytes) binary = NULL;
	g_autoptr(GArray) pkesks = NULL;
	g_autoptr(GArray) candidates = NULL;
	gboolean direct = FALSE;
	gboolean hidden = FALSE;
	guint n_hidden = 0;
	guint8 next_tag = 0;
	const guint8 *data;
	gsize len = 0;

	g_return_val_if_fail(keyring != NULL, NULL);
	g_return_val_if_fail(ciphertext != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (pgl_pgp_looks_armored(ciphertext))
		binary = pgl_pgp_dearmor(ciphertext, 0, error);
	else
		binary = g_bytes_ref(ciphertext);
	if (binary == NULL)
		return NULL;
	data = g_bytes_get_data(binary, &len);
	pkesks = pgl_pgp_packet_list_pkesks(data, len, &next_tag, error);
	if (pkesks == NULL)
		return NULL;
	if (pkesks->len == 0) {
		if (next_tag == TAG_SED || next_tag == TAG_SEIPD || next_tag == TAG_AEAD)
			g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_DECRYPT,
					    "the message is encrypted to a passphrase, "
					    "not to a key");
		else
			g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_ENCRYPTED,
					    "the message is not encrypted");
		return NULL;
	}
	candidates = decryption_candidates(keyring);
	for (guint i = 0; i < pkesks->len; i++) {
		const PglPgpPkesk *pkesk = &g_array_index(pkesks, PglPgpPkesk, i);

		if (pgl_pgp_packet_is_wildcard(pkesk->key_id))
			n_hidden++;
		else if (is_candidate(candidates, pkesk))
			direct = TRUE;
	}
	hidden = n_hidden > 0;
	if (!direct && n_hidden > HIDDEN_RECIPIENTS_MAX) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_LIMIT,
			    "%u hidden recipients; at most %u are tried", n_hidden,
			    HIDDEN_RECIPIENTS_MAX);
		return NULL;
	}
	if (direct) {
		g_autoptr(GError) direct_error = NULL;
		PglPgpDecrypted *decrypted;
		gboolean wrong_key = FALSE;

		decrypted = try_decrypt(keyring, binary, params, max_plaintext, &wrong_key,
					&direct_error);
		if (decrypted != NULL)
			return decrypted;
		if (!hidden || !wrong_key) {
			g_propagate_error(error, g_steal_pointer(&direct_error));
			return NULL;
		}
	}
	if (hidden)
		return decrypt_hidden(keyring, binary, pkesks, candidates, params, max_plaintext,
				      error);
	{
		g_autofree gchar *recipients = describe_recipients(pkesks);

		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY,
			    "the message is not encrypted to our key (recipients: %s)", recipients);
	}
	return NULL;
}

/**
 * pgl_pgp_decrypted_free:
 * @decrypted: (nullable) (transfer full): a decrypted message
 *
 * Frees @decrypted; the plaintext's memory is wiped unless the caller still holds a reference
 * to it (then it is wiped when that goes).
 */
void
pgl_pgp_decrypted_free(PglPgpDecrypted *decrypted)
{
	if (decrypted == NULL)
		return;
	g_clear_pointer(&decrypted->plaintext, g_bytes_unref);
	g_clear_pointer(&decrypted->signatures, g_ptr_array_unref);
	g_free(decrypted->mode);
	g_free(decrypted->cipher);
	g_free(decrypted->recipient_key_id);
	g_free(decrypted);
}
