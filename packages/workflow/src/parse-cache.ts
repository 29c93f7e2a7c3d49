import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { FeatureRef } from './features.js';
import { YAML_PARSE_OPTIONS } from './yaml-edit.js';

/**
 * @internal A cache of parsed work-package frontmatter, keyed by the SHA-256 of the YAML text itself, so an
 * entry can never be stale: changed text is a different key and is parsed again. It lets the commands that read
 * every work package (list-tasks, status, a lane change's view check) skip the YAML parser for the files that did
 * not change since the last command. Kept per feature in the repository's git dir
 * (`.git/spec-kitty/cache/frontmatter-<feature>.json`, never shown by git), holding only the entries the last
 * reader used. Only successful parses whose data survive JSON unchanged are stored. Best effort: a missing,
 * unreadable or corrupt cache is ignored (and rewritten), and a cache that cannot be written is simply not used.
 */

/**
 * What the entries were made with; a cache of another format is ignored. Bump the number when the parse rules in
 * frontmatter.ts change; the yaml version must match the dependency (a test checks it).
 */
export const FRONTMATTER_CACHE_FORMAT = `frontmatter-1 yaml@2.9.1 ${JSON.stringify(YAML_PARSE_OPTIONS)}`;
const MAX_CACHE_BYTES = 4 * 1024 * 1024;

/** Parsed frontmatter by the hash of its YAML text, for one feature. */
export interface FrontmatterCache {
  /** The data of a YAML text parsed before, or undefined. */
  lookup(yaml: string): Readonly<Record<string, unknown>> | undefined;
  /** Records the data a YAML text parsed to (ignored when it would not read back identically from JSON). */
  remember(yaml: string, data: Readonly<Record<string, unknown>>): void;
  /** Writes the entries used since opening, when they differ from what was read. Never throws. */
  save(): void;
}

const hash = (yaml: string): string => createHash('sha256').update(yaml).digest('hex');
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The cache file of a feature, or null when the project root has no `.git` directory of its own. */
export function frontmatterCachePath(root: string, feature: FeatureRef): string | null {
  try {
    if (!lstatSync(path.join(root, '.git')).isDirectory()) return null;
  } catch {
    return null;
  }
  return path.join(root, '.git', 'spec-kitty', 'cache', `frontmatter-${feature.slug}.json`);
}

/** Opens the frontmatter cache of a feature; null when there is no place for one (no `.git` directory). */
export function openFrontmatterCache(root: string, feature: FeatureRef): FrontmatterCache | null {
  const file = frontmatterCachePath(root, feature);
  if (file === null) return null;
  const stored = new Map<string, Readonly<Record<string, unknown>>>();
  try {
    const text = readFileSync(file, 'utf8');
    if (text.length <= MAX_CACHE_BYTES) {
      const doc: unknown = JSON.parse(text);
      if (isRecord(doc) && doc['format'] === FRONTMATTER_CACHE_FORMAT && isRecord(doc['entries'])) {
        for (const [k, v] of Object.entries(doc['entries'])) if (/^[0-9a-f]{64}$/.test(k) && isRecord(v)) stored.set(k, v);
      }
    }
  } catch {
    // no cache yet, or an unusable one: start empty
  }
  const used = new Map<string, Readonly<Record<string, unknown>>>();
  let added = false;
  return {
    lookup(yaml) {
      const key = hash(yaml);
      const hit = stored.get(key);
      if (hit !== undefined) used.set(key, hit);
      return hit;
    },
    remember(yaml, data) {
      let copy: unknown;
      try {
        copy = JSON.parse(JSON.stringify(data));
      } catch {
        return;
      }
      if (!isRecord(copy) || !isDeepStrictEqual(copy, data)) return;
      used.set(hash(yaml), copy);
      added = true;
    },
    save() {
      if (!added && used.size === stored.size) return;
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(tmp, JSON.stringify({ format: FRONTMATTER_CACHE_FORMAT, entries: Object.fromEntries(used) }));
        renameSync(tmp, file);
      } catch {
        try {
          unlinkSync(tmp);
        } catch {
          // nothing was written
        }
      }
    },
  };
}
