/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lists, members and list settings. Every list setting is a row of list_settings[]: its name (the
 * one `pgplist listconf` and the REST API use, after Mailman 3's where one exists), type, default
 * and meaning. The store keeps only settings that differ from the default, as validated strings;
 * rules and handlers read them through the typed getters, which fall back to the table. A value
 * is validated once, when it is set, so a getter never meets garbage.
 */
#include "core/pgl-list.h"

#include "core/pgl-address.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

G_DEFINE_QUARK(pgl-list-error-quark, pgl_list_error)

typedef enum {
	SETTING_BOOL,
	SETTING_UINT,
	SETTING_STRING,	  /* one line */
	SETTING_TEXT,	  /* several lines */
	SETTING_PATTERNS, /* one address or ^regex per line */
	SETTING_HEADER_PATTERNS, /* "Header-Name: regex" per line */
	SETTING_ACTION,	    /* accept|hold|reject|discard */
	SETTING_PGP_ACTION, /* the same, or defer (no decision: the next rule decides) */
	SETTING_ENUM,
	SETTING_PASSWORD, /* stored as a salted hash, never shown */
} SettingType;

typedef struct {
	const gchar *name;
	SettingType type;
	const gchar *default_value;
	const gchar *const *choices; /* SETTING_ENUM */
	const gchar *doc;
} ListSetting;

static const gchar *const reply_choices[] = {"no_munging", "point_to_list", "explicit_header",
					     NULL};
static const gchar *const dmarc_choices[] = {"no_mitigation", "munge_from", NULL};
static const gchar *const unusable_key_choices[] = {"notice", "skip", "plaintext", NULL};

#define DEFAULT_FOOTER                                                                             \
	"_______________________________________________\n"                                       \
	"$display_name mailing list -- $list_address\n"                                            \
	"To unsubscribe send an email to $list_leave"

static const ListSetting list_settings[] = {
	{"display_name", SETTING_STRING, "", NULL,
	 "name shown in the subject prefix and notices; empty means the list name, capitalised"},
	{"description", SETTING_STRING, "", NULL, "one line saying what the list is for"},
	{"info", SETTING_TEXT, "", NULL, "longer description, sent in answer to help requests"},
	{"subject_prefix", SETTING_STRING, "[$display_name] ", NULL,
	 "prefix added to the subject of each post ($display_name is replaced); empty: none"},
	{"emergency", SETTING_BOOL, "false", NULL, "hold every post for the moderators"},
	{"moderator_password", SETTING_PASSWORD, "", NULL,
	 "password that pre-approves a post in an Approved: header; empty disables it"},
	{"default_member_action", SETTING_ACTION, "accept", NULL,
	 "what happens to a post by a member without a moderation action of their own"},
	{"default_nonmember_action", SETTING_ACTION, "hold", NULL,
	 "what happens to a post by a non-member matched by no pattern below"},
	{"accept_these_nonmembers", SETTING_PATTERNS, "", NULL,
	 "non-members whose posts are accepted (address or ^regex per line)"},
	{"hold_these_nonmembers", SETTING_PATTERNS, "", NULL, "non-members whose posts are held"},
	{"reject_these_nonmembers", SETTING_PATTERNS, "", NULL,
	 "non-members whose posts are rejected with a notice"},
	{"discard_these_nonmembers", SETTING_PATTERNS, "", NULL,
	 "non-members whose posts are discarded"},
	{"banned_addresses", SETTING_PATTERNS, "", NULL,
	 "senders who may not post at all (rejected); address or ^regex per line"},
	{"administrivia", SETTING_BOOL, "true", NULL,
	 "hold posts that look like commands (subscribe, unsubscribe...) sent to the list"},
	{"require_explicit_destination", SETTING_BOOL, "true", NULL,
	 "hold posts that do not name the list in To: or Cc: (Bcc spam)"},
	{"acceptable_aliases", SETTING_PATTERNS, "", NULL,
	 "other addresses that count as the list for require_explicit_destination"},
	{"max_num_recipients", SETTING_UINT, "10", NULL,
	 "hold posts with at least this many To:/Cc: addresses; 0: no limit"},
	{"max_message_size", SETTING_UINT, "1024", NULL,
	 "hold posts larger than this many KiB; 0: no limit"},
	{"bounce_matching_headers", SETTING_HEADER_PATTERNS, "", NULL,
	 "hold posts with a header matching \"Header: regex\" (one per line)"},
	{"reply_goes_to_list", SETTING_ENUM, "no_munging", reply_choices,
	 "Reply-To policy: no_munging, point_to_list, or explicit_header (reply_to_address)"},
	{"reply_to_address", SETTING_STRING, "", NULL, "Reply-To for explicit_header"},
	{"first_strip_reply_to", SETTING_BOOL, "false", NULL,
	 "remove the poster's Reply-To before applying the policy"},
	{"include_rfc2369_headers", SETTING_BOOL, "true", NULL,
	 "add List-Help/-Subscribe/-Unsubscribe/-Post/-Owner headers (RFC 2369)"},
	{"allow_list_posts", SETTING_BOOL, "true", NULL,
	 "members may post: List-Post names the list (announce lists say NO)"},
	{"msg_header", SETTING_TEXT, "", NULL, "text put before each post's body"},
	{"msg_footer", SETTING_TEXT, DEFAULT_FOOTER, NULL, "text put after each post's body"},
	{"dmarc_mitigate_action", SETTING_ENUM, "no_mitigation", dmarc_choices,
	 "munge_from: From: becomes the list, the poster moves to Reply-To"},
	{"verp_delivery", SETTING_BOOL, "false", NULL,
	 "one message per member with a per-member envelope sender (VERP)"},
	{"respond_to_post_requests", SETTING_BOOL, "true", NULL,
	 "tell a poster that their post is held for moderation"},
	{"admin_immed_notify", SETTING_BOOL, "true", NULL,
	 "mail the moderators at once when a post is held"},
	{"advertised", SETTING_BOOL, "true", NULL, "show the list in public list indexes"},
	/* PGP lists (names and defaults as mailman-pgp's); plain lists ignore them */
	{"nonencrypted_msg_action", SETTING_PGP_ACTION, "reject", NULL,
	 "PGP lists: a post that is not encrypted to the list key as a whole"},
	{"unsigned_msg_action", SETTING_PGP_ACTION, "reject", NULL,
	 "PGP lists: a post without a signature over its whole content"},
	{"inline_pgp_action", SETTING_PGP_ACTION, "defer", NULL,
	 "PGP lists: a post in inline PGP rather than PGP/MIME (defer: treat it like any other)"},
	{"expired_sig_action", SETTING_PGP_ACTION, "reject", NULL,
	 "PGP lists: signed by an expired key, or the signature expired or is older than the "
	 "freshness window"},
	{"revoked_sig_action", SETTING_PGP_ACTION, "reject", NULL,
	 "PGP lists: signed by a revoked key or revoked signing subkey"},
	{"invalid_sig_action", SETTING_PGP_ACTION, "reject", NULL,
	 "PGP lists: a bad signature, or one by a key that is not the sender's confirmed key"},
	{"duplicate_sig_action", SETTING_PGP_ACTION, "reject", NULL,
	 "PGP lists: a signature the list has seen before (a replayed post)"},
	{"strip_original_sig", SETTING_BOOL, "false", NULL,
	 "PGP lists: deliver the content without the poster's own signature (false: the poster's "
	 "signed part travels inside the encryption, for recipients to check)"},
	{"sign_outgoing", SETTING_BOOL, "true", NULL, "PGP lists: sign what the list sends"},
	{"encrypt_outgoing", SETTING_BOOL, "true", NULL,
	 "PGP lists: encrypt posts to each recipient's key (false: send them signed, in clear)"},
	{"unusable_key_action", SETTING_ENUM, "notice", unusable_key_choices,
	 "PGP lists: what a member without a confirmed, usable key gets instead of a post: notice "
	 "(a signed note that a post was withheld), skip (nothing), or plaintext (the post, signed, "
	 "unencrypted)"},
	{"signature_window", SETTING_UINT, "0", NULL,
	 "PGP lists: refuse signatures made more than this many seconds ago (or ahead); 0: the "
	 "site's [pgp] signature_window"},
};

static const ListSetting *
find_setting(const gchar *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(list_settings); i++) {
		if (g_str_equal(list_settings[i].name, name))
			return &list_settings[i];
	}
	return NULL;
}

/**
 * pgl_list_new:
 *
 * Returns: (transfer full): a list with no settings set (all defaults)
 */
PglList *
pgl_list_new(gint64 id, const gchar *name, const gchar *domain)
{
	PglList *list = g_new0(PglList, 1);

	list->id = id;
	list->name = g_strdup(name);
	list->domain = g_strdup(domain);
	list->address = g_strdup_printf("%s@%s", name, domain);
	list->settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return list;
}

void
pgl_list_free(PglList *list)
{
	if (list == NULL)
		return;
	g_free(list->name);
	g_free(list->domain);
	g_free(list->address);
	g_hash_table_unref(list->settings);
	g_free(list);
}

/**
 * pgl_list_suffixes:
 *
 * Returns: (transfer none): the suffixes of a list's sub-addresses ("-request", ...), each
 *   answering at NAME-SUFFIX@DOMAIN, %NULL-terminated
 */
const gchar *const *
pgl_list_suffixes(void)
{
	static const gchar *const suffixes[] = {"-request", "-owner", "-bounces", "-join",
						"-leave",   "-confirm", NULL};

	return suffixes;
}

/**
 * pgl_list_is_own_address:
 * @address: a normalised address
 *
 * Returns: %TRUE if @address is the list's posting address or one of its sub-addresses
 *   (with or without a +extension): mail to it comes back to the list itself
 */
gboolean
pgl_list_is_own_address(const PglList *list, const gchar *address)
{
	g_autofree gchar *local = NULL;
	g_autofree gchar *domain = NULL;
	const gchar *const *suffixes = pgl_list_suffixes();
	gchar *plus;

	if (!pgl_address_split(address, &local, &domain) ||
	    g_ascii_strcasecmp(domain, list->domain) != 0)
		return FALSE;
	plus = strchr(local, '+');
	if (plus != NULL)
		*plus = '\0';
	if (g_ascii_strcasecmp(local, list->name) == 0)
		return TRUE;
	for (guint i = 0; suffixes[i] != NULL; i++) {
		g_autofree gchar *sub = g_strconcat(list->name, suffixes[i], NULL);

		if (g_ascii_strcasecmp(local, sub) == 0)
			return TRUE;
	}
	return FALSE;
}

/**
 * pgl_list_parse_address:
 * @address: "name@domain" as given by a user
 * @name_out: (out) (transfer full): the list name
 * @domain_out: (out) (transfer full): the domain
 * @error: return location for a #GError (%PGL_LIST_ERROR_INVALID_NAME)
 *
 * A list name may not end in one of the sub-address suffixes (-request, -owner...) nor contain
 * '+', which pgplist uses for VERP and confirmation tokens.
 */
gboolean
pgl_list_parse_address(const gchar *address, gchar **name_out, gchar **domain_out,
		       GError **error)
{
	const gchar *const *reserved = pgl_list_suffixes();
	g_autofree gchar *normal = pgl_address_normalize(address, NULL);
	g_autofree gchar *name = NULL;
	g_autofree gchar *domain = NULL;

	if (normal == NULL || !pgl_address_split(normal, &name, &domain) ||
	    strchr(name, '+') != NULL) {
		g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_NAME,
			    "\"%s\" is not a valid list address (want name@domain.tld, no '+')",
			    address);
		return FALSE;
	}
	for (guint i = 0; reserved[i] != NULL; i++) {
		if (g_str_has_suffix(name, reserved[i])) {
			g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_NAME,
				    "a list name may not end in %s", reserved[i]);
			return FALSE;
		}
	}
	*name_out = g_steal_pointer(&name);
	*domain_out = g_steal_pointer(&domain);
	return TRUE;
}

/**
 * pgl_list_get:
 *
 * Returns: (transfer none): the setting's value, or its default
 */
const gchar *
pgl_list_get(const PglList *list, const gchar *setting)
{
	const ListSetting *entry = find_setting(setting);
	const gchar *value;

	g_return_val_if_fail(entry != NULL, "");
	value = g_hash_table_lookup(list->settings, setting);
	return value != NULL ? value : entry->default_value;
}

gboolean
pgl_list_get_bool(const PglList *list, const gchar *setting)
{
	return g_str_equal(pgl_list_get(list, setting), "true");
}

guint
pgl_list_get_uint(const PglList *list, const gchar *setting)
{
	return (guint)g_ascii_strtoull(pgl_list_get(list, setting), NULL, 10);
}

PglAction
pgl_list_get_action(const PglList *list, const gchar *setting)
{
	PglAction action = PGL_ACTION_HOLD;

	/* Values were validated when set; holding is the safe fallback all the same. */
	if (!pgl_action_from_string(pgl_list_get(list, setting), &action))
		return PGL_ACTION_HOLD;
	return action;
}

/**
 * pgl_list_get_patterns:
 *
 * Returns: (transfer full): the setting's non-empty lines, stripped
 */
GStrv
pgl_list_get_patterns(const PglList *list, const gchar *setting)
{
	g_auto(GStrv) lines = g_strsplit(pgl_list_get(list, setting), "\n", -1);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (guint i = 0; lines[i] != NULL; i++) {
		g_strstrip(lines[i]);
		if (lines[i][0] != '\0')
			g_strv_builder_add(builder, lines[i]);
	}
	return g_strv_builder_end(builder);
}

/**
 * pgl_list_get_display_name:
 *
 * Returns: (transfer full): display_name, or the list name with a capital first letter
 */
gchar *
pgl_list_get_display_name(const PglList *list)
{
	const gchar *name = pgl_list_get(list, "display_name");
	gchar *result;

	if (name[0] != '\0')
		return g_strdup(name);
	result = g_strdup(list->name);
	result[0] = g_ascii_toupper(result[0]);
	return result;
}

/**
 * pgl_list_subaddress:
 * @suffix: "request", "owner", "bounces", "join", "leave" or "confirm"
 *
 * Returns: (transfer full): NAME-SUFFIX@DOMAIN
 */
gchar *
pgl_list_subaddress(const PglList *list, const gchar *suffix)
{
	return g_strdup_printf("%s-%s@%s", list->name, suffix, list->domain);
}

gboolean
pgl_list_setting_exists(const gchar *setting)
{
	return find_setting(setting) != NULL;
}

const gchar *
pgl_list_setting_default(const gchar *setting)
{
	const ListSetting *entry = find_setting(setting);

	return entry != NULL ? entry->default_value : NULL;
}

gboolean
pgl_list_setting_is_secret(const gchar *setting)
{
	const ListSetting *entry = find_setting(setting);

	return entry != NULL && entry->type == SETTING_PASSWORD;
}

/**
 * pgl_list_setting_names:
 *
 * Returns: (transfer none): all setting names, %NULL-terminated
 */
const gchar *const *
pgl_list_setting_names(void)
{
	static const gchar *names[G_N_ELEMENTS(list_settings) + 1];
	static gsize initialised = 0;

	if (g_once_init_enter(&initialised)) {
		for (gsize i = 0; i < G_N_ELEMENTS(list_settings); i++)
			names[i] = list_settings[i].name;
		g_once_init_leave(&initialised, 1);
	}
	return names;
}

/* XXX: one HMAC-SHA256 round is fast to brute-force if the database leaks; none of our
 * dependencies offers a slow KDF (PBKDF2/Argon2). The moderator password only pre-approves posts,
 * and the database is readable by the daemon's user only. */
static gchar *
hash_password(const gchar *salt, const gchar *password)
{
	g_autofree gchar *digest = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)salt,
							     strlen(salt), password, -1);

	return g_strdup_printf("hmac-sha256$%s$%s", salt, digest);
}

static gboolean
validate_regex_lines(const gchar *value, gboolean headers, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(value, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *pattern = g_strstrip(lines[i]);
		g_autoptr(GRegex) regex = NULL;
		g_autoptr(GError) local_error = NULL;

		if (pattern[0] == '\0')
			continue;
		if (headers) {
			const gchar *colon = strchr(pattern, ':');

			if (colon == NULL || colon == pattern) {
				g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_VALUE,
					    "line %u: want \"Header-Name: regex\"", i + 1);
				return FALSE;
			}
			pattern = colon + 1;
			while (*pattern == ' ' || *pattern == '\t')
				pattern++;
		} else if (pattern[0] != '^') {
			if (strchr(pattern, '@') == NULL) {
				g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_VALUE,
					    "line %u: \"%s\" is neither an address nor a ^regex",
					    i + 1, pattern);
				return FALSE;
			}
			continue;
		}
		regex = g_regex_new(pattern, G_REGEX_CASELESS, 0, &local_error);
		if (regex == NULL) {
			g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_VALUE,
				    "line %u: %s", i + 1, local_error->message);
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * pgl_list_setting_validate:
 * @setting: a setting name
 * @value: the value as a user typed it ("yes"/"no"/"1"/"0" accepted for booleans)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the value in the form the store keeps (booleans
 *   "true"/"false", passwords hashed), or %NULL with @error set
 */
gchar *
pgl_list_setting_validate(const gchar *setting, const gchar *value, GError **error)
{
	const ListSetting *entry = find_setting(setting);

	if (entry == NULL) {
		g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_UNKNOWN_SETTING,
			    "no list setting named \"%s\"", setting);
		return NULL;
	}
	if (!g_utf8_validate(value, -1, NULL)) {
		g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_VALUE,
			    "%s: value is not UTF-8", setting);
		return NULL;
	}
	switch (entry->type) {
	case SETTING_BOOL:
		if (g_ascii_strcasecmp(value, "true") == 0 || g_ascii_strcasecmp(value, "yes") == 0 ||
		    g_str_equal(value, "1"))
			return g_strdup("true");
		if (g_ascii_strcasecmp(value, "false") == 0 || g_ascii_strcasecmp(value, "no") == 0 ||
		    g_str_equal(value, "0"))
			return g_strdup("false");
		break;
	case SETTING_UINT: {
		guint64 number;

		if (g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT32, &number, NULL))
			return g_strdup_printf("%" G_GUINT64_FORMAT, number);
		break;
	}
	case SETTING_STRING:
		if (strpbrk(value, "\r\n") == NULL)
			return g_strdup(value);
		break;
	case SETTING_TEXT:
		return g_strdup(value);
	case SETTING_PATTERNS:
	case SETTING_HEADER_PATTERNS:
		if (!validate_regex_lines(value, entry->type == SETTING_HEADER_PATTERNS, error)) {
			g_prefix_error(error, "%s: ", setting);
			return NULL;
		}
		return g_strdup(value);
	case SETTING_ACTION: {
		PglAction action;

		if (pgl_action_from_string(value, &action) && action != PGL_ACTION_DEFER)
			return g_strdup(value);
		g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_VALUE,
			    "%s: \"%s\" is not one of accept|hold|reject|discard", setting, value);
		return NULL;
	}
	case SETTING_PGP_ACTION: {
		PglAction action;

		if (pgl_action_from_string(value, &action))
			return g_strdup(value);
		g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_VALUE,
			    "%s: \"%s\" is not one of accept|hold|reject|discard|defer", setting,
			    value);
		return NULL;
	}
	case SETTING_ENUM:
		if (g_strv_contains(entry->choices, value))
			return g_strdup(value);
		{
			g_autofree gchar *choices = g_strjoinv("|", (gchar **)entry->choices);
			g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_VALUE,
				    "%s: \"%s\" is not one of %s", setting, value, choices);
		}
		return NULL;
	case SETTING_PASSWORD: {
		g_autofree gchar *salt = NULL;
		guint8 raw[16];

		if (value[0] == '\0')
			return g_strdup("");
		if (getrandom(raw, sizeof raw, 0) != sizeof raw) {
			g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_VALUE,
				    "%s: no random numbers for the salt: %s", setting,
				    g_strerror(errno));
			return NULL;
		}
		salt = g_base64_encode(raw, sizeof raw);
		return hash_password(salt, value);
	}
	default:
		g_assert_not_reached();
	}
	g_set_error(error, PGL_LIST_ERROR, PGL_LIST_ERROR_INVALID_VALUE,
		    "%s: \"%s\" is not a valid value", setting, value);
	return NULL;
}

/**
 * pgl_list_check_password:
 *
 * Returns: %TRUE if @password matches the hashed password setting (never for an empty one)
 */
gboolean
pgl_list_check_password(const PglList *list, const gchar *setting, const gchar *password)
{
	const gchar *stored = pgl_list_get(list, setting);
	g_auto(GStrv) parts = g_strsplit(stored, "$", 3);
	g_autofree gchar *computed = NULL;
	guint8 diff = 0;

	if (g_strv_length(parts) != 3 || password == NULL || password[0] == '\0')
		return FALSE;
	computed = hash_password(parts[1], password);
	if (strlen(computed) != strlen(stored))
		return FALSE;
	/* constant time: the Approved: header comes from the network */
	for (gsize i = 0; stored[i] != '\0'; i++)
		diff |= (guint8)(stored[i] ^ computed[i]);
	return diff == 0;
}

/**
 * pgl_list_apply_style:
 * @settings: a table of settings to fill (name -> value)
 *
 * Sets what a list style changes from the defaults. An announce list holds posts by members
 * (owners and moderators still post freely) and advertises no List-Post. The pgp- styles set
 * what their plain counterparts set; what makes them PGP lists is their key pair, which the
 * caller generates (pgl_list_style_is_pgp()).
 */
void
pgl_list_apply_style(GHashTable *settings, PglListStyle style)
{
	switch (style) {
	case PGL_LIST_STYLE_DISCUSSION:
	case PGL_LIST_STYLE_PGP_DISCUSSION:
		break;
	case PGL_LIST_STYLE_ANNOUNCE:
	case PGL_LIST_STYLE_PGP_ANNOUNCE:
		g_hash_table_insert(settings, g_strdup("default_member_action"), g_strdup("hold"));
		g_hash_table_insert(settings, g_strdup("allow_list_posts"), g_strdup("false"));
		break;
	default:
		g_assert_not_reached();
	}
}

static const gchar *const style_names[] = {"discussion", "announce", "pgp-discussion",
					   "pgp-announce", NULL};

/**
 * pgl_list_style_from_string:
 * @text: (nullable): "discussion", "announce", "pgp-discussion" or "pgp-announce"
 * @style_out: (out): the style
 *
 * Returns: %TRUE if @text names a style
 */
gboolean
pgl_list_style_from_string(const gchar *text, PglListStyle *style_out)
{
	for (guint i = 0; style_names[i] != NULL; i++) {
		if (g_strcmp0(text, style_names[i]) == 0) {
			*style_out = (PglListStyle)i;
			return TRUE;
		}
	}
	return FALSE;
}

/**
 * pgl_list_style_is_pgp:
 *
 * Returns: %TRUE for the styles of PGP-enabled lists, which get a key pair at creation
 */
gboolean
pgl_list_style_is_pgp(PglListStyle style)
{
	switch (style) {
	case PGL_LIST_STYLE_DISCUSSION:
	case PGL_LIST_STYLE_ANNOUNCE:
		return FALSE;
	case PGL_LIST_STYLE_PGP_DISCUSSION:
	case PGL_LIST_STYLE_PGP_ANNOUNCE:
		return TRUE;
	default:
		g_return_val_if_reached(FALSE);
	}
}

static const gchar *const action_names[] = {"defer", "accept", "hold", "reject", "discard", NULL};
static const gchar *const role_names[] = {"member", "owner", "moderator", "nonmember", NULL};

const gchar *
pgl_action_to_string(PglAction action)
{
	g_return_val_if_fail(action <= PGL_ACTION_DISCARD, "hold");
	return action_names[action];
}

gboolean
pgl_action_from_string(const gchar *text, PglAction *action_out)
{
	for (guint i = 0; action_names[i] != NULL; i++) {
		if (g_strcmp0(text, action_names[i]) == 0) {
			*action_out = (PglAction)i;
			return TRUE;
		}
	}
	return FALSE;
}

const gchar *
pgl_role_to_string(PglRole role)
{
	g_return_val_if_fail(role <= PGL_ROLE_NONMEMBER, "member");
	return role_names[role];
}

gboolean
pgl_role_from_string(const gchar *text, PglRole *role_out)
{
	for (guint i = 0; role_names[i] != NULL; i++) {
		if (g_strcmp0(text, role_names[i]) == 0) {
			*role_out = (PglRole)i;
			return TRUE;
		}
	}
	return FALSE;
}

PglMember *
pgl_member_new(void)
{
	PglMember *member = g_new0(PglMember, 1);

	member->delivery_enabled = TRUE;
	return member;
}

void
pgl_member_free(PglMember *member)
{
	if (member == NULL)
		return;
	g_free(member->address);
	g_free(member->display_name);
	g_free(member);
}
