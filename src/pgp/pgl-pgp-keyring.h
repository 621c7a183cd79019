/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PglPgpKeyring: the keys one operation (or one list) works with, loaded from armored or binary
 * blobs held in the database: typically the list's key pair plus its subscribers' public keys.
 * Nothing is read from or written to keyring files.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PglPgpKeyring:
 *
 * An in-memory OpenPGP keyring (one RNP context). Reference counted. Not thread-safe: a
 * keyring must be used by one thread at a time (build one per worker thread, or per
 * operation). Secret keys added with pgl_pgp_keyring_add_secret() are kept unlocked in
 * memory until the last reference goes.
 */
typedef struct _PglPgpKeyring PglPgpKeyring;

PglPgpKeyring *pgl_pgp_keyring_new(GError **error);
PglPgpKeyring *pgl_pgp_keyring_ref(PglPgpKeyring *keyring);
void pgl_pgp_keyring_unref(PglPgpKeyring *keyring);

gboolean pgl_pgp_keyring_add_public(PglPgpKeyring *keyring, GBytes *blob, GError **error);
gchar *pgl_pgp_keyring_add_secret(PglPgpKeyring *keyring, GBytes *blob, const gchar *passphrase,
				  GError **error);
gboolean pgl_pgp_keyring_contains(PglPgpKeyring *keyring, const gchar *fingerprint);
gboolean pgl_pgp_keyring_has_secret(PglPgpKeyring *keyring, const gchar *fingerprint);
gboolean pgl_pgp_keyring_can_encrypt(PglPgpKeyring *keyring, const gchar *fingerprint);
guint pgl_pgp_keyring_get_n_keys(PglPgpKeyring *keyring);
GBytes *pgl_pgp_keyring_export_public(PglPgpKeyring *keyring, const gchar *fingerprint,
				      GError **error);
GBytes *pgl_pgp_keyring_export_autocrypt(PglPgpKeyring *keyring, const gchar *fingerprint,
					 const gchar *address, GError **error);

gchar *pgl_pgp_fingerprint_normalize(const gchar *fingerprint);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglPgpKeyring, pgl_pgp_keyring_unref)

G_END_DECLS
