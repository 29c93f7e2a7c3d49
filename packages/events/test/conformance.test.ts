import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CANONICAL_TO_SYNC_V1,
  LANES,
  LANE_COLLAPSE_7_TO_4,
  checkEnvelope,
  checkEvent,
  checkPayload,
  collapseLaneTo4,
  resolveLane,
} from '../src/index.js';

// Runs every spec-kitty-events v2.3.1 conformance fixture through kitty's validators and expects the
// fixture's verdict. Fixtures are copied under fixtures/events (see fixtures/events/MANIFEST.md).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/events');
const libDir = path.join(root, 'spec-kitty-events@v2.3.1/conformance/fixtures');
const manifest = JSON.parse(readFileSync(path.join(libDir, 'manifest.json'), 'utf8')) as {
  fixtures: { id: string; path: string; expected_result: 'valid' | 'invalid'; event_type: string }[];
};

const read = (rel: string): unknown => JSON.parse(readFileSync(path.join(libDir, rel), 'utf8'));
const readJsonl = (rel: string): unknown[] =>
  readFileSync(path.join(libDir, rel), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);

/** kitty's verdict for one fixture. `valid` or `invalid`, plus the issues for the test message. */
function verdict(entry: (typeof manifest.fixtures)[number]): { result: 'valid' | 'invalid'; why: string } {
  const t = entry.event_type;
  if (t === 'Event') {
    const r = checkEnvelope(read(entry.path), 'library');
    return { result: r.ok ? 'valid' : 'invalid', why: r.ok ? '' : r.issues.map((i) => i.message).join('; ') };
  }
  if (t === 'LaneMapping') {
    // The library's own mapping is what the fixture describes; kitty's collapse differs on purpose (below).
    const rows = read(entry.path) as { canonical: string; expected_sync?: string }[];
    const bad = rows.filter((row) => {
      try {
        const lane = resolveLane(row.canonical);
        if (lane !== row.canonical) return true; // aliases are not lanes for the mapping
        return row.expected_sync !== undefined && CANONICAL_TO_SYNC_V1[lane] !== row.expected_sync;
      } catch {
        return true;
      }
    });
    return { result: bad.length === 0 ? 'valid' : 'invalid', why: JSON.stringify(bad) };
  }
  if (t === 'MissionNextReplay') {
    const problems = readJsonl(entry.path).flatMap((line, i) => {
      const r = checkEvent(line, 'library');
      return r.ok ? [] : [`line ${i + 1}: ${r.issues.map((x) => x.message).join('; ')}`];
    });
    return { result: problems.length === 0 ? 'valid' : 'invalid', why: problems.join(' | ') };
  }
  const r = checkPayload(t, read(entry.path), 'library');
  return { result: r.ok ? 'valid' : 'invalid', why: r.ok ? '' : r.issues.map((i) => i.message).join('; ') };
}

describe(`spec-kitty-events v2.3.1 conformance (${manifest.fixtures.length} fixtures)`, () => {
  it('the manifest lists every fixture file on disk, and only those', () => {
    const onDisk: string[] = [];
    const walk = (dir: string, rel = ''): void => {
      for (const name of readdirSync(dir, { withFileTypes: true })) {
        const r = rel ? `${rel}/${name.name}` : name.name;
        if (name.isDirectory()) walk(path.join(dir, name.name), r);
        else if (r !== 'manifest.json') onDisk.push(r);
      }
    };
    walk(libDir);
    expect(onDisk.sort()).toEqual(manifest.fixtures.map((f) => f.path).sort());
    expect(manifest.fixtures).toHaveLength(52);
  });

  it.each(manifest.fixtures.map((f) => [f.id, f] as const))('%s', (_id, entry) => {
    const { result, why } = verdict(entry);
    expect({ id: entry.id, result, why: result === entry.expected_result ? '' : why }).toEqual({
      id: entry.id,
      result: entry.expected_result,
      why: '',
    });
  });

  it('normalises ids the way the library does (bare UUID → hyphenated lower case)', () => {
    const r = checkEnvelope(read('events/valid/event_uuid_bare.json'), 'library');
    expect(r.ok && r.value.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('normalises the doing alias to in_progress in library payloads', () => {
    const r = checkPayload('WPStatusChanged', read('edge_cases/valid/alias_doing_normalized.json'), 'library');
    expect(r.ok && r.value['to_lane']).toBe('in_progress');
  });
});

describe('lane mapping: where kitty deliberately differs from the library fixture', () => {
  const rows = read('lane_mapping/valid/all_canonical_to_sync_v1.json') as { canonical: string; expected_sync: string }[];

  it('matches the library for planned, in_progress, for_review, done, blocked', () => {
    const same = rows.filter((r) => collapseLaneTo4(r.canonical) === r.expected_sync).map((r) => r.canonical);
    expect(same).toEqual(['planned', 'in_progress', 'for_review', 'done', 'blocked']);
  });

  it('maps claimed → doing and canceled → done (seed FR-013), where the library says planned', () => {
    const differ = rows
      .filter((r) => collapseLaneTo4(r.canonical) !== r.expected_sync)
      .map((r) => ({ lane: r.canonical, library: r.expected_sync, kitty: LANE_COLLAPSE_7_TO_4[r.canonical as (typeof LANES)[number]] }));
    expect(differ).toEqual([
      { lane: 'claimed', library: 'planned', kitty: 'doing' },
      { lane: 'canceled', library: 'planned', kitty: 'done' },
    ]);
  });

  it('rejects the unknown lanes of the invalid fixture', () => {
    const bad = read('lane_mapping/invalid/unknown_lanes.json') as { canonical: string }[];
    for (const row of bad) expect(() => collapseLaneTo4(row.canonical)).toThrow(expect.objectContaining({ code: 'UNKNOWN_LANE' }));
  });
});

describe('spec-kitty v2.0.0 batch fixtures parse as envelopes', () => {
  const dir = path.join(root, 'spec-kitty@v2.0.0/contracts/fixtures');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();

  it('there are five', () => expect(files).toHaveLength(5));

  it.each(files)('%s', (file) => {
    const fixture = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { request: { events: unknown[] } };
    expect(fixture.request.events.length).toBeGreaterThan(0);
    for (const event of fixture.request.events) {
      const r = checkEnvelope(event, 'legacy-cli');
      expect(r.ok ? 'ok' : r.issues).toBe('ok');
    }
  });

  it('flags the payload the server rejects in fixture_04 (ErrorLogged without error_type)', () => {
    const fx = JSON.parse(readFileSync(path.join(dir, 'fixture_04_rejected_event.json'), 'utf8')) as {
      request: { events: { payload: unknown }[] };
    };
    const r = checkPayload('ErrorLogged', fx.request.events[0]?.payload);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues.map((i) => i.path)).toEqual(['payload.error_type']);
  });
});
