/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "max-size" (cf. Mailman 3 rules/max_size.py): holds a post larger than max_message_size
 * KiB as received (headers included). 0 disables the rule. The hard limit on what we accept at
 * all is [limits] message_max, enforced by the LMTP server.
 */
#include "pipeline/pgl-rule.h"

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	guint max_kib = pgl_list_get_uint(posting->list, "max_message_size");

	if (max_kib == 0 || posting->raw_size <= (guint64)max_kib * 1024)
		return PGL_ACTION_DEFER;
	*reason_out = g_strdup_printf("The message is larger than the %u KiB maximum size "
				      "(%" G_GSIZE_FORMAT " KiB)",
				      max_kib, (posting->raw_size + 1023) / 1024);
	return PGL_ACTION_HOLD;
}

const PglRule pgl_rule_max_size = {"max-size", check};
