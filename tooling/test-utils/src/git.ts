import { simpleGit, type SimpleGit } from 'simple-git';
import { tempDir, writeTree, type Tree } from './tempdir.js';

/** A real git repository in a temp dir with a fixed identity, branch `main`, no signing and no auto-gc. */
export interface TempRepo {
  readonly dir: string;
  readonly git: SimpleGit;
  /** Writes files and commits them all; returns the new commit sha. */
  commit(tree: Tree, message?: string): Promise<string>;
}

/** Creates a temp git repository; with `tree`, commits it as the first commit. */
export async function gitRepo(tree?: Tree): Promise<TempRepo> {
  const dir = tempDir({}, 'kitty-git-');
  const git = simpleGit(dir);
  await git.init(['--initial-branch=main']);
  await git.addConfig('user.name', 'Kitty Test');
  await git.addConfig('user.email', 'kitty-test@example.invalid');
  await git.addConfig('commit.gpgsign', 'false');
  await git.addConfig('gc.auto', '0');
  const repo: TempRepo = {
    dir,
    git,
    async commit(files, message = 'test commit') {
      writeTree(dir, files);
      await git.add(['-A']);
      await git.commit(message);
      return (await git.revparse(['HEAD'])).trim();
    },
  };
  if (tree !== undefined) await repo.commit(tree, 'initial commit');
  return repo;
}
