// An isolated user for the benchmark: a temp directory with its own HOME, global runtime, git identity and
// sync settings, so nothing touches the real ~/.spec-kitty, ~/.kittify or git configuration. Removed at exit.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const roots = [];

/** Removes every sandbox created so far (also run on exit and on Ctrl-C). */
export function cleanupSandboxes() {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true, maxRetries: 3 });
}
process.once('exit', cleanupSandboxes);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    cleanupSandboxes();
    process.exit(130);
  });
}

/**
 * A temp root with `home/` (HOME, SPEC_KITTY_HOME under it) and the environment a spawned CLI gets: the
 * caller's PATH and locale, no spec-kitty or git settings from outside, background delivery off.
 */
export function createSandbox(name) {
  const root = mkdtempSync(path.join(os.tmpdir(), `kitty-bench-${name}-`));
  roots.push(root);
  const home = path.join(root, 'home');
  mkdirSync(home);
  writeFileSync(path.join(home, 'gitconfig'), '[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n[user]\n\tname = Bench\n\temail = bench@example.invalid\n');
  const keep = ['PATH', 'LANG', 'LC_ALL', 'TMPDIR', 'SYSTEMROOT', 'TERM'];
  const env = Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
  Object.assign(env, {
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    SPEC_KITTY_HOME: path.join(home, '.kittify'),
    SPEC_KITTY_NON_INTERACTIVE: '1',
    SPEC_KITTY_AUTO_DELIVER: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: path.join(home, 'gitconfig'),
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@example.invalid',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@example.invalid',
    NO_COLOR: '1',
  });
  return { root, home, env, dir: (...p) => path.join(root, ...p) };
}
