/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Turning RNP's view of one signature into a #PglPgpSignature: the one place where a verdict
 * is decided (cf. notmuch's util/crypto.c), and where the replay digest is computed.
 *
 * Verdicts (DESIGN.md §5, RNP 0.16.3's statuses):
 * - KEY_NOT_FOUND: the key is not in the keyring: UNKNOWN_KEY.
 * - The signing key or its primary key is revoked (now): REVOKED, whatever RNP said (RNP
 *   reports SIGNATURE_INVALID for signatures of revoked keys).
 * - SIGNATURE_INVALID with a signature made at or after the key's valid-till (RNP's
 *   rnp_key_valid_till64(), which covers the primary key for a subkey; we also take the
 *   primary's own): EXPIRED_KEY. Any other SIGNATURE_INVALID, or a key that was never valid
 *   (valid-till 0), or any other status: BAD.
 * - SUCCESS or SIGNATURE_EXPIRED but the key has expired by now: EXPIRED_KEY (RNP accepts an old
 *   signature by a now-expired key).
 * - SIGNATURE_EXPIRED and the signature's own expiration time has passed: EXPIRED_SIGNATURE.
 *   (RNP says SIGNATURE_EXPIRED as well for a signature dated in the future; that case goes on.)
 * - Dated in the future: TOO_OLD, unless within the window (clock skew); with no window, any
 *   future date is refused, as RNP does.
 * - Created more than the window before now: TOO_OLD. Else GOOD.
 *
 * Measured with RNP 0.16.3: an old signature by a now-expired key is SUCCESS; a signature made
 * after the key expired is SIGNATURE_INVALID; a signature by a revoked primary key is
 * SIGNATURE_INVALID, but one by a revoked signing subkey is SUCCESS (hence our own revocation
 * check on both keys).
 *
 * Replay digest: SHA-256( hashed part of the signature packet || SHA-256(signed content) ). The
 * hashed part (version, type, algorithms, hashed subpackets, RFC 4880 §5.2.4) is what the
 * signer's key vouches for, creation time included; the unhashed subpackets and the armor are
 * not covered, since anyone can change them without breaking the signature, and a replay with
 * a changed unhashed area is still a replay. The packet bytes come from
 * rnp_signature_packet_to_json(RNP_JSON_DUMP_RAW), the one way RNP 0.16.3 exposes them for
 * signatures inside an encrypted message.
 */
#include "pgp/pgl-pgp-private.h"
#include "pgp/pgl-pgp-packet.h"
#include "pgp/pgl-pgp-signature.h"

#include <json-glib/json-glib.h>
#include <string.h>

static const gchar *const verdict_names[] = {
	[PGL_PGP_VERDICT_GOOD] = "good",
	[PGL_PGP_VERDICT_UNKNOWN_KEY] = "unknown-key",
	[PGL_PGP_VERDICT_BAD] = "bad",
	[PGL_PGP_VERDICT_EXPIRED_KEY] = "expired-key",
	[PGL_PGP_VERDICT_REVOKED] = "revoked",
	[PGL_PGP_VERDICT_TOO_OLD] = "too-old",
	[PGL_PGP_VERDICT_EXPIRED_SIGNATURE] = "expired-signature",
};

/**
 * pgl_pgp_verdict_to_string:
 * @verdict: a verdict
 *
 * Returns: a short stable name for logs, notices and the audit table ("good", "unknown-key",
 *   "bad", "expired-key", "revoked", "too-old", "expired-signature")
 */
const gchar *
pgl_pgp_verdict_to_string(PglPgpVerdict verdict)
{
	g_return_val_if_fail((guint)verdict < G_N_ELEMENTS(verdict_names), "unknown");
	return verdict_names[verdict];
}

static gboolean
key_revoked(rnp_key_handle_t key)
{
	bool revoked = false;

	return key != NULL && rnp_key_is_revoked(key, &revoked) == RNP_SUCCESS && revoked;
}

static uint64_t
key_valid_till(rnp_key_handle_t key)
{
	uint64_t till = 0;

	if (key == NULL)
		return G_MAXUINT64;
	if (rnp_key_valid_till64(key, &till) != RNP_SUCCESS)
		return 0;
	return till;
}

static PglPgpVerdict
decide(rnp_result_t status, rnp_key_handle_t key, rnp_key_handle_t primary, gint64 created,
       gint64 expires, const PglPgpVerifyParams *params)
{
	gint64 now = params != NULL && params->now != 0 ? params->now
							: g_get_real_time() / G_USEC_PER_SEC;
	gint64 window = params != NULL ? (gint64)MIN(params->window, (guint64)G_MAXINT32) : 0;
	uint64_t till;

	switch (status) {
	case RNP_SUCCESS:
	case RNP_ERROR_SIGNATURE_INVALID:
	case RNP_ERROR_SIGNATURE_EXPIRED:
		break;
	case RNP_ERROR_KEY_NOT_FOUND:
		return PGL_PGP_VERDICT_UNKNOWN_KEY;
	default:
		return PGL_PGP_VERDICT_BAD;
	}
	if (key == NULL)
		return PGL_PGP_VERDICT_BAD;
	if (key_revoked(key) || key_revoked(primary))
		return PGL_PGP_VERDICT_REVOKED;
	till = MIN(key_valid_till(key), key_valid_till(primary));
	if (till == 0)
		return PGL_PGP_VERDICT_BAD;
	if (status == RNP_ERROR_SIGNATURE_INVALID)
		return (uint64_t)MAX(created, 0) >= till ? PGL_PGP_VERDICT_EXPIRED_KEY
							  : PGL_PGP_VERDICT_BAD;
	if (till <= (uint64_t)MAX(now, 0))
		return PGL_PGP_VERDICT_EXPIRED_KEY;
	/* RNP also says SIGNATURE_EXPIRED for a signature dated in the future */
	if (status == RNP_ERROR_SIGNATURE_EXPIRED && expires != 0 && expires <= now)
		return PGL_PGP_VERDICT_EXPIRED_SIGNATURE;
	if (created > now && (window == 0 || created > now + window))
		return PGL_PGP_VERDICT_TOO_OLD;
	if (window != 0 && created < now - window)
		return PGL_PGP_VERDICT_TOO_OLD;
	return PGL_PGP_VERDICT_GOOD;
}

/* The hashed part of the signature packet behind @handle, or NULL if RNP cannot show it. */
static GBytes *
hashed_part_of(rnp_signature_handle_t handle)
{
	g_auto(PglRnpBuffer) json = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *body = NULL;
	JsonNode *root;
	JsonArray *packets;
	JsonObject *packet;
	const gchar *raw;
	gsize raw_len;
	gsize body_len;
	gsize hashed_len = 0;

	if (rnp_signature_packet_to_json(handle, RNP_JSON_DUMP_RAW, &json) != RNP_SUCCESS ||
	    json == NULL || !json_parser_load_from_data(parser, json, -1, NULL))
		return NULL;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_ARRAY(root))
		return NULL;
	packets = json_node_get_array(root);
	if (json_array_get_length(packets) < 1 ||
	    !JSON_NODE_HOLDS_OBJECT(json_array_get_element(packets, 0)))
		return NULL;
	packet = json_array_get_object_element(packets, 0);
	raw = json_object_get_string_member_with_default(packet, "raw", NULL);
	if (raw == NULL)
		return NULL;
	raw_len = strlen(raw);
	if (raw_len % 2 != 0)
		return NULL;
	body_len = raw_len / 2;
	body = g_malloc(MAX(body_len, 1));
	for (gsize i = 0; i < body_len; i++) {
		gint high = g_ascii_xdigit_value(raw[2 * i]);
		gint low = g_ascii_xdigit_value(raw[2 * i + 1]);

		if (high < 0 || low < 0)
			return NULL;
		body[i] = (guint8)(high << 4 | low);
	}
	if (!pgl_pgp_packet_signature_hashed_part(body, body_len, &hashed_len, &error)) {
		g_debug("no replay digest: %s", error->message);
		return NULL;
	}
	return g_bytes_new(body, hashed_len);
}

/**
 * pgl_pgp_signature_from_rnp:
 * @keyring: the keyring the verification used
 * @op_signature: RNP's record of one signature of a finished verification
 * @params: (nullable): verification parameters
 * @hashed_part_out: (out) (transfer full) (nullable): the hashed part of the signature packet,
 *   for pgl_pgp_signature_set_replay_digest() once the signed content is known
 *
 * Returns: (transfer full): the checked signature, without its replay digest yet
 */
PglPgpSignature *
pgl_pgp_signature_from_rnp(PglPgpKeyring *keyring, rnp_op_verify_signature_t op_signature,
			   const PglPgpVerifyParams *params, GBytes **hashed_part_out)
{
	PglPgpSignature *signature = g_new0(PglPgpSignature, 1);
	rnp_result_t status = rnp_op_verify_signature_get_status(op_signature);
	g_auto(rnp_signature_handle_t) handle = NULL;
	g_auto(rnp_key_handle_t) key = NULL;
	g_auto(rnp_key_handle_t) primary = NULL;
	g_auto(PglRnpBuffer) hash = NULL;
	uint32_t created = 0;
	uint32_t expires = 0;

	signature->status = g_strdup(rnp_result_to_string(status));
	rnp_op_verify_signature_get_times(op_signature, &created, &expires);
	signature->created = created;
	signature->expires = expires != 0 ? (gint64)created + expires : 0;
	if (rnp_op_verify_signature_get_hash(op_signature, &hash) == RNP_SUCCESS && hash != NULL)
		signature->hash_algorithm = g_strdup(hash);
	else
		signature->hash_algorithm = g_strdup("unknown");
	*hashed_part_out = NULL;
	/* RNP 0.16.3 frees the handle it allocated when it cannot read the signature packet
	 * (e.g. an unknown version), but leaves the pointer set: g_auto would free it again */
	if (rnp_op_verify_signature_get_handle(op_signature, &handle) != RNP_SUCCESS)
		handle = NULL;
	if (handle != NULL) {
		g_auto(PglRnpBuffer) key_id = NULL;

		if (rnp_signature_get_keyid(handle, &key_id) == RNP_SUCCESS && key_id != NULL)
			signature->key_id = g_ascii_strup(key_id, -1);
		*hashed_part_out = hashed_part_of(handle);
	}
	if (rnp_op_verify_signature_get_key(op_signature, &key) != RNP_SUCCESS)
		key = NULL;
	if (key != NULL) {
		signature->signing_fingerprint = pgl_pgp_key_get_fingerprint(key);
		if (signature->signing_fingerprint != NULL)
			primary = pgl_pgp_keyring_locate(keyring, signature->signing_fingerprint,
							 NULL);
		if (primary != NULL)
			signature->primary_fingerprint = pgl_pgp_key_get_fingerprint(primary);
	}
	signature->verdict = decide(status, key, primary, signature->created, signature->expires,
				    params);
	return signature;
}

/**
 * pgl_pgp_signature_set_replay_digest:
 * @signature: a signature
 * @hashed_part: (nullable): the hashed part of its packet; %NULL leaves the digest unset
 * @content: the signed content, as verified
 *
 * Computes @signature's replay digest (see the top of this file).
 */
void
pgl_pgp_signature_set_replay_digest(PglPgpSignature *signature, GBytes *hashed_part,
				    GBytes *content)
{
	g_autoptr(GChecksum) content_sum = NULL;
	g_autoptr(GChecksum) sum = NULL;
	guint8 content_digest[32];
	gsize digest_len = sizeof(content_digest);
	gsize size = 0;
	const guint8 *data;

	if (hashed_part == NULL)
		return;
	content_sum = g_checksum_new(G_CHECKSUM_SHA256);
	data = g_bytes_get_data(content, &size);
	if (size > 0)
		g_checksum_update(content_sum, data, size);
	g_checksum_get_digest(content_sum, content_digest, &digest_len);

	sum = g_checksum_new(G_CHECKSUM_SHA256);
	data = g_bytes_get_data(hashed_part, &size);
	g_checksum_update(sum, data, size);
	g_checksum_update(sum, content_digest, digest_len);
	g_free(signature->replay_digest);
	signature->replay_digest = g_strdup(g_checksum_get_string(sum));
}

/**
 * pgl_pgp_signatures_collect:
 * @keyring: the keyring the verification used
 * @op: a verification that has been executed
 * @params: (nullable): verification parameters
 * @hashed_out: (out) (transfer full): the hashed parts of the signature packets, one per
 *   signature (%NULL elements where RNP could not show the packet)
 *
 * Returns: (transfer full) (element-type PglPgpSignature): the signatures @op found, in order,
 *   without their replay digests (pgl_pgp_signatures_finish())
 */
GPtrArray *
pgl_pgp_signatures_collect(PglPgpKeyring *keyring, rnp_op_verify_t op,
			   const PglPgpVerifyParams *params, GPtrArray **hashed_out)
{
	g_autoptr(GPtrArray) signatures =
		g_ptr_array_new_with_free_func((GDestroyNotify)pgl_pgp_signature_free);
	g_autoptr(GPtrArray) hashed = g_ptr_array_new_with_free_func(
		(GDestroyNotify)g_bytes_unref);
	size_t count = 0;

	if (rnp_op_verify_get_signature_count(op, &count) != RNP_SUCCESS)
		count = 0;
	for (size_t i = 0; i < count; i++) {
		rnp_op_verify_signature_t op_signature = NULL;
		GBytes *hashed_part = NULL;

		if (rnp_op_verify_get_signature_at(op, i, &op_signature) != RNP_SUCCESS ||
		    op_signature == NULL)
			continue;
		g_ptr_array_add(signatures, pgl_pgp_signature_from_rnp(keyring, op_signature,
									params, &hashed_part));
		g_ptr_array_add(hashed, hashed_part);
	}
	*hashed_out = g_steal_pointer(&hashed);
	return g_steal_pointer(&signatures);
}

/**
 * pgl_pgp_signatures_finish:
 * @signatures: (element-type PglPgpSignature): from pgl_pgp_signatures_collect()
 * @hashed_parts: (element-type GBytes): the matching hashed parts
 * @content: the signed content
 *
 * Sets the replay digest of each signature.
 */
void
pgl_pgp_signatures_finish(GPtrArray *signatures, GPtrArray *hashed_parts, GBytes *content)
{
	for (guint i = 0; i < signatures->len && i < hashed_parts->len; i++)
		pgl_pgp_signature_set_replay_digest(signatures->pdata[i], hashed_parts->pdata[i],
						    content);
}

/**
 * pgl_pgp_signature_free:
 * @signature: (nullable) (transfer full): a signature
 */
void
pgl_pgp_signature_free(PglPgpSignature *signature)
{
	if (signature == NULL)
		return;
	g_free(signature->status);
	g_free(signature->primary_fingerprint);
	g_free(signature->signing_fingerprint);
	g_free(signature->key_id);
	g_free(signature->hash_algorithm);
	g_free(signature->replay_digest);
	g_free(signature);
}
