/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The posting pipeline: the handlers an accepted post goes through before delivery, in order.
 */
#pragma once

#include "pipeline/pgl-handler.h"
#include "pipeline/pgl-posting.h"

G_BEGIN_DECLS

#define PGL_PIPELINE_ERROR (pgl_pipeline_error_quark())
GQuark pgl_pipeline_error_quark(void);

/**
 * PglPipelineError:
 * @PGL_PIPELINE_ERROR_HANDLER: a handler could not rewrite the message (the message is then
 *   in an unknown state: the caller delivers nothing and moves the posting to the bad queue)
 */
typedef enum {
	PGL_PIPELINE_ERROR_HANDLER,
} PglPipelineError;

gboolean pgl_pipeline_run(PglPosting *posting, GError **error);
const PglHandler *const *pgl_pipeline_get_handlers(void);

G_END_DECLS
