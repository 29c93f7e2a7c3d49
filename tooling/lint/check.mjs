#!/usr/bin/env node
// Style and lint gate of the test command: Prettier (formatting) and ESLint (typescript-eslint, type-aware) over
// every TypeScript source and test file (ESLint reads sources only: tests are type-checked by each package's lint). `--fix` rewrites what both tools can fix. Run from anywhere.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const fix = process.argv.includes('--fix');
const bin = (name) => path.join(here, 'node_modules', '.bin', name);
const globs = ['packages/*/{src,test}/**/*.ts', 'plugins/*/{src,test}/**/*.ts', 'apps/*/{src,test}/**/*.ts', 'tooling/test-utils/{src,test}/**/*.ts'];
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

const prettier = run(bin('prettier'), [fix ? '--write' : '--check', '--log-level', 'warn', ...globs]);
const eslint = run(bin('eslint'), ['--config', path.join(here, 'eslint.config.js'), ...(fix ? ['--fix'] : []), '--max-warnings', '0', ...globs.map((g) => g.replace('{src,test}', 'src'))]);
if (prettier !== 0) process.stderr.write(`Prettier: files are not formatted; run \`node tooling/lint/check.mjs --fix\`.\n`);
if (eslint !== 0) process.stderr.write(`ESLint: problems above; \`node tooling/lint/check.mjs --fix\` fixes some.\n`);
process.exit(prettier === 0 && eslint === 0 ? 0 : 1);
