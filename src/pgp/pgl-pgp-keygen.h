/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generating a list's key pair: a signing/certifying primary key and an encryption subkey, no
 * expiry, user IDs "Display Name <list@domain>" and "<list-request@domain>".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PglPgpKeyAlgorithm:
 * @PGL_PGP_KEY_ALGORITHM_ED25519: Ed25519 primary key (sign, certify) and Curve25519 (cv25519)
 *   encryption subkey: the default, about 2 ms to generate, fast to use
 * @PGL_PGP_KEY_ALGORITHM_RSA3072: RSA 3072-bit primary key and encryption subkey
 * @PGL_PGP_KEY_ALGORITHM_RSA4096: RSA 4096-bit primary key and encryption subkey (generation
 *   takes seconds; each private-key operation ~16 ms or more)
 *
 * The kinds of list key pairs ([pgp] key_algorithm).
 */
typedef enum {
	PGL_PGP_KEY_ALGORITHM_ED25519,
	PGL_PGP_KEY_ALGORITHM_RSA3072,
	PGL_PGP_KEY_ALGORITHM_RSA4096,
} PglPgpKeyAlgorithm;

/**
 * PglPgpKeyPair:
 *
 * A newly generated key pair.
 */
typedef struct {
	gchar *fingerprint;  /* (owned) primary key, upper-case hex */
	GBytes *public_key;  /* (owned) armored public key with both user IDs and the subkey */
	GBytes *secret_key;  /* (owned) armored secret key (protected if a passphrase was given);
				  its memory is wiped when freed */
} PglPgpKeyPair;

const gchar *pgl_pgp_key_algorithm_to_string(PglPgpKeyAlgorithm algorithm);
gboolean pgl_pgp_key_algorithm_from_string(const gchar *text, PglPgpKeyAlgorithm *algorithm_out);

PglPgpKeyPair *pgl_pgp_key_generate(const gchar *display_name, const gchar *address,
				    const gchar *request_address, PglPgpKeyAlgorithm algorithm,
				    const gchar *passphrase, GError **error);
void pgl_pgp_key_pair_free(PglPgpKeyPair *pair);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglPgpKeyPair, pgl_pgp_key_pair_free)

G_END_DECLS
