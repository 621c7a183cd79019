/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The processing stages between arrival and delivery, one runner each:
 *
 *  in:        route by recipient. Mail for the posting address runs the posting chain
 *             (src/pipeline) and is then accepted (-> pipeline queue), held (-> database,
 *             notices), rejected (-> notice) or discarded; -owner mail is forwarded to the
 *             owners; -bounces mail is recorded; command addresses go to the command queue.
 *  pipeline:  the handlers (List-* headers, prefix, footer, ...), then one out message for all
 *             members with delivery enabled.
 *
 * Every decision is logged as key=value and written to the audit table. Whatever a stage
 * produces is durable (spool or database) before the stage returns, so the runner may remove
 * the message it came from. A message that cannot be parsed is answered with a notice where
 * that is allowed, and kept in the bad queue.
 */
#define G_LOG_DOMAIN "pgl-app"

#include "app/pgl-stages.h"

#include "app/pgl-notice.h"
#include "app/pgl-pgp-post.h"
#include "app/pgl-router.h"
#include "core/pgl-address.h"
#include "delivery/pgl-delivery.h"
#include "mail/pgl-mail-headers.h"
#include "mail/pgl-mail.h"
#include "pipeline/pgl-chain.h"
#include "pipeline/pgl-pipeline.h"
#include "util/pgl-sanitize.h"

#include <string.h>

/**
 * pgl_stage_new:
 * @spool: (transfer none): must outlive the stage
 *
 * Returns: (transfer full) (nullable): a stage with its own database connection
 */
PglStage *
pgl_stage_new(PglContext *ctx, PglSpool *spool, GError **error)
{
	g_autoptr(PglStage) stage = g_new0(PglStage, 1);

	stage->ctx = pgl_context_ref(ctx);
	stage->spool = spool;
	stage->store = pgl_store_open(ctx, error);
	if (stage->store == NULL)
		return NULL;
	return g_steal_pointer(&stage);
}

void
pgl_stage_free(PglStage *stage)
{
	if (stage == NULL)
		return;
	g_clear_pointer(&stage->store, pgl_store_free);
	g_clear_pointer(&stage->ctx, pgl_context_unref);
	g_free(stage);
}

/**
 * pgl_stage_enqueue_in:
 * @recipient: the envelope recipient (an address of a list)
 * @envelope_from: the envelope sender, "" for the null sender
 * @message: the message as received
 * @id_out: (out) (optional) (transfer full): the spool id
 *
 * Puts a newly arrived message in the in queue; durable when this returns %TRUE.
 */
gboolean
pgl_stage_enqueue_in(PglContext *ctx, PglSpool *spool, const gchar *recipient,
		     const gchar *envelope_from, GBytes *message, gchar **id_out, GError **error)
{
	g_autoptr(PglSpoolEntry) entry = pgl_spool_entry_new(NULL, message);

	pgl_spool_entry_set(entry, PGL_IN_RECIPIENT, recipient);
	pgl_spool_entry_set(entry, PGL_IN_ENVELOPE_FROM, envelope_from ? envelope_from : "");
	pgl_spool_entry_set_int(entry, PGL_IN_RECEIVED, pgl_context_now(ctx));
	if (!pgl_spool_enqueue(spool, PGL_QUEUE_IN, entry, error))
		return FALSE;
	if (id_out != NULL)
		*id_out = g_strdup(entry->id);
	return TRUE;
}

static void
audit(PglStage *stage, const PglList *list, const gchar *log_id, const gchar *action,
      const gchar *reason, const gchar *actor)
{
	g_autoptr(GError) error = NULL;

	if (!pgl_store_audit_add(stage->store, list->id, log_id, action, reason, actor,
				 pgl_context_now(stage->ctx), &error))
		g_warning("%s: cannot write audit record: %s", log_id, error->message);
}

/* The owners, or the site owner for a list that has none. */
static GStrv
owner_addresses(PglStage *stage, const PglList *list, gboolean with_moderators, GError **error)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_autoptr(GPtrArray) owners = NULL;
	guint count = 0;

	owners = pgl_store_member_list(stage->store, list->id, PGL_ROLE_OWNER, error);
	if (owners == NULL)
		return NULL;
	for (guint i = 0; i < owners->len; i++, count++)
		g_strv_builder_add(builder, ((PglMember *)g_ptr_array_index(owners, i))->address);
	if (with_moderators) {
		g_autoptr(GPtrArray) moderators =
			pgl_store_member_list(stage->store, list->id, PGL_ROLE_MODERATOR, error);

		if (moderators == NULL)
			return NULL;
		for (guint i = 0; i < moderators->len; i++, count++)
			g_strv_builder_add(
				builder, ((PglMember *)g_ptr_array_index(moderators, i))->address);
	}
	if (count == 0)
		g_strv_builder_add(builder, pgl_context_get_config(stage->ctx)->site_owner);
	return g_strv_builder_end(builder);
}

/* Spool id of a notice caused by the message @entry: a repeated stage replaces, not adds. */
static gchar *
notice_id(PglSpoolEntry *entry, const gchar *kind)
{
	return g_strdup_printf("%s-%s", entry->id, kind);
}

/* Where an answer about a message goes: its sender, if the envelope agrees; otherwise the
 * envelope sender, which is where the MTA sends problems too. Anyone can forge From:; answering
 * From: alone would let anyone aim our notices at a third party (backscatter). */
static gchar *
answer_address(const gchar *envelope_from, const gchar *sender)
{
	g_autofree gchar *envelope = NULL;

	if (envelope_from == NULL || envelope_from[0] == '\0')
		return NULL;
	envelope = pgl_address_normalize(envelope_from, NULL);
	if (sender != NULL && g_strcmp0(envelope, sender) == 0)
		return g_strdup(sender);
	return g_steal_pointer(&envelope);
}

/* @about_subject: the subject of the message the notice is about, as the notice may show it
 * (on a PGP list, the outer one: the real Subject is as private as the body) */
static gboolean
notify_sender(PglStage *stage, PglSpoolEntry *entry, const PglList *list,
	      PglListCrypto *crypto, GMimeMessage *message, const gchar *about_subject, const gchar *envelope_from,
	      const gchar *sender, const gchar *kind, const gchar *subject_line,
	      const gchar *template_name, const gchar *reason, gboolean attach, GError **error)
{
	g_autoptr(GHashTable) variables = pgl_notice_variables(list);
	g_autofree gchar *to = answer_address(envelope_from, sender);
	g_autofree gchar *id = notice_id(entry, kind);
	const gchar *recipients[] = {to, NULL};

	if (to == NULL || !pgl_notice_may_answer(message, envelope_from, to))
		return TRUE;
	/* a post that claims to come from the list itself: the answer would come straight back */
	if (pgl_list_is_own_address(list, to)) {
		g_info("%s: list=%s notice=%s not sent: addressed to the list itself", entry->id,
		       list->address, kind);
		return TRUE;
	}
	g_hash_table_insert(variables, "subject",
			    pgl_sanitize(about_subject ? about_subject : "(no subject)", -1, 200));
	g_hash_table_insert(variables, "reason", g_strdup(reason));
	return pgl_notice_send(stage->ctx, stage->store, stage->spool, list, crypto, id,
			       recipients,
			       subject_line, template_name, variables, attach ? message : NULL,
			       error);
}

/* The bytes to keep or queue for a message of @list: sealed to the list key on a PGP list. */
static GBytes *
message_bytes(PglListCrypto *crypto, GMimeMessage *message, GError **error)
{
	g_autoptr(GBytes) bytes = pgl_mail_to_bytes(message);

	if (crypto == NULL)
		return g_steal_pointer(&bytes);
	return pgl_list_crypto_seal(crypto, bytes, error);
}

static gboolean
hold(PglStage *stage, PglSpoolEntry *entry, const PglList *list, PglListCrypto *crypto,
     GMimeMessage *message, const gchar *about_subject, const gchar *envelope_from,
     const gchar *sender, const gchar *log_id, const gchar *reason, GError **error)
{
	g_autofree gchar *safe_subject = pgl_sanitize(about_subject ? about_subject : "", -1, 200);
	g_autofree gchar *display_name = pgl_list_get_display_name(list);
	g_autoptr(GBytes) bytes = message_bytes(crypto, message, error);
	const gchar *message_id = g_mime_message_get_message_id(message);
	gint64 held_id;

	if (bytes == NULL)
		return FALSE;
	/* keyed by the spool id: a repeat after a crash finds the first hold */
	held_id = pgl_store_held_add(stage->store, list->id, entry->id, sender ? sender : "",
				     safe_subject, reason, message_id, bytes, crypto != NULL,
				     error);
	if (held_id <= 0)
		return FALSE;
	if (pgl_list_get_bool(list, "admin_immed_notify")) {
		g_auto(GStrv) moderators = owner_addresses(stage, list, TRUE, error);
		g_autoptr(GHashTable) variables = pgl_notice_variables(list);
		g_autofree gchar *notice_subject = NULL;
		g_autofree gchar *id = notice_id(entry, "held-moderators");

		if (moderators == NULL)
			return FALSE;
		g_hash_table_insert(variables, "sender",
				    pgl_sanitize(sender ? sender : "(unknown)", -1, 200));
		g_hash_table_insert(variables, "subject", g_strdup(safe_subject));
		g_hash_table_insert(variables, "reason", g_strdup(reason));
		g_hash_table_insert(variables, "id", g_strdup_printf("%" G_GINT64_FORMAT, held_id));
		notice_subject = g_strdup_printf("%s post from %s requires approval",
						 display_name, sender ? sender : "(unknown)");
		if (!pgl_notice_send(stage->ctx, stage->store, stage->spool, list, crypto, id,
				     (const gchar *const *)moderators, notice_subject,
				     "held-moderator", variables, message, error))
			return FALSE;
	}
	if (pgl_list_get_bool(list, "respond_to_post_requests")) {
		g_autofree gchar *notice_subject =
			g_strdup_printf("Your message to %s awaits moderator approval", list->address);

		if (!notify_sender(stage, entry, list, crypto, message, about_subject, envelope_from,
				   sender, "held-poster", notice_subject, "held-poster", reason,
				   FALSE, error))
			return FALSE;
	}
	g_message("%s: list=%s action=held id=%" G_GINT64_FORMAT " sender=%s reason=\"%s\"",
		  log_id, list->address, held_id, sender ? sender : "", reason);
	return TRUE;
}

/* A posting with the sender's rows on the list looked up; @roles_out keeps them alive. */
static PglPosting *
posting_new(PglStage *stage, const PglList *list, GMimeMessage *message, gsize raw_size,
	    const gchar *envelope_from, GPtrArray **roles_out, GError **error)
{
	g_autoptr(PglPosting) posting = pgl_posting_new(stage->ctx, list, message, raw_size,
							envelope_from, NULL);
	g_autoptr(GPtrArray) roles = NULL;

	if (posting->sender != NULL) {
		roles = pgl_store_member_roles(stage->store, list->id, posting->sender, error);
		if (roles == NULL)
			return NULL;
	} else {
		roles = g_ptr_array_new_with_free_func((GDestroyNotify)pgl_member_free);
	}
	posting->sender_roles = roles;
	*roles_out = g_steal_pointer(&roles);
	return g_steal_pointer(&posting);
}

static gboolean
enqueue_pipeline(PglStage *stage, PglSpoolEntry *entry, const PglList *list,
		 PglListCrypto *crypto, GMimeMessage *message, const gchar *envelope_from,
		 const gchar *approved_by, GError **error)
{
	g_autoptr(GBytes) bytes = message_bytes(crypto, message, error);
	g_autoptr(PglSpoolEntry) next = NULL;

	if (bytes == NULL)
		return FALSE;
	next = pgl_spool_entry_new(NULL, bytes);
	/* the same id all the way to delivery: a stage repeated after a crash replaces its
	 * output, and delivery skips the members the first pass reached */
	next->id = g_strdup(entry->id);
	pgl_spool_entry_set_int(next, PGL_IN_LIST_ID, list->id);
	pgl_spool_entry_set(next, PGL_IN_ENVELOPE_FROM, envelope_from ? envelope_from : "");
	pgl_spool_entry_set(next, PGL_IN_APPROVED_BY, approved_by);
	if (crypto != NULL)
		pgl_spool_entry_set(next, PGL_IN_SEALED, "true");
	return pgl_spool_enqueue(stage->spool, PGL_QUEUE_PIPELINE, next, error);
}

/* A post that could not be read: told to the sender where that is allowed, logged, audited. */
static gboolean
refuse_unreadable(PglStage *stage, PglSpoolEntry *entry, const PglList *list,
		  PglListCrypto *crypto, GMimeMessage *message, const gchar *envelope_from, const gchar *sender,
		  const gchar *about_subject, const gchar *log_id, const gchar *why,
		  GError **error)
{
	g_autofree gchar *reason = pgl_sanitize(why, -1, 500);
	g_autofree gchar *subject =
		g_strdup_printf("Your message to %s could not be posted", list->address);

	g_message("%s: list=%s sender=%s action=reject rule=pgp-open reason=\"%s\"", log_id,
		  list->address, sender ? sender : "(none)", reason);
	audit(stage, list, log_id, "reject", reason, "pgp-open");
	return notify_sender(stage, entry, list, crypto, message, about_subject, envelope_from,
			     sender, "rejected", subject, "rejected", reason, FALSE, error);
}

static gboolean
process_post(PglStage *stage, PglSpoolEntry *entry, const PglList *list,
	     const gchar *envelope_from, GError **error)
{
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GError) parse_error = NULL;
	g_autoptr(PglPosting) posting = NULL;
	g_autoptr(GPtrArray) roles = NULL;
	g_autoptr(PglVerdict) verdict = NULL;
	g_autoptr(PglListCrypto) crypto = NULL;
	g_autoptr(PglPgpPost) pgp_post = NULL;
	g_autofree gchar *log_id = NULL;
	g_autofree gchar *reason = NULL;
	g_autofree gchar *about_subject = NULL;
	g_autofree gchar *message_id = NULL;

	if (!pgl_mail_parse(stage->ctx, entry->message, &message, &parse_error)) {
		g_autofree gchar *sender = pgl_address_normalize(envelope_from, NULL);
		g_autoptr(GHashTable) variables = pgl_notice_variables(list);
		g_autofree gchar *why = g_strdup_printf("The message could not be read: %s",
							parse_error->message);
		g_autofree gchar *id = notice_id(entry, "unreadable");
		const gchar *recipients[] = {sender, NULL};

		if (sender != NULL && pgl_notice_may_answer(NULL, envelope_from, sender)) {
			g_hash_table_insert(variables, "subject", g_strdup("(unreadable message)"));
			g_hash_table_insert(variables, "reason", g_strdup(why));
			if (!pgl_notice_send(stage->ctx, stage->store, stage->spool, list, NULL,
					     id, recipients, "Your message could not be posted",
					     "rejected", variables, NULL, error))
				return FALSE;
		}
		g_set_error(error, PGL_MAIL_ERROR, parse_error->code, "list=%s %s", list->address,
			    why);
		return FALSE;
	}
	log_id = pgl_mail_get_log_id(message);
	/* One of our own notices sent to a posting address (a list that is its own owner or
	 * moderator, a notice forwarded back): never moderate it, never answer it, or every round
	 * makes another notice. */
	if (pgl_mail_get_header(message, "X-pgplist-Notice") != NULL) {
		g_message("%s: list=%s action=discard reason=\"a pgplist notice sent to a list\"",
			  log_id, list->address);
		audit(stage, list, log_id, "discard", "a pgplist notice sent to a list", "loop");
		return TRUE;
	}
	/* A post the list has taken (accepted or held) before, under the same Message-ID: the
	 * MTA delivered it again (an LMTP reply it did not get, say). Dropped without an answer:
	 * the first one was answered. A post refused before may come again (fixed). */
	message_id = g_strdup(g_mime_message_get_message_id(message));
	if (message_id != NULL) {
		gboolean seen = FALSE;

		if (!pgl_store_message_id_seen(stage->store, list->id, message_id, entry->id, &seen,
					       error))
			return FALSE;
		if (seen) {
			g_message("%s: list=%s action=discard reason=\"the list has taken this "
				  "Message-ID before (a redelivery)\"",
				  log_id, list->address);
			audit(stage, list, log_id, "discard", "duplicate Message-ID", "duplicate");
			return TRUE;
		}
	}
	/* what notices may say the post was about: on a PGP list the outer Subject only */
	about_subject = pgl_mail_get_subject(message);
	if (!pgl_list_crypto_open(stage->ctx, stage->store, list, &crypto, error))
		return FALSE;
	if (crypto != NULL) {
		g_autofree gchar *sender = pgl_mail_sender(message, envelope_from);

		pgp_post = pgl_pgp_post_open(stage->ctx, stage->store, crypto, list,
					     entry->message, message, sender, entry->id, error);
		if (pgp_post == NULL)
			return FALSE;
		if (pgp_post->refusal != NULL)
			return refuse_unreadable(stage, entry, list, crypto, message, envelope_from,
						 sender, about_subject, log_id,
						 pgp_post->refusal, error);
		g_clear_object(&message);
		message = g_object_ref(pgp_post->message);
	}
	posting = posting_new(stage, list, message, g_bytes_get_size(entry->message),
			      envelope_from, &roles, error);
	if (posting == NULL)
		return FALSE;
	if (pgp_post != NULL)
		posting->pgp = g_steal_pointer(&pgp_post->pgp);
	verdict = pgl_chain_run(posting);
	reason = pgl_sanitize(verdict->reason ? verdict->reason : "", -1, 500);
	if (posting->pgp != NULL && verdict->action == PGL_ACTION_HOLD) {
		/* moderators see what the PGP checks found */
		g_autofree gchar *with_pgp = g_strdup_printf("%s [OpenPGP: %s]", reason,
							     posting->pgp->detail);

		g_free(reason);
		reason = pgl_sanitize(with_pgp, -1, 800);
	}
	g_message("%s: list=%s sender=%s action=%s rule=%s reason=\"%s\"%s%s%s", log_id,
		  list->address, posting->sender ? posting->sender : "(none)",
		  pgl_action_to_string(verdict->action), verdict->rule ? verdict->rule : "-",
		  reason, posting->pgp ? " pgp=\"" : "",
		  posting->pgp ? posting->pgp->detail : "", posting->pgp ? "\"" : "");
	audit(stage, list, log_id, pgl_action_to_string(verdict->action), reason,
	      verdict->rule ? verdict->rule : "chain");

	if ((verdict->action == PGL_ACTION_ACCEPT || verdict->action == PGL_ACTION_HOLD) &&
	    message_id != NULL) {
		gboolean seen = FALSE;

		if (!pgl_store_message_id_check(stage->store, list->id, message_id,
						pgl_context_now(stage->ctx), entry->id, &seen,
						error))
			return FALSE;
	}
	switch (verdict->action) {
	case PGL_ACTION_DEFER:
	case PGL_ACTION_ACCEPT:
		if (pgp_post != NULL &&
		    !pgl_pgp_post_record_digests(stage->store, list, pgp_post, entry->id, error))
			return FALSE;
		return enqueue_pipeline(stage, entry, list, crypto, message, envelope_from,
					verdict->rule ? verdict->rule : "chain", error);
	case PGL_ACTION_HOLD:
		/* a held post's signatures are spoken for: a copy sent again is a replay */
		if (pgp_post != NULL &&
		    !pgl_pgp_post_record_digests(stage->store, list, pgp_post, entry->id, error))
			return FALSE;
		return hold(stage, entry, list, crypto, message, about_subject, envelope_from,
			    posting->sender, log_id, reason, error);
	case PGL_ACTION_REJECT: {
		g_autofree gchar *subject =
			g_strdup_printf("Your message to %s was rejected", list->address);

		/* the original goes back only to people the list knows: attached for anyone
		 * else, the notice would relay whatever a stranger wrote to whomever they name.
		 * Never on a PGP list: its post was decrypted by the list, and anyone holding a
		 * captured ciphertext could send it in under a member's From: with their own
		 * envelope address and have the list decrypt it for them. */
		return notify_sender(stage, entry, list, crypto, message, about_subject,
				     envelope_from, posting->sender, "rejected", subject, "rejected",
				     reason, roles->len > 0 && crypto == NULL, error);
	}
	case PGL_ACTION_DISCARD:
		return TRUE;
	default:
		g_assert_not_reached();
	}
}

/* Stamped on mail forwarded to a list's owners; mail that comes back with it is a loop. */
#define OWNER_LOOP_HEADER "X-pgplist-Owner-Forward"

/* Forwards @entry's message to the list's owners, stamped with the address it came in for. */
static gboolean
forward_to_owners(PglStage *stage, PglSpoolEntry *entry, const PglList *list,
		  const gchar *via_address, GError **error)
{
	g_autofree gchar *stamp = g_strdup_printf("%s: %s\n", OWNER_LOOP_HEADER, via_address);
	g_autoptr(GString) forwarded = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_auto(GStrv) owners = NULL;
	gsize size = 0;
	const gchar *data = g_bytes_get_data(entry->message, &size);
	const gchar *body = g_strstr_len(data, (gssize)size, "\n\n");

	/* our stamp in the header block: this mail has been through this address once */
	if (g_strstr_len(data, body != NULL ? body - data : (gssize)size, stamp) != NULL) {
		g_message("%s: list=%s action=discard reason=\"owner mail came back (loop)\"",
			  entry->id, list->address);
		return TRUE;
	}
	owners = owner_addresses(stage, list, FALSE, error);
	if (owners == NULL)
		return FALSE;
	forwarded = g_string_sized_new(size + strlen(stamp));
	g_string_append(forwarded, stamp);
	g_string_append_len(forwarded, data, (gssize)size);
	bytes = g_bytes_new(forwarded->str, forwarded->len);
	g_message("%s: list=%s action=forward-to-owners via=%s rcpts=%u", entry->id, list->address,
		  via_address, g_strv_length(owners));
	return pgl_notice_enqueue_message(stage->ctx, stage->spool, list, entry->id,
					  (const gchar *const *)owners, bytes, error);
}

static gboolean
record_bounce(PglStage *stage, PglSpoolEntry *entry, const PglList *list,
	      const gchar *extension, GError **error)
{
	g_autofree gchar *address = NULL;

	/* VERP: list-bounces+user=host@domain names the member */
	if (extension != NULL) {
		g_autofree gchar *decoded = g_strdup(extension);
		gchar *equals = strrchr(decoded, '=');

		if (equals != NULL) {
			*equals = '@';
			address = pgl_address_normalize(decoded, NULL);
		}
	}
	g_message("%s: list=%s action=bounce-received member=%s", entry->id, list->address,
		  address ? address : "(unknown)");
	return pgl_store_bounce_add(stage->store, list->id, address, "bounce received",
				    entry->message, pgl_context_now(stage->ctx), error);
}

/* The list and which of its addresses @entry arrived for (its "recipient" metadata). */
static PglList *
route(PglStage *stage, PglSpoolEntry *entry, PglDestination *destination_out,
      gchar **extension_out, GError **error)
{
	const gchar *recipient = pgl_spool_entry_get(entry, PGL_IN_RECIPIENT);
	g_autofree gchar *list_address = NULL;
	PglList *list;

	if (recipient == NULL ||
	    !pgl_router_parse(recipient, &list_address, destination_out, extension_out)) {
		g_set_error(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_CORRUPT,
			    "no list recipient in spool entry");
		return NULL;
	}
	list = pgl_store_list_lookup(stage->store, list_address, error);
	if (list == NULL)
		g_prefix_error(error, "recipient %s: ", recipient);
	return list;
}

/**
 * pgl_stage_process_in:
 * @entry: a claimed message of the in queue
 * @stage: the #PglStage of the in runner
 *
 * A #PglRunnerProcessFunc: routes and moderates a newly arrived message.
 */
gboolean
pgl_stage_process_in(PglSpoolEntry *entry, gpointer user_data, GError **error)
{
	PglStage *stage = user_data;
	const gchar *envelope_from = pgl_spool_entry_get(entry, PGL_IN_ENVELOPE_FROM);
	g_autofree gchar *extension = NULL;
	g_autoptr(PglList) list = NULL;
	PglDestination destination;

	list = route(stage, entry, &destination, &extension, error);
	if (list == NULL)
		return FALSE;
	switch (destination) {
	case PGL_DEST_POST:
		return process_post(stage, entry, list, envelope_from, error);
	case PGL_DEST_OWNER: {
		g_autofree gchar *owner_address = pgl_list_subaddress(list, "owner");

		return forward_to_owners(stage, entry, list, owner_address, error);
	}
	case PGL_DEST_BOUNCES:
		return record_bounce(stage, entry, list, extension, error);
	case PGL_DEST_REQUEST:
	case PGL_DEST_JOIN:
	case PGL_DEST_LEAVE:
	case PGL_DEST_CONFIRM:
		g_info("%s: list=%s action=command-queue address=%s", entry->id, list->address,
		       pgl_destination_to_string(destination));
		return pgl_spool_enqueue(stage->spool, PGL_QUEUE_COMMAND, entry, error);
	default:
		g_assert_not_reached();
	}
}

/**
 * pgl_stage_process_pipeline:
 * @entry: a claimed message of the pipeline queue (accepted for a list)
 * @stage: the #PglStage of the pipeline runner
 *
 * A #PglRunnerProcessFunc: runs the handlers and queues one copy for the members.
 */
gboolean
pgl_stage_process_pipeline(PglSpoolEntry *entry, gpointer user_data, GError **error)
{
	PglStage *stage = user_data;
	gint64 list_id = pgl_spool_entry_get_int(entry, PGL_IN_LIST_ID, 0);
	const gchar *envelope_from = pgl_spool_entry_get(entry, PGL_IN_ENVELOPE_FROM);
	gboolean sealed = g_strcmp0(pgl_spool_entry_get(entry, PGL_IN_SEALED), "true") == 0;
	g_autoptr(PglList) list = NULL;
	g_autoptr(PglListCrypto) crypto = NULL;
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(PglPosting) posting = NULL;
	g_autoptr(GPtrArray) roles = NULL;
	g_auto(GStrv) recipients = NULL;
	g_autoptr(GBytes) plaintext = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(PglSpoolEntry) out = NULL;
	g_autofree gchar *log_id = NULL;

	list = pgl_store_list_lookup_by_id(stage->store, list_id, error);
	if (list == NULL)
		return FALSE;
	if (!pgl_list_crypto_open(stage->ctx, stage->store, list, &crypto, error))
		return FALSE;
	if (sealed && crypto == NULL) {
		g_set_error(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_CORRUPT,
			    "list %s has no key pair any more: cannot open its sealed post",
			    list->address);
		return FALSE;
	}
	if (sealed) {
		plaintext = pgl_list_crypto_unseal(crypto, entry->message, error);
		if (plaintext == NULL) {
			g_prefix_error(error, "cannot open the sealed post: ");
			return FALSE;
		}
	}
	if (!pgl_mail_parse(stage->ctx, sealed ? plaintext : entry->message, &message, error))
		return FALSE;
	log_id = pgl_mail_get_log_id(message);
	posting = posting_new(stage, list, message, g_bytes_get_size(entry->message),
			      envelope_from, &roles, error);
	if (posting == NULL)
		return FALSE;
	if (crypto != NULL)
		posting->pgp = pgl_pgp_post_list_headers(crypto, list);
	if (!pgl_pipeline_run(posting, error))
		return FALSE;
	recipients = pgl_store_delivery_recipients(stage->store, list->id, error);
	if (recipients == NULL)
		return FALSE;
	/* a PGP list's post stays sealed until delivery encrypts it for each recipient */
	bytes = message_bytes(crypto, message, error);
	if (bytes == NULL)
		return FALSE;
	out = pgl_spool_entry_new(NULL, bytes);
	/* the same id: a pipeline pass repeated after a crash replaces its out message rather
	 * than adding a second one */
	out->id = g_strdup(entry->id);
	pgl_spool_entry_set_int(out, PGL_OUT_LIST_ID, list->id);
	{
		g_autofree gchar *bounces = pgl_list_subaddress(list, "bounces");

		pgl_spool_entry_set(out, PGL_OUT_SENDER, bounces);
	}
	if (pgl_list_get_bool(list, "verp_delivery"))
		pgl_spool_entry_set(out, PGL_OUT_VERP, "true");
	if (crypto != NULL)
		pgl_spool_entry_set(out, PGL_OUT_PGP, PGL_OUT_PGP_POST);
	for (guint i = 0; recipients[i] != NULL; i++)
		g_ptr_array_add(out->recipients, g_strdup(recipients[i]));
	g_message("%s: list=%s action=deliver rcpts=%u%s", log_id, list->address,
		  out->recipients->len, crypto != NULL ? " pgp=encrypt" : "");
	if (out->recipients->len == 0)
		return TRUE;
	return pgl_spool_enqueue(stage->spool, PGL_QUEUE_OUT, out, error);
}

/**
 * pgl_stage_process_command:
 * @entry: a claimed message of the command queue (sent to -request, -join, -leave, -confirm)
 * @stage: the #PglStage of the command runner
 *
 * A #PglRunnerProcessFunc. Until pgplist carries out email commands itself, a request is
 * passed on to the list's owners, who act on it with the command line, and the requester is
 * told so: a request is never silently ignored.
 */
gboolean
pgl_stage_process_command(PglSpoolEntry *entry, gpointer user_data, GError **error)
{
	PglStage *stage = user_data;
	const gchar *envelope_from = pgl_spool_entry_get(entry, PGL_IN_ENVELOPE_FROM);
	g_autoptr(PglList) list = NULL;
	g_autoptr(GMimeMessage) message = NULL;
	g_autofree gchar *via = NULL;
	PglDestination destination;

	list = route(stage, entry, &destination, NULL, error);
	if (list == NULL)
		return FALSE;
	/* the stamp names the sub-address, without a confirmation token */
	via = pgl_list_subaddress(list, pgl_destination_to_string(destination));
	if (!forward_to_owners(stage, entry, list, via, error))
		return FALSE;
	if (pgl_mail_parse(stage->ctx, entry->message, &message, NULL)) {
		g_autofree gchar *sender = pgl_mail_sender(message, envelope_from);
		g_autofree gchar *about_subject = pgl_mail_get_subject(message);
		g_autofree gchar *subject =
			g_strdup_printf("Your request to %s was passed on to its owners",
					list->address);

		return notify_sender(stage, entry, list, NULL, message, about_subject,
				     envelope_from, sender, "request-forwarded", subject,
				     "request-forwarded", "passed on to the list owners", FALSE,
				     error);
	}
	return TRUE;
}
