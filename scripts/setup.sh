#!/usr/bin/env bash
# Installs everything from the lockfile, builds, puts `spec-kitty` and `kitty` on PATH (a global npm install of
# the packed CLI: scripts/install-cli.sh), and runs the CLI once: `./scripts/setup.sh [spec-kitty args]`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
pnpm_ install --frozen-lockfile
pnpm_ exec turbo run build --output-logs=errors-only
./scripts/install-cli.sh
if [ "$#" -eq 0 ]; then set -- --help; fi
node apps/cli/bin/run.js "$@"
