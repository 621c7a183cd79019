/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of src/commands: the command line parser (every command and alias, arguments valid and
 * not, every PglCommandError code), the help table, Subjects, and whole command mails through
 * pgl_commands_parse(): each destination, the body's stop rules, greetings, quoting, MIME
 * structure (alternative, attachments, HTML only, encrypted), charsets, CRLF, and hostile input
 * that must stay within the limits of src/core/pgl-limits.h.
 */
#include "commands/pgl-commands.h"
#include "core/pgl-limits.h"
#include "mail/pgl-mail.h"

#include <glib/gstdio.h>
#include <string.h>

#define TOKEN "0123456789abcdef0123456789abcdef01234567"
#define TOKEN2 "fedcba9876543210fedcba9876543210fedcba98"

#define HEADERS                                                                            \
	"From: Alice <alice@example.org>\nTo: test-request@example.org\n"                  \
	"Message-ID: <c1@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"

typedef struct {
	gchar *tmpdir;
	PglContext *ctx;
} Fixture;

static void
fixture_set_up(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	PglConfig *config = pgl_config_new_default();

	fixture->tmpdir = g_dir_make_tmp("pgl-test-commands-XXXXXX", &error);
	g_assert_no_error(error);
	g_free(config->var_dir);
	config->var_dir = g_strdup(fixture->tmpdir);
	fixture->ctx = pgl_context_new(config, &error);
	g_assert_no_error(error);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer user_data)
{
	pgl_context_unref(fixture->ctx);
	g_rmdir(fixture->tmpdir);
	g_free(fixture->tmpdir);
}

static GMimeMessage *
parse_message(PglContext *ctx, const gchar *text, gssize length)
{
	g_autoptr(GBytes) raw = g_bytes_new(text, length < 0 ? strlen(text) : (gsize)length);
	g_autoptr(GError) error = NULL;
	GMimeMessage *message = NULL;

	if (!pgl_mail_parse(ctx, raw, &message, &error))
		g_error("test message does not parse: %s", error->message);
	return message;
}

static const gchar *
error_code_name(const GError *error)
{
	if (error == NULL)
		return "ok";
	g_assert_true(error->domain == PGL_COMMAND_ERROR);
	switch ((PglCommandError)error->code) {
	case PGL_COMMAND_ERROR_UNKNOWN:
		return "unknown";
	case PGL_COMMAND_ERROR_USAGE:
		return "usage";
	case PGL_COMMAND_ERROR_ADDRESS:
		return "address";
	case PGL_COMMAND_ERROR_TOKEN:
		return "token";
	case PGL_COMMAND_ERROR_TOO_LONG:
		return "too-long";
	case PGL_COMMAND_ERROR_DESTINATION:
		return "destination";
	default:
		g_assert_not_reached();
	}
}

/* No control characters, valid UTF-8, at most @max bytes plus "...": what a reply may quote. */
static void
assert_printable(const gchar *text, gsize max)
{
	g_assert_nonnull(text);
	g_assert_true(g_utf8_validate(text, -1, NULL));
	g_assert_cmpuint(strlen(text), <=, max + 3);
	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p))
		g_assert_false(g_unichar_iscntrl(g_utf8_get_char(p)));
}

static void
assert_command_invariants(const PglCommand *command)
{
	assert_printable(command->line, PGL_LIMIT_COMMAND_QUOTE_MAX);
	assert_printable(command->word, PGL_LIMIT_COMMAND_QUOTE_MAX);
	if (command->text != NULL)
		assert_printable(command->text, PGL_LIMIT_COMMAND_QUOTE_MAX);
	if (command->error != NULL) {
		g_assert_true(g_utf8_validate(command->error->message, -1, NULL));
		g_assert_null(command->address);
		g_assert_null(command->token);
	}
	if (command->token != NULL)
		g_assert_true(pgl_command_token_is_valid(command->token, -1));
	g_assert_true((command->kind == PGL_COMMAND_KIND_UNKNOWN) ==
		      (command->error != NULL &&
		       command->error->code == PGL_COMMAND_ERROR_UNKNOWN));
}

/* "word", "word address", "word token", "word=text" or "word!error-code" */
static gchar *
describe(const PglCommand *command)
{
	assert_command_invariants(command);
	if (command->error != NULL)
		return g_strdup_printf("%s!%s", command->word, error_code_name(command->error));
	if (command->address != NULL)
		return g_strdup_printf("%s %s", command->word, command->address);
	if (command->token != NULL)
		return g_strdup_printf("%s %s", command->word, command->token);
	if (command->text != NULL && command->text[0] != '\0')
		return g_strdup_printf("%s=%s", command->word, command->text);
	return g_strdup(command->word);
}

static gchar *
describe_all(const PglCommands *commands)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < commands->commands->len; i++) {
		g_autofree gchar *one = describe(commands->commands->pdata[i]);

		g_string_append_printf(out, "%s%s", i > 0 ? ", " : "", one);
	}
	return g_string_free(out, FALSE);
}

/* ---- one line ---- */

typedef struct {
	const gchar *line;
	PglCommandKind kind;
	const gchar *want;	/* describe() */
	const gchar *message;	/* substring of the error message, or NULL */
} LineCase;

static const LineCase line_cases[] = {
	/* every command and alias */
	{"join", PGL_COMMAND_KIND_JOIN, "join", NULL},
	{"JOIN", PGL_COMMAND_KIND_JOIN, "join", NULL},
	{"subscribe", PGL_COMMAND_KIND_JOIN, "subscribe", NULL},
	{"Subscribe address=Bob@Example.ORG", PGL_COMMAND_KIND_JOIN, "subscribe bob@example.org",
	 NULL},
	{"join address=<bob@example.org>", PGL_COMMAND_KIND_JOIN, "join bob@example.org", NULL},
	{"join ADDRESS=bob@example.org", PGL_COMMAND_KIND_JOIN, "join bob@example.org", NULL},
	{"leave", PGL_COMMAND_KIND_LEAVE, "leave", NULL},
	{"unsubscribe", PGL_COMMAND_KIND_LEAVE, "unsubscribe", NULL},
	{"UnSubscribe address=carol@example.net", PGL_COMMAND_KIND_LEAVE,
	 "unsubscribe carol@example.net", NULL},
	{"confirm " TOKEN, PGL_COMMAND_KIND_CONFIRM, "confirm " TOKEN, NULL},
	{"Confirm " TOKEN, PGL_COMMAND_KIND_CONFIRM, "confirm " TOKEN, NULL},
	{"help", PGL_COMMAND_KIND_HELP, "help", NULL},
	{"who", PGL_COMMAND_KIND_WHO, "who", NULL},
	{"echo", PGL_COMMAND_KIND_ECHO, "echo", NULL},
	{"echo hello   world", PGL_COMMAND_KIND_ECHO, "echo=hello   world", NULL},
	{"end", PGL_COMMAND_KIND_END, "end", NULL},
	{"End of commands.", PGL_COMMAND_KIND_END, "end", NULL},
	{"key set " TOKEN, PGL_COMMAND_KIND_KEY_SET, "key set " TOKEN, NULL},
	{"KEY   Set\t" TOKEN, PGL_COMMAND_KIND_KEY_SET, "key set " TOKEN, NULL},
	{"key confirm " TOKEN, PGL_COMMAND_KIND_KEY_CONFIRM, "key confirm " TOKEN, NULL},
	{"key change", PGL_COMMAND_KIND_KEY_CHANGE, "key change", NULL},
	{"key revoke", PGL_COMMAND_KIND_KEY_REVOKE, "key revoke", NULL},
	{"key sign", PGL_COMMAND_KIND_KEY_SIGN, "key sign", NULL},
	{"key receive", PGL_COMMAND_KIND_KEY_RECEIVE, "key receive", NULL},
	/* white space */
	{"  \t join \r", PGL_COMMAND_KIND_JOIN, "join", NULL},
	{"join\xc2\xa0" "address=bob@example.org", PGL_COMMAND_KIND_JOIN, "join bob@example.org",
	 NULL},
	{"\xef\xbb\xbfhelp", PGL_COMMAND_KIND_HELP, "help", NULL},
	/* address= */
	{"join address=bob", PGL_COMMAND_KIND_JOIN, "join!address",
	 "join: address=bob is not a valid address"},
	{"subscribe address=", PGL_COMMAND_KIND_JOIN, "subscribe!address",
	 "subscribe: address= is not a valid address"},
	{"leave address=a@b@example.org", PGL_COMMAND_KIND_LEAVE, "leave!address", NULL},
	{"leave address=\"x\"@example.org", PGL_COMMAND_KIND_LEAVE, "leave!address", NULL},
	{"join address=a\x01@example.org", PGL_COMMAND_KIND_JOIN, "join!address",
	 "join: address=a?@example.org is"},
	{"join bob@example.org", PGL_COMMAND_KIND_JOIN, "join!usage",
	 "join: usage: join [address=ADDR]"},
	{"unsubscribe me", PGL_COMMAND_KIND_LEAVE, "unsubscribe!usage",
	 "unsubscribe: usage: unsubscribe [address=ADDR]"},
	{"join address=a@example.org address=b@example.org", PGL_COMMAND_KIND_JOIN, "join!usage",
	 NULL},
	/* tokens */
	{"confirm", PGL_COMMAND_KIND_CONFIRM, "confirm!usage", "confirm: usage: confirm TOKEN"},
	{"confirm " TOKEN " " TOKEN2, PGL_COMMAND_KIND_CONFIRM, "confirm!usage", NULL},
	{"confirm 0123456789ABCDEF0123456789ABCDEF01234567", PGL_COMMAND_KIND_CONFIRM,
	 "confirm!token", "confirm: a token is 40 hex digits"},
	{"confirm 0123456789abcdef0123456789abcdef0123456", PGL_COMMAND_KIND_CONFIRM,
	 "confirm!token", NULL},
	{"confirm 0123456789abcdef0123456789abcdef012345678", PGL_COMMAND_KIND_CONFIRM,
	 "confirm!token", NULL},
	{"confirm 0123456789abcdef0123456789abcdef0123456g", PGL_COMMAND_KIND_CONFIRM,
	 "confirm!token", NULL},
	{"key set", PGL_COMMAND_KIND_KEY_SET, "key set!usage", "key set: usage: key set TOKEN"},
	{"key confirm nope", PGL_COMMAND_KIND_KEY_CONFIRM, "key confirm!token",
	 "key confirm: a token is 40 hex digits"},
	/* commands without arguments */
	{"help me", PGL_COMMAND_KIND_HELP, "help!usage", "help: takes no arguments"},
	{"who is there", PGL_COMMAND_KIND_WHO, "who!usage", NULL},
	{"key change now", PGL_COMMAND_KIND_KEY_CHANGE, "key change!usage",
	 "key change: takes no arguments"},
	/* not commands */
	{"foo bar", PGL_COMMAND_KIND_UNKNOWN, "foo!unknown", "unknown command \"foo\""},
	{"Hello,", PGL_COMMAND_KIND_UNKNOWN, "hello,!unknown", "unknown command \"Hello,\""},
	{"joinx", PGL_COMMAND_KIND_UNKNOWN, "joinx!unknown", NULL},
	{"key", PGL_COMMAND_KIND_UNKNOWN, "key!unknown", "unknown command \"key\""},
	{"key frob " TOKEN, PGL_COMMAND_KIND_UNKNOWN, "key frob!unknown",
	 "unknown command \"key frob\""},
	{"", PGL_COMMAND_KIND_UNKNOWN, "!unknown", NULL},
	{"> join", PGL_COMMAND_KIND_UNKNOWN, ">!unknown", NULL},
	{"join\x1b[2J", PGL_COMMAND_KIND_UNKNOWN, "join?[2j!unknown", "\"join?[2J\""},
};

static void
test_line_table(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(line_cases); i++) {
		const LineCase *c = &line_cases[i];
		g_autoptr(PglCommand) command =
			pgl_command_parse_line(c->line, -1, PGL_COMMAND_SOURCE_BODY, 7);
		g_autofree gchar *got = describe(command);

		if (command->kind != c->kind || g_strcmp0(got, c->want) != 0)
			g_error("line \"%s\": got %s (kind %s), want %s (kind %s)", c->line, got,
				pgl_command_kind_to_string(command->kind), c->want,
				pgl_command_kind_to_string(c->kind));
		if (c->message != NULL &&
		    (command->error == NULL || strstr(command->error->message, c->message) == NULL))
			g_error("line \"%s\": got error \"%s\", want one containing \"%s\"",
				c->line,
				command->error != NULL ? command->error->message : "(none)",
				c->message);
		g_assert_cmpint(command->source, ==, PGL_COMMAND_SOURCE_BODY);
		g_assert_cmpuint(command->line_number, ==, 7);
	}
}

static void
test_line_error_codes(void)
{
	static const struct {
		const gchar *line;
		PglCommandError code;
	} cases[] = {
		{"frobnicate", PGL_COMMAND_ERROR_UNKNOWN},
		{"who cares", PGL_COMMAND_ERROR_USAGE},
		{"join address=nobody", PGL_COMMAND_ERROR_ADDRESS},
		{"confirm xyz", PGL_COMMAND_ERROR_TOKEN},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(PglCommand) command =
			pgl_command_parse_line(cases[i].line, -1, PGL_COMMAND_SOURCE_BODY, 1);

		g_assert_error(command->error, PGL_COMMAND_ERROR, (gint)cases[i].code);
	}
	{
		/* a command on a line longer than PGL_LIMIT_COMMAND_LINE_MAX */
		g_autofree gchar *local = g_strnfill(PGL_LIMIT_COMMAND_LINE_MAX, 'a');
		g_autofree gchar *line = g_strdup_printf("join address=%s@example.org", local);
		g_autoptr(PglCommand) command =
			pgl_command_parse_line(line, -1, PGL_COMMAND_SOURCE_BODY, 1);

		g_assert_cmpint(command->kind, ==, PGL_COMMAND_KIND_JOIN);
		g_assert_error(command->error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_TOO_LONG);
		assert_command_invariants(command);
	}
}

static void
test_line_hostile(void)
{
	/* NUL bytes: a word with one in it is no command word; nothing raw reaches the reply */
	static const gchar with_nul[] = "join\0address=bob@example.org";
	static const gchar nul_argument[] = "join address=bob@example.org\0x";
	g_autoptr(PglCommand) command =
		pgl_command_parse_line(with_nul, sizeof with_nul - 1, PGL_COMMAND_SOURCE_BODY, 1);
	g_autoptr(PglCommand) argument = pgl_command_parse_line(
		nul_argument, sizeof nul_argument - 1, PGL_COMMAND_SOURCE_BODY, 1);
	g_autofree gchar *huge = g_strnfill(1024 * 1024, 'x');
	g_autoptr(PglCommand) long_line =
		pgl_command_parse_line(huge, -1, PGL_COMMAND_SOURCE_BODY, 1);
	g_autoptr(PglCommand) invalid = pgl_command_parse_line("\xff\xfe join", -1,
							      PGL_COMMAND_SOURCE_BODY, 1);

	g_assert_cmpint(command->kind, ==, PGL_COMMAND_KIND_UNKNOWN);
	assert_command_invariants(command);
	g_assert_cmpint(argument->kind, ==, PGL_COMMAND_KIND_JOIN);
	g_assert_error(argument->error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_ADDRESS);
	assert_command_invariants(argument);
	g_assert_cmpint(long_line->kind, ==, PGL_COMMAND_KIND_UNKNOWN);
	assert_command_invariants(long_line);
	g_assert_cmpuint(strlen(long_line->error->message), <, 200);
	g_assert_cmpint(invalid->kind, ==, PGL_COMMAND_KIND_UNKNOWN);
	assert_command_invariants(invalid);
}

static void
test_token(void)
{
	static const struct {
		const gchar *token;
		gboolean valid;
	} cases[] = {
		{TOKEN, TRUE},
		{"0000000000000000000000000000000000000000", TRUE},
		{"ffffffffffffffffffffffffffffffffffffffff", TRUE},
		{"0123456789ABCDEF0123456789abcdef01234567", FALSE},
		{"0123456789abcdef0123456789abcdef0123456", FALSE},
		{"0123456789abcdef0123456789abcdef012345678", FALSE},
		{"0123456789abcdef0123456789abcdef0123456 ", FALSE},
		{"g123456789abcdef0123456789abcdef01234567", FALSE},
		{"", FALSE},
		{NULL, FALSE},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (pgl_command_token_is_valid(cases[i].token, -1) != cases[i].valid)
			g_error("token \"%s\": got %d, want %d", cases[i].token,
				!cases[i].valid, cases[i].valid);
	}
	/* with a length: a prefix of a longer string */
	g_assert_true(pgl_command_token_is_valid(TOKEN "xyz", PGL_COMMAND_TOKEN_LENGTH));
	g_assert_false(pgl_command_token_is_valid(TOKEN "xyz", -1));
}

/* ---- the help table ---- */

static void
test_help(void)
{
	/* names and usages as issue 4 lists them */
	static const struct {
		PglCommandKind kind;
		const gchar *name;
		const gchar *alias;
		const gchar *usage;
		gboolean pgp_only;
	} want[] = {
		{PGL_COMMAND_KIND_JOIN, "join", "subscribe", "join [address=ADDR]", FALSE},
		{PGL_COMMAND_KIND_LEAVE, "leave", "unsubscribe", "leave [address=ADDR]", FALSE},
		{PGL_COMMAND_KIND_CONFIRM, "confirm", NULL, "confirm TOKEN", FALSE},
		{PGL_COMMAND_KIND_HELP, "help", NULL, "help", FALSE},
		{PGL_COMMAND_KIND_WHO, "who", NULL, "who", FALSE},
		{PGL_COMMAND_KIND_ECHO, "echo", NULL, "echo", FALSE},
		{PGL_COMMAND_KIND_END, "end", NULL, "end", FALSE},
		{PGL_COMMAND_KIND_KEY_SET, "key set", NULL, "key set TOKEN", TRUE},
		{PGL_COMMAND_KIND_KEY_CONFIRM, "key confirm", NULL, "key confirm TOKEN", TRUE},
		{PGL_COMMAND_KIND_KEY_CHANGE, "key change", NULL, "key change", TRUE},
		{PGL_COMMAND_KIND_KEY_REVOKE, "key revoke", NULL, "key revoke", TRUE},
		{PGL_COMMAND_KIND_KEY_SIGN, "key sign", NULL, "key sign", TRUE},
		{PGL_COMMAND_KIND_KEY_RECEIVE, "key receive", NULL, "key receive", TRUE},
	};
	const PglCommandInfo *infos = pgl_command_get_infos();
	gsize n = 0;

	while (infos[n].name != NULL)
		n++;
	g_assert_cmpuint(n, ==, G_N_ELEMENTS(want));
	for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
		const PglCommandInfo *info = pgl_command_get_info(want[i].kind);

		g_assert_true(info == &infos[i]);
		g_assert_cmpint(info->kind, ==, want[i].kind);
		g_assert_cmpstr(info->name, ==, want[i].name);
		g_assert_cmpstr(info->alias, ==, want[i].alias);
		g_assert_cmpstr(info->usage, ==, want[i].usage);
		g_assert_cmpint(info->pgp_only, ==, want[i].pgp_only);
		g_assert_cmpstr(pgl_command_kind_to_string(want[i].kind), ==, want[i].name);
		g_assert_nonnull(info->description);
		g_assert_null(strchr(info->description, '\n'));
		g_assert_cmpuint(strlen(info->usage) + strlen(info->description), <, 100);
		{
			/* every usage, as written in the help, parses as its command */
			g_autoptr(GString) line = g_string_new(info->usage);
			g_autoptr(PglCommand) command = NULL;

			g_string_replace(line, "[address=ADDR]", "address=a@example.org", 0);
			g_string_replace(line, "TOKEN", TOKEN, 0);
			command = pgl_command_parse_line(line->str, -1, PGL_COMMAND_SOURCE_BODY, 1);
			g_assert_no_error(command->error);
			g_assert_cmpint(command->kind, ==, want[i].kind);
		}
		if (info->alias != NULL) {
			g_autoptr(PglCommand) command =
				pgl_command_parse_line(info->alias, -1, PGL_COMMAND_SOURCE_BODY, 1);

			g_assert_cmpint(command->kind, ==, want[i].kind);
		}
	}
	g_assert_null(pgl_command_get_info(PGL_COMMAND_KIND_UNKNOWN));
	g_assert_cmpstr(pgl_command_kind_to_string(PGL_COMMAND_KIND_UNKNOWN), ==, "unknown");
}

/* ---- Subjects ---- */

typedef struct {
	const gchar *subject;
	gboolean confirm_only;
	const gchar *want; /* describe(), or NULL for no command */
} SubjectCase;

static const SubjectCase subject_cases[] = {
	{"subscribe", FALSE, "subscribe"},
	{"Re: confirm " TOKEN, FALSE, "confirm " TOKEN},
	{"RE: confirm " TOKEN, TRUE, "confirm " TOKEN},
	{"AW: confirm " TOKEN, TRUE, "confirm " TOKEN},
	{"Fwd: Re: confirm " TOKEN, TRUE, "confirm " TOKEN},
	{"Re[2]: confirm " TOKEN, TRUE, "confirm " TOKEN},
	{"Re : confirm " TOKEN, TRUE, "confirm " TOKEN},
	{"SV:confirm " TOKEN, TRUE, "confirm " TOKEN},
	{"[test] Re: help", FALSE, "help"},
	{"Your confirmation is needed: confirm " TOKEN, TRUE, "confirm " TOKEN},
	{"[test] Re: Your confirmation is needed: confirm " TOKEN " (join)", FALSE,
	 "confirm " TOKEN},
	{"Re: key confirm " TOKEN, FALSE, "key confirm " TOKEN},
	{"Re: key confirm " TOKEN, TRUE, "key confirm " TOKEN},
	{"[test] please: key confirm " TOKEN, TRUE, "key confirm " TOKEN},
	{"Re: confirm nonsense", TRUE, "confirm!token"},
	{"Re: confirm nonsense", FALSE, "confirm!token"},
	{"Re: help me", FALSE, "help!usage"},
	{"help", TRUE, NULL},
	{"please add me", FALSE, NULL},
	{"Re: hello", FALSE, NULL},
	{"", FALSE, NULL},
	{"Re: ", FALSE, NULL},
	{"Re[2", FALSE, NULL},
	{"[unclosed tag", FALSE, NULL},
	{"please reconfirm " TOKEN, TRUE, NULL},
	{"about confirm " TOKEN "0", TRUE, NULL},
	{"about confirm " TOKEN "-x", TRUE, "confirm " TOKEN},
	{"monkey confirm " TOKEN, TRUE, "confirm " TOKEN},
	{"about confirm", TRUE, NULL},
};

static void
test_subject_table(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(subject_cases); i++) {
		const SubjectCase *c = &subject_cases[i];
		g_autoptr(PglCommand) command = pgl_commands_parse_subject(c->subject,
									   c->confirm_only);
		g_autofree gchar *got = command != NULL ? describe(command) : NULL;

		if (g_strcmp0(got, c->want) != 0)
			g_error("subject \"%s\" (confirm_only=%d): got %s, want %s", c->subject,
				c->confirm_only, got, c->want);
		if (command != NULL) {
			g_assert_cmpint(command->source, ==, PGL_COMMAND_SOURCE_SUBJECT);
			g_assert_cmpuint(command->line_number, ==, 0);
			/* the reply quotes the whole Subject */
			g_assert_cmpstr(command->line, ==, c->subject);
		}
	}
	g_assert_null(pgl_commands_parse_subject(NULL, FALSE));
}

static void
test_subject_hostile(void)
{
	g_autofree gchar *filler = g_strnfill(2 * PGL_LIMIT_COMMAND_LINE_MAX, 'x');
	g_autofree gchar *late = g_strdup_printf("%s confirm " TOKEN, filler);
	g_autofree gchar *early = g_strdup_printf("confirm " TOKEN " %s", filler);
	g_autoptr(PglCommand) none = pgl_commands_parse_subject(late, TRUE);
	g_autoptr(PglCommand) too_long = pgl_commands_parse_subject(early, FALSE);

	/* "confirm TOKEN" past the first PGL_LIMIT_COMMAND_LINE_MAX bytes is not looked for */
	g_assert_null(none);
	g_assert_nonnull(too_long);
	g_assert_error(too_long->error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_TOO_LONG);
	assert_command_invariants(too_long);
}

/* ---- whole mails ---- */

typedef struct {
	const gchar *name;
	const gchar *destination;
	const gchar *extension;
	guint max_lines;
	const gchar *subject;	/* NULL: no Subject: */
	const gchar *mime;	/* MIME header fields of the message, or NULL */
	const gchar *body;
	const gchar *want;	/* describe_all() */
	const gchar *ignored;	/* the ignored lines, joined with '|' */
	PglCommandsStop stop;
	guint stop_line;
	PglCommandsText text;
} MailCase;

#define PLAIN PGL_COMMANDS_TEXT_PLAIN
#define MIXED(boundary) "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=" boundary "\n"
#define ALTERNATIVE                                                                        \
	"MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=alt\n"

static const MailCase mail_cases[] = {
	/* the addresses */
	{"join-address", "join", NULL, 0, "hello", NULL, "leave\nwho\n", "join", "",
	 PGL_COMMANDS_STOP_ADDRESS, 0, PLAIN},
	{"leave-address", "leave", NULL, 0, "join", NULL, "join\n", "leave", "",
	 PGL_COMMANDS_STOP_ADDRESS, 0, PLAIN},
	{"confirm-address", "confirm", TOKEN, 0, "Re: confirm " TOKEN2, NULL, "leave\n",
	 "confirm " TOKEN, "", PGL_COMMANDS_STOP_ADDRESS, 0, PLAIN},
	{"confirm-address-bad-token", "confirm", "0123", 0, NULL, NULL, "", "confirm!token", "",
	 PGL_COMMANDS_STOP_ADDRESS, 0, PLAIN},
	{"confirm-address-upper-token", "confirm", "0123456789ABCDEF0123456789ABCDEF01234567", 0,
	 NULL, NULL, "", "confirm!token", "", PGL_COMMANDS_STOP_ADDRESS, 0, PLAIN},
	{"confirm-subject", "confirm", NULL, 0, "Re: confirm " TOKEN, NULL, "Yes, please.\n",
	 "confirm " TOKEN, "", PGL_COMMANDS_STOP_ADDRESS, 0, PLAIN},
	{"confirm-subject-aw", "confirm", "", 0, "AW: confirm " TOKEN, NULL, "", "confirm " TOKEN,
	 "", PGL_COMMANDS_STOP_ADDRESS, 0, PLAIN},
	{"confirm-subject-mailman", "confirm", NULL, 0,
	 "[test] Your confirmation is needed: confirm " TOKEN, NULL, "", "confirm " TOKEN, "",
	 PGL_COMMANDS_STOP_ADDRESS, 0, PLAIN},
	{"confirm-subject-key", "confirm", NULL, 0, "Re: key confirm " TOKEN, NULL, "",
	 "key confirm " TOKEN, "", PGL_COMMANDS_STOP_ADDRESS, 0, PLAIN},
	{"confirm-nothing", "confirm", NULL, 0, "hello", NULL, "confirm " TOKEN "\n",
	 "confirm!token", "", PGL_COMMANDS_STOP_ADDRESS, 0, PLAIN},
	{"confirm-subject-help", "confirm", NULL, 0, "help", NULL, "", "confirm!token", "",
	 PGL_COMMANDS_STOP_ADDRESS, 0, PLAIN},
	/* -request: the Subject */
	{"subject-only", "request", NULL, 0, "subscribe", NULL, "", "subscribe", "",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"subject-re-confirm", "request", NULL, 0, "Re: confirm " TOKEN, NULL, "\n\n",
	 "confirm " TOKEN, "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"subject-mailman-confirm", "request", NULL, 0,
	 "Re: Your confirmation is needed: confirm " TOKEN, NULL, "", "confirm " TOKEN, "",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"subject-and-body", "request", NULL, 0, "join", NULL, "who\n", "join, who", "",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"subject-text", "request", NULL, 0, "Please add me", NULL, "join\n", "join", "",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"subject-end", "request", NULL, 0, "end", NULL, "help\n", "end", "",
	 PGL_COMMANDS_STOP_END, 0, PLAIN},
	{"subject-does-not-start-commands", "request", NULL, 0, "help", NULL,
	 "Hello,\nadd me please.\n", "help", "Hello,|add me please.",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"no-subject", "request", NULL, 0, NULL, NULL, "help\n", "help", "",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	/* -request: the body */
	{"body", "request", NULL, 0, "commands", NULL,
	 "join\nleave address=bob@example.org\nhelp\nwho\necho ping\n"
	 "key set " TOKEN "\nkey confirm " TOKEN "\nkey change\nkey revoke\nkey sign\n"
	 "key receive\nconfirm " TOKEN "\nsubscribe\nunsubscribe\n",
	 "join, leave bob@example.org, help, who, echo=ping, key set " TOKEN
	 ", key confirm " TOKEN ", key change, key revoke, key sign, key receive, confirm " TOKEN
	 ", subscribe, unsubscribe",
	 "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"case-insensitive", "request", NULL, 0, NULL, NULL, "JOIN\nHelp\nKey Receive\n",
	 "join, help, key receive", "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"no-final-newline", "request", NULL, 0, NULL, NULL, "help\nwho", "help, who", "",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"end", "request", NULL, 0, NULL, NULL, "help\nend\nleave\n", "help, end", "",
	 PGL_COMMANDS_STOP_END, 2, PLAIN},
	{"end-with-words", "request", NULL, 0, NULL, NULL, "help\nEND of commands\nleave\n",
	 "help, end", "", PGL_COMMANDS_STOP_END, 2, PLAIN},
	{"signature", "request", NULL, 0, NULL, NULL, "help\n-- \nleave\n", "help", "",
	 PGL_COMMANDS_STOP_SIGNATURE, 2, PLAIN},
	{"signature-stripped", "request", NULL, 0, NULL, NULL, "help\n--\nleave\n", "help", "",
	 PGL_COMMANDS_STOP_SIGNATURE, 2, PLAIN},
	{"signature-before-commands", "request", NULL, 0, NULL, NULL, "-- \njoin\n", "", "",
	 PGL_COMMANDS_STOP_SIGNATURE, 1, PLAIN},
	{"not-a-separator", "request", NULL, 0, NULL, NULL, "---\njoin\n", "join", "---",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"non-command", "request", NULL, 0, NULL, NULL, "help\nThanks!\nleave\n", "help", "",
	 PGL_COMMANDS_STOP_NON_COMMAND, 2, PLAIN},
	{"non-command-after-blank", "request", NULL, 0, NULL, NULL, "help\n\n\nBye\nleave\n",
	 "help", "", PGL_COMMANDS_STOP_NON_COMMAND, 4, PLAIN},
	{"malformed-continues", "request", NULL, 0, NULL, NULL,
	 "join address=nobody\nhelp me\nconfirm 12\nwho\n", "join!address, help!usage, "
	 "confirm!token, who", "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"greeting", "request", NULL, 0, "subscription", NULL,
	 "Hello,\n\nplease subscribe me.\n\njoin\nwho\n\nThanks, Alice\n", "join, who",
	 "Hello,|please subscribe me.", PGL_COMMANDS_STOP_NON_COMMAND, 8, PLAIN},
	{"greeting-only", "request", NULL, 0, NULL, NULL, "Hi\nHow do I join?\n", "",
	 "Hi|How do I join?", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"quoted", "request", NULL, 0, NULL, NULL,
	 "> leave\njoin\n  > leave\n>help\nwho\n", "join, who", "",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"white-space", "request", NULL, 0, NULL, NULL,
	 "   join   \n\t who\t\n \xc2\xa0help\xc2\xa0\n", "join, who, help", "",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"max-lines", "request", NULL, 3, NULL, NULL, "\n\nhelp\nwho\n", "help", "",
	 PGL_COMMANDS_STOP_MAX_LINES, 0, PLAIN},
	{"max-lines-exact", "request", NULL, 2, NULL, NULL, "help\nwho\n", "help, who", "",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"max-lines-greeting", "request", NULL, 2, NULL, NULL, "Hi\nthere\nhelp\n", "",
	 "Hi|there", PGL_COMMANDS_STOP_MAX_LINES, 0, PLAIN},
	{"max-lines-default", "request", NULL, 0, NULL, NULL,
	 "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n"
	 "21\n22\n23\n24\n25\nhelp\n",
	 "",
	 "1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17|18|19|20|21|22|23|24|25",
	 PGL_COMMANDS_STOP_MAX_LINES, 0, PLAIN},
	{"bom", "request", NULL, 0, NULL, "Content-Type: text/plain; charset=utf-8\n",
	 "\xef\xbb\xbfjoin\n", "join", "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"crlf", "request", NULL, 0, NULL, NULL, "Hi\r\n\r\nhelp\r\nwho\r\n-- \r\nAlice\r\n",
	 "help, who", "Hi", PGL_COMMANDS_STOP_SIGNATURE, 5, PLAIN},
	/* MIME */
	{"alternative", "request", NULL, 0, NULL, ALTERNATIVE,
	 "--alt\nContent-Type: text/plain\n\njoin\n"
	 "--alt\nContent-Type: text/html\n\n<p>leave</p>\n--alt--\n",
	 "join", "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"alternative-html-first", "request", NULL, 0, NULL, ALTERNATIVE,
	 "--alt\nContent-Type: text/html\n\n<p>leave</p>\n"
	 "--alt\nContent-Type: text/plain\n\nhelp\n--alt--\n",
	 "help", "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"html-only", "request", NULL, 0, "hello", "MIME-Version: 1.0\nContent-Type: text/html\n",
	 "<p>join</p>\n", "", "", PGL_COMMANDS_STOP_NOT_TEXT, 0, PGL_COMMANDS_TEXT_HTML_ONLY},
	{"html-only-subject", "request", NULL, 0, "help",
	 "MIME-Version: 1.0\nContent-Type: text/html\n", "join\n", "help", "",
	 PGL_COMMANDS_STOP_NOT_TEXT, 0, PGL_COMMANDS_TEXT_HTML_ONLY},
	{"html-alternative-only", "request", NULL, 0, NULL, ALTERNATIVE,
	 "--alt\nContent-Type: text/html\n\njoin\n--alt--\n", "", "", PGL_COMMANDS_STOP_NOT_TEXT,
	 0, PGL_COMMANDS_TEXT_HTML_ONLY},
	{"mixed-with-attachment", "request", NULL, 0, NULL, MIXED("mix"),
	 "--mix\nContent-Type: text/plain\n\nhelp\n"
	 "--mix\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\n"
	 "leave\n--mix--\n",
	 "help", "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"attachment-first", "request", NULL, 0, NULL, MIXED("mix"),
	 "--mix\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\n"
	 "leave\n--mix\nContent-Type: text/plain\n\njoin\n--mix--\n",
	 "join", "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"attachment-only", "request", NULL, 0, "key set " TOKEN, MIXED("mix"),
	 "--mix\nContent-Type: text/plain\nContent-Disposition: attachment; filename=k.asc\n\n"
	 "leave\n--mix\nContent-Type: application/pgp-keys\n\nxx\n--mix--\n",
	 "key set " TOKEN, "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PGL_COMMANDS_TEXT_NONE},
	{"attached-message", "request", NULL, 0, NULL, MIXED("mix"),
	 "--mix\nContent-Type: message/rfc822\n\nSubject: x\n\nleave\n--mix--\n", "", "",
	 PGL_COMMANDS_STOP_END_OF_TEXT, 0, PGL_COMMANDS_TEXT_NONE},
	{"key-set-with-key", "request", NULL, 0, NULL, MIXED("mix"),
	 "--mix\nContent-Type: text/plain\n\nkey set " TOKEN "\n"
	 "--mix\nContent-Type: application/pgp-keys\n\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
	 "\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n--mix--\n",
	 "key set " TOKEN, "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"nested-alternative", "request", NULL, 0, NULL, MIXED("mix"),
	 "--mix\nContent-Type: multipart/alternative; boundary=alt\n\n"
	 "--alt\nContent-Type: text/plain\n\nwho\n--alt\nContent-Type: text/html\n\n<b>x</b>\n"
	 "--alt--\n--mix\nContent-Type: application/octet-stream\n\nxx\n--mix--\n",
	 "who", "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"pgp-mime-signed", "request", NULL, 0, NULL,
	 "MIME-Version: 1.0\nContent-Type: multipart/signed; protocol=\"application/"
	 "pgp-signature\"; micalg=pgp-sha256; boundary=sig\n",
	 "--sig\nContent-Type: text/plain\n\nkey confirm " TOKEN "\n"
	 "--sig\nContent-Type: application/pgp-signature\n\nxx\n--sig--\n",
	 "key confirm " TOKEN, "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"pgp-mime-encrypted", "request", NULL, 0, "help",
	 "MIME-Version: 1.0\nContent-Type: multipart/encrypted; protocol=\"application/"
	 "pgp-encrypted\"; boundary=enc\n",
	 "--enc\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n"
	 "--enc\nContent-Type: application/octet-stream\n\n-----BEGIN PGP MESSAGE-----\n\nxx\n"
	 "-----END PGP MESSAGE-----\n--enc--\n",
	 "help", "", PGL_COMMANDS_STOP_NOT_TEXT, 0, PGL_COMMANDS_TEXT_ENCRYPTED},
	{"inline-encrypted", "request", NULL, 0, NULL, NULL,
	 "\n-----BEGIN PGP MESSAGE-----\n\nhQEMA\njoin\n-----END PGP MESSAGE-----\n", "", "",
	 PGL_COMMANDS_STOP_NOT_TEXT, 0, PGL_COMMANDS_TEXT_ENCRYPTED},
	{"inline-signed", "request", NULL, 0, NULL, NULL,
	 "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nkey confirm " TOKEN "\n"
	 "-----BEGIN PGP SIGNATURE-----\n\nxx\n-----END PGP SIGNATURE-----\n",
	 "key confirm " TOKEN, "", PGL_COMMANDS_STOP_SIGNATURE, 5, PLAIN},
	{"inline-signed-dash-escaped", "request", NULL, 0, NULL, NULL,
	 "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nHi\nhelp\n- -- \nAlice\n"
	 "-----BEGIN PGP SIGNATURE-----\n\nxx\n-----END PGP SIGNATURE-----\n",
	 "help", "Hi", PGL_COMMANDS_STOP_SIGNATURE, 6, PLAIN},
	/* charsets and transfer encodings */
	{"latin1", "request", NULL, 0, NULL,
	 "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n"
	 "Content-Transfer-Encoding: quoted-printable\n",
	 "Gr=FC=DFe,\njoin\necho Gr=FC=DF Gott\n", "join, echo=Gr\xc3\xbc\xc3\x9f Gott",
	 "Gr\xc3\xbc\xc3\x9f" "e,", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"latin1-8bit", "request", NULL, 0, NULL,
	 "MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-8859-1\n"
	 "Content-Transfer-Encoding: 8bit\n",
	 "Hall\xe5\nhelp\n", "help", "Hall\xc3\xa5", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"base64", "request", NULL, 0, NULL,
	 "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
	 "Content-Transfer-Encoding: base64\n",
	 "am9pbgpoZWxwCg==\n", "join, help", "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"unknown-charset", "request", NULL, 0, NULL,
	 "MIME-Version: 1.0\nContent-Type: text/plain; charset=x-no-such-charset\n",
	 "help\n", "help", "", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
	{"invalid-shift-jis", "request", NULL, 0, NULL,
	 "MIME-Version: 1.0\nContent-Type: text/plain; charset=shift_jis\n"
	 "Content-Transfer-Encoding: 8bit\n",
	 "X\x81\xff\xfe\n" "help\n", "help", "*", PGL_COMMANDS_STOP_END_OF_TEXT, 0, PLAIN},
};

static gchar *
make_mail(const MailCase *c)
{
	GString *text = g_string_new(HEADERS);

	if (c->subject != NULL)
		g_string_append_printf(text, "Subject: %s\n", c->subject);
	if (c->mime != NULL)
		g_string_append(text, c->mime);
	g_string_append_printf(text, "\n%s", c->body);
	return g_string_free(text, FALSE);
}

static void
check_mail_case(Fixture *fixture, const MailCase *c, const gchar *raw, gssize length)
{
	g_autoptr(GMimeMessage) message = parse_message(fixture->ctx, raw, length);
	g_autoptr(PglCommands) commands = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *got = NULL;
	g_autofree gchar *ignored = NULL;

	g_assert_true(pgl_commands_parse(message, c->destination, c->extension, c->max_lines,
					 &commands, &error));
	g_assert_no_error(error);
	got = describe_all(commands);
	g_ptr_array_add(commands->ignored, NULL);
	ignored = g_strjoinv("|", (gchar **)commands->ignored->pdata);
	g_ptr_array_remove_index(commands->ignored, commands->ignored->len - 1);
	if (g_strcmp0(got, c->want) != 0)
		g_error("%s: got commands \"%s\", want \"%s\"", c->name, got, c->want);
	/* "*": some ignored line, whatever it became */
	if (g_strcmp0(c->ignored, "*") == 0 ? commands->ignored->len != 1
					     : g_strcmp0(ignored, c->ignored) != 0)
		g_error("%s: got ignored \"%s\", want \"%s\"", c->name, ignored, c->ignored);
	if (commands->stop != c->stop || commands->stop_line_number != c->stop_line)
		g_error("%s: got stop %s at line %u, want %s at line %u", c->name,
			pgl_commands_stop_to_string(commands->stop), commands->stop_line_number,
			pgl_commands_stop_to_string(c->stop), c->stop_line);
	if (commands->text != c->text)
		g_error("%s: got text %s, want %s", c->name,
			pgl_commands_text_to_string(commands->text),
			pgl_commands_text_to_string(c->text));
	g_assert_true((commands->stop == PGL_COMMANDS_STOP_NON_COMMAND) ==
		      (commands->stop_command != NULL));
	if (commands->stop_command != NULL) {
		assert_command_invariants(commands->stop_command);
		g_assert_cmpint(commands->stop_command->kind, ==, PGL_COMMAND_KIND_UNKNOWN);
		g_assert_cmpuint(commands->stop_command->line_number, ==, c->stop_line);
	}
	for (guint i = 0; i < commands->ignored->len; i++)
		assert_printable(commands->ignored->pdata[i], PGL_LIMIT_COMMAND_QUOTE_MAX);
	g_assert_cmpuint(commands->lines_read, <=,
			 c->max_lines != 0 ? c->max_lines : PGL_LIMIT_COMMAND_LINES_DEFAULT);
}

static void
test_mail_table(Fixture *fixture, gconstpointer user_data)
{
	for (gsize i = 0; i < G_N_ELEMENTS(mail_cases); i++) {
		g_autofree gchar *raw = make_mail(&mail_cases[i]);

		check_mail_case(fixture, &mail_cases[i], raw, -1);
	}
}

/* The same mails with CRLF line ends, as they come over LMTP. */
static void
test_mail_table_crlf(Fixture *fixture, gconstpointer user_data)
{
	for (gsize i = 0; i < G_N_ELEMENTS(mail_cases); i++) {
		g_autofree gchar *raw = make_mail(&mail_cases[i]);
		g_autoptr(GString) crlf = g_string_new(raw);

		g_string_replace(crlf, "\r\n", "\n", 0);
		g_string_replace(crlf, "\n", "\r\n", 0);
		check_mail_case(fixture, &mail_cases[i], crlf->str, (gssize)crlf->len);
	}
}

static void
test_mail_sources(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_message(
		fixture->ctx, HEADERS "Subject: Re: join\n\nHi\n\njoin address=bob@example.org\n",
		-1);
	g_autoptr(PglCommands) commands = NULL;
	PglCommand *subject;
	PglCommand *body;

	g_assert_true(pgl_commands_parse(message, "request", NULL, 0, &commands, NULL));
	g_assert_cmpuint(commands->commands->len, ==, 2);
	subject = commands->commands->pdata[0];
	body = commands->commands->pdata[1];
	g_assert_cmpint(subject->source, ==, PGL_COMMAND_SOURCE_SUBJECT);
	g_assert_cmpstr(subject->line, ==, "Re: join");
	g_assert_null(subject->address);
	g_assert_cmpint(body->source, ==, PGL_COMMAND_SOURCE_BODY);
	g_assert_cmpuint(body->line_number, ==, 3);
	g_assert_cmpstr(body->line, ==, "join address=bob@example.org");
	g_assert_cmpstr(body->address, ==, "bob@example.org");
	g_assert_cmpuint(commands->lines_read, ==, 3);

	/* an address command */
	g_clear_pointer(&commands, pgl_commands_free);
	g_assert_true(pgl_commands_parse(message, "confirm", TOKEN, 0, &commands, NULL));
	g_assert_cmpint(((PglCommand *)commands->commands->pdata[0])->source, ==,
			PGL_COMMAND_SOURCE_ADDRESS);
	g_assert_cmpstr(((PglCommand *)commands->commands->pdata[0])->line, ==,
			"confirm " TOKEN);
	g_assert_cmpuint(commands->lines_read, ==, 0);

	/* the message is not changed */
	g_assert_cmpstr(g_mime_message_get_subject(message), ==, "Re: join");
}

static void
test_mail_destination(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) message = parse_message(fixture->ctx, HEADERS "\nhelp\n", -1);
	g_autoptr(PglCommands) commands = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_false(pgl_commands_parse(message, "owner", NULL, 0, &commands, &error));
	g_assert_error(error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_DESTINATION);
	g_assert_null(commands);
	g_assert_true(pgl_commands_parse(message, "REQUEST", NULL, 0, &commands, NULL));
	g_assert_cmpuint(commands->commands->len, ==, 1);
}

static PglCommands *
parse_body_text(Fixture *fixture, const gchar *mime, const gchar *body, gsize body_length,
		guint max_lines)
{
	g_autoptr(GString) raw = g_string_new(HEADERS "Subject: hostile\n");
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GError) error = NULL;
	PglCommands *commands = NULL;

	if (mime != NULL)
		g_string_append(raw, mime);
	g_string_append_c(raw, '\n');
	g_string_append_len(raw, body, (gssize)body_length);
	message = parse_message(fixture->ctx, raw->str, (gssize)raw->len);
	g_assert_true(pgl_commands_parse(message, "request", NULL, max_lines, &commands, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(commands->commands->len, <=, PGL_LIMIT_COMMANDS_MAX);
	g_assert_cmpuint(commands->lines_read, <=, PGL_LIMIT_COMMAND_LINES_MAX);
	g_assert_cmpuint(commands->ignored->len, <=, commands->lines_read);
	for (guint i = 0; i < commands->commands->len; i++)
		assert_command_invariants(commands->commands->pdata[i]);
	for (guint i = 0; i < commands->ignored->len; i++)
		assert_printable(commands->ignored->pdata[i], PGL_LIMIT_COMMAND_QUOTE_MAX);
	if (commands->stop_command != NULL)
		assert_command_invariants(commands->stop_command);
	return commands;
}

static void
test_hostile_long_lines(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GString) body = g_string_new(NULL);
	g_autoptr(PglCommands) commands = NULL;

	/* a greeting line longer than a command line may be: ignored, quoted shortened */
	g_string_append(body, "Hello");
	for (guint i = 0; i < 5000; i++)
		g_string_append(body, " word");
	g_string_append(body, "\njoin\n");
	commands = parse_body_text(fixture, NULL, body->str, body->len, 0);
	g_assert_cmpuint(commands->ignored->len, ==, 1);
	g_assert_true(g_str_has_suffix(commands->ignored->pdata[0], "..."));
	g_assert_cmpuint(commands->commands->len, ==, 1);
	g_assert_cmpint(commands->stop, ==, PGL_COMMANDS_STOP_END_OF_TEXT);

	/* a command on a too long line is a command, reported as too long */
	g_clear_pointer(&commands, pgl_commands_free);
	g_string_assign(body, "help\necho ");
	for (guint i = 0; i < 5000; i++)
		g_string_append(body, "x");
	g_string_append(body, "\nwho\n");
	commands = parse_body_text(fixture, NULL, body->str, body->len, 0);
	g_assert_cmpuint(commands->commands->len, ==, 3);
	g_assert_error(((PglCommand *)commands->commands->pdata[1])->error, PGL_COMMAND_ERROR,
		       PGL_COMMAND_ERROR_TOO_LONG);

	/* one line bigger than all the text we read: nothing but the limit */
	g_clear_pointer(&commands, pgl_commands_free);
	g_string_truncate(body, 0);
	for (guint i = 0; i < 2 * PGL_LIMIT_COMMAND_TEXT_MAX; i++)
		g_string_append_c(body, 'x');
	commands = parse_body_text(fixture, NULL, body->str, body->len, 0);
	g_assert_cmpuint(commands->commands->len, ==, 0);
	g_assert_cmpuint(commands->ignored->len, ==, 0);
	g_assert_cmpuint(commands->lines_read, ==, 0);
	g_assert_cmpint(commands->stop, ==, PGL_COMMANDS_STOP_TEXT_LIMIT);
}

static void
test_hostile_many_lines(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GString) body = g_string_new(NULL);
	g_autoptr(PglCommands) commands = NULL;

	/* thousands of commands: at most PGL_LIMIT_COMMANDS_MAX, whatever max_lines says */
	for (guint i = 0; i < 10000; i++)
		g_string_append(body, "help\n");
	commands = parse_body_text(fixture, NULL, body->str, body->len, G_MAXUINT);
	g_assert_cmpuint(commands->commands->len, ==, PGL_LIMIT_COMMANDS_MAX);
	g_assert_cmpint(commands->stop, ==, PGL_COMMANDS_STOP_MAX_COMMANDS);
	g_assert_cmpuint(commands->stop_line_number, ==, PGL_LIMIT_COMMANDS_MAX + 1);

	/* the default line limit */
	g_clear_pointer(&commands, pgl_commands_free);
	commands = parse_body_text(fixture, NULL, body->str, body->len, 0);
	g_assert_cmpuint(commands->commands->len, ==, PGL_LIMIT_COMMAND_LINES_DEFAULT);
	g_assert_cmpuint(commands->lines_read, ==, PGL_LIMIT_COMMAND_LINES_DEFAULT);
	g_assert_cmpint(commands->stop, ==, PGL_COMMANDS_STOP_MAX_LINES);

	/* thousands of greeting lines: at most max_lines of them, clamped */
	g_clear_pointer(&commands, pgl_commands_free);
	g_string_truncate(body, 0);
	for (guint i = 0; i < 10000; i++)
		g_string_append(body, "blah\n");
	g_string_append(body, "help\n");
	commands = parse_body_text(fixture, NULL, body->str, body->len, 1000000);
	g_assert_cmpuint(commands->ignored->len, ==, PGL_LIMIT_COMMAND_LINES_MAX);
	g_assert_cmpuint(commands->lines_read, ==, PGL_LIMIT_COMMAND_LINES_MAX);
	g_assert_cmpint(commands->stop, ==, PGL_COMMANDS_STOP_MAX_LINES);

	/* thousands of long quoted lines: the text limit comes first */
	g_clear_pointer(&commands, pgl_commands_free);
	g_string_truncate(body, 0);
	for (guint i = 0; i < PGL_LIMIT_COMMAND_LINES_MAX; i++) {
		g_string_append(body, "> ");
		for (guint j = 0; j < 20; j++)
			g_string_append(body, "quoted....");
		g_string_append_c(body, '\n');
	}
	commands = parse_body_text(fixture, NULL, body->str, body->len,
				   PGL_LIMIT_COMMAND_LINES_MAX);
	g_assert_cmpint(commands->stop, ==, PGL_COMMANDS_STOP_TEXT_LIMIT);
	g_assert_cmpuint(commands->lines_read, <, PGL_LIMIT_COMMAND_LINES_MAX);
	g_assert_cmpuint(commands->lines_read, ==, PGL_LIMIT_COMMAND_TEXT_MAX / 203);

	/* a huge base64 body is decoded only as far as it is read */
	g_clear_pointer(&commands, pgl_commands_free);
	{
		g_autoptr(GString) plain = g_string_new("help\n");
		g_autofree gchar *encoded = NULL;

		for (guint i = 0; i < 4 * 1024 * 1024 / 8; i++)
			g_string_append(plain, "> more\n");
		encoded = g_base64_encode((const guchar *)plain->str, plain->len);
		commands = parse_body_text(fixture,
					   "MIME-Version: 1.0\nContent-Transfer-Encoding: base64\n",
					   encoded, strlen(encoded), PGL_LIMIT_COMMAND_LINES_MAX);
		g_assert_cmpuint(commands->commands->len, ==, 1);
		g_assert_cmpint(commands->stop, ==, PGL_COMMANDS_STOP_MAX_LINES);
	}
}

static void
test_hostile_nul(Fixture *fixture, gconstpointer user_data)
{
	static const gchar raw_body[] = "hel\0lo\njoin\0\nhelp\nwho\0 am i\n";
	/* "help\0\njoin\n" in base64 */
	static const gchar encoded[] = "aGVscAAKam9pbgo=\n";
	g_autoptr(PglCommands) commands = NULL;

	commands = parse_body_text(fixture, NULL, raw_body, sizeof raw_body - 1, 0);
	g_assert_cmpuint(commands->ignored->len, ==, 2);
	g_assert_cmpuint(commands->commands->len, ==, 1);
	g_assert_cmpint(commands->stop, ==, PGL_COMMANDS_STOP_NON_COMMAND);

	g_clear_pointer(&commands, pgl_commands_free);
	commands = parse_body_text(fixture,
				   "MIME-Version: 1.0\nContent-Transfer-Encoding: base64\n",
				   encoded, strlen(encoded), 0);
	g_assert_cmpuint(commands->ignored->len, ==, 1);
	g_assert_cmpuint(commands->commands->len, ==, 1);
	g_assert_cmpint(((PglCommand *)commands->commands->pdata[0])->kind, ==,
			PGL_COMMAND_KIND_JOIN);
}

static void
test_find_text(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GMimeMessage) plain = parse_message(fixture->ctx, HEADERS "\nhelp\n", -1);
	g_autoptr(GMimeMessage) html = parse_message(
		fixture->ctx, HEADERS "MIME-Version: 1.0\nContent-Type: text/html\n\n<p>x</p>\n",
		-1);
	GMimeTextPart *part = NULL;

	g_assert_cmpint(pgl_commands_find_text(plain, &part), ==, PGL_COMMANDS_TEXT_PLAIN);
	g_assert_nonnull(part);
	g_assert_cmpint(pgl_commands_find_text(plain, NULL), ==, PGL_COMMANDS_TEXT_PLAIN);
	g_assert_cmpint(pgl_commands_find_text(html, &part), ==, PGL_COMMANDS_TEXT_HTML_ONLY);
	g_assert_null(part);
	g_assert_cmpstr(pgl_commands_text_to_string(PGL_COMMANDS_TEXT_HTML_ONLY), ==,
			"html-only");
	g_assert_cmpstr(pgl_commands_stop_to_string(PGL_COMMANDS_STOP_MAX_LINES), ==,
			"max-lines");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();

	g_test_add_func("/commands/line/table", test_line_table);
	g_test_add_func("/commands/line/error-codes", test_line_error_codes);
	g_test_add_func("/commands/line/hostile", test_line_hostile);
	g_test_add_func("/commands/token", test_token);
	g_test_add_func("/commands/help", test_help);
	g_test_add_func("/commands/subject/table", test_subject_table);
	g_test_add_func("/commands/subject/hostile", test_subject_hostile);
	g_test_add("/commands/mail/table", Fixture, NULL, fixture_set_up, test_mail_table,
		   fixture_tear_down);
	g_test_add("/commands/mail/table-crlf", Fixture, NULL, fixture_set_up,
		   test_mail_table_crlf, fixture_tear_down);
	g_test_add("/commands/mail/sources", Fixture, NULL, fixture_set_up, test_mail_sources,
		   fixture_tear_down);
	g_test_add("/commands/mail/destination", Fixture, NULL, fixture_set_up,
		   test_mail_destination, fixture_tear_down);
	g_test_add("/commands/mail/find-text", Fixture, NULL, fixture_set_up, test_find_text,
		   fixture_tear_down);
	g_test_add("/commands/hostile/long-lines", Fixture, NULL, fixture_set_up,
		   test_hostile_long_lines, fixture_tear_down);
	g_test_add("/commands/hostile/many-lines", Fixture, NULL, fixture_set_up,
		   test_hostile_many_lines, fixture_tear_down);
	g_test_add("/commands/hostile/nul", Fixture, NULL, fixture_set_up, test_hostile_nul,
		   fixture_tear_down);
	return g_test_run();
}
