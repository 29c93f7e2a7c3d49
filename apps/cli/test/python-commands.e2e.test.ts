import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { cleanupTempDirs } from '@kitty/test-utils';
import { json, workflowSandbox } from './workflow-sandbox.js';
import { restoreStage } from './python-stages.js';

// Issue 16: commands the incumbent has that kitty lacked — upgrade (versioned project migrations) and
// mission list|current — on a project the Python spec-kitty 2.0.0 made.
afterAll(cleanupTempDirs);

describe('upgrade: a Python 2.0.0 project to kitty’s format, without copying templates', () => {
  it('lists (dry run), applies once, commits, keeps Python’s fields, and then finds nothing to do', async () => {
    const sb = workflowSandbox('kitty-pyupg-');
    const project = restoreStage('b', path.join(sb.root, 'p'), sb.home);
    const statusBefore = sb.git(['status', '--porcelain=v1', '-uall'], project);
    const metaBefore = readFileSync(path.join(project, '.kittify/metadata.yaml'), 'utf8');

    const dry = json(await sb.kitty(['upgrade', '--dry-run', '--json'], { cwd: project }));
    expect(dry).toMatchObject({
      status: 'success',
      current_version: '2.0.0',
      target_version: '2.0.0',
      dry_run: true,
      migrations_applied: 0,
      success: true,
      templates_copied: false,
    });
    expect(dry['migrations']).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: '2.0.0_metadata_format', status: 'pending' })]),
    );
    expect(readFileSync(path.join(project, '.kittify/metadata.yaml'), 'utf8')).toBe(metaBefore);
    expect(sb.git(['status', '--porcelain=v1', '-uall'], project)).toBe(statusBefore);

    const r = await sb.kitty(['upgrade', '--json'], { cwd: project });
    expect(r.code).toBe(0);
    const done = json(r);
    // Stage b: Python left the identity block of config.yaml uncommitted; upgrade commits it with the metadata.
    expect(statusBefore.trim()).toBe('M .kittify/config.yaml');
    expect(done).toMatchObject({
      status: 'success',
      migrations_applied: 2,
      auto_committed: true,
      auto_commit_paths: ['.kittify/config.yaml', '.kittify/metadata.yaml'],
    });
    const meta = parse(readFileSync(path.join(project, '.kittify/metadata.yaml'), 'utf8'), { version: '1.1' }) as Record<string, any>;
    const before = parse(metaBefore, { version: '1.1' }) as Record<string, any>;
    // Python reads the same format version and its own fields, unchanged; kitty's version is separate.
    expect(meta['spec_kitty']).toMatchObject({ version: '2.0.0', initialized_at: before['spec_kitty']['initialized_at'] });
    expect(typeof meta['spec_kitty']['last_upgraded_at']).toBe('string');
    expect(meta['environment']).toEqual(before['environment']);
    expect(meta['kitty']).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(sb.git(['log', '-1', '--format=%s'], project).trim()).toBe('chore: apply spec-kitty upgrade changes (2.0.0 -> 2.0.0)');
    for (const d of ['templates', 'missions', 'command-templates']) expect(existsSync(path.join(project, '.kittify', d))).toBe(false);
    expect(sb.git(['status', '--porcelain=v1', '-uall'], project)).toBe('');

    expect(json(await sb.kitty(['upgrade', '--json'], { cwd: project }))).toMatchObject({
      status: 'up_to_date',
      migrations_applied: 0,
      auto_committed: false,
    });
  }, 180_000);

  it('a project kitty just set up is up to date; outside a project upgrade says so', async () => {
    const sb = workflowSandbox('kitty-upg-');
    expect((await sb.kitty(['init', '--here', '--ai', 'claude', '--non-interactive', '--json'])).code).toBe(0);
    expect(json(await sb.kitty(['upgrade', '--json']))).toMatchObject({ status: 'up_to_date' });
    const outside = await sb.kitty(['upgrade', '--json'], { cwd: sb.home });
    expect(outside.code).not.toBe(0);
    expect(json(outside)['error']['code']).toBe('NOT_A_PROJECT');
  }, 120_000);
});

describe('mission list|current on a Python 2.0.0 project', () => {
  it('lists the missions with the features that use them; current is the feature’s mission, else the default', async () => {
    const sb = workflowSandbox('kitty-pymission-');
    const project = restoreStage('d', path.join(sb.root, 'p'), sb.home);
    const list = json(await sb.kitty(['mission', 'list', '--json'], { cwd: project }));
    expect(list['missions']).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'software-dev', features: ['001-export-to-csv', '002-offline-sync'] })]),
    );
    expect(list['missions'].map((m: { key: string }) => m.key)).toEqual(expect.arrayContaining(['research', 'documentation']));
    const current = json(await sb.kitty(['mission', 'current', '--feature', '001-export-to-csv', '--json'], { cwd: project }));
    expect(current).toMatchObject({ current: 'software-dev', feature: '001-export-to-csv', source: 'feature' });
    const ambiguous = await sb.kitty(['mission', 'current', '--json'], { cwd: project });
    expect(json(ambiguous)).toMatchObject({ current: 'software-dev', feature: null, source: 'default' });
    const unknown = await sb.kitty(['mission', 'current', '--feature', '999-nope', '--json'], { cwd: project });
    expect(unknown.code).not.toBe(0);
    expect(typeof json(unknown)['error']['message']).toBe('string');
  }, 180_000);
});

describe('validate-encoding on a Python 2.0.0 project', () => {
  it('finds Windows-1252 and BOM files, --dry-run changes nothing, --fix rewrites them as UTF-8', async () => {
    const sb = workflowSandbox('kitty-pyenc-');
    const project = restoreStage('a', path.join(sb.root, 'p'), sb.home);
    const fdir = path.join(project, 'kitty-specs/001-export-to-csv');
    expect(json(await sb.kitty(['validate-encoding', '--json'], { cwd: project }))).toMatchObject({ ok: true, problems: [] });
    writeFileSync(path.join(fdir, 'research.md'), Buffer.from([0x23, 0x20, 0x93, 0x51, 0x94, 0x0a, 0x96, 0x0a]));
    writeFileSync(path.join(fdir, 'quickstart.md'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# Quickstart\n')]));
    const found = json(await sb.kitty(['validate-encoding', '--json'], { cwd: project }));
    expect(found['problems']).toEqual([
      { path: 'kitty-specs/001-export-to-csv/quickstart.md', issue: 'bom', line: null, col: null, fixed: false },
      { path: 'kitty-specs/001-export-to-csv/research.md', issue: 'invalid_utf8', line: 1, col: 3, fixed: false },
    ]);
    const dry = json(await sb.kitty(['validate-encoding', '--fix', '--dry-run', '--json'], { cwd: project }));
    expect(dry).toMatchObject({ dry_run: true, fixed: 0 });
    expect(readFileSync(path.join(fdir, 'research.md'))[2]).toBe(0x93);
    expect(
      json(await sb.kitty(['validate-encoding', '--fix', '--feature', '001-export-to-csv', '--json'], { cwd: project })),
    ).toMatchObject({ fixed: 2, ok: true });
    expect(readFileSync(path.join(fdir, 'research.md'), 'utf8')).toBe('# “Q”\n–\n');
    expect(readFileSync(path.join(fdir, 'quickstart.md'), 'utf8')).toBe('# Quickstart\n');
    expect(json(await sb.kitty(['validate-encoding', '--json'], { cwd: project }))).toMatchObject({ ok: true, problems: [] });
  }, 180_000);
});

describe('research scaffolding on a Python 2.0.0 project', () => {
  it('writes research.md, data-model.md and the evidence CSVs (research mission headers); keeps them on a re-run', async () => {
    const sb = workflowSandbox('kitty-pyres-');
    const project = restoreStage('a', path.join(sb.root, 'p'), sb.home);
    const fdir = path.join(project, 'kitty-specs/001-export-to-csv');
    const dry = json(await sb.kitty(['research', '--feature', '001-export-to-csv', '--dry-run', '--json'], { cwd: project }));
    expect(dry).toMatchObject({ feature: '001-export-to-csv', dry_run: true, skipped: [] });
    expect(dry['created']).toHaveLength(4);
    expect(existsSync(path.join(fdir, 'research.md'))).toBe(false);
    const r = json(await sb.kitty(['research', '--feature', '001-export-to-csv', '--json'], { cwd: project }));
    expect(r['created']).toEqual(
      ['research.md', 'data-model.md', 'research/evidence-log.csv', 'research/source-register.csv'].map((f) => path.join(fdir, f)),
    );
    expect(readFileSync(path.join(fdir, 'research/evidence-log.csv'), 'utf8').split('\n')[0]).toBe(
      'evidence_id,source_id,sub_question,claim,location,kind,notes',
    );
    expect(readFileSync(path.join(fdir, 'research/source-register.csv'), 'utf8').split('\n')[0]).toBe(
      'source_id,title,author,year,url_or_reference,type,reliability,notes',
    );
    writeFileSync(path.join(fdir, 'research.md'), '# mine\n');
    const again = json(await sb.kitty(['research', '--feature', '001-export-to-csv', '--json'], { cwd: project }));
    expect(again).toMatchObject({ created: [] });
    expect(again['skipped']).toHaveLength(4);
    expect(readFileSync(path.join(fdir, 'research.md'), 'utf8')).toBe('# mine\n');
  }, 180_000);
});

describe('verify-setup and validate-tasks on a Python 2.0.0 project', () => {
  it('verify-setup passes the Python format, asks for upgrade to stamp kitty; validate-tasks finds a lane mismatch', async () => {
    const sb = workflowSandbox('kitty-pyverify-');
    const project = restoreStage('d', path.join(sb.root, 'p'), sb.home);
    const v = json(await sb.kitty(['verify-setup', '--json'], { cwd: project }));
    expect(v).toMatchObject({ format_version: '2.0.0', kitty_version: null, agents: ['claude', 'codex'], features: 2, ok: true });
    expect(v['checks']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'metadata_format', ok: true }),
        expect.objectContaining({ name: 'kitty_version', ok: false, fix: 'spec-kitty upgrade' }),
        expect.objectContaining({ name: 'agent_claude', ok: true, detail: '.claude/commands: 18 spec-kitty command file(s)' }),
        expect.objectContaining({ name: 'git', ok: true }),
      ]),
    );
    const ok = json(await sb.kitty(['validate-tasks', '--all', '--json'], { cwd: project }));
    expect(ok).toMatchObject({ valid: true, mismatches: 0 });
    expect(ok['features'][0]['work_packages'].map((w: Record<string, unknown>) => [w['id'], w['frontmatter_lane'], w['lane']])).toEqual([
      ['WP01', 'done', 'done'],
      ['WP02', 'doing', 'in_progress'],
      ['WP03', 'planned', 'planned'],
    ]);
    const wp1 = path.join(project, 'kitty-specs/001-export-to-csv/tasks/WP01-csv-writer-core.md');
    writeFileSync(wp1, readFileSync(wp1, 'utf8').replace('lane: "done"', 'lane: "planned"'));
    const bad = json(await sb.kitty(['validate-tasks', '--feature', '001-export-to-csv', '--json'], { cwd: project }));
    expect(bad).toMatchObject({ valid: false, mismatches: 1 });
    expect(bad['features'][0]['work_packages'][0]['issues'][0]).toMatch(/frontmatter lane planned but the status log says done/);
  }, 180_000);
});
