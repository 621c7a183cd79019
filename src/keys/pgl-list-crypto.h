/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PGP list's keys at work: its key pair loaded into a keyring (with the [pgp]
 * key_passphrase_file passphrase), the public keys of the addresses a message is about, and
 * "sealing": between the runners, and in the database, a PGP list's message is kept encrypted to
 * the list's own key (DESIGN.md §6). Plaintext exists only in memory that is wiped when freed.
 */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"
#include "core/pgl-list.h"
#include "pgp/pgl-pgp.h"
#include "store/pgl-store.h"

G_BEGIN_DECLS

typedef struct _PglListCrypto PglListCrypto;

/**
 * PglAddressKeyState:
 * @PGL_ADDRESS_KEY_NONE: the address has no key
 * @PGL_ADDRESS_KEY_UNCONFIRMED: it has a key it has not proved to hold (nor an admin vouched for)
 * @PGL_ADDRESS_KEY_UNUSABLE: a confirmed key that cannot be encrypted to now (expired, revoked)
 * @PGL_ADDRESS_KEY_USABLE: a confirmed key that can be encrypted to now
 *
 * What the list can do with an address's key.
 */
typedef enum {
	PGL_ADDRESS_KEY_NONE,
	PGL_ADDRESS_KEY_UNCONFIRMED,
	PGL_ADDRESS_KEY_UNUSABLE,
	PGL_ADDRESS_KEY_USABLE,
} PglAddressKeyState;

gboolean pgl_list_crypto_open(PglContext *ctx, PglStore *store, const PglList *list,
			      PglListCrypto **crypto_out, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void pgl_list_crypto_free(PglListCrypto *crypto);

const gchar *pgl_list_crypto_get_fingerprint(PglListCrypto *crypto);
PglPgpKeyring *pgl_list_crypto_get_keyring(PglListCrypto *crypto);
GBytes *pgl_list_crypto_get_public_key(PglListCrypto *crypto);

gboolean pgl_list_crypto_load_address(PglListCrypto *crypto, PglStore *store,
				      const gchar *address, PglAddressKeyState *state_out,
				      gchar **fingerprint_out, GError **error);

GBytes *pgl_list_crypto_seal(PglListCrypto *crypto, GBytes *plaintext, GError **error);
GBytes *pgl_list_crypto_unseal(PglListCrypto *crypto, GBytes *sealed, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglListCrypto, pgl_list_crypto_free)

G_END_DECLS
