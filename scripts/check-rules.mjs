#!/usr/bin/env node
// Project rules that a type checker cannot see (DEVELOPERS.md, DESIGN.md §2):
//  1. library code (packages/*/src) never prints, exits, or reads cwd, env or the wall clock directly;
//  2. plugin and app source only imports @oclif/core, node builtins, relative files, or types at top level,
//     so heavy libraries load lazily inside run() and start-up stays fast;
//  3. better-sqlite3 and simple-git are imported by one adapter file per package.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';

const problems = [];
const walk = (dir) =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((n) => {
        const p = path.join(dir, n);
        return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
      })
    : [];
const stripComments = (src) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

const libRules = [
  [/\bconsole\.(log|error|warn|info|debug)\(/, 'prints (return data or take a logger parameter)'],
  [/\bprocess\.(exit|cwd)\(/, 'exits or reads cwd (take cwd as a parameter)'],
  [/\bprocess\.env\b/, 'reads process.env (take the environment as a parameter)'],
  [/\bDate\.now\(\)|new Date\(\)/, 'reads the clock (take a clock parameter)'],
];
for (const pkg of readdirSync('packages')) {
  for (const file of walk(path.join('packages', pkg, 'src'))) {
    const src = stripComments(readFileSync(file, 'utf8'));
    for (const [re, why] of libRules) if (re.test(src)) problems.push(`${file}: ${why}`);
  }
  const adapters = { 'better-sqlite3': [], 'simple-git': [] };
  for (const file of walk(path.join('packages', pkg, 'src'))) {
    const src = readFileSync(file, 'utf8');
    for (const lib of Object.keys(adapters))
      if (new RegExp(`from ['"]${lib}['"]|import\\(['"]${lib}['"]\\)`).test(src)) adapters[lib].push(file);
  }
  for (const [lib, files] of Object.entries(adapters))
    if (files.length > 1) problems.push(`packages/${pkg}: ${lib} is imported by ${files.length} files (${files.join(', ')}); keep it in one adapter`);
}

const allowedTop = /^(@oclif\/core|@kitty\/cli-kit|@kitty\/cli-kit\/core|@kitty\/errors|node:.*|\.{1,2}\/.*)$/;
for (const group of ['plugins', 'apps']) {
  if (!existsSync(group)) continue;
  for (const pkg of readdirSync(group)) {
    if (pkg === 'ingest-server') continue; // a server, not part of the CLI start-up path
    for (const file of walk(path.join(group, pkg, 'src'))) {
      const src = stripComments(readFileSync(file, 'utf8'));
      for (const m of src.matchAll(/^\s*import\s+(?!type\b)([^'"]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
        const spec = m[2];
        // `import {type A, type B} from 'x'` is erased too.
        const names = m[1].replace(/[{}\s]/g, '').split(',').filter(Boolean);
        const typeOnly = names.length > 0 && names.every((n) => n.startsWith('type'));
        if (!typeOnly && !allowedTop.test(spec))
          problems.push(`${file}: top-level import of '${spec}' (use \`await import('${spec}')\` inside run() or \`import type\`)`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`check-rules: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.error('check-rules: ok');
