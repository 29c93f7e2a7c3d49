import { mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RuntimeError } from './errors.js';
import { acquireLock, type LockSettings } from './_lock.js';
import type { PackageDefaults } from './package-assets.js';
import { MANIFEST_FILE, VERSION_LOCK_FILE, readManifest, readVersionStamp, type RuntimeManifest } from './runtime-state.js';
import { copyTree, isDir, joinRel, listDirs, listFiles, readBytes, sameText, sha256, uniqueSuffix, writeFileAtomic } from './_fs.js';

/** What migrate does to one file of the global runtime. */
export type RuntimeFileAction =
  /** A default that was missing (first install, or a new default). */
  | 'install'
  /** A default migrate installed before and the user deleted. */
  | 'restore'
  /** An unedited copy of an older default, replaced by the current one. */
  | 'update'
  /** A file of unknown origin (no manifest, e.g. written by the Python spec-kitty): backed up, then replaced. */
  | 'replace'
  /** An unedited copy of a default that is no longer shipped. */
  | 'remove';

/** One file change in the global runtime (`path` is relative to the home). */
export interface RuntimeFileChange {
  readonly action: RuntimeFileAction;
  readonly path: string;
  /** For `replace`: where the previous file was saved (home-relative). */
  readonly backup?: string;
}

/** A runtime file migrate leaves alone, and why. */
export interface RuntimeFileKept {
  readonly path: string;
  /** `customised`: you edited a managed copy (it keeps applying); `not_a_default`: a file you added. */
  readonly reason: 'customised' | 'not_a_default';
}

/** The global runtime part of a migrate report. */
export interface RuntimeMigration {
  /** The state before migrate: `not_installed`, `stale` (other version), `incomplete` (files missing or manifest out of date) or `current`. */
  readonly state: 'not_installed' | 'stale' | 'incomplete' | 'current';
  readonly version: string;
  readonly previous_version: string | null;
  readonly changes: readonly RuntimeFileChange[];
  readonly kept: readonly RuntimeFileKept[];
  /** True when the version stamp or manifest is (or would be) written. */
  readonly stamp_written: boolean;
  /** Home-relative folder holding backups of replaced files, or null. */
  readonly backup_dir: string | null;
}

interface RuntimePlan extends RuntimeMigration {
  readonly desired: Record<string, string>;
  /** The stamp belongs to the Python spec-kitty: leave it. */
  readonly keepStamp: boolean;
}

const missionsDir = (home: string): string => path.join(home, 'missions');

/** Compares the global runtime with the package defaults and lists what migrate would change. */
function planRuntime(home: string, defaults: PackageDefaults, version: string): RuntimePlan {
  const stamp = readVersionStamp(home);
  // A manifest only vouches for the files when the stamp is ours too: another tool (the Python spec-kitty)
  // rewrites the mission folders and the stamp but not the manifest.
  const recorded = readManifest(home);
  const manifest = recorded !== null && recorded.version === stamp ? recorded : null;
  // A stamp the Python spec-kitty wrote is left to it (rewriting it would make Python reinstall its missions on
  // its next command): kitty's own install is then what its manifest records.
  const keepStamp = stamp !== null && stamp !== version && stamp !== (recorded?.version ?? null);
  const effective = keepStamp ? (recorded?.version ?? null) : stamp;
  const changes: RuntimeFileChange[] = [];
  const kept: RuntimeFileKept[] = [];
  const desired: Record<string, string> = {};
  for (const key of defaults.missions()) {
    const files = defaults.missionFiles(key);
    for (const [rel, abs] of files) {
      const homeRel = `missions/${key}/${rel}`;
      const def = defaults.bytes(abs);
      desired[homeRel] = sha256(def);
      const current = readBytes(joinRel(home, homeRel));
      if (current === null) {
        changes.push({ action: manifest?.files[homeRel] === undefined ? 'install' : 'restore', path: homeRel });
      } else if (!sameText(current, def)) {
        if (manifest === null) changes.push({ action: 'replace', path: homeRel });
        else if (manifest.files[homeRel] === sha256(current)) changes.push({ action: 'update', path: homeRel });
        else kept.push({ path: homeRel, reason: 'customised' });
      }
    }
    for (const rel of listFiles(path.join(missionsDir(home), key))) {
      if (files.has(rel)) continue;
      const homeRel = `missions/${key}/${rel}`;
      const current = readBytes(joinRel(home, homeRel));
      if (current !== null && manifest?.files[homeRel] === sha256(current)) changes.push({ action: 'remove', path: homeRel });
      else kept.push({ path: homeRel, reason: 'not_a_default' });
    }
  }
  const manifestCurrent =
    recorded !== null &&
    recorded.version === version &&
    Object.keys(recorded.files).length === Object.keys(desired).length &&
    Object.entries(desired).every(([k, v]) => recorded.files[k] === v);
  const state =
    effective === null
      ? 'not_installed'
      : effective !== version
        ? 'stale'
        : changes.length > 0 || !manifestCurrent
          ? 'incomplete'
          : 'current';
  return {
    state,
    version,
    previous_version: stamp,
    changes,
    kept,
    stamp_written: effective !== version || !manifestCurrent,
    backup_dir: null,
    desired,
    keepStamp,
  };
}

/** What migrate would do to the global runtime, without writing (for `--dry-run`). */
export function previewRuntime(home: string, defaults: PackageDefaults, version: string): RuntimeMigration {
  return strip(planRuntime(home, defaults, version));
}

/** Puts back mission folders a crashed migrate moved aside, then deletes its staging leftovers. */
function recoverCrashedRun(home: string): void {
  const cache = path.join(home, 'cache');
  for (const name of listDirs(cache)) {
    if (!name.startsWith('.old-')) continue;
    for (const key of listDirs(path.join(cache, name))) {
      const live = path.join(missionsDir(home), key);
      if (!isDir(live)) {
        mkdirSync(missionsDir(home), { recursive: true });
        renameSync(path.join(cache, name, key), live);
      }
    }
  }
  for (const name of listDirs(cache))
    if (name.startsWith('.old-') || name.startsWith('.staging-')) rmSync(path.join(cache, name), { recursive: true, force: true });
}

function writeFailed(home: string, err: unknown): RuntimeError {
  return new RuntimeError('RUNTIME_WRITE_FAILED', `Could not write the spec-kitty global runtime at ${home}: ${(err as Error).message}.`, {
    suggestions: [
      `Check that ${home} is a directory you can write to (or set SPEC_KITTY_HOME to one).`,
      'Then run `spec-kitty migrate` again; a half-done run is repaired automatically.',
    ],
    details: { home },
    cause: err,
  });
}

function backupStamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

/**
 * Installs or refreshes the global runtime under a cross-process lock. Each changed mission folder is built in
 * a staging folder and swapped in with renames; `cache/manifest.json` and then `cache/version.lock` are
 * written last, so a crash leaves a runtime that the next run repairs. Edited copies are kept.
 */
export async function installRuntime(
  home: string,
  defaults: PackageDefaults,
  version: string,
  now: () => Date,
  lock: LockSettings = {},
): Promise<RuntimeMigration> {
  const first = planRuntime(home, defaults, version);
  if (!first.stamp_written && first.changes.length === 0) return strip(first);
  try {
    mkdirSync(path.join(home, 'cache'), { recursive: true });
  } catch (err) {
    throw writeFailed(home, err);
  }
  const held = await acquireLock(path.join(home, 'cache', 'kitty-update.lock'), `the global runtime at ${home}`, lock);
  let result: RuntimeMigration;
  try {
    recoverCrashedRun(home);
    const plan = planRuntime(home, defaults, version);
    if (!plan.stamp_written && plan.changes.length === 0) {
      result = strip(plan); // another process finished the job while we waited for the lock
    } else {
      result = applyPlan(home, defaults, version, now, plan);
    }
  } catch (err) {
    await held.release().catch(() => undefined);
    throw err instanceof RuntimeError ? err : writeFailed(home, err);
  }
  await held.release();
  return result;
}

function applyPlan(home: string, defaults: PackageDefaults, version: string, now: () => Date, plan: RuntimePlan): RuntimeMigration {
  const suffix = uniqueSuffix();
  const cache = path.join(home, 'cache');
  const staging = path.join(cache, `.staging-${suffix}`);
  const old = path.join(cache, `.old-${suffix}`);
  let backupDir: string | null = null;
  const changes: RuntimeFileChange[] = [];
  const byMission = new Map<string, RuntimeFileChange[]>();
  for (const change of plan.changes) {
    const key = change.path.split('/')[1] ?? '';
    byMission.set(key, [...(byMission.get(key) ?? []), change]);
  }
  for (const [key, missionChanges] of byMission) {
    const live = path.join(missionsDir(home), key);
    const stage = path.join(staging, key);
    if (isDir(live)) copyTree(live, stage);
    else mkdirSync(stage, { recursive: true });
    const files = defaults.missionFiles(key);
    for (const change of missionChanges) {
      const rel = change.path.split('/').slice(2).join('/');
      const target = joinRel(stage, rel);
      if (change.action === 'remove') {
        unlinkSync(target);
        changes.push(change);
        continue;
      }
      if (change.action === 'replace') {
        backupDir ??= `cache/backup/${backupStamp(now())}-${suffix}`;
        const backup = `${backupDir}/${change.path}`;
        mkdirSync(path.dirname(joinRel(home, backup)), { recursive: true });
        writeFileSync(joinRel(home, backup), readBytes(joinRel(home, change.path)) ?? Buffer.alloc(0));
        changes.push({ ...change, backup });
      } else {
        changes.push(change);
      }
      const abs = files.get(rel);
      if (abs === undefined) continue;
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, defaults.bytes(abs));
    }
    // Swap: move the live folder aside, move the staged one in. A crash in between is undone by recoverCrashedRun.
    mkdirSync(missionsDir(home), { recursive: true });
    if (isDir(live)) {
      mkdirSync(old, { recursive: true });
      renameSync(live, path.join(old, key));
    }
    renameSync(stage, live);
  }
  const manifest: RuntimeManifest = { schema: 1, version, updated_at: now().toISOString(), files: plan.desired };
  writeFileAtomic(joinRel(home, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  if (!plan.keepStamp) writeFileAtomic(joinRel(home, VERSION_LOCK_FILE), version);
  rmSync(staging, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
  return { ...strip(plan), changes, backup_dir: backupDir };
}

function strip(plan: RuntimePlan): RuntimeMigration {
  const { desired: _desired, keepStamp: _keep, ...rest } = plan;
  return rest;
}
