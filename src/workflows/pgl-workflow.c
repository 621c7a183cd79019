/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The workflow engine: a stack machine over named steps (pgl-workflow-step.h), with its state in
 * the store's `pending` table (pgl-workflow-run.c has the format).
 *
 * Start: the named workflow's steps go on the stack and run, one after the other, until one
 * waits, the workflow finishes (a step says so, or no steps are left) or a step fails.
 *
 * Resume: the token is looked up. Unknown, used (tokens are single use), not a workflow's, or
 * expired: refused, with an error that says which (never repeating the token). An event the
 * workflow does not wait for (a "confirm" where a moderator's decision is awaited): refused, and
 * the token still works. Otherwise the token is used up, and the step that waited runs again with
 * the event, then the steps after it. A step that waits again gets a NEW token: the old one never
 * works twice.
 *
 * Failure: a step's error ends the workflow. Its store changes in this start or resume are
 * undone, its state is removed (the token is dead), and the outcome carries the error for the
 * caller to tell the person. Errors that pass (%PGL_STORE_ERROR_BUSY, a step's
 * %PGL_WORKFLOW_ERROR_TEMPORARY) and the engine's own store errors instead leave everything as it
 * was: the call returns %FALSE and the same call may be made again. So does a step name no one has
 * registered in a definition or a stored state (a plugin not loaded): that is the administrator's
 * to fix, not the person's fault, and the state waits (until it expires) for the fix.
 *
 * Crashes: each start or resume is ONE store transaction (BEGIN IMMEDIATE ... COMMIT): using up
 * the old token, whatever the steps change in the store (a new member, a key marked confirmed),
 * and storing the state under the new token commit together or not at all. Two resumes of one
 * token at once are serialised by the write lock, and the second finds it used. A crash before
 * the commit leaves the old state and token as they were, so the person's reply can simply be
 * processed again (the command runner repeats the message).
 * What steps do outside the store is not in the transaction: the mail they queue (a confirmation
 * request from a #PglWorkflowWaitFunc, a welcome, a notice to moderators) is written to the spool
 * BEFORE the commit. A crash or failed commit after that write has sent mail for a state that was
 * not stored: a request whose token does not work (the person gets "unknown token" and asks
 * again), or, when the message is repeated, the same mail twice. The application must therefore
 * make those writes idempotent, e.g. derive the spool id from the command message's spool id and
 * the step's name, so that a repeated stage replaces its output instead of adding to it (as the
 * other stages do, docs/architecture.md), and write them in the step or its waiting function,
 * never after the call returns (mail queued after the commit would be lost by a crash between).
 * pgl_workflow_expire() works the same way: the notices are queued inside the transaction that
 * removes the states, so a crash repeats them rather than losing them.
 *
 * Logging: one g_info line per outcome, `workflow=NAME list=ID address=ADDR action=...`; tokens
 * are never logged.
 */
#include "workflows/pgl-workflow-private.h"

#include "core/pgl-limits.h"
#include "util/pgl-sanitize.h"

#include <string.h>

G_DEFINE_QUARK(pgl-workflow-error-quark, pgl_workflow_error)

/* Expired states are removed in batches of this many, each batch one transaction. */
#define EXPIRE_BATCH 100

/* A token as we make them is 40 characters; anything much longer is not one of ours and is not
 * worth a query. */
#define TOKEN_MAX_LENGTH 128

typedef enum {
	RUN_FINISHED, /* commit; nothing stored */
	RUN_WAITING,  /* commit; stored under a new token */
	RUN_FAILED,   /* roll back; remove the old state; report the step's error */
	RUN_ABORTED,  /* roll back; nothing changes; return the error */
} RunEnd;

/**
 * pgl_workflow_status_to_string:
 * @status: a status
 *
 * Returns: (transfer none): "finished", "waiting" or "failed"
 */
const gchar *
pgl_workflow_status_to_string(PglWorkflowStatus status)
{
	switch (status) {
	case PGL_WORKFLOW_STATUS_FINISHED:
		return "finished";
	case PGL_WORKFLOW_STATUS_WAITING:
		return "waiting";
	case PGL_WORKFLOW_STATUS_FAILED:
		return "failed";
	default:
		g_return_val_if_reached(NULL);
	}
}

/**
 * pgl_workflow_outcome_clear:
 * @outcome: an outcome
 *
 * Frees what the outcome holds and resets it to %PGL_WORKFLOW_OUTCOME_INIT.
 */
void
pgl_workflow_outcome_clear(PglWorkflowOutcome *outcome)
{
	g_return_if_fail(outcome != NULL);

	g_free(outcome->workflow);
	g_free(outcome->address);
	g_clear_pointer(&outcome->data, json_object_unref);
	g_free(outcome->step);
	g_free(outcome->token);
	g_clear_error(&outcome->error);
	memset(outcome, 0, sizeof *outcome);
	outcome->status = PGL_WORKFLOW_STATUS_FINISHED;
	outcome->waiting_for = PGL_WORKFLOW_WAIT_NONE;
}

static gboolean
is_temporary(const GError *error)
{
	return g_error_matches(error, PGL_STORE_ERROR, PGL_STORE_ERROR_BUSY) ||
	       g_error_matches(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_TEMPORARY);
}

static RunEnd
step_failed(GError **error, GError *step_error, const gchar *step)
{
	if (is_temporary(step_error)) {
		g_propagate_prefixed_error(error, step_error, "step %s: ", step);
		return RUN_ABORTED;
	}
	g_propagate_prefixed_error(error, step_error, "step %s: ", step);
	return RUN_FAILED;
}

static RunEnd
contract_broken(GError **error, const gchar *step, const gchar *what)
{
	g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_STEP, "step %s %s", step, what);
	return RUN_FAILED;
}

/* Every step on the stack is registered: checked before anything runs, so that a definition or
 * a stored state naming a missing step changes nothing. */
static gboolean
check_steps_registered(PglWorkflowRun *run, GError **error)
{
	for (guint i = run->stack->len; i > 0; i--) {
		const gchar *name = g_ptr_array_index(run->stack, i - 1);

		if (pgl_workflow_lookup_step(name) == NULL) {
			g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_UNKNOWN_STEP,
				    "workflow %s: no step named %s is registered", run->workflow,
				    name);
			return FALSE;
		}
	}
	return TRUE;
}

/* Runs steps until one waits, the workflow finishes or a step fails (file header). */
static RunEnd
run_steps(PglWorkflowRun *run, GError **error)
{
	for (guint executed = 0; run->stack->len > 0; executed++) {
		g_autofree gchar *name = NULL;
		g_autoptr(GError) step_error = NULL;
		const PglWorkflowStep *step;
		PglWorkflowEvent event = run->event;
		PglStepResult result;

		if (executed >= PGL_LIMIT_WORKFLOW_STEPS) {
			g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_LIMIT,
				    "workflow %s: more than %d steps in one go", run->workflow,
				    PGL_LIMIT_WORKFLOW_STEPS);
			return RUN_FAILED;
		}
		name = g_ptr_array_steal_index(run->stack, run->stack->len - 1);
		step = pgl_workflow_lookup_step(name);
		g_free(run->step);
		run->step = g_strdup(name);
		if (step == NULL) {
			/* pushed by a step: a bug in that step, so the workflow fails */
			g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_UNKNOWN_STEP,
				    "workflow %s: no step named %s is registered", run->workflow,
				    name);
			return RUN_FAILED;
		}
		run->waiting_for = PGL_WORKFLOW_WAIT_NONE;
		g_debug("workflow=%s list=%" G_GINT64_FORMAT " step=%s event=%s", run->workflow,
			run->list_id, name, pgl_workflow_event_to_string(event));
		result = step->run(run, step->user_data, &step_error);
		/* the event was for the step that waited for it, and for no other */
		run->event = PGL_WORKFLOW_EVENT_NONE;
		g_clear_pointer(&run->event_data, json_object_unref);

		if ((result == PGL_STEP_RESULT_ERROR) != (step_error != NULL))
			return contract_broken(error, name,
					       "returned an error without setting it, or the "
					       "reverse");
		if (run->stack->len > PGL_LIMIT_WORKFLOW_STEPS) {
			g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_LIMIT,
				    "workflow %s: step %s left more than %d steps to run",
				    run->workflow, name, PGL_LIMIT_WORKFLOW_STEPS);
			return RUN_FAILED;
		}
		if ((event == PGL_WORKFLOW_EVENT_REJECT || event == PGL_WORKFLOW_EVENT_DISCARD) &&
		    result != PGL_STEP_RESULT_FINISH && result != PGL_STEP_RESULT_ERROR)
			return contract_broken(error, name,
					       "did not end a workflow the moderator refused");

		switch (result) {
		case PGL_STEP_RESULT_ERROR:
			return step_failed(error, g_steal_pointer(&step_error), name);
		case PGL_STEP_RESULT_CONTINUE:
			run->waiting_for = PGL_WORKFLOW_WAIT_NONE;
			continue;
		case PGL_STEP_RESULT_WAIT:
			if (run->waiting_for == PGL_WORKFLOW_WAIT_NONE)
				return contract_broken(error, name,
						       "waited without saying for what");
			/* it runs again when the event arrives */
			g_ptr_array_add(run->stack, g_steal_pointer(&name));
			return RUN_WAITING;
		case PGL_STEP_RESULT_FINISH:
			return RUN_FINISHED;
		default:
			return contract_broken(error, name, "returned an unknown result");
		}
	}
	return RUN_FINISHED;
}

/* Stores a waiting workflow under a new token and calls the waiting step's waiting function. */
static RunEnd
store_waiting(PglWorkflowRun *run, gint64 token_lifetime, GError **error)
{
	const PglWorkflowStep *step = pgl_workflow_lookup_step(run->step);
	g_autofree gchar *payload = NULL;
	g_autoptr(GError) local_error = NULL;
	gchar *token;
	gint64 expires = run->now + token_lifetime;

	payload = pgl_workflow_run_to_json(run, error);
	if (payload == NULL)
		return RUN_FAILED;
	token = pgl_store_pending_add(run->store, run->list_id, PGL_WORKFLOW_PENDING_TYPE, payload,
				      expires, &local_error);
	if (token == NULL) {
		g_prefix_error(&local_error, "workflow %s: cannot store its state: ",
			       run->workflow);
		/* no such list fails the workflow; a busy or broken database changes nothing */
		if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&local_error));
			return RUN_FAILED;
		}
		g_propagate_error(error, g_steal_pointer(&local_error));
		return RUN_ABORTED;
	}
	g_free(run->token);
	run->token = token;
	run->expires = expires;
	if (step->waiting != NULL && !step->waiting(run, step->user_data, &local_error)) {
		if (local_error == NULL)
			return contract_broken(error, run->step,
					       "failed to wait without saying why");
		return step_failed(error, g_steal_pointer(&local_error), run->step);
	}
	return RUN_WAITING;
}

static void
fill_outcome(PglWorkflowOutcome *outcome, PglWorkflowStatus status, PglWorkflowRun *run,
	     GError *error)
{
	g_autofree gchar *safe_address = pgl_sanitize(run->address, -1, 100);

	outcome->status = status;
	outcome->workflow = g_strdup(run->workflow);
	outcome->list_id = run->list_id;
	outcome->address = g_strdup(run->address);
	outcome->data = json_object_ref(run->data);
	outcome->step = g_strdup(run->step);
	outcome->waiting_for = PGL_WORKFLOW_WAIT_NONE;
	outcome->error = error;
	switch (status) {
	case PGL_WORKFLOW_STATUS_WAITING:
		outcome->token = g_strdup(run->token);
		outcome->waiting_for = run->waiting_for;
		outcome->expires = run->expires;
		g_info("workflow=%s list=%" G_GINT64_FORMAT " address=%s action=waiting step=%s "
		       "for=%s",
		       run->workflow, run->list_id, safe_address, run->step,
		       pgl_workflow_wait_to_string(run->waiting_for));
		break;
	case PGL_WORKFLOW_STATUS_FINISHED:
		g_info("workflow=%s list=%" G_GINT64_FORMAT " address=%s action=finished step=%s",
		       run->workflow, run->list_id, safe_address,
		       run->step != NULL ? run->step : "-");
		break;
	case PGL_WORKFLOW_STATUS_FAILED: {
		g_autofree gchar *safe_error = pgl_sanitize(error->message, -1, 200);

		g_info("workflow=%s list=%" G_GINT64_FORMAT " address=%s action=failed step=%s "
		       "error=\"%s\"",
		       run->workflow, run->list_id, safe_address,
		       run->step != NULL ? run->step : "-", safe_error);
		break;
	}
	default:
		g_assert_not_reached();
	}
}

/* Removes the state of a failed workflow, after the rollback of its transaction put it back. */
static gboolean
remove_failed(PglStore *store, const gchar *token, GError **error)
{
	g_autoptr(GError) local_error = NULL;

	if (!pgl_store_begin(store, error))
		return FALSE;
	if (!pgl_store_pending_remove(store, token, &local_error) &&
	    !g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND)) {
		/* NOT_FOUND: another resume used it in between; it is gone either way */
		pgl_store_rollback(store);
		g_propagate_error(error, g_steal_pointer(&local_error));
		return FALSE;
	}
	if (!pgl_store_commit(store, error)) {
		pgl_store_rollback(store);
		return FALSE;
	}
	return TRUE;
}

/* Runs @run inside the transaction the caller began, and ends the transaction. @used_token is
 * the token a resume used up (already removed in this transaction), or NULL for a start. */
static gboolean
execute(PglStore *store, PglWorkflowRun *run, const gchar *used_token, gint64 now,
	gint64 token_lifetime, PglWorkflowOutcome *outcome, GError **error)
{
	g_autoptr(GError) run_error = NULL;
	RunEnd end;

	run->store = store;
	run->now = now;
	end = run_steps(run, &run_error);
	if (end == RUN_WAITING)
		end = store_waiting(run, token_lifetime, &run_error);

	switch (end) {
	case RUN_ABORTED:
		pgl_store_rollback(store);
		run->store = NULL;
		g_propagate_error(error, g_steal_pointer(&run_error));
		return FALSE;
	case RUN_FAILED:
		pgl_store_rollback(store);
		run->store = NULL;
		if (used_token != NULL && !remove_failed(store, used_token, error)) {
			g_prefix_error(error, "workflow %s failed (%s), and its state stays: ",
				       run->workflow, run_error->message);
			return FALSE;
		}
		fill_outcome(outcome, PGL_WORKFLOW_STATUS_FAILED, run, g_steal_pointer(&run_error));
		return TRUE;
	case RUN_FINISHED:
	case RUN_WAITING:
		if (!pgl_store_commit(store, error)) {
			pgl_store_rollback(store);
			run->store = NULL;
			return FALSE;
		}
		run->store = NULL;
		fill_outcome(outcome,
			     end == RUN_WAITING ? PGL_WORKFLOW_STATUS_WAITING
						: PGL_WORKFLOW_STATUS_FINISHED,
			     run, NULL);
		return TRUE;
	default:
		g_assert_not_reached();
	}
}

/**
 * pgl_workflow_start:
 * @store: a store, not in a transaction
 * @list_id: the row id of the list
 * @workflow_name: (not nullable): a defined workflow (pgl_workflow_define(), or a built-in one
 *   from pgl-workflow-policies.h)
 * @address: (not nullable): the address it is about, normalised (at most
 *   %PGL_LIMIT_ADDRESS_MAX bytes)
 * @data: (nullable) (transfer none): initial data for the steps (display name, pre_confirmed...);
 *   the workflow works on a copy
 * @now: the current time
 * @token_lifetime: how long a token is good for, in seconds (`[workflows] token_lifetime`,
 *   default %PGL_LIMIT_WORKFLOW_TOKEN_LIFETIME_DEFAULT)
 * @outcome: (out caller-allocates): how it ended; initialised with %PGL_WORKFLOW_OUTCOME_INIT
 *   (it is cleared first)
 * @error: return location for a #GError
 *
 * Starts a workflow and runs its steps, in one store transaction, until one waits, the workflow
 * finishes or a step fails (file header).
 *
 * Returns: %TRUE if the workflow ran, with @outcome saying how it ended (a failed step is an
 *   outcome, not an error); %FALSE with @error set if nothing changed:
 *   %PGL_WORKFLOW_ERROR_UNKNOWN_WORKFLOW, %PGL_WORKFLOW_ERROR_UNKNOWN_STEP (the definition names
 *   an unregistered step), %PGL_WORKFLOW_ERROR_INVALID (address too long), a step's temporary
 *   error, or a #PglStoreError
 */
gboolean
pgl_workflow_start(PglStore *store, gint64 list_id, const gchar *workflow_name,
		   const gchar *address, JsonObject *data, gint64 now, gint64 token_lifetime,
		   PglWorkflowOutcome *outcome, GError **error)
{
	g_autoptr(PglWorkflowRun) run = NULL;
	const gchar *const *steps;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(workflow_name != NULL, FALSE);
	g_return_val_if_fail(address != NULL, FALSE);
	g_return_val_if_fail(token_lifetime > 0, FALSE);
	g_return_val_if_fail(outcome != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	pgl_workflow_outcome_clear(outcome);
	steps = pgl_workflow_get_definition(workflow_name);
	if (steps == NULL) {
		g_autofree gchar *safe_name = pgl_sanitize(workflow_name, -1, 64);

		g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_UNKNOWN_WORKFLOW,
			    "no workflow named %s is defined", safe_name);
		return FALSE;
	}
	if (strlen(address) > PGL_LIMIT_ADDRESS_MAX) {
		g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_INVALID,
			    "workflow %s: the address is longer than %d bytes", workflow_name,
			    PGL_LIMIT_ADDRESS_MAX);
		return FALSE;
	}
	run = pgl_workflow_run_new(workflow_name, list_id, address, steps, data);
	if (!check_steps_registered(run, error))
		return FALSE;
	if (!pgl_store_begin(store, error))
		return FALSE;
	return execute(store, run, NULL, now, token_lifetime, outcome, error);
}

/* Looks a token up for a resume or a lookup: only an unexpired workflow state will do. */
static PglWorkflowRun *
load(PglStore *store, const gchar *token, gint64 now, GError **error)
{
	g_autoptr(PglPending) pending = NULL;
	g_autoptr(GError) local_error = NULL;
	PglWorkflowRun *run;

	if (token[0] == '\0' || strlen(token) > TOKEN_MAX_LENGTH) {
		g_set_error_literal(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN,
				    "unknown or already used token");
		return NULL;
	}
	pending = pgl_store_pending_lookup(store, token, &local_error);
	if (pending == NULL) {
		if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND))
			g_set_error_literal(error, PGL_WORKFLOW_ERROR,
					    PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN,
					    "unknown or already used token");
		else
			g_propagate_error(error, g_steal_pointer(&local_error));
		return NULL;
	}
	if (!g_str_equal(pending->type, PGL_WORKFLOW_PENDING_TYPE)) {
		g_set_error_literal(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN,
				    "unknown or already used token");
		return NULL;
	}
	if (pending->expires <= now) {
		g_set_error_literal(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_EXPIRED,
				    "the token has expired");
		return NULL;
	}
	run = pgl_workflow_run_from_pending(pending, error);
	if (run == NULL)
		return NULL;
	run->now = now;
	return run;
}

/**
 * pgl_workflow_resume:
 * @store: a store, not in a transaction
 * @token: (not nullable): the token as received (untrusted: any text)
 * @event: what happened (not %PGL_WORKFLOW_EVENT_NONE)
 * @event_data: (nullable) (transfer none): what came with it (a key, a verified statement, a
 *   moderator's reason), for the step that waited
 * @now: the current time
 * @token_lifetime: how long a new token is good for, in seconds
 * @outcome: (out caller-allocates): how it ended; initialised with %PGL_WORKFLOW_OUTCOME_INIT
 * @error: return location for a #GError
 *
 * Resumes the workflow waiting under @token (file header): uses the token up and runs the
 * waiting step again with @event, then the steps after it, in one store transaction.
 *
 * Returns: %TRUE if the workflow ran, with @outcome saying how it ended; %FALSE with @error set
 *   if nothing changed: %PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN (unknown, used, or not a workflow's),
 *   %PGL_WORKFLOW_ERROR_EXPIRED, %PGL_WORKFLOW_ERROR_WRONG_EVENT (the token still works),
 *   %PGL_WORKFLOW_ERROR_CORRUPT, %PGL_WORKFLOW_ERROR_UNKNOWN_STEP (the stored state names a step
 *   no one registered), a step's temporary error, or a #PglStoreError
 */
gboolean
pgl_workflow_resume(PglStore *store, const gchar *token, PglWorkflowEvent event,
		    JsonObject *event_data, gint64 now, gint64 token_lifetime,
		    PglWorkflowOutcome *outcome, GError **error)
{
	g_autoptr(PglWorkflowRun) run = NULL;
	g_autofree gchar *used_token = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(token != NULL, FALSE);
	g_return_val_if_fail(event != PGL_WORKFLOW_EVENT_NONE &&
				     pgl_workflow_event_to_string(event) != NULL,
			     FALSE);
	g_return_val_if_fail(token_lifetime > 0, FALSE);
	g_return_val_if_fail(outcome != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	pgl_workflow_outcome_clear(outcome);
	/* BEGIN IMMEDIATE: from the lookup to the removal nobody else can use the token */
	if (!pgl_store_begin(store, error))
		return FALSE;
	run = load(store, token, now, error);
	if (run == NULL) {
		pgl_store_rollback(store);
		return FALSE;
	}
	if (!pgl_workflow_wait_accepts(run->waiting_for, event)) {
		g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_WRONG_EVENT,
			    "workflow %s waits for %s, not for %s", run->workflow,
			    pgl_workflow_wait_to_string(run->waiting_for),
			    pgl_workflow_event_to_string(event));
		pgl_store_rollback(store);
		return FALSE;
	}
	if (!check_steps_registered(run, error) ||
	    !pgl_store_pending_remove(store, run->token, error)) {
		pgl_store_rollback(store);
		return FALSE;
	}
	used_token = g_strdup(run->token);
	run->event = event;
	run->event_data = event_data != NULL ? json_object_ref(event_data) : NULL;
	return execute(store, run, used_token, now, token_lifetime, outcome, error);
}

/**
 * pgl_workflow_lookup:
 * @store: a store
 * @token: (not nullable): a token as received (untrusted)
 * @now: the current time
 * @error: return location for a #GError
 *
 * Reads a waiting workflow without using its token up: to see what it waits for before choosing
 * the event (a moderator's "confirm TOKEN" is an approval), or to list it for an administrator.
 *
 * Returns: (transfer full) (nullable): the stored state, or %NULL with @error set
 *   (%PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN, %PGL_WORKFLOW_ERROR_EXPIRED,
 *   %PGL_WORKFLOW_ERROR_CORRUPT, a #PglStoreError)
 */
PglWorkflowRun *
pgl_workflow_lookup(PglStore *store, const gchar *token, gint64 now, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(token != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	return load(store, token, now, error);
}

/* One batch of pgl_workflow_expire(): returns the number removed, or -1 with @error set. */
static gint
expire_batch(PglStore *store, gint64 now, PglWorkflowExpiredFunc func, gpointer user_data,
	     GError **error)
{
	g_autoptr(GPtrArray) taken = NULL;

	if (!pgl_store_begin(store, error))
		return -1;
	taken = pgl_store_pending_take_expired(store, PGL_WORKFLOW_PENDING_TYPE, now, EXPIRE_BATCH,
					       error);
	if (taken == NULL) {
		pgl_store_rollback(store);
		return -1;
	}
	for (guint i = 0; i < taken->len; i++) {
		const PglPending *pending = g_ptr_array_index(taken, i);
		g_autoptr(GError) local_error = NULL;
		g_autoptr(PglWorkflowRun) run = NULL;
		g_autofree gchar *safe_address = NULL;

		run = pgl_workflow_run_from_pending(pending, &local_error);
		if (run == NULL) {
			g_warning("workflow state of list %" G_GINT64_FORMAT
				  " expired and removed unread: %s",
				  pending->list_id, local_error->message);
			continue;
		}
		run->store = store;
		run->now = now;
		if (func != NULL && !func(run, user_data, &local_error)) {
			pgl_store_rollback(store);
			if (local_error == NULL)
				g_set_error_literal(&local_error, PGL_WORKFLOW_ERROR,
						    PGL_WORKFLOW_ERROR_STEP,
						    "the expiry callback failed, saying nothing");
			g_propagate_error(error, g_steal_pointer(&local_error));
			return -1;
		}
		safe_address = pgl_sanitize(run->address, -1, 100);
		g_info("workflow=%s list=%" G_GINT64_FORMAT " address=%s action=expired step=%s "
		       "for=%s",
		       run->workflow, run->list_id, safe_address, run->step,
		       pgl_workflow_wait_to_string(run->waiting_for));
	}
	if (!pgl_store_commit(store, error)) {
		pgl_store_rollback(store);
		return -1;
	}
	return (gint)taken->len;
}

/**
 * pgl_workflow_expire:
 * @store: a store, not in a transaction
 * @now: the current time
 * @func: (nullable) (scope call): called for each expired state, to tell the person
 * @user_data: for @func
 * @error: return location for a #GError
 *
 * Removes the workflow states whose token expired at or before @now, and calls @func for each
 * inside the transaction that removes it, in batches (file header, "Crashes"). A state that
 * cannot be read is removed with a warning and without a call. Other kinds of pending rows are
 * left alone.
 *
 * Returns: the number of states removed; 0 with @error set on failure (a #PglStoreError, or
 *   @func's error), in which case the batch @func failed in is kept for the next call
 */
guint
pgl_workflow_expire(PglStore *store, gint64 now, PglWorkflowExpiredFunc func,
		    gpointer user_data, GError **error)
{
	guint total = 0;
	gint removed;

	g_return_val_if_fail(store != NULL, 0);
	g_return_val_if_fail(error == NULL || *error == NULL, 0);

	do {
		removed = expire_batch(store, now, func, user_data, error);
		if (removed < 0)
			return 0;
		total += (guint)removed;
	} while (removed == EXPIRE_BATCH);
	return total;
}
