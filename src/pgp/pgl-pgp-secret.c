/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Wiped memory for secret data. A #PglPgpSecretBuffer collects RNP's output (RNP writes through
 * a callback, so the data never sits in an RNP-owned output buffer of ours that would be freed
 * unwiped); when it grows, the old block is wiped before it is freed, so no stale copy of the
 * plaintext is left in the heap. The finished buffer becomes a #GBytes whose free function wipes
 * the whole block (capacity, not only length).
 *
 * Invariant: every block this file frees was overwritten with explicit_bzero() first.
 * XXX: RNP's own internal buffers (decryption and decompression chunks) are outside our control.
 */
#include "pgp/pgl-pgp-private.h"
#include "pgp/pgl-pgp-secret.h"

#include <string.h>

struct _PglPgpSecretBuffer {
	guint8 *data;	 /* (owned) (nullable) */
	gsize len;
	gsize capacity;
	gsize max;	 /* 0: no limit */
	gboolean overflowed;
};

static void
secret_block_free(gpointer data)
{
	PglPgpSecretBuffer *buffer = data;

	if (buffer->data != NULL) {
		explicit_bzero(buffer->data, buffer->capacity);
		g_free(buffer->data);
	}
	g_free(buffer);
}

/**
 * pgl_pgp_secret_buffer_new:
 * @max: the most bytes the buffer accepts; 0 for no limit
 *
 * Returns: (transfer full): an empty buffer
 */
PglPgpSecretBuffer *
pgl_pgp_secret_buffer_new(gsize max)
{
	PglPgpSecretBuffer *buffer = g_new0(PglPgpSecretBuffer, 1);

	buffer->max = max;
	return buffer;
}

/**
 * pgl_pgp_secret_buffer_free:
 * @buffer: (nullable) (transfer full): a buffer
 *
 * Wipes and frees @buffer.
 */
void
pgl_pgp_secret_buffer_free(PglPgpSecretBuffer *buffer)
{
	if (buffer != NULL)
		secret_block_free(buffer);
}

/**
 * pgl_pgp_secret_buffer_append:
 * @buffer: a buffer
 * @data: bytes to add
 * @len: how many
 *
 * Returns: %FALSE (and remembers it: pgl_pgp_secret_buffer_overflowed()) if @buffer would hold
 *   more than its maximum; nothing is added then
 */
gboolean
pgl_pgp_secret_buffer_append(PglPgpSecretBuffer *buffer, const void *data, gsize len)
{
	if (buffer->overflowed)
		return FALSE;
	if (len > G_MAXSIZE - buffer->len ||
	    (buffer->max != 0 && buffer->len + len > buffer->max)) {
		buffer->overflowed = TRUE;
		return FALSE;
	}
	if (buffer->len + len > buffer->capacity) {
		gsize capacity = MAX(buffer->capacity, 4096);
		guint8 *grown;

		while (capacity < buffer->len + len)
			capacity = capacity <= G_MAXSIZE / 2 ? capacity * 2 : buffer->len + len;
		grown = g_malloc(capacity);
		if (buffer->data != NULL) {
			memcpy(grown, buffer->data, buffer->len);
			explicit_bzero(buffer->data, buffer->capacity);
			g_free(buffer->data);
		}
		buffer->data = grown;
		buffer->capacity = capacity;
	}
	if (len > 0)
		memcpy(buffer->data + buffer->len, data, len);
	buffer->len += len;
	return TRUE;
}

/**
 * pgl_pgp_secret_buffer_overflowed:
 * @buffer: a buffer
 *
 * Returns: %TRUE if an append was refused because of the maximum
 */
gboolean
pgl_pgp_secret_buffer_overflowed(PglPgpSecretBuffer *buffer)
{
	return buffer->overflowed;
}

static bool
secret_buffer_write(void *app_ctx, const void *buf, size_t len)
{
	return pgl_pgp_secret_buffer_append(app_ctx, buf, len);
}

/**
 * pgl_pgp_secret_buffer_output:
 * @buffer: a buffer that outlives the output
 * @output: (out): the new RNP output
 *
 * An RNP output that appends to @buffer. It has no close callback, so destroying it never
 * touches @buffer; destroy it (it may flush) before taking the data out of @buffer.
 *
 * Returns: what rnp_output_to_callback() returned
 */
rnp_result_t
pgl_pgp_secret_buffer_output(PglPgpSecretBuffer *buffer, rnp_output_t *output)
{
	return rnp_output_to_callback(output, secret_buffer_write, NULL, buffer);
}

/**
 * pgl_pgp_secret_buffer_free_to_bytes:
 * @buffer: (transfer full): a buffer
 *
 * Returns: (transfer full): the contents as a #GBytes that wipes its memory when its last
 *   reference is dropped
 */
GBytes *
pgl_pgp_secret_buffer_free_to_bytes(PglPgpSecretBuffer *buffer)
{
	static const guint8 empty[1] = {0};

	if (buffer->data == NULL) {
		g_free(buffer);
		return g_bytes_new_static(empty, 0);
	}
	return g_bytes_new_with_free_func(buffer->data, buffer->len, secret_block_free, buffer);
}

/**
 * pgl_pgp_secret_bytes_new:
 * @data: (array length=size): secret bytes to copy
 * @size: their length
 *
 * Copies @data into memory that is wiped when the returned #GBytes is freed.
 *
 * Returns: (transfer full): the copy
 */
GBytes *
pgl_pgp_secret_bytes_new(gconstpointer data, gsize size)
{
	PglPgpSecretBuffer *buffer;

	g_return_val_if_fail(data != NULL || size == 0, NULL);
	buffer = pgl_pgp_secret_buffer_new(0);
	pgl_pgp_secret_buffer_append(buffer, data, size);
	return pgl_pgp_secret_buffer_free_to_bytes(buffer);
}
