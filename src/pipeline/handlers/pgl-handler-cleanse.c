/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handler "cleanse" (cf. Mailman 3 handlers/cleanse.py): removes header fields that must not
 * reach the members: approval passwords (Approved:, Approve:, X-Approved:, X-Approve:, whether
 * or not the password was right), Urgent: (another moderator-bypass header), and requests for
 * receipts that would let anyone harvest the member list (Return-Receipt-To:,
 * Disposition-Notification-To: of RFC 8098, X-Confirm-Reading-To:, Pegasus Mail's X-PMRQC:).
 */
#include "pipeline/pgl-handler.h"

#include "mail/pgl-mail-headers.h"

static const gchar *const removed[] = {
	"Approved",	  "Approve",
	"X-Approved",	  "X-Approve",
	"Urgent",	  "Return-Receipt-To",
	"Disposition-Notification-To", "X-Confirm-Reading-To",
	"X-PMRQC",	  NULL,
};

static gboolean
process(PglPosting *posting, GError **error)
{
	for (guint i = 0; removed[i] != NULL; i++)
		pgl_mail_remove_headers(posting->message, removed[i]);
	return TRUE;
}

const PglHandler pgl_handler_cleanse = {"cleanse", process};
