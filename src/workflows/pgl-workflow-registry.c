/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The registry of workflow steps and workflow definitions: one per process, like GType's, and
 * the only mutable global in pgplist besides GLib's own. It is filled at start-up (the built-in
 * definitions on first use, the application's steps, then plugins' steps and definitions) and
 * never emptied: entries are neither replaced nor freed, so a pointer it hands out is good for
 * the life of the process and a state stored by one release finds its steps in the next.
 * Registration takes the write lock; lookups, which every step of every workflow makes, take
 * the read lock and so never wait for each other.
 *
 * Names are checked here (pgl_workflow_name_is_valid()) because they are stored in waiting states
 * and shown in logs: a short, plain name can be neither an injection nor a surprise.
 */
#include "workflows/pgl-workflow-private.h"

#include "core/pgl-limits.h"

#include <string.h>

#define NAME_MAX_LENGTH 64

typedef struct {
	GRWLock lock;
	GHashTable *steps;	 /* (owned) name -> PglWorkflowStep (owned, never freed) */
	GHashTable *definitions; /* (owned) name -> GStrv (owned, never freed) */
} Registry;

static Registry *
registry_get(void)
{
	static Registry registry;
	static gsize initialised = 0;

	if (g_once_init_enter(&initialised)) {
		const PglWorkflowDefinition *builtin;
		gsize n_builtin = 0;

		g_rw_lock_init(&registry.lock);
		/* keys are owned by the values (step name) or duplicated (definitions); neither
		 * table ever frees anything */
		registry.steps = g_hash_table_new(g_str_hash, g_str_equal);
		registry.definitions = g_hash_table_new(g_str_hash, g_str_equal);
		builtin = pgl_workflow_builtin_definitions(&n_builtin);
		for (gsize i = 0; i < n_builtin; i++)
			g_hash_table_insert(registry.definitions, g_strdup(builtin[i].name),
					    g_strdupv((gchar **)builtin[i].steps));
		g_once_init_leave(&initialised, 1);
	}
	return &registry;
}

/**
 * pgl_workflow_name_is_valid:
 * @name: (nullable): a step or workflow name (untrusted)
 *
 * Returns: %TRUE if @name is 1 to 64 of a-z, 0-9, "-", "_", "." and ":"
 */
gboolean
pgl_workflow_name_is_valid(const gchar *name)
{
	gsize length;

	if (name == NULL)
		return FALSE;
	length = strlen(name);
	if (length == 0 || length > NAME_MAX_LENGTH)
		return FALSE;
	for (const gchar *p = name; *p != '\0'; p++) {
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && strchr("-_.:", *p) == NULL)
			return FALSE;
	}
	return TRUE;
}

/**
 * pgl_workflow_register_step:
 * @step: (transfer none): the step; the registry keeps a copy of it and its strings
 * @error: return location for a #GError
 *
 * Registers a step under its name, for every workflow that names it. Call at start-up, before
 * any workflow runs; thread-safe.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_WORKFLOW_ERROR_INVALID for a bad
 *   name, %PGL_WORKFLOW_ERROR_EXISTS if a step of that name is registered already)
 */
gboolean
pgl_workflow_register_step(const PglWorkflowStep *step, GError **error)
{
	Registry *registry = registry_get();
	g_autoptr(GRWLockWriterLocker) locker = NULL;
	PglWorkflowStep *copy;

	g_return_val_if_fail(step != NULL, FALSE);
	g_return_val_if_fail(step->run != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_workflow_name_is_valid(step->name)) {
		g_set_error_literal(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_INVALID,
				    "invalid step name (1 to 64 of a-z, 0-9, -, _, ., :)");
		return FALSE;
	}
	locker = g_rw_lock_writer_locker_new(&registry->lock);
	if (g_hash_table_contains(registry->steps, step->name)) {
		g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_EXISTS,
			    "a step named %s is registered already", step->name);
		return FALSE;
	}
	copy = g_new0(PglWorkflowStep, 1);
	copy->name = g_strdup(step->name);
	copy->description = g_strdup(step->description);
	copy->run = step->run;
	copy->waiting = step->waiting;
	copy->user_data = step->user_data;
	g_hash_table_insert(registry->steps, (gpointer)copy->name, copy);
	g_debug("step %s registered", copy->name);
	return TRUE;
}

/**
 * pgl_workflow_lookup_step:
 * @name: (not nullable): a step name
 *
 * Returns: (transfer none) (nullable): the registered step, valid for the life of the process;
 *   %NULL if no step of that name is registered
 */
const PglWorkflowStep *
pgl_workflow_lookup_step(const gchar *name)
{
	Registry *registry = registry_get();
	g_autoptr(GRWLockReaderLocker) locker = NULL;

	g_return_val_if_fail(name != NULL, NULL);

	locker = g_rw_lock_reader_locker_new(&registry->lock);
	return g_hash_table_lookup(registry->steps, name);
}

/**
 * pgl_workflow_define:
 * @name: (not nullable): the workflow's name (same syntax as a step name)
 * @steps: (array zero-terminated=1): its steps in order, 1 to %PGL_LIMIT_WORKFLOW_STEPS valid
 *   names; they need not be registered yet (pgl_workflow_start() checks)
 * @error: return location for a #GError
 *
 * Defines a workflow as an ordered list of step names. The built-in ones
 * (pgl-workflow-policies.h) are there from the start. Thread-safe.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_WORKFLOW_ERROR_INVALID,
 *   %PGL_WORKFLOW_ERROR_EXISTS if a workflow of that name is defined already)
 */
gboolean
pgl_workflow_define(const gchar *name, const gchar *const *steps, GError **error)
{
	Registry *registry = registry_get();
	g_autoptr(GRWLockWriterLocker) locker = NULL;
	guint n_steps;

	g_return_val_if_fail(name != NULL, FALSE);
	g_return_val_if_fail(steps != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_workflow_name_is_valid(name)) {
		g_set_error_literal(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_INVALID,
				    "invalid workflow name (1 to 64 of a-z, 0-9, -, _, ., :)");
		return FALSE;
	}
	n_steps = g_strv_length((gchar **)steps);
	if (n_steps == 0 || n_steps > PGL_LIMIT_WORKFLOW_STEPS) {
		g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_INVALID,
			    "workflow %s: %u steps, want 1 to %d", name, n_steps,
			    PGL_LIMIT_WORKFLOW_STEPS);
		return FALSE;
	}
	for (guint i = 0; i < n_steps; i++) {
		if (!pgl_workflow_name_is_valid(steps[i])) {
			g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_INVALID,
				    "workflow %s: step %u has an invalid name", name, i + 1);
			return FALSE;
		}
	}
	locker = g_rw_lock_writer_locker_new(&registry->lock);
	if (g_hash_table_contains(registry->definitions, name)) {
		g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_EXISTS,
			    "a workflow named %s is defined already", name);
		return FALSE;
	}
	g_hash_table_insert(registry->definitions, g_strdup(name), g_strdupv((gchar **)steps));
	g_debug("workflow %s defined with %u steps", name, n_steps);
	return TRUE;
}

/**
 * pgl_workflow_get_definition:
 * @name: (not nullable): a workflow name
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the workflow's steps in order,
 *   valid for the life of the process; %NULL if no workflow of that name is defined
 */
const gchar *const *
pgl_workflow_get_definition(const gchar *name)
{
	Registry *registry = registry_get();
	g_autoptr(GRWLockReaderLocker) locker = NULL;

	g_return_val_if_fail(name != NULL, NULL);

	locker = g_rw_lock_reader_locker_new(&registry->lock);
	return g_hash_table_lookup(registry->definitions, name);
}
