import { existsSync, readFileSync } from 'node:fs';
import { displayPath } from '../files/files.js';
import { STATUS_BLOCK_START, upsertStatusBlock } from '../tasks/views.js';
import type { FeatureState } from './status-change.js';
import { snapshotsDiffer, statusSnapshotPath } from './status-log.js';

/** One view derived from the status log that disagrees with it. */
export interface StatusDrift {
  /** `status_json` (missing, unreadable or different), `frontmatter_lane` (one WP), `tasks_block` (the generated block of tasks.md). */
  readonly kind: 'status_json' | 'frontmatter_lane' | 'tasks_block';
  /** The file, relative to the project root. */
  readonly file: string;
  readonly wp_id: string | null;
  /** What the file says now (a lane, `missing`, `different`, `invalid JSON`, `out of date`). */
  readonly current: string | null;
  /** What the log says it should say. */
  readonly expected: string;
}

/**
 * The views of a feature that `agent status materialize` would rewrite, read without writing anything: the same
 * comparisons the status pipeline makes (status.json besides `materialized_at`, each frontmatter `lane` as
 * written — so the alias `doing` counts as drift — and the tasks.md status block). Nothing when the log has no
 * events (then the frontmatter is the only record; `agent status migrate` builds a log from it).
 */
export function statusDrift(root: string, state: FeatureState): StatusDrift[] {
  const out: StatusDrift[] = [];
  if (state.log.events.length === 0) return out;
  const snapPath = statusSnapshotPath(state.feature);
  const snapShown = displayPath(root, snapPath);
  if (!existsSync(snapPath))
    out.push({ kind: 'status_json', file: snapShown, wp_id: null, current: 'missing', expected: 'the snapshot of the log' });
  else {
    let current: string | null = null;
    try {
      if (snapshotsDiffer(state.snapshot, JSON.parse(readFileSync(snapPath, 'utf8')))) current = 'different';
    } catch {
      current = 'invalid JSON';
    }
    if (current !== null) out.push({ kind: 'status_json', file: snapShown, wp_id: null, current, expected: 'the snapshot of the log' });
  }
  for (const wp of state.workPackages.workPackages) {
    const lane = state.snapshot.work_packages[wp.id]?.lane;
    if (lane !== undefined && wp.lane !== lane)
      out.push({ kind: 'frontmatter_lane', file: wp.shownAs, wp_id: wp.id, current: wp.lane, expected: lane });
  }
  const tasks = state.tasksMd.file;
  if (tasks !== null && upsertStatusBlock(tasks.text, state.snapshot) !== tasks.text)
    out.push({
      kind: 'tasks_block',
      file: displayPath(root, state.tasksMd.path),
      wp_id: null,
      current: tasks.text.includes(STATUS_BLOCK_START) ? 'out of date' : 'missing',
      expected: 'the generated status block of the log',
    });
  return out;
}
