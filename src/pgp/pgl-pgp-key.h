/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Inspecting and validating one OpenPGP key given as a blob: what `pgplist key set` and
 * `key show` need, and what decides whether a subscriber's key is acceptable (it must be able to
 * both sign and encrypt now, and be a public key only).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PglPgpUserId:
 *
 * One user ID of a key (RFC 4880 §5.11).
 */
typedef struct {
	gchar *text;	  /* (owned) the user ID as UTF-8 (invalid bytes replaced) */
	gchar *address;	  /* (owned) (nullable) its addr-spec, lower case ("<a@b>" or "a@b") */
	gboolean valid;	  /* has a valid self-signature (RNP's rnp_uid_is_valid()) */
	gboolean revoked;
	gboolean primary; /* marked as primary user ID in its self-signature */
} PglPgpUserId;

/**
 * PglPgpSubkey:
 *
 * One subkey of a key.
 */
typedef struct {
	gchar *fingerprint; /* (owned) upper-case hex */
	gchar *key_id;	    /* (owned) upper-case hex, 16 digits */
	gchar *algorithm;   /* (owned) RNP's name: "RSA", "EDDSA", "ECDH", "ECDSA", "DSA", ... */
	guint bits;
	gint64 created;
	gint64 expires;	    /* absolute time; 0: does not expire */
	gboolean revoked;
	gboolean expired;   /* now, or its primary key is */
	gboolean can_sign;  /* usable now for signing (flag set, valid, not expired or revoked) */
	gboolean can_encrypt;
	gboolean has_secret;
} PglPgpSubkey;

/**
 * PglPgpKeyInfo:
 *
 * What one key blob holds: its primary key, user IDs and subkeys, and whether it can be used
 * now. "Usable for X" means some key (the primary or a subkey) has the X usage flag, a valid
 * binding, and is neither expired nor revoked, and neither is its primary key.
 */
typedef struct {
	gchar *fingerprint;	       /* (owned) primary key, upper-case hex */
	gchar *key_id;		       /* (owned) upper-case hex, 16 digits */
	gchar *algorithm;	       /* (owned) RNP's name for the primary key's algorithm */
	guint bits;
	gint64 created;
	gint64 expires;		       /* absolute time; 0: does not expire */
	gboolean revoked;
	gboolean expired;
	gboolean has_secret;	       /* the blob held secret key material */
	gboolean can_sign;
	gboolean can_encrypt;
	gchar *signing_fingerprint;    /* (owned) (nullable) the key that would sign now */
	gchar *encryption_fingerprint; /* (owned) (nullable) the key that would be encrypted to */
	GPtrArray *user_ids;	       /* (owned) (element-type PglPgpUserId) */
	GPtrArray *subkeys;	       /* (owned) (element-type PglPgpSubkey) */
	GBytes *public_key;	       /* (owned) RNP's re-export: armored, public parts only */
} PglPgpKeyInfo;

/**
 * PglPgpContents:
 * @PGL_PGP_CONTENTS_UNKNOWN: not recognisably OpenPGP data
 * @PGL_PGP_CONTENTS_PUBLIC_KEY: public key(s)
 * @PGL_PGP_CONTENTS_SECRET_KEY: secret key(s)
 * @PGL_PGP_CONTENTS_SIGNATURE: detached signature(s) or a revocation certificate
 * @PGL_PGP_CONTENTS_MESSAGE: an OpenPGP message (encrypted, signed, or cleartext-signed)
 *
 * What a blob of OpenPGP data holds, as guessed from its first packet or armor header.
 */
typedef enum {
	PGL_PGP_CONTENTS_UNKNOWN,
	PGL_PGP_CONTENTS_PUBLIC_KEY,
	PGL_PGP_CONTENTS_SECRET_KEY,
	PGL_PGP_CONTENTS_SIGNATURE,
	PGL_PGP_CONTENTS_MESSAGE,
} PglPgpContents;

PglPgpKeyInfo *pgl_pgp_key_inspect(GBytes *blob, gint64 now, GError **error);
gboolean pgl_pgp_key_info_check_subscriber(const PglPgpKeyInfo *info, GError **error);
PglPgpKeyInfo *pgl_pgp_key_validate(GBytes *blob, gint64 now, GError **error);
const PglPgpUserId *pgl_pgp_key_info_find_user_id(const PglPgpKeyInfo *info,
						  const gchar *address);
GBytes *pgl_pgp_key_add_revocation(GBytes *key, GBytes *revocation, GError **error);
PglPgpContents pgl_pgp_guess_contents(GBytes *blob);

void pgl_pgp_key_info_free(PglPgpKeyInfo *info);
void pgl_pgp_user_id_free(PglPgpUserId *user_id);
void pgl_pgp_subkey_free(PglPgpSubkey *subkey);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglPgpKeyInfo, pgl_pgp_key_info_free)

G_END_DECLS
