import { describe, expect, it } from '@jest/globals';
import { McpServerError, TOOLS, exampleCall, jsonSchemaOf, paramsSchema, parseInput, selectTools, type ParamDef } from '../src/index.js';

const MOVE: ParamDef[] = [
  { name: 'wp', kind: 'string', required: true, description: 'work package id, e.g. WP01' },
  { name: 'to', kind: 'string', required: true },
  { name: 'review-feedback-file', kind: 'string' },
  { name: 'force', kind: 'boolean' },
  { name: 'stale-threshold', kind: 'integer', default: 10, min: 1 },
  { name: 'status', kind: 'string', options: ['done', 'pending'] },
  { name: 'test', kind: 'string[]' },
];

const failure = (fn: () => unknown): McpServerError => {
  try {
    fn();
  } catch (err) {
    return err as McpServerError;
  }
  throw new Error('expected a failure');
};

describe('tool inputs from the CLI definitions', () => {
  it('turns flags into a strict JSON Schema with snake_case keys, required, enums, defaults and descriptions', () => {
    expect(jsonSchemaOf(paramsSchema(MOVE))).toEqual({
      type: 'object',
      properties: {
        wp: { type: 'string', description: 'work package id, e.g. WP01' },
        to: { type: 'string' },
        review_feedback_file: { type: 'string' },
        force: { type: 'boolean' },
        stale_threshold: { type: 'integer', minimum: 1, default: 10 },
        status: { type: 'string', enum: ['done', 'pending'] },
        test: { type: 'array', items: { type: 'string' }, minItems: 0 },
      },
      required: ['wp', 'to'],
      additionalProperties: false,
    });
  });

  it('applies defaults and names every problem with a call that works', () => {
    expect(parseInput('t', MOVE, paramsSchema(MOVE), { wp: 'WP01', to: 'done' })).toEqual({ wp: 'WP01', to: 'done', stale_threshold: 10 });
    const err = failure(() =>
      parseInput('tasks_move', MOVE, paramsSchema(MOVE), { to: 3, bogus: true, stale_threshold: 0, status: 'maybe' }),
    );
    expect(err).toBeInstanceOf(McpServerError);
    expect(err.code).toBe('INVALID_TOOL_INPUT');
    expect(err.message).toContain('wp: missing (required)');
    expect(err.message).toContain('to: expected string, received 3');
    expect(err.message).toContain('bogus: unknown argument');
    expect(err.message).toContain('stale_threshold: expected >=1, received 0');
    expect(err.message).toContain('status: expected ("done" | "pending"), received "maybe"');
    expect(err.suggestions[0]).toBe(`Call it like: ${exampleCall('tasks_move', MOVE)}`);
    expect(exampleCall('tasks_move', MOVE)).toBe('tasks_move {"wp":"…","to":"…"}');
    expect(failure(() => parseInput('t', MOVE, paramsSchema(MOVE), 'WP01')).message).toContain('arguments:');
  });
});

describe('--tools', () => {
  it('defaults to the agent loop and accepts all, groups and tool names', () => {
    expect(selectTools(undefined).map((t) => t.group)).toEqual(Array(7).fill('core'));
    expect(selectTools('all')).toHaveLength(TOOLS.length);
    expect(selectTools('planning,merge').map((t) => t.name)).toEqual([
      'feature_create',
      'feature_setup_plan',
      'feature_finalize_tasks',
      'feature_check_prerequisites',
      'merge',
    ]);
    expect(selectTools(' , ').map((t) => t.group)).toEqual(Array(7).fill('core'));
    const err = failure(() => selectTools('core,everything'));
    expect(err).toMatchObject({ code: 'INVALID_TOOLS_OPTION', details: { received: 'everything' } });
  });

  it('maps every tool to one command, each command to one tool', () => {
    const commands = TOOLS.map((t) => t.command);
    expect(new Set(commands).size).toBe(commands.length);
    expect(new Set(TOOLS.map((t) => t.name)).size).toBe(TOOLS.length);
  });
});
