#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end test: pgplist behind a real Postfix.
#
#   swaks --SMTP--> private Postfix --LMTP (transport map)--> pgplist serve
#         pgplist --SMTP--> private Postfix --virtual(8)--> Maildirs under $E2E/mail
#
# It never touches the system's Postfix: it runs a private instance from a temporary
# directory with its own main.cf/master.cf, queue and data directories ("postfix -c DIR").
# As root, Postfix accepts a non-default configuration directory without it being listed in
# alternate_config_directories of /etc/postfix/main.cf (that check is only made by the
# set-gid programs postdrop and postqueue, which this test does not use), so /etc/postfix is
# only read (meta_directory: postfix-files, dynamicmaps.cf), never written.
#
# Exit status: 0 ok, 1 failure, 77 skipped (not root, or postfix/swaks/python3 missing).
# Environment: PGLIST_BINARY (required) the pgplist executable;
#              E2E_KEEP=1 keeps the temporary directory; E2E_TMPDIR where to make it (/tmp).

set -euo pipefail

PATH=$PATH:/usr/sbin:/sbin
TIMEOUT=${E2E_TIMEOUT:-60}   # seconds to wait for any one expected delivery

skip() { echo "e2e: skipped: $*"; exit 77; }
log() { echo "e2e: $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (runs a private Postfix instance)"
for tool in postfix postmap postconf swaks python3; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed"
done
PGLIST=${PGLIST_BINARY:-${1:-}}
if [ -z "$PGLIST" ] || [ ! -x "$PGLIST" ]; then
	echo "e2e: PGLIST_BINARY not set or not executable" >&2
	exit 1
fi
PGLIST=$(readlink -f "$PGLIST")

E2E=$(mktemp -d "${E2E_TMPDIR:-/tmp}/pgplist-e2e.XXXXXX")
chmod 755 "$E2E"   # the postfix user must reach its queue directory under it
ETC=$E2E/etc
MAIL=$E2E/mail
PGPLIST_LOG=$E2E/pgplist.log
POSTFIX_LOG=$E2E/postfix.log
PGPLIST_PID=
POSTFIX_STARTED=0
OK=0

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pgplist() { "$PGLIST" --config "$E2E/pgplist.ini" "$@"; }

# the headers of a message file, continuation lines unfolded
headers() { awk '/^\r?$/ { exit } /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next } NR > 1 { print "" } { printf "%s", $0 } END { print "" }' "$1" | tr -d '\r'; }

# count_mail USER EGREP...: messages in USER@example.org's Maildir whose headers match every pattern
count_mail() {
	local user=$1 n=0 f p match
	shift
	for f in "$MAIL/example.org/$user"/new/* "$MAIL/example.org/$user"/cur/*; do
		[ -f "$f" ] || continue
		match=1
		for p in "$@"; do
			headers "$f" | grep -Eq -- "$p" || { match=0; break; }
		done
		n=$((n + match))
	done
	echo "$n"
}

# wait_mail USER COUNT EGREP...: waits until exactly COUNT messages match (fails on more, or timeout)
wait_mail() {
	local user=$1 want=$2 n deadline=$((SECONDS + TIMEOUT))
	shift 2
	while :; do
		n=$(count_mail "$user" "$@")
		[ "$n" -lt "$want" ] || break
		[ "$SECONDS" -lt "$deadline" ] || { log "FAIL: $user@example.org has $n, not $want, messages matching: $*"; return 1; }
		[ -z "$PGPLIST_PID" ] || kill -0 "$PGPLIST_PID" 2>/dev/null || { log "FAIL: pgplist serve died"; return 1; }
		sleep 0.25
	done
	[ "$n" -eq "$want" ] || { log "FAIL: $user@example.org has $n, not $want, messages matching: $*"; return 1; }
}

# alive PID: the process exists and is not a zombie
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

stop_pgplist() {
	local pid=$PGPLIST_PID status=0
	[ -n "$pid" ] || return 0
	PGPLIST_PID=
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
	if alive "$pid"; then
		log "pgplist did not stop on SIGTERM within 5 s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || status=$?
	return "$status"
}

stop_postfix() {
	local pid=""
	[ "$POSTFIX_STARTED" = 1 ] || return 0
	POSTFIX_STARTED=0
	[ -r "$E2E/queue/pid/master.pid" ] && pid=$(tr -dc 0-9 < "$E2E/queue/pid/master.pid")
	postfix -c "$ETC" stop >/dev/null 2>&1 || true
	[ -n "$pid" ] || return 0
	for _ in $(seq 50); do alive "$pid" || return 0; sleep 0.1; done
	postfix -c "$ETC" abort >/dev/null 2>&1 || true
	sleep 0.5
	if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
}

dump() {
	local f
	echo "----- pgplist log ($PGPLIST_LOG) -----"
	cat "$PGPLIST_LOG" 2>/dev/null || true
	echo "----- postfix log ($POSTFIX_LOG) -----"
	cat "$POSTFIX_LOG" 2>/dev/null || true
	echo "----- postfix queue (postqueue is set-gid and refuses a private instance) -----"
	find "$E2E/queue/incoming" "$E2E/queue/active" "$E2E/queue/deferred" "$E2E/queue/hold" \
		-type f 2>/dev/null || true
	find "$E2E/queue/defer" -type f -exec cat {} + 2>/dev/null || true
	echo "----- pgplist info / held -----"
	pgplist info 2>&1 || true
	pgplist held team@lists.example 2>&1 || true
	echo "----- mailboxes -----"
	for f in "$MAIL"/example.org/*/new/* "$MAIL"/example.org/*/cur/*; do
		[ -f "$f" ] || continue
		echo "== $f"
		headers "$f" | grep -Ei '^(from|to|subject|list-id|delivered-to):' || true
	done
	for f in "$E2E"/swaks-*.log; do
		[ -f "$f" ] || continue
		echo "----- $f -----"
		cat "$f"
	done
}

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	set +e
	if [ "$OK" = 1 ]; then status=0; elif [ "$status" = 0 ]; then status=1; fi
	[ "$status" = 0 ] || dump
	stop_pgplist
	stop_postfix
	if [ "$status" = 0 ] && [ "${E2E_KEEP:-0}" != 1 ]; then
		rm -rf "$E2E"
	else
		log "files kept in $E2E"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SMTP_PORT=$(free_port)
LMTP_PORT=$(free_port)
while [ "$LMTP_PORT" = "$SMTP_PORT" ]; do LMTP_PORT=$(free_port); done
log "dir $E2E, postfix smtpd 127.0.0.1:$SMTP_PORT, pgplist lmtp 127.0.0.1:$LMTP_PORT"

# --- pgplist ---------------------------------------------------------------------------------
cat > "$E2E/pgplist.ini" <<EOF
[paths]
var_dir = $E2E/var

[lmtp]
host = 127.0.0.1
port = $LMTP_PORT
hostname = lists.e2e.test

[smtp]
host = 127.0.0.1
port = $SMTP_PORT
security = none
timeout = 30

[delivery]
retry_initial_delay = 2
retry_max_delay = 5

[mail]
site_owner = postmaster@example.org
EOF

pgplist create team@lists.example --owner owner@example.org
printf '%s\n' alice@example.org bob@example.org 'Carol Example <carol@example.org>' |
	pgplist addmembers team@lists.example -

# --- the private Postfix instance ------------------------------------------------------------
mkdir -p "$ETC" "$E2E/queue" "$E2E/data" "$MAIL"
chown postfix "$E2E/data"
VUID=$(id -u nobody)
VGID=$(id -g nobody)
chown "$VUID:$VGID" "$MAIL"

pgplist aliases > "$ETC/transport"
grep -q "^team@lists.example[[:space:]]*lmtp:inet:127.0.0.1:$LMTP_PORT\$" "$ETC/transport" || {
	log "FAIL: pgplist aliases did not route team@lists.example to lmtp:inet:127.0.0.1:$LMTP_PORT:"
	cat "$ETC/transport"
	exit 1
}
postmap "hash:$ETC/transport"

: > "$ETC/vmailbox"
for user in alice bob carol owner mallory postmaster; do
	echo "$user@example.org example.org/$user/" >> "$ETC/vmailbox"
done
postmap "hash:$ETC/vmailbox"

cat > "$ETC/main.cf" <<EOF
# private Postfix instance of the pgplist end-to-end test
compatibility_level = 3.6
queue_directory = $E2E/queue
data_directory = $E2E/data
maillog_file = $POSTFIX_LOG
maillog_file_prefixes = $E2E
myhostname = mx.e2e.test
mydomain = e2e.test
myorigin = \$myhostname
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
readme_directory = no
recipient_delimiter = +

# the lists: relayed, and routed to pgplist's LMTP listener by the map "pgplist aliases" writes
relay_domains = lists.example
transport_maps = hash:$ETC/transport

# the subscribers: Maildirs under $MAIL
virtual_mailbox_domains = example.org
virtual_mailbox_base = $MAIL
virtual_mailbox_maps = hash:$ETC/vmailbox
virtual_uid_maps = static:$VUID
virtual_gid_maps = static:$VGID
virtual_minimum_uid = 1

# no DNS, nothing leaves the machine
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
default_transport = error:no mail leaves the e2e test
relay_transport = error:no mail leaves the e2e test

# fast: short queue scans and back-off, no penalties
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maximal_queue_lifetime = 5m
bounce_queue_lifetime = 5m
delay_warning_time = 0
in_flow_delay = 0
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 1000
smtpd_client_connection_rate_limit = 0
lmtp_connect_timeout = 5s
smtp_connect_timeout = 5s
default_destination_concurrency_failed_cohort_limit = 100
default_destination_concurrency_limit = 5
smtpd_tls_security_level = none
smtp_tls_security_level = none
lmtp_tls_security_level = none
EOF

cat > "$ETC/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       1       1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF

# --- start both --------------------------------------------------------------------------------
# The daemon logs warnings for ordinary run-time conditions (a relay that is down, ...);
# the meson test environment's G_DEBUG=fatal-warnings would turn those into aborts.
G_DEBUG=gc-friendly "$PGLIST" --config "$E2E/pgplist.ini" --verbose serve > "$PGPLIST_LOG" 2>&1 &
PGPLIST_PID=$!
deadline=$((SECONDS + 15))
until grep -q '^listening lmtp=' "$PGPLIST_LOG" 2>/dev/null; do
	kill -0 "$PGPLIST_PID" 2>/dev/null || { log "FAIL: pgplist serve exited at start"; exit 1; }
	[ "$SECONDS" -lt "$deadline" ] || { log "FAIL: pgplist serve did not start listening"; exit 1; }
	sleep 0.1
done
grep -q "^listening lmtp=127.0.0.1:$LMTP_PORT\$" "$PGPLIST_LOG" || { log "FAIL: pgplist listens on the wrong port"; exit 1; }

postfix -c "$ETC" check
POSTFIX_STARTED=1
postfix -c "$ETC" start
deadline=$((SECONDS + 15))
until (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; do
	[ "$SECONDS" -lt "$deadline" ] || { log "FAIL: postfix smtpd does not answer on port $SMTP_PORT"; exit 1; }
	sleep 0.1
done
log "pgplist (pid $PGPLIST_PID) and postfix are up"

send() { # send N FROM SUBJECT BODY
	swaks --server "127.0.0.1:$SMTP_PORT" --helo client.e2e.test --from "$2" --to team@lists.example \
		--header "Subject: $3" --body "$4" > "$E2E/swaks-$1.log" 2>&1 ||
		{ log "FAIL: swaks could not hand message $1 to postfix"; return 1; }
}

LIST_ID='^List-Id:.*<team\.lists\.example>'

# --- 1. a member's post reaches every member -------------------------------------------------
send 1 alice@example.org hello "Hello team, this is the pgplist end-to-end test."
for user in alice bob carol; do
	wait_mail "$user" 1 "$LIST_ID" '^Subject: \[Team\] hello$'
done
log "member post delivered to alice, bob and carol"

# --- 2. a non-member's post is held; the owner is asked, the poster told -----------------------
send 2 mallory@example.org "from mallory" "Hello, I am not on this list."
wait_mail owner 1 '^Subject: Team post from mallory@example\.org requires approval$'
wait_mail mallory 1 '^Subject: Your message to team@lists\.example awaits moderator approval$'
log "non-member post held: moderator notice to owner, notice to mallory"
sleep 2 # the held post must not trickle out to the members
for user in alice bob carol owner; do
	n=$(count_mail "$user" '^Subject: \[Team\] from mallory$')
	[ "$n" = 0 ] || { log "FAIL: held post reached $user@example.org"; exit 1; }
done
held=$(pgplist held team@lists.example)
id=$(printf '%s\n' "$held" | awk -F '\t' '$2 == "mallory@example.org" { print $1; exit }')
[ -n "$id" ] || { log "FAIL: no held message from mallory in: $held"; exit 1; }

# --- 3. the moderator accepts it; it reaches every member --------------------------------------
pgplist moderate team@lists.example "$id" accept
for user in alice bob carol; do
	wait_mail "$user" 1 "$LIST_ID" '^Subject: \[Team\] from mallory$'
done
log "accepted post delivered to alice, bob and carol"
[ -z "$(pgplist held team@lists.example)" ] || { log "FAIL: the accepted message is still held"; exit 1; }

# --- 4. nothing extra, nothing left behind, clean shutdown -------------------------------------
sleep 1
for user in alice bob carol; do
	wait_mail "$user" 2 '.'
done
wait_mail owner 1 '.'
wait_mail mallory 1 '.'
stop_pgplist || { log "FAIL: pgplist serve exited with status $? on SIGTERM"; exit 1; }
if grep -Eq 'CRITICAL|ERROR: (Address|Leak)Sanitizer|runtime error:' "$PGPLIST_LOG"; then
	log "FAIL: the daemon logged criticals or sanitizer errors"
	exit 1
fi
OK=1
log "ok"
