#!/usr/bin/env bash
# Puts the built CLI on PATH as `spec-kitty` and `kitty`, the way npm CLIs are installed: packs apps/cli into
# one self-contained tarball (apps/cli/scripts/pack.mjs) and installs it globally with npm. Run after a build
# (./scripts/setup.sh does both). The install location is npm's global prefix (`npm prefix -g`); set
# npm_config_prefix to install elsewhere. Remove it with: npm uninstall -g spec-kitty
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d "${TMPDIR:-/tmp}/spec-kitty-pack.XXXXXX")"
trap 'rm -rf "$out"' EXIT
tarball="$(node apps/cli/scripts/pack.mjs "$out")"
npm install --global --offline --no-audit --no-fund --loglevel=error "$tarball" >/dev/null
bin="$(npm prefix --global)/bin"
echo "spec-kitty and kitty are installed in $bin (remove with: npm uninstall -g spec-kitty)" >&2
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "Note: $bin is not on your PATH; add it (e.g. in ~/.profile: export PATH=\"$bin:\$PATH\")." >&2 ;;
esac
