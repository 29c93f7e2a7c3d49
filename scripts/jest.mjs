#!/usr/bin/env node
// Runs jest for the package in the current directory in native-ESM mode and leaves a JSON result file
// (.jest-results.json) that scripts/test-summary.mjs adds up into the plain "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(path.join(root, 'package.json'));
const jestBin = path.join(path.dirname(require.resolve('jest/package.json')), 'bin', 'jest.js');
rmSync('.jest-results.json', { force: true });
const result = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings', jestBin, '--passWithNoTests', '--json', '--outputFile=.jest-results.json', ...process.argv.slice(2)],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
process.exit(result.status ?? 1);
