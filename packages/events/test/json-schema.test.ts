import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_TYPES, buildJsonSchemas } from '../src/index.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../schemas');

describe('committed JSON Schemas', () => {
  const generated = buildJsonSchemas();

  it('cover the envelope, the status log and every event type payload', () => {
    expect(Object.keys(generated)).toHaveLength(4 + Object.keys(EVENT_TYPES).length);
    expect(generated['envelope.schema.json']).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['event_id', 'correlation_id', 'team_slug']),
    });
    expect(generated['wp-status-changed.payload.schema.json']).toHaveProperty('allOf');
  });

  it('match the valibot schemas (run `pnpm --filter @kitty/events generate:schemas` after changing a schema)', () => {
    const onDisk = readdirSync(dir)
      .filter((f) => f.endsWith('.schema.json'))
      .sort();
    expect(onDisk).toEqual(Object.keys(generated).sort());
    for (const file of onDisk) {
      expect({ file, schema: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown }).toEqual({
        file,
        schema: generated[file],
      });
    }
  });
});
