import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { expect } from '@jest/globals';
import { repoRoot } from './helpers.js';
import { json, shopProject, workflowSandbox } from './workflow-sandbox.js';

/** A project with feature 001-shop (`n` finalized work packages, WP02 depends on WP01) and an empty 002-empty. */
export async function dashboardProject(n = 4) {
  const sb = await shopProject(n, { prefix: 'kitty-dash-' });
  expect((await sb.kitty(['agent', 'feature', 'create-feature', 'empty', '--json'])).code).toBe(0);
  return sb;
}

/** `spec-kitty dashboard --json` in `cwd`: the started (or reused) dashboard. */
export async function startDashboard(
  sb: ReturnType<typeof workflowSandbox>,
  cwd = sb.project,
): Promise<{ url: string; port: number; pid: number; project_path: string; reused: boolean }> {
  const r = await sb.kitty(['dashboard', '--json'], { cwd });
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  return json(r) as { url: string; port: number; pid: number; project_path: string; reused: boolean };
}

/** One HTTP GET on loopback (no keep-alive), with optional extra headers; the body parsed as JSON when it is JSON. */
export function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: any; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { Connection: 'close', ...headers }, timeout: 20_000 }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        let body: unknown = null;
        try {
          body = JSON.parse(text);
        } catch {
          body = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** An open Server-Sent Events stream: every event received so far, and a bounded wait for one that matches. */
export function openEvents(url: string) {
  const events: Array<{ event: string; data: any }> = [];
  const waiters: Array<{ match: (e: { event: string; data: any }) => boolean; resolve: (e: { event: string; data: any }) => void }> = [];
  let buffer = '';
  let closeReq: () => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    const req = request(`${url}/api/events`, { agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data === '') continue;
          const e = { event, data: JSON.parse(data) };
          events.push(e);
          if (event === 'hello') resolve();
          for (const w of [...waiters]) {
            if (w.match(e)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(e);
            }
          }
        }
      });
    });
    req.on('error', reject);
    req.end();
    closeReq = () => req.destroy();
  });
  return {
    events,
    ready,
    /** Resolves with the first event (already received or coming) that matches; rejects after `ms`. */
    waitFor(match: (e: { event: string; data: any }) => boolean, ms = 20_000): Promise<{ event: string; data: any }> {
      const hit = events.find(match);
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { match, resolve: (e: { event: string; data: any }) => (clearTimeout(timer), resolve(e)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching event within ${ms} ms; got: ${events.map((e) => e.event).join(', ')}`));
        }, ms);
        waiters.push(w);
      });
    },
    close: () => closeReq(),
  };
}

/** Whether a process exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits (bounded) until `check` holds; returns whether it did. */
export async function until(check: () => boolean, ms = 15_000): Promise<boolean> {
  for (let t = 0; t < ms; t += 50) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** A work-package file with the incumbent's frontmatter, for projects written without the CLI. */
export function wpFile(id: string, title: string, lane: string, deps: readonly string[] = []): string {
  return `---\nwork_package_id: "${id}"\ntitle: "${title}"\nlane: "${lane}"\ndependencies: [${deps.map((d) => `"${d}"`).join(', ')}]\nsubtasks: []\nagent: ""\nhistory: []\n---\n# Work Package Prompt: ${id} – ${title}\n\n## Objectives\n\n${title}.\n\n## Activity Log\n\n- 2026-01-01T00:00:00Z – system – lane=planned – Prompt generated via /spec-kitty.tasks\n`;
}

/** Writes a feature directly (no CLI): `kitty-specs/<slug>/` with spec.md, tasks.md and `n` prompt files. */
export function writeFeature(project: string, slug: string, n: number, lanes: readonly string[] = ['planned']): string {
  const dir = path.join(project, 'kitty-specs', slug);
  mkdirSync(path.join(dir, 'tasks'), { recursive: true });
  writeFileSync(path.join(dir, 'spec.md'), `# ${slug}\n`);
  let tasks = `# Work Packages: ${slug}\n`;
  for (let i = 1; i <= n; i++) {
    const id = `WP${String(i).padStart(2, '0')}`;
    tasks += `\n## Work Package ${id}: Part ${i}\n\n### Included Subtasks\n- [${i % 2 === 0 ? 'x' : ' '}] T${String(i).padStart(3, '0')} Build part ${i}\n`;
    writeFileSync(
      path.join(dir, 'tasks', `${id}-part-${i}.md`),
      wpFile(id, `Part ${i}`, lanes[i % lanes.length] as string, i > 1 && i % 5 === 0 ? [`WP${String(i - 1).padStart(2, '0')}`] : []),
    );
  }
  writeFileSync(path.join(dir, 'tasks.md'), tasks);
  return dir;
}

/** A bare project (a git repository with `.kittify/`) for hand-written features. */
export function bareProject(sb: ReturnType<typeof workflowSandbox>): void {
  execFileSync('git', ['init', '-q', '-b', 'main', sb.project], { env: { ...process.env, ...sb.env }, timeout: 30_000 });
  mkdirSync(path.join(sb.project, '.kittify'), { recursive: true });
}

/** Where tests leave screenshots and other artifacts a person may want to look at. */
export const testOutputDir = path.join(repoRoot, 'apps/cli/test-output');

/** The system Chromium; the test set-up installs it when missing (Debian package `chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

/** Installs Chromium from the OS packages when it is missing (scripts/ensure-chromium.sh; bounded to 15 minutes). */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  execFileSync('bash', [path.join(repoRoot, 'scripts/ensure-chromium.sh')], { stdio: 'inherit', timeout: 15 * 60_000 });
}

/** Launch flags: headless, no sandbox (containers run as root), no network of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
