import { existsSync, readFileSync } from 'node:fs';
import { orderStatusEvents, resolveLane, validateTransition, type Lane, type StatusSnapshot } from '@kitty/events';
import { WorkflowError, formatProblem } from '../errors.js';
import { emitStatusChanged, openFeature, openProjectFeature, reportingFailures, specNumber } from '../project/feature-context.js';
import type { WorkflowEnv } from '../ports.js';
import { changeFeatureStatus, laneArg, readFeatureState, type LaneMoveOptions, type LaneRequest } from './status-change.js';
import { serializeStatusEvent, snapshotsDiffer, statusSnapshotPath } from './status-log.js';
import { renderStatusBlock, STATUS_BLOCK_END, STATUS_BLOCK_START } from '../tasks/views.js';
import { checkReadiness, repoName, workspaceFacts } from '../execution/workspace-facts.js';
import { normalizeWpId } from '../tasks/wp-ref.js';
import { dutiesOf } from '../execution/duties.js';

const filled = (s: string | null | undefined): s is string => s !== undefined && s !== null && s.trim() !== '';

/** Options of {@link emitStatus} (`spec-kitty agent status emit`). */
export interface EmitStatusOptions extends LaneMoveOptions {
  readonly actor: string;
  /** Evidence as JSON: `{"review": {"reviewer", "verdict", "reference"}, "repos": [{"repo", "branch", "commit"}]}`. */
  readonly evidenceJson?: string | undefined;
  readonly workspaceContext?: string | undefined;
  /** Guard inputs; inferred from tasks.md and git when absent. */
  readonly subtasksComplete?: boolean | undefined;
  readonly implementationEvidencePresent?: boolean | undefined;
  readonly executionMode?: string | undefined;
}

/** What `agent status emit --json` prints. */
export interface EmitStatusResult {
  readonly event_id: string | null;
  readonly wp_id: string;
  readonly from_lane: Lane;
  readonly to_lane: Lane;
  readonly actor: string;
  readonly feature_slug: string;
  readonly commit_hash: string | null;
  readonly events_queued: number;
  readonly notes: readonly string[];
}

function parseEvidence(json: string | undefined): Pick<LaneRequest, 'review' | 'repos'> {
  if (!filled(json)) return {};
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    throw new WorkflowError('INVALID_OPTION', `--evidence-json is not valid JSON: ${(err as Error).message}`, {
      suggestions: ['Example: --evidence-json \'{"review":{"reviewer":"ada","verdict":"approved","reference":"PR#12"}}\''],
    });
  }
  const obj = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
  const review = obj?.['review'] !== null && typeof obj?.['review'] === 'object' ? (obj['review'] as Record<string, unknown>) : null;
  const s = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
  const repos = Array.isArray(obj?.['repos'])
    ? (obj['repos'] as unknown[]).flatMap((r) => {
        const o = r as Record<string, unknown> | null;
        const repo = s(o?.['repo']);
        const branch = s(o?.['branch']);
        const commit = s(o?.['commit']);
        return repo !== null && branch !== null && commit !== null ? [{ repo, branch, commit }] : [];
      })
    : [];
  if (obj === null)
    throw new WorkflowError('INVALID_OPTION', '--evidence-json must be a JSON object.', {
      suggestions: ['Example: --evidence-json \'{"review":{"reviewer":"ada","verdict":"approved","reference":"PR#12"}}\''],
    });
  return {
    review: review === null ? null : { reviewer: s(review['reviewer']), verdict: s(review['verdict']), reference: s(review['reference']) },
    ...(repos.length > 0 ? { repos } : {}),
  };
}

/**
 * `spec-kitty agent status emit WPxx --to LANE --actor A`: one lane move through the status pipeline (no walk:
 * exactly the move asked for, judged by the guards). Guard inputs not given are inferred: subtasks from
 * tasks.md, implementation evidence from git. Committed and synced like move-task.
 */
export async function emitStatus(options: EmitStatusOptions): Promise<EmitStatusResult> {
  const fc = await openFeature(options, { feature: options.feature, command: 'agent status emit' });
  const wpId = normalizeWpId(options.wpId);
  return reportingFailures(options, fc, { command: 'agent status emit', wpId, agent: options.actor }, async () => {
    const to = laneArg(options.to);
    const mode = options.executionMode;
    if (mode !== undefined && mode !== 'worktree' && mode !== 'direct_repo') {
      throw new WorkflowError('INVALID_OPTION', `--execution-mode must be worktree or direct_repo; got ${JSON.stringify(mode)}.`, {
        suggestions: ['Leave it out to have it detected.'],
      });
    }
    const evidence = parseEvidence(options.evidenceJson);
    const notes = [...fc.notes];
    const root = fc.project.root;
    let from: Lane = 'planned';
    const outcome = await changeFeatureStatus(
      { env: options, project: fc.project, feature: fc.feature, repoTop: fc.repoTop },
      async (state) => {
        const wp = state.wp(wpId);
        from = state.laneOf(wpId);
        const ws = await workspaceFacts(options.git, root, fc.feature, wp, { registry: false });
        const req: { -readonly [K in keyof LaneRequest]: LaneRequest[K] } = {
          wpId,
          to,
          walk: false,
          actor: options.actor,
          force: options.force === true,
          reason: options.reason ?? null,
          reviewRef: options.reviewRef ?? null,
          feedback: options.reviewRef ?? null,
          // Only a real workspace (or one named explicitly) satisfies the workspace guard of claimed → in_progress.
          workspaceContext: filled(options.workspaceContext) ? options.workspaceContext : ws.exists ? `worktree:${ws.relPath}` : null,
          duties: dutiesOf(state, wp, root),
          dependencies: {
            unfinished: (wp.dependencies ?? []).filter((d) => !['done', 'canceled'].includes(state.laneOf(d))),
            base: ws.exists ? (ws.baseBranch ?? ws.branch) : null,
          },
          executionMode: mode ?? (ws.exists ? 'worktree' : 'direct_repo'),
          ...evidence,
        };
        if (
          from === 'in_progress' &&
          to === 'for_review' &&
          (options.subtasksComplete === undefined || options.implementationEvidencePresent === undefined)
        ) {
          const ready = await checkReadiness(options.git, root, ws, wpId, await state.tasksMd.parse(), fc.target);
          req.subtasksComplete = options.subtasksComplete ?? ready.subtasksComplete;
          req.implementationEvidencePresent = options.implementationEvidencePresent ?? ready.implementationEvidencePresent;
        } else {
          if (options.subtasksComplete !== undefined) req.subtasksComplete = options.subtasksComplete;
          if (options.implementationEvidencePresent !== undefined)
            req.implementationEvidencePresent = options.implementationEvidencePresent;
        }
        if (to === 'done' && (req.repos === undefined || req.repos.length === 0)) {
          const commit = ws.branchSha ?? (await options.git.resolveCommit(root, 'HEAD'));
          if (commit !== null)
            req.repos = [{ repo: repoName(root), branch: ws.branchSha !== null ? ws.branch : (fc.branch ?? 'HEAD'), commit }];
        }
        return {
          requests: [req],
          edits: new Map([[wpId, { activity: { agent: options.actor, note: options.reason ?? `Status ${from} -> ${to}` } }]]),
          commitMessage: `chore: Move ${wpId} to ${to} on spec ${specNumber(fc.feature.slug)} [${options.actor}]`,
          result: null,
        };
      },
    );
    const queued = await emitStatusChanged(options, root, fc, outcome, notes);
    const last = outcome.events.at(-1);
    return {
      event_id: last?.event_id ?? null,
      wp_id: wpId,
      from_lane: from,
      to_lane: last?.to_lane ?? from,
      actor: options.actor,
      feature_slug: fc.feature.slug,
      commit_hash: outcome.commit.commit_hash,
      events_queued: queued,
      notes,
    };
  });
}

/** What `agent status materialize --json` prints: the snapshot plus what was rewritten. */
export interface MaterializeResult extends StatusSnapshot {
  readonly commit_created: boolean;
  readonly commit_hash: string | null;
  readonly files_committed: readonly string[];
  /**
   * With `--repair` only (the plain snapshot keeps the incumbent's keys): log lines rewritten (1-based line
   * numbers) and lines removed by `--repair --force`.
   */
  readonly repaired_lines?: readonly number[];
  readonly removed_lines?: readonly number[];
  readonly notes: readonly string[];
}

/**
 * `spec-kitty agent status materialize [--force] [--repair]`: rebuilds `status.json`, the frontmatter lanes and the
 * tasks.md status block from the log (repairing a torn last line) and commits what changed. With `force`, bad
 * lines in the middle of the log are skipped (and named) instead of failing. With `repair`, lines an older build
 * wrote that are understood but do not match today's schema are rewritten in today's form (each fix named), and
 * with `force` too, lines that cannot be understood at all are removed from the log (git history keeps them).
 */
export async function materializeStatus(
  options: WorkflowEnv & {
    readonly feature?: string | undefined;
    readonly force?: boolean | undefined;
    readonly repair?: boolean | undefined;
  },
): Promise<MaterializeResult> {
  const fc = await openFeature(options, { feature: options.feature, command: 'agent status materialize' });
  return reportingFailures(options, fc, { command: 'agent status materialize' }, async () => {
    const repairedLines: number[] = [];
    const removedLines: number[] = [];
    const extraNotes: string[] = [];
    const outcome = await changeFeatureStatus(
      { env: options, project: fc.project, feature: fc.feature, repoTop: fc.repoTop, tolerant: options.force === true },
      (state) => {
        if (!state.log.exists) {
          throw new WorkflowError('STATUS_LOG_MISSING', `${state.log.shownAs} does not exist: there is nothing to materialise yet.`, {
            suggestions: [`spec-kitty implement WP01 --feature ${fc.feature.slug} --agent claude`],
          });
        }
        const extraFiles: Array<{ path: string; text: string }> = [];
        if (options.repair === true && (state.log.repaired.length > 0 || (options.force === true && state.log.problems.length > 0))) {
          const fixed = new Map(state.log.repaired.map((r) => [r.line, r]));
          const drop = new Set(options.force === true ? state.log.problems.map((p) => p.line) : []);
          const lines = readFileSync(state.log.path, 'utf8').split('\n');
          const out: string[] = [];
          lines.forEach((text, i) => {
            const n = i + 1;
            const r = fixed.get(n);
            if (r !== undefined) {
              out.push(serializeStatusEvent(r.event));
              repairedLines.push(n);
              extraNotes.push(`${state.log.shownAs}:${n}: rewrote (${r.fixes.join('; ')}).`);
            } else if (drop.has(n)) {
              removedLines.push(n);
              extraNotes.push(`${state.log.shownAs}:${n}: removed an unreadable line (git history keeps it): ${text.slice(0, 100)}`);
            } else out.push(text);
          });
          extraFiles.push({ path: state.log.path, text: out.join('\n') });
        }
        const what =
          repairedLines.length + removedLines.length > 0
            ? `Repair status log and materialize status of spec ${specNumber(fc.feature.slug)}`
            : `Materialize status of spec ${specNumber(fc.feature.slug)}`;
        return { requests: [], materialize: true, extraFiles, commitMessage: `chore: ${what}`, result: null };
      },
    );
    return {
      ...outcome.snapshot,
      commit_created: outcome.commit.commit_created,
      commit_hash: outcome.commit.commit_hash,
      files_committed: outcome.commit.files_committed,
      ...(options.repair === true ? { repaired_lines: repairedLines, removed_lines: removedLines } : {}),
      notes: [
        ...fc.notes,
        ...outcome.notes.filter((n) => !(repairedLines.length > 0 && n.includes('read an older line tolerantly'))),
        ...extraNotes,
      ],
    };
  });
}

/** What `agent status validate --json` prints; `passed` false exits non-zero. */
export interface ValidateStatusResult {
  readonly feature_slug: string;
  /** Always 2: the log is the only writer, so any drift of a derived view is an error. */
  readonly phase: number;
  readonly phase_source: string;
  readonly passed: boolean;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly error_count: number;
  readonly warning_count: number;
  readonly event_count: number;
  readonly notes: readonly string[];
}

/**
 * `spec-kitty agent status validate`: checks the log (every line against the schema, each work package's
 * events chaining from lane to lane and legal under the guards, evidence on approvals) and the derived views
 * (`status.json`, frontmatter lanes, the tasks.md block) against it. Read-only.
 */
export async function validateStatus(options: WorkflowEnv & { readonly feature?: string | undefined }): Promise<ValidateStatusResult> {
  const { project, feature } = await openProjectFeature(options, { feature: options.feature, command: 'agent status validate' });
  const state = readFeatureState(project.root, feature, options.now(), { tolerant: true });
  const errors: string[] = state.log.problems.map(formatProblem);
  const warnings: string[] = [...state.log.warnings];
  const lanes = new Map<string, Lane>();
  for (const e of orderStatusEvents(state.log.events)) {
    const prev = lanes.get(e.wp_id) ?? 'planned';
    if (e.from_lane !== prev) errors.push(`${e.wp_id} event ${e.event_id}: from_lane ${e.from_lane} but the work package was in ${prev}`);
    if (e.force && !filled(e.reason))
      warnings.push(`${e.wp_id} event ${e.event_id}: a forced move without a reason (written by an older build)`);
    if (!e.force) {
      try {
        validateTransition({
          from: e.from_lane,
          to: e.to_lane,
          actor: e.actor,
          reason: e.reason ?? null,
          reviewRef: e.review_ref ?? null,
          feedback: e.review_ref ?? null,
          workspaceContext: e.execution_mode,
          subtasksComplete: true,
          implementationEvidencePresent: true,
          evidence:
            e.evidence === null || e.evidence === undefined
              ? null
              : {
                  review: {
                    reviewer: e.evidence.review.reviewer,
                    verdict: e.evidence.review.verdict,
                    reference: e.evidence.review.reference ?? null,
                  },
                },
        });
      } catch (err) {
        errors.push(`${e.wp_id} event ${e.event_id}: ${(err as Error).message}`);
      }
    }
    lanes.set(e.wp_id, e.to_lane);
  }
  const snapPath = statusSnapshotPath(feature);
  if (state.log.events.length > 0) {
    if (!existsSync(snapPath)) errors.push(`${feature.relDir}/status.json is missing (run spec-kitty agent status materialize)`);
    else {
      try {
        if (snapshotsDiffer(state.snapshot, JSON.parse(readFileSync(snapPath, 'utf8'))))
          errors.push(`${feature.relDir}/status.json does not match the log (run spec-kitty agent status materialize)`);
      } catch {
        errors.push(`${feature.relDir}/status.json is not valid JSON (run spec-kitty agent status materialize)`);
      }
    }
  }
  for (const w of state.workPackages.workPackages) {
    const logLane = state.snapshot.work_packages[w.id]?.lane;
    if (logLane === undefined) continue;
    let fm: string | null = w.lane;
    try {
      fm = w.lane === null ? null : resolveLane(w.lane);
    } catch {
      // reported below as drift
    }
    if (fm !== logLane) errors.push(`${w.shownAs}: frontmatter lane ${JSON.stringify(w.lane)} but the log says ${logLane}`);
  }
  const tasks = state.tasksMd.file?.text;
  if (tasks !== undefined && state.log.events.length > 0) {
    const start = tasks.indexOf(STATUS_BLOCK_START);
    const end = tasks.indexOf(STATUS_BLOCK_END);
    const block = start >= 0 && end > start ? tasks.slice(start, end + STATUS_BLOCK_END.length).replace(/\r\n/g, '\n') : null;
    if (block !== renderStatusBlock(state.snapshot))
      warnings.push(
        `${feature.relDir}/tasks.md: the generated status block is ${block === null ? 'missing' : 'out of date'} (run spec-kitty agent status materialize)`,
      );
  }
  return {
    feature_slug: feature.slug,
    phase: 2,
    phase_source: 'kitty: the status log is the only writer of lanes',
    passed: errors.length === 0,
    errors,
    warnings,
    error_count: errors.length,
    warning_count: warnings.length,
    event_count: state.log.events.length,
    notes: [],
  };
}
