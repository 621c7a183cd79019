/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real client mail of the corpus through the real daemon: each test moves a Schleuder list
 * to pgplist the way an admin would (`create --style pgp-discussion`, then `key import` of the
 * Schleuder list key), subscribes the poster with their published key and a reader with a key
 * gpg makes in the test, starts `pgplist serve`, sends one file of tests/data/pgp/mime/ (copies
 * of ../shared/corpus/, see its README) over LMTP as it is, and checks what happened:
 *
 * - the decision: the daemon's key=value line (action, rule, reason and the pgp="..." detail,
 *   which names the form, the signer's fingerprint and the verdict, see pgl-pgp-post.c);
 * - accepted: the reader gets exactly one copy, PGP/MIME encrypted to their key with the outer
 *   Subject "[...]"; their gpg decrypts it and finds a good signature by the list key, and
 *   inside the real Subject (from the poster's protected headers, where there are some) with
 *   the list's "[Schleuder] " prefix, and the text the README says the mail holds;
 * - refused: nobody on the list gets anything, the sender gets a notice that says why;
 * - either way, no plaintext of the post is left in the spool or the database afterwards.
 *
 * The corpus mail was signed between 2016 and 2023, far outside the site's freshness window
 * ([pgp] signature_window, at most a year), so its good signatures are "too-old". The tests
 * that expect a post to go through set the list's expired_sig_action to defer (the verdict
 * still shows in the detail, so the key the signature was checked against is still asserted);
 * the tests under /pgp-corpus/defaults/ keep the defaults and assert the refusals they make.
 *
 * Where a file is signed only or encrypted only, the test says which *_msg_action it relaxes,
 * or asserts the refusal of the default.
 *
 * The binary is found through $PGLIST_BINARY (set by meson).
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <string.h>

#include "mail/pgl-mail-autoptr.h"
#include "support/pgl-smtp-sink.h"
#include "support/pgl-test-daemon.h"
#include "support/pgl-test-gpg.h"

#define OWNER  "owner@example.net"
#define READER "reader@example.net"
/* the envelope sender of the files whose From: is the list's own address (a Schleuder test
 * artifact): the daemon answers the envelope sender when it differs from From: */
#define POSTER "poster@example.net"

#define PREFIX "[Schleuder] "

/* the list keys (secret, INSECURE: published by Schleuder for its tests) and the posters' keys */
#define KEY_SCHLEUDER	   "schleuder-list.INSECURE.secring.gpg"
#define KEY_ENCAPSULATED   "schleuder-encapsulated-list.INSECURE.sec"
#define KEY_OPENPGPKEY                                                                             \
	"schleuder-openpgpkey_421C19AF8B9C33B8B62D76EBDB2F7E271D773073.INSECURE.sec"
#define KEY_PAZ		   "schleuder-openpgpkey_52507B0163A8D9F0094FFE03B1A36F08069E55DE.asc"
#define KEY_ENCAP_SENDER   "schleuder-encapsulated-sender.pub"
#define FPR_SCHLEUDER_LIST "59C71FB38AEE22E091C78259D06350440F759BD3"
#define FPR_ENCAP_LIST	   "7EDF3336CB8BC6D15D461DB5FFF7A04251E7D112"
#define FPR_OPENPGPKEY	   "421C19AF8B9C33B8B62D76EBDB2F7E271D773073"
#define FPR_PAZ		   "52507B0163A8D9F0094FFE03B1A36F08069E55DE"
#define FPR_ENCAP_SENDER   "9F29CA4CF1A47561492C0737C7A5457A35C50082"

/* A poster's key made by gpg in the test (for corpus senders whose key was not published) */
#define GPG_KEY "(gpg)"

/* List settings, name and value pairs, NULL-terminated */
static const gchar *const defaults[] = {NULL};
/* the corpus signatures are years old: let the expired ones through, the verdict stays in the
 * detail */
static const gchar *const old_ok[] = {"expired_sig_action", "defer", NULL};
/* the same, for a file that is encrypted but not signed */
static const gchar *const old_ok_unsigned[] = {"expired_sig_action", "defer",
					       "unsigned_msg_action", "defer", NULL};
/* the same, for a file that is neither encrypted nor signed */
static const gchar *const old_ok_plain[] = {"expired_sig_action",
					    "defer",
					    "unsigned_msg_action",
					    "defer",
					    "nonencrypted_msg_action",
					    "defer",
					    NULL};

typedef enum {
	OUTCOME_DELIVERED, /* accepted: the reader gets it */
	OUTCOME_HELD,	   /* held; a moderator accepts it with the command line; delivered */
	OUTCOME_REFUSED,   /* rejected: the sender is told, nobody on the list gets anything */
} Outcome;

typedef struct {
	const gchar *path;	     /* the test's path */
	const gchar *file;	     /* in tests/data/pgp/mime */
	const gchar *list;	     /* the list (the To: of the file) */
	const gchar *list_key;	     /* its key pair, in tests/data/pgp/mime */
	const gchar *list_fpr;	     /* its primary fingerprint */
	const gchar *envelope_from;  /* MAIL FROM */
	const gchar *member;	     /* (nullable) the poster as a member of the list */
	const gchar *member_key;     /* (nullable) its public key file, or GPG_KEY */
	const gchar *const *settings; /* listconf before the daemon starts */
	Outcome outcome;
	const gchar *action; /* the daemon's decision */
	const gchar *rule;
	const gchar *reason; /* (nullable) in its reason="..." */
	const gchar *pgp;    /* (nullable) the whole pgp="..." detail; NULL: none in the line */
	const gchar *subject; /* delivered: the Subject inside the encryption */
	const gchar *phrases[3]; /* delivered: in the decrypted text; refused: in the notice */
	const gchar *secrets[3]; /* plaintext of the post: nowhere in the var dir afterwards */
	const gchar *notice_to;	 /* refused: who is told (NULL: nobody) */
	gboolean notice_encrypted; /* ... in a notice encrypted to their key (not readable here) */
} CorpusCase;

static const CorpusCase cases[] = {
	/* Thunderbird 45 / Enigmail, RFC 3156 §6.2 (signed and encrypted at once), the real
	 * Subject in the protected headers */
	{
		.path = "/pgp-corpus/thunderbird/encrypted-signed-mime",
		.file = "schleuder-encrypted-signed-mime-thunderbird.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "paz@nadir.org",
		.member = "paz@nadir.org",
		.member_key = KEY_PAZ,
		.settings = old_ok,
		.outcome = OUTCOME_DELIVERED,
		.action = "accept",
		.rule = "member-moderation",
		.pgp = "PGP/MIME, encrypted; signature (combined) by " FPR_PAZ ": too-old",
		.subject = PREFIX "encrypted test",
		.phrases = {"This is a test.", "Umlauts: öäß.", "♥★"},
		.secrets = {"Umlauts", "Subject: encrypted test", "] encrypted test"},
	},
	/* Thunderbird 45, inline PGP: one armored block, signed and encrypted; no protected
	 * headers, so the Subject inside is the outer one */
	{
		.path = "/pgp-corpus/thunderbird/encrypted-signed-inline",
		.file = "schleuder-encrypted-signed-inline-thunderbird.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "paz@nadir.org",
		.member = "paz@nadir.org",
		.member_key = KEY_PAZ,
		.settings = old_ok,
		.outcome = OUTCOME_DELIVERED,
		.action = "accept",
		.rule = "member-moderation",
		.pgp = "inline PGP, encrypted; signature (inline) by " FPR_PAZ ": too-old",
		.subject = PREFIX "encrypted+signed-inline test",
		.phrases = {"This is a test.", "Umlauts: öäß.", "♥★"},
		.secrets = {"Umlauts"},
	},
	/* Enigmail's protected headers: the real Subject inside, plus the legacy
	 * text/rfc822-headers part; encrypted, not signed (unsigned_msg_action relaxed) */
	{
		.path = "/pgp-corpus/protected-headers/enigmail",
		.file = "schleuder-protected-headers.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "paz@nadir.org",
		.member = "paz@nadir.org",
		.member_key = KEY_PAZ,
		.settings = old_ok_unsigned,
		.outcome = OUTCOME_DELIVERED,
		.action = "accept",
		.rule = "member-moderation",
		.pgp = "PGP/MIME, encrypted; not signed",
		.subject = PREFIX "Re: the real subject",
		.phrases = {"füßä"},
		.secrets = {"the real subject", "füßä", "f=C3=BC=C3=9F=C3=A4"},
	},
	/* Mutt's protected Subject without any marker, encrypted, not signed (relaxed); From:
	 * is the list's own address (Schleuder's test list writing to itself), which is no
	 * member, so the post is held; a moderator accepts it */
	{
		.path = "/pgp-corpus/protected-headers/mutt",
		.file = "schleuder-mutt_protected_headers.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "schleuder@example.org",
		.settings = old_ok_unsigned,
		.outcome = OUTCOME_HELD,
		.action = "hold",
		.rule = "nonmember-moderation",
		.pgp = "PGP/MIME, encrypted; not signed",
		.subject = PREFIX "x",
		.phrases = {"test"},
	},
	/* KMail, RFC 3156 §6.1: signed, then encrypted, protected headers on the signed text
	 * part. pgplist takes no address without a dot in its domain, and this mail is from
	 * admin@a to list@a: the list is list@a.example and the envelope sender admin@a.example,
	 * bound to the sender's published key; the header of the mail stays as it is. The
	 * signature checks out against that key (too-old), but From: (admin@a) is no valid
	 * address, so the mail has no author the signature could be bound to: rejected. */
	{
		.path = "/pgp-corpus/kmail/encapsulated",
		.file = "schleuder-encapsulated.eml",
		.list = "list@a.example",
		.list_key = KEY_ENCAPSULATED,
		.list_fpr = FPR_ENCAP_LIST,
		.envelope_from = "admin@a.example",
		.member = "admin@a.example",
		.member_key = KEY_ENCAP_SENDER,
		.settings = old_ok,
		.outcome = OUTCOME_REFUSED,
		.action = "reject",
		.rule = "pgp-signature",
		.reason = "The signature is not valid",
		.pgp = "PGP/MIME, encrypted; signature (encapsulated) by " FPR_ENCAP_SENDER
		       ": too-old; From: does not name exactly one author; the From: inside the "
		       "encryption is not the sender",
		.secrets = {"x-list-keys"},
		.notice_to = "admin@a.example",
		.notice_encrypted = TRUE,
	},
	/* PGP/MIME mangled by Exchange into multipart/mixed, repaired; encrypted, not signed
	 * (relaxed); the sender's key was not published: gpg makes one */
	{
		.path = "/pgp-corpus/exchange/mangled",
		.file = "schleuder-exchange.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "someone@example.org",
		.member = "someone@example.org",
		.member_key = GPG_KEY,
		.settings = old_ok_unsigned,
		.outcome = OUTCOME_DELIVERED,
		.action = "accept",
		.rule = "member-moderation",
		.pgp = "PGP/MIME, encrypted; not signed",
		.subject = PREFIX "hotmail mangled message",
		.phrases = {"foo"},
	},
	/* Quoted-printable inside the encryption (Thunderbird), not signed (relaxed). From:
	 * test@localhost is no address pgplist takes, so the sender is the envelope sender */
	{
		.path = "/pgp-corpus/qp/encrypted",
		.file = "schleuder-qp-encoding-encrypted.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "test@localhost.example",
		.member = "test@localhost.example",
		.member_key = GPG_KEY,
		.settings = old_ok_unsigned,
		.outcome = OUTCOME_DELIVERED,
		.action = "accept",
		.rule = "member-moderation",
		.pgp = "PGP/MIME, encrypted; not signed",
		.subject = PREFIX "Input Test QP encoding broken encrypted",
		.phrases = {"> foo foo foo", "bugreport.cgi?bug=867031", "> Cc: "},
		.secrets = {"bugreport.cgi", "Georg Faerber"},
	},
	/* The same, signed and encrypted (§6.2), signed by the Schleuder list key itself, From:
	 * test@localhost inside and out (no address pgplist takes; the envelope sender is the
	 * same, so the post has no sender). The signature is found and attributed to the list
	 * key, which is nobody's key as a sender: rejected, and nobody to tell. */
	{
		.path = "/pgp-corpus/qp/encrypted-signed",
		.file = "schleuder-qp-encoding-encrypted-signed.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "test@localhost",
		.settings = old_ok,
		.outcome = OUTCOME_REFUSED,
		.action = "reject",
		.rule = "pgp-signature",
		.reason = "The signature is not valid",
		.pgp = "PGP/MIME, encrypted; signature (combined) by " FPR_SCHLEUDER_LIST
		       ", which is not the sender's key; From: does not name exactly one author; "
		       "the From: inside the encryption is not the sender",
		.secrets = {"bugreport.cgi", "somethingsomething"},
	},
	/* ISO-2022-JP plain text with a UTF-8 encoded-word Subject: neither encrypted nor signed
	 * (both relaxed); the list encrypts it to the reader, decoded to UTF-8 */
	{
		.path = "/pgp-corpus/charset/iso-2022-jp",
		.file = "schleuder-charset-japanese_iso_2022.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "sender@example.com",
		.member = "sender@example.com",
		.member_key = GPG_KEY,
		.settings = old_ok_plain,
		.outcome = OUTCOME_DELIVERED,
		.action = "accept",
		.rule = "member-moderation",
		.pgp = "not encrypted; not signed",
		.subject = PREFIX "まみむめも",
		.phrases = {"すみません。"},
		.secrets = {"すみません", "$B$9$_$^$;$s"},
	},
	/* Thunderbird 115 (2023 list key), §6.2 with the signer's key attached: the list does
	 * not take keys from posts, the signer is no member and has no key here: rejected */
	{
		.path = "/pgp-corpus/thunderbird-115/unknown-signer",
		.file = "schleuder-thunderbird-115.2.3-macos-xaddkey-attachment.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_OPENPGPKEY,
		.list_fpr = FPR_OPENPGPKEY,
		.envelope_from = "paz@schleuder.org",
		.settings = old_ok,
		.outcome = OUTCOME_REFUSED,
		.action = "reject",
		.rule = "pgp-signature",
		.reason = "The signature is not valid",
		.pgp = "PGP/MIME, encrypted; signature (combined) by unknown key 717574BD0A6591ED",
		.phrases = {"The signature is not valid", "717574BD0A6591ED"},
		.secrets = {"x-add-key", "test20230928"},
		.notice_to = "paz@schleuder.org",
	},
	/* Mutt 2.0.5 (2023 list key), encrypted, not signed (relaxed), a binary key attached;
	 * its protected From: (Georg Faerber) is not the outer one (user@example.org): that
	 * makes it invalid, whatever unsigned_msg_action says */
	{
		.path = "/pgp-corpus/mutt-2.0.5/inner-from-differs",
		.file = "schleuder-mutt-2.0.5-linux-xaddkey-attachment-binary.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_OPENPGPKEY,
		.list_fpr = FPR_OPENPGPKEY,
		.envelope_from = "user@example.org",
		.member = "user@example.org",
		.member_key = GPG_KEY,
		.settings = old_ok_unsigned,
		.outcome = OUTCOME_REFUSED,
		.action = "reject",
		.rule = "pgp-signature",
		.reason = "The signature is not valid",
		.pgp = "PGP/MIME, encrypted; not signed; the From: inside the encryption is not "
		       "user@example.org",
		.phrases = {"The signature is not valid", "the From: inside the encryption"},
		.secrets = {"x-add-key", "Georg Faerber"},
		.notice_to = "user@example.org",
		/* the notice is encrypted to the key gpg made for user@example.org: this test's
		 * gpg has it, so the notice is read after all (see run_case()) */
	},
	/* encrypted to a key the list does not have: the sender is told why */
	{
		.path = "/pgp-corpus/refused/encrypted-to-absent-key",
		.file = "schleuder-encrypted-to-absent-key.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = POSTER,
		.settings = old_ok,
		.outcome = OUTCOME_REFUSED,
		.action = "reject",
		.rule = "pgp-open",
		.reason = "could not be decrypted",
		.phrases = {"could not be decrypted"},
		.notice_to = POSTER,
	},
	/* multipart/encrypted holding broken OpenPGP data */
	{
		.path = "/pgp-corpus/refused/containing-pgp-garbage",
		.file = "schleuder-containing-pgp-garbage.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = POSTER,
		.settings = old_ok,
		.outcome = OUTCOME_REFUSED,
		.action = "reject",
		.rule = "pgp-open",
		.reason = "could not be decrypted",
		.phrases = {"could not be decrypted"},
		.notice_to = POSTER,
	},
	/* encrypted to a passphrase, not to the list key */
	{
		.path = "/pgp-corpus/refused/encrypted-to-passphrase",
		.file = "schleuder-encrypted-to-passphrase.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = POSTER,
		.settings = old_ok,
		.outcome = OUTCOME_REFUSED,
		.action = "reject",
		.rule = "pgp-open",
		.reason = "could not be decrypted",
		.phrases = {"could not be decrypted"},
		.notice_to = POSTER,
	},
	/* ---- the defaults refuse ---- */
	/* the good but old signature: expired_sig_action reject (the default) */
	{
		.path = "/pgp-corpus/defaults/old-signature-rejected",
		.file = "schleuder-encrypted-signed-mime-thunderbird.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "paz@nadir.org",
		.member = "paz@nadir.org",
		.member_key = KEY_PAZ,
		.settings = defaults,
		.outcome = OUTCOME_REFUSED,
		.action = "reject",
		.rule = "pgp-signature",
		.reason = "The signature is expired or too old",
		.pgp = "PGP/MIME, encrypted; signature (combined) by " FPR_PAZ ": too-old",
		.secrets = {"Umlauts", "Subject: encrypted test", "] encrypted test"},
		.notice_to = "paz@nadir.org",
		.notice_encrypted = TRUE,
	},
	/* signed, not encrypted (Thunderbird 45, §5): nonencrypted_msg_action reject */
	{
		.path = "/pgp-corpus/defaults/signed-only-rejected",
		.file = "schleuder-signed-mime-thunderbird.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "paz@nadir.org",
		.member = "paz@nadir.org",
		.member_key = KEY_PAZ,
		.settings = defaults,
		.outcome = OUTCOME_REFUSED,
		.action = "reject",
		.rule = "pgp-encrypted",
		.reason = "The message was not encrypted to the list's key as a whole",
		.pgp = "not encrypted; signature (detached) by " FPR_PAZ ": too-old",
		.notice_to = "paz@nadir.org",
		.notice_encrypted = TRUE,
	},
	/* encrypted, not signed (Exchange): unsigned_msg_action reject */
	{
		.path = "/pgp-corpus/defaults/unsigned-rejected",
		.file = "schleuder-exchange.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "someone@example.org",
		.member = "someone@example.org",
		.member_key = GPG_KEY,
		.settings = defaults,
		.outcome = OUTCOME_REFUSED,
		.action = "reject",
		.rule = "pgp-signature",
		.reason = "The message is not signed as a whole",
		.pgp = "PGP/MIME, encrypted; not signed",
		.phrases = {"The message is not signed as a whole"},
		.notice_to = "someone@example.org",
	},
	/* neither (ISO-2022-JP plain text): nonencrypted_msg_action reject comes first */
	{
		.path = "/pgp-corpus/defaults/plain-rejected",
		.file = "schleuder-charset-japanese_iso_2022.eml",
		.list = "schleuder@example.org",
		.list_key = KEY_SCHLEUDER,
		.list_fpr = FPR_SCHLEUDER_LIST,
		.envelope_from = "sender@example.com",
		.member = "sender@example.com",
		.member_key = GPG_KEY,
		.settings = defaults,
		.outcome = OUTCOME_REFUSED,
		.action = "reject",
		.rule = "pgp-encrypted",
		.reason = "The message was not encrypted to the list's key as a whole",
		.pgp = "not encrypted; not signed",
		.phrases = {"not encrypted to the list's key"},
		.notice_to = "sender@example.com",
	},
};

/* ---- fixture --------------------------------------------------------------------------------- */

typedef struct {
	PglTestDaemon daemon;
	PglTestGpg *gpg;    /* (owned) the reader's gpg (and the keys gpg makes for posters) */
	gchar *reader_fpr;  /* (owned) the reader's key, made in @gpg */
	gchar *member_fpr;  /* (owned) (nullable) the poster's key, if made in @gpg */
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	pgl_test_daemon_init(&f->daemon, NULL, PGL_TEST_DAEMON_FLAG_NONE, &error);
	g_assert_no_error(error);
	f->gpg = pgl_test_gpg_new(f->daemon.dir);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	g_clear_pointer(&f->gpg, pgl_test_gpg_free);
	g_clear_pointer(&f->reader_fpr, g_free);
	g_clear_pointer(&f->member_fpr, g_free);
	pgl_test_daemon_clear(&f->daemon);
}

/* ---- helpers ------------------------------------------------------------------------------- */

static gchar *
corpus_path(const gchar *name)
{
	return g_test_build_filename(G_TEST_DIST, "data", "pgp", "mime", name, NULL);
}

static gchar *
corpus_read(const gchar *name)
{
	g_autofree gchar *path = corpus_path(name);
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;

	g_file_get_contents(path, &contents, NULL, &error);
	g_assert_no_error(error);
	return contents;
}

/* Makes a key for @address in the test's gpg and binds it, confirmed, to @address. */
static gchar *
gpg_key_for(Fixture *f, const gchar *address)
{
	g_autofree gchar *user_id = g_strdup_printf("Test <%s>", address);
	g_autofree gchar *fingerprint =
		pgl_test_gpg_generate(f->gpg, user_id, "future-default", "default", "never", 0);
	g_autoptr(GBytes) exported = pgl_test_gpg_export(f->gpg, fingerprint, FALSE);
	g_autofree gchar *name = g_strdup_printf("%s.asc", address);
	g_autofree gchar *path = pgl_test_daemon_write_file(&f->daemon, name,
							    g_bytes_get_data(exported, NULL));
	g_autofree gchar *set = pgl_test_daemon_cli_ok(&f->daemon, NULL, "key", "set", address,
						       path, "--confirmed", NULL);

	PGL_TEST_ASSERT_CONTAINS(set, fingerprint);
	PGL_TEST_ASSERT_CONTAINS(set, "(confirmed)");
	return g_steal_pointer(&fingerprint);
}

/* The list as an admin moves it from Schleuder: created, its key imported, the poster and the
 * reader subscribed with confirmed keys, the settings of @c; the reader's gpg gets the list's
 * public key, to check what the list signs. */
static void
setup_list(Fixture *f, const CorpusCase *c)
{
	g_autofree gchar *created = NULL;
	g_autofree gchar *key_path = corpus_path(c->list_key);
	g_autofree gchar *imported = NULL;
	g_autofree gchar *show = NULL;
	g_autofree gchar *public_key = NULL;
	g_autofree gchar *members = NULL;
	g_autofree gchar *added = NULL;
	g_autoptr(GBytes) public_bytes = NULL;

	created = pgl_test_daemon_cli_ok(&f->daemon, NULL, "create", c->list, "--style",
					 "pgp-discussion", "--owner", OWNER, NULL);
	PGL_TEST_ASSERT_CONTAINS(created, c->list);
	imported = pgl_test_daemon_cli_ok(&f->daemon, NULL, "key", "import", c->list, key_path,
					  NULL);
	PGL_TEST_ASSERT_CONTAINS(imported, c->list_fpr);
	show = pgl_test_daemon_cli_ok(&f->daemon, NULL, "key", "show", c->list, NULL);
	PGL_TEST_ASSERT_CONTAINS(show, c->list_fpr);
	PGL_TEST_ASSERT_CONTAINS(show, "usable: yes\n");

	for (guint i = 0; c->settings[i] != NULL; i += 2) {
		g_autofree gchar *set = pgl_test_daemon_cli_ok(&f->daemon, NULL, "listconf",
							       c->list, c->settings[i],
							       c->settings[i + 1], NULL);
		g_autofree gchar *get = NULL;

		g_assert_nonnull(set);
		get = pgl_test_daemon_cli_ok(&f->daemon, NULL, "listconf", c->list, c->settings[i],
					     NULL);
		PGL_TEST_ASSERT_CONTAINS(get, c->settings[i + 1]);
	}

	members = g_strdup_printf("%s\n%s%s", READER, c->member ? c->member : "",
				  c->member ? "\n" : "");
	added = pgl_test_daemon_cli_ok(&f->daemon, members, "addmembers", c->list, "-", NULL);
	PGL_TEST_ASSERT_CONTAINS(added, c->member ? "Added 2 members" : "Added 1 member");
	if (c->member_key != NULL && g_str_equal(c->member_key, GPG_KEY)) {
		f->member_fpr = gpg_key_for(f, c->member);
	} else if (c->member_key != NULL) {
		g_autofree gchar *path = corpus_path(c->member_key);
		g_autofree gchar *set = pgl_test_daemon_cli_ok(&f->daemon, NULL, "key", "set",
							       c->member, path, "--confirmed",
							       NULL);

		PGL_TEST_ASSERT_CONTAINS(set, "(confirmed)");
	}
	f->reader_fpr = gpg_key_for(f, READER);

	public_key = pgl_test_daemon_cli_ok(&f->daemon, NULL, "key", "export", c->list, NULL);
	PGL_TEST_ASSERT_CONTAINS(public_key, "BEGIN PGP PUBLIC KEY BLOCK");
	public_bytes = g_bytes_new(public_key, strlen(public_key));
	pgl_test_gpg_import(f->gpg, public_bytes);
}

/* The daemon's decision about the post: the one line the stage wrote with "list=LIST sender=...
 * action=... rule=..." (pgl-stages.c). The chain's own line (info) has no pgp="..."; the
 * stage's has, but for posts it could not open (rule=pgp-open). */
static gchar *
decision_line(Fixture *f, const gchar *list)
{
	g_autofree gchar *path = pgl_test_daemon_log_path(&f->daemon, f->daemon.n_starts);
	g_autofree gchar *log = NULL;
	g_autofree gchar *needle = g_strdup_printf(" list=%s sender=", list);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);

	g_file_get_contents(path, &log, NULL, &error);
	g_assert_no_error(error);
	lines = g_strsplit(log, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (strstr(lines[i], needle) == NULL || strstr(lines[i], " rule=") == NULL)
			continue;
		if (strstr(lines[i], " pgp=\"") == NULL &&
		    strstr(lines[i], " rule=pgp-open ") == NULL)
			continue;
		g_ptr_array_add(found, g_strdup(lines[i]));
	}
	if (found->len != 1) {
		g_test_message("daemon log %s: got %u decision lines for %s, want 1:\n%s", path,
			       found->len, list, log);
		g_assert_cmpuint(found->len, ==, 1);
	}
	return g_strdup(g_ptr_array_index(found, 0));
}

/* The value of KEY=WORD or KEY="..." in @line: reason="..." ends where pgp="..." begins, which
 * is the last field and ends at the last quote. */
static gchar *
line_field(const gchar *line, const gchar *key)
{
	g_autofree gchar *needle = g_strdup_printf(" %s=", key);
	const gchar *start = strstr(line, needle);
	const gchar *end;

	if (start == NULL)
		return NULL;
	start += strlen(needle);
	if (*start != '"') {
		end = strchr(start, ' ');
		return end ? g_strndup(start, end - start) : g_strdup(start);
	}
	start++;
	end = g_str_equal(key, "pgp") ? NULL : strstr(start, "\" pgp=\"");
	if (end == NULL)
		end = strrchr(start, '"');
	g_assert_nonnull(end);
	return g_strndup(start, end - start);
}

static void
assert_decision(Fixture *f, const CorpusCase *c)
{
	g_autofree gchar *line = decision_line(f, c->list);
	g_autofree gchar *action = line_field(line, "action");
	g_autofree gchar *rule = line_field(line, "rule");
	g_autofree gchar *reason = line_field(line, "reason");
	g_autofree gchar *pgp = line_field(line, "pgp");

	g_test_message("decision: %s", line);
	PGL_TEST_ASSERT_STR(action, c->action);
	PGL_TEST_ASSERT_STR(rule, c->rule);
	if (c->reason != NULL)
		PGL_TEST_ASSERT_CONTAINS(reason, c->reason);
	PGL_TEST_ASSERT_STR(pgp, c->pgp);
}

/* All bytes of a MIME part's decoded content. */
static GBytes *
part_content(GMimeObject *object)
{
	GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(object));
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new();
	GByteArray *array;

	g_assert_nonnull(content);
	g_mime_data_wrapper_write_to_stream(content, stream);
	array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	return g_bytes_new(array->data, array->len);
}

static void
append_text(GMimeObject *object, GString *out)
{
	if (GMIME_IS_MULTIPART(object)) {
		for (gint i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(object)); i++)
			append_text(g_mime_multipart_get_part(GMIME_MULTIPART(object), i), out);
	} else if (GMIME_IS_TEXT_PART(object)) {
		g_autofree gchar *text = g_mime_text_part_get_text(GMIME_TEXT_PART(object));

		g_string_append(out, text ? text : "");
		g_string_append_c(out, '\n');
	}
}

/* Decrypts @copy (PGP/MIME) with the test's gpg, asserts that it was encrypted to @recipient_fpr
 * and signed by the list key; returns the decrypted entity parsed as a message (its header is
 * the protected one) and its text in @text_out. */
static GMimeMessage *
decrypt_copy(Fixture *f, const CorpusCase *c, PglTestReceived *copy, const gchar *recipient_fpr,
	     gchar **text_out)
{
	GMimeObject *body = g_mime_message_get_mime_part(copy->mime);
	g_autoptr(GBytes) ciphertext = NULL;
	g_autoptr(GBytes) plaintext = NULL;
	g_autofree gchar *status = NULL;
	g_auto(GStrv) valid = NULL;
	g_auto(GStrv) decryption_key = NULL;
	g_autoptr(GString) text = g_string_new(NULL);
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeParser) parser = NULL;
	GMimeMessage *inner;

	g_assert_true(GMIME_IS_MULTIPART_ENCRYPTED(body));
	PGL_TEST_ASSERT_UINT(g_mime_multipart_get_count(GMIME_MULTIPART(body)), 2);
	ciphertext = part_content(g_mime_multipart_get_part(GMIME_MULTIPART(body), 1));
	plaintext = pgl_test_gpg_decrypt(f->gpg, ciphertext, &status);
	if (plaintext == NULL) {
		g_test_message("the reader's gpg could not decrypt the copy: %s", status);
		g_assert_nonnull(plaintext);
	}
	/* "DECRYPTION_KEY SUBKEY PRIMARY TRUST": the key it was encrypted to */
	decryption_key = pgl_test_gpg_status_args(status, "DECRYPTION_KEY");
	g_assert_nonnull(decryption_key);
	g_assert_cmpuint(g_strv_length(decryption_key), >=, 2);
	PGL_TEST_ASSERT_STR(decryption_key[1], recipient_fpr);
	/* signed by the list key, inside the encryption (RFC 3156 §6.2) */
	g_assert_true(pgl_test_gpg_has_status(status, "GOODSIG"));
	valid = pgl_test_gpg_status_args(status, "VALIDSIG");
	g_assert_nonnull(valid);
	g_assert_cmpuint(g_strv_length(valid), >=, 10);
	PGL_TEST_ASSERT_STR(valid[9], c->list_fpr);

	stream = g_mime_stream_mem_new_with_buffer(g_bytes_get_data(plaintext, NULL),
						   g_bytes_get_size(plaintext));
	parser = g_mime_parser_new_with_stream(stream);
	inner = g_mime_parser_construct_message(parser, NULL);
	g_assert_nonnull(inner);
	append_text(g_mime_message_get_mime_part(inner), text);
	*text_out = g_string_free(g_steal_pointer(&text), FALSE);
	return inner;
}

/* How many files under @dir (the var dir: spool, database and its journal) hold @needle. */
static guint
files_with(const gchar *dir, const gchar *needle)
{
	g_autoptr(GDir) handle = g_dir_open(dir, 0, NULL);
	const gchar *name;
	guint count = 0;

	if (handle == NULL)
		return 0;
	while ((name = g_dir_read_name(handle)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		g_autofree gchar *contents = NULL;
		gsize len = 0;

		if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
			count += files_with(path, needle);
			continue;
		}
		if (!g_file_get_contents(path, &contents, &len, NULL))
			continue;
		if (memmem(contents, len, needle, strlen(needle)) != NULL) {
			g_test_message("%s holds \"%s\"", path, needle);
			count++;
		}
	}
	return count;
}

/* "ID\tsender\tsubject\treason" of the one held post */
static gchar *
held_id(Fixture *f, const CorpusCase *c)
{
	g_autofree gchar *out = pgl_test_daemon_cli_ok(&f->daemon, NULL, "held", c->list, NULL);
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	g_auto(GStrv) fields = NULL;

	PGL_TEST_ASSERT_UINT(g_strv_length(lines), 2); /* one line and its newline */
	fields = g_strsplit(lines[0], "\t", 4);
	PGL_TEST_ASSERT_UINT(g_strv_length(fields), 4);
	/* the post is sealed in the database; the command line, which has the list key, shows
	 * the real Subject (before the list's prefix) */
	g_assert_true(g_str_has_prefix(c->subject, PREFIX));
	PGL_TEST_ASSERT_STR(fields[2], c->subject + strlen(PREFIX));
	return g_strdup(fields[0]);
}

/* ---- the test -------------------------------------------------------------------------------- */

/* A held post: the owner is told; a moderator accepts it with the command line. */
static void
moderate_held(Fixture *f, const CorpusCase *c)
{
	g_autofree gchar *id = held_id(f, c);
	g_autofree gchar *moderated = NULL;
	g_autoptr(GPtrArray) to_owner = pgl_test_daemon_messages_to(&f->daemon, OWNER, NULL);
	guint before = pgl_smtp_sink_recipient_count(f->daemon.sink);

	PGL_TEST_ASSERT_UINT(to_owner->len, 1);
	/* the poster is the list's own posting address here (From: and envelope): no notice
	 * goes there, it would only come straight back */
	{
		g_autoptr(GPtrArray) to_list = pgl_test_daemon_messages_to(&f->daemon, c->list,
									   NULL);

		PGL_TEST_ASSERT_UINT(to_list->len, 0);
	}
	moderated = pgl_test_daemon_cli_ok(&f->daemon, NULL, "moderate", c->list, id, "accept",
					   NULL);
	PGL_TEST_ASSERT_CONTAINS(moderated, "accepted");
	pgl_test_daemon_wait_sink(&f->daemon, before + 1);
	pgl_test_daemon_wait_idle(&f->daemon);
}

/* Accepted: exactly one copy to the reader (and one to the poster, if a member), encrypted to
 * the reader's key and signed by the list, the real Subject and the text inside. */
static void
assert_delivered(Fixture *f, const CorpusCase *c, guint before)
{
	g_autoptr(GPtrArray) to_reader = pgl_test_daemon_messages_to(&f->daemon, READER, NULL);
	g_autoptr(GMimeMessage) inner = NULL;
	g_autofree gchar *text = NULL;
	PglTestReceived *copy;
	gsize size = 0;
	const gchar *raw;

	PGL_TEST_ASSERT_UINT(to_reader->len, 1);
	copy = g_ptr_array_index(to_reader, 0);
	PGL_TEST_ASSERT_UINT(g_strv_length(copy->raw->recipients), 1);
	if (c->member != NULL) {
		g_autoptr(GPtrArray) to_member =
			pgl_test_daemon_messages_to(&f->daemon, c->member, NULL);

		PGL_TEST_ASSERT_UINT(to_member->len, 1);
	}
	PGL_TEST_ASSERT_UINT(f->daemon.received->len, before + 1 + (c->member != NULL ? 1 : 0));

	/* outside: "[...]" and ciphertext only */
	g_assert_nonnull(copy->mime);
	PGL_TEST_ASSERT_STR(g_mime_message_get_subject(copy->mime), "[...]");
	raw = g_bytes_get_data(copy->raw->data, &size);
	{
		/* the armored ciphertext is random base64, which holds a short phrase ("foo") by
		 * chance now and then: look at everything but it */
		const gchar *begin = memmem(raw, size, "-----BEGIN PGP MESSAGE-----", 27);
		const gchar *end = memmem(raw, size, "-----END PGP MESSAGE-----", 25);
		gsize head = begin != NULL ? (gsize)(begin - raw) : size;
		const gchar *tail = end != NULL ? end : raw + size;
		gsize tail_size = size - (gsize)(tail - raw);

		g_assert_nonnull(begin);
		g_assert_nonnull(end);
		for (guint i = 0; i < G_N_ELEMENTS(c->phrases) && c->phrases[i] != NULL; i++) {
			g_assert_null(memmem(raw, head, c->phrases[i], strlen(c->phrases[i])));
			g_assert_null(
				memmem(tail, tail_size, c->phrases[i], strlen(c->phrases[i])));
		}
	}

	inner = decrypt_copy(f, c, copy, f->reader_fpr, &text);
	PGL_TEST_ASSERT_STR(g_mime_message_get_subject(inner), c->subject);
	for (guint i = 0; i < G_N_ELEMENTS(c->phrases) && c->phrases[i] != NULL; i++)
		PGL_TEST_ASSERT_CONTAINS(text, c->phrases[i]);
}

/* Refused: nobody on the list gets anything; the sender, if there is one to tell, gets one
 * notice that says why. */
static void
assert_refused(Fixture *f, const CorpusCase *c)
{
	g_autoptr(GPtrArray) to_reader = pgl_test_daemon_messages_to(&f->daemon, READER, NULL);
	g_autoptr(GPtrArray) notices = NULL;
	g_autoptr(GMimeMessage) inner = NULL;
	g_autofree gchar *text = NULL;
	PglTestReceived *notice;
	GMimeObject *body;

	PGL_TEST_ASSERT_UINT(to_reader->len, 0);
	if (c->notice_to == NULL) {
		PGL_TEST_ASSERT_UINT(f->daemon.received->len, 0);
		return;
	}
	PGL_TEST_ASSERT_UINT(f->daemon.received->len, 1);
	notices = pgl_test_daemon_messages_to(&f->daemon, c->notice_to, NULL);
	PGL_TEST_ASSERT_UINT(notices->len, 1);
	notice = g_ptr_array_index(notices, 0);
	g_assert_nonnull(notice->mime);
	body = g_mime_message_get_mime_part(notice->mime);
	if (c->notice_encrypted) {
		/* encrypted to the sender's published key, which this test cannot open */
		g_assert_true(GMIME_IS_MULTIPART_ENCRYPTED(body));
		PGL_TEST_ASSERT_STR(g_mime_message_get_subject(notice->mime), "[...]");
		return;
	}
	if (GMIME_IS_MULTIPART_ENCRYPTED(body)) {
		/* encrypted to the key gpg made for the sender here */
		inner = decrypt_copy(f, c, notice, f->member_fpr, &text);
		PGL_TEST_ASSERT_CONTAINS(g_mime_message_get_subject(inner), c->list);
	} else {
		/* a sender without a key: signed, in clear */
		g_assert_true(GMIME_IS_MULTIPART_SIGNED(body));
		PGL_TEST_ASSERT_CONTAINS(g_mime_message_get_subject(notice->mime), c->list);
		text = g_strdup(notice->text);
	}
	for (guint i = 0; i < G_N_ELEMENTS(c->phrases) && c->phrases[i] != NULL; i++)
		PGL_TEST_ASSERT_CONTAINS(text, c->phrases[i]);
}

static void
test_corpus(Fixture *f, gconstpointer data)
{
	const CorpusCase *c = data;
	g_autofree gchar *message = corpus_read(c->file);
	guint before = 0;
	guint code;

	setup_list(f, c);
	pgl_test_daemon_start(&f->daemon);
	code = pgl_test_daemon_lmtp_send(&f->daemon, c->envelope_from, c->list, message);
	PGL_TEST_ASSERT_UINT(code, 250);
	pgl_test_daemon_wait_idle(&f->daemon);
	assert_decision(f, c);

	switch (c->outcome) {
	case OUTCOME_HELD:
		before = f->daemon.received->len;
		moderate_held(f, c);
		assert_delivered(f, c, before);
		break;
	case OUTCOME_DELIVERED:
		assert_delivered(f, c, before);
		break;
	case OUTCOME_REFUSED:
		assert_refused(f, c);
		break;
	default:
		g_assert_not_reached();
	}
	if (g_test_verbose())
		pgl_test_daemon_dump_received(&f->daemon);

	/* the post's plaintext is gone from the spool and the database (the scan does see the
	 * database: it holds the reader's address) */
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_busy(&f->daemon), 0);
	g_assert_cmpuint(files_with(f->daemon.var_dir, READER), >, 0);
	for (guint i = 0; i < G_N_ELEMENTS(c->secrets) && c->secrets[i] != NULL; i++)
		PGL_TEST_ASSERT_UINT(files_with(f->daemon.var_dir, c->secrets[i]), 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	/* see tests/integration/test-daemon.c */
	g_thread_pool_set_max_unused_threads(0);
	pgl_test_daemon_install_abort_handler();

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add(cases[i].path, Fixture, &cases[i], fixture_set_up, test_corpus,
			   fixture_tear_down);

	{
		int status = g_test_run();

		pgl_test_daemon_wait_for_pool_threads();
		return status;
	}
}
