import { readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { AGENTS, agentCommandFileName, agentSpec, parseAgentList, type AgentSpec } from './agents.js';
import { initProject, type InitOptions, type InitResult } from './init.js';
import { commitFiles } from '../git/commit.js';
import { CONFIG_REL, configuredAgents, readProjectConfig } from '../project/config.js';
import { openProject } from '../project/project.js';
import { isDir, writeFileAtomic } from '../files/files.js';
import { editYaml } from '../files/yaml-edit.js';
import { WorkflowError } from '../errors.js';

/** One agent in `agent config list|status`. */
export interface AgentConfigEntry {
  readonly key: string;
  readonly display_name: string;
  readonly directory: string;
  readonly configured: boolean;
  /** Command files present (`spec-kitty.*` in the agent's directory). */
  readonly command_files: number;
  /** Command files the templates would install. */
  readonly expected_files: number;
  readonly missing_files: readonly string[];
}

/** What `agent config list|status|add|remove|sync --json` prints. */
export interface AgentConfigResult {
  readonly action: 'list' | 'status' | 'add' | 'remove' | 'sync';
  readonly available: readonly string[];
  readonly preferred_implementer: string | null;
  readonly preferred_reviewer: string | null;
  readonly agents: readonly AgentConfigEntry[];
  /** Agents added or removed by this call. */
  readonly changed: readonly string[];
  readonly commit_hash: string | null;
  readonly notes: readonly string[];
}

/** Options of {@link agentConfig}: init's (for add and sync, which re-run it), the action and its agents. */
export type AgentConfigOptions = Omit<InitOptions, 'path' | 'here' | 'ai' | 'force' | 'nonInteractive'> & {
  readonly action: AgentConfigResult['action'];
  /** Agent keys for add / remove (comma-separated or several). */
  readonly agents?: readonly string[] | undefined;
};

/**
 * `spec-kitty agent config list|status|add|remove|sync`: the project's agents (`agents.available`). `add` and
 * `sync` re-run init for the resulting set (command files rendered, config updated, one commit); `remove` takes
 * agents out of the config and deletes their `spec-kitty.*` command files (nothing else in their directories),
 * in one commit; `list` and `status` read only (status also compares the command files with the templates).
 */
export async function agentConfig(options: AgentConfigOptions): Promise<AgentConfigResult> {
  const project = await openProject(options);
  const root = project.root;
  const current = configuredAgents(readProjectConfig(root)).filter((a) => agentSpec(a) !== undefined);
  const notes: string[] = [];
  let changed: string[] = [];
  let commit: string | null = null;
  const requested = (): string[] => {
    if (options.agents === undefined || options.agents.length === 0) {
      throw new WorkflowError('INVALID_AGENTS', `agent config ${options.action} needs at least one agent key.`, {
        suggestions: [`spec-kitty agent config ${options.action} ${AGENTS.find((a) => !current.includes(a.key))?.key ?? 'claude'}`],
      });
    }
    return parseAgentList(options.agents);
  };
  const rerun = async (agents: readonly string[]): Promise<InitResult> => {
    const r = await initProject({ ...options, path: root, here: false, ai: agents.join(','), nonInteractive: true, force: true });
    notes.push(...r.notes);
    return r;
  };
  if (options.action === 'add') {
    const add = requested();
    changed = add.filter((a) => !current.includes(a));
    if (changed.length === 0) notes.push(`Already configured: ${add.join(', ')}.`);
    commit = (await rerun([...current, ...changed])).commit_hash;
  } else if (options.action === 'sync') {
    if (current.length === 0)
      throw new WorkflowError('MISSING_AGENTS', 'No agents are configured in .kittify/config.yaml.', {
        suggestions: ['spec-kitty agent config add claude'],
      });
    commit = (await rerun(current)).commit_hash;
  } else if (options.action === 'remove') {
    const remove = requested();
    changed = remove.filter((a) => current.includes(a));
    const left = current.filter((a) => !changed.includes(a));
    if (changed.length > 0) {
      const config = readProjectConfig(root);
      const text = editYaml(config.file?.text ?? '', [{ path: ['agents', 'available'], value: left }], CONFIG_REL);
      writeFileAtomic(root, config.path, text, {
        ...(config.file === null ? {} : { expectedSha256: config.file.sha256, bom: config.file.bom }),
        shownAs: CONFIG_REL,
      });
      const files = [config.path];
      for (const key of changed) {
        const spec = agentSpec(key) as AgentSpec;
        const dir = path.join(root, spec.dir);
        if (!isDir(dir)) continue;
        for (const name of readdirSync(dir)) {
          if (name.startsWith('spec-kitty.') && name.endsWith(spec.extension)) {
            unlinkSync(path.join(dir, name));
            files.push(path.join(dir, name));
          }
        }
      }
      const location = project.location;
      if (location !== null && location !== undefined) {
        const ignored = new Set(
          await options.git.ignored(
            location.topLevel,
            files.map((f) => path.relative(location.topLevel, f).split(path.sep).join('/')),
          ),
        );
        const toCommit = files.filter((f) => !ignored.has(path.relative(location.topLevel, f).split(path.sep).join('/')));
        commit = (
          await commitFiles(options.git, location.topLevel, root, toCommit, `chore: Remove spec-kitty agent(s) ${changed.join(', ')}`)
        ).commit_hash;
      }
    } else notes.push(`Not configured: ${remove.join(', ')}.`);
  }
  const config = readProjectConfig(root);
  const available = configuredAgents(config);
  const selection = (config.data['agents'] as { selection?: Record<string, unknown> } | undefined)?.selection ?? {};
  const templates = await options.templates.commandTemplates(options.mission ?? 'software-dev').catch(() => []);
  const entries = AGENTS.filter((a) => available.includes(a.key)).map((a): AgentConfigEntry => {
    const dir = path.join(root, a.dir);
    const present = isDir(dir) ? readdirSync(dir).filter((n) => n.startsWith('spec-kitty.') && n.endsWith(a.extension)) : [];
    const expected = templates.map((t) => agentCommandFileName(a, t.name));
    return {
      key: a.key,
      display_name: a.displayName,
      directory: a.dir,
      configured: true,
      command_files: present.length,
      expected_files: expected.length,
      missing_files: expected.filter((e) => !present.includes(e)),
    };
  });
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  return {
    action: options.action,
    available,
    preferred_implementer: str(selection['preferred_implementer']),
    preferred_reviewer: str(selection['preferred_reviewer']),
    agents: entries,
    changed,
    commit_hash: commit,
    notes,
  };
}
