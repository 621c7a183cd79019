#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The whole test run: installs the dependencies, builds build/ with --werror and runs the test
# suite, then builds build-asan/ with AddressSanitizer + UndefinedBehaviorSanitizer and runs the
# suite again. The last line is the sum of both runs: "N passed, N failed[, N skipped]".
# Exit status: 0 if nothing failed, 1 otherwise.
#
#   scripts/test.sh [--no-deps] [-- MESON-TEST-ARGS...]   e.g. scripts/test.sh -- --suite e2e
set -uo pipefail

cd "$(dirname "$(readlink -f "$0")")/.." || exit 1

deps=1
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-deps) deps=0 ;;
	--) shift; extra=("$@"); break ;;
	-h | --help) sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "test.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

JOBS=$(nproc 2>/dev/null || echo 2)
failed_steps=()

step() { echo; echo "=== $*"; }

# summarize BUILDDIR...: "passed failed skipped" from the meson-logs/testlog.json of each
summarize() {
	python3 - "$@" <<'EOF'
import json, os, sys
passed = failed = skipped = 0
for builddir in sys.argv[1:]:
    path = os.path.join(builddir, "meson-logs", "testlog.json")
    if not os.path.exists(path):
        continue
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            line = line.strip()
            if not line:
                continue
            result = json.loads(line).get("result", "")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:  # FAIL, TIMEOUT, UNEXPECTEDPASS, ERROR, INTERRUPT, ...
                failed += 1
print(passed, failed, skipped)
EOF
}

# run NAME BUILDDIR SETUP-ARGS...: configures (or reconfigures) BUILDDIR, builds it, tests it
run() {
	local name=$1 builddir=$2
	shift 2
	rm -f "$builddir/meson-logs/testlog.json"
	step "$name: configure $builddir"
	if [ -f "$builddir/build.ninja" ]; then
		meson setup --reconfigure "$builddir" "$@" || { failed_steps+=("$name: configure"); return; }
	else
		rm -rf "$builddir"
		meson setup "$builddir" "$@" || { failed_steps+=("$name: configure"); return; }
	fi
	step "$name: build"
	ninja -C "$builddir" -j "$JOBS" || { failed_steps+=("$name: build"); return; }
	step "$name: test"
	meson test -C "$builddir" --print-errorlogs --num-processes "$JOBS" "${extra[@]}" ||
		failed_steps+=("$name: test")
}

if [ "$deps" = 1 ]; then
	step "dependencies"
	scripts/install-deps.sh || { echo "test.sh: installing the dependencies failed" >&2; exit 1; }
fi

run "plain" build --buildtype=debugoptimized --werror

# clang must build the tree with -Werror too (no test run: the two runs below cover behaviour)
step "clang: configure and build build-clang"
if [ -f build-clang/build.ninja ]; then
	CC=clang meson setup --reconfigure build-clang --werror >/dev/null
else
	rm -rf build-clang
	CC=clang meson setup build-clang --buildtype=debugoptimized --werror >/dev/null
fi && ninja -C build-clang -j "$JOBS" >build-clang.log 2>&1 ||
	{ grep -E "error|FAILED" build-clang.log | head -40; failed_steps+=("clang: build"); }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run "asan+ubsan" build-asan --buildtype=debug --werror \
	-Db_sanitize=address,undefined -Db_lundef=false

read -r passed failed skipped < <(summarize build build-asan)
echo
for s in "${failed_steps[@]}"; do echo "test.sh: failed: $s" >&2; done
# a step that failed without a failed test (configure, build) counts as a failure too
if [ "${#failed_steps[@]}" -gt 0 ] && [ "$failed" = 0 ]; then
	failed=${#failed_steps[@]}
fi
line="$passed passed, $failed failed"
[ "$skipped" = 0 ] || line="$line, $skipped skipped"
echo "$line"
[ "$failed" = 0 ]
