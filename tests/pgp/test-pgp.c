/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of src/pgp, with GnuPG 2.2 (`gpg`) as the independent oracle: gpg plays every
 * subscriber, makes the keys (good, expired, revoked, with a revoked signing subkey, sign-only),
 * signs and encrypts to the list, and decrypts and verifies what the engine sends. Every
 * verdict, every PglPgpError code that can be provoked from outside, the PKESK key-ID rewriting
 * and the replay digest are covered, and the real keys of tests/data/pgp/corpus are inspected.
 *
 * Each person ("alice", "bob", ...) has a GNUPGHOME of its own (tests/support/pgl-test-gpg.h)
 * under one temporary directory, made the first time a test needs that person (so `-p` runs
 * only generate what they use) and shared by the later tests; at the end every person's
 * gpg-agent is stopped (`gpgconf --kill all` under its GNUPGHOME) and the directory removed.
 * gpg runs with `--batch --pinentry-mode loopback --passphrase ''`, DISPLAY/GPG_TTY unset. Keys
 * made "in the past" use `--faked-system-time`. No secret key is committed: they are all
 * generated here.
 *
 * PGL_PGP_ERROR_SIGN, _ENCRYPT and _FAILED stand for RNP failing inside an operation whose
 * inputs were all checked (signing key present, unlocked and usable; recipients usable); no
 * input we know of provokes them, so they have no test of their own.
 *
 * `-m perf` adds /pgp/perf/timings (verify, sign, decrypt, encrypt to 1000 keys).
 */
#include "pgp/pgl-pgp-packet.h"
#include "pgp/pgl-pgp.h"
#include "support/pgl-test-gpg.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#define DAY  (24 * 3600)
#define YEAR (365 * DAY)
/* 2020-01-01T00:00:00Z, the birth of the keys that are expired today */
#define PAST 1577836800

#define LIST_ADDRESS "test@lists.example.org"
#define LIST_REQUEST "test-request@lists.example.org"

typedef struct {
	gchar *name;
	gchar *address;
	PglTestGpg *gpg;		/* (owned) its GNUPGHOME */
	gchar *fingerprint;		/* (owned) primary key */
	gchar *signing_fingerprint;	/* (owned) (nullable) henry: the revoked signing subkey */
	GBytes *public_key;		/* (owned) armored, as exported at the end of its making */
	GBytes *public_before;		/* (owned) (nullable) grace: before her revocation */
	GBytes *revocation;		/* (owned) (nullable) grace: her revocation certificate */
	GBytes *signed_data;		/* (owned) (nullable) data signed when the key was good */
	GBytes *signature;		/* (owned) (nullable) armored detached signature of it */
} Person;

static gchar *test_root;
static GHashTable *people; /* name -> Person */
static PglPgpKeyPair *list_pair;

static gint64
now_seconds(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

static GBytes *
bytes_from_string(const gchar *text)
{
	return g_bytes_new(text, strlen(text));
}

static gboolean
bytes_equal_string(GBytes *bytes, const gchar *text)
{
	gsize size = 0;
	const gchar *data = g_bytes_get_data(bytes, &size);

	return size == strlen(text) && memcmp(data, text, size) == 0;
}

static GBytes *
read_data_file(const gchar *name)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "data", "pgp", "corpus", name,
						       NULL);
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	gsize len = 0;

	g_file_get_contents(path, &contents, &len, &error);
	g_assert_no_error(error);
	return g_bytes_new_take(contents, len);
}

/* ---- the people ----------------------------------------------------------------------- */

static void
person_free(Person *person)
{
	g_clear_pointer(&person->gpg, pgl_test_gpg_free);
	g_free(person->name);
	g_free(person->address);
	g_free(person->fingerprint);
	g_free(person->signing_fingerprint);
	g_clear_pointer(&person->public_key, g_bytes_unref);
	g_clear_pointer(&person->public_before, g_bytes_unref);
	g_clear_pointer(&person->revocation, g_bytes_unref);
	g_clear_pointer(&person->signed_data, g_bytes_unref);
	g_clear_pointer(&person->signature, g_bytes_unref);
	g_free(person);
}

static void
generate_key(Person *person, const gchar *algorithm, const gchar *usage, const gchar *expire,
	     gint64 when)
{
	g_autofree gchar *user_id = g_strdup_printf("%c%s <%s>", g_ascii_toupper(person->name[0]),
						   person->name + 1, person->address);

	person->fingerprint = pgl_test_gpg_generate(person->gpg, user_id, algorithm, usage, expire,
						    when);
}

static void
make_alice_like(Person *person, const gchar *algorithm, const gchar *encryption)
{
	gint64 born = now_seconds() - 30 * DAY;

	generate_key(person, algorithm, "sign,cert", "never", born);
	pgl_test_gpg_add_subkey(person->gpg, person->fingerprint, encryption, "encr", "never",
				born);
}

static void
make_erin(Person *person)
{
	/* born 2020, expired 2021; signed while the key was good */
	generate_key(person, "ed25519", "sign,cert", "1y", PAST);
	pgl_test_gpg_add_subkey(person->gpg, person->fingerprint, "cv25519", "encr", "1y", PAST);
	person->signed_data = bytes_from_string("signed by erin in 2020\r\n");
	person->signature = pgl_test_gpg_sign_detached(person->gpg, person->fingerprint,
						       person->signed_data, PAST + 180 * DAY,
						       NULL);
}

static void
make_frank(Person *person)
{
	g_autofree gchar *time = g_strdup_printf("%" G_GINT64_FORMAT "!", (gint64)PAST + 30 * DAY);
	g_autoptr(PglTestGpgResult) result = NULL;

	/* born 2020 without expiry, signs in 2022; then, with a self-signature dated one month
	 * after his key's birth, makes it expire in 2021: the signature is later than that */
	generate_key(person, "ed25519", "sign,cert", "never", PAST);
	pgl_test_gpg_add_subkey(person->gpg, person->fingerprint, "cv25519", "encr", "never",
				PAST);
	person->signed_data = bytes_from_string("signed by frank in 2022\r\n");
	person->signature = pgl_test_gpg_sign_detached(person->gpg, person->fingerprint,
						       person->signed_data, PAST + 2 * YEAR, NULL);
	result = pgl_test_gpg_run(person->gpg, NULL, "--faked-system-time", time,
				  "--quick-set-expire", person->fingerprint, "1y", NULL);
	pgl_test_gpg_assert_ok(result);
}

static void
make_grace(Person *person)
{
	make_alice_like(person, "ed25519", "cv25519");
	person->signed_data = bytes_from_string("signed by grace before her revocation\r\n");
	person->signature = pgl_test_gpg_sign_detached(person->gpg, person->fingerprint,
						       person->signed_data, 0, NULL);
	person->public_before = pgl_test_gpg_export(person->gpg, person->fingerprint, FALSE);
	/* with the revocation certificate gpg made at key generation */
	person->revocation = pgl_test_gpg_revoke(person->gpg, person->fingerprint);
}

static void
make_henry(Person *person)
{
	gint64 born = now_seconds() - 30 * DAY;
	g_autofree gchar *signer = NULL;
	g_autoptr(PglTestGpgResult) result = NULL;
	g_autoptr(GBytes) commands = NULL;
	g_auto(GStrv) fingerprints = NULL;

	/* certify-only primary, a signing subkey (key 1), an encryption subkey (key 2) */
	generate_key(person, "ed25519", "cert", "never", born);
	pgl_test_gpg_add_subkey(person->gpg, person->fingerprint, "ed25519", "sign", "never", born);
	pgl_test_gpg_add_subkey(person->gpg, person->fingerprint, "cv25519", "encr", "never", born);
	fingerprints = pgl_test_gpg_fingerprints(person->gpg, person->fingerprint);
	g_assert_cmpuint(g_strv_length(fingerprints), ==, 3);
	person->signing_fingerprint = g_strdup(fingerprints[1]);
	signer = g_strdup_printf("%s!", person->signing_fingerprint);
	person->signed_data = bytes_from_string("signed by henry's signing subkey\r\n");
	person->signature = pgl_test_gpg_sign_detached(person->gpg, signer, person->signed_data,
						       0, NULL);
	/* revoke the signing subkey: select it, revkey, confirm, reason 0, no text, confirm */
	commands = bytes_from_string("key 1\nrevkey\ny\n0\n\ny\nsave\n");
	result = pgl_test_gpg_run(person->gpg, commands, "--command-fd", "0", "--edit-key",
				  person->fingerprint, NULL);
	pgl_test_gpg_assert_ok(result);
}

/* The person @name, made on first use. */
static Person *
person_get(const gchar *name)
{
	Person *person = g_hash_table_lookup(people, name);

	if (person != NULL)
		return person;
	person = g_new0(Person, 1);
	person->name = g_strdup(name);
	person->address = g_strdup_printf("%s@example.org", name);
	person->gpg = pgl_test_gpg_new(test_root);
	if (g_str_equal(name, "bob"))
		make_alice_like(person, "rsa2048", "rsa2048");
	else if (g_str_equal(name, "erin"))
		make_erin(person);
	else if (g_str_equal(name, "frank"))
		make_frank(person);
	else if (g_str_equal(name, "grace"))
		make_grace(person);
	else if (g_str_equal(name, "henry"))
		make_henry(person);
	else if (g_str_equal(name, "ivan"))
		generate_key(person, "ed25519", "sign,cert", "never", now_seconds() - 30 * DAY);
	else /* alice, carol, dave */
		make_alice_like(person, "ed25519", "cv25519");
	person->public_key = pgl_test_gpg_export(person->gpg, person->fingerprint, FALSE);
	g_hash_table_insert(people, person->name, person);
	return person;
}

/* The list key pair, made by the engine on first use. */
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

/* A keyring with the list's secret key and the public keys of the named people. */
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
	g_assert_cmpstr(fpr, ==, list_get()->fingerprint);
	va_start(args, first);
	for (name = first; name != NULL; name = va_arg(args, const gchar *)) {
		pgl_pgp_keyring_add_public(keyring, person_get(name)->public_key, &error);
		g_assert_no_error(error);
	}
	va_end(args);
	return g_steal_pointer(&keyring);
}

/* A detached armored signature over @data by @person's primary key, made at @when (0: now). */
static GBytes *
person_sign(Person *person, GBytes *data, gint64 when)
{
	return pgl_test_gpg_sign_detached(person->gpg, person->fingerprint, data, when, NULL);
}

/* Makes @person's gpg know the list's public key. */
static void
person_import_list_key(Person *person)
{
	pgl_test_gpg_import(person->gpg, list_get()->public_key);
}

static PglPgpSignature *
single_signature(GPtrArray *signatures)
{
	g_assert_nonnull(signatures);
	g_assert_cmpuint(signatures->len, ==, 1);
	return signatures->pdata[0];
}

static void
assert_verdict(const PglPgpSignature *signature, PglPgpVerdict want)
{
	if (signature->verdict != want)
		g_error("verdict: got %s (RNP: %s), want %s",
			pgl_pgp_verdict_to_string(signature->verdict), signature->status,
			pgl_pgp_verdict_to_string(want));
}

/* ---- packet framing ------------------------------------------------------------------- */

static void
test_packet_headers(void)
{
	static const struct {
		const gchar *name;
		guint8 bytes[8];
		gsize len;
		gboolean ok;
		guint8 tag;
		gsize header_len;
		gsize body_len;
		gboolean partial;
	} cases[] = {
		{"new one-byte length", {0xc1, 0x02, 0xaa, 0xbb}, 4, TRUE, 1, 2, 2, FALSE},
		{"new two-byte length", {0xc2, 0xc0, 0x00}, 3, FALSE, 0, 0, 0, FALSE},
		{"new five-byte length", {0xc2, 0xff, 0, 0, 0, 1, 0x99}, 7, TRUE, 2, 6, 1, FALSE},
		{"new partial length", {0xd2, 0xe1, 0x01, 0x02}, 4, TRUE, 18, 2, 2, TRUE},
		{"old one-byte length", {0x84, 0x01, 0x03}, 3, TRUE, 1, 2, 1, FALSE},
		{"old two-byte length", {0x85, 0x00, 0x02, 0x03, 0x03}, 5, TRUE, 1, 3, 2, FALSE},
		{"old four-byte length", {0x86, 0, 0, 0, 1, 0x03}, 6, TRUE, 1, 5, 1, FALSE},
		{"old indeterminate length", {0xa3, 0x01, 0x02, 0x03}, 4, TRUE, 8, 1, 3, TRUE},
		{"not a tag", {0x41, 0x02}, 2, FALSE, 0, 0, 0, FALSE},
		{"reserved tag 0", {0xc0, 0x00}, 2, FALSE, 0, 0, 0, FALSE},
		{"old tag 0", {0x80, 0x00}, 2, FALSE, 0, 0, 0, FALSE},
		{"truncated new header", {0xc1}, 1, FALSE, 0, 0, 0, FALSE},
		{"truncated five-byte length", {0xc1, 0xff, 0, 0}, 4, FALSE, 0, 0, 0, FALSE},
		{"truncated old four-byte length", {0x86, 0, 0}, 3, FALSE, 0, 0, 0, FALSE},
		{"body past the end", {0xc1, 0x05, 0x00}, 3, FALSE, 0, 0, 0, FALSE},
		{"huge declared length", {0xc1, 0xff, 0xff, 0xff, 0xff, 0xff}, 6, FALSE, 0, 0, 0,
		 FALSE},
		{"empty", {0}, 0, FALSE, 0, 0, 0, FALSE},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		PglPgpPacketHeader header;
		gboolean ok;

		ok = pgl_pgp_packet_read_header(cases[i].bytes, cases[i].len, 0, &header, &error);
		if (ok != cases[i].ok)
			g_error("%s: got %s, want %s", cases[i].name, ok ? "ok" : error->message,
				cases[i].ok ? "ok" : "error");
		if (!ok) {
			g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE);
			continue;
		}
		g_assert_cmpuint(header.tag, ==, cases[i].tag);
		g_assert_cmpuint(header.header_len, ==, cases[i].header_len);
		g_assert_cmpuint(header.body_len, ==, cases[i].body_len);
		g_assert_cmpint(header.partial, ==, cases[i].partial);
	}
}

/* A PKESK v3 packet (old format) for @key_id, algorithm @algorithm, with dummy key material. */
static void
append_pkesk(GByteArray *message, gboolean new_format, const guint8 key_id[8], guint8 algorithm)
{
	guint8 body[14] = {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x08, 0xab, 0xcd};
	guint8 header[2];

	memcpy(body + 1, key_id, 8);
	body[9] = algorithm;
	header[0] = new_format ? 0xc1 : 0x84;
	header[1] = sizeof(body);
	g_byte_array_append(message, header, 2);
	g_byte_array_append(message, body, sizeof(body));
}

static void
test_packet_pkesks(void)
{
	static const guint8 id_a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const guint8 id_b[8] = {8, 7, 6, 5, 4, 3, 2, 1};
	static const guint8 zero[8] = {0};
	static const guint8 ours[8] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22};
	static const guint8 marker[] = {0xa8, 0x03, 'P', 'G', 'P'};
	static const guint8 seipd[] = {0xd2, 0x03, 0x01, 0x99, 0x98};
	g_autoptr(GByteArray) message = g_byte_array_new();
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GBytes) hidden = NULL;
	g_autoptr(GBytes) filled = NULL;
	g_autoptr(GArray) pkesks = NULL;
	g_autoptr(GError) error = NULL;
	guint8 next_tag = 0;
	guint count = 0;

	g_byte_array_append(message, marker, sizeof(marker));
	append_pkesk(message, FALSE, id_a, 18);
	append_pkesk(message, TRUE, zero, 1);
	append_pkesk(message, TRUE, id_b, 18);
	append_pkesk(message, FALSE, zero, 18);
	g_byte_array_append(message, seipd, sizeof(seipd));
	bytes = g_bytes_new(message->data, message->len);

	pkesks = pgl_pgp_packet_list_pkesks(message->data, message->len, &next_tag, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(pkesks->len, ==, 4);
	g_assert_cmpuint(next_tag, ==, 18);
	g_assert_cmpmem(g_array_index(pkesks, PglPgpPkesk, 0).key_id, 8, id_a, 8);
	g_assert_cmpuint(g_array_index(pkesks, PglPgpPkesk, 1).algorithm, ==, 1);
	g_assert_true(pgl_pgp_packet_is_wildcard(g_array_index(pkesks, PglPgpPkesk, 3).key_id));
	g_clear_pointer(&pkesks, g_array_unref);

	/* hiding zeroes every key ID and nothing else */
	hidden = pgl_pgp_packet_hide_recipients(bytes, &count, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(count, ==, 4);
	g_assert_cmpuint(g_bytes_get_size(hidden), ==, message->len);
	pkesks = pgl_pgp_packet_list_pkesks(g_bytes_get_data(hidden, NULL), message->len, NULL,
					    &error);
	g_assert_no_error(error);
	for (guint i = 0; i < pkesks->len; i++)
		g_assert_true(pgl_pgp_packet_is_wildcard(
			g_array_index(pkesks, PglPgpPkesk, i).key_id));
	g_clear_pointer(&pkesks, g_array_unref);

	/* filling writes our ID into the ECDH wildcards only */
	filled = pgl_pgp_packet_fill_wildcards(bytes, ours, 18, &count, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(count, ==, 1);
	pkesks = pgl_pgp_packet_list_pkesks(g_bytes_get_data(filled, NULL), message->len, NULL,
					    &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_array_index(pkesks, PglPgpPkesk, 0).key_id, 8, id_a, 8);
	g_assert_true(pgl_pgp_packet_is_wildcard(g_array_index(pkesks, PglPgpPkesk, 1).key_id));
	g_assert_cmpmem(g_array_index(pkesks, PglPgpPkesk, 3).key_id, 8, ours, 8);
	g_clear_pointer(&pkesks, g_array_unref);
	g_clear_pointer(&filled, g_bytes_unref);
	/* RSA 2 matches an RSA 1 PKESK */
	filled = pgl_pgp_packet_fill_wildcards(bytes, ours, 2, &count, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(count, ==, 1);
	g_clear_pointer(&filled, g_bytes_unref);
	filled = pgl_pgp_packet_fill_wildcards(bytes, ours, 0, &count, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(count, ==, 2);
}

static void
test_packet_pkesks_malformed(void)
{
	static const struct {
		const gchar *name;
		guint8 bytes[16];
		gsize len;
		gboolean ok;
		guint n_pkesks;
		guint8 next_tag;
	} cases[] = {
		{"empty", {0}, 0, FALSE, 0, 0},
		{"PKESK with partial length", {0xc1, 0xe1, 3, 0}, 4, FALSE, 0, 0},
		{"PKESK v3 too short", {0xc1, 0x04, 3, 1, 2, 3}, 6, FALSE, 0, 0},
		{"PKESK truncated", {0xc1, 0x0e, 3, 1, 2}, 5, FALSE, 0, 0},
		{"PKESK of another version", {0xc1, 0x02, 6, 0, 0xd2, 0x01, 0x01}, 7, TRUE, 0, 18},
		{"literal data (not encrypted)", {0xcb, 0x02, 'b', 0}, 4, TRUE, 0, 11},
		{"SKESK then SEIPD", {0xc3, 0x02, 4, 9, 0xd2, 0x01, 0x01}, 7, TRUE, 0, 18},
		{"binary garbage", {0x12, 0x34}, 2, FALSE, 0, 0},
		{"PKESK then garbage", {0x84, 0x0a, 3, 1, 2, 3, 4, 5, 6, 7, 8, 18, 0x00}, 13, FALSE,
		 0, 0},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GArray) pkesks = NULL;
		guint8 next_tag = 0xff;

		pkesks = pgl_pgp_packet_list_pkesks(cases[i].bytes, cases[i].len, &next_tag,
						    &error);
		if ((pkesks != NULL) != cases[i].ok)
			g_error("%s: got %s, want %s", cases[i].name,
				pkesks != NULL ? "ok" : error->message,
				cases[i].ok ? "ok" : "error");
		if (pkesks == NULL) {
			g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE);
			continue;
		}
		g_assert_cmpuint(pkesks->len, ==, cases[i].n_pkesks);
		g_assert_cmpuint(next_tag, ==, cases[i].next_tag);
	}
}

static void
test_packet_signature_hashed_part(void)
{
	static const struct {
		const gchar *name;
		guint8 bytes[16];
		gsize len;
		gboolean ok;
		gsize hashed_len;
	} cases[] = {
		{"v4", {4, 0, 22, 8, 0, 3, 1, 2, 3, 0, 0, 0xaa, 0xbb}, 13, TRUE, 9},
		{"v4 no hashed subpackets", {4, 0, 22, 8, 0, 0, 0, 0}, 8, TRUE, 6},
		{"v3", {3, 5, 0, 1, 2, 3, 4, 9, 9}, 9, TRUE, 7},
		{"v3 bad hashed length", {3, 4, 0, 1, 2, 3, 4, 9}, 8, FALSE, 0},
		{"v4 truncated", {4, 0, 22}, 3, FALSE, 0},
		{"v4 hashed past the end", {4, 0, 22, 8, 0, 9, 1, 2}, 8, FALSE, 0},
		{"v6", {6, 0, 27, 10, 0, 0, 0, 1, 7, 0}, 10, TRUE, 9},
		{"unknown version", {2, 0, 0, 0, 0, 0}, 6, FALSE, 0},
		{"empty", {0}, 0, FALSE, 0},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		gsize hashed_len = 0;
		gboolean ok;

		ok = pgl_pgp_packet_signature_hashed_part(cases[i].bytes, cases[i].len,
							  &hashed_len, &error);
		if (ok != cases[i].ok)
			g_error("%s: got %s, want %s", cases[i].name, ok ? "ok" : error->message,
				cases[i].ok ? "ok" : "error");
		if (ok)
			g_assert_cmpuint(hashed_len, ==, cases[i].hashed_len);
		else
			g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE);
	}
}

static void
test_secret_bytes(void)
{
	g_autoptr(GBytes) secret = pgl_pgp_secret_bytes_new("attack at dawn", 14);
	g_autoptr(GBytes) empty = pgl_pgp_secret_bytes_new(NULL, 0);

	g_assert_true(bytes_equal_string(secret, "attack at dawn"));
	g_assert_cmpuint(g_bytes_get_size(empty), ==, 0);
}

/* ---- keys ----------------------------------------------------------------------------- */

static void
test_keygen_ed25519(void)
{
	PglPgpKeyPair *pair = list_get();
	g_autoptr(PglPgpKeyInfo) info = NULL;
	g_autoptr(PglPgpKeyInfo) secret_info = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(PglTestGpg) gpg = pgl_test_gpg_new(test_root);
	g_autoptr(PglTestGpgResult) result = NULL;
	const PglPgpUserId *user_id;
	g_auto(GStrv) lines = NULL;
	guint n_pub = 0;
	guint n_sub = 0;

	g_assert_cmpuint(strlen(pair->fingerprint), ==, 40);
	g_assert_true(g_str_has_prefix(g_bytes_get_data(pair->public_key, NULL),
				       "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
	g_assert_true(g_str_has_prefix(g_bytes_get_data(pair->secret_key, NULL),
				       "-----BEGIN PGP PRIVATE KEY BLOCK-----"));

	info = pgl_pgp_key_inspect(pair->public_key, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(info->fingerprint, ==, pair->fingerprint);
	g_assert_cmpstr(info->algorithm, ==, "EDDSA");
	g_assert_cmpint(info->expires, ==, 0);
	g_assert_false(info->expired);
	g_assert_false(info->revoked);
	g_assert_false(info->has_secret);
	g_assert_true(info->can_sign);
	g_assert_true(info->can_encrypt);
	g_assert_cmpstr(info->signing_fingerprint, ==, pair->fingerprint);
	g_assert_cmpuint(info->subkeys->len, ==, 1);
	g_assert_cmpstr(((PglPgpSubkey *)info->subkeys->pdata[0])->algorithm, ==, "ECDH");
	g_assert_cmpint(((PglPgpSubkey *)info->subkeys->pdata[0])->expires, ==, 0);
	g_assert_cmpstr(info->encryption_fingerprint, ==,
			((PglPgpSubkey *)info->subkeys->pdata[0])->fingerprint);
	g_assert_cmpuint(info->user_ids->len, ==, 2);
	g_assert_cmpstr(((PglPgpUserId *)info->user_ids->pdata[0])->text, ==,
			"Test List <" LIST_ADDRESS ">");
	g_assert_cmpstr(((PglPgpUserId *)info->user_ids->pdata[1])->text, ==,
			"<" LIST_REQUEST ">");
	user_id = pgl_pgp_key_info_find_user_id(info, "TEST-request@Lists.Example.org");
	g_assert_nonnull(user_id);
	g_assert_cmpstr(user_id->address, ==, LIST_REQUEST);
	g_assert_null(pgl_pgp_key_info_find_user_id(info, "other@lists.example.org"));
	/* a list key passes the subscriber rule as well */
	g_assert_true(pgl_pgp_key_info_check_subscriber(info, &error));
	g_assert_no_error(error);

	secret_info = pgl_pgp_key_inspect(pair->secret_key, 0, &error);
	g_assert_no_error(error);
	g_assert_true(secret_info->has_secret);
	g_assert_false(pgl_pgp_key_info_check_subscriber(secret_info, &error));
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_SECRET_KEY);

	/* gpg's view: ed25519 primary (sign, certify), cv25519 subkey (encrypt), no expiry on
	 * either (field 7 empty), both user IDs valid */
	result = pgl_test_gpg_run(gpg, pair->public_key, "--with-colons", "--import-options",
				  "show-only", "--import", NULL);
	pgl_test_gpg_assert_ok(result);
	lines = g_strsplit(g_bytes_get_data(result->out, NULL), "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) fields = g_strsplit(lines[i], ":", -1);

		if (g_strv_length(fields) < 17)
			continue;
		if (g_str_equal(fields[0], "pub")) {
			n_pub++;
			g_assert_cmpstr(fields[6], ==, "");
			g_assert_true(strchr(fields[11], 's') != NULL);
			g_assert_true(strchr(fields[11], 'c') != NULL);
			g_assert_cmpstr(fields[16], ==, "ed25519");
		} else if (g_str_equal(fields[0], "sub")) {
			n_sub++;
			g_assert_cmpstr(fields[6], ==, "");
			g_assert_cmpstr(fields[11], ==, "e");
			g_assert_cmpstr(fields[16], ==, "cv25519");
		} else if (g_str_equal(fields[0], "uid")) {
			g_assert_cmpstr(fields[1], !=, "i");
		}
	}
	g_assert_cmpuint(n_pub, ==, 1);
	g_assert_cmpuint(n_sub, ==, 1);
}

static void
test_keygen_passphrase(void)
{
	g_autoptr(PglPgpKeyPair) pair = NULL;
	g_autoptr(PglPgpKeyring) keyring = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) data = bytes_from_string("data\r\n");
	g_autoptr(GBytes) signature = NULL;
	g_autofree gchar *fpr = NULL;

	pair = pgl_pgp_key_generate(NULL, "secret@example.org", NULL,
				    PGL_PGP_KEY_ALGORITHM_ED25519, "correct horse", &error);
	g_assert_no_error(error);
	keyring = pgl_pgp_keyring_new(&error);
	g_assert_no_error(error);

	fpr = pgl_pgp_keyring_add_secret(keyring, pair->secret_key, NULL, &error);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_BAD_PASSPHRASE);
	g_assert_null(fpr);
	g_clear_error(&error);
	g_assert_false(pgl_pgp_keyring_has_secret(keyring, pair->fingerprint));
	fpr = pgl_pgp_keyring_add_secret(keyring, pair->secret_key, "wrong", &error);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_BAD_PASSPHRASE);
	g_clear_error(&error);
	fpr = pgl_pgp_keyring_add_secret(keyring, pair->secret_key, "correct horse", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(fpr, ==, pair->fingerprint);
	g_assert_true(pgl_pgp_keyring_has_secret(keyring, fpr));
	signature = pgl_pgp_sign_detached(keyring, fpr, data, TRUE, &error);
	g_assert_no_error(error);
	g_assert_nonnull(signature);
}

static void
test_keygen_rsa(gconstpointer user_data)
{
	PglPgpKeyAlgorithm algorithm = GPOINTER_TO_INT(user_data);
	g_autoptr(PglPgpKeyPair) pair = NULL;
	g_autoptr(PglPgpKeyInfo) info = NULL;
	g_autoptr(GError) error = NULL;
	guint bits = algorithm == PGL_PGP_KEY_ALGORITHM_RSA3072 ? 3072 : 4096;

	if (algorithm == PGL_PGP_KEY_ALGORITHM_RSA4096 && !g_test_slow()) {
		g_test_skip("RSA-4096 generation is slow; run with -m slow");
		return;
	}
	pair = pgl_pgp_key_generate("RSA List", "rsa@example.org", "rsa-request@example.org",
				    algorithm, NULL, &error);
	g_assert_no_error(error);
	info = pgl_pgp_key_inspect(pair->public_key, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(info->algorithm, ==, "RSA");
	g_assert_cmpuint(info->bits, ==, bits);
	g_assert_cmpint(info->expires, ==, 0);
	g_assert_true(info->can_sign && info->can_encrypt);
	g_assert_cmpuint(info->subkeys->len, ==, 1);
	g_assert_cmpuint(((PglPgpSubkey *)info->subkeys->pdata[0])->bits, ==, bits);
	g_assert_cmpint(((PglPgpSubkey *)info->subkeys->pdata[0])->expires, ==, 0);
}

static void
test_keygen_bad_user_id(void)
{
	static const struct {
		const gchar *display_name;
		const gchar *address;
		const gchar *request;
	} cases[] = {
		{NULL, "", NULL},
		{NULL, "no-at-sign", NULL},
		{NULL, "a b@example.org", NULL},
		{NULL, "a<b@example.org", NULL},
		{"Name <evil>", "list@example.org", NULL},
		{"Line\nbreak", "list@example.org", NULL},
		{"Bad \xff UTF-8", "list@example.org", NULL},
		{"Good", "list@example.org", "bad request@example.org"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(PglPgpKeyPair) pair = NULL;

		pair = pgl_pgp_key_generate(cases[i].display_name, cases[i].address,
					    cases[i].request, PGL_PGP_KEY_ALGORITHM_ED25519, NULL,
					    &error);
		g_assert_null(pair);
		g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE);
	}
}

static void
test_key_algorithm_names(void)
{
	PglPgpKeyAlgorithm algorithm = PGL_PGP_KEY_ALGORITHM_ED25519;

	g_assert_true(pgl_pgp_key_algorithm_from_string("RSA3072", &algorithm));
	g_assert_cmpint(algorithm, ==, PGL_PGP_KEY_ALGORITHM_RSA3072);
	g_assert_cmpstr(pgl_pgp_key_algorithm_to_string(algorithm), ==, "rsa3072");
	g_assert_true(pgl_pgp_key_algorithm_from_string("ed25519", &algorithm));
	g_assert_cmpint(algorithm, ==, PGL_PGP_KEY_ALGORITHM_ED25519);
	g_assert_false(pgl_pgp_key_algorithm_from_string("dsa1024", &algorithm));
}

static void
test_key_inspect_gpg(gconstpointer user_data)
{
	const gchar *name = user_data;
	Person *person = person_get(name);
	g_autoptr(PglPgpKeyInfo) info = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) fingerprints = pgl_test_gpg_fingerprints(person->gpg, person->fingerprint);
	g_autofree gchar *upper = g_ascii_strup(person->address, -1);

	info = pgl_pgp_key_validate(person->public_key, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(info->fingerprint, ==, person->fingerprint);
	g_assert_cmpstr(info->algorithm, ==, g_str_equal(name, "bob") ? "RSA" : "EDDSA");
	g_assert_true(info->can_sign);
	g_assert_true(info->can_encrypt);
	g_assert_cmpstr(info->signing_fingerprint, ==, person->fingerprint);
	g_assert_cmpuint(info->subkeys->len, ==, 1);
	g_assert_cmpstr(info->encryption_fingerprint, ==, fingerprints[1]);
	g_assert_cmpint(info->created, <, now_seconds() - 29 * DAY);
	g_assert_nonnull(pgl_pgp_key_info_find_user_id(info, upper));
	g_assert_null(pgl_pgp_key_info_find_user_id(info, "mallory@example.org"));
	/* the stored form is RNP's public re-export, which inspects the same */
	{
		g_autoptr(PglPgpKeyInfo) again = pgl_pgp_key_validate(info->public_key, 0, &error);

		g_assert_no_error(error);
		g_assert_cmpstr(again->fingerprint, ==, info->fingerprint);
	}
}

static GBytes *
concat_bytes(GBytes *first, GBytes *second)
{
	g_autoptr(GByteArray) array = g_byte_array_new();

	g_byte_array_append(array, g_bytes_get_data(first, NULL), g_bytes_get_size(first));
	g_byte_array_append(array, g_bytes_get_data(second, NULL), g_bytes_get_size(second));
	return g_byte_array_free_to_bytes(g_steal_pointer(&array));
}

static void
test_key_validate_refused(void)
{
	Person *alice = person_get("alice");
	g_autoptr(PglTestGpgResult) secret = pgl_test_gpg_run(alice->gpg, NULL, "--armor",
							      "--export-secret-keys",
							      alice->fingerprint, NULL);
	g_autoptr(PglTestGpgResult) binary = pgl_test_gpg_run(alice->gpg, NULL, "--export",
							      alice->fingerprint, NULL);
	g_autoptr(GBytes) two = concat_bytes(alice->public_key, person_get("bob")->public_key);
	g_autoptr(GBytes) garbage = bytes_from_string("this is not a key\n");
	g_autoptr(GBytes) bad_armor = bytes_from_string(
		"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA!!garbage\n"
		"-----END PGP PUBLIC KEY BLOCK-----\n");
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
	g_autoptr(GBytes) truncated = NULL;
	struct {
		const gchar *name;
		GBytes *blob;
		gint code;
	} cases[] = {
		{"secret key", NULL, PGL_PGP_ERROR_SECRET_KEY},
		{"two keys", two, PGL_PGP_ERROR_MULTIPLE_KEYS},
		{"garbage", garbage, PGL_PGP_ERROR_GARBAGE},
		{"bad armor", bad_armor, PGL_PGP_ERROR_GARBAGE},
		{"empty", empty, PGL_PGP_ERROR_GARBAGE},
		{"truncated", NULL, PGL_PGP_ERROR_GARBAGE},
		{"sign-only", person_get("ivan")->public_key, PGL_PGP_ERROR_NOT_USABLE},
		{"expired", person_get("erin")->public_key, PGL_PGP_ERROR_NOT_USABLE},
		{"revoked", person_get("grace")->public_key, PGL_PGP_ERROR_NOT_USABLE},
	};

	pgl_test_gpg_assert_ok(secret);
	pgl_test_gpg_assert_ok(binary);
	cases[0].blob = secret->out;
	truncated = g_bytes_new_from_bytes(binary->out, 0, g_bytes_get_size(binary->out) / 2);
	cases[5].blob = truncated;
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(PglPgpKeyInfo) info = pgl_pgp_key_validate(cases[i].blob, 0, &error);

		if (info != NULL || !g_error_matches(error, PGL_PGP_ERROR, cases[i].code))
			g_error("%s: got %s, want error code %d", cases[i].name,
				info != NULL ? "accepted" : error->message, cases[i].code);
	}
	/* and the binary export is fine */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(PglPgpKeyInfo) info = pgl_pgp_key_validate(binary->out, 0, &error);

		g_assert_no_error(error);
		g_assert_cmpstr(info->fingerprint, ==, alice->fingerprint);
	}
}

static void
test_key_states(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpKeyInfo) erin = pgl_pgp_key_inspect(person_get("erin")->public_key, 0,
							    &error);
	g_autoptr(PglPgpKeyInfo) erin_then = NULL;
	g_autoptr(PglPgpKeyInfo) grace = NULL;
	g_autoptr(PglPgpKeyInfo) henry = NULL;
	g_autoptr(PglPgpKeyInfo) ivan = NULL;

	g_assert_no_error(error);
	g_assert_true(erin->expired);
	g_assert_cmpint(erin->expires, ==, PAST + YEAR);
	g_assert_false(erin->can_sign || erin->can_encrypt);
	/* judged at a time when it was good */
	erin_then = pgl_pgp_key_validate(person_get("erin")->public_key, PAST + 100 * DAY, &error);
	g_assert_no_error(error);
	g_assert_false(erin_then->expired);

	grace = pgl_pgp_key_inspect(person_get("grace")->public_key, 0, &error);
	g_assert_no_error(error);
	g_assert_true(grace->revoked);
	g_assert_false(grace->can_sign || grace->can_encrypt);

	/* henry: revoked signing subkey; the primary can only certify */
	henry = pgl_pgp_key_inspect(person_get("henry")->public_key, 0, &error);
	g_assert_no_error(error);
	g_assert_false(henry->revoked);
	g_assert_cmpuint(henry->subkeys->len, ==, 2);
	g_assert_true(((PglPgpSubkey *)henry->subkeys->pdata[0])->revoked);
	g_assert_false(henry->can_sign);
	g_assert_true(henry->can_encrypt);
	g_assert_false(pgl_pgp_key_info_check_subscriber(henry, &error));
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_USABLE);
	g_clear_error(&error);

	ivan = pgl_pgp_key_inspect(person_get("ivan")->public_key, 0, &error);
	g_assert_no_error(error);
	g_assert_true(ivan->can_sign);
	g_assert_false(ivan->can_encrypt);
	g_assert_null(ivan->encryption_fingerprint);
}

static void
test_key_revocation(void)
{
	Person *grace = person_get("grace");
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpKeyInfo) before = pgl_pgp_key_validate(grace->public_before, 0, &error);
	g_autoptr(PglPgpKeyInfo) after = NULL;
	g_autoptr(GBytes) revoked = NULL;
	g_autoptr(GBytes) wrong = NULL;
	g_autoptr(GBytes) garbage = bytes_from_string("not a revocation");

	g_assert_no_error(error);
	g_assert_false(before->revoked);
	revoked = pgl_pgp_key_add_revocation(grace->public_before, grace->revocation, &error);
	g_assert_no_error(error);
	after = pgl_pgp_key_inspect(revoked, 0, &error);
	g_assert_no_error(error);
	g_assert_true(after->revoked);
	g_assert_false(after->can_sign);
	g_clear_pointer(&after, pgl_pgp_key_info_free);
	after = pgl_pgp_key_validate(revoked, 0, &error);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_USABLE);
	g_clear_error(&error);

	/* grace's certificate does not revoke alice */
	wrong = pgl_pgp_key_add_revocation(person_get("alice")->public_key, grace->revocation,
					   &error);
	g_assert_null(wrong);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_USABLE);
	g_clear_error(&error);
	wrong = pgl_pgp_key_add_revocation(grace->public_before, garbage, &error);
	g_assert_null(wrong);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE);
	g_clear_error(&error);
	wrong = pgl_pgp_key_add_revocation(garbage, grace->revocation, &error);
	g_assert_null(wrong);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE);
}

static void
test_key_guess_contents(void)
{
	Person *alice = person_get("alice");
	g_autoptr(GBytes) text = bytes_from_string("hello\n");
	g_autoptr(PglTestGpgResult) message = pgl_test_gpg_run(alice->gpg, text, "--armor",
							       "--sign", NULL);

	pgl_test_gpg_assert_ok(message);
	g_assert_cmpint(pgl_pgp_guess_contents(alice->public_key), ==, PGL_PGP_CONTENTS_PUBLIC_KEY);
	g_assert_cmpint(pgl_pgp_guess_contents(list_get()->secret_key), ==,
			PGL_PGP_CONTENTS_SECRET_KEY);
	g_assert_cmpint(pgl_pgp_guess_contents(person_get("grace")->revocation), ==,
			PGL_PGP_CONTENTS_SIGNATURE);
	g_assert_cmpint(pgl_pgp_guess_contents(message->out), ==, PGL_PGP_CONTENTS_MESSAGE);
	g_assert_cmpint(pgl_pgp_guess_contents(text), ==, PGL_PGP_CONTENTS_UNKNOWN);
}

/* The real keys of tests/data/pgp/corpus (see its README). */
static void
test_key_corpus(void)
{
	static const struct {
		const gchar *file;
		const gchar *key_id;	    /* primary key ID, as gpg shows it */
		const gchar *address;	    /* a user ID address, or NULL */
		gboolean revoked;
		gboolean expired;
		gboolean can_sign;
		gboolean can_encrypt;
		gint validate_code;	    /* -1: accepted */
	} cases[] = {
		{"schleuder-bla_foo_key.txt", "EBDBE899251F2412", "bla@foo", FALSE, FALSE, TRUE,
		 TRUE, -1},
		{"schleuder-default_list_key.txt", "D06350440F759BD3", "schleuder@example.org",
		 FALSE, FALSE, TRUE, TRUE, -1},
		{"schleuder-example_key.txt", "D3FFA6613AB10ECE", "schleuder2@example.org", FALSE,
		 FALSE, TRUE, TRUE, -1},
		{"schleuder-example_key_binary.pgp", "D3FFA6613AB10ECE", "schleuder2@example.org",
		 FALSE, FALSE, TRUE, TRUE, -1},
		{"schleuder-expired_key.txt", "F71A3F8412D83889", NULL, FALSE, TRUE, FALSE, FALSE,
		 PGL_PGP_ERROR_NOT_USABLE},
		{"schleuder-expired_key_extended.txt", "F71A3F8412D83889", NULL, FALSE, TRUE, FALSE,
		 FALSE, PGL_PGP_ERROR_NOT_USABLE},
		{"schleuder-expiring_key.txt", "9EE9BE5929CACC20", "expiringkey@example.org", FALSE,
		 FALSE, TRUE, TRUE, -1},
		{"schleuder-olduid_key_with_newuid.txt", "2104E20E20889F66", "new@example.org",
		 FALSE, FALSE, TRUE, TRUE, -1},
		{"schleuder-partially_expired_key.txt", "F71A3F8412D83889", "bla@foo", FALSE, FALSE,
		 TRUE, FALSE, PGL_PGP_ERROR_NOT_USABLE},
		{"schleuder-revoked_key.txt", "098AC83A4C0028E9", NULL, TRUE, FALSE, FALSE, FALSE,
		 PGL_PGP_ERROR_NOT_USABLE},
		{"schleuder-signonly_key.txt", "70B2CF29E01AD53E", "signonly@example.org", FALSE,
		 FALSE, TRUE, FALSE, PGL_PGP_ERROR_NOT_USABLE},
		{"schleuder-broken_utf8_uid_key.txt", "1242F6E13D8EBE4A", NULL, FALSE, FALSE, TRUE,
		 TRUE, -1},
		{"autocrypt-alice.pub.asc", "F231550C4F47E38E", NULL, FALSE, TRUE, FALSE, FALSE,
		 PGL_PGP_ERROR_NOT_USABLE},
		{"autocrypt-alice.INSECURE.sec.asc", "F231550C4F47E38E", NULL, FALSE, TRUE, FALSE,
		 FALSE, PGL_PGP_ERROR_SECRET_KEY},
		{"mailman-pgp-rsa_1024.pub.asc", "47F10C087884B758", "rsa-1024b@example.org", FALSE,
		 FALSE, TRUE, TRUE, -1},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) blob = read_data_file(cases[i].file);
		g_autoptr(GError) error = NULL;
		g_autoptr(PglPgpKeyInfo) info = pgl_pgp_key_inspect(blob, 0, &error);
		g_autoptr(PglPgpKeyInfo) valid = NULL;

		if (info == NULL)
			g_error("%s: %s", cases[i].file, error->message);
		g_test_message("%s: %s %s revoked=%d expired=%d sign=%d encrypt=%d uids=%u",
			       cases[i].file, info->fingerprint, info->algorithm, info->revoked,
			       info->expired, info->can_sign, info->can_encrypt,
			       info->user_ids->len);
		g_assert_cmpstr(info->key_id, ==, cases[i].key_id);
		g_assert_true(g_str_has_suffix(info->fingerprint, cases[i].key_id));
		if (info->revoked != cases[i].revoked || info->expired != cases[i].expired ||
		    info->can_sign != cases[i].can_sign ||
		    info->can_encrypt != cases[i].can_encrypt)
			g_error("%s: got revoked=%d expired=%d sign=%d encrypt=%d, "
				"want %d %d %d %d",
				cases[i].file, info->revoked, info->expired, info->can_sign,
				info->can_encrypt, cases[i].revoked, cases[i].expired,
				cases[i].can_sign, cases[i].can_encrypt);
		if (cases[i].address != NULL &&
		    pgl_pgp_key_info_find_user_id(info, cases[i].address) == NULL)
			g_error("%s: no valid user ID for %s", cases[i].file, cases[i].address);
		for (guint j = 0; j < info->user_ids->len; j++)
			g_assert_true(g_utf8_validate(
				((PglPgpUserId *)info->user_ids->pdata[j])->text, -1, NULL));
		valid = pgl_pgp_key_validate(blob, 0, &error);
		if (cases[i].validate_code < 0) {
			g_assert_no_error(error);
			g_assert_nonnull(valid);
		} else {
			g_assert_error(error, PGL_PGP_ERROR, cases[i].validate_code);
		}
	}
}

static void
test_key_corpus_revocation(void)
{
	g_autoptr(GBytes) key = read_data_file("mailman-pgp-rsa_1024.pub.asc");
	g_autoptr(GBytes) revocation = read_data_file("mailman-pgp-rsa_1024.revoc.asc");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) revoked = pgl_pgp_key_add_revocation(key, revocation, &error);
	g_autoptr(PglPgpKeyInfo) info = NULL;

	g_assert_no_error(error);
	info = pgl_pgp_key_inspect(revoked, 0, &error);
	g_assert_no_error(error);
	g_assert_true(info->revoked);
	g_assert_cmpstr(info->key_id, ==, "47F10C087884B758");
}

static void
test_key_corpus_broken_utf8(void)
{
	g_autoptr(GBytes) blob = read_data_file("schleuder-broken_utf8_uid_key.txt");
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpKeyInfo) info = pgl_pgp_key_inspect(blob, 0, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(info->user_ids->len, >=, 1);
	for (guint i = 0; i < info->user_ids->len; i++) {
		const PglPgpUserId *user_id = info->user_ids->pdata[i];

		g_test_message("user ID: %s", user_id->text);
		g_assert_true(g_utf8_validate(user_id->text, -1, NULL));
	}
}

/* ---- keyrings ------------------------------------------------------------------------- */

static void
test_keyring_basics(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpKeyring) keyring = pgl_pgp_keyring_new(&error);
	Person *alice = person_get("alice");
	g_autoptr(GBytes) garbage = bytes_from_string("garbage");
	g_autoptr(GBytes) two = concat_bytes(alice->public_key, person_get("bob")->public_key);
	g_autoptr(GBytes) exported = NULL;
	g_autoptr(PglPgpKeyInfo) info = NULL;
	g_autofree gchar *spaced = NULL;
	g_autofree gchar *fpr = NULL;
	g_autofree gchar *normal = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(pgl_pgp_keyring_get_n_keys(keyring), ==, 0);
	g_assert_false(pgl_pgp_keyring_add_public(keyring, garbage, &error));
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE);
	g_clear_error(&error);
	g_assert_true(pgl_pgp_keyring_add_public(keyring, two, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(pgl_pgp_keyring_get_n_keys(keyring), ==, 2);
	/* adding again merges */
	g_assert_true(pgl_pgp_keyring_add_public(keyring, alice->public_key, &error));
	g_assert_cmpuint(pgl_pgp_keyring_get_n_keys(keyring), ==, 2);
	/* fingerprints in any case, with spaces, or a subkey's */
	spaced = g_ascii_strdown(alice->fingerprint, -1);
	g_assert_true(pgl_pgp_keyring_contains(keyring, spaced));
	g_assert_false(pgl_pgp_keyring_contains(keyring, "0123"));
	g_assert_false(pgl_pgp_keyring_contains(keyring, list_get()->fingerprint));
	g_assert_false(pgl_pgp_keyring_has_secret(keyring, alice->fingerprint));
	exported = pgl_pgp_keyring_export_public(keyring, alice->fingerprint, &error);
	g_assert_no_error(error);
	info = pgl_pgp_key_inspect(exported, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(info->fingerprint, ==, alice->fingerprint);
	g_assert_true(pgl_pgp_keyring_contains(keyring, info->encryption_fingerprint));
	g_clear_pointer(&exported, g_bytes_unref);
	exported = pgl_pgp_keyring_export_public(keyring, list_get()->fingerprint, &error);
	g_assert_null(exported);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY);
	g_clear_error(&error);
	/* a public key is not a secret key; two secret keys are too many */
	fpr = pgl_pgp_keyring_add_secret(keyring, alice->public_key, NULL, &error);
	g_assert_null(fpr);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY);
	g_clear_error(&error);
	fpr = pgl_pgp_keyring_add_secret(keyring, two, NULL, &error);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_MULTIPLE_KEYS);
	g_clear_error(&error);
	/* a public blob with a secret key in it adds only the public part */
	g_assert_true(pgl_pgp_keyring_add_public(keyring, list_get()->secret_key, &error));
	g_assert_true(pgl_pgp_keyring_contains(keyring, list_get()->fingerprint));
	g_assert_false(pgl_pgp_keyring_has_secret(keyring, list_get()->fingerprint));
	normal = pgl_pgp_fingerprint_normalize("abcd ef01 2345 6789 abcd  ef01 2345 6789 "
					       "abcd ef01");
	g_assert_cmpstr(normal, ==, "ABCDEF0123456789ABCDEF0123456789ABCDEF01");
	g_assert_null(pgl_pgp_fingerprint_normalize("xyz"));
	g_assert_null(pgl_pgp_fingerprint_normalize(""));
	g_assert_null(pgl_pgp_fingerprint_normalize("ABCDEF0123456789ABCDEF0123456789ABCDEF0"));
}

static void
test_keyring_corpus_secret(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpKeyring) keyring = pgl_pgp_keyring_new(&error);
	g_autoptr(GBytes) secret = read_data_file("autocrypt-alice.INSECURE.sec.asc");
	g_autoptr(GBytes) data = bytes_from_string("x");
	g_autoptr(GBytes) signature = NULL;
	g_autofree gchar *fpr = NULL;

	g_assert_no_error(error);
	fpr = pgl_pgp_keyring_add_secret(keyring, secret, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(g_str_has_suffix(fpr, "F231550C4F47E38E"));
	g_assert_true(pgl_pgp_keyring_has_secret(keyring, fpr));
	/* its primary key expired in 2021: it cannot sign any more */
	signature = pgl_pgp_sign_detached(keyring, fpr, data, TRUE, &error);
	g_assert_null(signature);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_USABLE);
}

/* ---- verification --------------------------------------------------------------------- */

static void
test_verify_good(void)
{
	Person *alice = person_get("alice");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GBytes) data = bytes_from_string("Hello, list!\r\n");
	g_autoptr(GBytes) signature = pgl_test_gpg_sign_detached(
		alice->gpg, alice->fingerprint, data, 0, "--digest-algo=SHA512", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) signatures = NULL;
	PglPgpSignature *result;

	signatures = pgl_pgp_verify_detached(keyring, data, signature, NULL, &error);
	g_assert_no_error(error);
	result = single_signature(signatures);
	assert_verdict(result, PGL_PGP_VERDICT_GOOD);
	g_assert_cmpstr(result->status, ==, "Success");
	g_assert_cmpstr(result->primary_fingerprint, ==, alice->fingerprint);
	g_assert_cmpstr(result->signing_fingerprint, ==, alice->fingerprint);
	g_assert_true(g_str_has_suffix(alice->fingerprint, result->key_id));
	g_assert_cmpstr(result->hash_algorithm, ==, "SHA512");
	g_assert_cmpint(ABS(result->created - now_seconds()), <, 120);
	g_assert_cmpint(result->expires, ==, 0);
	g_assert_cmpuint(strlen(result->replay_digest), ==, 64);
}

static void
test_verify_unknown_key(void)
{
	Person *alice = person_get("alice");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("bob", NULL);
	g_autoptr(GBytes) data = bytes_from_string("Hello, list!\r\n");
	g_autoptr(GBytes) signature = person_sign(alice, data, 0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) signatures = NULL;
	PglPgpSignature *result;

	signatures = pgl_pgp_verify_detached(keyring, data, signature, NULL, &error);
	g_assert_no_error(error);
	result = single_signature(signatures);
	assert_verdict(result, PGL_PGP_VERDICT_UNKNOWN_KEY);
	g_assert_null(result->primary_fingerprint);
	g_assert_null(result->signing_fingerprint);
	g_assert_true(g_str_has_suffix(alice->fingerprint, result->key_id));
}

static void
test_verify_bad(void)
{
	Person *alice = person_get("alice");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GBytes) data = bytes_from_string("Pay 10 EUR to Bob\r\n");
	g_autoptr(GBytes) forged = bytes_from_string("Pay 99 EUR to Bob\r\n");
	g_autoptr(GBytes) signature = person_sign(alice, data, 0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) signatures = NULL;
	PglPgpSignature *result;

	signatures = pgl_pgp_verify_detached(keyring, forged, signature, NULL, &error);
	g_assert_no_error(error);
	result = single_signature(signatures);
	assert_verdict(result, PGL_PGP_VERDICT_BAD);
	g_assert_cmpstr(result->primary_fingerprint, ==, alice->fingerprint);
}

static void
test_verify_expired_key(void)
{
	Person *erin = person_get("erin");
	Person *frank = person_get("frank");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("erin", "frank", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) signatures = NULL;
	PglPgpSignature *result;
	PglPgpVerifyParams then = {PAST + 181 * DAY, 0};

	/* erin signed while her key was good; it has expired since (RNP says Success) */
	signatures = pgl_pgp_verify_detached(keyring, erin->signed_data, erin->signature, NULL,
					     &error);
	g_assert_no_error(error);
	result = single_signature(signatures);
	g_test_message("erin, signed while valid: RNP status %s", result->status);
	assert_verdict(result, PGL_PGP_VERDICT_EXPIRED_KEY);
	g_assert_cmpstr(result->primary_fingerprint, ==, erin->fingerprint);
	g_clear_pointer(&signatures, g_ptr_array_unref);
	/* judged at the time it was made, it is good */
	signatures = pgl_pgp_verify_detached(keyring, erin->signed_data, erin->signature, &then,
					     &error);
	g_assert_no_error(error);
	g_test_message("erin, judged in 2020: RNP status %s",
		       single_signature(signatures)->status);
	g_clear_pointer(&signatures, g_ptr_array_unref);

	/* frank signed after his key's expiry (RNP says the signature is invalid) */
	signatures = pgl_pgp_verify_detached(keyring, frank->signed_data, frank->signature, NULL,
					     &error);
	g_assert_no_error(error);
	result = single_signature(signatures);
	g_test_message("frank, signed after expiry: RNP status %s", result->status);
	assert_verdict(result, PGL_PGP_VERDICT_EXPIRED_KEY);
	g_assert_cmpint(result->created, ==, PAST + 2 * YEAR);
}

static void
test_verify_revoked_key(void)
{
	Person *grace = person_get("grace");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("grace", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) signatures = NULL;
	PglPgpSignature *result;

	signatures = pgl_pgp_verify_detached(keyring, grace->signed_data, grace->signature, NULL,
					     &error);
	g_assert_no_error(error);
	result = single_signature(signatures);
	g_test_message("grace, revoked: RNP status %s", result->status);
	assert_verdict(result, PGL_PGP_VERDICT_REVOKED);
	g_assert_cmpstr(result->primary_fingerprint, ==, grace->fingerprint);
}

static void
test_verify_revoked_subkey(void)
{
	Person *henry = person_get("henry");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("henry", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) signatures = NULL;
	PglPgpSignature *result;

	signatures = pgl_pgp_verify_detached(keyring, henry->signed_data, henry->signature, NULL,
					     &error);
	g_assert_no_error(error);
	result = single_signature(signatures);
	g_test_message("henry, revoked signing subkey: RNP status %s", result->status);
	assert_verdict(result, PGL_PGP_VERDICT_REVOKED);
	g_assert_cmpstr(result->primary_fingerprint, ==, henry->fingerprint);
	g_assert_cmpstr(result->signing_fingerprint, ==, henry->signing_fingerprint);
}

static void
test_verify_too_old(void)
{
	Person *alice = person_get("alice");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GBytes) data = bytes_from_string("an old post\r\n");
	gint64 now = now_seconds();
	g_autoptr(GBytes) old = person_sign(alice, data, now - 7200);
	g_autoptr(GBytes) future = person_sign(alice, data, now + 7200);
	static const struct {
		gboolean future;
		guint64 window;
		PglPgpVerdict want;
	} cases[] = {
		{FALSE, 0, PGL_PGP_VERDICT_GOOD},
		{FALSE, 3600, PGL_PGP_VERDICT_TOO_OLD},
		{FALSE, 3 * 3600, PGL_PGP_VERDICT_GOOD},
		{TRUE, 3600, PGL_PGP_VERDICT_TOO_OLD},
		{TRUE, 3 * 3600, PGL_PGP_VERDICT_GOOD},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		PglPgpVerifyParams params = {now, cases[i].window};
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) signatures = NULL;

		signatures = pgl_pgp_verify_detached(keyring, data,
						     cases[i].future ? future : old, &params,
						     &error);
		g_assert_no_error(error);
		assert_verdict(single_signature(signatures), cases[i].want);
	}
}

static void
test_verify_several(void)
{
	Person *alice = person_get("alice");
	Person *carol = person_get("carol");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GBytes) data = bytes_from_string("two signers\r\n");
	g_autoptr(GBytes) by_alice = person_sign(alice, data, 0);
	g_autoptr(GBytes) by_carol = person_sign(carol, data, 0);
	g_autoptr(PglTestGpgResult) alice_binary =
		pgl_test_gpg_run(alice->gpg, by_alice, "--dearmor", NULL);
	g_autoptr(PglTestGpgResult) carol_binary =
		pgl_test_gpg_run(alice->gpg, by_carol, "--dearmor", NULL);
	g_autoptr(GBytes) both = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) signatures = NULL;

	pgl_test_gpg_assert_ok(alice_binary);
	pgl_test_gpg_assert_ok(carol_binary);
	both = concat_bytes(carol_binary->out, alice_binary->out);
	signatures = pgl_pgp_verify_detached(keyring, data, both, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(signatures->len, ==, 2);
	assert_verdict(signatures->pdata[0], PGL_PGP_VERDICT_UNKNOWN_KEY);
	assert_verdict(signatures->pdata[1], PGL_PGP_VERDICT_GOOD);
}

static void
test_verify_detached_errors(void)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring(NULL);
	g_autoptr(GBytes) data = bytes_from_string("data");
	g_autoptr(GBytes) garbage = bytes_from_string("-----BEGIN PGP SIGNATURE-----\n\n!!\n"
						      "-----END PGP SIGNATURE-----\n");
	g_autoptr(GBytes) text = bytes_from_string("no signature here");
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
	GBytes *inputs[] = {garbage, text, empty, person_get("alice")->public_key};

	for (gsize i = 0; i < G_N_ELEMENTS(inputs); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) signatures = NULL;

		signatures = pgl_pgp_verify_detached(keyring, data, inputs[i], NULL, &error);
		g_assert_null(signatures);
		if (!g_error_matches(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE) &&
		    !g_error_matches(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_SIGNATURE))
			g_error("case %" G_GSIZE_FORMAT ": got %s, want GARBAGE or NO_SIGNATURE",
				i, error->message);
	}
}

static void
test_verify_inline(void)
{
	Person *alice = person_get("alice");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GBytes) text = bytes_from_string("Inline signed text.\nSecond line.\n");
	g_autoptr(PglTestGpgResult) signed_message = pgl_test_gpg_run(alice->gpg, text, "--armor",
								      "--sign", NULL);
	g_autoptr(PglTestGpgResult) clearsigned = pgl_test_gpg_run(alice->gpg, text, "--clearsign",
								   NULL);
	g_autoptr(PglTestGpgResult) literal = pgl_test_gpg_run(alice->gpg, text, "--armor",
							       "--store", NULL);
	g_autoptr(PglTestGpgResult) encrypted = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) signatures = NULL;
	g_autoptr(GBytes) content = NULL;

	pgl_test_gpg_assert_ok(signed_message);
	pgl_test_gpg_assert_ok(clearsigned);
	pgl_test_gpg_assert_ok(literal);

	signatures = pgl_pgp_verify_inline(keyring, signed_message->out, NULL, 0, &content,
					   &error);
	g_assert_no_error(error);
	assert_verdict(single_signature(signatures), PGL_PGP_VERDICT_GOOD);
	g_assert_true(g_bytes_equal(content, text));
	g_assert_nonnull(single_signature(signatures)->replay_digest);
	g_clear_pointer(&signatures, g_ptr_array_unref);
	g_clear_pointer(&content, g_bytes_unref);

	signatures = pgl_pgp_verify_inline(keyring, clearsigned->out, NULL, 0, &content, &error);
	g_assert_no_error(error);
	assert_verdict(single_signature(signatures), PGL_PGP_VERDICT_GOOD);
	g_assert_cmpstr(single_signature(signatures)->primary_fingerprint, ==,
			alice->fingerprint);
	g_test_message("cleartext content: %.*s", (int)g_bytes_get_size(content),
		       (const gchar *)g_bytes_get_data(content, NULL));
	g_assert_nonnull(strstr(g_bytes_get_data(content, NULL), "Inline signed text."));
	g_clear_pointer(&signatures, g_ptr_array_unref);

	/* an unknown signer is still reported */
	{
		g_autoptr(PglPgpKeyring) strangers = list_keyring(NULL);

		signatures = pgl_pgp_verify_inline(strangers, signed_message->out, NULL, 0, NULL,
						   &error);
		g_assert_no_error(error);
		assert_verdict(single_signature(signatures), PGL_PGP_VERDICT_UNKNOWN_KEY);
		g_clear_pointer(&signatures, g_ptr_array_unref);
	}

	/* not signed; over the limit; not OpenPGP; encrypted */
	signatures = pgl_pgp_verify_inline(keyring, literal->out, NULL, 0, NULL, &error);
	g_assert_null(signatures);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_SIGNATURE);
	g_clear_error(&error);
	signatures = pgl_pgp_verify_inline(keyring, signed_message->out, NULL, 10, NULL, &error);
	g_assert_null(signatures);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_LIMIT);
	g_clear_error(&error);
	signatures = pgl_pgp_verify_inline(keyring, text, NULL, 0, NULL, &error);
	g_assert_null(signatures);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE);
	g_clear_error(&error);
	person_import_list_key(alice);
	encrypted = pgl_test_gpg_run(alice->gpg, text, "--armor", "--sign", "--encrypt", "-r",
				     list_get()->fingerprint, NULL);
	pgl_test_gpg_assert_ok(encrypted);
	signatures = pgl_pgp_verify_inline(keyring, encrypted->out, NULL, 0, NULL, &error);
	g_assert_null(signatures);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE);
}

/* ---- signing -------------------------------------------------------------------------- */

static void
test_sign_gpg_verifies(void)
{
	Person *alice = person_get("alice");
	g_autoptr(PglPgpKeyring) keyring = list_keyring(NULL);
	g_autoptr(GBytes) data = bytes_from_string("Content-Type: text/plain\r\n\r\nSigned by the "
						   "list.\r\n");
	g_autofree gchar *data_path = g_build_filename(test_root, "signed-data", NULL);
	g_autofree gchar *signature_path = g_build_filename(test_root, "signed-data.sig", NULL);
	g_autofree gchar *validsig = g_strdup_printf("VALIDSIG %s", list_get()->fingerprint);
	g_autoptr(GError) error = NULL;

	person_import_list_key(alice);
	g_file_set_contents(data_path, g_bytes_get_data(data, NULL), g_bytes_get_size(data),
			    &error);
	g_assert_no_error(error);
	for (gint armor = 0; armor <= 1; armor++) {
		g_autoptr(GBytes) signature = pgl_pgp_sign_detached(
			keyring, list_get()->fingerprint, data, armor, &error);
		g_autoptr(PglTestGpgResult) result = NULL;

		g_assert_no_error(error);
		g_assert_cmpint(g_str_has_prefix(g_bytes_get_data(signature, NULL),
						 "-----BEGIN PGP SIGNATURE-----"),
				==, armor);
		g_file_set_contents(signature_path, g_bytes_get_data(signature, NULL),
				    g_bytes_get_size(signature), &error);
		g_assert_no_error(error);
		result = pgl_test_gpg_run(alice->gpg, NULL, "--verify", signature_path, data_path,
					  NULL);
		pgl_test_gpg_assert_ok(result);
		g_assert_true(pgl_test_gpg_has_status(result->err, "GOODSIG"));
		g_assert_true(pgl_test_gpg_has_status(result->err, validsig));
	}
}

static void
test_sign_errors(void)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GBytes) data = bytes_from_string("x");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) signature = NULL;

	/* alice's public key only: no secret */
	signature = pgl_pgp_sign_detached(keyring, person_get("alice")->fingerprint, data, TRUE,
					  &error);
	g_assert_null(signature);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY);
	g_clear_error(&error);
	signature = pgl_pgp_sign_detached(keyring, "0000000000000000000000000000000000000000", data,
					  TRUE, &error);
	g_assert_null(signature);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY);
	g_clear_error(&error);
	signature = pgl_pgp_sign_detached(keyring, "not a fingerprint", data, TRUE, &error);
	g_assert_null(signature);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY);
}

/* ---- encryption and decryption -------------------------------------------------------- */

static void
test_decrypt_gpg_signed_encrypted(void)
{
	Person *alice = person_get("alice");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GBytes) text = bytes_from_string("Content-Type: text/plain\r\n\r\nA post.\r\n");
	g_autoptr(PglTestGpgResult) encrypted = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpDecrypted) decrypted = NULL;
	g_autoptr(PglPgpKeyInfo) list_info = NULL;
	PglPgpSignature *signature;

	person_import_list_key(alice);
	encrypted = pgl_test_gpg_run(alice->gpg, text, "--armor", "--sign", "--encrypt", "-u",
				     alice->fingerprint, "-r", list_get()->fingerprint, NULL);
	pgl_test_gpg_assert_ok(encrypted);
	decrypted = pgl_pgp_decrypt(keyring, encrypted->out, NULL, 0, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(decrypted->plaintext, text));
	g_assert_cmpstr(decrypted->mode, ==, "cfb-mdc");
	g_assert_cmpstr(decrypted->cipher, ==, "AES256");
	g_assert_false(decrypted->hidden_recipient);
	list_info = pgl_pgp_key_inspect(list_get()->public_key, 0, &error);
	g_assert_no_error(error);
	g_assert_true(g_str_has_suffix(list_info->encryption_fingerprint,
				       decrypted->recipient_key_id));
	signature = single_signature(decrypted->signatures);
	assert_verdict(signature, PGL_PGP_VERDICT_GOOD);
	g_assert_cmpstr(signature->primary_fingerprint, ==, alice->fingerprint);
	g_assert_cmpuint(strlen(signature->replay_digest), ==, 64);

	/* binary works as well; an unsigned message has no signatures */
	{
		g_autoptr(PglTestGpgResult) binary = pgl_test_gpg_run(alice->gpg, text, "--encrypt",
								      "-r", list_get()->fingerprint,
								      NULL);
		g_autoptr(PglPgpDecrypted) unsigned_message = NULL;

		pgl_test_gpg_assert_ok(binary);
		unsigned_message = pgl_pgp_decrypt(keyring, binary->out, NULL, 0, &error);
		g_assert_no_error(error);
		g_assert_true(g_bytes_equal(unsigned_message->plaintext, text));
		g_assert_cmpuint(unsigned_message->signatures->len, ==, 0);
	}
	/* signed by someone the list does not know: decrypted, verdict UNKNOWN_KEY */
	{
		g_autoptr(PglPgpKeyring) strangers = list_keyring(NULL);
		g_autoptr(PglPgpDecrypted) from_stranger = NULL;

		from_stranger = pgl_pgp_decrypt(strangers, encrypted->out, NULL, 0, &error);
		g_assert_no_error(error);
		assert_verdict(single_signature(from_stranger->signatures),
			       PGL_PGP_VERDICT_UNKNOWN_KEY);
	}
}

static void
test_decrypt_gpg_hidden(void)
{
	Person *alice = person_get("alice");
	Person *bob = person_get("bob");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GBytes) text = bytes_from_string("hidden from the world\r\n");
	g_autoptr(PglTestGpgResult) encrypted = NULL;
	g_autoptr(PglTestGpgResult) bob_import = pgl_test_gpg_run(alice->gpg, bob->public_key,
								  "--import", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpDecrypted) decrypted = NULL;

	pgl_test_gpg_assert_ok(bob_import);
	person_import_list_key(alice);
	/* -R: hidden recipient; bob (RSA) before and the list (ECDH) after */
	encrypted = pgl_test_gpg_run(alice->gpg, text, "--armor", "--sign", "--encrypt", "-u",
				     alice->fingerprint, "-R", bob->fingerprint, "-R",
				     list_get()->fingerprint, "-R", alice->fingerprint, NULL);
	pgl_test_gpg_assert_ok(encrypted);
	decrypted = pgl_pgp_decrypt(keyring, encrypted->out, NULL, 0, &error);
	g_assert_no_error(error);
	g_assert_true(decrypted->hidden_recipient);
	g_assert_true(g_bytes_equal(decrypted->plaintext, text));
	assert_verdict(single_signature(decrypted->signatures), PGL_PGP_VERDICT_GOOD);
}

static void
test_decrypt_errors(void)
{
	Person *alice = person_get("alice");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GBytes) text = bytes_from_string("some text\r\n");
	g_autoptr(GBytes) big = NULL;
	g_autoptr(PglTestGpgResult) to_alice = pgl_test_gpg_run(alice->gpg, text, "--armor",
								"--encrypt", "-r",
								alice->fingerprint, NULL);
	g_autoptr(PglTestGpgResult) signed_only = pgl_test_gpg_run(alice->gpg, text, "--armor",
								   "--sign", NULL);
	g_autoptr(PglTestGpgResult) symmetric = pgl_test_gpg_run(alice->gpg, text, "--passphrase",
								 "sym", "--armor", "--symmetric",
								 NULL);
	g_autoptr(PglTestGpgResult) compressed = NULL;
	g_autoptr(GBytes) garbage = bytes_from_string("-----BEGIN PGP MESSAGE-----\n\n%%%\n"
						      "-----END PGP MESSAGE-----\n");
	g_autoptr(GBytes) binary_garbage = g_bytes_new_static("\xc1\x05\x03", 3);
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPgpDecrypted) decrypted = NULL;
	g_autofree gchar *zeros = g_malloc0(1024 * 1024 + 1);

	pgl_test_gpg_assert_ok(to_alice);
	pgl_test_gpg_assert_ok(signed_only);
	pgl_test_gpg_assert_ok(symmetric);
	person_import_list_key(alice);
	memset(zeros, 'z', 1024 * 1024);
	big = bytes_from_string(zeros);
	compressed = pgl_test_gpg_run(alice->gpg, big, "--compress-algo", "zlib", "--encrypt", "-r",
				      list_get()->fingerprint, NULL);
	pgl_test_gpg_assert_ok(compressed);
	g_assert_cmpuint(g_bytes_get_size(compressed->out), <, 64 * 1024);

	decrypted = pgl_pgp_decrypt(keyring, to_alice->out, NULL, 0, &error);
	g_assert_null(decrypted);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY);
	g_test_message("%s", error->message);
	g_clear_error(&error);
	decrypted = pgl_pgp_decrypt(keyring, signed_only->out, NULL, 0, &error);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_ENCRYPTED);
	g_clear_error(&error);
	decrypted = pgl_pgp_decrypt(keyring, symmetric->out, NULL, 0, &error);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_DECRYPT);
	g_clear_error(&error);
	decrypted = pgl_pgp_decrypt(keyring, garbage, NULL, 0, &error);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE);
	g_clear_error(&error);
	decrypted = pgl_pgp_decrypt(keyring, binary_garbage, NULL, 0, &error);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE);
	g_clear_error(&error);
	/* a compression bomb in miniature: 1 MiB of 'z' in a few KB, limit 64 KiB */
	decrypted = pgl_pgp_decrypt(keyring, compressed->out, NULL, 64 * 1024, &error);
	g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_LIMIT);
	g_clear_error(&error);
	decrypted = pgl_pgp_decrypt(keyring, compressed->out, NULL, 2 * 1024 * 1024, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(decrypted->plaintext, big));
}

/* @person's gpg decrypts @ciphertext to @plaintext and finds the list's good signature.
 * With hidden recipients, gpg 2.2 tries its key on each wildcard PKESK in turn; every failed
 * try ("ecdh failed in gcry_cipher_decrypt: Checksum error", status NO_SECKEY) is logged as an
 * error, so gpg exits with 2 even though it decrypted (DECRYPTION_OKAY): the same happens with
 * gpg's own -R. So there, exit status 2 is accepted when the status lines say success. */
static void
assert_gpg_reads_list_post(Person *person, GBytes *ciphertext, GBytes *plaintext,
			   gboolean hidden)
{
	g_autoptr(PglTestGpgResult) result = NULL;
	g_autofree gchar *validsig = g_strdup_printf("VALIDSIG %s", list_get()->fingerprint);

	person_import_list_key(person);
	result = pgl_test_gpg_run(person->gpg, ciphertext, "--decrypt", NULL);
	if (result->status != 0 && !(hidden && result->status == 2))
		g_error("%s's gpg cannot decrypt: %s", person->name, result->err);
	g_assert_false(pgl_test_gpg_has_status(result->err, "DECRYPTION_FAILED"));
	g_assert_true(pgl_test_gpg_has_status(result->err, "DECRYPTION_OKAY"));
	g_assert_true(pgl_test_gpg_has_status(result->err, "GOODMDC"));
	g_assert_true(pgl_test_gpg_has_status(result->err, "GOODSIG"));
	g_assert_true(pgl_test_gpg_has_status(result->err, validsig));
	g_assert_true(g_bytes_equal(result->out, plaintext));
}

static void
test_encrypt_three_recipients(void)
{
	Person *alice = person_get("alice");
	Person *bob = person_get("bob");
	Person *carol = person_get("carol");
	Person *dave = person_get("dave");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", "bob", "carol", NULL);
	g_autoptr(GBytes) text = bytes_from_string("Content-Type: text/plain\r\n\r\nTo all.\r\n");
	const gchar *recipients[] = {alice->fingerprint, bob->fingerprint, carol->fingerprint,
				     NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) encrypted = NULL;
	g_autoptr(PglTestGpgResult) outsider = NULL;
	g_autoptr(PglTestGpgResult) packets = NULL;
	g_autoptr(GBytes) binary = NULL;
	g_autoptr(GArray) pkesks = NULL;

	encrypted = pgl_pgp_encrypt(keyring, list_get()->fingerprint, recipients, text,
				    PGL_PGP_ENCRYPT_ARMOR, &error);
	g_assert_no_error(error);
	g_assert_true(g_str_has_prefix(g_bytes_get_data(encrypted, NULL),
				       "-----BEGIN PGP MESSAGE-----"));
	assert_gpg_reads_list_post(alice, encrypted, text, FALSE);
	assert_gpg_reads_list_post(bob, encrypted, text, FALSE);
	assert_gpg_reads_list_post(carol, encrypted, text, FALSE);
	outsider = pgl_test_gpg_run(dave->gpg, encrypted, "--decrypt", NULL);
	g_assert_cmpint(outsider->status, !=, 0);
	g_assert_true(pgl_test_gpg_has_status(outsider->err, "DECRYPTION_FAILED"));
	g_assert_false(pgl_test_gpg_has_status(outsider->err, "DECRYPTION_OKAY"));
	g_assert_cmpuint(g_bytes_get_size(outsider->out), ==, 0);

	/* one session key, three visible PKESKs, SEIPD v1 with MDC, no AEAD */
	packets = pgl_test_gpg_run(dave->gpg, encrypted, "--list-packets", NULL);
	g_assert_nonnull(strstr(g_bytes_get_data(packets->out, NULL), "mdc_method: 2"));
	g_assert_null(strstr(g_bytes_get_data(packets->out, NULL), "aead"));
	binary = pgl_pgp_encrypt(keyring, NULL, recipients, text, PGL_PGP_ENCRYPT_NONE, &error);
	g_assert_no_error(error);
	pkesks = pgl_pgp_packet_list_pkesks(g_bytes_get_data(binary, NULL),
					    g_bytes_get_size(binary), NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(pkesks->len, ==, 3);
	for (guint i = 0; i < pkesks->len; i++)
		g_assert_false(pgl_pgp_packet_is_wildcard(
			g_array_index(pkesks, PglPgpPkesk, i).key_id));
}

static guint
count_occurrences(const gchar *haystack, const gchar *needle)
{
	guint count = 0;

	for (const gchar *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
		count++;
	return count;
}

static void
test_encrypt_hidden(void)
{
	Person *alice = person_get("alice");
	Person *bob = person_get("bob");
	Person *carol = person_get("carol");
	Person *dave = person_get("dave");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", "bob", "carol", NULL);
	g_autoptr(GBytes) text = bytes_from_string("Content-Type: text/plain\r\n\r\nHidden.\r\n");
	const gchar *recipients[] = {alice->fingerprint, bob->fingerprint, carol->fingerprint,
				     NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) encrypted = NULL;
	g_autoptr(GBytes) binary = NULL;
	g_autoptr(PglTestGpgResult) packets = NULL;
	g_autoptr(PglTestGpgResult) outsider = NULL;
	g_autoptr(PglTestGpgResult) carol_reads = NULL;
	g_autoptr(GArray) pkesks = NULL;

	encrypted = pgl_pgp_encrypt(keyring, list_get()->fingerprint, recipients, text,
				    PGL_PGP_ENCRYPT_ARMOR | PGL_PGP_ENCRYPT_HIDE_RECIPIENTS,
				    &error);
	g_assert_no_error(error);
	g_assert_true(g_str_has_prefix(g_bytes_get_data(encrypted, NULL),
				       "-----BEGIN PGP MESSAGE-----"));
	packets = pgl_test_gpg_run(dave->gpg, encrypted, "--list-packets", NULL);
	g_assert_cmpuint(count_occurrences(g_bytes_get_data(packets->out, NULL),
					   "keyid 0000000000000000"),
			 ==, 3);
	g_assert_cmpuint(count_occurrences(g_bytes_get_data(packets->out, NULL), ":pubkey enc"),
			 ==, 3);
	/* gpg 2.2 tries its secret keys on wildcard key IDs by default ("anonymous recipient;
	 * trying secret key ..."), no --try-all-secrets needed */
	assert_gpg_reads_list_post(alice, encrypted, text, TRUE);
	assert_gpg_reads_list_post(bob, encrypted, text, TRUE);
	assert_gpg_reads_list_post(carol, encrypted, text, TRUE);
	carol_reads = pgl_test_gpg_run(carol->gpg, encrypted, "--decrypt", NULL);
	g_assert_nonnull(strstr(carol_reads->err, "anonymous recipient"));
	g_assert_true(pgl_test_gpg_has_status(carol_reads->err, "ENC_TO 0000000000000000"));
	outsider = pgl_test_gpg_run(dave->gpg, encrypted, "--decrypt", NULL);
	g_assert_cmpint(outsider->status, !=, 0);
	g_assert_false(pgl_test_gpg_has_status(outsider->err, "DECRYPTION_OKAY"));

	binary = pgl_pgp_encrypt(keyring, NULL, recipients, text,
				 PGL_PGP_ENCRYPT_HIDE_RECIPIENTS, &error);
	g_assert_no_error(error);
	pkesks = pgl_pgp_packet_list_pkesks(g_bytes_get_data(binary, NULL),
					    g_bytes_get_size(binary), NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(pkesks->len, ==, 3);
	for (guint i = 0; i < pkesks->len; i++)
		g_assert_true(pgl_pgp_packet_is_wildcard(
			g_array_index(pkesks, PglPgpPkesk, i).key_id));
}

static void
test_decrypt_hidden_engine(void)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", "bob", NULL);
	g_autoptr(GBytes) text = bytes_from_string("Stored encrypted to the list key.\r\n");
	const gchar *recipients[] = {person_get("bob")->fingerprint,
				     person_get("alice")->fingerprint, list_get()->fingerprint,
				     NULL};
	const gchar *list_only[] = {list_get()->fingerprint, NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) encrypted = NULL;
	g_autoptr(PglPgpDecrypted) decrypted = NULL;

	encrypted = pgl_pgp_encrypt(keyring, list_get()->fingerprint, recipients, text,
				    PGL_PGP_ENCRYPT_ARMOR | PGL_PGP_ENCRYPT_HIDE_RECIPIENTS,
				    &error);
	g_assert_no_error(error);
	decrypted = pgl_pgp_decrypt(keyring, encrypted, NULL, 0, &error);
	g_assert_no_error(error);
	g_assert_true(decrypted->hidden_recipient);
	g_assert_true(g_bytes_equal(decrypted->plaintext, text));
	assert_verdict(single_signature(decrypted->signatures), PGL_PGP_VERDICT_GOOD);
	g_assert_cmpstr(single_signature(decrypted->signatures)->primary_fingerprint, ==,
			list_get()->fingerprint);
	g_clear_pointer(&decrypted, pgl_pgp_decrypted_free);
	g_clear_pointer(&encrypted, g_bytes_unref);

	/* hidden, unsigned, to the list only (binary) */
	encrypted = pgl_pgp_encrypt(keyring, NULL, list_only, text,
				    PGL_PGP_ENCRYPT_HIDE_RECIPIENTS, &error);
	g_assert_no_error(error);
	decrypted = pgl_pgp_decrypt(keyring, encrypted, NULL, 0, &error);
	g_assert_no_error(error);
	g_assert_true(decrypted->hidden_recipient);
	g_assert_cmpuint(decrypted->signatures->len, ==, 0);
	g_clear_pointer(&decrypted, pgl_pgp_decrypted_free);

	/* more hidden recipients than are ever tried: refused before any public-key operation */
	{
		static const guint8 zero[8] = {0};
		g_autoptr(GByteArray) flood = g_byte_array_new();
		g_autoptr(GBytes) flooded = NULL;

		for (guint i = 0; i < 2001; i++)
			append_pkesk(flood, TRUE, zero, 18);
		g_byte_array_append(flood, g_bytes_get_data(encrypted, NULL),
				    g_bytes_get_size(encrypted));
		flooded = g_byte_array_free_to_bytes(g_steal_pointer(&flood));
		decrypted = pgl_pgp_decrypt(keyring, flooded, NULL, 0, &error);
		g_assert_null(decrypted);
		g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_LIMIT);
		g_clear_error(&error);
	}
	g_clear_pointer(&encrypted, g_bytes_unref);

	/* hidden, not to the list: no key opens it */
	{
		const gchar *others[] = {person_get("alice")->fingerprint, NULL};
		g_autoptr(GBytes) not_ours = pgl_pgp_encrypt(keyring, NULL, others, text,
							     PGL_PGP_ENCRYPT_HIDE_RECIPIENTS,
							     &error);

		g_assert_no_error(error);
		decrypted = pgl_pgp_decrypt(keyring, not_ours, NULL, 0, &error);
		g_assert_null(decrypted);
		g_assert_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_KEY);
	}
}

static void
test_encrypt_errors(void)
{
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", "erin", "grace", "ivan", NULL);
	g_autoptr(GBytes) text = bytes_from_string("x");
	static const struct {
		const gchar *signer; /* "list", "alice" or NULL */
		const gchar *recipient;
		gint code;
	} cases[] = {
		{NULL, "bob", PGL_PGP_ERROR_NO_KEY},
		{NULL, "erin", PGL_PGP_ERROR_NOT_USABLE},
		{NULL, "grace", PGL_PGP_ERROR_NOT_USABLE},
		{NULL, "ivan", PGL_PGP_ERROR_NOT_USABLE},
		{"alice", "alice", PGL_PGP_ERROR_NO_KEY},
		{"list", "grace", PGL_PGP_ERROR_NOT_USABLE},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const gchar *recipients[] = {person_get(cases[i].recipient)->fingerprint, NULL};
		const gchar *signer = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) encrypted = NULL;

		if (g_strcmp0(cases[i].signer, "list") == 0)
			signer = list_get()->fingerprint;
		else if (cases[i].signer != NULL)
			signer = person_get(cases[i].signer)->fingerprint;
		encrypted = pgl_pgp_encrypt(keyring, signer, recipients, text,
					    PGL_PGP_ENCRYPT_ARMOR, &error);
		g_assert_null(encrypted);
		if (!g_error_matches(error, PGL_PGP_ERROR, cases[i].code))
			g_error("case %" G_GSIZE_FORMAT ": got %s, want code %d", i,
				error->message, cases[i].code);
	}
}

/* ---- replay digest -------------------------------------------------------------------- */

static guint32
crc24(const guint8 *data, gsize len)
{
	guint32 crc = 0xb704ce;

	for (gsize i = 0; i < len; i++) {
		crc ^= (guint32)data[i] << 16;
		for (gint bit = 0; bit < 8; bit++) {
			crc <<= 1;
			if (crc & 0x1000000)
				crc ^= 0x1864cfb;
		}
	}
	return crc & 0xffffff;
}

/* Armors @binary differently from RNP and gpg: other headers, 40-column lines. */
static GBytes *
rearmor(GBytes *binary)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(binary, &len);
	g_autofree gchar *base64 = g_base64_encode(data, len);
	guint32 crc = crc24(data, len);
	guint8 crc_bytes[3] = {(guint8)(crc >> 16), (guint8)(crc >> 8), (guint8)crc};
	g_autofree gchar *crc64 = g_base64_encode(crc_bytes, 3);
	GString *out = g_string_new("-----BEGIN PGP SIGNATURE-----\r\nComment: re-armored by a "
				    "test\r\nVersion: none\r\n\r\n");

	for (gsize i = 0; i < strlen(base64); i += 40) {
		g_string_append_len(out, base64 + i, MIN(40, strlen(base64) - i));
		g_string_append(out, "\r\n");
	}
	g_string_append_printf(out, "=%s\r\n-----END PGP SIGNATURE-----\r\n", crc64);
	return g_string_free_to_bytes(out);
}

/* Rewrites the one signature packet of @binary: its unhashed subpackets become @unhashed. */
static GBytes *
replace_unhashed(GBytes *binary, const guint8 *unhashed, gsize unhashed_len)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(binary, &len);
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) body = g_byte_array_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	PglPgpPacketHeader header;
	const guint8 *old;
	gsize hashed_len = 0;
	gsize old_unhashed;
	guint8 bytes[6];

	g_assert_true(pgl_pgp_packet_read_header(data, len, 0, &header, &error));
	g_assert_cmpuint(header.tag, ==, PGL_PGP_TAG_SIGNATURE);
	old = data + header.header_len;
	g_assert_true(pgl_pgp_packet_signature_hashed_part(old, header.body_len, &hashed_len,
							   &error));
	old_unhashed = (gsize)old[hashed_len] << 8 | old[hashed_len + 1];
	g_byte_array_append(body, old, hashed_len);
	bytes[0] = (guint8)(unhashed_len >> 8);
	bytes[1] = (guint8)unhashed_len;
	g_byte_array_append(body, bytes, 2);
	g_byte_array_append(body, unhashed, unhashed_len);
	g_byte_array_append(body, old + hashed_len + 2 + old_unhashed,
			    header.body_len - hashed_len - 2 - old_unhashed);
	/* new-format header with a five-byte length, whatever the original used */
	bytes[0] = 0xc2;
	bytes[1] = 0xff;
	bytes[2] = (guint8)(body->len >> 24);
	bytes[3] = (guint8)(body->len >> 16);
	bytes[4] = (guint8)(body->len >> 8);
	bytes[5] = (guint8)body->len;
	g_byte_array_append(out, bytes, 6);
	g_byte_array_append(out, body->data, body->len);
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* The replay digest of the one good signature; @keep holds the results alive. */
static const gchar *
digest_of(PglPgpKeyring *keyring, GBytes *data, GBytes *signature, GPtrArray *keep)
{
	g_autoptr(GError) error = NULL;
	GPtrArray *signatures = pgl_pgp_verify_detached(keyring, data, signature, NULL, &error);
	PglPgpSignature *result;

	g_assert_no_error(error);
	g_ptr_array_add(keep, signatures);
	result = single_signature(signatures);
	assert_verdict(result, PGL_PGP_VERDICT_GOOD);
	g_assert_nonnull(result->replay_digest);
	return result->replay_digest;
}

static void
test_replay_digest(void)
{
	Person *alice = person_get("alice");
	Person *carol = person_get("carol");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", "carol", NULL);
	g_autoptr(GBytes) data = bytes_from_string("A post that someone may replay.\r\n");
	g_autoptr(GBytes) other_data = bytes_from_string("Another post.\r\n");
	gint64 now = now_seconds();
	g_autoptr(GBytes) armored = person_sign(alice, data, now - 60);
	g_autoptr(GBytes) later = person_sign(alice, data, now - 30);
	g_autoptr(GBytes) by_carol = person_sign(carol, data, now - 60);
	g_autoptr(GBytes) noted = pgl_test_gpg_sign_detached(
		alice->gpg, alice->fingerprint, data, now - 60,
		"--sig-notation=replay@example.org=1", NULL);
	g_autoptr(GBytes) other = person_sign(alice, other_data, now - 60);
	g_autoptr(PglTestGpgResult) dearmored = pgl_test_gpg_run(alice->gpg, armored, "--dearmor",
								 NULL);
	g_autoptr(GBytes) rearmored = NULL;
	g_autoptr(GBytes) no_unhashed = NULL;
	g_autoptr(GBytes) extra_unhashed = NULL;
	g_autoptr(GBytes) extra_armored = NULL;
	/* an issuer key ID subpacket and a private-use (110) one, both non-critical */
	guint8 extra[10 + 6] = {9, 16, 0, 0, 0, 0, 0, 0, 0, 0, 5, 110, 't', 'e', 's', 't'};
	g_autoptr(GPtrArray) keep =
		g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	const gchar *reference;
	gsize fpr_len = strlen(alice->fingerprint);

	pgl_test_gpg_assert_ok(dearmored);
	for (gint i = 0; i < 8; i++) {
		gint high = g_ascii_xdigit_value(alice->fingerprint[fpr_len - 16 + 2 * i]);
		gint low = g_ascii_xdigit_value(alice->fingerprint[fpr_len - 16 + 2 * i + 1]);

		extra[2 + i] = (guint8)(high << 4 | low);
	}
	rearmored = rearmor(dearmored->out);
	no_unhashed = replace_unhashed(dearmored->out, NULL, 0);
	extra_unhashed = replace_unhashed(dearmored->out, extra, sizeof(extra));
	extra_armored = rearmor(extra_unhashed);
	g_assert_false(g_bytes_equal(no_unhashed, dearmored->out));

	reference = digest_of(keyring, data, armored, keep);
	/* the same signature, however transported: the same digest */
	g_assert_cmpstr(digest_of(keyring, data, dearmored->out, keep), ==, reference);
	g_assert_cmpstr(digest_of(keyring, data, rearmored, keep), ==, reference);
	g_assert_cmpstr(digest_of(keyring, data, no_unhashed, keep), ==, reference);
	g_assert_cmpstr(digest_of(keyring, data, extra_unhashed, keep), ==, reference);
	g_assert_cmpstr(digest_of(keyring, data, extra_armored, keep), ==, reference);
	/* different signatures of the same content: different digests */
	g_assert_cmpstr(digest_of(keyring, data, later, keep), !=, reference);
	g_assert_cmpstr(digest_of(keyring, data, by_carol, keep), !=, reference);
	g_assert_cmpstr(digest_of(keyring, data, noted, keep), !=, reference);
	/* and a signature of other content */
	g_assert_cmpstr(digest_of(keyring, other_data, other, keep), !=, reference);
}

static void
test_replay_digest_encrypted(void)
{
	Person *alice = person_get("alice");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GBytes) text = bytes_from_string("Signed and encrypted twice.\r\n");
	g_autoptr(PglTestGpgResult) first = NULL;
	g_autoptr(PglTestGpgResult) second = NULL;
	g_autoptr(PglPgpDecrypted) one = NULL;
	g_autoptr(PglPgpDecrypted) again = NULL;
	g_autoptr(PglPgpDecrypted) other = NULL;
	g_autoptr(GError) error = NULL;

	person_import_list_key(alice);
	/* two signatures of the same text, maybe in the same second: a notation tells them apart */
	first = pgl_test_gpg_run(alice->gpg, text, "--sign", "--encrypt", "-r",
				 list_get()->fingerprint, NULL);
	second = pgl_test_gpg_run(alice->gpg, text, "--sig-notation", "n@example.org=2", "--sign",
				  "--encrypt", "-r", list_get()->fingerprint, NULL);
	pgl_test_gpg_assert_ok(first);
	pgl_test_gpg_assert_ok(second);
	one = pgl_pgp_decrypt(keyring, first->out, NULL, 0, &error);
	g_assert_no_error(error);
	/* the same message decrypted twice (a replay): the same digest */
	again = pgl_pgp_decrypt(keyring, first->out, NULL, 0, &error);
	g_assert_no_error(error);
	other = pgl_pgp_decrypt(keyring, second->out, NULL, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(single_signature(one->signatures)->replay_digest, ==,
			single_signature(again->signatures)->replay_digest);
	g_assert_cmpstr(single_signature(one->signatures)->replay_digest, !=,
			single_signature(other->signatures)->replay_digest);
}

static void
test_verdict_names(void)
{
	g_assert_cmpstr(pgl_pgp_verdict_to_string(PGL_PGP_VERDICT_GOOD), ==, "good");
	g_assert_cmpstr(pgl_pgp_verdict_to_string(PGL_PGP_VERDICT_UNKNOWN_KEY), ==,
			"unknown-key");
	g_assert_cmpstr(pgl_pgp_verdict_to_string(PGL_PGP_VERDICT_BAD), ==, "bad");
	g_assert_cmpstr(pgl_pgp_verdict_to_string(PGL_PGP_VERDICT_EXPIRED_KEY), ==, "expired-key");
	g_assert_cmpstr(pgl_pgp_verdict_to_string(PGL_PGP_VERDICT_REVOKED), ==, "revoked");
	g_assert_cmpstr(pgl_pgp_verdict_to_string(PGL_PGP_VERDICT_TOO_OLD), ==, "too-old");
	g_assert_cmpstr(pgl_pgp_verdict_to_string(PGL_PGP_VERDICT_EXPIRED_SIGNATURE), ==,
			"expired-signature");
}

/* ---- timings (-m perf) ---------------------------------------------------------------- */

static gint
compare_doubles(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a;
	gdouble y = *(const gdouble *)b;

	return x < y ? -1 : x > y;
}

static gdouble
median(GArray *samples)
{
	g_array_sort(samples, compare_doubles);
	return g_array_index(samples, gdouble, samples->len / 2);
}

static void
test_perf_timings(void)
{
	Person *alice = person_get("alice");
	g_autoptr(PglPgpKeyring) keyring = list_keyring("alice", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) text = g_string_new(NULL);
	g_autoptr(GBytes) message = NULL;
	g_autoptr(GBytes) signature = NULL;
	g_autoptr(GBytes) list_signature = NULL;
	g_autoptr(GBytes) to_list = NULL;
	g_autoptr(GPtrArray) fingerprints = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) samples = g_array_new(FALSE, FALSE, sizeof(gdouble));
	const gchar *list_only[] = {list_get()->fingerprint, NULL};
	gint64 start;
	guint n_keys = 1000;

	if (!g_test_perf()) {
		g_test_skip("timings only with -m perf");
		return;
	}
	while (text->len < 10 * 1024)
		g_string_append(text, "The quick brown fox jumps over the lazy dog. 012345\r\n");
	message = g_bytes_new(text->str, text->len);
	signature = person_sign(alice, message, 0);

#define MEASURE(label, count, body)                                                             \
	G_STMT_START                                                                            \
	{                                                                                       \
		g_array_set_size(samples, 0);                                                   \
		for (guint iteration = 0; iteration < (count); iteration++) {                   \
			gint64 t0 = g_get_monotonic_time();                                     \
			body;                                                                   \
			gdouble ms = (g_get_monotonic_time() - t0) / 1000.0;                    \
			g_array_append_val(samples, ms);                                        \
		}                                                                               \
		g_test_message("%-48s median %8.3f ms (n=%u)", label, median(samples),          \
			       (guint)(count));                                                 \
	}                                                                                       \
	G_STMT_END

	MEASURE("verify detached (ed25519, 10 KB)", 200, {
		g_autoptr(GPtrArray) s = pgl_pgp_verify_detached(keyring, message, signature,
								 NULL, &error);
		g_assert_no_error(error);
		g_assert_nonnull(s);
	});
	MEASURE("sign detached (list ed25519, 10 KB)", 200, {
		g_autoptr(GBytes) s = pgl_pgp_sign_detached(keyring, list_get()->fingerprint,
							    message, TRUE, &error);
		g_assert_no_error(error);
		if (list_signature == NULL)
			list_signature = g_bytes_ref(s);
	});
	to_list = pgl_pgp_encrypt(keyring, NULL, list_only, message, PGL_PGP_ENCRYPT_ARMOR, &error);
	g_assert_no_error(error);
	MEASURE("decrypt (to the list, 10 KB)", 200, {
		g_autoptr(PglPgpDecrypted) d = pgl_pgp_decrypt(keyring, to_list, NULL, 0, &error);
		g_assert_no_error(error);
		g_assert_nonnull(d);
	});
	MEASURE("encrypt+sign to 1 (10 KB)", 200, {
		g_autoptr(GBytes) e = pgl_pgp_encrypt(keyring, list_get()->fingerprint, list_only,
						      message, PGL_PGP_ENCRYPT_ARMOR, &error);
		g_assert_no_error(error);
		g_assert_nonnull(e);
	});

	start = g_get_monotonic_time();
	for (guint i = 0; i < n_keys; i++) {
		g_autofree gchar *address = g_strdup_printf("member%u@example.org", i);
		g_autoptr(PglPgpKeyPair) pair = pgl_pgp_key_generate(
			NULL, address, NULL, PGL_PGP_KEY_ALGORITHM_ED25519, NULL, &error);

		g_assert_no_error(error);
		pgl_pgp_keyring_add_public(keyring, pair->public_key, &error);
		g_assert_no_error(error);
		g_ptr_array_add(fingerprints, g_strdup(pair->fingerprint));
	}
	g_test_message("generate+import %u ed25519 keys: %.1f ms", n_keys,
		       (g_get_monotonic_time() - start) / 1000.0);
	g_ptr_array_add(fingerprints, NULL);
	MEASURE("encrypt+sign to 1000 (10 KB)", 5, {
		g_autoptr(GBytes) e = pgl_pgp_encrypt(
			keyring, list_get()->fingerprint, (const gchar *const *)fingerprints->pdata,
			message, PGL_PGP_ENCRYPT_ARMOR, &error);
		g_assert_no_error(error);
		g_assert_nonnull(e);
	});
	MEASURE("encrypt+sign to 1000, hidden (10 KB)", 5, {
		g_autoptr(GBytes) e = pgl_pgp_encrypt(
			keyring, list_get()->fingerprint, (const gchar *const *)fingerprints->pdata,
			message, PGL_PGP_ENCRYPT_ARMOR | PGL_PGP_ENCRYPT_HIDE_RECIPIENTS, &error);
		g_assert_no_error(error);
		g_assert_nonnull(e);
	});
	/* the worst case for a reader of hidden recipients: its PKESK is the last of 1001 */
	{
		g_autoptr(GBytes) hidden = NULL;

		fingerprints->pdata[n_keys] = g_strdup(list_get()->fingerprint);
		g_ptr_array_add(fingerprints, NULL);
		hidden = pgl_pgp_encrypt(keyring, NULL, (const gchar *const *)fingerprints->pdata,
					 message, PGL_PGP_ENCRYPT_HIDE_RECIPIENTS, &error);
		g_assert_no_error(error);
		MEASURE("decrypt hidden, ours last of 1001", 3, {
			g_autoptr(PglPgpDecrypted) d = pgl_pgp_decrypt(keyring, hidden, NULL, 0,
								       &error);
			g_assert_no_error(error);
			g_assert_true(d->hidden_recipient);
		});
	}
#undef MEASURE
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

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int status;

	g_test_init(&argc, &argv, NULL);
	g_unsetenv("DISPLAY");
	g_unsetenv("GPG_TTY");
	/* short: gpg-agent's socket path must stay under 108 bytes */
	test_root = g_dir_make_tmp("pgl-pgp-XXXXXX", &error);
	g_assert_no_error(error);
	people = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)person_free);

	g_test_add_func("/pgp/packet/headers", test_packet_headers);
	g_test_add_func("/pgp/packet/pkesks", test_packet_pkesks);
	g_test_add_func("/pgp/packet/pkesks-malformed", test_packet_pkesks_malformed);
	g_test_add_func("/pgp/packet/signature-hashed-part", test_packet_signature_hashed_part);
	g_test_add_func("/pgp/secret/bytes", test_secret_bytes);
	g_test_add_func("/pgp/verdict/names", test_verdict_names);
	g_test_add_func("/pgp/keygen/ed25519", test_keygen_ed25519);
	g_test_add_func("/pgp/keygen/passphrase", test_keygen_passphrase);
	g_test_add_data_func("/pgp/keygen/rsa3072", GINT_TO_POINTER(PGL_PGP_KEY_ALGORITHM_RSA3072),
			     test_keygen_rsa);
	g_test_add_data_func("/pgp/keygen/rsa4096", GINT_TO_POINTER(PGL_PGP_KEY_ALGORITHM_RSA4096),
			     test_keygen_rsa);
	g_test_add_func("/pgp/keygen/bad-user-id", test_keygen_bad_user_id);
	g_test_add_func("/pgp/keygen/algorithm-names", test_key_algorithm_names);
	g_test_add_data_func("/pgp/key/inspect/ed25519", "alice", test_key_inspect_gpg);
	g_test_add_data_func("/pgp/key/inspect/rsa2048", "bob", test_key_inspect_gpg);
	g_test_add_func("/pgp/key/validate/refused", test_key_validate_refused);
	g_test_add_func("/pgp/key/states", test_key_states);
	g_test_add_func("/pgp/key/revocation", test_key_revocation);
	g_test_add_func("/pgp/key/guess-contents", test_key_guess_contents);
	g_test_add_func("/pgp/key/corpus", test_key_corpus);
	g_test_add_func("/pgp/key/corpus-revocation", test_key_corpus_revocation);
	g_test_add_func("/pgp/key/corpus-broken-utf8", test_key_corpus_broken_utf8);
	g_test_add_func("/pgp/keyring/basics", test_keyring_basics);
	g_test_add_func("/pgp/keyring/corpus-secret", test_keyring_corpus_secret);
	g_test_add_func("/pgp/verify/good", test_verify_good);
	g_test_add_func("/pgp/verify/unknown-key", test_verify_unknown_key);
	g_test_add_func("/pgp/verify/bad", test_verify_bad);
	g_test_add_func("/pgp/verify/expired-key", test_verify_expired_key);
	g_test_add_func("/pgp/verify/revoked-key", test_verify_revoked_key);
	g_test_add_func("/pgp/verify/revoked-subkey", test_verify_revoked_subkey);
	g_test_add_func("/pgp/verify/too-old", test_verify_too_old);
	g_test_add_func("/pgp/verify/several", test_verify_several);
	g_test_add_func("/pgp/verify/detached-errors", test_verify_detached_errors);
	g_test_add_func("/pgp/verify/inline", test_verify_inline);
	g_test_add_func("/pgp/sign/gpg-verifies", test_sign_gpg_verifies);
	g_test_add_func("/pgp/sign/errors", test_sign_errors);
	g_test_add_func("/pgp/decrypt/gpg-signed-encrypted", test_decrypt_gpg_signed_encrypted);
	g_test_add_func("/pgp/decrypt/gpg-hidden", test_decrypt_gpg_hidden);
	g_test_add_func("/pgp/decrypt/errors", test_decrypt_errors);
	g_test_add_func("/pgp/decrypt/hidden-engine", test_decrypt_hidden_engine);
	g_test_add_func("/pgp/encrypt/three-recipients", test_encrypt_three_recipients);
	g_test_add_func("/pgp/encrypt/hidden", test_encrypt_hidden);
	g_test_add_func("/pgp/encrypt/errors", test_encrypt_errors);
	g_test_add_func("/pgp/replay-digest/detached", test_replay_digest);
	g_test_add_func("/pgp/replay-digest/encrypted", test_replay_digest_encrypted);
	g_test_add_func("/pgp/perf/timings", test_perf_timings);

	status = g_test_run();

	g_clear_pointer(&people, g_hash_table_unref);
	g_clear_pointer(&list_pair, pgl_pgp_key_pair_free);
	remove_tree(test_root);
	g_free(test_root);
	return status;
}
