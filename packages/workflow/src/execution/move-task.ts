import path from 'node:path';
import { sameActor, transitionPath, type Lane, type ReviewDuties } from '@kitty/events';
import { WorkflowError } from '../errors.js';
import { emitStatusChanged, type FeatureContext, openFeature, reportingFailures, specNumber } from '../project/feature-context.js';
import type { WorkflowEnv } from '../ports.js';
import { readFeedbackFile, storeFeedback } from '../project/scratch.js';
import {
  changeFeatureStatus,
  laneArg,
  type FeatureState,
  type LaneMoveOptions,
  type LaneRequest,
  type StatusChangePlan,
  type WpEdit,
} from '../status/status-change.js';
import { setReviewFeedback } from '../tasks/views.js';
import { checkReadiness, repoName, workspaceFacts, type ReadinessProblem, type WorkspaceFacts } from './workspace-facts.js';
import type { WorkPackageFile } from '../tasks/work-packages.js';
import { normalizeWpId, wpBranch } from '../tasks/wp-ref.js';
import { AGENT_ENV, checkTakeover, commandLine, dutiesOf, otherAgents, resolveActor, reviewHolder, shellWord } from './duties.js';
import type { YamlSet } from '../files/yaml-edit.js';

/** Options of {@link moveTask} (`spec-kitty agent tasks move-task`). */
export interface MoveTaskOptions extends LaneMoveOptions {
  /** The agent making the move (the event's actor). */
  readonly agent?: string | undefined;
  readonly note?: string | undefined;
  /** Why a forced move (or an `in_progress → planned` move) is made; `note` is used when absent. */
  readonly reason?: string | undefined;
  /** A file with review feedback: required to send a work package back from `for_review` to `planned`. */
  readonly reviewFeedbackFile?: string | undefined;
  readonly reviewer?: string | undefined;
  readonly approvalRef?: string | undefined;
  readonly assignee?: string | undefined;
  /** The caller's shell process id, recorded in the frontmatter and the Activity Log. */
  readonly shellPid?: string | undefined;
}

/** One event a command appended, as its JSON shows it. */
export interface AppendedEvent {
  readonly event_id: string;
  readonly from_lane: Lane;
  readonly to_lane: Lane;
  readonly force: boolean;
}

/** What `agent tasks move-task --json` prints (the Python CLI's keys plus more). */
export interface MoveTaskResult {
  readonly result: 'success';
  readonly task_id: string;
  readonly feature_slug: string;
  readonly old_lane: Lane;
  readonly new_lane: Lane;
  /** The prompt file, absolute (as the incumbent prints it); `relative_path` is relative to the project root. */
  readonly path: string;
  readonly relative_path: string;
  readonly changed: boolean;
  readonly events: readonly AppendedEvent[];
  readonly commit_created: boolean;
  readonly commit_hash: string | null;
  readonly files_committed: readonly string[];
  /** The stored review feedback (`feedback://…`) of a rejection, else null. */
  readonly review_feedback: string | null;
  readonly events_queued: number;
  readonly notes: readonly string[];
}

const filled = (s: string | null | undefined): s is string => s !== undefined && s !== null && s.trim() !== '';

/** Throws TRANSITION_GUARD_FAILED listing every readiness problem with its fix; `retry` is the command as run. */
export function guardFailed(wpId: string, to: Lane, problems: readonly ReadinessProblem[], retry?: string): WorkflowError {
  return new WorkflowError(
    'TRANSITION_GUARD_FAILED',
    `Cannot move ${wpId} to ${to}:\n${problems.map((p) => `- ${p.message}`).join('\n')}`,
    {
      suggestions: [
        ...problems.map((p) => p.fix),
        retry === undefined ? 'Or override with --force --reason "<why>".' : `${retry} --force --reason "<why>"`,
      ],
      details: { wp_id: wpId, to_lane: to, guards: problems.map((p) => ({ code: p.code, message: p.message, fix: p.fix })) },
    },
  );
}

/**
 * Separation of duties before anything is written (DESIGN §5): `done` only from `for_review`, after a review
 * claimed by a reviewer who did not implement the work package (unless the project allows self-review), and
 * approved or rejected only by the reviewer holding the review. The events library checks the same rules again
 * on every hop; these errors say what to run instead.
 */
function checkDuties(o: {
  readonly wpId: string;
  readonly slug: string;
  readonly from: Lane;
  readonly to: Lane;
  readonly hops: readonly Lane[];
  readonly actor: string;
  readonly duties: ReviewDuties;
  readonly retry: string;
  readonly root: string;
  readonly main: (line: string) => string;
}): void {
  const review = (agent: string, extra: string[] = []): string =>
    o.main(commandLine('spec-kitty', 'agent', 'workflow', 'review', o.wpId, '--feature', o.slug, '--agent', agent, ...extra));
  const retryAs = (agent: string): string => o.retry.replace(/--agent (?:"[^"]*"|\S+)$/, `--agent ${shellWord(agent)}`);
  const forceLine = `${o.retry} --force --reason "<why>"`;
  const impl = o.duties.implementers;
  const isImpl = (a: string): boolean => impl.some((i) => sameActor(i, a));
  const other = (): string => otherAgents(o.root, [...impl, o.actor])[0] ?? otherAgents(o.root, impl)[0] ?? '<another agent>';
  const details = {
    wp_id: o.wpId,
    actor: o.actor,
    implementers: [...impl],
    review_held_by: o.duties.claimedBy,
    self_review_allowed: o.duties.allowSelfReview === true,
  };
  if (o.hops.includes('done') && o.from !== 'for_review') {
    throw new WorkflowError(
      'REVIEW_REQUIRED',
      `${o.wpId} is in ${o.from}: it reaches done only through a review. Hand it over (for_review), then a reviewer other than its implementer claims the review (agent workflow review) and approves it; move-task does not walk past the review.`,
      {
        suggestions: [...(o.from === 'in_progress' ? [o.retry.replace(/--to done/, '--to for_review')] : []), review(other()), forceLine],
        details,
      },
    );
  }
  if (o.from !== 'for_review') return;
  const holder = o.duties.claimedBy;
  if (o.to === 'done' && holder === null) {
    const reviewer = isImpl(o.actor) && o.duties.allowSelfReview !== true ? other() : o.actor;
    throw new WorkflowError(
      'REVIEW_NOT_CLAIMED',
      `${o.wpId} cannot be approved by '${o.actor}': nobody has claimed its review. Approval needs a review claimed with agent workflow review${o.duties.allowSelfReview === true ? '' : ` by an agent other than its implementer${impl.length > 0 ? ` (${impl.join(', ')})` : ''}`}.`,
      {
        suggestions: [review(reviewer), retryAs(reviewer), forceLine],
        details,
      },
    );
  }
  if (holder !== null && !sameActor(holder, o.actor) && (o.to === 'done' || o.to === 'planned' || o.to === 'in_progress')) {
    throw new WorkflowError(
      'REVIEW_HELD_BY_OTHER',
      `${o.wpId}'s review is held by '${holder}', not '${o.actor}': only the reviewer holding it approves or rejects it.`,
      {
        suggestions: [
          retryAs(holder),
          review(o.actor, ['--force', '--reason', `"taking over the review from ${holder}: <why>"`]),
          forceLine,
        ],
        details,
      },
    );
  }
  if (o.to === 'done' && holder !== null && isImpl(holder) && o.duties.allowSelfReview !== true) {
    const reviewer = other();
    throw new WorkflowError(
      'SELF_REVIEW_NOT_ALLOWED',
      `'${holder}' implemented ${o.wpId} and cannot approve it: self-review is not allowed in this project (review.allow_self_review in .kittify/config.yaml).`,
      {
        suggestions: [
          review(reviewer, ['--force', '--reason', `"review by someone who did not implement it"`]),
          retryAs(reviewer),
          forceLine,
        ],
        details,
      },
    );
  }
}

/** The evidence of an approval: reviewer, verdict and reference, and the repository state reviewed. */
export async function approvalEvidence(
  env: WorkflowEnv,
  fc: FeatureContext,
  ws: WorkspaceFacts,
  wp: WorkPackageFile,
  o: {
    readonly reviewer?: string | undefined;
    readonly agent?: string | undefined;
    readonly approvalRef?: string | undefined;
    readonly reviewRef?: string | undefined;
  },
): Promise<Pick<LaneRequest, 'review' | 'repos'>> {
  // The approver is the acting reviewer (who holds the review); --reviewer may only repeat that name.
  const reviewer = [o.agent, o.reviewer, reviewHolder(wp)].find(filled) ?? null;
  let branch = ws.branch;
  let commit = ws.branchSha;
  if (commit === null) {
    commit = await env.git.resolveCommit(fc.project.root, 'HEAD');
    branch = fc.branch ?? 'HEAD';
  }
  // Default reference: the commit that was reviewed (the work package branch, else the checked-out branch).
  const reference = [o.approvalRef, o.reviewRef].find(filled) ?? (commit !== null ? `${branch}@${commit.slice(0, 12)}` : null);
  return {
    review: { reviewer, verdict: 'approved', reference },
    repos: commit === null ? [] : [{ repo: repoName(fc.project.root), branch, commit }],
  };
}

/**
 * `spec-kitty agent tasks move-task WPxx --to LANE`: moves a work package through the status pipeline. Forward
 * moves walk the lanes hop by hop; every hop is checked by the events library's guards (plus the review
 * readiness checks before `for_review`: subtasks checked, implementation commits, clean worktree, not behind its
 * base, no planning edits on the branch; review evidence before `done`). A review rejection (`for_review →
 * planned`) needs a feedback file, stored where every worktree can read it. The event log, `status.json`, the
 * frontmatter, the tasks.md status block and the Activity Log line are committed in one commit
 * `chore: Move WPxx to <lane> on spec NNN [agent]`, then `WPStatusChanged` is queued per hop.
 */
export async function moveTask(options: MoveTaskOptions): Promise<MoveTaskResult> {
  const fc = await openFeature(options, { feature: options.feature, command: 'agent tasks move-task' });
  const wpId = normalizeWpId(options.wpId);
  return reportingFailures(options, fc, { command: 'move-task', wpId, agent: options.agent }, () => move(options, fc, wpId));
}

async function move(options: MoveTaskOptions, fc: FeatureContext, wpId: string): Promise<MoveTaskResult> {
  const to = laneArg(options.to);
  const notes = [...fc.notes];
  const force = options.force === true;
  const feedbackFile = filled(options.reviewFeedbackFile) ? readFeedbackFile(options.cwd, options.reviewFeedbackFile) : null;
  const root = fc.project.root;
  const slug = fc.feature.slug;
  const cmd = [
    'spec-kitty',
    'agent',
    'tasks',
    'move-task',
    wpId,
    '--to',
    to,
    '--feature',
    slug,
    ...(feedbackFile !== null ? ['--review-feedback-file', options.reviewFeedbackFile as string] : []),
  ];
  const actor = await resolveActor(options, root, options.agent, commandLine(...cmd));
  if (actor.source !== 'agent_flag')
    notes.push(`Acting as '${actor.name}' (from ${actor.source === 'env' ? AGENT_ENV : 'the git user'}; pass --agent to name the agent).`);
  const retry = commandLine(...cmd, '--agent', actor.name);
  const board = commandLine('spec-kitty', 'agent', 'tasks', 'status', '--feature', slug);
  // Commands that must run from the main checkout are prefixed with a cd when this one runs elsewhere.
  const inMain = path.resolve(options.cwd) === path.resolve(root);
  const main = (line: string): string => (inMain ? line : `cd ${shellWord(root)} && ${line}`);
  let pointer: string | null = null;

  const outcome = await changeFeatureStatus(
    { env: options, project: fc.project, feature: fc.feature, repoTop: fc.repoTop },
    async (state: FeatureState): Promise<StatusChangePlan<{ from: Lane; wpPath: string }>> => {
      const wp = state.wp(wpId);
      const from = state.laneOf(wpId);
      const result = { from, wpPath: wp.shownAs };
      checkTakeover(state, wp, from, actor, { force, reason: options.reason ?? options.note, retry, board });
      if (from === to && !force) {
        notes.push(`${wpId} is already in ${to}; nothing to do.`);
        return { requests: [], commitMessage: '', result };
      }
      const rejection = from === 'for_review' && to === 'planned';
      if (rejection && feedbackFile === null) {
        throw new WorkflowError(
          'INVALID_FEEDBACK',
          `Moving ${wpId} from for_review back to planned is a review rejection: it needs review feedback (also with --force).`,
          {
            suggestions: [`${commandLine(...cmd, '--agent', actor.name)} --review-feedback-file feedback.md`],
            details: { wp_id: wpId },
          },
        );
      }
      const hops = force ? [to] : transitionPath(from, to);
      const ws = await workspaceFacts(options.git, root, fc.feature, wp, { registry: false });
      const duties = dutiesOf(state, wp, root);
      if (!force) checkDuties({ wpId, slug, from, to, hops, actor: actor.name, duties, retry, root, main });
      const deps = wp.dependencies ?? [];
      const unfinished = deps.filter((d) => !['done', 'canceled'].includes(state.laneOf(d)));
      const depBase = ws.exists ? (ws.baseBranch ?? ws.branch) : null;
      if (!force && from === 'planned' && hops[0] === 'claimed') {
        if (unfinished.length > 0 && depBase === null) {
          const first = unfinished[0] as string;
          throw new WorkflowError(
            'DEPENDENCIES_NOT_DONE',
            `${wpId} depends on ${unfinished.map((d) => `${d} (${state.laneOf(d)})`).join(', ')}, not done yet; it has no workspace built on their work. Starting it before they are done is allowed only the way implement does it: a workspace branched from ${wpBranch(fc.feature, first)}.`,
            {
              suggestions: [
                main(commandLine('spec-kitty', 'implement', wpId, '--base', first, '--feature', slug, '--agent', actor.name)),
                `${retry} --force --reason "<why it can start now>"`,
              ],
              details: { wp_id: wpId, unfinished, checked: 'dependency lanes in the status log, and the workspace at ' + ws.relPath },
            },
          );
        }
        if (unfinished.length > 0)
          notes.push(
            `${wpId} starts before ${unfinished.join(', ')} ${unfinished.length === 1 ? 'is' : 'are'} done, on top of ${depBase} (its workspace base).`,
          );
      }
      // A walk on to for_review reports every readiness problem at once (no branch, no commits, …) first.
      const ready =
        hops.includes('for_review') && !force
          ? await checkReadiness(options.git, root, ws, wpId, await state.tasksMd.parse(), fc.target)
          : null;
      if (ready !== null && ready.problems.length > 0) throw guardFailed(wpId, 'for_review', ready.problems, retry);
      const startsWork = !force && hops.includes('in_progress') && (from === 'planned' || from === 'claimed');
      if (startsWork && !ws.exists) {
        throw new WorkflowError(
          'WORKSPACE_MISSING',
          `${wpId} cannot move to in_progress: it has no workspace. Checked: a git worktree at ${ws.relPath} (${ws.entry !== null ? 'git still lists it but the directory is gone' : 'none registered'})${ws.branchSha === null ? `; branch ${ws.branch} does not exist either` : `; branch ${ws.branch} exists`}. Implementation happens in the work package's workspace.`,
          {
            suggestions: [
              main(commandLine('spec-kitty', 'implement', wpId, '--feature', slug, '--agent', actor.name)),
              `${retry} --force --reason "<why no workspace is needed>"`,
            ],
            details: {
              wp_id: wpId,
              checked: {
                worktree: ws.relPath,
                registered: ws.entry !== null,
                directory_exists: ws.exists,
                branch: ws.branch,
                branch_exists: ws.branchSha !== null,
              },
            },
          },
        );
      }
      const req: { -readonly [K in keyof LaneRequest]: LaneRequest[K] } = {
        wpId,
        to,
        walk: true,
        actor: actor.name,
        force,
        reason: [options.reason, options.note].find(filled) ?? null,
        reviewRef: [options.reviewRef].find(filled) ?? null,
        executionMode: ws.exists ? 'worktree' : 'direct_repo',
        // Only a real workspace satisfies the workspace guard of claimed → in_progress.
        workspaceContext: ws.exists ? `worktree:${ws.relPath}` : null,
        duties,
        dependencies: { unfinished, base: depBase },
      };
      if (ready !== null) {
        req.subtasksComplete = ready.subtasksComplete;
        req.implementationEvidencePresent = ready.implementationEvidencePresent;
      }
      const sets: YamlSet[] = [];
      const after = (...keys: string[]): string[] => [...keys, 'lane', 'title'];
      let reviewer: string | null = null;
      if (hops.includes('done')) {
        if (!force && filled(options.reviewer) && !sameActor(options.reviewer, actor.name)) {
          throw new WorkflowError(
            'INVALID_OPTION',
            `--reviewer '${options.reviewer}' is not the agent approving ('${actor.name}'): the approval is recorded in the name of the reviewer who holds the review.`,
            {
              suggestions: [commandLine(...cmd, '--agent', options.reviewer.trim())],
              details: { wp_id: wpId, reviewer: options.reviewer, actor: actor.name },
            },
          );
        }
        Object.assign(req, await approvalEvidence(options, fc, ws, wp, { ...options, agent: actor.name }));
        // Forced: the evidence says so, by whom, and why (the reason) unless an approval reference is given.
        if (force)
          req.review = { reviewer: actor.name, verdict: 'forced', reference: filled(options.approvalRef) ? options.approvalRef : null };
        reviewer = req.review?.reviewer ?? null;
        if (filled(reviewer)) sets.push({ path: ['reviewed_by'], value: reviewer, after: after('review_status', 'shell_pid', 'agent') });
        sets.push({ path: ['review_status'], value: force ? 'forced' : 'approved', after: after('shell_pid', 'agent') });
      }
      let body: WpEdit['body'];
      if (rejection && feedbackFile !== null) {
        const stored = storeFeedback(fc.project, fc.feature.slug, wpId, feedbackFile.text, options.now());
        pointer = stored.pointer;
        reviewer = actor.name;
        req.feedback = feedbackFile.text;
        req.reviewRef = req.reviewRef ?? pointer;
        req.reason = req.reason ?? `review feedback: ${pointer}`;
        sets.push(
          { path: ['review_status'], value: 'has_feedback', after: after('shell_pid', 'agent') },
          { path: ['reviewed_by'], value: reviewer, after: after('review_status', 'shell_pid', 'agent') },
          { path: ['review_feedback'], value: pointer, after: after('reviewed_by', 'review_status') },
        );
        const fb = { reviewer, at: options.now(), pointer, feedback: feedbackFile.text };
        body = (text) => setReviewFeedback(text, fb);
      }
      if (to === 'for_review' && from !== 'for_review') {
        // A new hand-over: feedback is acknowledged, and a claim left from an earlier round no longer holds.
        if (wp.data['review_status'] === 'has_feedback')
          sets.push({ path: ['review_status'], value: 'acknowledged', after: after('shell_pid', 'agent') });
        else if (wp.data['review_status'] === 'in_review')
          sets.push({ path: ['review_status'], value: '', after: after('shell_pid', 'agent') });
      } else if (from === 'for_review' && to !== 'done' && !rejection && wp.data['review_status'] === 'in_review') {
        sets.push({ path: ['review_status'], value: '', after: after('shell_pid', 'agent') });
      }
      const takesOwnership = filled(options.agent) || to === 'claimed' || to === 'in_progress';
      if (takesOwnership && !['for_review', 'done', 'canceled'].includes(from))
        sets.push({ path: ['agent'], value: actor.name, after: after('assignee', 'phase') });
      if (filled(options.assignee)) sets.push({ path: ['assignee'], value: options.assignee.trim(), after: after('phase', 'subtasks') });
      if (filled(options.shellPid)) sets.push({ path: ['shell_pid'], value: options.shellPid.trim(), after: after('agent', 'assignee') });
      const note = filled(options.note)
        ? options.note
        : rejection
          ? `Changes requested by ${reviewer} (feedback: ${pointer})`
          : force
            ? `Forced to ${to} by ${actor.name}: ${req.reason ?? ''}`
            : to === 'done' && filled(reviewer)
              ? `Approved by ${reviewer}`
              : `Moved to ${to}`;
      const edit: WpEdit = {
        frontmatter: sets,
        ...(body === undefined ? {} : { body }),
        activity: { agent: actor.name, shellPid: options.shellPid ?? null, note },
      };
      return {
        requests: [req],
        edits: new Map([[wpId, edit]]),
        commitMessage: `chore: Move ${wpId} to ${to} on spec ${specNumber(fc.feature.slug)} [${actor.name}]`,
        result,
      };
    },
  );
  const queued = await emitStatusChanged(options, root, fc, outcome, notes);
  const last = outcome.events.at(-1);
  const { from, wpPath } = outcome.result;
  return {
    result: 'success',
    task_id: wpId,
    feature_slug: fc.feature.slug,
    old_lane: from,
    new_lane: last?.to_lane ?? from,
    path: path.join(root, wpPath),
    relative_path: wpPath,
    changed: outcome.events.length > 0,
    events: outcome.events.map((e) => ({ event_id: e.event_id, from_lane: e.from_lane, to_lane: e.to_lane, force: e.force })),
    commit_created: outcome.commit.commit_created,
    commit_hash: outcome.commit.commit_hash,
    files_committed: outcome.commit.files_committed,
    review_feedback: pointer,
    events_queued: queued,
    notes,
  };
}
