import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isFile } from './_fs.js';

/** The version stamp of the global runtime, relative to the home (same file as the Python spec-kitty). */
export const VERSION_LOCK_FILE = 'cache/version.lock';

/** The record of what migrate installed (hash of each managed file), relative to the home. */
export const MANIFEST_FILE = 'cache/manifest.json';

/** What `cache/manifest.json` holds. */
export interface RuntimeManifest {
  readonly schema: 1;
  /** The package version whose defaults were installed. */
  readonly version: string;
  /** When migrate last wrote the runtime (ISO 8601 UTC). */
  readonly updated_at: string;
  /** Home-relative POSIX path of each managed file → `sha256:` of the default content installed there. */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * `not_installed` (no stamp), `stale` (kitty installed another version), `current`, or `other_cli`: the Python
 * spec-kitty installed it (its stamp, no kitty manifest for it). kitty reads that runtime by content and does not
 * ask for a migrate because of it.
 */
export type RuntimeState = 'not_installed' | 'stale' | 'current' | 'other_cli';

/** Which CLI wrote the stamp: kitty when its manifest records the same version, else the Python spec-kitty. */
export type RuntimeInstaller = 'kitty' | 'python';

/** The global runtime as the resolver sees it. */
export interface RuntimeStatus {
  readonly home: string;
  readonly state: RuntimeState;
  /** The version in `cache/version.lock`, or null when it is missing. */
  readonly installed_version: string | null;
  /** Who wrote `cache/version.lock` (null when missing). */
  readonly installed_by: RuntimeInstaller | null;
  /** The version kitty last installed (its manifest), or null. */
  readonly kitty_version: string | null;
  /** The version of the defaults this spec-kitty ships. */
  readonly package_version: string;
}

/** The version written in `cache/version.lock`, or null when missing or empty. */
export function readVersionStamp(home: string): string | null {
  const file = path.join(home, ...VERSION_LOCK_FILE.split('/'));
  if (!isFile(file)) return null;
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? null : text;
  } catch {
    return null;
  }
}

/** The manifest, or null when it is missing or not a valid manifest (then nothing counts as "ours"). */
export function readManifest(home: string): RuntimeManifest | null {
  const file = path.join(home, ...MANIFEST_FILE.split('/'));
  if (!isFile(file)) return null;
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<RuntimeManifest>;
    if (data.schema !== 1 || typeof data.version !== 'string' || typeof data.files !== 'object' || data.files === null) return null;
    const files: Record<string, string> = {};
    for (const [k, v] of Object.entries(data.files)) if (typeof v === 'string') files[k] = v;
    return { schema: 1, version: data.version, updated_at: typeof data.updated_at === 'string' ? data.updated_at : '', files };
  } catch {
    return null;
  }
}

/** The runtime's state from its version stamp (a cheap check the resolver does once per process). */
export function runtimeStatus(home: string, packageVersion: string): RuntimeStatus {
  const installed = readVersionStamp(home);
  const kitty = installed === null ? null : (readManifest(home)?.version ?? null);
  const by = stampOwner(installed, kitty);
  // The Python CLI rewrites the stamp (and its mission folders) on its next command: kitty's own install, as its
  // manifest records it, still counts, and a runtime only Python installed is read as it is.
  const state =
    installed === null
      ? 'not_installed'
      : installed === packageVersion || kitty === packageVersion
        ? 'current'
        : by === 'python' && kitty === null
          ? 'other_cli'
          : 'stale';
  return { home, state, installed_version: installed, installed_by: by, kitty_version: kitty, package_version: packageVersion };
}

/** Who wrote a stamp, given the version kitty's manifest records. */
export function stampOwner(stamp: string | null, manifestVersion: string | null): RuntimeInstaller | null {
  if (stamp === null) return null;
  return manifestVersion !== null && manifestVersion === stamp ? 'kitty' : 'python';
}
