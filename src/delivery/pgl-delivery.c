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
 * answer and the commit of that record. (PGP lists commit the record every PGP_RECORD_EVERY
 * accepted recipients: there, a crash can repeat up to that many deliveries, plus one
 * transaction's.)
 *
 * PGP lists (metadata "pgp"): the spooled message is sealed to the list key; delivery opens it
 * in memory and makes the copies. A post goes to each recipient with a confirmed, usable key
 * encrypted to that key and signed by the list (RFC 3156 §6.2, the real Subject inside), one
 * copy per [pgp] chunk_size recipients sharing one session key, their key IDs hidden when a
 * chunk holds several; VERP delivery makes one copy per recipient. A recipient without a
 * usable key gets what the list's unusable_key_action says (a signed notice, nothing, or the
 * post signed in clear), never the post in clear unless the owner chose that. A notice goes
 * encrypted where the recipient's key is usable and signed otherwise, unless it carries a
 * post's content (metadata "pgp_private"): then it is withheld. With encrypt_outgoing false,
 * posts go signed (sign_outgoing) in clear to everyone.
 */
#define G_LOG_DOMAIN "pgl-delivery"

#include "delivery/pgl-delivery.h"

#include "core/pgl-address.h"
#include "core/pgl-template.h"
#include "delivery/pgl-smtp-client.h"
#include "keys/pgl-list-crypto.h"
#include "mail/pgl-mail-notice.h"
#include "mail/pgl-mail.h"
#include "pgp/pgl-pgp-mime.h"
#include "store/pgl-store.h"
#include "util/pgl-sanitize.h"

#include <string.h>

struct _PglDelivery {
	PglContext *ctx;       /* (owned) */
	PglSpool *spool;       /* (unowned) */
	PglStore *store;       /* (owned) used by the out runner's thread only */
	PglSmtpClient *client; /* (owned) used by the out runner's thread only */
	/* The keys of the last PGP list delivered to, kept loaded for its next message while no
	 * key changes (the store's key generation) and the list is small (PGP_CACHE_MAX) */
	PglListCrypto *cached_crypto; /* (owned) (nullable) */
	gint64 cached_list_id;
	gint64 cached_generation;
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
	g_clear_pointer(&delivery->cached_crypto, pgl_list_crypto_free);
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
	guint record_every;	      /* record deliveries once this many are pending */
} Outcome;

static Outcome *
outcome_new(void)
{
	Outcome *outcome = g_new0(Outcome, 1);

	outcome->temporary = g_ptr_array_new_with_free_func(g_free);
	outcome->delivered = g_ptr_array_new_with_free_func(g_free);
	outcome->record_every = 1;
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

/* One SMTP transaction of @message; sorts its recipients into delivered, temporary and
 * bounced. */
static void
transact(PglDelivery *delivery, PglSpoolEntry *entry, GBytes *message, const gchar *sender,
	 const gchar *const *recipients, guint n, Outcome *outcome)
{
	PglSmtpReply *replies = NULL;
	g_autoptr(GError) error = NULL;

	if (!pgl_smtp_client_send(delivery->client, sender, recipients, n, message, &replies,
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

/* Sends @message to @recipients in transactions of @chunk recipients (one each with VERP) and
 * records who got it. Once the relay has failed as a whole, nobody else is tried: everyone left
 * waits for the next attempt. */
static gboolean
send_chunks(PglDelivery *delivery, PglSpoolEntry *entry, GBytes *message, const gchar *sender,
	    gboolean verp, const gchar *const *recipients, guint n_recipients, guint chunk,
	    const gchar *origin, Outcome *outcome, GError **error)
{
	if (verp)
		chunk = 1;
	for (guint start = 0; start < n_recipients; start += chunk) {
		guint n = MIN(chunk, n_recipients - start);
		g_autofree gchar *verp_sender = NULL;

		if (outcome->relay_failed) {
			/* the relay is down or refusing us: don't spend a time-out per chunk on
			 * it */
			for (guint i = start; i < n_recipients; i++)
				g_ptr_array_add(outcome->temporary, g_strdup(recipients[i]));
			break;
		}
		if (verp && sender[0] != '\0')
			verp_sender = pgl_delivery_verp_sender(sender, recipients[start]);
		transact(delivery, entry, message, verp_sender ? verp_sender : sender,
			 recipients + start, n, outcome);
		if (outcome->delivered->len >= outcome->record_every &&
		    !record_delivered(delivery, origin, outcome, error))
			return FALSE;
	}
	return TRUE;
}

/* The signed notice a member without a usable key gets instead of a post. */
static GBytes *
no_key_notice(PglDelivery *delivery, const PglList *list, PglListCrypto *crypto,
	      const gchar *recipient, GError **error)
{
	g_autoptr(GHashTable) variables = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
								 g_free);
	g_autofree gchar *owner = pgl_list_subaddress(list, "owner");
	g_autofree gchar *subject = NULL;
	g_autofree gchar *body = NULL;
	g_autoptr(GMimeMessage) notice = NULL;

	g_hash_table_insert(variables, "display_name", pgl_list_get_display_name(list));
	g_hash_table_insert(variables, "list_address", g_strdup(list->address));
	g_hash_table_insert(variables, "owner_address", g_strdup(owner));
	g_hash_table_insert(variables, "request_address", pgl_list_subaddress(list, "request"));
	body = pgl_template_render(delivery->ctx, "no-key", variables, error);
	if (body == NULL)
		return NULL;
	subject = g_strdup_printf("A message to %s was not sent to you", list->address);
	notice = pgl_mail_build_notice(owner, recipient, subject, body, NULL,
				       pgl_context_get_hostname(delivery->ctx));
	return pgl_pgp_mime_build_signed(pgl_list_crypto_get_keyring(crypto),
					 pgl_list_crypto_get_fingerprint(crypto), notice, error);
}

/* @message as sent in clear: signed by the list if @sign. */
static GBytes *
clear_copy(PglListCrypto *crypto, GMimeMessage *message, gboolean sign, GError **error)
{
	if (!sign)
		return pgl_mail_to_bytes(message);
	return pgl_pgp_mime_build_signed(pgl_list_crypto_get_keyring(crypto),
					 pgl_list_crypto_get_fingerprint(crypto), message, error);
}

/* Recipients of a PGP list message, by whether the list can encrypt to them. */
typedef struct {
	GPtrArray *keyed;	 /* (owned) addresses with a confirmed, usable key */
	GPtrArray *fingerprints; /* (owned) their keys, parallel to @keyed, NULL-terminated */
	GPtrArray *keyless;	 /* (owned) everyone else */
} Recipients;

static void
recipients_clear(Recipients *recipients)
{
	g_clear_pointer(&recipients->keyed, g_ptr_array_unref);
	g_clear_pointer(&recipients->fingerprints, g_ptr_array_unref);
	g_clear_pointer(&recipients->keyless, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Recipients, recipients_clear)

static gboolean
sort_recipients(PglDelivery *delivery, PglListCrypto *crypto, const gchar *const *addresses,
		guint n_addresses, Recipients *recipients, GError **error)
{
	recipients->keyed = g_ptr_array_new_with_free_func(g_free);
	recipients->fingerprints = g_ptr_array_new_with_free_func(g_free);
	recipients->keyless = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < n_addresses; i++) {
		const gchar *address = addresses[i];
		g_autofree gchar *fingerprint = NULL;
		PglAddressKeyState state;

		if (!pgl_list_crypto_load_address(crypto, delivery->store, address, &state,
						  &fingerprint, error))
			return FALSE;
		if (state == PGL_ADDRESS_KEY_USABLE) {
			g_ptr_array_add(recipients->keyed, g_strdup(address));
			g_ptr_array_add(recipients->fingerprints, g_steal_pointer(&fingerprint));
		} else {
			g_ptr_array_add(recipients->keyless, g_strdup(address));
		}
	}
	g_ptr_array_add(recipients->fingerprints, NULL);
	return TRUE;
}

/* The relay failed as a whole: everyone from @start on waits for the next attempt, without
 * spending crypto on copies that cannot be sent now. */
static void
defer_rest(Outcome *outcome, GPtrArray *addresses, guint start)
{
	for (guint i = start; i < addresses->len; i++)
		g_ptr_array_add(outcome->temporary, g_strdup(g_ptr_array_index(addresses, i)));
}

/* A copy for @n keyed recipients from @start could not be made (their key is not usable after
 * all, or the engine failed): they are treated as members without a usable key. */
static void
fall_back_to_keyless(PglSpoolEntry *entry, Recipients *recipients, guint start, guint n,
		     const GError *error)
{
	for (guint i = start; i < start + n; i++) {
		const gchar *address = g_ptr_array_index(recipients->keyed, i);

		g_warning("%s: to=%s action=no-encrypted-copy reason=\"%s\"", entry->id, address,
			  error->message);
		g_ptr_array_add(recipients->keyless, g_strdup(address));
	}
}

/* Sends @message to the keyed recipients, encrypted to their keys in copies of @chunk
 * recipients (key IDs hidden when a copy has several), signed by @signer if given. A copy that
 * cannot be made moves its recipients to the keyless ones. Once the relay has failed as a
 * whole, no more copies are made: everyone left, keyless ones included, waits for the next
 * attempt, and *@deferred_out says so. */
static gboolean
send_encrypted(PglDelivery *delivery, PglSpoolEntry *entry, PglListCrypto *crypto,
	       const gchar *signer, GMimeMessage *message, GBytes *payload,
	       Recipients *recipients, guint chunk, const gchar *sender, gboolean verp,
	       const gchar *origin, Outcome *outcome, gboolean *deferred_out, GError **error)
{
	PglPgpKeyring *keyring = pgl_list_crypto_get_keyring(crypto);

	*deferred_out = FALSE;
	for (guint start = 0, n_keyed = recipients->keyed->len; start < n_keyed; start += chunk) {
		guint n = MIN(chunk, n_keyed - start);
		g_autoptr(GPtrArray) fingerprints = g_ptr_array_new();
		g_autoptr(GBytes) copy = NULL;
		g_autoptr(GError) copy_error = NULL;

		if (outcome->relay_failed) {
			defer_rest(outcome, recipients->keyed, start);
			defer_rest(outcome, recipients->keyless, 0);
			*deferred_out = TRUE;
			return TRUE;
		}
		for (guint i = 0; i < n; i++)
			g_ptr_array_add(fingerprints, recipients->fingerprints->pdata[start + i]);
		g_ptr_array_add(fingerprints, NULL);
		copy = pgl_pgp_mime_build_encrypted(
			keyring, signer, (const gchar *const *)fingerprints->pdata, message,
			payload, n > 1 ? PGL_PGP_ENCRYPT_HIDE_RECIPIENTS : PGL_PGP_ENCRYPT_NONE,
			&copy_error);
		if (copy == NULL) {
			fall_back_to_keyless(entry, recipients, start, n, copy_error);
			continue;
		}
		if (!send_chunks(delivery, entry, copy, sender, verp,
				 (const gchar *const *)recipients->keyed->pdata + start, n, n, origin,
				 outcome, error))
			return FALSE;
	}
	return TRUE;
}

/* A notice of a PGP list: encrypted to each recipient whose key is usable, signed otherwise. */
static gboolean
deliver_pgp_notice(PglDelivery *delivery, PglSpoolEntry *entry, PglListCrypto *crypto,
		   GMimeMessage *message, Recipients *recipients, const gchar *sender,
		   gboolean verp, const gchar *origin, Outcome *outcome, GError **error)
{
	const PglConfig *config = pgl_context_get_config(delivery->ctx);
	gboolean private = g_strcmp0(pgl_spool_entry_get(entry, PGL_OUT_PGP_PRIVATE), "true") == 0;
	gboolean deferred = FALSE;

	/* one recipient per copy: the notice names them in To: */
	if (!send_encrypted(delivery, entry, crypto, pgl_list_crypto_get_fingerprint(crypto),
			    message, NULL, recipients, 1, sender, verp, origin, outcome, &deferred,
			    error))
		return FALSE;
	if (deferred)
		return TRUE;
	if (recipients->keyless->len == 0)
		return TRUE;
	if (private) {
		/* it carries a post's content and the key it was meant for is gone */
		for (guint i = 0; i < recipients->keyless->len; i++)
			g_warning("%s: to=%s action=withheld reason=\"notice with private content, "
				  "and no usable key\"",
				  entry->id, (const gchar *)g_ptr_array_index(recipients->keyless, i));
		return TRUE;
	}
	{
		g_autoptr(GBytes) signed_copy = clear_copy(crypto, message, TRUE, error);

		return signed_copy != NULL &&
		       send_chunks(delivery, entry, signed_copy, sender, verp,
				   (const gchar *const *)recipients->keyless->pdata,
				   recipients->keyless->len, MAX(config->mta_max_recipients, 1),
				   origin, outcome, error);
	}
}

/* A post of a PGP list (see the file comment). */
static gboolean
deliver_pgp_post(PglDelivery *delivery, PglSpoolEntry *entry, const PglList *list,
		 PglListCrypto *crypto, GMimeMessage *message, GBytes *payload,
		 Recipients *recipients, const gchar *sender, gboolean verp, const gchar *origin,
		 Outcome *outcome, GError **error)
{
	const PglConfig *config = pgl_context_get_config(delivery->ctx);
	guint bulk = MAX(config->mta_max_recipients, 1);
	guint chunk = MIN(MAX(config->pgp_chunk_size, 1), bulk);
	gboolean sign = pgl_list_get_bool(list, "sign_outgoing");
	const gchar *signer = sign ? pgl_list_crypto_get_fingerprint(crypto) : NULL;
	const gchar *action = pgl_list_get(list, "unusable_key_action");
	gboolean deferred = FALSE;

	if (!pgl_list_get_bool(list, "encrypt_outgoing")) {
		g_autoptr(GBytes) copy = clear_copy(crypto, message, sign, error);

		if (copy == NULL)
			return FALSE;
		return send_chunks(delivery, entry, copy, sender, verp,
				   (const gchar *const *)recipients->keyed->pdata,
				   recipients->keyed->len, bulk, origin, outcome, error) &&
		       send_chunks(delivery, entry, copy, sender, verp,
				   (const gchar *const *)recipients->keyless->pdata,
				   recipients->keyless->len, bulk, origin, outcome, error);
	}
	if (!send_encrypted(delivery, entry, crypto, signer, message, payload, recipients,
			    verp ? 1 : chunk, sender, verp, origin, outcome, &deferred, error))
		return FALSE;
	if (deferred)
		return TRUE;
	if (recipients->keyless->len == 0)
		return TRUE;
	if (g_strcmp0(action, "plaintext") == 0) {
		g_autoptr(GBytes) copy = clear_copy(crypto, message, sign, error);

		g_message("%s: action=deliver-unencrypted rcpts=%u reason=\"no usable key\"",
			  entry->id, recipients->keyless->len);
		return copy != NULL &&
		       send_chunks(delivery, entry, copy, sender, verp,
				   (const gchar *const *)recipients->keyless->pdata,
				   recipients->keyless->len, bulk, origin, outcome, error);
	}
	for (guint i = 0; i < recipients->keyless->len; i++) {
		const gchar *address = g_ptr_array_index(recipients->keyless, i);
		g_autoptr(GBytes) notice = NULL;

		if (outcome->relay_failed) {
			defer_rest(outcome, recipients->keyless, i);
			return TRUE;
		}
		if (g_strcmp0(action, "skip") == 0) {
			g_message("%s: to=%s action=skip reason=\"no usable key\"", entry->id,
				  address);
			continue;
		}
		g_message("%s: to=%s action=no-key-notice", entry->id, address);
		notice = no_key_notice(delivery, list, crypto, address, error);
		if (notice == NULL ||
		    !send_chunks(delivery, entry, notice, sender, verp, &address, 1, 1, origin,
				 outcome, error))
			return FALSE;
	}
	return TRUE;
}

/* Recipients whose keys are loaded at once: RNP's import walks every key already in the
 * keyring (quadratic), and each loaded key takes ~30 KiB; a fresh keyring per batch keeps both
 * bounded whatever the size of the list (bench/README.md). */
#define PGP_BATCH 256

/* The largest list whose keys stay loaded between messages (~30 KiB each: at most ~30 MiB):
 * importing a key costs about as much as encrypting to it, so for lists up to this size the
 * next post costs half. Larger lists go by fresh batches. */
#define PGP_CACHE_MAX 1024

/* Deliveries recorded per commit on the copy-per-recipient path: one fsync per copy would
 * be most of the waiting; after a crash at most this many members get a copy twice. */
#define PGP_RECORD_EVERY 32

/* A list's keys for @n recipients: the cached ones if still current (same list, no key
 * changed since) and the list is small enough to keep, else fresh ones (kept for next time
 * when small enough). Returns the keys in *@crypto_out, borrowed from the cache or owned by
 * *@owned_out. */
static gboolean
list_crypto(PglDelivery *delivery, const PglList *list, guint n, PglListCrypto **crypto_out,
	    PglListCrypto **owned_out, GError **error)
{
	g_autoptr(PglListCrypto) crypto = NULL;
	gint64 generation = 0;
	gboolean keep = n <= PGP_CACHE_MAX;

	*crypto_out = NULL;
	*owned_out = NULL;
	if (keep && !pgl_store_key_generation(delivery->store, &generation, error))
		return FALSE;
	/* (notices to others than members add keys: drop the cache before it grows large) */
	if (keep && delivery->cached_crypto != NULL && delivery->cached_list_id == list->id &&
	    delivery->cached_generation == generation &&
	    pgl_pgp_keyring_get_n_keys(pgl_list_crypto_get_keyring(delivery->cached_crypto)) <=
		    2 * PGP_CACHE_MAX) {
		*crypto_out = delivery->cached_crypto;
		return TRUE;
	}
	g_clear_pointer(&delivery->cached_crypto, pgl_list_crypto_free);
	if (!pgl_list_crypto_open(delivery->ctx, delivery->store, list, &crypto, error))
		return FALSE;
	if (crypto == NULL) {
		g_set_error(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_CORRUPT,
			    "list %s has no key pair any more: cannot open its sealed message",
			    list->address);
		return FALSE;
	}
	if (keep) {
		delivery->cached_crypto = g_steal_pointer(&crypto);
		delivery->cached_list_id = list->id;
		delivery->cached_generation = generation;
		*crypto_out = delivery->cached_crypto;
	} else {
		*crypto_out = crypto;
		*owned_out = g_steal_pointer(&crypto);
	}
	return TRUE;
}

static gboolean
deliver_pgp(PglDelivery *delivery, PglSpoolEntry *entry, GPtrArray *pending, const gchar *sender,
	    gboolean verp, const gchar *origin, Outcome *outcome, GError **error)
{
	gint64 list_id = pgl_spool_entry_get_int(entry, PGL_OUT_LIST_ID, 0);
	const gchar *kind = pgl_spool_entry_get(entry, PGL_OUT_PGP);
	gboolean post = g_strcmp0(kind, PGL_OUT_PGP_POST) == 0;
	g_autoptr(PglList) list = NULL;
	g_autoptr(PglListCrypto) owned = NULL;
	g_autoptr(GBytes) plaintext = NULL;
	g_autoptr(GBytes) payload = NULL;
	g_autoptr(GMimeMessage) message = NULL;
	PglListCrypto *crypto = NULL;
	guint batch;

	if (!post && g_strcmp0(kind, PGL_OUT_PGP_NOTICE) != 0) {
		g_set_error(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_CORRUPT,
			    "unknown PGP delivery kind \"%s\"", kind);
		return FALSE;
	}
	list = pgl_store_list_lookup_by_id(delivery->store, list_id, error);
	if (list == NULL)
		return FALSE;
	if (!list_crypto(delivery, list, pending->len, &crypto, &owned, error))
		return FALSE;
	plaintext = pgl_list_crypto_unseal(crypto, entry->message, error);
	if (plaintext == NULL) {
		g_prefix_error(error, "cannot open the sealed message: ");
		return FALSE;
	}
	if (!pgl_mail_parse(delivery->ctx, plaintext, &message, error))
		return FALSE;
	/* the protected payload is the same for every copy */
	if (post && pgl_list_get_bool(list, "encrypt_outgoing"))
		payload = pgl_pgp_mime_build_payload(message);
	outcome->record_every = PGP_RECORD_EVERY;
	/* kept keys: one keyring for all; otherwise a fresh one per batch */
	batch = owned == NULL ? MAX(pending->len, 1) : PGP_BATCH;
	for (guint start = 0; start < pending->len; start += batch) {
		guint n = MIN(batch, pending->len - start);
		g_auto(Recipients) recipients = {0};
		gboolean ok;

		if (outcome->relay_failed) {
			for (guint i = start; i < pending->len; i++)
				g_ptr_array_add(outcome->temporary,
						g_strdup(g_ptr_array_index(pending, i)));
			break;
		}
		if (start > 0) {
			g_clear_pointer(&owned, pgl_list_crypto_free);
			if (!list_crypto(delivery, list, pending->len, &crypto, &owned, error))
				return FALSE;
		}
		if (!sort_recipients(delivery, crypto,
				     (const gchar *const *)pending->pdata + start, n, &recipients,
				     error))
			return FALSE;
		g_info("%s: list=%s pgp=%s batch=%u encrypt-to=%u no-key=%u", entry->id,
		       list->address, kind, start / batch, recipients.keyed->len,
		       recipients.keyless->len);
		if (post)
			ok = deliver_pgp_post(delivery, entry, list, crypto, message, payload,
					      &recipients, sender, verp, origin, outcome, error);
		else
			ok = deliver_pgp_notice(delivery, entry, crypto, message, &recipients,
						sender, verp, origin, outcome, error);
		if (!ok)
			return FALSE;
	}
	return record_delivered(delivery, origin, outcome, error);
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
	if (pgl_spool_entry_get(entry, PGL_OUT_PGP) != NULL) {
		if (!deliver_pgp(delivery, entry, pending, sender, verp, origin, outcome, error)) {
			/* keep what was delivered before the failure, so that no one gets it twice */
			g_autoptr(GError) record_error = NULL;

			if (!record_delivered(delivery, origin, outcome, &record_error))
				g_warning("%s: cannot record deliveries: %s", entry->id,
					  record_error->message);
			return FALSE;
		}
	} else if (!send_chunks(delivery, entry, entry->message, sender, verp,
				(const gchar *const *)pending->pdata, pending->len, chunk, origin,
				outcome, error)) {
		return FALSE;
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
