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
  const branches = git(['for-each-ref', '--format=%(refname:short)', 'refs/heads/*-WP*']).split('\n').filter((b) => b !== '');
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
  return (section ?? '').split('\n').slice(1).filter((l) => l.trim() !== '');
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
  const [, ...rows] = readFileSync(path.join(reference, 'outputs', 'INDEX.tsv'), 'utf8').trim().split('\n');
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

/**
 * Differences between an incumbent document and kitty's: every key the incumbent prints must be in kitty's
 * output with the same JSON type (recursively through objects; array items are compared with kitty's first
 * item). `null` in the incumbent accepts anything (it prints null for "none yet"); kitty may print null where
 * the incumbent printed a value only when `nullable` lists the key. An incumbent `error` string must be
 * reachable in kitty's output as `error.message` (structured errors stay).
 */
export function shapeDiff(incumbent: unknown, kitty: unknown, at = '', nullable: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  if (incumbent === null) return out;
  const ti = jsonType(incumbent);
  const tk = jsonType(kitty);
  if (at === 'error' && ti === 'string') {
    if (tk === 'object' && typeof (kitty as Record<string, unknown>)['message'] === 'string') return out;
    return [`${at}: the incumbent's error text must be reachable as error.message; got ${tk}`];
  }
  if (kitty === null && nullable.has(at)) return out;
  if (ti !== tk) return [`${at || '(document)'}: incumbent ${ti}, kitty ${tk}`];
  if (ti === 'object') {
    const i = incumbent as Record<string, unknown>;
    const k = kitty as Record<string, unknown>;
    for (const key of Object.keys(i)) {
      const p = at === '' ? key : `${at}.${key}`;
      if (!(key in k)) out.push(`${p}: missing in kitty's output`);
      else out.push(...shapeDiff(i[key], k[key], p, nullable));
    }
  } else if (ti === 'array') {
    const i = incumbent as unknown[];
    const k = kitty as unknown[];
    if (i.length > 0 && k.length > 0) out.push(...shapeDiff(i[0], k[0], `${at}[]`, nullable));
  }
  return out;
}
