/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A posting under moderation: one message to one list, with what the caller (the incoming
 * runner) resolved from the store beforehand, so that the rules and handlers that look at it
 * need no I/O. And the verdict the posting chain reaches about it.
 */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"
#include "core/pgl-list.h"
#include "mail/pgl-mail-autoptr.h"

G_BEGIN_DECLS

/**
 * PglPosting:
 * @ctx: the context (limits such as max_received)
 * @list: the list posted to
 * @message: the message; rules read it (only the approved rule edits it, to remove a
 *   password it accepted), handlers rewrite it
 * @raw_size: size in bytes of the message as received
 * @envelope_from: the envelope sender (SMTP MAIL FROM), if any
 * @sender: pgl_mail_sender() of @message and @envelope_from
 * @sender_roles: every #PglMember row of @sender on @list, any role (member, owner,
 *   moderator, nonmember), looked up by the caller; %NULL or empty if none
 */
typedef struct {
	PglContext *ctx;	    /* (unowned) */
	const PglList *list;	    /* (unowned) */
	GMimeMessage *message;	    /* (unowned) */
	gsize raw_size;
	const gchar *envelope_from; /* (unowned) (nullable) */
	gchar *sender;		    /* (owned) (nullable) */
	GPtrArray *sender_roles;    /* (unowned) (nullable) (element-type PglMember) */
} PglPosting;

/**
 * PglVerdict:
 * @action: what to do with the posting: %PGL_ACTION_ACCEPT, %PGL_ACTION_HOLD,
 *   %PGL_ACTION_REJECT or %PGL_ACTION_DISCARD (never %PGL_ACTION_DEFER)
 * @rule: name of the rule that decided ("approved", "max-size"...), or "accept" when the post
 *   passed every rule
 * @reason: human-readable reason, one line, for notices and logs
 */
typedef struct {
	PglAction action;
	gchar *rule;   /* (owned) */
	gchar *reason; /* (owned) */
} PglVerdict;

PglPosting *pgl_posting_new(PglContext *ctx, const PglList *list, GMimeMessage *message,
			    gsize raw_size, const gchar *envelope_from, GPtrArray *sender_roles);
void pgl_posting_free(PglPosting *posting);
gboolean pgl_posting_sender_has_role(const PglPosting *posting, PglRole role);
const PglMember *pgl_posting_sender_row(const PglPosting *posting, PglRole role);

PglVerdict *pgl_verdict_new(PglAction action, const gchar *rule, const gchar *reason);
void pgl_verdict_free(PglVerdict *verdict);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglPosting, pgl_posting_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglVerdict, pgl_verdict_free)

G_END_DECLS
