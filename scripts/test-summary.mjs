#!/usr/bin/env node
// Adds up every package's .jest-results.json and prints one plain line: "N passed, N failed".
// A package whose tests did not run to completion (no result file while it has tests) counts as one failure.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = process.argv[2] ?? '.';
let passed = 0;
let failed = 0;
const missing = [];
for (const group of ['packages', 'plugins', 'apps', 'tooling']) {
  const dir = path.join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const pkgDir = path.join(dir, name);
    if (!existsSync(path.join(pkgDir, 'test'))) continue;
    const file = path.join(pkgDir, '.jest-results.json');
    if (!existsSync(file)) {
      missing.push(`${group}/${name}`);
      failed += 1;
      continue;
    }
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    // A suite that failed to load (syntax error, missing import) reports no failed tests; count it.
    failed += r.testResults.filter((t) => t.status === 'failed' && t.assertionResults.length === 0).length;
  }
}
if (missing.length > 0) console.error(`no test results from: ${missing.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
