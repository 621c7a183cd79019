/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The commands of one command mail (issue 4, "Email commands"): which text of a message is
 * read, in what order, where reading stops, and everything the reply needs to summarise it.
 * Pure: no I/O, no state; the caller runs the commands and sends the reply.
 */
#pragma once

#include <glib.h>

#include "commands/pgl-command.h"
#include "mail/pgl-mail-autoptr.h"

G_BEGIN_DECLS

/**
 * PglCommandsText:
 * @PGL_COMMANDS_TEXT_PLAIN: the message has a text/plain part that is not an attachment
 *   (the first, depth first, of multipart/mixed, multipart/alternative...); it is read
 * @PGL_COMMANDS_TEXT_HTML_ONLY: only text/html: not read (we do not parse HTML for commands)
 * @PGL_COMMANDS_TEXT_ENCRYPTED: still encrypted (PGP/MIME, S/MIME, or a text/plain part that
 *   is an inline PGP message): not read; a PGP list decrypts before it parses
 * @PGL_COMMANDS_TEXT_NONE: no text at all (no body, or attachments only)
 *
 * Whether a message is "just text" enough to be read for commands.
 */
typedef enum {
	PGL_COMMANDS_TEXT_PLAIN,
	PGL_COMMANDS_TEXT_HTML_ONLY,
	PGL_COMMANDS_TEXT_ENCRYPTED,
	PGL_COMMANDS_TEXT_NONE,
} PglCommandsText;

/**
 * PglCommandsStop:
 * @PGL_COMMANDS_STOP_END_OF_TEXT: the whole body was read (or there was no body to read)
 * @PGL_COMMANDS_STOP_END: at an `end` command (in the Subject or the body)
 * @PGL_COMMANDS_STOP_SIGNATURE: at a signature separator ("-- " or "--") or at the start of
 *   the signature of an inline PGP signed message
 * @PGL_COMMANDS_STOP_NON_COMMAND: at the first line after a command that is not one
 * @PGL_COMMANDS_STOP_MAX_LINES: after the maximum number of lines, with more text left
 * @PGL_COMMANDS_STOP_MAX_COMMANDS: after %PGL_LIMIT_COMMANDS_MAX commands, with more left
 * @PGL_COMMANDS_STOP_TEXT_LIMIT: after %PGL_LIMIT_COMMAND_TEXT_MAX bytes of text, with more
 *   text left
 * @PGL_COMMANDS_STOP_ADDRESS: the mail went to LIST-join, LIST-leave or LIST-confirm: the
 *   address (or, for confirm, the Subject) is the command; the body is not read
 * @PGL_COMMANDS_STOP_NOT_TEXT: the body is HTML only or still encrypted (see
 *   #PglCommandsText): only the Subject was read
 *
 * Why reading a command mail stopped.
 */
typedef enum {
	PGL_COMMANDS_STOP_END_OF_TEXT,
	PGL_COMMANDS_STOP_END,
	PGL_COMMANDS_STOP_SIGNATURE,
	PGL_COMMANDS_STOP_NON_COMMAND,
	PGL_COMMANDS_STOP_MAX_LINES,
	PGL_COMMANDS_STOP_MAX_COMMANDS,
	PGL_COMMANDS_STOP_TEXT_LIMIT,
	PGL_COMMANDS_STOP_ADDRESS,
	PGL_COMMANDS_STOP_NOT_TEXT,
} PglCommandsStop;

/**
 * PglCommands:
 * @commands: the commands, in order: well-formed ones and malformed ones (their @error set,
 *   to be reported as failed); never %PGL_COMMAND_KIND_UNKNOWN; at most
 *   %PGL_LIMIT_COMMANDS_MAX
 * @ignored: body lines before the first command that are not commands (a greeting), each
 *   trimmed and sanitised; blank and quoted ("> ...") lines are not listed, nor is a Subject
 *   that is no command
 * @text: what the body is
 * @stop: why reading stopped
 * @stop_line_number: the body line reading stopped at (end, signature, non-command, the
 *   command past %PGL_LIMIT_COMMANDS_MAX), or 0
 * @stop_command: for %PGL_COMMANDS_STOP_NON_COMMAND, the line that stopped reading, parsed
 *   (kind %PGL_COMMAND_KIND_UNKNOWN, its error says "unknown command ..."); else %NULL
 * @lines_read: how many body lines were read (blank, quoted and ignored ones included)
 *
 * What pgl_commands_parse() found in one mail: everything the reply summarises.
 */
typedef struct {
	GPtrArray *commands; /* (owned) (element-type PglCommand) */
	GPtrArray *ignored;  /* (owned) (element-type utf8) */
	PglCommandsText text;
	PglCommandsStop stop;
	guint stop_line_number;
	PglCommand *stop_command; /* (owned) (nullable) */
	guint lines_read;
} PglCommands;

const gchar *pgl_commands_text_to_string(PglCommandsText text);
const gchar *pgl_commands_stop_to_string(PglCommandsStop stop);
PglCommandsText pgl_commands_find_text(GMimeMessage *message, GMimeTextPart **part_out);
PglCommand *pgl_commands_parse_subject(const gchar *subject, gboolean confirm_only);
gboolean pgl_commands_parse(GMimeMessage *message, const gchar *destination,
			    const gchar *extension, guint max_lines, PglCommands **commands_out,
			    GError **error) G_GNUC_WARN_UNUSED_RESULT;
void pgl_commands_free(PglCommands *commands);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglCommands, pgl_commands_free)

G_END_DECLS
