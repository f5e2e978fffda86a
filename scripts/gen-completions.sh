#!/usr/bin/env bash
# Regenerates the checked-in shell completion scripts from the CLI definition.
# Run after changing any command or flag; tests/completions.rs fails while they are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
ark=${CARGO_TARGET_DIR:-target}/debug/ark
"$ark" completions bash >completions/ark.bash
"$ark" completions zsh >completions/_ark
"$ark" completions fish >completions/ark.fish
echo "completions/: regenerated ark.bash, _ark, ark.fish"
