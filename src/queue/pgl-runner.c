/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A runner: one thread that takes the messages of one queue, oldest first, claims each and hands
 * it to its process function. Runners never poll on a timer: the thread sleeps in poll() on an
 * inotify watch of its queue directory (a message arrives by rename, IN_MOVED_TO, whether an LMTP
 * session, another runner or a command-line tool in another process put it there) and on an
 * eventfd used to stop it. Mailman 3 loses seconds per post to runners that sleep a second
 * between scans (DESIGN.md §8); this does not. A queue with a due function (retry) also wakes
 * when its earliest message falls due.
 *
 * Whatever the process function cannot handle goes to the bad queue with the reason; the runner
 * goes on with the next message.
 */
#include "queue/pgl-runner.h"

#include "store/pgl-store.h"

#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

/* Safety net: rescan the queue at least this often even without an event. */
#define RUNNER_RESCAN_MS (30 * 1000)
/* After a temporary failure (database locked, disk full, ...) the runner pauses, doubling the
 * pause from the first to the last value while the trouble lasts. */
#define RUNNER_PAUSE_FIRST_MS 1000
#define RUNNER_PAUSE_MAX_MS   (60 * 1000)

struct _PglRunner {
	PglContext *ctx;	       /* (owned) */
	PglSpool *spool;	       /* (unowned) outlives the runner */
	gchar *queue;		       /* (owned) */
	PglRunnerProcessFunc process;
	PglRunnerDueFunc due;
	gpointer user_data;	       /* (unowned) */
	GThread *thread;	       /* (owned) (nullable) */
	int inotify_fd;
	int stop_fd;
	gint stopping;		       /* atomic */
	gint processed;		       /* atomic */
	gint pause_ms;		       /* runner thread only: 0, or the current pause */
	gboolean deferred;	       /* runner thread only: this scan met a temporary failure */
};

/**
 * pgl_runner_error_is_temporary:
 * @error: why processing a message failed
 *
 * Returns: %TRUE for conditions that pass (database locked or unavailable, I/O errors, a full
 *   disk): the message stays in its queue and is tried again, instead of going to bad
 */
gboolean
pgl_runner_error_is_temporary(const GError *error)
{
	return error != NULL && (g_error_matches(error, PGL_STORE_ERROR, PGL_STORE_ERROR_BUSY) ||
				 g_error_matches(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_IO) ||
				 g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE));
}

/**
 * pgl_runner_new:
 * @spool: (transfer none): must outlive the runner
 * @queue: the queue this runner empties
 * @process: what to do with each message
 * @due: (nullable): when a message falls due; %NULL: at once
 * @user_data: (transfer none): for @process and @due; must outlive the runner
 *
 * Returns: (transfer full): a runner, not started
 */
PglRunner *
pgl_runner_new(PglContext *ctx, PglSpool *spool, const gchar *queue, PglRunnerProcessFunc process,
	       PglRunnerDueFunc due, gpointer user_data)
{
	PglRunner *runner = g_new0(PglRunner, 1);

	runner->ctx = pgl_context_ref(ctx);
	runner->spool = spool;
	runner->queue = g_strdup(queue);
	runner->process = process;
	runner->due = due;
	runner->user_data = user_data;
	runner->inotify_fd = -1;
	runner->stop_fd = -1;
	return runner;
}

static void
drain(int fd)
{
	guint8 buffer[4096];

	while (read(fd, buffer, sizeof buffer) > 0)
		;
}

static void
process_one(PglRunner *runner, const gchar *id)
{
	g_autoptr(PglSpoolEntry) entry = NULL;
	g_autoptr(GError) error = NULL;

	entry = pgl_spool_claim(runner->spool, runner->queue, id, &error);
	if (entry == NULL) {
		if (g_error_matches(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_NOT_FOUND))
			return; /* somebody else took it */
		g_warning("%s: queue=%s action=bad reason=\"%s\"", id, runner->queue,
			  error->message);
		entry = pgl_spool_entry_new(runner->queue, NULL);
		entry->id = g_strdup(id);
		{
			g_autoptr(GError) bad_error = NULL;

			if (!pgl_spool_move_to_bad(runner->spool, entry, error->message,
						   &bad_error))
				g_warning("%s: cannot move to bad queue: %s", id,
					  bad_error->message);
		}
		return;
	}
	if (runner->process(entry, runner->user_data, &error)) {
		g_autoptr(GError) finish_error = NULL;

		if (!pgl_spool_finish(runner->spool, entry, &finish_error))
			g_warning("%s: %s", id, finish_error->message);
		runner->pause_ms = 0;
	} else if (pgl_runner_error_is_temporary(error)) {
		g_autoptr(GError) release_error = NULL;

		runner->pause_ms = runner->pause_ms == 0
					   ? RUNNER_PAUSE_FIRST_MS
					   : MIN(runner->pause_ms * 2, RUNNER_PAUSE_MAX_MS);
		runner->deferred = TRUE;
		g_warning("%s: queue=%s action=deferred pause=%dms reason=\"%s\"", id,
			  runner->queue, runner->pause_ms, error->message);
		if (!pgl_spool_release(runner->spool, entry, &release_error))
			g_warning("%s: %s", id, release_error->message);
		return;
	} else {
		g_autoptr(GError) bad_error = NULL;

		g_warning("%s: queue=%s action=bad reason=\"%s\"", id, runner->queue,
			  error != NULL ? error->message : "unknown error");
		if (!pgl_spool_move_to_bad(runner->spool, entry,
					   error != NULL ? error->message : "unknown error",
					   &bad_error))
			g_warning("%s: cannot move to bad queue: %s", id, bad_error->message);
	}
	g_atomic_int_inc(&runner->processed);
}

/* One pass over the queue. Returns the milliseconds until the next message falls due, or -1. */
static gint
scan(PglRunner *runner)
{
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GError) error = NULL;
	gint64 next_due = G_MAXINT64;

	runner->deferred = FALSE;
	ids = pgl_spool_list(runner->spool, runner->queue, &error);
	if (ids == NULL) {
		g_warning("queue=%s cannot list: %s", runner->queue, error->message);
		return 1000;
	}
	for (guint i = 0; i < ids->len && !g_atomic_int_get(&runner->stopping); i++) {
		const gchar *id = g_ptr_array_index(ids, i);

		if (runner->due != NULL) {
			g_autoptr(PglSpoolEntry) peeked = NULL;
			gint64 when;

			peeked = pgl_spool_peek(runner->spool, runner->queue, id, NULL);
			if (peeked == NULL)
				continue; /* gone, or corrupt: claiming it below moves it to bad */
			when = runner->due(peeked, runner->user_data);
			if (when > pgl_context_now(runner->ctx)) {
				next_due = MIN(next_due, when);
				continue;
			}
		}
		process_one(runner, id);
		if (runner->deferred)
			return runner->pause_ms; /* the trouble is not this message's alone */
	}
	if (next_due == G_MAXINT64)
		return -1;
	return (gint)CLAMP((next_due - pgl_context_now(runner->ctx)) * 1000, 0,
			   RUNNER_RESCAN_MS);
}

static gpointer
runner_thread(gpointer data)
{
	PglRunner *runner = data;

	while (!g_atomic_int_get(&runner->stopping)) {
		struct pollfd fds[2] = {
			{.fd = runner->inotify_fd, .events = POLLIN},
			{.fd = runner->stop_fd, .events = POLLIN},
		};
		gint timeout = scan(runner);

		if (runner->deferred) {
			/* sleep through the pause whatever arrives (releasing the message was an
			 * arrival too), waking only to stop */
			if (poll(&fds[1], 1, runner->pause_ms) < 0 && errno != EINTR)
				g_usleep(G_USEC_PER_SEC);
			drain(runner->inotify_fd);
			continue;
		}
		if (timeout < 0)
			timeout = RUNNER_RESCAN_MS;
		if (poll(fds, 2, timeout) < 0 && errno != EINTR) {
			g_warning("queue=%s poll: %s", runner->queue, g_strerror(errno));
			g_usleep(G_USEC_PER_SEC);
		}
		if (fds[0].revents & POLLIN)
			drain(runner->inotify_fd);
	}
	return NULL;
}

/**
 * pgl_runner_start:
 *
 * Starts the runner's thread. Messages claimed by an earlier daemon must have been put back
 * with pgl_spool_recover() before.
 */
gboolean
pgl_runner_start(PglRunner *runner, GError **error)
{
	const gchar *dir = pgl_spool_get_dir(runner->spool, runner->queue);
	g_autofree gchar *name = g_strdup_printf("pgl-%s", runner->queue);

	runner->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	runner->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (runner->inotify_fd < 0 || runner->stop_fd < 0 ||
	    inotify_add_watch(runner->inotify_fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		int saved_errno = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno),
			    "cannot watch %s: %s", dir, g_strerror(saved_errno));
		return FALSE;
	}
	runner->thread = g_thread_new(name, runner_thread, runner);
	return TRUE;
}

/**
 * pgl_runner_stop:
 *
 * Asks the runner to stop after the message it is processing, and waits for it.
 */
void
pgl_runner_stop(PglRunner *runner)
{
	guint64 one = 1;

	if (runner->thread == NULL)
		return;
	g_atomic_int_set(&runner->stopping, 1);
	if (write(runner->stop_fd, &one, sizeof one) < 0)
		g_warning("queue=%s cannot signal stop: %s", runner->queue, g_strerror(errno));
	g_thread_join(g_steal_pointer(&runner->thread));
}

void
pgl_runner_free(PglRunner *runner)
{
	if (runner == NULL)
		return;
	pgl_runner_stop(runner);
	if (runner->inotify_fd >= 0)
		close(runner->inotify_fd);
	if (runner->stop_fd >= 0)
		close(runner->stop_fd);
	g_clear_pointer(&runner->ctx, pgl_context_unref);
	g_free(runner->queue);
	g_free(runner);
}

/**
 * pgl_runner_get_processed:
 *
 * Returns: how many messages the runner has taken from its queue so far
 */
guint
pgl_runner_get_processed(PglRunner *runner)
{
	return (guint)g_atomic_int_get(&runner->processed);
}
