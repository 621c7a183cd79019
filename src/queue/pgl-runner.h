/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "queue/pgl-spool.h"

G_BEGIN_DECLS

typedef struct _PglRunner PglRunner;

/**
 * PglRunnerProcessFunc:
 * @entry: a claimed entry
 * @user_data: the runner's user data
 * @error: return location for a #GError
 *
 * Processes one message. Return %TRUE once everything the message led to is durable (the runner
 * then removes it from its queue); %FALSE with @error set moves it to the bad queue with the
 * error's message as the reason.
 */
typedef gboolean (*PglRunnerProcessFunc)(PglSpoolEntry *entry, gpointer user_data,
					 GError **error);

/**
 * PglRunnerDueFunc:
 * @entry: an unclaimed entry, read without claiming it
 *
 * Returns: the time (seconds since the epoch) at which @entry should be processed
 */
typedef gint64 (*PglRunnerDueFunc)(PglSpoolEntry *entry, gpointer user_data);

PglRunner *pgl_runner_new(PglContext *ctx, PglSpool *spool, const gchar *queue,
			  PglRunnerProcessFunc process, PglRunnerDueFunc due, gpointer user_data);
gboolean pgl_runner_start(PglRunner *runner, GError **error);
void pgl_runner_stop(PglRunner *runner);
void pgl_runner_free(PglRunner *runner);
guint pgl_runner_get_processed(PglRunner *runner);
gboolean pgl_runner_error_is_temporary(const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglRunner, pgl_runner_free)

G_END_DECLS
