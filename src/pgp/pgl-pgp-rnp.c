/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Glue between RNP and the rest of src/pgp: the error domain and the mapping of rnp_result_t
 * into it, creation of RNP contexts ("ffi") whose log output goes to our log, inputs over
 * GBytes, and armor detection and removal.
 *
 * RNP's log: RNP writes diagnostics (every malformed packet, every failed key try) to a FILE it
 * opens on the descriptor given to rnp_ffi_set_log_fd(), and to stderr when none is given. A
 * daemon must not let a library write to its stderr, and the lines can be useful when debugging,
 * so every context gets a duplicate of the write end of one process-wide pipe; one thread reads
 * the pipe and passes each line, sanitised and cut to a bounded length, to g_debug(). The pipe
 * is created once, on first use, and lives until the process exits (the one piece of
 * process-wide state in src/pgp; it holds no data). If the pipe cannot be created, /dev/null is
 * used. XXX: RNP buffers its FILE, so a line may reach us late, and lines of two contexts that
 * flush at the same time may interleave; this is a debug log only.
 */
#include "pgp/pgl-pgp-private.h"

#include "util/pgl-sanitize.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK(pgl-pgp-error-quark, pgl_pgp_error)

/* Longest RNP log line passed on; the rest of a longer line is dropped. */
#define LOG_LINE_MAX 512

/**
 * pgl_pgp_set_rnp_error:
 * @error: return location for a #GError, or %NULL
 * @code: the #PglPgpError to use unless @result says something more precise
 * @result: what RNP returned
 * @format: printf() format of our part of the message (what we tried)
 * @...: arguments for @format
 *
 * Sets @error to @code with the message "WHAT: RNP'S TEXT". A few RNP results override @code
 * because they mean the same thing whatever was tried: a wrong passphrase is always
 * %PGL_PGP_ERROR_BAD_PASSPHRASE, running out of memory %PGL_PGP_ERROR_FAILED.
 */
void
pgl_pgp_set_rnp_error(GError **error, PglPgpError code, rnp_result_t result, const gchar *format,
		      ...)
{
	g_autofree gchar *what = NULL;
	va_list args;

	switch (result) {
	case RNP_ERROR_BAD_PASSWORD:
		code = PGL_PGP_ERROR_BAD_PASSPHRASE;
		break;
	case RNP_ERROR_OUT_OF_MEMORY:
		code = PGL_PGP_ERROR_FAILED;
		break;
	default:
		break;
	}
	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error, PGL_PGP_ERROR, code, "%s: %s", what, rnp_result_to_string(result));
}

static gpointer
log_reader(gpointer user_data)
{
	int fd = GPOINTER_TO_INT(user_data);
	gchar line[LOG_LINE_MAX];
	gsize used = 0;
	gboolean dropping = FALSE;

	for (;;) {
		gchar chunk[4096];
		ssize_t got = read(fd, chunk, sizeof(chunk));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		for (ssize_t i = 0; i < got; i++) {
			if (chunk[i] == '\n') {
				if (used > 0) {
					g_autofree gchar *clean =
						pgl_sanitize(line, used, LOG_LINE_MAX);

					g_debug("rnp: %s", clean);
				}
				used = 0;
				dropping = FALSE;
			} else if (!dropping) {
				line[used++] = chunk[i];
				if (used == sizeof(line)) {
					g_autofree gchar *clean =
						pgl_sanitize(line, used, LOG_LINE_MAX);

					g_debug("rnp: %s...", clean);
					used = 0;
					dropping = TRUE;
				}
			}
		}
	}
	close(fd);
	return NULL;
}

/**
 * pgl_pgp_log_fd_new:
 *
 * A new descriptor for rnp_ffi_set_log_fd(), which takes ownership of it (RNP fdopen()s it and
 * fclose()s it when the context is destroyed). It writes to the process-wide log pipe, or to
 * /dev/null if the pipe could not be made. Close-on-exec, so spawned programs do not inherit it.
 *
 * Returns: a descriptor, or -1 if not even /dev/null could be opened
 */
int
pgl_pgp_log_fd_new(void)
{
	static gsize once = 0;
	static int write_fd = -1;

	if (g_once_init_enter(&once)) {
		int fds[2];

		if (g_unix_open_pipe(fds, FD_CLOEXEC, NULL)) {
			GThread *thread = g_thread_try_new("pgl-pgp-log", log_reader,
							   GINT_TO_POINTER(fds[0]), NULL);

			if (thread != NULL) {
				g_thread_unref(thread);
				write_fd = fds[1];
			} else {
				close(fds[0]);
				close(fds[1]);
			}
		}
		g_once_init_leave(&once, 1);
	}
	if (write_fd >= 0)
		return fcntl(write_fd, F_DUPFD_CLOEXEC, 0);
	return open("/dev/null", O_WRONLY | O_CLOEXEC);
}

/**
 * pgl_pgp_ffi_new:
 * @error: return location for a #GError
 *
 * A new RNP context with empty keyrings in GnuPG's (OpenPGP packet) format, no keyring files, no
 * password provider (so RNP never asks for a passphrase: protected keys are unlocked
 * explicitly), and its log going to our log (see the top of this file).
 *
 * Returns: (transfer full) (nullable): the context, or %NULL with @error set
 */
rnp_ffi_t
pgl_pgp_ffi_new(GError **error)
{
	g_auto(rnp_ffi_t) ffi = NULL;
	rnp_result_t result;
	int fd;

	result = rnp_ffi_create(&ffi, RNP_KEYSTORE_GPG, RNP_KEYSTORE_GPG);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot create an RNP context");
		return NULL;
	}
	fd = pgl_pgp_log_fd_new();
	if (fd < 0) {
		g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_FAILED,
			    "cannot open a log sink for RNP: %s", g_strerror(errno));
		return NULL;
	}
	result = rnp_ffi_set_log_fd(ffi, fd);
	if (result != RNP_SUCCESS) {
		close(fd);
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot set RNP's log descriptor");
		return NULL;
	}
	return g_steal_pointer(&ffi);
}

/**
 * pgl_pgp_input_from_bytes:
 * @input: (out): the new input
 * @bytes: the data; must stay alive (and unchanged) as long as @input
 *
 * An RNP input reading @bytes without copying them.
 *
 * Returns: what rnp_input_from_memory() returned
 */
rnp_result_t
pgl_pgp_input_from_bytes(rnp_input_t *input, GBytes *bytes)
{
	gsize size = 0;
	const guint8 *data = g_bytes_get_data(bytes, &size);
	static const guint8 empty[1] = {0};

	/* RNP refuses a NULL buffer even for zero bytes */
	return rnp_input_from_memory(input, data != NULL ? data : empty, size, false);
}

/**
 * pgl_pgp_looks_armored:
 * @input: OpenPGP data, binary or ASCII-armored
 *
 * Binary OpenPGP data starts with a packet tag, whose high bit is always set (RFC 4880 §4.2);
 * armored data starts with text. Leading white space is skipped.
 *
 * Returns: %TRUE if @input is not binary OpenPGP data (so it may be armored)
 */
gboolean
pgl_pgp_looks_armored(GBytes *input)
{
	gsize size = 0;
	const guint8 *data = g_bytes_get_data(input, &size);

	for (gsize i = 0; i < size; i++) {
		if (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')
			continue;
		return (data[i] & 0x80) == 0;
	}
	return TRUE;
}

/**
 * pgl_pgp_dearmor:
 * @input: ASCII-armored OpenPGP data (RFC 4880 §6.2)
 * @max: largest binary result accepted, 0 for no limit beyond the input's own size
 * @error: return location for a #GError
 *
 * Removes the armor. Not for secret data: the result is an ordinary #GBytes.
 *
 * Returns: (transfer full) (nullable): the binary data, or %NULL with @error set
 *   (%PGL_PGP_ERROR_GARBAGE if @input is not valid armor)
 */
GBytes *
pgl_pgp_dearmor(GBytes *input, gsize max, GError **error)
{
	g_auto(rnp_input_t) in = NULL;
	g_auto(rnp_output_t) out = NULL;
	rnp_result_t result;
	uint8_t *buf = NULL;
	size_t len = 0;

	result = pgl_pgp_input_from_bytes(&in, input);
	if (result == RNP_SUCCESS)
		result = rnp_output_to_memory(&out, max);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_FAILED, result,
				      "cannot set up dearmoring");
		return NULL;
	}
	result = rnp_dearmor(in, out);
	if (result == RNP_SUCCESS)
		result = rnp_output_memory_get_buf(out, &buf, &len, false);
	if (result != RNP_SUCCESS) {
		pgl_pgp_set_rnp_error(error, PGL_PGP_ERROR_GARBAGE, result,
				      "not valid OpenPGP armor");
		return NULL;
	}
	if (len == 0) {
		g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
				    "not valid OpenPGP armor: no data");
		return NULL;
	}
	return g_bytes_new(buf, len);
}
