/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The spool: one directory per queue under VAR/queue/, one file per message holding its
 * metadata and the message itself (DESIGN.md §6). The invariants that make it crash-safe:
 *
 *  - A file appears under its final name only complete and on disk: it is written as
 *    ".ID.tmp", fsynced, renamed to "ID.msg", and the directory is fsynced. A crash leaves at
 *    worst a stray ".tmp" file, never half a message.
 *  - A runner claims a message by renaming "ID.msg" to "ID.work"; rename is atomic, so two
 *    runners never get the same message. pgl_spool_recover() renames ".work" files back on
 *    start-up: whatever a killed daemon was doing is done again.
 *  - A runner removes its ".work" file only after everything it produced is itself durable
 *    (in the next queue, or the database). So a message is never lost; at worst a stage is
 *    repeated after a crash, and the stages make repetition harmless where it matters
 *    (delivery records what it has sent per spool id).
 *
 * File format: the line "pgplist-spool 1", then "key value" lines (value escaped with
 * g_strescape, so it may hold any text), "rcpt ADDRESS" lines, an empty line, the message.
 */
#include "queue/pgl-spool.h"

#include "core/pgl-limits.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(pgl-spool-error-quark, pgl_spool_error)

#define SPOOL_MAGIC "pgplist-spool 1\n"

static const gchar *const queue_names[] = {PGL_QUEUE_IN,  PGL_QUEUE_COMMAND, PGL_QUEUE_PIPELINE,
					   PGL_QUEUE_OUT, PGL_QUEUE_RETRY,   PGL_QUEUE_BAD,
					   NULL};

struct _PglSpool {
	PglContext *ctx;  /* (owned) */
	GHashTable *dirs; /* (owned) queue -> directory */
};

static gboolean
set_io_error(GError **error, const gchar *what, const gchar *path)
{
	int saved_errno = errno;

	g_set_error(error, PGL_SPOOL_ERROR,
		    saved_errno == ENOENT ? PGL_SPOOL_ERROR_NOT_FOUND : PGL_SPOOL_ERROR_IO,
		    "%s %s: %s", what, path, g_strerror(saved_errno));
	return FALSE;
}

/**
 * pgl_spool_queue_names:
 *
 * Returns: (transfer none): every queue's name, in the order mail flows, %NULL-terminated
 */
const gchar *const *
pgl_spool_queue_names(void)
{
	return queue_names;
}

/**
 * pgl_spool_new:
 *
 * Creates the queue directories (mode 0700) if needed.
 *
 * Returns: (transfer full) (nullable): the spool
 */
PglSpool *
pgl_spool_new(PglContext *ctx, GError **error)
{
	g_autoptr(PglSpool) spool = g_new0(PglSpool, 1);

	spool->ctx = pgl_context_ref(ctx);
	spool->dirs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	for (guint i = 0; queue_names[i] != NULL; i++) {
		gchar *dir = g_build_filename(pgl_context_get_queue_dir(ctx), queue_names[i], NULL);

		g_hash_table_insert(spool->dirs, (gpointer)queue_names[i], dir);
		if (g_mkdir_with_parents(dir, 0700) != 0) {
			set_io_error(error, "cannot create", dir);
			return NULL;
		}
	}
	return g_steal_pointer(&spool);
}

void
pgl_spool_free(PglSpool *spool)
{
	if (spool == NULL)
		return;
	g_clear_pointer(&spool->ctx, pgl_context_unref);
	g_clear_pointer(&spool->dirs, g_hash_table_unref);
	g_free(spool);
}

/**
 * pgl_spool_get_dir:
 *
 * Returns: (transfer none): the directory of @queue
 */
const gchar *
pgl_spool_get_dir(PglSpool *spool, const gchar *queue)
{
	const gchar *dir = g_hash_table_lookup(spool->dirs, queue);

	g_return_val_if_fail(dir != NULL, NULL);
	return dir;
}

/**
 * pgl_spool_entry_new:
 * @queue: (nullable): queue name, for messages
 * @message: (nullable): the message; a reference is taken
 *
 * Returns: (transfer full): an entry without id (one is assigned when it is enqueued)
 */
PglSpoolEntry *
pgl_spool_entry_new(const gchar *queue, GBytes *message)
{
	PglSpoolEntry *entry = g_new0(PglSpoolEntry, 1);

	entry->queue = g_strdup(queue);
	entry->meta = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	entry->recipients = g_ptr_array_new_with_free_func(g_free);
	entry->message = message != NULL ? g_bytes_ref(message) : NULL;
	return entry;
}

void
pgl_spool_entry_free(PglSpoolEntry *entry)
{
	if (entry == NULL)
		return;
	g_free(entry->queue);
	g_free(entry->id);
	g_hash_table_unref(entry->meta);
	g_ptr_array_unref(entry->recipients);
	g_clear_pointer(&entry->message, g_bytes_unref);
	g_free(entry);
}

static gboolean
key_ok(const gchar *key)
{
	if (key[0] == '\0')
		return FALSE;
	for (const gchar *p = key; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
			return FALSE;
	}
	return TRUE;
}

const gchar *
pgl_spool_entry_get(PglSpoolEntry *entry, const gchar *key)
{
	return g_hash_table_lookup(entry->meta, key);
}

/**
 * pgl_spool_entry_set:
 * @key: a short ASCII word ([a-z0-9_-])
 * @value: (nullable): any text; %NULL removes the key
 */
void
pgl_spool_entry_set(PglSpoolEntry *entry, const gchar *key, const gchar *value)
{
	/* "rcpt" lines are the recipients list */
	g_return_if_fail(key_ok(key) && !g_str_equal(key, "rcpt"));
	if (value == NULL)
		g_hash_table_remove(entry->meta, key);
	else
		g_hash_table_insert(entry->meta, g_strdup(key), g_strdup(value));
}

gint64
pgl_spool_entry_get_int(PglSpoolEntry *entry, const gchar *key, gint64 fallback)
{
	const gchar *value = pgl_spool_entry_get(entry, key);
	gint64 number;

	if (value == NULL || !g_ascii_string_to_signed(value, 10, G_MININT64, G_MAXINT64, &number,
						       NULL))
		return fallback;
	return number;
}

void
pgl_spool_entry_set_int(PglSpoolEntry *entry, const gchar *key, gint64 value)
{
	g_autofree gchar *text = g_strdup_printf("%" G_GINT64_FORMAT, value);

	pgl_spool_entry_set(entry, key, text);
}

/**
 * pgl_spool_new_id:
 *
 * Returns: (transfer full): a fresh id: the time in microseconds (so ids sort by arrival) and
 *   64 random bits
 */
gchar *
pgl_spool_new_id(void)
{
	return g_strdup_printf("%016" G_GINT64_MODIFIER "x-%08x%08x", g_get_real_time(),
			       g_random_int(), g_random_int());
}

static gboolean
write_all(int fd, const guint8 *data, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return FALSE;
		}
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

static gboolean
fsync_dir(const gchar *dir, GError **error)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	gboolean ok;

	if (fd < 0)
		return set_io_error(error, "cannot open", dir);
	ok = fsync(fd) == 0;
	if (!ok)
		set_io_error(error, "cannot fsync", dir);
	close(fd);
	return ok;
}

/**
 * pgl_spool_enqueue:
 * @queue: the queue to put @entry in
 * @entry: the entry; if it has no id, a new one is assigned (and kept in @entry->id). An entry
 *   enqueued again under the same id replaces the earlier file atomically. A claimed entry may
 *   be enqueued elsewhere under its id (moved to the next stage) and then finished.
 *
 * Returns only once the file is durable (written, fsynced, renamed, directory fsynced).
 */
gboolean
pgl_spool_enqueue(PglSpool *spool, const gchar *queue, PglSpoolEntry *entry, GError **error)
{
	const gchar *dir = pgl_spool_get_dir(spool, queue);
	g_autoptr(GString) head = g_string_new(SPOOL_MAGIC);
	g_autofree gchar *tmp_path = NULL;
	g_autofree gchar *final_path = NULL;
	g_autofree gchar *tmp_name = NULL;
	g_autofree gchar *final_name = NULL;
	GHashTableIter iter;
	gpointer key, value;
	gsize size = 0;
	const guint8 *data;
	int fd;

	g_return_val_if_fail(dir != NULL, FALSE);
	g_return_val_if_fail(entry->message != NULL, FALSE);
	/* entry->queue stays what it was: a claimed entry may be copied to another queue and
	 * must still be finished in its own */
	if (entry->id == NULL)
		entry->id = pgl_spool_new_id();

	g_hash_table_iter_init(&iter, entry->meta);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		g_autofree gchar *escaped = g_strescape(value, NULL);

		g_return_val_if_fail(key_ok(key), FALSE);
		g_string_append_printf(head, "%s %s\n", (const gchar *)key, escaped);
	}
	for (guint i = 0; i < entry->recipients->len; i++) {
		const gchar *rcpt = g_ptr_array_index(entry->recipients, i);

		g_return_val_if_fail(strpbrk(rcpt, "\r\n ") == NULL, FALSE);
		g_string_append_printf(head, "rcpt %s\n", rcpt);
	}
	g_string_append_c(head, '\n');

	tmp_name = g_strdup_printf(".%s.tmp", entry->id);
	final_name = g_strdup_printf("%s.msg", entry->id);
	tmp_path = g_build_filename(dir, tmp_name, NULL);
	final_path = g_build_filename(dir, final_name, NULL);
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return set_io_error(error, "cannot create", tmp_path);
	data = g_bytes_get_data(entry->message, &size);
	if (!write_all(fd, (const guint8 *)head->str, head->len) || !write_all(fd, data, size) ||
	    fsync(fd) != 0) {
		set_io_error(error, "cannot write", tmp_path);
		close(fd);
		g_unlink(tmp_path);
		return FALSE;
	}
	if (close(fd) != 0) {
		set_io_error(error, "cannot close", tmp_path);
		g_unlink(tmp_path);
		return FALSE;
	}
	if (g_rename(tmp_path, final_path) != 0) {
		set_io_error(error, "cannot rename", tmp_path);
		g_unlink(tmp_path);
		return FALSE;
	}
	return fsync_dir(dir, error);
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

/**
 * pgl_spool_list:
 *
 * Returns: (transfer full) (element-type utf8): ids of the waiting (unclaimed) messages of
 *   @queue, oldest first
 */
GPtrArray *
pgl_spool_list(PglSpool *spool, const gchar *queue, GError **error)
{
	const gchar *dir_path = pgl_spool_get_dir(spool, queue);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, error);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	if (dir == NULL)
		return NULL;
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (name[0] != '.' && g_str_has_suffix(name, ".msg"))
			g_ptr_array_add(ids, g_strndup(name, strlen(name) - 4));
	}
	g_ptr_array_sort(ids, compare_strings);
	return g_steal_pointer(&ids);
}

static gboolean
parse_entry(PglSpoolEntry *entry, const gchar *data, gsize size, GError **error)
{
	const gchar *p = data;
	const gchar *end = data + size;

	if (size < strlen(SPOOL_MAGIC) || memcmp(data, SPOOL_MAGIC, strlen(SPOOL_MAGIC)) != 0) {
		g_set_error_literal(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_CORRUPT,
				    "not a pgplist spool file");
		return FALSE;
	}
	p += strlen(SPOOL_MAGIC);
	for (;;) {
		const gchar *eol = memchr(p, '\n', end - p);
		const gchar *space;
		g_autofree gchar *key = NULL;
		g_autofree gchar *raw_value = NULL;

		if (eol == NULL) {
			g_set_error_literal(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_CORRUPT,
					    "spool file ends inside its metadata");
			return FALSE;
		}
		if (eol == p) {
			p = eol + 1;
			break;
		}
		space = memchr(p, ' ', eol - p);
		if (space == NULL) {
			g_set_error_literal(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_CORRUPT,
					    "malformed metadata line in spool file");
			return FALSE;
		}
		key = g_strndup(p, space - p);
		raw_value = g_strndup(space + 1, eol - space - 1);
		if (g_str_equal(key, "rcpt"))
			g_ptr_array_add(entry->recipients, g_steal_pointer(&raw_value));
		else
			g_hash_table_insert(entry->meta, g_steal_pointer(&key),
					    g_strcompress(raw_value));
		p = eol + 1;
	}
	entry->message = g_bytes_new(p, end - p);
	return TRUE;
}

static gchar *
entry_path(PglSpool *spool, const gchar *queue, const gchar *id, const gchar *suffix)
{
	g_autofree gchar *name = g_strconcat(id, suffix, NULL);

	return g_build_filename(pgl_spool_get_dir(spool, queue), name, NULL);
}

static PglSpoolEntry *
read_entry(const gchar *queue, const gchar *id, const gchar *path, GError **error)
{
	g_autoptr(PglSpoolEntry) entry = pgl_spool_entry_new(queue, NULL);
	g_autoptr(GMappedFile) mapped = NULL;
	GStatBuf st;

	entry->id = g_strdup(id);
	if (g_stat(path, &st) != 0) {
		set_io_error(error, "cannot stat", path);
		return NULL;
	}
	if ((guint64)st.st_size > PGL_LIMIT_SPOOL_FILE_MAX) {
		g_set_error(error, PGL_SPOOL_ERROR, PGL_SPOOL_ERROR_CORRUPT,
			    "spool file %s is too large", path);
		return NULL;
	}
	mapped = g_mapped_file_new(path, FALSE, error);
	if (mapped == NULL)
		return NULL;
	if (!parse_entry(entry, g_mapped_file_get_contents(mapped),
			 g_mapped_file_get_length(mapped), error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	return g_steal_pointer(&entry);
}

/**
 * pgl_spool_peek:
 *
 * Reads a waiting message without claiming it (to see whether it is due).
 *
 * Returns: (transfer full) (nullable): the entry
 */
PglSpoolEntry *
pgl_spool_peek(PglSpool *spool, const gchar *queue, const gchar *id, GError **error)
{
	g_autofree gchar *waiting = entry_path(spool, queue, id, ".msg");

	return read_entry(queue, id, waiting, error);
}

/**
 * pgl_spool_claim:
 *
 * Claims a waiting message for processing (renames it to ID.work) and reads it.
 *
 * Returns: (transfer full) (nullable): the entry, or %NULL with %PGL_SPOOL_ERROR_NOT_FOUND if
 *   it is gone, or %PGL_SPOOL_ERROR_CORRUPT (the file is then left claimed for the caller to
 *   move to bad with pgl_spool_move_to_bad() on a bare entry)
 */
PglSpoolEntry *
pgl_spool_claim(PglSpool *spool, const gchar *queue, const gchar *id, GError **error)
{
	g_autofree gchar *waiting = entry_path(spool, queue, id, ".msg");
	g_autofree gchar *claimed = entry_path(spool, queue, id, ".work");

	if (g_rename(waiting, claimed) != 0) {
		set_io_error(error, "cannot claim", waiting);
		return NULL;
	}
	return read_entry(queue, id, claimed, error);
}

/**
 * pgl_spool_release:
 *
 * Puts a claimed entry back in its queue unchanged, for a later attempt.
 */
gboolean
pgl_spool_release(PglSpool *spool, PglSpoolEntry *entry, GError **error)
{
	g_autofree gchar *claimed = entry_path(spool, entry->queue, entry->id, ".work");
	g_autofree gchar *waiting = entry_path(spool, entry->queue, entry->id, ".msg");

	if (g_rename(claimed, waiting) != 0)
		return set_io_error(error, "cannot release", claimed);
	return TRUE;
}

/**
 * pgl_spool_finish:
 *
 * Removes a claimed entry: call once everything it produced is durable.
 */
gboolean
pgl_spool_finish(PglSpool *spool, PglSpoolEntry *entry, GError **error)
{
	g_autofree gchar *claimed = entry_path(spool, entry->queue, entry->id, ".work");

	if (g_unlink(claimed) != 0)
		return set_io_error(error, "cannot remove", claimed);
	return TRUE;
}

/**
 * pgl_spool_move_to_bad:
 * @entry: a claimed entry (its message may be %NULL if it could not be read: the file is then
 *   moved as it is)
 * @reason: why it could not be processed, kept in the bad entry's metadata
 *
 * Nothing is lost: the message is kept in the bad queue with @reason and the queue it came from.
 */
gboolean
pgl_spool_move_to_bad(PglSpool *spool, PglSpoolEntry *entry, const gchar *reason,
		      GError **error)
{
	g_autofree gchar *claimed = entry_path(spool, entry->queue, entry->id, ".work");
	g_autofree gchar *from_queue = g_strdup(entry->queue);

	if (entry->message == NULL) {
		g_autofree gchar *target = entry_path(spool, PGL_QUEUE_BAD, entry->id, ".corrupt");
		g_autofree gchar *note = g_strconcat(target, ".reason", NULL);

		if (g_rename(claimed, target) != 0)
			return set_io_error(error, "cannot move", claimed);
		if (!g_file_set_contents(note, reason, -1, error))
			return FALSE;
		return fsync_dir(pgl_spool_get_dir(spool, PGL_QUEUE_BAD), error);
	}
	pgl_spool_entry_set(entry, PGL_SPOOL_BAD_REASON, reason);
	pgl_spool_entry_set(entry, PGL_SPOOL_BAD_FROM, from_queue);
	if (!pgl_spool_enqueue(spool, PGL_QUEUE_BAD, entry, error))
		return FALSE;
	if (g_unlink(claimed) != 0)
		return set_io_error(error, "cannot remove", claimed);
	return TRUE;
}

/**
 * pgl_spool_recover:
 *
 * Puts back messages a previous daemon had claimed but not finished. Call once at start-up,
 * before any runner starts. Also removes stray temporary files of interrupted writes.
 *
 * Returns: the number of messages put back
 */
guint
pgl_spool_recover(PglSpool *spool, const gchar *queue)
{
	const gchar *dir_path = pgl_spool_get_dir(spool, queue);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	const gchar *name;
	guint count = 0;

	if (dir == NULL)
		return 0;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir_path, name, NULL);

		if (g_str_has_suffix(name, ".work")) {
			g_autofree gchar *id = g_strndup(name, strlen(name) - 5);
			g_autofree gchar *waiting = entry_path(spool, queue, id, ".msg");

			if (g_rename(path, waiting) == 0)
				count++;
		} else if (name[0] == '.' && g_str_has_suffix(name, ".tmp")) {
			g_unlink(path);
		}
	}
	return count;
}

/**
 * pgl_spool_count:
 *
 * Returns: the number of messages in @queue, claimed or not
 */
guint
pgl_spool_count(PglSpool *spool, const gchar *queue)
{
	g_autoptr(GDir) dir = g_dir_open(pgl_spool_get_dir(spool, queue), 0, NULL);
	const gchar *name;
	guint count = 0;

	if (dir == NULL)
		return 0;
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (name[0] != '.' && (g_str_has_suffix(name, ".msg") ||
				       g_str_has_suffix(name, ".work")))
			count++;
	}
	return count;
}
