import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import {
  AGENTS,
  agentSpec,
  inlineTemplateNames,
  parseAgentList,
  renderAgentCommand,
  type AgentCommandFile,
  type AgentSpec,
} from './agents.js';
import { commitFiles } from '../git/commit.js';
import { recoverTransactions, runTransaction, type Transaction } from '../git/transaction.js';
import { CONFIG_REL, METADATA_REL, configuredAgents, readProjectConfig, type ProjectIdentity } from '../project/config.js';
import { WorkflowError } from '../errors.js';
import { displayPath, isDir, writeFileAtomic } from '../files/files.js';
import { addIgnoreEntries, EXCLUDE_ENTRIES, EXCLUDE_MARKER, GITIGNORE_ENTRIES, GITIGNORE_MARKER } from './gitignore.js';
import type { GitLocation } from '../git/git-port.js';
import { ensureProjectIdentity, type MachineIdentity } from '../project/identity.js';
import { planMcpConfigs } from './mcp-config.js';
import { DEFAULT_MISSION } from '../project/meta.js';
import { renderProjectMetadata } from '../project/metadata.js';
import { checkMission } from '../project/missions.js';
import type { TemplateSource, WorkflowEnv } from '../ports.js';
import { editYaml, type YamlSet } from '../files/yaml-edit.js';

/** Questions `init` may ask when it runs interactively (the CLI provides them; absent means non-interactive). */
export interface InitPrompts {
  /** Asks which agents to set up; `defaults` is the suggestion. Returns agent keys. */
  chooseAgents(choices: readonly AgentSpec[], defaults: readonly string[]): Promise<readonly string[]>;
  /** Asks a yes/no question. */
  confirm(message: string): Promise<boolean>;
}

/** The runtime that initialised the project, recorded in `.kittify/metadata.yaml`. */
export interface RuntimeInfo {
  readonly cliVersion: string;
  readonly nodeVersion: string;
  readonly platform: string;
  readonly platformVersion: string;
}

/** Options of {@link initProject}. */
export interface InitOptions extends WorkflowEnv {
  /** The new project directory (relative to `cwd`); `.` means the current directory. */
  readonly path?: string | undefined;
  /** Initialise the current directory. */
  readonly here?: boolean;
  /** `--ai`: comma-separated agent keys. Absent: the agents already configured, else ask (interactive) or fail. */
  readonly ai?: string | undefined;
  /** The mission whose command templates are installed; default `software-dev`. */
  readonly mission?: string | undefined;
  /** Never ask; `--ai` becomes required for a new project and `--force` for a non-empty directory. */
  readonly nonInteractive?: boolean;
  /** Proceed in a non-empty directory without asking. */
  readonly force?: boolean;
  /** `--no-git`: neither create a repository nor commit. */
  readonly noGit?: boolean;
  /** `--preferred-implementer` / `--preferred-reviewer`: agent keys among the chosen agents. */
  readonly preferredImplementer?: string | undefined;
  readonly preferredReviewer?: string | undefined;
  /** The agents' command-line tools that are not installed (the CLI checks PATH; absent = not checked). */
  readonly missingAgentTools?: readonly string[] | undefined;
  readonly templates: TemplateSource;
  readonly machine: MachineIdentity;
  readonly runtime: RuntimeInfo;
  readonly prompts?: InitPrompts;
  readonly newUuid?: () => string;
  /** Register spec-kitty's MCP server in each agent's project MCP config (default true; `--no-mcp` passes false). */
  readonly mcp?: boolean;
}

/** What `spec-kitty init --json` prints. */
export interface InitResult {
  readonly result: 'success';
  readonly project_path: string;
  readonly agents: readonly string[];
  readonly mission: string;
  /** Whether init ran `git init`. */
  readonly git_initialized: boolean;
  /** Files created or changed (and removed stale command files), relative to the project. */
  readonly files_written: readonly string[];
  readonly files_removed: readonly string[];
  readonly gitignore_added: readonly string[];
  readonly commit_created: boolean;
  readonly commit_hash: string | null;
  readonly files_committed: readonly string[];
  readonly project: ProjectIdentity;
  readonly config_file: string;
  readonly notes: readonly string[];
}

/** `.claudeignore`: what Claude Code need not read (worktrees are read through their own paths). */
const CLAUDEIGNORE = [
  '# Written by spec-kitty init: paths Claude Code does not need to index.',
  '.worktrees/',
  '.kittify/.dashboard',
  '.kittify/runtime/',
  '.kittify/workspaces/',
  'node_modules/',
  '',
].join('\n');

/** Copilot reads the slash-command prompts from .github/prompts when prompt files are enabled. */
const COPILOT_SETTINGS = `${JSON.stringify({ 'chat.promptFiles': true, 'chat.promptFilesLocations': { '.github/prompts': true } }, null, 2)}\n`;

function usage(message: string, suggestion: string): WorkflowError {
  return new WorkflowError('INVALID_ARGUMENT', message, { suggestions: [suggestion] });
}

const readOrNull = (file: string): string | null => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

function metadataText(runtime: RuntimeInfo, now: Date): string {
  // The project format version (what Python spec-kitty 2.0.0 checks) and kitty's version are separate fields.
  return renderProjectMetadata({ initializedAt: now.toISOString(), lastUpgradedAt: null, runtime });
}

/**
 * `spec-kitty init`: sets up a project (a new directory, or the current one with `--here`). It writes
 * `.kittify/config.yaml` (agents, vcs, project identity: uuid, slug, node id) and `.kittify/metadata.yaml`,
 * installs the command files of every chosen agent from the mission's command templates (one agent manifest:
 * directory, file naming, argument placeholder, Markdown or TOML), adds spec-kitty's entries to `.gitignore`
 * and `.worktrees/` to the local git exclude, runs `git init` when needed, and commits exactly the files it
 * wrote that git does not ignore, in one commit. Running it again changes nothing unless the options differ.
 */
export async function initProject(options: InitOptions): Promise<InitResult> {
  const here = options.here === true || options.path === '.';
  if (options.here === true && options.path !== undefined && options.path !== '.')
    throw usage('Cannot specify both a project path and --here.', 'Use either `spec-kitty init my-project` or `spec-kitty init --here`.');
  if (!here && (options.path === undefined || options.path.trim() === '')) {
    throw usage(
      "Must specify either a project path, '.' for the current directory, or --here.",
      'Example: spec-kitty init my-project --ai claude, or spec-kitty init --here --ai claude',
    );
  }
  const target = path.resolve(options.cwd, here ? '.' : (options.path as string));
  const notes: string[] = [];
  const interactive = options.nonInteractive !== true && options.prompts !== undefined;
  // An init killed half-way (SIGKILL) is rolled back first, so it never leaves a directory init then refuses.
  if (isDir(target)) {
    const around = await options.git.locate(target).catch(() => null);
    if (around !== null)
      notes.push(...(await recoverTransactions({ git: options.git, scratch: path.join(around.commonDir, 'spec-kitty') })));
  }

  if (existsSync(target) && !statSync(target).isDirectory())
    throw usage(`${target} exists and is not a directory.`, 'Choose another project path.');
  const alreadyProject = isDir(path.join(target, '.kittify'));
  if (!alreadyProject && existsSync(target)) {
    const items = readdirSync(target).filter((n) => n !== '.git');
    if (items.length > 0 && options.force !== true) {
      const ok = interactive
        ? await options.prompts.confirm(
            `${target} is not empty (${items.length} items). Set up spec-kitty here anyway? Your files are left as they are.`,
          )
        : false;
      if (!ok) {
        throw new WorkflowError(
          'DIRECTORY_NOT_EMPTY',
          `${target} is not empty (${items.length} items) and is not a spec-kitty project yet.`,
          {
            suggestions: [
              interactive
                ? 'Nothing was changed.'
                : 'Pass --force to set up spec-kitty in it anyway (your files are left untouched and are not committed).',
            ],
            details: { path: target, items: items.length },
          },
        );
      }
    }
  }

  // Agents: --ai, else the ones already configured (a re-run), else ask.
  const existingConfig = alreadyProject ? readProjectConfig(target) : null;
  let agents: string[];
  if (options.ai !== undefined) agents = parseAgentList(options.ai);
  else if (existingConfig !== null && configuredAgents(existingConfig).some((a) => agentSpec(a) !== undefined)) {
    agents = parseAgentList(configuredAgents(existingConfig).filter((a) => agentSpec(a) !== undefined));
  } else if (interactive) agents = parseAgentList([...(await options.prompts.chooseAgents(AGENTS, ['copilot']))]);
  else {
    throw new WorkflowError('MISSING_AGENTS', '--ai is required in non-interactive mode.', {
      suggestions: [`Example: spec-kitty init --here --ai claude,codex --non-interactive. Agents: ${AGENTS.map((a) => a.key).join(', ')}`],
    });
  }
  const mission = await checkMission(options.templates, options.mission ?? DEFAULT_MISSION);
  const commandTemplates = await options.templates.commandTemplates(mission);
  if (commandTemplates.length === 0) {
    throw new WorkflowError('TEMPLATE_NOT_FOUND', `No agent command templates found for mission ${mission}.`, {
      suggestions: ['Reinstall spec-kitty, or run spec-kitty migrate to repair the global runtime.'],
      details: { mission },
    });
  }
  const inlineNames = new Set(
    commandTemplates.flatMap((t) =>
      inlineTemplateNames(
        /^---\r?\n[\s\S]*?^inline_templates:\s*(\[[^\]\n]*\])/m
          .exec(t.text)?.[1]
          ?.slice(1, -1)
          .split(',')
          .map((n) => n.trim()) ?? [],
      ),
    ),
  );
  const inlined = new Map<string, string>();
  for (const name of inlineNames) {
    const found = await options.templates.template(mission, name);
    if (found !== null) inlined.set(name, found.text);
  }
  const rendered: AgentCommandFile[] = [];
  for (const key of agents) for (const t of commandTemplates) rendered.push(renderAgentCommand(agentSpec(key) as AgentSpec, t, inlined));
  const roleOf = (flag: string, value: string | undefined): string | null => {
    if (value === undefined || value.trim() === '') return null;
    const spec = agentSpec(value);
    if (spec === undefined || !agents.includes(spec.key))
      throw usage(
        `${flag} ${JSON.stringify(value.slice(0, 40))} is not one of the chosen agents (${agents.join(', ')}).`,
        `spec-kitty init --here --ai ${agents.join(',')} ${flag} ${agents[0] as string}`,
      );
    return spec.key;
  };
  const wantImplementer = roleOf('--preferred-implementer', options.preferredImplementer);
  const wantReviewer = roleOf('--preferred-reviewer', options.preferredReviewer);
  const missingTools = (options.missingAgentTools ?? []).filter((k) => agents.includes(k));
  if (missingTools.length > 0)
    notes.push(
      `Note: optional agent tool(s) not found on PATH: ${missingTools.join(', ')} (pass --ignore-agent-tools to skip this check).`,
    );

  // Git: use the repository around the target, or create one.
  const targetCreated = !existsSync(target);
  mkdirSync(target, { recursive: true });
  let location: GitLocation | null = null;
  let gitInitialized = false;
  if (options.noGit === true) {
    notes.push('Note: --no-git: no repository was created and nothing was committed. Feature commands need git.');
  } else {
    try {
      location = await options.git.locate(target);
      if (location === null) {
        await options.git.init(target);
        gitInitialized = true;
        location = await options.git.locate(target);
      }
    } catch (err) {
      if (!(err instanceof WorkflowError) || err.code !== 'GIT_NOT_AVAILABLE') throw err;
      notes.push('Note: git was not found, so no repository was created and nothing was committed. Feature commands need git.');
    }
  }
  const freshRepo = location !== null && (await options.git.headCommit(location.topLevel)) === null;

  const work = async (tx: Transaction | null) => {
    const written: string[] = [];
    const removed: string[] = [];
    const write = (file: string, content: string): void => {
      if (readOrNull(file) === content) return;
      tx?.track([file]);
      writeFileAtomic(target, file, content);
      written.push(file);
    };

    // Agent command files: ours are `spec-kitty.*`; stale ones of ours are removed, anything else is left alone.
    for (const key of agents) {
      const spec = agentSpec(key) as AgentSpec;
      const dir = path.join(target, spec.dir);
      const mine = new Set(rendered.filter((r) => r.agent === key).map((r) => path.join(target, r.relPath)));
      if (isDir(dir)) {
        for (const name of readdirSync(dir)) {
          const file = path.join(dir, name);
          if (name.startsWith('spec-kitty.') && name.endsWith(spec.extension) && !mine.has(file)) {
            tx?.track([file]);
            unlinkSync(file);
            removed.push(file);
          }
        }
      }
    }
    for (const r of rendered) write(path.join(target, r.relPath), r.content);
    // Per-agent extras: Claude's ignore file (only when absent: it is the user's to edit), Copilot's settings.
    if (agents.includes('claude') && !existsSync(path.join(target, '.claudeignore')))
      write(path.join(target, '.claudeignore'), CLAUDEIGNORE);
    if (agents.includes('copilot')) write(path.join(target, '.vscode', 'settings.json'), COPILOT_SETTINGS);
    if (options.mcp !== false) {
      const mcp = planMcpConfigs(target, agents);
      for (const f of mcp.files) write(f.path, f.content);
      notes.push(...mcp.notes);
    }

    // .kittify/config.yaml: agents, vcs and role preferences (kept when already set), then the identity.
    const config = readProjectConfig(target);
    const selection = (config.data['agents'] as { selection?: Record<string, unknown> } | undefined)?.selection ?? {};
    const keep = (v: unknown): string | null => (typeof v === 'string' && agents.includes(v) ? v : null);
    const implementer = wantImplementer ?? keep(selection['preferred_implementer']) ?? (agents[0] as string);
    const reviewer = wantReviewer ?? keep(selection['preferred_reviewer']) ?? agents.find((a) => a !== implementer) ?? implementer;
    if (reviewer === implementer && agents.length > 1) notes.push('Note: the same agent implements and reviews; cross-review is off.');
    const sets: YamlSet[] = [
      ...(location !== null ? [{ path: ['vcs', 'type'], value: 'git' }] : []),
      { path: ['agents', 'available'], value: agents },
      { path: ['agents', 'selection', 'preferred_implementer'], value: implementer },
      { path: ['agents', 'selection', 'preferred_reviewer'], value: reviewer },
    ];
    const configText = editYaml(config.file?.text ?? '', sets, CONFIG_REL);
    tx?.track([config.path]);
    if (configText !== (config.file?.text ?? null)) {
      writeFileAtomic(target, config.path, configText, {
        ...(config.file === null ? {} : { expectedSha256: config.file.sha256, bom: config.file.bom }),
        shownAs: CONFIG_REL,
      });
      written.push(config.path);
    }
    const ensured = await ensureProjectIdentity({
      root: target,
      git: location === null ? null : options.git,
      machine: options.machine,
      ...(options.newUuid ? { newUuid: options.newUuid } : {}),
    });
    if (ensured.written && !written.includes(ensured.configPath)) written.push(ensured.configPath);

    const metadata = path.join(target, METADATA_REL);
    if (!existsSync(metadata)) write(metadata, metadataText(options.runtime, options.now()));

    const gitignore = path.join(target, '.gitignore');
    const ignore = addIgnoreEntries(readOrNull(gitignore), GITIGNORE_ENTRIES, GITIGNORE_MARKER);
    if (ignore.added.length > 0) write(gitignore, ignore.text);

    let commit: { commit_created: boolean; commit_hash: string | null; files_committed: readonly string[] } = {
      commit_created: false,
      commit_hash: null,
      files_committed: [],
    };
    if (location !== null) {
      const exclude = path.join(location.commonDir, 'info', 'exclude');
      const ex = addIgnoreEntries(readOrNull(exclude), EXCLUDE_ENTRIES, EXCLUDE_MARKER);
      if (ex.added.length > 0) {
        tx?.track([exclude]);
        writeFileAtomic(location.commonDir, exclude, ex.text);
      }
      const candidates = [...written, ...removed];
      const rel = (abs: string): string => path.relative(location.topLevel, abs).split(path.sep).join('/');
      const ignored = new Set(await options.git.ignored(location.topLevel, candidates.map(rel)));
      const toCommit = candidates.filter((f) => !ignored.has(rel(f)));
      const agentList = agents.join(', ');
      const message = freshRepo ? 'Initial commit from Specify template' : `chore: Set up spec-kitty (${agentList})`;
      const run = (): ReturnType<typeof commitFiles> =>
        commitFiles(options.git, location.topLevel, target, toCommit, message, { ...(options.sleep ? { sleep: options.sleep } : {}) });
      commit = tx === null ? await run() : await tx.commit(message, run);
    }
    return { written, removed, ignore, ensured, commit };
  };
  const loc = location;
  const done =
    loc === null
      ? await work(null)
      : await runTransaction(
          {
            git: options.git,
            repoTop: loc.topLevel,
            scratch: path.join(loc.commonDir, 'spec-kitty'),
            command: 'init',
            now: options.now,
            signal: options.signal,
            onNote: (n) => notes.push(n),
          },
          async (tx) => {
            if (targetCreated) tx.createdDir(target);
            if (gitInitialized) tx.createdGitDir(loc.gitDir);
            return work(tx);
          },
        );
  const { written, removed, ignore, ensured, commit } = done;
  const previously = existingConfig === null ? [] : configuredAgents(existingConfig).filter((a) => !agents.includes(a));
  if (previously.length > 0)
    notes.push(
      `Note: ${previously.join(', ')} ${previously.length === 1 ? 'is' : 'are'} no longer configured; their command files were left in place.`,
    );
  notes.push(...(options.templates.takeNotes?.() ?? []));

  return {
    result: 'success',
    project_path: target,
    agents,
    mission,
    git_initialized: gitInitialized,
    files_written: written.map((f) => displayPath(target, f)),
    files_removed: removed.map((f) => displayPath(target, f)),
    gitignore_added: ignore.added,
    commit_created: commit.commit_created,
    commit_hash: commit.commit_hash,
    files_committed: commit.files_committed,
    project: ensured.identity,
    config_file: ensured.configPath,
    notes,
  };
}
