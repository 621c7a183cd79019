/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Notice templates: plain text with $name or ${name} placeholders ($$ is a dollar sign). The
 * built-in templates (data/templates/, compiled in as a GResource) can be overridden one by one by
 * files of the same name in [paths] template_dir. Unknown placeholders are left as they are, so a
 * template with a typo still says something readable. Values are inserted verbatim: callers pass
 * sanitised text (pgl_sanitize()) for anything that came from the network.
 */
#include "core/pgl-template.h"

#include <gio/gio.h>
#include <string.h>

/**
 * pgl_template_substitute:
 * @text: template text
 * @variables: name -> value
 *
 * Returns: (transfer full): @text with its placeholders replaced
 */
gchar *
pgl_template_substitute(const gchar *text, GHashTable *variables)
{
	GString *out = g_string_sized_new(strlen(text) + 64);
	const gchar *p = text;

	while (*p != '\0') {
		const gchar *start;
		g_autofree gchar *name = NULL;
		const gchar *value;
		gboolean braced;

		if (*p != '$') {
			g_string_append_c(out, *p++);
			continue;
		}
		if (p[1] == '$') {
			g_string_append_c(out, '$');
			p += 2;
			continue;
		}
		braced = p[1] == '{';
		start = p + (braced ? 2 : 1);
		{
			const gchar *end = start;

			while (g_ascii_isalnum(*end) || *end == '_')
				end++;
			if (end == start || (braced && *end != '}')) {
				g_string_append_c(out, *p++);
				continue;
			}
			name = g_strndup(start, end - start);
			value = g_hash_table_lookup(variables, name);
			if (value == NULL) {
				g_string_append_c(out, *p++);
				continue;
			}
			g_string_append(out, value);
			p = end + (braced ? 1 : 0);
		}
	}
	return g_string_free(out, FALSE);
}

/**
 * pgl_template_render:
 * @name: template name without ".txt", e.g. "held-poster"
 *
 * Returns: (transfer full) (nullable): the rendered text, or %NULL if no such template exists
 */
gchar *
pgl_template_render(PglContext *ctx, const gchar *name, GHashTable *variables, GError **error)
{
	const gchar *dir = pgl_context_get_config(ctx)->template_dir;
	g_autofree gchar *file_name = g_strdup_printf("%s.txt", name);
	g_autofree gchar *text = NULL;

	if (dir[0] != '\0') {
		g_autofree gchar *path = g_build_filename(dir, file_name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
		    !g_file_get_contents(path, &text, NULL, error))
			return NULL;
	}
	if (text == NULL) {
		g_autofree gchar *resource = g_strdup_printf("/org/pgplist/templates/%s", file_name);
		g_autoptr(GBytes) bytes =
			g_resources_lookup_data(resource, G_RESOURCE_LOOKUP_FLAGS_NONE, error);

		if (bytes == NULL)
			return NULL;
		text = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	}
	return pgl_template_substitute(text, variables);
}
