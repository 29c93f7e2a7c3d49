import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { featureOverview, findFeature, projectOverview, readFeatureArtifact, reviewFeedbackOf, workPackageDetail } from '../src/index.js';
import { git } from './helpers.js';

afterAll(cleanupTempDirs);

const NOW = new Date('2026-03-01T12:00:00.000Z');
const now = (): Date => NOW;

function wp(id: string, lane: string, deps: string[] = [], extra = ''): string {
  return `---\nwork_package_id: "${id}"\ntitle: "Title ${id}"\nlane: "${lane}"\ndependencies: [${deps.map((d) => `"${d}"`).join(', ')}]\nagent: "claude"\nhistory: []\n---\n# ${id}\n${extra}\n## Activity Log\n\n- 2026-01-01T00:00:00Z – system – lane=planned – created\n`;
}

function event(wpId: string, from: string, to: string, at: string, id: string): string {
  return `${JSON.stringify({ actor: 'codex', at, event_id: id, evidence: null, execution_mode: 'worktree', feature_slug: '001-a', force: false, from_lane: from, reason: null, review_ref: null, to_lane: to, wp_id: wpId })}\n`;
}

/** A project without git: `.kittify/` and feature 001-a (spec, tasks.md with subtasks, three prompt files). */
function project(): { root: string; dir: string } {
  const root = tempDir({}, 'kitty-overview-');
  mkdirSync(path.join(root, '.kittify'));
  const dir = path.join(root, 'kitty-specs', '001-a');
  mkdirSync(path.join(dir, 'tasks'), { recursive: true });
  writeFileSync(path.join(dir, 'spec.md'), '# Spec\n');
  writeFileSync(
    path.join(dir, 'tasks.md'),
    '# WPs\n\n## Work Package WP01: One\n\n- [x] T001 a\n- [ ] T002 b\n\n## Work Package WP02: Two\n\n- [ ] T003 c\n\n## Work Package WP03: Three\n\n- [x] T004 d\n',
  );
  writeFileSync(path.join(dir, 'tasks', 'WP01-one.md'), wp('WP01', 'planned'));
  writeFileSync(
    path.join(dir, 'tasks', 'WP02-two.md'),
    wp(
      'WP02',
      'planned',
      ['WP01'],
      '\n## Review Feedback\n\n**Reviewed by**: codex\n**Status**: ❌ Changes Requested\n\nFix <the> rounding.\n',
    ),
  );
  writeFileSync(path.join(dir, 'tasks', 'WP03-three.md'), wp('WP03', 'planned', ['WP01']));
  return { root, dir };
}

describe('featureOverview and friends (read-only views for the dashboard)', () => {
  it('lanes from the status log, subtasks from tasks.md, readiness, feedback, artifacts with ages', async () => {
    const { root, dir } = project();
    writeFileSync(
      path.join(dir, 'status.events.jsonl'),
      event('WP01', 'planned', 'claimed', '2026-02-01T00:00:00+00:00', '01JF0000000000000000000001') +
        event('WP01', 'claimed', 'done', '2026-02-02T00:00:00+00:00', '01JF0000000000000000000002'),
    );
    const o = await featureOverview(root, findFeature(root, '001-a'), NOW);
    expect(o).toMatchObject({ feature: '001-a', number: '001', total_wps: 3, status_log_readable: true, problems: [], event_count: 2 });
    expect(o.by_lane).toMatchObject({ done: 1, planned: 2 });
    expect(o.progress_percentage).toBe(33.3);
    expect(o.workflow).toEqual({
      specify: 'complete',
      plan: 'pending',
      tasks: 'complete',
      implement: 'in_progress',
      review: 'in_progress',
    });
    expect(o.artifacts.spec).toMatchObject({ exists: true, path: 'kitty-specs/001-a/spec.md', files: null });
    expect(o.artifacts.plan).toMatchObject({ exists: false, modified_at: null, age_seconds: null });
    expect(o.artifacts.work_packages).toMatchObject({ exists: true, files: 3 });
    const byId = Object.fromEntries(o.work_packages.map((w) => [w.id, w]));
    expect(byId['WP01']).toMatchObject({
      lane: 'done',
      subtasks_total: 2,
      subtasks_done: 1,
      ready: false,
      last_event: { to_lane: 'done' },
    });
    expect(byId['WP02']).toMatchObject({ ready: true, waiting_on: [], review_feedback: 'Fix <the> rounding.' });
    expect(o.recent_events.map((e) => e.to_lane)).toEqual(['done', 'claimed']);
  });

  it('a log with a bad line is read tolerantly; an unreadable one falls back to the frontmatter lanes; a bad prompt file is listed', async () => {
    const { root, dir } = project();
    writeFileSync(
      path.join(dir, 'status.events.jsonl'),
      `not json\n${event('WP01', 'planned', 'claimed', '2026-02-01T00:00:00+00:00', '01JF0000000000000000000003')}`,
    );
    writeFileSync(path.join(dir, 'tasks', 'WP04-bad.md'), '---\ntitle: [unclosed\n---\n');
    const o = await featureOverview(root, findFeature(root, '001-a'), NOW);
    expect(o.by_lane.claimed).toBe(1);
    expect(o.problems.some((p) => p.includes('status.events.jsonl:1') && p.includes('invalid JSON'))).toBe(true);
    expect(o.problems.some((p) => p.includes('WP04-bad.md'))).toBe(true);

    const other = project();
    mkdirSync(path.join(other.dir, 'status.events.jsonl'));
    writeFileSync(path.join(other.dir, 'tasks', 'WP03-three.md'), wp('WP03', 'for_review', ['WP01']));
    const u = await featureOverview(other.root, findFeature(other.root, '001-a'), NOW);
    expect(u.status_log_readable).toBe(false);
    expect(u.problems[0]).toContain('status.events.jsonl');
    expect(u.by_lane).toMatchObject({ planned: 2, for_review: 1 });
  });

  it('projectOverview from below the root, a package detail, an artifact, unknown names', async () => {
    const { root } = project();
    const p = await projectOverview({ cwd: path.join(root, 'kitty-specs', '001-a', 'tasks'), env: {}, git, now });
    expect(p.project_path).toBe(root);
    expect(p.features.map((f) => f.feature)).toEqual(['001-a']);
    const d = await workPackageDetail({ cwd: root, env: {}, git, now, feature: '001-a', wpId: 'wp02' });
    expect(d).toMatchObject({
      id: 'WP02',
      title: 'Title WP02',
      lane: 'planned',
      file: 'kitty-specs/001-a/tasks/WP02-two.md',
      events: [],
      problems: [],
    });
    expect(d.body.startsWith('# WP02')).toBe(true);
    expect(d.activity).toEqual([{ timestamp: '2026-01-01T00:00:00Z', agent: 'system', lane: 'planned', note: 'created' }]);
    expect(readFeatureArtifact(root, findFeature(root, '001'), 'spec')).toEqual({ path: 'kitty-specs/001-a/spec.md', text: '# Spec\n' });
    expect(readFeatureArtifact(root, findFeature(root, '001-a'), 'plan')).toBeNull();
    await expect(workPackageDetail({ cwd: root, env: {}, git, now, feature: '001-a', wpId: 'WP09' })).rejects.toMatchObject({
      code: 'UNKNOWN_WORK_PACKAGE',
    });
    let code = '';
    try {
      findFeature(root, '002-b');
    } catch (err) {
      code = (err as { code: string }).code;
    }
    expect(code).toBe('UNKNOWN_FEATURE');
  });

  it('reviewFeedbackOf keeps the feedback, drops the header lines and the placeholder', () => {
    expect(reviewFeedbackOf('# x\n\n## Review Feedback\n\n*No feedback yet.*\n\n## Next\n')).toBe('');
    expect(reviewFeedbackOf('# x\n')).toBe('');
    expect(
      reviewFeedbackOf(
        '## Review Feedback\n\n**Reviewed by**: a\n**Date**: b\n**Feedback file**: c\n\nToo slow.\n\n## Activity Log\n- x\n',
      ),
    ).toBe('Too slow.');
  });
});
