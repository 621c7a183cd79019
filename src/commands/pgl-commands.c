/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading a command mail (issue 4, "Email commands"; cf. Mailman 3's CommandFinder). Where the
 * commands are depends on the address the mail went to:
 *
 * - LIST-join, LIST-leave: the address is the command (join or leave the sender); nothing of
 *   the mail is read.
 * - LIST-confirm+TOKEN: the address is `confirm TOKEN`; LIST-confirm without a token: the
 *   Subject holds `confirm TOKEN` (after reply prefixes, or anywhere in it, as Mailman's
 *   confirmation subjects have it). The body is not read.
 * - LIST-request: the Subject, if it is one command (after reply prefixes), then the body:
 *   the first text/plain part that is not an attachment, decoded to UTF-8, one command per
 *   line. Blank lines and quoted lines ("> ...") are skipped; lines before the first command
 *   that are not commands are a greeting (ignored, but listed for the reply); reading stops at
 *   `end`, at a signature separator, at the first non-command line after a command, after
 *   max_lines lines, after PGL_LIMIT_COMMANDS_MAX commands or PGL_LIMIT_COMMAND_TEXT_MAX
 *   bytes. HTML-only and still-encrypted bodies are not read at all.
 *
 * Bounded throughout: at most PGL_LIMIT_COMMAND_TEXT_MAX decoded bytes of the body are ever
 * read from the MIME part (decoded and converted as a stream, so a 25 MB body costs no more
 * than a short one), at most PGL_LIMIT_COMMAND_LINE_MAX bytes of a line are looked at, and
 * every string kept for the reply is sanitised and truncated.
 */
#include "commands/pgl-commands.h"

#include "commands/pgl-command-private.h"

#include "core/pgl-limits.h"
#include "mail/pgl-mail-body.h"
#include "mail/pgl-mail-headers.h"
#include "util/pgl-sanitize.h"

#include <string.h>

/* How much of a text/plain part pgl_commands_find_text() reads to see whether it is an inline
 * PGP message. */
#define ARMOR_PEEK_MAX 1024

/* Reply and forward prefixes of Subjects (RFC 5322 §3.6.5 "Re:", and what mail clients in
 * other languages write), ASCII case ignored. */
static const gchar *const subject_prefixes[] = {
	"re", "aw", "sv", "vs", "antw", "odp", "rif", "r", "fw", "fwd", "wg", "tr", "enc", NULL,
};

/**
 * pgl_commands_text_to_string:
 * @text: a #PglCommandsText
 *
 * Returns: (transfer none): "plain", "html-only", "encrypted" or "none"
 */
const gchar *
pgl_commands_text_to_string(PglCommandsText text)
{
	switch (text) {
	case PGL_COMMANDS_TEXT_PLAIN:
		return "plain";
	case PGL_COMMANDS_TEXT_HTML_ONLY:
		return "html-only";
	case PGL_COMMANDS_TEXT_ENCRYPTED:
		return "encrypted";
	case PGL_COMMANDS_TEXT_NONE:
		return "none";
	default:
		g_return_val_if_reached("none");
	}
}

/**
 * pgl_commands_stop_to_string:
 * @stop: a #PglCommandsStop
 *
 * Returns: (transfer none): "end-of-text", "end", "signature", "non-command", "max-lines",
 *   "max-commands", "text-limit", "address" or "not-text", for logs
 */
const gchar *
pgl_commands_stop_to_string(PglCommandsStop stop)
{
	switch (stop) {
	case PGL_COMMANDS_STOP_END_OF_TEXT:
		return "end-of-text";
	case PGL_COMMANDS_STOP_END:
		return "end";
	case PGL_COMMANDS_STOP_SIGNATURE:
		return "signature";
	case PGL_COMMANDS_STOP_NON_COMMAND:
		return "non-command";
	case PGL_COMMANDS_STOP_MAX_LINES:
		return "max-lines";
	case PGL_COMMANDS_STOP_MAX_COMMANDS:
		return "max-commands";
	case PGL_COMMANDS_STOP_TEXT_LIMIT:
		return "text-limit";
	case PGL_COMMANDS_STOP_ADDRESS:
		return "address";
	case PGL_COMMANDS_STOP_NOT_TEXT:
		return "not-text";
	default:
		g_return_val_if_reached("end-of-text");
	}
}

void
pgl_commands_free(PglCommands *commands)
{
	if (commands == NULL)
		return;
	g_clear_pointer(&commands->commands, g_ptr_array_unref);
	g_clear_pointer(&commands->ignored, g_ptr_array_unref);
	g_clear_pointer(&commands->stop_command, pgl_command_free);
	g_free(commands);
}

static gboolean
charset_is_utf8_compatible(const gchar *charset)
{
	return charset == NULL || g_ascii_strcasecmp(charset, "us-ascii") == 0 ||
	       g_ascii_strcasecmp(charset, "ascii") == 0 ||
	       g_ascii_strcasecmp(charset, "utf-8") == 0 ||
	       g_ascii_strcasecmp(charset, "utf8") == 0;
}

/* The first @max bytes of @part's text, transfer encoding undone (RFC 2045 §6) and converted
 * from its charset (RFC 2046 §4.1.2) to valid UTF-8 (what is invalid becomes U+FFFD, NUL bytes
 * included); *truncated_out says whether there was more. Read through a filter stream, so no
 * more than about @max bytes are ever decoded. A charset iconv does not know is read as
 * UTF-8: command words are ASCII anyway. */
static gchar *
read_text(GMimeTextPart *part, gsize max, gboolean *truncated_out)
{
	GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(part));
	GMimeStream *source = content != NULL ? g_mime_data_wrapper_get_stream(content) : NULL;
	g_autoptr(GMimeStream) view = NULL;
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GByteArray) bytes = g_byte_array_new();
	GMimeContentEncoding encoding;
	const gchar *charset;
	gchar buffer[4096];

	*truncated_out = FALSE;
	if (source == NULL)
		return g_strdup("");
	/* a view of our own: the part's stream, and its position, are shared */
	view = g_mime_stream_substream(source, source->bound_start, source->bound_end);
	stream = g_mime_stream_filter_new(view);
	encoding = g_mime_data_wrapper_get_encoding(content);
	switch (encoding) {
	case GMIME_CONTENT_ENCODING_BASE64:
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
	case GMIME_CONTENT_ENCODING_UUENCODE: {
		g_autoptr(GMimeFilter) decoder = g_mime_filter_basic_new(encoding, FALSE);

		g_mime_stream_filter_add(GMIME_STREAM_FILTER(stream), decoder);
		break;
	}
	case GMIME_CONTENT_ENCODING_DEFAULT:
	case GMIME_CONTENT_ENCODING_7BIT:
	case GMIME_CONTENT_ENCODING_8BIT:
	case GMIME_CONTENT_ENCODING_BINARY:
	default:
		break;
	}
	charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
	if (!charset_is_utf8_compatible(charset)) {
		/* GMime maps charset aliases (latin1, x-sjis...) to names iconv knows */
		g_autoptr(GMimeFilter) converter = g_mime_filter_charset_new(charset, "UTF-8");

		if (converter != NULL)
			g_mime_stream_filter_add(GMIME_STREAM_FILTER(stream), converter);
	}
	/* A filter stream may return 0 bytes before its end (a chunk that decodes to nothing):
	 * read until end of stream, which the bounded source always reaches. */
	while (bytes->len < max && !g_mime_stream_eos(stream)) {
		gssize n = g_mime_stream_read(stream, buffer, MIN(sizeof buffer, max - bytes->len));

		if (n < 0)
			break;
		g_byte_array_append(bytes, (const guint8 *)buffer, (guint)n);
	}
	while (bytes->len >= max && !g_mime_stream_eos(stream)) {
		gssize n = g_mime_stream_read(stream, buffer, 1);

		if (n != 0) {
			*truncated_out = n > 0;
			break;
		}
	}
	if (bytes->len == 0)
		return g_strdup("");
	return g_utf8_make_valid((const gchar *)bytes->data, bytes->len);
}

static gboolean
is_encrypted_type(GMimeObject *object)
{
	GMimeContentType *type = g_mime_object_get_content_type(object);

	if (GMIME_IS_MULTIPART_ENCRYPTED(object))
		return TRUE;
	return type != NULL && (g_mime_content_type_is_type(type, "multipart", "encrypted") ||
				g_mime_content_type_is_type(type, "application", "pgp-encrypted") ||
				g_mime_content_type_is_type(type, "application", "pkcs7-mime") ||
				g_mime_content_type_is_type(type, "application", "x-pkcs7-mime"));
}

static gboolean
has_encrypted_part(GMimeObject *object, guint depth)
{
	if (object == NULL || depth > PGL_LIMIT_MIME_DEPTH_MAX)
		return FALSE;
	if (is_encrypted_type(object))
		return TRUE;
	if (GMIME_IS_MULTIPART(object)) {
		GMimeMultipart *multipart = GMIME_MULTIPART(object);
		gint count = g_mime_multipart_get_count(multipart);

		for (gint i = 0; i < count; i++) {
			if (has_encrypted_part(g_mime_multipart_get_part(multipart, i), depth + 1))
				return TRUE;
		}
	}
	return FALSE;
}

/* Whether the first non-blank line of @part is the armor of an inline PGP message (RFC 4880
 * §6.2): it is still encrypted. */
static gboolean
is_inline_encrypted(GMimeTextPart *part)
{
	gboolean truncated = FALSE;
	g_autofree gchar *text = read_text(part, ARMOR_PEEK_MAX, &truncated);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree gchar *line = pgl_command_trimmed_copy(lines[i], strlen(lines[i]));

		if (line[0] != '\0')
			return strcmp(line, "-----BEGIN PGP MESSAGE-----") == 0;
	}
	return FALSE;
}

/**
 * pgl_commands_find_text:
 * @message: a message
 * @part_out: (out) (optional) (transfer none): the part to read, for
 *   %PGL_COMMANDS_TEXT_PLAIN; else %NULL
 *
 * Whether @message is "just text" enough to be read for commands: it is if it has a text/plain
 * part that is not an attachment (pgl_mail_find_text_part(): the first, depth first, so the
 * plain alternative of multipart/alternative and the body of multipart/mixed, never a part of
 * an attached message) and that part is not an inline PGP message.
 *
 * Returns: what the body is
 */
PglCommandsText
pgl_commands_find_text(GMimeMessage *message, GMimeTextPart **part_out)
{
	GMimeTextPart *part;

	if (part_out != NULL)
		*part_out = NULL;
	g_return_val_if_fail(GMIME_IS_MESSAGE(message), PGL_COMMANDS_TEXT_NONE);
	part = pgl_mail_find_text_part(message, "plain", PGL_MAIL_TEXT_NONE);
	if (part != NULL) {
		if (is_inline_encrypted(part))
			return PGL_COMMANDS_TEXT_ENCRYPTED;
		if (part_out != NULL)
			*part_out = part;
		return PGL_COMMANDS_TEXT_PLAIN;
	}
	if (has_encrypted_part(g_mime_message_get_mime_part(message), 0))
		return PGL_COMMANDS_TEXT_ENCRYPTED;
	if (pgl_mail_find_text_part(message, "html", PGL_MAIL_TEXT_NONE) != NULL)
		return PGL_COMMANDS_TEXT_HTML_ONLY;
	return PGL_COMMANDS_TEXT_NONE;
}

/* Skips "Re: ", "AW: ", "Fwd: ", "Re[2]: ", "[list-tag] "... at the start of a Subject. */
static const gchar *
skip_subject_prefixes(const gchar *subject)
{
	const gchar *p = subject;

	for (guint n = 0; n < 16; n++) {
		const gchar *word;
		gsize length;
		gboolean known = FALSE;

		while (g_ascii_isspace(*p))
			p++;
		if (*p == '[') {
			const gchar *close = strchr(p, ']');

			if (close == NULL || close - p > 100)
				break;
			p = close + 1;
			continue;
		}
		word = p;
		while (g_ascii_isalpha(*p))
			p++;
		length = p - word;
		for (guint i = 0; subject_prefixes[i] != NULL && !known; i++) {
			known = strlen(subject_prefixes[i]) == length &&
				g_ascii_strncasecmp(word, subject_prefixes[i], length) == 0;
		}
		if (known && (*p == '[' || *p == '(')) { /* "Re[2]:", "Re(2):" */
			gchar close = *p == '[' ? ']' : ')';

			p++;
			while (g_ascii_isdigit(*p))
				p++;
			known = *p == close;
			if (known)
				p++;
		}
		while (known && *p == ' ')
			p++;
		if (!known || *p != ':')
			return word;
		p++;
	}
	return p;
}

/* Mailman's form: "confirm TOKEN" anywhere in @text ("[list] Your confirmation is needed:
 * confirm 0123...", "Re: key confirm 0123..."), on word boundaries. */
static PglCommand *
find_confirm(const gchar *text)
{
	static const gchar word[] = "confirm";
	gsize length = strlen(text);

	for (gsize i = 0; i + strlen(word) < length; i++) {
		gsize j = i + strlen(word);
		gsize k = i;
		gboolean key;
		g_autofree gchar *line = NULL;

		if (g_ascii_strncasecmp(text + i, word, strlen(word)) != 0 ||
		    (i > 0 && g_ascii_isalnum(text[i - 1])) || (text[j] != ' ' && text[j] != '\t'))
			continue;
		while (text[j] == ' ' || text[j] == '\t')
			j++;
		if (length - j < PGL_COMMAND_TOKEN_LENGTH ||
		    !pgl_command_token_is_valid(text + j, PGL_COMMAND_TOKEN_LENGTH) ||
		    g_ascii_isalnum(text[j + PGL_COMMAND_TOKEN_LENGTH]))
			continue;
		/* "key confirm TOKEN" answers another question than "confirm TOKEN" */
		while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t'))
			k--;
		key = k < i && k >= 3 && g_ascii_strncasecmp(text + k - 3, "key", 3) == 0 &&
		      (k == 3 || !g_ascii_isalnum(text[k - 4]));
		line = g_strdup_printf("%s %.*s", key ? "key confirm" : "confirm",
				       PGL_COMMAND_TOKEN_LENGTH, text + j);
		return pgl_command_parse_line(line, -1, PGL_COMMAND_SOURCE_SUBJECT, 0);
	}
	return NULL;
}

/**
 * pgl_commands_parse_subject:
 * @subject: (nullable): a decoded Subject (pgl_mail_get_subject()), untrusted
 * @confirm_only: %TRUE for a mail to LIST-confirm: only `confirm` and `key confirm` count
 *
 * The command of a Subject: after reply and forward prefixes ("Re:", "AW:", "Fwd:", "[tag]"),
 * the Subject parsed as one command line; failing that, `confirm TOKEN` (or `key confirm
 * TOKEN`) anywhere in it, with a valid token. A Subject whose first word names no command is
 * no command (it is usually a description: "please add me").
 *
 * Returns: (transfer full) (nullable): the command (its @line is the whole Subject,
 *   sanitised), possibly malformed, or %NULL if the Subject holds none
 */
PglCommand *
pgl_commands_parse_subject(const gchar *subject, gboolean confirm_only)
{
	g_autofree gchar *text = NULL;
	g_autoptr(PglCommand) command = NULL;

	if (subject == NULL)
		return NULL;
	/* one byte more than a line may have, so that a longer Subject is seen to be too long */
	text = g_utf8_make_valid(subject, strnlen(subject, PGL_LIMIT_COMMAND_LINE_MAX + 1));
	command = pgl_command_parse_line(skip_subject_prefixes(text), -1,
					 PGL_COMMAND_SOURCE_SUBJECT, 0);
	if (command->kind == PGL_COMMAND_KIND_UNKNOWN ||
	    (confirm_only && command->kind != PGL_COMMAND_KIND_CONFIRM &&
	     command->kind != PGL_COMMAND_KIND_KEY_CONFIRM)) {
		g_clear_pointer(&command, pgl_command_free);
		if (strlen(text) > PGL_LIMIT_COMMAND_LINE_MAX)
			text[PGL_LIMIT_COMMAND_LINE_MAX] = '\0'; /* may cut a character: harmless */
		command = find_confirm(text);
		if (command == NULL)
			return NULL;
	}
	g_free(command->line);
	command->line = pgl_sanitize(text, -1, PGL_LIMIT_COMMAND_QUOTE_MAX);
	return g_steal_pointer(&command);
}

/* State of the body reader. */
typedef struct {
	PglCommands *commands; /* (unowned) */
	guint max_lines;
	gboolean seen_command; /* a command in the body (the Subject's does not count) */
	gboolean seen_text;    /* a non-blank line */
	gboolean pgp_signed;   /* inside an inline PGP signed message (RFC 4880 §7) */
	gboolean armor_headers;
} BodyReader;

static gboolean
stop_at(BodyReader *reader, PglCommandsStop stop, guint line_number)
{
	reader->commands->stop = stop;
	reader->commands->stop_line_number = line_number;
	return FALSE;
}

/* One body line, without its line end. Returns FALSE when reading stops there. */
static gboolean
read_line(BodyReader *reader, const gchar *line, gsize length, guint line_number)
{
	PglCommands *commands = reader->commands;
	g_autofree gchar *trimmed = pgl_command_trimmed_copy(line, length);
	g_autoptr(PglCommand) command = NULL;
	PglCommandKind kind;

	if (reader->armor_headers) {
		/* "Hash: SHA256" and the like, up to a blank line */
		reader->armor_headers = trimmed[0] != '\0';
		return TRUE;
	}
	if (reader->pgp_signed) {
		if (strcmp(trimmed, "-----BEGIN PGP SIGNATURE-----") == 0)
			return stop_at(reader, PGL_COMMANDS_STOP_SIGNATURE, line_number);
		/* dash-escaped text (RFC 4880 §7.1): "- -- " is a signature separator */
		if (length >= 2 && line[0] == '-' && line[1] == ' ') {
			line += 2;
			length -= 2;
			g_free(trimmed);
			trimmed = pgl_command_trimmed_copy(line, length);
		}
	} else if (!reader->seen_text &&
		   strcmp(trimmed, "-----BEGIN PGP SIGNED MESSAGE-----") == 0) {
		reader->pgp_signed = TRUE;
		reader->armor_headers = TRUE;
		return TRUE;
	}
	/* RFC 3676 §4.3 "-- ", and the "--" of clients that strip trailing white space */
	if (strcmp(trimmed, "--") == 0)
		return stop_at(reader, PGL_COMMANDS_STOP_SIGNATURE, line_number);
	if (trimmed[0] == '\0')
		return TRUE;
	reader->seen_text = TRUE;
	if (trimmed[0] == '>')
		return TRUE;
	command = pgl_command_parse_line(line, (gssize)length, PGL_COMMAND_SOURCE_BODY,
					 line_number);
	kind = command->kind;
	if (kind == PGL_COMMAND_KIND_UNKNOWN) {
		if (!reader->seen_command) {
			g_ptr_array_add(commands->ignored, g_steal_pointer(&command->line));
			return TRUE;
		}
		commands->stop_command = g_steal_pointer(&command);
		return stop_at(reader, PGL_COMMANDS_STOP_NON_COMMAND, line_number);
	}
	if (commands->commands->len >= PGL_LIMIT_COMMANDS_MAX)
		return stop_at(reader, PGL_COMMANDS_STOP_MAX_COMMANDS, line_number);
	reader->seen_command = TRUE;
	g_ptr_array_add(commands->commands, g_steal_pointer(&command));
	if (kind == PGL_COMMAND_KIND_END)
		return stop_at(reader, PGL_COMMANDS_STOP_END, line_number);
	return TRUE;
}

static void
read_body(PglCommands *commands, GMimeTextPart *part, guint max_lines)
{
	BodyReader reader = {commands, max_lines, FALSE, FALSE, FALSE, FALSE};
	gboolean truncated = FALSE;
	g_autofree gchar *text = read_text(part, PGL_LIMIT_COMMAND_TEXT_MAX, &truncated);
	const gchar *p = text;

	if (g_str_has_prefix(p, "\xef\xbb\xbf")) /* a byte order mark */
		p += 3;
	while (*p != '\0') {
		const gchar *eol = strchr(p, '\n');
		gsize length = eol != NULL ? (gsize)(eol - p) : strlen(p);

		if (eol == NULL && truncated) {
			/* the rest of this line was not read */
			stop_at(&reader, PGL_COMMANDS_STOP_TEXT_LIMIT, 0);
			return;
		}
		if (commands->lines_read >= max_lines) {
			stop_at(&reader, PGL_COMMANDS_STOP_MAX_LINES, 0);
			return;
		}
		commands->lines_read++;
		if (length > 0 && p[length - 1] == '\r')
			length--;
		if (!read_line(&reader, p, length, commands->lines_read))
			return;
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	stop_at(&reader, truncated ? PGL_COMMANDS_STOP_TEXT_LIMIT : PGL_COMMANDS_STOP_END_OF_TEXT,
		0);
}

/**
 * pgl_commands_parse:
 * @message: a command mail, parsed (pgl_mail_parse()) and, on a PGP list, decrypted
 * @destination: the address it was sent to: "request", "join", "leave" or "confirm" (for
 *   LIST-request, LIST-join, LIST-leave, LIST-confirm)
 * @extension: (nullable): the TOKEN of LIST-confirm+TOKEN, untrusted; ignored for the other
 *   destinations
 * @max_lines: how many body lines to read at most ([limits] command_lines); 0 means
 *   %PGL_LIMIT_COMMAND_LINES_DEFAULT, more than %PGL_LIMIT_COMMAND_LINES_MAX means that
 * @commands_out: (out) (transfer full): what was found
 * @error: return location for a #GError (%PGL_COMMAND_ERROR_DESTINATION)
 *
 * Finds the commands of a command mail by the rules at the top of this file. Unknown and
 * malformed commands are not errors: they are in the result, for the reply. Pure: @message is
 * not changed.
 *
 * Returns: %TRUE with @commands_out set, or %FALSE with @error set
 */
gboolean
pgl_commands_parse(GMimeMessage *message, const gchar *destination, const gchar *extension,
		   guint max_lines, PglCommands **commands_out, GError **error)
{
	g_autoptr(PglCommands) commands = g_new0(PglCommands, 1);
	g_autofree gchar *subject = NULL;
	GMimeTextPart *part = NULL;
	PglCommand *command;

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), FALSE);
	g_return_val_if_fail(destination != NULL, FALSE);
	g_return_val_if_fail(commands_out != NULL, FALSE);
	if (max_lines == 0)
		max_lines = PGL_LIMIT_COMMAND_LINES_DEFAULT;
	max_lines = MIN(max_lines, PGL_LIMIT_COMMAND_LINES_MAX);
	commands->commands = g_ptr_array_new_with_free_func((GDestroyNotify)pgl_command_free);
	commands->ignored = g_ptr_array_new_with_free_func(g_free);
	commands->text = pgl_commands_find_text(message, &part);
	commands->stop = PGL_COMMANDS_STOP_ADDRESS;

	if (g_ascii_strcasecmp(destination, "join") == 0) {
		g_ptr_array_add(commands->commands,
				pgl_command_new_address(PGL_COMMAND_KIND_JOIN, NULL));
	} else if (g_ascii_strcasecmp(destination, "leave") == 0) {
		g_ptr_array_add(commands->commands,
				pgl_command_new_address(PGL_COMMAND_KIND_LEAVE, NULL));
	} else if (g_ascii_strcasecmp(destination, "confirm") == 0) {
		if (extension != NULL && extension[0] != '\0') {
			command = pgl_command_new_address(PGL_COMMAND_KIND_CONFIRM, extension);
		} else {
			subject = pgl_mail_get_subject(message);
			command = pgl_commands_parse_subject(subject, TRUE);
		}
		if (command == NULL) {
			command = g_new0(PglCommand, 1);
			command->kind = PGL_COMMAND_KIND_CONFIRM;
			command->source = PGL_COMMAND_SOURCE_ADDRESS;
			command->word = g_strdup("confirm");
			command->line = g_strdup("confirm");
			g_set_error_literal(&command->error, PGL_COMMAND_ERROR,
					    PGL_COMMAND_ERROR_TOKEN,
					    "confirm: no token in the address or the Subject");
		}
		g_ptr_array_add(commands->commands, command);
	} else if (g_ascii_strcasecmp(destination, "request") == 0) {
		subject = pgl_mail_get_subject(message);
		command = pgl_commands_parse_subject(subject, FALSE);
		if (command != NULL) {
			gboolean end = command->kind == PGL_COMMAND_KIND_END;

			g_ptr_array_add(commands->commands, command);
			if (end) {
				commands->stop = PGL_COMMANDS_STOP_END;
				*commands_out = g_steal_pointer(&commands);
				return TRUE;
			}
		}
		if (commands->text == PGL_COMMANDS_TEXT_PLAIN)
			read_body(commands, part, max_lines);
		else if (commands->text == PGL_COMMANDS_TEXT_NONE)
			commands->stop = PGL_COMMANDS_STOP_END_OF_TEXT;
		else
			commands->stop = PGL_COMMANDS_STOP_NOT_TEXT;
	} else {
		g_autofree gchar *quoted = pgl_sanitize(destination, -1, 64);

		g_set_error(error, PGL_COMMAND_ERROR, PGL_COMMAND_ERROR_DESTINATION,
			    "no commands are sent to LIST-%s", quoted);
		return FALSE;
	}
	*commands_out = g_steal_pointer(&commands);
	return TRUE;
}
