/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A tiny LMTP client for tests (RFC 2033), blocking, on loopback: one command line, one whole
 * reply (continuation lines joined with '\n'). It is deliberately dumb, so that tests can also
 * send what no real client would: raw bytes, pipelined batches, sessions cut in the middle.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PglTestLmtp:
 * @connection: the TCP connection
 * @in: its input, read line by line (CRLF)
 * @out: its output
 *
 * An open LMTP session. The fields are there for tests that poke at the stream (whether a
 * reply is already buffered, say).
 */
typedef struct {
	GSocketConnection *connection; /* (owned) */
	GDataInputStream *in;	       /* (owned) */
	GOutputStream *out;	       /* (unowned) of connection */
} PglTestLmtp;

PglTestLmtp *pgl_test_lmtp_open(guint16 port, guint timeout_ms, GError **error);
PglTestLmtp *pgl_test_lmtp_connect(guint16 port);
void pgl_test_lmtp_free(PglTestLmtp *lmtp);

gchar *pgl_test_lmtp_read_reply(PglTestLmtp *lmtp);
gboolean pgl_test_lmtp_write(PglTestLmtp *lmtp, const void *data, gsize len);
gchar *pgl_test_lmtp_command(PglTestLmtp *lmtp, const gchar *line);
void pgl_test_lmtp_expect(PglTestLmtp *lmtp, const gchar *line, guint want_code);
GPtrArray *pgl_test_lmtp_transaction(PglTestLmtp *lmtp, const gchar *from,
				     const gchar *const *recipients, const gchar *message,
				     GPtrArray **rcpt_replies_out);

guint pgl_test_lmtp_reply_code(const gchar *reply);
GBytes *pgl_test_lmtp_data_content(const gchar *message, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglTestLmtp, pgl_test_lmtp_free)

G_END_DECLS
