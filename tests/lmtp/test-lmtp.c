/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of src/lmtp: the pure parsers (address, MAIL/RCPT arguments, sanitiser) table by table,
 * then the server over real TCP on 127.0.0.1 with an ephemeral port. Scripted dialogues are
 * tables of steps, each run twice: normally and with the server reading one byte per receive,
 * so every buffer boundary of the line reader is crossed. The rest covers what a script cannot:
 * timeouts, connection limits, stop() under load, stalled peers, binary garbage, a GMainLoop in
 * the default context, and every PGL_LMTP_ERROR code.
 *
 * The server runs its own threads; no test iterates a main context for it.
 */
#include <gio/gio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "lmtp/pgl-lmtp-private.h"
#include "lmtp/pgl-lmtp-server.h"
#include "lmtp/pgl-lmtp-syntax.h"

#define TEST_HOSTNAME	    "lmtp.test.example"
#define TEST_LINE_MAX	    1024
#define TEST_MESSAGE_MAX    65536
#define TEST_HEADER_MAX	    4096
#define TEST_RECIPIENTS_MAX 5
#define TEST_TIMEOUT	    10
#define TEST_SESSIONS_MAX   8
#define CLIENT_TIMEOUT	    15 /* seconds; a hung test fails instead of hanging */

/* ---- fixture: a started server with recording callbacks ----------------------------------- */

typedef struct {
	gsize line_max;
	gsize message_max;
	gsize header_max;
	guint recipients_max;
	guint timeout_seconds;
	guint sessions_max;
	gsize read_size; /* 0: server default */
} ServerOptions;

typedef struct {
	gchar *mail_from;
	GStrv recipients;
	GBytes *message;
	gboolean in_main_thread;
} Delivery;

typedef struct {
	PglLmtpServer *server;
	guint16 port;
	GMutex mutex;
	GPtrArray *deliveries; /* (mutex) (element-type Delivery) */
	GThread *main_thread;
	gint delay_deliver_ms; /* (atomic) */
} Fixture;

static const ServerOptions default_options = {0};

static void
delivery_free(gpointer data)
{
	Delivery *delivery = data;

	g_free(delivery->mail_from);
	g_strfreev(delivery->recipients);
	g_bytes_unref(delivery->message);
	g_free(delivery);
}

/* Accepts *@lists.example, except rcpt-tempfail@ which gets a temporary failure. */
static PglLmtpRcptVerdict
test_rcpt(const gchar *recipient, gpointer user_data)
{
	if (g_str_equal(recipient, "rcpt-tempfail@lists.example"))
		return PGL_LMTP_RCPT_TEMPFAIL;
	if (g_str_has_suffix(recipient, "@lists.example"))
		return PGL_LMTP_RCPT_ACCEPT;
	return PGL_LMTP_RCPT_UNKNOWN;
}

/* Records the message; 250 for each recipient except tempfail@ (451), badreply@ (a reply the
 * server must repair) and noreply@ (left empty). */
static void
test_deliver(const gchar *mail_from, const gchar *const *recipients, guint n_recipients,
	     GBytes *message, PglLmtpReply *replies_out, gpointer user_data)
{
	Fixture *fixture = user_data;
	Delivery *delivery = g_new0(Delivery, 1);
	gint delay_ms = g_atomic_int_get(&fixture->delay_deliver_ms);
	guint index;

	if (delay_ms > 0)
		g_usleep((gulong)delay_ms * 1000);
	delivery->mail_from = g_strdup(mail_from);
	delivery->recipients = g_new0(gchar *, n_recipients + 1);
	for (guint i = 0; i < n_recipients; i++)
		delivery->recipients[i] = g_strdup(recipients[i]);
	delivery->message = g_bytes_ref(message);
	delivery->in_main_thread = g_thread_self() == fixture->main_thread;

	g_mutex_lock(&fixture->mutex);
	index = fixture->deliveries->len;
	g_ptr_array_add(fixture->deliveries, delivery);
	g_mutex_unlock(&fixture->mutex);

	for (guint i = 0; i < n_recipients; i++) {
		g_autofree gchar *text = g_strdup_printf("queued as M%u", index);

		if (g_str_equal(recipients[i], "tempfail@lists.example"))
			pgl_lmtp_reply_set(&replies_out[i], 451, "4.3.0", "try again later");
		else if (g_str_equal(recipients[i], "badreply@lists.example"))
			pgl_lmtp_reply_set(&replies_out[i], 250, "4.0.0", "ok\r\n250 forged");
		else if (g_str_equal(recipients[i], "noreply@lists.example"))
			continue;
		else
			pgl_lmtp_reply_set(&replies_out[i], 250, "2.0.0", text);
	}
}

static PglLmtpServer *
server_new_with(const ServerOptions *options, Fixture *fixture, GError **error)
{
	PglLmtpServerConfig config = {
	    .host = "127.0.0.1",
	    .port = 0,
	    .hostname = TEST_HOSTNAME,
	    .line_max = options->line_max != 0 ? options->line_max : TEST_LINE_MAX,
	    .message_max = options->message_max != 0 ? options->message_max : TEST_MESSAGE_MAX,
	    .header_max = options->header_max != 0 ? options->header_max : TEST_HEADER_MAX,
	    .recipients_max =
		options->recipients_max != 0 ? options->recipients_max : TEST_RECIPIENTS_MAX,
	    .timeout_seconds =
		options->timeout_seconds != 0 ? options->timeout_seconds : TEST_TIMEOUT,
	    .sessions_max = options->sessions_max != 0 ? options->sessions_max : TEST_SESSIONS_MAX,
	};

	return pgl_lmtp_server_new(&config, test_rcpt, test_deliver, fixture, error);
}

/* @data starts with a ServerOptions */
static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
	const ServerOptions *options = data;
	g_autoptr(GError) error = NULL;

	g_mutex_init(&fixture->mutex);
	fixture->deliveries = g_ptr_array_new_with_free_func(delivery_free);
	fixture->main_thread = g_thread_self();
	fixture->server = server_new_with(options, fixture, &error);
	g_assert_no_error(error);
	g_assert_nonnull(fixture->server);
	if (options->read_size != 0)
		pgl_lmtp_server_set_read_size(fixture->server, options->read_size);
	fixture->port = pgl_lmtp_server_get_port(fixture->server);
	g_assert_cmpuint(fixture->port, !=, 0);
	pgl_lmtp_server_start(fixture->server);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
	g_clear_pointer(&fixture->server, pgl_lmtp_server_free);
	g_clear_pointer(&fixture->deliveries, g_ptr_array_unref);
	g_mutex_clear(&fixture->mutex);
}

static guint
fixture_n_deliveries(Fixture *fixture)
{
	guint n;

	g_mutex_lock(&fixture->mutex);
	n = fixture->deliveries->len;
	g_mutex_unlock(&fixture->mutex);
	return n;
}

/* The returned delivery stays valid until tear-down. */
static const Delivery *
fixture_delivery(Fixture *fixture, guint index)
{
	const Delivery *delivery;

	g_mutex_lock(&fixture->mutex);
	g_assert_cmpuint(index, <, fixture->deliveries->len);
	delivery = g_ptr_array_index(fixture->deliveries, index);
	g_mutex_unlock(&fixture->mutex);
	return delivery;
}

/* ---- a scripted LMTP client ---------------------------------------------------------------- */

typedef struct {
	GSocketConnection *connection; /* (owned) */
	GDataInputStream *input;       /* (owned) */
	GOutputStream *output;	       /* (unowned) */
	gboolean one_byte_writes;
} Client;

static void
client_free(Client *client)
{
	g_clear_object(&client->input);
	g_clear_object(&client->connection);
	g_free(client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Client, client_free)

static Client *
client_connect(guint16 port, GError **error)
{
	g_autoptr(GSocketClient) socket_client = g_socket_client_new();
	g_autoptr(Client) client = g_new0(Client, 1);

	g_socket_client_set_timeout(socket_client, CLIENT_TIMEOUT);
	client->connection =
	    g_socket_client_connect_to_host(socket_client, "127.0.0.1", port, NULL, error);
	if (client->connection == NULL)
		return NULL;
	(void)g_socket_set_option(g_socket_connection_get_socket(client->connection), IPPROTO_TCP,
				  TCP_NODELAY, 1, NULL);
	client->input = g_data_input_stream_new(
	    g_io_stream_get_input_stream(G_IO_STREAM(client->connection)));
	g_data_input_stream_set_newline_type(client->input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
	client->output = g_io_stream_get_output_stream(G_IO_STREAM(client->connection));
	return g_steal_pointer(&client);
}

static gboolean
client_send(Client *client, const gchar *data, gsize len, GError **error)
{
	if (!client->one_byte_writes)
		return g_output_stream_write_all(client->output, data, len, NULL, NULL, error);
	for (gsize i = 0; i < len; i++) {
		if (!g_output_stream_write_all(client->output, data + i, 1, NULL, NULL, error))
			return FALSE;
	}
	return TRUE;
}

/* Reads one (possibly multi-line) reply; its lines are joined with '\n'. Returns %NULL without
 * an error at a clean end of stream. */
static gchar *
client_read_reply(Client *client, GError **error)
{
	g_autoptr(GString) reply = g_string_new(NULL);

	for (;;) {
		g_autoptr(GError) error_local = NULL;
		g_autofree gchar *line =
		    g_data_input_stream_read_line(client->input, NULL, NULL, &error_local);

		if (line == NULL) {
			if (error_local != NULL) {
				g_propagate_error(error, g_steal_pointer(&error_local));
				return NULL;
			}
			if (reply->len == 0)
				return NULL;
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
				    "connection closed inside a reply: %s", reply->str);
			return NULL;
		}
		if (reply->len > 0)
			g_string_append_c(reply, '\n');
		g_string_append(reply, line);
		if (strlen(line) < 4 || !g_ascii_isdigit(line[0]) || !g_ascii_isdigit(line[1]) ||
		    !g_ascii_isdigit(line[2]) || (line[3] != ' ' && line[3] != '-')) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "malformed reply line: %s", line);
			return NULL;
		}
		if (line[3] == ' ')
			return g_string_free(g_steal_pointer(&reply), FALSE);
	}
}

static const gchar *
last_line(const gchar *reply)
{
	const gchar *nl = strrchr(reply, '\n');

	return nl != NULL ? nl + 1 : reply;
}

/* For the tests written as code rather than tables. */
static void
assert_reply(Client *client, const gchar *want_prefix)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *reply = client_read_reply(client, &error);

	g_assert_no_error(error);
	if (want_prefix == NULL) {
		g_assert_null(reply); /* end of stream */
		return;
	}
	g_assert_nonnull(reply);
	if (!g_str_has_prefix(last_line(reply), want_prefix))
		g_assert_cmpstr(reply, ==, want_prefix); /* prints got and want */
}

static void
assert_send(Client *client, const gchar *data)
{
	g_autoptr(GError) error = NULL;

	client_send(client, data, strlen(data), &error);
	g_assert_no_error(error);
}

static void
assert_bytes_equal(GBytes *got, const gchar *want)
{
	gsize len = 0;
	const gchar *data = g_bytes_get_data(got, &len);
	g_autofree gchar *got_text = g_strndup(data, len);
	g_autofree gchar *got_escaped = g_strescape(got_text, NULL);
	g_autofree gchar *want_escaped = g_strescape(want, NULL);

	g_assert_cmpstr(got_escaped, ==, want_escaped);
	g_assert_cmpuint(len, ==, strlen(want));
}

/* ---- table-driven dialogues ---------------------------------------------------------------- */

/* Steps: "C:text" sends text plus CRLF; "R:text" sends text as is; "X:n" sends n bytes 'x';
 * "Y:n" sends n lines of 98 'y' plus CRLF; "S:prefix" reads a reply whose last line starts
 * with prefix; "S:EOF" expects the server to have closed the connection. The greeting is
 * checked before the first step. */
#define STEPS_MAX 48

typedef struct {
	ServerOptions options;
	const gchar *name;
	const gchar *steps[STEPS_MAX];
	guint want_deliveries;
	const gchar *want_from;	   /* (nullable): sender of the last delivery */
	const gchar *want_message; /* (nullable): content of the last delivery */
	const gchar *want_rcpts;   /* (nullable): recipients of the last delivery, comma-joined */
} DialogueCase;

typedef struct {
	ServerOptions options; /* first: read by fixture_set_up */
	const DialogueCase *dcase;
} DialogueRun;

#define LHLO_MAIL \
	"C:LHLO client.example", "S:250 SIZE", "C:MAIL FROM:<sender@example.org>", "S:250 2.1.0"
#define ONE_RCPT  LHLO_MAIL, "C:RCPT TO:<one@lists.example>", "S:250 2.1.5"
#define TWO_RCPTS ONE_RCPT, "C:RCPT TO:<two@lists.example>", "S:250 2.1.5"
#define BODY	  "R:Subject: t\r\n\r\nbody\r\n.\r\n"

/* Sizes count delivered bytes (after CRLF -> LF): a Y line is 99, "Subject: t\n\n" is 12, an
 * "X:n" line is n + 1. So 12 + 661 * 99 + 85 = 65536 = TEST_MESSAGE_MAX, 41 * 99 + 37 = 4096 =
 * TEST_HEADER_MAX, and "X:1022" plus CRLF is a line of TEST_LINE_MAX bytes. */
static const DialogueCase dialogue_cases[] = {
    {.name = "happy-two-recipients",
     .steps = {TWO_RCPTS, "C:DATA", "S:354", "R:Subject: hello\r\n\r\nHi all.\r\n.\r\n",
	       "S:250 2.0.0 queued as M0", "S:250 2.0.0 queued as M0", "C:QUIT", "S:221 2.0.0",
	       "S:EOF"},
     .want_deliveries = 1,
     .want_from = "sender@example.org",
     .want_rcpts = "one@lists.example,two@lists.example",
     .want_message = "Subject: hello\n\nHi all.\n"},
    {.name = "content-dot-unstuffing",
     .steps = {ONE_RCPT, "C:DATA", "S:354",
	       "R:Subject: dots\r\n\r\n..leading\r\n...\r\n..\r\n. space\r\nmid.dle\r\n"
	       "bare\rcr\r\n\r\n.\r\n",
	       "S:250 2.0.0"},
     .want_deliveries = 1,
     .want_message = "Subject: dots\n\n.leading\n..\n.\n space\nmid.dle\nbare\rcr\n\n"},
    {.name = "bare-lf-client",
     .steps = {"R:LHLO client.example\n", "S:250 SIZE", "R:MAIL FROM:<sender@example.org>\n",
	       "S:250", "R:RCPT TO:<one@lists.example>\n", "S:250", "R:DATA\n", "S:354",
	       "R:Subject: lf\n\nline one\n..dot\nmixed\r\n.\n", "S:250 2.0.0", "R:QUIT\n",
	       "S:221", "S:EOF"},
     .want_deliveries = 1,
     .want_message = "Subject: lf\n\nline one\n.dot\nmixed\n"},
    {.name = "pipelining",
     .steps = {"R:LHLO client.example\r\nMAIL FROM:<>\r\nRCPT TO:<one@lists.example>\r\n"
	       "RCPT TO:<nobody@elsewhere.example>\r\nRCPT TO:<two@lists.example>\r\nDATA\r\n",
	       "S:250 SIZE", "S:250 2.1.0", "S:250 2.1.5", "S:550 5.1.1", "S:250 2.1.5", "S:354",
	       "R:Subject: p\r\n\r\npipelined\r\n.\r\nMAIL FROM:<a@example.org>\r\n"
	       "RCPT TO:<x@lists.example>\r\nDATA\r\n",
	       "S:250 2.0.0", "S:250 2.0.0", "S:250 2.1.0", "S:250 2.1.5", "S:354",
	       "R:Subject: second\r\n\r\n.\r\nQUIT\r\n", "S:250 2.0.0 queued as M1", "S:221",
	       "S:EOF"},
     .want_deliveries = 2,
     .want_from = "a@example.org",
     .want_rcpts = "x@lists.example",
     .want_message = "Subject: second\n\n"},
    {.name = "null-sender",
     .steps = {"C:LHLO c", "S:250", "C:MAIL FROM:<>", "S:250 2.1.0",
	       "C:RCPT TO:<one@lists.example>", "S:250", "C:DATA", "S:354", BODY, "S:250"},
     .want_deliveries = 1,
     .want_from = ""},
    {.name = "lenient-spaces-and-case",
     .steps = {"C:lhlo c", "S:250", "C:mail from: <Sender@Example.org> size=10 body=8bitmime",
	       "S:250 2.1.0", "C:Rcpt To: <One@lists.example>", "S:250 2.1.5", "C:data", "S:354",
	       BODY, "S:250"},
     .want_deliveries = 1,
     .want_from = "Sender@Example.org",
     .want_rcpts = "One@lists.example"},
    {.name = "source-route-ignored",
     .steps = {LHLO_MAIL, "C:RCPT TO:<@relay.example,@other.example:one@lists.example>",
	       "S:250 2.1.5", "C:DATA", "S:354", BODY, "S:250"},
     .want_deliveries = 1,
     .want_rcpts = "one@lists.example"},
    {.name = "two-transactions",
     .steps = {ONE_RCPT, "C:DATA", "S:354", BODY, "S:250 2.0.0 queued as M0",
	       "C:MAIL FROM:<second@example.org>", "S:250", "C:RCPT TO:<two@lists.example>",
	       "S:250", "C:DATA", "S:354", "R:Subject: 2\r\n\r\n.\r\n", "S:250 2.0.0 queued as M1"},
     .want_deliveries = 2,
     .want_from = "second@example.org",
     .want_message = "Subject: 2\n\n"},
    {.name = "unknown-recipient",
     .steps = {LHLO_MAIL, "C:RCPT TO:<nobody@elsewhere.example>", "S:550 5.1.1",
	       "C:RCPT TO:<one@lists.example>", "S:250", "C:DATA", "S:354", BODY,
	       "S:250 2.0.0"},
     .want_deliveries = 1,
     .want_rcpts = "one@lists.example"},
    {.name = "rcpt-tempfail",
     .steps = {LHLO_MAIL, "C:RCPT TO:<rcpt-tempfail@lists.example>", "S:451 4.3.0"}},
    {.name = "deliver-tempfail-per-recipient",
     .steps = {LHLO_MAIL, "C:RCPT TO:<tempfail@lists.example>", "S:250",
	       "C:RCPT TO:<one@lists.example>", "S:250", "C:DATA", "S:354", BODY,
	       "S:451 4.3.0 try again later", "S:250 2.0.0"},
     .want_deliveries = 1},
    {.name = "deliver-reply-repaired",
     .steps = {LHLO_MAIL, "C:RCPT TO:<badreply@lists.example>", "S:250",
	       "C:RCPT TO:<noreply@lists.example>", "S:250", "C:DATA", "S:354", BODY,
	       "S:250 2.0.0 ok??250 forged", "S:451 4.3.0", "C:NOOP", "S:250 2.0.0"},
     .want_deliveries = 1},
    {.name = "duplicate-recipients-kept",
     .steps = {ONE_RCPT, "C:RCPT TO:<one@lists.example>", "S:250", "C:DATA", "S:354", BODY,
	       "S:250", "S:250"},
     .want_deliveries = 1,
     .want_rcpts = "one@lists.example,one@lists.example"},
    /* 503: sequencing */
    {.name = "503-mail-before-lhlo",
     .steps = {"C:MAIL FROM:<a@example.org>", "S:503 5.5.1", "C:RCPT TO:<one@lists.example>",
	       "S:503 5.5.1", "C:DATA", "S:503 5.5.1"}},
    {.name = "503-rcpt-before-mail",
     .steps = {"C:LHLO c", "S:250", "C:RCPT TO:<one@lists.example>", "S:503 5.5.1"}},
    {.name = "503-data-before-mail",
     .steps = {"C:LHLO c", "S:250", "C:DATA", "S:503 5.5.1"}},
    {.name = "503-data-without-valid-recipient",
     .steps = {LHLO_MAIL, "C:RCPT TO:<nobody@elsewhere.example>", "S:550 5.1.1", "C:DATA",
	       "S:503 5.5.1", "C:RCPT TO:<rcpt-tempfail@lists.example>", "S:451", "C:DATA",
	       "S:503 5.5.1"}},
    {.name = "503-nested-mail",
     .steps = {LHLO_MAIL, "C:MAIL FROM:<b@example.org>", "S:503 5.5.1"}},
    {.name = "rset-ends-transaction",
     .steps = {ONE_RCPT, "C:RSET", "S:250 2.0.0", "C:DATA", "S:503 5.5.1",
	       "C:MAIL FROM:<a@example.org>", "S:250", "C:RSET x", "S:501 5.5.4"}},
    {.name = "lhlo-resets-transaction",
     .steps = {ONE_RCPT, "C:LHLO again", "S:250", "C:RCPT TO:<one@lists.example>",
	       "S:503 5.5.1"}},
    /* 501 / 555: syntax */
    {.name = "501-mail-syntax",
     .steps = {"C:LHLO c", "S:250", "C:MAIL", "S:501 5.5.4", "C:MAIL FROM:a@example.org",
	       "S:501 5.5.4", "C:MAIL TO:<a@example.org>", "S:501 5.5.4",
	       "C:MAIL FROM:<a@example.org", "S:501 5.5.4", "C:MAIL FROM:<a@example.org>x",
	       "S:501 5.5.4", "C:MAIL FROM:<a@@example.org>", "S:501 5.1.7",
	       "C:MAIL FROM:<a@example.org> SIZE=abc", "S:501 5.5.4",
	       "C:MAIL FROM:<a@example.org> SIZE=1 SIZE=2", "S:501 5.5.4",
	       "C:MAIL FROM:<a@example.org> BODY=BINARYMIME", "S:501 5.5.4",
	       "C:MAIL FROM:<a@example.org> AUTH=<>", "S:555 5.5.4",
	       "C:MAIL FROM:<\"quoted sender\"@example.org> BODY=7BIT", "S:250 2.1.0"}},
    {.name = "501-rcpt-syntax",
     .steps = {LHLO_MAIL, "C:RCPT TO:<\"quoted\"@lists.example>", "S:501 5.1.3",
	       "C:RCPT TO:<>", "S:501 5.1.3", "C:RCPT TO:one@lists.example", "S:501 5.5.4",
	       "C:RCPT TO:<one@lists.example", "S:501 5.5.4", "C:RCPT TO:<one@-lists.example>",
	       "S:501 5.1.3", "C:RCPT TO:<one..two@lists.example>", "S:501 5.1.3",
	       "C:RCPT TO:<xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	       "@lists.example>",
	       "S:501 5.1.3", "C:RCPT TO:<one@lists.example> NOTIFY=NEVER", "S:555 5.5.4",
	       "C:RCPT TO:<one@lists.example> =x", "S:501 5.5.4",
	       "C:RCPT TO:<xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	       "@lists.example>",
	       "S:250 2.1.5"}},
    {.name = "501-lhlo-vrfy-without-argument",
     .steps = {"C:LHLO", "S:501 5.5.4", "C:LHLO c", "S:250", "C:VRFY", "S:501 5.5.4",
	       "C:VRFY one@lists.example", "S:252 2.5.0", "C:DATA now", "S:501 5.5.4"}},
    {.name = "noop-help-quit",
     .steps = {"C:NOOP", "S:250 2.0.0", "C:NOOP with args", "S:250 2.0.0", "C:HELP",
	       "S:214 2.0.0", "C:QUIT", "S:221 2.0.0", "S:EOF"}},
    /* 552: sizes */
    {.name = "552-declared-size",
     .steps = {"C:LHLO c", "S:250 SIZE 65536", "C:MAIL FROM:<a@example.org> SIZE=65537",
	       "S:552 5.3.4", "C:MAIL FROM:<a@example.org> SIZE=99999999999999999999999999",
	       "S:552 5.3.4", "C:MAIL FROM:<a@example.org> SIZE=65536", "S:250 2.1.0"}},
    {.name = "message-exactly-at-limit",
     .steps = {ONE_RCPT, "C:DATA", "S:354", "R:Subject: t\r\n\r\n", "Y:661", "X:84", "R:\r\n",
	       "C:.", "S:250 2.0.0"},
     .want_deliveries = 1},
    {.name = "552-message-too-big",
     .steps = {TWO_RCPTS, "C:DATA", "S:354", "R:Subject: t\r\n\r\n", "Y:661", "X:85",
	       "R:\r\n", "C:.", "S:552 5.3.4 message too big", "S:552 5.3.4 message too big",
	       "C:MAIL FROM:<a@example.org>", "S:250 2.1.0"}},
    {.name = "552-message-far-too-big",
     .steps = {ONE_RCPT, "C:DATA", "S:354", "R:Subject: t\r\n\r\n", "Y:3000", "C:.",
	       "S:552 5.3.4", "C:NOOP", "S:250"}},
    {.name = "header-exactly-at-limit",
     .steps = {ONE_RCPT, "C:DATA", "S:354", "Y:41", "X:36", "R:\r\n\r\nbody\r\n.\r\n",
	       "S:250 2.0.0"},
     .want_deliveries = 1},
    {.name = "552-header-too-big",
     .steps = {TWO_RCPTS, "C:DATA", "S:354", "Y:41", "X:37", "R:\r\n\r\nbody\r\n.\r\n",
	       "S:552 5.3.4 message header too big", "S:552 5.3.4 message header too big"}},
    {.name = "552-header-without-body-too-big",
     .steps = {ONE_RCPT, "C:DATA", "S:354", "Y:50", "C:.", "S:552 5.3.4"}},
    {.name = "554-empty-message",
     .steps = {ONE_RCPT, "C:DATA", "S:354", "C:.", "S:554 5.6.0"}},
    /* 500: line length */
    {.name = "data-line-exactly-at-limit",
     .steps = {ONE_RCPT, "C:DATA", "S:354", "R:Subject: t\r\n\r\n", "X:1022", "R:\r\n", "C:.",
	       "S:250 2.0.0"},
     .want_deliveries = 1},
    {.name = "500-data-line-too-long",
     .steps = {TWO_RCPTS, "C:DATA", "S:354", "R:Subject: t\r\n\r\n", "X:1023", "R:\r\n",
	       "R:after\r\n.\r\n", "S:500 5.5.0 line too long", "S:500 5.5.0 line too long",
	       "C:MAIL FROM:<a@example.org>", "S:250 2.1.0"}},
    {.name = "500-data-line-huge-then-dot",
     .steps = {ONE_RCPT, "C:DATA", "S:354", "R:Subject: t\r\n\r\n.", "X:100000", "R:\r\n.\r\n",
	       "S:500 5.5.0", "C:NOOP", "S:250"}},
    {.name = "command-line-exactly-at-limit",
     .steps = {"R:NOOP ", "X:1017", "R:\r\n", "S:250 2.0.0"}},
    {.name = "421-command-line-too-long",
     .steps = {"R:NOOP ", "X:1018", "R:\r\n", "S:500 5.5.0 line too long", "S:421 4.5.0",
	       "S:EOF"}},
    {.name = "421-command-line-huge",
     .steps = {"C:LHLO c", "S:250", "X:200000", "S:500 5.5.0", "S:421", "S:EOF"}},
    /* 452 */
    {.name = "452-too-many-recipients",
     .steps = {LHLO_MAIL, "C:RCPT TO:<r1@lists.example>", "S:250",
	       "C:RCPT TO:<nobody@elsewhere.example>", "S:550", "C:RCPT TO:<r2@lists.example>",
	       "S:250", "C:RCPT TO:<r3@lists.example>", "S:250", "C:RCPT TO:<r4@lists.example>",
	       "S:250", "C:RCPT TO:<r5@lists.example>", "S:250", "C:RCPT TO:<r6@lists.example>",
	       "S:452 4.5.3", "C:DATA", "S:354", BODY, "S:250", "S:250", "S:250", "S:250",
	       "S:250", "C:NOOP", "S:250"},
     .want_deliveries = 1,
     .want_rcpts = "r1@lists.example,r2@lists.example,r3@lists.example,r4@lists.example,"
		   "r5@lists.example"},
    /* 500: commands */
    {.name = "500-unknown-command",
     .steps = {"C:BOGUS", "S:500 5.5.2", "C:", "S:500 5.5.2", "C:EXPN list", "S:500 5.5.2",
	       "R:NO\x01OP\r\n", "S:500 5.5.2", "R:NOOP\xc3\xa9\r\n", "S:500 5.5.2", "C:NOOP",
	       "S:250"}},
    {.name = "500-helo-ehlo",
     .steps = {"C:HELO client.example", "S:500 5.5.1", "C:EHLO client.example",
	       "S:500 5.5.1", "C:LHLO client.example", "S:250"}},
    {.name = "421-too-many-errors",
     .steps = {"C:BAD1", "S:500", "C:BAD2", "S:500", "C:BAD3", "S:500", "C:BAD4", "S:500",
	       "C:BAD5", "S:500", "C:MAIL FROM:<a@example.org>", "S:503", "C:HELO x", "S:500",
	       "C:LHLO", "S:501", "C:BAD9", "S:500", "C:BAD10", "S:500", "C:NOOP", "S:250",
	       "C:BAD11", "S:500 5.5.2", "S:421 4.7.0", "S:EOF"}},
    {.name = "421-too-many-errors-pipelined",
     .steps = {"R:X\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\n",
	       "S:500", "S:500", "S:500", "S:500", "S:500", "S:500", "S:500", "S:500", "S:500",
	       "S:500", "S:500", "S:421 4.7.0", "S:EOF"}},
};

static gboolean
run_step(Client *client, const gchar *step, GError **error)
{
	const gchar *arg = step + 2;

	if (g_str_has_prefix(step, "C:")) {
		g_autofree gchar *line = g_strconcat(arg, "\r\n", NULL);

		return client_send(client, line, strlen(line), error);
	}
	if (g_str_has_prefix(step, "R:"))
		return client_send(client, arg, strlen(arg), error);
	if (g_str_has_prefix(step, "X:")) {
		gsize n = (gsize)g_ascii_strtoull(arg, NULL, 10);
		g_autofree gchar *data = g_malloc(n);

		memset(data, 'x', n);
		return client_send(client, data, n, error);
	}
	if (g_str_has_prefix(step, "Y:")) {
		guint n = (guint)g_ascii_strtoull(arg, NULL, 10);
		g_autoptr(GString) data = g_string_new(NULL);

		for (guint i = 0; i < n; i++) {
			for (guint j = 0; j < 98; j++)
				g_string_append_c(data, 'y');
			g_string_append(data, "\r\n");
		}
		return client_send(client, data->str, data->len, error);
	}
	g_assert_not_reached();
}

/* Checks one "S:" step; on mismatch sets @error with got and want. */
static gboolean
check_reply(Client *client, const gchar *want, GError **error)
{
	g_autofree gchar *reply = client_read_reply(client, error);

	if (reply == NULL && error != NULL && *error != NULL)
		return FALSE;
	if (g_str_equal(want, "EOF")) {
		if (reply == NULL)
			return TRUE;
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "got \"%s\", want end of stream",
			    reply);
		return FALSE;
	}
	if (reply == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "got end of stream, want \"%s...\"", want);
		return FALSE;
	}
	if (!g_str_has_prefix(last_line(reply), want)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "got \"%s\", want \"%s...\"",
			    reply, want);
		return FALSE;
	}
	return TRUE;
}

static void
test_dialogue(Fixture *fixture, gconstpointer data)
{
	const DialogueRun *run = data;
	const DialogueCase *dcase = run->dcase;
	g_autoptr(GError) error = NULL;
	g_autoptr(Client) client = client_connect(fixture->port, &error);
	const Delivery *delivery;

	g_assert_no_error(error);
	if (!check_reply(client, "220 " TEST_HOSTNAME " LMTP", &error)) {
		g_test_fail_printf("greeting: %s", error->message);
		return;
	}
	for (guint i = 0; i < STEPS_MAX && dcase->steps[i] != NULL; i++) {
		const gchar *step = dcase->steps[i];
		gboolean ok = g_str_has_prefix(step, "S:") ? check_reply(client, step + 2, &error)
							   : run_step(client, step, &error);

		if (!ok) {
			g_autofree gchar *shown = g_strescape(step, NULL);

			g_test_fail_printf("step %u (%.60s): %s", i, shown, error->message);
			return;
		}
	}

	if (fixture_n_deliveries(fixture) != dcase->want_deliveries) {
		g_test_fail_printf("deliveries: got %u, want %u", fixture_n_deliveries(fixture),
				   dcase->want_deliveries);
		return;
	}
	if (dcase->want_deliveries == 0)
		return;
	delivery = fixture_delivery(fixture, dcase->want_deliveries - 1);
	g_assert_false(delivery->in_main_thread);
	if (dcase->want_from != NULL)
		g_assert_cmpstr(delivery->mail_from, ==, dcase->want_from);
	if (dcase->want_rcpts != NULL) {
		g_autofree gchar *rcpts = g_strjoinv(",", delivery->recipients);

		g_assert_cmpstr(rcpts, ==, dcase->want_rcpts);
	}
	if (dcase->want_message != NULL)
		assert_bytes_equal(delivery->message, dcase->want_message);
	/* the promise of PglLmtpDeliverFunc: never empty, always ends with LF */
	{
		gsize len = 0;
		const gchar *bytes = g_bytes_get_data(delivery->message, &len);

		g_assert_cmpuint(len, >, 0);
		g_assert_cmpint(bytes[len - 1], ==, '\n');
	}
}

/* ---- pure parsers --------------------------------------------------------------------------- */

static void
test_syntax_address(void)
{
	static const struct {
		const gchar *address;
		gboolean allow_quoted;
		gboolean want;
	} cases[] = {
	    {"a@b", FALSE, TRUE},
	    {"first.last+tag@lists.example", FALSE, TRUE},
	    {"!#$%&'*+-/=?^_`{|}~@x.example", FALSE, TRUE},
	    {"a@[192.0.2.1]", FALSE, TRUE},
	    {"a@[IPv6:2001:db8::1]", FALSE, TRUE},
	    {"a@1.example", FALSE, TRUE},
	    {"a@xn--bcher-kva.example", FALSE, TRUE},
	    {"", FALSE, FALSE},
	    {"a", FALSE, FALSE},
	    {"@b", FALSE, FALSE},
	    {"a@", FALSE, FALSE},
	    {"a@@b", FALSE, FALSE},
	    {"a@b@c", FALSE, FALSE},
	    {".a@b", FALSE, FALSE},
	    {"a.@b", FALSE, FALSE},
	    {"a..b@c", FALSE, FALSE},
	    {"a b@c", FALSE, FALSE},
	    {"a\x01@c", FALSE, FALSE},
	    {"a\x7f@c", FALSE, FALSE},
	    {"\xc3\xa9@c", FALSE, FALSE},
	    {"a@b.", FALSE, FALSE},
	    {"a@.b", FALSE, FALSE},
	    {"a@b..c", FALSE, FALSE},
	    {"a@-b", FALSE, FALSE},
	    {"a@b-", FALSE, FALSE},
	    {"a@b_c", FALSE, FALSE},
	    {"a@[]", FALSE, FALSE},
	    {"a@[1.2.3.4", FALSE, FALSE},
	    {"a@[1\\]", FALSE, FALSE},
	    {"\"q\"@b", FALSE, FALSE},
	    {"\"q\"@b", TRUE, TRUE},
	    {"\"a b@c\"@d", TRUE, TRUE},
	    {"\"a\\\"b\"@d", TRUE, TRUE},
	    {"\"a\"b\"@d", TRUE, FALSE},
	    {"\"unterminated@d", TRUE, FALSE},
	    {"\"a\\", TRUE, FALSE},
	    {"\"a\x01\"@d", TRUE, FALSE},
	};
	/* limits: local part 64, label 63, domain 255, address 254 */
	g_autofree gchar *local64 = g_strnfill(64, 'l');
	g_autofree gchar *local65 = g_strnfill(65, 'l');
	g_autofree gchar *label63 = g_strnfill(63, 'd');
	g_autofree gchar *label64 = g_strnfill(64, 'd');
	g_autofree gchar *addr_local64 = g_strconcat(local64, "@x.example", NULL);
	g_autofree gchar *addr_local65 = g_strconcat(local65, "@x.example", NULL);
	g_autofree gchar *addr_label63 = g_strconcat("a@", label63, ".example", NULL);
	g_autofree gchar *addr_label64 = g_strconcat("a@", label64, ".example", NULL);
	/* 2 + 63*3 + 3 dots + 60 = 254 and 255 */
	g_autofree gchar *tail60 = g_strnfill(60, 'e');
	g_autofree gchar *tail61 = g_strnfill(61, 'e');
	g_autofree gchar *addr254 =
	    g_strconcat("a@", label63, ".", label63, ".", label63, ".", tail60, NULL);
	g_autofree gchar *addr255 =
	    g_strconcat("a@", label63, ".", label63, ".", label63, ".", tail61, NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		gboolean got = pgl_lmtp_address_is_valid(cases[i].address, cases[i].allow_quoted);

		if (got != cases[i].want) {
			g_autofree gchar *shown = g_strescape(cases[i].address, NULL);

			g_test_fail_printf("address \"%s\" (quoted %d): got %d, want %d", shown,
					   cases[i].allow_quoted, got, cases[i].want);
		}
	}
	g_assert_cmpuint(strlen(addr254), ==, 254);
	g_assert_true(pgl_lmtp_address_is_valid(addr_local64, FALSE));
	g_assert_false(pgl_lmtp_address_is_valid(addr_local65, FALSE));
	g_assert_true(pgl_lmtp_address_is_valid(addr_label63, FALSE));
	g_assert_false(pgl_lmtp_address_is_valid(addr_label64, FALSE));
	g_assert_true(pgl_lmtp_address_is_valid(addr254, FALSE));
	g_assert_false(pgl_lmtp_address_is_valid(addr255, FALSE));
}

static void
test_syntax_mail(void)
{
	static const struct {
		const gchar *args;
		PglLmtpParseResult want;
		const gchar *sender;
		gboolean has_size;
		guint64 size;
		PglLmtpBody body;
	} cases[] = {
	    {"FROM:<a@b.example>", PGL_LMTP_PARSE_OK, "a@b.example", FALSE, 0,
	     PGL_LMTP_BODY_UNSPECIFIED},
	    {"from:<>", PGL_LMTP_PARSE_OK, "", FALSE, 0, PGL_LMTP_BODY_UNSPECIFIED},
	    {" FROM: <a@b>  SIZE=0  body=7bit ", PGL_LMTP_PARSE_OK, "a@b", TRUE, 0,
	     PGL_LMTP_BODY_7BIT},
	    {"FROM:<a@b> SIZE=18446744073709551615", PGL_LMTP_PARSE_OK, "a@b", TRUE, G_MAXUINT64,
	     PGL_LMTP_BODY_UNSPECIFIED},
	    {"FROM:<a@b> SIZE=99999999999999999999999", PGL_LMTP_PARSE_OK, "a@b", TRUE,
	     G_MAXUINT64, PGL_LMTP_BODY_UNSPECIFIED},
	    {"FROM:<a@b> BODY=8BITMIME SIZE=12", PGL_LMTP_PARSE_OK, "a@b", TRUE, 12,
	     PGL_LMTP_BODY_8BITMIME},
	    {"FROM:<@r1.example,@r2.example:a@b>", PGL_LMTP_PARSE_OK, "a@b", FALSE, 0,
	     PGL_LMTP_BODY_UNSPECIFIED},
	    {"FROM:<\"x>y\"@b>", PGL_LMTP_PARSE_OK, "\"x>y\"@b", FALSE, 0,
	     PGL_LMTP_BODY_UNSPECIFIED},
	    {"", PGL_LMTP_PARSE_BAD_SYNTAX},
	    {"FROM", PGL_LMTP_PARSE_BAD_SYNTAX},
	    {"FROM:", PGL_LMTP_PARSE_BAD_SYNTAX},
	    {"FROM:a@b", PGL_LMTP_PARSE_BAD_SYNTAX},
	    {"FROM:<a@b", PGL_LMTP_PARSE_BAD_SYNTAX},
	    {"FROM:<a@b>SIZE=1", PGL_LMTP_PARSE_BAD_SYNTAX},
	    {"FROM:<\"a@b>", PGL_LMTP_PARSE_BAD_SYNTAX},
	    {"TO:<a@b>", PGL_LMTP_PARSE_BAD_SYNTAX},
	    {"FROM:<a>", PGL_LMTP_PARSE_BAD_ADDRESS},
	    {"FROM:<a@b@c>", PGL_LMTP_PARSE_BAD_ADDRESS},
	    {"FROM:<@r1.example:>", PGL_LMTP_PARSE_BAD_ADDRESS},
	    {"FROM:<@r1.example>", PGL_LMTP_PARSE_BAD_ADDRESS},
	    {"FROM:<@-bad:a@b>", PGL_LMTP_PARSE_BAD_ADDRESS},
	    {"FROM:<a@b> SIZE", PGL_LMTP_PARSE_BAD_PARAM},
	    {"FROM:<a@b> SIZE=", PGL_LMTP_PARSE_BAD_PARAM},
	    {"FROM:<a@b> SIZE=-1", PGL_LMTP_PARSE_BAD_PARAM},
	    {"FROM:<a@b> SIZE=1x", PGL_LMTP_PARSE_BAD_PARAM},
	    {"FROM:<a@b> SIZE=1 SIZE=1", PGL_LMTP_PARSE_BAD_PARAM},
	    {"FROM:<a@b> BODY", PGL_LMTP_PARSE_BAD_PARAM},
	    {"FROM:<a@b> BODY=BINARYMIME", PGL_LMTP_PARSE_BAD_PARAM},
	    {"FROM:<a@b> BODY=7BIT BODY=7BIT", PGL_LMTP_PARSE_BAD_PARAM},
	    {"FROM:<a@b> -X=1", PGL_LMTP_PARSE_BAD_PARAM},
	    {"FROM:<a@b> X=a=b", PGL_LMTP_PARSE_BAD_PARAM},
	    {"FROM:<a@b> RET=HDRS", PGL_LMTP_PARSE_UNKNOWN_PARAM},
	    {"FROM:<a@b> SMTPUTF8", PGL_LMTP_PARSE_UNKNOWN_PARAM},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *sender = NULL;
		PglLmtpMailParams params = {TRUE, 42, PGL_LMTP_BODY_7BIT};
		PglLmtpParseResult got = pgl_lmtp_parse_mail(cases[i].args, &sender, &params);

		if (got != cases[i].want) {
			g_test_fail_printf("MAIL \"%s\": got result %d, want %d", cases[i].args,
					   got, cases[i].want);
			continue;
		}
		if (got != PGL_LMTP_PARSE_OK) {
			g_assert_null(sender);
			continue;
		}
		g_assert_cmpstr(sender, ==, cases[i].sender);
		g_assert_cmpint(params.has_size, ==, cases[i].has_size);
		g_assert_cmpuint(params.size, ==, cases[i].size);
		g_assert_cmpint(params.body, ==, cases[i].body);
	}
}

static void
test_syntax_rcpt(void)
{
	static const struct {
		const gchar *args;
		PglLmtpParseResult want;
		const gchar *recipient;
	} cases[] = {
	    {"TO:<list@lists.example>", PGL_LMTP_PARSE_OK, "list@lists.example"},
	    {"to: <List-Request@Lists.Example> ", PGL_LMTP_PARSE_OK, "List-Request@Lists.Example"},
	    {"TO:<@relay.example:list@lists.example>", PGL_LMTP_PARSE_OK, "list@lists.example"},
	    {"TO:<>", PGL_LMTP_PARSE_BAD_ADDRESS},
	    {"TO:<\"q\"@lists.example>", PGL_LMTP_PARSE_BAD_ADDRESS},
	    {"TO:<postmaster>", PGL_LMTP_PARSE_BAD_ADDRESS},
	    {"TO:<a@b> NOTIFY=NEVER", PGL_LMTP_PARSE_UNKNOWN_PARAM},
	    {"TO:<a@b> ORCPT", PGL_LMTP_PARSE_UNKNOWN_PARAM},
	    {"TO:<a@b> =", PGL_LMTP_PARSE_BAD_PARAM},
	    {"TO:<a@b> A=", PGL_LMTP_PARSE_BAD_PARAM},
	    {"FROM:<a@b>", PGL_LMTP_PARSE_BAD_SYNTAX},
	    {"TO:", PGL_LMTP_PARSE_BAD_SYNTAX},
	    {"TO:a@b", PGL_LMTP_PARSE_BAD_SYNTAX},
	    {"", PGL_LMTP_PARSE_BAD_SYNTAX},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *recipient = NULL;
		PglLmtpParseResult got = pgl_lmtp_parse_rcpt(cases[i].args, &recipient);

		if (got != cases[i].want) {
			g_test_fail_printf("RCPT \"%s\": got result %d, want %d", cases[i].args,
					   got, cases[i].want);
			continue;
		}
		g_assert_cmpstr(recipient, ==, cases[i].recipient);
	}
}

static void
test_syntax_sanitize(void)
{
	static const struct {
		const gchar *text;
		gssize len;
		const gchar *want;
	} cases[] = {
	    {"plain text", -1, "plain text"},
	    {"a\r\nb\tc\x7f\xc3\xa9\xff", -1, "a??b?c?\xc3\xa9?"}, /* valid UTF-8 kept */
	    {"nul\0inside", 10, "nul?inside"},
	    {"", -1, ""},
	    {NULL, -1, "(null)"},
	};
	g_autofree gchar *long_text = g_strnfill(500, 'z');
	g_autofree gchar *long_got = pgl_lmtp_sanitize(long_text, -1);

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *got = pgl_lmtp_sanitize(cases[i].text, cases[i].len);

		g_assert_cmpstr(got, ==, cases[i].want);
	}
	g_assert_cmpuint(strlen(long_got), ==, PGL_LMTP_LOG_TEXT_MAX + 3);
	g_assert_true(g_str_has_suffix(long_got, "zz..."));
}

/* ---- server behaviour ------------------------------------------------------------------------ */

static void
test_lhlo_reply(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(Client) client = client_connect(fixture->port, &error);
	g_autofree gchar *greeting = NULL;
	g_autofree gchar *lhlo = NULL;

	g_assert_no_error(error);
	greeting = client_read_reply(client, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(greeting, ==, "220 " TEST_HOSTNAME " LMTP pgplist ready");
	assert_send(client, "LHLO client.example\r\n");
	lhlo = client_read_reply(client, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(lhlo, ==,
			"250-" TEST_HOSTNAME "\n"
			"250-PIPELINING\n"
			"250-ENHANCEDSTATUSCODES\n"
			"250-8BITMIME\n"
			"250 SIZE 65536");
}

/* The client writes a whole session one byte per write (TCP_NODELAY), so the server sees
 * arbitrary fragmentation from a real peer, in addition to the read_size=1 dialogue runs. */
static void
test_client_one_byte_writes(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(Client) client = client_connect(fixture->port, &error);

	g_assert_no_error(error);
	client->one_byte_writes = TRUE;
	assert_reply(client, "220 ");
	assert_send(client, "LHLO c\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<one@lists.example>\r\n"
			    "RCPT TO:<two@lists.example>\r\nDATA\r\n");
	assert_reply(client, "250 SIZE");
	assert_reply(client, "250 2.1.0");
	assert_reply(client, "250 2.1.5");
	assert_reply(client, "250 2.1.5");
	assert_reply(client, "354");
	assert_send(client, "Subject: bytes\r\n\r\n..dot\r\nlf only\nlast\r\n.\r\nQUIT\r\n");
	assert_reply(client, "250 2.0.0");
	assert_reply(client, "250 2.0.0");
	assert_reply(client, "221");
	assert_reply(client, NULL);
	g_assert_cmpuint(fixture_n_deliveries(fixture), ==, 1);
	assert_bytes_equal(fixture_delivery(fixture, 0)->message,
			   "Subject: bytes\n\n.dot\nlf only\nlast\n");
}

static const ServerOptions timeout_options = {.timeout_seconds = 1};

static void
test_timeout_command(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(Client) client = client_connect(fixture->port, &error);
	gint64 start;

	g_assert_no_error(error);
	assert_reply(client, "220 ");
	assert_send(client, "LHLO c\r\n");
	assert_reply(client, "250 ");
	start = g_get_monotonic_time();
	assert_send(client, "NOOP"); /* no line end: still idle as far as commands go */
	assert_reply(client, "421 4.4.2");
	assert_reply(client, NULL);
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 900 * G_TIME_SPAN_MILLISECOND);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_TIME_SPAN_SECOND);
}

/* A peer dripping bytes cannot keep a line open past the timeout. */
static void
test_timeout_data(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(Client) client = client_connect(fixture->port, &error);
	gint64 start = g_get_monotonic_time();
	g_autofree gchar *reply = NULL;

	g_assert_no_error(error);
	assert_reply(client, "220 ");
	assert_send(client, "LHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<one@lists.example>\r\n"
			    "DATA\r\nSubject: slow\r\n");
	assert_reply(client, "250 ");
	assert_reply(client, "250 ");
	assert_reply(client, "250 ");
	assert_reply(client, "354");
	for (guint i = 0; i < 30; i++) {
		GSocket *socket = g_socket_connection_get_socket(client->connection);

		/* stop dripping once the server has answered: writing into a closed connection
		 * would get a RST back */
		if (g_socket_condition_check(socket, G_IO_IN) != 0)
			break;
		if (!client_send(client, "x", 1, NULL))
			break;
		g_usleep(100 * 1000);
		if (g_get_monotonic_time() - start > 2500 * G_TIME_SPAN_MILLISECOND)
			break;
	}
	reply = client_read_reply(client, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(reply, ==, "421 4.4.2 " TEST_HOSTNAME " timeout, closing connection");
	g_assert_cmpuint(fixture_n_deliveries(fixture), ==, 0);
}

static const ServerOptions one_session_options = {.sessions_max = 1};

static void
test_sessions_max(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(Client) first = client_connect(fixture->port, &error);
	g_autoptr(Client) second = NULL;
	g_autoptr(Client) third = NULL;

	g_assert_no_error(error);
	assert_reply(first, "220 ");

	second = client_connect(fixture->port, &error);
	g_assert_no_error(error);
	assert_reply(second, "421 4.3.2 " TEST_HOSTNAME " too many connections");
	assert_reply(second, NULL);

	/* the first session is unaffected, and its end frees the slot */
	assert_send(first, "NOOP\r\nQUIT\r\n");
	assert_reply(first, "250");
	assert_reply(first, "221");
	assert_reply(first, NULL);

	third = client_connect(fixture->port, &error);
	g_assert_no_error(error);
	assert_reply(third, "220 ");
	assert_send(third, "QUIT\r\n");
	assert_reply(third, "221");
}

/* One client stalls mid-command and another mid-data; other sessions carry on. */
static void
test_stalled_client(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(Client) stalled = client_connect(fixture->port, &error);
	g_autoptr(Client) stalled_data = NULL;
	g_autoptr(Client) client = NULL;
	gint64 start;

	g_assert_no_error(error);
	assert_reply(stalled, "220 ");
	assert_send(stalled, "LHLO c\r\nMAIL FROM:<a@exa");

	stalled_data = client_connect(fixture->port, &error);
	g_assert_no_error(error);
	assert_reply(stalled_data, "220 ");
	assert_send(stalled_data, "LHLO c\r\nMAIL FROM:<a@example.org>\r\n"
				  "RCPT TO:<one@lists.example>\r\nDATA\r\nSubject: half\r\n");

	start = g_get_monotonic_time();
	client = client_connect(fixture->port, &error);
	g_assert_no_error(error);
	assert_reply(client, "220 ");
	assert_send(client, "LHLO c\r\nMAIL FROM:<b@example.org>\r\nRCPT TO:<one@lists.example>\r\n"
			    "DATA\r\n");
	assert_reply(client, "250 ");
	assert_reply(client, "250 ");
	assert_reply(client, "250 ");
	assert_reply(client, "354");
	assert_send(client, "Subject: ok\r\n\r\n.\r\nQUIT\r\n");
	assert_reply(client, "250 2.0.0");
	assert_reply(client, "221");
	g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_TIME_SPAN_SECOND);
	g_assert_cmpuint(fixture_n_deliveries(fixture), ==, 1);
	g_assert_cmpstr(fixture_delivery(fixture, 0)->mail_from, ==, "b@example.org");
}

/* stop() with an idle peer and one stalled mid-data returns at once; the peers get a 421. */
static void
test_stop_with_idle_clients(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(Client) idle = client_connect(fixture->port, &error);
	g_autoptr(Client) in_data = NULL;
	g_autoptr(Client) late = NULL;
	gint64 start;

	g_assert_no_error(error);
	assert_reply(idle, "220 ");
	in_data = client_connect(fixture->port, &error);
	g_assert_no_error(error);
	assert_reply(in_data, "220 ");
	assert_send(in_data, "LHLO c\r\nMAIL FROM:<a@example.org>\r\n"
			     "RCPT TO:<one@lists.example>\r\nDATA\r\n");
	assert_reply(in_data, "250 ");
	assert_reply(in_data, "250 ");
	assert_reply(in_data, "250 ");
	assert_reply(in_data, "354");
	assert_send(in_data, "Subject: cut\r\n\r\npartial");

	start = g_get_monotonic_time();
	pgl_lmtp_server_stop(fixture->server);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 1 * G_TIME_SPAN_SECOND);

	assert_reply(idle, "421 4.3.0");
	assert_reply(idle, NULL);
	assert_reply(in_data, "421 4.3.0");
	assert_reply(in_data, NULL);
	g_assert_cmpuint(fixture_n_deliveries(fixture), ==, 0);

	/* the port is closed; stop again is harmless */
	late = client_connect(fixture->port, &error);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
	pgl_lmtp_server_stop(fixture->server);
}

static gpointer
stop_during_deliver_thread(gpointer data)
{
	Fixture *fixture = data;

	/* the deliver callback sleeps 500 ms; stop while it runs */
	g_usleep(200 * 1000);
	pgl_lmtp_server_stop(fixture->server);
	return NULL;
}

/* A delivery in progress completes and its replies are still sent: the message is durable,
 * so the MTA must not be told to retry. */
static void
test_stop_during_deliver(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(Client) client = client_connect(fixture->port, &error);
	GThread *stopper;

	g_assert_no_error(error);
	g_atomic_int_set(&fixture->delay_deliver_ms, 500);
	assert_reply(client, "220 ");
	assert_send(client, "LHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<one@lists.example>\r\n"
			    "DATA\r\nSubject: s\r\n\r\n.\r\n");
	assert_reply(client, "250 ");
	assert_reply(client, "250 ");
	assert_reply(client, "250 ");
	assert_reply(client, "354");
	stopper = g_thread_new("stopper", stop_during_deliver_thread, fixture);
	assert_reply(client, "250 2.0.0");
	assert_reply(client, "421 4.3.0");
	assert_reply(client, NULL);
	g_thread_join(stopper);
	g_assert_cmpuint(fixture_n_deliveries(fixture), ==, 1);
}

/* Random bytes (with NULs, CRs and LFs) get error replies and a close, never a crash; the
 * server keeps serving. */
static void
test_garbage(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(20330);

	for (guint round = 0; round < 8; round++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(Client) client = client_connect(fixture->port, &error);
		gsize len = 1 + (gsize)g_rand_int_range(rand, 0, 64 * 1024);
		g_autofree guint8 *garbage = g_malloc(len);
		guint replies = 0;

		g_assert_no_error(error);
		for (gsize i = 0; i < len; i++) {
			garbage[i] = (guint8)g_rand_int_range(rand, 0, 256);
			/* every few bytes a line end, so some "commands" get parsed */
			if (round % 2 == 0 && g_rand_int_range(rand, 0, 40) == 0)
				garbage[i] = '\n';
		}
		/* write errors are fine: the server may close before we are done; QUIT ends a
		 * session the garbage did not get closed */
		(void)client_send(client, (const gchar *)garbage, len, NULL);
		(void)client_send(client, "\r\nQUIT\r\n", 8, NULL);
		for (;;) {
			g_autofree gchar *reply = client_read_reply(client, &error);

			if (reply == NULL)
				break;
			replies++;
		}
		g_assert_no_error(error);
		g_assert_cmpuint(replies, >=, 1); /* at least the greeting */
	}

	/* still alive */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(Client) client = client_connect(fixture->port, &error);

		g_assert_no_error(error);
		assert_reply(client, "220 ");
		assert_send(client, "NOOP\r\n");
		assert_reply(client, "250");
	}
	g_assert_cmpuint(fixture_n_deliveries(fixture), ==, 0);
}

/* Many clients at once, each with a full transaction. */
static gpointer
concurrent_client_thread(gpointer data)
{
	Fixture *fixture = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(Client) client = client_connect(fixture->port, &error);

	g_assert_no_error(error);
	assert_reply(client, "220 ");
	assert_send(client, "LHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<one@lists.example>\r\n"
			    "DATA\r\n");
	assert_reply(client, "250 ");
	assert_reply(client, "250 ");
	assert_reply(client, "250 ");
	assert_reply(client, "354");
	assert_send(client, "Subject: c\r\n\r\nconcurrent\r\n.\r\nQUIT\r\n");
	assert_reply(client, "250 2.0.0");
	assert_reply(client, "221");
	return NULL;
}

static void
test_concurrent_sessions(Fixture *fixture, gconstpointer data)
{
	GThread *threads[TEST_SESSIONS_MAX];

	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("client", concurrent_client_thread, fixture);
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		g_thread_join(threads[i]);
	g_assert_cmpuint(fixture_n_deliveries(fixture), ==, G_N_ELEMENTS(threads));
}

/* The daemon runs a GMainLoop in the default context in its main thread; the server must work
 * alongside it (it needs no context at all). */
typedef struct {
	Fixture *fixture;
	GMainLoop *loop;
	gboolean done;
} MainLoopTest;

static gboolean
quit_loop_idle(gpointer data)
{
	MainLoopTest *test = data;

	test->done = TRUE;
	g_main_loop_quit(test->loop);
	return G_SOURCE_REMOVE;
}

static gpointer
main_loop_client_thread(gpointer data)
{
	MainLoopTest *test = data;

	concurrent_client_thread(test->fixture);
	g_idle_add(quit_loop_idle, test);
	return NULL;
}

static gboolean
main_loop_timeout(gpointer data)
{
	MainLoopTest *test = data;

	g_main_loop_quit(test->loop);
	return G_SOURCE_REMOVE;
}

static void
test_main_loop(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	MainLoopTest test = {fixture, loop, FALSE};
	GThread *thread;
	guint timeout_id;

	thread = g_thread_new("client", main_loop_client_thread, &test);
	timeout_id = g_timeout_add_seconds(CLIENT_TIMEOUT, main_loop_timeout, &test);
	g_main_loop_run(loop);
	g_source_remove(timeout_id);
	g_thread_join(thread);
	g_assert_true(test.done);
	g_assert_cmpuint(fixture_n_deliveries(fixture), ==, 1);
}

/* ---- lifecycle and errors ------------------------------------------------------------------- */

static void
test_error_bind(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglLmtpServer) second = NULL;
	PglLmtpServerConfig config = {.host = "127.0.0.1", .port = fixture->port};

	second = pgl_lmtp_server_new(&config, test_rcpt, test_deliver, fixture, &error);
	g_assert_error(error, PGL_LMTP_ERROR, PGL_LMTP_ERROR_BIND);
	g_assert_null(second);
}

static void
test_error_resolve(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglLmtpServer) server = NULL;
	PglLmtpServerConfig config = {.host = "no-such-host.invalid"};

	server = pgl_lmtp_server_new(&config, test_rcpt, test_deliver, NULL, &error);
	g_assert_error(error, PGL_LMTP_ERROR, PGL_LMTP_ERROR_RESOLVE);
	g_assert_null(server);
}

/* A host name is resolved once; "localhost" comes from /etc/hosts (it may be ::1 on a host
 * without IPv6, hence only "resolved" is asserted). */
static void
test_resolve_localhost(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglLmtpServer) server = NULL;
	PglLmtpServerConfig config = {.host = "localhost"};

	server = pgl_lmtp_server_new(&config, test_rcpt, test_deliver, NULL, &error);
	if (server == NULL) {
		g_assert_false(g_error_matches(error, PGL_LMTP_ERROR, PGL_LMTP_ERROR_RESOLVE));
		g_test_message("localhost resolved but could not be bound: %s", error->message);
		return;
	}
	g_assert_no_error(error);
	g_assert_cmpuint(pgl_lmtp_server_get_port(server), !=, 0);
}

static void
test_error_invalid_config(void)
{
	static const struct {
		const gchar *name;
		PglLmtpServerConfig config;
	} cases[] = {
	    {"line_max below minimum", {.line_max = 1001}},
	    {"line_max above maximum", {.line_max = PGL_LMTP_LINE_MAX + 1}},
	    {"message_max below minimum", {.message_max = 100}},
	    {"message_max above maximum", {.message_max = (gsize)PGL_LMTP_MESSAGE_MAX + 1}},
	    {"header_max below minimum", {.header_max = 10}},
	    {"recipients_max above maximum", {.recipients_max = PGL_LMTP_RECIPIENTS_MAX + 1}},
	    {"timeout above maximum", {.timeout_seconds = PGL_LMTP_TIMEOUT_MAX + 1}},
	    {"sessions_max above maximum", {.sessions_max = PGL_LMTP_SESSIONS_MAX + 1}},
	    {"hostname with space", {.hostname = "bad host"}},
	    {"hostname with CR", {.hostname = "bad\rhost"}},
	    {"empty hostname", {.hostname = ""}},
	    {"empty host", {.host = ""}},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(PglLmtpServer) server = NULL;
		PglLmtpServerConfig config = cases[i].config;

		if (config.host == NULL)
			config.host = "127.0.0.1";
		server = pgl_lmtp_server_new(&config, test_rcpt, test_deliver, NULL, &error);
		if (!g_error_matches(error, PGL_LMTP_ERROR, PGL_LMTP_ERROR_INVALID_CONFIG)) {
			g_test_fail_printf("%s: got %s, want PGL_LMTP_ERROR_INVALID_CONFIG",
					   cases[i].name,
					   error != NULL ? error->message : "success");
			continue;
		}
		g_assert_null(server);
		g_test_message("%s: %s", cases[i].name, error->message);
	}
}

/* Zero fields take the defaults; a server that is never started, or started and stopped
 * without clients, frees cleanly. */
static void
test_lifecycle(void)
{
	g_autoptr(GError) error = NULL;
	PglLmtpServerConfig config = {.host = "127.0.0.1"};
	PglLmtpServer *server;

	server = pgl_lmtp_server_new(&config, test_rcpt, test_deliver, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(pgl_lmtp_server_get_port(server), !=, 0);
	g_assert_cmpuint(server->line_max, ==, PGL_LMTP_DEFAULT_LINE_MAX);
	g_assert_cmpuint(server->message_max, ==, PGL_LMTP_DEFAULT_MESSAGE_MAX);
	g_assert_cmpuint(server->header_max, ==, PGL_LMTP_DEFAULT_HEADER_MAX);
	g_assert_cmpuint(server->recipients_max, ==, PGL_LMTP_DEFAULT_RECIPIENTS_MAX);
	g_assert_cmpuint(server->timeout_seconds, ==, PGL_LMTP_DEFAULT_TIMEOUT_SECONDS);
	g_assert_cmpuint(server->sessions_max, ==, PGL_LMTP_DEFAULT_SESSIONS_MAX);
	pgl_lmtp_server_free(server);

	/* a header limit above the message limit is lowered to it */
	config.message_max = 2048;
	config.header_max = 4096;
	server = pgl_lmtp_server_new(&config, test_rcpt, test_deliver, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(server->header_max, ==, 2048);
	pgl_lmtp_server_start(server);
	pgl_lmtp_server_start(server);
	pgl_lmtp_server_stop(server);
	pgl_lmtp_server_stop(server);
	pgl_lmtp_server_free(server);
	pgl_lmtp_server_free(NULL);
}

int
main(int argc, char **argv)
{
	g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func(g_free);
	int rc;

	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/lmtp/syntax/address", test_syntax_address);
	g_test_add_func("/lmtp/syntax/mail", test_syntax_mail);
	g_test_add_func("/lmtp/syntax/rcpt", test_syntax_rcpt);
	g_test_add_func("/lmtp/syntax/sanitize", test_syntax_sanitize);

	for (gsize i = 0; i < G_N_ELEMENTS(dialogue_cases); i++) {
		for (guint variant = 0; variant < 2; variant++) {
			DialogueRun *run = g_new0(DialogueRun, 1);
			g_autofree gchar *path = NULL;

			run->dcase = &dialogue_cases[i];
			run->options = dialogue_cases[i].options;
			if (variant == 1)
				run->options.read_size = 1;
			path = g_strdup_printf("/lmtp/dialogue%s/%s",
					       variant == 1 ? "-one-byte-reads" : "",
					       dialogue_cases[i].name);
			g_test_add(path, Fixture, run, fixture_set_up, test_dialogue,
				   fixture_tear_down);
			g_ptr_array_add(runs, run);
		}
	}

#define ADD(path, options, func) \
	g_test_add(path, Fixture, options, fixture_set_up, func, fixture_tear_down)
	ADD("/lmtp/dialogue/lhlo-reply", &default_options, test_lhlo_reply);
	ADD("/lmtp/stream/client-one-byte-writes", &default_options, test_client_one_byte_writes);
	ADD("/lmtp/server/timeout-command", &timeout_options, test_timeout_command);
	ADD("/lmtp/server/timeout-data", &timeout_options, test_timeout_data);
	ADD("/lmtp/server/sessions-max", &one_session_options, test_sessions_max);
	ADD("/lmtp/server/stalled-client", &default_options, test_stalled_client);
	ADD("/lmtp/server/concurrent-sessions", &default_options, test_concurrent_sessions);
	ADD("/lmtp/server/main-loop", &default_options, test_main_loop);
	ADD("/lmtp/server/stop-with-idle-clients", &default_options, test_stop_with_idle_clients);
	ADD("/lmtp/server/stop-during-deliver", &default_options, test_stop_during_deliver);
	ADD("/lmtp/robustness/garbage", &default_options, test_garbage);
	ADD("/lmtp/error/bind", &default_options, test_error_bind);
#undef ADD
	g_test_add_func("/lmtp/error/resolve", test_error_resolve);
	g_test_add_func("/lmtp/server/resolve-localhost", test_resolve_localhost);
	g_test_add_func("/lmtp/error/invalid-config", test_error_invalid_config);
	g_test_add_func("/lmtp/server/lifecycle", test_lifecycle);

	rc = g_test_run();
	return rc;
}
