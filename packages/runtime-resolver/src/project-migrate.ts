import { mkdirSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { RuntimeError } from './errors.js';
import { acquireLock, type LockSettings } from './_lock.js';
import { RuntimeResolver, type RuntimeResolverOptions } from './resolver.js';
import { checkAssetName, checkMissionKey, type AssetKind, type Tier } from './tiers.js';
import { isFile, joinRel, listDirs, listFiles, readBytes, removeEmptyDirs, sameText } from './_fs.js';

/** Where a lookup goes once a project copy is removed (`tier` null: nothing left for that mission). */
export interface ResolvesFrom {
  readonly mission: string;
  readonly tier: Tier | null;
  readonly path: string | null;
}

/** A project copy migrate removes because it is identical to a package default. */
export interface ProjectRemoval {
  /** Project-relative path (`.kittify/templates/spec-template.md`). */
  readonly path: string;
  /** The default it matched (path inside the package's `assets/`), or the file it duplicates. */
  readonly matched: string;
  /** For each mission that used this copy, what it resolves to afterwards. */
  readonly now_resolves_from: readonly ResolvesFrom[];
}

/** A customised command template moved from the pre-2.x folder to `.kittify/command-templates/`. */
export interface ProjectMove {
  readonly from: string;
  readonly to: string;
}

/** A project file migrate leaves in place, and why. */
export interface ProjectKept {
  readonly path: string;
  /**
   * `customised`: differs from every default, stays where the chain reads it (it keeps applying);
   * `conflict`: a pre-2.x command template whose new location holds a different file;
   * `not_used`: not read by this spec-kitty (1.x scripts, AGENTS.md, stray files).
   */
  readonly reason: 'customised' | 'conflict' | 'not_used';
  readonly detail: string;
}

/** The project part of a migrate report. */
export interface ProjectMigration {
  readonly root: string;
  readonly removed: readonly ProjectRemoval[];
  readonly moved: readonly ProjectMove[];
  readonly kept: readonly ProjectKept[];
}

interface AssetEntry {
  readonly abs: string;
  readonly rel: string;
  readonly kind: AssetKind;
  readonly mission: string | null;
  readonly name: string;
  readonly tier: Tier;
  readonly legacy: boolean;
}

interface ProjectPlan extends ProjectMigration {
  readonly removeAbs: readonly string[];
  readonly moveAbs: readonly { from: string; to: string }[];
}

const NOT_USED = 'not read by this spec-kitty; delete it if nothing else uses it';

/** Lists what migrate would do to the project's `.kittify/` (nothing is written). */
export function planProject(options: RuntimeResolverOptions & { readonly projectRoot: string }): ProjectPlan {
  const root = options.projectRoot;
  const kittify = path.join(root, '.kittify');
  const relOf = (abs: string): string => path.relative(root, abs).split(path.sep).join('/');
  const before = new RuntimeResolver(options, { silent: true });
  const entries: AssetEntry[] = [];
  const kept: ProjectKept[] = [];
  const notUsed = (abs: string): void => {
    kept.push({ path: relOf(abs), reason: 'not_used', detail: NOT_USED });
  };
  const addAsset = (abs: string, kind: AssetKind, mission: string | null, name: string, tier: Tier, legacy = false): void => {
    try {
      if (kind !== 'mission') checkAssetName(kind, name);
      if (mission !== null) checkMissionKey(mission);
    } catch {
      notUsed(abs);
      return;
    }
    entries.push({ abs, rel: relOf(abs), kind, mission, name, tier, legacy });
  };
  const templatesDir = path.join(kittify, 'templates');
  for (const rel of listFiles(templatesDir)) {
    const abs = joinRel(templatesDir, rel);
    if (rel.startsWith('command-templates/'))
      addAsset(abs, 'command-template', null, rel.slice('command-templates/'.length), 'project', true);
    else addAsset(abs, 'template', null, rel, 'project');
  }
  const commandDir = path.join(kittify, 'command-templates');
  for (const rel of listFiles(commandDir)) addAsset(joinRel(commandDir, rel), 'command-template', null, rel, 'project');
  for (const key of listDirs(path.join(kittify, 'missions'))) {
    const dir = path.join(kittify, 'missions', key);
    for (const rel of listFiles(dir)) {
      const abs = joinRel(dir, rel);
      if (rel === 'mission.yaml') addAsset(abs, 'mission', key, 'mission.yaml', 'project_mission');
      else if (rel.startsWith('templates/')) addAsset(abs, 'template', key, rel.slice('templates/'.length), 'project_mission');
      else if (rel.startsWith('command-templates/'))
        addAsset(abs, 'command-template', key, rel.slice('command-templates/'.length), 'project_mission');
      else notUsed(abs);
    }
  }
  for (const rel of listFiles(path.join(kittify, 'scripts'))) notUsed(joinRel(path.join(kittify, 'scripts'), rel));
  if (isFile(path.join(kittify, 'AGENTS.md'))) notUsed(path.join(kittify, 'AGENTS.md'));

  const removals: { entry: AssetEntry; matched: string }[] = [];
  const legacyCustom: AssetEntry[] = [];
  for (const entry of entries) {
    const bytes = readBytes(entry.abs) ?? Buffer.alloc(0);
    const matched = before.stockMatch(entry.kind, entry.mission ?? '', entry.name, entry.tier, bytes);
    if (matched !== null) removals.push({ entry, matched });
    else if (entry.legacy) legacyCustom.push(entry);
    else
      kept.push({
        path: entry.rel,
        reason: 'customised',
        detail: `differs from the defaults; it stays in the ${entry.tier} tier and keeps applying`,
      });
  }
  const removing = new Set(removals.map((r) => r.entry.abs));
  const moves: { from: string; to: string }[] = [];
  for (const entry of legacyCustom) {
    const to = joinRel(commandDir, entry.name);
    const existing = removing.has(to) ? null : readBytes(to);
    if (existing === null) moves.push({ from: entry.abs, to });
    else if (sameText(existing, readBytes(entry.abs) ?? Buffer.alloc(0))) {
      removals.push({ entry, matched: relOf(to) });
      removing.add(entry.abs);
    } else {
      kept.push({
        path: entry.rel,
        reason: 'conflict',
        detail: `${relOf(to)} holds a different version (that one applies); merge the two by hand and delete this one`,
      });
    }
  }

  const after = new RuntimeResolver(options, { silent: true, ignore: new Set([...removing, ...moves.map((m) => m.from)]) });
  const missions = before.listMissions();
  const removed: ProjectRemoval[] = removals.map(({ entry, matched }) => {
    const users =
      entry.mission !== null ? [entry.mission] : missions.filter((m) => before.find(entry.kind, m, entry.name)?.path === entry.abs);
    return {
      path: entry.rel,
      matched,
      now_resolves_from: users.map((mission) => {
        const next = after.find(entry.kind, mission, entry.name);
        return { mission, tier: next?.tier ?? null, path: next?.path ?? null };
      }),
    };
  });
  const sortByPath = <T extends { path: string }>(list: T[]): T[] => list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    root,
    removed: sortByPath(removed),
    moved: moves.map((m) => ({ from: relOf(m.from), to: relOf(m.to) })),
    kept: sortByPath(kept),
    removeAbs: [...removing],
    moveAbs: moves,
  };
}

/** Removes the project's unmodified copies and moves pre-2.x command templates, under the project's lock. */
export async function migrateProject(
  options: RuntimeResolverOptions & { readonly projectRoot: string },
  dryRun: boolean,
  lock: LockSettings = {},
): Promise<ProjectMigration> {
  const first = planProject(options);
  if (dryRun || (first.removeAbs.length === 0 && first.moveAbs.length === 0)) return strip(first);
  const kittify = path.join(options.projectRoot, '.kittify');
  const held = await acquireLock(path.join(kittify, 'migrate.lock'), `the project at ${options.projectRoot}`, lock, 'PROJECT_WRITE_FAILED');
  let plan: ProjectPlan;
  try {
    plan = planProject(options); // again under the lock: another migrate may have done part of it
    for (const abs of plan.removeAbs) {
      try {
        unlinkSync(abs);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      removeEmptyDirs(path.dirname(abs), kittify);
    }
    for (const { from, to } of plan.moveAbs) {
      mkdirSync(path.dirname(to), { recursive: true });
      renameSync(from, to);
      removeEmptyDirs(path.dirname(from), kittify);
    }
  } catch (err) {
    await held.release().catch(() => undefined);
    if (err instanceof RuntimeError) throw err;
    throw new RuntimeError('PROJECT_WRITE_FAILED', `Could not tidy ${kittify}: ${(err as Error).message}.`, {
      suggestions: [`Check that you can write to ${kittify}, then run \`spec-kitty migrate\` again (it continues where it stopped).`],
      details: { project_root: options.projectRoot },
      cause: err,
    });
  }
  await held.release();
  return strip(plan);
}

function strip(plan: ProjectPlan): ProjectMigration {
  const { removeAbs: _r, moveAbs: _m, ...rest } = plan;
  return rest;
}
