/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opening a post to a PGP list (see the header). What counts, as the issue and mailman-pgp
 * have it:
 *
 * - encrypted: the whole content came out of one decryption with the list key (PGP/MIME, or
 *   one inline block with nothing else around it);
 * - signed: a signature over the whole content (a multipart/signed at the top or right inside
 *   the encryption, a signature inside the OpenPGP message, an inline signature over the only
 *   text) made by the key bound to the sender's address (From:) and confirmed. A signature over
 *   part of the message never counts. Of several whole signatures the best one decides: good,
 *   then expired, revoked, invalid;
 * - protected header fields (RFC 9788) are what the author wrote: the inner Subject replaces
 *   the outer one (which is "[...]" from careful clients), and an inner From: that names
 *   another address than the outer one makes the signature invalid (someone re-sending a
 *   signed post under their own name, or the other way round);
 * - the author is the single From: mailbox (a From: with several, where Sender: would speak,
 *   or none, makes the signature invalid): pgl_mail_sender()'s fallbacks do not apply here;
 * - replay: every whole signature's digest is looked up in the list's record; one seen on
 *   another post marks the post as replayed, and so do signed To:/Cc: fields (protected
 *   headers under a good signature) that do not name the list: a post signed for another
 *   list sent to this one.
 *
 * The message built for the chain keeps the outer header fields (routing, Message-ID, the
 * List-* headers of other lists...) and gets the decrypted content as its body: with
 * strip_original_sig false, the poster's multipart/signed as received, byte for byte, so that
 * recipients can check the author's signature; otherwise the signed content alone.
 *
 * The detail line says what was found in terms that carry no plaintext: the form, the
 * fingerprints and the verdicts. It goes to logs, the audit table and notices.
 */
#define G_LOG_DOMAIN "pgl-app"

#include "app/pgl-pgp-post.h"

#include "core/pgl-address.h"
#include "mail/pgl-mail-headers.h"
#include "pgp/pgl-pgp-mime.h"

#include <string.h>

typedef struct {
	gchar *digest;
	gchar *fingerprint;
	gint64 time;
} Digest;

static void
digest_free(Digest *digest)
{
	g_free(digest->digest);
	g_free(digest->fingerprint);
	g_free(digest);
}

void
pgl_pgp_post_free(PglPgpPost *post)
{
	if (post == NULL)
		return;
	g_free(post->refusal);
	g_clear_object(&post->message);
	g_clear_pointer(&post->pgp, pgl_posting_pgp_free);
	g_clear_pointer(&post->digests, g_ptr_array_unref);
	g_free(post);
}

/**
 * pgl_pgp_post_signature_window:
 *
 * Returns: the freshness window of @list: its signature_window, or the site's [pgp]
 *   signature_window if that is 0 or larger (digests are kept only that long, so a longer
 *   window would let a replay through)
 */
guint64
pgl_pgp_post_signature_window(PglContext *ctx, const PglList *list)
{
	guint64 site = pgl_context_get_config(ctx)->pgp_signature_window;
	guint64 own = pgl_list_get_uint(list, "signature_window");

	return own == 0 || own > site ? site : own;
}

/* Ranks of PglPostingSignature when several whole signatures compete: lower wins. */
static guint
rank(PglPostingSignature verdict)
{
	switch (verdict) {
	case PGL_POSTING_SIGNATURE_GOOD:
		return 0;
	case PGL_POSTING_SIGNATURE_EXPIRED:
		return 1;
	case PGL_POSTING_SIGNATURE_REVOKED:
		return 2;
	case PGL_POSTING_SIGNATURE_INVALID:
		return 3;
	case PGL_POSTING_SIGNATURE_UNSIGNED:
	default:
		return 4;
	}
}

/* One whole signature, judged against the sender's key. */
static PglPostingSignature
judge(const PglPgpSignature *signature, const gchar *sender_fingerprint, gboolean confirmed,
      GString *detail)
{
	const gchar *primary = signature->primary_fingerprint;

	if (primary == NULL) {
		g_string_append_printf(detail, "by unknown key %s",
				       signature->key_id ? signature->key_id : "(none)");
		return PGL_POSTING_SIGNATURE_INVALID;
	}
	if (sender_fingerprint == NULL || g_ascii_strcasecmp(primary, sender_fingerprint) != 0) {
		g_string_append_printf(detail, "by %s, which is not the sender's key", primary);
		return PGL_POSTING_SIGNATURE_INVALID;
	}
	g_string_append_printf(detail, "by %s: %s", primary,
			       pgl_pgp_verdict_to_string(signature->verdict));
	if (!confirmed) {
		g_string_append(detail, ", key not confirmed");
		return PGL_POSTING_SIGNATURE_INVALID;
	}
	switch (signature->verdict) {
	case PGL_PGP_VERDICT_GOOD:
		return PGL_POSTING_SIGNATURE_GOOD;
	case PGL_PGP_VERDICT_EXPIRED_KEY:
	case PGL_PGP_VERDICT_TOO_OLD:
	case PGL_PGP_VERDICT_EXPIRED_SIGNATURE:
		return PGL_POSTING_SIGNATURE_EXPIRED;
	case PGL_PGP_VERDICT_REVOKED:
		return PGL_POSTING_SIGNATURE_REVOKED;
	case PGL_PGP_VERDICT_UNKNOWN_KEY:
	case PGL_PGP_VERDICT_BAD:
	default:
		return PGL_POSTING_SIGNATURE_INVALID;
	}
}

/* The addr-spec of the first mailbox in @field, normalised; %NULL if none. */
static gchar *
first_address(const gchar *field)
{
	g_autoptr(InternetAddressList) list = internet_address_list_parse(NULL, field);

	for (int i = 0; list != NULL && i < internet_address_list_length(list); i++) {
		InternetAddress *address = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(address))
			return pgl_address_normalize(
				internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)),
				NULL);
	}
	return NULL;
}

/* The one mailbox of @message's From:, normalised; %NULL if From: has none or several (then a
 * Sender: would speak for them, and a signature must be bound to the author, not a sender). */
static gchar *
single_from(GMimeMessage *message)
{
	InternetAddressList *from = g_mime_message_get_from(message);
	InternetAddress *address;

	if (from == NULL || internet_address_list_length(from) != 1)
		return NULL;
	address = internet_address_list_get_address(from, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(address))
		return NULL;
	return pgl_address_normalize(
		internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)), NULL);
}

/* Whether the signed To: or Cc: (@to, @cc, either may be %NULL) name @list or one of its
 * acceptable_aliases. */
static gboolean
names_list(const PglList *list, const gchar *to, const gchar *cc)
{
	g_auto(GStrv) aliases = pgl_list_get_patterns(list, "acceptable_aliases");
	const gchar *fields[] = {to, cc};

	for (guint f = 0; f < G_N_ELEMENTS(fields); f++) {
		g_autoptr(InternetAddressList) addresses = NULL;

		if (fields[f] == NULL)
			continue;
		addresses = internet_address_list_parse(NULL, fields[f]);
		if (addresses == NULL)
			continue;
		if (pgl_mail_address_list_contains(addresses, list->address))
			return TRUE;
		for (guint i = 0; aliases[i] != NULL; i++) {
			if (aliases[i][0] != '^' &&
			    pgl_mail_address_list_contains(addresses, aliases[i]))
				return TRUE;
		}
	}
	return FALSE;
}

static const gchar *
form_text(const PglPgpMimeOpened *opened)
{
	switch (opened->encryption) {
	case PGL_PGP_MIME_ENCRYPTION_WHOLE:
		return opened->form == PGL_PGP_MIME_FORM_INLINE ? "inline PGP, encrypted"
								: "PGP/MIME, encrypted";
	case PGL_PGP_MIME_ENCRYPTION_PARTIAL:
		return "inline PGP, partly encrypted";
	case PGL_PGP_MIME_ENCRYPTION_NONE:
	default:
		return opened->form == PGL_PGP_MIME_FORM_INLINE ? "inline PGP, not encrypted"
								: "not encrypted";
	}
}

/* Judges the signatures of @opened into @pgp. */
static void
judge_signatures(PglPostingPgp *pgp, const PglPgpMimeOpened *opened,
		 const gchar *sender_fingerprint, GString *detail)
{
	gboolean partial = FALSE;
	guint whole = 0;

	pgp->signature = PGL_POSTING_SIGNATURE_UNSIGNED;
	for (guint i = 0; i < opened->signatures->len; i++) {
		const PglPgpMimeSignature *found = opened->signatures->pdata[i];
		g_autoptr(GString) one = g_string_new(NULL);
		PglPostingSignature verdict;

		if (!found->whole) {
			partial = TRUE;
			continue;
		}
		whole++;
		verdict = judge(found->signature, sender_fingerprint, pgp->sender_key_confirmed,
				one);
		g_string_append_printf(detail, "; signature (%s) %s",
				       pgl_pgp_mime_signing_to_string(opened->signing), one->str);
		if (rank(verdict) < rank(pgp->signature))
			pgp->signature = verdict;
	}
	if (whole == 0)
		g_string_append(detail, partial ? "; signed in part only" : "; not signed");
}

/**
 * pgl_pgp_post_open:
 * @ctx: the context
 * @store: a store (the sender's key, the replay record)
 * @crypto: the list's keys
 * @list: the PGP list posted to
 * @raw: the message as received
 * @outer: @raw parsed; a reference is taken and the message is rewritten (body, Subject)
 * @sender: (nullable): pgl_mail_sender() of @outer
 * @origin: the spool id of the post (a record of its own digests is no replay)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the opened post (possibly with a refusal), or %NULL
 *   with @error set when the store failed (%PGL_STORE_ERROR_*; a passing condition)
 */
PglPgpPost *
pgl_pgp_post_open(PglContext *ctx, PglStore *store, PglListCrypto *crypto, const PglList *list,
		  GBytes *raw, GMimeMessage *outer, const gchar *sender, const gchar *origin,
		  GError **error)
{
	g_autoptr(PglPgpPost) post = g_new0(PglPgpPost, 1);
	g_autoptr(PglPgpMimeOpened) opened = NULL;
	g_autoptr(GError) open_error = NULL;
	g_autoptr(GString) detail = g_string_new(NULL);
	g_autofree gchar *sender_fingerprint = NULL;
	g_autofree gchar *author = NULL;
	PglAddressKeyState state = PGL_ADDRESS_KEY_NONE;
	PglPgpVerifyParams params = {
		.now = pgl_context_now(ctx),
		.window = pgl_pgp_post_signature_window(ctx, list),
	};
	PglPostingPgp *pgp;
	GMimeObject *body;

	post->digests = g_ptr_array_new_with_free_func((GDestroyNotify)digest_free);
	/* the key that counts is the one bound to the author, the single From: mailbox (which
	 * is then also the sender the rules see) */
	author = single_from(outer);
	if (author != NULL && g_strcmp0(author, sender) != 0)
		g_clear_pointer(&author, g_free);
	if (sender != NULL && !pgl_list_crypto_load_address(crypto, store, sender, &state,
							    &sender_fingerprint, error))
		return NULL;
	opened = pgl_pgp_mime_open(ctx, pgl_list_crypto_get_keyring(crypto), raw, &params,
				   &open_error);
	if (opened == NULL) {
		post->refusal = g_strdup_printf("The message could not be decrypted or read: %s",
						open_error->message);
		return g_steal_pointer(&post);
	}
	if (opened->secret_key_attached) {
		post->refusal = g_strdup("The message contains a SECRET OpenPGP key. It was not "
					 "passed on; consider that key compromised, and attach only "
					 "public keys");
		return g_steal_pointer(&post);
	}

	pgp = post->pgp = g_new0(PglPostingPgp, 1);
	pgp->encrypted = opened->encryption == PGL_PGP_MIME_ENCRYPTION_WHOLE;
	pgp->inline_pgp = opened->form == PGL_PGP_MIME_FORM_INLINE ||
			  opened->signing == PGL_PGP_MIME_SIGNING_INLINE;
	pgp->sender_has_key = state != PGL_ADDRESS_KEY_NONE;
	pgp->sender_key_confirmed =
		state == PGL_ADDRESS_KEY_USABLE || state == PGL_ADDRESS_KEY_UNUSABLE;
	pgp->list_fingerprint = g_strdup(pgl_list_crypto_get_fingerprint(crypto));
	g_string_append(detail, form_text(opened));
	judge_signatures(pgp, opened, sender_fingerprint, detail);

	if (author == NULL && pgp->signature != PGL_POSTING_SIGNATURE_UNSIGNED) {
		g_string_append(detail, "; From: does not name exactly one author");
		pgp->signature = PGL_POSTING_SIGNATURE_INVALID;
	}
	if (opened->from != NULL) {
		g_autofree gchar *inner = first_address(opened->from);

		if (inner == NULL || g_strcmp0(inner, author) != 0) {
			g_string_append_printf(detail,
					       "; the From: inside the encryption is not %s",
					       author ? author : "the sender");
			pgp->signature = PGL_POSTING_SIGNATURE_INVALID;
		}
	}
	/* a signed post addressed to another list is not for this one: taken from there and
	 * sent here, it is a replay (only posts whose To:/Cc: travel inside the signature can
	 * show it; the digest record is per list) */
	if (pgp->signature == PGL_POSTING_SIGNATURE_GOOD &&
	    (opened->to != NULL || opened->cc != NULL) && !names_list(list, opened->to, opened->cc)) {
		g_string_append(detail, "; the signed To:/Cc: do not name this list");
		pgp->replayed = TRUE;
	}

	/* signatures over the whole content only: a post may quote (or carry as an attachment)
	 * an earlier signed post, which does not make it a replay of that one */
	for (guint i = 0; i < opened->signatures->len; i++) {
		const PglPgpMimeSignature *found = opened->signatures->pdata[i];
		const PglPgpSignature *signature = found->signature;
		Digest *digest;
		gboolean seen = FALSE;

		if (!found->whole || signature->replay_digest == NULL)
			continue;
		if (!pgl_store_signature_digest_seen(store, list->id, signature->replay_digest,
						     origin, &seen, error))
			return NULL;
		if (seen && !pgp->replayed) {
			pgp->replayed = TRUE;
			g_string_append(detail, "; signature seen before");
		}
		digest = g_new0(Digest, 1);
		digest->digest = g_strdup(signature->replay_digest);
		digest->fingerprint = g_strdup(signature->primary_fingerprint
						       ? signature->primary_fingerprint
						       : (signature->key_id ? signature->key_id : ""));
		digest->time = signature->created;
		g_ptr_array_add(post->digests, digest);
	}
	pgp->detail = g_string_free(g_steal_pointer(&detail), FALSE);

	body = !pgl_list_get_bool(list, "strip_original_sig") && opened->signed_entity != NULL
		       ? opened->signed_entity
		       : opened->entity;
	post->message = g_object_ref(outer);
	g_mime_message_set_mime_part(post->message, body);
	if (opened->subject != NULL)
		g_mime_message_set_subject(post->message, opened->subject, "utf-8");
	return g_steal_pointer(&post);
}

/**
 * pgl_pgp_post_record_digests:
 * @origin: the spool id of the post
 *
 * Records the post's signature digests in the list's replay record (a post accepted or held).
 * Recording them again for the same @origin is harmless.
 *
 * Returns: %TRUE, or %FALSE with @error set (%PGL_STORE_ERROR_EXISTS: another post with one of
 *   these signatures got there first)
 */
gboolean
pgl_pgp_post_record_digests(PglStore *store, const PglList *list, PglPgpPost *post,
			    const gchar *origin, GError **error)
{
	for (guint i = 0; i < post->digests->len; i++) {
		const Digest *digest = post->digests->pdata[i];

		if (!pgl_store_signature_digest_add(store, list->id, digest->digest,
						    digest->fingerprint, digest->time, origin,
						    error))
			return FALSE;
	}
	return TRUE;
}

/**
 * pgl_pgp_post_list_headers:
 * @crypto: the list's keys
 * @list: the list
 *
 * Returns: (transfer full): what the pgp-headers handler needs: the list's Autocrypt: header
 *   value (none if the key cannot be exported for Autocrypt; logged) and its fingerprint
 */
PglPostingPgp *
pgl_pgp_post_list_headers(PglListCrypto *crypto, const PglList *list)
{
	PglPostingPgp *pgp = g_new0(PglPostingPgp, 1);
	const gchar *fingerprint = pgl_list_crypto_get_fingerprint(crypto);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) key = NULL;

	pgp->list_fingerprint = g_strdup(fingerprint);
	key = pgl_pgp_keyring_export_autocrypt(pgl_list_crypto_get_keyring(crypto), fingerprint,
					       list->address, &error);
	if (key == NULL) {
		g_warning("list=%s no Autocrypt header: %s", list->address, error->message);
		return pgp;
	}
	{
		g_autofree gchar *base64 = g_base64_encode(g_bytes_get_data(key, NULL),
							   g_bytes_get_size(key));
		g_autoptr(GString) value = g_string_new(NULL);
		gsize length = strlen(base64);

		/* white space in keydata is ignored (Autocrypt Level 1 §2.1): it lets the
		 * header be folded */
		g_string_append_printf(value, "addr=%s; prefer-encrypt=mutual; keydata=",
				       list->address);
		for (gsize i = 0; i < length; i += 72) {
			if (i > 0)
				g_string_append_c(value, ' ');
			g_string_append_len(value, base64 + i, (gssize)MIN(72, length - i));
		}
		pgp->autocrypt = g_string_free(g_steal_pointer(&value), FALSE);
	}
	return pgp;
}
