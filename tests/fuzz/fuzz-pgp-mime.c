/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fuzz target for PGP/MIME and inline PGP on incoming mail: pgl_mail_parse(), then
 * pgl_pgp_mime_classify() and pgl_pgp_mime_open() (its own parse, the boundary scan that finds
 * the signed bytes, verification, inline blocks, key extraction, protected header fields),
 * then pgl_pgp_mime_build_payload() on what was opened. Limits are low so that the limit paths
 * are reached with small inputs.
 *
 * The keyring holds no key, unless $PGLIST_SOURCE_ROOT is set (meson test sets it): then it
 * holds mailman-pgp's published INSECURE test key pair (tests/data/pgp/mime/), so that the
 * committed corpus messages encrypted to that key also take the decrypted-content paths
 * (mutations of a ciphertext almost never decrypt; the mutations of what is decrypted are
 * reached through the inline and multipart/signed paths of cleartext mail). Run with libFuzzer
 * (see README.md):
 *   PGLIST_SOURCE_ROOT=$PWD ./fuzz-pgp-mime -max_total_time=120 tests/fuzz/corpus/pgp-mime
 */
#include "pgl-fuzz.h"

#include "mail/pgl-mail.h"
#include "pgp/pgl-pgp-mime.h"
#include "pgp/pgl-pgp.h"

#include <glib/gstdio.h>

typedef struct {
	PglContext *ctx;
	PglPgpKeyring *keyring;
} FuzzState;

static FuzzState *
fuzz_state(void)
{
	static FuzzState state = {NULL, NULL};

	if (state.ctx == NULL) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *tmpdir = g_dir_make_tmp("pgl-fuzz-XXXXXX", &error);
		PglConfig *config = pgl_config_new_default();
		const gchar *root = g_getenv("PGLIST_SOURCE_ROOT");

		g_assert_no_error(error);
		g_free(config->var_dir);
		config->var_dir = g_steal_pointer(&tmpdir);
		config->header_max = 8192;
		config->mime_depth_max = 8;
		config->mime_parts_max = 64;
		config->message_max = 256 * 1024;
		g_mime_init();
		state.ctx = pgl_context_new(config, &error);
		g_assert_no_error(error);
		g_rmdir(pgl_context_get_var_dir(state.ctx));
		state.keyring = pgl_pgp_keyring_new(&error);
		g_assert_no_error(error);
		if (root != NULL) {
			g_autofree gchar *path =
				g_build_filename(root, "tests", "data", "pgp", "mime",
						 "mailman-pgp-rsa_1024.INSECURE.priv.asc", NULL);
			gchar *contents = NULL;
			gsize length = 0;

			if (g_file_get_contents(path, &contents, &length, NULL)) {
				g_autoptr(GBytes) blob = g_bytes_new_take(contents, length);
				g_autofree gchar *fingerprint = pgl_pgp_keyring_add_secret(
					state.keyring, blob, NULL, &error);

				g_assert_no_error(error);
				g_assert(fingerprint != NULL);
			}
		}
	}
	return &state;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzState *state = fuzz_state();
	g_autoptr(GBytes) raw = g_bytes_new(data, size);
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(PglPgpMimeOpened) opened = NULL;
	g_autoptr(GError) error = NULL;
	PglPgpMimeForm form;
	PglPgpMimeFlags flags;

	if (!pgl_mail_parse(state->ctx, raw, &message, NULL))
		return 0;
	if (!pgl_pgp_mime_classify(message, &form, &flags, NULL))
		return 0;
	opened = pgl_pgp_mime_open(state->ctx, state->keyring, raw, NULL, &error);
	if (opened == NULL) {
		g_assert(error != NULL);
		return 0;
	}
	g_assert(error == NULL);
	g_assert(opened->form == form);
	g_assert(opened->entity != NULL && opened->entity_bytes != NULL);
	for (guint i = 0; i < opened->signatures->len; i++) {
		const PglPgpMimeSignature *signature = opened->signatures->pdata[i];

		g_assert(signature->signature != NULL && signature->location != NULL);
		/* nothing we cannot verify ever counts */
		g_assert(signature->signature->verdict != PGL_PGP_VERDICT_GOOD ||
			 signature->signature->primary_fingerprint != NULL);
	}
	if (opened->subject != NULL)
		g_assert(g_utf8_validate(opened->subject, -1, NULL));
	g_assert(!pgl_pgp_mime_opened_signed_by(opened, "00000000000000000000000000000000"
							 "00000000"));
	g_mime_message_set_mime_part(message, opened->entity);
	{
		g_autoptr(GBytes) payload = pgl_pgp_mime_build_payload(message);

		g_assert(payload != NULL);
	}
	return 0;
}
