/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the files of src/workflows/ share and nothing else sees: the layout of #PglWorkflowRun,
 * its stored form, and the built-in definitions the registry starts with.
 */
#pragma once

#include "workflows/pgl-workflow.h"

G_BEGIN_DECLS

struct _PglWorkflowRun {
	/* the state, as stored */
	gchar *workflow;	     /* (owned) */
	gint64 list_id;
	gchar *address;		     /* (owned) */
	GPtrArray *stack;	     /* (owned) (element-type utf8) steps to run, the next last */
	JsonObject *data;	     /* (owned) */
	PglWorkflowWait waiting_for; /* NONE unless waiting */
	/* where it is stored */
	gchar *token;		     /* (owned) (nullable) */
	gint64 expires;
	/* while the engine runs it */
	PglStore *store;	     /* (unowned) (nullable) */
	gint64 now;
	PglWorkflowEvent event;	     /* for the step that waited, then NONE */
	JsonObject *event_data;	     /* (owned) (nullable) likewise */
	gchar *step;		     /* (owned) (nullable) the step running, waiting or failed */
};

/**
 * PglWorkflowDefinition:
 *
 * A built-in workflow: a static table entry.
 */
typedef struct {
	const gchar *name;
	const gchar *const *steps; /* %NULL-terminated */
} PglWorkflowDefinition;

const PglWorkflowDefinition *pgl_workflow_builtin_definitions(gsize *n_out);
gboolean pgl_workflow_name_is_valid(const gchar *name);

PglWorkflowRun *pgl_workflow_run_new(const gchar *workflow, gint64 list_id,
				     const gchar *address, const gchar *const *steps,
				     JsonObject *data);
gchar *pgl_workflow_run_to_json(PglWorkflowRun *run, GError **error);
PglWorkflowRun *pgl_workflow_run_from_pending(const PglPending *pending, GError **error);
JsonObject *pgl_workflow_json_object_copy(JsonObject *object);

G_END_DECLS
