/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A moderator's decision on a held message, the same from the command line and (later) the
 * REST API and web UI. Accept sends the message on to the pipeline queue, reject tells the
 * poster why, discard drops it. The decision is one database transaction that first takes the
 * held row (so of two moderators deciding at once, one wins and the other is told the message
 * is gone) and is committed only after its spool entry is durable, so a crash can repeat a
 * decision but never lose the message. The spool entry's id is derived from the held id, so a
 * repeated decision replaces its entry, and delivery skips members already reached. The daemon
 * picks the queued message up at once (its runners watch the spool), whether or not it is this
 * process that made the decision.
 *
 * A PGP list's held post is sealed (encrypted to the list key): accepting passes it on sealed;
 * rejecting does not attach it (the notice goes to whoever sent it in, who need not be its
 * author).
 */
#define G_LOG_DOMAIN "pgl-app"

#include "app/pgl-moderation.h"

#include "app/pgl-notice.h"
#include "app/pgl-stages.h"
#include "mail/pgl-mail.h"
#include "util/pgl-sanitize.h"

/* Inside the caller's transaction: the spool entry, then the row. */
static gboolean
decide(PglContext *ctx, PglStore *store, PglSpool *spool, const PglList *list,
       PglHeldMessage *held, PglAction action, const gchar *why, const gchar *actor,
       GError **error)
{
	g_autofree gchar *spool_id = g_strdup_printf("held-%" G_GINT64_FORMAT, held->id);

	switch (action) {
	case PGL_ACTION_ACCEPT: {
		g_autoptr(PglSpoolEntry) entry = pgl_spool_entry_new(NULL, held->message);

		entry->id = g_strdup(spool_id);
		pgl_spool_entry_set_int(entry, PGL_IN_LIST_ID, list->id);
		pgl_spool_entry_set(entry, PGL_IN_ENVELOPE_FROM, held->sender);
		pgl_spool_entry_set(entry, PGL_IN_APPROVED_BY, actor);
		if (held->sealed)
			pgl_spool_entry_set(entry, PGL_IN_SEALED, "true");
		if (!pgl_spool_enqueue(spool, PGL_QUEUE_PIPELINE, entry, error))
			return FALSE;
		break;
	}
	case PGL_ACTION_REJECT: {
		g_autoptr(GMimeMessage) message = NULL;
		g_autoptr(GHashTable) variables = pgl_notice_variables(list);
		g_autofree gchar *subject =
			g_strdup_printf("Your message to %s was rejected", list->address);
		g_autofree gchar *notice_id = g_strconcat(spool_id, "-rejected", NULL);
		const gchar *recipients[] = {held->sender, NULL};

		/* the held copy was parsed once already; if it no longer parses, reject
		 * without attaching it. A PGP list's held post (sealed) is never attached:
		 * whoever sent it in need not be its author (see pgl-stages.c) */
		if (held->sealed || !pgl_mail_parse(ctx, held->message, &message, NULL))
			g_clear_object(&message);
		if (held->sender[0] != '\0' &&
		    pgl_notice_may_answer(message, held->sender, held->sender)) {
			g_hash_table_insert(variables, "subject", g_strdup(held->subject));
			g_hash_table_insert(variables, "reason", pgl_sanitize(why, -1, 1000));
			if (!pgl_notice_send(ctx, store, spool, list, NULL, notice_id, recipients, subject,
					     "rejected", variables, message, error))
				return FALSE;
		}
		break;
	}
	case PGL_ACTION_DISCARD:
		break;
	case PGL_ACTION_DEFER:
	case PGL_ACTION_HOLD:
	default:
		g_assert_not_reached();
	}
	return pgl_store_held_remove(store, held->id, error) &&
	       pgl_store_audit_add(store, list->id, held->message_id, pgl_action_to_string(action),
				   action == PGL_ACTION_REJECT ? why : "moderator decision", actor,
				   pgl_context_now(ctx), error);
}

/**
 * pgl_moderation_decide:
 * @list: the list @held_id is held for
 * @held_id: the held message
 * @action: %PGL_ACTION_ACCEPT, %PGL_ACTION_REJECT or %PGL_ACTION_DISCARD
 * @reason: (nullable): for a rejection, told to the poster
 * @actor: who decided, for the audit log ("cli", a user name)
 * @error: return location for a #GError (%PGL_STORE_ERROR_NOT_FOUND if no such held message)
 */
gboolean
pgl_moderation_decide(PglContext *ctx, PglStore *store, PglSpool *spool, const PglList *list,
		      gint64 held_id, PglAction action, const gchar *reason, const gchar *actor,
		      GError **error)
{
	g_autoptr(PglHeldMessage) held = NULL;
	g_autofree gchar *log_id = g_strdup_printf("held-%" G_GINT64_FORMAT, held_id);
	const gchar *why = reason != NULL && reason[0] != '\0'
				   ? reason
				   : "The list moderator did not approve your message.";

	g_return_val_if_fail(action == PGL_ACTION_ACCEPT || action == PGL_ACTION_REJECT ||
				     action == PGL_ACTION_DISCARD,
			     FALSE);
	if (!pgl_store_begin(store, error))
		return FALSE;
	held = pgl_store_held_get(store, list->id, held_id, error);
	if (held == NULL || !decide(ctx, store, spool, list, held, action, why, actor, error) ||
	    !pgl_store_commit(store, error)) {
		pgl_store_rollback(store);
		return FALSE;
	}
	g_message("%s: list=%s action=%s actor=%s", log_id, list->address,
		  pgl_action_to_string(action), actor);
	return TRUE;
}
