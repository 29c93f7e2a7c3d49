import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, fixedClock, writeTree } from '@kitty/test-utils';
import { RuntimeResolver, TIERS, migrate, openRuntime, parseCommandTemplate, type Tier } from '../src/index.js';
import { defaultText, sandbox } from './helpers.js';

afterAll(cleanupTempDirs);

const clock = fixedClock('2026-03-01T10:00:00.000Z');

/** Puts a distinct file in every tier of `kind`/`name` and returns the text each tier holds. */
function fillTiers(
  home: string,
  project: string,
  kind: 'templates' | 'command-templates',
  mission: string,
  name: string,
): Record<Tier, string> {
  const text = (tier: string): string => `# ${tier} version of ${name}\n`;
  writeTree(project, {
    [`.kittify/missions/${mission}/${kind}/${name}`]: text('project_mission'),
    [`.kittify/${kind}/${name}`]: text('project'),
  });
  writeTree(home, { [`missions/${mission}/${kind}/${name}`]: text('global_mission'), [`${kind}/${name}`]: text('global') });
  return {
    project_mission: text('project_mission'),
    project: text('project'),
    global_mission: text('global_mission'),
    global: text('global'),
    package_default: '',
  };
}

describe('the resolution chain (DESIGN 3.7)', () => {
  for (const kind of ['templates', 'command-templates'] as const) {
    it(`lets each tier win in turn for ${kind}, and reports the losers as shadowed`, () => {
      const { home, project, ctx } = sandbox();
      const name = kind === 'templates' ? 'plan-template.md' : 'implement.md';
      const texts = fillTiers(home, project, kind, 'research', name);
      const files: Record<Tier, string> = {
        project_mission: path.join(project, '.kittify', 'missions', 'research', kind, name),
        project: path.join(project, '.kittify', kind, name),
        global_mission: path.join(home, 'missions', 'research', kind, name),
        global: path.join(home, kind, name),
        package_default: '',
      };
      const resolve = (): ReturnType<RuntimeResolver['resolveTemplate']> =>
        kind === 'templates'
          ? openRuntime(ctx).resolveTemplate('research', name)
          : openRuntime(ctx).resolveCommandTemplate('research', name);
      // research overrides implement.md, so the base command template is a second package default behind it.
      const baseToo: Tier[] = kind === 'command-templates' ? ['package_default'] : [];
      for (const tier of TIERS) {
        const got = resolve();
        expect(got.tier).toBe(tier);
        if (tier === 'package_default') {
          expect(got.content).toBe(defaultText(`missions/research/${kind}/${name}`));
          expect(got.shadowed.map((s) => s.tier)).toEqual(baseToo);
        } else {
          expect(got.content).toBe(texts[tier]);
          expect(got.path).toBe(files[tier]);
          expect(got.shadowed.map((s) => s.tier)).toEqual([...TIERS.slice(TIERS.indexOf(tier) + 1), ...baseToo]);
          unlinkSync(files[tier]); // remove the winner: the next tier wins the next lookup
        }
      }
    });
  }

  it('resolves mission.yaml from project mission folder, then the global runtime, then the package', () => {
    const { home, project, ctx } = sandbox();
    expect(openRuntime(ctx).resolveMission('software-dev').tier).toBe('package_default');
    const custom = defaultText('missions/software-dev/mission.yaml').replace('Software Dev Kitty', 'Our Dev Kitty');
    writeTree(home, { 'missions/software-dev/mission.yaml': custom });
    expect(openRuntime(ctx).loadMission('software-dev')).toMatchObject({ name: 'Our Dev Kitty', source: { tier: 'global_mission' } });
    writeTree(project, { '.kittify/missions/software-dev/mission.yaml': custom.replace('Our Dev Kitty', 'Team Kitty') });
    const mission = openRuntime(ctx).loadMission('software-dev');
    expect(mission).toMatchObject({ key: 'software-dev', name: 'Team Kitty', domain: 'software', source: { tier: 'project_mission' } });
  });

  it('falls back from a mission command template to the base set, and a mission overlay beats the base', () => {
    const { ctx } = sandbox();
    const r = openRuntime(ctx);
    expect(r.resolveCommandTemplate('software-dev', 'implement.md').path).toContain(`${path.sep}command-templates${path.sep}implement.md`);
    expect(r.resolveCommandTemplate('software-dev', 'implement.md').content).toBe(defaultText('command-templates/implement.md'));
    expect(r.resolveCommandTemplate('research', 'implement.md').content).toBe(
      defaultText('missions/research/command-templates/implement.md'),
    );
  });

  it('reads command templates from the pre-2.x folder .kittify/templates/command-templates (flagged legacy)', () => {
    const { project, ctx } = sandbox({ '.kittify/templates/command-templates/specify.md': '# old custom specify\n' });
    const got = openRuntime(ctx).resolveCommandTemplate('software-dev', 'specify.md');
    expect(got).toMatchObject({ tier: 'project', legacy: true, content: '# old custom specify\n' });
    writeTree(project, { '.kittify/command-templates/specify.md': '# new custom specify\n' });
    const newer = openRuntime(ctx).resolveCommandTemplate('software-dev', 'specify.md');
    expect(newer).toMatchObject({ tier: 'project', legacy: false, content: '# new custom specify\n' });
    expect(newer.shadowed[0]).toMatchObject({ tier: 'project', legacy: true });
  });

  it('works outside a project (global and package tiers only)', () => {
    const { user } = sandbox();
    const r = openRuntime({ env: {}, homeDir: user, platform: process.platform, cwd: user });
    expect(r.projectRoot).toBeNull();
    expect(r.resolveTemplate('documentation', 'gap-analysis-template.md').tier).toBe('package_default');
  });
});

describe('managed copies in the global runtime', () => {
  it('stand for the defaults: unedited copies never hide ~/.kittify/templates, edited ones win as global_mission', async () => {
    const { home, ctx } = sandbox();
    await migrate({ ...ctx, now: clock.now });
    const fresh = openRuntime(ctx).resolveTemplate('software-dev', 'spec-template.md');
    expect(fresh.tier).toBe('package_default');
    writeTree(home, { 'templates/spec-template.md': '# my spec for every project\n' });
    expect(openRuntime(ctx).resolveTemplate('software-dev', 'spec-template.md')).toMatchObject({
      tier: 'global',
      content: '# my spec for every project\n',
    });
    const copy = path.join(home, 'missions', 'software-dev', 'templates', 'spec-template.md');
    writeFileSync(copy, `${readFileSync(copy, 'utf8')}\n## Our extra section\n`);
    const edited = openRuntime(ctx).resolveTemplate('software-dev', 'spec-template.md');
    expect(edited.tier).toBe('global_mission');
    expect(edited.content).toContain('## Our extra section');
    expect(edited.shadowed.map((s) => s.tier)).toEqual(['global', 'package_default']);
  });

  it('serve the current default, not a stale unedited copy from an older version', async () => {
    const { home, ctx } = sandbox();
    await migrate({ ...ctx, now: clock.now });
    const manifestFile = path.join(home, 'cache', 'manifest.json');
    const copy = path.join(home, 'missions', 'software-dev', 'templates', 'plan-template.md');
    // Pretend an older release installed different text: rewrite the copy and record its hash as installed.
    writeFileSync(copy, '# plan template of an older release\n');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: Record<string, string> };
    const { createHash } = await import('node:crypto');
    manifest.files['missions/software-dev/templates/plan-template.md'] =
      `sha256:${createHash('sha256').update('# plan template of an older release\n').digest('hex')}`;
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const got = openRuntime(ctx).resolveTemplate('software-dev', 'plan-template.md');
    expect(got.tier).toBe('package_default');
    expect(got.content).toBe(defaultText('missions/software-dev/templates/plan-template.md'));
  });
});

describe('asset not found', () => {
  it('names the asset, every tier searched with its path, and the fix', () => {
    const { home, project, ctx } = sandbox();
    let caught: unknown;
    try {
      openRuntime(ctx).resolveTemplate('software-dev', 'roadmap-template.md');
    } catch (err) {
      caught = err;
    }
    const err = caught as { code: string; message: string; suggestions: string[]; details: { searched: { tier: string; path: string }[] } };
    expect(err.code).toBe('ASSET_NOT_FOUND');
    expect(err.message).toContain('Template "roadmap-template.md" for mission "software-dev"');
    expect(err.details.searched.map((s) => s.tier)).toEqual([...TIERS]);
    for (const s of err.details.searched) expect(err.message).toContain(s.path);
    expect(err.details.searched[0]?.path).toBe(
      path.join(project, '.kittify', 'missions', 'software-dev', 'templates', 'roadmap-template.md'),
    );
    expect(err.suggestions.join('\n')).toContain(path.join(home, 'templates', 'roadmap-template.md'));
    expect(err.suggestions.join('\n')).toContain('spec-template.md');
  });

  it('for an unknown mission lists the known ones; outside a project says the project tiers were skipped', () => {
    const { user } = sandbox();
    const r = openRuntime({ env: {}, homeDir: user, platform: process.platform, cwd: user });
    expect(() => r.resolveMission('marketing')).toThrow(expect.objectContaining({ code: 'ASSET_NOT_FOUND' }));
    try {
      r.resolveTemplate('marketing', 'spec-template.md');
    } catch (err) {
      expect((err as Error).message).toContain('project tiers: skipped');
      expect((err as { suggestions: string[] }).suggestions[0]).toContain('documentation, research, software-dev');
    }
  });

  it('rejects unsafe names and bad mission keys before touching the disk', () => {
    const { ctx } = sandbox();
    const r = openRuntime(ctx);
    for (const bad of ['../secrets.md', '/etc/passwd', '', 'a/../b.md', 'command-templates/specify.md']) {
      expect(() => r.resolveTemplate('software-dev', bad)).toThrow(expect.objectContaining({ code: 'INVALID_ASSET_NAME' }));
    }
    for (const bad of ['Software', '../x', 'soft dev', '']) {
      expect(() => r.resolveTemplate(bad, 'spec-template.md')).toThrow(expect.objectContaining({ code: 'INVALID_MISSION_KEY' }));
    }
  });
});

describe('notes', () => {
  it('gives exactly one note per resolver before migration, however many lookups', () => {
    const { ctx } = sandbox();
    const r = openRuntime(ctx);
    const notes = [];
    for (const mission of r.listMissions()) {
      for (const name of r.listTemplates(mission)) r.resolveTemplate(mission, name);
      notes.push(...r.takeNotes());
    }
    expect(notes).toHaveLength(1);
    expect(notes[0]?.code).toBe('RUNTIME_NOT_INSTALLED');
    expect(notes[0]?.message).toContain('spec-kitty migrate');
    expect(r.takeNotes()).toEqual([]);
  });

  it('notes a project that still serves unmodified copies, but not one with only customised files', async () => {
    const { project, ctx } = sandbox({
      '.kittify/templates/spec-template.md': defaultText('missions/software-dev/templates/spec-template.md'),
    });
    await migrate({ ...ctx, dryRun: true, now: clock.now });
    await (await import('../src/index.js')).installGlobalRuntime({ ...ctx, now: clock.now });
    const r = openRuntime(ctx);
    r.resolveTemplate('software-dev', 'plan-template.md');
    expect(r.takeNotes()).toEqual([]);
    r.resolveTemplate('software-dev', 'spec-template.md');
    expect(r.takeNotes().map((n) => n.code)).toEqual(['LEGACY_PROJECT_COPIES']);
    writeTree(project, { '.kittify/templates/spec-template.md': '# our own spec template\n' });
    const again = openRuntime(ctx);
    expect(again.resolveTemplate('software-dev', 'spec-template.md').tier).toBe('project');
    expect(again.takeNotes()).toEqual([]);
  });

  it('notes a runtime installed by another version', async () => {
    const { ctx } = sandbox();
    await migrate({ ...ctx, version: '0.0.1', now: clock.now });
    const r = openRuntime(ctx);
    r.resolveMission('research');
    expect(r.takeNotes()).toEqual([expect.objectContaining({ code: 'RUNTIME_STALE' })]);
    expect(r.status()).toMatchObject({ state: 'stale', installed_version: '0.0.1' });
  });
});

describe('listing and the origin report', () => {
  it('lists missions, templates and command templates across tiers', () => {
    const { home, project, ctx } = sandbox();
    writeTree(project, {
      '.kittify/missions/marketing/mission.yaml': defaultText('missions/software-dev/mission.yaml'),
      '.kittify/templates/extra.md': 'x',
    });
    writeTree(home, { 'command-templates/standup.md': '---\ndescription: Daily standup\n---\nbody\n' });
    const r = openRuntime(ctx);
    expect(r.listMissions()).toEqual(['documentation', 'marketing', 'research', 'software-dev']);
    expect(r.listTemplates('software-dev')).toEqual([
      'checklist-template.md',
      'extra.md',
      'plan-template.md',
      'spec-template.md',
      'task-prompt-template.md',
      'tasks-template.md',
    ]);
    expect(r.listCommandTemplates('research')).toContain('standup.md');
    expect(r.resolveCommandTemplate('research', 'standup.md').tier).toBe('global');
  });

  it('lists every asset with its tier and carries the note', () => {
    const { project, ctx } = sandbox({ '.kittify/missions/research/templates/findings-template.md': '# ours\n' });
    const report = openRuntime(ctx).originReport();
    expect(report.project_root).toBe(project);
    expect(report.runtime.state).toBe('not_installed');
    expect(report.notes).toHaveLength(1);
    const findings = report.assets.find((a) => a.mission === 'research' && a.name === 'findings-template.md');
    expect(findings).toMatchObject({ kind: 'template', tier: 'project_mission', shadowed: [{ tier: 'package_default' }] });
    const count = (m: string): number => report.assets.filter((a) => a.mission === m).length;
    expect(count('software-dev')).toBe(1 + 5 + 18);
    expect(report.assets.every((a) => a.path.length > 0)).toBe(true);
  });
});

describe('mission and command template parsing', () => {
  it('rejects an invalid mission.yaml with INVALID_MISSION naming the file and each problem', () => {
    const { project, ctx } = sandbox({
      '.kittify/missions/software-dev/mission.yaml': 'name: X\nversion: one\ndomain: cooking\nworkflow:\n  phases: []\n',
    });
    let caught: unknown;
    try {
      openRuntime(ctx).loadMission('software-dev');
    } catch (err) {
      caught = err;
    }
    const err = caught as { code: string; message: string; details: { issues: { path: string }[] } };
    expect(err.code).toBe('INVALID_MISSION');
    expect(err.message).toContain(path.join(project, '.kittify', 'missions', 'software-dev', 'mission.yaml'));
    expect(err.details.issues.map((i) => i.path)).toEqual(['description', 'version', 'domain', 'workflow.phases', 'artifacts']);
  });

  it('reports YAML syntax errors with their line', () => {
    const { ctx } = sandbox({ '.kittify/missions/research/mission.yaml': 'name: [unclosed\n' });
    expect(() => openRuntime(ctx).loadMission('research')).toThrow(
      expect.objectContaining({ code: 'INVALID_MISSION', message: expect.stringMatching(/at line \d+, column \d+/) }),
    );
  });

  it('splits command templates into description and body, and rejects a broken frontmatter', () => {
    const parsed = parseCommandTemplate(defaultText('command-templates/specify.md'));
    expect(parsed.description).toMatch(/specification/);
    expect(parsed.body.startsWith('# Specify a feature')).toBe(true);
    expect(parsed.body).toContain('$ARGUMENTS');
    expect(parseCommandTemplate('no frontmatter')).toEqual({ description: null, frontmatter: {}, body: 'no frontmatter' });
    expect(() => parseCommandTemplate('---\n- a list\n---\nbody', 'x.md')).toThrow(
      expect.objectContaining({ code: 'INVALID_COMMAND_TEMPLATE' }),
    );
  });
});
