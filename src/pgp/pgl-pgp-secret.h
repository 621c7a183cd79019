/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Byte buffers for secret material (decrypted plaintext, secret keys, passphrases) whose memory
 * is overwritten with explicit_bzero() before it is freed. The engine returns all such data in
 * these #GBytes; callers that copy the bytes elsewhere take over the duty of wiping the copy.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

GBytes *pgl_pgp_secret_bytes_new(gconstpointer data, gsize size);

G_END_DECLS
