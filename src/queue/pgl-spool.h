/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"

G_BEGIN_DECLS

#define PGL_SPOOL_ERROR (pgl_spool_error_quark())
GQuark pgl_spool_error_quark(void);

/**
 * PglSpoolError:
 * @PGL_SPOOL_ERROR_NOT_FOUND: the entry is gone (another runner claimed it)
 * @PGL_SPOOL_ERROR_CORRUPT: a spool file that is not in spool format
 * @PGL_SPOOL_ERROR_IO: reading or writing the spool failed
 */
typedef enum {
	PGL_SPOOL_ERROR_NOT_FOUND,
	PGL_SPOOL_ERROR_CORRUPT,
	PGL_SPOOL_ERROR_IO,
} PglSpoolError;

/* The queues (DESIGN.md §2). */
#define PGL_QUEUE_IN	   "in"
#define PGL_QUEUE_COMMAND  "command"
#define PGL_QUEUE_PIPELINE "pipeline"
#define PGL_QUEUE_OUT	   "out"
#define PGL_QUEUE_RETRY	   "retry"
#define PGL_QUEUE_BAD	   "bad"

/* Metadata of messages in the bad queue. */
#define PGL_SPOOL_BAD_REASON "bad_reason" /* why it could not be processed */
#define PGL_SPOOL_BAD_FROM   "bad_from"	  /* the queue it came from */

typedef struct _PglSpool PglSpool;

/**
 * PglSpoolEntry:
 *
 * One message in a queue with its metadata. Metadata keys are short ASCII words; values are
 * single strings (escaped on disk, so any text is safe); the recipients are a list of their own.
 */
typedef struct {
	gchar *queue;	     /* (owned) */
	gchar *id;	     /* (owned) file name without suffix; sorts by arrival time */
	GHashTable *meta;    /* (owned) key -> value */
	GPtrArray *recipients; /* (owned) of gchar*, envelope recipients for delivery */
	GBytes *message;     /* (owned) the message, LF line endings */
} PglSpoolEntry;

const gchar *const *pgl_spool_queue_names(void);
PglSpool *pgl_spool_new(PglContext *ctx, GError **error);
void pgl_spool_free(PglSpool *spool);
const gchar *pgl_spool_get_dir(PglSpool *spool, const gchar *queue);

PglSpoolEntry *pgl_spool_entry_new(const gchar *queue, GBytes *message);
void pgl_spool_entry_free(PglSpoolEntry *entry);
const gchar *pgl_spool_entry_get(PglSpoolEntry *entry, const gchar *key);
void pgl_spool_entry_set(PglSpoolEntry *entry, const gchar *key, const gchar *value);
gint64 pgl_spool_entry_get_int(PglSpoolEntry *entry, const gchar *key, gint64 fallback);
void pgl_spool_entry_set_int(PglSpoolEntry *entry, const gchar *key, gint64 value);

gchar *pgl_spool_new_id(void);
gboolean pgl_spool_enqueue(PglSpool *spool, const gchar *queue, PglSpoolEntry *entry,
			   GError **error);
GPtrArray *pgl_spool_list(PglSpool *spool, const gchar *queue, GError **error);
PglSpoolEntry *pgl_spool_claim(PglSpool *spool, const gchar *queue, const gchar *id,
			       GError **error);
PglSpoolEntry *pgl_spool_peek(PglSpool *spool, const gchar *queue, const gchar *id,
			      GError **error);
gboolean pgl_spool_release(PglSpool *spool, PglSpoolEntry *entry, GError **error);
gboolean pgl_spool_finish(PglSpool *spool, PglSpoolEntry *entry, GError **error);
gboolean pgl_spool_move_to_bad(PglSpool *spool, PglSpoolEntry *entry, const gchar *reason,
			       GError **error);
guint pgl_spool_recover(PglSpool *spool, const gchar *queue);
guint pgl_spool_count(PglSpool *spool, const gchar *queue);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglSpool, pgl_spool_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglSpoolEntry, pgl_spool_entry_free)

G_END_DECLS
