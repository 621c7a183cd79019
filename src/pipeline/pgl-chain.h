/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The posting chain: the rules a post to a list goes through, in order, and how their answers
 * combine into one verdict. The semantics are documented in pgl-chain.c.
 */
#pragma once

#include "pipeline/pgl-posting.h"
#include "pipeline/pgl-rule.h"

G_BEGIN_DECLS

PglVerdict *pgl_chain_run(PglPosting *posting);
const PglRule *const *pgl_chain_get_rules(void);

G_END_DECLS
