/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * In-process SMTP server for tests and benchmarks (RFC 5321 with PIPELINING RFC 2920, SIZE
 * RFC 1870, 8BITMIME RFC 6152, STARTTLS RFC 3207, AUTH RFC 4954/4616, ENHANCEDSTATUSCODES
 * RFC 2034). An accept thread hands each connection to its own thread doing blocking I/O; every
 * blocking call takes that connection's GCancellable, so disconnecting or freeing the sink wakes
 * and joins all threads. Shared state (settings, rules, counters, messages) is behind one mutex;
 * the condition variable is signalled whenever a message is accepted.
 *
 * Replies are buffered and written only when the input buffer has no complete line left, as a
 * pipelining server should (RFC 2920 §3.2), so a pipelined batch gets its replies in one write.
 * A message is counted before its final reply is sent: once a client has its 250, the message
 * is visible through pgl_smtp_sink_count() and friends.
 */
#define G_LOG_DOMAIN "pgl-test-sink"

#include "support/pgl-smtp-sink.h"

#include <string.h>

#define READ_CHUNK_SIZE (64 * 1024)
#define MAX_COMMAND_LINE 4096
#define MAX_DATA_LINE (1024 * 1024)

typedef struct {
	PglSmtpSinkStage stage;
	gchar *glob;  /* (owned) */
	gchar *text;  /* (owned) */
	guint code;
	guint times;  /* replies left; 0 = unlimited */
} Rule;

typedef struct _Connection Connection;

struct _PglSmtpSink {
	GSocketListener *listener; /* (owned) */
	guint16 port;
	GCancellable *cancellable; /* (owned) stops the accept thread */
	GThread *accept_thread;	   /* (owned) */

	GMutex mutex;
	GCond cond;
	/* Everything below is protected by mutex. */
	GTlsCertificate *certificate; /* (owned) (nullable) */
	gboolean implicit_tls;
	gchar *auth_user;     /* (owned) (nullable) */
	gchar *auth_password; /* (owned) (nullable) */
	PglSmtpSinkFlags flags;
	guint64 max_size;
	guint max_transactions;
	gboolean keep_messages;
	gchar *store_dir;	  /* (owned) (nullable) */
	guint64 store_sequence;
	GPtrArray *rules;	  /* (owned) (element-type Rule) */
	GPtrArray *messages;	  /* (owned) (element-type PglSinkMessage) */
	GPtrArray *connections;	  /* (owned) (element-type Connection) */
	PglSmtpSinkStats stats;
};

/* Per-connection settings, copied under the mutex when the connection starts. */
typedef struct {
	GTlsCertificate *certificate; /* (owned) (nullable) */
	gboolean implicit_tls;
	gchar *auth_user;     /* (owned) (nullable) */
	gchar *auth_password; /* (owned) (nullable) */
	PglSmtpSinkFlags flags;
	guint64 max_size;
	guint max_transactions;
} Settings;

struct _Connection {
	PglSmtpSink *sink;	   /* (unowned) */
	guint id;
	GSocketConnection *tcp;	   /* (owned) */
	GIOStream *stream;	   /* (owned) tcp, or TLS on it */
	GCancellable *cancellable; /* (owned) */
	GThread *thread;	   /* (owned) */
	gint finished;		   /* atomic: the thread is done and may be joined */

	Settings settings;
	GByteArray *inbuf; /* (owned) */
	guint inpos;
	GString *outbuf; /* (owned) */
	guint commands_since_read;

	gboolean tls;
	gboolean greeted;
	gchar *auth_user; /* (owned) (nullable) */
	guint transactions;
	gchar *mail_from;	/* (owned) (nullable) set while a transaction is open */
	gchar *mail_parameters; /* (owned) (nullable) */
	GPtrArray *recipients;	/* (owned) (element-type utf8) */
};

static void
rule_free(Rule *rule)
{
	g_free(rule->glob);
	g_free(rule->text);
	g_free(rule);
}

/**
 * pgl_sink_message_free:
 * @message: (nullable) (transfer full): a #PglSinkMessage
 *
 * Frees @message.
 */
void
pgl_sink_message_free(PglSinkMessage *message)
{
	if (message == NULL)
		return;
	g_free(message->mail_from);
	g_free(message->mail_parameters);
	g_strfreev(message->recipients);
	g_clear_pointer(&message->data, g_bytes_unref);
	g_free(message->auth_user);
	g_free(message);
}

static void
settings_clear(Settings *settings)
{
	g_clear_object(&settings->certificate);
	g_clear_pointer(&settings->auth_user, g_free);
	g_clear_pointer(&settings->auth_password, g_free);
}

static void
connection_free(Connection *conn)
{
	if (conn->thread != NULL)
		g_thread_join(conn->thread);
	g_clear_object(&conn->stream);
	g_clear_object(&conn->tcp);
	g_clear_object(&conn->cancellable);
	settings_clear(&conn->settings);
	g_byte_array_unref(conn->inbuf);
	g_string_free(conn->outbuf, TRUE);
	g_free(conn->auth_user);
	g_free(conn->mail_from);
	g_free(conn->mail_parameters);
	g_ptr_array_unref(conn->recipients);
	g_free(conn);
}

static void
transaction_reset(Connection *conn)
{
	g_clear_pointer(&conn->mail_from, g_free);
	g_clear_pointer(&conn->mail_parameters, g_free);
	g_ptr_array_set_size(conn->recipients, 0);
}

static void
reply(Connection *conn, guint code, const gchar *text)
{
	g_auto(GStrv) lines = NULL;

	if (text[0] == '\0') {
		g_string_append_printf(conn->outbuf, "%03u \r\n", code);
		return;
	}
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_string_append_printf(conn->outbuf, "%03u%c%s\r\n", code,
				       lines[i + 1] != NULL ? '-' : ' ', lines[i]);
	}
}

static gboolean
flush(Connection *conn)
{
	g_autoptr(GError) error = NULL;
	GOutputStream *output = NULL;

	if (conn->outbuf->len == 0)
		return TRUE;
	output = g_io_stream_get_output_stream(conn->stream);
	if (!g_output_stream_write_all(output, conn->outbuf->str, conn->outbuf->len, NULL,
				       conn->cancellable, &error)) {
		g_debug("connection %u: write failed: %s", conn->id, error->message);
		return FALSE;
	}
	g_string_truncate(conn->outbuf, 0);
	return TRUE;
}

/*
 * Reads one line (without CRLF) of at most @max bytes. Pending replies are written before the
 * thread blocks for more input. Returns %NULL on EOF, error, cancellation or an overlong line.
 */
static gchar *
read_line(Connection *conn, gsize max, gsize *len_out)
{
	for (;;) {
		const guint8 *start = conn->inbuf->data + conn->inpos;
		gsize avail = conn->inbuf->len - conn->inpos;
		const guint8 *newline = memchr(start, '\n', avail);
		g_autoptr(GError) error = NULL;
		gssize n_read = 0;
		gchar *line = NULL;

		if (newline != NULL) {
			gsize len = newline - start;

			conn->inpos += len + 1;
			if (len > 0 && start[len - 1] == '\r')
				len--;
			if (len > max)
				return NULL;
			*len_out = len;
			line = g_malloc(len + 1);
			memcpy(line, start, len);
			line[len] = '\0';
			return line;
		}
		if (avail > max + 1)
			return NULL;
		if (!flush(conn))
			return NULL;

		if (conn->commands_since_read > 0) {
			g_mutex_lock(&conn->sink->mutex);
			conn->sink->stats.max_pipelined =
				MAX(conn->sink->stats.max_pipelined, conn->commands_since_read);
			g_mutex_unlock(&conn->sink->mutex);
			conn->commands_since_read = 0;
		}
		if (conn->inpos > 0) {
			g_byte_array_remove_range(conn->inbuf, 0, conn->inpos);
			conn->inpos = 0;
		}
		g_byte_array_set_size(conn->inbuf, avail + READ_CHUNK_SIZE);
		n_read = g_input_stream_read(g_io_stream_get_input_stream(conn->stream),
					     conn->inbuf->data + avail, READ_CHUNK_SIZE,
					     conn->cancellable, &error);
		g_byte_array_set_size(conn->inbuf, avail + MAX(n_read, 0));
		if (n_read <= 0) {
			if (n_read < 0)
				g_debug("connection %u: read failed: %s", conn->id, error->message);
			return NULL;
		}
	}
}

static gboolean
start_tls(Connection *conn)
{
	g_autoptr(GIOStream) tls = NULL;
	g_autoptr(GError) error = NULL;

	tls = g_tls_server_connection_new(conn->stream, conn->settings.certificate, &error);
	if (tls == NULL) {
		g_debug("connection %u: no TLS: %s", conn->id, error->message);
		return FALSE;
	}
	if (!g_tls_connection_handshake(G_TLS_CONNECTION(tls), conn->cancellable, &error)) {
		g_debug("connection %u: TLS handshake failed: %s", conn->id, error->message);
		return FALSE;
	}
	g_object_unref(conn->stream);
	conn->stream = g_steal_pointer(&tls);
	conn->tls = TRUE;
	return TRUE;
}

/* The first rule of @stage matching @address; its reply is copied out and its count used up. */
static gboolean
match_rule(PglSmtpSink *sink, PglSmtpSinkStage stage, const gchar *address, guint *code_out,
	   gchar **text_out)
{
	gboolean found = FALSE;

	g_mutex_lock(&sink->mutex);
	for (guint i = 0; i < sink->rules->len; i++) {
		Rule *rule = g_ptr_array_index(sink->rules, i);

		if (rule->stage != stage || !g_pattern_match_simple(rule->glob, address))
			continue;
		*code_out = rule->code;
		*text_out = g_strdup(rule->text);
		found = TRUE;
		if (rule->times > 0 && --rule->times == 0)
			g_ptr_array_remove_index(sink->rules, i);
		break;
	}
	g_mutex_unlock(&sink->mutex);
	return found;
}

/* Applies a rule if one matches; returns TRUE if it decided the reply (non-2xx: refused). */
static gboolean
apply_rule(Connection *conn, PglSmtpSinkStage stage, const gchar *address, gboolean *accepted)
{
	g_autofree gchar *text = NULL;
	guint code = 0;

	if (!match_rule(conn->sink, stage, address, &code, &text))
		return FALSE;
	reply(conn, code, text);
	*accepted = code >= 200 && code < 300;
	return TRUE;
}

/* "<addr>" after a "FROM:"/"TO:" prefix; *params_out gets the rest (ESMTP parameters). */
static gchar *
parse_path(const gchar *arg, gchar **params_out)
{
	const gchar *open = NULL;
	const gchar *close = NULL;
	const gchar *params = NULL;

	while (*arg == ' ')
		arg++;
	open = arg;
	if (*open != '<')
		return NULL;
	close = strchr(open, '>');
	if (close == NULL)
		return NULL;
	params = close + 1;
	while (*params == ' ')
		params++;
	if (params_out != NULL)
		*params_out = g_strdup(params);
	return g_strndup(open + 1, close - open - 1);
}

static void
do_ehlo(Connection *conn, gboolean extended)
{
	GString *text = g_string_new("localhost");
	const Settings *settings = &conn->settings;

	transaction_reset(conn);
	conn->greeted = TRUE;
	if (!extended) {
		reply(conn, 250, "localhost");
		g_string_free(text, TRUE);
		return;
	}
	if ((settings->flags & PGL_SMTP_SINK_FLAGS_NO_PIPELINING) == 0)
		g_string_append(text, "\nPIPELINING");
	if ((settings->flags & PGL_SMTP_SINK_FLAGS_NO_SIZE) == 0)
		g_string_append_printf(text, "\nSIZE %" G_GUINT64_FORMAT, settings->max_size);
	if ((settings->flags & PGL_SMTP_SINK_FLAGS_NO_8BITMIME) == 0)
		g_string_append(text, "\n8BITMIME");
	g_string_append(text, "\nENHANCEDSTATUSCODES");
	if (settings->certificate != NULL && !settings->implicit_tls && !conn->tls)
		g_string_append(text, "\nSTARTTLS");
	if (settings->auth_user != NULL && conn->auth_user == NULL)
		g_string_append(text, "\nAUTH PLAIN LOGIN");
	reply(conn, 250, text->str);
	g_string_free(text, TRUE);
}

/* Reads an AUTH continuation line; "*" cancels (RFC 4954 §4). */
static gchar *
auth_continue(Connection *conn, const gchar *challenge, gboolean *cancelled)
{
	gsize len = 0;
	gchar *line = NULL;

	reply(conn, 334, challenge);
	line = read_line(conn, MAX_COMMAND_LINE, &len);
	*cancelled = line != NULL && strcmp(line, "*") == 0;
	return line;
}

static gchar *
decode_base64_string(const gchar *text, gsize *len_out)
{
	gsize len = 0;
	guchar *decoded = g_base64_decode(text, &len);
	gchar *out = g_malloc(len + 1);

	memcpy(out, decoded, len);
	out[len] = '\0';
	g_free(decoded);
	*len_out = len;
	return out;
}

/* Returns FALSE if the connection must end. */
static gboolean
do_auth(Connection *conn, const gchar *arg)
{
	g_auto(GStrv) words = g_strsplit(arg, " ", 2);
	g_autofree gchar *user = NULL;
	g_autofree gchar *password = NULL;
	gboolean cancelled = FALSE;
	gboolean ok = FALSE;

	if (conn->settings.auth_user == NULL) {
		reply(conn, 502, "5.5.1 AUTH not available");
		return TRUE;
	}
	if (conn->auth_user != NULL || conn->mail_from != NULL) {
		reply(conn, 503, "5.5.1 Error: already authenticated or in a transaction");
		return TRUE;
	}
	if (words[0] == NULL) {
		reply(conn, 501, "5.5.4 Syntax: AUTH mechanism");
		return TRUE;
	}

	if (g_ascii_strcasecmp(words[0], "PLAIN") == 0) {
		g_autofree gchar *response = NULL;
		g_autofree gchar *decoded = NULL;
		gsize len = 0;
		const gchar *authcid = NULL;
		const gchar *passwd = NULL;

		if (words[1] != NULL)
			response = g_strdup(words[1]);
		else if ((response = auth_continue(conn, "", &cancelled)) == NULL)
			return FALSE;
		if (cancelled) {
			reply(conn, 501, "5.7.0 Authentication cancelled");
			return TRUE;
		}
		/* authzid NUL authcid NUL passwd */
		decoded = decode_base64_string(response, &len);
		authcid = memchr(decoded, '\0', len);
		if (authcid != NULL) {
			authcid++;
			passwd = memchr(authcid, '\0', len - (authcid - decoded));
		}
		if (passwd != NULL) {
			user = g_strdup(authcid);
			password = g_strdup(passwd + 1);
		}
	} else if (g_ascii_strcasecmp(words[0], "LOGIN") == 0) {
		g_autofree gchar *user_line = NULL;
		g_autofree gchar *password_line = NULL;
		gsize len = 0;

		if (words[1] != NULL)
			user_line = g_strdup(words[1]);
		else if ((user_line = auth_continue(conn, "VXNlcm5hbWU6", &cancelled)) == NULL)
			return FALSE;
		if (!cancelled &&
		    (password_line = auth_continue(conn, "UGFzc3dvcmQ6", &cancelled)) == NULL)
			return FALSE;
		if (cancelled) {
			reply(conn, 501, "5.7.0 Authentication cancelled");
			return TRUE;
		}
		user = decode_base64_string(user_line, &len);
		password = decode_base64_string(password_line, &len);
	} else {
		reply(conn, 504, "5.5.4 Unrecognized authentication type");
		return TRUE;
	}

	ok = user != NULL && password != NULL && g_strcmp0(user, conn->settings.auth_user) == 0 &&
	     g_strcmp0(password, conn->settings.auth_password) == 0;
	if (ok) {
		conn->auth_user = g_steal_pointer(&user);
		reply(conn, 235, "2.7.0 Authentication successful");
	} else {
		g_mutex_lock(&conn->sink->mutex);
		conn->sink->stats.auth_failures++;
		g_mutex_unlock(&conn->sink->mutex);
		reply(conn, 535, "5.7.8 Authentication credentials invalid");
	}
	return TRUE;
}

/* Returns FALSE if the connection must end. */
static gboolean
do_mail(Connection *conn, const gchar *arg)
{
	g_autofree gchar *params = NULL;
	g_autofree gchar *sender = NULL;
	g_auto(GStrv) words = NULL;
	gboolean accepted = TRUE;

	if (!conn->greeted) {
		reply(conn, 503, "5.5.1 Error: send HELO/EHLO first");
		return TRUE;
	}
	if (conn->settings.auth_user != NULL && conn->auth_user == NULL) {
		reply(conn, 530, "5.7.0 Authentication required");
		return TRUE;
	}
	if (conn->mail_from != NULL) {
		reply(conn, 503, "5.5.1 Error: nested MAIL command");
		return TRUE;
	}
	if (conn->settings.max_transactions > 0 &&
	    conn->transactions >= conn->settings.max_transactions) {
		reply(conn, 421, "4.4.2 localhost Error: too many transactions, closing");
		flush(conn);
		return FALSE;
	}
	sender = parse_path(arg, &params);
	if (sender == NULL) {
		reply(conn, 501, "5.5.4 Syntax: MAIL FROM:<address>");
		return TRUE;
	}
	words = g_strsplit(params, " ", -1);
	for (guint i = 0; words[i] != NULL; i++) {
		guint64 size = 0;

		if (g_ascii_strncasecmp(words[i], "SIZE=", 5) == 0 &&
		    g_ascii_string_to_unsigned(words[i] + 5, 10, 0, G_MAXUINT64, &size, NULL) &&
		    size > conn->settings.max_size) {
			reply(conn, 552, "5.3.4 Message size exceeds fixed limit");
			return TRUE;
		}
	}
	if (!apply_rule(conn, PGL_SMTP_SINK_STAGE_MAIL, sender, &accepted))
		reply(conn, 250, "2.1.0 Ok");
	else if (!accepted)
		return TRUE;
	conn->mail_from = g_steal_pointer(&sender);
	conn->mail_parameters = g_steal_pointer(&params);
	conn->transactions++;
	g_mutex_lock(&conn->sink->mutex);
	conn->sink->stats.transactions++;
	g_mutex_unlock(&conn->sink->mutex);
	return TRUE;
}

static void
do_rcpt(Connection *conn, const gchar *arg)
{
	g_autofree gchar *recipient = NULL;
	gboolean accepted = TRUE;

	if (conn->mail_from == NULL) {
		reply(conn, 503, "5.5.1 Error: need MAIL command");
		return;
	}
	recipient = parse_path(arg, NULL);
	if (recipient == NULL || recipient[0] == '\0') {
		reply(conn, 501, "5.1.3 Bad recipient address syntax");
		return;
	}
	if (!apply_rule(conn, PGL_SMTP_SINK_STAGE_RCPT, recipient, &accepted))
		reply(conn, 250, "2.1.5 Ok");
	if (accepted)
		g_ptr_array_add(conn->recipients, g_steal_pointer(&recipient));
}

static void
store_message(const gchar *dir, guint64 sequence, const PglSinkMessage *message)
{
	g_autoptr(GString) envelope = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *name = g_strdup_printf("msg-%06" G_GUINT64_FORMAT, sequence);
	g_autofree gchar *env_path = g_strconcat(dir, G_DIR_SEPARATOR_S, name, ".env", NULL);
	g_autofree gchar *eml_path = g_strconcat(dir, G_DIR_SEPARATOR_S, name, ".eml", NULL);
	gsize len = 0;
	const gchar *data = g_bytes_get_data(message->data, &len);

	g_string_append_printf(envelope, "MAIL FROM:<%s>\n", message->mail_from);
	for (guint i = 0; message->recipients[i] != NULL; i++)
		g_string_append_printf(envelope, "RCPT TO:<%s>\n", message->recipients[i]);
	/* Envelope first: a reader waiting for *.eml then finds both. */
	if (!g_file_set_contents(env_path, envelope->str, envelope->len, &error) ||
	    !g_file_set_contents(eml_path, data != NULL ? data : "", len, &error))
		g_warning("cannot store message: %s", error->message);
}

/* Reads the content after 354 up to "."; returns FALSE if the connection must end. */
static gboolean
do_data(Connection *conn)
{
	PglSmtpSink *sink = conn->sink;
	g_autoptr(GByteArray) body = g_byte_array_new();
	g_autofree gchar *text = NULL;
	gboolean too_big = FALSE;
	guint code = 0;

	if (conn->mail_from == NULL) {
		reply(conn, 503, "5.5.1 Error: need MAIL command");
		return TRUE;
	}
	if (conn->recipients->len == 0) {
		reply(conn, 554, "5.5.1 Error: no valid recipients");
		return TRUE;
	}
	if (match_rule(sink, PGL_SMTP_SINK_STAGE_DATA, conn->mail_from, &code, &text) &&
	    code != 354) {
		reply(conn, code, text);
		return TRUE;
	}
	g_clear_pointer(&text, g_free);
	reply(conn, 354, "End data with <CR><LF>.<CR><LF>");

	for (;;) {
		gsize len = 0;
		g_autofree gchar *line = read_line(conn, MAX_DATA_LINE, &len);
		const gchar *content = line;

		if (line == NULL)
			return FALSE;
		if (len == 1 && line[0] == '.')
			break;
		if (line[0] == '.') {
			content++;
			len--;
		}
		if (too_big || body->len + len + 1 > conn->settings.max_size) {
			too_big = TRUE;
			continue;
		}
		g_byte_array_append(body, (const guint8 *)content, len);
		g_byte_array_append(body, (const guint8 *)"\n", 1);
	}

	if (too_big) {
		reply(conn, 552, "5.3.4 Message size exceeds fixed limit");
	} else if (match_rule(sink, PGL_SMTP_SINK_STAGE_DATA_END, conn->mail_from, &code, &text) &&
		   (code < 200 || code >= 300)) {
		reply(conn, code, text);
	} else {
		PglSinkMessage *message = g_new0(PglSinkMessage, 1);
		g_autofree gchar *store_dir = NULL;
		guint64 sequence = 0;
		guint n_recipients = conn->recipients->len;
		g_autofree gchar *queued = NULL;

		message->mail_from = g_strdup(conn->mail_from);
		message->mail_parameters = g_strdup(conn->mail_parameters);
		g_ptr_array_add(conn->recipients, NULL);
		message->recipients = g_strdupv((gchar **)conn->recipients->pdata);
		g_ptr_array_remove_index(conn->recipients, n_recipients);
		message->data = g_byte_array_free_to_bytes(g_steal_pointer(&body));
		message->tls = conn->tls;
		message->auth_user = g_strdup(conn->auth_user);
		message->connection_id = conn->id;

		g_mutex_lock(&sink->mutex);
		sequence = ++sink->store_sequence;
		store_dir = g_strdup(sink->store_dir);
		g_mutex_unlock(&sink->mutex);
		if (store_dir != NULL)
			store_message(store_dir, sequence, message);

		/* Count before replying: a client that has its 250 must see the message. */
		g_mutex_lock(&sink->mutex);
		sink->stats.messages++;
		sink->stats.recipients += n_recipients;
		if (sink->keep_messages)
			g_ptr_array_add(sink->messages, g_steal_pointer(&message));
		g_cond_broadcast(&sink->cond);
		g_mutex_unlock(&sink->mutex);
		pgl_sink_message_free(message);

		if (text != NULL) {
			reply(conn, code, text);
		} else {
			queued = g_strdup_printf("2.0.0 Ok: queued as %" G_GUINT64_FORMAT,
						 sequence);
			reply(conn, 250, queued);
		}
	}
	transaction_reset(conn);
	return TRUE;
}

/* Handles one command line; returns FALSE when the connection must end. */
static gboolean
dispatch(Connection *conn, const gchar *line)
{
	const gchar *space = strchr(line, ' ');
	gsize verb_len = space != NULL ? (gsize)(space - line) : strlen(line);
	g_autofree gchar *verb = g_strndup(line, verb_len);
	const gchar *arg = space != NULL ? space + 1 : "";

	conn->commands_since_read++;
	g_mutex_lock(&conn->sink->mutex);
	conn->sink->stats.commands++;
	g_mutex_unlock(&conn->sink->mutex);

	if (g_ascii_strcasecmp(verb, "EHLO") == 0) {
		if ((conn->settings.flags & PGL_SMTP_SINK_FLAGS_NO_EHLO) != 0)
			reply(conn, 502, "5.5.2 Error: command not recognized");
		else
			do_ehlo(conn, TRUE);
	} else if (g_ascii_strcasecmp(verb, "HELO") == 0) {
		do_ehlo(conn, FALSE);
	} else if (g_ascii_strcasecmp(verb, "STARTTLS") == 0) {
		if (conn->settings.certificate == NULL || conn->settings.implicit_tls ||
		    conn->tls) {
			reply(conn, 502, "5.5.1 STARTTLS not available");
			return TRUE;
		}
		reply(conn, 220, "2.0.0 Ready to start TLS");
		if (!flush(conn))
			return FALSE;
		/* RFC 3207 §4.2: drop anything pipelined after STARTTLS, start over. */
		g_byte_array_set_size(conn->inbuf, 0);
		conn->inpos = 0;
		transaction_reset(conn);
		conn->greeted = FALSE;
		return start_tls(conn);
	} else if (g_ascii_strcasecmp(verb, "AUTH") == 0) {
		return do_auth(conn, arg);
	} else if (g_ascii_strncasecmp(line, "MAIL FROM:", 10) == 0) {
		return do_mail(conn, line + 10);
	} else if (g_ascii_strncasecmp(line, "RCPT TO:", 8) == 0) {
		do_rcpt(conn, line + 8);
	} else if (g_ascii_strcasecmp(verb, "DATA") == 0) {
		return do_data(conn);
	} else if (g_ascii_strcasecmp(verb, "RSET") == 0) {
		transaction_reset(conn);
		reply(conn, 250, "2.0.0 Ok");
	} else if (g_ascii_strcasecmp(verb, "NOOP") == 0) {
		reply(conn, 250, "2.0.0 Ok");
	} else if (g_ascii_strcasecmp(verb, "QUIT") == 0) {
		reply(conn, 221, "2.0.0 Bye");
		flush(conn);
		return FALSE;
	} else {
		reply(conn, 502, "5.5.2 Error: command not recognized");
	}
	return TRUE;
}

static gpointer
connection_thread(gpointer data)
{
	Connection *conn = data;

	if (conn->settings.implicit_tls && conn->settings.certificate != NULL &&
	    !start_tls(conn)) {
		g_io_stream_close(conn->stream, NULL, NULL);
		g_atomic_int_set(&conn->finished, 1);
		return NULL;
	}
	reply(conn, 220, "localhost ESMTP pgl-smtp-sink");
	for (;;) {
		gsize len = 0;
		g_autofree gchar *line = read_line(conn, MAX_COMMAND_LINE, &len);

		if (line == NULL || !dispatch(conn, line))
			break;
	}
	/* Close here so the client sees EOF now, not when the sink is freed. */
	g_io_stream_close(conn->stream, NULL, NULL);
	g_atomic_int_set(&conn->finished, 1);
	return NULL;
}

/* Joins and frees connections whose thread has ended. Called with the mutex held. */
static void
reap_connections_locked(PglSmtpSink *sink)
{
	for (guint i = 0; i < sink->connections->len;) {
		Connection *conn = g_ptr_array_index(sink->connections, i);

		if (g_atomic_int_get(&conn->finished))
			g_ptr_array_remove_index_fast(sink->connections, i);
		else
			i++;
	}
}

static gpointer
accept_thread(gpointer data)
{
	PglSmtpSink *sink = data;

	for (;;) {
		g_autoptr(GError) error = NULL;
		GSocketConnection *tcp = NULL;
		Connection *conn = NULL;

		tcp = g_socket_listener_accept(sink->listener, NULL, sink->cancellable, &error);
		if (tcp == NULL) {
			if (g_cancellable_is_cancelled(sink->cancellable))
				break;
			g_debug("accept failed: %s", error->message);
			g_usleep(10 * G_TIME_SPAN_MILLISECOND);
			continue;
		}

		conn = g_new0(Connection, 1);
		conn->sink = sink;
		conn->tcp = tcp;
		conn->stream = G_IO_STREAM(g_object_ref(tcp));
		conn->cancellable = g_cancellable_new();
		conn->inbuf = g_byte_array_sized_new(READ_CHUNK_SIZE);
		conn->outbuf = g_string_sized_new(1024);
		conn->recipients = g_ptr_array_new_with_free_func(g_free);

		g_mutex_lock(&sink->mutex);
		reap_connections_locked(sink);
		conn->id = ++sink->stats.connections;
		conn->settings.certificate =
			sink->certificate != NULL ? g_object_ref(sink->certificate) : NULL;
		conn->settings.implicit_tls = sink->implicit_tls;
		conn->settings.auth_user = g_strdup(sink->auth_user);
		conn->settings.auth_password = g_strdup(sink->auth_password);
		conn->settings.flags = sink->flags;
		conn->settings.max_size = sink->max_size;
		conn->settings.max_transactions = sink->max_transactions;
		conn->thread = g_thread_new("smtp-sink-conn", connection_thread, conn);
		g_ptr_array_add(sink->connections, conn);
		g_mutex_unlock(&sink->mutex);
	}
	return NULL;
}

/**
 * pgl_smtp_sink_new_full:
 * @address: (nullable): IP address to listen on, %NULL for 127.0.0.1
 * @port: port, or 0 for any free port
 * @error: return location for a #GError
 *
 * Starts a sink listening on @address:@port. It accepts mail until freed.
 *
 * Returns: (transfer full) (nullable): the sink, or %NULL with @error set
 */
PglSmtpSink *
pgl_smtp_sink_new_full(const gchar *address, guint16 port, GError **error)
{
	g_autoptr(GInetAddress) inet = NULL;
	g_autoptr(GSocketAddress) listen_address = NULL;
	g_autoptr(GSocketAddress) effective = NULL;
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	PglSmtpSink *sink = NULL;

	inet = g_inet_address_new_from_string(address != NULL ? address : "127.0.0.1");
	if (inet == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "invalid listen address %s", address);
		return NULL;
	}
	listen_address = g_inet_socket_address_new(inet, port);
	if (!g_socket_listener_add_address(listener, listen_address, G_SOCKET_TYPE_STREAM,
					   G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
		return NULL;

	sink = g_new0(PglSmtpSink, 1);
	sink->listener = g_steal_pointer(&listener);
	sink->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
	sink->cancellable = g_cancellable_new();
	g_mutex_init(&sink->mutex);
	g_cond_init(&sink->cond);
	sink->max_size = PGL_SMTP_SINK_DEFAULT_MAX_SIZE;
	sink->keep_messages = TRUE;
	sink->rules = g_ptr_array_new_with_free_func((GDestroyNotify)rule_free);
	sink->messages = g_ptr_array_new_with_free_func((GDestroyNotify)pgl_sink_message_free);
	sink->connections = g_ptr_array_new_with_free_func((GDestroyNotify)connection_free);
	sink->accept_thread = g_thread_new("smtp-sink-accept", accept_thread, sink);
	return sink;
}

/**
 * pgl_smtp_sink_new:
 * @error: return location for a #GError
 *
 * Starts a sink on 127.0.0.1 and a free port, see pgl_smtp_sink_get_port().
 *
 * Returns: (transfer full) (nullable): the sink, or %NULL with @error set
 */
PglSmtpSink *
pgl_smtp_sink_new(GError **error)
{
	return pgl_smtp_sink_new_full(NULL, 0, error);
}

/**
 * pgl_smtp_sink_get_port:
 * @sink: a #PglSmtpSink
 *
 * Returns: the port the sink listens on
 */
guint16
pgl_smtp_sink_get_port(PglSmtpSink *sink)
{
	g_return_val_if_fail(sink != NULL, 0);
	return sink->port;
}

/**
 * pgl_smtp_sink_set_tls:
 * @sink: a #PglSmtpSink
 * @cert: (nullable): certificate with private key, or %NULL for no TLS
 * @implicit_tls: %TRUE to speak TLS from the first byte, %FALSE to offer STARTTLS
 *
 * Sets up TLS for connections accepted from now on.
 */
void
pgl_smtp_sink_set_tls(PglSmtpSink *sink, GTlsCertificate *cert, gboolean implicit_tls)
{
	g_return_if_fail(sink != NULL);
	g_mutex_lock(&sink->mutex);
	g_set_object(&sink->certificate, cert);
	sink->implicit_tls = implicit_tls;
	g_mutex_unlock(&sink->mutex);
}

/**
 * pgl_smtp_sink_set_auth:
 * @sink: a #PglSmtpSink
 * @user: (nullable): the one user name accepted, or %NULL for no AUTH
 * @password: (nullable): its password
 *
 * Requires AUTH PLAIN or LOGIN before MAIL on connections accepted from now on.
 */
void
pgl_smtp_sink_set_auth(PglSmtpSink *sink, const gchar *user, const gchar *password)
{
	g_return_if_fail(sink != NULL);
	g_mutex_lock(&sink->mutex);
	g_free(sink->auth_user);
	g_free(sink->auth_password);
	sink->auth_user = g_strdup(user);
	sink->auth_password = g_strdup(user != NULL ? (password != NULL ? password : "") : NULL);
	g_mutex_unlock(&sink->mutex);
}

/**
 * pgl_smtp_sink_set_flags:
 * @sink: a #PglSmtpSink
 * @flags: what not to offer, for connections accepted from now on
 */
void
pgl_smtp_sink_set_flags(PglSmtpSink *sink, PglSmtpSinkFlags flags)
{
	g_return_if_fail(sink != NULL);
	g_mutex_lock(&sink->mutex);
	sink->flags = flags;
	g_mutex_unlock(&sink->mutex);
}

/**
 * pgl_smtp_sink_set_max_size:
 * @sink: a #PglSmtpSink
 * @max_size: SIZE to advertise and enforce (default %PGL_SMTP_SINK_DEFAULT_MAX_SIZE)
 *
 * Applies to connections accepted from now on.
 */
void
pgl_smtp_sink_set_max_size(PglSmtpSink *sink, guint64 max_size)
{
	g_return_if_fail(sink != NULL);
	g_mutex_lock(&sink->mutex);
	sink->max_size = max_size;
	g_mutex_unlock(&sink->mutex);
}

/**
 * pgl_smtp_sink_set_max_transactions:
 * @sink: a #PglSmtpSink
 * @max_transactions: transactions per connection, 0 for no limit
 *
 * After @max_transactions MAIL commands on one connection, the next MAIL gets "421" and the
 * connection is closed, as a server timing out or recycling connections would. Applies to
 * connections accepted from now on.
 */
void
pgl_smtp_sink_set_max_transactions(PglSmtpSink *sink, guint max_transactions)
{
	g_return_if_fail(sink != NULL);
	g_mutex_lock(&sink->mutex);
	sink->max_transactions = max_transactions;
	g_mutex_unlock(&sink->mutex);
}

/**
 * pgl_smtp_sink_set_keep_messages:
 * @sink: a #PglSmtpSink
 * @keep: %FALSE to only count messages (benchmarks), %TRUE (default) to keep them for
 *   pgl_smtp_sink_take_messages()
 */
void
pgl_smtp_sink_set_keep_messages(PglSmtpSink *sink, gboolean keep)
{
	g_return_if_fail(sink != NULL);
	g_mutex_lock(&sink->mutex);
	sink->keep_messages = keep;
	g_mutex_unlock(&sink->mutex);
}

/**
 * pgl_smtp_sink_set_store_dir:
 * @sink: a #PglSmtpSink
 * @dir: (nullable): existing directory, or %NULL to stop storing
 *
 * Also writes each accepted message to @dir as msg-NNNNNN.eml (content, LF line ends), after
 * msg-NNNNNN.env with lines "MAIL FROM:<...>" and "RCPT TO:<...>". Both are written atomically.
 */
void
pgl_smtp_sink_set_store_dir(PglSmtpSink *sink, const gchar *dir)
{
	g_return_if_fail(sink != NULL);
	g_mutex_lock(&sink->mutex);
	g_free(sink->store_dir);
	sink->store_dir = g_strdup(dir);
	g_mutex_unlock(&sink->mutex);
}

/**
 * pgl_smtp_sink_add_stage_rule:
 * @sink: a #PglSmtpSink
 * @stage: which reply the rule sets
 * @glob: (nullable): g_pattern_match_simple() pattern for the sender (recipient for
 *   %PGL_SMTP_SINK_STAGE_RCPT); %NULL matches all
 * @code: reply code, e.g. 451
 * @text: reply text, optionally starting with an enhanced code ("4.2.0 try later"); "\n"
 *   makes a multi-line reply
 * @times: how many times the rule answers, 0 for always
 *
 * Adds a rule; the first matching rule of a stage answers. A 2xx code accepts as usual.
 */
void
pgl_smtp_sink_add_stage_rule(PglSmtpSink *sink, PglSmtpSinkStage stage, const gchar *glob,
			     guint code, const gchar *text, guint times)
{
	Rule *rule = NULL;

	g_return_if_fail(sink != NULL);
	g_return_if_fail(code >= 200 && code <= 599);
	rule = g_new0(Rule, 1);
	rule->stage = stage;
	rule->glob = g_strdup(glob != NULL ? glob : "*");
	rule->text = g_strdup(text != NULL ? text : "");
	rule->code = code;
	rule->times = times;
	g_mutex_lock(&sink->mutex);
	g_ptr_array_add(sink->rules, rule);
	g_mutex_unlock(&sink->mutex);
}

/**
 * pgl_smtp_sink_add_rule:
 * @sink: a #PglSmtpSink
 * @recipient_glob: pattern for the recipient
 * @code: RCPT reply code
 * @text: reply text
 * @times: how many times, 0 for always
 *
 * Answers RCPT TO for matching recipients with @code, see pgl_smtp_sink_add_stage_rule().
 */
void
pgl_smtp_sink_add_rule(PglSmtpSink *sink, const gchar *recipient_glob, guint code,
		       const gchar *text, guint times)
{
	pgl_smtp_sink_add_stage_rule(sink, PGL_SMTP_SINK_STAGE_RCPT, recipient_glob, code, text,
				     times);
}

/**
 * pgl_smtp_sink_set_data_reply:
 * @sink: a #PglSmtpSink
 * @code: reply code after the content
 * @text: reply text
 * @times: how many times, 0 for always
 *
 * Forces the reply to the end of DATA; a non-2xx reply means the message is not accepted.
 */
void
pgl_smtp_sink_set_data_reply(PglSmtpSink *sink, guint code, const gchar *text, guint times)
{
	pgl_smtp_sink_add_stage_rule(sink, PGL_SMTP_SINK_STAGE_DATA_END, NULL, code, text, times);
}

/**
 * pgl_smtp_sink_clear_rules:
 * @sink: a #PglSmtpSink
 *
 * Removes all rules.
 */
void
pgl_smtp_sink_clear_rules(PglSmtpSink *sink)
{
	g_return_if_fail(sink != NULL);
	g_mutex_lock(&sink->mutex);
	g_ptr_array_set_size(sink->rules, 0);
	g_mutex_unlock(&sink->mutex);
}

/**
 * pgl_smtp_sink_get_stats:
 * @sink: a #PglSmtpSink
 * @stats_out: (out caller-allocates): the counters
 */
void
pgl_smtp_sink_get_stats(PglSmtpSink *sink, PglSmtpSinkStats *stats_out)
{
	g_return_if_fail(sink != NULL);
	g_return_if_fail(stats_out != NULL);
	g_mutex_lock(&sink->mutex);
	*stats_out = sink->stats;
	g_mutex_unlock(&sink->mutex);
}

/**
 * pgl_smtp_sink_count:
 * @sink: a #PglSmtpSink
 *
 * Returns: messages accepted so far (taking them does not lower this)
 */
guint
pgl_smtp_sink_count(PglSmtpSink *sink)
{
	PglSmtpSinkStats stats = {0};

	pgl_smtp_sink_get_stats(sink, &stats);
	return stats.messages;
}

/**
 * pgl_smtp_sink_recipient_count:
 * @sink: a #PglSmtpSink
 *
 * Returns: recipient deliveries so far (sum of recipients of accepted messages)
 */
guint
pgl_smtp_sink_recipient_count(PglSmtpSink *sink)
{
	PglSmtpSinkStats stats = {0};

	pgl_smtp_sink_get_stats(sink, &stats);
	return stats.recipients;
}

/**
 * pgl_smtp_sink_connection_count:
 * @sink: a #PglSmtpSink
 *
 * Returns: connections accepted so far
 */
guint
pgl_smtp_sink_connection_count(PglSmtpSink *sink)
{
	PglSmtpSinkStats stats = {0};

	pgl_smtp_sink_get_stats(sink, &stats);
	return stats.connections;
}

/**
 * pgl_smtp_sink_take_messages:
 * @sink: a #PglSmtpSink
 *
 * Takes the messages accepted since the last call, oldest first.
 *
 * Returns: (transfer full) (element-type PglSinkMessage): the messages
 */
GPtrArray *
pgl_smtp_sink_take_messages(PglSmtpSink *sink)
{
	GPtrArray *messages = NULL;

	g_return_val_if_fail(sink != NULL, NULL);
	g_mutex_lock(&sink->mutex);
	messages = g_steal_pointer(&sink->messages);
	sink->messages = g_ptr_array_new_with_free_func((GDestroyNotify)pgl_sink_message_free);
	g_mutex_unlock(&sink->mutex);
	return messages;
}

/**
 * pgl_smtp_sink_wait_for:
 * @sink: a #PglSmtpSink
 * @n_recipient_deliveries: how many recipient deliveries to wait for, in total since creation
 * @timeout_ms: longest wait
 *
 * Blocks until pgl_smtp_sink_recipient_count() reaches @n_recipient_deliveries.
 *
 * Returns: %TRUE if it did, %FALSE on timeout
 */
gboolean
pgl_smtp_sink_wait_for(PglSmtpSink *sink, guint n_recipient_deliveries, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;
	gboolean reached = FALSE;

	g_return_val_if_fail(sink != NULL, FALSE);
	g_mutex_lock(&sink->mutex);
	while (sink->stats.recipients < n_recipient_deliveries) {
		if (!g_cond_wait_until(&sink->cond, &sink->mutex, deadline))
			break;
	}
	reached = sink->stats.recipients >= n_recipient_deliveries;
	g_mutex_unlock(&sink->mutex);
	return reached;
}

/**
 * pgl_smtp_sink_disconnect_all:
 * @sink: a #PglSmtpSink
 *
 * Closes every open connection without a reply (as a server restarting or timing out idle
 * connections would); the sink keeps listening.
 */
void
pgl_smtp_sink_disconnect_all(PglSmtpSink *sink)
{
	g_autoptr(GPtrArray) closing = NULL;

	g_return_if_fail(sink != NULL);
	/* Take them out of the list, so the accept thread does not reap them meanwhile. */
	g_mutex_lock(&sink->mutex);
	closing = g_steal_pointer(&sink->connections);
	sink->connections = g_ptr_array_new_with_free_func((GDestroyNotify)connection_free);
	for (guint i = 0; i < closing->len; i++) {
		Connection *conn = g_ptr_array_index(closing, i);

		g_cancellable_cancel(conn->cancellable);
	}
	g_mutex_unlock(&sink->mutex);
	/* Freeing joins each thread, which has closed its socket by then: callers see EOF. */
}

/**
 * pgl_smtp_sink_free:
 * @sink: (nullable) (transfer full): a #PglSmtpSink
 *
 * Stops listening, closes all connections, joins all threads and frees @sink with the
 * messages not taken.
 */
void
pgl_smtp_sink_free(PglSmtpSink *sink)
{
	if (sink == NULL)
		return;
	g_cancellable_cancel(sink->cancellable);
	g_thread_join(sink->accept_thread);
	g_socket_listener_close(sink->listener);

	/* The accept thread is gone, so no connection is added any more. */
	g_mutex_lock(&sink->mutex);
	for (guint i = 0; i < sink->connections->len; i++) {
		Connection *conn = g_ptr_array_index(sink->connections, i);

		g_cancellable_cancel(conn->cancellable);
	}
	g_mutex_unlock(&sink->mutex);
	/* connection_free() joins; the threads need the mutex, so not under it. */
	g_ptr_array_unref(sink->connections);

	g_object_unref(sink->listener);
	g_object_unref(sink->cancellable);
	g_clear_object(&sink->certificate);
	g_free(sink->auth_user);
	g_free(sink->auth_password);
	g_free(sink->store_dir);
	g_ptr_array_unref(sink->rules);
	g_ptr_array_unref(sink->messages);
	g_mutex_clear(&sink->mutex);
	g_cond_clear(&sink->cond);
	g_free(sink);
}
