// The system Chromium for the dashboard case, driven by playwright-core (a devDependency of apps/cli; it never
// downloads a browser). Missing pieces make the case "not available" with the reason, not a failure.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why the first-paint case cannot run here, or null. */
export function firstPaintUnavailable(root) {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (scripts/ensure-chromium.sh installs it)`;
  try {
    createRequire(path.join(root, 'apps/cli/package.json')).resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed (run ./scripts/setup.sh)';
  }
  return null;
}

/** Launches the system Chromium headless. */
export async function loadChromium(root) {
  const entry = createRequire(path.join(root, 'apps/cli/package.json')).resolve('playwright-core');
  const mod = await import(pathToFileURL(entry).href);
  const chromium = mod.chromium ?? mod.default.chromium;
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
