/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OpenPGP packet framing (RFC 4880 §4.2) for two jobs RNP 0.16.3 cannot do itself:
 *
 * - Hiding recipients. RNP has no "hidden recipient" option, so after encrypting we set the key
 *   IDs of the leading PKESK packets (§5.1, version 3: one version byte, then the 8-byte key ID)
 *   to zero, the "wild card" key ID that tells the reader to try its secret keys. Only the key ID
 *   changes: the encrypted session key and everything after are untouched, so the message stays
 *   valid.
 * - Reading hidden-recipient messages. RNP 0.16.3 ignores a PKESK whose key ID it does not hold,
 *   wildcard included (support came in RNP 0.17). We write the list's own encryption key ID
 *   into the wildcard PKESKs, so RNP tries that key on each of them; a wrong guess fails cleanly
 *   (the session key does not unwrap), see pgl-pgp-decrypt.c.
 *
 * And a third that needs no RNP internals: the hashed part of a signature packet (§5.2.3, for
 * the replay digest of pgl-pgp-signature.c).
 *
 * Both header formats are read: old (tag in bits 5-2, length type in bits 1-0: one, two or four
 * length bytes, or indeterminate) and new (tag in bits 5-0; one-byte lengths below 192, two-byte
 * lengths 192..8383, five-byte lengths after 255, partial body lengths 224..254). Session key
 * packets must not use partial or indeterminate lengths (§4.2.2.4), so those end the scan with
 * an error. Everything is bounds-checked against the real data; declared lengths are never used
 * to allocate.
 */
#include "pgp/pgl-pgp-packet.h"

#include "pgp/pgl-pgp-error.h"

#include <string.h>

static void
set_garbage(GError **error, gsize offset, const gchar *what)
{
	g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
		    "malformed OpenPGP data at offset %" G_GSIZE_FORMAT ": %s", offset, what);
}

/**
 * pgl_pgp_packet_read_header:
 * @data: (array length=len): binary OpenPGP data
 * @len: its length
 * @offset: where the packet starts
 * @header_out: (out caller-allocates): the header
 * @error: return location for a #GError
 *
 * Reads one packet header and checks that the body (or its first chunk, for partial lengths)
 * lies within @data.
 *
 * Returns: %TRUE on success; %FALSE with %PGL_PGP_ERROR_GARBAGE if there is no valid packet
 *   header at @offset or the body is cut off
 */
gboolean
pgl_pgp_packet_read_header(const guint8 *data, gsize len, gsize offset,
			   PglPgpPacketHeader *header_out, GError **error)
{
	PglPgpPacketHeader header = {0};
	gsize avail;
	guint8 ctb;

	if (offset >= len) {
		set_garbage(error, offset, "no packet");
		return FALSE;
	}
	ctb = data[offset];
	avail = len - offset;
	if ((ctb & 0x80) == 0) {
		set_garbage(error, offset, "not a packet tag");
		return FALSE;
	}
	header.offset = offset;
	if (ctb & 0x40) {
		guint8 first;

		header.new_format = TRUE;
		header.tag = ctb & 0x3f;
		if (avail < 2) {
			set_garbage(error, offset, "truncated packet header");
			return FALSE;
		}
		first = data[offset + 1];
		if (first < 192) {
			header.header_len = 2;
			header.body_len = first;
		} else if (first < 224) {
			if (avail < 3) {
				set_garbage(error, offset, "truncated packet header");
				return FALSE;
			}
			header.header_len = 3;
			header.body_len = ((gsize)(first - 192) << 8) + data[offset + 2] + 192;
		} else if (first == 255) {
			if (avail < 6) {
				set_garbage(error, offset, "truncated packet header");
				return FALSE;
			}
			header.header_len = 6;
			header.body_len = ((gsize)data[offset + 2] << 24) |
					  ((gsize)data[offset + 3] << 16) |
					  ((gsize)data[offset + 4] << 8) | data[offset + 5];
		} else {
			header.header_len = 2;
			header.body_len = (gsize)1 << (first & 0x1f);
			header.partial = TRUE;
		}
	} else {
		guint length_type = ctb & 0x03;

		header.tag = (ctb >> 2) & 0x0f;
		if (length_type == 3) {
			header.header_len = 1;
			header.body_len = avail - 1;
			header.partial = TRUE;
		} else {
			gsize n = (gsize)1 << length_type; /* 1, 2 or 4 length bytes */

			if (avail < 1 + n) {
				set_garbage(error, offset, "truncated packet header");
				return FALSE;
			}
			header.header_len = 1 + n;
			for (gsize i = 0; i < n; i++)
				header.body_len = (header.body_len << 8) | data[offset + 1 + i];
		}
	}
	if (header.tag == 0) {
		set_garbage(error, offset, "reserved packet tag 0");
		return FALSE;
	}
	if (header.body_len > avail - header.header_len) {
		set_garbage(error, offset, "packet body runs past the end of the data");
		return FALSE;
	}
	*header_out = header;
	return TRUE;
}

/**
 * pgl_pgp_packet_list_pkesks:
 * @data: (array length=len): a binary OpenPGP message
 * @len: its length
 * @next_tag_out: (out) (optional): tag of the first packet after the session key packets (18
 *   for Symmetrically Encrypted Integrity Protected Data), 0 if none follows
 * @error: return location for a #GError
 *
 * Lists the version-3 Public-Key Encrypted Session Key packets at the head of @data: the
 * sequence of PKESK, SKESK and marker packets that precedes the encrypted data (RFC 4880 §11.3).
 * The scan stops at the first other packet, which it does not check further. PKESKs of other
 * versions are skipped.
 *
 * Returns: (transfer full) (element-type PglPgpPkesk) (nullable): the PKESKs in order (empty if
 *   @data does not start with session key packets, i.e. is not a public-key encrypted message);
 *   %NULL with %PGL_PGP_ERROR_GARBAGE if the packets cannot be parsed
 */
GArray *
pgl_pgp_packet_list_pkesks(const guint8 *data, gsize len, guint8 *next_tag_out, GError **error)
{
	g_autoptr(GArray) pkesks = g_array_new(FALSE, TRUE, sizeof(PglPgpPkesk));
	gsize offset = 0;
	guint8 next_tag = 0;

	if (len == 0) {
		set_garbage(error, 0, "empty message");
		return NULL;
	}
	while (offset < len) {
		PglPgpPacketHeader header;
		const guint8 *body;

		if (!pgl_pgp_packet_read_header(data, len, offset, &header, error))
			return NULL;
		if (header.tag != PGL_PGP_TAG_PKESK && header.tag != PGL_PGP_TAG_SKESK &&
		    header.tag != PGL_PGP_TAG_MARKER) {
			next_tag = header.tag;
			break;
		}
		if (header.partial) {
			set_garbage(error, offset, "session key packet with a partial length");
			return NULL;
		}
		body = data + offset + header.header_len;
		if (header.tag == PGL_PGP_TAG_PKESK && header.body_len >= 10 && body[0] == 3) {
			PglPgpPkesk pkesk = {0};

			pkesk.offset = offset;
			pkesk.key_id_offset = offset + header.header_len + 1;
			memcpy(pkesk.key_id, body + 1, PGL_PGP_KEY_ID_SIZE);
			pkesk.algorithm = body[1 + PGL_PGP_KEY_ID_SIZE];
			g_array_append_val(pkesks, pkesk);
		} else if (header.tag == PGL_PGP_TAG_PKESK && header.body_len < 10 &&
			   header.body_len > 0 && body[0] == 3) {
			set_garbage(error, offset, "PKESK packet too short");
			return NULL;
		}
		offset += header.header_len + header.body_len;
	}
	if (next_tag_out != NULL)
		*next_tag_out = next_tag;
	return g_steal_pointer(&pkesks);
}

/**
 * pgl_pgp_packet_is_wildcard:
 * @key_id: an 8-byte key ID
 *
 * Returns: %TRUE if @key_id is all zero, the "wild card" of RFC 4880 §5.1
 */
gboolean
pgl_pgp_packet_is_wildcard(const guint8 key_id[PGL_PGP_KEY_ID_SIZE])
{
	for (guint i = 0; i < PGL_PGP_KEY_ID_SIZE; i++) {
		if (key_id[i] != 0)
			return FALSE;
	}
	return TRUE;
}

/* RSA keys may be flagged 1 (encrypt or sign) or 2 (encrypt only) and both decrypt 1's PKESKs */
static gboolean
algorithm_matches(guint8 wanted, guint8 found)
{
	if (wanted == 0 || wanted == found)
		return TRUE;
	return (wanted == 1 || wanted == 2) && (found == 1 || found == 2);
}

static GBytes *
rewrite_key_ids(GBytes *message, const guint8 key_id[PGL_PGP_KEY_ID_SIZE], gboolean only_wildcards,
		guint8 algorithm, guint *count_out, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(message, &len);
	g_autoptr(GArray) pkesks = pgl_pgp_packet_list_pkesks(data, len, NULL, error);
	guint8 *copy;
	guint count = 0;

	if (pkesks == NULL)
		return NULL;
	copy = g_memdup2(data, len);
	for (guint i = 0; i < pkesks->len; i++) {
		const PglPgpPkesk *pkesk = &g_array_index(pkesks, PglPgpPkesk, i);

		if (only_wildcards &&
		    (!pgl_pgp_packet_is_wildcard(pkesk->key_id) ||
		     !algorithm_matches(algorithm, pkesk->algorithm)))
			continue;
		memcpy(copy + pkesk->key_id_offset, key_id, PGL_PGP_KEY_ID_SIZE);
		count++;
	}
	if (count_out != NULL)
		*count_out = count;
	return g_bytes_new_take(copy, len);
}

/**
 * pgl_pgp_packet_hide_recipients:
 * @message: a binary OpenPGP message
 * @count_out: (out) (optional): how many key IDs were zeroed
 * @error: return location for a #GError
 *
 * Sets the key ID of every leading version-3 PKESK packet to zero (RFC 4880 §5.1 wild card).
 *
 * Returns: (transfer full) (nullable): the rewritten copy, or %NULL with %PGL_PGP_ERROR_GARBAGE
 */
GBytes *
pgl_pgp_packet_hide_recipients(GBytes *message, guint *count_out, GError **error)
{
	static const guint8 zero[PGL_PGP_KEY_ID_SIZE] = {0};

	return rewrite_key_ids(message, zero, FALSE, 0, count_out, error);
}

/**
 * pgl_pgp_packet_fill_wildcards:
 * @message: a binary OpenPGP message
 * @key_id: the key ID to write
 * @algorithm: only PKESKs of this public-key algorithm are changed (RSA 1 and 2 count as one);
 *   0 for all
 * @count_out: (out) (optional): how many wildcard key IDs were replaced
 * @error: return location for a #GError
 *
 * Writes @key_id into every leading PKESK packet whose key ID is the wildcard.
 *
 * Returns: (transfer full) (nullable): the rewritten copy, or %NULL with %PGL_PGP_ERROR_GARBAGE
 */
GBytes *
pgl_pgp_packet_fill_wildcards(GBytes *message, const guint8 key_id[PGL_PGP_KEY_ID_SIZE],
			      guint8 algorithm, guint *count_out, GError **error)
{
	return rewrite_key_ids(message, key_id, TRUE, algorithm, count_out, error);
}

/**
 * pgl_pgp_packet_signature_hashed_part:
 * @body: (array length=len): the body of a signature packet (without its header)
 * @len: its length
 * @hashed_len_out: (out): length of the prefix of @body that the signature's hash covers
 * @error: return location for a #GError
 *
 * The part of a signature packet that is hashed with the data (RFC 4880 §5.2.4): for version 4
 * (and RNP's version 5) the version, type, algorithms, and hashed subpackets with their length;
 * for version 3 the version, the hashed-length byte, type and creation time; for version 6 (RFC
 * 9580) as for 4 with a four-byte length. The unhashed subpackets, which anyone can change
 * without invalidating the signature, come after this prefix.
 *
 * Returns: %TRUE on success, %FALSE with %PGL_PGP_ERROR_GARBAGE for a truncated packet or an
 *   unknown version
 */
gboolean
pgl_pgp_packet_signature_hashed_part(const guint8 *body, gsize len, gsize *hashed_len_out,
				     GError **error)
{
	gsize need;

	if (len < 1) {
		set_garbage(error, 0, "empty signature packet");
		return FALSE;
	}
	switch (body[0]) {
	case 3:
		if (len < 7 || body[1] != 5) {
			set_garbage(error, 0, "malformed version 3 signature");
			return FALSE;
		}
		*hashed_len_out = 7;
		return TRUE;
	case 4:
	case 5:
		if (len < 6) {
			set_garbage(error, 0, "truncated signature packet");
			return FALSE;
		}
		need = 6 + (((gsize)body[4] << 8) | body[5]);
		break;
	case 6:
		if (len < 8) {
			set_garbage(error, 0, "truncated signature packet");
			return FALSE;
		}
		need = 8 + (((gsize)body[4] << 24) | ((gsize)body[5] << 16) |
			    ((gsize)body[6] << 8) | body[7]);
		break;
	default:
		set_garbage(error, 0, "unknown signature packet version");
		return FALSE;
	}
	if (need > len) {
		set_garbage(error, 0, "hashed subpackets run past the end of the signature");
		return FALSE;
	}
	*hashed_len_out = need;
	return TRUE;
}
