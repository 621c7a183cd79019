/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Messages pgplist itself writes: notices to posters and moderators (RFC 3834 auto-replies).
 */
#pragma once

#include <glib.h>

#include "mail/pgl-mail-autoptr.h"

G_BEGIN_DECLS

GMimeMessage *pgl_mail_build_notice(const gchar *from, const gchar *to, const gchar *subject,
				    const gchar *body_text, GMimeMessage *original,
				    const gchar *hostname);

G_END_DECLS
