import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { FileProblem } from '../errors.js';
import type { FeatureRef } from '../project/features.js';
import { displayPath, isDir, readTextFile, type TextFile } from '../files/files.js';
import { locateFrontmatter, parseFrontmatter, type FrontmatterResult, type ParsedFrontmatter } from '../files/frontmatter.js';
import { openParseCache, type ParseCache } from '../files/parse-cache.js';
import { WP_ID } from '../project/slugs.js';
import { compareText } from '../files/order.js';

/** The lanes the pre-2.x layout used as sub-directories of `tasks/`. */
const LEGACY_LANE_DIRS = ['planned', 'doing', 'for_review', 'done', 'claimed', 'in_progress', 'blocked', 'canceled'];

/** Frontmatter key order of a work-package prompt file (the template's order). */
export const WP_FRONTMATTER_ORDER: readonly string[] = Object.freeze([
  'work_package_id',
  'title',
  'lane',
  'dependencies',
  'base_branch',
  'base_commit',
  'created_at',
  'subtasks',
  'phase',
  'assignee',
  'agent',
  'shell_pid',
  'review_status',
  'reviewed_by',
  'history',
]);

/** A work-package prompt file `tasks/WPxx-slug.md`, read and parsed. */
export interface WorkPackageFile {
  /** `WPxx`, from the file name. */
  readonly id: string;
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the project root. */
  readonly shownAs: string;
  readonly file: TextFile;
  readonly frontmatter: ParsedFrontmatter;
  readonly data: Readonly<Record<string, unknown>>;
  /** `title` from the frontmatter, or null. */
  readonly title: string | null;
  /** `lane` from the frontmatter as written (may be the alias `doing`), or null. */
  readonly lane: string | null;
  /** `dependencies` when it is a proper list of WP ids; null when absent or malformed (see `dependenciesProblem`). */
  readonly dependencies: readonly string[] | null;
  /** Why `dependencies` is unusable (e.g. the string "['WP01']" written by an old CLI), or null. */
  readonly dependenciesProblem: FileProblem | null;
}

/** Work packages of a feature, plus the problems (errors) and warnings found while reading them. */
export interface WorkPackageSet {
  readonly tasksDir: string;
  readonly workPackages: readonly WorkPackageFile[];
  readonly problems: readonly FileProblem[];
  readonly warnings: readonly FileProblem[];
}

const FILE_NAME = /^(WP\d{2})(?![0-9])[^/\\]*\.md$/;

/** The 1-based line of `key:` at the top level of a frontmatter block, or the first YAML line. */
function keyLine(fm: ParsedFrontmatter, key: string): number {
  const lines = fm.yaml.split('\n');
  const i = lines.findIndex((l) => new RegExp(`^${key}\\s*:`).test(l));
  return fm.firstLine + (i < 0 ? 0 : i);
}

/** `parseFrontmatter`, answered from the cache when this YAML text was parsed before (see parse-cache.ts). */
function parseWithCache(text: string, shownAs: string, cache: ParseCache<Readonly<Record<string, unknown>>> | null): FrontmatterResult {
  const block = cache === null ? null : locateFrontmatter(text, shownAs);
  if (block === null || 'code' in block) return parseFrontmatter(text, shownAs);
  const hit = cache?.lookup(block.yaml);
  if (hit !== undefined) return { ok: true, value: { ...block, data: hit, body: text.slice(block.bodyStart) } };
  const parsed = parseFrontmatter(text, shownAs);
  if (parsed.ok) cache?.remember(block.yaml, parsed.value.data);
  return parsed;
}

/**
 * Reads every work-package prompt file directly in `tasks/` (`WPxx-*.md`), sorted by id. Files with a bad
 * name, malformed frontmatter, a duplicate id or a `work_package_id` that disagrees with the file name are
 * reported as problems with `path:line:col`; the others are still read. Nothing in the project is written (parsed
 * frontmatter is kept in a cache in the git dir, see parse-cache.ts).
 */
export function readWorkPackages(root: string, feature: FeatureRef): WorkPackageSet {
  const tasksDir = path.join(feature.dir, 'tasks');
  const problems: FileProblem[] = [];
  const warnings: FileProblem[] = [];
  const out: WorkPackageFile[] = [];
  if (!isDir(tasksDir)) return { tasksDir, workPackages: [], problems, warnings };
  const entries = readdirSync(tasksDir, { withFileTypes: true });
  for (const sub of entries.filter((e) => e.isDirectory() && LEGACY_LANE_DIRS.includes(e.name))) {
    const legacy = readdirSync(path.join(tasksDir, sub.name)).filter((n) => /^WP.*\.md$/.test(n));
    if (legacy.length > 0) {
      warnings.push({
        path: displayPath(root, path.join(tasksDir, sub.name)),
        line: 1,
        col: 1,
        code: 'LEGACY_LANE_DIRECTORY',
        message: `work packages in lane sub-directories (${legacy.join(', ')}) are from the pre-2.x layout and are not read; move them to tasks/ directly`,
      });
    }
  }
  const byId = new Map<string, string>();
  const cache = openParseCache<Readonly<Record<string, unknown>>>(root, feature, 'frontmatter');
  for (const entry of entries.filter((e) => e.isFile() && /^WP.*\.md$/i.test(e.name)).sort((a, b) => compareText(a.name, b.name))) {
    const abs = path.join(tasksDir, entry.name);
    const shownAs = displayPath(root, abs);
    const m = FILE_NAME.exec(entry.name);
    if (m === null) {
      problems.push({
        path: shownAs,
        line: 1,
        col: 1,
        code: 'INVALID_WP_FILE_NAME',
        message: `work package files must be named WPxx-slug.md with two digits (like WP01-setup.md); got "${entry.name}"`,
      });
      continue;
    }
    const id = m[1] as string;
    const read = readTextFile(abs, shownAs);
    if (read.file === null) {
      problems.push(...read.problems);
      continue;
    }
    const parsed = parseWithCache(read.file.text, shownAs, cache);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    const fm = parsed.value;
    const data = fm.data;
    const declared = data['work_package_id'];
    if (declared === undefined) {
      warnings.push({
        path: shownAs,
        line: fm.firstLine,
        col: 1,
        code: 'MISSING_WP_ID',
        message: `the frontmatter has no work_package_id (expected ${id})`,
      });
    } else if (declared !== id) {
      problems.push({
        path: shownAs,
        line: keyLine(fm, 'work_package_id'),
        col: 1,
        code: 'WP_ID_MISMATCH',
        message: `work_package_id is ${JSON.stringify(declared)} but the file name says ${id}`,
      });
      continue;
    }
    const first = byId.get(id);
    if (first !== undefined) {
      problems.push({ path: shownAs, line: 1, col: 1, code: 'DUPLICATE_WP_FILE', message: `${id} already has a prompt file: ${first}` });
      continue;
    }
    byId.set(id, shownAs);
    const rawDeps = data['dependencies'];
    let dependencies: string[] | null = null;
    let dependenciesProblem: FileProblem | null = null;
    if (rawDeps === null || rawDeps === undefined) dependencies = rawDeps === null ? [] : null;
    else if (Array.isArray(rawDeps) && rawDeps.every((d) => typeof d === 'string' && WP_ID.test(d)))
      dependencies = [...(rawDeps as string[])];
    else {
      dependenciesProblem = {
        path: shownAs,
        line: keyLine(fm, 'dependencies'),
        col: 1,
        code: 'INVALID_DEPENDENCIES_VALUE',
        message: `dependencies must be a YAML list of ids like [WP01, WP02]; got ${JSON.stringify(rawDeps).slice(0, 80)}`,
      };
    }
    out.push({
      id,
      path: abs,
      shownAs,
      file: read.file,
      frontmatter: fm,
      data,
      title: typeof data['title'] === 'string' && data['title'].trim() !== '' ? data['title'].trim() : null,
      lane: typeof data['lane'] === 'string' ? data['lane'] : null,
      dependencies,
      dependenciesProblem,
    });
  }
  cache?.save();
  return { tasksDir, workPackages: out.sort((a, b) => compareText(a.id, b.id)), problems, warnings };
}
