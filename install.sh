#!/usr/bin/env bash
# Build ark in release mode and install it, plus shell completions, for the current user.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: ./install.sh [--prefix DIR] [--help]

Builds ark with `cargo build --release` and installs:
  - the binary to ~/.local/bin/ark (or DIR/bin/ark with --prefix DIR)
  - the completion script for your shell (from $SHELL):
      bash  ${XDG_DATA_HOME:-~/.local/share}/bash-completion/completions/ark
      zsh   ~/.zfunc/_ark   (add `fpath+=~/.zfunc` to ~/.zshrc before compinit)
      fish  ~/.config/fish/completions/ark.fish

Needs no root. Safe to re-run: it overwrites the same files each time.
EOF
}

die() { echo "install.sh: error: $*" >&2; exit 1; }
info() { echo "install.sh: $*"; }

prefix="$HOME/.local"
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --prefix)
      [[ $# -ge 2 && -n "$2" ]] || die "--prefix needs a directory"
      prefix="$2"; shift 2 ;;
    --prefix=*)
      prefix="${1#--prefix=}"
      [[ -n "$prefix" ]] || die "--prefix needs a directory"
      shift ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

# Make a relative prefix absolute before changing directory.
case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
bindir="${prefix%/}/bin"

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
cd -- "$script_dir"

# rustup installs to ~/.cargo/bin, which a fresh shell may not have on PATH yet.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 \
  || die "cargo not found; install Rust from https://rustup.rs (curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh) and re-run"

info "building ark (cargo build --release)..."
cargo build --release
built="${CARGO_TARGET_DIR:-$script_dir/target}/release/ark"
[[ -x "$built" ]] || die "build finished but $built is missing"

mkdir -p -- "$bindir"
# Copy to a temp name, then rename: safe even if the old binary is running.
install -m 0755 "$built" "$bindir/.ark.tmp.$$"
mv -f -- "$bindir/.ark.tmp.$$" "$bindir/ark"
info "installed $("$bindir/ark" --version 2>/dev/null || echo ark) to $bindir/ark"

# install_completion SHELL CHECKED_IN_FILE DEST
install_completion() {
  local sh="$1" src="completions/$2" dest="$3" tmp
  mkdir -p -- "$(dirname -- "$dest")"
  tmp="$dest.tmp.$$"
  if [[ -s "$src" ]]; then
    cp -- "$src" "$tmp"
  elif ! "$bindir/ark" completions "$sh" >"$tmp" || [[ ! -s "$tmp" ]]; then
    rm -f -- "$tmp"
    echo "install.sh: warning: could not generate $sh completions; skipped" >&2
    return 0
  fi
  mv -f -- "$tmp" "$dest"
  info "installed $sh completions to $dest"
}

shell_name="$(basename -- "${SHELL:-}")"
case "$shell_name" in
  bash)
    install_completion bash ark.bash \
      "${XDG_DATA_HOME:-$HOME/.local/share}/bash-completion/completions/ark" ;;
  zsh)
    install_completion zsh _ark "$HOME/.zfunc/_ark"
    zshrc="${ZDOTDIR:-$HOME}/.zshrc"
    if ! grep -qsE 'fpath.*\.zfunc' "$zshrc"; then
      info "hint: add 'fpath+=~/.zfunc' to $zshrc (before compinit) to enable completions"
    fi ;;
  fish)
    install_completion fish ark.fish "$HOME/.config/fish/completions/ark.fish" ;;
  *)
    info "shell '${shell_name:-unknown}' not recognised; skipped completions (see: ark completions --help)" ;;
esac

case ":${PATH:-}:" in
  *":$bindir:"*|*":$bindir/:"*) ;;
  *) echo "install.sh: warning: $bindir is not on your PATH; add: export PATH=\"$bindir:\$PATH\"" >&2 ;;
esac

info "done"
