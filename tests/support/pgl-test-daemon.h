/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The real `pgplist` binary as a test fixture (cf. notmuch's test suite), for the integration
 * tests and the benchmarks: a temporary directory with a configuration, the command line run as
 * a subprocess, `pgplist serve` started with `[lmtp] port = 0` (it prints "listening
 * lmtp=HOST:PORT" once ready) and stopped or killed, mail in over LMTP (pgl-test-lmtp.h), and
 * what the daemon hands to its relay collected from an in-process SMTP sink (pgl-smtp-sink.h)
 * and parsed with GMime. Queue state is read from the spool directories and, where the command
 * line has no view of it, from the store.
 *
 * Waiting is always polling with a deadline, never a fixed sleep: "idle" means the in,
 * pipeline, out and retry queues are all empty, which the daemon only reaches once everything
 * it produced is durable elsewhere (STYLE.md §6), so it is a reliable barrier before counting
 * what the sink got. Every single wait is bounded (PGL_TEST_DAEMON_TIMEOUT_MS unless the
 * fixture's timeout_ms says otherwise); tests end as soon as their condition holds.
 *
 * A daemon must never outlive its test: the fixture stops it in pgl_test_daemon_clear(), the
 * handler of pgl_test_daemon_install_abort_handler() kills it on a failed assertion (and copies
 * its logs to stderr, and stops the gpg-agents of pgl-test-gpg.h), and PR_SET_PDEATHSIG kills
 * it if the test process dies any other way.
 *
 * Most functions assert (GTest) instead of returning errors, and say "got X, want Y" first;
 * the _full variants return errors for programs that report failures their own way (the
 * benchmarks). The binary is found through $PGLIST_BINARY (set by meson).
 */
#pragma once

#include <gio/gio.h>
#include <gmime/gmime.h>
#include <string.h>

#include "core/pgl-context.h"
#include "store/pgl-store.h"
#include "support/pgl-smtp-sink.h"

G_BEGIN_DECLS

/* any single wait; tests end as soon as the condition holds */
#define PGL_TEST_DAEMON_TIMEOUT_MS 30000
#define PGL_TEST_DAEMON_POLL_MS	   10

/* Failures say what was compared, what we got and what we wanted. */
#define PGL_TEST_ASSERT_UINT(got, want)                                                            \
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

#define PGL_TEST_ASSERT_STR(got, want)                                                             \
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

#define PGL_TEST_ASSERT_CONTAINS(haystack, needle)                                                 \
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

/**
 * PglTestDaemonFlags:
 * @PGL_TEST_DAEMON_FLAG_NONE: a test: the daemon runs with --verbose and
 *   G_DEBUG=gc-friendly,fatal-criticals, a short SMTP timeout and fast retries
 * @PGL_TEST_DAEMON_FLAG_BENCHMARK: the binary as deployed: no --verbose, no G_DEBUG,
 *   MALLOC_CHECK_ or MALLOC_PERTURB_, only the configuration every run needs
 *
 * How pgl_test_daemon_init() sets the fixture up.
 */
typedef enum {
	PGL_TEST_DAEMON_FLAG_NONE = 0,
	PGL_TEST_DAEMON_FLAG_BENCHMARK = 1 << 0,
} PglTestDaemonFlags;

/**
 * PglTestReceived:
 * @raw: what the sink got
 * @mime: the message parsed, or %NULL if it did not parse
 * @text: the decoded text of every text part, attachments included
 *
 * One SMTP transaction the daemon made to its relay.
 */
typedef struct {
	PglSinkMessage *raw; /* (owned) */
	GMimeMessage *mime;  /* (owned) (nullable) */
	gchar *text;	     /* (owned) */
} PglTestReceived;

/**
 * PglTestCliResult:
 * @status: the exit status, or -1 if a signal ended the command
 * @out: its standard output
 * @err: its standard error
 *
 * What one `pgplist` command did.
 */
typedef struct {
	gint status;
	gchar *out; /* (owned) */
	gchar *err; /* (owned) */
} PglTestCliResult;

/**
 * PglTestDaemon:
 *
 * The fixture: a GTest fixture struct itself (pgl_test_daemon_init() and _clear() as set_up
 * and tear_down), or embedded in a bigger one, or made with pgl_test_daemon_new(). Tests read
 * the fields and change @config and @sink between runs.
 */
typedef struct {
	gchar *dir;	      /* (owned) the temporary directory, for a test's own files too */
	gchar *var_dir;	      /* (owned) [paths] var_dir, in @dir */
	gchar *config_path;   /* (owned) in @dir */
	GKeyFile *config;     /* (owned) written to @config_path before each command and start */
	gchar *binary;	      /* (owned) (nullable) $PGLIST_BINARY; may be replaced */
	gchar **wrapper;      /* (owned) (nullable) words put before the daemon's command line */
	PglTestDaemonFlags flags;
	gboolean keep;	      /* keep @dir at the end (also with $PGLIST_TEST_KEEP) */
	gboolean uses_tls;    /* the daemon talks TLS to its relay; see pgl_test_daemon_start() */
	guint timeout_ms;     /* any single wait of the asserting functions (0: the default) */
	PglSmtpSink *sink;    /* (owned) (nullable) the relay */
	GPtrArray *received;  /* (owned) (element-type PglTestReceived) all the sink got so far */
	GSubprocess *process; /* (owned) (nullable) the running `pgplist serve` */
	gint pid;	      /* its process ID, or 0 */
	guint16 lmtp_port;    /* where it listens */
	guint n_starts;	      /* starts so far; the Nth wrote daemon-N.log in @dir */
	guint message_counter;
	gint abort_slot; /* for the abort handler, or -1 */
} PglTestDaemon;

/* set-up and tear-down */
gboolean pgl_test_daemon_init(PglTestDaemon *fixture, const gchar *base_dir,
			      PglTestDaemonFlags flags, GError **error);
void pgl_test_daemon_clear(PglTestDaemon *fixture);
PglTestDaemon *pgl_test_daemon_new(const gchar *base_dir, PglTestDaemonFlags flags,
				   GError **error);
void pgl_test_daemon_free(PglTestDaemon *fixture);
void pgl_test_daemon_install_abort_handler(void);
void pgl_test_daemon_wait_for_pool_threads(void);
void pgl_test_daemon_config_write(PglTestDaemon *fixture);
void pgl_test_daemon_config_set_relay_port(PglTestDaemon *fixture, guint16 port);
gchar *pgl_test_daemon_write_file(PglTestDaemon *fixture, const gchar *name, const gchar *text);
guint16 pgl_test_daemon_closed_port(void);

/* the daemon */
gchar *pgl_test_daemon_log_path(PglTestDaemon *fixture, guint n);
void pgl_test_daemon_print_logs(PglTestDaemon *fixture);
gboolean pgl_test_daemon_start_full(PglTestDaemon *fixture, guint timeout_ms, GError **error);
void pgl_test_daemon_start(PglTestDaemon *fixture);
gboolean pgl_test_daemon_signal_full(PglTestDaemon *fixture, gint signum, guint timeout_ms,
				     gboolean *exited_out, gint *status_out, GError **error);
void pgl_test_daemon_stop(PglTestDaemon *fixture);
void pgl_test_daemon_kill(PglTestDaemon *fixture);

/* the command line */
PglTestCliResult *pgl_test_daemon_cli_runv(PglTestDaemon *fixture, const gchar *config_path,
					   const gchar *stdin_text, const gchar *const *args);
PglTestCliResult *pgl_test_daemon_cli_run(PglTestDaemon *fixture, const gchar *stdin_text, ...)
	G_GNUC_NULL_TERMINATED;
gchar *pgl_test_daemon_cli_ok(PglTestDaemon *fixture, const gchar *stdin_text, ...)
	G_GNUC_NULL_TERMINATED;
void pgl_test_cli_result_free(PglTestCliResult *result);
void pgl_test_cli_result_assert_ok(PglTestCliResult *result, const gchar *what);
void pgl_test_cli_result_assert_error(PglTestCliResult *result, const gchar *needle,
				      const gchar *what);

/* Exit status 0. */
#define pgl_test_cli_assert_ok(result)                                                             \
	pgl_test_cli_result_assert_ok((result), G_STRINGIFY(__LINE__))
/* Exit status 1, nothing on stdout, exactly one line on stderr that contains @needle. */
#define pgl_test_cli_assert_error(result, needle)                                                  \
	pgl_test_cli_result_assert_error((result), (needle), G_STRINGIFY(__LINE__))

/* the spool */
guint pgl_test_daemon_queue_count(PglTestDaemon *fixture, const gchar *queue);
guint pgl_test_daemon_queue_count_files(PglTestDaemon *fixture, const gchar *queue);
guint pgl_test_daemon_queue_busy(PglTestDaemon *fixture);

typedef gboolean (*PglTestDaemonCondition)(PglTestDaemon *fixture, gpointer user_data);
gboolean pgl_test_daemon_wait_until(PglTestDaemon *fixture, PglTestDaemonCondition condition,
				    gpointer user_data, guint timeout_ms);
void pgl_test_daemon_wait_idle(PglTestDaemon *fixture);
void pgl_test_daemon_wait_sink(PglTestDaemon *fixture, guint total_deliveries);

/* the store */
PglStore *pgl_test_daemon_store_open(PglTestDaemon *fixture, PglContext **ctx_out);

/* mail in */
gchar *pgl_test_daemon_new_message_id(PglTestDaemon *fixture);
gchar *pgl_test_daemon_rfc5322_date(void);
gchar *pgl_test_daemon_make_message(const gchar *from, const gchar *to, const gchar *subject,
				    const gchar *message_id, const gchar *body);
guint pgl_test_daemon_lmtp_send(PglTestDaemon *fixture, const gchar *from,
				const gchar *recipient, const gchar *message);

/* mail out */
void pgl_test_daemon_collect(PglTestDaemon *fixture);
guint pgl_test_daemon_copies_to(PglTestDaemon *fixture, const gchar *message_id,
				const gchar *recipient);
GPtrArray *pgl_test_daemon_transactions_of(PglTestDaemon *fixture, const gchar *message_id);
GPtrArray *pgl_test_daemon_messages_to(PglTestDaemon *fixture, const gchar *recipient,
				       const gchar *subject_part);
void pgl_test_daemon_dump_received(PglTestDaemon *fixture);
void pgl_test_daemon_assert_delivered_once(PglTestDaemon *fixture, const gchar *message_id,
					   const gchar *const *recipients);

void pgl_test_received_free(PglTestReceived *received);
const gchar *pgl_test_received_message_id(PglTestReceived *received);
const gchar *pgl_test_received_header(PglTestReceived *received, const gchar *name);
guint pgl_test_received_header_count(PglTestReceived *received, const gchar *name);
gboolean pgl_test_received_has_recipient(PglTestReceived *received, const gchar *recipient);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglTestDaemon, pgl_test_daemon_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglTestCliResult, pgl_test_cli_result_free)

G_END_DECLS
