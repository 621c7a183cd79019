/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PGP/MIME (RFC 3156) and inline PGP in mail, incoming and outgoing; see pgl-pgp-mime.h for the
 * interface. How the incoming side decides:
 *
 * - Structure first (pgl_pgp_mime_classify()). multipart/encrypted must say
 *   protocol="application/pgp-encrypted" and hold exactly an application/pgp-encrypted part
 *   containing "Version: 1" and an application/octet-stream part (§4); multipart/signed must say
 *   protocol="application/pgp-signature" and hold exactly two parts, the second a leaf
 *   application/pgp-signature (§5). Anything else claiming to be one of them is refused
 *   (PGL_MAIL_ERROR_AMBIGUOUS), as is multipart/encrypted anywhere but at the top of the message:
 *   a ciphertext inside cleartext a sender (or an attacker, cf. EFAIL) wrapped around it, or an
 *   encryption inside the decrypted content, is read differently by different clients. The
 *   Exchange repair follows Schleuder's filter (multipart/mixed: empty text/plain,
 *   application/pgp-encrypted, application/octet-stream), stricter in that exactly three parts
 *   are accepted and the version part must say "Version: 1"; like Mutt, it does not insist on
 *   X-MS-Exchange-* header fields.
 * - Exact bytes (DESIGN.md §5). A multipart/signed is verified over the bytes of its first part
 *   as they appear in the message (or in the decrypted content): from the line after the first
 *   delimiter to the line break before the next one (RFC 2046 §5.1.1: that line break belongs to
 *   the delimiter), converted LF to CRLF (RFC 3156 §5), never over GMime's re-serialisation. We
 *   find the delimiters ourselves, in the bytes the tree was parsed from (normalised the way
 *   pgl_mail_parse() does: CRLF to LF), with GMime's rules (a delimiter is "--boundary",
 *   optionally "--", then only white space; a delimiter of an enclosing multipart ends this
 *   one), starting after the header block that GMime's header offsets point to; and we check
 *   the result against GMime's tree (as many parts, each starting where GMime saw its first
 *   header field). A disagreement is refused as ambiguous: two readers would verify different
 *   bytes.
 * - Coverage (cf. notmuch: "signed by K" only if the whole payload is covered). A signature
 *   covers the whole content only if the path from the top of the content to what it signs
 *   goes through multipart/signed first parts and multiparts with a single part; a signature
 *   inside a multipart/mixed next to other parts, or an inline block with text around it, covers
 *   a part only. A §6.2 signature (inside the OpenPGP message of the top-level multipart/encrypted)
 *   covers everything. Only pgl_pgp_mime_opened_signed_by() turns this into "signed by".
 * - Inline PGP in the message as received is strict: a block that starts but never ends, or
 *   that cannot be decrypted or verified, is an error (the sender meant it to be read). Inside
 *   decrypted content it is lenient: cleartext signatures are checked, anything unreadable stays
 *   text, and armored messages are not decrypted (no encryption inside encryption); Schleuder
 *   gets such mail in its tests ("mail_with_pgp_boundaries_in_body").
 * - A signature part that holds no readable signature is reported as one BAD signature (its
 *   status says why), so that the invalid-signature rule handles it like any other bad one.
 *
 * Secret material: decrypted content is kept in wiped memory where we hold it (the plaintext,
 * the entity bytes, the signed bytes). XXX: GMime copies what it parses into its own buffers,
 * which are freed without wiping, and so do the decoded-content streams and GStrings that
 * carry decrypted text on its way into a GMime part.
 *
 * Outgoing: the encrypted copy is the payload (pgl_pgp_mime_build_payload(): the entity with the
 * protected header fields and hp="cipher"/protected-headers="v1", RFC 9788 §2 and its legacy
 * form) in CRLF form, signed and encrypted in one OpenPGP message (§6.2), in a
 * multipart/encrypted whose outer Subject is "[...]". Both builders write the MIME structure
 * themselves rather than through GMime, so that the bytes signed are the bytes sent.
 */
#include "pgp/pgl-pgp-mime.h"

#include "mail/pgl-mail-body.h"
#include "mail/pgl-mail.h"
#include "pgp/pgl-pgp-decrypt.h"
#include "pgp/pgl-pgp-private.h"
#include "pgp/pgl-pgp-secret.h"
#include "pgp/pgl-pgp-sign.h"
#include "pgp/pgl-pgp-verify.h"

#include <string.h>

/* ---- small helpers --------------------------------------------------------------------------- */

static const gchar *const form_names[] = {
	[PGL_PGP_MIME_FORM_PLAIN] = "plain",
	[PGL_PGP_MIME_FORM_ENCRYPTED] = "pgp-mime-encrypted",
	[PGL_PGP_MIME_FORM_EXCHANGE] = "pgp-mime-encrypted-exchange",
	[PGL_PGP_MIME_FORM_SIGNED] = "pgp-mime-signed",
	[PGL_PGP_MIME_FORM_INLINE] = "inline",
};

static const gchar *const signing_names[] = {
	[PGL_PGP_MIME_SIGNING_NONE] = "unsigned",
	[PGL_PGP_MIME_SIGNING_PARTIAL] = "partial",
	[PGL_PGP_MIME_SIGNING_DETACHED] = "detached",
	[PGL_PGP_MIME_SIGNING_ENCAPSULATED] = "encapsulated",
	[PGL_PGP_MIME_SIGNING_COMBINED] = "combined",
	[PGL_PGP_MIME_SIGNING_INLINE] = "inline",
};

/**
 * pgl_pgp_mime_form_to_string:
 * @form: a form
 *
 * Returns: a short stable name for logs and the audit table ("plain", "pgp-mime-encrypted",
 *   "pgp-mime-encrypted-exchange", "pgp-mime-signed", "inline")
 */
const gchar *
pgl_pgp_mime_form_to_string(PglPgpMimeForm form)
{
	g_return_val_if_fail((guint)form < G_N_ELEMENTS(form_names), "unknown");
	return form_names[form];
}

/**
 * pgl_pgp_mime_signing_to_string:
 * @signing: how a message was signed
 *
 * Returns: a short stable name ("unsigned", "partial", "detached", "encapsulated",
 *   "combined", "inline")
 */
const gchar *
pgl_pgp_mime_signing_to_string(PglPgpMimeSigning signing)
{
	g_return_val_if_fail((guint)signing < G_N_ELEMENTS(signing_names), "unknown");
	return signing_names[signing];
}

static gboolean
is_type(GMimeObject *object, const gchar *type, const gchar *subtype)
{
	GMimeContentType *content_type = g_mime_object_get_content_type(object);

	return content_type != NULL && g_mime_content_type_is_type(content_type, type, subtype);
}

static gboolean
param_is(GMimeObject *object, const gchar *name, const gchar *value)
{
	const gchar *found = g_mime_object_get_content_type_parameter(object, name);

	return found != NULL && g_ascii_strcasecmp(found, value) == 0;
}

/* A leaf part: neither multipart nor an attached message */
static gboolean
is_leaf(GMimeObject *object)
{
	return GMIME_IS_PART(object);
}

static gboolean
is_blank(const guint8 *data, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r' && data[i] != '\n')
			return FALSE;
	}
	return TRUE;
}

/* A GString that holds secret text (decrypted content): wiped when freed */
typedef GString SecretString;

static void
secret_string_free(SecretString *string)
{
	explicit_bzero(string->str, string->allocated_len);
	g_string_free(string, TRUE);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SecretString, secret_string_free)

/* Wiped GBytes from a GString holding secret text; the GString is wiped and freed. */
static GBytes *
secret_bytes_from_string(GString *string)
{
	GBytes *bytes = pgl_pgp_secret_bytes_new(string->str, string->len);

	secret_string_free(string);
	return bytes;
}

/* The content of leaf @part with its transfer encoding removed (RFC 2045 §6); in wiped memory
 * if @secret. */
static GBytes *
decoded_content(GMimePart *part, gboolean secret)
{
	GMimeDataWrapper *wrapper = g_mime_part_get_content(part);
	g_autoptr(GMimeStream) stream = NULL;
	GByteArray *array;
	GBytes *bytes;

	if (wrapper == NULL)
		return g_bytes_new(NULL, 0);
	stream = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(wrapper, stream);
	array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	if (!secret)
		return g_bytes_new(array->data, array->len);
	bytes = pgl_pgp_secret_bytes_new(array->data, array->len);
	if (array->len > 0)
		explicit_bzero(array->data, array->len);
	return bytes;
}

/* CRLF to LF, a bare CR kept: what pgl_mail_parse() does before GMime sees a message, so the
 * header offsets GMime records point into the result. */
static GBytes *
normalize_newlines(GBytes *raw, gboolean secret)
{
	gsize size = 0;
	const guint8 *data = g_bytes_get_data(raw, &size);
	guint8 *out;
	gsize n = 0;
	GBytes *result;

	if (size == 0 || memchr(data, '\r', size) == NULL)
		return g_bytes_ref(raw);
	out = g_malloc(size);
	for (gsize i = 0; i < size; i++) {
		if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')
			continue;
		out[n++] = data[i];
	}
	if (!secret)
		return g_bytes_new_take(out, n);
	result = pgl_pgp_secret_bytes_new(out, n);
	explicit_bzero(out, size);
	g_free(out);
	return result;
}

/* LF to CRLF, every LF (also one after a bare CR): the inverse of normalize_newlines(), which
 * made the input. RFC 3156 §5 signs and RFC 3156 §4 encrypts this canonical form. */
static GBytes *
to_crlf(const guint8 *data, gsize len, gboolean secret)
{
	gsize lines = 0;
	guint8 *out;
	gsize n = 0;
	GBytes *result;

	for (gsize i = 0; i < len; i++)
		lines += data[i] == '\n';
	out = g_malloc(len + lines + 1);
	for (gsize i = 0; i < len; i++) {
		if (data[i] == '\n')
			out[n++] = '\r';
		out[n++] = data[i];
	}
	if (!secret)
		return g_bytes_new_take(out, n);
	result = pgl_pgp_secret_bytes_new(out, n);
	explicit_bzero(out, n);
	g_free(out);
	return result;
}

/* The "Version: 1" line RFC 3156 §4 requires in the application/pgp-encrypted part */
static gboolean
has_version_1(GMimeObject *object)
{
	g_autoptr(GBytes) content = NULL;
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!is_leaf(object))
		return FALSE;
	content = decoded_content(GMIME_PART(object), FALSE);
	if (g_bytes_get_size(content) == 0 || g_bytes_get_size(content) > 4096)
		return FALSE;
	text = g_strndup(g_bytes_get_data(content, NULL), g_bytes_get_size(content));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		gchar *line = g_strstrip(lines[i]);

		if (g_ascii_strncasecmp(line, "Version:", 8) == 0 &&
		    g_str_equal(g_strstrip(line + 8), "1"))
			return TRUE;
	}
	return FALSE;
}

static gboolean
refuse(GError **error, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

/* Sets a PGL_MAIL_ERROR_AMBIGUOUS error: a structure we do not interpret. */
static gboolean
refuse(GError **error, const gchar *format, ...)
{
	g_autofree gchar *message = NULL;
	va_list args;

	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error_literal(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_AMBIGUOUS, message);
	return FALSE;
}

static gchar *
child_path(const gchar *path, gint index)
{
	return path[0] == '\0' ? g_strdup_printf("%d", index + 1)
			       : g_strdup_printf("%s.%d", path, index + 1);
}

static gchar *
describe(gboolean encrypted, const gchar *path)
{
	if (path[0] == '\0')
		return g_strdup(encrypted ? "decrypted body" : "body");
	return g_strdup_printf("%spart %s", encrypted ? "decrypted " : "", path);
}

/* ---- inline armored blocks (RFC 4880 §6.2, §7) ----------------------------------------------- */

typedef enum {
	BLOCK_MESSAGE,	  /* -----BEGIN PGP MESSAGE----- */
	BLOCK_SIGNED,	  /* -----BEGIN PGP SIGNED MESSAGE----- ... PGP SIGNATURE */
	BLOCK_PUBLIC_KEY, /* -----BEGIN PGP PUBLIC KEY BLOCK----- */
	BLOCK_SECRET_KEY, /* -----BEGIN PGP PRIVATE KEY BLOCK----- */
} BlockKind;

typedef struct {
	BlockKind kind;
	gsize start;	  /* first byte of the BEGIN line */
	gsize end;	  /* after the END line (its line break excluded) */
	gboolean complete; /* the END line was found */
} Block;

/* Does the line (without its LF) say exactly @armor, apart from trailing white space? */
static gboolean
line_is(const guint8 *line, gsize len, const gchar *armor)
{
	gsize armor_len = strlen(armor);

	if (len < armor_len || memcmp(line, armor, armor_len) != 0)
		return FALSE;
	return is_blank(line + armor_len, len - armor_len);
}

/* The armored blocks of a text, in order. Armor lines count only at the start of a line (a
 * quoted "> -----BEGIN PGP MESSAGE-----" is text). Inside a cleartext-signed text only the
 * BEGIN PGP SIGNATURE line counts (dash escaping, RFC 4880 §7.1, keeps the text from faking
 * it). A block still open at the end is returned incomplete. */
static GArray *
find_blocks(const guint8 *data, gsize size)
{
	GArray *blocks = g_array_new(FALSE, FALSE, sizeof(Block));
	enum { NONE, IN_MESSAGE, IN_SIGNED_TEXT, IN_SIGNATURE, IN_PUBLIC, IN_SECRET } state = NONE;
	Block block = {0};
	gsize pos = 0;

	while (pos < size) {
		const guint8 *newline = memchr(data + pos, '\n', size - pos);
		gsize line_end = newline != NULL ? (gsize)(newline - data) : size;
		const guint8 *line = data + pos;
		gsize len = line_end - pos;
		gboolean closed = FALSE;

		switch (state) {
		case NONE:
			block.start = pos;
			if (line_is(line, len, "-----BEGIN PGP MESSAGE-----")) {
				block.kind = BLOCK_MESSAGE;
				state = IN_MESSAGE;
			} else if (line_is(line, len, "-----BEGIN PGP SIGNED MESSAGE-----")) {
				block.kind = BLOCK_SIGNED;
				state = IN_SIGNED_TEXT;
			} else if (line_is(line, len, "-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
				block.kind = BLOCK_PUBLIC_KEY;
				state = IN_PUBLIC;
			} else if (line_is(line, len, "-----BEGIN PGP PRIVATE KEY BLOCK-----")) {
				block.kind = BLOCK_SECRET_KEY;
				state = IN_SECRET;
			}
			break;
		case IN_MESSAGE:
			closed = line_is(line, len, "-----END PGP MESSAGE-----");
			break;
		case IN_SIGNED_TEXT:
			if (line_is(line, len, "-----BEGIN PGP SIGNATURE-----"))
				state = IN_SIGNATURE;
			break;
		case IN_SIGNATURE:
			closed = line_is(line, len, "-----END PGP SIGNATURE-----");
			break;
		case IN_PUBLIC:
			closed = line_is(line, len, "-----END PGP PUBLIC KEY BLOCK-----");
			break;
		case IN_SECRET:
			closed = line_is(line, len, "-----END PGP PRIVATE KEY BLOCK-----");
			break;
		default:
			g_assert_not_reached();
		}
		if (closed) {
			block.end = line_end;
			block.complete = TRUE;
			g_array_append_val(blocks, block);
			state = NONE;
		}
		pos = newline != NULL ? line_end + 1 : size;
	}
	if (state != NONE) {
		block.end = size;
		block.complete = FALSE;
		g_array_append_val(blocks, block);
	}
	return blocks;
}

/* Text of a charset to UTF-8 (RFC 2046 §4.1.2), appended to @out. Decrypted text is usually
 * UTF-8 whatever the part says, so @prefer_utf8 tries that first. NUL bytes are dropped. */
static void
append_utf8(GString *out, const guint8 *data, gsize len, const gchar *charset,
	    gboolean prefer_utf8)
{
	g_autofree gchar *converted = NULL;
	gsize start = out->len;

	if (len == 0)
		return;
	if (prefer_utf8 && g_utf8_validate((const gchar *)data, (gssize)len, NULL)) {
		g_string_append_len(out, (const gchar *)data, (gssize)len);
	} else {
		if (charset != NULL)
			converted = g_convert((const gchar *)data, (gssize)len, "UTF-8",
					      g_mime_charset_iconv_name(charset), NULL, NULL, NULL);
		if (converted == NULL && g_utf8_validate((const gchar *)data, (gssize)len, NULL))
			converted = g_strndup((const gchar *)data, len);
		if (converted == NULL)
			converted = g_convert((const gchar *)data, (gssize)len, "UTF-8",
					      "ISO-8859-1", NULL, NULL, NULL);
		if (converted != NULL) {
			g_autofree gchar *valid = g_utf8_make_valid(converted, -1);

			g_string_append(out, valid);
			explicit_bzero(converted, strlen(converted));
			explicit_bzero(valid, strlen(valid));
		}
	}
	/* drop NULs, which would end the text early */
	for (gsize i = start; i < out->len;) {
		if (out->str[i] == '\0')
			g_string_erase(out, (gssize)i, 1);
		else
			i++;
	}
}

/* ---- the state of one pgl_pgp_mime_open() ---------------------------------------------------- */

typedef struct {
	PglContext *ctx;		  /* (unowned) */
	PglPgpKeyring *keyring;		  /* (unowned) */
	const PglPgpVerifyParams *params; /* (unowned) (nullable) */
	gsize max;			  /* largest decrypted or verified content: message_max */
	PglPgpMimeOpened *opened;	  /* (unowned) the result being filled */
	guint inline_encrypted;		  /* inline blocks decrypted */
	gboolean inline_encrypted_whole;  /* one of them was the whole content */
	gboolean modified;		  /* a text part was replaced by its decrypted text */
	gboolean root_signed;		  /* the content's root is a verified multipart/signed */
	gsize root_signed_start;	  /* its first part's bytes in the source */
	gsize root_signed_end;
	gsize root_body_start;		  /* where the root's body starts in the source */
} OpenState;

/* The bytes a tree was parsed from, normalised like pgl_mail_parse() (LF line ends). */
typedef struct {
	const guint8 *data;
	gsize size;
	gboolean encrypted; /* the tree came out of a decryption */
	GMimeObject *root;  /* (unowned) the top of the content tree */
} Source;

static void
mime_signature_free(PglPgpMimeSignature *signature)
{
	if (signature == NULL)
		return;
	pgl_pgp_signature_free(signature->signature);
	g_free(signature->location);
	g_free(signature);
}

static void
mime_key_free(PglPgpMimeKey *key)
{
	if (key == NULL)
		return;
	g_clear_pointer(&key->data, g_bytes_unref);
	g_free(key->location);
	g_free(key);
}

static PglPgpMimeSignature *
add_signature(OpenState *state, PglPgpSignature *signature, PglPgpMimeSignatureKind kind,
	      gboolean whole, gboolean encrypted, const gchar *location)
{
	PglPgpMimeSignature *entry = g_new0(PglPgpMimeSignature, 1);

	entry->signature = signature;
	entry->kind = kind;
	entry->whole = whole;
	entry->encrypted = encrypted;
	entry->location = g_strdup(location);
	g_ptr_array_add(state->opened->signatures, entry);
	return entry;
}

/* A signature part without a readable signature, reported as a BAD signature */
static PglPgpSignature *
unreadable_signature(const gchar *why)
{
	PglPgpSignature *signature = g_new0(PglPgpSignature, 1);

	signature->verdict = PGL_PGP_VERDICT_BAD;
	signature->status = g_strdup_printf("no readable signature: %s", why);
	signature->hash_algorithm = g_strdup("unknown");
	return signature;
}

/* Armored data with the white space at the end of each line and the empty lines at the end
 * removed: RFC 4880 §6.2 allows white space after the armor lines, clients put it there (and a
 * line of blanks where the empty line belongs, and empty lines after the block, as Thunderbird
 * 115 does); gpg reads all that and RNP does not. Binary data is returned as it is. */
static GBytes *
clean_armor(GBytes *data)
{
	gsize size = 0;
	const guint8 *bytes = g_bytes_get_data(data, &size);
	GString *out;
	gsize line_start = 0;

	if (!pgl_pgp_looks_armored(data))
		return g_bytes_ref(data);
	out = g_string_sized_new(size);
	for (gsize i = 0; i <= size; i++) {
		if (i < size && bytes[i] != '\n')
			continue;
		{
			gsize end = i;

			while (end > line_start &&
			       (bytes[end - 1] == ' ' || bytes[end - 1] == '\t' ||
				bytes[end - 1] == '\r'))
				end--;
			g_string_append_len(out, (const gchar *)bytes + line_start,
					    (gssize)(end - line_start));
			if (i < size)
				g_string_append_c(out, '\n');
		}
		line_start = i + 1;
	}
	/* and the empty lines after the END line, which make RNP look for another block */
	while (out->len > 0 && out->str[out->len - 1] == '\n')
		g_string_truncate(out, out->len - 1);
	g_string_append_c(out, '\n');
	return g_string_free_to_bytes(out);
}

/* A key found in the message; @declared: it was in an application/pgp-keys part or an armored
 * public key block, so it is returned even if unreadable. */
static void
add_key(OpenState *state, GBytes *found, gboolean declared, gboolean encrypted,
	const gchar *location)
{
	g_autoptr(GBytes) data = NULL;
	PglPgpContents contents;
	PglPgpMimeKey *key;

	if (g_bytes_get_size(found) == 0 || g_bytes_get_size(found) > PGL_PGP_KEY_BLOB_MAX)
		return;
	data = clean_armor(found);
	contents = pgl_pgp_guess_contents(data);
	if (contents == PGL_PGP_CONTENTS_SECRET_KEY) {
		state->opened->secret_key_attached = TRUE;
		return;
	}
	if (!declared && contents != PGL_PGP_CONTENTS_PUBLIC_KEY)
		return;
	if (contents == PGL_PGP_CONTENTS_MESSAGE)
		contents = PGL_PGP_CONTENTS_UNKNOWN;
	key = g_new0(PglPgpMimeKey, 1);
	key->data = g_steal_pointer(&data);
	key->contents = contents;
	key->encrypted = encrypted;
	key->location = g_strdup(location);
	g_ptr_array_add(state->opened->keys, key);
}

/* ---- structure checks ------------------------------------------------------------------------ */

/* RFC 3156 §4 */
static gboolean
check_encrypted(GMimeObject *object, GError **error)
{
	const gchar *protocol = g_mime_object_get_content_type_parameter(object, "protocol");
	GMimeMultipart *multipart;
	GMimeObject *control;
	GMimeObject *data;
	gint count;

	if (protocol == NULL || g_ascii_strcasecmp(protocol, "application/pgp-encrypted") != 0)
		return refuse(error,
			      "multipart/encrypted with protocol \"%s\" is not OpenPGP (RFC 3156 "
			      "§4 requires application/pgp-encrypted)",
			      protocol != NULL ? protocol : "");
	if (!GMIME_IS_MULTIPART(object))
		return refuse(error, "multipart/encrypted that is not a multipart");
	multipart = GMIME_MULTIPART(object);
	count = g_mime_multipart_get_count(multipart);
	if (count != 2)
		return refuse(error, "multipart/encrypted with %d parts (RFC 3156 §4: exactly 2)",
			      count);
	control = g_mime_multipart_get_part(multipart, 0);
	data = g_mime_multipart_get_part(multipart, 1);
	if (!is_leaf(control) || !is_type(control, "application", "pgp-encrypted"))
		return refuse(error, "multipart/encrypted whose first part is not "
				     "application/pgp-encrypted");
	if (!has_version_1(control))
		return refuse(error, "multipart/encrypted without \"Version: 1\" in its control "
				     "part");
	if (!is_leaf(data) || !is_type(data, "application", "octet-stream"))
		return refuse(error, "multipart/encrypted whose second part is not "
				     "application/octet-stream");
	return TRUE;
}

/* RFC 3156 §5 */
static gboolean
check_signed(GMimeObject *object, GError **error)
{
	const gchar *protocol = g_mime_object_get_content_type_parameter(object, "protocol");
	GMimeMultipart *multipart;
	GMimeObject *signature;
	gint count;

	if (protocol == NULL || g_ascii_strcasecmp(protocol, "application/pgp-signature") != 0)
		return refuse(error,
			      "multipart/signed with protocol \"%s\" is not OpenPGP (RFC 3156 §5 "
			      "requires application/pgp-signature)",
			      protocol != NULL ? protocol : "");
	if (!GMIME_IS_MULTIPART(object))
		return refuse(error, "multipart/signed that is not a multipart");
	multipart = GMIME_MULTIPART(object);
	count = g_mime_multipart_get_count(multipart);
	if (count != 2)
		return refuse(error, "multipart/signed with %d parts (RFC 3156 §5: exactly 2)",
			      count);
	signature = g_mime_multipart_get_part(multipart, 1);
	if (!is_leaf(signature) || !is_type(signature, "application", "pgp-signature"))
		return refuse(error, "multipart/signed whose second part is not "
				     "application/pgp-signature");
	return TRUE;
}

/* Exchange's rewrite of a multipart/encrypted: multipart/mixed of an empty text/plain part, the
 * control part and the ciphertext (see the top of the file). */
static gboolean
is_exchange(GMimeObject *object)
{
	GMimeMultipart *multipart;
	GMimeObject *text;
	g_autoptr(GBytes) content = NULL;

	if (!GMIME_IS_MULTIPART(object) || !is_type(object, "multipart", "mixed"))
		return FALSE;
	multipart = GMIME_MULTIPART(object);
	if (g_mime_multipart_get_count(multipart) != 3)
		return FALSE;
	text = g_mime_multipart_get_part(multipart, 0);
	if (!is_leaf(text) || !is_type(text, "text", "plain"))
		return FALSE;
	content = decoded_content(GMIME_PART(text), FALSE);
	if (!is_blank(g_bytes_get_data(content, NULL), g_bytes_get_size(content)))
		return FALSE;
	if (!is_leaf(g_mime_multipart_get_part(multipart, 1)) ||
	    !is_type(g_mime_multipart_get_part(multipart, 1), "application", "pgp-encrypted") ||
	    !has_version_1(g_mime_multipart_get_part(multipart, 1)))
		return FALSE;
	return is_leaf(g_mime_multipart_get_part(multipart, 2)) &&
	       is_type(g_mime_multipart_get_part(multipart, 2), "application", "octet-stream");
}

/* Flags of the tree below (or at) @object, outside encryption; refuses encryption below the top
 * and malformed multipart/signed. */
static gboolean
scan_structure(GMimeObject *object, gboolean top, PglPgpMimeFlags *flags, GError **error)
{
	if (GMIME_IS_MULTIPART(object)) {
		GMimeMultipart *multipart = GMIME_MULTIPART(object);
		gint count = g_mime_multipart_get_count(multipart);

		if (is_type(object, "multipart", "encrypted"))
			return refuse(error, "multipart/encrypted below the top level is not read");
		if (is_type(object, "multipart", "signed")) {
			if (!check_signed(object, error))
				return FALSE;
			if (!top)
				*flags |= PGL_PGP_MIME_FLAG_NESTED_SIGNED;
			return scan_structure(g_mime_multipart_get_part(multipart, 0), FALSE,
					      flags, error);
		}
		for (gint i = 0; i < count; i++) {
			if (!scan_structure(g_mime_multipart_get_part(multipart, i), FALSE, flags,
					    error))
				return FALSE;
		}
		return TRUE;
	}
	if (!is_leaf(object))
		return TRUE; /* an attached message is someone else's */
	if (is_type(object, "application", "pgp-keys")) {
		*flags |= PGL_PGP_MIME_FLAG_KEYS;
	} else if (is_type(object, "text", "plain")) {
		g_autoptr(GBytes) content = decoded_content(GMIME_PART(object), FALSE);
		g_autoptr(GArray) blocks = find_blocks(g_bytes_get_data(content, NULL),
						       g_bytes_get_size(content));

		for (guint i = 0; i < blocks->len; i++) {
			switch (g_array_index(blocks, Block, i).kind) {
			case BLOCK_MESSAGE:
				*flags |= PGL_PGP_MIME_FLAG_INLINE_MESSAGE;
				break;
			case BLOCK_SIGNED:
				*flags |= PGL_PGP_MIME_FLAG_INLINE_SIGNED;
				break;
			case BLOCK_PUBLIC_KEY:
				*flags |= PGL_PGP_MIME_FLAG_KEYS;
				break;
			case BLOCK_SECRET_KEY:
			default:
				break;
			}
		}
	}
	return TRUE;
}

/**
 * pgl_pgp_mime_classify:
 * @message: a message parsed by pgl_mail_parse()
 * @form_out: (out): what protection the message claims at its top level
 * @flags_out: (out) (optional): what else was seen outside any encryption
 * @error: return location for a #GError
 *
 * Looks at the structure of @message only: no key is used, nothing is decrypted or verified.
 * An encrypted message's flags say nothing about what is inside the encryption.
 *
 * Returns: %TRUE with *@form_out set, or %FALSE with @error set to %PGL_MAIL_ERROR_AMBIGUOUS:
 *   a multipart/encrypted or multipart/signed that does not follow RFC 3156 (wrong protocol
 *   parameter, other than two parts, wrong part types, no "Version: 1"), or a
 *   multipart/encrypted below the top level
 */
gboolean
pgl_pgp_mime_classify(GMimeMessage *message, PglPgpMimeForm *form_out, PglPgpMimeFlags *flags_out,
		      GError **error)
{
	GMimeObject *top;
	PglPgpMimeFlags flags = PGL_PGP_MIME_FLAG_NONE;
	PglPgpMimeForm form = PGL_PGP_MIME_FORM_PLAIN;

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), FALSE);
	g_return_val_if_fail(form_out != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	top = g_mime_message_get_mime_part(message);
	if (top != NULL && is_type(top, "multipart", "encrypted")) {
		if (!check_encrypted(top, error))
			return FALSE;
		form = PGL_PGP_MIME_FORM_ENCRYPTED;
	} else if (top != NULL && is_exchange(top)) {
		form = PGL_PGP_MIME_FORM_EXCHANGE;
	} else if (top != NULL) {
		if (!scan_structure(top, TRUE, &flags, error))
			return FALSE;
		if (is_type(top, "multipart", "signed"))
			form = PGL_PGP_MIME_FORM_SIGNED;
		else if ((flags & (PGL_PGP_MIME_FLAG_INLINE_MESSAGE |
				   PGL_PGP_MIME_FLAG_INLINE_SIGNED)) != 0)
			form = PGL_PGP_MIME_FORM_INLINE;
	}
	*form_out = form;
	if (flags_out != NULL)
		*flags_out = flags;
	return TRUE;
}

/* ---- locating the signed bytes --------------------------------------------------------------- */

typedef struct {
	gsize start;
	gsize end;
} Span;

/* Is the line (without its LF) a delimiter of @boundary: "--boundary", or "--boundary--" for
 * the close delimiter, followed only by white space? The rule of GMime's parser (is_boundary()
 * in gmime-parser.c), which is what other readers do too (RFC 2046 §5.1.1). */
static gboolean
is_delimiter(const guint8 *line, gsize len, const gchar *boundary, gboolean *close_out)
{
	gsize boundary_len = strlen(boundary);
	gsize i = boundary_len + 2;

	*close_out = FALSE;
	if (len < i || line[0] != '-' || line[1] != '-' ||
	    memcmp(line + 2, boundary, boundary_len) != 0)
		return FALSE;
	if (i + 2 <= len && line[i] == '-' && line[i + 1] == '-') {
		*close_out = TRUE;
		i += 2;
	}
	for (; i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return FALSE;
	}
	return TRUE;
}

/* Where the body of @object starts in @source: after the blank line that ends the header block
 * its last header field (by GMime's offset) is in. FALSE if there is none to be found. */
static gboolean
body_start_of(const Source *source, GMimeObject *object, gsize *start_out)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list(object);
	gint count = headers != NULL ? g_mime_header_list_get_count(headers) : 0;
	gint64 last = -1;

	for (gint i = 0; i < count; i++) {
		GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);

		last = MAX(last, g_mime_header_get_offset(header));
	}
	if (last < 0 || (gsize)last >= source->size)
		return FALSE;
	for (gsize i = (gsize)last; i + 1 < source->size; i++) {
		if (source->data[i] == '\n' && source->data[i + 1] == '\n') {
			*start_out = i + 2;
			return TRUE;
		}
	}
	return FALSE;
}

/* Offset of the first header field of @object, or -1 if it has none with an offset */
static gint64
first_header_offset(GMimeObject *object)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list(object);

	if (headers == NULL || g_mime_header_list_get_count(headers) == 0)
		return -1;
	return g_mime_header_get_offset(g_mime_header_list_get_header_at(headers, 0));
}

/* Splits the body of a multipart (from @body_start) into its parts as GMime's parser does: a
 * part runs from the line after a delimiter line to the line break before the next delimiter
 * line, that line break excluded (RFC 2046 §5.1.1). A delimiter of an enclosing multipart
 * (@outer) ends this one, as in GMime. */
static GArray *
split_multipart(const Source *source, gsize body_start, const gchar *boundary, GPtrArray *outer)
{
	GArray *spans = g_array_new(FALSE, FALSE, sizeof(Span));
	const guint8 *data = source->data;
	gboolean in_part = FALSE;
	gsize part_start = 0;
	gsize pos = body_start;

	while (pos < source->size) {
		const guint8 *newline = memchr(data + pos, '\n', source->size - pos);
		gsize line_end = newline != NULL ? (gsize)(newline - data) : source->size;
		gsize next = newline != NULL ? line_end + 1 : source->size;
		gboolean close = FALSE;
		gboolean outer_delimiter = FALSE;

		if (is_delimiter(data + pos, line_end - pos, boundary, &close)) {
			if (in_part) {
				Span span = {part_start, pos > part_start ? pos - 1 : part_start};

				g_array_append_val(spans, span);
			}
			if (close)
				return spans;
			in_part = TRUE;
			part_start = next;
			pos = next;
			continue;
		}
		for (guint i = 0; i < outer->len && !outer_delimiter; i++)
			outer_delimiter = is_delimiter(data + pos, line_end - pos, outer->pdata[i],
						       &close);
		if (outer_delimiter) {
			if (in_part) {
				Span span = {part_start, pos > part_start ? pos - 1 : part_start};

				g_array_append_val(spans, span);
			}
			return spans;
		}
		pos = next;
	}
	if (in_part) {
		Span span = {part_start, source->size};

		g_array_append_val(spans, span);
	}
	return spans;
}

/* The span of the signed first part of multipart/signed @object, checked against GMime's tree */
static gboolean
locate_signed(const Source *source, GMimeObject *object, GPtrArray *outer, Span *span_out,
	      gsize *body_start_out, GError **error)
{
	GMimeMultipart *multipart = GMIME_MULTIPART(object);
	const gchar *boundary = g_mime_multipart_get_boundary(multipart);
	g_autoptr(GArray) spans = NULL;
	gsize body_start = 0;

	if (boundary == NULL || boundary[0] == '\0' || !body_start_of(source, object, &body_start))
		return refuse(error, "cannot locate the body of a multipart/signed");
	spans = split_multipart(source, body_start, boundary, outer);
	if (spans->len != (guint)g_mime_multipart_get_count(multipart))
		return refuse(error,
			      "multipart/signed: %u parts found in its bytes, %d in the parsed "
			      "structure",
			      spans->len, g_mime_multipart_get_count(multipart));
	for (guint i = 0; i < spans->len; i++) {
		gint64 offset = first_header_offset(g_mime_multipart_get_part(multipart, (gint)i));

		if (offset >= 0 && (gsize)offset != g_array_index(spans, Span, i).start)
			return refuse(error,
				      "multipart/signed: part %u starts at byte %" G_GSIZE_FORMAT
				      ", but its header at %" G_GINT64_FORMAT,
				      i + 1, g_array_index(spans, Span, i).start, offset);
	}
	*span_out = g_array_index(spans, Span, 0);
	if (span_out->end <= span_out->start)
		return refuse(error, "multipart/signed with an empty signed part");
	*body_start_out = body_start;
	return TRUE;
}

/* Verifies multipart/signed @object (already checked by check_signed()) over its exact bytes */
static gboolean
verify_signed_part(OpenState *state, const Source *source, GMimeObject *object, GPtrArray *outer,
		   gboolean whole, const gchar *location, GError **error)
{
	GMimeObject *signature_part = g_mime_multipart_get_part(GMIME_MULTIPART(object), 1);
	g_autoptr(GBytes) signed_bytes = NULL;
	g_autoptr(GBytes) signature = NULL;
	g_autoptr(GPtrArray) results = NULL;
	g_autoptr(GError) verify_error = NULL;
	Span span = {0};
	gsize body_start = 0;

	if (!locate_signed(source, object, outer, &span, &body_start, error))
		return FALSE;
	signed_bytes = to_crlf(source->data + span.start, span.end - span.start,
			       source->encrypted);
	signature = decoded_content(GMIME_PART(signature_part), FALSE);
	results = pgl_pgp_verify_detached(state->keyring, signed_bytes, signature, state->params,
					  &verify_error);
	if (results == NULL) {
		if (!g_error_matches(verify_error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE) &&
		    !g_error_matches(verify_error, PGL_PGP_ERROR, PGL_PGP_ERROR_NO_SIGNATURE)) {
			g_propagate_prefixed_error(error, g_steal_pointer(&verify_error), "%s: ",
						   location);
			return FALSE;
		}
		add_signature(state, unreadable_signature(verify_error->message),
			      PGL_PGP_MIME_SIGNATURE_DETACHED, whole, source->encrypted, location);
	} else {
		for (guint i = 0; i < results->len; i++)
			add_signature(state, g_steal_pointer(&results->pdata[i]),
				      PGL_PGP_MIME_SIGNATURE_DETACHED, whole, source->encrypted,
				      location);
	}
	if (object == source->root) {
		state->root_signed = TRUE;
		state->root_signed_start = span.start;
		state->root_signed_end = span.end;
		state->root_body_start = body_start;
	}
	return TRUE;
}

/* ---- inline PGP in a text part --------------------------------------------------------------- */

/* Opens one armored MESSAGE or SIGNED block: decrypts it (and checks the signatures inside), or
 * verifies it. Returns the content, or NULL with @error set. */
static GBytes *
open_block(OpenState *state, const Block *block, GBytes *armored, gboolean strict,
	   GPtrArray **signatures_out, gboolean *encrypted_out, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	GBytes *content = NULL;

	*encrypted_out = FALSE;
	if (block->kind == BLOCK_MESSAGE && strict) {
		g_autoptr(PglPgpDecrypted) decrypted = pgl_pgp_decrypt(state->keyring, armored,
									state->params, state->max,
									&local_error);

		if (decrypted != NULL) {
			PglPgpMimeOpened *opened = state->opened;

			*encrypted_out = TRUE;
			*signatures_out = g_steal_pointer(&decrypted->signatures);
			if (opened->cipher == NULL) {
				opened->cipher = g_strdup(decrypted->cipher);
				opened->recipient_key_id = g_strdup(decrypted->recipient_key_id);
				opened->hidden_recipient = decrypted->hidden_recipient;
			}
			return g_bytes_ref(decrypted->plaintext);
		}
		if (!g_error_matches(local_error, PGL_PGP_ERROR, PGL_PGP_ERROR_NOT_ENCRYPTED)) {
			g_propagate_error(error, g_steal_pointer(&local_error));
			return NULL;
		}
		g_clear_error(&local_error);
	} else if (block->kind == BLOCK_MESSAGE) {
		/* no decryption inside decrypted content; a signed message could still be
		 * verified, but would need its packets looked at first: left as text */
		g_set_error_literal(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
				    "armored message inside decrypted content is not opened");
		return NULL;
	}
	*signatures_out = pgl_pgp_verify_inline(state->keyring, armored, state->params, state->max,
						&content, error);
	if (*signatures_out == NULL)
		return NULL;
	return content;
}

/* Decrypts and verifies the armored blocks of text part @part and replaces its text with what
 * they hold (see the top of the file for strict and lenient). */
static gboolean
open_inline(OpenState *state, const Source *source, GMimeTextPart *part, gboolean whole,
	    const gchar *location, GError **error)
{
	g_autoptr(GBytes) content = decoded_content(GMIME_PART(part), source->encrypted);
	const guint8 *data = g_bytes_get_data(content, NULL);
	gsize size = g_bytes_get_size(content);
	g_autoptr(GArray) blocks = find_blocks(data, size);
	const gchar *charset;
	g_autoptr(GPtrArray) found = g_ptr_array_new(); /* (element-type PglPgpMimeSignature) */
	g_autoptr(SecretString) text = NULL;
	gboolean outside_blank = TRUE;
	guint opened_blocks = 0;
	guint encrypted_blocks = 0;
	gsize pos = 0;
	gboolean strict = !source->encrypted;

	if (blocks->len == 0)
		return TRUE;
	charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
	text = g_string_sized_new(size + 1);
	for (guint i = 0; i < blocks->len; i++) {
		const Block *block = &g_array_index(blocks, Block, i);
		g_autofree gchar *block_location =
			g_strdup_printf("%s, inline block %u", location, i + 1);
		g_autoptr(GBytes) armored = NULL;
		g_autoptr(GBytes) opened = NULL;
		g_autoptr(GPtrArray) signatures = NULL;
		g_autoptr(GError) block_error = NULL;
		gboolean encrypted = FALSE;

		if (!is_blank(data + pos, block->start - pos))
			outside_blank = FALSE;
		append_utf8(text, data + pos, block->start - pos, charset, FALSE);
		pos = block->start;
		if (block->kind == BLOCK_SECRET_KEY) {
			state->opened->secret_key_attached = TRUE;
			continue; /* left as text; the caller is told */
		}
		if (block->kind == BLOCK_PUBLIC_KEY) {
			if (block->complete) {
				g_autoptr(GBytes) key = g_bytes_new_from_bytes(
					content, block->start, block->end - block->start);

				add_key(state, key, TRUE, source->encrypted, block_location);
			}
			continue; /* a key is public: stays as text, uncovered */
		}
		if (!block->complete) {
			if (strict) {
				g_set_error(error, PGL_PGP_ERROR, PGL_PGP_ERROR_GARBAGE,
					    "%s: truncated armored block (no END line)",
					    block_location);
				return FALSE;
			}
			continue;
		}
		armored = g_bytes_new_from_bytes(content, block->start, block->end - block->start);
		opened = open_block(state, block, armored, strict, &signatures, &encrypted,
				    &block_error);
		if (opened == NULL) {
			if (strict) {
				g_propagate_prefixed_error(error, g_steal_pointer(&block_error),
							   "%s: ", block_location);
				return FALSE;
			}
			g_debug("%s: left as text: %s", block_location, block_error->message);
			continue;
		}
		append_utf8(text, g_bytes_get_data(opened, NULL), g_bytes_get_size(opened), charset,
			    TRUE);
		pos = block->end;
		opened_blocks++;
		if (encrypted)
			encrypted_blocks++;
		for (guint j = 0; j < signatures->len; j++)
			g_ptr_array_add(found,
					add_signature(state, g_steal_pointer(&signatures->pdata[j]),
						      PGL_PGP_MIME_SIGNATURE_INLINE, FALSE,
						      encrypted || source->encrypted,
						      block_location));
	}
	if (!is_blank(data + pos, size - pos))
		outside_blank = FALSE;
	append_utf8(text, data + pos, size - pos, charset, FALSE);

	/* whole only if this part is the whole content and one block is all of its text */
	whole = whole && outside_blank && opened_blocks == 1 && blocks->len == 1;
	for (guint i = 0; i < found->len; i++)
		((PglPgpMimeSignature *)found->pdata[i])->whole = whole;
	state->inline_encrypted += encrypted_blocks;
	if (encrypted_blocks == 1 && whole)
		state->inline_encrypted_whole = TRUE;
	if (opened_blocks > 0) {
		pgl_mail_part_set_text(part, text->str);
		state->modified = TRUE;
	}
	return TRUE;
}

/* ---- walking the content --------------------------------------------------------------------- */

/* Verifies, decrypts inline blocks and collects keys in the tree at @object. @outer holds the
 * boundaries of the enclosing multiparts; @whole says whether @object is all of the content. */
static gboolean
walk(OpenState *state, const Source *source, GMimeObject *object, GPtrArray *outer,
     gboolean whole, const gchar *path, GError **error)
{
	g_autofree gchar *location = describe(source->encrypted, path);

	if (GMIME_IS_MULTIPART(object)) {
		GMimeMultipart *multipart = GMIME_MULTIPART(object);
		gint count = g_mime_multipart_get_count(multipart);
		const gchar *boundary = g_mime_multipart_get_boundary(multipart);
		gboolean pushed = boundary != NULL && boundary[0] != '\0';
		gboolean ok = TRUE;

		if (is_type(object, "multipart", "encrypted"))
			return refuse(error,
				      source->encrypted
					      ? "%s: encrypted content inside encrypted content is "
						"not read"
					      : "%s: multipart/encrypted below the top level is "
						"not read",
				      location);
		/* (pgl_mail_parse() refuses a multipart without boundary; never match "--") */
		if (pushed)
			g_ptr_array_add(outer, (gpointer)boundary);
		if (is_type(object, "multipart", "signed")) {
			g_autofree gchar *first = child_path(path, 0);

			ok = check_signed(object, error) &&
			     verify_signed_part(state, source, object, outer, whole, location,
						error) &&
			     walk(state, source, g_mime_multipart_get_part(multipart, 0), outer,
				  whole, first, error);
		} else {
			for (gint i = 0; i < count && ok; i++) {
				g_autofree gchar *child = child_path(path, i);

				ok = walk(state, source, g_mime_multipart_get_part(multipart, i),
					  outer, whole && count == 1, child, error);
			}
		}
		if (pushed)
			g_ptr_array_remove_index(outer, outer->len - 1);
		return ok;
	}
	if (!is_leaf(object))
		return TRUE; /* message/rfc822: someone else's message, not ours to judge */

	if (is_type(object, "application", "pgp-keys")) {
		g_autoptr(GBytes) content = decoded_content(GMIME_PART(object), FALSE);

		add_key(state, content, TRUE, source->encrypted, location);
	} else if (is_type(object, "text", "plain") && GMIME_IS_TEXT_PART(object)) {
		if (!open_inline(state, source, GMIME_TEXT_PART(object), whole, location, error))
			return FALSE;
	} else if (!is_type(object, "text", "*") &&
		   !is_type(object, "application", "pgp-signature") &&
		   !is_type(object, "application", "pgp-encrypted")) {
		/* any other attachment may be a key (binary or armored) */
		g_autoptr(GBytes) content = decoded_content(GMIME_PART(object), FALSE);

		if (g_bytes_get_size(content) <= PGL_PGP_KEY_BLOB_MAX)
			add_key(state, content, FALSE, source->encrypted, location);
	} else if (is_type(object, "application", "pgp-encrypted") &&
		   g_mime_part_get_filename(GMIME_PART(object)) != NULL) {
		/* Mutt labels attached binary keys this way */
		g_autoptr(GBytes) content = decoded_content(GMIME_PART(object), FALSE);

		add_key(state, content, FALSE, source->encrypted, location);
	}
	return TRUE;
}

/* ---- protected header fields (RFC 9788 and the legacy forms) --------------------------------- */

static gboolean
has_protected_marker(GMimeObject *object)
{
	return param_is(object, "protected-headers", "v1") || param_is(object, "hp", "cipher") ||
	       param_is(object, "hp", "clear");
}

static gchar *
header_value(GMimeHeaderList *headers, const gchar *name)
{
	GMimeHeader *header = g_mime_header_list_get_header(headers, name);
	const gchar *value = header != NULL ? g_mime_header_get_value(header) : NULL;

	return value != NULL ? g_utf8_make_valid(value, -1) : NULL;
}

static gboolean
take_headers(PglPgpMimeOpened *opened, GMimeHeaderList *headers)
{
	g_autofree gchar *subject = header_value(headers, "Subject");
	g_autofree gchar *from = header_value(headers, "From");

	if (subject == NULL && from == NULL)
		return FALSE;
	opened->subject = g_steal_pointer(&subject);
	opened->from = g_steal_pointer(&from);
	opened->to = header_value(headers, "To");
	opened->cc = header_value(headers, "Cc");
	opened->reply_to = header_value(headers, "Reply-To");
	opened->date = header_value(headers, "Date");
	return TRUE;
}

/* The legacy "header part": a text/rfc822-headers part first in the protected multipart, as
 * Enigmail wrote it (the protected fields repeated for clients that do not know them). */
static gboolean
take_legacy_headers(OpenState *state, GMimeObject *protected_entity)
{
	GMimeObject *first;
	g_autoptr(GBytes) content = NULL;
	g_autoptr(GString) text = NULL;
	g_autoptr(GBytes) block = NULL;
	g_autoptr(GMimeMessage) fields = NULL;

	if (!GMIME_IS_MULTIPART(protected_entity) ||
	    g_mime_multipart_get_count(GMIME_MULTIPART(protected_entity)) < 1)
		return FALSE;
	first = g_mime_multipart_get_part(GMIME_MULTIPART(protected_entity), 0);
	if (!is_leaf(first) || !is_type(first, "text", "rfc822-headers") ||
	    (!has_protected_marker(first) && !has_protected_marker(protected_entity)))
		return FALSE;
	content = decoded_content(GMIME_PART(first), FALSE);
	text = g_string_new_len(g_bytes_get_data(content, NULL), (gssize)g_bytes_get_size(content));
	while (text->len > 0 &&
	       (text->str[text->len - 1] == '\n' || text->str[text->len - 1] == '\r'))
		g_string_truncate(text, text->len - 1);
	g_string_append(text, "\n\n");
	block = g_bytes_new(text->str, text->len);
	if (!pgl_mail_parse(state->ctx, block, &fields, NULL))
		return FALSE;
	return take_headers(state->opened, g_mime_object_get_header_list(GMIME_OBJECT(fields)));
}

/* Protected fields of content whose root is @root (the top part of @message). Where RFC 9788
 * puts them: in the header block of the protected entity, marked hp="cipher"/"clear" (legacy:
 * protected-headers="v1"). Mutt wrote them there without any mark, and Schleuder reads them
 * too; a field in that header block can only come from the sender's side of the protection, so
 * the mark is not required. The protected entity is the decrypted root itself, or the signed
 * part of a multipart/signed root (KMail's §6.1 mail, Thunderbird's §5 mail); the fields of an
 * unencrypted message's top level are never protected. Failing those, a legacy header part. */
static void
read_protected_headers(OpenState *state, GMimeMessage *message, GMimeObject *root,
		       gboolean encrypted)
{
	GMimeObject *signed_part = NULL;

	if (is_type(root, "multipart", "signed") && GMIME_IS_MULTIPART(root) &&
	    g_mime_multipart_get_count(GMIME_MULTIPART(root)) > 0)
		signed_part = g_mime_multipart_get_part(GMIME_MULTIPART(root), 0);
	if (encrypted &&
	    take_headers(state->opened, g_mime_object_get_header_list(GMIME_OBJECT(message))))
		return;
	if (signed_part != NULL &&
	    take_headers(state->opened, g_mime_object_get_header_list(signed_part)))
		return;
	if (!encrypted && signed_part == NULL)
		return;
	state->opened->headers_legacy_part =
		take_legacy_headers(state, signed_part != NULL ? signed_part : root);
}

/* ---- the entity handed on -------------------------------------------------------------------- */

/* "Name: raw value" of each header field of @object, then a blank line, then @body */
static GBytes *
entity_text(GMimeObject *object, const guint8 *body, gsize body_len, gboolean secret)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list(object);
	gint count = headers != NULL ? g_mime_header_list_get_count(headers) : 0;
	GString *text = g_string_sized_new(body_len + 256);

	for (gint i = 0; i < count; i++) {
		GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);
		const gchar *raw = g_mime_header_get_raw_value(header);

		g_string_append_printf(text, "%s:%s", g_mime_header_get_raw_name(header),
				       raw != NULL ? raw : "\n");
		if (text->str[text->len - 1] != '\n')
			g_string_append_c(text, '\n');
	}
	g_string_append_c(text, '\n');
	g_string_append_len(text, (const gchar *)body, (gssize)body_len);
	if (secret)
		return secret_bytes_from_string(text);
	return g_string_free_to_bytes(text);
}

/* Sets opened->entity, entity_bytes and signed_entity for content with root @root */
static void
set_entity(OpenState *state, const Source *source, GMimeObject *root, GBytes *root_bytes)
{
	PglPgpMimeOpened *opened = state->opened;

	if (state->root_signed) {
		GMimeObject *first = g_mime_multipart_get_part(GMIME_MULTIPART(root), 0);

		opened->signed_entity = pgl_mail_part_new_verbatim(root, source->data + state->root_body_start,
						      source->size - state->root_body_start);
		opened->entity = g_object_ref(first);
		if (state->modified) {
			g_autoptr(GBytes) serialised = pgl_mail_object_to_bytes(first);

			opened->entity_bytes =
				pgl_pgp_secret_bytes_new(g_bytes_get_data(serialised, NULL),
							 g_bytes_get_size(serialised));
		} else if (source->encrypted) {
			opened->entity_bytes = pgl_pgp_secret_bytes_new(
				source->data + state->root_signed_start,
				state->root_signed_end - state->root_signed_start);
		} else {
			opened->entity_bytes = g_bytes_new(
				source->data + state->root_signed_start,
				state->root_signed_end - state->root_signed_start);
		}
		return;
	}
	opened->entity = g_object_ref(root);
	if (state->modified) {
		g_autoptr(GBytes) serialised = pgl_mail_object_to_bytes(root);

		opened->entity_bytes = pgl_pgp_secret_bytes_new(g_bytes_get_data(serialised, NULL),
								g_bytes_get_size(serialised));
	} else {
		opened->entity_bytes = g_bytes_ref(root_bytes);
	}
}

/* ---- pgl_pgp_mime_open() --------------------------------------------------------------------- */

static gboolean
open_encrypted(OpenState *state, GMimeObject *top, PglPgpMimeForm form, GError **error)
{
	GMimeObject *data_part = g_mime_multipart_get_part(
		GMIME_MULTIPART(top), form == PGL_PGP_MIME_FORM_EXCHANGE ? 2 : 1);
	PglPgpMimeOpened *opened = state->opened;
	g_autoptr(GBytes) ciphertext = decoded_content(GMIME_PART(data_part), FALSE);
	g_autoptr(PglPgpDecrypted) decrypted = NULL;
	g_autoptr(GMimeMessage) inner = NULL;
	g_autoptr(GBytes) normal = NULL;
	g_autoptr(GPtrArray) outer = g_ptr_array_new();
	GMimeObject *root;
	Source source = {0};

	decrypted = pgl_pgp_decrypt(state->keyring, ciphertext, state->params, state->max, error);
	if (decrypted == NULL)
		return FALSE;
	opened->recipient_key_id = g_strdup(decrypted->recipient_key_id);
	opened->hidden_recipient = decrypted->hidden_recipient;
	opened->cipher = g_strdup(decrypted->cipher);
	for (guint i = 0; i < decrypted->signatures->len; i++)
		add_signature(state, g_steal_pointer(&decrypted->signatures->pdata[i]),
			      PGL_PGP_MIME_SIGNATURE_COMBINED, TRUE, TRUE, "encrypted body");

	if (!pgl_mail_parse(state->ctx, decrypted->plaintext, &inner, error)) {
		g_prefix_error(error, "decrypted content: ");
		return FALSE;
	}
	root = g_mime_message_get_mime_part(inner);
	if (root == NULL) {
		g_set_error_literal(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_PARSE,
				    "decrypted content: no MIME entity");
		return FALSE;
	}
	normal = normalize_newlines(decrypted->plaintext, TRUE);
	source.data = g_bytes_get_data(normal, &source.size);
	source.encrypted = TRUE;
	source.root = root;
	if (!walk(state, &source, root, outer, TRUE, "", error))
		return FALSE;
	read_protected_headers(state, inner, root, TRUE);
	set_entity(state, &source, root, normal);
	return TRUE;
}

static gboolean
open_clear(OpenState *state, GMimeMessage *message, GBytes *normal, GError **error)
{
	GMimeObject *top = g_mime_message_get_mime_part(message);
	g_autoptr(GPtrArray) outer = g_ptr_array_new();
	g_autoptr(GBytes) top_bytes = NULL;
	GBytes *raw_body;
	Source source = {0};

	if (top == NULL) {
		g_set_error_literal(error, PGL_MAIL_ERROR, PGL_MAIL_ERROR_PARSE,
				    "message without a body");
		return FALSE;
	}
	source.data = g_bytes_get_data(normal, &source.size);
	source.root = top;
	if (!walk(state, &source, top, outer, TRUE, "", error))
		return FALSE;
	if (state->opened->form == PGL_PGP_MIME_FORM_SIGNED)
		read_protected_headers(state, message, top, FALSE);
	raw_body = pgl_mail_get_raw_body(top);
	if (raw_body != NULL)
		top_bytes = entity_text(top, g_bytes_get_data(raw_body, NULL),
					g_bytes_get_size(raw_body), FALSE);
	else
		top_bytes = pgl_mail_object_to_bytes(top);
	set_entity(state, &source, top, top_bytes);
	return TRUE;
}

static PglPgpMimeSigning
summarise_signing(GPtrArray *signatures)
{
	gboolean combined = FALSE;
	gboolean encapsulated = FALSE;
	gboolean detached = FALSE;
	gboolean inline_whole = FALSE;

	if (signatures->len == 0)
		return PGL_PGP_MIME_SIGNING_NONE;
	for (guint i = 0; i < signatures->len; i++) {
		const PglPgpMimeSignature *signature = signatures->pdata[i];

		if (!signature->whole)
			continue;
		switch (signature->kind) {
		case PGL_PGP_MIME_SIGNATURE_COMBINED:
			combined = TRUE;
			break;
		case PGL_PGP_MIME_SIGNATURE_DETACHED:
			if (signature->encrypted)
				encapsulated = TRUE;
			else
				detached = TRUE;
			break;
		case PGL_PGP_MIME_SIGNATURE_INLINE:
			inline_whole = TRUE;
			break;
		default:
			g_assert_not_reached();
		}
	}
	if (combined)
		return PGL_PGP_MIME_SIGNING_COMBINED;
	if (encapsulated)
		return PGL_PGP_MIME_SIGNING_ENCAPSULATED;
	if (detached)
		return PGL_PGP_MIME_SIGNING_DETACHED;
	if (inline_whole)
		return PGL_PGP_MIME_SIGNING_INLINE;
	return PGL_PGP_MIME_SIGNING_PARTIAL;
}

/**
 * pgl_pgp_mime_open:
 * @ctx: the context, for the limits of its configuration (they apply to the message and again
 *   to its decrypted content; message_max also bounds the decrypted size)
 * @keyring: the list's secret key (to decrypt) and the public keys signatures are checked
 *   against (the subscribers'); a keyring without the list's secret key still verifies
 *   unencrypted mail
 * @raw: the message as received (LF or CRLF line ends), as given to pgl_mail_parse()
 * @params: (nullable): the time and freshness window signatures are judged by
 * @error: return location for a #GError
 *
 * Parses @raw (its own parse: the offsets of the signed bytes must come from the bytes that are
 * verified), classifies it, decrypts it, verifies every signature over the exact bytes it
 * covers, opens inline PGP, and collects keys and protected header fields. See the top of
 * pgl-pgp-mime.c for the policy. Every signature is reported with its verdict, whatever it is.
 *
 * Returns: (transfer full) (nullable): the opened message, or %NULL with @error set: any
 *   error of pgl_mail_parse() (for @raw, or "decrypted content: ..." for what decryption
 *   gave) or pgl_pgp_mime_classify(); %PGL_MAIL_ERROR_AMBIGUOUS when the signed bytes cannot be
 *   located unambiguously, or encryption is nested; %PGL_PGP_ERROR_NO_KEY,
 *   %PGL_PGP_ERROR_DECRYPT, %PGL_PGP_ERROR_GARBAGE, %PGL_PGP_ERROR_LIMIT from decryption (the
 *   message is encrypted, but not to us, or broken); %PGL_PGP_ERROR_GARBAGE,
 *   %PGL_PGP_ERROR_NO_SIGNATURE for an inline block of the message as received that is
 *   truncated or cannot be read
 */
PglPgpMimeOpened *
pgl_pgp_mime_open(PglContext *ctx, PglPgpKeyring *keyring, GBytes *raw,
		  const PglPgpVerifyParams *params, GError **error)
{
	g_autoptr(PglPgpMimeOpened) opened = NULL;
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GBytes) normal = NULL;
	OpenState state = {0};
	gboolean ok;

	g_return_val_if_fail(ctx != NULL, NULL);
	g_return_val_if_fail(keyring != NULL, NULL);
	g_return_val_if_fail(raw != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_mail_parse(ctx, raw, &message, error))
		return NULL;
	opened = g_new0(PglPgpMimeOpened, 1);
	opened->signatures = g_ptr_array_new_with_free_func((GDestroyNotify)mime_signature_free);
	opened->keys = g_ptr_array_new_with_free_func((GDestroyNotify)mime_key_free);
	if (!pgl_pgp_mime_classify(message, &opened->form, &opened->flags, error))
		return NULL;

	state.ctx = ctx;
	state.keyring = keyring;
	state.params = params;
	state.max = pgl_context_get_config(ctx)->message_max;
	state.opened = opened;
	normal = normalize_newlines(raw, FALSE);
	switch (opened->form) {
	case PGL_PGP_MIME_FORM_ENCRYPTED:
	case PGL_PGP_MIME_FORM_EXCHANGE:
		ok = open_encrypted(&state, g_mime_message_get_mime_part(message), opened->form,
				    error);
		opened->encryption = PGL_PGP_MIME_ENCRYPTION_WHOLE;
		break;
	case PGL_PGP_MIME_FORM_PLAIN:
	case PGL_PGP_MIME_FORM_SIGNED:
	case PGL_PGP_MIME_FORM_INLINE:
		ok = open_clear(&state, message, normal, error);
		opened->encryption = state.inline_encrypted == 0 ? PGL_PGP_MIME_ENCRYPTION_NONE
				     : state.inline_encrypted == 1 && state.inline_encrypted_whole
					     ? PGL_PGP_MIME_ENCRYPTION_WHOLE
					     : PGL_PGP_MIME_ENCRYPTION_PARTIAL;
		break;
	default:
		g_assert_not_reached();
	}
	if (!ok)
		return NULL;
	opened->signing = summarise_signing(opened->signatures);
	return g_steal_pointer(&opened);
}

/**
 * pgl_pgp_mime_opened_signed_by:
 * @opened: an opened message
 * @fingerprint: a primary key fingerprint (any case, spaces allowed)
 *
 * The one place where "signed by" is decided (STYLE.md §6, cf. notmuch): some signature covers
 * the whole content, its verdict is %PGL_PGP_VERDICT_GOOD (made by a key in the keyring that is
 * valid now, within the freshness window), and its signer's primary key is @fingerprint.
 * Whether @fingerprint is the sender's confirmed key is the caller's part.
 *
 * Returns: %TRUE if @opened is signed by @fingerprint
 */
gboolean
pgl_pgp_mime_opened_signed_by(const PglPgpMimeOpened *opened, const gchar *fingerprint)
{
	g_autofree gchar *wanted = NULL;

	g_return_val_if_fail(opened != NULL, FALSE);
	g_return_val_if_fail(fingerprint != NULL, FALSE);

	wanted = pgl_pgp_fingerprint_normalize(fingerprint);
	if (wanted == NULL)
		return FALSE;
	for (guint i = 0; i < opened->signatures->len; i++) {
		const PglPgpMimeSignature *signature = opened->signatures->pdata[i];

		if (signature->whole && signature->signature->verdict == PGL_PGP_VERDICT_GOOD &&
		    signature->signature->primary_fingerprint != NULL &&
		    g_str_equal(signature->signature->primary_fingerprint, wanted))
			return TRUE;
	}
	return FALSE;
}

/**
 * pgl_pgp_mime_opened_free:
 * @opened: (nullable) (transfer full): an opened message
 */
void
pgl_pgp_mime_opened_free(PglPgpMimeOpened *opened)
{
	if (opened == NULL)
		return;
	g_clear_object(&opened->entity);
	g_clear_pointer(&opened->entity_bytes, g_bytes_unref);
	g_clear_object(&opened->signed_entity);
	g_clear_pointer(&opened->signatures, g_ptr_array_unref);
	g_clear_pointer(&opened->keys, g_ptr_array_unref);
	g_free(opened->subject);
	g_free(opened->from);
	g_free(opened->to);
	g_free(opened->cc);
	g_free(opened->reply_to);
	g_free(opened->date);
	g_free(opened->recipient_key_id);
	g_free(opened->cipher);
	g_free(opened);
}

/* ---- outgoing -------------------------------------------------------------------------------- */

/* Header fields RFC 9788 protects that the list copies into the encrypted payload */
static const gchar *const protected_names[] = {
	"Subject", "From",	  "To",		"Cc", "Reply-To", "Date",
	"Message-ID", "In-Reply-To", "References", NULL,
};

static gboolean
is_protected_name(const gchar *name)
{
	for (guint i = 0; protected_names[i] != NULL; i++) {
		if (g_ascii_strcasecmp(name, protected_names[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Content-*, MIME-Version: the fields that describe the MIME structure (RFC 9788 §1.1) */
static gboolean
is_structural(const gchar *name)
{
	return g_ascii_strncasecmp(name, "Content-", 8) == 0 ||
	       g_ascii_strcasecmp(name, "MIME-Version") == 0;
}

/* Appends "Name: value" as the header holds it (folded; a value without a raw form is written
 * with its line breaks turned into spaces, so that it cannot add fields). */
static void
append_field(GString *out, GMimeHeader *header, const gchar *replacement)
{
	const gchar *raw = g_mime_header_get_raw_value(header);

	/* GMime's placeholders (a new message has Return-Path, Received, Reply-To, Sender, Cc...
	 * without a value, to order fields set later): not written, as GMime does not */
	if (replacement == NULL && raw == NULL && g_mime_header_get_value(header) == NULL)
		return;
	g_string_append(out, g_mime_header_get_raw_name(header));
	g_string_append_c(out, ':');
	if (replacement != NULL) {
		g_string_append_printf(out, " %s\n", replacement);
		return;
	}
	if (raw != NULL) {
		g_string_append(out, raw);
	} else {
		g_autofree gchar *value = g_strdup(g_mime_header_get_value(header));

		g_strdelimit(value, "\r\n", ' ');
		g_string_append_printf(out, " %s", value != NULL ? value : "");
	}
	if (out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
}

/* The outer header fields: every non-structural field of @message, the Subject replaced by
 * @subject if given; then MIME-Version. */
static void
append_outer_fields(GString *out, GMimeMessage *message, const gchar *subject)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list(GMIME_OBJECT(message));
	gint count = g_mime_header_list_get_count(headers);

	for (gint i = 0; i < count; i++) {
		GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);
		const gchar *name = g_mime_header_get_name(header);

		if (is_structural(name))
			continue;
		append_field(out, header,
			     subject != NULL && g_ascii_strcasecmp(name, "Subject") == 0 ? subject
											 : NULL);
	}
	g_string_append(out, "MIME-Version: 1.0\n");
}

/* "Content-Type:" of @entity with hp="cipher" and protected-headers="v1" (RFC 9788 §2.1 and
 * the legacy form Thunderbird and K-9 read), other parameters kept */
static gchar *
protected_content_type(GMimeObject *entity)
{
	GMimeContentType *type = g_mime_object_get_content_type(entity);
	g_autoptr(GMimeContentType) copy = NULL;
	GMimeParamList *params;
	gint count;

	copy = g_mime_content_type_new(type != NULL ? g_mime_content_type_get_media_type(type)
						    : "text",
				       type != NULL ? g_mime_content_type_get_media_subtype(type)
						    : "plain");
	params = type != NULL ? g_mime_content_type_get_parameters(type) : NULL;
	count = params != NULL ? g_mime_param_list_length(params) : 0;
	for (gint i = 0; i < count; i++) {
		GMimeParam *param = g_mime_param_list_get_parameter_at(params, i);
		const gchar *name = g_mime_param_get_name(param);

		if (g_ascii_strcasecmp(name, "hp") == 0 ||
		    g_ascii_strcasecmp(name, "protected-headers") == 0)
			continue;
		g_mime_content_type_set_parameter(copy, name, g_mime_param_get_value(param));
	}
	g_mime_content_type_set_parameter(copy, "hp", "cipher");
	g_mime_content_type_set_parameter(copy, "protected-headers", "v1");
	return g_mime_content_type_encode(copy, NULL);
}

/* Splits serialised entity @data at the blank line after its header block */
static void
split_header_block(const guint8 *data, gsize size, gsize *header_len_out, gsize *body_start_out)
{
	if (size > 0 && data[0] == '\n') {
		*header_len_out = 0;
		*body_start_out = 1;
		return;
	}
	for (gsize i = 0; i + 1 < size; i++) {
		if (data[i] == '\n' && data[i + 1] == '\n') {
			*header_len_out = i + 1;
			*body_start_out = i + 2;
			return;
		}
	}
	*header_len_out = size;
	*body_start_out = size;
}

/**
 * pgl_pgp_mime_build_payload:
 * @message: the post as the list sends it: its header fields are the outgoing ones (Subject
 *   with the list's prefix, From, To, List-*...), its body the entity to protect (the
 *   decrypted and decorated content, or a multipart/mixed around the poster's
 *   #PglPgpMimeOpened.signed_entity)
 *
 * Builds the cryptographic payload of RFC 9788: @message's body with, in its header block,
 * Content-Type parameters hp="cipher" and protected-headers="v1", copies of @message's
 * Subject, From, To, Cc, Reply-To, Date, Message-ID, In-Reply-To and References, and one
 * HP-Outer field for each non-structural field of the outer message that
 * pgl_pgp_mime_build_encrypted() writes (its Subject "[...]"). Build it once per post and
 * encrypt it per recipient or chunk. The body's bytes are written as GMime serialises it, so a
 * part built with the verbatim copy of a signed part stays byte for byte.
 *
 * Returns: (transfer full): the payload, LF line ends, in wiped memory
 */
GBytes *
pgl_pgp_mime_build_payload(GMimeMessage *message)
{
	GMimeObject *entity;
	GMimeHeaderList *headers;
	g_autoptr(GBytes) serialised = NULL;
	g_autofree gchar *content_type = NULL;
	const guint8 *data;
	GString *out;
	gsize size = 0;
	gsize header_len = 0;
	gsize body_start = 0;
	gsize pos = 0;
	gint count;

	g_return_val_if_fail(GMIME_IS_MESSAGE(message), NULL);
	entity = g_mime_message_get_mime_part(message);
	g_return_val_if_fail(entity != NULL, NULL);

	serialised = pgl_mail_object_to_bytes(entity);
	data = g_bytes_get_data(serialised, &size);
	split_header_block(data, size, &header_len, &body_start);
	out = g_string_sized_new(size + 2048);
	content_type = protected_content_type(entity);
	g_string_append_printf(out, "Content-Type:%s", content_type);
	if (out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');

	/* the entity's own fields but Content-Type and any protected copies it carried in */
	while (pos < header_len) {
		gsize end = pos;
		g_autofree gchar *name = NULL;
		const guint8 *colon;

		do {
			const guint8 *newline = memchr(data + end, '\n', header_len - end);

			end = newline != NULL ? (gsize)(newline - data) + 1 : header_len;
		} while (end < header_len && (data[end] == ' ' || data[end] == '\t'));
		colon = memchr(data + pos, ':', end - pos);
		name = g_strstrip(g_strndup((const gchar *)data + pos,
					    colon != NULL ? (gsize)(colon - data) - pos : 0));
		if (colon != NULL && g_ascii_strcasecmp(name, "Content-Type") != 0 &&
		    g_ascii_strcasecmp(name, "MIME-Version") != 0 &&
		    g_ascii_strcasecmp(name, "HP-Outer") != 0 && !is_protected_name(name))
			g_string_append_len(out, (const gchar *)data + pos, (gssize)(end - pos));
		pos = end;
	}

	headers = g_mime_object_get_header_list(GMIME_OBJECT(message));
	count = g_mime_header_list_get_count(headers);
	for (gint i = 0; i < count; i++) {
		GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);

		if (is_protected_name(g_mime_header_get_name(header)))
			append_field(out, header, NULL);
	}
	for (gint i = 0; i < count; i++) {
		GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);
		const gchar *name = g_mime_header_get_name(header);

		if (is_structural(name) || (g_mime_header_get_raw_value(header) == NULL &&
					    g_mime_header_get_value(header) == NULL))
			continue;
		g_string_append(out, "HP-Outer: ");
		append_field(out, header,
			     g_ascii_strcasecmp(name, "Subject") == 0 ? PGL_PGP_MIME_OUTER_SUBJECT
								      : NULL);
	}
	g_string_append_c(out, '\n');
	if (body_start < size)
		g_string_append_len(out, (const gchar *)data + body_start,
				    (gssize)(size - body_start));
	return secret_bytes_from_string(out);
}

/* A boundary that occurs nowhere in @content */
static gchar *
make_boundary(GBytes *content)
{
	gsize size = 0;
	const gchar *data = g_bytes_get_data(content, &size);

	for (;;) {
		g_autofree gchar *uuid = g_uuid_string_random();
		gchar *boundary = g_strdup_printf("=-pgl-%s", uuid);

		if (size == 0 || memmem(data, size, boundary, strlen(boundary)) == NULL)
			return boundary;
		g_free(boundary);
	}
}

/* @armored with LF line ends, appended */
static void
append_lf(GString *out, GBytes *text)
{
	gsize size = 0;
	const gchar *data = g_bytes_get_data(text, &size);

	for (gsize i = 0; i < size; i++) {
		if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')
			continue;
		g_string_append_c(out, data[i]);
	}
	if (out->len > 0 && out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
}

/**
 * pgl_pgp_mime_build_encrypted:
 * @keyring: the list's secret key and the recipients' public keys
 * @signer_fingerprint: (nullable): the list key that signs inside the encryption (RFC 3156
 *   §6.2); %NULL for an unsigned copy
 * @recipient_fingerprints: (array zero-terminated=1): the recipients' primary keys: one, or a
 *   chunk sharing one session key
 * @message: the post as the list sends it (see pgl_pgp_mime_build_payload()); its header fields
 *   become the outer ones, Subject replaced by "[...]"
 * @payload: (nullable): pgl_pgp_mime_build_payload() of @message, to build once per post;
 *   %NULL to build it here
 * @flags: %PGL_PGP_ENCRYPT_HIDE_RECIPIENTS for a chunk of several recipients; the output is
 *   always armored
 * @error: return location for a #GError
 *
 * Builds one PGP/MIME encrypted copy (RFC 3156 §4): multipart/encrypted with the "Version: 1"
 * control part and the armored OpenPGP message of @payload in canonical (CRLF) form, signed
 * and encrypted at once (§6.2: GnuPG, Thunderbird and Mutt read it), with @message's header
 * fields outside and the real Subject only inside.
 *
 * Returns: (transfer full) (nullable): the message, LF line ends (the SMTP client sends CRLF),
 *   or %NULL with @error set as pgl_pgp_encrypt() does
 */
GBytes *
pgl_pgp_mime_build_encrypted(PglPgpKeyring *keyring, const gchar *signer_fingerprint,
			     const gchar *const *recipient_fingerprints, GMimeMessage *message,
			     GBytes *payload, PglPgpEncryptFlags flags, GError **error)
{
	g_autoptr(GBytes) own_payload = NULL;
	g_autoptr(GBytes) canonical = NULL;
	g_autoptr(GBytes) armored = NULL;
	g_autofree gchar *boundary = NULL;
	GString *out;

	g_return_val_if_fail(keyring != NULL, NULL);
	g_return_val_if_fail(recipient_fingerprints != NULL && recipient_fingerprints[0] != NULL,
			     NULL);
	g_return_val_if_fail(GMIME_IS_MESSAGE(message), NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (payload == NULL)
		payload = own_payload = pgl_pgp_mime_build_payload(message);
	canonical = to_crlf(g_bytes_get_data(payload, NULL), g_bytes_get_size(payload), TRUE);
	armored = pgl_pgp_encrypt(keyring, signer_fingerprint, recipient_fingerprints, canonical,
				  flags | PGL_PGP_ENCRYPT_ARMOR, error);
	if (armored == NULL)
		return NULL;
	boundary = make_boundary(armored);

	out = g_string_sized_new(g_bytes_get_size(armored) + 4096);
	append_outer_fields(out, message, PGL_PGP_MIME_OUTER_SUBJECT);
	g_string_append_printf(out,
			       "Content-Type: multipart/encrypted;\n"
			       " protocol=\"application/pgp-encrypted\";\n"
			       " boundary=\"%s\"\n"
			       "\n"
			       "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\n"
			       "--%s\n"
			       "Content-Type: application/pgp-encrypted\n"
			       "Content-Description: PGP/MIME version identification\n"
			       "\n"
			       "Version: 1\n"
			       "\n"
			       "--%s\n"
			       "Content-Type: application/octet-stream; name=\"encrypted.asc\"\n"
			       "Content-Description: OpenPGP encrypted message\n"
			       "Content-Disposition: inline; filename=\"encrypted.asc\"\n"
			       "\n",
			       boundary, boundary, boundary);
	append_lf(out, armored);
	g_string_append_printf(out, "\n--%s--\n", boundary);
	return g_string_free_to_bytes(out);
}

/**
 * pgl_pgp_mime_build_signed:
 * @keyring: a keyring holding the signer's secret key
 * @signer_fingerprint: the list key
 * @message: the message to sign (a notice); its body is re-encoded in place where needed so
 *   that it survives 7-bit transport unchanged (quoted-printable or base64, RFC 3156 §3)
 * @error: return location for a #GError
 *
 * Builds the PGP/MIME signed form (RFC 3156 §5) of @message: @message's header fields, then a
 * multipart/signed (micalg %PGL_PGP_SIGN_MICALG) of its body, byte for byte as serialised, and a
 * detached signature over exactly those bytes in canonical CRLF form.
 *
 * Returns: (transfer full) (nullable): the message, LF line ends, or %NULL with @error set as
 *   pgl_pgp_sign_detached() does
 */
GBytes *
pgl_pgp_mime_build_signed(PglPgpKeyring *keyring, const gchar *signer_fingerprint,
			  GMimeMessage *message, GError **error)
{
	GMimeObject *entity;
	g_autoptr(GBytes) serialised = NULL;
	g_autoptr(GBytes) canonical = NULL;
	g_autoptr(GBytes) signature = NULL;
	g_autofree gchar *boundary = NULL;
	GString *out;
	gsize size = 0;
	const gchar *data;

	g_return_val_if_fail(keyring != NULL, NULL);
	g_return_val_if_fail(signer_fingerprint != NULL, NULL);
	g_return_val_if_fail(GMIME_IS_MESSAGE(message), NULL);
	entity = g_mime_message_get_mime_part(message);
	g_return_val_if_fail(entity != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	g_mime_object_encode(entity, GMIME_ENCODING_CONSTRAINT_7BIT);
	serialised = pgl_mail_object_to_bytes(entity);
	data = g_bytes_get_data(serialised, &size);
	canonical = to_crlf((const guint8 *)data, size, FALSE);
	signature = pgl_pgp_sign_detached(keyring, signer_fingerprint, canonical, TRUE, error);
	if (signature == NULL)
		return NULL;
	boundary = make_boundary(serialised);

	out = g_string_sized_new(size + g_bytes_get_size(signature) + 4096);
	append_outer_fields(out, message, NULL);
	g_string_append_printf(out,
			       "Content-Type: multipart/signed; micalg=\"%s\";\n"
			       " protocol=\"application/pgp-signature\";\n"
			       " boundary=\"%s\"\n"
			       "\n"
			       "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\n"
			       "--%s\n",
			       PGL_PGP_SIGN_MICALG, boundary, boundary);
	g_string_append_len(out, data, (gssize)size);
	g_string_append_printf(out,
			       "\n--%s\n"
			       "Content-Type: application/pgp-signature; name=\"signature.asc\"\n"
			       "Content-Description: OpenPGP digital signature\n"
			       "Content-Disposition: attachment; filename=\"signature.asc\"\n"
			       "\n",
			       boundary);
	append_lf(out, signature);
	g_string_append_printf(out, "\n--%s--\n", boundary);
	return g_string_free_to_bytes(out);
}
