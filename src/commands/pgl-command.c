/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One email command line (issue 4). A line is a command when its first word, ASCII case
 * ignored, is a command's name or alias (for the key commands, "key" and the next word);
 * anything else is not a command, and the caller decides whether that makes it a greeting or
 * the end of the commands. A command whose arguments are wrong is still a command: it is
 * reported back with an error (strict in what we trust: arguments are checked here, once, so
 * whoever runs a command never sees an unchecked address or token). Words are separated by
 * any Unicode white space (mail clients put U+00A0 where the user typed a space).
 *
 * Invariants of every PglCommand made here: @word, @line and @text are valid UTF-8 without
 * control characters; @address passed pgl_address_normalize(); @token is exactly
 * PGL_COMMAND_TOKEN_LENGTH lower-case hex digits; at most PGL_LIMIT_COMMAND_LINE_MAX bytes of
 * a line are looked at, whatever its length.
 */
#include "commands/pgl-command.h"
#include "commands/pgl-command-private.h"

#include "core/pgl-address.h"
#include "core/pgl-limits.h"
#include "util/pgl-sanitize.h"

#include <string.h>

G_DEFINE_QUARK(pgl-command-error-quark, pgl_command_error)

/* How many bytes of a bad argument or unknown word an error message quotes. */
#define QUOTED_WORD_MAX 64

/* What a command takes after its name. */
typedef enum {
	ARGS_NONE,	/* nothing */
	ARGS_ADDRESS,	/* [address=ADDR] */
	ARGS_TOKEN,	/* TOKEN */
	ARGS_TEXT,	/* any text, kept (echo) */
	ARGS_IGNORED,	/* any text, dropped (end: "end of commands" still ends them) */
} Args;

/* The help table, in the order the help lists it; names and usages as issue 4 has them. */
static const PglCommandInfo infos[] = {
	{PGL_COMMAND_KIND_JOIN, "join", "subscribe", "join [address=ADDR]",
	 "subscribe to the list (you, or ADDR); the list asks for a confirmation", FALSE},
	{PGL_COMMAND_KIND_LEAVE, "leave", "unsubscribe", "leave [address=ADDR]",
	 "unsubscribe from the list (you, or ADDR)", FALSE},
	{PGL_COMMAND_KIND_CONFIRM, "confirm", NULL, "confirm TOKEN",
	 "confirm a request with the token the list sent you", FALSE},
	{PGL_COMMAND_KIND_HELP, "help", NULL, "help", "send this help", FALSE},
	{PGL_COMMAND_KIND_WHO, "who", NULL, "who", "list the members, if the list allows it",
	 FALSE},
	{PGL_COMMAND_KIND_ECHO, "echo", NULL, "echo",
	 "send this line back, to test that commands arrive", FALSE},
	{PGL_COMMAND_KIND_END, "end", NULL, "end", "stop reading commands here", FALSE},
	{PGL_COMMAND_KIND_KEY_SET, "key set", NULL, "key set TOKEN",
	 "set your OpenPGP key: attach your public key (one key that can sign and encrypt)",
	 TRUE},
	{PGL_COMMAND_KIND_KEY_CONFIRM, "key confirm", NULL, "key confirm TOKEN",
	 "prove that you hold your key: send back the statement the list sent, signed by it",
	 TRUE},
	{PGL_COMMAND_KIND_KEY_CHANGE, "key change", NULL, "key change",
	 "replace your key: attach the new key, then sign the list's statement with the old one",
	 TRUE},
	{PGL_COMMAND_KIND_KEY_REVOKE, "key revoke", NULL, "key revoke",
	 "revoke your key: attach its revocation certificate(s)", TRUE},
	{PGL_COMMAND_KIND_KEY_SIGN, "key sign", NULL, "key sign",
	 "certify the list's key: attach it with your certification (owners, moderators)", TRUE},
	{PGL_COMMAND_KIND_KEY_RECEIVE, "key receive", NULL, "key receive",
	 "get the list's public key", TRUE},
	{PGL_COMMAND_KIND_UNKNOWN, NULL, NULL, NULL, NULL, FALSE},
};

static Args
args_of(PglCommandKind kind)
{
	switch (kind) {
	case PGL_COMMAND_KIND_JOIN:
	case PGL_COMMAND_KIND_LEAVE:
		return ARGS_ADDRESS;
	case PGL_COMMAND_KIND_CONFIRM:
	case PGL_COMMAND_KIND_KEY_SET:
	case PGL_COMMAND_KIND_KEY_CONFIRM:
		return ARGS_TOKEN;
	case PGL_COMMAND_KIND_ECHO:
		return ARGS_TEXT;
	case PGL_COMMAND_KIND_END:
		return ARGS_IGNORED;
	case PGL_COMMAND_KIND_HELP:
	case PGL_COMMAND_KIND_WHO:
	case PGL_COMMAND_KIND_KEY_CHANGE:
	case PGL_COMMAND_KIND_KEY_REVOKE:
	case PGL_COMMAND_KIND_KEY_SIGN:
	case PGL_COMMAND_KIND_KEY_RECEIVE:
	case PGL_COMMAND_KIND_UNKNOWN:
	default:
		return ARGS_NONE;
	}
}

/**
 * pgl_command_kind_to_string:
 * @kind: a #PglCommandKind
 *
 * Returns: (transfer none): the command's name ("join", "key set"...), or "unknown"
 */
const gchar *
pgl_command_kind_to_string(PglCommandKind kind)
{
	const PglCommandInfo *info = pgl_command_get_info(kind);

	return info != NULL ? info->name : "unknown";
}

/**
 * pgl_command_get_infos:
 *
 * The source of the help text: every command, in the order the help lists them.
 *
 * Returns: (transfer none) (array): the commands, ended by a row whose @name is %NULL
 */
const PglCommandInfo *
pgl_command_get_infos(void)
{
	return infos;
}

/**
 * pgl_command_get_info:
 * @kind: a #PglCommandKind
 *
 * Returns: (transfer none) (nullable): the help row of @kind, %NULL for
 *   %PGL_COMMAND_KIND_UNKNOWN
 */
const PglCommandInfo *
pgl_command_get_info(PglCommandKind kind)
{
	for (const PglCommandInfo *info = infos; info->name != NULL; info++) {
		if (info->kind == kind)
			return info;
	}
	return NULL;
}

/**
 * pgl_command_token_is_valid:
 * @token: (nullable): untrusted text
 * @length: its length in bytes, or -1 if NUL-terminated
 *
 * Returns: %TRUE if @token has exactly the shape of the tokens the store makes:
 *   %PGL_COMMAND_TOKEN_LENGTH lower-case hex digits
 */
gboolean
pgl_command_token_is_valid(const gchar *token, gssize length)
{
	if (token == NULL)
		return FALSE;
	if (length < 0)
		length = (gssize)strnlen(token, PGL_COMMAND_TOKEN_LENGTH + 1);
	if (length != PGL_COMMAND_TOKEN_LENGTH)
		return FALSE;
	for (gssize i = 0; i < length; i++) {
		if (!g_ascii_isdigit(token[i]) && (token[i] < 'a' || token[i] > 'f'))
			return FALSE;
	}
	return TRUE;
}

void
pgl_command_free(PglCommand *command)
{
	if (command == NULL)
		return;
	g_free(command->word);
	g_free(command->address);
	g_free(command->token);
	g_free(command->text);
	g_free(command->line);
	g_clear_error(&command->error);
	g_free(command);
}

/* A word of a line: where it starts and how long it is, in bytes. */
typedef struct {
	gsize start;
	gsize length;
} Word;

static gboolean
is_space(gunichar ch)
{
	return g_unichar_isspace(ch) || ch == 0xfeff; /* a byte order mark is not text */
}

/* Splits valid UTF-8 @text into words; at most PGL_LIMIT_COMMAND_LINE_MAX bytes come in, so at
 * most half as many words. */
static GArray *
split_words(const gchar *text)
{
	GArray *words = g_array_new(FALSE, FALSE, sizeof(Word));
	const gchar *p = text;

	while (*p != '\0') {
		Word word;

		while (*p != '\0' && is_space(g_utf8_get_char(p)))
			p = g_utf8_next_char(p);
		if (*p == '\0')
			break;
		word.start = p - text;
		while (*p != '\0' && !is_space(g_utf8_get_char(p)))
			p = g_utf8_next_char(p);
		word.length = (p - text) - word.start;
		g_array_append_val(words, word);
	}
	return words;
}

static gboolean
word_is(const gchar *text, const Word *word, const gchar *name)
{
	return name != NULL && strlen(name) == word->length &&
	       g_ascii_strncasecmp(text + word->start, name, word->length) == 0;
}

/* The help row the first words of a line name, and how many words that takes (1 or 2). */
static const PglCommandInfo *
match(const gchar *text, GArray *words, guint *n_words_out)
{
	const Word *first;

	if (words->len == 0)
		return NULL;
	first = &g_array_index(words, Word, 0);
	for (const PglCommandInfo *info = infos; info->name != NULL; info++) {
		const gchar *space = strchr(info->name, ' ');

		if (space == NULL) {
			if (word_is(text, first, info->name) || word_is(text, first, info->alias)) {
				*n_words_out = 1;
				return info;
			}
		} else if (words->len >= 2 && first->length == (gsize)(space - info->name) &&
			   g_ascii_strncasecmp(text + first->start, info->name,
					       first->length) == 0 &&
			   word_is(text, &g_array_index(words, Word, 1), space + 1)) {
			*n_words_out = 2;
			return info;
		}
	}
	return NULL;
}

static gchar *
quote_word(const gchar *text, gsize length)
{
	return pgl_sanitize(text, (gssize)length, QUOTED_WORD_MAX);
}

/**
 * pgl_command_trimmed_copy:
 * @line: (array length=length): untrusted text, any bytes
 * @length: its length in bytes
 *
 * Returns: (transfer full): the first %PGL_LIMIT_COMMAND_LINE_MAX bytes of @line as valid UTF-8
 *   (invalid sequences and NUL bytes become U+FFFD), without white space at either end
 */
gchar *
pgl_command_trimmed_copy(const gchar *line, gsize length)
{
	g_autofree gchar *text = g_utf8_make_valid(line, MIN(length, PGL_LIMIT_COMMAND_LINE_MAX));
	const gchar *start = text;
	const gchar *end;

	while (*start != '\0' && is_space(g_utf8_get_char(start)))
		start = g_utf8_next_char(start);
	end = start + strlen(start);
	while (end > start && is_space(g_utf8_get_char(g_utf8_prev_char(end))))
		end = g_utf8_prev_char(end);
	return g_strndup(start, end - start);
}

static void
check_address(PglCommand *command, const gchar *text, GArray *words, guint first_arg)
{
	static const gchar key[] = "address=";
	const Word *arg;
	g_autofree gchar *value = NULL;
	gsize length;

	if (words->len == first_arg)
		return; /* no argument: the sender */
	arg = &g_array_index(words, Word, first_arg);
	if (words->len > first_arg + 1 || arg->length < strlen(key) ||
	    g_ascii_strncasecmp(text + arg->start, key, strlen(key)) != 0) {
		g_set_error(&command->error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_USAGE,
			    "%s: usage: %s [address=ADDR]", command->word, command->word);
		return;
	}
	value = g_strndup(text + arg->start + strlen(key), arg->length - strlen(key));
	length = strlen(value);
	/* "address=<a@example.org>" is what some people will type */
	if (length >= 2 && value[0] == '<' && value[length - 1] == '>') {
		value[length - 1] = '\0';
		memmove(value, value + 1, length - 1);
	}
	command->address = pgl_address_normalize(value, NULL);
	if (command->address == NULL) {
		g_autofree gchar *quoted = quote_word(value, strlen(value));

		g_set_error(&command->error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_ADDRESS,
			    "%s: address=%s is not a valid address", command->word, quoted);
	}
}

static void
check_token(PglCommand *command, const PglCommandInfo *info, const gchar *text, GArray *words,
	    guint first_arg)
{
	const Word *arg;

	if (words->len != first_arg + 1) {
		g_set_error(&command->error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_USAGE,
			    "%s: usage: %s", command->word, info->usage);
		return;
	}
	arg = &g_array_index(words, Word, first_arg);
	if (!pgl_command_token_is_valid(text + arg->start, (gssize)arg->length)) {
		g_set_error(&command->error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_TOKEN,
			    "%s: a token is %d hex digits", command->word,
			    PGL_COMMAND_TOKEN_LENGTH);
		return;
	}
	command->token = g_strndup(text + arg->start, arg->length);
}

/**
 * pgl_command_parse_line:
 * @line: (array length=length): one line of untrusted text, any bytes (NUL included), without
 *   its line end; reply prefixes of a Subject are the caller's to remove
 * @length: its length in bytes, or -1 if NUL-terminated
 * @source: where the line comes from (copied into the result)
 * @line_number: its body line number, or 0 (copied into the result)
 *
 * Parses one command line (see the top of this file). Leading and trailing white space is
 * ignored; invalid UTF-8 and NUL bytes are replaced by U+FFFD first, so a word with them in it
 * names no command. Only the first %PGL_LIMIT_COMMAND_LINE_MAX bytes are read; a command on a
 * longer line gets %PGL_COMMAND_ERROR_TOO_LONG.
 *
 * Returns: (transfer full): the command; for a line that is not one (blank lines included),
 *   kind %PGL_COMMAND_KIND_UNKNOWN with error %PGL_COMMAND_ERROR_UNKNOWN; for a malformed
 *   one, its kind with the error %PGL_COMMAND_ERROR_USAGE, %PGL_COMMAND_ERROR_ADDRESS,
 *   %PGL_COMMAND_ERROR_TOKEN or %PGL_COMMAND_ERROR_TOO_LONG
 */
PglCommand *
pgl_command_parse_line(const gchar *line, gssize length, PglCommandSource source,
		       guint line_number)
{
	g_autoptr(PglCommand) command = g_new0(PglCommand, 1);
	g_autoptr(GArray) words = NULL;
	g_autofree gchar *text = NULL;
	const PglCommandInfo *info;
	guint n_words = 0;
	gboolean too_long;

	g_return_val_if_fail(line != NULL || length == 0, NULL);
	if (line == NULL)
		line = "";
	if (length < 0)
		length = (gssize)strnlen(line, PGL_LIMIT_COMMAND_LINE_MAX + 1);
	too_long = (gsize)length > PGL_LIMIT_COMMAND_LINE_MAX;
	text = pgl_command_trimmed_copy(line, (gsize)length);
	command->source = source;
	command->line_number = line_number;
	command->line = pgl_sanitize(text, -1, PGL_LIMIT_COMMAND_QUOTE_MAX);
	words = split_words(text);
	info = match(text, words, &n_words);
	if (info == NULL) {
		g_autofree gchar *quoted = NULL;
		gsize end = 0;

		/* "key frobnicate" is quoted whole: "key" alone says little */
		if (words->len > 0) {
			const Word *last = &g_array_index(words, Word, 0);

			if (words->len > 1 && word_is(text, last, "key"))
				last = &g_array_index(words, Word, 1);
			end = last->start + last->length;
		}
		quoted = quote_word(text, end);
		command->kind = PGL_COMMAND_KIND_UNKNOWN;
		command->word = g_ascii_strdown(quoted, -1);
		g_set_error(&command->error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_UNKNOWN,
			    "unknown command \"%s\"", quoted);
		return g_steal_pointer(&command);
	}
	command->kind = info->kind;
	/* the alias if that was typed; "key set" with one space, whatever was typed */
	if (n_words == 1)
		command->word = g_ascii_strdown(text + g_array_index(words, Word, 0).start,
						(gssize)g_array_index(words, Word, 0).length);
	else
		command->word = g_strdup(info->name);
	if (too_long) {
		g_set_error(&command->error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_TOO_LONG,
			    "%s: the line is longer than %d bytes", command->word,
			    PGL_LIMIT_COMMAND_LINE_MAX);
		return g_steal_pointer(&command);
	}
	switch (args_of(info->kind)) {
	case ARGS_NONE:
		if (words->len > n_words)
			g_set_error(&command->error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_USAGE,
				    "%s: takes no arguments", command->word);
		break;
	case ARGS_ADDRESS:
		check_address(command, text, words, n_words);
		break;
	case ARGS_TOKEN:
		check_token(command, info, text, words, n_words);
		break;
	case ARGS_TEXT:
		command->text =
			words->len > n_words
				? pgl_sanitize(text + g_array_index(words, Word, n_words).start,
					       -1, PGL_LIMIT_COMMAND_QUOTE_MAX)
				: g_strdup("");
		break;
	case ARGS_IGNORED:
		break;
	default:
		g_assert_not_reached();
	}
	return g_steal_pointer(&command);
}

/**
 * pgl_command_new_address:
 * @kind: %PGL_COMMAND_KIND_JOIN, %PGL_COMMAND_KIND_LEAVE or %PGL_COMMAND_KIND_CONFIRM
 * @token: (nullable): for confirm, the untrusted +TOKEN of the LIST-confirm+TOKEN address
 *
 * The command an address stands for: LIST-join and LIST-leave join or leave the sender,
 * LIST-confirm+TOKEN confirms TOKEN.
 *
 * Returns: (transfer full): the command, source %PGL_COMMAND_SOURCE_ADDRESS; a confirm whose
 *   token is not valid has the error %PGL_COMMAND_ERROR_TOKEN
 */
PglCommand *
pgl_command_new_address(PglCommandKind kind, const gchar *token)
{
	g_autoptr(PglCommand) command = g_new0(PglCommand, 1);
	g_autofree gchar *quoted = NULL;

	g_return_val_if_fail(kind == PGL_COMMAND_KIND_JOIN || kind == PGL_COMMAND_KIND_LEAVE ||
				     kind == PGL_COMMAND_KIND_CONFIRM,
			     NULL);
	command->kind = kind;
	command->source = PGL_COMMAND_SOURCE_ADDRESS;
	command->word = g_strdup(pgl_command_kind_to_string(kind));
	if (kind != PGL_COMMAND_KIND_CONFIRM) {
		command->line = g_strdup(command->word);
		return g_steal_pointer(&command);
	}
	if (token == NULL)
		token = "";
	quoted = quote_word(token, strnlen(token, PGL_LIMIT_COMMAND_LINE_MAX));
	command->line = g_strdup_printf("confirm %s", quoted);
	if (pgl_command_token_is_valid(token, -1))
		command->token = g_strdup(token);
	else
		g_set_error(&command->error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_TOKEN,
			    "confirm: a token is %d hex digits", PGL_COMMAND_TOKEN_LENGTH);
	return g_steal_pointer(&command);
}
