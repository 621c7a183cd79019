/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pgl_mail_parse(): bytes as received (RFC 5322 message, MIME per RFC 2045-2049) to a GMime
 * message, checked against the limits of the configuration before and after GMime sees them.
 *
 * Invariants and policy:
 * - Line endings: CRLF pairs are turned into LF before parsing (a bare CR stays), so a parsed
 *   message, the raw body kept with it and pgl_mail_to_bytes() all use LF. PGP/MIME signatures are
 *   computed over the CRLF-canonical form (RFC 3156 §5), which this does not change.
 * - Limits checked before GMime runs: total size (message_max), size of the top-level header
 *   block (header_max), no NUL byte in that header block. After GMime: nesting depth
 *   (mime_depth_max, a multipart or message/rfc822 level counts one), number of MIME parts
 *   (mime_parts_max, every multipart, leaf and message/rfc822 counts), size of each part's
 *   header block (header_max).
 * - A warning callback is installed for this parse only. GMIME_WARN_* issues (duplicated
 *   headers, bad encoded words, 8-bit headers, truncated messages...) are everyday mail and are
 *   only counted and logged at debug level. GMIME_CRIT_* issues are refused with
 *   %PGL_MAIL_ERROR_AMBIGUOUS where they make the message untrustworthy:
 *   - CONFLICTING_PARAMETER anywhere (two different boundary= or charset= values: the classic way
 *     to show a filter one structure and a mail client another),
 *   - MULTIPART_WITHOUT_BOUNDARY and PART_WITHOUT_HEADERS_OR_CONTENT anywhere (GMime's own
 *     documentation calls the latter an exploit attempt),
 *   - INVALID_HEADER_NAME and CONFLICTING_HEADER in the top-level header block (a second From:
 *     or Subject: with another value, or a line that hides the rest of the header: who sent it
 *     would depend on the reader); inside body parts they are tolerated, since real delivery
 *     reports quote broken messages and we pass body parts on without interpreting them,
 *   - NESTING_OVERFLOW (GMime's own depth limit) is %PGL_MAIL_ERROR_LIMIT.
 * - A message without From: parses fine: the posting rules decide what to do with it.
 * - GMime copies the parser options, warning callback and its user data included, into the
 *   objects it builds, and calls the callback again when one of their headers is edited later
 *   (found by fuzzing: tests/fuzz/corpus/posting/crash-options-lifetime). So the callback's
 *   state is reference counted, held by every object of the parsed tree, and ignores (logs)
 *   warnings once the parse is over; the options themselves are kept by the message.
 * - The raw bytes of the top-level body (after the header block) are kept with the top-level
 *   MIME part (pgl_mail_get_raw_body()), so that decorating a multipart/signed message can put
 *   the signed body into a new multipart/mixed verbatim instead of letting GMime re-serialise it
 *   (GMime normalises some malformed multiparts, which would break the signature).
 */
#include "mail/pgl-mail.h"

#include "util/pgl-sanitize.h"

#include <string.h>

G_DEFINE_QUARK(pgl-mail-error-quark, pgl_mail_error)

#define RAW_BODY_KEY "pgl-mail-raw-body"
#define OPTIONS_KEY  "pgl-mail-parser-options"
#define STATE_KEY    "pgl-mail-parse-state"

/* The warning callback's state. GMime copies the parser options, callback and user data
 * included, into the objects it builds and calls the callback again when a header of those
 * objects is edited later; so the state is reference counted and every parsed object holds a
 * reference, and once the parse is over (@done) further warnings are only logged. */
typedef struct {
	gint64 top_headers_end; /* offset of the blank line ending the top-level header block */
	guint warnings;
	gboolean done;
	GError *error;		/* (owned) (nullable) the first critical issue */
} ParseState;

static void
parse_state_clear(ParseState *state)
{
	g_clear_error(&state->error);
}

static void
parse_state_unref(ParseState *state)
{
	g_atomic_rc_box_release_full(state, (GDestroyNotify)parse_state_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ParseState, parse_state_unref)

static const gchar *
warning_name(GMimeParserWarning code)
{
	switch (code) {
	case GMIME_WARN_DUPLICATED_HEADER:
		return "duplicated header";
	case GMIME_WARN_DUPLICATED_PARAMETER:
		return "duplicated parameter";
	case GMIME_WARN_UNENCODED_8BIT_HEADER:
		return "unencoded 8-bit header";
	case GMIME_WARN_INVALID_CONTENT_TYPE:
		return "invalid content type";
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
		return "invalid RFC 2047 header value";
	case GMIME_WARN_MALFORMED_MULTIPART:
		return "malformed multipart";
	case GMIME_WARN_TRUNCATED_MESSAGE:
		return "truncated message";
	case GMIME_WARN_MALFORMED_MESSAGE:
		return "malformed message";
	case GMIME_CRIT_INVALID_HEADER_NAME:
		return "invalid header name";
	case GMIME_CRIT_CONFLICTING_HEADER:
		return "conflicting header";
	case GMIME_CRIT_CONFLICTING_PARAMETER:
		return "conflicting header parameter";
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
		return "multipart without boundary";
	case GMIME_WARN_INVALID_PARAMETER:
		return "invalid parameter";
	case GMIME_WARN_INVALID_ADDRESS_LIST:
		return "invalid address list";
	case GMIME_CRIT_NESTING_OVERFLOW:
		return "MIME nesting overflow";
	case GMIME_WARN_PART_WITHOUT_CONTENT:
		return "part without content";
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		return "part without headers or content";
	default:
		return "unknown parser issue";
	}
}

/* Decides which GMime issues make the message unusable; see the file header. */
static void
on_parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer user_data)
{
	ParseState *state = user_data;
	g_autofree gchar *trimmed = g_strchomp(g_strdup(item != NULL ? item : ""));
	g_autofree gchar *safe_item = pgl_sanitize(trimmed, -1, 80);
	gboolean in_top_headers;
	gboolean fatal = FALSE;
	PglMailError error_code = PGL_MAIL_ERROR_AMBIGUOUS;

	if (state->done) {
		/* a header edited after the parse: our own doing, nothing to refuse */
		g_debug("edit: issue=\"%s\" item=\"%s\"", warning_name(code), safe_item);
		return;
	}
	in_top_headers = offset >= 0 && offset < state->top_headers_end;
	switch (code) {
	case GMIME_CRIT_CONFLICTING_PARAMETER:
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		fatal = TRUE;
		break;
	case GMIME_CRIT_INVALID_HEADER_NAME:
	case GMIME_CRIT_CONFLICTING_HEADER:
		fatal = in_top_headers;
		break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		fatal = TRUE;
		error_code = PGL_MAIL_ERROR_LIMIT;
		break;
	case GMIME_WARN_DUPLICATED_HEADER:
	case GMIME_WARN_DUPLICATED_PARAMETER:
	case GMIME_WARN_UNENCODED_8BIT_HEADER:
	case GMIME_WARN_INVALID_CONTENT_TYPE:
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
	case GMIME_WARN_MALFORMED_MULTIPART:
	case GMIME_WARN_TRUNCATED_MESSAGE:
	case GMIME_WARN_MALFORMED_MESSAGE:
	case GMIME_WARN_INVALID_PARAMETER:
	case GMIME_WARN_INVALID_ADDRESS_LIST:
	case GMIME_WARN_PART_WITHOUT_CONTENT:
	default:
		break;
	}
	state->warnings++;
	g_debug("parse: offset=%" G_GINT64_FORMAT " issue=\"%s\" item=\"%s\"%s", offset,
		warning_name(code), safe_item, fatal ? " (refused)" : "");
	if (fatal && state->error == NULL) {
		g_set_error(&state->error, PGL_MAIL_ERROR, error_code,
			    "%s at offset %" G_GINT64_FORMAT "%s%s%s", warning_name(code), offset,
			    safe_item[0] != '\0' ? " (\"" : "", safe_item,
			    safe_item[0] != '\0' ? "\")" : "");
	}
}

/* Gives every object of the tree a reference to @state (see ParseState). Bounded like
 * check_structure(): GMime limits its own nesting. */
static void
hold_state(GMimeObject *object, ParseState *state)
{
	if (object == NULL)
		return;
	g_object_set_data_full(G_OBJECT(object), STATE_KEY, g_atomic_rc_box_acquire(state),
			       (GDestroyNotify)parse_state_unref);
	if (GMIME_IS_MESSAGE(object)) {
		hold_state(g_mime_message_get_mime_part(GMIME_MESSAGE(object)), state);
	} else if (GMIME_IS_MULTIPART(object)) {
		GMimeMultipart *multipart = GMIME_MULTIPART(object);
		gint count = g_mime_multipart_get_count(multipart);

		for (gint i = 0; i < count; i++)
			hold_state(g_mime_multipart_get_part(multipart, i), state);
	} else if (GMIME_IS_MESSAGE_PART(object)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));

		if (inner != NULL)
			hold_state(GMIME_OBJECT(inner), state);
	}
}

/* CRLF -> LF; a bare CR is kept. */
static GBytes *
normalize_newlines(GBytes *raw)
{
	gsize size = 0;
	const guint8 *data = g_bytes_get_data(raw, &size);
	guint8 *out;
	gsize n = 0;

	if (size == 0 || memchr(data, '\r', size) == NULL)
		return g_bytes_ref(raw);
	out = g_malloc(size);
	for (gsize i = 0; i < size; i++) {
		if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')
			continue;
		out[n++] = data[i];
	}
	return g_bytes_new_take(out, n);
}

/* Length of the top-level header block: up to (not including) the empty line, or the whole
 * input if there is none. */
static gsize
header_block_length(const gchar *data, gsize size)
{
	if (size > 0 && data[0] == '\n')
		return 0;
	for (gsize i = 1; i < size; i++) {
		if (data[i] == '\n' && data[i - 1] == '\n')
			return i;
	}
	return size;
}

static gsize
header_list_size(GMimeObject *object)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list(object);
	gint count = headers != NULL ? g_mime_header_list_get_count(headers) : 0;
	gsize total = 0;

	for (gint i = 0; i < count; i++) {
		GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);
		const gchar *raw_value = g_mime_header_get_raw_value(header);

		total += strlen(g_mime_header_get_raw_name(header)) + 1;
		total += raw_value != NULL ? strlen(raw_value) : 0;
	}
	return total;
}

typedef struct {
	guint depth_max;
	guint parts_max;
	gsize header_max;
	guint parts;
} Limits;

/* Depth-first walk, stopping at the first limit exceeded. GMime bounds its own nesting, so the
 * recursion is bounded too (and we stop at depth_max + 1 anyway). */
static gboolean
check_structure(GMimeObject *object, guint depth, Limits *limits, GError **error)
{
	if (object == NULL)
		return TRUE;
	if (depth > limits->depth_max) {
		g_set_error(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_LIMIT,
			    "MIME structure nested more than %u levels deep", limits->depth_max);
		return FALSE;
	}
	if (++limits->parts > limits->parts_max) {
		g_set_error(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_LIMIT,
			    "more than %u MIME parts", limits->parts_max);
		return FALSE;
	}
	if (header_list_size(object) > limits->header_max) {
		g_set_error(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_LIMIT,
			    "a MIME part's header block is larger than %" G_GSIZE_FORMAT " bytes",
			    limits->header_max);
		return FALSE;
	}
	if (GMIME_IS_MULTIPART(object)) {
		GMimeMultipart *multipart = GMIME_MULTIPART(object);
		gint count = g_mime_multipart_get_count(multipart);

		for (gint i = 0; i < count; i++) {
			if (!check_structure(g_mime_multipart_get_part(multipart, i), depth + 1,
					     limits, error))
				return FALSE;
		}
	} else if (GMIME_IS_MESSAGE_PART(object)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));

		if (inner != NULL) {
			if (header_list_size(GMIME_OBJECT(inner)) > limits->header_max) {
				g_set_error(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_LIMIT,
					    "an attached message's header block is larger than "
					    "%" G_GSIZE_FORMAT " bytes",
					    limits->header_max);
				return FALSE;
			}
			if (!check_structure(g_mime_message_get_mime_part(inner), depth + 1,
					     limits, error))
				return FALSE;
		}
	}
	return TRUE;
}

/**
 * pgl_mail_parse:
 * @ctx: the context, for the limits of its configuration
 * @raw: the message as received (CRLF or LF line endings)
 * @message_out: (out) (transfer full): the parsed message
 * @error: return location for a #GError (%PGL_MAIL_ERROR)
 *
 * Parses @raw with GMime under the limits of @ctx's configuration (message_max, header_max,
 * mime_depth_max, mime_parts_max) and refuses messages GMime flags as ambiguous; the file header
 * lists exactly which issues are refused. g_mime_init() must have been called. Pure: no I/O,
 * safe to call from several threads at once (each call has its own parser and options).
 *
 * Returns: %TRUE with *@message_out set, or %FALSE with @error set (%PGL_MAIL_ERROR_PARSE,
 *   %PGL_MAIL_ERROR_LIMIT or %PGL_MAIL_ERROR_AMBIGUOUS)
 */
gboolean
pgl_mail_parse(PglContext *ctx, GBytes *raw, GMimeMessage **message_out, GError **error)
{
	const PglConfig *config;
	g_autoptr(GBytes) normal = NULL;
	g_autoptr(GMimeParserOptions) options = NULL;
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeParser) parser = NULL;
	g_autoptr(GMimeMessage) message = NULL;
	const gchar *fallback_charsets[] = {"utf-8", "windows-1252", NULL};
	g_autoptr(ParseState) state = g_atomic_rc_box_new0(ParseState);
	Limits limits = {0};
	const gchar *data;
	gsize size = 0;
	gsize header_length;
	gint64 headers_end;
	GMimeObject *top;

	g_return_val_if_fail(ctx != NULL, FALSE);
	g_return_val_if_fail(raw != NULL, FALSE);
	g_return_val_if_fail(message_out != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	config = pgl_context_get_config(ctx);
	if (g_bytes_get_size(raw) > config->message_max) {
		g_set_error(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_LIMIT,
			    "message of %" G_GSIZE_FORMAT " bytes is larger than the %u bytes "
			    "allowed",
			    g_bytes_get_size(raw), config->message_max);
		return FALSE;
	}
	normal = normalize_newlines(raw);
	data = g_bytes_get_data(normal, &size);
	if (size == 0) {
		g_set_error_literal(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_PARSE, "empty message");
		return FALSE;
	}
	header_length = header_block_length(data, size);
	if (header_length > config->header_max) {
		g_set_error(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_LIMIT,
			    "header block of %" G_GSIZE_FORMAT " bytes is larger than the %u bytes "
			    "allowed",
			    header_length, config->header_max);
		return FALSE;
	}
	if (header_length == 0) {
		g_set_error_literal(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_PARSE,
				    "message has no header fields");
		return FALSE;
	}
	/* A NUL ends a header for some readers and not for others (RFC 5322 §2.2 forbids it). */
	if (memchr(data, '\0', header_length) != NULL) {
		g_set_error_literal(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_PARSE,
				    "NUL byte in the header block");
		return FALSE;
	}
	state->top_headers_end = (gint64)header_length;

	options = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(options, on_parser_warning, state);
	g_mime_parser_options_set_fallback_charsets(options, fallback_charsets);
	stream = g_mime_stream_mem_new_with_buffer(data, size);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	g_mime_parser_set_persist_stream(parser, TRUE);
	message = g_mime_parser_construct_message(parser, options);
	state->done = TRUE;
	if (message != NULL) {
		g_object_set_data_full(G_OBJECT(message), OPTIONS_KEY, g_steal_pointer(&options),
				       (GDestroyNotify)g_mime_parser_options_free);
		hold_state(GMIME_OBJECT(message), state);
	}
	if (state->error != NULL) {
		g_propagate_error(error, g_steal_pointer(&state->error));
		return FALSE;
	}
	if (message == NULL) {
		g_set_error_literal(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_PARSE,
				    "not a MIME message");
		return FALSE;
	}
	if (header_list_size(GMIME_OBJECT(message)) > config->header_max) {
		g_set_error(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_LIMIT,
			    "header block is larger than the %u bytes allowed", config->header_max);
		return FALSE;
	}
	limits.depth_max = config->mime_depth_max;
	limits.parts_max = config->mime_parts_max;
	limits.header_max = config->header_max;
	top = g_mime_message_get_mime_part(message);
	if (!check_structure(top, 1, &limits, error))
		return FALSE;

	headers_end = g_mime_parser_get_headers_end(parser);
	if (top != NULL && headers_end >= 0 && (gsize)headers_end <= size) {
		gsize body_start = (gsize)headers_end;
		GBytes *body;

		if (body_start < size && data[body_start] == '\n')
			body_start++;
		body = g_bytes_new_from_bytes(normal, body_start, size - body_start);
		g_object_set_data_full(G_OBJECT(top), RAW_BODY_KEY, body,
				       (GDestroyNotify)g_bytes_unref);
	}
	if (state->warnings > 0)
		g_debug("parse: %u parser warnings tolerated", state->warnings);
	*message_out = g_steal_pointer(&message);
	return TRUE;
}

/**
 * pgl_mail_get_raw_body:
 * @mime_part: the top-level MIME part of a message from pgl_mail_parse()
 *
 * The body bytes exactly as parsed (LF line endings), kept so that a rewrite that must not
 * change them (wrapping a multipart/signed part) can reuse them. They belong to @mime_part: a
 * part built later, or the top part of a message not made by pgl_mail_parse(), has none. Whoever
 * changes the content of a part below @mime_part must not use them afterwards.
 *
 * Returns: (transfer none) (nullable): the raw body, or %NULL
 */
GBytes *
pgl_mail_get_raw_body(GMimeObject *mime_part)
{
	g_return_val_if_fail(GMIME_IS_OBJECT(mime_part), NULL);
	return g_object_get_data(G_OBJECT(mime_part), RAW_BODY_KEY);
}

/**
 * pgl_mail_object_to_bytes:
 * @object: a message or MIME part
 *
 * Returns: (transfer full): @object serialised with LF line endings
 */
GBytes *
pgl_mail_object_to_bytes(GMimeObject *object)
{
	g_autoptr(GMimeFormatOptions) format = g_mime_format_options_new();
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new();
	GByteArray *array;

	g_return_val_if_fail(GMIME_IS_OBJECT(object), NULL);
	g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_UNIX);
	g_mime_object_write_to_stream(object, format, stream);
	array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	return g_bytes_new(array->data, array->len);
}

/**
 * pgl_mail_to_bytes:
 * @message: a message
 *
 * Returns: (transfer full): the whole message, header and body, with LF line endings (the SMTP
 *   client turns them into CRLF on the wire)
 */
GBytes *
pgl_mail_to_bytes(GMimeMessage *message)
{
	g_return_val_if_fail(GMIME_IS_MESSAGE(message), NULL);
	return pgl_mail_object_to_bytes(GMIME_OBJECT(message));
}
