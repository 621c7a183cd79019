/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Members: one row per (list, address, role), so one address can be a member, an owner and a
 * moderator of a list at once, and a "nonmember" row carries the moderation action for someone
 * who posts without being subscribed. Addresses arrive normalised (pgl_address_normalize()) and
 * are compared as stored. Roles and actions are kept as their names (pgl_role_to_string(),
 * pgl_action_to_string()), checked by the schema; a NULL moderation action is "defer to the
 * list's default".
 *
 * pgl_store_delivery_recipients() is on the path of every post: one query over a covering
 * partial index that is already in address order (see the schema).
 */
#include "store/pgl-store-private.h"

#include "store/pgl-db.h"

#define MEMBER_COLUMNS                                                                             \
	"id, list_id, address, display_name, role, moderation_action, delivery_enabled, created"

/* Reads a row of MEMBER_COLUMNS; a role or action this code does not know means the row was
 * not written by it: refuse rather than guess (a guessed moderation action could let a post
 * through). */
static PglMember *
member_from_row(sqlite3_stmt *stmt, GError **error)
{
	g_autoptr(PglMember) member = pgl_member_new();
	const gchar *role = (const gchar *)sqlite3_column_text(stmt, 4);
	const gchar *action = (const gchar *)sqlite3_column_text(stmt, 5);

	member->id = sqlite3_column_int64(stmt, 0);
	member->list_id = sqlite3_column_int64(stmt, 1);
	member->address = pgl_db_column_text(stmt, 2);
	member->display_name = pgl_db_column_text(stmt, 3);
	if (!pgl_role_from_string(role, &member->role)) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
			    "member %" G_GINT64_FORMAT ": unknown role \"%s\"", member->id,
			    role != NULL ? role : "(null)");
		return NULL;
	}
	member->moderation_action = PGL_ACTION_DEFER;
	if (action != NULL && !pgl_action_from_string(action, &member->moderation_action)) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_FAILED,
			    "member %" G_GINT64_FORMAT ": unknown moderation action \"%s\"",
			    member->id, action);
		return NULL;
	}
	member->delivery_enabled = sqlite3_column_int64(stmt, 6) != 0;
	member->created = sqlite3_column_int64(stmt, 7);
	return g_steal_pointer(&member);
}

static GPtrArray *
members_from_rows(sqlite3_stmt *stmt, GError **error)
{
	g_autoptr(GPtrArray) members =
		g_ptr_array_new_with_free_func((GDestroyNotify)pgl_member_free);
	PglDbStep step;

	while ((step = pgl_db_step(stmt, error)) == PGL_DB_STEP_ROW) {
		PglMember *member = member_from_row(stmt, error);

		if (member == NULL)
			return NULL;
		g_ptr_array_add(members, member);
	}
	if (step == PGL_DB_STEP_ERROR)
		return NULL;
	return g_steal_pointer(&members);
}

static PglMember *
one_member(sqlite3_stmt *stmt, GError **error)
{
	g_autoptr(GPtrArray) members = members_from_rows(stmt, error);

	if (members == NULL)
		return NULL;
	if (members->len == 0) {
		g_set_error_literal(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
				    "no such member");
		return NULL;
	}
	return g_ptr_array_steal_index(members, 0);
}

/**
 * pgl_store_member_add:
 * @store: a store
 * @list_id: the row id of the list
 * @address: (not nullable): normalised, already-validated address
 * @display_name: (nullable): the name to show, or %NULL
 * @role: the role on the list
 * @error: return location for a #GError
 *
 * Adds @address to the list in @role, with delivery enabled and the list's default moderation
 * action.
 *
 * Returns: (transfer full) (nullable): the new member, or %NULL with @error set
 *   (%PGL_STORE_ERROR_EXISTS if the address has that role already, %PGL_STORE_ERROR_NOT_FOUND
 *   if there is no such list, %PGL_STORE_ERROR_FAILED)
 */
PglMember *
pgl_store_member_add(PglStore *store, gint64 list_id, const gchar *address,
		     const gchar *display_name, PglRole role, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(PglMember) member = pgl_member_new();
	g_autoptr(GError) local_error = NULL;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(address != NULL && address[0] != '\0', NULL);
	g_return_val_if_fail(role <= PGL_ROLE_NONMEMBER, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	member->list_id = list_id;
	member->address = g_strdup(address);
	member->display_name = g_strdup(display_name);
	member->role = role;
	member->moderation_action = PGL_ACTION_DEFER;
	member->delivery_enabled = TRUE;
	member->created = pgl_context_now(store->ctx);
	if (!pgl_db_prepare(store->db,
			    "INSERT INTO members (list_id, address, display_name, role, "
			    "moderation_action, delivery_enabled, created) "
			    "VALUES (?1, ?2, ?3, ?4, NULL, 1, ?5)",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
	    !pgl_db_bind_text(stmt, 2, address, error) ||
	    !pgl_db_bind_text(stmt, 3, display_name, error) ||
	    !pgl_db_bind_text(stmt, 4, pgl_role_to_string(role), error) ||
	    !pgl_db_bind_int64(stmt, 5, member->created, error))
		return NULL;
	if (!pgl_db_step_done(stmt, &local_error)) {
		if (g_error_matches(local_error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS)) {
			g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_EXISTS,
				    "%s is already a %s of the list", address,
				    pgl_role_to_string(role));
			return NULL;
		}
		pgl_store_propagate_list_error(error, g_steal_pointer(&local_error), list_id);
		return NULL;
	}
	member->id = sqlite3_last_insert_rowid(store->db);
	return g_steal_pointer(&member);
}

/**
 * pgl_store_member_remove:
 * @store: a store
 * @list_id: the row id of the list
 * @address: (not nullable): normalised address
 * @role: the role to remove (the address keeps its other roles)
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND if the address
 *   does not have @role on the list, %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_member_remove(PglStore *store, gint64 list_id, const gchar *address, PglRole role,
			GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(address != NULL, FALSE);
	g_return_val_if_fail(role <= PGL_ROLE_NONMEMBER, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db,
			    "DELETE FROM members WHERE list_id = ?1 AND address = ?2 AND role = ?3",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
	    !pgl_db_bind_text(stmt, 2, address, error) ||
	    !pgl_db_bind_text(stmt, 3, pgl_role_to_string(role), error) ||
	    !pgl_db_step_done(stmt, error))
		return FALSE;
	if (sqlite3_changes64(store->db) == 0) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
			    "%s is not a %s of the list", address, pgl_role_to_string(role));
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_store_member_lookup:
 * @store: a store
 * @list_id: the row id of the list
 * @address: (not nullable): normalised, already-validated address
 * @role: the role
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the member, or %NULL with @error set
 *   (%PGL_STORE_ERROR_NOT_FOUND if absent, %PGL_STORE_ERROR_FAILED)
 */
PglMember *
pgl_store_member_lookup(PglStore *store, gint64 list_id, const gchar *address, PglRole role,
			GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GError) local_error = NULL;
	PglMember *member;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(address != NULL, NULL);
	g_return_val_if_fail(role <= PGL_ROLE_NONMEMBER, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db,
			    "SELECT " MEMBER_COLUMNS " FROM members "
			    "WHERE list_id = ?1 AND address = ?2 AND role = ?3",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
	    !pgl_db_bind_text(stmt, 2, address, error) ||
	    !pgl_db_bind_text(stmt, 3, pgl_role_to_string(role), error))
		return NULL;
	member = one_member(stmt, &local_error);
	if (member == NULL) {
		g_propagate_prefixed_error(error, g_steal_pointer(&local_error), "%s as %s: ",
					   address, pgl_role_to_string(role));
		return NULL;
	}
	return member;
}

/**
 * pgl_store_member_get:
 * @store: a store
 * @member_id: the row id of the member
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the member, or %NULL with @error set
 *   (%PGL_STORE_ERROR_NOT_FOUND if absent, %PGL_STORE_ERROR_FAILED)
 */
PglMember *
pgl_store_member_get(PglStore *store, gint64 member_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db, "SELECT " MEMBER_COLUMNS " FROM members WHERE id = ?1",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, member_id, error))
		return NULL;
	return one_member(stmt, error);
}

/**
 * pgl_store_member_list:
 * @store: a store
 * @list_id: the row id of the list
 * @role: the role
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PglMember) (nullable): the list's members in @role,
 *   sorted by address, freeing its elements (empty if there are none, or no such list); or
 *   %NULL with @error set (%PGL_STORE_ERROR_FAILED)
 */
GPtrArray *
pgl_store_member_list(PglStore *store, gint64 list_id, PglRole role, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(role <= PGL_ROLE_NONMEMBER, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db,
			    "SELECT " MEMBER_COLUMNS " FROM members "
			    "WHERE list_id = ?1 AND role = ?2 ORDER BY address",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
	    !pgl_db_bind_text(stmt, 2, pgl_role_to_string(role), error))
		return NULL;
	return members_from_rows(stmt, error);
}

static gint
compare_role(gconstpointer a, gconstpointer b)
{
	const PglMember *member_a = *(const PglMember *const *)a;
	const PglMember *member_b = *(const PglMember *const *)b;

	return (gint)member_a->role - (gint)member_b->role;
}

/**
 * pgl_store_member_roles:
 * @store: a store
 * @list_id: the row id of the list
 * @address: (not nullable): normalised address
 * @error: return location for a #GError
 *
 * Every role @address has on the list: what the posting chain asks about a sender.
 *
 * Returns: (transfer full) (element-type PglMember) (nullable): one #PglMember per role, in
 *   #PglRole order, freeing its elements (empty if none); or %NULL with @error set
 *   (%PGL_STORE_ERROR_FAILED)
 */
GPtrArray *
pgl_store_member_roles(PglStore *store, gint64 list_id, const gchar *address, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	GPtrArray *members;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(address != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!pgl_db_prepare(store->db,
			    "SELECT " MEMBER_COLUMNS " FROM members "
			    "WHERE list_id = ?1 AND address = ?2",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error) ||
	    !pgl_db_bind_text(stmt, 2, address, error))
		return NULL;
	members = members_from_rows(stmt, error);
	if (members != NULL)
		g_ptr_array_sort(members, compare_role);
	return members;
}

/* Runs an UPDATE of one member by id, ?1 bound to @member_id by the caller. */
static gboolean
update_member(PglStore *store, sqlite3_stmt *stmt, gint64 member_id, GError **error)
{
	if (!pgl_db_step_done(stmt, error))
		return FALSE;
	if (sqlite3_changes64(store->db) == 0) {
		g_set_error(error, PGL_STORE_ERROR, PGL_STORE_ERROR_NOT_FOUND,
			    "no member with id %" G_GINT64_FORMAT, member_id);
		return FALSE;
	}
	return TRUE;
}

/**
 * pgl_store_member_set_moderation:
 * @store: a store
 * @member_id: the row id of the member
 * @action: the member's own moderation action; %PGL_ACTION_DEFER for the list's default
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND,
 *   %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_member_set_moderation(PglStore *store, gint64 member_id, PglAction action,
				GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(action <= PGL_ACTION_DISCARD, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db, "UPDATE members SET moderation_action = ?2 WHERE id = ?1",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, member_id, error) ||
	    !pgl_db_bind_text(stmt, 2,
			      action == PGL_ACTION_DEFER ? NULL : pgl_action_to_string(action),
			      error))
		return FALSE;
	return update_member(store, stmt, member_id, error);
}

/**
 * pgl_store_member_set_delivery:
 * @store: a store
 * @member_id: the row id of the member
 * @enabled: whether the member gets the list's posts (e.g. %FALSE after too many bounces)
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set (%PGL_STORE_ERROR_NOT_FOUND,
 *   %PGL_STORE_ERROR_FAILED)
 */
gboolean
pgl_store_member_set_delivery(PglStore *store, gint64 member_id, gboolean enabled,
			      GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!pgl_db_prepare(store->db, "UPDATE members SET delivery_enabled = ?2 WHERE id = ?1",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, member_id, error) ||
	    !pgl_db_bind_int64(stmt, 2, enabled ? 1 : 0, error))
		return FALSE;
	return update_member(store, stmt, member_id, error);
}

/**
 * pgl_store_delivery_recipients:
 * @store: a store
 * @list_id: the row id of the list
 * @error: return location for a #GError
 *
 * The addresses a post to the list goes to: role member, delivery enabled. One query, in the
 * order of an index; about 10 ms for 10,000 members.
 *
 * Returns: (transfer full) (nullable): the addresses, sorted (empty if none, or no such list);
 *   or %NULL with @error set (%PGL_STORE_ERROR_FAILED)
 */
GStrv
pgl_store_delivery_recipients(PglStore *store, gint64 list_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func(g_free);
	PglDbStep step;

	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	/* role and delivery_enabled as literals: only then can SQLite use the partial index */
	if (!pgl_db_prepare(store->db,
			    "SELECT address FROM members "
			    "WHERE list_id = ?1 AND role = 'member' AND delivery_enabled = 1 "
			    "ORDER BY address",
			    &stmt, error) ||
	    !pgl_db_bind_int64(stmt, 1, list_id, error))
		return NULL;
	while ((step = pgl_db_step(stmt, error)) == PGL_DB_STEP_ROW)
		g_ptr_array_add(addresses, pgl_db_column_text(stmt, 0));
	if (step == PGL_DB_STEP_ERROR)
		return NULL;
	g_ptr_array_add(addresses, NULL);
	g_ptr_array_set_free_func(addresses, NULL);
	return (GStrv)g_ptr_array_free(g_steal_pointer(&addresses), FALSE);
}
