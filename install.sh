#!/usr/bin/env bash
# Build ark in release mode and install it, plus shell completions, for the current user,
# into a folder this shell already searches, so `./install.sh && ark …` works as one line.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: ./install.sh [--prefix DIR] [--help]

Builds ark with `cargo build --release --locked` and installs:
  - the binary into the first of these folders that your PATH already has:
      ~/.local/bin                     (the XDG user folder)
      cargo's bin folder               ($CARGO_HOME/bin, usually ~/.cargo/bin: where
                                        `cargo install` puts programs)
    and ~/.local/bin (with a line saying how to add it to PATH) when PATH has neither;
    or DIR/bin/ark with --prefix DIR
  - the completion script for your shell (from $SHELL):
      bash  ${XDG_DATA_HOME:-~/.local/share}/bash-completion/completions/ark
      zsh   ~/.zfunc/_ark   (add `fpath+=~/.zfunc` to ~/.zshrc before compinit)
      fish  ~/.config/fish/completions/ark.fish

Needs no root. Safe to re-run: it replaces the same files each time. Another `ark` on
PATH (an older install) is reported, never removed.
EOF
}

die() { echo "install.sh: error: $*" >&2; exit 1; }
info() { echo "install.sh: $*"; }
warn() { echo "install.sh: warning: $*" >&2; }

prefix=""
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

# The PATH of the shell that ran us: the one that will look for `ark` next.
user_path="${PATH:-}"
on_path() {
  local dir="${1%/}" entry
  local IFS=:
  for entry in $user_path; do
    [[ "${entry%/}" == "$dir" ]] && return 0
  done
  return 1
}

cargo_home="${CARGO_HOME:-$HOME/.cargo}"
if [[ -n "$prefix" ]]; then
  # Make a relative prefix absolute before changing directory.
  case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
  bindir="${prefix%/}/bin"
  why="--prefix"
elif on_path "$HOME/.local/bin"; then
  bindir="$HOME/.local/bin"
  why="on your PATH"
elif on_path "$cargo_home/bin"; then
  bindir="$cargo_home/bin"
  why="cargo's bin folder, on your PATH"
else
  bindir="$HOME/.local/bin"
  why="not on your PATH yet"
fi

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
cd -- "$script_dir"

# rustup installs to ~/.cargo/bin, which a fresh shell may not have on PATH yet.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$cargo_home/bin/cargo" ]]; then
  PATH="$cargo_home/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 \
  || die "cargo not found; install Rust from https://rustup.rs and re-run"

info "building ark (cargo build --release --locked); a first build takes a few minutes..."
started=$SECONDS
cargo build --release --locked
built="${CARGO_TARGET_DIR:-$script_dir/target}/release/ark"
[[ -x "$built" ]] || die "build finished but $built is missing"
elapsed=$((SECONDS - started))

mkdir -p -- "$bindir"
# Copy to a temp name, then rename: safe even if the old binary is running.
install -m 0755 "$built" "$bindir/.ark.tmp.$$"
mv -f -- "$bindir/.ark.tmp.$$" "$bindir/ark"
version="$("$bindir/ark" --version 2>/dev/null || echo ark)"
info "installed $version to $bindir/ark ($why; built in $((elapsed / 60))m$((elapsed % 60))s)"

# install_completion SHELL CHECKED_IN_FILE DEST
install_completion() {
  local sh="$1" src="completions/$2" dest="$3" tmp
  mkdir -p -- "$(dirname -- "$dest")"
  tmp="$dest.tmp.$$"
  if [[ -s "$src" ]]; then
    cp -- "$src" "$tmp"
  elif ! "$bindir/ark" completions "$sh" >"$tmp" || [[ ! -s "$tmp" ]]; then
    rm -f -- "$tmp"
    warn "could not generate $sh completions; skipped"
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

# Which `ark` this shell will run, and any other one on PATH (an older install).
shadow=""     # another ark found before ours: it is what `ark` runs
others=()     # other arks later on PATH
ours_seen=0
IFS=: read -r -a path_dirs <<<"$user_path"
for dir in "${path_dirs[@]}"; do
  [[ -n "$dir" && -f "$dir/ark" && -x "$dir/ark" ]] || continue
  if [[ "$dir/ark" -ef "$bindir/ark" ]]; then ours_seen=1; continue; fi
  if ((ours_seen)) || [[ -n "$shadow" ]]; then others+=("$dir/ark"); else shadow="$dir/ark"; fi
done
describe() { timeout 5 "$1" --version 2>/dev/null | head -n1 || true; }
if ! on_path "$bindir"; then
  warn "$bindir is not on your PATH, so \`ark\` will not be found; add it:
  export PATH=\"$bindir:\$PATH\"   (in ~/.profile or your shell's rc file)"
fi
if [[ -n "$shadow" ]]; then
  warn "\`ark\` runs $shadow ($(describe "$shadow")), which comes first on PATH; remove it or put $bindir before it"
fi
for other in "${others[@]}"; do
  info "note: another ark is at $other ($(describe "$other")), later on PATH: not used; remove it if it is an old install"
done
if [[ -n "$shadow" ]] || ((${#others[@]})); then
  info "hint: run \`hash -r\` if this shell remembered where an older ark was"
fi

info "done"
