/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The LMTP listener: configuration checks, the listening socket, one accept thread, and one
 * thread per connection (the protocol itself is in pgl-lmtp-session.c).
 *
 * Threads and invariants:
 * - pgl_lmtp_server_new() binds and listens (so a taken port is reported there) and starts the
 *   accept thread, which waits until pgl_lmtp_server_start(). Connections that arrive before
 *   then wait in the kernel's listen queue.
 * - The accept thread blocks in accept() on the server's #GCancellable; it never touches a
 *   #GMainContext, so the caller may or may not run a main loop, in any thread.
 * - At most sessions_max dialogues run at once. One more connection is told
 *   "421 4.3.2 too many connections" by the accept thread (a single non-blocking send into an
 *   empty socket buffer, so a peer cannot stall accepting) and closed.
 * - A session thread marks its slot finished and decrements the active count before it closes
 *   its socket, so a peer that has seen the connection close can rely on the slot being free.
 *   Finished threads are joined by the accept thread on the next connection and by stop().
 * - pgl_lmtp_server_stop() cancels the cancellable (waking the accept thread and every session
 *   blocked on I/O), joins the accept thread, closes the listener, then joins every session
 *   thread. A session inside a callback finishes that callback first: a message that the
 *   daemon is making durable is never cut off half-way.
 */
#include "lmtp/pgl-lmtp-server.h"

#include "lmtp/pgl-lmtp-private.h"

#include <string.h>

/* How long the accept thread waits before retrying after a failed accept() (e.g. EMFILE), so a
 * persistent error does not spin. */
#define ACCEPT_RETRY_USEC (100 * G_TIME_SPAN_MILLISECOND)

/* One connection thread. */
typedef struct {
	PglLmtpServer *server;	 /* (unowned) */
	PglLmtpSession *session; /* (owned) */
	GThread *thread;	 /* (owned) (nullable): joined when the slot is freed */
	gboolean finished;	 /* (server mutex) */
} SessionSlot;

G_DEFINE_QUARK(pgl-lmtp-error-quark, pgl_lmtp_error)

static void
slot_free(gpointer data)
{
	SessionSlot *slot = data;

	if (slot->thread != NULL)
		g_thread_join(slot->thread); /* drops our reference */
	g_clear_pointer(&slot->session, pgl_lmtp_session_free);
	g_free(slot);
}

/**
 * pgl_lmtp_reply_set:
 * @reply: (not nullable): the reply to fill, typically an element of the deliver callback's
 *   replies array
 * @code: SMTP reply code (2xx, 4xx or 5xx)
 * @enhanced: (nullable): RFC 3463 code such as "2.0.0", copied
 * @text: (nullable): one line of text, copied
 *
 * Sets all fields of @reply, freeing the strings it held before.
 */
void
pgl_lmtp_reply_set(PglLmtpReply *reply, guint code, const gchar *enhanced, const gchar *text)
{
	g_return_if_fail(reply != NULL);

	reply->code = code;
	g_free(reply->enhanced);
	reply->enhanced = g_strdup(enhanced);
	g_free(reply->text);
	reply->text = g_strdup(text);
}

static gboolean
check_range(const gchar *name, guint64 value, guint64 min, guint64 max, GError **error)
{
	if (value >= min && value <= max)
		return TRUE;
	g_set_error(error, PGL_LMTP_ERROR, PGL_LMTP_ERROR_INVALID_CONFIG,
		    "%s %" G_GUINT64_FORMAT " is out of range %" G_GUINT64_FORMAT
		    "..%" G_GUINT64_FORMAT,
		    name, value, min, max);
	return FALSE;
}

/* Copies @config into @server, applying the defaults for zero fields and checking ranges. */
static gboolean
apply_config(PglLmtpServer *server, const PglLmtpServerConfig *config, GError **error)
{
	const gchar *hostname = config->hostname != NULL ? config->hostname : g_get_host_name();

	if (config->host != NULL && config->host[0] == '\0') {
		g_set_error_literal(error, PGL_LMTP_ERROR, PGL_LMTP_ERROR_INVALID_CONFIG,
				    "host is empty");
		return FALSE;
	}
	if (hostname[0] == '\0' || strlen(hostname) > 255) {
		g_set_error_literal(error, PGL_LMTP_ERROR, PGL_LMTP_ERROR_INVALID_CONFIG,
				    "hostname must be 1 to 255 bytes long");
		return FALSE;
	}
	for (const gchar *p = hostname; *p != '\0'; p++) {
		if ((guchar)*p <= ' ' || (guchar)*p >= 0x7f) {
			g_set_error_literal(error, PGL_LMTP_ERROR, PGL_LMTP_ERROR_INVALID_CONFIG,
					    "hostname must be printable ASCII without spaces");
			return FALSE;
		}
	}
	server->host = g_strdup(config->host != NULL ? config->host : PGL_LMTP_DEFAULT_HOST);
	server->hostname = g_strdup(hostname);
	server->port = config->port;
	server->line_max = config->line_max != 0 ? config->line_max : PGL_LMTP_DEFAULT_LINE_MAX;
	server->message_max =
	    config->message_max != 0 ? config->message_max : PGL_LMTP_DEFAULT_MESSAGE_MAX;
	/* a header limit above the message limit means nothing; clamp rather than refuse, so
	 * lowering message_max alone in the configuration file just works */
	server->header_max = MIN(config->header_max != 0 ? config->header_max
							 : PGL_LMTP_DEFAULT_HEADER_MAX,
				 server->message_max);
	server->recipients_max =
	    config->recipients_max != 0 ? config->recipients_max : PGL_LMTP_DEFAULT_RECIPIENTS_MAX;
	server->timeout_seconds = config->timeout_seconds != 0 ? config->timeout_seconds
							       : PGL_LMTP_DEFAULT_TIMEOUT_SECONDS;
	server->sessions_max =
	    config->sessions_max != 0 ? config->sessions_max : PGL_LMTP_DEFAULT_SESSIONS_MAX;

	return check_range("line_max", server->line_max, PGL_LMTP_LINE_MIN, PGL_LMTP_LINE_MAX,
			   error) &&
	       check_range("message_max", server->message_max, PGL_LMTP_MESSAGE_MIN,
			   PGL_LMTP_MESSAGE_MAX, error) &&
	       check_range("header_max", server->header_max, PGL_LMTP_HEADER_MIN,
			   server->message_max, error) &&
	       check_range("recipients_max", server->recipients_max, 1, PGL_LMTP_RECIPIENTS_MAX,
			   error) &&
	       check_range("timeout_seconds", server->timeout_seconds, 1, PGL_LMTP_TIMEOUT_MAX,
			   error) &&
	       check_range("sessions_max", server->sessions_max, 1, PGL_LMTP_SESSIONS_MAX, error);
}

static GInetAddress *
resolve_host(const gchar *host, GError **error)
{
	g_autoptr(GResolver) resolver = NULL;
	g_autoptr(GError) error_local = NULL;
	GList *addresses;
	GInetAddress *address;

	address = g_inet_address_new_from_string(host);
	if (address != NULL)
		return address;

	resolver = g_resolver_get_default();
	addresses = g_resolver_lookup_by_name(resolver, host, NULL, &error_local);
	if (addresses == NULL) {
		g_set_error(error, PGL_LMTP_ERROR, PGL_LMTP_ERROR_RESOLVE,
			    "cannot resolve listen host %s: %s", host, error_local->message);
		return NULL;
	}
	address = g_object_ref(addresses->data);
	g_resolver_free_addresses(addresses);
	return address;
}

static gboolean
bind_listener(PglLmtpServer *server, GError **error)
{
	g_autoptr(GInetAddress) address = NULL;
	g_autoptr(GSocketAddress) socket_address = NULL;
	g_autoptr(GSocketAddress) local_address = NULL;
	g_autoptr(GSocket) listener = NULL;
	g_autoptr(GError) error_local = NULL;

	address = resolve_host(server->host, error);
	if (address == NULL)
		return FALSE;
	socket_address = g_inet_socket_address_new(address, server->port);

	/* allow_reuse sets SO_REUSEADDR: a restart may rebind over TIME_WAIT, but on Linux it
	 * still fails while another socket listens on the port. */
	listener = g_socket_new(g_inet_address_get_family(address), G_SOCKET_TYPE_STREAM,
				G_SOCKET_PROTOCOL_TCP, &error_local);
	if (listener != NULL) {
		g_socket_set_listen_backlog(listener, 64);
		if (!g_socket_bind(listener, socket_address, TRUE, &error_local) ||
		    !g_socket_listen(listener, &error_local))
			g_clear_object(&listener);
	}
	if (listener != NULL) {
		local_address = g_socket_get_local_address(listener, &error_local);
		if (local_address == NULL)
			g_clear_object(&listener);
	}
	if (listener == NULL) {
		g_set_error(error, PGL_LMTP_ERROR, PGL_LMTP_ERROR_BIND,
			    "cannot listen on %s port %u: %s", server->host, server->port,
			    error_local->message);
		return FALSE;
	}

	server->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local_address));
	server->listener = g_steal_pointer(&listener);
	return TRUE;
}

/* Tells a connection over the limit why it is refused and closes it, without waiting. */
static void
reject_connection(PglLmtpServer *server, GSocket *socket, const gchar *reason)
{
	g_autofree gchar *peer = pgl_lmtp_socket_peer_name(socket);
	g_autofree gchar *line = NULL;

	g_message("peer=%s action=reject reason=%s", peer, reason);
	line = g_strdup_printf("421 4.3.2 %s %s, try again later\r\n", server->hostname, reason);
	g_socket_set_blocking(socket, FALSE);
	(void)g_socket_send(socket, line, strlen(line), NULL, NULL);
	(void)g_socket_shutdown(socket, FALSE, TRUE, NULL);
	(void)g_socket_close(socket, NULL);
}

static gpointer
session_thread(gpointer data)
{
	SessionSlot *slot = data;
	PglLmtpServer *server = slot->server;

	pgl_lmtp_session_run(slot->session);

	g_mutex_lock(&server->mutex);
	slot->finished = TRUE;
	server->n_active--;
	g_mutex_unlock(&server->mutex);

	pgl_lmtp_session_close(slot->session);
	return NULL;
}

/* Joins the threads of sessions that have ended. Accept thread only. */
static void
reap_finished(PglLmtpServer *server)
{
	g_autoptr(GPtrArray) finished = g_ptr_array_new_with_free_func(slot_free);

	g_mutex_lock(&server->mutex);
	for (guint i = server->slots->len; i > 0; i--) {
		SessionSlot *slot = g_ptr_array_index(server->slots, i - 1);

		if (!slot->finished)
			continue;
		g_ptr_array_add(finished, g_ptr_array_steal_index_fast(server->slots, i - 1));
	}
	g_mutex_unlock(&server->mutex);
}

static void
handle_connection(PglLmtpServer *server, GSocket *socket, guint id)
{
	g_autoptr(GError) error_local = NULL;
	SessionSlot *slot;

	g_mutex_lock(&server->mutex);
	if (server->n_active >= server->sessions_max) {
		g_mutex_unlock(&server->mutex);
		reject_connection(server, socket, "too many connections");
		return;
	}
	slot = g_new0(SessionSlot, 1);
	slot->server = server;
	slot->session = pgl_lmtp_session_new(server, socket, id);
	slot->thread = g_thread_try_new("pgl-lmtp", session_thread, slot, &error_local);
	if (slot->thread == NULL) {
		g_mutex_unlock(&server->mutex);
		g_warning("session=%u action=reject reason=thread error=%s", id,
			  error_local->message);
		slot_free(slot);
		reject_connection(server, socket, "cannot start session");
		return;
	}
	server->n_active++;
	g_ptr_array_add(server->slots, slot);
	g_mutex_unlock(&server->mutex);
}

static gpointer
accept_thread(gpointer data)
{
	PglLmtpServer *server = data;
	guint next_id = 0;

	g_mutex_lock(&server->mutex);
	while (!server->started && !server->stopping)
		g_cond_wait(&server->cond, &server->mutex);
	g_mutex_unlock(&server->mutex);

	for (;;) {
		g_autoptr(GError) error_local = NULL;
		g_autoptr(GSocket) socket = NULL;

		socket = g_socket_accept(server->listener, server->cancellable, &error_local);
		if (socket == NULL) {
			gint64 retry_at = g_get_monotonic_time() + ACCEPT_RETRY_USEC;
			gboolean stopping;

			if (g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
				break;
			g_warning("action=accept error=%s", error_local->message);
			g_mutex_lock(&server->mutex);
			while (!server->stopping &&
			       g_cond_wait_until(&server->cond, &server->mutex, retry_at))
				;
			stopping = server->stopping;
			g_mutex_unlock(&server->mutex);
			if (stopping)
				break;
			continue;
		}
		reap_finished(server);
		handle_connection(server, socket, ++next_id);
	}
	return NULL;
}

/**
 * pgl_lmtp_server_new:
 * @config: (not nullable): settings, copied; zero fields take their documented defaults
 * @rcpt_func: (not nullable): called for each RCPT TO
 * @deliver_func: (not nullable): called once per transaction with the message
 * @user_data: (nullable): passed to both callbacks; must outlive the server
 * @error: return location for a #GError
 *
 * Checks @config, binds and listens on host:port (so that a taken port is an error here, not
 * later) and prepares the accept thread. Nothing is accepted before pgl_lmtp_server_start().
 *
 * Returns: (transfer full) (nullable): the server, or %NULL with @error set:
 *   %PGL_LMTP_ERROR_INVALID_CONFIG, %PGL_LMTP_ERROR_RESOLVE, %PGL_LMTP_ERROR_BIND (e.g. the port
 *   is in use) or %PGL_LMTP_ERROR_FAILED
 */
PglLmtpServer *
pgl_lmtp_server_new(const PglLmtpServerConfig *config, PglLmtpRcptFunc rcpt_func,
		    PglLmtpDeliverFunc deliver_func, gpointer user_data, GError **error)
{
	g_autoptr(PglLmtpServer) server = NULL;
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(config != NULL, NULL);
	g_return_val_if_fail(rcpt_func != NULL, NULL);
	g_return_val_if_fail(deliver_func != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	server = g_new0(PglLmtpServer, 1);
	g_mutex_init(&server->mutex);
	g_cond_init(&server->cond);
	server->slots = g_ptr_array_new_with_free_func(slot_free);
	server->cancellable = g_cancellable_new();
	server->rcpt_func = rcpt_func;
	server->deliver_func = deliver_func;
	server->user_data = user_data;
	server->read_size = 16 * 1024;

	if (!apply_config(server, config, error))
		return NULL;
	if (!bind_listener(server, error))
		return NULL;

	server->accept_thread =
	    g_thread_try_new("pgl-lmtp-accept", accept_thread, server, &error_local);
	if (server->accept_thread == NULL) {
		g_set_error(error, PGL_LMTP_ERROR, PGL_LMTP_ERROR_FAILED,
			    "cannot start the LMTP accept thread: %s", error_local->message);
		return NULL;
	}
	return g_steal_pointer(&server);
}

/**
 * pgl_lmtp_server_get_port:
 * @server: a #PglLmtpServer
 *
 * Returns: the TCP port the server listens on; the real one when the config asked for port 0
 */
guint16
pgl_lmtp_server_get_port(PglLmtpServer *server)
{
	g_return_val_if_fail(server != NULL, 0);

	return server->port;
}

/**
 * pgl_lmtp_server_start:
 * @server: a #PglLmtpServer that has not been stopped
 *
 * Starts accepting connections, in the server's own thread. Returns at once. No #GMainContext
 * needs to be iterated, and a #GMainLoop running in the caller's thread does not interfere.
 * Calling it again is harmless.
 */
void
pgl_lmtp_server_start(PglLmtpServer *server)
{
	g_return_if_fail(server != NULL);

	g_mutex_lock(&server->mutex);
	if (server->stopping) {
		g_mutex_unlock(&server->mutex);
		g_critical("pgl_lmtp_server_start() after pgl_lmtp_server_stop()");
		return;
	}
	if (!server->started)
		g_message("action=listen host=%s port=%u", server->host, server->port);
	server->started = TRUE;
	g_cond_broadcast(&server->cond);
	g_mutex_unlock(&server->mutex);
}

/**
 * pgl_lmtp_server_stop:
 * @server: a #PglLmtpServer
 *
 * Stops accepting, tells every connected peer "421 4.3.0" (best effort, without waiting) and
 * closes its connection, then waits for all connection threads. A thread that is inside
 * the rcpt or deliver callback finishes the callback (and sends its replies if the socket takes
 * them) first, so stop() takes as long as the slowest running callback; an idle or stalled peer
 * does not delay it. Final: the server cannot be started again. Calling it again is harmless.
 * Call it from the thread that owns the server, not from a callback.
 */
void
pgl_lmtp_server_stop(PglLmtpServer *server)
{
	g_autoptr(GPtrArray) slots = NULL;
	gboolean was_stopping;

	g_return_if_fail(server != NULL);

	g_mutex_lock(&server->mutex);
	was_stopping = server->stopping;
	server->stopping = TRUE;
	g_cond_broadcast(&server->cond);
	g_mutex_unlock(&server->mutex);
	if (was_stopping)
		return;

	g_cancellable_cancel(server->cancellable);
	if (server->accept_thread != NULL)
		g_thread_join(g_steal_pointer(&server->accept_thread));
	if (server->listener != NULL)
		(void)g_socket_close(server->listener, NULL);

	/* no new slots can appear now that the accept thread is gone */
	g_mutex_lock(&server->mutex);
	slots = g_steal_pointer(&server->slots);
	server->slots = g_ptr_array_new_with_free_func(slot_free);
	g_mutex_unlock(&server->mutex);
	g_clear_pointer(&slots, g_ptr_array_unref); /* joins */

	if (server->started)
		g_message("action=stop host=%s port=%u", server->host, server->port);
}

/**
 * pgl_lmtp_server_free:
 * @server: (nullable) (transfer full): a #PglLmtpServer
 *
 * Stops @server if needed (see pgl_lmtp_server_stop()) and frees it.
 */
void
pgl_lmtp_server_free(PglLmtpServer *server)
{
	if (server == NULL)
		return;

	pgl_lmtp_server_stop(server);
	g_clear_pointer(&server->slots, g_ptr_array_unref);
	g_clear_object(&server->listener);
	g_clear_object(&server->cancellable);
	g_clear_pointer(&server->host, g_free);
	g_clear_pointer(&server->hostname, g_free);
	g_cond_clear(&server->cond);
	g_mutex_clear(&server->mutex);
	g_free(server);
}

/**
 * pgl_lmtp_server_set_read_size:
 * @server: a #PglLmtpServer, not yet started
 * @read_size: the most bytes a session asks of each receive, at least 1
 *
 * Test hook: with 1, every session reads its peer one byte at a time, whatever the peer's write
 * pattern, which exercises every buffer boundary of the line reader.
 */
void
pgl_lmtp_server_set_read_size(PglLmtpServer *server, gsize read_size)
{
	g_return_if_fail(server != NULL);
	g_return_if_fail(read_size > 0);
	g_return_if_fail(!server->started);

	server->read_size = read_size;
}
