#!/usr/bin/env node
// Queue benchmark on a real file (uses the built package: run `npx tsc -b` first).
// Reports enqueue throughput, stats() latency on 100,000 pending events, open time and drain throughput.
// Usage: node bench/queue-bench.mjs [events=100000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openQueue } from '../dist/index.js';

const N = Number(process.argv[2] ?? 100_000);
const home = mkdtempSync(path.join(tmpdir(), 'kitty-queue-bench-'));
const now = () => new Date();
let seq = 0;
const envelope = (type) => {
  seq += 1;
  return {
    event_id: `01J${String(seq).padStart(23, '0')}`,
    event_type: type,
    aggregate_id: 'WP01',
    aggregate_type: 'WorkPackage',
    payload: { feature_slug: '001-bench', wp_id: 'WP01', from_lane: 'planned', to_lane: 'claimed', actor: 'bench', force: false, reason: null, review_ref: null, evidence: null, execution_mode: 'worktree' },
    timestamp: '2026-03-01T12:00:00.000Z',
    node_id: 'abcdefabcdef',
    causation_id: null,
    correlation_id: '01J00000000000000000000000',
    project_uuid: '1e7b8f8e-1234-4abc-8def-000000000000',
    project_slug: 'bench',
    schema_version: '2.0.0',
    data_tier: 0,
    team_slug: 'local',
    git_branch: 'main',
    head_commit_sha: '0123456789abcdef0123456789abcdef01234567',
    repo_slug: 'kitty/bench',
  };
};
const types = ['WPStatusChanged', 'WPCreated', 'FeatureCreated', 'WPAssigned', 'HistoryAdded'];
const ms = (t0) => performance.now() - t0;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const rows = [];

try {
  let q = await openQueue({ homeDir: home, now, capacity: N * 2 });

  let t0 = performance.now();
  for (let i = 0; i < N; i += 1000) await q.enqueueMany(Array.from({ length: Math.min(1000, N - i) }, (_, k) => envelope(types[(i + k) % types.length])));
  const bulk = ms(t0);
  rows.push([`enqueueMany, ${N.toLocaleString('en')} events in batches of 1,000`, `${Math.round(N / (bulk / 1000)).toLocaleString('en')} events/s`, `${(bulk / 1000).toFixed(2)} s total`]);

  const singles = 1000;
  t0 = performance.now();
  for (let i = 0; i < singles; i += 1) await q.enqueue(envelope('WPStatusChanged'));
  const single = ms(t0);
  rows.push([`enqueue, one event per transaction (${singles} into a ${N.toLocaleString('en')}-event queue)`, `${Math.round(singles / (single / 1000)).toLocaleString('en')} events/s`, `${(single / singles).toFixed(2)} ms each`]);

  const lat = [];
  let stats;
  for (let i = 0; i < 21; i += 1) {
    t0 = performance.now();
    stats = await q.stats();
    lat.push(ms(t0));
  }
  rows.push([`stats() on ${stats.depth.toLocaleString('en')} pending events (21 runs)`, `median ${pct(lat, 50).toFixed(1)} ms`, `p95 ${pct(lat, 95).toFixed(1)} ms`]);
  await q.close();

  t0 = performance.now();
  q = await openQueue({ homeDir: home, now, capacity: N * 2 });
  rows.push([`openQueue on an existing ${N.toLocaleString('en')}-event file`, `${ms(t0).toFixed(1)} ms`, '']);

  const drainN = Math.min(20_000, N);
  t0 = performance.now();
  let drained = 0;
  while (drained < drainN) {
    const b = await q.claimBatch({ limit: 1000, owner: 'bench' });
    await q.applyResults(b.claimId, b.events.map((e) => ({ eventId: e.eventId, status: 'success' })));
    drained += b.events.length;
  }
  const drain = ms(t0);
  rows.push([`claimBatch + applyResults(success), ${drainN.toLocaleString('en')} events in batches of 1,000`, `${Math.round(drainN / (drain / 1000)).toLocaleString('en')} events/s`, `${(drain / (drainN / 1000)).toFixed(1)} ms per batch`]);
  const s = await q.stats();
  rows.push(['database size', `${(s.databaseBytes / 1024 / 1024).toFixed(1)} MiB`, `${s.depth.toLocaleString('en')} events left`]);
  await q.close();
} finally {
  rmSync(home, { recursive: true, force: true });
}

process.stdout.write(`@kitty/queue bench (node ${process.version}, ${process.platform}/${process.arch})\n\n| case | result | |\n|---|---|---|\n`);
for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
