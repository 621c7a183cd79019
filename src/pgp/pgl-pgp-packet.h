/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A minimal reader of OpenPGP packet framing (RFC 4880 §4.2): just enough to find and rewrite the
 * key IDs of the Public-Key Encrypted Session Key packets (§5.1) at the head of an encrypted
 * message, and to find the hashed part of a signature packet (§5.2.3). Pure functions over
 * binary (dearmored) data: no RNP, no allocation from declared lengths, every length checked
 * against the data actually present, so they can be fuzzed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Packet tags (RFC 4880 §4.3) this file cares about */
#define PGL_PGP_TAG_PKESK     1
#define PGL_PGP_TAG_SIGNATURE 2
#define PGL_PGP_TAG_SKESK     3
#define PGL_PGP_TAG_MARKER    10

#define PGL_PGP_KEY_ID_SIZE 8

/**
 * PglPgpPacketHeader:
 * @tag: packet tag (0..63)
 * @new_format: whether the header uses the new format (RFC 4880 §4.2.2)
 * @offset: offset of the header's first byte in the data
 * @header_len: bytes of header (tag byte and length bytes)
 * @body_len: bytes of body, or of its first chunk if @partial
 * @partial: the body uses partial lengths (§4.2.2.4) or an indeterminate length (old format,
 *   length type 3): @body_len is not the whole body and nothing after this packet can be found
 *   by this reader
 */
typedef struct {
	guint8 tag;
	gboolean new_format;
	gsize offset;
	gsize header_len;
	gsize body_len;
	gboolean partial;
} PglPgpPacketHeader;

/**
 * PglPgpPkesk:
 * @offset: offset of the PKESK packet's header in the data
 * @key_id_offset: offset of its 8-byte key ID
 * @key_id: the key ID (all zero: a wildcard, "hidden recipient", RFC 4880 §5.1)
 * @algorithm: public-key algorithm (1 RSA, 16 Elgamal, 18 ECDH, ...)
 */
typedef struct {
	gsize offset;
	gsize key_id_offset;
	guint8 key_id[PGL_PGP_KEY_ID_SIZE];
	guint8 algorithm;
} PglPgpPkesk;

gboolean pgl_pgp_packet_read_header(const guint8 *data, gsize len, gsize offset,
				    PglPgpPacketHeader *header_out, GError **error);
GArray *pgl_pgp_packet_list_pkesks(const guint8 *data, gsize len, guint8 *next_tag_out,
				   GError **error);
gboolean pgl_pgp_packet_is_wildcard(const guint8 key_id[PGL_PGP_KEY_ID_SIZE]);
GBytes *pgl_pgp_packet_hide_recipients(GBytes *message, guint *count_out, GError **error);
GBytes *pgl_pgp_packet_fill_wildcards(GBytes *message, const guint8 key_id[PGL_PGP_KEY_ID_SIZE],
				      guint8 algorithm, guint *count_out, GError **error);
gboolean pgl_pgp_packet_signature_hashed_part(const guint8 *body, gsize len, gsize *hashed_len_out,
					      GError **error);

G_END_DECLS
