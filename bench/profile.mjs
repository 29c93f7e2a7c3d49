#!/usr/bin/env node
// Summarises V8 CPU profiles (`node --cpu-prof`): the top frames by self time and the time per source file
// (bundle chunks named by the packages they hold where the bundle's metafile is available is left to the reader).
//
//   node bench/profile.mjs [--top N] PROFILE.cpuprofile|DIR ...
//   node bench/profile.mjs --run N [--top N] -- node apps/cli/bin/run.js agent feature create-feature x --json
//
// With --run, the command (which must start with `node`) runs N times with --cpu-prof into a temp directory, and
// the profiles are summed: sampling under load is noisy, the sum of several runs much less.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Self time (ms) per frame and per file, summed over the given profiles. */
export function summarise(files) {
  const frames = new Map();
  const byFile = new Map();
  let total = 0;
  for (const f of files) {
    const p = JSON.parse(readFileSync(f, 'utf8'));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map();
    for (let i = 0; i < p.samples.length; i += 1) {
      const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
      self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
    }
    for (const [id, ms] of self) {
      const n = byId.get(id);
      const cf = n.callFrame;
      const file = cf.url ? cf.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '~/').replace(/.*\/(apps|packages)\//, '$1/') : `(${cf.functionName || 'native'})`;
      const key = `${cf.functionName || '(anonymous)'}  ${file}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
      frames.set(key, (frames.get(key) ?? 0) + ms);
      byFile.set(file, (byFile.get(file) ?? 0) + ms);
      total += ms;
    }
  }
  const sort = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return { total, frames: sort(frames), files: sort(byFile), profiles: files.length };
}

function print(s, top) {
  const per = (ms) => `${(ms / s.profiles).toFixed(1).padStart(7)} ms  ${((100 * ms) / s.total).toFixed(1).padStart(5)} %`;
  process.stdout.write(`${s.profiles} profile(s), ${(s.total / s.profiles).toFixed(1)} ms sampled per run (per-run averages below)\n\ntop frames by self time:\n`);
  for (const [k, ms] of s.frames.slice(0, top)) process.stdout.write(`${per(ms)}  ${k}\n`);
  process.stdout.write('\nby file:\n');
  for (const [k, ms] of s.files.slice(0, top)) process.stdout.write(`${per(ms)}  ${k}\n`);
}

const argv = process.argv.slice(2);
let top = 25;
let runs = 0;
const inputs = [];
for (let i = 0; i < argv.length; i += 1) {
  if (argv[i] === '--top') top = Number(argv[++i]);
  else if (argv[i] === '--run') runs = Number(argv[++i]);
  else if (argv[i] === '--') {
    inputs.push(...argv.slice(i + 1));
    break;
  } else inputs.push(argv[i]);
}
if (inputs.length === 0) {
  process.stderr.write('usage: node bench/profile.mjs [--top N] FILE|DIR ... | --run N [--top N] -- node SCRIPT ARGS...\n');
  process.exit(2);
}
let files;
let tmp = null;
if (runs > 0) {
  const [cmd, ...rest] = inputs;
  if (path.basename(cmd) !== 'node') {
    process.stderr.write('profile: --run needs a command that starts with node\n');
    process.exit(2);
  }
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kitty-prof-'));
  for (let i = 0; i < runs; i += 1) {
    const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', tmp, ...rest], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) process.stderr.write(`profile: run ${i + 1} exited ${r.status}\n`);
  }
  files = readdirSync(tmp).map((f) => path.join(tmp, f));
} else {
  files = inputs.flatMap((f) => (statSync(f).isDirectory() ? readdirSync(f).filter((x) => x.endsWith('.cpuprofile')).map((x) => path.join(f, x)) : [f]));
}
print(summarise(files), top);
if (tmp) rmSync(tmp, { recursive: true, force: true });
