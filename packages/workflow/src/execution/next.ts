import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Lane } from '@kitty/events';
import { WorkflowError } from '../errors.js';
import { isFile } from '../files/files.js';
import { openProject } from '../project/project.js';
import { openProjectFeature, resolveCommandFeature } from '../project/feature-context.js';
import { listFeatures, WORKTREES_DIR, type ResolvedFeature } from '../project/features.js';
import { missionOf, readMeta } from '../project/meta.js';
import type { TemplateSource, WorkflowEnv } from '../ports.js';
import { readFeatureState, type FeatureState } from '../status/status-change.js';
import { uncheckedSubtasks } from './workspace-facts.js';

/** What `next` answers: do a step, decide, wait, or nothing is left. */
export type NextKind = 'step' | 'decision_required' | 'blocked' | 'terminal';

/** How the last step went, as the agent reports it with `--result`. */
export type StepResult = 'success' | 'failed' | 'blocked';

/** Options of {@link nextStep}. */
export interface NextOptions extends WorkflowEnv {
  /** The agent asking (its key, e.g. `claude`): ownership and review decisions depend on it. */
  readonly agent: string;
  readonly feature?: string | undefined;
  readonly result?: string | undefined;
  /** The mission templates: a spec.md still equal to the spec template counts as not written. */
  readonly templates?: TemplateSource | undefined;
}

/** A work package that can be started now (dependencies done, nobody on it). */
export interface ReadyWorkPackage {
  readonly wp_id: string;
  readonly title: string;
  readonly lane: Lane;
  readonly dependencies: readonly string[];
  readonly prompt_file: string;
}

/** Progress of the feature's work packages. */
export interface NextProgress {
  readonly total_wps: number;
  readonly done_wps: number;
  readonly by_lane: Readonly<Record<string, number>>;
  readonly percentage: number;
}

/** What `spec-kitty next --json` prints (the incumbent's keys plus commands, ready work packages and more). */
export interface NextResult {
  readonly kind: NextKind;
  readonly agent: string;
  readonly feature_slug: string | null;
  readonly feature_dir: string | null;
  readonly mission: string | null;
  /** The step of the mission the feature is at (specify, plan, tasks_outline, …, accept, merge, done). */
  readonly mission_state: string;
  readonly step_id: string;
  readonly timestamp: string;
  /** What to do, in a few words (specify, plan, tasks, implement, review, accept, merge, wait, done). */
  readonly action: string;
  /** The exact commands to run, in order, from the project root (after any writing `instructions` asks for). */
  readonly commands: readonly string[];
  /** What to write or check before running the commands (empty when the commands are the whole step). */
  readonly instructions: readonly string[];
  readonly wp_id: string | null;
  readonly workspace_path: string | null;
  readonly prompt_file: string | null;
  readonly reason: string;
  readonly guard_failures: readonly string[];
  readonly progress: NextProgress | null;
  /** Work packages another agent could start in parallel now. */
  readonly ready_wps: readonly ReadyWorkPackage[];
  readonly last_result: StepResult | null;
  readonly origin: { readonly mission_tier: string | null; readonly mission_path: string | null };
  readonly run_id: null;
  readonly decision_id: string | null;
  readonly input_key: string | null;
  readonly question: string | null;
  readonly options: readonly string[] | null;
  /** One line for humans: what is next. */
  readonly summary: string;
  readonly notes: readonly string[];
}

const RESULTS: readonly StepResult[] = ['success', 'failed', 'blocked'];
const FINISHED: ReadonlySet<Lane> = new Set<Lane>(['done', 'canceled']);
const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

function blankSpec(file: string, template: string | null): boolean {
  if (!isFile(file)) return true;
  const text = readFileSync(file, 'utf8').replace(/\r\n/g, '\n').trim();
  return text === '' || (template !== null && text === template.replace(/\r\n/g, '\n').trim());
}

interface Base {
  agent: string;
  feature: ResolvedFeature;
  mission: string;
  now: Date;
  lastResult: StepResult | null;
  notes: string[];
}

/**
 * `spec-kitty next --agent NAME`: the one question an agent asks — what do I do now? — answered from the
 * feature's files, its status log and its git branches only (no run state of its own). The mission's steps in
 * order: specify (spec.md empty) → plan (no plan.md) → tasks_outline (no tasks.md) → tasks_packages (no
 * WP files) → tasks_finalize (a WP without a dependencies line) → implement / review (per work package, for
 * this agent: first its own work in progress, then a review it holds, then a review of another agent's
 * work, then a ready package) → accept → merge → terminal. When the agent can do nothing until someone else
 * finishes, the answer is `blocked` with the reason. `result` (`--result`) reports how the last step went:
 * `blocked` answers `blocked`, `failed` repeats the step with that reason. Read-only.
 */
export async function nextStep(options: NextOptions): Promise<NextResult> {
  const agent = str(options.agent);
  if (agent === '' || !/^[A-Za-z0-9._-]{1,64}$/.test(agent)) {
    throw new WorkflowError(
      'INVALID_OPTION',
      `--agent must be the agent's key (letters, digits, . _ -), got ${JSON.stringify(options.agent.slice(0, 64))}.`,
      { suggestions: ['spec-kitty next --agent claude --json'] },
    );
  }
  let lastResult: StepResult | null = null;
  if (options.result !== undefined && options.result !== '') {
    if (!RESULTS.includes(options.result as StepResult)) {
      throw new WorkflowError(
        'INVALID_OPTION',
        `--result must be success, failed or blocked, got ${JSON.stringify(options.result.slice(0, 40))}.`,
        { suggestions: [`spec-kitty next --agent ${agent} --result success --json`] },
      );
    }
    lastResult = options.result as StepResult;
  }
  const now = options.now();
  const project = await openProject(options);
  if (listFeatures(project.root).length === 0) {
    return answer({ agent, now, lastResult, notes: [] }, null, {
      kind: 'step',
      state: 'specify',
      action: 'specify',
      commands: ['spec-kitty agent feature create-feature <feature-name> --json'],
      instructions: ['Pick a short kebab-case name for the feature, create it, then write its spec.md (run /spec-kitty.specify).'],
      reason: 'The project has no feature yet.',
    });
  }
  const feature = await resolveCommandFeature(project, options, {
    feature: options.feature,
    command: `next --agent ${agent}`,
    guess: true,
  });
  const meta = readMeta(project.root, feature)?.data ?? null;
  const base: Base = { agent, feature, mission: missionOf(meta), now, lastResult, notes: feature.note === undefined ? [] : [feature.note] };
  const slug = feature.slug;
  const f = `--feature ${slug}`;
  const rel = (p: string): string => path.relative(project.root, p).split(path.sep).join('/');
  const commitDocs = (files: string): string => `git add ${files} && git commit -m "Update ${slug} planning documents"`;

  if (lastResult === 'blocked') {
    return answer(base, null, {
      kind: 'blocked',
      state: 'blocked',
      action: 'wait',
      commands: [],
      instructions: ['Tell the user what blocks you; ask again with --result success once it is resolved.'],
      reason: 'The agent reported the last step as blocked.',
    });
  }
  const spec = path.join(feature.dir, 'spec.md');
  const specTemplate =
    options.templates === undefined
      ? null
      : ((await options.templates.template(base.mission, 'spec-template.md').catch(() => null))?.text ?? null);
  if (blankSpec(spec, specTemplate)) {
    return answer(base, null, {
      kind: 'step',
      state: 'specify',
      action: 'specify',
      prompt: spec,
      instructions: [`Write ${rel(spec)} from the spec template (run /spec-kitty.specify), then commit it.`],
      commands: [commitDocs(rel(feature.dir))],
      reason: 'spec.md is not written yet (empty or still the template).',
    });
  }
  const specText = readFileSync(spec, 'utf8');
  if (specText.includes('[NEEDS CLARIFICATION')) {
    return answer(base, null, {
      kind: 'step',
      state: 'clarify',
      action: 'clarify',
      prompt: spec,
      instructions: [`Resolve every [NEEDS CLARIFICATION: …] marker in ${rel(spec)} with the user (run /spec-kitty.clarify), then commit.`],
      commands: [commitDocs(rel(feature.dir))],
      reason: `spec.md has ${specText.split('[NEEDS CLARIFICATION').length - 1} open clarification marker(s).`,
    });
  }
  const plan = path.join(feature.dir, 'plan.md');
  if (!isFile(plan)) {
    return answer(base, null, {
      kind: 'step',
      state: 'plan',
      action: 'plan',
      prompt: plan,
      commands: [`spec-kitty agent feature setup-plan ${f} --json`],
      instructions: [`After setup-plan, fill ${rel(plan)} (run /spec-kitty.plan) and commit it: ${commitDocs(rel(feature.dir))}`],
      reason: 'The feature has a spec but no plan.md.',
    });
  }
  const state = readFeatureState(project.root, feature, now, { tolerant: true });
  base.notes.push(...state.log.warnings);
  const tasksMd = path.join(feature.dir, 'tasks.md');
  const wps = state.workPackages.workPackages;
  if (!isFile(tasksMd)) {
    return answer(base, state, {
      kind: 'step',
      state: 'tasks_outline',
      action: 'tasks',
      prompt: tasksMd,
      instructions: [`Write ${rel(tasksMd)} (run /spec-kitty.tasks): work packages WP01… with subtasks and dependencies.`],
      commands: [],
      reason: 'The feature has a plan but no tasks.md.',
    });
  }
  if (wps.length === 0) {
    return answer(base, state, {
      kind: 'step',
      state: 'tasks_packages',
      action: 'tasks',
      prompt: path.join(feature.dir, 'tasks'),
      instructions: [
        `Write one prompt file per work package in ${rel(path.join(feature.dir, 'tasks'))}/ (WP01-short-name.md, …) from the task prompt template, then finalize.`,
      ],
      commands: [`spec-kitty agent feature finalize-tasks ${f} --json`],
      reason: 'tasks.md exists but there are no work package files.',
    });
  }
  const unfinalized = wps.filter((w) => !Object.prototype.hasOwnProperty.call(w.data, 'dependencies'));
  const neverCommitted =
    !isFile(path.join(feature.dir, 'status.events.jsonl')) &&
    (await options.git.status(project.root, [rel(path.join(feature.dir, 'tasks'))]).catch(() => [])).length > 0;
  if (unfinalized.length > 0 || neverCommitted) {
    return answer(base, state, {
      kind: 'step',
      state: 'tasks_finalize',
      action: 'tasks',
      commands: [`spec-kitty agent feature finalize-tasks ${f} --json`],
      instructions: [],
      reason:
        unfinalized.length > 0
          ? `Work packages without a dependencies line: ${unfinalized.map((w) => w.id).join(', ')}.`
          : 'The work package files are not committed yet.',
      guards: unfinalized.map((w) => `${w.id}: no dependencies in the frontmatter (run finalize-tasks)`),
    });
  }

  // Work packages: this agent's own work first, then reviews, then new work.
  const laneOf = (id: string): Lane => state.laneOf(id);
  const depsOf = (id: string): readonly string[] => wps.find((w) => w.id === id)?.dependencies ?? [];
  const ownerOf = (id: string): string => str(wps.find((w) => w.id === id)?.data['agent']) || str(state.snapshot.work_packages[id]?.actor);
  const reviewerOf = (id: string): string => {
    const w = wps.find((x) => x.id === id);
    return w !== undefined && w.data['review_status'] === 'in_review' ? str(w.data['reviewed_by']) : '';
  };
  const ws = (id: string): string => path.join(project.root, WORKTREES_DIR, `${slug}-${id}`);
  const wpFile = (id: string): string => wps.find((w) => w.id === id)?.path ?? '';
  /** The start of an answer that works on one work package: in its workspace, from its prompt file. */
  const onWp = (kind: 'step' | 'decision_required', action: 'implement' | 'review', id: string) =>
    ({ kind, state: action, action, wp: id, workspace: ws(id), prompt: wpFile(id) }) as const;
  const mine = (id: string): boolean => ownerOf(id) === agent;
  const failed = lastResult === 'failed' ? ' The last step was reported as failed: fix what went wrong and run the commands again.' : '';

  const working = wps.filter((w) => (laneOf(w.id) === 'in_progress' || laneOf(w.id) === 'claimed') && mine(w.id));
  if (working.length > 0) {
    const id = (working[0] as (typeof working)[number]).id;
    const parsed = await state.tasksMd.parse().catch(() => null);
    const open = uncheckedSubtasks(parsed, id);
    return answer(base, state, {
      ...onWp('step', 'implement', id),
      instructions: [
        `Implement ${id} inside ${rel(ws(id))} following ${rel(wpFile(id))} (its Review Feedback first, when present); commit your work there, then run the commands.`,
      ],
      commands: [
        ...(open.length > 0 ? [`spec-kitty agent tasks mark-status ${open.join(' ')} --status done ${f} --json`] : []),
        `spec-kitty agent tasks move-task ${id} --to for_review --agent ${agent} ${f} --note "Ready for review" --json`,
      ],
      reason: `${id} is in progress by ${agent}.${failed}`,
    });
  }
  const reviewing = wps.filter((w) => laneOf(w.id) === 'for_review' && reviewerOf(w.id) === agent);
  if (reviewing.length > 0) {
    const id = (reviewing[0] as (typeof reviewing)[number]).id;
    return answer(base, state, {
      ...onWp('decision_required', 'review', id),
      instructions: [
        `Review ${id} in ${rel(ws(id))} against ${rel(wpFile(id))}, then approve (first command) or write feedback to a file and request changes (the option).`,
      ],
      commands: [`spec-kitty agent tasks move-task ${id} --to done --agent ${agent} ${f} --note "Approved" --json`],
      reason: `${agent} holds the review of ${id}.${failed}`,
      decision: {
        question: `Approve ${id} or request changes?`,
        options: [
          `spec-kitty agent tasks move-task ${id} --to done --agent ${agent} ${f} --note "Approved" --json`,
          `spec-kitty agent tasks move-task ${id} --to planned --review-feedback-file <feedback-file> --agent ${agent} ${f} --json`,
        ],
      },
    });
  }
  const toReview = wps.filter((w) => laneOf(w.id) === 'for_review' && reviewerOf(w.id) === '' && !mine(w.id));
  if (toReview.length > 0) {
    const id = (toReview[0] as (typeof toReview)[number]).id;
    return answer(base, state, {
      ...onWp('step', 'review', id),
      commands: [`spec-kitty agent workflow review ${id} --agent ${agent} ${f} --json`],
      instructions: ['Claim the review, then ask next again for the decision.'],
      reason: `${id} waits for a review by an agent other than its implementer (${ownerOf(id) || 'unknown'}).`,
    });
  }
  const ready = readyOf(
    state,
    wps.map((w) => w.id),
    depsOf,
  );
  if (ready.length > 0) {
    const id = (ready[0] as ReadyWorkPackage).wp_id;
    return answer(
      base,
      state,
      {
        ...onWp('step', 'implement', id),
        commands: [`spec-kitty implement ${id} --agent ${agent} ${f} --json`],
        instructions: ['Claim the work package and create its workspace, then ask next again.'],
        reason: `${id} is planned and its dependencies are done.`,
      },
      ready,
    );
  }
  const open = wps.filter((w) => !FINISHED.has(laneOf(w.id)));
  if (open.length > 0) {
    const why = open.map((w) => {
      const lane = laneOf(w.id);
      if (lane === 'planned')
        return `${w.id} waits for ${
          depsOf(w.id)
            .filter((d) => laneOf(d) !== 'done')
            .join(', ') || 'nothing'
        }`;
      if (lane === 'for_review')
        return `${w.id} in for_review${reviewerOf(w.id) !== '' ? ` (reviewed by ${reviewerOf(w.id)})` : ` (needs a reviewer other than ${ownerOf(w.id) || 'its implementer'})`}`;
      return `${w.id} ${lane}${ownerOf(w.id) !== '' ? ` (${ownerOf(w.id)})` : ''}`;
    });
    // Others are on it (in progress, or a review only another agent may do): wait and ask again. Nobody can
    // move (only blocked or unreachable packages left): blocked, for a human to look at.
    const moving = open.some((w) => ['claimed', 'in_progress', 'for_review'].includes(laneOf(w.id)));
    return answer(base, state, {
      kind: moving ? 'step' : 'blocked',
      state: 'implement',
      action: 'wait',
      commands: moving ? [`spec-kitty next --agent ${agent} ${f} --json`] : [],
      instructions: [
        moving
          ? 'Other agents are working on what is left: ask again later (the command).'
          : 'Nothing can move without help: show the user the reason.',
      ],
      reason: `Nothing ${agent} can do now: ${why.join('; ')}.`,
      guards: why,
    });
  }
  if (str(meta?.['accepted_at']) === '') {
    return answer(base, state, {
      kind: 'step',
      state: 'accept',
      action: 'accept',
      commands: [`spec-kitty accept ${f} --json`],
      instructions: [],
      reason: 'Every work package is done.',
    });
  }
  const branches = wps.filter((w) => laneOf(w.id) === 'done').map((w) => `${slug}-${w.id}`);
  const heads = await options.git.branchHeads(project.root, branches);
  const target = str(meta?.['target_branch']) || (await options.git.currentBranch(project.root)) || 'main';
  const unmerged: string[] = [];
  for (const b of branches) {
    const sha = heads.get(b) ?? null;
    if (sha !== null && !(await options.git.isAncestor(project.root, sha, target).catch(() => false))) unmerged.push(b);
  }
  if (unmerged.length > 0) {
    return answer(base, state, {
      kind: 'step',
      state: 'merge',
      action: 'merge',
      commands: [`spec-kitty merge ${f} --json`],
      instructions: [],
      reason: `The feature is accepted; ${unmerged.length} work package branch(es) are not merged into ${target}.`,
    });
  }
  return answer(base, state, {
    kind: 'terminal',
    state: 'done',
    action: 'done',
    commands: [],
    instructions: [],
    reason: `${slug} is accepted and merged into ${target}.`,
  });
}

function readyOf(state: FeatureState, ids: readonly string[], depsOf: (id: string) => readonly string[]): ReadyWorkPackage[] {
  return ids
    .filter((id) => state.laneOf(id) === 'planned' && depsOf(id).every((d) => state.laneOf(d) === 'done'))
    .map((id) => {
      const w = state.workPackages.workPackages.find((x) => x.id === id);
      return { wp_id: id, title: w?.title ?? id, lane: state.laneOf(id), dependencies: depsOf(id), prompt_file: w?.path ?? '' };
    });
}

interface Step {
  kind: NextKind;
  state: string;
  action: string;
  commands: string[];
  instructions: string[];
  reason: string;
  wp?: string;
  workspace?: string;
  prompt?: string;
  guards?: string[];
  decision?: { question: string; options: string[] };
}

function answer(
  base: Omit<Base, 'feature' | 'mission'> & Partial<Pick<Base, 'feature' | 'mission'>>,
  state: FeatureState | null,
  step: Step,
  ready?: ReadyWorkPackage[],
): NextResult {
  let progress: NextProgress | null = null;
  let readyWps: ReadyWorkPackage[] = ready ?? [];
  if (state !== null) {
    const ids = state.workPackages.workPackages.map((w) => w.id);
    const byLane: Record<string, number> = {};
    for (const id of ids) byLane[state.laneOf(id)] = (byLane[state.laneOf(id)] ?? 0) + 1;
    const done = ids.filter((id) => state.laneOf(id) === 'done').length;
    progress = {
      total_wps: ids.length,
      done_wps: done,
      by_lane: byLane,
      percentage: ids.length === 0 ? 0 : Math.round((done / ids.length) * 100),
    };
    if (ready === undefined) {
      readyWps = readyOf(state, ids, (id) => state.workPackages.workPackages.find((w) => w.id === id)?.dependencies ?? []);
    }
  }
  const first = step.commands[0];
  const summary =
    step.kind === 'terminal'
      ? `nothing left: ${step.reason}`
      : step.kind === 'blocked' || step.action === 'wait'
        ? `wait (${step.reason})`
        : `${step.action}${step.wp === undefined ? '' : ` ${step.wp}`}${first === undefined ? ` — ${step.instructions[0] ?? step.reason}` : ` — run: ${first}`}`;
  const decisionId = step.decision === undefined ? null : `${base.feature?.slug ?? ''}:${step.wp ?? ''}:review`;
  return {
    kind: step.kind,
    agent: base.agent,
    feature_slug: base.feature?.slug ?? null,
    feature_dir: base.feature?.dir ?? null,
    mission: base.mission ?? null,
    mission_state: step.state,
    step_id: step.state,
    timestamp: base.now.toISOString(),
    action: step.action,
    commands: step.commands,
    instructions: step.instructions,
    wp_id: step.wp ?? null,
    workspace_path: step.workspace ?? null,
    prompt_file: step.prompt ?? null,
    reason: step.reason,
    guard_failures: step.guards ?? [],
    progress,
    ready_wps: readyWps,
    last_result: base.lastResult,
    origin: { mission_tier: null, mission_path: null },
    run_id: null,
    decision_id: decisionId,
    input_key: step.decision === undefined ? null : 'decision',
    question: step.decision?.question ?? null,
    options: step.decision?.options ?? null,
    summary,
    notes: base.notes,
  };
}

/** What `agent tasks list-dependents --json` prints. */
export interface ListDependentsResult {
  readonly wp_id: string;
  readonly feature_slug: string;
  /** The work package's own dependencies. */
  readonly depends_on: readonly string[];
  /** Work packages that depend on it directly. */
  readonly dependents: readonly string[];
  /** Work packages that depend on it directly or through others. */
  readonly all_dependents: readonly string[];
  readonly notes: readonly string[];
}

/** `spec-kitty agent tasks list-dependents WPxx`: who depends on a work package (from the frontmatter). Read-only. */
export async function listDependents(
  options: WorkflowEnv & { readonly wpId: string; readonly feature?: string | undefined },
): Promise<ListDependentsResult> {
  const { normalizeWpId } = await import('../tasks/wp-ref.js');
  const wpId = normalizeWpId(options.wpId);
  const { project, feature } = await openProjectFeature(options, {
    feature: options.feature,
    command: `agent tasks list-dependents ${wpId}`,
    guess: true,
  });
  const state = readFeatureState(project.root, feature, options.now(), { tolerant: true });
  const wp = state.wp(wpId);
  const deps = new Map(state.workPackages.workPackages.map((w) => [w.id, w.dependencies ?? []] as const));
  const direct = [...deps]
    .filter(([, d]) => d.includes(wpId))
    .map(([id]) => id)
    .sort();
  const all = new Set<string>();
  const queue = [...direct];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (all.has(id)) continue;
    all.add(id);
    for (const [other, d] of deps) if (d.includes(id)) queue.push(other);
  }
  return {
    wp_id: wpId,
    feature_slug: feature.slug,
    depends_on: wp.dependencies ?? [],
    dependents: direct,
    all_dependents: [...all].sort(),
    notes: feature.note === undefined ? [] : [feature.note],
  };
}
