import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowError } from '../errors.js';
import type { ProjectContext } from './project.js';

/**
 * spec-kitty's per-repository scratch space: `<git-common-dir>/spec-kitty/`. Every worktree of the repository
 * shares it, git never shows it in `git status`, and two projects never collide (unlike a global temp dir).
 */
export function scratchDir(project: ProjectContext): string {
  const common = project.location?.commonDir ?? path.join(project.root, '.git');
  return path.join(path.resolve(project.root, common), 'spec-kitty');
}

/** Largest review feedback file accepted: 1 MiB. */
export const MAX_FEEDBACK_BYTES = 1024 * 1024;

/** Reads a review feedback file named on the command line (relative to `cwd`); INVALID_FEEDBACK when missing or empty. */
export function readFeedbackFile(cwd: string, file: string): { path: string; text: string } {
  const abs = path.resolve(cwd, file);
  let text = '';
  let problem: string | null = null;
  try {
    const st = statSync(abs);
    if (!st.isFile()) problem = 'not a regular file';
    else if (st.size > MAX_FEEDBACK_BYTES) problem = `it is ${st.size} bytes; at most ${MAX_FEEDBACK_BYTES} are accepted`;
    else text = readFileSync(abs, 'utf8');
  } catch (err) {
    problem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message;
  }
  if (problem !== null) {
    throw new WorkflowError('INVALID_FEEDBACK', `Review feedback file not usable: ${abs} (${problem}).`, {
      suggestions: [
        'Write the review feedback to a file (what is wrong, where, what to do) and pass its path with --review-feedback-file.',
      ],
      details: { path: abs },
    });
  }
  if (text.trim() === '') {
    throw new WorkflowError('INVALID_FEEDBACK', `Review feedback file is empty: ${abs}.`, {
      suggestions: ['A rejection needs feedback the implementer can act on; write it to the file and run the command again.'],
      details: { path: abs },
    });
  }
  return { path: abs, text };
}

/**
 * Stores review feedback where every worktree can read it: `<git-common-dir>/spec-kitty/feedback/<feature>/<WP>/
 * <time>-<random>.md`. Returns the file and its pointer `feedback://<feature>/<WP>/<file>` (what the work
 * package's frontmatter records).
 */
export function storeFeedback(
  project: ProjectContext,
  featureSlug: string,
  wpId: string,
  text: string,
  now: Date,
): { path: string; pointer: string } {
  const name = `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}-${randomBytes(4).toString('hex')}.md`;
  const dir = path.join(scratchDir(project), 'feedback', featureSlug, wpId);
  const file = path.join(dir, name);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`, { flag: 'wx' });
  } catch (err) {
    throw new WorkflowError('FILE_WRITE_FAILED', `Cannot store the review feedback at ${file}: ${(err as Error).message}`, {
      suggestions: ['Check that the repository is writable, then run the command again.'],
      details: { path: file },
      cause: err,
    });
  }
  return { path: file, pointer: `feedback://${featureSlug}/${wpId}/${name}` };
}

/** The stored file of a `feedback://` pointer, or null for anything else. */
export function feedbackPath(project: ProjectContext, pointer: string): string | null {
  const m = /^feedback:\/\/(\d{3}-[A-Za-z0-9._-]+)\/(WP\d{2})\/([A-Za-z0-9._-]+\.md)$/.exec(pointer);
  if (m === null) return null;
  return path.join(scratchDir(project), 'feedback', m[1] as string, m[2] as string, m[3] as string);
}

/** Writes a prompt for an agent into the scratch space (`prompts/<name>`) and returns its path. */
export function writePrompt(project: ProjectContext, name: string, text: string): string {
  const dir = path.join(scratchDir(project), 'prompts');
  const file = path.join(dir, name);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
  } catch (err) {
    throw new WorkflowError('FILE_WRITE_FAILED', `Cannot write the prompt ${file}: ${(err as Error).message}`, {
      suggestions: ['Check that the repository is writable, then run the command again.'],
      details: { path: file },
      cause: err,
    });
  }
  return file;
}
