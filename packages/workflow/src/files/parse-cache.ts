import { createHash } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '@kitty/io';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { FeatureRef } from '../project/features.js';
import { YAML_PARSE_OPTIONS } from './yaml-edit.js';

/**
 * @internal Caches of parse results (work-package frontmatter, tasks.md), keyed by the SHA-256 of the parsed text
 * itself, so an entry can never be stale: changed text is a different key and is parsed again. They let the
 * commands that read every work package (list-tasks, status, a lane change's view check) or tasks.md
 * (check-prerequisites) skip the YAML and Markdown parsers for files that did not change since the last command
 * (and not load markdown-it at all). Kept per feature and kind in the repository's git dir
 * (`.git/spec-kitty/cache/<kind>-<feature>.json`, never shown by git), holding only the entries the last reader
 * used. Only results that survive JSON unchanged are stored. Best effort: a missing, unreadable or corrupt cache
 * is ignored (and rewritten), and a cache that cannot be written is simply not used.
 */

/**
 * What frontmatter entries were made with; a cache of another format is ignored. Bump the number when the parse
 * rules in frontmatter.ts change; the yaml version must match the dependency (a test checks it).
 */
export const FRONTMATTER_CACHE_FORMAT = `frontmatter-1 yaml@2.9.1 ${JSON.stringify(YAML_PARSE_OPTIONS)}`;
/** The same for tasks.md: bump the number when tasks-md.ts changes; markdown-it's version must match the dependency. */
export const TASKS_MD_CACHE_FORMAT = 'tasks-md-1 markdown-it@14.1.0 commonmark';

const MAX_CACHE_BYTES = 4 * 1024 * 1024;

/** What a cache holds. */
export type CacheKind = 'frontmatter' | 'tasks-md';
const FORMATS: Readonly<Record<CacheKind, string>> = { frontmatter: FRONTMATTER_CACHE_FORMAT, 'tasks-md': TASKS_MD_CACHE_FORMAT };

/** Parse results by the hash of their input text, for one feature and kind. */
export interface ParseCache<T> {
  /** The result for an input parsed before, or undefined. */
  lookup(input: string): T | undefined;
  /** Records the result of parsing an input (ignored when it would not read back identically from JSON). */
  remember(input: string, result: T): void;
  /** Writes the entries used since opening, when they differ from what was read. Never throws. */
  save(): void;
}

const hash = (input: string): string => createHash('sha256').update(input).digest('hex');
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The cache file of a feature and kind, or null when the project root has no `.git` directory of its own. */
export function parseCachePath(root: string, feature: FeatureRef, kind: CacheKind): string | null {
  try {
    if (!lstatSync(path.join(root, '.git')).isDirectory()) return null;
  } catch {
    return null;
  }
  return path.join(root, '.git', 'spec-kitty', 'cache', `${kind}-${feature.slug}.json`);
}

/**
 * Opens a parse cache of a feature; null when there is no place for one (no `.git` directory). Stored entries
 * that are not objects, or that `accept` rejects, are ignored.
 */
export function openParseCache<T extends object>(
  root: string,
  feature: FeatureRef,
  kind: CacheKind,
  accept: (v: Record<string, unknown>) => boolean = () => true,
): ParseCache<T> | null {
  const file = parseCachePath(root, feature, kind);
  if (file === null) return null;
  const format = FORMATS[kind];
  const stored = new Map<string, T>();
  try {
    const text = readFileSync(file, 'utf8');
    if (text.length <= MAX_CACHE_BYTES) {
      const doc: unknown = JSON.parse(text);
      if (isRecord(doc) && doc['format'] === format && isRecord(doc['entries'])) {
        for (const [k, v] of Object.entries(doc['entries']))
          if (/^[0-9a-f]{64}$/.test(k) && isRecord(v) && accept(v)) stored.set(k, v as T);
      }
    }
  } catch {
    // no cache yet, or an unusable one: start empty
  }
  const used = new Map<string, T>();
  let added = false;
  return {
    lookup(input) {
      const key = hash(input);
      const hit = stored.get(key);
      if (hit !== undefined) used.set(key, hit);
      return hit;
    },
    remember(input, result) {
      let copy: unknown;
      try {
        copy = JSON.parse(JSON.stringify(result));
      } catch {
        return;
      }
      if (!isRecord(copy) || !isDeepStrictEqual(copy, result)) return;
      used.set(hash(input), copy as T);
      added = true;
    },
    save() {
      if (!added && used.size === stored.size) return;
      try {
        // A cache: atomic (readers never see half of it) but not fsynced; losing it costs one re-parse.
        writeFileAtomic(file, JSON.stringify({ format, entries: Object.fromEntries(used) }), { durable: false });
      } catch {
        // best effort: an unwritable cache is ignored
      }
    },
  };
}
