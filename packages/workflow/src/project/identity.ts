import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { deriveNodeId, type EventDraft, type EventFactory } from '@kitty/events';
import {
  CONFIG_REL,
  deriveProjectSlug,
  identityOf,
  parseRepoSlug,
  readProjectConfig,
  validRepoSlugOverride,
  type ProjectIdentity,
} from './config.js';
import { writeFileAtomic } from '../files/files.js';
import type { GitPort } from '../git/git-port.js';
import type { EventsPort, ProjectEventContext } from '../ports.js';
import { editYaml } from '../files/yaml-edit.js';

/** Who runs the command: used for the project's `node_id` (first 12 hex of SHA-256 of `hostname:username`). */
export interface MachineIdentity {
  readonly hostname: string;
  readonly username: string;
}

/** Options of {@link ensureProjectIdentity}. */
export interface EnsureIdentityOptions {
  readonly root: string;
  readonly git: GitPort | null;
  readonly machine: MachineIdentity;
  readonly newUuid?: () => string;
  /** The URL of `origin` (null when there is none), or the lookup already under way; asked only when needed. */
  readonly origin?: string | null | Promise<string | null>;
}

/** The identity and whether `.kittify/config.yaml` was changed to hold it. */
export interface EnsuredIdentity {
  readonly identity: ProjectIdentity;
  readonly written: boolean;
  /** Absolute path of the config file. */
  readonly configPath: string;
}

/**
 * Makes sure `.kittify/config.yaml` has `project: {uuid, slug, node_id}`, filling only the missing keys and
 * keeping everything else in the file byte-for-byte (comments, order). An existing identity is never
 * changed, so every clone and worktree shares it once it is committed.
 */
export async function ensureProjectIdentity(options: EnsureIdentityOptions): Promise<EnsuredIdentity> {
  const config = readProjectConfig(options.root);
  const have = identityOf(config);
  // origin only names a project that has no slug yet: no git process otherwise.
  const origin =
    have.slug !== undefined || options.git === null
      ? null
      : await (options.origin !== undefined ? options.origin : options.git.remoteUrl(options.root, 'origin').catch(() => null));
  const identity: ProjectIdentity = {
    uuid: have.uuid ?? (options.newUuid ?? randomUUID)(),
    slug: have.slug ?? deriveProjectSlug(origin, options.root),
    node_id: have.node_id ?? deriveNodeId(options.machine.hostname, options.machine.username),
    ...(have.repo_slug === undefined ? {} : { repo_slug: have.repo_slug }),
  };
  const missing = (['uuid', 'slug', 'node_id'] as const).filter((k) => have[k] === undefined);
  if (missing.length === 0) return { identity, written: false, configPath: config.path };
  const text = config.file?.text ?? '';
  const next = editYaml(
    text,
    missing.map((k) => ({ path: ['project', k], value: identity[k] })),
    CONFIG_REL,
  );
  writeFileAtomic(options.root, config.path, next, {
    ...(config.file === null ? {} : { expectedSha256: config.file.sha256, bom: config.file.bom }),
    shownAs: CONFIG_REL,
  });
  return { identity, written: true, configPath: config.path };
}

/**
 * The event context of a project right now: identity from `.kittify/config.yaml`, the branch and HEAD of the
 * main checkout, and the repository slug (`project.repo_slug` override, else parsed from `origin`). Null when
 * the project has no uuid yet.
 */
export async function projectEventContext(root: string, git: GitPort, known: GitStateHint = {}): Promise<ProjectEventContext | null> {
  const id = identityOf(readProjectConfig(root));
  if (id.uuid === undefined) return null;
  const [branch, head, origin] = await Promise.all([
    known.branch !== undefined ? known.branch : git.currentBranch(root).catch(() => null),
    known.head !== undefined ? known.head : git.headCommit(root).catch(() => null),
    known.origin !== undefined ? known.origin : git.remoteUrl(root, 'origin').catch(() => null),
  ]);
  return {
    projectUuid: id.uuid,
    projectSlug: id.slug ?? deriveProjectSlug(origin, root),
    gitBranch: branch,
    headCommitSha: head,
    repoSlug: validRepoSlugOverride(id.repo_slug) ?? parseRepoSlug(origin),
  };
}

/** Git facts a command already knows (the branch it committed on, the commit it made), to spare git calls. */
export interface GitStateHint {
  readonly branch?: string | null;
  readonly head?: string | null;
  /** The URL of `origin` (null when there is none), or the lookup already under way. */
  readonly origin?: string | null | Promise<string | null>;
}

/**
 * Tells the events port that a commit has started ({@link EventsPort.prepare}), so it can load its queue while
 * git works. Never throws: sync must not fail the user's command.
 */
export function prepareEvents(events: EventsPort | undefined): void {
  try {
    events?.prepare?.();
  } catch {
    // The port reports its own problems when it enqueues.
  }
}

/** What an emission did: the drafts handed to the port, how many were queued, and notes for stderr. */
export interface EmitOutcome {
  readonly drafts: readonly EventDraft[];
  readonly queued: number;
  readonly notes: readonly string[];
}

/**
 * Builds events with the port's factory and hands them to the port, after the command's own write and commit.
 * Never throws: any failure (no identity, invalid draft, queue error) becomes a note, because sync must not
 * fail the user's command.
 */
export async function emitEvents(
  events: EventsPort | undefined,
  root: string,
  git: GitPort,
  what: string,
  build: (factory: EventFactory) => readonly EventDraft[],
  known: GitStateHint = {},
): Promise<EmitOutcome> {
  if (events === undefined) return { drafts: [], queued: 0, notes: [] };
  try {
    const ctx = await projectEventContext(root, git, known);
    if (ctx === null) {
      return {
        drafts: [],
        queued: 0,
        notes: [
          `sync: ${what} not recorded for sync: ${path.join('.kittify', 'config.yaml')} has no project identity yet (run spec-kitty init --here to add it).`,
        ],
      };
    }
    const drafts = build(events.createFactory(ctx));
    if (drafts.length === 0) return { drafts, queued: 0, notes: [] };
    const r = await events.enqueue(drafts);
    return { drafts, queued: r.queued, notes: [...r.notes] };
  } catch (err) {
    return {
      drafts: [],
      queued: 0,
      notes: [`sync: could not queue ${what} (${(err as Error).message}); the local change is complete and nothing needs redoing.`],
    };
  }
}
