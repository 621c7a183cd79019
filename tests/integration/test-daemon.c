/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Integration tests of the real `pgplist` binary (cf. notmuch's test suite): each test writes a
 * configuration into a temporary directory, drives the command line as a subprocess, starts
 * `pgplist serve` with `[lmtp] port = 0` (it prints "listening lmtp=HOST:PORT" once ready), sends
 * mail in over LMTP with a tiny client in this file, and collects what the daemon hands to its
 * relay in the in-process SMTP sink (tests/support/pgl-smtp-sink.h). What comes out is parsed with
 * GMime and checked header by header; queue state is read from the spool directories and, where
 * the command line has no view of it, from the store.
 *
 * Waiting is always polling with a deadline, never a fixed sleep: "idle" means the in, pipeline,
 * out and retry queues are all empty, which the daemon only reaches once everything it produced
 * is durable elsewhere (STYLE.md §6), so it is a reliable barrier before counting what the sink
 * got. Timeouts are generous (a loaded 2-core machine), yet each test ends as soon as its
 * condition holds.
 *
 * A daemon must never outlive its test: the fixture stops it in tear-down, a failed assertion
 * (SIGABRT) kills it from a signal handler that also copies the daemon's log to stderr, and
 * PR_SET_PDEATHSIG kills it if this process dies any other way.
 *
 * The binary is found through $PGLIST_BINARY (set by meson).
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/pgl-config.h"
#include "core/pgl-context.h"
#include "core/pgl-list.h"
#include "store/pgl-store.h"
#include "support/pgl-smtp-sink.h"
#include "support/pgl-test-cert.h"

#define LIST         "team@lists.example.org"
#define LIST_NAME    "team"
#define LIST_DOMAIN  "lists.example.org"
#define LIST_ID      "<team.lists.example.org>"
#define LIST_OWNER   "team-owner@lists.example.org"
#define LIST_BOUNCES "team-bounces@lists.example.org"
#define PREFIX       "[Team] "
#define OWNER        "owner@example.com"
#define NONMEMBER    "zed@outside.example"

/* The members tests subscribe, in this order; most tests use the first three. */
static const gchar *const member_addresses[] = {
	"alice@example.com", "bob@example.com",  "carol@example.com",
	"dave@example.com",  "erin@example.com", NULL,
};
#define ALICE        member_addresses[0]
#define BOB          member_addresses[1]
#define CAROL        member_addresses[2]
#define DAVE         member_addresses[3]
#define ERIN         member_addresses[4]
#define DAVE_ADDRESS "dave@example.com" /* for string concatenation */
#define ALICE_ADDRESS "alice@example.com" /* for static tables */

#define TIMEOUT_MS  30000 /* any single wait; tests end as soon as the condition holds */
#define POLL_MS     10
#define CLI_TIMEOUT 30000

/* Failures say what was compared, what we got and what we wanted. */
#define ASSERT_UINT(got, want)                                                                     \
	G_STMT_START                                                                               \
	{                                                                                          \
		guint64 got_ = (got);                                                              \
		guint64 want_ = (want);                                                            \
		if (got_ != want_) {                                                               \
			g_test_message("%s: got %" G_GUINT64_FORMAT ", want %" G_GUINT64_FORMAT,   \
				       #got, got_, want_);                                         \
			g_assert_cmpuint(got_, ==, want_);                                         \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

#define ASSERT_STR(got, want)                                                                      \
	G_STMT_START                                                                               \
	{                                                                                          \
		const gchar *got_ = (got);                                                         \
		const gchar *want_ = (want);                                                       \
		if (g_strcmp0(got_, want_) != 0) {                                                 \
			g_test_message("%s: got \"%s\", want \"%s\"", #got, got_, want_);          \
			g_assert_cmpstr(got_, ==, want_);                                          \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

#define ASSERT_CONTAINS(haystack, needle)                                                          \
	G_STMT_START                                                                               \
	{                                                                                          \
		const gchar *haystack_ = (haystack);                                               \
		const gchar *needle_ = (needle);                                                   \
		if (haystack_ == NULL || strstr(haystack_, needle_) == NULL) {                     \
			g_test_message("%s: got \"%s\", want it to contain \"%s\"", #haystack,     \
				       haystack_ ? haystack_ : "(null)", needle_);                 \
			g_assert_nonnull(haystack_);                                               \
			g_assert_nonnull(strstr(haystack_, needle_));                              \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

/* ---- what a failed assertion must still do (async-signal-safe) ---------------------------- */

#define ABORT_LOGS_MAX 8
static char abort_logs[ABORT_LOGS_MAX][1024];
static volatile sig_atomic_t n_abort_logs;
static volatile pid_t abort_daemon_pid;
/* the test's GNUPGHOME and gpgconf, whose agent a failed assertion must stop too */
static char abort_gnupg_home[1024];
static char abort_gpgconf[1024];

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
	pid_t pid = abort_daemon_pid;

	if (pid > 0)
		kill(pid, SIGKILL);
	for (sig_atomic_t i = 0; i < n_abort_logs; i++) {
		static const char header[] = "\n==== daemon log ";
		char buffer[4096];
		int fd = open(abort_logs[i], O_RDONLY);
		ssize_t n;

		write_all_fd(STDERR_FILENO, header, sizeof header - 1);
		write_all_fd(STDERR_FILENO, abort_logs[i], strlen(abort_logs[i]));
		write_all_fd(STDERR_FILENO, " ====\n", 6);
		if (fd < 0)
			continue;
		while ((n = read(fd, buffer, sizeof buffer)) > 0)
			write_all_fd(STDERR_FILENO, buffer, (size_t)n);
		close(fd);
	}
	if (abort_gnupg_home[0] != '\0' && abort_gpgconf[0] != '\0') {
		/* fork, execve and waitpid are async-signal-safe */
		pid_t child = fork();

		if (child == 0) {
			char *const argv[] = {abort_gpgconf,  (char *)"--homedir", abort_gnupg_home,
					      (char *)"--kill", (char *)"all",	   NULL};

			execve(abort_gpgconf, argv, environ);
			_exit(127);
		}
		if (child > 0)
			waitpid(child, NULL, 0);
	}
	signal(signum, SIG_DFL);
	raise(signum);
}

/* Runs in the child between fork and exec: die with the test, however it dies. */
static void
child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* ---- fixture -------------------------------------------------------------------------------- */

typedef struct {
	PglSinkMessage *raw; /* (owned) */
	GMimeMessage *mime;  /* (owned) (nullable) NULL if it did not parse */
	gchar *text;         /* (owned) decoded text of every text part, attachments included */
} Received;

typedef struct {
	gchar *dir;          /* (owned) the test's temporary directory */
	gchar *var_dir;      /* (owned) */
	gchar *config_path;  /* (owned) */
	GKeyFile *config;    /* (owned) written to config_path before each run */
	PglSmtpSink *sink;   /* (owned) (nullable) */
	GSubprocess *daemon; /* (owned) (nullable) the running `pgplist serve` */
	guint16 lmtp_port;
	guint n_starts;
	GPtrArray *received; /* (owned) (element-type Received) all the sink got so far */
	guint message_counter;
	gboolean daemon_uses_tls; /* see daemon_start() */
	gchar *gnupg_home;        /* (owned) (nullable) gpg's home, made by the first gpg_run() */
} Fixture;

static void
received_free(Received *received)
{
	pgl_sink_message_free(received->raw);
	g_clear_object(&received->mime);
	g_free(received->text);
	g_free(received);
}

static const gchar *
binary_path(void)
{
	const gchar *path = g_getenv("PGLIST_BINARY");

	g_assert_nonnull(path);
	return path;
}

static gchar *
queue_dir(Fixture *f, const gchar *queue)
{
	return g_build_filename(f->var_dir, "queue", queue, NULL);
}

static void
config_write(Fixture *f)
{
	g_autoptr(GError) error = NULL;

	g_key_file_save_to_file(f->config, f->config_path, &error);
	g_assert_no_error(error);
}

static void
config_set_relay_port(Fixture *f, guint16 port)
{
	g_key_file_set_integer(f->config, "smtp", "port", port);
}

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("pgplist-it-XXXXXX", &error);
	g_assert_no_error(error);
	f->var_dir = g_build_filename(f->dir, "var", NULL);
	f->config_path = g_build_filename(f->dir, "pgplist.conf", NULL);
	f->received = g_ptr_array_new_with_free_func((GDestroyNotify)received_free);
	f->sink = pgl_smtp_sink_new(&error);
	g_assert_no_error(error);

	f->config = g_key_file_new();
	g_key_file_set_string(f->config, "paths", "var_dir", f->var_dir);
	g_key_file_set_string(f->config, "lmtp", "host", "127.0.0.1");
	g_key_file_set_integer(f->config, "lmtp", "port", 0);
	g_key_file_set_string(f->config, "lmtp", "hostname", "mx." LIST_DOMAIN);
	g_key_file_set_string(f->config, "smtp", "host", "127.0.0.1");
	config_set_relay_port(f, pgl_smtp_sink_get_port(f->sink));
	g_key_file_set_integer(f->config, "smtp", "timeout", 10);
	g_key_file_set_integer(f->config, "delivery", "retry_initial_delay", 1);
	g_key_file_set_integer(f->config, "delivery", "retry_max_delay", 2);
	config_write(f);

	n_abort_logs = 0;
	abort_daemon_pid = 0;
}

static void daemon_stop(Fixture *f);
static void print_daemon_logs(Fixture *f);
static void gpg_stop_agent(Fixture *f);

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	if (g_test_failed())
		print_daemon_logs(f);
	if (f->daemon != NULL)
		daemon_stop(f);
	gpg_stop_agent(f);
	abort_daemon_pid = 0;
	n_abort_logs = 0;
	g_clear_pointer(&f->sink, pgl_smtp_sink_free);
	g_clear_pointer(&f->received, g_ptr_array_unref);
	g_clear_pointer(&f->config, g_key_file_unref);
	if (g_getenv("PGLIST_TEST_KEEP") == NULL) {
		/* no recursive delete in GIO 2.74; rm -rf on our own temporary dir */
		g_autofree gchar *quoted = g_shell_quote(f->dir);
		g_autofree gchar *command = g_strdup_printf("rm -rf %s", quoted);

		(void)g_spawn_command_line_sync(command, NULL, NULL, NULL, NULL);
	} else {
		g_test_message("kept %s", f->dir);
	}
	g_free(f->dir);
	g_free(f->var_dir);
	g_free(f->config_path);
	g_free(f->gnupg_home);
}

/* ---- subprocesses ------------------------------------------------------------------------- */

static GSubprocessLauncher *
launcher_new(GSubprocessFlags flags)
{
	GSubprocessLauncher *launcher = g_subprocess_launcher_new(flags);

	g_subprocess_launcher_unsetenv(launcher, "PGPLIST_CONFIG");
	g_subprocess_launcher_unsetenv(launcher, "G_MESSAGES_DEBUG");
	/* warnings are normal operation for a daemon (a relay that is down); criticals are bugs */
	g_subprocess_launcher_setenv(launcher, "G_DEBUG", "gc-friendly,fatal-criticals", TRUE);
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

typedef struct {
	gint status; /* exit status, or -1 if killed by a signal */
	gchar *out;  /* (owned) */
	gchar *err;  /* (owned) */
} CliResult;

static void
cli_result_free(CliResult *result)
{
	g_free(result->out);
	g_free(result->err);
	g_free(result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliResult, cli_result_free)

/* Runs `pgplist --config CONFIG ARGS...`, feeding @stdin_text (nullable) on standard input. */
static CliResult *
cli_runv(const gchar *config_path, const gchar *stdin_text, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher =
		launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
			     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GError) error = NULL;
	CliResult *result = g_new0(CliResult, 1);
	AsyncWait wait = {0};

	g_ptr_array_add(argv, (gpointer)binary_path());
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
	if (!async_wait(&wait, CLI_TIMEOUT)) {
		g_autofree gchar *line = g_strjoinv(" ", (gchar **)args);

		g_subprocess_force_exit(process);
		g_test_message("pgplist %s: no answer after %u ms", line, CLI_TIMEOUT);
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

static CliResult *cli_run(Fixture *f, const gchar *stdin_text, ...) G_GNUC_NULL_TERMINATED;

static CliResult *
cli_run(Fixture *f, const gchar *stdin_text, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	va_list ap;
	const gchar *arg;

	va_start(ap, stdin_text);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(args, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	config_write(f);
	return cli_runv(f->config_path, stdin_text, (const gchar *const *)args->pdata);
}

static void
assert_cli_ok_(CliResult *result, const gchar *what)
{
	if (result->status != 0) {
		g_test_message("%s: got exit status %d (stderr \"%s\"), want 0", what,
			       result->status, result->err);
		g_assert_cmpint(result->status, ==, 0);
	}
}
#define assert_cli_ok(result) assert_cli_ok_((result), G_STRINGIFY(__LINE__))

/* Exit status 1, nothing on stdout, exactly one line on stderr that contains @needle. */
static void
assert_cli_error_(CliResult *result, const gchar *needle, const gchar *what)
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
	ASSERT_STR(result->out, "");
}
#define assert_cli_error(result, needle)                                                           \
	assert_cli_error_((result), (needle), G_STRINGIFY(__LINE__))

/* Runs a command that must succeed and returns its standard output. */
static gchar *cli_ok(Fixture *f, const gchar *stdin_text, ...) G_GNUC_NULL_TERMINATED;

static gchar *
cli_ok(Fixture *f, const gchar *stdin_text, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autoptr(CliResult) result = NULL;
	va_list ap;
	const gchar *arg;

	va_start(ap, stdin_text);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(args, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	config_write(f);
	result = cli_runv(f->config_path, stdin_text, (const gchar *const *)args->pdata);
	if (result->status != 0) {
		g_autofree gchar *line = g_strjoinv(" ", (gchar **)args->pdata);

		g_test_message("pgplist %s: got exit status %d, stderr \"%s\"; want success", line,
			       result->status, result->err);
		g_assert_cmpint(result->status, ==, 0);
	}
	return g_steal_pointer(&result->out);
}

/* ---- the daemon ----------------------------------------------------------------------------- */

static gchar *
daemon_log_path(Fixture *f, guint n)
{
	g_autofree gchar *name = g_strdup_printf("daemon-%u.log", n);

	return g_build_filename(f->dir, name, NULL);
}

/* Prints every daemon log of this test as test messages (for g_test_skip/incomplete paths). */
static void
print_daemon_logs(Fixture *f)
{
	for (guint n = 1; n <= f->n_starts; n++) {
		g_autofree gchar *path = daemon_log_path(f, n);
		g_autofree gchar *contents = NULL;

		if (g_file_get_contents(path, &contents, NULL, NULL)) {
			g_auto(GStrv) lines = g_strsplit(contents, "\n", -1);

			g_test_message("==== %s ====", path);
			for (guint i = 0; lines[i] != NULL; i++)
				if (lines[i][0] != '\0')
					g_test_message("%s", lines[i]);
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

/* Starts `pgplist serve` with the fixture's configuration; returns once it listens. */
static void
daemon_start(Fixture *f)
{
	g_autoptr(GSubprocessLauncher) launcher = launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *log_path = NULL;
	g_autofree gchar *line = NULL;
	const gchar *colon;
	guint64 port = 0;
	int log_fd;

	g_assert_null(f->daemon);
	config_write(f);
	f->n_starts++;
	log_path = daemon_log_path(f, f->n_starts);
	log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	g_assert_cmpint(log_fd, >=, 0);
	g_subprocess_launcher_take_stderr_fd(launcher, log_fd);
	if (f->daemon_uses_tls) {
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
	if (n_abort_logs < ABORT_LOGS_MAX) {
		g_strlcpy(abort_logs[n_abort_logs], log_path, sizeof abort_logs[0]);
		n_abort_logs++;
	}
	f->daemon = g_subprocess_launcher_spawn(launcher, &error, binary_path(), "--config",
						f->config_path, "--verbose", "serve", NULL);
	g_assert_no_error(error);
	abort_daemon_pid = (pid_t)atoi(g_subprocess_get_identifier(f->daemon));

	if (!read_listening_line(f->daemon, TIMEOUT_MS, &line)) {
		g_test_message("pgplist serve did not print its \"listening\" line (log: %s)",
			       log_path);
		g_assert_not_reached();
	}
	colon = strrchr(line, ':');
	g_assert_nonnull(colon);
	g_assert_true(g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL));
	f->lmtp_port = (guint16)port;
}

static void
daemon_reap(Fixture *f, guint timeout_ms, gboolean *exited_out, gint *status_out)
{
	AsyncWait wait = {0};
	g_autoptr(GError) error = NULL;

	g_subprocess_wait_async(f->daemon, NULL, on_async_done, &wait);
	if (!async_wait(&wait, timeout_ms)) {
		g_test_message("pgplist serve (pid %d) did not end within %u ms; killing it",
			       (int)abort_daemon_pid, timeout_ms);
		g_subprocess_force_exit(f->daemon);
		async_wait(&wait, TIMEOUT_MS);
		*exited_out = FALSE;
		*status_out = -1;
	} else {
		g_subprocess_wait_finish(f->daemon, wait.result, &error);
		g_assert_no_error(error);
		*exited_out = g_subprocess_get_if_exited(f->daemon);
		*status_out = *exited_out ? g_subprocess_get_exit_status(f->daemon)
					  : g_subprocess_get_term_sig(f->daemon);
	}
	g_clear_object(&wait.result);
	g_clear_object(&f->daemon);
	abort_daemon_pid = 0;
}

/* SIGTERM; the daemon must exit with status 0. */
static void
daemon_stop(Fixture *f)
{
	gboolean exited = FALSE;
	gint status = 0;

	g_assert_nonnull(f->daemon);
	g_subprocess_send_signal(f->daemon, SIGTERM);
	daemon_reap(f, TIMEOUT_MS, &exited, &status);
	if (!exited || status != 0) {
		g_test_message("pgplist serve on SIGTERM: got %s %d, want exit status 0",
			       exited ? "exit status" : "signal", status);
		g_assert_true(exited);
		g_assert_cmpint(status, ==, 0);
	}
}

/* SIGKILL: the crash the spool must survive. */
static void
daemon_kill(Fixture *f)
{
	gboolean exited = FALSE;
	gint status = 0;

	g_assert_nonnull(f->daemon);
	g_subprocess_send_signal(f->daemon, SIGKILL);
	daemon_reap(f, TIMEOUT_MS, &exited, &status);
}

/* ---- spool ----------------------------------------------------------------------------------- */

/* Messages in a queue: files not starting with '.', ".msg" and ".work" alike. */
static guint
queue_count(Fixture *f, const gchar *queue)
{
	g_autofree gchar *path = queue_dir(f, queue);
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

/* Any file of a queue (the bad queue keeps other suffixes too). */
static guint
queue_count_files(Fixture *f, const gchar *queue)
{
	g_autofree gchar *path = queue_dir(f, queue);
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

static guint
queue_busy(Fixture *f)
{
	return queue_count(f, "in") + queue_count(f, "pipeline") + queue_count(f, "out") +
	       queue_count(f, "retry");
}

typedef gboolean (*Condition)(Fixture *f, gpointer data);

static gboolean
wait_until(Fixture *f, Condition condition, gpointer data, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	for (;;) {
		if (condition(f, data))
			return TRUE;
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(POLL_MS * 1000);
	}
}

/*
 * A message moving between queues is written to the new one before it leaves the old one, so
 * it is always somewhere; but one scan could read a queue just before the message arrives and
 * the other just after it left. Moves go both ways (out to retry and back), so idle means two
 * empty scans in opposite orders.
 */
static gboolean
is_idle(Fixture *f, gpointer data)
{
	return queue_busy(f) == 0 && queue_count(f, "retry") + queue_count(f, "out") +
						     queue_count(f, "pipeline") +
						     queue_count(f, "in") ==
					     0;
}

static void collect(Fixture *f);

/* Waits until the daemon has nothing left to do, then collects what the sink got. */
static void
wait_idle(Fixture *f)
{
	if (!wait_until(f, is_idle, NULL, TIMEOUT_MS)) {
		g_test_message("daemon not idle after %u ms: in=%u pipeline=%u out=%u retry=%u",
			       TIMEOUT_MS, queue_count(f, "in"), queue_count(f, "pipeline"),
			       queue_count(f, "out"), queue_count(f, "retry"));
		g_assert_cmpuint(queue_busy(f), ==, 0);
	}
	collect(f);
}

/* ---- the store, for what the command line does not show ------------------------------------ */

static PglStore *
store_open(Fixture *f, PglContext **ctx_out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglConfig) config = NULL;
	g_autoptr(PglContext) ctx = NULL;
	PglStore *store;

	config_write(f);
	config = pgl_config_load(f->config_path, &error);
	g_assert_no_error(error);
	ctx = pgl_context_new(g_steal_pointer(&config), &error);
	g_assert_no_error(error);
	store = pgl_store_open(ctx, &error);
	g_assert_no_error(error);
	*ctx_out = g_steal_pointer(&ctx);
	return store;
}

static void
set_member_delivery(Fixture *f, const gchar *address, gboolean enabled)
{
	g_autoptr(PglContext) ctx = NULL;
	g_autoptr(PglStore) store = store_open(f, &ctx);
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = pgl_store_list_lookup(store, LIST, &error);
	g_autoptr(PglMember) member = NULL;

	g_assert_no_error(error);
	member = pgl_store_member_lookup(store, list->id, address, PGL_ROLE_MEMBER, &error);
	g_assert_no_error(error);
	pgl_store_member_set_delivery(store, member->id, enabled, &error);
	g_assert_no_error(error);
}

static guint
bounce_count(Fixture *f, const gchar *address)
{
	g_autoptr(PglContext) ctx = NULL;
	g_autoptr(PglStore) store = store_open(f, &ctx);
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = pgl_store_list_lookup(store, LIST, &error);
	guint count;

	g_assert_no_error(error);
	count = pgl_store_bounce_count(store, list->id, address, &error);
	g_assert_no_error(error);
	return count;
}

/* ---- mail ---------------------------------------------------------------------------------- */

static gchar *
new_message_id(Fixture *f)
{
	return g_strdup_printf("it-%u.%08x@client.example", ++f->message_counter, g_random_int());
}

static gchar *
rfc5322_date(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();

	return g_date_time_format(now, "%a, %d %b %Y %H:%M:%S %z");
}

/* A plain-text message as a mail client would write it (LF line ends). */
static gchar *
make_message(const gchar *from, const gchar *to, const gchar *subject, const gchar *message_id,
	     const gchar *body)
{
	g_autofree gchar *date = rfc5322_date();

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

static Received *
received_new(PglSinkMessage *raw)
{
	Received *received = g_new0(Received, 1);
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

/* Moves what the sink got so far into f->received. */
static void
collect(Fixture *f)
{
	g_autoptr(GPtrArray) messages = NULL;

	if (f->sink == NULL)
		return;
	messages = pgl_smtp_sink_take_messages(f->sink);
	g_ptr_array_set_free_func(messages, NULL);
	for (guint i = 0; i < messages->len; i++)
		g_ptr_array_add(f->received, received_new(g_ptr_array_index(messages, i)));
}

static const gchar *
received_message_id(Received *received)
{
	return received->mime ? g_mime_message_get_message_id(received->mime) : NULL;
}

static const gchar *
received_header(Received *received, const gchar *name)
{
	return received->mime ? g_mime_object_get_header(GMIME_OBJECT(received->mime), name) : NULL;
}

static guint
received_header_count(Received *received, const gchar *name)
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

static gboolean
received_has_recipient(Received *received, const gchar *recipient)
{
	return g_strv_contains((const gchar *const *)received->raw->recipients, recipient);
}

/* Copies of the post @message_id that @recipient got (0, 1, or more for duplicates). */
static guint
copies_to(Fixture *f, const gchar *message_id, const gchar *recipient)
{
	guint count = 0;

	for (guint i = 0; i < f->received->len; i++) {
		Received *received = g_ptr_array_index(f->received, i);

		if (g_strcmp0(received_message_id(received), message_id) != 0)
			continue;
		for (guint r = 0; received->raw->recipients[r] != NULL; r++)
			if (g_str_equal(received->raw->recipients[r], recipient))
				count++;
	}
	return count;
}

/* Transactions that carried @message_id. */
static GPtrArray *
transactions_of(Fixture *f, const gchar *message_id)
{
	GPtrArray *found = g_ptr_array_new();

	for (guint i = 0; i < f->received->len; i++) {
		Received *received = g_ptr_array_index(f->received, i);

		if (g_strcmp0(received_message_id(received), message_id) == 0)
			g_ptr_array_add(found, received);
	}
	return found;
}

/* Messages to @recipient whose decoded subject contains @subject_part. */
static GPtrArray *
messages_to(Fixture *f, const gchar *recipient, const gchar *subject_part)
{
	GPtrArray *found = g_ptr_array_new();

	for (guint i = 0; i < f->received->len; i++) {
		Received *received = g_ptr_array_index(f->received, i);
		const gchar *subject =
			received->mime ? g_mime_message_get_subject(received->mime) : NULL;

		if (!received_has_recipient(received, recipient))
			continue;
		if (subject_part != NULL &&
		    (subject == NULL || strstr(subject, subject_part) == NULL))
			continue;
		g_ptr_array_add(found, received);
	}
	return found;
}

static void
dump_received(Fixture *f)
{
	for (guint i = 0; i < f->received->len; i++) {
		Received *received = g_ptr_array_index(f->received, i);
		g_autofree gchar *rcpts = g_strjoinv(",", received->raw->recipients);

		g_test_message("received %u: from=<%s> to=<%s> id=%s subject=\"%s\"", i,
			       received->raw->mail_from, rcpts,
			       received_message_id(received) ? received_message_id(received) : "-",
			       received->mime && g_mime_message_get_subject(received->mime)
				       ? g_mime_message_get_subject(received->mime)
				       : "");
	}
}

/* Every recipient in @recipients got exactly one copy of @message_id; nobody else got one. */
static void
assert_delivered_once(Fixture *f, const gchar *message_id, const gchar *const *recipients)
{
	g_autoptr(GPtrArray) transactions = transactions_of(f, message_id);
	guint total = 0;

	for (guint i = 0; i < transactions->len; i++)
		total += g_strv_length(
			((Received *)g_ptr_array_index(transactions, i))->raw->recipients);
	for (guint i = 0; recipients[i] != NULL; i++) {
		guint copies = copies_to(f, message_id, recipients[i]);

		if (copies != 1) {
			dump_received(f);
			g_test_message("copies of %s to %s: got %u, want 1", message_id,
				       recipients[i], copies);
			g_assert_cmpuint(copies, ==, 1);
		}
	}
	if (total != g_strv_length((gchar **)recipients)) {
		dump_received(f);
		g_test_message("recipient deliveries of %s: got %u, want %u", message_id, total,
			       g_strv_length((gchar **)recipients));
		g_assert_cmpuint(total, ==, g_strv_length((gchar **)recipients));
	}
}

/* ---- a tiny LMTP client (RFC 2033) ---------------------------------------------------------- */

typedef struct {
	GSocketConnection *connection; /* (owned) */
	GDataInputStream *in;          /* (owned) */
	GOutputStream *out;            /* (unowned) */
} Lmtp;

static void
lmtp_free(Lmtp *lmtp)
{
	if (lmtp == NULL)
		return;
	g_clear_object(&lmtp->in);
	if (lmtp->connection != NULL)
		g_io_stream_close(G_IO_STREAM(lmtp->connection), NULL, NULL);
	g_clear_object(&lmtp->connection);
	g_free(lmtp);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Lmtp, lmtp_free)

/* One whole reply, lines joined by '\n'; NULL on EOF or error. */
static gchar *
lmtp_read_reply(Lmtp *lmtp)
{
	g_autoptr(GString) reply = g_string_new(NULL);

	for (;;) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *line =
			g_data_input_stream_read_line(lmtp->in, NULL, NULL, &error);

		if (line == NULL)
			return NULL;
		if (reply->len > 0)
			g_string_append_c(reply, '\n');
		g_string_append(reply, line);
		if (strlen(line) < 4 || line[3] != '-')
			break;
	}
	return g_string_free(g_steal_pointer(&reply), FALSE);
}

static guint
reply_code(const gchar *reply)
{
	guint64 code = 0;
	g_autofree gchar *digits = NULL;

	if (reply == NULL || strlen(reply) < 3)
		return 0;
	digits = g_strndup(reply, 3);
	if (!g_ascii_string_to_unsigned(digits, 10, 100, 599, &code, NULL))
		return 0;
	return (guint)code;
}

static gboolean
lmtp_write(Lmtp *lmtp, const void *data, gsize len)
{
	return g_output_stream_write_all(lmtp->out, data, len, NULL, NULL, NULL);
}

static Lmtp *
lmtp_connect(Fixture *f)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnectable) address = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *greeting = NULL;
	Lmtp *lmtp = g_new0(Lmtp, 1);

	g_socket_client_set_timeout(client, TIMEOUT_MS / 1000);
	g_socket_client_set_enable_proxy(client, FALSE); /* loopback; no proxy module loaded */
	address = G_SOCKET_CONNECTABLE(
		g_inet_socket_address_new_from_string("127.0.0.1", f->lmtp_port));
	lmtp->connection = g_socket_client_connect(client, address, NULL, &error);
	g_assert_no_error(error);
	lmtp->in = g_data_input_stream_new(
		g_io_stream_get_input_stream(G_IO_STREAM(lmtp->connection)));
	g_data_input_stream_set_newline_type(lmtp->in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
	lmtp->out = g_io_stream_get_output_stream(G_IO_STREAM(lmtp->connection));
	greeting = lmtp_read_reply(lmtp);
	ASSERT_UINT(reply_code(greeting), 220);
	return lmtp;
}

/* Sends one command line and returns the reply (NULL if the connection ended). */
static gchar *
lmtp_command(Lmtp *lmtp, const gchar *line)
{
	g_autofree gchar *with_crlf = g_strconcat(line, "\r\n", NULL);

	if (!lmtp_write(lmtp, with_crlf, strlen(with_crlf)))
		return NULL;
	return lmtp_read_reply(lmtp);
}

static void
lmtp_expect(Lmtp *lmtp, const gchar *line, guint want_code)
{
	g_autofree gchar *reply = lmtp_command(lmtp, line);

	if (reply_code(reply) != want_code) {
		g_test_message("LMTP \"%.60s\": got \"%s\", want %u", line,
			       reply ? reply : "(connection closed)", want_code);
		g_assert_cmpuint(reply_code(reply), ==, want_code);
	}
}

/* The message as DATA content: CRLF line ends, dot-stuffed, terminated. */
static GBytes *
data_content(const gchar *message, gsize len)
{
	GString *out = g_string_sized_new(len + len / 20 + 8);
	gboolean line_start = TRUE;

	for (gsize i = 0; i < len; i++) {
		if (line_start && message[i] == '.')
			g_string_append_c(out, '.');
		if (message[i] == '\n') {
			g_string_append(out, "\r\n");
			line_start = TRUE;
			continue;
		}
		g_string_append_c(out, message[i]);
		line_start = FALSE;
	}
	if (!line_start)
		g_string_append(out, "\r\n");
	g_string_append(out, ".\r\n");
	return g_string_free_to_bytes(out);
}

/*
 * One transaction on an open session. Returns the replies after DATA, one per accepted
 * recipient (empty if none was accepted); @rcpt_replies_out gets the RCPT replies.
 */
static GPtrArray *
lmtp_transaction(Lmtp *lmtp, const gchar *from, const gchar *const *recipients,
		 const gchar *message, GPtrArray **rcpt_replies_out)
{
	g_autoptr(GPtrArray) rcpt_replies = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *data_replies = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *mail = g_strdup_printf("MAIL FROM:<%s>", from);
	g_autofree gchar *data_reply = NULL;
	g_autoptr(GBytes) content = NULL;
	guint accepted = 0;

	lmtp_expect(lmtp, mail, 250);
	for (guint i = 0; recipients[i] != NULL; i++) {
		g_autofree gchar *rcpt = g_strdup_printf("RCPT TO:<%s>", recipients[i]);
		gchar *reply = lmtp_command(lmtp, rcpt);

		g_assert_nonnull(reply);
		if (reply_code(reply) / 100 == 2)
			accepted++;
		g_ptr_array_add(rcpt_replies, reply);
	}
	if (accepted == 0) {
		lmtp_expect(lmtp, "RSET", 250);
	} else {
		data_reply = lmtp_command(lmtp, "DATA");
		ASSERT_UINT(reply_code(data_reply), 354);
		content = data_content(message, strlen(message));
		g_assert_true(lmtp_write(lmtp, g_bytes_get_data(content, NULL),
					 g_bytes_get_size(content)));
		for (guint i = 0; i < accepted; i++) {
			gchar *reply = lmtp_read_reply(lmtp);

			g_assert_nonnull(reply);
			g_ptr_array_add(data_replies, reply);
		}
	}
	if (rcpt_replies_out != NULL)
		*rcpt_replies_out = g_steal_pointer(&rcpt_replies);
	return data_replies;
}

/* A whole session for one message to one recipient; returns the final reply code. */
static guint
lmtp_send(Fixture *f, const gchar *from, const gchar *recipient, const gchar *message)
{
	g_autoptr(Lmtp) lmtp = lmtp_connect(f);
	const gchar *recipients[] = {recipient, NULL};
	g_autoptr(GPtrArray) rcpt_replies = NULL;
	g_autoptr(GPtrArray) data_replies = NULL;
	guint code;

	lmtp_expect(lmtp, "LHLO client.example", 250);
	data_replies = lmtp_transaction(lmtp, from, recipients, message, &rcpt_replies);
	code = data_replies->len > 0 ? reply_code(g_ptr_array_index(data_replies, 0))
				     : reply_code(g_ptr_array_index(rcpt_replies, 0));
	lmtp_expect(lmtp, "QUIT", 221);
	return code;
}

/* Posts a message from @from to the list over LMTP (must get 250); returns its Message-ID. */
static gchar *
post(Fixture *f, const gchar *from, const gchar *subject)
{
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *message = make_message(from, LIST, subject, message_id, NULL);
	guint code = lmtp_send(f, from, LIST, message);

	ASSERT_UINT(code, 250);
	return g_steal_pointer(&message_id);
}

/* ---- lists ----------------------------------------------------------------------------------- */

/* Creates LIST with OWNER and the first @n_members members. */
static void
setup_list(Fixture *f, guint n_members)
{
	g_autoptr(GString) input = g_string_new(NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *added = NULL;

	out = cli_ok(f, NULL, "create", LIST, "--owner", OWNER, NULL);
	ASSERT_CONTAINS(out, LIST);
	for (guint i = 0; i < n_members; i++)
		g_string_append_printf(input, "%s\n", member_addresses[i]);
	if (n_members > 0)
		added = cli_ok(f, input->str, "addmembers", LIST, "-", NULL);
}

static GStrv
members_upto(guint n)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (guint i = 0; i < n; i++)
		g_strv_builder_add(builder, member_addresses[i]);
	return g_strv_builder_end(builder);
}

static void
wait_sink(Fixture *f, guint total_deliveries)
{
	if (!pgl_smtp_sink_wait_for(f->sink, total_deliveries, TIMEOUT_MS)) {
		collect(f);
		dump_received(f);
		g_test_message("sink: got %u recipient deliveries after %u ms, want %u "
			       "(queues in=%u pipeline=%u out=%u retry=%u bad=%u)",
			       pgl_smtp_sink_recipient_count(f->sink), TIMEOUT_MS, total_deliveries,
			       queue_count(f, "in"), queue_count(f, "pipeline"),
			       queue_count(f, "out"), queue_count(f, "retry"),
			       queue_count_files(f, "bad"));
		g_assert_cmpuint(pgl_smtp_sink_recipient_count(f->sink), >=, total_deliveries);
	}
}

/* ==== 1. posting ============================================================================== */

static void
assert_list_headers(Received *received)
{
	const gchar *list_id = received_header(received, "List-Id");
	const gchar *list_post = received_header(received, "List-Post");
	const gchar *unsubscribe = received_header(received, "List-Unsubscribe");
	const gchar *been_there = received_header(received, "X-BeenThere");
	const gchar *precedence = received_header(received, "Precedence");
	g_autofree gchar *precedence_value = g_strstrip(g_strdup(precedence ? precedence : ""));

	ASSERT_STR(received->raw->mail_from, LIST_BOUNCES);
	ASSERT_CONTAINS(list_id, LIST_ID);
	ASSERT_UINT(received_header_count(received, "List-Id"), 1);
	ASSERT_CONTAINS(list_post, "<mailto:" LIST ">");
	g_assert_nonnull(unsubscribe);
	ASSERT_CONTAINS(unsubscribe, "mailto:");
	ASSERT_CONTAINS(been_there, LIST);
	ASSERT_STR(precedence_value, "list");
}

static void
test_post_member_reaches_all(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *removed = NULL;
	g_autoptr(GPtrArray) transactions = NULL;
	Received *copy;
	const gchar *subject;

	setup_list(f, 5);
	/* dave keeps his membership but has delivery off; erin leaves */
	set_member_delivery(f, DAVE, FALSE);
	removed = cli_ok(f, "erin@example.com\n", "delmembers", LIST, "-", NULL);
	daemon_start(f);

	message_id = post(f, ALICE, "Meeting notes");
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	ASSERT_UINT(copies_to(f, message_id, DAVE), 0);
	ASSERT_UINT(copies_to(f, message_id, ERIN), 0);

	transactions = transactions_of(f, message_id);
	ASSERT_UINT(transactions->len, 1); /* bulk: one transaction for all */
	copy = g_ptr_array_index(transactions, 0);
	assert_list_headers(copy);
	subject = g_mime_message_get_subject(copy->mime);
	ASSERT_STR(subject, PREFIX "Meeting notes");
	ASSERT_CONTAINS(copy->text, "this is a test post.");
	ASSERT_CONTAINS(copy->text, "To unsubscribe send an email to");
	ASSERT_CONTAINS(copy->text, LIST);
	/* the poster's own headers survive */
	ASSERT_CONTAINS(received_header(copy, "From"), ALICE);
	ASSERT_STR(received_header(copy, "User-Agent"), "pgplist-integration-test");
}

static void
test_post_subject_prefix_once(Fixture *f, gconstpointer data)
{
	static const gchar *const subjects[] = {
		"Re: " PREFIX "lunch",
		PREFIX "lunch",
		"Re: Re: " PREFIX "lunch",
	};
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

	setup_list(f, 3);
	daemon_start(f);
	for (guint i = 0; i < G_N_ELEMENTS(subjects); i++)
		g_ptr_array_add(ids, post(f, BOB, subjects[i]));
	wait_sink(f, 3 * G_N_ELEMENTS(subjects));
	wait_idle(f);
	for (guint i = 0; i < G_N_ELEMENTS(subjects); i++) {
		g_autoptr(GPtrArray) transactions = transactions_of(f, g_ptr_array_index(ids, i));
		const gchar *subject;
		const gchar *first;

		ASSERT_UINT(transactions->len, 1);
		subject = g_mime_message_get_subject(
			((Received *)g_ptr_array_index(transactions, 0))->mime);
		g_test_message("subject \"%s\" went out as \"%s\"", subjects[i], subject);
		first = strstr(subject, "[Team]");
		g_assert_nonnull(first);
		if (strstr(first + 1, "[Team]") != NULL) {
			g_test_message("subject: got \"%s\", want \"[Team]\" exactly once",
				       subject);
			g_assert_null(strstr(first + 1, "[Team]"));
		}
		/* where the prefix goes relative to "Re:" is the handler's choice; once is the rule
		 */
		g_assert_true(g_str_has_suffix(subject, PREFIX "lunch") ||
			      g_str_has_suffix(subject, "Re: lunch"));
	}
}

static void
test_post_max_recipients(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autoptr(GPtrArray) transactions = NULL;
	guint sizes[2] = {0};

	g_key_file_set_integer(f->config, "mta", "max_recipients", 2);
	setup_list(f, 3);
	daemon_start(f);
	message_id = post(f, CAROL, "chunked");
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = transactions_of(f, message_id);
	ASSERT_UINT(transactions->len, 2);
	for (guint i = 0; i < 2; i++) {
		Received *copy = g_ptr_array_index(transactions, i);

		sizes[i] = g_strv_length(copy->raw->recipients);
		ASSERT_STR(copy->raw->mail_from, LIST_BOUNCES);
	}
	ASSERT_UINT(MAX(sizes[0], sizes[1]), 2);
	ASSERT_UINT(MIN(sizes[0], sizes[1]), 1);
}

/* The footer must not touch a byte that a signature covers (RFC 1847, RFC 3156). */
static void
test_post_signed_untouched(Fixture *f, gconstpointer data)
{
	/* odd but valid: folded parameters, trailing blanks, a "From " line, a dot line */
	static const gchar signed_part[] = "Content-Type: text/plain;\n"
					   "\tcharset=\"us-ascii\"\n"
					   "Content-Transfer-Encoding: 7bit\n"
					   "\n"
					   "Signed text with a trailing blank \n"
					   "From here on it is signed.\n"
					   ".\n"
					   "\n"
					   "-- \n"
					   "sig\n";
	static const gchar signature_part[] =
		"Content-Type: application/pgp-signature; name=\"signature.asc\"\n"
		"\n"
		"-----BEGIN PGP SIGNATURE-----\n"
		"\n"
		"iHUEARYKAB0WIQRxZXN0aW5nIG9ubHksIG5vdCBhIHNpZ25hdHVyZQAKCRBub3Rh\n"
		"=abcd\n"
		"-----END PGP SIGNATURE-----\n";
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *date = rfc5322_date();
	g_autofree gchar *message = g_strdup_printf(
		"From: %s\nTo: %s\nSubject: signed\nMessage-ID: <%s>\nDate: %s\nMIME-Version: 1.0\n"
		"Content-Type: multipart/signed; micalg=pgp-sha256;\n"
		" protocol=\"application/pgp-signature\"; boundary=\"sig-boundary\"\n"
		"\n"
		"This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\n"
		"--sig-boundary\n%s\n--sig-boundary\n%s\n--sig-boundary--\n",
		ALICE, LIST, message_id, date, signed_part, signature_part);
	g_autoptr(GPtrArray) transactions = NULL;
	Received *copy;

	setup_list(f, 3);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, ALICE, LIST, message), 250);
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = transactions_of(f, message_id);
	copy = g_ptr_array_index(transactions, 0);
	{
		gsize len = 0;
		const gchar *raw = g_bytes_get_data(copy->raw->data, &len);
		g_autofree gchar *text = g_strndup(raw, len);
		g_autofree gchar *exact =
			g_strdup_printf("--sig-boundary\n%s\n--sig-boundary\n", signed_part);

		ASSERT_CONTAINS(text, exact);
		ASSERT_CONTAINS(text, signature_part);
	}
	ASSERT_CONTAINS(copy->text, "To unsubscribe send an email to");
	ASSERT_STR(g_mime_message_get_subject(copy->mime), PREFIX "signed");
}

/* A base64 text body gets its footer and stays readable. */
static void
test_post_base64_body(Fixture *f, gconstpointer data)
{
	static const gchar text[] = "Gr\xc3\xbc\xc3\x9f"
				    "e,\nthis body travels as base64.\n";
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *date = rfc5322_date();
	g_autofree gchar *encoded = g_base64_encode((const guchar *)text, strlen(text));
	g_autofree gchar *message = g_strdup_printf(
		"From: %s\nTo: %s\nSubject: base64\nMessage-ID: <%s>\nDate: %s\nMIME-Version: 1.0\n"
		"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
		"base64\n\n%s\n",
		ALICE, LIST, message_id, date, encoded);
	g_autoptr(GPtrArray) transactions = NULL;
	Received *copy;

	setup_list(f, 3);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, ALICE, LIST, message), 250);
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = transactions_of(f, message_id);
	copy = g_ptr_array_index(transactions, 0);
	ASSERT_CONTAINS(copy->text, text);
	ASSERT_CONTAINS(copy->text, "To unsubscribe send an email to");
}

static void
test_post_large_message(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autoptr(GString) body = g_string_new(NULL);
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *message = NULL;
	g_autoptr(GPtrArray) transactions = NULL;
	Received *copy;

	for (guint i = 0; i < 12000; i++)
		g_string_append_printf(body, "line %05u of a long report, padded to fifty.\n", i);
	message = make_message(ALICE, LIST, "large", message_id, body->str);
	setup_list(f, 3);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, ALICE, LIST, message), 250);
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = transactions_of(f, message_id);
	copy = g_ptr_array_index(transactions, 0);
	g_test_message("sent %" G_GSIZE_FORMAT " bytes, relay got %" G_GSIZE_FORMAT,
		       strlen(message), g_bytes_get_size(copy->raw->data));
	ASSERT_CONTAINS(copy->text, body->str);
}

/* ==== 2. held posts and moderation ========================================================== */

typedef struct {
	gchar *id;
	gchar *sender;
	gchar *subject;
	gchar *reason;
} HeldLine;

static void
held_line_free(HeldLine *line)
{
	g_free(line->id);
	g_free(line->sender);
	g_free(line->subject);
	g_free(line->reason);
	g_free(line);
}

static GPtrArray *
held_list(Fixture *f)
{
	g_autofree gchar *out = cli_ok(f, NULL, "held", LIST, NULL);
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	GPtrArray *held = g_ptr_array_new_with_free_func((GDestroyNotify)held_line_free);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) fields = NULL;
		HeldLine *line;

		if (lines[i][0] == '\0')
			continue;
		fields = g_strsplit(lines[i], "\t", 4);
		if (g_strv_length(fields) != 4) {
			g_test_message("pgplist held: got line \"%s\", want ID\\tsender\\tsubject"
				       "\\treason",
				       lines[i]);
			g_assert_cmpuint(g_strv_length(fields), ==, 4);
		}
		line = g_new0(HeldLine, 1);
		line->id = g_strdup(fields[0]);
		line->sender = g_strdup(fields[1]);
		line->subject = g_strdup(fields[2]);
		line->reason = g_strdup(fields[3]);
		g_ptr_array_add(held, line);
	}
	return held;
}

/* A non-member posts; the post is held, the owner and the poster are told. Returns the held id. */
static gchar *
post_and_hold(Fixture *f, const gchar *subject, gchar **message_id_out)
{
	g_autoptr(GPtrArray) held = NULL;
	g_autoptr(GPtrArray) to_owner = NULL;
	g_autoptr(GPtrArray) to_poster = NULL;
	HeldLine *line = NULL;
	guint before = pgl_smtp_sink_recipient_count(f->sink);
	g_autofree gchar *message_id = post(f, NONMEMBER, subject);
	g_autofree gchar *decoded = g_mime_utils_header_decode_text(NULL, subject);
	Received *notice;

	/* the moderator notice and the held-poster notice */
	wait_sink(f, before + 2);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), before + 2);
	for (guint i = 0; member_addresses[i] != NULL; i++)
		ASSERT_UINT(copies_to(f, message_id, member_addresses[i]), 0);

	held = held_list(f);
	for (guint i = 0; i < held->len; i++) {
		HeldLine *candidate = g_ptr_array_index(held, i);

		if (g_str_equal(candidate->subject, decoded))
			line = candidate;
	}
	if (line == NULL) {
		g_test_message("pgplist held: no line with subject \"%s\" (%u lines)", decoded,
			       held->len);
		g_assert_nonnull(line);
	}
	ASSERT_STR(line->sender, NONMEMBER);
	g_assert_cmpstr(line->reason, !=, "");

	to_owner = messages_to(f, OWNER, NULL);
	g_assert_cmpuint(to_owner->len, >=, 1);
	notice = g_ptr_array_index(to_owner, to_owner->len - 1);
	ASSERT_STR(notice->raw->mail_from, LIST_BOUNCES);
	ASSERT_CONTAINS(received_header(notice, "From"), LIST_OWNER);
	ASSERT_CONTAINS(g_mime_message_get_subject(notice->mime), NONMEMBER);
	ASSERT_CONTAINS(notice->text, line->id);
	ASSERT_CONTAINS(notice->text, decoded);

	to_poster = messages_to(f, NONMEMBER, "awaits moderator approval");
	g_assert_cmpuint(to_poster->len, >=, 1);
	notice = g_ptr_array_index(to_poster, to_poster->len - 1);
	ASSERT_STR(notice->raw->mail_from, LIST_BOUNCES);
	ASSERT_CONTAINS(received_header(notice, "From"), LIST_OWNER);
	ASSERT_CONTAINS(notice->text, decoded);

	if (message_id_out != NULL)
		*message_id_out = g_steal_pointer(&message_id);
	return g_strdup(line->id);
}

static void
test_hold_nonmember_accept(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *out = NULL;
	g_autoptr(GPtrArray) held = NULL;
	g_autoptr(GPtrArray) transactions = NULL;

	setup_list(f, 3);
	daemon_start(f);
	held_id = post_and_hold(f, "Question from outside", &message_id);
	held = held_list(f);
	ASSERT_UINT(held->len, 1);
	{
		/* a held id is only good for its own list */
		g_autofree gchar *created = cli_ok(f, NULL, "create", "other@" LIST_DOMAIN, NULL);
		g_autoptr(CliResult) wrong_list =
			cli_run(f, NULL, "moderate", "other@" LIST_DOMAIN, held_id, "accept", NULL);
		g_assert_nonnull(created);

		assert_cli_error(wrong_list, held_id);
	}

	out = cli_ok(f, NULL, "moderate", LIST, held_id, "accept", NULL);
	ASSERT_CONTAINS(out, "accepted");
	wait_sink(f, 2 + 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = transactions_of(f, message_id);
	assert_list_headers(g_ptr_array_index(transactions, 0));
	ASSERT_STR(
		g_mime_message_get_subject(((Received *)g_ptr_array_index(transactions, 0))->mime),
		PREFIX "Question from outside");
	g_clear_pointer(&held, g_ptr_array_unref);
	held = held_list(f);
	ASSERT_UINT(held->len, 0);
}

static void
test_hold_reject_with_reason(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *out = NULL;
	g_autoptr(GPtrArray) rejected = NULL;
	g_autoptr(GPtrArray) held = NULL;
	Received *notice;

	setup_list(f, 3);
	daemon_start(f);
	held_id = post_and_hold(f, "Buy now", &message_id);
	out = cli_ok(f, NULL, "moderate", LIST, held_id, "reject", "--reason", "off topic", NULL);
	ASSERT_CONTAINS(out, "rejected");
	wait_sink(f, 2 + 1);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 3);
	rejected = messages_to(f, NONMEMBER, "rejected");
	ASSERT_UINT(rejected->len, 1);
	notice = g_ptr_array_index(rejected, 0);
	ASSERT_STR(notice->raw->mail_from, LIST_BOUNCES);
	ASSERT_CONTAINS(received_header(notice, "From"), LIST_OWNER);
	ASSERT_CONTAINS(notice->text, "off topic");
	ASSERT_CONTAINS(notice->text, "Buy now");
	for (guint i = 0; member_addresses[i] != NULL; i++)
		ASSERT_UINT(copies_to(f, message_id, member_addresses[i]), 0);
	held = held_list(f);
	ASSERT_UINT(held->len, 0);
}

static void
test_hold_discard(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *barrier = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	daemon_start(f);
	held_id = post_and_hold(f, "Please drop", &message_id);
	out = cli_ok(f, NULL, "moderate", LIST, held_id, "discard", NULL);
	ASSERT_CONTAINS(out, "discarded");
	/* a member's post after it: once that is out, anything the discard caused would be too */
	barrier = post(f, ALICE, "barrier");
	wait_sink(f, 2 + 3);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 2 + 3);
	for (guint i = 0; member_addresses[i] != NULL; i++)
		ASSERT_UINT(copies_to(f, message_id, member_addresses[i]), 0);
	{
		g_autoptr(GPtrArray) to_poster = messages_to(f, NONMEMBER, NULL);

		ASSERT_UINT(to_poster->len, 1); /* only the held notice */
	}
	held = held_list(f);
	ASSERT_UINT(held->len, 0);
}

/* Decisions need no running daemon: accepted while it is down, delivered once it is up. */
static void
test_hold_moderate_offline(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *out = NULL;
	g_autoptr(CliResult) again = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	daemon_start(f);
	held_id = post_and_hold(f, "=?utf-8?q?Gr=C3=BC=C3=9Fe?= from outside", &message_id);
	daemon_stop(f);
	held = held_list(f);
	ASSERT_UINT(held->len, 1);
	/* the held subject is shown decoded */
	ASSERT_STR(((HeldLine *)g_ptr_array_index(held, 0))->subject, "Gr\xc3\xbc\xc3\x9f"
								      "e from outside");
	out = cli_ok(f, NULL, "moderate", LIST, held_id, "accept", NULL);
	again = cli_run(f, NULL, "moderate", LIST, held_id, "accept", NULL);
	assert_cli_error(again, held_id);
	ASSERT_UINT(queue_count(f, "pipeline"), 1);

	daemon_start(f);
	wait_sink(f, 2 + 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
}

/* Commands run while the daemon works must not disturb its database: on Linux a process that
 * opens and closes the database file drops its own SQLite locks, and a command could then fold
 * and delete the daemon's write-ahead log. A held post must survive a kill -9 after that. */
static void
test_hold_cli_while_running_survives_kill(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *lists = NULL;
	g_autofree gchar *info = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *wal = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	daemon_start(f);
	lists = cli_ok(f, NULL, "lists", NULL);
	info = cli_ok(f, NULL, "info", NULL);
	ASSERT_CONTAINS(lists, LIST);
	held_id = post_and_hold(f, "Held across a crash", &message_id);
	g_clear_pointer(&lists, g_free);
	lists = cli_ok(f, NULL, "lists", NULL);
	wal = g_build_filename(f->var_dir, "pgplist.db-wal", NULL);
	g_assert_true(g_file_test(wal, G_FILE_TEST_EXISTS));
	daemon_kill(f);

	held = held_list(f);
	ASSERT_UINT(held->len, 1);
	daemon_start(f);
	out = cli_ok(f, NULL, "moderate", LIST, held_id, "accept", NULL);
	wait_sink(f, 2 + 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
}

/* PGPLIST_CONFIG names the configuration file when --config is absent. */
static void
test_cli_config_from_environment(Fixture *f, gconstpointer data)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	setup_list(f, 1);
	g_subprocess_launcher_setenv(launcher, "PGPLIST_CONFIG", f->config_path, TRUE);
	g_subprocess_launcher_set_cwd(launcher, f->dir);
	process = g_subprocess_launcher_spawn(launcher, &error, binary_path(), "lists", NULL);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(process, NULL, NULL, &out, &err, &error));
	g_assert_no_error(error);
	ASSERT_UINT(g_subprocess_get_exit_status(process), 0);
	ASSERT_CONTAINS(out, LIST);
}

/* Anyone can forge From:. A held post's notice goes to the envelope sender when the two differ,
 * so nobody can aim the list's notices at a third party. */
static void
test_hold_notice_to_envelope_sender(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *message =
		make_message("victim@elsewhere.example", LIST, "Forged", message_id, NULL);
	g_autoptr(GPtrArray) to_victim = NULL;
	g_autoptr(GPtrArray) to_envelope = NULL;

	setup_list(f, 2);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, NONMEMBER, LIST, message), 250);
	wait_sink(f, 2); /* moderator notice and poster notice */
	wait_idle(f);
	to_victim = messages_to(f, "victim@elsewhere.example", NULL);
	ASSERT_UINT(to_victim->len, 0);
	to_envelope = messages_to(f, NONMEMBER, "awaits moderator approval");
	ASSERT_UINT(to_envelope->len, 1);
}

/* Our own notices sent to a posting address are dropped, not moderated: a list that mails its
 * notices to itself would otherwise hold and notify forever. */
static void
test_loop_own_notice_discarded(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *plain = make_message(LIST_OWNER, LIST, "Team post requires approval",
					       message_id, "A notice.\n");
	g_autofree gchar *notice = g_strconcat("X-pgplist-Notice: yes\n", plain, NULL);
	g_autofree gchar *barrier = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 2);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, LIST_BOUNCES, LIST, notice), 250);
	barrier = post(f, ALICE, "barrier");
	wait_sink(f, 2);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 2); /* only the barrier post */
	held = held_list(f);
	ASSERT_UINT(held->len, 0);
}

/* Mail to -owner is stamped when forwarded; if it comes back stamped, it is a loop. */
static void
test_loop_owner_forward(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *plain = make_message(NONMEMBER, LIST_OWNER, "Round and round",
					       message_id, NULL);
	g_autoptr(GPtrArray) forwarded = NULL;
	g_autofree gchar *again = NULL;
	Received *copy;

	setup_list(f, 1);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, NONMEMBER, LIST_OWNER, plain), 250);
	wait_sink(f, 1);
	wait_idle(f);
	forwarded = transactions_of(f, message_id);
	ASSERT_UINT(forwarded->len, 1);
	copy = g_ptr_array_index(forwarded, 0);
	ASSERT_CONTAINS(received_header(copy, "X-pgplist-Owner-Forward"), LIST_OWNER);
	/* the owner's mailbox forwards it back: dropped */
	again = g_strdup_printf("X-pgplist-Owner-Forward: %s\n%s", LIST_OWNER, plain);
	ASSERT_UINT(lmtp_send(f, OWNER, LIST_OWNER, again), 250);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
}

/* A list's own addresses can be neither its owner nor its member. */
static void
test_cli_refuses_own_addresses(Fixture *f, gconstpointer data)
{
	g_autoptr(CliResult) own_owner = NULL;
	g_autoptr(CliResult) own_member = NULL;
	g_autofree gchar *members = NULL;
	g_auto(GStrv) lines = NULL;

	own_owner = cli_run(f, NULL, "create", "self@" LIST_DOMAIN, "--owner",
			    "self-owner@" LIST_DOMAIN, NULL);
	assert_cli_error(own_owner, "self-owner@" LIST_DOMAIN);
	setup_list(f, 1);
	own_member = cli_run(f, "alice@example.com\n" LIST_NAME "-bounces+x=y.example@" LIST_DOMAIN
				"\n", "addmembers", LIST, "-", NULL);
	assert_cli_error(own_member, "bounces");
	members = cli_ok(f, NULL, "members", LIST, NULL);
	lines = g_strsplit(members, "\n", -1);
	ASSERT_UINT(g_strv_length(lines), 2); /* one member, then "" */
}

/* RFC 3834: a held post from the null sender or an automatic sender gets no notice back. */
static void
test_hold_no_notice_to_automatic_senders(Fixture *f, gconstpointer data)
{
	g_autofree gchar *bulk_id = new_message_id(f);
	g_autofree gchar *bulk_plain =
		make_message("news@vendor.example", LIST, "Newsletter", bulk_id, NULL);
	g_autofree gchar *bulk = g_strconcat("Precedence: bulk\n", bulk_plain, NULL);
	g_autofree gchar *null_id = new_message_id(f);
	g_autofree gchar *null_message =
		make_message("robot@vendor.example", LIST, "Automatic report", null_id, NULL);
	g_autoptr(GPtrArray) held = NULL;
	g_autoptr(GPtrArray) to_owner = NULL;

	setup_list(f, 3);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, "news@vendor.example", LIST, bulk), 250);
	ASSERT_UINT(lmtp_send(f, "", LIST, null_message), 250);
	wait_sink(f, 2);
	wait_idle(f);
	/* the owner hears of both; neither sender hears anything */
	to_owner = messages_to(f, OWNER, NULL);
	ASSERT_UINT(to_owner->len, 2);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 2);
	held = held_list(f);
	ASSERT_UINT(held->len, 2);
}

static void
test_hold_unknown_id(Fixture *f, gconstpointer data)
{
	g_autoptr(CliResult) unknown = NULL;
	g_autoptr(CliResult) not_number = NULL;
	g_autoptr(CliResult) bad_action = NULL;
	g_autoptr(CliResult) no_list = NULL;

	setup_list(f, 1);
	unknown = cli_run(f, NULL, "moderate", LIST, "999", "accept", NULL);
	assert_cli_error(unknown, "999");
	not_number = cli_run(f, NULL, "moderate", LIST, "abc", "accept", NULL);
	assert_cli_error(not_number, "abc");
	bad_action = cli_run(f, NULL, "moderate", LIST, "1", "approve", NULL);
	assert_cli_error(bad_action, "approve");
	no_list = cli_run(f, NULL, "moderate", "nope@" LIST_DOMAIN, "1", "accept", NULL);
	assert_cli_error(no_list, "nope@" LIST_DOMAIN);
}

/* ==== 1b. more posting paths ================================================================= */

static void
test_post_verp(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *set = NULL;
	g_autoptr(GPtrArray) transactions = NULL;

	setup_list(f, 3);
	set = cli_ok(f, NULL, "listconf", LIST, "verp_delivery", "true", NULL);
	daemon_start(f);
	message_id = post(f, ALICE, "personal envelopes");
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = transactions_of(f, message_id);
	ASSERT_UINT(transactions->len, 3);
	for (guint i = 0; i < transactions->len; i++) {
		Received *copy = g_ptr_array_index(transactions, i);
		g_autofree gchar *local = NULL;
		g_autofree gchar *want = NULL;

		ASSERT_UINT(g_strv_length(copy->raw->recipients), 1);
		local = g_strndup(copy->raw->recipients[0], strcspn(copy->raw->recipients[0], "@"));
		want = g_strdup_printf(LIST_NAME "-bounces+%s=example.com@" LIST_DOMAIN, local);
		ASSERT_STR(copy->raw->mail_from, want);
		ASSERT_STR(g_mime_message_get_subject(copy->mime), PREFIX "personal envelopes");
	}
}

/* What members get is what the poster wrote: dot-stuffing, 8-bit text, odd lines survive. */
static void
test_post_body_integrity(Fixture *f, gconstpointer data)
{
	static const gchar body[] = "First line\n"
				    ".\n"
				    ".leading dot\n"
				    "..two dots\n"
				    "From the beginning of a line\n"
				    "Gr\xc3\xbc\xc3\x9f"
				    "e aus K\xc3\xb6ln \xe2\x98\x83\n"
				    "trailing spaces   \n"
				    "\n"
				    "last line\n";
	static const gchar *const lines[] = {
		"First line\n.\n.leading dot\n..two dots\n",
		"\nFrom the beginning of a line\n",
		"\nGr\xc3\xbc\xc3\x9f"
		"e aus K\xc3\xb6ln \xe2\x98\x83\n",
		"\ntrailing spaces   \n\nlast line\n",
		NULL,
	};
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *message = make_message(
		ALICE, LIST, "=?utf-8?q?Gr=C3=BC=C3=9Fe?= from the list", message_id, body);
	g_autoptr(GPtrArray) transactions = NULL;
	Received *copy;

	setup_list(f, 3);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, ALICE, LIST, message), 250);
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = transactions_of(f, message_id);
	copy = g_ptr_array_index(transactions, 0);
	ASSERT_STR(g_mime_message_get_subject(copy->mime), PREFIX "Gr\xc3\xbc\xc3\x9f"
								  "e from the list");
	for (guint i = 0; lines[i] != NULL; i++)
		ASSERT_CONTAINS(copy->text, lines[i]);
}

/* A non-member's post with the moderator password goes out, without the password. */
static void
test_post_approved_password(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *plain = make_message(NONMEMBER, LIST, "pre-approved", message_id, NULL);
	g_autofree gchar *message = g_strconcat("Approved: hunter2\n", plain, NULL);
	g_autofree gchar *set = NULL;
	g_autoptr(GPtrArray) transactions = NULL;
	g_autoptr(GPtrArray) held = NULL;
	Received *copy;

	setup_list(f, 3);
	set = cli_ok(f, NULL, "listconf", LIST, "moderator_password", "hunter2", NULL);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, NONMEMBER, LIST, message), 250);
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = transactions_of(f, message_id);
	copy = g_ptr_array_index(transactions, 0);
	ASSERT_UINT(received_header_count(copy, "Approved"), 0);
	{
		gsize len = 0;
		const gchar *raw = g_bytes_get_data(copy->raw->data, &len);
		g_autofree gchar *text = g_strndup(raw, len);

		g_assert_null(strstr(text, "hunter2"));
	}
	held = held_list(f);
	ASSERT_UINT(held->len, 0);
}

/* A post that already went through this list (our X-BeenThere) is a loop: discarded quietly. */
static void
test_post_loop_discarded(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *plain = make_message(BOB, LIST, PREFIX "echo", message_id, NULL);
	g_autofree gchar *message = g_strconcat("X-BeenThere: " LIST "\n", plain, NULL);
	g_autofree gchar *barrier = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, BOB, LIST, message), 250);
	barrier = post(f, ALICE, "barrier");
	wait_sink(f, 3);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 3);
	assert_delivered_once(f, barrier, (const gchar *const *)recipients);
	for (guint i = 0; member_addresses[i] != NULL; i++)
		ASSERT_UINT(copies_to(f, message_id, member_addresses[i]), 0);
	held = held_list(f);
	ASSERT_UINT(held->len, 0);
}

/* Emergency: every post, a member's too, waits for a moderator. */
static void
test_post_emergency_holds_members(Fixture *f, gconstpointer data)
{
	g_autofree gchar *set = NULL;
	g_autofree gchar *message_id = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	set = cli_ok(f, NULL, "listconf", LIST, "emergency", "true", NULL);
	daemon_start(f);
	message_id = post(f, ALICE, "urgent");
	wait_sink(f, 2); /* moderator notice, held-poster notice */
	wait_idle(f);
	for (guint i = 0; member_addresses[i] != NULL; i++)
		ASSERT_UINT(copies_to(f, message_id, member_addresses[i]), 0);
	held = held_list(f);
	ASSERT_UINT(held->len, 1);
	ASSERT_STR(((HeldLine *)g_ptr_array_index(held, 0))->sender, ALICE);
	ASSERT_STR(((HeldLine *)g_ptr_array_index(held, 0))->subject, "urgent");
}

/* ==== 3. rejected posts ====================================================================== */

static void
check_rejected(Fixture *f, const gchar *poster, const gchar *message_id)
{
	g_autoptr(GPtrArray) notices = NULL;
	Received *notice;
	const gchar *reason;

	notices = messages_to(f, poster, "rejected");
	if (notices->len != 1) {
		dump_received(f);
		g_test_message("rejection notices to %s: got %u, want 1", poster, notices->len);
		g_assert_cmpuint(notices->len, ==, 1);
	}
	notice = g_ptr_array_index(notices, 0);
	ASSERT_STR(notice->raw->mail_from, LIST_BOUNCES);
	ASSERT_CONTAINS(received_header(notice, "From"), LIST_OWNER);
	ASSERT_CONTAINS(notice->text, "The reason given:");
	reason = strstr(notice->text, "The reason given:") + strlen("The reason given:");
	while (g_ascii_isspace(*reason))
		reason++;
	g_test_message("rejection reason: %.*s", (int)strcspn(reason, "\n"), reason);
	g_assert_cmpint(strcspn(reason, "\n"), >, 0);
	g_assert_false(g_str_has_prefix(reason, "$reason"));
	for (guint i = 0; member_addresses[i] != NULL; i++)
		ASSERT_UINT(copies_to(f, message_id, member_addresses[i]), 0);
}

static void
test_reject_banned(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *message_id = NULL;
	const gchar *spammer = "spammer@banned.example";

	setup_list(f, 3);
	out = cli_ok(f, NULL, "listconf", LIST, "banned_addresses", "^.*@banned\\.example$", NULL);
	daemon_start(f);
	message_id = post(f, spammer, "Cheap pills");
	wait_sink(f, 1);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
	check_rejected(f, spammer, message_id);
}

static void
test_reject_nonmember_pattern(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *message_id = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	out = cli_ok(f, NULL, "listconf", LIST, "reject_these_nonmembers", NONMEMBER, NULL);
	daemon_start(f);
	message_id = post(f, NONMEMBER, "Let me in");
	wait_sink(f, 1);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
	check_rejected(f, NONMEMBER, message_id);
	held = held_list(f);
	ASSERT_UINT(held->len, 0);
}

/* ==== 4. temporary failures at the relay ===================================================== */

static void
test_delivery_retry_after_451(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	PglSmtpSinkStats stats = {0};

	pgl_smtp_sink_add_rule(f->sink, BOB, 451, "4.2.0 mailbox busy, try later", 2);
	setup_list(f, 3);
	daemon_start(f);
	message_id = post(f, ALICE, "retry me");
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	pgl_smtp_sink_get_stats(f->sink, &stats);
	/* the first attempt for all three, then two more attempts for bob alone */
	g_test_message("transactions=%u connections=%u", stats.transactions, stats.connections);
	g_assert_cmpuint(stats.transactions, >=, 3);
	ASSERT_UINT(bounce_count(f, BOB), 0);
}

static void
test_delivery_permanent_failure_bounces(Fixture *f, gconstpointer data)
{
	static const gchar *const delivered[] = {"alice@example.com", "carol@example.com", NULL};
	g_autofree gchar *message_id = NULL;

	pgl_smtp_sink_add_rule(f->sink, BOB, 550, "5.1.1 no such user", 0);
	setup_list(f, 3);
	daemon_start(f);
	message_id = post(f, ALICE, "bob is gone");
	wait_sink(f, 2);
	wait_idle(f);
	assert_delivered_once(f, message_id, delivered);
	ASSERT_UINT(copies_to(f, message_id, BOB), 0);
	ASSERT_UINT(queue_count(f, "retry"), 0);
	ASSERT_UINT(bounce_count(f, BOB), 1);
}

/* A relay that refuses a whole message for now (451 after DATA), then drops connections after
 * each transaction (421 on the next MAIL): everything still arrives exactly once. */
static void
test_delivery_relay_hiccups(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	PglSmtpSinkStats stats = {0};

	pgl_smtp_sink_set_data_reply(f->sink, 451, "4.3.0 queue full, try later", 1);
	pgl_smtp_sink_set_max_transactions(f->sink, 1);
	setup_list(f, 3);
	daemon_start(f);
	for (guint i = 0; i < 4; i++) {
		g_autofree gchar *subject = g_strdup_printf("hiccup %u", i);

		g_ptr_array_add(ids, post(f, member_addresses[i % 3], subject));
	}
	wait_sink(f, 4 * 3);
	wait_idle(f);
	for (guint i = 0; i < ids->len; i++)
		assert_delivered_once(f, g_ptr_array_index(ids, i),
				      (const gchar *const *)recipients);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 4 * 3);
	pgl_smtp_sink_get_stats(f->sink, &stats);
	g_test_message("connections=%u transactions=%u messages=%u", stats.connections,
		       stats.transactions, stats.messages);
	ASSERT_UINT(stats.messages, 4);
}

/* ==== 5. crash safety ========================================================================= */

/* A port nothing listens on: a sink's, after it is freed. */
static guint16
closed_port(void)
{
	g_autoptr(GError) error = NULL;
	PglSmtpSink *sink = pgl_smtp_sink_new(&error);
	guint16 port;

	g_assert_no_error(error);
	port = pgl_smtp_sink_get_port(sink);
	pgl_smtp_sink_free(sink);
	return port;
}

typedef struct {
	guint want;
} WaitQueued;

static gboolean
all_waiting_for_relay(Fixture *f, gpointer data)
{
	WaitQueued *wait = data;

	return queue_count(f, "in") == 0 && queue_count(f, "pipeline") == 0 &&
	       queue_count(f, "out") + queue_count(f, "retry") == wait->want;
}

static void
test_crash_relay_down_kill9(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	WaitQueued wait = {.want = 5};

	/* the relay is down: nothing listens where the daemon sends */
	g_clear_pointer(&f->sink, pgl_smtp_sink_free);
	config_set_relay_port(f, closed_port());
	setup_list(f, 3);
	daemon_start(f);

	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *subject = g_strdup_printf("via lmtp %u", i);

		g_ptr_array_add(ids, post(f, ALICE, subject));
	}
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *message_id = new_message_id(f);
		g_autofree gchar *subject = g_strdup_printf("via inject %u", i);
		g_autofree gchar *message = make_message(BOB, LIST, subject, message_id, NULL);
		g_autofree gchar *out = cli_ok(f, message, "inject", LIST, NULL);

		ASSERT_CONTAINS(out, "Queued as ");
		g_ptr_array_add(ids, g_steal_pointer(&message_id));
	}
	if (!wait_until(f, all_waiting_for_relay, &wait, TIMEOUT_MS)) {
		g_test_message("queues: in=%u pipeline=%u out=%u retry=%u bad=%u, want out+retry=5",
			       queue_count(f, "in"), queue_count(f, "pipeline"),
			       queue_count(f, "out"), queue_count(f, "retry"),
			       queue_count_files(f, "bad"));
		g_assert_not_reached();
	}
	daemon_kill(f);
	g_test_message("after kill -9: out=%u retry=%u", queue_count(f, "out"),
		       queue_count(f, "retry"));

	/* the relay comes back; so does the daemon */
	{
		g_autoptr(GError) error = NULL;

		f->sink = pgl_smtp_sink_new(&error);
		g_assert_no_error(error);
	}
	config_set_relay_port(f, pgl_smtp_sink_get_port(f->sink));
	daemon_start(f);
	wait_sink(f, 5 * 3);
	wait_idle(f);
	for (guint i = 0; i < ids->len; i++)
		assert_delivered_once(f, g_ptr_array_index(ids, i),
				      (const gchar *const *)recipients);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 5 * 3);
	ASSERT_UINT(queue_count_files(f, "bad"), 0);
}

static gboolean
all_pairs_delivered(Fixture *f, gpointer data)
{
	GPtrArray *ids = data;

	collect(f);
	for (guint i = 0; i < ids->len; i++)
		for (guint m = 0; member_addresses[m] != NULL; m++)
			if (copies_to(f, g_ptr_array_index(ids, i), member_addresses[m]) == 0)
				return FALSE;
	return TRUE;
}

static void
test_crash_kill_during_delivery(Fixture *f, gconstpointer data)
{
	const guint n_posts = 30;
	const guint n_members = 5;
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	guint before_kill;
	guint duplicates = 0;
	guint missing = 0;

	setup_list(f, n_members);
	/* queued while the daemon is down: `inject` needs no daemon */
	for (guint i = 0; i < n_posts; i++) {
		g_autofree gchar *message_id = new_message_id(f);
		g_autofree gchar *subject = g_strdup_printf("load %u", i);
		g_autofree gchar *message = make_message(member_addresses[i % n_members], LIST,
							 subject, message_id, NULL);
		g_autofree gchar *out = cli_ok(f, message, "inject", LIST, NULL);
		g_assert_nonnull(out);

		g_ptr_array_add(ids, g_steal_pointer(&message_id));
	}
	ASSERT_UINT(queue_count(f, "in"), n_posts);

	daemon_start(f);
	wait_sink(f, n_posts * n_members / 4);
	daemon_kill(f);
	before_kill = pgl_smtp_sink_recipient_count(f->sink);
	g_test_message("killed after %u of %u recipient deliveries (in=%u pipeline=%u out=%u "
		       "retry=%u)",
		       before_kill, n_posts * n_members, queue_count(f, "in"),
		       queue_count(f, "pipeline"), queue_count(f, "out"), queue_count(f, "retry"));

	daemon_start(f);
	if (!wait_until(f, all_pairs_delivered, ids, TIMEOUT_MS)) {
		for (guint i = 0; i < ids->len; i++)
			for (guint m = 0; m < n_members; m++)
				if (copies_to(f, g_ptr_array_index(ids, i), member_addresses[m]) ==
				    0) {
					g_test_message("never delivered: %s to %s",
						       (gchar *)g_ptr_array_index(ids, i),
						       member_addresses[m]);
					missing++;
				}
		g_test_message("%u (post, member) pairs never delivered", missing);
		g_assert_cmpuint(missing, ==, 0);
	}
	wait_idle(f);
	for (guint i = 0; i < ids->len; i++)
		for (guint m = 0; m < n_members; m++) {
			guint copies = copies_to(f, g_ptr_array_index(ids, i), member_addresses[m]);

			g_assert_cmpuint(copies, >=, 1);
			duplicates += copies - 1;
		}
	g_test_message("kill -9 during delivery: %u of %u (post, member) pairs delivered more "
		       "than once; %u recipient deliveries in all",
		       duplicates, n_posts * n_members, pgl_smtp_sink_recipient_count(f->sink));
	ASSERT_UINT(queue_count_files(f, "bad"), 0);
}

/* ==== 6. TLS and AUTH to the relay =========================================================== */

static GTlsCertificate *
make_cert(Fixture *f, const gchar *name, gchar **ca_file_out)
{
	g_autoptr(GError) error = NULL;
	GTlsCertificate *cert = pgl_test_make_certificate_full(
		f->dir, name, "localhost", "DNS:localhost,IP:127.0.0.1", ca_file_out, &error);

	g_assert_no_error(error);
	f->daemon_uses_tls = TRUE;
	return cert;
}

static void
test_tls_starttls_auth(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *ca_file = NULL;
	g_autoptr(GTlsCertificate) cert = make_cert(f, "relay", &ca_file);
	g_autofree gchar *message_id = NULL;
	g_autoptr(GPtrArray) transactions = NULL;

	pgl_smtp_sink_set_tls(f->sink, cert, FALSE);
	pgl_smtp_sink_set_auth(f->sink, "pgplist", "s3cret pass");
	g_key_file_set_string(f->config, "smtp", "security", "starttls");
	g_key_file_set_string(f->config, "smtp", "ca_file", ca_file);
	g_key_file_set_string(f->config, "smtp", "user", "pgplist");
	g_key_file_set_string(f->config, "smtp", "password", "s3cret pass");
	setup_list(f, 3);
	daemon_start(f);
	message_id = post(f, ALICE, "over TLS");
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = transactions_of(f, message_id);
	for (guint i = 0; i < transactions->len; i++) {
		Received *copy = g_ptr_array_index(transactions, i);

		g_assert_true(copy->raw->tls);
		ASSERT_STR(copy->raw->auth_user, "pgplist");
	}
}

static gboolean
queued_for_relay(Fixture *f, gpointer data)
{
	return queue_count(f, "in") == 0 && queue_count(f, "pipeline") == 0 &&
	       queue_count(f, "retry") >= 1;
}

/* Reads "queue NAME: N" from `pgplist info`. */
static guint
info_queue(const gchar *info, const gchar *queue)
{
	g_autofree gchar *key = g_strdup_printf("queue %s: ", queue);
	const gchar *line = strstr(info, key);
	g_autofree gchar *number = NULL;
	guint64 count = 0;

	if (line == NULL) {
		g_test_message("pgplist info: no \"%s\" line in \"%s\"", key, info);
		g_assert_nonnull(line);
	}
	number = g_strndup(line + strlen(key), strcspn(line + strlen(key), "\n"));
	g_assert_true(g_ascii_string_to_unsigned(number, 10, 0, G_MAXUINT, &count, NULL));
	return (guint)count;
}

/* The relay fails TLS checks: the message waits in the spool, nothing goes out in clear.
 * Stops the daemon. */
static void
assert_held_back_by_tls(Fixture *f, const gchar *message_id)
{
	PglSmtpSinkStats stats = {0};
	g_autofree gchar *info = NULL;

	if (!wait_until(f, queued_for_relay, NULL, TIMEOUT_MS)) {
		g_test_message("queues: in=%u pipeline=%u out=%u retry=%u bad=%u, want retry>=1",
			       queue_count(f, "in"), queue_count(f, "pipeline"),
			       queue_count(f, "out"), queue_count(f, "retry"),
			       queue_count_files(f, "bad"));
		g_assert_not_reached();
	}
	pgl_smtp_sink_get_stats(f->sink, &stats);
	g_test_message("sink: connections=%u transactions=%u messages=%u", stats.connections,
		       stats.transactions, stats.messages);
	g_assert_cmpuint(stats.connections, >=, 1); /* it did try */
	ASSERT_UINT(stats.transactions, 0);         /* but never sent MAIL FROM */
	ASSERT_UINT(stats.messages, 0);
	/* stopped, so that the retry runner is not moving the message while we count */
	daemon_stop(f);
	info = cli_ok(f, NULL, "info", NULL);
	ASSERT_UINT(info_queue(info, "out") + info_queue(info, "retry"), 1);
	ASSERT_UINT(info_queue(info, "bad"), 0);
}

static void
test_tls_wrong_ca(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *ca_file = NULL;
	g_autofree gchar *other_ca_file = NULL;
	g_autoptr(GTlsCertificate) cert = make_cert(f, "relay", &ca_file);
	g_autoptr(GTlsCertificate) other = make_cert(f, "other", &other_ca_file);
	g_autofree gchar *message_id = NULL;
	g_assert_nonnull(other);

	pgl_smtp_sink_set_tls(f->sink, cert, FALSE);
	g_key_file_set_string(f->config, "smtp", "security", "starttls");
	g_key_file_set_string(f->config, "smtp", "ca_file", other_ca_file);
	setup_list(f, 3);
	daemon_start(f);
	message_id = post(f, ALICE, "untrusted relay");
	assert_held_back_by_tls(f, message_id);

	/* the admin fixes the CA file: the same message goes out, once */
	g_key_file_set_string(f->config, "smtp", "ca_file", ca_file);
	daemon_start(f);
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
}

static void
test_tls_starttls_not_offered(Fixture *f, gconstpointer data)
{
	g_autofree gchar *ca_file = NULL;
	g_autoptr(GTlsCertificate) cert = make_cert(f, "relay", &ca_file);
	g_autofree gchar *message_id = NULL;
	g_assert_nonnull(cert);

	/* the relay offers no STARTTLS (stripped by an attacker, say): never downgrade */
	g_key_file_set_string(f->config, "smtp", "security", "starttls");
	g_key_file_set_string(f->config, "smtp", "ca_file", ca_file);
	setup_list(f, 3);
	daemon_start(f);
	message_id = post(f, ALICE, "no downgrade");
	assert_held_back_by_tls(f, message_id);
}

static void
test_tls_implicit(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *ca_file = NULL;
	g_autoptr(GTlsCertificate) cert = make_cert(f, "relay", &ca_file);
	g_autofree gchar *message_id = NULL;
	g_autoptr(GPtrArray) transactions = NULL;

	pgl_smtp_sink_set_tls(f->sink, cert, TRUE);
	g_key_file_set_string(f->config, "smtp", "security", "tls");
	g_key_file_set_string(f->config, "smtp", "ca_file", ca_file);
	setup_list(f, 3);
	daemon_start(f);
	message_id = post(f, ALICE, "implicit TLS");
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = transactions_of(f, message_id);
	g_assert_true(((Received *)g_ptr_array_index(transactions, 0))->raw->tls);
}

/* ==== 7. LMTP through the daemon ============================================================= */

static void
test_lmtp_unknown_recipient(Fixture *f, gconstpointer data)
{
	static const gchar *const recipients[] = {
		"nosuchlist@" LIST_DOMAIN, LIST,
		"team@other.example",      "nosuchlist-owner@" LIST_DOMAIN,
		"team+tag@" LIST_DOMAIN,   NULL,
	};
	static const guint want[] = {550, 250, 550, 550, 550};
	g_autoptr(Lmtp) lmtp = NULL;
	g_autoptr(GPtrArray) rcpt_replies = NULL;
	g_autoptr(GPtrArray) data_replies = NULL;
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *message = make_message(ALICE, LIST, "mixed recipients", message_id, NULL);

	setup_list(f, 3);
	daemon_start(f);
	lmtp = lmtp_connect(f);
	lmtp_expect(lmtp, "LHLO client.example", 250);
	data_replies = lmtp_transaction(lmtp, ALICE, recipients, message, &rcpt_replies);
	for (guint i = 0; recipients[i] != NULL; i++) {
		const gchar *reply = g_ptr_array_index(rcpt_replies, i);

		g_test_message("RCPT TO:<%s> -> %s", recipients[i], reply);
		if (reply_code(reply) != want[i]) {
			g_test_message("RCPT TO:<%s>: got \"%s\", want %u", recipients[i], reply,
				       want[i]);
			g_assert_cmpuint(reply_code(reply), ==, want[i]);
		}
		if (want[i] == 550)
			ASSERT_CONTAINS(reply, "5.1.1");
	}
	ASSERT_UINT(data_replies->len, 1);
	ASSERT_UINT(reply_code(g_ptr_array_index(data_replies, 0)), 250);
	lmtp_expect(lmtp, "QUIT", 221);
	wait_sink(f, 3);
	wait_idle(f);
}

static void
test_lmtp_owner_forward(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *message = make_message(NONMEMBER, LIST_OWNER, "A question for the owners",
						 message_id, "Who runs this list?\n");
	g_autofree gchar *added = NULL;
	g_autoptr(GPtrArray) forwarded = NULL;
	Received *copy;

	setup_list(f, 3);
	added = cli_ok(f, NULL, "create", "other@" LIST_DOMAIN, "--owner", "boss@example.com",
		       NULL);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, NONMEMBER, LIST_OWNER, message), 250);
	wait_sink(f, 1);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
	forwarded = transactions_of(f, message_id);
	ASSERT_UINT(forwarded->len, 1);
	copy = g_ptr_array_index(forwarded, 0);
	ASSERT_UINT(g_strv_length(copy->raw->recipients), 1);
	ASSERT_STR(copy->raw->recipients[0], OWNER);
	ASSERT_CONTAINS(g_mime_message_get_subject(copy->mime), "A question for the owners");
	ASSERT_CONTAINS(copy->text, "Who runs this list?");
	for (guint i = 0; member_addresses[i] != NULL; i++)
		ASSERT_UINT(copies_to(f, message_id, member_addresses[i]), 0);
	g_test_message("forwarded with envelope sender <%s>", copy->raw->mail_from);

	/* a list without owners: the site owner gets it */
	{
		g_autofree gchar *orphan = cli_ok(f, NULL, "create", "orphan@" LIST_DOMAIN, NULL);
		g_autofree gchar *orphan_id = new_message_id(f);
		g_autofree gchar *orphan_message = make_message(
			NONMEMBER, "orphan-owner@" LIST_DOMAIN, "Anyone there?", orphan_id, NULL);
		g_assert_nonnull(orphan);

		ASSERT_UINT(lmtp_send(f, NONMEMBER, "orphan-owner@" LIST_DOMAIN, orphan_message),
			    250);
		wait_sink(f, 2);
		wait_idle(f);
		ASSERT_UINT(copies_to(f, orphan_id, "postmaster@localhost"), 1);
	}
}

static void
test_lmtp_bounces(Fixture *f, gconstpointer data)
{
	static const gchar *const bounce_addresses[] = {
		LIST_BOUNCES,
		"team-bounces+bob=example.com@" LIST_DOMAIN,
		NULL,
	};
	g_autofree gchar *barrier = NULL;
	g_auto(GStrv) recipients = members_upto(3);

	setup_list(f, 3);
	daemon_start(f);
	for (guint i = 0; bounce_addresses[i] != NULL; i++) {
		g_autofree gchar *message_id = new_message_id(f);
		g_autofree gchar *message =
			make_message("MAILER-DAEMON@mx.example.com", bounce_addresses[i],
				     "Undelivered Mail Returned to Sender", message_id,
				     "This is the mail system.\n\n<bob@example.com>: host said: "
				     "550 no such user\n");

		ASSERT_UINT(lmtp_send(f, "", bounce_addresses[i], message), 250);
	}
	/* the next post is processed after the bounces: once it is out, they were handled */
	barrier = post(f, ALICE, "barrier");
	wait_sink(f, 3);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 3);
	assert_delivered_once(f, barrier, (const gchar *const *)recipients);
	ASSERT_UINT(queue_count_files(f, "bad"), 0);
	/* the VERP one names bob */
	ASSERT_UINT(bounce_count(f, BOB), 1);
}

static void
test_lmtp_commands_forwarded(Fixture *f, gconstpointer data)
{
	static const gchar *const command_addresses[] = {
		"team-request@" LIST_DOMAIN,
		"team-join@" LIST_DOMAIN,
		"team-leave@" LIST_DOMAIN,
		NULL,
	};
	g_autofree gchar *barrier = NULL;
	g_autoptr(GPtrArray) to_owner = NULL;
	g_autoptr(GPtrArray) to_requester = NULL;

	setup_list(f, 3);
	daemon_start(f);
	for (guint i = 0; command_addresses[i] != NULL; i++) {
		g_autofree gchar *message_id = new_message_id(f);
		g_autofree gchar *message =
			make_message(NONMEMBER, command_addresses[i], "help", message_id, "help\n");

		ASSERT_UINT(lmtp_send(f, NONMEMBER, command_addresses[i], message), 250);
	}
	barrier = post(f, ALICE, "barrier");
	/* each request: forwarded to the owner, and the requester told; then the post */
	wait_sink(f, 3 * 2 + 3);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 3 * 2 + 3);
	to_owner = messages_to(f, OWNER, "help");
	ASSERT_UINT(to_owner->len, 3);
	for (guint i = 0; i < to_owner->len; i++) {
		Received *copy = g_ptr_array_index(to_owner, i);

		ASSERT_CONTAINS(received_header(copy, "X-pgplist-Owner-Forward"),
				"@" LIST_DOMAIN);
	}
	to_requester = messages_to(f, NONMEMBER, "passed on to its owners");
	ASSERT_UINT(to_requester->len, 3);
	ASSERT_UINT(queue_count(f, "command"), 0);
	ASSERT_UINT(queue_count_files(f, "bad"), 0);
}

static void
test_lmtp_message_too_big(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) body = g_string_new(NULL);
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *message = NULL;
	g_autoptr(Lmtp) lmtp = NULL;
	g_autofree gchar *small = NULL;

	g_key_file_set_integer(f->config, "limits", "message_max", 4096);
	setup_list(f, 3);
	daemon_start(f);
	for (guint i = 0; i < 100; i++)
		g_string_append(body, "This line makes the message longer than the limit.\n");
	message = make_message(ALICE, LIST, "too big", message_id, body->str);
	ASSERT_UINT(lmtp_send(f, ALICE, LIST, message), 552);

	/* announced with SIZE: refused at MAIL already */
	lmtp = lmtp_connect(f);
	lmtp_expect(lmtp, "LHLO client.example", 250);
	lmtp_expect(lmtp,
		    "MAIL FROM:<"
		    "alice@example.com"
		    "> SIZE=100000",
		    552);
	lmtp_expect(lmtp, "QUIT", 221);

	/* a message under the limit still goes through */
	small = post(f, ALICE, "small enough");
	wait_sink(f, 3);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 3);
	ASSERT_UINT(copies_to(f, message_id, ALICE), 0);
}

/* After hostile input the daemon must still serve a normal session. */
static void
assert_still_serving(Fixture *f, guint *expected_total)
{
	g_autofree gchar *message_id = post(f, ALICE, "still alive");
	g_assert_nonnull(message_id);

	*expected_total += 3;
	wait_sink(f, *expected_total);
}

static void
test_lmtp_hostile_input(Fixture *f, gconstpointer data)
{
	guint expected = 0;

	setup_list(f, 3);
	daemon_start(f);

	/* garbage commands, then too many of them */
	{
		g_autoptr(Lmtp) lmtp = lmtp_connect(f);
		g_autofree gchar *last = NULL;
		guint errors = 0;

		lmtp_expect(lmtp, "HELLO WORLD", 500);
		lmtp_expect(lmtp, "MAIL FROM:<alice@example.com>", 503); /* LHLO first */
		lmtp_expect(lmtp, "LHLO client.example", 250);
		lmtp_expect(lmtp, "RCPT TO:<" LIST ">", 503); /* MAIL first */
		lmtp_expect(lmtp, "DATA", 503);
		lmtp_expect(lmtp, "MAIL FROM:<not an address>", 501);
		/* each bad command gets 500; past the limit comes a 421 and the end */
		for (guint i = 0; i < 20; i++) {
			g_free(last);
			/* the 421 comes in the same write as the last 500: read it if it is here */
			if (g_buffered_input_stream_get_available(
				    G_BUFFERED_INPUT_STREAM(lmtp->in)) > 0)
				last = lmtp_read_reply(lmtp);
			else
				last = lmtp_command(lmtp, "XYZZY plugh");
			if (reply_code(last) == 500) {
				errors++;
				continue;
			}
			break;
		}
		g_test_message("too many errors: after %u more 500s got \"%s\"", errors,
			       last ? last : "(closed)");
		ASSERT_UINT(reply_code(last), 421);
	}
	assert_still_serving(f, &expected);

	/* binary junk in a command */
	{
		g_autoptr(Lmtp) lmtp = lmtp_connect(f);
		static const guint8 junk[] = {'M',  'A',  'I', 'L', 0x00, 0xff, 0xfe,
					      0x01, 0x1b, '[', '2', 'J',  '\r', '\n'};
		g_autofree gchar *reply = NULL;

		g_assert_true(lmtp_write(lmtp, junk, sizeof junk));
		reply = lmtp_read_reply(lmtp);
		ASSERT_UINT(reply_code(reply), 500);
		lmtp_expect(lmtp, "LHLO client.example", 250);
		lmtp_expect(lmtp, "QUIT", 221);
	}
	assert_still_serving(f, &expected);

	/* a huge line: 500 and 421, the connection ends */
	{
		g_autoptr(Lmtp) lmtp = lmtp_connect(f);
		g_autofree gchar *line = g_malloc(64 * 1024 + 3);
		g_autofree gchar *reply = NULL;
		g_autofree gchar *next = NULL;

		memset(line, 'A', 64 * 1024);
		memcpy(line + 64 * 1024, "\r\n", 3);
		lmtp_expect(lmtp, "LHLO client.example", 250);
		(void)lmtp_write(lmtp, line, 64 * 1024 + 2);
		reply = lmtp_read_reply(lmtp);
		g_test_message("huge line: \"%s\"", reply ? reply : "(closed)");
		ASSERT_UINT(reply_code(reply), 500);
		next = lmtp_read_reply(lmtp);
		ASSERT_UINT(reply_code(next), 421);
	}
	assert_still_serving(f, &expected);

	/* a huge line inside DATA: every recipient gets an error, the session goes on */
	{
		g_autoptr(Lmtp) lmtp = lmtp_connect(f);
		g_autofree gchar *line = g_malloc(64 * 1024 + 3);
		g_autofree gchar *reply = NULL;

		memset(line, 'B', 64 * 1024);
		memcpy(line + 64 * 1024, "\r\n", 3);
		lmtp_expect(lmtp, "LHLO client.example", 250);
		lmtp_expect(lmtp,
			    "MAIL FROM:<"
			    "alice@example.com"
			    ">",
			    250);
		lmtp_expect(lmtp, "RCPT TO:<" LIST ">", 250);
		lmtp_expect(lmtp, "DATA", 354);
		g_assert_true(lmtp_write(lmtp, "Subject: long\r\n\r\n", 17));
		g_assert_true(lmtp_write(lmtp, line, 64 * 1024 + 2));
		g_assert_true(lmtp_write(lmtp, ".\r\n", 3));
		reply = lmtp_read_reply(lmtp);
		g_test_message("huge data line: \"%s\"", reply ? reply : "(closed)");
		ASSERT_UINT(reply_code(reply) / 100, 5);
		lmtp_expect(lmtp, "NOOP", 250);
		lmtp_expect(lmtp, "QUIT", 221);
	}
	assert_still_serving(f, &expected);

	/* a peer that connects and vanishes mid-DATA */
	{
		g_autoptr(Lmtp) lmtp = lmtp_connect(f);

		lmtp_expect(lmtp, "LHLO client.example", 250);
		lmtp_expect(lmtp,
			    "MAIL FROM:<"
			    "alice@example.com"
			    ">",
			    250);
		lmtp_expect(lmtp, "RCPT TO:<" LIST ">", 250);
		lmtp_expect(lmtp, "DATA", 354);
		g_assert_true(lmtp_write(lmtp, "Subject: half\r\n\r\nhalf a mess", 28));
	}
	assert_still_serving(f, &expected);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), expected);
	ASSERT_UINT(queue_count_files(f, "bad"), 0);
}

/* One transaction for several addresses: each recipient gets its own reply and its own fate. */
static void
test_lmtp_multiple_recipients(Fixture *f, gconstpointer data)
{
	static const gchar *const recipients[] = {LIST, LIST_OWNER, "other@" LIST_DOMAIN, NULL};
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *message =
		make_message(ALICE, LIST ", other@" LIST_DOMAIN, "to both lists", message_id, NULL);
	g_autofree gchar *created = NULL;
	g_autofree gchar *added = NULL;
	g_autoptr(Lmtp) lmtp = NULL;
	g_autoptr(GPtrArray) rcpt_replies = NULL;
	g_autoptr(GPtrArray) data_replies = NULL;
	g_auto(GStrv) team = members_upto(3);
	g_assert_nonnull(team);

	setup_list(f, 3);
	created = cli_ok(f, NULL, "create", "other@" LIST_DOMAIN, NULL);
	added = cli_ok(f, "alice@example.com\n" DAVE_ADDRESS "\n", "addmembers",
		       "other@" LIST_DOMAIN, "-", NULL);
	daemon_start(f);
	lmtp = lmtp_connect(f);
	lmtp_expect(lmtp, "LHLO client.example", 250);
	data_replies = lmtp_transaction(lmtp, ALICE, recipients, message, &rcpt_replies);
	ASSERT_UINT(data_replies->len, 3);
	for (guint i = 0; i < 3; i++) {
		ASSERT_UINT(reply_code(g_ptr_array_index(rcpt_replies, i)), 250);
		ASSERT_UINT(reply_code(g_ptr_array_index(data_replies, i)), 250);
	}
	lmtp_expect(lmtp, "QUIT", 221);
	/* team: 3 members; owner: 1 forward; other: alice and dave */
	wait_sink(f, 3 + 1 + 2);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 6);
	ASSERT_UINT(copies_to(f, message_id, OWNER), 1);
	ASSERT_UINT(copies_to(f, message_id, ALICE), 2); /* one per list */
	ASSERT_UINT(copies_to(f, message_id, BOB), 1);
	ASSERT_UINT(copies_to(f, message_id, CAROL), 1);
	ASSERT_UINT(copies_to(f, message_id, DAVE), 1);
	{
		g_autoptr(GPtrArray) transactions = transactions_of(f, message_id);
		guint other = 0;

		for (guint i = 0; i < transactions->len; i++) {
			Received *copy = g_ptr_array_index(transactions, i);

			if (g_str_equal(copy->raw->mail_from, "other-bounces@" LIST_DOMAIN)) {
				other++;
				ASSERT_CONTAINS(received_header(copy, "List-Id"),
						"<other.lists.example.org>");
				ASSERT_STR(g_mime_message_get_subject(copy->mime),
					   "[Other] to both lists");
			}
		}
		ASSERT_UINT(other, 1);
	}
}

/* A client that sends a whole transaction in one write (RFC 2920) gets every reply in order. */
static void
test_lmtp_pipelining(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *message = make_message(BOB, LIST, "pipelined", message_id, NULL);
	g_autoptr(GBytes) content = data_content(message, strlen(message));
	g_autoptr(GString) batch = g_string_new(NULL);
	g_autoptr(Lmtp) lmtp = NULL;
	g_auto(GStrv) recipients = members_upto(3);
	static const guint want[] = {250, 250, 550, 250, 354, 250, 221};

	setup_list(f, 3);
	daemon_start(f);
	lmtp = lmtp_connect(f);
	g_string_append(batch, "LHLO client.example\r\n"
			       "MAIL FROM:<bob@example.com>\r\n"
			       "RCPT TO:<nobody@" LIST_DOMAIN ">\r\n"
			       "RCPT TO:<" LIST ">\r\n"
			       "DATA\r\n");
	/* RFC 2920 §3.1: DATA is the last command of a batch; the content follows its 354 */
	g_assert_true(lmtp_write(lmtp, batch->str, batch->len));
	for (guint i = 0; i < 5; i++) {
		g_autofree gchar *reply = lmtp_read_reply(lmtp);

		ASSERT_UINT(reply_code(reply), want[i]);
	}
	g_string_truncate(batch, 0);
	g_string_append_len(batch, g_bytes_get_data(content, NULL), g_bytes_get_size(content));
	g_string_append(batch, "QUIT\r\n");
	g_assert_true(lmtp_write(lmtp, batch->str, batch->len));
	for (guint i = 5; i < G_N_ELEMENTS(want); i++) {
		g_autofree gchar *reply = lmtp_read_reply(lmtp);

		ASSERT_UINT(reply_code(reply), want[i]);
	}
	wait_sink(f, 3);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
}

typedef struct {
	guint16 port;
	guint client;
	guint n_messages;
	GPtrArray *ids; /* (owned) */
	guint failures; /* replies other than 250 */
} ClientJob;

static gpointer
client_thread(gpointer data)
{
	ClientJob *job = data;
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnectable) address = NULL;
	g_autoptr(GError) error = NULL;
	Lmtp lmtp = {0};
	g_autofree gchar *greeting = NULL;
	g_autofree gchar *lhlo = NULL;

	g_socket_client_set_timeout(client, TIMEOUT_MS / 1000);
	g_socket_client_set_enable_proxy(client, FALSE); /* loopback; no proxy module loaded */
	address =
		G_SOCKET_CONNECTABLE(g_inet_socket_address_new_from_string("127.0.0.1", job->port));
	lmtp.connection = g_socket_client_connect(client, address, NULL, &error);
	if (lmtp.connection == NULL) {
		job->failures = job->n_messages;
		return NULL;
	}
	lmtp.in =
		g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(lmtp.connection)));
	g_data_input_stream_set_newline_type(lmtp.in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
	lmtp.out = g_io_stream_get_output_stream(G_IO_STREAM(lmtp.connection));
	greeting = lmtp_read_reply(&lmtp);
	lhlo = lmtp_command(&lmtp, "LHLO client.example");
	for (guint i = 0; i < job->n_messages; i++) {
		g_autofree gchar *message_id = g_strdup_printf("c%u-m%u.%08x@client.example",
							       job->client, i, g_random_int());
		g_autofree gchar *subject = g_strdup_printf("client %u message %u", job->client, i);
		const gchar *from = member_addresses[job->client % 3];
		g_autofree gchar *message = make_message(from, LIST, subject, message_id, NULL);
		g_autofree gchar *mail = g_strdup_printf("MAIL FROM:<%s>", from);
		g_autofree gchar *mail_reply = lmtp_command(&lmtp, mail);
		g_autofree gchar *rcpt_reply = lmtp_command(&lmtp, "RCPT TO:<" LIST ">");
		g_autofree gchar *data_reply = lmtp_command(&lmtp, "DATA");
		g_autoptr(GBytes) content = data_content(message, strlen(message));
		g_autofree gchar *final = NULL;

		if (reply_code(data_reply) == 354 &&
		    lmtp_write(&lmtp, g_bytes_get_data(content, NULL), g_bytes_get_size(content)))
			final = lmtp_read_reply(&lmtp);
		if (reply_code(mail_reply) != 250 || reply_code(rcpt_reply) != 250 ||
		    reply_code(final) != 250)
			job->failures++;
		else
			g_ptr_array_add(job->ids, g_steal_pointer(&message_id));
	}
	g_free(lmtp_command(&lmtp, "QUIT"));
	g_clear_object(&lmtp.in);
	g_io_stream_close(G_IO_STREAM(lmtp.connection), NULL, NULL);
	g_clear_object(&lmtp.connection);
	return NULL;
}

static void
test_lmtp_concurrent_sessions(Fixture *f, gconstpointer data)
{
	const guint n_clients = 8;
	const guint n_messages = 5;
	g_auto(GStrv) recipients = members_upto(3);
	ClientJob jobs[8];
	GThread *threads[8];

	setup_list(f, 3);
	daemon_start(f);
	for (guint i = 0; i < n_clients; i++) {
		jobs[i] = (ClientJob){.port = f->lmtp_port,
				      .client = i,
				      .n_messages = n_messages,
				      .ids = g_ptr_array_new_with_free_func(g_free)};
		threads[i] = g_thread_new("lmtp-client", client_thread, &jobs[i]);
	}
	for (guint i = 0; i < n_clients; i++)
		g_thread_join(threads[i]);
	for (guint i = 0; i < n_clients; i++)
		ASSERT_UINT(jobs[i].failures, 0);
	wait_sink(f, n_clients * n_messages * 3);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), n_clients * n_messages * 3);
	for (guint i = 0; i < n_clients; i++) {
		for (guint m = 0; m < jobs[i].ids->len; m++)
			assert_delivered_once(f, g_ptr_array_index(jobs[i].ids, m),
					      (const gchar *const *)recipients);
		g_ptr_array_unref(jobs[i].ids);
	}
}

/* SIGTERM with a client connected: the daemon says 421 and exits promptly, status 0. */
static void
test_lmtp_sigterm_with_open_session(Fixture *f, gconstpointer data)
{
	g_autoptr(Lmtp) idle = NULL;
	g_autoptr(Lmtp) mid_transaction = NULL;
	g_autofree gchar *reply = NULL;
	g_autofree gchar *reply2 = NULL;
	gint64 start;

	setup_list(f, 3);
	daemon_start(f);
	idle = lmtp_connect(f);
	lmtp_expect(idle, "LHLO client.example", 250);
	mid_transaction = lmtp_connect(f);
	lmtp_expect(mid_transaction, "LHLO client.example", 250);
	lmtp_expect(mid_transaction, "MAIL FROM:<alice@example.com>", 250);
	lmtp_expect(mid_transaction, "RCPT TO:<" LIST ">", 250);
	start = g_get_monotonic_time();
	daemon_stop(f);
	g_test_message("stopped in %" G_GINT64_FORMAT " ms with two sessions open",
		       (g_get_monotonic_time() - start) / 1000);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_USEC_PER_SEC);
	reply = lmtp_read_reply(idle);
	reply2 = lmtp_read_reply(mid_transaction);
	g_test_message("idle session got \"%s\", open transaction got \"%s\"",
		       reply ? reply : "(closed)", reply2 ? reply2 : "(closed)");
	ASSERT_UINT(reply_code(reply), 421);
	ASSERT_UINT(reply_code(reply2), 421);
	ASSERT_UINT(queue_busy(f), 0);
}

/* ==== 8. the command line ==================================================================== */

static void
test_cli_create_lists_remove(Fixture *f, gconstpointer data)
{
	g_autofree gchar *created = NULL;
	g_autofree gchar *lists = NULL;
	g_autofree gchar *removed = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *owners = NULL;
	g_autoptr(CliResult) duplicate = NULL;
	g_autoptr(CliResult) bad_name = NULL;
	g_autoptr(CliResult) reserved = NULL;
	g_autoptr(CliResult) bad_style = NULL;
	g_autoptr(CliResult) bad_owner = NULL;
	g_autoptr(CliResult) remove_unknown = NULL;
	g_autoptr(CliResult) no_args = NULL;
	g_autoptr(CliResult) extra_args = NULL;

	created = cli_ok(f, NULL, "create", LIST, "--owner", OWNER, "--owner",
			 "second-owner@example.com", NULL);
	ASSERT_STR(created, "Created list " LIST "\n");
	g_free(created);
	created = cli_ok(f, NULL, "create", "News@" LIST_DOMAIN, "--style", "announce", NULL);
	ASSERT_CONTAINS(created, "news@" LIST_DOMAIN);
	lists = cli_ok(f, NULL, "lists", NULL);
	ASSERT_CONTAINS(lists, LIST "\n");
	ASSERT_CONTAINS(lists, "news@" LIST_DOMAIN "\n");
	owners = cli_ok(f, NULL, "members", LIST, "--role", "owner", NULL);
	ASSERT_STR(owners, OWNER "\nsecond-owner@example.com\n");

	duplicate = cli_run(f, NULL, "create", LIST, NULL);
	assert_cli_error(duplicate, NULL);
	bad_name = cli_run(f, NULL, "create", "no-domain", NULL);
	assert_cli_error(bad_name, "no-domain");
	reserved = cli_run(f, NULL, "create", "sales-owner@" LIST_DOMAIN, NULL);
	assert_cli_error(reserved, "-owner");
	bad_style = cli_run(f, NULL, "create", "x@" LIST_DOMAIN, "--style", "chatty", NULL);
	assert_cli_error(bad_style, "chatty");
	bad_owner = cli_run(f, NULL, "create", "y@" LIST_DOMAIN, "--owner", "not an address", NULL);
	assert_cli_error(bad_owner, "not an address");
	no_args = cli_run(f, NULL, "create", NULL);
	assert_cli_error(no_args, "usage");
	extra_args = cli_run(f, NULL, "lists", "extra", NULL);
	assert_cli_error(extra_args, "usage");

	removed = cli_ok(f, NULL, "remove", "news@" LIST_DOMAIN, NULL);
	ASSERT_CONTAINS(removed, "news@" LIST_DOMAIN);
	after = cli_ok(f, NULL, "lists", NULL);
	ASSERT_STR(after, LIST "\n");
	remove_unknown = cli_run(f, NULL, "remove", "news@" LIST_DOMAIN, NULL);
	assert_cli_error(remove_unknown, "news@" LIST_DOMAIN);
}

static void
test_cli_members(Fixture *f, gconstpointer data)
{
	g_autofree gchar *file = g_build_filename(f->dir, "members.txt", NULL);
	g_autofree gchar *added = NULL;
	g_autofree gchar *again = NULL;
	g_autofree gchar *members = NULL;
	g_autofree gchar *removed = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *nonmembers = NULL;
	g_autoptr(CliResult) unknown_list = NULL;
	g_autoptr(CliResult) bad_role = NULL;
	g_autoptr(CliResult) not_member = NULL;
	g_autoptr(CliResult) missing_file = NULL;
	g_autoptr(GError) error = NULL;

	g_file_set_contents(file,
			    "# subscribers\n"
			    "alice@example.com\n"
			    "\n"
			    "Bob Example <BOB@Example.COM>\n"
			    "carol@example.com\n",
			    -1, &error);
	g_assert_no_error(error);
	added = cli_ok(f, NULL, "create", LIST, NULL);
	g_free(added);
	added = cli_ok(f, NULL, "addmembers", LIST, file, NULL);
	ASSERT_STR(added, "Added 3 members to " LIST "\n");
	again = cli_ok(f, "alice@example.com\ndave@example.com\n", "addmembers", LIST, "-", NULL);
	ASSERT_CONTAINS(again, "Already a member: alice@example.com");
	ASSERT_CONTAINS(again, "Added 1 member to " LIST);
	members = cli_ok(f, NULL, "members", LIST, NULL);
	ASSERT_CONTAINS(members, "alice@example.com\n");
	ASSERT_CONTAINS(members, "Bob Example <bob@example.com>\n");
	ASSERT_CONTAINS(members, "carol@example.com\n");
	ASSERT_CONTAINS(members, "dave@example.com\n");
	nonmembers = cli_ok(f, NULL, "members", LIST, "--role", "nonmember", NULL);
	ASSERT_STR(nonmembers, "");

	removed = cli_ok(f, "dave@example.com\n", "delmembers", LIST, "-", NULL);
	ASSERT_STR(removed, "Removed 1 member from " LIST "\n");
	/* all or nothing: carol stays when the second line is not a member */
	not_member = cli_run(f, "carol@example.com\nnobody@example.com\n", "delmembers", LIST, "-",
			     NULL);
	assert_cli_error(not_member, "nobody@example.com");
	after = cli_ok(f, NULL, "members", LIST, NULL);
	ASSERT_CONTAINS(after, "carol@example.com\n");
	g_assert_null(strstr(after, "dave@"));

	unknown_list = cli_run(f, NULL, "members", "nope@" LIST_DOMAIN, NULL);
	assert_cli_error(unknown_list, "nope@" LIST_DOMAIN);
	bad_role = cli_run(f, NULL, "members", LIST, "--role", "king", NULL);
	assert_cli_error(bad_role, "king");
	missing_file = cli_run(f, NULL, "addmembers", LIST, "/nonexistent/members.txt", NULL);
	assert_cli_error(missing_file, "/nonexistent/members.txt");
}

static void
test_cli_addmembers_bad_line(Fixture *f, gconstpointer data)
{
	g_autofree gchar *file = g_build_filename(f->dir, "bad-members.txt", NULL);
	g_autofree gchar *want = g_strdup_printf("%s:3", file);
	g_autofree gchar *created = NULL;
	g_autofree gchar *members = NULL;
	g_autoptr(CliResult) result = NULL;
	g_autoptr(CliResult) from_stdin = NULL;
	g_autoptr(GError) error = NULL;

	g_file_set_contents(file,
			    "alice@example.com\n"
			    "Bob <bob@example.com>\n"
			    "this is not an address\n"
			    "carol@example.com\n",
			    -1, &error);
	g_assert_no_error(error);
	created = cli_ok(f, NULL, "create", LIST, NULL);
	result = cli_run(f, NULL, "addmembers", LIST, file, NULL);
	assert_cli_error(result, want);
	members = cli_ok(f, NULL, "members", LIST, NULL);
	ASSERT_STR(members, "");

	from_stdin =
		cli_run(f, "ok@example.com\nbad@@example.com\n", "addmembers", LIST, "-", NULL);
	assert_cli_error(from_stdin, ":2");
	g_free(members);
	members = cli_ok(f, NULL, "members", LIST, NULL);
	ASSERT_STR(members, "");
}

static void
test_cli_listconf(Fixture *f, gconstpointer data)
{
	g_autofree gchar *all = NULL;
	g_autofree gchar *value = NULL;
	g_autofree gchar *set = NULL;
	g_autofree gchar *lists = NULL;
	g_autoptr(CliResult) unknown_key = NULL;
	g_autoptr(CliResult) bad_bool = NULL;
	g_autoptr(CliResult) bad_uint = NULL;
	g_autoptr(CliResult) bad_action = NULL;
	g_autoptr(CliResult) bad_regex = NULL;
	g_autoptr(CliResult) unknown_list = NULL;
	g_autoptr(CliResult) too_many = NULL;

	setup_list(f, 1);
	all = cli_ok(f, NULL, "listconf", LIST, NULL);
	ASSERT_CONTAINS(all, "subject_prefix: [$display_name] \n");
	ASSERT_CONTAINS(all, "default_nonmember_action: hold\n");
	ASSERT_CONTAINS(all, "msg_footer:\n");

	set = cli_ok(f, NULL, "listconf", LIST, "description", "Team talk", NULL);
	value = cli_ok(f, NULL, "listconf", LIST, "description", NULL);
	ASSERT_STR(value, "Team talk\n");
	lists = cli_ok(f, NULL, "lists", NULL);
	ASSERT_STR(lists, LIST " - Team talk\n");
	g_free(set);
	set = cli_ok(f, NULL, "listconf", LIST, "emergency", "true", NULL);
	g_free(value);
	value = cli_ok(f, NULL, "listconf", LIST, "emergency", NULL);
	ASSERT_STR(value, "true\n");
	g_free(set);
	set = cli_ok(f, NULL, "listconf", LIST, "moderator_password", "hunter2", NULL);
	g_free(value);
	value = cli_ok(f, NULL, "listconf", LIST, "moderator_password", NULL);
	ASSERT_STR(value, "(set)\n");
	g_free(all);
	all = cli_ok(f, NULL, "listconf", LIST, NULL);
	g_assert_null(strstr(all, "hunter2"));

	unknown_key = cli_run(f, NULL, "listconf", LIST, "no_such_setting", NULL);
	assert_cli_error(unknown_key, "no_such_setting");
	bad_bool = cli_run(f, NULL, "listconf", LIST, "emergency", "maybe", NULL);
	assert_cli_error(bad_bool, NULL);
	bad_uint = cli_run(f, NULL, "listconf", LIST, "max_num_recipients", "-3", NULL);
	assert_cli_error(bad_uint, NULL);
	bad_action =
		cli_run(f, NULL, "listconf", LIST, "default_nonmember_action", "explode", NULL);
	assert_cli_error(bad_action, NULL);
	bad_regex = cli_run(f, NULL, "listconf", LIST, "banned_addresses", "^([unclosed", NULL);
	assert_cli_error(bad_regex, NULL);
	unknown_list = cli_run(f, NULL, "listconf", "nope@" LIST_DOMAIN, NULL);
	assert_cli_error(unknown_list, "nope@" LIST_DOMAIN);
	too_many = cli_run(f, NULL, "listconf", LIST, "description", "a", "b", NULL);
	assert_cli_error(too_many, "usage");
	/* the failed sets changed nothing */
	g_free(value);
	value = cli_ok(f, NULL, "listconf", LIST, "emergency", NULL);
	ASSERT_STR(value, "true\n");
}

static void
test_cli_listconf_live(Fixture *f, gconstpointer data)
{
	g_autofree gchar *first = NULL;
	g_autofree gchar *second = NULL;
	g_autofree gchar *set = NULL;
	g_autoptr(GPtrArray) transactions = NULL;

	setup_list(f, 3);
	daemon_start(f);
	first = post(f, ALICE, "first");
	wait_sink(f, 3);
	wait_idle(f);
	set = cli_ok(f, NULL, "listconf", LIST, "subject_prefix", "{team} ", NULL);
	second = post(f, ALICE, "second");
	wait_sink(f, 6);
	wait_idle(f);

	transactions = transactions_of(f, first);
	ASSERT_STR(
		g_mime_message_get_subject(((Received *)g_ptr_array_index(transactions, 0))->mime),
		PREFIX "first");
	g_ptr_array_unref(transactions);
	transactions = transactions_of(f, second);
	ASSERT_STR(
		g_mime_message_get_subject(((Received *)g_ptr_array_index(transactions, 0))->mime),
		"{team} second");
}

static void
test_cli_aliases(Fixture *f, gconstpointer data)
{
	static const gchar *const suffixes[] = {"-request", "-owner",   "-bounces", "-join",
						"-leave",   "-confirm", NULL};
	g_autofree gchar *aliases = NULL;
	g_autofree gchar *created = NULL;
	g_auto(GStrv) lines = NULL;
	guint n_lines = 0;

	g_key_file_set_integer(f->config, "lmtp", "port", 2424);
	created = cli_ok(f, NULL, "create", LIST, NULL);
	g_free(created);
	created = cli_ok(f, NULL, "create", "news@" LIST_DOMAIN, NULL);
	aliases = cli_ok(f, NULL, "aliases", NULL);
	ASSERT_CONTAINS(aliases, LIST "\tlmtp:inet:127.0.0.1:2424\n");
	for (guint i = 0; suffixes[i] != NULL; i++) {
		g_autofree gchar *line = g_strdup_printf(
			"team%s@" LIST_DOMAIN "\tlmtp:inet:127.0.0.1:2424\n", suffixes[i]);
		g_autofree gchar *news = g_strdup_printf(
			"news%s@" LIST_DOMAIN "\tlmtp:inet:127.0.0.1:2424\n", suffixes[i]);

		ASSERT_CONTAINS(aliases, line);
		ASSERT_CONTAINS(aliases, news);
	}
	lines = g_strsplit(aliases, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++)
		if (lines[i][0] != '\0' && lines[i][0] != '#')
			n_lines++;
	ASSERT_UINT(n_lines, 2 * (1 + g_strv_length((gchar **)suffixes)));
}

static void
test_cli_conf_info(Fixture *f, gconstpointer data)
{
	g_autofree gchar *conf = NULL;
	g_autofree gchar *info = NULL;
	g_autofree gchar *port_line =
		g_strdup_printf("port = %u", (guint)pgl_smtp_sink_get_port(f->sink));
	g_autoptr(CliResult) conf_extra = NULL;

	g_key_file_set_string(f->config, "smtp", "password", "do-not-print-me");
	g_key_file_set_string(f->config, "smtp", "user", "relayuser");
	setup_list(f, 2);
	conf = cli_ok(f, NULL, "conf", NULL);
	ASSERT_CONTAINS(conf, "[smtp]");
	ASSERT_CONTAINS(conf, port_line);
	ASSERT_CONTAINS(conf, "relayuser");
	ASSERT_CONTAINS(conf, "(set)");
	g_assert_null(strstr(conf, "do-not-print-me"));
	ASSERT_CONTAINS(conf, f->var_dir);
	ASSERT_CONTAINS(conf, "retry_initial_delay = 1");
	/* defaults are shown too */
	ASSERT_CONTAINS(conf, "[limits]");
	ASSERT_CONTAINS(conf, "max_recipients = 500");

	info = cli_ok(f, NULL, "info", NULL);
	ASSERT_CONTAINS(info, f->config_path);
	ASSERT_CONTAINS(info, f->var_dir);
	ASSERT_CONTAINS(info, "lists: 1\n");
	ASSERT_UINT(info_queue(info, "in"), 0);
	ASSERT_UINT(info_queue(info, "retry"), 0);
	ASSERT_UINT(info_queue(info, "bad"), 0);
	conf_extra = cli_run(f, NULL, "conf", "extra", NULL);
	assert_cli_error(conf_extra, "usage");
	{
		/* without --config: the built-in defaults */
		const gchar *args[] = {"conf", NULL};
		g_autoptr(CliResult) defaults = cli_runv(NULL, NULL, args);

		assert_cli_ok(defaults);
		ASSERT_CONTAINS(defaults->out, "port = 8024");
	}
}

static void
assert_bad_config(Fixture *f, const gchar *contents, guint line, const gchar *needle)
{
	g_autofree gchar *path = g_build_filename(f->dir, "bad.conf", NULL);
	g_autofree gchar *want = g_strdup_printf("%s:%u", path, line);
	g_autoptr(GError) error = NULL;
	const gchar *args[] = {"lists", NULL};
	const gchar *serve_args[] = {"serve", NULL};
	g_autoptr(CliResult) result = NULL;
	g_autoptr(CliResult) serve = NULL;

	g_file_set_contents(path, contents, -1, &error);
	g_assert_no_error(error);
	result = cli_runv(path, NULL, args);
	assert_cli_error(result, want);
	if (needle != NULL)
		ASSERT_CONTAINS(result->err, needle);
	/* the daemon refuses to start the same way */
	serve = cli_runv(path, NULL, serve_args);
	assert_cli_error(serve, want);
}

static void
test_cli_bad_config(Fixture *f, gconstpointer data)
{
	assert_bad_config(f,
			  "[paths]\n"
			  "var_dir = /tmp/unused\n"
			  "[smtp]\n"
			  "host = 127.0.0.1\n"
			  "prot = 25\n",
			  5, "prot");
	assert_bad_config(f,
			  "# a comment\n"
			  "[smpt]\n"
			  "host = 127.0.0.1\n",
			  2, "smpt");
	assert_bad_config(f,
			  "[smtp]\n"
			  "\n"
			  "security = startls\n",
			  3, "startls");
	assert_bad_config(f,
			  "[lmtp]\n"
			  "port = 99999\n",
			  2, "99999");
	assert_bad_config(f,
			  "[limits]\n"
			  "message_max = 10\n",
			  2, "message_max");
	{
		const gchar *args[] = {"lists", NULL};
		g_autoptr(CliResult) missing = cli_runv("/nonexistent/pgplist.conf", NULL, args);

		assert_cli_error(missing, "/nonexistent/pgplist.conf");
	}
}

static void
test_cli_usage_errors(Fixture *f, gconstpointer data)
{
	static const gchar *const commands[][5] = {
		{"held", NULL},
		{"held", LIST, "extra", NULL},
		{"moderate", LIST, "1", NULL},
		{"inject", NULL},
		{"addmembers", LIST, NULL},
		{"delmembers", NULL},
		{"members", NULL},
		{"remove", NULL},
		{"serve", "now", NULL},
		{"aliases", "x", NULL},
		{"info", "x", NULL},
	};
	g_autoptr(CliResult) unknown_command = NULL;
	g_autoptr(CliResult) unknown_option = NULL;
	g_autoptr(CliResult) no_command = NULL;
	g_autoptr(CliResult) inject_unknown = NULL;
	g_autoptr(CliResult) held_unknown = NULL;
	g_autofree gchar *help = NULL;

	setup_list(f, 1);
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autoptr(CliResult) result = NULL;

		config_write(f);
		result = cli_runv(f->config_path, NULL, commands[i]);
		g_test_message("pgplist %s ...: %s", commands[i][0], result->err);
		assert_cli_error(result, "usage");
	}
	unknown_command = cli_run(f, NULL, "frobnicate", NULL);
	assert_cli_error(unknown_command, "frobnicate");
	unknown_option = cli_run(f, NULL, "--frob", "lists", NULL);
	assert_cli_error(unknown_option, "--frob");
	no_command = cli_run(f, NULL, NULL);
	assert_cli_error(no_command, "no command given");
	inject_unknown = cli_run(f, "Subject: x\n\nx\n", "inject", "nope@" LIST_DOMAIN, NULL);
	assert_cli_error(inject_unknown, "nope@" LIST_DOMAIN);
	held_unknown = cli_run(f, NULL, "held", "nope@" LIST_DOMAIN, NULL);
	assert_cli_error(held_unknown, "nope@" LIST_DOMAIN);
	help = cli_ok(f, NULL, "--help", NULL);
	ASSERT_CONTAINS(help, "moderate");
}

static void
test_cli_inject(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *message = make_message(CAROL, LIST, "injected", message_id, NULL);
	g_autofree gchar *file = g_build_filename(f->dir, "post.eml", NULL);
	g_autofree gchar *file_id = new_message_id(f);
	g_autofree gchar *file_message = make_message(BOB, LIST, "from a file", file_id, NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *out_file = NULL;
	g_autoptr(GError) error = NULL;

	setup_list(f, 3);
	daemon_start(f);
	out = cli_ok(f, message, "inject", LIST, NULL);
	ASSERT_CONTAINS(out, "Queued as ");
	g_file_set_contents(file, file_message, -1, &error);
	g_assert_no_error(error);
	out_file = cli_ok(f, NULL, "inject", LIST, file, NULL);
	ASSERT_CONTAINS(out_file, "Queued as ");
	wait_sink(f, 6);
	wait_idle(f);
	assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	assert_delivered_once(f, file_id, (const gchar *const *)recipients);
}

/* ==== 9. messages that cannot be parsed ====================================================== */

/* A message queued for a list that is removed before it is processed is kept, not lost. */
static void
test_bad_list_removed(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *message = make_message(ALICE, LIST, "orphaned", message_id, NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *removed = NULL;
	g_autofree gchar *created = NULL;
	g_autofree gchar *added = NULL;
	g_autofree gchar *other_id = new_message_id(f);
	g_autofree gchar *other =
		make_message(ALICE, "other@" LIST_DOMAIN, "still working", other_id, NULL);

	setup_list(f, 3);
	created = cli_ok(f, NULL, "create", "other@" LIST_DOMAIN, NULL);
	added = cli_ok(f, "alice@example.com\n", "addmembers", "other@" LIST_DOMAIN, "-", NULL);
	out = cli_ok(f, message, "inject", LIST, NULL);
	removed = cli_ok(f, NULL, "remove", LIST, NULL);
	daemon_start(f);
	ASSERT_UINT(lmtp_send(f, ALICE, "other@" LIST_DOMAIN, other), 250);
	wait_sink(f, 1);
	wait_idle(f);
	ASSERT_UINT(copies_to(f, other_id, ALICE), 1);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
	ASSERT_UINT(queue_count_files(f, "bad"), 1);
}

static void
test_bad_mime_depth(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) message = g_string_new(NULL);
	g_autofree gchar *message_id = new_message_id(f);
	g_autofree gchar *date = rfc5322_date();
	g_autoptr(GPtrArray) notices = NULL;
	const guint depth = 6;

	g_key_file_set_integer(f->config, "limits", "mime_depth_max", 2);
	setup_list(f, 3);
	daemon_start(f);

	g_string_append_printf(message,
			       "From: %s\nTo: %s\nSubject: Russian dolls\nMessage-ID: <%s>\n"
			       "Date: %s\nMIME-Version: 1.0\n"
			       "Content-Type: multipart/mixed; boundary=\"b0\"\n\n",
			       ALICE, LIST, message_id, date);
	for (guint level = 1; level < depth; level++)
		g_string_append_printf(message,
				       "--b%u\nContent-Type: multipart/mixed; boundary=\"b%u\"\n\n",
				       level - 1, level);
	g_string_append_printf(message, "--b%u\nContent-Type: text/plain\n\ndeep inside\n",
			       depth - 1);
	for (guint level = depth; level > 0; level--)
		g_string_append_printf(message, "--b%u--\n", level - 1);

	ASSERT_UINT(lmtp_send(f, ALICE, LIST, message->str), 250);
	wait_sink(f, 1);
	wait_idle(f);
	ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
	notices = messages_to(f, ALICE, "could not be posted");
	if (notices->len != 1) {
		dump_received(f);
		g_assert_cmpuint(notices->len, ==, 1);
	}
	ASSERT_STR(((Received *)g_ptr_array_index(notices, 0))->raw->mail_from, LIST_BOUNCES);
	g_test_message("notice: %s", ((Received *)g_ptr_array_index(notices, 0))->text);
	ASSERT_UINT(copies_to(f, message_id, BOB), 0);
	/* not lost: kept in the bad queue */
	ASSERT_UINT(queue_count_files(f, "bad"), 1);
}

/* ---- main -------------------------------------------------------------------------------- */

/* Waits (at most 2 s) until GLib's idle pool threads have exited; see main(). */
static void
wait_for_pool_threads(void)
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
		g_usleep(POLL_MS * 1000);
	}
}

/* ==== 9. PGP keys ============================================================================ */

/* gpg plays the subscribers' client and checks what pgplist exports, in a GNUPGHOME of the
 * test's own (under its temporary directory, so its agent's socket path stays short), with
 * --batch --pinentry-mode loopback and no DISPLAY/GPG_TTY; its agent is stopped at tear-down. */

/* Runs `gpg ARGS...` with @passphrase for any secret key, feeding @stdin_text. */
static CliResult *gpg_run(Fixture *f, const gchar *passphrase, const gchar *stdin_text, ...)
	G_GNUC_NULL_TERMINATED;

static CliResult *
gpg_run(Fixture *f, const gchar *passphrase, const gchar *stdin_text, ...)
{
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
					  G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					  G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GError) error = NULL;
	CliResult *result = g_new0(CliResult, 1);
	const gchar *arg;
	va_list ap;

	if (f->gnupg_home == NULL) {
		g_autofree gchar *gpgconf = g_find_program_in_path("gpgconf");

		f->gnupg_home = g_build_filename(f->dir, "gnupg", NULL);
		g_assert_cmpint(g_mkdir(f->gnupg_home, 0700), ==, 0);
		g_assert_nonnull(gpgconf);
		g_strlcpy(abort_gpgconf, gpgconf, sizeof abort_gpgconf);
		g_strlcpy(abort_gnupg_home, f->gnupg_home, sizeof abort_gnupg_home);
	}
	g_subprocess_launcher_unsetenv(launcher, "DISPLAY");
	g_subprocess_launcher_unsetenv(launcher, "GPG_TTY");
	g_subprocess_launcher_unsetenv(launcher, "GPG_AGENT_INFO");
	g_subprocess_launcher_setenv(launcher, "GNUPGHOME", f->gnupg_home, TRUE);
	g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
	g_ptr_array_add(argv, (gpointer) "gpg");
	g_ptr_array_add(argv, (gpointer) "--batch");
	g_ptr_array_add(argv, (gpointer) "--no-tty");
	g_ptr_array_add(argv, (gpointer) "--yes");
	g_ptr_array_add(argv, (gpointer) "--pinentry-mode");
	g_ptr_array_add(argv, (gpointer) "loopback");
	g_ptr_array_add(argv, (gpointer) "--passphrase");
	g_ptr_array_add(argv, (gpointer)passphrase);
	va_start(ap, stdin_text);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	process = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(process, stdin_text, NULL, &result->out, &result->err,
				      &error);
	g_assert_no_error(error);
	result->status =
		g_subprocess_get_if_exited(process) ? g_subprocess_get_exit_status(process) : -1;
	if (result->out == NULL)
		result->out = g_strdup("");
	if (result->err == NULL)
		result->err = g_strdup("");
	return result;
}

#define GPG_OK(result)                                                                             \
	G_STMT_START                                                                               \
	{                                                                                          \
		if ((result)->status != 0) {                                                       \
			g_test_message("gpg: got exit status %d (stderr \"%s\"), want 0",          \
				       (result)->status, (result)->err);                           \
			g_assert_cmpint((result)->status, ==, 0);                                  \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

/* Never leave a gpg-agent behind. */
static void
gpg_stop_agent(Fixture *f)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) process = NULL;

	abort_gnupg_home[0] = '\0';
	if (f->gnupg_home == NULL)
		return;
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
					     G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_subprocess_launcher_setenv(launcher, "GNUPGHOME", f->gnupg_home, TRUE);
	process = g_subprocess_launcher_spawn(launcher, NULL, "gpgconf", "--kill", "all", NULL);
	if (process != NULL)
		g_subprocess_wait(process, NULL, NULL);
}

/* Generates a key for "NAME <ADDRESS>" in gpg (ed25519 + cv25519, gpg 2.2's future-default,
 * no expiry, no passphrase); returns its fingerprint. */
static gchar *
gpg_generate(Fixture *f, const gchar *name, const gchar *address, const gchar *usage)
{
	g_autofree gchar *user_id = g_strdup_printf("%s <%s>", name, address);
	g_autoptr(CliResult) result = gpg_run(f, "", NULL, "--quick-gen-key", user_id,
					      "future-default", usage, "never", NULL);
	g_autoptr(CliResult) listed = NULL;
	g_auto(GStrv) lines = NULL;

	GPG_OK(result);
	listed = gpg_run(f, "", NULL, "--with-colons", "--fingerprint", "--list-keys", user_id,
			 NULL);
	GPG_OK(listed);
	lines = g_strsplit(listed->out, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], "fpr:")) {
			g_auto(GStrv) fields = g_strsplit(lines[i], ":", -1);

			g_assert_cmpuint(g_strv_length(fields), >, 9);
			return g_strdup(fields[9]);
		}
	}
	g_assert_not_reached();
}

/* Writes @text to DIR/@name; returns the path. */
static gchar *
write_file(Fixture *f, const gchar *name, const gchar *text)
{
	gchar *path = g_build_filename(f->dir, name, NULL);
	g_autoptr(GError) error = NULL;

	g_file_set_contents(path, text, -1, &error);
	g_assert_no_error(error);
	return path;
}

/* The value of the first "NAME: value" line of @text (`key show` output). */
static gchar *
show_field(const gchar *text, const gchar *name)
{
	g_autofree gchar *prefix = g_strdup_printf("%s: ", name);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], prefix))
			return g_strdup(lines[i] + strlen(prefix));
	}
	g_test_message("no \"%s\" line in \"%s\"", name, text);
	g_assert_not_reached();
}

/* "List key: FPR" from `create --style pgp-*`. */
static gchar *
created_fingerprint(const gchar *out)
{
	const gchar *line = strstr(out, "List key: ");
	g_autofree gchar *rest = NULL;

	g_assert_nonnull(line);
	rest = g_strdup(line + strlen("List key: "));
	g_strchomp(rest);
	ASSERT_UINT(strlen(rest), 40);
	return g_steal_pointer(&rest);
}

/* A key file of tests/data/pgp/corpus (copies of shared/corpus, see its README), or, for one
 * not copied there, of shared/corpus beside the repository; NULL if there is neither. */
static gchar *
corpus_key(const gchar *copied_name, const gchar *shared_path)
{
	g_autofree gchar *copied =
		g_test_build_filename(G_TEST_DIST, "data", "pgp", "corpus", copied_name, NULL);
	g_autofree gchar *shared = g_build_filename(g_getenv("PGLIST_SOURCE_ROOT"), "..", "shared",
						    "corpus", shared_path, NULL);

	if (g_file_test(copied, G_FILE_TEST_IS_REGULAR))
		return g_steal_pointer(&copied);
	if (g_file_test(shared, G_FILE_TEST_IS_REGULAR))
		return g_steal_pointer(&shared);
	return NULL;
}

static void
test_key_create_generate(Fixture *f, gconstpointer data)
{
	g_autofree gchar *created = NULL;
	g_autofree gchar *fingerprint = NULL;
	g_autofree gchar *show = NULL;
	g_autofree gchar *exported = NULL;
	g_autofree gchar *export_path = NULL;
	g_autofree gchar *gpg_fpr_line = NULL;
	g_autofree gchar *generated = NULL;
	g_autofree gchar *show_after = NULL;
	g_autofree gchar *info = NULL;
	g_autofree gchar *announce = NULL;
	g_autofree gchar *announce_conf = NULL;
	g_autoptr(CliResult) imported = NULL;
	g_autoptr(CliResult) listed = NULL;
	g_autoptr(CliResult) again = NULL;

	created = cli_ok(f, NULL, "create", LIST, "--style", "pgp-discussion", "--owner", OWNER,
			 NULL);
	ASSERT_CONTAINS(created, "Created list " LIST "\n");
	fingerprint = created_fingerprint(created);

	show = cli_ok(f, NULL, "key", "show", LIST, NULL);
	ASSERT_CONTAINS(show, "list: " LIST "\n");
	ASSERT_CONTAINS(show, fingerprint);
	ASSERT_CONTAINS(show, "algorithm: EDDSA 255 (subkeys: ECDH 255)\n");
	ASSERT_CONTAINS(show, "expires: never\n");
	ASSERT_CONTAINS(show, "usable: yes\n");
	ASSERT_CONTAINS(show, "user ID: Team <" LIST ">\n");
	ASSERT_CONTAINS(show, "user ID: <team-request@" LIST_DOMAIN ">\n");

	/* gpg reads the exported public key and sees the same key */
	exported = cli_ok(f, NULL, "key", "export", LIST, NULL);
	g_assert_true(g_str_has_prefix(exported, "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
	g_assert_null(strstr(exported, "PRIVATE"));
	export_path = write_file(f, "list.asc", exported);
	imported = gpg_run(f, "", NULL, "--import", export_path, NULL);
	GPG_OK(imported);
	listed = gpg_run(f, "", NULL, "--with-colons", "--fingerprint", "--list-keys", LIST,
			 NULL);
	GPG_OK(listed);
	gpg_fpr_line = g_strdup_printf("fpr:::::::::%s:", fingerprint);
	ASSERT_CONTAINS(listed->out, gpg_fpr_line);
	ASSERT_CONTAINS(listed->out, "Team <" LIST ">");
	ASSERT_CONTAINS(listed->out, "<team-request@" LIST_DOMAIN ">");
	/* ed25519 that signs and certifies, no expiry (field 7 empty), a cv25519 subkey that
	 * encrypts */
	ASSERT_CONTAINS(listed->out, ":::scESC:::::ed25519:");
	ASSERT_CONTAINS(listed->out, "::::::e:::::cv25519:");

	/* no second key pair by accident */
	again = cli_run(f, NULL, "key", "generate", LIST, NULL);
	assert_cli_error(again, "--force");
	ASSERT_CONTAINS(again->err, fingerprint);
	show_after = cli_ok(f, NULL, "key", "show", LIST, NULL);
	ASSERT_STR(show_after, show);
	generated = cli_ok(f, NULL, "key", "generate", LIST, "--force", NULL);
	ASSERT_CONTAINS(generated, "Replaced key ");
	ASSERT_CONTAINS(generated, fingerprint);
	g_free(show_after);
	show_after = cli_ok(f, NULL, "key", "show", LIST, NULL);
	g_assert_null(strstr(show_after, fingerprint));

	/* pgp-announce: the announce settings plus a key pair */
	announce = cli_ok(f, NULL, "create", "news@" LIST_DOMAIN, "--style", "pgp-announce", NULL);
	ASSERT_CONTAINS(announce, "List key: ");
	announce_conf = cli_ok(f, NULL, "listconf", "news@" LIST_DOMAIN, "default_member_action",
			       NULL);
	ASSERT_STR(announce_conf, "hold\n");
	info = cli_ok(f, NULL, "info", NULL);
	ASSERT_CONTAINS(info, "\nlists: 2\n");
	ASSERT_CONTAINS(info, "\npgp lists: 2\n");
}

static void
test_key_generate_plain_list(Fixture *f, gconstpointer data)
{
	g_autofree gchar *generated = NULL;
	g_autofree gchar *show = NULL;
	g_autofree gchar *info = NULL;
	g_autoptr(CliResult) no_key_show = NULL;
	g_autoptr(CliResult) no_key_export = NULL;
	g_autoptr(CliResult) no_key_secret = NULL;
	g_autoptr(CliResult) unknown_list = NULL;

	/* rsa3072 from the configuration */
	g_key_file_set_string(f->config, "pgp", "key_algorithm", "rsa3072");
	setup_list(f, 0);
	no_key_show = cli_run(f, NULL, "key", "show", LIST, NULL);
	assert_cli_error(no_key_show, "not a PGP list");
	no_key_export = cli_run(f, NULL, "key", "export", LIST, NULL);
	assert_cli_error(no_key_export, "not a PGP list");
	no_key_secret = cli_run(f, NULL, "key", "export", LIST, "--secret", NULL);
	assert_cli_error(no_key_secret, "not a PGP list");
	info = cli_ok(f, NULL, "info", NULL);
	ASSERT_CONTAINS(info, "\npgp lists: 0\n");

	generated = cli_ok(f, NULL, "key", "generate", LIST, NULL);
	ASSERT_CONTAINS(generated, "Generated key ");
	g_assert_null(strstr(generated, "Replaced"));
	show = cli_ok(f, NULL, "key", "show", LIST, NULL);
	ASSERT_CONTAINS(show, "algorithm: RSA 3072 (subkeys: RSA 3072)\n");
	ASSERT_CONTAINS(show, "usable: yes\n");
	unknown_list = cli_run(f, NULL, "key", "generate", "nope@" LIST_DOMAIN, NULL);
	assert_cli_error(unknown_list, "nope@" LIST_DOMAIN);
}

static void
test_key_export_secret_import(Fixture *f, gconstpointer data)
{
	g_autofree gchar *created = NULL;
	g_autofree gchar *fingerprint = NULL;
	g_autofree gchar *secret = NULL;
	g_autofree gchar *secret_path = NULL;
	g_autofree gchar *public_a = NULL;
	g_autofree gchar *public_b = NULL;
	g_autofree gchar *imported = NULL;
	g_autofree gchar *again = NULL;
	g_autofree gchar *show = NULL;
	g_autofree gchar *public_path = NULL;
	g_autofree gchar *garbage_path = NULL;
	g_autofree gchar *two_path = NULL;
	g_autofree gchar *other_secret = NULL;
	g_autofree gchar *other_created = NULL;
	g_autoptr(CliResult) gpg_import = NULL;
	g_autoptr(CliResult) gpg_secret = NULL;
	g_autoptr(CliResult) public_only = NULL;
	g_autoptr(CliResult) garbage = NULL;
	g_autoptr(CliResult) two = NULL;
	g_autoptr(CliResult) missing = NULL;

	created = cli_ok(f, NULL, "create", LIST, "--style", "pgp-discussion", NULL);
	fingerprint = created_fingerprint(created);
	secret = cli_ok(f, NULL, "key", "export", LIST, "--secret", NULL);
	g_assert_true(g_str_has_prefix(secret, "-----BEGIN PGP PRIVATE KEY BLOCK-----"));
	secret_path = write_file(f, "list.sec", secret);

	/* onto another, plain list */
	g_free(created);
	created = cli_ok(f, NULL, "create", "other@" LIST_DOMAIN, NULL);
	imported = cli_ok(f, NULL, "key", "import", "other@" LIST_DOMAIN, secret_path, NULL);
	ASSERT_CONTAINS(imported, fingerprint);
	g_assert_null(strstr(imported, "Replaced"));
	g_assert_null(strstr(imported, "Warning"));
	show = cli_ok(f, NULL, "key", "show", "other@" LIST_DOMAIN, NULL);
	{
		g_autofree gchar *shown = show_field(show, "fingerprint");

		ASSERT_STR(shown, fingerprint);
	}
	/* the user IDs name the first list: that is allowed */
	ASSERT_CONTAINS(show, "user ID: Team <" LIST ">\n");
	public_a = cli_ok(f, NULL, "key", "export", LIST, NULL);
	public_b = cli_ok(f, NULL, "key", "export", "other@" LIST_DOMAIN, NULL);
	ASSERT_STR(public_b, public_a);
	/* importing the same key again replaces nothing */
	again = cli_ok(f, NULL, "key", "import", "other@" LIST_DOMAIN, secret_path, NULL);
	g_assert_null(strstr(again, "Replaced"));

	/* gpg takes the secret key too, and it works there */
	gpg_import = gpg_run(f, "", NULL, "--import", secret_path, NULL);
	GPG_OK(gpg_import);
	gpg_secret = gpg_run(f, "", NULL, "--with-colons", "--list-secret-keys", fingerprint, NULL);
	GPG_OK(gpg_secret);
	/* "+": gpg has the secret parts, of the primary key and of the subkey */
	ASSERT_CONTAINS(gpg_secret->out, ":scESC:::+::ed25519:");
	ASSERT_CONTAINS(gpg_secret->out, ":e:::+::cv25519:");

	/* refusals, each one line; the stored key stays */
	public_path = write_file(f, "list.asc", public_a);
	public_only = cli_run(f, NULL, "key", "import", "other@" LIST_DOMAIN, public_path, NULL);
	assert_cli_error(public_only, "no secret part");
	garbage_path = write_file(f, "garbage.asc", "this is not a key\n");
	garbage = cli_run(f, NULL, "key", "import", "other@" LIST_DOMAIN, garbage_path, NULL);
	assert_cli_error(garbage, "garbage.asc");
	other_created = cli_ok(f, NULL, "create", "third@" LIST_DOMAIN, "--style", "pgp-discussion",
			       NULL);
	other_secret = cli_ok(f, NULL, "key", "export", "third@" LIST_DOMAIN, "--secret", NULL);
	{
		g_autofree gchar *both = g_strconcat(secret, other_secret, NULL);

		two_path = write_file(f, "two.sec", both);
	}
	two = cli_run(f, NULL, "key", "import", "other@" LIST_DOMAIN, two_path, NULL);
	assert_cli_error(two, "2 primary keys");
	missing = cli_run(f, NULL, "key", "import", "other@" LIST_DOMAIN, "/nonexistent/key.sec",
			  NULL);
	assert_cli_error(missing, "/nonexistent/key.sec");
	g_free(show);
	show = cli_ok(f, NULL, "key", "show", "other@" LIST_DOMAIN, NULL);
	ASSERT_CONTAINS(show, fingerprint);
}

static void
test_key_import_schleuder(Fixture *f, gconstpointer data)
{
	static const struct {
		const gchar *copied_name;
		const gchar *shared_path;
		const gchar *fingerprint;
		const gchar *user_id;
	} keys[] = {
		/* the list key of Schleuder's test suite (binary keyring of one secret key): it
		 * decrypts the real client mail of shared/corpus/schleuder/spec/fixtures/mails */
		{"schleuder-secring.gpg", "schleuder/spec/gnupg/secring.gpg",
		 "59C71FB38AEE22E091C78259D06350440F759BD3",
		 "Schleuder TestUser <schleuder@example.org>"},
		/* an armored RSA-4096 list key of its fixtures */
		{"schleuder-openpgpkey_421C19AF8B9C33B8B62D76EBDB2F7E271D773073.sec",
		 "schleuder/spec/fixtures/openpgpkey_421C19AF8B9C33B8B62D76EBDB2F7E271D773073.sec",
		 "421C19AF8B9C33B8B62D76EBDB2F7E271D773073", "schleuder@example.org"},
	};

	setup_list(f, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree gchar *path = corpus_key(keys[i].copied_name, keys[i].shared_path);
		g_autofree gchar *imported = NULL;
		g_autofree gchar *show = NULL;
		g_autofree gchar *shown = NULL;
		g_autofree gchar *user_id = NULL;

		if (path == NULL) {
			g_test_skip("the Schleuder keys are in neither tests/data/pgp/corpus nor "
				    "../shared/corpus");
			return;
		}
		imported = cli_ok(f, NULL, "key", "import", LIST, path, NULL);
		ASSERT_CONTAINS(imported, keys[i].fingerprint);
		if (i > 0)
			ASSERT_CONTAINS(imported, "Replaced key ");
		show = cli_ok(f, NULL, "key", "show", LIST, NULL);
		shown = show_field(show, "fingerprint");
		ASSERT_STR(shown, keys[i].fingerprint);
		ASSERT_CONTAINS(show, "usable: yes\n");
		ASSERT_CONTAINS(show, "algorithm: RSA 4096 (subkeys: RSA 4096)\n");
		/* its user IDs do not name the list, which is fine */
		user_id = g_strdup_printf("user ID: %s\n", keys[i].user_id);
		ASSERT_CONTAINS(show, user_id);
	}
}

static void
test_key_set_show(Fixture *f, gconstpointer data)
{
	g_autofree gchar *alice_fpr = gpg_generate(f, "Alice", ALICE, "default");
	g_autofree gchar *alice_path = NULL;
	g_autofree gchar *set = NULL;
	g_autofree gchar *show = NULL;
	g_autofree gchar *set_bob = NULL;
	g_autofree gchar *show_bob = NULL;
	g_autofree gchar *refresh = NULL;
	g_autofree gchar *upper = NULL;
	g_autofree gchar *field = NULL;
	g_autoptr(CliResult) exported = NULL;
	g_autoptr(CliResult) unknown = NULL;
	g_autoptr(CliResult) bad_address = NULL;

	exported = gpg_run(f, "", NULL, "--armor", "--export", alice_fpr, NULL);
	GPG_OK(exported);
	alice_path = write_file(f, "alice.asc", exported->out);
	setup_list(f, 0);

	set = cli_ok(f, NULL, "key", "set", ALICE, alice_path, "--confirmed", NULL);
	ASSERT_CONTAINS(set, alice_fpr);
	ASSERT_CONTAINS(set, "(confirmed)");
	g_assert_null(strstr(set, "Warning"));
	show = cli_ok(f, NULL, "key", "show", ALICE, NULL);
	ASSERT_CONTAINS(show, "address: alice@example.com\n");
	field = show_field(show, "fingerprint");
	ASSERT_STR(field, alice_fpr);
	ASSERT_CONTAINS(show, "confirmed: yes\n");
	ASSERT_CONTAINS(show, "usable: yes\n");
	ASSERT_CONTAINS(show, "expires: never\n");
	ASSERT_CONTAINS(show, "algorithm: EDDSA 255 (subkeys: ECDH 255)\n");
	ASSERT_CONTAINS(show, "user ID: Alice <alice@example.com>\n");
	/* the same key again (a refresh) keeps its confirmation */
	refresh = cli_ok(f, NULL, "key", "set", ALICE, alice_path, NULL);
	ASSERT_CONTAINS(refresh, "(confirmed)");
	/* addresses are normalised */
	upper = cli_ok(f, NULL, "key", "show", "ALICE@Example.COM", NULL);
	ASSERT_CONTAINS(upper, alice_fpr);

	/* a key whose user IDs do not name the address: stored, with a warning */
	set_bob = cli_ok(f, NULL, "key", "set", BOB, alice_path, NULL);
	ASSERT_CONTAINS(set_bob, "Warning: no user ID of key ");
	ASSERT_CONTAINS(set_bob, BOB);
	ASSERT_CONTAINS(set_bob, "(not confirmed)");
	show_bob = cli_ok(f, NULL, "key", "show", BOB, NULL);
	ASSERT_CONTAINS(show_bob, "confirmed: no\n");

	unknown = cli_run(f, NULL, "key", "show", CAROL, NULL);
	assert_cli_error(unknown, "no key for carol@example.com");
	bad_address = cli_run(f, NULL, "key", "set", "not an address", alice_path, NULL);
	assert_cli_error(bad_address, "not an address");
}

static void
test_key_set_refusals(Fixture *f, gconstpointer data)
{
	g_autofree gchar *alice_fpr = gpg_generate(f, "Alice", ALICE, "default");
	g_autofree gchar *bob_fpr = gpg_generate(f, "Bob", BOB, "default");
	g_autofree gchar *secret_path = NULL;
	g_autofree gchar *garbage_path = NULL;
	g_autofree gchar *two_path = NULL;
	g_autofree gchar *alice_path = NULL;
	g_autofree gchar *signonly = corpus_key("schleuder-signonly_key.txt",
						"schleuder/spec/fixtures/signonly_key.txt");
	g_autofree gchar *expired = corpus_key("schleuder-expired_key.txt",
					       "schleuder/spec/fixtures/expired_key.txt");
	g_autofree gchar *set = NULL;
	g_autofree gchar *show = NULL;
	g_autofree gchar *show_after = NULL;
	g_autoptr(CliResult) secret = NULL;
	g_autoptr(CliResult) alice = NULL;
	g_autoptr(CliResult) both = NULL;
	static const struct {
		const gchar *file;   /* which file, see below */
		const gchar *needle; /* in the one-line error */
	} cases[] = {
		{"secret", "secret key material"},
		{"garbage", "not an OpenPGP key"},
		{"empty", "no key data"},
		{"signonly", "no usable encryption subkey"},
		{"expired", "has expired"},
		{"two", "found 2 primary keys"},
		{"missing", "No such file"},
	};

	g_assert_nonnull(signonly);
	g_assert_nonnull(expired);
	secret = gpg_run(f, "", NULL, "--armor", "--export-secret-keys", alice_fpr, NULL);
	GPG_OK(secret);
	g_assert_true(g_str_has_prefix(secret->out, "-----BEGIN PGP PRIVATE KEY BLOCK-----"));
	secret_path = write_file(f, "alice.sec", secret->out);
	alice = gpg_run(f, "", NULL, "--armor", "--export", alice_fpr, NULL);
	GPG_OK(alice);
	alice_path = write_file(f, "alice.asc", alice->out);
	both = gpg_run(f, "", NULL, "--armor", "--export", alice_fpr, bob_fpr, NULL);
	GPG_OK(both);
	two_path = write_file(f, "two.asc", both->out);
	garbage_path = write_file(f, "garbage.asc",
				  "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 at all\n"
				  "-----END PGP PUBLIC KEY BLOCK-----\n");
	setup_list(f, 0);
	set = cli_ok(f, NULL, "key", "set", ALICE, alice_path, "--confirmed", NULL);
	show = cli_ok(f, NULL, "key", "show", ALICE, NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *empty_path = write_file(f, "empty.asc", "");
		const gchar *name = cases[i].file;
		const gchar *file = g_str_equal(name, "secret")	    ? secret_path
				    : g_str_equal(name, "garbage")  ? garbage_path
				    : g_str_equal(name, "empty")    ? empty_path
				    : g_str_equal(name, "signonly") ? signonly
				    : g_str_equal(name, "expired")  ? expired
				    : g_str_equal(name, "two")	    ? two_path
								    : "/nonexistent/key.asc";
		g_autoptr(CliResult) result = cli_run(f, NULL, "key", "set", ALICE, file, NULL);

		g_test_message("key set %s: %s", cases[i].file, result->err);
		assert_cli_error(result, cases[i].needle);
		/* the error names the file */
		ASSERT_CONTAINS(result->err, file);
	}
	/* nothing changed */
	show_after = cli_ok(f, NULL, "key", "show", ALICE, NULL);
	ASSERT_STR(show_after, show);
	/* a list's own addresses get their key from key import / key generate */
	{
		g_autoptr(CliResult) list_address = cli_run(f, NULL, "key", "set",
							    "team-request@" LIST_DOMAIN,
							    alice_path, NULL);

		assert_cli_error(list_address, "key import");
	}
}

static void
test_key_passphrase(Fixture *f, gconstpointer data)
{
	g_autofree gchar *pass_path = write_file(f, "passphrase", "correct horse\r\nsecond line\n");
	g_autofree gchar *created = NULL;
	g_autofree gchar *fingerprint = NULL;
	g_autofree gchar *secret = NULL;
	g_autofree gchar *secret_path = NULL;
	g_autofree gchar *imported = NULL;
	g_autofree gchar *plain_secret = NULL;
	g_autofree gchar *plain_path = NULL;
	g_autofree gchar *warned = NULL;
	g_autoptr(CliResult) gpg_import = NULL;
	g_autoptr(CliResult) wrong = NULL;
	g_autoptr(CliResult) right = NULL;
	g_autoptr(CliResult) unprotected_config = NULL;
	g_autoptr(CliResult) other_passphrase = NULL;
	g_autoptr(CliResult) world_readable = NULL;
	g_autoptr(CliResult) empty_line = NULL;
	g_autoptr(CliResult) no_file = NULL;

	/* a key made before the passphrase is configured: unprotected */
	created = cli_ok(f, NULL, "create", "plain@" LIST_DOMAIN, "--style", "pgp-discussion",
			 NULL);
	plain_secret = cli_ok(f, NULL, "key", "export", "plain@" LIST_DOMAIN, "--secret", NULL);
	plain_path = write_file(f, "plain.sec", plain_secret);
	g_free(created);

	g_assert_cmpint(g_chmod(pass_path, 0640), ==, 0);
	g_key_file_set_string(f->config, "pgp", "key_passphrase_file", pass_path);
	created = cli_ok(f, NULL, "create", LIST, "--style", "pgp-discussion", NULL);
	fingerprint = created_fingerprint(created);
	secret = cli_ok(f, NULL, "key", "export", LIST, "--secret", NULL);
	secret_path = write_file(f, "list.sec", secret);

	/* gpg agrees that the first line (without CR LF) protects it */
	gpg_import = gpg_run(f, "", NULL, "--import", secret_path, NULL);
	GPG_OK(gpg_import);
	wrong = gpg_run(f, "wrong", "data", "--local-user", fingerprint, "--detach-sign", "--armor",
			NULL);
	g_assert_cmpint(wrong->status, !=, 0);
	right = gpg_run(f, "correct horse", "data", "--local-user", fingerprint, "--detach-sign",
			"--armor", NULL);
	GPG_OK(right);
	ASSERT_CONTAINS(right->out, "BEGIN PGP SIGNATURE");

	/* the stored key unlocks with the configured passphrase: import round-trips */
	imported = cli_ok(f, NULL, "key", "import", LIST, secret_path, NULL);
	ASSERT_CONTAINS(imported, fingerprint);
	g_assert_null(strstr(imported, "Warning"));
	/* an unprotected key is taken, with a warning */
	warned = cli_ok(f, NULL, "key", "import", LIST, plain_path, NULL);
	ASSERT_CONTAINS(warned, "Warning: the secret key is not protected");

	/* without the passphrase, or with another, the protected key is refused */
	g_key_file_set_string(f->config, "pgp", "key_passphrase_file", "");
	unprotected_config = cli_run(f, NULL, "key", "import", LIST, secret_path, NULL);
	assert_cli_error(unprotected_config, "protected by a passphrase");
	{
		g_autofree gchar *other = write_file(f, "other-passphrase", "battery staple\n");

		g_assert_cmpint(g_chmod(other, 0600), ==, 0);
		g_key_file_set_string(f->config, "pgp", "key_passphrase_file", other);
		other_passphrase = cli_run(f, NULL, "key", "import", LIST, secret_path, NULL);
		assert_cli_error(other_passphrase, "other than [pgp] key_passphrase_file");
	}

	/* the passphrase file itself */
	g_key_file_set_string(f->config, "pgp", "key_passphrase_file", pass_path);
	g_assert_cmpint(g_chmod(pass_path, 0644), ==, 0);
	world_readable = cli_run(f, NULL, "key", "generate", LIST, "--force", NULL);
	assert_cli_error(world_readable, "readable or writable by others");
	{
		g_autofree gchar *blank = write_file(f, "blank-passphrase", "\nsecret\n");

		g_assert_cmpint(g_chmod(blank, 0600), ==, 0);
		g_key_file_set_string(f->config, "pgp", "key_passphrase_file", blank);
		empty_line = cli_run(f, NULL, "create", "x@" LIST_DOMAIN, "--style", "pgp-announce",
				     NULL);
		assert_cli_error(empty_line, "is empty");
	}
	g_key_file_set_string(f->config, "pgp", "key_passphrase_file", "/nonexistent/passphrase");
	no_file = cli_run(f, NULL, "key", "generate", LIST, "--force", NULL);
	assert_cli_error(no_file, "/nonexistent/passphrase");
	/* nothing was created by the failed create */
	{
		g_autofree gchar *lists = cli_ok(f, NULL, "lists", NULL);

		g_assert_null(strstr(lists, "x@" LIST_DOMAIN));
	}
}

static void
test_key_usage_errors(Fixture *f, gconstpointer data)
{
	static const gchar *const commands[][6] = {
		{"key", NULL},
		{"key", "generate", NULL},
		{"key", "generate", LIST, "extra", NULL},
		{"key", "export", NULL},
		{"key", "import", LIST, NULL},
		{"key", "set", ALICE_ADDRESS, NULL},
		{"key", "show", NULL},
		{"key", "show", ALICE_ADDRESS, "extra", NULL},
	};
	g_autoptr(CliResult) unknown = NULL;
	g_autoptr(CliResult) bad_option = NULL;
	g_autoptr(CliResult) bad_style = NULL;

	setup_list(f, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autoptr(CliResult) result = NULL;

		config_write(f);
		result = cli_runv(f->config_path, NULL, commands[i]);
		g_test_message("pgplist %s %s ...: %s", commands[i][0],
			       commands[i][1] ? commands[i][1] : "", result->err);
		assert_cli_error(result, "usage");
	}
	unknown = cli_run(f, NULL, "key", "frobnicate", NULL);
	assert_cli_error(unknown, "frobnicate");
	bad_option = cli_run(f, NULL, "key", "show", LIST, "--secret", NULL);
	assert_cli_error(bad_option, "--secret");
	bad_style = cli_run(f, NULL, "create", "x@" LIST_DOMAIN, "--style", "pgp", NULL);
	assert_cli_error(bad_style, "pgp-discussion");
}

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main(int argc, char **argv)
{
	struct sigaction action = {0};

	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	/* XXX: GCC 12's LeakSanitizer can crash at exit ("Tracer caught signal 11" on a bogus DTLS
	 * range) when a thread is alive that used the thread-local storage of a dlopen()ed module,
	 * as GLib's pool threads do (GTask work, glib-networking's handshakes). Idle pool threads
	 * exit half a second after their last task instead of lingering, and main() waits for
	 * that before it returns. */
	g_thread_pool_set_max_unused_threads(0);
	action.sa_handler = on_abort;
	sigemptyset(&action.sa_mask);
	sigaction(SIGABRT, &action, NULL);

	ADD("/integration/post/member-reaches-all", test_post_member_reaches_all);
	ADD("/integration/post/subject-prefix-once", test_post_subject_prefix_once);
	ADD("/integration/post/max-recipients-chunks", test_post_max_recipients);
	ADD("/integration/post/verp", test_post_verp);
	ADD("/integration/post/large-message", test_post_large_message);
	ADD("/integration/post/signed-untouched", test_post_signed_untouched);
	ADD("/integration/post/base64-body", test_post_base64_body);
	ADD("/integration/post/body-integrity", test_post_body_integrity);
	ADD("/integration/post/approved-password", test_post_approved_password);
	ADD("/integration/post/loop-discarded", test_post_loop_discarded);
	ADD("/integration/post/emergency-holds-members", test_post_emergency_holds_members);
	ADD("/integration/hold/nonmember-accept", test_hold_nonmember_accept);
	ADD("/integration/hold/reject-with-reason", test_hold_reject_with_reason);
	ADD("/integration/hold/discard", test_hold_discard);
	ADD("/integration/hold/moderate-offline", test_hold_moderate_offline);
	ADD("/integration/hold/no-notice-to-automatic-senders",
	    test_hold_no_notice_to_automatic_senders);
	ADD("/integration/hold/moderate-errors", test_hold_unknown_id);
	ADD("/integration/hold/cli-while-running-survives-kill",
	    test_hold_cli_while_running_survives_kill);
	ADD("/integration/cli/config-from-environment", test_cli_config_from_environment);
	ADD("/integration/hold/notice-to-envelope-sender", test_hold_notice_to_envelope_sender);
	ADD("/integration/loop/own-notice-discarded", test_loop_own_notice_discarded);
	ADD("/integration/loop/owner-forward", test_loop_owner_forward);
	ADD("/integration/cli/refuses-own-addresses", test_cli_refuses_own_addresses);
	ADD("/integration/reject/banned-address", test_reject_banned);
	ADD("/integration/reject/nonmember-pattern", test_reject_nonmember_pattern);
	ADD("/integration/delivery/retry-after-451", test_delivery_retry_after_451);
	ADD("/integration/delivery/permanent-failure-bounces",
	    test_delivery_permanent_failure_bounces);
	ADD("/integration/delivery/relay-hiccups", test_delivery_relay_hiccups);
	ADD("/integration/crash/relay-down-kill9", test_crash_relay_down_kill9);
	ADD("/integration/crash/kill-during-delivery", test_crash_kill_during_delivery);
	ADD("/integration/tls/starttls-auth", test_tls_starttls_auth);
	ADD("/integration/tls/implicit", test_tls_implicit);
	ADD("/integration/tls/wrong-ca-stays-queued", test_tls_wrong_ca);
	ADD("/integration/tls/starttls-not-offered", test_tls_starttls_not_offered);
	ADD("/integration/lmtp/unknown-recipient", test_lmtp_unknown_recipient);
	ADD("/integration/lmtp/owner-forward", test_lmtp_owner_forward);
	ADD("/integration/lmtp/bounces", test_lmtp_bounces);
	ADD("/integration/lmtp/commands-forwarded-to-owners", test_lmtp_commands_forwarded);
	ADD("/integration/lmtp/message-too-big", test_lmtp_message_too_big);
	ADD("/integration/lmtp/hostile-input", test_lmtp_hostile_input);
	ADD("/integration/lmtp/multiple-recipients", test_lmtp_multiple_recipients);
	ADD("/integration/lmtp/pipelining", test_lmtp_pipelining);
	ADD("/integration/lmtp/concurrent-sessions", test_lmtp_concurrent_sessions);
	ADD("/integration/lmtp/sigterm-with-open-session", test_lmtp_sigterm_with_open_session);
	ADD("/integration/cli/create-lists-remove", test_cli_create_lists_remove);
	ADD("/integration/cli/members", test_cli_members);
	ADD("/integration/cli/addmembers-bad-line", test_cli_addmembers_bad_line);
	ADD("/integration/cli/listconf", test_cli_listconf);
	ADD("/integration/cli/listconf-live", test_cli_listconf_live);
	ADD("/integration/cli/aliases", test_cli_aliases);
	ADD("/integration/cli/conf-info", test_cli_conf_info);
	ADD("/integration/cli/bad-config", test_cli_bad_config);
	ADD("/integration/cli/usage-errors", test_cli_usage_errors);
	ADD("/integration/cli/inject", test_cli_inject);
	ADD("/integration/key/create-generate", test_key_create_generate);
	ADD("/integration/key/generate-plain-list", test_key_generate_plain_list);
	ADD("/integration/key/export-secret-import", test_key_export_secret_import);
	ADD("/integration/key/import-schleuder", test_key_import_schleuder);
	ADD("/integration/key/set-show", test_key_set_show);
	ADD("/integration/key/set-refusals", test_key_set_refusals);
	ADD("/integration/key/passphrase", test_key_passphrase);
	ADD("/integration/key/usage-errors", test_key_usage_errors);
	ADD("/integration/bad/mime-depth", test_bad_mime_depth);
	ADD("/integration/bad/list-removed", test_bad_list_removed);

	{
		int status = g_test_run();

		wait_for_pool_threads();
		return status;
	}
}
