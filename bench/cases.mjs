// The benchmark cases. Each one prepares what it needs in a sandbox (untimed), then times process spawns of the
// built CLI (or, for queue throughput, library calls) and returns samples. A case whose command or server does
// not exist in this checkout reports "not available yet" with the reason instead of a number.
import path from 'node:path';
import { since } from './lib/measure.mjs';
import { fillQueue, loadQueueLibs, makeDrafts } from './lib/queue-fill.mjs';
import { copyProject, writeTasks, writeBigProject } from './lib/project.mjs';
import { firstPaintUnavailable, loadChromium } from './lib/browser.mjs';
import { createSandbox } from './lib/sandbox.mjs';
import { ingestUnavailable, startIngest } from './lib/ingest.mjs';
import { scalingCases } from './scaling.mjs';

/** Work packages in the bench feature (list-tasks, move-task, planning flow). */
export const WP_COUNT = 20;
/** Events queued for `sync status`. */
export const STATUS_EVENTS = 100_000;
/** Events sent by one `sync now`. */
export const SYNC_EVENTS = 10_000;
/** Features × work packages of the dashboard first-paint case. */
export const DASHBOARD_FEATURES = 50;
export const DASHBOARD_WPS = 30;

export const FEATURE = '001-bench-feature';

/**
 * The i-th (0-based) work package without dependencies: WP01, WP02, WP04, WP05, … (tasksMd makes every third
 * one depend on the one before, and moving that one before its dependency is done is refused).
 */
export const freeWp = (i) => `WP${String(Math.floor(i / 2) * 3 + (i % 2) + 1).padStart(2, '0')}`;
/** How many work packages of `wps` have no dependencies. */
export const freeWpCount = (wps) => wps - Math.floor(wps / 3);

/** Shared state of one bench run: sandboxes and the server are created on first use and reused. */
export function createContext(bench) {
  const memo = new Map();
  const once = (key, make) => {
    if (!memo.has(key)) memo.set(key, make());
    return memo.get(key);
  };

  /** Runs the CLI untimed for set-up; throws with the CLI's own message when it fails. */
  const kitty = async (sb, args, { cwd = sb.home, input } = {}) => {
    const r = await bench.run(process.execPath, [bench.cli, ...args], { cwd, env: sb.env, input, timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`set-up step \`spec-kitty ${args.join(' ')}\` failed: ${bench.describe(r)}`);
    return r;
  };

  const commandExists = (id) =>
    once(`cmd:${id}`, async () => {
      const sb = await once('plain', async () => createSandbox('plain'));
      const r = await bench.run(process.execPath, [bench.cli, ...id.split(' '), '--help'], { cwd: sb.home, env: sb.env, timeoutMs: 60_000 });
      return r.code === 0;
    });

  const server = () =>
    once('server', async () => {
      const why = ingestUnavailable(bench.root);
      if (why) return { unavailable: why };
      const s = await startIngest(bench.root);
      bench.onCleanup(() => s.stop());
      return s;
    });

  /** A HOME with sync pointed at the reference server and a real `auth login`. */
  const syncHome = async (name) => {
    const s = await server();
    if (s.unavailable) return s;
    const sb = createSandbox(name);
    await kitty(sb, ['sync', 'server', s.url]);
    await kitty(sb, ['auth', 'login', '-u', s.user, '--password-stdin'], { input: `${s.password}\n` });
    return { sb, server: s, scope: { serverUrl: s.url, username: s.user } };
  };

  /** An initialised project (init --ai claude) in a sync-enabled HOME, kept as a template to copy. */
  const initProject = () =>
    once('init', async () => {
      const h = await syncHome('project');
      const sb = h.sb ?? createSandbox('project');
      const dir = sb.dir('template');
      await bench.mkdir(dir);
      await kitty(sb, ['init', '--here', '--ai', 'claude', '--non-interactive', '--json'], { cwd: dir });
      return { sb, dir, syncEnabled: !h.unavailable };
    });

  /** A project with feature 001 planned into WP_COUNT work packages by the real planning commands. */
  const featureProject = () =>
    once('feature', async () => {
      const t = await initProject();
      const dir = copyProject(t.dir, t.sb.dir('feature'));
      await planFeature(t.sb, dir);
      return { sb: t.sb, dir };
    });

  const planFeature = async (sb, dir, wps = WP_COUNT) => {
    await kitty(sb, ['agent', 'feature', 'create-feature', 'bench-feature', '--json'], { cwd: dir });
    await kitty(sb, ['agent', 'feature', 'setup-plan', '--json'], { cwd: dir });
    writeTasks(path.join(dir, 'kitty-specs', FEATURE), wps);
    await kitty(sb, ['agent', 'feature', 'finalize-tasks', '--json'], { cwd: dir });
  };

  return { kitty, commandExists, server, syncHome, initProject, featureProject, planFeature, once };
}

/** A spawn case: `args` run in `cwd()` with the sandbox env; `check(result)` returns an error text or null. */
export function cliCase(id, title, { prepare, args, goal, check, runs, env = {}, compare = false, scaling = false, base }) {
  return {
    id,
    title,
    goal,
    compare,
    scaling,
    base,
    async run(bench, ctx) {
      const p = await prepare(bench, ctx);
      if (p.unavailable) return { unavailable: p.unavailable };
      const argsOf = (i) => (typeof args === 'function' ? args(i, p) : args);
      return bench.sampleSpawns({
        runs: runs?.(bench) ?? bench.runs,
        next: (i) => ({ args: [bench.cli, ...argsOf(i)], cwd: p.cwd, env: { ...p.env, ...env } }),
        // A read command: the incumbent reads the same project.
        incumbentNext: compare ? null : (i) => ({ args: argsOf(i), cwd: p.cwd, env: p.env }),
        check: check ?? null,
      });
    },
  };
}

export const jsonOf = (r) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    return null;
  }
};

const plain = async (bench, ctx) => {
  const sb = await ctx.once('plain', async () => createSandbox('plain'));
  return { cwd: sb.home, env: sb.env };
};

export const inFeature = async (bench, ctx) => {
  const f = await ctx.featureProject();
  return { cwd: f.dir, env: f.sb.env };
};

export const needsCommand = (id, prepare) => async (bench, ctx) => {
  if (!(await ctx.commandExists(id))) return { unavailable: `\`spec-kitty ${id}\` does not exist in this build yet` };
  return prepare(bench, ctx);
};

/** Every case, in the order they run and print. */
export function allCases() {
  return [
    cliCase('version', 'spec-kitty --version', { prepare: plain, args: ['--version'], goal: { ratio: 1.4 } }),
    cliCase('help', 'spec-kitty --help', {
      prepare: plain,
      args: ['--help'],
      goal: { ratio: 1.6 },
      check: (r) => (/TOPICS[\s\S]*sync[\s\S]*COMMANDS/.test(r.stdout) ? null : 'help output lacks the topics/commands lists'),
    }),
    cliCase('version-unbundled', 'spec-kitty --version (plugin path, SPEC_KITTY_NO_BUNDLE=1)', {
      prepare: plain,
      args: ['--version'],
      env: { SPEC_KITTY_NO_BUNDLE: '1' },
      compare: true,
    }),
    cliCase('help-unbundled', 'spec-kitty --help (plugin path, SPEC_KITTY_NO_BUNDLE=1)', {
      prepare: plain,
      args: ['--help'],
      env: { SPEC_KITTY_NO_BUNDLE: '1' },
      compare: true,
    }),
    cliCase('check-prerequisites', `agent feature check-prerequisites --include-tasks --json (${WP_COUNT} WPs)`, {
      prepare: inFeature,
      args: ['agent', 'feature', 'check-prerequisites', '--include-tasks', '--json'],
      goal: { ratio: 1.8 },
      check: (r) => (jsonOf(r)?.valid === true ? null : 'expected {"valid": true}'),
    }),
    cliCase('list-tasks', `agent tasks list-tasks --json (${WP_COUNT} WPs)`, {
      prepare: needsCommand('agent tasks list-tasks', inFeature),
      args: ['agent', 'tasks', 'list-tasks', '--feature', FEATURE, '--json'],
      goal: { ratio: 1.8 },
      check: (r) => {
        const j = jsonOf(r);
        return j && Array.isArray(j.tasks) && j.tasks.length === WP_COUNT ? null : `expected ${WP_COUNT} tasks in {"tasks": [...]}`;
      },
    }),
    {
      id: 'move-task',
      title: 'agent tasks move-task WPnn --to claimed --json (git commit + enqueue)',
      goal: { ratio: 2.2 },
      async run(bench, ctx) {
        if (!(await ctx.commandExists('agent tasks move-task'))) return { unavailable: '`spec-kitty agent tasks move-task` does not exist in this build yet' };
        const f = await ctx.featureProject();
        // One fresh work package per run (WP01, WP02, WP04, …), each moved planned → claimed once; the incumbent moves
        // the same ones in its own copy of the project.
        const runs = Math.min(bench.runs, freeWpCount(WP_COUNT) - bench.warmup);
        const theirs = bench.incumbent ? copyProject(f.dir, f.sb.dir('feature-incumbent')) : null;
        const moveArgs = (i) => ['agent', 'tasks', 'move-task', freeWp(i), '--to', 'claimed', '--agent', 'bench', '--feature', FEATURE, '--json'];
        return bench.sampleSpawns({
          runs,
          next: (i) => ({ args: [bench.cli, ...moveArgs(i)], cwd: f.dir, env: f.sb.env }),
          incumbentNext: (i) => ({ args: moveArgs(i), cwd: theirs, env: f.sb.env }),
          check: (r) => (r.code === 0 && jsonOf(r) ? null : 'expected exit 0 and one JSON document'),
        });
      },
    },
    ...scalingCases(),
    {
      id: 'planning-flow',
      title: `planning flow: create-feature → setup-plan → (write ${WP_COUNT} WPs) → finalize-tasks`,
      async run(bench, ctx) {
        const t = await ctx.initProject();
        const runs = Math.max(3, Math.ceil(bench.runs / 2));
        return bench.sampleSteps({
          runs,
          prepare: (i) => copyProject(t.dir, t.sb.dir(`flow-${i}`)),
          steps: (dir) => [
            { args: [bench.cli, 'agent', 'feature', 'create-feature', 'bench-feature', '--json'], cwd: dir, env: t.sb.env },
            { args: [bench.cli, 'agent', 'feature', 'setup-plan', '--json'], cwd: dir, env: t.sb.env },
            { before: () => writeTasks(path.join(dir, 'kitty-specs', FEATURE), WP_COUNT) },
            { args: [bench.cli, 'agent', 'feature', 'finalize-tasks', '--json'], cwd: dir, env: t.sb.env },
          ],
          check: (results) => {
            const fin = jsonOf(results.at(-1));
            return fin?.updated_wp_count === WP_COUNT ? null : `finalize-tasks did not update ${WP_COUNT} work packages`;
          },
          note: t.syncEnabled ? 'sync enabled: events queued' : 'sync not configured (no reference server)',
        });
      },
    },
    {
      id: 'sync-status-100k',
      title: `sync status --json with ${STATUS_EVENTS.toLocaleString('en')} queued events`,
      goal: { ms: 250 },
      async run(bench, ctx) {
        const h = await ctx.syncHome('status');
        if (h.unavailable) return { unavailable: h.unavailable };
        const fill = await fillQueue(bench.root, { homeDir: h.sb.home, scope: h.scope, n: STATUS_EVENTS });
        bench.log(`  (queued ${fill.depth.toLocaleString('en')} events in ${(fill.ms / 1000).toFixed(1)} s)`);
        return bench.sampleSpawns({
          runs: bench.runs,
          next: () => ({ args: [bench.cli, 'sync', 'status', '--json'], cwd: h.sb.home, env: h.sb.env }),
          // A queue this deep is over 80% of its capacity, which sync status reports as unhealthy (exit 1).
          exitCodes: [0, 1],
          check: (r) => {
            const depth = jsonOf(r)?.queue?.stats?.depth;
            return depth === STATUS_EVENTS ? null : `expected queue depth ${STATUS_EVENTS}, got ${depth}`;
          },
        });
      },
    },
    {
      id: 'sync-now-10k',
      title: `sync now --json: ${SYNC_EVENTS.toLocaleString('en')} queued events to the reference server on loopback`,
      goal: { ms: 1000 },
      async run(bench, ctx) {
        const h = await ctx.syncHome('now');
        if (h.unavailable) return { unavailable: h.unavailable };
        const runs = Math.max(3, Math.ceil(bench.runs / 2));
        return bench.sampleSpawns({
          runs,
          warmup: Math.min(1, bench.warmup),
          timeoutMs: 180_000,
          // Fresh event ids for every run: the server answers a re-sent id as a duplicate.
          before: async () => {
            const f = await fillQueue(bench.root, { homeDir: h.sb.home, scope: h.scope, n: SYNC_EVENTS });
            if (f.depth !== SYNC_EVENTS) throw new Error(`expected ${SYNC_EVENTS} queued events before sync now, found ${f.depth}`);
          },
          next: () => ({ args: [bench.cli, 'sync', 'now', '--json'], cwd: h.sb.home, env: h.sb.env }),
          check: (r) => {
            const j = jsonOf(r);
            return j?.synced === SYNC_EVENTS && j?.remaining === 0 ? null : `expected synced ${SYNC_EVENTS}, remaining 0; got ${r.stdout.slice(0, 200)}`;
          },
        });
      },
    },
    {
      id: 'dashboard-first-paint',
      title: `dashboard first paint: ${DASHBOARD_FEATURES} features × ${DASHBOARD_WPS} work packages (${(DASHBOARD_FEATURES * DASHBOARD_WPS).toLocaleString('en')}), cold server, headless Chromium`,
      goal: { ms: 1000 },
      async run(bench, ctx) {
        if (!(await ctx.commandExists('dashboard'))) return { unavailable: '`spec-kitty dashboard` does not exist in this build yet' };
        const why = firstPaintUnavailable(bench.root);
        if (why) return { unavailable: why };
        const sb = createSandbox('dashboard');
        const dir = sb.dir('project');
        writeBigProject(dir, DASHBOARD_FEATURES, DASHBOARD_WPS);
        const browser = await loadChromium(bench.root);
        bench.onCleanup(() => browser.close());
        const kittyIn = async (args) => {
          const r = await bench.run(process.execPath, [bench.cli, ...args], { cwd: dir, env: sb.env, timeoutMs: 120_000 });
          if (r.code !== 0) throw new Error(`set-up step \`spec-kitty ${args.join(' ')}\` failed: ${bench.describe(r)}`);
          return r;
        };
        const stop = () => bench.run(process.execPath, [bench.cli, 'dashboard', '--kill', '--json'], { cwd: dir, env: sb.env, timeoutMs: 60_000 });
        bench.onCleanup(stop);
        const samples = [];
        const runs = Math.max(3, Math.ceil(bench.runs / 2));
        for (let i = 0; i < bench.warmup + runs; i += 1) {
          // A fresh server each run (untimed): the page's first load is the cold path (every file read once).
          await stop();
          const started = await kittyIn(['dashboard', '--json']);
          const { url } = JSON.parse(started.stdout);
          const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
          try {
            const page = await context.newPage();
            await page.goto(`${url}/#/feature/${String(DASHBOARD_FEATURES).padStart(3, '0')}-feature-${DASHBOARD_FEATURES}`);
            await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
            const cards = await page.locator('.card').count();
            const features = await page.locator('.feat').count();
            if (cards !== DASHBOARD_WPS || features !== DASHBOARD_FEATURES) return { error: `expected ${DASHBOARD_FEATURES} features and ${DASHBOARD_WPS} cards, saw ${features} and ${cards}` };
            // From navigation start to the board drawn with every feature listed (the page records it).
            const ms = await page.evaluate(() => globalThis.__kittyFirstPaint);
            if (i >= bench.warmup) samples.push(ms);
          } finally {
            await context.close();
          }
        }
        await stop();
        return { samples, note: 'navigation start → board rendered (performance.now() when the page is ready)' };
      },
    },
    {
      id: 'enqueue',
      title: 'queue enqueue throughput (library, file queue): enqueueMany ×1,000 and single enqueue',
      inProcess: true,
      async run(bench) {
        const { queue, events } = await loadQueueLibs(bench.root);
        const many = [];
        const single = [];
        const runs = Math.max(3, Math.ceil(bench.runs / 2));
        for (let i = 0; i < runs + 1; i += 1) {
          const sb = createSandbox('enqueue');
          const q = await queue.openQueue({ homeDir: sb.home, now: () => new Date() });
          try {
            const chunks = Array.from({ length: 10 }, () => makeDrafts(events, 1000));
            let t0 = process.hrtime.bigint();
            for (const c of chunks) await q.enqueueMany(c);
            const m = since(t0);
            const ones = makeDrafts(events, 500);
            t0 = process.hrtime.bigint();
            for (const d of ones) await q.enqueue(d);
            const s = since(t0);
            if (i > 0) {
              many.push(10_000 / (m / 1000));
              single.push(500 / (s / 1000));
            }
          } finally {
            await q.close();
          }
        }
        return { throughput: { enqueueMany: many, enqueue: single } };
      },
    },
  ];
}
