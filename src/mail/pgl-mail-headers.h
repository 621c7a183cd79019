/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading and editing the header fields of a parsed message (RFC 5322 §3.6, RFC 2047 encoded
 * words): who sent it, its subject, its recipients, trace fields; and new Message-IDs.
 */
#pragma once

#include <glib.h>

#include "mail/pgl-mail-autoptr.h"

G_BEGIN_DECLS

gboolean pgl_mail_address_list_contains(InternetAddressList *list, const gchar *address);
gchar *pgl_mail_sender(GMimeMessage *message, const gchar *envelope_from);
gchar *pgl_mail_get_subject(GMimeMessage *message);
const gchar *pgl_mail_get_header(GMimeMessage *message, const gchar *name);
GPtrArray *pgl_mail_get_header_values(GMimeMessage *message, const gchar *name);
guint pgl_mail_count_headers(GMimeMessage *message, const gchar *name);
guint pgl_mail_remove_headers(GMimeMessage *message, const gchar *name);
GPtrArray *pgl_mail_get_addresses(GMimeMessage *message, const gchar *const *header_names,
				  guint *n_mailboxes_out);
GPtrArray *pgl_mail_get_recipients(GMimeMessage *message, guint *n_mailboxes_out);
gchar *pgl_mail_make_message_id(const gchar *hostname);
gchar *pgl_mail_get_log_id(GMimeMessage *message);

G_END_DECLS
