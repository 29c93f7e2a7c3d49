import { readFileSync } from 'node:fs';
import path from 'node:path';
import { agentSpec, AGENTS } from './agents.js';
import { commitFiles, repoTopOf } from '../git/commit.js';
import { isFile, writeFileAtomic } from '../files/files.js';
import { openProjectFeature } from '../project/feature-context.js';
import type { WorkflowEnv } from '../ports.js';
import { WorkflowError } from '../errors.js';

/** The context file each agent reads at start-up (relative to the project root). */
const CONTEXT_FILES: Readonly<Record<string, string>> = {
  claude: 'CLAUDE.md',
  gemini: 'GEMINI.md',
  qwen: 'QWEN.md',
  copilot: '.github/copilot-instructions.md',
  cursor: '.cursor/rules/specify-rules.mdc',
  windsurf: '.windsurf/rules/specify-rules.md',
  kilocode: '.kilocode/rules/specify-rules.md',
  roo: '.roo/rules/specify-rules.md',
  auggie: '.augment/rules/specify-rules.md',
  q: 'AGENTS.md',
  codex: 'AGENTS.md',
  opencode: 'AGENTS.md',
};

const START = '<!-- spec-kitty:context:start (generated from the plan; edit outside these markers) -->';
const END = '<!-- spec-kitty:context:end -->';
const FIELDS = [
  'Language/Version',
  'Primary Dependencies',
  'Storage',
  'Testing',
  'Target Platform',
  'Project Type',
  'Performance Goals',
  'Constraints',
];

/** What `agent context update-context --json` prints. */
export interface UpdateContextResult {
  readonly result: 'success';
  readonly feature_slug: string;
  readonly agent_type: string;
  readonly context_file: string;
  /** The plan's technical context, field by field (placeholders and NEEDS CLARIFICATION left out). */
  readonly technical_context: Readonly<Record<string, string>>;
  readonly updated: boolean;
  readonly commit_hash: string | null;
  readonly notes: readonly string[];
}

/**
 * `spec-kitty agent context update-context [--agent-type A]`: copies the plan's technical context (language,
 * dependencies, storage, testing, platform, …) into the agent's context file (CLAUDE.md, AGENTS.md, …) between
 * spec-kitty's markers, leaving everything else in the file as it was, and commits the file.
 */
export async function updateAgentContext(
  options: WorkflowEnv & { readonly feature?: string | undefined; readonly agentType?: string | undefined },
): Promise<UpdateContextResult> {
  const key = (options.agentType ?? 'claude').trim().toLowerCase();
  const spec = agentSpec(key);
  if (spec === undefined) {
    throw new WorkflowError('INVALID_AGENTS', `Unknown agent type ${JSON.stringify(key.slice(0, 40))}.`, {
      suggestions: [`spec-kitty agent context update-context --agent-type claude (one of ${AGENTS.map((a) => a.key).join(', ')})`],
    });
  }
  const { project, feature } = await openProjectFeature(options, {
    feature: options.feature,
    command: 'agent context update-context',
    requireGit: 'agent context update-context',
  });
  const plan = path.join(feature.dir, 'plan.md');
  if (!isFile(plan)) {
    throw new WorkflowError('SPEC_FILE_MISSING', `${feature.relDir}/plan.md does not exist yet.`, {
      suggestions: [`spec-kitty agent feature setup-plan --feature ${feature.slug} --json`],
    });
  }
  const text = readFileSync(plan, 'utf8');
  const context: Record<string, string> = {};
  for (const field of FIELDS) {
    const m = new RegExp(`^\\*\\*${field.replace('/', '\\/')}\\*\\*:\\s*(.+)$`, 'm').exec(text);
    const value = m?.[1]?.trim() ?? '';
    if (value !== '' && !/NEEDS CLARIFICATION|^\[.*\]$/.test(value)) context[field] = value;
  }
  const rel = CONTEXT_FILES[spec.key] ?? 'AGENTS.md';
  const file = path.join(project.root, rel);
  const old = isFile(file) ? readFileSync(file, 'utf8') : '';
  const block = [
    START,
    `## Active technologies (${feature.slug})`,
    '',
    ...Object.entries(context).map(([k, v]) => `- **${k}**: ${v}`),
    ...(Object.keys(context).length === 0 ? ['- (the plan names none yet)'] : []),
    END,
  ].join('\n');
  const s = old.indexOf(START);
  const e = old.indexOf(END);
  const next =
    s >= 0 && e > s
      ? `${old.slice(0, s)}${block}${old.slice(e + END.length)}`
      : `${old}${old === '' || old.endsWith('\n\n') ? '' : old.endsWith('\n') ? '\n' : '\n\n'}${block}\n`;
  const notes: string[] = [];
  let commit: string | null = null;
  if (next !== old) {
    writeFileAtomic(project.root, file, next);
    const c = await commitFiles(
      options.git,
      await repoTopOf(project, options.git),
      project.root,
      [file],
      `chore: Update ${rel} from the plan of ${feature.slug}`,
    );
    commit = c.commit_hash;
  } else notes.push(`${rel} is already up to date.`);
  return {
    result: 'success',
    feature_slug: feature.slug,
    agent_type: spec.key,
    context_file: file,
    technical_context: context,
    updated: next !== old,
    commit_hash: commit,
    notes,
  };
}
