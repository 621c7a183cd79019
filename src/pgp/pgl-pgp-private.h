/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internals shared by the files of src/pgp, and the only header that includes RNP's: nothing
 * outside this folder sees an RNP type. It declares the g_auto() cleanup functions for RNP's
 * handles (RNP handles are pointer typedefs, so they use G_DEFINE_AUTO_CLEANUP_FREE_FUNC and
 * g_auto(), the way GLib treats GStrv), the mapping of rnp_result_t to PGL_PGP_ERROR, the sink
 * for RNP's log output, and the wiped buffers that receive plaintext and secret keys.
 */
#pragma once

#include <glib.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include "core/pgl-limits.h"
#include "pgp/pgl-pgp-error.h"
#include "pgp/pgl-pgp-keyring.h"
#include "pgp/pgl-pgp-signature.h"

G_BEGIN_DECLS

/* A string or buffer allocated by RNP, released with rnp_buffer_destroy(). */
typedef char *PglRnpBuffer;

G_DEFINE_AUTO_CLEANUP_FREE_FUNC(rnp_ffi_t, rnp_ffi_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(rnp_input_t, rnp_input_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(rnp_output_t, rnp_output_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(rnp_key_handle_t, rnp_key_handle_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(rnp_uid_handle_t, rnp_uid_handle_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(rnp_signature_handle_t, rnp_signature_handle_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(rnp_identifier_iterator_t, rnp_identifier_iterator_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(rnp_op_generate_t, rnp_op_generate_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(rnp_op_sign_t, rnp_op_sign_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(rnp_op_verify_t, rnp_op_verify_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(rnp_op_encrypt_t, rnp_op_encrypt_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(PglRnpBuffer, rnp_buffer_destroy, NULL)

/* Hard cap on a key or revocation blob handed to the engine */
#define PGL_PGP_KEY_BLOB_MAX PGL_LIMIT_PGP_KEY_BLOB

void pgl_pgp_set_rnp_error(GError **error, PglPgpError code, rnp_result_t result,
			   const gchar *format, ...) G_GNUC_PRINTF(4, 5);

rnp_ffi_t pgl_pgp_ffi_new(GError **error);
int pgl_pgp_log_fd_new(void);

gboolean pgl_pgp_import_blob(rnp_ffi_t ffi, GBytes *blob, guint32 flags, GPtrArray **primaries_out,
			     GError **error);
rnp_ffi_t pgl_pgp_keyring_get_ffi(PglPgpKeyring *keyring);
rnp_key_handle_t pgl_pgp_keyring_locate(PglPgpKeyring *keyring, const gchar *fingerprint,
					GError **error);
gboolean pgl_pgp_key_usable_for(rnp_key_handle_t key, rnp_key_handle_t primary,
				const gchar *usage, gint64 now);
rnp_key_handle_t pgl_pgp_key_pick(rnp_ffi_t ffi, rnp_key_handle_t primary, const gchar *usage,
				  gboolean need_secret, gint64 now);
gboolean pgl_pgp_key_has_usable_secret(rnp_key_handle_t key);
gchar *pgl_pgp_key_get_fingerprint(rnp_key_handle_t key);
rnp_key_handle_t pgl_pgp_signing_key(PglPgpKeyring *keyring, const gchar *signer_fingerprint,
				     GError **error);

rnp_result_t pgl_pgp_input_from_bytes(rnp_input_t *input, GBytes *bytes);
GBytes *pgl_pgp_dearmor(GBytes *input, gsize max, GError **error);
gboolean pgl_pgp_looks_armored(GBytes *input);

/* A growable buffer whose every released block is wiped first: the destination of RNP's output
 * whenever that output is plaintext or secret key material. */
typedef struct _PglPgpSecretBuffer PglPgpSecretBuffer;

PglPgpSecretBuffer *pgl_pgp_secret_buffer_new(gsize max);
void pgl_pgp_secret_buffer_free(PglPgpSecretBuffer *buffer);
gboolean pgl_pgp_secret_buffer_append(PglPgpSecretBuffer *buffer, const void *data, gsize len);
gboolean pgl_pgp_secret_buffer_overflowed(PglPgpSecretBuffer *buffer);
rnp_result_t pgl_pgp_secret_buffer_output(PglPgpSecretBuffer *buffer, rnp_output_t *output);
GBytes *pgl_pgp_secret_buffer_free_to_bytes(PglPgpSecretBuffer *buffer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglPgpSecretBuffer, pgl_pgp_secret_buffer_free)

PglPgpSignature *pgl_pgp_signature_from_rnp(PglPgpKeyring *keyring,
					    rnp_op_verify_signature_t op_signature,
					    const PglPgpVerifyParams *params,
					    GBytes **hashed_part_out);
void pgl_pgp_signature_set_replay_digest(PglPgpSignature *signature, GBytes *hashed_part,
					 GBytes *content);
GPtrArray *pgl_pgp_signatures_collect(PglPgpKeyring *keyring, rnp_op_verify_t op,
				      const PglPgpVerifyParams *params, GPtrArray **hashed_out);
void pgl_pgp_signatures_finish(GPtrArray *signatures, GPtrArray *hashed_parts, GBytes *content);

G_END_DECLS
