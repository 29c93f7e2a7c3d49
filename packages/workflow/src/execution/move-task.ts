import path from 'node:path';
import type { Lane } from '@kitty/events';
import { transitionPath } from '@kitty/events';
import { WorkflowError } from '../errors.js';
import { emitAfter, hint, openFeature, reportingFailures, specNumber, statusDrafts, type FeatureContext } from '../project/feature-context.js';
import type { WorkflowEnv } from '../ports.js';
import { readFeedbackFile, storeFeedback } from '../project/scratch.js';
import { changeFeatureStatus, laneArg, type FeatureState, type LaneRequest, type StatusChangePlan, type WpEdit } from '../status/status-change.js';
import { setReviewFeedback } from '../tasks/views.js';
import { checkReadiness, repoName, workspaceFacts, type ReadinessProblem, type WorkspaceFacts } from './workspace-facts.js';
import type { WorkPackageFile } from '../tasks/work-packages.js';
import { normalizeWpId } from '../tasks/wp-ref.js';
import type { YamlSet } from '../files/yaml-edit.js';

/** Options of {@link moveTask} (`spec-kitty agent tasks move-task`). */
export interface MoveTaskOptions extends WorkflowEnv {
  readonly wpId: string;
  /** Target lane (aliases such as `doing` accepted). */
  readonly to: string;
  readonly feature?: string | undefined;
  /** The agent making the move (the event's actor). */
  readonly agent?: string | undefined;
  readonly note?: string | undefined;
  readonly force?: boolean | undefined;
  /** Why a forced move (or an `in_progress → planned` move) is made; `note` is used when absent. */
  readonly reason?: string | undefined;
  readonly reviewRef?: string | undefined;
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
const IMPLEMENTATION_LANES: readonly Lane[] = ['claimed', 'in_progress'];

/** Refuses a move by another agent while a work package is being implemented (AGENT_MISMATCH). */
export function checkOwnership(wp: WorkPackageFile, lane: Lane, agent: string | undefined, force: boolean): void {
  const owner = typeof wp.data['agent'] === 'string' ? wp.data['agent'].trim() : '';
  if (force || !filled(agent) || owner === '' || owner === agent.trim() || !IMPLEMENTATION_LANES.includes(lane)) return;
  throw new WorkflowError('AGENT_MISMATCH', `Agent mismatch: ${wp.id} is assigned to '${owner}' (lane ${lane}), not '${agent}'.`, {
    suggestions: [`Let ${owner} finish, or take it over with --force --reason "<why>".`],
    details: { wp_id: wp.id, owner, agent, lane },
  });
}

/** Throws TRANSITION_GUARD_FAILED listing every readiness problem with its fix. */
export function guardFailed(wpId: string, to: Lane, problems: readonly ReadinessProblem[]): WorkflowError {
  return new WorkflowError('TRANSITION_GUARD_FAILED', `Cannot move ${wpId} to ${to}:\n${problems.map((p) => `- ${p.message}`).join('\n')}`, {
    suggestions: [...problems.map((p) => p.fix), 'Or override with --force --reason "<why>".'],
    details: { wp_id: wpId, to_lane: to, guards: problems.map((p) => ({ code: p.code, message: p.message, fix: p.fix })) },
  });
}

/** The evidence of an approval: reviewer, verdict and reference, and the repository state reviewed. */
export async function approvalEvidence(
  env: WorkflowEnv,
  fc: FeatureContext,
  ws: WorkspaceFacts,
  wp: WorkPackageFile,
  o: { readonly reviewer?: string | undefined; readonly agent?: string | undefined; readonly approvalRef?: string | undefined; readonly reviewRef?: string | undefined },
): Promise<Pick<LaneRequest, 'review' | 'repos'>> {
  const claimedBy = wp.data['review_status'] === 'in_review' && typeof wp.data['reviewed_by'] === 'string' ? wp.data['reviewed_by'] : null;
  const reviewer = [o.reviewer, o.agent, claimedBy].find(filled) ?? null;
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
  let pointer: string | null = null;

  const outcome = await changeFeatureStatus({ env: options, project: fc.project, feature: fc.feature, repoTop: fc.repoTop }, async (state: FeatureState): Promise<StatusChangePlan<{ from: Lane; wpPath: string }>> => {
    const wp = state.wp(wpId);
    const from = state.laneOf(wpId);
    const result = { from, wpPath: wp.shownAs };
    checkOwnership(wp, from, options.agent, force);
    const actor = [options.agent, typeof wp.data['agent'] === 'string' ? wp.data['agent'] : undefined].find(filled) ?? 'user';
    if (from === to && !force) {
      notes.push(`${wpId} is already in ${to}; nothing to do.`);
      return { requests: [], commitMessage: '', result };
    }
    const rejection = from === 'for_review' && to === 'planned';
    if (rejection && feedbackFile === null) {
      throw new WorkflowError('INVALID_FEEDBACK', `Moving ${wpId} from for_review back to planned is a review rejection: it needs review feedback (also with --force).`, {
        suggestions: [`Write the feedback to a file, then: spec-kitty agent tasks move-task ${wpId} --to planned --review-feedback-file <file>`],
        details: { wp_id: wpId },
      });
    }
    const hops = force ? [to] : transitionPath(from, to);
    const ws = await workspaceFacts(options.git, root, fc.feature, wp, { registry: false });
    const req: { -readonly [K in keyof LaneRequest]: LaneRequest[K] } = {
      wpId,
      to,
      walk: true,
      actor,
      force,
      reason: [options.reason, options.note].find(filled) ?? null,
      reviewRef: [options.reviewRef].find(filled) ?? null,
      executionMode: ws.exists ? 'worktree' : 'direct_repo',
      workspaceContext: ws.exists ? `worktree:${ws.relPath}` : `direct_repo:${root}`,
    };
    if (hops.includes('for_review') && !force) {
      const ready = await checkReadiness(options.git, root, ws, wpId, await state.tasksMd.parse(), fc.target);
      if (ready.problems.length > 0) throw guardFailed(wpId, 'for_review', ready.problems);
      req.subtasksComplete = ready.subtasksComplete;
      req.implementationEvidencePresent = ready.implementationEvidencePresent;
    }
    const sets: YamlSet[] = [];
    const after = (...keys: string[]): string[] => [...keys, 'lane', 'title'];
    let reviewer: string | null = null;
    if (hops.includes('done') || (force && to === 'done')) {
      Object.assign(req, await approvalEvidence(options, fc, ws, wp, options));
      reviewer = req.review?.reviewer ?? null;
      if (filled(reviewer)) sets.push({ path: ['reviewed_by'], value: reviewer, after: after('review_status', 'shell_pid', 'agent') });
      sets.push({ path: ['review_status'], value: 'approved', after: after('shell_pid', 'agent') });
    }
    let body: WpEdit['body'];
    if (rejection && feedbackFile !== null) {
      const stored = storeFeedback(fc.project, fc.feature.slug, wpId, feedbackFile.text, options.now());
      pointer = stored.pointer;
      reviewer = [options.reviewer, options.agent].find(filled) ?? 'user';
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
    if (to === 'for_review' && wp.data['review_status'] === 'has_feedback') sets.push({ path: ['review_status'], value: 'acknowledged', after: after('shell_pid', 'agent') });
    if (filled(options.agent) && !['for_review', 'done', 'canceled'].includes(from)) sets.push({ path: ['agent'], value: options.agent.trim(), after: after('assignee', 'phase') });
    if (filled(options.assignee)) sets.push({ path: ['assignee'], value: options.assignee.trim(), after: after('phase', 'subtasks') });
    if (filled(options.shellPid)) sets.push({ path: ['shell_pid'], value: options.shellPid.trim(), after: after('agent', 'assignee') });
    const note = filled(options.note)
      ? options.note
      : rejection
        ? `Changes requested by ${reviewer} (feedback: ${pointer})`
        : to === 'done' && filled(reviewer)
          ? `Approved by ${reviewer}`
          : force
            ? `Forced to ${to}: ${req.reason ?? ''}`
            : `Moved to ${to}`;
    const edit: WpEdit = { frontmatter: sets, ...(body === undefined ? {} : { body }), activity: { agent: actor, shellPid: options.shellPid ?? null, note } };
    return {
      requests: [req],
      edits: new Map([[wpId, edit]]),
      commitMessage: `chore: Move ${wpId} to ${to} on spec ${specNumber(fc.feature.slug)}${filled(options.agent) ? ` [${options.agent.trim()}]` : ''}`,
      result,
    };
  });
  notes.push(...outcome.notes);
  const queued = await emitAfter(options, root, 'WPStatusChanged', notes, (f, n) => statusDrafts(f, outcome.events, n), hint(fc, outcome.commit.commit_hash));
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
