#!/usr/bin/env bash
# Builds a small demo project with the real CLI (two features, work packages in every lane, a review with
# feedback) in a temp dir, starts its dashboard and saves a screenshot of the board with the system Chromium:
#   ./scripts/dashboard-screenshot.sh docs/dashboard-board.png
# Needs the built CLI (./scripts/setup.sh) and /usr/bin/chromium (scripts/ensure-chromium.sh).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$repo/docs/dashboard-board.png}")"
tmp="$(mktemp -d)"
trap 'cd "$tmp/p" 2>/dev/null && node "$repo/apps/cli/bin/run.js" dashboard --kill >/dev/null 2>&1; rm -rf "$tmp"' EXIT
export HOME="$tmp/home" SPEC_KITTY_HOME="$tmp/home/.kittify" SPEC_KITTY_NON_INTERACTIVE=1 SPEC_KITTY_AUTO_DELIVER=0 \
  GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=Demo GIT_AUTHOR_EMAIL=demo@example.invalid \
  GIT_COMMITTER_NAME=Demo GIT_COMMITTER_EMAIL=demo@example.invalid NO_COLOR=1
mkdir -p "$HOME" "$tmp/p" && cd "$tmp/p"
k() { node "$repo/apps/cli/bin/run.js" "$@" >/dev/null; }
git init -q -b main .
k init --here --ai claude --json
k agent feature create-feature checkout-flow --json
k agent feature setup-plan --feature 001-checkout-flow --json
f=kitty-specs/001-checkout-flow
titles=("Cart data model" "Price rules engine" "Checkout API endpoints" "Payment provider adapter" "Order confirmation email" "Checkout page UI" "Load test and tuning" "Legacy coupon import")
deps=("" "WP01" "WP01" "" "WP03" "WP03 WP04" "WP06" "")
{
  echo "# Work Packages: Checkout flow"
  for i in $(seq 1 8); do
    id=$(printf "WP%02d" "$i")
    printf '\n## Work Package %s: %s (Priority: P1)\n\n### Included Subtasks\n' "$id" "${titles[$((i-1))]}"
    for s in 1 2 3; do
      printf -- '- [ ] T%03d Step %d of %s\n' "$(( (i-1)*3 + s ))" "$s" "${titles[$((i-1))]}"
    done
    if [ -n "${deps[$((i-1))]}" ]; then printf '\n### Dependencies\n- Depends on %s.\n' "$(echo ${deps[$((i-1))]} | sed 's/ /, /g')"; fi
  done
} > "$f/tasks.md"
for i in $(seq 1 8); do
  id=$(printf "WP%02d" "$i")
  cat > "$f/tasks/$id-part-$i.md" <<WP
---
work_package_id: "$id"
title: "${titles[$((i-1))]}"
lane: "planned"
phase: "Phase $(( (i+1)/2 ))"
assignee: ""
agent: ""
shell_pid: ""
review_status: ""
reviewed_by: ""
history: []
---
# Work Package Prompt: $id – ${titles[$((i-1))]}

## Review Feedback

*No feedback yet.*

## Objectives & Success Criteria

${titles[$((i-1))]}, tested.

## Activity Log

- 2026-01-01T00:00:00Z – system – lane=planned – Prompt generated via /spec-kitty.tasks
WP
done
k agent feature finalize-tasks --feature 001-checkout-flow --json
m() { k agent tasks move-task "$@" --feature 001-checkout-flow --json; }
# Implement a package for real: its worktree, a commit there, its subtasks ticked.
work() {
  k implement "$1" --feature 001-checkout-flow --agent "$2" --json
  (cd ".worktrees/001-checkout-flow-$1" && echo "$1" > "impl-$1.txt" && git add "impl-$1.txt" && git commit -qm "$1: implementation")
  shift 2
  k agent tasks mark-status "$@" --status done --feature 001-checkout-flow --json
}
work WP01 claude T001 T002 T003
m WP01 --to for_review --agent claude
m WP01 --to done --agent codex
work WP02 claude T004 T005 T006
m WP02 --to for_review --agent claude
printf 'Rounding is off by one cent for bundles; add a test for 3-for-2 offers.\n' > "$tmp/feedback.md"
m WP02 --to planned --agent codex --review-feedback-file "$tmp/feedback.md"
k agent tasks mark-status T006 --status pending --feature 001-checkout-flow --json
m WP02 --to claimed --agent claude; m WP02 --to in_progress --agent claude
work WP04 gemini T010 T011 T012
m WP04 --to for_review --agent gemini
m WP03 --to claimed --agent cursor
m WP08 --to canceled --agent claude --reason "replaced by the new coupon service"
m WP07 --to blocked --agent codex --reason "waiting for the load-test environment"
k agent feature create-feature admin-reports --json
url=$(node "$repo/apps/cli/bin/run.js" dashboard --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).url))')
cd "$repo/apps/cli"
node --input-type=module -e "
import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const p = await b.newPage({ viewport: { width: 1440, height: 860 }, deviceScaleFactor: 1 });
await p.goto('$url/#/feature/001-checkout-flow');
await p.waitForSelector('body[data-state=ready]');
await p.waitForSelector('#live[data-live=live]');
await p.waitForSelector('#sync[data-health]');
await p.screenshot({ path: '$out' });
await b.close();
"
echo "wrote $out"
