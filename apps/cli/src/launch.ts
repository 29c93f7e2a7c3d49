import { readFileSync, statSync } from 'node:fs';
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
