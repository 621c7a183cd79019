/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests for src/core and src/util: configuration loading (defaults, every error with file:line),
 * the documentation of every key, address syntax, list settings and templates, sanitising.
 */
#include "core/pgl-address.h"
#include "core/pgl-config.h"
#include "core/pgl-context.h"
#include "core/pgl-list.h"
#include "core/pgl-template.h"
#include "util/pgl-sanitize.h"

#include <glib/gstdio.h>
#include <string.h>

static gchar *
write_temp(const gchar *contents)
{
	g_autoptr(GError) error = NULL;
	gchar *path = NULL;
	gint fd = g_file_open_tmp("pgl-config-XXXXXX.ini", &path, &error);

	g_assert_no_error(error);
	close(fd);
	g_assert_true(g_file_set_contents(path, contents, -1, NULL));
	return path;
}

static void
test_config_defaults(void)
{
	g_autoptr(PglConfig) config = pgl_config_new_default();
	g_autofree gchar *dump = pgl_config_dump(config);

	g_assert_cmpstr(config->var_dir, ==, "./var");
	g_assert_cmpuint(config->lmtp_port, ==, 8024);
	g_assert_cmpuint(config->smtp_security, ==, PGL_SECURITY_NONE);
	g_assert_cmpuint(config->mta_max_recipients, ==, 500);
	g_assert_cmpuint(config->message_max, ==, 25 * 1024 * 1024);
	g_assert_nonnull(strstr(dump, "[smtp]\nhost = 127.0.0.1\n"));
	g_assert_cmpstr(pgl_config_pgp_key_algorithm(config), ==, "ed25519");
	g_assert_cmpstr(config->pgp_key_passphrase_file, ==, "");
	g_assert_cmpuint(config->pgp_signature_window, ==, 7 * 24 * 3600);
	g_assert_nonnull(strstr(dump, "[pgp]\nkey_algorithm = ed25519\nkey_passphrase_file = \n"
				      "signature_window = 604800\n"));
}

static void
test_config_pgp(void)
{
	static const struct {
		const gchar *algorithm;
		const gchar *window;
	} cases[] = {
		{"ed25519", "60"},
		{"rsa3072", "604800"},
		{"rsa4096", "31536000"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *text = g_strdup_printf("[pgp]\nkey_algorithm = %s\n"
							 "key_passphrase_file = /etc/pgplist/pass\n"
							 "signature_window = %s\n",
							 cases[i].algorithm, cases[i].window);
		g_autofree gchar *path = write_temp(text);
		g_autoptr(GError) error = NULL;
		g_autoptr(PglConfig) config = pgl_config_load(path, &error);
		g_autofree gchar *dump = NULL;

		g_assert_no_error(error);
		g_assert_cmpstr(pgl_config_pgp_key_algorithm(config), ==, cases[i].algorithm);
		g_assert_cmpstr(config->pgp_key_passphrase_file, ==, "/etc/pgplist/pass");
		g_assert_cmpuint(config->pgp_signature_window, ==,
				 g_ascii_strtoull(cases[i].window, NULL, 10));
		/* the path of the passphrase file is no secret; the passphrase is not in it */
		dump = pgl_config_dump(config);
		g_assert_nonnull(strstr(dump, "key_passphrase_file = /etc/pgplist/pass\n"));
		g_unlink(path);
	}
}

static void
test_config_load(void)
{
	g_autofree gchar *path = write_temp("# comment\n[lmtp]\nport = 2400\n\n[smtp]\n"
					    "security = starttls\npassword = s3cret\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(PglConfig) config = pgl_config_load(path, &error);
	g_autofree gchar *dump = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(config->lmtp_port, ==, 2400);
	g_assert_cmpuint(config->smtp_security, ==, PGL_SECURITY_STARTTLS);
	g_assert_cmpstr(config->smtp_password, ==, "s3cret");
	dump = pgl_config_dump(config);
	/* secrets are never printed */
	g_assert_null(strstr(dump, "s3cret"));
	g_assert_nonnull(strstr(dump, "password = (set)"));
	g_unlink(path);
}

static void
test_config_errors(void)
{
	static const struct {
		const gchar *text;
		gint code;
		const gchar *want; /* substring of the message */
	} cases[] = {
		{"[lmtp]\nport = 8024\nprot = 1\n", PGL_CONFIG_ERROR_UNKNOWN_KEY,
		 ":3: unknown key \"prot\" in [lmtp]"},
		{"[lmpt]\nport = 1\n", PGL_CONFIG_ERROR_UNKNOWN_KEY, ":1: unknown section [lmpt]"},
		{"\n[smtp]\nsecurity = startls\n", PGL_CONFIG_ERROR_INVALID,
		 ":3: [smtp] security: \"startls\" is not one of none|starttls|tls"},
		{"[lmtp]\nport = 70000\n", PGL_CONFIG_ERROR_INVALID, ":2: [lmtp] port"},
		{"[limits]\nlmtp_line_max = 10\n", PGL_CONFIG_ERROR_INVALID,
		 "from 1002 to 1048576"},
		{"[mta]\nmax_recipients = -1\n", PGL_CONFIG_ERROR_INVALID, "whole number"},
		{"[mta]\nmax_recipients = 12abc\n", PGL_CONFIG_ERROR_INVALID, "whole number"},
		{"this is not ini\n", PGL_CONFIG_ERROR_READ, ""},
		{"[pgp]\nkey_algorithm = dsa1024\n", PGL_CONFIG_ERROR_INVALID,
		 ":2: [pgp] key_algorithm: \"dsa1024\" is not one of ed25519|rsa3072|rsa4096"},
		{"[pgp]\nkey_algorithm = ED25519\n", PGL_CONFIG_ERROR_INVALID, "ED25519"},
		{"[pgp]\nsignature_window = 59\n", PGL_CONFIG_ERROR_INVALID,
		 ":2: [pgp] signature_window: \"59\" is not a whole number from 60 to 31536000"},
		{"[pgp]\n\nsignature_window = 31536001\n", PGL_CONFIG_ERROR_INVALID,
		 ":3: [pgp] signature_window"},
		{"[pgp]\nsignature_window = 1w\n", PGL_CONFIG_ERROR_INVALID, "whole number"},
		{"[pgp]\nchunk_sise = 1\n", PGL_CONFIG_ERROR_UNKNOWN_KEY,
		 ":2: unknown key \"chunk_sise\" in [pgp]"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *path = write_temp(cases[i].text);
		g_autoptr(GError) error = NULL;
		g_autoptr(PglConfig) config = pgl_config_load(path, &error);

		if (config != NULL || !g_error_matches(error, PGL_CONFIG_ERROR, cases[i].code) ||
		    strstr(error->message, cases[i].want) == NULL)
			g_error("case %" G_GSIZE_FORMAT ": got %s, want code %d containing \"%s\"", i,
				error ? error->message : "success", cases[i].code, cases[i].want);
		g_assert_true(g_str_has_prefix(error->message, path));
		g_unlink(path);
	}
	{
		g_autoptr(GError) error = NULL;

		g_assert_null(pgl_config_load("/nonexistent/pgplist.ini", &error));
		g_assert_error(error, PGL_CONFIG_ERROR, PGL_CONFIG_ERROR_READ);
	}
}

/* docs/admin.md must document every key with its default. */
static void
test_config_documented(void)
{
	g_autofree gchar *path = g_build_filename(g_getenv("PGLIST_SOURCE_ROOT"), "docs",
						  "admin.md", NULL);
	g_autofree gchar *doc = NULL;
	g_autofree gchar *keys = pgl_config_describe_keys();
	g_auto(GStrv) lines = g_strsplit(keys, "\n", -1);

	g_assert_true(g_file_get_contents(path, &doc, NULL, NULL));
	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		g_auto(GStrv) parts = g_strsplit_set(lines[i], "[] =\t", -1);
		/* "[group] key = default\t# doc" -> "", group, "", key, "", "", default, ... */
		g_autofree gchar *row = g_strdup_printf("| `%s` | `%s` |", parts[3], parts[6]);
		g_autofree gchar *section = g_strdup_printf("### [%s]", parts[1]);

		if (strstr(doc, section) == NULL)
			g_error("docs/admin.md has no section \"%s\"", section);
		if (parts[6][0] == '\0') {
			g_free(row);
			row = g_strdup_printf("| `%s` | (empty) |", parts[3]);
		}
		if (strstr(doc, row) == NULL)
			g_error("docs/admin.md: got no row \"%s\" for [%s]", row, parts[1]);
	}
}

static void
test_address(void)
{
	static const struct {
		const gchar *in;
		const gchar *want; /* NULL: invalid */
	} cases[] = {
		{"Alice@Example.ORG", "alice@example.org"},
		{"a.b+c@sub.example.org", "a.b+c@sub.example.org"},
		{"o'neil@example.org", "o'neil@example.org"},
		{"no-at-sign", NULL},
		{"@example.org", NULL},
		{"a@", NULL},
		{"a@localhost", NULL},
		{"a..b@example.org", NULL},
		{".a@example.org", NULL},
		{"a.@example.org", NULL},
		{"\"quoted\"@example.org", NULL},
		{"a b@example.org", NULL},
		{"a@exa mple.org", NULL},
		{"a@-example.org", NULL},
		{"a@example-.org", NULL},
		{"a@[127.0.0.1]", NULL},
		{"a\n@example.org", NULL},
		{"a@example.org\r", NULL},
	};
	g_autofree gchar *long_local = g_strnfill(65, 'a');
	g_autofree gchar *too_long = g_strconcat(long_local, "@example.org", NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *got = pgl_address_normalize(cases[i].in, &error);

		if (g_strcmp0(got, cases[i].want) != 0)
			g_error("normalize(\"%s\"): got %s, want %s", cases[i].in, got,
				cases[i].want);
		if (got == NULL)
			g_assert_error(error, PGL_ADDRESS_ERROR, PGL_ADDRESS_ERROR_INVALID);
	}
	g_assert_null(pgl_address_normalize(too_long, NULL));
}

static void
test_address_line(void)
{
	static const struct {
		const gchar *in;
		const gchar *address;
		const gchar *name;
	} cases[] = {
		{"bob@example.org", "bob@example.org", NULL},
		{"  <bob@example.org>  ", "bob@example.org", NULL},
		{"Bob Smith <Bob@Example.org>", "bob@example.org", "Bob Smith"},
		{"\"Smith, Bob\" <bob@example.org>", "bob@example.org", "Smith, Bob"},
		{"Bob <bob@example.org", NULL, NULL},
		{"Bob <bob@example.org> trailing", NULL, NULL},
		{"\"Bob <bob@example.org>", NULL, NULL},
		{"Bob <not an address>", NULL, NULL},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *address = NULL;
		g_autofree gchar *name = NULL;
		g_autoptr(GError) error = NULL;
		gboolean ok = pgl_address_parse_line(cases[i].in, &address, &name, &error);

		if (ok != (cases[i].address != NULL) ||
		    (ok && (g_strcmp0(address, cases[i].address) != 0 ||
			    g_strcmp0(name, cases[i].name) != 0)))
			g_error("parse_line(\"%s\"): got %s/%s, want %s/%s", cases[i].in, address,
				name, cases[i].address, cases[i].name);
	}
}

static void
test_address_pattern(void)
{
	g_assert_true(pgl_address_match_pattern("Bob@Example.org", "bob@example.org"));
	g_assert_false(pgl_address_match_pattern("bob@example.org", "bob@example.org.evil"));
	g_assert_true(pgl_address_match_pattern("^.*@example\\.org$", "x@example.org"));
	g_assert_false(pgl_address_match_pattern("^.*@example\\.org$", "x@example.org.evil"));
	g_test_expect_message("pgl-core", G_LOG_LEVEL_WARNING, "invalid address pattern*");
	g_assert_false(pgl_address_match_pattern("^([", "x@example.org"));
	g_test_assert_expected_messages();
}

static void
test_list_address(void)
{
	static const gchar *const bad[] = {"team-request@lists.example", "team-bounces@lists.example",
					   "a+b@lists.example", "not-an-address", NULL};
	g_autofree gchar *name = NULL;
	g_autofree gchar *domain = NULL;

	g_assert_true(pgl_list_parse_address("Team@Lists.Example", &name, &domain, NULL));
	g_assert_cmpstr(name, ==, "team");
	g_assert_cmpstr(domain, ==, "lists.example");
	for (guint i = 0; bad[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *n = NULL;
		g_autofree gchar *d = NULL;

		if (pgl_list_parse_address(bad[i], &n, &d, &error))
			g_error("parse_address(\"%s\"): got success, want error", bad[i]);
		g_assert_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_NAME);
	}
}

static void
test_list_own_address(void)
{
	static const struct {
		const gchar *address;
		gboolean want;
	} cases[] = {
		{"team@lists.example", TRUE},
		{"team-owner@lists.example", TRUE},
		{"team-bounces+bob=example.org@lists.example", TRUE},
		{"team-confirm+abc@lists.example", TRUE},
		{"team@other.example", FALSE},
		{"team-ownerx@lists.example", FALSE},
		{"teamx@lists.example", FALSE},
		{"owner@lists.example", FALSE},
	};
	g_autoptr(PglList) list = pgl_list_new(1, "team", "lists.example");

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (pgl_list_is_own_address(list, cases[i].address) != cases[i].want)
			g_error("is_own_address(%s): got %d, want %d", cases[i].address,
				!cases[i].want, cases[i].want);
	}
}

static void
test_list_settings(void)
{
	static const struct {
		const gchar *name;
		const gchar *value;
		const gchar *want; /* NULL: invalid */
		gint code;
	} cases[] = {
		{"emergency", "yes", "true", 0},
		{"emergency", "0", "false", 0},
		{"emergency", "maybe", NULL, PGL_LIST_ERROR_INVALID_VALUE},
		{"max_num_recipients", "25", "25", 0},
		{"max_num_recipients", "-3", NULL, PGL_LIST_ERROR_INVALID_VALUE},
		{"default_member_action", "discard", "discard", 0},
		{"default_member_action", "defer", NULL, PGL_LIST_ERROR_INVALID_VALUE},
		{"reply_goes_to_list", "point_to_list", "point_to_list", 0},
		{"reply_goes_to_list", "everyone", NULL, PGL_LIST_ERROR_INVALID_VALUE},
		{"subject_prefix", "[x]\nInjected: header", NULL, PGL_LIST_ERROR_INVALID_VALUE},
		{"banned_addresses", "spam@example.org\n^.*@evil\\.example$", "spam@example.org\n^.*@evil\\.example$", 0},
		{"banned_addresses", "^([", NULL, PGL_LIST_ERROR_INVALID_VALUE},
		{"banned_addresses", "not-an-address", NULL, PGL_LIST_ERROR_INVALID_VALUE},
		{"bounce_matching_headers", "X-Spam-Flag: YES", "X-Spam-Flag: YES", 0},
		{"bounce_matching_headers", "no colon here", NULL, PGL_LIST_ERROR_INVALID_VALUE},
		{"no_such_setting", "1", NULL, PGL_LIST_ERROR_UNKNOWN_SETTING},
	};
	g_autoptr(PglList) list = pgl_list_new(1, "team", "lists.example");

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *got =
			pgl_list_setting_validate(cases[i].name, cases[i].value, &error);

		if (g_strcmp0(got, cases[i].want) != 0)
			g_error("validate(%s, \"%s\"): got %s, want %s", cases[i].name,
				cases[i].value, got, cases[i].want);
		if (got == NULL)
			g_assert_error(error, PGL_LIST_ERROR, cases[i].code);
	}
	/* defaults and typed getters */
	g_assert_false(pgl_list_get_bool(list, "emergency"));
	g_assert_cmpuint(pgl_list_get_uint(list, "max_num_recipients"), ==, 10);
	g_assert_cmpint(pgl_list_get_action(list, "default_nonmember_action"), ==, PGL_ACTION_HOLD);
	{
		g_autofree gchar *display = pgl_list_get_display_name(list);
		g_autofree gchar *bounces = pgl_list_subaddress(list, "bounces");

		g_assert_cmpstr(display, ==, "Team");
		g_assert_cmpstr(bounces, ==, "team-bounces@lists.example");
	}
}

static void
test_list_password(void)
{
	g_autoptr(PglList) list = pgl_list_new(1, "team", "lists.example");
	g_autofree gchar *stored = pgl_list_setting_validate("moderator_password", "hunter2", NULL);
	g_autofree gchar *again = pgl_list_setting_validate("moderator_password", "hunter2", NULL);

	g_assert_null(strstr(stored, "hunter2"));
	g_assert_cmpstr(stored, !=, again); /* salted */
	g_assert_false(pgl_list_check_password(list, "moderator_password", "hunter2"));
	g_hash_table_insert(list->settings, g_strdup("moderator_password"), g_strdup(stored));
	g_assert_true(pgl_list_check_password(list, "moderator_password", "hunter2"));
	g_assert_false(pgl_list_check_password(list, "moderator_password", "hunter3"));
	g_assert_false(pgl_list_check_password(list, "moderator_password", ""));
}

static void
test_list_style(void)
{
	static const struct {
		const gchar *name;
		PglListStyle style;
		gboolean pgp;
		gboolean announce;
	} cases[] = {
		{"discussion", PGL_LIST_STYLE_DISCUSSION, FALSE, FALSE},
		{"announce", PGL_LIST_STYLE_ANNOUNCE, FALSE, TRUE},
		{"pgp-discussion", PGL_LIST_STYLE_PGP_DISCUSSION, TRUE, FALSE},
		{"pgp-announce", PGL_LIST_STYLE_PGP_ANNOUNCE, TRUE, TRUE},
	};
	static const gchar *const unknown[] = {"", "Announce", "pgp", "pgp-", "chatty"};
	PglListStyle style = PGL_LIST_STYLE_DISCUSSION;

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(PglList) list = pgl_list_new(1, "news", "lists.example");

		if (!pgl_list_style_from_string(cases[i].name, &style) || style != cases[i].style)
			g_error("style \"%s\": got %d, want %d", cases[i].name, style,
				cases[i].style);
		g_assert_cmpint(pgl_list_style_is_pgp(style), ==, cases[i].pgp);
		/* a pgp- style sets what its plain counterpart sets */
		pgl_list_apply_style(list->settings, style);
		g_assert_cmpint(pgl_list_get_action(list, "default_member_action"), ==,
				cases[i].announce ? PGL_ACTION_HOLD : PGL_ACTION_ACCEPT);
		g_assert_cmpint(pgl_list_get_bool(list, "allow_list_posts"), ==, !cases[i].announce);
		g_assert_cmpuint(g_hash_table_size(list->settings), ==, cases[i].announce ? 2 : 0);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(unknown); i++)
		g_assert_false(pgl_list_style_from_string(unknown[i], &style));
	g_assert_false(pgl_list_style_from_string(NULL, &style));
}

static void
test_template(void)
{
	g_autoptr(GHashTable) variables = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(PglConfig) config = pgl_config_new_default();
	g_autoptr(PglContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("pgl-core-XXXXXX", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *rendered = NULL;
	g_autofree gchar *override = NULL;

	g_hash_table_insert(variables, "name", "Team");
	g_hash_table_insert(variables, "list_address", "team@lists.example");
	text = pgl_template_substitute("$name ${name}s $$5 $unknown ${broken $", variables);
	g_assert_cmpstr(text, ==, "Team Teams $5 $unknown ${broken $");

	g_free(config->var_dir);
	config->var_dir = g_strdup(dir);
	g_free(config->template_dir);
	config->template_dir = g_strdup(dir);
	ctx = pgl_context_new(g_steal_pointer(&config), &error);
	g_assert_no_error(error);
	rendered = pgl_template_render(ctx, "rejected", variables, &error);
	g_assert_no_error(error);
	g_assert_nonnull(strstr(rendered, "team@lists.example"));
	override = g_build_filename(dir, "rejected.txt", NULL);
	g_assert_true(g_file_set_contents(override, "custom for $list_address", -1, NULL));
	g_clear_pointer(&rendered, g_free);
	rendered = pgl_template_render(ctx, "rejected", variables, &error);
	g_assert_cmpstr(rendered, ==, "custom for team@lists.example");
	g_assert_null(pgl_template_render(ctx, "no-such-template", variables, &error));
	g_assert_nonnull(error);
	g_unlink(override);
	g_rmdir(dir);
}

static void
test_sanitize(void)
{
	static const struct {
		const gchar *in;
		gssize len;
		gsize max;
		const gchar *want;
	} cases[] = {
		{"plain", -1, 200, "plain"},
		{"line\r\nInjected: yes", -1, 200, "line??Injected: yes"},
		{"tab\tand\x1b[31mcolour", -1, 200, "tab?and?[31mcolour"},
		{"bad \xff utf8", -1, 200, "bad ? utf8"},
		{"nul\0inside", 10, 200, "nul?inside"},
		{"0123456789", -1, 6, "012345..."},
		{"\xc3\xa9t\xc3\xa9", -1, 200, "\xc3\xa9t\xc3\xa9"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *got = pgl_sanitize(cases[i].in, cases[i].len, cases[i].max);

		if (g_strcmp0(got, cases[i].want) != 0)
			g_error("sanitize case %" G_GSIZE_FORMAT ": got \"%s\", want \"%s\"", i, got,
				cases[i].want);
	}
	{
		g_autofree gchar *null_text = pgl_sanitize(NULL, -1, 10);

		g_assert_cmpstr(null_text, ==, "(null)");
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/config/defaults", test_config_defaults);
	g_test_add_func("/core/config/load", test_config_load);
	g_test_add_func("/core/config/errors", test_config_errors);
	g_test_add_func("/core/config/documented", test_config_documented);
	g_test_add_func("/core/config/pgp", test_config_pgp);
	g_test_add_func("/core/address/normalize", test_address);
	g_test_add_func("/core/address/line", test_address_line);
	g_test_add_func("/core/address/pattern", test_address_pattern);
	g_test_add_func("/core/list/address", test_list_address);
	g_test_add_func("/core/list/settings", test_list_settings);
	g_test_add_func("/core/list/own-address", test_list_own_address);
	g_test_add_func("/core/list/password", test_list_password);
	g_test_add_func("/core/list/style", test_list_style);
	g_test_add_func("/core/template", test_template);
	g_test_add_func("/util/sanitize", test_sanitize);
	return g_test_run();
}
