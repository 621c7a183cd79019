/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The interface of a pipeline handler (cf. GNU Mailman 3's IHandler), one implementation per
 * file in handlers/. A handler rewrites an accepted posting's message for delivery to the list:
 * headers, subject, footer. Handlers are pure functions of the posting (no I/O).
 */
#pragma once

#include "pipeline/pgl-posting.h"

G_BEGIN_DECLS

/**
 * PglHandler:
 * @name: the handler's name, as logged ("subject-prefix")
 * @process: rewrites @posting's message; returns %FALSE with @error set
 *   (%PGL_PIPELINE_ERROR) if it cannot
 */
typedef struct {
	const gchar *name;
	gboolean (*process)(PglPosting *posting, GError **error);
} PglHandler;

extern const PglHandler pgl_handler_cleanse;
extern const PglHandler pgl_handler_subject_prefix;
extern const PglHandler pgl_handler_reply_to;
extern const PglHandler pgl_handler_dmarc;
extern const PglHandler pgl_handler_rfc2369;
extern const PglHandler pgl_handler_x_beenthere;
extern const PglHandler pgl_handler_precedence;
extern const PglHandler pgl_handler_pgp_headers;
extern const PglHandler pgl_handler_decorate;

G_END_DECLS
