/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replays fuzz inputs without libFuzzer: each argument is a file or a directory of files, each
 * file one input to LLVMFuzzerTestOneInput(). A crash or sanitizer report fails the test; the
 * exit status is 0 when every input ran. Used by `meson test --suite fuzz` on the committed
 * corpus (tests/fuzz/corpus/<target>/), where every crash a fuzzer ever found is kept.
 */
#include "pgl-fuzz.h"

#include <glib.h>

static gboolean
replay_file(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	gsize length = 0;

	if (!g_file_get_contents(path, &contents, &length, &error)) {
		g_printerr("%s: %s\n", path, error->message);
		return FALSE;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)contents, length);
	g_free(contents);
	return TRUE;
}

int
main(int argc, char **argv)
{
	guint count = 0;

	for (int i = 1; i < argc; i++) {
		if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
			g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
			const gchar *name;

			while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
				g_autofree gchar *path = g_build_filename(argv[i], name, NULL);

				if (!replay_file(path))
					return 1;
				count++;
			}
		} else {
			if (!replay_file(argv[i]))
				return 1;
			count++;
		}
	}
	g_print("replayed %u inputs\n", count);
	return count > 0 ? 0 : 1;
}
