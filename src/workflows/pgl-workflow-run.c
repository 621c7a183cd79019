/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A workflow's state (#PglWorkflowRun): what steps read and change, and its stored form, the
 * payload of its row in the `pending` table (the row also holds the token, the list id, the
 * type %PGL_WORKFLOW_PENDING_TYPE and the expiry):
 *
 *   {"version": 1, "workflow": "subscribe-confirm", "address": "anne@example.org",
 *    "steps": ["confirm-address", "subscribe", "send-welcome"],
 *    "data": {"display_name": "Anne"}, "waiting_for": "confirm"}
 *
 * "steps" are the steps still to run, the next first; the first is the step that waits (it runs
 * again when the event arrives). A stored state is read as untrusted input all the same (another
 * release may have written it, or a person with sqlite3): every field is checked for presence
 * and type, names for syntax, sizes against pgl-limits.h, and anything else is
 * %PGL_WORKFLOW_ERROR_CORRUPT.
 */
#include "workflows/pgl-workflow-private.h"

#include "core/pgl-limits.h"

#include <string.h>

static const gchar *const wait_names[] = {
	[PGL_WORKFLOW_WAIT_NONE] = "none",
	[PGL_WORKFLOW_WAIT_CONFIRM] = "confirm",
	[PGL_WORKFLOW_WAIT_APPROVE] = "approve",
	[PGL_WORKFLOW_WAIT_KEY_SET] = "key-set",
	[PGL_WORKFLOW_WAIT_KEY_CONFIRM] = "key-confirm",
};

static const gchar *const event_names[] = {
	[PGL_WORKFLOW_EVENT_NONE] = "none",
	[PGL_WORKFLOW_EVENT_CONFIRM] = "confirm",
	[PGL_WORKFLOW_EVENT_APPROVE] = "approve",
	[PGL_WORKFLOW_EVENT_REJECT] = "reject",
	[PGL_WORKFLOW_EVENT_DISCARD] = "discard",
	[PGL_WORKFLOW_EVENT_KEY_SET] = "key-set",
	[PGL_WORKFLOW_EVENT_KEY_CONFIRM] = "key-confirm",
};

/**
 * pgl_workflow_wait_to_string:
 * @wait: what a workflow waits for
 *
 * Returns: (transfer none): its name ("none", "confirm", "approve", "key-set", "key-confirm"),
 *   as stored and logged
 */
const gchar *
pgl_workflow_wait_to_string(PglWorkflowWait wait)
{
	g_return_val_if_fail((guint)wait < G_N_ELEMENTS(wait_names), NULL);

	return wait_names[wait];
}

/**
 * pgl_workflow_wait_from_string:
 * @text: (not nullable): a name (untrusted)
 * @wait_out: (out): what it names
 *
 * Returns: %TRUE if @text names something a workflow can wait for ("none" is not one)
 */
gboolean
pgl_workflow_wait_from_string(const gchar *text, PglWorkflowWait *wait_out)
{
	g_return_val_if_fail(text != NULL, FALSE);
	g_return_val_if_fail(wait_out != NULL, FALSE);

	for (guint i = PGL_WORKFLOW_WAIT_NONE + 1; i < G_N_ELEMENTS(wait_names); i++) {
		if (g_str_equal(text, wait_names[i])) {
			*wait_out = (PglWorkflowWait)i;
			return TRUE;
		}
	}
	return FALSE;
}

/**
 * pgl_workflow_event_to_string:
 * @event: an event
 *
 * Returns: (transfer none): its name ("none", "confirm", "approve", "reject", "discard",
 *   "key-set", "key-confirm")
 */
const gchar *
pgl_workflow_event_to_string(PglWorkflowEvent event)
{
	g_return_val_if_fail((guint)event < G_N_ELEMENTS(event_names), NULL);

	return event_names[event];
}

/**
 * pgl_workflow_event_from_string:
 * @text: (not nullable): a name (untrusted: a command word, a REST field)
 * @event_out: (out): the event it names
 *
 * Returns: %TRUE if @text names an event that can resume a workflow ("none" is not one)
 */
gboolean
pgl_workflow_event_from_string(const gchar *text, PglWorkflowEvent *event_out)
{
	g_return_val_if_fail(text != NULL, FALSE);
	g_return_val_if_fail(event_out != NULL, FALSE);

	for (guint i = PGL_WORKFLOW_EVENT_NONE + 1; i < G_N_ELEMENTS(event_names); i++) {
		if (g_str_equal(text, event_names[i])) {
			*event_out = (PglWorkflowEvent)i;
			return TRUE;
		}
	}
	return FALSE;
}

/**
 * pgl_workflow_wait_accepts:
 * @wait: what a workflow waits for
 * @event: an event
 *
 * Returns: %TRUE if @event may resume a workflow waiting for @wait: CONFIRM for CONFIRM,
 *   APPROVE, REJECT or DISCARD for APPROVE, KEY_SET for KEY_SET, KEY_CONFIRM for KEY_CONFIRM
 */
gboolean
pgl_workflow_wait_accepts(PglWorkflowWait wait, PglWorkflowEvent event)
{
	switch (wait) {
	case PGL_WORKFLOW_WAIT_CONFIRM:
		return event == PGL_WORKFLOW_EVENT_CONFIRM;
	case PGL_WORKFLOW_WAIT_APPROVE:
		return event == PGL_WORKFLOW_EVENT_APPROVE || event == PGL_WORKFLOW_EVENT_REJECT ||
		       event == PGL_WORKFLOW_EVENT_DISCARD;
	case PGL_WORKFLOW_WAIT_KEY_SET:
		return event == PGL_WORKFLOW_EVENT_KEY_SET;
	case PGL_WORKFLOW_WAIT_KEY_CONFIRM:
		return event == PGL_WORKFLOW_EVENT_KEY_CONFIRM;
	case PGL_WORKFLOW_WAIT_NONE:
		return FALSE;
	default:
		return FALSE;
	}
}

static JsonNode *
copy_node(JsonNode *node)
{
	JsonNode *copy;

	switch (JSON_NODE_TYPE(node)) {
	case JSON_NODE_OBJECT:
		copy = json_node_new(JSON_NODE_OBJECT);
		json_node_take_object(copy,
				      pgl_workflow_json_object_copy(json_node_get_object(node)));
		return copy;
	case JSON_NODE_ARRAY: {
		JsonArray *array = json_node_get_array(node);
		JsonArray *array_copy = json_array_sized_new(json_array_get_length(array));

		for (guint i = 0; i < json_array_get_length(array); i++)
			json_array_add_element(array_copy,
					       copy_node(json_array_get_element(array, i)));
		copy = json_node_new(JSON_NODE_ARRAY);
		json_node_take_array(copy, array_copy);
		return copy;
	}
	case JSON_NODE_VALUE:
	case JSON_NODE_NULL:
		return json_node_copy(node);
	default:
		g_assert_not_reached();
	}
}

/**
 * pgl_workflow_json_object_copy:
 * @object: (not nullable): a JSON object
 *
 * json_node_copy() shares the objects and arrays inside; this copies them, so the engine's
 * data and the caller's are independent.
 *
 * Returns: (transfer full): a deep copy of @object
 */
JsonObject *
pgl_workflow_json_object_copy(JsonObject *object)
{
	JsonObject *copy = json_object_new();
	JsonObjectIter iter;
	const gchar *member;
	JsonNode *node;

	json_object_iter_init(&iter, object);
	while (json_object_iter_next(&iter, &member, &node))
		json_object_set_member(copy, member, copy_node(node));
	return copy;
}

/**
 * pgl_workflow_run_new:
 * @workflow: (not nullable): the workflow's name
 * @list_id: the list
 * @address: (not nullable): the address it is about
 * @steps: (array zero-terminated=1): the steps to run, in order
 * @data: (nullable) (transfer none): initial data; copied
 *
 * Private to src/workflows/.
 *
 * Returns: (transfer full): a new state, not stored, not waiting
 */
PglWorkflowRun *
pgl_workflow_run_new(const gchar *workflow, gint64 list_id, const gchar *address,
		     const gchar *const *steps, JsonObject *data)
{
	PglWorkflowRun *run = g_new0(PglWorkflowRun, 1);
	guint n_steps = g_strv_length((gchar **)steps);

	run->workflow = g_strdup(workflow);
	run->list_id = list_id;
	run->address = g_strdup(address);
	run->stack = g_ptr_array_new_full(n_steps, g_free);
	for (guint i = n_steps; i > 0; i--)
		g_ptr_array_add(run->stack, g_strdup(steps[i - 1]));
	run->data = data != NULL ? pgl_workflow_json_object_copy(data) : json_object_new();
	run->waiting_for = PGL_WORKFLOW_WAIT_NONE;
	run->event = PGL_WORKFLOW_EVENT_NONE;
	return run;
}

/**
 * pgl_workflow_run_free:
 * @run: (nullable) (transfer full): a state from pgl_workflow_lookup()
 */
void
pgl_workflow_run_free(PglWorkflowRun *run)
{
	if (run == NULL)
		return;
	g_free(run->workflow);
	g_free(run->address);
	g_clear_pointer(&run->stack, g_ptr_array_unref);
	g_clear_pointer(&run->data, json_object_unref);
	g_free(run->token);
	g_clear_pointer(&run->event_data, json_object_unref);
	g_free(run->step);
	g_free(run);
}

/**
 * pgl_workflow_run_to_json:
 * @run: a waiting workflow
 * @error: return location for a #GError
 *
 * Private to src/workflows/: the stored form (file header).
 *
 * Returns: (transfer full) (nullable): the JSON text, or %NULL with @error set
 *   (%PGL_WORKFLOW_ERROR_LIMIT if it is larger than %PGL_LIMIT_WORKFLOW_STATE)
 */
gchar *
pgl_workflow_run_to_json(PglWorkflowRun *run, GError **error)
{
	g_autoptr(JsonObject) root = json_object_new();
	g_autoptr(JsonArray) steps = json_array_sized_new(run->stack->len);
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autofree gchar *text = NULL;
	gsize length = 0;

	for (guint i = run->stack->len; i > 0; i--)
		json_array_add_string_element(steps, g_ptr_array_index(run->stack, i - 1));
	json_object_set_int_member(root, "version", PGL_WORKFLOW_STATE_VERSION);
	json_object_set_string_member(root, "workflow", run->workflow);
	json_object_set_string_member(root, "address", run->address);
	json_object_set_array_member(root, "steps", g_steal_pointer(&steps));
	json_object_set_object_member(root, "data", json_object_ref(run->data));
	json_object_set_string_member(root, "waiting_for",
				      pgl_workflow_wait_to_string(run->waiting_for));
	json_node_set_object(node, root);
	text = json_to_string(node, FALSE);
	length = strlen(text);
	if (length > PGL_LIMIT_WORKFLOW_STATE) {
		g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_LIMIT,
			    "workflow %s: the state is %" G_GSIZE_FORMAT
			    " bytes, more than the limit of %d",
			    run->workflow, length, PGL_LIMIT_WORKFLOW_STATE);
		return NULL;
	}
	return g_steal_pointer(&text);
}

static gboolean
corrupt(GError **error, const gchar *what)
{
	g_set_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_CORRUPT,
		    "stored workflow state is unreadable: %s", what);
	return FALSE;
}

/* A member of @object of the given type, or NULL. */
static JsonNode *
member_of_type(JsonObject *object, const gchar *name, JsonNodeType type)
{
	JsonNode *node = json_object_get_member(object, name);

	if (node == NULL || JSON_NODE_TYPE(node) != type)
		return NULL;
	return node;
}

static const gchar *
string_member(JsonObject *object, const gchar *name)
{
	JsonNode *node = member_of_type(object, name, JSON_NODE_VALUE);

	if (node == NULL || json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

/**
 * pgl_workflow_run_from_pending:
 * @pending: a row of the `pending` table of type %PGL_WORKFLOW_PENDING_TYPE
 * @error: return location for a #GError
 *
 * Private to src/workflows/: reads a stored state (file header), with the row's token and
 * expiry.
 *
 * Returns: (transfer full) (nullable): the waiting workflow, or %NULL with @error set
 *   (%PGL_WORKFLOW_ERROR_CORRUPT)
 */
PglWorkflowRun *
pgl_workflow_run_from_pending(const PglPending *pending, GError **error)
{
	g_autoptr(JsonNode) root_node = NULL;
	g_autoptr(GError) parse_error = NULL;
	g_autoptr(PglWorkflowRun) run = NULL;
	JsonObject *root;
	JsonNode *node;
	JsonArray *steps;
	const gchar *workflow;
	const gchar *address;
	const gchar *waiting_for;
	guint n_steps;

	if (strlen(pending->payload) > PGL_LIMIT_WORKFLOW_STATE) {
		corrupt(error, "larger than the limit");
		return NULL;
	}
	root_node = json_from_string(pending->payload, &parse_error);
	if (root_node == NULL) {
		corrupt(error, parse_error != NULL ? parse_error->message : "empty");
		return NULL;
	}
	if (!JSON_NODE_HOLDS_OBJECT(root_node)) {
		corrupt(error, "not a JSON object");
		return NULL;
	}
	root = json_node_get_object(root_node);
	node = member_of_type(root, "version", JSON_NODE_VALUE);
	if (node == NULL || json_node_get_value_type(node) != G_TYPE_INT64) {
		corrupt(error, "no version");
		return NULL;
	}
	if (json_node_get_int(node) < 1 || json_node_get_int(node) > PGL_WORKFLOW_STATE_VERSION) {
		corrupt(error, "a version this pgplist does not know");
		return NULL;
	}
	workflow = string_member(root, "workflow");
	if (!pgl_workflow_name_is_valid(workflow)) {
		corrupt(error, "no valid workflow name");
		return NULL;
	}
	address = string_member(root, "address");
	if (address == NULL || strlen(address) > PGL_LIMIT_ADDRESS_MAX) {
		corrupt(error, "no valid address");
		return NULL;
	}
	waiting_for = string_member(root, "waiting_for");
	node = member_of_type(root, "steps", JSON_NODE_ARRAY);
	if (node == NULL) {
		corrupt(error, "no steps");
		return NULL;
	}
	steps = json_node_get_array(node);
	n_steps = json_array_get_length(steps);
	if (n_steps == 0 || n_steps > PGL_LIMIT_WORKFLOW_STEPS) {
		corrupt(error, "no steps, or too many");
		return NULL;
	}
	node = member_of_type(root, "data", JSON_NODE_OBJECT);
	if (node == NULL) {
		corrupt(error, "no data");
		return NULL;
	}

	run = g_new0(PglWorkflowRun, 1);
	run->workflow = g_strdup(workflow);
	run->list_id = pending->list_id;
	run->address = g_strdup(address);
	run->data = json_object_ref(json_node_get_object(node));
	run->token = g_strdup(pending->token);
	run->expires = pending->expires;
	run->event = PGL_WORKFLOW_EVENT_NONE;
	if (waiting_for == NULL || !pgl_workflow_wait_from_string(waiting_for, &run->waiting_for)) {
		corrupt(error, "not waiting for anything known");
		return NULL;
	}
	run->stack = g_ptr_array_new_full(n_steps, g_free);
	for (guint i = n_steps; i > 0; i--) {
		JsonNode *step = json_array_get_element(steps, i - 1);
		const gchar *name = NULL;

		if (JSON_NODE_TYPE(step) == JSON_NODE_VALUE &&
		    json_node_get_value_type(step) == G_TYPE_STRING)
			name = json_node_get_string(step);
		if (!pgl_workflow_name_is_valid(name)) {
			corrupt(error, "an invalid step name");
			return NULL;
		}
		g_ptr_array_add(run->stack, g_strdup(name));
	}
	run->step = g_strdup(g_ptr_array_index(run->stack, n_steps - 1));
	return g_steal_pointer(&run);
}

/**
 * pgl_workflow_run_get_workflow:
 * @run: a workflow
 *
 * Returns: (transfer none): the workflow's name
 */
const gchar *
pgl_workflow_run_get_workflow(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, NULL);

	return run->workflow;
}

/**
 * pgl_workflow_run_get_list_id:
 * @run: a workflow
 *
 * Returns: the row id of the list it is for
 */
gint64
pgl_workflow_run_get_list_id(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, 0);

	return run->list_id;
}

/**
 * pgl_workflow_run_get_address:
 * @run: a workflow
 *
 * Returns: (transfer none): the address it is about (the subscriber, as given at start)
 */
const gchar *
pgl_workflow_run_get_address(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, NULL);

	return run->address;
}

/**
 * pgl_workflow_run_get_data:
 * @run: a workflow
 *
 * The workflow's own values (display name, fingerprint, a moderator's reason...), stored with
 * it; a step may change them. Keys the built-in steps share are PGL_WORKFLOW_DATA_*. Keep it
 * small: the stored state is limited to %PGL_LIMIT_WORKFLOW_STATE bytes.
 *
 * Returns: (transfer none): the data
 */
JsonObject *
pgl_workflow_run_get_data(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, NULL);

	return run->data;
}

/**
 * pgl_workflow_run_get_step:
 * @run: a workflow
 *
 * Returns: (transfer none) (nullable): the step running now; for a stored state, the step that
 *   waits
 */
const gchar *
pgl_workflow_run_get_step(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, NULL);

	return run->step;
}

/**
 * pgl_workflow_run_dup_steps:
 * @run: a workflow
 *
 * Returns: (transfer full): the steps still to run, the next first (inside a step: those after
 *   it; for a stored state: the waiting step first)
 */
GStrv
pgl_workflow_run_dup_steps(PglWorkflowRun *run)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	g_return_val_if_fail(run != NULL, NULL);

	for (guint i = run->stack->len; i > 0; i--)
		g_strv_builder_add(builder, g_ptr_array_index(run->stack, i - 1));
	return g_strv_builder_end(builder);
}

/**
 * pgl_workflow_run_get_token:
 * @run: a workflow
 *
 * Returns: (transfer none) (nullable): the token of the stored state: in a step, the token that
 *   resumed the workflow (already used up; %NULL in a workflow just started); in a
 *   #PglWorkflowWaitFunc, the new token; in a #PglWorkflowExpiredFunc, the expired one
 */
const gchar *
pgl_workflow_run_get_token(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, NULL);

	return run->token;
}

/**
 * pgl_workflow_run_get_expires:
 * @run: a workflow
 *
 * Returns: when the token of pgl_workflow_run_get_token() expires (0 if there is none)
 */
gint64
pgl_workflow_run_get_expires(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, 0);

	return run->expires;
}

/**
 * pgl_workflow_run_get_waiting_for:
 * @run: a workflow
 *
 * Returns: what a stored state waits for; inside a step, what the step said it waits for so
 *   far (%PGL_WORKFLOW_WAIT_NONE until it calls pgl_workflow_run_wait())
 */
PglWorkflowWait
pgl_workflow_run_get_waiting_for(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, PGL_WORKFLOW_WAIT_NONE);

	return run->waiting_for;
}

/**
 * pgl_workflow_run_get_store:
 * @run: a workflow
 *
 * Returns: (transfer none) (nullable): the store, inside the engine's transaction, while a step,
 *   a #PglWorkflowWaitFunc or a #PglWorkflowExpiredFunc runs; %NULL otherwise
 */
PglStore *
pgl_workflow_run_get_store(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, NULL);

	return run->store;
}

/**
 * pgl_workflow_run_get_now:
 * @run: a workflow
 *
 * Returns: the time the caller of the engine gave, for a step's time stamps
 */
gint64
pgl_workflow_run_get_now(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, 0);

	return run->now;
}

/**
 * pgl_workflow_run_get_event:
 * @run: a workflow
 *
 * Returns: for the step that waited, re-entered on resume: the event that resumed it;
 *   %PGL_WORKFLOW_EVENT_NONE for every other step
 */
PglWorkflowEvent
pgl_workflow_run_get_event(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, PGL_WORKFLOW_EVENT_NONE);

	return run->event;
}

/**
 * pgl_workflow_run_get_event_data:
 * @run: a workflow
 *
 * Returns: (transfer none) (nullable): what came with the event (a key, a verified statement, a
 *   moderator's reason), for the step that waited; %NULL otherwise. Copy what must be kept into
 *   the data.
 */
JsonObject *
pgl_workflow_run_get_event_data(PglWorkflowRun *run)
{
	g_return_val_if_fail(run != NULL, NULL);

	return run->event_data;
}

/**
 * pgl_workflow_run_push_steps:
 * @run: the running workflow
 * @names: (array zero-terminated=1): step names
 *
 * Pushes steps to run right after the current step, in the order given, before the steps that
 * were next (a stack: of two pushes in one step, the later one's steps run first). If the step
 * waits, they run after it is re-entered and continues; if it finishes, they are dropped. A name
 * that no step is registered under fails the workflow when its turn comes.
 */
void
pgl_workflow_run_push_steps(PglWorkflowRun *run, const gchar *const *names)
{
	guint n_names;

	g_return_if_fail(run != NULL);
	g_return_if_fail(names != NULL);

	n_names = g_strv_length((gchar **)names);
	for (guint i = n_names; i > 0; i--)
		g_ptr_array_add(run->stack, g_strdup(names[i - 1]));
}

/**
 * pgl_workflow_run_wait:
 * @run: the running workflow
 * @wait: what the step waits for (not %PGL_WORKFLOW_WAIT_NONE)
 *
 * Says what the step waits for; return its result: `return pgl_workflow_run_wait(run,
 * PGL_WORKFLOW_WAIT_CONFIRM);`.
 *
 * Returns: %PGL_STEP_RESULT_WAIT
 */
PglStepResult
pgl_workflow_run_wait(PglWorkflowRun *run, PglWorkflowWait wait)
{
	g_return_val_if_fail(run != NULL, PGL_STEP_RESULT_WAIT);
	g_return_val_if_fail(wait != PGL_WORKFLOW_WAIT_NONE &&
				     (guint)wait < G_N_ELEMENTS(wait_names),
			     PGL_STEP_RESULT_WAIT);

	run->waiting_for = wait;
	return PGL_STEP_RESULT_WAIT;
}
