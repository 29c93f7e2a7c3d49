import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The shared, read-only reference folder (`../shared` next to the repository root), located from a test file's
 * directory: the repository root is found by walking up to `pnpm-workspace.yaml`; in a linked git worktree whose
 * root has no `../shared`, the main checkout's `../shared` (from git's common directory) is used. Tests read
 * fixtures there and never copy them into the repository.
 */
export function sharedDir(fromDir: string): string {
  let root = path.resolve(fromDir);
  while (!existsSync(path.join(root, 'pnpm-workspace.yaml')) && path.dirname(root) !== root) root = path.dirname(root);
  const direct = path.join(root, '..', 'shared');
  if (existsSync(direct)) return direct;
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: root, encoding: 'utf8' }).trim();
    const viaMain = path.join(path.dirname(common), '..', 'shared');
    if (existsSync(viaMain)) return viaMain;
  } catch {
    // Not a git checkout: the direct path is the answer (and the test reports it missing).
  }
  return direct;
}

/** `../shared/reference/python-2.0.0`: what the Python spec-kitty 2.0.0 wrote and printed. */
export function pythonReferenceDir(fromDir: string): string {
  return path.join(sharedDir(fromDir), 'reference', 'python-2.0.0');
}
