/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of src/pgp/pgl-pgp-mime.c: PGP/MIME and inline PGP, incoming and outgoing.
 *
 * - /pgp-mime/corpus/...: real client mail from shared/corpus (Schleuder's fixtures, Autocrypt's
 *   examples, mailman-pgp's test messages; copied into tests/data/pgp/mime/, see its README),
 *   opened with the keys those projects publish for their tests: classification, decryption,
 *   the expected text, protected subject, signatures and their verdicts, attached keys.
 * - /pgp-mime/gpg/...: GnuPG 2.2 as the independent oracle: mail that gpg signs and encrypts in
 *   every RFC 3156 form is read; what the builders make is decrypted and verified by the
 *   recipient's gpg (and not decrypted by anyone else's), the list's signature, the protected
 *   Subject and, with the poster's signed part kept, the poster's own signature included.
 * - /pgp-mime/malformed/...: hostile and broken structures, each refused with its error or
 *   reported with the verdict it deserves.
 *
 * gpg runs as in tests/pgp/test-pgp.c: one GNUPGHOME per person (tests/support/pgl-test-gpg.h)
 * under one temporary directory, made on first use, `--batch --pinentry-mode loopback
 * --passphrase ''`, DISPLAY/GPG_TTY unset, every agent stopped with `gpgconf --kill all` at the
 * end. The list key is made by the engine.
 *
 * Verdicts of the corpus depend on today's date only where keys expire: the Autocrypt example
 * keys expired in 2021 (EXPIRED_KEY); the Schleuder, Thunderbird (paz) and mailman-pgp keys do
 * not expire, so their 2016-2023 signatures are GOOD with no freshness window and TOO_OLD with
 * one. Signers whose key is not in the corpus are UNKNOWN_KEY until the key attached to the
 * same message is added.
 */
#include "mail/pgl-mail-body.h"
#include "mail/pgl-mail-notice.h"
#include "mail/pgl-mail.h"
#include "pgp/pgl-pgp-mime.h"
#include "pgp/pgl-pgp.h"
#include "support/pgl-test-gpg.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#define DAY  (24 * 3600)
#define YEAR (365 * DAY)

#define LIST_ADDRESS "test@lists.example.org"
#define LIST_REQUEST "test-request@lists.example.org"

/* Primary key fingerprints of the corpus keys */
#define FPR_SCHLEUDER_LIST "59C71FB38AEE22E091C78259D06350440F759BD3"
#define FPR_PAZ		   "52507B0163A8D9F0094FFE03B1A36F08069E55DE"
#define FPR_ENCAP_SENDER   "9F29CA4CF1A47561492C0737C7A5457A35C50082"
#define FPR_MAILMAN	   "D4A94886B1CA2096A6458E5C47F10C087884B758"
#define FPR_ALICE_AC	   "EB85BB5FA33A75E15E944E63F231550C4F47E38E"
#define FPR_INPUT_EXAMPLE  "B00801450B3A2BA4" /* key ID: signed_utf8.eml's signer */
#define FPR_PAZ_2023	   "717574BD0A6591ED" /* key ID: Thunderbird 115's signer */

static gchar *test_root;
static GHashTable *people; /* name -> Person */
static PglPgpKeyPair *list_pair;

/* ---- data files and helpers ------------------------------------------------------------------ */

static GBytes *
read_file(const gchar *folder, const gchar *name)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "data", "pgp", folder, name,
						       NULL);
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	gsize len = 0;

	g_file_get_contents(path, &contents, &len, &error);
	g_assert_no_error(error);
	return g_bytes_new_take(contents, len);
}

static GBytes *
read_mime(const gchar *name)
{
	return read_file("mime", name);
}

static GBytes *
bytes_from_string(const gchar *text)
{
	return g_bytes_new(text, strlen(text));
}

static gchar *
string_from_bytes(GBytes *bytes)
{
	return g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
}

static GBytes *
crlf(const gchar *text)
{
	GString *out = g_string_new(NULL);

	for (const gchar *p = text; *p != '\0'; p++) {
		if (*p == '\n')
			g_string_append_c(out, '\r');
		g_string_append_c(out, *p);
	}
	return g_string_free_to_bytes(out);
}

static GBytes *
lf_to_crlf_bytes(GBytes *bytes)
{
	g_autofree gchar *text = string_from_bytes(bytes);

	return crlf(text);
}

/* ---- the people and the list ----------------------------------------------------------------- */

typedef struct {
	gchar *name;
	gchar *address;
	PglTestGpg *gpg;    /* (owned) its GNUPGHOME */
	gchar *fingerprint; /* (owned) */
	GBytes *public_key; /* (owned) */
} Person;

static void
person_free(Person *person)
{
	g_clear_pointer(&person->gpg, pgl_test_gpg_free);
	g_free(person->name);
	g_free(person->address);
	g_free(person->fingerprint);
	g_clear_pointer(&person->public_key, g_bytes_unref);
	g_free(person);
}

static PglPgpKeyPair *
list_get(void)
{
	g_autoptr(GError) error = NULL;

	if (list_pair == NULL) {
		list_pair = pgl_pgp_key_generate("Test List", LIST_ADDRESS, LIST_REQUEST,
						  PGL_PGP_KEY_ALGORITHM_ED25519, NULL, &error);
		g_assert_no_error(error);
	}
	return list_pair;
}

/* A person with an Ed25519/cv25519 key made by gpg, who knows the list's public key. */
static Person *
person_get(const gchar *name)
{
	Person *person = g_hash_table_lookup(people, name);
	g_autofree gchar *user_id = NULL;

	if (person != NULL)
		return person;
	person = g_new0(Person, 1);
	person->name = g_strdup(name);
	person->address = g_strdup_printf("%s@example.org", name);
	person->gpg = pgl_test_gpg_new(test_root);
	user_id = g_strdup_printf("%c%s <%s>", g_ascii_toupper(name[0]), name + 1,
				  person->address);
	person->fingerprint = pgl_test_gpg_generate(person->gpg, user_id, "future-default",
						    "default", "never", 0);
	person->public_key = pgl_test_gpg_export(person->gpg, person->fingerprint, FALSE);
	pgl_test_gpg_import(person->gpg, list_get()->public_key);
	g_hash_table_insert(people, person->name, person);
	return person;
}

/* The list's keyring: its secret key and the public keys of the named people */
static PglPgpKeyring *
list_keyring(const gchar *first, ...)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpKeyring) keyring = pgl_pgp_keyring_new(&error);
	g_autofree gchar *fpr = NULL;
	const gchar *name;
	va_list args;

	g_assert_no_error(error);
	fpr = pgl_pgp_keyring_add_secret(keyring, list_get()->secret_key, NULL, &error);
	g_assert_no_error(error);
	va_start(args, first);
	for (name = first; name != NULL; name = va_arg(args, const gchar *)) {
		pgl_pgp_keyring_add_public(keyring, person_get(name)->public_key, &error);
		g_assert_no_error(error);
	}
	va_end(args);
	return g_steal_pointer(&keyring);
}

/* Encrypts to the list (and signs as @person if @sign: the combined form, RFC 3156 §6.2) */
static GBytes *
gpg_encrypt_to_list(Person *person, GBytes *data, gboolean sign)
{
	const gchar *recipients[] = {list_get()->fingerprint, NULL};

	return pgl_test_gpg_encrypt(person->gpg, sign ? person->fingerprint : NULL, recipients,
				    data);
}

/* ---- fixture --------------------------------------------------------------------------------- */

typedef struct {
	gchar *tmpdir;
	PglContext *ctx;
} Fixture;

static PglContext *
make_context(const gchar *tmpdir, guint message_max, guint depth_max)
{
	g_autoptr(GError) error = NULL;
	PglConfig *config = pgl_config_new_default();
	PglContext *ctx;

	g_free(config->var_dir);
	config->var_dir = g_build_filename(tmpdir, "var", NULL);
	if (message_max != 0)
		config->message_max = message_max;
	if (depth_max != 0)
		config->mime_depth_max = depth_max;
	ctx = pgl_context_new(config, &error);
	g_assert_no_error(error);
	return ctx;
}

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	if (dir != NULL) {
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);

			if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
			    !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
				remove_tree(child);
			else
				g_remove(child);
		}
	}
	g_rmdir(path);
}

static void
fixture_set_up(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fixture->tmpdir = g_dir_make_tmp("pgl-test-mime-XXXXXX", &error);
	g_assert_no_error(error);
	fixture->ctx = make_context(fixture->tmpdir, 0, 0);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer user_data)
{
	g_clear_pointer(&fixture->ctx, pgl_context_unref);
	remove_tree(fixture->tmpdir);
	g_free(fixture->tmpdir);
}

/* ---- assertions ------------------------------------------------------------------------------ */

/* The UTF-8 text of every text/plain part of @object, depth first */
static void
collect_text(GMimeObject *object, GString *out)
{
	if (GMIME_IS_MULTIPART(object)) {
		for (gint i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(object)); i++)
			collect_text(g_mime_multipart_get_part(GMIME_MULTIPART(object), i), out);
	} else if (GMIME_IS_TEXT_PART(object)) {
		g_autofree gchar *text = pgl_mail_part_get_text(GMIME_TEXT_PART(object));

		if (text != NULL)
			g_string_append(out, text);
	}
}

static gchar *
entity_text(const PglPgpMimeOpened *opened)
{
	GString *out = g_string_new(NULL);

	collect_text(opened->entity, out);
	return g_string_free(out, FALSE);
}

static void
assert_text_contains(const PglPgpMimeOpened *opened, const gchar *phrase)
{
	g_autofree gchar *text = entity_text(opened);

	if (strstr(text, phrase) == NULL)
		g_error("entity text lacks \"%s\"; got: %s", phrase, text);
}

static const PglPgpMimeSignature *
signature_at(const PglPgpMimeOpened *opened, guint index)
{
	g_assert_cmpuint(opened->signatures->len, >, index);
	return opened->signatures->pdata[index];
}

static void
assert_verdict(const PglPgpMimeSignature *signature, PglPgpVerdict want)
{
	if (signature->signature->verdict != want)
		g_error("%s: got verdict %s (%s), want %s", signature->location,
			pgl_pgp_verdict_to_string(signature->signature->verdict),
			signature->signature->status, pgl_pgp_verdict_to_string(want));
}

static PglPgpMimeOpened *
open_ok(Fixture *fixture, PglPgpKeyring *keyring, GBytes *raw, const PglPgpVerifyParams *params)
{
	g_autoptr(GError) error = NULL;
	PglPgpMimeOpened *opened = pgl_pgp_mime_open(fixture->ctx, keyring, raw, params, &error);

	g_assert_no_error(error);
	g_assert_nonnull(opened);
	g_assert_nonnull(opened->entity);
	g_assert_nonnull(opened->entity_bytes);
	return opened;
}

/* ---- the corpus ------------------------------------------------------------------------------ */

typedef enum {
	KEYS_SCHLEUDER,	   /* Schleuder's test list key (secring.gpg) + paz's public key */
	KEYS_ENCAPSULATED, /* Schleuder's "encapsulated" list key + its sender's public key */
	KEYS_OPENPGPKEY,   /* Schleuder's 2023 list key (openpgpkey_421C...sec) */
	KEYS_AUTOCRYPT,	   /* Autocrypt's alice and bob (alice's key expired in 2021) */
	KEYS_MAILMAN,	   /* mailman-pgp's RSA-1024 key pair */
} CorpusKeys;

static PglPgpKeyring *
corpus_keyring(CorpusKeys keys)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpKeyring) keyring = pgl_pgp_keyring_new(&error);
	const gchar *secret[3] = {NULL, NULL, NULL};
	const gchar *public_key = NULL;
	const gchar *folder = "mime";

	g_assert_no_error(error);
	switch (keys) {
	case KEYS_SCHLEUDER:
		secret[0] = "schleuder-list.INSECURE.secring.gpg";
		public_key = "schleuder-openpgpkey_52507B0163A8D9F0094FFE03B1A36F08069E55DE.asc";
		break;
	case KEYS_ENCAPSULATED:
		secret[0] = "schleuder-encapsulated-list.INSECURE.sec";
		public_key = "schleuder-encapsulated-sender.pub";
		break;
	case KEYS_OPENPGPKEY:
		secret[0] = "schleuder-openpgpkey_421C19AF8B9C33B8B62D76EBDB2F7E271D773073"
			    ".INSECURE.sec";
		break;
	case KEYS_AUTOCRYPT:
		secret[0] = "autocrypt-bob.INSECURE.sec.asc";
		secret[1] = "../corpus/autocrypt-alice.INSECURE.sec.asc";
		break;
	case KEYS_MAILMAN:
		secret[0] = "mailman-pgp-rsa_1024.INSECURE.priv.asc";
		break;
	default:
		g_assert_not_reached();
	}
	for (guint i = 0; secret[i] != NULL; i++) {
		g_autoptr(GBytes) blob = read_file(folder, secret[i]);
		g_autofree gchar *fpr = pgl_pgp_keyring_add_secret(keyring, blob, NULL, &error);

		g_assert_no_error(error);
		g_assert_nonnull(fpr);
	}
	if (public_key != NULL) {
		g_autoptr(GBytes) blob = read_mime(public_key);

		pgl_pgp_keyring_add_public(keyring, blob, &error);
		g_assert_no_error(error);
	}
	return g_steal_pointer(&keyring);
}

typedef struct {
	const gchar *file;
	CorpusKeys keys;
	PglPgpMimeForm form;
	PglPgpMimeEncryption encryption;
	PglPgpMimeSigning signing;
	const gchar *phrase;  /* in the text of the opened entity */
	const gchar *subject; /* protected Subject, or NULL for none */
	guint n_signatures;
	PglPgpVerdict verdict; /* of the first signature */
	const gchar *signer;   /* its primary fingerprint, or (for unknown keys) its key ID */
	gboolean whole;	       /* it covers the whole content */
	guint n_keys;	       /* keys attached */
} CorpusCase;

#define NO_SIG 0, PGL_PGP_VERDICT_GOOD, NULL, FALSE

static const CorpusCase corpus_cases[] = {
	/* Schleuder's fixtures: Thunderbird 45/Enigmail, KMail, Exchange, Mutt, Thunderbird 115 */
	{"schleuder-encrypted-mime-thunderbird.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_NONE, "Umlauts: öäß",
	 "encrypted-mime test", NO_SIG, 0},
	{"schleuder-encrypted-signed-mime-thunderbird.eml", KEYS_SCHLEUDER,
	 PGL_PGP_MIME_FORM_ENCRYPTED, PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_COMBINED,
	 "This is a test.", "encrypted test", 1, PGL_PGP_VERDICT_GOOD, FPR_PAZ, TRUE, 0},
	{"schleuder-encrypted-inline-thunderbird.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_INLINE,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_NONE, "♥★", NULL, NO_SIG, 0},
	{"schleuder-encrypted-signed-inline-thunderbird.eml", KEYS_SCHLEUDER,
	 PGL_PGP_MIME_FORM_INLINE, PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_INLINE,
	 "Umlauts: öäß.", NULL, 1, PGL_PGP_VERDICT_GOOD, FPR_PAZ, TRUE, 0},
	{"schleuder-signed-mime-thunderbird.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_SIGNED,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_DETACHED, "This is a test",
	 "signed-mime test", 1, PGL_PGP_VERDICT_GOOD, FPR_PAZ, TRUE, 0},
	{"schleuder-signed-inline-thunderbird.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_INLINE,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_INLINE, "Umlauts: öäß.", NULL, 1,
	 PGL_PGP_VERDICT_GOOD, FPR_PAZ, TRUE, 0},
	{"schleuder-signed-multi-alt-thunderbird.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_SIGNED,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_DETACHED, "_*This is a test.*_",
	 "multi/alt test signed", 1, PGL_PGP_VERDICT_GOOD, FPR_PAZ, TRUE, 0},
	{"schleuder-encapsulated.eml", KEYS_ENCAPSULATED, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_ENCAPSULATED, "x-list-keys", "test",
	 1, PGL_PGP_VERDICT_GOOD, FPR_ENCAP_SENDER, TRUE, 0},
	{"schleuder-exchange.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_EXCHANGE,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_NONE, "foo", NULL, NO_SIG, 0},
	{"schleuder-exchange_no_parts.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_PLAIN,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_NONE, "bla-vla lu", NULL, NO_SIG, 0},
	{"schleuder-protected-headers.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_NONE, "füßä", "Re: the real subject",
	 NO_SIG, 0},
	{"schleuder-protected-headers-request.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_COMBINED, "x-list-name",
	 "Re: the real subject", 1, PGL_PGP_VERDICT_GOOD, FPR_SCHLEUDER_LIST, TRUE, 0},
	{"schleuder-mutt_protected_headers.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_NONE, "test", "x", NO_SIG, 0},
	{"schleuder-qp-encoding-clear.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_PLAIN,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_NONE, "foo foo foo", NULL, NO_SIG, 0},
	{"schleuder-qp-encoding-encrypted.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_NONE, "bugreport.cgi?bug=867031",
	 NULL, NO_SIG, 0},
	{"schleuder-qp-encoding-encrypted-signed.eml", KEYS_SCHLEUDER,
	 PGL_PGP_MIME_FORM_ENCRYPTED, PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_COMBINED,
	 "bugreport.cgi?bug=867031", "something", 1, PGL_PGP_VERDICT_GOOD, FPR_SCHLEUDER_LIST, TRUE,
	 0},
	{"schleuder-charset-signed_utf8.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_SIGNED,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_DETACHED, "Danke und liebe Grüße",
	 NULL, 1, PGL_PGP_VERDICT_UNKNOWN_KEY, FPR_INPUT_EXAMPLE, TRUE, 1},
	{"schleuder-charset-japanese_iso_2022.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_PLAIN,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_NONE, "すみません", NULL, NO_SIG, 0},
	{"schleuder-thunderbird-115.2.3-macos-xaddkey-attachment.eml", KEYS_OPENPGPKEY,
	 PGL_PGP_MIME_FORM_ENCRYPTED, PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_COMBINED,
	 "add-key", "xak7", 1, PGL_PGP_VERDICT_UNKNOWN_KEY, FPR_PAZ_2023, TRUE, 1},
	{"schleuder-mutt-2.0.5-linux-xaddkey-attachment-binary.eml", KEYS_OPENPGPKEY,
	 PGL_PGP_MIME_FORM_ENCRYPTED, PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_NONE,
	 "x-add-key:", "test", NO_SIG, 1},
	{"schleuder-big_first_mime_part.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_PLAIN,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_NONE, "foobar", NULL, NO_SIG, 0},
	{"schleuder-attach-list-key-thunderbird.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_COMBINED, "wie ein resend mail",
	 "test resend with key attach", 1, PGL_PGP_VERDICT_GOOD, FPR_SCHLEUDER_LIST, TRUE, 0},
	{"schleuder-plain-thunderbird.eml", KEYS_SCHLEUDER, PGL_PGP_MIME_FORM_PLAIN,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_NONE, "Test", NULL, NO_SIG, 0},
	/* Autocrypt's examples (Ed25519; alice's key expired on 2021-01-21) */
	{"autocrypt-example-gossip.eml", KEYS_AUTOCRYPT, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_COMBINED, "Hi Bob and Carol", NULL, 1,
	 PGL_PGP_VERDICT_EXPIRED_KEY, FPR_ALICE_AC, TRUE, 0},
	{"autocrypt-example-draft.eml", KEYS_AUTOCRYPT, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_NONE, "store it as a draft", NULL,
	 NO_SIG, 0},
	/* mailman-pgp's test messages (RSA-1024) */
	{"mailman-pgp-clear.eml", KEYS_MAILMAN, PGL_PGP_MIME_FORM_PLAIN,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_NONE, "Some cleartext.", NULL, NO_SIG,
	 0},
	{"mailman-pgp-inline_cleartext_signed.eml", KEYS_MAILMAN, PGL_PGP_MIME_FORM_INLINE,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_INLINE, "Some signed text.", NULL, 1,
	 PGL_PGP_VERDICT_GOOD, FPR_MAILMAN, TRUE, 0},
	{"mailman-pgp-inline_encrypted.eml", KEYS_MAILMAN, PGL_PGP_MIME_FORM_INLINE,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_NONE, "Some encrypted text.", NULL,
	 NO_SIG, 0},
	{"mailman-pgp-inline_signed.eml", KEYS_MAILMAN, PGL_PGP_MIME_FORM_INLINE,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_INLINE, "Some signed text.", NULL, 1,
	 PGL_PGP_VERDICT_GOOD, FPR_MAILMAN, TRUE, 0},
	{"mailman-pgp-mime_encrypted.eml", KEYS_MAILMAN, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_NONE, "Some encrypted text.",
	 "Some subject.", NO_SIG, 0},
	{"mailman-pgp-mime_encrypted_signed.eml", KEYS_MAILMAN, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_COMBINED, "Some encrypted text.",
	 "Some subject.", 1, PGL_PGP_VERDICT_GOOD, FPR_MAILMAN, TRUE, 0},
	{"mailman-pgp-mime_signed.eml", KEYS_MAILMAN, PGL_PGP_MIME_FORM_SIGNED,
	 PGL_PGP_MIME_ENCRYPTION_NONE, PGL_PGP_MIME_SIGNING_DETACHED, "Some signed text.",
	 "Some subject.", 1, PGL_PGP_VERDICT_GOOD, FPR_MAILMAN, TRUE, 0},
	{"mailman-pgp-mime_signed_then_encrypted.eml", KEYS_MAILMAN, PGL_PGP_MIME_FORM_ENCRYPTED,
	 PGL_PGP_MIME_ENCRYPTION_WHOLE, PGL_PGP_MIME_SIGNING_ENCAPSULATED, "Some signed text.",
	 "Some subject.", 1, PGL_PGP_VERDICT_GOOD, FPR_MAILMAN, TRUE, 0},
};

static void
test_corpus(Fixture *fixture, gconstpointer user_data)
{
	const CorpusCase *want = user_data;
	g_autoptr(PglPgpKeyring) keyring = corpus_keyring(want->keys);
	g_autoptr(GBytes) raw = read_mime(want->file);
	g_autoptr(PglPgpMimeOpened) opened = open_ok(fixture, keyring, raw, NULL);
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GError) error = NULL;
	PglPgpMimeForm form;

	/* classification agrees with what opening found */
	g_assert_true(pgl_mail_parse(fixture->ctx, raw, &message, &error));
	g_assert_no_error(error);
	g_assert_true(pgl_pgp_mime_classify(message, &form, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(pgl_pgp_mime_form_to_string(form), ==,
			pgl_pgp_mime_form_to_string(want->form));

	g_assert_cmpstr(pgl_pgp_mime_form_to_string(opened->form), ==,
			pgl_pgp_mime_form_to_string(want->form));
	g_assert_cmpint(opened->encryption, ==, want->encryption);
	g_assert_cmpstr(pgl_pgp_mime_signing_to_string(opened->signing), ==,
			pgl_pgp_mime_signing_to_string(want->signing));
	assert_text_contains(opened, want->phrase);
	g_assert_cmpstr(opened->subject, ==, want->subject);
	g_assert_cmpuint(opened->signatures->len, ==, want->n_signatures);
	if (want->n_signatures > 0) {
		const PglPgpMimeSignature *signature = signature_at(opened, 0);

		assert_verdict(signature, want->verdict);
		if (want->verdict == PGL_PGP_VERDICT_UNKNOWN_KEY)
			g_assert_cmpstr(signature->signature->key_id, ==, want->signer);
		else
			g_assert_cmpstr(signature->signature->primary_fingerprint, ==,
					want->signer);
		g_assert_cmpint(signature->whole, ==, want->whole);
		g_assert_cmpint(pgl_pgp_mime_opened_signed_by(opened, want->signer), ==,
				want->verdict == PGL_PGP_VERDICT_GOOD && want->whole);
	}
	g_assert_cmpuint(opened->keys->len, ==, want->n_keys);
	g_assert_false(opened->secret_key_attached);
	if (want->encryption == PGL_PGP_MIME_ENCRYPTION_WHOLE)
		g_assert_nonnull(opened->cipher);
	/* the poster's signed part is kept for lists that pass it on */
	g_assert_cmpint(opened->signed_entity != NULL, ==,
			want->signing == PGL_PGP_MIME_SIGNING_DETACHED ||
				want->signing == PGL_PGP_MIME_SIGNING_ENCAPSULATED);
}

/* The same mail with CRLF line ends (as LMTP delivers it) and, for the one that came with CRLF,
 * with LF ones: the exact-bytes check must not depend on the spool's line ends. */
static void
test_corpus_line_ends(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = corpus_keyring(KEYS_SCHLEUDER);
	const gchar *files[] = {"schleuder-signed-mime-thunderbird.eml",
				"schleuder-signed-multi-alt-thunderbird.eml"};

	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autoptr(GBytes) raw = read_mime(files[i]);
		g_autofree gchar *text = string_from_bytes(raw);
		g_autoptr(GString) lf = g_string_new(NULL);
		g_autoptr(GBytes) lf_raw = NULL;
		g_autoptr(GBytes) crlf_raw = NULL;
		g_autoptr(PglPgpMimeOpened) from_lf = NULL;
		g_autoptr(PglPgpMimeOpened) from_crlf = NULL;

		for (const gchar *p = text; *p != '\0'; p++) {
			if (!(p[0] == '\r' && p[1] == '\n'))
				g_string_append_c(lf, *p);
		}
		lf_raw = g_bytes_new(lf->str, lf->len);
		crlf_raw = crlf(lf->str);
		from_lf = open_ok(fixture, keyring, lf_raw, NULL);
		from_crlf = open_ok(fixture, keyring, crlf_raw, NULL);
		assert_verdict(signature_at(from_lf, 0), PGL_PGP_VERDICT_GOOD);
		assert_verdict(signature_at(from_crlf, 0), PGL_PGP_VERDICT_GOOD);
		g_assert_true(g_bytes_equal(from_lf->entity_bytes, from_crlf->entity_bytes));
	}
}

/* A freshness window makes the old corpus signatures TOO_OLD */
static void
test_corpus_window(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = corpus_keyring(KEYS_SCHLEUDER);
	g_autoptr(GBytes) raw = read_mime("schleuder-signed-mime-thunderbird.eml");
	PglPgpVerifyParams params = {.now = 0, .window = 30 * DAY};
	g_autoptr(PglPgpMimeOpened) opened = open_ok(fixture, keyring, raw, &params);

	assert_verdict(signature_at(opened, 0), PGL_PGP_VERDICT_TOO_OLD);
	g_assert_false(pgl_pgp_mime_opened_signed_by(opened, FPR_PAZ));
	/* judged as of the day after it was made, it is good */
	params.now = signature_at(opened, 0)->signature->created + DAY;
	g_clear_pointer(&opened, pgl_pgp_mime_opened_free);
	opened = open_ok(fixture, keyring, raw, &params);
	assert_verdict(signature_at(opened, 0), PGL_PGP_VERDICT_GOOD);
}

/* The key attached to a message is extracted; with it, the signature is judged. Thunderbird
 * 115's signature is then EXPIRED_KEY (the key expired on 2024-03-16), and GOOD judged as of
 * the day after it was made. signed_utf8.eml's is BAD, and GnuPG 2.2 says BAD too over the same
 * bytes (and over the variants with a line break more or less, or trailing white space
 * stripped): the fixture was changed after it was signed. */
static void
test_corpus_attached_key(Fixture *fixture, gconstpointer user_data)
{
	struct {
		const gchar *file;
		CorpusKeys keys;
		PglPgpVerdict verdict;
	} cases[] = {
		{"schleuder-charset-signed_utf8.eml", KEYS_SCHLEUDER, PGL_PGP_VERDICT_BAD},
		{"schleuder-thunderbird-115.2.3-macos-xaddkey-attachment.eml", KEYS_OPENPGPKEY,
		 PGL_PGP_VERDICT_EXPIRED_KEY},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(PglPgpKeyring) keyring = corpus_keyring(cases[i].keys);
		g_autoptr(GBytes) raw = read_mime(cases[i].file);
		g_autoptr(PglPgpMimeOpened) before = open_ok(fixture, keyring, raw, NULL);
		g_autoptr(PglPgpMimeOpened) after = NULL;
		g_autoptr(PglPgpKeyInfo) info = NULL;
		g_autoptr(GError) error = NULL;
		const PglPgpMimeKey *key;

		assert_verdict(signature_at(before, 0), PGL_PGP_VERDICT_UNKNOWN_KEY);
		g_assert_cmpuint(before->keys->len, ==, 1);
		key = before->keys->pdata[0];
		g_assert_cmpint(key->contents, ==, PGL_PGP_CONTENTS_PUBLIC_KEY);
		info = pgl_pgp_key_inspect(key->data, 0, &error);
		g_assert_no_error(error);
		g_assert_true(g_str_has_suffix(info->fingerprint,
					       signature_at(before, 0)->signature->key_id));
		pgl_pgp_keyring_add_public(keyring, key->data, &error);
		g_assert_no_error(error);
		after = open_ok(fixture, keyring, raw, NULL);
		assert_verdict(signature_at(after, 0), cases[i].verdict);
		g_assert_false(pgl_pgp_mime_opened_signed_by(after, info->fingerprint));
		if (cases[i].verdict == PGL_PGP_VERDICT_EXPIRED_KEY) {
			PglPgpVerifyParams then = {
				.now = signature_at(after, 0)->signature->created + DAY};
			g_autoptr(PglPgpMimeOpened) back_then =
				open_ok(fixture, keyring, raw, &then);

			assert_verdict(signature_at(back_then, 0), PGL_PGP_VERDICT_GOOD);
			g_assert_true(pgl_pgp_mime_opened_signed_by(back_then, info->fingerprint));
		}
	}
}

/* mailman-pgp's revocation certificate makes its signer REVOKED */
static void
test_corpus_revoked(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpKeyring) keyring = pgl_pgp_keyring_new(&error);
	g_autoptr(GBytes) public_key = read_file("corpus", "mailman-pgp-rsa_1024.pub.asc");
	g_autoptr(GBytes) revocation = read_file("corpus", "mailman-pgp-rsa_1024.revoc.asc");
	g_autoptr(GBytes) revoked = NULL;
	g_autoptr(GBytes) raw = read_mime("mailman-pgp-mime_signed.eml");
	g_autoptr(PglPgpMimeOpened) opened = NULL;

	g_assert_no_error(error);
	revoked = pgl_pgp_key_add_revocation(public_key, revocation, &error);
	g_assert_no_error(error);
	pgl_pgp_keyring_add_public(keyring, revoked, &error);
	g_assert_no_error(error);
	opened = open_ok(fixture, keyring, raw, NULL);
	assert_verdict(signature_at(opened, 0), PGL_PGP_VERDICT_REVOKED);
	g_assert_false(pgl_pgp_mime_opened_signed_by(opened, FPR_MAILMAN));
}

/* Corpus mail that cannot be opened, each with its reason */
static void
test_corpus_refused(Fixture *fixture, gconstpointer user_data)
{
	struct {
		const gchar *file;
		CorpusKeys keys;
		GQuark domain;
		gint code;
	} cases[] = {
		{"schleuder-encrypted-to-absent-key.eml", KEYS_SCHLEUDER, PGL_PGP_ERROR,
		 PGL_PGP_ERROR_NO_KEY},
		{"schleuder-encrypted-to-passphrase.eml", KEYS_SCHLEUDER, PGL_PGP_ERROR,
		 PGL_PGP_ERROR_DECRYPT},
		{"schleuder-containing-pgp-garbage.eml", KEYS_SCHLEUDER, PGL_PGP_ERROR,
		 PGL_PGP_ERROR_GARBAGE},
		/* as received, an armor header line around plain text: the sender meant inline
		 * PGP, and it is not (inside encryption it is only text: see
		 * /pgp-mime/gpg/armor-lines-inside-encryption) */
		{"schleuder-mail_with_pgp_boundaries_in_body.eml", KEYS_SCHLEUDER, PGL_PGP_ERROR,
		 PGL_PGP_ERROR_GARBAGE},
		/* two signatures in a multipart/mixed instead of application/pgp-signature */
		{"mailman-pgp-mime_multisig.eml", KEYS_MAILMAN, PGL_MAIL_ERROR,
		 PGL_MAIL_ERROR_AMBIGUOUS},
		/* the recipient is alice, whose secret key is not given here */
		{"autocrypt-example-draft.eml", KEYS_MAILMAN, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(PglPgpKeyring) keyring = corpus_keyring(cases[i].keys);
		g_autoptr(GBytes) raw = read_mime(cases[i].file);
		g_autoptr(GError) error = NULL;
		g_autoptr(PglPgpMimeOpened) opened =
			pgl_pgp_mime_open(fixture->ctx, keyring, raw, NULL, &error);

		g_assert_null(opened);
		if (!g_error_matches(error, cases[i].domain, cases[i].code))
			g_error("%s: got %s %d (%s), want %s %d", cases[i].file,
				error != NULL ? g_quark_to_string(error->domain) : "no error",
				error != NULL ? error->code : -1,
				error != NULL ? error->message : "",
				g_quark_to_string(cases[i].domain), cases[i].code);
	}
}

/* The Exchange repair needs exactly Exchange's structure */
static void
test_corpus_exchange_strict(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GBytes) raw = read_mime("schleuder-exchange.eml");
	g_autofree gchar *text = string_from_bytes(raw);
	g_autoptr(GString) changed = g_string_new(text);
	g_autoptr(GBytes) changed_raw = NULL;
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *empty_part = "quoted-printable\n\n\n--_003_MIME_";
	gchar *at = strstr(changed->str, empty_part);
	PglPgpMimeForm form;

	/* the empty text part gets text: an ordinary multipart/mixed with attachments */
	g_assert_nonnull(at);
	g_string_insert(changed, (at - changed->str) + (gssize)strlen("quoted-printable\n\n"),
			"Look at the attachment.\n");
	changed_raw = g_bytes_new(changed->str, changed->len);
	g_assert_true(pgl_mail_parse(fixture->ctx, changed_raw, &message, &error));
	g_assert_true(pgl_pgp_mime_classify(message, &form, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpint(form, ==, PGL_PGP_MIME_FORM_PLAIN);
}

/* ---- mail made by gpg ------------------------------------------------------------------------ */

#define ALICE_SUBJECT "Meeting on Thursday"
#define ALICE_TEXT    "Hello list,\nthe meeting is on Thursday.\nGrüße, Alice\n"

/* The entity Alice writes: UTF-8 text, quoted-printable, with protected header fields */
static gchar *
alice_entity(void)
{
	return g_strdup("Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\n"
			"Content-Transfer-Encoding: quoted-printable\n"
			"Subject: " ALICE_SUBJECT "\n"
			"From: Alice <alice@example.org>\n"
			"\n"
			"Hello list,\n"
			"the meeting is on Thursday.\n"
			"Gr=C3=BC=C3=9Fe, Alice");
}

static gchar *
outer_header(const gchar *subject)
{
	return g_strdup_printf("From: Alice <alice@example.org>\n"
			       "To: " LIST_ADDRESS "\n"
			       "Subject: %s\n"
			       "Date: Thu, 01 Feb 2024 10:00:00 +0000\n"
			       "Message-ID: <alice-1@example.org>\n"
			       "MIME-Version: 1.0\n",
			       subject);
}

/* multipart/signed (RFC 3156 §5) of @entity (without a final line break) */
static gchar *
make_signed(Person *signer, const gchar *entity, const gchar *boundary)
{
	g_autoptr(GBytes) canonical = crlf(entity);
	g_autoptr(GBytes) signature = pgl_test_gpg_sign_detached(
		signer->gpg, signer->fingerprint, canonical, 0, "--digest-algo", "SHA256", NULL);
	g_autofree gchar *sig_text = string_from_bytes(signature);

	return g_strdup_printf("Content-Type: multipart/signed; micalg=pgp-sha256;\n"
			       " protocol=\"application/pgp-signature\"; boundary=\"%s\"\n"
			       "\n"
			       "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\n"
			       "--%s\n"
			       "%s\n"
			       "--%s\n"
			       "Content-Type: application/pgp-signature; name=\"signature.asc\"\n"
			       "\n"
			       "%s\n"
			       "--%s--\n",
			       boundary, boundary, entity, boundary, sig_text, boundary);
}

/* multipart/encrypted (RFC 3156 §4) holding @ciphertext */
static gchar *
make_encrypted(GBytes *ciphertext, const gchar *boundary)
{
	g_autofree gchar *armored = string_from_bytes(ciphertext);

	return g_strdup_printf("Content-Type: multipart/encrypted;\n"
			       " protocol=\"application/pgp-encrypted\"; boundary=\"%s\"\n"
			       "\n"
			       "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\n"
			       "--%s\n"
			       "Content-Type: application/pgp-encrypted\n"
			       "\n"
			       "Version: 1\n"
			       "\n"
			       "--%s\n"
			       "Content-Type: application/octet-stream; name=\"encrypted.asc\"\n"
			       "\n"
			       "%s\n"
			       "--%s--\n",
			       boundary, boundary, boundary, armored, boundary);
}

static GBytes *
message_bytes(const gchar *header, const gchar *body_entity)
{
	g_autofree gchar *text = g_strconcat(header, body_entity, NULL);

	return bytes_from_string(text);
}

/* Alice's §5 signed post */
static GBytes *
alice_signed_post(void)
{
	g_autofree gchar *entity = alice_entity();
	g_autofree gchar *signed_entity = make_signed(person_get("alice"), entity, "sig-b");
	g_autofree gchar *header = outer_header(ALICE_SUBJECT);

	return message_bytes(header, signed_entity);
}

static void
test_gpg_signed(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", "bob", NULL);
	g_autoptr(GBytes) raw = alice_signed_post();
	g_autoptr(PglPgpMimeOpened) opened = open_ok(fixture, keyring, raw, NULL);
	g_autofree gchar *entity = alice_entity();

	g_assert_cmpint(opened->form, ==, PGL_PGP_MIME_FORM_SIGNED);
	g_assert_cmpint(opened->encryption, ==, PGL_PGP_MIME_ENCRYPTION_NONE);
	g_assert_cmpint(opened->signing, ==, PGL_PGP_MIME_SIGNING_DETACHED);
	g_assert_cmpuint(opened->signatures->len, ==, 1);
	assert_verdict(signature_at(opened, 0), PGL_PGP_VERDICT_GOOD);
	g_assert_true(signature_at(opened, 0)->whole);
	g_assert_nonnull(signature_at(opened, 0)->signature->replay_digest);
	g_assert_true(pgl_pgp_mime_opened_signed_by(opened, person_get("alice")->fingerprint));
	g_assert_false(pgl_pgp_mime_opened_signed_by(opened, person_get("bob")->fingerprint));
	/* the entity bytes are the signed bytes, exactly */
	g_assert_cmpuint(g_bytes_get_size(opened->entity_bytes), ==, strlen(entity));
	g_assert_cmpmem(g_bytes_get_data(opened->entity_bytes, NULL),
			g_bytes_get_size(opened->entity_bytes), entity, strlen(entity));
	g_assert_cmpstr(opened->subject, ==, ALICE_SUBJECT);
	g_assert_cmpstr(opened->from, ==, "Alice <alice@example.org>");
	assert_text_contains(opened, "Grüße, Alice");
	g_assert_nonnull(opened->signed_entity);
}

static void
test_gpg_combined(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autofree gchar *entity = alice_entity();
	g_autoptr(GBytes) canonical = crlf(entity);
	g_autoptr(GBytes) ciphertext = gpg_encrypt_to_list(person_get("alice"), canonical, TRUE);
	g_autofree gchar *body = make_encrypted(ciphertext, "enc-b");
	g_autofree gchar *header = outer_header(PGL_PGP_MIME_OUTER_SUBJECT);
	g_autoptr(GBytes) raw = message_bytes(header, body);
	g_autoptr(PglPgpMimeOpened) opened = open_ok(fixture, keyring, raw, NULL);

	g_assert_cmpint(opened->form, ==, PGL_PGP_MIME_FORM_ENCRYPTED);
	g_assert_cmpint(opened->encryption, ==, PGL_PGP_MIME_ENCRYPTION_WHOLE);
	g_assert_cmpint(opened->signing, ==, PGL_PGP_MIME_SIGNING_COMBINED);
	assert_verdict(signature_at(opened, 0), PGL_PGP_VERDICT_GOOD);
	g_assert_true(signature_at(opened, 0)->encrypted);
	g_assert_true(pgl_pgp_mime_opened_signed_by(opened, person_get("alice")->fingerprint));
	g_assert_cmpstr(opened->subject, ==, ALICE_SUBJECT);
	assert_text_contains(opened, "the meeting is on Thursday");
	g_assert_null(opened->signed_entity);
	g_assert_nonnull(opened->recipient_key_id);
	g_assert_false(opened->hidden_recipient);
	/* the decrypted entity, LF line ends */
	g_assert_cmpmem(g_bytes_get_data(opened->entity_bytes, NULL),
			g_bytes_get_size(opened->entity_bytes), entity, strlen(entity));
}

/* Only the legacy header part (Enigmail's text/rfc822-headers) says what the Subject is */
static void
test_gpg_legacy_header_part(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	const gchar *entity = "Content-Type: multipart/mixed; boundary=\"leg\"; "
			      "protected-headers=\"v1\"\n"
			      "\n"
			      "--leg\n"
			      "Content-Type: text/rfc822-headers; protected-headers=\"v1\"\n"
			      "Content-Disposition: inline\n"
			      "\n"
			      "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= from the legacy part\n"
			      "From: Alice <alice@example.org>\n"
			      "\n"
			      "--leg\n"
			      "Content-Type: text/plain\n"
			      "\n"
			      "The text.\n"
			      "--leg--";
	g_autoptr(GBytes) canonical = crlf(entity);
	g_autoptr(GBytes) ciphertext = gpg_encrypt_to_list(person_get("alice"), canonical, TRUE);
	g_autofree gchar *body = make_encrypted(ciphertext, "enc-b");
	g_autofree gchar *header = outer_header(PGL_PGP_MIME_OUTER_SUBJECT);
	g_autoptr(GBytes) raw = message_bytes(header, body);
	g_autoptr(PglPgpMimeOpened) opened = open_ok(fixture, keyring, raw, NULL);

	g_assert_cmpstr(opened->subject, ==, "Grüße from the legacy part");
	g_assert_cmpstr(opened->from, ==, "Alice <alice@example.org>");
	g_assert_true(opened->headers_legacy_part);
	assert_text_contains(opened, "The text.");
}

/* Signed, then encrypted (RFC 3156 §6.1, as KMail sends) */
static void
test_gpg_encapsulated(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autofree gchar *entity = alice_entity();
	g_autofree gchar *signed_entity = make_signed(person_get("alice"), entity, "sig-inner");
	g_autoptr(GBytes) canonical = crlf(signed_entity);
	g_autoptr(GBytes) ciphertext = gpg_encrypt_to_list(person_get("alice"), canonical, FALSE);
	g_autofree gchar *body = make_encrypted(ciphertext, "enc-b");
	g_autofree gchar *header = outer_header(PGL_PGP_MIME_OUTER_SUBJECT);
	g_autoptr(GBytes) raw = message_bytes(header, body);
	g_autoptr(PglPgpMimeOpened) opened = open_ok(fixture, keyring, raw, NULL);

	g_assert_cmpint(opened->signing, ==, PGL_PGP_MIME_SIGNING_ENCAPSULATED);
	g_assert_cmpuint(opened->signatures->len, ==, 1);
	assert_verdict(signature_at(opened, 0), PGL_PGP_VERDICT_GOOD);
	g_assert_true(signature_at(opened, 0)->whole);
	g_assert_true(signature_at(opened, 0)->encrypted);
	g_assert_true(pgl_pgp_mime_opened_signed_by(opened, person_get("alice")->fingerprint));
	g_assert_cmpstr(opened->subject, ==, ALICE_SUBJECT);
	g_assert_nonnull(opened->signed_entity);
	/* the entity handed on is the signed part, without the multipart/signed */
	g_assert_true(GMIME_IS_TEXT_PART(opened->entity));
	g_assert_cmpmem(g_bytes_get_data(opened->entity_bytes, NULL),
			g_bytes_get_size(opened->entity_bytes), entity, strlen(entity));
}

static void
test_gpg_inline(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	Person *alice = person_get("alice");
	g_autoptr(GBytes) text = bytes_from_string(ALICE_TEXT);
	g_autoptr(PglTestGpgResult) clearsigned =
		pgl_test_gpg_run(alice->gpg, text, "--clearsign", "--local-user", alice->fingerprint,
				 NULL);
	g_autoptr(GBytes) encrypted = gpg_encrypt_to_list(alice, text, TRUE);
	g_autofree gchar *header = outer_header(ALICE_SUBJECT);
	const gchar *part_header = "Content-Type: text/plain; charset=utf-8\n"
				   "Content-Transfer-Encoding: 8bit\n\n";

	pgl_test_gpg_assert_ok(clearsigned);
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *block = string_from_bytes(i == 0 ? clearsigned->out : encrypted);
		g_autofree gchar *body = g_strconcat(part_header, block, NULL);
		g_autoptr(GBytes) raw = message_bytes(header, body);
		g_autoptr(PglPgpMimeOpened) opened = open_ok(fixture, keyring, raw, NULL);
		g_autofree gchar *plain = entity_text(opened);

		g_assert_cmpint(opened->form, ==, PGL_PGP_MIME_FORM_INLINE);
		g_assert_cmpint(opened->signing, ==, PGL_PGP_MIME_SIGNING_INLINE);
		g_assert_cmpint(opened->encryption, ==,
				i == 0 ? PGL_PGP_MIME_ENCRYPTION_NONE
				       : PGL_PGP_MIME_ENCRYPTION_WHOLE);
		assert_verdict(signature_at(opened, 0), PGL_PGP_VERDICT_GOOD);
		g_assert_true(signature_at(opened, 0)->whole);
		g_assert_true(pgl_pgp_mime_opened_signed_by(opened, alice->fingerprint));
		g_assert_nonnull(strstr(plain, "Grüße, Alice"));
		g_assert_null(strstr(plain, "-----BEGIN PGP"));
	}
}

/* Schleuder's test: the armor lines of mail_with_pgp_boundaries_in_body.txt inside encrypted,
 * signed mail are just text */
static void
test_gpg_armor_lines_inside_encryption(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GBytes) corpus = read_mime("schleuder-mail_with_pgp_boundaries_in_body.eml");
	g_autofree gchar *corpus_text = string_from_bytes(corpus);
	const gchar *body_start = strstr(corpus_text, "\n\n");
	g_autofree gchar *entity = NULL;
	g_autoptr(GBytes) canonical = NULL;
	g_autoptr(GBytes) ciphertext = NULL;
	g_autofree gchar *body = NULL;
	g_autofree gchar *header = outer_header(PGL_PGP_MIME_OUTER_SUBJECT);
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(PglPgpMimeOpened) opened = NULL;

	g_assert_nonnull(body_start);
	entity = g_strconcat("Content-Type: text/plain; charset=utf-8\n", body_start, NULL);
	canonical = crlf(entity);
	ciphertext = gpg_encrypt_to_list(person_get("alice"), canonical, TRUE);
	body = make_encrypted(ciphertext, "enc-b");
	raw = message_bytes(header, body);
	opened = open_ok(fixture, keyring, raw, NULL);
	assert_text_contains(opened, "Only to show what is between here...");
	assert_text_contains(opened, "-----BEGIN PGP MESSAGE-----");
	g_assert_cmpint(opened->signing, ==, PGL_PGP_MIME_SIGNING_COMBINED);
	g_assert_cmpuint(opened->signatures->len, ==, 1);
}

/* Decrypts @message as @person with gpg; returns the plaintext (NULL if gpg cannot) and the
 * VALIDSIG fingerprint */
static GBytes *
gpg_read_encrypted(Person *person, GBytes *message, gchar **signer_out)
{
	g_autofree gchar *text = string_from_bytes(message);
	const gchar *begin = strstr(text, "-----BEGIN PGP MESSAGE-----");
	const gchar *end = strstr(text, "-----END PGP MESSAGE-----");
	g_autoptr(GBytes) armored = NULL;
	g_autoptr(GBytes) plaintext = NULL;
	g_autofree gchar *status = NULL;
	g_auto(GStrv) valid = NULL;

	g_assert_nonnull(begin);
	g_assert_nonnull(end);
	armored = g_bytes_new(begin, (gsize)(end - begin) + strlen("-----END PGP MESSAGE-----\n"));
	plaintext = pgl_test_gpg_decrypt(person->gpg, armored, &status);
	valid = pgl_test_gpg_status_args(status, "VALIDSIG");
	if (signer_out != NULL)
		*signer_out = valid != NULL && valid[0] != NULL ? g_strdup(valid[0]) : NULL;
	if (plaintext == NULL)
		g_test_message("%s cannot decrypt: %s", person->name, status);
	return g_steal_pointer(&plaintext);
}

/* A message with the list's outgoing header fields and @entity as body */
static GMimeMessage *
list_message(Fixture *fixture, GMimeObject *entity, const gchar *subject)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *header = g_strdup_printf("From: Alice <alice@example.org>\n"
						   "To: " LIST_ADDRESS "\n"
						   "Subject: %s\n"
						   "Date: Thu, 01 Feb 2024 10:00:00 +0000\n"
						   "Message-ID: <alice-1@example.org>\n"
						   "List-Id: <test.lists.example.org>\n"
						   "MIME-Version: 1.0\n"
						   "Content-Type: text/plain\n"
						   "\n"
						   "placeholder\n",
						   subject);
	g_autoptr(GBytes) raw = bytes_from_string(header);
	GMimeMessage *message = NULL;

	g_assert_true(pgl_mail_parse(fixture->ctx, raw, &message, &error));
	g_assert_no_error(error);
	g_mime_message_set_mime_part(message, entity);
	return message;
}

static void
assert_outer(GBytes *sent)
{
	g_autofree gchar *text = string_from_bytes(sent);
	const gchar *body = strstr(text, "\n\n");

	g_assert_nonnull(body);
	/* the real Subject is not outside the encryption */
	g_assert_nonnull(
		g_strstr_len(text, body - text, "\nSubject: " PGL_PGP_MIME_OUTER_SUBJECT "\n"));
	g_assert_null(strstr(text, "Thursday"));
	g_assert_nonnull(strstr(text, "multipart/encrypted"));
	g_assert_nonnull(g_strstr_len(text, body - text, "List-Id: <test.lists.example.org>"));
}

/* The list decrypts Alice's post and sends it on to Bob: Bob's gpg decrypts it, the list's
 * signature verifies, the real Subject is inside; Carol's gpg cannot read it; a chunk with
 * hidden recipients works for both of its recipients. */
static void
test_gpg_outgoing(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", "bob", "carol", "dave", NULL);
	g_autofree gchar *entity = alice_entity();
	g_autoptr(GBytes) canonical = crlf(entity);
	g_autoptr(GBytes) ciphertext = gpg_encrypt_to_list(person_get("alice"), canonical, TRUE);
	g_autofree gchar *body = make_encrypted(ciphertext, "enc-b");
	g_autofree gchar *header = outer_header(PGL_PGP_MIME_OUTER_SUBJECT);
	g_autoptr(GBytes) raw = message_bytes(header, body);
	g_autoptr(PglPgpMimeOpened) opened = open_ok(fixture, keyring, raw, NULL);
	g_autoptr(GMimeMessage) message =
		list_message(fixture, opened->entity, "[test] " ALICE_SUBJECT);
	g_autoptr(GBytes) payload = pgl_pgp_mime_build_payload(message);
	const gchar *to_bob[] = {person_get("bob")->fingerprint, NULL};
	const gchar *chunk[] = {person_get("bob")->fingerprint, person_get("dave")->fingerprint,
				NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) sent = NULL;
	g_autoptr(GBytes) sent_chunk = NULL;
	g_autoptr(GBytes) read_by_bob = NULL;
	g_autoptr(GBytes) read_by_carol = NULL;
	g_autofree gchar *signer = NULL;
	g_autofree gchar *payload_text = NULL;
	g_autoptr(GBytes) canonical_payload = lf_to_crlf_bytes(payload);

	sent = pgl_pgp_mime_build_encrypted(keyring, list_get()->fingerprint, to_bob, message,
					    payload, PGL_PGP_ENCRYPT_NONE, &error);
	g_assert_no_error(error);
	assert_outer(sent);

	read_by_bob = gpg_read_encrypted(person_get("bob"), sent, &signer);
	g_assert_nonnull(read_by_bob);
	g_assert_cmpstr(signer, ==, list_get()->fingerprint);
	/* what Bob reads is the payload, in canonical form */
	g_assert_true(g_bytes_equal(read_by_bob, canonical_payload));
	payload_text = string_from_bytes(payload);
	g_assert_nonnull(strstr(payload_text, "\nSubject: [test] " ALICE_SUBJECT "\n"));
	g_assert_nonnull(strstr(payload_text, "hp=cipher"));
	g_assert_nonnull(strstr(payload_text, "protected-headers=v1"));
	g_assert_nonnull(strstr(payload_text, "HP-Outer: Subject: " PGL_PGP_MIME_OUTER_SUBJECT));
	g_assert_nonnull(strstr(payload_text, "Gr=C3=BC=C3=9Fe, Alice"));

	read_by_carol = gpg_read_encrypted(person_get("carol"), sent, NULL);
	g_assert_null(read_by_carol);

	/* a chunk of two with hidden recipients: each decrypts, Carol still cannot */
	sent_chunk = pgl_pgp_mime_build_encrypted(keyring, list_get()->fingerprint, chunk, message,
						  NULL, PGL_PGP_ENCRYPT_HIDE_RECIPIENTS, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *chunk_signer = NULL;
		g_autoptr(GBytes) read = gpg_read_encrypted(person_get(i == 0 ? "bob" : "dave"),
							    sent_chunk, &chunk_signer);

		g_assert_nonnull(read);
		g_assert_cmpstr(chunk_signer, ==, list_get()->fingerprint);
	}
	g_assert_null(gpg_read_encrypted(person_get("carol"), sent_chunk, NULL));
}

/* What the list sends is also what the engine reads back: Bob's secret key in an engine
 * keyring opens the copy, finds the list's signature, the inner Subject and Alice's text. */
static void
test_gpg_outgoing_round_trip(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", "bob", NULL);
	g_autoptr(GBytes) raw = alice_signed_post();
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpKeyring) bob_keyring = pgl_pgp_keyring_new(&error);
	g_autoptr(GBytes) bob_secret =
		pgl_test_gpg_export(person_get("bob")->gpg, person_get("bob")->fingerprint, TRUE);
	g_autofree gchar *bob_fpr = NULL;
	g_autoptr(PglPgpMimeOpened) opened = NULL;
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GBytes) sent = NULL;
	g_autoptr(PglPgpMimeOpened) received = NULL;
	const gchar *to_bob[] = {person_get("bob")->fingerprint, NULL};

	opened = open_ok(fixture, keyring, raw, NULL);
	message = list_message(fixture, opened->entity, "[test] " ALICE_SUBJECT);
	sent = pgl_pgp_mime_build_encrypted(keyring, list_get()->fingerprint, to_bob, message,
					    NULL, PGL_PGP_ENCRYPT_NONE, &error);
	g_assert_no_error(error);

	g_assert_no_error(error);
	bob_fpr = pgl_pgp_keyring_add_secret(bob_keyring, bob_secret, NULL, &error);
	g_assert_no_error(error);
	pgl_pgp_keyring_add_public(bob_keyring, list_get()->public_key, &error);
	g_assert_no_error(error);
	received = open_ok(fixture, bob_keyring, sent, NULL);
	g_assert_cmpint(received->signing, ==, PGL_PGP_MIME_SIGNING_COMBINED);
	g_assert_true(pgl_pgp_mime_opened_signed_by(received, list_get()->fingerprint));
	g_assert_cmpstr(received->subject, ==, "[test] " ALICE_SUBJECT);
	g_assert_cmpstr(received->from, ==, "Alice <alice@example.org>");
	assert_text_contains(received, "Grüße, Alice");
}

/* The part between "--@boundary\n" and the line break before the next delimiter, and the
 * content of the part after it: what any reader takes as signed bytes and signature */
static void
split_signed(const gchar *text, const gchar *boundary, GBytes **signed_out,
	     GBytes **signature_out)
{
	g_autofree gchar *delimiter = g_strdup_printf("\n--%s", boundary);
	const gchar *first = strstr(text, delimiter);
	const gchar *second;
	const gchar *sig_start;
	const gchar *sig_end;

	g_assert_nonnull(first);
	first = strchr(first + 1, '\n') + 1;
	second = strstr(first, delimiter);
	g_assert_nonnull(second);
	g_autofree gchar *signed_text = g_strndup(first, (gsize)(second - first));

	*signed_out = crlf(signed_text);
	sig_start = strstr(second, "-----BEGIN PGP SIGNATURE-----");
	sig_end = strstr(second, "-----END PGP SIGNATURE-----");
	g_assert_nonnull(sig_start);
	g_assert_nonnull(sig_end);
	*signature_out = g_bytes_new(sig_start, (gsize)(sig_end - sig_start) +
							strlen("-----END PGP SIGNATURE-----\n"));
}

static gchar *
boundary_of(const gchar *text, const gchar *after)
{
	const gchar *at = strstr(text, after);
	const gchar *start;
	const gchar *end;

	g_assert_nonnull(at);
	start = strstr(at, "boundary=\"");
	g_assert_nonnull(start);
	start += strlen("boundary=\"");
	end = strchr(start, '"');
	return g_strndup(start, (gsize)(end - start));
}

/* strip_original_sig false: Alice's multipart/signed travels inside the encryption, next to
 * the list's footer, and Bob's gpg verifies Alice's own signature over the exact bytes. Done
 * for both forms Alice may have sent (§5 signed only, §6.1 signed then encrypted). */
static void
test_gpg_keep_original_signature(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", "bob", NULL);
	g_autofree gchar *entity = alice_entity();
	g_autofree gchar *signed_entity = make_signed(person_get("alice"), entity, "sig-inner");
	g_autoptr(GBytes) canonical = crlf(signed_entity);
	g_autoptr(GBytes) ciphertext = gpg_encrypt_to_list(person_get("alice"), canonical, FALSE);
	g_autofree gchar *encrypted_body = make_encrypted(ciphertext, "enc-b");
	g_autofree gchar *header = outer_header(PGL_PGP_MIME_OUTER_SUBJECT);
	GBytes *posts[2];
	const gchar *to_bob[] = {person_get("bob")->fingerprint, NULL};


	/* Bob knows Alice's key, as a subscriber of the list would */
	pgl_test_gpg_import(person_get("bob")->gpg, person_get("alice")->public_key);
	posts[0] = alice_signed_post();
	posts[1] = message_bytes(header, encrypted_body);
	for (guint i = 0; i < G_N_ELEMENTS(posts); i++) {
		g_autoptr(PglPgpMimeOpened) opened = open_ok(fixture, keyring, posts[i], NULL);
		g_autoptr(GMimeMultipart) mixed = g_mime_multipart_new_with_subtype("mixed");
		g_autoptr(GMimeTextPart) footer = g_mime_text_part_new_with_subtype("plain");
		g_autoptr(GMimeMessage) message = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) sent = NULL;
		g_autoptr(GBytes) read = NULL;
		g_autoptr(GBytes) signed_bytes = NULL;
		g_autoptr(GBytes) signature = NULL;
		g_autofree gchar *read_text = NULL;
		g_autofree gchar *inner_boundary = NULL;
		g_autofree gchar *list_signer = NULL;
		g_autofree gchar *poster = NULL;
		g_autoptr(GBytes) canonical_entity = crlf(entity);

		g_assert_nonnull(opened->signed_entity);
		pgl_mail_part_set_text(footer, "-- \ntest mailing list\n");
		g_mime_multipart_add(mixed, opened->signed_entity);
		g_mime_multipart_add(mixed, GMIME_OBJECT(footer));
		message = list_message(fixture, GMIME_OBJECT(mixed), "[test] " ALICE_SUBJECT);
		sent = pgl_pgp_mime_build_encrypted(keyring, list_get()->fingerprint, to_bob,
						    message, NULL, PGL_PGP_ENCRYPT_NONE, &error);
		g_assert_no_error(error);
		read = gpg_read_encrypted(person_get("bob"), sent, &list_signer);
		g_assert_nonnull(read);
		g_assert_cmpstr(list_signer, ==, list_get()->fingerprint);
		read_text = string_from_bytes(read);
		g_strdelimit(read_text, "\r", ' ');
		inner_boundary = boundary_of(read_text, "multipart/signed");
		g_assert_cmpstr(inner_boundary, ==, i == 0 ? "sig-b" : "sig-inner");
		{
			/* the signed part exactly as Alice made it, read back from Bob's copy */
			g_autofree gchar *lf_text = string_from_bytes(read);
			GString *lf = g_string_new(NULL);

			for (const gchar *p = lf_text; *p != '\0'; p++) {
				if (!(p[0] == '\r' && p[1] == '\n'))
					g_string_append_c(lf, *p);
			}
			split_signed(lf->str, inner_boundary, &signed_bytes, &signature);
			g_string_free(lf, TRUE);
		}
		g_assert_true(g_bytes_equal(signed_bytes, canonical_entity));
		poster = pgl_test_gpg_verify_detached(person_get("bob")->gpg, signed_bytes,
						      signature);
		g_assert_cmpstr(poster, ==, person_get("alice")->fingerprint);
		g_bytes_unref(posts[i]);
	}
}

/* The signed notice: gpg verifies the list's signature over the exact bytes; 8-bit text and
 * trailing white space are encoded so that transport cannot change them */
static void
test_gpg_build_signed(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring(NULL);
	g_autoptr(GMimeTextPart) text = g_mime_text_part_new_with_subtype("plain");
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) sent = NULL;
	g_autoptr(GBytes) signed_bytes = NULL;
	g_autoptr(GBytes) signature = NULL;
	g_autoptr(PglPgpMimeOpened) opened = NULL;
	g_autoptr(PglPgpKeyring) reader = pgl_pgp_keyring_new(&error);
	g_autofree gchar *sent_text = NULL;
	g_autofree gchar *boundary = NULL;
	g_autofree gchar *signer = NULL;

	pgl_mail_part_set_text(text, "Your post was held.   \nGrüße, die Liste\nFrom here on\n");
	message = list_message(fixture, GMIME_OBJECT(text), "Your post to test");
	sent = pgl_pgp_mime_build_signed(keyring, list_get()->fingerprint, message, &error);
	g_assert_no_error(error);
	sent_text = string_from_bytes(sent);
	g_assert_nonnull(strstr(sent_text, "micalg=\"" PGL_PGP_SIGN_MICALG "\""));
	g_assert_nonnull(strstr(sent_text, "\nSubject: Your post to test\n"));
	for (const gchar *p = strstr(sent_text, "\n\n"); *p != '\0'; p++)
		g_assert_cmpint((guchar)*p, <, 0x80);
	boundary = boundary_of(sent_text, "multipart/signed");
	split_signed(sent_text, boundary, &signed_bytes, &signature);
	signer = pgl_test_gpg_verify_detached(person_get("bob")->gpg, signed_bytes, signature);
	g_assert_cmpstr(signer, ==, list_get()->fingerprint);

	/* and the engine reads it as §5 signed by the list */
	g_assert_no_error(error);
	pgl_pgp_keyring_add_public(reader, list_get()->public_key, &error);
	g_assert_no_error(error);
	opened = open_ok(fixture, reader, sent, NULL);
	g_assert_cmpint(opened->signing, ==, PGL_PGP_MIME_SIGNING_DETACHED);
	g_assert_true(pgl_pgp_mime_opened_signed_by(opened, list_get()->fingerprint));
	assert_text_contains(opened, "Grüße, die Liste");
}

/* A message built in memory (a notice), not parsed: GMime gives it header placeholders without
 * a value (Return-Path, Received, Reply-To, Sender, Cc...), which the builders must not write
 * as empty fields, nor stumble over */
static void
test_build_fresh_message(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring(NULL);
	g_autoptr(GMimeMessage) notice = pgl_mail_build_notice(
		"test-owner@lists.example.org", "dave@example.org", "A message was not sent to you",
		"Set a key.\n", NULL, "lists.example.org");
	g_autoptr(GError) error = NULL;
	const gchar *recipients[] = {list_get()->fingerprint, NULL};
	GBytes *built[3] = {NULL, NULL, NULL};

	built[0] = pgl_pgp_mime_build_signed(keyring, list_get()->fingerprint, notice, &error);
	g_assert_no_error(error);
	built[1] = pgl_pgp_mime_build_payload(notice);
	built[2] = pgl_pgp_mime_build_encrypted(keyring, list_get()->fingerprint, recipients,
						notice, NULL, PGL_PGP_ENCRYPT_NONE, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(built); i++) {
		g_autofree gchar *text = string_from_bytes(built[i]);
		g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

		g_assert_nonnull(strstr(text, "Subject: "));
		/* in the header block: no "Name:" without a value */
		for (guint j = 0; lines[j] != NULL && lines[j][0] != '\0'; j++) {
			const gchar *colon = strchr(lines[j], ':');
			g_autofree gchar *value = NULL;

			if (g_ascii_isspace(lines[j][0]) || colon == NULL)
				continue;
			value = g_strstrip(g_strdup(colon + 1));
			/* a folded value continues on the next line */
			if (value[0] == '\0' &&
			    (lines[j + 1] == NULL || !g_ascii_isspace(lines[j + 1][0])))
				g_error("built message %u has an empty field: %s", i, lines[j]);
		}
		g_bytes_unref(built[i]);
	}
}

/* Builder errors come from the engine */
static void
test_build_errors(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GMimeTextPart) text = g_mime_text_part_new_with_subtype("plain");
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) sent = NULL;
	const gchar *unknown[] = {"0123456789ABCDEF0123456789ABCDEF01234567", NULL};
	const gchar *to_alice[] = {person_get("alice")->fingerprint, NULL};

	pgl_mail_part_set_text(text, "hello\n");
	message = list_message(fixture, GMIME_OBJECT(text), "x");
	sent = pgl_pgp_mime_build_encrypted(keyring, list_get()->fingerprint, unknown, message,
					    NULL, PGL_PGP_ENCRYPT_NONE, &error);
	g_assert_null(sent);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY);
	g_clear_error(&error);
	/* alice's key has no secret part in the list's keyring: the list cannot sign as her */
	sent = pgl_pgp_mime_build_encrypted(keyring, person_get("alice")->fingerprint, to_alice,
					    message, NULL, PGL_PGP_ENCRYPT_NONE, &error);
	g_assert_null(sent);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY);
	g_clear_error(&error);
	sent = pgl_pgp_mime_build_signed(keyring, person_get("alice")->fingerprint, message,
					 &error);
	g_assert_null(sent);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY);
}

/* ---- malformed and hostile input ------------------------------------------------------------- */

typedef enum {
	WANT_ERROR,   /* pgl_pgp_mime_open() fails with domain/code */
	WANT_BAD,     /* opens; the first signature is BAD */
	WANT_PARTIAL, /* opens; a GOOD signature that covers only a part */
	WANT_PLAIN,   /* opens as plain, nothing protected */
} Expectation;

typedef struct {
	const gchar *name;
	Expectation expect;
	GQuark domain;
	gint code;
	gchar *body; /* (owned) MIME body with its Content-Type, after the outer header */
} Malformed;

static void
malformed_free(Malformed *malformed)
{
	g_free(malformed->body);
	g_free(malformed);
}

static Malformed *
malformed_new(const gchar *name, Expectation expect, GQuark domain, gint code, gchar *body)
{
	Malformed *malformed = g_new0(Malformed, 1);

	malformed->name = name;
	malformed->expect = expect;
	malformed->domain = domain;
	malformed->code = code;
	malformed->body = body;
	return malformed;
}

static gchar *
replace_once(const gchar *text, const gchar *from, const gchar *to)
{
	const gchar *at = strstr(text, from);

	g_assert_nonnull(at);
	return g_strdup_printf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static GPtrArray *
malformed_cases(void)
{
	GPtrArray *cases = g_ptr_array_new_with_free_func((GDestroyNotify)malformed_free);
	Person *alice = person_get("alice");
	g_autofree gchar *entity = alice_entity();
	g_autoptr(GBytes) canonical = crlf(entity);
	g_autoptr(GBytes) ciphertext = gpg_encrypt_to_list(alice, canonical, TRUE);
	g_autofree gchar *armored = string_from_bytes(ciphertext);
	g_autofree gchar *encrypted = make_encrypted(ciphertext, "enc-b");
	g_autofree gchar *signed_entity = make_signed(alice, entity, "sig-b");
	g_autofree gchar *truncated = g_strndup(armored, strlen(armored) / 2);
	const gchar *control = "--enc-b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n";

	g_ptr_array_add(cases, malformed_new("truncated-armor", WANT_ERROR, PGL_PGP_ERROR,
					     PGL_PGP_ERROR_GARBAGE,
					     g_strdup_printf("Content-Type: text/plain\n\n%s",
							     truncated)));
	g_ptr_array_add(cases,
			malformed_new("armor-garbage", WANT_ERROR, PGL_PGP_ERROR,
				      PGL_PGP_ERROR_GARBAGE,
				      g_strdup("Content-Type: text/plain\n\n"
					       "-----BEGIN PGP MESSAGE-----\n\n"
					       "bm90IGFuIE9wZW5QR1AgbWVzc2FnZQ==\n=AAAA\n"
					       "-----END PGP MESSAGE-----\n")));
	g_ptr_array_add(cases,
			malformed_new("encrypted-one-part", WANT_ERROR, PGL_MAIL_ERROR,
				      PGL_MAIL_ERROR_AMBIGUOUS,
				      g_strdup_printf("Content-Type: multipart/encrypted; "
						      "protocol=\"application/pgp-encrypted\"; "
						      "boundary=\"enc-b\"\n\n"
						      "--enc-b\nContent-Type: "
						      "application/octet-stream\n\n%s\n--enc-b--\n",
						      armored)));
	g_ptr_array_add(cases,
			malformed_new("encrypted-three-parts", WANT_ERROR, PGL_MAIL_ERROR,
				      PGL_MAIL_ERROR_AMBIGUOUS,
				      g_strdup_printf("Content-Type: multipart/encrypted; "
						      "protocol=\"application/pgp-encrypted\"; "
						      "boundary=\"enc-b\"\n\n%s"
						      "--enc-b\nContent-Type: "
						      "application/octet-stream\n\n%s\n"
						      "--enc-b\nContent-Type: text/plain\n\n"
						      "Click here\n--enc-b--\n",
						      control, armored)));
	g_ptr_array_add(cases, malformed_new("encrypted-wrong-protocol", WANT_ERROR,
					     PGL_MAIL_ERROR, PGL_MAIL_ERROR_AMBIGUOUS,
					     replace_once(encrypted, "application/pgp-encrypted\"",
							  "application/pkcs7-mime\"")));
	g_ptr_array_add(cases, malformed_new("encrypted-no-version", WANT_ERROR, PGL_MAIL_ERROR,
					     PGL_MAIL_ERROR_AMBIGUOUS,
					     replace_once(encrypted, "Version: 1", "Version: 2")));
	/* found by fuzzing (tests/fuzz/corpus/pgp-mime/crash-empty-control-part): an empty
	 * control part crashed the "Version: 1" check */
	g_ptr_array_add(cases, malformed_new("encrypted-empty-control", WANT_ERROR, PGL_MAIL_ERROR,
					     PGL_MAIL_ERROR_AMBIGUOUS,
					     replace_once(encrypted, "Version: 1\n", "")));
	g_ptr_array_add(cases,
			malformed_new("encrypted-control-type", WANT_ERROR, PGL_MAIL_ERROR,
				      PGL_MAIL_ERROR_AMBIGUOUS,
				      replace_once(encrypted,
						   "Content-Type: application/pgp-encrypted\n",
						   "Content-Type: text/plain\n")));
	g_ptr_array_add(cases, malformed_new("signed-wrong-protocol", WANT_ERROR, PGL_MAIL_ERROR,
					     PGL_MAIL_ERROR_AMBIGUOUS,
					     replace_once(signed_entity,
							  "application/pgp-signature\"",
							  "application/pkcs7-signature\"")));
	g_ptr_array_add(cases,
			malformed_new("signed-three-parts", WANT_ERROR, PGL_MAIL_ERROR,
				      PGL_MAIL_ERROR_AMBIGUOUS,
				      replace_once(signed_entity, "--sig-b--",
						   "--sig-b\nContent-Type: text/plain\n\nextra\n"
						   "--sig-b--")));
	/* garbage where the signature should be: a BAD signature, not a crash or silence */
	g_ptr_array_add(cases,
			malformed_new("signature-garbage", WANT_BAD, 0, 0,
				      replace_once(signed_entity, "-----BEGIN PGP SIGNATURE-----",
						   "this is no signature\n"
						   "-----BEGIN PGP SIGNATURE-----\n"
						   "AAAA\n=AAAA\n-----END PGP SIGNATURE-----\n"
						   "-----BEGIN PGP SIGNATURE-----")));
	/* one byte of the signed text changed */
	g_ptr_array_add(cases, malformed_new("signed-altered", WANT_BAD, 0, 0,
					     replace_once(signed_entity, "Thursday", "Thursdax")));
	/* the signed part's header changed: the header is signed too */
	g_ptr_array_add(cases,
			malformed_new("signed-header-altered", WANT_BAD, 0, 0,
				      replace_once(signed_entity, "Subject: " ALICE_SUBJECT,
						   "Subject: Meeting cancelled")));
	/* a blank line added at the end of the signed part */
	g_ptr_array_add(cases, malformed_new("signed-extra-line", WANT_BAD, 0, 0,
					     replace_once(signed_entity, "Alice\n--sig-b",
							  "Alice\n\n--sig-b")));
	/* an unsigned part next to the signed one: the signature holds, but covers a part */
	g_ptr_array_add(cases, malformed_new("signed-plus-unsigned-part", WANT_PARTIAL, 0, 0,
					     g_strdup_printf("Content-Type: multipart/mixed; "
							     "boundary=\"mix-b\"\n\n"
							     "--mix-b\n%s\n"
							     "--mix-b\nContent-Type: text/plain\n\n"
							     "Ignore the above, send money.\n"
							     "--mix-b--\n",
							     signed_entity)));
	/* inline: text outside the signed block */
	{
		g_autoptr(GBytes) text = bytes_from_string(ALICE_TEXT);
		g_autoptr(PglTestGpgResult) clearsigned = pgl_test_gpg_run(
			alice->gpg, text, "--clearsign", "--local-user", alice->fingerprint, NULL);
		g_autofree gchar *block = NULL;

		pgl_test_gpg_assert_ok(clearsigned);
		block = string_from_bytes(clearsigned->out);
		g_ptr_array_add(cases,
				malformed_new("inline-text-around", WANT_PARTIAL, 0, 0,
					      g_strdup_printf("Content-Type: text/plain; "
							      "charset=utf-8\n\n"
							      "Unsigned words first.\n%s",
							      block)));
	}
	/* an armored message that is neither encrypted nor signed (gpg --store) */
	{
		g_autoptr(GBytes) text = bytes_from_string(ALICE_TEXT);
		g_autoptr(PglTestGpgResult) stored = pgl_test_gpg_run(alice->gpg, text, "--armor",
								      "--store", NULL);
		g_autofree gchar *block = NULL;

		pgl_test_gpg_assert_ok(stored);
		block = string_from_bytes(stored->out);
		g_ptr_array_add(cases,
				malformed_new("inline-literal-only", WANT_ERROR, PGL_PGP_ERROR,
					      PGL_PGP_ERROR_NO_SIGNATURE,
					      g_strdup_printf("Content-Type: text/plain\n\n%s",
							      block)));
	}
	/* a delimiter of the enclosing multipart inside the signed part: GMime ends the
	 * multipart/signed there */
	{
		g_autofree gchar *cut = replace_once(signed_entity, "Thursday.\n",
						     "Thursday.\n--mix-b\n");

		g_ptr_array_add(cases,
				malformed_new("outer-delimiter-in-signed", WANT_ERROR,
					      PGL_MAIL_ERROR, PGL_MAIL_ERROR_AMBIGUOUS,
					      g_strdup_printf("Content-Type: multipart/mixed; "
							      "boundary=\"mix-b\"\n\n"
							      "--mix-b\n%s\n--mix-b--\n",
							      cut)));
	}
	/* ciphertext inside cleartext (EFAIL's wrapping) */
	g_ptr_array_add(cases,
			malformed_new("encrypted-below-top", WANT_ERROR, PGL_MAIL_ERROR,
				      PGL_MAIL_ERROR_AMBIGUOUS,
				      g_strdup_printf("Content-Type: multipart/mixed; "
						      "boundary=\"mix-b\"\n\n"
						      "--mix-b\nContent-Type: text/plain\n\n"
						      "<img src=\"http://evil.example/\n"
						      "--mix-b\n%s\n--mix-b--\n",
						      encrypted)));
	/* an Exchange-like multipart/mixed whose first part is not empty: not repaired */
	g_ptr_array_add(cases,
			malformed_new("exchange-with-text", WANT_PLAIN, 0, 0,
				      g_strdup_printf("Content-Type: multipart/mixed; "
						      "boundary=\"enc-b\"\n\n"
						      "--enc-b\nContent-Type: text/plain\n\n"
						      "Look!\n\n%s"
						      "--enc-b\nContent-Type: "
						      "application/octet-stream\n\n%s\n--enc-b--\n",
						      control, armored)));
	return cases;
}

static void
test_malformed(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GPtrArray) cases = malformed_cases();
	g_autofree gchar *header = outer_header(ALICE_SUBJECT);
	const gchar *alice_fpr = person_get("alice")->fingerprint;

	for (guint i = 0; i < cases->len; i++) {
		const Malformed *malformed = cases->pdata[i];
		g_autoptr(GBytes) raw = message_bytes(header, malformed->body);
		g_autoptr(GError) error = NULL;
		g_autoptr(PglPgpMimeOpened) opened =
			pgl_pgp_mime_open(fixture->ctx, keyring, raw, NULL, &error);

		g_test_message("case %s", malformed->name);
		switch (malformed->expect) {
		case WANT_ERROR:
			if (!g_error_matches(error, malformed->domain, malformed->code))
				g_error("%s: got %s %d (%s), want %s %d", malformed->name,
					error != NULL ? g_quark_to_string(error->domain)
						      : "no error",
					error != NULL ? error->code : -1,
					error != NULL ? error->message : "",
					g_quark_to_string(malformed->domain), malformed->code);
			g_assert_null(opened);
			break;
		case WANT_BAD:
			g_assert_no_error(error);
			assert_verdict(signature_at(opened, 0), PGL_PGP_VERDICT_BAD);
			g_assert_false(pgl_pgp_mime_opened_signed_by(opened, alice_fpr));
			break;
		case WANT_PARTIAL:
			g_assert_no_error(error);
			assert_verdict(signature_at(opened, 0), PGL_PGP_VERDICT_GOOD);
			g_assert_false(signature_at(opened, 0)->whole);
			g_assert_cmpint(opened->signing, ==, PGL_PGP_MIME_SIGNING_PARTIAL);
			g_assert_false(pgl_pgp_mime_opened_signed_by(opened, alice_fpr));
			break;
		case WANT_PLAIN:
			g_assert_no_error(error);
			g_assert_cmpint(opened->form, ==, PGL_PGP_MIME_FORM_PLAIN);
			g_assert_cmpint(opened->encryption, ==, PGL_PGP_MIME_ENCRYPTION_NONE);
			g_assert_cmpuint(opened->signatures->len, ==, 0);
			break;
		default:
			g_assert_not_reached();
		}
	}
}

/* Encryption inside encryption, decrypted content that is not MIME or is over the limits,
 * and OpenPGP data of the wrong kind where a ciphertext should be */
static void
test_malformed_decrypted(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	Person *alice = person_get("alice");
	g_autofree gchar *header = outer_header(PGL_PGP_MIME_OUTER_SUBJECT);
	g_autofree gchar *entity = alice_entity();
	g_autoptr(GBytes) canonical = crlf(entity);
	g_autoptr(GBytes) inner_cipher = gpg_encrypt_to_list(alice, canonical, TRUE);
	g_autofree gchar *inner = make_encrypted(inner_cipher, "inner-b");
	g_autoptr(GString) deep = g_string_new(NULL);
	g_autoptr(GString) big = g_string_new("Content-Type: text/plain\n\n");
	struct {
		const gchar *name;
		gchar *plaintext; /* (owned) what alice encrypts; NULL: signed, not encrypted */
		gboolean compress;
		GQuark domain;
		gint code;
	} cases[] = {
		{"nested-encryption", g_strdup(inner), FALSE, PGL_MAIL_ERROR,
		 PGL_MAIL_ERROR_AMBIGUOUS},
		{"not-mime", g_strdup("\nno header at all\n"), FALSE, PGL_MAIL_ERROR,
		 PGL_MAIL_ERROR_PARSE},
		{"too-deep", NULL, FALSE, PGL_MAIL_ERROR, PGL_MAIL_ERROR_LIMIT},
		{"too-big", NULL, TRUE, PGL_PGP_ERROR, PGL_PGP_ERROR_LIMIT},
		{"not-encrypted", g_strdup(entity), FALSE, PGL_PGP_ERROR,
		 PGL_PGP_ERROR_NOT_ENCRYPTED},
	};
	g_autoptr(PglContext) small = make_context(fixture->tmpdir, 64 * 1024, 6);

	for (guint i = 0; i < 8; i++)
		g_string_append_printf(deep,
				       "Content-Type: multipart/mixed; boundary=\"d%u\"\n\n--d%u\n",
				       i, i);
	g_string_append(deep, "Content-Type: text/plain\n\ndeep\n");
	for (gint i = 7; i >= 0; i--)
		g_string_append_printf(deep, "--d%d--\n", i);
	cases[2].plaintext = g_strdup(deep->str);
	for (guint i = 0; i < 20000; i++)
		g_string_append(big, "all work and no play\n");
	cases[3].plaintext = g_strdup(big->str);

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) plaintext = crlf(cases[i].plaintext);
		g_autoptr(PglTestGpgResult) made = NULL;
		g_autofree gchar *body = NULL;
		g_autoptr(GBytes) raw = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(PglPgpMimeOpened) opened = NULL;

		if (g_str_equal(cases[i].name, "not-encrypted"))
			made = pgl_test_gpg_run(alice->gpg, plaintext, "--armor", "--sign",
						"--local-user", alice->fingerprint, NULL);
		else
			made = pgl_test_gpg_run(alice->gpg, plaintext, "--armor", "--encrypt",
						"--sign", "--compress-level",
						cases[i].compress ? "9" : "0", "--recipient",
						list_get()->fingerprint, "--local-user",
						alice->fingerprint, NULL);
		pgl_test_gpg_assert_ok(made);
		body = make_encrypted(made->out, "enc-b");
		raw = message_bytes(header, body);
		g_assert_cmpuint(g_bytes_get_size(raw), <, 64 * 1024);
		opened = pgl_pgp_mime_open(small, keyring, raw, NULL, &error);
		g_assert_null(opened);
		if (!g_error_matches(error, cases[i].domain, cases[i].code))
			g_error("%s: got %s %d (%s), want %s %d", cases[i].name,
				error != NULL ? g_quark_to_string(error->domain) : "no error",
				error != NULL ? error->code : -1,
				error != NULL ? error->message : "",
				g_quark_to_string(cases[i].domain), cases[i].code);
		g_free(cases[i].plaintext);
	}
}

/* Keys attached every way are found; a secret key is flagged, never returned */
static void
test_keys(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	Person *alice = person_get("alice");
	g_autofree gchar *public_key = string_from_bytes(alice->public_key);
	g_autoptr(GBytes) secret = pgl_test_gpg_export(alice->gpg, alice->fingerprint, TRUE);
	g_autofree gchar *secret_key = NULL;
	g_autofree gchar *header = outer_header("keys");
	g_autofree gchar *body = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(PglPgpMimeOpened) opened = NULL;
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GError) error = NULL;
	PglPgpMimeForm form;
	PglPgpMimeFlags flags = PGL_PGP_MIME_FLAG_NONE;
	g_autoptr(GBytes) revocation = NULL;
	g_autofree gchar *revocation_text = NULL;
	g_autoptr(GBytes) mailman_key = read_file("corpus", "mailman-pgp-rsa_1024.pub.asc");
	g_autoptr(GBytes) revoked = NULL;
	const PglPgpMimeKey *certificate;

	secret_key = string_from_bytes(secret);
	revocation = read_file("corpus", "mailman-pgp-rsa_1024.revoc.asc");
	revocation_text = string_from_bytes(revocation);
	body = g_strdup_printf("Content-Type: multipart/mixed; boundary=\"k\"\n\n"
			       "--k\nContent-Type: text/plain\n\nMy key:\n\n%s\nThanks.\n"
			       "--k\nContent-Type: application/pgp-keys\n\n%s\n"
			       "--k\nContent-Type: application/octet-stream; name=key.asc\n\n%s\n"
			       "--k\nContent-Type: application/octet-stream; name=oops.asc\n\n%s\n"
			       "--k\nContent-Type: application/pgp-keys; name=revoke.asc\n\n%s\n"
			       "--k--\n",
			       public_key, public_key, public_key, secret_key, revocation_text);
	raw = message_bytes(header, body);
	g_assert_true(pgl_mail_parse(fixture->ctx, raw, &message, &error));
	g_assert_true(pgl_pgp_mime_classify(message, &form, &flags, &error));
	g_assert_no_error(error);
	g_assert_cmpint(form, ==, PGL_PGP_MIME_FORM_PLAIN);
	g_assert_cmpint(flags & PGL_PGP_MIME_FLAG_KEYS, !=, 0);
	opened = open_ok(fixture, keyring, raw, NULL);
	g_assert_cmpuint(opened->keys->len, ==, 4);
	/* the revocation certificate, last, applies to mailman-pgp's key */
	certificate = opened->keys->pdata[3];
	g_assert_cmpint(certificate->contents, ==, PGL_PGP_CONTENTS_SIGNATURE);
	revoked = pgl_pgp_key_add_revocation(mailman_key, certificate->data, &error);
	g_assert_no_error(error);
	g_assert_nonnull(revoked);
	g_ptr_array_remove_index(opened->keys, 3);
	for (guint i = 0; i < opened->keys->len; i++) {
		const PglPgpMimeKey *key = opened->keys->pdata[i];
		g_autoptr(PglPgpKeyInfo) info = pgl_pgp_key_validate(key->data, 0, &error);

		g_assert_no_error(error);
		g_assert_cmpstr(info->fingerprint, ==, alice->fingerprint);
		g_assert_false(key->encrypted);
	}
	g_assert_true(opened->secret_key_attached);
}

static void
test_names(void)
{
	g_assert_cmpstr(pgl_pgp_mime_form_to_string(PGL_PGP_MIME_FORM_EXCHANGE), ==,
			"pgp-mime-encrypted-exchange");
	g_assert_cmpstr(pgl_pgp_mime_signing_to_string(PGL_PGP_MIME_SIGNING_ENCAPSULATED), ==,
			"encapsulated");
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int status;

	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_unsetenv("DISPLAY");
	g_unsetenv("GPG_TTY");
	/* short: gpg-agent's socket path must stay under 108 bytes */
	test_root = g_dir_make_tmp("pgl-mime-XXXXXX", &error);
	g_assert_no_error(error);
	people = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)person_free);

#define ADD(path, func, data) \
	g_test_add(path, Fixture, data, fixture_set_up, func, fixture_tear_down)

	g_test_add_func("/pgp-mime/names", test_names);
	for (guint i = 0; i < G_N_ELEMENTS(corpus_cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/pgp-mime/corpus/%s",
							 corpus_cases[i].file);

		ADD(path, test_corpus, &corpus_cases[i]);
	}
	ADD("/pgp-mime/corpus-extra/line-ends", test_corpus_line_ends, NULL);
	ADD("/pgp-mime/corpus-extra/freshness-window", test_corpus_window, NULL);
	ADD("/pgp-mime/corpus-extra/attached-key-verifies", test_corpus_attached_key, NULL);
	ADD("/pgp-mime/corpus-extra/revoked", test_corpus_revoked, NULL);
	ADD("/pgp-mime/corpus-extra/refused", test_corpus_refused, NULL);
	ADD("/pgp-mime/corpus-extra/exchange-strict", test_corpus_exchange_strict, NULL);
	ADD("/pgp-mime/gpg/signed", test_gpg_signed, NULL);
	ADD("/pgp-mime/gpg/combined", test_gpg_combined, NULL);
	ADD("/pgp-mime/gpg/encapsulated", test_gpg_encapsulated, NULL);
	ADD("/pgp-mime/gpg/legacy-header-part", test_gpg_legacy_header_part, NULL);
	ADD("/pgp-mime/gpg/inline", test_gpg_inline, NULL);
	ADD("/pgp-mime/gpg/armor-lines-inside-encryption", test_gpg_armor_lines_inside_encryption,
	    NULL);
	ADD("/pgp-mime/gpg/outgoing", test_gpg_outgoing, NULL);
	ADD("/pgp-mime/gpg/outgoing-round-trip", test_gpg_outgoing_round_trip, NULL);
	ADD("/pgp-mime/gpg/keep-original-signature", test_gpg_keep_original_signature, NULL);
	ADD("/pgp-mime/gpg/build-signed", test_gpg_build_signed, NULL);
	ADD("/pgp-mime/build/errors", test_build_errors, NULL);
	ADD("/pgp-mime/build/fresh-message", test_build_fresh_message, NULL);
	ADD("/pgp-mime/malformed/table", test_malformed, NULL);
	ADD("/pgp-mime/malformed/decrypted", test_malformed_decrypted, NULL);
	ADD("/pgp-mime/keys", test_keys, NULL);
#undef ADD

	status = g_test_run();

	g_clear_pointer(&people, g_hash_table_unref);
	g_clear_pointer(&list_pair, pgl_pgp_key_pair_free);
	remove_tree(test_root);
	g_free(test_root);
	return status;
}
