import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { createGitPort } from '@kitty/workflow';
import { parseMetadata, readMetadata, renderMetadata, serveDashboard, type ServeResult } from '../src/index.js';

afterAll(cleanupTempDirs);

const TOKEN = 'ab'.repeat(16);

function wp(id: string, lane: string): string {
  return `---\nwork_package_id: "${id}"\ntitle: "Part ${id}"\nlane: "${lane}"\nhistory: []\n---\n# ${id}\n\nHello <b>bold</b>.\n\n## Activity Log\n\n- 2026-01-01T00:00:00Z – system – lane=planned – created\n`;
}

/** A project on disk (no git): `.kittify/` and feature 001-a with two work packages. */
function project(): string {
  const root = tempDir({}, 'kitty-dash-lib-');
  mkdirSync(path.join(root, '.kittify'));
  const tasks = path.join(root, 'kitty-specs', '001-a', 'tasks');
  mkdirSync(tasks, { recursive: true });
  writeFileSync(path.join(tasks, 'WP01-one.md'), wp('WP01', 'planned'));
  writeFileSync(path.join(tasks, 'WP02-two.md'), wp('WP02', 'for_review'));
  return root;
}

function get(port: number, p: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: p, agent: false, headers: { Connection: 'close', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(root: string, cwd = root) {
  const stop = new AbortController();
  let port = 0;
  let done: Promise<ServeResult> = Promise.resolve({ reason: 'signal', port: 0 });
  const listening = new Promise<void>((resolve) => {
    done = serveDashboard({
      cwd,
      env: {},
      git: createGitPort({ env: {} }),
      now: () => new Date('2026-02-01T00:00:00Z'),
      homeDir: path.join(root, '.home'),
      token: TOKEN,
      port: 0,
      pid: process.pid,
      signal: stop.signal,
      debounceMs: 10,
      onListening: (i) => {
        port = i.port;
        resolve();
      },
    });
  });
  await listening;
  return { port: () => port, stop, done: () => done };
}

describe('metadata file', () => {
  it('round-trips the four lines and refuses anything else', () => {
    const m = { url: 'http://127.0.0.1:9237', port: 9237, token: TOKEN, pid: 42 };
    expect(parseMetadata(renderMetadata(m))).toEqual(m);
    expect(parseMetadata('http://127.0.0.1:9237\n9237\n')).toBeNull();
    expect(parseMetadata('http://evil.example:9237\n9237\nabab\n42\n')).toBeNull();
    expect(parseMetadata(`http://127.0.0.1:9237\n99999\n${TOKEN}\n42\n`)).toBeNull();
    expect(parseMetadata(`http://127.0.0.1:9237\n9237\nnot-hex\n42\n`)).toBeNull();
    expect(parseMetadata(`http://127.0.0.1:9237\n9237\n${TOKEN}\n-1\n`)).toBeNull();
  });
});

describe('serveDashboard (in process, real HTTP on 127.0.0.1)', () => {
  it('writes the metadata, serves the board, pushes a file change, and stops with the token only', async () => {
    const root = project();
    const s = await serve(root);
    const port = s.port();
    expect(readMetadata(root).metadata).toEqual({ url: `http://127.0.0.1:${port}`, port, token: TOKEN, pid: process.pid });

    const kanban = await get(port, '/api/kanban/001-a');
    expect(kanban.body.by_lane).toMatchObject({ planned: 1, for_review: 1 });
    const wpDetail = await get(port, '/api/wp/001-a/WP01');
    expect(wpDetail.body.html).toContain('Hello &lt;b&gt;bold&lt;/b&gt;.');
    expect(wpDetail.body.html).not.toContain('<b>');

    // The event stream: a prompt file's lane edited on disk arrives as a feature event.
    const received: string[] = [];
    const streamReq = request({ host: '127.0.0.1', port, path: '/api/events', agent: false }, (res) =>
      res.on('data', (d: Buffer) => received.push(d.toString())),
    );
    streamReq.on('error', () => {});
    streamReq.end();
    for (let i = 0; i < 200 && !received.join('').includes('event: hello'); i++) await new Promise((r) => setTimeout(r, 25));
    writeFileSync(path.join(root, 'kitty-specs/001-a/tasks/WP01-one.md'), wp('WP01', 'done'));
    for (let i = 0; i < 400 && !received.join('').includes('"done":1'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(received.join('')).toContain('event: feature');
    expect(received.join('')).toContain('"done":1');

    expect((await get(port, '/api/shutdown')).status).toBe(403);
    expect((await get(port, '/api/features', { Host: 'example.com' })).status).toBe(403);
    expect((await get(port, `/api/shutdown?token=${TOKEN}`)).body).toEqual({ status: 'stopping' });
    expect(await s.done()).toEqual({ reason: 'shutdown', port });
    expect(existsSync(path.join(root, '.kittify/.dashboard'))).toBe(false);
    streamReq.destroy();
  });

  it('serves the main checkout when started below it, and stops on its abort signal', async () => {
    const root = project();
    const s = await serve(root, path.join(root, 'kitty-specs', '001-a', 'tasks'));
    expect((await get(s.port(), '/api/health')).body).toMatchObject({ status: 'ok', project_path: root });
    const page = await get(s.port(), '/');
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('<script src="/app.js" defer></script>');
    s.stop.abort();
    expect((await s.done()).reason).toBe('signal');
    expect(readFileSync(path.join(root, 'kitty-specs/001-a/tasks/WP01-one.md'), 'utf8')).toBe(wp('WP01', 'planned'));
  });

  it('refuses a port already in use', async () => {
    const root = project();
    const s = await serve(root);
    await expect(
      serveDashboard({
        cwd: root,
        env: {},
        git: createGitPort({ env: {} }),
        now: () => new Date(0),
        homeDir: root,
        token: TOKEN,
        port: s.port(),
        pid: 1,
      }),
    ).rejects.toMatchObject({ code: 'PORT_IN_USE' });
    s.stop.abort();
    await s.done();
  });
});
