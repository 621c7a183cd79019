/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fuzz target for what happens to a parsed message on a list: the posting chain (every rule,
 * including the approved rule, which edits the body) and then the whole handler pipeline
 * (subject prefix, Reply-To and From rewriting, List-* headers, decoration), followed by
 * serialisation and a re-parse. The list has a moderator password, a header and a footer, and
 * munges From: and Reply-To:, so every handler does work. Corpus: tests/fuzz/corpus/posting/.
 */
#include "pgl-fuzz.h"

#include "mail/pgl-mail.h"
#include "pipeline/pgl-chain.h"
#include "pipeline/pgl-pipeline.h"

#include <glib/gstdio.h>

typedef struct {
	PglContext *ctx;
	PglList *list;
} FuzzState;

static void
set(PglList *list, const gchar *name, const gchar *value)
{
	gchar *stored = pgl_list_setting_validate(name, value, NULL);

	g_assert(stored != NULL);
	g_hash_table_insert(list->settings, g_strdup(name), stored);
}

static FuzzState *
fuzz_state(void)
{
	static FuzzState state = {NULL, NULL};

	if (state.ctx == NULL) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *tmpdir = g_dir_make_tmp("pgl-fuzz-XXXXXX", &error);
		PglConfig *config = pgl_config_new_default();

		g_assert_no_error(error);
		g_free(config->var_dir);
		config->var_dir = g_steal_pointer(&tmpdir);
		config->header_max = 8192;
		config->mime_depth_max = 8;
		config->mime_parts_max = 64;
		config->message_max = 1024 * 1024;
		g_mime_init();
		state.ctx = pgl_context_new(config, &error);
		g_assert_no_error(error);
		g_rmdir(pgl_context_get_var_dir(state.ctx));
		state.list = pgl_list_new(1, "test", "example.org");
		set(state.list, "moderator_password", "pw");
		set(state.list, "msg_header", "Header of $display_name");
		set(state.list, "dmarc_mitigate_action", "munge_from");
		set(state.list, "reply_goes_to_list", "point_to_list");
		set(state.list, "bounce_matching_headers", "X-Spam: ^yes");
		set(state.list, "acceptable_aliases", "^alias-.*@example\\.org$");
	}
	return &state;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzState *state = fuzz_state();
	g_autoptr(GBytes) raw = g_bytes_new(data, size);
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GMimeMessage) again = NULL;
	g_autoptr(PglPosting) posting = NULL;
	g_autoptr(PglVerdict) verdict = NULL;
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GPtrArray) roles = g_ptr_array_new_with_free_func((GDestroyNotify)pgl_member_free);
	PglMember *member = pgl_member_new();

	if (!pgl_mail_parse(state->ctx, raw, &message, NULL)) {
		pgl_member_free(member);
		return 0;
	}
	posting = pgl_posting_new(state->ctx, state->list, message, size, "env@example.org",
				  roles);
	member->role = size % 2 == 0 ? PGL_ROLE_MEMBER : PGL_ROLE_NONMEMBER;
	member->address = g_strdup(posting->sender != NULL ? posting->sender : "x@example.org");
	g_ptr_array_add(roles, member);
	verdict = pgl_chain_run(posting);
	g_assert(verdict != NULL && verdict->action != PGL_ACTION_DEFER);
	g_assert(g_utf8_validate(verdict->reason, -1, NULL));
	if (!pgl_pipeline_run(posting, NULL))
		return 0;
	out = pgl_mail_to_bytes(message);
	if (!pgl_mail_parse(state->ctx, out, &again, NULL))
		return 0;
	return 0;
}
