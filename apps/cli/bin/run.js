#!/usr/bin/env node
// The bundled build starts fastest (docs/performance.md); the plugin path is the fallback whenever the bundle is
// missing, turned off (SPEC_KITTY_NO_BUNDLE=1) or older than the packages it was built from. `--version` and the
// plain root help are printed from the bundle's fast.json without loading oclif (ADR 0021), and `--json` runs of
// the hot commands go through the bundle's lean.js, also without oclif (ADR 0024).
import { writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { freshBundleUrl, leanInvocation, leanOutput } from '../dist/launch.js';

// The benchmark's peak-memory probe (bench/run.mjs); nothing happens without the variable.
const rssFile = process.env.SPEC_KITTY_BENCH_RSS_FILE;
if (rssFile) process.once('exit', () => writeFileSync(rssFile, String(process.resourceUsage().maxRSS)));

const bundleDir = new URL('../dist/bundle/', import.meta.url);
const bundle = freshBundleUrl(bundleDir, process.env);
const argv = process.argv.slice(2);
const tty = process.stdout.isTTY === true;
const lean = bundle === null ? null : leanOutput(bundleDir, argv, process.env, tty);
const call = bundle === null || lean !== null ? null : leanInvocation(bundleDir, argv, process.env, tty);
if (lean !== null) {
  process.stdout.write(lean);
} else {
  // Node 22.1+ keeps compiled code between runs (NODE_DISABLE_COMPILE_CACHE=1 turns it off); Node 20 has no such
  // API and runs as before.
  try {
    nodeModule.enableCompileCache?.();
  } catch {
    // A cache that cannot be used only costs speed.
  }
  if (call !== null) {
    const { runLean } = await import(new URL('lean.js', bundleDir).href);
    process.exitCode = await runLean(call);
  } else {
    const { run } = await import(bundle ?? '../dist/index.js');
    await run();
  }
}
