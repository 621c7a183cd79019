/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LMTP server (RFC 2033 on top of RFC 5321, with PIPELINING RFC 2920, ENHANCEDSTATUSCODES RFC 2034,
 * 8BITMIME RFC 6152 and SIZE RFC 1870). It knows nothing about mailing lists: it checks protocol
 * and address syntax, enforces the size and rate limits given in #PglLmtpServerConfig, and calls
 * back into the daemon once per RCPT TO and once per message. Every connection runs in its own
 * thread with blocking, deadline-bounded socket I/O; no main context is used, so the server works
 * the same whether or not the caller runs a #GMainLoop.
 */
#pragma once

#include <glib.h>

#include "core/pgl-limits.h"

G_BEGIN_DECLS

/* The limits are the project's (core/pgl-limits.h); a zeroed config field takes the default. */
#define PGL_LMTP_DEFAULT_HOST		 "127.0.0.1"
#define PGL_LMTP_DEFAULT_LINE_MAX	 PGL_LIMIT_LMTP_LINE_DEFAULT
#define PGL_LMTP_LINE_MIN		 PGL_LIMIT_LMTP_LINE_MIN
#define PGL_LMTP_LINE_MAX		 PGL_LIMIT_LMTP_LINE_MAX
#define PGL_LMTP_DEFAULT_MESSAGE_MAX	 PGL_LIMIT_MESSAGE_DEFAULT
#define PGL_LMTP_MESSAGE_MIN		 PGL_LIMIT_MESSAGE_MIN
#define PGL_LMTP_MESSAGE_MAX		 PGL_LIMIT_MESSAGE_MAX
#define PGL_LMTP_DEFAULT_HEADER_MAX	 PGL_LIMIT_HEADER_DEFAULT
#define PGL_LMTP_HEADER_MIN		 PGL_LIMIT_HEADER_MIN
#define PGL_LMTP_DEFAULT_RECIPIENTS_MAX	 PGL_LIMIT_RECIPIENTS_DEFAULT
#define PGL_LMTP_RECIPIENTS_MAX		 PGL_LIMIT_RECIPIENTS_MAX
#define PGL_LMTP_DEFAULT_TIMEOUT_SECONDS PGL_LIMIT_LMTP_TIMEOUT_DEFAULT
#define PGL_LMTP_TIMEOUT_MAX		 PGL_LIMIT_LMTP_TIMEOUT_MAX
#define PGL_LMTP_DEFAULT_SESSIONS_MAX	 PGL_LIMIT_LMTP_SESSIONS_DEFAULT
#define PGL_LMTP_SESSIONS_MAX		 PGL_LIMIT_LMTP_SESSIONS_MAX
/** PGL_LMTP_BAD_COMMANDS_MAX: protocol errors tolerated per session; one more: 421 and close */
#define PGL_LMTP_BAD_COMMANDS_MAX 10

/**
 * PGL_LMTP_ERROR:
 *
 * Error domain of the LMTP server. Errors in this domain are from the #PglLmtpError enumeration.
 */
#define PGL_LMTP_ERROR (pgl_lmtp_error_quark())
GQuark pgl_lmtp_error_quark(void);

/**
 * PglLmtpError:
 * @PGL_LMTP_ERROR_INVALID_CONFIG: a #PglLmtpServerConfig field is out of its documented range
 * @PGL_LMTP_ERROR_RESOLVE: the listen host is neither an IP address nor a resolvable name
 * @PGL_LMTP_ERROR_BIND: the listening socket could not be created, bound or put into listening
 *   state (typically: the port is already taken); the GIO message is kept
 * @PGL_LMTP_ERROR_FAILED: another system failure (the accept thread could not be created)
 *
 * Error codes of %PGL_LMTP_ERROR. Protocol problems caused by a peer are never reported as a
 * #GError: they are answered on the wire and logged.
 */
typedef enum {
	PGL_LMTP_ERROR_INVALID_CONFIG,
	PGL_LMTP_ERROR_RESOLVE,
	PGL_LMTP_ERROR_BIND,
	PGL_LMTP_ERROR_FAILED,
} PglLmtpError;

/**
 * PglLmtpServerConfig:
 * @host: (nullable): listen address: an IP address or a host name (resolved once, first
 *   address used); %NULL means %PGL_LMTP_DEFAULT_HOST
 * @port: TCP port; 0 picks an ephemeral port, see pgl_lmtp_server_get_port()
 * @hostname: (nullable): name in the greeting ("220 <hostname> LMTP pgplist ready") and the LHLO
 *   reply; printable ASCII without spaces, at most 255 bytes; %NULL means g_get_host_name()
 * @line_max: maximum length of a command or data line in bytes, CRLF included; 0 means
 *   %PGL_LMTP_DEFAULT_LINE_MAX; range %PGL_LMTP_LINE_MIN to %PGL_LMTP_LINE_MAX
 * @message_max: maximum message size in bytes, counted after dot-unstuffing and CRLF to LF
 *   (the bytes the deliver callback would get), also compared with MAIL FROM SIZE= and
 *   announced in LHLO;
 *   0 means %PGL_LMTP_DEFAULT_MESSAGE_MAX; range %PGL_LMTP_MESSAGE_MIN to %PGL_LMTP_MESSAGE_MAX
 * @header_max: maximum size of the header block (up to the first empty line), counted like
 *   @message_max; 0 means %PGL_LMTP_DEFAULT_HEADER_MAX; a value above @message_max is lowered
 *   to @message_max; at least %PGL_LMTP_HEADER_MIN
 * @recipients_max: maximum number of accepted recipients per transaction; 0 means
 *   %PGL_LMTP_DEFAULT_RECIPIENTS_MAX; at most %PGL_LMTP_RECIPIENTS_MAX
 * @timeout_seconds: time a peer has to send each complete line (and to take each reply); 0
 *   means %PGL_LMTP_DEFAULT_TIMEOUT_SECONDS; at most %PGL_LMTP_TIMEOUT_MAX
 * @sessions_max: maximum number of concurrent connections, each one a thread; 0 means
 *   %PGL_LMTP_DEFAULT_SESSIONS_MAX; at most %PGL_LMTP_SESSIONS_MAX
 *
 * Settings of a #PglLmtpServer. The server copies what it needs; the struct and its strings may
 * be freed once pgl_lmtp_server_new() returns.
 */
typedef struct {
	const gchar *host;    /* (unowned) */
	guint16 port;
	const gchar *hostname; /* (unowned) */
	gsize line_max;
	gsize message_max;
	gsize header_max;
	guint recipients_max;
	guint timeout_seconds;
	guint sessions_max;
} PglLmtpServerConfig;

/**
 * PglLmtpRcptVerdict:
 * @PGL_LMTP_RCPT_ACCEPT: recipient accepted ("250 2.1.5")
 * @PGL_LMTP_RCPT_UNKNOWN: no such recipient ("550 5.1.1")
 * @PGL_LMTP_RCPT_TEMPFAIL: cannot decide now, the MTA should retry ("451 4.3.0")
 *
 * What the daemon says about one RCPT TO address.
 */
typedef enum {
	PGL_LMTP_RCPT_ACCEPT,
	PGL_LMTP_RCPT_UNKNOWN,
	PGL_LMTP_RCPT_TEMPFAIL,
} PglLmtpRcptVerdict;

/**
 * PglLmtpRcptFunc:
 * @recipient: (not nullable): the bare address without angle brackets and without a source
 *   route, syntax-checked as local@domain (dot-atom local part of at most 64 bytes, domain of at
 *   most 255, whole address at most 254, printable ASCII only); case is preserved
 * @user_data: the user data given to pgl_lmtp_server_new()
 *
 * Called for each syntactically valid RCPT TO while the transaction has fewer than
 * #PglLmtpServerConfig.recipients_max accepted recipients (only accepted ones count). Runs in a
 * connection thread, possibly concurrently with itself and with the #PglLmtpDeliverFunc of other
 * connections: it must be thread-safe. It should be fast (a lookup); the peer waits for it.
 *
 * Returns: the verdict for @recipient
 */
typedef PglLmtpRcptVerdict (*PglLmtpRcptFunc)(const gchar *recipient, gpointer user_data);

/**
 * PglLmtpReply:
 * @code: SMTP reply code: 2xx, 4xx or 5xx (anything else is replaced by "451 4.3.0")
 * @enhanced: (nullable): RFC 3463 status code such as "2.0.0", whose class must match @code
 *   (otherwise "X.0.0" is sent); owned by the reply
 * @text: (nullable): human readable text, one line; control characters are replaced and it is
 *   truncated to 200 bytes before it is sent; owned by the reply
 *
 * One LMTP reply for one recipient after DATA, e.g. 250 "2.0.0" "queued as X". The deliver
 * callback fills the fields with newly allocated strings (see pgl_lmtp_reply_set()); the server
 * frees them.
 */
typedef struct {
	guint code;
	gchar *enhanced; /* (owned) */
	gchar *text;     /* (owned) */
} PglLmtpReply;

/**
 * PglLmtpDeliverFunc:
 * @mail_from: (not nullable): the reverse path without angle brackets; "" for the null sender
 * @recipients: (array length=n_recipients): the accepted recipients, in RCPT order (duplicates
 *   are kept)
 * @n_recipients: number of @recipients, at least 1
 * @message: the message, dot-unstuffed, line endings normalised to LF, never empty and always
 *   ending with LF; other bytes (NUL, bare CR, 8-bit) are passed through unchanged
 * @replies_out: (array length=n_recipients): zero-initialised replies, one per recipient, to be
 *   filled with pgl_lmtp_reply_set() or with g_strdup()'d fields; a reply left with code 0 is
 *   sent as "451 4.3.0"
 * @user_data: the user data given to pgl_lmtp_server_new()
 *
 * Called once per transaction after the end of DATA, unless the message broke a limit (then the
 * server answers 552 or 500 for every recipient itself). It must return only once the message is
 * durable for every recipient it answers 250 (RFC 2033 §4.2; the daemon fsyncs its spool). Runs
 * in a connection thread, possibly concurrently with other connections: it must be thread-safe.
 * pgl_lmtp_server_stop() waits for running calls to return.
 */
typedef void (*PglLmtpDeliverFunc)(const gchar *mail_from, const gchar *const *recipients,
				   guint n_recipients, GBytes *message, PglLmtpReply *replies_out,
				   gpointer user_data);

void pgl_lmtp_reply_set(PglLmtpReply *reply, guint code, const gchar *enhanced, const gchar *text);

/**
 * PglLmtpServer:
 *
 * An LMTP listener and its connection threads. Opaque; create with pgl_lmtp_server_new(), free
 * with pgl_lmtp_server_free().
 */
typedef struct _PglLmtpServer PglLmtpServer;

PglLmtpServer *pgl_lmtp_server_new(const PglLmtpServerConfig *config, PglLmtpRcptFunc rcpt_func,
				   PglLmtpDeliverFunc deliver_func, gpointer user_data,
				   GError **error);
guint16 pgl_lmtp_server_get_port(PglLmtpServer *server);
void pgl_lmtp_server_start(PglLmtpServer *server);
void pgl_lmtp_server_stop(PglLmtpServer *server);
void pgl_lmtp_server_free(PglLmtpServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglLmtpServer, pgl_lmtp_server_free)

G_END_DECLS
