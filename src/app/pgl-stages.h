/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"
#include "queue/pgl-spool.h"
#include "store/pgl-store.h"

G_BEGIN_DECLS

/* Metadata keys of messages in the in, command and pipeline queues. */
#define PGL_IN_RECIPIENT     "recipient"     /* the LMTP recipient it arrived for */
#define PGL_IN_ENVELOPE_FROM "envelope_from" /* the LMTP MAIL FROM, "" for the null sender */
#define PGL_IN_RECEIVED	     "received"	     /* arrival time */
#define PGL_IN_LIST_ID	     "list_id"	     /* pipeline queue: the list it is accepted for */
#define PGL_IN_APPROVED_BY   "approved_by"   /* pipeline queue: the rule or moderator */
#define PGL_IN_SEALED	     "sealed"	     /* pipeline queue: "true" if the message is
						encrypted to the list key (PGP lists) */

/**
 * PglStage:
 *
 * What a processing stage (one runner thread) works with: its own database connection.
 */
typedef struct {
	PglContext *ctx; /* (owned) */
	PglSpool *spool; /* (unowned) */
	PglStore *store; /* (owned) this thread's connection */
} PglStage;

PglStage *pgl_stage_new(PglContext *ctx, PglSpool *spool, GError **error);
void pgl_stage_free(PglStage *stage);

gboolean pgl_stage_process_in(PglSpoolEntry *entry, gpointer stage, GError **error);
gboolean pgl_stage_process_pipeline(PglSpoolEntry *entry, gpointer stage, GError **error);
gboolean pgl_stage_process_command(PglSpoolEntry *entry, gpointer stage, GError **error);

gboolean pgl_stage_enqueue_in(PglContext *ctx, PglSpool *spool, const gchar *recipient,
			      const gchar *envelope_from, GBytes *message, gchar **id_out,
			      GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglStage, pgl_stage_free)

G_END_DECLS
