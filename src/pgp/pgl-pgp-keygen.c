/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * List key generation with RNP's step-by-step generator (rnp_op_generate_*). Not
 * rnp_generate_key_ex() or its shortcuts: those silently give the key a two-year expiry, and a
 * list key that expires stops the list. Here the expiry is set to 0 (never) explicitly on both
 * keys, and the test suite checks that gpg sees no expiry.
 *
 * The primary key signs and certifies, the subkey only encrypts (RFC 4880 §5.2.3.21 key
 * flags). The first user ID is "Display Name <list@domain>" (made by the generator, with the
 * algorithm preferences); the second, "<list-request@domain>", is added afterwards with the same
 * key flags. RNP 0.16 cannot put algorithm preferences on an added user ID, and GnuPG takes the
 * preferences of the primary user ID when it encrypts and signs to a key named by fingerprint
 * (as Mutt and every GPGME client do): if the request user ID were primary, gpg would sign
 * posts with SHA-1, which we refuse. Neither self-signature carries the primary flag (RNP's
 * generator cannot set it), so GnuPG takes the user ID with the newest self-signature and,
 * among equals, the longer one (getkey.c, cmp_user_ids()). So both self-signatures are made
 * again in one step (rnp_key_set_expiration() re-signs every user ID, keeping its
 * subpackets) until they carry the same second, and a first user ID that would not be longer
 * than the request one gets the comment "(mailing list)". A passphrase, if given, protects the secret keys as exported (AES-256, iterated and
 * salted S2K with SHA-256); the key is generated unprotected in a private context that is
 * destroyed (and its key material wiped by RNP) before returning.
 */
#include "pgp/pgl-pgp-keygen.h"
#include "pgp/pgl-pgp-private.h"

#include <string.h>

static const struct {
	PglPgpKeyAlgorithm algorithm;
	const gchar *name;
} algorithm_names[] = {
	{PGL_PGP_KEY_ALGORITHM_ED25519, "ed25519"},
	{PGL_PGP_KEY_ALGORITHM_RSA3072, "rsa3072"},
	{PGL_PGP_KEY_ALGORITHM_RSA4096, "rsa4096"},
};

/**
 * pgl_pgp_key_algorithm_to_string:
 * @algorithm: a key algorithm
 *
 * Returns: its configuration name: "ed25519", "rsa3072" or "rsa4096"
 */
const gchar *
pgl_pgp_key_algorithm_to_string(PglPgpKeyAlgorithm algorithm)
{
	for (gsize i = 0; i < G_N_ELEMENTS(algorithm_names); i++) {
		if (algorithm_names[i].algorithm == algorithm)
			return algorithm_names[i].name;
	}
	g_return_val_if_reached("unknown");
}

/**
 * pgl_pgp_key_algorithm_from_string:
 * @text: a configuration name ("ed25519", "rsa3072", "rsa4096", any case)
 * @algorithm_out: (out): the algorithm
 *
 * Returns: %TRUE if @text names an algorithm
 */
gboolean
pgl_pgp_key_algorithm_from_string(const gchar *text, PglPgpKeyAlgorithm *algorithm_out)
{
	g_return_val_if_fail(text != NULL, FALSE);

	for (gsize i = 0; i < G_N_ELEMENTS(algorithm_names); i++) {
		if (g_ascii_strcasecmp(algorithm_names[i].name, text) == 0) {
			*algorithm_out = algorithm_names[i].algorithm;
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean
check_address(const gchar *address, GError **error)
{
	if (address[0] == '\0' || strchr(address, '@') == NULL) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
			    "\"%.80s\" is not an address for a user ID", address);
		return FALSE;
	}
	for (const gchar *p = address; *p != '\0'; p++) {
		if ((guchar)*p <= ' ' || *p == '<' || *p == '>' || *p == 0x7f) {
			g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
					    "an address for a user ID contains a space, control "
					    "character or angle bracket");
			return FALSE;
		}
	}
	return TRUE;
}

static gchar *
make_user_id(const gchar *display_name, const gchar *address, GError **error)
{
	if (!check_address(address, error))
		return NULL;
	if (display_name == NULL || display_name[0] == '\0')
		return g_strdup_printf("<%s>", address);
	if (!g_utf8_validate(display_name, -1, NULL)) {
		g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
				    "display name for a user ID is not UTF-8");
		return NULL;
	}
	for (const gchar *p = display_name; *p != '\0'; p++) {
		if ((guchar)*p < ' ' || *p == '<' || *p == '>' || *p == 0x7f) {
			g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
					    "display name for a user ID contains a control "
					    "character or angle bracket");
			return NULL;
		}
	}
	return g_strdup_printf("%s <%s>", display_name, address);
}

static rnp_result_t
set_up_primary(rnp_op_generate_t op, PglPgpKeyAlgorithm algorithm, const gchar *user_id)
{
	rnp_result_t result = RNP_SUCCESS;

	switch (algorithm) {
	case PGL_PGP_KEY_ALGORITHM_ED25519:
		break;
	case PGL_PGP_KEY_ALGORITHM_RSA3072:
		result = rnp_op_generate_set_bits(op, 3072);
		break;
	case PGL_PGP_KEY_ALGORITHM_RSA4096:
		result = rnp_op_generate_set_bits(op, 4096);
		break;
	default:
		g_assert_not_reached();
	}
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_set_userid(op, user_id);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_set_expiration(op, 0);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_set_hash(op, RNP_ALGNAME_SHA256);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_clear_usage(op);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_add_usage(op, "sign");
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_add_usage(op, "certify");
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_clear_pref_hashes(op);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_add_pref_hash(op, RNP_ALGNAME_SHA512);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_add_pref_hash(op, RNP_ALGNAME_SHA256);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_clear_pref_ciphers(op);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_add_pref_cipher(op, RNP_ALGNAME_AES_256);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_add_pref_cipher(op, RNP_ALGNAME_AES_128);
	return result;
}

static rnp_result_t
set_up_subkey(rnp_op_generate_t op, PglPgpKeyAlgorithm algorithm)
{
	rnp_result_t result = RNP_SUCCESS;

	switch (algorithm) {
	case PGL_PGP_KEY_ALGORITHM_ED25519:
		result = rnp_op_generate_set_curve(op, "Curve25519");
		break;
	case PGL_PGP_KEY_ALGORITHM_RSA3072:
		result = rnp_op_generate_set_bits(op, 3072);
		break;
	case PGL_PGP_KEY_ALGORITHM_RSA4096:
		result = rnp_op_generate_set_bits(op, 4096);
		break;
	default:
		g_assert_not_reached();
	}
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_set_expiration(op, 0);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_set_hash(op, RNP_ALGNAME_SHA256);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_clear_usage(op);
	if (result == RNP_SUCCESS)
		result = rnp_op_generate_add_usage(op, "encrypt");
	return result;
}

/* Runs a prepared generator; returns the new key's handle. */
static rnp_key_handle_t
generate(rnp_op_generate_t op, GError **error)
{
	rnp_key_handle_t key = NULL;
	rnp_result_t result = rnp_op_generate_execute(op);

	if (result == RNP_SUCCESS)
		result = rnp_op_generate_get_key(op, &key);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result, "key generation failed");
		return NULL;
	}
	return key;
}

static GBytes *
export_key(rnp_key_handle_t primary, guint32 what, GError **error)
{
	g_autoptr(PglPgpSecretBuffer) buffer = pgl_pgp_secret_buffer_new(0);
	rnp_output_t output = NULL;
	rnp_result_t result;

	result = pgl_pgp_secret_buffer_output(buffer, &output);
	if (result == RNP_SUCCESS)
		result = rnp_key_export(primary, output,
					RNP_KEY_EXPORT_ARMORED | RNP_KEY_EXPORT_SUBKEYS | what);
	/* destroying the output flushes the armor's last lines into the buffer */
	g_clear_pointer(&output, rnp_output_destroy);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot export the new key");
		return NULL;
	}
	return pgl_pgp_secret_buffer_free_to_bytes(g_steal_pointer(&buffer));
}

static gboolean
protect(rnp_key_handle_t key, const gchar *passphrase, GError **error)
{
	rnp_result_t result = rnp_key_protect(key, passphrase, RNP_ALGNAME_AES_256, NULL,
					      RNP_ALGNAME_SHA256, 0);

	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot protect the new key with the passphrase");
		return FALSE;
	}
	return TRUE;
}

/* Creation time of the newest self-signature of user ID @index; 0 if none. */
static guint32
self_signature_time(rnp_key_handle_t key, size_t index)
{
	g_auto(rnp_uid_handle_t) uid = NULL;
	size_t count = 0;
	guint32 newest = 0;

	if (rnp_key_get_uid_handle_at(key, index, &uid) != RNP_SUCCESS ||
	    rnp_uid_get_signature_count(uid, &count) != RNP_SUCCESS)
		return 0;
	for (size_t i = 0; i < count; i++) {
		g_auto(rnp_signature_handle_t) signature = NULL;
		uint32_t created = 0;

		if (rnp_uid_get_signature_at(uid, i, &signature) == RNP_SUCCESS &&
		    rnp_signature_get_creation(signature, &created) == RNP_SUCCESS)
			newest = MAX(newest, created);
	}
	return newest;
}

/* Re-signs every user ID of @key at once until their self-signatures carry the same time (see
 * the file comment); the key still does not expire. */
static gboolean
same_second_self_signatures(rnp_key_handle_t key, GError **error)
{
	for (guint attempt = 0; attempt < 3; attempt++) {
		rnp_result_t result;

		if (self_signature_time(key, 0) == self_signature_time(key, 1))
			return TRUE;
		/* a change of expiry makes RNP re-sign each user ID; back to none at once */
		result = rnp_key_set_expiration(key, 86400);
		if (result == RNP_SUCCESS)
			result = rnp_key_set_expiration(key, 0);
		if (result != RNP_SUCCESS) {
			pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
					      "cannot re-sign the user IDs");
			return FALSE;
		}
	}
	if (self_signature_time(key, 0) == self_signature_time(key, 1))
		return TRUE;
	g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_FAILED,
			    "cannot give the user IDs self-signatures of the same time");
	return FALSE;
}

/**
 * pgl_pgp_key_generate:
 * @display_name: (nullable): the list's display name for the first user ID; %NULL or empty for
 *   a bare "<address>"
 * @address: the list's posting address (list@domain)
 * @request_address: (nullable): the list's -request address, the second user ID
 * @algorithm: the kind of key pair
 * @passphrase: (nullable): passphrase to protect the exported secret key with; %NULL for none
 * @error: return location for a #GError
 *
 * Generates a list key pair that never expires.
 *
 * Returns: (transfer full) (nullable): the key pair, or %NULL with @error set:
 *   %PGL_PGP_ERROR_GARBAGE (an address or display name unfit for a user ID: empty, no '@',
 *   spaces, control characters or angle brackets), %PGL_PGP_ERROR_FAILED (RNP failed)
 */
PglPgpKeyPair *
pgl_pgp_key_generate(const gchar *display_name, const gchar *address,
		     const gchar *request_address, PglPgpKeyAlgorithm algorithm,
		     const gchar *passphrase, GError **error)
{
	g_auto(rnp_ffi_t) ffi = NULL;
	g_auto(rnp_op_generate_t) op = NULL;
	g_auto(rnp_op_generate_t) sub_op = NULL;
	g_auto(rnp_key_handle_t) primary = NULL;
	g_auto(rnp_key_handle_t) subkey = NULL;
	g_autofree gchar *user_id = NULL;
	g_autofree gchar *request_user_id = NULL;
	g_autoptr(PglPgpKeyPair) pair = NULL;
	const gchar *primary_alg;
	const gchar *sub_alg;
	rnp_result_t result;

	g_return_val_if_fail(address != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	user_id = make_user_id(display_name, address, error);
	if (user_id == NULL)
		return NULL;
	if (request_address != NULL) {
		request_user_id = make_user_id(NULL, request_address, error);
		if (request_user_id == NULL)
			return NULL;
		if (strlen(user_id) <= strlen(request_user_id)) {
			g_autofree gchar *longer = g_strdup_printf(
				"%s (mailing list)", display_name ? display_name : address);

			g_free(user_id);
			user_id = make_user_id(longer, address, error);
			if (user_id == NULL)
				return NULL;
		}
	}
	if (algorithm == PGL_PGP_KEY_ALGORITHM_ED25519) {
		primary_alg = "eddsa";
		sub_alg = "ecdh";
	} else {
		primary_alg = "rsa";
		sub_alg = "rsa";
	}

	ffi = pgl_pgp_ffi_new(error);
	if (ffi == NULL)
		return NULL;
	result = rnp_op_generate_create(&op, ffi, primary_alg);
	if (result == RNP_SUCCESS)
		result = set_up_primary(op, algorithm, user_id);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot set up key generation");
		return NULL;
	}
	primary = generate(op, error);
	if (primary == NULL)
		return NULL;
	if (request_user_id != NULL) {
		/* key flags 0x03: certify and sign, as in the first user ID's self-signature */
		result = rnp_key_add_uid(primary, request_user_id, RNP_ALGNAME_SHA256, 0, 0x03,
					 false);
		if (result != RNP_SUCCESS) {
			pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
					      "cannot add user ID %s", request_user_id);
			return NULL;
		}
		if (!same_second_self_signatures(primary, error))
			return NULL;
	}
	result = rnp_op_generate_subkey_create(&sub_op, ffi, primary, sub_alg);
	if (result == RNP_SUCCESS)
		result = set_up_subkey(sub_op, algorithm);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot set up subkey generation");
		return NULL;
	}
	subkey = generate(sub_op, error);
	if (subkey == NULL)
		return NULL;

	pair = g_new0(PglPgpKeyPair, 1);
	pair->fingerprint = pgl_pgp_key_get_fingerprint(primary);
	pair->public_key = export_key(primary, RNP_KEY_EXPORT_PUBLIC, error);
	if (pair->public_key == NULL)
		return NULL;
	if (passphrase != NULL && (!protect(primary, passphrase, error) ||
				   !protect(subkey, passphrase, error)))
		return NULL;
	pair->secret_key = export_key(primary, RNP_KEY_EXPORT_SECRET, error);
	if (pair->secret_key == NULL)
		return NULL;
	return g_steal_pointer(&pair);
}

/**
 * pgl_pgp_key_pair_free:
 * @pair: (nullable) (transfer full): a key pair
 *
 * Frees @pair; the secret key's memory is wiped (unless the caller holds another reference to
 * the #GBytes, in which case it is wiped when that goes).
 */
void
pgl_pgp_key_pair_free(PglPgpKeyPair *pair)
{
	if (pair == NULL)
		return;
	g_free(pair->fingerprint);
	g_clear_pointer(&pair->public_key, g_bytes_unref);
	g_clear_pointer(&pair->secret_key, g_bytes_unref);
	g_free(pair);
}
