/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internals shared by the listener (pgl-lmtp-server.c) and the per-connection protocol engine
 * (pgl-lmtp-session.c), plus one hook for tests/lmtp. Not for other folders.
 *
 * Threads: the fields of #PglLmtpServer above the mutex are written only before
 * pgl_lmtp_server_start() and read-only afterwards, so sessions read them without locking.
 */
#pragma once

#include <gio/gio.h>

#include "lmtp/pgl-lmtp-server.h"

G_BEGIN_DECLS

struct _PglLmtpServer {
	/* immutable once started */
	gchar *host;     /* (owned) */
	gchar *hostname; /* (owned) */
	guint16 port;
	gsize line_max;
	gsize message_max;
	gsize header_max;
	guint recipients_max;
	guint timeout_seconds;
	guint sessions_max;
	gsize read_size; /* bytes asked of each recv(); tests set 1 */
	PglLmtpRcptFunc rcpt_func;
	PglLmtpDeliverFunc deliver_func;
	gpointer user_data;	     /* (unowned) */
	GSocket *listener;	     /* (owned) */
	GCancellable *cancellable;   /* (owned): cancelled by stop(), seen by every blocking wait */
	GThread *accept_thread;	     /* (owned) (nullable): joined by stop() */

	GMutex mutex;
	GCond cond;		     /* signalled on start and stop */
	gboolean started;	     /* (mutex) */
	gboolean stopping;	     /* (mutex) */
	GPtrArray *slots;	     /* (mutex) (owned) (element-type SessionSlot) */
	guint n_active;		     /* (mutex): sessions whose dialogue has not ended */
};

typedef struct _PglLmtpSession PglLmtpSession;

PglLmtpSession *pgl_lmtp_session_new(PglLmtpServer *server, GSocket *socket, guint id);
void pgl_lmtp_session_run(PglLmtpSession *session);
void pgl_lmtp_session_close(PglLmtpSession *session);
void pgl_lmtp_session_free(PglLmtpSession *session);
gchar *pgl_lmtp_socket_peer_name(GSocket *socket);

void pgl_lmtp_server_set_read_size(PglLmtpServer *server, gsize read_size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglLmtpSession, pgl_lmtp_session_free)

G_END_DECLS
