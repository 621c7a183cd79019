/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a workflow step is and what it sees: the interface the built-in steps and a plugin's steps
 * implement, the registry they are entered in, and the running workflow (#PglWorkflowRun) a step
 * reads and changes. The engine that runs steps is pgl-workflow.h; the built-in workflows and
 * the names of their steps are pgl-workflow-policies.h.
 *
 * A workflow is a stack of step names (cf. Mailman 3's mailman/workflows). The engine pops the
 * next name, looks the step up in the registry and calls its run function, which answers:
 *
 * - CONTINUE: go on with the next step.
 * - WAIT: stop until an event arrives. The step says what for (pgl_workflow_run_wait()): a reply
 *   from the address (CONFIRM, KEY_SET, KEY_CONFIRM) or a moderator's decision (APPROVE). The
 *   state is stored under a new token and the step's @waiting function (if any) is called with it,
 *   to send the request that carries the token. When the event arrives, the SAME step runs again
 *   with pgl_workflow_run_get_event() telling which event and pgl_workflow_run_get_event_data()
 *   what came with it: a step is "ask, then check the answer".
 * - FINISH: the workflow is done; steps left on the stack are dropped and the state removed.
 * - ERROR (with the #GError set): the workflow fails; its state is removed and the error
 *   reported to the caller, who tells the person concerned. Only a condition that passes
 *   (%PGL_WORKFLOW_ERROR_TEMPORARY, %PGL_STORE_ERROR_BUSY) leaves everything as it was instead.
 *
 * Steps run inside the engine's store transaction: store calls they make through
 * pgl_workflow_run_get_store() commit or roll back with the workflow's own state, so they must
 * not begin or commit transactions themselves. Anything a step does outside the store (queueing
 * mail into the spool) is not undone by a rollback; see "Crashes" in pgl-workflow.c.
 *
 * A step that waits for a moderator must end the workflow (FINISH, or an error) when the event is
 * REJECT or DISCARD; going on is refused (%PGL_WORKFLOW_ERROR_STEP), so that a rejected
 * subscription can never reach the "subscribe" step by mistake.
 *
 * The registry is process-wide, like GType's: steps and definitions are added at start-up (the
 * built-in steps by the application, others by plugins) and never removed, so the pointers it
 * hands out stay valid. Registration and lookups are thread-safe (a reader-writer lock).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "store/pgl-store.h"
#include "workflows/pgl-workflow-error.h"

G_BEGIN_DECLS

/**
 * PglStepResult:
 * @PGL_STEP_RESULT_ERROR: the step failed; its #GError is set
 * @PGL_STEP_RESULT_CONTINUE: done; go on with the next step
 * @PGL_STEP_RESULT_WAIT: stop until the event set with pgl_workflow_run_wait() arrives
 * @PGL_STEP_RESULT_FINISH: the workflow is complete; drop the remaining steps
 */
typedef enum {
	PGL_STEP_RESULT_ERROR,
	PGL_STEP_RESULT_CONTINUE,
	PGL_STEP_RESULT_WAIT,
	PGL_STEP_RESULT_FINISH,
} PglStepResult;

/**
 * PglWorkflowWait:
 * @PGL_WORKFLOW_WAIT_NONE: not waiting
 * @PGL_WORKFLOW_WAIT_CONFIRM: for the address to answer with the token ("confirm TOKEN");
 *   accepts %PGL_WORKFLOW_EVENT_CONFIRM
 * @PGL_WORKFLOW_WAIT_APPROVE: for a moderator's decision; accepts %PGL_WORKFLOW_EVENT_APPROVE,
 *   %PGL_WORKFLOW_EVENT_REJECT and %PGL_WORKFLOW_EVENT_DISCARD
 * @PGL_WORKFLOW_WAIT_KEY_SET: for the address to send its public key ("key set TOKEN");
 *   accepts %PGL_WORKFLOW_EVENT_KEY_SET
 * @PGL_WORKFLOW_WAIT_KEY_CONFIRM: for the address to return the statement the list sent, signed
 *   by its key ("key confirm TOKEN"); accepts %PGL_WORKFLOW_EVENT_KEY_CONFIRM
 *
 * What a waiting workflow waits for; stored as its string (pgl_workflow_wait_to_string()).
 */
typedef enum {
	PGL_WORKFLOW_WAIT_NONE,
	PGL_WORKFLOW_WAIT_CONFIRM,
	PGL_WORKFLOW_WAIT_APPROVE,
	PGL_WORKFLOW_WAIT_KEY_SET,
	PGL_WORKFLOW_WAIT_KEY_CONFIRM,
} PglWorkflowWait;

/**
 * PglWorkflowEvent:
 * @PGL_WORKFLOW_EVENT_NONE: no event (a step run at start, or after the one that waited)
 * @PGL_WORKFLOW_EVENT_CONFIRM: the address confirmed
 * @PGL_WORKFLOW_EVENT_APPROVE: a moderator accepted
 * @PGL_WORKFLOW_EVENT_REJECT: a moderator refused; the person is told
 * @PGL_WORKFLOW_EVENT_DISCARD: a moderator dropped the request without a word
 * @PGL_WORKFLOW_EVENT_KEY_SET: the address sent its key (in the event data)
 * @PGL_WORKFLOW_EVENT_KEY_CONFIRM: the address returned the signed statement (event data)
 *
 * What resumes a waiting workflow (pgl_workflow_resume()).
 */
typedef enum {
	PGL_WORKFLOW_EVENT_NONE,
	PGL_WORKFLOW_EVENT_CONFIRM,
	PGL_WORKFLOW_EVENT_APPROVE,
	PGL_WORKFLOW_EVENT_REJECT,
	PGL_WORKFLOW_EVENT_DISCARD,
	PGL_WORKFLOW_EVENT_KEY_SET,
	PGL_WORKFLOW_EVENT_KEY_CONFIRM,
} PglWorkflowEvent;

/**
 * PglWorkflowRun:
 *
 * A workflow's state (opaque): its name, list, the address it is about, the steps still to run,
 * its data, and where it waits. Inside a step it is the running workflow; from
 * pgl_workflow_lookup() and in a #PglWorkflowExpiredFunc it is a stored state to read.
 */
typedef struct _PglWorkflowRun PglWorkflowRun;

/**
 * PglWorkflowStepFunc:
 * @run: the running workflow
 * @user_data: the step's #PglWorkflowStep.user_data
 * @error: return location for a #GError
 *
 * Does the step's work (see the file header for the answers).
 *
 * Returns: what happens next; %PGL_STEP_RESULT_ERROR with @error set, and only then
 */
typedef PglStepResult (*PglWorkflowStepFunc)(PglWorkflowRun *run, gpointer user_data,
					     GError **error);

/**
 * PglWorkflowWaitFunc:
 * @run: the workflow, stored; pgl_workflow_run_get_token() is the new token and
 *   pgl_workflow_run_get_expires() its expiry
 * @user_data: the step's #PglWorkflowStep.user_data
 * @error: return location for a #GError
 *
 * Called after a step returned WAIT and the state was stored under a new token, inside the same
 * transaction: the place to queue the request that carries the token. An error is handled as
 * the step's own (the workflow fails, unless it is temporary).
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
typedef gboolean (*PglWorkflowWaitFunc)(PglWorkflowRun *run, gpointer user_data,
					GError **error);

/**
 * PglWorkflowStep:
 * @name: the step's name: 1 to 64 of a-z, 0-9, "-", "_", "." and ":" (a plugin's steps are
 *   best named "plugin:step"); it is stored in waiting states, so it must not change between
 *   releases
 * @description: (nullable): one line for the documentation and `pgplist` listings
 * @run: the step's work
 * @waiting: (nullable): called with the new token when the step waits
 * @user_data: passed to @run and @waiting (the application's context, say); must live as long
 *   as the process
 *
 * A step as registered. The registry keeps a copy (and copies of the strings).
 */
typedef struct {
	const gchar *name;
	const gchar *description;
	PglWorkflowStepFunc run;
	PglWorkflowWaitFunc waiting;
	gpointer user_data;
} PglWorkflowStep;

gboolean pgl_workflow_register_step(const PglWorkflowStep *step, GError **error);
const PglWorkflowStep *pgl_workflow_lookup_step(const gchar *name);
gboolean pgl_workflow_define(const gchar *name, const gchar *const *steps, GError **error);
const gchar *const *pgl_workflow_get_definition(const gchar *name);

const gchar *pgl_workflow_run_get_workflow(PglWorkflowRun *run);
gint64 pgl_workflow_run_get_list_id(PglWorkflowRun *run);
const gchar *pgl_workflow_run_get_address(PglWorkflowRun *run);
JsonObject *pgl_workflow_run_get_data(PglWorkflowRun *run);
const gchar *pgl_workflow_run_get_step(PglWorkflowRun *run);
GStrv pgl_workflow_run_dup_steps(PglWorkflowRun *run);
const gchar *pgl_workflow_run_get_token(PglWorkflowRun *run);
gint64 pgl_workflow_run_get_expires(PglWorkflowRun *run);
PglWorkflowWait pgl_workflow_run_get_waiting_for(PglWorkflowRun *run);
PglStore *pgl_workflow_run_get_store(PglWorkflowRun *run);
gint64 pgl_workflow_run_get_now(PglWorkflowRun *run);
PglWorkflowEvent pgl_workflow_run_get_event(PglWorkflowRun *run);
JsonObject *pgl_workflow_run_get_event_data(PglWorkflowRun *run);
void pgl_workflow_run_push_steps(PglWorkflowRun *run, const gchar *const *names);
PglStepResult pgl_workflow_run_wait(PglWorkflowRun *run, PglWorkflowWait wait);
void pgl_workflow_run_free(PglWorkflowRun *run);

const gchar *pgl_workflow_wait_to_string(PglWorkflowWait wait);
gboolean pgl_workflow_wait_from_string(const gchar *text, PglWorkflowWait *wait_out);
const gchar *pgl_workflow_event_to_string(PglWorkflowEvent event);
gboolean pgl_workflow_event_from_string(const gchar *text, PglWorkflowEvent *event_out);
gboolean pgl_workflow_wait_accepts(PglWorkflowWait wait, PglWorkflowEvent event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglWorkflowRun, pgl_workflow_run_free)

G_END_DECLS
