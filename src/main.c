/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pgplist command line: option parsing and wiring only. Every command works on the store
 * and spool whether or not the daemon runs; the daemon sees what a command changed at once
 * (it reads lists from the database on every use, and its runners watch the spool). Errors are
 * one line on stderr and exit status 1.
 */
#define G_LOG_DOMAIN "pgplist"

#include "app/pgl-daemon.h"
#include "app/pgl-moderation.h"
#include "app/pgl-router.h"
#include "app/pgl-stages.h"
#include "core/pgl-address.h"
#include "core/pgl-config.h"
#include "core/pgl-context.h"
#include "core/pgl-list.h"
#include "keys/pgl-keys.h"
#include "keys/pgl-list-crypto.h"
#include "mail/pgl-mail-headers.h"
#include "mail/pgl-mail.h"
#include "queue/pgl-spool.h"
#include "store/pgl-store.h"
#include "util/pgl-sanitize.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gmime/gmime.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PGL_CLI_ERROR (pgl_cli_error_quark())
static G_DEFINE_QUARK(pgl-cli-error-quark, pgl_cli_error)

typedef struct {
	PglContext *ctx;
	const gchar *config_path; /* (nullable) */
} Cli;

typedef gboolean (*CommandFunc)(Cli *cli, gint argc, gchar **argv, GError **error);

#define STYLES "discussion|announce|pgp-discussion|pgp-announce"

static gboolean
usage_error(GError **error, const gchar *usage)
{
	g_set_error(error, PGL_CLI_ERROR, 0, "usage: pgplist %s", usage);
	return FALSE;
}

static PglStore *
open_store(Cli *cli, GError **error)
{
	return pgl_store_open(cli->ctx, error);
}

static PglList *
lookup_list(PglStore *store, const gchar *address, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	PglList *list = pgl_store_list_lookup(store, address, &local_error);

	if (list == NULL) {
		if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND))
			g_set_error(error, PGL_CLI_ERROR, 0, "no such list: %s", address);
		else
			g_propagate_error(error, g_steal_pointer(&local_error));
	}
	return list;
}

/* Opens the store and looks up the list every list command starts with. */
static PglList *
open_list(Cli *cli, const gchar *address, PglStore **store_out, GError **error)
{
	*store_out = open_store(cli, error);
	if (*store_out == NULL)
		return NULL;
	return lookup_list(*store_out, address, error);
}

/* Reads a whole file, or standard input for "-", refusing more than max bytes. */
static GBytes *
read_input(const gchar *path, gsize max, GError **error)
{
	g_autoptr(GInputStream) stream = NULL;
	g_autoptr(GByteArray) data = g_byte_array_new();
	guint8 buffer[65536];

	if (path == NULL || g_str_equal(path, "-")) {
		stream = g_unix_input_stream_new(STDIN_FILENO, FALSE);
	} else {
		g_autoptr(GFile) file = g_file_new_for_commandline_arg(path);

		stream = G_INPUT_STREAM(g_file_read(file, NULL, error));
		if (stream == NULL)
			return NULL;
	}
	for (;;) {
		gssize n = g_input_stream_read(stream, buffer, sizeof buffer, NULL, error);

		if (n < 0)
			return NULL;
		if (n == 0)
			break;
		if (data->len + (gsize)n > max) {
			g_set_error(error, PGL_CLI_ERROR, 0, "%s: larger than %" G_GSIZE_FORMAT
				    " bytes", path ? path : "stdin", max);
			return NULL;
		}
		g_byte_array_append(data, buffer, (guint)n);
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&data));
}

static gboolean
cmd_serve(Cli *cli, gint argc, gchar **argv, GError **error)
{
	if (argc != 1)
		return usage_error(error, "serve");
	return pgl_daemon_run(cli->ctx, error);
}

static gboolean
cmd_create(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autofree gchar *style = NULL;
	g_auto(GStrv) owners = NULL;
	GOptionEntry entries[] = {
		{"style", 0, 0, G_OPTION_ARG_STRING, &style, "discussion or announce", "STYLE"},
		{"owner", 0, 0, G_OPTION_ARG_STRING_ARRAY, &owners, "list owner", "ADDR"},
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) options = g_option_context_new("LIST@DOMAIN");
	g_autoptr(GHashTable) settings =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GPtrArray) owner_addresses = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(PglPgpKeyPair) pair = NULL;
	g_autofree gchar *name = NULL;
	g_autofree gchar *domain = NULL;
	PglListStyle list_style = PGL_LIST_STYLE_DISCUSSION;

	g_option_context_add_main_entries(options, entries, NULL);
	g_option_context_set_help_enabled(options, FALSE);
	if (!g_option_context_parse(options, &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return usage_error(error,
				   "create LIST@DOMAIN [--style " STYLES "] [--owner ADDR]...");
	if (style != NULL && !pgl_list_style_from_string(style, &list_style)) {
		g_set_error(error, PGL_CLI_ERROR, 0, "unknown style \"%s\" (" STYLES ")", style);
		return FALSE;
	}
	if (!pgl_list_parse_address(argv[1], &name, &domain, error))
		return FALSE;
	for (guint i = 0; owners != NULL && owners[i] != NULL; i++) {
		gchar *owner = pgl_address_normalize(owners[i], error);

		if (owner == NULL) {
			g_prefix_error(error, "owner %s: ", owners[i]);
			return FALSE;
		}
		g_ptr_array_add(owner_addresses, owner);
	}
	pgl_list_apply_style(settings, list_style);
	if (pgl_list_style_is_pgp(list_style)) {
		/* before the transaction: an RSA key takes seconds, and nobody should wait for the
		 * write lock meanwhile. The list is not stored yet; its name and settings make the
		 * user IDs. */
		g_autoptr(PglList) draft = pgl_list_new(0, name, domain);
		GHashTableIter iter;
		gpointer key;
		gpointer value;

		g_hash_table_iter_init(&iter, settings);
		while (g_hash_table_iter_next(&iter, &key, &value))
			g_hash_table_insert(draft->settings, g_strdup(key), g_strdup(value));
		pair = pgl_keys_generate_pair(cli->ctx, draft, error);
		if (pair == NULL)
			return FALSE;
	}
	store = open_store(cli, error);
	if (store == NULL || !pgl_store_begin(store, error))
		return FALSE;
	list = pgl_store_list_create(store, name, domain, settings, error);
	if (list == NULL) {
		pgl_store_rollback(store);
		return FALSE;
	}
	for (guint i = 0; i < owner_addresses->len; i++) {
		g_autoptr(PglMember) member = NULL;

		if (pgl_list_is_own_address(list, g_ptr_array_index(owner_addresses, i))) {
			pgl_store_rollback(store);
			g_set_error(error, PGL_CLI_ERROR, 0,
				    "%s is an address of the list itself; it cannot be its owner",
				    (const gchar *)g_ptr_array_index(owner_addresses, i));
			return FALSE;
		}
		member = pgl_store_member_add(
			store, list->id, g_ptr_array_index(owner_addresses, i), NULL,
			PGL_ROLE_OWNER, error);

		if (member == NULL) {
			pgl_store_rollback(store);
			return FALSE;
		}
	}
	if (pair != NULL && !pgl_store_list_key_set(store, list->id, pair->fingerprint,
						     pair->public_key, pair->secret_key, FALSE,
						     error)) {
		pgl_store_rollback(store);
		return FALSE;
	}
	if (!pgl_store_commit(store, error))
		return FALSE;
	printf("Created list %s\n", list->address);
	if (pair != NULL)
		printf("List key: %s\n", pair->fingerprint);
	return TRUE;
}

static gboolean
cmd_remove(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;

	if (argc != 2)
		return usage_error(error, "remove LIST@DOMAIN");
	list = open_list(cli, argv[1], &store, error);
	if (list == NULL || !pgl_store_list_remove(store, list->address, error))
		return FALSE;
	printf("Removed list %s\n", list->address);
	return TRUE;
}

static gboolean
cmd_lists(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autoptr(PglStore) store = NULL;
	g_autoptr(GPtrArray) lists = NULL;

	if (argc != 1)
		return usage_error(error, "lists");
	store = open_store(cli, error);
	if (store == NULL)
		return FALSE;
	lists = pgl_store_list_all(store, error);
	if (lists == NULL)
		return FALSE;
	for (guint i = 0; i < lists->len; i++) {
		PglList *list = g_ptr_array_index(lists, i);
		const gchar *description = pgl_list_get(list, "description");

		if (description[0] != '\0')
			printf("%s - %s\n", list->address, description);
		else
			printf("%s\n", list->address);
	}
	return TRUE;
}

static gboolean
cmd_members(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autofree gchar *role_name = NULL;
	GOptionEntry entries[] = {
		{"role", 0, 0, G_OPTION_ARG_STRING, &role_name,
		 "member, owner, moderator or nonmember", "ROLE"},
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) options = g_option_context_new("LIST@DOMAIN");
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(GPtrArray) members = NULL;
	PglRole role = PGL_ROLE_MEMBER;

	g_option_context_add_main_entries(options, entries, NULL);
	g_option_context_set_help_enabled(options, FALSE);
	if (!g_option_context_parse(options, &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return usage_error(error,
				   "members LIST@DOMAIN [--role member|owner|moderator|nonmember]");
	if (role_name != NULL && !pgl_role_from_string(role_name, &role)) {
		g_set_error(error, PGL_CLI_ERROR, 0,
			    "unknown role \"%s\" (member|owner|moderator|nonmember)", role_name);
		return FALSE;
	}
	list = open_list(cli, argv[1], &store, error);
	if (list == NULL)
		return FALSE;
	members = pgl_store_member_list(store, list->id, role, error);
	if (members == NULL)
		return FALSE;
	for (guint i = 0; i < members->len; i++) {
		PglMember *member = g_ptr_array_index(members, i);

		if (member->display_name != NULL)
			printf("%s <%s>\n", member->display_name, member->address);
		else
			printf("%s\n", member->address);
	}
	return TRUE;
}

typedef struct {
	gchar *address;
	gchar *display_name;
} Entry;

static void
entry_free(Entry *entry)
{
	g_free(entry->address);
	g_free(entry->display_name);
	g_free(entry);
}

/* Every line of the input must be valid before anything changes. */
static GPtrArray *
read_address_lines(const gchar *path, GError **error)
{
	g_autoptr(GBytes) bytes = read_input(path, 64 * 1024 * 1024, error);
	g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func((GDestroyNotify)entry_free);
	g_auto(GStrv) lines = NULL;
	g_autofree gchar *text = NULL;

	if (bytes == NULL)
		return NULL;
	text = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree gchar *line = g_strstrip(g_strdup(lines[i]));
		Entry *entry;

		if (line[0] == '\0' || line[0] == '#')
			continue;
		entry = g_new0(Entry, 1);
		g_ptr_array_add(entries, entry);
		if (!pgl_address_parse_line(line, &entry->address, &entry->display_name, error)) {
			g_prefix_error(error, "%s:%u: ", path, i + 1);
			return NULL;
		}
	}
	return g_steal_pointer(&entries);
}

static gboolean
cmd_addmembers(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	guint added = 0;

	if (argc != 3)
		return usage_error(error, "addmembers LIST@DOMAIN FILE|-");
	/* read (and check) all input first: a writer to our stdin never meets a closed pipe */
	entries = read_address_lines(argv[2], error);
	if (entries == NULL)
		return FALSE;
	list = open_list(cli, argv[1], &store, error);
	if (list == NULL)
		return FALSE;
	/* a list subscribed to itself would deliver every post to itself */
	for (guint i = 0; i < entries->len; i++) {
		Entry *entry = g_ptr_array_index(entries, i);

		if (pgl_list_is_own_address(list, entry->address)) {
			g_set_error(error, PGL_CLI_ERROR, 0,
				    "%s is an address of the list itself; it cannot be a member",
				    entry->address);
			return FALSE;
		}
	}
	if (!pgl_store_begin(store, error))
		return FALSE;
	for (guint i = 0; i < entries->len; i++) {
		Entry *entry = g_ptr_array_index(entries, i);
		g_autoptr(GError) local_error = NULL;
		g_autoptr(PglMember) member = NULL;

		member = pgl_store_member_add(store, list->id, entry->address,
					      entry->display_name, PGL_ROLE_MEMBER, &local_error);

		if (member != NULL) {
			added++;
		} else if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS)) {
			printf("Already a member: %s\n", entry->address);
		} else {
			pgl_store_rollback(store);
			g_propagate_error(error, g_steal_pointer(&local_error));
			return FALSE;
		}
	}
	if (!pgl_store_commit(store, error))
		return FALSE;
	printf("Added %u member%s to %s\n", added, added == 1 ? "" : "s", list->address);
	return TRUE;
}

static gboolean
cmd_delmembers(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(GPtrArray) entries = NULL;

	if (argc != 3)
		return usage_error(error, "delmembers LIST@DOMAIN FILE|-");
	/* read (and check) all input first: a writer to our stdin never meets a closed pipe */
	entries = read_address_lines(argv[2], error);
	if (entries == NULL)
		return FALSE;
	list = open_list(cli, argv[1], &store, error);
	if (list == NULL || !pgl_store_begin(store, error))
		return FALSE;
	for (guint i = 0; i < entries->len; i++) {
		Entry *entry = g_ptr_array_index(entries, i);
		g_autoptr(GError) local_error = NULL;

		if (!pgl_store_member_remove(store, list->id, entry->address, PGL_ROLE_MEMBER,
					     &local_error)) {
			pgl_store_rollback(store);
			if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND))
				g_set_error(error, PGL_CLI_ERROR, 0, "not a member of %s: %s",
					    list->address, entry->address);
			else
				g_propagate_error(error, g_steal_pointer(&local_error));
			return FALSE;
		}
	}
	if (!pgl_store_commit(store, error))
		return FALSE;
	printf("Removed %u member%s from %s\n", entries->len, entries->len == 1 ? "" : "s",
	       list->address);
	return TRUE;
}

static void
print_setting(const PglList *list, const gchar *name, gboolean with_name)
{
	const gchar *value = pgl_list_get(list, name);

	if (pgl_list_setting_is_secret(name))
		value = value[0] != '\0' ? "(set)" : "";
	if (!with_name) {
		printf("%s\n", value);
	} else if (strchr(value, '\n') == NULL) {
		printf("%s: %s\n", name, value);
	} else {
		g_auto(GStrv) lines = g_strsplit(value, "\n", -1);

		printf("%s:\n", name);
		for (guint i = 0; lines[i] != NULL; i++)
			printf("    %s\n", lines[i]);
	}
}

static gboolean
cmd_listconf(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;

	if (argc < 2 || argc > 4)
		return usage_error(error, "listconf LIST@DOMAIN [KEY [VALUE]]");
	list = open_list(cli, argv[1], &store, error);
	if (list == NULL)
		return FALSE;
	if (argc == 2) {
		const gchar *const *names = pgl_list_setting_names();

		for (guint i = 0; names[i] != NULL; i++)
			print_setting(list, names[i], TRUE);
		return TRUE;
	}
	if (!pgl_list_setting_exists(argv[2])) {
		g_set_error(error, PGL_CLI_ERROR, 0, "no list setting named \"%s\"", argv[2]);
		return FALSE;
	}
	if (argc == 3) {
		print_setting(list, argv[2], FALSE);
		return TRUE;
	}
	{
		g_autofree gchar *value = pgl_list_setting_validate(argv[2], argv[3], error);

		if (value == NULL ||
		    !pgl_store_list_set_setting(store, list->id, argv[2], value, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
cmd_inject(Cli *cli, gint argc, gchar **argv, GError **error)
{
	const PglConfig *config = pgl_context_get_config(cli->ctx);
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(PglSpool) spool = NULL;
	g_autoptr(GBytes) message = NULL;
	g_autoptr(GMimeMessage) parsed = NULL;
	g_autofree gchar *sender = NULL;
	g_autofree gchar *id = NULL;

	if (argc < 2 || argc > 3)
		return usage_error(error, "inject LIST@DOMAIN [FILE]");
	message = read_input(argc == 3 ? argv[2] : NULL, config->message_max, error);
	if (message == NULL)
		return FALSE;
	list = open_list(cli, argv[1], &store, error);
	if (list == NULL)
		return FALSE;
	/* the envelope sender of an injected message is its From: */
	if (pgl_mail_parse(cli->ctx, message, &parsed, NULL))
		sender = pgl_mail_sender(parsed, NULL);
	spool = pgl_spool_new(cli->ctx, error);
	if (spool == NULL || !pgl_stage_enqueue_in(cli->ctx, spool, list->address,
						   sender ? sender : "", message, &id, error))
		return FALSE;
	printf("Queued as %s\n", id);
	return TRUE;
}

/* The real Subject of sealed held message @id, sanitised; %NULL if it cannot be read. */
static gchar *
held_sealed_subject(Cli *cli, PglStore *store, const PglList *list, gint64 id)
{
	g_autoptr(PglListCrypto) crypto = NULL;
	g_autoptr(PglHeldMessage) held = NULL;
	g_autoptr(GBytes) plaintext = NULL;
	g_autoptr(GMimeMessage) message = NULL;
	g_autofree gchar *subject = NULL;

	held = pgl_store_held_get(store, list->id, id, NULL);
	if (held == NULL || !pgl_list_crypto_open(cli->ctx, store, list, &crypto, NULL) ||
	    crypto == NULL)
		return NULL;
	plaintext = pgl_list_crypto_unseal(crypto, held->message, NULL);
	if (plaintext == NULL || !pgl_mail_parse(cli->ctx, plaintext, &message, NULL))
		return NULL;
	subject = pgl_mail_get_subject(message);
	return subject != NULL ? pgl_sanitize(subject, -1, 200) : NULL;
}

static gboolean
cmd_held(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(GPtrArray) held = NULL;

	if (argc != 2)
		return usage_error(error, "held LIST@DOMAIN");
	list = open_list(cli, argv[1], &store, error);
	if (list == NULL)
		return FALSE;
	held = pgl_store_held_list(store, list->id, error);
	if (held == NULL)
		return FALSE;
	for (guint i = 0; i < held->len; i++) {
		PglHeldMessage *message = g_ptr_array_index(held, i);
		g_autofree gchar *subject = NULL;

		/* a PGP list's held post is sealed: its real Subject is inside (the admin holds
		 * the list key, and this is the admin's terminal) */
		if (message->sealed)
			subject = held_sealed_subject(cli, store, list, message->id);
		printf("%" G_GINT64_FORMAT "\t%s\t%s\t%s\n", message->id, message->sender,
		       subject != NULL ? subject : message->subject, message->reason);
	}
	return TRUE;
}

static gboolean
cmd_moderate(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autofree gchar *reason = NULL;
	GOptionEntry entries[] = {
		{"reason", 0, 0, G_OPTION_ARG_STRING, &reason, "told to the poster", "TEXT"},
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) options = g_option_context_new("LIST ID ACTION");
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(PglSpool) spool = NULL;
	g_autoptr(GError) local_error = NULL;
	PglAction action;
	guint64 id;

	g_option_context_add_main_entries(options, entries, NULL);
	g_option_context_set_help_enabled(options, FALSE);
	if (!g_option_context_parse(options, &argc, &argv, error))
		return FALSE;
	if (argc != 4)
		return usage_error(error, "moderate LIST@DOMAIN ID accept|reject|discard "
					  "[--reason TEXT]");
	if (!g_ascii_string_to_unsigned(argv[2], 10, 1, G_MAXINT64, &id, NULL)) {
		g_set_error(error, PGL_CLI_ERROR, 0, "not a held message id: %s", argv[2]);
		return FALSE;
	}
	if (!pgl_action_from_string(argv[3], &action) ||
	    (action != PGL_ACTION_ACCEPT && action != PGL_ACTION_REJECT &&
	     action != PGL_ACTION_DISCARD)) {
		g_set_error(error, PGL_CLI_ERROR, 0,
			    "unknown action \"%s\" (accept|reject|discard)", argv[3]);
		return FALSE;
	}
	list = open_list(cli, argv[1], &store, error);
	if (list == NULL)
		return FALSE;
	spool = pgl_spool_new(cli->ctx, error);
	if (spool == NULL)
		return FALSE;
	if (!pgl_moderation_decide(cli->ctx, store, spool, list, (gint64)id, action, reason, "cli",
				   &local_error)) {
		if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND))
			g_set_error(error, PGL_CLI_ERROR, 0, "no held message %s on %s", argv[2],
				    list->address);
		else
			g_propagate_error(error, g_steal_pointer(&local_error));
		return FALSE;
	}
	printf("%s: message %s %s\n", list->address, argv[2],
	       action == PGL_ACTION_ACCEPT ? "accepted"
	       : action == PGL_ACTION_REJECT ? "rejected"
					     : "discarded");
	return TRUE;
}

/* ---- key: list key pairs and address keys (issue 3) ---- */

#define KEY_USAGE                                                                                  \
	"key generate LIST@DOMAIN [--force] | key export LIST@DOMAIN [--secret] | "               \
	"key import LIST@DOMAIN FILE | key set ADDR FILE [--confirmed] | key show ADDR"

/* Parses a key subcommand's options (argv[0] is the subcommand). */
static gboolean
parse_key_options(GOptionEntry *entries, gint *argc, gchar ***argv, GError **error)
{
	g_autoptr(GOptionContext) options = g_option_context_new(NULL);

	if (entries != NULL)
		g_option_context_add_main_entries(options, entries, NULL);
	g_option_context_set_help_enabled(options, FALSE);
	return g_option_context_parse(options, argc, argv, error);
}

/* The list's key pair, or a CLI error that says the list is not a PGP list. */
static PglListKey *
list_key_or_error(PglStore *store, const PglList *list, gboolean with_secret, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	PglListKey *key = pgl_store_list_key_get(store, list->id, with_secret, &local_error);

	if (key == NULL) {
		if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND))
			g_set_error(error, PGL_CLI_ERROR, 0,
				    "%s has no key pair (not a PGP list; see key generate)",
				    list->address);
		else
			g_propagate_error(error, g_steal_pointer(&local_error));
	}
	return key;
}

/* The fingerprint of the list's current key pair, or NULL if it has none. */
static gchar *
list_key_fingerprint(PglStore *store, const PglList *list, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autoptr(PglListKey) key = pgl_store_list_key_get(store, list->id, FALSE, &local_error);

	if (key == NULL &&
	    !g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND))
		g_propagate_error(error, g_steal_pointer(&local_error));
	return key != NULL ? g_steal_pointer(&key->fingerprint) : NULL;
}

static gboolean
key_generate(Cli *cli, gint argc, gchar **argv, GError **error)
{
	gboolean force = FALSE;
	GOptionEntry entries[] = {
		{"force", 0, 0, G_OPTION_ARG_NONE, &force, "replace an existing key pair", NULL},
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(GError) local_error = NULL;
	g_autofree gchar *old = NULL;
	g_autofree gchar *fingerprint = NULL;

	if (!parse_key_options(entries, &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return usage_error(error, "key generate LIST@DOMAIN [--force]");
	list = open_list(cli, argv[1], &store, error);
	if (list == NULL)
		return FALSE;
	old = list_key_fingerprint(store, list, &local_error);
	if (local_error != NULL) {
		g_propagate_error(error, g_steal_pointer(&local_error));
		return FALSE;
	}
	fingerprint = pgl_keys_list_generate(cli->ctx, store, list, force, &local_error);
	if (fingerprint == NULL) {
		if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS))
			g_set_error(error, PGL_CLI_ERROR, 0,
				    "%s; --force replaces it (its secret key is lost)",
				    local_error->message);
		else
			g_propagate_error(error, g_steal_pointer(&local_error));
		return FALSE;
	}
	if (old != NULL)
		printf("Replaced key %s\n", old);
	printf("Generated key %s for %s\n", fingerprint, list->address);
	return TRUE;
}

/* Writes @bytes to standard output with write(2): a secret key must not linger, unwiped, in
 * stdio's buffer. */
static gboolean
write_stdout(GBytes *bytes, GError **error)
{
	gsize size = 0;
	const guint8 *data = g_bytes_get_data(bytes, &size);
	gsize done = 0;

	fflush(stdout);
	while (done < size) {
		gssize n = write(STDOUT_FILENO, data + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			g_set_error(error, PGL_CLI_ERROR, 0, "cannot write to standard output: %s",
				    n < 0 ? g_strerror(errno) : "nothing written");
			return FALSE;
		}
		done += (gsize)n;
	}
	return TRUE;
}

static gboolean
key_export(Cli *cli, gint argc, gchar **argv, GError **error)
{
	gboolean secret = FALSE;
	GOptionEntry entries[] = {
		{"secret", 0, 0, G_OPTION_ARG_NONE, &secret, "export the secret key", NULL},
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(PglListKey) key = NULL;

	if (!parse_key_options(entries, &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return usage_error(error, "key export LIST@DOMAIN [--secret]");
	list = open_list(cli, argv[1], &store, error);
	if (list == NULL)
		return FALSE;
	key = list_key_or_error(store, list, secret, error);
	if (key == NULL)
		return FALSE;
	/* the secret key as stored: protected by the [pgp] passphrase if it was at generation */
	return write_stdout(secret ? key->secret_key : key->public_key, error);
}

static gboolean
key_import(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(GBytes) secret_key = NULL;
	g_autoptr(GError) local_error = NULL;
	g_autofree gchar *old = NULL;
	g_autofree gchar *fingerprint = NULL;
	gboolean unprotected = FALSE;

	if (!parse_key_options(NULL, &argc, &argv, error))
		return FALSE;
	if (argc != 3)
		return usage_error(error, "key import LIST@DOMAIN FILE");
	secret_key = pgl_keys_read_file(argv[2], PGL_KEYS_FILE_MAX, error);
	if (secret_key == NULL)
		return FALSE;
	list = open_list(cli, argv[1], &store, error);
	if (list == NULL)
		return FALSE;
	old = list_key_fingerprint(store, list, &local_error);
	if (local_error != NULL) {
		g_propagate_error(error, g_steal_pointer(&local_error));
		return FALSE;
	}
	fingerprint = pgl_keys_list_import(cli->ctx, store, list, secret_key, &unprotected, error);
	if (fingerprint == NULL) {
		g_prefix_error(error, "%s: ", argv[2]);
		return FALSE;
	}
	if (old != NULL && !g_str_equal(old, fingerprint))
		printf("Replaced key %s\n", old);
	printf("Imported key %s for %s\n", fingerprint, list->address);
	if (unprotected)
		printf("Warning: the secret key is not protected by a passphrase; it is stored "
		       "as it is (protect it with gpg --passwd and import it again)\n");
	return TRUE;
}

static gboolean
key_set(Cli *cli, gint argc, gchar **argv, GError **error)
{
	gboolean confirmed = FALSE;
	GOptionEntry entries[] = {
		{"confirmed", 0, 0, G_OPTION_ARG_NONE, &confirmed, "the key counts as confirmed",
		 NULL},
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(PglStore) store = NULL;
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(PglPgpKeyInfo) info = NULL;
	g_autofree gchar *address = NULL;
	gboolean stored_confirmed = FALSE;

	if (!parse_key_options(entries, &argc, &argv, error))
		return FALSE;
	if (argc != 3)
		return usage_error(error, "key set ADDR FILE [--confirmed]");
	address = pgl_address_normalize(argv[1], error);
	if (address == NULL) {
		g_prefix_error(error, "%s: ", argv[1]);
		return FALSE;
	}
	blob = pgl_keys_read_file(argv[2], PGL_KEYS_FILE_MAX, error);
	if (blob == NULL)
		return FALSE;
	store = open_store(cli, error);
	if (store == NULL)
		return FALSE;
	info = pgl_keys_address_set(cli->ctx, store, address, blob, confirmed, &stored_confirmed,
				    error);
	if (info == NULL) {
		g_prefix_error(error, "%s: ", argv[2]);
		return FALSE;
	}
	if (pgl_pgp_key_info_find_user_id(info, address) == NULL)
		printf("Warning: no user ID of key %s names %s\n", info->fingerprint, address);
	printf("Set key %s for %s (%s)\n", info->fingerprint, address,
	       stored_confirmed ? "confirmed" : "not confirmed");
	if (!info->can_sign || !info->can_encrypt)
		printf("Warning: key %s is %s: posts signed with it are refused, and %s gets no "
		       "post encrypted to it\n",
		       info->fingerprint,
		       info->revoked ? "revoked" : (info->expired ? "expired" : "not usable"),
		       address);
	return TRUE;
}

static gchar *
format_date(gint64 when)
{
	g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc(when);

	return date != NULL ? g_date_time_format(date, "%Y-%m-%d") : g_strdup("?");
}

/* Prints what `key show` says about a stored public key. */
static gboolean
print_key(PglContext *ctx, GBytes *public_key, GError **error)
{
	g_autoptr(PglPgpKeyInfo) info =
		pgl_pgp_key_inspect(public_key, pgl_context_now(ctx), error);
	g_autoptr(GError) unusable = NULL;
	g_autofree gchar *created = NULL;
	g_autofree gchar *expires = NULL;

	if (info == NULL) {
		g_prefix_error(error, "stored key: ");
		return FALSE;
	}
	created = format_date(info->created);
	expires = info->expires != 0 ? format_date(info->expires) : g_strdup("never");
	printf("fingerprint: %s\n", info->fingerprint);
	printf("algorithm: %s %u", info->algorithm, info->bits);
	for (guint i = 0; i < info->subkeys->len; i++) {
		const PglPgpSubkey *subkey = info->subkeys->pdata[i];

		printf("%s%s %u", i == 0 ? " (subkeys: " : ", ", subkey->algorithm, subkey->bits);
	}
	printf("%s\n", info->subkeys->len > 0 ? ")" : "");
	printf("created: %s\n", created);
	printf("expires: %s%s\n", expires, info->expired ? " (expired)" : "");
	/* the stored key is public only, so this is the subscriber rule: sign and encrypt now */
	if (pgl_pgp_key_info_check_subscriber(info, &unusable))
		printf("usable: yes\n");
	else
		printf("usable: no (%s)\n", unusable->message);
	for (guint i = 0; i < info->user_ids->len; i++) {
		const PglPgpUserId *user_id = info->user_ids->pdata[i];

		printf("user ID: %s%s\n", user_id->text,
		       user_id->revoked ? " (revoked)" : !user_id->valid ? " (invalid)" : "");
	}
	return TRUE;
}

static gboolean
key_show(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(GError) local_error = NULL;
	g_autofree gchar *address = NULL;

	if (!parse_key_options(NULL, &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return usage_error(error, "key show ADDR");
	store = open_store(cli, error);
	if (store == NULL)
		return FALSE;
	/* a list's address shows the list's key */
	list = pgl_store_list_lookup(store, argv[1], &local_error);
	if (list != NULL) {
		g_autoptr(PglListKey) key = list_key_or_error(store, list, FALSE, error);

		if (key == NULL)
			return FALSE;
		printf("list: %s\n", list->address);
		return print_key(cli->ctx, key->public_key, error);
	}
	if (!g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND)) {
		g_propagate_error(error, g_steal_pointer(&local_error));
		return FALSE;
	}
	address = pgl_address_normalize(argv[1], error);
	if (address == NULL) {
		g_prefix_error(error, "%s: ", argv[1]);
		return FALSE;
	}
	{
		g_autoptr(PglAddressKey) key = NULL;

		g_clear_error(&local_error);
		key = pgl_store_address_key_get(store, address, &local_error);
		if (key == NULL) {
			if (g_error_matches(local_error, PGL_STORE_ERROR,
					    PGL_STORE_ERROR_NOT_FOUND))
				g_set_error(error, PGL_CLI_ERROR, 0, "no key for %s", address);
			else
				g_propagate_error(error, g_steal_pointer(&local_error));
			return FALSE;
		}
		printf("address: %s\n", address);
		printf("confirmed: %s\n", key->confirmed ? "yes" : "no");
		return print_key(cli->ctx, key->public_key, error);
	}
}

/* XXX: Debian's RNP writes some parser diagnostics straight to stderr, whatever log descriptor
 * it was given (docs/architecture.md), e.g. "[process_pgp_key_auto() ./src/librepgp/
 * stream-key.cpp:341] wrong key tag: -1 at pos 0" for a file that is not a key. A command's
 * error must be one line on stderr, so while a key command runs, stderr goes to a memory file;
 * afterwards RNP's lines go to the debug log (--verbose) and anything else to the real stderr. */
typedef struct {
	gint saved_fd;	 /* the real stderr, or -1 if nothing is captured */
	gint capture_fd; /* (owned) the memory file, or -1 */
} StderrCapture;

#define STDERR_CAPTURE_MAX (1024 * 1024)

static void
stderr_capture_begin(StderrCapture *capture)
{
	capture->saved_fd = -1;
	capture->capture_fd = memfd_create("pgplist-stderr", MFD_CLOEXEC);
	if (capture->capture_fd < 0)
		return;
	fflush(stderr);
	capture->saved_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
	if (capture->saved_fd < 0 || dup2(capture->capture_fd, STDERR_FILENO) < 0) {
		if (capture->saved_fd >= 0)
			close(capture->saved_fd);
		close(capture->capture_fd);
		capture->saved_fd = -1;
		capture->capture_fd = -1;
	}
}

/* "[function() file:line] text", as RNP's RNP_LOG() writes */
static gboolean
is_rnp_diagnostic(const gchar *line)
{
	const gchar *call = strstr(line, "() ");
	const gchar *end = strchr(line, ']');

	return line[0] == '[' && call != NULL && end != NULL && call < end;
}

static void
stderr_capture_end(StderrCapture *capture)
{
	g_autoptr(GString) text = g_string_new(NULL);
	g_auto(GStrv) lines = NULL;
	gchar buffer[4096];
	gssize n;

	if (capture->saved_fd < 0)
		return;
	fflush(stderr);
	dup2(capture->saved_fd, STDERR_FILENO);
	close(capture->saved_fd);
	capture->saved_fd = -1;
	if (lseek(capture->capture_fd, 0, SEEK_SET) == 0) {
		while (text->len < STDERR_CAPTURE_MAX &&
		       (n = read(capture->capture_fd, buffer, sizeof buffer)) > 0)
			g_string_append_len(text, buffer, n);
	}
	close(capture->capture_fd);
	capture->capture_fd = -1;
	lines = g_strsplit(text->str, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] == '\0')
			continue;
		if (is_rnp_diagnostic(lines[i])) {
			g_autofree gchar *clean = pgl_sanitize(lines[i], -1, 512);

			g_debug("rnp: %s", clean);
		} else {
			fprintf(stderr, "%s\n", lines[i]);
		}
	}
}

static gboolean
cmd_key(Cli *cli, gint argc, gchar **argv, GError **error)
{
	static const struct {
		const gchar *name;
		CommandFunc func;
	} subcommands[] = {
		{"generate", key_generate}, {"export", key_export}, {"import", key_import},
		{"set", key_set},	    {"show", key_show},
	};

	if (argc < 2)
		return usage_error(error, KEY_USAGE);
	for (gsize i = 0; i < G_N_ELEMENTS(subcommands); i++) {
		if (g_str_equal(argv[1], subcommands[i].name)) {
			StderrCapture capture;
			gboolean ok;

			stderr_capture_begin(&capture);
			ok = subcommands[i].func(cli, argc - 1, argv + 1, error);
			stderr_capture_end(&capture);
			return ok;
		}
	}
	g_set_error(error, PGL_CLI_ERROR, 0,
		    "unknown key command \"%s\" (generate|export|import|set|show)", argv[1]);
	return FALSE;
}

static gboolean
cmd_aliases(Cli *cli, gint argc, gchar **argv, GError **error)
{
	const PglConfig *config = pgl_context_get_config(cli->ctx);
	const gchar *const *suffixes = pgl_list_suffixes();
	g_autoptr(PglStore) store = NULL;
	g_autoptr(GPtrArray) lists = NULL;
	g_autofree gchar *transport = NULL;

	if (argc != 1)
		return usage_error(error, "aliases");
	store = open_store(cli, error);
	if (store == NULL)
		return FALSE;
	lists = pgl_store_list_all(store, error);
	if (lists == NULL)
		return FALSE;
	transport = g_strdup_printf("lmtp:inet:%s:%u", config->lmtp_host, config->lmtp_port);
	printf("# Postfix transport map generated by pgplist; see docs/admin.md\n");
	for (guint i = 0; i < lists->len; i++) {
		PglList *list = g_ptr_array_index(lists, i);

		printf("%s\t%s\n", list->address, transport);
		for (guint s = 0; suffixes[s] != NULL; s++)
			printf("%s%s@%s\t%s\n", list->name, suffixes[s], list->domain, transport);
	}
	return TRUE;
}

static gboolean
cmd_info(Cli *cli, gint argc, gchar **argv, GError **error)
{
	const PglConfig *config = pgl_context_get_config(cli->ctx);
	const gchar *const *queues = pgl_spool_queue_names();
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglSpool) spool = NULL;
	g_autoptr(GPtrArray) lists = NULL;
	guint n_pgp = 0;

	if (argc != 1)
		return usage_error(error, "info");
	store = open_store(cli, error);
	if (store == NULL)
		return FALSE;
	lists = pgl_store_list_all(store, error);
	spool = lists != NULL ? pgl_spool_new(cli->ctx, error) : NULL;
	if (spool == NULL)
		return FALSE;
	for (guint i = 0; i < lists->len; i++) {
		g_autoptr(GError) local_error = NULL;
		g_autofree gchar *fingerprint =
			list_key_fingerprint(store, lists->pdata[i], &local_error);

		if (local_error != NULL) {
			g_propagate_error(error, g_steal_pointer(&local_error));
			return FALSE;
		}
		n_pgp += fingerprint != NULL;
	}
	printf("pgplist %s\n", PGL_VERSION);
	printf("config: %s\n", cli->config_path ? cli->config_path : "(built-in defaults)");
	printf("var dir: %s\n", pgl_context_get_var_dir(cli->ctx));
	printf("database: %s (schema %u)\n", pgl_context_get_db_path(cli->ctx),
	       pgl_store_schema_version(store));
	printf("lmtp: %s:%u\n", config->lmtp_host, config->lmtp_port);
	printf("relay: %s:%u (%s)\n", config->smtp_host, config->smtp_port,
	       pgl_security_to_string(config->smtp_security));
	printf("lists: %u\n", lists->len);
	printf("pgp lists: %u\n", n_pgp);
	for (guint i = 0; queues[i] != NULL; i++)
		printf("queue %s: %u\n", queues[i], pgl_spool_count(spool, queues[i]));
	return TRUE;
}

static gboolean
cmd_conf(Cli *cli, gint argc, gchar **argv, GError **error)
{
	g_autofree gchar *text = NULL;

	if (argc != 1)
		return usage_error(error, "conf");
	text = pgl_config_dump(pgl_context_get_config(cli->ctx));
	fputs(text, stdout);
	return TRUE;
}

static const struct {
	const gchar *name;
	CommandFunc func;
	const gchar *summary;
} commands[] = {
	{"serve", cmd_serve, "run the daemon (LMTP in, runners, SMTP out)"},
	{"create", cmd_create, "create LIST@DOMAIN [--style " STYLES "] [--owner ADDR]..."},
	{"remove", cmd_remove, "remove LIST@DOMAIN and everything about it"},
	{"lists", cmd_lists, "show all lists"},
	{"members", cmd_members, "members LIST@DOMAIN [--role ROLE]"},
	{"addmembers", cmd_addmembers, "addmembers LIST@DOMAIN FILE|- (\"addr\" or \"Name <addr>\")"},
	{"delmembers", cmd_delmembers, "delmembers LIST@DOMAIN FILE|-"},
	{"listconf", cmd_listconf, "listconf LIST@DOMAIN [KEY [VALUE]]"},
	{"inject", cmd_inject, "inject LIST@DOMAIN [FILE]: queue a message as if it arrived"},
	{"held", cmd_held, "held LIST@DOMAIN: ID, sender, subject, reason per held message"},
	{"moderate", cmd_moderate, "moderate LIST@DOMAIN ID accept|reject|discard [--reason TEXT]"},
	{"key", cmd_key, "key generate|export|import|set|show ...: PGP list and address keys"},
	{"aliases", cmd_aliases, "print the Postfix transport map for all lists"},
	{"info", cmd_info, "show paths, endpoints and queue sizes"},
	{"conf", cmd_conf, "print the effective configuration"},
};

static void
print_usage(FILE *out)
{
	fprintf(out, "usage: pgplist [--config FILE] [--verbose] COMMAND ...\n\ncommands:\n");
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
}

int
main(int argc, char **argv)
{
	g_autoptr(PglConfig) config = NULL;
	g_autoptr(PglContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *config_path = g_getenv("PGPLIST_CONFIG");
	gboolean verbose = FALSE;
	Cli cli = {0};
	gint i = 1;

	setlocale(LC_ALL, "");
	/* GOptionContext would name the program after the subcommand it parses */
	g_set_prgname("pgplist");
	/* the database, spool and keys are the daemon user's alone */
	umask(077);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (g_str_equal(argv[i], "--config") && i + 1 < argc) {
			config_path = argv[++i];
		} else if (g_str_has_prefix(argv[i], "--config=")) {
			config_path = argv[i] + strlen("--config=");
		} else if (g_str_equal(argv[i], "--verbose") || g_str_equal(argv[i], "-v")) {
			verbose = TRUE;
		} else if (g_str_equal(argv[i], "--help") || g_str_equal(argv[i], "-h")) {
			print_usage(stdout);
			return 0;
		} else if (g_str_equal(argv[i], "--version")) {
			printf("pgplist %s\n", PGL_VERSION);
			return 0;
		} else {
			fprintf(stderr, "pgplist: unknown option %s\n", argv[i]);
			return 1;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "pgplist: no command given (try pgplist --help)\n");
		return 1;
	}
	if (verbose)
		g_setenv("G_MESSAGES_DEBUG", "pgl-app pgl-delivery pgl-lmtp pgl-queue pgplist", FALSE);
	config = config_path != NULL && config_path[0] != '\0' ? pgl_config_load(config_path, &error)
							       : pgl_config_new_default();
	if (config == NULL) {
		fprintf(stderr, "pgplist: %s\n", error->message);
		return 1;
	}
	ctx = pgl_context_new(g_steal_pointer(&config), &error);
	if (ctx == NULL) {
		fprintf(stderr, "pgplist: %s\n", error->message);
		return 1;
	}
	g_mime_init();
	cli.ctx = ctx;
	cli.config_path = config_path;
	for (gsize c = 0; c < G_N_ELEMENTS(commands); c++) {
		if (g_str_equal(commands[c].name, argv[i])) {
			gboolean ok = commands[c].func(&cli, argc - i, argv + i, &error);

			g_mime_shutdown();
			if (!ok) {
				fprintf(stderr, "pgplist %s: %s\n", argv[i], error->message);
				return 1;
			}
			return 0;
		}
	}
	g_mime_shutdown();
	fprintf(stderr, "pgplist: unknown command \"%s\" (try pgplist --help)\n", argv[i]);
	return 1;
}
