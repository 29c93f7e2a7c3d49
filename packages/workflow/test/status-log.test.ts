import { afterAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reduceStatusEvents, type StatusEvent } from '@kitty/events';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { normalizeWpId, readStatusLog, type FeatureRef, type WorkflowError } from '../src/index.js';
import { appendActivity, activityEntries, setCheckboxes, setReviewFeedback, upsertStatusBlock } from '../src/tasks/views.js';
import {
  appendStatusEvents,
  formatEventTime,
  materialize,
  renderSnapshot,
  repairTornTail,
  serializeStatusEvent,
} from '../src/status/status-log.js';
import { statusEvent as ev } from './helpers.js';

afterAll(cleanupTempDirs);

const incumbent = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../fixtures/events/spec-kitty@v2.0.0/tests/cross_branch/fixtures',
);

function feature(slug = '001-demo'): { root: string; f: FeatureRef; log: string } {
  const root = tempDir({}, 'kitty-log-');
  const dir = path.join(root, 'kitty-specs', slug);
  mkdirSync(dir, { recursive: true });
  return { root, f: { slug, number: slug.slice(0, 3), dir, relDir: `kitty-specs/${slug}` }, log: path.join(dir, 'status.events.jsonl') };
}

describe('status.events.jsonl', () => {
  it("reads the incumbent's log and reduces it to the incumbent's snapshot, written byte-for-byte in its format", () => {
    const { root, f } = feature('099-parity-test');
    copyFileSync(path.join(incumbent, 'sample_events.jsonl'), path.join(f.dir, 'status.events.jsonl'));
    const log = readStatusLog(root, f);
    expect(log.events).toHaveLength(10);
    expect(log.tail).toBeNull();
    const expected = JSON.parse(readFileSync(path.join(incumbent, 'expected_snapshot.json'), 'utf8')) as Record<string, unknown>;
    const snap = materialize(f, log.events, new Date('2026-02-01T00:00:00Z'));
    const { materialized_at, ...rest } = snap;
    expect(materialized_at).toBe('2026-02-01T00:00:00.000+00:00');
    expect(rest).toEqual(expected);
    const text = renderSnapshot(snap);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "event_count": 10,');
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      'event_count',
      'feature_slug',
      'last_event_id',
      'materialized_at',
      'summary',
      'work_packages',
    ]);
    // Each incumbent line re-serialises to the same data (sorted keys), in the form the Python CLI 2.0.0 itself
    // writes (json.dumps separators, policy_metadata present: ../shared/reference/python-2.0.0).
    const lines = readFileSync(path.join(incumbent, 'sample_events.jsonl'), 'utf8').trim().split('\n');
    expect(log.events.map((e) => JSON.parse(serializeStatusEvent(e)) as unknown)).toEqual(
      lines.map((l) => ({ policy_metadata: null, ...(JSON.parse(l) as object) })),
    );
    for (const line of log.events.map(serializeStatusEvent))
      expect(line).toBe(
        JSON.stringify(JSON.parse(line))
          .replace(/","/g, '", "')
          .replace(/":(?=["\d\[{ntf-])/g, '": ')
          .replace(/,"(?=[a-z_]+": )/g, ', "'),
      );
  });

  it('appends whole lines and reads them back; the format is sorted JSON with json.dumps separators and +00:00 times', () => {
    const { root, f, log } = feature();
    appendStatusEvents(root, log, [ev(1), ev(2, { from_lane: 'claimed', to_lane: 'in_progress' })]);
    appendStatusEvents(root, log, [ev(3, { from_lane: 'in_progress', to_lane: 'for_review' })]);
    const text = readFileSync(log, 'utf8');
    expect(text.split('\n')).toHaveLength(4);
    expect(text.startsWith('{"actor": "claude", "at": "2026-01-15T10:01:00+00:00", "event_id": ')).toBe(true);
    expect(readStatusLog(root, f).events.map((e) => e.to_lane)).toEqual(['claimed', 'in_progress', 'for_review']);
    expect(formatEventTime(new Date('2026-03-01T12:00:00.123Z'))).toBe('2026-03-01T12:00:00.123+00:00');
  });

  it('ignores a torn last line with a warning and cuts it off before the next append', () => {
    const { root, f, log } = feature();
    appendStatusEvents(root, log, [ev(1)]);
    appendFileSync(log, '{"actor":"claude","at":"2026-01-15T10:0');
    const read = readStatusLog(root, f);
    expect(read.events).toHaveLength(1);
    expect(read.tail).toMatchObject({ line: 2, complete: false });
    expect(read.warnings.join(' ')).toMatch(/status\.events\.jsonl:2: ignored a torn last line/);
    expect(repairTornTail(root, read)).toMatch(/removed the torn fragment on line 2/);
    appendStatusEvents(root, log, [ev(2, { from_lane: 'claimed', to_lane: 'in_progress' })]);
    const after = readStatusLog(root, f);
    expect(after.events.map((e) => e.event_id)).toEqual([ev(1).event_id, ev(2).event_id]);
    expect(after.warnings).toEqual([]);
  });

  it('keeps a complete last event that only lacks its line break, and adds the line break', () => {
    const { root, f, log } = feature();
    writeFileSync(log, `${serializeStatusEvent(ev(1))}\n${serializeStatusEvent(ev(2, { from_lane: 'claimed', to_lane: 'in_progress' }))}`);
    const read = readStatusLog(root, f);
    expect(read.events).toHaveLength(2);
    expect(read.tail).toMatchObject({ complete: true });
    repairTornTail(root, read);
    expect(readFileSync(log, 'utf8').endsWith('}\n')).toBe(true);
    expect(readStatusLog(root, f).tail).toBeNull();
  });

  it('fails on a bad line in the middle with every line number; tolerant reading skips them', () => {
    const { root, f, log } = feature();
    writeFileSync(
      log,
      [
        serializeStatusEvent(ev(1)),
        'not json',
        '',
        JSON.stringify({ ...ev(2), to_lane: 'doing-ish' }),
        serializeStatusEvent(ev(3, { wp_id: 'WP02' })),
        '',
      ].join('\n'),
    );
    let err: WorkflowError | null = null;
    try {
      readStatusLog(root, f);
    } catch (e) {
      err = e as WorkflowError;
    }
    expect(err?.code).toBe('INVALID_STATUS_LOG');
    expect(err?.message).toMatch(/status\.events\.jsonl:2:1: invalid JSON on line 2/);
    expect(err?.message).toMatch(/status\.events\.jsonl:4:1: invalid status event on line 4/);
    const tolerant = readStatusLog(root, f, { tolerant: true });
    expect(tolerant.events.map((e) => e.wp_id)).toEqual(['WP01', 'WP02']);
    expect(tolerant.problems.map((p) => p.line)).toEqual([2, 4]);
  });

  it('a missing log reads as empty', () => {
    const { root, f } = feature();
    expect(readStatusLog(root, f)).toMatchObject({ exists: false, events: [], tail: null });
    expect(reduceStatusEvents([], { materializedAt: 'x' }).event_count).toBe(0);
  });
});

describe('derived views', () => {
  it('appends Activity Log lines in the incumbent grammar (EN dashes, optional shell_pid) and parses them back', () => {
    const body =
      '---\nwork_package_id: WP01\n# a YAML comment\n---\n# WP01\n\n## Activity Log\n\n- 2026-01-01T00:00:00Z – system – lane=planned – Prompt created.\n\n## Notes\nkeep\n';
    const out = appendActivity(body, {
      at: new Date('2026-03-01T12:00:00.500Z'),
      agent: 'claude',
      shellPid: '77',
      lane: 'in_progress',
      note: 'multi\nline note',
    });
    expect(out).toContain(
      '- 2026-01-01T00:00:00Z – system – lane=planned – Prompt created.\n- 2026-03-01T12:00:00Z – claude – shell_pid=77 – lane=in_progress – multi line note\n\n## Notes\nkeep\n',
    );
    expect(activityEntries(out).map((e) => [e.agent, e.lane])).toEqual([
      ['system', 'planned'],
      ['claude', 'in_progress'],
    ]);
    const noSection = appendActivity('# WP\n\nText.\n', { at: new Date('2026-03-01T12:00:00Z'), agent: 'a', lane: 'planned', note: '' });
    expect(noSection).toBe('# WP\n\nText.\n\n## Activity Log\n\n- 2026-03-01T12:00:00Z – a – lane=planned – Moved to planned\n');
  });

  it('writes the review feedback section before the Activity Log and replaces an old one', () => {
    const text = '# WP01\n\n## Review Feedback\n\n*none yet*\n\n## Activity Log\n\n- x\n';
    const fb = {
      reviewer: 'codex',
      at: new Date('2026-03-01T12:00:00Z'),
      pointer: 'feedback://001-x/WP01/a.md',
      feedback: 'Fix the tests.',
    };
    const once = setReviewFeedback(text, fb);
    expect(once).toContain('## Review Feedback\n\n**Reviewed by**: codex\n**Status**: ❌ Changes Requested\n');
    expect(once).toContain('Fix the tests.\n\n## Activity Log');
    expect(once).not.toContain('*none yet*');
    expect(setReviewFeedback(once, { ...fb, feedback: 'Second round.' }).match(/## Review Feedback/g)).toHaveLength(1);
  });

  it('generates, replaces and keeps the tasks.md status block; ticks checkboxes at the parsed positions', () => {
    const snap = materialize(
      { slug: '001-x', number: '001', dir: '/x', relDir: 'kitty-specs/001-x' },
      [ev(1, { feature_slug: '001-x' }), ev(2, { feature_slug: '001-x', wp_id: 'WP02', to_lane: 'blocked' })],
      new Date(0),
    );
    const once = upsertStatusBlock('# Tasks\r\n- [ ] T001 a\r\n', snap);
    expect(once).toBe(
      '# Tasks\r\n- [ ] T001 a\r\n\r\n<!-- status-model:start -->\r\n## Canonical Status (Generated)\r\n- WP01: claimed\r\n- WP02: blocked\r\n<!-- status-model:end -->\r\n',
    );
    expect(upsertStatusBlock(once, snap)).toBe(once);
    expect(
      setCheckboxes(
        '- [ ] T001 a\n- [X] T002 b\n',
        [
          { line: 1, col: 7 },
          { line: 2, col: 7 },
        ],
        true,
      ),
    ).toBe('- [x] T001 a\n- [x] T002 b\n');
    expect(setCheckboxes('- [x] T001 a', [{ line: 1, col: 7 }], false)).toBe('- [ ] T001 a');
  });

  it('normalises work package ids and refuses anything that could be a path', () => {
    expect(['WP01', 'wp1', '1', '01', 'WP01-login', ' WP7 '].map(normalizeWpId)).toEqual(['WP01', 'WP01', 'WP01', 'WP01', 'WP01', 'WP07']);
    for (const bad of [
      '../x',
      'WP01/../../etc',
      '/etc/passwd',
      'WP100',
      'WP00',
      '%2e%2e',
      'WP01\0',
      'WPx',
      '',
      'ＷＰ01',
      'a'.repeat(300),
    ]) {
      expect(() => normalizeWpId(bad)).toThrow(expect.objectContaining({ code: 'INVALID_WP_ID' }) as unknown as Error);
    }
  });
});
