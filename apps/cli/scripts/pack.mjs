#!/usr/bin/env node
// Packs the built CLI as one self-contained npm tarball: `node scripts/pack.mjs [out-dir]` prints its path.
//
// The bundle (scripts/bundle.mjs) holds the commands and almost every library; what it imports at run time
// (the packages it leaves outside: @kitty/errors, better-sqlite3, and @kitty/runtime-resolver, whose code is bundled
// but whose assets the bundle finds through import.meta.resolve (ADR 0021), and
// whatever they depend on) is copied into the tarball's node_modules and listed in bundleDependencies, so
// `npm install -g <tarball>` needs neither the workspace nor the registry: only Node and git at run time.
// better-sqlite3 is shipped already built for this platform and Node ABI (its install script, which would
// download or compile the addon, is dropped); the tarball is therefore for machines like the one that built it.
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(appDir, 'dist/pack'));
const bundleDir = path.join(appDir, 'dist/bundle');
const appPjson = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8'));

function fail(message) {
  process.stderr.write(`pack: ${message}\n`);
  process.exit(1);
}

if (!existsSync(path.join(bundleDir, 'index.js'))) fail('dist/bundle/index.js is missing: build first (./scripts/setup.sh, or turbo run build)');

/** The bare package names the bundle imports at run time (what esbuild left outside). */
function bundleExternals() {
  const names = new Set();
  const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.js') ? [path.join(d, e.name)] : []));
  // import.meta.resolve: a package whose code is bundled but whose files the bundle reads where it is installed.
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\.meta\.resolve\s*\(\s*|\bimport\s+)["']([^"'./][^"']*)["']/g;
  for (const file of walk(bundleDir)) {
    for (const m of readFileSync(file, 'utf8').matchAll(pattern)) {
      const spec = m[1];
      if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      names.add(name);
    }
  }
  // Only what is really installed for the app (a name inside a string literal is not an import).
  return [...names].filter((n) => findPackageDir(n, appDir) !== null).sort();
}

/** The realpath of the package `name` as node resolves it from `fromDir`, or null. */
function findPackageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) return null;
  }
}

const stage = mkdtempSync(path.join(os.tmpdir(), 'spec-kitty-pack-'));
const pkgDir = path.join(stage, 'package');
mkdirSync(pkgDir);
const placed = new Map(); // staging dir of a package -> source realpath

/**
 * Copies one package (and, recursively, its dependencies) into the top-level node_modules `modules`, or into
 * its dependent's own node_modules (`nested`) when another version already sits at the top.
 */
function place(name, sourceDir, modules, nested) {
  const top = path.join(modules, name);
  let target = top;
  if (placed.has(top)) {
    if (placed.get(top) === sourceDir) return;
    if (nested === undefined) fail(`two versions of ${name} are needed at the top level`);
    target = path.join(nested, name);
    if (placed.has(target)) return;
  }
  placed.set(target, sourceDir);
  const pj = JSON.parse(readFileSync(path.join(sourceDir, 'package.json'), 'utf8'));
  const workspace = !sourceDir.includes(`${path.sep}node_modules${path.sep}`);
  const native = pj.gypfile === true || existsSync(path.join(sourceDir, 'binding.gyp'));
  mkdirSync(target, { recursive: true });
  const deps = { ...(pj.dependencies ?? {}) };
  if (native) {
    // The built addon and its JavaScript; sources and the download-or-compile install step are not needed.
    for (const sub of ['lib']) if (existsSync(path.join(sourceDir, sub))) cpSync(path.join(sourceDir, sub), path.join(target, sub), { recursive: true, dereference: true });
    const release = path.join(sourceDir, 'build/Release');
    mkdirSync(path.join(target, 'build/Release'), { recursive: true });
    for (const f of readdirSync(release).filter((f) => f.endsWith('.node') && !f.startsWith('test'))) copyFileSync(path.join(release, f), path.join(target, 'build/Release', f));
    delete deps['prebuild-install'];
    if (pj.scripts) delete pj.scripts.install;
    delete pj.gypfile;
    pj.files = ['lib', 'build/Release/*.node'];
  } else if (workspace) {
    for (const entry of (pj.files ?? ['dist']).filter((f) => !f.startsWith('!'))) {
      const from = path.join(sourceDir, entry);
      if (existsSync(from)) cpSync(from, path.join(target, entry), { recursive: true, dereference: true, filter: (src) => !src.endsWith('.tsbuildinfo') && !src.endsWith('.map') });
    }
  } else {
    cpSync(sourceDir, target, { recursive: true, dereference: true, filter: (src) => path.basename(src) !== 'node_modules' || src === sourceDir });
  }
  for (const [dep, range] of Object.entries(deps)) {
    const depDir = findPackageDir(dep, sourceDir);
    if (depDir === null) fail(`${name} needs ${dep}, which is not installed`);
    const depPj = JSON.parse(readFileSync(path.join(depDir, 'package.json'), 'utf8'));
    if (typeof range === 'string' && range.startsWith('workspace:')) deps[dep] = depPj.version;
    place(dep, depDir, modules, path.join(target, 'node_modules'));
  }
  const { devDependencies: _d, scripts: _s, ...rest } = pj;
  writeFileSync(path.join(target, 'package.json'), `${JSON.stringify({ ...rest, ...(pj.scripts && Object.keys(pj.scripts).length > 0 && !native ? { scripts: pj.scripts } : {}), dependencies: deps }, null, 2)}\n`);
}

const modules = path.join(pkgDir, 'node_modules');
const externals = bundleExternals();
const dependencies = {};
for (const name of externals) {
  const dir = findPackageDir(name, appDir);
  place(name, dir, modules, undefined);
  dependencies[name] = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}
// Every package in the top-level node_modules is shipped inside the tarball.
const bundled = readdirSync(modules).flatMap((n) => (n.startsWith('@') ? readdirSync(path.join(modules, n)).map((s) => `${n}/${s}`) : [n])).sort();
for (const name of bundled) dependencies[name] ??= JSON.parse(readFileSync(path.join(modules, name, 'package.json'), 'utf8')).version;

cpSync(path.join(appDir, 'bin'), path.join(pkgDir, 'bin'), { recursive: true });
mkdirSync(path.join(pkgDir, 'dist'));
for (const f of ['launch.js']) copyFileSync(path.join(appDir, 'dist', f), path.join(pkgDir, 'dist', f));
cpSync(bundleDir, path.join(pkgDir, 'dist/bundle'), { recursive: true });
// The installed bundle has no workspace next to it: nothing to compare its age with.
writeFileSync(path.join(pkgDir, 'dist/bundle/inputs.json'), `${JSON.stringify({ note: 'installed package: no inputs to watch', watch: [] }, null, 2)}\n`);
const pjson = {
  name: appPjson.name,
  version: appPjson.version,
  description: appPjson.description,
  license: appPjson.license,
  type: 'module',
  bin: appPjson.bin,
  engines: appPjson.engines,
  files: ['bin', 'dist'],
  dependencies,
  bundleDependencies: bundled,
};
writeFileSync(path.join(pkgDir, 'package.json'), `${JSON.stringify(pjson, null, 2)}\n`);

mkdirSync(outDir, { recursive: true });
const r = spawnSync('npm', ['pack', '--silent', '--pack-destination', outDir], { cwd: pkgDir, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
if (r.status !== 0) fail(`npm pack failed: ${r.stderr || r.stdout}`);
const file = path.join(outDir, r.stdout.trim().split('\n').pop());
rmSync(stage, { recursive: true, force: true });
process.stdout.write(`${file}\n`);
