#!/usr/bin/env node
// Builds dist/bundle/: oclif, the help plugin, @kitty/cli-kit and every command of every plugin listed in
// package.json `oclif.plugins`, bundled by esbuild into one ESM file with an explicit command map, plus its own
// package.json and oclif manifest. Start-up then reads one file instead of a few hundred (docs/performance.md).
//
// What commands import lazily (the kitty libraries and their dependencies: kysely, yaml, simple-git, …) is
// bundled too, into chunks that load only when a command imports them. Left outside, and resolved from
// apps/cli's own dependencies at run time: native addons (better-sqlite3), workspace packages that find files
// next to their own code (import.meta.url, e.g. @kitty/runtime-resolver's assets), and @kitty/errors (one
// KittyError class shared with them). bin/run.js uses the bundle only while it is newer than every package it
// was built from (dist/bundle/inputs.json); otherwise it runs the plugins directly.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { Plugin } from '@oclif/core';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(appDir, 'dist/bundle');
// Per-process names: two builds of the same checkout may run at once (turbo in two terminals).
const tmpDir = path.join(appDir, `dist/bundle.tmp-${process.pid}`);
const appPjson = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8'));
const requireFromApp = createRequire(path.join(appDir, 'package.json'));

/** Packages that are only needed by oclif's development (TypeScript) mode; never loaded by the built CLI. */
const DEV_ONLY = new Set(['typescript', 'ts-node', 'tsx', 'pnpapi']);

function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  rmSync(tmpDir, { recursive: true, force: true });
  process.exit(1);
}

/** Skips the bundle (the CLI then runs its plugins directly) with a warning, removing any old one. */
function skip(reason) {
  process.stderr.write(`bundle: not bundling (${reason}); the CLI will load its plugins directly, which starts slower.\n`);
  rmSync(outDir, { recursive: true, force: true });
  rmSync(tmpDir, { recursive: true, force: true });
  process.exit(0);
}

/** The directory holding the package.json of `name`, resolved the way the app resolves it. */
function packageRoot(name) {
  let dir = path.dirname(requireFromApp.resolve(name));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === name) return realpathSync(dir);
    const up = path.dirname(dir);
    if (up === dir) fail(`cannot find the package root of ${name}`);
    dir = up;
  }
}

/** The package root (directory with package.json) of a file, or null. */
function rootOfFile(file) {
  let dir = path.dirname(file);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

// 1. Every command of every plugin, found by oclif itself (ignoring any manifest in the tree).
const plugins = appPjson.oclif?.plugins ?? [];
const commands = []; // { id, file }
const leanModules = []; // { file, ids }: a plugin's `./lean` export, the commands the lean entry runs (ADR 0024)
const topics = { ...(appPjson.oclif?.topics ?? {}) };
for (const name of plugins) {
  const root = packageRoot(name);
  const plugin = new Plugin({ root, name, type: 'core', ignoreManifest: true, errorOnManifestCreate: true });
  await plugin.load();
  const o = plugin.pjson.oclif ?? {};
  if (Object.keys(plugin.hooks ?? {}).length > 0) skip(`${name} declares oclif hooks, which this bundler does not carry over yet`);
  if (o.plugins?.length || o.devPlugins?.length || o.jitPlugins) skip(`${name} declares plugins of its own`);
  if (typeof o.commands !== 'string') skip(`${name} uses a command discovery strategy other than a directory`);
  Object.assign(topics, o.topics ?? {});
  const leanExport = plugin.pjson.exports?.['./lean'];
  const leanPath = typeof leanExport === 'string' ? leanExport : leanExport?.default;
  if (typeof leanPath === 'string') {
    const file = path.join(root, leanPath);
    const mod = await import(pathToFileURL(file).href);
    if (typeof mod.LEAN_ACTIONS !== 'object' || mod.LEAN_ACTIONS === null) fail(`${name}'s ./lean export has no LEAN_ACTIONS map`);
    leanModules.push({ file, ids: Object.keys(mod.LEAN_ACTIONS) });
  }
  for (const [id, c] of Object.entries(plugin.manifest.commands)) {
    if (!Array.isArray(c.relativePath)) fail(`oclif gave no file for command ${id} of ${name}`);
    commands.push({ id, file: path.join(root, ...c.relativePath) });
  }
}
if (Object.keys(appPjson.oclif?.hooks ?? {}).length > 0) skip('apps/cli declares oclif hooks');
const ids = commands.map((c) => c.id);
const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
if (dupes.length > 0) fail(`two plugins define the same command(s): ${[...new Set(dupes)].join(', ')}`);

// 2. The entry: the explicit command map oclif reads (`COMMANDS`) and the `run` function bin/run.js calls.
const entry = `// Generated by apps/cli/scripts/bundle.mjs.
import { runCli } from '@kitty/cli-kit';
${commands.map((c, i) => `import * as C${i} from ${JSON.stringify(c.file)};`).join('\n')}

export { Plugin } from '@oclif/core';

/** The command class of a module (an ES default export, or a CommonJS module's \`exports.default\`). */
const pick = (m) => {
  let c = m.default ?? m;
  if (typeof c !== 'function' && c && typeof c.default === 'function') c = c.default;
  return c;
};

/** Every command of the CLI by id (oclif's explicit command discovery reads this). */
export const COMMANDS = {
${commands.map((c, i) => `  ${JSON.stringify(c.id)}: pick(C${i}),`).join('\n')}
};

/** Runs the CLI with the given arguments, from this bundle. */
export async function run(argv = process.argv.slice(2)) {
  await runCli({ args: argv, dir: import.meta.url });
}
`;

// The lean entry (ADR 0024): `--json` runs of the hot commands without oclif, through the same actions.
const leanEntry = `// Generated by apps/cli/scripts/bundle.mjs.
import { runLeanAction } from '@kitty/cli-kit/core';
${leanModules.map((m, i) => `import { LEAN_ACTIONS as L${i} } from ${JSON.stringify(m.file)};`).join('\n')}

const ACTIONS = { ${leanModules.map((_, i) => `...L${i}`).join(', ')} };

/** Runs a call made by launch.js leanInvocation; resolves to the exit code. */
export async function runLean(call) {
  const action = ACTIONS[call.id];
  if (action === undefined) throw new Error(\`no lean action for \${call.id}\`);
  return runLeanAction(action, call.input, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
}
`;

// 3. esbuild: everything above in one file, lazily imported packages in chunks, and a few packages outside.
/**
 * Packages whose `main` is a UMD build that loads its own modules through a `require` esbuild cannot follow
 * (the bundle then fails at run time with "Cannot find module './impl/…'"): their ES build (`module`) is bundled.
 */
const PREFER_MODULE_ENTRY = new Set(['jsonc-parser']);
/** Packages that always stay outside the bundle (see the header). */
const ALWAYS_EXTERNAL = new Set(['@kitty/errors']);
const externals = new Map(); // name -> realpath of the package the importer resolved
const packageDirCache = new Map();
/** The realpath of the package directory `name` resolves to from `fromDir` (node_modules lookup), or null. */
function findPackageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) return null;
  }
}
/**
 * Workspace packages that find files next to their code with `import.meta.url` (and never `__dirname`/
 * `__filename`): their code is bundled, with `import.meta.url` rewritten to where the file is installed
 * (`import.meta.resolve` of the package, so its assets stay in the package, found from apps/cli). name -> dir.
 */
const relocated = new Map();
/**
 * The packages relocated so far, each checked by its tests through the bundle. Others stay outside until added
 * here: bundled code sees CommonJS dependencies through esbuild's interop, not Node's (a namespace import of a
 * CommonJS module has only `default` in a split chunk), so a package must be tried before it moves in.
 */
const RELOCATE = new Set(['@kitty/runtime-resolver', '@kitty/io']);
/** Why a package must stay outside the bundle, or null when it can be bundled. */
function mustStayOutside(name, dir) {
  if (ALWAYS_EXTERNAL.has(name)) return 'shared';
  if (packageDirCache.has(dir)) return packageDirCache.get(dir);
  const pj = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  let why = null;
  if (pj.gypfile || existsSync(path.join(dir, 'binding.gyp'))) why = 'native addon';
  else if (!dir.includes(`${path.sep}node_modules${path.sep}`) && existsSync(path.join(dir, 'dist'))) {
    // A workspace package that locates files relative to its own modules: bundled with import.meta.url
    // relocated when that is all it uses and its main entry is where package.json says; else left outside.
    const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.js') ? [path.join(d, e.name)] : []));
    const texts = walk(path.join(dir, 'dist')).map((f) => readFileSync(f, 'utf8'));
    // In an ES module package __dirname/__filename exist only when derived from import.meta.url (relocated below),
    // so only a CommonJS package is kept outside for them.
    if (pj.type !== 'module' && texts.some((t) => /__dirname|__filename/.test(t))) why = 'finds files next to its code';
    else if (texts.some((t) => /import\.meta\.url/.test(t)) && !RELOCATE.has(name)) why = 'finds files next to its code';
    else if (texts.some((t) => /import\.meta\.url/.test(t))) {
      const main = pj.exports?.['.']?.default ?? pj.exports?.['.']?.import ?? pj.main;
      if (typeof main === 'string' && existsSync(path.join(dir, main))) relocated.set(name, { dir, main: path.join(dir, main) });
      else why = 'finds files next to its code';
    }
  }
  packageDirCache.set(dir, why);
  return why;
}
const relocateMetaUrl = {
  name: 'kitty-relocate-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      const pkg = [...relocated].find(([, r]) => args.path.startsWith(`${r.dir}${path.sep}`));
      if (!pkg) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const [name, r] = pkg;
      // The file's own URL where the package is installed: relative to its main entry, resolved at run time.
      let rel = path.relative(path.dirname(r.main), args.path).split(path.sep).join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      const url = `new URL(${JSON.stringify(rel)}, import.meta.resolve(${JSON.stringify(name)})).href`;
      return { contents: text.replaceAll('import.meta.url', `(${url})`), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};
const kittyExternal = {
  name: 'kitty-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return undefined;
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      if (DEV_ONLY.has(name)) return { path: args.path, external: true };
      const dir = findPackageDir(name, path.dirname(args.importer || appDir));
      if (dir !== null && PREFER_MODULE_ENTRY.has(name) && args.path === name) {
        const entry = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).module;
        if (typeof entry === 'string') return { path: path.join(dir, entry) };
      }
      if (dir === null || !mustStayOutside(name, dir)) return undefined;
      externals.set(name, dir);
      return { path: args.path, external: true };
    });
  },
};
rmSync(tmpDir, { recursive: true, force: true });
mkdirSync(tmpDir, { recursive: true });
const entryFile = path.join(appDir, `dist/.bundle-entry-${process.pid}.js`);
const leanFile = path.join(appDir, `dist/.bundle-lean-${process.pid}.js`);
writeFileSync(entryFile, entry);
writeFileSync(leanFile, leanEntry);
const result = await build({
  entryPoints: { index: entryFile, lean: leanFile },
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: tmpDir,
  // oclif and its dependencies are CommonJS: give them a real `require` inside the ES modules.
  banner: { js: "import { createRequire as __kittyCreateRequire } from 'node:module';\nconst require = __kittyCreateRequire(import.meta.url);" },
  plugins: [kittyExternal, relocateMetaUrl],
  metafile: true,
  legalComments: 'none',
  // oclif's Node-version check cannot work inside an ES bundle (it reads __dirname) and only loads semver
  // (~5 ms) to fail; npm checks package.json engines at install time instead.
  define: { 'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"1"' },
  logLevel: 'warning',
})
  .catch((err) => fail(err.message))
  .finally(() => {
    rmSync(entryFile, { force: true });
    rmSync(leanFile, { force: true });
  });

// Every external (and every relocated package, whose files stay where they are) must resolve from the bundle to
// the very package its importer used.
const wrong = [...externals, ...[...relocated].map(([n, r]) => [n, r.dir])].filter(([name, dir]) => findPackageDir(name, outDir) !== dir);
if (wrong.length > 0) {
  fail(`apps/cli must depend on ${wrong.map(([n, d]) => `${n} (as ${JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')).version ?? 'workspace'})`).join(', ')}: the bundle imports them from apps/cli at run time`);
}

// 4. Its own package.json (explicit strategy, every plugin's topics, no plugins to load) and what to watch.
const pjson = {
  name: appPjson.name,
  version: appPjson.version,
  description: appPjson.description,
  private: true,
  type: 'module',
  engines: appPjson.engines,
  oclif: {
    ...appPjson.oclif,
    plugins: undefined,
    topics,
    commands: { strategy: 'explicit', target: './index.js', identifier: 'COMMANDS' },
  },
};
writeFileSync(path.join(tmpDir, 'package.json'), `${JSON.stringify(pjson, null, 2)}\n`);
const watchRoots = new Set([appDir]);
for (const input of Object.keys(result.metafile.inputs)) {
  const abs = path.resolve(appDir, input);
  if (abs.includes(`${path.sep}node_modules${path.sep}`)) continue;
  const r = rootOfFile(abs);
  if (r) watchRoots.add(realpathSync(r));
}
const watch = [...watchRoots].flatMap((r) => [path.join(r, 'package.json'), path.join(r, 'dist/.tsbuildinfo')]).map((f) => path.relative(outDir, f));
writeFileSync(path.join(tmpDir, 'inputs.json'), `${JSON.stringify({ note: 'bin/run.js ignores the bundle when one of these is newer than index.js', watch }, null, 2)}\n`);

// 5. The manifest, made by the bundle's own oclif from the bundle, and a check that no command went missing.
const bundled = await import(pathToFileURL(path.join(tmpDir, 'index.js')).href);
const root = new bundled.Plugin({ root: tmpDir, isRoot: true, type: 'core', ignoreManifest: true, errorOnManifestCreate: true });
await root.load();
const got = Object.keys(root.manifest.commands).sort();
const want = [...ids].sort();
if (JSON.stringify(got) !== JSON.stringify(want)) fail(`the bundle has commands [${got.join(', ')}] but the plugins have [${want.join(', ')}]`);
writeFileSync(path.join(tmpDir, 'oclif.manifest.json'), JSON.stringify(root.manifest));

// lean.json: the flags and words of each lean command, from that manifest (so never a second definition). Only
// what launch.js leanInvocation parses exactly as oclif does: plain string and boolean flags, plain words.
const leanCommands = {};
for (const id of leanModules.flatMap((m) => m.ids)) {
  const c = root.manifest.commands[id];
  if (c === undefined) fail(`a lean action names ${id}, which is no command`);
  if (c.strict === false || (c.aliases ?? []).length > 0) fail(`lean command ${id}: non-strict commands and aliases are not supported`);
  const flags = {};
  for (const [name, f] of Object.entries(c.flags ?? {})) {
    const plain = f.type === 'boolean' ? f.allowNo !== true : f.type === 'option' && f.multiple !== true && f.options === undefined;
    // A short form (char) is fine: leanInvocation leaves every short flag to oclif.
    const extra = ['default', 'dependsOn', 'exclusive', 'exactlyOne', 'relationships', 'aliases', 'charAliases', 'env'].filter((k) => f[k] !== undefined && !(Array.isArray(f[k]) && f[k].length === 0));
    if (!plain || extra.length > 0) fail(`lean command ${id}: flag --${name} uses ${extra.join(', ') || 'a kind of flag'} the lean entry does not parse`);
    flags[name] = { type: f.type, required: f.required === true };
  }
  const args = Object.values(c.args ?? {}).map((a) => {
    if (a.default !== undefined || a.options !== undefined) fail(`lean command ${id}: argument ${a.name} has a default or options`);
    return { name: a.name, required: a.required === true };
  });
  if (flags.json === undefined) fail(`lean command ${id} has no --json flag`);
  leanCommands[id] = { args, flags };
}
writeFileSync(path.join(tmpDir, 'lean.json'), `${JSON.stringify({ format: 1, commands: leanCommands })}\n`);

// 6. fast.json: what bin/run.js prints without loading oclif (`--version`, the plain root help), rendered here by
// the bundle's own oclif without a terminal, colour or OCLIF_COLUMNS, the only case the lean entry serves.
const PLACEHOLDER = '\u0000USER_AGENT\u0000';
const renderHelp = (args) => {
  const env = { ...process.env };
  for (const k of ['FORCE_COLOR', 'OCLIF_COLUMNS', 'DEBUG', 'NODE_OPTIONS']) delete env[k];
  const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(tmpDir, 'index.js')).href)}); await m.run(${JSON.stringify(args)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpDir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  if (r.status !== 0 || r.stderr !== '') fail(`rendering the root help (${JSON.stringify(args)}) failed: ${r.status} ${r.stderr}`);
  // oclif's VERSION section holds the user agent (platform, arch, node version): filled in at run time.
  const lines = r.stdout.split('\n');
  const at = lines.indexOf('VERSION');
  const ua = lines[at + 1] ?? '';
  if (at < 0 || !ua.startsWith(`  ${pjson.name}/${pjson.version} `) || lines.filter((l) => l.includes(`${pjson.name}/${pjson.version} `)).length !== 1) {
    fail(`the root help has no single VERSION line to fill in at run time: ${JSON.stringify(lines.slice(0, 6))}`);
  }
  lines[at + 1] = `  ${PLACEHOLDER}`;
  return lines.join('\n');
};
const fast = {
  format: 1,
  nameVersion: `${pjson.name}/${pjson.version}`,
  versionFlags: [...new Set(['--version', ...(pjson.oclif.additionalVersionFlags ?? [])])],
  rootHelp: { help: renderHelp(['--help']), none: renderHelp([]), placeholder: PLACEHOLDER },
};
writeFileSync(path.join(tmpDir, 'fast.json'), `${JSON.stringify(fast)}\n`);

if (process.env.KITTY_BUNDLE_METAFILE) writeFileSync(process.env.KITTY_BUNDLE_METAFILE, JSON.stringify(result.metafile));
// Swap in the new bundle; if another build installed one in between, theirs is equivalent and stays.
const oldDir = `${outDir}.old-${process.pid}`;
try {
  renameSync(outDir, oldDir);
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}
try {
  renameSync(tmpDir, outDir);
} catch (e) {
  if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
  rmSync(tmpDir, { recursive: true, force: true });
}
rmSync(oldDir, { recursive: true, force: true });
process.stderr.write(
  `bundle: dist/bundle/index.js with ${commands.length} commands from ${plugins.length} plugins; outside: ${[...externals.keys()].join(', ')}; bundled with their files left in place: ${[...relocated.keys()].join(', ') || 'none'}\n`,
);
