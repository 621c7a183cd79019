/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OpenPGP in mail, on top of the engine: PGP/MIME (RFC 3156) and inline PGP (RFC 4880 §6.2
 * armor, §7 cleartext signatures).
 *
 * Incoming: pgl_pgp_mime_classify() says what protection a parsed message claims;
 * pgl_pgp_mime_open() takes the message as received, decrypts it with the list's key, checks
 * every signature over the exact bytes it covers, says for each signature whether it covers the
 * whole content or only a part, extracts attached keys, and reads the protected header fields
 * (RFC 9788, and the older "protected-headers=v1" forms). Outgoing: the PGP/MIME encrypted copy
 * for one recipient or a chunk (§4, signed inside the encryption, §6.2, with the real Subject
 * only inside) and the PGP/MIME signed form (§5) for notices to people without a key.
 *
 * Pure functions: bytes and GMime objects in, results out; no store, no I/O. g_mime_init() must
 * have been called. Errors: what is wrong with OpenPGP data (cannot decrypt, broken armor) is a
 * PGL_PGP_ERROR; a MIME structure we refuse to interpret (RFC 3156 structures with the wrong
 * number or kind of parts, a wrong protocol parameter, encryption nested in encryption or below
 * the top level) is PGL_MAIL_ERROR_AMBIGUOUS, decrypted content that is not MIME is
 * PGL_MAIL_ERROR_PARSE, and the limits of the configuration apply to decrypted content as to any
 * message (PGL_MAIL_ERROR_LIMIT).
 */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"
#include "mail/pgl-mail-autoptr.h"
#include "pgp/pgl-pgp-encrypt.h"
#include "pgp/pgl-pgp-key.h"
#include "pgp/pgl-pgp-keyring.h"
#include "pgp/pgl-pgp-signature.h"

G_BEGIN_DECLS

/* The outer Subject of an encrypted copy whose real Subject travels inside (RFC 9788 §4.1) */
#define PGL_PGP_MIME_OUTER_SUBJECT "[...]"

/**
 * PglPgpMimeForm:
 * @PGL_PGP_MIME_FORM_PLAIN: no OpenPGP protection at the top level (the flags may still report
 *   signed parts or keys further down)
 * @PGL_PGP_MIME_FORM_ENCRYPTED: multipart/encrypted at the top level (RFC 3156 §4)
 * @PGL_PGP_MIME_FORM_EXCHANGE: PGP/MIME encrypted mail that Microsoft Exchange turned into
 *   multipart/mixed (an empty text/plain part, the application/pgp-encrypted "Version: 1" part,
 *   the application/octet-stream ciphertext); read as multipart/encrypted, as Schleuder does
 * @PGL_PGP_MIME_FORM_SIGNED: multipart/signed at the top level (RFC 3156 §5)
 * @PGL_PGP_MIME_FORM_INLINE: armored OpenPGP messages or cleartext signatures in text/plain
 *   parts (also inside multipart/mixed or multipart/alternative)
 *
 * What protection a message claims at its top level.
 */
typedef enum {
	PGL_PGP_MIME_FORM_PLAIN,
	PGL_PGP_MIME_FORM_ENCRYPTED,
	PGL_PGP_MIME_FORM_EXCHANGE,
	PGL_PGP_MIME_FORM_SIGNED,
	PGL_PGP_MIME_FORM_INLINE,
} PglPgpMimeForm;

/**
 * PglPgpMimeFlags:
 * @PGL_PGP_MIME_FLAG_NONE: nothing else
 * @PGL_PGP_MIME_FLAG_INLINE_MESSAGE: a text/plain part holds a "-----BEGIN PGP MESSAGE-----"
 *   block (encrypted, or signed as an OpenPGP message)
 * @PGL_PGP_MIME_FLAG_INLINE_SIGNED: a text/plain part holds a cleartext signature ("-----BEGIN
 *   PGP SIGNED MESSAGE-----")
 * @PGL_PGP_MIME_FLAG_NESTED_SIGNED: a multipart/signed below the top level (its signature can
 *   only cover part of the message)
 * @PGL_PGP_MIME_FLAG_KEYS: an application/pgp-keys part or an armored public key block outside
 *   any encryption
 *
 * What else pgl_pgp_mime_classify() saw, outside any encryption.
 */
typedef enum {
	PGL_PGP_MIME_FLAG_NONE = 0,
	PGL_PGP_MIME_FLAG_INLINE_MESSAGE = 1 << 0,
	PGL_PGP_MIME_FLAG_INLINE_SIGNED = 1 << 1,
	PGL_PGP_MIME_FLAG_NESTED_SIGNED = 1 << 2,
	PGL_PGP_MIME_FLAG_KEYS = 1 << 3,
} PglPgpMimeFlags;

/**
 * PglPgpMimeEncryption:
 * @PGL_PGP_MIME_ENCRYPTION_NONE: nothing was encrypted
 * @PGL_PGP_MIME_ENCRYPTION_WHOLE: the whole content came out of one decryption (PGP/MIME, or
 *   one inline block with nothing but white space around it)
 * @PGL_PGP_MIME_ENCRYPTION_PARTIAL: inline blocks were encrypted, but there is other content
 *   that was not (text around a block, other parts, several blocks)
 *
 * How much of an incoming message was encrypted.
 */
typedef enum {
	PGL_PGP_MIME_ENCRYPTION_NONE,
	PGL_PGP_MIME_ENCRYPTION_WHOLE,
	PGL_PGP_MIME_ENCRYPTION_PARTIAL,
} PglPgpMimeEncryption;

/**
 * PglPgpMimeSigning:
 * @PGL_PGP_MIME_SIGNING_NONE: no signature at all
 * @PGL_PGP_MIME_SIGNING_PARTIAL: signatures, but none covers the whole content
 * @PGL_PGP_MIME_SIGNING_DETACHED: multipart/signed over the whole content, not encrypted (§5)
 * @PGL_PGP_MIME_SIGNING_ENCAPSULATED: signed, then encrypted: the decrypted content is
 *   multipart/signed (§6.1, as KMail sends)
 * @PGL_PGP_MIME_SIGNING_COMBINED: the signature is inside the OpenPGP message with the
 *   encrypted content (§6.2, as Thunderbird, GnuPG and Mutt send)
 * @PGL_PGP_MIME_SIGNING_INLINE: an inline signature (cleartext, or a signed armored message,
 *   encrypted or not) over the whole content
 *
 * How the content of an incoming message was signed as a whole (when several apply, the first
 * of COMBINED, ENCAPSULATED, DETACHED, INLINE). Says nothing about the verdicts: those are in
 * the #PglPgpMimeSignature list.
 */
typedef enum {
	PGL_PGP_MIME_SIGNING_NONE,
	PGL_PGP_MIME_SIGNING_PARTIAL,
	PGL_PGP_MIME_SIGNING_DETACHED,
	PGL_PGP_MIME_SIGNING_ENCAPSULATED,
	PGL_PGP_MIME_SIGNING_COMBINED,
	PGL_PGP_MIME_SIGNING_INLINE,
} PglPgpMimeSigning;

/**
 * PglPgpMimeSignatureKind:
 * @PGL_PGP_MIME_SIGNATURE_DETACHED: from a multipart/signed (§5; inside the encryption: §6.1)
 * @PGL_PGP_MIME_SIGNATURE_COMBINED: inside the OpenPGP message of a multipart/encrypted (§6.2)
 * @PGL_PGP_MIME_SIGNATURE_INLINE: from an inline block (cleartext signature, or a signed
 *   armored message, encrypted or not)
 *
 * Where one signature was found.
 */
typedef enum {
	PGL_PGP_MIME_SIGNATURE_DETACHED,
	PGL_PGP_MIME_SIGNATURE_COMBINED,
	PGL_PGP_MIME_SIGNATURE_INLINE,
} PglPgpMimeSignatureKind;

/**
 * PglPgpMimeSignature:
 *
 * One signature of an incoming message, with what it covers. Only a signature with @whole set
 * can make a message "signed by" anyone (pgl_pgp_mime_opened_signed_by()).
 */
typedef struct {
	PglPgpSignature *signature;   /* (owned) verdict, signer, replay digest; a signature part
					 that holds no readable signature is reported as one
					 %PGL_PGP_VERDICT_BAD signature without a signer */
	PglPgpMimeSignatureKind kind;
	gboolean whole;		      /* covers the whole content of the message; %FALSE: only
					 the part at @location (other parts or text are not
					 covered) */
	gboolean encrypted;	      /* was inside the encryption */
	gchar *location;	      /* (owned) where, for logs and notices: "body", "part 1.2",
					 "decrypted body", "decrypted part 2, inline block 1" */
} PglPgpMimeSignature;

/**
 * PglPgpMimeKey:
 *
 * A key (or revocation certificate) attached to an incoming message: an application/pgp-keys
 * part, an armored public key block in a text part, or any other attachment that holds a
 * public key (Mutt attaches binary keys as application/pgp-encrypted). Nothing is checked: pass
 * @data to pgl_pgp_key_validate() or pgl_pgp_key_add_revocation(). Secret keys are never
 * returned (see #PglPgpMimeOpened.secret_key_attached).
 */
typedef struct {
	GBytes *data;		 /* (owned) as attached (transfer encoding removed), armored
				    (white space at line ends removed) or binary */
	PglPgpContents contents; /* pgl_pgp_guess_contents(): %PGL_PGP_CONTENTS_PUBLIC_KEY,
				    %PGL_PGP_CONTENTS_SIGNATURE (a revocation certificate),
				    or %PGL_PGP_CONTENTS_UNKNOWN for an unreadable
				    application/pgp-keys part */
	gboolean encrypted;	 /* came from inside the encryption */
	gchar *location;	 /* (owned) as in #PglPgpMimeSignature */
} PglPgpMimeKey;

/**
 * PglPgpMimeOpened:
 *
 * An incoming message opened by pgl_pgp_mime_open(): its content with every protection removed,
 * and everything known about that protection.
 *
 * @entity is what the list distributes when the poster's signature is stripped: for PGP/MIME
 * encrypted mail the decrypted MIME entity, without its multipart/signed wrapper if it was
 * signed then encrypted (§6.1); for multipart/signed mail the signed part; for inline PGP the
 * message body with every armored block that could be opened replaced by its text (in UTF-8);
 * otherwise the body as it is. @signed_entity is the poster's multipart/signed, byte for byte,
 * for lists that keep the original signature (strip_original_sig false): put it (or a
 * multipart/mixed holding it) as the body of the message given to pgl_pgp_mime_build_payload().
 */
typedef struct {
	PglPgpMimeForm form;
	PglPgpMimeFlags flags;		  /* as pgl_pgp_mime_classify() saw the outer message */
	PglPgpMimeEncryption encryption;
	PglPgpMimeSigning signing;
	GMimeObject *entity;		  /* (owned) the content, protection removed */
	GBytes *entity_bytes;		  /* (owned) @entity's bytes (its header fields, a blank
					     line, its body), LF line ends: exactly as received or
					     decrypted (for a signed part, the bytes that were
					     verified, before LF to CRLF), or GMime's serialisation
					     where inline blocks were replaced; in wiped memory
					     when anything in it came out of a decryption */
	GMimeObject *signed_entity;	  /* (owned) (nullable) the poster's multipart/signed (§5 or
					     §6.1) as a part that GMime writes back verbatim */
	GPtrArray *signatures;		  /* (owned) (element-type PglPgpMimeSignature) all
					     signatures, in the order of the message */
	GPtrArray *keys;		  /* (owned) (element-type PglPgpMimeKey) */
	gboolean secret_key_attached;	  /* a part or block held a SECRET key: it is not
					     returned; tell the sender, never pass it on */
	/* Protected header fields (RFC 9788 §2): those in the header block of the protected
	 * entity (the decrypted content, or the signed part of a multipart/signed at its top),
	 * marked hp="cipher"/"clear" or protected-headers="v1" or, as Mutt writes them, not
	 * marked; failing those, a legacy text/rfc822-headers part at its start. Decoded, valid
	 * UTF-8; %NULL if absent; all %NULL if neither Subject nor From is there. They are signed
	 * only if a whole signature covers them, confidential only if encrypted. */
	gchar *subject;			  /* (owned) (nullable) */
	gchar *from;			  /* (owned) (nullable) */
	gchar *to;			  /* (owned) (nullable) */
	gchar *cc;			  /* (owned) (nullable) */
	gchar *reply_to;		  /* (owned) (nullable) */
	gchar *date;			  /* (owned) (nullable) */
	gboolean headers_legacy_part;	  /* the fields came from a text/rfc822-headers part */
	/* About the decryption (PGP/MIME or the first inline block) */
	gchar *recipient_key_id;	  /* (owned) (nullable) our key ID that opened it */
	gboolean hidden_recipient;	  /* it was encrypted to a wildcard key ID */
	gchar *cipher;			  /* (owned) (nullable) "AES256", ... */
} PglPgpMimeOpened;

const gchar *pgl_pgp_mime_form_to_string(PglPgpMimeForm form);
const gchar *pgl_pgp_mime_signing_to_string(PglPgpMimeSigning signing);

gboolean pgl_pgp_mime_classify(GMimeMessage *message, PglPgpMimeForm *form_out,
			       PglPgpMimeFlags *flags_out, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

PglPgpMimeOpened *pgl_pgp_mime_open(PglContext *ctx, PglPgpKeyring *keyring, GBytes *raw,
				    const PglPgpVerifyParams *params, GError **error);
gboolean pgl_pgp_mime_opened_signed_by(const PglPgpMimeOpened *opened,
				       const gchar *fingerprint);
void pgl_pgp_mime_opened_free(PglPgpMimeOpened *opened);

GBytes *pgl_pgp_mime_build_payload(GMimeMessage *message);
GBytes *pgl_pgp_mime_build_encrypted(PglPgpKeyring *keyring, const gchar *signer_fingerprint,
				     const gchar *const *recipient_fingerprints,
				     GMimeMessage *message, GBytes *payload,
				     PglPgpEncryptFlags flags, GError **error);
GBytes *pgl_pgp_mime_build_signed(PglPgpKeyring *keyring, const gchar *signer_fingerprint,
				  GMimeMessage *message, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglPgpMimeOpened, pgl_pgp_mime_opened_free)

G_END_DECLS
