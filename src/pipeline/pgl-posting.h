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
 * PglPostingSignature:
 * @PGL_POSTING_SIGNATURE_GOOD: a signature over the whole content by the sender's confirmed
 *   key, valid and within the freshness window
 * @PGL_POSTING_SIGNATURE_UNSIGNED: no signature covers the whole content
 * @PGL_POSTING_SIGNATURE_EXPIRED: by the sender's key, but the key or the signature has
 *   expired, or the signature is outside the freshness window
 * @PGL_POSTING_SIGNATURE_REVOKED: by the sender's key, which (or whose signing subkey) is
 *   revoked
 * @PGL_POSTING_SIGNATURE_INVALID: a bad signature, or one by another key than the sender's
 *   confirmed key (an unknown key, someone else's, an unconfirmed one), or protected header
 *   fields that contradict the outer ones
 *
 * The verdict of the PGP checks on the sender's signature.
 */
typedef enum {
	PGL_POSTING_SIGNATURE_GOOD,
	PGL_POSTING_SIGNATURE_UNSIGNED,
	PGL_POSTING_SIGNATURE_EXPIRED,
	PGL_POSTING_SIGNATURE_REVOKED,
	PGL_POSTING_SIGNATURE_INVALID,
} PglPostingSignature;

/**
 * PglPostingPgp:
 *
 * What the incoming runner found out about a post to a PGP list, for the PGP rules (which,
 * like all rules, do no I/O) and the handlers.
 */
typedef struct {
	gboolean encrypted;	       /* the whole content came out of one decryption */
	gboolean inline_pgp;	       /* inline PGP rather than PGP/MIME */
	gboolean sender_has_key;       /* the sender's address has a key */
	gboolean sender_key_confirmed; /* ... which it has proved to hold */
	PglPostingSignature signature;
	gboolean replayed;	       /* a signature the list has seen on another post */
	gchar *detail;		       /* (owned) (nullable) one line on what was found, for
					  reasons, moderators and logs (no plaintext) */
	gchar *autocrypt;	       /* (owned) (nullable) the list's Autocrypt: header value */
	gchar *list_fingerprint;       /* (owned) (nullable) the list key */
} PglPostingPgp;

const gchar *pgl_posting_signature_to_string(PglPostingSignature signature);
void pgl_posting_pgp_free(PglPostingPgp *pgp);

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
 * @pgp: for a PGP list, what the OpenPGP checks found (freed with the posting); %NULL for a
 *   plain list
 */
typedef struct {
	PglContext *ctx;	    /* (unowned) */
	const PglList *list;	    /* (unowned) */
	GMimeMessage *message;	    /* (unowned) */
	gsize raw_size;
	const gchar *envelope_from; /* (unowned) (nullable) */
	gchar *sender;		    /* (owned) (nullable) */
	GPtrArray *sender_roles;    /* (unowned) (nullable) (element-type PglMember) */
	PglPostingPgp *pgp;	    /* (owned) (nullable) */
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
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglPostingPgp, pgl_posting_pgp_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglVerdict, pgl_verdict_free)

G_END_DECLS
