/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fuzz target for pgl_mail_parse() and what runs on every parsed message before any rule: the
 * sender, subject and recipient helpers, the body text finder and serialisation with a
 * re-parse. Limits are set low so the limit paths are reached with small inputs. Build with clang
 * (meson sets -fsanitize=fuzzer) and run:
 *   ./fuzz-mail-parse -max_total_time=120 tests/fuzz/corpus/mail-parse
 */
#include "pgl-fuzz.h"

#include "mail/pgl-mail-body.h"
#include "mail/pgl-mail-headers.h"
#include "mail/pgl-mail.h"

#include <glib/gstdio.h>

static PglContext *
fuzz_context(void)
{
	static PglContext *ctx = NULL;

	if (ctx == NULL) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *tmpdir = g_dir_make_tmp("pgl-fuzz-XXXXXX", &error);
		PglConfig *config = pgl_config_new_default();

		g_assert_no_error(error);
		g_free(config->var_dir);
		config->var_dir = g_steal_pointer(&tmpdir);
		config->header_max = 8192;
		config->mime_depth_max = 8;
		config->mime_parts_max = 64;
		config->message_max = 1024 * 1024;
		g_mime_init();
		ctx = pgl_context_new(config, &error);
		g_assert_no_error(error);
		g_rmdir(pgl_context_get_var_dir(ctx));
	}
	return ctx;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	PglContext *ctx = fuzz_context();
	g_autoptr(GBytes) raw = g_bytes_new(data, size);
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GMimeMessage) again = NULL;
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GPtrArray) recipients = NULL;
	g_autofree gchar *sender = NULL;
	g_autofree gchar *subject = NULL;
	g_autofree gchar *text = NULL;
	GMimeTextPart *part;

	if (!pgl_mail_parse(ctx, raw, &message, NULL))
		return 0;
	sender = pgl_mail_sender(message, "envelope@example.org");
	subject = pgl_mail_get_subject(message);
	if (subject != NULL)
		g_assert(g_utf8_validate(subject, -1, NULL));
	recipients = pgl_mail_get_recipients(message, NULL);
	part = pgl_mail_find_text_part(message, "plain", PGL_MAIL_TEXT_NONE);
	if (part != NULL) {
		text = pgl_mail_part_get_text(part);
		g_assert(text == NULL || g_utf8_validate(text, -1, NULL));
	}
	out = pgl_mail_to_bytes(message);
	if (!pgl_mail_parse(ctx, out, &again, NULL))
		return 0;
	return 0;
}
