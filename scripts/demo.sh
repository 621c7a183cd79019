#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A pgplist to play with: installs the dependencies, builds build/, writes var/demo.ini (once),
# creates the PGP list demo@lists.example with three members whose keys GnuPG makes in
# var/demo-gnupg/NAME (once), explains how to use it, then runs the daemon in the foreground
# until Ctrl-C. Everything lives in ./var of the source tree. scripts/demo-post.sh sends a post
# as one of the members.
#
#   scripts/demo.sh [--no-deps]
set -euo pipefail

ROOT=$(dirname "$(readlink -f "$0")")/..
ROOT=$(readlink -f "$ROOT")
cd "$ROOT"

if [ "${1:-}" != --no-deps ]; then
	scripts/install-deps.sh
fi

if [ -f build/build.ninja ]; then
	ninja -C build >/dev/null
else
	meson setup build >/dev/null
	ninja -C build >/dev/null
fi
PGLIST=$ROOT/build/src/pgplist
CONFIG=var/demo.ini

mkdir -p var
if [ ! -f "$CONFIG" ]; then
	cat > "$CONFIG" <<'EOF'
# pgplist demo configuration, written by scripts/demo.sh (edit freely; it is not overwritten).
# Relative paths are relative to the directory pgplist is started in (the source tree).
[paths]
var_dir = ./var

[lmtp]
# where the MTA (or you, with swaks) hands list mail to pgplist
host = 127.0.0.1
port = 8024

[smtp]
# the MTA pgplist hands outgoing mail to; if nothing answers here, outgoing mail waits in
# pgplist's retry queue (pgplist --config var/demo.ini info) and is retried until a relay
# answers or [delivery] retry_give_up passes.
host = 127.0.0.1
port = 25
security = none

[delivery]
retry_initial_delay = 30
retry_max_delay = 300

[mail]
site_owner = owner@example.org
EOF
	echo "demo: wrote $CONFIG"
fi

pgplist() { "$PGLIST" --config "$CONFIG" "$@"; }

if ! pgplist lists | grep -q '^demo@lists\.example\b'; then
	pgplist create demo@lists.example --style pgp-discussion --owner owner@example.org
	pgplist listconf demo@lists.example description "pgplist demo list (PGP)"
	printf '%s\n' 'Alice Example <alice@example.org>' 'Bob Example <bob@example.org>' \
		carol@example.org | pgplist addmembers demo@lists.example -
elif ! pgplist key show demo@lists.example >/dev/null 2>&1; then
	pgplist key generate demo@lists.example # a demo list from before PGP lists: make it one
fi

# The members' own keys, as their mail clients would hold them: one GnuPG home each.
pgplist key export demo@lists.example > var/demo-list-key.asc
for name in alice bob carol; do
	home=var/demo-gnupg/$name
	if [ ! -d "$home" ]; then
		mkdir -p -m 700 "$home"
		gpg --homedir "$home" --batch --quiet --pinentry-mode loopback --passphrase '' \
			--quick-gen-key "$name <$name@example.org>" ed25519 sign,cert never
		fingerprint=$(gpg --homedir "$home" --with-colons --list-keys "$name@example.org" |
			awk -F: '/^fpr/ { print $10; exit }')
		gpg --homedir "$home" --batch --quiet --pinentry-mode loopback --passphrase '' \
			--quick-add-key "$fingerprint" cv25519 encr never
		gpg --homedir "$home" --armor --export "$fingerprint" > "$home/public.asc"
		pgplist key set "$name@example.org" "$home/public.asc" --confirmed
	fi
	gpg --homedir "$home" --batch --quiet --import var/demo-list-key.asc 2>/dev/null
done

relay_note="Nothing answers on 127.0.0.1:25 now: outgoing mail waits in pgplist's retry queue
  (and is retried with back-off) until a relay answers there."
if (exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null; then
	relay_note="Something answers on 127.0.0.1:25 (an MTA?): outgoing mail is handed to it. Note
  that Debian's postfix installed with \"No configuration\" does not run, and that
  example.org addresses cannot be delivered from a machine without network: such mail
  then waits in that MTA's queue instead."
fi

cat <<EOF

================================================================================
 pgplist demo
================================================================================
 List:       demo@lists.example  (owner owner@example.org)
 Members:    $(pgplist members demo@lists.example | paste -sd, - | sed 's/,/, /g')
 Config:     $ROOT/$CONFIG
 Data:       $ROOT/var (database, spool queues)

 demo@lists.example is a PGP list: posts must be encrypted to its key and
 signed by a member's key. alice, bob and carol have keys in var/demo-gnupg/NAME.
 Post as alice (GnuPG signs and encrypts, swaks hands it over LMTP on 127.0.0.1:8024):

   scripts/demo-post.sh alice "hello" "Hello, demo list!"

 Every member gets a copy encrypted to their own key and signed by the list; read one with
   gpg --homedir var/demo-gnupg/bob --decrypt var/outbox/msg-000001.eml
 A post in clear (swaks --server 127.0.0.1:8024 --protocol LMTP --from alice@example.org
 --to demo@lists.example --body hi) is rejected, and alice gets a notice saying why.

 Outgoing mail goes to the SMTP relay 127.0.0.1:25.
 $relay_note
 To look at outgoing mail instead, run an SMTP sink there (as root, port 25 free):
   build/tests/support/pgl-smtp-sink --port 25 --store-dir var/outbox

 Run the commands below in $ROOT
 (var_dir = ./var is relative to the current directory).
 Hold every post for moderation, then look at them and decide:

   build/src/pgplist --config $CONFIG listconf demo@lists.example default_member_action hold

   build/src/pgplist --config $CONFIG held demo@lists.example
   build/src/pgplist --config $CONFIG moderate demo@lists.example ID accept|reject|discard

 Queue a message file without LMTP:
   build/src/pgplist --config $CONFIG inject demo@lists.example message.eml
 Queues and endpoints:
   build/src/pgplist --config $CONFIG info

 Stop the daemon: Ctrl-C (SIGINT; queued mail stays in var/ for the next start)
================================================================================

EOF

exec "$PGLIST" --config "$CONFIG" serve
