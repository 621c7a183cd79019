/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `pgplist serve`: the LMTP listener and one runner per queue, wired together. The LMTP
 * session threads answer RCPT by looking the list up (each thread with its own database
 * connection) and answer the end of DATA only once the message is fsynced into the in queue.
 * Everything after that happens in the runners. SIGTERM/SIGINT stop the listener first, then the
 * runners after the message each is working on; a SIGKILL at any moment loses nothing, because
 * start-up puts back every message a runner had claimed (pgl_spool_recover()).
 */
#define G_LOG_DOMAIN "pgl-app"

#include "app/pgl-daemon.h"

#include "app/pgl-router.h"
#include "app/pgl-stages.h"
#include "delivery/pgl-delivery.h"
#include "lmtp/pgl-lmtp-server.h"
#include "queue/pgl-runner.h"
#include "store/pgl-store.h"
#include "util/pgl-sanitize.h"

#include <glib-unix.h>
#include <stdio.h>

typedef struct {
	PglContext *ctx;   /* (unowned) */
	PglSpool *spool;   /* (unowned) */
} Daemon;

static GPrivate thread_store = G_PRIVATE_INIT((GDestroyNotify)pgl_store_free);

static PglStore *
session_store(Daemon *daemon, GError **error)
{
	PglStore *store = g_private_get(&thread_store);

	if (store == NULL) {
		store = pgl_store_open(daemon->ctx, error);
		if (store != NULL)
			g_private_set(&thread_store, store);
	}
	return store;
}

static PglLmtpRcptVerdict
check_recipient(const gchar *recipient, gpointer user_data)
{
	Daemon *daemon = user_data;
	g_autofree gchar *list_address = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(GError) error = NULL;
	PglDestination destination;
	PglStore *store;

	if (!pgl_router_parse(recipient, &list_address, &destination, NULL))
		return PGL_LMTP_RCPT_UNKNOWN;
	store = session_store(daemon, &error);
	if (store == NULL) {
		g_warning("lmtp: cannot open the database: %s", error->message);
		return PGL_LMTP_RCPT_TEMPFAIL;
	}
	list = pgl_store_list_lookup(store, list_address, &error);
	if (list != NULL)
		return PGL_LMTP_RCPT_ACCEPT;
	if (g_error_matches(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND))
		return PGL_LMTP_RCPT_UNKNOWN;
	g_warning("lmtp: list lookup failed: %s", error->message);
	return PGL_LMTP_RCPT_TEMPFAIL;
}

static void
deliver(const gchar *mail_from, const gchar *const *recipients, guint n_recipients,
	GBytes *message, PglLmtpReply *replies_out, gpointer user_data)
{
	Daemon *daemon = user_data;

	/* One spool file per recipient: each is routed on its own (post, -owner, -request). */
	for (guint i = 0; i < n_recipients; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *id = NULL;
		g_autofree gchar *safe_from = pgl_sanitize(mail_from, -1, 200);

		if (pgl_stage_enqueue_in(daemon->ctx, daemon->spool, recipients[i], mail_from,
					 message, &id, &error)) {
			g_autofree gchar *text = g_strdup_printf("Ok: queued as %s", id);

			g_message("%s: action=received from=<%s> to=<%s> size=%" G_GSIZE_FORMAT,
				  id, safe_from, recipients[i], g_bytes_get_size(message));
			pgl_lmtp_reply_set(&replies_out[i], 250, "2.0.0", text);
		} else {
			g_warning("lmtp: cannot queue message for %s: %s", recipients[i],
				  error->message);
			pgl_lmtp_reply_set(&replies_out[i], 451, "4.3.0",
					   "Local error, message not accepted; try again later");
		}
	}
}

/* How often the daemon forgets what it no longer needs. */
#define HOUSEKEEPING_INTERVAL_SECONDS 3600

typedef struct {
	PglContext *ctx; /* (unowned) */
	PglStore *store; /* (unowned) the main thread's connection */
} Housekeeping;

/* Drops delivery records no retry can need any more (a retry is given up after
 * [delivery] retry_give_up), expired confirmation tokens, Message-IDs older than 30 days, and
 * the replay record of signatures older than [pgp] signature_window (a post signed that long
 * ago is refused as too old anyway; a list's own window is never longer). */
static gboolean
housekeeping(gpointer user_data)
{
	Housekeeping *house = user_data;
	const PglConfig *config = pgl_context_get_config(house->ctx);
	gint64 now = pgl_context_now(house->ctx);
	g_autoptr(GError) error = NULL;
	guint delivered, pending, message_ids, digests;

	delivered = pgl_store_delivered_expire(
		house->store, now - (gint64)config->retry_give_up - 86400, &error);
	if (error == NULL)
		pending = pgl_store_pending_expire(house->store, now, &error);
	if (error == NULL)
		message_ids =
			pgl_store_message_id_expire(house->store, now - 30 * 86400, &error);
	if (error == NULL)
		digests = pgl_store_signature_digest_expire(
			house->store, now - (gint64)config->pgp_signature_window, &error);
	if (error != NULL)
		g_warning("housekeeping: %s", error->message);
	else
		g_info("housekeeping: delivered=%u pending=%u message_ids=%u "
		       "signature_digests=%u",
		       delivered, pending, message_ids, digests);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_signal(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

/**
 * pgl_daemon_run:
 *
 * Runs the daemon until SIGTERM or SIGINT.
 *
 * Returns: %FALSE with @error set if it could not start
 */
gboolean
pgl_daemon_run(PglContext *ctx, GError **error)
{
	const PglConfig *config = pgl_context_get_config(ctx);
	/* bad has no runner; recovering it only clears temporary files of interrupted writes */
	const gchar *const *queues = pgl_spool_queue_names();
	g_autoptr(PglSpool) spool = NULL;
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglStage) in_stage = NULL;
	g_autoptr(PglStage) pipeline_stage = NULL;
	g_autoptr(PglStage) command_stage = NULL;
	g_autoptr(PglDelivery) delivery = NULL;
	g_autoptr(PglLmtpServer) lmtp = NULL;
	g_autoptr(GPtrArray) runners = g_ptr_array_new_with_free_func((GDestroyNotify)pgl_runner_free);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	Daemon daemon = {.ctx = ctx};
	Housekeeping house = {0};
	guint housekeeping_source;
	PglLmtpServerConfig lmtp_config = {
		.host = config->lmtp_host,
		.port = (guint16)config->lmtp_port,
		.hostname = pgl_context_get_hostname(ctx),
		.line_max = config->lmtp_line_max,
		.message_max = config->message_max,
		.header_max = config->header_max,
		.recipients_max = config->lmtp_recipients_max,
		.timeout_seconds = config->lmtp_timeout,
		.sessions_max = config->lmtp_sessions_max,
	};

	/* the database must open (and migrate) before anything is accepted */
	store = pgl_store_open(ctx, error);
	if (store == NULL)
		return FALSE;
	spool = pgl_spool_new(ctx, error);
	if (spool == NULL)
		return FALSE;
	daemon.spool = spool;
	for (guint i = 0; queues[i] != NULL; i++) {
		guint recovered = pgl_spool_recover(spool, queues[i]);

		if (recovered > 0)
			g_message("queue=%s recovered=%u", queues[i], recovered);
	}
	in_stage = pgl_stage_new(ctx, spool, error);
	pipeline_stage = in_stage != NULL ? pgl_stage_new(ctx, spool, error) : NULL;
	command_stage = pipeline_stage != NULL ? pgl_stage_new(ctx, spool, error) : NULL;
	delivery = command_stage != NULL ? pgl_delivery_new(ctx, spool, error) : NULL;
	if (delivery == NULL)
		return FALSE;
	g_ptr_array_add(runners, pgl_runner_new(ctx, spool, PGL_QUEUE_IN, pgl_stage_process_in,
						NULL, in_stage));
	g_ptr_array_add(runners, pgl_runner_new(ctx, spool, PGL_QUEUE_PIPELINE,
						pgl_stage_process_pipeline, NULL, pipeline_stage));
	g_ptr_array_add(runners, pgl_runner_new(ctx, spool, PGL_QUEUE_COMMAND,
						pgl_stage_process_command, NULL, command_stage));
	g_ptr_array_add(runners, pgl_runner_new(ctx, spool, PGL_QUEUE_OUT, pgl_delivery_process_out,
						NULL, delivery));
	g_ptr_array_add(runners,
			pgl_runner_new(ctx, spool, PGL_QUEUE_RETRY, pgl_delivery_process_retry,
				       pgl_delivery_retry_due, delivery));
	for (guint i = 0; i < runners->len; i++) {
		if (!pgl_runner_start(g_ptr_array_index(runners, i), error))
			return FALSE;
	}

	lmtp = pgl_lmtp_server_new(&lmtp_config, check_recipient, deliver, &daemon, error);
	if (lmtp == NULL)
		return FALSE;
	pgl_lmtp_server_start(lmtp);
	house.ctx = ctx;
	house.store = store;
	housekeeping(&house);
	housekeeping_source =
		g_timeout_add_seconds(HOUSEKEEPING_INTERVAL_SECONDS, housekeeping, &house);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_unix_signal_add(SIGINT, on_signal, loop);
	g_message("pgplist serving lmtp=%s:%u relay=%s:%u security=%s var=%s", config->lmtp_host,
		  pgl_lmtp_server_get_port(lmtp), config->smtp_host, config->smtp_port,
		  pgl_security_to_string(config->smtp_security), pgl_context_get_var_dir(ctx));
	/* machine-readable, for scripts and tests that let the kernel pick the port */
	printf("listening lmtp=%s:%u\n", config->lmtp_host, pgl_lmtp_server_get_port(lmtp));
	fflush(stdout);

	g_main_loop_run(loop);

	g_source_remove(housekeeping_source);
	g_message("stopping");
	pgl_lmtp_server_stop(lmtp);
	for (guint i = 0; i < runners->len; i++)
		pgl_runner_stop(g_ptr_array_index(runners, i));
	return TRUE;
}
