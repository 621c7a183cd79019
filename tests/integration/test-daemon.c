/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Integration tests of the real `pgplist` binary (cf. notmuch's test suite): each test writes a
 * configuration into a temporary directory, drives the command line as a subprocess, starts
 * `pgplist serve` with `[lmtp] port = 0`, sends mail in over LMTP and collects what the daemon
 * hands to its relay in the in-process SMTP sink. The fixture, the LMTP client and gpg are in
 * tests/support (pgl-test-daemon.h, pgl-test-lmtp.h, pgl-test-gpg.h); what comes out is parsed
 * with GMime and checked header by header; queue state is read from the spool directories and,
 * where the command line has no view of it, from the store.
 *
 * Waiting is always polling with a deadline, never a fixed sleep (see pgl-test-daemon.h), and
 * a daemon never outlives its test: the fixture stops it in tear-down, a failed assertion kills
 * it (and prints its log), and PR_SET_PDEATHSIG kills it if this process dies any other way.
 *
 * The binary is found through $PGLIST_BINARY (set by meson).
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <string.h>

#include "core/pgl-context.h"
#include "core/pgl-list.h"
#include "store/pgl-store.h"
#include "support/pgl-smtp-sink.h"
#include "support/pgl-test-cert.h"
#include "support/pgl-test-daemon.h"
#include "support/pgl-test-gpg.h"
#include "support/pgl-test-lmtp.h"

#define LIST         "team@lists.example.org"
#define LIST_NAME    "team"
#define LIST_DOMAIN  "lists.example.org"
#define LIST_ID      "<team.lists.example.org>"
#define LIST_OWNER   "team-owner@lists.example.org"
#define LIST_BOUNCES "team-bounces@lists.example.org"
#define PREFIX       "[Team] "
#define OWNER        "owner@example.com"
#define NONMEMBER    "zed@outside.example"

/* The members tests subscribe, in this order; most tests use the first three. */
static const gchar *const member_addresses[] = {
	"alice@example.com", "bob@example.com",  "carol@example.com",
	"dave@example.com",  "erin@example.com", NULL,
};
#define ALICE        member_addresses[0]
#define BOB          member_addresses[1]
#define CAROL        member_addresses[2]
#define DAVE         member_addresses[3]
#define ERIN         member_addresses[4]
#define DAVE_ADDRESS "dave@example.com" /* for string concatenation */
#define ALICE_ADDRESS "alice@example.com" /* for static tables */

/* ---- fixture -------------------------------------------------------------------------------- */

typedef PglTestDaemon Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	pgl_test_daemon_init(f, NULL, PGL_TEST_DAEMON_FLAG_NONE, &error);
	g_assert_no_error(error);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	pgl_test_daemon_clear(f);
}

/* ---- the store, for what the command line does not show ------------------------------------ */

static void
set_member_delivery(Fixture *f, const gchar *address, gboolean enabled)
{
	g_autoptr(PglContext) ctx = NULL;
	g_autoptr(PglStore) store = pgl_test_daemon_store_open(f, &ctx);
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = pgl_store_list_lookup(store, LIST, &error);
	g_autoptr(PglMember) member = NULL;

	g_assert_no_error(error);
	member = pgl_store_member_lookup(store, list->id, address, PGL_ROLE_MEMBER, &error);
	g_assert_no_error(error);
	pgl_store_member_set_delivery(store, member->id, enabled, &error);
	g_assert_no_error(error);
}

static guint
bounce_count(Fixture *f, const gchar *address)
{
	g_autoptr(PglContext) ctx = NULL;
	g_autoptr(PglStore) store = pgl_test_daemon_store_open(f, &ctx);
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = pgl_store_list_lookup(store, LIST, &error);
	guint count;

	g_assert_no_error(error);
	count = pgl_store_bounce_count(store, list->id, address, &error);
	g_assert_no_error(error);
	return count;
}

/* ---- mail ---------------------------------------------------------------------------------- */

/* Posts a message from @from to the list over LMTP (must get 250); returns its Message-ID. */
static gchar *
post(Fixture *f, const gchar *from, const gchar *subject)
{
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message = pgl_test_daemon_make_message(from, LIST, subject, message_id,
								 NULL);
	guint code = pgl_test_daemon_lmtp_send(f, from, LIST, message);

	PGL_TEST_ASSERT_UINT(code, 250);
	return g_steal_pointer(&message_id);
}

/* ---- lists ----------------------------------------------------------------------------------- */

/* Creates LIST with OWNER and the first @n_members members. */
static void
setup_list(Fixture *f, guint n_members)
{
	g_autoptr(GString) input = g_string_new(NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *added = NULL;

	out = pgl_test_daemon_cli_ok(f, NULL, "create", LIST, "--owner", OWNER, NULL);
	PGL_TEST_ASSERT_CONTAINS(out, LIST);
	for (guint i = 0; i < n_members; i++)
		g_string_append_printf(input, "%s\n", member_addresses[i]);
	if (n_members > 0)
		added = pgl_test_daemon_cli_ok(f, input->str, "addmembers", LIST, "-", NULL);
}

static GStrv
members_upto(guint n)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (guint i = 0; i < n; i++)
		g_strv_builder_add(builder, member_addresses[i]);
	return g_strv_builder_end(builder);
}

/* ==== 1. posting ============================================================================== */

static void
assert_list_headers(PglTestReceived *received)
{
	const gchar *list_id = pgl_test_received_header(received, "List-Id");
	const gchar *list_post = pgl_test_received_header(received, "List-Post");
	const gchar *unsubscribe = pgl_test_received_header(received, "List-Unsubscribe");
	const gchar *been_there = pgl_test_received_header(received, "X-BeenThere");
	const gchar *precedence = pgl_test_received_header(received, "Precedence");
	g_autofree gchar *precedence_value = g_strstrip(g_strdup(precedence ? precedence : ""));

	PGL_TEST_ASSERT_STR(received->raw->mail_from, LIST_BOUNCES);
	PGL_TEST_ASSERT_CONTAINS(list_id, LIST_ID);
	PGL_TEST_ASSERT_UINT(pgl_test_received_header_count(received, "List-Id"), 1);
	PGL_TEST_ASSERT_CONTAINS(list_post, "<mailto:" LIST ">");
	g_assert_nonnull(unsubscribe);
	PGL_TEST_ASSERT_CONTAINS(unsubscribe, "mailto:");
	PGL_TEST_ASSERT_CONTAINS(been_there, LIST);
	PGL_TEST_ASSERT_STR(precedence_value, "list");
}

/* The MTA delivers a post again (it missed our LMTP reply): the members get it once. A post
 * refused before (here: banned sender) is judged again when it comes again. */
static void
test_post_redelivered_once(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message =
		pgl_test_daemon_make_message(ALICE, LIST, "Said once", message_id, NULL);
	g_autofree gchar *refused_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *refused =
		pgl_test_daemon_make_message(BOB, LIST, "Refused twice", refused_id, NULL);
	g_autofree gchar *set = NULL;
	g_autoptr(GPtrArray) notices = NULL;

	setup_list(f, 3);
	set = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "banned_addresses", BOB, NULL);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, ALICE, LIST, message), 250);
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, ALICE, LIST, message), 250);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);

	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, BOB, LIST, refused), 250);
	pgl_test_daemon_wait_sink(f, 4);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, BOB, LIST, refused), 250);
	pgl_test_daemon_wait_sink(f, 5);
	pgl_test_daemon_wait_idle(f);
	notices = pgl_test_daemon_messages_to(f, BOB, "was rejected");
	PGL_TEST_ASSERT_UINT(notices->len, 2);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, refused_id, ALICE), 0);
}

static void
test_post_member_reaches_all(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *removed = NULL;
	g_autoptr(GPtrArray) transactions = NULL;
	PglTestReceived *copy;
	const gchar *subject;

	setup_list(f, 5);
	/* dave keeps his membership but has delivery off; erin leaves */
	set_member_delivery(f, DAVE, FALSE);
	removed = pgl_test_daemon_cli_ok(f, "erin@example.com\n", "delmembers", LIST, "-", NULL);
	pgl_test_daemon_start(f);

	message_id = post(f, ALICE, "Meeting notes");
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, DAVE), 0);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, ERIN), 0);

	transactions = pgl_test_daemon_transactions_of(f, message_id);
	PGL_TEST_ASSERT_UINT(transactions->len, 1); /* bulk: one transaction for all */
	copy = g_ptr_array_index(transactions, 0);
	assert_list_headers(copy);
	subject = g_mime_message_get_subject(copy->mime);
	PGL_TEST_ASSERT_STR(subject, PREFIX "Meeting notes");
	PGL_TEST_ASSERT_CONTAINS(copy->text, "this is a test post.");
	PGL_TEST_ASSERT_CONTAINS(copy->text, "To unsubscribe send an email to");
	PGL_TEST_ASSERT_CONTAINS(copy->text, LIST);
	/* the poster's own headers survive */
	PGL_TEST_ASSERT_CONTAINS(pgl_test_received_header(copy, "From"), ALICE);
	PGL_TEST_ASSERT_STR(pgl_test_received_header(copy, "User-Agent"),
			    "pgplist-integration-test");
}

static void
test_post_subject_prefix_once(Fixture *f, gconstpointer data)
{
	static const gchar *const subjects[] = {
		"Re: " PREFIX "lunch",
		PREFIX "lunch",
		"Re: Re: " PREFIX "lunch",
	};
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	for (guint i = 0; i < G_N_ELEMENTS(subjects); i++)
		g_ptr_array_add(ids, post(f, BOB, subjects[i]));
	pgl_test_daemon_wait_sink(f, 3 * G_N_ELEMENTS(subjects));
	pgl_test_daemon_wait_idle(f);
	for (guint i = 0; i < G_N_ELEMENTS(subjects); i++) {
		g_autoptr(GPtrArray) transactions =
			pgl_test_daemon_transactions_of(f, g_ptr_array_index(ids, i));
		const gchar *subject;
		const gchar *first;

		PGL_TEST_ASSERT_UINT(transactions->len, 1);
		subject = g_mime_message_get_subject(
			((PglTestReceived *)g_ptr_array_index(transactions, 0))->mime);
		g_test_message("subject \"%s\" went out as \"%s\"", subjects[i], subject);
		first = strstr(subject, "[Team]");
		g_assert_nonnull(first);
		if (strstr(first + 1, "[Team]") != NULL) {
			g_test_message("subject: got \"%s\", want \"[Team]\" exactly once",
				       subject);
			g_assert_null(strstr(first + 1, "[Team]"));
		}
		/* where the prefix goes relative to "Re:" is the handler's choice; once is the rule
		 */
		g_assert_true(g_str_has_suffix(subject, PREFIX "lunch") ||
			      g_str_has_suffix(subject, "Re: lunch"));
	}
}

static void
test_post_max_recipients(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autoptr(GPtrArray) transactions = NULL;
	guint sizes[2] = {0};

	g_key_file_set_integer(f->config, "mta", "max_recipients", 2);
	setup_list(f, 3);
	pgl_test_daemon_start(f);
	message_id = post(f, CAROL, "chunked");
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = pgl_test_daemon_transactions_of(f, message_id);
	PGL_TEST_ASSERT_UINT(transactions->len, 2);
	for (guint i = 0; i < 2; i++) {
		PglTestReceived *copy = g_ptr_array_index(transactions, i);

		sizes[i] = g_strv_length(copy->raw->recipients);
		PGL_TEST_ASSERT_STR(copy->raw->mail_from, LIST_BOUNCES);
	}
	PGL_TEST_ASSERT_UINT(MAX(sizes[0], sizes[1]), 2);
	PGL_TEST_ASSERT_UINT(MIN(sizes[0], sizes[1]), 1);
}

/* The footer must not touch a byte that a signature covers (RFC 1847, RFC 3156). */
static void
test_post_signed_untouched(Fixture *f, gconstpointer data)
{
	/* odd but valid: folded parameters, trailing blanks, a "From " line, a dot line */
	static const gchar signed_part[] = "Content-Type: text/plain;\n"
					   "\tcharset=\"us-ascii\"\n"
					   "Content-Transfer-Encoding: 7bit\n"
					   "\n"
					   "Signed text with a trailing blank \n"
					   "From here on it is signed.\n"
					   ".\n"
					   "\n"
					   "-- \n"
					   "sig\n";
	static const gchar signature_part[] =
		"Content-Type: application/pgp-signature; name=\"signature.asc\"\n"
		"\n"
		"-----BEGIN PGP SIGNATURE-----\n"
		"\n"
		"iHUEARYKAB0WIQRxZXN0aW5nIG9ubHksIG5vdCBhIHNpZ25hdHVyZQAKCRBub3Rh\n"
		"=abcd\n"
		"-----END PGP SIGNATURE-----\n";
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *date = pgl_test_daemon_rfc5322_date();
	g_autofree gchar *message = g_strdup_printf(
		"From: %s\nTo: %s\nSubject: signed\nMessage-ID: <%s>\nDate: %s\nMIME-Version: 1.0\n"
		"Content-Type: multipart/signed; micalg=pgp-sha256;\n"
		" protocol=\"application/pgp-signature\"; boundary=\"sig-boundary\"\n"
		"\n"
		"This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\n"
		"--sig-boundary\n%s\n--sig-boundary\n%s\n--sig-boundary--\n",
		ALICE, LIST, message_id, date, signed_part, signature_part);
	g_autoptr(GPtrArray) transactions = NULL;
	PglTestReceived *copy;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, ALICE, LIST, message), 250);
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = pgl_test_daemon_transactions_of(f, message_id);
	copy = g_ptr_array_index(transactions, 0);
	{
		gsize len = 0;
		const gchar *raw = g_bytes_get_data(copy->raw->data, &len);
		g_autofree gchar *text = g_strndup(raw, len);
		g_autofree gchar *exact =
			g_strdup_printf("--sig-boundary\n%s\n--sig-boundary\n", signed_part);

		PGL_TEST_ASSERT_CONTAINS(text, exact);
		PGL_TEST_ASSERT_CONTAINS(text, signature_part);
	}
	PGL_TEST_ASSERT_CONTAINS(copy->text, "To unsubscribe send an email to");
	PGL_TEST_ASSERT_STR(g_mime_message_get_subject(copy->mime), PREFIX "signed");
}

/* A base64 text body gets its footer and stays readable. */
static void
test_post_base64_body(Fixture *f, gconstpointer data)
{
	static const gchar text[] = "Gr\xc3\xbc\xc3\x9f"
				    "e,\nthis body travels as base64.\n";
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *date = pgl_test_daemon_rfc5322_date();
	g_autofree gchar *encoded = g_base64_encode((const guchar *)text, strlen(text));
	g_autofree gchar *message = g_strdup_printf(
		"From: %s\nTo: %s\nSubject: base64\nMessage-ID: <%s>\nDate: %s\nMIME-Version: 1.0\n"
		"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
		"base64\n\n%s\n",
		ALICE, LIST, message_id, date, encoded);
	g_autoptr(GPtrArray) transactions = NULL;
	PglTestReceived *copy;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, ALICE, LIST, message), 250);
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = pgl_test_daemon_transactions_of(f, message_id);
	copy = g_ptr_array_index(transactions, 0);
	PGL_TEST_ASSERT_CONTAINS(copy->text, text);
	PGL_TEST_ASSERT_CONTAINS(copy->text, "To unsubscribe send an email to");
}

static void
test_post_large_message(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autoptr(GString) body = g_string_new(NULL);
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message = NULL;
	g_autoptr(GPtrArray) transactions = NULL;
	PglTestReceived *copy;

	for (guint i = 0; i < 12000; i++)
		g_string_append_printf(body, "line %05u of a long report, padded to fifty.\n", i);
	message = pgl_test_daemon_make_message(ALICE, LIST, "large", message_id, body->str);
	setup_list(f, 3);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, ALICE, LIST, message), 250);
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = pgl_test_daemon_transactions_of(f, message_id);
	copy = g_ptr_array_index(transactions, 0);
	g_test_message("sent %" G_GSIZE_FORMAT " bytes, relay got %" G_GSIZE_FORMAT,
		       strlen(message), g_bytes_get_size(copy->raw->data));
	PGL_TEST_ASSERT_CONTAINS(copy->text, body->str);
}

/* ==== 2. held posts and moderation ========================================================== */

typedef struct {
	gchar *id;
	gchar *sender;
	gchar *subject;
	gchar *reason;
} HeldLine;

static void
held_line_free(HeldLine *line)
{
	g_free(line->id);
	g_free(line->sender);
	g_free(line->subject);
	g_free(line->reason);
	g_free(line);
}

static GPtrArray *
held_list(Fixture *f)
{
	g_autofree gchar *out = pgl_test_daemon_cli_ok(f, NULL, "held", LIST, NULL);
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	GPtrArray *held = g_ptr_array_new_with_free_func((GDestroyNotify)held_line_free);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) fields = NULL;
		HeldLine *line;

		if (lines[i][0] == '\0')
			continue;
		fields = g_strsplit(lines[i], "\t", 4);
		if (g_strv_length(fields) != 4) {
			g_test_message("pgplist held: got line \"%s\", want ID\\tsender\\tsubject"
				       "\\treason",
				       lines[i]);
			g_assert_cmpuint(g_strv_length(fields), ==, 4);
		}
		line = g_new0(HeldLine, 1);
		line->id = g_strdup(fields[0]);
		line->sender = g_strdup(fields[1]);
		line->subject = g_strdup(fields[2]);
		line->reason = g_strdup(fields[3]);
		g_ptr_array_add(held, line);
	}
	return held;
}

/* A non-member posts; the post is held, the owner and the poster are told. Returns the held id. */
static gchar *
post_and_hold(Fixture *f, const gchar *subject, gchar **message_id_out)
{
	g_autoptr(GPtrArray) held = NULL;
	g_autoptr(GPtrArray) to_owner = NULL;
	g_autoptr(GPtrArray) to_poster = NULL;
	HeldLine *line = NULL;
	guint before = pgl_smtp_sink_recipient_count(f->sink);
	g_autofree gchar *message_id = post(f, NONMEMBER, subject);
	g_autofree gchar *decoded = g_mime_utils_header_decode_text(NULL, subject);
	PglTestReceived *notice;

	/* the moderator notice and the held-poster notice */
	pgl_test_daemon_wait_sink(f, before + 2);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), before + 2);
	for (guint i = 0; member_addresses[i] != NULL; i++)
		PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, member_addresses[i]),
				     0);

	held = held_list(f);
	for (guint i = 0; i < held->len; i++) {
		HeldLine *candidate = g_ptr_array_index(held, i);

		if (g_str_equal(candidate->subject, decoded))
			line = candidate;
	}
	if (line == NULL) {
		g_test_message("pgplist held: no line with subject \"%s\" (%u lines)", decoded,
			       held->len);
		g_assert_nonnull(line);
	}
	PGL_TEST_ASSERT_STR(line->sender, NONMEMBER);
	g_assert_cmpstr(line->reason, !=, "");

	to_owner = pgl_test_daemon_messages_to(f, OWNER, NULL);
	g_assert_cmpuint(to_owner->len, >=, 1);
	notice = g_ptr_array_index(to_owner, to_owner->len - 1);
	PGL_TEST_ASSERT_STR(notice->raw->mail_from, LIST_BOUNCES);
	PGL_TEST_ASSERT_CONTAINS(pgl_test_received_header(notice, "From"), LIST_OWNER);
	PGL_TEST_ASSERT_CONTAINS(g_mime_message_get_subject(notice->mime), NONMEMBER);
	PGL_TEST_ASSERT_CONTAINS(notice->text, line->id);
	PGL_TEST_ASSERT_CONTAINS(notice->text, decoded);

	to_poster = pgl_test_daemon_messages_to(f, NONMEMBER, "awaits moderator approval");
	g_assert_cmpuint(to_poster->len, >=, 1);
	notice = g_ptr_array_index(to_poster, to_poster->len - 1);
	PGL_TEST_ASSERT_STR(notice->raw->mail_from, LIST_BOUNCES);
	PGL_TEST_ASSERT_CONTAINS(pgl_test_received_header(notice, "From"), LIST_OWNER);
	PGL_TEST_ASSERT_CONTAINS(notice->text, decoded);

	if (message_id_out != NULL)
		*message_id_out = g_steal_pointer(&message_id);
	return g_strdup(line->id);
}

static void
test_hold_nonmember_accept(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *out = NULL;
	g_autoptr(GPtrArray) held = NULL;
	g_autoptr(GPtrArray) transactions = NULL;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	held_id = post_and_hold(f, "Question from outside", &message_id);
	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 1);
	{
		/* a held id is only good for its own list */
		g_autofree gchar *created = pgl_test_daemon_cli_ok(f, NULL, "create",
								   "other@" LIST_DOMAIN, NULL);
		g_autoptr(PglTestCliResult) wrong_list =
			pgl_test_daemon_cli_run(f, NULL, "moderate", "other@" LIST_DOMAIN, held_id,
						"accept", NULL);
		g_assert_nonnull(created);

		pgl_test_cli_assert_error(wrong_list, held_id);
	}

	out = pgl_test_daemon_cli_ok(f, NULL, "moderate", LIST, held_id, "accept", NULL);
	PGL_TEST_ASSERT_CONTAINS(out, "accepted");
	pgl_test_daemon_wait_sink(f, 2 + 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = pgl_test_daemon_transactions_of(f, message_id);
	assert_list_headers(g_ptr_array_index(transactions, 0));
	PGL_TEST_ASSERT_STR(g_mime_message_get_subject(
				    ((PglTestReceived *)g_ptr_array_index(transactions, 0))->mime),
			    PREFIX "Question from outside");
	g_clear_pointer(&held, g_ptr_array_unref);
	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 0);
}

static void
test_hold_reject_with_reason(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *out = NULL;
	g_autoptr(GPtrArray) rejected = NULL;
	g_autoptr(GPtrArray) held = NULL;
	PglTestReceived *notice;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	held_id = post_and_hold(f, "Buy now", &message_id);
	out = pgl_test_daemon_cli_ok(f, NULL, "moderate", LIST, held_id, "reject", "--reason",
				     "off topic", NULL);
	PGL_TEST_ASSERT_CONTAINS(out, "rejected");
	pgl_test_daemon_wait_sink(f, 2 + 1);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 3);
	rejected = pgl_test_daemon_messages_to(f, NONMEMBER, "rejected");
	PGL_TEST_ASSERT_UINT(rejected->len, 1);
	notice = g_ptr_array_index(rejected, 0);
	PGL_TEST_ASSERT_STR(notice->raw->mail_from, LIST_BOUNCES);
	PGL_TEST_ASSERT_CONTAINS(pgl_test_received_header(notice, "From"), LIST_OWNER);
	PGL_TEST_ASSERT_CONTAINS(notice->text, "off topic");
	PGL_TEST_ASSERT_CONTAINS(notice->text, "Buy now");
	for (guint i = 0; member_addresses[i] != NULL; i++)
		PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, member_addresses[i]),
				     0);
	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 0);
}

static void
test_hold_discard(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *barrier = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	held_id = post_and_hold(f, "Please drop", &message_id);
	out = pgl_test_daemon_cli_ok(f, NULL, "moderate", LIST, held_id, "discard", NULL);
	PGL_TEST_ASSERT_CONTAINS(out, "discarded");
	/* a member's post after it: once that is out, anything the discard caused would be too */
	barrier = post(f, ALICE, "barrier");
	pgl_test_daemon_wait_sink(f, 2 + 3);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 2 + 3);
	for (guint i = 0; member_addresses[i] != NULL; i++)
		PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, member_addresses[i]),
				     0);
	{
		g_autoptr(GPtrArray) to_poster = pgl_test_daemon_messages_to(f, NONMEMBER, NULL);

		PGL_TEST_ASSERT_UINT(to_poster->len, 1); /* only the held notice */
	}
	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 0);
}

/* Decisions need no running daemon: accepted while it is down, delivered once it is up. */
static void
test_hold_moderate_offline(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *out = NULL;
	g_autoptr(PglTestCliResult) again = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	held_id = post_and_hold(f, "=?utf-8?q?Gr=C3=BC=C3=9Fe?= from outside", &message_id);
	pgl_test_daemon_stop(f);
	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 1);
	/* the held subject is shown decoded */
	PGL_TEST_ASSERT_STR(((HeldLine *)g_ptr_array_index(held, 0))->subject,
			    "Gr\xc3\xbc\xc3\x9f" "e from outside");
	out = pgl_test_daemon_cli_ok(f, NULL, "moderate", LIST, held_id, "accept", NULL);
	again = pgl_test_daemon_cli_run(f, NULL, "moderate", LIST, held_id, "accept", NULL);
	pgl_test_cli_assert_error(again, held_id);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_count(f, "pipeline"), 1);

	pgl_test_daemon_start(f);
	pgl_test_daemon_wait_sink(f, 2 + 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
}

/* Commands run while the daemon works must not disturb its database: on Linux a process that
 * opens and closes the database file drops its own SQLite locks, and a command could then fold
 * and delete the daemon's write-ahead log. A held post must survive a kill -9 after that. */
static void
test_hold_cli_while_running_survives_kill(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *held_id = NULL;
	g_autofree gchar *lists = NULL;
	g_autofree gchar *info = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *wal = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	lists = pgl_test_daemon_cli_ok(f, NULL, "lists", NULL);
	info = pgl_test_daemon_cli_ok(f, NULL, "info", NULL);
	PGL_TEST_ASSERT_CONTAINS(lists, LIST);
	held_id = post_and_hold(f, "Held across a crash", &message_id);
	g_clear_pointer(&lists, g_free);
	lists = pgl_test_daemon_cli_ok(f, NULL, "lists", NULL);
	wal = g_build_filename(f->var_dir, "pgplist.db-wal", NULL);
	g_assert_true(g_file_test(wal, G_FILE_TEST_EXISTS));
	pgl_test_daemon_kill(f);

	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 1);
	pgl_test_daemon_start(f);
	out = pgl_test_daemon_cli_ok(f, NULL, "moderate", LIST, held_id, "accept", NULL);
	pgl_test_daemon_wait_sink(f, 2 + 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
}

/* PGPLIST_CONFIG names the configuration file when --config is absent. */
static void
test_cli_config_from_environment(Fixture *f, gconstpointer data)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	setup_list(f, 1);
	g_subprocess_launcher_setenv(launcher, "PGPLIST_CONFIG", f->config_path, TRUE);
	g_subprocess_launcher_set_cwd(launcher, f->dir);
	process = g_subprocess_launcher_spawn(launcher, &error, f->binary, "lists", NULL);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(process, NULL, NULL, &out, &err, &error));
	g_assert_no_error(error);
	PGL_TEST_ASSERT_UINT(g_subprocess_get_exit_status(process), 0);
	PGL_TEST_ASSERT_CONTAINS(out, LIST);
}

/* Anyone can forge From:. A held post's notice goes to the envelope sender when the two differ,
 * so nobody can aim the list's notices at a third party. */
static void
test_hold_notice_to_envelope_sender(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message =
		pgl_test_daemon_make_message("victim@elsewhere.example", LIST, "Forged", message_id,
					     NULL);
	g_autoptr(GPtrArray) to_victim = NULL;
	g_autoptr(GPtrArray) to_envelope = NULL;

	setup_list(f, 2);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, NONMEMBER, LIST, message), 250);
	pgl_test_daemon_wait_sink(f, 2); /* moderator notice and poster notice */
	pgl_test_daemon_wait_idle(f);
	to_victim = pgl_test_daemon_messages_to(f, "victim@elsewhere.example", NULL);
	PGL_TEST_ASSERT_UINT(to_victim->len, 0);
	to_envelope = pgl_test_daemon_messages_to(f, NONMEMBER, "awaits moderator approval");
	PGL_TEST_ASSERT_UINT(to_envelope->len, 1);
}

/* Our own notices sent to a posting address are dropped, not moderated: a list that mails its
 * notices to itself would otherwise hold and notify forever. */
static void
test_loop_own_notice_discarded(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *plain = pgl_test_daemon_make_message(LIST_OWNER, LIST,
							       "Team post requires approval",
							       message_id, "A notice.\n");
	g_autofree gchar *notice = g_strconcat("X-pgplist-Notice: yes\n", plain, NULL);
	g_autofree gchar *barrier = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 2);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, LIST_BOUNCES, LIST, notice), 250);
	barrier = post(f, ALICE, "barrier");
	pgl_test_daemon_wait_sink(f, 2);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 2); /* only the barrier post */
	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 0);
}

/* Mail to -owner is stamped when forwarded; if it comes back stamped, it is a loop. */
static void
test_loop_owner_forward(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *plain = pgl_test_daemon_make_message(NONMEMBER, LIST_OWNER,
							       "Round and round", message_id, NULL);
	g_autoptr(GPtrArray) forwarded = NULL;
	g_autofree gchar *again = NULL;
	PglTestReceived *copy;

	setup_list(f, 1);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, NONMEMBER, LIST_OWNER, plain), 250);
	pgl_test_daemon_wait_sink(f, 1);
	pgl_test_daemon_wait_idle(f);
	forwarded = pgl_test_daemon_transactions_of(f, message_id);
	PGL_TEST_ASSERT_UINT(forwarded->len, 1);
	copy = g_ptr_array_index(forwarded, 0);
	PGL_TEST_ASSERT_CONTAINS(pgl_test_received_header(copy, "X-pgplist-Owner-Forward"),
				 LIST_OWNER);
	/* the owner's mailbox forwards it back: dropped */
	again = g_strdup_printf("X-pgplist-Owner-Forward: %s\n%s", LIST_OWNER, plain);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, OWNER, LIST_OWNER, again), 250);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
}

/* A list's own addresses can be neither its owner nor its member. */
static void
test_cli_refuses_own_addresses(Fixture *f, gconstpointer data)
{
	g_autoptr(PglTestCliResult) own_owner = NULL;
	g_autoptr(PglTestCliResult) own_member = NULL;
	g_autofree gchar *members = NULL;
	g_auto(GStrv) lines = NULL;

	own_owner = pgl_test_daemon_cli_run(f, NULL, "create", "self@" LIST_DOMAIN, "--owner",
					    "self-owner@" LIST_DOMAIN, NULL);
	pgl_test_cli_assert_error(own_owner, "self-owner@" LIST_DOMAIN);
	setup_list(f, 1);
	own_member = pgl_test_daemon_cli_run(
		f, "alice@example.com\n" LIST_NAME "-bounces+x=y.example@" LIST_DOMAIN "\n",
		"addmembers", LIST, "-", NULL);
	pgl_test_cli_assert_error(own_member, "bounces");
	members = pgl_test_daemon_cli_ok(f, NULL, "members", LIST, NULL);
	lines = g_strsplit(members, "\n", -1);
	PGL_TEST_ASSERT_UINT(g_strv_length(lines), 2); /* one member, then "" */
}

/* RFC 3834: a held post from the null sender or an automatic sender gets no notice back. */
static void
test_hold_no_notice_to_automatic_senders(Fixture *f, gconstpointer data)
{
	g_autofree gchar *bulk_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *bulk_plain =
		pgl_test_daemon_make_message("news@vendor.example", LIST, "Newsletter", bulk_id,
					     NULL);
	g_autofree gchar *bulk = g_strconcat("Precedence: bulk\n", bulk_plain, NULL);
	g_autofree gchar *null_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *null_message =
		pgl_test_daemon_make_message("robot@vendor.example", LIST, "Automatic report",
					     null_id, NULL);
	g_autoptr(GPtrArray) held = NULL;
	g_autoptr(GPtrArray) to_owner = NULL;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, "news@vendor.example", LIST, bulk), 250);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, "", LIST, null_message), 250);
	pgl_test_daemon_wait_sink(f, 2);
	pgl_test_daemon_wait_idle(f);
	/* the owner hears of both; neither sender hears anything */
	to_owner = pgl_test_daemon_messages_to(f, OWNER, NULL);
	PGL_TEST_ASSERT_UINT(to_owner->len, 2);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 2);
	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 2);
}

static void
test_hold_unknown_id(Fixture *f, gconstpointer data)
{
	g_autoptr(PglTestCliResult) unknown = NULL;
	g_autoptr(PglTestCliResult) not_number = NULL;
	g_autoptr(PglTestCliResult) bad_action = NULL;
	g_autoptr(PglTestCliResult) no_list = NULL;

	setup_list(f, 1);
	unknown = pgl_test_daemon_cli_run(f, NULL, "moderate", LIST, "999", "accept", NULL);
	pgl_test_cli_assert_error(unknown, "999");
	not_number = pgl_test_daemon_cli_run(f, NULL, "moderate", LIST, "abc", "accept", NULL);
	pgl_test_cli_assert_error(not_number, "abc");
	bad_action = pgl_test_daemon_cli_run(f, NULL, "moderate", LIST, "1", "approve", NULL);
	pgl_test_cli_assert_error(bad_action, "approve");
	no_list = pgl_test_daemon_cli_run(f, NULL, "moderate", "nope@" LIST_DOMAIN, "1", "accept",
					  NULL);
	pgl_test_cli_assert_error(no_list, "nope@" LIST_DOMAIN);
}

/* ==== 1b. more posting paths ================================================================= */

static void
test_post_verp(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	g_autofree gchar *set = NULL;
	g_autoptr(GPtrArray) transactions = NULL;

	setup_list(f, 3);
	set = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "verp_delivery", "true", NULL);
	pgl_test_daemon_start(f);
	message_id = post(f, ALICE, "personal envelopes");
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = pgl_test_daemon_transactions_of(f, message_id);
	PGL_TEST_ASSERT_UINT(transactions->len, 3);
	for (guint i = 0; i < transactions->len; i++) {
		PglTestReceived *copy = g_ptr_array_index(transactions, i);
		g_autofree gchar *local = NULL;
		g_autofree gchar *want = NULL;

		PGL_TEST_ASSERT_UINT(g_strv_length(copy->raw->recipients), 1);
		local = g_strndup(copy->raw->recipients[0], strcspn(copy->raw->recipients[0], "@"));
		want = g_strdup_printf(LIST_NAME "-bounces+%s=example.com@" LIST_DOMAIN, local);
		PGL_TEST_ASSERT_STR(copy->raw->mail_from, want);
		PGL_TEST_ASSERT_STR(g_mime_message_get_subject(copy->mime),
				    PREFIX "personal envelopes");
	}
}

/* What members get is what the poster wrote: dot-stuffing, 8-bit text, odd lines survive. */
static void
test_post_body_integrity(Fixture *f, gconstpointer data)
{
	static const gchar body[] = "First line\n"
				    ".\n"
				    ".leading dot\n"
				    "..two dots\n"
				    "From the beginning of a line\n"
				    "Gr\xc3\xbc\xc3\x9f"
				    "e aus K\xc3\xb6ln \xe2\x98\x83\n"
				    "trailing spaces   \n"
				    "\n"
				    "last line\n";
	static const gchar *const lines[] = {
		"First line\n.\n.leading dot\n..two dots\n",
		"\nFrom the beginning of a line\n",
		"\nGr\xc3\xbc\xc3\x9f"
		"e aus K\xc3\xb6ln \xe2\x98\x83\n",
		"\ntrailing spaces   \n\nlast line\n",
		NULL,
	};
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message =
		pgl_test_daemon_make_message(ALICE, LIST,
					     "=?utf-8?q?Gr=C3=BC=C3=9Fe?= from the list",
					     message_id, body);
	g_autoptr(GPtrArray) transactions = NULL;
	PglTestReceived *copy;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, ALICE, LIST, message), 250);
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = pgl_test_daemon_transactions_of(f, message_id);
	copy = g_ptr_array_index(transactions, 0);
	PGL_TEST_ASSERT_STR(g_mime_message_get_subject(copy->mime),
			    PREFIX "Gr\xc3\xbc\xc3\x9f" "e from the list");
	for (guint i = 0; lines[i] != NULL; i++)
		PGL_TEST_ASSERT_CONTAINS(copy->text, lines[i]);
}

/* A non-member's post with the moderator password goes out, without the password. */
static void
test_post_approved_password(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *plain = pgl_test_daemon_make_message(NONMEMBER, LIST, "pre-approved",
							       message_id, NULL);
	g_autofree gchar *message = g_strconcat("Approved: hunter2\n", plain, NULL);
	g_autofree gchar *set = NULL;
	g_autoptr(GPtrArray) transactions = NULL;
	g_autoptr(GPtrArray) held = NULL;
	PglTestReceived *copy;

	setup_list(f, 3);
	set = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "moderator_password", "hunter2",
				     NULL);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, NONMEMBER, LIST, message), 250);
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = pgl_test_daemon_transactions_of(f, message_id);
	copy = g_ptr_array_index(transactions, 0);
	PGL_TEST_ASSERT_UINT(pgl_test_received_header_count(copy, "Approved"), 0);
	{
		gsize len = 0;
		const gchar *raw = g_bytes_get_data(copy->raw->data, &len);
		g_autofree gchar *text = g_strndup(raw, len);

		g_assert_null(strstr(text, "hunter2"));
	}
	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 0);
}

/* A post that already went through this list (our X-BeenThere) is a loop: discarded quietly. */
static void
test_post_loop_discarded(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *plain = pgl_test_daemon_make_message(BOB, LIST, PREFIX "echo", message_id,
							       NULL);
	g_autofree gchar *message = g_strconcat("X-BeenThere: " LIST "\n", plain, NULL);
	g_autofree gchar *barrier = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, BOB, LIST, message), 250);
	barrier = post(f, ALICE, "barrier");
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 3);
	pgl_test_daemon_assert_delivered_once(f, barrier, (const gchar *const *)recipients);
	for (guint i = 0; member_addresses[i] != NULL; i++)
		PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, member_addresses[i]),
				     0);
	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 0);
}

/* Emergency: every post, a member's too, waits for a moderator. */
static void
test_post_emergency_holds_members(Fixture *f, gconstpointer data)
{
	g_autofree gchar *set = NULL;
	g_autofree gchar *message_id = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	set = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "emergency", "true", NULL);
	pgl_test_daemon_start(f);
	message_id = post(f, ALICE, "urgent");
	pgl_test_daemon_wait_sink(f, 2); /* moderator notice, held-poster notice */
	pgl_test_daemon_wait_idle(f);
	for (guint i = 0; member_addresses[i] != NULL; i++)
		PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, member_addresses[i]),
				     0);
	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 1);
	PGL_TEST_ASSERT_STR(((HeldLine *)g_ptr_array_index(held, 0))->sender, ALICE);
	PGL_TEST_ASSERT_STR(((HeldLine *)g_ptr_array_index(held, 0))->subject, "urgent");
}

/* ==== 3. rejected posts ====================================================================== */

static void
check_rejected(Fixture *f, const gchar *poster, const gchar *message_id)
{
	g_autoptr(GPtrArray) notices = NULL;
	PglTestReceived *notice;
	const gchar *reason;

	notices = pgl_test_daemon_messages_to(f, poster, "rejected");
	if (notices->len != 1) {
		pgl_test_daemon_dump_received(f);
		g_test_message("rejection notices to %s: got %u, want 1", poster, notices->len);
		g_assert_cmpuint(notices->len, ==, 1);
	}
	notice = g_ptr_array_index(notices, 0);
	PGL_TEST_ASSERT_STR(notice->raw->mail_from, LIST_BOUNCES);
	PGL_TEST_ASSERT_CONTAINS(pgl_test_received_header(notice, "From"), LIST_OWNER);
	PGL_TEST_ASSERT_CONTAINS(notice->text, "The reason given:");
	reason = strstr(notice->text, "The reason given:") + strlen("The reason given:");
	while (g_ascii_isspace(*reason))
		reason++;
	g_test_message("rejection reason: %.*s", (int)strcspn(reason, "\n"), reason);
	g_assert_cmpint(strcspn(reason, "\n"), >, 0);
	g_assert_false(g_str_has_prefix(reason, "$reason"));
	for (guint i = 0; member_addresses[i] != NULL; i++)
		PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, member_addresses[i]),
				     0);
}

static void
test_reject_banned(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *message_id = NULL;
	const gchar *spammer = "spammer@banned.example";

	setup_list(f, 3);
	out = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "banned_addresses",
				     "^.*@banned\\.example$", NULL);
	pgl_test_daemon_start(f);
	message_id = post(f, spammer, "Cheap pills");
	pgl_test_daemon_wait_sink(f, 1);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
	check_rejected(f, spammer, message_id);
}

static void
test_reject_nonmember_pattern(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *message_id = NULL;
	g_autoptr(GPtrArray) held = NULL;

	setup_list(f, 3);
	out = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "reject_these_nonmembers",
				     NONMEMBER, NULL);
	pgl_test_daemon_start(f);
	message_id = post(f, NONMEMBER, "Let me in");
	pgl_test_daemon_wait_sink(f, 1);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
	check_rejected(f, NONMEMBER, message_id);
	held = held_list(f);
	PGL_TEST_ASSERT_UINT(held->len, 0);
}

/* ==== 4. temporary failures at the relay ===================================================== */

static void
test_delivery_retry_after_451(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = NULL;
	PglSmtpSinkStats stats = {0};

	pgl_smtp_sink_add_rule(f->sink, BOB, 451, "4.2.0 mailbox busy, try later", 2);
	setup_list(f, 3);
	pgl_test_daemon_start(f);
	message_id = post(f, ALICE, "retry me");
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	pgl_smtp_sink_get_stats(f->sink, &stats);
	/* the first attempt for all three, then two more attempts for bob alone */
	g_test_message("transactions=%u connections=%u", stats.transactions, stats.connections);
	g_assert_cmpuint(stats.transactions, >=, 3);
	PGL_TEST_ASSERT_UINT(bounce_count(f, BOB), 0);
}

static void
test_delivery_permanent_failure_bounces(Fixture *f, gconstpointer data)
{
	static const gchar *const delivered[] = {"alice@example.com", "carol@example.com", NULL};
	g_autofree gchar *message_id = NULL;

	pgl_smtp_sink_add_rule(f->sink, BOB, 550, "5.1.1 no such user", 0);
	setup_list(f, 3);
	pgl_test_daemon_start(f);
	message_id = post(f, ALICE, "bob is gone");
	pgl_test_daemon_wait_sink(f, 2);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, delivered);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, BOB), 0);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_count(f, "retry"), 0);
	PGL_TEST_ASSERT_UINT(bounce_count(f, BOB), 1);
}

/* A relay that refuses a whole message for now (451 after DATA), then drops connections after
 * each transaction (421 on the next MAIL): everything still arrives exactly once. */
static void
test_delivery_relay_hiccups(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	PglSmtpSinkStats stats = {0};

	pgl_smtp_sink_set_data_reply(f->sink, 451, "4.3.0 queue full, try later", 1);
	pgl_smtp_sink_set_max_transactions(f->sink, 1);
	setup_list(f, 3);
	pgl_test_daemon_start(f);
	for (guint i = 0; i < 4; i++) {
		g_autofree gchar *subject = g_strdup_printf("hiccup %u", i);

		g_ptr_array_add(ids, post(f, member_addresses[i % 3], subject));
	}
	pgl_test_daemon_wait_sink(f, 4 * 3);
	pgl_test_daemon_wait_idle(f);
	for (guint i = 0; i < ids->len; i++)
		pgl_test_daemon_assert_delivered_once(f, g_ptr_array_index(ids, i),
						      (const gchar *const *)recipients);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 4 * 3);
	pgl_smtp_sink_get_stats(f->sink, &stats);
	g_test_message("connections=%u transactions=%u messages=%u", stats.connections,
		       stats.transactions, stats.messages);
	PGL_TEST_ASSERT_UINT(stats.messages, 4);
}

/* ==== 5. crash safety ========================================================================= */

typedef struct {
	guint want;
} WaitQueued;

static gboolean
all_waiting_for_relay(Fixture *f, gpointer data)
{
	WaitQueued *wait = data;

	return pgl_test_daemon_queue_count(f, "in") == 0 &&
	       pgl_test_daemon_queue_count(f, "pipeline") == 0 &&
	       pgl_test_daemon_queue_count(f, "out") + pgl_test_daemon_queue_count(f, "retry") ==
		       wait->want;
}

static void
test_crash_relay_down_kill9(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	WaitQueued wait = {.want = 5};

	/* the relay is down: nothing listens where the daemon sends */
	g_clear_pointer(&f->sink, pgl_smtp_sink_free);
	pgl_test_daemon_config_set_relay_port(f, pgl_test_daemon_closed_port());
	setup_list(f, 3);
	pgl_test_daemon_start(f);

	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *subject = g_strdup_printf("via lmtp %u", i);

		g_ptr_array_add(ids, post(f, ALICE, subject));
	}
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
		g_autofree gchar *subject = g_strdup_printf("via inject %u", i);
		g_autofree gchar *message = pgl_test_daemon_make_message(BOB, LIST, subject,
									 message_id, NULL);
		g_autofree gchar *out = pgl_test_daemon_cli_ok(f, message, "inject", LIST, NULL);

		PGL_TEST_ASSERT_CONTAINS(out, "Queued as ");
		g_ptr_array_add(ids, g_steal_pointer(&message_id));
	}
	if (!pgl_test_daemon_wait_until(f, all_waiting_for_relay, &wait,
					PGL_TEST_DAEMON_TIMEOUT_MS)) {
		g_test_message("queues: in=%u pipeline=%u out=%u retry=%u bad=%u, want out+retry=5",
			       pgl_test_daemon_queue_count(f, "in"),
			       pgl_test_daemon_queue_count(f, "pipeline"),
			       pgl_test_daemon_queue_count(f, "out"),
			       pgl_test_daemon_queue_count(f, "retry"),
			       pgl_test_daemon_queue_count_files(f, "bad"));
		g_assert_not_reached();
	}
	pgl_test_daemon_kill(f);
	g_test_message("after kill -9: out=%u retry=%u", pgl_test_daemon_queue_count(f, "out"),
		       pgl_test_daemon_queue_count(f, "retry"));

	/* the relay comes back; so does the daemon */
	{
		g_autoptr(GError) error = NULL;

		f->sink = pgl_smtp_sink_new(&error);
		g_assert_no_error(error);
	}
	pgl_test_daemon_config_set_relay_port(f, pgl_smtp_sink_get_port(f->sink));
	pgl_test_daemon_start(f);
	pgl_test_daemon_wait_sink(f, 5 * 3);
	pgl_test_daemon_wait_idle(f);
	for (guint i = 0; i < ids->len; i++)
		pgl_test_daemon_assert_delivered_once(f, g_ptr_array_index(ids, i),
						      (const gchar *const *)recipients);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 5 * 3);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_count_files(f, "bad"), 0);
}

static gboolean
all_pairs_delivered(Fixture *f, gpointer data)
{
	GPtrArray *ids = data;

	pgl_test_daemon_collect(f);
	for (guint i = 0; i < ids->len; i++)
		for (guint m = 0; member_addresses[m] != NULL; m++)
			if (pgl_test_daemon_copies_to(f, g_ptr_array_index(ids, i),
						      member_addresses[m]) == 0)
				return FALSE;
	return TRUE;
}

static void
test_crash_kill_during_delivery(Fixture *f, gconstpointer data)
{
	const guint n_posts = 30;
	const guint n_members = 5;
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	guint before_kill;
	guint duplicates = 0;
	guint missing = 0;

	setup_list(f, n_members);
	/* queued while the daemon is down: `inject` needs no daemon */
	for (guint i = 0; i < n_posts; i++) {
		g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
		g_autofree gchar *subject = g_strdup_printf("load %u", i);
		g_autofree gchar *message =
			pgl_test_daemon_make_message(member_addresses[i % n_members], LIST, subject,
						     message_id, NULL);
		g_autofree gchar *out = pgl_test_daemon_cli_ok(f, message, "inject", LIST, NULL);
		g_assert_nonnull(out);

		g_ptr_array_add(ids, g_steal_pointer(&message_id));
	}
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_count(f, "in"), n_posts);

	pgl_test_daemon_start(f);
	pgl_test_daemon_wait_sink(f, n_posts * n_members / 4);
	pgl_test_daemon_kill(f);
	before_kill = pgl_smtp_sink_recipient_count(f->sink);
	g_test_message("killed after %u of %u recipient deliveries (in=%u pipeline=%u out=%u "
		       "retry=%u)",
		       before_kill, n_posts * n_members, pgl_test_daemon_queue_count(f, "in"),
		       pgl_test_daemon_queue_count(f, "pipeline"),
		       pgl_test_daemon_queue_count(f, "out"),
		       pgl_test_daemon_queue_count(f, "retry"));

	pgl_test_daemon_start(f);
	if (!pgl_test_daemon_wait_until(f, all_pairs_delivered, ids,
					PGL_TEST_DAEMON_TIMEOUT_MS)) {
		for (guint i = 0; i < ids->len; i++)
			for (guint m = 0; m < n_members; m++)
				if (pgl_test_daemon_copies_to(f, g_ptr_array_index(ids, i),
							      member_addresses[m]) == 0) {
					g_test_message("never delivered: %s to %s",
						       (gchar *)g_ptr_array_index(ids, i),
						       member_addresses[m]);
					missing++;
				}
		g_test_message("%u (post, member) pairs never delivered", missing);
		g_assert_cmpuint(missing, ==, 0);
	}
	pgl_test_daemon_wait_idle(f);
	for (guint i = 0; i < ids->len; i++)
		for (guint m = 0; m < n_members; m++) {
			guint copies = pgl_test_daemon_copies_to(f, g_ptr_array_index(ids, i),
								 member_addresses[m]);

			g_assert_cmpuint(copies, >=, 1);
			duplicates += copies - 1;
		}
	g_test_message("kill -9 during delivery: %u of %u (post, member) pairs delivered more "
		       "than once; %u recipient deliveries in all",
		       duplicates, n_posts * n_members, pgl_smtp_sink_recipient_count(f->sink));
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_count_files(f, "bad"), 0);
}

/* ==== 6. TLS and AUTH to the relay =========================================================== */

static GTlsCertificate *
make_cert(Fixture *f, const gchar *name, gchar **ca_file_out)
{
	g_autoptr(GError) error = NULL;
	GTlsCertificate *cert = pgl_test_make_certificate_full(f->dir, name, "localhost",
							       "DNS:localhost,IP:127.0.0.1",
							       ca_file_out, &error);

	g_assert_no_error(error);
	f->uses_tls = TRUE;
	return cert;
}

static void
test_tls_starttls_auth(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *ca_file = NULL;
	g_autoptr(GTlsCertificate) cert = make_cert(f, "relay", &ca_file);
	g_autofree gchar *message_id = NULL;
	g_autoptr(GPtrArray) transactions = NULL;

	pgl_smtp_sink_set_tls(f->sink, cert, FALSE);
	pgl_smtp_sink_set_auth(f->sink, "pgplist", "s3cret pass");
	g_key_file_set_string(f->config, "smtp", "security", "starttls");
	g_key_file_set_string(f->config, "smtp", "ca_file", ca_file);
	g_key_file_set_string(f->config, "smtp", "user", "pgplist");
	g_key_file_set_string(f->config, "smtp", "password", "s3cret pass");
	setup_list(f, 3);
	pgl_test_daemon_start(f);
	message_id = post(f, ALICE, "over TLS");
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = pgl_test_daemon_transactions_of(f, message_id);
	for (guint i = 0; i < transactions->len; i++) {
		PglTestReceived *copy = g_ptr_array_index(transactions, i);

		g_assert_true(copy->raw->tls);
		PGL_TEST_ASSERT_STR(copy->raw->auth_user, "pgplist");
	}
}

static gboolean
queued_for_relay(Fixture *f, gpointer data)
{
	return pgl_test_daemon_queue_count(f, "in") == 0 &&
	       pgl_test_daemon_queue_count(f, "pipeline") == 0 &&
	       pgl_test_daemon_queue_count(f, "retry") >= 1;
}

/* Reads "queue NAME: N" from `pgplist info`. */
static guint
info_queue(const gchar *info, const gchar *queue)
{
	g_autofree gchar *key = g_strdup_printf("queue %s: ", queue);
	const gchar *line = strstr(info, key);
	g_autofree gchar *number = NULL;
	guint64 count = 0;

	if (line == NULL) {
		g_test_message("pgplist info: no \"%s\" line in \"%s\"", key, info);
		g_assert_nonnull(line);
	}
	number = g_strndup(line + strlen(key), strcspn(line + strlen(key), "\n"));
	g_assert_true(g_ascii_string_to_unsigned(number, 10, 0, G_MAXUINT, &count, NULL));
	return (guint)count;
}

/* The relay fails TLS checks: the message waits in the spool, nothing goes out in clear.
 * Stops the daemon. */
static void
assert_held_back_by_tls(Fixture *f, const gchar *message_id)
{
	PglSmtpSinkStats stats = {0};
	g_autofree gchar *info = NULL;

	if (!pgl_test_daemon_wait_until(f, queued_for_relay, NULL, PGL_TEST_DAEMON_TIMEOUT_MS)) {
		g_test_message("queues: in=%u pipeline=%u out=%u retry=%u bad=%u, want retry>=1",
			       pgl_test_daemon_queue_count(f, "in"),
			       pgl_test_daemon_queue_count(f, "pipeline"),
			       pgl_test_daemon_queue_count(f, "out"),
			       pgl_test_daemon_queue_count(f, "retry"),
			       pgl_test_daemon_queue_count_files(f, "bad"));
		g_assert_not_reached();
	}
	pgl_smtp_sink_get_stats(f->sink, &stats);
	g_test_message("sink: connections=%u transactions=%u messages=%u", stats.connections,
		       stats.transactions, stats.messages);
	g_assert_cmpuint(stats.connections, >=, 1); /* it did try */
	PGL_TEST_ASSERT_UINT(stats.transactions, 0);         /* but never sent MAIL FROM */
	PGL_TEST_ASSERT_UINT(stats.messages, 0);
	/* stopped, so that the retry runner is not moving the message while we count */
	pgl_test_daemon_stop(f);
	info = pgl_test_daemon_cli_ok(f, NULL, "info", NULL);
	PGL_TEST_ASSERT_UINT(info_queue(info, "out") + info_queue(info, "retry"), 1);
	PGL_TEST_ASSERT_UINT(info_queue(info, "bad"), 0);
}

static void
test_tls_wrong_ca(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *ca_file = NULL;
	g_autofree gchar *other_ca_file = NULL;
	g_autoptr(GTlsCertificate) cert = make_cert(f, "relay", &ca_file);
	g_autoptr(GTlsCertificate) other = make_cert(f, "other", &other_ca_file);
	g_autofree gchar *message_id = NULL;
	g_assert_nonnull(other);

	pgl_smtp_sink_set_tls(f->sink, cert, FALSE);
	g_key_file_set_string(f->config, "smtp", "security", "starttls");
	g_key_file_set_string(f->config, "smtp", "ca_file", other_ca_file);
	setup_list(f, 3);
	pgl_test_daemon_start(f);
	message_id = post(f, ALICE, "untrusted relay");
	assert_held_back_by_tls(f, message_id);

	/* the admin fixes the CA file: the same message goes out, once */
	g_key_file_set_string(f->config, "smtp", "ca_file", ca_file);
	pgl_test_daemon_start(f);
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
}

static void
test_tls_starttls_not_offered(Fixture *f, gconstpointer data)
{
	g_autofree gchar *ca_file = NULL;
	g_autoptr(GTlsCertificate) cert = make_cert(f, "relay", &ca_file);
	g_autofree gchar *message_id = NULL;
	g_assert_nonnull(cert);

	/* the relay offers no STARTTLS (stripped by an attacker, say): never downgrade */
	g_key_file_set_string(f->config, "smtp", "security", "starttls");
	g_key_file_set_string(f->config, "smtp", "ca_file", ca_file);
	setup_list(f, 3);
	pgl_test_daemon_start(f);
	message_id = post(f, ALICE, "no downgrade");
	assert_held_back_by_tls(f, message_id);
}

static void
test_tls_implicit(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *ca_file = NULL;
	g_autoptr(GTlsCertificate) cert = make_cert(f, "relay", &ca_file);
	g_autofree gchar *message_id = NULL;
	g_autoptr(GPtrArray) transactions = NULL;

	pgl_smtp_sink_set_tls(f->sink, cert, TRUE);
	g_key_file_set_string(f->config, "smtp", "security", "tls");
	g_key_file_set_string(f->config, "smtp", "ca_file", ca_file);
	setup_list(f, 3);
	pgl_test_daemon_start(f);
	message_id = post(f, ALICE, "implicit TLS");
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	transactions = pgl_test_daemon_transactions_of(f, message_id);
	g_assert_true(((PglTestReceived *)g_ptr_array_index(transactions, 0))->raw->tls);
}

/* ==== 7. LMTP through the daemon ============================================================= */

static void
test_lmtp_unknown_recipient(Fixture *f, gconstpointer data)
{
	static const gchar *const recipients[] = {
		"nosuchlist@" LIST_DOMAIN, LIST,
		"team@other.example",      "nosuchlist-owner@" LIST_DOMAIN,
		"team+tag@" LIST_DOMAIN,   NULL,
	};
	static const guint want[] = {550, 250, 550, 550, 550};
	g_autoptr(PglTestLmtp) lmtp = NULL;
	g_autoptr(GPtrArray) rcpt_replies = NULL;
	g_autoptr(GPtrArray) data_replies = NULL;
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message = pgl_test_daemon_make_message(ALICE, LIST, "mixed recipients",
								 message_id, NULL);

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	lmtp = pgl_test_lmtp_connect(f->lmtp_port);
	pgl_test_lmtp_expect(lmtp, "LHLO client.example", 250);
	data_replies = pgl_test_lmtp_transaction(lmtp, ALICE, recipients, message, &rcpt_replies);
	for (guint i = 0; recipients[i] != NULL; i++) {
		const gchar *reply = g_ptr_array_index(rcpt_replies, i);

		g_test_message("RCPT TO:<%s> -> %s", recipients[i], reply);
		if (pgl_test_lmtp_reply_code(reply) != want[i]) {
			g_test_message("RCPT TO:<%s>: got \"%s\", want %u", recipients[i], reply,
				       want[i]);
			g_assert_cmpuint(pgl_test_lmtp_reply_code(reply), ==, want[i]);
		}
		if (want[i] == 550)
			PGL_TEST_ASSERT_CONTAINS(reply, "5.1.1");
	}
	PGL_TEST_ASSERT_UINT(data_replies->len, 1);
	PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(g_ptr_array_index(data_replies, 0)), 250);
	pgl_test_lmtp_expect(lmtp, "QUIT", 221);
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
}

static void
test_lmtp_owner_forward(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message = pgl_test_daemon_make_message(NONMEMBER, LIST_OWNER,
								 "A question for the owners",
								 message_id,
								 "Who runs this list?\n");
	g_autofree gchar *added = NULL;
	g_autoptr(GPtrArray) forwarded = NULL;
	PglTestReceived *copy;

	setup_list(f, 3);
	added = pgl_test_daemon_cli_ok(f, NULL, "create", "other@" LIST_DOMAIN, "--owner",
				       "boss@example.com", NULL);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, NONMEMBER, LIST_OWNER, message), 250);
	pgl_test_daemon_wait_sink(f, 1);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
	forwarded = pgl_test_daemon_transactions_of(f, message_id);
	PGL_TEST_ASSERT_UINT(forwarded->len, 1);
	copy = g_ptr_array_index(forwarded, 0);
	PGL_TEST_ASSERT_UINT(g_strv_length(copy->raw->recipients), 1);
	PGL_TEST_ASSERT_STR(copy->raw->recipients[0], OWNER);
	PGL_TEST_ASSERT_CONTAINS(g_mime_message_get_subject(copy->mime),
				 "A question for the owners");
	PGL_TEST_ASSERT_CONTAINS(copy->text, "Who runs this list?");
	for (guint i = 0; member_addresses[i] != NULL; i++)
		PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, member_addresses[i]),
				     0);
	g_test_message("forwarded with envelope sender <%s>", copy->raw->mail_from);

	/* a list without owners: the site owner gets it */
	{
		g_autofree gchar *orphan = pgl_test_daemon_cli_ok(f, NULL, "create",
								  "orphan@" LIST_DOMAIN, NULL);
		g_autofree gchar *orphan_id = pgl_test_daemon_new_message_id(f);
		g_autofree gchar *orphan_message =
			pgl_test_daemon_make_message(NONMEMBER, "orphan-owner@" LIST_DOMAIN,
						     "Anyone there?", orphan_id, NULL);
		g_assert_nonnull(orphan);

		PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, NONMEMBER,
							       "orphan-owner@" LIST_DOMAIN,
							       orphan_message),
				     250);
		pgl_test_daemon_wait_sink(f, 2);
		pgl_test_daemon_wait_idle(f);
		PGL_TEST_ASSERT_UINT(
			pgl_test_daemon_copies_to(f, orphan_id, "postmaster@localhost"), 1);
	}
}

static void
test_lmtp_bounces(Fixture *f, gconstpointer data)
{
	static const gchar *const bounce_addresses[] = {
		LIST_BOUNCES,
		"team-bounces+bob=example.com@" LIST_DOMAIN,
		NULL,
	};
	g_autofree gchar *barrier = NULL;
	g_auto(GStrv) recipients = members_upto(3);

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	for (guint i = 0; bounce_addresses[i] != NULL; i++) {
		g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
		g_autofree gchar *message = pgl_test_daemon_make_message(
			"MAILER-DAEMON@mx.example.com", bounce_addresses[i],
			"Undelivered Mail Returned to Sender", message_id,
			"This is the mail system.\n\n<bob@example.com>: host said: "
			"550 no such user\n");

		PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, "", bounce_addresses[i], message),
				     250);
	}
	/* the next post is processed after the bounces: once it is out, they were handled */
	barrier = post(f, ALICE, "barrier");
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 3);
	pgl_test_daemon_assert_delivered_once(f, barrier, (const gchar *const *)recipients);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_count_files(f, "bad"), 0);
	/* the VERP one names bob */
	PGL_TEST_ASSERT_UINT(bounce_count(f, BOB), 1);
}

static void
test_lmtp_commands_forwarded(Fixture *f, gconstpointer data)
{
	static const gchar *const command_addresses[] = {
		"team-request@" LIST_DOMAIN,
		"team-join@" LIST_DOMAIN,
		"team-leave@" LIST_DOMAIN,
		NULL,
	};
	g_autofree gchar *barrier = NULL;
	g_autoptr(GPtrArray) to_owner = NULL;
	g_autoptr(GPtrArray) to_requester = NULL;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	for (guint i = 0; command_addresses[i] != NULL; i++) {
		g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
		g_autofree gchar *message =
			pgl_test_daemon_make_message(NONMEMBER, command_addresses[i], "help",
						     message_id, "help\n");

		PGL_TEST_ASSERT_UINT(
			pgl_test_daemon_lmtp_send(f, NONMEMBER, command_addresses[i], message),
			250);
	}
	barrier = post(f, ALICE, "barrier");
	/* each request: forwarded to the owner, and the requester told; then the post */
	pgl_test_daemon_wait_sink(f, 3 * 2 + 3);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 3 * 2 + 3);
	to_owner = pgl_test_daemon_messages_to(f, OWNER, "help");
	PGL_TEST_ASSERT_UINT(to_owner->len, 3);
	for (guint i = 0; i < to_owner->len; i++) {
		PglTestReceived *copy = g_ptr_array_index(to_owner, i);

		PGL_TEST_ASSERT_CONTAINS(pgl_test_received_header(copy, "X-pgplist-Owner-Forward"),
					 "@" LIST_DOMAIN);
	}
	to_requester = pgl_test_daemon_messages_to(f, NONMEMBER, "passed on to its owners");
	PGL_TEST_ASSERT_UINT(to_requester->len, 3);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_count(f, "command"), 0);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_count_files(f, "bad"), 0);
}

static void
test_lmtp_message_too_big(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) body = g_string_new(NULL);
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message = NULL;
	g_autoptr(PglTestLmtp) lmtp = NULL;
	g_autofree gchar *small = NULL;

	g_key_file_set_integer(f->config, "limits", "message_max", 4096);
	setup_list(f, 3);
	pgl_test_daemon_start(f);
	for (guint i = 0; i < 100; i++)
		g_string_append(body, "This line makes the message longer than the limit.\n");
	message = pgl_test_daemon_make_message(ALICE, LIST, "too big", message_id, body->str);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, ALICE, LIST, message), 552);

	/* announced with SIZE: refused at MAIL already */
	lmtp = pgl_test_lmtp_connect(f->lmtp_port);
	pgl_test_lmtp_expect(lmtp, "LHLO client.example", 250);
	pgl_test_lmtp_expect(lmtp, "MAIL FROM:<alice@example.com> SIZE=100000", 552);
	pgl_test_lmtp_expect(lmtp, "QUIT", 221);

	/* a message under the limit still goes through */
	small = post(f, ALICE, "small enough");
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 3);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, ALICE), 0);
}

/* After hostile input the daemon must still serve a normal session. */
static void
assert_still_serving(Fixture *f, guint *expected_total)
{
	g_autofree gchar *message_id = post(f, ALICE, "still alive");
	g_assert_nonnull(message_id);

	*expected_total += 3;
	pgl_test_daemon_wait_sink(f, *expected_total);
}

static void
test_lmtp_hostile_input(Fixture *f, gconstpointer data)
{
	guint expected = 0;

	setup_list(f, 3);
	pgl_test_daemon_start(f);

	/* garbage commands, then too many of them */
	{
		g_autoptr(PglTestLmtp) lmtp = pgl_test_lmtp_connect(f->lmtp_port);
		g_autofree gchar *last = NULL;
		guint errors = 0;

		pgl_test_lmtp_expect(lmtp, "HELLO WORLD", 500);
		pgl_test_lmtp_expect(lmtp, "MAIL FROM:<alice@example.com>", 503); /* LHLO first */
		pgl_test_lmtp_expect(lmtp, "LHLO client.example", 250);
		pgl_test_lmtp_expect(lmtp, "RCPT TO:<" LIST ">", 503); /* MAIL first */
		pgl_test_lmtp_expect(lmtp, "DATA", 503);
		pgl_test_lmtp_expect(lmtp, "MAIL FROM:<not an address>", 501);
		/* each bad command gets 500; past the limit comes a 421 and the end */
		for (guint i = 0; i < 20; i++) {
			g_free(last);
			/* the 421 comes in the same write as the last 500: read it if it is here */
			if (g_buffered_input_stream_get_available(
				    G_BUFFERED_INPUT_STREAM(lmtp->in)) > 0)
				last = pgl_test_lmtp_read_reply(lmtp);
			else
				last = pgl_test_lmtp_command(lmtp, "XYZZY plugh");
			if (pgl_test_lmtp_reply_code(last) == 500) {
				errors++;
				continue;
			}
			break;
		}
		g_test_message("too many errors: after %u more 500s got \"%s\"", errors,
			       last ? last : "(closed)");
		PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(last), 421);
	}
	assert_still_serving(f, &expected);

	/* binary junk in a command */
	{
		g_autoptr(PglTestLmtp) lmtp = pgl_test_lmtp_connect(f->lmtp_port);
		static const guint8 junk[] = {'M',  'A',  'I', 'L', 0x00, 0xff, 0xfe,
					      0x01, 0x1b, '[', '2', 'J',  '\r', '\n'};
		g_autofree gchar *reply = NULL;

		g_assert_true(pgl_test_lmtp_write(lmtp, junk, sizeof junk));
		reply = pgl_test_lmtp_read_reply(lmtp);
		PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(reply), 500);
		pgl_test_lmtp_expect(lmtp, "LHLO client.example", 250);
		pgl_test_lmtp_expect(lmtp, "QUIT", 221);
	}
	assert_still_serving(f, &expected);

	/* a huge line: 500 and 421, the connection ends */
	{
		g_autoptr(PglTestLmtp) lmtp = pgl_test_lmtp_connect(f->lmtp_port);
		g_autofree gchar *line = g_malloc(64 * 1024 + 3);
		g_autofree gchar *reply = NULL;
		g_autofree gchar *next = NULL;

		memset(line, 'A', 64 * 1024);
		memcpy(line + 64 * 1024, "\r\n", 3);
		pgl_test_lmtp_expect(lmtp, "LHLO client.example", 250);
		(void)pgl_test_lmtp_write(lmtp, line, 64 * 1024 + 2);
		reply = pgl_test_lmtp_read_reply(lmtp);
		g_test_message("huge line: \"%s\"", reply ? reply : "(closed)");
		PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(reply), 500);
		next = pgl_test_lmtp_read_reply(lmtp);
		PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(next), 421);
	}
	assert_still_serving(f, &expected);

	/* a huge line inside DATA: every recipient gets an error, the session goes on */
	{
		g_autoptr(PglTestLmtp) lmtp = pgl_test_lmtp_connect(f->lmtp_port);
		g_autofree gchar *line = g_malloc(64 * 1024 + 3);
		g_autofree gchar *reply = NULL;

		memset(line, 'B', 64 * 1024);
		memcpy(line + 64 * 1024, "\r\n", 3);
		pgl_test_lmtp_expect(lmtp, "LHLO client.example", 250);
		pgl_test_lmtp_expect(lmtp, "MAIL FROM:<alice@example.com>", 250);
		pgl_test_lmtp_expect(lmtp, "RCPT TO:<" LIST ">", 250);
		pgl_test_lmtp_expect(lmtp, "DATA", 354);
		g_assert_true(pgl_test_lmtp_write(lmtp, "Subject: long\r\n\r\n", 17));
		g_assert_true(pgl_test_lmtp_write(lmtp, line, 64 * 1024 + 2));
		g_assert_true(pgl_test_lmtp_write(lmtp, ".\r\n", 3));
		reply = pgl_test_lmtp_read_reply(lmtp);
		g_test_message("huge data line: \"%s\"", reply ? reply : "(closed)");
		PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(reply) / 100, 5);
		pgl_test_lmtp_expect(lmtp, "NOOP", 250);
		pgl_test_lmtp_expect(lmtp, "QUIT", 221);
	}
	assert_still_serving(f, &expected);

	/* a peer that connects and vanishes mid-DATA */
	{
		g_autoptr(PglTestLmtp) lmtp = pgl_test_lmtp_connect(f->lmtp_port);

		pgl_test_lmtp_expect(lmtp, "LHLO client.example", 250);
		pgl_test_lmtp_expect(lmtp, "MAIL FROM:<alice@example.com>", 250);
		pgl_test_lmtp_expect(lmtp, "RCPT TO:<" LIST ">", 250);
		pgl_test_lmtp_expect(lmtp, "DATA", 354);
		g_assert_true(pgl_test_lmtp_write(lmtp, "Subject: half\r\n\r\nhalf a mess", 28));
	}
	assert_still_serving(f, &expected);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), expected);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_count_files(f, "bad"), 0);
}

/* One transaction for several addresses: each recipient gets its own reply and its own fate. */
static void
test_lmtp_multiple_recipients(Fixture *f, gconstpointer data)
{
	static const gchar *const recipients[] = {LIST, LIST_OWNER, "other@" LIST_DOMAIN, NULL};
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message =
		pgl_test_daemon_make_message(ALICE, LIST ", other@" LIST_DOMAIN, "to both lists",
					     message_id, NULL);
	g_autofree gchar *created = NULL;
	g_autofree gchar *added = NULL;
	g_autoptr(PglTestLmtp) lmtp = NULL;
	g_autoptr(GPtrArray) rcpt_replies = NULL;
	g_autoptr(GPtrArray) data_replies = NULL;
	g_auto(GStrv) team = members_upto(3);
	g_assert_nonnull(team);

	setup_list(f, 3);
	created = pgl_test_daemon_cli_ok(f, NULL, "create", "other@" LIST_DOMAIN, NULL);
	added = pgl_test_daemon_cli_ok(f, "alice@example.com\n" DAVE_ADDRESS "\n", "addmembers",
				       "other@" LIST_DOMAIN, "-", NULL);
	pgl_test_daemon_start(f);
	lmtp = pgl_test_lmtp_connect(f->lmtp_port);
	pgl_test_lmtp_expect(lmtp, "LHLO client.example", 250);
	data_replies = pgl_test_lmtp_transaction(lmtp, ALICE, recipients, message, &rcpt_replies);
	PGL_TEST_ASSERT_UINT(data_replies->len, 3);
	for (guint i = 0; i < 3; i++) {
		PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(g_ptr_array_index(rcpt_replies, i)),
				     250);
		PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(g_ptr_array_index(data_replies, i)),
				     250);
	}
	pgl_test_lmtp_expect(lmtp, "QUIT", 221);
	/* team: 3 members; owner: 1 forward; other: alice and dave */
	pgl_test_daemon_wait_sink(f, 3 + 1 + 2);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 6);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, OWNER), 1);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, ALICE), 2); /* one per list */
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, BOB), 1);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, CAROL), 1);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, DAVE), 1);
	{
		g_autoptr(GPtrArray) transactions = pgl_test_daemon_transactions_of(f, message_id);
		guint other = 0;

		for (guint i = 0; i < transactions->len; i++) {
			PglTestReceived *copy = g_ptr_array_index(transactions, i);

			if (g_str_equal(copy->raw->mail_from, "other-bounces@" LIST_DOMAIN)) {
				other++;
				PGL_TEST_ASSERT_CONTAINS(pgl_test_received_header(copy, "List-Id"),
							 "<other.lists.example.org>");
				PGL_TEST_ASSERT_STR(g_mime_message_get_subject(copy->mime),
						    "[Other] to both lists");
			}
		}
		PGL_TEST_ASSERT_UINT(other, 1);
	}
}

/* A client that sends a whole transaction in one write (RFC 2920) gets every reply in order. */
static void
test_lmtp_pipelining(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message = pgl_test_daemon_make_message(BOB, LIST, "pipelined", message_id,
								 NULL);
	g_autoptr(GBytes) content = pgl_test_lmtp_data_content(message, strlen(message));
	g_autoptr(GString) batch = g_string_new(NULL);
	g_autoptr(PglTestLmtp) lmtp = NULL;
	g_auto(GStrv) recipients = members_upto(3);
	static const guint want[] = {250, 250, 550, 250, 354, 250, 221};

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	lmtp = pgl_test_lmtp_connect(f->lmtp_port);
	g_string_append(batch, "LHLO client.example\r\n"
			       "MAIL FROM:<bob@example.com>\r\n"
			       "RCPT TO:<nobody@" LIST_DOMAIN ">\r\n"
			       "RCPT TO:<" LIST ">\r\n"
			       "DATA\r\n");
	/* RFC 2920 §3.1: DATA is the last command of a batch; the content follows its 354 */
	g_assert_true(pgl_test_lmtp_write(lmtp, batch->str, batch->len));
	for (guint i = 0; i < 5; i++) {
		g_autofree gchar *reply = pgl_test_lmtp_read_reply(lmtp);

		PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(reply), want[i]);
	}
	g_string_truncate(batch, 0);
	g_string_append_len(batch, g_bytes_get_data(content, NULL), g_bytes_get_size(content));
	g_string_append(batch, "QUIT\r\n");
	g_assert_true(pgl_test_lmtp_write(lmtp, batch->str, batch->len));
	for (guint i = 5; i < G_N_ELEMENTS(want); i++) {
		g_autofree gchar *reply = pgl_test_lmtp_read_reply(lmtp);

		PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(reply), want[i]);
	}
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
}

typedef struct {
	guint16 port;
	guint client;
	guint n_messages;
	GPtrArray *ids; /* (owned) */
	guint failures; /* replies other than 250 */
} ClientJob;

static gpointer
client_thread(gpointer data)
{
	ClientJob *job = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(PglTestLmtp) lmtp =
		pgl_test_lmtp_open(job->port, PGL_TEST_DAEMON_TIMEOUT_MS, &error);
	g_autofree gchar *greeting = NULL;
	g_autofree gchar *lhlo = NULL;

	if (lmtp == NULL) {
		job->failures = job->n_messages;
		return NULL;
	}
	greeting = pgl_test_lmtp_read_reply(lmtp);
	lhlo = pgl_test_lmtp_command(lmtp, "LHLO client.example");
	for (guint i = 0; i < job->n_messages; i++) {
		g_autofree gchar *message_id = g_strdup_printf("c%u-m%u.%08x@client.example",
							       job->client, i, g_random_int());
		g_autofree gchar *subject = g_strdup_printf("client %u message %u", job->client, i);
		const gchar *from = member_addresses[job->client % 3];
		g_autofree gchar *message = pgl_test_daemon_make_message(from, LIST, subject,
									 message_id, NULL);
		g_autofree gchar *mail = g_strdup_printf("MAIL FROM:<%s>", from);
		g_autofree gchar *mail_reply = pgl_test_lmtp_command(lmtp, mail);
		g_autofree gchar *rcpt_reply = pgl_test_lmtp_command(lmtp, "RCPT TO:<" LIST ">");
		g_autofree gchar *data_reply = pgl_test_lmtp_command(lmtp, "DATA");
		g_autoptr(GBytes) content = pgl_test_lmtp_data_content(message, strlen(message));
		g_autofree gchar *final = NULL;

		if (pgl_test_lmtp_reply_code(data_reply) == 354 &&
		    pgl_test_lmtp_write(lmtp, g_bytes_get_data(content, NULL),
					g_bytes_get_size(content)))
			final = pgl_test_lmtp_read_reply(lmtp);
		if (pgl_test_lmtp_reply_code(mail_reply) != 250 ||
		    pgl_test_lmtp_reply_code(rcpt_reply) != 250 ||
		    pgl_test_lmtp_reply_code(final) != 250)
			job->failures++;
		else
			g_ptr_array_add(job->ids, g_steal_pointer(&message_id));
	}
	g_free(pgl_test_lmtp_command(lmtp, "QUIT"));
	return NULL;
}

static void
test_lmtp_concurrent_sessions(Fixture *f, gconstpointer data)
{
	const guint n_clients = 8;
	const guint n_messages = 5;
	g_auto(GStrv) recipients = members_upto(3);
	ClientJob jobs[8];
	GThread *threads[8];

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	for (guint i = 0; i < n_clients; i++) {
		jobs[i] = (ClientJob){.port = f->lmtp_port,
				      .client = i,
				      .n_messages = n_messages,
				      .ids = g_ptr_array_new_with_free_func(g_free)};
		threads[i] = g_thread_new("lmtp-client", client_thread, &jobs[i]);
	}
	for (guint i = 0; i < n_clients; i++)
		g_thread_join(threads[i]);
	for (guint i = 0; i < n_clients; i++)
		PGL_TEST_ASSERT_UINT(jobs[i].failures, 0);
	pgl_test_daemon_wait_sink(f, n_clients * n_messages * 3);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), n_clients * n_messages * 3);
	for (guint i = 0; i < n_clients; i++) {
		for (guint m = 0; m < jobs[i].ids->len; m++)
			pgl_test_daemon_assert_delivered_once(f, g_ptr_array_index(jobs[i].ids, m),
							      (const gchar *const *)recipients);
		g_ptr_array_unref(jobs[i].ids);
	}
}

/* SIGTERM with a client connected: the daemon says 421 and exits promptly, status 0. */
static void
test_lmtp_sigterm_with_open_session(Fixture *f, gconstpointer data)
{
	g_autoptr(PglTestLmtp) idle = NULL;
	g_autoptr(PglTestLmtp) mid_transaction = NULL;
	g_autofree gchar *reply = NULL;
	g_autofree gchar *reply2 = NULL;
	gint64 start;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	idle = pgl_test_lmtp_connect(f->lmtp_port);
	pgl_test_lmtp_expect(idle, "LHLO client.example", 250);
	mid_transaction = pgl_test_lmtp_connect(f->lmtp_port);
	pgl_test_lmtp_expect(mid_transaction, "LHLO client.example", 250);
	pgl_test_lmtp_expect(mid_transaction, "MAIL FROM:<alice@example.com>", 250);
	pgl_test_lmtp_expect(mid_transaction, "RCPT TO:<" LIST ">", 250);
	start = g_get_monotonic_time();
	pgl_test_daemon_stop(f);
	g_test_message("stopped in %" G_GINT64_FORMAT " ms with two sessions open",
		       (g_get_monotonic_time() - start) / 1000);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_USEC_PER_SEC);
	reply = pgl_test_lmtp_read_reply(idle);
	reply2 = pgl_test_lmtp_read_reply(mid_transaction);
	g_test_message("idle session got \"%s\", open transaction got \"%s\"",
		       reply ? reply : "(closed)", reply2 ? reply2 : "(closed)");
	PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(reply), 421);
	PGL_TEST_ASSERT_UINT(pgl_test_lmtp_reply_code(reply2), 421);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_busy(f), 0);
}

/* ==== 8. the command line ==================================================================== */

static void
test_cli_create_lists_remove(Fixture *f, gconstpointer data)
{
	g_autofree gchar *created = NULL;
	g_autofree gchar *lists = NULL;
	g_autofree gchar *removed = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *owners = NULL;
	g_autoptr(PglTestCliResult) duplicate = NULL;
	g_autoptr(PglTestCliResult) bad_name = NULL;
	g_autoptr(PglTestCliResult) reserved = NULL;
	g_autoptr(PglTestCliResult) bad_style = NULL;
	g_autoptr(PglTestCliResult) bad_owner = NULL;
	g_autoptr(PglTestCliResult) remove_unknown = NULL;
	g_autoptr(PglTestCliResult) no_args = NULL;
	g_autoptr(PglTestCliResult) extra_args = NULL;

	created = pgl_test_daemon_cli_ok(f, NULL, "create", LIST, "--owner", OWNER, "--owner",
					 "second-owner@example.com", NULL);
	PGL_TEST_ASSERT_STR(created, "Created list " LIST "\n");
	g_free(created);
	created = pgl_test_daemon_cli_ok(f, NULL, "create", "News@" LIST_DOMAIN, "--style",
					 "announce", NULL);
	PGL_TEST_ASSERT_CONTAINS(created, "news@" LIST_DOMAIN);
	lists = pgl_test_daemon_cli_ok(f, NULL, "lists", NULL);
	PGL_TEST_ASSERT_CONTAINS(lists, LIST "\n");
	PGL_TEST_ASSERT_CONTAINS(lists, "news@" LIST_DOMAIN "\n");
	owners = pgl_test_daemon_cli_ok(f, NULL, "members", LIST, "--role", "owner", NULL);
	PGL_TEST_ASSERT_STR(owners, OWNER "\nsecond-owner@example.com\n");

	duplicate = pgl_test_daemon_cli_run(f, NULL, "create", LIST, NULL);
	pgl_test_cli_assert_error(duplicate, NULL);
	bad_name = pgl_test_daemon_cli_run(f, NULL, "create", "no-domain", NULL);
	pgl_test_cli_assert_error(bad_name, "no-domain");
	reserved = pgl_test_daemon_cli_run(f, NULL, "create", "sales-owner@" LIST_DOMAIN, NULL);
	pgl_test_cli_assert_error(reserved, "-owner");
	bad_style = pgl_test_daemon_cli_run(f, NULL, "create", "x@" LIST_DOMAIN, "--style",
					    "chatty", NULL);
	pgl_test_cli_assert_error(bad_style, "chatty");
	bad_owner = pgl_test_daemon_cli_run(f, NULL, "create", "y@" LIST_DOMAIN, "--owner",
					    "not an address", NULL);
	pgl_test_cli_assert_error(bad_owner, "not an address");
	no_args = pgl_test_daemon_cli_run(f, NULL, "create", NULL);
	pgl_test_cli_assert_error(no_args, "usage");
	extra_args = pgl_test_daemon_cli_run(f, NULL, "lists", "extra", NULL);
	pgl_test_cli_assert_error(extra_args, "usage");

	removed = pgl_test_daemon_cli_ok(f, NULL, "remove", "news@" LIST_DOMAIN, NULL);
	PGL_TEST_ASSERT_CONTAINS(removed, "news@" LIST_DOMAIN);
	after = pgl_test_daemon_cli_ok(f, NULL, "lists", NULL);
	PGL_TEST_ASSERT_STR(after, LIST "\n");
	remove_unknown = pgl_test_daemon_cli_run(f, NULL, "remove", "news@" LIST_DOMAIN, NULL);
	pgl_test_cli_assert_error(remove_unknown, "news@" LIST_DOMAIN);
}

static void
test_cli_members(Fixture *f, gconstpointer data)
{
	g_autofree gchar *file = g_build_filename(f->dir, "members.txt", NULL);
	g_autofree gchar *added = NULL;
	g_autofree gchar *again = NULL;
	g_autofree gchar *members = NULL;
	g_autofree gchar *removed = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *nonmembers = NULL;
	g_autoptr(PglTestCliResult) unknown_list = NULL;
	g_autoptr(PglTestCliResult) bad_role = NULL;
	g_autoptr(PglTestCliResult) not_member = NULL;
	g_autoptr(PglTestCliResult) missing_file = NULL;
	g_autoptr(GError) error = NULL;

	g_file_set_contents(file,
			    "# subscribers\n"
			    "alice@example.com\n"
			    "\n"
			    "Bob Example <BOB@Example.COM>\n"
			    "carol@example.com\n",
			    -1, &error);
	g_assert_no_error(error);
	added = pgl_test_daemon_cli_ok(f, NULL, "create", LIST, NULL);
	g_free(added);
	added = pgl_test_daemon_cli_ok(f, NULL, "addmembers", LIST, file, NULL);
	PGL_TEST_ASSERT_STR(added, "Added 3 members to " LIST "\n");
	again = pgl_test_daemon_cli_ok(f, "alice@example.com\ndave@example.com\n", "addmembers",
				       LIST, "-", NULL);
	PGL_TEST_ASSERT_CONTAINS(again, "Already a member: alice@example.com");
	PGL_TEST_ASSERT_CONTAINS(again, "Added 1 member to " LIST);
	members = pgl_test_daemon_cli_ok(f, NULL, "members", LIST, NULL);
	PGL_TEST_ASSERT_CONTAINS(members, "alice@example.com\n");
	PGL_TEST_ASSERT_CONTAINS(members, "Bob Example <bob@example.com>\n");
	PGL_TEST_ASSERT_CONTAINS(members, "carol@example.com\n");
	PGL_TEST_ASSERT_CONTAINS(members, "dave@example.com\n");
	nonmembers = pgl_test_daemon_cli_ok(f, NULL, "members", LIST, "--role", "nonmember", NULL);
	PGL_TEST_ASSERT_STR(nonmembers, "");

	removed = pgl_test_daemon_cli_ok(f, "dave@example.com\n", "delmembers", LIST, "-", NULL);
	PGL_TEST_ASSERT_STR(removed, "Removed 1 member from " LIST "\n");
	/* all or nothing: carol stays when the second line is not a member */
	not_member = pgl_test_daemon_cli_run(f, "carol@example.com\nnobody@example.com\n",
					     "delmembers", LIST, "-", NULL);
	pgl_test_cli_assert_error(not_member, "nobody@example.com");
	after = pgl_test_daemon_cli_ok(f, NULL, "members", LIST, NULL);
	PGL_TEST_ASSERT_CONTAINS(after, "carol@example.com\n");
	g_assert_null(strstr(after, "dave@"));

	unknown_list = pgl_test_daemon_cli_run(f, NULL, "members", "nope@" LIST_DOMAIN, NULL);
	pgl_test_cli_assert_error(unknown_list, "nope@" LIST_DOMAIN);
	bad_role = pgl_test_daemon_cli_run(f, NULL, "members", LIST, "--role", "king", NULL);
	pgl_test_cli_assert_error(bad_role, "king");
	missing_file = pgl_test_daemon_cli_run(f, NULL, "addmembers", LIST,
					       "/nonexistent/members.txt", NULL);
	pgl_test_cli_assert_error(missing_file, "/nonexistent/members.txt");
}

static void
test_cli_addmembers_bad_line(Fixture *f, gconstpointer data)
{
	g_autofree gchar *file = g_build_filename(f->dir, "bad-members.txt", NULL);
	g_autofree gchar *want = g_strdup_printf("%s:3", file);
	g_autofree gchar *created = NULL;
	g_autofree gchar *members = NULL;
	g_autoptr(PglTestCliResult) result = NULL;
	g_autoptr(PglTestCliResult) from_stdin = NULL;
	g_autoptr(GError) error = NULL;

	g_file_set_contents(file,
			    "alice@example.com\n"
			    "Bob <bob@example.com>\n"
			    "this is not an address\n"
			    "carol@example.com\n",
			    -1, &error);
	g_assert_no_error(error);
	created = pgl_test_daemon_cli_ok(f, NULL, "create", LIST, NULL);
	result = pgl_test_daemon_cli_run(f, NULL, "addmembers", LIST, file, NULL);
	pgl_test_cli_assert_error(result, want);
	members = pgl_test_daemon_cli_ok(f, NULL, "members", LIST, NULL);
	PGL_TEST_ASSERT_STR(members, "");

	from_stdin =
		pgl_test_daemon_cli_run(f, "ok@example.com\nbad@@example.com\n", "addmembers", LIST,
					"-", NULL);
	pgl_test_cli_assert_error(from_stdin, ":2");
	g_free(members);
	members = pgl_test_daemon_cli_ok(f, NULL, "members", LIST, NULL);
	PGL_TEST_ASSERT_STR(members, "");
}

static void
test_cli_listconf(Fixture *f, gconstpointer data)
{
	g_autofree gchar *all = NULL;
	g_autofree gchar *value = NULL;
	g_autofree gchar *set = NULL;
	g_autofree gchar *lists = NULL;
	g_autoptr(PglTestCliResult) unknown_key = NULL;
	g_autoptr(PglTestCliResult) bad_bool = NULL;
	g_autoptr(PglTestCliResult) bad_uint = NULL;
	g_autoptr(PglTestCliResult) bad_action = NULL;
	g_autoptr(PglTestCliResult) bad_regex = NULL;
	g_autoptr(PglTestCliResult) unknown_list = NULL;
	g_autoptr(PglTestCliResult) too_many = NULL;

	setup_list(f, 1);
	all = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, NULL);
	PGL_TEST_ASSERT_CONTAINS(all, "subject_prefix: [$display_name] \n");
	PGL_TEST_ASSERT_CONTAINS(all, "default_nonmember_action: hold\n");
	PGL_TEST_ASSERT_CONTAINS(all, "msg_footer:\n");

	set = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "description", "Team talk", NULL);
	value = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "description", NULL);
	PGL_TEST_ASSERT_STR(value, "Team talk\n");
	lists = pgl_test_daemon_cli_ok(f, NULL, "lists", NULL);
	PGL_TEST_ASSERT_STR(lists, LIST " - Team talk\n");
	g_free(set);
	set = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "emergency", "true", NULL);
	g_free(value);
	value = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "emergency", NULL);
	PGL_TEST_ASSERT_STR(value, "true\n");
	g_free(set);
	set = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "moderator_password", "hunter2",
				     NULL);
	g_free(value);
	value = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "moderator_password", NULL);
	PGL_TEST_ASSERT_STR(value, "(set)\n");
	g_free(all);
	all = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, NULL);
	g_assert_null(strstr(all, "hunter2"));

	unknown_key = pgl_test_daemon_cli_run(f, NULL, "listconf", LIST, "no_such_setting", NULL);
	pgl_test_cli_assert_error(unknown_key, "no_such_setting");
	bad_bool = pgl_test_daemon_cli_run(f, NULL, "listconf", LIST, "emergency", "maybe", NULL);
	pgl_test_cli_assert_error(bad_bool, NULL);
	bad_uint = pgl_test_daemon_cli_run(f, NULL, "listconf", LIST, "max_num_recipients", "-3",
					   NULL);
	pgl_test_cli_assert_error(bad_uint, NULL);
	bad_action =
		pgl_test_daemon_cli_run(f, NULL, "listconf", LIST, "default_nonmember_action",
					"explode", NULL);
	pgl_test_cli_assert_error(bad_action, NULL);
	bad_regex = pgl_test_daemon_cli_run(f, NULL, "listconf", LIST, "banned_addresses",
					    "^([unclosed", NULL);
	pgl_test_cli_assert_error(bad_regex, NULL);
	unknown_list = pgl_test_daemon_cli_run(f, NULL, "listconf", "nope@" LIST_DOMAIN, NULL);
	pgl_test_cli_assert_error(unknown_list, "nope@" LIST_DOMAIN);
	too_many = pgl_test_daemon_cli_run(f, NULL, "listconf", LIST, "description", "a", "b",
					   NULL);
	pgl_test_cli_assert_error(too_many, "usage");
	/* the failed sets changed nothing */
	g_free(value);
	value = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "emergency", NULL);
	PGL_TEST_ASSERT_STR(value, "true\n");
}

static void
test_cli_listconf_live(Fixture *f, gconstpointer data)
{
	g_autofree gchar *first = NULL;
	g_autofree gchar *second = NULL;
	g_autofree gchar *set = NULL;
	g_autoptr(GPtrArray) transactions = NULL;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	first = post(f, ALICE, "first");
	pgl_test_daemon_wait_sink(f, 3);
	pgl_test_daemon_wait_idle(f);
	set = pgl_test_daemon_cli_ok(f, NULL, "listconf", LIST, "subject_prefix", "{team} ", NULL);
	second = post(f, ALICE, "second");
	pgl_test_daemon_wait_sink(f, 6);
	pgl_test_daemon_wait_idle(f);

	transactions = pgl_test_daemon_transactions_of(f, first);
	PGL_TEST_ASSERT_STR(g_mime_message_get_subject(
				    ((PglTestReceived *)g_ptr_array_index(transactions, 0))->mime),
			    PREFIX "first");
	g_ptr_array_unref(transactions);
	transactions = pgl_test_daemon_transactions_of(f, second);
	PGL_TEST_ASSERT_STR(g_mime_message_get_subject(
				    ((PglTestReceived *)g_ptr_array_index(transactions, 0))->mime),
			    "{team} second");
}

static void
test_cli_aliases(Fixture *f, gconstpointer data)
{
	static const gchar *const suffixes[] = {"-request", "-owner",   "-bounces", "-join",
						"-leave",   "-confirm", NULL};
	g_autofree gchar *aliases = NULL;
	g_autofree gchar *created = NULL;
	g_auto(GStrv) lines = NULL;
	guint n_lines = 0;

	g_key_file_set_integer(f->config, "lmtp", "port", 2424);
	created = pgl_test_daemon_cli_ok(f, NULL, "create", LIST, NULL);
	g_free(created);
	created = pgl_test_daemon_cli_ok(f, NULL, "create", "news@" LIST_DOMAIN, NULL);
	aliases = pgl_test_daemon_cli_ok(f, NULL, "aliases", NULL);
	PGL_TEST_ASSERT_CONTAINS(aliases, LIST "\tlmtp:inet:127.0.0.1:2424\n");
	for (guint i = 0; suffixes[i] != NULL; i++) {
		g_autofree gchar *line = g_strdup_printf(
			"team%s@" LIST_DOMAIN "\tlmtp:inet:127.0.0.1:2424\n", suffixes[i]);
		g_autofree gchar *news = g_strdup_printf(
			"news%s@" LIST_DOMAIN "\tlmtp:inet:127.0.0.1:2424\n", suffixes[i]);

		PGL_TEST_ASSERT_CONTAINS(aliases, line);
		PGL_TEST_ASSERT_CONTAINS(aliases, news);
	}
	lines = g_strsplit(aliases, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++)
		if (lines[i][0] != '\0' && lines[i][0] != '#')
			n_lines++;
	PGL_TEST_ASSERT_UINT(n_lines, 2 * (1 + g_strv_length((gchar **)suffixes)));
}

static void
test_cli_conf_info(Fixture *f, gconstpointer data)
{
	g_autofree gchar *conf = NULL;
	g_autofree gchar *info = NULL;
	g_autofree gchar *port_line =
		g_strdup_printf("port = %u", (guint)pgl_smtp_sink_get_port(f->sink));
	g_autoptr(PglTestCliResult) conf_extra = NULL;

	g_key_file_set_string(f->config, "smtp", "password", "do-not-print-me");
	g_key_file_set_string(f->config, "smtp", "user", "relayuser");
	setup_list(f, 2);
	conf = pgl_test_daemon_cli_ok(f, NULL, "conf", NULL);
	PGL_TEST_ASSERT_CONTAINS(conf, "[smtp]");
	PGL_TEST_ASSERT_CONTAINS(conf, port_line);
	PGL_TEST_ASSERT_CONTAINS(conf, "relayuser");
	PGL_TEST_ASSERT_CONTAINS(conf, "(set)");
	g_assert_null(strstr(conf, "do-not-print-me"));
	PGL_TEST_ASSERT_CONTAINS(conf, f->var_dir);
	PGL_TEST_ASSERT_CONTAINS(conf, "retry_initial_delay = 1");
	/* defaults are shown too */
	PGL_TEST_ASSERT_CONTAINS(conf, "[limits]");
	PGL_TEST_ASSERT_CONTAINS(conf, "max_recipients = 500");

	info = pgl_test_daemon_cli_ok(f, NULL, "info", NULL);
	PGL_TEST_ASSERT_CONTAINS(info, f->config_path);
	PGL_TEST_ASSERT_CONTAINS(info, f->var_dir);
	PGL_TEST_ASSERT_CONTAINS(info, "lists: 1\n");
	PGL_TEST_ASSERT_UINT(info_queue(info, "in"), 0);
	PGL_TEST_ASSERT_UINT(info_queue(info, "retry"), 0);
	PGL_TEST_ASSERT_UINT(info_queue(info, "bad"), 0);
	conf_extra = pgl_test_daemon_cli_run(f, NULL, "conf", "extra", NULL);
	pgl_test_cli_assert_error(conf_extra, "usage");
	{
		/* without --config: the built-in defaults */
		const gchar *args[] = {"conf", NULL};
		g_autoptr(PglTestCliResult) defaults = pgl_test_daemon_cli_runv(f, NULL, NULL,
										args);

		pgl_test_cli_assert_ok(defaults);
		PGL_TEST_ASSERT_CONTAINS(defaults->out, "port = 8024");
	}
}

static void
assert_bad_config(Fixture *f, const gchar *contents, guint line, const gchar *needle)
{
	g_autofree gchar *path = g_build_filename(f->dir, "bad.conf", NULL);
	g_autofree gchar *want = g_strdup_printf("%s:%u", path, line);
	g_autoptr(GError) error = NULL;
	const gchar *args[] = {"lists", NULL};
	const gchar *serve_args[] = {"serve", NULL};
	g_autoptr(PglTestCliResult) result = NULL;
	g_autoptr(PglTestCliResult) serve = NULL;

	g_file_set_contents(path, contents, -1, &error);
	g_assert_no_error(error);
	result = pgl_test_daemon_cli_runv(f, path, NULL, args);
	pgl_test_cli_assert_error(result, want);
	if (needle != NULL)
		PGL_TEST_ASSERT_CONTAINS(result->err, needle);
	/* the daemon refuses to start the same way */
	serve = pgl_test_daemon_cli_runv(f, path, NULL, serve_args);
	pgl_test_cli_assert_error(serve, want);
}

static void
test_cli_bad_config(Fixture *f, gconstpointer data)
{
	assert_bad_config(f,
			  "[paths]\n"
			  "var_dir = /tmp/unused\n"
			  "[smtp]\n"
			  "host = 127.0.0.1\n"
			  "prot = 25\n",
			  5, "prot");
	assert_bad_config(f,
			  "# a comment\n"
			  "[smpt]\n"
			  "host = 127.0.0.1\n",
			  2, "smpt");
	assert_bad_config(f,
			  "[smtp]\n"
			  "\n"
			  "security = startls\n",
			  3, "startls");
	assert_bad_config(f,
			  "[lmtp]\n"
			  "port = 99999\n",
			  2, "99999");
	assert_bad_config(f,
			  "[limits]\n"
			  "message_max = 10\n",
			  2, "message_max");
	{
		const gchar *args[] = {"lists", NULL};
		g_autoptr(PglTestCliResult) missing =
			pgl_test_daemon_cli_runv(f, "/nonexistent/pgplist.conf", NULL, args);

		pgl_test_cli_assert_error(missing, "/nonexistent/pgplist.conf");
	}
}

static void
test_cli_usage_errors(Fixture *f, gconstpointer data)
{
	static const gchar *const commands[][5] = {
		{"held", NULL},
		{"held", LIST, "extra", NULL},
		{"moderate", LIST, "1", NULL},
		{"inject", NULL},
		{"addmembers", LIST, NULL},
		{"delmembers", NULL},
		{"members", NULL},
		{"remove", NULL},
		{"serve", "now", NULL},
		{"aliases", "x", NULL},
		{"info", "x", NULL},
	};
	g_autoptr(PglTestCliResult) unknown_command = NULL;
	g_autoptr(PglTestCliResult) unknown_option = NULL;
	g_autoptr(PglTestCliResult) no_command = NULL;
	g_autoptr(PglTestCliResult) inject_unknown = NULL;
	g_autoptr(PglTestCliResult) held_unknown = NULL;
	g_autofree gchar *help = NULL;

	setup_list(f, 1);
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autoptr(PglTestCliResult) result = NULL;

		pgl_test_daemon_config_write(f);
		result = pgl_test_daemon_cli_runv(f, f->config_path, NULL, commands[i]);
		g_test_message("pgplist %s ...: %s", commands[i][0], result->err);
		pgl_test_cli_assert_error(result, "usage");
	}
	unknown_command = pgl_test_daemon_cli_run(f, NULL, "frobnicate", NULL);
	pgl_test_cli_assert_error(unknown_command, "frobnicate");
	unknown_option = pgl_test_daemon_cli_run(f, NULL, "--frob", "lists", NULL);
	pgl_test_cli_assert_error(unknown_option, "--frob");
	no_command = pgl_test_daemon_cli_run(f, NULL, NULL);
	pgl_test_cli_assert_error(no_command, "no command given");
	inject_unknown = pgl_test_daemon_cli_run(f, "Subject: x\n\nx\n", "inject",
						 "nope@" LIST_DOMAIN, NULL);
	pgl_test_cli_assert_error(inject_unknown, "nope@" LIST_DOMAIN);
	held_unknown = pgl_test_daemon_cli_run(f, NULL, "held", "nope@" LIST_DOMAIN, NULL);
	pgl_test_cli_assert_error(held_unknown, "nope@" LIST_DOMAIN);
	help = pgl_test_daemon_cli_ok(f, NULL, "--help", NULL);
	PGL_TEST_ASSERT_CONTAINS(help, "moderate");
}

static void
test_cli_inject(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) recipients = members_upto(3);
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message = pgl_test_daemon_make_message(CAROL, LIST, "injected",
								 message_id, NULL);
	g_autofree gchar *file = g_build_filename(f->dir, "post.eml", NULL);
	g_autofree gchar *file_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *file_message = pgl_test_daemon_make_message(BOB, LIST, "from a file",
								      file_id, NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *out_file = NULL;
	g_autoptr(GError) error = NULL;

	setup_list(f, 3);
	pgl_test_daemon_start(f);
	out = pgl_test_daemon_cli_ok(f, message, "inject", LIST, NULL);
	PGL_TEST_ASSERT_CONTAINS(out, "Queued as ");
	g_file_set_contents(file, file_message, -1, &error);
	g_assert_no_error(error);
	out_file = pgl_test_daemon_cli_ok(f, NULL, "inject", LIST, file, NULL);
	PGL_TEST_ASSERT_CONTAINS(out_file, "Queued as ");
	pgl_test_daemon_wait_sink(f, 6);
	pgl_test_daemon_wait_idle(f);
	pgl_test_daemon_assert_delivered_once(f, message_id, (const gchar *const *)recipients);
	pgl_test_daemon_assert_delivered_once(f, file_id, (const gchar *const *)recipients);
}

/* ==== 9. messages that cannot be parsed ====================================================== */

/* A message queued for a list that is removed before it is processed is kept, not lost. */
static void
test_bad_list_removed(Fixture *f, gconstpointer data)
{
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *message = pgl_test_daemon_make_message(ALICE, LIST, "orphaned",
								 message_id, NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *removed = NULL;
	g_autofree gchar *created = NULL;
	g_autofree gchar *added = NULL;
	g_autofree gchar *other_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *other =
		pgl_test_daemon_make_message(ALICE, "other@" LIST_DOMAIN, "still working", other_id,
					     NULL);

	setup_list(f, 3);
	created = pgl_test_daemon_cli_ok(f, NULL, "create", "other@" LIST_DOMAIN, NULL);
	added = pgl_test_daemon_cli_ok(f, "alice@example.com\n", "addmembers", "other@" LIST_DOMAIN,
				       "-", NULL);
	out = pgl_test_daemon_cli_ok(f, message, "inject", LIST, NULL);
	removed = pgl_test_daemon_cli_ok(f, NULL, "remove", LIST, NULL);
	pgl_test_daemon_start(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, ALICE, "other@" LIST_DOMAIN, other), 250);
	pgl_test_daemon_wait_sink(f, 1);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, other_id, ALICE), 1);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_count_files(f, "bad"), 1);
}

static void
test_bad_mime_depth(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) message = g_string_new(NULL);
	g_autofree gchar *message_id = pgl_test_daemon_new_message_id(f);
	g_autofree gchar *date = pgl_test_daemon_rfc5322_date();
	g_autoptr(GPtrArray) notices = NULL;
	const guint depth = 6;

	g_key_file_set_integer(f->config, "limits", "mime_depth_max", 2);
	setup_list(f, 3);
	pgl_test_daemon_start(f);

	g_string_append_printf(message,
			       "From: %s\nTo: %s\nSubject: Russian dolls\nMessage-ID: <%s>\n"
			       "Date: %s\nMIME-Version: 1.0\n"
			       "Content-Type: multipart/mixed; boundary=\"b0\"\n\n",
			       ALICE, LIST, message_id, date);
	for (guint level = 1; level < depth; level++)
		g_string_append_printf(message,
				       "--b%u\nContent-Type: multipart/mixed; boundary=\"b%u\"\n\n",
				       level - 1, level);
	g_string_append_printf(message, "--b%u\nContent-Type: text/plain\n\ndeep inside\n",
			       depth - 1);
	for (guint level = depth; level > 0; level--)
		g_string_append_printf(message, "--b%u--\n", level - 1);

	PGL_TEST_ASSERT_UINT(pgl_test_daemon_lmtp_send(f, ALICE, LIST, message->str), 250);
	pgl_test_daemon_wait_sink(f, 1);
	pgl_test_daemon_wait_idle(f);
	PGL_TEST_ASSERT_UINT(pgl_smtp_sink_recipient_count(f->sink), 1);
	notices = pgl_test_daemon_messages_to(f, ALICE, "could not be posted");
	if (notices->len != 1) {
		pgl_test_daemon_dump_received(f);
		g_assert_cmpuint(notices->len, ==, 1);
	}
	PGL_TEST_ASSERT_STR(((PglTestReceived *)g_ptr_array_index(notices, 0))->raw->mail_from,
			    LIST_BOUNCES);
	g_test_message("notice: %s", ((PglTestReceived *)g_ptr_array_index(notices, 0))->text);
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_copies_to(f, message_id, BOB), 0);
	/* not lost: kept in the bad queue */
	PGL_TEST_ASSERT_UINT(pgl_test_daemon_queue_count_files(f, "bad"), 1);
}

/* ---- main -------------------------------------------------------------------------------- */

/* ==== 9. PGP keys ============================================================================ */

/* gpg plays the subscribers' client and checks what pgplist exports, in a GNUPGHOME of the
 * test's own (pgl-test-gpg.h; under the test's temporary directory, so that its agent's socket
 * path stays short), stopped and removed at the end of the test. */

/* Generates a key for "NAME <ADDRESS>" in gpg (ed25519 + cv25519, gpg 2.2's future-default,
 * no expiry, no passphrase); returns its fingerprint. */
static gchar *
gpg_generate(PglTestGpg *gpg, const gchar *name, const gchar *address, const gchar *usage)
{
	g_autofree gchar *user_id = g_strdup_printf("%s <%s>", name, address);

	return pgl_test_gpg_generate(gpg, user_id, "future-default", usage, "never", 0);
}

/* The value of the first "NAME: value" line of @text (`key show` output). */
static gchar *
show_field(const gchar *text, const gchar *name)
{
	g_autofree gchar *prefix = g_strdup_printf("%s: ", name);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], prefix))
			return g_strdup(lines[i] + strlen(prefix));
	}
	g_test_message("no \"%s\" line in \"%s\"", name, text);
	g_assert_not_reached();
}

/* "List key: FPR" from `create --style pgp-*`. */
static gchar *
created_fingerprint(const gchar *out)
{
	const gchar *line = strstr(out, "List key: ");
	g_autofree gchar *rest = NULL;

	g_assert_nonnull(line);
	rest = g_strdup(line + strlen("List key: "));
	g_strchomp(rest);
	PGL_TEST_ASSERT_UINT(strlen(rest), 40);
	return g_steal_pointer(&rest);
}

/* A key file of tests/data/pgp/corpus (copies of shared/corpus, see its README), or, for one
 * not copied there, of shared/corpus beside the repository; NULL if there is neither. */
static gchar *
corpus_key(const gchar *copied_name, const gchar *shared_path)
{
	g_autofree gchar *copied =
		g_test_build_filename(G_TEST_DIST, "data", "pgp", "corpus", copied_name, NULL);
	g_autofree gchar *shared = g_build_filename(g_getenv("PGLIST_SOURCE_ROOT"), "..", "shared",
						    "corpus", shared_path, NULL);

	if (g_file_test(copied, G_FILE_TEST_IS_REGULAR))
		return g_steal_pointer(&copied);
	if (g_file_test(shared, G_FILE_TEST_IS_REGULAR))
		return g_steal_pointer(&shared);
	return NULL;
}

static void
test_key_create_generate(Fixture *f, gconstpointer data)
{
	g_autofree gchar *created = NULL;
	g_autofree gchar *fingerprint = NULL;
	g_autofree gchar *show = NULL;
	g_autofree gchar *exported = NULL;
	g_autofree gchar *export_path = NULL;
	g_autofree gchar *gpg_fpr_line = NULL;
	g_autofree gchar *generated = NULL;
	g_autofree gchar *show_after = NULL;
	g_autofree gchar *info = NULL;
	g_autofree gchar *announce = NULL;
	g_autofree gchar *announce_conf = NULL;
	g_autoptr(PglTestGpg) gpg = pgl_test_gpg_new(f->dir);
	g_autoptr(PglTestGpgResult) imported = NULL;
	g_autoptr(PglTestGpgResult) listed = NULL;
	const gchar *listing;
	g_autoptr(PglTestCliResult) again = NULL;

	created = pgl_test_daemon_cli_ok(f, NULL, "create", LIST, "--style", "pgp-discussion",
					 "--owner", OWNER, NULL);
	PGL_TEST_ASSERT_CONTAINS(created, "Created list " LIST "\n");
	fingerprint = created_fingerprint(created);

	show = pgl_test_daemon_cli_ok(f, NULL, "key", "show", LIST, NULL);
	PGL_TEST_ASSERT_CONTAINS(show, "list: " LIST "\n");
	PGL_TEST_ASSERT_CONTAINS(show, fingerprint);
	PGL_TEST_ASSERT_CONTAINS(show, "algorithm: EDDSA 255 (subkeys: ECDH 255)\n");
	PGL_TEST_ASSERT_CONTAINS(show, "expires: never\n");
	PGL_TEST_ASSERT_CONTAINS(show, "usable: yes\n");
	/* "Team <...>" would be shorter than the request user ID, which gpg would then take as
	 * primary (see pgl-pgp-keygen.c) */
	PGL_TEST_ASSERT_CONTAINS(show, "user ID: Team (mailing list) <" LIST ">\n");
	PGL_TEST_ASSERT_CONTAINS(show, "user ID: <team-request@" LIST_DOMAIN ">\n");

	/* gpg reads the exported public key and sees the same key */
	exported = pgl_test_daemon_cli_ok(f, NULL, "key", "export", LIST, NULL);
	g_assert_true(g_str_has_prefix(exported, "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
	g_assert_null(strstr(exported, "PRIVATE"));
	export_path = pgl_test_daemon_write_file(f, "list.asc", exported);
	imported = pgl_test_gpg_run(gpg, NULL, "--import", export_path, NULL);
	pgl_test_gpg_assert_ok(imported);
	listed = pgl_test_gpg_run(gpg, NULL, "--with-colons", "--fingerprint", "--list-keys", LIST,
				  NULL);
	pgl_test_gpg_assert_ok(listed);
	listing = pgl_test_gpg_result_get_text(listed);
	gpg_fpr_line = g_strdup_printf("fpr:::::::::%s:", fingerprint);
	PGL_TEST_ASSERT_CONTAINS(listing, gpg_fpr_line);
	PGL_TEST_ASSERT_CONTAINS(listing, "Team (mailing list) <" LIST ">");
	PGL_TEST_ASSERT_CONTAINS(listing, "<team-request@" LIST_DOMAIN ">");
	/* gpg's primary user ID (listed first) is the one with the algorithm preferences, so a
	 * subscriber's gpg signs posts with SHA-256 or better, not SHA-1 */
	{
		const gchar *first_uid = strstr(listing, "\nuid:");

		g_assert_nonnull(first_uid);
		g_assert_nonnull(strstr(first_uid, "team-request@"));
		g_assert_true(g_str_has_prefix(first_uid, "\nuid:") &&
			      strstr(first_uid, "Team (mailing list)") != NULL &&
			      strstr(first_uid, "Team (mailing list)") <
				      strstr(first_uid, "team-request@"));
	}
	{
		g_autoptr(PglTestGpgResult) prefs = pgl_test_gpg_run(
			gpg, NULL, "--with-colons", "--edit-key", fingerprint, "showpref", "quit",
			NULL);
		const gchar *uid_line;

		pgl_test_gpg_assert_ok(prefs);
		/* that user ID is marked primary ("p") and prefers SHA512 (H10), SHA256 (H8) */
		uid_line = strstr(pgl_test_gpg_result_get_text(prefs),
				  "Team (mailing list) <" LIST ">:");
		g_assert_nonnull(uid_line);
		{
			g_autofree gchar *line = g_strndup(uid_line, strcspn(uid_line, "\n"));

			PGL_TEST_ASSERT_CONTAINS(line, "H10 H8");
			PGL_TEST_ASSERT_CONTAINS(line, ",p:");
		}
	}
	/* ed25519 that signs and certifies, no expiry (field 7 empty), a cv25519 subkey that
	 * encrypts */
	PGL_TEST_ASSERT_CONTAINS(listing, ":::scESC:::::ed25519:");
	PGL_TEST_ASSERT_CONTAINS(listing, "::::::e:::::cv25519:");

	/* no second key pair by accident */
	again = pgl_test_daemon_cli_run(f, NULL, "key", "generate", LIST, NULL);
	pgl_test_cli_assert_error(again, "--force");
	PGL_TEST_ASSERT_CONTAINS(again->err, fingerprint);
	show_after = pgl_test_daemon_cli_ok(f, NULL, "key", "show", LIST, NULL);
	PGL_TEST_ASSERT_STR(show_after, show);
	generated = pgl_test_daemon_cli_ok(f, NULL, "key", "generate", LIST, "--force", NULL);
	PGL_TEST_ASSERT_CONTAINS(generated, "Replaced key ");
	PGL_TEST_ASSERT_CONTAINS(generated, fingerprint);
	g_free(show_after);
	show_after = pgl_test_daemon_cli_ok(f, NULL, "key", "show", LIST, NULL);
	g_assert_null(strstr(show_after, fingerprint));

	/* pgp-announce: the announce settings plus a key pair */
	announce = pgl_test_daemon_cli_ok(f, NULL, "create", "news@" LIST_DOMAIN, "--style",
					  "pgp-announce", NULL);
	PGL_TEST_ASSERT_CONTAINS(announce, "List key: ");
	announce_conf = pgl_test_daemon_cli_ok(f, NULL, "listconf", "news@" LIST_DOMAIN,
					       "default_member_action", NULL);
	PGL_TEST_ASSERT_STR(announce_conf, "hold\n");
	info = pgl_test_daemon_cli_ok(f, NULL, "info", NULL);
	PGL_TEST_ASSERT_CONTAINS(info, "\nlists: 2\n");
	PGL_TEST_ASSERT_CONTAINS(info, "\npgp lists: 2\n");
}

static void
test_key_generate_plain_list(Fixture *f, gconstpointer data)
{
	g_autofree gchar *generated = NULL;
	g_autofree gchar *show = NULL;
	g_autofree gchar *info = NULL;
	g_autoptr(PglTestCliResult) no_key_show = NULL;
	g_autoptr(PglTestCliResult) no_key_export = NULL;
	g_autoptr(PglTestCliResult) no_key_secret = NULL;
	g_autoptr(PglTestCliResult) unknown_list = NULL;

	/* rsa3072 from the configuration */
	g_key_file_set_string(f->config, "pgp", "key_algorithm", "rsa3072");
	setup_list(f, 0);
	no_key_show = pgl_test_daemon_cli_run(f, NULL, "key", "show", LIST, NULL);
	pgl_test_cli_assert_error(no_key_show, "not a PGP list");
	no_key_export = pgl_test_daemon_cli_run(f, NULL, "key", "export", LIST, NULL);
	pgl_test_cli_assert_error(no_key_export, "not a PGP list");
	no_key_secret = pgl_test_daemon_cli_run(f, NULL, "key", "export", LIST, "--secret", NULL);
	pgl_test_cli_assert_error(no_key_secret, "not a PGP list");
	info = pgl_test_daemon_cli_ok(f, NULL, "info", NULL);
	PGL_TEST_ASSERT_CONTAINS(info, "\npgp lists: 0\n");

	generated = pgl_test_daemon_cli_ok(f, NULL, "key", "generate", LIST, NULL);
	PGL_TEST_ASSERT_CONTAINS(generated, "Generated key ");
	g_assert_null(strstr(generated, "Replaced"));
	show = pgl_test_daemon_cli_ok(f, NULL, "key", "show", LIST, NULL);
	PGL_TEST_ASSERT_CONTAINS(show, "algorithm: RSA 3072 (subkeys: RSA 3072)\n");
	PGL_TEST_ASSERT_CONTAINS(show, "usable: yes\n");
	unknown_list = pgl_test_daemon_cli_run(f, NULL, "key", "generate", "nope@" LIST_DOMAIN,
					       NULL);
	pgl_test_cli_assert_error(unknown_list, "nope@" LIST_DOMAIN);
}

static void
test_key_export_secret_import(Fixture *f, gconstpointer data)
{
	g_autofree gchar *created = NULL;
	g_autofree gchar *fingerprint = NULL;
	g_autofree gchar *secret = NULL;
	g_autofree gchar *secret_path = NULL;
	g_autofree gchar *public_a = NULL;
	g_autofree gchar *public_b = NULL;
	g_autofree gchar *imported = NULL;
	g_autofree gchar *again = NULL;
	g_autofree gchar *show = NULL;
	g_autofree gchar *public_path = NULL;
	g_autofree gchar *garbage_path = NULL;
	g_autofree gchar *two_path = NULL;
	g_autofree gchar *other_secret = NULL;
	g_autofree gchar *other_created = NULL;
	g_autoptr(PglTestGpg) gpg = pgl_test_gpg_new(f->dir);
	g_autoptr(PglTestGpgResult) gpg_import = NULL;
	g_autoptr(PglTestGpgResult) gpg_secret = NULL;
	g_autoptr(PglTestCliResult) public_only = NULL;
	g_autoptr(PglTestCliResult) garbage = NULL;
	g_autoptr(PglTestCliResult) two = NULL;
	g_autoptr(PglTestCliResult) missing = NULL;

	created = pgl_test_daemon_cli_ok(f, NULL, "create", LIST, "--style", "pgp-discussion",
					 NULL);
	fingerprint = created_fingerprint(created);
	secret = pgl_test_daemon_cli_ok(f, NULL, "key", "export", LIST, "--secret", NULL);
	g_assert_true(g_str_has_prefix(secret, "-----BEGIN PGP PRIVATE KEY BLOCK-----"));
	secret_path = pgl_test_daemon_write_file(f, "list.sec", secret);

	/* onto another, plain list */
	g_free(created);
	created = pgl_test_daemon_cli_ok(f, NULL, "create", "other@" LIST_DOMAIN, NULL);
	imported = pgl_test_daemon_cli_ok(f, NULL, "key", "import", "other@" LIST_DOMAIN,
					  secret_path, NULL);
	PGL_TEST_ASSERT_CONTAINS(imported, fingerprint);
	g_assert_null(strstr(imported, "Replaced"));
	g_assert_null(strstr(imported, "Warning"));
	show = pgl_test_daemon_cli_ok(f, NULL, "key", "show", "other@" LIST_DOMAIN, NULL);
	{
		g_autofree gchar *shown = show_field(show, "fingerprint");

		PGL_TEST_ASSERT_STR(shown, fingerprint);
	}
	/* the user IDs name the first list: that is allowed */
	/* "Team <...>" would be shorter than the request user ID, which gpg would then take as
	 * primary (see pgl-pgp-keygen.c) */
	PGL_TEST_ASSERT_CONTAINS(show, "user ID: Team (mailing list) <" LIST ">\n");
	public_a = pgl_test_daemon_cli_ok(f, NULL, "key", "export", LIST, NULL);
	public_b = pgl_test_daemon_cli_ok(f, NULL, "key", "export", "other@" LIST_DOMAIN, NULL);
	PGL_TEST_ASSERT_STR(public_b, public_a);
	/* importing the same key again replaces nothing */
	again = pgl_test_daemon_cli_ok(f, NULL, "key", "import", "other@" LIST_DOMAIN, secret_path,
				       NULL);
	g_assert_null(strstr(again, "Replaced"));

	/* gpg takes the secret key too, and it works there */
	gpg_import = pgl_test_gpg_run(gpg, NULL, "--import", secret_path, NULL);
	pgl_test_gpg_assert_ok(gpg_import);
	gpg_secret = pgl_test_gpg_run(gpg, NULL, "--with-colons", "--list-secret-keys", fingerprint,
				      NULL);
	pgl_test_gpg_assert_ok(gpg_secret);
	/* "+": gpg has the secret parts, of the primary key and of the subkey */
	PGL_TEST_ASSERT_CONTAINS(pgl_test_gpg_result_get_text(gpg_secret), ":scESC:::+::ed25519:");
	PGL_TEST_ASSERT_CONTAINS(pgl_test_gpg_result_get_text(gpg_secret), ":e:::+::cv25519:");

	/* refusals, each one line; the stored key stays */
	public_path = pgl_test_daemon_write_file(f, "list.asc", public_a);
	public_only = pgl_test_daemon_cli_run(f, NULL, "key", "import", "other@" LIST_DOMAIN,
					      public_path, NULL);
	pgl_test_cli_assert_error(public_only, "no secret part");
	garbage_path = pgl_test_daemon_write_file(f, "garbage.asc", "this is not a key\n");
	garbage = pgl_test_daemon_cli_run(f, NULL, "key", "import", "other@" LIST_DOMAIN,
					  garbage_path, NULL);
	pgl_test_cli_assert_error(garbage, "garbage.asc");
	other_created = pgl_test_daemon_cli_ok(f, NULL, "create", "third@" LIST_DOMAIN, "--style",
					       "pgp-discussion", NULL);
	other_secret = pgl_test_daemon_cli_ok(f, NULL, "key", "export", "third@" LIST_DOMAIN,
					      "--secret", NULL);
	{
		g_autofree gchar *both = g_strconcat(secret, other_secret, NULL);

		two_path = pgl_test_daemon_write_file(f, "two.sec", both);
	}
	two = pgl_test_daemon_cli_run(f, NULL, "key", "import", "other@" LIST_DOMAIN, two_path,
				      NULL);
	pgl_test_cli_assert_error(two, "2 primary keys");
	missing = pgl_test_daemon_cli_run(f, NULL, "key", "import", "other@" LIST_DOMAIN,
					  "/nonexistent/key.sec", NULL);
	pgl_test_cli_assert_error(missing, "/nonexistent/key.sec");
	g_free(show);
	show = pgl_test_daemon_cli_ok(f, NULL, "key", "show", "other@" LIST_DOMAIN, NULL);
	PGL_TEST_ASSERT_CONTAINS(show, fingerprint);
}

static void
test_key_import_schleuder(Fixture *f, gconstpointer data)
{
	static const struct {
		const gchar *copied_name;
		const gchar *shared_path;
		const gchar *fingerprint;
		const gchar *user_id;
	} keys[] = {
		/* the list key of Schleuder's test suite (binary keyring of one secret key): it
		 * decrypts the real client mail of shared/corpus/schleuder/spec/fixtures/mails */
		{"schleuder-secring.gpg", "schleuder/spec/gnupg/secring.gpg",
		 "59C71FB38AEE22E091C78259D06350440F759BD3",
		 "Schleuder TestUser <schleuder@example.org>"},
		/* an armored RSA-4096 list key of its fixtures */
		{"schleuder-openpgpkey_421C19AF8B9C33B8B62D76EBDB2F7E271D773073.sec",
		 "schleuder/spec/fixtures/openpgpkey_421C19AF8B9C33B8B62D76EBDB2F7E271D773073.sec",
		 "421C19AF8B9C33B8B62D76EBDB2F7E271D773073", "schleuder@example.org"},
	};

	setup_list(f, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree gchar *path = corpus_key(keys[i].copied_name, keys[i].shared_path);
		g_autofree gchar *imported = NULL;
		g_autofree gchar *show = NULL;
		g_autofree gchar *shown = NULL;
		g_autofree gchar *user_id = NULL;

		if (path == NULL) {
			g_test_skip("the Schleuder keys are in neither tests/data/pgp/corpus nor "
				    "../shared/corpus");
			return;
		}
		imported = pgl_test_daemon_cli_ok(f, NULL, "key", "import", LIST, path, NULL);
		PGL_TEST_ASSERT_CONTAINS(imported, keys[i].fingerprint);
		if (i > 0)
			PGL_TEST_ASSERT_CONTAINS(imported, "Replaced key ");
		show = pgl_test_daemon_cli_ok(f, NULL, "key", "show", LIST, NULL);
		shown = show_field(show, "fingerprint");
		PGL_TEST_ASSERT_STR(shown, keys[i].fingerprint);
		PGL_TEST_ASSERT_CONTAINS(show, "usable: yes\n");
		PGL_TEST_ASSERT_CONTAINS(show, "algorithm: RSA 4096 (subkeys: RSA 4096)\n");
		/* its user IDs do not name the list, which is fine */
		user_id = g_strdup_printf("user ID: %s\n", keys[i].user_id);
		PGL_TEST_ASSERT_CONTAINS(show, user_id);
	}
}

static void
test_key_set_show(Fixture *f, gconstpointer data)
{
	g_autoptr(PglTestGpg) gpg = pgl_test_gpg_new(f->dir);
	g_autofree gchar *alice_fpr = gpg_generate(gpg, "Alice", ALICE, "default");
	g_autofree gchar *alice_path = NULL;
	g_autofree gchar *set = NULL;
	g_autofree gchar *show = NULL;
	g_autofree gchar *set_bob = NULL;
	g_autofree gchar *show_bob = NULL;
	g_autofree gchar *refresh = NULL;
	g_autofree gchar *upper = NULL;
	g_autofree gchar *field = NULL;
	g_autoptr(GBytes) exported = pgl_test_gpg_export(gpg, alice_fpr, FALSE);
	g_autoptr(PglTestCliResult) unknown = NULL;
	g_autoptr(PglTestCliResult) bad_address = NULL;

	alice_path = pgl_test_daemon_write_file(f, "alice.asc", g_bytes_get_data(exported, NULL));
	setup_list(f, 0);

	set = pgl_test_daemon_cli_ok(f, NULL, "key", "set", ALICE, alice_path, "--confirmed", NULL);
	PGL_TEST_ASSERT_CONTAINS(set, alice_fpr);
	PGL_TEST_ASSERT_CONTAINS(set, "(confirmed)");
	g_assert_null(strstr(set, "Warning"));
	show = pgl_test_daemon_cli_ok(f, NULL, "key", "show", ALICE, NULL);
	PGL_TEST_ASSERT_CONTAINS(show, "address: alice@example.com\n");
	field = show_field(show, "fingerprint");
	PGL_TEST_ASSERT_STR(field, alice_fpr);
	PGL_TEST_ASSERT_CONTAINS(show, "confirmed: yes\n");
	PGL_TEST_ASSERT_CONTAINS(show, "usable: yes\n");
	PGL_TEST_ASSERT_CONTAINS(show, "expires: never\n");
	PGL_TEST_ASSERT_CONTAINS(show, "algorithm: EDDSA 255 (subkeys: ECDH 255)\n");
	PGL_TEST_ASSERT_CONTAINS(show, "user ID: Alice <alice@example.com>\n");
	/* the same key again (a refresh) keeps its confirmation */
	refresh = pgl_test_daemon_cli_ok(f, NULL, "key", "set", ALICE, alice_path, NULL);
	PGL_TEST_ASSERT_CONTAINS(refresh, "(confirmed)");
	/* addresses are normalised */
	upper = pgl_test_daemon_cli_ok(f, NULL, "key", "show", "ALICE@Example.COM", NULL);
	PGL_TEST_ASSERT_CONTAINS(upper, alice_fpr);

	/* a key whose user IDs do not name the address: stored, with a warning */
	set_bob = pgl_test_daemon_cli_ok(f, NULL, "key", "set", BOB, alice_path, NULL);
	PGL_TEST_ASSERT_CONTAINS(set_bob, "Warning: no user ID of key ");
	PGL_TEST_ASSERT_CONTAINS(set_bob, BOB);
	PGL_TEST_ASSERT_CONTAINS(set_bob, "(not confirmed)");
	show_bob = pgl_test_daemon_cli_ok(f, NULL, "key", "show", BOB, NULL);
	PGL_TEST_ASSERT_CONTAINS(show_bob, "confirmed: no\n");

	unknown = pgl_test_daemon_cli_run(f, NULL, "key", "show", CAROL, NULL);
	pgl_test_cli_assert_error(unknown, "no key for carol@example.com");
	bad_address = pgl_test_daemon_cli_run(f, NULL, "key", "set", "not an address", alice_path,
					      NULL);
	pgl_test_cli_assert_error(bad_address, "not an address");
}

static void
test_key_set_refusals(Fixture *f, gconstpointer data)
{
	g_autoptr(PglTestGpg) gpg = pgl_test_gpg_new(f->dir);
	g_autofree gchar *alice_fpr = gpg_generate(gpg, "Alice", ALICE, "default");
	g_autofree gchar *bob_fpr = gpg_generate(gpg, "Bob", BOB, "default");
	g_autofree gchar *secret_path = NULL;
	g_autofree gchar *garbage_path = NULL;
	g_autofree gchar *two_path = NULL;
	g_autofree gchar *alice_path = NULL;
	g_autofree gchar *signonly = corpus_key("schleuder-signonly_key.txt",
						"schleuder/spec/fixtures/signonly_key.txt");
	g_autofree gchar *expired = corpus_key("schleuder-expired_key.txt",
					       "schleuder/spec/fixtures/expired_key.txt");
	g_autofree gchar *set = NULL;
	g_autofree gchar *show = NULL;
	g_autofree gchar *show_after = NULL;
	g_autoptr(GBytes) secret = NULL;
	g_autoptr(GBytes) alice = NULL;
	g_autoptr(PglTestGpgResult) both = NULL;
	static const struct {
		const gchar *file;   /* which file, see below */
		const gchar *needle; /* in the one-line error */
	} cases[] = {
		{"secret", "secret key material"},
		{"garbage", "not an OpenPGP key"},
		{"empty", "no key data"},
		{"signonly", "no usable encryption subkey"},
		{"expired", "has expired"},
		{"two", "found 2 primary keys"},
		{"missing", "No such file"},
	};

	g_assert_nonnull(signonly);
	g_assert_nonnull(expired);
	secret = pgl_test_gpg_export(gpg, alice_fpr, TRUE);
	g_assert_true(g_str_has_prefix(g_bytes_get_data(secret, NULL),
				       "-----BEGIN PGP PRIVATE KEY BLOCK-----"));
	secret_path = pgl_test_daemon_write_file(f, "alice.sec", g_bytes_get_data(secret, NULL));
	alice = pgl_test_gpg_export(gpg, alice_fpr, FALSE);
	alice_path = pgl_test_daemon_write_file(f, "alice.asc", g_bytes_get_data(alice, NULL));
	both = pgl_test_gpg_run(gpg, NULL, "--armor", "--export", alice_fpr, bob_fpr, NULL);
	pgl_test_gpg_assert_ok(both);
	two_path = pgl_test_daemon_write_file(f, "two.asc", pgl_test_gpg_result_get_text(both));
	garbage_path = pgl_test_daemon_write_file(
		f, "garbage.asc",
		"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 at all\n"
		"-----END PGP PUBLIC KEY BLOCK-----\n");
	setup_list(f, 0);
	set = pgl_test_daemon_cli_ok(f, NULL, "key", "set", ALICE, alice_path, "--confirmed", NULL);
	show = pgl_test_daemon_cli_ok(f, NULL, "key", "show", ALICE, NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *empty_path = pgl_test_daemon_write_file(f, "empty.asc", "");
		const gchar *name = cases[i].file;
		const gchar *file = g_str_equal(name, "secret")	    ? secret_path
				    : g_str_equal(name, "garbage")  ? garbage_path
				    : g_str_equal(name, "empty")    ? empty_path
				    : g_str_equal(name, "signonly") ? signonly
				    : g_str_equal(name, "expired")  ? expired
				    : g_str_equal(name, "two")	    ? two_path
								    : "/nonexistent/key.asc";
		g_autoptr(PglTestCliResult) result = pgl_test_daemon_cli_run(f, NULL, "key", "set",
									     ALICE, file, NULL);

		g_test_message("key set %s: %s", cases[i].file, result->err);
		pgl_test_cli_assert_error(result, cases[i].needle);
		/* the error names the file */
		PGL_TEST_ASSERT_CONTAINS(result->err, file);
	}
	/* nothing changed */
	show_after = pgl_test_daemon_cli_ok(f, NULL, "key", "show", ALICE, NULL);
	PGL_TEST_ASSERT_STR(show_after, show);
	/* a list's own addresses get their key from key import / key generate */
	{
		g_autoptr(PglTestCliResult) list_address =
			pgl_test_daemon_cli_run(f, NULL, "key", "set", "team-request@" LIST_DOMAIN,
						alice_path, NULL);

		pgl_test_cli_assert_error(list_address, "key import");
	}
}

static void
test_key_passphrase(Fixture *f, gconstpointer data)
{
	g_autofree gchar *pass_path = pgl_test_daemon_write_file(f, "passphrase",
								 "correct horse\r\nsecond line\n");
	g_autofree gchar *created = NULL;
	g_autofree gchar *fingerprint = NULL;
	g_autofree gchar *secret = NULL;
	g_autofree gchar *secret_path = NULL;
	g_autofree gchar *imported = NULL;
	g_autofree gchar *plain_secret = NULL;
	g_autofree gchar *plain_path = NULL;
	g_autofree gchar *warned = NULL;
	g_autoptr(PglTestGpg) gpg = pgl_test_gpg_new(f->dir);
	g_autoptr(GBytes) to_sign = g_bytes_new_static("data", 4);
	g_autoptr(PglTestGpgResult) gpg_import = NULL;
	g_autoptr(PglTestGpgResult) wrong = NULL;
	g_autoptr(PglTestGpgResult) right = NULL;
	g_autoptr(PglTestCliResult) unprotected_config = NULL;
	g_autoptr(PglTestCliResult) other_passphrase = NULL;
	g_autoptr(PglTestCliResult) world_readable = NULL;
	g_autoptr(PglTestCliResult) empty_line = NULL;
	g_autoptr(PglTestCliResult) no_file = NULL;

	/* a key made before the passphrase is configured: unprotected */
	created = pgl_test_daemon_cli_ok(f, NULL, "create", "plain@" LIST_DOMAIN, "--style",
					 "pgp-discussion", NULL);
	plain_secret = pgl_test_daemon_cli_ok(f, NULL, "key", "export", "plain@" LIST_DOMAIN,
					      "--secret", NULL);
	plain_path = pgl_test_daemon_write_file(f, "plain.sec", plain_secret);
	g_free(created);

	g_assert_cmpint(g_chmod(pass_path, 0640), ==, 0);
	g_key_file_set_string(f->config, "pgp", "key_passphrase_file", pass_path);
	created = pgl_test_daemon_cli_ok(f, NULL, "create", LIST, "--style", "pgp-discussion",
					 NULL);
	fingerprint = created_fingerprint(created);
	secret = pgl_test_daemon_cli_ok(f, NULL, "key", "export", LIST, "--secret", NULL);
	secret_path = pgl_test_daemon_write_file(f, "list.sec", secret);

	/* gpg agrees that the first line (without CR LF) protects it */
	gpg_import = pgl_test_gpg_run(gpg, NULL, "--import", secret_path, NULL);
	pgl_test_gpg_assert_ok(gpg_import);
	wrong = pgl_test_gpg_run(gpg, to_sign, "--passphrase", "wrong", "--local-user", fingerprint,
				 "--detach-sign", "--armor", NULL);
	g_assert_cmpint(wrong->status, !=, 0);
	right = pgl_test_gpg_run(gpg, to_sign, "--passphrase", "correct horse", "--local-user",
				 fingerprint, "--detach-sign", "--armor", NULL);
	pgl_test_gpg_assert_ok(right);
	PGL_TEST_ASSERT_CONTAINS(pgl_test_gpg_result_get_text(right), "BEGIN PGP SIGNATURE");

	/* the stored key unlocks with the configured passphrase: import round-trips */
	imported = pgl_test_daemon_cli_ok(f, NULL, "key", "import", LIST, secret_path, NULL);
	PGL_TEST_ASSERT_CONTAINS(imported, fingerprint);
	g_assert_null(strstr(imported, "Warning"));
	/* an unprotected key is taken, with a warning */
	warned = pgl_test_daemon_cli_ok(f, NULL, "key", "import", LIST, plain_path, NULL);
	PGL_TEST_ASSERT_CONTAINS(warned, "Warning: the secret key is not protected");

	/* without the passphrase, or with another, the protected key is refused */
	g_key_file_set_string(f->config, "pgp", "key_passphrase_file", "");
	unprotected_config = pgl_test_daemon_cli_run(f, NULL, "key", "import", LIST, secret_path,
						     NULL);
	pgl_test_cli_assert_error(unprotected_config, "protected by a passphrase");
	{
		g_autofree gchar *other = pgl_test_daemon_write_file(f, "other-passphrase",
								     "battery staple\n");

		g_assert_cmpint(g_chmod(other, 0600), ==, 0);
		g_key_file_set_string(f->config, "pgp", "key_passphrase_file", other);
		other_passphrase = pgl_test_daemon_cli_run(f, NULL, "key", "import", LIST,
							   secret_path, NULL);
		pgl_test_cli_assert_error(other_passphrase, "other than [pgp] key_passphrase_file");
	}

	/* the passphrase file itself */
	g_key_file_set_string(f->config, "pgp", "key_passphrase_file", pass_path);
	g_assert_cmpint(g_chmod(pass_path, 0644), ==, 0);
	world_readable = pgl_test_daemon_cli_run(f, NULL, "key", "generate", LIST, "--force", NULL);
	pgl_test_cli_assert_error(world_readable, "readable or writable by others");
	{
		g_autofree gchar *blank = pgl_test_daemon_write_file(f, "blank-passphrase",
								     "\nsecret\n");

		g_assert_cmpint(g_chmod(blank, 0600), ==, 0);
		g_key_file_set_string(f->config, "pgp", "key_passphrase_file", blank);
		empty_line = pgl_test_daemon_cli_run(f, NULL, "create", "x@" LIST_DOMAIN, "--style",
						     "pgp-announce", NULL);
		pgl_test_cli_assert_error(empty_line, "is empty");
	}
	g_key_file_set_string(f->config, "pgp", "key_passphrase_file", "/nonexistent/passphrase");
	no_file = pgl_test_daemon_cli_run(f, NULL, "key", "generate", LIST, "--force", NULL);
	pgl_test_cli_assert_error(no_file, "/nonexistent/passphrase");
	/* nothing was created by the failed create */
	{
		g_autofree gchar *lists = pgl_test_daemon_cli_ok(f, NULL, "lists", NULL);

		g_assert_null(strstr(lists, "x@" LIST_DOMAIN));
	}
}

static void
test_key_usage_errors(Fixture *f, gconstpointer data)
{
	static const gchar *const commands[][6] = {
		{"key", NULL},
		{"key", "generate", NULL},
		{"key", "generate", LIST, "extra", NULL},
		{"key", "export", NULL},
		{"key", "import", LIST, NULL},
		{"key", "set", ALICE_ADDRESS, NULL},
		{"key", "show", NULL},
		{"key", "show", ALICE_ADDRESS, "extra", NULL},
	};
	g_autoptr(PglTestCliResult) unknown = NULL;
	g_autoptr(PglTestCliResult) bad_option = NULL;
	g_autoptr(PglTestCliResult) bad_style = NULL;

	setup_list(f, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autoptr(PglTestCliResult) result = NULL;

		pgl_test_daemon_config_write(f);
		result = pgl_test_daemon_cli_runv(f, f->config_path, NULL, commands[i]);
		g_test_message("pgplist %s %s ...: %s", commands[i][0],
			       commands[i][1] ? commands[i][1] : "", result->err);
		pgl_test_cli_assert_error(result, "usage");
	}
	unknown = pgl_test_daemon_cli_run(f, NULL, "key", "frobnicate", NULL);
	pgl_test_cli_assert_error(unknown, "frobnicate");
	bad_option = pgl_test_daemon_cli_run(f, NULL, "key", "show", LIST, "--secret", NULL);
	pgl_test_cli_assert_error(bad_option, "--secret");
	bad_style = pgl_test_daemon_cli_run(f, NULL, "create", "x@" LIST_DOMAIN, "--style", "pgp",
					    NULL);
	pgl_test_cli_assert_error(bad_style, "pgp-discussion");
}

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	/* XXX: GCC 12's LeakSanitizer can crash at exit ("Tracer caught signal 11" on a bogus DTLS
	 * range) when a thread is alive that used the thread-local storage of a dlopen()ed module,
	 * as GLib's pool threads do (GTask work, glib-networking's handshakes). Idle pool threads
	 * exit half a second after their last task instead of lingering, and main() waits for
	 * that before it returns. */
	g_thread_pool_set_max_unused_threads(0);
	pgl_test_daemon_install_abort_handler();

	ADD("/integration/post/member-reaches-all", test_post_member_reaches_all);
	ADD("/integration/post/redelivered-once", test_post_redelivered_once);
	ADD("/integration/post/subject-prefix-once", test_post_subject_prefix_once);
	ADD("/integration/post/max-recipients-chunks", test_post_max_recipients);
	ADD("/integration/post/verp", test_post_verp);
	ADD("/integration/post/large-message", test_post_large_message);
	ADD("/integration/post/signed-untouched", test_post_signed_untouched);
	ADD("/integration/post/base64-body", test_post_base64_body);
	ADD("/integration/post/body-integrity", test_post_body_integrity);
	ADD("/integration/post/approved-password", test_post_approved_password);
	ADD("/integration/post/loop-discarded", test_post_loop_discarded);
	ADD("/integration/post/emergency-holds-members", test_post_emergency_holds_members);
	ADD("/integration/hold/nonmember-accept", test_hold_nonmember_accept);
	ADD("/integration/hold/reject-with-reason", test_hold_reject_with_reason);
	ADD("/integration/hold/discard", test_hold_discard);
	ADD("/integration/hold/moderate-offline", test_hold_moderate_offline);
	ADD("/integration/hold/no-notice-to-automatic-senders",
	    test_hold_no_notice_to_automatic_senders);
	ADD("/integration/hold/moderate-errors", test_hold_unknown_id);
	ADD("/integration/hold/cli-while-running-survives-kill",
	    test_hold_cli_while_running_survives_kill);
	ADD("/integration/cli/config-from-environment", test_cli_config_from_environment);
	ADD("/integration/hold/notice-to-envelope-sender", test_hold_notice_to_envelope_sender);
	ADD("/integration/loop/own-notice-discarded", test_loop_own_notice_discarded);
	ADD("/integration/loop/owner-forward", test_loop_owner_forward);
	ADD("/integration/cli/refuses-own-addresses", test_cli_refuses_own_addresses);
	ADD("/integration/reject/banned-address", test_reject_banned);
	ADD("/integration/reject/nonmember-pattern", test_reject_nonmember_pattern);
	ADD("/integration/delivery/retry-after-451", test_delivery_retry_after_451);
	ADD("/integration/delivery/permanent-failure-bounces",
	    test_delivery_permanent_failure_bounces);
	ADD("/integration/delivery/relay-hiccups", test_delivery_relay_hiccups);
	ADD("/integration/crash/relay-down-kill9", test_crash_relay_down_kill9);
	ADD("/integration/crash/kill-during-delivery", test_crash_kill_during_delivery);
	ADD("/integration/tls/starttls-auth", test_tls_starttls_auth);
	ADD("/integration/tls/implicit", test_tls_implicit);
	ADD("/integration/tls/wrong-ca-stays-queued", test_tls_wrong_ca);
	ADD("/integration/tls/starttls-not-offered", test_tls_starttls_not_offered);
	ADD("/integration/lmtp/unknown-recipient", test_lmtp_unknown_recipient);
	ADD("/integration/lmtp/owner-forward", test_lmtp_owner_forward);
	ADD("/integration/lmtp/bounces", test_lmtp_bounces);
	ADD("/integration/lmtp/commands-forwarded-to-owners", test_lmtp_commands_forwarded);
	ADD("/integration/lmtp/message-too-big", test_lmtp_message_too_big);
	ADD("/integration/lmtp/hostile-input", test_lmtp_hostile_input);
	ADD("/integration/lmtp/multiple-recipients", test_lmtp_multiple_recipients);
	ADD("/integration/lmtp/pipelining", test_lmtp_pipelining);
	ADD("/integration/lmtp/concurrent-sessions", test_lmtp_concurrent_sessions);
	ADD("/integration/lmtp/sigterm-with-open-session", test_lmtp_sigterm_with_open_session);
	ADD("/integration/cli/create-lists-remove", test_cli_create_lists_remove);
	ADD("/integration/cli/members", test_cli_members);
	ADD("/integration/cli/addmembers-bad-line", test_cli_addmembers_bad_line);
	ADD("/integration/cli/listconf", test_cli_listconf);
	ADD("/integration/cli/listconf-live", test_cli_listconf_live);
	ADD("/integration/cli/aliases", test_cli_aliases);
	ADD("/integration/cli/conf-info", test_cli_conf_info);
	ADD("/integration/cli/bad-config", test_cli_bad_config);
	ADD("/integration/cli/usage-errors", test_cli_usage_errors);
	ADD("/integration/cli/inject", test_cli_inject);
	ADD("/integration/key/create-generate", test_key_create_generate);
	ADD("/integration/key/generate-plain-list", test_key_generate_plain_list);
	ADD("/integration/key/export-secret-import", test_key_export_secret_import);
	ADD("/integration/key/import-schleuder", test_key_import_schleuder);
	ADD("/integration/key/set-show", test_key_set_show);
	ADD("/integration/key/set-refusals", test_key_set_refusals);
	ADD("/integration/key/passphrase", test_key_passphrase);
	ADD("/integration/key/usage-errors", test_key_usage_errors);
	ADD("/integration/bad/mime-depth", test_bad_mime_depth);
	ADD("/integration/bad/list-removed", test_bad_list_removed);

	{
		int status = g_test_run();

		pgl_test_daemon_wait_for_pool_threads();
		return status;
	}
}
