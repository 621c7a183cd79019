/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Encrypting (and signing) to many recipients with one session key, in the form GnuPG 2.2 and
 * other RFC 4880 readers accept.
 */
#pragma once

#include <glib.h>

#include "pgp/pgl-pgp-keyring.h"

G_BEGIN_DECLS

/**
 * PglPgpEncryptFlags:
 * @PGL_PGP_ENCRYPT_NONE: binary output, recipients visible
 * @PGL_PGP_ENCRYPT_ARMOR: ASCII-armored output ("-----BEGIN PGP MESSAGE-----"), as PGP/MIME
 *   carries it (RFC 3156 §4)
 * @PGL_PGP_ENCRYPT_HIDE_RECIPIENTS: zero the recipients' key IDs (RFC 4880 §5.1 wild card) so
 *   that the message does not say who can read it; each reader must then try its secret keys on
 *   every session key packet, so hide only for one recipient or a small chunk
 *
 * Options of pgl_pgp_encrypt().
 */
typedef enum {
	PGL_PGP_ENCRYPT_NONE = 0,
	PGL_PGP_ENCRYPT_ARMOR = 1 << 0,
	PGL_PGP_ENCRYPT_HIDE_RECIPIENTS = 1 << 1,
} PglPgpEncryptFlags;

GBytes *pgl_pgp_encrypt(PglPgpKeyring *keyring, const gchar *signer_fingerprint,
			const gchar *const *recipient_fingerprints, GBytes *plaintext,
			PglPgpEncryptFlags flags, GError **error);

G_END_DECLS
