import { existsSync } from 'node:fs';
import path from 'node:path';
import { PlanningFileError } from '../errors.js';
import { displayPath, positionOf, readTextFile, type TextFile } from '../files/files.js';
import type { FeatureRef } from './features.js';

/** `meta.json`: the feature's contract (written once by create-feature; later commands add keys). */
export interface FeatureMeta {
  readonly feature_number: string;
  readonly slug: string;
  readonly feature_slug: string;
  readonly friendly_name: string;
  readonly mission: string;
  readonly target_branch: string;
  readonly created_at: string;
  readonly [key: string]: unknown;
}

/** The default mission of a feature. */
export const DEFAULT_MISSION = 'software-dev';

/** `meta.json` of a feature as read: null when absent; malformed throws INVALID_META with `path:line:col`. */
export function readMeta(root: string, feature: FeatureRef): { file: TextFile; data: Record<string, unknown> } | null {
  const file = path.join(feature.dir, 'meta.json');
  if (!existsSync(file)) return null;
  const shown = displayPath(root, file);
  const read = readTextFile(file, shown);
  if (read.file === null) throw new PlanningFileError('INVALID_META', read.problems);
  try {
    const data: unknown = JSON.parse(read.file.text);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new PlanningFileError('INVALID_META', [
        { path: shown, line: 1, col: 1, code: 'NOT_AN_OBJECT', message: 'meta.json must hold a JSON object' },
      ]);
    }
    return { file: read.file, data: data as Record<string, unknown> };
  } catch (err) {
    if (err instanceof PlanningFileError) throw err;
    const msg = (err as Error).message;
    const at = /position (\d+)/.exec(msg);
    const pos = at !== null ? positionOf(read.file.text, Number(at[1])) : { line: 1, col: 1 };
    throw new PlanningFileError(
      'INVALID_META',
      [{ path: shown, ...pos, code: 'INVALID_JSON', message: msg.replace(/ in JSON at position \d+.*$/, '') }],
      {
        suggestions: [`Fix the JSON in ${shown} and run the command again.`],
      },
    );
  }
}

/** The mission of a feature from its meta data (default software-dev). */
export function missionOf(meta: Readonly<Record<string, unknown>> | null): string {
  const m = meta?.['mission'];
  return typeof m === 'string' && m.trim() !== '' ? m.trim() : DEFAULT_MISSION;
}

/** Serialises meta data like the Python CLI (two-space indent), with a final line break. */
export function renderMeta(data: Readonly<Record<string, unknown>>): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

/**
 * Adds the keys of `defaults` that `existing` lacks (setdefault semantics: a key once written is never
 * changed by create-feature).
 */
export function mergeMeta(
  existing: Readonly<Record<string, unknown>> | null,
  defaults: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(existing ?? {}) };
  for (const [k, v] of Object.entries(defaults)) if (!(k in out)) out[k] = v;
  return out;
}

/**
 * A note when the current branch is not the feature's `target_branch` (from meta.json): commits of the given kind
 * ("Planning", "Status") go to the current branch, not the target.
 */
export function branchNote(
  branch: string,
  meta: Readonly<Record<string, unknown>> | null,
  kind: 'Planning' | 'Status' = 'Planning',
): string[] {
  const target = meta?.['target_branch'];
  return typeof target === 'string' && target !== '' && target !== branch
    ? [`Note: you are on '${branch}', the feature targets '${target}'. ${kind} commits go to '${branch}'.`]
    : [];
}
