/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decrypting a message with a list's secret key, checking the signatures inside it (the
 * combined signed-and-encrypted form, RFC 3156 §6.2), including messages whose recipients are
 * hidden (wildcard key IDs).
 */
#pragma once

#include <glib.h>

#include "pgp/pgl-pgp-keyring.h"
#include "pgp/pgl-pgp-signature.h"

G_BEGIN_DECLS

/**
 * PglPgpDecrypted:
 *
 * A decrypted message.
 */
typedef struct {
	GBytes *plaintext;	 /* (owned) the decrypted content; its memory is wiped when its
				    last reference is dropped: copy it only into memory you wipe */
	GPtrArray *signatures;	 /* (owned) (element-type PglPgpSignature) signatures found inside
				    the encryption, in order; empty if it was not signed inside */
	gchar *mode;		 /* (owned) RNP's name of the protection: "cfb-mdc" (SEIPD with
				    MDC), "aead-eax", "aead-ocb" */
	gchar *cipher;		 /* (owned) symmetric cipher: "AES256", ... */
	gchar *recipient_key_id; /* (owned) (nullable) the key ID of our key that opened it */
	gboolean hidden_recipient; /* opened through a session key packet with a wildcard key ID */
} PglPgpDecrypted;

PglPgpDecrypted *pgl_pgp_decrypt(PglPgpKeyring *keyring, GBytes *ciphertext,
				 const PglPgpVerifyParams *params, gsize max_plaintext,
				 GError **error);
void pgl_pgp_decrypted_free(PglPgpDecrypted *decrypted);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglPgpDecrypted, pgl_pgp_decrypted_free)

G_END_DECLS
