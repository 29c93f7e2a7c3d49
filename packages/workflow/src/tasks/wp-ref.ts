import path from 'node:path';
import { PlanningFileError, WorkflowError } from '../errors.js';
import type { FeatureRef } from '../project/features.js';
import { WORKTREES_DIR } from '../project/features.js';
import { readWorkPackages, type WorkPackageFile, type WorkPackageSet } from './work-packages.js';

/**
 * Normalises a work-package id typed by a user or an agent: `wp1`, `WP1`, `01`, `1` and `WP01-login` all mean
 * `WP01`. Anything else (traversal, three digits, other letters) throws INVALID_WP_ID before any file is
 * touched.
 *
 * @example normalizeWpId('wp2') // => 'WP02'
 */
export function normalizeWpId(input: unknown): string {
  const raw = typeof input === 'string' ? input.trim() : '';
  const m = /^(?:wp)?0*(\d{1,2})(?:-[a-z0-9][a-z0-9-]*)?$/i.exec(raw);
  if (m === null || Number(m[1]) === 0) {
    throw new WorkflowError(
      'INVALID_WP_ID',
      `Invalid work package id ${JSON.stringify(raw.slice(0, 40))}: expected WP and two digits, like WP01.`,
      {
        suggestions: ['List the work packages with: spec-kitty agent tasks list-tasks --json'],
        details: { wp_id: raw.slice(0, 40) },
      },
    );
  }
  return `WP${String(Number(m[1])).padStart(2, '0')}`;
}

/** The branch of a work package: `<feature-slug>-WPxx`. */
export function wpBranch(feature: FeatureRef, wpId: string): string {
  return `${feature.slug}-${wpId}`;
}

/** The workspace (worktree) directory of a work package: `<root>/.worktrees/<feature-slug>-WPxx`. */
export function wpWorkspace(root: string, feature: FeatureRef, wpId: string): string {
  return path.join(root, WORKTREES_DIR, wpBranch(feature, wpId));
}

/**
 * Finds one work package's prompt file. A malformed file throws INVALID_FRONTMATTER with its problems; a
 * missing one UNKNOWN_WORK_PACKAGE naming the work packages that exist.
 */
export function findWorkPackage(
  root: string,
  feature: FeatureRef,
  wpId: string,
  set: WorkPackageSet = readWorkPackages(root, feature),
): WorkPackageFile {
  const hit = set.workPackages.find((w) => w.id === wpId);
  if (hit !== undefined) return hit;
  const mine = set.problems.filter((p) => path.basename(p.path).startsWith(`${wpId}-`) || path.basename(p.path) === `${wpId}.md`);
  if (mine.length > 0) {
    throw new PlanningFileError('INVALID_FRONTMATTER', mine, {
      suggestions: ['Fix the work package file at the line and column shown, then run the command again.'],
    });
  }
  const known = set.workPackages.map((w) => w.id);
  throw new WorkflowError('UNKNOWN_WORK_PACKAGE', `Work package '${wpId}' not found under ${feature.relDir}/tasks.`, {
    suggestions:
      known.length > 0
        ? [`Known work packages: ${known.join(', ')}`]
        : ['Write the work package prompt files (tasks/WP01-<name>.md) and run spec-kitty agent feature finalize-tasks first.'],
    details: { wp_id: wpId, feature_slug: feature.slug, known_work_packages: known },
  });
}
