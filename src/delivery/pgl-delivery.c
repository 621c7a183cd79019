/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Outgoing delivery: the out runner hands each message to the relay over SMTP, the retry runner
 * puts temporarily failed recipients back in the out queue when they fall due.
 *
 * Bulk delivery sends one transaction per chunk of [mta] max_recipients recipients, with the
 * list's -bounces address as envelope sender; VERP delivery sends one transaction per recipient
 * with the recipient encoded in the envelope sender (list-bounces+user=host@domain), so a
 * bounce names the member it is about. Per recipient: 2xx is delivered, 4xx goes to the retry
 * queue with exponential back-off until [delivery] retry_give_up, 5xx (and giving up) is a
 * bounce recorded against the member.
 *
 * Exactly once: every recipient accepted by the relay is recorded in the database under the
 * message's spool id before the next transaction, and recipients already recorded are skipped.
 * A daemon killed in the middle of a message therefore resends only to recipients whose
 * transaction had not been answered; the window for a duplicate is the time between the relay's
 * answer and the commit of that record.
 */
#define G_LOG_DOMAIN "pgl-delivery"

#include "delivery/pgl-delivery.h"

#include "core/pgl-address.h"
#include "delivery/pgl-smtp-client.h"
#include "store/pgl-store.h"
#include "util/pgl-sanitize.h"

#include <string.h>

struct _PglDelivery {
	PglContext *ctx;       /* (owned) */
	PglSpool *spool;       /* (unowned) */
	PglStore *store;       /* (owned) used by the out runner's thread only */
	PglSmtpClient *client; /* (owned) used by the out runner's thread only */
};

/**
 * pgl_delivery_new:
 * @spool: (transfer none): must outlive the delivery
 *
 * Returns: (transfer full) (nullable): the delivery stage, with its own database connection and
 *   SMTP client configured from [smtp]
 */
PglDelivery *
pgl_delivery_new(PglContext *ctx, PglSpool *spool, GError **error)
{
	const PglConfig *config = pgl_context_get_config(ctx);
	g_autoptr(PglDelivery) delivery = g_new0(PglDelivery, 1);
	PglSmtpClientConfig smtp = {
		.host = config->smtp_host,
		.port = (guint16)config->smtp_port,
		.security = (PglSmtpSecurity)config->smtp_security,
		.user = config->smtp_user[0] != '\0' ? config->smtp_user : NULL,
		.password = config->smtp_password[0] != '\0' ? config->smtp_password : NULL,
		.ca_file = config->smtp_ca_file[0] != '\0' ? config->smtp_ca_file : NULL,
		.helo_name = config->smtp_helo_name[0] != '\0' ? config->smtp_helo_name
								 : pgl_context_get_hostname(ctx),
		.timeout_seconds = config->smtp_timeout,
	};

	G_STATIC_ASSERT((int)PGL_SMTP_SECURITY_STARTTLS == (int)PGL_SECURITY_STARTTLS);
	G_STATIC_ASSERT((int)PGL_SMTP_SECURITY_TLS == (int)PGL_SECURITY_TLS);
	delivery->ctx = pgl_context_ref(ctx);
	delivery->spool = spool;
	delivery->store = pgl_store_open(ctx, error);
	if (delivery->store == NULL)
		return NULL;
	delivery->client = pgl_smtp_client_new(&smtp);
	return g_steal_pointer(&delivery);
}

void
pgl_delivery_free(PglDelivery *delivery)
{
	if (delivery == NULL)
		return;
	g_clear_pointer(&delivery->client, pgl_smtp_client_free);
	g_clear_pointer(&delivery->store, pgl_store_free);
	g_clear_pointer(&delivery->ctx, pgl_context_unref);
	g_free(delivery);
}

/**
 * pgl_delivery_verp_sender:
 * @bounces_address: list-bounces@domain
 * @recipient: user@host
 *
 * Returns: (transfer full): list-bounces+user=host@domain
 */
gchar *
pgl_delivery_verp_sender(const gchar *bounces_address, const gchar *recipient)
{
	const gchar *at = strrchr(bounces_address, '@');
	g_autofree gchar *encoded = g_strdup(recipient);
	gchar *recipient_at = strrchr(encoded, '@');

	if (at == NULL || recipient_at == NULL)
		return g_strdup(bounces_address);
	*recipient_at = '=';
	return g_strdup_printf("%.*s+%s%s", (int)(at - bounces_address), bounces_address, encoded,
			       at);
}

typedef struct {
	GPtrArray *temporary; /* (owned) recipients to retry */
	GPtrArray *delivered; /* (owned) accepted by the relay, to record */
	gchar *last_temporary_reason; /* (owned) (nullable) */
	gboolean relay_failed;	      /* a whole transaction failed: the relay, not the members */
} Outcome;

static Outcome *
outcome_new(void)
{
	Outcome *outcome = g_new0(Outcome, 1);

	outcome->temporary = g_ptr_array_new_with_free_func(g_free);
	outcome->delivered = g_ptr_array_new_with_free_func(g_free);
	return outcome;
}

static void
outcome_free(Outcome *outcome)
{
	g_ptr_array_unref(outcome->temporary);
	g_ptr_array_unref(outcome->delivered);
	g_free(outcome->last_temporary_reason);
	g_free(outcome);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Outcome, outcome_free)

static void
record_bounce(PglDelivery *delivery, PglSpoolEntry *entry, const gchar *recipient,
	      const gchar *reason)
{
	gint64 list_id = pgl_spool_entry_get_int(entry, PGL_OUT_LIST_ID, 0);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *safe_reason = pgl_sanitize(reason, -1, 300);

	g_message("%s: to=%s action=bounce reason=\"%s\"", entry->id, recipient, safe_reason);
	if (list_id > 0 && !pgl_store_bounce_add(delivery->store, list_id, recipient, safe_reason,
						 NULL, pgl_context_now(delivery->ctx), &error))
		g_warning("%s: cannot record bounce for %s: %s", entry->id, recipient,
			  error->message);
}

static gchar *
reply_text(const PglSmtpReply *reply)
{
	return g_strdup_printf("%u %s%s%s", reply->code, reply->enhanced ? reply->enhanced : "",
			       reply->enhanced ? " " : "", reply->text ? reply->text : "");
}

/* One SMTP transaction; sorts its recipients into delivered, temporary and bounced. */
static void
transact(PglDelivery *delivery, PglSpoolEntry *entry, const gchar *sender,
	 const gchar *const *recipients, guint n, Outcome *outcome)
{
	PglSmtpReply *replies = NULL;
	g_autoptr(GError) error = NULL;

	if (!pgl_smtp_client_send(delivery->client, sender, recipients, n, entry->message, &replies,
				  &error)) {
		g_autofree gchar *reason = pgl_sanitize(error->message, -1, 300);

		/* The transaction as a whole failed: a refused greeting, EHLO, AUTH, MAIL FROM or
		 * DATA, TLS or protocol trouble, or no connection at all. That is about the relay,
		 * our configuration or the message, never about these recipients, so nobody gets a
		 * bounce for it: keep the message and try again later (a wrong relay password must
		 * not unsubscribe the whole list). Only per-recipient 5xx replies are bounces. */
		g_warning("%s: relay=%s:%u action=deferred rcpts=%u reason=\"%s\"", entry->id,
			  pgl_context_get_config(delivery->ctx)->smtp_host,
			  pgl_context_get_config(delivery->ctx)->smtp_port, n, reason);
		pgl_smtp_client_close(delivery->client);
		for (guint i = 0; i < n; i++)
			g_ptr_array_add(outcome->temporary, g_strdup(recipients[i]));
		g_free(outcome->last_temporary_reason);
		outcome->last_temporary_reason = g_steal_pointer(&reason);
		outcome->relay_failed = TRUE;
		return;
	}
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *text = NULL;

		if (pgl_smtp_reply_is_success(&replies[i])) {
			g_ptr_array_add(outcome->delivered, g_strdup(recipients[i]));
			continue;
		}
		text = reply_text(&replies[i]);
		if (pgl_smtp_reply_is_temporary(&replies[i])) {
			g_ptr_array_add(outcome->temporary, g_strdup(recipients[i]));
			g_free(outcome->last_temporary_reason);
			outcome->last_temporary_reason = pgl_sanitize(text, -1, 300);
		} else {
			record_bounce(delivery, entry, recipients[i], text);
		}
	}
	pgl_smtp_reply_array_free(replies, n);
}

static gboolean
record_delivered(PglDelivery *delivery, const gchar *origin, Outcome *outcome, GError **error)
{
	if (outcome->delivered->len == 0)
		return TRUE;
	if (!pgl_store_delivered_add(delivery->store, origin,
				     (const gchar *const *)outcome->delivered->pdata,
				     outcome->delivered->len, pgl_context_now(delivery->ctx),
				     error))
		return FALSE;
	g_ptr_array_set_size(outcome->delivered, 0);
	return TRUE;
}

/* A new entry (no id yet) with @entry's message and metadata, for @recipients. */
static PglSpoolEntry *
copy_entry(PglSpoolEntry *entry, GPtrArray *recipients)
{
	PglSpoolEntry *copy = pgl_spool_entry_new(NULL, entry->message);
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, entry->meta);
	while (g_hash_table_iter_next(&iter, &key, &value))
		pgl_spool_entry_set(copy, key, value);
	for (guint i = 0; i < recipients->len; i++)
		g_ptr_array_add(copy->recipients, g_strdup(g_ptr_array_index(recipients, i)));
	return copy;
}

static gboolean
schedule_retry(PglDelivery *delivery, PglSpoolEntry *entry, Outcome *outcome, GError **error)
{
	const PglConfig *config = pgl_context_get_config(delivery->ctx);
	gint64 now = pgl_context_now(delivery->ctx);
	gint64 attempts = pgl_spool_entry_get_int(entry, PGL_OUT_ATTEMPTS, 0) + 1;
	gint64 first = pgl_spool_entry_get_int(entry, PGL_OUT_FIRST_ATTEMPT, now);
	gint64 delay = config->retry_initial_delay;
	g_autoptr(PglSpoolEntry) retry = NULL;

	if (outcome->temporary->len == 0)
		return TRUE;
	if (now - first >= (gint64)config->retry_give_up) {
		g_autofree gchar *reason = g_strdup_printf(
			"gave up after %" G_GINT64_FORMAT " attempts: %s", attempts,
			outcome->last_temporary_reason ? outcome->last_temporary_reason : "");

		/* The relay itself kept failing (or refusing the message as a whole): that says
		 * nothing about the members, so no bounces; the message is kept in the bad queue,
		 * with the members it still has to reach, for the administrator. */
		if (outcome->relay_failed) {
			g_autoptr(PglSpoolEntry) kept = copy_entry(entry, outcome->temporary);

			pgl_spool_entry_set(kept, PGL_OUT_NEXT_ATTEMPT, NULL);
			pgl_spool_entry_set(kept, PGL_SPOOL_BAD_REASON, reason);
			pgl_spool_entry_set(kept, PGL_SPOOL_BAD_FROM, PGL_QUEUE_OUT);
			g_warning("%s: action=give-up rcpts=%u reason=\"%s\"", entry->id,
				  outcome->temporary->len, reason);
			return pgl_spool_enqueue(delivery->spool, PGL_QUEUE_BAD, kept, error);
		}
		for (guint i = 0; i < outcome->temporary->len; i++)
			record_bounce(delivery, entry, g_ptr_array_index(outcome->temporary, i),
				      reason);
		return TRUE;
	}
	for (gint64 i = 1; i < attempts && delay < (gint64)config->retry_max_delay; i++)
		delay *= 2;
	delay = MIN(delay, (gint64)config->retry_max_delay);

	retry = copy_entry(entry, outcome->temporary);
	pgl_spool_entry_set_int(retry, PGL_OUT_ATTEMPTS, attempts);
	pgl_spool_entry_set_int(retry, PGL_OUT_FIRST_ATTEMPT, first);
	pgl_spool_entry_set_int(retry, PGL_OUT_NEXT_ATTEMPT, now + delay);
	g_message("%s: action=retry rcpts=%u attempt=%" G_GINT64_FORMAT
		  " delay=%" G_GINT64_FORMAT "s reason=\"%s\"",
		  entry->id, outcome->temporary->len, attempts, delay,
		  outcome->last_temporary_reason ? outcome->last_temporary_reason : "");
	return pgl_spool_enqueue(delivery->spool, PGL_QUEUE_RETRY, retry, error);
}

/**
 * pgl_delivery_process_out:
 * @entry: a claimed message of the out queue
 * @delivery: the #PglDelivery
 *
 * A #PglRunnerProcessFunc: delivers @entry to its recipients.
 *
 * Returns: %TRUE once every recipient is delivered, bounced, or durably in the retry queue
 */
gboolean
pgl_delivery_process_out(PglSpoolEntry *entry, gpointer user_data, GError **error)
{
	PglDelivery *delivery = user_data;
	const PglConfig *config = pgl_context_get_config(delivery->ctx);
	const gchar *sender = pgl_spool_entry_get(entry, PGL_OUT_SENDER);
	gboolean verp = g_strcmp0(pgl_spool_entry_get(entry, PGL_OUT_VERP), "true") == 0;
	guint chunk = verp ? 1 : MAX(config->mta_max_recipients, 1);
	g_autoptr(GPtrArray) pending = NULL;
	g_autoptr(Outcome) outcome = outcome_new();
	const gchar *origin;

	/* Copies for retry inherit the origin, so what was delivered is known across them. */
	if (pgl_spool_entry_get(entry, PGL_OUT_ORIGIN) == NULL)
		pgl_spool_entry_set(entry, PGL_OUT_ORIGIN, entry->id);
	origin = pgl_spool_entry_get(entry, PGL_OUT_ORIGIN);
	if (sender == NULL)
		sender = "";
	pending = pgl_store_delivered_filter(delivery->store, origin,
					     (const gchar *const *)entry->recipients->pdata,
					     entry->recipients->len, error);
	if (pending == NULL)
		return FALSE;
	for (guint start = 0; start < pending->len; start += chunk) {
		guint n = MIN(chunk, pending->len - start);
		const gchar *const *recipients = (const gchar *const *)pending->pdata + start;
		g_autofree gchar *verp_sender = NULL;

		if (verp && sender[0] != '\0')
			verp_sender = pgl_delivery_verp_sender(sender, recipients[0]);
		transact(delivery, entry, verp_sender ? verp_sender : sender, recipients, n,
			 outcome);
		if (!record_delivered(delivery, origin, outcome, error))
			return FALSE;
		if (outcome->relay_failed) {
			/* the relay is down or refusing us: don't spend a time-out per chunk on
			 * it, everyone left waits for the next attempt */
			for (guint i = start + n; i < pending->len; i++)
				g_ptr_array_add(outcome->temporary,
						g_strdup(g_ptr_array_index(pending, i)));
			break;
		}
	}
	g_info("%s: action=delivered rcpts=%u retry=%u", entry->id, pending->len,
	       outcome->temporary->len);
	return schedule_retry(delivery, entry, outcome, error);
}

/**
 * pgl_delivery_retry_due:
 *
 * A #PglRunnerDueFunc for the retry queue.
 */
gint64
pgl_delivery_retry_due(PglSpoolEntry *entry, gpointer user_data)
{
	return pgl_spool_entry_get_int(entry, PGL_OUT_NEXT_ATTEMPT, 0);
}

/**
 * pgl_delivery_process_retry:
 *
 * A #PglRunnerProcessFunc for the retry queue: a message that fell due goes back to the out
 * queue, keeping its attempt count and the time of its first attempt.
 */
gboolean
pgl_delivery_process_retry(PglSpoolEntry *entry, gpointer user_data, GError **error)
{
	PglDelivery *delivery = user_data;
	g_autoptr(PglSpoolEntry) out = copy_entry(entry, entry->recipients);

	/* the same id: moving it twice (a crash in between) leaves one copy */
	out->id = g_strdup(entry->id);
	pgl_spool_entry_set(out, PGL_OUT_NEXT_ATTEMPT, NULL);
	return pgl_spool_enqueue(delivery->spool, PGL_QUEUE_OUT, out, error);
}
