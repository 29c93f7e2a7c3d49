import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import { KittyEnvelopeSchema, LibraryEventSchema } from './schemas/envelope.js';
import { EVENT_TYPES, type EventType } from './schemas/registry.js';
import { StatusEventSchema, StatusTransitionPayloadSchema } from './schemas/status.js';

// Cross-field rules valibot checks in code; JSON Schema gets them as if/then so the SaaS team sees them too.
const RULES: Record<string, object[]> = {
  'wp-status-changed.payload': [
    {
      if: { properties: { force: { const: true } }, required: ['force'] },
      then: { properties: { reason: { type: 'string', minLength: 1, pattern: '\\S' } }, required: ['reason'] },
    },
    {
      if: { properties: { canonical_to_lane: { const: 'done' } }, required: ['canonical_to_lane'] },
      then: { properties: { evidence: { type: 'object' } }, required: ['evidence'] },
    },
  ],
  'status-transition.payload': [
    {
      if: { properties: { force: { const: true } }, required: ['force'] },
      then: { properties: { reason: { type: 'string', minLength: 1, pattern: '\\S' } }, required: ['reason'] },
    },
    {
      if: { properties: { to_lane: { const: 'done' } }, required: ['to_lane'] },
      then: { properties: { evidence: { type: 'object' } }, required: ['evidence'] },
    },
  ],
  'status-event': [
    {
      if: { properties: { force: { const: true } }, required: ['force'] },
      then: { properties: { reason: { type: 'string', minLength: 1, pattern: '\\S' } }, required: ['reason'] },
    },
    {
      if: { properties: { from_lane: { const: 'for_review' }, to_lane: { const: 'in_progress' } }, required: ['from_lane', 'to_lane'] },
      then: { properties: { review_ref: { type: 'string', minLength: 1 } }, required: ['review_ref'] },
    },
  ],
};

const kebab = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();

function convert(id: string, title: string, schema: v.GenericSchema): JsonSchema {
  // `errorMode: ignore` skips the code-only checks (added back below as if/then rules).
  const base = toJsonSchema(schema, { target: 'draft-2020-12', errorMode: 'ignore' }) as Record<string, unknown>;
  const rules = RULES[id];
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://spec-kitty.dev/schemas/kitty/${id}.schema.json`,
    title,
    ...Object.fromEntries(Object.entries(base).filter(([k]) => k !== '$schema')),
    ...(rules ? { allOf: rules } : {}),
  };
}

/**
 * The JSON Schemas of kitty's contract, generated from the valibot schemas (the single source): file name →
 * schema. Committed under `packages/events/schemas/`; a test fails when they drift.
 */
export function buildJsonSchemas(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {
    'envelope.schema.json': convert('envelope', 'kitty event envelope', KittyEnvelopeSchema),
    'library-event.schema.json': convert('library-event', 'events-library Event envelope (2.3.1)', LibraryEventSchema),
    'status-transition.payload.schema.json': convert(
      'status-transition.payload',
      'StatusTransitionPayload (events library 2.3.1)',
      StatusTransitionPayloadSchema,
    ),
    'status-event.schema.json': convert('status-event', 'status.events.jsonl line', StatusEventSchema),
  };
  for (const [type, info] of Object.entries(EVENT_TYPES) as [EventType, (typeof EVENT_TYPES)[EventType]][]) {
    const id = `${kebab(type)}.payload`;
    out[`${id}.schema.json`] = convert(id, `${type} payload`, info.payload);
  }
  return out;
}
