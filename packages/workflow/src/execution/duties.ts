import { sameActor, type Lane, type ReviewDuties } from '@kitty/events';
import { WorkflowError } from '../errors.js';
import { allowSelfReview, configuredAgents, readProjectConfig } from '../project/config.js';
import type { WorkflowEnv } from '../ports.js';
import type { FeatureState } from '../status/status-change.js';
import type { WorkPackageFile } from '../tasks/work-packages.js';

/**
 * Who is acting, and who did what to a work package: the identity rules behind separation of duties (DESIGN §5)
 * and takeovers (issue 13 "Identity"). An actor is never made up: `--agent`, else `SPEC_KITTY_AGENT`, else the
 * git user; none of them → ACTOR_UNKNOWN.
 */

/** The environment variable naming the agent when `--agent` is not given. */
export const AGENT_ENV = 'SPEC_KITTY_AGENT';

/** Where an actor's name came from. */
export type ActorSource = 'agent_flag' | 'env' | 'git_user';

/** The identity a command acts as. */
export interface Actor {
  readonly name: string;
  readonly source: ActorSource;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** Quotes one shell word when it needs it (suggestions must run as written). */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(w) ? w : `"${w.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** A command line from words (each quoted when needed); `null`/`undefined` words are left out. */
export function commandLine(...words: ReadonlyArray<string | null | undefined | false>): string {
  return words
    .filter((w): w is string => typeof w === 'string' && w !== '')
    .map((w, i) => (i === 0 || w.startsWith('--') || w.startsWith('"') ? w : shellWord(w)))
    .join(' ');
}

/** The agents configured in the project other than `except`, for suggestions (e.g. who could review). */
export function otherAgents(root: string, except: readonly string[]): string[] {
  try {
    return configuredAgents(readProjectConfig(root)).filter((a) => !except.some((x) => sameActor(x, a)));
  } catch {
    return [];
  }
}

/**
 * The actor of a command: `--agent`, else `$SPEC_KITTY_AGENT`, else the git user (`user.name`, else
 * `GIT_AUTHOR_NAME`). Throws ACTOR_UNKNOWN naming what was looked at; `retry` is the command to run again
 * with `--agent` added.
 */
export async function resolveActor(env: WorkflowEnv, root: string, flag: string | undefined, retry: string): Promise<Actor> {
  const fromFlag = str(flag);
  if (fromFlag !== null) return { name: fromFlag, source: 'agent_flag' };
  const fromEnv = str(env.env[AGENT_ENV]);
  if (fromEnv !== null) return { name: fromEnv, source: 'env' };
  const git = str(await env.git.configGet(root, 'user.name').catch(() => null)) ?? str(env.env['GIT_AUTHOR_NAME']);
  if (git !== null) return { name: git, source: 'git_user' };
  const example = otherAgents(root, [])[0] ?? 'claude';
  throw new WorkflowError(
    'ACTOR_UNKNOWN',
    `Cannot tell who is acting: no --agent, no ${AGENT_ENV} and no git user.name; lane changes are recorded with their actor, so one is required.`,
    {
      suggestions: [`${retry} --agent ${example}`, `export ${AGENT_ENV}=${example}`],
      details: { looked_at: ['--agent', AGENT_ENV, 'git config user.name', 'GIT_AUTHOR_NAME'] },
    },
  );
}

/** Whether an event is the bootstrap kitty writes for a lane found only in the frontmatter (not an act of anyone). */
export function isBootstrapReason(reason: string | null | undefined): boolean {
  return typeof reason === 'string' && reason.startsWith('bootstrap from frontmatter lane');
}

/**
 * Everyone who implemented a work package: its `agent` (owner) and every actor that moved it into claimed,
 * in_progress or for_review other than out of a review (a reviewer sending it back is not an implementer) and
 * other than the bootstrap of a frontmatter lane.
 */
export function implementersOf(state: FeatureState, wp: WorkPackageFile): string[] {
  const out: string[] = [];
  const add = (a: string | null): void => {
    if (a !== null && !out.some((x) => sameActor(x, a))) out.push(a);
  };
  add(str(wp.data['agent']));
  for (const e of state.log.events) {
    if (e.wp_id !== wp.id || isBootstrapReason(e.reason)) continue;
    if ((e.to_lane === 'claimed' || e.to_lane === 'in_progress' || e.to_lane === 'for_review') && e.from_lane !== 'for_review')
      add(e.actor);
  }
  return out;
}

/** The reviewer holding the review of a work package (`review_status: in_review`, `reviewed_by`), or null. */
export function reviewHolder(wp: WorkPackageFile): string | null {
  return wp.data['review_status'] === 'in_review' ? str(wp.data['reviewed_by']) : null;
}

/** The review context of a work package for the guards (see `RULES` in @kitty/events). */
export function dutiesOf(state: FeatureState, wp: WorkPackageFile, root: string): ReviewDuties {
  let allow: boolean;
  try {
    allow = allowSelfReview(readProjectConfig(root));
  } catch {
    allow = false;
  }
  return { claimedBy: reviewHolder(wp), implementers: implementersOf(state, wp), allowSelfReview: allow };
}

/** The owner of a work package being implemented: its `agent`, else the last actor that claimed it. */
export function ownerOf(state: FeatureState, wp: WorkPackageFile): string | null {
  const agent = str(wp.data['agent']);
  if (agent !== null) return agent;
  const claims = state.log.events.filter(
    (e) =>
      e.wp_id === wp.id &&
      (e.to_lane === 'claimed' || e.to_lane === 'in_progress') &&
      e.from_lane !== 'for_review' &&
      !isBootstrapReason(e.reason),
  );
  return claims.at(-1)?.actor ?? null;
}

// A blocked work package that someone had claimed is still theirs.
const IMPLEMENTATION_LANES: readonly Lane[] = ['claimed', 'in_progress', 'blocked'];

/**
 * Refuses another actor's move while a work package is claimed, in progress or blocked after a claim (AGENT_MISMATCH), unless forced
 * with a reason. `retry` is the command as run (with its --agent); the suggestion adds --force --reason to it,
 * so pass it only for commands that have both flags.
 */
export function checkTakeover(
  state: FeatureState,
  wp: WorkPackageFile,
  lane: Lane,
  actor: Actor,
  o: { readonly force: boolean; readonly reason: string | null | undefined; readonly retry: string; readonly board: string },
): void {
  const owner = ownerOf(state, wp);
  if (owner === null || sameActor(owner, actor.name) || !IMPLEMENTATION_LANES.includes(lane)) return;
  if (o.force && str(o.reason) !== null) return;
  const who =
    actor.source === 'agent_flag'
      ? `'${actor.name}'`
      : `'${actor.name}' (from ${actor.source === 'env' ? AGENT_ENV : 'the git user'}, as no --agent was given)`;
  throw new WorkflowError(
    'AGENT_MISMATCH',
    `Agent mismatch: ${wp.id} is ${lane === 'claimed' ? 'claimed' : lane === 'blocked' ? 'blocked while held' : 'being implemented'} by '${owner}', not ${who}${o.force ? '; --force needs --reason to take it over' : ''}.`,
    {
      suggestions: [`${o.retry} --force --reason "<why>"`, `See who works on what: ${o.board}`],
      details: { wp_id: wp.id, owner, agent: actor.name, actor_source: actor.source, lane },
    },
  );
}
