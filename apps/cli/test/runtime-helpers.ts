import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@kitty/test-utils';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(repo, 'apps/cli/bin/run.js');
const assets = path.join(repo, 'packages/runtime-resolver/assets');

/** One finished CLI run. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI asynchronously (so several can run at once) with HOME set to `user` and no runtime env vars. */
export function spawnCli(args: readonly string[], options: { cwd: string; user: string; env?: Record<string, string> }): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: options.user, USERPROFILE: options.user, NO_COLOR: '1', ...options.env };
  if (options.env?.['SPEC_KITTY_HOME'] === undefined) delete env['SPEC_KITTY_HOME'];
  delete env['SPECIFY_REPO_ROOT'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** The text of a package default by its path under packages/runtime-resolver/assets. */
export function defaultText(rel: string): string {
  return readFileSync(path.join(assets, ...rel.split('/')), 'utf8');
}

/** A temp user home directory and a 1.x-style project (stock copies plus the given customisations). */
export function legacySandbox(custom: Record<string, string> = {}): { user: string; project: string } {
  const tree: Record<string, string> = { '.kittify/config.yaml': 'agents:\n  available: [claude]\n' };
  for (const n of ['spec-template.md', 'plan-template.md', 'tasks-template.md', 'task-prompt-template.md']) {
    tree[`.kittify/templates/${n}`] = defaultText(`missions/software-dev/templates/${n}`);
    tree[`.kittify/missions/software-dev/templates/${n}`] = defaultText(`missions/software-dev/templates/${n}`);
  }
  for (const n of ['specify.md', 'plan.md', 'tasks.md', 'implement.md', 'review.md']) {
    tree[`.kittify/templates/command-templates/${n}`] = defaultText(`command-templates/${n}`);
  }
  tree['.kittify/missions/software-dev/mission.yaml'] = defaultText('missions/software-dev/mission.yaml');
  tree['.kittify/missions/research/mission.yaml'] = defaultText('missions/research/mission.yaml');
  return { user: tempDir({}, 'kitty-user-'), project: tempDir({ ...tree, ...custom }, 'kitty-proj-') };
}

/** Every file and folder under `root` with its bytes (base64), for byte-for-byte comparisons. */
export function snapshot(root: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      if (skip(r)) continue;
      if (statSync(abs).isDirectory()) {
        out[`${r}/`] = '<dir>';
        walk(abs, r);
      } else out[r] = readFileSync(abs).toString('base64');
    }
  };
  walk(root, '');
  return out;
}

/** The non-empty lines of a text. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}
