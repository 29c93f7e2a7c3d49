import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Lane } from '@kitty/events';
import { commitFiles } from '../git/commit.js';
import { WorkflowError } from '../errors.js';
import { emitStatusChanged, type FeatureContext, openFeature, reportingFailures } from '../project/feature-context.js';
import { isDir, writeFileAtomic } from '../files/files.js';
import type { GitPort } from '../git/git-port.js';
import { addIgnoreEntries, EXCLUDE_ENTRIES, EXCLUDE_MARKER } from '../planning/gitignore.js';
import { locksDir, withLock } from '../files/lock.js';
import { checkTakeover, commandLine, ownerOf, resolveActor, type Actor } from './duties.js';
import { sameActor } from '@kitty/events';
import type { WorkflowEnv } from '../ports.js';
import { writePrompt } from '../project/scratch.js';
import type { Transaction } from '../git/transaction.js';
import { changeFeatureStatus, type FeatureState, type LaneRequest, type StatusChangePlan, type WpEdit } from '../status/status-change.js';
import { workspaceFacts, type WorkspaceFacts } from './workspace-facts.js';
import { normalizeWpId, wpBranch } from '../tasks/wp-ref.js';
import type { YamlSet } from '../files/yaml-edit.js';

/** Options of {@link implementWorkPackage}. */
export interface ImplementOptions extends WorkflowEnv {
  /** The work package; `agent workflow implement` picks the first ready planned one when absent. */
  readonly wpId?: string | undefined;
  readonly feature?: string | undefined;
  /** Start from this work package's branch instead of the one the dependencies decide. */
  readonly base?: string | undefined;
  readonly agent?: string | undefined;
  /** Take over a work package another agent is implementing (needs `reason`). */
  readonly force?: boolean | undefined;
  /** Why a work package is taken over with `force` (recorded in a forced status event). */
  readonly reason?: string | undefined;
  readonly shellPid?: string | undefined;
  /** `implement` (top-level) or `workflow` (`agent workflow implement`: needs an agent, writes a prompt file). */
  readonly mode?: 'implement' | 'workflow';
}

/** What `spec-kitty implement --json` prints (the Python CLI's keys plus more). */
export interface ImplementResult {
  /** `.worktrees/<slug>-WPxx`, relative to the project root (cd there to work). */
  readonly workspace: string;
  /** The same, relative to the project root (as the incumbent prints it). */
  readonly workspace_path: string;
  /** Absolute path of the workspace. */
  readonly workspace_abs_path: string;
  readonly branch: string;
  readonly feature: string;
  readonly wp_id: string;
  /** The branch (or commit) the work package started from. */
  readonly base: string;
  readonly base_branch: string | null;
  readonly base_commit: string | null;
  readonly dependencies: readonly string[];
  /** `created` or `reused`. */
  readonly status: 'created' | 'reused';
  readonly lane: Lane;
  /** Whether this run moved the work package into in_progress. */
  readonly claimed: boolean;
  readonly commit_hash: string | null;
  /** The implementation prompt written for the agent (`agent workflow implement`), else null. */
  readonly prompt_file: string | null;
  readonly events_queued: number;
  readonly notes: readonly string[];
}

/** The sparse-checkout patterns of a workspace: everything but the planning files. */
export const WORKSPACE_SPARSE_PATTERNS: readonly string[] = Object.freeze(['/*', '!/kitty-specs/']);

const filled = (s: string | null | undefined): s is string => s !== undefined && s !== null && s.trim() !== '';

/** The base a new workspace starts from. */
interface BasePlan {
  /** The branch (or ref) to create the workspace branch from. */
  readonly from: string;
  /** Further branches merged in right after creation (several unmerged dependencies). */
  readonly merge: readonly string[];
  readonly notes: readonly string[];
}

/**
 * Decides the base of a work package from git facts, not lane names (reference §2.7 fixed by §10 #13):
 * no dependencies → the feature's target branch; each dependency branch is merged (an ancestor of the target),
 * unmerged, or missing; all merged → the target; one unmerged → that branch; several → the first, with the
 * others (and the target, when a merged dependency is not in the first) merged into the new branch.
 */
export async function chooseBase(
  git: GitPort,
  root: string,
  fc: FeatureContext,
  state: FeatureState,
  wpId: string,
  deps: readonly string[],
  target: string,
): Promise<BasePlan> {
  const notes: string[] = [];
  const branches = deps.map((d) => wpBranch(fc.feature, d));
  const heads = await git.branchHeads(root, branches);
  const merged: Array<{ dep: string; sha: string }> = [];
  const unmerged: Array<{ dep: string; branch: string; sha: string }> = [];
  for (const dep of deps) {
    const branch = wpBranch(fc.feature, dep);
    const sha = heads.get(branch) ?? null;
    if (sha === null) {
      const lane = state.laneOf(dep);
      if (lane === 'done' || lane === 'canceled') {
        notes.push(`${dep} is ${lane} and its branch ${branch} no longer exists; assuming its work is in ${target}.`);
        continue;
      }
      throw new WorkflowError('DEPENDENCY_NOT_STARTED', `${wpId} depends on ${dep}, which has no branch yet (${branch}; lane ${lane}).`, {
        suggestions: [
          `Implement ${dep} first: spec-kitty implement ${dep}`,
          `Or choose the base yourself: spec-kitty implement ${wpId} --base <WPxx>`,
        ],
        details: { wp_id: wpId, dependency: dep, lane },
      });
    }
    if (await git.isAncestor(root, sha, target)) merged.push({ dep, sha });
    else unmerged.push({ dep, branch, sha });
  }
  if (unmerged.length === 0) {
    if (deps.length > 0) notes.push(`Dependencies ${deps.join(', ')} are merged into ${target}; starting from ${target}.`);
    return { from: target, merge: [], notes };
  }
  const first = unmerged[0] as { dep: string; branch: string; sha: string };
  const merge = unmerged.slice(1).map((u) => u.branch);
  for (const m of merged) {
    if (!(await git.isAncestor(root, m.sha, first.sha))) {
      merge.push(target);
      notes.push(`${m.dep} is merged into ${target} but not in ${first.branch}; merging ${target} in too.`);
      break;
    }
  }
  const laneNote = (dep: string): string => {
    const lane = state.laneOf(dep);
    return lane === 'done' ? 'done, not merged into the target yet' : `not done: ${lane}`;
  };
  notes.push(
    merge.length === 0
      ? `${wpId} depends on ${first.dep} (${laneNote(first.dep)}): starting from its branch ${first.branch} (as implement --base ${first.dep} does); merge ${first.branch} in again when ${first.dep} changes.`
      : `${wpId} depends on ${unmerged.map((u) => `${u.dep} (${laneNote(u.dep)})`).join(', ')}: it starts from ${first.branch} with ${merge.join(', ')} merged in.`,
  );
  return { from: first.branch, merge, notes };
}

function worktreeError(err: unknown, ws: WorkspaceFacts, root: string): never {
  const msg = (err as Error)?.message ?? String(err);
  const inUse = /already (?:checked out|used by worktree) at '([^']+)'/.exec(msg);
  if (inUse !== null) {
    throw new WorkflowError(
      'WORKTREE_BRANCH_IN_USE',
      `Branch ${ws.branch} is already checked out at ${inUse[1]}; a branch can be checked out in one place only.`,
      {
        suggestions: [`Switch that checkout to another branch (git -C "${inUse[1]}" switch <other>), then run the command again.`],
        details: { branch: ws.branch, checked_out_at: inUse[1] },
        cause: err,
      },
    );
  }
  if (/missing but locked worktree/.test(msg)) {
    throw new WorkflowError('WORKTREE_LOCKED', `The worktree ${ws.relPath} is locked and its directory is missing.`, {
      suggestions: [`If nothing uses it any more: git worktree unlock "${ws.path}" && git worktree prune, then run the command again.`],
      details: { path: ws.path },
      cause: err,
    });
  }
  throw new WorkflowError('WORKTREE_FAILED', `Could not create the workspace ${ws.relPath}: ${msg.split('\n')[0] ?? msg}`, {
    suggestions: ['Check the git message above (git worktree list shows the existing worktrees), then run the command again.'],
    details: { path: ws.path, root },
    cause: err,
  });
}

/** Makes sure `.worktrees/` is in the repository's local exclude file, so workspaces never show as untracked. */
function ensureExcluded(fc: FeatureContext): void {
  const common = fc.project.location?.commonDir;
  if (common === undefined) return;
  const file = path.join(common, 'info', 'exclude');
  const before = existsSync(file) ? readFileSync(file, 'utf8') : null;
  const r = addIgnoreEntries(before, EXCLUDE_ENTRIES, EXCLUDE_MARKER);
  if (r.added.length > 0) writeFileAtomic(common, file, r.text);
}

/**
 * Creates the worktree of a work package: prunes stale metadata (a workspace directory deleted by hand), refuses
 * a non-empty directory that is not a worktree, reuses an existing branch, checks out everything but
 * `kitty-specs/` (sparse checkout in the worktree's own config), and merges further base branches in (several
 * unmerged dependencies); a conflict removes the half-made workspace again.
 */
async function createWorkspace(
  git: GitPort,
  fc: FeatureContext,
  ws: WorkspaceFacts,
  base: BasePlan,
  wpId: string,
  tx: Transaction,
): Promise<{ notes: string[]; newBranch: boolean }> {
  const root = fc.project.root;
  const notes: string[] = [];
  return withLock(
    path.join(locksDir(root), 'worktrees.lock'),
    async () => {
      if (ws.entry !== null && !ws.exists) {
        if (ws.entry.locked) worktreeError(new Error('missing but locked worktree'), ws, root);
        await git.worktreePrune(root);
        notes.push(`The workspace directory ${ws.relPath} was deleted by hand; pruned git's stale record of it.`);
      }
      if (isDir(ws.path) && readdirSync(ws.path).length > 0) {
        throw new WorkflowError('WORKSPACE_PATH_EXISTS', `Directory exists but is not a valid workspace: ${ws.relPath}.`, {
          suggestions: [`Move away or remove it if you do not need it (rm -rf "${ws.path}"), then run the command again.`],
          details: { path: ws.path },
        });
      }
      const newBranch = ws.branchSha === null;
      if (!newBranch) notes.push(`Branch ${ws.branch} already exists; the workspace checks it out as it is.`);
      // Journaled first: a failure or an interrupt later in the command (or a SIGKILL) removes it again.
      tx.worktree(ws.path, ws.branch, newBranch);
      try {
        await git.worktreeAdd(root, ws.path, { branch: ws.branch, newBranch, base: base.from, noCheckout: true });
      } catch (err) {
        worktreeError(err, ws, root);
      }
      try {
        await git.sparseCheckout(ws.path, WORKSPACE_SPARSE_PATTERNS);
      } catch (err) {
        notes.push(
          `Sparse checkout is not available (${((err as Error).message ?? '').split('\n')[0]}); kitty-specs/ is checked out in the workspace too. Change planning files in the main checkout only.`,
        );
        await git.checkoutHead(ws.path);
      }
      if (newBranch) {
        for (const other of base.merge) {
          const r = await git.merge(ws.path, other, { message: `Merge ${other} into ${ws.branch} (base of ${wpId})` });
          if (!r.ok) {
            await git.mergeAbort(ws.path).catch(() => undefined);
            await git.worktreeRemove(root, ws.path, { force: true }).catch(() => undefined);
            await git.deleteBranch(root, ws.branch, { force: true }).catch(() => undefined);
            throw new WorkflowError(
              'MERGE_BASE_CONFLICT',
              `Cannot build the base of ${wpId}: merging ${other} into ${base.from} conflicts in ${r.conflicts.join(', ')}. Nothing was created.`,
              {
                suggestions: [
                  `Pick one dependency as the base (spec-kitty implement ${wpId} --base <WPxx>) and merge the others in the workspace yourself, resolving the conflicts.`,
                  'Or merge the dependencies into the target branch first (spec-kitty merge), then implement again.',
                ],
                details: { wp_id: wpId, base: base.from, merging: other, conflicts: [...r.conflicts] },
              },
            );
          }
        }
      }
      ensureExcluded(fc);
      return { notes, newBranch };
    },
    { what: 'worktree creation' },
  );
}

/** Commits planning files of the feature that are still uncommitted, so the workspace starts from them. */
async function commitPlanningArtifacts(env: WorkflowEnv, fc: FeatureContext, wpId: string, tx: Transaction): Promise<string | null> {
  const rel = path.relative(fc.repoTop, fc.feature.dir).split(path.sep).join('/');
  // Temp files of writers that were killed (`.<name>.<pid>.<rand>.tmp`) are never planning files.
  const dirty = (await env.git.status(fc.repoTop, [rel])).filter((d) => !/(^|\/)\.[^/]+\.tmp$/.test(d.path));
  if (dirty.length === 0) return null;
  const files = dirty.map((d) => path.join(fc.repoTop, d.path));
  const message = `chore: Planning artifacts for ${fc.feature.slug}\n\nAuto-committed by spec-kitty before creating workspace for ${wpId}`;
  const c = await tx.commit(
    message,
    () => commitFiles(env.git, fc.repoTop, fc.project.root, files, message, { force: true, ...(env.sleep ? { sleep: env.sleep } : {}) }),
    { final: false },
  );
  return c.commit_hash;
}

/** The first planned work package whose dependencies are done (else the first planned one). */
function pickPlanned(state: FeatureState): string {
  const planned = state.workPackages.workPackages.filter((w) => state.laneOf(w.id) === 'planned');
  const ready = planned.find((w) => (w.dependencies ?? []).every((d) => state.laneOf(d) === 'done'));
  const pick = ready ?? planned[0];
  if (pick === undefined) {
    throw new WorkflowError('NO_WORK_PACKAGE_AVAILABLE', 'No planned work packages found.', {
      suggestions: [
        'Specify a work package explicitly, e.g. spec-kitty agent workflow implement WP01 --agent <name>',
        'See the board: spec-kitty agent tasks status',
      ],
    });
  }
  return pick.id;
}

/**
 * `spec-kitty implement WPxx` and `spec-kitty agent workflow implement [WPxx] --agent NAME`: creates (or reuses)
 * the work package's workspace `.worktrees/<slug>-WPxx` on branch `<slug>-WPxx` from the base its dependencies
 * decide (see {@link chooseBase}), with `kitty-specs/` left out, and claims it: `planned → claimed →
 * in_progress` through the status pipeline, with the actor and the workspace as context, the base recorded in
 * the frontmatter, and one commit. A work package another agent is implementing is refused without `force`.
 * Runs from the main checkout only; leaves nothing untracked there.
 */
export async function implementWorkPackage(options: ImplementOptions): Promise<ImplementResult> {
  const mode = options.mode ?? 'implement';
  const command = mode === 'workflow' ? 'agent workflow implement' : 'implement';
  const fc = await openFeature(options, { feature: options.feature, command, refuseWorktree: true });
  const explicit = filled(options.wpId) ? normalizeWpId(options.wpId) : undefined;
  if (mode === 'workflow' && !filled(options.agent)) {
    throw new WorkflowError('INVALID_OPTION', '--agent is required when starting an implementation with agent workflow implement.', {
      suggestions: ['Example: spec-kitty agent workflow implement WP01 --agent claude'],
    });
  }
  if (mode === 'implement' && explicit === undefined) {
    throw new WorkflowError('INVALID_WP_ID', 'Which work package? Pass its id, e.g. spec-kitty implement WP01.', {
      suggestions: ['List them: spec-kitty agent tasks list-tasks --json'],
    });
  }
  return reportingFailures(options, fc, { command, wpId: explicit, agent: options.agent }, () => implement(options, fc, explicit, mode));
}

async function implement(
  options: ImplementOptions,
  fc: FeatureContext,
  explicit: string | undefined,
  mode: 'implement' | 'workflow',
): Promise<ImplementResult> {
  const root = fc.project.root;
  const notes = [...fc.notes];
  const target = fc.target;
  if (target === null) {
    throw new WorkflowError(
      'DETACHED_HEAD',
      `The main checkout (${root}) is in detached HEAD state and ${fc.feature.relDir}/meta.json names no target_branch.`,
      {
        suggestions: ['git switch <the feature target branch, e.g. main> and run the command again.'],
      },
    );
  }
  const baseWp = filled(options.base) ? normalizeWpId(options.base) : undefined;
  const force = options.force === true;
  const slug = fc.feature.slug;
  const cmdOf = (wpId: string): string[] =>
    mode === 'workflow'
      ? ['spec-kitty', 'agent', 'workflow', 'implement', wpId, '--feature', slug]
      : ['spec-kitty', 'implement', wpId, '--feature', slug, ...(baseWp !== undefined ? ['--base', baseWp] : [])];
  const actor: Actor = await resolveActor(options, root, options.agent, commandLine(...cmdOf(explicit ?? 'WP01')));
  if (actor.source !== 'agent_flag')
    notes.push(
      `Acting as '${actor.name}' (from ${actor.source === 'env' ? 'SPEC_KITTY_AGENT' : 'the git user'}; pass --agent to name the agent).`,
    );
  type Core = Omit<ImplementResult, 'events_queued' | 'notes' | 'commit_hash' | 'lane' | 'claimed' | 'prompt_file'> & {
    readonly wpText: string;
  };

  const outcome = await changeFeatureStatus(
    {
      env: options,
      project: fc.project,
      feature: fc.feature,
      repoTop: fc.repoTop,
      command: mode === 'workflow' ? 'agent workflow implement' : 'implement',
    },
    async (state, tx): Promise<StatusChangePlan<Core>> => {
      const wpId = explicit ?? pickPlanned(state);
      const wp = state.wp(wpId);
      const lane = state.laneOf(wpId);
      const owner = ownerOf(state, wp);
      checkTakeover(state, wp, lane, actor, {
        force,
        reason: options.reason,
        retry: commandLine(...cmdOf(wpId), '--agent', actor.name),
        board: commandLine('spec-kitty', 'agent', 'tasks', 'status', '--feature', slug),
      });
      const takeover = force && owner !== null && !sameActor(owner, actor.name) && (lane === 'claimed' || lane === 'in_progress');
      if (baseWp !== undefined) state.wp(baseWp);
      const deps = wp.dependencies ?? [];
      if (baseWp !== undefined && !deps.includes(baseWp))
        notes.push(`Note: ${wpId} does not declare a dependency on ${baseWp}; using it as the base anyway.`);
      if (baseWp === wpId) {
        throw new WorkflowError('INVALID_OPTION', `${wpId} cannot be its own base.`, {
          suggestions: ['Pass another work package with --base, or leave it out.'],
        });
      }
      let ws = await workspaceFacts(options.git, root, fc.feature, wp);
      const sets: YamlSet[] = [];
      let status: 'created' | 'reused' = 'reused';
      let baseBranch = ws.baseBranch;
      let baseCommit = ws.baseCommit;
      if (ws.exists) {
        if (ws.entry?.branch !== ws.branch)
          notes.push(`Note: ${ws.relPath} has ${ws.entry?.branch ?? 'a detached HEAD'} checked out, not ${ws.branch}.`);
        notes.push(`Reusing the existing workspace ${ws.relPath}.`);
      } else {
        const planning = await commitPlanningArtifacts(options, fc, wpId, tx);
        if (planning !== null) notes.push(`Committed the feature's uncommitted planning files first (${planning.slice(0, 7)}).`);
        const base = await chooseBase(options.git, root, fc, state, wpId, baseWp !== undefined ? [baseWp] : deps, target);
        notes.push(...base.notes);
        const made = await createWorkspace(options.git, fc, ws, base, wpId, tx);
        notes.push(...made.notes);
        status = 'created';
        if (made.newBranch) {
          baseBranch = base.from;
          baseCommit = await options.git.resolveCommit(ws.path, 'HEAD');
          sets.push(
            { path: ['base_branch'], value: baseBranch, after: ['dependencies', 'lane', 'title'] },
            { path: ['base_commit'], value: baseCommit, after: ['base_branch', 'dependencies', 'lane'] },
            { path: ['created_at'], value: options.now().toISOString(), after: ['base_commit', 'base_branch', 'dependencies'] },
          );
        }
        ws = { ...ws, exists: true };
      }
      const claim = lane === 'planned' || lane === 'claimed';
      if (!claim && lane !== 'in_progress') notes.push(`${wpId} is in ${lane}; the workspace is ready but the lane was not changed.`);
      if (filled(options.agent) || claim || takeover)
        sets.push({ path: ['agent'], value: actor.name, after: ['assignee', 'phase', 'subtasks', 'lane'] });
      if ((claim || takeover) && filled(options.shellPid))
        sets.push({ path: ['shell_pid'], value: options.shellPid.trim(), after: ['agent', 'assignee', 'phase', 'lane'] });
      const unfinished = deps.filter((d) => !['done', 'canceled'].includes(state.laneOf(d)));
      const dependencies = { unfinished, base: baseBranch ?? target };
      // A takeover is one forced event (recording who took it over and why); a claim walks planned → claimed → in_progress.
      const requests: LaneRequest[] = takeover
        ? [
            {
              wpId,
              to: 'in_progress',
              walk: false,
              actor: actor.name,
              force: true,
              reason: `taken over from ${owner}: ${options.reason ?? ''}`.trim(),
              workspaceContext: `worktree:${ws.relPath}`,
              executionMode: 'worktree',
            },
          ]
        : claim
          ? [
              {
                wpId,
                to: 'in_progress',
                walk: true,
                actor: actor.name,
                force: false,
                workspaceContext: `worktree:${ws.relPath}`,
                executionMode: 'worktree',
                dependencies,
              },
            ]
          : [];
      const activityNote = takeover
        ? `Taken over from ${owner} in ${ws.relPath}: ${options.reason ?? ''}`
        : `Started implementation in ${ws.relPath} (base ${baseBranch ?? target})`;
      const edit: WpEdit = {
        frontmatter: sets,
        ...(claim || takeover ? { activity: { agent: actor.name, shellPid: options.shellPid ?? null, note: activityNote } } : {}),
      };
      const out: Core = {
        wpText: wp.file.text,
        workspace: ws.relPath,
        workspace_path: ws.relPath,
        workspace_abs_path: ws.path,
        branch: ws.branch,
        feature: fc.feature.slug,
        wp_id: wpId,
        base: baseBranch ?? target,
        base_branch: baseBranch,
        base_commit: baseCommit,
        dependencies: deps,
        status,
      };
      return {
        requests,
        edits: new Map([[wpId, edit]]),
        commitMessage:
          mode === 'workflow' ? `chore: Start ${wpId} implementation [${actor.name}]` : `chore: ${wpId} claimed for implementation`,
        result: out,
      };
    },
  );
  const queued = await emitStatusChanged(options, root, fc, outcome, notes);
  const { wpText, ...r } = outcome.result;
  const lane = outcome.snapshot.work_packages[r.wp_id]?.lane ?? 'planned';
  const promptFile =
    mode === 'workflow' ? writePrompt(fc.project, `${fc.feature.slug}-${r.wp_id}-implement.md`, implementPrompt(fc, r, wpText)) : null;
  return {
    ...r,
    lane,
    claimed: outcome.events.length > 0,
    commit_hash: outcome.commit.commit_hash,
    prompt_file: promptFile,
    events_queued: queued,
    notes,
  };
}

function implementPrompt(
  fc: FeatureContext,
  r: { workspace: string; workspace_abs_path: string; branch: string; wp_id: string; base: string },
  wpText: string,
): string {
  return [
    `# Implement ${r.wp_id} of ${fc.feature.slug}`,
    '',
    `- Workspace: ${r.workspace_abs_path} (cd there; work only inside it)`,
    `- Branch: ${r.branch} (from ${r.base})`,
    `- Planning files: ${fc.feature.dir} (read them in the main checkout; they are not in the workspace)`,
    '',
    '## When you are done',
    '',
    `1. Commit your work in the workspace: git add … && git commit -m "feat(${r.wp_id}): …"`,
    '2. Mark each subtask: spec-kitty agent tasks mark-status <Txxx> --status done',
    `3. Hand over: spec-kitty agent tasks move-task ${r.wp_id} --to for_review --agent <you> --note "<summary>"`,
    '',
    'If the prompt below has a "## Review Feedback" section, fix that feedback first.',
    '',
    '---',
    '',
    wpText,
  ].join('\n');
}
