/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The OpenPGP engine of pgplist (RNP 0.16.3), the only code that touches keys. Everything it
 * offers takes and returns bytes (armored or binary blobs as stored in the database, messages,
 * signatures), so that it can later move into a separate process that alone holds the lists'
 * secret keys. Include this header for all of it:
 *
 * - pgl-pgp-keyring.h: keyrings built from key blobs
 * - pgl-pgp-key.h: inspecting and validating a key (`key set`, `key show`), revocations
 * - pgl-pgp-keygen.h: generating a list's key pair
 * - pgl-pgp-sign.h, pgl-pgp-verify.h: detached and inline signatures
 * - pgl-pgp-encrypt.h, pgl-pgp-decrypt.h: encryption to many, decryption (hidden recipients too)
 * - pgl-pgp-signature.h: the verdict of one signature and its replay digest
 * - pgl-pgp-secret.h: memory that is wiped when freed
 * - pgl-pgp-error.h: the PGL_PGP_ERROR domain
 */
#pragma once

#include "pgp/pgl-pgp-decrypt.h"
#include "pgp/pgl-pgp-encrypt.h"
#include "pgp/pgl-pgp-error.h"
#include "pgp/pgl-pgp-key.h"
#include "pgp/pgl-pgp-keygen.h"
#include "pgp/pgl-pgp-keyring.h"
#include "pgp/pgl-pgp-secret.h"
#include "pgp/pgl-pgp-sign.h"
#include "pgp/pgl-pgp-signature.h"
#include "pgp/pgl-pgp-verify.h"
