/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Inspection and validation of single keys, and the rules for "usable" that the rest of the
 * engine shares (pgl_pgp_key_usable_for(), pgl_pgp_key_pick()).
 *
 * A key is inspected in a fresh RNP context of its own, so nothing of the blob leaks into a
 * list's keyring before it has been accepted. The subscriber rule (`key set`): the blob must
 * hold exactly one primary key, no secret key material, and the key must be able to sign and to
 * encrypt now (a key that is revoked, expired, or lacks either capability is refused). Usability
 * is decided by us from RNP's primitives, not by rnp_key_get_default_key() or rnp_key_is_valid()
 * (both judge by the system clock), so that "now" is the caller's and every condition is
 * visible here: usage flag present, neither the key nor its primary key revoked, and its
 * validity extends past now. Validity is RNP's valid-till: 0 if the key never had a good
 * self-signature (or binding signature), else when it expires, bounded for a subkey by its
 * primary key.
 * Among several usable subkeys the most recently created one is picked, as GnuPG does.
 */
#include "pgp/pgl-pgp-key.h"
#include "pgp/pgl-pgp-private.h"

#include <string.h>

static gint64
now_or_real(gint64 now)
{
	return now != 0 ? now : g_get_real_time() / G_USEC_PER_SEC;
}

/**
 * pgl_pgp_key_usable_for:
 * @key: a primary key or subkey
 * @primary: (nullable): @key's primary key if @key is a subkey
 * @usage: "sign" or "encrypt" (RNP's usage names)
 * @now: the time to judge expiry by
 *
 * Returns: %TRUE if @key may be used for @usage at @now (see the top of this file)
 */
gboolean
pgl_pgp_key_usable_for(rnp_key_handle_t key, rnp_key_handle_t primary, const gchar *usage,
		       gint64 now)
{
	uint64_t at = (uint64_t)MAX(now, 0);
	bool allowed = false;
	bool revoked = false;
	uint64_t till = 0;

	if (rnp_key_allows_usage(key, usage, &allowed) != RNP_SUCCESS || !allowed)
		return FALSE;
	if (rnp_key_is_revoked(key, &revoked) != RNP_SUCCESS || revoked)
		return FALSE;
	/* valid-till is 0 for a key that was never valid (no good self-signature or binding)
	 * and, for a subkey, already bounded by its primary key's validity */
	if (rnp_key_valid_till64(key, &till) != RNP_SUCCESS || till == 0 || till <= at)
		return FALSE;
	if (primary != NULL) {
		if (rnp_key_is_revoked(primary, &revoked) != RNP_SUCCESS || revoked)
			return FALSE;
		if (rnp_key_valid_till64(primary, &till) != RNP_SUCCESS || till == 0 || till <= at)
			return FALSE;
	}
	return TRUE;
}

/**
 * pgl_pgp_key_has_usable_secret:
 * @key: a key or subkey
 *
 * Returns: %TRUE if the secret part of @key is present (not a GnuPG stub)
 */
gboolean
pgl_pgp_key_has_usable_secret(rnp_key_handle_t key)
{
	g_auto(PglRnpBuffer) protection = NULL;
	bool have_secret = false;

	if (rnp_key_have_secret(key, &have_secret) != RNP_SUCCESS || !have_secret)
		return FALSE;
	/* "GPG-None" and "GPG-Smartcard" are GnuPG stubs without the secret itself */
	if (rnp_key_get_protection_type(key, &protection) == RNP_SUCCESS && protection != NULL &&
	    (g_str_has_prefix(protection, "GPG-") || g_str_equal(protection, "Unknown")))
		return FALSE;
	return TRUE;
}

/**
 * pgl_pgp_key_pick:
 * @ffi: the context holding @primary
 * @primary: a primary key
 * @usage: "sign" or "encrypt"
 * @need_secret: only keys whose secret part is present count
 * @now: the time to judge expiry by
 *
 * Picks the key to use for @usage: the most recently created usable subkey, else the primary
 * key if it is usable itself.
 *
 * Returns: (transfer full) (nullable): a new handle of the chosen key, or %NULL if none is usable
 */
rnp_key_handle_t
pgl_pgp_key_pick(rnp_ffi_t ffi, rnp_key_handle_t primary, const gchar *usage,
		 gboolean need_secret, gint64 now)
{
	g_autofree gchar *best_fpr = NULL;
	uint32_t best_created = 0;
	size_t n_subkeys = 0;
	rnp_key_handle_t key = NULL;

	if (rnp_key_get_subkey_count(primary, &n_subkeys) != RNP_SUCCESS)
		n_subkeys = 0;
	for (size_t i = 0; i < n_subkeys; i++) {
		g_auto(rnp_key_handle_t) subkey = NULL;
		uint32_t created = 0;

		if (rnp_key_get_subkey_at(primary, i, &subkey) != RNP_SUCCESS || subkey == NULL)
			continue;
		if (!pgl_pgp_key_usable_for(subkey, primary, usage, now))
			continue;
		if (need_secret && !pgl_pgp_key_has_usable_secret(subkey))
			continue;
		rnp_key_get_creation(subkey, &created);
		if (best_fpr == NULL || created >= best_created) {
			g_free(best_fpr);
			best_fpr = pgl_pgp_key_get_fingerprint(subkey);
			best_created = created;
		}
	}
	if (best_fpr == NULL && pgl_pgp_key_usable_for(primary, NULL, usage, now) &&
	    (!need_secret || pgl_pgp_key_has_usable_secret(primary)))
		best_fpr = pgl_pgp_key_get_fingerprint(primary);
	if (best_fpr == NULL ||
	    rnp_locate_key(ffi, "fingerprint", best_fpr, &key) != RNP_SUCCESS)
		return NULL;
	return key;
}

static gchar *
key_id_of(rnp_key_handle_t key)
{
	g_auto(PglRnpBuffer) key_id = NULL;

	if (rnp_key_get_keyid(key, &key_id) != RNP_SUCCESS || key_id == NULL)
		return g_strdup("");
	return g_ascii_strup(key_id, -1);
}

static gchar *
algorithm_of(rnp_key_handle_t key)
{
	g_auto(PglRnpBuffer) algorithm = NULL;

	if (rnp_key_get_alg(key, &algorithm) != RNP_SUCCESS || algorithm == NULL)
		return g_strdup("unknown");
	return g_strdup(algorithm);
}

/* expiry as an absolute time (0: never), and whether the key is expired at @now */
static void
expiry_of(rnp_key_handle_t key, gint64 now, gint64 *created_out, gint64 *expires_out,
	  gboolean *expired_out)
{
	uint32_t created = 0;
	uint32_t expiration = 0;
	uint64_t till = 0;
	bool revoked = false;

	rnp_key_get_creation(key, &created);
	rnp_key_get_expiration(key, &expiration);
	*created_out = created;
	*expires_out = expiration != 0 ? (gint64)created + expiration : 0;
	/* valid-till includes the primary key's expiry for a subkey; 0 means never valid */
	rnp_key_is_revoked(key, &revoked);
	*expired_out = !revoked && rnp_key_valid_till64(key, &till) == RNP_SUCCESS && till != 0 &&
		       till <= (uint64_t)MAX(now, 0);
}

static gchar *
address_of_user_id(const gchar *text)
{
	const gchar *open = strrchr(text, '<');
	g_autofree gchar *candidate = NULL;

	if (open != NULL) {
		const gchar *close = strchr(open, '>');

		if (close == NULL)
			return NULL;
		candidate = g_strndup(open + 1, close - open - 1);
	} else {
		candidate = g_strstrip(g_strdup(text));
	}
	if (candidate[0] == '\0' || strchr(candidate, '@') == NULL)
		return NULL;
	for (const gchar *p = candidate; *p != '\0'; p++) {
		if ((guchar)*p <= ' ' || *p == '<' || *p == '>' || *p == 0x7f)
			return NULL;
	}
	return g_utf8_strdown(candidate, -1);
}

static PglPgpUserId *
user_id_new(rnp_uid_handle_t uid)
{
	PglPgpUserId *user_id = g_new0(PglPgpUserId, 1);
	void *data = NULL;
	size_t size = 0;
	bool flag = false;

	if (rnp_uid_get_data(uid, &data, &size) == RNP_SUCCESS && data != NULL) {
		/* user IDs are UTF-8 by RFC 4880 §5.11 but nothing enforces it (broken_utf8_uid);
		 * stop at an embedded NUL, which would cut the C string anyway */
		gsize len = strnlen(data, size);

		user_id->text = g_utf8_make_valid(data, len);
		rnp_buffer_destroy(data);
	} else {
		user_id->text = g_strdup("");
	}
	user_id->address = address_of_user_id(user_id->text);
	user_id->valid = rnp_uid_is_valid(uid, &flag) == RNP_SUCCESS && flag;
	flag = false;
	user_id->revoked = rnp_uid_is_revoked(uid, &flag) == RNP_SUCCESS && flag;
	flag = false;
	user_id->primary = rnp_uid_is_primary(uid, &flag) == RNP_SUCCESS && flag;
	return user_id;
}

static PglPgpSubkey *
subkey_new(rnp_key_handle_t subkey, rnp_key_handle_t primary, gint64 now)
{
	PglPgpSubkey *info = g_new0(PglPgpSubkey, 1);
	uint32_t bits = 0;
	bool flag = false;

	info->fingerprint = pgl_pgp_key_get_fingerprint(subkey);
	info->key_id = key_id_of(subkey);
	info->algorithm = algorithm_of(subkey);
	rnp_key_get_bits(subkey, &bits);
	info->bits = bits;
	expiry_of(subkey, now, &info->created, &info->expires, &info->expired);
	info->revoked = rnp_key_is_revoked(subkey, &flag) == RNP_SUCCESS && flag;
	info->can_sign = pgl_pgp_key_usable_for(subkey, primary, "sign", now);
	info->can_encrypt = pgl_pgp_key_usable_for(subkey, primary, "encrypt", now);
	flag = false;
	info->has_secret = rnp_key_have_secret(subkey, &flag) == RNP_SUCCESS && flag;
	return info;
}

static GBytes *
export_public(rnp_key_handle_t primary, GError **error)
{
	g_auto(rnp_output_t) output = NULL;
	rnp_result_t result;
	uint8_t *buf = NULL;
	size_t len = 0;

	result = rnp_output_to_memory(&output, 0);
	if (result == RNP_SUCCESS)
		result = rnp_key_export(primary, output,
					RNP_KEY_EXPORT_ARMORED | RNP_KEY_EXPORT_PUBLIC |
						RNP_KEY_EXPORT_SUBKEYS);
	if (result == RNP_SUCCESS)
		result = rnp_output_memory_get_buf(output, &buf, &len, false);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot export the public key");
		return NULL;
	}
	return g_bytes_new(buf, len);
}

static PglPgpKeyInfo *
key_info_new(rnp_ffi_t ffi, rnp_key_handle_t primary, gint64 now, GError **error)
{
	g_autoptr(PglPgpKeyInfo) info = g_new0(PglPgpKeyInfo, 1);
	g_auto(rnp_key_handle_t) signer = NULL;
	g_auto(rnp_key_handle_t) encrypter = NULL;
	size_t count = 0;
	uint32_t bits = 0;
	bool flag = false;

	info->user_ids = g_ptr_array_new_with_free_func((GDestroyNotify)pgl_pgp_user_id_free);
	info->subkeys = g_ptr_array_new_with_free_func((GDestroyNotify)pgl_pgp_subkey_free);
	info->fingerprint = pgl_pgp_key_get_fingerprint(primary);
	info->key_id = key_id_of(primary);
	info->algorithm = algorithm_of(primary);
	rnp_key_get_bits(primary, &bits);
	info->bits = bits;
	expiry_of(primary, now, &info->created, &info->expires, &info->expired);
	info->revoked = rnp_key_is_revoked(primary, &flag) == RNP_SUCCESS && flag;
	flag = false;
	info->has_secret = rnp_key_have_secret(primary, &flag) == RNP_SUCCESS && flag;

	if (rnp_key_get_uid_count(primary, &count) != RNP_SUCCESS)
		count = 0;
	for (size_t i = 0; i < count; i++) {
		g_auto(rnp_uid_handle_t) uid = NULL;
		uint32_t type = 0;

		if (rnp_key_get_uid_handle_at(primary, i, &uid) != RNP_SUCCESS ||
		    rnp_uid_get_type(uid, &type) != RNP_SUCCESS || type != RNP_USER_ID)
			continue;
		g_ptr_array_add(info->user_ids, user_id_new(uid));
	}
	if (rnp_key_get_subkey_count(primary, &count) != RNP_SUCCESS)
		count = 0;
	for (size_t i = 0; i < count; i++) {
		g_auto(rnp_key_handle_t) subkey = NULL;
		PglPgpSubkey *subkey_info;

		if (rnp_key_get_subkey_at(primary, i, &subkey) != RNP_SUCCESS || subkey == NULL)
			continue;
		subkey_info = subkey_new(subkey, primary, now);
		info->has_secret = info->has_secret || subkey_info->has_secret;
		g_ptr_array_add(info->subkeys, subkey_info);
	}

	signer = pgl_pgp_key_pick(ffi, primary, "sign", FALSE, now);
	if (signer != NULL) {
		info->can_sign = TRUE;
		info->signing_fingerprint = pgl_pgp_key_get_fingerprint(signer);
	}
	encrypter = pgl_pgp_key_pick(ffi, primary, "encrypt", FALSE, now);
	if (encrypter != NULL) {
		info->can_encrypt = TRUE;
		info->encryption_fingerprint = pgl_pgp_key_get_fingerprint(encrypter);
	}
	info->public_key = export_public(primary, error);
	if (info->public_key == NULL)
		return NULL;
	return g_steal_pointer(&info);
}

/**
 * pgl_pgp_key_inspect:
 * @blob: one key (a transferable public or secret key, RFC 4880 §11.1-11.2), armored or binary
 * @now: the time to judge expiry by (seconds since the epoch); 0 for the current time
 * @error: return location for a #GError
 *
 * Parses @blob and describes its key. Secret keys are accepted (see @has_secret in the
 * result); use pgl_pgp_key_validate() for a subscriber's key.
 *
 * Returns: (transfer full) (nullable): the description, or %NULL with @error set:
 *   %PGL_PGP_ERROR_GARBAGE (not a key, too big, or no primary key),
 *   %PGL_PGP_ERROR_MULTIPLE_KEYS (more than one primary key)
 */
PglPgpKeyInfo *
pgl_pgp_key_inspect(GBytes *blob, gint64 now, GError **error)
{
	g_auto(rnp_ffi_t) ffi = NULL;
	g_autoptr(GPtrArray) primaries = NULL;

	g_return_val_if_fail(blob != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	now = now_or_real(now);
	ffi = pgl_pgp_ffi_new(error);
	if (ffi == NULL)
		return NULL;
	if (!pgl_pgp_import_blob(ffi, blob, RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS,
				 &primaries, error))
		return NULL;
	if (primaries->len > 1) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_MULTIPLE_KEYS,
			    "expected one key, found %u primary keys", primaries->len);
		return NULL;
	}
	return key_info_new(ffi, primaries->pdata[0], now, error);
}

static gchar *
format_time(gint64 when)
{
	g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc(when);

	return date != NULL ? g_date_time_format(date, "%Y-%m-%d") : g_strdup("?");
}

/**
 * pgl_pgp_key_info_check_subscriber:
 * @info: an inspected key
 * @error: return location for a #GError
 *
 * Applies the rule for a subscriber's key: public key only, not revoked, not expired, able to
 * sign and to encrypt now.
 *
 * Returns: %TRUE if acceptable; %FALSE with %PGL_PGP_ERROR_SECRET_KEY or
 *   %PGL_PGP_ERROR_NOT_USABLE and a message that says why, fit for the person who sent the key
 */
gboolean
pgl_pgp_key_info_check_subscriber(const PglPgpKeyInfo *info, GError **error)
{
	g_return_val_if_fail(info != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (info->has_secret) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_SECRET_KEY,
			    "key %s contains secret key material; send the public key only",
			    info->fingerprint);
		return FALSE;
	}
	if (info->revoked) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_USABLE, "key %s is revoked",
			    info->fingerprint);
		return FALSE;
	}
	if (info->expired) {
		g_autofree gchar *when = format_time(info->expires);

		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_USABLE,
			    "key %s has expired (%s)", info->fingerprint,
			    info->expires != 0 ? when : "expiry of a subkey or binding");
		return FALSE;
	}
	if (!info->can_sign || !info->can_encrypt) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_USABLE,
			    "key %s has no usable %s (not expired, not revoked)", info->fingerprint,
			    !info->can_sign && !info->can_encrypt ? "signing or encryption key"
			    : !info->can_sign			  ? "signing key"
								  : "encryption subkey");
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_pgp_key_validate:
 * @blob: a subscriber's public key, armored or binary
 * @now: the time to judge expiry by; 0 for the current time
 * @error: return location for a #GError
 *
 * pgl_pgp_key_inspect() followed by pgl_pgp_key_info_check_subscriber(): what `key set` does.
 * Store the result's @public_key (RNP's clean re-export), not the blob as received.
 *
 * Returns: (transfer full) (nullable): the description of an acceptable key, or %NULL with
 *   @error set: %PGL_PGP_ERROR_GARBAGE, %PGL_PGP_ERROR_MULTIPLE_KEYS,
 *   %PGL_PGP_ERROR_SECRET_KEY, %PGL_PGP_ERROR_NOT_USABLE
 */
PglPgpKeyInfo *
pgl_pgp_key_validate(GBytes *blob, gint64 now, GError **error)
{
	g_autoptr(PglPgpKeyInfo) info = pgl_pgp_key_inspect(blob, now, error);

	if (info == NULL || !pgl_pgp_key_info_check_subscriber(info, error))
		return NULL;
	return g_steal_pointer(&info);
}

/**
 * pgl_pgp_key_info_find_user_id:
 * @info: an inspected key
 * @address: an e-mail address
 *
 * Finds the user ID that names @address (compared without regard to case), among the valid,
 * unrevoked user IDs.
 *
 * Returns: (transfer none) (nullable): the user ID, or %NULL if none matches
 */
const PglPgpUserId *
pgl_pgp_key_info_find_user_id(const PglPgpKeyInfo *info, const gchar *address)
{
	g_autofree gchar *wanted = NULL;

	g_return_val_if_fail(info != NULL, NULL);
	g_return_val_if_fail(address != NULL, NULL);

	wanted = g_utf8_strdown(address, -1);
	for (guint i = 0; i < info->user_ids->len; i++) {
		const PglPgpUserId *user_id = info->user_ids->pdata[i];

		if (user_id->valid && !user_id->revoked && user_id->address != NULL &&
		    g_str_equal(user_id->address, wanted))
			return user_id;
	}
	return NULL;
}

/**
 * pgl_pgp_key_add_revocation:
 * @key: one public key, armored or binary
 * @revocation: a key revocation certificate for it (a standalone signature of type 0x20,
 *   RFC 4880 §5.2.1), armored or binary, as `gpg --gen-revoke` makes
 * @error: return location for a #GError
 *
 * Merges a revocation certificate into a key, as when a subscriber sends one.
 *
 * Returns: (transfer full) (nullable): the key with the revocation, armored, public only; %NULL
 *   with @error set: %PGL_PGP_ERROR_GARBAGE (@key or @revocation unreadable),
 *   %PGL_PGP_ERROR_MULTIPLE_KEYS, %PGL_PGP_ERROR_NOT_USABLE (the certificate does not revoke
 *   this key: another key's, or its signature is invalid)
 */
GBytes *
pgl_pgp_key_add_revocation(GBytes *key, GBytes *revocation, GError **error)
{
	g_auto(rnp_ffi_t) ffi = NULL;
	g_autoptr(GPtrArray) primaries = NULL;
	g_auto(rnp_input_t) input = NULL;
	g_auto(PglRnpBuffer) results = NULL;
	g_autofree gchar *fpr = NULL;
	rnp_key_handle_t primary;
	rnp_result_t result;
	bool revoked = false;

	g_return_val_if_fail(key != NULL, NULL);
	g_return_val_if_fail(revocation != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	ffi = pgl_pgp_ffi_new(error);
	if (ffi == NULL)
		return NULL;
	if (!pgl_pgp_import_blob(ffi, key, RNP_LOAD_SAVE_PUBLIC_KEYS, &primaries, error))
		return NULL;
	if (primaries->len != 1) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_MULTIPLE_KEYS,
			    "expected one key, found %u primary keys", primaries->len);
		return NULL;
	}
	primary = primaries->pdata[0];
	fpr = pgl_pgp_key_get_fingerprint(primary);
	if (g_bytes_get_size(revocation) == 0 ||
	    g_bytes_get_size(revocation) > PGL_PGP_KEY_BLOB_MAX) {
		g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
				    "revocation certificate empty or too big");
		return NULL;
	}
	result = pgl_pgp_input_from_bytes(&input, revocation);
	if (result == RNP_SUCCESS)
		result = rnp_import_signatures(ffi, input, 0, &results);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_GARBAGE, result,
				      "not a revocation certificate");
		return NULL;
	}
	if (rnp_key_is_revoked(primary, &revoked) != RNP_SUCCESS || !revoked) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_USABLE,
			    "the revocation certificate does not revoke key %s", fpr);
		return NULL;
	}
	return export_public(primary, error);
}

/**
 * pgl_pgp_guess_contents:
 * @blob: OpenPGP data, armored or binary
 *
 * Guesses what @blob holds from its start, without parsing it all (RNP's
 * rnp_guess_contents()): for sorting out attachments and inline blocks.
 *
 * Returns: the kind of data
 */
PglPgpContents
pgl_pgp_guess_contents(GBytes *blob)
{
	g_auto(rnp_input_t) input = NULL;
	g_auto(PglRnpBuffer) contents = NULL;

	g_return_val_if_fail(blob != NULL, PGL_PGP_CONTENTS_UNKNOWN);

	if (g_bytes_get_size(blob) == 0 || pgl_pgp_input_from_bytes(&input, blob) != RNP_SUCCESS ||
	    rnp_guess_contents(input, &contents) != RNP_SUCCESS || contents == NULL)
		return PGL_PGP_CONTENTS_UNKNOWN;
	if (g_str_equal(contents, "public key"))
		return PGL_PGP_CONTENTS_PUBLIC_KEY;
	if (g_str_equal(contents, "secret key"))
		return PGL_PGP_CONTENTS_SECRET_KEY;
	if (g_str_equal(contents, "signature"))
		return PGL_PGP_CONTENTS_SIGNATURE;
	if (g_str_equal(contents, "message") || g_str_equal(contents, "cleartext"))
		return PGL_PGP_CONTENTS_MESSAGE;
	return PGL_PGP_CONTENTS_UNKNOWN;
}

/**
 * pgl_pgp_user_id_free:
 * @user_id: (nullable) (transfer full): a user ID
 */
void
pgl_pgp_user_id_free(PglPgpUserId *user_id)
{
	if (user_id == NULL)
		return;
	g_free(user_id->text);
	g_free(user_id->address);
	g_free(user_id);
}

/**
 * pgl_pgp_subkey_free:
 * @subkey: (nullable) (transfer full): a subkey description
 */
void
pgl_pgp_subkey_free(PglPgpSubkey *subkey)
{
	if (subkey == NULL)
		return;
	g_free(subkey->fingerprint);
	g_free(subkey->key_id);
	g_free(subkey->algorithm);
	g_free(subkey);
}

/**
 * pgl_pgp_key_info_free:
 * @info: (nullable) (transfer full): a key description
 */
void
pgl_pgp_key_info_free(PglPgpKeyInfo *info)
{
	if (info == NULL)
		return;
	g_free(info->fingerprint);
	g_free(info->key_id);
	g_free(info->algorithm);
	g_free(info->signing_fingerprint);
	g_free(info->encryption_fingerprint);
	g_clear_pointer(&info->user_ids, g_ptr_array_unref);
	g_clear_pointer(&info->subkeys, g_ptr_array_unref);
	g_clear_pointer(&info->public_key, g_bytes_unref);
	g_free(info);
}
