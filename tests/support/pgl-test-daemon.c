/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The `pgplist` binary as a test fixture (see pgl-test-daemon.h). Subprocesses get
 * PR_SET_PDEATHSIG between fork and exec, so that nothing outlives the test process. Waits on
 * subprocesses iterate the default main context with a timeout source. What a SIGABRT handler
 * needs (log paths, daemon process IDs) is copied into fixed tables of plain variables, since
 * that is all it may read; fork, execve, kill, open, read and write are async-signal-safe.
 */
#define G_LOG_DOMAIN "pgl-test-daemon"

#include "support/pgl-test-daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core/pgl-config.h"
#include "support/pgl-test-gpg.h"
#include "support/pgl-test-lmtp.h"

/* ---- what a failed assertion must still do (async-signal-safe) ---------------------------- */

/* XXX: fixtures beyond this many at once, and starts beyond this many per fixture, are not
 * covered by the abort handler (PR_SET_PDEATHSIG still kills their daemons) */
#define ABORT_SLOTS    4
#define ABORT_LOGS_MAX 8

typedef struct {
	volatile sig_atomic_t used;
	volatile sig_atomic_t n_logs;
	volatile pid_t pid;
	char logs[ABORT_LOGS_MAX][1024];
} AbortSlot;

static AbortSlot abort_slots[ABORT_SLOTS];

static void
write_all_fd(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

static void
on_abort(int signum)
{
	for (gint slot = 0; slot < ABORT_SLOTS; slot++) {
		AbortSlot *abort_slot = &abort_slots[slot];
		pid_t pid = abort_slot->pid;

		if (!abort_slot->used)
			continue;
		if (pid > 0)
			kill(pid, SIGKILL);
		for (sig_atomic_t i = 0; i < abort_slot->n_logs; i++) {
			static const char header[] = "\n==== daemon log ";
			char buffer[4096];
			int fd = open(abort_slot->logs[i], O_RDONLY);
			ssize_t n;

			write_all_fd(STDERR_FILENO, header, sizeof header - 1);
			write_all_fd(STDERR_FILENO, abort_slot->logs[i],
				     strlen(abort_slot->logs[i]));
			write_all_fd(STDERR_FILENO, " ====\n", 6);
			if (fd < 0)
				continue;
			while ((n = read(fd, buffer, sizeof buffer)) > 0)
				write_all_fd(STDERR_FILENO, buffer, (size_t)n);
			close(fd);
		}
	}
	pgl_test_gpg_abort_cleanup();
	signal(signum, SIG_DFL);
	raise(signum);
}

/**
 * pgl_test_daemon_install_abort_handler:
 *
 * Installs a SIGABRT handler (a failed assertion) that kills the running daemons of every
 * fixture, copies their logs to stderr and stops the gpg-agents of pgl-test-gpg.h, then
 * aborts. For a test program's main().
 */
void
pgl_test_daemon_install_abort_handler(void)
{
	struct sigaction action = {0};

	action.sa_handler = on_abort;
	sigemptyset(&action.sa_mask);
	sigaction(SIGABRT, &action, NULL);
}

/* Runs in the child between fork and exec: die with the test, however it dies. */
static void
child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* The limit of any single wait of the asserting functions. */
static guint
timeout_of(PglTestDaemon *fixture)
{
	return fixture->timeout_ms != 0 ? fixture->timeout_ms : PGL_TEST_DAEMON_TIMEOUT_MS;
}

/* A progress or failure note: a test message in a GTest program, else on stderr. */
static void G_GNUC_PRINTF(1, 2)
say(const gchar *format, ...)
{
	g_autofree gchar *text = NULL;
	va_list ap;

	va_start(ap, format);
	text = g_strdup_vprintf(format, ap);
	va_end(ap);
	if (g_test_initialized())
		g_test_message("%s", text);
	else
		g_printerr("%s\n", text);
}

/* ---- set-up and tear-down ------------------------------------------------------------------ */

/**
 * pgl_test_daemon_init:
 * @fixture: the fixture to set up (zeroed memory, as GTest gives it)
 * @base_dir: (nullable): where to make the temporary directory; %NULL for g_get_tmp_dir()
 * @flags: a test's or a benchmark's settings
 * @error: return location for a #GError
 *
 * Makes the temporary directory, starts the SMTP sink and writes the configuration: the var
 * dir in the temporary directory, LMTP on 127.0.0.1 port 0, the sink as relay.
 *
 * Returns: %TRUE, or %FALSE with @error set (then pgl_test_daemon_clear() is still needed)
 */
gboolean
pgl_test_daemon_init(PglTestDaemon *fixture, const gchar *base_dir, PglTestDaemonFlags flags,
		     GError **error)
{
	gboolean benchmark = (flags & PGL_TEST_DAEMON_FLAG_BENCHMARK) != 0;
	g_autofree gchar *template = g_build_filename(
		base_dir != NULL ? base_dir : g_get_tmp_dir(),
		benchmark ? "pgplist-bench-XXXXXX" : "pgplist-it-XXXXXX", NULL);

	fixture->flags = flags;
	fixture->abort_slot = -1;
	fixture->binary = g_strdup(g_getenv("PGLIST_BINARY"));
	fixture->received = g_ptr_array_new_with_free_func((GDestroyNotify)pgl_test_received_free);
	fixture->config = g_key_file_new();
	for (gint slot = 0; slot < ABORT_SLOTS; slot++) {
		if (abort_slots[slot].used)
			continue;
		abort_slots[slot].n_logs = 0;
		abort_slots[slot].pid = 0;
		abort_slots[slot].used = 1;
		fixture->abort_slot = slot;
		break;
	}
	if (g_mkdtemp(template) == NULL) {
		int saved_errno = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno),
			    "cannot create a directory like %s: %s", template,
			    g_strerror(saved_errno));
		return FALSE;
	}
	fixture->dir = g_steal_pointer(&template);
	fixture->var_dir = g_build_filename(fixture->dir, "var", NULL);
	fixture->config_path = g_build_filename(fixture->dir, "pgplist.conf", NULL);
	fixture->sink = pgl_smtp_sink_new(error);
	if (fixture->sink == NULL)
		return FALSE;

	g_key_file_set_string(fixture->config, "paths", "var_dir", fixture->var_dir);
	g_key_file_set_string(fixture->config, "lmtp", "host", "127.0.0.1");
	g_key_file_set_integer(fixture->config, "lmtp", "port", 0);
	g_key_file_set_string(fixture->config, "lmtp", "hostname", "mx.lists.example.org");
	g_key_file_set_string(fixture->config, "smtp", "host", "127.0.0.1");
	pgl_test_daemon_config_set_relay_port(fixture, pgl_smtp_sink_get_port(fixture->sink));
	if (!benchmark) {
		g_key_file_set_integer(fixture->config, "smtp", "timeout", 10);
		g_key_file_set_integer(fixture->config, "delivery", "retry_initial_delay", 1);
		g_key_file_set_integer(fixture->config, "delivery", "retry_max_delay", 2);
	}
	return g_key_file_save_to_file(fixture->config, fixture->config_path, error);
}

/**
 * pgl_test_daemon_clear:
 * @fixture: a fixture set up with pgl_test_daemon_init()
 *
 * Prints the daemon's logs if the test failed, stops a running daemon (which must exit 0),
 * stops the sink and removes the temporary directory unless it is to be kept.
 */
void
pgl_test_daemon_clear(PglTestDaemon *fixture)
{
	if (g_test_initialized() && g_test_failed())
		pgl_test_daemon_print_logs(fixture);
	if (fixture->process != NULL)
		pgl_test_daemon_stop(fixture);
	if (fixture->abort_slot >= 0) {
		abort_slots[fixture->abort_slot].used = 0;
		abort_slots[fixture->abort_slot].n_logs = 0;
		abort_slots[fixture->abort_slot].pid = 0;
		fixture->abort_slot = -1;
	}
	g_clear_pointer(&fixture->sink, pgl_smtp_sink_free);
	g_clear_pointer(&fixture->received, g_ptr_array_unref);
	g_clear_pointer(&fixture->config, g_key_file_unref);
	if (fixture->dir != NULL && !fixture->keep && g_getenv("PGLIST_TEST_KEEP") == NULL) {
		/* no recursive delete in GIO 2.74; rm -rf on our own temporary dir */
		g_autofree gchar *quoted = g_shell_quote(fixture->dir);
		g_autofree gchar *command = g_strdup_printf("rm -rf %s", quoted);

		(void)g_spawn_command_line_sync(command, NULL, NULL, NULL, NULL);
	} else if (fixture->dir != NULL && g_test_initialized()) {
		g_test_message("kept %s", fixture->dir);
	}
	g_clear_pointer(&fixture->dir, g_free);
	g_clear_pointer(&fixture->var_dir, g_free);
	g_clear_pointer(&fixture->config_path, g_free);
	g_clear_pointer(&fixture->binary, g_free);
	g_clear_pointer(&fixture->wrapper, g_strfreev);
}

/**
 * pgl_test_daemon_new:
 * @base_dir: (nullable): where to make the temporary directory; %NULL for g_get_tmp_dir()
 * @flags: a test's or a benchmark's settings
 * @error: return location for a #GError
 *
 * pgl_test_daemon_init() on a new fixture.
 *
 * Returns: (transfer full) (nullable): the fixture, or %NULL with @error set
 */
PglTestDaemon *
pgl_test_daemon_new(const gchar *base_dir, PglTestDaemonFlags flags, GError **error)
{
	g_autoptr(PglTestDaemon) fixture = g_new0(PglTestDaemon, 1);

	if (!pgl_test_daemon_init(fixture, base_dir, flags, error))
		return NULL;
	return g_steal_pointer(&fixture);
}

/**
 * pgl_test_daemon_free:
 * @fixture: (nullable): a fixture made with pgl_test_daemon_new()
 *
 * pgl_test_daemon_clear(), then frees it.
 */
void
pgl_test_daemon_free(PglTestDaemon *fixture)
{
	if (fixture == NULL)
		return;
	pgl_test_daemon_clear(fixture);
	g_free(fixture);
}

/**
 * pgl_test_daemon_wait_for_pool_threads:
 *
 * Waits (at most 2 s) until GLib's idle pool threads have exited.
 *
 * XXX: GCC 12's LeakSanitizer can crash at exit ("Tracer caught signal 11" on a bogus DTLS
 * range) when a thread is alive that used the thread-local storage of a dlopen()ed module, as
 * GLib's pool threads do (GTask work, glib-networking's handshakes). A test program sets
 * g_thread_pool_set_max_unused_threads(0), so that idle pool threads exit half a second after
 * their last task instead of lingering, and calls this before main() returns.
 */
void
pgl_test_daemon_wait_for_pool_threads(void)
{
	gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < deadline) {
		g_autoptr(GDir) tasks = g_dir_open("/proc/self/task", 0, NULL);
		const gchar *task;
		gboolean pool_thread = FALSE;

		while (tasks != NULL && (task = g_dir_read_name(tasks)) != NULL) {
			g_autofree gchar *path = g_strdup_printf("/proc/self/task/%s/comm", task);
			g_autofree gchar *name = NULL;

			if (g_file_get_contents(path, &name, NULL, NULL) &&
			    g_str_has_prefix(name, "pool-"))
				pool_thread = TRUE;
		}
		if (!pool_thread)
			return;
		g_usleep(PGL_TEST_DAEMON_POLL_MS * 1000);
	}
}

/**
 * pgl_test_daemon_config_write:
 * @fixture: a fixture
 *
 * Writes @fixture->config to @fixture->config_path (done before every command and start).
 */
void
pgl_test_daemon_config_write(PglTestDaemon *fixture)
{
	g_autoptr(GError) error = NULL;

	g_key_file_save_to_file(fixture->config, fixture->config_path, &error);
	g_assert_no_error(error);
}

/**
 * pgl_test_daemon_config_set_relay_port:
 * @fixture: a fixture
 * @port: where the daemon sends mail (`[smtp] port`)
 */
void
pgl_test_daemon_config_set_relay_port(PglTestDaemon *fixture, guint16 port)
{
	g_key_file_set_integer(fixture->config, "smtp", "port", port);
}

/**
 * pgl_test_daemon_write_file:
 * @fixture: a fixture
 * @name: a file name
 * @text: its contents
 *
 * Writes @text to @name in the temporary directory.
 *
 * Returns: (transfer full): the file's path
 */
gchar *
pgl_test_daemon_write_file(PglTestDaemon *fixture, const gchar *name, const gchar *text)
{
	gchar *path = g_build_filename(fixture->dir, name, NULL);
	g_autoptr(GError) error = NULL;

	g_file_set_contents(path, text, -1, &error);
	g_assert_no_error(error);
	return path;
}

/**
 * pgl_test_daemon_closed_port:
 *
 * Returns: a port on 127.0.0.1 that nothing listens on (a sink's, after it is freed): a relay
 *   that is down
 */
guint16
pgl_test_daemon_closed_port(void)
{
	g_autoptr(GError) error = NULL;
	PglSmtpSink *sink = pgl_smtp_sink_new(&error);
	guint16 port;

	g_assert_no_error(error);
	port = pgl_smtp_sink_get_port(sink);
	pgl_smtp_sink_free(sink);
	return port;
}

/* ---- subprocesses ------------------------------------------------------------------------- */

static GSubprocessLauncher *
launcher_new(PglTestDaemon *fixture, GSubprocessFlags flags)
{
	GSubprocessLauncher *launcher = g_subprocess_launcher_new(flags);

	g_subprocess_launcher_unsetenv(launcher, "PGPLIST_CONFIG");
	g_subprocess_launcher_unsetenv(launcher, "G_MESSAGES_DEBUG");
	if ((fixture->flags & PGL_TEST_DAEMON_FLAG_BENCHMARK) != 0) {
		g_subprocess_launcher_unsetenv(launcher, "G_DEBUG");
		g_subprocess_launcher_unsetenv(launcher, "MALLOC_CHECK_");
		g_subprocess_launcher_unsetenv(launcher, "MALLOC_PERTURB_");
	} else {
		/* warnings are normal operation for a daemon (a relay that is down); criticals
		 * are bugs */
		g_subprocess_launcher_setenv(launcher, "G_DEBUG", "gc-friendly,fatal-criticals",
					     TRUE);
	}
	g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
	return launcher;
}

typedef struct {
	gboolean done;
	GAsyncResult *result; /* (owned) */
} AsyncWait;

static void
on_async_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	AsyncWait *wait = user_data;

	wait->result = g_object_ref(result);
	wait->done = TRUE;
}

static gboolean
on_wait_timeout(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* Iterates the default main context until @wait is done or @timeout_ms passed. */
static gboolean
async_wait(AsyncWait *wait, guint timeout_ms)
{
	gboolean timed_out = FALSE;
	GSource *timeout = g_timeout_source_new(timeout_ms);

	g_source_set_callback(timeout, on_wait_timeout, &timed_out, NULL);
	g_source_attach(timeout, NULL);
	while (!wait->done && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	g_source_destroy(timeout);
	g_source_unref(timeout);
	return wait->done;
}

static const gchar *
binary_path(PglTestDaemon *fixture)
{
	if (fixture->binary == NULL) {
		say("no pgplist binary: set PGLIST_BINARY");
		g_assert_nonnull(fixture->binary);
	}
	return fixture->binary;
}

/* ---- the daemon ----------------------------------------------------------------------------- */

/**
 * pgl_test_daemon_log_path:
 * @fixture: a fixture
 * @n: which start, from 1
 *
 * Returns: (transfer full): the file the daemon's @n-th start wrote its standard error to
 */
gchar *
pgl_test_daemon_log_path(PglTestDaemon *fixture, guint n)
{
	g_autofree gchar *name = g_strdup_printf("daemon-%u.log", n);

	return g_build_filename(fixture->dir, name, NULL);
}

/**
 * pgl_test_daemon_print_logs:
 * @fixture: a fixture
 *
 * Prints every daemon log of this fixture as test messages (for the g_test_skip() and
 * g_test_incomplete() paths, and after a failed test).
 */
void
pgl_test_daemon_print_logs(PglTestDaemon *fixture)
{
	for (guint n = 1; n <= fixture->n_starts; n++) {
		g_autofree gchar *path = pgl_test_daemon_log_path(fixture, n);
		g_autofree gchar *contents = NULL;

		if (g_file_get_contents(path, &contents, NULL, NULL)) {
			g_auto(GStrv) lines = g_strsplit(contents, "\n", -1);

			say("==== %s ====", path);
			for (guint i = 0; lines[i] != NULL; i++)
				if (lines[i][0] != '\0')
					say("%s", lines[i]);
		}
	}
}

/* Reads the "listening lmtp=HOST:PORT" line; FALSE on EOF or timeout. */
static gboolean
read_listening_line(GSubprocess *process, guint timeout_ms, gchar **line_out)
{
	GInputStream *stdout_pipe = g_subprocess_get_stdout_pipe(process);
	int fd = g_unix_input_stream_get_fd(G_UNIX_INPUT_STREAM(stdout_pipe));
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	g_autoptr(GString) line = g_string_new(NULL);

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
		char c;
		ssize_t n;
		int ready;

		if (left_ms <= 0)
			return FALSE;
		ready = poll(&pfd, 1, (int)left_ms);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return FALSE;
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		if (c == '\n') {
			if (g_str_has_prefix(line->str, "listening ")) {
				*line_out = g_strdup(line->str);
				return TRUE;
			}
			g_string_truncate(line, 0);
			continue;
		}
		g_string_append_c(line, c);
	}
}

/**
 * pgl_test_daemon_start_full:
 * @fixture: a fixture without a running daemon
 * @timeout_ms: how long the daemon may take to listen
 * @error: return location for a #GError
 *
 * Writes the configuration and starts `pgplist --config CONFIG [--verbose] serve` (after
 * @fixture->wrapper's words, if any), its standard error going to daemon-N.log in the
 * temporary directory; returns once it listens, with @fixture->lmtp_port set. A daemon that
 * does not start is killed.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
pgl_test_daemon_start_full(PglTestDaemon *fixture, guint timeout_ms, GError **error)
{
	g_autoptr(GSubprocessLauncher) launcher =
		launcher_new(fixture, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree gchar *log_path = NULL;
	g_autofree gchar *line = NULL;
	const gchar *colon;
	guint64 port = 0;
	int log_fd;

	g_return_val_if_fail(fixture->process == NULL, FALSE);
	pgl_test_daemon_config_write(fixture);
	fixture->n_starts++;
	log_path = pgl_test_daemon_log_path(fixture, fixture->n_starts);
	log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (log_fd < 0) {
		int saved_errno = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno),
			    "cannot create %s: %s", log_path, g_strerror(saved_errno));
		return FALSE;
	}
	g_subprocess_launcher_take_stderr_fd(launcher, log_fd);
	if (fixture->uses_tls) {
		/* XXX: the LeakSanitizer of GCC 12 crashes ("Tracer caught signal 11" on a bogus
		 * DTLS range) when, at exit, a thread is alive that used the thread-local storage
		 * of a dlopen()ed module: here GLib's pool thread that ran glib-networking's GnuTLS
		 * handshake. That is the sanitizer's bug, not a leak; the other tests still check
		 * the daemon for leaks. */
		const gchar *asan = g_getenv("ASAN_OPTIONS");
		g_autofree gchar *options = g_strconcat(
			asan != NULL ? asan : "", asan != NULL ? ":" : "", "detect_leaks=0", NULL);

		g_subprocess_launcher_setenv(launcher, "ASAN_OPTIONS", options, TRUE);
	}
	if (fixture->abort_slot >= 0) {
		AbortSlot *abort_slot = &abort_slots[fixture->abort_slot];

		if (abort_slot->n_logs < ABORT_LOGS_MAX) {
			g_strlcpy(abort_slot->logs[abort_slot->n_logs], log_path,
				  sizeof abort_slot->logs[0]);
			abort_slot->n_logs++;
		}
	}
	for (guint i = 0; fixture->wrapper != NULL && fixture->wrapper[i] != NULL; i++)
		g_ptr_array_add(argv, fixture->wrapper[i]);
	g_ptr_array_add(argv, (gpointer)binary_path(fixture));
	g_ptr_array_add(argv, (gpointer) "--config");
	g_ptr_array_add(argv, fixture->config_path);
	if ((fixture->flags & PGL_TEST_DAEMON_FLAG_BENCHMARK) == 0)
		g_ptr_array_add(argv, (gpointer) "--verbose");
	g_ptr_array_add(argv, (gpointer) "serve");
	g_ptr_array_add(argv, NULL);
	fixture->process =
		g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, error);
	if (fixture->process == NULL)
		return FALSE;
	fixture->pid = atoi(g_subprocess_get_identifier(fixture->process));
	if (fixture->abort_slot >= 0)
		abort_slots[fixture->abort_slot].pid = fixture->pid;

	if (!read_listening_line(fixture->process, timeout_ms, &line)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
			    "pgplist serve did not print its \"listening\" line within %u ms "
			    "(log: %s)",
			    timeout_ms, log_path);
		pgl_test_daemon_kill(fixture);
		return FALSE;
	}
	colon = strrchr(line, ':');
	if (colon == NULL || !g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "pgplist serve: cannot parse \"%s\"", line);
		pgl_test_daemon_kill(fixture);
		return FALSE;
	}
	fixture->lmtp_port = (guint16)port;
	return TRUE;
}

/**
 * pgl_test_daemon_start:
 * @fixture: a fixture without a running daemon
 *
 * pgl_test_daemon_start_full() within the fixture's timeout; asserts that it works.
 */
void
pgl_test_daemon_start(PglTestDaemon *fixture)
{
	g_autoptr(GError) error = NULL;

	g_assert_null(fixture->process);
	if (!pgl_test_daemon_start_full(fixture, timeout_of(fixture), &error)) {
		g_test_message("%s", error->message);
		g_assert_no_error(error);
	}
}

/**
 * pgl_test_daemon_signal_full:
 * @fixture: a fixture with a running daemon
 * @signum: the signal to send (SIGTERM, SIGKILL)
 * @timeout_ms: how long the daemon may take to end
 * @exited_out: (out) (optional): whether it exited (rather than died of a signal)
 * @status_out: (out) (optional): its exit status, or the signal that ended it
 * @error: return location for a #GError
 *
 * Sends @signum and waits until the daemon has ended. A daemon that does not end within
 * @timeout_ms is killed, and that is an error (%G_IO_ERROR_TIMED_OUT). The fixture has no
 * daemon afterwards either way.
 *
 * Returns: %TRUE if it ended in time, or %FALSE with @error set
 */
gboolean
pgl_test_daemon_signal_full(PglTestDaemon *fixture, gint signum, guint timeout_ms,
			    gboolean *exited_out, gint *status_out, GError **error)
{
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	AsyncWait wait = {0};
	gboolean exited = FALSE;
	gint status = -1;
	gboolean ok = TRUE;

	g_return_val_if_fail(fixture->process != NULL, FALSE);
	g_subprocess_send_signal(fixture->process, signum);
	g_subprocess_wait_async(fixture->process, cancellable, on_async_done, &wait);
	if (!async_wait(&wait, timeout_ms)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
			    "pgplist serve (pid %d) did not end within %u ms of signal %d; "
			    "killed it",
			    fixture->pid, timeout_ms, signum);
		g_subprocess_force_exit(fixture->process);
		if (!async_wait(&wait, timeout_of(fixture))) {
			/* the callback must not outlive @wait */
			g_cancellable_cancel(cancellable);
			while (!wait.done)
				g_main_context_iteration(NULL, TRUE);
		}
		ok = FALSE;
	} else if (g_subprocess_wait_finish(fixture->process, wait.result, error)) {
		exited = g_subprocess_get_if_exited(fixture->process);
		status = exited ? g_subprocess_get_exit_status(fixture->process)
				: g_subprocess_get_term_sig(fixture->process);
	} else {
		ok = FALSE;
	}
	g_clear_object(&wait.result);
	g_clear_object(&fixture->process);
	fixture->pid = 0;
	if (fixture->abort_slot >= 0)
		abort_slots[fixture->abort_slot].pid = 0;
	if (exited_out != NULL)
		*exited_out = exited;
	if (status_out != NULL)
		*status_out = status;
	return ok;
}

/**
 * pgl_test_daemon_stop:
 * @fixture: a fixture with a running daemon
 *
 * SIGTERM; asserts that the daemon exits with status 0 within the fixture's timeout.
 */
void
pgl_test_daemon_stop(PglTestDaemon *fixture)
{
	g_autoptr(GError) error = NULL;
	gboolean exited = FALSE;
	gint status = 0;

	g_assert_nonnull(fixture->process);
	if (!pgl_test_daemon_signal_full(fixture, SIGTERM, timeout_of(fixture), &exited,
					 &status, &error))
		g_test_message("%s", error->message);
	if (!exited || status != 0) {
		g_test_message("pgplist serve on SIGTERM: got %s %d, want exit status 0",
			       exited ? "exit status" : "signal", status);
		g_assert_true(exited);
		g_assert_cmpint(status, ==, 0);
	}
}

/**
 * pgl_test_daemon_kill:
 * @fixture: a fixture with a running daemon
 *
 * SIGKILL: the crash the spool must survive. Waits until the daemon is gone.
 */
void
pgl_test_daemon_kill(PglTestDaemon *fixture)
{
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(fixture->process);
	if (!pgl_test_daemon_signal_full(fixture, SIGKILL, timeout_of(fixture), NULL, NULL,
					 &error))
		say("%s", error->message);
}

/* ---- the command line ------------------------------------------------------------------------ */

/**
 * pgl_test_cli_result_free:
 * @result: (nullable): a result
 */
void
pgl_test_cli_result_free(PglTestCliResult *result)
{
	if (result == NULL)
		return;
	g_free(result->out);
	g_free(result->err);
	g_free(result);
}

/**
 * pgl_test_daemon_cli_runv:
 * @fixture: a fixture
 * @config_path: (nullable): the configuration file to give (@fixture->config_path after
 *   pgl_test_daemon_config_write(), or another); %NULL for none: the built-in defaults
 * @stdin_text: (nullable): what the command reads on standard input
 * @args: (array zero-terminated=1): the command's arguments after `--config CONFIG`
 *
 * Runs `pgplist [--config CONFIG] ARGS...`; asserts that it ends within the fixture's timeout.
 *
 * Returns: (transfer full): what it did; @out and @err are never %NULL
 */
PglTestCliResult *
pgl_test_daemon_cli_runv(PglTestDaemon *fixture, const gchar *config_path,
			 const gchar *stdin_text, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = launcher_new(
		fixture, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
				 G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GError) error = NULL;
	PglTestCliResult *result = g_new0(PglTestCliResult, 1);
	AsyncWait wait = {0};

	g_ptr_array_add(argv, (gpointer)binary_path(fixture));
	if (config_path != NULL) {
		g_ptr_array_add(argv, (gpointer) "--config");
		g_ptr_array_add(argv, (gpointer)config_path);
	}
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	process = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8_async(process, stdin_text ? stdin_text : "", NULL,
					    on_async_done, &wait);
	if (!async_wait(&wait, timeout_of(fixture))) {
		g_autofree gchar *line = g_strjoinv(" ", (gchar **)args);

		g_subprocess_force_exit(process);
		say("pgplist %s: no answer after %u ms", line, timeout_of(fixture));
		g_assert_not_reached();
	}
	g_subprocess_communicate_utf8_finish(process, wait.result, &result->out, &result->err,
					     &error);
	g_clear_object(&wait.result);
	g_assert_no_error(error);
	g_subprocess_wait(process, NULL, &error);
	g_assert_no_error(error);
	result->status =
		g_subprocess_get_if_exited(process) ? g_subprocess_get_exit_status(process) : -1;
	if (result->out == NULL)
		result->out = g_strdup("");
	if (result->err == NULL)
		result->err = g_strdup("");
	return result;
}

static GPtrArray *
collect_args(va_list ap)
{
	GPtrArray *args = g_ptr_array_new();
	const gchar *arg;

	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(args, (gpointer)arg);
	g_ptr_array_add(args, NULL);
	return args;
}

/**
 * pgl_test_daemon_cli_run:
 * @fixture: a fixture
 * @stdin_text: (nullable): what the command reads on standard input
 * @...: the command's arguments, then %NULL
 *
 * pgl_test_daemon_cli_runv() with the fixture's configuration, written first.
 *
 * Returns: (transfer full): what the command did
 */
PglTestCliResult *
pgl_test_daemon_cli_run(PglTestDaemon *fixture, const gchar *stdin_text, ...)
{
	g_autoptr(GPtrArray) args = NULL;
	va_list ap;

	va_start(ap, stdin_text);
	args = collect_args(ap);
	va_end(ap);
	pgl_test_daemon_config_write(fixture);
	return pgl_test_daemon_cli_runv(fixture, fixture->config_path, stdin_text,
					(const gchar *const *)args->pdata);
}

/**
 * pgl_test_daemon_cli_ok:
 * @fixture: a fixture
 * @stdin_text: (nullable): what the command reads on standard input
 * @...: the command's arguments, then %NULL
 *
 * Runs a command with the fixture's configuration, written first, that must succeed (exit
 * status 0).
 *
 * Returns: (transfer full): its standard output
 */
gchar *
pgl_test_daemon_cli_ok(PglTestDaemon *fixture, const gchar *stdin_text, ...)
{
	g_autoptr(GPtrArray) args = NULL;
	g_autoptr(PglTestCliResult) result = NULL;
	va_list ap;

	va_start(ap, stdin_text);
	args = collect_args(ap);
	va_end(ap);
	pgl_test_daemon_config_write(fixture);
	result = pgl_test_daemon_cli_runv(fixture, fixture->config_path, stdin_text,
					  (const gchar *const *)args->pdata);
	if (result->status != 0) {
		g_autofree gchar *line = g_strjoinv(" ", (gchar **)args->pdata);

		say("pgplist %s: got exit status %d, stderr \"%s\"; want success", line,
		    result->status, result->err);
		g_assert_cmpint(result->status, ==, 0);
	}
	return g_steal_pointer(&result->out);
}

/**
 * pgl_test_cli_result_assert_ok:
 * @result: a result
 * @what: where the caller is (its line), for the message
 *
 * Asserts exit status 0. Use the pgl_test_cli_assert_ok() macro.
 */
void
pgl_test_cli_result_assert_ok(PglTestCliResult *result, const gchar *what)
{
	if (result->status != 0) {
		g_test_message("%s: got exit status %d (stderr \"%s\"), want 0", what,
			       result->status, result->err);
		g_assert_cmpint(result->status, ==, 0);
	}
}

/**
 * pgl_test_cli_result_assert_error:
 * @result: a result
 * @needle: (nullable): what the error line must contain
 * @what: where the caller is (its line), for the message
 *
 * Asserts a refused command: exit status 1, nothing on stdout, exactly one line on stderr,
 * which contains @needle. Use the pgl_test_cli_assert_error() macro.
 */
void
pgl_test_cli_result_assert_error(PglTestCliResult *result, const gchar *needle,
				 const gchar *what)
{
	const gchar *newline = strchr(result->err, '\n');

	if (result->status != 1) {
		g_test_message("line %s: got exit status %d (stdout \"%s\", stderr \"%s\"), "
			       "want 1",
			       what, result->status, result->out, result->err);
		g_assert_cmpint(result->status, ==, 1);
	}
	if (newline == NULL || newline[1] != '\0') {
		g_test_message("line %s: got stderr \"%s\", want exactly one line", what,
			       result->err);
		g_assert_nonnull(newline);
		g_assert_cmpint(newline[1], ==, '\0');
	}
	if (needle != NULL && strstr(result->err, needle) == NULL) {
		g_test_message("line %s: got stderr \"%s\", want it to contain \"%s\"", what,
			       result->err, needle);
		g_assert_nonnull(strstr(result->err, needle));
	}
	PGL_TEST_ASSERT_STR(result->out, "");
}

/* ---- the spool ------------------------------------------------------------------------------- */

static gchar *
queue_dir(PglTestDaemon *fixture, const gchar *queue)
{
	return g_build_filename(fixture->var_dir, "queue", queue, NULL);
}

/**
 * pgl_test_daemon_queue_count:
 * @fixture: a fixture
 * @queue: a queue's name ("in", "pipeline", "out", "retry", "command" ...)
 *
 * Returns: the messages in @queue: files not starting with '.', waiting (".msg") or claimed by
 *   a runner (".work") alike
 */
guint
pgl_test_daemon_queue_count(PglTestDaemon *fixture, const gchar *queue)
{
	g_autofree gchar *path = queue_dir(fixture, queue);
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;
	guint count = 0;

	if (dir == NULL)
		return 0;
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (name[0] != '.' &&
		    (g_str_has_suffix(name, ".msg") || g_str_has_suffix(name, ".work")))
			count++;
	}
	return count;
}

/**
 * pgl_test_daemon_queue_count_files:
 * @fixture: a fixture
 * @queue: a queue's name ("bad" ...)
 *
 * Returns: the files of @queue not starting with '.', whatever their suffix (the bad queue
 *   keeps others too), but for the ".reason" notes
 */
guint
pgl_test_daemon_queue_count_files(PglTestDaemon *fixture, const gchar *queue)
{
	g_autofree gchar *path = queue_dir(fixture, queue);
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;
	guint count = 0;

	if (dir == NULL)
		return 0;
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (name[0] != '.' && !g_str_has_suffix(name, ".reason"))
			count++;
	}
	return count;
}

/**
 * pgl_test_daemon_queue_busy:
 * @fixture: a fixture
 *
 * Returns: the messages in the in, pipeline, out and retry queues
 */
guint
pgl_test_daemon_queue_busy(PglTestDaemon *fixture)
{
	return pgl_test_daemon_queue_count(fixture, "in") +
	       pgl_test_daemon_queue_count(fixture, "pipeline") +
	       pgl_test_daemon_queue_count(fixture, "out") +
	       pgl_test_daemon_queue_count(fixture, "retry");
}

/**
 * pgl_test_daemon_wait_until:
 * @fixture: a fixture
 * @condition: what to wait for
 * @user_data: for @condition
 * @timeout_ms: how long
 *
 * Polls @condition every PGL_TEST_DAEMON_POLL_MS.
 *
 * Returns: %TRUE once it holds, %FALSE if it did not within @timeout_ms
 */
gboolean
pgl_test_daemon_wait_until(PglTestDaemon *fixture, PglTestDaemonCondition condition,
			   gpointer user_data, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	for (;;) {
		if (condition(fixture, user_data))
			return TRUE;
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(PGL_TEST_DAEMON_POLL_MS * 1000);
	}
}

/*
 * A message moving between queues is written to the new one before it leaves the old one, so
 * it is always somewhere; but one scan could read a queue just before the message arrives and
 * the other just after it left. Moves go both ways (out to retry and back), so idle means two
 * empty scans in opposite orders.
 */
static gboolean
is_idle(PglTestDaemon *fixture, gpointer user_data)
{
	return pgl_test_daemon_queue_busy(fixture) == 0 &&
	       pgl_test_daemon_queue_count(fixture, "retry") +
			       pgl_test_daemon_queue_count(fixture, "out") +
			       pgl_test_daemon_queue_count(fixture, "pipeline") +
			       pgl_test_daemon_queue_count(fixture, "in") ==
		       0;
}

/**
 * pgl_test_daemon_wait_idle:
 * @fixture: a fixture with a running daemon
 *
 * Waits until the daemon has nothing left to do (asserts that it gets there within
 * the fixture's timeout), then collects what the sink got.
 */
void
pgl_test_daemon_wait_idle(PglTestDaemon *fixture)
{
	if (!pgl_test_daemon_wait_until(fixture, is_idle, NULL, timeout_of(fixture))) {
		g_test_message("daemon not idle after %u ms: in=%u pipeline=%u out=%u retry=%u",
			       timeout_of(fixture), pgl_test_daemon_queue_count(fixture, "in"),
			       pgl_test_daemon_queue_count(fixture, "pipeline"),
			       pgl_test_daemon_queue_count(fixture, "out"),
			       pgl_test_daemon_queue_count(fixture, "retry"));
		g_assert_cmpuint(pgl_test_daemon_queue_busy(fixture), ==, 0);
	}
	pgl_test_daemon_collect(fixture);
}

/**
 * pgl_test_daemon_wait_sink:
 * @fixture: a fixture with a running daemon
 * @total_deliveries: recipient deliveries the sink must have had in all
 *
 * Asserts that the sink gets there within the fixture's timeout; otherwise says what it
 * got and where the queues stand.
 */
void
pgl_test_daemon_wait_sink(PglTestDaemon *fixture, guint total_deliveries)
{
	if (!pgl_smtp_sink_wait_for(fixture->sink, total_deliveries, timeout_of(fixture))) {
		pgl_test_daemon_collect(fixture);
		pgl_test_daemon_dump_received(fixture);
		g_test_message("sink: got %u recipient deliveries after %u ms, want %u "
			       "(queues in=%u pipeline=%u out=%u retry=%u bad=%u)",
			       pgl_smtp_sink_recipient_count(fixture->sink),
			       timeout_of(fixture), total_deliveries,
			       pgl_test_daemon_queue_count(fixture, "in"),
			       pgl_test_daemon_queue_count(fixture, "pipeline"),
			       pgl_test_daemon_queue_count(fixture, "out"),
			       pgl_test_daemon_queue_count(fixture, "retry"),
			       pgl_test_daemon_queue_count_files(fixture, "bad"));
		g_assert_cmpuint(pgl_smtp_sink_recipient_count(fixture->sink), >=,
				 total_deliveries);
	}
}

/* ---- the store ------------------------------------------------------------------------------ */

/**
 * pgl_test_daemon_store_open:
 * @fixture: a fixture
 * @ctx_out: (out) (transfer full): the context the store uses, to be freed after the store
 *
 * Opens the store with the fixture's configuration, for what the command line does not show.
 *
 * Returns: (transfer full): the store
 */
PglStore *
pgl_test_daemon_store_open(PglTestDaemon *fixture, PglContext **ctx_out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglConfig) config = NULL;
	g_autoptr(PglContext) ctx = NULL;
	PglStore *store;

	pgl_test_daemon_config_write(fixture);
	config = pgl_config_load(fixture->config_path, &error);
	g_assert_no_error(error);
	ctx = pgl_context_new(g_steal_pointer(&config), &error);
	g_assert_no_error(error);
	store = pgl_store_open(ctx, &error);
	g_assert_no_error(error);
	*ctx_out = g_steal_pointer(&ctx);
	return store;
}

/* ---- mail in ------------------------------------------------------------------------------- */

/**
 * pgl_test_daemon_new_message_id:
 * @fixture: a fixture
 *
 * Returns: (transfer full): a new Message-ID, without angle brackets
 */
gchar *
pgl_test_daemon_new_message_id(PglTestDaemon *fixture)
{
	return g_strdup_printf("it-%u.%08x@client.example", ++fixture->message_counter,
			       g_random_int());
}

/**
 * pgl_test_daemon_rfc5322_date:
 *
 * Returns: (transfer full): now, as a Date: header field wants it (RFC 5322 §3.3)
 */
gchar *
pgl_test_daemon_rfc5322_date(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();

	return g_date_time_format(now, "%a, %d %b %Y %H:%M:%S %z");
}

/**
 * pgl_test_daemon_make_message:
 * @from: the From: address
 * @to: the To: field
 * @subject: the Subject: field, as it goes in the header (may be RFC 2047-encoded)
 * @message_id: the Message-ID, without angle brackets
 * @body: (nullable): the text body; %NULL for a short greeting with a signature
 *
 * Returns: (transfer full): a plain-text message as a mail client would write it (LF line
 *   ends, UTF-8, 8bit)
 */
gchar *
pgl_test_daemon_make_message(const gchar *from, const gchar *to, const gchar *subject,
			     const gchar *message_id, const gchar *body)
{
	g_autofree gchar *date = pgl_test_daemon_rfc5322_date();

	return g_strdup_printf("From: %s\n"
			       "To: %s\n"
			       "Subject: %s\n"
			       "Message-ID: <%s>\n"
			       "Date: %s\n"
			       "MIME-Version: 1.0\n"
			       "Content-Type: text/plain; charset=utf-8\n"
			       "Content-Transfer-Encoding: 8bit\n"
			       "User-Agent: pgplist-integration-test\n"
			       "\n"
			       "%s",
			       from, to, subject, message_id, date,
			       body ? body
				    : "Hello list,\n\nthis is a test post.\n\n-- \nA tester\n");
}

/**
 * pgl_test_daemon_lmtp_send:
 * @fixture: a fixture with a running daemon
 * @from: the envelope sender ("" for the null sender)
 * @recipient: the one envelope recipient
 * @message: the message, LF or CRLF line ends
 *
 * A whole LMTP session for one message to one recipient.
 *
 * Returns: the final reply code (after the content, or the RCPT reply if that refused)
 */
guint
pgl_test_daemon_lmtp_send(PglTestDaemon *fixture, const gchar *from, const gchar *recipient,
			  const gchar *message)
{
	g_autoptr(PglTestLmtp) lmtp = pgl_test_lmtp_connect(fixture->lmtp_port);
	const gchar *recipients[] = {recipient, NULL};
	g_autoptr(GPtrArray) rcpt_replies = NULL;
	g_autoptr(GPtrArray) data_replies = NULL;
	guint code;

	pgl_test_lmtp_expect(lmtp, "LHLO client.example", 250);
	data_replies = pgl_test_lmtp_transaction(lmtp, from, recipients, message, &rcpt_replies);
	code = data_replies->len > 0
		       ? pgl_test_lmtp_reply_code(g_ptr_array_index(data_replies, 0))
		       : pgl_test_lmtp_reply_code(g_ptr_array_index(rcpt_replies, 0));
	pgl_test_lmtp_expect(lmtp, "QUIT", 221);
	return code;
}

/* ---- mail out -------------------------------------------------------------------------------- */

static void
append_text(GMimeObject *object, GString *out)
{
	if (GMIME_IS_MULTIPART(object)) {
		gint n = g_mime_multipart_get_count(GMIME_MULTIPART(object));

		for (gint i = 0; i < n; i++)
			append_text(g_mime_multipart_get_part(GMIME_MULTIPART(object), i), out);
	} else if (GMIME_IS_MESSAGE_PART(object)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));

		if (inner != NULL) {
			const gchar *subject = g_mime_message_get_subject(inner);

			g_string_append_printf(out, "[attached: %s]\n", subject ? subject : "");
			append_text(g_mime_message_get_mime_part(inner), out);
		}
	} else if (GMIME_IS_TEXT_PART(object)) {
		g_autofree gchar *text = g_mime_text_part_get_text(GMIME_TEXT_PART(object));

		if (text != NULL)
			g_string_append(out, text);
		g_string_append_c(out, '\n');
	}
}

static PglTestReceived *
received_new(PglSinkMessage *raw)
{
	PglTestReceived *received = g_new0(PglTestReceived, 1);
	gsize len = 0;
	const gchar *data = g_bytes_get_data(raw->data, &len);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_autoptr(GString) text = g_string_new(NULL);

	received->raw = raw;
	received->mime = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (received->mime != NULL && g_mime_message_get_mime_part(received->mime) != NULL)
		append_text(g_mime_message_get_mime_part(received->mime), text);
	received->text = g_string_free(g_steal_pointer(&text), FALSE);
	return received;
}

/**
 * pgl_test_received_free:
 * @received: (nullable): a received message
 */
void
pgl_test_received_free(PglTestReceived *received)
{
	if (received == NULL)
		return;
	pgl_sink_message_free(received->raw);
	g_clear_object(&received->mime);
	g_free(received->text);
	g_free(received);
}

/**
 * pgl_test_daemon_collect:
 * @fixture: a fixture
 *
 * Moves what the sink got so far into @fixture->received (pgl_test_daemon_wait_idle() does).
 */
void
pgl_test_daemon_collect(PglTestDaemon *fixture)
{
	g_autoptr(GPtrArray) messages = NULL;

	if (fixture->sink == NULL)
		return;
	messages = pgl_smtp_sink_take_messages(fixture->sink);
	g_ptr_array_set_free_func(messages, NULL);
	for (guint i = 0; i < messages->len; i++)
		g_ptr_array_add(fixture->received, received_new(g_ptr_array_index(messages, i)));
}

/**
 * pgl_test_received_message_id:
 * @received: a received message
 *
 * Returns: (transfer none) (nullable): its Message-ID, without angle brackets
 */
const gchar *
pgl_test_received_message_id(PglTestReceived *received)
{
	return received->mime ? g_mime_message_get_message_id(received->mime) : NULL;
}

/**
 * pgl_test_received_header:
 * @received: a received message
 * @name: a header field name
 *
 * Returns: (transfer none) (nullable): the first such field's value, or %NULL
 */
const gchar *
pgl_test_received_header(PglTestReceived *received, const gchar *name)
{
	return received->mime ? g_mime_object_get_header(GMIME_OBJECT(received->mime), name)
			      : NULL;
}

/**
 * pgl_test_received_header_count:
 * @received: a received message
 * @name: a header field name
 *
 * Returns: how many fields of that name the message header has
 */
guint
pgl_test_received_header_count(PglTestReceived *received, const gchar *name)
{
	GMimeHeaderList *headers = NULL;
	guint count = 0;

	if (received->mime == NULL)
		return 0;
	headers = g_mime_object_get_header_list(GMIME_OBJECT(received->mime));
	for (gint i = 0; i < g_mime_header_list_get_count(headers); i++) {
		GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);

		if (g_ascii_strcasecmp(g_mime_header_get_name(header), name) == 0)
			count++;
	}
	return count;
}

/**
 * pgl_test_received_has_recipient:
 * @received: a received message
 * @recipient: an address
 *
 * Returns: whether @recipient is among its envelope recipients
 */
gboolean
pgl_test_received_has_recipient(PglTestReceived *received, const gchar *recipient)
{
	return g_strv_contains((const gchar *const *)received->raw->recipients, recipient);
}

/**
 * pgl_test_daemon_copies_to:
 * @fixture: a fixture
 * @message_id: a Message-ID
 * @recipient: an address
 *
 * Returns: the copies of @message_id collected for @recipient (0, 1, or more for duplicates)
 */
guint
pgl_test_daemon_copies_to(PglTestDaemon *fixture, const gchar *message_id,
			  const gchar *recipient)
{
	guint count = 0;

	for (guint i = 0; i < fixture->received->len; i++) {
		PglTestReceived *received = g_ptr_array_index(fixture->received, i);

		if (g_strcmp0(pgl_test_received_message_id(received), message_id) != 0)
			continue;
		for (guint r = 0; received->raw->recipients[r] != NULL; r++)
			if (g_str_equal(received->raw->recipients[r], recipient))
				count++;
	}
	return count;
}

/**
 * pgl_test_daemon_transactions_of:
 * @fixture: a fixture
 * @message_id: a Message-ID
 *
 * Returns: (transfer container) (element-type PglTestReceived): the collected transactions
 *   that carried @message_id
 */
GPtrArray *
pgl_test_daemon_transactions_of(PglTestDaemon *fixture, const gchar *message_id)
{
	GPtrArray *found = g_ptr_array_new();

	for (guint i = 0; i < fixture->received->len; i++) {
		PglTestReceived *received = g_ptr_array_index(fixture->received, i);

		if (g_strcmp0(pgl_test_received_message_id(received), message_id) == 0)
			g_ptr_array_add(found, received);
	}
	return found;
}

/**
 * pgl_test_daemon_messages_to:
 * @fixture: a fixture
 * @recipient: an address
 * @subject_part: (nullable): what the decoded subject must contain
 *
 * Returns: (transfer container) (element-type PglTestReceived): the collected messages to
 *   @recipient whose subject contains @subject_part
 */
GPtrArray *
pgl_test_daemon_messages_to(PglTestDaemon *fixture, const gchar *recipient,
			    const gchar *subject_part)
{
	GPtrArray *found = g_ptr_array_new();

	for (guint i = 0; i < fixture->received->len; i++) {
		PglTestReceived *received = g_ptr_array_index(fixture->received, i);
		const gchar *subject =
			received->mime ? g_mime_message_get_subject(received->mime) : NULL;

		if (!pgl_test_received_has_recipient(received, recipient))
			continue;
		if (subject_part != NULL &&
		    (subject == NULL || strstr(subject, subject_part) == NULL))
			continue;
		g_ptr_array_add(found, received);
	}
	return found;
}

/**
 * pgl_test_daemon_dump_received:
 * @fixture: a fixture
 *
 * Lists the collected transactions as test messages (envelope, Message-ID, subject).
 */
void
pgl_test_daemon_dump_received(PglTestDaemon *fixture)
{
	for (guint i = 0; i < fixture->received->len; i++) {
		PglTestReceived *received = g_ptr_array_index(fixture->received, i);
		g_autofree gchar *rcpts = g_strjoinv(",", received->raw->recipients);
		const gchar *message_id = pgl_test_received_message_id(received);
		const gchar *subject =
			received->mime ? g_mime_message_get_subject(received->mime) : NULL;

		say("received %u: from=<%s> to=<%s> id=%s subject=\"%s\"", i,
		    received->raw->mail_from, rcpts, message_id ? message_id : "-",
		    subject ? subject : "");
	}
}

/**
 * pgl_test_daemon_assert_delivered_once:
 * @fixture: a fixture
 * @message_id: a Message-ID
 * @recipients: (array zero-terminated=1): addresses
 *
 * Asserts that every one of @recipients got exactly one copy of @message_id, and nobody else
 * got one.
 */
void
pgl_test_daemon_assert_delivered_once(PglTestDaemon *fixture, const gchar *message_id,
				      const gchar *const *recipients)
{
	g_autoptr(GPtrArray) transactions = pgl_test_daemon_transactions_of(fixture, message_id);
	guint total = 0;

	for (guint i = 0; i < transactions->len; i++)
		total += g_strv_length(
			((PglTestReceived *)g_ptr_array_index(transactions, i))->raw->recipients);
	for (guint i = 0; recipients[i] != NULL; i++) {
		guint copies = pgl_test_daemon_copies_to(fixture, message_id, recipients[i]);

		if (copies != 1) {
			pgl_test_daemon_dump_received(fixture);
			g_test_message("copies of %s to %s: got %u, want 1", message_id,
				       recipients[i], copies);
			g_assert_cmpuint(copies, ==, 1);
		}
	}
	if (total != g_strv_length((gchar **)recipients)) {
		pgl_test_daemon_dump_received(fixture);
		g_test_message("recipient deliveries of %s: got %u, want %u", message_id, total,
			       g_strv_length((gchar **)recipients));
		g_assert_cmpuint(total, ==, g_strv_length((gchar **)recipients));
	}
}
