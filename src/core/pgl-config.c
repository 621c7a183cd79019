/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The configuration file: one INI file read with GKeyFile. Every key pgplist knows is a row of
 * config_keys[] below, with its type, default, bounds and one line of documentation; loading,
 * printing (`pgplist conf`) and the key reference all come from that one table. A key absent from
 * the file takes its default. A group or key the table does not know, a value of the wrong type,
 * out of range or not among the choices is an error that names file:line: a typo in
 * `security = startls` must stop the daemon, not silently send mail in the clear.
 */
#include "core/pgl-config.h"

#include "core/pgl-limits.h"

#include <stddef.h>
#include <string.h>

G_DEFINE_QUARK(pgl-config-error-quark, pgl_config_error)

typedef enum {
	KEY_STRING,
	KEY_SECRET, /* a string never printed by `pgplist conf` */
	KEY_UINT,
	KEY_ENUM,
} KeyType;

typedef struct {
	const gchar *group;
	const gchar *key;
	KeyType type;
	gsize offset;
	const gchar *default_value; /* strings and enums */
	guint64 default_uint;	    /* KEY_UINT */
	guint64 min;
	guint64 max;
	const gchar *const *choices; /* KEY_ENUM: index is the stored value */
	const gchar *doc;
} ConfigKey;

static const gchar *const security_choices[] = {"none", "starttls", "tls", NULL};
/* the names pgl_pgp_key_algorithm_from_string() knows (src/core does not link src/pgp) */
static const gchar *const key_algorithm_choices[] = {"ed25519", "rsa3072", "rsa4096", NULL};

#define OFF(field) offsetof(PglConfig, field)
#define STR(g, k, f, d, doc) {g, k, KEY_STRING, OFF(f), d, 0, 0, 0, NULL, doc}
#define SECRET(g, k, f, d, doc) {g, k, KEY_SECRET, OFF(f), d, 0, 0, 0, NULL, doc}
#define UINT(g, k, f, d, lo, hi, doc) {g, k, KEY_UINT, OFF(f), NULL, d, lo, hi, NULL, doc}

static const ConfigKey config_keys[] = {
	STR("paths", "var_dir", var_dir, "./var",
	    "directory for the database and the spool queues (mode 0700)"),
	STR("paths", "template_dir", template_dir, "",
	    "directory whose NAME.txt files override the built-in notice templates"),
	STR("database", "path", db_path, "", "SQLite database file; empty means VAR_DIR/pgplist.db"),
	UINT("database", "busy_timeout_ms", db_busy_timeout_ms, 5000, 100, 600000,
	     "how long a writer waits for the database lock"),
	STR("lmtp", "host", lmtp_host, "127.0.0.1", "address the LMTP listener binds"),
	UINT("lmtp", "port", lmtp_port, 8024, 0, 65535,
	     "LMTP port (0 picks a free port, for tests)"),
	STR("lmtp", "hostname", lmtp_hostname, "",
	    "name in the LMTP greeting and in Message-IDs; empty means the host name"),
	STR("smtp", "host", smtp_host, "127.0.0.1", "the relay (MTA) outgoing mail is handed to"),
	UINT("smtp", "port", smtp_port, 25, 1, 65535, "relay port"),
	{"smtp", "security", KEY_ENUM, OFF(smtp_security), "none", 0, 0, 0, security_choices,
	 "none, starttls (required, never downgraded) or tls (implicit TLS)"},
	STR("smtp", "user", smtp_user, "", "AUTH user name; empty means no AUTH"),
	SECRET("smtp", "password", smtp_password, "", "AUTH password"),
	STR("smtp", "ca_file", smtp_ca_file, "",
	    "PEM file of CAs to verify the relay's certificate; empty means the system store"),
	STR("smtp", "helo_name", smtp_helo_name, "", "EHLO name; empty means [lmtp] hostname"),
	UINT("smtp", "timeout", smtp_timeout, 60, 1, 3600, "seconds to wait for any relay reply"),
	UINT("mta", "max_recipients", mta_max_recipients, 500, 1, 100000,
	     "recipients per SMTP transaction in bulk delivery"),
	UINT("delivery", "retry_initial_delay", retry_initial_delay, 300, 1, 86400,
	     "seconds before the first retry of a temporarily failed recipient"),
	UINT("delivery", "retry_max_delay", retry_max_delay, 3600, 1, 604800,
	     "the back-off doubles up to this many seconds"),
	UINT("delivery", "retry_give_up", retry_give_up, 432000, 60, 2592000,
	     "seconds after which a temporarily failing recipient is given up (a bounce)"),
	STR("rest", "host", rest_host, "127.0.0.1", "address the REST API binds"),
	UINT("rest", "port", rest_port, 8001, 0, 65535, "REST API port"),
	STR("rest", "admin_user", rest_admin_user, "restadmin", "REST API user"),
	SECRET("rest", "admin_password", rest_admin_password, "",
	       "REST API password; empty disables the REST API"),
	STR("mail", "site_owner", site_owner, "postmaster@localhost",
	    "address of the site administrator, sender of site-wide notices"),
	UINT("limits", "lmtp_line_max", lmtp_line_max, PGL_LIMIT_LMTP_LINE_DEFAULT,
	     PGL_LIMIT_LMTP_LINE_MIN, PGL_LIMIT_LMTP_LINE_MAX, "bytes in one LMTP line, CRLF included"),
	UINT("limits", "message_max", message_max, PGL_LIMIT_MESSAGE_DEFAULT, PGL_LIMIT_MESSAGE_MIN,
	     PGL_LIMIT_MESSAGE_MAX, "bytes in one message (LMTP answers 552 above it)"),
	UINT("limits", "header_max", header_max, PGL_LIMIT_HEADER_DEFAULT, PGL_LIMIT_HEADER_MIN,
	     PGL_LIMIT_HEADER_MAX, "bytes in a message's header block"),
	UINT("limits", "lmtp_recipients_max", lmtp_recipients_max, PGL_LIMIT_RECIPIENTS_DEFAULT, 1,
	     PGL_LIMIT_RECIPIENTS_MAX, "recipients in one LMTP transaction"),
	UINT("limits", "lmtp_timeout", lmtp_timeout, PGL_LIMIT_LMTP_TIMEOUT_DEFAULT, 1,
	     PGL_LIMIT_LMTP_TIMEOUT_MAX, "seconds an LMTP client may stay silent"),
	UINT("limits", "lmtp_sessions_max", lmtp_sessions_max, PGL_LIMIT_LMTP_SESSIONS_DEFAULT, 1,
	     PGL_LIMIT_LMTP_SESSIONS_MAX, "concurrent LMTP connections"),
	UINT("limits", "mime_depth_max", mime_depth_max, PGL_LIMIT_MIME_DEPTH_DEFAULT, 1,
	     PGL_LIMIT_MIME_DEPTH_MAX, "nesting depth of MIME parts"),
	UINT("limits", "mime_parts_max", mime_parts_max, PGL_LIMIT_MIME_PARTS_DEFAULT, 1,
	     PGL_LIMIT_MIME_PARTS_MAX, "MIME parts in one message"),
	UINT("limits", "max_received", max_received, PGL_LIMIT_MAX_RECEIVED_DEFAULT, 1,
	     PGL_LIMIT_MAX_RECEIVED_MAX, "Received: headers above which a message is a loop"),
	UINT("limits", "rest_body_max", rest_body_max, PGL_LIMIT_REST_BODY_DEFAULT, 1024,
	     PGL_LIMIT_REST_BODY_MAX, "bytes in a REST request body"),
	UINT("limits", "json_depth_max", json_depth_max, PGL_LIMIT_JSON_DEPTH_DEFAULT, 2,
	     PGL_LIMIT_JSON_DEPTH_MAX, "nesting depth of REST JSON"),
	UINT("limits", "command_lines", command_lines, PGL_LIMIT_COMMAND_LINES_DEFAULT,
	     PGL_LIMIT_COMMAND_LINES_MIN, PGL_LIMIT_COMMAND_LINES_MAX,
	     "lines of a command mail read, at most"),
	UINT("workflows", "token_lifetime", workflow_token_lifetime,
	     PGL_LIMIT_WORKFLOW_TOKEN_LIFETIME_DEFAULT, PGL_LIMIT_WORKFLOW_TOKEN_LIFETIME_MIN,
	     PGL_LIMIT_WORKFLOW_TOKEN_LIFETIME_MAX,
	     "seconds a confirmation token (subscription, key, moderator request) stays valid"),
	{"pgp", "key_algorithm", KEY_ENUM, OFF(pgp_key_algorithm), "ed25519", 0, 0, 0,
	 key_algorithm_choices,
	 "list key pairs made from now on: ed25519 (with cv25519 encryption), rsa3072 or rsa4096"},
	STR("pgp", "key_passphrase_file", pgp_key_passphrase_file, "",
	    "file whose first line protects new list secret keys and unlocks stored ones; empty: "
	    "secret keys are kept unprotected in the (0600) database"),
	/* a minute at least (clock skew), a year at most: the replay record keeps every digest
	 * for this long */
	UINT("pgp", "signature_window", pgp_signature_window, 604800, 60, 31536000,
	     "seconds a post's signature may be older (or newer) than the time it arrives"),
	UINT("pgp", "chunk_size", pgp_chunk_size, 1, 1, PGL_LIMIT_PGP_CHUNK_MAX,
	     "recipients of a PGP list post that share one encrypted copy (one session key, key IDs "
	     "hidden when more than one); 1: a copy per recipient"),
};

static gchar **
field_string(PglConfig *config, const ConfigKey *key)
{
	return (gchar **)((guint8 *)config + key->offset);
}

static guint *
field_uint(PglConfig *config, const ConfigKey *key)
{
	return (guint *)((guint8 *)config + key->offset);
}

static gboolean
parse_value(PglConfig *config, const ConfigKey *key, const gchar *value, GError **error)
{
	switch (key->type) {
	case KEY_STRING:
	case KEY_SECRET:
		g_free(*field_string(config, key));
		*field_string(config, key) = g_strdup(value);
		return TRUE;
	case KEY_UINT: {
		guint64 number = 0;
		g_autoptr(GError) local_error = NULL;

		if (!g_ascii_string_to_unsigned(value, 10, key->min, key->max, &number,
						&local_error)) {
			g_set_error(error, PGL_CONFIG_ERROR, PGL_CONFIG_ERROR_INVALID,
				    "[%s] %s: \"%s\" is not a whole number from %" G_GUINT64_FORMAT
				    " to %" G_GUINT64_FORMAT,
				    key->group, key->key, value, key->min, key->max);
			return FALSE;
		}
		*field_uint(config, key) = (guint)number;
		return TRUE;
	}
	case KEY_ENUM:
		for (guint i = 0; key->choices[i] != NULL; i++) {
			if (g_strcmp0(value, key->choices[i]) == 0) {
				*field_uint(config, key) = i;
				return TRUE;
			}
		}
		{
			g_autofree gchar *choices = g_strjoinv("|", (gchar **)key->choices);
			g_set_error(error, PGL_CONFIG_ERROR, PGL_CONFIG_ERROR_INVALID,
				    "[%s] %s: \"%s\" is not one of %s", key->group, key->key,
				    value, choices);
		}
		return FALSE;
	default:
		g_assert_not_reached();
	}
}

static gchar *
default_string(const ConfigKey *key)
{
	if (key->type == KEY_UINT)
		return g_strdup_printf("%" G_GUINT64_FORMAT, key->default_uint);
	return g_strdup(key->default_value);
}

/**
 * pgl_config_new_default:
 *
 * Returns: (transfer full): a configuration holding every documented default
 */
PglConfig *
pgl_config_new_default(void)
{
	PglConfig *config = g_new0(PglConfig, 1);

	for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++) {
		g_autofree gchar *value = default_string(&config_keys[i]);
		gboolean ok = parse_value(config, &config_keys[i], value, NULL);

		g_assert(ok);
	}
	return config;
}

void
pgl_config_free(PglConfig *config)
{
	if (config == NULL)
		return;
	for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++) {
		const ConfigKey *key = &config_keys[i];

		if (key->type == KEY_STRING || key->type == KEY_SECRET) {
			gchar **field = field_string(config, key);

			if (key->type == KEY_SECRET && *field != NULL)
				explicit_bzero(*field, strlen(*field));
			g_clear_pointer(field, g_free);
		}
	}
	g_free(config);
}

static const ConfigKey *
find_key(const gchar *group, const gchar *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++) {
		if (g_str_equal(config_keys[i].group, group) && g_str_equal(config_keys[i].key, name))
			return &config_keys[i];
	}
	return NULL;
}

static gboolean
group_known(const gchar *group)
{
	for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++) {
		if (g_str_equal(config_keys[i].group, group))
			return TRUE;
	}
	return FALSE;
}

/* GKeyFile does not keep line numbers; find the line a group (key == NULL) or key is on. */
static guint
line_of(const gchar *contents, const gchar *group, const gchar *key)
{
	g_auto(GStrv) lines = g_strsplit(contents, "\n", -1);
	gboolean in_group = FALSE;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree gchar *line = g_strstrip(g_strdup(lines[i]));

		if (line[0] == '[') {
			g_autofree gchar *want = g_strdup_printf("[%s]", group);
			in_group = g_str_equal(line, want);
			if (in_group && key == NULL)
				return i + 1;
			continue;
		}
		if (in_group && key != NULL && g_str_has_prefix(line, key)) {
			const gchar *rest = line + strlen(key);

			while (*rest == ' ' || *rest == '\t')
				rest++;
			if (*rest == '=')
				return i + 1;
		}
	}
	return 0;
}

/**
 * pgl_config_load:
 * @path: the INI file
 * @error: return location for a #GError (%PGL_CONFIG_ERROR, message prefixed "FILE:LINE: ")
 *
 * Returns: (transfer full) (nullable): the effective configuration
 */
PglConfig *
pgl_config_load(const gchar *path, GError **error)
{
	g_autoptr(PglConfig) config = pgl_config_new_default();
	g_autoptr(GKeyFile) file = g_key_file_new();
	g_autofree gchar *contents = NULL;
	g_auto(GStrv) groups = NULL;
	g_autoptr(GError) local_error = NULL;
	gsize length = 0;

	if (!g_file_get_contents(path, &contents, &length, &local_error) ||
	    !g_key_file_load_from_data(file, contents, length, G_KEY_FILE_NONE, &local_error)) {
		g_set_error(error, PGL_CONFIG_ERROR, PGL_CONFIG_ERROR_READ, "%s: %s", path,
			    local_error->message);
		return NULL;
	}
	groups = g_key_file_get_groups(file, NULL);
	for (guint g = 0; groups[g] != NULL; g++) {
		g_auto(GStrv) keys = NULL;

		if (!group_known(groups[g])) {
			g_set_error(error, PGL_CONFIG_ERROR, PGL_CONFIG_ERROR_UNKNOWN_KEY,
				    "%s:%u: unknown section [%s]", path,
				    line_of(contents, groups[g], NULL), groups[g]);
			return NULL;
		}
		keys = g_key_file_get_keys(file, groups[g], NULL, NULL);
		for (guint k = 0; keys != NULL && keys[k] != NULL; k++) {
			const ConfigKey *key = find_key(groups[g], keys[k]);
			g_autofree gchar *value = NULL;

			if (key == NULL) {
				g_set_error(error, PGL_CONFIG_ERROR, PGL_CONFIG_ERROR_UNKNOWN_KEY,
					    "%s:%u: unknown key \"%s\" in [%s]", path,
					    line_of(contents, groups[g], keys[k]), keys[k],
					    groups[g]);
				return NULL;
			}
			value = g_key_file_get_string(file, groups[g], keys[k], &local_error);
			if (value == NULL) {
				g_set_error(error, PGL_CONFIG_ERROR, PGL_CONFIG_ERROR_INVALID,
					    "%s:%u: %s", path,
					    line_of(contents, groups[g], keys[k]),
					    local_error->message);
				return NULL;
			}
			if (!parse_value(config, key, value, &local_error)) {
				g_set_error(error, PGL_CONFIG_ERROR, PGL_CONFIG_ERROR_INVALID,
					    "%s:%u: %s", path,
					    line_of(contents, groups[g], keys[k]),
					    local_error->message);
				return NULL;
			}
		}
	}
	return g_steal_pointer(&config);
}

static gchar *
value_string(const PglConfig *config, const ConfigKey *key)
{
	PglConfig *mutable_config = (PglConfig *)config;

	switch (key->type) {
	case KEY_STRING:
		return g_strdup(*field_string(mutable_config, key));
	case KEY_SECRET:
		return g_strdup(**field_string(mutable_config, key) != '\0' ? "(set)" : "");
	case KEY_UINT:
		return g_strdup_printf("%u", *field_uint(mutable_config, key));
	case KEY_ENUM:
		return g_strdup(key->choices[*field_uint(mutable_config, key)]);
	default:
		g_assert_not_reached();
	}
}

/**
 * pgl_config_dump:
 *
 * Returns: (transfer full): the effective configuration as INI text; secrets show as "(set)"
 */
gchar *
pgl_config_dump(const PglConfig *config)
{
	GString *out = g_string_new(NULL);
	const gchar *group = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++) {
		g_autofree gchar *value = value_string(config, &config_keys[i]);

		if (group == NULL || !g_str_equal(group, config_keys[i].group)) {
			group = config_keys[i].group;
			g_string_append_printf(out, "%s[%s]\n", out->len > 0 ? "\n" : "", group);
		}
		g_string_append_printf(out, "%s = %s\n", config_keys[i].key, value);
	}
	return g_string_free(out, FALSE);
}

/**
 * pgl_config_describe_keys:
 *
 * Returns: (transfer full): one line per key, "[group] key = default  # doc", for documentation
 *   and for the test that checks docs/admin.md mentions every key
 */
gchar *
pgl_config_describe_keys(void)
{
	GString *out = g_string_new(NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++) {
		g_autofree gchar *value = default_string(&config_keys[i]);

		g_string_append_printf(out, "[%s] %s = %s\t# %s\n", config_keys[i].group,
				       config_keys[i].key, value, config_keys[i].doc);
	}
	return g_string_free(out, FALSE);
}

const gchar *
pgl_security_to_string(PglSecurity security)
{
	g_return_val_if_fail(security <= PGL_SECURITY_TLS, "none");
	return security_choices[security];
}

/**
 * pgl_config_pgp_key_algorithm:
 * @config: a configuration
 *
 * Returns: (transfer none): [pgp] key_algorithm as its name ("ed25519", "rsa3072" or
 *   "rsa4096"), for pgl_pgp_key_algorithm_from_string()
 */
const gchar *
pgl_config_pgp_key_algorithm(const PglConfig *config)
{
	g_return_val_if_fail(config != NULL, key_algorithm_choices[0]);
	g_return_val_if_fail(config->pgp_key_algorithm < G_N_ELEMENTS(key_algorithm_choices) - 1,
			     key_algorithm_choices[0]);
	return key_algorithm_choices[config->pgp_key_algorithm];
}
