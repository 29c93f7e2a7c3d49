import * as v from 'valibot';
import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema';
import type { FailureCategory } from '@kitty/sync-client';

/**
 * The structured `code` values of per-event rejections, with the CLI's failure category for each. A server
 * may send other codes; the CLI then falls back to keyword rules on `error`.
 */
export const REJECTION_CODES: Readonly<Record<string, { readonly category: FailureCategory; readonly meaning: string }>> = Object.freeze({
  schema_mismatch: { category: 'schema_mismatch', meaning: 'the envelope or the payload does not match the schema of its event type' },
  invalid_lane: { category: 'schema_mismatch', meaning: "a lane value is not allowed, or the payload's lane_model is not the server's" },
  unknown_event_type: { category: 'schema_mismatch', meaning: 'event_type is not a type the server knows' },
  auth_expired: { category: 'auth_expired', meaning: 'the token expired while the batch was processed' },
  server_error: { category: 'server_error', meaning: 'the server failed on this event; sending it again later may work' },
});

/** The `code` values of 400 answers (top level) and of their `details` entries. */
export const BAD_REQUEST_CODES: Readonly<Record<string, string>> = Object.freeze({
  malformed_json: 'the body is not JSON',
  missing_events: 'the body is not an object with an "events" list',
  batch_too_large: 'more events than the per-request limit (1000)',
  invalid_batch: 'some entries cannot be identified (details lists them); nothing in the batch was stored',
  invalid_encoding: 'Content-Encoding says gzip but the body is not gzip',
  not_an_object: 'details entry: the element is not a JSON object',
  missing_event_id: 'details entry: the element has no event_id string',
  invalid_event_id: 'details entry: event_id is not a ULID or UUID',
});

const Text = v.pipe(v.string(), v.minLength(1, 'must not be empty'));

/** One per-event verdict in a 200 answer. */
export const BatchResultSchema = v.looseObject({
  event_id: v.string(),
  status: v.picklist(['success', 'duplicate', 'rejected'], 'must be success, duplicate or rejected'),
  error: v.optional(v.nullable(v.string())),
  code: v.optional(v.nullable(v.string())),
});

/** The 200 answer of `POST /api/v1/events/batch/`: one result per event, `event_id` exactly as sent. */
export const BatchResponseSchema = v.looseObject({ results: v.array(BatchResultSchema) });

/** One entry of a 400 answer's `details` list. */
export const BadRequestDetailSchema = v.looseObject({
  event_id: v.optional(v.nullable(v.unknown())),
  index: v.optional(v.pipe(v.number(), v.integer())),
  error: Text,
  code: v.optional(v.string()),
});

/** The 400 answer: `error` always; `details` as text or as a list keyed by `event_id`. */
export const BadRequestSchema = v.looseObject({
  error: Text,
  details: v.optional(v.nullable(v.union([v.string(), v.array(BadRequestDetailSchema)]))),
  code: v.optional(v.string()),
});

/** Any other error answer (401, 403, 413, 415, 429, 5xx): a JSON object with `error`. */
export const ErrorResponseSchema = v.looseObject({ error: Text, code: v.optional(v.string()) });

const Lifetime = v.pipe(v.number(), v.integer(), v.minValue(1));

/** The 200 answer of `POST /api/v1/token/`. */
export const TokenResponseSchema = v.looseObject({
  access: Text,
  refresh: Text,
  access_lifetime: v.optional(Lifetime),
  expires_in: v.optional(Lifetime),
  refresh_lifetime: v.optional(Lifetime),
  refresh_expires_in: v.optional(Lifetime),
  team_slug: v.optional(v.nullable(v.string())),
});

/** The 200 answer of `POST /api/v1/token/refresh/` (`refresh` only when the server rotates it). */
export const RefreshResponseSchema = v.looseObject({
  access: Text,
  refresh: v.optional(Text),
  access_lifetime: v.optional(Lifetime),
  expires_in: v.optional(Lifetime),
  refresh_lifetime: v.optional(Lifetime),
  refresh_expires_in: v.optional(Lifetime),
  team_slug: v.optional(v.nullable(v.string())),
});

/** Checks a value against one of the response schemas; returns the problems in words (empty when valid). */
export function responseProblems(schema: v.GenericSchema, value: unknown): string[] {
  const r = v.safeParse(schema, value);
  if (r.success) return [];
  return r.issues.map((i) => `${v.getDotPath(i) ?? '(body)'}: ${i.message}`);
}

/** JSON Schemas of the answers, generated from the valibot schemas above (file name → schema). */
export function buildResponseJsonSchemas(): Record<string, JsonSchema> {
  const one = (id: string, title: string, schema: v.GenericSchema): JsonSchema => {
    const base = toJsonSchema(schema, { target: 'draft-2020-12', errorMode: 'ignore' }) as Record<string, unknown>;
    return {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `https://spec-kitty.dev/schemas/kitty/${id}.schema.json`,
      title,
      ...Object.fromEntries(Object.entries(base).filter(([k]) => k !== '$schema')),
    };
  };
  return {
    'batch-response.schema.json': one('batch-response', 'POST /api/v1/events/batch/ answer (HTTP 200)', BatchResponseSchema),
    'batch-bad-request.schema.json': one('batch-bad-request', 'POST /api/v1/events/batch/ answer (HTTP 400)', BadRequestSchema),
    'error-response.schema.json': one('error-response', 'error answer (HTTP 401, 403, 413, 415, 429, 5xx)', ErrorResponseSchema),
    'token-response.schema.json': one('token-response', 'POST /api/v1/token/ answer (HTTP 200)', TokenResponseSchema),
    'refresh-response.schema.json': one('refresh-response', 'POST /api/v1/token/refresh/ answer (HTTP 200)', RefreshResponseSchema),
  };
}
