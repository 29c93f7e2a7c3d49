import { describeValue } from '@kitty/errors';
import { TransitionError } from './errors.js';
import { LANES, isTerminalLane, resolveLane, type Lane } from './lanes.js';

/** Which guard protects a legal move (see {@link TRANSITIONS}). */
export type GuardName =
  'actor' | 'workspace_context' | 'subtasks_and_implementation' | 'review_approval' | 'review_ref' | 'reason' | 'review_feedback' | 'none';

/**
 * Rules that hold across the matrix, checked when the caller passes their context (every kitty command does;
 * replaying a log written elsewhere does not, since the context of the time is gone):
 * - `separation_of_duties`: `for_review → done` needs a review claimed by a reviewer, approved by that reviewer,
 *   who is not one of the implementers (unless the project allows self-review);
 * - `review_held`: while a reviewer holds the review, nobody else sends the work package back (`for_review →
 *   planned | in_progress`);
 * - `dependencies`: starting a work package (`planned → claimed`) needs its dependencies done (or canceled), or a
 *   base branch built from them (the incumbent's `implement --base` semantics).
 * Force bypasses them like every guard (with actor and reason).
 */
export type RuleName = 'separation_of_duties' | 'review_held' | 'dependencies';

/** The rules of {@link RuleName}, in words (for help texts and `events lanes --json`). */
export const RULES: Readonly<Record<RuleName, string>> = Object.freeze({
  separation_of_duties:
    'for_review -> done needs a review claimed by a reviewer (agent workflow review), approved by that reviewer, who did not implement the work package (unless the project allows self-review)',
  review_held: 'while a reviewer holds the review, only that reviewer approves or rejects it',
  dependencies:
    'planned -> claimed needs every dependency done or canceled, or a base branch built from the unfinished ones (implement --base)',
});

/** Who may finish a review. */
export interface ReviewDuties {
  /** The reviewer holding the review claim, or null when nobody claimed it. */
  readonly claimedBy: string | null;
  /** Everyone who implemented the work package (claimed it, worked on it, handed it over). */
  readonly implementers: readonly string[];
  /** Project setting: an implementer may review (and approve) their own work. Default false. */
  readonly allowSelfReview?: boolean;
}

/** The dependencies of a work package that is being started. */
export interface DependencyState {
  /** Dependencies that are neither done nor canceled. */
  readonly unfinished: readonly string[];
  /** The branch the work starts from, built from the unfinished dependencies; null when there is none. */
  readonly base: string | null;
}

/**
 * The legal lane moves without force, each with its guard. Reference matrix (spec-kitty 2.0 CLI) plus two
 * moves kitty adds: `for_review → planned` (review rejection, needs feedback) and `blocked → planned`.
 */
export const TRANSITIONS: Readonly<Record<Lane, Readonly<Partial<Record<Lane, GuardName>>>>> = Object.freeze({
  planned: { claimed: 'actor', blocked: 'none', canceled: 'none' },
  claimed: { in_progress: 'workspace_context', blocked: 'none', canceled: 'none' },
  in_progress: { for_review: 'subtasks_and_implementation', planned: 'reason', blocked: 'none', canceled: 'none' },
  for_review: {
    done: 'review_approval',
    in_progress: 'review_ref',
    planned: 'review_feedback',
    blocked: 'none',
    canceled: 'none',
  },
  blocked: { in_progress: 'none', planned: 'none', canceled: 'none' },
  done: {},
  canceled: {},
});

/** Review evidence recorded when a work package is approved (moved to `done`). */
export interface ReviewEvidence {
  readonly reviewer?: string | null;
  readonly verdict?: string | null;
  readonly reference?: string | null;
}

/** Everything the guards look at for one proposed move. Lanes may be given as aliases. */
export interface TransitionRequest {
  /** Current lane; `null` for a work package with no history (it may only enter `planned`). */
  readonly from: string | null;
  readonly to: string;
  readonly actor?: string | null;
  readonly force?: boolean;
  readonly reason?: string | null;
  readonly reviewRef?: string | null;
  /** Review feedback text or a pointer to it; required for `for_review → planned`. */
  readonly feedback?: string | null;
  readonly workspaceContext?: string | null;
  readonly subtasksComplete?: boolean;
  readonly implementationEvidencePresent?: boolean;
  readonly evidence?: { readonly review?: ReviewEvidence | null } | null;
  /** Review claim and implementers, for moves out of `for_review` (see {@link RULES}); absent: not checked. */
  readonly duties?: ReviewDuties | null;
  /** Dependency state, for `planned → claimed` (see {@link RULES}); absent: not checked. */
  readonly dependencies?: DependencyState | null;
}

/** The outcome of a legal move. */
export interface TransitionDecision {
  readonly from: Lane | null;
  readonly to: Lane;
  readonly forced: boolean;
  readonly guard: GuardName;
}

const blank = (v: string | null | undefined): boolean => v === undefined || v === null || v.trim() === '';

/** Whether two actor names are the same person (trimmed, case-insensitive). */
export function sameActor(a: string | null | undefined, b: string | null | undefined): boolean {
  return !blank(a) && !blank(b) && (a as string).trim().toLowerCase() === (b as string).trim().toLowerCase();
}

function ruleViolations(from: Lane, to: Lane, req: TransitionRequest): Array<{ rule: RuleName; message: string }> {
  const out: Array<{ rule: RuleName; message: string }> = [];
  const move = `${from} -> ${to}`;
  const duties = req.duties ?? null;
  if (duties !== null && from === 'for_review') {
    const holder = blank(duties.claimedBy) ? null : (duties.claimedBy as string).trim();
    if (to === 'done') {
      if (holder === null)
        out.push({
          rule: 'separation_of_duties',
          message: `Transition ${move} requires a review claimed by a reviewer (agent workflow review) before approval`,
        });
      else if (!sameActor(holder, req.actor))
        out.push({ rule: 'review_held', message: `Transition ${move}: the review is held by '${holder}', not '${req.actor ?? ''}'` });
      else if (duties.allowSelfReview !== true && duties.implementers.some((i) => sameActor(i, holder)))
        out.push({
          rule: 'separation_of_duties',
          message: `Transition ${move}: '${holder}' implemented this work package and cannot approve it (self-review is not allowed in this project)`,
        });
    } else if ((to === 'planned' || to === 'in_progress') && holder !== null && !sameActor(holder, req.actor)) {
      out.push({ rule: 'review_held', message: `Transition ${move}: the review is held by '${holder}', not '${req.actor ?? ''}'` });
    }
  }
  const deps = req.dependencies ?? null;
  if (deps !== null && from === 'planned' && to === 'claimed' && deps.unfinished.length > 0 && blank(deps.base)) {
    out.push({
      rule: 'dependencies',
      message: `Transition ${move} requires dependencies done (not done: ${deps.unfinished.join(', ')}) or a base branch built from them`,
    });
  }
  return out;
}

function guardViolations(guard: GuardName, from: Lane, to: Lane, req: TransitionRequest): string[] {
  const move = `${from} -> ${to}`;
  switch (guard) {
    case 'actor':
      return blank(req.actor) ? [`Transition ${move} requires actor identity`] : [];
    case 'workspace_context':
      return blank(req.workspaceContext) ? [`Transition ${move} requires workspace context`] : [];
    case 'subtasks_and_implementation': {
      const v: string[] = [];
      if (req.subtasksComplete !== true) v.push(`Transition ${move} requires completed subtasks or force with reason`);
      if (req.implementationEvidencePresent !== true) v.push(`Transition ${move} requires implementation evidence or force with reason`);
      return v;
    }
    case 'review_approval': {
      const review = req.evidence?.review ?? null;
      const missing = (['reviewer', 'verdict', 'reference'] as const).filter((k) => blank(review?.[k] ?? null));
      return missing.length > 0
        ? [`Transition ${move} requires evidence (reviewer identity, verdict and approval reference); missing: ${missing.join(', ')}`]
        : [];
    }
    case 'review_ref':
      return blank(req.reviewRef) ? [`Transition ${move} requires a review reference (review_ref)`] : [];
    case 'reason':
      return blank(req.reason) ? [`Transition ${move} requires a reason`] : [];
    case 'review_feedback':
      return blank(req.feedback) && blank(req.reviewRef)
        ? [`Transition ${move} (review rejection) requires non-empty review feedback or a review reference`]
        : [];
    case 'none':
      return [];
  }
}

/**
 * Checks one lane move against the matrix and its guards, or against the force rules when `force` is set
 * (any move, including leaving a terminal lane, with a non-blank actor and reason). Returns the decision or
 * throws a {@link TransitionError} (`UNKNOWN_LANE`, `ILLEGAL_TRANSITION`, `TRANSITION_GUARD_FAILED`,
 * `FORCE_NEEDS_ACTOR_AND_REASON`) listing every violated rule.
 *
 * @example validateTransition({ from: 'planned', to: 'claimed', actor: 'claude' })
 */
export function validateTransition(req: TransitionRequest): TransitionDecision {
  if (req === null || typeof req !== 'object') {
    throw new TransitionError('ILLEGAL_TRANSITION', `A transition request must be an object; got ${describeValue(req)}.`, [
      'request is not an object',
    ]);
  }
  const to = resolveLane(req.to);
  const from = req.from === null ? null : resolveLane(req.from);
  if (req.force === true) {
    const v: string[] = [];
    if (blank(req.actor)) v.push('actor is missing');
    if (blank(req.reason)) v.push('reason is missing');
    if (v.length > 0) {
      throw new TransitionError(
        'FORCE_NEEDS_ACTOR_AND_REASON',
        `Force transitions require actor and reason (${from ?? 'none'} -> ${to}): ${v.join(', ')}.`,
        v,
        { suggestions: ['Pass both an actor (--agent) and a non-empty --reason with --force.'] },
      );
    }
    return { from, to, forced: true, guard: 'none' };
  }
  if (from === null) {
    if (to === 'planned') return { from, to, forced: false, guard: 'none' };
    throw new TransitionError('ILLEGAL_TRANSITION', `Illegal transition: (none) -> ${to}: a new work package starts in planned.`, [
      `Illegal transition: (none) -> ${to}`,
    ]);
  }
  const guard = TRANSITIONS[from][to];
  if (guard === undefined) {
    const allowed = Object.keys(TRANSITIONS[from]);
    const why = isTerminalLane(from)
      ? `${from} is terminal; leaving it requires force with actor and reason`
      : `allowed from ${from}: ${allowed.join(', ')}`;
    throw new TransitionError(
      'ILLEGAL_TRANSITION',
      `Illegal transition: ${from} -> ${to} (${why}).`,
      [`Illegal transition: ${from} -> ${to}`],
      {
        suggestions: isTerminalLane(from)
          ? ['Use --force with --reason to reopen a finished work package.']
          : [`Move to one of: ${allowed.join(', ')}; or use --force with --reason.`],
        details: { from, to, allowed },
      },
    );
  }
  const rules = ruleViolations(from, to, req);
  const violations = [...guardViolations(guard, from, to, req), ...rules.map((r) => r.message)];
  if (violations.length > 0) {
    throw new TransitionError('TRANSITION_GUARD_FAILED', violations.join('; '), violations, {
      suggestions: ['Satisfy the guard, or use --force with --reason if you must override it.'],
      details: { from, to, guard, rules: rules.map((r) => r.rule) },
    });
  }
  return { from, to, forced: false, guard };
}

/** The lanes reachable from `from` in one legal move without force. */
export function allowedTargets(from: string): Lane[] {
  return Object.keys(TRANSITIONS[resolveLane(from)]) as Lane[];
}

/** The forward chain a lane change walks hop by hop (e.g. planned → for_review visits claimed and in_progress). */
const FORWARD: readonly Lane[] = ['planned', 'claimed', 'in_progress', 'for_review', 'done'];

/**
 * The hops to take from `from` to `to` without force: the forward chain when `to` lies ahead of `from`
 * on planned → claimed → in_progress → for_review → done, otherwise the single direct move (which
 * {@link validateTransition} then judges). Same lane → no hops.
 *
 * @example transitionPath('planned', 'for_review') // => ['claimed', 'in_progress', 'for_review']
 */
export function transitionPath(from: string, to: string): Lane[] {
  const a = resolveLane(from);
  const b = resolveLane(to);
  if (a === b) return [];
  const i = FORWARD.indexOf(a);
  const j = FORWARD.indexOf(b);
  if (i >= 0 && j > i) return FORWARD.slice(i + 1, j + 1);
  return [b];
}

/** Every lane, for help texts and `--json` descriptions of the model. */
export function describeLaneModel(): {
  lanes: readonly Lane[];
  transitions: Record<string, Record<string, GuardName>>;
  rules: Record<RuleName, string>;
} {
  const transitions: Record<string, Record<string, GuardName>> = {};
  for (const lane of LANES) transitions[lane] = { ...TRANSITIONS[lane] };
  return { lanes: LANES, transitions, rules: { ...RULES } };
}
