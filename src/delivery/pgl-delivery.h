/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"
#include "queue/pgl-spool.h"

G_BEGIN_DECLS

typedef struct _PglDelivery PglDelivery;

/* Metadata keys of messages in the out and retry queues. */
#define PGL_OUT_LIST_ID	      "list_id"	      /* row id of the list, absent for site mail */
#define PGL_OUT_SENDER	      "sender"	      /* envelope sender; "" is the null sender */
#define PGL_OUT_VERP	      "verp"	      /* "true": one transaction per recipient, VERP sender */
#define PGL_OUT_ATTEMPTS      "attempts"      /* delivery attempts made so far */
#define PGL_OUT_FIRST_ATTEMPT "first_attempt" /* time of the first attempt */
#define PGL_OUT_NEXT_ATTEMPT  "next_attempt"  /* retry queue: when to try again */
#define PGL_OUT_ORIGIN	      "origin"	      /* spool id of the message this copy came from */
/* PGP lists: the message is sealed (encrypted to the list key) and delivery makes the copies */
#define PGL_OUT_PGP	      "pgp"
#define PGL_OUT_PGP_POST      "post"   /* a post: encrypted to each recipient's key (or chunk) */
#define PGL_OUT_PGP_NOTICE    "notice" /* a notice: encrypted if the recipient's key is usable,
					  otherwise signed only */
#define PGL_OUT_PGP_PRIVATE   "pgp_private" /* "true": a notice never to be sent unencrypted */

PglDelivery *pgl_delivery_new(PglContext *ctx, PglSpool *spool, GError **error);
void pgl_delivery_free(PglDelivery *delivery);
gboolean pgl_delivery_process_out(PglSpoolEntry *entry, gpointer delivery, GError **error);
gint64 pgl_delivery_retry_due(PglSpoolEntry *entry, gpointer delivery);
gboolean pgl_delivery_process_retry(PglSpoolEntry *entry, gpointer delivery, GError **error);
gchar *pgl_delivery_verp_sender(const gchar *bounces_address, const gchar *recipient);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglDelivery, pgl_delivery_free)

G_END_DECLS
