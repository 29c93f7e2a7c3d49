import path from 'node:path';
import { notAProject } from './config.js';
import { WorkflowError } from '../errors.js';
import { isDir } from '../files/files.js';
import type { GitLocation, GitPort } from '../git/git-port.js';

/** Where a command runs: the project root (the main checkout), and where the current directory sits in git. */
export interface ProjectContext {
  /** The directory that owns `.kittify/` and `kitty-specs/`: always the main checkout, never a worktree. */
  readonly root: string;
  /** The directory the command runs in. */
  readonly cwd: string;
  /** Where `cwd` sits in git; null outside a git repository. */
  readonly location: GitLocation | null;
  /** True when `cwd` is inside a linked worktree (e.g. `.worktrees/001-x-WP01`). */
  readonly inWorktree: boolean;
}

/** Options of {@link openProject}. */
export interface OpenProjectOptions {
  readonly cwd: string;
  readonly git: GitPort;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const hasKittify = (dir: string): boolean => isDir(path.join(dir, '.kittify'));

/**
 * Finds the project for a command from any directory: `SPECIFY_REPO_ROOT` (when it holds `.kittify/`), else
 * the main checkout of the git repository around `cwd` (so it works from inside a worktree), else the nearest
 * ancestor with `.kittify/`. Throws NOT_A_PROJECT when there is none.
 *
 * @example
 * const project = await openProject({ cwd: '/work/app/.worktrees/001-x-WP01/src', git });
 * project.root // => '/work/app'
 */
export async function openProject(options: OpenProjectOptions): Promise<ProjectContext> {
  const cwd = path.resolve(options.cwd);
  let location: GitLocation | null = null;
  try {
    location = await options.git.locate(cwd);
  } catch (err) {
    // Without git the read-only commands still work from the .kittify/ marker; writers call requireGit.
    if (!(err instanceof WorkflowError) || err.code !== 'GIT_NOT_AVAILABLE') throw err;
  }
  const inWorktree = location?.linkedWorktree ?? cwd.split(path.sep).includes('.worktrees');
  const override = options.env?.['SPECIFY_REPO_ROOT']?.trim();
  if (override !== undefined && override !== '' && hasKittify(path.resolve(cwd, override))) {
    return { root: path.resolve(cwd, override), cwd, location, inWorktree };
  }
  if (location !== null && hasKittify(location.mainRoot)) return { root: location.mainRoot, cwd, location, inWorktree };
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (hasKittify(dir)) return { root: dir, cwd, location, inWorktree };
    if (path.dirname(dir) === dir) break;
  }
  throw notAProject(cwd);
}

/** Throws NOT_A_GIT_REPO unless the project is in a git repository; returns its location. */
export function requireGit(project: ProjectContext, what: string): GitLocation {
  if (project.location === null) {
    throw new WorkflowError('NOT_A_GIT_REPO', `Not in a git repository (${project.root}). ${what} requires git.`, {
      suggestions: ['Initialise git in the project (git init, then commit), or run spec-kitty init there, and run the command again.'],
      details: { root: project.root },
    });
  }
  return project.location;
}

/** Throws INSIDE_WORKTREE for planning commands run from a linked worktree. */
export function refuseInsideWorktree(project: ProjectContext, command: string): void {
  if (project.inWorktree) {
    throw new WorkflowError(
      'INSIDE_WORKTREE',
      `Cannot run ${command} from inside a worktree (${project.cwd}). Run it from the planning repository.`,
      {
        suggestions: [`cd "${project.root}" and run the command again.`],
        details: { cwd: project.cwd, root: project.root },
      },
    );
  }
}
