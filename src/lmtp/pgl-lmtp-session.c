/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One LMTP dialogue (RFC 2033), run in its own thread by pgl-lmtp-server.c: a bounded line reader,
 * a reply buffer, the command state machine and the data phase.
 *
 * Invariants:
 * - Input goes through one buffer of max(line_max, IN_BUF_MIN) bytes; a line longer than
 *   line_max is a protocol error (a command line closes the session, a data line rejects the
 *   message) and its rest is skipped, never buffered. Nothing is ever allocated from a length the peer declares:
 *   SIZE= is only compared, the message buffer grows with the bytes actually received and is
 *   dropped as soon as a limit is broken.
 * - Every wait has a deadline (timeout_seconds per line read or reply written) and watches the
 *   server's cancellable, so an idle or stalled peer costs one thread and nothing else, and
 *   pgl_lmtp_server_stop() interrupts any wait.
 * - Replies are buffered and sent before the next blocking read (RFC 2920 §3.2: a server may
 *   batch the replies to pipelined commands), with TCP_NODELAY set, so a pipelined transaction
 *   costs one round trip and never meets Nagle plus delayed ACK (DESIGN.md §8).
 * - After DATA there is exactly one reply per accepted recipient, in RCPT order (RFC 2033 §4.2).
 * - Peer text reaches the log only through pgl_lmtp_sanitize().
 */
#include "lmtp/pgl-lmtp-private.h"
#include "lmtp/pgl-lmtp-syntax.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <string.h>

/* After a protocol error that ends the session, we shut down our sending side and read (and
 * drop) what the peer still sends for a short while: closing with unread input would send a
 * RST, which can destroy our last replies in the peer's receive buffer (cf. Apache's lingering
 * close). */
#define LINGER_USEC	 (2 * G_USEC_PER_SEC)
#define LINGER_BYTES_MAX (1024 * 1024)

/* The input buffer holds at least this much, whatever line_max, so that bulk DATA costs few
 * receive calls. */
#define IN_BUF_MIN (64 * 1024)

typedef enum {
	IO_OK,
	IO_TOO_LONG,  /* a line longer than line_max; the next read skips its rest */
	IO_EOF,	      /* the peer closed the connection */
	IO_TIMEOUT,   /* nothing (or too little) within timeout_seconds */
	IO_CANCELLED, /* pgl_lmtp_server_stop() */
	IO_ERROR,     /* e.g. connection reset; already logged */
} IoStatus;

typedef enum {
	NEXT_CONTINUE,
	NEXT_CLOSE, /* QUIT, or an I/O failure recorded in io_status */
} Next;

struct _PglLmtpSession {
	PglLmtpServer *server; /* (unowned) */
	GSocket *socket;       /* (owned) */
	guint id;
	gchar *peer; /* (owned): "address:port", for logs */

	gchar *in_buf;	     /* (owned): in_size bytes */
	gsize in_size;
	gsize in_start;	     /* first byte not yet consumed */
	gsize in_end;	     /* end of the bytes received */
	gboolean skip_to_lf; /* dropping the rest of an over-long line */

	GString *out;	    /* (owned): replies not yet sent */
	IoStatus io_status; /* why the dialogue ended, if it ended on I/O */
	const gchar *close_reason; /* (unowned) (nullable): static string for the log */

	gboolean lhlo_done;
	guint n_errors;		/* protocol errors so far, see PGL_LMTP_BAD_COMMANDS_MAX */
	const gchar *command;	/* (unowned) (nullable): command being handled, for logs */
	gsize command_len;

	gchar *mail_from;	/* (owned) (nullable): NULL outside a transaction, "" for <> */
	GPtrArray *recipients;	/* (owned) (element-type utf8): accepted ones, in RCPT order */
};

typedef Next (*CommandFunc)(PglLmtpSession *session, const gchar *args);

/**
 * pgl_lmtp_socket_peer_name:
 * @socket: a connected socket
 *
 * Returns: (transfer full): "address:port" of the peer ("[v6]:port" for IPv6), or "unknown"
 */
gchar *
pgl_lmtp_socket_peer_name(GSocket *socket)
{
	g_autoptr(GSocketAddress) address = g_socket_get_remote_address(socket, NULL);
	g_autofree gchar *ip = NULL;
	GInetSocketAddress *inet;

	if (address == NULL || !G_IS_INET_SOCKET_ADDRESS(address))
		return g_strdup("unknown");
	inet = G_INET_SOCKET_ADDRESS(address);
	ip = g_inet_address_to_string(g_inet_socket_address_get_address(inet));
	if (strchr(ip, ':') != NULL)
		return g_strdup_printf("[%s]:%u", ip, g_inet_socket_address_get_port(inet));
	return g_strdup_printf("%s:%u", ip, g_inet_socket_address_get_port(inet));
}

/* ---- I/O ---------------------------------------------------------------------------------- */

static IoStatus
wait_for(PglLmtpSession *session, GIOCondition condition, gint64 deadline)
{
	g_autoptr(GError) error_local = NULL;
	gint64 remaining = deadline - g_get_monotonic_time();

	if (remaining <= 0)
		return IO_TIMEOUT;
	if (g_socket_condition_timed_wait(session->socket, condition, remaining,
					  session->server->cancellable, &error_local))
		return IO_OK;
	if (g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
		return IO_TIMEOUT;
	if (g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return IO_CANCELLED;
	g_info("session=%u action=wait error=\"%s\"", session->id, error_local->message);
	return IO_ERROR;
}

/* Sends the buffered replies. Always tries once without waiting, even when the server is being
 * stopped or @deadline has passed, so a last "421" or the replies to a delivered message go out
 * if the socket buffer has room. */
static IoStatus
flush(PglLmtpSession *session, gint64 deadline)
{
	gsize sent = 0;
	IoStatus status = IO_OK;

	while (sent < session->out->len) {
		g_autoptr(GError) error_local = NULL;
		gssize n;

		n = g_socket_send_with_blocking(session->socket, session->out->str + sent,
						session->out->len - sent, FALSE, NULL,
						&error_local);
		if (n >= 0) {
			sent += (gsize)n;
			continue;
		}
		if (!g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			g_info("session=%u action=send error=\"%s\"", session->id,
			       error_local->message);
			status = IO_ERROR;
			break;
		}
		status = wait_for(session, G_IO_OUT, deadline);
		if (status != IO_OK)
			break;
	}
	g_string_truncate(session->out, 0);
	return status;
}

/* Receives at most read_size bytes into the free end of the input buffer, which the caller has
 * made non-empty (it holds less than line_max bytes after compaction). */
static IoStatus
fill(PglLmtpSession *session, gint64 deadline)
{
	PglLmtpServer *server = session->server;
	gsize want = MIN(session->in_size - session->in_end, server->read_size);

	for (;;) {
		g_autoptr(GError) error_local = NULL;
		IoStatus status;
		gssize n;

		if (g_cancellable_is_cancelled(server->cancellable))
			return IO_CANCELLED;
		n = g_socket_receive_with_blocking(session->socket,
						   session->in_buf + session->in_end, want, FALSE,
						   NULL, &error_local);
		if (n > 0) {
			session->in_end += (gsize)n;
			return IO_OK;
		}
		if (n == 0)
			return IO_EOF;
		if (!g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			g_info("session=%u action=receive error=\"%s\"", session->id,
			       error_local->message);
			return IO_ERROR;
		}
		status = wait_for(session, G_IO_IN, deadline);
		if (status != IO_OK)
			return status;
	}
}

/* Reads one line, CRLF or bare LF, within one timeout. On IO_OK *line_out points into the input
 * buffer (valid until the next call) and *len_out excludes the line ending; a CR elsewhere is
 * kept. A line of more than line_max bytes (line ending included) gives IO_TOO_LONG once, and
 * its rest is skipped by the next call without being buffered. */
static IoStatus
read_line(PglLmtpSession *session, const gchar **line_out, gsize *len_out)
{
	PglLmtpServer *server = session->server;
	gint64 deadline = g_get_monotonic_time() + server->timeout_seconds * G_USEC_PER_SEC;
	gsize scanned = 0; /* bytes after in_start known to hold no LF */

	for (;;) {
		gchar *start = session->in_buf + session->in_start;
		gsize avail = session->in_end - session->in_start;
		gchar *lf;
		IoStatus status;

		if (session->skip_to_lf) {
			lf = memchr(start, '\n', avail);
			if (lf != NULL) {
				session->in_start += (gsize)(lf - start) + 1;
				session->skip_to_lf = FALSE;
				continue;
			}
			session->in_start = session->in_end = 0;
		} else {
			lf = memchr(start + scanned, '\n', avail - scanned);
			if (lf != NULL) {
				gsize len = (gsize)(lf - start);

				session->in_start += len + 1;
				if (len + 1 > server->line_max)
					return IO_TOO_LONG; /* already consumed whole */
				if (len > 0 && start[len - 1] == '\r')
					len--;
				*line_out = start;
				*len_out = len;
				return IO_OK;
			}
			scanned = avail;
			if (avail >= server->line_max) {
				session->in_start = session->in_end = 0;
				session->skip_to_lf = TRUE;
				return IO_TOO_LONG;
			}
		}

		if (session->in_start > 0) {
			memmove(session->in_buf, session->in_buf + session->in_start,
				session->in_end - session->in_start);
			session->in_end -= session->in_start;
			session->in_start = 0;
		}
		/* about to block: send what the pipelined commands so far have earned */
		status = flush(session, g_get_monotonic_time() +
					    server->timeout_seconds * G_USEC_PER_SEC);
		if (status == IO_OK)
			status = fill(session, deadline);
		if (status != IO_OK)
			return status;
	}
}

/* Shuts down our side and drops what the peer still sends, for up to @wait_usec (see
 * LINGER_USEC); with 0, only what has already arrived. */
static void
linger(PglLmtpSession *session, gint64 wait_usec)
{
	gint64 deadline = g_get_monotonic_time() + wait_usec;
	gsize dropped = 0;
	gchar buf[4096];

	if (!g_socket_shutdown(session->socket, FALSE, TRUE, NULL))
		return;
	while (dropped < LINGER_BYTES_MAX) {
		g_autoptr(GError) error_local = NULL;
		gssize n;

		n = g_socket_receive_with_blocking(session->socket, buf, sizeof(buf), FALSE, NULL,
						   &error_local);
		if (n > 0) {
			dropped += (gsize)n;
			continue;
		}
		if (n == 0 || !g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			return;
		if (wait_for(session, G_IO_IN, deadline) != IO_OK)
			return;
	}
}

/* ---- replies ------------------------------------------------------------------------------ */

static void G_GNUC_PRINTF(4, 0)
reply_valist(PglLmtpSession *session, guint code, const gchar *enhanced, const gchar *format,
	     va_list args)
{
	g_string_append_printf(session->out, "%u ", code);
	if (enhanced != NULL)
		g_string_append_printf(session->out, "%s ", enhanced);
	g_string_append_vprintf(session->out, format, args);
	g_string_append(session->out, "\r\n");
}

/* Queues a one-line reply; @enhanced is %NULL for the greeting and 354 (RFC 2034 §3). */
static void G_GNUC_PRINTF(4, 5)
reply(PglLmtpSession *session, guint code, const gchar *enhanced, const gchar *format, ...)
{
	va_list args;

	va_start(args, format);
	reply_valist(session, code, enhanced, format, args);
	va_end(args);
}

/* Queues a reply to a bad command and counts it against PGL_LMTP_BAD_COMMANDS_MAX. */
static void G_GNUC_PRINTF(4, 5)
reply_error(PglLmtpSession *session, guint code, const gchar *enhanced, const gchar *format, ...)
{
	g_autofree gchar *command =
	    pgl_lmtp_sanitize(session->command, (gssize)session->command_len);
	va_list args;

	session->n_errors++;
	g_info("session=%u action=error reply=\"%u %s\" command=\"%s\"", session->id, code,
	       enhanced, command);
	va_start(args, format);
	reply_valist(session, code, enhanced, format, args);
	va_end(args);
}

static void
reset_transaction(PglLmtpSession *session)
{
	g_clear_pointer(&session->mail_from, g_free);
	g_ptr_array_set_size(session->recipients, 0);
}

/* ---- commands ----------------------------------------------------------------------------- */

static Next
cmd_lhlo(PglLmtpSession *session, const gchar *args)
{
	PglLmtpServer *server = session->server;

	if (*args == '\0') {
		reply_error(session, 501, "5.5.4", "syntax: LHLO <domain>");
		return NEXT_CONTINUE;
	}
	/* like EHLO, LHLO starts afresh (RFC 5321 §4.1.4) */
	reset_transaction(session);
	session->lhlo_done = TRUE;
	g_string_append_printf(session->out,
			       "250-%s\r\n"
			       "250-PIPELINING\r\n"
			       "250-ENHANCEDSTATUSCODES\r\n"
			       "250-8BITMIME\r\n"
			       "250 SIZE %" G_GSIZE_FORMAT "\r\n",
			       server->hostname, server->message_max);
	return NEXT_CONTINUE;
}

static Next
cmd_helo(PglLmtpSession *session, const gchar *args)
{
	/* RFC 2033 §4.1: an LMTP server must not accept HELO or EHLO */
	reply_error(session, 500, "5.5.1", "this is LMTP, use LHLO");
	return NEXT_CONTINUE;
}

static Next
cmd_mail(PglLmtpSession *session, const gchar *args)
{
	PglLmtpServer *server = session->server;
	g_autofree gchar *sender = NULL;
	PglLmtpMailParams params = {FALSE, 0, PGL_LMTP_BODY_UNSPECIFIED};

	if (!session->lhlo_done) {
		reply_error(session, 503, "5.5.1", "send LHLO first");
		return NEXT_CONTINUE;
	}
	if (session->mail_from != NULL) {
		reply_error(session, 503, "5.5.1", "nested MAIL command");
		return NEXT_CONTINUE;
	}
	switch (pgl_lmtp_parse_mail(args, &sender, &params)) {
	case PGL_LMTP_PARSE_OK:
		break;
	case PGL_LMTP_PARSE_BAD_SYNTAX:
		reply_error(session, 501, "5.5.4",
			    "syntax: MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]");
		return NEXT_CONTINUE;
	case PGL_LMTP_PARSE_BAD_ADDRESS:
		reply_error(session, 501, "5.1.7", "bad sender address syntax");
		return NEXT_CONTINUE;
	case PGL_LMTP_PARSE_BAD_PARAM:
		reply_error(session, 501, "5.5.4", "bad MAIL parameter");
		return NEXT_CONTINUE;
	case PGL_LMTP_PARSE_UNKNOWN_PARAM:
		reply_error(session, 555, "5.5.4", "unsupported MAIL parameter");
		return NEXT_CONTINUE;
	default:
		g_assert_not_reached();
	}
	if (params.has_size && params.size > server->message_max) {
		/* RFC 1870 §6.1 */
		g_info("session=%u action=reject reason=declared-size size=%" G_GUINT64_FORMAT,
		       session->id, params.size);
		reply(session, 552, "5.3.4", "message size exceeds fixed limit of %" G_GSIZE_FORMAT
		      " bytes", server->message_max);
		return NEXT_CONTINUE;
	}
	session->mail_from = g_steal_pointer(&sender);
	reply(session, 250, "2.1.0", "sender OK");
	return NEXT_CONTINUE;
}

static Next
cmd_rcpt(PglLmtpSession *session, const gchar *args)
{
	PglLmtpServer *server = session->server;
	g_autofree gchar *recipient = NULL;
	PglLmtpRcptVerdict verdict;

	if (session->mail_from == NULL) {
		reply_error(session, 503, "5.5.1", "need MAIL command");
		return NEXT_CONTINUE;
	}
	switch (pgl_lmtp_parse_rcpt(args, &recipient)) {
	case PGL_LMTP_PARSE_OK:
		break;
	case PGL_LMTP_PARSE_BAD_SYNTAX:
		reply_error(session, 501, "5.5.4", "syntax: RCPT TO:<address>");
		return NEXT_CONTINUE;
	case PGL_LMTP_PARSE_BAD_ADDRESS:
		reply_error(session, 501, "5.1.3", "bad recipient address syntax");
		return NEXT_CONTINUE;
	case PGL_LMTP_PARSE_BAD_PARAM:
		reply_error(session, 501, "5.5.4", "bad RCPT parameter");
		return NEXT_CONTINUE;
	case PGL_LMTP_PARSE_UNKNOWN_PARAM:
		reply_error(session, 555, "5.5.4", "unsupported RCPT parameter");
		return NEXT_CONTINUE;
	default:
		g_assert_not_reached();
	}
	if (session->recipients->len >= server->recipients_max) {
		/* RFC 5321 §4.5.3.1.10: the client sends the rest in another transaction */
		reply(session, 452, "4.5.3", "too many recipients");
		return NEXT_CONTINUE;
	}

	/* the address was checked to be printable ASCII of bounded length: safe to echo and log */
	verdict = server->rcpt_func(recipient, server->user_data);
	switch (verdict) {
	case PGL_LMTP_RCPT_ACCEPT:
		reply(session, 250, "2.1.5", "recipient OK");
		g_ptr_array_add(session->recipients, g_steal_pointer(&recipient));
		break;
	case PGL_LMTP_RCPT_UNKNOWN:
		g_info("session=%u action=reject reason=unknown-recipient to=<%s>", session->id,
		       recipient);
		reply(session, 550, "5.1.1", "<%s>: recipient unknown", recipient);
		break;
	case PGL_LMTP_RCPT_TEMPFAIL:
		g_info("session=%u action=tempfail to=<%s>", session->id, recipient);
		reply(session, 451, "4.3.0", "<%s>: temporary failure, try again later", recipient);
		break;
	default:
		g_critical("rcpt callback returned invalid verdict %d", (gint)verdict);
		reply(session, 451, "4.3.0", "internal error");
		break;
	}
	return NEXT_CONTINUE;
}

/* RFC 3463 enhanced status code of class @class: "c.sss.ddd" with 1-3 digit fields */
static gboolean
enhanced_is_valid(const gchar *enhanced, guint class)
{
	const gchar *p = enhanced;

	if (p == NULL || *p != (gchar)('0' + class) || p[1] != '.')
		return FALSE;
	p += 2;
	for (guint field = 0; field < 2; field++) {
		guint digits = 0;

		while (g_ascii_isdigit(*p) && digits < 4) {
			p++;
			digits++;
		}
		if (digits == 0 || digits > 3)
			return FALSE;
		if (field == 0 && *p++ != '.')
			return FALSE;
	}
	return *p == '\0';
}

/* Queues the reply the deliver callback chose for one recipient, repaired if malformed.
 * Returns the code sent. */
static guint
reply_delivered(PglLmtpSession *session, const PglLmtpReply *result)
{
	g_autofree gchar *text = NULL;
	gchar enhanced[16];
	guint class = result->code / 100;

	if (result->code == 0) {
		g_message("session=%u action=deliver error=\"reply left empty\"", session->id);
		reply(session, 451, "4.3.0", "temporary failure, try again later");
		return 451;
	}
	if (class != 2 && class != 4 && class != 5) {
		g_critical("deliver callback returned invalid reply code %u", result->code);
		reply(session, 451, "4.3.0", "internal error");
		return 451;
	}
	if (enhanced_is_valid(result->enhanced, class))
		g_strlcpy(enhanced, result->enhanced, sizeof(enhanced));
	else
		g_snprintf(enhanced, sizeof(enhanced), "%u.0.0", class);
	if (result->text != NULL)
		text = pgl_lmtp_sanitize(result->text, -1);
	else
		text = g_strdup(class == 2 ? "OK" : "delivery failed");
	reply(session, result->code, enhanced, "%s", text);
	return result->code;
}

static void
deliver(PglLmtpSession *session, GByteArray *message)
{
	PglLmtpServer *server = session->server;
	guint n_recipients = session->recipients->len;
	g_autofree PglLmtpReply *replies = g_new0(PglLmtpReply, n_recipients);
	g_autofree const gchar **recipients = g_new0(const gchar *, n_recipients + 1);
	g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes(message);
	g_autoptr(GString) codes = g_string_new(NULL);
	g_autofree gchar *from = pgl_lmtp_sanitize(session->mail_from, -1);

	for (guint i = 0; i < n_recipients; i++)
		recipients[i] = g_ptr_array_index(session->recipients, i);

	server->deliver_func(session->mail_from, recipients, n_recipients, bytes, replies,
			     server->user_data);

	for (guint i = 0; i < n_recipients; i++) {
		guint code = reply_delivered(session, &replies[i]);

		g_string_append_printf(codes, "%s%u", i > 0 ? "," : "", code);
		g_free(replies[i].enhanced);
		g_free(replies[i].text);
	}
	g_message("session=%u action=deliver from=<%s> recipients=%u size=%" G_GSIZE_FORMAT
		  " replies=%s",
		  session->id, from, n_recipients, g_bytes_get_size(bytes), codes->str);
}

static Next
cmd_data(PglLmtpSession *session, const gchar *args)
{
	PglLmtpServer *server = session->server;
	g_autoptr(GByteArray) message = NULL;
	gsize size = 0;
	gsize header_size = 0;
	gboolean in_header = TRUE;
	guint reject_code = 0;
	const gchar *reject_enhanced = NULL;
	const gchar *reject_text = NULL;

	if (*args != '\0') {
		reply_error(session, 501, "5.5.4", "syntax: DATA");
		return NEXT_CONTINUE;
	}
	if (session->mail_from == NULL) {
		reply_error(session, 503, "5.5.1", "need MAIL command");
		return NEXT_CONTINUE;
	}
	if (session->recipients->len == 0) {
		reply_error(session, 503, "5.5.1", "no valid recipients");
		return NEXT_CONTINUE;
	}
	reply(session, 354, NULL, "end data with <CR><LF>.<CR><LF>");

	/* Read to the end of the data even after a limit is broken: the peer is owed one reply
	 * per recipient, and the stream must stay in sync for the next transaction. */
	message = g_byte_array_new();
	for (;;) {
		const gchar *line = NULL;
		gsize len = 0;
		IoStatus status = read_line(session, &line, &len);

		if (status == IO_TOO_LONG) {
			if (reject_code == 0) {
				reject_code = 500;
				reject_enhanced = "5.5.0";
				reject_text = "line too long";
				g_clear_pointer(&message, g_byte_array_unref);
			}
			continue;
		}
		if (status != IO_OK) {
			g_info("session=%u action=abort reason=io-in-data from=<%s>", session->id,
			       session->mail_from);
			session->io_status = status;
			return NEXT_CLOSE;
		}
		if (len == 1 && line[0] == '.')
			break;
		if (reject_code != 0)
			continue;

		/* RFC 5321 §4.5.2: the client doubled a leading period */
		if (len > 0 && line[0] == '.') {
			line++;
			len--;
		}
		size += len + 1;
		if (in_header && len == 0)
			in_header = FALSE;
		else if (in_header)
			header_size += len + 1;

		if (size > server->message_max) {
			reject_code = 552;
			reject_enhanced = "5.3.4";
			reject_text = "message too big";
		} else if (header_size > server->header_max) {
			reject_code = 552;
			reject_enhanced = "5.3.4";
			reject_text = "message header too big";
		}
		if (reject_code != 0) {
			g_clear_pointer(&message, g_byte_array_unref);
			continue;
		}
		g_byte_array_append(message, (const guint8 *)line, (guint)len);
		g_byte_array_append(message, (const guint8 *)"\n", 1);
	}

	if (reject_code == 0 && message->len == 0) {
		reject_code = 554;
		reject_enhanced = "5.6.0";
		reject_text = "message is empty";
	}
	if (reject_code != 0) {
		g_message("session=%u action=reject reason=\"%s\" from=<%s> recipients=%u",
			  session->id, reject_text, session->mail_from, session->recipients->len);
		for (guint i = 0; i < session->recipients->len; i++)
			reply(session, reject_code, reject_enhanced, "%s", reject_text);
	} else {
		deliver(session, g_steal_pointer(&message));
	}
	reset_transaction(session);
	return NEXT_CONTINUE;
}

static Next
cmd_rset(PglLmtpSession *session, const gchar *args)
{
	if (*args != '\0') {
		reply_error(session, 501, "5.5.4", "syntax: RSET");
		return NEXT_CONTINUE;
	}
	reset_transaction(session);
	reply(session, 250, "2.0.0", "OK");
	return NEXT_CONTINUE;
}

static Next
cmd_noop(PglLmtpSession *session, const gchar *args)
{
	/* RFC 5321 §4.1.1.9: a parameter is allowed and ignored */
	reply(session, 250, "2.0.0", "OK");
	return NEXT_CONTINUE;
}

static Next
cmd_vrfy(PglLmtpSession *session, const gchar *args)
{
	if (*args == '\0') {
		reply_error(session, 501, "5.5.4", "syntax: VRFY <address>");
		return NEXT_CONTINUE;
	}
	/* RFC 5321 §3.5.3: we do not disclose who exists */
	reply(session, 252, "2.5.0", "cannot VRFY, but will accept message and attempt delivery");
	return NEXT_CONTINUE;
}

static Next
cmd_help(PglLmtpSession *session, const gchar *args)
{
	reply(session, 214, "2.0.0", "commands: LHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
	return NEXT_CONTINUE;
}

static Next
cmd_quit(PglLmtpSession *session, const gchar *args)
{
	reply(session, 221, "2.0.0", "%s closing connection", session->server->hostname);
	session->close_reason = "quit";
	return NEXT_CLOSE;
}

static const struct {
	const gchar *verb;
	CommandFunc func;
} commands[] = {
    {"LHLO", cmd_lhlo}, {"MAIL", cmd_mail}, {"RCPT", cmd_rcpt}, {"DATA", cmd_data},
    {"RSET", cmd_rset}, {"NOOP", cmd_noop}, {"QUIT", cmd_quit}, {"VRFY", cmd_vrfy},
    {"HELP", cmd_help}, {"HELO", cmd_helo}, {"EHLO", cmd_helo},
};

static Next
handle_command(PglLmtpSession *session, const gchar *line, gsize len)
{
	g_autofree gchar *command = g_strndup(line, len);
	const gchar *args;
	gsize verb_len;
	Next next = NEXT_CONTINUE;

	/* the copy, not @line: the data phase moves the input buffer under it */
	session->command = command;
	session->command_len = len;
	for (gsize i = 0; i < len; i++) {
		if ((guchar)line[i] < 0x20 || (guchar)line[i] >= 0x7f) {
			reply_error(session, 500, "5.5.2", "invalid character in command");
			session->command = NULL;
			return NEXT_CONTINUE;
		}
	}

	verb_len = strcspn(command, " ");
	args = command[verb_len] == ' ' ? command + verb_len + 1 : command + verb_len;
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (strlen(commands[i].verb) == verb_len &&
		    g_ascii_strncasecmp(command, commands[i].verb, verb_len) == 0) {
			next = commands[i].func(session, args);
			session->command = NULL;
			return next;
		}
	}
	reply_error(session, 500, "5.5.2", "command not recognized");
	session->command = NULL;
	return next;
}

/* ---- session ------------------------------------------------------------------------------ */

/**
 * pgl_lmtp_session_new:
 * @server: the server (unowned; outlives the session)
 * @socket: the accepted connection
 * @id: session number for the log
 *
 * Returns: (transfer full): a session ready for pgl_lmtp_session_run()
 */
PglLmtpSession *
pgl_lmtp_session_new(PglLmtpServer *server, GSocket *socket, guint id)
{
	PglLmtpSession *session = g_new0(PglLmtpSession, 1);

	session->server = server;
	session->socket = g_object_ref(socket);
	session->id = id;
	session->peer = pgl_lmtp_socket_peer_name(socket);
	session->in_size = MAX(server->line_max, IN_BUF_MIN);
	session->in_buf = g_malloc(session->in_size);
	session->out = g_string_sized_new(512);
	session->recipients = g_ptr_array_new_with_free_func(g_free);

	/* we do our own waiting, with deadlines and the server's cancellable */
	g_socket_set_blocking(socket, FALSE);
	/* replies are batched per read already; Nagle would only add latency */
	(void)g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
	return session;
}

/**
 * pgl_lmtp_session_run:
 * @session: a new session
 *
 * Runs the whole dialogue, calling the server's callbacks, until QUIT, a fatal protocol error, a
 * timeout, the peer closing, or pgl_lmtp_server_stop(). Blocks; runs in the session's thread.
 * The socket stays open (see pgl_lmtp_session_close()).
 */
void
pgl_lmtp_session_run(PglLmtpSession *session)
{
	PglLmtpServer *server = session->server;
	gint64 send_deadline;
	gboolean lingering = FALSE;

	g_info("session=%u peer=%s action=connect", session->id, session->peer);
	g_string_append_printf(session->out, "220 %s LMTP pgplist ready\r\n", server->hostname);

	for (;;) {
		const gchar *line = NULL;
		gsize len = 0;
		IoStatus status = read_line(session, &line, &len);

		if (status == IO_TOO_LONG) {
			/* we cannot tell where the next command starts: give up */
			session->command = NULL;
			reply_error(session, 500, "5.5.0", "line too long");
			reply(session, 421, "4.5.0", "%s closing connection", server->hostname);
			session->close_reason = "line-too-long";
			lingering = TRUE;
			break;
		}
		if (status != IO_OK) {
			session->io_status = status;
			break;
		}
		if (handle_command(session, line, len) == NEXT_CLOSE)
			break;
		if (session->n_errors > PGL_LMTP_BAD_COMMANDS_MAX) {
			reply(session, 421, "4.7.0", "%s too many errors, closing connection",
			      server->hostname);
			session->close_reason = "too-many-errors";
			lingering = TRUE;
			break;
		}
	}

	send_deadline = g_get_monotonic_time() + server->timeout_seconds * G_USEC_PER_SEC;
	switch (session->io_status) {
	case IO_TIMEOUT:
		reply(session, 421, "4.4.2", "%s timeout, closing connection", server->hostname);
		session->close_reason = "timeout";
		send_deadline = 0; /* one attempt, no waiting */
		break;
	case IO_CANCELLED:
		reply(session, 421, "4.3.0", "%s server shutting down", server->hostname);
		session->close_reason = "shutdown";
		send_deadline = 0;
		break;
	case IO_EOF:
		session->close_reason = "eof";
		break;
	case IO_ERROR:
		session->close_reason = "io-error";
		send_deadline = 0;
		break;
	case IO_OK:
	case IO_TOO_LONG:
	default:
		break;
	}
	if (session->out->len > 0 && flush(session, send_deadline) != IO_OK)
		lingering = FALSE;
	/* After a protocol error the peer is probably still sending: give it time to see our
	 * replies. Otherwise just drop what has already arrived (e.g. pipelined after QUIT, or
	 * sent just before stop()), which is enough to avoid a RST in the usual cases. */
	if (lingering)
		linger(session, MIN(LINGER_USEC, server->timeout_seconds * G_USEC_PER_SEC));
	else if (session->io_status != IO_ERROR)
		linger(session, 0);

	g_info("session=%u peer=%s action=disconnect reason=%s errors=%u", session->id,
	       session->peer, session->close_reason != NULL ? session->close_reason : "unknown",
	       session->n_errors);
	reset_transaction(session);
	g_clear_pointer(&session->in_buf, g_free);
}

/**
 * pgl_lmtp_session_close:
 * @session: a session whose dialogue has ended
 *
 * Closes the connection. Errors are ignored: the peer is gone either way.
 */
void
pgl_lmtp_session_close(PglLmtpSession *session)
{
	(void)g_socket_close(session->socket, NULL);
}

/**
 * pgl_lmtp_session_free:
 * @session: (transfer full) (nullable): a session
 *
 * Frees @session (closing its socket if still open).
 */
void
pgl_lmtp_session_free(PglLmtpSession *session)
{
	if (session == NULL)
		return;
	g_clear_object(&session->socket);
	g_clear_pointer(&session->peer, g_free);
	g_clear_pointer(&session->in_buf, g_free);
	if (session->out != NULL)
		g_string_free(session->out, TRUE);
	g_clear_pointer(&session->recipients, g_ptr_array_unref);
	g_clear_pointer(&session->mail_from, g_free);
	g_free(session);
}
