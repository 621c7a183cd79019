/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The workflow engine: starts a named workflow, runs its steps until one waits, the workflow
 * finishes or a step fails; resumes a waiting workflow when its event arrives (a reply with the
 * token, a moderator's decision); removes the states whose token expired. States live in the
 * store's `pending` table (type %PGL_WORKFLOW_PENDING_TYPE), so any process (the daemon after a
 * restart, the command line) can resume what another one started. Semantics, the stored format
 * and what a crash does are described in pgl-workflow.c; steps in pgl-workflow-step.h.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "store/pgl-store.h"
#include "workflows/pgl-workflow-error.h"
#include "workflows/pgl-workflow-step.h"

G_BEGIN_DECLS

/* The `type` of a workflow's row in the store's `pending` table. */
#define PGL_WORKFLOW_PENDING_TYPE "workflow"

/* The version of the stored JSON state (pgl-workflow-run.c); older versions are read, newer
 * ones refused. */
#define PGL_WORKFLOW_STATE_VERSION 1

/**
 * PglWorkflowStatus:
 * @PGL_WORKFLOW_STATUS_FINISHED: the workflow ran to its end (or a step finished it); nothing
 *   is stored any more
 * @PGL_WORKFLOW_STATUS_WAITING: a step waits; the state is stored under a new token
 * @PGL_WORKFLOW_STATUS_FAILED: a step failed; nothing is stored any more, and the outcome's
 *   error says why
 */
typedef enum {
	PGL_WORKFLOW_STATUS_FINISHED,
	PGL_WORKFLOW_STATUS_WAITING,
	PGL_WORKFLOW_STATUS_FAILED,
} PglWorkflowStatus;

/**
 * PglWorkflowOutcome:
 *
 * How a start or resume ended, for the caller to report (a reply to a command, a REST answer).
 * Declare it `g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;`.
 */
typedef struct {
	PglWorkflowStatus status;
	gchar *workflow;	     /* (owned) the workflow's name */
	gint64 list_id;
	gchar *address;		     /* (owned) the address it is about */
	JsonObject *data;	     /* (owned) the data as the last step left it */
	gchar *step;		     /* (owned) (nullable) the step that waits, failed, ran last */
	gchar *token;		     /* (owned) (nullable) WAITING: the new token */
	PglWorkflowWait waiting_for; /* WAITING: what for; otherwise NONE */
	gint64 expires;		     /* WAITING: when the new token expires */
	GError *error;		     /* (owned) (nullable) FAILED: what went wrong */
} PglWorkflowOutcome;

#define PGL_WORKFLOW_OUTCOME_INIT {PGL_WORKFLOW_STATUS_FINISHED}

/**
 * PglWorkflowExpiredFunc:
 * @run: the expired state (its token, expiry, workflow, address, data and what it waited for);
 *   pgl_workflow_run_get_store() is the store, inside the transaction that removes the state
 * @user_data: as given to pgl_workflow_expire()
 * @error: return location for a #GError
 *
 * Tells someone that their request expired (queues the notice).
 *
 * Returns: %TRUE on success; %FALSE with @error set rolls the batch back (it is tried again the
 *   next time)
 */
typedef gboolean (*PglWorkflowExpiredFunc)(PglWorkflowRun *run, gpointer user_data,
					   GError **error);

gboolean pgl_workflow_start(PglStore *store, gint64 list_id, const gchar *workflow_name,
			    const gchar *address, JsonObject *data, gint64 now,
			    gint64 token_lifetime, PglWorkflowOutcome *outcome, GError **error);
gboolean pgl_workflow_resume(PglStore *store, const gchar *token, PglWorkflowEvent event,
			     JsonObject *event_data, gint64 now, gint64 token_lifetime,
			     PglWorkflowOutcome *outcome, GError **error);
PglWorkflowRun *pgl_workflow_lookup(PglStore *store, const gchar *token, gint64 now,
				    GError **error);
guint pgl_workflow_expire(PglStore *store, gint64 now, PglWorkflowExpiredFunc func,
			  gpointer user_data, GError **error);

const gchar *pgl_workflow_status_to_string(PglWorkflowStatus status);
void pgl_workflow_outcome_clear(PglWorkflowOutcome *outcome);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PglWorkflowOutcome, pgl_workflow_outcome_clear)

G_END_DECLS
