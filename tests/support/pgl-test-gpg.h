/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * GnuPG (`gpg` 2.2) as the subscriber's client in tests (STYLE.md §8): each #PglTestGpg is one
 * temporary GNUPGHOME (mode 0700) with a keyring of its own, so that a test can have several
 * independent people at once. gpg runs in it with `--batch --no-tty --yes --pinentry-mode
 * loopback --passphrase '' --status-fd 2 --trust-model always`, DISPLAY, GPG_TTY and
 * GPG_AGENT_INFO unset and LC_ALL=C; a later `--passphrase X` among a command's arguments wins.
 * pgl_test_gpg_free() stops the home's gpg-agent (`gpgconf --kill all`) and removes the home;
 * pgl_test_gpg_abort_cleanup() does the first for every live home from a SIGABRT handler.
 *
 * Everything here asserts (GTest) instead of returning errors: a gpg that cannot be run, or a
 * helper's gpg command that fails, is a broken test set-up. pgl_test_gpg_run() returns gpg's
 * exit status for the caller to judge. No key made here is secret: they live and die with the
 * test's temporary directory.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PglTestGpg PglTestGpg;

/**
 * PglTestGpgResult:
 * @status: gpg's exit status, or -1 if a signal ended it
 * @out: gpg's standard output; its data are always followed by a NUL byte (not counted in the
 *   size), so text output can be read as a string (see pgl_test_gpg_result_get_text())
 * @err: gpg's standard error: its messages and its `--status-fd` lines ("[GNUPG:] ...")
 *
 * What one gpg command did.
 */
typedef struct {
	gint status;
	GBytes *out; /* (owned) */
	gchar *err;  /* (owned) */
} PglTestGpgResult;

PglTestGpg *pgl_test_gpg_new(const gchar *parent_dir);
void pgl_test_gpg_free(PglTestGpg *gpg);
const gchar *pgl_test_gpg_get_home(PglTestGpg *gpg);
void pgl_test_gpg_abort_cleanup(void);

PglTestGpgResult *pgl_test_gpg_runv(PglTestGpg *gpg, GBytes *input, const gchar *const *args);
PglTestGpgResult *pgl_test_gpg_run(PglTestGpg *gpg, GBytes *input, ...) G_GNUC_NULL_TERMINATED;
void pgl_test_gpg_result_free(PglTestGpgResult *result);
const gchar *pgl_test_gpg_result_get_text(const PglTestGpgResult *result);
void pgl_test_gpg_result_assert_ok(const PglTestGpgResult *result, const gchar *what);

/* Asserts that gpg exited 0; otherwise says so with its stderr and the caller's line. */
#define pgl_test_gpg_assert_ok(result)                                                             \
	pgl_test_gpg_result_assert_ok((result), __FILE__ ":" G_STRINGIFY(__LINE__))

gboolean pgl_test_gpg_has_status(const gchar *status_text, const gchar *keyword);
GStrv pgl_test_gpg_status_args(const gchar *status_text, const gchar *keyword);

gchar *pgl_test_gpg_generate(PglTestGpg *gpg, const gchar *user_id, const gchar *algorithm,
			     const gchar *usage, const gchar *expire, gint64 when);
void pgl_test_gpg_add_subkey(PglTestGpg *gpg, const gchar *fingerprint, const gchar *algorithm,
			     const gchar *usage, const gchar *expire, gint64 when);
GStrv pgl_test_gpg_fingerprints(PglTestGpg *gpg, const gchar *who);
GBytes *pgl_test_gpg_export(PglTestGpg *gpg, const gchar *fingerprint, gboolean secret);
void pgl_test_gpg_import(PglTestGpg *gpg, GBytes *keys);
GBytes *pgl_test_gpg_revoke(PglTestGpg *gpg, const gchar *fingerprint);

GBytes *pgl_test_gpg_sign_detached(PglTestGpg *gpg, const gchar *signer, GBytes *data,
				   gint64 when, ...) G_GNUC_NULL_TERMINATED;
GBytes *pgl_test_gpg_encrypt(PglTestGpg *gpg, const gchar *signer,
			     const gchar *const *recipients, GBytes *plaintext);
GBytes *pgl_test_gpg_decrypt(PglTestGpg *gpg, GBytes *ciphertext, gchar **status_out);
gchar *pgl_test_gpg_verify_detached(PglTestGpg *gpg, GBytes *data, GBytes *signature);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglTestGpg, pgl_test_gpg_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglTestGpgResult, pgl_test_gpg_result_free)

G_END_DECLS
