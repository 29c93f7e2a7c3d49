import { existsSync } from 'node:fs';
import path from 'node:path';
import { PlanningFileError, WorkflowError } from '../errors.js';
import { readTextFile, type TextFile } from '../files/files.js';
import { parseYamlMapping } from '../files/frontmatter.js';

/** `.kittify/config.yaml` relative to the project root. */
export const CONFIG_REL = '.kittify/config.yaml';
/** `.kittify/metadata.yaml` relative to the project root. */
export const METADATA_REL = '.kittify/metadata.yaml';

/** The project's identity in `.kittify/config.yaml` `project:` (shared by every clone and worktree). */
export interface ProjectIdentity {
  readonly uuid: string;
  readonly slug: string;
  readonly node_id: string;
  /** A user override of the repository slug (`org/repo`); never generated. */
  readonly repo_slug?: string;
}

/** `.kittify/config.yaml` as read: its text (null when absent) and data. */
export interface ProjectConfig {
  readonly path: string;
  readonly file: TextFile | null;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Reads `.kittify/config.yaml`; absent reads as empty, malformed throws INVALID_CONFIG (`path:line:col`). */
export function readProjectConfig(root: string): ProjectConfig {
  const file = path.join(root, CONFIG_REL);
  if (!existsSync(file)) return { path: file, file: null, data: {} };
  const read = readTextFile(file, CONFIG_REL);
  if (read.file === null)
    throw new PlanningFileError('INVALID_CONFIG', read.problems, {
      suggestions: [`Fix ${CONFIG_REL} (it must be a YAML mapping) and run the command again.`],
    });
  const parsed = parseYamlMapping(read.file.text, CONFIG_REL);
  if (!parsed.ok)
    throw new PlanningFileError('INVALID_CONFIG', parsed.problems, {
      suggestions: [`Fix ${CONFIG_REL} (it must be a YAML mapping) and run the command again.`],
    });
  return { path: file, file: read.file, data: parsed.data };
}

const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The identity fields present in a config (any of them may be missing in projects the Python CLI set up). */
export function identityOf(config: ProjectConfig): Partial<ProjectIdentity> {
  const p = obj(config.data['project']);
  const out: { uuid?: string; slug?: string; node_id?: string; repo_slug?: string } = {};
  const uuid = nonEmpty(p['uuid']);
  const slug = nonEmpty(p['slug']);
  const node = nonEmpty(p['node_id']);
  const repo = nonEmpty(p['repo_slug']);
  if (uuid !== undefined) out.uuid = uuid;
  if (slug !== undefined) out.slug = slug;
  if (node !== undefined) out.node_id = node;
  if (repo !== undefined) out.repo_slug = repo;
  return out;
}

/** The agent keys in `agents.available`, or an empty list. */
export function configuredAgents(config: ProjectConfig): string[] {
  const list = obj(config.data['agents'])['available'];
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Whether an implementer may review (and approve) their own work package: `review.allow_self_review` in
 * `.kittify/config.yaml` (`true` or `false`; default false — separation of duties, DESIGN §5).
 *
 * @example
 * // .kittify/config.yaml
 * // review:
 * //   allow_self_review: true
 */
export function allowSelfReview(config: ProjectConfig): boolean {
  const v = obj(config.data['review'])['allow_self_review'];
  return v === true || (typeof v === 'string' && ['true', 'yes', 'on', '1'].includes(v.trim().toLowerCase()));
}

/**
 * The project slug: the last path segment of the `origin` URL (without `.git`), else the directory name;
 * lower-cased with `_` and spaces turned into `-` (as the Python CLI derives it).
 *
 * @example
 * deriveProjectSlug('git@github.com:Acme/My_App.git', '/x') // => 'my-app'
 */
export function deriveProjectSlug(originUrl: string | null, rootDir: string): string {
  let base = path.basename(rootDir);
  if (originUrl !== null && originUrl.trim() !== '') {
    let u = originUrl
      .trim()
      .replace(/\/+$/, '')
      .replace(/\.git$/, '');
    if (u.includes(':') && u.includes('@')) u = u.slice(u.lastIndexOf(':') + 1);
    const seg = u.split('/').pop();
    if (seg !== undefined && seg !== '') base = seg;
  }
  const slug = base.toLowerCase().replace(/[_\s]+/g, '-');
  return slug === '' ? 'project' : slug;
}

/**
 * The `owner/repo` slug of a remote URL (HTTPS, SSH or SCP form; GitLab subgroups kept), or null for local
 * paths and `file://` URLs.
 *
 * @example
 * parseRepoSlug('git@github.com:acme/app.git') // => 'acme/app'
 */
export function parseRepoSlug(url: string | null): string | null {
  if (url === null) return null;
  const u = url.trim();
  if (u === '' || u.startsWith('file://') || /^(\/|\.\/|\.\.\/)/.test(u)) return null;
  let p: string;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]+\/?(.*)$/i.exec(u);
  if (scheme !== null) p = scheme[1] ?? '';
  else {
    const scp = /^(?:[^@/]+@)?[^:/]+:(.+)$/.exec(u);
    if (scp === null) return null;
    p = scp[1] ?? '';
  }
  p = p.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  const segs = p.split('/');
  if (segs.length < 2 || segs.some((s) => s === '')) return null;
  return segs.join('/');
}

/** Validates an identity override `repo_slug` (needs a `/`, no empty segment). */
export function validRepoSlugOverride(value: string | undefined): string | null {
  if (value === undefined) return null;
  const segs = value.split('/');
  return segs.length >= 2 && segs.every((s) => s !== '') ? value : null;
}

/** Throws NOT_A_PROJECT for a root without `.kittify/`. */
export function notAProject(cwd: string): WorkflowError {
  return new WorkflowError(
    'NOT_A_PROJECT',
    `Could not locate project root: no .kittify/ directory in ${cwd} or any parent (or in the main checkout of its git repository).`,
    {
      suggestions: ['Run the command inside a spec-kitty project, or set one up with: spec-kitty init --here --ai claude'],
      details: { cwd },
    },
  );
}
