/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The LMTP client of the integration tests (see pgl-test-lmtp.h), on GIO's blocking socket
 * streams. Replies are read whole: lines whose fourth character is '-' continue (RFC 5321
 * §4.2.1). DATA content is made from a message with LF or CRLF line ends: CRLF, dot-stuffed
 * (RFC 5321 §4.5.2) and terminated by "." on a line of its own.
 */
#define G_LOG_DOMAIN "pgl-test-lmtp"

#include "support/pgl-test-lmtp.h"

#include <string.h>

/* the default wait for a connection and for each reply, as any single wait of the tests */
#define TIMEOUT_MS 30000

/**
 * pgl_test_lmtp_open:
 * @port: the LMTP port on 127.0.0.1
 * @timeout_ms: how long connecting and each later read or write may take
 * @error: return location for a #GError
 *
 * Connects, without reading the greeting (for a client thread that must not assert).
 *
 * Returns: (transfer full) (nullable): the session, or %NULL with @error set
 */
PglTestLmtp *
pgl_test_lmtp_open(guint16 port, guint timeout_ms, GError **error)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnectable) address = NULL;
	g_autoptr(GSocketConnection) connection = NULL;
	PglTestLmtp *lmtp;

	g_socket_client_set_timeout(client, MAX(timeout_ms / 1000, 1));
	g_socket_client_set_enable_proxy(client, FALSE); /* loopback; no proxy module loaded */
	address = G_SOCKET_CONNECTABLE(g_inet_socket_address_new_from_string("127.0.0.1", port));
	connection = g_socket_client_connect(client, address, NULL, error);
	if (connection == NULL)
		return NULL;
	lmtp = g_new0(PglTestLmtp, 1);
	lmtp->connection = g_steal_pointer(&connection);
	lmtp->in = g_data_input_stream_new(
		g_io_stream_get_input_stream(G_IO_STREAM(lmtp->connection)));
	g_data_input_stream_set_newline_type(lmtp->in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
	lmtp->out = g_io_stream_get_output_stream(G_IO_STREAM(lmtp->connection));
	return lmtp;
}

/**
 * pgl_test_lmtp_connect:
 * @port: the LMTP port on 127.0.0.1
 *
 * Connects and reads the greeting; asserts that both work and the greeting is a 220.
 *
 * Returns: (transfer full): the session, before LHLO
 */
PglTestLmtp *
pgl_test_lmtp_connect(guint16 port)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *greeting = NULL;
	PglTestLmtp *lmtp = pgl_test_lmtp_open(port, TIMEOUT_MS, &error);

	g_assert_no_error(error);
	greeting = pgl_test_lmtp_read_reply(lmtp);
	if (pgl_test_lmtp_reply_code(greeting) != 220) {
		g_test_message("LMTP greeting: got \"%s\", want 220",
			       greeting ? greeting : "(connection closed)");
		g_assert_cmpuint(pgl_test_lmtp_reply_code(greeting), ==, 220);
	}
	return lmtp;
}

/**
 * pgl_test_lmtp_free:
 * @lmtp: (nullable): a session
 *
 * Closes the connection (without QUIT) and frees the session.
 */
void
pgl_test_lmtp_free(PglTestLmtp *lmtp)
{
	if (lmtp == NULL)
		return;
	g_clear_object(&lmtp->in);
	if (lmtp->connection != NULL)
		g_io_stream_close(G_IO_STREAM(lmtp->connection), NULL, NULL);
	g_clear_object(&lmtp->connection);
	g_free(lmtp);
}

/**
 * pgl_test_lmtp_read_reply:
 * @lmtp: a session
 *
 * Returns: (transfer full) (nullable): one whole reply, its lines joined by '\n'; %NULL on
 *   end of file or error
 */
gchar *
pgl_test_lmtp_read_reply(PglTestLmtp *lmtp)
{
	g_autoptr(GString) reply = g_string_new(NULL);

	for (;;) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *line =
			g_data_input_stream_read_line(lmtp->in, NULL, NULL, &error);

		if (line == NULL)
			return NULL;
		if (reply->len > 0)
			g_string_append_c(reply, '\n');
		g_string_append(reply, line);
		if (strlen(line) < 4 || line[3] != '-')
			break;
	}
	return g_string_free(g_steal_pointer(&reply), FALSE);
}

/**
 * pgl_test_lmtp_reply_code:
 * @reply: (nullable): a reply
 *
 * Returns: its three-digit code, or 0 if @reply is %NULL or does not start with one
 */
guint
pgl_test_lmtp_reply_code(const gchar *reply)
{
	guint64 code = 0;
	g_autofree gchar *digits = NULL;

	if (reply == NULL || strlen(reply) < 3)
		return 0;
	digits = g_strndup(reply, 3);
	if (!g_ascii_string_to_unsigned(digits, 10, 100, 599, &code, NULL))
		return 0;
	return (guint)code;
}

/**
 * pgl_test_lmtp_write:
 * @lmtp: a session
 * @data: (array length=len): bytes to send as they are
 * @len: their number
 *
 * Returns: whether all of them were written
 */
gboolean
pgl_test_lmtp_write(PglTestLmtp *lmtp, const void *data, gsize len)
{
	return g_output_stream_write_all(lmtp->out, data, len, NULL, NULL, NULL);
}

/**
 * pgl_test_lmtp_command:
 * @lmtp: a session
 * @line: a command line without CRLF
 *
 * Sends one command line and reads the reply.
 *
 * Returns: (transfer full) (nullable): the reply, or %NULL if the connection ended
 */
gchar *
pgl_test_lmtp_command(PglTestLmtp *lmtp, const gchar *line)
{
	g_autofree gchar *with_crlf = g_strconcat(line, "\r\n", NULL);

	if (!pgl_test_lmtp_write(lmtp, with_crlf, strlen(with_crlf)))
		return NULL;
	return pgl_test_lmtp_read_reply(lmtp);
}

/**
 * pgl_test_lmtp_expect:
 * @lmtp: a session
 * @line: a command line without CRLF
 * @want_code: the reply code it must get
 *
 * Sends @line and asserts that the reply has @want_code.
 */
void
pgl_test_lmtp_expect(PglTestLmtp *lmtp, const gchar *line, guint want_code)
{
	g_autofree gchar *reply = pgl_test_lmtp_command(lmtp, line);

	if (pgl_test_lmtp_reply_code(reply) != want_code) {
		g_test_message("LMTP \"%.60s\": got \"%s\", want %u", line,
			       reply ? reply : "(connection closed)", want_code);
		g_assert_cmpuint(pgl_test_lmtp_reply_code(reply), ==, want_code);
	}
}

/**
 * pgl_test_lmtp_data_content:
 * @message: (array length=len): a message with LF or CRLF line ends
 * @len: its length
 *
 * Returns: (transfer full): @message as DATA content: CRLF line ends, dot-stuffed, ending with
 *   the terminating ".\r\n"
 */
GBytes *
pgl_test_lmtp_data_content(const gchar *message, gsize len)
{
	GString *out = g_string_sized_new(len + len / 20 + 8);
	gboolean line_start = TRUE;

	for (gsize i = 0; i < len; i++) {
		if (line_start && message[i] == '.')
			g_string_append_c(out, '.');
		if (message[i] == '\n') {
			g_string_append(out, "\r\n");
			line_start = TRUE;
			continue;
		}
		g_string_append_c(out, message[i]);
		line_start = FALSE;
	}
	if (!line_start)
		g_string_append(out, "\r\n");
	g_string_append(out, ".\r\n");
	return g_string_free_to_bytes(out);
}

/**
 * pgl_test_lmtp_transaction:
 * @lmtp: a session after LHLO
 * @from: the envelope sender ("" for the null sender)
 * @recipients: (array zero-terminated=1): the envelope recipients
 * @message: the message, LF or CRLF line ends
 * @rcpt_replies_out: (out) (optional) (transfer full) (element-type utf8): the RCPT replies,
 *   one per recipient
 *
 * One transaction: MAIL must get 250; then RCPT for each recipient, and DATA if any was
 * accepted (else RSET, which must get 250).
 *
 * Returns: (transfer full) (element-type utf8): the replies after the content, one per accepted
 *   recipient (empty if none was accepted)
 */
GPtrArray *
pgl_test_lmtp_transaction(PglTestLmtp *lmtp, const gchar *from, const gchar *const *recipients,
			  const gchar *message, GPtrArray **rcpt_replies_out)
{
	g_autoptr(GPtrArray) rcpt_replies = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *data_replies = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *mail = g_strdup_printf("MAIL FROM:<%s>", from);
	g_autofree gchar *data_reply = NULL;
	g_autoptr(GBytes) content = NULL;
	guint accepted = 0;

	pgl_test_lmtp_expect(lmtp, mail, 250);
	for (guint i = 0; recipients[i] != NULL; i++) {
		g_autofree gchar *rcpt = g_strdup_printf("RCPT TO:<%s>", recipients[i]);
		gchar *reply = pgl_test_lmtp_command(lmtp, rcpt);

		g_assert_nonnull(reply);
		if (pgl_test_lmtp_reply_code(reply) / 100 == 2)
			accepted++;
		g_ptr_array_add(rcpt_replies, reply);
	}
	if (accepted == 0) {
		pgl_test_lmtp_expect(lmtp, "RSET", 250);
	} else {
		data_reply = pgl_test_lmtp_command(lmtp, "DATA");
		if (pgl_test_lmtp_reply_code(data_reply) != 354) {
			g_test_message("LMTP DATA: got \"%s\", want 354",
				       data_reply ? data_reply : "(connection closed)");
			g_assert_cmpuint(pgl_test_lmtp_reply_code(data_reply), ==, 354);
		}
		content = pgl_test_lmtp_data_content(message, strlen(message));
		g_assert_true(pgl_test_lmtp_write(lmtp, g_bytes_get_data(content, NULL),
						  g_bytes_get_size(content)));
		for (guint i = 0; i < accepted; i++) {
			gchar *reply = pgl_test_lmtp_read_reply(lmtp);

			g_assert_nonnull(reply);
			g_ptr_array_add(data_replies, reply);
		}
	}
	if (rcpt_replies_out != NULL)
		*rcpt_replies_out = g_steal_pointer(&rcpt_replies);
	return data_replies;
}
