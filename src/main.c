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
#include "mail/pgl-mail-headers.h"
#include "mail/pgl-mail.h"
#include "queue/pgl-spool.h"
#include "store/pgl-store.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gmime/gmime.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PGL_CLI_ERROR (pgl_cli_error_quark())
static G_DEFINE_QUARK(pgl-cli-error-quark, pgl_cli_error)

typedef struct {
	PglContext *ctx;
	const gchar *config_path; /* (nullable) */
} Cli;

typedef gboolean (*CommandFunc)(Cli *cli, gint argc, gchar **argv, GError **error);

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
	g_autofree gchar *name = NULL;
	g_autofree gchar *domain = NULL;
	PglListStyle list_style = PGL_LIST_STYLE_DISCUSSION;

	g_option_context_add_main_entries(options, entries, NULL);
	g_option_context_set_help_enabled(options, FALSE);
	if (!g_option_context_parse(options, &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return usage_error(error, "create LIST@DOMAIN [--style discussion|announce] "
					  "[--owner ADDR]...");
	if (style == NULL || g_str_equal(style, "discussion"))
		list_style = PGL_LIST_STYLE_DISCUSSION;
	else if (g_str_equal(style, "announce"))
		list_style = PGL_LIST_STYLE_ANNOUNCE;
	else {
		g_set_error(error, PGL_CLI_ERROR, 0, "unknown style \"%s\" (discussion|announce)",
			    style);
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
	if (!pgl_store_commit(store, error))
		return FALSE;
	printf("Created list %s\n", list->address);
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

		printf("%" G_GINT64_FORMAT "\t%s\t%s\t%s\n", message->id, message->sender,
		       message->subject, message->reason);
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
	static const gchar *const queues[] = {PGL_QUEUE_IN,  PGL_QUEUE_COMMAND, PGL_QUEUE_PIPELINE,
					      PGL_QUEUE_OUT, PGL_QUEUE_RETRY,   PGL_QUEUE_BAD,
					      NULL};
	g_autoptr(PglStore) store = NULL;
	g_autoptr(PglSpool) spool = NULL;
	g_autoptr(GPtrArray) lists = NULL;

	if (argc != 1)
		return usage_error(error, "info");
	store = open_store(cli, error);
	if (store == NULL)
		return FALSE;
	lists = pgl_store_list_all(store, error);
	spool = lists != NULL ? pgl_spool_new(cli->ctx, error) : NULL;
	if (spool == NULL)
		return FALSE;
	printf("pgplist %s\n", PGL_VERSION);
	printf("config: %s\n", cli->config_path ? cli->config_path : "(built-in defaults)");
	printf("var dir: %s\n", pgl_context_get_var_dir(cli->ctx));
	printf("database: %s (schema %u)\n", pgl_context_get_db_path(cli->ctx),
	       pgl_store_schema_version(store));
	printf("lmtp: %s:%u\n", config->lmtp_host, config->lmtp_port);
	printf("relay: %s:%u (%s)\n", config->smtp_host, config->smtp_port,
	       pgl_security_to_string(config->smtp_security));
	printf("lists: %u\n", lists->len);
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
	{"create", cmd_create, "create LIST@DOMAIN [--style discussion|announce] [--owner ADDR]..."},
	{"remove", cmd_remove, "remove LIST@DOMAIN and everything about it"},
	{"lists", cmd_lists, "show all lists"},
	{"members", cmd_members, "members LIST@DOMAIN [--role ROLE]"},
	{"addmembers", cmd_addmembers, "addmembers LIST@DOMAIN FILE|- (\"addr\" or \"Name <addr>\")"},
	{"delmembers", cmd_delmembers, "delmembers LIST@DOMAIN FILE|-"},
	{"listconf", cmd_listconf, "listconf LIST@DOMAIN [KEY [VALUE]]"},
	{"inject", cmd_inject, "inject LIST@DOMAIN [FILE]: queue a message as if it arrived"},
	{"held", cmd_held, "held LIST@DOMAIN: ID, sender, subject, reason per held message"},
	{"moderate", cmd_moderate, "moderate LIST@DOMAIN ID accept|reject|discard [--reason TEXT]"},
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
