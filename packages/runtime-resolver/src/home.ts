import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describeValue } from '@kitty/errors';
import { RuntimeError } from './errors.js';
import { isDir, isFile } from './_fs.js';

/** The environment variables the runtime reads (a plain object; the CLI passes the process environment). */
export type RuntimeEnv = Readonly<Record<string, string | undefined>>;

/** Where the global runtime lives and why. */
export interface HomeLocation {
  /** Absolute path of the global runtime directory. */
  readonly home: string;
  /** `SPEC_KITTY_HOME` when the variable chose it, otherwise `default`. */
  readonly source: 'SPEC_KITTY_HOME' | 'default';
}

/** Inputs of {@link resolveHome}; the platform is injected so Windows logic is testable anywhere. */
export interface HomeOptions {
  readonly env: RuntimeEnv;
  /** The user's home directory (`os.homedir()`). */
  readonly homeDir: string | undefined;
  /** `process.platform`; `win32` switches to Windows paths. */
  readonly platform: string;
}

/**
 * The global runtime directory: `$SPEC_KITTY_HOME` when set (must be absolute), else `~/.kittify` on macOS and
 * Linux, and `%LOCALAPPDATA%\kittify\kittify` on Windows (where the Python spec-kitty keeps it too).
 *
 * @example resolveHome({ env: {}, homeDir: '/home/ana', platform: 'linux' }).home // => '/home/ana/.kittify'
 */
export function resolveHome(options: HomeOptions): HomeLocation {
  const p = options.platform === 'win32' ? path.win32 : path.posix;
  const explicit = options.env['SPEC_KITTY_HOME'];
  if (explicit !== undefined && explicit.trim() !== '') {
    if (!p.isAbsolute(explicit)) {
      throw new RuntimeError(
        'INVALID_SPEC_KITTY_HOME',
        `SPEC_KITTY_HOME must be an absolute path; got ${describeValue(explicit)}. A relative path would point somewhere different in every directory.`,
        {
          suggestions: [
            options.platform === 'win32'
              ? 'Set it to an absolute path, e.g. SPEC_KITTY_HOME=C:\\Users\\you\\.kittify'
              : 'Set it to an absolute path, e.g. export SPEC_KITTY_HOME="$HOME/.kittify"',
            'Or unset SPEC_KITTY_HOME to use the default location.',
          ],
          details: { received: explicit },
        },
      );
    }
    const normal = p.normalize(explicit);
    const trimmed = normal.length > p.parse(normal).root.length ? normal.replace(/[\\/]+$/, '') : normal;
    return { home: trimmed, source: 'SPEC_KITTY_HOME' };
  }
  const homeDir = options.homeDir?.trim() ? options.homeDir : undefined;
  if (options.platform === 'win32') {
    const localAppData = options.env['LOCALAPPDATA']?.trim() ? options.env['LOCALAPPDATA'] : undefined;
    const base = localAppData ?? (homeDir === undefined ? undefined : p.join(homeDir, 'AppData', 'Local'));
    if (base !== undefined && p.isAbsolute(base)) return { home: p.join(base, 'kittify', 'kittify'), source: 'default' };
  } else if (homeDir !== undefined && p.isAbsolute(homeDir)) {
    return { home: p.join(homeDir, '.kittify'), source: 'default' };
  }
  throw new RuntimeError(
    'HOME_NOT_FOUND',
    `Cannot tell where the spec-kitty global runtime lives: the home directory is ${describeValue(options.homeDir)} and SPEC_KITTY_HOME is not set.`,
    { suggestions: ['Set SPEC_KITTY_HOME to an absolute directory for the global runtime (for example ~/.kittify).'] },
  );
}

function samePath(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync.native(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/** For a git worktree (`.git` is a file), the main checkout's root; null when it cannot be read. */
function mainRepoOfWorktree(dotGitFile: string): string | null {
  try {
    const match = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGitFile, 'utf8'));
    if (!match?.[1]) return null;
    const gitDir = path.resolve(path.dirname(dotGitFile), match[1].trim());
    const commonFile = path.join(gitDir, 'commondir');
    const common = isFile(commonFile) ? path.resolve(gitDir, readFileSync(commonFile, 'utf8').trim()) : gitDir;
    return path.dirname(common);
  } catch {
    return null;
  }
}

/** Inputs of {@link findProjectRoot}. */
export interface ProjectRootOptions {
  readonly cwd: string;
  readonly env: RuntimeEnv;
  /** The global runtime directory; a `.kittify` that *is* the home never marks a project. */
  readonly home: string;
}

/**
 * The spec-kitty project that owns `cwd`: `SPECIFY_REPO_ROOT` when it holds `.kittify/`, else the nearest
 * ancestor with a `.kittify/` directory. From inside a git worktree it answers the main checkout. The global
 * runtime (`~/.kittify`) is never mistaken for a project. Null when there is no project.
 */
export function findProjectRoot(options: ProjectRootOptions): string | null {
  const pinned = options.env['SPECIFY_REPO_ROOT'];
  if (pinned !== undefined && pinned.trim() !== '' && isDir(path.join(pinned, '.kittify'))) return path.resolve(pinned);
  let dir = path.resolve(options.cwd);
  for (;;) {
    const dotGit = path.join(dir, '.git');
    if (isFile(dotGit)) {
      const main = mainRepoOfWorktree(dotGit);
      if (main !== null && isDir(path.join(main, '.kittify')) && !samePath(path.join(main, '.kittify'), options.home)) return main;
    }
    const kittify = path.join(dir, '.kittify');
    if (isDir(kittify) && !samePath(kittify, options.home)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
