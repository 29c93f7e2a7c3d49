import { existsSync, readFileSync, statSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The bundled entry (`dist/bundle/index.js`, built by scripts/bundle.mjs) when it can be used: it exists, the
 * environment does not turn it off (`SPEC_KITTY_NO_BUNDLE=1`), and no package it was built from (listed in
 * `dist/bundle/inputs.json`) changed after it. Returns its file URL, or null to run the plugins directly.
 * A stale bundle would hide new or changed commands, so any doubt means null.
 */
export function freshBundleUrl(bundleDir: string | URL, env: Readonly<Record<string, string | undefined>>): string | null {
  const off = env['SPEC_KITTY_NO_BUNDLE'];
  if (off !== undefined && off !== '' && off !== '0' && off.toLowerCase() !== 'false') return null;
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
