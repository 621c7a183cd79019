/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * In-process SMTP server for tests and benchmarks (cf. notmuch's smtp-dummy). It listens on
 * loopback, runs an accept thread plus one thread per connection, and is thread-safe: tests may
 * block in a client, or drive a separate daemon process, while the sink collects mail. It speaks
 * ESMTP with PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, STARTTLS or implicit TLS, and
 * AUTH PLAIN/LOGIN, accepts many transactions per connection and many connections at once, and
 * can be told to refuse senders, recipients or content with given replies. Accepted messages are
 * kept in memory (LF line ends, dot-unstuffed) and optionally written to a directory.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PglSinkMessage:
 * @mail_from: envelope sender as given in MAIL FROM (without angle brackets)
 * @mail_parameters: parameters after MAIL FROM:<...> ("SIZE=123 BODY=8BITMIME"), or ""
 * @recipients: accepted envelope recipients, in order
 * @data: message content with LF line ends and dot-stuffing removed
 * @tls: whether the message came over TLS
 * @auth_user: (nullable): the authenticated user, or %NULL
 * @connection_id: number of the connection it came on (1 for the first connection accepted)
 *
 * One message the sink accepted.
 */
typedef struct {
	gchar *mail_from;	/* (owned) */
	gchar *mail_parameters; /* (owned) */
	GStrv recipients;	/* (owned) */
	GBytes *data;		/* (owned) */
	gboolean tls;
	gchar *auth_user; /* (owned) (nullable) */
	guint connection_id;
} PglSinkMessage;

/**
 * PglSmtpSinkStage:
 * @PGL_SMTP_SINK_STAGE_MAIL: the reply to MAIL FROM; rules match the sender
 * @PGL_SMTP_SINK_STAGE_RCPT: the reply to RCPT TO; rules match the recipient
 * @PGL_SMTP_SINK_STAGE_DATA: the reply to the DATA command; rules match the sender
 * @PGL_SMTP_SINK_STAGE_DATA_END: the reply after the content; rules match the sender
 *
 * Where a rule added with pgl_smtp_sink_add_stage_rule() applies.
 */
typedef enum {
	PGL_SMTP_SINK_STAGE_MAIL,
	PGL_SMTP_SINK_STAGE_RCPT,
	PGL_SMTP_SINK_STAGE_DATA,
	PGL_SMTP_SINK_STAGE_DATA_END,
} PglSmtpSinkStage;

/**
 * PglSmtpSinkFlags:
 * @PGL_SMTP_SINK_FLAGS_NONE: everything on
 * @PGL_SMTP_SINK_FLAGS_NO_PIPELINING: do not advertise PIPELINING
 * @PGL_SMTP_SINK_FLAGS_NO_8BITMIME: do not advertise 8BITMIME
 * @PGL_SMTP_SINK_FLAGS_NO_SIZE: do not advertise SIZE
 * @PGL_SMTP_SINK_FLAGS_NO_EHLO: answer EHLO with 502, so clients fall back to HELO
 *
 * Switches for what the sink offers.
 */
typedef enum {
	PGL_SMTP_SINK_FLAGS_NONE = 0,
	PGL_SMTP_SINK_FLAGS_NO_PIPELINING = 1 << 0,
	PGL_SMTP_SINK_FLAGS_NO_8BITMIME = 1 << 1,
	PGL_SMTP_SINK_FLAGS_NO_SIZE = 1 << 2,
	PGL_SMTP_SINK_FLAGS_NO_EHLO = 1 << 3,
} PglSmtpSinkFlags;

/**
 * PglSmtpSinkStats:
 * @connections: connections accepted
 * @transactions: MAIL FROM commands accepted
 * @messages: messages accepted (as pgl_smtp_sink_count())
 * @recipients: recipient deliveries (sum of recipients of accepted messages)
 * @max_pipelined: most commands that arrived in one read (more than 1 means pipelining)
 * @auth_failures: failed AUTH attempts
 * @commands: commands received, all connections
 *
 * Counters since the sink was created.
 */
typedef struct {
	guint connections;
	guint transactions;
	guint messages;
	guint recipients;
	guint max_pipelined;
	guint auth_failures;
	guint commands;
} PglSmtpSinkStats;

/**
 * PGL_SMTP_SINK_DEFAULT_MAX_SIZE:
 *
 * SIZE the sink advertises and enforces unless pgl_smtp_sink_set_max_size() changes it.
 */
#define PGL_SMTP_SINK_DEFAULT_MAX_SIZE (64 * 1024 * 1024)

typedef struct _PglSmtpSink PglSmtpSink;

PglSmtpSink *pgl_smtp_sink_new(GError **error);
PglSmtpSink *pgl_smtp_sink_new_full(const gchar *address, guint16 port, GError **error);
guint16 pgl_smtp_sink_get_port(PglSmtpSink *sink);

void pgl_smtp_sink_set_tls(PglSmtpSink *sink, GTlsCertificate *cert, gboolean implicit_tls);
void pgl_smtp_sink_set_auth(PglSmtpSink *sink, const gchar *user, const gchar *password);
void pgl_smtp_sink_set_flags(PglSmtpSink *sink, PglSmtpSinkFlags flags);
void pgl_smtp_sink_set_max_size(PglSmtpSink *sink, guint64 max_size);
void pgl_smtp_sink_set_max_transactions(PglSmtpSink *sink, guint max_transactions);
void pgl_smtp_sink_set_keep_messages(PglSmtpSink *sink, gboolean keep);
void pgl_smtp_sink_set_store_dir(PglSmtpSink *sink, const gchar *dir);

void pgl_smtp_sink_add_rule(PglSmtpSink *sink, const gchar *recipient_glob, guint code,
			    const gchar *text, guint times);
void pgl_smtp_sink_add_stage_rule(PglSmtpSink *sink, PglSmtpSinkStage stage, const gchar *glob,
				  guint code, const gchar *text, guint times);
void pgl_smtp_sink_set_data_reply(PglSmtpSink *sink, guint code, const gchar *text, guint times);
void pgl_smtp_sink_clear_rules(PglSmtpSink *sink);

guint pgl_smtp_sink_count(PglSmtpSink *sink);
guint pgl_smtp_sink_recipient_count(PglSmtpSink *sink);
guint pgl_smtp_sink_connection_count(PglSmtpSink *sink);
void pgl_smtp_sink_get_stats(PglSmtpSink *sink, PglSmtpSinkStats *stats_out);
GPtrArray *pgl_smtp_sink_take_messages(PglSmtpSink *sink);
gboolean pgl_smtp_sink_wait_for(PglSmtpSink *sink, guint n_recipient_deliveries,
				guint timeout_ms);
void pgl_smtp_sink_disconnect_all(PglSmtpSink *sink);
void pgl_smtp_sink_free(PglSmtpSink *sink);

void pgl_sink_message_free(PglSinkMessage *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglSmtpSink, pgl_smtp_sink_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglSinkMessage, pgl_sink_message_free)

G_END_DECLS
