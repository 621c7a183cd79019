/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fuzz target for the email command parser (src/commands): the input is parsed as a message
 * under low limits and read as a command mail for every destination, with the default and the
 * largest line limits; the input is also fed to the line parser as one line and as a Subject.
 * Checks the invariants the reply relies on: every limit of src/core/pgl-limits.h holds, and
 * every string for the reply is valid UTF-8 without control characters. Corpus:
 * tests/fuzz/corpus/commands/.
 */
#include "pgl-fuzz.h"

#include "commands/pgl-commands.h"
#include "core/pgl-limits.h"
#include "mail/pgl-mail.h"

#include <glib/gstdio.h>
#include <string.h>

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

static void
check_text(const gchar *text)
{
	g_assert(text != NULL);
	g_assert(g_utf8_validate(text, -1, NULL));
	g_assert(strlen(text) <= PGL_LIMIT_COMMAND_QUOTE_MAX + 3);
	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p))
		g_assert(!g_unichar_iscntrl(g_utf8_get_char(p)));
}

static void
check_command(const PglCommand *command)
{
	check_text(command->line);
	check_text(command->word);
	if (command->text != NULL)
		check_text(command->text);
	if (command->error != NULL) {
		g_assert(command->error->domain == PGL_COMMAND_ERROR);
		g_assert(g_utf8_validate(command->error->message, -1, NULL));
		g_assert(command->address == NULL && command->token == NULL);
	}
	if (command->token != NULL)
		g_assert(pgl_command_token_is_valid(command->token, -1));
	if (command->address != NULL)
		g_assert(strlen(command->address) <= PGL_LIMIT_ADDRESS_MAX);
}

static void
check_commands(const PglCommands *commands, guint max_lines)
{
	g_assert(commands->commands->len <= PGL_LIMIT_COMMANDS_MAX);
	g_assert(commands->lines_read <= max_lines);
	g_assert(commands->ignored->len <= commands->lines_read);
	for (guint i = 0; i < commands->commands->len; i++) {
		const PglCommand *command = commands->commands->pdata[i];

		g_assert(command->kind != PGL_COMMAND_KIND_UNKNOWN);
		check_command(command);
	}
	for (guint i = 0; i < commands->ignored->len; i++)
		check_text(commands->ignored->pdata[i]);
	g_assert((commands->stop == PGL_COMMANDS_STOP_NON_COMMAND) ==
		 (commands->stop_command != NULL));
	if (commands->stop_command != NULL)
		check_command(commands->stop_command);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const gchar *const destinations[] = {"request", "join", "leave", "confirm"};
	static const guint max_lines[] = {PGL_LIMIT_COMMAND_LINES_DEFAULT,
					  PGL_LIMIT_COMMAND_LINES_MAX};
	PglContext *ctx = fuzz_context();
	g_autoptr(GBytes) raw = g_bytes_new(data, size);
	g_autoptr(GMimeMessage) message = NULL;
	g_autofree gchar *line = g_strndup((const gchar *)data, MIN(size, 4096));
	g_autoptr(PglCommand) command = NULL;
	g_autoptr(PglCommand) subject = NULL;

	command = pgl_command_parse_line((const gchar *)data, (gssize)MIN(size, 4096),
					 PGL_COMMAND_SOURCE_BODY, 1);
	check_command(command);
	subject = pgl_commands_parse_subject(line, size % 2 == 0);
	if (subject != NULL)
		check_command(subject);

	if (!pgl_mail_parse(ctx, raw, &message, NULL))
		return 0;
	for (gsize i = 0; i < G_N_ELEMENTS(destinations); i++) {
		for (gsize j = 0; j < G_N_ELEMENTS(max_lines); j++) {
			g_autoptr(PglCommands) commands = NULL;
			g_autoptr(GError) error = NULL;

			/* the +TOKEN extension: none, or the input's first bytes */
			if (!pgl_commands_parse(message, destinations[i], j == 0 ? NULL : line,
						max_lines[j], &commands, &error))
				g_assert_not_reached();
			check_commands(commands, max_lines[j]);
		}
	}
	return 0;
}
