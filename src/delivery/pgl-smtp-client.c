/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Blocking SMTP client (RFC 5321) for the delivery runners. One #PglSmtpClient owns at most one
 * connection, opened on the first transaction and reused for the next ones; an idle connection
 * the server has closed (EOF or an unsolicited 421) is replaced once, transparently, before the
 * transaction is given up. Extensions: PIPELINING (RFC 2920: MAIL, the RCPTs and DATA go out in
 * one write), SIZE (RFC 1870: an oversized message fails before anything is sent), 8BITMIME
 * (RFC 6152), STARTTLS (RFC 3207) and implicit TLS (RFC 8314) with certificate and host name
 * verification, AUTH PLAIN (RFC 4616) or LOGIN (RFC 4954) only over TLS or to a loopback peer.
 *
 * Invariants: every read has the configured timeout and a bounded line length and line count;
 * output goes through one large buffer so a whole message and its final "." leave in as few
 * writes as possible, and TCP_NODELAY is set, so no transaction waits for a delayed ACK
 * (DESIGN.md §8); the message is converted to CRLF and dot-stuffed on the fly, and no bare CR or
 * LF ever reaches the wire (SMTP smuggling). Passwords, AUTH exchanges and message content are
 * never logged; server text is sanitised before it goes into an error or the log; the output
 * buffer is wiped after credentials went through it.
 */
#define G_LOG_DOMAIN "pgl-delivery"

#include "delivery/pgl-smtp-client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

/* Output is collected up to this size before a write; commands and small messages take one. */
#define OUT_BUFFER_SIZE (256 * 1024)
#define READ_CHUNK_SIZE (16 * 1024)
/* With PIPELINING, at most this many commands go out before their replies are read, so neither
 * side can fill the other's socket buffers and deadlock on a huge recipient list. */
#define PIPELINE_WINDOW 256
/* Longest address we put on the wire (RFC 5321 §4.5.3.1.3: path of 256 octets incl. "<>"). */
#define MAX_ADDRESS_LENGTH 254
/* How much server text goes into an error message. */
#define MAX_ERROR_TEXT 200

struct _PglSmtpClient {
	gchar *host;		    /* (owned) */
	guint16 port;
	PglSmtpSecurity security;
	gchar *user;		    /* (owned) (nullable) */
	gchar *password;	    /* (owned) (nullable) wiped on free */
	gchar *ca_file;		    /* (owned) (nullable) */
	gchar *helo_name;	    /* (owned) */
	guint timeout_seconds;

	GTlsDatabase *database;	    /* (owned) (nullable) loaded from ca_file on first use */
	GSocketConnectable *server; /* (owned) host and port; also the TLS server identity */
	GSocketConnection *tcp;	    /* (owned) (nullable) the TCP connection */
	GIOStream *stream;	    /* (owned) (nullable) tcp itself or a TLS connection on it */
	gboolean tls_active;

	GByteArray *inbuf; /* (owned) bytes received and not yet parsed, from inpos */
	guint inpos;
	GByteArray *outbuf; /* (owned) bytes waiting to be written */

	/* What the last EHLO advertised. */
	gboolean ext_pipelining;
	gboolean ext_8bitmime;
	gboolean ext_starttls;
	gboolean ext_size;
	guint64 ext_size_limit; /* 0: no limit given */
	gboolean ext_auth_plain;
	gboolean ext_auth_login;
};

/* A NUL-terminated secret (base64 credentials) that is wiped before it is freed. */
typedef gchar PglSecretString;

static void
secret_string_free(PglSecretString *secret)
{
	if (secret == NULL)
		return;
	explicit_bzero(secret, strlen(secret));
	g_free(secret);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglSecretString, secret_string_free)

/**
 * pgl_smtp_error_quark:
 *
 * Returns: the quark of the %PGL_SMTP_ERROR domain
 */
G_DEFINE_QUARK(pgl-smtp-error-quark, pgl_smtp_error)

/* Untrusted server text for an error message or the log: printable ASCII only, bounded. */
static gchar *
sanitize(const gchar *text)
{
	GString *out = g_string_sized_new(64);

	for (const gchar *p = text; *p != '\0'; p++) {
		if (out->len >= MAX_ERROR_TEXT) {
			g_string_append(out, "...");
			break;
		}
		if (*p == '\n')
			g_string_append_c(out, ' ');
		else if (g_ascii_isprint(*p))
			g_string_append_c(out, *p);
		else
			g_string_append_c(out, '?');
	}
	return g_string_free(out, FALSE);
}

static gint
error_code_for_reply(guint code)
{
	if (code >= 400 && code < 500)
		return PGL_SMTP_ERROR_TEMPORARY;
	if (code >= 500 && code < 600)
		return PGL_SMTP_ERROR_PERMANENT;
	return PGL_SMTP_ERROR_PROTOCOL;
}

/* "host:port: STAGE refused: 550 5.1.0 text", with the code from the reply's class. */
static void
set_reply_error_full(PglSmtpClient *client, GError **error, gint code, const gchar *stage,
		     const PglSmtpReply *reply)
{
	g_autofree gchar *text = sanitize(reply->text);

	g_set_error(error, PGL_SMTP_ERROR, code, "%s:%u: %s refused: %u %s%s%s", client->host,
		    client->port, stage, reply->code,
		    reply->enhanced != NULL ? reply->enhanced : "",
		    reply->enhanced != NULL ? " " : "", text);
}

static void
set_reply_error(PglSmtpClient *client, GError **error, const gchar *stage,
		const PglSmtpReply *reply)
{
	set_reply_error_full(client, error, error_code_for_reply(reply->code), stage, reply);
}

static void
reply_clear(PglSmtpReply *reply)
{
	g_clear_pointer(&reply->enhanced, g_free);
	g_clear_pointer(&reply->text, g_free);
	reply->code = 0;
}

static void
reply_set(PglSmtpReply *reply, guint code, const gchar *enhanced, const gchar *text)
{
	reply_clear(reply);
	reply->code = code;
	reply->enhanced = g_strdup(enhanced);
	reply->text = g_strdup(text);
}

static void
reply_copy(PglSmtpReply *dest, const PglSmtpReply *src)
{
	reply_set(dest, src->code, src->enhanced, src->text);
}

/**
 * pgl_smtp_reply_is_success:
 * @reply: a #PglSmtpReply
 *
 * Returns: %TRUE if @reply is a 2xx reply (the server took responsibility for the recipient)
 */
gboolean
pgl_smtp_reply_is_success(const PglSmtpReply *reply)
{
	g_return_val_if_fail(reply != NULL, FALSE);
	return reply->code >= 200 && reply->code < 300;
}

/**
 * pgl_smtp_reply_is_temporary:
 * @reply: a #PglSmtpReply
 *
 * Returns: %TRUE if @reply is a 4xx reply (try this recipient again later)
 */
gboolean
pgl_smtp_reply_is_temporary(const PglSmtpReply *reply)
{
	g_return_val_if_fail(reply != NULL, FALSE);
	return reply->code >= 400 && reply->code < 500;
}

/**
 * pgl_smtp_reply_array_free:
 * @replies: (nullable) (transfer full): array from pgl_smtp_client_send()
 * @n: number of entries in @replies
 *
 * Frees @replies and the strings in it.
 */
void
pgl_smtp_reply_array_free(PglSmtpReply *replies, guint n)
{
	if (replies == NULL)
		return;
	for (guint i = 0; i < n; i++)
		reply_clear(&replies[i]);
	g_free(replies);
}

/* A domain or address literal for EHLO: printable ASCII without spaces, bounded. */
static gboolean
helo_name_is_valid(const gchar *name)
{
	gsize len = 0;

	for (const gchar *p = name; *p != '\0'; p++, len++) {
		if (!g_ascii_isgraph(*p))
			return FALSE;
	}
	return len > 0 && len <= 255;
}

/**
 * pgl_smtp_client_new:
 * @config: settings; copied, so the caller may free its strings afterwards
 *
 * Creates a client. Nothing is connected until the first pgl_smtp_client_send().
 *
 * Returns: (transfer full): a new #PglSmtpClient, free with pgl_smtp_client_free()
 */
PglSmtpClient *
pgl_smtp_client_new(const PglSmtpClientConfig *config)
{
	PglSmtpClient *client = NULL;

	g_return_val_if_fail(config != NULL, NULL);
	g_return_val_if_fail(config->host != NULL && config->host[0] != '\0', NULL);

	client = g_new0(PglSmtpClient, 1);
	client->host = g_strdup(config->host);
	client->port = config->port;
	client->security = config->security;
	if (config->user != NULL) {
		client->user = g_strdup(config->user);
		client->password = g_strdup(config->password != NULL ? config->password : "");
	}
	/* GTlsFileDatabase wants an absolute path; a relative one is taken from the cwd now. */
	if (config->ca_file != NULL)
		client->ca_file = g_canonicalize_filename(config->ca_file, NULL);
	if (config->helo_name != NULL && helo_name_is_valid(config->helo_name)) {
		client->helo_name = g_strdup(config->helo_name);
	} else {
		if (config->helo_name != NULL)
			g_message("smtp: unusable EHLO name, sending \"localhost\" instead");
		client->helo_name = g_strdup("localhost");
	}
	client->timeout_seconds =
		config->timeout_seconds != 0 ? config->timeout_seconds : PGL_SMTP_DEFAULT_TIMEOUT;
	client->server = g_network_address_new(client->host, client->port);
	client->inbuf = g_byte_array_sized_new(READ_CHUNK_SIZE);
	client->outbuf = g_byte_array_sized_new(OUT_BUFFER_SIZE);
	return client;
}

/* Closes the connection without QUIT (after an I/O or protocol error, or when it is stale). */
static void
drop_connection(PglSmtpClient *client)
{
	if (client->stream != NULL) {
		g_debug("smtp: closing connection host=%s port=%u", client->host, client->port);
		/* Best effort: the peer may be gone; the socket timeout bounds a TLS close. */
		g_io_stream_close(client->stream, NULL, NULL);
	}
	g_clear_object(&client->stream);
	g_clear_object(&client->tcp);
	client->tls_active = FALSE;
	g_byte_array_set_size(client->inbuf, 0);
	client->inpos = 0;
	explicit_bzero(client->outbuf->data, client->outbuf->len);
	g_byte_array_set_size(client->outbuf, 0);
	client->ext_pipelining = FALSE;
	client->ext_8bitmime = FALSE;
	client->ext_starttls = FALSE;
	client->ext_size = FALSE;
	client->ext_size_limit = 0;
	client->ext_auth_plain = FALSE;
	client->ext_auth_login = FALSE;
}

/*
 * A GIO failure on an established connection (reset, EOF inside TLS, timeout): always
 * TEMPORARY, and the connection is dropped. Certificate problems only arise in start_tls().
 */
static void
fail_io(PglSmtpClient *client, GError **error, const gchar *what, const GError *io_error)
{
	g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_TEMPORARY, "%s:%u: %s: %s", client->host,
		    client->port, what, io_error->message);
	drop_connection(client);
}

static void
fail_protocol(PglSmtpClient *client, GError **error, const gchar *message)
{
	g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_PROTOCOL, "%s:%u: protocol error: %s",
		    client->host, client->port, message);
	drop_connection(client);
}

/* Writes everything buffered. With @secret the buffer held credentials and is wiped. */
static gboolean
out_flush_full(PglSmtpClient *client, gboolean secret, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	GOutputStream *output = NULL;
	gboolean ok = TRUE;

	if (client->outbuf->len == 0)
		return TRUE;
	output = g_io_stream_get_output_stream(client->stream);
	ok = g_output_stream_write_all(output, client->outbuf->data, client->outbuf->len, NULL,
				       NULL, &local_error);
	if (secret)
		explicit_bzero(client->outbuf->data, client->outbuf->len);
	g_byte_array_set_size(client->outbuf, 0);
	if (!ok) {
		fail_io(client, error, "write failed", local_error);
		return FALSE;
	}
	return TRUE;
}

static gboolean
out_flush(PglSmtpClient *client, GError **error)
{
	return out_flush_full(client, FALSE, error);
}

/* Buffers @data, writing out first when the buffer would overflow. */
static gboolean
out_append(PglSmtpClient *client, const void *data, gsize len, GError **error)
{
	if (client->outbuf->len + len > OUT_BUFFER_SIZE) {
		if (!out_flush(client, error))
			return FALSE;
	}
	if (len >= OUT_BUFFER_SIZE) {
		g_autoptr(GError) local_error = NULL;
		GOutputStream *output = g_io_stream_get_output_stream(client->stream);

		if (!g_output_stream_write_all(output, data, len, NULL, NULL, &local_error)) {
			fail_io(client, error, "write failed", local_error);
			return FALSE;
		}
		return TRUE;
	}
	g_byte_array_append(client->outbuf, data, len);
	return TRUE;
}

/* Buffers one command line; CRLF is added here. */
static void
out_command(PglSmtpClient *client, const gchar *command)
{
	g_byte_array_append(client->outbuf, (const guint8 *)command, strlen(command));
	g_byte_array_append(client->outbuf, (const guint8 *)"\r\n", 2);
}

/* Reads one line into @line_out (without CRLF), at most PGL_SMTP_MAX_REPLY_LINE bytes. */
static gboolean
read_line(PglSmtpClient *client, gchar **line_out, GError **error)
{
	for (;;) {
		const guint8 *start = client->inbuf->data + client->inpos;
		gsize avail = client->inbuf->len - client->inpos;
		const guint8 *newline = memchr(start, '\n', avail);
		GInputStream *input = NULL;
		g_autoptr(GError) local_error = NULL;
		gssize n_read = 0;

		if (newline != NULL) {
			gsize len = newline - start;

			client->inpos += len + 1;
			if (len > 0 && start[len - 1] == '\r')
				len--;
			if (len > PGL_SMTP_MAX_REPLY_LINE) {
				fail_protocol(client, error, "reply line too long");
				return FALSE;
			}
			if (memchr(start, '\0', len) != NULL) {
				fail_protocol(client, error, "NUL byte in reply");
				return FALSE;
			}
			*line_out = g_strndup((const gchar *)start, len);
			return TRUE;
		}
		if (avail > PGL_SMTP_MAX_REPLY_LINE + 1) {
			fail_protocol(client, error, "reply line too long");
			return FALSE;
		}

		/* Compact, then read more into the free tail. */
		if (client->inpos > 0) {
			g_byte_array_remove_range(client->inbuf, 0, client->inpos);
			client->inpos = 0;
		}
		g_byte_array_set_size(client->inbuf, avail + READ_CHUNK_SIZE);
		input = g_io_stream_get_input_stream(client->stream);
		n_read = g_input_stream_read(input, client->inbuf->data + avail, READ_CHUNK_SIZE,
					     NULL, &local_error);
		g_byte_array_set_size(client->inbuf, avail + MAX(n_read, 0));
		if (n_read < 0) {
			fail_io(client, error, "read failed", local_error);
			return FALSE;
		}
		if (n_read == 0) {
			g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_TEMPORARY,
				    "%s:%u: connection closed by server", client->host,
				    client->port);
			drop_connection(client);
			return FALSE;
		}
	}
}

/* Length of an RFC 3463 enhanced status code "c.sss.ddd" at @text whose class is @klass. */
static gsize
enhanced_code_length(const gchar *text, gchar klass)
{
	const gchar *p = text;
	guint digits = 0;

	if (*p != klass || p[1] != '.')
		return 0;
	p += 2;
	for (digits = 0; g_ascii_isdigit(*p) && digits < 4; digits++)
		p++;
	if (digits == 0 || digits > 3 || *p != '.')
		return 0;
	p++;
	for (digits = 0; g_ascii_isdigit(*p) && digits < 4; digits++)
		p++;
	if (digits == 0 || digits > 3 || (*p != ' ' && *p != '\0'))
		return 0;
	return p - text;
}

/*
 * Reads one complete (possibly multi-line) reply (RFC 5321 §4.2). If @lines_out is given, it
 * receives the text of every line (after "NNN-"), as EHLO needs. A malformed reply, mixed codes,
 * or more than PGL_SMTP_MAX_REPLY_LINES lines is a protocol error.
 */
static gboolean
read_reply(PglSmtpClient *client, PglSmtpReply *reply, GPtrArray *lines_out, GError **error)
{
	g_autoptr(GString) text = g_string_new(NULL);
	g_autofree gchar *enhanced = NULL;
	guint code = 0;

	for (guint n_lines = 1;; n_lines++) {
		g_autofree gchar *line = NULL;
		const gchar *rest = NULL;
		guint line_code = 0;
		gsize enhanced_len = 0;
		gboolean last = FALSE;

		if (n_lines > PGL_SMTP_MAX_REPLY_LINES) {
			fail_protocol(client, error, "reply has too many lines");
			return FALSE;
		}
		if (!read_line(client, &line, error))
			return FALSE;
		if (!g_ascii_isdigit(line[0]) || !g_ascii_isdigit(line[1]) ||
		    !g_ascii_isdigit(line[2]) || line[0] < '2' || line[0] > '5' ||
		    (line[3] != '\0' && line[3] != ' ' && line[3] != '-')) {
			g_autofree gchar *shown = sanitize(line);
			g_autofree gchar *message = g_strdup_printf("malformed reply '%s'", shown);

			fail_protocol(client, error, message);
			return FALSE;
		}
		line_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (code != 0 && line_code != code) {
			fail_protocol(client, error, "reply lines with different codes");
			return FALSE;
		}
		code = line_code;
		last = line[3] != '-';
		rest = line[3] != '\0' ? line + 4 : line + 3;
		if (lines_out != NULL)
			g_ptr_array_add(lines_out, g_strdup(rest));

		enhanced_len = enhanced_code_length(rest, line[0]);
		if (enhanced_len > 0) {
			if (enhanced == NULL)
				enhanced = g_strndup(rest, enhanced_len);
			rest += enhanced_len;
			if (*rest == ' ')
				rest++;
		}
		if (n_lines > 1)
			g_string_append_c(text, '\n');
		g_string_append(text, rest);
		if (last)
			break;
	}

	reply_clear(reply);
	reply->code = code;
	reply->enhanced = g_steal_pointer(&enhanced);
	reply->text = g_string_free(g_steal_pointer(&text), FALSE);
	return TRUE;
}

/* Sends one command and reads its reply. */
static gboolean
command(PglSmtpClient *client, const gchar *line, PglSmtpReply *reply, GError **error)
{
	out_command(client, line);
	if (!out_flush(client, error))
		return FALSE;
	return read_reply(client, reply, NULL, error);
}

static gchar *
describe_certificate_errors(GTlsCertificateFlags flags)
{
	static const struct {
		GTlsCertificateFlags flag;
		const gchar *text;
	} names[] = {
		{G_TLS_CERTIFICATE_UNKNOWN_CA, "unknown CA"},
		{G_TLS_CERTIFICATE_BAD_IDENTITY, "host name mismatch"},
		{G_TLS_CERTIFICATE_NOT_ACTIVATED, "not yet valid"},
		{G_TLS_CERTIFICATE_EXPIRED, "expired"},
		{G_TLS_CERTIFICATE_REVOKED, "revoked"},
		{G_TLS_CERTIFICATE_INSECURE, "insecure algorithm"},
		{G_TLS_CERTIFICATE_GENERIC_ERROR, "invalid"},
	};
	g_autoptr(GString) out = g_string_new(NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		if ((flags & names[i].flag) == 0)
			continue;
		if (out->len > 0)
			g_string_append(out, ", ");
		g_string_append(out, names[i].text);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Puts TLS on the current stream and verifies the server against ca_file or the system store. */
static gboolean
start_tls(PglSmtpClient *client, GError **error)
{
	g_autoptr(GIOStream) tls = NULL;
	g_autoptr(GError) local_error = NULL;

	tls = g_tls_client_connection_new(client->stream, client->server, &local_error);
	if (tls == NULL) {
		g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_TLS, "%s:%u: no TLS: %s",
			    client->host, client->port, local_error->message);
		drop_connection(client);
		return FALSE;
	}
	if (client->ca_file != NULL) {
		if (client->database == NULL) {
			client->database = g_tls_file_database_new(client->ca_file, &local_error);
			if (client->database == NULL) {
				g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_TLS,
					    "CA file %s: %s", client->ca_file,
					    local_error->message);
				drop_connection(client);
				return FALSE;
			}
		}
		g_tls_connection_set_database(G_TLS_CONNECTION(tls), client->database);
	}

	if (!g_tls_connection_handshake(G_TLS_CONNECTION(tls), NULL, &local_error)) {
		GTlsCertificateFlags flags =
			g_tls_connection_get_peer_certificate_errors(G_TLS_CONNECTION(tls));

		if (local_error->domain == G_IO_ERROR) {
			fail_io(client, error, "TLS handshake failed", local_error);
		} else if (flags != 0) {
			g_autofree gchar *reasons = describe_certificate_errors(flags);

			g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_TLS,
				    "%s:%u: server certificate rejected (%s): %s", client->host,
				    client->port, reasons, local_error->message);
			drop_connection(client);
		} else {
			g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_TLS,
				    "%s:%u: TLS handshake failed: %s", client->host, client->port,
				    local_error->message);
			drop_connection(client);
		}
		return FALSE;
	}

	g_object_unref(client->stream);
	client->stream = g_steal_pointer(&tls);
	client->tls_active = TRUE;
	g_debug("smtp: TLS established host=%s port=%u", client->host, client->port);
	return TRUE;
}

static void
parse_extension(PglSmtpClient *client, const gchar *line)
{
	g_auto(GStrv) words = g_strsplit_set(line, " =", -1);
	const gchar *keyword = words[0];

	if (keyword == NULL)
		return;
	if (g_ascii_strcasecmp(keyword, "PIPELINING") == 0) {
		client->ext_pipelining = TRUE;
	} else if (g_ascii_strcasecmp(keyword, "8BITMIME") == 0) {
		client->ext_8bitmime = TRUE;
	} else if (g_ascii_strcasecmp(keyword, "STARTTLS") == 0) {
		client->ext_starttls = TRUE;
	} else if (g_ascii_strcasecmp(keyword, "SIZE") == 0) {
		guint64 limit = 0;

		client->ext_size = TRUE;
		/* RFC 1870: no number or 0 means no fixed limit; ignore garbage the same way. */
		if (words[1] != NULL &&
		    g_ascii_string_to_unsigned(words[1], 10, 0, G_MAXUINT64, &limit, NULL))
			client->ext_size_limit = limit;
	} else if (g_ascii_strcasecmp(keyword, "AUTH") == 0) {
		for (guint i = 1; words[i] != NULL; i++) {
			if (g_ascii_strcasecmp(words[i], "PLAIN") == 0)
				client->ext_auth_plain = TRUE;
			else if (g_ascii_strcasecmp(words[i], "LOGIN") == 0)
				client->ext_auth_login = TRUE;
		}
	}
}

/* EHLO, or HELO if the server rejects EHLO with 5xx (then no extensions). */
static gboolean
greet(PglSmtpClient *client, GError **error)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *ehlo = g_strdup_printf("EHLO %s", client->helo_name);
	PglSmtpReply reply = {0};
	gboolean ok = FALSE;

	client->ext_pipelining = client->ext_8bitmime = client->ext_starttls = FALSE;
	client->ext_size = client->ext_auth_plain = client->ext_auth_login = FALSE;
	client->ext_size_limit = 0;

	out_command(client, ehlo);
	if (!out_flush(client, error) || !read_reply(client, &reply, lines, error))
		return FALSE;
	if (reply.code == 250) {
		/* The first line is the server's name, the others one extension each. */
		for (guint i = 1; i < lines->len; i++)
			parse_extension(client, g_ptr_array_index(lines, i));
		reply_clear(&reply);
		return TRUE;
	}
	if (reply.code < 500 || reply.code >= 600) {
		set_reply_error(client, error, "EHLO", &reply);
		reply_clear(&reply);
		return FALSE;
	}
	reply_clear(&reply);

	g_debug("smtp: EHLO rejected, trying HELO host=%s", client->host);
	{
		g_autofree gchar *helo = g_strdup_printf("HELO %s", client->helo_name);

		if (!command(client, helo, &reply, error))
			return FALSE;
	}
	ok = reply.code == 250;
	if (!ok)
		set_reply_error(client, error, "HELO", &reply);
	reply_clear(&reply);
	return ok;
}

static gboolean
peer_is_loopback(PglSmtpClient *client)
{
	g_autoptr(GSocketAddress) address = NULL;

	address = g_socket_connection_get_remote_address(client->tcp, NULL);
	if (address == NULL || !G_IS_INET_SOCKET_ADDRESS(address))
		return FALSE;
	return g_inet_address_get_is_loopback(
		g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(address)));
}

/* Sends one secret line (base64 credentials) and reads the reply; the buffer is wiped. */
static gboolean
secret_command(PglSmtpClient *client, const gchar *prefix, const gchar *secret,
	       PglSmtpReply *reply, GError **error)
{
	g_byte_array_append(client->outbuf, (const guint8 *)prefix, strlen(prefix));
	g_byte_array_append(client->outbuf, (const guint8 *)secret, strlen(secret));
	g_byte_array_append(client->outbuf, (const guint8 *)"\r\n", 2);
	if (!out_flush_full(client, TRUE, error))
		return FALSE;
	return read_reply(client, reply, NULL, error);
}

static gboolean
authenticate(PglSmtpClient *client, GError **error)
{
	PglSmtpReply reply = {0};
	gboolean ok = FALSE;

	/* RFC 4954 §4: credentials only over an encrypted channel; loopback is the local MTA. */
	if (!client->tls_active && !peer_is_loopback(client)) {
		g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_TLS,
			    "%s:%u: refusing to send credentials without TLS to a non-loopback "
			    "host",
			    client->host, client->port);
		drop_connection(client);
		return FALSE;
	}

	if (client->ext_auth_plain) {
		gsize user_len = strlen(client->user);
		gsize password_len = strlen(client->password);
		gsize len = user_len + password_len + 2;
		guint8 *plain = g_malloc(len);
		g_autoptr(PglSecretString) encoded = NULL;

		/* RFC 4616: authzid (empty) NUL authcid NUL passwd, as initial response. */
		plain[0] = '\0';
		memcpy(plain + 1, client->user, user_len);
		plain[1 + user_len] = '\0';
		memcpy(plain + 2 + user_len, client->password, password_len);
		encoded = g_base64_encode(plain, len);
		explicit_bzero(plain, len);
		g_free(plain);

		if (!secret_command(client, "AUTH PLAIN ", encoded, &reply, error))
			return FALSE;
		/* A server that ignores the initial response asks with an empty 334. */
		if (reply.code == 334 && !secret_command(client, "", encoded, &reply, error))
			return FALSE;
	} else if (client->ext_auth_login) {
		g_autoptr(PglSecretString) user = NULL;
		g_autoptr(PglSecretString) password = NULL;

		user = g_base64_encode((const guchar *)client->user, strlen(client->user));
		password = g_base64_encode((const guchar *)client->password,
					   strlen(client->password));
		if (!command(client, "AUTH LOGIN", &reply, error))
			return FALSE;
		if (reply.code == 334 && !secret_command(client, "", user, &reply, error))
			return FALSE;
		if (reply.code == 334 && !secret_command(client, "", password, &reply, error))
			return FALSE;
	} else {
		g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_PERMANENT,
			    "%s:%u: AUTH configured but the server offers neither PLAIN nor LOGIN",
			    client->host, client->port);
		return FALSE;
	}

	ok = reply.code == 235;
	if (!ok) {
		if (reply.code == 334) {
			/* Still asking: give up on the exchange (RFC 4954 §4), protocol error. */
			reply.code = 0;
			fail_protocol(client, error, "unexpected AUTH challenge");
		} else {
			set_reply_error(client, error, "AUTH", &reply);
		}
	} else {
		g_debug("smtp: authenticated host=%s user=%s", client->host, client->user);
	}
	reply_clear(&reply);
	return ok;
}

/* QUIT and close; only for a connection in a known state. */
static void
quit_connection(PglSmtpClient *client)
{
	PglSmtpReply reply = {0};

	if (client->stream == NULL)
		return;
	/* Errors here drop the connection themselves; the outcome does not matter. */
	if (command(client, "QUIT", &reply, NULL))
		reply_clear(&reply);
	drop_connection(client);
}

/* Opens the connection: TCP, TLS as configured, greeting, EHLO, STARTTLS, AUTH. */
static gboolean
connect_server(PglSmtpClient *client, GError **error)
{
	g_autoptr(GSocketClient) socket_client = g_socket_client_new();
	g_autoptr(GError) local_error = NULL;
	GSocket *socket = NULL;
	PglSmtpReply reply = {0};

	g_socket_client_set_timeout(socket_client, client->timeout_seconds);
	/* The relay is reached directly; desktop proxy settings have no say (and cost a thread). */
	g_socket_client_set_enable_proxy(socket_client, FALSE);
	client->tcp = g_socket_client_connect(socket_client, client->server, NULL, &local_error);
	if (client->tcp == NULL) {
		g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_TEMPORARY,
			    "%s:%u: cannot connect: %s", client->host, client->port,
			    local_error->message);
		return FALSE;
	}
	client->stream = G_IO_STREAM(g_object_ref(client->tcp));
	socket = g_socket_connection_get_socket(client->tcp);
	g_socket_set_timeout(socket, client->timeout_seconds);
	/* Our writes are whole commands or large buffers: Nagle only adds delayed-ACK stalls. */
	if (!g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, &local_error)) {
		g_debug("smtp: cannot set TCP_NODELAY: %s", local_error->message);
		g_clear_error(&local_error);
	}
	g_debug("smtp: connected host=%s port=%u security=%d", client->host, client->port,
		client->security);

	if (client->security == PGL_SMTP_SECURITY_TLS && !start_tls(client, error))
		return FALSE;

	if (!read_reply(client, &reply, NULL, error))
		return FALSE;
	if (reply.code != 220) {
		set_reply_error(client, error, "greeting", &reply);
		reply_clear(&reply);
		quit_connection(client);
		return FALSE;
	}
	reply_clear(&reply);

	if (!greet(client, error)) {
		quit_connection(client);
		return FALSE;
	}

	if (client->security == PGL_SMTP_SECURITY_STARTTLS) {
		if (!client->ext_starttls) {
			g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_TLS,
				    "%s:%u: STARTTLS required but not offered by the server",
				    client->host, client->port);
			quit_connection(client);
			return FALSE;
		}
		if (!command(client, "STARTTLS", &reply, error))
			return FALSE;
		if (reply.code != 220) {
			/* A refused STARTTLS is a TLS failure: never continue in clear text. */
			set_reply_error_full(client, error, PGL_SMTP_ERROR_TLS, "STARTTLS", &reply);
			reply_clear(&reply);
			quit_connection(client);
			return FALSE;
		}
		reply_clear(&reply);
		/* RFC 3207 §4.2 / CVE-2011-0411: nothing may be pipelined after STARTTLS. */
		if (client->inpos != client->inbuf->len) {
			fail_protocol(client, error, "data after the STARTTLS reply");
			return FALSE;
		}
		if (!start_tls(client, error))
			return FALSE;
		/* RFC 3207 §4.2: forget everything learnt before TLS and greet again. */
		if (!greet(client, error)) {
			quit_connection(client);
			return FALSE;
		}
	}

	if (client->user != NULL && !authenticate(client, error)) {
		quit_connection(client);
		return FALSE;
	}
	g_debug("smtp: ready host=%s pipelining=%d size=%" G_GUINT64_FORMAT " 8bitmime=%d tls=%d",
		client->host, client->ext_pipelining, client->ext_size_limit, client->ext_8bitmime,
		client->tls_active);
	return TRUE;
}

/*
 * Whether an idle connection has been closed by the server: it is readable (EOF, TLS
 * close_notify, or an unsolicited reply such as 421) while we have not asked anything.
 */
static gboolean
connection_is_stale(PglSmtpClient *client)
{
	GInputStream *input = g_io_stream_get_input_stream(client->stream);
	g_autoptr(GError) local_error = NULL;
	guint8 byte = 0;
	gssize n_read = 0;

	if (client->inpos != client->inbuf->len)
		return TRUE;
	if (!G_IS_POLLABLE_INPUT_STREAM(input) ||
	    !g_pollable_input_stream_is_readable(G_POLLABLE_INPUT_STREAM(input)))
		return FALSE;
	n_read = g_pollable_input_stream_read_nonblocking(G_POLLABLE_INPUT_STREAM(input), &byte, 1,
							  NULL, &local_error);
	/* Readable but nothing for us: TLS post-handshake records (session tickets). */
	if (n_read < 0 && g_error_matches(local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
		return FALSE;
	return TRUE;
}

/* Addresses go between angle brackets on a command line: no controls, spaces, "<>" or 8-bit. */
static gboolean
address_is_valid(const gchar *address)
{
	gsize len = 0;

	for (const gchar *p = address; *p != '\0'; p++, len++) {
		guchar c = (guchar)*p;

		/* XXX: SMTPUTF8 (RFC 6531) is not implemented, so 8-bit addresses are refused. */
		if (c <= ' ' || c >= 0x7f || c == '<' || c == '>')
			return FALSE;
	}
	return len <= MAX_ADDRESS_LENGTH;
}

/*
 * Size of @data after conversion to CRLF (RFC 1870 wants an estimate; dot-stuffing is left
 * out), and whether it has 8-bit bytes (RFC 6152 BODY=8BITMIME).
 */
static void
scan_message(const guint8 *data, gsize len, guint64 *wire_size_out, gboolean *has_8bit_out)
{
	guint64 wire_size = len;
	gboolean has_8bit = FALSE;

	for (gsize i = 0; i < len; i++) {
		if (data[i] >= 0x80)
			has_8bit = TRUE;
		else if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			wire_size++;
		else if (data[i] == '\r' && (i + 1 == len || data[i + 1] != '\n'))
			wire_size++;
	}
	if (len > 0 && data[len - 1] != '\n' && data[len - 1] != '\r')
		wire_size += 2;
	*wire_size_out = wire_size;
	*has_8bit_out = has_8bit;
}

/*
 * Writes the message as DATA content (RFC 5321 §4.5.2): every line ending (LF, CRLF, or a bare
 * CR) becomes CRLF, lines starting with "." get another ".", and the final ".\r\n" goes into the
 * same buffer as the end of the body, so a small message is a single write.
 */
static gboolean
write_body(PglSmtpClient *client, GBytes *message, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(message, &len);
	gsize pos = 0;

	while (pos < len) {
		gsize end = pos;

		if (data[pos] == '.' && !out_append(client, ".", 1, error))
			return FALSE;
		while (end < len && data[end] != '\n' && data[end] != '\r')
			end++;
		if (!out_append(client, data + pos, end - pos, error))
			return FALSE;
		if (!out_append(client, "\r\n", 2, error))
			return FALSE;
		if (end < len && data[end] == '\r' && end + 1 < len && data[end + 1] == '\n')
			end++;
		pos = end + 1;
	}
	if (!out_append(client, ".\r\n", 3, error))
		return FALSE;
	return out_flush(client, error);
}

/* After a transaction that did not end with DATA: reset the server's state, or give up on it. */
static void
reset_transaction(PglSmtpClient *client)
{
	PglSmtpReply reply = {0};

	if (client->stream == NULL)
		return;
	if (!command(client, "RSET", &reply, NULL))
		return;
	if (reply.code != 250)
		drop_connection(client);
	reply_clear(&reply);
}

typedef struct {
	const gchar *mail_from;
	const gchar *const *recipients;
	GArray *valid; /* (unowned) indices into recipients of addresses to send */
	GBytes *message;
	gboolean has_8bit;
	guint64 wire_size;
	PglSmtpReply *replies; /* (unowned) n_recipients entries */
} Transaction;

static gchar *
mail_command(PglSmtpClient *client, const Transaction *tx)
{
	GString *line = g_string_new(NULL);

	g_string_append_printf(line, "MAIL FROM:<%s>", tx->mail_from);
	if (client->ext_size)
		g_string_append_printf(line, " SIZE=%" G_GUINT64_FORMAT, tx->wire_size);
	if (tx->has_8bit && client->ext_8bitmime)
		g_string_append(line, " BODY=8BITMIME");
	return g_string_free(line, FALSE);
}

static void
out_rcpt(PglSmtpClient *client, const gchar *recipient)
{
	g_autofree gchar *line = g_strdup_printf("RCPT TO:<%s>", recipient);

	out_command(client, line);
}

/*
 * Sends the message to the accepted recipients after a 354 and hands them the final reply.
 * A 421 means the server is going away: the reply stands, the connection is dropped.
 */
static gboolean
finish_data(PglSmtpClient *client, Transaction *tx, GError **error)
{
	PglSmtpReply reply = {0};

	if (!write_body(client, tx->message, error))
		return FALSE;
	if (!read_reply(client, &reply, NULL, error))
		return FALSE;
	for (guint i = 0; i < tx->valid->len; i++) {
		PglSmtpReply *slot = &tx->replies[g_array_index(tx->valid, guint, i)];

		if (slot->code == 0)
			reply_copy(slot, &reply);
	}
	g_debug("smtp: DATA done host=%s code=%u", client->host, reply.code);
	if (reply.code == 421)
		drop_connection(client);
	reply_clear(&reply);
	return TRUE;
}

/*
 * The MAIL reply decides whether a failure may be retried on a fresh connection: an I/O error
 * before it or a 421 to it means the idle connection had died. Sets *@stale_out then.
 */
static gboolean
check_mail_reply(PglSmtpClient *client, gboolean read_ok, const PglSmtpReply *reply,
		 gboolean *stale_out, GError **error)
{
	if (!read_ok) {
		*stale_out = TRUE;
		return FALSE;
	}
	if (reply->code == 421) {
		*stale_out = TRUE;
		set_reply_error(client, error, "MAIL FROM", reply);
		drop_connection(client);
		return FALSE;
	}
	if (reply->code != 250) {
		set_reply_error(client, error, "MAIL FROM", reply);
		return FALSE;
	}
	return TRUE;
}

/* Records a RCPT reply; returns whether the recipient was accepted. */
static gboolean
take_rcpt_reply(PglSmtpClient *client, Transaction *tx, guint index, PglSmtpReply *reply)
{
	if (reply->code >= 200 && reply->code < 300)
		return TRUE;
	reply_copy(&tx->replies[index], reply);
	return FALSE;
}

static gboolean
transaction_simple(PglSmtpClient *client, Transaction *tx, gboolean *stale_out, GError **error)
{
	g_autofree gchar *mail = mail_command(client, tx);
	PglSmtpReply reply = {0};
	guint n_accepted = 0;
	gboolean ok = FALSE;

	out_command(client, mail);
	if (!out_flush(client, error)) {
		*stale_out = TRUE;
		return FALSE;
	}
	ok = check_mail_reply(client, read_reply(client, &reply, NULL, error), &reply, stale_out,
			      error);
	reply_clear(&reply);
	if (!ok)
		return FALSE;

	for (guint i = 0; i < tx->valid->len; i++) {
		guint index = g_array_index(tx->valid, guint, i);

		out_rcpt(client, tx->recipients[index]);
		if (!out_flush(client, error) || !read_reply(client, &reply, NULL, error))
			return FALSE;
		if (take_rcpt_reply(client, tx, index, &reply))
			n_accepted++;
		if (reply.code == 421) {
			set_reply_error(client, error, "RCPT TO", &reply);
			reply_clear(&reply);
			drop_connection(client);
			return FALSE;
		}
		reply_clear(&reply);
	}
	if (n_accepted == 0) {
		reset_transaction(client);
		return TRUE;
	}

	if (!command(client, "DATA", &reply, error))
		return FALSE;
	if (reply.code != 354) {
		set_reply_error(client, error, "DATA", &reply);
		reply_clear(&reply);
		reset_transaction(client);
		return FALSE;
	}
	reply_clear(&reply);
	return finish_data(client, tx, error);
}

/*
 * RFC 2920: MAIL, all RCPTs and DATA are written together (in windows of PIPELINE_WINDOW
 * commands) and the replies read afterwards, in order.
 */
static gboolean
transaction_pipelined(PglSmtpClient *client, Transaction *tx, gboolean *stale_out,
		      GError **error)
{
	g_autofree gchar *mail = mail_command(client, tx);
	g_autoptr(GError) mail_error = NULL;
	PglSmtpReply reply = {0};
	PglSmtpReply data_reply = {0};
	guint n_accepted = 0;
	guint next = 0; /* next recipient (index into tx->valid) to send */
	guint done = 0; /* recipients whose reply has been read */
	gboolean mail_ok = FALSE;
	gboolean first = TRUE;
	gboolean data_sent = FALSE;

	out_command(client, mail);
	while (!data_sent) {
		guint window_start = next;
		guint room = first ? PIPELINE_WINDOW - 1 : PIPELINE_WINDOW;

		while (next < tx->valid->len && room > 1) {
			out_rcpt(client, tx->recipients[g_array_index(tx->valid, guint, next)]);
			next++;
			room--;
		}
		if (next == tx->valid->len) {
			out_command(client, "DATA");
			data_sent = TRUE;
		}
		if (!out_flush(client, error)) {
			*stale_out = first;
			return FALSE;
		}

		if (first) {
			gboolean read_ok = read_reply(client, &reply, NULL, error);

			mail_ok = check_mail_reply(client, read_ok, &reply, stale_out, &mail_error);
			reply_clear(&reply);
			if (!read_ok || client->stream == NULL) {
				/* The connection is gone (I/O error or 421): nothing to read. */
				if (mail_error != NULL)
					g_propagate_error(error, g_steal_pointer(&mail_error));
				return FALSE;
			}
			first = FALSE;
		}
		for (done = window_start; done < next; done++) {
			guint index = g_array_index(tx->valid, guint, done);

			if (!read_reply(client, &reply, NULL, error))
				return FALSE;
			if (take_rcpt_reply(client, tx, index, &reply))
				n_accepted++;
			if (reply.code == 421) {
				set_reply_error(client, error, "RCPT TO", &reply);
				reply_clear(&reply);
				drop_connection(client);
				return FALSE;
			}
			reply_clear(&reply);
		}
		if (!mail_ok && !data_sent) {
			/* The RCPTs were refused as out of sequence; no need to send the rest. */
			g_propagate_error(error, g_steal_pointer(&mail_error));
			return FALSE;
		}
	}

	if (!read_reply(client, &data_reply, NULL, error))
		return FALSE;
	if (data_reply.code == 354 && (!mail_ok || n_accepted == 0)) {
		/* A non-conforming server wants content for no transaction: leave it. */
		reply_clear(&data_reply);
		drop_connection(client);
		if (!mail_ok) {
			g_propagate_error(error, g_steal_pointer(&mail_error));
			return FALSE;
		}
		return TRUE;
	}
	if (!mail_ok) {
		reply_clear(&data_reply);
		g_propagate_error(error, g_steal_pointer(&mail_error));
		return FALSE;
	}
	if (n_accepted == 0) {
		/* Every recipient failed; DATA was refused as it must be (RFC 2920 §3.1). Servers
		 * such as Postfix keep the MAIL transaction open after that: reset it. */
		reply_clear(&data_reply);
		reset_transaction(client);
		return TRUE;
	}
	if (data_reply.code != 354) {
		set_reply_error(client, error, "DATA", &data_reply);
		reply_clear(&data_reply);
		reset_transaction(client);
		return FALSE;
	}
	reply_clear(&data_reply);
	return finish_data(client, tx, error);
}

/**
 * pgl_smtp_client_send:
 * @client: a #PglSmtpClient
 * @mail_from: envelope sender; "" for the null reverse-path of bounces
 * @recipients: (array length=n_recipients): envelope recipients
 * @n_recipients: number of @recipients, at least 1
 * @message: the message, lines ending in LF or CRLF; it is converted to CRLF and dot-stuffed
 * @replies_out: (out) (transfer full): on success, @n_recipients replies; free with
 *   pgl_smtp_reply_array_free()
 * @error: return location for a #GError
 *
 * Runs one mail transaction (MAIL FROM, RCPT TO for each recipient, DATA), connecting first if
 * needed. An idle connection that the server closed since the last call is replaced once.
 *
 * On success, entry i of @replies_out is recipient i's final status: the reply to its RCPT if
 * that was refused, otherwise the reply to the end of DATA. A recipient whose address cannot
 * be put on the wire (controls, spaces, angle brackets, 8-bit, over 254 bytes) is not sent and
 * gets a synthesised "553 5.1.3" reply. If no recipient is accepted, no content is sent.
 *
 * Fails without replies on connection, TLS, AUTH or protocol trouble, if MAIL FROM or DATA is
 * refused, or if the message exceeds the server's SIZE (%PGL_SMTP_ERROR_PERMANENT, nothing
 * sent). The error code follows #PglSmtpError; the message has the server's reply.
 *
 * Returns: %TRUE if the transaction ran, %FALSE with @error set otherwise
 */
gboolean
pgl_smtp_client_send(PglSmtpClient *client, const gchar *mail_from,
		     const gchar *const *recipients, guint n_recipients, GBytes *message,
		     PglSmtpReply **replies_out, GError **error)
{
	g_autoptr(GArray) valid = NULL;
	PglSmtpReply *replies = NULL;
	Transaction tx = {0};
	gsize len = 0;
	const guint8 *data = NULL;

	g_return_val_if_fail(client != NULL, FALSE);
	g_return_val_if_fail(mail_from != NULL, FALSE);
	g_return_val_if_fail(recipients != NULL && n_recipients > 0, FALSE);
	g_return_val_if_fail(message != NULL, FALSE);
	g_return_val_if_fail(replies_out != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!address_is_valid(mail_from)) {
		g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_PERMANENT,
			    "invalid envelope sender address");
		return FALSE;
	}

	for (guint i = 0; i < n_recipients; i++)
		g_return_val_if_fail(recipients[i] != NULL, FALSE);

	replies = g_new0(PglSmtpReply, n_recipients);
	valid = g_array_sized_new(FALSE, FALSE, sizeof(guint), n_recipients);
	for (guint i = 0; i < n_recipients; i++) {
		if (recipients[i][0] != '\0' && address_is_valid(recipients[i]))
			g_array_append_val(valid, i);
		else
			reply_set(&replies[i], 553, "5.1.3",
				  "invalid recipient address (not sent)");
	}
	if (valid->len == 0) {
		*replies_out = replies;
		return TRUE;
	}

	data = g_bytes_get_data(message, &len);
	tx.mail_from = mail_from;
	tx.recipients = recipients;
	tx.valid = valid;
	tx.message = message;
	tx.replies = replies;
	scan_message(data, len, &tx.wire_size, &tx.has_8bit);

	for (guint attempt = 0;; attempt++) {
		g_autoptr(GError) local_error = NULL;
		gboolean reused = FALSE;
		gboolean stale = FALSE;
		gboolean ok = FALSE;

		if (client->stream != NULL && connection_is_stale(client)) {
			g_debug("smtp: idle connection closed by server, reconnecting host=%s",
				client->host);
			drop_connection(client);
		}
		if (client->stream != NULL) {
			reused = TRUE;
		} else if (!connect_server(client, error)) {
			pgl_smtp_reply_array_free(replies, n_recipients);
			return FALSE;
		}

		if (client->ext_size_limit > 0 && tx.wire_size > client->ext_size_limit) {
			g_set_error(error, PGL_SMTP_ERROR, PGL_SMTP_ERROR_PERMANENT,
				    "message of %" G_GUINT64_FORMAT " bytes exceeds the server's "
				    "SIZE limit of %" G_GUINT64_FORMAT " bytes",
				    tx.wire_size, client->ext_size_limit);
			pgl_smtp_reply_array_free(replies, n_recipients);
			return FALSE;
		}

		if (client->ext_pipelining)
			ok = transaction_pipelined(client, &tx, &stale, &local_error);
		else
			ok = transaction_simple(client, &tx, &stale, &local_error);
		if (ok) {
			*replies_out = replies;
			return TRUE;
		}
		if (stale && reused && attempt == 0) {
			g_debug("smtp: reused connection failed (%s), reconnecting host=%s",
				local_error->message, client->host);
			drop_connection(client);
			for (guint i = 0; i < valid->len; i++)
				reply_clear(&replies[g_array_index(valid, guint, i)]);
			continue;
		}
		pgl_smtp_reply_array_free(replies, n_recipients);
		g_propagate_error(error, g_steal_pointer(&local_error));
		return FALSE;
	}
}

/**
 * pgl_smtp_client_is_connected:
 * @client: a #PglSmtpClient
 *
 * Returns: %TRUE if @client holds an open connection (which the server may have closed since)
 */
gboolean
pgl_smtp_client_is_connected(PglSmtpClient *client)
{
	g_return_val_if_fail(client != NULL, FALSE);
	return client->stream != NULL;
}

/**
 * pgl_smtp_client_close:
 * @client: a #PglSmtpClient
 *
 * Sends QUIT and closes the connection, if there is one. The next pgl_smtp_client_send()
 * connects again.
 */
void
pgl_smtp_client_close(PglSmtpClient *client)
{
	g_return_if_fail(client != NULL);
	quit_connection(client);
}

/**
 * pgl_smtp_client_free:
 * @client: (nullable) (transfer full): a #PglSmtpClient
 *
 * Closes the connection (with QUIT) and frees @client, wiping the password.
 */
void
pgl_smtp_client_free(PglSmtpClient *client)
{
	if (client == NULL)
		return;
	quit_connection(client);
	g_clear_object(&client->database);
	g_clear_object(&client->server);
	g_byte_array_unref(client->inbuf);
	explicit_bzero(client->outbuf->data, client->outbuf->len);
	g_byte_array_unref(client->outbuf);
	g_free(client->host);
	g_free(client->user);
	secret_string_free(client->password);
	g_free(client->ca_file);
	g_free(client->helo_name);
	g_free(client);
}
