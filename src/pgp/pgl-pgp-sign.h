/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Signing with a list's secret key: detached signatures for PGP/MIME (RFC 3156 §5).
 */
#pragma once

#include <glib.h>

#include "pgp/pgl-pgp-keyring.h"

G_BEGIN_DECLS

/* The hash every signature of the engine uses, and the micalg parameter that names it in a
 * multipart/signed Content-Type (RFC 3156 §5) */
#define PGL_PGP_SIGN_HASH   "SHA256"
#define PGL_PGP_SIGN_MICALG "pgp-sha256"

GBytes *pgl_pgp_sign_detached(PglPgpKeyring *keyring, const gchar *signer_fingerprint,
			      GBytes *data, gboolean armor, GError **error);

G_END_DECLS
