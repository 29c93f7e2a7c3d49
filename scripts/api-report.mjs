#!/usr/bin/env node
// API reports: the public surface of every library package (packages/*, tooling/test-utils) and plugin, read from
// its built `dist/index.d.ts` with the TypeScript compiler API and written to `api/<name>.api.md` (one committed
// file a package), so that a change to a public surface shows in review.
//
//   node scripts/api-report.mjs            check: regenerate in memory, fail with a diff when a report is stale
//   node scripts/api-report.mjs --update   rewrite the reports after an intended change of a surface
//   --reports DIR                          read/write the reports in DIR instead of api/ (tests)
//   --only NAME                            one package (its report name, e.g. `io`); left-over reports are not checked
//
// Needs a build first (`pnpm exec turbo run build`). Uses the TypeScript of tooling/lint (the root `typescript` is
// the native compiler, which has no JavaScript API).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(path.join(root, 'tooling/lint/package.json'))('typescript');
const args = process.argv.slice(2);
const update = args.includes('--update');
const reportsAt = args.indexOf('--reports');
const reportsDir = reportsAt >= 0 ? path.resolve(args[reportsAt + 1] ?? '') : path.join(root, 'api');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '') : null;
const UPDATE_COMMAND = 'node scripts/api-report.mjs --update';

/** The packages that have a report: every workspace package with a typed "." export, apps excepted. */
function packagesWithSurface() {
  const found = [];
  for (const group of ['packages', 'plugins', 'tooling']) {
    for (const name of readdirSync(path.join(root, group)).sort()) {
      const dir = path.join(root, group, name);
      const manifestFile = path.join(dir, 'package.json');
      if (!existsSync(manifestFile)) continue;
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
      const types = manifest.exports?.['.']?.types;
      if (typeof types !== 'string') continue;
      found.push({ name: manifest.name, dir, dts: path.join(dir, types), reportName: manifest.name.replace(/^@[^/]+\//, '') });
    }
  }
  return found;
}

function kindsOf(symbol) {
  const f = symbol.flags;
  const kinds = [];
  if (f & ts.SymbolFlags.Function) kinds.push('function');
  if (f & ts.SymbolFlags.Class) kinds.push('class');
  if (f & ts.SymbolFlags.Interface) kinds.push('interface');
  if (f & ts.SymbolFlags.TypeAlias) kinds.push('type');
  if (f & ts.SymbolFlags.Enum) kinds.push('enum');
  if (f & ts.SymbolFlags.Variable) {
    const decl = symbol.declarations?.find(ts.isVariableDeclaration);
    kinds.push(decl && decl.parent.flags & ts.NodeFlags.Const ? 'const' : 'let');
  }
  if (f & ts.SymbolFlags.Module) kinds.push('namespace');
  return kinds.length > 0 ? kinds : ['unknown'];
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** The declaration text of one exported symbol, comments removed, as the .d.ts states it. */
function declarationText(symbol, checker) {
  const parts = [];
  for (const decl of symbol.declarations ?? []) {
    const file = decl.getSourceFile();
    if (ts.isVariableDeclaration(decl)) {
      const keyword = decl.parent.flags & ts.NodeFlags.Const ? 'const' : 'let';
      const type = decl.type ? printer.printNode(ts.EmitHint.Unspecified, decl.type, file) : checker.typeToString(checker.getTypeAtLocation(decl));
      parts.push(`${keyword} ${decl.name.getText(file)}: ${type};`);
    } else if (ts.isSourceFile(decl) || ts.isModuleDeclaration(decl)) {
      parts.push(`namespace ${symbol.name} { /* ${checker.getExportsOfModule(symbol).length} exports */ }`);
    } else {
      parts.push(printer.printNode(ts.EmitHint.Unspecified, decl, file).replace(/^export (declare )?/, '').replace(/^declare /, ''));
    }
  }
  return parts.join('\n');
}

function report(pkg, program) {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(pkg.dts);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  const lines = [
    `# API report: ${pkg.name}`,
    '',
    `The public surface of \`${pkg.name}\` (its \`${path.relative(pkg.dir, pkg.dts)}\`). Generated: do not edit; after an`,
    `intended change run \`${UPDATE_COMMAND}\` and commit the result with the change.`,
    '',
  ];
  const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
  if (exports.length === 0) {
    lines.push('No exports.', '');
    return lines.join('\n');
  }
  const entries = exports
    .map((exported) => {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      return { name: exported.name, kinds: kindsOf(target), text: declarationText(target, checker) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  lines.push('| name | kind |', '| --- | --- |');
  for (const e of entries) lines.push(`| \`${e.name}\` | ${e.kinds.join(', ')} |`);
  lines.push('', '```ts');
  for (const e of entries) lines.push(`// ${e.name}: ${e.kinds.join(', ')}`, e.text, '');
  lines.push('```', '');
  return lines.join('\n');
}

function diff(expectedText, actualText, label) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'api-report-'));
  try {
    const before = path.join(tmp, 'committed');
    const after = path.join(tmp, 'built');
    writeFileSync(before, expectedText);
    writeFileSync(after, actualText);
    const r = spawnSync('diff', ['-u', '--label', `${label} (committed)`, '--label', `${label} (from dist)`, before, after], { encoding: 'utf8' });
    if (r.error) return `(no diff program: compare ${label} with the output of ${UPDATE_COMMAND})`;
    return r.stdout;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const packages = packagesWithSurface().filter((p) => only === null || p.reportName === only);
if (packages.length === 0) {
  console.error(`api-report: no package has the report name '${only}'; use a name of api/*.api.md without the ending.`);
  process.exit(2);
}
const unbuilt = packages.filter((p) => !existsSync(p.dts));
if (unbuilt.length > 0) {
  console.error(`api-report: not built: ${unbuilt.map((p) => path.relative(root, p.dts)).join(', ')}; run \`pnpm exec turbo run build\` first.`);
  process.exit(2);
}
const program = ts.createProgram(
  packages.map((p) => p.dts),
  { noEmit: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: ['node'] },
);
const wanted = new Map(packages.map((p) => [`${p.reportName}.api.md`, report(p, program)]));

if (update) {
  mkdirSync(reportsDir, { recursive: true });
  if (only === null) for (const file of readdirSync(reportsDir)) if (file.endsWith('.api.md') && !wanted.has(file)) rmSync(path.join(reportsDir, file));
  for (const [file, text] of wanted) writeFileSync(path.join(reportsDir, file), text);
  console.error(`api-report: wrote ${wanted.size} reports to ${path.relative(root, reportsDir) || '.'}`);
  process.exit(0);
}

const problems = [];
const present = only !== null ? [] : existsSync(reportsDir) ? readdirSync(reportsDir).filter((f) => f.endsWith('.api.md')) : [];
for (const file of present) if (!wanted.has(file)) problems.push(`${file}: no package has this surface any more (the report is left over)`);
for (const [file, text] of wanted) {
  const at = path.join(reportsDir, file);
  if (!existsSync(at)) {
    problems.push(`${file}: missing`);
    continue;
  }
  const committed = readFileSync(at, 'utf8');
  if (committed !== text) problems.push(`${file}: the public surface changed\n${diff(committed, text, file)}`);
}
if (problems.length > 0) {
  console.error(`api-report: ${problems.length} report(s) out of date`);
  for (const p of problems) console.error(p);
  console.error(`If the change of surface is intended, run \`${UPDATE_COMMAND}\` and commit the api/ files with it.`);
  process.exit(1);
}
console.error(`api-report: ok (${wanted.size} packages)`);
