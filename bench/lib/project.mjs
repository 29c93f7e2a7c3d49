// Bench projects: a spec-kitty project set up by the real CLI (init), and a feature with N work packages
// planned through the real commands (create-feature → setup-plan → finalize-tasks), in the incumbent's formats.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** tasks.md for `n` work packages, each with two subtasks; every third one depends on the one before. */
export function tasksMd(n) {
  let s = '# Work Packages: Bench feature\n';
  for (let i = 1; i <= n; i += 1) {
    const id = `WP${String(i).padStart(2, '0')}`;
    s += `\n## Work Package ${id}: Part ${i} (Priority: P${i % 3})\n\n### Included Subtasks\n- [ ] T${String(i * 2 - 1).padStart(3, '0')} Build part ${i}\n- [ ] T${String(i * 2).padStart(3, '0')} Test part ${i}\n`;
    if (i % 3 === 0) s += `\n### Dependencies\n- Depends on WP${String(i - 1).padStart(2, '0')}.\n`;
  }
  return s;
}

/** A work-package prompt file with the incumbent's frontmatter. */
export function wpFile(i) {
  const id = `WP${String(i).padStart(2, '0')}`;
  return `---
work_package_id: "${id}"
title: "Part ${i}"
lane: "planned"
subtasks: ["T${String(i * 2 - 1).padStart(3, '0')}", "T${String(i * 2).padStart(3, '0')}"]
phase: "Phase ${1 + (i % 3)}"
assignee: ""
agent: ""
history:
  - timestamp: "2026-01-01T00:00:00Z"
    lane: "planned"
    agent: "system"
    action: "Prompt generated via /spec-kitty.tasks"
---
# Work Package Prompt: ${id} – Part ${i}

## Objectives & Success Criteria

Part ${i} of the bench feature works and is tested.

## Subtasks & Detailed Guidance

- Build part ${i}.
- Test part ${i}.

## Activity Log

- 2026-01-01T00:00:00Z – system – lane=planned – Prompt generated via /spec-kitty.tasks
`;
}

/** Writes tasks.md and tasks/WPxx-part-N.md for `n` work packages into a feature directory. */
export function writeTasks(featureDir, n) {
  mkdirSync(path.join(featureDir, 'tasks'), { recursive: true });
  writeFileSync(path.join(featureDir, 'tasks.md'), tasksMd(n));
  for (let i = 1; i <= n; i += 1) writeFileSync(path.join(featureDir, 'tasks', `WP${String(i).padStart(2, '0')}-part-${i}.md`), wpFile(i));
}

/** Copies a project directory (with its .git) to `to`. */
export function copyProject(from, to) {
  cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  return to;
}

/**
 * Adds `count` more features to a project by copying `kitty-specs/<from>/` (a feature planned by the real commands)
 * as NNN-scale-N with the slug and number rewritten in every text file, then commits them (one git commit, untimed
 * set-up): the scaling cases need many features quickly, not many runs of create-feature.
 */
export function cloneFeatures(projectDir, from, count, { startAt = 2, git }) {
  const specs = path.join(projectDir, 'kitty-specs');
  const src = path.join(specs, from);
  const fromNumber = from.slice(0, 3);
  for (let n = startAt; n < startAt + count; n += 1) {
    const num = String(n).padStart(3, '0');
    const slug = `${num}-scale-${n}`;
    const dest = path.join(specs, slug);
    cpSync(src, dest, { recursive: true });
    for (const file of walk(dest)) {
      const text = readFileSync(file, 'utf8');
      const next = text.split(from).join(slug).replace(new RegExp(`"feature_number": "${fromNumber}"`, 'g'), `"feature_number": "${num}"`);
      if (next !== text) writeFileSync(file, next);
    }
  }
  git(['add', '-A', 'kitty-specs']);
  git(['commit', '-q', '--no-verify', '-m', `bench: ${count} more features`]);
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const LANES = ['planned', 'claimed', 'in_progress', 'for_review', 'done', 'blocked', 'canceled'];

/**
 * A project written directly (no CLI, for size): a git repository with `.kittify/` and `features` features of
 * `wps` work packages each, lanes spread over the seven lanes (frontmatter only, no status log).
 */
export function writeBigProject(dir, features, wps) {
  mkdirSync(path.join(dir, '.kittify'), { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { stdio: 'ignore' });
  for (let f = 1; f <= features; f += 1) {
    const fdir = path.join(dir, 'kitty-specs', `${String(f).padStart(3, '0')}-feature-${f}`);
    writeFileSync(path.join((mkdirSync(fdir, { recursive: true }), fdir), 'spec.md'), `# Feature ${f}\n`);
    writeTasks(fdir, wps);
    for (let i = 1; i <= wps; i += 1) {
      const file = path.join(fdir, 'tasks', `WP${String(i).padStart(2, '0')}-part-${i}.md`);
      writeFileSync(file, wpFile(i).replace('lane: "planned"', `lane: "${LANES[(i + f) % LANES.length]}"`));
    }
  }
  return dir;
}
