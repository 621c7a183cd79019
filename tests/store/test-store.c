/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of src/store/: every public function, every error code provoked, schema migration from
 * the databases in tests/data/db/, several connections on one file, and a sanity check of the
 * speed of the per-post query. Each test gets a fresh temporary directory, a context whose
 * var_dir is that directory, and (mostly) a store opened on it. Some checks read the file with
 * plain SQLite to see what the API does not show (rows left behind, pragmas).
 */
#include "store/pgl-store.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

/* Assertions that say what they got and what they wanted. */
#define assert_int(got, want)                                                                      \
	G_STMT_START                                                                               \
	{                                                                                          \
		gint64 got_ = (gint64)(got);                                                       \
		gint64 want_ = (gint64)(want);                                                     \
		if (got_ != want_) {                                                               \
			g_autofree gchar *msg_ =                                                   \
				g_strdup_printf("%s: got %" G_GINT64_FORMAT                        \
						", want %" G_GINT64_FORMAT,                        \
						#got, got_, want_);                                \
			g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg_);    \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

#define assert_str(got, want)                                                                      \
	G_STMT_START                                                                               \
	{                                                                                          \
		const gchar *got_ = (got);                                                         \
		const gchar *want_ = (want);                                                       \
		if (g_strcmp0(got_, want_) != 0) {                                                 \
			g_autofree gchar *msg_ =                                                   \
				g_strdup_printf("%s: got \"%s\", want \"%s\"", #got,               \
						got_ != NULL ? got_ : "(null)",                    \
						want_ != NULL ? want_ : "(null)");                 \
			g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg_);    \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

#define assert_strv(got, ...)                                                                      \
	G_STMT_START                                                                               \
	{                                                                                          \
		const gchar *const want_[] = {__VA_ARGS__, NULL};                                  \
		const gchar *const *got_ = (const gchar *const *)(got);                            \
		if (!g_strv_equal(got_, want_)) {                                                  \
			g_autofree gchar *got_text_ = g_strjoinv(", ", (gchar **)got_);            \
			g_autofree gchar *want_text_ = g_strjoinv(", ", (gchar **)want_);          \
			g_autofree gchar *msg_ = g_strdup_printf("%s: got [%s], want [%s]", #got,  \
								 got_text_, want_text_);           \
			g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg_);    \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

typedef struct {
	gchar *tmp_dir;	  /* (owned) */
	PglContext *ctx;  /* (owned) */
	PglStore *store;  /* (owned) (nullable) */
} Fixture;

static PglContext *
context_for(const gchar *var_dir, guint busy_timeout_ms)
{
	PglConfig *config = pgl_config_new_default();
	g_autoptr(GError) error = NULL;
	PglContext *ctx;

	g_free(config->var_dir);
	config->var_dir = g_strdup(var_dir);
	config->db_busy_timeout_ms = busy_timeout_ms;
	ctx = pgl_context_new(config, &error);
	g_assert_no_error(error);
	return ctx;
}

static void
set_up_context(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fixture->tmp_dir = g_dir_make_tmp("pgl-store-XXXXXX", &error);
	g_assert_no_error(error);
	fixture->ctx = context_for(fixture->tmp_dir, 5000);
}

static void
set_up(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	set_up_context(fixture, user_data);
	fixture->store = pgl_store_open(fixture->ctx, &error);
	g_assert_no_error(error);
	g_assert_nonnull(fixture->store);
}

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	if (dir != NULL) {
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);

			remove_tree(child);
		}
	}
	g_remove(path);
}

static void
tear_down(Fixture *fixture, gconstpointer user_data)
{
	g_clear_pointer(&fixture->store, pgl_store_free);
	g_clear_pointer(&fixture->ctx, pgl_context_unref);
	remove_tree(fixture->tmp_dir);
	g_free(fixture->tmp_dir);
}

/* A plain SQLite connection on the fixture's database, for looking behind the API. */
static sqlite3 *
raw_open(Fixture *fixture)
{
	sqlite3 *db = NULL;

	assert_int(sqlite3_open(pgl_context_get_db_path(fixture->ctx), &db), SQLITE_OK);
	return db;
}

static void
raw_exec(Fixture *fixture, const gchar *sql)
{
	sqlite3 *db = raw_open(fixture);
	gchar *message = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK)
		g_error("%s: %s", sql, message);
	sqlite3_close(db);
}

/* Runs a query with one integer parameter that returns one integer. */
static gint64
raw_int(Fixture *fixture, const gchar *sql, gint64 param)
{
	sqlite3 *db = raw_open(fixture);
	sqlite3_stmt *stmt = NULL;
	gint64 result;

	assert_int(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	if (strchr(sql, '?') != NULL)
		sqlite3_bind_int64(stmt, 1, param);
	assert_int(sqlite3_step(stmt), SQLITE_ROW);
	result = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return result;
}

static PglList *
create_list(Fixture *fixture, const gchar *name, const gchar *domain)
{
	g_autoptr(GError) error = NULL;
	PglList *list = pgl_store_list_create(fixture->store, name, domain, NULL, &error);

	g_assert_no_error(error);
	g_assert_nonnull(list);
	return list;
}

static PglMember *
add_member(Fixture *fixture, gint64 list_id, const gchar *address, PglRole role)
{
	g_autoptr(GError) error = NULL;
	PglMember *member =
		pgl_store_member_add(fixture->store, list_id, address, NULL, role, &error);

	g_assert_no_error(error);
	g_assert_nonnull(member);
	return member;
}

/* ---- opening, schema, connections ---- */

static void
test_open_mode(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *wal = g_strconcat(pgl_context_get_db_path(fixture->ctx), "-wal", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = NULL;
	GStatBuf st;
	mode_t old_umask = umask(022);

	/* with a permissive umask, the file must still be owner-only */
	fixture->store = pgl_store_open(fixture->ctx, &error);
	umask(old_umask);
	g_assert_no_error(error);
	list = create_list(fixture, "mode", "example.org");

	assert_int(g_stat(pgl_context_get_db_path(fixture->ctx), &st), 0);
	assert_int(st.st_mode & 0777, 0600);
	/* the write-ahead log holds the same data until a checkpoint */
	assert_int(g_stat(wal, &st), 0);
	assert_int(st.st_mode & 0777, 0600);
	assert_int(pgl_store_schema_version(fixture->store), PGL_STORE_SCHEMA_VERSION);
	assert_int(raw_int(fixture, "PRAGMA user_version", 0), PGL_STORE_SCHEMA_VERSION);
}

static void
test_open_wal(Fixture *fixture, gconstpointer user_data)
{
	sqlite3 *db = raw_open(fixture);
	sqlite3_stmt *stmt = NULL;

	assert_int(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
	assert_int(sqlite3_step(stmt), SQLITE_ROW);
	assert_str((const gchar *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

static void
test_open_schema_newer(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglStore) store = NULL;

	g_clear_pointer(&fixture->store, pgl_store_free);
	raw_exec(fixture, "PRAGMA user_version = 999");
	store = pgl_store_open(fixture->ctx, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_SCHEMA);
	g_assert_null(store);
	g_assert_nonnull(strstr(error->message, "999"));
	/* refused, not touched */
	assert_int(raw_int(fixture, "PRAGMA user_version", 0), 999);
}

static void
test_open_not_a_database(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglStore) store = NULL;
	const gchar *garbage = "this is not an SQLite database, just some text long enough...\n";
	g_autofree gchar *contents = g_strnfill(4096, 'x');

	memcpy(contents, garbage, strlen(garbage));
	g_file_set_contents(pgl_context_get_db_path(fixture->ctx), contents, 4096, &error);
	g_assert_no_error(error);
	store = pgl_store_open(fixture->ctx, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED);
	g_assert_null(store);
}

static void
test_open_no_directory(Fixture *fixture, gconstpointer user_data)
{
	PglConfig *config = pgl_config_new_default();
	g_autoptr(PglContext) ctx = NULL;
	g_autoptr(PglStore) store = NULL;
	g_autoptr(GError) error = NULL;

	g_free(config->var_dir);
	config->var_dir = g_strdup(fixture->tmp_dir);
	g_free(config->db_path);
	config->db_path = g_build_filename(fixture->tmp_dir, "missing", "pgplist.db", NULL);
	ctx = pgl_context_new(config, &error);
	g_assert_no_error(error);
	store = pgl_store_open(ctx, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED);
	g_assert_null(store);
}

/* Checks that a migrated database has every table and works. */
static void
check_usable(Fixture *fixture)
{
	static const gchar *const tables[] = {
		"domains", "lists",   "list_settings", "members",   "held_messages",
		"pending", "message_ids", "audit",     "bounces",   "delivered",
		"list_keys", "address_keys", "signature_digests",
	};
	g_autoptr(PglList) list = NULL;
	g_autoptr(PglMember) member = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(tables); i++) {
		g_autofree gchar *sql = g_strdup_printf("SELECT count(*) FROM %s", tables[i]);

		assert_int(raw_int(fixture, sql, 0), 0);
	}
	assert_int(pgl_store_schema_version(fixture->store), PGL_STORE_SCHEMA_VERSION);
	assert_int(raw_int(fixture, "PRAGMA user_version", 0), PGL_STORE_SCHEMA_VERSION);
	list = create_list(fixture, "migrated", "example.org");
	member = add_member(fixture, list->id, "a@example.org", PGL_ROLE_MEMBER);
}

static void
test_migrate_v0_file(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *source = g_test_build_filename(G_TEST_DIST, "data", "db", "v0-empty.db",
							 NULL);
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error = NULL;
	gsize length = 0;

	g_file_get_contents(source, &contents, &length, &error);
	g_assert_no_error(error);
	g_file_set_contents(pgl_context_get_db_path(fixture->ctx), contents, (gssize)length,
			    &error);
	g_assert_no_error(error);
	assert_int(raw_int(fixture, "PRAGMA user_version", 0), 0);

	fixture->store = pgl_store_open(fixture->ctx, &error);
	g_assert_no_error(error);
	check_usable(fixture);
}

static void
test_migrate_empty_file(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	/* a zero-length file is an empty SQLite database, version 0 */
	g_file_set_contents(pgl_context_get_db_path(fixture->ctx), "", 0, &error);
	g_assert_no_error(error);
	fixture->store = pgl_store_open(fixture->ctx, &error);
	g_assert_no_error(error);
	check_usable(fixture);
}

static void
test_migrate_conflict(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglStore) store = NULL;

	/* version 0 but not empty: someone else's database. The step fails and nothing of it
	 * stays behind. */
	raw_exec(fixture, "CREATE TABLE bounces (x TEXT)");
	store = pgl_store_open(fixture->ctx, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_SCHEMA);
	g_assert_null(store);
	assert_int(raw_int(fixture, "PRAGMA user_version", 0), 0);
	assert_int(raw_int(fixture, "SELECT count(*) FROM sqlite_schema WHERE name = 'lists'", 0),
		   0);
}

/* Copies a database of tests/data/db/ to the fixture's database path. */
static void
install_old_database(Fixture *fixture, const gchar *name)
{
	g_autofree gchar *source = g_test_build_filename(G_TEST_DIST, "data", "db", name, NULL);
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error = NULL;
	gsize length = 0;

	g_file_get_contents(source, &contents, &length, &error);
	g_assert_no_error(error);
	g_file_set_contents(pgl_context_get_db_path(fixture->ctx), contents, (gssize)length,
			    &error);
	g_assert_no_error(error);
}

static void
assert_member(Fixture *fixture, gint64 list_id, const gchar *address, PglRole role,
	      const gchar *display_name, PglAction action, gboolean delivery)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglMember) member =
		pgl_store_member_lookup(fixture->store, list_id, address, role, &error);

	g_assert_no_error(error);
	assert_str(member->address, address);
	assert_str(member->display_name, display_name);
	assert_int(member->moderation_action, action);
	assert_int(member->delivery_enabled, delivery);
}

/* v1-lists.db (see tests/data/db/README.md): every row of version 1 survives the migration to
 * the PGP tables, which start empty and work. */
static void
test_migrate_v1_file(Fixture *fixture, gconstpointer user_data)
{
	static const gchar *const attempt[] = {"alice@example.org", "bob@example.net"};
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) lists = NULL;
	g_autoptr(GPtrArray) owners = NULL;
	g_autoptr(GPtrArray) members = NULL;
	g_autoptr(GPtrArray) held = NULL;
	g_autoptr(GPtrArray) audit = NULL;
	g_autoptr(GPtrArray) pending_delivery = NULL;
	g_autoptr(PglHeldMessage) held_message = NULL;
	g_autoptr(PglListKey) no_key = NULL;
	g_autoptr(PglListKey) key = NULL;
	g_autoptr(GBytes) blob = g_bytes_new_static("key", 3);
	g_autofree gchar *type = NULL;
	g_autofree gchar *payload = NULL;
	PglList *announce;
	PglList *discuss;
	PglAuditEntry *entry;
	gint64 list_id = 0;
	gboolean seen = FALSE;

	install_old_database(fixture, "v1-lists.db");
	assert_int(raw_int(fixture, "PRAGMA user_version", 0), 1);
	fixture->store = pgl_store_open(fixture->ctx, &error);
	g_assert_no_error(error);
	assert_int(pgl_store_schema_version(fixture->store), PGL_STORE_SCHEMA_VERSION);
	assert_int(raw_int(fixture, "PRAGMA user_version", 0), PGL_STORE_SCHEMA_VERSION);
	assert_int(raw_int(fixture, "SELECT count(*) FROM pragma_foreign_key_check", 0), 0);
	assert_int(raw_int(fixture, "SELECT count(*) FROM pragma_integrity_check "
				    "WHERE integrity_check != 'ok'",
			   0),
		   0);

	/* lists and settings */
	lists = pgl_store_list_all(fixture->store, &error);
	g_assert_no_error(error);
	assert_int(lists->len, 2);
	announce = lists->pdata[0];
	discuss = lists->pdata[1];
	assert_str(announce->address, "announce@example.org");
	assert_str(discuss->address, "discuss@lists.example.net");
	assert_int(pgl_list_get_action(announce, "default_member_action"), PGL_ACTION_HOLD);
	g_assert_false(pgl_list_get_bool(announce, "allow_list_posts"));
	assert_int(g_hash_table_size(discuss->settings), 3);
	assert_str(pgl_list_get(discuss, "description"), "Talk about things");
	assert_int(pgl_list_get_uint(discuss, "max_message_size"), 2048);
	assert_str(pgl_list_get(discuss, "accept_these_nonmembers"),
		   "carol@example.com\n^.*@trusted\\.example$");

	/* members in every role */
	owners = pgl_store_member_list(fixture->store, announce->id, PGL_ROLE_OWNER, &error);
	g_assert_no_error(error);
	assert_int(owners->len, 2);
	assert_str(((PglMember *)owners->pdata[0])->address, "boss@example.org");
	assert_str(((PglMember *)owners->pdata[1])->address, "owner@example.org");
	members = pgl_store_member_list(fixture->store, discuss->id, PGL_ROLE_MEMBER, &error);
	g_assert_no_error(error);
	assert_int(members->len, 2);
	assert_member(fixture, discuss->id, "alice@example.org", PGL_ROLE_MEMBER, "Alice Example",
		      PGL_ACTION_DEFER, TRUE);
	assert_member(fixture, discuss->id, "bob@example.net", PGL_ROLE_MEMBER, NULL,
		      PGL_ACTION_DEFER, FALSE);
	assert_member(fixture, discuss->id, "owner@example.org", PGL_ROLE_OWNER, NULL,
		      PGL_ACTION_DEFER, TRUE);
	assert_member(fixture, discuss->id, "mod@example.org", PGL_ROLE_MODERATOR, NULL,
		      PGL_ACTION_DEFER, TRUE);
	assert_member(fixture, discuss->id, "spammer@example.com", PGL_ROLE_NONMEMBER, NULL,
		      PGL_ACTION_DISCARD, TRUE);

	/* held message, token, Message-ID, audit entry, bounce, delivery record */
	held = pgl_store_held_list(fixture->store, discuss->id, &error);
	g_assert_no_error(error);
	assert_int(held->len, 1);
	held_message = pgl_store_held_get(fixture->store, discuss->id,
					  ((PglHeldMessage *)held->pdata[0])->id, &error);
	g_assert_no_error(error);
	assert_str(held_message->sender, "dave@example.com");
	assert_str(held_message->subject, "Hello");
	assert_str(held_message->reason, "non-member post");
	assert_str(held_message->message_id, "<m1@example.com>");
	assert_int(held_message->received, 1700000100);
	assert_int(g_bytes_get_size(held_message->message),
		   strlen("From: dave@example.com\nSubject: Hello\n\nhi\n"));
	g_assert_true(pgl_store_pending_get(fixture->store, "tok123", 1700000300, &list_id, &type,
					    &payload, &error));
	g_assert_no_error(error);
	assert_int(list_id, discuss->id);
	assert_str(type, "subscribe");
	assert_str(payload, "{\"address\":\"eve@example.org\"}");
	g_assert_true(pgl_store_message_id_check(fixture->store, discuss->id, "<m0@example.com>",
						 1700000500, NULL, &seen, &error));
	g_assert_no_error(error);
	g_assert_true(seen);
	audit = pgl_store_audit_list(fixture->store, discuss->id, &error);
	g_assert_no_error(error);
	assert_int(audit->len, 1);
	entry = audit->pdata[0];
	assert_str(entry->action, "hold");
	assert_str(entry->actor, "chain");
	assert_int(pgl_store_bounce_count(fixture->store, discuss->id, "bob@example.net", &error),
		   1);
	g_assert_no_error(error);
	pending_delivery = pgl_store_delivered_filter(fixture->store, "out-1", attempt, 2, &error);
	g_assert_no_error(error);
	g_ptr_array_add(pending_delivery, NULL);
	assert_strv(pending_delivery->pdata, "bob@example.net");

	/* the new tables: empty, and in working order */
	no_key = pgl_store_list_key_get(fixture->store, discuss->id, FALSE, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_true(pgl_store_list_key_set(fixture->store, discuss->id, "FPR", blob, blob, FALSE,
					     &error));
	g_assert_no_error(error);
	key = pgl_store_list_key_get(fixture->store, discuss->id, TRUE, &error);
	g_assert_no_error(error);
	assert_str(key->fingerprint, "FPR");
	g_assert_true(pgl_store_address_key_set(fixture->store, "alice@example.org", "FPR", blob,
						FALSE, &error));
	g_assert_no_error(error);
	g_assert_true(pgl_store_signature_digest_add(fixture->store, discuss->id, "d", "FPR", 1, NULL,
						     &error));
	g_assert_no_error(error);
}

static void
test_open_two_connections(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglStore) other = pgl_store_open(fixture->ctx, &error);
	g_autoptr(PglList) list = NULL;
	g_autoptr(PglList) seen = NULL;
	g_autoptr(PglList) seen_again = NULL;
	g_autoptr(PglMember) member = NULL;
	g_autoptr(PglMember) not_yet = NULL;
	g_autoptr(PglMember) now_seen = NULL;

	g_assert_no_error(error);
	list = create_list(fixture, "shared", "example.org");

	/* a list created on one connection is found on the other, with later settings */
	seen = pgl_store_list_lookup(other, "shared@example.org", &error);
	g_assert_no_error(error);
	assert_int(seen->id, list->id);
	pgl_store_list_set_setting(other, list->id, "emergency", "true", &error);
	g_assert_no_error(error);
	seen_again = pgl_store_list_lookup(fixture->store, "shared@example.org", &error);
	g_assert_no_error(error);
	assert_str(pgl_list_get(seen_again, "emergency"), "true");

	/* uncommitted writes are not seen; committed ones are */
	pgl_store_begin(fixture->store, &error);
	g_assert_no_error(error);
	member = add_member(fixture, list->id, "a@example.org", PGL_ROLE_MEMBER);
	not_yet = pgl_store_member_lookup(other, list->id, "a@example.org", PGL_ROLE_MEMBER,
					  &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_assert_null(not_yet);
	g_clear_error(&error);
	pgl_store_commit(fixture->store, &error);
	g_assert_no_error(error);
	now_seen = pgl_store_member_lookup(other, list->id, "a@example.org", PGL_ROLE_MEMBER,
					   &error);
	g_assert_no_error(error);
	assert_int(now_seen->id, member->id);
}

/* ---- transactions ---- */

static void
test_transaction_rollback(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "txn", "example.org");
	g_autoptr(PglMember) member = NULL;
	g_autoptr(PglMember) gone = NULL;
	g_autoptr(GPtrArray) members = NULL;

	pgl_store_begin(fixture->store, &error);
	g_assert_no_error(error);
	member = add_member(fixture, list->id, "a@example.org", PGL_ROLE_MEMBER);
	pgl_store_rollback(fixture->store);
	gone = pgl_store_member_lookup(fixture->store, list->id, "a@example.org",
				       PGL_ROLE_MEMBER, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);

	/* rollback outside a transaction does nothing */
	pgl_store_rollback(fixture->store);

	/* a failing call inside the caller's transaction undoes only itself */
	pgl_store_begin(fixture->store, &error);
	g_assert_no_error(error);
	g_clear_pointer(&member, pgl_member_free);
	member = add_member(fixture, list->id, "b@example.org", PGL_ROLE_MEMBER);
	g_assert_null(pgl_store_member_add(fixture->store, list->id, "b@example.org", NULL,
					   PGL_ROLE_MEMBER, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_null(pgl_store_list_create(fixture->store, "txn", "example.org", NULL, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS);
	g_clear_error(&error);
	pgl_store_commit(fixture->store, &error);
	g_assert_no_error(error);
	members = pgl_store_member_list(fixture->store, list->id, PGL_ROLE_MEMBER, &error);
	g_assert_no_error(error);
	assert_int(members->len, 1);
	assert_str(((PglMember *)members->pdata[0])->address, "b@example.org");
}

static void
test_transaction_errors(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	/* commit without a transaction, nested begin */
	g_assert_false(pgl_store_commit(fixture->store, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED);
	g_clear_error(&error);
	g_assert_true(pgl_store_begin(fixture->store, &error));
	g_assert_no_error(error);
	g_assert_false(pgl_store_begin(fixture->store, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED);
	pgl_store_rollback(fixture->store);
}

static void
test_transaction_busy(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglContext) impatient = context_for(fixture->tmp_dir, 100);
	g_autoptr(GError) error = NULL;
	g_autoptr(PglStore) other = pgl_store_open(impatient, &error);
	g_autoptr(PglList) list = NULL;
	g_autoptr(PglList) found = NULL;
	gint64 start;

	g_assert_no_error(error);
	list = create_list(fixture, "busy", "example.org");
	pgl_store_begin(fixture->store, &error);
	g_assert_no_error(error);

	/* the writer waits out its busy timeout, then fails */
	start = g_get_monotonic_time();
	g_assert_false(pgl_store_begin(other, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_BUSY);
	g_clear_error(&error);
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 90 * 1000);
	g_assert_false(pgl_store_domain_add(other, "other.example", &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_BUSY);
	g_clear_error(&error);

	/* readers are not blocked by the writer (WAL) */
	found = pgl_store_list_lookup(other, "busy@example.org", &error);
	g_assert_no_error(error);
	pgl_store_rollback(fixture->store);
}

/* ---- domains ---- */

static void
test_domains(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) domains = NULL;
	g_auto(GStrv) none = pgl_store_domain_list(fixture->store, &error);

	g_assert_no_error(error);
	assert_int(g_strv_length(none), 0);
	g_assert_true(pgl_store_domain_add(fixture->store, "lists.example.org", &error));
	g_assert_no_error(error);
	g_assert_true(pgl_store_domain_add(fixture->store, "Example.COM", &error));
	g_assert_no_error(error);
	/* idempotent, in any case */
	g_assert_true(pgl_store_domain_add(fixture->store, "LISTS.example.org", &error));
	g_assert_no_error(error);
	domains = pgl_store_domain_list(fixture->store, &error);
	g_assert_no_error(error);
	assert_strv(domains, "example.com", "lists.example.org");
}

/* ---- lists ---- */

static void
test_lists_create(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "Test", "Example.ORG");
	g_auto(GStrv) domains = pgl_store_domain_list(fixture->store, &error);

	g_assert_no_error(error);
	g_assert_cmpint(list->id, >, 0);
	assert_str(list->name, "test");
	assert_str(list->domain, "example.org");
	assert_str(list->address, "test@example.org");
	assert_int(g_hash_table_size(list->settings), 0);
	/* the domain was added */
	assert_strv(domains, "example.org");
}

static void
test_lists_create_duplicate(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "dup", "example.org");
	g_autoptr(PglList) again = NULL;
	g_autoptr(PglList) other_domain = NULL;

	again = pgl_store_list_create(fixture->store, "DUP", "example.org", NULL, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS);
	g_assert_null(again);
	g_assert_nonnull(strstr(error->message, "dup@example.org"));
	g_clear_error(&error);
	/* the same name in another domain is another list */
	other_domain = pgl_store_list_create(fixture->store, "dup", "example.net", NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(other_domain->id, !=, list->id);
}

static void
test_lists_lookup(Fixture *fixture, gconstpointer user_data)
{
	static const gchar *const spellings[] = {"look@example.org", "LOOK@EXAMPLE.ORG",
						 "Look@Example.Org"};
	g_autoptr(PglList) list = create_list(fixture, "look", "example.org");

	for (gsize i = 0; i < G_N_ELEMENTS(spellings); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(PglList) found = pgl_store_list_lookup(fixture->store, spellings[i],
								 &error);

		g_assert_no_error(error);
		assert_int(found->id, list->id);
		assert_str(found->address, "look@example.org");
	}
}

static void
test_lists_lookup_not_found(Fixture *fixture, gconstpointer user_data)
{
	static const gchar *const missing[] = {"other@example.org", "look@example.net",
					       "look",		    "@example.org",
					       "look@",		    ""};
	g_autoptr(PglList) list = create_list(fixture, "look", "example.org");
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) by_id = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(missing); i++) {
		g_autoptr(GError) local_error = NULL;
		g_autoptr(PglList) found = pgl_store_list_lookup(fixture->store, missing[i],
								 &local_error);

		if (!g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND))
			g_error("lookup \"%s\": got %s, want NOT_FOUND", missing[i],
				local_error != NULL ? local_error->message : "a list");
		g_assert_null(found);
	}
	by_id = pgl_store_list_lookup_by_id(fixture->store, list->id + 1000, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_assert_null(by_id);
}

static void
test_lists_lookup_by_id(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "byid", "example.org");
	g_autoptr(PglList) found = NULL;

	pgl_store_list_set_setting(fixture->store, list->id, "description", "About things",
				   &error);
	g_assert_no_error(error);
	found = pgl_store_list_lookup_by_id(fixture->store, list->id, &error);
	g_assert_no_error(error);
	assert_str(found->address, "byid@example.org");
	assert_str(pgl_list_get(found, "description"), "About things");
}

static void
test_lists_all(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) none = pgl_store_list_all(fixture->store, &error);
	g_autoptr(GPtrArray) lists = NULL;
	g_autoptr(GPtrArray) addresses = g_ptr_array_new();

	g_assert_no_error(error);
	assert_int(none->len, 0);
	pgl_list_free(create_list(fixture, "b", "a.example"));
	pgl_list_free(create_list(fixture, "a", "z.example"));
	pgl_list_free(create_list(fixture, "a-b", "x.example"));
	pgl_list_free(create_list(fixture, "c", "b.example"));
	/* settings of several lists stay with their list */
	{
		g_autoptr(PglList) list = pgl_store_list_lookup(fixture->store, "a@z.example",
								&error);

		g_assert_no_error(error);
		pgl_store_list_set_setting(fixture->store, list->id, "emergency", "true", &error);
		g_assert_no_error(error);
		pgl_store_list_set_setting(fixture->store, list->id, "description", "A", &error);
		g_assert_no_error(error);
	}
	lists = pgl_store_list_all(fixture->store, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < lists->len; i++) {
		PglList *list = lists->pdata[i];

		g_ptr_array_add(addresses, list->address);
		assert_int(g_hash_table_size(list->settings),
			   g_str_equal(list->address, "a@z.example") ? 2 : 0);
	}
	g_ptr_array_add(addresses, NULL);
	/* by address as a string: '-' sorts before '@' */
	assert_strv(addresses->pdata, "a-b@x.example", "a@z.example", "b@a.example",
		    "c@b.example");
}

static void
test_lists_remove(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "gone", "example.org");
	g_assert_nonnull(list);
	g_autoptr(PglList) found = NULL;
	g_auto(GStrv) domains = NULL;

	g_assert_true(pgl_store_list_remove(fixture->store, "Gone@Example.org", &error));
	g_assert_no_error(error);
	found = pgl_store_list_lookup(fixture->store, "gone@example.org", &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(pgl_store_list_remove(fixture->store, "gone@example.org", &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(pgl_store_list_remove(fixture->store, "no-at-sign", &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* the domain stays */
	domains = pgl_store_domain_list(fixture->store, &error);
	g_assert_no_error(error);
	assert_strv(domains, "example.org");
}

static void
test_lists_remove_cascade(Fixture *fixture, gconstpointer user_data)
{
	static const gchar *const tables[] = {"list_settings", "members",   "held_messages",
					      "pending",       "message_ids", "audit",
					      "bounces",       "list_keys",   "signature_digests"};
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "cascade", "example.org");
	g_autoptr(PglList) kept = create_list(fixture, "kept", "example.org");
	g_autoptr(GBytes) message = g_bytes_new_static("x", 1);
	g_autofree gchar *token = NULL;
	g_autofree gchar *kept_token = NULL;
	gboolean seen = FALSE;

	for (guint i = 0; i < 2; i++) {
		gint64 id = i == 0 ? list->id : kept->id;
		g_autoptr(PglMember) member = add_member(fixture, id, "a@example.org",
							 PGL_ROLE_MEMBER);
							g_assert_nonnull(member);
		g_autofree gchar *pending = NULL;

		pgl_store_list_set_setting(fixture->store, id, "emergency", "true", &error);
		g_assert_no_error(error);
		g_assert_cmpint(pgl_store_held_add(fixture->store, id, NULL, "a@example.org", "s", "r",
						   "<m@x>", message, FALSE, &error),
				>, 0);
		g_assert_no_error(error);
		pending = pgl_store_pending_add(fixture->store, id, "subscribe", "{}", G_MAXINT64,
						&error);
		g_assert_no_error(error);
		if (i == 0)
			token = g_steal_pointer(&pending);
		else
			kept_token = g_steal_pointer(&pending);
		pgl_store_message_id_check(fixture->store, id, "<m@x>", 1, NULL, &seen, &error);
		g_assert_no_error(error);
		pgl_store_audit_add(fixture->store, id, "<m@x>", "hold", "r", "rule", 1, &error);
		g_assert_no_error(error);
		pgl_store_bounce_add(fixture->store, id, "a@example.org", "5.1.1", message, 1,
				     &error);
		g_assert_no_error(error);
		pgl_store_list_key_set(fixture->store, id, "FPR", message, message, FALSE, &error);
		g_assert_no_error(error);
		pgl_store_signature_digest_add(fixture->store, id, "digest", "FPR", 1, NULL, &error);
		g_assert_no_error(error);
	}
	/* keys belong to addresses, not to lists: they stay */
	pgl_store_address_key_set(fixture->store, "a@example.org", "FPR", message, TRUE, &error);
	g_assert_no_error(error);

	g_assert_true(pgl_store_list_remove(fixture->store, "cascade@example.org", &error));
	g_assert_no_error(error);
	for (gsize i = 0; i < G_N_ELEMENTS(tables); i++) {
		g_autofree gchar *sql =
			g_strdup_printf("SELECT count(*) FROM %s WHERE list_id = ?1", tables[i]);

		if (raw_int(fixture, sql, list->id) != 0)
			g_error("%s: got rows of the removed list, want none", tables[i]);
		if (raw_int(fixture, sql, kept->id) != 1)
			g_error("%s: got %" G_GINT64_FORMAT " rows of the other list, want 1",
				tables[i], raw_int(fixture, sql, kept->id));
	}
	g_assert_false(pgl_store_pending_get(fixture->store, token, 0, NULL, NULL, NULL, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_true(
		pgl_store_pending_get(fixture->store, kept_token, 0, NULL, NULL, NULL, &error));
	g_assert_no_error(error);
	assert_int(raw_int(fixture, "SELECT count(*) FROM address_keys", 0), 1);
}

/* ---- list settings ---- */

static void
test_settings_create(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							       g_free);
	g_autoptr(PglList) list = NULL;
	g_autoptr(PglList) found = NULL;

	pgl_list_apply_style(settings, PGL_LIST_STYLE_ANNOUNCE);
	/* equal to the default: not stored */
	g_hash_table_insert(settings, g_strdup("administrivia"), g_strdup("true"));
	g_hash_table_insert(settings, g_strdup("description"), g_strdup("News"));
	list = pgl_store_list_create(fixture->store, "news", "example.org", settings, &error);
	g_assert_no_error(error);
	assert_int(g_hash_table_size(list->settings), 3);
	assert_str(pgl_list_get(list, "default_member_action"), "hold");

	found = pgl_store_list_lookup(fixture->store, "news@example.org", &error);
	g_assert_no_error(error);
	assert_int(g_hash_table_size(found->settings), 3);
	assert_str(g_hash_table_lookup(found->settings, "default_member_action"), "hold");
	assert_str(g_hash_table_lookup(found->settings, "allow_list_posts"), "false");
	assert_str(g_hash_table_lookup(found->settings, "description"), "News");
	g_assert_null(g_hash_table_lookup(found->settings, "administrivia"));
	assert_int(raw_int(fixture, "SELECT count(*) FROM list_settings WHERE list_id = ?1",
			   list->id),
		   3);
}

static void
test_settings_roundtrip(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "conf", "example.org");
	const gchar *footer_default = pgl_list_setting_default("msg_footer");
	const gchar *multi = "line one\nline two\n\ttabbed, \"quoted\" 'and' ; -- DROP TABLE x";
	g_autoptr(PglList) first = NULL;
	g_autoptr(PglList) second = NULL;
	g_autoptr(PglList) reset = NULL;

	g_assert_true(pgl_store_list_set_setting(fixture->store, list->id, "msg_footer", multi,
						 &error));
	g_assert_no_error(error);
	g_assert_true(pgl_store_list_set_setting(fixture->store, list->id, "max_num_recipients",
						 "25", &error));
	g_assert_no_error(error);
	first = pgl_store_list_lookup_by_id(fixture->store, list->id, &error);
	g_assert_no_error(error);
	assert_str(pgl_list_get(first, "msg_footer"), multi);
	assert_int(pgl_list_get_uint(first, "max_num_recipients"), 25);

	/* set again: replaced */
	g_assert_true(pgl_store_list_set_setting(fixture->store, list->id, "max_num_recipients",
						 "30", &error));
	g_assert_no_error(error);
	second = pgl_store_list_lookup_by_id(fixture->store, list->id, &error);
	g_assert_no_error(error);
	assert_int(pgl_list_get_uint(second, "max_num_recipients"), 30);

	/* the default value and NULL both reset: the row goes */
	g_assert_true(pgl_store_list_set_setting(fixture->store, list->id, "msg_footer",
						 footer_default, &error));
	g_assert_no_error(error);
	g_assert_true(pgl_store_list_set_setting(fixture->store, list->id, "max_num_recipients",
						 NULL, &error));
	g_assert_no_error(error);
	/* resetting what is already the default is fine */
	g_assert_true(pgl_store_list_set_setting(fixture->store, list->id, "max_num_recipients",
						 NULL, &error));
	g_assert_no_error(error);
	reset = pgl_store_list_lookup_by_id(fixture->store, list->id, &error);
	g_assert_no_error(error);
	assert_int(g_hash_table_size(reset->settings), 0);
	assert_str(pgl_list_get(reset, "msg_footer"), footer_default);
	assert_int(pgl_list_get_uint(reset, "max_num_recipients"), 10);
	assert_int(raw_int(fixture, "SELECT count(*) FROM list_settings WHERE list_id = ?1",
			   list->id),
		   0);
}

static void
test_settings_no_list(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(
		pgl_store_list_set_setting(fixture->store, 4242, "emergency", "true", &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(pgl_store_list_set_setting(fixture->store, 4242, "emergency", NULL, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
}

/* ---- members ---- */

static void
test_members_add(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "m", "example.org");
	g_autoptr(PglMember) member = NULL;
	g_autoptr(PglMember) found = NULL;
	gint64 before = pgl_context_now(fixture->ctx);

	member = pgl_store_member_add(fixture->store, list->id, "anne@example.org", "Anne Ö",
				      PGL_ROLE_MEMBER, &error);
	g_assert_no_error(error);
	g_assert_cmpint(member->id, >, 0);
	assert_int(member->list_id, list->id);
	assert_str(member->address, "anne@example.org");
	assert_str(member->display_name, "Anne Ö");
	assert_int(member->role, PGL_ROLE_MEMBER);
	assert_int(member->moderation_action, PGL_ACTION_DEFER);
	g_assert_true(member->delivery_enabled);
	g_assert_cmpint(member->created, >=, before);

	found = pgl_store_member_lookup(fixture->store, list->id, "anne@example.org",
					PGL_ROLE_MEMBER, &error);
	g_assert_no_error(error);
	assert_int(found->id, member->id);
	assert_str(found->display_name, "Anne Ö");
	assert_int(found->moderation_action, PGL_ACTION_DEFER);
	g_assert_true(found->delivery_enabled);
	assert_int(found->created, member->created);
}

static void
test_members_add_duplicate(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "m", "example.org");
	g_autoptr(PglList) other = create_list(fixture, "other", "example.org");
	g_autoptr(PglMember) member = add_member(fixture, list->id, "a@example.org",
						 PGL_ROLE_MEMBER);
						g_assert_nonnull(member);
	g_autoptr(PglMember) again = NULL;
	g_autoptr(PglMember) owner = NULL;
	g_autoptr(PglMember) elsewhere = NULL;

	again = pgl_store_member_add(fixture->store, list->id, "a@example.org", "A",
				     PGL_ROLE_MEMBER, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS);
	g_assert_null(again);
	g_clear_error(&error);
	/* another role, or another list: fine */
	owner = add_member(fixture, list->id, "a@example.org", PGL_ROLE_OWNER);
	elsewhere = add_member(fixture, other->id, "a@example.org", PGL_ROLE_MEMBER);
}

static void
test_members_add_no_list(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglMember) member = pgl_store_member_add(fixture->store, 4242, "a@example.org",
							   NULL, PGL_ROLE_MEMBER, &error);

	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_assert_null(member);
}

static void
test_members_remove(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "m", "example.org");
	g_autoptr(PglMember) member = add_member(fixture, list->id, "a@example.org",
						 PGL_ROLE_MEMBER);
						g_assert_nonnull(member);
	g_autoptr(PglMember) moderator = add_member(fixture, list->id, "a@example.org",
						    PGL_ROLE_MODERATOR);
						g_assert_nonnull(moderator);
	g_autoptr(GPtrArray) roles = NULL;

	g_assert_true(pgl_store_member_remove(fixture->store, list->id, "a@example.org",
					      PGL_ROLE_MEMBER, &error));
	g_assert_no_error(error);
	g_assert_false(pgl_store_member_remove(fixture->store, list->id, "a@example.org",
					       PGL_ROLE_MEMBER, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(pgl_store_member_remove(fixture->store, list->id, "b@example.org",
					       PGL_ROLE_MODERATOR, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* the other role stays */
	roles = pgl_store_member_roles(fixture->store, list->id, "a@example.org", &error);
	g_assert_no_error(error);
	assert_int(roles->len, 1);
	assert_int(((PglMember *)roles->pdata[0])->role, PGL_ROLE_MODERATOR);
}

static void
test_members_lookup(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "m", "example.org");
	g_autoptr(PglList) other = create_list(fixture, "other", "example.org");
	g_autoptr(PglMember) member = add_member(fixture, list->id, "a@example.org",
						 PGL_ROLE_OWNER);
	g_autoptr(PglMember) found = NULL;
	g_autoptr(PglMember) by_id = NULL;
	g_autoptr(PglMember) missing = NULL;

	found = pgl_store_member_lookup(fixture->store, list->id, "a@example.org", PGL_ROLE_OWNER,
					&error);
	g_assert_no_error(error);
	assert_int(found->id, member->id);
	assert_int(found->role, PGL_ROLE_OWNER);
	by_id = pgl_store_member_get(fixture->store, member->id, &error);
	g_assert_no_error(error);
	assert_str(by_id->address, "a@example.org");

	/* wrong role, wrong list, wrong address, wrong id */
	missing = pgl_store_member_lookup(fixture->store, list->id, "a@example.org",
					  PGL_ROLE_MEMBER, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	missing = pgl_store_member_lookup(fixture->store, other->id, "a@example.org",
					  PGL_ROLE_OWNER, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	missing = pgl_store_member_lookup(fixture->store, list->id, "b@example.org",
					  PGL_ROLE_OWNER, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	missing = pgl_store_member_get(fixture->store, member->id + 1000, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_assert_null(missing);
}

static void
test_members_list(Fixture *fixture, gconstpointer user_data)
{
	static const gchar *const addresses[] = {"carol@example.org", "anne@example.org",
						 "bob@example.net", "anne@example.com"};
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "m", "example.org");
	g_autoptr(GPtrArray) members = NULL;
	g_autoptr(GPtrArray) owners = NULL;
	g_autoptr(GPtrArray) got = g_ptr_array_new();

	for (gsize i = 0; i < G_N_ELEMENTS(addresses); i++)
		pgl_member_free(add_member(fixture, list->id, addresses[i], PGL_ROLE_MEMBER));
	pgl_member_free(add_member(fixture, list->id, "zed@example.org", PGL_ROLE_OWNER));

	members = pgl_store_member_list(fixture->store, list->id, PGL_ROLE_MEMBER, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < members->len; i++)
		g_ptr_array_add(got, ((PglMember *)members->pdata[i])->address);
	g_ptr_array_add(got, NULL);
	assert_strv(got->pdata, "anne@example.com", "anne@example.org", "bob@example.net",
		    "carol@example.org");
	owners = pgl_store_member_list(fixture->store, list->id, PGL_ROLE_OWNER, &error);
	g_assert_no_error(error);
	assert_int(owners->len, 1);
	assert_str(((PglMember *)owners->pdata[0])->address, "zed@example.org");
}

static void
test_members_roles(Fixture *fixture, gconstpointer user_data)
{
	static const PglRole added[] = {PGL_ROLE_NONMEMBER, PGL_ROLE_MODERATOR, PGL_ROLE_MEMBER,
					PGL_ROLE_OWNER};
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "m", "example.org");
	g_autoptr(GPtrArray) roles = NULL;
	g_autoptr(GPtrArray) none = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(added); i++)
		pgl_member_free(add_member(fixture, list->id, "a@example.org", added[i]));
	pgl_member_free(add_member(fixture, list->id, "b@example.org", PGL_ROLE_MEMBER));

	roles = pgl_store_member_roles(fixture->store, list->id, "a@example.org", &error);
	g_assert_no_error(error);
	assert_int(roles->len, 4);
	for (guint i = 0; i < roles->len; i++) {
		PglMember *member = roles->pdata[i];

		assert_int(member->role, i); /* in PglRole order */
		assert_str(member->address, "a@example.org");
	}
	none = pgl_store_member_roles(fixture->store, list->id, "c@example.org", &error);
	g_assert_no_error(error);
	assert_int(none->len, 0);
}

static void
test_members_moderation(Fixture *fixture, gconstpointer user_data)
{
	static const PglAction actions[] = {PGL_ACTION_ACCEPT, PGL_ACTION_HOLD, PGL_ACTION_REJECT,
					    PGL_ACTION_DISCARD, PGL_ACTION_DEFER};
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "m", "example.org");
	g_autoptr(PglMember) member = add_member(fixture, list->id, "a@example.org",
						 PGL_ROLE_NONMEMBER);

	for (gsize i = 0; i < G_N_ELEMENTS(actions); i++) {
		g_autoptr(PglMember) found = NULL;

		g_assert_true(pgl_store_member_set_moderation(fixture->store, member->id,
							      actions[i], &error));
		g_assert_no_error(error);
		found = pgl_store_member_get(fixture->store, member->id, &error);
		g_assert_no_error(error);
		assert_int(found->moderation_action, actions[i]);
	}
	g_assert_false(pgl_store_member_set_moderation(fixture->store, member->id + 1000,
						       PGL_ACTION_HOLD, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
}

static void
test_members_delivery(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "m", "example.org");
	g_autoptr(PglMember) member = add_member(fixture, list->id, "a@example.org",
						 PGL_ROLE_MEMBER);
	g_autoptr(PglMember) off = NULL;
	g_autoptr(PglMember) on = NULL;

	g_assert_true(pgl_store_member_set_delivery(fixture->store, member->id, FALSE, &error));
	g_assert_no_error(error);
	off = pgl_store_member_get(fixture->store, member->id, &error);
	g_assert_no_error(error);
	g_assert_false(off->delivery_enabled);
	g_assert_true(pgl_store_member_set_delivery(fixture->store, member->id, TRUE, &error));
	g_assert_no_error(error);
	on = pgl_store_member_get(fixture->store, member->id, &error);
	g_assert_no_error(error);
	g_assert_true(on->delivery_enabled);
	g_assert_false(
		pgl_store_member_set_delivery(fixture->store, member->id + 1000, FALSE, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
}

static void
test_members_recipients(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "m", "example.org");
	g_autoptr(PglList) other = create_list(fixture, "other", "example.org");
	g_autoptr(PglMember) disabled = NULL;
	g_auto(GStrv) recipients = NULL;
	g_auto(GStrv) none = NULL;

	pgl_member_free(add_member(fixture, list->id, "zoe@example.org", PGL_ROLE_MEMBER));
	pgl_member_free(add_member(fixture, list->id, "al@example.org", PGL_ROLE_MEMBER));
	pgl_member_free(add_member(fixture, list->id, "mia@example.com", PGL_ROLE_MEMBER));
	disabled = add_member(fixture, list->id, "bounced@example.org", PGL_ROLE_MEMBER);
	pgl_store_member_set_delivery(fixture->store, disabled->id, FALSE, &error);
	g_assert_no_error(error);
	/* other roles get no posts as such... */
	pgl_member_free(add_member(fixture, list->id, "owner@example.org", PGL_ROLE_OWNER));
	pgl_member_free(add_member(fixture, list->id, "mod@example.org", PGL_ROLE_MODERATOR));
	pgl_member_free(add_member(fixture, list->id, "non@example.org", PGL_ROLE_NONMEMBER));
	/* ...unless also members */
	pgl_member_free(add_member(fixture, list->id, "al@example.org", PGL_ROLE_OWNER));
	pgl_member_free(add_member(fixture, other->id, "else@example.org", PGL_ROLE_MEMBER));

	recipients = pgl_store_delivery_recipients(fixture->store, list->id, &error);
	g_assert_no_error(error);
	assert_strv(recipients, "al@example.org", "mia@example.com", "zoe@example.org");
	none = pgl_store_delivery_recipients(fixture->store, 4242, &error);
	g_assert_no_error(error);
	assert_int(g_strv_length(none), 0);
}

static void
test_members_recipients_10000(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "big", "example.org");
	g_auto(GStrv) recipients = NULL;
	gint64 start;
	gint64 elapsed;

	start = g_get_monotonic_time();
	g_assert_true(pgl_store_begin(fixture->store, &error));
	g_assert_no_error(error);
	for (guint i = 0; i < 10000; i++) {
		/* inserted out of order, to check the sorting */
		g_autofree gchar *address =
			g_strdup_printf("user%05u@example.org", (i * 7919) % 10000);
		g_autoptr(PglMember) member = add_member(fixture, list->id, address,
							 PGL_ROLE_MEMBER);
							g_assert_nonnull(member);
	}
	g_assert_true(pgl_store_commit(fixture->store, &error));
	g_assert_no_error(error);
	g_test_message("10,000 members added in %.1f ms",
		       (g_get_monotonic_time() - start) / 1000.0);

	start = g_get_monotonic_time();
	recipients = pgl_store_delivery_recipients(fixture->store, list->id, &error);
	elapsed = g_get_monotonic_time() - start;
	g_assert_no_error(error);
	g_test_message("delivery_recipients for 10,000 members: %.1f ms", elapsed / 1000.0);
	assert_int(g_strv_length(recipients), 10000);
	assert_str(recipients[0], "user00000@example.org");
	assert_str(recipients[9999], "user09999@example.org");
	for (guint i = 1; i < 10000; i++)
		g_assert_cmpstr(recipients[i - 1], <, recipients[i]);
	/* a sanity check, generous for sanitizer builds and slow CI; ~10 ms is expected */
	if (elapsed >= 2 * G_USEC_PER_SEC)
		g_error("delivery_recipients: got %" G_GINT64_FORMAT " ms, want < 2000 ms",
			elapsed / 1000);
}

/* ---- held messages ---- */

static void
test_held_roundtrip(Fixture *fixture, gconstpointer user_data)
{
	static const guint8 raw[] = {'F', 'r', 'o', 'm', ':', ' ', 0x00, 0xff, 0x00,
				     '\r', '\n', 0x80, 0x00, 0x7f, 0x00, 0x00};
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "h", "example.org");
	g_autoptr(PglList) other = create_list(fixture, "other", "example.org");
	g_autoptr(GBytes) message = g_bytes_new_static(raw, sizeof raw);
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(PglHeldMessage) held = NULL;
	g_autoptr(PglHeldMessage) held_empty = NULL;
	g_autoptr(PglHeldMessage) wrong_list = NULL;
	g_autoptr(GPtrArray) listing = NULL;
	gint64 id;
	gint64 id_empty;

	id = pgl_store_held_add(fixture->store, list->id, NULL, "anne@example.org", "Grüße",
				"non-member post", "<abc@example.org>", message, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(id, >, 0);
	id_empty = pgl_store_held_add(fixture->store, list->id, NULL, "bob@example.org", NULL,
				      "too big", NULL, empty, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(id_empty, >, id);

	held = pgl_store_held_get(fixture->store, list->id, id, &error);
	g_assert_no_error(error);
	assert_int(held->id, id);
	assert_int(held->list_id, list->id);
	assert_str(held->sender, "anne@example.org");
	assert_str(held->subject, "Grüße");
	assert_str(held->reason, "non-member post");
	assert_str(held->message_id, "<abc@example.org>");
	g_assert_cmpint(held->received, >, 0);
	g_assert_nonnull(held->message);
	if (!g_bytes_equal(held->message, message))
		g_error("held message: got %" G_GSIZE_FORMAT " bytes, not the %" G_GSIZE_FORMAT
			" stored",
			g_bytes_get_size(held->message), sizeof raw);

	held_empty = pgl_store_held_get(fixture->store, list->id, id_empty, &error);
	g_assert_no_error(error);
	g_assert_null(held_empty->subject);
	g_assert_null(held_empty->message_id);
	g_assert_nonnull(held_empty->message);
	assert_int(g_bytes_get_size(held_empty->message), 0);

	/* another list's moderator cannot reach it */
	wrong_list = pgl_store_held_get(fixture->store, other->id, id, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_assert_null(wrong_list);
	g_clear_error(&error);

	listing = pgl_store_held_list(fixture->store, list->id, &error);
	g_assert_no_error(error);
	assert_int(listing->len, 2);
	assert_int(((PglHeldMessage *)listing->pdata[0])->id, id);
	assert_int(((PglHeldMessage *)listing->pdata[1])->id, id_empty);
	assert_str(((PglHeldMessage *)listing->pdata[0])->subject, "Grüße");
	g_assert_null(((PglHeldMessage *)listing->pdata[0])->message);
	g_clear_pointer(&listing, g_ptr_array_unref);
	listing = pgl_store_held_list(fixture->store, other->id, &error);
	g_assert_no_error(error);
	assert_int(listing->len, 0);
}

/* A stage repeated after a crash holds the same spool entry once. */
static void
test_held_same_spool_id(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(PglList) list = create_list(fixture, "h", "example.org");
	g_autoptr(GBytes) message = g_bytes_new_static("Subject: x\n\ny\n", 14);
	g_autoptr(GPtrArray) listing = NULL;
	g_autoptr(GError) error = NULL;
	gint64 first, again, other;

	first = pgl_store_held_add(fixture->store, list->id, "0001-aa", "a@example.org", "s", "r",
				   NULL, message, FALSE, &error);
	g_assert_no_error(error);
	again = pgl_store_held_add(fixture->store, list->id, "0001-aa", "a@example.org", "s", "r",
				   NULL, message, FALSE, &error);
	g_assert_no_error(error);
	assert_int(again, first);
	other = pgl_store_held_add(fixture->store, list->id, "0002-bb", "a@example.org", "s", "r",
				   NULL, message, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(other, >, first);
	listing = pgl_store_held_list(fixture->store, list->id, &error);
	assert_int(listing->len, 2);
}

static void
test_held_remove(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "h", "example.org");
	g_autoptr(GBytes) message = g_bytes_new_static("m", 1);
	g_autoptr(PglHeldMessage) gone = NULL;
	gint64 first;
	gint64 second;
	gint64 third;

	first = pgl_store_held_add(fixture->store, list->id, NULL, "a@example.org", NULL, "r", NULL,
				   message, FALSE, &error);
	g_assert_no_error(error);
	second = pgl_store_held_add(fixture->store, list->id, NULL, "a@example.org", NULL, "r", NULL,
				    message, FALSE, &error);
	g_assert_no_error(error);
	g_assert_true(pgl_store_held_remove(fixture->store, second, &error));
	g_assert_no_error(error);
	gone = pgl_store_held_get(fixture->store, list->id, second, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* the second moderator to act finds it gone */
	g_assert_false(pgl_store_held_remove(fixture->store, second, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* the highest id was removed, and still is not given out again */
	third = pgl_store_held_add(fixture->store, list->id, NULL, "a@example.org", NULL, "r", NULL,
				   message, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(third, >, second);
	g_assert_cmpint(second, >, first);
}

static void
test_held_no_list(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) message = g_bytes_new_static("m", 1);

	assert_int(pgl_store_held_add(fixture->store, 4242, NULL, "a@example.org", NULL, "r", NULL,
				      message, FALSE, &error),
		   0);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
}

/* ---- pending ---- */

static gboolean
is_token(const gchar *token)
{
	if (strlen(token) != 40)
		return FALSE;
	for (const gchar *p = token; *p != '\0'; p++) {
		if (!g_ascii_isxdigit(*p) || g_ascii_isupper(*p))
			return FALSE;
	}
	return TRUE;
}

static void
test_pending_roundtrip(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "p", "example.org");
	g_autofree gchar *token = NULL;
	g_autofree gchar *token2 = NULL;
	g_autofree gchar *type = NULL;
	g_autofree gchar *payload = NULL;
	gint64 list_id = 0;

	token = pgl_store_pending_add(fixture->store, list->id, "subscribe",
				      "{\"address\": \"a@example.org\"}", 2000, &error);
	g_assert_no_error(error);
	if (!is_token(token))
		g_error("token: got \"%s\", want 40 lower-case hex digits", token);
	token2 = pgl_store_pending_add(fixture->store, list->id, "subscribe", "{}", 2000, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(token, !=, token2);

	g_assert_true(pgl_store_pending_get(fixture->store, token, 1000, &list_id, &type,
					    &payload, &error));
	g_assert_no_error(error);
	assert_int(list_id, list->id);
	assert_str(type, "subscribe");
	assert_str(payload, "{\"address\": \"a@example.org\"}");
	/* every out parameter is optional */
	g_assert_true(pgl_store_pending_get(fixture->store, token, 1000, NULL, NULL, NULL,
					     &error));
	g_assert_no_error(error);

	g_assert_true(pgl_store_pending_remove(fixture->store, token, &error));
	g_assert_no_error(error);
	g_assert_false(pgl_store_pending_get(fixture->store, token, 1000, NULL, NULL, NULL,
					     &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(pgl_store_pending_remove(fixture->store, token, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* hostile input is just not found */
	g_assert_false(pgl_store_pending_get(fixture->store, "' OR 1=1 --", 1000, NULL, NULL, NULL,
					     &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* the other token is untouched */
	g_assert_true(pgl_store_pending_get(fixture->store, token2, 1000, NULL, NULL, NULL,
					    &error));
	g_assert_no_error(error);
}

static void
test_pending_expiry(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "p", "example.org");
	g_autofree gchar *early = NULL;
	g_autofree gchar *late = NULL;

	early = pgl_store_pending_add(fixture->store, list->id, "subscribe", "{}", 1000, &error);
	g_assert_no_error(error);
	late = pgl_store_pending_add(fixture->store, list->id, "subscribe", "{}", 3000, &error);
	g_assert_no_error(error);

	g_assert_true(pgl_store_pending_get(fixture->store, early, 999, NULL, NULL, NULL, &error));
	g_assert_no_error(error);
	/* expired from its expiry time on, even before pgl_store_pending_expire() runs */
	g_assert_false(pgl_store_pending_get(fixture->store, early, 1000, NULL, NULL, NULL,
					     &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);

	assert_int(pgl_store_pending_expire(fixture->store, 999, &error), 0);
	g_assert_no_error(error);
	assert_int(pgl_store_pending_expire(fixture->store, 1000, &error), 1);
	g_assert_no_error(error);
	assert_int(pgl_store_pending_expire(fixture->store, 2000, &error), 0);
	g_assert_no_error(error);
	g_assert_true(pgl_store_pending_get(fixture->store, late, 2000, NULL, NULL, NULL, &error));
	g_assert_no_error(error);
	assert_int(pgl_store_pending_expire(fixture->store, 5000, &error), 1);
	g_assert_no_error(error);
	assert_int(raw_int(fixture, "SELECT count(*) FROM pending", 0), 0);
}

static void
test_pending_no_list(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *token = pgl_store_pending_add(fixture->store, 4242, "subscribe", "{}",
							1000, &error);

	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_assert_null(token);
}

static void
test_pending_lookup(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "p", "example.org");
	g_autoptr(PglPending) pending = NULL;
	g_autofree gchar *token = NULL;

	token = pgl_store_pending_add(fixture->store, list->id, "workflow", "{\"v\": 1}", 1000,
				      &error);
	g_assert_no_error(error);
	pending = pgl_store_pending_lookup(fixture->store, token, &error);
	g_assert_no_error(error);
	g_assert_nonnull(pending);
	assert_str(pending->token, token);
	assert_int(pending->list_id, list->id);
	assert_str(pending->type, "workflow");
	assert_str(pending->payload, "{\"v\": 1}");
	assert_int(pending->expires, 1000);
	g_assert_cmpint(pending->created, >, 0);
	g_clear_pointer(&pending, pgl_pending_free);

	/* an expired row is still found, with its expiry, until it is removed */
	g_assert_false(pgl_store_pending_get(fixture->store, token, 5000, NULL, NULL, NULL,
					     &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	pending = pgl_store_pending_lookup(fixture->store, token, &error);
	g_assert_no_error(error);
	assert_int(pending->expires, 1000);
	g_clear_pointer(&pending, pgl_pending_free);

	g_assert_true(pgl_store_pending_remove(fixture->store, token, &error));
	g_assert_no_error(error);
	pending = pgl_store_pending_lookup(fixture->store, token, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_assert_null(pending);
	g_clear_error(&error);
	pending = pgl_store_pending_lookup(fixture->store, "' OR 1=1 --", &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_assert_null(pending);
}

static void
test_pending_take_expired(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "p", "example.org");
	g_autoptr(GPtrArray) taken = NULL;
	g_autofree gchar *first = NULL;
	g_autofree gchar *second = NULL;
	g_autofree gchar *third = NULL;
	g_autofree gchar *other_type = NULL;
	g_autofree gchar *late = NULL;
	PglPending *row;

	second = pgl_store_pending_add(fixture->store, list->id, "workflow", "two", 1500, &error);
	g_assert_no_error(error);
	first = pgl_store_pending_add(fixture->store, list->id, "workflow", "one", 1000, &error);
	g_assert_no_error(error);
	third = pgl_store_pending_add(fixture->store, list->id, "workflow", "three", 2000, &error);
	g_assert_no_error(error);
	other_type = pgl_store_pending_add(fixture->store, list->id, "other", "x", 1000, &error);
	g_assert_no_error(error);
	late = pgl_store_pending_add(fixture->store, list->id, "workflow", "late", 9000, &error);
	g_assert_no_error(error);

	/* nothing expired yet */
	taken = pgl_store_pending_take_expired(fixture->store, "workflow", 999, 10, &error);
	g_assert_no_error(error);
	assert_int(taken->len, 0);
	g_clear_pointer(&taken, g_ptr_array_unref);

	/* at most max, earliest expiry first, only of the type asked for */
	taken = pgl_store_pending_take_expired(fixture->store, "workflow", 2000, 2, &error);
	g_assert_no_error(error);
	assert_int(taken->len, 2);
	/* RETURNING gives the rows in no particular order: compare as a set */
	{
		g_autoptr(GHashTable) got = g_hash_table_new(g_str_hash, g_str_equal);

		for (guint i = 0; i < taken->len; i++) {
			row = g_ptr_array_index(taken, i);
			g_hash_table_add(got, row->payload);
			assert_int(row->list_id, list->id);
			assert_str(row->type, "workflow");
			g_assert_true(g_str_equal(row->token, first) ||
				      g_str_equal(row->token, second));
		}
		g_assert_true(g_hash_table_contains(got, "one"));
		g_assert_true(g_hash_table_contains(got, "two"));
	}
	g_clear_pointer(&taken, g_ptr_array_unref);
	g_assert_false(pgl_store_pending_get(fixture->store, first, 0, NULL, NULL, NULL, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);

	taken = pgl_store_pending_take_expired(fixture->store, "workflow", 2000, 2, &error);
	g_assert_no_error(error);
	assert_int(taken->len, 1);
	row = g_ptr_array_index(taken, 0);
	assert_str(row->token, third);
	assert_str(row->payload, "three");
	assert_int(row->expires, 2000);
	g_clear_pointer(&taken, g_ptr_array_unref);

	/* a rolled-back take leaves the rows in place */
	g_assert_true(pgl_store_begin(fixture->store, &error));
	g_assert_no_error(error);
	taken = pgl_store_pending_take_expired(fixture->store, "other", 2000, 10, &error);
	g_assert_no_error(error);
	assert_int(taken->len, 1);
	g_clear_pointer(&taken, g_ptr_array_unref);
	pgl_store_rollback(fixture->store);
	g_assert_true(pgl_store_pending_get(fixture->store, other_type, 0, NULL, NULL, NULL,
					    &error));
	g_assert_no_error(error);

	assert_int(raw_int(fixture, "SELECT count(*) FROM pending", 0), 2);
	g_assert_true(pgl_store_pending_get(fixture->store, late, 2000, NULL, NULL, NULL, &error));
	g_assert_no_error(error);
}

/* ---- duplicate suppression ---- */

static void
test_message_ids(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "d", "example.org");
	g_autoptr(PglList) other = create_list(fixture, "other", "example.org");
	gboolean seen = TRUE;

	g_assert_true(pgl_store_message_id_check(fixture->store, list->id, "<a@x>", 100, NULL, &seen,
						 &error));
	g_assert_no_error(error);
	g_assert_false(seen);
	g_assert_true(pgl_store_message_id_check(fixture->store, list->id, "<a@x>", 200, NULL, &seen,
						 &error));
	g_assert_no_error(error);
	g_assert_true(seen);
	/* per list */
	g_assert_true(pgl_store_message_id_check(fixture->store, other->id, "<a@x>", 200, NULL, &seen,
						 &error));
	g_assert_no_error(error);
	g_assert_false(seen);
	g_assert_true(pgl_store_message_id_check(fixture->store, list->id, "<b@x>", 300, NULL, &seen,
						 &error));
	g_assert_no_error(error);
	g_assert_false(seen);

	/* the repeat at 200 did not refresh <a@x>'s first sighting at 100 */
	assert_int(pgl_store_message_id_expire(fixture->store, 100, &error), 0);
	g_assert_no_error(error);
	assert_int(pgl_store_message_id_expire(fixture->store, 201, &error), 2);
	g_assert_no_error(error);
	g_assert_true(pgl_store_message_id_check(fixture->store, list->id, "<a@x>", 400, NULL, &seen,
						 &error));
	g_assert_no_error(error);
	g_assert_false(seen);
	g_assert_true(pgl_store_message_id_check(fixture->store, list->id, "<b@x>", 400, NULL, &seen,
						 &error));
	g_assert_no_error(error);
	g_assert_true(seen);

	g_assert_false(pgl_store_message_id_check(fixture->store, 4242, "<a@x>", 400, NULL, &seen,
						  &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
}

/* ---- audit and bounces ---- */

static void
test_audit(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "a", "example.org");
	g_autoptr(PglList) other = create_list(fixture, "other", "example.org");
	g_autoptr(GPtrArray) entries = NULL;
	g_autoptr(GPtrArray) none = NULL;
	PglAuditEntry *entry;

	g_assert_true(pgl_store_audit_add(fixture->store, list->id, "<m1@x>", "hold",
					  "non-member post", "rule:nonmember", 1000, &error));
	g_assert_no_error(error);
	g_assert_true(pgl_store_audit_add(fixture->store, list->id, NULL, "approve", NULL, NULL,
					  900, &error));
	g_assert_no_error(error);
	entries = pgl_store_audit_list(fixture->store, list->id, &error);
	g_assert_no_error(error);
	assert_int(entries->len, 2);
	/* in the order added, whatever their times */
	entry = entries->pdata[0];
	assert_int(entry->time, 1000);
	assert_int(entry->list_id, list->id);
	assert_str(entry->message_id, "<m1@x>");
	assert_str(entry->action, "hold");
	assert_str(entry->reason, "non-member post");
	assert_str(entry->actor, "rule:nonmember");
	entry = entries->pdata[1];
	g_assert_cmpint(entry->id, >, ((PglAuditEntry *)entries->pdata[0])->id);
	assert_int(entry->time, 900);
	assert_str(entry->action, "approve");
	g_assert_null(entry->message_id);
	g_assert_null(entry->reason);
	g_assert_null(entry->actor);

	none = pgl_store_audit_list(fixture->store, other->id, &error);
	g_assert_no_error(error);
	assert_int(none->len, 0);
	g_assert_false(
		pgl_store_audit_add(fixture->store, 4242, NULL, "hold", NULL, NULL, 1, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
}

static void
test_bounces(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "b", "example.org");
	g_autoptr(PglList) other = create_list(fixture, "other", "example.org");
	g_autoptr(GBytes) dsn = g_bytes_new_static("Status: 5.1.1\0x", 15);

	assert_int(pgl_store_bounce_count(fixture->store, list->id, NULL, &error), 0);
	g_assert_no_error(error);
	g_assert_true(pgl_store_bounce_add(fixture->store, list->id, "a@example.org", "5.1.1",
					   dsn, 100, &error));
	g_assert_no_error(error);
	g_assert_true(pgl_store_bounce_add(fixture->store, list->id, "a@example.org", NULL, NULL,
					   200, &error));
	g_assert_no_error(error);
	/* a bounce nobody could be matched to */
	g_assert_true(pgl_store_bounce_add(fixture->store, list->id, NULL, "unparsable", dsn, 300,
					   &error));
	g_assert_no_error(error);
	g_assert_true(pgl_store_bounce_add(fixture->store, other->id, "a@example.org", NULL, NULL,
					   300, &error));
	g_assert_no_error(error);

	assert_int(pgl_store_bounce_count(fixture->store, list->id, "a@example.org", &error), 2);
	g_assert_no_error(error);
	assert_int(pgl_store_bounce_count(fixture->store, list->id, "b@example.org", &error), 0);
	g_assert_no_error(error);
	assert_int(pgl_store_bounce_count(fixture->store, list->id, NULL, &error), 3);
	g_assert_no_error(error);
	assert_int(pgl_store_bounce_count(fixture->store, other->id, NULL, &error), 1);
	g_assert_no_error(error);
	g_assert_false(
		pgl_store_bounce_add(fixture->store, 4242, NULL, NULL, NULL, 1, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
}

/* ---- deliveries ---- */

static void
test_delivered(Fixture *fixture, gconstpointer user_data)
{
	static const gchar *const attempt[] = {"c@example.org", "a@example.org", "b@example.org",
					       "d@example.org"};
	static const gchar *const accepted[] = {"a@example.org", "d@example.org"};
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) first = NULL;
	g_autoptr(GPtrArray) retry = NULL;
	g_autoptr(GPtrArray) other = NULL;

	first = pgl_store_delivered_filter(fixture->store, "out-1", attempt, 4, &error);
	g_assert_no_error(error);
	assert_int(first->len, 4);
	g_assert_true(pgl_store_delivered_add(fixture->store, "out-1", accepted, 2, 100, &error));
	g_assert_no_error(error);
	/* twice is fine; none is fine */
	g_assert_true(pgl_store_delivered_add(fixture->store, "out-1", accepted, 1, 150, &error));
	g_assert_no_error(error);
	g_assert_true(pgl_store_delivered_add(fixture->store, "out-1", NULL, 0, 150, &error));
	g_assert_no_error(error);

	retry = pgl_store_delivered_filter(fixture->store, "out-1", attempt, 4, &error);
	g_assert_no_error(error);
	g_ptr_array_add(retry, NULL);
	assert_strv(retry->pdata, "c@example.org", "b@example.org");
	/* per origin */
	other = pgl_store_delivered_filter(fixture->store, "out-2", attempt, 4, &error);
	g_assert_no_error(error);
	assert_int(other->len, 4);

	assert_int(pgl_store_delivered_expire(fixture->store, 100, &error), 0);
	g_assert_no_error(error);
	assert_int(pgl_store_delivered_expire(fixture->store, 101, &error), 2);
	g_assert_no_error(error);
	g_clear_pointer(&retry, g_ptr_array_unref);
	retry = pgl_store_delivered_filter(fixture->store, "out-1", attempt, 4, &error);
	g_assert_no_error(error);
	assert_int(retry->len, 4);
}

/* ---- OpenPGP keys and signature digests ---- */

static gboolean
bytes_are(GBytes *bytes, const gchar *text)
{
	gsize size = 0;
	const gchar *data = g_bytes_get_data(bytes, &size);

	return size == strlen(text) && (size == 0 || memcmp(data, text, size) == 0);
}

#define assert_bytes(got, want)                                                                    \
	G_STMT_START                                                                               \
	{                                                                                          \
		if (!bytes_are((got), (want))) {                                                   \
			g_autofree gchar *msg_ = g_strdup_printf(                                  \
				"%s: got \"%.*s\", want \"%s\"", #got,                             \
				(int)g_bytes_get_size(got),                                        \
				(const gchar *)g_bytes_get_data((got), NULL), (want));             \
			g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg_);    \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

static void
test_list_keys(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "pgp", "example.org");
	g_autoptr(PglList) plain = create_list(fixture, "plain", "example.org");
	g_autoptr(GBytes) public_key = g_bytes_new_static("PUBLIC 1", 8);
	g_autoptr(GBytes) secret_key = g_bytes_new_static("SECRET 1", 8);
	g_autoptr(GBytes) public_key2 = g_bytes_new_static("PUBLIC 2", 8);
	g_autoptr(GBytes) secret_key2 = g_bytes_new_static("SECRET 2", 8);
	g_autoptr(PglListKey) key = NULL;
	g_autoptr(PglListKey) with_secret = NULL;
	g_autoptr(PglListKey) replaced = NULL;
	g_autoptr(PglListKey) missing = NULL;
	gint64 before = g_get_real_time() / G_USEC_PER_SEC;

	/* a plain list has no key pair */
	missing = pgl_store_list_key_get(fixture->store, plain->id, FALSE, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_assert_null(missing);
	g_clear_error(&error);

	g_assert_true(pgl_store_list_key_set(fixture->store, list->id, "AAAA", public_key,
					     secret_key, FALSE, &error));
	g_assert_no_error(error);
	key = pgl_store_list_key_get(fixture->store, list->id, FALSE, &error);
	g_assert_no_error(error);
	assert_int(key->list_id, list->id);
	assert_str(key->fingerprint, "AAAA");
	assert_bytes(key->public_key, "PUBLIC 1");
	/* the secret key only when asked for */
	g_assert_null(key->secret_key);
	g_assert_cmpint(key->created, >=, before);
	g_assert_cmpint(key->created, <=, g_get_real_time() / G_USEC_PER_SEC);
	with_secret = pgl_store_list_key_get(fixture->store, list->id, TRUE, &error);
	g_assert_no_error(error);
	assert_bytes(with_secret->secret_key, "SECRET 1");

	/* no replacing by accident */
	g_assert_false(pgl_store_list_key_set(fixture->store, list->id, "BBBB", public_key2,
					      secret_key2, FALSE, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS);
	g_assert_null(strstr(error->message, "SECRET"));
	g_clear_error(&error);
	g_clear_pointer(&with_secret, pgl_list_key_free);
	with_secret = pgl_store_list_key_get(fixture->store, list->id, TRUE, &error);
	g_assert_no_error(error);
	assert_str(with_secret->fingerprint, "AAAA");
	assert_bytes(with_secret->secret_key, "SECRET 1");
	/* on purpose */
	g_assert_true(pgl_store_list_key_set(fixture->store, list->id, "BBBB", public_key2,
					     secret_key2, TRUE, &error));
	g_assert_no_error(error);
	replaced = pgl_store_list_key_get(fixture->store, list->id, TRUE, &error);
	g_assert_no_error(error);
	assert_str(replaced->fingerprint, "BBBB");
	assert_bytes(replaced->public_key, "PUBLIC 2");
	assert_bytes(replaced->secret_key, "SECRET 2");
	assert_int(raw_int(fixture, "SELECT count(*) FROM list_keys", 0), 1);
	/* replace also gives a key pair to a list without one */
	g_assert_true(pgl_store_list_key_set(fixture->store, plain->id, "CCCC", public_key,
					     secret_key, TRUE, &error));
	g_assert_no_error(error);

	g_assert_true(pgl_store_list_key_remove(fixture->store, list->id, &error));
	g_assert_no_error(error);
	g_clear_pointer(&missing, pgl_list_key_free);
	missing = pgl_store_list_key_get(fixture->store, list->id, TRUE, &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(pgl_store_list_key_remove(fixture->store, list->id, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* the other list keeps its own */
	g_clear_pointer(&key, pgl_list_key_free);
	key = pgl_store_list_key_get(fixture->store, plain->id, FALSE, &error);
	g_assert_no_error(error);
	assert_str(key->fingerprint, "CCCC");
}

static void
test_list_keys_no_list(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) blob = g_bytes_new_static("k", 1);

	for (guint replace = 0; replace < 2; replace++) {
		g_assert_false(pgl_store_list_key_set(fixture->store, 4242, "AAAA", blob, blob,
						      replace, &error));
		g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
		g_clear_error(&error);
	}
	g_assert_false(pgl_store_list_key_remove(fixture->store, 4242, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
}

/* TRUE if the database file (not its log) contains @needle. */
static gboolean
file_contains(const gchar *path, const gchar *needle)
{
	g_autofree gchar *contents = NULL;
	gsize length = 0;

	g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
	return memmem(contents, length, needle, strlen(needle)) != NULL;
}

/* A replaced or removed secret key is overwritten in the database file, not left in a free
 * page or cell (secure_delete). */
static void
test_list_keys_secure_delete(Fixture *fixture, gconstpointer user_data)
{
	const gchar *db_path = pgl_context_get_db_path(fixture->ctx);
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "pgp", "example.org");
	/* bigger than a page: a real key spills into overflow pages, which are freed whole */
	g_autofree gchar *secret_text = g_strnfill(6000, 'S');
	g_autofree gchar *other_text = g_strnfill(6000, 'T');
	g_autoptr(GBytes) secret_key = NULL;
	g_autoptr(GBytes) other_key = NULL;
	g_autoptr(GBytes) public_key = g_bytes_new_static("public", 6);
	sqlite3 *db;

	memcpy(secret_text, "SECRET-MARKER-1", 15);
	memcpy(other_text, "SECRET-MARKER-2", 15);
	secret_key = g_bytes_new(secret_text, strlen(secret_text));
	other_key = g_bytes_new(other_text, strlen(other_text));
	g_assert_true(pgl_store_list_key_set(fixture->store, list->id, "AAAA", public_key,
					     secret_key, FALSE, &error));
	g_assert_no_error(error);
	g_clear_pointer(&fixture->store, pgl_store_free);
	/* the last connection closing checkpoints the log into the file */
	g_assert_true(file_contains(db_path, "SECRET-MARKER-1"));

	fixture->store = pgl_store_open(fixture->ctx, &error);
	g_assert_no_error(error);
	g_assert_true(pgl_store_list_key_set(fixture->store, list->id, "BBBB", public_key,
					     other_key, TRUE, &error));
	g_assert_no_error(error);
	g_clear_pointer(&fixture->store, pgl_store_free);
	g_assert_false(file_contains(db_path, "SECRET-MARKER-1"));
	g_assert_true(file_contains(db_path, "SECRET-MARKER-2"));

	fixture->store = pgl_store_open(fixture->ctx, &error);
	g_assert_no_error(error);
	g_assert_true(pgl_store_list_key_remove(fixture->store, list->id, &error));
	g_assert_no_error(error);
	g_clear_pointer(&fixture->store, pgl_store_free);
	/* make sure the log was checkpointed, whatever SQLite decided at close */
	db = raw_open(fixture);
	assert_int(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
		   SQLITE_OK);
	sqlite3_close(db);
	g_assert_false(file_contains(db_path, "SECRET-MARKER-2"));
}

static void
test_address_keys(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) key1 = g_bytes_new_static("KEY 1", 5);
	g_autoptr(GBytes) key2 = g_bytes_new_static("KEY 2", 5);
	g_autoptr(PglAddressKey) missing = NULL;
	g_autoptr(PglAddressKey) key = NULL;
	g_autoptr(PglAddressKey) confirmed = NULL;
	g_autoptr(PglAddressKey) replaced = NULL;
	g_autoptr(PglAddressKey) other = NULL;
	gint64 before = g_get_real_time() / G_USEC_PER_SEC;

	missing = pgl_store_address_key_get(fixture->store, "a@example.org", &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_assert_null(missing);
	g_clear_error(&error);

	/* no list needed: keys belong to addresses */
	g_assert_true(pgl_store_address_key_set(fixture->store, "a@example.org", "AAAA", key1,
						FALSE, &error));
	g_assert_no_error(error);
	g_assert_true(pgl_store_address_key_set(fixture->store, "b@example.org", "BBBB", key2,
						TRUE, &error));
	g_assert_no_error(error);
	key = pgl_store_address_key_get(fixture->store, "a@example.org", &error);
	g_assert_no_error(error);
	assert_str(key->address, "a@example.org");
	assert_str(key->fingerprint, "AAAA");
	assert_bytes(key->public_key, "KEY 1");
	g_assert_false(key->confirmed);
	g_assert_cmpint(key->updated, >=, before);

	/* confirming needs the key that is there now */
	g_assert_false(
		pgl_store_address_key_confirm(fixture->store, "a@example.org", "BBBB", &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(
		pgl_store_address_key_confirm(fixture->store, "c@example.org", "AAAA", &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_true(
		pgl_store_address_key_confirm(fixture->store, "a@example.org", "AAAA", &error));
	g_assert_no_error(error);
	/* twice is fine */
	g_assert_true(
		pgl_store_address_key_confirm(fixture->store, "a@example.org", "AAAA", &error));
	g_assert_no_error(error);
	confirmed = pgl_store_address_key_get(fixture->store, "a@example.org", &error);
	g_assert_no_error(error);
	g_assert_true(confirmed->confirmed);

	/* a new key replaces the old one with the confirmation given */
	g_assert_true(pgl_store_address_key_set(fixture->store, "a@example.org", "CCCC", key2,
						FALSE, &error));
	g_assert_no_error(error);
	replaced = pgl_store_address_key_get(fixture->store, "a@example.org", &error);
	g_assert_no_error(error);
	assert_str(replaced->fingerprint, "CCCC");
	assert_bytes(replaced->public_key, "KEY 2");
	g_assert_false(replaced->confirmed);
	assert_int(raw_int(fixture, "SELECT count(*) FROM address_keys", 0), 2);

	g_assert_true(pgl_store_address_key_remove(fixture->store, "a@example.org", &error));
	g_assert_no_error(error);
	g_clear_pointer(&missing, pgl_address_key_free);
	missing = pgl_store_address_key_get(fixture->store, "a@example.org", &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(pgl_store_address_key_remove(fixture->store, "a@example.org", &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* hostile input is just not found */
	g_clear_pointer(&missing, pgl_address_key_free);
	missing = pgl_store_address_key_get(fixture->store, "' OR 1=1 --", &error);
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	other = pgl_store_address_key_get(fixture->store, "b@example.org", &error);
	g_assert_no_error(error);
	g_assert_true(other->confirmed);
}

static void
test_signature_digests(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "pgp", "example.org");
	g_autoptr(PglList) other = create_list(fixture, "other", "example.org");

	g_assert_true(pgl_store_signature_digest_add(fixture->store, list->id, "d1", "AAAA", 100, NULL,
						     &error));
	g_assert_no_error(error);
	g_assert_true(pgl_store_signature_digest_add(fixture->store, list->id, "d2", "AAAA", 200, NULL,
						     &error));
	g_assert_no_error(error);
	/* a replay */
	g_assert_false(pgl_store_signature_digest_add(fixture->store, list->id, "d1", "AAAA", 100, NULL,
						      &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS);
	g_clear_error(&error);
	/* the same post cross-posted to another list is no replay there */
	g_assert_true(pgl_store_signature_digest_add(fixture->store, other->id, "d1", "AAAA", 100, NULL,
						     &error));
	g_assert_no_error(error);
	g_assert_false(
		pgl_store_signature_digest_add(fixture->store, 4242, "d3", "AAAA", 100, NULL, &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);

	assert_int(pgl_store_signature_digest_expire(fixture->store, 100, &error), 0);
	g_assert_no_error(error);
	assert_int(pgl_store_signature_digest_expire(fixture->store, 101, &error), 2);
	g_assert_no_error(error);
	/* once expired, a digest is new again (its signature is too old to be accepted anyway) */
	g_assert_true(pgl_store_signature_digest_add(fixture->store, list->id, "d1", "AAAA", 100, NULL,
						     &error));
	g_assert_no_error(error);
	g_assert_false(pgl_store_signature_digest_add(fixture->store, list->id, "d2", "AAAA", 200, NULL,
						      &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS);
	g_clear_error(&error);
	/* the expiry query uses the index */
	assert_int(raw_int(fixture,
			   "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
			   "tbl_name = 'signature_digests' AND sql LIKE '%(time)%'",
			   0),
		   1);
}

/* A stage repeated after a crash records its own post's digests again: not a replay. */
static void
test_signature_digests_origin(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "pgp", "example.org");
	gboolean seen = TRUE;

	g_assert_true(pgl_store_signature_digest_seen(fixture->store, list->id, "d1", "in-1", &seen,
						      &error));
	g_assert_no_error(error);
	g_assert_false(seen);
	g_assert_true(pgl_store_signature_digest_add(fixture->store, list->id, "d1", "AAAA", 100,
						     "in-1", &error));
	g_assert_no_error(error);
	/* the same post again */
	g_assert_true(pgl_store_signature_digest_seen(fixture->store, list->id, "d1", "in-1", &seen,
						      &error));
	g_assert_false(seen);
	g_assert_true(pgl_store_signature_digest_add(fixture->store, list->id, "d1", "AAAA", 100,
						     "in-1", &error));
	g_assert_no_error(error);
	/* another post with the same signature: a replay */
	g_assert_true(pgl_store_signature_digest_seen(fixture->store, list->id, "d1", "in-2", &seen,
						      &error));
	g_assert_true(seen);
	g_assert_false(pgl_store_signature_digest_add(fixture->store, list->id, "d1", "AAAA", 100,
						      "in-2", &error));
	g_assert_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS);
	g_clear_error(&error);
	/* no origin: any record counts */
	g_assert_true(pgl_store_signature_digest_seen(fixture->store, list->id, "d1", NULL, &seen,
						      &error));
	g_assert_true(seen);
	g_assert_true(pgl_store_signature_digest_seen(fixture->store, list->id, "d9", NULL, &seen,
						      &error));
	g_assert_false(seen);
	g_assert_no_error(error);
}

static void
test_held_sealed(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "pgp", "example.org");
	g_autoptr(GBytes) sealed = g_bytes_new_static("\x85\x01\x0c", 3);
	g_autoptr(GBytes) plain = g_bytes_new_static("Subject: x\n\nbody\n", 17);
	g_autoptr(PglHeldMessage) held_sealed = NULL;
	g_autoptr(PglHeldMessage) held_plain = NULL;
	g_autoptr(GPtrArray) listing = NULL;
	gint64 id_sealed, id_plain;

	id_sealed = pgl_store_held_add(fixture->store, list->id, "s-1", "a@example.org", "[...]",
				       "r", NULL, sealed, TRUE, &error);
	g_assert_no_error(error);
	id_plain = pgl_store_held_add(fixture->store, list->id, "s-2", "a@example.org", "x", "r",
				      NULL, plain, FALSE, &error);
	g_assert_no_error(error);
	held_sealed = pgl_store_held_get(fixture->store, list->id, id_sealed, &error);
	g_assert_no_error(error);
	g_assert_true(held_sealed->sealed);
	g_assert_true(g_bytes_equal(held_sealed->message, sealed));
	held_plain = pgl_store_held_get(fixture->store, list->id, id_plain, &error);
	g_assert_no_error(error);
	g_assert_false(held_plain->sealed);
	listing = pgl_store_held_list(fixture->store, list->id, &error);
	g_assert_no_error(error);
	assert_int(listing->len, 2);
	g_assert_true(((PglHeldMessage *)listing->pdata[0])->sealed);
	g_assert_false(((PglHeldMessage *)listing->pdata[1])->sealed);
}

/* A redelivered post is a duplicate; the same post in a stage repeated after a crash is not. */
static void
test_message_ids_origin(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "dup", "example.org");
	gboolean seen = TRUE;

	g_assert_true(pgl_store_message_id_seen(fixture->store, list->id, "m1@x", "in-1", &seen,
						&error));
	g_assert_no_error(error);
	g_assert_false(seen);
	g_assert_true(pgl_store_message_id_check(fixture->store, list->id, "m1@x", 100, "in-1",
						 &seen, &error));
	g_assert_false(seen);
	/* the same post again (a repeated stage) */
	g_assert_true(pgl_store_message_id_check(fixture->store, list->id, "m1@x", 110, "in-1",
						 &seen, &error));
	g_assert_false(seen);
	g_assert_true(pgl_store_message_id_seen(fixture->store, list->id, "m1@x", "in-1", &seen,
						&error));
	g_assert_false(seen);
	/* another delivery of it (the MTA sent it again) */
	g_assert_true(pgl_store_message_id_seen(fixture->store, list->id, "m1@x", "in-2", &seen,
						&error));
	g_assert_true(seen);
	g_assert_true(pgl_store_message_id_check(fixture->store, list->id, "m1@x", 120, "in-2",
						 &seen, &error));
	g_assert_true(seen);
	g_assert_no_error(error);
}

/* Every change of a list key or an address key, and only those, moves the key generation on. */
static void
test_key_generation(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = create_list(fixture, "pgp", "example.org");
	g_autoptr(GBytes) blob = g_bytes_new_static("key", 3);
	gint64 before = -1, after = -1;

#define GENERATION(out)                                                                      \
	G_STMT_START                                                                         \
	{                                                                                    \
		g_assert_true(pgl_store_key_generation(fixture->store, &(out), &error));    \
		g_assert_no_error(error);                                                    \
	}                                                                                    \
	G_STMT_END

	GENERATION(before);
	g_assert_true(pgl_store_address_key_set(fixture->store, "a@example.org", "FPR", blob, FALSE,
						&error));
	GENERATION(after);
	g_assert_cmpint(after, >, before);
	before = after;
	/* the same key again in the same second: still a change */
	g_assert_true(pgl_store_address_key_set(fixture->store, "a@example.org", "FPR", blob, FALSE,
						&error));
	GENERATION(after);
	g_assert_cmpint(after, >, before);
	before = after;
	g_assert_true(pgl_store_address_key_confirm(fixture->store, "a@example.org", "FPR", &error));
	GENERATION(after);
	g_assert_cmpint(after, >, before);
	before = after;
	g_assert_true(pgl_store_list_key_set(fixture->store, list->id, "LFPR", blob, blob, FALSE,
					     &error));
	GENERATION(after);
	g_assert_cmpint(after, >, before);
	before = after;
	/* other writes leave it alone */
	g_assert_true(pgl_store_signature_digest_add(fixture->store, list->id, "d", "FPR", 1, NULL,
						     &error));
	GENERATION(after);
	g_assert_cmpint(after, ==, before);
	g_assert_true(pgl_store_address_key_remove(fixture->store, "a@example.org", &error));
	GENERATION(after);
	g_assert_cmpint(after, >, before);
#undef GENERATION
}

/* v2-pgp.db (see tests/data/db/README.md): a PGP list, its key, an address key, a held
 * message and a digest survive the migration; the held message is not sealed, the digest
 * has no origin (so it counts against every post). */
static void
test_migrate_v2_file(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PglList) list = NULL;
	g_autoptr(PglListKey) key = NULL;
	g_autoptr(PglAddressKey) alice = NULL;
	g_autoptr(GPtrArray) held = NULL;
	g_autoptr(GPtrArray) members = NULL;
	gboolean seen = FALSE;

	install_old_database(fixture, "v2-pgp.db");
	assert_int(raw_int(fixture, "PRAGMA user_version", 0), 2);
	fixture->store = pgl_store_open(fixture->ctx, &error);
	g_assert_no_error(error);
	assert_int(raw_int(fixture, "PRAGMA user_version", 0), PGL_STORE_SCHEMA_VERSION);
	list = pgl_store_list_lookup(fixture->store, "crypt@example.org", &error);
	g_assert_no_error(error);
	key = pgl_store_list_key_get(fixture->store, list->id, TRUE, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(key->fingerprint, ==, "478129E65080ED93A8EC2AE28602D2AC1AC83969");
	g_assert_nonnull(key->secret_key);
	alice = pgl_store_address_key_get(fixture->store, "alice@example.org", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(alice->fingerprint, ==, "2966D2B0FEBEC91098498EF7436B98EF200689DD");
	g_assert_true(alice->confirmed);
	members = pgl_store_member_list(fixture->store, list->id, PGL_ROLE_MEMBER, &error);
	g_assert_no_error(error);
	assert_int(members->len, 1);
	held = pgl_store_held_list(fixture->store, list->id, &error);
	g_assert_no_error(error);
	assert_int(held->len, 1);
	g_assert_false(((PglHeldMessage *)held->pdata[0])->sealed);
	g_assert_cmpstr(((PglHeldMessage *)held->pdata[0])->reason, ==, "held for test");
	g_assert_true(pgl_store_signature_digest_seen(
		fixture->store, list->id,
		"abababababababababababababababababababababababababababababababab", "in-9", &seen,
		&error));
	g_assert_no_error(error);
	g_assert_true(seen);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

#define ADD(path, setup, func) g_test_add(path, Fixture, NULL, setup, func, tear_down)
	ADD("/store/open/mode-0600", set_up_context, test_open_mode);
	ADD("/store/open/wal", set_up, test_open_wal);
	ADD("/store/open/schema-newer", set_up, test_open_schema_newer);
	ADD("/store/open/not-a-database", set_up_context, test_open_not_a_database);
	ADD("/store/open/no-directory", set_up_context, test_open_no_directory);
	ADD("/store/open/two-connections", set_up, test_open_two_connections);
	ADD("/store/migrate/v0-file", set_up_context, test_migrate_v0_file);
	ADD("/store/migrate/empty-file", set_up_context, test_migrate_empty_file);
	ADD("/store/migrate/conflict", set_up_context, test_migrate_conflict);
	ADD("/store/migrate/v1-file", set_up_context, test_migrate_v1_file);
	ADD("/store/migrate/v2-file", set_up_context, test_migrate_v2_file);
	ADD("/store/transaction/rollback", set_up, test_transaction_rollback);
	ADD("/store/transaction/errors", set_up, test_transaction_errors);
	ADD("/store/transaction/busy", set_up, test_transaction_busy);
	ADD("/store/domains/add-list", set_up, test_domains);
	ADD("/store/lists/create", set_up, test_lists_create);
	ADD("/store/lists/create-duplicate", set_up, test_lists_create_duplicate);
	ADD("/store/lists/lookup", set_up, test_lists_lookup);
	ADD("/store/lists/lookup-not-found", set_up, test_lists_lookup_not_found);
	ADD("/store/lists/lookup-by-id", set_up, test_lists_lookup_by_id);
	ADD("/store/lists/all", set_up, test_lists_all);
	ADD("/store/lists/remove", set_up, test_lists_remove);
	ADD("/store/lists/remove-cascade", set_up, test_lists_remove_cascade);
	ADD("/store/settings/create", set_up, test_settings_create);
	ADD("/store/settings/roundtrip", set_up, test_settings_roundtrip);
	ADD("/store/settings/no-list", set_up, test_settings_no_list);
	ADD("/store/members/add", set_up, test_members_add);
	ADD("/store/members/add-duplicate", set_up, test_members_add_duplicate);
	ADD("/store/members/add-no-list", set_up, test_members_add_no_list);
	ADD("/store/members/remove", set_up, test_members_remove);
	ADD("/store/members/lookup", set_up, test_members_lookup);
	ADD("/store/members/list", set_up, test_members_list);
	ADD("/store/members/roles", set_up, test_members_roles);
	ADD("/store/members/moderation", set_up, test_members_moderation);
	ADD("/store/members/delivery", set_up, test_members_delivery);
	ADD("/store/members/recipients", set_up, test_members_recipients);
	ADD("/store/members/recipients-10000", set_up, test_members_recipients_10000);
	ADD("/store/held/roundtrip", set_up, test_held_roundtrip);
	ADD("/store/held/remove", set_up, test_held_remove);
	ADD("/store/held/same-spool-id", set_up, test_held_same_spool_id);
	ADD("/store/held/no-list", set_up, test_held_no_list);
	ADD("/store/held/sealed", set_up, test_held_sealed);
	ADD("/store/pending/roundtrip", set_up, test_pending_roundtrip);
	ADD("/store/pending/expiry", set_up, test_pending_expiry);
	ADD("/store/pending/no-list", set_up, test_pending_no_list);
	ADD("/store/pending/lookup", set_up, test_pending_lookup);
	ADD("/store/pending/take-expired", set_up, test_pending_take_expired);
	ADD("/store/message-ids/dedupe", set_up, test_message_ids);
	ADD("/store/audit/roundtrip", set_up, test_audit);
	ADD("/store/bounces/count", set_up, test_bounces);
	ADD("/store/delivered/filter", set_up, test_delivered);
	ADD("/store/list-keys/roundtrip", set_up, test_list_keys);
	ADD("/store/list-keys/no-list", set_up, test_list_keys_no_list);
	ADD("/store/list-keys/secure-delete", set_up, test_list_keys_secure_delete);
	ADD("/store/address-keys/roundtrip", set_up, test_address_keys);
	ADD("/store/signature-digests/replay", set_up, test_signature_digests);
	ADD("/store/signature-digests/origin", set_up, test_signature_digests_origin);
	ADD("/store/keys/generation", set_up, test_key_generation);
	ADD("/store/message-ids/origin", set_up, test_message_ids_origin);
#undef ADD

	return g_test_run();
}
