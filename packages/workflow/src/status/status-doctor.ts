import { readFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { orderStatusEvents, resolveLane } from '@kitty/events';
import { isKittyError } from '@kitty/errors';
import { WorkflowError } from '../errors.js';
import { locksDir } from '../files/lock.js';
import { journalDir } from '../git/transaction.js';
import { WORKTREES_DIR, listFeatures, resolveFeature, type FeatureRef } from '../project/features.js';
import type { WorkflowEnv } from '../ports.js';
import { openProject, requireGit } from '../project/project.js';
import { scratchDir } from '../project/scratch.js';
import { activityEntries } from '../tasks/views.js';
import { wpBranch } from '../tasks/wp-ref.js';
import { readFeatureState, type FeatureState } from './status-change.js';
import { statusDrift } from './status-drift.js';

/** Options of {@link statusDoctor} (`spec-kitty agent status doctor`). */
export interface StatusDoctorOptions extends WorkflowEnv {
  /** One feature; every feature of the project when absent. */
  readonly feature?: string | undefined;
  /** A claimed or in-progress work package without activity for this many days is stale (default 7). */
  readonly staleClaimedDays?: number | undefined;
}

/** What a finding is about (stable, for agents). */
export type DoctorCode =
  | 'STATUS_LOG_UNREADABLE'
  | 'STATUS_LOG_OLD_FORM'
  | 'STATUS_LOG_TORN_TAIL'
  | 'STATUS_LOG_MISSING'
  | 'STATUS_CHAIN_BROKEN'
  | 'STATUS_JSON_DRIFT'
  | 'FRONTMATTER_LANE_DRIFT'
  | 'TASKS_BLOCK_DRIFT'
  | 'STALE_CLAIM'
  | 'WORKTREE_MISSING'
  | 'ORPHAN_WORKTREE'
  | 'STALE_TRANSACTION'
  | 'STALE_LOCK'
  | 'FEATURE_UNREADABLE';

/** One problem: what, where, and the command that fixes it. */
export interface DoctorFinding {
  readonly code: DoctorCode;
  readonly feature_slug: string | null;
  readonly wp_id: string | null;
  readonly message: string;
  /** A command that fixes it, as written (null when only a person can decide). */
  readonly fix: string | null;
}

/** What `agent status doctor --json` prints; `healthy` false exits 1. */
export interface StatusDoctorResult {
  readonly healthy: boolean;
  /** The feature asked for, or null for the whole project. */
  readonly feature_slug: string | null;
  readonly features_checked: readonly string[];
  readonly stale_claimed_days: number;
  readonly findings: readonly DoctorFinding[];
  readonly finding_count: number;
  readonly notes: readonly string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const WS_NAME = /^(\d{3}-[a-z0-9-]+?)-(WP\d{2})$/;

function featureFindings(root: string, state: FeatureState): DoctorFinding[] {
  const slug = state.feature.slug;
  const out: DoctorFinding[] = [];
  const add = (code: DoctorCode, wpId: string | null, message: string, fix: string | null): void => {
    out.push({ code, feature_slug: slug, wp_id: wpId, message, fix });
  };
  const log = state.log;
  for (const p of log.problems)
    add(
      'STATUS_LOG_UNREADABLE',
      null,
      `${p.path}:${p.line}: ${p.message}`,
      `spec-kitty agent status materialize --feature ${slug} --repair --force`,
    );
  for (const r of log.repaired)
    add(
      'STATUS_LOG_OLD_FORM',
      r.event.wp_id,
      `${log.shownAs}:${r.line}: written in an older form (${r.fixes.join('; ')})`,
      `spec-kitty agent status materialize --feature ${slug} --repair`,
    );
  if (log.tail !== null && !log.tail.complete)
    add(
      'STATUS_LOG_TORN_TAIL',
      null,
      `${log.shownAs}:${log.tail.line}: a torn last line (a writer was killed mid-append)`,
      `spec-kitty agent status materialize --feature ${slug}`,
    );
  if (!log.exists) {
    const recorded = state.workPackages.workPackages.filter((w) => {
      try {
        return (w.lane !== null && resolveLane(w.lane) !== 'planned') || (Array.isArray(w.data['history']) && w.data['history'].length > 1);
      } catch {
        return true;
      }
    });
    if (recorded.length > 0)
      add(
        'STATUS_LOG_MISSING',
        null,
        `${log.shownAs} does not exist but ${recorded.map((w) => w.id).join(', ')} have lanes or history in their frontmatter (a project of an older spec-kitty)`,
        `spec-kitty agent status migrate --feature ${slug}`,
      );
  }
  const lanes = new Map<string, string>();
  for (const e of orderStatusEvents(log.events)) {
    const prev = lanes.get(e.wp_id) ?? 'planned';
    if (e.from_lane !== prev)
      add(
        'STATUS_CHAIN_BROKEN',
        e.wp_id,
        `event ${e.event_id} moves ${e.wp_id} from ${e.from_lane}, but the log had it in ${prev}`,
        `spec-kitty agent status validate --feature ${slug} --json`,
      );
    lanes.set(e.wp_id, e.to_lane);
  }
  if (log.problems.length === 0) {
    const reconcile = `spec-kitty agent status reconcile --feature ${slug} --apply`;
    for (const d of statusDrift(root, state)) {
      if (d.kind === 'status_json') add('STATUS_JSON_DRIFT', null, `${d.file} is ${d.current} (the log is the source of truth)`, reconcile);
      else if (d.kind === 'frontmatter_lane')
        add(
          'FRONTMATTER_LANE_DRIFT',
          d.wp_id,
          `${d.file}: frontmatter lane ${JSON.stringify(d.current)} but the log says ${d.expected}`,
          reconcile,
        );
      else add('TASKS_BLOCK_DRIFT', null, `${d.file}: the generated status block is ${d.current}`, reconcile);
    }
  }
  return out;
}

/**
 * `spec-kitty agent status doctor [--feature F] [--stale-claimed-days 7]`: a read-only health report of the
 * status of one feature or of every feature: the log readable (no bad, old-form or torn lines) and chaining from
 * lane to lane; status.json, the frontmatter lanes and the tasks.md block in agreement with it; a log present
 * where the frontmatter records progress; claimed or in-progress work packages without activity (event or
 * commit on their branch) for `staleClaimedDays`; in-progress work packages whose worktree is missing;
 * worktrees under `.worktrees/` of no known or of a finished work package; transaction journals and locks left
 * by processes that are gone. Each finding has a code, the work package, what is wrong and a command that fixes
 * it; `healthy` is true when there is none.
 */
export async function statusDoctor(options: StatusDoctorOptions): Promise<StatusDoctorResult> {
  const days = options.staleClaimedDays ?? 7;
  if (!Number.isFinite(days) || days < 0 || days > 3650) {
    throw new WorkflowError('INVALID_OPTION', `--stale-claimed-days must be a number of days from 0 to 3650; got ${String(days)}.`, {
      suggestions: ['spec-kitty agent status doctor --stale-claimed-days 7 --json'],
    });
  }
  const project = await openProject(options);
  requireGit(project, 'agent status doctor');
  const root = project.root;
  const features: FeatureRef[] =
    options.feature === undefined
      ? listFeatures(root)
      : [
          await resolveFeature({
            project,
            git: options.git,
            flag: options.feature,
            env: options.env,
            argv: options.argv,
            command: 'agent status doctor',
          }),
        ];
  const now = options.now();
  const findings: DoctorFinding[] = [];
  const worktrees = await options.git.worktrees(root);
  const wsRoot = path.join(root, WORKTREES_DIR);
  const inWs = worktrees.filter((w) => path.dirname(path.resolve(w.path)) === path.resolve(wsRoot));
  const lanesByWs = new Map<string, string>();
  const known = new Map(listFeatures(root).map((f) => [f.slug, f]));

  for (const feature of features) {
    let state: FeatureState;
    try {
      state = readFeatureState(root, feature, now, { tolerant: true });
    } catch (err) {
      if (!isKittyError(err)) throw err;
      findings.push({
        code: 'FEATURE_UNREADABLE',
        feature_slug: feature.slug,
        wp_id: null,
        message: `${feature.relDir} cannot be read: ${err.message}`,
        fix: `spec-kitty agent feature check-prerequisites --feature ${feature.slug} --include-tasks --json`,
      });
      continue;
    }
    findings.push(...featureFindings(root, state));
    for (const wp of state.workPackages.workPackages) {
      let lane: string;
      try {
        lane = state.laneOf(wp.id);
      } catch {
        continue; // an unknown frontmatter lane: reported by validate
      }
      lanesByWs.set(wpBranch(feature, wp.id), lane);
      if (lane !== 'claimed' && lane !== 'in_progress') continue;
      const ws = inWs.find((w) => path.basename(w.path) === wpBranch(feature, wp.id));
      const fmAgent = typeof wp.data['agent'] === 'string' && wp.data['agent'].trim() !== '' ? wp.data['agent'].trim() : null;
      const actor = state.snapshot.work_packages[wp.id]?.actor ?? fmAgent;
      if (lane === 'in_progress' && (ws === undefined || ws.prunable === true)) {
        findings.push({
          code: 'WORKTREE_MISSING',
          feature_slug: feature.slug,
          wp_id: wp.id,
          message: `${wp.id} is in_progress but its worktree ${WORKTREES_DIR}/${wpBranch(feature, wp.id)} is ${ws === undefined ? 'not there' : 'gone (git still lists it)'}`,
          fix: `git worktree prune && spec-kitty implement ${wp.id} --feature ${feature.slug} --agent ${actor ?? '<agent>'}`,
        });
      }
      const lastEvent = state.log.events.filter((e) => e.wp_id === wp.id).reduce((m, e) => Math.max(m, Date.parse(e.at) || 0), 0);
      let last = lastEvent;
      // Without events (a project of an older spec-kitty), the Activity Log of the prompt file tells.
      if (lastEvent === 0) for (const a of activityEntries(wp.file.text)) last = Math.max(last, Date.parse(a.timestamp) || 0);
      if (now.getTime() - last > days * DAY_MS) {
        const head = await options.git.log(root, wpBranch(feature, wp.id), 1).catch(() => []);
        last = Math.max(last, head[0]?.time.getTime() ?? 0);
      }
      if (now.getTime() - last > days * DAY_MS) {
        const idle = last === 0 ? 'no recorded activity' : `no activity for ${Math.floor((now.getTime() - last) / DAY_MS)} days`;
        findings.push({
          code: 'STALE_CLAIM',
          feature_slug: feature.slug,
          wp_id: wp.id,
          message: `${wp.id} is ${lane}${actor === null ? '' : ` by ${actor}`} with ${idle} (limit ${days} days)`,
          fix: `spec-kitty agent status emit ${wp.id} --to planned --actor <you> --force --reason "stale claim released" --feature ${feature.slug}`,
        });
      }
    }
  }

  // Worktrees of no work package, or of one that is finished.
  for (const w of inWs) {
    const name = path.basename(w.path);
    const m = WS_NAME.exec(name);
    const slug = m?.[1] ?? null;
    if (options.feature !== undefined && slug !== features[0]?.slug) continue;
    const rel = `${WORKTREES_DIR}/${name}`;
    const lane = lanesByWs.get(name);
    const why =
      w.prunable === true
        ? 'its directory is gone but git still lists it'
        : m === null || !known.has(slug as string)
          ? 'it belongs to no feature'
          : lane === undefined
            ? features.some((f) => f.slug === slug)
              ? 'its work package does not exist'
              : null
            : lane === 'done' || lane === 'canceled'
              ? `its work package is ${lane}`
              : null;
    if (why === null) continue;
    findings.push({
      code: 'ORPHAN_WORKTREE',
      feature_slug: slug !== null && known.has(slug) ? slug : null,
      wp_id: m?.[2] ?? null,
      message: `${rel}: ${why}`,
      fix: w.prunable === true ? 'git worktree prune' : `git worktree remove ${rel}`,
    });
  }

  // Journals and locks of processes that are gone (on this machine).
  const { isProcessAlive, readLockOwner, isOwnerGone } = await import('@kitty/io');
  const host = hostname();
  const anyFeature = features[0]?.slug ?? known.keys().next().value ?? null;
  const recoverFix = anyFeature === null ? null : `spec-kitty agent status materialize --feature ${anyFeature}`;
  const jdir = journalDir(scratchDir(project));
  for (const name of safeList(jdir)) {
    const m = /^(\d+)-[0-9a-f]+\.json(?:\.recovering-\d+)?$/.exec(name);
    if (m === null) continue;
    let j: { pid?: number; host?: string; command?: string; started_at?: string } = {};
    try {
      j = JSON.parse(readFileSync(path.join(jdir, name), 'utf8')) as typeof j;
    } catch {
      // an unreadable journal is still a leftover
    }
    const pid = typeof j.pid === 'number' ? j.pid : Number(m[1]);
    if ((j.host ?? host) !== host || isProcessAlive(pid)) continue;
    findings.push({
      code: 'STALE_TRANSACTION',
      feature_slug: null,
      wp_id: null,
      message: `${path.join(jdir, name)}: the journal of ${j.command ?? 'a command'} (pid ${pid}${j.started_at === undefined ? '' : `, started ${j.started_at}`}) that stopped before finishing; the next writing command rolls it back`,
      fix: recoverFix,
    });
  }
  const ldir = locksDir(root);
  for (const name of safeList(ldir)) {
    if (!name.endsWith('.lock')) continue;
    const owner = readLockOwner(path.join(ldir, name));
    if (owner === null || !isOwnerGone(owner, host)) continue;
    const fm = /^feature-(.+)\.lock$/.exec(name);
    if (fm !== null && options.feature !== undefined && fm[1] !== features[0]?.slug) continue;
    findings.push({
      code: 'STALE_LOCK',
      feature_slug: fm?.[1] ?? null,
      wp_id: null,
      message: `.kittify/locks/${name} is held by pid ${owner.pid}, which is no longer running; the next writing command takes it over`,
      fix:
        fm !== null && known.has(fm[1] as string)
          ? `spec-kitty agent status materialize --feature ${fm[1]}`
          : `rm -r .kittify/locks/${name}`,
    });
  }

  const notes: string[] = [];
  if (features.length === 0) notes.push('No features in kitty-specs/.');
  return {
    healthy: findings.length === 0,
    feature_slug: options.feature === undefined ? null : (features[0]?.slug ?? null),
    features_checked: features.map((f) => f.slug),
    stale_claimed_days: days,
    findings,
    finding_count: findings.length,
    notes,
  };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
