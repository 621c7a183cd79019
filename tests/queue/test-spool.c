/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests for the spool and the runners: durability format, claiming, recovery after a crash,
 * the bad queue, and that a runner wakes on arrival without polling.
 */
#include "core/pgl-context.h"
#include "queue/pgl-runner.h"
#include "queue/pgl-spool.h"
#include "store/pgl-store.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
	gchar *dir;
	PglContext *ctx;
	PglSpool *spool;
} Fixture;

static void
fixture_set_up(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	PglConfig *config = pgl_config_new_default();

	fixture->dir = g_dir_make_tmp("pgl-spool-XXXXXX", &error);
	g_assert_no_error(error);
	g_free(config->var_dir);
	config->var_dir = g_strdup(fixture->dir);
	fixture->ctx = pgl_context_new(config, &error);
	g_assert_no_error(error);
	fixture->spool = pgl_spool_new(fixture->ctx, &error);
	g_assert_no_error(error);
}

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			remove_tree(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer user_data)
{
	g_clear_pointer(&fixture->spool, pgl_spool_free);
	g_clear_pointer(&fixture->ctx, pgl_context_unref);
	remove_tree(fixture->dir);
	g_free(fixture->dir);
}

static PglSpoolEntry *
make_entry(const gchar *text)
{
	g_autoptr(GBytes) message = g_bytes_new(text, strlen(text));
	PglSpoolEntry *entry = pgl_spool_entry_new(NULL, message);

	pgl_spool_entry_set(entry, "list", "test@lists.example");
	pgl_spool_entry_set(entry, "reason", "two\nlines and \"quotes\"");
	g_ptr_array_add(entry->recipients, g_strdup("a@example.org"));
	g_ptr_array_add(entry->recipients, g_strdup("b@example.org"));
	return entry;
}

static void
test_round_trip(Fixture *fixture, gconstpointer user_data)
{
	const gchar *text = "Subject: hi\n\nbody\n\n.\nwith a NUL-free end\n";
	g_autoptr(PglSpoolEntry) entry = make_entry(text);
	g_autoptr(PglSpoolEntry) claimed = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GError) error = NULL;
	gsize size;

	g_assert_true(pgl_spool_enqueue(fixture->spool, PGL_QUEUE_IN, entry, &error));
	g_assert_no_error(error);
	g_assert_nonnull(entry->id);
	ids = pgl_spool_list(fixture->spool, PGL_QUEUE_IN, &error);
	g_assert_cmpuint(ids->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(ids, 0), ==, entry->id);

	claimed = pgl_spool_claim(fixture->spool, PGL_QUEUE_IN, entry->id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(pgl_spool_entry_get(claimed, "list"), ==, "test@lists.example");
	g_assert_cmpstr(pgl_spool_entry_get(claimed, "reason"), ==, "two\nlines and \"quotes\"");
	g_assert_cmpuint(claimed->recipients->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(claimed->recipients, 1), ==, "b@example.org");
	g_assert_cmpmem(g_bytes_get_data(claimed->message, &size), size, text, strlen(text));

	/* claimed: not listed, cannot be claimed twice */
	g_clear_pointer(&ids, g_ptr_array_unref);
	ids = pgl_spool_list(fixture->spool, PGL_QUEUE_IN, &error);
	g_assert_cmpuint(ids->len, ==, 0);
	g_assert_null(pgl_spool_claim(fixture->spool, PGL_QUEUE_IN, entry->id, &error));
	g_assert_error(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_cmpuint(pgl_spool_count(fixture->spool, PGL_QUEUE_IN), ==, 1);

	g_assert_true(pgl_spool_finish(fixture->spool, claimed, &error));
	g_assert_cmpuint(pgl_spool_count(fixture->spool, PGL_QUEUE_IN), ==, 0);
}

static void
test_order(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *first = NULL;

	for (guint i = 0; i < 5; i++) {
		g_autoptr(PglSpoolEntry) entry = make_entry("Subject: x\n\ny\n");

		g_assert_true(pgl_spool_enqueue(fixture->spool, PGL_QUEUE_OUT, entry, &error));
		if (i == 0)
			first = g_strdup(entry->id);
	}
	ids = pgl_spool_list(fixture->spool, PGL_QUEUE_OUT, &error);
	g_assert_cmpuint(ids->len, ==, 5);
	g_assert_cmpstr(g_ptr_array_index(ids, 0), ==, first);
}

static void
test_recover(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglSpoolEntry) entry = make_entry("Subject: x\n\ny\n");
	g_autoptr(PglSpoolEntry) claimed = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *stray = NULL;

	g_assert_true(pgl_spool_enqueue(fixture->spool, PGL_QUEUE_PIPELINE, entry, &error));
	claimed = pgl_spool_claim(fixture->spool, PGL_QUEUE_PIPELINE, entry->id, &error);
	g_assert_nonnull(claimed);
	/* a crash now; plus a half-written file of an interrupted enqueue */
	stray = g_build_filename(pgl_spool_get_dir(fixture->spool, PGL_QUEUE_PIPELINE),
				 ".123.tmp", NULL);
	g_assert_true(g_file_set_contents(stray, "half", -1, NULL));
	g_assert_cmpuint(pgl_spool_recover(fixture->spool, PGL_QUEUE_PIPELINE), ==, 1);
	g_assert_false(g_file_test(stray, G_FILE_TEST_EXISTS));
	g_clear_pointer(&claimed, pgl_spool_entry_free);
	claimed = pgl_spool_claim(fixture->spool, PGL_QUEUE_PIPELINE, entry->id, &error);
	g_assert_no_error(error);
	g_assert_nonnull(claimed);
}

static void
test_corrupt(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *path = g_build_filename(pgl_spool_get_dir(fixture->spool, PGL_QUEUE_IN),
						  "0000-bad.msg", NULL);
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_set_contents(path, "garbage without magic", -1, NULL));
	g_assert_null(pgl_spool_claim(fixture->spool, PGL_QUEUE_IN, "0000-bad", &error));
	g_assert_error(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_CORRUPT);
	g_clear_error(&error);

	g_assert_true(g_file_set_contents(path, "pgplist-spool 1\nkey value\nnoeol", -1, NULL));
	g_assert_null(pgl_spool_claim(fixture->spool, PGL_QUEUE_IN, "0000-bad", &error));
	g_assert_error(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_CORRUPT);
	g_clear_error(&error);

	/* gone (claimed by someone else) */
	g_assert_null(pgl_spool_claim(fixture->spool, PGL_QUEUE_IN, "0000-bad", &error));
	g_assert_error(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_NOT_FOUND);
}

typedef struct {
	GMutex lock;
	GCond cond;
	guint seen;
	gboolean fail;
	guint busy_times; /* fail with a temporary error this many times first */
} Counter;

static gboolean
count_process(PglSpoolEntry *entry, gpointer user_data, GError **error)
{
	Counter *counter = user_data;

	g_mutex_lock(&counter->lock);
	counter->seen++;
	g_cond_signal(&counter->cond);
	g_mutex_unlock(&counter->lock);
	if (counter->busy_times > 0) {
		counter->busy_times--;
		g_set_error_literal(error, PGL_STORE_ERROR, PGL_STORE_ERROR_BUSY,
				    "database is locked");
		return FALSE;
	}
	if (counter->fail) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot handle this");
		return FALSE;
	}
	return TRUE;
}

static gboolean
wait_seen(Counter *counter, guint want, gint64 timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;
	gboolean ok = TRUE;

	g_mutex_lock(&counter->lock);
	while (counter->seen < want && ok)
		ok = g_cond_wait_until(&counter->cond, &counter->lock, deadline);
	ok = counter->seen >= want;
	g_mutex_unlock(&counter->lock);
	return ok;
}

static void
test_runner_wakes(Fixture *fixture, gconstpointer user_data)
{
	Counter counter = {0};
	g_autoptr(PglRunner) runner = NULL;
	g_autoptr(GError) error = NULL;
	gint64 start;

	g_mutex_init(&counter.lock);
	g_cond_init(&counter.cond);
	runner = pgl_runner_new(fixture->ctx, fixture->spool, PGL_QUEUE_IN, count_process, NULL,
				&counter);
	g_assert_true(pgl_runner_start(runner, &error));
	g_usleep(50 * 1000);
	start = g_get_monotonic_time();
	for (guint i = 0; i < 3; i++) {
		g_autoptr(PglSpoolEntry) entry = make_entry("Subject: x\n\ny\n");

		g_assert_true(pgl_spool_enqueue(fixture->spool, PGL_QUEUE_IN, entry, &error));
	}
	g_assert_true(wait_seen(&counter, 3, 5000));
	/* woken by inotify, not by the 30 s rescan */
	g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_USEC_PER_SEC);
	pgl_runner_stop(runner);
	g_assert_cmpuint(pgl_spool_count(fixture->spool, PGL_QUEUE_IN), ==, 0);
	g_assert_cmpuint(pgl_runner_get_processed(runner), ==, 3);
	g_mutex_clear(&counter.lock);
	g_cond_clear(&counter.cond);
}

static void
test_runner_bad(Fixture *fixture, gconstpointer user_data)
{
	Counter counter = {.fail = TRUE};
	g_autoptr(PglRunner) runner = NULL;
	g_autoptr(PglSpoolEntry) entry = make_entry("Subject: x\n\ny\n");
	g_autoptr(PglSpoolEntry) bad = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GError) error = NULL;

	g_mutex_init(&counter.lock);
	g_cond_init(&counter.cond);
	g_assert_true(pgl_spool_enqueue(fixture->spool, PGL_QUEUE_PIPELINE, entry, &error));
	g_test_expect_message("pgl-queue", G_LOG_LEVEL_WARNING,
			      "*queue=pipeline action=bad reason=\"cannot handle this\"");
	runner = pgl_runner_new(fixture->ctx, fixture->spool, PGL_QUEUE_PIPELINE, count_process,
				NULL, &counter);
	g_assert_true(pgl_runner_start(runner, &error));
	g_assert_true(wait_seen(&counter, 1, 5000));
	pgl_runner_stop(runner);
	g_test_assert_expected_messages();
	ids = pgl_spool_list(fixture->spool, PGL_QUEUE_BAD, &error);
	g_assert_cmpuint(ids->len, ==, 1);
	bad = pgl_spool_claim(fixture->spool, PGL_QUEUE_BAD, g_ptr_array_index(ids, 0), &error);
	g_assert_cmpstr(pgl_spool_entry_get(bad, "bad_reason"), ==, "cannot handle this");
	g_assert_cmpstr(pgl_spool_entry_get(bad, "bad_from"), ==, PGL_QUEUE_PIPELINE);
	g_assert_cmpuint(pgl_spool_count(fixture->spool, PGL_QUEUE_PIPELINE), ==, 0);
	g_mutex_clear(&counter.lock);
	g_cond_clear(&counter.cond);
}

/* A temporary failure keeps the message in its queue and tries it again after a pause. */
static void
test_runner_temporary(Fixture *fixture, gconstpointer user_data)
{
	Counter counter = {.busy_times = 1};
	g_autoptr(PglRunner) runner = NULL;
	g_autoptr(PglSpoolEntry) entry = make_entry("Subject: x\n\ny\n");
	g_autoptr(GError) error = NULL;
	gint64 start;

	g_mutex_init(&counter.lock);
	g_cond_init(&counter.cond);
	g_assert_true(pgl_spool_enqueue(fixture->spool, PGL_QUEUE_OUT, entry, &error));
	g_test_expect_message("pgl-queue", G_LOG_LEVEL_WARNING,
			      "*queue=out action=deferred pause=1000ms*database is locked*");
	runner = pgl_runner_new(fixture->ctx, fixture->spool, PGL_QUEUE_OUT, count_process, NULL,
				&counter);
	start = g_get_monotonic_time();
	g_assert_true(pgl_runner_start(runner, &error));
	g_assert_true(wait_seen(&counter, 2, 10000));
	/* the second attempt came after the pause, not in a tight loop */
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 900 * 1000);
	pgl_runner_stop(runner);
	g_test_assert_expected_messages();
	g_assert_cmpuint(counter.seen, ==, 2);
	g_assert_cmpuint(pgl_spool_count(fixture->spool, PGL_QUEUE_OUT), ==, 0);
	g_assert_cmpuint(pgl_spool_count(fixture->spool, PGL_QUEUE_BAD), ==, 0);
	g_mutex_clear(&counter.lock);
	g_cond_clear(&counter.cond);
}

static gint64
due_later(PglSpoolEntry *entry, gpointer user_data)
{
	return pgl_spool_entry_get_int(entry, "next_attempt", 0);
}

static void
test_runner_due(Fixture *fixture, gconstpointer user_data)
{
	Counter counter = {0};
	g_autoptr(PglRunner) runner = NULL;
	g_autoptr(PglSpoolEntry) entry = make_entry("Subject: x\n\ny\n");
	g_autoptr(GError) error = NULL;

	g_mutex_init(&counter.lock);
	g_cond_init(&counter.cond);
	pgl_spool_entry_set_int(entry, "next_attempt", pgl_context_now(fixture->ctx) + 1);
	g_assert_true(pgl_spool_enqueue(fixture->spool, PGL_QUEUE_RETRY, entry, &error));
	runner = pgl_runner_new(fixture->ctx, fixture->spool, PGL_QUEUE_RETRY, count_process,
				due_later, &counter);
	g_assert_true(pgl_runner_start(runner, &error));
	g_usleep(200 * 1000);
	g_assert_cmpuint(counter.seen, ==, 0);
	g_assert_true(wait_seen(&counter, 1, 5000));
	pgl_runner_stop(runner);
	g_mutex_clear(&counter.lock);
	g_cond_clear(&counter.cond);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
	ADD("/queue/spool/round-trip", test_round_trip);
	ADD("/queue/spool/order", test_order);
	ADD("/queue/spool/recover", test_recover);
	ADD("/queue/spool/corrupt", test_corrupt);
	ADD("/queue/runner/wakes-on-arrival", test_runner_wakes);
	ADD("/queue/runner/failure-goes-to-bad", test_runner_bad);
	ADD("/queue/runner/due-time", test_runner_due);
	ADD("/queue/runner/temporary-failure-retried", test_runner_temporary);
	return g_test_run();
}
