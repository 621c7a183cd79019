/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The context every constructor takes instead of globals (STYLE.md §5): the effective
 * configuration and the paths derived from it. Immutable once built, reference counted and so
 * shared freely between threads; a configuration reload builds a new one.
 */
#include "core/pgl-context.h"

#include <glib/gstdio.h>

struct _PglContext {
	PglConfig *config; /* (owned) */
	gchar *var_dir;	   /* (owned) absolute */
	gchar *db_path;	   /* (owned) absolute */
	gchar *queue_dir;  /* (owned) absolute */
	gchar *hostname;   /* (owned) */
};

static void
context_clear(PglContext *ctx)
{
	g_clear_pointer(&ctx->config, pgl_config_free);
	g_free(ctx->var_dir);
	g_free(ctx->db_path);
	g_free(ctx->queue_dir);
	g_free(ctx->hostname);
}

/**
 * pgl_context_new:
 * @config: (transfer full): the effective configuration
 * @error: return location for a #GError
 *
 * Resolves the paths of @config (relative ones against the current directory) and creates the
 * var directory (mode 0700: it holds the database and mail in transit).
 *
 * Returns: (transfer full) (nullable): the context
 */
PglContext *
pgl_context_new(PglConfig *config, GError **error)
{
	PglContext *ctx = g_atomic_rc_box_new0(PglContext);

	ctx->config = config;
	ctx->var_dir = g_canonicalize_filename(config->var_dir, NULL);
	ctx->db_path = config->db_path[0] != '\0'
			       ? g_canonicalize_filename(config->db_path, NULL)
			       : g_build_filename(ctx->var_dir, "pgplist.db", NULL);
	ctx->queue_dir = g_build_filename(ctx->var_dir, "queue", NULL);
	ctx->hostname = g_strdup(config->lmtp_hostname[0] != '\0' ? config->lmtp_hostname
								  : g_get_host_name());
	if (g_mkdir_with_parents(ctx->var_dir, 0700) != 0) {
		int saved_errno = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
			    "cannot create %s: %s", ctx->var_dir, g_strerror(saved_errno));
		pgl_context_unref(ctx);
		return NULL;
	}
	return ctx;
}

PglContext *
pgl_context_ref(PglContext *ctx)
{
	return g_atomic_rc_box_acquire(ctx);
}

void
pgl_context_unref(PglContext *ctx)
{
	g_atomic_rc_box_release_full(ctx, (GDestroyNotify)context_clear);
}

const PglConfig *
pgl_context_get_config(PglContext *ctx)
{
	return ctx->config;
}

const gchar *
pgl_context_get_var_dir(PglContext *ctx)
{
	return ctx->var_dir;
}

const gchar *
pgl_context_get_db_path(PglContext *ctx)
{
	return ctx->db_path;
}

const gchar *
pgl_context_get_queue_dir(PglContext *ctx)
{
	return ctx->queue_dir;
}

const gchar *
pgl_context_get_hostname(PglContext *ctx)
{
	return ctx->hostname;
}

/**
 * pgl_context_now:
 *
 * Returns: the current time in seconds since the epoch; every time pgplist stores or compares
 *   comes from here
 */
gint64
pgl_context_now(PglContext *ctx)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}
