/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of src/mail: parsing under limits (every PglMailError code provoked, malformed input of
 * every kind), the real messages of tests/data/mail, sender and header helpers, serialisation,
 * Message-IDs and notices.
 */
#include "core/pgl-limits.h"
#include "mail/pgl-mail-body.h"
#include "mail/pgl-mail-headers.h"
#include "mail/pgl-mail-notice.h"
#include "mail/pgl-mail.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct {
	gchar *tmpdir;
	PglContext *ctx;
} Fixture;

typedef struct {
	guint message_max;
	guint header_max;
	guint mime_depth_max;
	guint mime_parts_max;
} LimitOverrides;

static PglContext *
make_context(const gchar *tmpdir, const LimitOverrides *limits)
{
	g_autoptr(GError) error = NULL;
	PglConfig *config = pgl_config_new_default();
	PglContext *ctx;

	g_free(config->var_dir);
	config->var_dir = g_build_filename(tmpdir, "var", NULL);
	if (limits != NULL) {
		if (limits->message_max != 0)
			config->message_max = limits->message_max;
		if (limits->header_max != 0)
			config->header_max = limits->header_max;
		if (limits->mime_depth_max != 0)
			config->mime_depth_max = limits->mime_depth_max;
		if (limits->mime_parts_max != 0)
			config->mime_parts_max = limits->mime_parts_max;
	}
	ctx = pgl_context_new(config, &error);
	g_assert_no_error(error);
	return ctx;
}

static void
fixture_set_up(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fixture->tmpdir = g_dir_make_tmp("pgl-test-mail-XXXXXX", &error);
	g_assert_no_error(error);
	fixture->ctx = make_context(fixture->tmpdir, NULL);
}

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
fixture_tear_down(Fixture *fixture, gconstpointer user_data)
{
	pgl_context_unref(fixture->ctx);
	remove_tree(fixture->tmpdir);
	g_free(fixture->tmpdir);
}

static GMimeMessage *
parse_text(PglContext *ctx, const gchar *text, GError **error)
{
	g_autoptr(GBytes) raw = g_bytes_new(text, strlen(text));
	GMimeMessage *message = NULL;

	if (!pgl_mail_parse(ctx, raw, &message, error))
		return NULL;
	return message;
}

static GMimeMessage *
parse_ok(PglContext *ctx, const gchar *text)
{
	g_autoptr(GError) error = NULL;
	GMimeMessage *message = parse_text(ctx, text, &error);

	g_assert_no_error(error);
	g_assert_nonnull(message);
	return message;
}

static GMimeMessage *
parse_bytes_ok(PglContext *ctx, GBytes *raw)
{
	g_autoptr(GError) error = NULL;
	GMimeMessage *message = NULL;

	g_assert_true(pgl_mail_parse(ctx, raw, &message, &error));
	g_assert_no_error(error);
	return message;
}

static GBytes *
read_data(const gchar *subdir, const gchar *name)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "data", "mail", subdir, name,
						       NULL);
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	gsize length = 0;

	g_file_get_contents(path, &contents, &length, &error);
	g_assert_no_error(error);
	return g_bytes_new_take(contents, length);
}

/* ---- malformed and limit cases, table-driven ---- */

static gchar *
nested_multipart(guint levels)
{
	GString *text = g_string_new("From: a@example.org\nSubject: nest\nMIME-Version: 1.0\n");

	for (guint i = 0; i < levels; i++)
		g_string_append_printf(text,
				       "Content-Type: multipart/mixed; boundary=b%u\n\n--b%u\n", i,
				       i);
	g_string_append(text, "Content-Type: text/plain\n\nleaf\n");
	for (guint i = levels; i > 0; i--)
		g_string_append_printf(text, "--b%u--\n", i - 1);
	return g_string_free(text, FALSE);
}

static gchar *
nested_rfc822(guint levels)
{
	GString *text = g_string_new(NULL);

	for (guint i = 0; i < levels; i++)
		g_string_append(text, "From: a@example.org\nSubject: fwd\n"
				      "Content-Type: message/rfc822\n\n");
	g_string_append(text, "From: b@example.org\nSubject: inner\n\ntext\n");
	return g_string_free(text, FALSE);
}

static gchar *
many_parts(guint count)
{
	GString *text = g_string_new("From: a@example.org\nSubject: parts\nMIME-Version: 1.0\n"
				     "Content-Type: multipart/mixed; boundary=zz\n\n");

	for (guint i = 0; i < count; i++)
		g_string_append_printf(text, "--zz\nContent-Type: text/plain\n\npart %u\n", i);
	g_string_append(text, "--zz--\n");
	return g_string_free(text, FALSE);
}

static gchar *
long_header(gsize bytes)
{
	GString *text = g_string_new("From: a@example.org\nSubject: ");

	/* folded so that each line stays short: the block is big, not the lines */
	for (gsize i = 0; i < bytes / 70; i++)
		g_string_append(text, "word word word word word word word word word word word\n ");
	g_string_append(text, "end\n\nbody\n");
	return g_string_free(text, FALSE);
}

static gchar *
long_part_header(gsize bytes)
{
	GString *text = g_string_new("From: a@example.org\nSubject: part header\n"
				     "MIME-Version: 1.0\n"
				     "Content-Type: multipart/mixed; boundary=qq\n\n--qq\n"
				     "Content-Type: text/plain\nX-Filler: x");

	for (gsize i = 0; i < bytes / 70; i++)
		g_string_append(text, "word word word word word word word word word word word\n ");
	g_string_append(text, "end\n\nbody\n--qq--\n");
	return g_string_free(text, FALSE);
}

typedef gchar *(*MakeInput)(void);

static gchar *make_depth_over(void) { return nested_multipart(5); }
static gchar *make_depth_ok(void) { return nested_multipart(2); }
static gchar *make_rfc822_over(void) { return nested_rfc822(6); }
static gchar *make_parts_over(void) { return many_parts(20); }
static gchar *make_parts_ok(void) { return many_parts(5); }
static gchar *make_header_over(void) { return long_header(3000); }
static gchar *make_part_header_over(void) { return long_part_header(3000); }
static gchar *make_big(void) { return g_strnfill(2000, 'x'); }

typedef struct {
	const gchar *name;
	const gchar *text;	/* or NULL and make */
	MakeInput make;
	gsize length;		/* 0: strlen (for inputs with NUL bytes) */
	LimitOverrides limits;
	gint want_code;		/* -1: parses */
} ParseCase;

static const ParseCase parse_cases[] = {
	{"empty", "", NULL, 0, {0}, PGL_MAIL_ERROR_PARSE},
	{"only-blank-line", "\n\nbody\n", NULL, 0, {0}, PGL_MAIL_ERROR_PARSE},
	{"nul-in-header", "From: a@example.org\nSubject: a\0b\n\nbody\n", NULL, 40, {0},
	 PGL_MAIL_ERROR_PARSE},
	{"nul-in-body", "From: a@example.org\nSubject: ok\n\nbo\0dy\n", NULL, 40, {0}, -1},
	{"message-max", NULL, make_big, 0, {.message_max = 1024}, PGL_MAIL_ERROR_LIMIT},
	{"header-max", NULL, make_header_over, 0, {.header_max = 1024}, PGL_MAIL_ERROR_LIMIT},
	{"part-header-max", NULL, make_part_header_over, 0, {.header_max = 1024},
	 PGL_MAIL_ERROR_LIMIT},
	{"depth-over", NULL, make_depth_over, 0, {.mime_depth_max = 3}, PGL_MAIL_ERROR_LIMIT},
	{"depth-ok", NULL, make_depth_ok, 0, {.mime_depth_max = 3}, -1},
	{"rfc822-depth-over", NULL, make_rfc822_over, 0, {.mime_depth_max = 4},
	 PGL_MAIL_ERROR_LIMIT},
	{"parts-over", NULL, make_parts_over, 0, {.mime_parts_max = 10}, PGL_MAIL_ERROR_LIMIT},
	{"parts-ok", NULL, make_parts_ok, 0, {.mime_parts_max = 10}, -1},
	{"no-from", "To: list@example.org\nSubject: who?\n\nbody\n", NULL, 0, {0}, -1},
	{"headers-only", "From: a@example.org\nSubject: no body\n", NULL, 0, {0}, -1},
	{"eight-bit-garbage",
	 "From: \xff\xfe <a@example.org>\nSubject: caf\xe9 \xc3\x28 \x80\n\n\xff\xfe\xfd\n", NULL,
	 0, {0}, -1},
	{"crlf", "From: a@example.org\r\nSubject: crlf\r\n\r\nline\r\n", NULL, 0, {0}, -1},
	{"boundary-never-seen",
	 "From: a@example.org\nContent-Type: multipart/mixed; boundary=nope\n\n--other\n\nx\n",
	 NULL, 0, {0}, -1},
	{"boundary-unterminated",
	 "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\ntext\n", NULL,
	 0, {0}, -1},
	{"multipart-without-boundary",
	 "From: a@example.org\nContent-Type: multipart/mixed\n\n--a\n\nx\n--a--\n", NULL, 0, {0},
	 PGL_MAIL_ERROR_AMBIGUOUS},
	{"conflicting-boundary",
	 "From: a@example.org\nContent-Type: multipart/mixed; boundary=a; boundary=b\n\n--a\n\nx\n"
	 "--a--\n",
	 NULL, 0, {0}, PGL_MAIL_ERROR_AMBIGUOUS},
	{"conflicting-from", "From: a@example.org\nFrom: b@example.org\nSubject: s\n\nx\n", NULL,
	 0, {0}, PGL_MAIL_ERROR_AMBIGUOUS},
	{"conflicting-content-type",
	 "From: a@example.org\nContent-Type: text/plain\nContent-Type: text/html\n\nx\n", NULL, 0,
	 {0}, PGL_MAIL_ERROR_AMBIGUOUS},
	{"duplicate-identical-subject", "From: a@example.org\nSubject: s\nSubject: s\n\nx\n", NULL,
	 0, {0}, -1},
	{"invalid-header-name", "From: a@example.org\nBad Header: x\nSubject: s\n\nbody\n", NULL,
	 0, {0}, PGL_MAIL_ERROR_AMBIGUOUS},
	{"control-char-header-name", "From: a@example.org\nX-A\x01: x\n\nbody\n", NULL, 0, {0},
	 PGL_MAIL_ERROR_AMBIGUOUS},
	{"part-without-headers-or-content",
	 "From: a@example.org\nContent-Type: multipart/mixed; boundary=a\n\n--a\n--a\n\nx\n--a--\n",
	 NULL, 0, {0}, PGL_MAIL_ERROR_AMBIGUOUS},
	{"invalid-header-in-part-tolerated",
	 "From: a@example.org\nContent-Type: multipart/mixed; boundary=a\n\n--a\n"
	 "Content-Type: text/plain\nnot a header\n\nx\n--a--\n",
	 NULL, 0, {0}, -1},
	{"garbage", "\x01\x02\x03 not a message at all", NULL, 0, {0}, PGL_MAIL_ERROR_AMBIGUOUS},
};

static void
test_parse_cases(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tmpdir = g_dir_make_tmp("pgl-test-mail-XXXXXX", &error);

	g_assert_no_error(error);
	for (gsize i = 0; i < G_N_ELEMENTS(parse_cases); i++) {
		const ParseCase *test_case = &parse_cases[i];
		g_autofree gchar *made = test_case->make != NULL ? test_case->make() : NULL;
		const gchar *text = made != NULL ? made : test_case->text;
		gsize length = test_case->length != 0 ? test_case->length : strlen(text);
		g_autoptr(PglContext) ctx = make_context(tmpdir, &test_case->limits);
		g_autoptr(GBytes) raw = g_bytes_new(text, length);
		g_autoptr(GMimeMessage) message = NULL;
		g_autoptr(GError) parse_error = NULL;
		gboolean ok = pgl_mail_parse(ctx, raw, &message, &parse_error);

		g_test_message("case %s: ok=%d error=%s", test_case->name, ok,
			       parse_error != NULL ? parse_error->message : "-");
		if (test_case->want_code < 0) {
			if (!ok)
				g_error("case %s: got error \"%s\", want success", test_case->name,
					parse_error->message);
			g_assert_nonnull(message);
		} else {
			if (ok)
				g_error("case %s: parsed, want error code %d", test_case->name,
					test_case->want_code);
			if (!g_error_matches(parse_error, PGL_MAIL_ERROR, test_case->want_code))
				g_error("case %s: got error %s/%d \"%s\", want code %d",
					test_case->name, g_quark_to_string(parse_error->domain),
					parse_error->code, parse_error->message,
					test_case->want_code);
			g_assert_null(message);
		}
	}
	remove_tree(tmpdir);
}

/* Each error code once more, plainly, as STYLE.md asks. */
static void
test_parse_error_codes(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GMimeMessage) message = NULL;

	message = parse_text(fixture->ctx, "", &error);
	g_assert_error(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_PARSE);
	g_clear_error(&error);
	{
		g_autofree gchar *deep = nested_multipart(PGL_LIMIT_MIME_DEPTH_DEFAULT + 2);

		message = parse_text(fixture->ctx, deep, &error);
		g_assert_error(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_LIMIT);
		g_clear_error(&error);
	}
	message = parse_text(fixture->ctx, "From: a@example.org\nFrom: b@example.org\n\nx\n",
			     &error);
	g_assert_error(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_AMBIGUOUS);
	g_assert_null(message);
}

static void
test_parse_eight_bit(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message =
		parse_ok(fixture->ctx, "From: a@example.org\nSubject: caf\xe9 \xc3\x28\n\nx\n");
	g_autofree gchar *subject = pgl_mail_get_subject(message);

	g_assert_nonnull(subject);
	g_assert_true(g_utf8_validate(subject, -1, NULL));
	g_assert_true(g_str_has_prefix(subject, "caf"));
}

static void
test_parse_crlf(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message =
		parse_ok(fixture->ctx, "From: a@example.org\r\nSubject: crlf\r\n folded\r\n\r\n"
				       "line 1\r\nline 2\r\n");
	g_autoptr(GBytes) out = pgl_mail_to_bytes(message);
	gsize size = 0;
	const gchar *data = g_bytes_get_data(out, &size);
	GBytes *raw_body = pgl_mail_get_raw_body(g_mime_message_get_mime_part(message));
	g_autofree gchar *subject = pgl_mail_get_subject(message);

	g_assert_null(memchr(data, '\r', size));
	g_assert_cmpstr(subject, ==, "crlf folded");
	g_assert_nonnull(raw_body);
	g_assert_cmpmem(g_bytes_get_data(raw_body, NULL), g_bytes_get_size(raw_body),
			"line 1\nline 2\n", 14);
}

/* Regression (found by fuzzing, tests/fuzz/corpus/posting/crash-options-lifetime): GMime keeps a
 * copy of the parse's options, warning callback and user data included, in the objects it built
 * and warns through it again when a header is edited after the parse; the callback's state must
 * still be valid then. */
static void
test_parse_edit_after(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = NULL;

	message = parse_ok(fixture->ctx, "From: a@example.org\nSubject: =?UTF-8?B?44G+?=\n\nx\n");
	g_mime_message_set_subject(message, "=?UTF-8?B?44G+44G/44KKEdr@ex2;mple.com/To x", "utf-8");
	g_mime_object_set_header(GMIME_OBJECT(message), "X-Test", "=?bogus?q?x", "utf-8");
	g_mime_object_set_header(GMIME_OBJECT(message), "Reply-To", "\"q\\\"u\" <q@e", NULL);
	{
		g_autoptr(GBytes) out = pgl_mail_to_bytes(message);

		g_assert_cmpuint(g_bytes_get_size(out), >, 0);
	}
}

/* ---- real messages ---- */

static void
test_parse_corpus_good(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *dir_path = g_test_build_filename(G_TEST_DIST, "data", "mail", "good",
							   NULL);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	const gchar *name;
	guint count = 0;

	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autoptr(GBytes) raw = read_data("good", name);
		g_autoptr(GMimeMessage) message = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) out = NULL;
		g_autoptr(GMimeMessage) again = NULL;

		if (!pgl_mail_parse(fixture->ctx, raw, &message, &error))
			g_error("%s: got error \"%s\", want success", name, error->message);
		/* what we write, we can read back */
		out = pgl_mail_to_bytes(message);
		if (!pgl_mail_parse(fixture->ctx, out, &again, &error))
			g_error("%s: re-parse failed: %s", name, error->message);
		count++;
	}
	g_assert_cmpuint(count, >=, 10);
}

static void
test_parse_corpus_broken(Fixture *fixture, gconstpointer user_data)
{
	static const struct {
		const gchar *name;
		PglMailError code;
	} cases[] = {
		{"bounce-no-blank-line.eml", PGL_MAIL_ERROR_AMBIGUOUS},
		{"leading-blank-line.eml", PGL_MAIL_ERROR_AMBIGUOUS},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) raw = read_data("broken", cases[i].name);
		g_autoptr(GMimeMessage) message = NULL;
		g_autoptr(GError) error = NULL;

		if (pgl_mail_parse(fixture->ctx, raw, &message, &error))
			g_error("%s: parsed, want error %d", cases[i].name, cases[i].code);
		if (!g_error_matches(error, PGL_MAIL_ERROR, cases[i].code))
			g_error("%s: got \"%s\" (code %d), want code %d", cases[i].name,
				error->message, error->code, cases[i].code);
	}
}

static void
test_parse_corpus_charsets(Fixture *fixture, gconstpointer user_data)
{
	static const struct {
		const gchar *name;
		const gchar *want_in_body;
	} cases[] = {
		{"latin1.eml", "\xc3\xa9"}, /* é, labelled with the bogus charset ISO-8859 */
		{"japanese-iso-2022-crlf.eml", NULL},
		{"broken-utf8-charset.eml", NULL},
		{"multi-alt-html.eml", NULL},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) raw = read_data("good", cases[i].name);
		g_autoptr(GMimeMessage) message = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree gchar *text = NULL;
		g_autofree gchar *subject = NULL;
		GMimeTextPart *part;

		g_assert_true(pgl_mail_parse(fixture->ctx, raw, &message, &error));
		part = pgl_mail_find_text_part(message, "plain", PGL_MAIL_TEXT_NONE);
		g_assert_nonnull(part);
		text = pgl_mail_part_get_text(part);
		g_assert_nonnull(text);
		g_assert_true(g_utf8_validate(text, -1, NULL));
		if (cases[i].want_in_body != NULL && strstr(text, cases[i].want_in_body) == NULL)
			g_error("%s: body \"%s\" lacks \"%s\"", cases[i].name, text,
				cases[i].want_in_body);
		subject = pgl_mail_get_subject(message);
		if (subject != NULL)
			g_assert_true(g_utf8_validate(subject, -1, NULL));
	}
}

/* ---- sender ---- */

typedef struct {
	const gchar *name;
	const gchar *headers;
	const gchar *envelope;
	const gchar *want;
} SenderCase;

static const SenderCase sender_cases[] = {
	{"from", "From: Alice <Alice@Example.ORG>\n", NULL, "alice@example.org"},
	{"bare-from", "From: bob@example.org\n", "other@example.org", "bob@example.org"},
	{"several-from-sender", "From: a@example.org, b@example.org\nSender: s@example.org\n",
	 NULL, "s@example.org"},
	{"several-from-no-sender", "From: a@example.org, b@example.org\n", NULL,
	 "a@example.org"},
	{"single-from-ignores-sender", "From: a@example.org\nSender: s@example.org\n", NULL,
	 "a@example.org"},
	{"no-from-envelope", "To: x@example.org\n", "<Env@Example.org>", "env@example.org"},
	{"invalid-from-envelope", "From: not an address\n", "env@example.org",
	 "env@example.org"},
	{"quoted-local-part-refused", "From: \"a b\"@example.org\n", NULL, NULL},
	{"group", "From: team: c@example.org;\n", NULL, "c@example.org"},
	{"nothing", "X-Dummy: x\n", NULL, NULL},
	{"null-envelope", "X-Dummy: x\n", "<>", NULL},
	{"encoded-name", "From: =?utf-8?q?J=C3=B6rg?= <jorg@example.org>\n", NULL,
	 "jorg@example.org"},
};

static void
test_sender(Fixture *fixture, gconstpointer user_data)
{
	for (gsize i = 0; i < G_N_ELEMENTS(sender_cases); i++) {
		g_autofree gchar *text = g_strdup_printf("%sSubject: s\n\nbody\n",
							 sender_cases[i].headers);
		g_autoptr(GMimeMessage) message = parse_ok(fixture->ctx, text);
		g_autofree gchar *got = pgl_mail_sender(message, sender_cases[i].envelope);

		if (g_strcmp0(got, sender_cases[i].want) != 0)
			g_error("case %s: got %s, want %s", sender_cases[i].name,
				got != NULL ? got : "NULL",
				sender_cases[i].want != NULL ? sender_cases[i].want : "NULL");
	}
}

/* ---- header helpers ---- */

static void
test_headers(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_ok(
		fixture->ctx,
		"Received: from a by b\nReceived: from c\n by d\nreceived: from e\n"
		"From: a@example.org\n"
		"To: One <one@example.org>, team: two@example.org, Three@EXAMPLE.org;\n"
		"Cc: root@localhost, four@example.org\n"
		"Resent-To: five@example.org\n"
		"Subject: =?utf-8?b?w6TDtsO8?= and =?iso-8859-1?q?caf=E9?=\n"
		"X-Multi: one\nX-Multi: two\n\nbody\n");
	static const gchar *const resent[] = {"Resent-To", NULL};
	g_autofree gchar *subject = pgl_mail_get_subject(message);
	g_autoptr(GPtrArray) recipients = NULL;
	g_autoptr(GPtrArray) resent_addresses = NULL;
	g_autoptr(GPtrArray) values = NULL;
	guint n = 0;

	g_assert_cmpuint(pgl_mail_count_headers(message, "Received"), ==, 3);
	g_assert_cmpuint(pgl_mail_count_headers(message, "X-None"), ==, 0);
	g_assert_cmpstr(subject, ==, "\xc3\xa4\xc3\xb6\xc3\xbc and caf\xc3\xa9");

	recipients = pgl_mail_get_recipients(message, &n);
	g_assert_cmpuint(n, ==, 5);
	g_assert_cmpuint(recipients->len, ==, 4);
	g_assert_cmpstr(recipients->pdata[0], ==, "one@example.org");
	g_assert_cmpstr(recipients->pdata[1], ==, "two@example.org");
	g_assert_cmpstr(recipients->pdata[2], ==, "three@example.org");
	g_assert_cmpstr(recipients->pdata[3], ==, "four@example.org");

	resent_addresses = pgl_mail_get_addresses(message, resent, NULL);
	g_assert_cmpuint(resent_addresses->len, ==, 1);

	values = pgl_mail_get_header_values(message, "x-multi");
	g_assert_cmpuint(values->len, ==, 2);
	g_assert_cmpstr(values->pdata[1], ==, "two");

	g_assert_cmpuint(pgl_mail_remove_headers(message, "X-Multi"), ==, 2);
	g_assert_null(pgl_mail_get_header(message, "X-Multi"));
	g_assert_cmpuint(pgl_mail_remove_headers(message, "X-Multi"), ==, 0);
}

static void
test_no_subject(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_ok(fixture->ctx, "From: a@example.org\n\nx\n");
	g_autofree gchar *subject = pgl_mail_get_subject(message);
	g_autofree gchar *log_id = pgl_mail_get_log_id(message);

	g_assert_null(subject);
	g_assert_cmpstr(log_id, ==, "-");
}

static void
test_message_id(void)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (guint i = 0; i < 1000; i++) {
		gchar *id = pgl_mail_make_message_id("lists.example.org");

		g_assert_true(g_str_has_suffix(id, "@lists.example.org"));
		g_assert_null(strchr(id, '<'));
		g_assert_false(g_hash_table_contains(seen, id));
		g_hash_table_add(seen, id);
	}
}

/* ---- body ---- */

static void
test_body_set_text(Fixture *fixture, gconstpointer user_data)
{
	static const struct {
		const gchar *name;
		const gchar *cte;	/* header value or NULL */
		const gchar *new_text;
		GMimeContentEncoding want;
	} cases[] = {
		{"7bit-ascii", "7bit", "plain\n", GMIME_CONTENT_ENCODING_7BIT},
		{"7bit-utf8", "7bit", "gr\xc3\xbc\xc3\x9f\n",
		 GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE},
		{"none-utf8", NULL, "\xc3\xa9\n", GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE},
		{"8bit-utf8", "8bit", "\xc3\xa9\n", GMIME_CONTENT_ENCODING_8BIT},
		{"base64", "base64", "\xc3\xa9\n", GMIME_CONTENT_ENCODING_BASE64},
		{"qp", "quoted-printable", "plain\n", GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *text = g_strdup_printf(
			"From: a@example.org\nContent-Type: text/plain; charset=us-ascii; "
			"format=flowed\n%s%s%s\nold\n",
			cases[i].cte != NULL ? "Content-Transfer-Encoding: " : "",
			cases[i].cte != NULL ? cases[i].cte : "", cases[i].cte != NULL ? "\n" : "");
		g_autoptr(GMimeMessage) message = parse_ok(fixture->ctx, text);
		GMimeTextPart *part = pgl_mail_find_text_part(message, "plain", PGL_MAIL_TEXT_NONE);
		g_autoptr(GBytes) out = NULL;
		g_autoptr(GMimeMessage) again = NULL;
		g_autofree gchar *got = NULL;
		GMimeContentEncoding encoding;

		g_assert_nonnull(part);
		pgl_mail_part_set_text(part, cases[i].new_text);
		encoding = g_mime_part_get_content_encoding(GMIME_PART(part));
		if (encoding != cases[i].want)
			g_error("case %s: got encoding %d, want %d", cases[i].name, encoding,
				cases[i].want);
		g_assert_cmpstr(g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
									 "format"),
				==, "flowed");
		out = pgl_mail_to_bytes(message);
		again = parse_bytes_ok(fixture->ctx, out);
		got = pgl_mail_part_get_text(
			pgl_mail_find_text_part(again, "plain", PGL_MAIL_TEXT_NONE));
		if (g_strcmp0(got, cases[i].new_text) != 0)
			g_error("case %s: round trip got \"%s\", want \"%s\"", cases[i].name, got,
				cases[i].new_text);
	}
}

static void
test_body_find(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GBytes) raw = read_data("good", "signed-mime-thunderbird.eml");
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) all = NULL;

	g_assert_true(pgl_mail_parse(fixture->ctx, raw, &message, &error));
	g_assert_true(pgl_mail_is_protected(g_mime_message_get_mime_part(message)));
	g_assert_nonnull(pgl_mail_find_text_part(message, "plain", PGL_MAIL_TEXT_NONE));
	g_assert_null(pgl_mail_find_text_part(message, "plain", PGL_MAIL_TEXT_SKIP_PROTECTED));
	all = pgl_mail_find_text_parts(message, PGL_MAIL_TEXT_SKIP_PROTECTED);
	g_assert_cmpuint(all->len, ==, 0);
}

/* ---- notices ---- */

static void
test_notice(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) original =
		parse_ok(fixture->ctx, "From: poster@example.org\nTo: list@example.org\n"
				       "Subject: hello\nMessage-ID: <orig@example.org>\n\n"
				       "the post\n");
	g_autoptr(GMimeMessage) notice = pgl_mail_build_notice(
		"Test list <test-owner@example.org>", "poster@example.org",
		"Your message to Test awaits moderator approval \xe2\x9c\x93",
		"Gr\xc3\xbc\xc3\x9f" "e,\nyour post is held.\n", original, "lists.example.org");
	g_autoptr(GBytes) out = pgl_mail_to_bytes(notice);
	g_autoptr(GMimeMessage) again = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *subject = NULL;
	g_autofree gchar *sender = NULL;
	g_autofree gchar *text = NULL;
	GMimeObject *top;
	GMimeObject *attached;
	GMimeMessage *inner;

	g_assert_true(pgl_mail_parse(fixture->ctx, out, &again, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(pgl_mail_get_header(again, "Auto-Submitted"), ==, "auto-replied");
	g_assert_cmpstr(pgl_mail_get_header(again, "X-pgplist-Notice"), ==, "yes");
	g_assert_nonnull(pgl_mail_get_header(again, "Date"));
	g_assert_true(g_str_has_suffix(g_mime_message_get_message_id(again), "@lists.example.org"));
	subject = pgl_mail_get_subject(again);
	g_assert_cmpstr(subject, ==, "Your message to Test awaits moderator approval \xe2\x9c\x93");
	sender = pgl_mail_sender(again, NULL);
	g_assert_cmpstr(sender, ==, "test-owner@example.org");

	top = g_mime_message_get_mime_part(again);
	g_assert_true(GMIME_IS_MULTIPART(top));
	g_assert_cmpint(g_mime_multipart_get_count(GMIME_MULTIPART(top)), ==, 2);
	text = pgl_mail_part_get_text(pgl_mail_find_text_part(again, "plain", PGL_MAIL_TEXT_NONE));
	g_assert_cmpstr(text, ==, "Gr\xc3\xbc\xc3\x9f" "e,\nyour post is held.\n");
	g_assert_cmpstr(g_mime_object_get_content_type_parameter(
				GMIME_OBJECT(pgl_mail_find_text_part(again, "plain",
								     PGL_MAIL_TEXT_NONE)),
				"charset"),
			==, "utf-8");
	attached = g_mime_multipart_get_part(GMIME_MULTIPART(top), 1);
	g_assert_true(GMIME_IS_MESSAGE_PART(attached));
	inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(attached));
	g_assert_cmpstr(g_mime_message_get_message_id(inner), ==, "orig@example.org");
}

static void
test_notice_plain(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) notice =
		pgl_mail_build_notice("owner@example.org", "Someone <x@example.org>", "Rejected",
				      "plain text\n", NULL, "h.example.org");
	GMimeObject *top = g_mime_message_get_mime_part(notice);
	g_autoptr(GBytes) out = pgl_mail_to_bytes(notice);

	g_assert_true(GMIME_IS_TEXT_PART(top));
	g_assert_nonnull(g_strstr_len(g_bytes_get_data(out, NULL), g_bytes_get_size(out),
				      "Auto-Submitted: auto-replied"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();

	g_test_add_func("/mail/parse/malformed", test_parse_cases);
	g_test_add("/mail/parse/error-codes", Fixture, NULL, fixture_set_up,
		   test_parse_error_codes, fixture_tear_down);
	g_test_add("/mail/parse/eight-bit", Fixture, NULL, fixture_set_up, test_parse_eight_bit,
		   fixture_tear_down);
	g_test_add("/mail/parse/crlf", Fixture, NULL, fixture_set_up, test_parse_crlf,
		   fixture_tear_down);
	g_test_add("/mail/parse/edit-after-parse", Fixture, NULL, fixture_set_up,
		   test_parse_edit_after, fixture_tear_down);
	g_test_add("/mail/parse/corpus-good", Fixture, NULL, fixture_set_up,
		   test_parse_corpus_good, fixture_tear_down);
	g_test_add("/mail/parse/corpus-broken", Fixture, NULL, fixture_set_up,
		   test_parse_corpus_broken, fixture_tear_down);
	g_test_add("/mail/parse/corpus-charsets", Fixture, NULL, fixture_set_up,
		   test_parse_corpus_charsets, fixture_tear_down);
	g_test_add("/mail/headers/sender", Fixture, NULL, fixture_set_up, test_sender,
		   fixture_tear_down);
	g_test_add("/mail/headers/helpers", Fixture, NULL, fixture_set_up, test_headers,
		   fixture_tear_down);
	g_test_add("/mail/headers/no-subject", Fixture, NULL, fixture_set_up, test_no_subject,
		   fixture_tear_down);
	g_test_add_func("/mail/headers/message-id", test_message_id);
	g_test_add("/mail/body/set-text", Fixture, NULL, fixture_set_up, test_body_set_text,
		   fixture_tear_down);
	g_test_add("/mail/body/find", Fixture, NULL, fixture_set_up, test_body_find,
		   fixture_tear_down);
	g_test_add("/mail/notice/with-original", Fixture, NULL, fixture_set_up, test_notice,
		   fixture_tear_down);
	g_test_add("/mail/notice/plain", Fixture, NULL, fixture_set_up, test_notice_plain,
		   fixture_tear_down);
	return g_test_run();
}
