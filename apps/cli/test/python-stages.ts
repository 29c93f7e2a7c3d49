import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonReferenceDir } from '@kitty/test-utils';

/** `../shared/reference/python-2.0.0` (what the Python spec-kitty 2.0.0 wrote and printed; never copied here). */
export const reference = pythonReferenceDir(path.dirname(fileURLToPath(import.meta.url)));

export type Stage = 'a' | 'b' | 'c' | 'd';
export const STAGES: readonly Stage[] = ['a', 'b', 'c', 'd'];

const gitEnv = (home: string): NodeJS.ProcessEnv => ({
  ...process.env,
  HOME: home,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: path.join(home, 'gitconfig'),
  GIT_AUTHOR_NAME: 'Py Tester',
  GIT_AUTHOR_EMAIL: 'py@example.com',
  GIT_COMMITTER_NAME: 'Py Tester',
  GIT_COMMITTER_EMAIL: 'py@example.com',
});

/**
 * Restores a Python project stage on disk exactly as the fixture README's recipe does: `git init` + fetch of the
 * bundle's branches, the local `.worktrees/` exclude, one sparse worktree per `*-WP*` branch (kitty-specs/
 * excluded, as Python's implement makes them), then the working-tree tarball (untracked, modified and ignored
 * files as Python left them). Returns the project directory (named `orbit-notes`).
 */
export function restoreStage(stage: Stage, parent: string, home: string): string {
  const project = path.join(parent, 'orbit-notes');
  rmSync(project, { recursive: true, force: true });
  mkdirSync(project, { recursive: true });
  const env = gitEnv(home);
  const git = (args: string[], cwd = project): string => execFileSync('git', args, { cwd, env, encoding: 'utf8', timeout: 30_000 });
  git(['init', '-q', '-b', 'main']);
  git(['config', 'user.name', 'Py Tester']);
  git(['config', 'user.email', 'py@example.com']);
  git(['fetch', '-q', '--update-head-ok', path.join(reference, 'projects', `stage-${stage}.bundle`), 'refs/heads/*:refs/heads/*']);
  git(['reset', '-q', '--hard', 'main']);
  appendFileSync(path.join(project, '.git/info/exclude'), '\n# Added by spec-kitty (local exclusions)\n.worktrees/\n');
  const branches = git(['for-each-ref', '--format=%(refname:short)', 'refs/heads/*-WP*'])
    .split('\n')
    .filter((b) => b !== '');
  for (const b of branches) {
    const wt = path.join(project, '.worktrees', b);
    git(['worktree', 'add', '-q', `.worktrees/${b}`, b]);
    git(['config', 'core.sparseCheckout', 'true'], wt);
    git(['config', 'core.sparseCheckoutCone', 'false'], wt);
    const adm = path.resolve(wt, git(['rev-parse', '--git-dir'], wt).trim());
    mkdirSync(path.join(adm, 'info'), { recursive: true });
    writeFileSync(path.join(adm, 'info/sparse-checkout'), '/*\n!/kitty-specs/\n!/kitty-specs/**\n');
    git(['read-tree', '-mu', 'HEAD'], wt);
    rmSync(path.join(wt, 'kitty-specs'), { recursive: true, force: true });
    appendFileSync(path.join(adm, 'info/exclude'), '# Excluded via sparse-checkout\nkitty-specs/\n');
  }
  execFileSync('tar', ['-xzf', path.join(reference, 'projects', `stage-${stage}.worktree.tar.gz`)], { cwd: project, timeout: 30_000 });
  return project;
}

/** `git status --porcelain=v1 -uall` of the main repository, as the first section of `stage-X.git-state.txt` lists it. */
export function recordedStatus(stage: Stage): string[] {
  const text = readFileSync(path.join(reference, 'projects', `stage-${stage}.git-state.txt`), 'utf8');
  const section = text.split('\n## ').find((sec) => sec.startsWith('git status --porcelain=v1 -uall  (main repo'));
  return (section ?? '')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '');
}

/** One row of `outputs/INDEX.tsv`. */
export interface OutputRow {
  readonly file: string;
  readonly stage: string;
  readonly cwd: string;
  readonly rc: number;
  readonly stdoutIs: string;
  readonly command: string;
}

export function outputIndex(): OutputRow[] {
  const [, ...rows] = readFileSync(path.join(reference, 'outputs', 'INDEX.tsv'), 'utf8')
    .trim()
    .split('\n');
  return rows.map((r) => {
    const [file, stage, cwd, rc, stdoutIs, command] = r.split('\t') as [string, string, string, string, string, string];
    return { file, stage, cwd, rc: Number(rc), stdoutIs, command };
  });
}

/** The recorded stdout's JSON documents (a `json-lines(2)` file holds two; a `mixed` one has a text line first). */
export function recordedJson(file: string): Array<Record<string, unknown>> {
  const text = readFileSync(path.join(reference, 'outputs', file), 'utf8');
  try {
    return [JSON.parse(text) as Record<string, unknown>];
  } catch {
    return text
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }
}

/** JSON type names as Python's json module distinguishes them (int vs float is not distinguishable in JSON text). */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return 'number';
  return typeof v;
}

/** How a string names a path: absolute (the incumbent's `{{PROJECT_ROOT}}/…`), relative with a directory, or null. */
function pathShape(v: string, incumbent: boolean): 'absolute' | 'relative' | null {
  if (incumbent ? v.startsWith('{{PROJECT_ROOT}}') : v.startsWith('/')) return 'absolute';
  if (/^(?:\.worktrees|kitty-specs|\.kittify)\//.test(v)) return 'relative';
  return null;
}

/** Keys whose value is a map with data-dependent keys (lane names…): only the value types are compared. */
const MAPS = new Set(['by_lane', 'lanes']);

/**
 * Differences between an incumbent document and kitty's: every key the incumbent prints must be in kitty's
 * output with the same JSON type (recursively; array items pairwise when both have the same length, else the
 * first). `null` in the incumbent accepts anything (it prints null for "none yet"). A path the incumbent prints
 * absolute must be absolute in kitty's output, a relative one relative. An incumbent `error` string must be
 * reachable in kitty's output as `error.message` (structured errors stay); the incumbent's other error keys
 * may sit in kitty's `error.details` (`error_code` is `error.code`).
 */
export function shapeDiff(incumbent: unknown, kitty: unknown, at = ''): string[] {
  const out: string[] = [];
  if (incumbent === null) return out;
  const ti = jsonType(incumbent);
  const tk = jsonType(kitty);
  const key = at.split('.').pop() ?? '';
  if (key === 'error' && ti === 'string') {
    if (tk === 'object' && typeof (kitty as Record<string, unknown>)['message'] === 'string') return out;
    return [`${at}: the incumbent's error text must be reachable as error.message; got ${tk}`];
  }
  if (ti !== tk) return [`${at || '(document)'}: incumbent ${ti}, kitty ${tk}`];
  if (ti === 'string') {
    const pi = pathShape(incumbent as string, true);
    const pk = pathShape(kitty as string, false);
    if (pi !== null && pi !== pk) out.push(`${at}: incumbent prints an ${pi} path (${String(incumbent)}), kitty ${String(kitty)}`);
    if (key === 'file' && !(incumbent as string).includes('/') && (kitty as string).includes('/'))
      out.push(`${at}: incumbent prints a file name, kitty a path (${String(kitty)})`);
  } else if (ti === 'object') {
    const i = incumbent as Record<string, unknown>;
    const k = kitty as Record<string, unknown>;
    const err = at === '' && typeof i['error'] === 'string' ? (k['error'] as Record<string, unknown> | undefined) : undefined;
    const details = (err?.['details'] ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(i)) {
      const p = at === '' ? name : `${at}.${name}`;
      if (MAPS.has(name) && jsonType(i[name]) === 'object' && jsonType(k[name]) === 'object') {
        const vi = Object.values(i[name] as Record<string, unknown>);
        const vk = Object.values(k[name] as Record<string, unknown>);
        if (vi.length > 0 && vk.length > 0) out.push(...shapeDiff(vi[0], vk[0], `${p}.*`));
        continue;
      }
      if (name in k) out.push(...shapeDiff(i[name], k[name], p));
      else if (err !== undefined && name === 'error_code' && typeof err['code'] === 'string') continue;
      else if (err !== undefined && name in details) out.push(...shapeDiff(i[name], details[name], `error.details.${name}`));
      else out.push(`${p}: missing in kitty's output`);
    }
  } else if (ti === 'array') {
    const i = incumbent as unknown[];
    const k = kitty as unknown[];
    if (i.length === k.length) i.forEach((item, n) => out.push(...shapeDiff(item, k[n], `${at}[${n}]`)));
    else if (i.length > 0 && k.length > 0) out.push(...shapeDiff(i[0], k[0], `${at}[0]`));
  }
  return out;
}
