/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Key management for PGP lists, shared by the command line (`pgplist key ...`, `create --style
 * pgp-*`) and, later, the REST API: generating and importing a list's key pair, setting an
 * address's public key, and the [pgp] passphrase. Keys are checked with the OpenPGP engine here
 * and stored as blobs by src/store/.
 */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"
#include "core/pgl-limits.h"
#include "core/pgl-list.h"
#include "pgp/pgl-pgp.h"
#include "store/pgl-store.h"

G_BEGIN_DECLS

#define PGL_KEYS_ERROR (pgl_keys_error_quark())
GQuark pgl_keys_error_quark(void);

/**
 * PglKeysError:
 * @PGL_KEYS_ERROR_PASSPHRASE: [pgp] key_passphrase_file cannot be read, is readable or writable
 *   by others, or its first line is empty
 * @PGL_KEYS_ERROR_FILE: a key file cannot be read or is bigger than %PGL_KEYS_FILE_MAX
 * @PGL_KEYS_ERROR_IS_LIST: an address key was given for the address of a list
 *
 * Errors of key management itself. The functions below also pass on %PGL_PGP_ERROR (the key
 * is unfit, with a message that says why) and %PGL_STORE_ERROR (%PGL_STORE_ERROR_EXISTS: the
 * list has a key pair already).
 */
typedef enum {
	PGL_KEYS_ERROR_PASSPHRASE,
	PGL_KEYS_ERROR_FILE,
	PGL_KEYS_ERROR_IS_LIST,
} PglKeysError;

/* The largest key file accepted: the engine's own limit on a key blob. */
#define PGL_KEYS_FILE_MAX PGL_LIMIT_PGP_KEY_BLOB

GBytes *pgl_keys_read_file(const gchar *path, gsize max, GError **error);
gboolean pgl_keys_read_passphrase(PglContext *ctx, GBytes **passphrase_out, GError **error);

PglPgpKeyPair *pgl_keys_generate_pair(PglContext *ctx, const PglList *list, GError **error);
gchar *pgl_keys_list_generate(PglContext *ctx, PglStore *store, const PglList *list,
			      gboolean replace, GError **error);
gchar *pgl_keys_list_import(PglContext *ctx, PglStore *store, const PglList *list,
			    GBytes *secret_key, gboolean *unprotected_out, GError **error);
PglPgpKeyInfo *pgl_keys_address_set(PglContext *ctx, PglStore *store, const gchar *address,
				    GBytes *key, gboolean confirmed, gboolean *confirmed_out,
				    GError **error);

G_END_DECLS
