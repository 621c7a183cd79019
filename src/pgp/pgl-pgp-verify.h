/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Verifying signatures against a keyring (the list's subscribers' public keys): detached
 * signatures (PGP/MIME, RFC 3156 §5) and inline ones (a one-pass signed message, RFC 4880
 * §11.3, or a cleartext signature, §7). Each returns one #PglPgpSignature per signature found.
 */
#pragma once

#include <glib.h>

#include "pgp/pgl-pgp-keyring.h"
#include "pgp/pgl-pgp-signature.h"

G_BEGIN_DECLS

GPtrArray *pgl_pgp_verify_detached(PglPgpKeyring *keyring, GBytes *data, GBytes *signature,
				   const PglPgpVerifyParams *params, GError **error);
GPtrArray *pgl_pgp_verify_inline(PglPgpKeyring *keyring, GBytes *message,
				 const PglPgpVerifyParams *params, gsize max_content,
				 GBytes **content_out, GError **error);

G_END_DECLS
