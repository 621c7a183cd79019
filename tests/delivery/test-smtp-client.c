/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Tests of the SMTP client (src/delivery/pgl-smtp-client.c) against the in-process sink
 * (tests/support/pgl-smtp-sink.c): envelope and content, connection reuse and transparent
 * reconnection, per-recipient replies, every PglSmtpError code, STARTTLS/implicit TLS with a
 * throw-away certificate, AUTH, SIZE, PIPELINING and the absence of delayed-ACK stalls. Hostile
 * or broken servers (over-long lines, too many lines, garbage, silence, one byte per write) are
 * played by a small scripted server in this file. Also covers the sink's own API.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <glib/gstdio.h>
#include <string.h>

#include "delivery/pgl-smtp-client.h"
#include "support/pgl-smtp-sink.h"
#include "support/pgl-test-cert.h"

/* Failures say what was compared, what we got and what we wanted. */
#define ASSERT_UINT(got, want)                                                                 \
	G_STMT_START                                                                           \
	{                                                                                      \
		guint64 got_ = (got);                                                          \
		guint64 want_ = (want);                                                        \
		if (got_ != want_) {                                                           \
			g_test_message("%s: got %" G_GUINT64_FORMAT ", want %" G_GUINT64_FORMAT, \
				       #got, got_, want_);                                     \
			g_assert_cmpuint(got_, ==, want_);                                     \
		}                                                                              \
	}                                                                                      \
	G_STMT_END

#define ASSERT_STR(got, want)                                                                  \
	G_STMT_START                                                                           \
	{                                                                                      \
		const gchar *got_ = (got);                                                     \
		const gchar *want_ = (want);                                                   \
		if (g_strcmp0(got_, want_) != 0) {                                             \
			g_test_message("%s: got \"%s\", want \"%s\"", #got, got_, want_);      \
			g_assert_cmpstr(got_, ==, want_);                                      \
		}                                                                              \
	}                                                                                      \
	G_STMT_END

#define ASSERT_OK(ok, error)                                                                   \
	G_STMT_START                                                                           \
	{                                                                                      \
		if (!(ok)) {                                                                   \
			g_test_message("%s: got error \"%s\", want success", #ok,              \
				       (error) != NULL ? (error)->message : "(none)");         \
			g_assert_no_error(error);                                              \
			g_assert_true(ok);                                                     \
		}                                                                              \
	}                                                                                      \
	G_STMT_END

#define ASSERT_ERROR(ok, error, want_code)                                                     \
	G_STMT_START                                                                           \
	{                                                                                      \
		if ((ok) || !g_error_matches((error), PGL_SMTP_ERROR, (want_code))) {          \
			g_test_message("%s: got %s (%s, code %d), want error code %d", #ok,    \
				       (ok) ? "success" : "error",                             \
				       (error) != NULL ? (error)->message : "no message",      \
				       (error) != NULL ? (error)->code : -1, (want_code));     \
			g_assert_false(ok);                                                    \
			g_assert_error((error), PGL_SMTP_ERROR, (gint)(want_code));            \
		}                                                                              \
	}                                                                                      \
	G_STMT_END

/* Certificates shared by all tests; made once in main(). */
static gchar *cert_dir;
static GTlsCertificate *good_cert;
static gchar *good_ca_file;
static gchar *other_ca_file;
static GTlsCertificate *wrong_name_cert;
static gchar *wrong_name_ca_file;

typedef struct {
	PglSmtpSink *sink;
	gchar *tmpdir;
} Fixture;

static void
fixture_set_up(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fixture->tmpdir = g_dir_make_tmp("pgl-test-smtp-XXXXXX", &error);
	g_assert_no_error(error);
	fixture->sink = pgl_smtp_sink_new(&error);
	g_assert_no_error(error);
	g_assert_nonnull(fixture->sink);
}

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name = NULL;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			remove_tree(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer user_data)
{
	g_clear_pointer(&fixture->sink, pgl_smtp_sink_free);
	remove_tree(fixture->tmpdir);
	g_free(fixture->tmpdir);
}

static PglSmtpClientConfig
config_for_port(guint16 port)
{
	PglSmtpClientConfig config = {
		.host = "127.0.0.1",
		.port = port,
		.security = PGL_SMTP_SECURITY_NONE,
		.helo_name = "client.test",
		.timeout_seconds = 10,
	};

	return config;
}

static PglSmtpClientConfig
fixture_config(Fixture *fixture)
{
	return config_for_port(pgl_smtp_sink_get_port(fixture->sink));
}

static GBytes *
bytes_from_string(const gchar *text)
{
	return g_bytes_new(text, strlen(text));
}

static const gchar simple_message[] = "From: list@example.org\n"
				      "To: list@example.org\n"
				      "Subject: test\n"
				      "\n"
				      "Hello.\n";

/* Sends simple_message to @recipients and expects the transaction to run. */
static PglSmtpReply *
send_ok(PglSmtpClient *client, const gchar *const *recipients, guint n_recipients)
{
	g_autoptr(GBytes) message = bytes_from_string(simple_message);
	g_autoptr(GError) error = NULL;
	PglSmtpReply *replies = NULL;
	gboolean ok = FALSE;

	ok = pgl_smtp_client_send(client, "list-bounces@example.org", recipients, n_recipients,
				  message, &replies, &error);
	ASSERT_OK(ok, error);
	g_assert_nonnull(replies);
	return replies;
}

static void
assert_all_replies(const PglSmtpReply *replies, guint n, guint want_code)
{
	for (guint i = 0; i < n; i++)
		ASSERT_UINT(replies[i].code, want_code);
}

static void
assert_bytes_equal(GBytes *got, const gchar *want, gsize want_len)
{
	gsize got_len = 0;
	const gchar *got_data = g_bytes_get_data(got, &got_len);

	if (got_len != want_len || (want_len > 0 && memcmp(got_data, want, want_len) != 0)) {
		g_autofree gchar *got_copy = g_strndup(got_data, got_len);
		g_autofree gchar *got_text = g_strescape(got_copy, NULL);
		g_autofree gchar *want_text = g_strescape(want, NULL);

		g_test_message("content: got \"%s\" (%" G_GSIZE_FORMAT " bytes), want \"%s\" "
			       "(%" G_GSIZE_FORMAT " bytes)",
			       got_text, got_len, want_text, want_len);
		g_test_fail();
	}
}

/* ---- content and envelope ---- */

static void
test_happy_path(Fixture *fixture, gconstpointer user_data)
{
	/* Leading dots, a lone ".", mixed line ends and UTF-8 (8-bit) text. */
	static const gchar input[] = "From: Ann <ann@example.org>\n"
				     "To: list@example.org\n"
				     "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\n"
				     "\n"
				     ".leading dot\n"
				     "..two dots\n"
				     ".\n"
				     "crlf line\r\n"
				     "Grüße aus Köln\n"
				     "last line\n";
	static const gchar want[] = "From: Ann <ann@example.org>\n"
				    "To: list@example.org\n"
				    "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\n"
				    "\n"
				    ".leading dot\n"
				    "..two dots\n"
				    ".\n"
				    "crlf line\n"
				    "Grüße aus Köln\n"
				    "last line\n";
	const gchar *recipients[] = {"bob@example.net", "carol@example.com"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	g_autoptr(GBytes) message = bytes_from_string(input);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) messages = NULL;
	PglSmtpReply *replies = NULL;
	PglSinkMessage *got = NULL;
	gboolean ok = FALSE;

	ok = pgl_smtp_client_send(client, "list-bounces@example.org", recipients, 2, message,
				  &replies, &error);
	ASSERT_OK(ok, error);
	for (guint i = 0; i < 2; i++) {
		ASSERT_UINT(replies[i].code, 250);
		ASSERT_STR(replies[i].enhanced, "2.0.0");
		g_assert_true(g_str_has_prefix(replies[i].text, "Ok: queued as"));
		g_assert_true(pgl_smtp_reply_is_success(&replies[i]));
	}
	pgl_smtp_reply_array_free(replies, 2);

	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 1);
	got = g_ptr_array_index(messages, 0);
	ASSERT_STR(got->mail_from, "list-bounces@example.org");
	ASSERT_UINT(g_strv_length(got->recipients), 2);
	ASSERT_STR(got->recipients[0], "bob@example.net");
	ASSERT_STR(got->recipients[1], "carol@example.com");
	assert_bytes_equal(got->data, want, sizeof(want) - 1);
	g_assert_false(got->tls);
	g_assert_null(got->auth_user);
	/* SIZE is the CRLF size: one more byte per LF-only line (9 of 10 lines). */
	{
		g_autofree gchar *size = g_strdup_printf("SIZE=%zu", sizeof(input) - 1 + 9);

		g_assert_nonnull(strstr(got->mail_parameters, size));
	}
	g_assert_nonnull(strstr(got->mail_parameters, "BODY=8BITMIME"));
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 1);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(fixture->sink), 2);
}

typedef struct {
	const gchar *name;
	const gchar *input;
	gsize input_len;
	const gchar *want;
	gsize want_len;
} ContentCase;

#define CASE(name, input, want) {name, input, sizeof(input) - 1, want, sizeof(want) - 1}

static void
test_content_cases(Fixture *fixture, gconstpointer user_data)
{
	static const ContentCase cases[] = {
		CASE("empty", "", ""),
		CASE("no final newline", "a\nb", "a\nb\n"),
		CASE("lone dot", ".", ".\n"),
		CASE("dot lines", "x\n.\n.\n", "x\n.\n.\n"),
		CASE("two dots", "..\n", "..\n"),
		CASE("dot at end of line", "a.\n.b.\n", "a.\n.b.\n"),
		CASE("crlf", "a\r\nb\r\n", "a\nb\n"),
		CASE("bare CR is a line end", "a\rb\n", "a\nb\n"),
		CASE("CR CR LF", "a\r\r\nb", "a\n\nb\n"),
		CASE("blank lines", "\n\n\n", "\n\n\n"),
		CASE("NUL byte", "a\0b\n", "a\0b\n"),
		CASE("CRLF.CRLF inside", "a\r\n.\r\nb\r\n", "a\n.\nb\n"),
	};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	const gchar *recipients[] = {"bob@example.net"};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) message = g_bytes_new(cases[i].input, cases[i].input_len);
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) messages = NULL;
		PglSmtpReply *replies = NULL;
		gboolean ok = FALSE;

		g_test_message("case: %s", cases[i].name);
		ok = pgl_smtp_client_send(client, "", recipients, 1, message, &replies, &error);
		ASSERT_OK(ok, error);
		ASSERT_UINT(replies[0].code, 250);
		pgl_smtp_reply_array_free(replies, 1);
		messages = pgl_smtp_sink_take_messages(fixture->sink);
		ASSERT_UINT(messages->len, 1);
		assert_bytes_equal(((PglSinkMessage *)g_ptr_array_index(messages, 0))->data,
				   cases[i].want, cases[i].want_len);
		/* The null reverse-path goes out as MAIL FROM:<>. */
		ASSERT_STR(((PglSinkMessage *)g_ptr_array_index(messages, 0))->mail_from, "");
	}
}

/* Without PIPELINING, 8BITMIME and SIZE (and with HELO) the client still delivers. */
static void
test_minimal_server(Fixture *fixture, gconstpointer user_data)
{
	const PglSmtpSinkFlags flags = GPOINTER_TO_UINT(user_data);
	const gchar *recipients[] = {"a@example.net", "b@example.net", "c@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = NULL;
	g_autoptr(GBytes) message = bytes_from_string("Subject: x\n\n8-bit: \xc3\xa9\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) messages = NULL;
	PglSmtpReply *replies = NULL;
	PglSinkMessage *got = NULL;
	PglSmtpSinkStats stats = {0};
	gboolean ok = FALSE;

	pgl_smtp_sink_set_flags(fixture->sink, flags);
	pgl_smtp_sink_add_rule(fixture->sink, "b@*", 550, "5.1.1 no such user", 0);
	client = pgl_smtp_client_new(&config);
	ok = pgl_smtp_client_send(client, "s@example.org", recipients, 3, message, &replies,
				  &error);
	ASSERT_OK(ok, error);
	ASSERT_UINT(replies[0].code, 250);
	ASSERT_UINT(replies[1].code, 550);
	ASSERT_UINT(replies[2].code, 250);
	pgl_smtp_reply_array_free(replies, 3);

	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 1);
	got = g_ptr_array_index(messages, 0);
	ASSERT_UINT(g_strv_length(got->recipients), 2);
	pgl_smtp_sink_get_stats(fixture->sink, &stats);
	if ((flags & (PGL_SMTP_SINK_FLAGS_NO_PIPELINING | PGL_SMTP_SINK_FLAGS_NO_EHLO)) != 0)
		ASSERT_UINT(stats.max_pipelined, 1);
	if ((flags & (PGL_SMTP_SINK_FLAGS_NO_SIZE | PGL_SMTP_SINK_FLAGS_NO_EHLO)) != 0)
		g_assert_null(strstr(got->mail_parameters, "SIZE="));
	if ((flags & (PGL_SMTP_SINK_FLAGS_NO_8BITMIME | PGL_SMTP_SINK_FLAGS_NO_EHLO)) != 0)
		g_assert_null(strstr(got->mail_parameters, "BODY="));
	else
		g_assert_nonnull(strstr(got->mail_parameters, "BODY=8BITMIME"));
}

/* A 7-bit message carries no BODY parameter. */
static void
test_seven_bit(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	g_autoptr(GPtrArray) messages = NULL;
	PglSmtpReply *replies = send_ok(client, recipients, 1);

	pgl_smtp_reply_array_free(replies, 1);
	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 1);
	g_assert_null(strstr(((PglSinkMessage *)g_ptr_array_index(messages, 0))->mail_parameters,
			     "BODY="));
}

/* ---- connections ---- */

static void
test_reuse(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net", "b@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);

	g_assert_false(pgl_smtp_client_is_connected(client));
	for (guint i = 0; i < 3; i++) {
		PglSmtpReply *replies = send_ok(client, recipients, 2);

		assert_all_replies(replies, 2, 250);
		pgl_smtp_reply_array_free(replies, 2);
	}
	g_assert_true(pgl_smtp_client_is_connected(client));
	ASSERT_UINT(pgl_smtp_sink_connection_count(fixture->sink), 1);
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 3);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(fixture->sink), 6);

	/* After close, the next transaction opens a new connection. */
	pgl_smtp_client_close(client);
	g_assert_false(pgl_smtp_client_is_connected(client));
	pgl_smtp_reply_array_free(send_ok(client, recipients, 2), 2);
	ASSERT_UINT(pgl_smtp_sink_connection_count(fixture->sink), 2);
}

/* The server dropped the idle connection: the client notices and reconnects, once. */
static void
test_reconnect_idle_closed(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);

	pgl_smtp_reply_array_free(send_ok(client, recipients, 1), 1);
	pgl_smtp_sink_disconnect_all(fixture->sink);
	pgl_smtp_reply_array_free(send_ok(client, recipients, 1), 1);
	ASSERT_UINT(pgl_smtp_sink_connection_count(fixture->sink), 2);
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 2);
}

/*
 * The server answers MAIL on an old connection with 421 and closes it (idle timeout hit just
 * as we sent): retried transparently on a new connection, pipelined or not.
 */
static void
test_reconnect_421(Fixture *fixture, gconstpointer user_data)
{
	const PglSmtpSinkFlags flags = GPOINTER_TO_UINT(user_data);
	const gchar *recipients[] = {"a@example.net", "b@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);

	pgl_smtp_sink_set_flags(fixture->sink, flags);
	pgl_smtp_sink_set_max_transactions(fixture->sink, 1);
	for (guint i = 0; i < 3; i++) {
		PglSmtpReply *replies = send_ok(client, recipients, 2);

		assert_all_replies(replies, 2, 250);
		pgl_smtp_reply_array_free(replies, 2);
	}
	ASSERT_UINT(pgl_smtp_sink_connection_count(fixture->sink), 3);
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 3);
}

/* The server is gone: TEMPORARY, both on a reused connection and on a fresh connect. */
static void
test_server_gone(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	g_autoptr(PglSmtpClient) fresh = NULL;
	g_autoptr(GBytes) message = bytes_from_string(simple_message);
	g_autoptr(GError) error = NULL;
	PglSmtpReply *replies = NULL;
	gboolean ok = FALSE;

	pgl_smtp_reply_array_free(send_ok(client, recipients, 1), 1);
	g_clear_pointer(&fixture->sink, pgl_smtp_sink_free);

	ok = pgl_smtp_client_send(client, "s@example.org", recipients, 1, message, &replies,
				  &error);
	ASSERT_ERROR(ok, error, PGL_SMTP_ERROR_TEMPORARY);
	g_assert_null(replies);
	g_assert_false(pgl_smtp_client_is_connected(client));
	g_clear_error(&error);

	fresh = pgl_smtp_client_new(&config);
	ok = pgl_smtp_client_send(fresh, "s@example.org", recipients, 1, message, &replies,
				  &error);
	ASSERT_ERROR(ok, error, PGL_SMTP_ERROR_TEMPORARY);
	g_assert_null(replies);
}

/* ---- per-recipient and transaction replies ---- */

static void
test_rcpt_mixed(Fixture *fixture, gconstpointer user_data)
{
	const PglSmtpSinkFlags flags = GPOINTER_TO_UINT(user_data);
	const gchar *recipients[] = {"busy@example.net", "ok@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	g_autoptr(GPtrArray) messages = NULL;
	PglSinkMessage *got = NULL;
	PglSmtpReply *replies = NULL;

	pgl_smtp_sink_set_flags(fixture->sink, flags);
	pgl_smtp_sink_add_rule(fixture->sink, "busy@*", 451, "4.2.0 mailbox busy", 0);
	replies = send_ok(client, recipients, 2);
	ASSERT_UINT(replies[0].code, 451);
	ASSERT_STR(replies[0].enhanced, "4.2.0");
	ASSERT_STR(replies[0].text, "mailbox busy");
	g_assert_true(pgl_smtp_reply_is_temporary(&replies[0]));
	ASSERT_UINT(replies[1].code, 250);
	g_assert_false(pgl_smtp_reply_is_temporary(&replies[1]));
	pgl_smtp_reply_array_free(replies, 2);

	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 1);
	got = g_ptr_array_index(messages, 0);
	ASSERT_UINT(g_strv_length(got->recipients), 1);
	ASSERT_STR(got->recipients[0], "ok@example.net");
}

static void
test_rcpt_all_rejected(Fixture *fixture, gconstpointer user_data)
{
	const PglSmtpSinkFlags flags = GPOINTER_TO_UINT(user_data);
	const gchar *recipients[] = {"x@example.net", "y@example.net", "z@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	PglSmtpReply *replies = NULL;

	pgl_smtp_sink_set_flags(fixture->sink, flags);
	/* Multi-line reply: the text keeps both lines. */
	pgl_smtp_sink_add_rule(fixture->sink, "*", 550, "5.1.1 unknown user\n5.1.1 really", 0);
	replies = send_ok(client, recipients, 3);
	assert_all_replies(replies, 3, 550);
	ASSERT_STR(replies[0].enhanced, "5.1.1");
	ASSERT_STR(replies[0].text, "unknown user\nreally");
	pgl_smtp_reply_array_free(replies, 3);
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 0);

	/* The connection is still in a clean state for the next transaction. */
	pgl_smtp_sink_clear_rules(fixture->sink);
	replies = send_ok(client, recipients, 3);
	assert_all_replies(replies, 3, 250);
	pgl_smtp_reply_array_free(replies, 3);
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 1);
	ASSERT_UINT(pgl_smtp_sink_connection_count(fixture->sink), 1);
}

typedef struct {
	PglSmtpSinkStage stage;
	guint code;
	PglSmtpError want;
} StageRefusal;

static void
test_mail_refused(Fixture *fixture, gconstpointer user_data)
{
	static const StageRefusal cases[] = {
		{PGL_SMTP_SINK_STAGE_MAIL, 550, PGL_SMTP_ERROR_PERMANENT},
		{PGL_SMTP_SINK_STAGE_MAIL, 451, PGL_SMTP_ERROR_TEMPORARY},
		{PGL_SMTP_SINK_STAGE_DATA, 554, PGL_SMTP_ERROR_PERMANENT},
		{PGL_SMTP_SINK_STAGE_DATA, 451, PGL_SMTP_ERROR_TEMPORARY},
	};
	const PglSmtpSinkFlags flags = GPOINTER_TO_UINT(user_data);
	const gchar *recipients[] = {"a@example.net", "b@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	g_autoptr(GBytes) message = bytes_from_string(simple_message);

	pgl_smtp_sink_set_flags(fixture->sink, flags);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *code = g_strdup_printf("%u", cases[i].code);
		PglSmtpReply *replies = NULL;
		gboolean ok = FALSE;

		g_test_message("case: stage %d code %u", cases[i].stage, cases[i].code);
		pgl_smtp_sink_add_stage_rule(fixture->sink, cases[i].stage, "*", cases[i].code,
					     "refused by rule", 1);
		ok = pgl_smtp_client_send(client, "s@example.org", recipients, 2, message,
					  &replies, &error);
		ASSERT_ERROR(ok, error, cases[i].want);
		g_assert_null(replies);
		g_assert_nonnull(strstr(error->message, code));
		g_assert_nonnull(strstr(error->message, "refused by rule"));
		ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 0);
	}
	/* All on one connection, which still works. */
	pgl_smtp_reply_array_free(send_ok(client, recipients, 2), 2);
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 1);
	ASSERT_UINT(pgl_smtp_sink_connection_count(fixture->sink), 1);
}

/* The reply after the content is every accepted recipient's final status. */
static void
test_data_end_refused(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net", "refused@example.net", "b@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	PglSmtpReply *replies = NULL;

	pgl_smtp_sink_add_rule(fixture->sink, "refused@*", 550, "5.1.1 unknown", 0);
	pgl_smtp_sink_set_data_reply(fixture->sink, 452, "4.3.1 insufficient storage", 1);
	replies = send_ok(client, recipients, 3);
	ASSERT_UINT(replies[0].code, 452);
	ASSERT_STR(replies[0].enhanced, "4.3.1");
	ASSERT_UINT(replies[1].code, 550);
	ASSERT_UINT(replies[2].code, 452);
	pgl_smtp_reply_array_free(replies, 3);
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 0);
}

/* Addresses that would break the command line are never sent, and get a 553 of their own. */
static void
test_invalid_addresses(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {
		"good@example.net",
		"evil@example.net>\r\nRCPT TO:<injected@example.net",
		"",
		"sp ace@example.net",
		"b\u00e4d@example.net", /* 8-bit: no SMTPUTF8 yet */
	};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	g_autoptr(GBytes) message = bytes_from_string(simple_message);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) messages = NULL;
	PglSinkMessage *got = NULL;
	PglSmtpReply *replies = send_ok(client, recipients, G_N_ELEMENTS(recipients));
	gboolean ok = FALSE;

	ASSERT_UINT(replies[0].code, 250);
	for (guint i = 1; i < G_N_ELEMENTS(recipients); i++) {
		ASSERT_UINT(replies[i].code, 553);
		ASSERT_STR(replies[i].enhanced, "5.1.3");
	}
	pgl_smtp_reply_array_free(replies, G_N_ELEMENTS(recipients));
	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 1);
	got = g_ptr_array_index(messages, 0);
	ASSERT_UINT(g_strv_length(got->recipients), 1);
	ASSERT_STR(got->recipients[0], "good@example.net");

	/* A bad sender fails the call; nothing is sent. */
	replies = NULL;
	ok = pgl_smtp_client_send(client, "s@example.org>\r\nDATA", recipients, 1, message,
				  &replies, &error);
	ASSERT_ERROR(ok, error, PGL_SMTP_ERROR_PERMANENT);
	g_assert_null(replies);
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 1);
}

/* ---- SIZE and PIPELINING ---- */

static void
test_size_exceeded(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = NULL;
	g_autoptr(GString) text = g_string_new("Subject: big\n\n");
	g_autoptr(GBytes) message = NULL;
	g_autoptr(GError) error = NULL;
	PglSmtpReply *replies = NULL;
	PglSmtpSinkStats stats = {0};
	gboolean ok = FALSE;

	while (text->len < 5000)
		g_string_append(text, "0123456789012345678901234567890123456789\n");
	message = g_bytes_new(text->str, text->len);
	pgl_smtp_sink_set_max_size(fixture->sink, 1000);
	client = pgl_smtp_client_new(&config);
	ok = pgl_smtp_client_send(client, "s@example.org", recipients, 1, message, &replies,
				  &error);
	ASSERT_ERROR(ok, error, PGL_SMTP_ERROR_PERMANENT);
	g_assert_nonnull(strstr(error->message, "SIZE"));
	pgl_smtp_sink_get_stats(fixture->sink, &stats);
	ASSERT_UINT(stats.transactions, 0); /* not even MAIL FROM was sent */
	ASSERT_UINT(stats.messages, 0);
}

static void
test_many_recipients(Fixture *fixture, gconstpointer user_data)
{
	const guint n_recipients = GPOINTER_TO_UINT(user_data);
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	g_autoptr(GPtrArray) recipients = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) messages = NULL;
	PglSinkMessage *got = NULL;
	PglSmtpSinkStats stats = {0};
	PglSmtpReply *replies = NULL;

	for (guint i = 0; i < n_recipients; i++)
		g_ptr_array_add(recipients, g_strdup_printf("member%u@example.net", i));
	/* Every tenth recipient is refused, to check the replies stay in order. */
	pgl_smtp_sink_add_rule(fixture->sink, "member*0@example.net", 550, "5.1.1 gone", 0);
	replies = send_ok(client, (const gchar *const *)recipients->pdata, n_recipients);
	for (guint i = 0; i < n_recipients; i++)
		ASSERT_UINT(replies[i].code, i % 10 == 0 ? 550 : 250);
	pgl_smtp_reply_array_free(replies, n_recipients);

	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 1);
	got = g_ptr_array_index(messages, 0);
	ASSERT_UINT(g_strv_length(got->recipients), n_recipients - n_recipients / 10);
	pgl_smtp_sink_get_stats(fixture->sink, &stats);
	/* MAIL, the RCPTs and DATA arrived in one read (one write by the client). */
	if (n_recipients + 2 <= 256)
		ASSERT_UINT(stats.max_pipelined, n_recipients + 2);
	else
		g_assert_cmpuint(stats.max_pipelined, >=, 200);
	ASSERT_UINT(pgl_smtp_sink_connection_count(fixture->sink), 1);
}

/*
 * DESIGN.md §8: with Nagle on and the final "." in a separate write, every transaction waits
 * 40 ms for a delayed ACK. 100 transactions must take far less than 100 × 40 ms.
 */
static void
test_no_delayed_ack_stall(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net", "b@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	g_autoptr(GString) text = g_string_new("Subject: body of a few kB\n\n");
	g_autoptr(GBytes) message = NULL;
	gint64 start = 0;
	gint64 elapsed_ms = 0;

	while (text->len < 20000)
		g_string_append(text, "A line of body text, long enough to matter at all.\n");
	message = g_bytes_new(text->str, text->len);
	pgl_smtp_sink_set_keep_messages(fixture->sink, FALSE);
	start = g_get_monotonic_time();
	for (guint i = 0; i < 100; i++) {
		g_autoptr(GError) error = NULL;
		PglSmtpReply *replies = NULL;
		gboolean ok = pgl_smtp_client_send(client, "s@example.org", recipients, 2,
						   message, &replies, &error);

		ASSERT_OK(ok, error);
		pgl_smtp_reply_array_free(replies, 2);
	}
	elapsed_ms = (g_get_monotonic_time() - start) / 1000;
	g_test_message("100 transactions took %" G_GINT64_FORMAT " ms", elapsed_ms);
	g_assert_cmpint(elapsed_ms, <, 2000);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(fixture->sink), 200);
}

/* ---- TLS ---- */

static void
test_starttls(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = NULL;
	g_autoptr(GPtrArray) messages = NULL;

	pgl_smtp_sink_set_tls(fixture->sink, good_cert, FALSE);
	config.security = PGL_SMTP_SECURITY_STARTTLS;
	config.ca_file = good_ca_file;
	client = pgl_smtp_client_new(&config);
	for (guint i = 0; i < 2; i++)
		pgl_smtp_reply_array_free(send_ok(client, recipients, 1), 1);
	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 2);
	g_assert_true(((PglSinkMessage *)g_ptr_array_index(messages, 0))->tls);
	g_assert_true(((PglSinkMessage *)g_ptr_array_index(messages, 1))->tls);
	ASSERT_UINT(pgl_smtp_sink_connection_count(fixture->sink), 1);
}

/* A relative CA file name is taken relative to the working directory at creation. */
static void
test_relative_ca_file(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = NULL;
	g_autofree gchar *cwd = g_get_current_dir();
	g_autofree gchar *ca_name = g_path_get_basename(good_ca_file);

	pgl_smtp_sink_set_tls(fixture->sink, good_cert, TRUE);
	config.security = PGL_SMTP_SECURITY_TLS;
	config.ca_file = ca_name;
	g_assert_cmpint(g_chdir(cert_dir), ==, 0);
	client = pgl_smtp_client_new(&config);
	g_assert_cmpint(g_chdir(cwd), ==, 0);
	pgl_smtp_reply_array_free(send_ok(client, recipients, 1), 1);
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 1);
}

static void
test_implicit_tls(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = NULL;
	g_autoptr(GPtrArray) messages = NULL;

	pgl_smtp_sink_set_tls(fixture->sink, good_cert, TRUE);
	config.security = PGL_SMTP_SECURITY_TLS;
	config.ca_file = good_ca_file;
	/* "localhost" is checked against the certificate's DNS name. */
	config.host = "localhost";
	client = pgl_smtp_client_new(&config);
	pgl_smtp_reply_array_free(send_ok(client, recipients, 1), 1);
	/* An idle TLS connection is reused, not mistaken for a closed one. */
	pgl_smtp_reply_array_free(send_ok(client, recipients, 1), 1);
	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 2);
	g_assert_true(((PglSinkMessage *)g_ptr_array_index(messages, 0))->tls);
	ASSERT_UINT(pgl_smtp_sink_connection_count(fixture->sink), 1);

	/* Closed by the server while idle: TLS is set up again on a new connection. */
	pgl_smtp_sink_disconnect_all(fixture->sink);
	pgl_smtp_reply_array_free(send_ok(client, recipients, 1), 1);
	ASSERT_UINT(pgl_smtp_sink_connection_count(fixture->sink), 2);
}

typedef struct {
	const gchar *name;
	PglSmtpSecurity security;
	gboolean implicit_tls;
	gboolean wrong_name;
	gboolean offer_tls;
} TlsFailure;

static void
test_tls_failure(Fixture *fixture, gconstpointer user_data)
{
	static const TlsFailure cases[] = {
		{"STARTTLS, wrong CA", PGL_SMTP_SECURITY_STARTTLS, FALSE, FALSE, TRUE},
		{"implicit TLS, wrong CA", PGL_SMTP_SECURITY_TLS, TRUE, FALSE, TRUE},
		{"STARTTLS, name mismatch", PGL_SMTP_SECURITY_STARTTLS, FALSE, TRUE, TRUE},
		{"implicit TLS, name mismatch", PGL_SMTP_SECURITY_TLS, TRUE, TRUE, TRUE},
		{"STARTTLS not offered", PGL_SMTP_SECURITY_STARTTLS, FALSE, FALSE, FALSE},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const gchar *recipients[] = {"a@example.net"};
		g_autoptr(GError) error = NULL;
		g_autoptr(PglSmtpSink) sink = pgl_smtp_sink_new(&error);
		g_autoptr(PglSmtpClient) client = NULL;
		g_autoptr(GBytes) message = bytes_from_string(simple_message);
		PglSmtpClientConfig config = config_for_port(pgl_smtp_sink_get_port(sink));
		PglSmtpReply *replies = NULL;
		gboolean ok = FALSE;

		g_test_message("case: %s", cases[i].name);
		g_assert_no_error(error);
		if (cases[i].offer_tls)
			pgl_smtp_sink_set_tls(sink,
					      cases[i].wrong_name ? wrong_name_cert : good_cert,
					      cases[i].implicit_tls);
		config.security = cases[i].security;
		/* Wrong CA: trust another self-signed certificate than the one served. */
		config.ca_file = cases[i].wrong_name ? wrong_name_ca_file : other_ca_file;
		if (!cases[i].offer_tls)
			config.ca_file = good_ca_file;
		client = pgl_smtp_client_new(&config);
		ok = pgl_smtp_client_send(client, "s@example.org", recipients, 1, message,
					  &replies, &error);
		ASSERT_ERROR(ok, error, PGL_SMTP_ERROR_TLS);
		g_test_message("error: %s", error->message);
		g_assert_null(replies);
		g_assert_false(pgl_smtp_client_is_connected(client));
		ASSERT_UINT(pgl_smtp_sink_count(sink), 0);
	}
}

/* ---- AUTH ---- */

static void
test_auth_plain_tls(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = NULL;
	g_autoptr(GPtrArray) messages = NULL;
	PglSinkMessage *got = NULL;

	pgl_smtp_sink_set_tls(fixture->sink, good_cert, FALSE);
	pgl_smtp_sink_set_auth(fixture->sink, "relay-user", "s3cret pass");
	config.security = PGL_SMTP_SECURITY_STARTTLS;
	config.ca_file = good_ca_file;
	config.user = "relay-user";
	config.password = "s3cret pass";
	client = pgl_smtp_client_new(&config);
	pgl_smtp_reply_array_free(send_ok(client, recipients, 1), 1);
	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 1);
	got = g_ptr_array_index(messages, 0);
	ASSERT_STR(got->auth_user, "relay-user");
	g_assert_true(got->tls);
}

/* Loopback is the local MTA: AUTH without TLS is allowed there. */
static void
test_auth_cleartext_loopback(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = NULL;
	g_autoptr(GPtrArray) messages = NULL;

	pgl_smtp_sink_set_auth(fixture->sink, "u", "p");
	config.user = "u";
	config.password = "p";
	client = pgl_smtp_client_new(&config);
	pgl_smtp_reply_array_free(send_ok(client, recipients, 1), 1);
	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_STR(((PglSinkMessage *)g_ptr_array_index(messages, 0))->auth_user, "u");
	g_assert_false(((PglSinkMessage *)g_ptr_array_index(messages, 0))->tls);
}

static void
test_auth_wrong_password(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = NULL;
	g_autoptr(GBytes) message = bytes_from_string(simple_message);
	g_autoptr(GError) error = NULL;
	PglSmtpReply *replies = NULL;
	PglSmtpSinkStats stats = {0};
	gboolean ok = FALSE;

	pgl_smtp_sink_set_tls(fixture->sink, good_cert, FALSE);
	pgl_smtp_sink_set_auth(fixture->sink, "relay-user", "right");
	config.security = PGL_SMTP_SECURITY_STARTTLS;
	config.ca_file = good_ca_file;
	config.user = "relay-user";
	config.password = "wrong";
	client = pgl_smtp_client_new(&config);
	ok = pgl_smtp_client_send(client, "s@example.org", recipients, 1, message, &replies,
				  &error);
	ASSERT_ERROR(ok, error, PGL_SMTP_ERROR_PERMANENT);
	g_assert_nonnull(strstr(error->message, "535"));
	g_assert_null(strstr(error->message, "wrong"));
	pgl_smtp_sink_get_stats(fixture->sink, &stats);
	ASSERT_UINT(stats.auth_failures, 1);
	ASSERT_UINT(stats.messages, 0);
}

/* Finds an address of this host that is not loopback, so a peer there is "remote". */
static gchar *
find_non_loopback_address(void)
{
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GInetAddress) target = g_inet_address_new_from_string("198.51.100.1");
	g_autoptr(GSocketAddress) remote = g_inet_socket_address_new(target, 9);
	g_autoptr(GSocketAddress) local = NULL;
	GInetAddress *address = NULL;

	socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
			      G_SOCKET_PROTOCOL_UDP, NULL);
	if (socket == NULL || !g_socket_connect(socket, remote, NULL, NULL))
		return NULL;
	local = g_socket_get_local_address(socket, NULL);
	if (local == NULL)
		return NULL;
	address = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local));
	if (g_inet_address_get_is_loopback(address) || g_inet_address_get_is_any(address))
		return NULL;
	return g_inet_address_to_string(address);
}

/* Credentials are never sent in clear text to a non-loopback peer. */
static void
test_auth_cleartext_remote(void)
{
	const gchar *recipients[] = {"a@example.net"};
	g_autofree gchar *address = find_non_loopback_address();
	g_autoptr(PglSmtpSink) sink = NULL;
	g_autoptr(PglSmtpClient) client = NULL;
	g_autoptr(GBytes) message = bytes_from_string(simple_message);
	g_autoptr(GError) error = NULL;
	PglSmtpClientConfig config = {0};
	PglSmtpReply *replies = NULL;
	PglSmtpSinkStats stats = {0};
	gboolean ok = FALSE;

	if (address == NULL) {
		g_test_skip("no non-loopback IPv4 address on this host");
		return;
	}
	sink = pgl_smtp_sink_new_full(address, 0, &error);
	if (sink == NULL) {
		g_test_skip(error->message);
		return;
	}
	pgl_smtp_sink_set_auth(sink, "u", "p");
	config = config_for_port(pgl_smtp_sink_get_port(sink));
	config.host = address;
	config.user = "u";
	config.password = "p";
	client = pgl_smtp_client_new(&config);
	ok = pgl_smtp_client_send(client, "s@example.org", recipients, 1, message, &replies,
				  &error);
	ASSERT_ERROR(ok, error, PGL_SMTP_ERROR_TLS);
	pgl_smtp_sink_get_stats(sink, &stats);
	ASSERT_UINT(stats.auth_failures, 0);
	ASSERT_UINT(stats.connections, 1);
	ASSERT_UINT(stats.messages, 0);
}

/* ---- the sink ---- */

typedef struct {
	guint16 port;
	guint delay_ms;
	guint n_transactions;
	guint n_recipients;
	gboolean failed;
} SenderJob;

static gpointer
sender_thread(gpointer data)
{
	SenderJob *job = data;
	PglSmtpClientConfig config = config_for_port(job->port);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	g_autoptr(GBytes) message = bytes_from_string(simple_message);
	g_autoptr(GPtrArray) recipients = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < job->n_recipients; i++)
		g_ptr_array_add(recipients, g_strdup_printf("r%u@example.net", i));
	g_usleep(job->delay_ms * G_TIME_SPAN_MILLISECOND);
	for (guint i = 0; i < job->n_transactions; i++) {
		g_autoptr(GError) error = NULL;
		PglSmtpReply *replies = NULL;

		if (!pgl_smtp_client_send(client, "s@example.org",
					  (const gchar *const *)recipients->pdata,
					  job->n_recipients, message, &replies, &error)) {
			g_test_message("sender: %s", error->message);
			job->failed = TRUE;
			return NULL;
		}
		pgl_smtp_reply_array_free(replies, job->n_recipients);
	}
	return NULL;
}

static void
test_sink_wait_for(Fixture *fixture, gconstpointer user_data)
{
	SenderJob job = {pgl_smtp_sink_get_port(fixture->sink), 200, 3, 1, FALSE};
	GThread *thread = g_thread_new("sender", sender_thread, &job);

	/* Nothing arrives this early. */
	g_assert_false(pgl_smtp_sink_wait_for(fixture->sink, 1, 20));
	g_assert_true(pgl_smtp_sink_wait_for(fixture->sink, 3, 10000));
	ASSERT_UINT(pgl_smtp_sink_recipient_count(fixture->sink), 3);
	g_thread_join(thread);
	g_assert_false(job.failed);
	/* More than will ever come: times out. */
	g_assert_false(pgl_smtp_sink_wait_for(fixture->sink, 4, 100));
	g_assert_true(pgl_smtp_sink_wait_for(fixture->sink, 0, 0));
}

static void
test_sink_concurrent(Fixture *fixture, gconstpointer user_data)
{
	SenderJob jobs[4];
	GThread *threads[G_N_ELEMENTS(jobs)];
	g_autoptr(GPtrArray) messages = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(jobs); i++) {
		jobs[i] = (SenderJob){pgl_smtp_sink_get_port(fixture->sink), 0, 50, 5, FALSE};
		threads[i] = g_thread_new("sender", sender_thread, &jobs[i]);
	}
	g_assert_true(pgl_smtp_sink_wait_for(fixture->sink, 4 * 50 * 5, 60000));
	for (gsize i = 0; i < G_N_ELEMENTS(jobs); i++) {
		g_thread_join(threads[i]);
		g_assert_false(jobs[i].failed);
	}
	ASSERT_UINT(pgl_smtp_sink_connection_count(fixture->sink), 4);
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 200);
	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 200);
	g_ptr_array_unref(g_steal_pointer(&messages));
	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 0);
	ASSERT_UINT(pgl_smtp_sink_count(fixture->sink), 200);
}

static void
test_sink_store_dir(Fixture *fixture, gconstpointer user_data)
{
	const gchar *recipients[] = {"a@example.net", "b@example.net"};
	PglSmtpClientConfig config = fixture_config(fixture);
	g_autoptr(PglSmtpClient) client = pgl_smtp_client_new(&config);
	g_autofree gchar *eml_path = g_build_filename(fixture->tmpdir, "msg-000001.eml", NULL);
	g_autofree gchar *env_path = g_build_filename(fixture->tmpdir, "msg-000001.env", NULL);
	g_autofree gchar *eml = NULL;
	g_autofree gchar *env = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) messages = NULL;

	pgl_smtp_sink_set_store_dir(fixture->sink, fixture->tmpdir);
	pgl_smtp_sink_set_keep_messages(fixture->sink, FALSE);
	pgl_smtp_reply_array_free(send_ok(client, recipients, 2), 2);
	g_file_get_contents(eml_path, &eml, NULL, &error);
	g_assert_no_error(error);
	ASSERT_STR(eml, simple_message);
	g_file_get_contents(env_path, &env, NULL, &error);
	g_assert_no_error(error);
	ASSERT_STR(env, "MAIL FROM:<list-bounces@example.org>\n"
			"RCPT TO:<a@example.net>\n"
			"RCPT TO:<b@example.net>\n");
	messages = pgl_smtp_sink_take_messages(fixture->sink);
	ASSERT_UINT(messages->len, 0);
}

/* ---- broken and hostile servers, played by a script ---- */

typedef struct {
	/* Prefix of the client's next line; "." reads DATA content; NULL reads nothing. */
	const gchar *expect;
	const gchar *reply;  /* sent after; NULL: nothing */
} ScriptStep;

typedef struct {
	const ScriptStep *steps;
	gboolean one_byte_writes;
	gboolean lenient; /* do not record unexpected lines (the client speaks TLS) */
	GSocketListener *listener;
	GCancellable *cancellable;
	guint16 port;
	GThread *thread;
	GString *failures; /* written by the thread, read after join */
} Script;

static gboolean
script_write(Script *script, GOutputStream *output, const gchar *text)
{
	gsize len = strlen(text);

	if (!script->one_byte_writes)
		return g_output_stream_write_all(output, text, len, NULL, script->cancellable,
						 NULL);
	for (gsize i = 0; i < len; i++) {
		if (!g_output_stream_write_all(output, text + i, 1, NULL, script->cancellable,
					       NULL))
			return FALSE;
	}
	return TRUE;
}

static gpointer
script_thread(gpointer data)
{
	Script *script = data;
	g_autoptr(GSocketConnection) connection = NULL;
	g_autoptr(GDataInputStream) input = NULL;
	GOutputStream *output = NULL;

	connection = g_socket_listener_accept(script->listener, NULL, script->cancellable, NULL);
	if (connection == NULL)
		return NULL;
	g_socket_set_option(g_socket_connection_get_socket(connection), IPPROTO_TCP, TCP_NODELAY, 1,
			    NULL);
	input = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(connection)));
	g_data_input_stream_set_newline_type(input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
	output = g_io_stream_get_output_stream(G_IO_STREAM(connection));

	for (const ScriptStep *step = script->steps; step->expect != NULL || step->reply != NULL;
	     step++) {
		if (step->expect != NULL && strcmp(step->expect, ".") == 0) {
			for (;;) {
				g_autofree gchar *line = g_data_input_stream_read_line(
					input, NULL, script->cancellable, NULL);

				if (line == NULL || strcmp(line, ".") == 0)
					break;
			}
		} else if (step->expect != NULL) {
			g_autofree gchar *line = g_data_input_stream_read_line(
				input, NULL, script->cancellable, NULL);

			if (line == NULL || !g_str_has_prefix(line, step->expect)) {
				g_string_append_printf(script->failures,
						       "got \"%s\", want \"%s…\"; ",
						       line != NULL ? line : "(EOF)", step->expect);
				return NULL;
			}
		}
		if (step->reply != NULL && !script_write(script, output, step->reply))
			return NULL;
	}
	/* Then until the client goes: QUIT is answered, anything else recorded. */
	for (;;) {
		g_autofree gchar *line =
			g_data_input_stream_read_line(input, NULL, script->cancellable, NULL);

		if (line == NULL)
			break;
		if (g_str_has_prefix(line, "QUIT")) {
			script_write(script, output, "221 bye\r\n");
			break;
		}
		if (!script->lenient)
			g_string_append_printf(script->failures, "unexpected \"%s\"; ", line);
		script_write(script, output, "500 unexpected\r\n");
	}
	return NULL;
}

static Script *
script_start(const ScriptStep *steps, gboolean one_byte_writes, gboolean lenient)
{
	Script *script = g_new0(Script, 1);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) effective = NULL;
	g_autoptr(GError) error = NULL;

	script->steps = steps;
	script->one_byte_writes = one_byte_writes;
	script->lenient = lenient;
	script->listener = g_socket_listener_new();
	script->cancellable = g_cancellable_new();
	script->failures = g_string_new(NULL);
	g_socket_listener_add_address(script->listener, address, G_SOCKET_TYPE_STREAM,
				      G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
	g_assert_no_error(error);
	script->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
	script->thread = g_thread_new("script", script_thread, script);
	return script;
}

/* Stops the script and checks that the client said what it expected. */
static void
script_finish(Script *script)
{
	g_cancellable_cancel(script->cancellable);
	g_thread_join(script->thread);
	if (script->failures->len > 0) {
		g_test_message("script: %s", script->failures->str);
		g_test_fail();
	}
	g_socket_listener_close(script->listener);
	g_object_unref(script->listener);
	g_object_unref(script->cancellable);
	g_string_free(script->failures, TRUE);
	g_free(script);
}

typedef struct {
	const gchar *name;
	const ScriptStep *steps;
	gboolean one_byte_writes;
	PglSmtpSecurity security;
	gboolean with_auth; /* log in as "u" with password "p" */
	gint want_error;    /* -1: success */
	guint want_code;    /* first recipient's reply on success */
	const gchar *want_text; /* (nullable) in the error message, or the reply text */
} ScriptCase;

#define EHLO_OK "250-server.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"

static const ScriptStep steps_multiline_one_byte[] = {
	{NULL, "220-server.test ESMTP\r\n220-second line\r\n220 third\r\n"},
	{"EHLO client.test", "250-server.test greets you\r\n250-SIZE\r\n250-8BITMIME\r\n"
			     "250-ENHANCEDSTATUSCODES\r\n250 HELP\r\n"},
	{"MAIL FROM:<s@example.org>", "250 2.1.0 ok\r\n"},
	{"RCPT TO:<a@example.net>", "250-2.1.5 ok\r\n250 2.1.5 really ok\r\n"},
	{"DATA", "354 go\r\n"},
	{".", "250-2.0.0 first\r\n250 2.0.0 queued\r\n"},
	{NULL, NULL},
};

static ScriptStep steps_line_too_long[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO", NULL}, /* reply filled in by main(): a 5000-byte line */
	{NULL, NULL},
};

static ScriptStep steps_too_many_lines[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO", NULL}, /* reply filled in by main(): 101 lines */
	{NULL, NULL},
};

static const ScriptStep steps_garbage[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO", "hello there\r\n"},
	{NULL, NULL},
};

static const ScriptStep steps_mixed_codes[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO", "250-server.test\r\n251 PIPELINING\r\n"},
	{NULL, NULL},
};

static const ScriptStep steps_silent[] = {
	{NULL, NULL},
};

static const ScriptStep steps_greeting_554[] = {
	{NULL, "554 5.3.2 no service for you\r\n"},
	{NULL, NULL},
};

static const ScriptStep steps_greeting_421[] = {
	{NULL, "421 4.3.2 shutting down\r\n"},
	{NULL, NULL},
};

static const ScriptStep steps_starttls_refused[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO", "250-server.test\r\n250 STARTTLS\r\n"},
	{"STARTTLS", "454 4.7.0 TLS not available\r\n"},
	{NULL, NULL},
};

/* RFC 3207 §4.2: a command pipelined behind the 220 would be injected into the TLS session. */
static const ScriptStep steps_starttls_injection[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO", "250-server.test\r\n250 STARTTLS\r\n"},
	{"STARTTLS", "220 go ahead\r\n250 injected\r\n"},
	{NULL, NULL},
};

static const ScriptStep steps_helo_fallback[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO client.test", "500 5.5.1 what?\r\n"},
	{"HELO client.test", "250 server.test\r\n"},
	{"MAIL FROM:<s@example.org>", "250 ok\r\n"},
	{"RCPT TO:<a@example.net>", "250 ok\r\n"},
	{"DATA", "354 go\r\n"},
	{".", "250 queued\r\n"},
	{NULL, NULL},
};

static const ScriptStep steps_ehlo_421[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO", "421 4.3.2 busy\r\n"},
	{NULL, NULL},
};

/* AUTH LOGIN only (over loopback, so allowed without TLS). "dQ==" is "u", "cA==" is "p". */
static const ScriptStep steps_auth_login[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO", "250-server.test\r\n250 AUTH LOGIN\r\n"},
	{"AUTH LOGIN", "334 VXNlcm5hbWU6\r\n"},
	{"dQ==", "334 UGFzc3dvcmQ6\r\n"},
	{"cA==", "235 2.7.0 ok\r\n"},
	{"MAIL FROM:<s@example.org>", "250 ok\r\n"},
	{"RCPT TO:<a@example.net>", "250 ok\r\n"},
	{"DATA", "354 go\r\n"},
	{".", "250 queued\r\n"},
	{NULL, NULL},
};

static const ScriptStep steps_auth_none_offered[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO", "250-server.test\r\n250 AUTH CRAM-MD5\r\n"},
	{NULL, NULL},
};

/* All RCPTs refused but the server says 354 to DATA anyway: the client must not send. */
static const ScriptStep steps_data_354_no_rcpt[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO", EHLO_OK},
	{"MAIL FROM:<s@example.org>", "250 ok\r\n"},
	{"RCPT TO:<a@example.net>", "550 no\r\n"},
	{"DATA", "354 go ahead anyway\r\n"},
	{NULL, NULL},
};

/* 421 to a RCPT: the server is going away, the whole transaction fails temporarily. */
static const ScriptStep steps_rcpt_421[] = {
	{NULL, "220 server.test\r\n"},
	{"EHLO", "250 server.test\r\n"},
	{"MAIL FROM:<s@example.org>", "250 ok\r\n"},
	{"RCPT TO:<a@example.net>", "421 4.3.2 going down\r\n"},
	{NULL, NULL},
};

#define NONE PGL_SMTP_SECURITY_NONE

static const ScriptCase script_cases[] = {
	{"multi-line replies, one byte per write", steps_multiline_one_byte, TRUE, NONE, FALSE, -1,
	 250, "first\nqueued"},
	{"reply line too long", steps_line_too_long, FALSE, NONE, FALSE, PGL_SMTP_ERROR_PROTOCOL, 0,
	 "too long"},
	{"too many reply lines", steps_too_many_lines, FALSE, NONE, FALSE, PGL_SMTP_ERROR_PROTOCOL,
	 0, "too many lines"},
	{"garbage reply", steps_garbage, FALSE, NONE, FALSE, PGL_SMTP_ERROR_PROTOCOL, 0,
	 "malformed"},
	{"mixed reply codes", steps_mixed_codes, FALSE, NONE, FALSE, PGL_SMTP_ERROR_PROTOCOL, 0,
	 "different codes"},
	{"silent server times out", steps_silent, FALSE, NONE, FALSE, PGL_SMTP_ERROR_TEMPORARY, 0,
	 "timed out"},
	{"TLS handshake times out", steps_silent, FALSE, PGL_SMTP_SECURITY_TLS, FALSE,
	 PGL_SMTP_ERROR_TEMPORARY, 0, "timed out"},
	{"greeting 554", steps_greeting_554, FALSE, NONE, FALSE, PGL_SMTP_ERROR_PERMANENT, 0,
	 "554 5.3.2 no service"},
	{"greeting 421", steps_greeting_421, FALSE, NONE, FALSE, PGL_SMTP_ERROR_TEMPORARY, 0,
	 "421"},
	{"EHLO 421", steps_ehlo_421, FALSE, NONE, FALSE, PGL_SMTP_ERROR_TEMPORARY, 0, "EHLO"},
	{"STARTTLS refused", steps_starttls_refused, FALSE, PGL_SMTP_SECURITY_STARTTLS, FALSE,
	 PGL_SMTP_ERROR_TLS, 0, "454"},
	{"data after STARTTLS reply", steps_starttls_injection, FALSE, PGL_SMTP_SECURITY_STARTTLS,
	 FALSE, PGL_SMTP_ERROR_PROTOCOL, 0, "after the STARTTLS"},
	{"HELO fallback", steps_helo_fallback, FALSE, NONE, FALSE, -1, 250, NULL},
	{"AUTH LOGIN", steps_auth_login, FALSE, NONE, TRUE, -1, 250, NULL},
	{"no usable AUTH mechanism", steps_auth_none_offered, FALSE, NONE, TRUE,
	 PGL_SMTP_ERROR_PERMANENT, 0, "AUTH"},
	{"354 without recipients", steps_data_354_no_rcpt, FALSE, NONE, FALSE, -1, 550, NULL},
	{"421 to RCPT", steps_rcpt_421, FALSE, NONE, FALSE, PGL_SMTP_ERROR_TEMPORARY, 0, "421"},
};

#undef NONE


static void
test_scripted(gconstpointer user_data)
{
	const ScriptCase *script_case = user_data;
	const gchar *recipients[] = {"a@example.net"};
	Script *script = script_start(script_case->steps, script_case->one_byte_writes,
				      script_case->security == PGL_SMTP_SECURITY_TLS);
	PglSmtpClientConfig config = config_for_port(script->port);
	g_autoptr(PglSmtpClient) client = NULL;
	g_autoptr(GBytes) message = bytes_from_string(simple_message);
	g_autoptr(GError) error = NULL;
	PglSmtpReply *replies = NULL;
	gboolean ok = FALSE;

	config.timeout_seconds = 1;
	config.security = script_case->security;
	config.ca_file = good_ca_file;
	if (script_case->with_auth) {
		config.user = "u";
		config.password = "p";
	}
	client = pgl_smtp_client_new(&config);
	ok = pgl_smtp_client_send(client, "s@example.org", recipients, 1, message, &replies,
				  &error);
	if (script_case->want_error < 0) {
		ASSERT_OK(ok, error);
		ASSERT_UINT(replies[0].code, script_case->want_code);
		if (script_case->want_text != NULL)
			ASSERT_STR(replies[0].text, script_case->want_text);
		pgl_smtp_reply_array_free(replies, 1);
	} else {
		ASSERT_ERROR(ok, error, script_case->want_error);
		g_test_message("error: %s", error->message);
		g_assert_null(replies);
		if (script_case->want_text != NULL &&
		    strstr(error->message, script_case->want_text) == NULL) {
			g_test_message("error message: got \"%s\", want it to contain \"%s\"",
				       error->message, script_case->want_text);
			g_test_fail();
		}
	}
	g_clear_pointer(&client, pgl_smtp_client_free);
	script_finish(script);
}

/* ---- main ---- */

static gboolean
make_certificates(GError **error)
{
	g_autoptr(GTlsCertificate) other = NULL;

	cert_dir = g_dir_make_tmp("pgl-test-smtp-certs-XXXXXX", error);
	if (cert_dir == NULL)
		return FALSE;
	good_cert = pgl_test_make_certificate(cert_dir, &good_ca_file, error);
	if (good_cert == NULL)
		return FALSE;
	other = pgl_test_make_certificate_full(cert_dir, "other", "localhost",
					       "DNS:localhost,IP:127.0.0.1", &other_ca_file, error);
	if (other == NULL)
		return FALSE;
	wrong_name_cert = pgl_test_make_certificate_full(cert_dir, "wrong-name",
							 "mx.example.invalid",
							 "DNS:mx.example.invalid",
							 &wrong_name_ca_file, error);
	return wrong_name_cert != NULL;
}

/*
 * XXX: LeakSanitizer (GCC 12) crashes ("Tracer caught signal 11" after "DTLS ...") when it scans
 * the dynamic TLS of GLib pool threads that ran gnutls code during glib-networking's handshakes.
 * Let those threads end before the leak check: a shared-pool thread idles 0.5 s after its last
 * task, then exits if no unused threads may be kept.
 */
static void
stop_idle_pool_threads(void)
{
	g_thread_pool_set_max_unused_threads(0);
	g_thread_pool_stop_unused_threads();
	g_usleep(700 * G_TIME_SPAN_MILLISECOND);
	g_thread_pool_stop_unused_threads();
}

#define ADD(path, func, data)                                                                  \
	g_test_add("/delivery/smtp-client/" path, Fixture, (data), fixture_set_up, func,       \
		   fixture_tear_down)

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) long_reply = g_string_new("250 ");
	g_autoptr(GString) many_lines = g_string_new(NULL);
	gint status = 0;
	const gpointer pipelining = GUINT_TO_POINTER(PGL_SMTP_SINK_FLAGS_NONE);
	const gpointer no_pipelining = GUINT_TO_POINTER(PGL_SMTP_SINK_FLAGS_NO_PIPELINING);

	g_test_init(&argc, &argv, NULL);

	if (!make_certificates(&error)) {
		g_printerr("cannot make test certificates: %s\n", error->message);
		return 1;
	}
	while (long_reply->len < 5000)
		g_string_append_c(long_reply, 'x');
	g_string_append(long_reply, "\r\n");
	steps_line_too_long[1].reply = long_reply->str;
	for (guint i = 0; i < 100; i++)
		g_string_append_printf(many_lines, "250-line %u\r\n", i);
	g_string_append(many_lines, "250 line 100\r\n");
	steps_too_many_lines[1].reply = many_lines->str;

	ADD("happy-path", test_happy_path, NULL);
	ADD("content-cases", test_content_cases, NULL);
	ADD("seven-bit", test_seven_bit, NULL);
	ADD("no-pipelining", test_minimal_server, no_pipelining);
	ADD("no-8bitmime-no-size",
	    test_minimal_server,
	    GUINT_TO_POINTER(PGL_SMTP_SINK_FLAGS_NO_8BITMIME | PGL_SMTP_SINK_FLAGS_NO_SIZE));
	ADD("helo-only", test_minimal_server, GUINT_TO_POINTER(PGL_SMTP_SINK_FLAGS_NO_EHLO));
	ADD("reuse", test_reuse, NULL);
	ADD("reconnect/idle-closed", test_reconnect_idle_closed, NULL);
	ADD("reconnect/421/pipelining", test_reconnect_421, pipelining);
	ADD("reconnect/421/no-pipelining", test_reconnect_421, no_pipelining);
	ADD("server-gone", test_server_gone, NULL);
	ADD("rcpt-mixed/pipelining", test_rcpt_mixed, pipelining);
	ADD("rcpt-mixed/no-pipelining", test_rcpt_mixed, no_pipelining);
	ADD("rcpt-all-rejected/pipelining", test_rcpt_all_rejected, pipelining);
	ADD("rcpt-all-rejected/no-pipelining", test_rcpt_all_rejected, no_pipelining);
	ADD("mail-data-refused/pipelining", test_mail_refused, pipelining);
	ADD("mail-data-refused/no-pipelining", test_mail_refused, no_pipelining);
	ADD("data-end-refused", test_data_end_refused, NULL);
	ADD("invalid-addresses", test_invalid_addresses, NULL);
	ADD("size-exceeded", test_size_exceeded, NULL);
	ADD("pipelining/100", test_many_recipients, GUINT_TO_POINTER(100));
	ADD("pipelining/1000", test_many_recipients, GUINT_TO_POINTER(1000));
	ADD("no-delayed-ack-stall", test_no_delayed_ack_stall, NULL);
	ADD("tls/starttls", test_starttls, NULL);
	ADD("tls/implicit", test_implicit_tls, NULL);
	ADD("tls/failures", test_tls_failure, NULL);
	ADD("tls/relative-ca-file", test_relative_ca_file, NULL);
	ADD("auth/plain-over-tls", test_auth_plain_tls, NULL);
	ADD("auth/cleartext-loopback", test_auth_cleartext_loopback, NULL);
	ADD("auth/wrong-password", test_auth_wrong_password, NULL);
	g_test_add_func("/delivery/smtp-client/auth/cleartext-remote", test_auth_cleartext_remote);
	g_test_add("/delivery/smtp-sink/wait-for", Fixture, NULL, fixture_set_up,
		   test_sink_wait_for, fixture_tear_down);
	g_test_add("/delivery/smtp-sink/concurrent", Fixture, NULL, fixture_set_up,
		   test_sink_concurrent, fixture_tear_down);
	g_test_add("/delivery/smtp-sink/store-dir", Fixture, NULL, fixture_set_up,
		   test_sink_store_dir, fixture_tear_down);

	for (gsize i = 0; i < G_N_ELEMENTS(script_cases); i++) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *slug = g_ascii_strdown(script_cases[i].name, -1);

		g_strdelimit(slug, " ,", '-');
		path = g_strconcat("/delivery/smtp-client/script/", slug, NULL);
		g_test_add_data_func(path, &script_cases[i], test_scripted);
	}

	status = g_test_run();

	stop_idle_pool_threads();

	g_clear_object(&good_cert);
	g_clear_object(&wrong_name_cert);
	g_free(good_ca_file);
	g_free(other_ca_file);
	g_free(wrong_name_ca_file);
	remove_tree(cert_dir);
	g_free(cert_dir);
	return status;
}
