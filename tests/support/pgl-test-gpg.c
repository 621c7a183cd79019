/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GnuPG homes for tests (see pgl-test-gpg.h). Each home is a directory of its own, made with
 * g_mkdtemp() (mode 0700, as gpg wants it) under the caller's directory or, without one, a new
 * temporary directory; kept short, because gpg-agent's socket path must stay under 108 bytes.
 * Live homes are also recorded in a fixed table of plain char arrays, which is all a SIGABRT
 * handler may read: pgl_test_gpg_abort_cleanup() stops their agents with fork/execve/waitpid,
 * which are async-signal-safe.
 */
#define G_LOG_DOMAIN "pgl-test-gpg"

#include "support/pgl-test-gpg.h"

#include <ftw.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* XXX: a home beyond this many live at once is not stopped by pgl_test_gpg_abort_cleanup() */
#define ABORT_HOMES_MAX 32

struct _PglTestGpg {
	gchar *home;	 /* (owned) the GNUPGHOME */
	gchar *made_dir; /* (owned) (nullable) the temporary directory made for it, if any */
	gint abort_slot; /* index in abort_homes, or -1 */
};

static char abort_homes[ABORT_HOMES_MAX][1024];
static volatile sig_atomic_t abort_home_used[ABORT_HOMES_MAX];
static char abort_gpgconf[1024];

static int
remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	/* the agent may be removing its sockets at the same time: ignore what is gone */
	(void)remove(path);
	return 0;
}

static void
remove_tree(const gchar *path)
{
	(void)nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/**
 * pgl_test_gpg_new:
 * @parent_dir: (nullable): an existing directory to make the home in (a test's temporary
 *   directory); %NULL makes a new temporary directory for it
 *
 * Makes a new, empty GNUPGHOME.
 *
 * Returns: (transfer full): the home; free with pgl_test_gpg_free()
 */
PglTestGpg *
pgl_test_gpg_new(const gchar *parent_dir)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *template = NULL;
	PglTestGpg *gpg = g_new0(PglTestGpg, 1);

	if (abort_gpgconf[0] == '\0') {
		g_autofree gchar *gpgconf = g_find_program_in_path("gpgconf");

		g_assert_nonnull(gpgconf);
		g_strlcpy(abort_gpgconf, gpgconf, sizeof abort_gpgconf);
	}
	if (parent_dir == NULL) {
		gpg->made_dir = g_dir_make_tmp("pgl-gpg-XXXXXX", &error);
		g_assert_no_error(error);
		parent_dir = gpg->made_dir;
	}
	template = g_build_filename(parent_dir, "gpg-XXXXXX", NULL);
	g_assert_nonnull(g_mkdtemp_full(template, 0700));
	gpg->home = g_steal_pointer(&template);
	gpg->abort_slot = -1;
	for (gint i = 0; i < ABORT_HOMES_MAX; i++) {
		if (abort_home_used[i])
			continue;
		if (g_strlcpy(abort_homes[i], gpg->home, sizeof abort_homes[i]) <
		    sizeof abort_homes[i]) {
			abort_home_used[i] = 1;
			gpg->abort_slot = i;
		}
		break;
	}
	return gpg;
}

static void
run_gpgconf_kill(const gchar *home)
{
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
					  G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_autoptr(GSubprocess) process = NULL;

	g_subprocess_launcher_setenv(launcher, "GNUPGHOME", home, TRUE);
	g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
	process = g_subprocess_launcher_spawn(launcher, NULL, "gpgconf", "--homedir", home,
					      "--kill", "all", NULL);
	if (process != NULL)
		g_subprocess_wait(process, NULL, NULL);
}

/**
 * pgl_test_gpg_free:
 * @gpg: (nullable): a home
 *
 * Stops the home's gpg-agent and removes the home (and the temporary directory made for it),
 * unless $PGLIST_TEST_KEEP is set.
 */
void
pgl_test_gpg_free(PglTestGpg *gpg)
{
	if (gpg == NULL)
		return;
	if (gpg->abort_slot >= 0)
		abort_home_used[gpg->abort_slot] = 0;
	run_gpgconf_kill(gpg->home);
	if (g_getenv("PGLIST_TEST_KEEP") == NULL) {
		remove_tree(gpg->home);
		if (gpg->made_dir != NULL)
			g_rmdir(gpg->made_dir);
	}
	g_free(gpg->home);
	g_free(gpg->made_dir);
	g_free(gpg);
}

/**
 * pgl_test_gpg_get_home:
 * @gpg: a home
 *
 * Returns: (transfer none): the GNUPGHOME directory, where a test may also put its files
 */
const gchar *
pgl_test_gpg_get_home(PglTestGpg *gpg)
{
	return gpg->home;
}

/**
 * pgl_test_gpg_abort_cleanup:
 *
 * Stops the gpg-agent of every home not yet freed. Async-signal-safe: for a SIGABRT handler,
 * so that a failed assertion leaves no agent behind.
 */
void
pgl_test_gpg_abort_cleanup(void)
{
	if (abort_gpgconf[0] == '\0')
		return;
	for (gint i = 0; i < ABORT_HOMES_MAX; i++) {
		pid_t child;

		if (!abort_home_used[i])
			continue;
		child = fork();
		if (child == 0) {
			char *const argv[] = {abort_gpgconf, (char *)"--homedir", abort_homes[i],
					      (char *)"--kill", (char *)"all", NULL};

			execve(abort_gpgconf, argv, environ);
			_exit(127);
		}
		if (child > 0)
			waitpid(child, NULL, 0);
	}
}

/* ---- running gpg ------------------------------------------------------------------------- */

/**
 * pgl_test_gpg_runv:
 * @gpg: a home
 * @input: (nullable): what gpg reads on standard input; %NULL for nothing
 * @args: (array zero-terminated=1): gpg's arguments after the standard options
 *
 * Runs `gpg` in the home with the standard options (see pgl-test-gpg.h) and @args, and waits
 * for it. Asserts only that gpg could be run: its exit status is the caller's to judge.
 *
 * Returns: (transfer full): what gpg did
 */
PglTestGpgResult *
pgl_test_gpg_runv(PglTestGpg *gpg, GBytes *input, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GBytes) no_input = g_bytes_new_static("", 0);
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GBytes) err = NULL;
	g_autoptr(GError) error = NULL;
	PglTestGpgResult *result = g_new0(PglTestGpgResult, 1);
	gsize out_len = 0;
	const guint8 *out_data;
	guint8 *copy;

	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
					     G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_subprocess_launcher_unsetenv(launcher, "DISPLAY");
	g_subprocess_launcher_unsetenv(launcher, "GPG_TTY");
	g_subprocess_launcher_unsetenv(launcher, "GPG_AGENT_INFO");
	g_subprocess_launcher_setenv(launcher, "GNUPGHOME", gpg->home, TRUE);
	g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
	g_ptr_array_add(argv, (gpointer) "gpg");
	g_ptr_array_add(argv, (gpointer) "--homedir");
	g_ptr_array_add(argv, gpg->home);
	g_ptr_array_add(argv, (gpointer) "--batch");
	g_ptr_array_add(argv, (gpointer) "--no-tty");
	g_ptr_array_add(argv, (gpointer) "--yes");
	g_ptr_array_add(argv, (gpointer) "--pinentry-mode");
	g_ptr_array_add(argv, (gpointer) "loopback");
	g_ptr_array_add(argv, (gpointer) "--passphrase");
	g_ptr_array_add(argv, (gpointer) "");
	g_ptr_array_add(argv, (gpointer) "--status-fd");
	g_ptr_array_add(argv, (gpointer) "2");
	g_ptr_array_add(argv, (gpointer) "--trust-model");
	g_ptr_array_add(argv, (gpointer) "always");
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	process = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	g_subprocess_communicate(process, input != NULL ? input : no_input, NULL, &out, &err,
				 &error);
	g_assert_no_error(error);
	/* a copy with a NUL after it, so that text output is a string */
	out_data = out != NULL ? g_bytes_get_data(out, &out_len) : NULL;
	copy = g_malloc(out_len + 1);
	if (out_len > 0)
		memcpy(copy, out_data, out_len);
	copy[out_len] = '\0';
	result->out = g_bytes_new_take(copy, out_len);
	result->err = err != NULL ? g_strndup(g_bytes_get_data(err, NULL), g_bytes_get_size(err))
				  : g_strdup("");
	result->status =
		g_subprocess_get_if_exited(process) ? g_subprocess_get_exit_status(process) : -1;
	return result;
}

/**
 * pgl_test_gpg_run:
 * @gpg: a home
 * @input: (nullable): what gpg reads on standard input; %NULL for nothing
 * @...: gpg's arguments after the standard options, then %NULL
 *
 * pgl_test_gpg_runv() with the arguments given inline.
 *
 * Returns: (transfer full): what gpg did
 */
PglTestGpgResult *
pgl_test_gpg_run(PglTestGpg *gpg, GBytes *input, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	const gchar *arg;
	va_list ap;

	va_start(ap, input);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(args, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	return pgl_test_gpg_runv(gpg, input, (const gchar *const *)args->pdata);
}

/**
 * pgl_test_gpg_result_free:
 * @result: (nullable): a result
 */
void
pgl_test_gpg_result_free(PglTestGpgResult *result)
{
	if (result == NULL)
		return;
	g_clear_pointer(&result->out, g_bytes_unref);
	g_free(result->err);
	g_free(result);
}

/**
 * pgl_test_gpg_result_get_text:
 * @result: a result
 *
 * Returns: (transfer none): gpg's standard output as a string ("" if there was none)
 */
const gchar *
pgl_test_gpg_result_get_text(const PglTestGpgResult *result)
{
	return g_bytes_get_data(result->out, NULL);
}

/**
 * pgl_test_gpg_result_assert_ok:
 * @result: a result
 * @what: where the caller is, for the message
 *
 * Asserts that gpg exited 0; otherwise says what it got, with gpg's standard error. Use the
 * pgl_test_gpg_assert_ok() macro.
 */
void
pgl_test_gpg_result_assert_ok(const PglTestGpgResult *result, const gchar *what)
{
	if (result->status != 0) {
		g_test_message("%s: gpg: got exit status %d (stderr \"%s\"), want 0", what,
			       result->status, result->err);
		g_assert_cmpint(result->status, ==, 0);
	}
}

/**
 * pgl_test_gpg_has_status:
 * @status_text: gpg's standard error (with its `--status-fd 2` lines)
 * @keyword: a status keyword, maybe followed by the start of its arguments
 *   ("DECRYPTION_OKAY", "VALIDSIG 0123...")
 *
 * Returns: whether a "[GNUPG:] @keyword" status line is there
 */
gboolean
pgl_test_gpg_has_status(const gchar *status_text, const gchar *keyword)
{
	g_autofree gchar *needle = g_strdup_printf("[GNUPG:] %s", keyword);

	return strstr(status_text, needle) != NULL;
}

/**
 * pgl_test_gpg_status_args:
 * @status_text: gpg's standard error (with its `--status-fd 2` lines)
 * @keyword: a status keyword ("VALIDSIG", "KEY_CREATED")
 *
 * Returns: (transfer full) (nullable): the space-separated arguments of the first
 *   "[GNUPG:] @keyword" line (empty if it has none), or %NULL if there is no such line
 */
GStrv
pgl_test_gpg_status_args(const gchar *status_text, const gchar *keyword)
{
	g_autofree gchar *prefix = g_strdup_printf("[GNUPG:] %s", keyword);
	g_auto(GStrv) lines = g_strsplit(status_text, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *rest;

		if (!g_str_has_prefix(lines[i], prefix))
			continue;
		rest = lines[i] + strlen(prefix);
		if (*rest == '\0')
			return g_new0(gchar *, 1);
		if (*rest != ' ')
			continue;
		return g_strsplit(rest + 1, " ", -1);
	}
	return NULL;
}

/* ---- keys ------------------------------------------------------------------------------ */

/* "--faked-system-time" wants SECONDS! for a clock that stands still */
static gchar *
faked_time(gint64 when)
{
	return g_strdup_printf("%" G_GINT64_FORMAT "!", when);
}

/**
 * pgl_test_gpg_generate:
 * @gpg: a home
 * @user_id: the user ID, "Name <address>"
 * @algorithm: gpg's name of the primary key's algorithm ("ed25519", "rsa3072"), or
 *   "future-default" (ed25519 with a cv25519 encryption subkey in gpg 2.2)
 * @usage: "sign,cert", "cert", "default" ...
 * @expire: "never", "1y" ... (counted from @when)
 * @when: the key's creation time (seconds since the epoch, gpg's --faked-system-time), or 0
 *   for now
 *
 * Generates a key pair without passphrase with `gpg --quick-gen-key`.
 *
 * Returns: (transfer full): the primary key's fingerprint (40 hex digits, upper case)
 */
gchar *
pgl_test_gpg_generate(PglTestGpg *gpg, const gchar *user_id, const gchar *algorithm,
		      const gchar *usage, const gchar *expire, gint64 when)
{
	g_autofree gchar *time = faked_time(when);
	g_autoptr(PglTestGpgResult) result = NULL;
	g_auto(GStrv) created = NULL;

	if (when != 0)
		result = pgl_test_gpg_run(gpg, NULL, "--faked-system-time", time,
					  "--quick-gen-key", user_id, algorithm, usage, expire,
					  NULL);
	else
		result = pgl_test_gpg_run(gpg, NULL, "--quick-gen-key", user_id, algorithm, usage,
					  expire, NULL);
	pgl_test_gpg_assert_ok(result);
	/* "KEY_CREATED B|P FINGERPRINT [HANDLE]": right even with several keys in the home */
	created = pgl_test_gpg_status_args(result->err, "KEY_CREATED");
	if (created == NULL || g_strv_length(created) < 2 || strlen(created[1]) != 40) {
		g_test_message("gpg --quick-gen-key %s: no KEY_CREATED status in \"%s\"", user_id,
			       result->err);
		g_assert_not_reached();
	}
	return g_strdup(created[1]);
}

/**
 * pgl_test_gpg_add_subkey:
 * @gpg: a home
 * @fingerprint: the primary key's fingerprint
 * @algorithm: gpg's algorithm name ("cv25519", "ed25519", "rsa2048" ...)
 * @usage: "encr", "sign" ...
 * @expire: "never", "1y" ... (counted from @when)
 * @when: the subkey's creation time, or 0 for now
 *
 * Adds a subkey with `gpg --quick-add-key`.
 */
void
pgl_test_gpg_add_subkey(PglTestGpg *gpg, const gchar *fingerprint, const gchar *algorithm,
			const gchar *usage, const gchar *expire, gint64 when)
{
	g_autofree gchar *time = faked_time(when);
	g_autoptr(PglTestGpgResult) result = NULL;

	if (when != 0)
		result = pgl_test_gpg_run(gpg, NULL, "--faked-system-time", time,
					  "--quick-add-key", fingerprint, algorithm, usage, expire,
					  NULL);
	else
		result = pgl_test_gpg_run(gpg, NULL, "--quick-add-key", fingerprint, algorithm,
					  usage, expire, NULL);
	pgl_test_gpg_assert_ok(result);
}

/**
 * pgl_test_gpg_fingerprints:
 * @gpg: a home
 * @who: what `gpg --list-keys` is given: a fingerprint, an address ...
 *
 * Returns: (transfer full): the fingerprints of the matching keys as gpg lists them: each
 *   primary key, then its subkeys in order
 */
GStrv
pgl_test_gpg_fingerprints(PglTestGpg *gpg, const gchar *who)
{
	g_autoptr(PglTestGpgResult) result = pgl_test_gpg_run(
		gpg, NULL, "--with-colons", "--fingerprint", "--list-keys", who, NULL);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_auto(GStrv) lines = NULL;

	pgl_test_gpg_assert_ok(result);
	lines = g_strsplit(pgl_test_gpg_result_get_text(result), "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) fields = NULL;

		if (!g_str_has_prefix(lines[i], "fpr:"))
			continue;
		fields = g_strsplit(lines[i], ":", -1);
		if (g_strv_length(fields) > 9)
			g_strv_builder_add(builder, fields[9]);
	}
	return g_strv_builder_end(builder);
}

/**
 * pgl_test_gpg_export:
 * @gpg: a home
 * @fingerprint: the key's fingerprint
 * @secret: export the secret key (`--export-secret-keys`) instead of the public one
 *
 * Returns: (transfer full): the key, ASCII-armored (never empty)
 */
GBytes *
pgl_test_gpg_export(PglTestGpg *gpg, const gchar *fingerprint, gboolean secret)
{
	g_autoptr(PglTestGpgResult) result = pgl_test_gpg_run(
		gpg, NULL, "--armor", secret ? "--export-secret-keys" : "--export", fingerprint,
		NULL);

	pgl_test_gpg_assert_ok(result);
	g_assert_cmpuint(g_bytes_get_size(result->out), >, 0);
	return g_bytes_ref(result->out);
}

/**
 * pgl_test_gpg_import:
 * @gpg: a home
 * @keys: keys, certificates or revocation certificates, armored or binary
 *
 * Imports @keys (`gpg --import`); asserts that gpg succeeded.
 */
void
pgl_test_gpg_import(PglTestGpg *gpg, GBytes *keys)
{
	g_autoptr(PglTestGpgResult) result = pgl_test_gpg_run(gpg, keys, "--import", NULL);

	pgl_test_gpg_assert_ok(result);
}

/**
 * pgl_test_gpg_revoke:
 * @gpg: a home
 * @fingerprint: a primary key made in this home
 *
 * Revokes the key with the revocation certificate gpg made when it generated it, by importing
 * that certificate.
 *
 * Returns: (transfer full): the revocation certificate, armored
 */
GBytes *
pgl_test_gpg_revoke(PglTestGpg *gpg, const gchar *fingerprint)
{
	g_autofree gchar *name = g_strconcat(fingerprint, ".rev", NULL);
	g_autofree gchar *path = g_build_filename(gpg->home, "openpgp-revocs.d", name, NULL);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) certificate = NULL;
	GString *fixed;

	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	/* its armor line is prefixed with ':' against accidental import */
	fixed = g_string_new(text);
	g_string_replace(fixed, ":-----BEGIN PGP PUBLIC KEY BLOCK-----",
			 "-----BEGIN PGP PUBLIC KEY BLOCK-----", 1);
	certificate = g_string_free_to_bytes(fixed);
	pgl_test_gpg_import(gpg, certificate);
	return g_steal_pointer(&certificate);
}

/* ---- messages ---------------------------------------------------------------------------- */

/**
 * pgl_test_gpg_sign_detached:
 * @gpg: a home
 * @signer: the signing key (a fingerprint; "FPR!" for that very subkey)
 * @data: what to sign
 * @when: the signature's creation time (seconds since the epoch), or 0 for now
 * @...: further gpg arguments ("--digest-algo", "SHA256"), then %NULL
 *
 * Returns: (transfer full): an armored detached signature over @data
 */
GBytes *
pgl_test_gpg_sign_detached(PglTestGpg *gpg, const gchar *signer, GBytes *data, gint64 when, ...)
{
	g_autofree gchar *time = faked_time(when);
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autoptr(PglTestGpgResult) result = NULL;
	const gchar *arg;
	va_list ap;

	if (when != 0) {
		g_ptr_array_add(args, (gpointer) "--faked-system-time");
		g_ptr_array_add(args, time);
	}
	g_ptr_array_add(args, (gpointer) "--local-user");
	g_ptr_array_add(args, (gpointer)signer);
	g_ptr_array_add(args, (gpointer) "--armor");
	g_ptr_array_add(args, (gpointer) "--detach-sign");
	va_start(ap, when);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(args, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	result = pgl_test_gpg_runv(gpg, data, (const gchar *const *)args->pdata);
	pgl_test_gpg_assert_ok(result);
	return g_bytes_ref(result->out);
}

/**
 * pgl_test_gpg_encrypt:
 * @gpg: a home that has the recipients' public keys
 * @signer: (nullable): the signing key, for signed and encrypted (RFC 3156 §6.2's combined
 *   form); %NULL for encrypted only
 * @recipients: (array zero-terminated=1): the recipients' fingerprints
 * @plaintext: what to encrypt
 *
 * Returns: (transfer full): the armored OpenPGP message
 */
GBytes *
pgl_test_gpg_encrypt(PglTestGpg *gpg, const gchar *signer, const gchar *const *recipients,
		     GBytes *plaintext)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autoptr(PglTestGpgResult) result = NULL;

	g_ptr_array_add(args, (gpointer) "--armor");
	g_ptr_array_add(args, (gpointer) "--encrypt");
	if (signer != NULL) {
		g_ptr_array_add(args, (gpointer) "--sign");
		g_ptr_array_add(args, (gpointer) "--local-user");
		g_ptr_array_add(args, (gpointer)signer);
	}
	for (guint i = 0; recipients[i] != NULL; i++) {
		g_ptr_array_add(args, (gpointer) "--recipient");
		g_ptr_array_add(args, (gpointer)recipients[i]);
	}
	g_ptr_array_add(args, NULL);
	result = pgl_test_gpg_runv(gpg, plaintext, (const gchar *const *)args->pdata);
	pgl_test_gpg_assert_ok(result);
	return g_bytes_ref(result->out);
}

/**
 * pgl_test_gpg_decrypt:
 * @gpg: a home
 * @ciphertext: an OpenPGP message, armored or binary
 * @status_out: (out) (optional) (transfer full): gpg's standard error with its status lines,
 *   for pgl_test_gpg_has_status() and pgl_test_gpg_status_args() (VALIDSIG, GOODSIG ...)
 *
 * Decrypts @ciphertext with the home's secret keys. Success is judged by the status lines
 * (DECRYPTION_OKAY and GOODMDC, no DECRYPTION_FAILED), not by the exit status: with hidden
 * recipients, gpg 2.2 logs every failed try of its key on a wildcard key ID as an error and
 * exits 2 even when it then decrypts.
 *
 * Returns: (transfer full) (nullable): the plaintext, or %NULL if gpg could not decrypt
 */
GBytes *
pgl_test_gpg_decrypt(PglTestGpg *gpg, GBytes *ciphertext, gchar **status_out)
{
	g_autoptr(PglTestGpgResult) result = pgl_test_gpg_run(gpg, ciphertext, "--decrypt", NULL);
	gboolean ok = pgl_test_gpg_has_status(result->err, "DECRYPTION_OKAY") &&
		      pgl_test_gpg_has_status(result->err, "GOODMDC") &&
		      !pgl_test_gpg_has_status(result->err, "DECRYPTION_FAILED");

	if (status_out != NULL)
		*status_out = g_steal_pointer(&result->err);
	return ok ? g_bytes_ref(result->out) : NULL;
}

/**
 * pgl_test_gpg_verify_detached:
 * @gpg: a home that has the signer's public key
 * @data: the signed data
 * @signature: a detached signature over it
 *
 * Verifies with `gpg --verify` (the two are written to files in the home).
 *
 * Returns: (transfer full) (nullable): the fingerprint of the key that made a good signature
 *   (VALIDSIG), or %NULL if gpg found none
 */
gchar *
pgl_test_gpg_verify_detached(PglTestGpg *gpg, GBytes *data, GBytes *signature)
{
	g_autofree gchar *data_path = g_build_filename(gpg->home, "data.bin", NULL);
	g_autofree gchar *signature_path = g_build_filename(gpg->home, "data.asc", NULL);
	g_autoptr(PglTestGpgResult) result = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) valid = NULL;

	g_file_set_contents(data_path, g_bytes_get_data(data, NULL),
			    (gssize)g_bytes_get_size(data), &error);
	g_assert_no_error(error);
	g_file_set_contents(signature_path, g_bytes_get_data(signature, NULL),
			    (gssize)g_bytes_get_size(signature), &error);
	g_assert_no_error(error);
	result = pgl_test_gpg_run(gpg, NULL, "--verify", signature_path, data_path, NULL);
	valid = pgl_test_gpg_status_args(result->err, "VALIDSIG");
	if (result->status != 0 || valid == NULL || valid[0] == NULL)
		return NULL;
	return g_strdup(valid[0]);
}
