/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Text derived from a list's settings that several rules and handlers share: the variables
 * for msg_header/msg_footer and the rendered subject prefix.
 */
#pragma once

#include <glib.h>

#include "core/pgl-list.h"

G_BEGIN_DECLS

GHashTable *pgl_list_text_variables(const PglList *list);
gchar *pgl_list_text_subject_prefix(const PglList *list);
gchar *pgl_list_text_list_id(const PglList *list);

G_END_DECLS
