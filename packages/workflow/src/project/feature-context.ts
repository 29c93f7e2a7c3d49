import { isKittyError } from '@kitty/errors';
import type { EventDraft, EventFactory, StatusEvent } from '@kitty/events';
import { repoTopOf } from '../git/commit.js';
import { resolveFeature, type ResolvedFeature, type ResolveFeatureOptions } from './features.js';
import { emitEvents, type GitStateHint } from './identity.js';
import { branchNote, readMeta } from './meta.js';
import type { WorkflowEnv } from '../ports.js';
import { openProject, refuseInsideWorktree, requireGit, type ProjectContext } from './project.js';

/** A command's project and feature, resolved once. */
export interface FeatureContext {
  readonly project: ProjectContext;
  readonly feature: ResolvedFeature;
  /** Top level of the main checkout's work tree. */
  readonly repoTop: string;
  readonly meta: Readonly<Record<string, unknown>> | null;
  /** The branch checked out in the main checkout (null on a detached HEAD). */
  readonly branch: string | null;
  /** `meta.json` `target_branch`, else the checked-out branch. */
  readonly target: string | null;
  /** Notes for stderr (e.g. you are not on the target branch). */
  readonly notes: string[];
  /**
   * The URL of `origin` for the sync event context, looked up while the command works (only when events are
   * wired); never rejects.
   */
  readonly origin?: Promise<string | null>;
}

/** How a command names itself and its feature to `openProjectFeature`. */
export interface ProjectFeatureOptions {
  /** `--feature` as given. */
  readonly feature?: string | undefined;
  /** The command, for suggested commands in errors (e.g. `agent feature setup-plan`). */
  readonly command: string;
  /** Requires a git repository; the name the NOT_A_GIT_REPO error gives the command (e.g. `setup-plan`). */
  readonly requireGit?: string;
  /** Refuses to run inside a linked worktree (commands that create worktrees or merge). */
  readonly refuseWorktree?: boolean;
  /** Read-only commands may guess the feature (see `resolveFeature`). */
  readonly guess?: boolean;
  readonly unresolvedCode?: ResolveFeatureOptions['unresolvedCode'];
}

/** The feature a command works on in an open project: `resolveFeature` with the command's environment and flags. */
export async function resolveCommandFeature(
  project: ProjectContext,
  env: Pick<WorkflowEnv, 'git' | 'env' | 'argv'>,
  options: Pick<ProjectFeatureOptions, 'feature' | 'command' | 'guess' | 'unresolvedCode'>,
): Promise<ResolvedFeature> {
  return resolveFeature({
    project,
    git: env.git,
    flag: options.feature,
    env: env.env,
    command: options.command,
    argv: env.argv,
    ...(options.guess === true ? { guess: true } : {}),
    ...(options.unresolvedCode === undefined ? {} : { unresolvedCode: options.unresolvedCode }),
  });
}

/** Opens the project and resolves the feature a command works on (see `resolveFeature`): the one place that does. */
export async function openProjectFeature(
  env: WorkflowEnv,
  options: ProjectFeatureOptions,
): Promise<{ readonly project: ProjectContext; readonly feature: ResolvedFeature }> {
  const project = await openProject(env);
  if (options.refuseWorktree === true) refuseInsideWorktree(project, options.command);
  if (options.requireGit !== undefined) requireGit(project, options.requireGit);
  const feature = await resolveCommandFeature(project, env, options);
  return { project, feature };
}

/**
 * Opens the project and resolves the feature of a feature command (see `resolveFeature`), with git required.
 * `refuseWorktree` refuses to run inside a linked worktree (commands that create worktrees or merge).
 */
export async function openFeature(
  env: WorkflowEnv,
  options: { readonly feature?: string | undefined; readonly command: string; readonly refuseWorktree?: boolean; readonly guess?: boolean },
): Promise<FeatureContext> {
  const { project, feature } = await openProjectFeature(env, { ...options, requireGit: options.command });
  const [repoTop, branch] = await Promise.all([repoTopOf(project, env.git), env.git.currentBranch(project.root)]);
  const meta = readMeta(project.root, feature)?.data ?? null;
  const target = typeof meta?.['target_branch'] === 'string' && meta['target_branch'] !== '' ? meta['target_branch'] : branch;
  const notes = [...(feature.note === undefined ? [] : [feature.note]), ...(branch === null ? [] : branchNote(branch, meta, 'Status'))];
  // The event context needs origin's URL (a git process) after the commit; start it now so it runs alongside.
  const origin = env.events === undefined ? undefined : env.git.remoteUrl(project.root, 'origin').catch(() => null);
  return { project, feature, repoTop, meta, branch, target, notes, ...(origin === undefined ? {} : { origin }) };
}

const VALIDATION =
  /^(INVALID_|UNKNOWN_)|^(ILLEGAL_TRANSITION|TRANSITION_GUARD_FAILED|FORCE_NEEDS_ACTOR_AND_REASON|AGENT_MISMATCH|WP_NOT_FOR_REVIEW|REVIEW_ALREADY_CLAIMED|ACTOR_UNKNOWN|REVIEW_REQUIRED|REVIEW_NOT_CLAIMED|REVIEW_HELD_BY_OTHER|SELF_REVIEW_NOT_ALLOWED|DEPENDENCIES_NOT_DONE|WORKSPACE_MISSING|FORCE_NEEDS_REASON)$/;

/**
 * Runs a feature command and, when it fails, queues an `ErrorLogged` event (validation or runtime, with the
 * work package and agent when known) before rethrowing. Sync trouble never hides the original error.
 */
export async function reportingFailures<T>(
  env: WorkflowEnv,
  fc: FeatureContext,
  what: { readonly command: string; readonly wpId?: string | undefined; readonly agent?: string | undefined },
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = isKittyError(err) ? err.code : undefined;
    const validation = code !== undefined && VALIDATION.test(code);
    const message = `${what.command}: ${(err as Error)?.message ?? String(err)}`.slice(0, 4000);
    const wpId = what.wpId !== undefined && /^WP\d{2}$/.test(what.wpId) ? what.wpId : undefined;
    await emitEvents(
      env.events,
      fc.project.root,
      env.git,
      'ErrorLogged',
      (f) => [
        f.errorLogged({
          errorType: validation ? 'validation' : 'runtime',
          message,
          ...(wpId === undefined ? {} : { wpId }),
          ...(!validation && err instanceof Error && err.stack !== undefined ? { stackTrace: err.stack.slice(0, 8000) } : {}),
          ...(what.agent === undefined || what.agent === '' ? {} : { agentId: what.agent }),
        }),
      ],
      hint(fc, null),
    );
    throw err;
  }
}

/**
 * The `WPStatusChanged` drafts of status events (in the configured lane model). A `done` event without
 * repository evidence cannot be sent (the sync contract needs it) and becomes a note instead.
 */
export function statusDrafts(f: EventFactory, events: readonly StatusEvent[], notes: string[]): EventDraft[] {
  const out: EventDraft[] = [];
  for (const e of events) {
    const evidence =
      e.to_lane === 'done' && e.evidence !== null && e.evidence !== undefined && (e.evidence.repos?.length ?? 0) > 0
        ? {
            repos: e.evidence.repos ?? [],
            review: e.evidence.review,
            ...(e.evidence.verification === undefined ? {} : { verification: e.evidence.verification }),
          }
        : null;
    if (e.to_lane === 'done' && evidence === null) {
      notes.push(`sync: ${e.wp_id} ${e.from_lane} -> done was recorded locally but not queued: it has no repository evidence.`);
      continue;
    }
    out.push(
      f.wpStatusChanged({
        featureSlug: e.feature_slug,
        wpId: e.wp_id,
        from: e.from_lane,
        to: e.to_lane,
        actor: e.actor,
        force: e.force,
        reason: e.reason ?? null,
        reviewRef: e.review_ref ?? null,
        evidence,
        executionMode: e.execution_mode,
      }),
    );
  }
  return out;
}

/**
 * Queues the sync events of a command after its local write and commit; returns how many were queued. `known`
 * passes the branch and the commit just made, so the event context needs no extra git calls for them.
 */
export async function emitAfter(
  env: WorkflowEnv,
  root: string,
  what: string,
  notes: string[],
  build: (f: EventFactory, notes: string[]) => EventDraft[],
  known: GitStateHint = {},
): Promise<number> {
  if (env.events === undefined) return 0;
  const r = await emitEvents(env.events, root, env.git, what, (f) => build(f, notes), known);
  notes.push(...r.notes);
  return r.queued;
}

/**
 * After a status change: its notes join `notes` and its events go to the sync queue as `WPStatusChanged` events,
 * with the git state the command knows; returns how many were queued.
 */
export async function emitStatusChanged(
  env: WorkflowEnv,
  root: string,
  fc: FeatureContext,
  outcome: {
    readonly events: readonly StatusEvent[];
    readonly commit: { readonly commit_hash: string | null };
    readonly notes: readonly string[];
  },
  notes: string[],
): Promise<number> {
  notes.push(...outcome.notes);
  return emitAfter(env, root, 'WPStatusChanged', notes, (f, n) => statusDrafts(f, outcome.events, n), hint(fc, outcome.commit.commit_hash));
}

/** The feature number `NNN` of a slug, for commit messages (`on spec NNN`). */
export function specNumber(slug: string): string {
  return slug.slice(0, 3);
}

/**
 * The git state a command knows for its events: the branch of the main checkout and the new commit when it made
 * one, and origin's URL when it is being looked up.
 */
export function hint(fc: FeatureContext, commit: string | null): GitStateHint {
  return { ...(fc.origin === undefined ? {} : { origin: fc.origin }), ...(commit === null ? {} : { branch: fc.branch, head: commit }) };
}
