/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PGP list benchmark of the real `pgplist` binary (DESIGN.md §8: "a signed+encrypted post to a
 * PGP list with 1,000 cv25519 subscribers: all copies handed to the SMTP relay in well under
 * 1 s on one core"), with the fixture of bench-delivery and the integration tests
 * (tests/support/pgl-test-daemon.h, as deployed: no debugging checks, no --verbose).
 *
 * Setup, not timed: subscriber keys are generated in this process with the engine
 * (pgl_pgp_key_generate(), a fake address per key, several threads; Ed25519 + cv25519, or
 * RSA-3072 + RSA-3072), optionally kept in a cache directory between runs (--key-cache). Each
 * list is made with `pgplist create LIST --style pgp-discussion` (an Ed25519 + cv25519 list
 * key, the default); the keys go straight into the database with
 * pgl_store_address_key_set(..., confirmed) and the members with pgl_store_member_add(), in one
 * transaction, before the daemon starts. RSA key generation costs about 1.4 s per key pair, so
 * by default the RSA lists use fewer distinct keys than members (--rsa-keys; members share
 * them round-robin, and the daemon then imports each distinct key once per message, not each
 * member's): the table says how many keys were distinct.
 *
 * For each list (kind of subscriber key, N members, the poster being one of them):
 *
 *  1. Floor, in this process, one thread, before the daemon starts: what the out runner's
 *     crypto costs at the least, on the same keys. Loading the list's secret key; importing
 *     the N subscriber keys one by one into one keyring (pgl_pgp_keyring_add_public(), as
 *     pgl_list_crypto_load_address() does, so the keyring grows to N keys); the lookups
 *     (contains + can_encrypt) per recipient; then, for a sample of recipients, one copy
 *     signed by the list and encrypted to one recipient (pgl_pgp_mime_build_encrypted() with
 *     a payload built once, as deliver_pgp_post() does with [pgp] chunk_size 1) and the same
 *     payload encrypted without signing (pgl_pgp_encrypt(), armored).
 *  2. Fan-out: `pgplist serve` is started (one daemon per list, so that its peak memory is the
 *     list's), a check post (not timed) verifies that every member gets exactly one copy, that
 *     each copy is multipart/encrypted and does not hold the text in clear, and that the
 *     poster's copy decrypts with the poster's key and is signed by the list; then timed posts:
 *     a ~10 KB text signed by the poster and encrypted to the list key, PGP/MIME (RFC 3156
 *     §6.2), made here with pgl_pgp_encrypt() and sent over LMTP. Timed from the LMTP 250 to
 *     the first copy at the sink, to the Nth, and to the daemon being idle; the daemon's CPU
 *     time over it, per thread (/proc/PID/task/TID/schedstat).
 *  3. Memory: VmHWM of the daemon just after it started and after the posts.
 *
 * The SMTP sink runs in this process, on the same cores as the daemon. Timing never makes it
 * fail: it exits 1 only on a functional failure (a post not accepted, copies missing,
 * duplicated, not encrypted or not signed, a message in the bad queue, the daemon not starting
 * or stopping cleanly); the temporary directory is then kept. Run with --help.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <malloc.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/pgl-list.h"
#include "mail/pgl-mail.h"
#include "pgp/pgl-pgp-mime.h"
#include "pgp/pgl-pgp.h"
#include "store/pgl-store.h"
#include "support/pgl-smtp-sink.h"
#include "support/pgl-test-daemon.h"

#define LIST_DOMAIN    "lists.example.org"
#define OWNER	       "owner@example.com"
#define MEMBER_DOMAINS 50
#define BODY_BYTES     10240
#define BODY_MARKER    "PGPBENCH-CLEARTEXT-MARKER-7F3A"

/* generous: a loaded 2-core machine, 10,000 recipients, or the daemon under a profiler */
#define START_TIMEOUT_MS    60000
#define REPLY_TIMEOUT_S	    120
#define DELIVERY_TIMEOUT_MS 1800000
#define STOP_TIMEOUT_MS	    60000

/* ---- options --------------------------------------------------------------------------------- */

typedef struct {
	GArray *cv25519;     /* (owned) (element-type guint) list sizes with cv25519 keys */
	GArray *rsa;	     /* (owned) (element-type guint) list sizes with RSA-3072 keys */
	guint rsa_keys;	     /* distinct RSA subscriber keys at most */
	guint rounds;	     /* timed posts per list, at most */
	guint budget;	     /* ... and at most this many deliveries per list (at least one post) */
	guint samples;	     /* recipients sampled for the per-copy floor */
	guint check_max;     /* check post (all copies kept and verified) up to this size */
	guint threads;	     /* key generation threads */
	gchar *binary;	     /* (owned) */
	gchar *base_dir;     /* (owned) (nullable) where the temporary directory goes */
	gchar *key_cache;    /* (owned) (nullable) directory of generated public keys */
	gchar *wrapper;	     /* (owned) (nullable) command line put before the daemon's */
	gboolean keep;
} Options;

static Options options;

/* ---- failure --------------------------------------------------------------------------------- */

static PglTestDaemon *current_run; /* (unowned) (nullable) the run fail() reports on */

static void G_GNUC_NORETURN G_GNUC_PRINTF(1, 2)
fail(const gchar *format, ...)
{
	va_list ap;
	g_autofree gchar *message = NULL;

	va_start(ap, format);
	message = g_strdup_vprintf(format, ap);
	va_end(ap);
	fprintf(stderr, "bench-pgp: FAILED: %s\n", message);
	if (current_run != NULL && current_run->n_starts > 0) {
		g_autofree gchar *log_path =
			pgl_test_daemon_log_path(current_run, current_run->n_starts);
		g_autofree gchar *log = NULL;

		if (g_file_get_contents(log_path, &log, NULL, NULL)) {
			gsize len = strlen(log);

			fprintf(stderr, "==== daemon log %s (last 8 KiB) ====\n%s\n", log_path,
				len > 8192 ? log + len - 8192 : log);
		}
	}
	if (current_run != NULL) {
		if (current_run->pid > 0)
			kill(current_run->pid, SIGKILL);
		current_run->keep = TRUE;
		fprintf(stderr, "bench-pgp: kept %s\n", current_run->dir);
	}
	exit(1);
}

/* ---- small helpers --------------------------------------------------------------------------- */

static gdouble
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (gdouble)ts.tv_sec * 1000.0 + (gdouble)ts.tv_nsec / 1e6;
}

static gint
compare_double(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a;
	gdouble y = *(const gdouble *)b;

	return x < y ? -1 : x > y ? 1 : 0;
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
		g_array_index(copy, gdouble, copy->len / 2)) /
	       2.0;
}

static gdouble
mean(GArray *values)
{
	gdouble sum = 0;

	if (values->len == 0)
		return NAN;
	for (guint i = 0; i < values->len; i++)
		sum += g_array_index(values, gdouble, i);
	return sum / values->len;
}

static GArray *
parse_uint_list(const gchar *text, const gchar *what)
{
	g_auto(GStrv) parts = g_strsplit(text, ",", -1);
	GArray *values = g_array_new(FALSE, FALSE, sizeof(guint));

	for (guint i = 0; parts[i] != NULL; i++) {
		guint64 value = 0;
		g_autoptr(GError) error = NULL;

		if (g_strstrip(parts[i])[0] == '\0')
			continue;
		if (!g_ascii_string_to_unsigned(parts[i], 10, 1, 1000000, &value, &error)) {
			fprintf(stderr, "bench-pgp: %s: %s\n", what, error->message);
			exit(2);
		}
		g_array_append_val(values, value);
	}
	return values;
}

/* @text with every line ending CRLF, lines starting with "." doubled (RFC 5321 §4.5.2) and the
 * final "." line: LMTP DATA content. */
static gchar *
to_data(const gchar *text, gsize len)
{
	GString *out = g_string_sized_new(len + len / 32 + 8);
	gboolean line_start = TRUE;

	for (gsize i = 0; i < len; i++) {
		if (line_start && text[i] == '.')
			g_string_append_c(out, '.');
		line_start = FALSE;
		if (text[i] == '\r')
			continue;
		if (text[i] == '\n') {
			g_string_append(out, "\r\n");
			line_start = TRUE;
			continue;
		}
		g_string_append_c(out, text[i]);
	}
	if (!line_start)
		g_string_append(out, "\r\n");
	g_string_append(out, ".\r\n");
	return g_string_free(out, FALSE);
}

/* @bytes with LF line ends turned into CRLF (RFC 3156 §5: what is signed is canonical). */
static GBytes *
to_crlf(GBytes *bytes)
{
	gsize len = 0;
	const gchar *data = g_bytes_get_data(bytes, &len);
	GString *out = g_string_sized_new(len + len / 32);

	for (gsize i = 0; i < len; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			g_string_append_c(out, '\r');
		g_string_append_c(out, data[i]);
	}
	return g_string_free_to_bytes(out);
}

/* ---- kinds of subscriber keys and their pools ------------------------------------------------ */

typedef struct {
	const gchar *name;		/* for tables and the key cache */
	PglPgpKeyAlgorithm algorithm;	/* of pgl_pgp_key_generate() */
	const gchar *prefix;		/* of member addresses and list names */
} Kind;

static const Kind kind_cv25519 = {"cv25519", PGL_PGP_KEY_ALGORITHM_ED25519, "cv"};
static const Kind kind_rsa = {"rsa3072", PGL_PGP_KEY_ALGORITHM_RSA3072, "rsa"};

typedef struct {
	gchar *fingerprint; /* (owned) */
	GBytes *public_key; /* (owned) armored, as RNP exports it */
} PoolKey;

static void
pool_key_free(PoolKey *key)
{
	if (key == NULL)
		return;
	g_free(key->fingerprint);
	g_bytes_unref(key->public_key);
	g_free(key);
}

typedef struct {
	const Kind *kind;
	GPtrArray *keys;	 /* (owned) (element-type PoolKey) distinct member keys */
	PglPgpKeyPair *poster;	 /* (owned) the poster's key pair, with its secret key */
	gchar *poster_address;	 /* (owned) */
	guint loaded, generated; /* keys read from the cache, and generated in this run */
	gdouble generate_s;	 /* wall time of the generation */
} Pool;

/* Member @i (1-based; 0 is the poster) of lists of @kind. */
static gchar *
member_address(const Pool *pool, guint i)
{
	if (i == 0)
		return g_strdup(pool->poster_address);
	return g_strdup_printf("%s%06u@d%02u.example.net", pool->kind->prefix, i,
			       i % MEMBER_DOMAINS);
}

/* The key of member @i: the pool's keys round-robin. */
static const PoolKey *
member_key(const Pool *pool, guint i)
{
	g_assert(i > 0 && pool->keys->len > 0);
	return g_ptr_array_index(pool->keys, (i - 1) % pool->keys->len);
}

static gchar *
cache_path(const Kind *kind)
{
	g_autofree gchar *name = g_strdup_printf("%s.keys", kind->name);

	return g_build_filename(options.key_cache, name, NULL);
}

/* Reads up to @want keys of the cache ("FINGERPRINT BASE64-OF-ARMORED-KEY" lines). */
static void
cache_load(Pool *pool, guint want)
{
	g_autofree gchar *path = cache_path(pool->kind);
	g_autofree gchar *contents = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return;
	lines = g_strsplit(contents, "\n", -1);
	for (guint i = 0; lines[i] != NULL && pool->keys->len < want; i++) {
		g_auto(GStrv) fields = g_strsplit(lines[i], " ", 2);
		PoolKey *key;
		guchar *decoded;
		gsize len = 0;

		if (g_strv_length(fields) != 2)
			continue;
		decoded = g_base64_decode(fields[1], &len);
		key = g_new0(PoolKey, 1);
		key->fingerprint = g_strdup(fields[0]);
		key->public_key = g_bytes_new_take(decoded, len);
		g_ptr_array_add(pool->keys, key);
	}
	pool->loaded = pool->keys->len;
}

static void
cache_save(Pool *pool)
{
	g_autofree gchar *path = cache_path(pool->kind);
	g_autoptr(GString) text = g_string_new(NULL);
	g_autoptr(GError) error = NULL;

	if (g_mkdir_with_parents(options.key_cache, 0700) != 0)
		fail("cannot create %s: %s", options.key_cache, g_strerror(errno));
	for (guint i = 0; i < pool->keys->len; i++) {
		const PoolKey *key = g_ptr_array_index(pool->keys, i);
		g_autofree gchar *base64 = g_base64_encode(g_bytes_get_data(key->public_key, NULL),
							   g_bytes_get_size(key->public_key));

		g_string_append_printf(text, "%s %s\n", key->fingerprint, base64);
	}
	if (!g_file_set_contents(path, text->str, (gssize)text->len, &error))
		fail("key cache: %s", error->message);
}

typedef struct {
	const Pool *pool;
	PoolKey **slots; /* (unowned) shared; this job fills first, first+step, ... < end */
	guint first, step, end;
	GError *error;	 /* (owned) (nullable) */
} GenerateJob;

static gpointer
generate_thread(gpointer data)
{
	GenerateJob *job = data;

	for (guint i = job->first; i < job->end; i += job->step) {
		g_autofree gchar *address = member_address(job->pool, i + 1);
		g_autoptr(PglPgpKeyPair) pair = pgl_pgp_key_generate(
			NULL, address, NULL, job->pool->kind->algorithm, NULL, &job->error);
		PoolKey *key;

		if (pair == NULL)
			return NULL;
		key = g_new0(PoolKey, 1);
		key->fingerprint = g_strdup(pair->fingerprint);
		key->public_key = g_bytes_ref(pair->public_key);
		job->slots[i] = key;
	}
	return NULL;
}

/* A pool of @want distinct member keys (from the cache, the rest generated in threads) and a
 * fresh poster key pair. */
static Pool *
pool_new(const Kind *kind, guint want)
{
	Pool *pool = g_new0(Pool, 1);
	g_autoptr(GError) error = NULL;
	gdouble start;

	pool->kind = kind;
	pool->keys = g_ptr_array_new_with_free_func((GDestroyNotify)pool_key_free);
	pool->poster_address = g_strdup_printf("%s-poster@example.com", kind->prefix);
	pool->generate_s = NAN;
	if (options.key_cache != NULL)
		cache_load(pool, want);
	start = now_ms();
	pool->poster = pgl_pgp_key_generate("Poster", pool->poster_address, NULL, kind->algorithm,
					    NULL, &error);
	if (pool->poster == NULL)
		fail("generating the poster's %s key: %s", kind->name, error->message);
	if (pool->keys->len < want) {
		guint have = pool->keys->len;
		guint n_threads = MAX(options.threads, 1);
		g_autofree PoolKey **slots = g_new0(PoolKey *, want);
		g_autofree GenerateJob *jobs = g_new0(GenerateJob, n_threads);
		g_autofree GThread **threads = g_new0(GThread *, n_threads);

		printf("  keys     generating %u %s key pairs in %u thread%s...\n", want - have,
		       kind->name, n_threads, n_threads == 1 ? "" : "s");
		fflush(stdout);
		for (guint t = 0; t < n_threads; t++) {
			jobs[t] = (GenerateJob){.pool = pool, .slots = slots, .first = have + t,
						.step = n_threads, .end = want};
			threads[t] = g_thread_new("keygen", generate_thread, &jobs[t]);
		}
		for (guint t = 0; t < n_threads; t++) {
			g_thread_join(threads[t]);
			if (jobs[t].error != NULL)
				fail("generating %s keys: %s", kind->name, jobs[t].error->message);
		}
		for (guint i = have; i < want; i++)
			g_ptr_array_add(pool->keys, slots[i]);
		pool->generated = want - have;
		if (options.key_cache != NULL)
			cache_save(pool);
	}
	pool->generate_s = (now_ms() - start) / 1000.0;
	printf("  keys     %s: %u distinct member keys (%u from the cache, %u generated) and the "
	       "poster's, %.1f s\n",
	       kind->name, pool->keys->len, pool->loaded, pool->generated, pool->generate_s);
	fflush(stdout);
	return pool;
}

static void
pool_free(Pool *pool)
{
	g_ptr_array_unref(pool->keys);
	pgl_pgp_key_pair_free(pool->poster);
	g_free(pool->poster_address);
	g_free(pool);
}

/* ---- the lists ------------------------------------------------------------------------------- */

typedef struct {
	gdouble list_key_ms;	   /* loading the list's secret key into a new keyring */
	guint imports;		   /* distinct keys imported */
	gdouble import_ms;	   /* per key, mean over all of them, keyring growing to N */
	gdouble import_first_ms;   /* per key, mean over the first 100 (a small keyring) */
	gdouble keyring_kib;	   /* heap in use (mallinfo2) per key imported */
	gdouble lookup_ms;	   /* contains + can_encrypt, per recipient */
	gdouble payload_ms;	   /* pgl_pgp_mime_build_payload(), once per post */
	guint samples;
	gdouble sign_encrypt_ms;   /* mean of pgl_pgp_mime_build_encrypted(), one recipient */
	gdouble sign_encrypt_median_ms;
	gdouble encrypt_ms;	   /* mean of pgl_pgp_encrypt() unsigned, armored */
	gdouble encrypt_median_ms;
	gsize copy_bytes;	   /* size of one copy */
} Floor;

typedef struct {
	gdouble accept_ms;   /* end of DATA -> 250 */
	gdouble first_ms;    /* 250 -> first copy at the sink */
	gdouble all_ms;	     /* 250 -> Nth copy */
	gdouble idle_ms;     /* 250 -> all queues empty */
	gdouble cpu_ms;	     /* daemon CPU time over 250 -> idle, all threads */
	gdouble cpu_first_ms; /* ... over 250 -> first copy (loading the members' keys) */
	gdouble sys_ms;	     /* ... of cpu_ms, in the kernel (fsync, sockets) */
	GHashTable *threads; /* (owned) thread name -> gdouble* CPU ms in that interval */
	guint transactions, connections;
} Round;

typedef struct {
	Pool *pool;	      /* (unowned) */
	guint members;	      /* N, the poster included */
	gchar *address;	      /* (owned) */
	gint64 id;
	gchar *fingerprint;   /* (owned) the list key */
	GBytes *public_key;   /* (owned) */
	GBytes *secret_key;   /* (owned) unprotected (no [pgp] key_passphrase_file) */
	PglPgpKeyring *poster_keyring; /* (owned) the poster's key pair and the list's key */
	guint distinct;	      /* distinct subscriber keys, the poster's included */
	Floor floor;
	GArray *rounds;	      /* (owned) (element-type Round) */
	guint64 hwm_start_kib, hwm_end_kib, rss_end_kib;
	gboolean checked;
} BenchList;

static void
bench_list_free(BenchList *list)
{
	for (guint i = 0; list->rounds != NULL && i < list->rounds->len; i++) {
		Round *round = &g_array_index(list->rounds, Round, i);

		g_clear_pointer(&round->threads, g_hash_table_unref);
	}
	g_clear_pointer(&list->rounds, g_array_unref);
	g_clear_pointer(&list->poster_keyring, pgl_pgp_keyring_unref);
	g_clear_pointer(&list->public_key, g_bytes_unref);
	g_clear_pointer(&list->secret_key, g_bytes_unref);
	g_free(list->fingerprint);
	g_free(list->address);
	g_free(list);
}

/* Fingerprint and key of member @i of @list. */
static void
member_fingerprint_key(const BenchList *list, guint i, const gchar **fingerprint_out,
		       GBytes **public_key_out)
{
	if (i == 0) {
		*fingerprint_out = list->pool->poster->fingerprint;
		*public_key_out = list->pool->poster->public_key;
	} else {
		const PoolKey *key = member_key(list->pool, i);

		*fingerprint_out = key->fingerprint;
		*public_key_out = key->public_key;
	}
}

/* ---- the daemon ------------------------------------------------------------------------------ */

/* `pgplist --config CONFIG ARGS...`; must succeed. Returns its standard output. */
static gchar *
cli_run(PglTestDaemon *run, const gchar *input, const gchar *const *args)
{
	g_autoptr(PglTestCliResult) result = NULL;

	pgl_test_daemon_config_write(run);
	result = pgl_test_daemon_cli_runv(run, run->config_path, input, args);
	if (result->status != 0) {
		g_autofree gchar *line = g_strjoinv(" ", (gchar **)args);

		fail("pgplist %s: got exit status %d, want 0; stderr: %s", line, result->status,
		     result->err);
	}
	return g_steal_pointer(&result->out);
}

static void
daemon_start(PglTestDaemon *run)
{
	g_autoptr(GError) error = NULL;

	if (!pgl_test_daemon_start_full(run, START_TIMEOUT_MS, &error))
		fail("%s", error->message);
}

static void
daemon_stop(PglTestDaemon *run)
{
	g_autoptr(GError) error = NULL;
	gboolean exited = FALSE;
	gint status = 0;

	if (!pgl_test_daemon_signal_full(run, SIGTERM, STOP_TIMEOUT_MS, &exited, &status, &error))
		fail("%s", error->message);
	if (options.wrapper == NULL && (!exited || status != 0))
		fail("pgplist serve on SIGTERM: got %s %d, want exit status 0",
		     exited ? "exit status" : "signal", status);
}

/* VmHWM and VmRSS of @pid in KiB. */
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

/* CPU time of one thread name (several threads may share it), ms */
typedef struct {
	gdouble run_ms; /* on a CPU, user and system: /proc/PID/task/TID/schedstat (ns) */
	gdouble sys_ms; /* of which in the kernel: stime of /proc/PID/task/TID/stat (ticks) */
} ThreadCpu;

/* The CPU time of each live thread of @pid, summed by thread name ("pgl-out", ...): name ->
 * #ThreadCpu. */
static GHashTable *
daemon_threads_cpu(pid_t pid)
{
	g_autofree gchar *task_dir = g_strdup_printf("/proc/%d/task", (int)pid);
	g_autoptr(GDir) dir = g_dir_open(task_dir, 0, NULL);
	GHashTable *cpu = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	gdouble ms_per_tick = 1000.0 / (gdouble)sysconf(_SC_CLK_TCK);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *schedstat_path =
			g_build_filename(task_dir, name, "schedstat", NULL);
		g_autofree gchar *stat_path = g_build_filename(task_dir, name, "stat", NULL);
		g_autofree gchar *comm_path = g_build_filename(task_dir, name, "comm", NULL);
		g_autofree gchar *schedstat = NULL;
		g_autofree gchar *stat = NULL;
		g_autofree gchar *comm = NULL;
		g_auto(GStrv) fields = NULL;
		const gchar *after_comm;
		ThreadCpu *total;

		if (!g_file_get_contents(schedstat_path, &schedstat, NULL, NULL) ||
		    !g_file_get_contents(stat_path, &stat, NULL, NULL) ||
		    !g_file_get_contents(comm_path, &comm, NULL, NULL))
			continue;
		g_strstrip(comm);
		total = g_hash_table_lookup(cpu, comm);
		if (total == NULL) {
			total = g_new0(ThreadCpu, 1);
			g_hash_table_insert(cpu, g_strdup(comm), total);
		}
		total->run_ms += (gdouble)g_ascii_strtoull(schedstat, NULL, 10) / 1e6;
		/* "TID (COMM) STATE ...": stime is field 15, the 13th after the comm (proc(5)) */
		after_comm = strrchr(stat, ')');
		if (after_comm == NULL)
			continue;
		fields = g_strsplit(after_comm + 2, " ", -1);
		if (g_strv_length(fields) > 12)
			total->sys_ms += (gdouble)g_ascii_strtoull(fields[12], NULL, 10) * ms_per_tick;
	}
	return cpu;
}

static gdouble
threads_total(GHashTable *cpu)
{
	GHashTableIter iter;
	gpointer value;
	gdouble total = 0;

	g_hash_table_iter_init(&iter, cpu);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		total += ((ThreadCpu *)value)->run_ms;
	return total;
}

/* @after - @before, by thread name */
static GHashTable *
threads_delta(GHashTable *before, GHashTable *after)
{
	GHashTable *delta = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, after);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		const ThreadCpu *now = value;
		const ThreadCpu *was = g_hash_table_lookup(before, key);
		ThreadCpu *diff = g_new0(ThreadCpu, 1);

		diff->run_ms = now->run_ms - (was != NULL ? was->run_ms : 0);
		diff->sys_ms = now->sys_ms - (was != NULL ? was->sys_ms : 0);
		g_hash_table_insert(delta, g_strdup(key), diff);
	}
	return delta;
}

static gint
compare_threads(gconstpointer a, gconstpointer b, gpointer user_data)
{
	const ThreadCpu *x = g_hash_table_lookup(user_data, *(const gchar *const *)a);
	const ThreadCpu *y = g_hash_table_lookup(user_data, *(const gchar *const *)b);

	return x->run_ms > y->run_ms ? -1 : x->run_ms < y->run_ms ? 1 : 0;
}

/* "pgl-out 812.3 (sys 90), pgl-pipeline 10.1 (sys 0), ...", largest first, < 0.05 left out */
static gchar *
threads_text(GHashTable *cpu)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	GString *text = g_string_new(NULL);
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, cpu);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(names, key);
	g_ptr_array_sort_with_data(names, compare_threads, cpu);
	for (guint i = 0; i < names->len; i++) {
		const ThreadCpu *thread = g_hash_table_lookup(cpu, names->pdata[i]);

		if (thread->run_ms < 0.05)
			continue;
		g_string_append_printf(text, "%s%s %.1f (sys %.0f)", text->len > 0 ? ", " : "",
				       (const gchar *)names->pdata[i], thread->run_ms,
				       thread->sys_ms);
	}
	return g_string_free(text, FALSE);
}

static guint
queue_busy(PglTestDaemon *run)
{
	return pgl_test_daemon_queue_busy(run) + pgl_test_daemon_queue_count(run, "command");
}

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

/* Polls (1 ms) until the daemon's queues are empty; fails after @timeout_ms or on a message in
 * the bad queue or the retry queue (nothing may be deferred here). */
static void
wait_idle(PglTestDaemon *run, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	guint bad;

	while (queue_busy(run) > 0) {
		if (pgl_test_daemon_queue_count(run, "retry") > 0) {
			g_autofree gchar *queues = queues_text(run);

			fail("a copy was deferred (retry queue): %s", queues);
		}
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

static guint
lmtp_read_reply(Lmtp *lmtp, gchar **last_out)
{
	for (;;) {
		g_autofree gchar *line = lmtp_read_line(lmtp);

		if (strlen(line) < 3 || !g_ascii_isdigit(line[0]))
			fail("LMTP: malformed reply \"%s\"", line);
		if (line[3] != '-') {
			if (last_out != NULL)
				*last_out = g_strdup(line);
			return (guint)g_ascii_strtoull(line, NULL, 10);
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

	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lmtp->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	lmtp->start = lmtp->end = 0;
	if (lmtp->fd < 0)
		fail("socket: %s", g_strerror(errno));
	setsockopt(lmtp->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(lmtp->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
	if (connect(lmtp->fd, (struct sockaddr *)&address, sizeof address) != 0)
		fail("LMTP: connect to 127.0.0.1:%u: %s", run->lmtp_port, g_strerror(errno));
	if (lmtp_read_reply(lmtp, &greeting) != 220)
		fail("LMTP greeting: got \"%s\", want 220", greeting);
	lmtp_expect(lmtp, "LHLO bench.example", 250);
}

static void
lmtp_quit(Lmtp *lmtp)
{
	lmtp_expect(lmtp, "QUIT", 221);
	close(lmtp->fd);
	lmtp->fd = -1;
}

/* ---- the post ------------------------------------------------------------------------------- */

/* About BODY_BYTES of plain text, CRLF, with BODY_MARKER in it. */
static gchar *
make_body(void)
{
	GString *body = g_string_new("Hello list,\r\n\r\n" BODY_MARKER "\r\n\r\n");

	for (guint line = 1; body->len < BODY_BYTES; line++)
		g_string_append_printf(body,
				       "Line %03u of the benchmark post: a question, some context "
				       "and a quote.\r\n",
				       line);
	g_string_append(body, "\r\n-- \r\nPoster\r\n");
	return g_string_free(body, FALSE);
}

static gchar *
rfc5322_date(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();

	return g_date_time_format(now, "%a, %d %b %Y %H:%M:%S +0000");
}

/*
 * Post number @n to @list as a PGP/MIME client sends it (RFC 3156 §6.2, as Thunderbird and
 * GnuPG do): the text with its header fields protected inside (RFC 9788), signed by the poster
 * and encrypted to the list key in one OpenPGP message, armored in a multipart/encrypted whose
 * outer Subject is "[...]". Returns LMTP DATA content (CRLF, dot-stuffed, final ".").
 */
static gchar *
make_post(BenchList *list, guint n)
{
	g_autofree gchar *date = rfc5322_date();
	g_autofree gchar *body = make_body();
	g_autofree gchar *inner = NULL;
	g_autofree gchar *outer = NULL;
	g_autoptr(GBytes) plaintext = NULL;
	g_autoptr(GBytes) encrypted = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *recipients[] = {list->fingerprint, NULL};
	const gchar *poster = list->pool->poster_address;

	inner = g_strdup_printf("Content-Type: text/plain; charset=utf-8; "
				"protected-headers=\"v1\"\r\n"
				"Content-Transfer-Encoding: 8bit\r\n"
				"From: Poster <%s>\r\n"
				"To: <%s>\r\n"
				"Subject: Benchmark post %u\r\n"
				"Date: %s\r\n"
				"\r\n"
				"%s",
				poster, list->address, n, date, body);
	plaintext = g_bytes_new(inner, strlen(inner));
	encrypted = pgl_pgp_encrypt(list->poster_keyring, list->pool->poster->fingerprint,
				    recipients, plaintext, PGL_PGP_ENCRYPT_ARMOR, &error);
	if (encrypted == NULL)
		fail("encrypting the post: %s", error->message);
	outer = g_strdup_printf(
		"From: Poster <%s>\r\n"
		"To: <%s>\r\n"
		"Subject: [...]\r\n"
		"Message-ID: <pgp-bench-%u.%08x@client.example.com>\r\n"
		"Date: %s\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n"
		" boundary=\"------------bench-boundary\"\r\n"
		"\r\n"
		"This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
		"--------------bench-boundary\r\n"
		"Content-Type: application/pgp-encrypted\r\n"
		"Content-Description: PGP/MIME version identification\r\n"
		"\r\n"
		"Version: 1\r\n"
		"\r\n"
		"--------------bench-boundary\r\n"
		"Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
		"Content-Description: OpenPGP encrypted message\r\n"
		"Content-Disposition: inline; filename=\"encrypted.asc\"\r\n"
		"\r\n"
		"%.*s\r\n"
		"--------------bench-boundary--\r\n",
		poster, list->address, n, g_random_int(), date, (int)g_bytes_get_size(encrypted),
		(const gchar *)g_bytes_get_data(encrypted, NULL));
	return to_data(outer, strlen(outer));
}

/* One LMTP transaction; returns ms from the end of DATA to the 250, and when the 250 came in
 * @accepted_out. */
static gdouble
lmtp_post(PglTestDaemon *run, BenchList *list, const gchar *content, gdouble *accepted_out)
{
	g_autofree gchar *mail = g_strdup_printf("MAIL FROM:<%s>", list->pool->poster_address);
	g_autofree gchar *rcpt = g_strdup_printf("RCPT TO:<%s>", list->address);
	g_autofree gchar *reply = NULL;
	Lmtp lmtp = {.fd = -1};
	gdouble data_start;

	lmtp_connect(run, &lmtp);
	lmtp_expect(&lmtp, mail, 250);
	lmtp_expect(&lmtp, rcpt, 250);
	lmtp_expect(&lmtp, "DATA", 354);
	data_start = now_ms();
	lmtp_send_all(&lmtp, content, strlen(content));
	if (lmtp_read_reply(&lmtp, &reply) != 250)
		fail("LMTP end of DATA for %s: got \"%s\", want 250", list->address, reply);
	*accepted_out = now_ms();
	lmtp_quit(&lmtp);
	return *accepted_out - data_start;
}

/* ---- measurements ---------------------------------------------------------------------------- */

/* What the list sends, as the out runner has it after unsealing: for the floor. */
static GMimeMessage *
list_copy_message(PglContext *ctx, BenchList *list)
{
	g_autofree gchar *date = rfc5322_date();
	g_autofree gchar *body = make_body();
	g_autofree gchar *text = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(GError) error = NULL;
	GMimeMessage *message = NULL;

	text = g_strdup_printf("From: Poster <%s>\r\n"
			       "To: <%s>\r\n"
			       "Subject: [bench] Benchmark post\r\n"
			       "Message-ID: <pgp-bench-floor@client.example.com>\r\n"
			       "Date: %s\r\n"
			       "List-Id: <%s>\r\n"
			       "MIME-Version: 1.0\r\n"
			       "Content-Type: text/plain; charset=utf-8\r\n"
			       "Content-Transfer-Encoding: 8bit\r\n"
			       "\r\n"
			       "%s",
			       list->pool->poster_address, list->address, date, list->address,
			       body);
	raw = g_bytes_new(text, strlen(text));
	if (!pgl_mail_parse(ctx, raw, &message, &error))
		fail("parsing the floor's message: %s", error->message);
	return message;
}

static void
measure_floor(PglContext *ctx, BenchList *list)
{
	Floor *floor = &list->floor;
	g_autoptr(PglPgpKeyring) keyring = NULL;
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GBytes) payload = NULL;
	g_autoptr(GBytes) canonical = NULL;
	g_autoptr(GArray) sign_encrypt = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) encrypt = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *loaded = NULL;
	gdouble import_total = 0, import_first = 0, lookup_total = 0, start;
	struct mallinfo2 heap_before, heap_after;
	guint first_count = 0;

	start = now_ms();
	keyring = pgl_pgp_keyring_new(&error);
	if (keyring != NULL)
		loaded = pgl_pgp_keyring_add_secret(keyring, list->secret_key, NULL, &error);
	if (loaded == NULL)
		fail("floor: loading the key of %s: %s", list->address, error->message);
	floor->list_key_ms = now_ms() - start;

	/* as pgl_list_crypto_load_address(), member by member */
	heap_before = mallinfo2();
	for (guint i = 0; i < list->members; i++) {
		const gchar *fingerprint;
		GBytes *public_key;
		gdouble t0, t1, t2;
		gboolean contained;

		member_fingerprint_key(list, i, &fingerprint, &public_key);
		t0 = now_ms();
		contained = pgl_pgp_keyring_contains(keyring, fingerprint);
		t1 = now_ms();
		if (!contained) {
			if (!pgl_pgp_keyring_add_public(keyring, public_key, &error))
				fail("floor: importing %s: %s", fingerprint, error->message);
			t2 = now_ms();
			import_total += t2 - t1;
			if (first_count < 100) {
				import_first += t2 - t1;
				first_count++;
			}
			floor->imports++;
		} else {
			t2 = t1;
		}
		if (!pgl_pgp_keyring_can_encrypt(keyring, fingerprint))
			fail("floor: key %s cannot encrypt", fingerprint);
		lookup_total += (t1 - t0) + (now_ms() - t2);
	}
	heap_after = mallinfo2();
	floor->keyring_kib = ((gdouble)heap_after.uordblks - (gdouble)heap_before.uordblks) /
			     1024.0 / MAX(floor->imports, 1);
	floor->import_ms = import_total / MAX(floor->imports, 1);
	floor->import_first_ms = import_first / MAX(first_count, 1);
	floor->lookup_ms = lookup_total / list->members;

	message = list_copy_message(ctx, list);
	start = now_ms();
	payload = pgl_pgp_mime_build_payload(message);
	floor->payload_ms = now_ms() - start;
	canonical = to_crlf(payload);

	/* recipients spread over the list (and the keyring) */
	floor->samples = MIN(list->members, options.samples);
	for (guint s = 0; s < floor->samples; s++) {
		guint i = (guint)((guint64)s * list->members / floor->samples);
		const gchar *fingerprint;
		GBytes *public_key;
		const gchar *recipients[2] = {NULL, NULL};
		g_autoptr(GBytes) copy = NULL;
		g_autoptr(GBytes) encrypted = NULL;
		gdouble elapsed;

		member_fingerprint_key(list, i, &fingerprint, &public_key);
		recipients[0] = fingerprint;
		start = now_ms();
		copy = pgl_pgp_mime_build_encrypted(keyring, list->fingerprint, recipients, message,
						    payload, PGL_PGP_ENCRYPT_NONE, &error);
		elapsed = now_ms() - start;
		if (copy == NULL)
			fail("floor: pgl_pgp_mime_build_encrypted: %s", error->message);
		g_array_append_val(sign_encrypt, elapsed);
		floor->copy_bytes = g_bytes_get_size(copy);

		start = now_ms();
		encrypted = pgl_pgp_encrypt(keyring, NULL, recipients, canonical,
					    PGL_PGP_ENCRYPT_ARMOR, &error);
		elapsed = now_ms() - start;
		if (encrypted == NULL)
			fail("floor: pgl_pgp_encrypt: %s", error->message);
		g_array_append_val(encrypt, elapsed);
	}
	floor->sign_encrypt_ms = mean(sign_encrypt);
	floor->sign_encrypt_median_ms = median(sign_encrypt);
	floor->encrypt_ms = mean(encrypt);
	floor->encrypt_median_ms = median(encrypt);

	printf("  floor    %-8s members=%-6u list key %.2f ms; import %.3f ms/key (%u keys; first "
	       "100: %.3f; heap +%.1f KiB/key);\n"
	       "           lookups %.3f ms/rcpt; payload %.2f ms; sign+encrypt %.3f ms (median "
	       "%.3f), encrypt only %.3f ms (median %.3f)\n"
	       "           per copy of %zu bytes, %u samples\n",
	       list->pool->kind->name, list->members, floor->list_key_ms, floor->import_ms,
	       floor->imports, floor->import_first_ms, floor->keyring_kib, floor->lookup_ms,
	       floor->payload_ms,
	       floor->sign_encrypt_ms, floor->sign_encrypt_median_ms, floor->encrypt_ms,
	       floor->encrypt_median_ms, floor->copy_bytes, floor->samples);
	fflush(stdout);
}

/* Every member got exactly one copy, encrypted, alone in its transaction, the text nowhere in
 * clear; the poster's copy opens with the poster's key and is signed by the list. */
static void
check_copies(PglContext *ctx, BenchList *list, GPtrArray *messages)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	PglSinkMessage *poster_copy = NULL;

	if (messages->len != list->members)
		fail("check post to %s: got %u copies, want %u", list->address, messages->len,
		     list->members);
	for (guint i = 0; i < messages->len; i++) {
		PglSinkMessage *message = g_ptr_array_index(messages, i);
		gsize len = 0;
		const gchar *data = g_bytes_get_data(message->data, &len);

		if (g_strv_length(message->recipients) != 1)
			fail("check post: a transaction had %u recipients, want 1",
			     g_strv_length(message->recipients));
		if (!g_hash_table_add(seen, g_strdup(message->recipients[0])))
			fail("check post: two copies to %s", message->recipients[0]);
		if (g_strstr_len(data, (gssize)len, "multipart/encrypted") == NULL)
			fail("check post: the copy to %s is not multipart/encrypted",
			     message->recipients[0]);
		if (g_strstr_len(data, (gssize)len, BODY_MARKER) != NULL)
			fail("check post: the copy to %s holds the text in clear",
			     message->recipients[0]);
		if (g_strcmp0(message->recipients[0], list->pool->poster_address) == 0)
			poster_copy = message;
	}
	for (guint i = 0; i < list->members; i++) {
		g_autofree gchar *address = member_address(list->pool, i);

		if (!g_hash_table_contains(seen, address))
			fail("check post: no copy to %s", address);
	}
	if (poster_copy == NULL)
		fail("check post: no copy to the poster");
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(PglPgpMimeOpened) opened = pgl_pgp_mime_open(
			ctx, list->poster_keyring, poster_copy->data, NULL, &error);
		gsize len = 0;
		const gchar *text;

		if (opened == NULL)
			fail("check post: the poster's copy does not open: %s", error->message);
		if (opened->encryption != PGL_PGP_MIME_ENCRYPTION_WHOLE)
			fail("check post: the poster's copy is not encrypted as a whole");
		if (!pgl_pgp_mime_opened_signed_by(opened, list->fingerprint))
			fail("check post: the poster's copy is not signed by the list key %s",
			     list->fingerprint);
		text = g_bytes_get_data(opened->entity_bytes, &len);
		if (g_strstr_len(text, (gssize)len, BODY_MARKER) == NULL)
			fail("check post: the poster's copy does not hold the post's text");
	}
}

static void
check_post(PglTestDaemon *run, PglContext *ctx, BenchList *list, guint n)
{
	g_autofree gchar *content = make_post(list, n);
	g_autoptr(GPtrArray) messages = NULL;
	PglSmtpSinkStats before = {0};
	gdouble accepted;

	wait_idle(run, DELIVERY_TIMEOUT_MS);
	/* nothing kept so far; keep this post's copies */
	pgl_smtp_sink_set_keep_messages(run->sink, TRUE);
	pgl_smtp_sink_get_stats(run->sink, &before);
	lmtp_post(run, list, content, &accepted);
	wait_sink(run, before.recipients + list->members, DELIVERY_TIMEOUT_MS);
	wait_idle(run, DELIVERY_TIMEOUT_MS);
	pgl_smtp_sink_set_keep_messages(run->sink, FALSE);
	messages = pgl_smtp_sink_take_messages(run->sink);
	check_copies(ctx, list, messages);
	list->checked = TRUE;
	printf("  check    %-8s members=%-6u every member got one encrypted copy; the poster's "
	       "opens and is signed by the list (%.0f ms)\n",
	       list->pool->kind->name, list->members, now_ms() - accepted);
	fflush(stdout);
}

static void
measure_post(PglTestDaemon *run, BenchList *list, guint n)
{
	g_autofree gchar *content = make_post(list, n);
	g_autofree gchar *threads = NULL;
	g_autoptr(GHashTable) cpu_before = NULL;
	g_autoptr(GHashTable) cpu_first = NULL;
	g_autoptr(GHashTable) cpu_after = NULL;
	g_autoptr(GHashTable) to_first = NULL;
	GHashTableIter iter;
	gpointer value;
	PglSmtpSinkStats before = {0}, after = {0};
	Round round = {0};
	gdouble accepted;

	wait_idle(run, DELIVERY_TIMEOUT_MS);
	pgl_smtp_sink_get_stats(run->sink, &before);
	cpu_before = daemon_threads_cpu(run->pid);
	round.accept_ms = lmtp_post(run, list, content, &accepted);
	wait_sink(run, before.recipients + 1, DELIVERY_TIMEOUT_MS);
	round.first_ms = now_ms() - accepted;
	cpu_first = daemon_threads_cpu(run->pid);
	wait_sink(run, before.recipients + list->members, DELIVERY_TIMEOUT_MS);
	round.all_ms = now_ms() - accepted;
	wait_idle(run, DELIVERY_TIMEOUT_MS);
	round.idle_ms = now_ms() - accepted;
	cpu_after = daemon_threads_cpu(run->pid);
	round.threads = threads_delta(cpu_before, cpu_after);
	round.cpu_ms = threads_total(round.threads);
	to_first = threads_delta(cpu_before, cpu_first);
	round.cpu_first_ms = threads_total(to_first);
	g_hash_table_iter_init(&iter, round.threads);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		round.sys_ms += ((ThreadCpu *)value)->sys_ms;

	pgl_smtp_sink_get_stats(run->sink, &after);
	if (after.recipients - before.recipients != list->members)
		fail("post to %u members: got %u recipient deliveries, want %u", list->members,
		     after.recipients - before.recipients, list->members);
	round.transactions = after.transactions - before.transactions;
	round.connections = after.connections - before.connections;
	if (round.transactions != list->members)
		fail("post to %u members: got %u SMTP transactions, want one per member",
		     list->members, round.transactions);
	threads = threads_text(round.threads);
	printf("  post     %-8s members=%-6u accept=%6.1f ms  first=%8.1f ms  all=%8.1f ms "
	       "(%.3f ms/rcpt)  idle=%8.1f ms\n"
	       "           cpu=%.1f ms (%.3f ms/rcpt; %.1f ms of it to the first copy); by "
	       "thread: %s\n",
	       list->pool->kind->name, list->members, round.accept_ms, round.first_ms,
	       round.all_ms, round.all_ms / list->members, round.idle_ms, round.cpu_ms,
	       round.cpu_ms / list->members, round.cpu_first_ms, threads);
	fflush(stdout);
	g_array_append_val(list->rounds, round);
}

static guint
rounds_for(guint members)
{
	return CLAMP(options.budget / members, 1, options.rounds);
}

static void
bench_list(PglTestDaemon *run, PglContext *ctx, BenchList *list)
{
	guint64 rss = 0;
	guint rounds = rounds_for(list->members);

	printf("\n== %s, %u members (%u distinct keys), list %s\n", list->pool->kind->name,
	       list->members, list->distinct, list->address);
	fflush(stdout);
	measure_floor(ctx, list);

	daemon_start(run);
	if (!daemon_memory(run->pid, &list->hwm_start_kib, &rss))
		fail("cannot read /proc/%d/status", (int)run->pid);
	if (list->members <= options.check_max)
		check_post(run, ctx, list, 0);
	for (guint r = 0; r < rounds; r++)
		measure_post(run, list, r + 1);
	wait_idle(run, DELIVERY_TIMEOUT_MS);
	if (!daemon_memory(run->pid, &list->hwm_end_kib, &list->rss_end_kib))
		fail("cannot read /proc/%d/status", (int)run->pid);
	printf("  memory   %-8s members=%-6u VmHWM after start %.1f MiB, after the posts %.1f "
	       "MiB; VmRSS %.1f MiB%s\n",
	       list->pool->kind->name, list->members, list->hwm_start_kib / 1024.0,
	       list->hwm_end_kib / 1024.0, list->rss_end_kib / 1024.0,
	       options.wrapper ? " (of the wrapper's process)" : "");
	fflush(stdout);
	daemon_stop(run);
}

/* ---- setup ----------------------------------------------------------------------------------- */

static BenchList *
bench_list_new(PglTestDaemon *run, Pool *pool, guint members)
{
	BenchList *list = g_new0(BenchList, 1);
	const gchar *create[] = {"create", NULL, "--style", "pgp-discussion", "--owner", OWNER,
				 NULL};
	g_autofree gchar *out = NULL;

	list->pool = pool;
	list->members = members;
	list->address = g_strdup_printf("pgp-%s-%u@" LIST_DOMAIN, pool->kind->prefix, members);
	list->distinct = 1 + MIN(members - 1, pool->keys->len);
	list->rounds = g_array_new(FALSE, TRUE, sizeof(Round));
	create[1] = list->address;
	out = cli_run(run, NULL, create);
	return list;
}

/* Keys and members straight into the database, in one transaction; the lists' keys back. */
static void
fill_database(PglTestDaemon *run, PglContext **ctx_out, GPtrArray *pools, GPtrArray *lists)
{
	g_autoptr(PglStore) store = pgl_test_daemon_store_open(run, ctx_out);
	g_autoptr(GError) error = NULL;
	gdouble start = now_ms();
	guint n_keys = 0, n_members = 0;

	if (!pgl_store_begin(store, &error))
		fail("store: %s", error->message);
	for (guint p = 0; p < pools->len; p++) {
		Pool *pool = g_ptr_array_index(pools, p);
		guint largest = 0;

		for (guint l = 0; l < lists->len; l++) {
			BenchList *list = g_ptr_array_index(lists, l);

			if (list->pool == pool)
				largest = MAX(largest, list->members);
		}
		if (!pgl_store_address_key_set(store, pool->poster_address,
					       pool->poster->fingerprint, pool->poster->public_key,
					       TRUE, &error))
			fail("store: %s", error->message);
		n_keys++;
		for (guint i = 1; i < largest; i++) {
			g_autofree gchar *address = member_address(pool, i);
			const PoolKey *key = member_key(pool, i);

			if (!pgl_store_address_key_set(store, address, key->fingerprint,
						       key->public_key, TRUE, &error))
				fail("store: %s", error->message);
			n_keys++;
		}
	}
	for (guint l = 0; l < lists->len; l++) {
		BenchList *list = g_ptr_array_index(lists, l);
		g_autoptr(PglList) stored = pgl_store_list_lookup(store, list->address, &error);
		g_autoptr(PglListKey) key = NULL;
		g_autofree gchar *loaded = NULL;

		if (stored == NULL)
			fail("store: %s", error->message);
		list->id = stored->id;
		key = pgl_store_list_key_get(store, list->id, TRUE, &error);
		if (key == NULL || key->secret_key == NULL)
			fail("store: key of %s: %s", list->address,
			     error ? error->message : "no secret key");
		list->fingerprint = g_strdup(key->fingerprint);
		list->public_key = g_bytes_ref(key->public_key);
		list->secret_key = g_bytes_ref(key->secret_key);
		for (guint i = 0; i < list->members; i++) {
			g_autofree gchar *address = member_address(list->pool, i);
			g_autoptr(PglMember) member = pgl_store_member_add(
				store, list->id, address, NULL, PGL_ROLE_MEMBER, &error);

			if (member == NULL)
				fail("store: %s", error->message);
			n_members++;
		}
		/* the poster's keyring: its key pair, and the list's public key */
		list->poster_keyring = pgl_pgp_keyring_new(&error);
		if (list->poster_keyring != NULL)
			loaded = pgl_pgp_keyring_add_secret(list->poster_keyring,
							    list->pool->poster->secret_key, NULL,
							    &error);
		if (loaded == NULL ||
		    !pgl_pgp_keyring_add_public(list->poster_keyring, list->public_key, &error))
			fail("the poster's keyring: %s", error->message);
	}
	if (!pgl_store_commit(store, &error))
		fail("store: %s", error->message);
	printf("  setup    %u address keys (confirmed) and %u memberships stored in %.1f s\n",
	       n_keys, n_members, (now_ms() - start) / 1000.0);
	fflush(stdout);
}

/* ---- the summary ----------------------------------------------------------------------------- */

typedef struct {
	gdouble accept, first, all, idle, cpu, cpu_first, sys;
} Medians;

static Medians
list_medians(BenchList *list)
{
	g_autoptr(GArray) accept = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) first = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) idle = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) cpu = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) cpu_first = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) sys = g_array_new(FALSE, FALSE, sizeof(gdouble));
	Medians medians;

	for (guint i = 0; i < list->rounds->len; i++) {
		Round *round = &g_array_index(list->rounds, Round, i);

		g_array_append_val(accept, round->accept_ms);
		g_array_append_val(first, round->first_ms);
		g_array_append_val(all, round->all_ms);
		g_array_append_val(idle, round->idle_ms);
		g_array_append_val(cpu, round->cpu_ms);
		g_array_append_val(cpu_first, round->cpu_first_ms);
		g_array_append_val(sys, round->sys_ms);
	}
	medians.accept = median(accept);
	medians.first = median(first);
	medians.all = median(all);
	medians.idle = median(idle);
	medians.cpu = median(cpu);
	medians.cpu_first = median(cpu_first);
	medians.sys = median(sys);
	return medians;
}

static void
print_summary(GPtrArray *lists)
{
	printf("\n==== summary (daemon figures: medians over the timed posts) ====\n");

	printf("\nFan-out of one signed+encrypted post (~10 KB) to a PGP list, one copy per "
	       "member ([pgp] chunk_size 1):\n"
	       "  first: LMTP 250 -> first copy at the sink (the out runner loads every "
	       "member's key before it sends);\n"
	       "  all: -> last copy; then/copy: (all - first) / (N - 1); cpu: the daemon's CPU "
	       "time (all threads) from the\n"
	       "  250 to idle; VmHWM: peak resident memory of the daemon after start and after "
	       "the posts\n");
	printf("%-8s %7s %8s %5s %7s %9s %9s %9s %10s %9s %8s %15s\n", "keys", "members",
	       "distinct", "posts", "accept", "first", "all", "all/rcpt", "then/copy",
	       "cpu/rcpt", "copies/s", "VmHWM start/end");
	for (guint i = 0; i < lists->len; i++) {
		BenchList *list = g_ptr_array_index(lists, i);
		Medians m = list_medians(list);

		printf("%-8s %7u %8u %5u %4.1f ms %6.0f ms %6.0f ms %6.3f ms %7.3f ms %6.3f ms "
		       "%8.0f %6.1f/%.1f MiB\n",
		       list->pool->kind->name, list->members, list->distinct, list->rounds->len,
		       m.accept, m.first, m.all, m.all / list->members,
		       (m.all - m.first) / (list->members - 1), m.cpu / list->members,
		       list->members / (m.all / 1000.0), list->hwm_start_kib / 1024.0,
		       list->hwm_end_kib / 1024.0);
	}

	printf("\nThe daemon's CPU time per recipient (all threads): load: from the 250 to the "
	       "first copy, / N (decrypting,\n  judging and sealing the post, unsealing it, and "
	       "each member's key from the database into the keyring);\n  send: from the first "
	       "copy to idle, / (N - 1) (sign+encrypt, SMTP, delivery record); sys: kernel "
	       "share\n  of all of it (in 10 ms ticks: rough for small lists)\n");
	printf("%-8s %7s %10s %10s %10s %6s\n", "keys", "members", "cpu/rcpt", "load/rcpt",
	       "send/copy", "sys");
	for (guint i = 0; i < lists->len; i++) {
		BenchList *list = g_ptr_array_index(lists, i);
		Medians m = list_medians(list);

		printf("%-8s %7u %7.3f ms %7.3f ms %7.3f ms %5.0f%%\n", list->pool->kind->name,
		       list->members, m.cpu / list->members, m.cpu_first / list->members,
		       (m.cpu - m.cpu_first) / (list->members - 1), 100.0 * m.sys / m.cpu);
	}

	printf("\nCrypto floor in this process, one thread, same keys (per recipient unless "
	       "said):\n"
	       "  import: pgl_pgp_keyring_add_public() into a keyring growing to all the list's "
	       "distinct keys (first100:\n  into a small one); keyring: heap in use per key "
	       "imported (mallinfo2); lookups: contains + can_encrypt;\n"
	       "  sign+enc: pgl_pgp_mime_build_encrypted() for one recipient; enc only: "
	       "pgl_pgp_encrypt() unsigned, armored\n");
	printf("%-8s %7s %9s %10s %10s %11s %9s %9s %11s %11s\n", "keys", "members", "list key",
	       "import", "(first100)", "keyring", "lookups", "payload", "sign+enc", "enc only");
	for (guint i = 0; i < lists->len; i++) {
		BenchList *list = g_ptr_array_index(lists, i);
		Floor *f = &list->floor;

		printf("%-8s %7u %6.2f ms %7.3f ms %7.3f ms %4.1f KiB/key %6.3f ms %6.2f ms "
		       "%8.3f ms %8.3f ms\n",
		       list->pool->kind->name, list->members, f->list_key_ms, f->import_ms,
		       f->import_first_ms, f->keyring_kib, f->lookup_ms, f->payload_ms,
		       f->sign_encrypt_ms, f->encrypt_ms);
	}

	printf("\nDaemon against the floor, per recipient: ratio = all/rcpt / (sign+enc); "
	       "+import: against sign+enc plus\n  import x distinct/members; the daemon's CPU "
	       "per recipient, and its send CPU per copy, against sign+enc\n");
	printf("%-8s %7s %10s %10s %7s %11s %7s %10s %7s %10s %7s\n", "keys", "members",
	       "all/rcpt", "sign+enc", "ratio", "+import", "ratio", "cpu/rcpt", "ratio",
	       "send/copy", "ratio");
	for (guint i = 0; i < lists->len; i++) {
		BenchList *list = g_ptr_array_index(lists, i);
		Medians m = list_medians(list);
		Floor *f = &list->floor;
		gdouble per = m.all / list->members;
		gdouble cpu_per = m.cpu / list->members;
		gdouble with_import =
			f->sign_encrypt_ms + f->import_ms * f->imports / (gdouble)list->members;

		gdouble send_per = (m.cpu - m.cpu_first) / (list->members - 1);

		printf("%-8s %7u %7.3f ms %7.3f ms %6.1fx %8.3f ms %6.1fx %7.3f ms %6.1fx %7.3f ms "
		       "%6.1fx\n",
		       list->pool->kind->name, list->members, per, f->sign_encrypt_ms,
		       per / f->sign_encrypt_ms, with_import, per / with_import, cpu_per,
		       cpu_per / f->sign_encrypt_ms, send_per, send_per / f->sign_encrypt_ms);
	}
	printf("\nTarget (issue, DESIGN.md §8): 1,000 cv25519 recipients in < 0.5 s on one core, "
	       "within 4x of the bare crypto\n  cost, memory flat in list size. Timing never "
	       "fails this benchmark.\n");
}

/* ---- main ------------------------------------------------------------------------------------ */

int
main(int argc, char **argv)
{
	g_autofree gchar *cv25519 = NULL;
	g_autofree gchar *rsa = NULL;
	gint rsa_keys = 100, rounds = 3, budget = 10000, samples = 200, check_max = 1000;
	gint threads = 0;
	gboolean quick = FALSE;
	GOptionEntry entries[] = {
		{"cv25519", 'c', 0, G_OPTION_ARG_STRING, &cv25519,
		 "list sizes with Ed25519+cv25519 member keys (default 100,1000,10000; \"\" for "
		 "none)",
		 "N,N,..."},
		{"rsa", 'r', 0, G_OPTION_ARG_STRING, &rsa,
		 "list sizes with RSA-3072 member keys (default 100,1000; \"\" for none)",
		 "N,N,..."},
		{"rsa-keys", 'K', 0, G_OPTION_ARG_INT, &rsa_keys,
		 "distinct RSA member keys at most, shared round-robin beyond (default 100; "
		 "generating one takes ~1.4 s)",
		 "COUNT"},
		{"rounds", 'p', 0, G_OPTION_ARG_INT, &rounds,
		 "timed posts per list, at most (default 3)", "COUNT"},
		{"budget", 'B', 0, G_OPTION_ARG_INT, &budget,
		 "and at most this many deliveries per list, one post at least (default 10000)",
		 "COUNT"},
		{"samples", 's', 0, G_OPTION_ARG_INT, &samples,
		 "recipients sampled for the per-copy crypto floor (default 200)", "COUNT"},
		{"check-max", 0, 0, G_OPTION_ARG_INT, &check_max,
		 "check post (every copy kept and verified) for lists up to this size (default "
		 "1000)",
		 "N"},
		{"threads", 't', 0, G_OPTION_ARG_INT, &threads,
		 "key generation threads (default: the number of cores)", "COUNT"},
		{"key-cache", 'C', 0, G_OPTION_ARG_FILENAME, &options.key_cache,
		 "keep generated member public keys in this directory and reuse them", "DIR"},
		{"binary", 'b', 0, G_OPTION_ARG_FILENAME, &options.binary,
		 "the pgplist binary (default $PGLIST_BINARY)", "PATH"},
		{"dir", 'd', 0, G_OPTION_ARG_FILENAME, &options.base_dir,
		 "where to make the temporary directory (default $TMPDIR or /tmp)", "DIR"},
		{"wrapper", 'w', 0, G_OPTION_ARG_STRING, &options.wrapper,
		 "run the daemon under this command, e.g. \"valgrind --tool=callgrind\"", "CMD"},
		{"keep", 'k', 0, G_OPTION_ARG_NONE, &options.keep,
		 "keep the temporary directory (database, logs)", NULL},
		{"quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
		 "cv25519 100 and 1000, RSA 100 with 20 distinct keys, one post each", NULL},
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) context = g_option_context_new(
		"- measure signed+encrypted posts to PGP lists through pgplist serve");
	g_autoptr(GError) error = NULL;
	g_autoptr(PglTestDaemon) run = NULL;
	g_autoptr(PglContext) ctx = NULL;
	g_autoptr(GPtrArray) pools = g_ptr_array_new_with_free_func((GDestroyNotify)pool_free);
	g_autoptr(GPtrArray) lists =
		g_ptr_array_new_with_free_func((GDestroyNotify)bench_list_free);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	gdouble start = now_ms();
	const struct {
		const Kind *kind;
		GArray **sizes;
	} groups[] = {{&kind_cv25519, &options.cv25519}, {&kind_rsa, &options.rsa}};

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		fprintf(stderr, "bench-pgp: %s\n", error->message);
		return 2;
	}
	if (quick) {
		cv25519 = cv25519 ? cv25519 : g_strdup("100,1000");
		rsa = rsa ? rsa : g_strdup("100");
		rsa_keys = 20;
		rounds = 1;
	}
	if (rsa_keys < 1 || rounds < 1 || budget < 1 || samples < 1 || check_max < 0 ||
	    threads < 0) {
		fprintf(stderr, "bench-pgp: counts must be positive\n");
		return 2;
	}
	options.cv25519 = parse_uint_list(cv25519 ? cv25519 : "100,1000,10000", "--cv25519");
	options.rsa = parse_uint_list(rsa ? rsa : "100,1000", "--rsa");
	options.rsa_keys = (guint)rsa_keys;
	options.rounds = (guint)rounds;
	options.budget = (guint)budget;
	options.samples = (guint)samples;
	options.check_max = (guint)check_max;
	options.threads = threads > 0 ? (guint)threads : (guint)MAX(cores, 1);
	if (options.binary == NULL)
		options.binary = g_strdup(g_getenv("PGLIST_BINARY"));
	if (options.binary == NULL) {
		fprintf(stderr, "bench-pgp: set PGLIST_BINARY or pass --binary\n");
		return 2;
	}
	g_mime_init();

	printf("pgplist PGP list benchmark: %s, %ld core%s, up to %u timed post%s per list "
	       "(%u deliveries at most)\n",
	       options.binary, cores, cores == 1 ? "" : "s", options.rounds,
	       options.rounds == 1 ? "" : "s", options.budget);
	run = pgl_test_daemon_new(options.base_dir, PGL_TEST_DAEMON_FLAG_BENCHMARK, &error);
	if (run == NULL)
		fail("%s", error->message);
	current_run = run;
	g_free(run->binary);
	run->binary = g_strdup(options.binary);
	if (options.wrapper != NULL &&
	    !g_shell_parse_argv(options.wrapper, NULL, &run->wrapper, &error))
		fail("--wrapper: %s", error->message);
	run->keep = options.keep;
	run->timeout_ms = DELIVERY_TIMEOUT_MS;
	pgl_smtp_sink_set_keep_messages(run->sink, FALSE);
	printf("  var dir  %s\n", run->dir);

	for (guint g = 0; g < G_N_ELEMENTS(groups); g++) {
		GArray *sizes = *groups[g].sizes;
		guint largest = 0;
		Pool *pool;

		for (guint i = 0; i < sizes->len; i++)
			largest = MAX(largest, g_array_index(sizes, guint, i));
		if (largest == 0)
			continue;
		if (groups[g].kind == &kind_rsa)
			pool = pool_new(groups[g].kind, MIN(largest - 1, options.rsa_keys));
		else
			pool = pool_new(groups[g].kind, largest - 1);
		g_ptr_array_add(pools, pool);
		for (guint i = 0; i < sizes->len; i++) {
			guint members = g_array_index(sizes, guint, i);

			if (members < 2)
				fail("a list needs 2 members at least (the poster and one more)");
			g_ptr_array_add(lists, bench_list_new(run, pool, members));
		}
	}
	if (lists->len == 0)
		fail("no lists to measure");
	fill_database(run, &ctx, pools, lists);

	for (guint i = 0; i < lists->len; i++)
		bench_list(run, ctx, g_ptr_array_index(lists, i));
	print_summary(lists);
	printf("\nwhole run: %.0f s\n", (now_ms() - start) / 1000.0);
	if (options.keep)
		printf("kept %s\n", run->dir);

	current_run = NULL;
	g_clear_pointer(&lists, g_ptr_array_unref);
	g_clear_pointer(&pools, g_ptr_array_unref);
	g_clear_pointer(&run, pgl_test_daemon_free);
	g_array_unref(options.cv25519);
	g_array_unref(options.rsa);
	g_free(options.binary);
	g_free(options.base_dir);
	g_free(options.key_cache);
	g_free(options.wrapper);
	return 0;
}
