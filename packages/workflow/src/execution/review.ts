import path from 'node:path';
import { WorkflowError } from '../errors.js';
import { emitAfter, hint, openFeature, reportingFailures, specNumber, type FeatureContext } from '../project/feature-context.js';
import type { WorkflowEnv } from '../ports.js';
import { scratchDir, writePrompt } from '../project/scratch.js';
import { changeFeatureStatus, type StatusChangePlan } from '../status/status-change.js';
import { diffBase, workspaceFacts, type WorkspaceFacts } from './workspace-facts.js';
import { WORKSPACE_SPARSE_PATTERNS } from './implement.js';
import { normalizeWpId } from '../tasks/wp-ref.js';
import { sameActor } from '@kitty/events';
import { commandLine, dutiesOf, otherAgents, ownerOf, reviewHolder } from './duties.js';

/** Options of {@link reviewWorkPackage} (`spec-kitty agent workflow review`). */
export interface ReviewOptions extends WorkflowEnv {
  /** The work package; the first one waiting in `for_review` when absent. */
  readonly wpId?: string | undefined;
  readonly feature?: string | undefined;
  readonly agent: string;
  /** Take over a review another reviewer claimed, or review your own work where that is not allowed (needs `reason`). */
  readonly force?: boolean | undefined;
  /** Why the review is claimed with `force` (recorded in the Activity Log). */
  readonly reason?: string | undefined;
  readonly shellPid?: string | undefined;
  /** Largest diff put into the prompt, in bytes (default 200 KiB); the stat is always complete. */
  readonly maxDiffBytes?: number;
}

/** One commit of the work package, for the reviewer. */
export interface ReviewCommit {
  readonly sha: string;
  readonly subject: string;
}

/** What `agent workflow review --json` prints. */
export interface ReviewResult {
  readonly result: 'success';
  readonly wp_id: string;
  readonly feature_slug: string;
  readonly reviewer: string;
  readonly lane: 'for_review';
  /** `.worktrees/<slug>-WPxx` and its absolute path (null when the work package has no branch). */
  readonly workspace: string | null;
  readonly workspace_path: string | null;
  readonly branch: string;
  /** The base the diff is taken against: the branch recorded at implement and the commit the work started from. */
  readonly base_branch: string | null;
  readonly base_commit: string | null;
  readonly commits: readonly ReviewCommit[];
  readonly diffstat: string;
  /** Whether the diff in the prompt was cut to `maxDiffBytes`. */
  readonly diff_truncated: boolean;
  /** The review prompt (work package, diff context, how to decide). */
  readonly prompt_file: string;
  /** Where to write feedback for a rejection (outside the working tree). */
  readonly feedback_file: string;
  readonly commit_hash: string | null;
  readonly events_queued: number;
  readonly notes: readonly string[];
}

const filled = (s: string | null | undefined): s is string => s !== undefined && s !== null && s.trim() !== '';

async function ensureReviewWorkspace(env: WorkflowEnv, fc: FeatureContext, ws: WorkspaceFacts, notes: string[]): Promise<boolean> {
  if (ws.exists) return true;
  if (ws.branchSha === null) return false;
  const root = fc.project.root;
  if (ws.entry !== null) await env.git.worktreePrune(root);
  await env.git.worktreeAdd(root, ws.path, { branch: ws.branch, newBranch: false, noCheckout: true });
  try {
    await env.git.sparseCheckout(ws.path, WORKSPACE_SPARSE_PATTERNS);
  } catch {
    await env.git.checkoutHead(ws.path);
  }
  notes.push(`Created the workspace ${ws.relPath} from ${ws.branch} for the review.`);
  return true;
}

/**
 * `spec-kitty agent workflow review [WPxx] --agent NAME`: takes a work package waiting in `for_review` into
 * review. The lane stays `for_review` (the 7-lane model has no review lane; see ADR 0009): the reviewer is
 * recorded in the frontmatter (`review_status: in_review`, `reviewed_by`) and the Activity Log, committed as
 * `chore: Start WPxx review [agent]`, and a `HistoryAdded` (review) event is queued. A second reviewer is
 * refused without `force`. The prompt holds the work package and the diff against its real base (the commit
 * it started from, recorded by implement).
 */
export async function reviewWorkPackage(options: ReviewOptions): Promise<ReviewResult> {
  const fc = await openFeature(options, { feature: options.feature, command: 'agent workflow review' });
  if (!filled(options.agent)) {
    throw new WorkflowError('INVALID_OPTION', '--agent is required to claim a review.', {
      suggestions: ['Example: spec-kitty agent workflow review WP01 --agent claude'],
    });
  }
  const explicit = filled(options.wpId) ? normalizeWpId(options.wpId) : undefined;
  return reportingFailures(options, fc, { command: 'agent workflow review', wpId: explicit, agent: options.agent }, () =>
    review(options, fc, explicit),
  );
}

async function review(options: ReviewOptions, fc: FeatureContext, explicit: string | undefined): Promise<ReviewResult> {
  const root = fc.project.root;
  const notes = [...fc.notes];
  const agent = options.agent.trim();
  type Ctx = Omit<ReviewResult, 'result' | 'commit_hash' | 'events_queued' | 'notes' | 'prompt_file' | 'feedback_file'>;
  const outcome = await changeFeatureStatus(
    { env: options, project: fc.project, feature: fc.feature, repoTop: fc.repoTop },
    async (state): Promise<StatusChangePlan<{ ctx: Ctx; wpText: string; diff: string }>> => {
      const wpId = explicit ?? state.workPackages.workPackages.find((w) => state.laneOf(w.id) === 'for_review')?.id;
      if (wpId === undefined) {
        throw new WorkflowError('NO_WORK_PACKAGE_AVAILABLE', 'No work packages ready for review (none is in for_review).', {
          suggestions: ['See the board: spec-kitty agent tasks status'],
        });
      }
      const wp = state.wp(wpId);
      const lane = state.laneOf(wpId);
      if (lane !== 'for_review') {
        throw new WorkflowError(
          'WP_NOT_FOR_REVIEW',
          `${wpId} is in ${lane}, not for_review; only work handed over for review can be reviewed.`,
          {
            suggestions: [
              `${commandLine('spec-kitty', 'agent', 'tasks', 'move-task', wpId, '--to', 'for_review', '--feature', fc.feature.slug, '--agent', ownerOf(state, wp) ?? '<implementer>')}`,
            ],
            details: { wp_id: wpId, lane },
          },
        );
      }
      const claimedBy = reviewHolder(wp) ?? '';
      const slug = fc.feature.slug;
      const retry = commandLine('spec-kitty', 'agent', 'workflow', 'review', wpId, '--feature', slug, '--agent', agent);
      const forced = options.force === true && filled(options.reason);
      if (options.force === true && !filled(options.reason)) {
        throw new WorkflowError('FORCE_NEEDS_REASON', `--force needs --reason: a forced review claim is recorded with why it was forced.`, {
          suggestions: [`${retry} --force --reason "<why>"`],
          details: { wp_id: wpId },
        });
      }
      if (claimedBy !== '' && !sameActor(claimedBy, agent) && !forced) {
        throw new WorkflowError(
          'REVIEW_ALREADY_CLAIMED',
          `${wpId} is already being reviewed by '${claimedBy}'; only one reviewer holds a review.`,
          {
            suggestions: [
              commandLine('spec-kitty', 'agent', 'workflow', 'review', wpId, '--feature', slug, '--agent', claimedBy),
              `${retry} --force --reason "taking over the review from ${claimedBy}: <why>"`,
            ],
            details: { wp_id: wpId, reviewer: claimedBy },
          },
        );
      }
      const duties = dutiesOf(state, wp, root);
      if (duties.allowSelfReview !== true && duties.implementers.some((i) => sameActor(i, agent)) && !forced) {
        const other = otherAgents(root, duties.implementers)[0] ?? '<another agent>';
        throw new WorkflowError(
          'SELF_REVIEW_NOT_ALLOWED',
          `'${agent}' implemented ${wpId} (implementers: ${duties.implementers.join(', ')}) and cannot review it: self-review is not allowed in this project (review.allow_self_review in .kittify/config.yaml).`,
          {
            suggestions: [
              commandLine('spec-kitty', 'agent', 'workflow', 'review', wpId, '--feature', slug, '--agent', other),
              `${retry} --force --reason "<why no one else can review it>"`,
            ],
            details: { wp_id: wpId, agent, implementers: [...duties.implementers] },
          },
        );
      }
      if (forced && claimedBy !== '' && !sameActor(claimedBy, agent))
        notes.push(`Took the review of ${wpId} over from '${claimedBy}': ${options.reason ?? ''}`);
      const ws = await workspaceFacts(options.git, root, fc.feature, wp);
      const hasWorkspace = await ensureReviewWorkspace(options, fc, ws, notes);
      const db = await diffBase(options.git, root, ws, fc.target);
      const base = db.from;
      let commits: ReviewCommit[] = [];
      let diffstat = '';
      let truncated = false;
      let diff = '';
      if (ws.branchSha !== null && base !== null) {
        const [log, stat, patch] = await Promise.all([
          options.git.ownCommits(root, ws.branch, db.exclude, [], 200),
          options.git.diff(root, base, ws.branch, 'stat'),
          options.git.diff(root, base, ws.branch, 'patch'),
        ]);
        commits = log.map((c) => ({ sha: c.sha, subject: c.subject }));
        diffstat = stat.trimEnd();
        const max = options.maxDiffBytes ?? 200 * 1024;
        truncated = Buffer.byteLength(patch, 'utf8') > max;
        diff = truncated
          ? `${Buffer.from(patch, 'utf8').subarray(0, max).toString('utf8')}\n… (diff cut at ${max} bytes; run git diff ${base.slice(0, 12)} ${ws.branch} in the workspace for the rest)`
          : patch;
      } else {
        notes.push(`${wpId} has no branch ${ws.branch}; there is no diff to review.`);
      }
      const ctx: Ctx = {
        wp_id: wpId,
        feature_slug: fc.feature.slug,
        reviewer: agent,
        lane: 'for_review',
        workspace: hasWorkspace ? ws.relPath : null,
        workspace_path: hasWorkspace ? ws.path : null,
        branch: ws.branch,
        base_branch: db.baseRef,
        base_commit: base,
        commits,
        diffstat,
        diff_truncated: truncated,
      };
      return {
        requests: [],
        edits: new Map([
          [
            wpId,
            {
              frontmatter: [
                { path: ['review_status'], value: 'in_review', after: ['shell_pid', 'agent', 'lane'] },
                { path: ['reviewed_by'], value: agent, after: ['review_status', 'shell_pid', 'lane'] },
              ],
              activity: {
                agent,
                shellPid: options.shellPid ?? null,
                note: `Started review${base === null ? '' : ` (diff against ${base.slice(0, 12)})`}${forced ? ` (forced: ${options.reason ?? ''}${claimedBy !== '' && !sameActor(claimedBy, agent) ? `; taken over from ${claimedBy}` : ''})` : ''}`,
              },
            },
          ],
        ]),
        commitMessage: `chore: Start ${wpId} review [${agent}]`,
        result: { ctx, wpText: wp.file.text, diff },
      };
    },
  );
  notes.push(...outcome.notes);
  const { ctx: c, wpText, diff } = outcome.result;
  const queued = await emitAfter(
    options,
    root,
    'HistoryAdded',
    notes,
    (f) => [
      f.historyAdded({
        wpId: c.wp_id,
        entryType: 'review',
        content: `Review started by ${agent} (spec ${specNumber(fc.feature.slug)})`,
        author: agent,
      }),
    ],
    hint(fc, null),
  );
  const feedbackFile = path.join(scratchDir(fc.project), 'prompts', `${fc.feature.slug}-${c.wp_id}-review-feedback.md`);
  const promptFile = writePrompt(fc.project, `${fc.feature.slug}-${c.wp_id}-review.md`, reviewPrompt(fc, c, wpText, diff, feedbackFile));
  return {
    result: 'success',
    ...c,
    prompt_file: promptFile,
    feedback_file: feedbackFile,
    commit_hash: outcome.commit.commit_hash,
    events_queued: queued,
    notes,
  };
}

function reviewPrompt(
  fc: FeatureContext,
  c: Omit<ReviewResult, 'result' | 'commit_hash' | 'events_queued' | 'notes' | 'prompt_file' | 'feedback_file'>,
  wpText: string,
  diff: string,
  feedbackFile: string,
): string {
  return [
    `# Review ${c.wp_id} of ${fc.feature.slug}`,
    '',
    `- Reviewer: ${c.reviewer}`,
    `- Workspace: ${c.workspace_path ?? '(none: the work package has no branch)'}`,
    `- Branch: ${c.branch}, base ${c.base_branch ?? '?'} at ${c.base_commit ?? '?'}`,
    `- Planning files: ${fc.feature.dir}`,
    '',
    '## Decide',
    '',
    `- Approve: spec-kitty agent tasks move-task ${c.wp_id} --to done --agent ${c.reviewer} --note "<approval summary>"`,
    `- Request changes: write the feedback to ${feedbackFile}, then`,
    `  spec-kitty agent tasks move-task ${c.wp_id} --to planned --review-feedback-file ${feedbackFile} --agent ${c.reviewer}`,
    '',
    `## Commits (${c.commits.length})`,
    '',
    ...c.commits.map((x) => `- ${x.sha.slice(0, 12)} ${x.subject}`),
    '',
    '## Diff stat',
    '',
    '```',
    c.diffstat,
    '```',
    '',
    '## Work package prompt',
    '',
    wpText,
    '',
    '## Diff',
    '',
    '```diff',
    diff,
    '```',
    '',
  ].join('\n');
}
