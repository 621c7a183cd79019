/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PGL_CONFIG_ERROR (pgl_config_error_quark())
GQuark pgl_config_error_quark(void);

/**
 * PglConfigError:
 * @PGL_CONFIG_ERROR_READ: the file could not be read or is not valid INI syntax
 * @PGL_CONFIG_ERROR_UNKNOWN_KEY: a group or key pgplist does not know (a typo, most likely)
 * @PGL_CONFIG_ERROR_INVALID: a value of the wrong type, out of range, or not one of the choices
 */
typedef enum {
	PGL_CONFIG_ERROR_READ,
	PGL_CONFIG_ERROR_UNKNOWN_KEY,
	PGL_CONFIG_ERROR_INVALID,
} PglConfigError;

typedef enum {
	PGL_SECURITY_NONE,
	PGL_SECURITY_STARTTLS,
	PGL_SECURITY_TLS,
} PglSecurity;

/**
 * PglConfig:
 *
 * The effective configuration: every field holds the file's value or the documented default.
 * Strings are owned; an empty string means "not set".
 */
typedef struct {
	/* [paths] */
	gchar *var_dir;
	gchar *template_dir;
	/* [database] */
	gchar *db_path;
	guint db_busy_timeout_ms;
	/* [lmtp] */
	gchar *lmtp_host;
	guint lmtp_port;
	gchar *lmtp_hostname;
	/* [smtp] */
	gchar *smtp_host;
	guint smtp_port;
	guint smtp_security; /* PglSecurity */
	gchar *smtp_user;
	gchar *smtp_password;
	gchar *smtp_ca_file;
	gchar *smtp_helo_name;
	guint smtp_timeout;
	/* [mta] */
	guint mta_max_recipients;
	/* [delivery] */
	guint retry_initial_delay;
	guint retry_max_delay;
	guint retry_give_up;
	/* [rest] */
	gchar *rest_host;
	guint rest_port;
	gchar *rest_admin_user;
	gchar *rest_admin_password;
	/* [mail] */
	gchar *site_owner;
	/* [limits] */
	guint lmtp_line_max;
	guint message_max;
	guint header_max;
	guint lmtp_recipients_max;
	guint lmtp_timeout;
	guint lmtp_sessions_max;
	guint mime_depth_max;
	guint mime_parts_max;
	guint max_received;
	guint rest_body_max;
	guint json_depth_max;
	guint command_lines;
	/* [pgp] */
	guint pgp_key_algorithm;     /* index of pgl_config_pgp_key_algorithm() names */
	gchar *pgp_key_passphrase_file;
	guint pgp_signature_window;
	guint pgp_chunk_size;
	/* [workflows] */
	guint workflow_token_lifetime;
} PglConfig;

PglConfig *pgl_config_new_default(void);
PglConfig *pgl_config_load(const gchar *path, GError **error);
void pgl_config_free(PglConfig *config);
gchar *pgl_config_dump(const PglConfig *config);
gchar *pgl_config_describe_keys(void);
const gchar *pgl_security_to_string(PglSecurity security);
const gchar *pgl_config_pgp_key_algorithm(const PglConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglConfig, pgl_config_free)

G_END_DECLS
