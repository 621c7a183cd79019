/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One email command (issue 4, "Email commands"): the commands a list understands, their
 * usage and help text, and the parser of one command line. Pure: no I/O, no state.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PGL_COMMAND_ERROR (pgl_command_error_quark())
GQuark pgl_command_error_quark(void);

/**
 * PglCommandError:
 * @PGL_COMMAND_ERROR_UNKNOWN: the line is not a command: its first word (or "key" and the
 *   next word) names none
 * @PGL_COMMAND_ERROR_USAGE: a command with the wrong number or kind of arguments
 * @PGL_COMMAND_ERROR_ADDRESS: the address=ADDR argument is not a valid address
 * @PGL_COMMAND_ERROR_TOKEN: the TOKEN argument is missing or not 40 lower-case hex digits
 * @PGL_COMMAND_ERROR_TOO_LONG: a command line longer than %PGL_LIMIT_COMMAND_LINE_MAX bytes
 * @PGL_COMMAND_ERROR_DESTINATION: pgl_commands_parse() was given an address kind it does not
 *   know
 *
 * Errors of the commands folder. The message of every error but the last one is written for
 * the reply to the sender: it starts with the command as typed ("join: ...") and quotes what
 * was wrong, sanitised.
 */
typedef enum {
	PGL_COMMAND_ERROR_UNKNOWN,
	PGL_COMMAND_ERROR_USAGE,
	PGL_COMMAND_ERROR_ADDRESS,
	PGL_COMMAND_ERROR_TOKEN,
	PGL_COMMAND_ERROR_TOO_LONG,
	PGL_COMMAND_ERROR_DESTINATION,
} PglCommandError;

/**
 * PglCommandKind:
 * @PGL_COMMAND_KIND_UNKNOWN: not a command
 * @PGL_COMMAND_KIND_JOIN: `join [address=ADDR]`, alias `subscribe`
 * @PGL_COMMAND_KIND_LEAVE: `leave [address=ADDR]`, alias `unsubscribe`
 * @PGL_COMMAND_KIND_CONFIRM: `confirm TOKEN`
 * @PGL_COMMAND_KIND_HELP: `help`
 * @PGL_COMMAND_KIND_WHO: `who`
 * @PGL_COMMAND_KIND_ECHO: `echo` (any text after it is echoed)
 * @PGL_COMMAND_KIND_END: `end` (any text after it is ignored)
 * @PGL_COMMAND_KIND_KEY_SET: `key set TOKEN`
 * @PGL_COMMAND_KIND_KEY_CONFIRM: `key confirm TOKEN`
 * @PGL_COMMAND_KIND_KEY_CHANGE: `key change`
 * @PGL_COMMAND_KIND_KEY_REVOKE: `key revoke`
 * @PGL_COMMAND_KIND_KEY_SIGN: `key sign`
 * @PGL_COMMAND_KIND_KEY_RECEIVE: `key receive`
 */
typedef enum {
	PGL_COMMAND_KIND_UNKNOWN,
	PGL_COMMAND_KIND_JOIN,
	PGL_COMMAND_KIND_LEAVE,
	PGL_COMMAND_KIND_CONFIRM,
	PGL_COMMAND_KIND_HELP,
	PGL_COMMAND_KIND_WHO,
	PGL_COMMAND_KIND_ECHO,
	PGL_COMMAND_KIND_END,
	PGL_COMMAND_KIND_KEY_SET,
	PGL_COMMAND_KIND_KEY_CONFIRM,
	PGL_COMMAND_KIND_KEY_CHANGE,
	PGL_COMMAND_KIND_KEY_REVOKE,
	PGL_COMMAND_KIND_KEY_SIGN,
	PGL_COMMAND_KIND_KEY_RECEIVE,
} PglCommandKind;

/**
 * PglCommandSource:
 * @PGL_COMMAND_SOURCE_ADDRESS: the address the mail was sent to (LIST-join, LIST-leave,
 *   LIST-confirm+TOKEN)
 * @PGL_COMMAND_SOURCE_SUBJECT: the Subject: field
 * @PGL_COMMAND_SOURCE_BODY: a line of the text/plain body
 */
typedef enum {
	PGL_COMMAND_SOURCE_ADDRESS,
	PGL_COMMAND_SOURCE_SUBJECT,
	PGL_COMMAND_SOURCE_BODY,
} PglCommandSource;

/** PGL_COMMAND_TOKEN_LENGTH: a token is 40 lower-case hex digits (src/store/pgl-store-pending.c) */
#define PGL_COMMAND_TOKEN_LENGTH 40

/**
 * PglCommand:
 * @kind: what the line asks for; %PGL_COMMAND_KIND_UNKNOWN if it is not a command
 * @source: where the command was found
 * @line_number: the body line it was on, counting from 1; 0 for the Subject and the address
 * @word: the command as typed, lower-cased, one space between words ("subscribe", "key set");
 *   for an unknown line its first word (or "key" and the next one), sanitised, possibly empty
 * @address: join and leave: the address=ADDR argument, normalised (pgl_address_normalize()),
 *   or %NULL when absent, which means the sender of the mail
 * @token: confirm, key set, key confirm: the token, 40 lower-case hex digits
 * @text: echo: the rest of the line after the command word, sanitised (possibly empty)
 * @line: the line as received, trimmed and sanitised (pgl_sanitize(), at most
 *   %PGL_LIMIT_COMMAND_QUOTE_MAX bytes), for quoting in the reply
 * @error: why the line is not a usable command (a #PglCommandError, message written for the
 *   reply); %NULL for a well-formed command
 *
 * A parsed command line. The arguments are only set (and only valid) when @error is %NULL.
 */
typedef struct {
	PglCommandKind kind;
	PglCommandSource source;
	guint line_number;
	gchar *word;	/* (owned) */
	gchar *address; /* (owned) (nullable) */
	gchar *token;	/* (owned) (nullable) */
	gchar *text;	/* (owned) (nullable) */
	gchar *line;	/* (owned) */
	GError *error;	/* (owned) (nullable) */
} PglCommand;

/**
 * PglCommandInfo:
 * @kind: the command
 * @name: its name, as the help lists it ("join", "key set")
 * @alias: (nullable): another name for it ("subscribe")
 * @usage: its usage as the help shows it ("join [address=ADDR]")
 * @description: what it does, one line
 * @pgp_only: %TRUE if only PGP lists have it
 *
 * One row of the help text. pgl_command_get_infos() lists them all.
 */
typedef struct {
	PglCommandKind kind;
	const gchar *name;
	const gchar *alias;
	const gchar *usage;
	const gchar *description;
	gboolean pgp_only;
} PglCommandInfo;

const gchar *pgl_command_kind_to_string(PglCommandKind kind);
const PglCommandInfo *pgl_command_get_infos(void);
const PglCommandInfo *pgl_command_get_info(PglCommandKind kind);
gboolean pgl_command_token_is_valid(const gchar *token, gssize length);
PglCommand *pgl_command_parse_line(const gchar *line, gssize length, PglCommandSource source,
				   guint line_number);
PglCommand *pgl_command_new_address(PglCommandKind kind, const gchar *token);
void pgl_command_free(PglCommand *command);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglCommand, pgl_command_free)

G_END_DECLS
