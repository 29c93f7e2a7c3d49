import { tomlMultilineBody, tomlString } from '@kitty/io';
import { stringify } from 'yaml';
import { WorkflowError } from '../errors.js';
import { parseFrontmatter } from '../files/frontmatter.js';
import type { TemplateAsset } from '../ports.js';

/** How one AI coding agent reads slash-command files. */
export interface AgentSpec {
  /** The key used with `--ai` and in `.kittify/config.yaml` `agents.available`. */
  readonly key: string;
  readonly displayName: string;
  /** Directory (relative to the project root) that holds the agent's command files. */
  readonly dir: string;
  /** File extension, including the leading dot(s). */
  readonly extension: '.md' | '.prompt.md' | '.toml';
  readonly format: 'markdown' | 'toml';
  /** How the agent writes "the user's arguments" inside a command body. */
  readonly argPlaceholder: '$ARGUMENTS' | '{{args}}';
  /** Replace `-` with `_` in file names (Codex reads command names from file names). */
  readonly underscoreNames: boolean;
  /** The agent's command-line tool, when it has one. */
  readonly cli: string | null;
}

const md = (key: string, displayName: string, dir: string, cli: string | null, extra: Partial<AgentSpec> = {}): AgentSpec =>
  Object.freeze({
    key,
    displayName,
    dir,
    extension: '.md',
    format: 'markdown',
    argPlaceholder: '$ARGUMENTS',
    underscoreNames: false,
    cli,
    ...extra,
  });

/**
 * The agent manifest: every agent `spec-kitty init --ai` can set up, with the directory, file naming and
 * argument placeholder the agent expects (the same layout as the Python CLI, so projects move between the two).
 */
export const AGENTS: readonly AgentSpec[] = Object.freeze([
  md('claude', 'Claude Code', '.claude/commands', 'claude'),
  md('copilot', 'GitHub Copilot', '.github/prompts', null, { extension: '.prompt.md' }),
  md('gemini', 'Gemini CLI', '.gemini/commands', 'gemini', { extension: '.toml', format: 'toml', argPlaceholder: '{{args}}' }),
  md('cursor', 'Cursor', '.cursor/commands', null),
  md('qwen', 'Qwen Code', '.qwen/commands', 'qwen', { extension: '.toml', format: 'toml', argPlaceholder: '{{args}}' }),
  md('opencode', 'opencode', '.opencode/command', 'opencode'),
  md('windsurf', 'Windsurf', '.windsurf/workflows', null),
  md('codex', 'Codex CLI', '.codex/prompts', 'codex', { underscoreNames: true }),
  md('kilocode', 'Kilo Code', '.kilocode/workflows', null),
  md('auggie', 'Auggie CLI (Augment)', '.augment/commands', 'auggie'),
  md('roo', 'Roo Code', '.roo/commands', null),
  md('q', 'Amazon Q Developer CLI', '.amazonq/prompts', 'q'),
]);

/** Other names people use for an agent, mapped to its key. */
const ALIASES: Readonly<Record<string, string>> = {
  'claude-code': 'claude',
  'github-copilot': 'copilot',
  augment: 'auggie',
  'kilo-code': 'kilocode',
  'roo-code': 'roo',
  'amazon-q': 'q',
  amazonq: 'q',
};

/** The manifest entry of an agent key (aliases accepted), or undefined. */
export function agentSpec(key: string): AgentSpec | undefined {
  const k = key.trim().toLowerCase();
  return AGENTS.find((a) => a.key === (ALIASES[k] ?? k));
}

/**
 * Parses an `--ai` list: comma- or semicolon-separated, case-insensitive, duplicates dropped (first order
 * kept). Unknown keys or an empty list throw INVALID_AGENTS naming the valid keys.
 *
 * @example
 * parseAgentList('Claude, codex;claude') // => ['claude', 'codex']
 */
export function parseAgentList(raw: string | readonly string[]): string[] {
  const parts = (typeof raw === 'string' ? raw.split(/[,;]/) : raw.flatMap((r) => r.split(/[,;]/)))
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const all = AGENTS.map((a) => a.key).join(', ');
  if (parts.length === 0) {
    throw new WorkflowError('INVALID_AGENTS', '--ai did not contain any agent key.', {
      suggestions: [`Choose from: ${all}. Example: --ai claude,codex`],
    });
  }
  const unknown = parts.filter((p) => agentSpec(p) === undefined);
  if (unknown.length > 0) {
    throw new WorkflowError('INVALID_AGENTS', `Unknown AI agent(s): ${unknown.map((u) => JSON.stringify(u.slice(0, 40))).join(', ')}.`, {
      suggestions: [`Choose from: ${all}. Example: --ai claude,codex`],
      details: { unknown, valid: AGENTS.map((a) => a.key) },
    });
  }
  const keys: string[] = [];
  for (const p of parts) {
    const key = (agentSpec(p) as AgentSpec).key;
    if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** The file name `init` writes for a command template: `spec-kitty.<stem><ext>` (`_` for `-` with Codex). */
export function agentCommandFileName(agent: AgentSpec, templateName: string): string {
  const stem = templateName.replace(/\.md$/, '');
  return `spec-kitty.${agent.underscoreNames ? stem.replace(/-/g, '_') : stem}${agent.extension}`;
}

/** The template names a command template's `inline_templates` frontmatter asks to append (a list or one name). */
export function inlineTemplateNames(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list.filter((v): v is string => typeof v === 'string' && /^[A-Za-z0-9._-]+$/.test(v));
}

/** A rendered agent command file. */
export interface AgentCommandFile {
  readonly agent: string;
  /** Path relative to the project root, with forward slashes. */
  readonly relPath: string;
  readonly content: string;
}

/**
 * Renders one command template for one agent: the template's frontmatter (without `scripts`/`agent_scripts`)
 * is kept for Markdown agents, `$ARGUMENTS`/`{ARGS}` become the agent's argument placeholder and `__AGENT__`
 * its key; TOML agents (Gemini, Qwen) get `description = "…"` and `prompt = """…"""`. Throws
 * INVALID_TEMPLATE when the template's frontmatter is malformed.
 */
export function renderAgentCommand(
  agent: AgentSpec,
  template: TemplateAsset,
  inlined: ReadonlyMap<string, string> = new Map(),
): AgentCommandFile {
  const text = template.text.replace(/\r\n/g, '\n');
  const parsed = parseFrontmatter(text, template.origin, { optional: true });
  if (!parsed.ok) {
    const p = parsed.problems[0];
    throw new WorkflowError(
      'INVALID_TEMPLATE',
      `The command template ${template.name} is malformed: ${p ? `${p.path}:${p.line}:${p.col}: ${p.message}` : 'bad frontmatter'}.`,
      {
        suggestions: ['Fix the frontmatter of the template (or remove the project override) and run init again.'],
        details: { template: template.name, origin: template.origin },
      },
    );
  }
  const { scripts: _s, agent_scripts: _a, inline_templates: inline, ...meta } = parsed.value.data as Record<string, unknown>;
  const appendix = inlineTemplateNames(inline)
    .map((name) => {
      const text = inlined.get(name);
      if (text === undefined) {
        throw new WorkflowError(
          'TEMPLATE_NOT_FOUND',
          `The command template ${template.name} shows ${name}, which the mission does not have.`,
          {
            suggestions: ['Reinstall spec-kitty, or add the template to the project (.kittify/templates/) and run spec-kitty init again.'],
            details: { template: template.name, missing: name },
          },
        );
      }
      return `\n\n---\n\n## ${name} (the template this prompt refers to)\n\n\`\`\`\`markdown\n${text.replace(/\r\n/g, '\n').trimEnd()}\n\`\`\`\`\n`;
    })
    .join('');
  const body = (appendix === '' ? parsed.value.body : parsed.value.body.trimEnd() + appendix)
    .replace(/\$ARGUMENTS|\{ARGS\}/g, agent.argPlaceholder)
    .replace(/__AGENT__/g, agent.key)
    .replace(/^\n+/, '');
  const relPath = `${agent.dir}/${agentCommandFileName(agent, template.name)}`;
  if (agent.format === 'toml') {
    const description = typeof meta['description'] === 'string' ? meta['description'] : '';
    const prompt = body.endsWith('\n') ? body : `${body}\n`;
    return {
      agent: agent.key,
      relPath,
      content: `description = ${tomlString(description)}\n\nprompt = """\n${tomlMultilineBody(prompt)}"""\n`,
    };
  }
  const head = Object.keys(meta).length > 0 ? `---\n${stringify(meta, { lineWidth: 0 })}---\n\n` : '';
  const content = `${head}${body}`;
  return { agent: agent.key, relPath, content: content.endsWith('\n') ? content : `${content}\n` };
}
