/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of the pipeline handlers, one at a time and all together, on messages built here and on
 * real ones from tests/data/mail. The decorate tests check that a multipart/signed part comes out
 * byte for byte as it came in, and, when gpg is installed, that GnuPG still verifies it.
 */
#include "mail/pgl-mail-body.h"
#include "mail/pgl-mail-headers.h"
#include "mail/pgl-mail.h"
#include "pipeline/pgl-pipeline.h"

#include <glib/gstdio.h>
#include <string.h>

#define DEFAULT_HEADERS                                                                    \
	"From: Poster Person <poster@example.org>\nTo: Test <test@example.org>\n"           \
	"Subject: hello\nMessage-ID: <m1@example.org>\n"

typedef struct {
	gchar *tmpdir;
	PglContext *ctx;
	PglList *list;
} Fixture;

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	if (dir != NULL) {
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);

			remove_tree(child);
		}
	}
	g_remove(path);
}

static void
fixture_set_up(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	PglConfig *config = pgl_config_new_default();

	fixture->tmpdir = g_dir_make_tmp("pgl-test-handlers-XXXXXX", &error);
	g_assert_no_error(error);
	g_free(config->var_dir);
	config->var_dir = g_build_filename(fixture->tmpdir, "var", NULL);
	fixture->ctx = pgl_context_new(config, &error);
	g_assert_no_error(error);
	fixture->list = pgl_list_new(1, "test", "example.org");
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer user_data)
{
	pgl_list_free(fixture->list);
	pgl_context_unref(fixture->ctx);
	remove_tree(fixture->tmpdir);
	g_free(fixture->tmpdir);
}

static void
set_setting(PglList *list, const gchar *name, const gchar *value)
{
	g_autoptr(GError) error = NULL;
	gchar *stored = pgl_list_setting_validate(name, value, &error);

	g_assert_no_error(error);
	g_hash_table_insert(list->settings, g_strdup(name), stored);
}

static GMimeMessage *
parse_bytes(PglContext *ctx, GBytes *raw)
{
	g_autoptr(GError) error = NULL;
	GMimeMessage *message = NULL;

	if (!pgl_mail_parse(ctx, raw, &message, &error))
		g_error("message does not parse: %s", error->message);
	return message;
}

static GMimeMessage *
parse_ok(PglContext *ctx, const gchar *text)
{
	g_autoptr(GBytes) raw = g_bytes_new(text, strlen(text));

	return parse_bytes(ctx, raw);
}

static GBytes *
read_data(const gchar *subdir, const gchar *name)
{
	g_autofree gchar *path =
		g_test_build_filename(G_TEST_DIST, "data", "mail", subdir, name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	gsize length = 0;

	g_file_get_contents(path, &contents, &length, &error);
	g_assert_no_error(error);
	return g_bytes_new_take(contents, length);
}

static void
run_handler(Fixture *fixture, const PglHandler *handler, GMimeMessage *message)
{
	g_autoptr(PglPosting) posting =
		pgl_posting_new(fixture->ctx, fixture->list, message, 100, NULL, NULL);
	g_autoptr(GError) error = NULL;

	g_assert_true(handler->process(posting, &error));
	g_assert_no_error(error);
}

/* Serialise and parse again: what the members get. */
static GMimeMessage *
round_trip(Fixture *fixture, GMimeMessage *message)
{
	g_autoptr(GBytes) out = pgl_mail_to_bytes(message);

	return parse_bytes(fixture->ctx, out);
}

static gchar *
to_text(GMimeMessage *message)
{
	g_autoptr(GBytes) out = pgl_mail_to_bytes(message);

	return g_strndup(g_bytes_get_data(out, NULL), g_bytes_get_size(out));
}

/* ---- cleanse ---- */

static void
test_cleanse(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_ok(
		fixture->ctx, DEFAULT_HEADERS "Approved: pw\nApprove: pw\nX-Approved: pw\n"
					      "X-Approve: pw\nUrgent: pw\n"
					      "Return-Receipt-To: a@b.org\n"
					      "Disposition-Notification-To: a@b.org\n"
					      "X-Confirm-Reading-To: a@b.org\nX-PMRQC: 1\n"
					      "X-Keep: yes\n\nbody\n");
	static const gchar *const gone[] = {
		"Approved", "Approve", "X-Approved", "X-Approve", "Urgent", "Return-Receipt-To",
		"Disposition-Notification-To", "X-Confirm-Reading-To", "X-PMRQC"};

	run_handler(fixture, &pgl_handler_cleanse, message);
	for (gsize i = 0; i < G_N_ELEMENTS(gone); i++) {
		if (pgl_mail_get_header(message, gone[i]) != NULL)
			g_error("%s: got still present, want removed", gone[i]);
	}
	g_assert_cmpstr(pgl_mail_get_header(message, "X-Keep"), ==, "yes");
	g_assert_cmpstr(pgl_mail_get_header(message, "Subject"), ==, "hello");
}

/* ---- subject-prefix ---- */

typedef struct {
	const gchar *name;
	const gchar *subject_header; /* full line or "" for none */
	const gchar *display_name;   /* NULL: default */
	const gchar *prefix;	     /* NULL: default "[$display_name] " */
	const gchar *want;	     /* decoded; NULL: no Subject: */
} SubjectCase;

static const SubjectCase subject_cases[] = {
	{"plain", "Subject: hello\n", NULL, NULL, "[Test] hello"},
	{"reply", "Subject: Re: hello\n", NULL, NULL, "[Test] Re: hello"},
	{"double-reply", "Subject: Re: Re: hello\n", NULL, NULL, "[Test] Re: hello"},
	{"foreign-replies", "Subject: RE: AW: Sv: hello\n", NULL, NULL, "[Test] Re: hello"},
	{"numbered-reply", "Subject: Re[2]: hello\n", NULL, NULL, "[Test] Re: hello"},
	{"prefixed-reply", "Subject: [Test] Re: hello\n", NULL, NULL, "[Test] Re: hello"},
	{"reply-to-prefixed", "Subject: Re: [Test] hello\n", NULL, NULL, "Re: [Test] hello"},
	{"case-insensitive", "Subject: re: [TEST] hello\n", NULL, NULL, "re: [TEST] hello"},
	{"empty", "Subject: \n", NULL, NULL, "[Test] (no subject)"},
	{"missing", "", NULL, NULL, "[Test] (no subject)"},
	{"only-re", "Subject: Re:\n", NULL, NULL, "[Test] Re: (no subject)"},
	{"encoded", "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\n", NULL, NULL,
	 "[Test] Gr\xc3\xbc\xc3\x9f" "e"},
	{"encoded-prefixed", "Subject: =?utf-8?q?=5BTest=5D_Gr=C3=BC=C3=9Fe?=\n", NULL, NULL,
	 "[Test] Gr\xc3\xbc\xc3\x9f" "e"},
	{"utf8-display-name", "Subject: hello\n", "Caf\xc3\xa9", NULL, "[Caf\xc3\xa9] hello"},
	{"no-prefix", "Subject: Re: Re: hello\n", NULL, "", "Re: Re: hello"},
	{"prefix-without-space", "Subject: hello\n", NULL, "{$display_name}", "{Test} hello"},
	{"eight-bit", "Subject: caf\xe9\n", NULL, NULL, "[Test] caf\xc3\xa9"},
};

static void
test_subject_prefix(Fixture *fixture, gconstpointer user_data)
{
	for (gsize i = 0; i < G_N_ELEMENTS(subject_cases); i++) {
		const SubjectCase *test_case = &subject_cases[i];
		g_autoptr(PglList) list = pgl_list_new(1, "test", "example.org");
		g_autofree gchar *text = g_strdup_printf(
			"From: poster@example.org\nTo: test@example.org\n%s\nbody\n",
			test_case->subject_header);
		g_autoptr(GMimeMessage) message = parse_ok(fixture->ctx, text);
		g_autoptr(GMimeMessage) again = NULL;
		g_autoptr(PglPosting) posting = NULL;
		g_autofree gchar *got = NULL;
		g_autofree gchar *wire = NULL;
		const gchar *line;

		if (test_case->display_name != NULL)
			set_setting(list, "display_name", test_case->display_name);
		if (test_case->prefix != NULL)
			set_setting(list, "subject_prefix", test_case->prefix);
		posting = pgl_posting_new(fixture->ctx, list, message, 100, NULL, NULL);
		g_assert_true(pgl_handler_subject_prefix.process(posting, NULL));
		again = round_trip(fixture, message);
		got = pgl_mail_get_subject(again);
		if (g_strcmp0(got, test_case->want) != 0)
			g_error("case %s: got \"%s\", want \"%s\"", test_case->name, got,
				test_case->want);
		/* on the wire the header is 7-bit (RFC 2047 words where needed) */
		wire = to_text(message);
		line = strstr(wire, "Subject:");
		if (got != NULL) {
			g_assert_nonnull(line);
			gboolean may_be_raw = strcmp(test_case->name, "eight-bit") == 0 ||
					      strcmp(test_case->name, "no-prefix") == 0;

			for (const gchar *p = line; *p != '\0' && *p != '\n'; p++) {
				if ((guchar)*p >= 0x80 && !may_be_raw)
					g_error("case %s: 8-bit byte in \"%.60s\"", test_case->name,
						line);
			}
		}
	}
}

/* ---- reply-to ---- */

typedef struct {
	const gchar *name;
	const gchar *policy;
	const gchar *strip;
	const gchar *explicit_address;
	const gchar *reply_to; /* header value or NULL */
	const gchar *want;     /* comma-separated addresses or NULL for no Reply-To */
} ReplyToCase;

static const ReplyToCase reply_to_cases[] = {
	{"no-munging-keeps", "no_munging", "false", NULL, "me@example.net", "me@example.net"},
	{"no-munging-none", "no_munging", "false", NULL, NULL, NULL},
	{"no-munging-strip", "no_munging", "true", NULL, "me@example.net", NULL},
	{"point-to-list", "point_to_list", "false", NULL, NULL, "test@example.org"},
	{"point-to-list-keeps-poster", "point_to_list", "false", NULL, "me@example.net",
	 "test@example.org,me@example.net"},
	{"point-to-list-strip", "point_to_list", "true", NULL, "me@example.net",
	 "test@example.org"},
	{"point-to-list-dedup", "point_to_list", "false", NULL, "Test@Example.org",
	 "test@example.org"},
	{"explicit", "explicit_header", "true", "Discussion <talk@example.org>", "me@example.net",
	 "talk@example.org"},
	{"explicit-keeps", "explicit_header", "false", "talk@example.org", "me@example.net",
	 "talk@example.org,me@example.net"},
};

static gchar *
address_list_string(InternetAddressList *list)
{
	GString *out = g_string_new(NULL);
	gint count = list != NULL ? internet_address_list_length(list) : 0;

	for (gint i = 0; i < count; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		InternetAddressMailbox *mailbox = INTERNET_ADDRESS_MAILBOX(ia);

		if (out->len > 0)
			g_string_append_c(out, ',');
		g_string_append(out, internet_address_mailbox_get_addr(mailbox));
	}
	return g_string_free(out, out->len == 0);
}

static void
test_reply_to(Fixture *fixture, gconstpointer user_data)
{
	for (gsize i = 0; i < G_N_ELEMENTS(reply_to_cases); i++) {
		const ReplyToCase *test_case = &reply_to_cases[i];
		g_autoptr(PglList) list = pgl_list_new(1, "test", "example.org");
		gboolean has = test_case->reply_to != NULL;
		g_autofree gchar *text =
			g_strdup_printf(DEFAULT_HEADERS "%s%s%s\nbody\n", has ? "Reply-To: " : "",
					has ? test_case->reply_to : "", has ? "\n" : "");
		g_autoptr(GMimeMessage) message = parse_ok(fixture->ctx, text);
		g_autoptr(GMimeMessage) again = NULL;
		g_autoptr(PglPosting) posting = NULL;
		g_autofree gchar *got = NULL;

		set_setting(list, "reply_goes_to_list", test_case->policy);
		set_setting(list, "first_strip_reply_to", test_case->strip);
		if (test_case->explicit_address != NULL)
			set_setting(list, "reply_to_address", test_case->explicit_address);
		posting = pgl_posting_new(fixture->ctx, list, message, 100, NULL, NULL);
		g_assert_true(pgl_handler_reply_to.process(posting, NULL));
		again = round_trip(fixture, message);
		g_assert_cmpuint(pgl_mail_count_headers(again, "Reply-To"), <=, 1);
		got = address_list_string(g_mime_message_get_reply_to(again));
		if (g_strcmp0(got, test_case->want) != 0)
			g_error("case %s: got %s, want %s", test_case->name, got ? got : "NULL",
				test_case->want ? test_case->want : "NULL");
	}
}

/* ---- dmarc ---- */

static void
test_dmarc(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_ok(fixture->ctx, DEFAULT_HEADERS "\nbody\n");
	g_autoptr(GMimeMessage) again = NULL;
	g_autofree gchar *reply = NULL;
	g_autofree gchar *sender = NULL;
	InternetAddress *from;

	set_setting(fixture->list, "dmarc_mitigate_action", "munge_from");
	run_handler(fixture, &pgl_handler_dmarc, message);
	again = round_trip(fixture, message);
	g_assert_cmpint(internet_address_list_length(g_mime_message_get_from(again)), ==, 1);
	from = internet_address_list_get_address(g_mime_message_get_from(again), 0);
	g_assert_cmpstr(internet_address_get_name(from), ==, "Poster Person via Test");
	g_assert_cmpstr(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(from)), ==,
			"test@example.org");
	reply = address_list_string(g_mime_message_get_reply_to(again));
	g_assert_cmpstr(reply, ==, "poster@example.org");
	sender = pgl_mail_sender(again, NULL);
	g_assert_cmpstr(sender, ==, "test@example.org");
}

static void
test_dmarc_point_to_list(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message =
		parse_ok(fixture->ctx, "From: poster@example.org\nTo: test@example.org\n"
				       "Cc: poster@example.org\nSubject: x\n\nbody\n");
	g_autoptr(GMimeMessage) again = NULL;
	g_autofree gchar *cc = NULL;
	InternetAddress *from;

	set_setting(fixture->list, "dmarc_mitigate_action", "munge_from");
	set_setting(fixture->list, "reply_goes_to_list", "point_to_list");
	run_handler(fixture, &pgl_handler_dmarc, message);
	again = round_trip(fixture, message);
	from = internet_address_list_get_address(g_mime_message_get_from(again), 0);
	/* no display name: the address stands in for it */
	g_assert_cmpstr(internet_address_get_name(from), ==, "poster@example.org via Test");
	cc = address_list_string(g_mime_message_get_cc(again));
	g_assert_cmpstr(cc, ==, "poster@example.org");
}

static void
test_dmarc_off(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_ok(fixture->ctx, DEFAULT_HEADERS "\nbody\n");
	g_autofree gchar *before = to_text(message);
	g_autofree gchar *after = NULL;

	run_handler(fixture, &pgl_handler_dmarc, message);
	after = to_text(message);
	g_assert_cmpstr(before, ==, after);
}

/* ---- rfc-2369, x-beenthere, precedence ---- */

static void
test_rfc2369(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_ok(
		fixture->ctx, DEFAULT_HEADERS "List-Id: Other <other.example.net>\n"
					      "List-Post: <mailto:other@example.net>\n"
					      "List-Unsubscribe: <mailto:evil@example.net>\n"
					      "\nbody\n");
	g_autoptr(GMimeMessage) again = NULL;

	set_setting(fixture->list, "display_name", "Test \"Quoted\" List");
	run_handler(fixture, &pgl_handler_rfc2369, message);
	again = round_trip(fixture, message);
	g_assert_cmpuint(pgl_mail_count_headers(again, "List-Id"), ==, 1);
	g_assert_cmpuint(pgl_mail_count_headers(again, "List-Post"), ==, 1);
	g_assert_cmpuint(pgl_mail_count_headers(again, "List-Unsubscribe"), ==, 1);
	g_assert_cmpstr(pgl_mail_get_header(again, "List-Id"), ==,
			"\"Test \\\"Quoted\\\" List\" <test.example.org>");
	g_assert_cmpstr(pgl_mail_get_header(again, "List-Post"), ==, "<mailto:test@example.org>");
	g_assert_cmpstr(pgl_mail_get_header(again, "List-Help"), ==,
			"<mailto:test-request@example.org?subject=help>");
	g_assert_cmpstr(pgl_mail_get_header(again, "List-Subscribe"), ==,
			"<mailto:test-join@example.org>");
	g_assert_cmpstr(pgl_mail_get_header(again, "List-Unsubscribe"), ==,
			"<mailto:test-leave@example.org>");
	g_assert_cmpstr(pgl_mail_get_header(again, "List-Owner"), ==,
			"<mailto:test-owner@example.org>");
	g_assert_null(pgl_mail_get_header(again, "List-Archive"));
}

static void
test_rfc2369_settings(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) announce = parse_ok(fixture->ctx, DEFAULT_HEADERS "\nbody\n");
	g_autoptr(GMimeMessage) bare = parse_ok(
		fixture->ctx, DEFAULT_HEADERS "List-Help: <mailto:x@example.net>\n\nbody\n");

	set_setting(fixture->list, "allow_list_posts", "false");
	run_handler(fixture, &pgl_handler_rfc2369, announce);
	g_assert_cmpstr(pgl_mail_get_header(announce, "List-Post"), ==, "NO");

	set_setting(fixture->list, "include_rfc2369_headers", "false");
	run_handler(fixture, &pgl_handler_rfc2369, bare);
	g_assert_cmpstr(pgl_mail_get_header(bare, "List-Id"), ==, "\"Test\" <test.example.org>");
	g_assert_null(pgl_mail_get_header(bare, "List-Help"));
	g_assert_null(pgl_mail_get_header(bare, "List-Post"));
}

static void
test_stamps(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_ok(
		fixture->ctx, DEFAULT_HEADERS "X-BeenThere: other@example.net\n\nbody\n");
	g_autoptr(GMimeMessage) bulk =
		parse_ok(fixture->ctx, DEFAULT_HEADERS "Precedence: bulk\n\nbody\n");
	g_autoptr(GPtrArray) stamps = NULL;

	run_handler(fixture, &pgl_handler_x_beenthere, message);
	run_handler(fixture, &pgl_handler_precedence, message);
	run_handler(fixture, &pgl_handler_precedence, bulk);
	stamps = pgl_mail_get_header_values(message, "X-BeenThere");
	g_assert_cmpuint(stamps->len, ==, 2);
	g_assert_cmpstr(stamps->pdata[1], ==, "test@example.org");
	g_assert_cmpstr(pgl_mail_get_header(message, "Precedence"), ==, "list");
	g_assert_cmpstr(pgl_mail_get_header(bulk, "Precedence"), ==, "bulk");
}

/* ---- decorate ---- */

static void
test_decorate_in_place(Fixture *fixture, gconstpointer user_data)
{
	static const struct {
		const gchar *name;
		const gchar *content_headers;
		const gchar *body;
		const gchar *want_body;
		GMimeContentEncoding want_encoding;
	} cases[] = {
		{"ascii", "", "Hello all.\n",
		 "HEAD Test\nHello all.\n-- \nTest: test@example.org\n",
		 GMIME_CONTENT_ENCODING_DEFAULT},
		{"no-final-newline", "Content-Type: text/plain; charset=us-ascii\n", "Hello",
		 "HEAD Test\nHello\n-- \nTest: test@example.org\n", GMIME_CONTENT_ENCODING_DEFAULT},
		{"utf8-qp",
		 "Content-Type: text/plain; charset=utf-8; format=flowed\n"
		 "Content-Transfer-Encoding: quoted-printable\n",
		 "Gr=C3=BC=C3=9Fe\n",
		 "HEAD Test\nGr\xc3\xbc\xc3\x9f" "e\n-- \nTest: test@example.org\n",
		 GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE},
		{"utf8-base64",
		 "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n",
		 "R3LDvMOfZQo=\n",
		 "HEAD Test\nGr\xc3\xbc\xc3\x9f" "e\n-- \nTest: test@example.org\n",
		 GMIME_CONTENT_ENCODING_BASE64},
		{"inline-pgp", "",
		 "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhi\n-----BEGIN PGP "
		 "SIGNATURE-----\nxx\n-----END PGP SIGNATURE-----\n",
		 "HEAD Test\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhi\n"
		 "-----BEGIN PGP SIGNATURE-----\nxx\n-----END PGP SIGNATURE-----\n-- \n"
		 "Test: test@example.org\n",
		 GMIME_CONTENT_ENCODING_DEFAULT},
	};

	set_setting(fixture->list, "msg_header", "HEAD $display_name");
	set_setting(fixture->list, "msg_footer", "-- \n$display_name: $list_address\n");
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *text =
			g_strdup_printf(DEFAULT_HEADERS "MIME-Version: 1.0\n%s\n%s",
					cases[i].content_headers, cases[i].body);
		g_autoptr(GMimeMessage) message = parse_ok(fixture->ctx, text);
		g_autoptr(GMimeMessage) again = NULL;
		g_autofree gchar *got = NULL;
		GMimeObject *top;

		run_handler(fixture, &pgl_handler_decorate, message);
		again = round_trip(fixture, message);
		top = g_mime_message_get_mime_part(again);
		if (!GMIME_IS_TEXT_PART(top))
			g_error("case %s: got another body, want text/plain in place",
				cases[i].name);
		got = pgl_mail_part_get_text(GMIME_TEXT_PART(top));
		if (g_strcmp0(got, cases[i].want_body) != 0)
			g_error("case %s: got \"%s\", want \"%s\"", cases[i].name, got,
				cases[i].want_body);
		if (cases[i].want_encoding != GMIME_CONTENT_ENCODING_DEFAULT &&
		    g_mime_part_get_content_encoding(GMIME_PART(top)) != cases[i].want_encoding)
			g_error("case %s: got encoding %d, want %d", cases[i].name,
				g_mime_part_get_content_encoding(GMIME_PART(top)),
				cases[i].want_encoding);
	}
}

static void
test_decorate_default_footer(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_ok(fixture->ctx, DEFAULT_HEADERS "\nHi\n");
	g_autofree gchar *body = NULL;

	run_handler(fixture, &pgl_handler_decorate, message);
	body = pgl_mail_part_get_text(GMIME_TEXT_PART(g_mime_message_get_mime_part(message)));
	g_assert_cmpstr(body, ==,
			"Hi\n_______________________________________________\n"
			"Test mailing list -- test@example.org\n"
			"To unsubscribe send an email to test-leave@example.org\n");
}

static void
test_decorate_nothing(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_ok(fixture->ctx, DEFAULT_HEADERS "\nHi\n");
	g_autofree gchar *before = to_text(message);
	g_autofree gchar *after = NULL;

	set_setting(fixture->list, "msg_footer", "  \n");
	run_handler(fixture, &pgl_handler_decorate, message);
	after = to_text(message);
	g_assert_cmpstr(before, ==, after);
}

/* Wrapped: multipart/mixed of [header], original, footer; returns the original part. */
static GMimeObject *
check_wrapped(GMimeMessage *message, gboolean with_header, const gchar *what)
{
	GMimeObject *top = g_mime_message_get_mime_part(message);
	GMimeMultipart *mixed;
	gint want_count = with_header ? 3 : 2;
	GMimeObject *footer;
	g_autofree gchar *footer_text = NULL;

	if (!GMIME_IS_MULTIPART(top) ||
	    !g_mime_content_type_is_type(g_mime_object_get_content_type(top), "multipart",
					 "mixed"))
		g_error("%s: got another body, want a multipart/mixed wrapper", what);
	mixed = GMIME_MULTIPART(top);
	if (g_mime_multipart_get_count(mixed) != want_count)
		g_error("%s: got %d parts, want %d", what, g_mime_multipart_get_count(mixed),
			want_count);
	footer = g_mime_multipart_get_part(mixed, want_count - 1);
	g_assert_true(GMIME_IS_TEXT_PART(footer));
	footer_text = pgl_mail_part_get_text(GMIME_TEXT_PART(footer));
	g_assert_nonnull(strstr(footer_text, "test@example.org"));
	return g_mime_multipart_get_part(mixed, with_header ? 1 : 0);
}

static void
test_decorate_wraps(Fixture *fixture, gconstpointer user_data)
{
	static const struct {
		const gchar *name;
		const gchar *file;	/* from tests/data/mail/good, or NULL */
		const gchar *text;
		const gchar *want_type;
		const gchar *want_subtype;
	} cases[] = {
		{"latin1", "latin1.eml", NULL, "text", "plain"},
		{"iso-2022-jp", "japanese-iso-2022-crlf.eml", NULL, "text", "plain"},
		{"alternative", "multi-alt-html.eml", NULL, "multipart", "alternative"},
		{"html", NULL,
		 DEFAULT_HEADERS "Content-Type: text/html; charset=utf-8\n\n<p>hi</p>\n", "text",
		 "html"},
		{"invalid-utf8", NULL,
		 DEFAULT_HEADERS "Content-Type: text/plain; charset=utf-8\n"
				 "Content-Transfer-Encoding: 8bit\n\n\xff\xfe bad\n",
		 "text", "plain"},
		{"attachment-disposition", NULL,
		 DEFAULT_HEADERS "Content-Type: text/plain\nContent-Disposition: attachment; "
				 "filename=a.txt\n\nfile\n",
		 "text", "plain"},
		{"binary", NULL,
		 DEFAULT_HEADERS "Content-Type: application/octet-stream\n"
				 "Content-Transfer-Encoding: base64\n\nAAECAw==\n",
		 "application", "octet-stream"},
		{"encrypted", "encrypted-mime-thunderbird.eml", NULL, "multipart", "encrypted"},
	};

	set_setting(fixture->list, "msg_header", "Welcome to $display_name");
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) raw = cases[i].file != NULL
						? read_data("good", cases[i].file)
						: g_bytes_new(cases[i].text, strlen(cases[i].text));
		g_autoptr(GMimeMessage) message = parse_bytes(fixture->ctx, raw);
		g_autoptr(GMimeMessage) again = NULL;
		g_autoptr(GBytes) before = pgl_mail_object_to_bytes(
			g_mime_message_get_mime_part(message));
		g_autoptr(GBytes) after = NULL;
		GMimeObject *header;
		GMimeObject *inner;
		g_autofree gchar *header_text = NULL;

		run_handler(fixture, &pgl_handler_decorate, message);
		again = round_trip(fixture, message);
		inner = check_wrapped(again, TRUE, cases[i].name);
		if (!g_mime_content_type_is_type(g_mime_object_get_content_type(inner),
						 cases[i].want_type, cases[i].want_subtype))
			g_error("case %s: got inner %s, want %s/%s", cases[i].name,
				g_mime_content_type_get_mime_type(
					g_mime_object_get_content_type(inner)),
				cases[i].want_type, cases[i].want_subtype);
		header = g_mime_multipart_get_part(
			GMIME_MULTIPART(g_mime_message_get_mime_part(again)), 0);
		header_text = pgl_mail_part_get_text(GMIME_TEXT_PART(header));
		g_assert_cmpstr(header_text, ==, "Welcome to Test\n");
		/* the original part is unchanged */
		after = pgl_mail_object_to_bytes(inner);
		if (!g_bytes_equal(before, after))
			g_error("case %s: the wrapped part changed:\n--- before\n%.*s\n"
				"--- after\n%.*s",
				cases[i].name, (int)g_bytes_get_size(before),
				(const gchar *)g_bytes_get_data(before, NULL),
				(int)g_bytes_get_size(after),
				(const gchar *)g_bytes_get_data(after, NULL));
	}
}

static void
test_decorate_mixed(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_ok(
		fixture->ctx,
		DEFAULT_HEADERS "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=mm\n\n"
				"--mm\nContent-Type: text/plain\n\nfirst\n"
				"--mm\nContent-Type: image/png\n"
				"Content-Transfer-Encoding: base64\n\n"
				"iVBORw0KGgo=\n--mm--\n");
	g_autoptr(GMimeMessage) again = NULL;
	GMimeMultipart *top;
	g_autofree gchar *first = NULL;
	g_autofree gchar *header = NULL;

	set_setting(fixture->list, "msg_header", "Header of $list_name");
	run_handler(fixture, &pgl_handler_decorate, message);
	again = round_trip(fixture, message);
	top = GMIME_MULTIPART(g_mime_message_get_mime_part(again));
	g_assert_cmpint(g_mime_multipart_get_count(top), ==, 4);
	header = pgl_mail_part_get_text(GMIME_TEXT_PART(g_mime_multipart_get_part(top, 0)));
	g_assert_cmpstr(header, ==, "Header of test\n");
	first = pgl_mail_part_get_text(GMIME_TEXT_PART(g_mime_multipart_get_part(top, 1)));
	g_assert_cmpstr(first, ==, "first");
	g_assert_true(g_mime_content_type_is_type(
		g_mime_object_get_content_type(g_mime_multipart_get_part(top, 2)), "image", "png"));
	g_assert_true(GMIME_IS_TEXT_PART(g_mime_multipart_get_part(top, 3)));
}

/* The bytes of the first part of a multipart/signed with @boundary, as RFC 3156 §5 defines them:
 * from the line after the first delimiter to the line break before the next one. */
static GBytes *
signed_content(const gchar *text, gsize length, const gchar *boundary)
{
	g_autofree gchar *open = g_strdup_printf("--%s\n", boundary);
	g_autofree gchar *close = g_strdup_printf("\n--%s", boundary);
	const gchar *start = g_strstr_len(text, length, open);
	const gchar *end;

	g_assert_nonnull(start);
	start += strlen(open);
	end = g_strstr_len(start, length - (start - text), close);
	g_assert_nonnull(end);
	return g_bytes_new(start, end - start);
}

static GBytes *
lf_only(GBytes *raw)
{
	gsize size = 0;
	const gchar *data = g_bytes_get_data(raw, &size);
	GString *out = g_string_sized_new(size);

	for (gsize i = 0; i < size; i++) {
		if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')
			continue;
		g_string_append_c(out, data[i]);
	}
	return g_string_free_to_bytes(out);
}

static gboolean
write_crlf(const gchar *path, GBytes *bytes)
{
	gsize size = 0;
	const gchar *data = g_bytes_get_data(bytes, &size);
	GString *out = g_string_sized_new(size + size / 20);

	for (gsize i = 0; i < size; i++) {
		if (data[i] == '\n')
			g_string_append_c(out, '\r');
		g_string_append_c(out, data[i]);
	}
	gboolean ok = g_file_set_contents(path, out->str, (gssize)out->len, NULL);

	g_string_free(out, TRUE);
	return ok;
}

/* gpg --verify of @content (LF, made CRLF) against the signature part; skipped if no gpg. */
static void
gpg_verify(Fixture *fixture, GMimeMultipart *signed_part, GBytes *content, const gchar *key)
{
	g_autofree gchar *gpg = g_find_program_in_path("gpg");
	g_autofree gchar *home = g_build_filename(fixture->tmpdir, "gnupg", NULL);
	g_autofree gchar *data_path = g_build_filename(fixture->tmpdir, "signed.txt", NULL);
	g_autofree gchar *sig_path = g_build_filename(fixture->tmpdir, "signature.asc", NULL);
	g_autofree gchar *key_path =
		g_test_build_filename(G_TEST_DIST, "data", "mail", "pgp", key, NULL);
	g_autofree gchar *status = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) env = NULL;
	GMimeObject *signature = g_mime_multipart_get_part(signed_part, 1);
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new();
	GByteArray *array;
	gint wait_status = 0;

	if (gpg == NULL) {
		g_test_message("gpg not found: signature check skipped");
		return;
	}
	g_assert_cmpint(g_mkdir_with_parents(home, 0700), ==, 0);
	env = g_get_environ();
	env = g_environ_setenv(env, "GNUPGHOME", home, TRUE);
	env = g_environ_unsetenv(env, "DISPLAY");
	env = g_environ_unsetenv(env, "GPG_TTY");
	g_assert_true(write_crlf(data_path, content));
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(signature)), stream);
	array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	g_assert_true(g_file_set_contents(sig_path, (const gchar *)array->data, array->len, NULL));
	{
		const gchar *import[] = {gpg,	   "--batch",	"--no-autostart", "--quiet",
					 "--import", key_path, NULL};

		g_assert_true(g_spawn_sync(NULL, (gchar **)import, env, G_SPAWN_STDOUT_TO_DEV_NULL |
						 G_SPAWN_STDERR_TO_DEV_NULL,
					   NULL, NULL, NULL, NULL, &wait_status, &error));
		g_assert_no_error(error);
	}
	{
		const gchar *verify[] = {gpg,	     "--batch", "--no-autostart", "--status-fd",
					 "1",	     "--verify", sig_path,	   data_path,
					 NULL};

		g_assert_true(g_spawn_sync(NULL, (gchar **)verify, env, G_SPAWN_STDERR_TO_DEV_NULL,
					   NULL, NULL, &status, NULL, &wait_status, &error));
		g_assert_no_error(error);
	}
	if (strstr(status, "[GNUPG:] GOODSIG") == NULL)
		g_error("gpg did not verify the decorated signed part:\n%s", status);
	g_remove(data_path);
	g_remove(sig_path);
}

typedef struct {
	const gchar *file;
	const gchar *key; /* NULL: signer key not available */
} SignedCase;

static void
test_decorate_signed(Fixture *fixture, gconstpointer user_data)
{
	static const SignedCase cases[] = {
		{"signed-mime-thunderbird.eml", "paz-nadir-org.pub.asc"},
		{"signed-mime-mailman-pgp.eml", "rsa-1024b-example-org.pub.asc"},
		{"signed-multi-alt-crlf.eml", "paz-nadir-org.pub.asc"},
		{"signed-malformed-inner-multipart.eml", NULL},
	};

	set_setting(fixture->list, "msg_header", "Posted to $display_name");
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) raw = read_data("good", cases[i].file);
		g_autoptr(GBytes) raw_lf = lf_only(raw);
		g_autoptr(GMimeMessage) message = parse_bytes(fixture->ctx, raw);
		g_autoptr(GMimeMessage) again = NULL;
		g_autoptr(GBytes) out = NULL;
		g_autoptr(GBytes) before = NULL;
		g_autoptr(GBytes) after = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(PglPosting) posting = NULL;
		GMimeObject *top = g_mime_message_get_mime_part(message);
		gchar *boundary;
		GMimeObject *inner;

		g_assert_true(GMIME_IS_MULTIPART_SIGNED(top));
		boundary = g_strdup(g_mime_multipart_get_boundary(GMIME_MULTIPART(top)));
		before = signed_content(g_bytes_get_data(raw_lf, NULL), g_bytes_get_size(raw_lf),
					boundary);

		/* the whole pipeline, not just decorate: nothing may touch the signed part */
		set_setting(fixture->list, "reply_goes_to_list", "point_to_list");
		set_setting(fixture->list, "dmarc_mitigate_action", "munge_from");
		posting = pgl_posting_new(fixture->ctx, fixture->list, message,
					  g_bytes_get_size(raw), NULL, NULL);
		g_assert_true(pgl_pipeline_run(posting, &error));
		g_assert_no_error(error);

		out = pgl_mail_to_bytes(message);
		again = parse_bytes(fixture->ctx, out);
		inner = check_wrapped(again, TRUE, cases[i].file);
		g_assert_true(GMIME_IS_MULTIPART_SIGNED(inner));
		g_assert_cmpstr(g_mime_multipart_get_boundary(GMIME_MULTIPART(inner)), ==,
				boundary);
		after = signed_content(g_bytes_get_data(out, NULL), g_bytes_get_size(out),
				       boundary);
		if (!g_bytes_equal(before, after))
			g_error("%s: signed part changed:\n--- before\n%.*s\n--- after\n%.*s",
				cases[i].file, (int)g_bytes_get_size(before),
				(const gchar *)g_bytes_get_data(before, NULL),
				(int)g_bytes_get_size(after),
				(const gchar *)g_bytes_get_data(after, NULL));
		if (cases[i].key != NULL)
			gpg_verify(fixture, GMIME_MULTIPART(inner), after, cases[i].key);
		g_free(boundary);
	}
}

/* ---- the whole pipeline ---- */

static void
test_pipeline_order(void)
{
	static const gchar *const want[] = {"cleanse",	   "subject-prefix", "reply-to",
					    "dmarc",	   "rfc-2369",	     "x-beenthere",
					    "precedence", "pgp-headers",    "decorate",
					    NULL};
	const PglHandler *const *handlers = pgl_pipeline_get_handlers();

	for (guint i = 0; want[i] != NULL; i++) {
		g_assert_nonnull(handlers[i]);
		g_assert_cmpstr(handlers[i]->name, ==, want[i]);
	}
	g_assert_cmpuint(g_strv_length((gchar **)want), ==, 9);
	g_assert_null(handlers[9]);
}

static void
test_pipeline_run(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_ok(
		fixture->ctx, DEFAULT_HEADERS "Approved: pw\nReply-To: me@example.net\n"
					      "Disposition-Notification-To: poster@example.org\n"
					      "\nHello list.\n");
	g_autoptr(PglPosting) posting = NULL;
	g_autoptr(GMimeMessage) again = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *subject = NULL;
	g_autofree gchar *body = NULL;

	set_setting(fixture->list, "reply_goes_to_list", "point_to_list");
	posting = pgl_posting_new(fixture->ctx, fixture->list, message, 200, NULL, NULL);
	g_assert_true(pgl_pipeline_run(posting, &error));
	g_assert_no_error(error);
	again = round_trip(fixture, message);
	g_assert_null(pgl_mail_get_header(again, "Approved"));
	g_assert_null(pgl_mail_get_header(again, "Disposition-Notification-To"));
	subject = pgl_mail_get_subject(again);
	g_assert_cmpstr(subject, ==, "[Test] hello");
	g_assert_cmpstr(pgl_mail_get_header(again, "X-BeenThere"), ==, "test@example.org");
	g_assert_cmpstr(pgl_mail_get_header(again, "Precedence"), ==, "list");
	g_assert_cmpstr(pgl_mail_get_header(again, "List-Id"), ==, "\"Test\" <test.example.org>");
	body = pgl_mail_part_get_text(GMIME_TEXT_PART(g_mime_message_get_mime_part(again)));
	g_assert_true(g_str_has_prefix(body, "Hello list.\n____"));
	{
		g_autofree gchar *reply = address_list_string(g_mime_message_get_reply_to(again));

		g_assert_cmpstr(reply, ==, "test@example.org,me@example.net");
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
	ADD("/pipeline/handlers/cleanse", test_cleanse);
	ADD("/pipeline/handlers/subject-prefix", test_subject_prefix);
	ADD("/pipeline/handlers/reply-to", test_reply_to);
	ADD("/pipeline/handlers/dmarc/reply-to", test_dmarc);
	ADD("/pipeline/handlers/dmarc/point-to-list", test_dmarc_point_to_list);
	ADD("/pipeline/handlers/dmarc/off", test_dmarc_off);
	ADD("/pipeline/handlers/rfc-2369/headers", test_rfc2369);
	ADD("/pipeline/handlers/rfc-2369/settings", test_rfc2369_settings);
	ADD("/pipeline/handlers/stamps", test_stamps);
	ADD("/pipeline/handlers/decorate/in-place", test_decorate_in_place);
	ADD("/pipeline/handlers/decorate/default-footer", test_decorate_default_footer);
	ADD("/pipeline/handlers/decorate/nothing", test_decorate_nothing);
	ADD("/pipeline/handlers/decorate/wraps", test_decorate_wraps);
	ADD("/pipeline/handlers/decorate/mixed", test_decorate_mixed);
	ADD("/pipeline/handlers/decorate/signed", test_decorate_signed);
	ADD("/pipeline/run", test_pipeline_run);
#undef ADD
	g_test_add_func("/pipeline/order", test_pipeline_order);
	return g_test_run();
}
