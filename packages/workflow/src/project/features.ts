import { readFileSync, readdirSync, realpathSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { WorkflowError, type WorkflowErrorCode } from '../errors.js';
import { isDir, isFile } from '../files/files.js';
import type { GitPort } from '../git/git-port.js';
import type { ProjectContext } from './project.js';
import { FEATURE_DIR_NAME, validateFeatureRef } from './slugs.js';
import { compareText } from '../files/order.js';

/** The directory of feature specs, relative to the project root. */
export const SPECS_DIR = 'kitty-specs';
/** The directory of work-package worktrees, relative to the project root. */
export const WORKTREES_DIR = '.worktrees';

/** A feature: `kitty-specs/NNN-slug/`. */
export interface FeatureRef {
  /** `NNN-slug`, the directory name (also the branch prefix and `meta.json` `feature_slug`). */
  readonly slug: string;
  /** The three-digit number, e.g. `001`. */
  readonly number: string;
  /** Absolute path of the feature directory. */
  readonly dir: string;
  /** `kitty-specs/NNN-slug`, relative to the project root. */
  readonly relDir: string;
}

/** One candidate in a "which feature?" answer. */
export interface FeatureCandidate {
  readonly feature_slug: string;
  readonly feature_dir: string;
  readonly spec_file: string;
  readonly spec_exists: boolean;
}

const listNames = (dir: string): string[] => {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => e.name);
  } catch {
    return [];
  }
};

/**
 * The features of a project, sorted by number then name: directories of `kitty-specs/` named `NNN-slug`.
 * A directory (or symlink) that resolves outside `kitty-specs/` is skipped, so a planted symlink cannot lead
 * commands out of the repository.
 */
export function listFeatures(root: string): FeatureRef[] {
  const specs = path.join(root, SPECS_DIR);
  if (!isDir(specs)) return [];
  let realSpecs: string;
  try {
    realSpecs = realpathSync(specs);
  } catch {
    return [];
  }
  const out: FeatureRef[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(specs, { withFileTypes: true });
  } catch {
    return [];
  }
  for (const e of entries) {
    const name = e.name;
    const m = FEATURE_DIR_NAME.exec(name);
    if (m === null) continue;
    const dir = path.join(specs, name);
    if (e.isSymbolicLink()) {
      // Only a symlink can lead elsewhere; a plain directory entry of kitty-specs/ is inside it (and resolving
      // every one cost ~5 lstat calls per feature).
      try {
        const real = realpathSync(dir);
        if (path.dirname(real) !== realSpecs || !isDir(real)) continue;
      } catch {
        continue;
      }
    } else if (!e.isDirectory()) continue;
    out.push({ slug: name, number: m[1] as string, dir, relDir: `${SPECS_DIR}/${name}` });
  }
  return out.sort((a, b) => compareText(a.number, b.number) || compareText(a.slug, b.slug));
}

/** The next feature number: 1 + the highest `NNN-` prefix among `kitty-specs/` and `.worktrees/` entries. */
export function nextFeatureNumber(root: string): number {
  let max = 0;
  for (const sub of [SPECS_DIR, WORKTREES_DIR]) {
    for (const name of listNames(path.join(root, sub))) {
      const m = /^(\d{3})-/.exec(name);
      if (m !== null) max = Math.max(max, Number(m[1]));
    }
  }
  return max + 1;
}

/** `NNN-slug` for a number and a slug. */
export function featureSlugFor(n: number, slug: string): string {
  return `${String(n).padStart(3, '0')}-${slug}`;
}

/** Describes a feature as a candidate for `--feature`. */
export function candidateOf(f: FeatureRef): FeatureCandidate {
  const spec = path.join(f.dir, 'spec.md');
  return { feature_slug: f.slug, feature_dir: f.dir, spec_file: spec, spec_exists: isFile(spec) };
}

/** Where the feature of a command came from. */
export type FeatureSource = 'flag' | 'env' | 'branch' | 'cwd' | 'only-feature' | 'latest-incomplete';

/** A resolved feature and how it was found. */
export interface ResolvedFeature extends FeatureRef {
  readonly source: FeatureSource;
  /** For a guessed feature (`latest-incomplete`): the line to show on stderr, so the user sees the guess. */
  readonly note?: string;
}

/** Options of {@link resolveFeature}. */
export interface ResolveFeatureOptions {
  readonly project: ProjectContext;
  readonly git: GitPort;
  /** `--feature` as given. */
  readonly flag?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The command, for suggested commands in errors (e.g. `agent feature setup-plan`). */
  readonly command: string;
  /** The error code when no feature can be chosen (the Python CLI uses PLAN_CONTEXT_UNRESOLVED for setup-plan). */
  readonly unresolvedCode?: Extract<WorkflowErrorCode, 'FEATURE_CONTEXT_UNRESOLVED' | 'PLAN_CONTEXT_UNRESOLVED'>;
  /**
   * Whether guessing is safe for this command (read-only ones): with several features and nothing else to go
   * by, the highest-numbered incomplete feature is used and announced in `note`. Writing commands never guess.
   */
  readonly guess?: boolean;
  /** The command's arguments as given (after `spec-kitty`), so an error can show the exact command to retry. */
  readonly argv?: readonly string[] | undefined;
}

const WP_SUFFIX = /-WP\d{2}$/;

/**
 * The feature a reference names: the exact directory name, its number (`001`), its name without the number
 * (`alpha` for `001-alpha`), or an unambiguous prefix of either. Returns every match (one is a hit).
 */
function matches(features: readonly FeatureRef[], ref: string): FeatureRef[] {
  const exact = features.filter((f) => f.slug === ref);
  if (exact.length > 0) return exact;
  if (/^\d{1,3}$/.test(ref)) return features.filter((f) => f.number === ref.padStart(3, '0'));
  const name = (f: FeatureRef): string => f.slug.slice(4);
  const byName = features.filter((f) => name(f) === ref);
  if (byName.length > 0) return byName;
  return features.filter((f) => f.slug.startsWith(ref) || name(f).startsWith(ref));
}

/** Quotes one argument for a POSIX shell when it needs it. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The exact command to run again with `--feature <slug>`: the arguments as given (any `--feature` dropped),
 * else `spec-kitty <command> --feature <slug> --json`.
 */
export function retryCommand(options: Pick<ResolveFeatureOptions, 'argv' | 'command'>, slug: string): string {
  if (options.argv === undefined || options.argv.length === 0) return `spec-kitty ${options.command} --feature ${slug} --json`;
  const kept: string[] = [];
  for (let i = 0; i < options.argv.length; i++) {
    const a = options.argv[i] as string;
    if (a === '--feature' || a === '-f') {
      i++;
      continue;
    }
    if (a.startsWith('--feature=')) continue;
    kept.push(a);
  }
  // The incumbent's order: `--feature <slug>` before a trailing `--json`.
  const json = kept[kept.length - 1] === '--json' ? kept.pop() : undefined;
  return ['spec-kitty', ...kept.map(shellQuote), '--feature', slug, ...(json === undefined ? [] : [json])].join(' ');
}

function unknownFeature(ref: string, source: string, features: readonly FeatureRef[], options: ResolveFeatureOptions): WorkflowError {
  const available = features.map((f) => f.slug);
  return new WorkflowError('UNKNOWN_FEATURE', `Feature directory not found: ${SPECS_DIR}/${ref} (from ${source}).`, {
    suggestions:
      available.length > 0
        ? [retryCommand(options, available[available.length - 1] as string)]
        : ['spec-kitty agent feature create-feature <feature-name> --json'],
    details: { feature: ref, source, available_features: available, suggested_commands: available.map((a) => retryCommand(options, a)) },
  });
}

function ambiguousFeature(ref: string, source: string, hits: readonly FeatureRef[], options: ResolveFeatureOptions): WorkflowError {
  const code = options.unresolvedCode ?? 'FEATURE_CONTEXT_UNRESOLVED';
  const suggested = hits.map((f) => retryCommand(options, f.slug));
  return new WorkflowError(
    code,
    `${JSON.stringify(ref)} (from ${source}) matches ${hits.length} features: ${hits.map((f) => f.slug).join(', ')}.`,
    {
      suggestions: [suggested[suggested.length - 1] as string],
      details: {
        feature_flag: options.flag ?? null,
        candidate_features: hits.map(candidateOf),
        suggested_commands: suggested,
        remediation: ['Pass the full feature slug with --feature.'],
      },
    },
  );
}

/**
 * Decides which feature a command works on, deterministically: `--feature` > `SPECIFY_FEATURE` > the git
 * branch of the current directory (`NNN-slug` or `NNN-slug-WPxx`) > the current directory (inside
 * `kitty-specs/NNN-slug/` or `.worktrees/NNN-slug-WPxx/`) > the only feature. It never guesses between several:
 * that throws FEATURE_CONTEXT_UNRESOLVED with `details.candidate_features` (a machine-readable list) and the
 * exact commands to run. An explicit feature that does not exist throws UNKNOWN_FEATURE.
 */
export async function resolveFeature(options: ResolveFeatureOptions): Promise<ResolvedFeature> {
  const { project } = options;
  const features = listFeatures(project.root);
  const explicit: Array<[FeatureSource, string | undefined, string]> = [
    ['flag', options.flag, '--feature'],
    ['env', options.env?.['SPECIFY_FEATURE'], 'SPECIFY_FEATURE'],
  ];
  for (const [source, raw, label] of explicit) {
    if (raw === undefined || raw.trim() === '') continue;
    const ref = validateFeatureRef(raw, label);
    const hits = matches(features, ref);
    if (hits.length === 0) throw unknownFeature(ref, label, features, options);
    if (hits.length > 1) throw ambiguousFeature(ref, label, hits, options);
    return { ...(hits[0] as FeatureRef), source };
  }
  const branch = await options.git.currentBranch(project.cwd).catch(() => null);
  if (branch !== null) {
    const candidate = branch.replace(WP_SUFFIX, '');
    const hit = FEATURE_DIR_NAME.test(candidate) ? features.find((f) => f.slug === candidate) : undefined;
    if (hit !== undefined) return { ...hit, source: 'branch' };
  }
  const fromCwd = featureFromPath(project);
  if (fromCwd !== null) {
    const hit = features.find((f) => f.slug === fromCwd);
    if (hit !== undefined) return { ...hit, source: 'cwd' };
  }
  if (features.length === 1) return { ...(features[0] as FeatureRef), source: 'only-feature' };
  if (options.guess === true && features.length > 1) {
    const latest = [...features].reverse().find((f) => isIncomplete(f));
    if (latest !== undefined) {
      return {
        ...latest,
        source: 'latest-incomplete',
        note: `Auto-selected latest incomplete feature: ${latest.slug} (pass --feature to choose another: ${features.map((f) => f.slug).join(', ')})`,
      };
    }
  }
  throw unresolved(options, features);
}

const readText = (file: string): string | null => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/**
 * Whether a feature still has work: not accepted, and either no work packages yet or one whose last lane (in
 * the status log, else its frontmatter) is neither done nor canceled. A cheap read: no parsing beyond that.
 */
export function isIncomplete(f: FeatureRef): boolean {
  const meta = readText(path.join(f.dir, 'meta.json'));
  if (meta !== null && /"accepted_at"\s*:\s*"/.test(meta)) return false;
  let ids: string[];
  try {
    ids = [
      ...new Set(
        readdirSync(path.join(f.dir, 'tasks'))
          .map((n) => /^(WP\d{2})(?:[-_.]|$)/.exec(n)?.[1])
          .filter((x): x is string => x !== undefined),
      ),
    ];
  } catch {
    return true;
  }
  if (ids.length === 0) return true;
  const lanes = new Map<string, string>();
  for (const line of (readText(path.join(f.dir, 'status.events.jsonl')) ?? '').split('\n')) {
    const m = /"wp_id"\s*:\s*"(WP\d{2})"/.exec(line);
    const to = /"to_lane"\s*:\s*"([a-z_]+)"/.exec(line);
    if (m !== null && to !== null) lanes.set(m[1] as string, to[1] as string);
  }
  return ids.some((id) => {
    const lane = lanes.get(id);
    if (lane !== undefined) return lane !== 'done' && lane !== 'canceled';
    const file = readdirSync(path.join(f.dir, 'tasks')).find((n) => n.startsWith(id));
    const fm = file === undefined ? null : readText(path.join(f.dir, 'tasks', file));
    return fm === null || !/^lane:\s*["']?done["']?\s*$/m.test(fm.split(/^---\s*$/m)[1] ?? '');
  });
}

function featureFromPath(project: ProjectContext): string | null {
  const bases = [project.root, project.location?.topLevel].filter((b): b is string => b !== undefined);
  for (const base of bases) {
    const rel = path.relative(base, project.cwd);
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const parts = rel.split(path.sep);
    if (parts[0] === SPECS_DIR && parts[1] !== undefined && FEATURE_DIR_NAME.test(parts[1])) return parts[1];
    if (parts[0] === WORKTREES_DIR && parts[1] !== undefined) {
      const name = parts[1].replace(WP_SUFFIX, '');
      if (FEATURE_DIR_NAME.test(name)) return name;
    }
  }
  // A worktree checked out elsewhere: its directory name may still carry the feature.
  const top = project.location?.linkedWorktree === true ? path.basename(project.location.topLevel).replace(WP_SUFFIX, '') : null;
  return top !== null && FEATURE_DIR_NAME.test(top) ? top : null;
}

function unresolved(options: ResolveFeatureOptions, features: readonly FeatureRef[]): WorkflowError {
  const code = options.unresolvedCode ?? 'FEATURE_CONTEXT_UNRESOLVED';
  if (features.length === 0) {
    return new WorkflowError(code, `No features found in ${SPECS_DIR}/ of ${options.project.root}.`, {
      suggestions: [
        'Run /spec-kitty.specify first to create a feature.',
        'Or run: spec-kitty agent feature create-feature <feature-name> --json',
      ],
      details: {
        feature_flag: options.flag ?? null,
        candidate_features: [],
        remediation: [
          'Run /spec-kitty.specify first to create a feature.',
          'Or run: spec-kitty agent feature create-feature <feature-name> --json',
        ],
      },
    });
  }
  const candidates = features.map(candidateOf);
  const suggested = features.map((f) => retryCommand(options, f.slug));
  return new WorkflowError(
    code,
    `Multiple features found (${features.length}), cannot choose one automatically: ${features.map((f) => f.slug).join(', ')}.`,
    {
      suggestions: [suggested[suggested.length - 1] as string],
      details: {
        feature_flag: options.flag ?? null,
        candidate_features: candidates,
        candidate_summary: candidates
          .slice(0, 10)
          .map((c) => `${c.feature_slug} -> ${c.spec_file} [${c.spec_exists ? 'present' : 'missing'}]`),
        suggested_commands: suggested,
        remediation: ['Pass --feature <feature_slug>, or set SPECIFY_FEATURE.'],
      },
    },
  );
}
