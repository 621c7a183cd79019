/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A post to a PGP list as the incoming runner sees it: decrypted with the list key, its
 * signatures judged against the sender's key, its replay digests checked, and turned into the
 * message the posting chain and the pipeline work on (the outer header fields, the protected
 * Subject, the decrypted content).
 */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"
#include "core/pgl-list.h"
#include "keys/pgl-list-crypto.h"
#include "mail/pgl-mail-autoptr.h"
#include "pipeline/pgl-posting.h"
#include "store/pgl-store.h"

G_BEGIN_DECLS

/**
 * PglPgpPost:
 *
 * An opened post. If @refusal is set, the post could not be opened (not decryptable, a MIME
 * structure we refuse, a secret key attached...) and must be rejected with that reason; the
 * other fields are then unset.
 */
typedef struct {
	gchar *refusal;		/* (owned) (nullable) why the post cannot be taken in */
	GMimeMessage *message;	/* (owned) (nullable) outer header fields, protected Subject,
				   decrypted content: what the chain and the pipeline see */
	PglPostingPgp *pgp;	/* (owned) (nullable) the verdicts, for the posting */
	GPtrArray *digests;	/* (owned) (element-type PglPgpSignature) signatures with a
				   replay digest, to record once the post is accepted or held */
} PglPgpPost;

PglPgpPost *pgl_pgp_post_open(PglContext *ctx, PglStore *store, PglListCrypto *crypto,
			      const PglList *list, GBytes *raw, GMimeMessage *outer,
			      const gchar *sender, const gchar *origin, GError **error);
gboolean pgl_pgp_post_record_digests(PglStore *store, const PglList *list, PglPgpPost *post,
				     const gchar *origin, GError **error);
void pgl_pgp_post_free(PglPgpPost *post);

PglPostingPgp *pgl_pgp_post_list_headers(PglListCrypto *crypto, const PglList *list);
guint64 pgl_pgp_post_signature_window(PglContext *ctx, const PglList *list);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglPgpPost, pgl_pgp_post_free)

G_END_DECLS
