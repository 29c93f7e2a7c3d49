// The benchmark runner behind `pnpm bench` (scripts/bench.mjs): runs every case after a warm-up, interleaving a
// bare `node -e 0` before each timed run, and prints medians as ratios to the median `node -e 0` of this run,
// plus absolute medians. Writes the full result (samples, machine, load) to bench-results/.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { allCases, createContext } from './cases.mjs';
import { machineInfo, repoState } from './lib/machine.mjs';
import { describeFailure, median, range, since, timedSpawn } from './lib/measure.mjs';
import { cleanupSandboxes } from './lib/sandbox.mjs';

const USAGE = `Usage: pnpm bench [-- options]   (or: node scripts/bench.mjs [options])

Options:
  --runs N       timed runs per case after the warm-up (default 10; heavy cases use about half)
  --warmup N     untimed runs before the timed ones (default 2)
  --only IDS     comma-separated case ids to run (default: all but the comparison cases)
  --compare      also run the comparison cases (the unbundled plugin path)
  --incumbent CMD  also time another CLI (e.g. an installed Python spec-kitty: --incumbent 'spec-kitty') on the
                 same commands in pairs with ours; CMD is split on spaces, the case's arguments are appended
  --no-scaling   skip the scaling cases (20/200 features, 99 work packages, create-feature with 200)
  --no-build     do not run the build first
  --out FILE     where to write the JSON result (default bench-results/bench-<time>.json and latest.json)
  --list         list the case ids and exit
  -h, --help     this text`;

/** Parses the command line; throws a usage error for anything unknown. */
export function parseArgs(argv) {
  const o = { runs: 10, warmup: 2, only: null, compare: false, build: true, out: null, list: false, help: false, incumbent: null, scaling: true };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (v, min) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${a} needs a whole number >= ${min}; got ${v}`);
      return n;
    };
    if (a === '--') continue;
    else if (a === '--runs') o.runs = int(val(), 1);
    else if (a === '--warmup') o.warmup = int(val(), 0);
    else if (a === '--only') o.only = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--compare') o.compare = true;
    else if (a === '--incumbent') {
      o.incumbent = val().trim().split(/\s+/).filter(Boolean);
      if (o.incumbent.length === 0) throw new Error('--incumbent needs a command');
    } else if (a === '--no-scaling') o.scaling = false;
    else if (a === '--no-build') o.build = false;
    else if (a === '--out') o.out = val();
    else if (a === '--list') o.list = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const fmtMs = (ms) => (Number.isFinite(ms) ? (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`) : '-');
const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '-');

/** Runs the selected cases and returns the result document. */
export async function runBench(root, options, log = (s) => process.stdout.write(`${s}\n`)) {
  const cases = allCases().filter((c) => (options.only ? options.only.includes(c.id) : (options.compare || !c.compare) && (options.scaling || !c.scaling)));
  if (options.only) {
    const unknown = options.only.filter((id) => !allCases().some((c) => c.id === id));
    if (unknown.length > 0) throw new Error(`unknown case id(s): ${unknown.join(', ')} (see --list)`);
  }
  const cleanups = [];
  const baseline = [];
  const CASE_BUDGET_MS = 240_000;
  const bench = {
    root,
    cli: path.join(root, 'apps/cli/bin/run.js'),
    runs: options.runs,
    warmup: options.warmup,
    incumbent: options.incumbent,
    log,
    describe: describeFailure,
    mkdir: (d) => mkdir(d, { recursive: true }),
    onCleanup: (fn) => cleanups.push(fn),
    run: (cmd, args, opts) => timedSpawn(cmd, args, opts),
    /** One bare `node -e 0`, recorded as a baseline sample. */
    async baselineOnce(record) {
      const r = await timedSpawn(process.execPath, ['-e', '0'], { timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`node -e 0 failed: ${describeFailure(r)}`);
      if (record) baseline.push(r.ms);
      return r.ms;
    },
    /**
     * Times `warmup + runs` spawns of `next(i)`, each after a baseline spawn; stops early past the case budget.
     * Peak memory comes from the CLI itself (bin/run.js writes its maxRSS where SPEC_KITTY_BENCH_RSS_FILE says).
     * With --incumbent and `incumbentNext(i)` ({ args: the CLI arguments, cwd, env }), the other CLI runs the same
     * command right before or after ours (alternating), so both see the same load.
     */
    async sampleSpawns({ runs, next, incumbentNext = null, check = null, before = null, timeoutMs = 60_000, warmup = options.warmup, exitCodes = [0] }) {
      const samples = [];
      const rss = [];
      const inc = bench.incumbent && incumbentNext ? { samples: [], error: null } : null;
      const started = process.hrtime.bigint();
      const rssFile = path.join(os.tmpdir(), `kitty-bench-rss-${process.pid}`);
      for (let i = 0; i < warmup + runs; i += 1) {
        if (before) await before(i);
        const timed = i >= warmup;
        await bench.baselineOnce(timed);
        const ours = async () => {
          const spec = next(i);
          rmSync(rssFile, { force: true });
          const r = await timedSpawn(process.execPath, spec.args, { cwd: spec.cwd, env: { ...spec.env, SPEC_KITTY_BENCH_RSS_FILE: rssFile }, timeoutMs, input: spec.input });
          const bad = !exitCodes.includes(r.code) ? describeFailure(r) : check ? check(r) : null;
          if (bad) return `run ${i + 1}: ${bad}`;
          if (timed) {
            samples.push(r.ms);
            const kib = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : Number.NaN;
            if (Number.isFinite(kib)) rss.push(kib);
          }
          return null;
        };
        const theirs = async () => {
          if (!inc || inc.error) return;
          const spec = incumbentNext(i);
          const [cmd, ...pre] = bench.incumbent;
          const r = await timedSpawn(cmd, [...pre, ...spec.args], { cwd: spec.cwd, env: spec.env, timeoutMs, input: spec.input });
          if (!exitCodes.includes(r.code)) inc.error = `run ${i + 1}: ${describeFailure(r)}`;
          else if (timed) inc.samples.push(r.ms);
        };
        let bad;
        if (i % 2 === 1 && inc) {
          await theirs();
          bad = await ours();
        } else {
          bad = await ours();
          if (!bad) await theirs();
        }
        if (bad) return { error: bad };
        if (samples.length >= 3 && since(started) > CASE_BUDGET_MS) return { samples, rss, incumbent: inc, truncated: `stopped after ${samples.length} runs (case time budget)` };
      }
      rmSync(rssFile, { force: true });
      return { samples, rss, incumbent: inc };
    },
    /** Like sampleSpawns, but one sample is the sum of several spawns (a flow of commands). */
    async sampleSteps({ runs, prepare, steps, check, note, warmup = Math.min(1, options.warmup) }) {
      const samples = [];
      const started = process.hrtime.bigint();
      for (let i = 0; i < warmup + runs; i += 1) {
        const dir = prepare(i);
        const timed = i >= warmup;
        await bench.baselineOnce(timed);
        let total = 0;
        const results = [];
        for (const s of steps(dir)) {
          if (s.before) {
            s.before();
            continue;
          }
          const r = await timedSpawn(process.execPath, s.args, { cwd: s.cwd, env: s.env, timeoutMs: 60_000 });
          if (r.code !== 0) return { error: `run ${i + 1}, \`${s.args.slice(1).join(' ')}\`: ${describeFailure(r)}` };
          total += r.ms;
          results.push(r);
        }
        const bad = check(results);
        if (bad) return { error: `run ${i + 1}: ${bad}` };
        if (timed) samples.push(total);
        if (samples.length >= 3 && since(started) > CASE_BUDGET_MS) return { samples, note, truncated: `stopped after ${samples.length} runs (case time budget)` };
      }
      return { samples, note };
    },
  };

  const machineBefore = machineInfo();
  log(`kitty bench: ${machineBefore.cpuModel}, ${machineBefore.cores} cores, ${machineBefore.memoryGiB} GiB, node ${machineBefore.node}, load ${machineBefore.loadAverage.join(' ')}`);
  if (machineBefore.loadAverage[0] > machineBefore.cores) log(`  note: the machine is busy (1-min load ${machineBefore.loadAverage[0]} > ${machineBefore.cores} cores); absolute times will be high, ratios less so`);
  log(`runs ${options.runs} (+${options.warmup} warm-up) per case; each timed run follows a timed \`node -e 0\``);

  for (let i = 0; i < options.warmup + options.runs; i += 1) await bench.baselineOnce(i >= options.warmup);
  log(`baseline node -e 0: median ${fmtMs(median(baseline))} so far`);

  // Which entry bin/run.js takes: the bundle while it is fresh, else the plugins (slower). In a shared checkout a
  // concurrent build can make it stale mid-run; every case records what it ran against.
  const launch = path.join(root, 'apps/cli/dist/launch.js');
  const bundleState = async () => {
    if (!existsSync(launch)) return 'no launcher';
    const { freshBundleUrl } = await import(pathToFileURL(launch).href);
    return freshBundleUrl(path.join(root, 'apps/cli/dist/bundle'), {}) ? 'fresh' : 'stale or missing (plugin path)';
  };
  const initialBundle = await bundleState();
  log(`CLI entry: bundle ${initialBundle}`);

  const ctx = createContext(bench);
  const results = [];
  try {
    for (const c of cases) {
      log(`- ${c.id}: ${c.title}`);
      const t0 = process.hrtime.bigint();
      let out;
      try {
        out = await c.run(bench, ctx);
      } catch (err) {
        out = { error: err instanceof Error ? err.message : String(err) };
      }
      const bundleAfter = await bundleState();
      if (bundleAfter !== initialBundle) log(`  note: the bundle is now ${bundleAfter} (something rebuilt a package during this case)`);
      results.push({ c, out, elapsedMs: since(t0), bundle: bundleAfter });
      const line = out.unavailable
        ? `not available yet (${out.unavailable})`
        : out.error
          ? `FAILED: ${out.error}`
          : out.throughput
            ? Object.entries(out.throughput)
                .map(([k, v]) => `${k} ${Math.round(median(v)).toLocaleString('en')} events/s`)
                .join(', ')
            : `median ${fmtMs(median(out.samples))}`;
      log(`  ${line}`);
    }
  } finally {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
    cleanupSandboxes();
  }

  const base = median(baseline);
  const rows = results.map(({ c, out, elapsedMs, bundle }) => {
    const row = { id: c.id, title: c.title, elapsedMs: Math.round(elapsedMs), bundleAfter: bundle };
    if (out.unavailable) return { ...row, status: 'unavailable', reason: out.unavailable };
    if (out.error) return { ...row, status: 'failed', reason: out.error };
    if (out.throughput) {
      return {
        ...row,
        status: 'ok',
        throughput: Object.fromEntries(Object.entries(out.throughput).map(([k, v]) => [k, { medianEventsPerSecond: Math.round(median(v)), samples: v.map(Math.round) }])),
      };
    }
    const med = median(out.samples);
    const [min, max] = range(out.samples);
    const ratio = med / base;
    const goal = c.goal ?? null;
    // A scaling case compares with its base case (same command on the small project) of this run.
    const baseRow = c.base ? results.find((x) => x.c.id === c.base && x.out.samples?.length) : null;
    const vsBase = baseRow ? med / median(baseRow.out.samples) : null;
    const met =
      goal === null ? null : goal.ratio !== undefined ? ratio <= goal.ratio : goal.vsBase !== undefined ? (vsBase === null ? null : vsBase <= goal.vsBase) : med <= goal.ms;
    const inc = out.incumbent;
    const incMed = inc?.samples.length ? median(inc.samples) : null;
    return {
      ...row,
      status: 'ok',
      ...(c.base ? { base: c.base, vsBase: vsBase === null ? null : Math.round(vsBase * 100) / 100 } : {}),
      peakRssMiB: out.rss?.length ? Math.round((Math.max(...out.rss) / 1024) * 10) / 10 : null,
      ...(inc
        ? {
            incumbent: {
              command: options.incumbent.join(' '),
              medianMs: incMed === null ? null : Math.round(incMed * 10) / 10,
              ratio: incMed === null ? null : Math.round((incMed / base) * 100) / 100,
              speedup: incMed === null ? null : Math.round((incMed / med) * 100) / 100,
              samplesMs: inc.samples.map((x) => Math.round(x * 10) / 10),
              ...(inc.error ? { error: inc.error } : {}),
            },
          }
        : {}),
      runs: out.samples.length,
      medianMs: Math.round(med * 10) / 10,
      minMs: Math.round(min * 10) / 10,
      maxMs: Math.round(max * 10) / 10,
      ratio: Math.round(ratio * 100) / 100,
      goal,
      met,
      ...(out.note ? { note: out.note } : {}),
      ...(out.truncated ? { truncated: out.truncated } : {}),
      samplesMs: out.samples.map((x) => Math.round(x * 10) / 10),
    };
  });
  const machineAfter = machineInfo();
  return {
    tool: 'kitty bench',
    date: new Date().toISOString(),
    repo: repoState(root),
    machine: { ...machineBefore, loadAverageBefore: machineBefore.loadAverage, loadAverageAfter: machineAfter.loadAverage, loadAverage: undefined },
    options: { runs: options.runs, warmup: options.warmup, incumbent: options.incumbent?.join(' ') ?? null },
    cliEntry: { bundleAtStart: initialBundle },
    baseline: { command: 'node -e 0', medianMs: Math.round(base * 10) / 10, runs: baseline.length, samplesMs: baseline.map((x) => Math.round(x * 10) / 10) },
    cases: rows,
  };
}

/** The result as a plain-text table. */
export function formatTable(doc) {
  const goalText = (g) =>
    g === null || g === undefined ? '' : g.ratio !== undefined ? `<= ${g.ratio}x` : g.vsBase !== undefined ? `<= ${g.vsBase}x base` : `<= ${fmtMs(g.ms)}`;
  const withInc = doc.cases.some((r) => r.incumbent);
  const lines = [];
  lines.push('');
  lines.push(`node -e 0 (baseline): median ${fmtMs(doc.baseline.medianMs)} over ${doc.baseline.runs} runs; load ${doc.machine.loadAverageBefore.join(' ')} -> ${doc.machine.loadAverageAfter.join(' ')}`);
  lines.push('');
  const header = ['case', 'median', 'ratio', 'min-max', 'runs', 'peak RSS', 'vs base', ...(withInc ? ['incumbent', 'inc/kitty'] : []), 'goal', 'met'];
  const pad = (cells) => [...cells.slice(0, 5), '', '', ...(withInc ? ['', ''] : []), ...cells.slice(5)];
  const table = [header];
  for (const r of doc.cases) {
    if (r.status === 'unavailable') table.push(pad([r.id, 'not available yet', '', '', '', '', r.reason]));
    else if (r.status === 'failed') table.push(pad([r.id, 'FAILED', '', '', '', '', r.reason.slice(0, 160)]));
    else if (r.throughput)
      table.push(pad([r.id, Object.entries(r.throughput).map(([k, v]) => `${k} ${v.medianEventsPerSecond.toLocaleString('en')}/s`).join(', '), '', '', String(Object.values(r.throughput)[0].samples.length), '', '']));
    else
      table.push([
        r.id,
        fmtMs(r.medianMs),
        fmtRatio(r.ratio),
        `${fmtMs(r.minMs)}-${fmtMs(r.maxMs)}`,
        String(r.runs),
        r.peakRssMiB === null || r.peakRssMiB === undefined ? '' : `${r.peakRssMiB} MiB`,
        r.vsBase === null || r.vsBase === undefined ? '' : fmtRatio(r.vsBase),
        ...(withInc ? [r.incumbent?.medianMs ? `${fmtMs(r.incumbent.medianMs)} ${fmtRatio(r.incumbent.ratio)}` : r.incumbent?.error ? 'failed' : '', r.incumbent?.speedup ? fmtRatio(r.incumbent.speedup) : ''] : []),
        goalText(r.goal),
        r.met === null ? '' : r.met ? 'yes' : 'NO',
      ]);
  }
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  for (const [n, row] of table.entries()) {
    lines.push(row.map((cell, i) => (i === row.length - 1 ? cell : (cell ?? '').padEnd(widths[i]))).join('  ').trimEnd());
    if (n === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  const stale = doc.cases.filter((r) => r.bundleAfter !== undefined && r.bundleAfter !== 'fresh' && !r.id.endsWith('-unbundled'));
  if (doc.cliEntry?.bundleAtStart !== 'fresh' || stale.length > 0) {
    lines.push('');
    lines.push(`note: the CLI bundle was not fresh (bin/run.js then runs the slower plugin path) at the start: ${doc.cliEntry?.bundleAtStart}; after: ${stale.map((r) => r.id).join(', ') || 'none'}. Rebuild (pnpm bench builds first) and rerun without concurrent builds.`);
  }
  return lines.join('\n');
}

/** Entry point: parse, run, print, write the JSON result. Returns the process exit code. */
export async function main(root, argv) {
  let options;
  try {
    options = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`bench: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.list) {
    for (const c of allCases()) process.stdout.write(`${c.id.padEnd(20)} ${c.title}${c.compare ? ' [--compare]' : ''}\n`);
    return 0;
  }
  const doc = await runBench(root, options);
  process.stdout.write(`${formatTable(doc)}\n`);
  const dir = path.join(root, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = options.out ? path.resolve(options.out) : path.join(dir, `bench-${doc.date.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.json`);
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  writeFileSync(file, text);
  if (!options.out) writeFileSync(path.join(dir, 'latest.json'), text);
  process.stdout.write(`\nResult written to ${path.relative(process.cwd(), file) || file}${os.EOL}`);
  return doc.cases.some((r) => r.status === 'failed') ? 1 : 0;
}
