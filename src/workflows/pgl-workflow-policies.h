/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The built-in workflows: a list's subscription and unsubscription policies as ordered lists of
 * step names (issue 4), and the names of those steps with the job each must do. The engine only
 * knows the names; the application registers the steps under them (pgl_workflow_register_step())
 * and a plugin may register more and define new workflows from old and new names.
 *
 * Subscription (`subscription_policy`):
 *
 *   open                   verify-address,                                  subscribe, send-welcome
 *   confirm                verify-address, confirm-address,                 subscribe, send-welcome
 *   moderate               verify-address, get-moderator-approval,          subscribe, send-welcome
 *   confirm_then_moderate  verify-address, confirm-address,
 *                                          get-moderator-approval,          subscribe, send-welcome
 *
 * On a PGP list the same policies have "key-set" then "key-confirm" inserted after the address
 * confirmation (after verify-address where there is none) and before moderator approval (before
 * subscribe where there is none): the moderator decides knowing the key, and a key is bound to
 * the address before the address becomes a member.
 *
 * Unsubscription (`unsubscription_policy`), the same on PGP lists (a key belongs to the address,
 * on every list, and stays):
 *
 *   open      verify-member,                                   unsubscribe, send-goodbye
 *   confirm   verify-member, confirm-address,                  unsubscribe, send-goodbye
 *   moderate  verify-member, get-moderator-approval,           unsubscribe, send-goodbye
 *
 * They are defined (at the registry's first use) as "subscribe-POLICY", "pgp-subscribe-POLICY"
 * and "unsubscribe-POLICY", POLICY with "-" for "_" (e.g. "pgp-subscribe-confirm-then-moderate");
 * pgl_workflow_subscription_name() and pgl_workflow_unsubscription_name() give the name for a
 * list's settings.
 *
 * The steps' jobs (what the application must implement under each name):
 *
 * verify-address        Subscription sanity checks, before anything is sent: the address is
 *                       valid and normalised, is not one of the list's own addresses, is not
 *                       banned, and is not a member already. Fails the workflow with an error
 *                       saying which. May fill in data "display_name". Never waits.
 * verify-member         Unsubscription check: the address is a member of the list (else fails:
 *                       "not a member"). Never waits.
 * confirm-address       Proves the person controls the address. If data "pre_confirmed" is true
 *                       (an admin or a REST client vouched), CONTINUEs at once. Otherwise WAITs
 *                       for CONFIRM; its waiting function mails the confirmation request with the
 *                       token (subscription or unsubscription wording by the workflow's name;
 *                       signed, and encrypted when the address has a confirmed key, on a PGP
 *                       list). Re-entered with CONFIRM: records data "address_confirmed" and
 *                       CONTINUEs.
 * key-set               PGP lists. If the address already has a confirmed key, records its
 *                       fingerprint and CONTINUEs. Otherwise WAITs for KEY_SET; its waiting
 *                       function asks for the key ("key set TOKEN" with the key attached).
 *                       Re-entered with KEY_SET: the event data holds the key ("key", armored);
 *                       checks exactly one key that can sign and encrypt, stores it as the
 *                       address's unconfirmed key, records data "fingerprint", CONTINUEs. A bad
 *                       key: either fail with a clear error or WAIT again (a new token).
 * key-confirm           PGP lists. If the address's key is confirmed, CONTINUEs. Otherwise WAITs
 *                       for KEY_CONFIRM; its waiting function sends a statement holding the token
 *                       and the key's fingerprint, signed by the list and encrypted to that key.
 *                       Re-entered with KEY_CONFIRM: the event data says what the application
 *                       verified (the statement's text, the signer's fingerprint); checks it is
 *                       the statement for this token and fingerprint, signed by that key, then
 *                       marks the key confirmed and CONTINUEs.
 * get-moderator-approval  If data "pre_approved" is true, CONTINUEs. Otherwise WAITs for APPROVE;
 *                       its waiting function notifies the moderators with the token, saying how to
 *                       accept, reject or discard (on a PGP list with the key's fingerprint, user
 *                       IDs and the key attached). Re-entered with APPROVE: CONTINUEs; with REJECT:
 *                       queues a notice to the address (with data "reason" if the moderator gave
 *                       one) and FINISHes; with DISCARD: FINISHes silently.
 * subscribe             Adds the address as a member (with data "display_name"), in the engine's
 *                       transaction; an existing membership fails the workflow.
 * unsubscribe           Removes the membership.
 * send-welcome          Queues the list's welcome message to the new member (and the owners'
 *                       notice of a new member, if the list wants one).
 * send-goodbye          Queues the goodbye message to the former member (and the owners'
 *                       notice, if the list wants one).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Step names (stored in waiting states: never rename one). */
#define PGL_WORKFLOW_STEP_VERIFY_ADDRESS	 "verify-address"
#define PGL_WORKFLOW_STEP_VERIFY_MEMBER		 "verify-member"
#define PGL_WORKFLOW_STEP_CONFIRM_ADDRESS	 "confirm-address"
#define PGL_WORKFLOW_STEP_KEY_SET		 "key-set"
#define PGL_WORKFLOW_STEP_KEY_CONFIRM		 "key-confirm"
#define PGL_WORKFLOW_STEP_GET_MODERATOR_APPROVAL "get-moderator-approval"
#define PGL_WORKFLOW_STEP_SUBSCRIBE		 "subscribe"
#define PGL_WORKFLOW_STEP_UNSUBSCRIBE		 "unsubscribe"
#define PGL_WORKFLOW_STEP_SEND_WELCOME		 "send-welcome"
#define PGL_WORKFLOW_STEP_SEND_GOODBYE		 "send-goodbye"

/* Keys of a workflow's data that the built-in steps share. */
#define PGL_WORKFLOW_DATA_DISPLAY_NAME	    "display_name"	/* string */
#define PGL_WORKFLOW_DATA_PRE_CONFIRMED	    "pre_confirmed"	/* boolean: no confirm-address */
#define PGL_WORKFLOW_DATA_PRE_APPROVED	    "pre_approved"	/* boolean: no moderator */
#define PGL_WORKFLOW_DATA_ADDRESS_CONFIRMED "address_confirmed" /* boolean, by confirm-address */
#define PGL_WORKFLOW_DATA_FINGERPRINT	    "fingerprint"	/* string, set by key-set */
#define PGL_WORKFLOW_DATA_REASON	    "reason"		/* string, a moderator's reason */

/**
 * PglSubscriptionPolicy:
 * @PGL_SUBSCRIPTION_POLICY_OPEN: anyone may subscribe at once
 * @PGL_SUBSCRIPTION_POLICY_CONFIRM: the address must confirm
 * @PGL_SUBSCRIPTION_POLICY_MODERATE: a moderator must approve
 * @PGL_SUBSCRIPTION_POLICY_CONFIRM_THEN_MODERATE: the address confirms, then a moderator approves
 */
typedef enum {
	PGL_SUBSCRIPTION_POLICY_OPEN,
	PGL_SUBSCRIPTION_POLICY_CONFIRM,
	PGL_SUBSCRIPTION_POLICY_MODERATE,
	PGL_SUBSCRIPTION_POLICY_CONFIRM_THEN_MODERATE,
} PglSubscriptionPolicy;

/**
 * PglUnsubscriptionPolicy:
 * @PGL_UNSUBSCRIPTION_POLICY_OPEN: a member may leave at once
 * @PGL_UNSUBSCRIPTION_POLICY_CONFIRM: the address must confirm
 * @PGL_UNSUBSCRIPTION_POLICY_MODERATE: a moderator must approve
 */
typedef enum {
	PGL_UNSUBSCRIPTION_POLICY_OPEN,
	PGL_UNSUBSCRIPTION_POLICY_CONFIRM,
	PGL_UNSUBSCRIPTION_POLICY_MODERATE,
} PglUnsubscriptionPolicy;

const gchar *pgl_subscription_policy_to_string(PglSubscriptionPolicy policy);
gboolean pgl_subscription_policy_from_string(const gchar *text, PglSubscriptionPolicy *policy_out);
const gchar *pgl_unsubscription_policy_to_string(PglUnsubscriptionPolicy policy);
gboolean pgl_unsubscription_policy_from_string(const gchar *text,
					       PglUnsubscriptionPolicy *policy_out);

const gchar *pgl_workflow_subscription_name(PglSubscriptionPolicy policy, gboolean pgp_list);
const gchar *const *pgl_workflow_subscription_steps(PglSubscriptionPolicy policy,
						    gboolean pgp_list);
const gchar *pgl_workflow_unsubscription_name(PglUnsubscriptionPolicy policy);
const gchar *const *pgl_workflow_unsubscription_steps(PglUnsubscriptionPolicy policy);

G_END_DECLS
