import { WorkflowError } from '../errors.js';
import { openFeature } from '../project/feature-context.js';
import type { WorkflowEnv } from '../ports.js';
import { readFeatureState } from './status-change.js';
import { materializeStatus } from './status-commands.js';
import { statusDrift, type StatusDrift } from './status-drift.js';

/** Options of {@link reconcileStatus} (`spec-kitty agent status reconcile`). */
export interface ReconcileStatusOptions extends WorkflowEnv {
  readonly feature?: string | undefined;
  /** List the changes only (the default). */
  readonly dryRun?: boolean | undefined;
  /** Rewrite the drifted views and commit them. */
  readonly apply?: boolean | undefined;
}

/** What `agent status reconcile --json` prints. */
export interface ReconcileStatusResult {
  readonly feature_slug: string;
  readonly dry_run: boolean;
  /** True when every view agreed with the log before the command. */
  readonly in_sync: boolean;
  /** The views that disagreed with the log (with `--apply`: before they were rewritten). */
  readonly drift: readonly StatusDrift[];
  readonly drift_count: number;
  readonly event_count: number;
  /** Whether the views were rewritten (`--apply` with drift). */
  readonly applied: boolean;
  readonly commit_created: boolean;
  readonly commit_hash: string | null;
  readonly files_committed: readonly string[];
  readonly notes: readonly string[];
}

/**
 * `spec-kitty agent status reconcile [--dry-run | --apply]`: the drift between the status log (the source of
 * truth) and the views derived from it — `status.json`, each work package's frontmatter `lane`, the tasks.md
 * status block. Dry run (the default) lists it and writes nothing; `--apply` rewrites exactly those views through
 * `agent status materialize` (one transaction under the feature lock, one commit) and reports what it
 * committed. A second `--apply` finds nothing. A bad line in the log fails (INVALID_STATUS_LOG, with the repair
 * command); a feature without a log has nothing to reconcile (`agent status migrate` builds one).
 */
export async function reconcileStatus(options: ReconcileStatusOptions): Promise<ReconcileStatusResult> {
  if (options.dryRun === true && options.apply === true) {
    throw new WorkflowError('INVALID_OPTION', 'Pass either --dry-run or --apply, not both: --dry-run lists the drift, --apply fixes it.', {
      suggestions: [
        `spec-kitty agent status reconcile${options.feature === undefined ? '' : ` --feature ${options.feature}`} --dry-run --json`,
        `spec-kitty agent status reconcile${options.feature === undefined ? '' : ` --feature ${options.feature}`} --apply --json`,
      ],
    });
  }
  const fc = await openFeature(options, { feature: options.feature, command: 'agent status reconcile' });
  const state = readFeatureState(fc.project.root, fc.feature, options.now());
  const drift = statusDrift(fc.project.root, state);
  const notes = [...fc.notes, ...state.log.warnings];
  if (!state.log.exists)
    notes.push(
      `${state.log.shownAs} does not exist: the frontmatter lanes are the only record; build the log with: spec-kitty agent status migrate --feature ${fc.feature.slug}`,
    );
  const base = {
    feature_slug: fc.feature.slug,
    in_sync: drift.length === 0,
    drift,
    drift_count: drift.length,
    event_count: state.log.events.length,
  };
  if (options.apply !== true || drift.length === 0) {
    if (options.apply !== true && drift.length > 0)
      notes.push(`Dry run: nothing was written. Apply with: spec-kitty agent status reconcile --feature ${fc.feature.slug} --apply`);
    return {
      ...base,
      dry_run: options.apply !== true,
      applied: false,
      commit_created: false,
      commit_hash: null,
      files_committed: [],
      notes,
    };
  }
  const m = await materializeStatus({ ...options, feature: fc.feature.slug });
  return {
    ...base,
    dry_run: false,
    applied: true,
    commit_created: m.commit_created,
    commit_hash: m.commit_hash,
    files_committed: m.files_committed,
    notes: [...notes, ...m.notes.filter((n) => !fc.notes.includes(n))],
  };
}
