#!/usr/bin/env bash
# Runs the whole test suite (build, type-check, every package's tests incl. e2e, Prettier and ESLint) and prints "N passed, N failed".
# Installs from the lockfile first when node_modules is missing, so it works on a fresh clone.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ ! -d node_modules ]; then pnpm_ install --frozen-lockfile || exit 1; fi
# The dashboard's browser test needs the system Chromium (installed from the OS packages when missing).
if [ ! -x /usr/bin/chromium ]; then ./scripts/ensure-chromium.sh || echo "test.sh: could not install Chromium; the dashboard browser test will fail" >&2; fi
find packages plugins apps tooling -maxdepth 2 -name .jest-results.json -delete 2>/dev/null
pnpm_ exec turbo run build lint test --continue --concurrency=3 --output-logs=errors-only
turbo_status=$?
node scripts/check-rules.mjs
rules_status=$?
# Public surfaces: api/<name>.api.md must match each package's built dist/index.d.ts (update: --update).
node scripts/api-report.mjs
api_status=$?
# Formatting (Prettier) and type-aware lint (ESLint with typescript-eslint): docs/adr/0020-lint-and-format.md.
node tooling/lint/check.mjs
style_status=$?
node scripts/test-summary.mjs .
summary_status=$?
if [ $turbo_status -ne 0 ] || [ $rules_status -ne 0 ] || [ $api_status -ne 0 ] || [ $style_status -ne 0 ] || [ $summary_status -ne 0 ]; then exit 1; fi
