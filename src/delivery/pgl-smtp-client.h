/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * SMTP client used by the delivery runners to hand outgoing mail to the MTA (RFC 5321), with
 * PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152), STARTTLS (RFC 3207), implicit TLS
 * (RFC 8314) and AUTH PLAIN/LOGIN (RFC 4954, RFC 4616). The API is blocking and meant to be driven
 * from one delivery thread: a #PglSmtpClient is not thread-safe, but separate clients may be used
 * from separate threads. The client connects lazily on the first transaction and keeps the
 * connection for the next ones; it never downgrades a configured TLS mode, never sends credentials
 * in clear text to a non-loopback peer, and never logs passwords or message content.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PGL_SMTP_ERROR:
 *
 * Error domain of the SMTP client. Errors in this domain come from #PglSmtpError.
 */
#define PGL_SMTP_ERROR (pgl_smtp_error_quark())

/**
 * PglSmtpError:
 * @PGL_SMTP_ERROR_TEMPORARY: a 4xx reply, or connection trouble (refused, reset, closed, timed
 *   out, name not resolved); trying again later may succeed
 * @PGL_SMTP_ERROR_PERMANENT: a 5xx reply (to EHLO/HELO, AUTH, MAIL FROM or DATA), or the message is
 *   larger than the server's advertised SIZE, or the server offers no usable AUTH mechanism. Note
 *   that a 5xx before MAIL FROM (e.g. a wrong password) is about the session, not the message
 * @PGL_SMTP_ERROR_TLS: TLS could not be set up as configured: the certificate did not verify
 *   (untrusted, expired, wrong host name), the handshake failed, STARTTLS was required but not
 *   offered or refused, or credentials would have been sent without TLS to a non-loopback host
 * @PGL_SMTP_ERROR_PROTOCOL: the server broke the protocol: malformed reply, a reply line longer
 *   than %PGL_SMTP_MAX_REPLY_LINE bytes, more than %PGL_SMTP_MAX_REPLY_LINES lines in one reply, or
 *   an unexpected reply code. Callers should treat it like %PGL_SMTP_ERROR_TEMPORARY
 *
 * Error codes of %PGL_SMTP_ERROR. The message always names the stage and, where there was one,
 * the server's reply code and text.
 */
typedef enum {
	PGL_SMTP_ERROR_TEMPORARY,
	PGL_SMTP_ERROR_PERMANENT,
	PGL_SMTP_ERROR_TLS,
	PGL_SMTP_ERROR_PROTOCOL,
} PglSmtpError;

/**
 * PGL_SMTP_MAX_REPLY_LINE:
 *
 * Longest reply line (without CRLF) the client accepts from a server.
 */
#define PGL_SMTP_MAX_REPLY_LINE 4096

/**
 * PGL_SMTP_MAX_REPLY_LINES:
 *
 * Most lines one (multi-line) reply may have.
 */
#define PGL_SMTP_MAX_REPLY_LINES 100

/**
 * PGL_SMTP_DEFAULT_TIMEOUT:
 *
 * Seconds to wait for a connection, a TLS handshake or a reply when
 * #PglSmtpClientConfig.timeout_seconds is 0.
 */
#define PGL_SMTP_DEFAULT_TIMEOUT 60

/**
 * PglSmtpSecurity:
 * @PGL_SMTP_SECURITY_NONE: plain TCP; STARTTLS is not used even if offered
 * @PGL_SMTP_SECURITY_STARTTLS: plain TCP upgraded with STARTTLS, which must be offered and succeed
 * @PGL_SMTP_SECURITY_TLS: TLS from the first byte ("implicit TLS", usually port 465)
 *
 * How the connection to the server is protected.
 */
typedef enum {
	PGL_SMTP_SECURITY_NONE,
	PGL_SMTP_SECURITY_STARTTLS,
	PGL_SMTP_SECURITY_TLS,
} PglSmtpSecurity;

/**
 * PglSmtpClientConfig:
 * @host: (not nullable): server host name or address; also the name the certificate must match
 * @port: server port
 * @security: connection protection, see #PglSmtpSecurity
 * @user: (nullable): AUTH user name, or %NULL for no AUTH
 * @password: (nullable): AUTH password (used only when @user is set)
 * @ca_file: (nullable): PEM file of trusted CA certificates, or %NULL for the system trust store
 * @helo_name: (nullable): name sent with EHLO/HELO, or %NULL for "localhost"
 * @timeout_seconds: timeout for connecting, the TLS handshake and every read and write, or 0
 *   for %PGL_SMTP_DEFAULT_TIMEOUT
 *
 * Settings of a #PglSmtpClient; pgl_smtp_client_new() copies them.
 */
typedef struct {
	const gchar *host;
	guint16 port;
	PglSmtpSecurity security;
	const gchar *user;
	const gchar *password;
	const gchar *ca_file;
	const gchar *helo_name;
	guint timeout_seconds;
} PglSmtpClientConfig;

/**
 * PglSmtpReply:
 * @code: three-digit reply code (200..599)
 * @enhanced: (nullable): enhanced status code such as "5.1.1" (RFC 3463), or %NULL if the server
 *   sent none
 * @text: (not nullable): reply text with code and enhanced code removed; lines of a multi-line
 *   reply are joined with "\n". Untrusted server text: sanitise before logging
 *
 * A server's final answer for one recipient.
 */
typedef struct {
	guint code;
	gchar *enhanced; /* (owned) (nullable) */
	gchar *text;	 /* (owned) */
} PglSmtpReply;

/**
 * PglSmtpClient:
 *
 * Opaque SMTP client holding one (lazily opened) connection.
 */
typedef struct _PglSmtpClient PglSmtpClient;

GQuark pgl_smtp_error_quark(void);

PglSmtpClient *pgl_smtp_client_new(const PglSmtpClientConfig *config);
gboolean pgl_smtp_client_send(PglSmtpClient *client, const gchar *mail_from,
			      const gchar *const *recipients, guint n_recipients, GBytes *message,
			      PglSmtpReply **replies_out, GError **error);
gboolean pgl_smtp_client_is_connected(PglSmtpClient *client);
void pgl_smtp_client_close(PglSmtpClient *client);
void pgl_smtp_client_free(PglSmtpClient *client);

gboolean pgl_smtp_reply_is_success(const PglSmtpReply *reply);
gboolean pgl_smtp_reply_is_temporary(const PglSmtpReply *reply);
void pgl_smtp_reply_array_free(PglSmtpReply *replies, guint n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglSmtpClient, pgl_smtp_client_free)

G_END_DECLS
