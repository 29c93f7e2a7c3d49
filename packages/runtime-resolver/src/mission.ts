import { describeValue, typeName } from '@kitty/errors';
import { parseDocument } from 'yaml';
import { RuntimeError } from './errors.js';

/** Mission domains accepted in `mission.yaml` (the Python spec-kitty's list). */
export const MISSION_DOMAINS = ['software', 'research', 'writing', 'seo', 'other'] as const;

/** A mission's domain. */
export type MissionDomain = (typeof MISSION_DOMAINS)[number];

/** One problem in a `mission.yaml`. */
export interface MissionIssue {
  /** Dotted path of the field (`workflow.phases.0.name`), empty for the whole document. */
  readonly path: string;
  readonly expected: string;
  readonly received: string;
}

/** A validated `mission.yaml`. Unknown keys are kept in `raw` (the format is shared with the Python CLI). */
export interface Mission {
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly domain: MissionDomain;
  readonly phases: readonly { readonly name: string; readonly description: string }[];
  readonly artifacts: { readonly required: readonly string[]; readonly optional: readonly string[] };
  readonly paths: Readonly<Record<string, string>>;
  /** Guidance for agents working on a feature of this mission, or null. */
  readonly agentContext: string | null;
  readonly raw: Readonly<Record<string, unknown>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses and validates a `mission.yaml`. Throws INVALID_MISSION listing every problem (YAML syntax with line
 * and column, missing or mistyped fields) with the file path.
 */
export function parseMission(key: string, text: string, file: string): Mission {
  const doc = parseDocument(text);
  const fail = (issues: MissionIssue[]): never => {
    const list = issues.map((i) => `${i.path || '(document)'}: expected ${i.expected}, got ${i.received}`);
    throw new RuntimeError('INVALID_MISSION', `Mission "${key}" in ${file} is invalid: ${list.join('; ')}.`, {
      suggestions: [
        `Fix ${file} (compare with \`spec-kitty config --show-origin\` to find the default it overrides),`,
        'or delete it so the next tier (global runtime or package default) is used.',
      ],
      details: { mission: key, path: file, issues },
    });
  };
  if (doc.errors.length > 0) {
    fail(
      doc.errors.map((e) => ({
        path: '',
        expected: 'valid YAML',
        received: (e.message.split('\n')[0] ?? 'a syntax error').replace(/:$/, ''), // yaml puts "at line L, column C" here
      })),
    );
  }
  const data: unknown = doc.toJS();
  if (!isRecord(data)) return fail([{ path: '', expected: 'a mapping of mission fields', received: typeName(data) }]);
  const issues: MissionIssue[] = [];
  const str = (field: string, value: unknown, pattern?: RegExp, rule = 'a non-empty string'): string => {
    if (typeof value !== 'string' || value.trim() === '' || (pattern !== undefined && !pattern.test(value))) {
      issues.push({ path: field, expected: rule, received: describeValue(value) });
      return '';
    }
    return value;
  };
  const strList = (field: string, value: unknown, required: boolean): string[] => {
    if (value === undefined && !required) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      issues.push({ path: field, expected: 'a list of strings', received: describeValue(value) });
      return [];
    }
    return value as string[];
  };
  const name = str('name', data['name']);
  const description = str('description', data['description']);
  const version = str('version', data['version'], /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'a semantic version string like "1.0.0"');
  const domain = str(
    'domain',
    data['domain'],
    new RegExp(`^(${MISSION_DOMAINS.join('|')})$`),
    `one of ${MISSION_DOMAINS.join(', ')}`,
  ) as MissionDomain;
  const workflow = data['workflow'];
  const phases: { name: string; description: string }[] = [];
  if (!isRecord(workflow) || !Array.isArray(workflow['phases']) || workflow['phases'].length === 0) {
    issues.push({
      path: 'workflow.phases',
      expected: 'a non-empty list of {name, description}',
      received: describeValue(isRecord(workflow) ? workflow['phases'] : workflow),
    });
  } else {
    workflow['phases'].forEach((phase: unknown, i: number) => {
      if (!isRecord(phase)) {
        issues.push({ path: `workflow.phases.${i}`, expected: 'a mapping with name and description', received: describeValue(phase) });
        return;
      }
      phases.push({
        name: str(`workflow.phases.${i}.name`, phase['name']),
        description: str(`workflow.phases.${i}.description`, phase['description']),
      });
    });
  }
  const artifacts = data['artifacts'];
  let required: string[] = [];
  let optional: string[] = [];
  if (!isRecord(artifacts))
    issues.push({ path: 'artifacts', expected: 'a mapping with required (and optional) lists', received: describeValue(artifacts) });
  else {
    required = strList('artifacts.required', artifacts['required'], true);
    optional = strList('artifacts.optional', artifacts['optional'], false);
  }
  const paths: Record<string, string> = {};
  if (data['paths'] !== undefined) {
    if (!isRecord(data['paths']))
      issues.push({ path: 'paths', expected: 'a mapping of names to paths', received: describeValue(data['paths']) });
    else for (const [k, v] of Object.entries(data['paths'])) paths[k] = str(`paths.${k}`, v);
  }
  const agentContext = data['agent_context'];
  if (agentContext !== undefined && typeof agentContext !== 'string')
    issues.push({ path: 'agent_context', expected: 'text', received: describeValue(agentContext) });
  if (issues.length > 0) fail(issues);
  return {
    key,
    name,
    description,
    version,
    domain,
    phases,
    artifacts: { required, optional },
    paths,
    agentContext: typeof agentContext === 'string' ? agentContext : null,
    raw: data,
  };
}
