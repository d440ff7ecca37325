#!/usr/bin/env bash
# Runs the README's two `cargo run` commands exactly as a newcomer copies
# them (extracted from the README, not copied here), on this checkout, and
# checks what they print against hand-worked answers.
set -euo pipefail
cd "$(dirname "$0")/.."

# The first command line of the ```sh block that follows a line containing $1.
readme_command() {
    awk -v marker="$1" '
        index($0, marker) { found = 1; next }
        found && /^```sh/ { inblock = 1; next }
        inblock && /^```/ { exit }
        inblock && NF { print; exit }
    ' README.md
}

main=$(readme_command "(the main job)")
check=$(readme_command "validate the expressions of a CloudFormation template")
for c in "$main" "$check"; do
    case "$c" in
        "cargo run "*) ;;
        *) echo "error: README command not found or not a cargo run: '$c'" >&2; exit 1 ;;
    esac
done

echo "\$ $main"
out=$(bash -c "$main")
echo "$out"
# Second Sundays at 16:00 UTC after 2026-11-23, three hours each.
for row in "2026-12-13T16:00:00Z  2026-12-13T19:00:00Z" \
    "2027-01-10T16:00:00Z  2027-01-10T19:00:00Z" \
    "2027-02-14T16:00:00Z  2027-02-14T19:00:00Z"; do
    grep -qF "$row" <<<"$out" || { echo "error: the main command did not print $row" >&2; exit 1; }
done
[ "$(grep -c '^20[0-9][0-9]-' <<<"$out")" -eq 3 ] || { echo "error: expected exactly 3 windows" >&2; exit 1; }

echo "\$ $check"
set +e
out=$(bash -c "$check" 2>&1)
rc=$?
set -e
echo "$out"
# `cron(0 1,2 * * ? *)` fires one hour apart: a finding, exit 1, in both places.
[ "$rc" -eq 1 ] || { echo "error: the check command exited $rc, expected 1" >&2; exit 1; }
[ "$(grep -c 'rotations must be at least 4 hours apart' <<<"$out")" -eq 2 ] ||
    { echo "error: the check command did not report the 1-hour gap twice" >&2; exit 1; }
echo "README commands: ok"
