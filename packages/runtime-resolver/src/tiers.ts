import path from 'node:path';
import { describeValue } from '@kitty/errors';
import { RuntimeError } from './errors.js';
import { joinRel } from './_fs.js';

/** What kind of asset a lookup is for. */
export type AssetKind = 'template' | 'command-template' | 'mission';

/**
 * The tiers of the resolution chain, highest priority first (DESIGN 3.7): the project's mission folder, the
 * project's shared folder, the global runtime's mission folder, the global runtime's shared folder, and the
 * defaults shipped in the package.
 */
export const TIERS = ['project_mission', 'project', 'global_mission', 'global', 'package_default'] as const;

/** One tier of the resolution chain. */
export type Tier = (typeof TIERS)[number];

/** A place the resolver looks (or found) an asset. */
export interface AssetLocation {
  readonly tier: Tier;
  /** Absolute path. */
  readonly path: string;
  /**
   * True for the pre-2.x location `.kittify/templates/command-templates/`, still read so old projects work;
   * `spec-kitty migrate` moves such files to `.kittify/command-templates/`.
   */
  readonly legacy: boolean;
}

/** The roots a chain is built from. */
export interface ChainRoots {
  readonly projectRoot: string | null;
  readonly home: string;
  readonly packageRoot: string;
}

const MISSION_KEY = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Throws INVALID_MISSION_KEY unless `key` is a kebab-case mission key such as `software-dev`. */
export function checkMissionKey(key: unknown): string {
  if (typeof key !== 'string' || !MISSION_KEY.test(key)) {
    throw new RuntimeError(
      'INVALID_MISSION_KEY',
      `A mission key must be lower-case kebab-case like "software-dev"; got ${describeValue(key)}.`,
      {
        suggestions: ['Use one of the built-in missions: software-dev, research, documentation (or your own kebab-case key).'],
        details: { received: key ?? null },
      },
    );
  }
  return key;
}

/** Throws INVALID_ASSET_NAME unless `name` is a safe relative POSIX path such as `spec-template.md`. */
export function checkAssetName(kind: AssetKind, name: unknown): string {
  const ok =
    typeof name === 'string' &&
    name.length > 0 &&
    name.split('/').every((seg) => SEGMENT.test(seg) && seg !== '.' && seg !== '..') &&
    !(kind === 'template' && name.split('/')[0] === 'command-templates');
  if (!ok) {
    throw new RuntimeError(
      'INVALID_ASSET_NAME',
      `An asset name must be a relative path of plain segments (letters, digits, '.', '_', '-') such as "spec-template.md"; got ${describeValue(name)}.`,
      {
        suggestions: ['Pass the file name as it appears in the templates folder, e.g. "plan-template.md" or "specify.md".'],
        details: { kind, received: name ?? null },
      },
    );
  }
  return name;
}

const SUBDIR: Record<Exclude<AssetKind, 'mission'>, string> = { template: 'templates', 'command-template': 'command-templates' };

/** The places the chain looks for an asset, highest priority first (project tiers only inside a project). */
export function candidates(kind: AssetKind, mission: string, name: string, roots: ChainRoots): AssetLocation[] {
  const out: AssetLocation[] = [];
  const add = (tier: Tier, p: string, legacy = false): void => {
    out.push({ tier, path: p, legacy });
  };
  const kittify = roots.projectRoot === null ? null : path.join(roots.projectRoot, '.kittify');
  if (kind === 'mission') {
    if (kittify !== null) add('project_mission', path.join(kittify, 'missions', mission, 'mission.yaml'));
    add('global_mission', path.join(roots.home, 'missions', mission, 'mission.yaml'));
    add('package_default', path.join(roots.packageRoot, 'missions', mission, 'mission.yaml'));
    return out;
  }
  const sub = SUBDIR[kind];
  if (kittify !== null) {
    add('project_mission', joinRel(path.join(kittify, 'missions', mission, sub), name));
    add('project', joinRel(path.join(kittify, sub), name));
    if (kind === 'command-template') add('project', joinRel(path.join(kittify, 'templates', 'command-templates'), name), true);
  }
  add('global_mission', joinRel(path.join(roots.home, 'missions', mission, sub), name));
  add('global', joinRel(path.join(roots.home, sub), name));
  add('package_default', joinRel(path.join(roots.packageRoot, 'missions', mission, sub), name));
  if (kind === 'command-template') add('package_default', joinRel(path.join(roots.packageRoot, 'command-templates'), name));
  return out;
}

/** The mission-relative path of an asset (`templates/x`, `command-templates/y`, `mission.yaml`). */
export function missionRel(kind: AssetKind, name: string): string {
  return kind === 'mission' ? 'mission.yaml' : `${SUBDIR[kind]}/${name}`;
}

/** How a user would name an asset in a sentence. */
export function describeAsset(kind: AssetKind, mission: string, name: string): string {
  if (kind === 'mission') return `Mission "${mission}" (mission.yaml)`;
  return `${kind === 'template' ? 'Template' : 'Command template'} "${name}" for mission "${mission}"`;
}
