import { LANES, LANE_COLLAPSE_7_TO_4, SYNC_LANES_4 } from '@kitty/events';
import type { FeatureOverview, FeatureRef, GitPort, TasksStatusResult, WorkPackageDetail } from '@kitty/workflow';

/** The process facts the data functions take (the server's own, fixed at start). */
export interface DataEnv {
  /** The project root (the main checkout). */
  readonly root: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly git: GitPort;
  readonly now: () => Date;
  readonly homeDir: string;
}

/** What `agent tasks status --json` prints for a feature (the result without its notes). */
export type KanbanDocument = Omit<TasksStatusResult, 'notes'>;

/** An error as the API answers it: the CLI's `--json` error body. */
export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly suggestions: readonly string[];
}

/** One feature as `/api/feature/<slug>` answers it. */
export interface FeaturePayload {
  readonly overview: FeatureOverview;
  /** The `agent tasks status --json` document, or null when it cannot be built (see `kanban_error`). */
  readonly kanban: KanbanDocument | null;
  readonly kanban_error: ApiError | null;
  /** The notes `agent tasks status` prints on stderr (torn lines, bad prompt files). */
  readonly notes: readonly string[];
}

/** The lane vocabulary the page needs: the 7 lanes, the 4-lane view and the collapse between them. */
export const LANE_INFO = { lanes: LANES, lanes_4: SYNC_LANES_4, collapse_7_to_4: LANE_COLLAPSE_7_TO_4 } as const;

export const apiError = (err: unknown): ApiError => {
  const e = err as { code?: unknown; message?: unknown; suggestions?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : 'UNEXPECTED',
    message: typeof e?.message === 'string' ? e.message : String(err),
    suggestions: Array.isArray(e?.suggestions) ? (e.suggestions as string[]) : [],
  };
};

/** The workflow environment of a read: always the main checkout, the feature given explicitly. */
function workflowEnv(d: DataEnv) {
  return { cwd: d.root, env: { ...d.env, SPECIFY_FEATURE: '' }, git: d.git, now: d.now };
}

/** The `agent tasks status --json` document of a feature, built by the same library call as the CLI. */
export async function kanbanOf(d: DataEnv, slug: string): Promise<{ doc: KanbanDocument; notes: readonly string[] }> {
  const { tasksStatus } = await import('@kitty/workflow');
  const { notes, ...doc } = await tasksStatus({ ...workflowEnv(d), feature: slug });
  return { doc, notes };
}

/** The features of the project (sorted by number). */
export async function featuresOf(d: DataEnv): Promise<FeatureRef[]> {
  const { listFeatures } = await import('@kitty/workflow');
  return listFeatures(d.root);
}

/** The overview of one feature. */
export async function overviewOf(d: DataEnv, feature: FeatureRef): Promise<FeatureOverview> {
  const { featureOverview } = await import('@kitty/workflow');
  return featureOverview(d.root, feature, d.now());
}

/** Everything the page shows for one feature. */
export async function featurePayload(d: DataEnv, feature: FeatureRef): Promise<FeaturePayload> {
  const overview = await overviewOf(d, feature);
  try {
    const k = await kanbanOf(d, feature.slug);
    return { overview, kanban: k.doc, kanban_error: null, notes: k.notes };
  } catch (err) {
    return { overview, kanban: null, kanban_error: apiError(err), notes: [] };
  }
}

/** A feature in the list: the overview without per-package facts and with the three newest events. */
export function summaryOf(o: FeatureOverview): Omit<FeatureOverview, 'work_packages'> {
  const { work_packages: _wps, ...rest } = o;
  return { ...rest, recent_events: o.recent_events.slice(0, 3) };
}

/** Renders markdown to HTML with raw HTML escaped (never passed through) and only safe link schemes. */
export async function renderMarkdown(text: string): Promise<string> {
  const { default: MarkdownIt } = await import('markdown-it');
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  return md.render(text);
}

/** A work package's detail with its prompt rendered. */
export async function workPackagePayload(d: DataEnv, slug: string, wpId: string): Promise<WorkPackageDetail & { readonly html: string }> {
  const { workPackageDetail } = await import('@kitty/workflow');
  const detail = await workPackageDetail({ ...workflowEnv(d), feature: slug, wpId });
  return { ...detail, html: await renderMarkdown(detail.body) };
}

/** A feature artifact (spec, plan, tasks, research, quickstart, data_model) rendered, or null when missing. */
export async function artifactPayload(
  d: DataEnv,
  slug: string,
  key: string,
): Promise<{ feature: string; artifact: string; path: string; html: string } | null> {
  const { findFeature, readFeatureArtifact, FEATURE_ARTIFACTS } = await import('@kitty/workflow');
  const feature = findFeature(d.root, slug);
  const a = FEATURE_ARTIFACTS.find((x) => x.key === key);
  if (a === undefined || a.kind !== 'file') return null;
  const r = readFeatureArtifact(d.root, feature, a.key);
  return r === null ? null : { feature: feature.slug, artifact: a.key, path: r.path, html: await renderMarkdown(r.text) };
}

/** Sync health for the corner: queue depth, last delivery, login. Never throws (an error is reported). */
export async function syncPayload(d: DataEnv): Promise<SyncPayload> {
  try {
    const { syncStatus } = await import('@kitty/sync-client');
    const s = await syncStatus({ homeDir: d.homeDir, env: d.env, now: d.now });
    return {
      enabled: s.enabled,
      reason: s.reason,
      server_url: s.serverUrl,
      queue_depth: s.queue.stats?.depth ?? 0,
      dead: s.queue.stats?.dead ?? 0,
      queue_path: s.queue.path,
      last_sync: s.lastSync === null ? null : { at: s.lastSync.at, status: s.lastSync.status, message: s.lastSync.message },
      login: s.auth === null ? null : { state: s.auth.state, username: s.auth.username ?? null },
      healthy: s.healthy,
      problems: s.problems,
      error: null,
    };
  } catch (err) {
    return {
      enabled: false,
      reason: 'unreadable',
      server_url: null,
      queue_depth: 0,
      dead: 0,
      queue_path: null,
      last_sync: null,
      login: null,
      healthy: false,
      problems: [],
      error: apiError(err),
    };
  }
}

/** What `/api/sync` answers. */
export interface SyncPayload {
  readonly enabled: boolean;
  readonly reason: string;
  readonly server_url: string | null;
  readonly queue_depth: number;
  readonly dead: number;
  readonly queue_path: string | null;
  readonly last_sync: { readonly at: string; readonly status: string; readonly message: string } | null;
  readonly login: { readonly state: string; readonly username: string | null } | null;
  readonly healthy: boolean;
  readonly problems: readonly string[];
  readonly error: ApiError | null;
}
