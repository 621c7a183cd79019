/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of src/workflows/: the registry, the built-in definitions (the order of steps of every
 * policy, plain and PGP, run end to end), waiting and resuming, tokens (single use, a new one per
 * wait, expiry), events a state does not wait for, pushed steps, failing steps (state removed,
 * store changes undone), contract violations and limits, the stored state (round trip, corrupt
 * payloads), and a resume from another store connection (a restart).
 *
 * The registry is per process, so main() registers fake steps once under the built-in names and a
 * few test names. Every fake appends what it did to a log ("name" when run fresh, "name/EVENT"
 * when re-entered with an event, "waiting:name" from its waiting function), which each test
 * compares with the order it expects. The fakes that stand for waiting steps wait for their
 * event, continue when it comes, and finish on a moderator's reject or discard.
 */
#include "core/pgl-limits.h"
#include "store/pgl-store.h"
#include "workflows/pgl-workflow-policies.h"
#include "workflows/pgl-workflow.h"

#include <glib/gstdio.h>
#include <string.h>

/* Assertions that say what they got and what they wanted. */
#define assert_int(got, want)                                                                      \
	G_STMT_START                                                                               \
	{                                                                                          \
		gint64 got_ = (gint64)(got);                                                       \
		gint64 want_ = (gint64)(want);                                                     \
		if (got_ != want_) {                                                               \
			g_autofree gchar *msg_ =                                                   \
				g_strdup_printf("%s: got %" G_GINT64_FORMAT                        \
						", want %" G_GINT64_FORMAT,                        \
						#got, got_, want_);                                \
			g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg_);    \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

#define assert_str(got, want)                                                                      \
	G_STMT_START                                                                               \
	{                                                                                          \
		const gchar *got_ = (got);                                                         \
		const gchar *want_ = (want);                                                       \
		if (g_strcmp0(got_, want_) != 0) {                                                 \
			g_autofree gchar *msg_ =                                                   \
				g_strdup_printf("%s: got \"%s\", want \"%s\"", #got,               \
						got_ != NULL ? got_ : "(null)",                    \
						want_ != NULL ? want_ : "(null)");                 \
			g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg_);    \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

#define assert_status(outcome, want)                                                               \
	G_STMT_START                                                                               \
	{                                                                                          \
		if ((outcome).status != (want)) {                                                  \
			g_autofree gchar *msg_ = g_strdup_printf(                                  \
				"status: got %s (%s), want %s",                                    \
				pgl_workflow_status_to_string((outcome).status),                   \
				(outcome).error != NULL ? (outcome).error->message : "no error",   \
				pgl_workflow_status_to_string(want));                              \
			g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg_);    \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

#define LIFETIME PGL_LIMIT_WORKFLOW_TOKEN_LIFETIME_DEFAULT
#define NOW	 1700000000

#define TEST_ERROR (test_error_quark())
static G_DEFINE_QUARK(test-workflows-error-quark, test_error)

/* ---- fake steps ---- */

typedef enum {
	FAKE_CONTINUE,	     /* logs and continues */
	FAKE_WAIT,	     /* waits for its event, continues on it, finishes on reject/discard */
	FAKE_FAIL,	     /* fails with a TEST_ERROR */
	FAKE_FINISH,	     /* finishes the workflow */
	FAKE_PUSH,	     /* pushes test:a, test:b */
	FAKE_PUSH_TWICE,     /* pushes test:a, then test:b, test:c */
	FAKE_PUSH_WAIT,	     /* pushes test:a, then waits for confirm */
	FAKE_PUSH_UNKNOWN,   /* pushes a step no one registered */
	FAKE_PUSH_SELF,	     /* pushes itself: forever */
	FAKE_WAIT_TWICE,     /* waits for confirm twice */
	FAKE_MEMBER,	     /* adds the address as a member of the list */
	FAKE_TEMPORARY,	     /* fails with a temporary error while temporary_failures > 0 */
	FAKE_BAD_WAIT,	     /* returns WAIT without saying for what */
	FAKE_ERROR_UNSET,    /* returns ERROR without an error */
	FAKE_IGNORE_REJECT,  /* waits for approve, then continues whatever the decision */
	FAKE_BIG,	     /* fills the data past the state limit, then waits */
	FAKE_WAITING_FAILS,  /* waits; its waiting function fails */
} FakeKind;

typedef struct {
	const gchar *name;
	FakeKind kind;
	PglWorkflowWait wait; /* for the waiting kinds */
} FakeStep;

static const FakeStep fake_steps[] = {
	{PGL_WORKFLOW_STEP_VERIFY_ADDRESS, FAKE_CONTINUE},
	{PGL_WORKFLOW_STEP_VERIFY_MEMBER, FAKE_CONTINUE},
	{PGL_WORKFLOW_STEP_CONFIRM_ADDRESS, FAKE_WAIT, PGL_WORKFLOW_WAIT_CONFIRM},
	{PGL_WORKFLOW_STEP_KEY_SET, FAKE_WAIT, PGL_WORKFLOW_WAIT_KEY_SET},
	{PGL_WORKFLOW_STEP_KEY_CONFIRM, FAKE_WAIT, PGL_WORKFLOW_WAIT_KEY_CONFIRM},
	{PGL_WORKFLOW_STEP_GET_MODERATOR_APPROVAL, FAKE_WAIT, PGL_WORKFLOW_WAIT_APPROVE},
	{PGL_WORKFLOW_STEP_SUBSCRIBE, FAKE_CONTINUE},
	{PGL_WORKFLOW_STEP_UNSUBSCRIBE, FAKE_CONTINUE},
	{PGL_WORKFLOW_STEP_SEND_WELCOME, FAKE_CONTINUE},
	{PGL_WORKFLOW_STEP_SEND_GOODBYE, FAKE_CONTINUE},
	{"test:a", FAKE_CONTINUE},
	{"test:b", FAKE_CONTINUE},
	{"test:c", FAKE_CONTINUE},
	{"test:fail", FAKE_FAIL},
	{"test:finish", FAKE_FINISH},
	{"test:push", FAKE_PUSH},
	{"test:push-twice", FAKE_PUSH_TWICE},
	{"test:push-wait", FAKE_PUSH_WAIT, PGL_WORKFLOW_WAIT_CONFIRM},
	{"test:push-unknown", FAKE_PUSH_UNKNOWN},
	{"test:push-self", FAKE_PUSH_SELF},
	{"test:wait-twice", FAKE_WAIT_TWICE, PGL_WORKFLOW_WAIT_CONFIRM},
	{"test:member", FAKE_MEMBER},
	{"test:temporary", FAKE_TEMPORARY},
	{"test:bad-wait", FAKE_BAD_WAIT},
	{"test:error-unset", FAKE_ERROR_UNSET},
	{"test:ignore-reject", FAKE_IGNORE_REJECT, PGL_WORKFLOW_WAIT_APPROVE},
	{"test:big", FAKE_BIG, PGL_WORKFLOW_WAIT_CONFIRM},
	{"test:waiting-fails", FAKE_WAITING_FAILS, PGL_WORKFLOW_WAIT_CONFIRM},
};

/* Test workflows, defined once in main(). */
static const struct {
	const gchar *name;
	const gchar *steps[6];
} test_workflows[] = {
	{"test-push", {"test:push", "test:c"}},
	{"test-push-twice", {"test:push-twice", "test:finish", "test:fail"}},
	{"test-push-wait", {"test:push-wait", "test:c"}},
	{"test-push-unknown", {"test:push-unknown", "test:a"}},
	{"test-push-self", {"test:push-self"}},
	{"test-wait-twice", {"test:a", "test:wait-twice", "test:b"}},
	{"test-fail", {"test:member", "test:fail", "test:a"}},
	{"test-fail-after-wait",
	 {PGL_WORKFLOW_STEP_CONFIRM_ADDRESS, "test:member", "test:fail", "test:a"}},
	{"test-member-wait", {"test:member", PGL_WORKFLOW_STEP_CONFIRM_ADDRESS, "test:a"}},
	{"test-finish", {"test:a", "test:finish", "test:b"}},
	{"test-missing-step", {"test:a", "test:not-registered"}},
	{"test-temporary", {PGL_WORKFLOW_STEP_CONFIRM_ADDRESS, "test:temporary", "test:a"}},
	{"test-bad-wait", {"test:bad-wait"}},
	{"test-error-unset", {"test:error-unset"}},
	{"test-ignore-reject", {"test:ignore-reject", "test:a"}},
	{"test-big", {"test:big"}},
	{"test-waiting-fails", {"test:waiting-fails"}},
	{"test-approve", {PGL_WORKFLOW_STEP_GET_MODERATOR_APPROVAL, "test:a"}},
	{"test-key-set", {PGL_WORKFLOW_STEP_KEY_SET, "test:a"}},
};

/* What the fakes did, reset by each fixture. */
static GPtrArray *step_log;		/* (owned) of gchar* */
static gchar *last_waiting_token;	/* (owned) as the waiting function saw it */
static guint temporary_failures;

static void
log_step(const gchar *format, ...) G_GNUC_PRINTF(1, 2);

static void
log_step(const gchar *format, ...)
{
	va_list args;

	va_start(args, format);
	g_ptr_array_add(step_log, g_strdup_vprintf(format, args));
	va_end(args);
}

static gchar *
log_text(void)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_auto(GStrv) entries = NULL;

	for (guint i = 0; i < step_log->len; i++)
		g_strv_builder_add(builder, g_ptr_array_index(step_log, i));
	entries = g_strv_builder_end(builder);
	return g_strjoinv(",", entries);
}

#define assert_log(want)                                                                           \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_autofree gchar *log_ = log_text();                                               \
		assert_str(log_, want);                                                            \
	}                                                                                          \
	G_STMT_END

static PglStepResult
fake_run(PglWorkflowRun *run, gpointer user_data, GError **error)
{
	const FakeStep *fake = user_data;
	PglWorkflowEvent event = pgl_workflow_run_get_event(run);
	JsonObject *data = pgl_workflow_run_get_data(run);

	g_assert_nonnull(pgl_workflow_run_get_store(run));
	assert_str(pgl_workflow_run_get_step(run), fake->name);
	if (event == PGL_WORKFLOW_EVENT_NONE) {
		g_assert_null(pgl_workflow_run_get_event_data(run));
		log_step("%s", fake->name);
	} else {
		log_step("%s/%s", fake->name, pgl_workflow_event_to_string(event));
	}

	switch (fake->kind) {
	case FAKE_CONTINUE:
		return PGL_STEP_RESULT_CONTINUE;
	case FAKE_WAIT:
		if (event == PGL_WORKFLOW_EVENT_NONE)
			return pgl_workflow_run_wait(run, fake->wait);
		if (event == PGL_WORKFLOW_EVENT_REJECT || event == PGL_WORKFLOW_EVENT_DISCARD)
			return PGL_STEP_RESULT_FINISH;
		g_assert_true(pgl_workflow_wait_accepts(fake->wait, event));
		/* a key (say) comes with the event: keep what matters in the data */
		if (pgl_workflow_run_get_event_data(run) != NULL &&
		    json_object_has_member(pgl_workflow_run_get_event_data(run), "key"))
			json_object_set_string_member(
				data, PGL_WORKFLOW_DATA_FINGERPRINT,
				json_object_get_string_member(pgl_workflow_run_get_event_data(run),
							      "key"));
		return PGL_STEP_RESULT_CONTINUE;
	case FAKE_FAIL:
		g_set_error_literal(error, TEST_ERROR, 7, "the fake step failed");
		return PGL_STEP_RESULT_ERROR;
	case FAKE_FINISH:
		return PGL_STEP_RESULT_FINISH;
	case FAKE_PUSH: {
		static const gchar *const pushed[] = {"test:a", "test:b", NULL};

		pgl_workflow_run_push_steps(run, pushed);
		return PGL_STEP_RESULT_CONTINUE;
	}
	case FAKE_PUSH_TWICE: {
		static const gchar *const first[] = {"test:a", NULL};
		static const gchar *const second[] = {"test:b", "test:c", NULL};

		pgl_workflow_run_push_steps(run, first);
		pgl_workflow_run_push_steps(run, second);
		return PGL_STEP_RESULT_CONTINUE;
	}
	case FAKE_PUSH_WAIT: {
		static const gchar *const pushed[] = {"test:a", NULL};

		if (event != PGL_WORKFLOW_EVENT_NONE)
			return PGL_STEP_RESULT_CONTINUE;
		pgl_workflow_run_push_steps(run, pushed);
		return pgl_workflow_run_wait(run, PGL_WORKFLOW_WAIT_CONFIRM);
	}
	case FAKE_PUSH_UNKNOWN: {
		static const gchar *const pushed[] = {"test:nobody-registered-this", NULL};

		pgl_workflow_run_push_steps(run, pushed);
		return PGL_STEP_RESULT_CONTINUE;
	}
	case FAKE_PUSH_SELF: {
		static const gchar *const pushed[] = {"test:push-self", NULL};

		pgl_workflow_run_push_steps(run, pushed);
		return PGL_STEP_RESULT_CONTINUE;
	}
	case FAKE_WAIT_TWICE: {
		gint64 waits = json_object_get_int_member_with_default(data, "waits", 0);

		if (waits >= 2)
			return PGL_STEP_RESULT_CONTINUE;
		json_object_set_int_member(data, "waits", waits + 1);
		return pgl_workflow_run_wait(run, PGL_WORKFLOW_WAIT_CONFIRM);
	}
	case FAKE_MEMBER: {
		g_autoptr(PglMember) member =
			pgl_store_member_add(pgl_workflow_run_get_store(run),
					     pgl_workflow_run_get_list_id(run),
					     pgl_workflow_run_get_address(run), NULL,
					     PGL_ROLE_MEMBER, error);

		return member != NULL ? PGL_STEP_RESULT_CONTINUE : PGL_STEP_RESULT_ERROR;
	}
	case FAKE_TEMPORARY:
		if (temporary_failures > 0) {
			temporary_failures--;
			g_set_error_literal(error, PGL_WORKFLOW_ERROR,
					    PGL_WORKFLOW_ERROR_TEMPORARY,
					    "the spool's disk is full");
			return PGL_STEP_RESULT_ERROR;
		}
		return PGL_STEP_RESULT_CONTINUE;
	case FAKE_BAD_WAIT:
		return PGL_STEP_RESULT_WAIT;
	case FAKE_ERROR_UNSET:
		return PGL_STEP_RESULT_ERROR;
	case FAKE_IGNORE_REJECT:
		if (event == PGL_WORKFLOW_EVENT_NONE)
			return pgl_workflow_run_wait(run, PGL_WORKFLOW_WAIT_APPROVE);
		return PGL_STEP_RESULT_CONTINUE;
	case FAKE_BIG: {
		g_autofree gchar *filler = g_strnfill(PGL_LIMIT_WORKFLOW_STATE, 'x');

		json_object_set_string_member(data, "filler", filler);
		return pgl_workflow_run_wait(run, PGL_WORKFLOW_WAIT_CONFIRM);
	}
	case FAKE_WAITING_FAILS:
		return pgl_workflow_run_wait(run, PGL_WORKFLOW_WAIT_CONFIRM);
	default:
		g_assert_not_reached();
	}
}

static gboolean
fake_waiting(PglWorkflowRun *run, gpointer user_data, GError **error)
{
	const FakeStep *fake = user_data;
	const gchar *token = pgl_workflow_run_get_token(run);

	g_assert_nonnull(pgl_workflow_run_get_store(run));
	g_assert_nonnull(token);
	assert_int(pgl_workflow_run_get_expires(run), pgl_workflow_run_get_now(run) + LIFETIME);
	assert_int(pgl_workflow_run_get_waiting_for(run), fake->wait);
	log_step("waiting:%s", fake->name);
	g_free(last_waiting_token);
	last_waiting_token = g_strdup(token);
	if (fake->kind == FAKE_WAITING_FAILS) {
		g_set_error_literal(error, TEST_ERROR, 8, "cannot send the request");
		return FALSE;
	}
	return TRUE;
}

static void
register_fakes(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(fake_steps); i++) {
		g_autoptr(GError) error = NULL;
		PglWorkflowStep step = {
			.name = fake_steps[i].name,
			.description = "a fake for the tests",
			.run = fake_run,
			.waiting = fake_waiting,
			.user_data = (gpointer)&fake_steps[i],
		};

		g_assert_true(pgl_workflow_register_step(&step, &error));
		g_assert_no_error(error);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(test_workflows); i++) {
		g_autoptr(GError) error = NULL;

		g_assert_true(pgl_workflow_define(test_workflows[i].name, test_workflows[i].steps,
						  &error));
		g_assert_no_error(error);
	}
}

/* ---- fixture ---- */

typedef struct {
	gchar *tmp_dir;	  /* (owned) */
	PglContext *ctx;  /* (owned) */
	PglStore *store;  /* (owned) */
	gint64 list_id;
} Fixture;

static void
set_up(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = NULL;
	PglConfig *config = pgl_config_new_default();

	fixture->tmp_dir = g_dir_make_tmp("pgl-workflows-XXXXXX", &error);
	g_assert_no_error(error);
	g_free(config->var_dir);
	config->var_dir = g_strdup(fixture->tmp_dir);
	fixture->ctx = pgl_context_new(config, &error);
	g_assert_no_error(error);
	fixture->store = pgl_store_open(fixture->ctx, &error);
	g_assert_no_error(error);
	list = pgl_store_list_create(fixture->store, "test", "example.org", NULL, &error);
	g_assert_no_error(error);
	fixture->list_id = list->id;

	step_log = g_ptr_array_new_with_free_func(g_free);
	g_clear_pointer(&last_waiting_token, g_free);
	temporary_failures = 0;
}

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	if (dir != NULL) {
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);

			remove_tree(child);
		}
	}
	g_remove(path);
}

static void
tear_down(Fixture *fixture, gconstpointer user_data)
{
	g_clear_pointer(&fixture->store, pgl_store_free);
	g_clear_pointer(&fixture->ctx, pgl_context_unref);
	remove_tree(fixture->tmp_dir);
	g_free(fixture->tmp_dir);
	g_clear_pointer(&step_log, g_ptr_array_unref);
	g_clear_pointer(&last_waiting_token, g_free);
}

static guint
count_pending(Fixture *fixture)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = NULL;

	/* everything expires before the end of time: take them all, then put nothing back */
	g_assert_true(pgl_store_begin(fixture->store, &error));
	g_assert_no_error(error);
	rows = pgl_store_pending_take_expired(fixture->store, PGL_WORKFLOW_PENDING_TYPE,
					      G_MAXINT64, 10000, &error);
	g_assert_no_error(error);
	pgl_store_rollback(fixture->store);
	return rows->len;
}

static gboolean
is_token(const gchar *token)
{
	if (token == NULL || strlen(token) != 40)
		return FALSE;
	for (const gchar *p = token; *p != '\0'; p++) {
		if (!g_ascii_isxdigit(*p) || g_ascii_isupper(*p))
			return FALSE;
	}
	return TRUE;
}

static void
start_ok(Fixture *fixture, const gchar *workflow, JsonObject *data, PglWorkflowOutcome *outcome)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(pgl_workflow_start(fixture->store, fixture->list_id, workflow,
					 "anne@example.org", data, NOW, LIFETIME, outcome, &error));
	g_assert_no_error(error);
}

static void
resume_ok(Fixture *fixture, const gchar *token, PglWorkflowEvent event, JsonObject *event_data,
	  PglWorkflowOutcome *outcome)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(pgl_workflow_resume(fixture->store, token, event, event_data, NOW + 60,
					  LIFETIME, outcome, &error));
	g_assert_no_error(error);
}

/* Resuming must fail with @code, changing nothing. */
static void
resume_refused(Fixture *fixture, const gchar *token, PglWorkflowEvent event, gint64 now,
	       gint code)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GError) error = NULL;
	guint log_length = step_log->len;

	g_assert_false(pgl_workflow_resume(fixture->store, token, event, NULL, now, LIFETIME,
					   &outcome, &error));
	g_assert_error(error, PGL_WORKFLOW_ERROR, code);
	/* errors never repeat the token */
	if (strlen(token) > 0)
		g_assert_null(strstr(error->message, token));
	assert_int(step_log->len, log_length);
	g_assert_null(outcome.token);
}

/* ---- the built-in definitions ---- */

static PglWorkflowEvent
event_for(PglWorkflowWait wait)
{
	switch (wait) {
	case PGL_WORKFLOW_WAIT_CONFIRM:
		return PGL_WORKFLOW_EVENT_CONFIRM;
	case PGL_WORKFLOW_WAIT_APPROVE:
		return PGL_WORKFLOW_EVENT_APPROVE;
	case PGL_WORKFLOW_WAIT_KEY_SET:
		return PGL_WORKFLOW_EVENT_KEY_SET;
	case PGL_WORKFLOW_WAIT_KEY_CONFIRM:
		return PGL_WORKFLOW_EVENT_KEY_CONFIRM;
	case PGL_WORKFLOW_WAIT_NONE:
	default:
		g_assert_not_reached();
	}
}

/* Runs a workflow to its end, answering every wait with the event it waits for, and checks the
 * log against @steps: a waiting step appears fresh, then its waiting function, then re-entered. */
static void
run_to_end(Fixture *fixture, const gchar *workflow, const gchar *const *steps)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GHashTable) tokens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *want_text = NULL;
	guint waits = 0;

	g_ptr_array_set_size(step_log, 0);
	start_ok(fixture, workflow, NULL, &outcome);
	while (outcome.status == PGL_WORKFLOW_STATUS_WAITING) {
		g_autofree gchar *token = g_strdup(outcome.token);
		PglWorkflowWait wait = outcome.waiting_for;

		g_assert_true(is_token(token));
		/* a new token at every wait */
		g_assert_false(g_hash_table_contains(tokens, token));
		g_hash_table_add(tokens, g_strdup(token));
		assert_str(last_waiting_token, token);
		waits++;
		resume_ok(fixture, token, event_for(wait), NULL, &outcome);
	}
	assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
	assert_str(outcome.workflow, workflow);
	assert_int(outcome.list_id, fixture->list_id);
	assert_str(outcome.address, "anne@example.org");
	assert_int(count_pending(fixture), 0);

	for (const gchar *const *step = steps; *step != NULL; step++) {
		const gchar *event = NULL;

		for (gsize i = 0; i < G_N_ELEMENTS(fake_steps); i++) {
			if (g_str_equal(fake_steps[i].name, *step) &&
			    fake_steps[i].kind == FAKE_WAIT)
				event = pgl_workflow_event_to_string(event_for(fake_steps[i].wait));
		}
		g_ptr_array_add(want, g_strdup(*step));
		if (event != NULL) {
			g_ptr_array_add(want, g_strdup_printf("waiting:%s", *step));
			g_ptr_array_add(want, g_strdup_printf("%s/%s", *step, event));
		}
	}
	g_ptr_array_add(want, NULL);
	want_text = g_strjoinv(",", (gchar **)want->pdata);
	assert_log(want_text);
	g_assert_cmpuint(waits, ==, g_hash_table_size(tokens));
}

/* The position of @name in @steps, or -1. */
static gint
index_of(const gchar *const *steps, const gchar *name)
{
	for (gint i = 0; steps[i] != NULL; i++) {
		if (g_str_equal(steps[i], name))
			return i;
	}
	return -1;
}

static void
test_policies_subscription(Fixture *fixture, gconstpointer user_data)
{
	static const struct {
		PglSubscriptionPolicy policy;
		const gchar *name;
		const gchar *steps[8];
		const gchar *pgp_name;
		const gchar *pgp_steps[8];
	} cases[] = {
		{PGL_SUBSCRIPTION_POLICY_OPEN,
		 "subscribe-open",
		 {"verify-address", "subscribe", "send-welcome"},
		 "pgp-subscribe-open",
		 {"verify-address", "key-set", "key-confirm", "subscribe", "send-welcome"}},
		{PGL_SUBSCRIPTION_POLICY_CONFIRM,
		 "subscribe-confirm",
		 {"verify-address", "confirm-address", "subscribe", "send-welcome"},
		 "pgp-subscribe-confirm",
		 {"verify-address", "confirm-address", "key-set", "key-confirm", "subscribe",
		  "send-welcome"}},
		{PGL_SUBSCRIPTION_POLICY_MODERATE,
		 "subscribe-moderate",
		 {"verify-address", "get-moderator-approval", "subscribe", "send-welcome"},
		 "pgp-subscribe-moderate",
		 {"verify-address", "key-set", "key-confirm", "get-moderator-approval", "subscribe",
		  "send-welcome"}},
		{PGL_SUBSCRIPTION_POLICY_CONFIRM_THEN_MODERATE,
		 "subscribe-confirm-then-moderate",
		 {"verify-address", "confirm-address", "get-moderator-approval", "subscribe",
		  "send-welcome"},
		 "pgp-subscribe-confirm-then-moderate",
		 {"verify-address", "confirm-address", "key-set", "key-confirm",
		  "get-moderator-approval", "subscribe", "send-welcome"}},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const gchar *const *plain = pgl_workflow_subscription_steps(cases[i].policy, FALSE);
		const gchar *const *pgp = pgl_workflow_subscription_steps(cases[i].policy, TRUE);
		gint key_set = index_of(pgp, "key-set");
		g_auto(GStrv) pgp_without_keys = NULL;
		g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

		assert_str(pgl_workflow_subscription_name(cases[i].policy, FALSE), cases[i].name);
		assert_str(pgl_workflow_subscription_name(cases[i].policy, TRUE),
			   cases[i].pgp_name);
		g_assert_true(g_strv_equal(plain, cases[i].steps));
		g_assert_true(g_strv_equal(pgp, cases[i].pgp_steps));
		/* the registry holds the same lists under the same names */
		g_assert_true(g_strv_equal(pgl_workflow_get_definition(cases[i].name), plain));
		g_assert_true(g_strv_equal(pgl_workflow_get_definition(cases[i].pgp_name), pgp));

		/* the PGP rule: key-set, key-confirm right after the address confirmation (or
		 * the checks), before moderator approval (or subscribe); otherwise the same */
		g_assert_cmpint(key_set, >, 0);
		assert_int(index_of(pgp, "key-confirm"), key_set + 1);
		assert_str(pgp[key_set - 1], index_of(plain, "confirm-address") >= 0
						     ? "confirm-address"
						     : "verify-address");
		assert_str(pgp[key_set + 2], index_of(plain, "get-moderator-approval") >= 0
						     ? "get-moderator-approval"
						     : "subscribe");
		for (gsize j = 0; pgp[j] != NULL; j++) {
			if (!g_str_equal(pgp[j], "key-set") && !g_str_equal(pgp[j], "key-confirm"))
				g_strv_builder_add(builder, pgp[j]);
		}
		pgp_without_keys = g_strv_builder_end(builder);
		g_assert_true(g_strv_equal((const gchar *const *)pgp_without_keys, plain));

		run_to_end(fixture, cases[i].name, plain);
		run_to_end(fixture, cases[i].pgp_name, pgp);
	}
}

static void
test_policies_unsubscription(Fixture *fixture, gconstpointer user_data)
{
	static const struct {
		PglUnsubscriptionPolicy policy;
		const gchar *name;
		const gchar *steps[6];
	} cases[] = {
		{PGL_UNSUBSCRIPTION_POLICY_OPEN,
		 "unsubscribe-open",
		 {"verify-member", "unsubscribe", "send-goodbye"}},
		{PGL_UNSUBSCRIPTION_POLICY_CONFIRM,
		 "unsubscribe-confirm",
		 {"verify-member", "confirm-address", "unsubscribe", "send-goodbye"}},
		{PGL_UNSUBSCRIPTION_POLICY_MODERATE,
		 "unsubscribe-moderate",
		 {"verify-member", "get-moderator-approval", "unsubscribe", "send-goodbye"}},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const gchar *const *steps = pgl_workflow_unsubscription_steps(cases[i].policy);

		assert_str(pgl_workflow_unsubscription_name(cases[i].policy), cases[i].name);
		g_assert_true(g_strv_equal(steps, cases[i].steps));
		g_assert_true(g_strv_equal(pgl_workflow_get_definition(cases[i].name), steps));
		run_to_end(fixture, cases[i].name, steps);
	}
}

static void
test_policies_strings(void)
{
	static const gchar *const subscription[] = {"open", "confirm", "moderate",
						    "confirm_then_moderate"};
	static const gchar *const unsubscription[] = {"open", "confirm", "moderate"};
	static const gchar *const bad[] = {"", "Open", "confirm-then-moderate", "closed", "open "};
	PglSubscriptionPolicy policy;
	PglUnsubscriptionPolicy unpolicy;
	PglWorkflowEvent event;
	PglWorkflowWait wait;

	for (guint i = 0; i < G_N_ELEMENTS(subscription); i++) {
		g_assert_true(pgl_subscription_policy_from_string(subscription[i], &policy));
		assert_int(policy, i);
		assert_str(pgl_subscription_policy_to_string(policy), subscription[i]);
	}
	for (guint i = 0; i < G_N_ELEMENTS(unsubscription); i++) {
		g_assert_true(pgl_unsubscription_policy_from_string(unsubscription[i], &unpolicy));
		assert_int(unpolicy, i);
		assert_str(pgl_unsubscription_policy_to_string(unpolicy), unsubscription[i]);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_false(pgl_subscription_policy_from_string(bad[i], &policy));
		g_assert_false(pgl_unsubscription_policy_from_string(bad[i], &unpolicy));
	}
	g_assert_false(pgl_unsubscription_policy_from_string("confirm_then_moderate", &unpolicy));

	for (guint i = PGL_WORKFLOW_EVENT_CONFIRM; i <= PGL_WORKFLOW_EVENT_KEY_CONFIRM; i++) {
		g_assert_true(
			pgl_workflow_event_from_string(pgl_workflow_event_to_string(i), &event));
		assert_int(event, i);
	}
	g_assert_false(pgl_workflow_event_from_string("none", &event));
	g_assert_false(pgl_workflow_event_from_string("CONFIRM", &event));
	for (guint i = PGL_WORKFLOW_WAIT_CONFIRM; i <= PGL_WORKFLOW_WAIT_KEY_CONFIRM; i++) {
		g_assert_true(pgl_workflow_wait_from_string(pgl_workflow_wait_to_string(i), &wait));
		assert_int(wait, i);
	}
	g_assert_false(pgl_workflow_wait_from_string("none", &wait));
	g_assert_false(pgl_workflow_wait_from_string("reject", &wait));
}

/* ---- the registry ---- */

static PglStepResult
never_run(PglWorkflowRun *run, gpointer user_data, GError **error)
{
	g_assert_not_reached();
}

static void
test_registry_errors(void)
{
	static const gchar *const some_steps[] = {"test:a", NULL};
	static const gchar *const no_steps[] = {NULL};
	static const gchar *const bad_step[] = {"test:a", "Bad Name", NULL};
	static const gchar *const bad_names[] = {"", "Upper", "with space", "semi;colon",
						 ("0123456789012345678901234567890123456789"
						  "0123456789012345678901234")};
	g_autoptr(GError) error = NULL;
	PglWorkflowStep step = {.name = "test:a", .run = never_run};
	const PglWorkflowStep *found;

	/* a name is taken once */
	g_assert_false(pgl_workflow_register_step(&step, &error));
	g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_EXISTS);
	g_clear_error(&error);
	step.name = PGL_WORKFLOW_STEP_SUBSCRIBE;
	g_assert_false(pgl_workflow_register_step(&step, &error));
	g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_EXISTS);
	g_clear_error(&error);
	for (gsize i = 0; i < G_N_ELEMENTS(bad_names); i++) {
		step.name = bad_names[i];
		g_assert_false(pgl_workflow_register_step(&step, &error));
		g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_INVALID);
		g_clear_error(&error);
		g_assert_false(pgl_workflow_define(bad_names[i], some_steps, &error));
		g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_INVALID);
		g_clear_error(&error);
	}

	g_assert_false(pgl_workflow_define("subscribe-confirm", some_steps, &error));
	g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_false(pgl_workflow_define("test-empty", no_steps, &error));
	g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(pgl_workflow_define("test-bad-step", bad_step, &error));
	g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(pgl_workflow_get_definition("test-bad-step"));

	/* the registry keeps its own copy of the step */
	found = pgl_workflow_lookup_step("test:a");
	g_assert_nonnull(found);
	assert_str(found->name, "test:a");
	assert_str(found->description, "a fake for the tests");
	g_assert_true(found->run == fake_run);
	g_assert_null(pgl_workflow_lookup_step("test:not-registered"));
}

/* Registration from many threads at once: every name lands exactly once. */
static gpointer
register_many(gpointer user_data)
{
	guint thread = GPOINTER_TO_UINT(user_data);

	for (guint i = 0; i < 50; i++) {
		g_autofree gchar *name = g_strdup_printf("test:thread-%u", i);
		g_autofree gchar *workflow = g_strdup_printf("test-thread-%u-%u", thread, i);
		const gchar *steps[] = {name, NULL};
		PglWorkflowStep step = {.name = name, .run = never_run};
		g_autoptr(GError) error = NULL;

		/* all threads race for the same step names; one wins each */
		if (!pgl_workflow_register_step(&step, &error))
			g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_EXISTS);
		g_assert_nonnull(pgl_workflow_lookup_step(name));
		g_clear_error(&error);
		g_assert_true(pgl_workflow_define(workflow, steps, &error));
		g_assert_no_error(error);
		g_assert_nonnull(pgl_workflow_get_definition(workflow));
	}
	return NULL;
}

static void
test_registry_threads(void)
{
	GThread *threads[8];

	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("register", register_many, GUINT_TO_POINTER(i));
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		g_thread_join(threads[i]);
	for (guint i = 0; i < 50; i++) {
		g_autofree gchar *name = g_strdup_printf("test:thread-%u", i);
		const PglWorkflowStep *step = pgl_workflow_lookup_step(name);

		g_assert_nonnull(step);
		assert_str(step->name, name);
	}
}

/* ---- waiting and resuming ---- */

static void
test_wait_persist_resume(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(PglPending) pending = NULL;
	g_autoptr(PglMember) member = NULL;
	g_autofree gchar *token = NULL;

	start_ok(fixture, "subscribe-confirm", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_WAITING);
	assert_int(outcome.waiting_for, PGL_WORKFLOW_WAIT_CONFIRM);
	assert_str(outcome.step, "confirm-address");
	assert_int(outcome.expires, NOW + LIFETIME);
	g_assert_null(outcome.error);
	g_assert_true(is_token(outcome.token));
	assert_str(last_waiting_token, outcome.token);
	assert_log("verify-address,confirm-address,waiting:confirm-address");
	token = g_strdup(outcome.token);

	/* stored in the pending table, as a workflow */
	pending = pgl_store_pending_lookup(fixture->store, token, &error);
	g_assert_no_error(error);
	assert_str(pending->type, PGL_WORKFLOW_PENDING_TYPE);
	assert_int(pending->list_id, fixture->list_id);
	assert_int(pending->expires, NOW + LIFETIME);
	assert_int(count_pending(fixture), 1);

	resume_ok(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
	g_assert_null(outcome.token);
	assert_int(outcome.waiting_for, PGL_WORKFLOW_WAIT_NONE);
	assert_str(outcome.step, "send-welcome");
	assert_log("verify-address,confirm-address,waiting:confirm-address,"
		   "confirm-address/confirm,subscribe,send-welcome");
	assert_int(count_pending(fixture), 0);
	member = pgl_store_member_lookup(fixture->store, fixture->list_id, "anne@example.org",
					 PGL_ROLE_MEMBER, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
}

static void
test_wait_reject(Fixture *fixture, gconstpointer user_data)
{
	static const PglWorkflowEvent decisions[] = {PGL_WORKFLOW_EVENT_REJECT,
						     PGL_WORKFLOW_EVENT_DISCARD};

	for (gsize i = 0; i < G_N_ELEMENTS(decisions); i++) {
		g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
		g_autofree gchar *token = NULL;
		g_autofree gchar *want = NULL;

		g_ptr_array_set_size(step_log, 0);
		start_ok(fixture, "subscribe-moderate", NULL, &outcome);
		assert_int(outcome.waiting_for, PGL_WORKFLOW_WAIT_APPROVE);
		token = g_strdup(outcome.token);
		resume_ok(fixture, token, decisions[i], NULL, &outcome);
		/* the approval step ends it: subscribe never runs */
		assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
		want = g_strdup_printf("verify-address,get-moderator-approval,"
				       "waiting:get-moderator-approval,get-moderator-approval/%s",
				       pgl_workflow_event_to_string(decisions[i]));
		assert_log(want);
		assert_int(count_pending(fixture), 0);
		resume_refused(fixture, token, PGL_WORKFLOW_EVENT_APPROVE, NOW + 120,
			       PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN);
	}
}

/* ---- tokens ---- */

static void
test_token_single_use(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autofree gchar *token = NULL;

	start_ok(fixture, "subscribe-confirm", NULL, &outcome);
	token = g_strdup(outcome.token);
	resume_ok(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
	resume_refused(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NOW + 120,
		       PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN);
}

static void
test_token_new_per_wait(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autofree gchar *first = NULL;
	g_autofree gchar *second = NULL;

	start_ok(fixture, "test-wait-twice", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_WAITING);
	first = g_strdup(outcome.token);

	resume_ok(fixture, first, PGL_WORKFLOW_EVENT_CONFIRM, NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_WAITING);
	assert_str(outcome.step, "test:wait-twice");
	second = g_strdup(outcome.token);
	g_assert_true(is_token(second));
	g_assert_cmpstr(first, !=, second);
	assert_str(last_waiting_token, second);
	assert_int(count_pending(fixture), 1);

	/* the first token is used up; the second works once */
	resume_refused(fixture, first, PGL_WORKFLOW_EVENT_CONFIRM, NOW + 120,
		       PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN);
	resume_ok(fixture, second, PGL_WORKFLOW_EVENT_CONFIRM, NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
	assert_log("test:a,test:wait-twice,waiting:test:wait-twice,test:wait-twice/confirm,"
		   "waiting:test:wait-twice,test:wait-twice/confirm,test:b");
	assert_int(json_object_get_int_member(outcome.data, "waits"), 2);
	resume_refused(fixture, second, PGL_WORKFLOW_EVENT_CONFIRM, NOW + 120,
		       PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN);
}

static void
test_token_wrong_event(Fixture *fixture, gconstpointer user_data)
{
	static const struct {
		const gchar *workflow;
		PglWorkflowEvent wrong[4];
		PglWorkflowEvent right;
	} cases[] = {
		{"subscribe-confirm",
		 {PGL_WORKFLOW_EVENT_APPROVE, PGL_WORKFLOW_EVENT_REJECT, PGL_WORKFLOW_EVENT_KEY_SET,
		  PGL_WORKFLOW_EVENT_DISCARD},
		 PGL_WORKFLOW_EVENT_CONFIRM},
		{"test-approve",
		 {PGL_WORKFLOW_EVENT_CONFIRM, PGL_WORKFLOW_EVENT_KEY_SET,
		  PGL_WORKFLOW_EVENT_KEY_CONFIRM, PGL_WORKFLOW_EVENT_CONFIRM},
		 PGL_WORKFLOW_EVENT_APPROVE},
		{"test-key-set",
		 {PGL_WORKFLOW_EVENT_CONFIRM, PGL_WORKFLOW_EVENT_KEY_CONFIRM,
		  PGL_WORKFLOW_EVENT_APPROVE, PGL_WORKFLOW_EVENT_DISCARD},
		 PGL_WORKFLOW_EVENT_KEY_SET},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
		g_autofree gchar *token = NULL;

		start_ok(fixture, cases[i].workflow, NULL, &outcome);
		assert_status(outcome, PGL_WORKFLOW_STATUS_WAITING);
		token = g_strdup(outcome.token);
		for (gsize j = 0; j < G_N_ELEMENTS(cases[i].wrong); j++)
			resume_refused(fixture, token, cases[i].wrong[j], NOW + 60,
				       PGL_WORKFLOW_ERROR_WRONG_EVENT);
		/* refused events change nothing: the token still works */
		resume_ok(fixture, token, cases[i].right, NULL, &outcome);
		assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
	}
}

typedef struct {
	GPtrArray *runs; /* (owned) of gchar* "workflow address step for expires" */
	gint64 list_id;
	gboolean fail;
} ExpiredSeen;

static gboolean
on_expired(PglWorkflowRun *run, gpointer user_data, GError **error)
{
	ExpiredSeen *seen = user_data;
	g_auto(GStrv) steps = pgl_workflow_run_dup_steps(run);

	g_assert_nonnull(pgl_workflow_run_get_store(run));
	g_assert_true(is_token(pgl_workflow_run_get_token(run)));
	assert_int(pgl_workflow_run_get_list_id(run), seen->list_id);
	assert_str(steps[0], pgl_workflow_run_get_step(run));
	g_ptr_array_add(seen->runs,
			g_strdup_printf("%s %s %s %s %" G_GINT64_FORMAT,
					pgl_workflow_run_get_workflow(run),
					pgl_workflow_run_get_address(run),
					pgl_workflow_run_get_step(run),
					pgl_workflow_wait_to_string(
						pgl_workflow_run_get_waiting_for(run)),
					pgl_workflow_run_get_expires(run)));
	if (seen->fail) {
		g_set_error_literal(error, TEST_ERROR, 9, "cannot queue the notice");
		return FALSE;
	}
	return TRUE;
}

static void
test_token_expired(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(PglWorkflowRun) run = NULL;
	g_autofree gchar *token = NULL;
	g_autofree gchar *later = NULL;
	g_autofree gchar *other = NULL;
	ExpiredSeen seen = {g_ptr_array_new_with_free_func(g_free), fixture->list_id, FALSE};
	g_autofree gchar *want = NULL;

	start_ok(fixture, "subscribe-confirm", NULL, &outcome);
	token = g_strdup(outcome.token);
	g_assert_true(pgl_workflow_start(fixture->store, fixture->list_id, "subscribe-moderate",
					 "bob@example.org", NULL, NOW + 3600, LIFETIME, &outcome,
					 &error));
	g_assert_no_error(error);
	later = g_strdup(outcome.token);
	/* another kind of pending row, expired too: not ours to remove */
	other = pgl_store_pending_add(fixture->store, fixture->list_id, "other", "{}", NOW,
				      &error);
	g_assert_no_error(error);

	/* good until its expiry, as good as absent from then on */
	run = pgl_workflow_lookup(fixture->store, token, NOW + LIFETIME - 1, &error);
	g_assert_no_error(error);
	g_clear_pointer(&run, pgl_workflow_run_free);
	run = pgl_workflow_lookup(fixture->store, token, NOW + LIFETIME, &error);
	g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_EXPIRED);
	g_assert_null(run);
	g_clear_error(&error);
	resume_refused(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NOW + LIFETIME,
		       PGL_WORKFLOW_ERROR_EXPIRED);

	/* nothing expired yet */
	assert_int(pgl_workflow_expire(fixture->store, NOW + LIFETIME - 1, on_expired, &seen,
				       &error),
		   0);
	g_assert_no_error(error);
	assert_int(seen.runs->len, 0);

	/* a callback that fails keeps the batch for the next time */
	seen.fail = TRUE;
	assert_int(pgl_workflow_expire(fixture->store, NOW + LIFETIME, on_expired, &seen, &error),
		   0);
	g_assert_error(error, TEST_ERROR, 9);
	g_clear_error(&error);
	resume_refused(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NOW + LIFETIME,
		       PGL_WORKFLOW_ERROR_EXPIRED);
	g_ptr_array_set_size(seen.runs, 0);

	seen.fail = FALSE;
	assert_int(pgl_workflow_expire(fixture->store, NOW + LIFETIME, on_expired, &seen, &error),
		   1);
	g_assert_no_error(error);
	assert_int(seen.runs->len, 1);
	want = g_strdup_printf("subscribe-confirm anne@example.org confirm-address confirm %d",
			       NOW + LIFETIME);
	assert_str(g_ptr_array_index(seen.runs, 0), want);
	/* gone now: unknown rather than expired */
	resume_refused(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NOW + LIFETIME,
		       PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN);

	/* the later one and the other kind stay */
	g_assert_true(pgl_store_pending_get(fixture->store, other, 0, NULL, NULL, NULL, &error));
	g_assert_no_error(error);
	run = pgl_workflow_lookup(fixture->store, later, NOW + LIFETIME, &error);
	g_assert_no_error(error);
	assert_int(pgl_workflow_run_get_waiting_for(run), PGL_WORKFLOW_WAIT_APPROVE);
	g_clear_pointer(&run, pgl_workflow_run_free);

	/* without a callback */
	assert_int(pgl_workflow_expire(fixture->store, G_MAXINT64, NULL, NULL, &error), 1);
	g_assert_no_error(error);
	assert_int(count_pending(fixture), 0);
	g_assert_true(pgl_store_pending_get(fixture->store, other, 0, NULL, NULL, NULL, &error));
	g_assert_no_error(error);
	g_ptr_array_unref(seen.runs);
}

static void
test_token_expire_batches(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	ExpiredSeen seen = {g_ptr_array_new_with_free_func(g_free), fixture->list_id, FALSE};

	/* more than one batch */
	for (guint i = 0; i < 250; i++) {
		g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;

		start_ok(fixture, "subscribe-confirm", NULL, &outcome);
		assert_status(outcome, PGL_WORKFLOW_STATUS_WAITING);
	}
	assert_int(pgl_workflow_expire(fixture->store, NOW + LIFETIME, on_expired, &seen, &error),
		   250);
	g_assert_no_error(error);
	assert_int(seen.runs->len, 250);
	assert_int(count_pending(fixture), 0);
	g_ptr_array_unref(seen.runs);
}

static void
test_token_unknown(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *other = NULL;
	g_autofree gchar *long_token = g_strnfill(1000, 'a');
	g_autoptr(PglWorkflowRun) run = NULL;
	static const gchar *const tokens[] = {
		"0123456789abcdef0123456789abcdef01234567", "", "' OR 1=1 --", "confirm",
		"0123456789ABCDEF0123456789ABCDEF01234567"};

	for (gsize i = 0; i < G_N_ELEMENTS(tokens); i++)
		resume_refused(fixture, tokens[i], PGL_WORKFLOW_EVENT_CONFIRM, NOW,
			       PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN);
	resume_refused(fixture, long_token, PGL_WORKFLOW_EVENT_CONFIRM, NOW,
		       PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN);

	/* a token of something else than a workflow is not a workflow's token */
	other = pgl_store_pending_add(fixture->store, fixture->list_id, "other",
				      "{\"version\": 1}", NOW + 100, &error);
	g_assert_no_error(error);
	resume_refused(fixture, other, PGL_WORKFLOW_EVENT_CONFIRM, NOW,
		       PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN);
	run = pgl_workflow_lookup(fixture->store, other, NOW, &error);
	g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN);
	g_assert_null(run);
	g_clear_error(&error);
	/* and it is left alone */
	g_assert_true(pgl_store_pending_get(fixture->store, other, NOW, NULL, NULL, NULL, &error));
	g_assert_no_error(error);
}

/* ---- steps ---- */

static void
test_steps_push(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autofree gchar *token = NULL;

	start_ok(fixture, "test-push", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
	assert_log("test:push,test:a,test:b,test:c");

	/* a stack: the later push runs first; a finish drops what is left */
	g_ptr_array_set_size(step_log, 0);
	start_ok(fixture, "test-push-twice", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
	assert_log("test:push-twice,test:b,test:c,test:a,test:finish");

	/* steps pushed by a waiting step run after it is re-entered, and survive the store */
	g_ptr_array_set_size(step_log, 0);
	start_ok(fixture, "test-push-wait", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_WAITING);
	token = g_strdup(outcome.token);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(PglWorkflowRun) run = pgl_workflow_lookup(fixture->store, token, NOW,
								    &error);
		g_auto(GStrv) steps = NULL;
		const gchar *const want[] = {"test:push-wait", "test:a", "test:c", NULL};

		g_assert_no_error(error);
		steps = pgl_workflow_run_dup_steps(run);
		g_assert_true(g_strv_equal((const gchar *const *)steps, want));
	}
	resume_ok(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
	assert_log("test:push-wait,waiting:test:push-wait,test:push-wait/confirm,test:a,test:c");
}

static void
test_steps_finish(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;

	start_ok(fixture, "test-finish", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
	assert_str(outcome.step, "test:finish");
	assert_log("test:a,test:finish");
}

static void
test_steps_error_at_start(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(PglMember) member = NULL;

	start_ok(fixture, "test-fail", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FAILED);
	g_assert_error(outcome.error, TEST_ERROR, 7);
	assert_str(outcome.error->message, "step test:fail: the fake step failed");
	assert_str(outcome.step, "test:fail");
	g_assert_null(outcome.token);
	assert_log("test:member,test:fail");
	/* the member the earlier step added is rolled back with the failure */
	member = pgl_store_member_lookup(fixture->store, fixture->list_id, "anne@example.org",
					 PGL_ROLE_MEMBER, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	assert_int(count_pending(fixture), 0);
}

static void
test_steps_error_after_resume(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(PglMember) member = NULL;
	g_autofree gchar *token = NULL;

	start_ok(fixture, "test-fail-after-wait", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_WAITING);
	token = g_strdup(outcome.token);
	resume_ok(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FAILED);
	g_assert_error(outcome.error, TEST_ERROR, 7);
	assert_log("confirm-address,waiting:confirm-address,confirm-address/confirm,test:member,"
		   "test:fail");
	/* the state is removed, the token dead, and the step's store changes undone */
	assert_int(count_pending(fixture), 0);
	resume_refused(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NOW + 120,
		       PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN);
	member = pgl_store_member_lookup(fixture->store, fixture->list_id, "anne@example.org",
					 PGL_ROLE_MEMBER, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
}

static void
test_steps_store_error(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(PglMember) member = NULL;

	/* a step's store error (already a member) fails the workflow like any other error */
	member = pgl_store_member_add(fixture->store, fixture->list_id, "anne@example.org", NULL,
				      PGL_ROLE_MEMBER, &error);
	g_assert_no_error(error);
	start_ok(fixture, "test-member-wait", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FAILED);
	g_assert_error(outcome.error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS);
	g_assert_true(g_str_has_prefix(outcome.error->message, "step test:member: "));
	assert_int(count_pending(fixture), 0);

	/* a workflow that waits on a list that does not exist fails when it is stored */
	g_ptr_array_set_size(step_log, 0);
	g_assert_true(pgl_workflow_start(fixture->store, 4242, "subscribe-confirm",
					 "anne@example.org", NULL, NOW, LIFETIME, &outcome,
					 &error));
	g_assert_no_error(error);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FAILED);
	g_assert_error(outcome.error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	assert_log("verify-address,confirm-address");
}

static void
test_steps_unknown(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GError) error = NULL;

	/* a definition naming a step no one registered: refused before anything runs */
	g_assert_false(pgl_workflow_start(fixture->store, fixture->list_id, "test-missing-step",
					  "anne@example.org", NULL, NOW, LIFETIME, &outcome,
					  &error));
	g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_UNKNOWN_STEP);
	g_assert_nonnull(strstr(error->message, "test:not-registered"));
	g_clear_error(&error);
	assert_log("");

	/* no such workflow */
	g_assert_false(pgl_workflow_start(fixture->store, fixture->list_id, "no-such-workflow",
					  "anne@example.org", NULL, NOW, LIFETIME, &outcome,
					  &error));
	g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_UNKNOWN_WORKFLOW);
	g_clear_error(&error);

	/* a step pushing a name no one registered: that step's bug, the workflow fails */
	start_ok(fixture, "test-push-unknown", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FAILED);
	g_assert_error(outcome.error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_UNKNOWN_STEP);
	g_assert_nonnull(strstr(outcome.error->message, "test:nobody-registered-this"));
	assert_log("test:push-unknown");
	assert_int(count_pending(fixture), 0);
}

static void
test_steps_unknown_in_state(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(PglWorkflowRun) run = NULL;
	g_autofree gchar *token = NULL;

	/* a stored state naming a step that is not registered (now): a plugin not loaded. The
	 * resume is refused and the state kept, for the administrator to fix. */
	token = pgl_store_pending_add(
		fixture->store, fixture->list_id, PGL_WORKFLOW_PENDING_TYPE,
		"{\"version\": 1, \"workflow\": \"plugin-flow\", "
		"\"address\": \"anne@example.org\", "
		"\"steps\": [\"confirm-address\", \"plugin:gone\"], \"data\": {}, "
		"\"waiting_for\": \"confirm\"}",
		NOW + 100, &error);
	g_assert_no_error(error);
	g_assert_false(pgl_workflow_resume(fixture->store, token, PGL_WORKFLOW_EVENT_CONFIRM, NULL,
					   NOW, LIFETIME, &outcome, &error));
	g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_UNKNOWN_STEP);
	g_assert_nonnull(strstr(error->message, "plugin:gone"));
	g_clear_error(&error);
	assert_log("");
	run = pgl_workflow_lookup(fixture->store, token, NOW, &error);
	g_assert_no_error(error);
	assert_str(pgl_workflow_run_get_workflow(run), "plugin-flow");
}

static void
test_steps_temporary(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *token = NULL;

	start_ok(fixture, "test-temporary", NULL, &outcome);
	token = g_strdup(outcome.token);
	temporary_failures = 1;
	g_assert_false(pgl_workflow_resume(fixture->store, token, PGL_WORKFLOW_EVENT_CONFIRM, NULL,
					   NOW + 60, LIFETIME, &outcome, &error));
	g_assert_error(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_TEMPORARY);
	g_clear_error(&error);
	/* nothing changed: the same reply works once the condition passed */
	assert_int(count_pending(fixture), 1);
	resume_ok(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
	assert_log("confirm-address,waiting:confirm-address,confirm-address/confirm,"
		   "test:temporary,confirm-address/confirm,test:temporary,test:a");
}

static void
test_steps_contract(Fixture *fixture, gconstpointer user_data)
{
	static const gchar *const workflows[] = {"test-bad-wait", "test-error-unset"};
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autofree gchar *token = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(workflows); i++) {
		start_ok(fixture, workflows[i], NULL, &outcome);
		assert_status(outcome, PGL_WORKFLOW_STATUS_FAILED);
		g_assert_error(outcome.error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_STEP);
	}

	/* a step that goes on after a moderator rejected: refused, fail closed */
	start_ok(fixture, "test-ignore-reject", NULL, &outcome);
	token = g_strdup(outcome.token);
	g_ptr_array_set_size(step_log, 0);
	resume_ok(fixture, token, PGL_WORKFLOW_EVENT_REJECT, NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FAILED);
	g_assert_error(outcome.error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_STEP);
	assert_log("test:ignore-reject/reject");
	assert_int(count_pending(fixture), 0);

	/* the waiting function's failure is the step's */
	start_ok(fixture, "test-waiting-fails", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FAILED);
	g_assert_error(outcome.error, TEST_ERROR, 8);
	assert_int(count_pending(fixture), 0);
}

static void
test_steps_limits(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;

	start_ok(fixture, "test-push-self", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FAILED);
	g_assert_error(outcome.error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_LIMIT);
	assert_int(step_log->len, PGL_LIMIT_WORKFLOW_STEPS);

	start_ok(fixture, "test-big", NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FAILED);
	g_assert_error(outcome.error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_LIMIT);
	assert_int(count_pending(fixture), 0);
}

/* ---- the stored state ---- */

static void
test_state_roundtrip(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) data = NULL;
	g_autoptr(JsonNode) data_node = NULL;
	g_autoptr(JsonNode) stored_node = NULL;
	g_autoptr(JsonNode) payload = NULL;
	g_autoptr(JsonObject) event_data = json_object_new();
	g_autoptr(PglWorkflowRun) run = NULL;
	g_autoptr(PglPending) pending = NULL;
	g_auto(GStrv) steps = NULL;
	g_autofree gchar *token = NULL;
	JsonObject *root;
	const gchar *const want_steps[] = {"key-set", "key-confirm", "get-moderator-approval",
					   "subscribe", "send-welcome", NULL};

	data_node = json_from_string("{\"display_name\": \"Anne Ä. Person\", \"pre_confirmed\": "
				     "true, \"nested\": {\"list\": [1, \"two\", null, 3.5]}}",
				     &error);
	g_assert_no_error(error);
	data = json_object_ref(json_node_get_object(data_node));

	g_assert_true(pgl_workflow_start(fixture->store, fixture->list_id,
					 "pgp-subscribe-moderate", "anne@example.org", data, NOW,
					 LIFETIME, &outcome, &error));
	g_assert_no_error(error);
	assert_status(outcome, PGL_WORKFLOW_STATUS_WAITING);
	token = g_strdup(outcome.token);

	/* what the store holds */
	pending = pgl_store_pending_lookup(fixture->store, token, &error);
	g_assert_no_error(error);
	payload = json_from_string(pending->payload, &error);
	g_assert_no_error(error);
	root = json_node_get_object(payload);
	assert_int(json_object_get_int_member(root, "version"), PGL_WORKFLOW_STATE_VERSION);
	assert_str(json_object_get_string_member(root, "workflow"), "pgp-subscribe-moderate");
	assert_str(json_object_get_string_member(root, "address"), "anne@example.org");
	assert_str(json_object_get_string_member(root, "waiting_for"), "key-set");
	assert_int(json_array_get_length(json_object_get_array_member(root, "steps")), 5);
	assert_str(json_array_get_string_element(json_object_get_array_member(root, "steps"), 0),
		   "key-set");

	/* read back through the engine */
	run = pgl_workflow_lookup(fixture->store, token, NOW, &error);
	g_assert_no_error(error);
	assert_str(pgl_workflow_run_get_workflow(run), "pgp-subscribe-moderate");
	assert_int(pgl_workflow_run_get_list_id(run), fixture->list_id);
	assert_str(pgl_workflow_run_get_address(run), "anne@example.org");
	assert_str(pgl_workflow_run_get_token(run), token);
	assert_int(pgl_workflow_run_get_expires(run), NOW + LIFETIME);
	assert_int(pgl_workflow_run_get_waiting_for(run), PGL_WORKFLOW_WAIT_KEY_SET);
	assert_str(pgl_workflow_run_get_step(run), "key-set");
	g_assert_null(pgl_workflow_run_get_store(run));
	steps = pgl_workflow_run_dup_steps(run);
	g_assert_true(g_strv_equal((const gchar *const *)steps, want_steps));
	stored_node = json_node_init_object(json_node_alloc(), pgl_workflow_run_get_data(run));
	g_assert_true(json_node_equal(stored_node, data_node));

	/* event data reaches the waiting step; what it keeps travels on in the data */
	json_object_set_string_member(event_data, "key", "0123ABCD");
	resume_ok(fixture, token, PGL_WORKFLOW_EVENT_KEY_SET, event_data, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_WAITING);
	assert_int(outcome.waiting_for, PGL_WORKFLOW_WAIT_KEY_CONFIRM);
	assert_str(json_object_get_string_member(outcome.data, PGL_WORKFLOW_DATA_FINGERPRINT),
		   "0123ABCD");
	assert_str(json_object_get_string_member(outcome.data, "display_name"),
		   "Anne Ä. Person");
	g_clear_pointer(&run, pgl_workflow_run_free);
	run = pgl_workflow_lookup(fixture->store, outcome.token, NOW + 60, &error);
	g_assert_no_error(error);
	assert_str(json_object_get_string_member(pgl_workflow_run_get_data(run),
						 PGL_WORKFLOW_DATA_FINGERPRINT),
		   "0123ABCD");
	/* the caller's data is the caller's: the workflow worked on a copy */
	g_assert_false(json_object_has_member(data, PGL_WORKFLOW_DATA_FINGERPRINT));
}

static void
test_state_corrupt(Fixture *fixture, gconstpointer user_data)
{
	static const gchar *const payloads[] = {
		"",
		"not json",
		"[]",
		"{}",
		"{\"version\": 2, \"workflow\": \"w\", \"address\": \"a@b\", "
		"\"steps\": [\"test:a\"], "
		"\"data\": {}, \"waiting_for\": \"confirm\"}",
		"{\"version\": \"1\", \"workflow\": \"w\", \"address\": \"a@b\", \"steps\": "
		"[\"test:a\"], \"data\": {}, \"waiting_for\": \"confirm\"}",
		"{\"version\": 1, \"address\": \"a@b\", \"steps\": [\"test:a\"], \"data\": {}, "
		"\"waiting_for\": \"confirm\"}",
		"{\"version\": 1, \"workflow\": \"W W\", \"address\": \"a@b\", \"steps\": "
		"[\"test:a\"], \"data\": {}, \"waiting_for\": \"confirm\"}",
		"{\"version\": 1, \"workflow\": \"w\", \"steps\": [\"test:a\"], \"data\": {}, "
		"\"waiting_for\": \"confirm\"}",
		"{\"version\": 1, \"workflow\": \"w\", \"address\": \"a@b\", \"data\": {}, "
		"\"waiting_for\": \"confirm\"}",
		"{\"version\": 1, \"workflow\": \"w\", \"address\": \"a@b\", \"steps\": [], "
		"\"data\": {}, \"waiting_for\": \"confirm\"}",
		"{\"version\": 1, \"workflow\": \"w\", \"address\": \"a@b\", \"steps\": [7], "
		"\"data\": {}, \"waiting_for\": \"confirm\"}",
		"{\"version\": 1, \"workflow\": \"w\", \"address\": \"a@b\", \"steps\": "
		"[\"../x\"], \"data\": {}, \"waiting_for\": \"confirm\"}",
		"{\"version\": 1, \"workflow\": \"w\", \"address\": \"a@b\", "
		"\"steps\": [\"test:a\"], "
		"\"data\": [], \"waiting_for\": \"confirm\"}",
		"{\"version\": 1, \"workflow\": \"w\", \"address\": \"a@b\", "
		"\"steps\": [\"test:a\"], "
		"\"data\": {}, \"waiting_for\": \"none\"}",
		"{\"version\": 1, \"workflow\": \"w\", \"address\": \"a@b\", "
		"\"steps\": [\"test:a\"], "
		"\"data\": {}, \"waiting_for\": \"lunch\"}",
		"{\"version\": 1, \"workflow\": \"w\", \"address\": \"a@b\", "
		"\"steps\": [\"test:a\"], "
		"\"data\": {}}",
	};
	g_autoptr(GError) error = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(payloads); i++) {
		g_autofree gchar *token = NULL;
		g_autoptr(PglWorkflowRun) run = NULL;

		token = pgl_store_pending_add(fixture->store, fixture->list_id,
					      PGL_WORKFLOW_PENDING_TYPE, payloads[i], NOW + 100,
					      &error);
		g_assert_no_error(error);
		run = pgl_workflow_lookup(fixture->store, token, NOW, &error);
		if (!g_error_matches(error, PGL_WORKFLOW_ERROR, PGL_WORKFLOW_ERROR_CORRUPT))
			g_error("payload %" G_GSIZE_FORMAT ": got %s, want CORRUPT", i,
				error != NULL ? error->message : "no error");
		g_assert_null(run);
		g_clear_error(&error);
		resume_refused(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NOW,
			       PGL_WORKFLOW_ERROR_CORRUPT);
	}
	/* the sanity check of the check: a good payload is read */
	{
		g_autofree gchar *token = pgl_store_pending_add(
			fixture->store, fixture->list_id, PGL_WORKFLOW_PENDING_TYPE,
			"{\"version\": 1, \"workflow\": \"w\", \"address\": \"a@b\", \"steps\": "
			"[\"test:a\"], \"data\": {}, \"waiting_for\": \"confirm\"}",
			NOW + 100, &error);
		g_autoptr(PglWorkflowRun) run = pgl_workflow_lookup(fixture->store, token, NOW,
								    &error);

		g_assert_no_error(error);
		g_assert_nonnull(run);
	}

	/* unreadable states are removed at expiry, with a warning and no callback */
	for (gsize i = 0; i < G_N_ELEMENTS(payloads); i++)
		g_test_expect_message("pgl-workflows", G_LOG_LEVEL_WARNING,
				      "*expired and removed unread*");
	assert_int(pgl_workflow_expire(fixture->store, NOW + 100, NULL, NULL, &error),
		   G_N_ELEMENTS(payloads) + 1);
	g_assert_no_error(error);
	g_test_assert_expected_messages();
	assert_int(count_pending(fixture), 0);
}

/* ---- restart ---- */

static void
test_restart(Fixture *fixture, gconstpointer user_data)
{
	g_auto(PglWorkflowOutcome) outcome = PGL_WORKFLOW_OUTCOME_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(PglStore) other = NULL;
	g_autofree gchar *token = NULL;

	/* one process starts it... */
	start_ok(fixture, "subscribe-confirm-then-moderate", NULL, &outcome);
	assert_int(outcome.waiting_for, PGL_WORKFLOW_WAIT_CONFIRM);
	token = g_strdup(outcome.token);
	g_clear_pointer(&fixture->store, pgl_store_free);

	/* ...and after a restart another connection carries on */
	fixture->store = pgl_store_open(fixture->ctx, &error);
	g_assert_no_error(error);
	resume_ok(fixture, token, PGL_WORKFLOW_EVENT_CONFIRM, NULL, &outcome);
	assert_status(outcome, PGL_WORKFLOW_STATUS_WAITING);
	assert_int(outcome.waiting_for, PGL_WORKFLOW_WAIT_APPROVE);
	g_free(token);
	token = g_strdup(outcome.token);

	/* two connections at once: the moderator's command line and the daemon */
	other = pgl_store_open(fixture->ctx, &error);
	g_assert_no_error(error);
	g_assert_true(pgl_workflow_resume(other, token, PGL_WORKFLOW_EVENT_APPROVE, NULL, NOW + 60,
					  LIFETIME, &outcome, &error));
	g_assert_no_error(error);
	assert_status(outcome, PGL_WORKFLOW_STATUS_FINISHED);
	resume_refused(fixture, token, PGL_WORKFLOW_EVENT_APPROVE, NOW + 60,
		       PGL_WORKFLOW_ERROR_UNKNOWN_TOKEN);
	assert_log("verify-address,confirm-address,waiting:confirm-address,"
		   "confirm-address/confirm,get-moderator-approval,"
		   "waiting:get-moderator-approval,get-moderator-approval/approve,subscribe,"
		   "send-welcome");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	register_fakes();

	g_test_add_func("/workflows/policies/strings", test_policies_strings);
	g_test_add_func("/workflows/registry/errors", test_registry_errors);
	g_test_add_func("/workflows/registry/threads", test_registry_threads);
#define ADD(path, func) g_test_add(path, Fixture, NULL, set_up, func, tear_down)
	ADD("/workflows/policies/subscription", test_policies_subscription);
	ADD("/workflows/policies/unsubscription", test_policies_unsubscription);
	ADD("/workflows/wait/persist-resume", test_wait_persist_resume);
	ADD("/workflows/wait/reject-discard", test_wait_reject);
	ADD("/workflows/token/single-use", test_token_single_use);
	ADD("/workflows/token/new-per-wait", test_token_new_per_wait);
	ADD("/workflows/token/wrong-event", test_token_wrong_event);
	ADD("/workflows/token/expired", test_token_expired);
	ADD("/workflows/token/expire-batches", test_token_expire_batches);
	ADD("/workflows/token/unknown", test_token_unknown);
	ADD("/workflows/steps/push", test_steps_push);
	ADD("/workflows/steps/finish", test_steps_finish);
	ADD("/workflows/steps/error-at-start", test_steps_error_at_start);
	ADD("/workflows/steps/error-after-resume", test_steps_error_after_resume);
	ADD("/workflows/steps/store-error", test_steps_store_error);
	ADD("/workflows/steps/unknown", test_steps_unknown);
	ADD("/workflows/steps/unknown-in-state", test_steps_unknown_in_state);
	ADD("/workflows/steps/temporary", test_steps_temporary);
	ADD("/workflows/steps/contract", test_steps_contract);
	ADD("/workflows/steps/limits", test_steps_limits);
	ADD("/workflows/state/roundtrip", test_state_roundtrip);
	ADD("/workflows/state/corrupt", test_state_corrupt);
	ADD("/workflows/restart", test_restart);
#undef ADD

	return g_test_run();
}
