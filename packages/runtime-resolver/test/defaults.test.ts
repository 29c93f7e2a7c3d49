import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { PackageDefaults, defaultPackageRoot, parseCommandTemplate, parseMission } from '../src/index.js';

const defaults = new PackageDefaults(defaultPackageRoot());

describe('package defaults', () => {
  it('ship the three missions, each with a valid mission.yaml', () => {
    expect(defaults.missions()).toEqual(['documentation', 'research', 'software-dev']);
    for (const key of defaults.missions()) {
      const file = defaults.missionFiles(key).get('mission.yaml')!;
      const mission = parseMission(key, readFileSync(file, 'utf8'), file);
      expect(mission.phases.length).toBeGreaterThan(2);
      expect(mission.artifacts.required).toEqual(expect.arrayContaining(['spec.md', 'plan.md', 'tasks.md']));
    }
  });

  it('give every mission the spec, plan, tasks and task prompt templates plus its extras', () => {
    const templates = (key: string): string[] =>
      [...defaults.missionFiles(key).keys()].filter((k) => k.startsWith('templates/')).map((k) => k.slice(10));
    const core = ['plan-template.md', 'spec-template.md', 'task-prompt-template.md', 'tasks-template.md'];
    expect(templates('software-dev')).toEqual(['checklist-template.md', ...core]);
    expect(templates('research')).toEqual([
      'evidence-log.csv',
      'findings-template.md',
      ...core.slice(0, 1),
      'source-register.csv',
      ...core.slice(1),
    ]);
    expect(templates('documentation')).toEqual(['divio-page-template.md', 'gap-analysis-template.md', ...core]);
  });

  it('give every mission the agent command templates init installs, each with a description and $ARGUMENTS', () => {
    // The incumbent's 18 (reference §1.4), in file-name order.
    const expected = [
      'accept',
      'analyze',
      'checklist',
      'clarify',
      'constitution',
      'dashboard',
      'doctrine',
      'implement',
      'merge',
      'plan',
      'research',
      'review',
      'specify',
      'status',
      'tasks-finalize',
      'tasks-outline',
      'tasks-packages',
      'tasks',
    ];
    for (const key of defaults.missions()) {
      const names = [...defaults.missionFiles(key).keys()].filter((k) => k.startsWith('command-templates/'));
      expect(names.map((n) => n.slice('command-templates/'.length).replace(/\.md$/, ''))).toEqual(expected);
      for (const n of names) {
        const parsed = parseCommandTemplate(readFileSync(defaults.missionFiles(key).get(n)!, 'utf8'));
        expect(parsed.description).toMatch(/^.{10,}$/);
        expect(parsed.body).toContain('$ARGUMENTS');
      }
    }
  });

  it('are all listed by allFiles (what the command check in apps/cli scans)', () => {
    const rels = defaults.allFiles().map((f) => f.rel);
    expect(rels).toContain('command-templates/specify.md');
    expect(rels).toContain('missions/research/command-templates/review.md');
    expect(rels).toContain('missions/software-dev/mission.yaml');
    expect(rels).not.toContain('superseded.json');
  });

  it('refuse to start when the assets are missing (PACKAGE_ASSETS_MISSING)', () => {
    expect(() => new PackageDefaults('/nonexistent/assets')).toThrow(expect.objectContaining({ code: 'PACKAGE_ASSETS_MISSING' }));
  });
});
