/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The error domain of src/workflows. Errors of the store pass through with their own domain
 * (PGL_STORE_ERROR), with context added; a step's own error keeps its domain and code, prefixed
 * with the step's name. Messages never repeat a token (they may be logged or mailed back).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PGL_WORKFLOW_ERROR (pgl_workflow_error_quark())
GQuark pgl_workflow_error_quark(void);

/**
 * PglWorkflowError:
 * @PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN: no workflow waits under this token: it never existed, was
 *   used already (tokens are single use), or belongs to something else than a workflow
 * @PGL_WORKFLOW_ERROR_EXPIRED: the token exists but has expired
 * @PGL_WORKFLOW_ERROR_WRONG_EVENT: the workflow does not wait for this event (a "confirm" for
 *   a request that waits for a moderator, say); nothing changed and the token still works
 * @PGL_WORKFLOW_ERROR_UNKNOWN_WORKFLOW: no workflow is defined under this name
 * @PGL_WORKFLOW_ERROR_UNKNOWN_STEP: a step name that no one registered (a definition naming
 *   a step of a plugin that is not loaded, or a step pushing a misspelt name)
 * @PGL_WORKFLOW_ERROR_EXISTS: a step or a workflow of this name is already registered
 * @PGL_WORKFLOW_ERROR_INVALID: a name that is not a valid step or workflow name, or an empty
 *   or oversized definition
 * @PGL_WORKFLOW_ERROR_CORRUPT: a stored state that cannot be read (not our JSON, an unknown
 *   version, a field missing or of the wrong type)
 * @PGL_WORKFLOW_ERROR_LIMIT: more steps run or stacked than %PGL_LIMIT_WORKFLOW_STEPS, or a state
 *   larger than %PGL_LIMIT_WORKFLOW_STATE
 * @PGL_WORKFLOW_ERROR_STEP: a step broke its contract: it waited without saying for what, went
 *   on after a moderator rejected or discarded the request, returned an unknown result, or
 *   returned an error without setting it (or set one without returning it)
 * @PGL_WORKFLOW_ERROR_TEMPORARY: for steps to return: a condition that passes (the spool's disk
 *   is full); the workflow does not fail, nothing changes, and the same call may succeed later
 *   (%PGL_STORE_ERROR_BUSY from a step is treated the same way)
 */
typedef enum {
	PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN,
	PGL_WORKFLOW_ERROR_EXPIRED,
	PGL_WORKFLOW_ERROR_WRONG_EVENT,
	PGL_WORKFLOW_ERROR_UNKNOWN_WORKFLOW,
	PGL_WORKFLOW_ERROR_UNKNOWN_STEP,
	PGL_WORKFLOW_ERROR_EXISTS,
	PGL_WORKFLOW_ERROR_INVALID,
	PGL_WORKFLOW_ERROR_CORRUPT,
	PGL_WORKFLOW_ERROR_LIMIT,
	PGL_WORKFLOW_ERROR_STEP,
	PGL_WORKFLOW_ERROR_TEMPORARY,
} PglWorkflowError;

G_END_DECLS
