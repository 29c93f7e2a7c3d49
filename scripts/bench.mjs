#!/usr/bin/env node
// `pnpm bench`: builds what the benchmark needs (turbo, cached when nothing changed), then runs bench/run.mjs.
// Needs the README set-up (./scripts/setup.sh) first. Options: `node scripts/bench.mjs --help`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const wantsHelp = argv.some((a) => a === '-h' || a === '--help' || a === '--list');

if (!wantsHelp) {
  if (!existsSync(path.join(root, 'node_modules'))) {
    process.stderr.write('bench: dependencies are not installed. Run ./scripts/setup.sh first (see README.md), then pnpm bench.\n');
    process.exit(1);
  }
  if (!argv.includes('--no-build')) {
    process.stderr.write('bench: building (turbo; cached when nothing changed)…\n');
    const r = spawnSync('bash', ['-c', 'source scripts/env.sh && pnpm_ exec turbo run build --output-logs=errors-only'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) {
      process.stderr.write('bench: the build failed (output above). Fix it or run ./scripts/setup.sh, then try again.\n');
      process.exit(1);
    }
  }
  if (!existsSync(path.join(root, 'apps/cli/dist/index.js'))) {
    process.stderr.write('bench: apps/cli is not built. Run ./scripts/setup.sh first (see README.md).\n');
    process.exit(1);
  }
}

const { main } = await import(pathToFileURL(path.join(root, 'bench/run.mjs')).href);
process.exitCode = await main(root, argv);
