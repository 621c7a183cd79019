/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PGP lists end to end: the real `pgplist serve` (LMTP in, the SMTP sink out) with GnuPG
 * playing every subscriber, one GNUPGHOME each (pgl-test-gpg.h). A post is written the way a
 * subscriber's client writes it (RFC 3156: signed and encrypted at once, §6.2, or a
 * multipart/signed made with `gpg --detach-sign` and then encrypted, §6.1), sent over LMTP,
 * and what the daemon hands to its relay is opened with each person's gpg: every copy must
 * decrypt for its recipient and nobody else, carry the real Subject and the footer only inside
 * the encryption, and be signed by the list key inside it. Refusals and holds are checked by
 * what the daemon logs ("action=... rule=..."), by the notice the poster gets, and by who got
 * nothing. After each test the spool and the database (with its WAL) are searched for a marker
 * that only the post's plaintext carries: it must never be there.
 *
 * Each test makes its own list, keys and daemon, and runs in a child process of its own
 * (run_isolated()): a failed assertion kills that child and its daemon and prints the daemon's
 * log (pgl-test-daemon.h), fails that test, and the others still run. The binary is found
 * through $PGLIST_BINARY (set by meson).
 */
#include <gio/gio.h>
#include <gmime/gmime.h>
#include <string.h>

#include "core/pgl-context.h"
#include "core/pgl-list.h"
#include "mail/pgl-mail-autoptr.h"
#include "store/pgl-store.h"
#include "support/pgl-smtp-sink.h"
#include "support/pgl-test-daemon.h"
#include "support/pgl-test-gpg.h"

#define LIST          "team@lists.example.org"
#define LIST_OWNER    "team-owner@lists.example.org"
#define LIST_BOUNCES  "team-bounces@lists.example.org"
#define PREFIX        "[Team] "
#define OWNER         "owner@example.com"
#define FOOTER        "To unsubscribe send an email to"
#define OUTER_SUBJECT "[...]"

/* how long a test waits for mail that should come (it comes within a second or two) */
#define WAIT_MS 15000

/* Everyone a test may need, in this order; the outsider is on no list. */
typedef enum {
	ALICE,
	BOB,
	CAROL,
	DAVE,
	OUTSIDER,
	N_PEOPLE,
} Person;

static const struct {
	const gchar *name;
	const gchar *address;
} people[N_PEOPLE] = {
	[ALICE] = {"Alice", "alice@example.com"},
	[BOB] = {"Bob", "bob@example.com"},
	[CAROL] = {"Carol", "carol@example.com"},
	[DAVE] = {"Dave", "dave@example.com"},
	[OUTSIDER] = {"Zed", "zed@outside.example"},
};

#define BIT(person) (1u << (person))
/* the usual roster: three members with confirmed keys */
#define THREE (BIT(ALICE) | BIT(BOB) | BIT(CAROL))

/* ---- fixture --------------------------------------------------------------------------------- */

typedef struct {
	PglTestDaemon daemon;
	PglTestGpg *gpg[N_PEOPLE]; /* (owned) one home each */
	gchar *fpr[N_PEOPLE];      /* (owned) (nullable) their keys' fingerprints */
	gchar *list_fpr;           /* (owned) */
	gchar *marker;             /* (owned) only the plaintext of this test's posts has it */
	guint n_posts;
} Fixture;

static void
fixture_set_up(Fixture *f)
{
	g_autoptr(GError) error = NULL;

	pgl_test_daemon_init(&f->daemon, NULL, PGL_TEST_DAEMON_FLAG_NONE, &error);
	g_assert_no_error(error);
	f->marker = g_strdup_printf("PLAINTEXT-MARKER-%08x%08x", g_random_int(), g_random_int());
}

static void
fixture_tear_down(Fixture *f)
{
	/* the homes are inside the daemon's directory: stop their agents first */
	for (guint i = 0; i < N_PEOPLE; i++) {
		g_clear_pointer(&f->gpg[i], pgl_test_gpg_free);
		g_clear_pointer(&f->fpr[i], g_free);
	}
	pgl_test_daemon_clear(&f->daemon);
	g_clear_pointer(&f->list_fpr, g_free);
	g_clear_pointer(&f->marker, g_free);
}

static void note(const gchar *format, ...) G_GNUC_PRINTF(1, 2);

/* A diagnostic line (the test runs in a child process whose messages the parent passes on,
 * see run_isolated()). */
static void
note(const gchar *format, ...)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	va_list ap;

	va_start(ap, format);
	text = g_strdup_vprintf(format, ap);
	va_end(ap);
	/* one message per line: the parent passes on only whole "# " lines */
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++)
		if (lines[i][0] != '\0')
			g_test_message("%s", lines[i]);
}

/* ---- bytes ----------------------------------------------------------------------------------- */

static gboolean
bytes_contain(GBytes *bytes, const gchar *needle)
{
	gsize size = 0;
	const gchar *data = bytes != NULL ? g_bytes_get_data(bytes, &size) : NULL;

	return data != NULL && memmem(data, size, needle, strlen(needle)) != NULL;
}

/* @data with CRLF turned into LF, as a string */
static gchar *
to_lf(const gchar *data, gsize size)
{
	GString *out = g_string_sized_new(size);

	for (gsize i = 0; i < size; i++) {
		if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')
			continue;
		g_string_append_c(out, data[i]);
	}
	return g_string_free(out, FALSE);
}

/* LF text in canonical form (CRLF), as RFC 3156 §5 signs it */
static GBytes *
to_crlf(const gchar *data, gsize size)
{
	GString *out = g_string_sized_new(size + size / 16);

	for (gsize i = 0; i < size; i++) {
		if (data[i] == '\n')
			g_string_append_c(out, '\r');
		g_string_append_c(out, data[i]);
	}
	return g_string_free_to_bytes(out);
}

/* The armored block "-----BEGIN PGP KIND-----" ... "-----END PGP KIND-----" in @data. */
static GBytes *
armored_block(GBytes *data, const gchar *kind)
{
	g_autofree gchar *begin = g_strdup_printf("-----BEGIN PGP %s-----", kind);
	g_autofree gchar *end = g_strdup_printf("-----END PGP %s-----", kind);
	gsize size = 0;
	const gchar *text = g_bytes_get_data(data, &size);
	const gchar *start = memmem(text, size, begin, strlen(begin));
	const gchar *stop =
		start != NULL ? memmem(start, size - (start - text), end, strlen(end)) : NULL;

	if (start == NULL || stop == NULL) {
		note("no armored %s block in %" G_GSIZE_FORMAT " bytes", kind, size);
		g_assert_nonnull(start);
		g_assert_nonnull(stop);
	}
	return g_bytes_new(start, (stop - start) + strlen(end));
}

/* Splits the multipart/signed with @boundary in @text (LF line ends) into what its signature
 * covers (the first part, from the line after the first delimiter to the line break before the
 * next, RFC 2046 §5.1.1), in canonical CRLF form (RFC 3156 §5), and the armored signature. */
static void
split_signed(const gchar *text, const gchar *boundary, GBytes **signed_out, GBytes **signature_out)
{
	g_autofree gchar *delimiter = g_strdup_printf("\n--%s\n", boundary);
	const gchar *first = strstr(text, delimiter);
	const gchar *start = first != NULL ? first + strlen(delimiter) : NULL;
	const gchar *second = start != NULL ? strstr(start, delimiter) : NULL;
	const gchar *sig_begin =
		second != NULL ? strstr(second, "-----BEGIN PGP SIGNATURE-----") : NULL;
	const gchar *sig_end =
		sig_begin != NULL ? strstr(sig_begin, "-----END PGP SIGNATURE-----") : NULL;

	if (second == NULL || sig_end == NULL) {
		note("no multipart/signed with boundary \"%s\" and a signature in \"%s\"", boundary,
		     text);
		g_assert_nonnull(second);
		g_assert_nonnull(sig_end);
	}
	*signed_out = to_crlf(start, second - start);
	*signature_out = g_bytes_new(sig_begin,
				     (sig_end - sig_begin) + strlen("-----END PGP SIGNATURE-----"));
}

/* ---- MIME ------------------------------------------------------------------------------------ */

static GMimeMessage *
parse_message(GBytes *bytes)
{
	gsize size = 0;
	const gchar *data = g_bytes_get_data(bytes, &size);
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer(data, size);
	g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *message = g_mime_parser_construct_message(parser, NULL);

	if (message == NULL) {
		note("cannot parse %" G_GSIZE_FORMAT " bytes as a message", size);
		g_assert_nonnull(message);
	}
	return message;
}

static void
append_text(GMimeObject *object, GString *out)
{
	if (GMIME_IS_MULTIPART(object)) {
		gint n = g_mime_multipart_get_count(GMIME_MULTIPART(object));

		for (gint i = 0; i < n; i++)
			append_text(g_mime_multipart_get_part(GMIME_MULTIPART(object), i), out);
	} else if (GMIME_IS_MESSAGE_PART(object)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));

		if (inner != NULL && g_mime_message_get_mime_part(inner) != NULL)
			append_text(g_mime_message_get_mime_part(inner), out);
	} else if (GMIME_IS_TEXT_PART(object)) {
		g_autofree gchar *text = g_mime_text_part_get_text(GMIME_TEXT_PART(object));

		if (text != NULL)
			g_string_append(out, text);
		g_string_append_c(out, '\n');
	}
}

/* Decrypted content (a MIME entity with the protected header fields): its Subject and the
 * decoded text of every text part, attached messages included. */
typedef struct {
	gchar *subject; /* (owned) (nullable) */
	gchar *text;    /* (owned) */
} Content;

static void
content_free(Content *content)
{
	if (content == NULL)
		return;
	g_free(content->subject);
	g_free(content->text);
	g_free(content);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Content, content_free)

static Content *
content_of(GBytes *entity)
{
	g_autoptr(GMimeMessage) message = parse_message(entity);
	g_autoptr(GString) text = g_string_new(NULL);
	Content *content = g_new0(Content, 1);
	const gchar *subject = g_mime_message_get_subject(message);

	if (g_mime_message_get_mime_part(message) != NULL)
		append_text(g_mime_message_get_mime_part(message), text);
	content->subject = g_strdup(subject);
	content->text = g_string_free(g_steal_pointer(&text), FALSE);
	return content;
}

static void
assert_content_type(PglTestReceived *received, const gchar *type, const gchar *subtype)
{
	GMimeObject *top = received->mime ? g_mime_message_get_mime_part(received->mime) : NULL;
	GMimeContentType *content_type = top ? g_mime_object_get_content_type(top) : NULL;
	const gchar *got_type =
		content_type ? g_mime_content_type_get_media_type(content_type) : "";
	const gchar *got_subtype =
		content_type ? g_mime_content_type_get_media_subtype(content_type) : "";

	if (content_type == NULL || !g_mime_content_type_is_type(content_type, type, subtype)) {
		note("Content-Type: got %s/%s, want %s/%s", got_type, got_subtype, type, subtype);
		g_assert_true(content_type != NULL &&
			      g_mime_content_type_is_type(content_type, type, subtype));
	}
}

static const gchar *
boundary_of(PglTestReceived *received)
{
	GMimeObject *top = g_mime_message_get_mime_part(received->mime);
	const gchar *boundary = g_mime_object_get_content_type_parameter(top, "boundary");

	g_assert_nonnull(boundary);
	return boundary;
}

/* ---- the list -------------------------------------------------------------------------------- */

/* "List key: FPR" from `create --style pgp-*`. */
static gchar *
created_fingerprint(const gchar *out)
{
	const gchar *line = strstr(out, "List key: ");
	g_autofree gchar *rest = NULL;

	PGL_TEST_ASSERT_CONTAINS(out, "List key: ");
	rest = g_strdup(line + strlen("List key: "));
	g_strchomp(rest);
	PGL_TEST_ASSERT_UINT(strlen(rest), 40);
	return g_steal_pointer(&rest);
}

/* Gives @who a key pair in their home; returns the fingerprint. */
static gchar *
generate_key(Fixture *f, Person who)
{
	g_autofree gchar *user_id =
		g_strdup_printf("%s <%s>", people[who].name, people[who].address);

	return pgl_test_gpg_generate(f->gpg[who], user_id, "future-default", "default", "never", 0);
}

/* `pgplist key set ADDRESS FILE --confirmed` with @who's public key as their gpg exports it. */
static void
key_set_confirmed(Fixture *f, Person who)
{
	g_autoptr(GBytes) exported = pgl_test_gpg_export(f->gpg[who], f->fpr[who], FALSE);
	g_autofree gchar *name = g_strdup_printf("%s.asc", people[who].name);
	g_autofree gchar *path =
		pgl_test_daemon_write_file(&f->daemon, name, g_bytes_get_data(exported, NULL));
	g_autofree gchar *out = pgl_test_daemon_cli_ok(
		&f->daemon, NULL, "key", "set", people[who].address, path, "--confirmed", NULL);

	PGL_TEST_ASSERT_CONTAINS(out, f->fpr[who]);
	PGL_TEST_ASSERT_CONTAINS(out, "(confirmed)");
}

/* Makes LIST (pgp-discussion, OWNER), everyone's gpg home with the list's public key in it,
 * subscribes @members and gives @keyed a key pair bound to their address, confirmed. */
static void
setup_pgp_list(Fixture *f, guint members, guint keyed)
{
	g_autofree gchar *created = NULL;
	g_autofree gchar *exported = NULL;
	g_autoptr(GBytes) list_key = NULL;
	g_autoptr(GString) roster = g_string_new(NULL);

	created = pgl_test_daemon_cli_ok(&f->daemon, NULL, "create", LIST, "--style",
					 "pgp-discussion", "--owner", OWNER, NULL);
	f->list_fpr = created_fingerprint(created);
	exported = pgl_test_daemon_cli_ok(&f->daemon, NULL, "key", "export", LIST, NULL);
	g_assert_true(g_str_has_prefix(exported, "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
	list_key = g_bytes_new(exported, strlen(exported));

	for (guint i = 0; i < N_PEOPLE; i++) {
		f->gpg[i] = pgl_test_gpg_new(f->daemon.dir);
		pgl_test_gpg_import(f->gpg[i], list_key);
		if ((members & BIT(i)) != 0)
			g_string_append_printf(roster, "%s\n", people[i].address);
		if ((keyed & BIT(i)) != 0 || i == OUTSIDER)
			f->fpr[i] = generate_key(f, (Person)i);
	}
	if (roster->len > 0) {
		g_autofree gchar *added = pgl_test_daemon_cli_ok(&f->daemon, roster->str,
								 "addmembers", LIST, "-", NULL);

		PGL_TEST_ASSERT_CONTAINS(added, "Added ");
	}
	for (guint i = 0; i < N_PEOPLE; i++) {
		if ((keyed & BIT(i)) != 0)
			key_set_confirmed(f, (Person)i);
	}
}

static void
listconf(Fixture *f, const gchar *name, const gchar *value)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *now = NULL;
	g_autofree gchar *want = g_strdup_printf("%s\n", value);

	out = pgl_test_daemon_cli_ok(&f->daemon, NULL, "listconf", LIST, name, value, NULL);
	g_assert_nonnull(out);
	now =
		pgl_test_daemon_cli_ok(&f->daemon, NULL, "listconf", LIST, name, NULL);
	PGL_TEST_ASSERT_STR(now, want);
}

/* ---- posts, as a subscriber's client writes them --------------------------------------------- */

typedef enum {
	POST_SIGNED_ENCRYPTED,      /* RFC 3156 §6.2: gpg --sign --encrypt */
	POST_SIGNED_THEN_ENCRYPTED, /* §6.1: a multipart/signed, encrypted */
	POST_ENCRYPTED,             /* encrypted, not signed */
	POST_PLAIN,                 /* neither */
} PostForm;

typedef struct {
	gchar *message_id; /* (owned) without angle brackets */
	gchar *subject;    /* (owned) the real Subject, without the list's prefix */
	gchar *message;    /* (owned) what goes over LMTP */
	gchar *boundary;   /* (owned) (nullable) of the poster's multipart/signed (§6.1) */
} Post;

static void
post_free(Post *post)
{
	if (post == NULL)
		return;
	g_free(post->message_id);
	g_free(post->subject);
	g_free(post->message);
	g_free(post->boundary);
	g_free(post);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Post, post_free)

/* The outer message of a PGP/MIME encrypted post (RFC 3156 §4), Subject hidden. */
static gchar *
wrap_encrypted(const gchar *from, const gchar *message_id, GBytes *armored)
{
	g_autofree gchar *date = pgl_test_daemon_rfc5322_date();
	g_autofree gchar *boundary = g_strdup_printf("enc-%08x", g_random_int());
	g_autofree gchar *ciphertext =
		g_strndup(g_bytes_get_data(armored, NULL), g_bytes_get_size(armored));

	return g_strdup_printf("From: %s\n"
			       "To: %s\n"
			       "Subject: " OUTER_SUBJECT "\n"
			       "Message-ID: <%s>\n"
			       "Date: %s\n"
			       "MIME-Version: 1.0\n"
			       "User-Agent: pgplist-integration-test\n"
			       "Content-Type: multipart/encrypted;\n"
			       " protocol=\"application/pgp-encrypted\";\n"
			       " boundary=\"%s\"\n"
			       "\n"
			       "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\n"
			       "--%s\n"
			       "Content-Type: application/pgp-encrypted\n"
			       "Content-Description: PGP/MIME version identification\n"
			       "\n"
			       "Version: 1\n"
			       "\n"
			       "--%s\n"
			       "Content-Type: application/octet-stream; name=\"encrypted.asc\"\n"
			       "Content-Description: OpenPGP encrypted message\n"
			       "Content-Disposition: inline; filename=\"encrypted.asc\"\n"
			       "\n"
			       "%s\n"
			       "--%s--\n",
			       from, LIST, message_id, date, boundary, boundary, boundary,
			       ciphertext, boundary);
}

/* A post by @who in @form; the body carries the fixture's marker. */
static Post *
make_post_to(Fixture *f, Person who, PostForm form, const gchar *subject, const gchar *to)
{
	g_autoptr(Post) post = g_new0(Post, 1);
	const gchar *from = people[who].address;
	const gchar *list_recipient[] = {f->list_fpr, NULL};
	g_autofree gchar *body = g_strdup_printf("Hello list,\n\npost %u: %s\n\n-- \n%s\n",
						 ++f->n_posts, f->marker, people[who].name);
	g_autofree gchar *headers = NULL;
	g_autofree gchar *entity = NULL;
	g_autoptr(GBytes) plaintext = NULL;
	g_autoptr(GBytes) armored = NULL;

	post->message_id = pgl_test_daemon_new_message_id(&f->daemon);
	post->subject = g_strdup(subject);
	if (form == POST_PLAIN) {
		post->message =
			pgl_test_daemon_make_message(from, LIST, subject, post->message_id, body);
		return g_steal_pointer(&post);
	}
	/* the protected header fields (RFC 9788; protected-headers="v1" as Thunderbird writes
	 * them) in the header block of the entity the signature covers */
	headers = g_strdup_printf("Subject: %s\n"
				  "From: %s <%s>\n"
				  "To: %s\n",
				  subject, people[who].name, from, to);
	if (form == POST_SIGNED_THEN_ENCRYPTED) {
		g_autofree gchar *part = NULL;
		g_autoptr(GBytes) canonical = NULL;
		g_autoptr(GBytes) signature = NULL;
		g_autofree gchar *signature_text = NULL;

		post->boundary = g_strdup_printf("alice-signed-%08x", g_random_int());
		part = g_strdup_printf("Content-Type: text/plain; charset=utf-8;"
				       " protected-headers=\"v1\"\n"
				       "Content-Transfer-Encoding: 7bit\n"
				       "%s"
				       "\n"
				       "%s",
				       headers, body);
		/* what the signature covers: the part without the line break that belongs to the
		 * next delimiter, in CRLF form */
		canonical = to_crlf(part, strlen(part) - 1);
		signature = pgl_test_gpg_sign_detached(f->gpg[who], f->fpr[who], canonical, 0,
						       "--digest-algo", "SHA256", NULL);
		signature_text =
			g_strndup(g_bytes_get_data(signature, NULL), g_bytes_get_size(signature));
		entity = g_strdup_printf(
			"Content-Type: multipart/signed; micalg=pgp-sha256;\n"
			" protocol=\"application/pgp-signature\";\n"
			" boundary=\"%s\"\n"
			"\n"
			"This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\n"
			"--%s\n"
			"%s"
			"--%s\n"
			"Content-Type: application/pgp-signature;"
			" name=\"signature.asc\"\n"
			"Content-Description: OpenPGP digital signature\n"
			"\n"
			"%s"
			"--%s--\n",
			post->boundary, post->boundary, part, post->boundary, signature_text,
			post->boundary);
	} else {
		entity = g_strdup_printf("Content-Type: text/plain; charset=utf-8;"
					 " protected-headers=\"v1\"\n"
					 "Content-Transfer-Encoding: 7bit\n"
					 "%s"
					 "\n"
					 "%s",
					 headers, body);
	}
	/* clients encrypt the MIME entity in canonical form */
	plaintext = to_crlf(entity, strlen(entity));
	armored = pgl_test_gpg_encrypt(f->gpg[who],
				       form == POST_SIGNED_ENCRYPTED ? f->fpr[who] : NULL,
				       list_recipient, plaintext);
	post->message = wrap_encrypted(from, post->message_id, armored);
	return g_steal_pointer(&post);
}

/* A post as @who's client writes it to the list (its signed To: names the list). */
static Post *
make_post(Fixture *f, Person who, PostForm form, const gchar *subject)
{
	return make_post_to(f, who, form, subject, LIST);
}

static void
send_post(Fixture *f, Person who, const Post *post)
{
	guint code =
		pgl_test_daemon_lmtp_send(&f->daemon, people[who].address, LIST, post->message);

	PGL_TEST_ASSERT_UINT(code, 250);
}

/* ---- what the daemon did --------------------------------------------------------------------- */

/* What the sink got, one note per transaction. */
static void
dump_received(Fixture *f)
{
	pgl_test_daemon_collect(&f->daemon);
	for (guint i = 0; i < f->daemon.received->len; i++) {
		PglTestReceived *received = g_ptr_array_index(f->daemon.received, i);
		g_autofree gchar *rcpts = g_strjoinv(",", received->raw->recipients);
		const gchar *message_id = pgl_test_received_message_id(received);
		const gchar *from = pgl_test_received_header(received, "From");

		note("received %u: to=<%s> id=%s from=\"%s\" subject=\"%s\"", i, rcpts,
		     message_id ? message_id : "-", from ? from : "",
		     received->mime ? g_mime_message_get_subject(received->mime) : "");
	}
}

/* The daemon's decision lines about @message_id ("ID: list=LIST ... action=A rule=R ..."), in
 * order, from all its logs. */
static GPtrArray *
decision_lines(Fixture *f, const gchar *message_id)
{
	GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *prefix = g_strdup_printf("%s: list=" LIST " ", message_id);

	for (guint n = 1; n <= f->daemon.n_starts; n++) {
		g_autofree gchar *path = pgl_test_daemon_log_path(&f->daemon, n);
		g_autofree gchar *contents = NULL;
		g_auto(GStrv) lines = NULL;

		if (!g_file_get_contents(path, &contents, NULL, NULL))
			continue;
		lines = g_strsplit(contents, "\n", -1);
		for (guint i = 0; lines[i] != NULL; i++) {
			if (strstr(lines[i], prefix) != NULL && strstr(lines[i], " rule=") != NULL)
				g_ptr_array_add(found, g_strdup(strstr(lines[i], prefix)));
		}
	}
	return found;
}

/* Asserts that the @nth (from 0) decision about @message_id was @action by @rule, with the
 * PGP findings logged; returns the line. */
static gchar *
assert_decision(Fixture *f, const gchar *message_id, guint nth, const gchar *action,
		const gchar *rule)
{
	g_autoptr(GPtrArray) lines = decision_lines(f, message_id);
	g_autofree gchar *want = g_strdup_printf(" action=%s rule=%s ", action, rule);
	const gchar *line;

	if (lines->len <= nth) {
		note("decisions about %s: got %u, want at least %u", message_id, lines->len,
		     nth + 1);
		g_assert_cmpuint(lines->len, >, nth);
	}
	line = g_ptr_array_index(lines, nth);
	note("decision: %s", line);
	PGL_TEST_ASSERT_CONTAINS(line, want);
	PGL_TEST_ASSERT_CONTAINS(line, " pgp=\"");
	return g_strdup(line);
}

/* The notices from the list's -owner address to @address collected so far. */
static GPtrArray *
notices_to(Fixture *f, const gchar *address)
{
	g_autoptr(GPtrArray) to = pgl_test_daemon_messages_to(&f->daemon, address, NULL);
	GPtrArray *found = g_ptr_array_new();

	for (guint i = 0; i < to->len; i++) {
		PglTestReceived *received = g_ptr_array_index(to, i);
		const gchar *from = pgl_test_received_header(received, "From");

		if (from != NULL && strstr(from, LIST_OWNER) != NULL)
			g_ptr_array_add(found, received);
	}
	return found;
}

/* The only notice to @address so far. */
static PglTestReceived *
only_notice_to(Fixture *f, const gchar *address)
{
	g_autoptr(GPtrArray) notices = notices_to(f, address);

	if (notices->len != 1) {
		dump_received(f);
		note("notices to %s: got %u, want 1", address, notices->len);
		g_assert_cmpuint(notices->len, ==, 1);
	}
	return g_ptr_array_index(notices, 0);
}

/* The one copy of @message_id that went to @address. */
static PglTestReceived *
copy_to(Fixture *f, const gchar *message_id, const gchar *address)
{
	g_autoptr(GPtrArray) transactions = pgl_test_daemon_transactions_of(&f->daemon, message_id);
	PglTestReceived *found = NULL;

	for (guint i = 0; i < transactions->len; i++) {
		PglTestReceived *received = g_ptr_array_index(transactions, i);

		if (pgl_test_received_has_recipient(received, address)) {
			g_assert_null(found);
			found = received;
		}
	}
	if (found == NULL) {
		dump_received(f);
		note("no copy of %s to %s", message_id, address);
		g_assert_nonnull(found);
	}
	return found;
}

/* Asserts that every field of @received's header block has a value (RFC 5322 §3.6: an empty
 * Reply-To:, Cc: or Sender: is a syntax error; a placeholder left over from building the
 * message, say). */
static void
assert_no_empty_fields(PglTestReceived *received)
{
	g_autofree gchar *text = to_lf(g_bytes_get_data(received->raw->data, NULL),
				       g_bytes_get_size(received->raw->data));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		const gchar *colon = strchr(lines[i], ':');
		g_autofree gchar *value = NULL;

		if (lines[i][0] == ' ' || lines[i][0] == '\t' || colon == NULL)
			continue;
		value = g_strstrip(g_strdup(colon + 1));
		if (value[0] == '\0' &&
		    (lines[i + 1] == NULL || (lines[i + 1][0] != ' ' && lines[i + 1][0] != '\t'))) {
			note("message to %s: got an empty header field \"%s\", want none",
			     received->raw->recipients[0], lines[i]);
			g_assert_cmpstr(value, !=, "");
		}
	}
}

/* Asserts that the status of a gpg decryption or verification shows a good signature by the
 * list key (VALIDSIG: the signing key, ..., the primary key's fingerprint last). */
static void
assert_list_signature(Fixture *f, const gchar *status)
{
	g_auto(GStrv) valid = pgl_test_gpg_status_args(status, "VALIDSIG");
	const gchar *primary;

	if (valid == NULL || !pgl_test_gpg_has_status(status, "GOODSIG")) {
		note("gpg: got no GOODSIG/VALIDSIG in \"%s\", want a good signature by "
		     "%s",
		     status, f->list_fpr);
		g_assert_nonnull(valid);
		g_assert_true(pgl_test_gpg_has_status(status, "GOODSIG"));
	}
	primary = g_strv_length(valid) >= 10 ? valid[9] : valid[0];
	PGL_TEST_ASSERT_STR(primary, f->list_fpr);
}

/* Decrypts @received (a PGP/MIME encrypted message) with @who's gpg; %NULL if they cannot. */
static GBytes *
decrypt_as(Fixture *f, Person who, PglTestReceived *received, gchar **status_out)
{
	g_autoptr(GBytes) armored = armored_block(received->raw->data, "MESSAGE");

	return pgl_test_gpg_decrypt(f->gpg[who], armored, status_out);
}

/* Asserts that @received is an RFC 3156 encrypted message with the Subject hidden and no
 * plaintext outside, that @who decrypts it and finds it signed by the list; returns what was
 * inside. */
static Content *
open_encrypted(Fixture *f, Person who, PglTestReceived *received, GBytes **plaintext_out)
{
	g_autoptr(GBytes) plaintext = NULL;
	g_autofree gchar *status = NULL;
	GMimeObject *top;

	assert_content_type(received, "multipart", "encrypted");
	assert_no_empty_fields(received);
	top = g_mime_message_get_mime_part(received->mime);
	PGL_TEST_ASSERT_STR(g_mime_object_get_content_type_parameter(top, "protocol"),
			    "application/pgp-encrypted");
	PGL_TEST_ASSERT_STR(g_mime_message_get_subject(received->mime), OUTER_SUBJECT);
	g_assert_false(bytes_contain(received->raw->data, f->marker));
	plaintext = decrypt_as(f, who, received, &status);
	if (plaintext == NULL) {
		note("%s cannot decrypt a message to them: \"%s\"", people[who].address, status);
		g_assert_nonnull(plaintext);
	}
	assert_list_signature(f, status);
	if (plaintext_out != NULL)
		*plaintext_out = g_bytes_ref(plaintext);
	return content_of(plaintext);
}

/* Asserts that @received is a PGP/MIME signed message (RFC 3156 §5) whose signature @who's
 * gpg finds good and made by the list key. */
static void
assert_signed_by_list(Fixture *f, Person who, PglTestReceived *received)
{
	g_autoptr(GBytes) signed_part = NULL;
	g_autoptr(GBytes) signature = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *signer = NULL;
	GMimeObject *top;

	assert_content_type(received, "multipart", "signed");
	assert_no_empty_fields(received);
	top = g_mime_message_get_mime_part(received->mime);
	PGL_TEST_ASSERT_STR(g_mime_object_get_content_type_parameter(top, "protocol"),
			    "application/pgp-signature");
	text = to_lf(g_bytes_get_data(received->raw->data, NULL),
		     g_bytes_get_size(received->raw->data));
	split_signed(text, boundary_of(received), &signed_part, &signature);
	signer = pgl_test_gpg_verify_detached(f->gpg[who], signed_part, signature);
	if (g_strcmp0(signer, f->list_fpr) != 0) {
		/* the list key signs with its primary key (Ed25519, usage SC) */
		note("signature of a message to %s: got signer %s, want %s", people[who].address,
		     signer ? signer : "(none: not good)", f->list_fpr);
		PGL_TEST_ASSERT_STR(signer, f->list_fpr);
	}
}

/* What search_tree() saw. */
typedef struct {
	guint files;       /* files read */
	guint queue_files; /* of them, in the spool's queue directories */
	gboolean saw_db;   /* one of them was an SQLite database */
	GPtrArray *hits;   /* (owned) (element-type utf8) the files that contain the needle */
} Search;

static void
search_clear(Search *search)
{
	g_clear_pointer(&search->hits, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Search, search_clear)

/* Reads every file under @dir (a file that is gone by the time it is read is skipped: the
 * daemon moves messages between queues) and notes which contain @needle. */
static void
search_tree(const gchar *dir, const gchar *needle, gboolean in_queue, Search *search)
{
	g_autoptr(GDir) handle = g_dir_open(dir, 0, NULL);
	const gchar *name;

	if (search->hits == NULL)
		search->hits = g_ptr_array_new_with_free_func(g_free);
	while (handle != NULL && (name = g_dir_read_name(handle)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		g_autofree gchar *contents = NULL;
		gsize size = 0;

		if (g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			continue;
		if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
			search_tree(path, needle, in_queue || g_str_equal(name, "queue"), search);
			continue;
		}
		if (!g_file_get_contents(path, &contents, &size, NULL))
			continue;
		search->files++;
		if (in_queue)
			search->queue_files++;
		if (size >= 16 && memcmp(contents, "SQLite format 3", 16) == 0)
			search->saw_db = TRUE;
		if (memmem(contents, size, needle, strlen(needle)) != NULL)
			g_ptr_array_add(search->hits, g_steal_pointer(&path));
	}
}

/* Asserts that no file of the var dir (the queues, the database and its WAL) holds @needle;
 * returns how many queue files it read. */
static guint
assert_no_plaintext_stored(Fixture *f, const gchar *needle)
{
	g_auto(Search) control = {0};
	g_auto(Search) search = {0};

	/* the search must see the store, and see what it holds in clear (a member's address), or
	 * finding nothing proves nothing */
	search_tree(f->daemon.var_dir, people[ALICE].address, FALSE, &control);
	g_assert_true(control.saw_db);
	g_assert_cmpuint(control.hits->len, >, 0);

	search_tree(f->daemon.var_dir, needle, FALSE, &search);
	note("searched %u files (%u in queues) under %s for \"%s\"", search.files,
	     search.queue_files, f->daemon.var_dir, needle);
	for (guint i = 0; i < search.hits->len; i++)
		note("plaintext found in %s", (const gchar *)g_ptr_array_index(search.hits, i));
	PGL_TEST_ASSERT_UINT(search.hits->len, 0);
	return search.queue_files;
}

/* Whether the daemon process has ended (a zombie until the fixture reaps it). */
static gboolean
daemon_died(Fixture *f)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/stat", f->daemon.pid);
	g_autofree gchar *stat = NULL;
	const gchar *state;

	if (f->daemon.pid <= 0 || !g_file_get_contents(path, &stat, NULL, NULL))
		return TRUE;
	/* "PID (COMM) STATE ...": the state follows the last ')' */
	state = strrchr(stat, ')');
	return state == NULL || state[1] == '\0' || state[2] == 'Z' || state[2] == 'X';
}

/* Waits until the sink has had @total recipient deliveries and the daemon is idle, then
 * asserts that it got exactly that many. */
static void
wait_total(Fixture *f, guint total)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	gboolean died = FALSE;

	/* in slices, so that a daemon that died (a critical is fatal in tests) is seen at once */
	while (!pgl_smtp_sink_wait_for(f->daemon.sink, total, 100)) {
		died = daemon_died(f);
		if (died || g_get_monotonic_time() > deadline)
			break;
	}
	if (pgl_smtp_sink_recipient_count(f->daemon.sink) < total) {
		dump_received(f);
		note("sink: got %u recipient deliveries, want %u; daemon %s (queues in=%u "
		     "pipeline=%u out=%u retry=%u)",
		     pgl_smtp_sink_recipient_count(f->daemon.sink), total,
		     died ? "DIED (see its log)" : "still running",
		     pgl_test_daemon_queue_count(&f->daemon, "in"),
		     pgl_test_daemon_queue_count(&f->daemon, "pipeline"),
		     pgl_test_daemon_queue_count(&f->daemon, "out"),
		     pgl_test_daemon_queue_count(&f->daemon, "retry"));
		g_assert_cmpuint(pgl_smtp_sink_recipient_count(f->daemon.sink), >=, total);
	}
	pgl_test_daemon_wait_idle(&f->daemon);
	if (pgl_smtp_sink_recipient_count(f->daemon.sink) != total) {
		dump_received(f);
		note("sink: got %u recipient deliveries, want %u",
		     pgl_smtp_sink_recipient_count(f->daemon.sink), total);
		g_assert_cmpuint(pgl_smtp_sink_recipient_count(f->daemon.sink), ==, total);
	}
}

/* Asserts that each of @who got @post once, encrypted to them alone and signed by the list,
 * with the real Subject (prefixed), the body and the footer inside, and that of everyone else
 * only @others got it at all (once, in another form). */
static void
assert_delivered_encrypted(Fixture *f, const Post *post, guint who, guint others)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_auto(GStrv) recipients = NULL;
	g_autofree gchar *want_subject = g_strconcat(PREFIX, post->subject, NULL);

	for (guint i = 0; i < N_PEOPLE; i++)
		if (((who | others) & BIT(i)) != 0)
			g_strv_builder_add(builder, people[i].address);
	recipients = g_strv_builder_end(builder);
	pgl_test_daemon_assert_delivered_once(&f->daemon, post->message_id,
					      (const gchar *const *)recipients);
	for (guint i = 0; i < N_PEOPLE; i++) {
		PglTestReceived *copy;
		g_autoptr(Content) content = NULL;

		if ((who & BIT(i)) == 0)
			continue;
		copy = copy_to(f, post->message_id, people[i].address);
		content = open_encrypted(f, (Person)i, copy, NULL);
		PGL_TEST_ASSERT_STR(content->subject, want_subject);
		PGL_TEST_ASSERT_CONTAINS(content->text, f->marker);
		PGL_TEST_ASSERT_CONTAINS(content->text, FOOTER);
	}
}

/* ==== 1. a signed and encrypted post reaches everyone, encrypted to each ====================== */

static void
test_post_signed_encrypted(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	g_autofree gchar *line = NULL;
	g_autofree gchar *want_subject = NULL;
	g_autoptr(GPtrArray) transactions = NULL;

	setup_pgp_list(f, THREE, THREE);
	pgl_test_daemon_start(&f->daemon);
	post = make_post(f, ALICE, POST_SIGNED_ENCRYPTED, "Plans for the meeting");
	want_subject = g_strconcat(PREFIX, post->subject, NULL);
	send_post(f, ALICE, post);
	wait_total(f, 3);

	line = assert_decision(f, post->message_id, 0, "accept", "member-moderation");
	PGL_TEST_ASSERT_CONTAINS(line, "PGP/MIME, encrypted");
	PGL_TEST_ASSERT_CONTAINS(line, f->fpr[ALICE]);
	/* [pgp] chunk_size = 1: one transaction, one copy per recipient */
	transactions = pgl_test_daemon_transactions_of(&f->daemon, post->message_id);
	PGL_TEST_ASSERT_UINT(transactions->len, 3);
	assert_delivered_encrypted(f, post, THREE, 0);

	for (guint i = 0; i < transactions->len; i++) {
		PglTestReceived *copy = g_ptr_array_index(transactions, i);
		const gchar *to = copy->raw->recipients[0];
		const gchar *autocrypt = pgl_test_received_header(copy, "Autocrypt");
		const gchar *openpgp = pgl_test_received_header(copy, "OpenPGP");
		g_autofree gchar *want_openpgp = g_strdup_printf("id=%s", f->list_fpr);
		g_autofree gchar *subject_line = g_strdup_printf("Subject: %s", want_subject);

		PGL_TEST_ASSERT_UINT(g_strv_length(copy->raw->recipients), 1);
		PGL_TEST_ASSERT_STR(copy->raw->mail_from, LIST_BOUNCES);
		/* neither the subject nor the body outside the encryption */
		g_assert_false(bytes_contain(copy->raw->data, post->subject));
		g_assert_false(bytes_contain(copy->raw->data, f->marker));
		PGL_TEST_ASSERT_CONTAINS(openpgp, want_openpgp);
		PGL_TEST_ASSERT_CONTAINS(autocrypt, "addr=" LIST ";");
		PGL_TEST_ASSERT_CONTAINS(autocrypt, "keydata=");

		/* only the recipient can read it: not the other members, not an outsider */
		for (guint other = 0; other < N_PEOPLE; other++) {
			g_autoptr(GBytes) plaintext = NULL;
			g_autofree gchar *status = NULL;

			if (other == DAVE || g_str_equal(people[other].address, to))
				continue;
			plaintext = decrypt_as(f, (Person)other, copy, &status);
			if (plaintext != NULL) {
				note("%s decrypted the copy to %s", people[other].address, to);
				g_assert_null(plaintext);
			}
		}

		/* the copy's own header says it was the protected Subject, prefixed once */
		{
			g_autoptr(GBytes) plaintext = NULL;
			g_autoptr(Content) content = NULL;
			guint who = ALICE;
			g_autofree gchar *inside = NULL;

			for (guint p = 0; p < N_PEOPLE; p++)
				if (g_str_equal(people[p].address, to))
					who = p;
			content = open_encrypted(f, (Person)who, copy, &plaintext);
			inside = to_lf(g_bytes_get_data(plaintext, NULL),
				       g_bytes_get_size(plaintext));
			PGL_TEST_ASSERT_CONTAINS(inside, subject_line);
			g_assert_null(strstr(inside, PREFIX PREFIX));
		}

		/* Autocrypt keydata (white space ignored) is the list's key */
		{
			const gchar *keydata = strstr(autocrypt, "keydata=") + strlen("keydata=");
			g_autofree gchar *base64 = g_strdup(keydata);
			g_autofree guchar *decoded = NULL;
			gsize decoded_len = 0;
			g_autoptr(GBytes) key = NULL;
			g_autoptr(PglTestGpgResult) shown = NULL;
			g_autofree gchar *want_fpr =
				g_strdup_printf("fpr:::::::::%s:", f->list_fpr);
			const gchar *listing;

			g_strdelimit(base64, " \t\r\n", ' ');
			{
				g_auto(GStrv) words = g_strsplit(base64, " ", -1);

				g_free(base64);
				base64 = g_strjoinv("", words);
			}
			decoded = g_base64_decode(base64, &decoded_len);
			g_assert_cmpuint(decoded_len, >, 32);
			key = g_bytes_new(decoded, decoded_len);
			shown = pgl_test_gpg_run(f->gpg[OUTSIDER], key, "--with-colons",
						 "--show-keys", NULL);
			pgl_test_gpg_assert_ok(shown);
			listing = pgl_test_gpg_result_get_text(shown);
			PGL_TEST_ASSERT_CONTAINS(listing, want_fpr);
			/* Autocrypt's minimal key: one primary key */
			g_assert_null(strstr(strstr(listing, "pub:") + 4, "\npub:"));
		}
	}
	assert_no_plaintext_stored(f, f->marker);
	assert_no_plaintext_stored(f, post->subject);
}

/* ==== 2. the poster's own signature travels inside (RFC 3156 §6.1) ============================ */

static void
test_post_signed_then_encrypted(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	g_autoptr(GBytes) plaintext = NULL;
	g_autoptr(GBytes) signed_part = NULL;
	g_autoptr(GBytes) signature = NULL;
	g_autoptr(GBytes) alice_key = NULL;
	g_autoptr(Content) content = NULL;
	g_autofree gchar *inside = NULL;
	g_autofree gchar *signer = NULL;
	g_autofree gchar *line = NULL;
	g_autofree gchar *want_subject = NULL;
	PglTestReceived *copy;

	setup_pgp_list(f, THREE, THREE);
	/* bob knows alice's key, as a subscriber would */
	alice_key = pgl_test_gpg_export(f->gpg[ALICE], f->fpr[ALICE], FALSE);
	pgl_test_gpg_import(f->gpg[BOB], alice_key);
	pgl_test_daemon_start(&f->daemon);
	post = make_post(f, ALICE, POST_SIGNED_THEN_ENCRYPTED, "Signed then sealed");
	want_subject = g_strconcat(PREFIX, post->subject, NULL);
	send_post(f, ALICE, post);
	wait_total(f, 3);

	line = assert_decision(f, post->message_id, 0, "accept", "member-moderation");
	PGL_TEST_ASSERT_CONTAINS(line, f->fpr[ALICE]);
	assert_delivered_encrypted(f, post, THREE, 0);

	copy = copy_to(f, post->message_id, people[BOB].address);
	content = open_encrypted(f, BOB, copy, &plaintext);
	PGL_TEST_ASSERT_STR(content->subject, want_subject);
	inside = to_lf(g_bytes_get_data(plaintext, NULL), g_bytes_get_size(plaintext));
	/* alice's multipart/signed, inside a multipart/mixed with the footer */
	PGL_TEST_ASSERT_CONTAINS(inside, "multipart/mixed");
	PGL_TEST_ASSERT_CONTAINS(inside, post->boundary);
	split_signed(inside, post->boundary, &signed_part, &signature);
	PGL_TEST_ASSERT_CONTAINS(g_bytes_get_data(signed_part, NULL), f->marker);
	signer = pgl_test_gpg_verify_detached(f->gpg[BOB], signed_part, signature);
	if (g_strcmp0(signer, f->fpr[ALICE]) != 0) {
		note("alice's signature as bob gets it: got signer %s, want %s; signed "
		     "part \"%.*s\"",
		     signer ? signer : "(none: not good)", f->fpr[ALICE],
		     (int)g_bytes_get_size(signed_part),
		     (const gchar *)g_bytes_get_data(signed_part, NULL));
		PGL_TEST_ASSERT_STR(signer, f->fpr[ALICE]);
	}
	/* the footer is outside what alice signed */
	g_assert_null(g_strstr_len(g_bytes_get_data(signed_part, NULL),
				   (gssize)g_bytes_get_size(signed_part), FOOTER));
	PGL_TEST_ASSERT_CONTAINS(content->text, FOOTER);
	assert_no_plaintext_stored(f, f->marker);
}

/* ==== 3. refusals, each with its notice ======================================================= */

/* Asserts that nobody got a copy of @post. */
static void
assert_not_delivered(Fixture *f, const Post *post)
{
	for (guint i = 0; i < N_PEOPLE; i++)
		PGL_TEST_ASSERT_UINT(
			pgl_test_daemon_copies_to(&f->daemon, post->message_id, people[i].address),
			0);
}

/* The rejection notice to @who, who has a usable key: encrypted to them, signed by the list,
 * with the reason, and never the post (whoever sent it in need not be its author: the list
 * would decrypt a captured post for them). Returns its text. */
static gchar *
assert_encrypted_rejection(Fixture *f, Person who)
{
	PglTestReceived *notice = only_notice_to(f, people[who].address);
	g_autoptr(Content) content = NULL;
	g_autofree gchar *want_subject = g_strdup_printf("Your message to %s was rejected", LIST);

	PGL_TEST_ASSERT_STR(notice->raw->mail_from, LIST_BOUNCES);
	content = open_encrypted(f, who, notice, NULL);
	PGL_TEST_ASSERT_STR(content->subject, want_subject);
	g_assert_null(strstr(content->text, f->marker));
	return g_steal_pointer(&content->text);
}

static void
test_refuse_unsigned(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	g_autofree gchar *line = NULL;
	g_autofree gchar *text = NULL;

	setup_pgp_list(f, THREE, THREE);
	pgl_test_daemon_start(&f->daemon);
	post = make_post(f, ALICE, POST_ENCRYPTED, "Encrypted but not signed");
	send_post(f, ALICE, post);
	wait_total(f, 1);

	line = assert_decision(f, post->message_id, 0, "reject", "pgp-signature");
	PGL_TEST_ASSERT_CONTAINS(line, "not signed");
	assert_not_delivered(f, post);
	text = assert_encrypted_rejection(f, ALICE);
	PGL_TEST_ASSERT_CONTAINS(text, "not signed");
	assert_no_plaintext_stored(f, f->marker);
}

static void
test_refuse_unencrypted(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	g_autofree gchar *line = NULL;
	g_autofree gchar *text = NULL;

	setup_pgp_list(f, THREE, THREE);
	pgl_test_daemon_start(&f->daemon);
	post = make_post(f, ALICE, POST_PLAIN, "Plain text to a PGP list");
	send_post(f, ALICE, post);
	wait_total(f, 1);

	line = assert_decision(f, post->message_id, 0, "reject", "pgp-encrypted");
	PGL_TEST_ASSERT_CONTAINS(line, "not encrypted");
	assert_not_delivered(f, post);
	text = assert_encrypted_rejection(f, ALICE);
	PGL_TEST_ASSERT_CONTAINS(text, "not encrypted");
	assert_no_plaintext_stored(f, f->marker);
}

static void
test_refuse_replay(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	g_autofree gchar *accepted = NULL;
	g_autofree gchar *replayed = NULL;
	g_autofree gchar *text = NULL;

	setup_pgp_list(f, THREE, THREE);
	pgl_test_daemon_start(&f->daemon);
	post = make_post(f, ALICE, POST_SIGNED_ENCRYPTED, "Said once");
	send_post(f, ALICE, post);
	wait_total(f, 3);
	accepted = assert_decision(f, post->message_id, 0, "accept", "member-moderation");
	{
		g_autoptr(GPtrArray) none = notices_to(f, people[ALICE].address);

		PGL_TEST_ASSERT_UINT(none->len, 0);
	}

	/* the very same bytes again, as an MTA that missed our LMTP reply sends them: a
	 * redelivery of a post the list took, dropped without a word */
	send_post(f, ALICE, post);
	wait_total(f, 3);
	{
		g_autoptr(GPtrArray) none = notices_to(f, people[ALICE].address);

		PGL_TEST_ASSERT_UINT(none->len, 0);
	}

	/* as someone who captured it would send it: the same ciphertext under a new
	 * Message-ID */
	{
		g_autofree gchar *old_id = g_strdup_printf("<%s>", post->message_id);
		g_autofree gchar *new_id = NULL;
		GString *message = g_string_new(post->message);

		g_free(post->message_id);
		post->message_id = pgl_test_daemon_new_message_id(&f->daemon);
		new_id = g_strdup_printf("<%s>", post->message_id);
		g_assert_cmpuint(g_string_replace(message, old_id, new_id, 1), ==, 1);
		g_free(post->message);
		post->message = g_string_free(message, FALSE);
	}
	send_post(f, ALICE, post);
	wait_total(f, 4);
	replayed = assert_decision(f, post->message_id, 0, "reject", "pgp-duplicate");
	PGL_TEST_ASSERT_CONTAINS(replayed, "seen before");
	for (guint i = 0; i < N_PEOPLE; i++)
		PGL_TEST_ASSERT_UINT(
			pgl_test_daemon_copies_to(&f->daemon, post->message_id, people[i].address),
			0);
	text = assert_encrypted_rejection(f, ALICE);
	PGL_TEST_ASSERT_CONTAINS(text, "already seen");
	assert_no_plaintext_stored(f, f->marker);
}

/* Carol signs a post, then revokes her key; @how_stored puts the revoked key in the store.
 * The post must be refused as signed by a revoked key. */
typedef void (*StoreRevokedKey)(Fixture *f, GBytes *revoked_key, GBytes *certificate);

static void
store_revoked_with_cli(Fixture *f, GBytes *revoked_key, GBytes *certificate)
{
	g_autofree gchar *path = pgl_test_daemon_write_file(&f->daemon, "carol-revoked.asc",
							    g_bytes_get_data(revoked_key, NULL));
	g_autoptr(PglTestCliResult) result = pgl_test_daemon_cli_run(
		&f->daemon, NULL, "key", "set", people[CAROL].address, path, "--confirmed", NULL);

	note("key set (revoked key): status %d, out \"%s\", err \"%s\"", result->status,
	     g_strchomp(result->out), g_strchomp(result->err));
	pgl_test_cli_assert_ok(result);
	PGL_TEST_ASSERT_CONTAINS(result->out, "is revoked");
}

/* Only the revocation certificate (gpg --gen-revoke), merged into the stored key by key set */
static void
store_revocation_with_cli(Fixture *f, GBytes *revoked_key, GBytes *certificate)
{
	g_autofree gchar *text = g_strndup(g_bytes_get_data(certificate, NULL),
					   g_bytes_get_size(certificate));
	g_autofree gchar *path = pgl_test_daemon_write_file(&f->daemon, "carol.rev", text);
	g_autoptr(PglTestCliResult) result = pgl_test_daemon_cli_run(
		&f->daemon, NULL, "key", "set", people[CAROL].address, path, NULL);

	pgl_test_cli_assert_ok(result);
	/* still confirmed: it is the key she confirmed, now revoked */
	PGL_TEST_ASSERT_CONTAINS(result->out, "(confirmed)");
	PGL_TEST_ASSERT_CONTAINS(result->out, "is revoked");
}

/* Straight into the store, as the email command "key revoke" (issue 4) will put it there */
static void
store_revoked_directly(Fixture *f, GBytes *revoked_key, GBytes *certificate)
{
	g_autoptr(PglContext) ctx = NULL;
	g_autoptr(PglStore) store = pgl_test_daemon_store_open(&f->daemon, &ctx);
	g_autoptr(GError) error = NULL;

	pgl_store_address_key_set(store, people[CAROL].address, f->fpr[CAROL], revoked_key, TRUE,
				  &error);
	g_assert_no_error(error);
}

static void
refuse_revoked(Fixture *f, StoreRevokedKey how_stored)
{
	g_autoptr(Post) post = NULL;
	g_autoptr(GBytes) certificate = NULL;
	g_autoptr(GBytes) revoked_key = NULL;
	g_autoptr(PglTestGpgResult) listed = NULL;
	g_autofree gchar *line = NULL;
	g_autofree gchar *show = NULL;
	PglTestReceived *notice;

	setup_pgp_list(f, THREE, THREE);
	/* signed while the key was good: gpg signs with no revoked key */
	post = make_post(f, CAROL, POST_SIGNED_ENCRYPTED, "Signed before revocation");
	certificate = pgl_test_gpg_revoke(f->gpg[CAROL], f->fpr[CAROL]);
	listed = pgl_test_gpg_run(f->gpg[CAROL], NULL, "--with-colons", "--list-keys",
				  f->fpr[CAROL], NULL);
	PGL_TEST_ASSERT_CONTAINS(pgl_test_gpg_result_get_text(listed), "pub:r:");
	revoked_key = pgl_test_gpg_export(f->gpg[CAROL], f->fpr[CAROL], FALSE);
	how_stored(f, revoked_key, certificate);
	show = pgl_test_daemon_cli_ok(&f->daemon, NULL, "key", "show", people[CAROL].address, NULL);
	note("key show carol: %s", show);
	PGL_TEST_ASSERT_CONTAINS(show, "usable: no");

	pgl_test_daemon_start(&f->daemon);
	send_post(f, CAROL, post);
	wait_total(f, 1);
	line = assert_decision(f, post->message_id, 0, "reject", "pgp-signature");
	PGL_TEST_ASSERT_CONTAINS(line, "revoked");
	assert_not_delivered(f, post);
	/* her key is no use for encryption any more: the notice is signed only, and says why
	 * without the original */
	notice = only_notice_to(f, people[CAROL].address);
	assert_signed_by_list(f, CAROL, notice);
	PGL_TEST_ASSERT_CONTAINS(notice->text, "revoked");
	g_assert_false(bytes_contain(notice->raw->data, f->marker));
	assert_no_plaintext_stored(f, f->marker);
}

static void
test_refuse_revoked(Fixture *f)
{
	refuse_revoked(f, store_revoked_directly);
}

static void
test_refuse_revoked_key_set(Fixture *f)
{
	refuse_revoked(f, store_revoked_with_cli);
}

static void
test_refuse_revocation_set(Fixture *f)
{
	refuse_revoked(f, store_revocation_with_cli);
}

/* The held posts of LIST: "ID\tsender\tsubject\treason" lines. */
static GPtrArray *
held_lines(Fixture *f)
{
	g_autofree gchar *out = pgl_test_daemon_cli_ok(&f->daemon, NULL, "held", LIST, NULL);
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	GPtrArray *held = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

	for (guint i = 0; lines[i] != NULL; i++) {
		gchar **fields;

		if (lines[i][0] == '\0')
			continue;
		fields = g_strsplit(lines[i], "\t", 4);
		if (g_strv_length(fields) != 4) {
			note("pgplist held: got line \"%s\", want ID\\tsender\\tsubject"
			     "\\treason",
			     lines[i]);
			g_assert_cmpuint(g_strv_length(fields), ==, 4);
		}
		g_ptr_array_add(held, fields);
	}
	return held;
}

/* Asserts that @post by @who is the one held post; returns its ID. */
static gchar *
assert_held(Fixture *f, Person who, const Post *post)
{
	g_autoptr(GPtrArray) held = held_lines(f);
	gchar **fields;

	PGL_TEST_ASSERT_UINT(held->len, 1);
	fields = g_ptr_array_index(held, 0);
	note("held: id=%s sender=%s subject=\"%s\" reason=\"%s\"", fields[0], fields[1], fields[2],
	     fields[3]);
	PGL_TEST_ASSERT_STR(fields[1], people[who].address);
	/* the command line opens the sealed post to show the real Subject (the store keeps only
	 * the outer one, see assert_no_plaintext_stored()) */
	PGL_TEST_ASSERT_STR(fields[2], post->subject);
	return g_strdup(fields[0]);
}

/* The moderator notice about a held post: the owner has no key, so it is signed only and
 * carries no plaintext, but names the held ID. */
static void
assert_moderator_notice(Fixture *f, const gchar *held_id)
{
	PglTestReceived *notice = only_notice_to(f, OWNER);

	assert_content_type(notice, "multipart", "signed");
	PGL_TEST_ASSERT_CONTAINS(notice->text, held_id);
	PGL_TEST_ASSERT_CONTAINS(g_mime_message_get_subject(notice->mime), "requires approval");
	g_assert_false(bytes_contain(notice->raw->data, f->marker));
}

static gchar *
moderate(Fixture *f, const gchar *held_id, const gchar *decision)
{
	return pgl_test_daemon_cli_ok(&f->daemon, NULL, "moderate", LIST, held_id, decision, NULL);
}

static void
test_refuse_unsigned_held(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	g_autofree gchar *line = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *accepted = NULL;
	g_autoptr(Content) poster_notice = NULL;
	g_autoptr(GPtrArray) held_after = NULL;

	setup_pgp_list(f, THREE, THREE);
	listconf(f, "unsigned_msg_action", "hold");
	pgl_test_daemon_start(&f->daemon);
	post = make_post(f, ALICE, POST_ENCRYPTED, "Unsigned, for the moderators");
	send_post(f, ALICE, post);
	/* the moderator notice and the poster's */
	wait_total(f, 2);

	line = assert_decision(f, post->message_id, 0, "hold", "pgp-signature");
	PGL_TEST_ASSERT_CONTAINS(line, "not signed");
	assert_not_delivered(f, post);
	held_id = assert_held(f, ALICE, post);
	assert_moderator_notice(f, held_id);
	poster_notice = open_encrypted(f, ALICE, only_notice_to(f, people[ALICE].address), NULL);
	PGL_TEST_ASSERT_CONTAINS(poster_notice->subject, "awaits moderator approval");
	assert_no_plaintext_stored(f, f->marker);

	accepted = moderate(f, held_id, "accept");
	PGL_TEST_ASSERT_CONTAINS(accepted, "accepted");
	wait_total(f, 2 + 3);
	assert_delivered_encrypted(f, post, THREE, 0);
	held_after = held_lines(f);
	PGL_TEST_ASSERT_UINT(held_after->len, 0);
	assert_no_plaintext_stored(f, f->marker);
}

/* ==== 4. a held post is kept sealed =========================================================== */

static void
test_hold_sealed(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	g_autofree gchar *line = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *accepted = NULL;
	g_autoptr(PglTestGpgResult) packets = NULL;
	g_autoptr(GPtrArray) held_after = NULL;

	setup_pgp_list(f, THREE, THREE);
	listconf(f, "default_member_action", "hold");
	pgl_test_daemon_start(&f->daemon);
	post = make_post(f, ALICE, POST_SIGNED_ENCRYPTED, "Held for review");
	send_post(f, ALICE, post);
	wait_total(f, 2);

	line = assert_decision(f, post->message_id, 0, "hold", "member-moderation");
	PGL_TEST_ASSERT_CONTAINS(line, f->fpr[ALICE]);
	assert_not_delivered(f, post);
	held_id = assert_held(f, ALICE, post);
	assert_moderator_notice(f, held_id);

	/* held_messages.message is an OpenPGP message, not the post */
	{
		g_autoptr(PglContext) ctx = NULL;
		g_autoptr(PglStore) store = pgl_test_daemon_store_open(&f->daemon, &ctx);
		g_autoptr(GError) error = NULL;
		g_autoptr(PglList) list = pgl_store_list_lookup(store, LIST, &error);
		g_autoptr(PglHeldMessage) held = NULL;
		guint64 id = 0;

		g_assert_no_error(error);
		g_assert_true(g_ascii_string_to_unsigned(held_id, 10, 1, G_MAXINT64, &id, NULL));
		held = pgl_store_held_get(store, list->id, (gint64)id, &error);
		g_assert_no_error(error);
		g_assert_true(held->sealed);
		PGL_TEST_ASSERT_STR(held->subject, OUTER_SUBJECT);
		g_assert_nonnull(held->message);
		g_assert_false(bytes_contain(held->message, f->marker));
		g_assert_false(bytes_contain(held->message, post->subject));
		packets = pgl_test_gpg_run(f->gpg[OUTSIDER], held->message, "--list-packets", NULL);
		note("held message packets: %s", pgl_test_gpg_result_get_text(packets));
		PGL_TEST_ASSERT_CONTAINS(pgl_test_gpg_result_get_text(packets),
					 ":pubkey enc packet:");
		PGL_TEST_ASSERT_CONTAINS(pgl_test_gpg_result_get_text(packets),
					 ":encrypted data packet:");
	}
	assert_no_plaintext_stored(f, f->marker);
	assert_no_plaintext_stored(f, post->subject);

	accepted = moderate(f, held_id, "accept");
	PGL_TEST_ASSERT_CONTAINS(accepted, "accepted");
	wait_total(f, 2 + 3);
	assert_delivered_encrypted(f, post, THREE, 0);
	held_after = held_lines(f);
	PGL_TEST_ASSERT_UINT(held_after->len, 0);
	assert_no_plaintext_stored(f, f->marker);
}

/* ==== 5. a member without a key =============================================================== */

static void
test_member_without_key(Fixture *f)
{
	g_autoptr(Post) first = NULL;
	g_autoptr(Post) second = NULL;
	g_autoptr(Post) third = NULL;
	g_autoptr(GPtrArray) to_dave = NULL;
	g_autofree gchar *want_subject = NULL;
	PglTestReceived *notice;
	PglTestReceived *clear;

	setup_pgp_list(f, THREE | BIT(DAVE), THREE);
	pgl_test_daemon_start(&f->daemon);

	/* unusable_key_action notice (the default): a signed note, no content */
	first = make_post(f, ALICE, POST_SIGNED_ENCRYPTED, "Not for dave's eyes");
	send_post(f, ALICE, first);
	wait_total(f, 4);
	g_free(assert_decision(f, first->message_id, 0, "accept", "member-moderation"));
	assert_delivered_encrypted(f, first, THREE, 0);
	PGL_TEST_ASSERT_UINT(
		pgl_test_daemon_copies_to(&f->daemon, first->message_id, people[DAVE].address), 0);
	notice = only_notice_to(f, people[DAVE].address);
	PGL_TEST_ASSERT_STR(notice->raw->mail_from, LIST_BOUNCES);
	PGL_TEST_ASSERT_CONTAINS(g_mime_message_get_subject(notice->mime), "was not sent to you");
	assert_signed_by_list(f, DAVE, notice);
	g_assert_false(bytes_contain(notice->raw->data, f->marker));
	g_assert_false(bytes_contain(notice->raw->data, first->subject));

	/* plaintext: the post itself, signed by the list, in clear */
	listconf(f, "unusable_key_action", "plaintext");
	second = make_post(f, ALICE, POST_SIGNED_ENCRYPTED, "Dave may read this");
	send_post(f, ALICE, second);
	wait_total(f, 4 + 4);
	assert_delivered_encrypted(f, second, THREE, BIT(DAVE));
	clear = copy_to(f, second->message_id, people[DAVE].address);
	PGL_TEST_ASSERT_UINT(g_strv_length(clear->raw->recipients), 1);
	assert_signed_by_list(f, DAVE, clear);
	want_subject = g_strconcat(PREFIX, second->subject, NULL);
	PGL_TEST_ASSERT_STR(g_mime_message_get_subject(clear->mime), want_subject);
	PGL_TEST_ASSERT_CONTAINS(clear->text, f->marker);
	PGL_TEST_ASSERT_CONTAINS(clear->text, FOOTER);

	/* skip: nothing at all */
	listconf(f, "unusable_key_action", "skip");
	third = make_post(f, ALICE, POST_SIGNED_ENCRYPTED, "Dave hears nothing");
	send_post(f, ALICE, third);
	wait_total(f, 4 + 4 + 3);
	assert_delivered_encrypted(f, third, THREE, 0);
	to_dave = pgl_test_daemon_messages_to(&f->daemon, people[DAVE].address, NULL);
	PGL_TEST_ASSERT_UINT(to_dave->len, 2); /* the notice and the clear copy, from before */
	/* whatever dave got, the first and third posts' text never reached him */
	for (guint i = 0; i < to_dave->len; i++) {
		PglTestReceived *received = g_ptr_array_index(to_dave, i);

		g_assert_false(bytes_contain(received->raw->data, first->subject));
		g_assert_false(bytes_contain(received->raw->data, third->subject));
	}
	/* the clear copy was the owner's choice; the spool and store still hold none of it */
	assert_no_plaintext_stored(f, f->marker);
}

/* The out runner keeps a small list's keys loaded between posts: a key revoked meanwhile (by
 * another process, the command line) must stop the copies encrypted to it from the next post
 * on. */
static void
test_key_revoked_while_running(Fixture *f)
{
	g_autoptr(Post) first = NULL;
	g_autoptr(Post) second = NULL;
	g_autoptr(GBytes) certificate = NULL;
	g_autoptr(GBytes) revoked_key = NULL;
	PglTestReceived *notice;

	setup_pgp_list(f, THREE, THREE);
	pgl_test_daemon_start(&f->daemon);
	first = make_post(f, ALICE, POST_SIGNED_ENCRYPTED, "While carol's key is good");
	send_post(f, ALICE, first);
	wait_total(f, 3);
	assert_delivered_encrypted(f, first, THREE, 0);

	certificate = pgl_test_gpg_revoke(f->gpg[CAROL], f->fpr[CAROL]);
	revoked_key = pgl_test_gpg_export(f->gpg[CAROL], f->fpr[CAROL], FALSE);
	store_revoked_with_cli(f, revoked_key, certificate);

	second = make_post(f, ALICE, POST_SIGNED_ENCRYPTED, "After carol's key was revoked");
	send_post(f, ALICE, second);
	wait_total(f, 3 + 3);
	g_free(assert_decision(f, second->message_id, 0, "accept", "member-moderation"));
	assert_delivered_encrypted(f, second, BIT(ALICE) | BIT(BOB), 0);
	PGL_TEST_ASSERT_UINT(
		pgl_test_daemon_copies_to(&f->daemon, second->message_id, people[CAROL].address),
		0);
	notice = only_notice_to(f, people[CAROL].address);
	PGL_TEST_ASSERT_CONTAINS(g_mime_message_get_subject(notice->mime), "was not sent to you");
	assert_signed_by_list(f, CAROL, notice);
}

/* Anyone holding a captured post's ciphertext may send it in under the author's From: with
 * their own envelope address: a refusal must not hand them the decrypted post. */
static void
test_refuse_no_decryption_oracle(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	g_autoptr(Content) content = NULL;
	PglTestReceived *notice;
	guint code;

	setup_pgp_list(f, THREE, THREE | BIT(DAVE));
	pgl_test_daemon_start(&f->daemon);
	post = make_post(f, ALICE, POST_ENCRYPTED, "Never delivered");
	send_post(f, ALICE, post);
	wait_total(f, 1);
	assert_not_delivered(f, post);
	/* the author's own notice does not carry it either */
	notice = only_notice_to(f, people[ALICE].address);
	content = open_encrypted(f, ALICE, notice, NULL);
	g_assert_null(strstr(content->text, f->marker));
	g_clear_pointer(&content, content_free);

	code = pgl_test_daemon_lmtp_send(&f->daemon, people[DAVE].address, LIST, post->message);
	PGL_TEST_ASSERT_UINT(code, 250);
	wait_total(f, 2);
	notice = only_notice_to(f, people[DAVE].address);
	content = open_encrypted(f, DAVE, notice, NULL);
	PGL_TEST_ASSERT_CONTAINS(content->text, "not signed");
	g_assert_null(strstr(content->text, f->marker));
	g_assert_false(bytes_contain(notice->raw->data, f->marker));
}

/* The signature must be the author's: with a From: of several mailboxes (Sender: naming the
 * signer), whose key counts is not clear, and the post is refused. */
static void
test_refuse_from_not_single(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	g_autofree gchar *line = NULL;
	const gchar *at;
	GString *message;

	setup_pgp_list(f, THREE, THREE);
	pgl_test_daemon_start(&f->daemon);
	post = make_post(f, BOB, POST_SIGNED_ENCRYPTED, "Carol says");
	at = strstr(post->message, "From: ");
	g_assert_nonnull(at);
	message = g_string_new_len(post->message, at - post->message);
	g_string_append_printf(message, "From: %s, %s\nSender: %s\n", people[CAROL].address,
			       people[BOB].address, people[BOB].address);
	g_string_append(message, strchr(at, '\n') + 1);
	g_free(post->message);
	post->message = g_string_free(message, FALSE);
	send_post(f, BOB, post);
	wait_total(f, 1);
	line = assert_decision(f, post->message_id, 0, "reject", "pgp-signature");
	PGL_TEST_ASSERT_CONTAINS(line, "does not name exactly one author");
	assert_not_delivered(f, post);
}

/* A signed post whose signed To: names another list (taken from there, encrypted to this
 * list's key and sent in) is a replay here. */
static void
test_refuse_signed_for_another_list(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	g_autofree gchar *line = NULL;

	setup_pgp_list(f, THREE, THREE);
	pgl_test_daemon_start(&f->daemon);
	post = make_post_to(f, ALICE, POST_SIGNED_ENCRYPTED, "For the other list",
			    "other@lists.example.org");
	send_post(f, ALICE, post);
	wait_total(f, 1);
	line = assert_decision(f, post->message_id, 0, "reject", "pgp-duplicate");
	PGL_TEST_ASSERT_CONTAINS(line, "do not name this list");
	assert_not_delivered(f, post);
}

/* ==== 6. several recipients share one copy ==================================================== */

static void
test_chunk_hidden_recipients(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	g_autoptr(GPtrArray) transactions = NULL;
	g_autoptr(GBytes) armored = NULL;
	g_autoptr(PglTestGpgResult) packets = NULL;
	g_auto(GStrv) lines = NULL;
	guint wildcard = 0;
	guint pkesk = 0;
	PglTestReceived *copy;

	g_key_file_set_integer(f->daemon.config, "pgp", "chunk_size", 3);
	setup_pgp_list(f, THREE, THREE);
	pgl_test_daemon_start(&f->daemon);
	post = make_post(f, ALICE, POST_SIGNED_ENCRYPTED, "One copy for three");
	send_post(f, ALICE, post);
	wait_total(f, 3);
	g_free(assert_decision(f, post->message_id, 0, "accept", "member-moderation"));

	transactions = pgl_test_daemon_transactions_of(&f->daemon, post->message_id);
	if (transactions->len != 1)
		dump_received(f);
	PGL_TEST_ASSERT_UINT(transactions->len, 1);
	copy = g_ptr_array_index(transactions, 0);
	PGL_TEST_ASSERT_UINT(g_strv_length(copy->raw->recipients), 3);

	/* three session key packets, none naming its key */
	armored = armored_block(copy->raw->data, "MESSAGE");
	packets = pgl_test_gpg_run(f->gpg[OUTSIDER], armored, "--list-packets", NULL);
	lines = g_strsplit(pgl_test_gpg_result_get_text(packets), "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (!g_str_has_prefix(lines[i], ":pubkey enc packet:"))
			continue;
		note("%s", lines[i]);
		pkesk++;
		if (strstr(lines[i], "keyid 0000000000000000") != NULL)
			wildcard++;
	}
	PGL_TEST_ASSERT_UINT(pkesk, 3);
	PGL_TEST_ASSERT_UINT(wildcard, 3);

	/* each of them reads the same copy; the outsider does not */
	assert_delivered_encrypted(f, post, THREE, 0);
	{
		g_autofree gchar *status = NULL;
		g_autoptr(GBytes) plaintext = decrypt_as(f, OUTSIDER, copy, &status);

		g_assert_null(plaintext);
	}
	assert_no_plaintext_stored(f, f->marker);
}

/* ==== 7. what waits in the spool is sealed ==================================================== */

static gboolean
waiting_for_relay(PglTestDaemon *daemon, gpointer data)
{
	return pgl_test_daemon_queue_count(daemon, "retry") > 0;
}

static void
test_spool_sealed_while_queued(Fixture *f)
{
	g_autoptr(Post) post = NULL;
	guint queue_files = 0;
	gint64 deadline;

	setup_pgp_list(f, THREE, THREE);
	/* the relay is down: the copies wait in the spool */
	pgl_test_daemon_config_set_relay_port(&f->daemon, pgl_test_daemon_closed_port());
	pgl_test_daemon_start(&f->daemon);
	post = make_post(f, ALICE, POST_SIGNED_ENCRYPTED, "Waiting for the relay");
	send_post(f, ALICE, post);
	g_assert_true(pgl_test_daemon_wait_until(&f->daemon, waiting_for_relay, NULL, WAIT_MS));
	g_free(assert_decision(f, post->message_id, 0, "accept", "member-moderation"));
	/* the daemon moves the entry between the retry and out queues: search until a search
	 * has read it */
	deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	while (queue_files == 0 && g_get_monotonic_time() < deadline)
		queue_files = assert_no_plaintext_stored(f, f->marker);
	g_assert_cmpuint(queue_files, >, 0);
	assert_no_plaintext_stored(f, post->subject);

	/* the relay is back: what waited goes out, encrypted as ever */
	pgl_test_daemon_stop(&f->daemon);
	pgl_test_daemon_config_set_relay_port(&f->daemon, pgl_smtp_sink_get_port(f->daemon.sink));
	pgl_test_daemon_start(&f->daemon);
	wait_total(f, 3);
	assert_delivered_encrypted(f, post, THREE, 0);
	assert_no_plaintext_stored(f, f->marker);
}

/* ---- main ------------------------------------------------------------------------------------ */

typedef struct {
	const gchar *path;
	void (*func)(Fixture *f);
} TestCase;

/* set in the child process that runs one test */
#define CHILD_ENV "PGLIST_TEST_PGP_LIST_CHILD"

/* Each test runs in a child process of its own: this program again, with `-p PATH` and
 * CHILD_ENV set, so that a failed assertion (which aborts: the abort handler kills that
 * child's daemon, stops its gpg-agents and prints the daemon's log on standard error, which is
 * passed through) fails that test only, and the other tests still run and report. The child's
 * test messages are passed on as this test's. (Not g_test_trap_subprocess(): its children
 * _exit() on a failed assertion, so no abort handler runs.) */
static void
run_isolated(gconstpointer data)
{
	const TestCase *test = data;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) child = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *self = NULL;
	g_autofree gchar *out = NULL;
	g_auto(GStrv) lines = NULL;

	if (g_getenv(CHILD_ENV) != NULL) {
		Fixture fixture = {0};

		fixture_set_up(&fixture);
		test->func(&fixture);
		fixture_tear_down(&fixture);
		return;
	}
	/* in this process only: a failed test does not end the program, the next test runs */
	g_test_set_nonfatal_assertions();
	self = g_file_read_link("/proc/self/exe", &error);
	g_assert_no_error(error);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_subprocess_launcher_setenv(launcher, CHILD_ENV, "1", TRUE);
	child = g_subprocess_launcher_spawn(launcher, &error, self, "-p", test->path, NULL);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(child, NULL, NULL, &out, NULL, &error);
	g_assert_no_error(error);
	lines = g_strsplit(out != NULL ? out : "", "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], "# ") &&
		    !g_str_has_prefix(lines[i], "# Start of ") &&
		    !g_str_has_prefix(lines[i], "# End of ") &&
		    !g_str_has_prefix(lines[i], "# random seed"))
			g_test_message("%s", lines[i] + 2);
	}
	if (!g_subprocess_get_if_exited(child) || g_subprocess_get_exit_status(child) != 0) {
		if (g_subprocess_get_if_signaled(child))
			g_test_fail_printf("%s: the test process died of signal %d (its failed "
					   "assertion and the daemon's log are on standard error)",
					   test->path, g_subprocess_get_term_sig(child));
		else
			g_test_fail_printf("%s: the test process exited with status %d", test->path,
					   g_subprocess_get_exit_status(child));
	}
}

static const TestCase tests[] = {
	{"/pgp-list/post/signed-encrypted", test_post_signed_encrypted},
	{"/pgp-list/post/signed-then-encrypted", test_post_signed_then_encrypted},
	{"/pgp-list/refuse/unsigned", test_refuse_unsigned},
	{"/pgp-list/refuse/unencrypted", test_refuse_unencrypted},
	{"/pgp-list/refuse/replay", test_refuse_replay},
	{"/pgp-list/refuse/revoked-key", test_refuse_revoked},
	{"/pgp-list/refuse/revoked-key-set", test_refuse_revoked_key_set},
	{"/pgp-list/refuse/revocation-set", test_refuse_revocation_set},
	{"/pgp-list/keys/revoked-while-running", test_key_revoked_while_running},
	{"/pgp-list/refuse/no-decryption-oracle", test_refuse_no_decryption_oracle},
	{"/pgp-list/refuse/from-not-single", test_refuse_from_not_single},
	{"/pgp-list/refuse/signed-for-another-list", test_refuse_signed_for_another_list},
	{"/pgp-list/refuse/unsigned-held", test_refuse_unsigned_held},
	{"/pgp-list/hold/sealed", test_hold_sealed},
	{"/pgp-list/no-key/notice-plaintext-skip", test_member_without_key},
	{"/pgp-list/chunk/hidden-recipients", test_chunk_hidden_recipients},
	{"/pgp-list/spool/sealed-while-queued", test_spool_sealed_while_queued},
};

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	/* see test-daemon.c: idle pool threads must not outlive main() under LeakSanitizer */
	g_thread_pool_set_max_unused_threads(0);
	pgl_test_daemon_install_abort_handler();

	for (gsize i = 0; i < G_N_ELEMENTS(tests); i++)
		g_test_add_data_func(tests[i].path, &tests[i], run_isolated);

	{
		int status = g_test_run();

		pgl_test_daemon_wait_for_pool_threads();
		return status;
	}
}
