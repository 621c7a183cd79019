/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The built-in workflows (the tables are described in pgl-workflow-policies.h): subscription and
 * unsubscription policies, and the PGP variants of the subscription policies. Static tables, so
 * the order of steps can be read here at a glance; the tests check the PGP rule (key-set and
 * key-confirm after the address confirmation, before moderator approval) against them.
 */
#include "workflows/pgl-workflow-policies.h"

#include "workflows/pgl-workflow-private.h"

#define VERIFY_ADDRESS PGL_WORKFLOW_STEP_VERIFY_ADDRESS
#define VERIFY_MEMBER  PGL_WORKFLOW_STEP_VERIFY_MEMBER
#define CONFIRM	       PGL_WORKFLOW_STEP_CONFIRM_ADDRESS
#define KEY_SET	       PGL_WORKFLOW_STEP_KEY_SET
#define KEY_CONFIRM    PGL_WORKFLOW_STEP_KEY_CONFIRM
#define APPROVAL       PGL_WORKFLOW_STEP_GET_MODERATOR_APPROVAL
#define SUBSCRIBE      PGL_WORKFLOW_STEP_SUBSCRIBE
#define UNSUBSCRIBE    PGL_WORKFLOW_STEP_UNSUBSCRIBE
#define WELCOME	       PGL_WORKFLOW_STEP_SEND_WELCOME
#define GOODBYE	       PGL_WORKFLOW_STEP_SEND_GOODBYE

static const gchar *const subscribe_open[] = {VERIFY_ADDRESS, SUBSCRIBE, WELCOME, NULL};
static const gchar *const subscribe_confirm[] = {VERIFY_ADDRESS, CONFIRM, SUBSCRIBE, WELCOME,
						 NULL};
static const gchar *const subscribe_moderate[] = {VERIFY_ADDRESS, APPROVAL, SUBSCRIBE, WELCOME,
						  NULL};
static const gchar *const subscribe_confirm_then_moderate[] = {
	VERIFY_ADDRESS, CONFIRM, APPROVAL, SUBSCRIBE, WELCOME, NULL};

static const gchar *const pgp_subscribe_open[] = {VERIFY_ADDRESS, KEY_SET, KEY_CONFIRM,
						  SUBSCRIBE, WELCOME, NULL};
static const gchar *const pgp_subscribe_confirm[] = {
	VERIFY_ADDRESS, CONFIRM, KEY_SET, KEY_CONFIRM, SUBSCRIBE, WELCOME, NULL};
static const gchar *const pgp_subscribe_moderate[] = {
	VERIFY_ADDRESS, KEY_SET, KEY_CONFIRM, APPROVAL, SUBSCRIBE, WELCOME, NULL};
static const gchar *const pgp_subscribe_confirm_then_moderate[] = {
	VERIFY_ADDRESS, CONFIRM, KEY_SET, KEY_CONFIRM, APPROVAL, SUBSCRIBE, WELCOME, NULL};

static const gchar *const unsubscribe_open[] = {VERIFY_MEMBER, UNSUBSCRIBE, GOODBYE, NULL};
static const gchar *const unsubscribe_confirm[] = {VERIFY_MEMBER, CONFIRM, UNSUBSCRIBE, GOODBYE,
						   NULL};
static const gchar *const unsubscribe_moderate[] = {VERIFY_MEMBER, APPROVAL, UNSUBSCRIBE,
						    GOODBYE, NULL};

/* Indexed by PglSubscriptionPolicy, then [plain, PGP]. */
static const PglWorkflowDefinition subscription[][2] = {
	[PGL_SUBSCRIPTION_POLICY_OPEN] = {{"subscribe-open", subscribe_open},
					  {"pgp-subscribe-open", pgp_subscribe_open}},
	[PGL_SUBSCRIPTION_POLICY_CONFIRM] = {{"subscribe-confirm", subscribe_confirm},
					     {"pgp-subscribe-confirm", pgp_subscribe_confirm}},
	[PGL_SUBSCRIPTION_POLICY_MODERATE] = {{"subscribe-moderate", subscribe_moderate},
					      {"pgp-subscribe-moderate", pgp_subscribe_moderate}},
	[PGL_SUBSCRIPTION_POLICY_CONFIRM_THEN_MODERATE] =
		{{"subscribe-confirm-then-moderate", subscribe_confirm_then_moderate},
		 {"pgp-subscribe-confirm-then-moderate", pgp_subscribe_confirm_then_moderate}},
};

/* Indexed by PglUnsubscriptionPolicy. */
static const PglWorkflowDefinition unsubscription[] = {
	[PGL_UNSUBSCRIPTION_POLICY_OPEN] = {"unsubscribe-open", unsubscribe_open},
	[PGL_UNSUBSCRIPTION_POLICY_CONFIRM] = {"unsubscribe-confirm", unsubscribe_confirm},
	[PGL_UNSUBSCRIPTION_POLICY_MODERATE] = {"unsubscribe-moderate", unsubscribe_moderate},
};

/* The setting values, indexed by the enums. */
static const gchar *const subscription_policy_names[] = {
	[PGL_SUBSCRIPTION_POLICY_OPEN] = "open",
	[PGL_SUBSCRIPTION_POLICY_CONFIRM] = "confirm",
	[PGL_SUBSCRIPTION_POLICY_MODERATE] = "moderate",
	[PGL_SUBSCRIPTION_POLICY_CONFIRM_THEN_MODERATE] = "confirm_then_moderate",
};

static const gchar *const unsubscription_policy_names[] = {
	[PGL_UNSUBSCRIPTION_POLICY_OPEN] = "open",
	[PGL_UNSUBSCRIPTION_POLICY_CONFIRM] = "confirm",
	[PGL_UNSUBSCRIPTION_POLICY_MODERATE] = "moderate",
};

/**
 * pgl_workflow_builtin_definitions:
 * @n_out: (out): the number of definitions
 *
 * Private to src/workflows/: what the registry is filled with on first use.
 *
 * Returns: (transfer none) (array length=n_out): every built-in workflow
 */
const PglWorkflowDefinition *
pgl_workflow_builtin_definitions(gsize *n_out)
{
	static PglWorkflowDefinition all[G_N_ELEMENTS(subscription) * 2 +
					 G_N_ELEMENTS(unsubscription)];
	static gsize initialised = 0;

	if (g_once_init_enter(&initialised)) {
		gsize n = 0;

		for (gsize i = 0; i < G_N_ELEMENTS(subscription); i++) {
			all[n++] = subscription[i][0];
			all[n++] = subscription[i][1];
		}
		for (gsize i = 0; i < G_N_ELEMENTS(unsubscription); i++)
			all[n++] = unsubscription[i];
		g_assert(n == G_N_ELEMENTS(all));
		g_once_init_leave(&initialised, 1);
	}
	*n_out = G_N_ELEMENTS(all);
	return all;
}

/**
 * pgl_subscription_policy_to_string:
 * @policy: a policy
 *
 * Returns: (transfer none): its value in a list's settings ("open", "confirm", "moderate",
 *   "confirm_then_moderate")
 */
const gchar *
pgl_subscription_policy_to_string(PglSubscriptionPolicy policy)
{
	g_return_val_if_fail((guint)policy < G_N_ELEMENTS(subscription_policy_names), NULL);

	return subscription_policy_names[policy];
}

/**
 * pgl_subscription_policy_from_string:
 * @text: (not nullable): a setting value (untrusted)
 * @policy_out: (out): the policy
 *
 * Returns: %TRUE if @text names a subscription policy
 */
gboolean
pgl_subscription_policy_from_string(const gchar *text, PglSubscriptionPolicy *policy_out)
{
	g_return_val_if_fail(text != NULL, FALSE);
	g_return_val_if_fail(policy_out != NULL, FALSE);

	for (guint i = 0; i < G_N_ELEMENTS(subscription_policy_names); i++) {
		if (g_str_equal(text, subscription_policy_names[i])) {
			*policy_out = (PglSubscriptionPolicy)i;
			return TRUE;
		}
	}
	return FALSE;
}

/**
 * pgl_unsubscription_policy_to_string:
 * @policy: a policy
 *
 * Returns: (transfer none): its value in a list's settings ("open", "confirm", "moderate")
 */
const gchar *
pgl_unsubscription_policy_to_string(PglUnsubscriptionPolicy policy)
{
	g_return_val_if_fail((guint)policy < G_N_ELEMENTS(unsubscription_policy_names), NULL);

	return unsubscription_policy_names[policy];
}

/**
 * pgl_unsubscription_policy_from_string:
 * @text: (not nullable): a setting value (untrusted)
 * @policy_out: (out): the policy
 *
 * Returns: %TRUE if @text names an unsubscription policy
 */
gboolean
pgl_unsubscription_policy_from_string(const gchar *text, PglUnsubscriptionPolicy *policy_out)
{
	g_return_val_if_fail(text != NULL, FALSE);
	g_return_val_if_fail(policy_out != NULL, FALSE);

	for (guint i = 0; i < G_N_ELEMENTS(unsubscription_policy_names); i++) {
		if (g_str_equal(text, unsubscription_policy_names[i])) {
			*policy_out = (PglUnsubscriptionPolicy)i;
			return TRUE;
		}
	}
	return FALSE;
}

/**
 * pgl_workflow_subscription_name:
 * @policy: the list's subscription policy
 * @pgp_list: the list is a PGP list
 *
 * Returns: (transfer none): the name of the built-in workflow to start for a subscription
 */
const gchar *
pgl_workflow_subscription_name(PglSubscriptionPolicy policy, gboolean pgp_list)
{
	g_return_val_if_fail((guint)policy < G_N_ELEMENTS(subscription), NULL);

	return subscription[policy][pgp_list ? 1 : 0].name;
}

/**
 * pgl_workflow_subscription_steps:
 * @policy: the list's subscription policy
 * @pgp_list: the list is a PGP list
 *
 * Returns: (transfer none) (array zero-terminated=1): the built-in steps of that workflow
 */
const gchar *const *
pgl_workflow_subscription_steps(PglSubscriptionPolicy policy, gboolean pgp_list)
{
	g_return_val_if_fail((guint)policy < G_N_ELEMENTS(subscription), NULL);

	return subscription[policy][pgp_list ? 1 : 0].steps;
}

/**
 * pgl_workflow_unsubscription_name:
 * @policy: the list's unsubscription policy
 *
 * Returns: (transfer none): the name of the built-in workflow to start for an unsubscription
 *   (PGP lists use the same)
 */
const gchar *
pgl_workflow_unsubscription_name(PglUnsubscriptionPolicy policy)
{
	g_return_val_if_fail((guint)policy < G_N_ELEMENTS(unsubscription), NULL);

	return unsubscription[policy].name;
}

/**
 * pgl_workflow_unsubscription_steps:
 * @policy: the list's unsubscription policy
 *
 * Returns: (transfer none) (array zero-terminated=1): the built-in steps of that workflow
 */
const gchar *const *
pgl_workflow_unsubscription_steps(PglUnsubscriptionPolicy policy)
{
	g_return_val_if_fail((guint)policy < G_N_ELEMENTS(unsubscription), NULL);

	return unsubscription[policy].steps;
}
