/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store: lists, members, held messages, confirmation tokens, duplicate suppression, the
 * audit trail, bounces, the record of deliveries, and OpenPGP keys (lists' key pairs,
 * addresses' public keys) with the replay record of signatures, kept in one SQLite database.
 * This is the only interface to it; no other folder sees SQL or sqlite3.h, so another backend
 * (PostgreSQL) can stand behind it.
 *
 * A #PglStore is one connection, used by one thread at a time: every daemon thread and every
 * CLI command opens its own. Nothing is cached: each call reads the database, so what the CLI
 * changes, a running daemon sees at once. Addresses passed in are already normalised
 * (pgl_address_normalize()); setting values are already validated (pgl_list_setting_validate()).
 * Times are seconds since the epoch, passed in by the caller, except creation stamps, which come
 * from pgl_context_now().
 *
 * Key blobs are opaque here (src/store/ does not link the OpenPGP engine): the caller checks a
 * key before storing it. A list's secret key is handed out only by
 * pgl_store_list_key_get() with @with_secret, in a #GBytes whose memory is wiped when freed.
 */
#pragma once

#include <glib.h>

#include "core/pgl-context.h"
#include "core/pgl-list.h"

G_BEGIN_DECLS

/**
 * PGL_STORE_SCHEMA_VERSION:
 *
 * The schema version this code creates and understands (PRAGMA user_version); older databases
 * are migrated on open, newer ones refused.
 */
#define PGL_STORE_SCHEMA_VERSION 4

#define PGL_STORE_ERROR (pgl_store_error_quark())
GQuark pgl_store_error_quark(void);

/**
 * PglStoreError:
 * @PGL_STORE_ERROR_NOT_FOUND: no such list, member, held message, token (or it has expired),
 *   list key or address key
 * @PGL_STORE_ERROR_EXISTS: the list, membership or list key is already there, or a signature
 *   digest has been seen before
 * @PGL_STORE_ERROR_SCHEMA: the database was written by a newer pgplist, or could not be migrated
 * @PGL_STORE_ERROR_FAILED: anything else SQLite reported (corrupt file, not a database...);
 *   the message has SQLite's text
 * @PGL_STORE_ERROR_BUSY: a condition that passes: locked past the busy timeout, an I/O error,
 *   a full disk; the same operation may succeed later
 */
typedef enum {
	PGL_STORE_ERROR_NOT_FOUND,
	PGL_STORE_ERROR_EXISTS,
	PGL_STORE_ERROR_SCHEMA,
	PGL_STORE_ERROR_FAILED,
	PGL_STORE_ERROR_BUSY,
} PglStoreError;

/**
 * PglStore:
 *
 * One connection to the database (opaque). Not for sharing between threads: open one per
 * thread with pgl_store_open(), free it with pgl_store_free().
 */
typedef struct _PglStore PglStore;

/**
 * PglHeldMessage:
 *
 * A post held for the moderators.
 */
typedef struct {
	gint64 id;	   /* unique across lists, never reused */
	gint64 list_id;
	gchar *sender;	   /* (owned) */
	gchar *subject;	   /* (owned) (nullable) */
	gchar *reason;	   /* (owned) */
	gchar *message_id; /* (owned) (nullable) */
	gint64 received;
	GBytes *message;   /* (owned) (nullable) the message as held; %NULL in listings */
	gboolean sealed;   /* @message is encrypted to the list key (a PGP list's post) */
} PglHeldMessage;

/**
 * PglAuditEntry:
 *
 * One moderation or rule decision, as recorded by pgl_store_audit_add().
 */
typedef struct {
	gint64 id;
	gint64 time;
	gint64 list_id;
	gchar *message_id; /* (owned) (nullable) */
	gchar *action;	   /* (owned) */
	gchar *reason;	   /* (owned) (nullable) */
	gchar *actor;	   /* (owned) (nullable) */
} PglAuditEntry;

/**
 * PglListKey:
 *
 * A list's OpenPGP key pair, as stored. Its row is what makes a list a PGP list.
 */
typedef struct {
	gint64 list_id;
	gchar *fingerprint; /* (owned) of the primary key, upper-case hex */
	GBytes *public_key; /* (owned) */
	GBytes *secret_key; /* (owned) (nullable) only when asked for; wiped when freed */
	gint64 created;	    /* when this key pair was stored */
} PglListKey;

/**
 * PglAddressKey:
 *
 * The public key of an address (a subscriber, owner or moderator), on every list at once.
 */
typedef struct {
	gchar *address;	    /* (owned) normalised */
	gchar *fingerprint; /* (owned) of the primary key, upper-case hex */
	GBytes *public_key; /* (owned) */
	gboolean confirmed; /* the address has proved it holds the key (or an admin said so) */
	gint64 updated;	    /* when the key or its confirmation last changed */
} PglAddressKey;

/**
 * PglPending:
 *
 * A pending action as stored: a confirmation token and the state of what waits for it.
 */
typedef struct {
	gchar *token;	/* (owned) 40 hex digits */
	gint64 list_id;
	gchar *type;	/* (owned) what is pending, e.g. "workflow" */
	gchar *payload; /* (owned) its state, typically JSON */
	gint64 created; /* pgl_context_now() when it was stored */
	gint64 expires; /* the token is as good as absent from this time on */
} PglPending;

PglStore *pgl_store_open(PglContext *ctx, GError **error);
void pgl_store_free(PglStore *store);
gboolean pgl_store_begin(PglStore *store, GError **error);
gboolean pgl_store_commit(PglStore *store, GError **error);
void pgl_store_rollback(PglStore *store);
guint pgl_store_schema_version(PglStore *store);

gboolean pgl_store_domain_add(PglStore *store, const gchar *domain, GError **error);
GStrv pgl_store_domain_list(PglStore *store, GError **error);

PglList *pgl_store_list_create(PglStore *store, const gchar *name, const gchar *domain,
			       GHashTable *settings, GError **error);
PglList *pgl_store_list_lookup(PglStore *store, const gchar *address, GError **error);
PglList *pgl_store_list_lookup_by_id(PglStore *store, gint64 list_id, GError **error);
GPtrArray *pgl_store_list_all(PglStore *store, GError **error);
gboolean pgl_store_list_remove(PglStore *store, const gchar *address, GError **error);
gboolean pgl_store_list_set_setting(PglStore *store, gint64 list_id, const gchar *name,
				    const gchar *value, GError **error);

PglMember *pgl_store_member_add(PglStore *store, gint64 list_id, const gchar *address,
				const gchar *display_name, PglRole role, GError **error);
gboolean pgl_store_member_remove(PglStore *store, gint64 list_id, const gchar *address,
				 PglRole role, GError **error);
PglMember *pgl_store_member_lookup(PglStore *store, gint64 list_id, const gchar *address,
				   PglRole role, GError **error);
PglMember *pgl_store_member_get(PglStore *store, gint64 member_id, GError **error);
GPtrArray *pgl_store_member_list(PglStore *store, gint64 list_id, PglRole role, GError **error);
GPtrArray *pgl_store_member_roles(PglStore *store, gint64 list_id, const gchar *address,
				  GError **error);
gboolean pgl_store_member_set_moderation(PglStore *store, gint64 member_id, PglAction action,
					 GError **error);
gboolean pgl_store_member_set_delivery(PglStore *store, gint64 member_id, gboolean enabled,
				       GError **error);
GStrv pgl_store_delivery_recipients(PglStore *store, gint64 list_id, GError **error);

gint64 pgl_store_held_add(PglStore *store, gint64 list_id, const gchar *spool_id,
			  const gchar *sender, const gchar *subject, const gchar *reason,
			  const gchar *message_id, GBytes *message, gboolean sealed,
			  GError **error);
PglHeldMessage *pgl_store_held_get(PglStore *store, gint64 list_id, gint64 id, GError **error);
GPtrArray *pgl_store_held_list(PglStore *store, gint64 list_id, GError **error);
gboolean pgl_store_held_remove(PglStore *store, gint64 id, GError **error);
void pgl_held_message_free(PglHeldMessage *held);

gchar *pgl_store_pending_add(PglStore *store, gint64 list_id, const gchar *type,
			     const gchar *payload, gint64 expires, GError **error);
gboolean pgl_store_pending_get(PglStore *store, const gchar *token, gint64 now,
			       gint64 *list_id_out, gchar **type_out, gchar **payload_out,
			       GError **error);
gboolean pgl_store_pending_remove(PglStore *store, const gchar *token, GError **error);
guint pgl_store_pending_expire(PglStore *store, gint64 now, GError **error);
PglPending *pgl_store_pending_lookup(PglStore *store, const gchar *token, GError **error);
GPtrArray *pgl_store_pending_take_expired(PglStore *store, const gchar *type, gint64 now,
					  guint max, GError **error);
void pgl_pending_free(PglPending *pending);

gboolean pgl_store_message_id_check(PglStore *store, gint64 list_id, const gchar *message_id,
				    gint64 now, const gchar *origin, gboolean *seen_out,
				    GError **error);
gboolean pgl_store_message_id_seen(PglStore *store, gint64 list_id, const gchar *message_id,
				   const gchar *origin, gboolean *seen_out, GError **error);
guint pgl_store_message_id_expire(PglStore *store, gint64 older_than, GError **error);

gboolean pgl_store_audit_add(PglStore *store, gint64 list_id, const gchar *message_id,
			     const gchar *action, const gchar *reason, const gchar *actor,
			     gint64 now, GError **error);
GPtrArray *pgl_store_audit_list(PglStore *store, gint64 list_id, GError **error);
void pgl_audit_entry_free(PglAuditEntry *entry);

gboolean pgl_store_bounce_add(PglStore *store, gint64 list_id, const gchar *address,
			      const gchar *reason, GBytes *message, gint64 now, GError **error);
guint pgl_store_bounce_count(PglStore *store, gint64 list_id, const gchar *address,
			     GError **error);

gboolean pgl_store_delivered_add(PglStore *store, const gchar *origin,
				 const gchar *const *addresses, guint n_addresses, gint64 now,
				 GError **error);
GPtrArray *pgl_store_delivered_filter(PglStore *store, const gchar *origin,
				      const gchar *const *recipients, guint n_recipients,
				      GError **error);
guint pgl_store_delivered_expire(PglStore *store, gint64 older_than, GError **error);

PglListKey *pgl_store_list_key_get(PglStore *store, gint64 list_id, gboolean with_secret,
				   GError **error);
gboolean pgl_store_list_key_set(PglStore *store, gint64 list_id, const gchar *fingerprint,
				GBytes *public_key, GBytes *secret_key, gboolean replace,
				GError **error);
gboolean pgl_store_list_key_remove(PglStore *store, gint64 list_id, GError **error);
void pgl_list_key_free(PglListKey *key);

PglAddressKey *pgl_store_address_key_get(PglStore *store, const gchar *address,
					 GError **error);
gboolean pgl_store_address_key_set(PglStore *store, const gchar *address,
				   const gchar *fingerprint, GBytes *public_key, gboolean confirmed,
				   GError **error);
gboolean pgl_store_address_key_confirm(PglStore *store, const gchar *address,
				       const gchar *fingerprint, GError **error);
gboolean pgl_store_address_key_remove(PglStore *store, const gchar *address, GError **error);
void pgl_address_key_free(PglAddressKey *key);

gboolean pgl_store_signature_digest_add(PglStore *store, gint64 list_id, const gchar *digest,
					const gchar *fingerprint, gint64 time, const gchar *origin,
					GError **error);
gboolean pgl_store_signature_digest_seen(PglStore *store, gint64 list_id, const gchar *digest,
					 const gchar *origin, gboolean *seen_out, GError **error);
guint pgl_store_signature_digest_expire(PglStore *store, gint64 older_than, GError **error);
gboolean pgl_store_key_generation(PglStore *store, gint64 *generation_out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglStore, pgl_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglListKey, pgl_list_key_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglAddressKey, pgl_address_key_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglHeldMessage, pgl_held_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglAuditEntry, pgl_audit_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PglPending, pgl_pending_free)

G_END_DECLS
