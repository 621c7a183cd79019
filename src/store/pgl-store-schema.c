/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The database schema and its migrations (cf. fwupd fu-history.c). The version lives in
 * PRAGMA user_version; a database is brought up one step at a time from whatever version it has
 * to PGL_STORE_SCHEMA_VERSION, all steps in one transaction, so a crash or a failed step leaves
 * it at its old version. A database from a newer pgplist is refused, never downgraded.
 *
 * Schema versions:
 *   0  empty database (a new file)
 *   1  domains, lists, list_settings, members, held_messages, pending, message_ids, audit,
 *      bounces, delivered
 *   2  list_keys, address_keys, signature_digests (PGP lists)
 *   3  held_messages.sealed, signature_digests.origin
 *   4  key_generation (with triggers on address_keys and list_keys), message_ids.origin
 *
 * To change the schema, append a step and bump PGL_STORE_SCHEMA_VERSION; never edit a step that
 * has shipped, and add a database of the old version to tests/data/db/.
 *
 * Conventions: tables are STRICT (a value of the wrong type is an error, not silently kept);
 * everything that belongs to a list goes with it (ON DELETE CASCADE); list and domain names
 * compare without regard to ASCII case (they are stored lower case all the same); member
 * addresses are stored normalised, so plain binary comparison is right for them.
 */
#include "store/pgl-store-private.h"

#include "store/pgl-db.h"

/* schema_steps[N] takes a database from version N to N + 1. */
static const gchar *const schema_steps[] = {
	/* 0 -> 1 */
	"CREATE TABLE domains ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL COLLATE NOCASE UNIQUE"
	") STRICT;"

	"CREATE TABLE lists ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL COLLATE NOCASE,"
	"  domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE RESTRICT,"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (name, domain_id)"
	") STRICT;"

	/* only settings away from their default; see pgl_list_get() */
	"CREATE TABLE list_settings ("
	"  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (list_id, name)"
	") STRICT, WITHOUT ROWID;"

	/* moderation_action NULL: the list's default for the role (PGL_ACTION_DEFER) */
	"CREATE TABLE members ("
	"  id INTEGER PRIMARY KEY,"
	"  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	"  address TEXT NOT NULL,"
	"  display_name TEXT,"
	"  role TEXT NOT NULL CHECK (role IN ('member', 'owner', 'moderator', 'nonmember')),"
	"  moderation_action TEXT"
	"    CHECK (moderation_action IN ('accept', 'hold', 'reject', 'discard')),"
	"  delivery_enabled INTEGER NOT NULL DEFAULT 1 CHECK (delivery_enabled IN (0, 1)),"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (list_id, address, role)"
	") STRICT;"
	/* pgl_store_delivery_recipients(): a covering index, already in address order */
	"CREATE INDEX members_delivery ON members (list_id, address)"
	"  WHERE role = 'member' AND delivery_enabled = 1;"

	/* AUTOINCREMENT: moderators act on ids, so an id must never come back for another post */
	"CREATE TABLE held_messages ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	"  sender TEXT NOT NULL,"
	"  subject TEXT,"
	"  reason TEXT NOT NULL,"
	"  message_id TEXT,"
	"  received INTEGER NOT NULL,"
	"  message BLOB NOT NULL,"
	"  spool_id TEXT UNIQUE"
	") STRICT;"
	"CREATE INDEX held_messages_list ON held_messages (list_id, id);"

	"CREATE TABLE pending ("
	"  token TEXT PRIMARY KEY,"
	"  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	"  type TEXT NOT NULL,"
	"  payload TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX pending_expires ON pending (expires);"
	"CREATE INDEX pending_list ON pending (list_id);"

	"CREATE TABLE message_ids ("
	"  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	"  message_id TEXT NOT NULL,"
	"  seen INTEGER NOT NULL,"
	"  PRIMARY KEY (list_id, message_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX message_ids_seen ON message_ids (seen);"

	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	"  message_id TEXT,"
	"  action TEXT NOT NULL,"
	"  reason TEXT,"
	"  actor TEXT"
	") STRICT;"
	"CREATE INDEX audit_list ON audit (list_id, id);"

	"CREATE TABLE bounces ("
	"  id INTEGER PRIMARY KEY,"
	"  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	"  address TEXT,"
	"  received INTEGER NOT NULL,"
	"  reason TEXT,"
	"  message BLOB"
	") STRICT;"
	"CREATE INDEX bounces_list ON bounces (list_id, address);"

	/* origin: the spool id of an outgoing message; not a list's, so no foreign key */
	"CREATE TABLE delivered ("
	"  origin TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  PRIMARY KEY (origin, address)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX delivered_time ON delivered (time);",

	/* 1 -> 2 */
	/* A PGP list is a list with a row here (no separate flag). The blobs are kept as given
	 * (armored or binary OpenPGP); the secret key is protected by the [pgp] passphrase or
	 * by nothing but the file's mode (0600), never parsed by src/store/. */
	"CREATE TABLE list_keys ("
	"  list_id INTEGER PRIMARY KEY REFERENCES lists(id) ON DELETE CASCADE,"
	"  fingerprint TEXT NOT NULL,"
	"  public_key BLOB NOT NULL,"
	"  secret_key BLOB NOT NULL,"
	"  created INTEGER NOT NULL"
	") STRICT;"

	/* Keys belong to an address, not to a membership (as in mailman-pgp): one key serves
	 * every list the address is on, and outlives unsubscribing. Not WITHOUT ROWID: keys are
	 * kilobytes, and SQLite advises rowid tables for rows that large. */
	"CREATE TABLE address_keys ("
	"  address TEXT NOT NULL PRIMARY KEY,"
	"  fingerprint TEXT NOT NULL,"
	"  public_key BLOB NOT NULL,"
	"  confirmed INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),"
	"  updated INTEGER NOT NULL"
	") STRICT;"

	/* Replay protection: the digest of every signature on an accepted post, per list (one
	 * post cross-posted to two lists is no replay), with the signature's creation time, by
	 * which rows expire once a signature that old is refused anyway. */
	"CREATE TABLE signature_digests ("
	"  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	"  digest TEXT NOT NULL,"
	"  fingerprint TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  PRIMARY KEY (list_id, digest)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX signature_digests_time ON signature_digests (time);",

	/* 2 -> 3 */
	/* A held post of a PGP list is kept encrypted to the list key ("sealed"), never as
	 * plaintext; the flag says how to read the blob. A digest remembers the spool id of the
	 * post that brought it, so that a stage repeated after a crash does not take its own post
	 * for a replay. */
	"ALTER TABLE held_messages ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0 "
	"  CHECK (sealed IN (0, 1));"
	"ALTER TABLE signature_digests ADD COLUMN origin TEXT;",

	/* 3 -> 4 */
	/* A counter that every change of a key moves on, so that a process that keeps keys
	 * loaded (the out runner) knows with one read whether they are still current. */
	"CREATE TABLE key_generation ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  value INTEGER NOT NULL"
	") STRICT;"
	"INSERT INTO key_generation (id, value) VALUES (1, 0);"
	"CREATE TRIGGER address_keys_insert AFTER INSERT ON address_keys "
	"  BEGIN UPDATE key_generation SET value = value + 1; END;"
	"CREATE TRIGGER address_keys_update AFTER UPDATE ON address_keys "
	"  BEGIN UPDATE key_generation SET value = value + 1; END;"
	"CREATE TRIGGER address_keys_delete AFTER DELETE ON address_keys "
	"  BEGIN UPDATE key_generation SET value = value + 1; END;"
	"CREATE TRIGGER list_keys_insert AFTER INSERT ON list_keys "
	"  BEGIN UPDATE key_generation SET value = value + 1; END;"
	"CREATE TRIGGER list_keys_update AFTER UPDATE ON list_keys "
	"  BEGIN UPDATE key_generation SET value = value + 1; END;"
	"CREATE TRIGGER list_keys_delete AFTER DELETE ON list_keys "
	"  BEGIN UPDATE key_generation SET value = value + 1; END;"
	/* the spool id of the post that brought a Message-ID: a stage repeated after a crash is
	 * no duplicate of itself */
	"ALTER TABLE message_ids ADD COLUMN origin TEXT;",
};

G_STATIC_ASSERT(G_N_ELEMENTS(schema_steps) == PGL_STORE_SCHEMA_VERSION);

static gboolean
read_user_version(sqlite3 *db, guint *version_out, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint64 version;

	if (!pgl_db_prepare(db, "PRAGMA user_version", &stmt, error))
		return FALSE;
	switch (pgl_db_step(stmt, error)) {
	case PGL_DB_STEP_ROW:
		break;
	case PGL_DB_STEP_DONE:
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
			    "PRAGMA user_version returned nothing");
		return FALSE;
	case PGL_DB_STEP_ERROR:
		return FALSE;
	default:
		g_assert_not_reached();
	}
	version = sqlite3_column_int64(stmt, 0);
	if (version < 0 || version > G_MAXINT32) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_SCHEMA,
			    "database has an impossible schema version %" G_GINT64_FORMAT, version);
		return FALSE;
	}
	*version_out = (guint)version;
	return TRUE;
}

static gboolean
check_not_newer(guint version, GError **error)
{
	if (version > PGL_STORE_SCHEMA_VERSION) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_SCHEMA,
			    "database schema version %u is newer than this pgplist supports (%u); "
			    "use a newer pgplist or restore a backup",
			    version, (guint)PGL_STORE_SCHEMA_VERSION);
		return FALSE;
	}
	return TRUE;
}

static gboolean
migrate_step(sqlite3 *db, guint from, GError **error)
{
	/* PRAGMA takes no bound parameters; this is our own integer, not input */
	g_autofree gchar *set_version = g_strdup_printf("PRAGMA user_version = %u", from + 1);
	g_autoptr(GError) local_error = NULL;

	if (!pgl_db_exec(db, schema_steps[from], &local_error) ||
	    !pgl_db_exec(db, set_version, &local_error)) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_SCHEMA,
			    "cannot migrate the database schema from version %u to %u: %s", from,
			    from + 1, local_error->message);
		return FALSE;
	}
	g_debug("database schema migrated from version %u to %u", from, from + 1);
	return TRUE;
}

/**
 * pgl_store_schema_migrate:
 * @db: a connection, not in a transaction
 * @version_out: (out): the schema version of the database afterwards
 * @error: return location for a #GError
 *
 * Brings the database up to %PGL_STORE_SCHEMA_VERSION. An up-to-date database costs one read
 * and takes no write lock; otherwise the version is read again under the write lock, since
 * another process may have migrated it meanwhile.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_SCHEMA if the database
 *   is newer than this code or a step failed, %PGL_STORE_ERROR_FAILED if it could not be read
 *   or locked)
 */
gboolean
pgl_store_schema_migrate(sqlite3 *db, guint *version_out, GError **error)
{
	g_auto(PglDbTxn) txn = PGL_DB_TXN_INIT;
	guint version = 0;

	if (!read_user_version(db, &version, error) || !check_not_newer(version, error))
		return FALSE;
	if (version == PGL_STORE_SCHEMA_VERSION) {
		*version_out = version;
		return TRUE;
	}
	if (!pgl_db_txn_begin(db, &txn, error) || !read_user_version(db, &version, error) ||
	    !check_not_newer(version, error))
		return FALSE;
	for (guint step = version; step < PGL_STORE_SCHEMA_VERSION; step++) {
		if (!migrate_step(db, step, error))
			return FALSE;
	}
	if (!pgl_db_txn_commit(&txn, error))
		return FALSE;
	*version_out = PGL_STORE_SCHEMA_VERSION;
	return TRUE;
}
