/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PGL_LIST_ERROR (pgl_list_error_quark())
GQuark pgl_list_error_quark(void);

/**
 * PglListError:
 * @PGL_LIST_ERROR_UNKNOWN_SETTING: no list setting has that name
 * @PGL_LIST_ERROR_INVALID_VALUE: the value does not fit the setting's type or choices
 * @PGL_LIST_ERROR_INVALID_NAME: not a usable list address
 */
typedef enum {
	PGL_LIST_ERROR_UNKNOWN_SETTING,
	PGL_LIST_ERROR_INVALID_VALUE,
	PGL_LIST_ERROR_INVALID_NAME,
} PglListError;

/**
 * PglAction:
 * @PGL_ACTION_DEFER: no decision; the next rule decides (also "use the list default" for a member)
 * @PGL_ACTION_ACCEPT: accept the post
 * @PGL_ACTION_HOLD: hold it for the moderators
 * @PGL_ACTION_REJECT: refuse it with a notice to the sender
 * @PGL_ACTION_DISCARD: drop it without a notice (logged)
 */
typedef enum {
	PGL_ACTION_DEFER,
	PGL_ACTION_ACCEPT,
	PGL_ACTION_HOLD,
	PGL_ACTION_REJECT,
	PGL_ACTION_DISCARD,
} PglAction;

typedef enum {
	PGL_ROLE_MEMBER,
	PGL_ROLE_OWNER,
	PGL_ROLE_MODERATOR,
	PGL_ROLE_NONMEMBER,
} PglRole;

/**
 * PglListStyle:
 * @PGL_LIST_STYLE_DISCUSSION: members post freely
 * @PGL_LIST_STYLE_ANNOUNCE: members' posts are held; owners and moderators post
 * @PGL_LIST_STYLE_PGP_DISCUSSION: a discussion list that is PGP-enabled (a key pair is
 *   generated for it at creation)
 * @PGL_LIST_STYLE_PGP_ANNOUNCE: an announce list that is PGP-enabled
 *
 * The styles `pgplist create --style` offers: settings away from the defaults, and for the
 * pgp- ones a key pair (pgl_list_style_is_pgp()).
 */
typedef enum {
	PGL_LIST_STYLE_DISCUSSION,
	PGL_LIST_STYLE_ANNOUNCE,
	PGL_LIST_STYLE_PGP_DISCUSSION,
	PGL_LIST_STYLE_PGP_ANNOUNCE,
} PglListStyle;

/**
 * PglList:
 *
 * A mailing list: its identity and its settings (as validated strings; typed getters below).
 */
typedef struct {
	gint64 id;
	gchar *name;	     /* (owned) local part, lower case */
	gchar *domain;	     /* (owned) lower case */
	gchar *address;	     /* (owned) name@domain */
	GHashTable *settings; /* (owned) setting name -> value, only those set away from default */
} PglList;

/**
 * PglMember:
 *
 * One address's role on one list.
 */
typedef struct {
	gint64 id;
	gint64 list_id;
	gchar *address;		     /* (owned) normalised */
	gchar *display_name;	     /* (owned) (nullable) */
	PglRole role;
	PglAction moderation_action; /* DEFER: the list's default for the role */
	gboolean delivery_enabled;
	gint64 created;
} PglMember;

PglList *pgl_list_new(gint64 id, const gchar *name, const gchar *domain);
void pgl_list_free(PglList *list);
const gchar *const *pgl_list_suffixes(void);
gboolean pgl_list_is_own_address(const PglList *list, const gchar *address);
gboolean pgl_list_parse_address(const gchar *address, gchar **name_out, gchar **domain_out,
				GError **error);

const gchar *pgl_list_get(const PglList *list, const gchar *setting);
gboolean pgl_list_get_bool(const PglList *list, const gchar *setting);
guint pgl_list_get_uint(const PglList *list, const gchar *setting);
PglAction pgl_list_get_action(const PglList *list, const gchar *setting);
GStrv pgl_list_get_patterns(const PglList *list, const gchar *setting);
gchar *pgl_list_get_display_name(const PglList *list);
gchar *pgl_list_subaddress(const PglList *list, const gchar *suffix);

gboolean pgl_list_setting_exists(const gchar *setting);
gchar *pgl_list_setting_validate(const gchar *setting, const gchar *value, GError **error);
const gchar *const *pgl_list_setting_names(void);
const gchar *pgl_list_setting_default(const gchar *setting);
gboolean pgl_list_setting_is_secret(const gchar *setting);
gboolean pgl_list_check_password(const PglList *list, const gchar *setting, const gchar *password);
void pgl_list_apply_style(GHashTable *settings, PglListStyle style);
gboolean pgl_list_style_from_string(const gchar *text, PglListStyle *style_out);
gboolean pgl_list_style_is_pgp(PglListStyle style);

const gchar *pgl_action_to_string(PglAction action);
gboolean pgl_action_from_string(const gchar *text, PglAction *action_out);
const gchar *pgl_role_to_string(PglRole role);
gboolean pgl_role_from_string(const gchar *text, PglRole *role_out);

PglMember *pgl_member_new(void);
void pgl_member_free(PglMember *member);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglList, pgl_list_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglMember, pgl_member_free)

G_END_DECLS
