#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sends a post to the demo PGP list (see scripts/demo.sh) as one of its members: the text is
# signed with the member's key and encrypted to the list's key by GnuPG, as PGP/MIME (RFC 3156)
# with the real Subject protected inside (RFC 9788), and handed to pgplist over LMTP.
#
#   scripts/demo-post.sh alice|bob|carol SUBJECT TEXT
set -euo pipefail

ROOT=$(dirname "$(readlink -f "$0")")/..
cd "$(readlink -f "$ROOT")"

if [ $# != 3 ]; then
	echo "usage: $0 alice|bob|carol SUBJECT TEXT" >&2
	exit 2
fi
name=$1 subject=$2 text=$3
home=var/demo-gnupg/$name
[ -d "$home" ] || { echo "demo-post: no key for $name (run scripts/demo.sh first)" >&2; exit 1; }

inner=$(printf 'Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\nSubject: %s\r\nFrom: %s <%s@example.org>\r\n\r\n%s\r\n' \
	"$subject" "$name" "$name" "$text")
armored=$(printf '%s' "$inner" | gpg --homedir "$home" --batch --quiet --trust-model always \
	--armor --sign --encrypt --local-user "$name@example.org" --recipient demo@lists.example)
boundary="demo-$RANDOM$RANDOM"

{
	printf 'From: %s <%s@example.org>\nTo: demo@lists.example\nSubject: [...]\n' "$name" "$name"
	printf 'Date: %s\nMessage-ID: <%s.%s@example.org>\nMIME-Version: 1.0\n' \
		"$(date -R)" "$(date +%s%N)" "$name"
	printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\n boundary="%s"\n\n' "$boundary"
	printf -- '--%s\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n' "$boundary"
	printf -- '--%s\nContent-Type: application/octet-stream; name="encrypted.asc"\n\n%s\n' \
		"$boundary" "$armored"
	printf -- '--%s--\n' "$boundary"
} > "var/demo-post-$name.eml"

swaks --silent 2 --server 127.0.0.1:8024 --protocol LMTP --from "$name@example.org" \
	--to demo@lists.example --data "@var/demo-post-$name.eml"
echo "demo-post: sent var/demo-post-$name.eml"
