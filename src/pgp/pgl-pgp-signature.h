/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The result of checking one signature: a verdict with everything it was based on, never a
 * boolean (cf. notmuch). Every verification in the engine (detached, inline, inside an
 * encrypted message) reports a list of these, one per signature found.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PglPgpVerdict:
 * @PGL_PGP_VERDICT_GOOD: the signature is cryptographically valid, made by a key in the keyring
 *   that is valid now (not expired, not revoked), within the freshness window
 * @PGL_PGP_VERDICT_UNKNOWN_KEY: the signing key is not in the keyring
 * @PGL_PGP_VERDICT_BAD: the signature does not verify (content or signature modified, wrong
 *   data, unsupported or insecure algorithm such as SHA-1), or the key was never valid
 * @PGL_PGP_VERDICT_EXPIRED_KEY: the signing key (or its primary key) had expired when the
 *   signature was made, or has expired now
 * @PGL_PGP_VERDICT_REVOKED: the signing key or its primary key is revoked
 * @PGL_PGP_VERDICT_TOO_OLD: otherwise good, but its creation time is outside the freshness
 *   window around now: too old, or dated in the future by more than the window (with no
 *   window, any future date)
 * @PGL_PGP_VERDICT_EXPIRED_SIGNATURE: otherwise good, but the signature carries an expiration
 *   time that has passed (RFC 4880 §5.2.3.10)
 *
 * What one signature is worth. Only %PGL_PGP_VERDICT_GOOD counts as "signed by"; the others say
 * why not, so that a list can act on each differently (expired_sig_action, revoked_sig_action,
 * invalid_sig_action).
 */
typedef enum {
	PGL_PGP_VERDICT_GOOD,
	PGL_PGP_VERDICT_UNKNOWN_KEY,
	PGL_PGP_VERDICT_BAD,
	PGL_PGP_VERDICT_EXPIRED_KEY,
	PGL_PGP_VERDICT_REVOKED,
	PGL_PGP_VERDICT_TOO_OLD,
	PGL_PGP_VERDICT_EXPIRED_SIGNATURE,
} PglPgpVerdict;

/**
 * PglPgpVerifyParams:
 * @now: the current time in seconds since the epoch; 0 for the system clock
 * @window: freshness window in seconds: a signature made more than @window seconds before
 *   @now, or more than @window seconds after it, is %PGL_PGP_VERDICT_TOO_OLD; 0 for no age
 *   check (a signature dated after @now is then always %PGL_PGP_VERDICT_TOO_OLD)
 *
 * Parameters of a verification. A %NULL #PglPgpVerifyParams means all zero.
 */
typedef struct {
	gint64 now;
	guint64 window;
} PglPgpVerifyParams;

/**
 * PglPgpSignature:
 *
 * One checked signature.
 */
typedef struct {
	PglPgpVerdict verdict;
	gchar *status;		    /* (owned) RNP's own status text ("Success", "Invalid
				       signature", "Key not found", "Expired signature", ...) */
	gchar *primary_fingerprint; /* (owned) (nullable) the signer's primary key, upper-case hex;
				       %NULL if the key is unknown */
	gchar *signing_fingerprint; /* (owned) (nullable) the key that made the signature: the
				       primary key or one of its subkeys */
	gchar *key_id;		    /* (owned) (nullable) the issuer key ID the signature names */
	gint64 created;		    /* signature creation time (seconds since the epoch) */
	gint64 expires;		    /* absolute expiration time of the signature; 0: none */
	gchar *hash_algorithm;	    /* (owned) "SHA256", "SHA512", "SHA1", ... */
	gchar *replay_digest;	    /* (owned) (nullable) 64 lower-case hex digits: SHA-256 over
				       the hashed part of the signature packet followed by the
				       SHA-256 of the signed content. The same signature gives the
				       same digest however it is armored and whatever is in its
				       unhashed subpackets; two different signatures (another
				       time, key or subpacket) give different digests */
} PglPgpSignature;

const gchar *pgl_pgp_verdict_to_string(PglPgpVerdict verdict);
void pgl_pgp_signature_free(PglPgpSignature *signature);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglPgpSignature, pgl_pgp_signature_free)

G_END_DECLS
