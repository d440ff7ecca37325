#!/usr/bin/env bash
# The test command: sets up what the tests need on a fresh machine, runs
# every test with all features, then the build without default features.
# Under CI=true a missing tool or server fails the run; it never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test --all-features"
cargo test --all-features --locked 2>&1
echo "== cargo test --no-default-features"
cargo test --no-default-features --locked --lib --tests 2>&1
