/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The error domain of src/pgp. Every failure of the OpenPGP engine is reported as one of these
 * codes; where RNP returned an rnp_result_t, the message keeps RNP's own text
 * (rnp_result_to_string()) after ours, so a log line says both what we tried and why RNP refused.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PGL_PGP_ERROR (pgl_pgp_error_quark())
GQuark pgl_pgp_error_quark(void);

/**
 * PglPgpError:
 * @PGL_PGP_ERROR_GARBAGE: the input is not what was expected at all: no OpenPGP data, broken
 *   armor, truncated or malformed packets, a key blob without a key, a revocation certificate
 *   that is not one
 * @PGL_PGP_ERROR_SECRET_KEY: a secret key was given where only a public key is accepted (a
 *   subscriber's key): refused so that nobody hands their secret key to the list by mistake
 * @PGL_PGP_ERROR_MULTIPLE_KEYS: the blob holds more than one primary key where exactly one is
 *   expected
 * @PGL_PGP_ERROR_NOT_USABLE: the key exists but cannot be used for what is asked: revoked,
 *   expired, or without a valid signing or encryption (sub)key; a revocation that does not
 *   apply to the key
 * @PGL_PGP_ERROR_NO_KEY: a key needed for the operation is not in the keyring (the signer's
 *   secret key, a recipient's public key, or none of the message's recipients is ours)
 * @PGL_PGP_ERROR_BAD_PASSPHRASE: the passphrase of a secret key is wrong or missing
 * @PGL_PGP_ERROR_DECRYPT: the message could not be decrypted: not encrypted to us, corrupt, or
 *   without integrity protection (no MDC, RFC 4880 §5.13; refused because of EFAIL)
 * @PGL_PGP_ERROR_NOT_ENCRYPTED: decryption was asked for data that is not encrypted
 * @PGL_PGP_ERROR_NO_SIGNATURE: verification was asked for data that holds no signature
 * @PGL_PGP_ERROR_SIGN: signing failed
 * @PGL_PGP_ERROR_ENCRYPT: encryption failed
 * @PGL_PGP_ERROR_LIMIT: the input or the output is bigger than the limit the caller gave (for
 *   example a compressed message that expands past the plaintext limit)
 * @PGL_PGP_ERROR_FAILED: anything else RNP reported (out of memory, an internal error); the
 *   message carries RNP's text
 *
 * Errors of the OpenPGP engine. Bad input is always one of these, never a crash or a
 * g_return_if_fail().
 */
typedef enum {
	PGL_PGP_ERROR_GARBAGE,
	PGL_PGP_ERROR_SECRET_KEY,
	PGL_PGP_ERROR_MULTIPLE_KEYS,
	PGL_PGP_ERROR_NOT_USABLE,
	PGL_PGP_ERROR_NO_KEY,
	PGL_PGP_ERROR_BAD_PASSPHRASE,
	PGL_PGP_ERROR_DECRYPT,
	PGL_PGP_ERROR_NOT_ENCRYPTED,
	PGL_PGP_ERROR_NO_SIGNATURE,
	PGL_PGP_ERROR_SIGN,
	PGL_PGP_ERROR_ENCRYPT,
	PGL_PGP_ERROR_LIMIT,
	PGL_PGP_ERROR_FAILED,
} PglPgpError;

G_END_DECLS
