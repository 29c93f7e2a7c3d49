#!/usr/bin/env node
// Regenerates packages/events/schemas/*.json from the valibot schemas (run after `tsc -b`).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { buildJsonSchemas } from '../dist/index.js';

const dir = new URL('../schemas/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith('.schema.json')) rmSync(new URL(f, dir));
const schemas = buildJsonSchemas();
for (const [file, schema] of Object.entries(schemas)) writeFileSync(new URL(file, dir), `${JSON.stringify(schema, null, 2)}\n`);
console.log(`wrote ${Object.keys(schemas).length} schemas to packages/events/schemas/`);
