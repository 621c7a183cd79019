/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of the posting chain: one table row per rule and setting, with the message built here,
 * run through pgl_chain_run() so that order and the "accept continues" semantics are tested
 * too; then the approved rule's removal of the password.
 */
#include "mail/pgl-mail-body.h"
#include "mail/pgl-mail-headers.h"
#include "mail/pgl-mail.h"
#include "pipeline/pgl-chain.h"

#include <glib/gstdio.h>
#include <string.h>

#define DEFAULT_HEADERS                                                                    \
	"From: Poster <poster@example.org>\nTo: Test <test@example.org>\nSubject: hello\n"  \
	"Message-ID: <m1@example.org>\n"

typedef struct {
	const gchar *name;
	const gchar *value;
} Setting;

typedef struct {
	const gchar *name;
	Setting settings[4];
	const gchar *headers;	/* NULL: DEFAULT_HEADERS */
	const gchar *body;	/* NULL: a short text */
	const gchar *roles;	/* "role[:action],..."; NULL: "member"; "": no row */
	const gchar *envelope;
	gsize raw_size;		/* 0: the message's size */
	PglAction want;
	const gchar *want_rule;
	const gchar *want_reason; /* substring, or NULL */
	const gchar *pgp;	  /* NULL: a plain list; else a PGP list's findings, comma-separated:
				     "enc" (encrypted), "inline", "nokey"/"unconfirmed" (else a
				     confirmed key), "sig=good|unsigned|expired|revoked|invalid"
				     (default good), "replay" */
} RuleCase;

#define PGP_GOOD "enc,sig=good"

static const RuleCase rule_cases[] = {
	/* the PGP rules (PGP lists only) */
	{"pgp-good", {{0}}, NULL, NULL, NULL, NULL, 0, PGL_ACTION_ACCEPT, "member-moderation", NULL,
	 PGP_GOOD},
	{"pgp-not-encrypted", {{0}}, NULL, NULL, NULL, NULL, 0, PGL_ACTION_REJECT, "pgp-encrypted",
	 "not encrypted", "sig=good"},
	{"pgp-not-encrypted-hold", {{"nonencrypted_msg_action", "hold"}}, NULL, NULL, NULL, NULL, 0,
	 PGL_ACTION_HOLD, "pgp-encrypted", NULL, "sig=good"},
	{"pgp-not-encrypted-defer", {{"nonencrypted_msg_action", "defer"}}, NULL, NULL, NULL, NULL,
	 0, PGL_ACTION_ACCEPT, "member-moderation", NULL, "sig=good"},
	{"pgp-member-without-key", {{0}}, NULL, NULL, NULL, NULL, 0, PGL_ACTION_REJECT,
	 "pgp-sender-key", "no OpenPGP key", "enc,nokey,sig=unsigned"},
	{"pgp-owner-unconfirmed-key", {{0}}, NULL, NULL, "owner", NULL, 0, PGL_ACTION_REJECT,
	 "pgp-sender-key", "not confirmed", "enc,unconfirmed,sig=invalid"},
	{"pgp-stranger-unknown-key", {{0}}, NULL, NULL, "", NULL, 0, PGL_ACTION_REJECT,
	 "pgp-signature", "not valid", "enc,nokey,sig=invalid"},
	{"pgp-inline-defer", {{0}}, NULL, NULL, NULL, NULL, 0, PGL_ACTION_ACCEPT,
	 "member-moderation", NULL, "enc,inline,sig=good"},
	{"pgp-inline-hold", {{"inline_pgp_action", "hold"}}, NULL, NULL, NULL, NULL, 0,
	 PGL_ACTION_HOLD, "pgp-inline", "inline PGP", "enc,inline,sig=good"},
	{"pgp-unsigned", {{0}}, NULL, NULL, NULL, NULL, 0, PGL_ACTION_REJECT, "pgp-signature",
	 "not signed", "enc,sig=unsigned"},
	{"pgp-unsigned-discard", {{"unsigned_msg_action", "discard"}}, NULL, NULL, NULL, NULL, 0,
	 PGL_ACTION_DISCARD, "pgp-signature", NULL, "enc,sig=unsigned"},
	{"pgp-expired", {{0}}, NULL, NULL, NULL, NULL, 0, PGL_ACTION_REJECT, "pgp-signature",
	 "expired", "enc,sig=expired"},
	{"pgp-revoked", {{0}}, NULL, NULL, NULL, NULL, 0, PGL_ACTION_REJECT, "pgp-signature",
	 "revoked", "enc,sig=revoked"},
	{"pgp-revoked-hold", {{"revoked_sig_action", "hold"}}, NULL, NULL, NULL, NULL, 0,
	 PGL_ACTION_HOLD, "pgp-signature", "revoked", "enc,sig=revoked"},
	{"pgp-invalid", {{0}}, NULL, NULL, NULL, NULL, 0, PGL_ACTION_REJECT, "pgp-signature",
	 "not valid", "enc,sig=invalid"},
	{"pgp-invalid-discard", {{"invalid_sig_action", "discard"}}, NULL, NULL, NULL, NULL, 0,
	 PGL_ACTION_DISCARD, "pgp-signature", NULL, "enc,sig=invalid"},
	{"pgp-replay", {{0}}, NULL, NULL, NULL, NULL, 0, PGL_ACTION_REJECT, "pgp-duplicate",
	 "already seen", "enc,sig=good,replay"},
	{"pgp-replay-hold", {{"duplicate_sig_action", "hold"}}, NULL, NULL, NULL, NULL, 0,
	 PGL_ACTION_HOLD, "pgp-duplicate", NULL, "enc,sig=good,replay"},
	{"pgp-encryption-before-signature", {{0}}, NULL, NULL, NULL, NULL, 0, PGL_ACTION_REJECT,
	 "pgp-encrypted", NULL, "sig=unsigned,replay"},
	/* "accept" passes the PGP checks, never moderation: a stranger is still held */
	{"pgp-accept-unsigned-still-moderated", {{"unsigned_msg_action", "accept"}}, NULL, NULL, "",
	 NULL, 0, PGL_ACTION_HOLD, "nonmember-moderation", NULL, "enc,nokey,sig=unsigned"},
	{"pgp-checks-before-approved",
	 {{"moderator_password", "s3cret"}},
	 DEFAULT_HEADERS "Approved: s3cret\n", NULL, NULL, NULL, 0, PGL_ACTION_REJECT,
	 "pgp-signature", NULL, "enc,sig=invalid"},
	/* member-moderation */
	{"member-default", {{0}}, NULL, NULL, NULL, NULL, 0, PGL_ACTION_ACCEPT, "member-moderation",
	 "member"},
	{"owner", {{0}}, NULL, NULL, "owner", NULL, 0, PGL_ACTION_ACCEPT, "member-moderation",
	 "owner"},
	{"moderator", {{0}}, NULL, NULL, "moderator", NULL, 0, PGL_ACTION_ACCEPT,
	 "member-moderation", "moderator"},
	{"owner-beats-moderated-member", {{0}}, NULL, NULL, "member:hold,owner", NULL, 0,
	 PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"member-own-hold", {{0}}, NULL, NULL, "member:hold", NULL, 0, PGL_ACTION_HOLD,
	 "member-moderation", "moderated"},
	{"member-own-reject", {{0}}, NULL, NULL, "member:reject", NULL, 0, PGL_ACTION_REJECT,
	 "member-moderation", NULL},
	{"member-own-discard", {{0}}, NULL, NULL, "member:discard", NULL, 0, PGL_ACTION_DISCARD,
	 "member-moderation", NULL},
	{"member-default-hold", {{"default_member_action", "hold"}}, NULL, NULL, "member", NULL, 0,
	 PGL_ACTION_HOLD, "member-moderation", NULL},
	{"member-own-accept-beats-default", {{"default_member_action", "hold"}}, NULL, NULL,
	 "member:accept", NULL, 0, PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"member-default-reject", {{"default_member_action", "reject"}}, NULL, NULL, NULL, NULL, 0,
	 PGL_ACTION_REJECT, "member-moderation", NULL},
	/* nonmember-moderation */
	{"nonmember-default", {{0}}, NULL, NULL, "", NULL, 0, PGL_ACTION_HOLD,
	 "nonmember-moderation", "Post by non-member to a members-only list"},
	{"nonmember-default-reject", {{"default_nonmember_action", "reject"}}, NULL, NULL, "",
	 NULL, 0, PGL_ACTION_REJECT, "nonmember-moderation", NULL},
	{"nonmember-default-discard", {{"default_nonmember_action", "discard"}}, NULL, NULL, "",
	 NULL, 0, PGL_ACTION_DISCARD, "nonmember-moderation", NULL},
	{"nonmember-default-accept", {{"default_nonmember_action", "accept"}}, NULL, NULL, "", NULL,
	 0, PGL_ACTION_ACCEPT, "nonmember-moderation", NULL},
	{"accept-these", {{"accept_these_nonmembers", "poster@example.org"}}, NULL, NULL, "", NULL,
	 0, PGL_ACTION_ACCEPT, "nonmember-moderation", "accept_these_nonmembers"},
	{"accept-these-regex", {{"accept_these_nonmembers", "^.*@example\\.org$"}}, NULL, NULL, "",
	 NULL, 0, PGL_ACTION_ACCEPT, "nonmember-moderation", NULL},
	{"hold-these", {{"hold_these_nonmembers", "poster@example.org"},
			{"default_nonmember_action", "accept"}},
	 NULL, NULL, "", NULL, 0, PGL_ACTION_HOLD, "nonmember-moderation", "hold_these"},
	{"reject-these", {{"reject_these_nonmembers", "POSTER@example.org"}}, NULL, NULL, "", NULL,
	 0, PGL_ACTION_REJECT, "nonmember-moderation", NULL},
	{"discard-these", {{"discard_these_nonmembers", "^poster@"}}, NULL, NULL, "", NULL, 0,
	 PGL_ACTION_DISCARD, "nonmember-moderation", NULL},
	{"accept-these-before-reject-these",
	 {{"accept_these_nonmembers", "poster@example.org"},
	  {"reject_these_nonmembers", "poster@example.org"}},
	 NULL, NULL, "", NULL, 0, PGL_ACTION_ACCEPT, "nonmember-moderation", NULL},
	{"nonmember-row-reject", {{0}}, NULL, NULL, "nonmember:reject", NULL, 0, PGL_ACTION_REJECT,
	 "nonmember-moderation", NULL},
	{"nonmember-row-defer-uses-default", {{"default_nonmember_action", "discard"}}, NULL, NULL,
	 "nonmember", NULL, 0, PGL_ACTION_DISCARD, "nonmember-moderation", NULL},
	{"pattern-beats-row", {{"hold_these_nonmembers", "poster@example.org"}}, NULL, NULL,
	 "nonmember:accept", NULL, 0, PGL_ACTION_HOLD, "nonmember-moderation", NULL},
	{"no-sender", {{0}}, "To: test@example.org\nSubject: hello\n", NULL, "", NULL, 0,
	 PGL_ACTION_HOLD, "nonmember-moderation", "no valid sender"},
	{"envelope-sender", {{"accept_these_nonmembers", "env@example.org"}},
	 "From: not-an-address\nTo: test@example.org\nSubject: hello\n", NULL, "",
	 "<env@example.org>", 0, PGL_ACTION_ACCEPT, "nonmember-moderation", NULL},
	/* approved */
	{"approved-header", {{"moderator_password", "s3cret pw"}},
	 DEFAULT_HEADERS "Approved: s3cret pw\n", NULL, "", NULL, 0, PGL_ACTION_ACCEPT, "approved",
	 "moderator"},
	{"approve-header", {{"moderator_password", "s3cret"}}, DEFAULT_HEADERS "Approve: s3cret\n",
	 NULL, "", NULL, 0, PGL_ACTION_ACCEPT, "approved", NULL},
	{"x-approved-header", {{"moderator_password", "s3cret"}},
	 DEFAULT_HEADERS "X-Approved: s3cret\n", NULL, "", NULL, 0, PGL_ACTION_ACCEPT, "approved",
	 NULL},
	{"approved-wrong", {{"moderator_password", "s3cret"}}, DEFAULT_HEADERS "Approved: guess\n",
	 NULL, "", NULL, 0, PGL_ACTION_HOLD, "nonmember-moderation", NULL},
	{"approved-body", {{"moderator_password", "s3cret"}}, NULL,
	 "\n  \nApproved: s3cret\n\nThe real text.\n", "", NULL, 0, PGL_ACTION_ACCEPT, "approved",
	 NULL},
	{"approved-body-not-first-line", {{"moderator_password", "s3cret"}}, NULL,
	 "Hello\nApproved: s3cret\n", "", NULL, 0, PGL_ACTION_HOLD, "nonmember-moderation", NULL},
	{"approved-no-password-set", {{0}}, DEFAULT_HEADERS "Approved: anything\n", NULL, "", NULL,
	 0, PGL_ACTION_HOLD, "nonmember-moderation", NULL},
	{"approved-skips-everything",
	 {{"moderator_password", "s3cret"}, {"emergency", "true"}, {"max_message_size", "1"}},
	 "From: poster@example.org\nTo: other@example.org\nList-Id: <test.example.org>\n"
	 "Approved: s3cret\n",
	 NULL, "member:reject", NULL, 1024 * 1024, PGL_ACTION_ACCEPT, "approved", NULL},
	/* emergency */
	{"emergency", {{"emergency", "true"}}, NULL, NULL, "owner", NULL, 0, PGL_ACTION_HOLD,
	 "emergency", "emergency"},
	{"emergency-before-no-subject", {{"emergency", "yes"}},
	 "From: poster@example.org\nTo: test@example.org\n", NULL, NULL, NULL, 0, PGL_ACTION_HOLD,
	 "emergency", NULL},
	/* loop */
	{"loop-list-id", {{0}}, DEFAULT_HEADERS "List-Id: Test list <TEST.example.org>\n", NULL,
	 NULL, NULL, 0, PGL_ACTION_DISCARD, "loop", "List-Id"},
	{"loop-other-list-id", {{0}}, DEFAULT_HEADERS "List-Id: <other.example.org>\n", NULL, NULL,
	 NULL, 0, PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"loop-beenthere", {{0}},
	 DEFAULT_HEADERS "X-BeenThere: other@example.org\nX-BeenThere: test@example.org\n", NULL,
	 NULL, NULL, 0, PGL_ACTION_DISCARD, "loop", "X-BeenThere"},
	{"loop-other-beenthere", {{0}}, DEFAULT_HEADERS "X-BeenThere: other@example.org\n", NULL,
	 NULL, NULL, 0, PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"loop-beats-moderation", {{0}}, DEFAULT_HEADERS "X-BeenThere: test@example.org\n", NULL,
	 "member:reject", NULL, 0, PGL_ACTION_DISCARD, "loop", NULL},
	/* the received counts are filled in by make_case_text() */
	{"loop-received-over", {{0}}, "RECEIVED:31", NULL, NULL, NULL, 0, PGL_ACTION_DISCARD,
	 "loop", "Received"},
	{"loop-received-at-limit", {{0}}, "RECEIVED:30", NULL, NULL, NULL, 0, PGL_ACTION_ACCEPT,
	 "member-moderation", NULL},
	/* banned-address */
	{"banned", {{"banned_addresses", "poster@example.org"}}, NULL, NULL, "owner", NULL, 0,
	 PGL_ACTION_REJECT, "banned-address", "banned"},
	{"banned-regex", {{"banned_addresses", "other@example.org\n^.*@example\\.org$"}}, NULL,
	 NULL, NULL, NULL, 0, PGL_ACTION_REJECT, "banned-address", NULL},
	{"banned-envelope", {{"banned_addresses", "bad@example.net"}}, NULL, NULL, NULL,
	 "<bad@example.net>", 0, PGL_ACTION_REJECT, "banned-address", NULL},
	{"banned-second-from", {{"banned_addresses", "bad@example.net"}},
	 "From: poster@example.org, bad@example.net\nSender: poster@example.org\n"
	 "To: test@example.org\nSubject: hi\n",
	 NULL, NULL, NULL, 0, PGL_ACTION_REJECT, "banned-address", NULL},
	{"not-banned", {{"banned_addresses", "bad@example.net"}}, NULL, NULL, NULL, NULL, 0,
	 PGL_ACTION_ACCEPT, "member-moderation", NULL},
	/* administrivia */
	{"admin-subject-unsubscribe", {{0}},
	 "From: poster@example.org\nTo: test@example.org\nSubject: unsubscribe\n", NULL, NULL,
	 NULL, 0, PGL_ACTION_HOLD, "administrivia", "unsubscribe"},
	{"admin-subject-help", {{0}},
	 "From: poster@example.org\nTo: test@example.org\nSubject: HELP\n", NULL, "owner", NULL,
	 0, PGL_ACTION_HOLD, "administrivia", NULL},
	{"admin-subject-sentence", {{0}},
	 "From: poster@example.org\nTo: test@example.org\nSubject: help me with my printer\n", NULL,
	 NULL, NULL, 0, PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"admin-body", {{0}}, NULL, "\nsubscribe\n", NULL, NULL, 0, PGL_ACTION_HOLD,
	 "administrivia", "subscribe"},
	{"admin-body-confirm", {{0}}, NULL, "> quoted\nconfirm abc123\n", NULL, NULL, 0,
	 PGL_ACTION_HOLD, "administrivia", NULL},
	{"admin-body-sentence", {{0}}, NULL, "leave me alone please now\n", NULL, NULL, 0,
	 PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"admin-body-too-deep", {{0}}, NULL, "one\ntwo\nthree\nfour\nfive\nunsubscribe\n", NULL,
	 NULL, 0, PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"admin-off", {{"administrivia", "false"}},
	 "From: poster@example.org\nTo: test@example.org\nSubject: unsubscribe\n", NULL, NULL,
	 NULL, 0, PGL_ACTION_ACCEPT, "member-moderation", NULL},
	/* implicit-dest */
	{"implicit-dest", {{0}}, "From: poster@example.org\nTo: other@example.org\nSubject: hi\n",
	 NULL, NULL, NULL, 0, PGL_ACTION_HOLD, "implicit-dest", "implicit destination"},
	{"implicit-dest-no-to", {{0}}, "From: poster@example.org\nSubject: hi\n", NULL, NULL, NULL,
	 0, PGL_ACTION_HOLD, "implicit-dest", NULL},
	{"explicit-cc", {{0}},
	 "From: poster@example.org\nTo: other@example.org\nCc: TEST@Example.org\nSubject: hi\n",
	 NULL, NULL, NULL, 0, PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"explicit-group", {{0}},
	 "From: poster@example.org\nTo: lists: test@example.org;\nSubject: hi\n", NULL, NULL, NULL,
	 0, PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"explicit-alias", {{"acceptable_aliases", "alias@example.org"}},
	 "From: poster@example.org\nTo: alias@example.org\nSubject: hi\n", NULL, NULL, NULL, 0,
	 PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"explicit-alias-regex", {{"acceptable_aliases", "^test-[a-z]+@example\\.org$"}},
	 "From: poster@example.org\nTo: test-extra@example.org\nSubject: hi\n", NULL, NULL, NULL, 0,
	 PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"implicit-dest-off", {{"require_explicit_destination", "no"}},
	 "From: poster@example.org\nTo: other@example.org\nSubject: hi\n", NULL, NULL, NULL, 0,
	 PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"accepted-nonmember-still-checked", {{"accept_these_nonmembers", "poster@example.org"}},
	 "From: poster@example.org\nTo: other@example.org\nSubject: hi\n", NULL, "", NULL, 0,
	 PGL_ACTION_HOLD, "implicit-dest", NULL},
	/* max-recipients */
	{"max-recipients", {{0}},
	 "From: poster@example.org\nTo: test@example.org, a1@example.org, a2@example.org, "
	 "a3@example.org, a4@example.org\nCc: b1@example.org, b2@example.org, b3@example.org, "
	 "b4@example.org, b5@example.org\nSubject: hi\n",
	 NULL, NULL, NULL, 0, PGL_ACTION_HOLD, "max-recipients", "10"},
	{"max-recipients-below", {{0}},
	 "From: poster@example.org\nTo: test@example.org, a1@example.org, a2@example.org, "
	 "a3@example.org, a4@example.org\nCc: b1@example.org, b2@example.org, b3@example.org, "
	 "b4@example.org\nSubject: hi\n",
	 NULL, NULL, NULL, 0, PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"max-recipients-off", {{"max_num_recipients", "0"}},
	 "From: poster@example.org\nTo: test@example.org, a1@example.org, a2@example.org, "
	 "a3@example.org, a4@example.org\nCc: b1@example.org, b2@example.org, b3@example.org, "
	 "b4@example.org, b5@example.org\nSubject: hi\n",
	 NULL, NULL, NULL, 0, PGL_ACTION_ACCEPT, "member-moderation", NULL},
	{"max-recipients-2", {{"max_num_recipients", "2"}},
	 "From: poster@example.org\nTo: test@example.org\nCc: x@example.org\nSubject: hi\n", NULL,
	 NULL, NULL, 0, PGL_ACTION_HOLD, "max-recipients", NULL},
	/* max-size */
	{"max-size", {{0}}, NULL, NULL, NULL, NULL, 1024 * 1024 + 1, PGL_ACTION_HOLD, "max-size",
	 "larger than the 1024 KiB maximum size"},
	{"max-size-exact", {{0}}, NULL, NULL, NULL, NULL, 1024 * 1024, PGL_ACTION_ACCEPT,
	 "member-moderation", NULL},
	{"max-size-small", {{"max_message_size", "1"}}, NULL, NULL, NULL, NULL, 1025,
	 PGL_ACTION_HOLD, "max-size", "1 KiB"},
	{"max-size-off", {{"max_message_size", "0"}}, NULL, NULL, NULL, NULL, 100 * 1024 * 1024,
	 PGL_ACTION_ACCEPT, "member-moderation", NULL},
	/* no-subject */
	{"no-subject", {{0}}, "From: poster@example.org\nTo: test@example.org\n", NULL, NULL, NULL,
	 0, PGL_ACTION_HOLD, "no-subject", "no subject"},
	{"blank-subject", {{0}}, "From: poster@example.org\nTo: test@example.org\nSubject:   \n",
	 NULL, NULL, NULL, 0, PGL_ACTION_HOLD, "no-subject", NULL},
	{"prefix-only-subject", {{0}},
	 "From: poster@example.org\nTo: test@example.org\nSubject: [Test] \n", NULL, NULL, NULL, 0,
	 PGL_ACTION_HOLD, "no-subject", NULL},
	{"encoded-blank-subject", {{0}},
	 "From: poster@example.org\nTo: test@example.org\nSubject: =?utf-8?q?_?=\n", NULL, NULL,
	 NULL, 0, PGL_ACTION_HOLD, "no-subject", NULL},
	{"prefixed-subject", {{0}},
	 "From: poster@example.org\nTo: test@example.org\nSubject: [Test] hi\n", NULL, NULL, NULL,
	 0, PGL_ACTION_ACCEPT, "member-moderation", NULL},
	/* suspicious-header */
	{"suspicious", {{"bounce_matching_headers", "X-Spam-Flag: ^yes"}},
	 DEFAULT_HEADERS "X-Spam-Flag: YES\n", NULL, NULL, NULL, 0, PGL_ACTION_HOLD,
	 "suspicious-header", "X-Spam-Flag"},
	{"suspicious-no-match", {{"bounce_matching_headers", "X-Spam-Flag: ^yes"}},
	 DEFAULT_HEADERS "X-Spam-Flag: no\n", NULL, NULL, NULL, 0, PGL_ACTION_ACCEPT,
	 "member-moderation", NULL},
	{"suspicious-second-line", {{"bounce_matching_headers", "X-A: foo\nx-b: ba+r"}},
	 DEFAULT_HEADERS "X-B: baaar\n", NULL, NULL, NULL, 0, PGL_ACTION_HOLD, "suspicious-header",
	 NULL},
	/* order */
	{"moderation-before-administrivia", {{0}},
	 "From: poster@example.org\nTo: test@example.org\nSubject: unsubscribe\n", NULL,
	 "member:discard", NULL, 0, PGL_ACTION_DISCARD, "member-moderation", NULL},
	{"banned-before-moderation", {{"banned_addresses", "poster@example.org"}}, NULL, NULL,
	 "member:discard", NULL, 0, PGL_ACTION_REJECT, "banned-address", NULL},
	{"implicit-before-size", {{0}},
	 "From: poster@example.org\nTo: other@example.org\nSubject: hi\n", NULL, NULL, NULL,
	 10 * 1024 * 1024, PGL_ACTION_HOLD, "implicit-dest", NULL},
};

static void
set_setting(PglList *list, const gchar *name, const gchar *value)
{
	g_autoptr(GError) error = NULL;
	gchar *stored = pgl_list_setting_validate(name, value, &error);

	g_assert_no_error(error);
	g_hash_table_insert(list->settings, g_strdup(name), stored);
}

static GPtrArray *
make_roles(const gchar *spec, const gchar *address)
{
	GPtrArray *roles = g_ptr_array_new_with_free_func((GDestroyNotify)pgl_member_free);
	g_auto(GStrv) items = g_strsplit(spec, ",", -1);

	for (guint i = 0; items[i] != NULL; i++) {
		g_auto(GStrv) fields = NULL;
		PglMember *member;

		if (items[i][0] == '\0')
			continue;
		fields = g_strsplit(items[i], ":", 2);
		member = pgl_member_new();
		member->address = g_strdup(address);
		g_assert_true(pgl_role_from_string(fields[0], &member->role));
		member->moderation_action = PGL_ACTION_DEFER;
		if (fields[1] != NULL) {
			g_assert_true(
				pgl_action_from_string(fields[1], &member->moderation_action));
		}
		g_ptr_array_add(roles, member);
	}
	return roles;
}

static gchar *
make_case_text(const RuleCase *test_case)
{
	GString *text = g_string_new(NULL);
	const gchar *headers = test_case->headers != NULL ? test_case->headers : DEFAULT_HEADERS;

	if (g_str_has_prefix(headers, "RECEIVED:")) {
		guint64 count = g_ascii_strtoull(headers + 9, NULL, 10);

		for (guint64 i = 0; i < count; i++)
			g_string_append_printf(text, "Received: from hop%" G_GUINT64_FORMAT
						     ".example.net by mx.example.org\n",
					       i);
		headers = DEFAULT_HEADERS;
	}
	g_string_append(text, headers);
	g_string_append(text, "\n");
	g_string_append(text, test_case->body != NULL ? test_case->body : "Just a post.\n");
	return g_string_free(text, FALSE);
}

typedef struct {
	gchar *tmpdir;
	PglContext *ctx;
} Fixture;

static void
fixture_set_up(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	PglConfig *config = pgl_config_new_default();

	fixture->tmpdir = g_dir_make_tmp("pgl-test-rules-XXXXXX", &error);
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
parse_ok(PglContext *ctx, const gchar *text)
{
	g_autoptr(GBytes) raw = g_bytes_new(text, strlen(text));
	g_autoptr(GError) error = NULL;
	GMimeMessage *message = NULL;

	if (!pgl_mail_parse(ctx, raw, &message, &error))
		g_error("test message does not parse: %s", error->message);
	return message;
}

/* A PGP list's findings from a RuleCase's @pgp spec. */
static PglPostingPgp *
make_pgp(const gchar *spec)
{
	g_auto(GStrv) tokens = NULL;
	PglPostingPgp *pgp;

	if (spec == NULL)
		return NULL;
	pgp = g_new0(PglPostingPgp, 1);
	pgp->sender_has_key = TRUE;
	pgp->sender_key_confirmed = TRUE;
	pgp->signature = PGL_POSTING_SIGNATURE_GOOD;
	pgp->detail = g_strdup_printf("test findings %s", spec);
	tokens = g_strsplit(spec, ",", -1);
	for (guint i = 0; tokens[i] != NULL; i++) {
		const gchar *token = tokens[i];

		if (g_str_equal(token, "enc"))
			pgp->encrypted = TRUE;
		else if (g_str_equal(token, "inline"))
			pgp->inline_pgp = TRUE;
		else if (g_str_equal(token, "nokey"))
			pgp->sender_has_key = pgp->sender_key_confirmed = FALSE;
		else if (g_str_equal(token, "unconfirmed"))
			pgp->sender_key_confirmed = FALSE;
		else if (g_str_equal(token, "replay"))
			pgp->replayed = TRUE;
		else if (g_str_equal(token, "sig=good"))
			pgp->signature = PGL_POSTING_SIGNATURE_GOOD;
		else if (g_str_equal(token, "sig=unsigned"))
			pgp->signature = PGL_POSTING_SIGNATURE_UNSIGNED;
		else if (g_str_equal(token, "sig=expired"))
			pgp->signature = PGL_POSTING_SIGNATURE_EXPIRED;
		else if (g_str_equal(token, "sig=revoked"))
			pgp->signature = PGL_POSTING_SIGNATURE_REVOKED;
		else if (g_str_equal(token, "sig=invalid"))
			pgp->signature = PGL_POSTING_SIGNATURE_INVALID;
		else
			g_error("bad pgp spec token %s", token);
	}
	return pgp;
}

static void
test_rule_cases(Fixture *fixture, gconstpointer user_data)
{
	guint failures = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(rule_cases); i++) {
		const RuleCase *test_case = &rule_cases[i];
		g_autoptr(PglList) list = pgl_list_new(1, "test", "example.org");
		g_autofree gchar *text = make_case_text(test_case);
		g_autoptr(GMimeMessage) message = parse_ok(fixture->ctx, text);
		g_autoptr(GPtrArray) roles = NULL;
		g_autoptr(PglPosting) posting = NULL;
		g_autoptr(PglVerdict) verdict = NULL;
		gsize size = test_case->raw_size != 0 ? test_case->raw_size : strlen(text);

		for (guint j = 0; j < G_N_ELEMENTS(test_case->settings); j++) {
			if (test_case->settings[j].name != NULL)
				set_setting(list, test_case->settings[j].name,
					    test_case->settings[j].value);
		}
		posting = pgl_posting_new(fixture->ctx, list, message, size, test_case->envelope,
					  NULL);
		roles = make_roles(
			test_case->roles != NULL ? test_case->roles : "member",
			posting->sender != NULL ? posting->sender : "nobody@example.org");
		posting->sender_roles = roles;
		posting->pgp = make_pgp(test_case->pgp);
		verdict = pgl_chain_run(posting);

		g_assert_nonnull(verdict);
		g_assert_nonnull(verdict->reason);
		g_assert_cmpstr(verdict->reason, !=, "");
		if (verdict->action != test_case->want ||
		    g_strcmp0(verdict->rule, test_case->want_rule) != 0 ||
		    (test_case->want_reason != NULL &&
		     strstr(verdict->reason, test_case->want_reason) == NULL)) {
			g_test_message("case %s: got %s by %s (\"%s\"), want %s by %s%s%s%s",
				       test_case->name, pgl_action_to_string(verdict->action),
				       verdict->rule, verdict->reason,
				       pgl_action_to_string(test_case->want), test_case->want_rule,
				       test_case->want_reason != NULL ? " (reason with \"" : "",
				       test_case->want_reason != NULL ? test_case->want_reason : "",
				       test_case->want_reason != NULL ? "\")" : "");
			failures++;
		}
	}
	g_assert_cmpuint(failures, ==, 0);
}

/* Every rule of the chain is exercised by a deciding row of the table above. */
static void
test_rules_covered(void)
{
	const PglRule *const *rules = pgl_chain_get_rules();
	guint n = 0;

	for (; rules[n] != NULL; n++) {
		gboolean covered = FALSE;

		for (gsize i = 0; i < G_N_ELEMENTS(rule_cases) && !covered; i++)
			covered = g_str_equal(rule_cases[i].want_rule, rules[n]->name);
		if (!covered)
			g_error("rule %s has no table case", rules[n]->name);
	}
	g_assert_cmpuint(n, ==, 17);
	g_assert_cmpstr(rules[0]->name, ==, "pgp-encrypted");
	g_assert_cmpstr(rules[4]->name, ==, "pgp-duplicate");
	g_assert_cmpstr(rules[5]->name, ==, "approved");
	g_assert_cmpstr(rules[16]->name, ==, "suspicious-header");
}

static PglVerdict *
run_chain(Fixture *fixture, PglList *list, GMimeMessage *message)
{
	g_autoptr(PglPosting) posting =
		pgl_posting_new(fixture->ctx, list, message, 100, NULL, NULL);

	return pgl_chain_run(posting);
}

static void
test_approved_header_removed(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglList) list = pgl_list_new(1, "test", "example.org");
	g_autoptr(GMimeMessage) message = parse_ok(
		fixture->ctx, DEFAULT_HEADERS "Approved: pw\nX-Approve: pw\n\nText\n");
	g_autoptr(PglVerdict) verdict = NULL;

	set_setting(list, "moderator_password", "pw");
	verdict = run_chain(fixture, list, message);
	g_assert_cmpint(verdict->action, ==, PGL_ACTION_ACCEPT);
	g_assert_null(pgl_mail_get_header(message, "Approved"));
	g_assert_null(pgl_mail_get_header(message, "X-Approve"));
}

static void
test_approved_wrong_kept(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglList) list = pgl_list_new(1, "test", "example.org");
	g_autoptr(GMimeMessage) message =
		parse_ok(fixture->ctx, DEFAULT_HEADERS "Approved: wrong\n\nText\n");
	g_autoptr(PglVerdict) verdict = NULL;

	set_setting(list, "moderator_password", "pw");
	verdict = run_chain(fixture, list, message);
	g_assert_cmpint(verdict->action, ==, PGL_ACTION_HOLD);
	/* left for the cleanse handler; never accepted */
	g_assert_nonnull(pgl_mail_get_header(message, "Approved"));
}

static void
test_approved_body_removed(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglList) list = pgl_list_new(1, "test", "example.org");
	g_autoptr(GMimeMessage) message = parse_ok(
		fixture->ctx,
		DEFAULT_HEADERS "MIME-Version: 1.0\n"
				"Content-Type: multipart/alternative; boundary=alt\n\n"
				"--alt\nContent-Type: text/plain; charset=utf-8\n"
				"Content-Transfer-Encoding: quoted-printable\n\n"
				"approved: p=C3=A4ss\n\nGr=C3=BC=C3=9Fe, all.\n"
				"--alt\nContent-Type: text/html; charset=utf-8\n\n"
				"<p>Approved: p\xc3\xa4ss</p><p>Gr\xc3\xbc\xc3\x9f" "e, all.</p>\n"
				"--alt--\n");
	g_autoptr(PglVerdict) verdict = NULL;
	g_autoptr(GPtrArray) parts = NULL;
	g_autoptr(GBytes) out = NULL;

	set_setting(list, "moderator_password", "p\xc3\xa4ss");
	verdict = run_chain(fixture, list, message);
	g_assert_cmpint(verdict->action, ==, PGL_ACTION_ACCEPT);
	g_assert_cmpstr(verdict->rule, ==, "approved");
	parts = pgl_mail_find_text_parts(message, PGL_MAIL_TEXT_NONE);
	g_assert_cmpuint(parts->len, ==, 2);
	{
		g_autofree gchar *plain = pgl_mail_part_get_text(parts->pdata[0]);
		g_autofree gchar *html = pgl_mail_part_get_text(parts->pdata[1]);

		/* the line break before a boundary belongs to the boundary (RFC 2046 §5.1.1) */
		g_assert_cmpstr(plain, ==, "Gr\xc3\xbc\xc3\x9f" "e, all.");
		g_assert_null(strstr(html, "p\xc3\xa4ss"));
		g_assert_nonnull(strstr(html, "all."));
	}
	out = pgl_mail_to_bytes(message);
	g_assert_null(
		g_strstr_len(g_bytes_get_data(out, NULL), g_bytes_get_size(out), "p=C3=A4ss"));
}

static void
test_approved_not_in_signed(Fixture *fixture, gconstpointer user_data)
{
	/* a password line inside a signed part is not used, since removing it would break the
	 * signature; the post is held so that the password does not reach the members */
	g_autoptr(PglList) list = pgl_list_new(1, "test", "example.org");
	g_autoptr(GMimeMessage) message = parse_ok(
		fixture->ctx,
		DEFAULT_HEADERS "MIME-Version: 1.0\nContent-Type: multipart/signed; "
				"protocol=\"application/pgp-signature\"; micalg=pgp-sha256; "
				"boundary=sig\n\n--sig\nContent-Type: text/plain\n\n"
				"Approved: pw\n\nText\n--sig\n"
				"Content-Type: application/pgp-signature\n\nxx\n--sig--\n");
	g_autoptr(PglVerdict) verdict = NULL;

	set_setting(list, "moderator_password", "pw");
	verdict = run_chain(fixture, list, message);
	g_assert_cmpint(verdict->action, ==, PGL_ACTION_HOLD);
	g_assert_cmpstr(verdict->rule, ==, "approved");
	g_assert_nonnull(strstr(verdict->reason, "signed part"));

	/* a wrong password there is no reason to hold: the ordinary rules decide */
	g_clear_pointer(&verdict, pgl_verdict_free);
	set_setting(list, "moderator_password", "other");
	verdict = run_chain(fixture, list, message);
	g_assert_cmpint(verdict->action, ==, PGL_ACTION_HOLD);
	g_assert_cmpstr(verdict->rule, ==, "nonmember-moderation");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();

	g_test_add("/pipeline/rules/table", Fixture, NULL, fixture_set_up, test_rule_cases,
		   fixture_tear_down);
	g_test_add_func("/pipeline/rules/covered", test_rules_covered);
	g_test_add("/pipeline/rules/approved/header-removed", Fixture, NULL, fixture_set_up,
		   test_approved_header_removed, fixture_tear_down);
	g_test_add("/pipeline/rules/approved/wrong-password", Fixture, NULL, fixture_set_up,
		   test_approved_wrong_kept, fixture_tear_down);
	g_test_add("/pipeline/rules/approved/body-removed", Fixture, NULL, fixture_set_up,
		   test_approved_body_removed, fixture_tear_down);
	g_test_add("/pipeline/rules/approved/not-in-signed", Fixture, NULL, fixture_set_up,
		   test_approved_not_in_signed, fixture_tear_down);
	return g_test_run();
}
