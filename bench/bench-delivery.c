/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Delivery benchmark of the real `pgplist` binary (DESIGN.md §8), driven with the integration
 * tests' fixture (tests/support/pgl-test-daemon.h, as deployed: no debugging checks, no
 * --verbose): a configuration in a temporary directory, `pgplist create` and `addmembers` as
 * subprocesses, `pgplist serve` with `[lmtp] port = 0`, mail in over LMTP with a client of its
 * own (a plain socket with TCP_NODELAY, so that the timings hold no buffering of ours), mail out
 * into the in-process SMTP sink (tests/support/pgl-smtp-sink.h), which only counts.
 *
 * For each list size N and each `[mta] max_recipients` it measures
 *
 *  1. LMTP accept latency: many small posts to a list with a single member (so that fan-out does
 *     not compete for the CPU), the time from writing the body and its final "." to reading the
 *     250, which includes the fsyncs of the spool file and its directory: back to back over one
 *     connection, back to back with a new connection for every post, and over one connection
 *     with an idle daemon before each post. Beside it, the "floor": the same write, fsync,
 *     rename and directory fsync done by this program on the same file system, since on a
 *     virtual disk the fsync alone varies from 0.2 to 20 ms. Measured for the first
 *     max_recipients value only (it does not depend on it).
 *  2. Fan-out: one post to the N-member list; from its LMTP 250 to the first recipient delivery
 *     the sink sees, to the Nth, and to the moment every queue of the daemon is empty again
 *     (the out runner has recorded the deliveries in the database); the daemon's CPU time over
 *     it (/proc/PID/task/X/schedstat). Repeated for several rounds; the sink's counters give the
 *     SMTP transactions and connections.
 *  3. Memory: VmHWM and VmRSS of the daemon from /proc/PID/status after all of it.
 *
 * The sink runs in this process, on the same cores as the daemon: the figures include the
 * relay's side of every SMTP transaction.
 *
 * Timing never makes it fail: it exits non-zero only on a functional failure (a post not
 * accepted, deliveries missing or duplicated, a message in the bad queue, the daemon not
 * starting or not stopping cleanly); the temporary directory is then kept for inspection.
 *
 * The binary is found through $PGLIST_BINARY (set by meson) or --binary. Run with --help.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "support/pgl-smtp-sink.h"
#include "support/pgl-test-daemon.h"

#define POST_LIST	"bench@lists.example.org"
#define LATENCY_LIST	"ping@lists.example.org"
#define OWNER		"owner@example.com"
#define POSTER		"poster@example.com"
#define MEMBER_DOMAINS	50

/* generous: a loaded 2-core machine, or the daemon under valgrind (--wrapper) */
#define START_TIMEOUT_MS    60000
#define REPLY_TIMEOUT_S	    60
#define DELIVERY_TIMEOUT_MS 300000
#define STOP_TIMEOUT_MS	    60000

/* ---- options --------------------------------------------------------------------------------- */

typedef struct {
	GArray *members;	/* (owned) (element-type guint) list sizes */
	GArray *max_recipients; /* (owned) (element-type guint) [mta] max_recipients values */
	guint posts;		/* LMTP posts per latency mode */
	guint rounds;		/* fan-out posts per (size, max_recipients) */
	gchar *binary;		/* (owned) */
	gchar *base_dir;	/* (owned) (nullable) where the temporary directories go */
	gchar *wrapper;		/* (owned) (nullable) command line put before the daemon's */
	gboolean keep;
} Options;

static Options options;

/* ---- failure --------------------------------------------------------------------------------- */

static PglTestDaemon *current_run; /* (unowned) (nullable) the run fail() reports on */

/* A functional failure: say what, show the daemon's log, stop it, exit 1. */
static void G_GNUC_NORETURN G_GNUC_PRINTF(1, 2)
fail(const gchar *format, ...)
{
	va_list ap;
	g_autofree gchar *message = NULL;

	va_start(ap, format);
	message = g_strdup_vprintf(format, ap);
	va_end(ap);
	fprintf(stderr, "bench-delivery: FAILED: %s\n", message);
	if (current_run != NULL && current_run->n_starts > 0) {
		g_autofree gchar *log_path =
			pgl_test_daemon_log_path(current_run, current_run->n_starts);
		g_autofree gchar *log = NULL;

		if (g_file_get_contents(log_path, &log, NULL, NULL)) {
			gsize len = strlen(log);

			/* the end is what matters; a busy daemon's log can be long */
			fprintf(stderr, "==== daemon log %s (last 8 KiB) ====\n%s\n", log_path,
				len > 8192 ? log + len - 8192 : log);
		}
	}
	if (current_run != NULL && current_run->pid > 0)
		kill(current_run->pid, SIGKILL);
	exit(1);
}

/* ---- small helpers --------------------------------------------------------------------------- */

static gdouble
now_ms(void)
{
	return (gdouble)g_get_monotonic_time() / 1000.0;
}

static gint
compare_double(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a;
	gdouble y = *(const gdouble *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Nearest-rank percentile (0 < p <= 100) of @values, which it sorts. */
static gdouble
percentile(GArray *values, gdouble p)
{
	guint rank;

	if (values->len == 0)
		return NAN;
	g_array_sort(values, compare_double);
	rank = (guint)ceil(p / 100.0 * values->len);
	rank = CLAMP(rank, 1, values->len);
	return g_array_index(values, gdouble, rank - 1);
}

static gdouble
median(GArray *values)
{
	g_autoptr(GArray) copy = g_array_copy(values);

	if (copy->len == 0)
		return NAN;
	g_array_sort(copy, compare_double);
	if (copy->len % 2 == 1)
		return g_array_index(copy, gdouble, copy->len / 2);
	return (g_array_index(copy, gdouble, copy->len / 2 - 1) +
		g_array_index(copy, gdouble, copy->len / 2)) / 2.0;
}

static GArray *
parse_uint_list(const gchar *text, const gchar *what)
{
	g_auto(GStrv) parts = g_strsplit(text, ",", -1);
	GArray *values = g_array_new(FALSE, FALSE, sizeof(guint));

	for (guint i = 0; parts[i] != NULL; i++) {
		guint64 value = 0;
		g_autoptr(GError) error = NULL;

		if (!g_ascii_string_to_unsigned(g_strstrip(parts[i]), 10, 1, 1000000, &value,
						&error)) {
			fprintf(stderr, "bench-delivery: %s: %s\n", what, error->message);
			exit(2);
		}
		g_array_append_val(values, value);
	}
	return values;
}

/* "%.0f" of @value, or "-" for NAN; in @buffer. */
static const gchar *
format_rate(gchar *buffer, gsize size, gdouble value)
{
	if (isnan(value))
		return "-";
	g_snprintf(buffer, size, "%.0f", value);
	return buffer;
}

static gchar *
member_address(guint i)
{
	/* the poster is a member of the list too, and gets its copy like everyone */
	if (i == 0)
		return g_strdup(POSTER);
	return g_strdup_printf("member%06u@d%02u.example.net", i, i % MEMBER_DOMAINS);
}

/* The file system type of @path, for the header (fsync is free on tmpfs). */
static const gchar *
fs_name(const gchar *path)
{
	struct statfs fs;

	if (statfs(path, &fs) != 0)
		return "unknown";
	switch ((unsigned long)fs.f_type) {
	case 0xEF53UL:
		return "ext4";
	case 0x01021994UL:
		return "tmpfs (fsync is free: latencies are not representative)";
	case 0x58465342UL:
		return "xfs";
	case 0x9123683EUL:
		return "btrfs";
	case 0x794c7630UL:
		return "overlayfs";
	default:
		return "other";
	}
}

/* ---- a run: one fixture (var dir, sink), one daemon at a time ----------------------------- */

static void
set_max_recipients(PglTestDaemon *run, guint max_recipients)
{
	g_key_file_set_integer(run->config, "mta", "max_recipients", (gint)max_recipients);
}

/* `pgplist --config CONFIG ARGS...` with @input on stdin; must succeed. Returns seconds. */
static gdouble
cli_run(PglTestDaemon *run, const gchar *input, const gchar *const *args)
{
	g_autoptr(PglTestCliResult) result = NULL;
	gdouble start = now_ms();

	pgl_test_daemon_config_write(run);
	result = pgl_test_daemon_cli_runv(run, run->config_path, input, args);
	if (result->status != 0) {
		g_autofree gchar *line = g_strjoinv(" ", (gchar **)args);

		fail("pgplist %s: got exit status %d, want 0; stderr: %s", line, result->status,
		     result->err);
	}
	return (now_ms() - start) / 1000.0;
}

static void
daemon_start(PglTestDaemon *run, guint max_recipients)
{
	g_autoptr(GError) error = NULL;

	set_max_recipients(run, max_recipients);
	if (!pgl_test_daemon_start_full(run, START_TIMEOUT_MS, &error))
		fail("%s", error->message);
}

/* SIGTERM; the daemon must exit with status 0 within STOP_TIMEOUT_MS. */
static void
daemon_stop(PglTestDaemon *run)
{
	g_autoptr(GError) error = NULL;
	gboolean exited = FALSE;
	gint status = 0;

	if (!pgl_test_daemon_signal_full(run, SIGTERM, STOP_TIMEOUT_MS, &exited, &status, &error))
		fail("%s", error->message);
	/* a wrapper (perf, valgrind) has its own ideas about SIGTERM */
	if (options.wrapper == NULL && (!exited || status != 0))
		fail("pgplist serve on SIGTERM: got %s %d, want exit status 0",
		     exited ? "exit status" : "signal", status);
}

/* VmHWM and VmRSS of @pid in KiB, from /proc/PID/status. */
static gboolean
daemon_memory(pid_t pid, guint64 *hwm_kib_out, guint64 *rss_kib_out)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/status", (int)pid);
	g_autofree gchar *contents = NULL;
	g_auto(GStrv) lines = NULL;

	*hwm_kib_out = *rss_kib_out = 0;
	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return FALSE;
	lines = g_strsplit(contents, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], "VmHWM:"))
			*hwm_kib_out = g_ascii_strtoull(lines[i] + 6, NULL, 10);
		else if (g_str_has_prefix(lines[i], "VmRSS:"))
			*rss_kib_out = g_ascii_strtoull(lines[i] + 6, NULL, 10);
	}
	return *hwm_kib_out > 0;
}

/*
 * CPU time the daemon's live threads have run, in ms (the first field of each
 * /proc/PID/task/TID/schedstat, in ns). Threads that have ended (LMTP sessions) are not
 * counted; the runners, which do the fan-out, live as long as the daemon.
 */
static gdouble
daemon_cpu_ms(pid_t pid)
{
	g_autofree gchar *task_dir = g_strdup_printf("/proc/%d/task", (int)pid);
	g_autoptr(GDir) dir = g_dir_open(task_dir, 0, NULL);
	const gchar *name;
	guint64 total_ns = 0;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(task_dir, name, "schedstat", NULL);
		g_autofree gchar *contents = NULL;

		if (g_file_get_contents(path, &contents, NULL, NULL))
			total_ns += g_ascii_strtoull(contents, NULL, 10);
	}
	return (gdouble)total_ns / 1e6;
}

/* Messages waiting or being worked on anywhere in the daemon. */
static guint
queue_busy(PglTestDaemon *run)
{
	return pgl_test_daemon_queue_busy(run) + pgl_test_daemon_queue_count(run, "command");
}

/* "in=N pipeline=N out=N retry=N bad=N", for the failure messages */
static gchar *
queues_text(PglTestDaemon *run)
{
	return g_strdup_printf("in=%u pipeline=%u out=%u retry=%u bad=%u",
			       pgl_test_daemon_queue_count(run, "in"),
			       pgl_test_daemon_queue_count(run, "pipeline"),
			       pgl_test_daemon_queue_count(run, "out"),
			       pgl_test_daemon_queue_count(run, "retry"),
			       pgl_test_daemon_queue_count_files(run, "bad"));
}

/* Polls (1 ms) until the daemon's queues are empty; fails after @timeout_ms. */
static void
wait_idle(PglTestDaemon *run, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	guint bad;

	while (queue_busy(run) > 0) {
		if (g_get_monotonic_time() > deadline) {
			g_autofree gchar *queues = queues_text(run);

			fail("daemon not idle after %u ms: %s", timeout_ms, queues);
		}
		g_usleep(1000);
	}
	bad = pgl_test_daemon_queue_count_files(run, "bad");
	if (bad > 0)
		fail("%u message(s) in the bad queue", bad);
}

static void
wait_sink(PglTestDaemon *run, guint total, guint timeout_ms)
{
	if (!pgl_smtp_sink_wait_for(run->sink, total, timeout_ms)) {
		g_autofree gchar *queues = queues_text(run);

		fail("sink: got %u recipient deliveries after %u ms, want %u (queues %s)",
		     pgl_smtp_sink_recipient_count(run->sink), timeout_ms, total, queues);
	}
}

/* ---- a minimal LMTP client (RFC 2033) on a plain socket, TCP_NODELAY ------------------------ */

typedef struct {
	int fd;
	gchar buffer[4096];
	gsize start, end;
} Lmtp;

static void
lmtp_close(Lmtp *lmtp)
{
	if (lmtp->fd >= 0)
		close(lmtp->fd);
	lmtp->fd = -1;
}

static void
lmtp_send_all(Lmtp *lmtp, const gchar *data, gsize len)
{
	while (len > 0) {
		ssize_t n = send(lmtp->fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("LMTP: send: %s", g_strerror(errno));
		data += n;
		len -= (gsize)n;
	}
}

/* One line without CRLF; fails on EOF, error or timeout. */
static gchar *
lmtp_read_line(Lmtp *lmtp)
{
	for (;;) {
		gchar *newline = memchr(lmtp->buffer + lmtp->start, '\n', lmtp->end - lmtp->start);
		ssize_t n;

		if (newline != NULL) {
			gsize len = (gsize)(newline - (lmtp->buffer + lmtp->start));
			gchar *line = g_strndup(lmtp->buffer + lmtp->start, len);

			lmtp->start += len + 1;
			if (len > 0 && line[len - 1] == '\r')
				line[len - 1] = '\0';
			return line;
		}
		if (lmtp->start > 0) {
			memmove(lmtp->buffer, lmtp->buffer + lmtp->start, lmtp->end - lmtp->start);
			lmtp->end -= lmtp->start;
			lmtp->start = 0;
		}
		if (lmtp->end == sizeof lmtp->buffer)
			fail("LMTP: reply line too long");
		n = recv(lmtp->fd, lmtp->buffer + lmtp->end, sizeof lmtp->buffer - lmtp->end, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			fail("LMTP: connection closed by the daemon");
		if (n < 0)
			fail("LMTP: recv: %s", g_strerror(errno));
		lmtp->end += (gsize)n;
	}
}

/* Reads a whole (possibly multi-line) reply; returns its code; the last line in @last_out. */
static guint
lmtp_read_reply(Lmtp *lmtp, gchar **last_out)
{
	for (;;) {
		g_autofree gchar *line = lmtp_read_line(lmtp);

		if (strlen(line) < 3 || !g_ascii_isdigit(line[0]))
			fail("LMTP: malformed reply \"%s\"", line);
		if (line[3] != '-') {
			guint code = (guint)g_ascii_strtoull(line, NULL, 10);

			if (last_out != NULL)
				*last_out = g_steal_pointer(&line);
			return code;
		}
	}
}

static void
lmtp_expect(Lmtp *lmtp, const gchar *command, guint want)
{
	g_autofree gchar *with_crlf = g_strconcat(command, "\r\n", NULL);
	g_autofree gchar *reply = NULL;
	guint code;

	lmtp_send_all(lmtp, with_crlf, strlen(with_crlf));
	code = lmtp_read_reply(lmtp, &reply);
	if (code != want)
		fail("LMTP \"%s\": got \"%s\", want %u", command, reply, want);
}

static void
lmtp_connect(PglTestDaemon *run, Lmtp *lmtp)
{
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(run->lmtp_port)};
	struct timeval timeout = {.tv_sec = REPLY_TIMEOUT_S};
	int one = 1;
	g_autofree gchar *greeting = NULL;
	guint code;

	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lmtp->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	lmtp->start = lmtp->end = 0;
	if (lmtp->fd < 0)
		fail("socket: %s", g_strerror(errno));
	/* Our writes come one per reply, but a benchmark must not measure Nagle (DESIGN.md §8). */
	setsockopt(lmtp->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(lmtp->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
	if (connect(lmtp->fd, (struct sockaddr *)&address, sizeof address) != 0)
		fail("LMTP: connect to 127.0.0.1:%u: %s", run->lmtp_port, g_strerror(errno));
	code = lmtp_read_reply(lmtp, &greeting);
	if (code != 220)
		fail("LMTP greeting: got \"%s\", want 220", greeting);
	lmtp_expect(lmtp, "LHLO bench.example", 250);
}

static void
lmtp_quit(Lmtp *lmtp)
{
	lmtp_expect(lmtp, "QUIT", 221);
	lmtp_close(lmtp);
}

/* A small plain-text post as DATA content (CRLF, nothing to dot-stuff, final "."). */
static gchar *
make_post(PglTestDaemon *run, const gchar *list, const gchar *subject)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *date = g_date_time_format(now, "%a, %d %b %Y %H:%M:%S +0000");

	run->message_counter++;
	return g_strdup_printf(
		"From: Poster <" POSTER ">\r\n"
		"To: %s\r\n"
		"Subject: %s %u\r\n"
		"Message-ID: <bench-%u.%08x@client.example.com>\r\n"
		"Date: %s\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 8bit\r\n"
		"\r\n"
		"Hello list,\r\n"
		"\r\n"
		"this is benchmark post number %u. It is a few lines long, like most posts:\r\n"
		"a question, some context, and a signature.\r\n"
		"\r\n"
		"-- \r\n"
		"Poster\r\n"
		".\r\n",
		list, subject, run->message_counter, run->message_counter, g_random_int(), date,
		run->message_counter);
}

/*
 * One transaction to @list. @accept_ms_out: from writing the content (with its final ".") to
 * reading the 250; @transaction_ms_out: from MAIL FROM to the 250.
 */
static void
lmtp_post(PglTestDaemon *run, Lmtp *lmtp, const gchar *list, gdouble *accept_ms_out,
	  gdouble *transaction_ms_out)
{
	g_autofree gchar *content = make_post(run, list, "Benchmark");
	g_autofree gchar *rcpt = g_strdup_printf("RCPT TO:<%s>", list);
	g_autofree gchar *reply = NULL;
	gdouble start = now_ms();
	gdouble data_start;
	guint code;

	lmtp_expect(lmtp, "MAIL FROM:<" POSTER ">", 250);
	lmtp_expect(lmtp, rcpt, 250);
	lmtp_expect(lmtp, "DATA", 354);
	data_start = now_ms();
	lmtp_send_all(lmtp, content, strlen(content));
	code = lmtp_read_reply(lmtp, &reply);
	if (code != 250)
		fail("LMTP end of DATA for %s: got \"%s\", want 250", list, reply);
	if (accept_ms_out != NULL)
		*accept_ms_out = now_ms() - data_start;
	if (transaction_ms_out != NULL)
		*transaction_ms_out = now_ms() - start;
}

/* ---- measurements ---------------------------------------------------------------------------- */

typedef struct {
	guint members;
	const gchar *mode;
	guint n;
	gdouble median, p90, p99, max;
	gdouble transaction_median;
	gdouble posts_per_second;
} Latency;

typedef struct {
	guint members;
	guint max_recipients;
	gdouble first_ms;	 /* 250 -> first recipient delivery at the sink */
	gdouble all_ms;		 /* 250 -> all N recipient deliveries */
	gdouble idle_ms;	 /* 250 -> every queue empty again */
	gdouble cpu_ms;		 /* the daemon's CPU time from before the post to idle */
	guint transactions;
	guint connections;
	guint max_pipelined; /* most SMTP commands the sink got in one read, so far */
} FanOut;

typedef struct {
	guint members;
	guint max_recipients;
	guint64 hwm_kib, rss_kib;
} Memory;

static GArray *latencies; /* (element-type Latency) */
static GArray *fan_outs;  /* (element-type FanOut) */
static GArray *memories;  /* (element-type Memory) */

typedef enum {
	LATENCY_ONE_CONNECTION,	 /* back to back over one connection */
	LATENCY_NEW_CONNECTION,	 /* back to back, a new connection for each post */
	LATENCY_QUIET,		 /* one connection, waiting for an idle daemon before each post */
} LatencyMode;

static const gchar *const latency_mode_names[] = {
	[LATENCY_ONE_CONNECTION] = "one connection",
	[LATENCY_NEW_CONNECTION] = "new connection per post",
	[LATENCY_QUIET] = "idle daemon before each",
};

/*
 * Back to back, the runners work on the earlier posts (parse, chain, SMTP, SQLite commits with
 * their own fsyncs) while the next one is accepted, as on a busy server; the quiet mode shows
 * the accept path alone.
 */
static void
measure_latency(PglTestDaemon *run, guint members, LatencyMode mode)
{
	g_autoptr(GArray) accept = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) transaction = g_array_new(FALSE, FALSE, sizeof(gdouble));
	Lmtp lmtp = {.fd = -1};
	Latency result = {.members = members, .mode = latency_mode_names[mode]};
	gboolean per_post = mode == LATENCY_NEW_CONNECTION;
	gchar rate[32];
	gdouble start;

	wait_idle(run, DELIVERY_TIMEOUT_MS);
	start = now_ms();
	if (!per_post)
		lmtp_connect(run, &lmtp);
	for (guint i = 0; i < options.posts; i++) {
		gdouble accept_ms = 0, transaction_ms = 0;

		if (mode == LATENCY_QUIET)
			wait_idle(run, DELIVERY_TIMEOUT_MS);
		if (per_post)
			lmtp_connect(run, &lmtp);
		lmtp_post(run, &lmtp, LATENCY_LIST, &accept_ms, &transaction_ms);
		if (per_post)
			lmtp_quit(&lmtp);
		g_array_append_val(accept, accept_ms);
		g_array_append_val(transaction, transaction_ms);
	}
	if (!per_post)
		lmtp_quit(&lmtp);
	/* meaningless with waits in between */
	result.posts_per_second =
		mode == LATENCY_QUIET ? NAN : options.posts / ((now_ms() - start) / 1000.0);
	result.n = accept->len;
	result.median = median(accept);
	result.p90 = percentile(accept, 90);
	result.p99 = percentile(accept, 99);
	result.max = percentile(accept, 100);
	result.transaction_median = median(transaction);
	g_array_append_val(latencies, result);
	printf("  latency  members=%-6u %-26s median=%6.2f ms  p90=%6.2f ms  p99=%6.2f ms  "
	       "max=%6.2f ms  %6s posts/s\n",
	       members, result.mode, result.median, result.p90, result.p99, result.max,
	       format_rate(rate, sizeof rate, result.posts_per_second));
	fflush(stdout);
}

/*
 * The floor under the accept path, without the daemon: what pgl_spool_enqueue() does for a
 * small message (write, fsync, rename, fsync the directory) on the same file system, back to
 * back or after a pause like the quiet mode's.
 */
static void
measure_fsync_floor(PglTestDaemon *run, guint members, gboolean pause)
{
	g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autofree gchar *dir = g_build_filename(run->dir, "fsync-floor", NULL);
	g_autofree gchar *content = make_post(run, LATENCY_LIST, "Floor");
	Latency result = {.members = members,
			  .mode = pause ? "floor: fsync, 10ms pause" : "floor: fsync, back to back",
			  .posts_per_second = NAN, .transaction_median = NAN};

	if (g_mkdir_with_parents(dir, 0700) != 0)
		fail("cannot create %s: %s", dir, g_strerror(errno));
	wait_idle(run, DELIVERY_TIMEOUT_MS);
	for (guint i = 0; i < options.posts; i++) {
		g_autofree gchar *tmp_path = g_strdup_printf("%s/.%u.tmp", dir, i);
		g_autofree gchar *final_path = g_strdup_printf("%s/%u.msg", dir, i);
		gdouble start, elapsed;
		int fd, dir_fd;

		if (pause)
			g_usleep(10000);
		start = now_ms();
		fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content) ||
		    fsync(fd) != 0 || close(fd) != 0 || rename(tmp_path, final_path) != 0)
			fail("fsync floor: %s: %s", tmp_path, g_strerror(errno));
		dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd < 0 || fsync(dir_fd) != 0)
			fail("fsync floor: %s: %s", dir, g_strerror(errno));
		close(dir_fd);
		elapsed = now_ms() - start;
		g_array_append_val(times, elapsed);
		g_unlink(final_path);
	}
	result.n = times->len;
	result.median = median(times);
	result.p90 = percentile(times, 90);
	result.p99 = percentile(times, 99);
	result.max = percentile(times, 100);
	g_array_append_val(latencies, result);
	printf("  latency  members=%-6u %-26s median=%6.2f ms  p90=%6.2f ms  p99=%6.2f ms  "
	       "max=%6.2f ms\n",
	       members, result.mode, result.median, result.p90, result.p99, result.max);
	fflush(stdout);
}

static void
measure_fan_out(PglTestDaemon *run, guint members, guint max_recipients)
{
	PglSmtpSinkStats before = {0}, after = {0};
	FanOut result = {.members = members, .max_recipients = max_recipients};
	Lmtp lmtp = {.fd = -1};
	gdouble accepted, cpu_before;

	wait_idle(run, DELIVERY_TIMEOUT_MS);
	pgl_smtp_sink_get_stats(run->sink, &before);
	cpu_before = daemon_cpu_ms(run->pid);
	lmtp_connect(run, &lmtp);
	lmtp_post(run, &lmtp, POST_LIST, NULL, NULL);
	accepted = now_ms();
	lmtp_quit(&lmtp);

	wait_sink(run, before.recipients + 1, DELIVERY_TIMEOUT_MS);
	result.first_ms = now_ms() - accepted;
	wait_sink(run, before.recipients + members, DELIVERY_TIMEOUT_MS);
	result.all_ms = now_ms() - accepted;
	wait_idle(run, DELIVERY_TIMEOUT_MS);
	result.idle_ms = now_ms() - accepted;
	result.cpu_ms = daemon_cpu_ms(run->pid) - cpu_before;

	pgl_smtp_sink_get_stats(run->sink, &after);
	if (after.recipients - before.recipients != members)
		fail("fan-out to %u members: got %u recipient deliveries, want %u", members,
		     after.recipients - before.recipients, members);
	result.transactions = after.transactions - before.transactions;
	result.connections = after.connections - before.connections;
	result.max_pipelined = after.max_pipelined;
	g_array_append_val(fan_outs, result);
	printf("  fan-out  members=%-6u max_recipients=%-5u first=%7.1f ms  all=%7.1f ms  "
	       "idle=%7.1f ms  cpu=%7.1f ms  %7.0f deliveries/s  transactions=%u "
	       "connections=%u max_pipelined=%u\n",
	       members, max_recipients, result.first_ms, result.all_ms, result.idle_ms,
	       result.cpu_ms, members / (result.all_ms / 1000.0), result.transactions,
	       result.connections, result.max_pipelined);
	fflush(stdout);
}

static void
bench_members(guint members)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) addresses = g_string_new(NULL);
	g_autoptr(PglTestDaemon) run =
		pgl_test_daemon_new(options.base_dir, PGL_TEST_DAEMON_FLAG_BENCHMARK, &error);
	gdouble setup_s;

	if (run == NULL)
		fail("%s", error->message);
	current_run = run;
	g_free(run->binary);
	run->binary = g_strdup(options.binary);
	if (options.wrapper != NULL &&
	    !g_shell_parse_argv(options.wrapper, NULL, &run->wrapper, &error))
		fail("--wrapper: %s", error->message);
	run->keep = options.keep;
	/* addmembers of a big list is slow, and is measured, not limited */
	run->timeout_ms = DELIVERY_TIMEOUT_MS;
	pgl_smtp_sink_set_keep_messages(run->sink, FALSE);

	printf("\n== %u members (var dir %s, %s)\n", members, run->dir, fs_name(run->dir));
	set_max_recipients(run, g_array_index(options.max_recipients, guint, 0));
	{
		const gchar *create_post[] = {"create", POST_LIST, "--owner", OWNER, NULL};
		const gchar *create_ping[] = {"create", LATENCY_LIST, "--owner", OWNER, NULL};
		const gchar *add_post[] = {"addmembers", POST_LIST, "-", NULL};
		const gchar *add_ping[] = {"addmembers", LATENCY_LIST, "-", NULL};

		cli_run(run, NULL, create_post);
		cli_run(run, NULL, create_ping);
		for (guint i = 0; i < members; i++) {
			g_autofree gchar *address = member_address(i);

			g_string_append_printf(addresses, "%s\n", address);
		}
		setup_s = cli_run(run, addresses->str, add_post);
		cli_run(run, POSTER "\n", add_ping);
	}
	printf("  setup    addmembers of %u members: %.2f s\n", members, setup_s);
	fflush(stdout);

	for (guint v = 0; v < options.max_recipients->len; v++) {
		guint max_recipients = g_array_index(options.max_recipients, guint, v);
		Memory memory = {.members = members, .max_recipients = max_recipients};
		PglSmtpSinkStats stats = {0}, stats_after = {0};

		daemon_start(run, max_recipients);
		if (v == 0 && options.posts > 0) {
			pgl_smtp_sink_get_stats(run->sink, &stats);
			measure_latency(run, members, LATENCY_ONE_CONNECTION);
			measure_latency(run, members, LATENCY_NEW_CONNECTION);
			measure_latency(run, members, LATENCY_QUIET);
			measure_fsync_floor(run, members, FALSE);
			measure_fsync_floor(run, members, TRUE);
			/* the single member's copies: every accepted post comes out, once */
			wait_sink(run, stats.recipients + 3 * options.posts, DELIVERY_TIMEOUT_MS);
			wait_idle(run, DELIVERY_TIMEOUT_MS);
			pgl_smtp_sink_get_stats(run->sink, &stats_after);
			if (stats_after.recipients - stats.recipients != 3 * options.posts)
				fail("%u posts to a 1-member list: got %u recipient deliveries, "
				     "want %u",
				     3 * options.posts, stats_after.recipients - stats.recipients,
				     3 * options.posts);
		}
		for (guint r = 0; r < options.rounds; r++)
			measure_fan_out(run, members, max_recipients);
		wait_idle(run, DELIVERY_TIMEOUT_MS);
		if (!daemon_memory(run->pid, &memory.hwm_kib, &memory.rss_kib))
			fail("cannot read /proc/%d/status", (int)run->pid);
		g_array_append_val(memories, memory);
		printf("  memory   members=%-6u max_recipients=%-5u VmHWM=%.1f MiB  "
		       "VmRSS=%.1f MiB%s\n",
		       members, max_recipients, memory.hwm_kib / 1024.0, memory.rss_kib / 1024.0,
		       options.wrapper ? " (of the wrapper's process)" : "");
		fflush(stdout);
		daemon_stop(run);
	}

	if (options.keep)
		printf("  kept %s\n", run->dir);
	current_run = NULL;
	/* the fixture removes the temporary directory, unless it is kept */
}

/* ---- the summary ----------------------------------------------------------------------------- */

static void
print_summary(void)
{
	printf("\n==== summary (medians over %u fan-out round%s) ====\n", options.rounds,
	       options.rounds == 1 ? "" : "s");

	if (latencies->len > 0) {
		printf("\nLMTP accept latency, 1-member list: end of DATA (\".\") -> 250, includes "
		       "the spool fsyncs;\n  \"floor\" rows: the same "
		       "write+fsync+rename+fsync(dir) without the daemon\n");
		printf("%8s  %-26s %5s %9s %9s %9s %9s %10s %8s\n", "members", "mode", "posts",
		       "median", "p90", "p99", "max", "MAIL->250", "posts/s");
		for (guint i = 0; i < latencies->len; i++) {
			Latency *l = &g_array_index(latencies, Latency, i);
			gchar rate[32];
			gchar transaction[32] = "-";

			if (!isnan(l->transaction_median))
				g_snprintf(transaction, sizeof transaction, "%.2f ms",
					   l->transaction_median);
			printf("%8u  %-26s %5u %6.2f ms %6.2f ms %6.2f ms %6.2f ms %10s %8s\n",
			       l->members, l->mode, l->n, l->median, l->p90, l->p99, l->max,
			       transaction, format_rate(rate, sizeof rate, l->posts_per_second));
		}
	}

	printf("\nFan-out: one post to an N-member list, from its LMTP 250 to the relay (sink)\n");
	printf("  first: to the first recipient delivery; all: to the last; idle: to every queue "
	       "empty again;\n  cpu: the daemon's CPU time in that (all threads, both cores); "
	       "conns 0: the connection\n  of the previous post was reused\n");
	printf("%8s %9s %11s %11s %11s %11s %14s %6s %6s\n", "members", "max_rcpt", "first", "all",
	       "idle", "cpu", "deliveries/s", "txns", "conns");
	for (guint i = 0; i < fan_outs->len;) {
		FanOut *first = &g_array_index(fan_outs, FanOut, i);
		g_autoptr(GArray) firsts = g_array_new(FALSE, FALSE, sizeof(gdouble));
		g_autoptr(GArray) alls = g_array_new(FALSE, FALSE, sizeof(gdouble));
		g_autoptr(GArray) idles = g_array_new(FALSE, FALSE, sizeof(gdouble));
		g_autoptr(GArray) cpus = g_array_new(FALSE, FALSE, sizeof(gdouble));
		guint transactions = first->transactions, connections = first->connections;
		guint j = i;

		for (; j < fan_outs->len; j++) {
			FanOut *f = &g_array_index(fan_outs, FanOut, j);

			if (f->members != first->members ||
			    f->max_recipients != first->max_recipients)
				break;
			g_array_append_val(firsts, f->first_ms);
			g_array_append_val(alls, f->all_ms);
			g_array_append_val(idles, f->idle_ms);
			g_array_append_val(cpus, f->cpu_ms);
			transactions = MAX(transactions, f->transactions);
			connections = MAX(connections, f->connections);
		}
		printf("%8u %9u %8.1f ms %8.1f ms %8.1f ms %8.1f ms %14.0f %6u %6u\n",
		       first->members, first->max_recipients, median(firsts), median(alls),
		       median(idles), median(cpus), first->members / (median(alls) / 1000.0),
		       transactions, connections);
		i = j;
	}

	printf("\nDaemon memory after the run (/proc/PID/status)\n");
	printf("%8s %9s %10s %10s\n", "members", "max_rcpt", "VmHWM", "VmRSS");
	for (guint i = 0; i < memories->len; i++) {
		Memory *m = &g_array_index(memories, Memory, i);

		printf("%8u %9u %6.1f MiB %6.1f MiB\n", m->members, m->max_recipients,
		       m->hwm_kib / 1024.0, m->rss_kib / 1024.0);
	}
	printf("\nTargets (DESIGN.md §8): 10,000 members handed to the relay in <= 1 s; LMTP "
	       "accept <= 5 ms median;\n  daemon < 50 MB resident. Timing never fails this "
	       "benchmark.\n");
}

int
main(int argc, char **argv)
{
	g_autofree gchar *members = NULL;
	g_autofree gchar *max_recipients = NULL;
	gint posts = 200, rounds = 5;
	gboolean quick = FALSE;
	GOptionEntry entries[] = {
		{"members", 'n', 0, G_OPTION_ARG_STRING, &members,
		 "list sizes (default 1000,10000)", "N,N,..."},
		{"max-recipients", 'm', 0, G_OPTION_ARG_STRING, &max_recipients,
		 "[mta] max_recipients values (default 500,100,1000)", "M,M,..."},
		{"posts", 'p', 0, G_OPTION_ARG_INT, &posts,
		 "LMTP posts per latency mode (default 200; 0 skips latency)", "COUNT"},
		{"rounds", 'r', 0, G_OPTION_ARG_INT, &rounds,
		 "fan-out posts per list size and max_recipients (default 5)", "COUNT"},
		{"binary", 'b', 0, G_OPTION_ARG_FILENAME, &options.binary,
		 "the pgplist binary (default $PGLIST_BINARY)", "PATH"},
		{"dir", 'd', 0, G_OPTION_ARG_FILENAME, &options.base_dir,
		 "where to make the temporary directories (default $TMPDIR or /tmp)", "DIR"},
		{"wrapper", 'w', 0, G_OPTION_ARG_STRING, &options.wrapper,
		 "run the daemon under this command, e.g. \"valgrind --tool=callgrind\"", "CMD"},
		{"keep", 'k', 0, G_OPTION_ARG_NONE, &options.keep,
		 "keep the temporary directories (database, logs)", NULL},
		{"quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
		 "1000 members, max_recipients 500, 50 posts, 1 round", NULL},
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) context =
		g_option_context_new("- measure LMTP accept, fan-out and memory of pgplist serve");
	g_autoptr(GError) error = NULL;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		fprintf(stderr, "bench-delivery: %s\n", error->message);
		return 2;
	}
	if (quick) {
		members = members ? members : g_strdup("1000");
		max_recipients = max_recipients ? max_recipients : g_strdup("500");
		posts = 50;
		rounds = 1;
	}
	options.members = parse_uint_list(members ? members : "1000,10000", "--members");
	options.max_recipients = parse_uint_list(max_recipients ? max_recipients : "500,100,1000",
						 "--max-recipients");
	if (posts < 0 || rounds < 1) {
		fprintf(stderr, "bench-delivery: --posts must be >= 0 and --rounds >= 1\n");
		return 2;
	}
	options.posts = (guint)posts;
	options.rounds = (guint)rounds;
	if (options.binary == NULL)
		options.binary = g_strdup(g_getenv("PGLIST_BINARY"));
	if (options.binary == NULL) {
		fprintf(stderr, "bench-delivery: set PGLIST_BINARY or pass --binary\n");
		return 2;
	}
	latencies = g_array_new(FALSE, FALSE, sizeof(Latency));
	fan_outs = g_array_new(FALSE, FALSE, sizeof(FanOut));
	memories = g_array_new(FALSE, FALSE, sizeof(Memory));

	printf("pgplist delivery benchmark: %s, %ld core%s, %u posts per latency mode, "
	       "%u fan-out round%s\n",
	       options.binary, cores, cores == 1 ? "" : "s", options.posts, options.rounds,
	       options.rounds == 1 ? "" : "s");
	for (guint i = 0; i < options.members->len; i++)
		bench_members(g_array_index(options.members, guint, i));
	print_summary();

	g_array_unref(latencies);
	g_array_unref(fan_outs);
	g_array_unref(memories);
	g_array_unref(options.members);
	g_array_unref(options.max_recipients);
	g_free(options.binary);
	g_free(options.base_dir);
	g_free(options.wrapper);
	return 0;
}
