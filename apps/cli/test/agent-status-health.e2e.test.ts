import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { json, workflowSandbox, writeTasks } from './workflow-sandbox.js';

afterAll(cleanupTempDirs);

const FEATURE = '001-shop';

/** A project with a finalized three-package feature (committed), through the built binary. */
async function project() {
  const sb = workflowSandbox('kitty-status-health-');
  expect((await sb.kitty(['init', '--here', '--ai', 'claude', '--json'])).code).toBe(0);
  expect((await sb.kitty(['agent', 'feature', 'create-feature', 'shop', '--json'])).code).toBe(0);
  const fdir = path.join(sb.project, 'kitty-specs', FEATURE);
  writeTasks(fdir, 3);
  expect((await sb.kitty(['agent', 'feature', 'finalize-tasks', '--feature', FEATURE, '--json'])).code).toBe(0);
  return { ...sb, fdir };
}

const head = (git: (a: string[]) => string): string => git(['rev-parse', 'HEAD']).trim();

describe('agent status doctor | migrate | reconcile through the binary', () => {
  it('migrate builds the log of an older project (dry run first), doctor and reconcile answer in JSON with their exit codes', async () => {
    const { kitty, git, fdir } = await project();
    // An older spec-kitty left WP01 "doing" in its frontmatter and no status log.
    const wp1 = path.join(fdir, 'tasks', 'WP01-part-1.md');
    writeFileSync(wp1, readFileSync(wp1, 'utf8').replace('lane: "planned"', 'lane: "doing"'));
    git(['commit', '-qam', 'older state']);

    const sick = await kitty(['agent', 'status', 'doctor', '--json']);
    expect(sick.code).toBe(1);
    const report = json(sick);
    expect(report).toMatchObject({ healthy: false, feature_slug: null, features_checked: [FEATURE], stale_claimed_days: 7 });
    expect(report['findings'][0]).toEqual({
      code: 'STATUS_LOG_MISSING',
      feature_slug: FEATURE,
      wp_id: null,
      message: expect.stringContaining('WP01'),
      fix: `spec-kitty agent status migrate --feature ${FEATURE}`,
    });

    const before = head(git);
    const dry = await kitty(['agent', 'status', 'migrate', '--all', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(json(dry)).toMatchObject({ dry_run: true, actor: 'migration', migrated_count: 1, event_count: 1 });
    expect(head(git)).toBe(before);
    expect(git(['status', '--porcelain']).trim()).toBe('');

    const run = await kitty(['agent', 'status', 'migrate', '--feature', FEATURE, '--json']);
    expect(run.code).toBe(0);
    const migrated = json(run);
    expect(migrated['features'][0]).toMatchObject({ feature_slug: FEATURE, status: 'migrated', event_count: 1 });
    expect(migrated['features'][0]['commit_hash']).toBe(head(git));
    const again = await kitty(['agent', 'status', 'migrate', '--all', '--json']);
    expect(json(again)['features'][0]).toMatchObject({ status: 'already_migrated', commit_hash: null });

    // Healthy except WP01's missing worktree (it is in progress); its claim dates from the prompt's Activity Log (2026-01-01), within 3650 days.
    const doc = await kitty(['agent', 'status', 'doctor', '--feature', FEATURE, '--stale-claimed-days', '3650', '--json']);
    expect(doc.code).toBe(1);
    expect(json(doc)['findings'].map((f: { code: string }) => f.code)).toEqual(['WORKTREE_MISSING']);

    // Drift: a hand edit of a lane. Dry run lists it (exit 0), --apply fixes it, doctor is then silent about it.
    writeFileSync(wp1, readFileSync(wp1, 'utf8').replace(/^lane: .*$/m, 'lane: "done"'));
    git(['commit', '-qam', 'hand edit']);
    const list = await kitty(['agent', 'status', 'reconcile', '--json']);
    expect(list.code).toBe(0);
    expect(json(list)).toMatchObject({
      feature_slug: FEATURE,
      dry_run: true,
      in_sync: false,
      drift_count: 1,
      drift: [
        {
          kind: 'frontmatter_lane',
          file: `kitty-specs/${FEATURE}/tasks/WP01-part-1.md`,
          wp_id: 'WP01',
          current: 'done',
          expected: 'in_progress',
        },
      ],
      applied: false,
    });
    const fixed = await kitty(['agent', 'status', 'reconcile', '--apply', '--json']);
    expect(fixed.code).toBe(0);
    expect(json(fixed)).toMatchObject({
      applied: true,
      commit_created: true,
      files_committed: [`kitty-specs/${FEATURE}/tasks/WP01-part-1.md`],
    });
    expect(json(await kitty(['agent', 'status', 'reconcile', '--apply', '--json']))).toMatchObject({ in_sync: true, applied: false });
  }, 300_000);

  it('doctor exits 0 when healthy; bad input exits with its class and a JSON error', async () => {
    const { kitty } = await project();
    const ok = await kitty(['agent', 'status', 'doctor', '--json']);
    expect(ok.code).toBe(0);
    expect(json(ok)).toMatchObject({ healthy: true, findings: [], finding_count: 0 });
    expect((await kitty(['agent', 'status', 'doctor'])).stdout).toMatch(/healthy/);

    const both = await kitty(['agent', 'status', 'reconcile', '--dry-run', '--apply', '--json']);
    expect(both.code).toBe(2);
    expect(json(both)['error']).toMatchObject({ code: 'INVALID_OPTION' });
    const unknown = await kitty(['agent', 'status', 'doctor', '--feature', '042-nope', '--json']);
    expect(unknown.code).toBe(2);
    expect(json(unknown)['error']).toMatchObject({ code: 'UNKNOWN_FEATURE' });
    const featureAndAll = await kitty(['agent', 'status', 'migrate', '--feature', FEATURE, '--all', '--json']);
    expect(featureAndAll.code).toBe(2);
    const help = await kitty(['agent', 'status', 'reconcile', '--help']);
    expect(help.stdout).toMatch(/--apply/);
    expect(help.stdout).toMatch(/EXAMPLES/);
  }, 300_000);
});

describe('check-prerequisites with several features and no --feature (as the Python CLI)', () => {
  it('refuses to guess: exit 1, FEATURE_CONTEXT_UNRESOLVED with the candidates and the command as typed plus --feature', async () => {
    const { kitty, project: root } = await project();
    expect((await kitty(['agent', 'feature', 'create-feature', 'cart', '--json'])).code).toBe(0);
    const r = await kitty(['agent', 'feature', 'check-prerequisites', '--json', '--paths-only']);
    expect(r.code).toBe(1);
    const err = json(r)['error'];
    expect(err).toMatchObject({ code: 'FEATURE_CONTEXT_UNRESOLVED', details: { feature_flag: null } });
    expect(err['details']['candidate_features']).toEqual([
      {
        feature_slug: FEATURE,
        feature_dir: path.join(root, 'kitty-specs', FEATURE),
        spec_file: path.join(root, 'kitty-specs', FEATURE, 'spec.md'),
        spec_exists: true,
      },
      {
        feature_slug: '002-cart',
        feature_dir: path.join(root, 'kitty-specs', '002-cart'),
        spec_file: path.join(root, 'kitty-specs', '002-cart', 'spec.md'),
        spec_exists: true,
      },
    ]);
    expect(err['suggestions']).toEqual(['spec-kitty agent feature check-prerequisites --json --paths-only --feature 002-cart']);
    // list-tasks still picks the latest incomplete feature, as Python does, and says so on stderr.
    const listed = await kitty(['agent', 'tasks', 'list-tasks', '--json']);
    expect(listed.code).toBe(0);
    expect(json(listed)['feature_slug']).toBe('002-cart');
    expect(listed.stderr).toMatch(/Auto-selected latest incomplete feature: 002-cart/);
  }, 300_000);
});
