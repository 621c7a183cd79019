/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rule "administrivia" (cf. Mailman 3 rules/administrivia.py): holds posts that look like
 * commands meant for the -request address ("unsubscribe", "help"...) so that they do not reach
 * every member. A line "looks like a command" when its first word is a command and the number
 * of words after it is within that command's argument count: "help" is a command, "help me
 * with my printer" is not. The Subject: is checked, then the first five non-blank lines of the
 * first text/plain part (quoted lines, starting with '>', are skipped). Only when the list's
 * administrivia setting is on.
 */
#include "pipeline/pgl-rule.h"

#include "mail/pgl-mail-body.h"
#include "mail/pgl-mail-headers.h"

#include <string.h>

#define BODY_LINES_CHECKED 5

typedef struct {
	const gchar *word;
	guint min_args;
	guint max_args;
} Command;

static const Command commands[] = {
	{"confirm", 1, 1},     {"help", 0, 0},	    {"info", 0, 0},	   {"join", 0, 3},
	{"leave", 0, 2},       {"lists", 0, 0},	    {"options", 0, 0},	   {"password", 2, 2},
	{"remove", 0, 0},      {"set", 3, 3},	    {"subscribe", 0, 3},   {"unsubscribe", 0, 2},
	{"who", 0, 2},
};

static const gchar *
command_in(const gchar *line)
{
	g_auto(GStrv) words = g_strsplit_set(line, " \t", -1);
	g_autoptr(GPtrArray) kept = g_ptr_array_new();

	for (guint i = 0; words[i] != NULL; i++) {
		if (words[i][0] != '\0')
			g_ptr_array_add(kept, words[i]);
	}
	if (kept->len == 0)
		return NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (g_ascii_strcasecmp(kept->pdata[0], commands[i].word) == 0 &&
		    kept->len - 1 >= commands[i].min_args && kept->len - 1 <= commands[i].max_args)
			return commands[i].word;
	}
	return NULL;
}

static PglAction
check(PglPosting *posting, gchar **reason_out)
{
	g_autofree gchar *subject = NULL;
	GMimeTextPart *part;
	const gchar *command = NULL;

	if (!pgl_list_get_bool(posting->list, "administrivia"))
		return PGL_ACTION_DEFER;
	subject = pgl_mail_get_subject(posting->message);
	if (subject != NULL)
		command = command_in(g_strstrip(subject));
	part = pgl_mail_find_text_part(posting->message, "plain", PGL_MAIL_TEXT_NONE);
	if (command == NULL && part != NULL) {
		g_autofree gchar *text = pgl_mail_part_get_text(part);
		g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);
		guint checked = 0;

		for (guint i = 0; lines[i] != NULL && checked < BODY_LINES_CHECKED; i++) {
			const gchar *line = g_strstrip(lines[i]);

			if (line[0] == '\0' || line[0] == '>')
				continue;
			checked++;
			command = command_in(line);
			if (command != NULL)
				break;
		}
	}
	if (command == NULL)
		return PGL_ACTION_DEFER;
	/* on a PGP list the body is private: the reason (logged, stored) does not quote it */
	if (posting->pgp != NULL)
		*reason_out = g_strdup("The message looks like a command sent to the list instead "
				       "of its -request address");
	else
		*reason_out = g_strdup_printf("The message looks like a \"%s\" command sent to "
					      "the list instead of its -request address",
					      command);
	return PGL_ACTION_HOLD;
}

const PglRule pgl_rule_administrivia = {"administrivia", check};
