import { existsSync, readFileSync, statSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Whether an on/off environment switch is on: set, and not empty, `0` or `false`. */
function switchedOn(env: Readonly<Record<string, string | undefined>>, name: string): boolean {
  const v = env[name];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * The bundled entry (`dist/bundle/index.js`, built by scripts/bundle.mjs) when it can be used: it exists, the
 * environment does not turn it off (`SPEC_KITTY_NO_BUNDLE=1`), and no package it was built from (listed in
 * `dist/bundle/inputs.json`) changed after it. Returns its file URL, or null to run the plugins directly.
 * A stale bundle would hide new or changed commands, so any doubt means null.
 */
export function freshBundleUrl(bundleDir: string | URL, env: Readonly<Record<string, string | undefined>>): string | null {
  if (switchedOn(env, 'SPEC_KITTY_NO_BUNDLE')) return null;
  const dir = typeof bundleDir === 'string' ? bundleDir : fileURLToPath(bundleDir);
  const index = path.join(dir, 'index.js');
  try {
    const builtAt = statSync(index).mtimeMs;
    const inputs = JSON.parse(readFileSync(path.join(dir, 'inputs.json'), 'utf8')) as { watch?: unknown };
    if (!Array.isArray(inputs.watch)) return null;
    for (const rel of inputs.watch) {
      if (typeof rel !== 'string') return null;
      // Missing inputs are fine: an installed package has no workspace sources next to it.
      const s = statSync(path.resolve(dir, rel), { throwIfNoEntry: false });
      if (s !== undefined && s.mtimeMs > builtAt) return null;
    }
  } catch {
    return null;
  }
  return pathToFileURL(index).href;
}

/** What the bundler wrote to `dist/bundle/fast.json` for the lean entry (see {@link leanOutput}). */
interface FastFile {
  readonly format: 1;
  /** `name/version`, the first part of oclif's user agent. */
  readonly nameVersion: string;
  /** The flags that make oclif print its version when they come first (`--version` and any additional ones). */
  readonly versionFlags: readonly string[];
  /** The root help (`--help`, and no arguments), rendered by oclif at build time, with USER_AGENT for the version line. */
  readonly rootHelp: { readonly help: string; readonly none: string; readonly placeholder: string };
}

/**
 * oclif's platform name (`getPlatform`: `wsl` inside WSL, else `os.platform()`), or null when this cannot be
 * told cheaply for sure: the lean entry then steps aside and oclif decides, as always.
 */
export function oclifPlatform(): string | null {
  const p = platform();
  if (p !== 'linux') return p;
  // is-wsl's own tests, in its order; any hint of WSL (a container inside WSL is not WSL) is left to oclif.
  if (release().toLowerCase().includes('microsoft')) return null;
  try {
    if (readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')) return null;
  } catch {
    // is-wsl ignores an unreadable /proc/version too.
  }
  if (existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL')) return null;
  return 'linux';
}

/**
 * The output of the hot commands that need no oclif at all — `--version`, and the root help when it cannot be
 * coloured or re-wrapped (stdout not a terminal, no FORCE_COLOR, no OCLIF_COLUMNS) — exactly as oclif prints
 * them, from `fast.json` next to the bundle; or null, and the caller runs oclif. Steps aside whenever oclif
 * could behave differently: DEBUG set (oclif's debug output), a missing or unknown fast.json, an unusual
 * platform.
 */
export function leanOutput(
  bundleDir: string | URL,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  stdoutIsTTY: boolean,
): string | null {
  if (argv.length > 1 || env['DEBUG'] !== undefined) return null;
  const first = argv[0];
  const help = first === undefined || first === '--help';
  if (help && (stdoutIsTTY || env['FORCE_COLOR'] !== undefined || env['OCLIF_COLUMNS'] !== undefined)) return null;
  let fast: FastFile;
  try {
    const dir = typeof bundleDir === 'string' ? bundleDir : fileURLToPath(bundleDir);
    fast = JSON.parse(readFileSync(path.join(dir, 'fast.json'), 'utf8')) as FastFile;
  } catch {
    return null;
  }
  if (fast.format !== 1) return null;
  const isVersion = first !== undefined && fast.versionFlags.includes(first);
  if (!isVersion && !help) return null;
  const os = oclifPlatform();
  if (os === null) return null;
  const userAgent = `${fast.nameVersion} ${os}-${arch() === 'ia32' ? 'x86' : arch()} node-${process.version}`;
  if (isVersion) return `${userAgent}\n`;
  // The version line is wrapped at 80 columns by oclif; the template holds it unwrapped.
  if (userAgent.length > 70) return null;
  return (first === undefined ? fast.rootHelp.none : fast.rootHelp.help).replace(fast.rootHelp.placeholder, userAgent);
}

/** A flag of a lean command, as the bundler copied it from the oclif manifest into `lean.json`. */
interface LeanFlag {
  readonly type: 'boolean' | 'option';
  readonly required: boolean;
}

/** What the bundler wrote to `dist/bundle/lean.json`: the commands the lean entry may run, with their flags and words. */
interface LeanFile {
  readonly format: 1;
  readonly commands: Readonly<
    Record<
      string,
      {
        readonly args: readonly { readonly name: string; readonly required: boolean }[];
        readonly flags: Readonly<Record<string, LeanFlag>>;
      }
    >
  >;
}

/** A command the lean entry runs without oclif: its id and what oclif's parse would have given it. */
export interface LeanCall {
  readonly id: string;
  readonly input: {
    readonly args: Readonly<Record<string, string>>;
    readonly flags: Readonly<Record<string, string | boolean>>;
  };
}

/**
 * A `--json` invocation of a hot command that oclif would parse without a word of its own to say, as a
 * {@link LeanCall} for the bundle's `lean.js` (ADR 0024); or null, and oclif runs it as always. Steps aside for
 * anything oclif could treat in its own way: help, a short or repeated flag, an unknown flag, `--`, a flag value
 * that looks like a flag or is empty, a missing required flag or word, an extra word, a terminal on stdout,
 * DEBUG, FORCE_COLOR, SPEC_KITTY_CONTENT_TYPE, or SPEC_KITTY_NO_LEAN=1 (comparisons and debugging).
 */
export function leanInvocation(
  bundleDir: string | URL,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  stdoutIsTTY: boolean,
): LeanCall | null {
  if (stdoutIsTTY || !argv.includes('--json')) return null;
  for (const k of ['DEBUG', 'FORCE_COLOR', 'SPEC_KITTY_CONTENT_TYPE']) if (env[k] !== undefined) return null;
  if (switchedOn(env, 'SPEC_KITTY_NO_LEAN')) return null;
  let lean: LeanFile;
  try {
    const dir = typeof bundleDir === 'string' ? bundleDir : fileURLToPath(bundleDir);
    lean = JSON.parse(readFileSync(path.join(dir, 'lean.json'), 'utf8')) as LeanFile;
  } catch {
    return null;
  }
  if (lean.format !== 1 || typeof lean.commands !== 'object' || lean.commands === null) return null;
  // The command's words come first (oclif's topic separator is a space); three words at most in this CLI.
  let n = Math.min(3, argv.length);
  while (n >= 1 && !Object.hasOwn(lean.commands, argv.slice(0, n).join(':'))) n -= 1;
  const id = argv.slice(0, n).join(':');
  const spec = n >= 1 ? lean.commands[id] : undefined;
  if (spec === undefined) return null;
  const rest = argv.slice(n);
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, f] of Object.entries(spec.flags)) options[name] = { type: f.type === 'boolean' ? 'boolean' : 'string' };
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; strict: true; allowPositionals: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args: [...rest], options, strict: true, allowPositionals: true, tokens: true });
  } catch {
    return null; // an unknown flag, a value that looks like a flag, a boolean given a value: oclif's message
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind === 'option-terminator') return null;
    if (t.kind === 'option') {
      if (!t.rawName.startsWith('--') || seen.has(t.name)) return null;
      seen.add(t.name);
      if (t.value === '') return null;
    }
    if (t.kind === 'positional' && t.value === '') return null;
  }
  if (parsed.positionals.length > spec.args.length) return null;
  const args: Record<string, string> = {};
  for (const [i, a] of spec.args.entries()) {
    const v = parsed.positionals[i];
    if (v === undefined) {
      if (a.required) return null;
    } else args[a.name] = v;
  }
  const flags: Record<string, string | boolean> = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    const v = parsed.values[name];
    if (v === undefined) {
      if (f.required) return null;
    } else if (typeof v === 'string' || typeof v === 'boolean') flags[name] = v;
    else return null;
  }
  if (flags['json'] !== true) return null;
  return { id, input: { args, flags } };
}
