/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every limit pgplist applies to untrusted input, in one place (STYLE.md §6). The defaults here are
 * what a key absent from the configuration file means; the bounds are what a configuration file may
 * set, checked at load time. docs/admin.md lists the same values (a test checks that it does).
 */
#pragma once

/* LMTP session (RFC 2033 on RFC 5321): a text line is at most 1000 octets; we allow more because
 * real mail is sloppy, but never an unbounded amount. */
#define PGL_LIMIT_LMTP_LINE_DEFAULT	  4096
#define PGL_LIMIT_LMTP_LINE_MIN		  1002
#define PGL_LIMIT_LMTP_LINE_MAX		  (1024 * 1024)
#define PGL_LIMIT_MESSAGE_DEFAULT	  (25 * 1024 * 1024)
#define PGL_LIMIT_MESSAGE_MIN		  1024
#define PGL_LIMIT_MESSAGE_MAX		  (512 * 1024 * 1024)
#define PGL_LIMIT_HEADER_DEFAULT	  (256 * 1024)
#define PGL_LIMIT_HEADER_MIN		  1024
#define PGL_LIMIT_HEADER_MAX		  (16 * 1024 * 1024)
#define PGL_LIMIT_RECIPIENTS_DEFAULT	  100
#define PGL_LIMIT_RECIPIENTS_MAX	  10000
#define PGL_LIMIT_LMTP_TIMEOUT_DEFAULT	  300
#define PGL_LIMIT_LMTP_TIMEOUT_MAX	  3600
#define PGL_LIMIT_LMTP_SESSIONS_DEFAULT	  32
#define PGL_LIMIT_LMTP_SESSIONS_MAX	  1024

/* MIME structure (GMime parsing) */
#define PGL_LIMIT_MIME_DEPTH_DEFAULT	  16
#define PGL_LIMIT_MIME_DEPTH_MAX	  64
#define PGL_LIMIT_MIME_PARTS_DEFAULT	  512
#define PGL_LIMIT_MIME_PARTS_MAX	  10000

/* Loop detection: more Received: headers than this and the message is treated as looping (cf.
 * Postfix hopcount_limit). */
#define PGL_LIMIT_MAX_RECEIVED_DEFAULT	  30
#define PGL_LIMIT_MAX_RECEIVED_MAX	  500

/* REST (issue 5) */
#define PGL_LIMIT_REST_BODY_DEFAULT	  (1024 * 1024)
#define PGL_LIMIT_REST_BODY_MAX		  (64 * 1024 * 1024)
#define PGL_LIMIT_JSON_DEPTH_DEFAULT	  32
#define PGL_LIMIT_JSON_DEPTH_MAX	  256

/* Spool files a runner will read (the spool is ours, but a corrupt file must not blow up memory). */
#define PGL_LIMIT_SPOOL_FILE_MAX	  (PGL_LIMIT_MESSAGE_MAX + 64 * 1024)

/* OpenPGP. A reader of a message with hidden recipients must try its key on every session key
 * packet (gpg: 2.4 s for 1000), so chunks that share one encrypted copy stay small; incoming
 * messages with more hidden recipients than the decrypt limit are refused. Key blobs: a
 * certificate-flooded key from a keyserver is a few MB at most. */
#define PGL_LIMIT_PGP_CHUNK_MAX		  100
#define PGL_LIMIT_PGP_HIDDEN_RECIPIENTS	  2000
#define PGL_LIMIT_PGP_KEY_BLOB		  (8 * 1024 * 1024)

/* Email commands (issue 4). A command mail's text/plain part is read up to the first non-command
 * line after its first command, and never past COMMAND_LINES lines (every line read counts,
 * blank and quoted ones too, cf. Mailman's email_commands_max_lines) nor past COMMAND_TEXT_MAX
 * decoded bytes. Only the first COMMAND_LINE_MAX bytes of a line are looked at: the longest
 * command ("unsubscribe address=" and a 254-octet address) is under 300, so a longer line is
 * never a valid command. A reply quotes at most COMMAND_QUOTE_MAX bytes of a line. At most
 * COMMANDS_MAX commands are taken from one mail, whatever the line limit, so that one mail
 * cannot make the list send a great many. */
#define PGL_LIMIT_COMMAND_LINES_DEFAULT	  25
#define PGL_LIMIT_COMMAND_LINES_MIN	  1
#define PGL_LIMIT_COMMAND_LINES_MAX	  1000
#define PGL_LIMIT_COMMAND_LINE_MAX	  1000
#define PGL_LIMIT_COMMAND_TEXT_MAX	  (128 * 1024)
#define PGL_LIMIT_COMMAND_QUOTE_MAX	  300
#define PGL_LIMIT_COMMANDS_MAX		  100

/* Workflows (src/workflows/, issue 4). A confirmation token is good for [workflows]
 * token_lifetime seconds (default 3 days, as Mailman 3's pending lifetime). One start or resume
 * runs at most PGL_LIMIT_WORKFLOW_STEPS steps and keeps at most as many on its stack (a step that
 * pushes steps forever is a bug to report, not a hang); a stored state is at most
 * PGL_LIMIT_WORKFLOW_STATE bytes of JSON (fingerprints belong in it, keys in the key table). */
#define PGL_LIMIT_WORKFLOW_TOKEN_LIFETIME_DEFAULT (3 * 24 * 3600)
#define PGL_LIMIT_WORKFLOW_TOKEN_LIFETIME_MIN	  600
#define PGL_LIMIT_WORKFLOW_TOKEN_LIFETIME_MAX	  (90 * 24 * 3600)
#define PGL_LIMIT_WORKFLOW_STEPS		  256
#define PGL_LIMIT_WORKFLOW_STATE		  (256 * 1024)

/* Address syntax, RFC 5321 §4.5.3.1 */
#define PGL_LIMIT_LOCAL_PART_MAX	  64
#define PGL_LIMIT_DOMAIN_MAX		  255
#define PGL_LIMIT_ADDRESS_MAX		  254
