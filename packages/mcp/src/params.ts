import * as v from 'valibot';
import { toJsonSchema } from '@valibot/to-json-schema';
import { describeValue } from '@kitty/errors';
import { McpServerError } from './errors.js';

/**
 * One input of a command, as the CLI declares it (an oclif flag or argument), in a form that does not depend on
 * oclif. The MCP plugin reads these from the commands' own definitions, so the CLI's flags stay the one source of
 * truth for the tools' inputs.
 */
export interface ParamDef {
  /** The CLI name: a flag name (`review-feedback-file`) or an argument name (`wp`). */
  readonly name: string;
  readonly kind: 'string' | 'boolean' | 'integer' | 'string[]';
  readonly description?: string | undefined;
  readonly required?: boolean | undefined;
  /** Allowed values of a string input. */
  readonly options?: readonly string[] | undefined;
  /** The value used when the input is absent. */
  readonly default?: string | number | boolean | undefined;
  /** Smallest allowed value of an integer input. */
  readonly min?: number | undefined;
}

/** A command's help texts and inputs (what the tools are generated from). */
export interface CommandShape {
  /** The oclif id with spaces, e.g. `agent tasks move-task`. */
  readonly id: string;
  readonly summary?: string | undefined;
  readonly description?: string | undefined;
  readonly params: readonly ParamDef[];
}

/** The key of a CLI input in a tool's arguments: snake_case, like every JSON key kitty prints. */
export function inputKey(name: string): string {
  return name.replace(/-/g, '_');
}

type Schema = v.GenericSchema<unknown, unknown>;

function baseSchema(p: ParamDef): Schema {
  const described = (s: Schema): Schema => (p.description ? v.pipe(s, v.description(p.description)) : s);
  switch (p.kind) {
    case 'boolean':
      return described(v.boolean());
    case 'integer':
      return described(p.min === undefined ? v.pipe(v.number(), v.integer()) : v.pipe(v.number(), v.integer(), v.minValue(p.min)));
    case 'string[]':
      return described(v.pipe(v.array(v.string()), v.minLength(p.required ? 1 : 0)));
    default:
      return described(p.options && p.options.length > 0 ? v.picklist(p.options as string[]) : v.string());
  }
}

/** The valibot schema of a tool's arguments: a strict object (unknown keys are refused) of the params. */
export function paramsSchema(params: readonly ParamDef[]): v.StrictObjectSchema<Record<string, Schema>, undefined> {
  const entries: Record<string, Schema> = {};
  for (const p of params) {
    const s = baseSchema(p);
    entries[inputKey(p.name)] = p.required ? s : p.default === undefined ? v.optional(s) : v.optional(s, p.default);
  }
  return v.strictObject(entries);
}

/** The JSON Schema MCP clients see, generated from the valibot schema. */
export function jsonSchemaOf(schema: Schema): { type: 'object'; [key: string]: unknown } {
  const { $schema: _drop, ...json } = toJsonSchema(schema, { errorMode: 'ignore' }) as Record<string, unknown>;
  return { ...json, type: 'object' };
}

/** An example call with the required inputs, for hints. */
export function exampleCall(tool: string, params: readonly ParamDef[]): string {
  const args: Record<string, unknown> = {};
  for (const p of params.filter((q) => q.required)) {
    args[inputKey(p.name)] =
      p.kind === 'boolean' ? true : p.kind === 'integer' ? (p.min ?? 1) : p.kind === 'string[]' ? ['…'] : (p.options?.[0] ?? '…');
  }
  return `${tool} ${JSON.stringify(args)}`;
}

/** Validates a tool call's arguments; throws INVALID_TOOL_INPUT naming each problem and a call that works. */
export function parseInput(tool: string, params: readonly ParamDef[], schema: Schema, raw: unknown): Record<string, unknown> {
  const parsed = v.safeParse(schema, raw ?? {});
  if (parsed.success) return parsed.output as Record<string, unknown>;
  const problems = parsed.issues.map((i) => {
    const key = v.getDotPath(i);
    if (key === null) return `arguments: ${i.message}`;
    const known = params.some((p) => inputKey(p.name) === key.split('.')[0]);
    if (!known) return `${key}: unknown argument`;
    if (i.input === undefined) return `${key}: missing (required)`;
    return `${key}: ${i.expected ? `expected ${i.expected}` : i.message}, received ${describeValue(i.input, 60)}`;
  });
  const names = params.map((p) => inputKey(p.name));
  throw new McpServerError('INVALID_TOOL_INPUT', `${tool} was called with invalid arguments: ${problems.join('; ')}.`, {
    suggestions: [
      `Call it like: ${exampleCall(tool, params)}`,
      `Arguments ${tool} takes: ${names.length > 0 ? names.join(', ') : '(none)'}.`,
    ],
    details: { tool, problems },
  });
}
